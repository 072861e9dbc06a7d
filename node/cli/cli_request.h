/*
 * cli_request.h — mpc-cli keygen / sign / reshare: options, building and
 * signing the request (node/cli/cli_request.c), publishing it and waiting for
 * the results (node/cli/cli_send.c).
 *
 * Saved requests and approvals (node/cli/cli_approve.c): `--out-request F`
 * writes the SignedRequest instead of sending it, `mpc-cli approve` writes an
 * authorizer's Approval of it, and `--request F --approval A...` sends it
 * with the approvals attached. Every byte is made by node/client/request.h.
 *
 * The request is signed by the initiator key as node/client/request.h specifies:
 * Ed25519 over NODE_CLIENT_REQUEST_DOMAIN (with its NUL byte) || encoded Request,
 * and published to mpc.req.<op> with Nats-Msg-Id = hex SHA-256 of the signed
 * bytes (node_client_request_msg_id) and header Mpc-Client = client_id. The results watcher is
 * opened before publishing.
 *
 * Hidden test-only options (not in --help; for the bad-request flows):
 *   --x-unsigned         omit the initiator key and signature
 *   --x-bad-signature    flip one bit of the signature
 *   --x-garbage N        publish N bytes 0xff instead of a SignedRequest
 *                        (malformed protobuf; N > 64 KiB: oversized)
 *   --x-no-wait          publish and exit without waiting for results
 *   --x-msg-id ID        use ID as Nats-Msg-Id instead of the hash of the
 *                        signed bytes (a duplicate that JetStream's dedup
 *                        lets through, so the node's own request log must
 *                        answer; or junk that tries to squat a victim's id)
 *
 * THREAD SAFETY: single-threaded.
 */
#ifndef MPC_NODE_CLI_CLI_REQUEST_H
#define MPC_NODE_CLI_CLI_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "node/cli/cli.h"
#include "node/client/ids.h"
#include "node/client/request.h"

#define CLI_PARTIES_MAX NODE_CLIENT_REQUEST_PARTIES_MAX /* committee list bound */
#define CLI_BATCH_MAX                                                                              \
    256u /* batch entries mpc-cli sends (the node refuses more than its                            \
            sign.max_batch, itself at most 64: tests send more) */

/* Everything a request command was asked to do. */
struct cli_req_opts {
    int op;                    /* Mpc__Op */
    struct cli_nats_opts nats; /* connection */
    const char *key_file;      /* --key (initiator), default $MPC_INITIATOR_KEY */
    struct cli_pass_opts pass; /* passphrase of an encrypted key file */
    const char *client_id;     /* --client-id */
    char request_id[NODE_CLIENT_REQUEST_ID_MAX + 1]; /* --request-id or random */
    const char *wallet;                              /* --wallet */
    int key_types[2];                                /* --key-type (keygen: up to 2) */
    size_t n_key_types;                              /* count */
    char *parties_arg;                               /* strdup of the committee list (owned) */
    const char *parties[CLI_PARTIES_MAX]; /* --participants/--signers/--new-participants */
    size_t n_parties;                     /* count */
    uint32_t threshold;                   /* --threshold / --new-threshold */
    uint8_t *message;                     /* sign: message bytes (owned) */
    size_t message_len;                   /* length */
    uint8_t **batch;                      /* sign: batch entries (owned, each malloc'ed) */
    size_t *batch_lens;                   /* their lengths */
    size_t n_batch;                       /* count: --message-file given twice or more, or
                                             --digests-file (a batch even with one line) */
    int batch_file;                       /* --digests-file given */
    uint32_t key_version;                 /* sign: --key-version */
    const char *hd_path;                  /* sign: --path (derivation path), or NULL */
    uint8_t tr_root[32];                  /* sign: --taproot-merkle-root */
    int has_tr_root;                      /* 1 if given */
    int tr_untweaked;                     /* sign: --taproot-untweaked */
    uint64_t timeout_ms;                  /* --timeout */
    uint64_t expires_in_ms;               /* --expires-in, 0 = none */
    uint32_t expect;                      /* --expect N results */
    uint64_t resubmit_ms;                 /* --resubmit-ms (node/cli/cli_resubmit.h), 0 = off */
    uint32_t resubmit_max;                /* --resubmit-max */
    const char *peers_file;               /* --peers */
    uint8_t pk[33];                       /* --public-key (32 or 33 bytes) */
    int has_pk;                           /* its length if --public-key given, else 0 */
    int json;                             /* --json */
    int x_unsigned;                       /* hidden: no signature */
    int x_bad_sig;                        /* hidden: corrupt signature */
    size_t x_garbage;                     /* hidden: N bytes of 0xff */
    int x_no_wait;                        /* hidden: do not wait */
    const char *x_msg_id;                 /* hidden: Nats-Msg-Id override */
    const char *out_request;              /* --out-request F: write, do not send */
    const char *request_file;             /* --request F: send this saved request */
    const char *approval_files[NODE_CLIENT_REQUEST_APPROVALS_MAX]; /* --approval A (repeat) */
    size_t n_approvals;                                            /* count */
    uint8_t *loaded_bytes; /* SignedRequest read from --request (owned) */
    size_t loaded_len;     /* its length */
    Mpc__Request *loaded;  /* its decoded Request (owned); fields above point in */
};

/*
 * Parses the options of `mpc-cli <op>`.
 * Out: *o — cleared on entry; free with cli_req_opts_clear.
 * Returns: CLI_EXIT_OK; CLI_EXIT_USAGE (reported); -1 after --help (exit 0).
 */
int cli_req_parse(int op, int argc, char **argv, struct cli_req_opts *o);

/* Frees what cli_req_parse allocated. */
void cli_req_opts_clear(struct cli_req_opts *o);

/*
 * Builds the bytes to publish: a signed SignedRequest (or the hidden
 * variants). Loads the initiator key as needed.
 * Out: *out (malloc'ed; free()), *out_len.
 * Returns: MPC_OK or a failure already reported.
 */
MPC_MUST_CHECK mpc_status cli_req_build(const struct cli_req_opts *o, uint8_t **out,
                                        size_t *out_len);

/*
 * Loads the saved request of --request (node/cli/cli_approve.c): reads and
 * decodes it and fills the fields of o the results need (ids, wallet,
 * committee, message) from it.
 * Returns: CLI_EXIT_OK; CLI_EXIT_USAGE (another op); CLI_EXIT_FAILED (reported).
 */
int cli_req_load(struct cli_req_opts *o);

/* Writes the bytes of `--out-request F`. Returns the exit code. */
int cli_req_save(const struct cli_req_opts *o, const uint8_t *data, size_t len);

/* Returns: the usage text of op. */
const char *cli_req_usage(int op);

/* Publishes, collects, prints (node/cli/cli_send.c). Returns the exit code. */
int cli_req_send(const struct cli_req_opts *o, const uint8_t *data, size_t len);

#endif /* MPC_NODE_CLI_CLI_REQUEST_H */

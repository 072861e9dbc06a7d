/*
 * cli_results.h — mpc-cli: collecting the Result copies of one request from
 * the MPC_RES stream, verifying them locally and printing them.
 *
 * Collection rule: results are watched on mpc.res.<client>.<request_id>
 * through an ordered consumer (copies stored before the watch started are
 * delivered too). One final outcome is kept per (node, key type); a later
 * copy of the same pair (a republish) is counted as a duplicate. The wait
 * ends when
 *   - `expect` > 0 and that many outcomes arrived; else
 *   - every node of the peers file (--peers) answered for every key type; else
 *   - every node of the expected set answered for every key type; the set is
 *     the committee named by the request, or, when the request left it to
 *     the cluster, the participants reported by the first successful result
 *     (or all peers of the --peers file while none arrived); else
 *   - only error results arrived and none came for CLI_QUIET_MS (invalid
 *     requests are rejected by every node at once); else
 *   - the deadline passed (a timeout).
 *
 * Verification (libsodium and libsecp256k1, independent of the nodes): every
 * successful sign result's signature must verify over the message under the
 * group key (or under the key given with --public-key): EdDSA with
 * crypto_sign_verify_detached; ECDSA (the message is the 32-byte digest) with
 * secp256k1_ecdsa_verify (low-S enforced), the compact form must be
 * r || s || recovery id and recovery must give back the group key. All
 * successful copies must agree on the group key, and for sign on the
 * signature.
 *
 * THREAD SAFETY: single-threaded (the caller's thread).
 */
#ifndef MPC_NODE_CLI_CLI_RESULTS_H
#define MPC_NODE_CLI_CLI_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/cli/cli.h"
#include "node/client/ids.h"
#include "proto/result.pb-c.h"

#define CLI_RESULTS_MAX 256u  /* outcomes kept per request */
#define CLI_QUIET_MS    1500u /* end of an errors-only answer */

struct transport_js_results;

/* What to wait for. Strings and arrays borrowed during the collection. */
struct cli_collect_params {
    const char *client_id;         /* result subject token */
    const char *request_id;        /* request id */
    const char *const *expected;   /* expected node ids (may be NULL) */
    size_t n_expected;             /* their count */
    const char *const *peers;      /* all known node ids (from --peers), or NULL */
    size_t n_peers;                /* their count */
    size_t n_key_types;            /* outcomes per node (keygen of 2 types: 2), >= 1 */
    uint32_t expect;               /* --expect: total outcomes, 0 = use the sets */
    uint64_t timeout_ms;           /* overall deadline from the start of the collection */
    const uint8_t *message;        /* sign: the message, for verification (or NULL) */
    size_t message_len;            /* its length */
    const uint8_t *pk;             /* sign: verify under this 32-byte key instead (or NULL) */
    const uint8_t *pk33;           /* sign secp256k1: this 33-byte compressed key (or NULL) */
    int progress;                  /* 1 = show a progress line on stderr (tty) */
    const uint8_t *request_digest; /* 32 bytes: results naming another request are not ours
                                      (the same id reused), or NULL to take every result */
};

/* One node's outcome. */
struct cli_outcome {
    char node[NODE_ID_MAX + 1]; /* publishing node (header Mpc-Node or Result.node_id) */
    Mpc__Result *res;           /* decoded result (owned) */
    uint64_t arrived_ms;        /* ms since the collection started */
    int verified;               /* sign success: 1 verified, -1 failed, 0 not applicable */
};

/* Everything collected for one request. */
struct cli_results {
    struct cli_outcome v[CLI_RESULTS_MAX]; /* outcomes in arrival order */
    size_t n;                              /* count */
    size_t duplicates;                     /* copies of an already-seen (node, key type) */
    size_t undecodable;                    /* copies that did not decode */
    size_t foreign;                        /* results of another request under the same id */
    size_t n_errors;                       /* outcomes with status_code != 0 */
    int timed_out;                         /* 1 = deadline passed before the rule was met */
    int inconsistent;                      /* 1 = successful copies disagree (key / signature) */
    int verify_failed;                     /* 1 = some signature did not verify */
    uint64_t elapsed_ms;                   /* collection time */
};

/*
 * Collects the outcomes (see the rule above) from watcher w (opened before
 * the request was published). Out: *r — cleared on entry; free with
 * cli_results_clear.
 * Returns: MPC_OK (rule met or timeout: see r->timed_out); NATS errors.
 */
MPC_MUST_CHECK mpc_status cli_results_collect(struct transport_js_results *w,
                                              const struct cli_collect_params *p,
                                              struct cli_results *r);

/*
 * Adds one received copy to r (used by cli_results_collect; exposed for
 * tests): decodes it, takes the node from node_hdr (header Mpc-Node) or else
 * Result.node_id, drops a second copy of a (node, key type) as a duplicate,
 * and verifies a successful one (see above).
 */
void cli_results_add(struct cli_results *r, const uint8_t *data, size_t len, const char *node_hdr,
                     const struct cli_collect_params *p, uint64_t arrived_ms);

/* Returns: 1 when the end-of-wait rule above holds (the quiet rule excepted). */
int cli_results_done(const struct cli_results *r, const struct cli_collect_params *p);

/* Frees the decoded results of r. */
void cli_results_clear(struct cli_results *r);

/*
 * Prints r: text (a line per node, then the group key / signature) or one
 * JSON document. op_name and wallet label the output. pub_ms is the publish
 * latency, shown when non-zero.
 */
void cli_results_print(const struct cli_results *r, const char *op_name, const char *request_id,
                       const char *wallet, int json, uint64_t pub_ms);

/* Returns: the exit code for r (0 ok, 1 error or verification failure, 3 timeout). */
int cli_results_exit(const struct cli_results *r);

/* `mpc-cli results`: collect and print the stored outcomes of a request. */
int cli_cmd_results(int argc, char **argv);

#endif /* MPC_NODE_CLI_CLI_RESULTS_H */

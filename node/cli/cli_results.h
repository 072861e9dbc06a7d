/*
 * cli_results.h — mpc-cli: collecting the Result copies of one request from
 * the MPC_RES stream, verifying them locally and printing them.
 *
 * Collection rule: results are watched on mpc.res.<client>.<request_id>.*
 * through an ordered consumer (copies stored before the watch started are
 * delivered too).
 *
 * Trust rule (proto/result.proto, "CLIENT RULE"): a copy is accepted only
 * if its signer is in the peers file, is the node of the subject it came
 * on (and its node_id), and its node signature verifies under that peer's
 * identity key; anything else is a rejected copy, named by the node it
 * claims, and never shown. One accepted outcome is kept per (signer, key
 * type); a later copy of the same pair (a republish) is a duplicate. The
 * request succeeds only when every participant (keygen, reshare) or at
 * least `threshold` signers (sign) returned accepted successful copies that
 * agree on the public key and key version (and on the signature for sign,
 * on participants and threshold otherwise); a disagreement names the nodes.
 * The wait ends when
 *   - `expect` > 0 and that many outcomes arrived; else
 *   - every node of the peers file (--peers) answered for every key type; else
 *   - every node of the expected set answered for every key type; the set is
 *     the committee named by the request, or, when the request left it to
 *     the cluster, the participants reported by the first successful result
 *     (or all peers of the --peers file while none arrived); else
 *   - only error results arrived and none came for CLI_QUIET_MS (invalid
 *     requests are rejected by every node at once); else
 *   - the deadline passed (a timeout).
 * While waiting, when p->resubmit says a resubmission is due (no copy for
 * its interval, node/cli/cli_resubmit.h), p->resubmit_fn publishes the same
 * request again; copies of every publish count as one request's copies.
 *
 * Verification (libsodium and libsecp256k1, independent of the nodes): every
 * successful sign result's signature must verify over the message under the
 * group key (or under the key given with --public-key): EdDSA with
 * crypto_sign_verify_detached; ECDSA (the message is the 32-byte digest) with
 * secp256k1_ecdsa_verify (low-S enforced), the compact form must be
 * r || s || recovery id and recovery must give back the group key; BIP340
 * (secp256k1-tr, cli_taproot.c) with secp256k1_schnorrsig_verify under the
 * output key recomputed here from the group key and the requested tweak. All
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
#include "node/cli/cli_resubmit.h"
#include "node/client/ids.h"
#include "node/config/peers.h"
#include "proto/result.pb-c.h"

#define CLI_RESULTS_MAX  256u  /* outcomes kept per request */
#define CLI_QUIET_MS     1500u /* end of an errors-only answer */
#define CLI_REJECTED_MAX 16u   /* rejected copies remembered (more are only counted) */
#define CLI_MISSING_MAX  32u   /* missing participants remembered */

struct transport_js_results;

/* One node's identity key (from the peers file). Borrowed. */
struct cli_peer_key {
    const char *id;    /* node id */
    const uint8_t *pk; /* its 32-byte Ed25519 identity key */
};

/* The peers file as the result checks need it. */
struct cli_peer_keys {
    node_config_peers *peers;                        /* loaded file (owned) */
    const char *ids[NODE_CONFIG_PEERS_MAX];          /* node ids (borrowed from peers) */
    struct cli_peer_key keys[NODE_CONFIG_PEERS_MAX]; /* id + key (borrowed from peers) */
    size_t n;                                        /* count */
};

/* What to wait for. Strings and arrays borrowed during the collection. */
struct cli_collect_params {
    const char *client_id;           /* result subject token */
    const char *request_id;          /* request id */
    const char *const *expected;     /* expected node ids (may be NULL) */
    size_t n_expected;               /* their count */
    const char *const *peers;        /* all known node ids (from --peers), or NULL */
    size_t n_peers;                  /* their count */
    const struct cli_peer_key *keys; /* identity keys that may sign results (NULL: none) */
    size_t n_keys;                   /* their count */
    const uint8_t
        *request_digest;    /* SHA-256 of the Request sent (32): results naming another request (the
                               same id reused) are not ours; NULL takes every result */
    size_t n_key_types;     /* outcomes per node (keygen of 2 types: 2), >= 1 */
    int key_type;           /* > 0: only outcomes of this key type (Mpc__KeyType) complete a
                               node (a reader of one key type of a 2-type keygen) */
    uint32_t expect;        /* --expect: total outcomes, 0 = use the sets */
    uint64_t timeout_ms;    /* overall deadline from the start of the collection */
    const uint8_t *message; /* sign: the message, for verification (or NULL) */
    size_t message_len;     /* its length */
    const uint8_t *const *batch; /* batch sign: the messages, in request order (or NULL) */
    const size_t *batch_lens;    /* their lengths */
    size_t n_batch;              /* their count (0: a single sign) */
    const uint8_t *pk;           /* sign: verify under this 32-byte key instead (or NULL) */
    const uint8_t *pk33;         /* sign secp256k1: this 33-byte compressed key (or NULL) */
    const char *hd_path;         /* sign: the derivation path requested ("m/0/5"), or NULL */
    const uint8_t *tr_root; /* sign secp256k1-tr: the requested 32-byte merkle root (or NULL) */
    int tr_untweaked;       /* sign secp256k1-tr: 1 if the request signs under the internal key */
    int progress;           /* 1 = show a progress line on stderr (tty) */
    struct cli_resubmit *resubmit; /* resubmission schedule (borrowed), NULL = never */
    mpc_status (*resubmit_fn)(void *ctx, uint32_t n); /* publishes resubmission n (>= 1);
                                                         MPC_ERR_EXPIRED: none (ever) again */
    void *resubmit_ctx;                               /* its argument (borrowed) */
};

/* One node's outcome. */
struct cli_outcome {
    char node[NODE_ID_MAX + 1]; /* signer (verified; the node of the result subject) */
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
    struct {
        char node[NODE_ID_MAX + 1]; /* the node the copy claims to be from ("?" if none) */
        const char *why;            /* static reason */
    } rejected[CLI_REJECTED_MAX];   /* copies refused by the trust rule */
    size_t n_rejected;              /* how many (may exceed CLI_REJECTED_MAX) */
    char missing[CLI_MISSING_MAX][NODE_ID_MAX + 1]; /* participants with no accepted success */
    size_t n_missing;                               /* count (set by cli_results_finish) */
    int quorum;                        /* 1 = the success rule holds (cli_results_finish) */
    char disagree[2][NODE_ID_MAX + 1]; /* two nodes that disagree, when inconsistent */
    const char *disagree_what;         /* on what ("public key", ...) */
    int other_request;                 /* 1 = copies answer another request with this id */
    uint32_t resubmissions;            /* times the request was published again */
};

/*
 * Loads the peers file path (NULL: $MPC_PEERS) for the result checks.
 * Out: *out — cleared on entry; free with cli_peer_keys_clear.
 * Returns: 0, or -1 after printing why (no file given, or a bad file).
 */
int cli_peer_keys_load(const char *path, struct cli_peer_keys *out);

/* Frees what cli_peer_keys_load loaded. */
void cli_peer_keys_clear(struct cli_peer_keys *k);

/*
 * The trust rule for one decoded copy: subject_node is the <node> token of
 * the subject it arrived on ("" or NULL when unknown).
 * Returns: NULL if accepted, else a static reason.
 */
const char *cli_results_accept(const Mpc__Result *res, const char *subject_node,
                               const struct cli_collect_params *p);

/*
 * Evaluates the success rule over what was collected: sets r->quorum and
 * r->missing. Called by cli_results_collect; callers that add copies
 * themselves (bench) call it before cli_results_exit.
 */
void cli_results_finish(struct cli_results *r, const struct cli_collect_params *p);

/*
 * Checks a newly accepted successful outcome o against the first one of its
 * key type (public key, key version, digest; signature for sign;
 * participants and threshold otherwise): marks r inconsistent and names the
 * two nodes on a difference.
 */
void cli_results_agree(struct cli_results *r, const struct cli_outcome *o,
                       const struct cli_collect_params *p);

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
 * tests): decodes it, applies the trust rule (subject_node: the node token
 * of its subject), drops a second copy of a (signer, key type) as a
 * duplicate, and verifies a successful one (see above).
 */
void cli_results_add(struct cli_results *r, const uint8_t *data, size_t len,
                     const char *subject_node, const struct cli_collect_params *p,
                     uint64_t arrived_ms);

/* Returns: 1 when the end-of-wait rule above holds (the quiet rule excepted). */
int cli_results_done(const struct cli_results *r, const struct cli_collect_params *p);

/* Frees the decoded results of r. */
void cli_results_clear(struct cli_results *r);

/*
 * Fills *p with what every collecting command shares: client_id,
 * request_id, one key type, the peers' ids and identity keys, expect and
 * timeout_ms; everything else zero (the caller adds what its command needs).
 * Everything is borrowed from the arguments.
 */
void cli_collect_params_init(struct cli_collect_params *p, const char *client_id,
                             const char *request_id, const struct cli_peer_keys *peers,
                             uint32_t expect, uint64_t timeout_ms);

/*
 * Sets the sign checks of *p: the message (NULL: none) and the public key
 * by its length pk_len (32: Ed25519, 33: secp256k1 compressed, else none).
 */
/*
 * Returns: 1 if the Taproot sign result res is right for p: its internal key is
 * x(pk) — pk the 33-byte group key, or for a derivation path the child key the
 * caller derived itself (BIP32 on the group key) —, its output key is the
 * BIP341 tweak p asks for (recomputed with libsecp256k1), and its BIP340
 * signature verifies under it; else 0 (also for pk NULL).
 */
int cli_taproot_result_verifies(const Mpc__Result *res, const struct cli_collect_params *p,
                                const uint8_t pk[33]);

/* The P2TR scriptPubKey OP_1 <32-byte output key> in hex (69 bytes with the NUL). */
void cli_taproot_script(char out[2 * 34 + 1], const uint8_t output_key[32]);

void cli_collect_params_sign(struct cli_collect_params *p, const uint8_t *message,
                             size_t message_len, const uint8_t *pk, int pk_len);

/* Returns: a zeroed struct cli_results (free with cli_results_free), NULL on NOMEM. */
struct cli_results *cli_results_new(void);

/* Clears and frees r. Accepts NULL. */
void cli_results_free(struct cli_results *r);

/*
 * Connects (cli_nats_connect, connection name name) and opens a watcher on
 * the results of client_id's request_id (NULL: all of the client's).
 * Out: *js, *w — caller closes both with cli_results_watch_close (also on
 *      failure); NULL when not opened.
 * Returns: MPC_OK; the connect or watch status, already reported on stderr.
 */
MPC_MUST_CHECK mpc_status cli_results_watch_open(const struct cli_nats_opts *o, const char *name,
                                                 const char *client_id, const char *request_id,
                                                 struct transport_js **js,
                                                 struct transport_js_results **w);

/* Stops w and closes js (cli_nats_close). Accepts NULLs. */
void cli_results_watch_close(struct transport_js *js, struct transport_js_results *w);

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

/*
 * results.h — the Result messages a node publishes (proto/result.proto) and
 * the request-log entry that keeps them (record req/<request_id>, DESIGN §8).
 *
 * One request gives one Result per key type it touches (a keygen may list
 * both types); each is signed by the node (node_client_result_sign) and
 * published to mpc.res.<client>.<request_id>.<node> with
 * Nats-Msg-Id "<request_id>/<node>/<key type>" and header Mpc-Node.
 *
 * Request-log entry (the bytes stored by node_store_req_put):
 *   u8 format = 1 | u8 count | u8 flags | u8 reserved = 0 | char client_id[len u8] |
 *   [u8 digest[32] if flags & 1] | count x (u32 len | encoded Result)
 *   (integers big-endian; entries written before the digest have flags 0)
 * The client id is kept so that a duplicate request republishes to the same
 * subject even when its own client id differs. The digest (SHA-256 of the
 * Request bytes) tells a duplicate (same content: republish) from a reuse of
 * the id with other content (refused, MPC_ERR_REQ_ID_REUSED).
 *
 * THREAD SAFETY: pure functions over caller-owned data; thread-safe.
 */
#ifndef MPC_NODE_CLIENT_RESULTS_H
#define MPC_NODE_CLIENT_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/request.h"
#include "proto/result.pb-c.h"

#define NODE_CLIENT_RESULTS_MAX       4u          /* results per request log entry */
#define NODE_CLIENT_RESULTS_ENTRY_MAX (64u << 10) /* bound of an encoded log entry */
#define NODE_CLIENT_RESULTS_FORMAT    1u

/* What a handler knows when a request ends, for one key type. Strings borrowed. */
struct node_client_result_info {
    const char *request_id;              /* request id (valid id) */
    int op;                              /* Mpc__Op */
    int key_type;                        /* Mpc__KeyType, 0 if unknown */
    const char *wallet_id;               /* wallet id, or NULL */
    mpc_status status;                   /* MPC_OK or why it failed */
    const char *error_text;              /* detail on failure, or NULL (status text is used) */
    uint32_t failed_round;               /* 0 if none */
    const char *failed_peer;             /* culprit node id, or NULL */
    const uint8_t *public_key;           /* group public key, or NULL */
    size_t public_key_len;               /* its length */
    const uint8_t *signature;            /* EdDSA signature (64 bytes), or NULL */
    size_t signature_len;                /* its length */
    const uint8_t *ecdsa_rs;             /* ECDSA r || s (64 bytes, low-S), or NULL */
    uint32_t recovery_id;                /* ECDSA recovery id 0..3 (with ecdsa_rs) */
    const uint8_t *schnorr_signature;    /* Taproot: BIP340 signature (64 bytes), or NULL */
    const uint8_t *taproot_output_key;   /* Taproot: x-only output key (32 bytes), or NULL */
    const uint8_t *taproot_internal_key; /* Taproot: x-only internal key (32 bytes), or NULL */
    const uint8_t *presig_used; /* ECDSA sign served online: the presig_id (32 bytes), or NULL */
    uint32_t key_version;       /* key version used or created, 0 if none */
    const char *const *participants; /* committee / signers, or NULL */
    size_t n_participants;           /* count */
    uint32_t threshold;              /* k, 0 if none */
    const char *node_id;             /* publishing node */
    uint64_t finished_at_ms;         /* wall clock */
    uint64_t duration_ms;            /* session duration */
    const uint8_t *request_digest;   /* SHA-256 of the signed request (32 bytes), or NULL */
    const char *const *disputed;     /* disputed parties (MPC_ERR_DISPUTED ...), or NULL */
    size_t n_disputed;               /* count (0..2) */
    const uint8_t *const *evidence;  /* signed envelopes behind the verdict, or NULL */
    const size_t *evidence_lens;     /* their lengths */
    size_t n_evidence;               /* count; the encoder keeps what fits in
                                        NODE_CLIENT_EVIDENCE_MAX bytes */
    const uint8_t *chain_code;       /* the key's 32-byte chain code, or NULL */
    const char *derivation_path;     /* sign: the path signed under ("m/0/5"), NULL or "" */
    const uint8_t *child_public_key; /* sign: the key the signature verifies under, or NULL */
    size_t child_public_key_len;     /* its length */
    const uint8_t *batch_sigs;       /* batch: n_batch 64-byte signatures in request order,
                                        or NULL (fields 32) */
    const uint8_t *batch_recids;     /* batch ECDSA: n_batch recovery ids (field 33), or NULL */
    size_t n_batch;                  /* batch size, 0 for a single sign */
};

#define NODE_CLIENT_EVIDENCE_MAX     (12u << 10) /* evidence bytes per Result */
#define NODE_CLIENT_RESULT_BATCH_MAX 64u         /* signatures per Result (== TSS_BATCH_MAX) */

#define NODE_CLIENT_RESULT_DOMAIN      "mpc-node/result/v1" /* transcript domain separator */
#define NODE_CLIENT_REQUEST_DIGEST_LEN 32u                  /* SHA-256 */
#define NODE_CLIENT_RESULT_SIG_LEN     64u                  /* Ed25519 */

/* Signs msg[0..len) into sig (64 bytes) with the node's identity key; MPC_OK on success. */
typedef mpc_status (*node_client_result_sign_fn)(void *ctx, uint8_t *sig, const uint8_t *msg,
                                                 size_t len);

/*
 * The signed transcript of r (every field but node_signature, see proto/result.proto).
 * Out: *out — malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_result_transcript(const Mpc__Result *r, uint8_t **out,
                                                        size_t *out_len);

/*
 * Signs an encoded Result as node signer_id: sets signer_node_id and
 * node_signature (replacing any), re-encodes.
 * Out: *out — malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_PARSE (not a Result), MPC_ERR_NOMEM,
 *          or the signer's status.
 */
MPC_MUST_CHECK mpc_status node_client_result_sign(const uint8_t *in, size_t len,
                                                  const char *signer_id,
                                                  node_client_result_sign_fn sign, void *ctx,
                                                  uint8_t **out, size_t *out_len);

/*
 * Checks the node signature of r under the signer's 32-byte Ed25519 identity key.
 * Returns: MPC_OK, MPC_ERR_VERIFY_FAILED (absent, malformed or wrong signature),
 *          MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_result_verify(const Mpc__Result *r, const uint8_t pk[32]);

/*
 * Encodes one Result. With ecdsa_rs set, the Result carries ecdsa_r,
 * ecdsa_s, recovery_id and ecdsa_compact = r || s || recovery_id (65 bytes).
 * Out: *out — malloc'ed bytes (caller frees with free()), *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (also recovery_id > 3 with ecdsa_rs),
 *          MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_result_encode(const struct node_client_result_info *info,
                                                    uint8_t **out, size_t *out_len);

/* A decoded request-log entry. */
struct node_client_results_entry {
    char client_id[NODE_CLIENT_REQUEST_CLIENT_MAX + 1]; /* subject token of the results */
    size_t count;                                       /* results held */
    uint8_t *results[NODE_CLIENT_RESULTS_MAX];          /* encoded Results (malloc'ed) */
    size_t lens[NODE_CLIENT_RESULTS_MAX];               /* their lengths */
    uint8_t digest[32];                                 /* request digest, if has_digest */
    int has_digest;                                     /* 0 for entries written without one */
};

/*
 * Encodes a request-log entry from count encoded Results; digest (32 bytes,
 * the SHA-256 of the Request bytes) may be NULL when the content is unknown.
 * Out: *out — malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (bad client id, count 0 or too many),
 *          MPC_ERR_BUFFER_TOO_SMALL (larger than NODE_CLIENT_RESULTS_ENTRY_MAX), MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_results_entry_encode(const char *client_id,
                                                           const uint8_t *digest,
                                                           const uint8_t *const *results,
                                                           const size_t *lens, size_t count,
                                                           uint8_t **out, size_t *out_len);

/*
 * Decodes a request-log entry; every Result must decode.
 * Out: *e — cleared on entry; free with node_client_results_entry_clear().
 * Returns: MPC_OK, MPC_ERR_CORRUPT, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_results_entry_decode(struct node_client_results_entry *e,
                                                           const uint8_t *in, size_t len);

/* Frees what node_client_results_entry_decode allocated. Accepts NULL. */
void node_client_results_entry_clear(struct node_client_results_entry *e);

#endif /* MPC_NODE_CLIENT_RESULTS_H */

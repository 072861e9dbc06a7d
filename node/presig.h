/*
 * presig.h — the node's order for online ECDSA signing with a pooled
 * presignature (spec docs/specs/dkls23-ecdsa.md §6.7.4): take the record out
 * of the store (durably deleted), then consume it in memory and make the
 * online message. Nothing derived from the record exists before the delete
 * has committed, so a crash at any point wastes the presignature and never
 * lets it sign twice; a replayed request finds it gone.
 *
 * Kill points (node/killpoint.h, test builds): presig_before_take,
 * presig_after_take, presig_after_online (the caller sends the message after
 * node_presig_online_begin returned). The node's sign path reads the record
 * first (kill point presig_after_read) and takes it while its session is
 * held at the barrier (node_presig_online_input, node_presig_claim_take):
 * the online state then exists in memory before the delete commits, but
 * nothing of it is sent before.
 *
 * THREAD SAFETY: as node/store/presig.h; the online object belongs to the caller.
 */
#ifndef MPC_NODE_PRESIG_H
#define MPC_NODE_PRESIG_H

#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"
#include "node/store/presig.h"
#include "tss/dkls_presig.h"
#include "tss/keytype.h"

/*
 * Takes the named record of pool (presig_id; NULL: any record of the pool),
 * decodes it and runs tss_dkls_online_create with p (p->key_version, ids and
 * y_pub must match the pool and the record). request_id only labels the
 * kill points (may be NULL).
 * Out: *out — caller owns it (tss_dkls_online_destroy); bcast — the online
 *      message to send. Both cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_GONE; as node_store_presig_take;
 *          MPC_ERR_PRESIG_MALFORMED; as tss_dkls_online_create.
 */
MPC_MUST_CHECK mpc_status node_presig_online_begin(node_store *s,
                                                   const struct node_store_presig_pool *pool,
                                                   const uint8_t *presig_id,
                                                   const struct tss_dkls_online_params *p,
                                                   const char *request_id, tss_dkls_online **out,
                                                   uint8_t bcast[TSS_DKLS_ONLINE_BCAST_BYTES]);

/*
 * Stores this signer's result of a dkls-presign session (its record) in the
 * pool the record names (key version, signer set, presig_id).
 * In: rec[0..len) secret (the caller wipes it).
 * Returns: MPC_OK; MPC_ERR_PRESIG_MALFORMED; as node_store_presig_put.
 */
MPC_MUST_CHECK mpc_status node_presig_store_result(node_store *s, int key_type, const char *wallet,
                                                   const uint8_t *rec, size_t len);

/*
 * The committee ids of signers[0..n) (node ids), ascending, from the key
 * record share[0..share_len) (secret): a pool's signer set.
 * Out: ids[0..n). Returns: MPC_OK; MPC_ERR_UNKNOWN_PARTICIPANT (a signer
 * holds no share); MPC_ERR_INVALID_ARG; the record's decode errors.
 */
MPC_MUST_CHECK mpc_status node_presig_set_ids(const tss_keytype *h, const uint8_t *share,
                                              size_t share_len, const char *const *signers,
                                              uint32_t n, uint32_t *ids);

/* What an online sign is made from; borrowed for the call. */
struct node_presig_online_req {
    const tss_keytype *h;       /* key type row (its online_input) */
    int key_type;               /* NODE_STORE key type */
    const char *wallet;         /* wallet id */
    uint32_t version;           /* the key version the sign resolved (active) */
    const uint8_t *share;       /* own key record of that version (secret) */
    size_t share_len;           /* its length */
    const char *const *signers; /* node ids of the session parties */
    uint32_t n;                 /* their count */
    const char *request_id;     /* the request: chooses the record, labels the kill points */
    const uint8_t *msg32;       /* digest */
    const uint8_t *tweak;       /* SC(t) of the derivation path, or NULL */
};

/* The record an online sign read and still has to take out of the store
 * (node_presig_claim_take). Self-contained: it outlives the request's job. */
struct node_presig_claim {
    int key_type;                                    /* NODE_STORE key type */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1];      /* wallet id */
    uint32_t version;                                /* key version */
    uint32_t ids[TSS_DKLS_PRESIG_MAX_SIGNERS];       /* the pool's signer set, ascending */
    size_t n_ids;                                    /* its size */
    uint8_t presig_id[32];                           /* the record */
    char request_id[NODE_CLIENT_REQUEST_ID_MAX + 1]; /* labels the kill points */
};

/*
 * The input of a dkls-online session for a sign request: chooses the
 * request's record of the pool of (version, signer set)
 * (node_store_presig_choose), reads it (NOT yet taken: it stays in the
 * store) and encodes it with the key record into the online input.
 * The caller starts the session held (session_spec.hold: nothing of the
 * protocol is sent) and then calls node_presig_claim_take with *claim; only
 * when that returned MPC_OK may the session send (session_manager_release).
 * So the durable delete overlaps the session's subscriptions and barrier,
 * and still commits before anything derived from the record leaves the node.
 * Out: presig_id (the record used), *input / *input_len (mpc_secure_alloc;
 *      free with mpc_secure_free), *claim. Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_GONE (empty pool, or the chosen record was
 *          taken meanwhile: sign without a presignature);
 *          MPC_ERR_UNKNOWN_PARTICIPANT; MPC_ERR_UNSUPPORTED (no presignatures
 *          for the key type); MPC_ERR_INVALID_ARG; the store's and the
 *          key record's errors.
 */
MPC_MUST_CHECK mpc_status node_presig_online_input(node_store *s,
                                                   const struct node_presig_online_req *r,
                                                   uint8_t presig_id[32], uint8_t **input,
                                                   size_t *input_len,
                                                   struct node_presig_claim *claim);

/*
 * Takes the claimed record out of the store: durably deleted (kill points
 * presig_before_take and presig_after_take around the commit). Of two
 * requests that read the same record exactly one gets MPC_OK; the other's
 * held session must fail without sending.
 * Returns: MPC_OK; MPC_ERR_PRESIG_GONE (taken by another request, or
 *          discarded, since it was read); as node_store_presig_take.
 */
MPC_MUST_CHECK mpc_status node_presig_claim_take(node_store *s,
                                                 const struct node_presig_claim *claim);

/*
 * Discards the pool of one key (every version and signer set): a quarantine
 * of one of its pairs (DKLs23 spec §4.5: the key signs again only after a
 * reshare) or a retirement. why labels the log line. Failures are logged and
 * counted by the caller's metrics only: a record left behind is still bound
 * to its version and signer set, and the startup sweep retries.
 * Returns: as node_store_presig_discard.
 */
MPC_MUST_CHECK mpc_status node_presig_pool_discard(node_store *s, int key_type, const char *wallet,
                                                   const char *why);

/*
 * Discards every record whose version is no longer its key's active one
 * (node_store_presig_discard_stale): after a reshare or a catch-up activated a
 * new version, and at startup. Returns: as node_store_presig_discard_stale.
 */
MPC_MUST_CHECK mpc_status node_presig_discard_stale(node_store *s, const char *why);

#endif /* MPC_NODE_PRESIG_H */

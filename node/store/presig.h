/*
 * presig.h — ECDSA presignature records in the key store (spec
 * docs/specs/dkls23-ecdsa.md §6.7, DESIGN §8).
 *
 * Record name: presig/<key_type>/<wallet>/v<N>/s<set>/<presig_id hex>, where
 * <set> is the first 8 bytes (hex) of SHA-256 over the signer ids (u32
 * big-endian, ascending): one pool per key version and exact signer set. The
 * value is the tss record (tss_dkls_presig_encode), sealed like a share
 * (the AAD is the name, so a record copied under another key, version, set or
 * id fails to open).
 *
 * DESIGN (at most once, spec §6.7.4): node_store_presig_take reads the record
 * and deletes it (overwritten, then deleted) in ONE write transaction and
 * returns the bytes only after that transaction committed durably (store.h:
 * synchronous commits). The caller lets nothing derived from the record leave
 * the node before take returned: a crash before the commit leaves the record
 * unused, a crash after it wastes it; nothing can use it twice. Two threads
 * taking the same record: LMDB serialises the writers, the second finds it
 * gone (MPC_ERR_PRESIG_GONE).
 *
 * THREAD SAFETY: as store.h (each call runs its own transactions).
 */
#ifndef MPC_NODE_STORE_PRESIG_H
#define MPC_NODE_STORE_PRESIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/store.h"

/* Most records one take looks at when asked for any record of a pool. */
#define NODE_STORE_PRESIG_TAKE_TRIES 16u

/* Which pool: key, version and exact signer set. Borrowed for each call. */
struct node_store_presig_pool {
    int key_type;        /* NODE_STORE key type (keyinfo.h) */
    const char *wallet;  /* wallet id */
    uint32_t version;    /* key version the records were made with (nonzero) */
    const uint32_t *ids; /* signer set, ascending, distinct, nonzero */
    size_t n_ids;        /* |S|, 2..32 */
};

/*
 * Stores one record (replacing a record of the same name).
 * In: rec[0..len) secret (the caller wipes its copy).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (bad pool, NULL, len 0); as node_store_put.
 */
MPC_MUST_CHECK mpc_status node_store_presig_put(node_store *s,
                                                const struct node_store_presig_pool *pool,
                                                const uint8_t presig_id[32], const uint8_t *rec,
                                                size_t len);

/*
 * Takes one record of the pool out of the store: presig_id names it, or NULL
 * takes any (the first by name; at most NODE_STORE_PRESIG_TAKE_TRIES tried
 * when others take concurrently). Durably deleted before this returns MPC_OK.
 * Out: *out — secure memory (caller wipes and frees with mpc_secure_free),
 *      *out_len; id_out (may be NULL) — the record's presig_id. Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_GONE (no such record: used, discarded or
 *          never made; or the pool is empty); MPC_ERR_INVALID_ARG;
 *          MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_presig_take(node_store *s,
                                                 const struct node_store_presig_pool *pool,
                                                 const uint8_t *presig_id, uint8_t **out,
                                                 size_t *out_len, uint8_t id_out[32]);

/*
 * Reads the named record of pool without taking it (a read transaction):
 * for an online sign that takes it (node_store_presig_take) before anything
 * derived from it leaves the node (node/presig.h).
 * Out: *out — secure memory (caller wipes and frees with mpc_secure_free),
 *      *out_len. Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_GONE (no such record); MPC_ERR_INVALID_ARG;
 *          as node_store_get.
 */
MPC_MUST_CHECK mpc_status node_store_presig_peek(node_store *s,
                                                 const struct node_store_presig_pool *pool,
                                                 const uint8_t presig_id[32], uint8_t **out,
                                                 size_t *out_len);

/*
 * The record a sign request uses (agreement without a message, DESIGN §7):
 * of the pool's records, the one with the lowest
 * BLAKE2b-64("mpc-node/presig/choose/v1" || u32be len || request_id || id)
 * (rendezvous hashing). Signers holding the same records choose the same one
 * whatever order they serve concurrent requests in; two requests collide only
 * when the same record ranks first for both (then one of them finds it gone
 * at some signer and signs without a presignature). Nothing is taken.
 * Out: id_out — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_GONE (empty pool); MPC_ERR_INVALID_ARG;
 *          MPC_ERR_STORE; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_presig_choose(node_store *s,
                                                   const struct node_store_presig_pool *pool,
                                                   const char *request_id, uint8_t id_out[32]);

/*
 * The presig_ids of the pool's records (its inventory), in name order.
 * Out: ids[0..*n). Returns: MPC_OK; MPC_ERR_BUFFER_TOO_SMALL (more than cap
 * records: the first cap are in ids); MPC_ERR_INVALID_ARG; as node_store_list.
 */
MPC_MUST_CHECK mpc_status node_store_presig_list(node_store *s,
                                                 const struct node_store_presig_pool *pool,
                                                 uint8_t (*ids)[32], size_t cap, size_t *n);

/* Out: *count — records in the pool. Returns: MPC_OK; as node_store_list. */
MPC_MUST_CHECK mpc_status node_store_presig_count(node_store *s,
                                                  const struct node_store_presig_pool *pool,
                                                  size_t *count);

/*
 * Discards every record of a key (every version and signer set): for reshare,
 * quarantine and key retirement (spec §6.7.2). Records are overwritten, then
 * deleted, in one transaction. Out: *deleted (may be NULL).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_STORE; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_presig_discard(node_store *s, int key_type, const char *wallet,
                                                    size_t *deleted);

/*
 * Discards every record that can no longer sign: its key is unknown, or its
 * version is not the key's active version (a reshare or a catch-up retired
 * it). Run after every activation of a new version and at startup, so a
 * crash between an activation and its discard leaves nothing behind for
 * long (a record is bound to its version in any case: tss refuses it under
 * another, MPC_ERR_PRESIG_MISMATCH). Records are overwritten, then deleted,
 * in one transaction. Out: *deleted (may be NULL).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_STORE; MPC_ERR_CORRUPT; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_presig_discard_stale(node_store *s, size_t *deleted);

#endif /* MPC_NODE_STORE_PRESIG_H */

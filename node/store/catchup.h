/*
 * catchup.h — rollback catch-up of one key (docs/DESIGN.md §8.2): a node
 * started from a restored (older) store learns from its peers that a key
 * moved on to a newer version; it retires every older version, wipes their
 * shares and records the newer version as ACTIVE. The share of that version
 * was made after the backup and is gone: if this node is in its committee,
 * a marker record lost/<key_type>/<wallet>/v<N> says so (the node refuses
 * that version with MPC_ERR_KEY_SHARE_LOST until a reshare gives it a share
 * again; mpc-cli store-check reports it as lost, not as inconsistent).
 *
 * THREAD SAFETY: as node/store/keys.h (one store transaction per call; the
 * caller holds no txn).
 */
#ifndef MPC_NODE_STORE_CATCHUP_H
#define MPC_NODE_STORE_CATCHUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/keys.h"
#include "node/store/store.h"

/*
 * In one transaction: every version of the key below version becomes
 * RETIRED and its share is wiped; version becomes ACTIVE with committee c
 * (the oldest RETIRED entries make room); if self is in c and holds no share
 * of version, the lost marker is written. Then the store is compacted when a
 * share was wiped.
 * In: pk[0..pk_len) must equal the key's public key (a reshare keeps it).
 * Out: *changed — 1 if anything was written, 0 when the key is already at
 *      version or newer (nothing to do).
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (no such key); MPC_ERR_BAD_GROUP_KEY
 *          (pk differs: not the same key); MPC_ERR_INVALID_ARG;
 *          MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_keys_catch_up(node_store *s, int key_type, const char *wallet,
                                                   const uint8_t *pk, size_t pk_len,
                                                   uint32_t version,
                                                   const struct node_store_committee *c,
                                                   const char *self, int *changed);

/* Builds the lost-marker record name. Returns as node_store_name_share. */
MPC_MUST_CHECK mpc_status node_store_name_lost(char *buf, size_t cap, int key_type,
                                               const char *wallet, uint32_t version);

/*
 * Returns: 1 if version of the key carries the lost marker (this node's share
 * of it was lost by a restore), else 0 (also on errors).
 */
int node_store_keys_share_lost(node_store *s, int key_type, const char *wallet, uint32_t version);

#endif /* MPC_NODE_STORE_CATCHUP_H */

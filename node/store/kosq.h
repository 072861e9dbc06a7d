/*
 * kosq.h — peers' signed KOS quarantine notices kept in the key store
 * (node/kos.h, spec docs/specs/dkls23-ecdsa.md §4.5 item 6), so a restarted
 * node still avoids signer sets holding an accused pair even if the accuser is
 * down or silent.
 *
 * A notice is stored as the bytes received (signature included) under
 *   kosq/<hex of BLAKE2b-128(notice)>
 * so the same notice is stored once and the loader re-verifies every one
 * against the peers file of the day. The store does not read the notice: the
 * daemon (node/kos_node.c) decodes, verifies and decides what to keep.
 *
 * THREAD SAFETY: as node/store/store.h (each call runs its own transaction).
 */
#ifndef MPC_NODE_STORE_KOSQ_H
#define MPC_NODE_STORE_KOSQ_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/store.h"

#define NODE_STORE_KOSQ_PREFIX     "kosq/"
#define NODE_STORE_KOSQ_NOTICE_MAX 1024u /* longest notice stored (NODE_KOS_NOTICE_MAX is 835) */
#define NODE_STORE_KOSQ_LOAD_MAX   512u  /* notices read at start; more are left alone */

/*
 * Stores one notice (idempotent: the same bytes land on the same name).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, empty, longer than
 *          NODE_STORE_KOSQ_NOTICE_MAX); the errors of node_store_put.
 */
MPC_MUST_CHECK mpc_status node_store_kosq_put(node_store *s, const uint8_t *notice, size_t len);

/*
 * Called once per stored notice. Borrowed: notice, until it returns.
 * Returns: 1 to keep the record, 0 to delete it (stale: e.g. a reshare lifted it,
 *          or it no longer verifies).
 */
typedef int (*node_store_kosq_fn)(void *arg, const uint8_t *notice, size_t len);

/*
 * Hands every stored notice (at most NODE_STORE_KOSQ_LOAD_MAX, in name order) to
 * fn and deletes those it rejects. A record that cannot be read is skipped and
 * counted in *unreadable (may be NULL).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; the errors of node_store_list (nothing
 *          was handed to fn then).
 */
MPC_MUST_CHECK mpc_status node_store_kosq_load(node_store *s, node_store_kosq_fn fn, void *arg,
                                               size_t *unreadable);

#endif /* MPC_NODE_STORE_KOSQ_H */

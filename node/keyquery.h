/*
 * keyquery.h — the node's state for answering key-info queries
 * (node/client/keyquery.h, subject mpc.n.<self>.keyinfo; the responder is
 * node/keyquery_serve.c): a copy of the accepted client keys (the config's
 * initiators, replaced on SIGHUP) and a replay cache of query nonces.
 *
 * Replay cache: a nonce is remembered until its query expires (at most
 * NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS); a second query with a remembered nonce
 * is refused (MPC_ERR_KEYINFO_REPLAYED). Bounded: NODE_KEYQUERY_CACHE_SLOTS
 * nonces; when every slot holds a live nonce the one expiring first is
 * dropped (a replay of it would then be answered again: the answer is public
 * and bound to the replayed query's nonce, so nothing is gained by it).
 *
 * THREAD SAFETY: every function may be called from any thread (one mutex,
 * never held while calling out).
 */
#ifndef MPC_NODE_KEYQUERY_H
#define MPC_NODE_KEYQUERY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_KEYQUERY_CACHE_SLOTS 1024u /* nonces remembered at once */
#define NODE_KEYQUERY_CLIENTS_MAX 16u   /* client keys (== NODE_CONFIG_MAX_INITIATORS) */

struct node_keyquery;

/*
 * Out: *out — caller owns it; free with node_keyquery_destroy.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM; MPC_ERR_INTERNAL.
 */
MPC_MUST_CHECK mpc_status node_keyquery_create(struct node_keyquery **out);

/* Frees kq. Accepts NULL. */
void node_keyquery_destroy(struct node_keyquery *kq);

/*
 * Replaces the accepted client keys by keys[0..n) (copied; n is capped at
 * NODE_KEYQUERY_CLIENTS_MAX).
 */
void node_keyquery_set_clients(struct node_keyquery *kq, const uint8_t (*keys)[32], size_t n);

/* Out: keys — a copy of the accepted client keys. Returns: their number. */
size_t node_keyquery_clients(struct node_keyquery *kq, uint8_t keys[NODE_KEYQUERY_CLIENTS_MAX][32]);

/*
 * Remembers nonce[0..len) (len <= 32) until expires_at_ms, unless it is
 * remembered already.
 * Returns: MPC_OK (new); MPC_ERR_KEYINFO_REPLAYED (seen and not yet expired at now_ms);
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_keyquery_admit(struct node_keyquery *kq, const uint8_t *nonce,
                                              size_t len, uint64_t expires_at_ms, uint64_t now_ms);

#endif /* MPC_NODE_KEYQUERY_H */

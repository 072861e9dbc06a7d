/*
 * ids.h — the one grammar of the identifiers the node stores and routes on:
 * node ids, client ids, request ids and wallet ids.
 *
 * Node, client and request ids become NATS subject tokens
 * (mpc.res.<client_id>.<request_id>, result Nats-Msg-Ids, consumer names) and
 * key-store record names, so they share one token grammar, [A-Za-z0-9_-]:
 * no '.', '*', '>', '/' or space. Every id the validation accepts can be put
 * in a subject (tests/unit/node/client/test_ids.c checks it against the
 * subject builder), so an accepted request can always be answered. Wallet ids
 * name keys only (never a subject token) and may also hold '.'.
 *
 * THREAD SAFETY: pure functions, thread-safe.
 */
#ifndef MPC_NODE_CLIENT_IDS_H
#define MPC_NODE_CLIENT_IDS_H

#include <stddef.h>

#define NODE_ID_MAX                32u /* node id: [A-Za-z0-9_-]{1,32} */
#define NODE_CLIENT_ID_MAX         64u /* client id: [A-Za-z0-9_-]{1,64} */
#define NODE_CLIENT_WALLET_ID_MAX  64u /* wallet id: [A-Za-z0-9._-]{1,64} */
#define NODE_CLIENT_REQUEST_ID_MAX 64u /* request id: [A-Za-z0-9_-]{1,64} */

/* Returns: 1 if s is 1..max characters of the token grammar [A-Za-z0-9_-], else 0 (also NULL). */
int node_client_token_is_valid(const char *s, size_t max);

/* Returns: 1 if s is a valid node id ([A-Za-z0-9_-]{1,32}), else 0 (also for NULL). */
int node_client_node_id_is_valid(const char *s);

/* Returns: 1 if s is a valid client id ([A-Za-z0-9_-]{1,64}), else 0. */
int node_client_id_is_valid(const char *s);

/* Returns: 1 if s is a valid wallet id ([A-Za-z0-9._-]{1,64}), else 0. */
int node_client_wallet_id_is_valid(const char *s);

/* Returns: 1 if s is a valid request id ([A-Za-z0-9_-]{1,64}), else 0. */
int node_client_request_id_is_valid(const char *s);

#endif /* MPC_NODE_CLIENT_IDS_H */

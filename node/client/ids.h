/*
 * ids.h — syntax of the identifiers the node stores and routes on: node ids,
 * wallet ids and request ids. They end up in NATS subjects and key-store
 * record names, so their charsets exclude '.', '/', '*', '>' and spaces where
 * that matters.
 *
 * THREAD SAFETY: pure functions, thread-safe.
 */
#ifndef MPC_NODE_CLIENT_IDS_H
#define MPC_NODE_CLIENT_IDS_H

#include <stddef.h>

#define NODE_ID_MAX                32u /* node id: [A-Za-z0-9_-]{1,32} */
#define NODE_CLIENT_WALLET_ID_MAX  64u /* wallet id: [A-Za-z0-9._-]{1,64} */
#define NODE_CLIENT_REQUEST_ID_MAX 64u /* request id: [A-Za-z0-9._-]{1,64} */

/* Returns: 1 if s is a valid node id ([A-Za-z0-9_-]{1,32}), else 0 (also for NULL). */
int node_client_node_id_is_valid(const char *s);

/* Returns: 1 if s is a valid wallet id ([A-Za-z0-9._-]{1,64}), else 0. */
int node_client_wallet_id_is_valid(const char *s);

/* Returns: 1 if s is a valid request id ([A-Za-z0-9._-]{1,64}), else 0. */
int node_client_request_id_is_valid(const char *s);

#endif /* MPC_NODE_CLIENT_IDS_H */

/*
 * request_internal.h — what node/client/request.c and request_validate.c
 * share; not part of the API (node/client/request.h).
 *
 * THREAD SAFETY: pure functions; thread-safe.
 */
#ifndef MPC_NODE_CLIENT_REQUEST_INTERNAL_H
#define MPC_NODE_CLIENT_REQUEST_INTERNAL_H

#include <stddef.h>

#include "common/status.h"

/* Writes why into err (when err is non-NULL and cap > 0). Returns: st. */
mpc_status node_client_req_fail(char *err, size_t cap, mpc_status st, const char *why);

#endif /* MPC_NODE_CLIENT_REQUEST_INTERNAL_H */

/*
 * unpub.h — markers of request-log entries whose results JetStream has not
 * acknowledged yet (docs/DESIGN.md §4, "Results not yet acknowledged").
 *
 *   unpub/<request_id>   u64be wall-clock ms when the entry was logged
 *
 * A marker is written in the SAME transaction as its request-log entry
 * (node_store_req_put_unpub), so after any crash the store names every
 * logged result that may never have reached MPC_RES. It is removed once
 * every Result of the entry got its PubAck: in the next request-log
 * transaction (the `done` list of node_store_req_put_unpub, no extra
 * commit) or by node_store_unpub_done. A restarted node republishes every
 * marked entry (node/republish.c); one already stored is dropped by the
 * stream's duplicate window (same Nats-Msg-Id), so a marker that outlived
 * its PubAck costs a duplicate publish, never a lost result.
 */
#ifndef MPC_NODE_STORE_UNPUB_H
#define MPC_NODE_STORE_UNPUB_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/store.h"

#define NODE_STORE_UNPUB_PREFIX "unpub/"

/*
 * As node_store_req_put_many, and in the same transaction: an unpub/ marker
 * for every entry (logged at now_ms, wall clock), and the deletion of the
 * markers of done[0..n_done) (results acknowledged since; absent ones are
 * fine). If the group fails, each entry is written on its own with its
 * marker, and the done markers are deleted in a transaction of their own.
 * Out: each[0..n) — the status of entry i (MPC_OK: entry and marker durable).
 * Returns: MPC_OK if every entry was written; else the first failure of
 *          each[]; MPC_ERR_INVALID_ARG (NULL arguments, n == 0).
 */
MPC_MUST_CHECK mpc_status node_store_req_put_unpub(node_store *s,
                                                   const struct node_store_req_entry *e, size_t n,
                                                   mpc_status *each, char *const *done,
                                                   size_t n_done, uint64_t now_ms);

/* Deletes the markers of ids[0..n) in one transaction (absent ones are fine).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_STORE. */
MPC_MUST_CHECK mpc_status node_store_unpub_done(node_store *s, char *const *ids, size_t n);

/* Out: *ids — the request ids with a marker (free with node_store_names_free),
 * *n their count. Returns: MPC_OK; MPC_ERR_STORE; MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status node_store_unpub_list(node_store *s, char ***ids, size_t *n);

/* Out: *logged_ms — when the entry of request_id was logged (wall clock).
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (no marker: acknowledged);
 *          MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status node_store_unpub_get(node_store *s, const char *request_id,
                                               uint64_t *logged_ms);

#endif

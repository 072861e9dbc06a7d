/*
 * republish.h — results logged but not yet acknowledged by JetStream are
 * republished by the node itself until they are (docs/DESIGN.md §4,
 * "Results not yet acknowledged").
 *
 * DESIGN: every request-log entry the finisher writes carries an unpub/
 * marker in the same transaction (node/store/unpub.h). A result publish that
 * gets its PubAck hands the request id to node_republish_acked: the marker
 * goes in the finisher's next commit. A publish that fails hands the request
 * to this queue instead, and the request's stream message is acked: from
 * then on the node owns the result, not JetStream's redelivery (which a
 * nats-server partition can lose, §10). One thread retries each queued
 * request with backoff (NODE_REPUBLISH_MIN_MS doubling to
 * NODE_REPUBLISH_MAX_MS) from its request log, until every Result is
 * acknowledged (marker deleted) or the entry is older than the results'
 * max age (MPC_RES keeps results 7 days): then it gives up with
 * MPC_ERR_RESULT_UNPUBLISHED, logged, counted, marker deleted. At start
 * every marker of the store is queued before intake runs, so a node killed
 * between its log write and the PubAck publishes on restart. The queue is
 * bounded (NODE_REPUBLISH_QUEUE_MAX); markers that do not fit wait in the
 * store and are read again once the queue empties.
 * Threads: add/acked from the finisher and intake; the queue and the acked
 * list have their own mutex, never held while calling out.
 */
#ifndef MPC_NODE_REPUBLISH_H
#define MPC_NODE_REPUBLISH_H

#include <stddef.h>

#include "common/status.h"

#define NODE_REPUBLISH_MIN_MS     250u
#define NODE_REPUBLISH_MAX_MS     10000u
#define NODE_REPUBLISH_QUEUE_MAX  4096u
#define NODE_REPUBLISH_ACKED_MAX  256u                      /* ids awaiting marker deletion */
#define NODE_REPUBLISH_MAX_AGE_MS (7ull * 24 * 3600 * 1000) /* MPC_RES max age */

struct node_daemon;

/* Queues every unpub/ marker of the store, starts the thread.
 * Returns: MPC_OK; MPC_ERR_NOMEM; MPC_ERR_INTERNAL. */
MPC_MUST_CHECK mpc_status node_republish_start(struct node_daemon *d);

/* Stops the thread (markers stay: the next start republishes them). */
void node_republish_stop(struct node_daemon *d);

/* Queues request_id (logged with its marker, a publish failed). */
void node_republish_add(struct node_daemon *d, const char *request_id);

/* Every Result of request_id was acknowledged: its marker may go. Deleted in
 * the next request-log commit, or at once when the list is full. */
void node_republish_acked(struct node_daemon *d, const char *request_id);

/* Takes the ids whose markers may go (malloc'ed array of malloc'ed strings,
 * free with node_store_names_free). Returns: their count (0: *ids NULL). */
size_t node_republish_take_acked(struct node_daemon *d, char ***ids);

/* Returns: requests queued for republishing now (any thread). */
size_t node_republish_queued(struct node_daemon *d);

#ifdef MPC_FAULT_INJECTION
/* Test builds only: MPC_NODE_TEST_RESULT_PUB_FAIL=N: returns 1 for the first
 * N calls of the process (those result publishes fail with
 * MPC_ERR_NO_RESPONDERS, nothing sent), then 0. Any thread. */
int node_republish_fault_publish(void);
#endif

#endif

/*
 * retry.h — the cluster's retry of a failed sign, keygen or reshare
 * (docs/DESIGN.md §4.4): which
 * failure is transient (one table), the jittered, bounded backoff between
 * attempts, the per-point attempt counter bound into the session id, and the
 * retry thread of the daemon.
 *
 * DESIGN: a sign whose session fails for a transient cause is not answered:
 * its sub-job is queued here and, after the backoff, prepared again (the
 * signer set is chosen again from the live holders, node/signers.h) and a new
 * session started, until the request's retry deadline. A permanent cause
 * (bad input, cheating, a failed OT check, quarantine, a dispute, an
 * equivocation, ...) is answered at once and never retried.
 * An "attempt point" is the signer set with the incarnation of every signer.
 * The first attempt binds number 0 into the sid; every retry starts at a
 * wall-clock slot boundary (slots of the barrier timeout + NODE_RETRY_SLOT_MARGIN_MS,
 * at least the backoff away) and binds the slot number: nodes retrying the
 * same request meet at the same boundary with the same sid, whatever each saw
 * before (a failure at the barrier on one side only, a restart, a different
 * number of failed attempts). An attempt ends before its slot does (its
 * barrier times out within it), so a sid is never used twice. Clocks must
 * agree within the margin (the request freshness checks need that already).
 *
 * THREAD SAFETY: node_retry_transient, node_retry_backoff_ms and
 * node_retry_slot are pure. node_retry_offer is called from session workers;
 * start/stop from the daemon's main thread.
 */
#ifndef MPC_NODE_RETRY_H
#define MPC_NODE_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_RETRY_BASE_MS        250u  /* first backoff (before jitter) */
#define NODE_RETRY_MAX_MS         4000u /* backoff cap */
#define NODE_RETRY_SLOT_MARGIN_MS 2000u /* slot = barrier timeout + this (clock skew room) */
#define NODE_RETRY_LEFT_MAX       8u    /* holders remembered as gone from one request */

/* Returns: 1 if a session that failed with st may succeed as a new attempt
 * (a peer restarted, unavailable, slow or gone); 0 for every other status. */
int node_retry_transient(mpc_status st);

/* Returns: the wait before attempt `attempt` (>= 1; the first retry is 1):
 * NODE_RETRY_BASE_MS doubled per attempt up to NODE_RETRY_MAX_MS, then a
 * jitter taking it to [d/2, d] by rnd. */
uint64_t node_retry_backoff_ms(uint32_t attempt, uint32_t rnd);

/*
 * The slot of the next retry: the first boundary of slot_ms slots (wall
 * clock) at least wait_ms after now_wall_ms.
 * Out: *slot — its number (bound into the sid; >= 1).
 * Returns: the time from now to that boundary (ms); 0 with *slot = 0 if
 *          slot_ms is 0 or *slot does not fit 32 bits.
 */
uint64_t node_retry_slot(uint64_t now_wall_ms, uint64_t wait_ms, uint64_t slot_ms, uint32_t *slot);

struct node_daemon;
struct node_subjob;

/* Starts / stops the retry thread. Stop fails what is still queued with
 * MPC_ERR_SHUTDOWN and hands it to the finisher. Returns MPC_OK, MPC_ERR_INTERNAL. */
MPC_MUST_CHECK mpc_status node_retry_start(struct node_daemon *d);
void node_retry_stop(struct node_daemon *d);

/*
 * Session worker, on a failed session of sub-job sj with status st: queues
 * sj for another attempt when st is transient and its retry deadline allows
 * one more (signs, keygens and reshares alike).
 * Returns: 1 if queued (the job stays in flight); 0 (finish it now).
 */
int node_retry_offer(struct node_daemon *d, struct node_subjob *sj, mpc_status st);

/*
 * Intake, for a keygen/reshare that this node runs again after it discarded
 * its key of a failed attempt (REDO, docs/DESIGN.md §4.4): queues the
 * prepared sj for its next attempt at a slot boundary, without a first
 * attempt (the plain sid was used already). sj->status becomes
 * MPC_ERR_KEY_ATTEMPT_DISCARDED until an attempt replaces it.
 * Returns: 1 if queued; 0 (a sign, no time left, or stopping).
 */
int node_retry_defer(struct node_daemon *d, struct node_subjob *sj);

/*
 * Returns: 1 if a sub-job of request_id for key_type waits in the retry queue
 * (its last attempt is over, the next one has not started); 0 otherwise.
 * Any thread (takes the queue lock).
 */
int node_retry_queued(struct node_daemon *d, const char *request_id, int key_type);

struct node_job;
/*
 * Handler, on every prepare of a keygen/reshare sub-job: sets the retry
 * deadline on the first (NODE_RETRY_WINDOW_KEYS session deadlines from the
 * job's start, never past the request's expiry) and binds the slot of a retry
 * into the sid (node_client_sid_bind_attempt with the session parties and
 * zero incarnations); the first attempt keeps the plain sid.
 * Returns: MPC_OK; the sid error.
 */
MPC_MUST_CHECK mpc_status node_retry_key_bind(struct node_daemon *d, const struct node_job *job,
                                              struct node_subjob *sj);

#endif /* MPC_NODE_RETRY_H */

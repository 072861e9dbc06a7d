/*
 * retry.h — the cluster's retry of a failed sign, keygen or reshare
 * (docs/DESIGN.md §4.4): which
 * failure is transient (one table), the slot of each retry, the per-point attempt counter bound
 * into the session id, and the retry thread of the daemon.
 *
 * DESIGN: a sign whose session fails for a transient cause is not answered:
 * its sub-job is queued here and, at its next slot, prepared again (the
 * signer set is chosen again from the live holders, node/signers.h) and a new
 * session started, until the request's retry deadline. A permanent cause
 * (bad input, cheating, a failed OT check, quarantine, a dispute, an
 * equivocation, ...) is answered at once and never retried.
 * An "attempt point" is the signer set with the incarnation of every signer.
 * The first attempt binds number 0 into the sid; every retry starts at a
 * wall-clock slot boundary (slots of the barrier timeout +
 * NODE_RETRY_SLOT_MARGIN_MS) and binds the slot number: nodes retrying the
 * same request meet at the same boundary with the same sid, whatever each saw
 * before (a failure at the barrier on one side only, a restart, a different
 * number of failed attempts). The slot depends only on the wall clock and
 * on the attempt number, never on a random or measured wait: the first retry
 * takes the next boundary, every later one the next even-numbered boundary
 * (NODE_RETRY_EVERY). Two nodes whose failures fell on both sides of a
 * boundary thus meet again at the next even slot, as long as an attempt that
 * runs alone ends within two slots (its barrier times out in one). A
 * millisecond backoff with jitter (before) let two nodes pick neighbouring
 * slots and, with the backoff above the margin, skip every other slot each:
 * one on the even, one on the odd slots, never meeting again before the
 * retry deadline (test_flow_crash_keygen.sh under load). A sid is never used
 * twice (the next boundary is strictly after the failure). Clocks must agree
 * within the margin (the request freshness checks need that already).
 *
 * THREAD SAFETY: node_retry_transient, node_retry_every and
 * node_retry_slot are pure. node_retry_offer is called from session workers;
 * start/stop from the daemon's main thread.
 */
#ifndef MPC_NODE_RETRY_H
#define MPC_NODE_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_RETRY_EVERY          2u /* a second or later retry takes a slot number multiple of this */
#define NODE_RETRY_SLOT_MARGIN_MS 2000u /* slot = barrier timeout + this (clock skew room) */
#define NODE_RETRY_LEFT_MAX       8u    /* holders remembered as gone from one request */

/* Returns: 1 if a session that failed with st may succeed as a new attempt
 * (a peer restarted, unavailable, slow or gone); 0 for every other status. */
int node_retry_transient(mpc_status st);

/* Returns: the slot numbers retry `attempt` may take a multiple of (the first
 * retry is 1): 1 for the first retry, NODE_RETRY_EVERY for every later one. */
uint32_t node_retry_every(uint32_t attempt);

/*
 * The slot of the next retry: the first boundary of slot_ms slots (wall
 * clock) strictly after now_wall_ms whose number is a multiple of every.
 * Out: *slot — its number (bound into the sid; >= 1).
 * Returns: the time from now to that boundary (ms); 0 with *slot = 0 if
 *          slot_ms or every is 0 or *slot does not fit 32 bits.
 */
uint64_t node_retry_slot(uint64_t now_wall_ms, uint32_t every, uint64_t slot_ms, uint32_t *slot);

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

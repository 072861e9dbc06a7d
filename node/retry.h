/*
 * retry.h — the cluster's retry of a failed sign (docs/DESIGN.md §4.4): which
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
 * An "attempt point" is the signer set with the incarnation of every signer;
 * the attempt number bound into the sid counts the failures this node saw at
 * that point. Signers of one session fail together (ABORT), so they count
 * alike; a restarted signer changes the point, so its fresh process (which
 * remembers nothing) meets its peers at attempt 0 of the new point.
 *
 * THREAD SAFETY: node_retry_transient, node_retry_backoff_ms and the point
 * functions are pure (the point table belongs to one sub-job, used by one
 * thread at a time). node_retry_offer is called from session workers;
 * start/stop from the daemon's main thread.
 */
#ifndef MPC_NODE_RETRY_H
#define MPC_NODE_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_RETRY_BASE_MS  250u  /* first backoff (before jitter) */
#define NODE_RETRY_MAX_MS   4000u /* backoff cap */
#define NODE_RETRY_POINTS   8u    /* attempt points remembered per sub-job */
#define NODE_RETRY_POINT_ID 16u   /* bytes identifying a point (a hash) */

/* Failures seen per attempt point (the sid's attempt number). */
struct node_retry_points {
    uint8_t id[NODE_RETRY_POINTS][NODE_RETRY_POINT_ID]; /* point hashes */
    uint32_t failures[NODE_RETRY_POINTS];               /* failures at each */
    size_t n;                                           /* points in use */
};

/* Returns: 1 if a session that failed with st may succeed as a new attempt
 * (a peer restarted, unavailable, slow or gone); 0 for every other status. */
int node_retry_transient(mpc_status st);

/* Returns: the wait before attempt `attempt` (>= 1; the first retry is 1):
 * NODE_RETRY_BASE_MS doubled per attempt up to NODE_RETRY_MAX_MS, then a
 * jitter taking it to [d/2, d] by rnd. */
uint64_t node_retry_backoff_ms(uint32_t attempt, uint32_t rnd);

/* Returns: the failures recorded at point id (0 if unknown). */
uint32_t node_retry_point_failures(const struct node_retry_points *p,
                                   const uint8_t id[NODE_RETRY_POINT_ID]);

/* Records one failure at point id (the oldest point is forgotten when full). */
void node_retry_point_failed(struct node_retry_points *p, const uint8_t id[NODE_RETRY_POINT_ID]);

struct node_daemon;
struct node_subjob;

/* Starts / stops the retry thread. Stop fails what is still queued with
 * MPC_ERR_SHUTDOWN and hands it to the finisher. Returns MPC_OK, MPC_ERR_INTERNAL. */
MPC_MUST_CHECK mpc_status node_retry_start(struct node_daemon *d);
void node_retry_stop(struct node_daemon *d);

/*
 * Session worker, on a failed session of sub-job sj with status st: queues
 * sj for another attempt when st is transient, the job is a sign and its
 * retry deadline allows one more.
 * Returns: 1 if queued (the job stays in flight); 0 (finish it now).
 */
int node_retry_offer(struct node_daemon *d, struct node_subjob *sj, mpc_status st);

#endif /* MPC_NODE_RETRY_H */

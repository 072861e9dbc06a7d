/*
 * direct_sender.h — acked direct sends with exponential backoff, shared by
 * every transport implementation (NATS and in-memory).
 *
 * A job is {subject, bytes, owner, deadline, done}. Each attempt publishes the
 * bytes with a reply subject "<prefix>.d.<job>.<attempt>" through the
 * transport's one primitive (transport_publish_request_fn) and returns at
 * once; the transport routes replies on its inbox wildcard subscription back
 * here (transport_direct_sender_on_reply). ACK ends the job with MPC_OK, GONE
 * with MPC_ERR_GONE; NO_RESPONDERS, BUSY, a per-try timeout or a failed publish
 * reschedule it at min(cap, base * 2^k) * (1 +/- jitter), k = retries so far.
 * After max_attempts tries (or when the next try would start after the job's
 * deadline) it ends with MPC_ERR_PEER_UNAVAILABLE, logged with the subject and
 * the number of attempts.
 *
 * DESIGN: one lock guards the job table, the timer heap (backoff and per-try
 * timeouts) and the ready list. The first try of a job is published on the
 * thread that submits it (a local write, no hand-off); retries after a
 * backoff are published by a small pool of sender threads that wait on a
 * condition variable until the earliest timer or until work is queued; they
 * never sleep through a backoff and never wait for a reply, so a thousand
 * pending jobs need no more threads than one. The done callback of a job
 * ended by ACK or GONE runs on the thread that delivered that reply; of any
 * other end (failure, cancel, shutdown) on a sender thread, never inside
 * submit or cancel_owner. Publishing and completion callbacks run without
 * the lock. A job is freed once its done callback has run and no thread is
 * still publishing its bytes (refcount).
 *
 * THREAD SAFETY: every function except create/destroy is thread-safe and may
 * be called from a done callback or a message handler.
 */
#ifndef MPC_TRANSPORT_DIRECT_SENDER_H
#define MPC_TRANSPORT_DIRECT_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "transport/transport.h"

typedef struct transport_direct_sender transport_direct_sender;

/*
 * The transport primitive: publish data on subject with reply subject reply,
 * without waiting for anything but the local write. Returns MPC_OK or a
 * status the sender treats as a failed (retryable) attempt.
 */
typedef mpc_status (*transport_publish_request_fn)(void *impl, const char *subject,
                                                   const char *reply, const uint8_t *data,
                                                   size_t len);

/* Test/observability hook: called as each attempt starts (attempt is 1-based). */
typedef void (*transport_attempt_hook_fn)(void *arg, uint64_t owner, const char *subject,
                                          uint32_t attempt, uint64_t mono_ns);

/* Sender configuration; zero fields take the defaults noted. */
typedef struct {
    transport_retry_policy policy;        /* retry policy; all-zero = defaults */
    uint32_t threads;                     /* sender threads, 0 = 2 */
    uint64_t seed;                        /* jitter RNG seed, 0 = from the OS CSPRNG */
    transport_attempt_hook_fn on_attempt; /* optional, called without locks held */
    void *on_attempt_arg;                 /* passed to on_attempt */
} transport_direct_sender_config;

/*
 * Creates a sender and starts its threads.
 * Args: cfg may be NULL (defaults); pub/impl: the publish primitive and its
 *       object (borrowed; must outlive the sender); reply_prefix: the inbox
 *       prefix the transport subscribed as "<reply_prefix>.>" (copied).
 * Out: *out — caller owns it; free with transport_direct_sender_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_INTERNAL (thread start).
 */
MPC_MUST_CHECK mpc_status transport_direct_sender_create(const transport_direct_sender_config *cfg,
                                                         transport_publish_request_fn pub,
                                                         void *impl, const char *reply_prefix,
                                                         transport_direct_sender **out);

/*
 * Accepts a job (subject and data are copied).
 * Returns: MPC_OK (job->done runs exactly once), MPC_ERR_INVALID_ARG, MPC_ERR_RANDOM,
 *          MPC_ERR_NOMEM, MPC_ERR_CLOSED (shutting down; done is not called).
 */
MPC_MUST_CHECK mpc_status transport_direct_sender_submit(transport_direct_sender *ds,
                                                         const transport_send *job);

/* Ends every pending job of owner; their done callbacks report MPC_ERR_CANCELLED soon after. */
void transport_direct_sender_cancel_owner(transport_direct_sender *ds, uint64_t owner);

/*
 * Jobs of owner to subject that wait for a backoff step try again now (a job
 * whose try is in flight, queued or finished is left alone). For a caller that
 * learnt the recipient became reachable (a session that received the peer's
 * own barrier probe while its probe to that peer waits after "no
 * responders"). Attempts and the deadline still count. Returns the number of
 * jobs moved.
 */
size_t transport_direct_sender_retry_now(transport_direct_sender *ds, uint64_t owner,
                                         const char *subject);

/*
 * Reports the reply to attempt `attempt` of job `job_id` carrying `token`
 * (ignored unless it is the job's own random token): MPC_OK (ACK),
 * MPC_ERR_GONE, MPC_ERR_BUSY, MPC_ERR_NO_RESPONDERS or MPC_ERR_MSG_MALFORMED
 * (unknown reply bytes, treated as a failed attempt). Replies for finished
 * jobs and stale BUSY/NO_RESPONDERS of earlier attempts are ignored; a late
 * ACK or GONE of an earlier attempt still ends the job (the peer did get it).
 */
void transport_direct_sender_on_reply(transport_direct_sender *ds, uint64_t job_id,
                                      uint32_t attempt, uint64_t token, mpc_status outcome);

/*
 * Routes a message that arrived on the inbox wildcard: if subject is
 * "<prefix>.d.<job>.<attempt>.<token>" it is decoded (reply bytes or no_responders)
 * and passed to on_reply.
 * Returns: 1 if the subject was a direct-send reply subject, else 0.
 */
int transport_direct_sender_route(transport_direct_sender *ds, const char *subject,
                                  const uint8_t *data, size_t len, int no_responders);

/* Adds the sender counters (sends_*, attempts, retries, no_responders, timeouts, busy) to *out. */
void transport_direct_sender_stats(transport_direct_sender *ds, transport_stats *out);

/*
 * Cancels every pending job (done reports MPC_ERR_CANCELLED), waits for all
 * done callbacks, and joins the threads. Later submits fail with
 * MPC_ERR_CLOSED and replies are ignored. Idempotent. Must not be called from
 * a done callback.
 */
void transport_direct_sender_shutdown(transport_direct_sender *ds);

/* Shuts down if needed and frees the sender. Accepts NULL. */
void transport_direct_sender_destroy(transport_direct_sender *ds);

/*
 * Maps reply bytes to an outcome: "ACK" -> MPC_OK, "BUSY" -> MPC_ERR_BUSY,
 * "GONE" -> MPC_ERR_GONE, anything else -> MPC_ERR_MSG_MALFORMED.
 */
mpc_status transport_reply_parse(const uint8_t *data, size_t len);

/* Returns: the wire string of r ("ACK", "BUSY", "GONE"), NULL for TRANSPORT_REPLY_NONE. */
const char *transport_reply_str(transport_reply r);

#endif /* MPC_TRANSPORT_DIRECT_SENDER_H */

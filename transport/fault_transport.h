/*
 * fault_transport.h — a test-only transport decorator that injects latency
 * and loss into any transport (NATS or in-memory). Compiled only with
 * MPC_FAULT_INJECTION (debug, asan, tsan builds; never release).
 *
 * On subjects matching the configured NATS-style pattern ('*' one token,
 * '>' the rest):
 *   - publish: dropped with probability `drop`, otherwise handed to the
 *     inner transport after delay_ms +/- jitter_ms;
 *   - send_direct: handed to the inner transport after delay_ms +/-
 *     jitter_ms (the job's completion comes from the inner direct sender);
 *   - received requests (subscriptions on matching subjects): ignored with
 *     probability `drop` — no reply, the handler never sees it — so the
 *     sender's real retry path (per-try timeout, backoff) recovers them.
 * Everything else passes through unchanged. Decisions come from one seeded
 * PRNG (seed in the config), so a run is repeatable up to thread timing.
 *
 * Configuration string (env MPC_TEST_FAULTS in mpc-node test builds):
 *   "subject=mpc.s.*.d.*,delay_ms=500,jitter_ms=200,drop=0.01,seed=42"
 * (every key optional; defaults: subject ">", 0, 0, 0, seed 1).
 *
 * DESIGN: delayed items wait in a timer heap served by one timer thread;
 * the caller never sleeps. The thread hands due items to the inner
 * transport without holding the lock. cancel_owner cancels delayed direct
 * sends of that owner (completion MPC_ERR_CANCELLED, outside the lock) and
 * forwards to the inner transport; destroy stops the thread, completes every
 * pending direct send with MPC_ERR_CANCELLED, and destroys the inner
 * transport (which the decorator owns).
 *
 * THREAD SAFETY: as transport.h.
 */
#ifndef MPC_TRANSPORT_FAULT_TRANSPORT_H
#define MPC_TRANSPORT_FAULT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "transport/transport.h"

#define TRANSPORT_FAULT_PATTERN_MAX 128 /* longest subject pattern */

/* What to inject. */
typedef struct {
    char subject[TRANSPORT_FAULT_PATTERN_MAX]; /* NATS-style pattern of affected subjects */
    uint32_t delay_ms;                         /* fixed delay of matching sends */
    uint32_t jitter_ms;                        /* uniform +/- jitter added to the delay */
    double drop;                               /* probability in [0, 1] of a drop */
    uint64_t seed;                             /* PRNG seed */
} transport_fault_config;

/*
 * Parses a configuration string (format above) into *out.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (unknown key, bad number, drop outside
 *          [0, 1], jitter larger than the delay, pattern too long).
 */
MPC_MUST_CHECK mpc_status transport_fault_config_parse(const char *s, transport_fault_config *out);

/* Returns: 1 if subject matches the NATS-style pattern ('*' = one token, '>' = the rest). */
int transport_fault_subject_matches(const char *pattern, const char *subject);

/*
 * Wraps inner. Takes ownership of *inner on MPC_OK (sets it to NULL);
 * destroying the decorator destroys it.
 * Out: *out — caller owns it; free with transport_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_INTERNAL (thread).
 */
MPC_MUST_CHECK mpc_status transport_fault_wrap(transport **inner, const transport_fault_config *cfg,
                                               transport **out);

/* Counters of the decorator. */
typedef struct {
    uint64_t delayed;   /* sends held back by a delay */
    uint64_t dropped;   /* publishes and received requests dropped */
    uint64_t cancelled; /* delayed direct sends cancelled before release */
} transport_fault_stats;

/* Reads the counters of a decorator made by transport_fault_wrap. */
void transport_fault_get_stats(transport *t, transport_fault_stats *out);

#endif /* MPC_TRANSPORT_FAULT_TRANSPORT_H */

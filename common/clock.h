/*
 * clock.h — monotonic and wall clocks, and absolute deadlines for timed waits.
 *
 * All durations inside the node are measured on CLOCK_MONOTONIC in
 * nanoseconds; wall time appears only in logs and on the wire (sent_at).
 *
 * THREAD SAFETY: all functions are thread-safe.
 */
#ifndef MPC_COMMON_CLOCK_H
#define MPC_COMMON_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "common/status.h"

#define MPC_NS_PER_MS 1000000ULL
#define MPC_NS_PER_S  1000000000ULL

/* Returns: CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t mpc_clock_mono_ns(void);

/* Returns: CLOCK_MONOTONIC now, in milliseconds. */
uint64_t mpc_clock_mono_ms(void);

/* Returns: CLOCK_REALTIME now, in milliseconds since the Unix epoch. */
uint64_t mpc_clock_wall_ms(void);

/*
 * Converts a monotonic time in nanoseconds to a timespec, as used by
 * pthread_cond_timedwait on a condition variable created with
 * pthread_condattr_setclock(CLOCK_MONOTONIC).
 */
struct timespec mpc_clock_ns_to_timespec(uint64_t mono_ns);

/* Returns: the monotonic deadline timeout_ms from now, saturating at UINT64_MAX. */
uint64_t mpc_clock_deadline_ns(uint64_t timeout_ms);

/*
 * Initialises cv to time its waits on CLOCK_MONOTONIC (the clock of
 * mpc_clock_deadline_ns), the one way every condition variable here is made.
 * Returns: 0, or the pthread error (cv is then not initialised).
 */
int mpc_clock_cond_init(pthread_cond_t *cv);

/*
 * Initialises a mutex and a monotonic condition variable (mpc_clock_cond_init)
 * that guard the same state. On failure neither is left initialised.
 * Returns: MPC_OK, or MPC_ERR_INTERNAL.
 */
mpc_status mpc_clock_sync_init(pthread_mutex_t *mu, pthread_cond_t *cv);

#endif /* MPC_COMMON_CLOCK_H */

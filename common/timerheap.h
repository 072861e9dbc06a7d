/*
 * timerheap.h — min-heap of timers keyed by monotonic deadline.
 *
 * Used by the direct sender to schedule retries without sleeping in a thread:
 * schedule a job at its next attempt time, pop the due ones, sleep (on a
 * condvar) only until the earliest deadline.
 *
 * Ordering: earliest deadline first; equal deadlines pop in scheduling order
 * (FIFO). Ids are unique for the heap's lifetime (slot index + generation), so
 * cancelling an id that already fired or was cancelled is a harmless
 * MPC_ERR_NOT_FOUND, never a cancel of some other timer.
 *
 * Ownership: the heap stores data pointers and never frees them; cancel and
 * pop hand the pointer back to the caller.
 *
 * THREAD SAFETY: none. The owner serialises every call (the direct sender
 * does so under its own lock).
 */
#ifndef MPC_COMMON_TIMERHEAP_H
#define MPC_COMMON_TIMERHEAP_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

typedef struct mpc_timerheap mpc_timerheap;

/*
 * Out: *out — caller owns it; free with mpc_timerheap_destroy(). NULL on failure.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status mpc_timerheap_create(mpc_timerheap **out);

/* Frees the heap (not the data pointers it still holds). Accepts NULL. */
void mpc_timerheap_destroy(mpc_timerheap *h);

/*
 * Schedules data (may be NULL) at deadline_ns (monotonic).
 * Out: *id — the timer's id (never 0) on MPC_OK; 0 otherwise. id may be NULL.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status mpc_timerheap_schedule(mpc_timerheap *h, uint64_t deadline_ns, void *data,
                                                 uint64_t *id);

/*
 * Removes timer id before it fires.
 * Out: *data — the pointer given at schedule (data may be NULL to ignore it).
 * Returns: MPC_OK, MPC_ERR_NOT_FOUND (unknown, fired or cancelled), MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status mpc_timerheap_cancel(mpc_timerheap *h, uint64_t id, void **data);

/*
 * Out: *deadline_ns — the earliest deadline.
 * Returns: MPC_OK, MPC_ERR_NOT_FOUND when empty, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status mpc_timerheap_peek(const mpc_timerheap *h, uint64_t *deadline_ns);

/*
 * Pops the earliest timer if its deadline is <= now_ns.
 * Out: *data and *id (either may be NULL) of the popped timer.
 * Returns: MPC_OK, MPC_ERR_NOT_FOUND when nothing is due, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status mpc_timerheap_pop_due(mpc_timerheap *h, uint64_t now_ns, void **data,
                                                uint64_t *id);

/* Returns: the number of pending timers. */
size_t mpc_timerheap_size(const mpc_timerheap *h);

#endif /* MPC_COMMON_TIMERHEAP_H */

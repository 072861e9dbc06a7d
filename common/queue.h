/*
 * queue.h — bounded multi-producer multi-consumer queue of pointers.
 *
 * Behaves like a Go channel with a buffer: push fails fast when full
 * (try_push) or waits (push with timeout); pop waits with a timeout; close is
 * idempotent, wakes every waiter, makes later pushes fail, and lets consumers
 * drain what is already queued before they see MPC_ERR_CLOSED. Destroy frees
 * whatever is still queued through the free callback given at creation.
 *
 * Ownership: an item is owned by the queue from a successful push until a pop
 * returns it, then by the popper. A failed push leaves it with the caller.
 *
 * THREAD SAFETY: every function except mpc_queue_destroy is thread-safe.
 * mpc_queue_destroy must be called once, after every other user is done.
 */
#ifndef MPC_COMMON_QUEUE_H
#define MPC_COMMON_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

typedef struct mpc_queue mpc_queue;

/* Frees one queued item at destroy time. */
typedef void (*mpc_queue_free_fn)(void *item);

/*
 * Creates a queue of capacity cap (>= 1). free_fn may be NULL.
 * Out: *out — caller owns it; free with mpc_queue_destroy(). NULL on failure.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status mpc_queue_create(mpc_queue **out, size_t cap, mpc_queue_free_fn free_fn);

/* Frees remaining items through free_fn and the queue itself. Accepts NULL. */
void mpc_queue_destroy(mpc_queue *q);

/*
 * Appends item without waiting. item must not be NULL.
 * Returns: MPC_OK (queue owns item), MPC_ERR_QUEUE_FULL, MPC_ERR_CLOSED,
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status mpc_queue_try_push(mpc_queue *q, void *item);

/*
 * Appends item, waiting up to timeout_ms for room (0 = do not wait).
 * Returns: as try_push, with MPC_ERR_TIMEOUT instead of MPC_ERR_QUEUE_FULL.
 */
MPC_MUST_CHECK mpc_status mpc_queue_push(mpc_queue *q, void *item, uint64_t timeout_ms);

/*
 * Removes the oldest item, waiting up to timeout_ms (0 = do not wait).
 * Out: *item — caller owns it on MPC_OK; NULL otherwise.
 * Returns: MPC_OK, MPC_ERR_TIMEOUT (empty), MPC_ERR_CLOSED (closed and empty),
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status mpc_queue_pop(mpc_queue *q, void **item, uint64_t timeout_ms);

/* Closes the queue; idempotent; wakes all blocked producers and consumers. */
void mpc_queue_close(mpc_queue *q);

/* Returns: the number of queued items (a snapshot). */
size_t mpc_queue_len(mpc_queue *q);

/* Returns: the highest number of items ever queued at once. */
size_t mpc_queue_high_water(mpc_queue *q);

/* Returns: the capacity given at creation. */
size_t mpc_queue_cap(const mpc_queue *q);

#endif /* MPC_COMMON_QUEUE_H */

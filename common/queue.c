/*
 * queue.c — bounded MPMC queue: a ring buffer under one mutex, two condvars.
 *
 * DESIGN: one mutex guards every field but cap and free_fn (immutable).
 * not_empty wakes consumers, not_full wakes producers; both use
 * CLOCK_MONOTONIC so timeouts are immune to wall-clock steps. close sets a
 * flag and broadcasts both, so no waiter can sleep through it.
 */
#include "common/queue.h"

#include <pthread.h>
#include <stdlib.h>

#include "common/clock.h"

struct mpc_queue {
    pthread_mutex_t lock;      /* guards everything below but cap, free_fn */
    pthread_cond_t not_empty;  /* signalled on push and close */
    pthread_cond_t not_full;   /* signalled on pop and close */
    void **ring;               /* cap slots */
    size_t cap;                /* capacity, immutable */
    size_t head;               /* index of the oldest item */
    size_t len;                /* number of queued items */
    size_t high_water;         /* max len ever seen */
    int closed;                /* set once by mpc_queue_close */
    mpc_queue_free_fn free_fn; /* frees leftovers at destroy, may be NULL */
};

mpc_status
mpc_queue_create(mpc_queue **out, size_t cap, mpc_queue_free_fn free_fn)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cap == 0 || cap > SIZE_MAX / sizeof(void *)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_queue *q = calloc(1, sizeof *q);
    if (q == NULL) {
        return MPC_ERR_NOMEM;
    }
    q->ring = calloc(cap, sizeof *q->ring);
    if (q->ring == NULL) {
        free(q);
        return MPC_ERR_NOMEM;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, &ca);
    pthread_cond_init(&q->not_full, &ca);
    pthread_condattr_destroy(&ca);
    q->cap = cap;
    q->free_fn = free_fn;
    *out = q;
    return MPC_OK;
}

void
mpc_queue_destroy(mpc_queue *q)
{
    if (q == NULL) {
        return;
    }
    for (size_t i = 0; i < q->len; i++) {
        void *item = q->ring[(q->head + i) % q->cap];
        if (q->free_fn != NULL) {
            q->free_fn(item);
        }
    }
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    pthread_mutex_destroy(&q->lock);
    free(q->ring);
    free(q);
}

/* Waits on cv until deadline_ns; returns 0 when woken, ETIMEDOUT otherwise. */
static int
cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *m, uint64_t deadline_ns)
{
    struct timespec ts = mpc_clock_ns_to_timespec(deadline_ns);
    return pthread_cond_timedwait(cv, m, &ts);
}

/* Caller holds the lock and has checked there is room. */
static void
queue_append_locked(mpc_queue *q, void *item)
{
    q->ring[(q->head + q->len) % q->cap] = item;
    q->len++;
    if (q->len > q->high_water) {
        q->high_water = q->len;
    }
    pthread_cond_signal(&q->not_empty);
}

mpc_status
mpc_queue_try_push(mpc_queue *q, void *item)
{
    if (q == NULL || item == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&q->lock);
    if (q->closed) {
        st = MPC_ERR_CLOSED;
    } else if (q->len == q->cap) {
        st = MPC_ERR_QUEUE_FULL;
    } else {
        queue_append_locked(q, item);
    }
    pthread_mutex_unlock(&q->lock);
    return st;
}

mpc_status
mpc_queue_push(mpc_queue *q, void *item, uint64_t timeout_ms)
{
    if (q == NULL || item == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->len == q->cap) {
        if (timeout_ms == 0 || cond_wait_until(&q->not_full, &q->lock, deadline) != 0) {
            break;
        }
    }
    if (q->closed) {
        st = MPC_ERR_CLOSED;
    } else if (q->len == q->cap) {
        st = MPC_ERR_TIMEOUT;
    } else {
        queue_append_locked(q, item);
    }
    pthread_mutex_unlock(&q->lock);
    return st;
}

mpc_status
mpc_queue_pop(mpc_queue *q, void **item, uint64_t timeout_ms)
{
    if (item != NULL) {
        *item = NULL;
    }
    if (q == NULL || item == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->len == 0) {
        if (timeout_ms == 0 || cond_wait_until(&q->not_empty, &q->lock, deadline) != 0) {
            break;
        }
    }
    if (q->len > 0) {
        *item = q->ring[q->head];
        q->ring[q->head] = NULL;
        q->head = (q->head + 1) % q->cap;
        q->len--;
        pthread_cond_signal(&q->not_full);
    } else {
        st = q->closed ? MPC_ERR_CLOSED : MPC_ERR_TIMEOUT;
    }
    pthread_mutex_unlock(&q->lock);
    return st;
}

void
mpc_queue_close(mpc_queue *q)
{
    if (q == NULL) {
        return;
    }
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->lock);
}

size_t
mpc_queue_len(mpc_queue *q)
{
    if (q == NULL) {
        return 0;
    }
    pthread_mutex_lock(&q->lock);
    size_t n = q->len;
    pthread_mutex_unlock(&q->lock);
    return n;
}

size_t
mpc_queue_high_water(mpc_queue *q)
{
    if (q == NULL) {
        return 0;
    }
    pthread_mutex_lock(&q->lock);
    size_t n = q->high_water;
    pthread_mutex_unlock(&q->lock);
    return n;
}

size_t
mpc_queue_cap(const mpc_queue *q)
{
    return q == NULL ? 0 : q->cap;
}

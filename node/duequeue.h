/*
 * duequeue.h — a queue of request ids, each with the monotonic time it is
 * next due and its attempt count, worked by one thread: the resolver
 * (resolver.c, PENDING keys) and the republisher (republish.c, results not
 * yet acknowledged) both keep one. The store holds a marker for every id,
 * so a queue that is full drops nothing: it sets `rescan` and the worker
 * reads the markers again once the queue ran empty.
 *
 * THREAD SAFETY: q->mu guards every field; functions ending in _locked are
 * called with it held, the others take it. node_duequeue_start runs the
 * worker thread: it takes each item when due (node_duequeue_take, waiting on
 * q->cv), calls work, and gives the item back or frees it.
 */
#ifndef MPC_NODE_DUEQUEUE_H
#define MPC_NODE_DUEQUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"

/* One queued request id. */
struct node_duequeue_item {
    char rid[NODE_CLIENT_REQUEST_ID_MAX + 1]; /* request id */
    uint64_t due_ms;                          /* monotonic time it is next due */
    uint32_t tries;                           /* attempts so far (backoff) */
    struct node_duequeue_item *next;          /* queue link */
};

struct node_duequeue {
    pthread_mutex_t mu;               /* guards everything below (and the owner's extras) */
    pthread_cond_t cv;                /* an item added or made due, stop */
    struct node_duequeue_item *items; /* queue, unordered */
    size_t n_items;                   /* its length */
    size_t max;                       /* its bound; beyond, rescan is set */
    int rescan;                       /* an id did not fit: scan the store when empty */
    int stop;                         /* the worker: return NULL from take */
    void (*scan)(struct node_duequeue *q, void *arg); /* re-adds every marked id (no mu held) */
    void *scan_arg;                                   /* its argument, and work's */
    uint64_t (*work)(void *arg, struct node_duequeue_item *it); /* the worker's step */
    pthread_t thread;                                           /* the worker (started) */
};

/* Initialises q (monotonic waits). scan re-adds the store's ids.
 * Returns: MPC_OK or MPC_ERR_INTERNAL. */
MPC_MUST_CHECK mpc_status node_duequeue_init(struct node_duequeue *q, size_t max,
                                             void (*scan)(struct node_duequeue *q, void *arg),
                                             void *scan_arg);

/*
 * One attempt at it->rid (the worker thread; no lock held). Returns: 0 when
 * the id is done (the item is freed), else the delay in ms before the next
 * attempt (node_duequeue_again).
 */
typedef uint64_t (*node_duequeue_work_fn)(void *arg, struct node_duequeue_item *it);

/* node_duequeue_init, then q->scan once (before the caller's intake runs),
 * then the worker thread. On failure nothing is left to stop.
 * Returns: MPC_OK or MPC_ERR_INTERNAL. */
MPC_MUST_CHECK mpc_status node_duequeue_start(struct node_duequeue *q, size_t max,
                                              void (*scan)(struct node_duequeue *q, void *arg),
                                              node_duequeue_work_fn work, void *arg);

/* Stops and joins the worker; q stays usable for reading until destroyed. */
void node_duequeue_join(struct node_duequeue *q);

/* node_duequeue_join, then node_duequeue_destroy (queued ids keep
 * their store markers: the next start takes them up). */
void node_duequeue_end(struct node_duequeue *q);

/* Frees the queued items (their store markers stay) and the lock. No thread may use q. */
void node_duequeue_destroy(struct node_duequeue *q);

/* Adds rid, due at due_ms with tries attempts, unless it is queued already;
 * when full, sets rescan instead. Caller holds q->mu. */
void node_duequeue_add_locked(struct node_duequeue *q, const char *rid, uint64_t due_ms,
                              uint32_t tries);

/* node_duequeue_add_locked under q->mu. */
void node_duequeue_add(struct node_duequeue *q, const char *rid, uint64_t due_ms, uint32_t tries);

/* Makes a queued rid due now (an item being worked is not in the queue). */
void node_duequeue_kick(struct node_duequeue *q, const char *rid);

/* Returns: the number of queued ids. */
size_t node_duequeue_count(struct node_duequeue *q);

/* Waits until the earliest item is due and takes it out of the queue; runs
 * q->scan first when the queue is empty and rescan is set. Returns: the item
 * (the caller owns it; q->mu not held), or NULL once q->stop is set. */
struct node_duequeue_item *node_duequeue_take(struct node_duequeue *q);

/* Gives it back, due delay_ms from now, one attempt more. */
void node_duequeue_again(struct node_duequeue *q, struct node_duequeue_item *it, uint64_t delay_ms);

/* Tells the worker to stop (its take returns NULL). */
void node_duequeue_stop(struct node_duequeue *q);

/* Returns: min(max_ms, min_ms * 2^min(tries, 8)): the backoff of an attempt. */
uint64_t node_duequeue_backoff_ms(uint32_t tries, uint64_t min_ms, uint64_t max_ms);

#endif

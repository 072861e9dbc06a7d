/*
 * transport_testkit.h — helpers for tests and benches of the transport
 * interface: a message collector with scripted replies, a direct-send result
 * waiter, an attempt-timestamp recorder and the test seed.
 *
 * Everything waits on condition variables with a bounded timeout; nothing
 * sleeps to "wait for" an event.
 *
 * THREAD SAFETY: collector, result and attempt log functions are thread-safe
 * (handlers and done callbacks run on transport threads).
 */
#ifndef MPC_TESTS_SUPPORT_TRANSPORT_TESTKIT_H
#define MPC_TESTS_SUPPORT_TRANSPORT_TESTKIT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/support/test_util.h" /* mpc_test_seed() */
#include "transport/transport.h"

/* Collects messages of one or more subscriptions and answers them by script. */
typedef struct {
    pthread_mutex_t mu;    /* guards the fields below */
    pthread_cond_t cv;     /* count changed */
    uint64_t count;        /* messages received */
    uint32_t busy_first;   /* answer BUSY to this many messages, then `reply` */
    transport_reply reply; /* answer after busy_first (default ACK) */
    uint8_t last[256];     /* copy of the last payload (truncated) */
    size_t last_len;       /* its length (untruncated) */
    uint64_t first_ns;     /* monotonic time of the first message */
    uint8_t *seen;         /* optional: seen[i] set for payload "#<i>" (i < seen_cap) */
    size_t seen_cap;       /* capacity of seen */
    uint64_t dups;         /* payload indexes seen twice */
    uint64_t max_idx;      /* highest payload index seen so far, plus one */
    uint64_t inversions;   /* payloads that arrived after a higher index */
} tk_collector;

/* Initialises *c: answer BUSY to the first busy_first messages, then reply. */
void tk_collector_init(tk_collector *c, transport_reply reply, uint32_t busy_first);
/* Frees what init and the caller attached (seen). */
void tk_collector_fini(tk_collector *c);
/* transport_msg_fn for a tk_collector. */
transport_reply tk_collector_fn(void *arg, const transport_msg *msg);
/* Waits until count >= n. Returns: 1 if reached, 0 on timeout. */
int tk_collector_wait(tk_collector *c, uint64_t n, uint64_t timeout_ms);
/* Returns: the number of messages received so far. */
uint64_t tk_collector_count(tk_collector *c);

/* The outcome of one direct send. */
typedef struct {
    pthread_mutex_t mu; /* guards the fields below */
    pthread_cond_t cv;  /* done ran */
    int done;           /* times done ran (must end at 1) */
    mpc_status st;      /* reported status */
    uint32_t attempts;  /* reported attempts */
    uint64_t owner;     /* reported owner */
    uint64_t end_ns;    /* monotonic time done ran */
} tk_result;

/* Initialises *r (st = MPC_ERR_INTERNAL until done runs). */
void tk_result_init(tk_result *r);
/* Releases the mutex and condvar of *r. */
void tk_result_fini(tk_result *r);
/* transport_send_done_fn for a tk_result. */
void tk_result_fn(void *arg, uint64_t owner, mpc_status st, uint32_t attempts);
/* Waits until done ran. Returns: 1 if it did, 0 on timeout. */
int tk_result_wait(tk_result *r, uint64_t timeout_ms);

/* Records attempt start times per owner (owner < cap). */
#define TK_MAX_ATTEMPTS 32
typedef struct {
    pthread_mutex_t mu;              /* guards the fields below */
    size_t cap;                      /* owners tracked */
    uint32_t *n;                     /* attempts recorded per owner */
    uint64_t (*at)[TK_MAX_ATTEMPTS]; /* start times per owner */
} tk_attempt_log;

/* Allocates for owners 0..cap-1. Returns: 1 on success, 0 on allocation failure. */
int tk_attempt_log_init(tk_attempt_log *l, size_t cap);
/* Frees the arrays. */
void tk_attempt_log_fini(tk_attempt_log *l);
/* transport_attempt_hook_fn for a tk_attempt_log. */
void tk_attempt_log_fn(void *arg, uint64_t owner, const char *subject, uint32_t attempt,
                       uint64_t mono_ns);

/* Subscribes fn at a later time from a helper thread (works on any transport). */
typedef struct {
    transport *t;                            /* transport to subscribe on */
    size_t n;                                /* subscriptions */
    char (*subjects)[TRANSPORT_SUBJECT_MAX]; /* subject per subscription */
    uint64_t *at_ns;                         /* monotonic time per subscription (ascending) */
    transport_msg_fn fn;                     /* handler */
    void **args;                             /* handler argument per subscription */
    transport_sub **subs;                    /* results */
    mpc_status st;                           /* first failure, MPC_OK if none */
    pthread_t thread;                        /* the helper thread */
} tk_late_subs;

/* Allocates arrays for n subscriptions. Returns: 1 on success. */
int tk_late_subs_init(tk_late_subs *l, transport *t, size_t n, transport_msg_fn fn);
/* Starts the helper thread. Returns: 1 on success. */
int tk_late_subs_start(tk_late_subs *l);
/* Joins the thread, unsubscribes everything and frees the arrays. */
void tk_late_subs_fini(tk_late_subs *l);

#endif /* MPC_TESTS_SUPPORT_TRANSPORT_TESTKIT_H */

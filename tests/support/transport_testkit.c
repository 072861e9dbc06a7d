/*
 * transport_testkit.c — see transport_testkit.h.
 */
#include "tests/support/transport_testkit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/secmem.h"

/* Waits on cv until *flag >= want or the deadline. Caller holds mu. */
static int
tk_wait_u64(pthread_mutex_t *mu, pthread_cond_t *cv, const uint64_t *v, uint64_t want,
            uint64_t timeout_ms)
{
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    struct timespec ts = mpc_clock_ns_to_timespec(deadline);
    while (*v < want) {
        if (pthread_cond_timedwait(cv, mu, &ts) == ETIMEDOUT) {
            return *v >= want;
        }
    }
    return 1;
}

void
tk_collector_init(tk_collector *c, transport_reply reply, uint32_t busy_first)
{
    memset(c, 0, sizeof *c);
    if (mpc_clock_sync_init(&c->mu, &c->cv) != MPC_OK) {
        abort(); /* test support: cannot go on without it */
    }
    c->reply = reply;
    c->busy_first = busy_first;
}

void
tk_collector_fini(tk_collector *c)
{
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c->seen);
    c->seen = NULL;
}

transport_reply
tk_collector_fn(void *arg, const transport_msg *msg)
{
    tk_collector *c = arg;
    transport_reply r;
    pthread_mutex_lock(&c->mu);
    if (c->count == 0) {
        c->first_ns = mpc_clock_mono_ns();
    }
    c->last_len = msg->len;
    memcpy(c->last, msg->data, msg->len < sizeof c->last ? msg->len : sizeof c->last);
    if (c->seen != NULL && msg->len > 1 && msg->len < 24 && msg->data[0] == '#') {
        char num[24];
        memcpy(num, msg->data + 1, msg->len - 1);
        num[msg->len - 1] = '\0';
        unsigned long i = strtoul(num, NULL, 10);
        if (i < c->seen_cap) {
            if (c->seen[i]) {
                c->dups++;
            }
            c->seen[i] = 1;
        }
        if (i + 1 < c->max_idx) {
            c->inversions++;
        } else {
            c->max_idx = i + 1;
        }
    }
    c->count++;
    r = c->count <= c->busy_first ? TRANSPORT_REPLY_BUSY : c->reply;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return r;
}

int
tk_collector_wait(tk_collector *c, uint64_t n, uint64_t timeout_ms)
{
    pthread_mutex_lock(&c->mu);
    int ok = tk_wait_u64(&c->mu, &c->cv, &c->count, n, timeout_ms);
    pthread_mutex_unlock(&c->mu);
    return ok;
}

uint64_t
tk_collector_count(tk_collector *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t n = c->count;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void
tk_result_init(tk_result *r)
{
    memset(r, 0, sizeof *r);
    if (mpc_clock_sync_init(&r->mu, &r->cv) != MPC_OK) {
        abort(); /* test support: cannot go on without it */
    }
    r->st = MPC_ERR_INTERNAL;
}

void
tk_result_fini(tk_result *r)
{
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
}

void
tk_result_fn(void *arg, uint64_t owner, mpc_status st, uint32_t attempts)
{
    tk_result *r = arg;
    pthread_mutex_lock(&r->mu);
    r->done++;
    r->st = st;
    r->attempts = attempts;
    r->owner = owner;
    r->end_ns = mpc_clock_mono_ns();
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

int
tk_result_wait(tk_result *r, uint64_t timeout_ms)
{
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    struct timespec ts = mpc_clock_ns_to_timespec(deadline);
    pthread_mutex_lock(&r->mu);
    while (r->done == 0) {
        if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT) {
            break;
        }
    }
    int ok = r->done > 0;
    pthread_mutex_unlock(&r->mu);
    return ok;
}

int
tk_attempt_log_init(tk_attempt_log *l, size_t cap)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    l->cap = cap;
    l->n = calloc(cap, sizeof *l->n);
    l->at = calloc(cap, sizeof *l->at);
    return l->n != NULL && l->at != NULL;
}

void
tk_attempt_log_fini(tk_attempt_log *l)
{
    pthread_mutex_destroy(&l->mu);
    free(l->n);
    free(l->at);
    l->n = NULL;
    l->at = NULL;
}

void
tk_attempt_log_fn(void *arg, uint64_t owner, const char *subject, uint32_t attempt,
                  uint64_t mono_ns)
{
    tk_attempt_log *l = arg;
    (void)subject;
    pthread_mutex_lock(&l->mu);
    if (owner < l->cap && attempt >= 1 && attempt <= TK_MAX_ATTEMPTS) {
        l->at[owner][attempt - 1] = mono_ns;
        if (attempt > l->n[owner]) {
            l->n[owner] = attempt;
        }
    }
    pthread_mutex_unlock(&l->mu);
}

int
tk_late_subs_init(tk_late_subs *l, transport *t, size_t n, transport_msg_fn fn)
{
    memset(l, 0, sizeof *l);
    l->t = t;
    l->n = n;
    l->fn = fn;
    l->subjects = calloc(n, sizeof *l->subjects);
    l->at_ns = calloc(n, sizeof *l->at_ns);
    l->args = calloc(n, sizeof *l->args);
    l->subs = calloc(n, sizeof *l->subs);
    return l->subjects && l->at_ns && l->args && l->subs;
}

static void *
tk_late_subs_main(void *arg)
{
    tk_late_subs *l = arg;
    for (size_t i = 0; i < l->n; i++) {
        /* A schedule, not a wait for an event: subscribe at the planned time. */
        struct timespec ts = mpc_clock_ns_to_timespec(l->at_ns[i]);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        mpc_status st =
            transport_subscribe_confirmed(l->t, l->subjects[i], l->fn, l->args[i], &l->subs[i]);
        if (st != MPC_OK && l->st == MPC_OK) {
            l->st = st;
        }
    }
    return NULL;
}

int
tk_late_subs_start(tk_late_subs *l)
{
    return pthread_create(&l->thread, NULL, tk_late_subs_main, l) == 0;
}

void
tk_late_subs_fini(tk_late_subs *l)
{
    pthread_join(l->thread, NULL);
    for (size_t i = 0; i < l->n; i++) {
        transport_unsubscribe(l->t, l->subs[i]);
    }
    free(l->subjects);
    free(l->at_ns);
    free(l->args);
    free(l->subs);
    memset(l, 0, sizeof *l);
}

/*
 * mem_transport.c — the in-memory net and its node transports.
 *
 * DESIGN: one net lock guards subscriptions, rules, the RNG and the per-worker
 * event heaps. An event holds a reference on its subscription; unsubscribe
 * marks the subscription dead, unlinks it and waits until its handler is not
 * running, then drops its own reference; a dead subscription's remaining
 * events are discarded by the worker. Handlers run without the lock, and the
 * reply a handler returns is published by the worker afterwards.
 */
#include "transport/mem_transport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "common/timerheap.h"
#include "transport/reply_mux.h"
#include "transport/subject.h"

#define MEM_DEFAULT_WORKERS 2
#define MEM_MAX_WORKERS     16
#define MEM_MAX_RULES       64

struct mem_transport;

struct mem_sub {
    char subject[TRANSPORT_SUBJECT_MAX]; /* pattern subscribed */
    struct mem_transport *owner;         /* node transport (not touched once dead) */
    transport_msg_fn fn;                 /* user handler, NULL for the inbox */
    void *arg;                           /* handler argument */
    uint64_t active_at_ns;               /* routed only from then on (late subscriber) */
    uint32_t worker;                     /* delivery thread of this subscription */
    int dead;                            /* unsubscribed */
    int running;                         /* handler calls in progress */
    int refs;                            /* list + queued events */
    struct mem_sub *next;                /* net list link */
};

struct mem_event {
    struct mem_sub *sub; /* destination (holds a reference) */
    char *subject;       /* subject published to */
    char *reply;         /* reply subject or NULL */
    uint8_t *data;       /* payload */
    size_t len;          /* payload length */
    int no_responders;   /* the server's "no responders" status message */
};

struct mem_rule {
    char pattern[TRANSPORT_SUBJECT_MAX]; /* subject pattern */
    transport_mem_fault fault;           /* faults (fault rules) */
    uint32_t late_ms;                    /* late-subscribe delay (late rules) */
};

struct mem_worker {
    transport_mem_net *net; /* back pointer */
    mpc_timerheap *events;  /* pending events by due time */
    pthread_cond_t cv;      /* event scheduled or stopping */
    pthread_t thread;       /* the delivery thread */
};

struct transport_mem_net {
    pthread_mutex_t mu;                         /* guards everything below */
    pthread_cond_t unsub_cv;                    /* a handler returned */
    struct mem_sub *subs;                       /* live subscriptions */
    struct mem_rule faults[MEM_MAX_RULES];      /* fault rules */
    size_t nfaults;                             /* used fault rules */
    struct mem_rule lates[MEM_MAX_RULES];       /* late-subscribe rules */
    size_t nlates;                              /* used late rules */
    uint64_t seed;                              /* seed in effect */
    uint64_t rng;                               /* splitmix64 state */
    uint64_t dropped;                           /* deliveries dropped */
    uint64_t duplicated;                        /* deliveries duplicated */
    uint32_t next_worker;                       /* round-robin assignment */
    struct mem_worker workers[MEM_MAX_WORKERS]; /* delivery threads */
    uint32_t nworkers;                          /* started */
    int stopping;                               /* destroy started */
};

struct mem_transport {
    transport base;              /* must be first */
    transport_mem_net *net;      /* the net (borrowed) */
    char name[64];               /* node name for logs */
    transport_reply_mux *mux;    /* inbox routing */
    transport_direct_sender *ds; /* direct sender */
    struct mem_sub *inbox;       /* "<prefix>.>" subscription */
    transport_stats st;          /* counters (atomic access) */
};

#define MEM_COUNT(t, field) __atomic_fetch_add(&(t)->st.field, 1, __ATOMIC_RELAXED)

static uint64_t
mem_rand(transport_mem_net *net)
{
    uint64_t z = (net->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Returns: 1 with probability p. Caller holds mu. */
static int
mem_roll(transport_mem_net *net, double p)
{
    if (p <= 0.0) {
        return 0;
    }
    return (double)(mem_rand(net) >> 11) * 0x1.0p-53 < p;
}

static const struct mem_rule *
mem_rule_find(const struct mem_rule *rules, size_t n, const char *subject)
{
    for (size_t i = 0; i < n; i++) {
        if (transport_subject_match(rules[i].pattern, subject)) {
            return &rules[i];
        }
    }
    return NULL;
}

static void
mem_event_free(struct mem_event *ev)
{
    free(ev);
}

static struct mem_event *
mem_event_new(const char *subject, const char *reply, const uint8_t *data, size_t len)
{
    size_t sl = strlen(subject) + 1;
    size_t rl = reply != NULL ? strlen(reply) + 1 : 0;
    struct mem_event *ev = malloc(sizeof *ev + sl + rl + len);
    if (ev == NULL) {
        return NULL;
    }
    char *p = (char *)(ev + 1);
    ev->subject = p;
    memcpy(p, subject, sl);
    p += sl;
    ev->reply = NULL;
    if (reply != NULL) {
        ev->reply = p;
        memcpy(p, reply, rl);
        p += rl;
    }
    ev->data = (uint8_t *)p;
    if (len > 0) {
        memcpy(ev->data, data, len);
    }
    ev->len = len;
    ev->sub = NULL;
    ev->no_responders = 0;
    return ev;
}

/* Drops one subscription reference; frees it at zero. Caller holds mu. */
static void
mem_sub_unref(struct mem_sub *sub)
{
    if (--sub->refs == 0) {
        free(sub);
    }
}

/* Queues one delivery of a message to sub after delay. Caller holds mu. */
static void
mem_enqueue(transport_mem_net *net, struct mem_sub *sub, const char *subject, const char *reply,
            const uint8_t *data, size_t len, int no_resp, uint64_t due_ns)
{
    struct mem_event *ev = mem_event_new(subject, reply, data, len);
    if (ev == NULL) {
        net->dropped++;
        return;
    }
    ev->sub = sub;
    ev->no_responders = no_resp;
    struct mem_worker *w = &net->workers[sub->worker];
    if (mpc_timerheap_schedule(w->events, due_ns, ev, NULL) != MPC_OK) {
        mem_event_free(ev);
        net->dropped++;
        return;
    }
    sub->refs++;
    pthread_cond_signal(&w->cv);
}

/* Due time of one delivery under rule r (may be NULL). Caller holds mu. */
static uint64_t
mem_due(transport_mem_net *net, const struct mem_rule *r, uint64_t now)
{
    if (r == NULL) {
        return now;
    }
    uint64_t ms = r->fault.latency_ms;
    if (r->fault.jitter_ms > 0) {
        ms += mem_rand(net) % ((uint64_t)r->fault.jitter_ms + 1);
    }
    if (mem_roll(net, r->fault.reorder_rate)) {
        ms += r->fault.reorder_ms;
    }
    return now + ms * MPC_NS_PER_MS;
}

/*
 * Routes one message. Interest is decided now; with no active subscriber and
 * a reply subject, the "no responders" status goes to the reply subject.
 */
static void
mem_route(transport_mem_net *net, const char *subject, const char *reply, const uint8_t *data,
          size_t len, int no_resp)
{
    pthread_mutex_lock(&net->mu);
    if (net->stopping) {
        pthread_mutex_unlock(&net->mu);
        return;
    }
    uint64_t now = mpc_clock_mono_ns();
    const struct mem_rule *r = mem_rule_find(net->faults, net->nfaults, subject);
    int matched = 0;
    for (struct mem_sub *s = net->subs; s != NULL; s = s->next) {
        if (s->dead || s->active_at_ns > now || !transport_subject_match(s->subject, subject)) {
            continue;
        }
        matched++;
        if (r != NULL && mem_roll(net, r->fault.drop_rate)) {
            net->dropped++;
            continue;
        }
        mem_enqueue(net, s, subject, reply, data, len, no_resp, mem_due(net, r, now));
        if (r != NULL && mem_roll(net, r->fault.dup_rate)) {
            net->duplicated++;
            mem_enqueue(net, s, subject, reply, data, len, no_resp, mem_due(net, r, now));
        }
    }
    pthread_mutex_unlock(&net->mu);
    if (matched == 0 && reply != NULL && !no_resp) {
        mem_route(net, reply, NULL, NULL, 0, 1);
    }
}

/* Runs one event's handler and sends the handler's reply. */
static void
mem_deliver(struct mem_sub *sub, struct mem_event *ev)
{
    struct mem_transport *t = sub->owner;
    if (sub->fn == NULL) {
        transport_reply_mux_deliver(t->mux, ev->subject, ev->data, ev->len, ev->no_responders);
        return;
    }
    if (ev->no_responders) {
        return; /* a user subscription on an inbox subject: nothing to hand over */
    }
    transport_msg msg = {
        .subject = ev->subject, .data = ev->data, .len = ev->len, .reply = ev->reply};
    MEM_COUNT(t, received);
    transport_reply rep = sub->fn(sub->arg, &msg);
    const char *bytes = transport_reply_str(rep);
    if (ev->reply != NULL && bytes != NULL) {
        mem_route(t->net, ev->reply, NULL, (const uint8_t *)bytes, strlen(bytes), 0);
        MEM_COUNT(t, replies_sent);
    }
}

static void *
mem_worker_main(void *arg)
{
    struct mem_worker *w = arg;
    transport_mem_net *net = w->net;
    pthread_mutex_lock(&net->mu);
    while (!net->stopping) {
        uint64_t due = 0;
        void *data = NULL;
        if (mpc_timerheap_peek(w->events, &due) != MPC_OK) {
            pthread_cond_wait(&w->cv, &net->mu);
            continue;
        }
        if (mpc_timerheap_pop_due(w->events, mpc_clock_mono_ns(), &data, NULL) != MPC_OK) {
            struct timespec ts = mpc_clock_ns_to_timespec(due);
            pthread_cond_timedwait(&w->cv, &net->mu, &ts);
            continue;
        }
        struct mem_event *ev = data;
        struct mem_sub *sub = ev->sub;
        if (!sub->dead) {
            sub->running++;
            pthread_mutex_unlock(&net->mu);
            mem_deliver(sub, ev);
            pthread_mutex_lock(&net->mu);
            if (--sub->running == 0 && sub->dead) {
                pthread_cond_broadcast(&net->unsub_cv);
            }
        }
        mem_sub_unref(sub);
        mem_event_free(ev);
    }
    pthread_mutex_unlock(&net->mu);
    return NULL;
}

static mpc_status
mem_net_init_sync(transport_mem_net *net)
{
    int bad = mpc_clock_cond_init(&net->unsub_cv) != 0;
    for (uint32_t i = 0; i < net->nworkers && !bad; i++) {
        bad = mpc_clock_cond_init(&net->workers[i].cv) != 0;
    }
    if (bad || pthread_mutex_init(&net->mu, NULL) != 0) {
        return MPC_ERR_INTERNAL; /* leaks at most a few condvars on a broken system */
    }
    return MPC_OK;
}

mpc_status
transport_mem_net_create(const transport_mem_net_config *cfg, transport_mem_net **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    transport_mem_net *net = calloc(1, sizeof *net);
    if (net == NULL) {
        return MPC_ERR_NOMEM;
    }
    uint32_t want =
        cfg != NULL && cfg->delivery_threads != 0 ? cfg->delivery_threads : MEM_DEFAULT_WORKERS;
    net->nworkers = want > MEM_MAX_WORKERS ? MEM_MAX_WORKERS : want;
    net->seed = cfg != NULL ? cfg->seed : 0;
    if (net->seed == 0 && mpc_random_bytes(&net->seed, sizeof net->seed) != MPC_OK) {
        free(net);
        return MPC_ERR_RANDOM;
    }
    net->rng = net->seed;
    for (uint32_t i = 0; i < net->nworkers; i++) {
        net->workers[i].net = net;
        if (mpc_timerheap_create(&net->workers[i].events) != MPC_OK) {
            for (uint32_t j = 0; j < i; j++) {
                mpc_timerheap_destroy(net->workers[j].events);
            }
            free(net);
            return MPC_ERR_NOMEM;
        }
    }
    if (mem_net_init_sync(net) != MPC_OK) {
        for (uint32_t i = 0; i < net->nworkers; i++) {
            mpc_timerheap_destroy(net->workers[i].events);
        }
        free(net);
        return MPC_ERR_INTERNAL;
    }
    uint32_t started = 0;
    for (; started < net->nworkers; started++) {
        if (pthread_create(&net->workers[started].thread, NULL, mem_worker_main,
                           &net->workers[started]) != 0) {
            break;
        }
    }
    if (started < net->nworkers) {
        pthread_mutex_lock(&net->mu);
        net->stopping = 1;
        pthread_mutex_unlock(&net->mu);
        for (uint32_t i = 0; i < net->nworkers; i++) {
            pthread_cond_signal(&net->workers[i].cv);
        }
        for (uint32_t i = 0; i < started; i++) {
            pthread_join(net->workers[i].thread, NULL);
        }
        net->nworkers = 0; /* threads are joined; destroy must not join again */
        transport_mem_net_destroy(net);
        return MPC_ERR_INTERNAL;
    }
    *out = net;
    return MPC_OK;
}

void
transport_mem_net_destroy(transport_mem_net *net)
{
    if (net == NULL) {
        return;
    }
    pthread_mutex_lock(&net->mu);
    int join = !net->stopping;
    net->stopping = 1;
    for (uint32_t i = 0; i < net->nworkers; i++) {
        pthread_cond_broadcast(&net->workers[i].cv);
    }
    pthread_mutex_unlock(&net->mu);
    for (uint32_t i = 0; i < net->nworkers && join; i++) {
        pthread_join(net->workers[i].thread, NULL);
    }
    for (uint32_t i = 0; i < MEM_MAX_WORKERS; i++) {
        void *data = NULL;
        while (net->workers[i].events != NULL &&
               mpc_timerheap_pop_due(net->workers[i].events, UINT64_MAX, &data, NULL) == MPC_OK) {
            struct mem_event *ev = data;
            mem_sub_unref(ev->sub);
            mem_event_free(ev);
        }
        mpc_timerheap_destroy(net->workers[i].events);
        if (i < net->nworkers) {
            pthread_cond_destroy(&net->workers[i].cv);
        }
    }
    while (net->subs != NULL) { /* only if a transport was leaked */
        struct mem_sub *s = net->subs;
        net->subs = s->next;
        mem_sub_unref(s);
    }
    pthread_cond_destroy(&net->unsub_cv);
    pthread_mutex_destroy(&net->mu);
    free(net);
}

uint64_t
transport_mem_net_seed(const transport_mem_net *net)
{
    return net != NULL ? net->seed : 0;
}

/* Adds or replaces a rule in rules[]. Caller holds mu. */
static mpc_status
mem_rule_put(struct mem_rule *rules, size_t *n, const char *pattern, const struct mem_rule *val)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(rules[i].pattern, pattern) == 0) {
            rules[i] = *val;
            return MPC_OK;
        }
    }
    if (*n == MEM_MAX_RULES) {
        return MPC_ERR_NOMEM;
    }
    rules[(*n)++] = *val;
    return MPC_OK;
}

static int
mem_rate_ok(double p)
{
    return p >= 0.0 && p <= 1.0;
}

mpc_status
transport_mem_net_set_fault(transport_mem_net *net, const char *pattern,
                            const transport_mem_fault *f)
{
    if (net == NULL || f == NULL || !transport_subject_valid(pattern, 1) ||
        !mem_rate_ok(f->drop_rate) || !mem_rate_ok(f->dup_rate) || !mem_rate_ok(f->reorder_rate)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct mem_rule r = {.fault = *f};
    snprintf(r.pattern, sizeof r.pattern, "%s", pattern);
    pthread_mutex_lock(&net->mu);
    mpc_status st = mem_rule_put(net->faults, &net->nfaults, pattern, &r);
    pthread_mutex_unlock(&net->mu);
    return st;
}

mpc_status
transport_mem_net_set_late_subscribe(transport_mem_net *net, const char *pattern, uint32_t delay_ms)
{
    if (net == NULL || !transport_subject_valid(pattern, 1)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct mem_rule r = {.late_ms = delay_ms};
    snprintf(r.pattern, sizeof r.pattern, "%s", pattern);
    pthread_mutex_lock(&net->mu);
    mpc_status st = mem_rule_put(net->lates, &net->nlates, pattern, &r);
    pthread_mutex_unlock(&net->mu);
    return st;
}

void
transport_mem_net_clear_faults(transport_mem_net *net)
{
    if (net == NULL) {
        return;
    }
    pthread_mutex_lock(&net->mu);
    net->nfaults = 0;
    net->nlates = 0;
    pthread_mutex_unlock(&net->mu);
}

void
transport_mem_net_fault_counts(transport_mem_net *net, uint64_t *dropped, uint64_t *duplicated)
{
    if (net == NULL) {
        return;
    }
    pthread_mutex_lock(&net->mu);
    if (dropped != NULL) {
        *dropped = net->dropped;
    }
    if (duplicated != NULL) {
        *duplicated = net->duplicated;
    }
    pthread_mutex_unlock(&net->mu);
}

/* ---------------------------------------------------------------- node transport */

static struct mem_sub *
mem_sub_add(struct mem_transport *t, const char *subject, transport_msg_fn fn, void *arg)
{
    transport_mem_net *net = t->net;
    struct mem_sub *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    snprintf(s->subject, sizeof s->subject, "%s", subject);
    s->owner = t;
    s->fn = fn;
    s->arg = arg;
    s->refs = 1;
    pthread_mutex_lock(&net->mu);
    s->worker = net->next_worker++ % net->nworkers;
    const struct mem_rule *late = mem_rule_find(net->lates, net->nlates, subject);
    if (late != NULL && late->late_ms > 0) {
        s->active_at_ns = mpc_clock_mono_ns() + (uint64_t)late->late_ms * MPC_NS_PER_MS;
    }
    s->next = net->subs;
    net->subs = s;
    pthread_mutex_unlock(&net->mu);
    return s;
}

static void
mem_sub_remove(transport_mem_net *net, struct mem_sub *sub)
{
    pthread_mutex_lock(&net->mu);
    sub->dead = 1;
    for (struct mem_sub **pp = &net->subs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == sub) {
            *pp = sub->next;
            break;
        }
    }
    while (sub->running > 0) {
        pthread_cond_wait(&net->unsub_cv, &net->mu);
    }
    mem_sub_unref(sub);
    pthread_mutex_unlock(&net->mu);
}

static mpc_status
mem_publish_request(void *impl, const char *subject, const char *reply, const uint8_t *data,
                    size_t len)
{
    struct mem_transport *t = impl;
    mem_route(t->net, subject, reply, data, len, 0);
    return MPC_OK;
}

static mpc_status
mem_publish(transport *base, const char *subject, const uint8_t *data, size_t len)
{
    struct mem_transport *t = (struct mem_transport *)base;
    if (!transport_subject_valid(subject, 0) || (data == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    mem_route(t->net, subject, NULL, data, len, 0);
    MEM_COUNT(t, published);
    return MPC_OK;
}

static mpc_status
mem_subscribe_confirmed(transport *base, const char *subject, transport_msg_fn fn, void *arg,
                        transport_sub **out)
{
    struct mem_transport *t = (struct mem_transport *)base;
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (fn == NULL || !transport_subject_valid(subject, 1)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct mem_sub *s = mem_sub_add(t, subject, fn, arg);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    __atomic_fetch_add(&t->st.subscriptions, 1, __ATOMIC_RELAXED);
    *out = (transport_sub *)s;
    return MPC_OK;
}

static void
mem_unsubscribe(transport *base, transport_sub *sub)
{
    struct mem_transport *t = (struct mem_transport *)base;
    if (sub == NULL) {
        return;
    }
    mem_sub_remove(t->net, (struct mem_sub *)sub);
    __atomic_fetch_sub(&t->st.subscriptions, 1, __ATOMIC_RELAXED);
}

static mpc_status
mem_request(transport *base, const char *subject, const uint8_t *data, size_t len,
            uint64_t timeout_ms, uint8_t *reply, size_t reply_cap, size_t *reply_len)
{
    struct mem_transport *t = (struct mem_transport *)base;
    if (reply_len != NULL) {
        *reply_len = 0;
    }
    if (!transport_subject_valid(subject, 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    return transport_reply_mux_request(t->mux, mem_publish_request, t, subject, data, len,
                                       timeout_ms, reply, reply_cap, reply_len);
}

static mpc_status
mem_send_direct(transport *base, const transport_send *job)
{
    struct mem_transport *t = (struct mem_transport *)base;
    if (job == NULL || !transport_subject_valid(job->subject, 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    return transport_direct_sender_submit(t->ds, job);
}

static void
mem_cancel_owner(transport *base, uint64_t owner)
{
    struct mem_transport *t = (struct mem_transport *)base;
    transport_direct_sender_cancel_owner(t->ds, owner);
}

static void
mem_retry_now(transport *base, uint64_t owner, const char *subject)
{
    struct mem_transport *t = (struct mem_transport *)base;
    (void)transport_direct_sender_retry_now(t->ds, owner, subject);
}

static mpc_status
mem_flush(transport *base, uint64_t timeout_ms)
{
    (void)base;
    (void)timeout_ms;
    return MPC_OK; /* routing is decided at publish time: nothing is ever buffered */
}

static void
mem_stats(transport *base, transport_stats *out)
{
    struct mem_transport *t = (struct mem_transport *)base;
    if (out == NULL) {
        return;
    }
    memset(out, 0, sizeof *out);
    out->published = __atomic_load_n(&t->st.published, __ATOMIC_RELAXED);
    out->received = __atomic_load_n(&t->st.received, __ATOMIC_RELAXED);
    out->replies_sent = __atomic_load_n(&t->st.replies_sent, __ATOMIC_RELAXED);
    out->subscriptions = __atomic_load_n(&t->st.subscriptions, __ATOMIC_RELAXED);
    transport_direct_sender_stats(t->ds, out);
}

/* Removes every remaining subscription of t. */
static void
mem_unsubscribe_all(struct mem_transport *t)
{
    transport_mem_net *net = t->net;
    for (;;) {
        struct mem_sub *victim = NULL;
        pthread_mutex_lock(&net->mu);
        for (struct mem_sub *s = net->subs; s != NULL; s = s->next) {
            if (s->owner == t && s != t->inbox) {
                victim = s;
                break;
            }
        }
        pthread_mutex_unlock(&net->mu);
        if (victim == NULL) {
            return;
        }
        mem_unsubscribe(&t->base, (transport_sub *)victim);
    }
}

static void
mem_destroy(transport *base)
{
    struct mem_transport *t = (struct mem_transport *)base;
    transport_direct_sender_shutdown(t->ds);
    mem_unsubscribe_all(t);
    if (t->inbox != NULL) {
        mem_sub_remove(t->net, t->inbox);
    }
    transport_direct_sender_destroy(t->ds);
    transport_reply_mux_destroy(t->mux);
    free(t);
}

static const transport_ops mem_ops = {
    .publish = mem_publish,
    .subscribe_confirmed = mem_subscribe_confirmed,
    .unsubscribe = mem_unsubscribe,
    .request = mem_request,
    .send_direct = mem_send_direct,
    .cancel_owner = mem_cancel_owner,
    .retry_now = mem_retry_now,
    .flush = mem_flush,
    .stats = mem_stats,
    .destroy = mem_destroy,
};

mpc_status
transport_mem_create_cfg(transport_mem_net *net, const char *node_name,
                         const transport_mem_config *cfg, transport **out)
{
    char wild[TRANSPORT_SUBJECT_MAX];
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (net == NULL || node_name == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    struct mem_transport *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return MPC_ERR_NOMEM;
    }
    t->base.ops = &mem_ops;
    t->base.name = "mem";
    t->net = net;
    snprintf(t->name, sizeof t->name, "%s", node_name);
    mpc_status st = transport_reply_mux_create(NULL, &t->mux);
    if (st != MPC_OK) {
        goto fail_free;
    }
    const char *prefix = transport_reply_mux_prefix(t->mux);
    st = transport_direct_sender_create(cfg != NULL ? &cfg->sender : NULL, mem_publish_request, t,
                                        prefix, &t->ds);
    if (st != MPC_OK) {
        goto fail_mux;
    }
    transport_reply_mux_set_sender(t->mux, t->ds);
    snprintf(wild, sizeof wild, "%s.>", prefix);
    t->inbox = mem_sub_add(t, wild, NULL, NULL);
    if (t->inbox == NULL) {
        st = MPC_ERR_NOMEM;
        goto fail_ds;
    }
    *out = &t->base;
    return MPC_OK;
fail_ds:
    transport_direct_sender_destroy(t->ds);
fail_mux:
    transport_reply_mux_destroy(t->mux);
fail_free:
    free(t);
    return st;
}

mpc_status
transport_mem_create(transport_mem_net *net, const char *node_name, transport **out)
{
    return transport_mem_create_cfg(net, node_name, NULL, out);
}

/*
 * fault_transport.c — latency and loss injection around any transport
 * (contract and DESIGN in transport/fault_transport.h). Test builds only.
 */
#include "transport/fault_transport.h"

#ifdef MPC_FAULT_INJECTION

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/timerheap.h"

/* A held-back publish or direct send. */
struct fault_item {
    struct fault_item *next, *prev; /* pending list (cancel by owner, destroy) */
    uint64_t timer_id;              /* its timer */
    int direct;                     /* 1 = send_direct, 0 = publish */
    char *subject;                  /* copy */
    uint8_t *data;                  /* copy */
    size_t len;                     /* data length */
    uint64_t owner;                 /* direct: owner token */
    uint64_t deadline_ms;           /* direct: deadline */
    transport_send_done_fn done;    /* direct: completion */
    void *done_arg;                 /* direct: its argument */
};

/* A wrapped subscription (receive-side drops). */
struct fault_sub {
    struct fault_sub *next;     /* list of live subscriptions */
    struct fault_transport *ft; /* owner */
    transport_sub *inner;       /* the inner subscription */
    transport_msg_fn fn;        /* the subscriber's handler */
    void *arg;                  /* its argument */
};

struct fault_transport {
    transport base;              /* vtable header (first) */
    transport *inner;            /* wrapped transport (owned) */
    transport_fault_config cfg;  /* what to inject */
    pthread_mutex_t mu;          /* guards everything below */
    pthread_cond_t cv;           /* wakes the timer thread */
    pthread_t thread;            /* timer thread */
    int stop;                    /* 1 = thread must exit */
    mpc_timerheap *timers;       /* held-back items by release time */
    struct fault_item *pending;  /* same items, for cancel and destroy */
    struct fault_sub *subs;      /* wrapped subscriptions */
    uint64_t rng;                /* PRNG state (splitmix64) */
    transport_fault_stats stats; /* counters */
};

/* ------------------------------------------------------------ config */

int
transport_fault_subject_matches(const char *pattern, const char *subject)
{
    const char *p = pattern, *s = subject;
    while (*p != '\0' && *s != '\0') {
        const char *pe = strchr(p, '.'), *se = strchr(s, '.');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), sl = se ? (size_t)(se - s) : strlen(s);
        if (pl == 1 && p[0] == '>') {
            return 1;
        }
        if (!(pl == 1 && p[0] == '*') && (pl != sl || memcmp(p, s, pl) != 0)) {
            return 0;
        }
        if ((pe == NULL) != (se == NULL)) {
            return 0;
        }
        if (pe == NULL) {
            return 1;
        }
        p = pe + 1;
        s = se + 1;
    }
    return 0;
}

static int
parse_num(const char *v, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    if (*v < '0' || *v > '9') {
        return -1;
    }
    unsigned long long x = strtoull(v, &end, 10);
    if (*end != '\0' || x > max) {
        return -1;
    }
    *out = x;
    return 0;
}

/* Applies one key=value. Returns: 0, or -1. */
static int
apply_kv(transport_fault_config *c, const char *k, const char *v)
{
    uint64_t x = 0;
    if (strcmp(k, "subject") == 0) {
        size_t n = strlen(v);
        if (n == 0 || n >= sizeof(c->subject)) {
            return -1;
        }
        memcpy(c->subject, v, n + 1);
        return 0;
    }
    if (strcmp(k, "drop") == 0) {
        char *end = NULL;
        double d = strtod(v, &end);
        if (end == v || *end != '\0' || !(d >= 0.0 && d <= 1.0)) {
            return -1;
        }
        c->drop = d;
        return 0;
    }
    if (strcmp(k, "delay_ms") == 0 || strcmp(k, "jitter_ms") == 0) {
        if (parse_num(v, 600000, &x) != 0) {
            return -1;
        }
        *(k[0] == 'd' ? &c->delay_ms : &c->jitter_ms) = (uint32_t)x;
        return 0;
    }
    if (strcmp(k, "seed") == 0) {
        return parse_num(v, UINT64_MAX, &c->seed);
    }
    return -1;
}

mpc_status
transport_fault_config_parse(const char *s, transport_fault_config *out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    strcpy(out->subject, ">");
    out->seed = 1;
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    char buf[512];
    if (strlen(s) >= sizeof(buf)) {
        return MPC_ERR_INVALID_ARG;
    }
    strcpy(buf, s);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (eq == NULL) {
            return MPC_ERR_INVALID_ARG;
        }
        *eq = '\0';
        if (apply_kv(out, kv, eq + 1) != 0) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    return out->jitter_ms <= out->delay_ms ? MPC_OK : MPC_ERR_INVALID_ARG;
}

/* ------------------------------------------------------------ helpers */

/* splitmix64 step; caller holds ft->mu. */
static uint64_t
rng_next(struct fault_transport *ft)
{
    uint64_t z = (ft->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Returns: 1 with probability cfg.drop. */
static int
roll_drop(struct fault_transport *ft)
{
    if (ft->cfg.drop <= 0.0) {
        return 0;
    }
    pthread_mutex_lock(&ft->mu);
    double u = (double)(rng_next(ft) >> 11) / 9007199254740992.0; /* [0, 1) */
    int drop = u < ft->cfg.drop;
    ft->stats.dropped += (uint64_t)drop;
    pthread_mutex_unlock(&ft->mu);
    return drop;
}

/* Returns: this item's delay in ms (delay +/- jitter); caller holds ft->mu. */
static uint64_t
roll_delay(struct fault_transport *ft)
{
    uint64_t d = ft->cfg.delay_ms;
    if (ft->cfg.jitter_ms > 0) {
        uint64_t span = 2ull * ft->cfg.jitter_ms + 1;
        d = d - ft->cfg.jitter_ms + rng_next(ft) % span;
    }
    return d;
}

static void
item_free(struct fault_item *it)
{
    if (it != NULL) {
        free(it->subject);
        free(it->data);
        free(it);
    }
}

/* Unlinks it from the pending list; caller holds ft->mu. */
static void
item_unlink(struct fault_transport *ft, struct fault_item *it)
{
    if (it->prev != NULL) {
        it->prev->next = it->next;
    } else {
        ft->pending = it->next;
    }
    if (it->next != NULL) {
        it->next->prev = it->prev;
    }
    it->next = it->prev = NULL;
}

/* Hands a due item to the inner transport (no lock held) and frees it. */
static void
item_release(struct fault_transport *ft, struct fault_item *it)
{
    if (!it->direct) {
        if (transport_publish(ft->inner, it->subject, it->data, it->len) != MPC_OK) {
            mpc_log(MPC_LOG_DEBUG, "transport", "fault_publish_failed", "subject=%s", it->subject);
        }
    } else {
        transport_send job = {it->subject,     it->data, it->len,     it->owner,
                              it->deadline_ms, it->done, it->done_arg};
        mpc_status st = transport_send_direct(ft->inner, &job);
        if (st != MPC_OK) { /* we accepted the job: its completion is ours */
            it->done(it->done_arg, it->owner, MPC_ERR_PEER_UNAVAILABLE, 0);
        }
    }
    item_free(it);
}

static void *
timer_main(void *arg)
{
    struct fault_transport *ft = arg;
    pthread_mutex_lock(&ft->mu);
    while (!ft->stop) {
        uint64_t due = 0;
        void *data = NULL;
        if (mpc_timerheap_pop_due(ft->timers, mpc_clock_mono_ns(), &data, NULL) == MPC_OK) {
            struct fault_item *it = data;
            item_unlink(ft, it);
            pthread_mutex_unlock(&ft->mu);
            item_release(ft, it);
            pthread_mutex_lock(&ft->mu);
            continue;
        }
        if (mpc_timerheap_peek(ft->timers, &due) == MPC_OK) {
            struct timespec ts = mpc_clock_ns_to_timespec(due);
            (void)pthread_cond_timedwait(&ft->cv, &ft->mu, &ts);
        } else {
            pthread_cond_wait(&ft->cv, &ft->mu);
        }
    }
    pthread_mutex_unlock(&ft->mu);
    return NULL;
}

/* Queues it for release after a rolled delay. Returns: MPC_OK or MPC_ERR_NOMEM. */
static mpc_status
item_schedule(struct fault_transport *ft, struct fault_item *it)
{
    pthread_mutex_lock(&ft->mu);
    uint64_t at = mpc_clock_mono_ns() + roll_delay(ft) * 1000000ull;
    mpc_status st = mpc_timerheap_schedule(ft->timers, at, it, &it->timer_id);
    if (st == MPC_OK) {
        it->next = ft->pending;
        if (ft->pending != NULL) {
            ft->pending->prev = it;
        }
        ft->pending = it;
        ft->stats.delayed++;
        pthread_cond_signal(&ft->cv);
    }
    pthread_mutex_unlock(&ft->mu);
    return st;
}

/* Copies subject and data into a new item. Returns: the item or NULL. */
static struct fault_item *
item_new(const char *subject, const uint8_t *data, size_t len)
{
    struct fault_item *it = calloc(1, sizeof(*it));
    if (it == NULL) {
        return NULL;
    }
    it->subject = strdup(subject);
    it->data = malloc(len > 0 ? len : 1);
    if (it->subject == NULL || it->data == NULL) {
        item_free(it);
        return NULL;
    }
    if (len > 0) {
        memcpy(it->data, data, len);
    }
    it->len = len;
    return it;
}

/* ------------------------------------------------------------ vtable */

static mpc_status
ft_publish(transport *t, const char *subject, const uint8_t *data, size_t len)
{
    struct fault_transport *ft = (struct fault_transport *)t;
    if (subject == NULL || !transport_fault_subject_matches(ft->cfg.subject, subject)) {
        return transport_publish(ft->inner, subject, data, len);
    }
    if (roll_drop(ft)) {
        return MPC_OK; /* lost on the way */
    }
    if (ft->cfg.delay_ms == 0) {
        return transport_publish(ft->inner, subject, data, len);
    }
    struct fault_item *it = item_new(subject, data, len);
    mpc_status st = it != NULL ? item_schedule(ft, it) : MPC_ERR_NOMEM;
    if (st != MPC_OK) {
        item_free(it);
    }
    return st;
}

static mpc_status
ft_send_direct(transport *t, const transport_send *job)
{
    struct fault_transport *ft = (struct fault_transport *)t;
    if (job == NULL || job->subject == NULL || job->done == NULL || ft->cfg.delay_ms == 0 ||
        !transport_fault_subject_matches(ft->cfg.subject, job->subject)) {
        return transport_send_direct(ft->inner, job);
    }
    struct fault_item *it = item_new(job->subject, job->data, job->len);
    if (it == NULL) {
        return MPC_ERR_NOMEM;
    }
    it->direct = 1;
    it->owner = job->owner;
    it->deadline_ms = job->deadline_ms;
    it->done = job->done;
    it->done_arg = job->done_arg;
    mpc_status st = item_schedule(ft, it);
    if (st != MPC_OK) {
        item_free(it);
    }
    return st;
}

/* Receive side: drops a matching request (no reply) with probability drop. */
static transport_reply
ft_on_msg(void *arg, const transport_msg *msg)
{
    struct fault_sub *fs = arg;
    if (msg->reply != NULL && roll_drop(fs->ft)) {
        return TRANSPORT_REPLY_NONE;
    }
    return fs->fn(fs->arg, msg);
}

static mpc_status
ft_subscribe(transport *t, const char *subject, transport_msg_fn fn, void *arg, transport_sub **out)
{
    struct fault_transport *ft = (struct fault_transport *)t;
    if (subject == NULL || ft->cfg.drop <= 0.0 ||
        !transport_fault_subject_matches(ft->cfg.subject, subject)) {
        return transport_subscribe_confirmed(ft->inner, subject, fn, arg, out);
    }
    struct fault_sub *fs = calloc(1, sizeof(*fs));
    if (fs == NULL) {
        return MPC_ERR_NOMEM;
    }
    fs->ft = ft;
    fs->fn = fn;
    fs->arg = arg;
    mpc_status st = transport_subscribe_confirmed(ft->inner, subject, ft_on_msg, fs, &fs->inner);
    if (st != MPC_OK) {
        free(fs);
        return st;
    }
    pthread_mutex_lock(&ft->mu);
    fs->next = ft->subs;
    ft->subs = fs;
    pthread_mutex_unlock(&ft->mu);
    *out = fs->inner;
    return MPC_OK;
}

static void
ft_unsubscribe(transport *t, transport_sub *sub)
{
    struct fault_transport *ft = (struct fault_transport *)t;
    struct fault_sub *found = NULL;
    pthread_mutex_lock(&ft->mu);
    for (struct fault_sub **pp = &ft->subs; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->inner == sub) {
            found = *pp;
            *pp = found->next;
            break;
        }
    }
    pthread_mutex_unlock(&ft->mu);
    transport_unsubscribe(ft->inner, sub); /* no handler runs after it returns */
    free(found);
}

static mpc_status
ft_request(transport *t, const char *subject, const uint8_t *data, size_t len, uint64_t timeout_ms,
           uint8_t *reply, size_t reply_cap, size_t *reply_len)
{
    struct fault_transport *ft = (struct fault_transport *)t;
    return transport_request(ft->inner, subject, data, len, timeout_ms, reply, reply_cap,
                             reply_len);
}

/* Removes every pending direct item of owner (or all items when all != 0) into *out. */
static void
take_items(struct fault_transport *ft, int all, uint64_t owner, struct fault_item **out)
{
    struct fault_item *it = ft->pending, *next;
    for (; it != NULL; it = next) {
        next = it->next;
        if (all || (it->direct && it->owner == owner)) {
            if (mpc_timerheap_cancel(ft->timers, it->timer_id, NULL) != MPC_OK) {
                continue; /* already popped: the timer thread owns it now */
            }
            item_unlink(ft, it);
            it->next = *out;
            *out = it;
            ft->stats.cancelled += (uint64_t)it->direct;
        }
    }
}

/* Completes (direct: MPC_ERR_CANCELLED) and frees a list from take_items. No lock held. */
static void
cancel_items(struct fault_item *list)
{
    while (list != NULL) {
        struct fault_item *it = list;
        list = it->next;
        if (it->direct) {
            it->done(it->done_arg, it->owner, MPC_ERR_CANCELLED, 0);
        }
        item_free(it);
    }
}

static void
ft_cancel_owner(transport *t, uint64_t owner)
{
    struct fault_transport *ft = (struct fault_transport *)t;
    struct fault_item *list = NULL;
    pthread_mutex_lock(&ft->mu);
    take_items(ft, 0, owner, &list);
    pthread_mutex_unlock(&ft->mu);
    cancel_items(list);
    transport_cancel_owner(ft->inner, owner);
}

/* Items held for their injected latency are in flight: only the inner transport's waiting jobs. */
static void
ft_retry_now(transport *t, uint64_t owner, const char *subject)
{
    transport_retry_now(((struct fault_transport *)t)->inner, owner, subject);
}

static mpc_status
ft_flush(transport *t, uint64_t timeout_ms)
{
    return transport_flush(((struct fault_transport *)t)->inner, timeout_ms);
}

static void
ft_stats(transport *t, transport_stats *out)
{
    transport_get_stats(((struct fault_transport *)t)->inner, out);
}

static void
ft_destroy(transport *t)
{
    struct fault_transport *ft = (struct fault_transport *)t;
    struct fault_item *list = NULL;
    pthread_mutex_lock(&ft->mu);
    ft->stop = 1;
    pthread_cond_signal(&ft->cv);
    pthread_mutex_unlock(&ft->mu);
    pthread_join(ft->thread, NULL);
    take_items(ft, 1, 0, &list);
    cancel_items(list);
    transport_destroy(ft->inner);
    while (ft->subs != NULL) { /* subscriptions never unsubscribed: gone with the inner */
        struct fault_sub *fs = ft->subs;
        ft->subs = fs->next;
        free(fs);
    }
    mpc_timerheap_destroy(ft->timers);
    pthread_cond_destroy(&ft->cv);
    pthread_mutex_destroy(&ft->mu);
    free(ft);
}

static const transport_ops fault_ops = {
    .publish = ft_publish,
    .subscribe_confirmed = ft_subscribe,
    .unsubscribe = ft_unsubscribe,
    .request = ft_request,
    .send_direct = ft_send_direct,
    .cancel_owner = ft_cancel_owner,
    .retry_now = ft_retry_now,
    .flush = ft_flush,
    .stats = ft_stats,
    .destroy = ft_destroy,
};

mpc_status
transport_fault_wrap(transport **inner, const transport_fault_config *cfg, transport **out)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (inner == NULL || *inner == NULL || cfg == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    struct fault_transport *ft = calloc(1, sizeof(*ft));
    if (ft == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (mpc_timerheap_create(&ft->timers) != MPC_OK) {
        free(ft);
        return MPC_ERR_NOMEM;
    }
    ft->base.ops = &fault_ops;
    ft->base.name = "fault";
    ft->cfg = *cfg;
    ft->rng = cfg->seed;
    if (mpc_clock_sync_init(&ft->mu, &ft->cv) != MPC_OK) { /* deadlines are monotonic */
        mpc_timerheap_destroy(ft->timers);
        free(ft);
        return MPC_ERR_INTERNAL;
    }
    if (pthread_create(&ft->thread, NULL, timer_main, ft) != 0) {
        mpc_timerheap_destroy(ft->timers);
        pthread_cond_destroy(&ft->cv);
        pthread_mutex_destroy(&ft->mu);
        free(ft);
        return MPC_ERR_INTERNAL;
    }
    ft->inner = *inner;
    *inner = NULL;
    *out = &ft->base;
    mpc_log(MPC_LOG_WARN, "transport", "fault_injection_on",
            "subject=%s delay_ms=%u jitter_ms=%u drop=%.4f seed=%llu", cfg->subject, cfg->delay_ms,
            cfg->jitter_ms, cfg->drop, (unsigned long long)cfg->seed);
    return MPC_OK;
}

void
transport_fault_get_stats(transport *t, transport_fault_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (t == NULL || t->ops != &fault_ops) {
        return;
    }
    struct fault_transport *ft = (struct fault_transport *)t;
    pthread_mutex_lock(&ft->mu);
    *out = ft->stats;
    pthread_mutex_unlock(&ft->mu);
}

#else /* !MPC_FAULT_INJECTION: release builds carry no fault layer */

typedef int transport_fault_unused; /* keeps the translation unit non-empty */

#endif

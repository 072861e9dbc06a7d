/*
 * nats_transport.c — transport.h over one nats.c connection.
 *
 * DESIGN:
 * - Threads: nats.c's delivery pool runs message callbacks; its own threads
 *   run the connection handlers; the direct sender has its own threads. All
 *   shared state here is the subscription list and connection flags under
 *   t->mu, and atomic counters.
 * - Subscriptions: each has a wrapper (struct nats_sub) that the library
 *   calls back with. Unsubscribe marks it dead and waits until its handler is
 *   not running (unless called from that very handler), then unsubscribes
 *   the natsSubscription. The wrapper itself is freed by the library's
 *   on-complete callback, the documented point after which the message
 *   handler is never invoked again; destroy waits for all of them.
 * - Unsubscribed natsSubscriptions are not destroyed at once: nats.c 3.4.1's
 *   reader thread looks a subscription up and then uses it without holding
 *   a reference (natsConn_processMsg), so if our reference were the last
 *   but one, the delivery thread could free it under the reader (seen
 *   under valgrind). They wait in t->graves until the reader is known to be
 *   past them: a probe round trip (nt_confirm) published after their
 *   unsubscribe came back, or natsConnection_Close joined the reader.
 * - Destroy order: stop the direct sender (cancels jobs, joins threads),
 *   unsubscribe everything (including the inbox), wait for on-complete
 *   callbacks, close the connection (joins the reader) and wait for the
 *   closed callback, destroy the waiting natsSubscriptions, then free.
 *   Nothing the library may still call into is freed before that.
 */
#include "transport/nats_transport.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#include "common/clock.h"
#include "common/log.h"
#include "transport/nats_graves.h"
#include "transport/nats_options.h"
#include "transport/reply_mux.h"
#include "transport/subject.h"

#define NT_DRAIN_WAIT_MS 5000
#define NT_SUB_GROUP_MAX 8 /* subscriptions confirmed together (a session has 3) */

struct nats_transport;

struct nats_sub {
    struct nats_transport *t; /* owner */
    natsSubscription *ns;     /* library subscription (NULL once unsubscribed) */
    transport_msg_fn fn;      /* user handler; NULL for the inbox */
    void *arg;                /* handler argument */
    int dead;                 /* unsubscribed: drop further messages */
    int running;              /* handler calls in progress */
    transport_grave *grave;   /* owned until ns is handed to t->graves */
    struct nats_sub *next;    /* t->subs list (wrappers not yet completed) */
};

struct nats_transport {
    transport base;              /* must be first */
    natsConnection *nc;          /* the connection */
    pthread_mutex_t mu;          /* guards subs, connected, closed, closing */
    pthread_cond_t cv;           /* handler returned, sub completed, (re)connected, closed */
    struct nats_sub *subs;       /* wrappers not yet completed by the library */
    transport_graves graves;     /* unsubscribed, not yet destroyed (see DESIGN) */
    int connected;               /* 1 while connected */
    int closed;                  /* closed callback ran */
    int closing;                 /* destroy closes the connection: not an outage */
    transport_reply_mux *mux;    /* inbox routing */
    transport_direct_sender *ds; /* direct sender */
    struct nats_sub *inbox;      /* "<prefix>.>" */
    uint32_t flush_timeout_ms;   /* subscribe confirmation timeout */
    char name[64];               /* connection name, for logs */
    transport_stats st;          /* counters (atomic) */
};

#define NT_COUNT(t, f) __atomic_fetch_add(&(t)->st.f, 1, __ATOMIC_RELAXED)

/* The subscription whose handler this thread is running (to allow self-unsubscribe). */
static _Thread_local struct nats_sub *nt_current_sub;

/* ---------------------------------------------------------------- connection handlers */

static void
nt_on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    struct nats_transport *t = closure;
    (void)nc;
    (void)sub;
    NT_COUNT(t, async_errors);
    mpc_log(MPC_LOG_WARN, "transport", "nats_async_error", "conn=%s status=%s", t->name,
            natsStatus_GetText(err));
}

static void
nt_set_connected(struct nats_transport *t, int up)
{
    pthread_mutex_lock(&t->mu);
    t->connected = up;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

static void
nt_on_disconnected(natsConnection *nc, void *closure)
{
    struct nats_transport *t = closure;
    (void)nc;
    pthread_mutex_lock(&t->mu);
    int closing = t->closing;
    pthread_mutex_unlock(&t->mu);
    nt_set_connected(t, 0);
    if (!closing) {
        NT_COUNT(t, disconnects);
        mpc_log(MPC_LOG_WARN, "transport", "nats_disconnected", "conn=%s", t->name);
    }
}

static void
nt_on_reconnected(natsConnection *nc, void *closure)
{
    struct nats_transport *t = closure;
    (void)nc;
    NT_COUNT(t, reconnects);
    nt_set_connected(t, 1);
    mpc_log(MPC_LOG_INFO, "transport", "nats_reconnected", "conn=%s", t->name);
}

static void
nt_on_connected(natsConnection *nc, void *closure)
{
    struct nats_transport *t = closure;
    (void)nc;
    nt_set_connected(t, 1);
    mpc_log(MPC_LOG_INFO, "transport", "nats_connected", "conn=%s", t->name);
}

static void
nt_on_closed(natsConnection *nc, void *closure)
{
    struct nats_transport *t = closure;
    (void)nc;
    mpc_log(MPC_LOG_DEBUG, "transport", "nats_closed", "conn=%s", t->name);
    /* Last touch of t: destroy frees it as soon as it sees closed. */
    pthread_mutex_lock(&t->mu);
    t->connected = 0;
    t->closed = 1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* ---------------------------------------------------------------- subscriptions */

static void
nt_on_msg(natsConnection *nc, natsSubscription *ns, natsMsg *msg, void *closure)
{
    struct nats_sub *s = closure;
    struct nats_transport *t = s->t;
    (void)ns;
    pthread_mutex_lock(&t->mu);
    int dead = s->dead;
    if (!dead) {
        s->running++;
    }
    pthread_mutex_unlock(&t->mu);
    if (dead) {
        natsMsg_Destroy(msg);
        return;
    }
    const uint8_t *data = (const uint8_t *)natsMsg_GetData(msg);
    size_t len = (size_t)natsMsg_GetDataLength(msg);
    int no_resp = natsMsg_IsNoResponders(msg);
    nt_current_sub = s;
    if (s->fn == NULL) {
        transport_reply_mux_deliver(t->mux, natsMsg_GetSubject(msg), data, len, no_resp);
    } else if (!no_resp) {
        const char *reply = natsMsg_GetReply(msg);
        transport_msg m = {
            .subject = natsMsg_GetSubject(msg), .data = data, .len = len, .reply = reply};
        NT_COUNT(t, received);
        transport_reply r = s->fn(s->arg, &m);
        const char *bytes = transport_reply_str(r);
        /* ACK/BUSY/GONE go only to a reply inbox (answered through allow_responses) */
        if (transport_subject_is_inbox(reply) && bytes != NULL &&
            natsConnection_Publish(nc, reply, bytes, (int)strlen(bytes)) == NATS_OK) {
            NT_COUNT(t, replies_sent);
        }
    }
    nt_current_sub = NULL;
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&t->mu);
    if (--s->running == 0 && s->dead) {
        pthread_cond_broadcast(&t->cv);
    }
    pthread_mutex_unlock(&t->mu);
}

/* The library will never call s's handler again: forget the wrapper. */
static void
nt_on_complete(void *closure)
{
    struct nats_sub *s = closure;
    struct nats_transport *t = s->t;
    pthread_mutex_lock(&t->mu);
    for (struct nats_sub **pp = &t->subs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    if (s->grave != NULL) { /* closed by the library, not by nt_sub_remove */
        transport_graves_park(&t->graves, s->grave, s->ns);
    }
    free(s);
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

/* Subscribes a new wrapper (not yet confirmed). */
static mpc_status
nt_sub_create(struct nats_transport *t, const char *subject, transport_msg_fn fn, void *arg,
              struct nats_sub **out)
{
    struct nats_sub *s = calloc(1, sizeof *s);
    *out = NULL;
    if (s != NULL) {
        s->grave = transport_grave_new();
    }
    if (s == NULL || s->grave == NULL) {
        free(s);
        return MPC_ERR_NOMEM;
    }
    s->t = t;
    s->fn = fn;
    s->arg = arg;
    natsStatus ns = natsConnection_Subscribe(&s->ns, t->nc, subject, nt_on_msg, s);
    if (ns == NATS_OK) {
        ns = natsSubscription_SetOnCompleteCB(s->ns, nt_on_complete, s);
        if (ns != NATS_OK) { /* should not happen on a fresh async sub; do not leak it */
            natsSubscription_Unsubscribe(s->ns);
            natsSubscription_Destroy(s->ns);
            s->ns = NULL;
        }
    }
    if (ns != NATS_OK) {
        free(s->grave);
        free(s);
        mpc_status st = transport_nats_status(ns);
        return st == MPC_ERR_NATS ? MPC_ERR_SUBSCRIBE : st;
    }
    /* Unlimited pending: the handler only copies into a bounded mailbox (BUSY when full). */
    (void)natsSubscription_SetPendingLimits(s->ns, -1, -1);
    pthread_mutex_lock(&t->mu);
    s->next = t->subs;
    t->subs = s;
    pthread_mutex_unlock(&t->mu);
    *out = s;
    return MPC_OK;
}

/* Stops delivery to s and releases the library subscription. */
static void
nt_sub_remove(struct nats_transport *t, struct nats_sub *s)
{
    pthread_mutex_lock(&t->mu);
    s->dead = 1;
    while (s->running > 0 && nt_current_sub != s) {
        pthread_cond_wait(&t->cv, &t->mu);
    }
    natsSubscription *ns = s->ns;
    transport_grave *g = s->grave;
    s->ns = NULL;
    s->grave = NULL;
    pthread_mutex_unlock(&t->mu);
    if (ns == NULL) {
        return;
    }
    /* on-complete may free s from here on */
    transport_graves_unsubscribe(&t->graves, g, ns);
}

/* Publishes an empty probe to reply (the caller's own inbox): see nt_confirm. */
static mpc_status
nt_publish_probe(void *impl, const char *subject, const char *reply, const uint8_t *data,
                 size_t len)
{
    struct nats_transport *t = impl;
    (void)subject;
    (void)data;
    (void)len;
    return transport_nats_status(natsConnection_Publish(t->nc, reply, NULL, 0));
}

/*
 * Confirms that the server processed everything sent so far on this
 * connection. A flush alone is not enough with nats.c 3.4.1: right after the
 * server is killed, FlushTimeout sometimes returns NATS_OK with the status
 * still CONNECTED and no socket left (measured: 3 in 30). So after the flush
 * a probe message is published to our own inbox and must come back from the
 * server: it was sent after the SUB, so its return proves the SUB was
 * processed (after a reconnect, subscriptions are resent before buffered
 * messages, so the proof holds there too). flush == 0 skips the flush: the
 * probe alone is the proof, one round trip instead of two (a session's
 * subscriptions, issue 12); a dead connection then shows as the probe's
 * timeout instead of the flush's.
 */
static natsStatus
nt_confirm_with(struct nats_transport *t, int64_t timeout_ms, int flush)
{
    uint8_t buf[1];
    size_t len = 0;
    uint64_t deadline = mpc_clock_deadline_ns((uint64_t)timeout_ms);
    /* Unsubscribed before the probe: its return shows the reader is past them. */
    transport_grave *graves = transport_graves_take(&t->graves);
    natsStatus ns = flush ? natsConnection_FlushTimeout(t->nc, timeout_ms) : NATS_OK;
    if (ns != NATS_OK) {
        transport_graves_return(&t->graves, graves);
        return ns;
    }
    uint64_t now = mpc_clock_mono_ns();
    uint64_t left_ms = deadline > now ? (deadline - now) / MPC_NS_PER_MS : 0;
    mpc_status st = transport_reply_mux_request(t->mux, nt_publish_probe, t, "probe", NULL, 0,
                                                left_ms > 0 ? left_ms : 1, buf, sizeof buf, &len);
    if (st == MPC_OK) {
        transport_graves_bury(graves);
        return NATS_OK;
    }
    transport_graves_return(&t->graves, graves);
    return st == MPC_ERR_TIMEOUT ? NATS_TIMEOUT : NATS_CONNECTION_DISCONNECTED;
}

static natsStatus
nt_confirm(struct nats_transport *t, int64_t timeout_ms)
{
    return nt_confirm_with(t, timeout_ms, 1);
}

static mpc_status
nt_subscribe_confirmed(transport *base, const char *subject, transport_msg_fn fn, void *arg,
                       transport_sub **out)
{
    struct nats_transport *t = (struct nats_transport *)base;
    struct nats_sub *s = NULL;
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (fn == NULL || !transport_subject_valid(subject, 1)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = nt_sub_create(t, subject, fn, arg, &s);
    if (st != MPC_OK) {
        return st;
    }
    natsStatus ns = nt_confirm(t, t->flush_timeout_ms);
    if (ns != NATS_OK) {
        nt_sub_remove(t, s);
        st = transport_nats_status(ns);
        mpc_log(MPC_LOG_WARN, "transport", "subscribe_unconfirmed", "conn=%s subject=%s status=%s",
                t->name, subject, natsStatus_GetText(ns));
        return st == MPC_ERR_CLOSED || st == MPC_ERR_NOT_CONNECTED ? st : MPC_ERR_SUBSCRIBE;
    }
    __atomic_fetch_add(&t->st.subscriptions, 1, __ATOMIC_RELAXED);
    *out = (transport_sub *)s;
    return MPC_OK;
}

/* Subscribes every request, then confirms the group with one nt_confirm. */
static mpc_status
nt_subscribe_confirmed_n(transport *base, const transport_sub_req *reqs, size_t n)
{
    struct nats_transport *t = (struct nats_transport *)base;
    struct nats_sub *subs[NT_SUB_GROUP_MAX] = {0};
    if (reqs == NULL || n == 0 || n > NT_SUB_GROUP_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].out == NULL || reqs[i].fn == NULL ||
            !transport_subject_valid(reqs[i].subject, 1)) {
            return MPC_ERR_INVALID_ARG;
        }
        *reqs[i].out = NULL;
    }
    mpc_status st = MPC_OK;
    size_t made = 0;
    while (made < n && st == MPC_OK) {
        st = nt_sub_create(t, reqs[made].subject, reqs[made].fn, reqs[made].arg, &subs[made]);
        made += st == MPC_OK;
    }
    natsStatus ns = NATS_OK;
    if (st == MPC_OK && (ns = nt_confirm_with(t, t->flush_timeout_ms, 0)) != NATS_OK) {
        st = transport_nats_status(ns);
        mpc_log(MPC_LOG_WARN, "transport", "subscribe_unconfirmed", "conn=%s subject=%s status=%s",
                t->name, reqs[0].subject, natsStatus_GetText(ns));
        st = st == MPC_ERR_CLOSED || st == MPC_ERR_NOT_CONNECTED ? st : MPC_ERR_SUBSCRIBE;
    }
    if (st != MPC_OK) {
        for (size_t i = 0; i < made; i++) {
            nt_sub_remove(t, subs[i]);
        }
        return st;
    }
    __atomic_fetch_add(&t->st.subscriptions, (uint64_t)n, __ATOMIC_RELAXED);
    for (size_t i = 0; i < n; i++) {
        *reqs[i].out = (transport_sub *)subs[i];
    }
    return MPC_OK;
}

static void
nt_unsubscribe(transport *base, transport_sub *sub)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (sub == NULL) {
        return;
    }
    nt_sub_remove(t, (struct nats_sub *)sub);
    __atomic_fetch_sub(&t->st.subscriptions, 1, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- traffic */

static mpc_status
nt_publish_request(void *impl, const char *subject, const char *reply, const uint8_t *data,
                   size_t len)
{
    struct nats_transport *t = impl;
    if (len > INT32_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    return transport_nats_status(
        natsConnection_PublishRequest(t->nc, subject, reply, data, (int)len));
}

static mpc_status
nt_publish(transport *base, const char *subject, const uint8_t *data, size_t len)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (!transport_subject_valid(subject, 0) || (data == NULL && len > 0) || len > INT32_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = transport_nats_status(natsConnection_Publish(t->nc, subject, data, (int)len));
    if (st == MPC_OK) {
        NT_COUNT(t, published);
    }
    return st;
}

static mpc_status
nt_request(transport *base, const char *subject, const uint8_t *data, size_t len,
           uint64_t timeout_ms, uint8_t *reply, size_t reply_cap, size_t *reply_len)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (reply_len != NULL) {
        *reply_len = 0;
    }
    if (!transport_subject_valid(subject, 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    return transport_reply_mux_request(t->mux, nt_publish_request, t, subject, data, len,
                                       timeout_ms, reply, reply_cap, reply_len);
}

static mpc_status
nt_send_direct(transport *base, const transport_send *job)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (job == NULL || !transport_subject_valid(job->subject, 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    return transport_direct_sender_submit(t->ds, job);
}

static void
nt_cancel_owner(transport *base, uint64_t owner)
{
    struct nats_transport *t = (struct nats_transport *)base;
    transport_direct_sender_cancel_owner(t->ds, owner);
}

static void
nt_retry_now(transport *base, uint64_t owner, const char *subject)
{
    struct nats_transport *t = (struct nats_transport *)base;
    (void)transport_direct_sender_retry_now(t->ds, owner, subject);
}

static mpc_status
nt_flush(transport *base, uint64_t timeout_ms)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (timeout_ms == 0) {
        timeout_ms = 1;
    }
    return transport_nats_status(nt_confirm(t, (int64_t)timeout_ms));
}

static void
nt_stats(transport *base, transport_stats *out)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (out == NULL) {
        return;
    }
    memset(out, 0, sizeof *out);
#define NT_LOAD(f) out->f = __atomic_load_n(&t->st.f, __ATOMIC_RELAXED)
    NT_LOAD(published);
    NT_LOAD(received);
    NT_LOAD(replies_sent);
    NT_LOAD(disconnects);
    NT_LOAD(reconnects);
    NT_LOAD(async_errors);
    NT_LOAD(subscriptions);
#undef NT_LOAD
    transport_direct_sender_stats(t->ds, out);
}

mpc_status
transport_nats_wait_connected(transport *base, uint64_t timeout_ms)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (t == NULL || base->ops == NULL || strcmp(base->name, "nats") != 0) {
        return MPC_ERR_INVALID_ARG;
    }
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    struct timespec ts = mpc_clock_ns_to_timespec(deadline);
    pthread_mutex_lock(&t->mu);
    while (!t->connected && !t->closed && mpc_clock_mono_ns() < deadline) {
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    mpc_status st = t->connected ? MPC_OK : t->closed ? MPC_ERR_CLOSED : MPC_ERR_TIMEOUT;
    pthread_mutex_unlock(&t->mu);
    return st;
}

int64_t
transport_nats_max_payload(transport *base)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (t == NULL || base->ops == NULL || strcmp(base->name, "nats") != 0) {
        return 0;
    }
    pthread_mutex_lock(&t->mu);
    int64_t max = t->nc != NULL && t->connected ? natsConnection_GetMaxPayload(t->nc) : 0;
    pthread_mutex_unlock(&t->mu);
    return max > 0 ? max : 0;
}

/* ---------------------------------------------------------------- lifecycle */

/* Waits (bounded) until pred holds. Caller holds t->mu. Returns 1 if it does. */
static int
nt_wait_until(struct nats_transport *t, int (*pred)(struct nats_transport *), uint64_t ms)
{
    uint64_t deadline = mpc_clock_deadline_ns(ms);
    struct timespec ts = mpc_clock_ns_to_timespec(deadline);
    while (!pred(t) && mpc_clock_mono_ns() < deadline) {
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    return pred(t);
}

static int
nt_no_subs(struct nats_transport *t)
{
    return t->subs == NULL;
}

static int
nt_is_closed(struct nats_transport *t)
{
    return t->closed;
}

/* Unsubscribes every wrapper still live (user subscriptions and the inbox). */
static void
nt_unsubscribe_all(struct nats_transport *t)
{
    for (;;) {
        struct nats_sub *victim = NULL;
        pthread_mutex_lock(&t->mu);
        for (struct nats_sub *s = t->subs; s != NULL; s = s->next) {
            if (s->ns != NULL) {
                victim = s;
                break;
            }
        }
        pthread_mutex_unlock(&t->mu);
        if (victim == NULL) {
            return;
        }
        if (victim != t->inbox) {
            __atomic_fetch_sub(&t->st.subscriptions, 1, __ATOMIC_RELAXED);
        }
        nt_sub_remove(t, victim);
    }
}

/*
 * Tears down in the order the DESIGN note gives. Returns 1 if every library
 * callback is known to be finished (t may be freed), 0 if one is overdue.
 */
static int
nt_teardown(struct nats_transport *t)
{
    transport_direct_sender_shutdown(t->ds);
    nt_unsubscribe_all(t);
    pthread_mutex_lock(&t->mu);
    int subs_done = nt_wait_until(t, nt_no_subs, NT_DRAIN_WAIT_MS);
    pthread_mutex_unlock(&t->mu);
    if (t->nc != NULL) {
        pthread_mutex_lock(&t->mu);
        t->closing = 1;
        pthread_mutex_unlock(&t->mu);
        natsConnection_Close(t->nc); /* joins the reader thread */
        pthread_mutex_lock(&t->mu);
        int closed = nt_wait_until(t, nt_is_closed, NT_DRAIN_WAIT_MS);
        pthread_mutex_unlock(&t->mu);
        transport_graves_bury(transport_graves_take(&t->graves)); /* the reader is joined */
        natsConnection_Destroy(t->nc);
        t->nc = NULL;
        subs_done = subs_done && closed;
    }
    return subs_done;
}

static void
nt_free(struct nats_transport *t)
{
    transport_direct_sender_destroy(t->ds);
    transport_reply_mux_destroy(t->mux);
    transport_graves_fini(&t->graves);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

static void
nt_destroy(transport *base)
{
    struct nats_transport *t = (struct nats_transport *)base;
    if (!nt_teardown(t)) {
        /* A library callback may still run: leaking is safer than freeing under it. */
        mpc_log(MPC_LOG_ERROR, "transport", "nats_teardown_overdue", "conn=%s", t->name);
        return;
    }
    nt_free(t);
}

static const transport_ops nt_ops = {
    .publish = nt_publish,
    .subscribe_confirmed = nt_subscribe_confirmed,
    .subscribe_confirmed_n = nt_subscribe_confirmed_n,
    .unsubscribe = nt_unsubscribe,
    .request = nt_request,
    .send_direct = nt_send_direct,
    .cancel_owner = nt_cancel_owner,
    .retry_now = nt_retry_now,
    .flush = nt_flush,
    .stats = nt_stats,
    .destroy = nt_destroy,
};

static struct nats_transport *
nt_alloc(const transport_nats_config *cfg)
{
    struct nats_transport *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    if (mpc_clock_sync_init(&t->mu, &t->cv) != MPC_OK) {
        free(t);
        return NULL;
    }
    if (transport_graves_init(&t->graves) != MPC_OK) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        free(t);
        return NULL;
    }
    t->base.ops = &nt_ops;
    t->base.name = "nats";
    t->flush_timeout_ms = cfg->flush_timeout_ms;
    snprintf(t->name, sizeof t->name, "%s", cfg->name != NULL ? cfg->name : "mpc");
    return t;
}

/* Connects t->nc with cfg. */
static mpc_status
nt_connect(struct nats_transport *t, const transport_nats_config *cfg)
{
    natsOptions *o = NULL;
    const transport_nats_handlers h = {
        nt_on_error, nt_on_disconnected, nt_on_reconnected, nt_on_closed, nt_on_connected, t, 1};
    natsStatus ns = nats_SetMessageDeliveryPoolSize((int)cfg->delivery_pool_size);
    if (ns != NATS_OK) {
        return transport_nats_status(ns);
    }
    ns = transport_nats_options_create(cfg, &h, &o);
    if (ns != NATS_OK) {
        mpc_log(MPC_LOG_ERROR, "transport", "nats_options", "conn=%s status=%s error=%s", t->name,
                natsStatus_GetText(ns), nats_GetLastError(NULL));
        return ns == NATS_NO_MEMORY ? MPC_ERR_NOMEM : MPC_ERR_CONFIG;
    }
    ns = natsConnection_Connect(&t->nc, o);
    natsOptions_Destroy(o);
    if (ns == NATS_OK) {
        nt_set_connected(t, 1);
        return MPC_OK;
    }
    if (ns == NATS_NOT_YET_CONNECTED && cfg->retry_on_failed_connect) {
        return MPC_OK; /* connecting in the background; nt_on_connected marks it */
    }
    mpc_log(MPC_LOG_ERROR, "transport", "nats_connect_failed", "conn=%s servers=%s status=%s",
            t->name, cfg->servers, natsStatus_GetText(ns));
    t->nc = NULL;
    return transport_nats_status(ns);
}

/* Creates the mux, the direct sender and the inbox subscription. */
static mpc_status
nt_start_inbox(struct nats_transport *t, const transport_nats_config *cfg)
{
    char wild[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_reply_mux_create(cfg->user, &t->mux);
    if (st != MPC_OK) {
        return st;
    }
    const char *prefix = transport_reply_mux_prefix(t->mux);
    st = transport_direct_sender_create(&cfg->sender, nt_publish_request, t, prefix, &t->ds);
    if (st != MPC_OK) {
        return st;
    }
    transport_reply_mux_set_sender(t->mux, t->ds);
    snprintf(wild, sizeof wild, "%s.>", prefix);
    return nt_sub_create(t, wild, NULL, NULL, &t->inbox);
}

mpc_status
transport_nats_create(const transport_nats_config *user_cfg, transport **out)
{
    transport_nats_config cfg;
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!transport_nats_config_check(user_cfg)) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_nats_config_fill(&cfg, user_cfg);
    struct nats_transport *t = nt_alloc(&cfg);
    if (t == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = nt_connect(t, &cfg);
    if (st == MPC_OK) {
        st = nt_start_inbox(t, &cfg);
    }
    if (st == MPC_OK && !cfg.retry_on_failed_connect) {
        st = transport_nats_status(nt_confirm(t, cfg.flush_timeout_ms)); /* the inbox is live */
    }
    if (st != MPC_OK) {
        if (nt_teardown(t)) {
            nt_free(t);
        }
        return st;
    }
    *out = &t->base;
    return MPC_OK;
}

mpc_status
transport_nats_global_shutdown(uint64_t timeout_ms)
{
    natsStatus s = nats_CloseAndWait((int64_t)timeout_ms);
    return s == NATS_OK ? MPC_OK : MPC_ERR_TIMEOUT;
}

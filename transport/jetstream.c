/*
 * jetstream.c — JetStream connection, streams and the durable pull consumer
 * (transport/jetstream.h). Messages, publishing and the client watcher are in
 * transport/jetstream_msg.c.
 *
 * DESIGN:
 * - Threads: nats.c's own threads run the connection handlers, which only
 *   touch js->mu-guarded flags and atomic counters. Everything else runs on
 *   the caller's thread; nats.c objects (connection, context, subscriptions)
 *   are thread-safe in the library.
 * - Destroy: close the connection (joins the reader thread), wait for the
 *   closed callback (the last library call into js), destroy the parked
 *   subscriptions, the context and the connection, free.
 * - Unbinding a consumer or stopping a watcher unsubscribes at once but
 *   parks the natsSubscription on js->graves until the close: nats.c
 *   3.4.1's reader may still be using it (transport/nats_graves.h).
 * - Idempotent setup: get info first, create if missing; a concurrent
 *   creator ("name already in use") is not an error, the info is read again.
 */
#include "transport/jetstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "transport/jetstream_internal.h"
#include "transport/nats_options.h"
#include "transport/subject.h"

#define TJS_CLOSE_WAIT_MS       5000
#define TJS_API_WAIT_MS         5000
#define TJS_DEF_REQ_AGE_MS      (24ull * 3600 * 1000)
#define TJS_DEF_RES_AGE_MS      (7ull * 24 * 3600 * 1000)
#define TJS_DEF_DUP_WINDOW_MS   (10ull * 60 * 1000)
#define TJS_DEF_RES_MAX_MSGS    1000000
#define TJS_DEF_REQ_MAX_MSGS    100000
#define TJS_DEF_REQ_MAX_BYTES   (256ll << 20)
#define TJS_DEF_ACK_WAIT_MS     30000
#define TJS_DEF_MAX_ACK_PENDING 1000
#define TJS_MS_TO_NS            1000000ll
#define TJS_FETCH_MORE_MS       1 /* wait for the 2nd.. message of a fetch (see tjs_fetch_one) */

mpc_status
transport_js_status(natsStatus s, jsErrCode jerr)
{
    if (jerr == JSConsumerNotFoundErr || jerr == JSStreamNotFoundErr || s == NATS_NOT_FOUND) {
        return MPC_ERR_NOT_FOUND;
    }
    if (jerr == JSNotEnabledErr) {
        return MPC_ERR_NATS;
    }
    return transport_nats_status(s);
}

/* ---------------------------------------------------------------- connection */

static void
tjs_on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    transport_js *js = closure;
    (void)nc;
    (void)sub;
    TJS_COUNT(js, async_errors);
    mpc_log(MPC_LOG_WARN, "transport", "js_async_error", "conn=%s status=%s", js->name,
            natsStatus_GetText(err));
}

static void
tjs_set_connected(transport_js *js, int up)
{
    pthread_mutex_lock(&js->mu);
    js->connected = up;
    pthread_mutex_unlock(&js->mu);
}

static void
tjs_on_disconnected(natsConnection *nc, void *closure)
{
    transport_js *js = closure;
    (void)nc;
    pthread_mutex_lock(&js->mu);
    int closing = js->closing;
    js->connected = 0;
    pthread_mutex_unlock(&js->mu);
    if (!closing) {
        TJS_COUNT(js, disconnects);
        mpc_log(MPC_LOG_WARN, "transport", "js_disconnected", "conn=%s", js->name);
    }
}

static void
tjs_on_reconnected(natsConnection *nc, void *closure)
{
    transport_js *js = closure;
    (void)nc;
    TJS_COUNT(js, reconnects);
    tjs_set_connected(js, 1);
    mpc_log(MPC_LOG_INFO, "transport", "js_reconnected", "conn=%s", js->name);
}

static void
tjs_on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    tjs_set_connected(closure, 1);
}

static void
tjs_on_closed(natsConnection *nc, void *closure)
{
    transport_js *js = closure;
    (void)nc;
    pthread_mutex_lock(&js->mu);
    js->connected = 0;
    js->closed = 1;
    pthread_cond_broadcast(&js->cv);
    pthread_mutex_unlock(&js->mu);
}

static transport_js *
tjs_alloc(const transport_nats_config *c)
{
    transport_js *js = calloc(1, sizeof *js);
    if (js == NULL) {
        return NULL;
    }
    if (mpc_clock_sync_init(&js->mu, &js->cv) != MPC_OK) {
        free(js);
        return NULL;
    }
    if (transport_graves_init(&js->graves) != MPC_OK) {
        pthread_mutex_destroy(&js->mu);
        pthread_cond_destroy(&js->cv);
        free(js);
        return NULL;
    }
    snprintf(js->name, sizeof js->name, "%s-js", c->name != NULL ? c->name : "mpc");
    if (transport_subject_inbox_prefix(js->inbox_root, sizeof js->inbox_root, c->user, NULL) !=
        MPC_OK) {
        snprintf(js->inbox_root, sizeof js->inbox_root, "_INBOX");
    }
    return js;
}

/* Closes the connection and waits for the closed callback. Returns 1 if it ran. */
static int
tjs_close(transport_js *js)
{
    if (js->nc == NULL) {
        return 1;
    }
    pthread_mutex_lock(&js->mu);
    js->closing = 1;
    pthread_mutex_unlock(&js->mu);
    natsConnection_Close(js->nc);
    struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(TJS_CLOSE_WAIT_MS));
    pthread_mutex_lock(&js->mu);
    while (!js->closed) {
        if (pthread_cond_timedwait(&js->cv, &js->mu, &until) != 0) {
            break;
        }
    }
    int closed = js->closed;
    pthread_mutex_unlock(&js->mu);
    return closed;
}

static void
tjs_free(transport_js *js)
{
    transport_graves_fini(&js->graves); /* the reader thread is joined */
    jsCtx_Destroy(js->js);
    natsConnection_Destroy(js->nc);
    pthread_mutex_destroy(&js->mu);
    pthread_cond_destroy(&js->cv);
    free(js);
}

static mpc_status
tjs_connect(transport_js *js, const transport_nats_config *c)
{
    natsOptions *o = NULL;
    const transport_nats_handlers h = {tjs_on_error,
                                       tjs_on_disconnected,
                                       tjs_on_reconnected,
                                       tjs_on_closed,
                                       tjs_on_connected,
                                       js,
                                       0};
    natsStatus s = transport_nats_options_create(c, &h, &o);
    if (s != NATS_OK) {
        return s == NATS_NO_MEMORY ? MPC_ERR_NOMEM : MPC_ERR_CONFIG;
    }
    s = natsConnection_Connect(&js->nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_NOT_YET_CONNECTED && c->retry_on_failed_connect) {
        s = NATS_OK;
    } else if (s == NATS_OK) {
        tjs_set_connected(js, 1);
    }
    if (s != NATS_OK) {
        mpc_log(MPC_LOG_ERROR, "transport", "js_connect_failed", "conn=%s servers=%s status=%s",
                js->name, c->servers, natsStatus_GetText(s));
        js->nc = NULL;
        return transport_nats_status(s);
    }
    s = natsConnection_JetStream(&js->js, js->nc, NULL);
    return transport_nats_status(s);
}

mpc_status
transport_js_connect(const transport_nats_config *user_cfg, transport_js **out)
{
    transport_nats_config c;
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!transport_nats_config_check(user_cfg)) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_nats_config_fill(&c, user_cfg);
    transport_js *js = tjs_alloc(&c);
    if (js == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = tjs_connect(js, &c);
    if (st != MPC_OK) {
        if (tjs_close(js)) {
            tjs_free(js);
        }
        return st;
    }
    *out = js;
    return MPC_OK;
}

void
transport_js_destroy(transport_js *js)
{
    if (js == NULL) {
        return;
    }
    if (!tjs_close(js)) {
        mpc_log(MPC_LOG_ERROR, "transport", "js_close_overdue", "conn=%s", js->name);
        return; /* the closed callback may still touch js: leak rather than free under it */
    }
    tjs_free(js);
}

int
transport_js_is_connected(transport_js *js)
{
    if (js == NULL) {
        return 0;
    }
    pthread_mutex_lock(&js->mu);
    int up = js->connected;
    pthread_mutex_unlock(&js->mu);
    return up;
}

static void
tjs_opts(jsOptions *o, uint64_t timeout_ms)
{
    jsOptions_Init(o);
    o->Wait = (int64_t)(timeout_ms != 0 ? timeout_ms : TJS_API_WAIT_MS);
}

mpc_status
transport_js_ping(transport_js *js, uint64_t timeout_ms)
{
    jsAccountInfo *ai = NULL;
    jsErrCode jerr = 0;
    jsOptions o;
    if (js == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (!transport_js_is_connected(js)) {
        return MPC_ERR_NOT_CONNECTED;
    }
    tjs_opts(&o, timeout_ms);
    natsStatus s = js_GetAccountInfo(&ai, js->js, &o, &jerr);
    jsAccountInfo_Destroy(ai);
    return transport_js_status(s, jerr);
}

void
transport_js_get_stats(transport_js *js, transport_js_stats *out)
{
    if (out == NULL) {
        return;
    }
    memset(out, 0, sizeof *out);
    if (js == NULL) {
        return;
    }
    const uint64_t *src = (const uint64_t *)&js->st;
    uint64_t *dst = (uint64_t *)out;
    for (size_t i = 0; i < sizeof *out / sizeof(uint64_t); i++) {
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
    }
    out->parked_subs = transport_graves_count(&js->graves);
}

/* ---------------------------------------------------------------- streams */

void
transport_js_streams_config_default(transport_js_streams_config *c)
{
    if (c != NULL) {
        memset(c, 0, sizeof *c);
    }
}

static uint64_t
tjs_or(uint64_t v, uint64_t def)
{
    return v != 0 ? v : def;
}

/* Replica placement refusals of the server: too few servers, clustering off, no peers. */
static int
tjs_replica_refusal(jsErrCode jerr)
{
    return jerr == JSStreamReplicasNotSupportedErr || jerr == JSClusterNoPeersErr ||
           jerr == JSInsufficientResourcesErr || jerr == JSClusterRequiredErr;
}

/* Checks an existing stream against what this node would create: retention, replicas. */
static mpc_status
tjs_check_stream(const jsStreamConfig *have, const jsStreamConfig *want)
{
    if (have->Retention != want->Retention) {
        mpc_log(MPC_LOG_ERROR, "transport", "js_stream_mismatch",
                "stream=%s reason=retention_policy", want->Name);
        return MPC_ERR_CONFIG;
    }
    if (have->Replicas != want->Replicas) {
        /* Nodes may not update streams: an operator changes replicas (OPERATIONS.md). */
        mpc_log(MPC_LOG_ERROR, "transport", "js_stream_mismatch",
                "stream=%s reason=replicas have=%lld want=%lld", want->Name,
                (long long)have->Replicas, (long long)want->Replicas);
        return MPC_ERR_JS_REPLICAS;
    }
    return MPC_OK;
}

#ifdef MPC_FAULT_INJECTION
/* Test builds only: MPC_TEST_JS_API_TIMEOUTS=N makes the first N stream or
 * consumer setup calls of this process time out (nothing asked), as on a
 * loaded server. */
static int
tjs_fault_api_timeout(const char *what)
{
    static int left = -1; /* -1: not read yet; setup runs on one thread */
    if (left == -1) {
        const char *v = getenv("MPC_TEST_JS_API_TIMEOUTS");
        left = v != NULL && atoi(v) > 0 ? atoi(v) : 0;
    }
    if (left == 0) {
        return 0;
    }
    left--;
    mpc_log(MPC_LOG_WARN, "transport", "js_api_fault_timeout", "call=%s left=%d", what, left);
    return 1;
}
#define TJS_FAULT_TIMEOUT(what)                                                                    \
    do {                                                                                           \
        if (tjs_fault_api_timeout(what)) {                                                         \
            return MPC_ERR_TIMEOUT;                                                                \
        }                                                                                          \
    } while (0)
#else
#define TJS_FAULT_TIMEOUT(what) ((void)0)
#endif

/* Gets or creates one stream; checks the retention and replicas of an existing one. */
static mpc_status
tjs_ensure_stream(transport_js *js, jsStreamConfig *sc)
{
    TJS_FAULT_TIMEOUT(sc->Name);
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    jsOptions o;
    tjs_opts(&o, 0);
    natsStatus s = js_GetStreamInfo(&si, js->js, sc->Name, &o, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
        jerr = 0;
        s = js_AddStream(&si, js->js, sc, &o, &jerr);
        if (jerr == JSStreamNameExistErr) { /* another node won the race */
            jerr = 0;
            s = js_GetStreamInfo(&si, js->js, sc->Name, &o, &jerr);
        } else if (s == NATS_OK) {
            mpc_log(MPC_LOG_INFO, "transport", "js_stream_created", "stream=%s replicas=%lld",
                    sc->Name, (long long)sc->Replicas);
        }
    }
    mpc_status st = transport_js_status(s, jerr);
    if (st != MPC_OK && tjs_replica_refusal(jerr)) {
        mpc_log(MPC_LOG_ERROR, "transport", "js_replicas_refused",
                "stream=%s replicas=%lld jerr=%d", sc->Name, (long long)sc->Replicas, (int)jerr);
        st = MPC_ERR_JS_REPLICAS;
    } else if (st == MPC_OK && si != NULL && si->Config != NULL) {
        st = tjs_check_stream(si->Config, sc);
    } else if (st != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "transport", "js_stream_failed", "stream=%s status=%s jerr=%d",
                sc->Name, natsStatus_GetText(s), (int)jerr);
    }
    jsStreamInfo_Destroy(si);
    return st;
}

mpc_status
transport_js_ensure_streams(transport_js *js, const transport_js_streams_config *cfg)
{
    transport_js_streams_config c;
    jsStreamConfig req, res;
    const char *req_subj[] = {TRANSPORT_JS_REQ_SUBJECTS};
    const char *res_subj[] = {TRANSPORT_JS_RES_SUBJECTS};
    if (js == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_js_streams_config_default(&c);
    if (cfg != NULL) {
        c = *cfg;
    }
    int64_t dup_ns = (int64_t)tjs_or(c.dup_window_ms, TJS_DEF_DUP_WINDOW_MS) * TJS_MS_TO_NS;
    jsStorageType storage = c.memory_storage ? js_MemoryStorage : js_FileStorage;
    jsStreamConfig_Init(&req);
    req.Name = TRANSPORT_JS_REQ_STREAM;
    req.Subjects = req_subj;
    req.SubjectsLen = 1;
    req.Retention = js_InterestPolicy;
    req.Storage = storage;
    req.MaxAge = (int64_t)tjs_or(c.req_max_age_ms, TJS_DEF_REQ_AGE_MS) * TJS_MS_TO_NS;
    req.Duplicates = dup_ns;
    req.Replicas = (int64_t)tjs_or(c.replicas, 1);
    /* Bounded: a flood fills MPC_REQ to its limits and the server refuses new
     * requests (DiscardNew) instead of dropping waiting ones or growing without end. */
    req.MaxMsgs = c.req_max_msgs != 0 ? c.req_max_msgs : TJS_DEF_REQ_MAX_MSGS;
    req.MaxBytes = c.req_max_bytes != 0 ? c.req_max_bytes : TJS_DEF_REQ_MAX_BYTES;
    req.MaxMsgSize = c.req_max_msg_size != 0 ? c.req_max_msg_size : -1;
    req.Discard = js_DiscardNew;
    jsStreamConfig_Init(&res);
    res.Name = TRANSPORT_JS_RES_STREAM;
    res.Subjects = res_subj;
    res.SubjectsLen = 1;
    res.Retention = js_LimitsPolicy;
    res.Storage = storage;
    res.MaxAge = (int64_t)tjs_or(c.res_max_age_ms, TJS_DEF_RES_AGE_MS) * TJS_MS_TO_NS;
    res.MaxMsgs = c.res_max_msgs != 0 ? c.res_max_msgs : TJS_DEF_RES_MAX_MSGS;
    res.Duplicates = dup_ns;
    res.Replicas = req.Replicas;
    mpc_status st = tjs_ensure_stream(js, &req);
    if (st == MPC_OK) {
        st = tjs_ensure_stream(js, &res);
    }
    return st;
}

/* ---------------------------------------------------------------- consumer */

/* Gets or creates the durable; Out: *ack_wait_ms the server's AckWait. */
static mpc_status
tjs_ensure_consumer(transport_js *js, const transport_js_consumer_config *cfg, const char *durable,
                    uint64_t *ack_wait_ms)
{
    TJS_FAULT_TIMEOUT(durable);
    jsConsumerInfo *ci = NULL;
    jsConsumerConfig cc;
    jsErrCode jerr = 0;
    jsOptions o;
    tjs_opts(&o, 0);
    natsStatus s = js_GetConsumerInfo(&ci, js->js, TRANSPORT_JS_REQ_STREAM, durable, &o, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) {
        jsConsumerConfig_Init(&cc);
        cc.Durable = durable;
        cc.AckPolicy = js_AckExplicit;
        cc.DeliverPolicy = js_DeliverAll;
        cc.FilterSubject = TRANSPORT_JS_REQ_SUBJECTS;
        cc.AckWait = (int64_t)tjs_or(cfg->ack_wait_ms, TJS_DEF_ACK_WAIT_MS) * TJS_MS_TO_NS;
        cc.MaxDeliver = cfg->max_deliver != 0 ? cfg->max_deliver : -1;
        cc.MaxAckPending =
            cfg->max_ack_pending != 0 ? cfg->max_ack_pending : TJS_DEF_MAX_ACK_PENDING;
        jerr = 0;
        s = js_AddConsumer(&ci, js->js, TRANSPORT_JS_REQ_STREAM, &cc, &o, &jerr);
        if (jerr == JSConsumerNameExistErr || jerr == JSConsumerExistingActiveErr) {
            jerr = 0;
            s = js_GetConsumerInfo(&ci, js->js, TRANSPORT_JS_REQ_STREAM, durable, &o, &jerr);
        } else if (s == NATS_OK) {
            mpc_log(MPC_LOG_INFO, "transport", "js_consumer_created", "consumer=%s", durable);
        }
    }
    mpc_status st = transport_js_status(s, jerr);
    if (st == MPC_OK && ci != NULL && ci->Config != NULL) {
        *ack_wait_ms = (uint64_t)(ci->Config->AckWait / TJS_MS_TO_NS);
    }
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "transport", "js_consumer_failed", "consumer=%s status=%s jerr=%d",
                durable, natsStatus_GetText(s), (int)jerr);
    }
    jsConsumerInfo_Destroy(ci);
    return st;
}

mpc_status
transport_js_consumer_bind(transport_js *js, const transport_js_consumer_config *cfg,
                           transport_js_consumer **out)
{
    jsErrCode jerr = 0;
    jsOptions o;
    jsSubOptions so;
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (js == NULL || cfg == NULL || !transport_subject_token_ok(cfg->node_id)) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_js_consumer *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return MPC_ERR_NOMEM;
    }
    c->js = js;
    c->grave = transport_grave_new();
    if (c->grave == NULL) {
        free(c);
        return MPC_ERR_NOMEM;
    }
    snprintf(c->durable, sizeof c->durable, "node_%s", cfg->node_id);
    mpc_status st = tjs_ensure_consumer(js, cfg, c->durable, &c->ack_wait_ms);
    if (st != MPC_OK) {
        free(c->grave);
        free(c);
        return st;
    }
    tjs_opts(&o, 0);
    jsSubOptions_Init(&so);
    so.Stream = TRANSPORT_JS_REQ_STREAM;
    so.Consumer = c->durable;
    natsStatus s =
        js_PullSubscribe(&c->sub, js->js, TRANSPORT_JS_REQ_SUBJECTS, c->durable, &o, &so, &jerr);
    st = transport_js_status(s, jerr);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "transport", "js_bind_failed", "consumer=%s status=%s jerr=%d",
                c->durable, natsStatus_GetText(s), (int)jerr);
        free(c->grave);
        free(c);
        return st;
    }
    *out = c;
    return MPC_OK;
}

uint64_t
transport_js_consumer_ack_wait_ms(const transport_js_consumer *c)
{
    return c != NULL ? c->ack_wait_ms : 0;
}

void
transport_js_consumer_destroy(transport_js_consumer *c)
{
    if (c == NULL) {
        return;
    }
    /* Bound to a durable created with js_AddConsumer: unsubscribing keeps the durable. */
    transport_graves_unsubscribe(&c->js->graves, c->grave, c->sub);
    free(c);
}

/*
 * Fetches at most one message (waiting up to timeout_ms) into msgs[*n].
 * nats.c 3.4.1's Fetch overruns its own message array when messages of an
 * earlier pull already wait in the subscription and fewer than the batch
 * arrive (it re-bases the batch on what it holds; fixed upstream in nats.c
 * 3.10, PR #749; seen as an ASan report in test_flow_flood). A batch of one
 * never takes that path: its loop ends at one message.
 * Returns: MPC_OK (one message or none, see *got), or the fetch status.
 */
static mpc_status
tjs_fetch_one(transport_js_consumer *c, transport_js_msg **msgs, size_t *n, uint64_t timeout_ms,
              int *got)
{
    natsMsgList list = {0};
    jsErrCode jerr = 0;
    *got = 0;
    natsStatus s = natsSubscription_Fetch(&list, c->sub, 1, (int64_t)timeout_ms, &jerr);
    if (s != NATS_OK) {
        if (s == NATS_TIMEOUT) {
            TJS_COUNT(c->js, empty_pulls);
        }
        natsMsgList_Destroy(&list);
        return transport_js_status(s, jerr);
    }
    mpc_status st = MPC_OK;
    for (int i = 0; i < list.Count && i < 1; i++) {
        natsMsg *m = list.Msgs[i];
        list.Msgs[i] = NULL;
        transport_js_msg *w = transport_js_msg_wrap(c->js, m);
        if (w == NULL) {
            st = MPC_ERR_NOMEM; /* unwrapped messages are redelivered after AckWait */
            continue;
        }
        msgs[(*n)++] = w;
        *got = 1;
        TJS_COUNT(c->js, fetched);
    }
    natsMsgList_Destroy(&list);
    if (!*got && st == MPC_OK) {
        TJS_COUNT(c->js, empty_pulls);
    }
    return st;
}

mpc_status
transport_js_fetch(transport_js_consumer *c, transport_js_msg **msgs, size_t cap, size_t *n,
                   uint64_t timeout_ms)
{
    if (n != NULL) {
        *n = 0;
    }
    if (c == NULL || msgs == NULL || n == NULL || cap == 0 || cap > 256) {
        return MPC_ERR_INVALID_ARG;
    }
    if (timeout_ms == 0) {
        timeout_ms = 1;
    }
    /* One at a time (see tjs_fetch_one): the first waits, the rest take what is at hand. */
    int got = 0;
    mpc_status st = tjs_fetch_one(c, msgs, n, timeout_ms, &got);
    while (st == MPC_OK && got && *n < cap) {
        st = tjs_fetch_one(c, msgs, n, TJS_FETCH_MORE_MS, &got);
    }
    if (*n > 0) {
        return MPC_OK;
    }
    return st != MPC_OK ? st : MPC_ERR_TIMEOUT;
}

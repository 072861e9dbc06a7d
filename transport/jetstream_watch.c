/*
 * jetstream_watch.c — the client's results watcher (transport_js_results_*):
 * an ephemeral push consumer on MPC_RES that this file creates, checks and
 * recreates itself, every step in the thread that reads the watcher.
 *
 * Why not nats.c's ordered consumer: in libnats 3.4.1 its reset (a missed
 * heartbeat or a gap, e.g. when the client's nats-server is cut off) runs on
 * a library thread that frees the consumer name which
 * natsSubscription_Unsubscribe may be reading to delete the consumer: an
 * ASan use-after-free in mpc-cli (docs/DESIGN.md §10). Nothing here runs on
 * a library thread, so there is no such race.
 *
 * The same contract as an ordered consumer: every copy stored for the filter,
 * in stream order, each once. The watcher remembers the stream sequence after
 * the last copy it returned (next_sseq) and the consumer sequence it expects
 * (next_dseq). It recreates the consumer (new inbox, start at next_sseq) when
 *   - a copy arrives out of consumer order (one was dropped on the way),
 *   - an idle heartbeat reports more deliveries than arrived,
 *   - nothing (no copy, no heartbeat) arrived for TJW_SILENT_MS (the consumer
 *     is gone: its server was cut off or restarted), or the library reports
 *     a slow consumer (messages dropped).
 * A consumer that could not be created yet (no JetStream meta leader during
 * an election: timeout, no responders, not connected) is created again by
 * the next read, bounded by that read's timeout. Old consumers are deleted;
 * one the delete did not reach is removed by the server after
 * TJW_INACTIVE_MS without interest (its inbox is unsubscribed).
 *
 * THREAD SAFETY: a watcher belongs to one thread (transport/jetstream.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/secmem.h"
#include "transport/jetstream.h"
#include "transport/jetstream_internal.h"
#include "transport/nats_options.h"
#include "transport/subject.h"

#define TJW_HB_MS       1000u  /* idle heartbeat the server sends while nothing flows */
#define TJW_SILENT_MS   5000u  /* nothing at all this long: the consumer is gone */
#define TJW_INACTIVE_MS 30000u /* the server deletes an orphaned consumer after this */
#define TJW_API_WAIT_MS 2000u  /* wait of one create / delete consumer request */
#define TJW_SLICE_MS    250u   /* one wait for a message; silence is checked between */
#define TJW_NS          1000000ll

struct transport_js_results {
    transport_js *js;       /* owner (borrowed) */
    natsSubscription *sub;  /* core subscription on inbox; NULL while none */
    transport_grave *grave; /* owned while sub is set; parks sub when replaced */
    char filter[TRANSPORT_SUBJECT_MAX];
    char inbox[TRANSPORT_SUBJECT_MAX];
    char consumer[64];  /* the current consumer's name, "" while none */
    uint64_t next_sseq; /* stream sequence after the last copy returned (0: from the start) */
    uint64_t next_dseq; /* consumer sequence of the next copy expected */
    uint64_t seen_ms;   /* last copy or heartbeat (or the consumer's creation) */
    int reset;          /* recreate the consumer before reading on */
};

/* Statuses after which creating the consumer again may succeed. */
static int
tjw_again(mpc_status st)
{
    return st == MPC_ERR_TIMEOUT || st == MPC_ERR_NO_RESPONDERS || st == MPC_ERR_NOT_CONNECTED;
}

/* Unsubscribes the inbox (parked: the reader may still hold it) and deletes the consumer. */
static void
tjw_drop(transport_js_results *w)
{
    if (w->sub != NULL) {
        transport_graves_unsubscribe(&w->js->graves, w->grave, w->sub);
        w->sub = NULL;
        w->grave = NULL;
    }
    if (w->consumer[0] != '\0') {
        jsOptions o;
        jsErrCode jerr = 0;
        jsOptions_Init(&o);
        o.Wait = TJW_API_WAIT_MS;
        /* best effort: a consumer left behind lost its interest and expires on the server */
        (void)js_DeleteConsumer(w->js->js, TRANSPORT_JS_RES_STREAM, w->consumer, &o, &jerr);
        w->consumer[0] = '\0';
    }
}

/* A fresh inbox below the connection's own inbox root, subscribed. */
static mpc_status
tjw_subscribe(transport_js_results *w)
{
    uint8_t rnd[8];
    char hex[2 * sizeof rnd + 2];
    hex[0] = 'w';
    mpc_status st = mpc_random_bytes(rnd, sizeof rnd);
    if (st == MPC_OK) {
        st = mpc_hex_encode(hex + 1, sizeof hex - 1, rnd, sizeof rnd);
    }
    if (st != MPC_OK) {
        return st;
    }
    int n = snprintf(w->inbox, sizeof w->inbox, "%s.%s", w->js->inbox_root, hex);
    if (n < 0 || (size_t)n >= sizeof w->inbox) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    w->grave = transport_grave_new();
    if (w->grave == NULL) {
        return MPC_ERR_NOMEM;
    }
    natsStatus s = natsConnection_SubscribeSync(&w->sub, w->js->nc, w->inbox);
    if (s != NATS_OK) {
        free(w->grave);
        w->grave = NULL;
        w->sub = NULL;
        return transport_nats_status(s);
    }
    return MPC_OK;
}

/* Creates the consumer that pushes the filter's copies from next_sseq to the inbox. */
static mpc_status
tjw_create(transport_js_results *w)
{
    jsConsumerConfig cc;
    jsConsumerInfo *ci = NULL;
    jsOptions o;
    jsErrCode jerr = 0;
    jsConsumerConfig_Init(&cc);
    cc.DeliverSubject = w->inbox;
    cc.FilterSubject = w->filter;
    cc.AckPolicy = js_AckNone;
    cc.DeliverPolicy = w->next_sseq > 0 ? js_DeliverByStartSequence : js_DeliverAll;
    cc.OptStartSeq = w->next_sseq;
    cc.Heartbeat = TJW_HB_MS * TJW_NS;
    cc.InactiveThreshold = TJW_INACTIVE_MS * TJW_NS;
    cc.MemoryStorage = true;
    cc.Replicas = 1;
    jsOptions_Init(&o);
    o.Wait = TJW_API_WAIT_MS;
    natsStatus s = js_AddConsumer(&ci, w->js->js, TRANSPORT_JS_RES_STREAM, &cc, &o, &jerr);
    /* During an election or a partition the API answers "temporarily
     * unavailable" / "not leader" / "stream offline": transient (tjw_again),
     * not an end of the watch (a bench stopped on it in test_ha_reduced). */
    mpc_status st = transport_js_publish_status(s, jerr);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "transport", "js_watch_create_failed", "status=%s js_err=%d",
                mpc_status_name(st), (int)jerr);
    }
    if (st == MPC_OK) {
        if (ci == NULL || ci->Name == NULL || strlen(ci->Name) >= sizeof w->consumer) {
            st = MPC_ERR_NATS;
        } else {
            memcpy(w->consumer, ci->Name, strlen(ci->Name) + 1);
        }
    }
    jsConsumerInfo_Destroy(ci);
    return st;
}

/* Replaces inbox and consumer (start at next_sseq). On failure none is left; reset stays set. */
static mpc_status
tjw_recreate(transport_js_results *w)
{
    tjw_drop(w);
    mpc_status st = tjw_subscribe(w);
    if (st == MPC_OK) {
        st = tjw_create(w);
    }
    if (st != MPC_OK) {
        tjw_drop(w);
        return st;
    }
    w->next_dseq = 1;
    w->seen_ms = mpc_clock_mono_ms();
    w->reset = 0;
    return MPC_OK;
}

mpc_status
transport_js_results_watch(transport_js *js, const char *client_id, const char *request_id,
                           transport_js_results **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (js == NULL || client_id == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_js_results *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return MPC_ERR_NOMEM;
    }
    w->js = js;
    /* every node's copy; request_id NULL: every request of the client */
    if (transport_subject_pattern(w->filter, sizeof w->filter, TRANSPORT_SUBJ_RESULT, client_id,
                                  request_id, TRANSPORT_SUBJECT_ANY) != MPC_OK) {
        free(w);
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = tjw_recreate(w);
    if (st != MPC_OK && !tjw_again(st)) {
        free(w);
        return st;
    }
    w->reset = st != MPC_OK; /* no meta leader yet: the first read creates it */
    *out = w;
    return MPC_OK;
}

/* Heartbeat or other control message: 1 if it shows copies that never arrived. */
static int
tjw_control_gap(const transport_js_results *w, natsMsg *m)
{
    const char *v = NULL;
    if (natsMsgHeader_Get(m, "Nats-Last-Consumer", &v) != NATS_OK || v == NULL) {
        return 0;
    }
    char *end = NULL;
    unsigned long long last = strtoull(v, &end, 10);
    return end != v && *end == '\0' && last + 1 > w->next_dseq;
}

/*
 * Checks one message of the inbox. Returns 1 if it is the next copy (m kept,
 * sequences advanced), else 0 (m destroyed; w->reset set on a gap).
 */
static int
tjw_accept(transport_js_results *w, natsMsg *m)
{
    const char *reply = natsMsg_GetReply(m);
    w->seen_ms = mpc_clock_mono_ms();
    if (reply == NULL || reply[0] == '\0') {
        w->reset = tjw_control_gap(w, m);
        natsMsg_Destroy(m);
        return 0;
    }
    jsMsgMetaData *meta = NULL;
    if (natsMsg_GetMetaData(&meta, m) != NATS_OK || meta == NULL) {
        natsMsg_Destroy(m);
        return 0; /* not a JetStream delivery: nothing of ours */
    }
    uint64_t dseq = meta->Sequence.Consumer, sseq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    if (dseq != w->next_dseq || sseq < w->next_sseq) {
        w->reset = 1; /* one was dropped on the way (or repeated): start again after the last */
        natsMsg_Destroy(m);
        return 0;
    }
    w->next_dseq++;
    w->next_sseq = sseq + 1;
    return 1;
}

/* Pauses ms (a read that cannot go on before the consumer exists again). */
static void
tjw_pause(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

mpc_status
transport_js_results_next(transport_js_results *w, transport_js_msg **msg, uint64_t timeout_ms)
{
    if (msg != NULL) {
        *msg = NULL;
    }
    if (w == NULL || msg == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint64_t end = mpc_clock_mono_ms() + (timeout_ms ? timeout_ms : 1);
    for (;;) {
        uint64_t now = mpc_clock_mono_ms();
        if (w->reset || w->sub == NULL) {
            TJS_COUNT(w->js, watch_resets);
            mpc_status st = tjw_recreate(w);
            if (st != MPC_OK && !tjw_again(st)) {
                return st;
            }
            now = mpc_clock_mono_ms();
            if (st != MPC_OK) {
                w->reset = 1;
                if (now >= end) {
                    return MPC_ERR_TIMEOUT;
                }
                tjw_pause(end - now < TJW_SLICE_MS ? end - now : TJW_SLICE_MS);
                continue;
            }
        }
        if (now >= end) {
            return MPC_ERR_TIMEOUT;
        }
        natsMsg *m = NULL;
        uint64_t slice = end - now < TJW_SLICE_MS ? end - now : TJW_SLICE_MS;
        natsStatus s = natsSubscription_NextMsg(&m, w->sub, (int64_t)slice);
        if (s == NATS_OK && tjw_accept(w, m)) {
            *msg = transport_js_msg_wrap(w->js, m);
            if (*msg == NULL) {
                return MPC_ERR_NOMEM;
            }
            (*msg)->finished = 1; /* AckNone: nothing to acknowledge */
            return MPC_OK;
        }
        if (s == NATS_SLOW_CONSUMER) {
            w->reset = 1; /* the library dropped messages */
        } else if (s == NATS_TIMEOUT) {
            w->reset = mpc_clock_mono_ms() - w->seen_ms >= TJW_SILENT_MS;
        } else if (s != NATS_OK) {
            return transport_nats_status(s);
        }
    }
}

void
transport_js_results_destroy(transport_js_results *w)
{
    if (w == NULL) {
        return;
    }
    tjw_drop(w);
    free(w);
}

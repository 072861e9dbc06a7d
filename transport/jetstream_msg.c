/*
 * jetstream_msg.c — JetStream messages (metadata, acknowledgements), publish
 * with Nats-Msg-Id and headers, result subjects and the client's result
 * watcher (transport/jetstream.h).
 *
 * DESIGN: a transport_js_msg owns its natsMsg. Ack and Term are final and
 * remembered (finished) so a second final ack is refused instead of being
 * sent; the caller serialises calls on one message.
 */
#include "transport/jetstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "transport/jetstream_internal.h"
#include "transport/nats_options.h"
#include "transport/subject.h"

transport_js_msg *
transport_js_msg_wrap(transport_js *js, natsMsg *m)
{
    jsMsgMetaData *meta = NULL;
    transport_js_msg *w = calloc(1, sizeof *w);
    if (w == NULL) {
        natsMsg_Destroy(m);
        return NULL;
    }
    w->js = js;
    w->m = m;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK && meta != NULL) {
        w->deliveries = meta->NumDelivered;
        w->stream_seq = meta->Sequence.Stream;
    }
    jsMsgMetaData_Destroy(meta);
    return w;
}

const char *
transport_js_msg_subject(const transport_js_msg *m)
{
    return m != NULL ? natsMsg_GetSubject(m->m) : NULL;
}

const uint8_t *
transport_js_msg_data(const transport_js_msg *m, size_t *len)
{
    if (len != NULL) {
        *len = 0;
    }
    if (m == NULL) {
        return NULL;
    }
    if (len != NULL) {
        *len = (size_t)natsMsg_GetDataLength(m->m);
    }
    return (const uint8_t *)natsMsg_GetData(m->m);
}

mpc_status
transport_js_msg_header(const transport_js_msg *m, const char *name, char *buf, size_t cap)
{
    const char *v = NULL;
    if (buf != NULL && cap > 0) {
        buf[0] = '\0';
    }
    if (m == NULL || name == NULL || buf == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    natsStatus s = natsMsgHeader_Get(m->m, name, &v);
    if (s == NATS_NOT_FOUND || (s == NATS_OK && v == NULL)) {
        return MPC_ERR_NOT_FOUND;
    }
    if (s != NATS_OK) {
        return transport_nats_status(s);
    }
    size_t n = strlen(v);
    if (n >= cap) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(buf, v, n + 1);
    return MPC_OK;
}

uint64_t
transport_js_msg_delivery_count(const transport_js_msg *m)
{
    return m != NULL ? m->deliveries : 0;
}

uint64_t
transport_js_msg_stream_seq(const transport_js_msg *m)
{
    return m != NULL ? m->stream_seq : 0;
}

mpc_status
transport_js_msg_ack(transport_js_msg *m, uint64_t timeout_ms)
{
    jsOptions o;
    jsErrCode jerr = 0;
    if (m == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (m->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    jsOptions_Init(&o);
    o.Wait = (int64_t)(timeout_ms != 0 ? timeout_ms : 5000);
    natsStatus s = natsMsg_AckSync(m->m, &o, &jerr);
    if (s == NATS_OK) {
        m->finished = 1;
        TJS_COUNT(m->js, acks);
    }
    return transport_js_status(s, jerr);
}

mpc_status
transport_js_msg_nak(transport_js_msg *m, uint64_t delay_ms)
{
    if (m == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (m->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    natsStatus s = natsMsg_NakWithDelay(m->m, (int64_t)delay_ms, NULL);
    if (s == NATS_OK) {
        m->finished = 1;
        TJS_COUNT(m->js, naks);
    }
    return transport_nats_status(s);
}

mpc_status
transport_js_msg_term(transport_js_msg *m)
{
    if (m == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (m->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    natsStatus s = natsMsg_Term(m->m, NULL);
    if (s == NATS_OK) {
        m->finished = 1;
        TJS_COUNT(m->js, terms);
    }
    return transport_nats_status(s);
}

mpc_status
transport_js_msg_in_progress(transport_js_msg *m)
{
    if (m == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (m->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    natsStatus s = natsMsg_InProgress(m->m, NULL);
    if (s == NATS_OK) {
        TJS_COUNT(m->js, in_progress);
    }
    return transport_nats_status(s);
}

void
transport_js_msg_destroy(transport_js_msg *m)
{
    if (m == NULL) {
        return;
    }
    natsMsg_Destroy(m->m);
    free(m);
}

/* ---------------------------------------------------------------- publish */

static natsStatus
tjs_headers(natsMsg *msg, const char *msg_id, const transport_js_header *hdrs, size_t n)
{
    natsStatus s = NATS_OK;
    if (msg_id != NULL) {
        s = natsMsgHeader_Set(msg, TRANSPORT_JS_HDR_MSG_ID, msg_id);
    }
    for (size_t i = 0; s == NATS_OK && i < n; i++) {
        if (hdrs[i].name == NULL || hdrs[i].value == NULL) {
            return NATS_INVALID_ARG;
        }
        s = natsMsgHeader_Set(msg, hdrs[i].name, hdrs[i].value);
    }
    return s;
}

mpc_status
transport_js_publish_status(natsStatus s, jsErrCode jerr)
{
    if (s == NATS_NO_RESPONDERS || jerr == JSClusterNotAvailErr || jerr == JSClusterNotLeaderErr ||
        jerr == JSStreamOfflineErr) {
        return MPC_ERR_NO_RESPONDERS;
    }
    return transport_js_status(s, jerr);
}

mpc_status
transport_js_publish(transport_js *js, const char *subject, const uint8_t *data, size_t len,
                     const char *msg_id, const transport_js_header *hdrs, size_t n_hdrs,
                     uint64_t timeout_ms, transport_js_pub_ack *ack)
{
    natsMsg *msg = NULL;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 0;
    jsPubOptions o;
    if (ack != NULL) {
        memset(ack, 0, sizeof *ack);
    }
    if (js == NULL || subject == NULL || (data == NULL && len > 0) ||
        (hdrs == NULL && n_hdrs > 0) || len > INT32_MAX ||
        (msg_id != NULL && (msg_id[0] == '\0' || strlen(msg_id) > TRANSPORT_JS_MSG_ID_MAX))) {
        return MPC_ERR_INVALID_ARG;
    }
    natsStatus s = natsMsg_Create(&msg, subject, NULL, (const char *)data, (int)len);
    if (s == NATS_OK) {
        s = tjs_headers(msg, msg_id, hdrs, n_hdrs);
    }
    if (s == NATS_OK) {
        jsPubOptions_Init(&o);
        o.MaxWait = (int64_t)(timeout_ms != 0 ? timeout_ms : 5000);
        s = js_PublishMsg(&pa, js->js, msg, &o, &jerr);
    }
    mpc_status st = transport_js_publish_status(s, jerr);
    if (st == MPC_ERR_NATS && jerr != 0) { /* say which JetStream error (not transient) */
        mpc_log(MPC_LOG_WARN, "transport", "js_publish_refused", "subject=%s js_err=%d", subject,
                (int)jerr);
    }
    if (st == MPC_OK && pa != NULL) {
        TJS_COUNT(js, published);
        if (pa->Duplicate) {
            TJS_COUNT(js, publish_dups);
        }
        if (ack != NULL) {
            ack->seq = pa->Sequence;
            ack->duplicate = pa->Duplicate ? 1 : 0;
        }
    } else if (st != MPC_OK) {
        TJS_COUNT(js, publish_fails);
    }
    jsPubAck_Destroy(pa);
    natsMsg_Destroy(msg);
    return st;
}

mpc_status
transport_js_publish_retry(transport_js *js, const char *subject, const uint8_t *data, size_t len,
                           const char *msg_id, const transport_js_header *hdrs, size_t n_hdrs,
                           uint64_t timeout_ms, uint64_t budget_ms, transport_js_pub_ack *ack)
{
    if (msg_id == NULL) {
        return MPC_ERR_INVALID_ARG; /* a repeat without dedup could run a request twice */
    }
    uint64_t end = mpc_clock_mono_ms() + budget_ms, pause = 100;
    for (;;) {
        mpc_status st =
            transport_js_publish(js, subject, data, len, msg_id, hdrs, n_hdrs, timeout_ms, ack);
        int again =
            st == MPC_ERR_NO_RESPONDERS || st == MPC_ERR_TIMEOUT || st == MPC_ERR_NOT_CONNECTED;
        uint64_t now = mpc_clock_mono_ms();
        if (!again || now + pause > end) {
            return st;
        }
        struct timespec ts = {(time_t)(pause / 1000), (long)(pause % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        pause = pause * 2 < 1000 ? pause * 2 : 1000;
    }
}

static mpc_status
tjs_format(char *buf, size_t cap, int n)
{
    if (n < 0 || (size_t)n >= cap) {
        buf[0] = '\0';
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    return MPC_OK;
}

mpc_status
transport_js_result_msg_id(char *buf, size_t cap, const char *request_id, const char *node_id,
                           const char *key_type)
{
    if (buf == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    buf[0] = '\0';
    if (!transport_subject_token_ok(request_id) || !transport_subject_token_ok(node_id) ||
        (key_type != NULL && !transport_subject_token_ok(key_type))) {
        return MPC_ERR_INVALID_ARG;
    }
    int n = key_type != NULL ? snprintf(buf, cap, "%s/%s/%s", request_id, node_id, key_type)
                             : snprintf(buf, cap, "%s/%s", request_id, node_id);
    return tjs_format(buf, cap, n);
}

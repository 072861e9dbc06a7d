/*
 * inbound.c — what runs on transport threads: the subscription handlers of a
 * session and the completions of its direct sends.
 *
 * DESIGN: a handler never blocks and never runs protocol code. It copies the
 * bytes into the session's mailbox under the session lock and answers:
 *   ACK   accepted (or a barrier probe while the session is live)
 *   BUSY  direct message while the mailbox already holds direct_cap items:
 *         the sender's transport retries with backoff
 *   GONE  the session is DONE or FAILED (or its sid is tombstoned)
 * An envelope longer than the largest message the session's protocol
 * declares (session_wire_max) is dropped and counted (oversized) before it
 * is copied: it is never queued nor decoded. Broadcasts have no reply; they and barrier probes may
 * use the reserve above direct_cap (room for two rounds of broadcasts and a probe from every peer)
 * and are dropped and counted only beyond it. A probe is ACKed whether or not
 * it fits: the ACK only says that our subscriptions are confirmed; the copy
 * in the mailbox lets the worker verify it and mark its sender ready. Send completions post their
 * outcome into the session and drop the reference their job held; they never touch the manager,
 * which may already be gone when a late completion of a DONE session arrives.
 */
#include "session/internal.h"
#include "transport/subject.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "session/wire.h"

/* Context of one direct send; owned by the job until its completion ran. */
typedef struct {
    session *s;    /* the sending session (one reference) */
    uint32_t peer; /* recipient party index */
    int is_probe;  /* barrier probe (1) or protocol message (0) */
} send_ctx;

/* The reply on chan for outcome rep: none for broadcasts, never BUSY for probes. */
static transport_reply
inbound_reply(session_chan chan, transport_reply rep)
{
    if (chan == SESSION_CHAN_BROADCAST) {
        return TRANSPORT_REPLY_NONE;
    }
    if (chan == SESSION_CHAN_READY && rep != TRANSPORT_REPLY_GONE) {
        return TRANSPORT_REPLY_ACK;
    }
    return rep;
}

/* Copies msg into the mailbox if there is room below cap. */
static transport_reply
inbound_enqueue(session *s, const transport_msg *msg, session_chan chan)
{
    int is_broadcast = chan != SESSION_CHAN_DIRECT; /* no BUSY, may use the reserve */
    struct session_manager *m = s->mgr;
    if (msg->len > session_wire_max(s)) { /* larger than any message of its protocol */
        atomic_fetch_add(&m->oversized, 1);
        atomic_fetch_add(&s->drops, 1);
        return inbound_reply(chan, TRANSPORT_REPLY_ACK);
    }
    session_item *it = malloc(sizeof *it + (msg->len ? msg->len : 1));
    if (it == NULL) {
        return inbound_reply(chan, TRANSPORT_REPLY_BUSY);
    }
    memset(it, 0, sizeof *it);
    it->chan = chan;
    it->len = msg->len;
    if (msg->len != 0) {
        memcpy(it->data, msg->data, msg->len);
    }
    transport_reply rep = TRANSPORT_REPLY_ACK;
    pthread_mutex_lock(&s->lock);
    if (s->terminal) {
        rep = TRANSPORT_REPLY_GONE;
    } else if (s->mb_len >= (is_broadcast ? s->ring_cap : s->direct_cap)) {
        rep = TRANSPORT_REPLY_BUSY;
    } else {
        s->ring[(s->mb_head + s->mb_len) % s->ring_cap] = it;
        s->mb_len++;
        if (s->mb_len > s->mb_hwm) {
            s->mb_hwm = s->mb_len;
        }
        s->last_activity_ms = mpc_clock_mono_ms();
        atomic_fetch_add(&s->msgs_in, 1);
        session_schedule_locked(s);
        it = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    if (it != NULL) {
        session_item_free(it);
    }
    if (rep == TRANSPORT_REPLY_GONE) {
        atomic_fetch_add(&m->gone, 1);
    } else if (rep == TRANSPORT_REPLY_BUSY) {
        if (is_broadcast) {
            atomic_fetch_add(&s->drops, 1);
        } else {
            atomic_fetch_add(&m->busy, 1);
        }
    }
    return inbound_reply(chan, rep);
}

transport_reply
session_on_broadcast(void *arg, const transport_msg *msg)
{
    return inbound_enqueue(arg, msg, SESSION_CHAN_BROADCAST);
}

transport_reply
session_on_direct(void *arg, const transport_msg *msg)
{
    return inbound_enqueue(arg, msg, SESSION_CHAN_DIRECT);
}

transport_reply
session_on_ready(void *arg, const transport_msg *msg)
{
    return inbound_enqueue(arg, msg, SESSION_CHAN_READY); /* GONE if terminal, else ACK */
}

/* Extracts the sid of "mpc.s.<hex>.d.<node>" (or .r.). Returns 1 on success. */
static int
inbound_subject_sid(const char *subject, uint8_t sid[SESSION_SID_LEN])
{
    transport_subject_parts p;
    if (transport_subject_parse(subject, &p) != MPC_OK ||
        (p.kind != TRANSPORT_SUBJ_SESSION_DIRECT && p.kind != TRANSPORT_SUBJ_SESSION_READY) ||
        strlen(p.arg[0]) != SESSION_SID_HEX_LEN) {
        return 0;
    }
    return mpc_hex_decode_exact(sid, SESSION_SID_LEN, p.arg[0]) == MPC_OK;
}

transport_reply
session_on_gone_probe(void *arg, const transport_msg *msg)
{
    struct session_manager *m = arg;
    uint8_t sid[SESSION_SID_LEN];
    if (msg->reply == NULL || !inbound_subject_sid(msg->subject, sid)) {
        return TRANSPORT_REPLY_NONE;
    }
    if (session_registry_is_tombstoned(m, sid)) {
        atomic_fetch_add(&m->gone, 1);
        return TRANSPORT_REPLY_GONE;
    }
    return TRANSPORT_REPLY_NONE; /* live or unknown: the session's own handler answers */
}

void
session_request_fail(session *s, mpc_status st, uint32_t culprit)
{
    pthread_mutex_lock(&s->lock);
    if (!s->terminal && s->pending_fail == MPC_OK) {
        s->pending_fail = st;
        s->pending_culprit = culprit;
        session_schedule_locked(s);
    }
    pthread_mutex_unlock(&s->lock);
}

static void
inbound_send_done(void *arg, uint64_t owner, mpc_status st, uint32_t attempts)
{
    send_ctx *c = arg;
    session *s = c->s;
    (void)owner;
    if (attempts > 1) {
        atomic_fetch_add(&s->retries, attempts - 1);
    }
    pthread_mutex_lock(&s->lock);
    if (!s->terminal) {
        if (st == MPC_OK && c->is_probe) {
            s->probe_ok[c->peer] |= SESSION_READY_ACKED;
            s->probe_dirty = 1;
            session_schedule_locked(s);
        } else if (st == MPC_ERR_PEER_UNAVAILABLE && c->is_probe) {
            s->probe_retry[c->peer] = 1;
            s->probe_dirty = 1;
            session_schedule_locked(s);
        } else if (st == MPC_ERR_GONE) {
            /* Fail only if we do not finish soon (janitor, gone_grace_ms): a
             * DONE peer answers GONE to a retry of a message it already had,
             * and a FAILED one to a late probe retry (probes outlive the
             * barrier) after its ABORT, which must be handled first. */
            if (s->gone_at_ms == 0) {
                s->gone_at_ms = mpc_clock_mono_ms();
                s->gone_peer = c->peer;
            }
            atomic_fetch_add(&s->mgr->gone_answers, 1);
        } else if (st == MPC_ERR_PEER_UNAVAILABLE && s->pending_fail == MPC_OK) {
            s->pending_fail = st;
            s->pending_culprit = c->peer;
            session_schedule_locked(s);
        }
    }
    pthread_mutex_unlock(&s->lock);
    free(c);
    session_unref(s);
}

mpc_status
session_send_direct(session *s, uint32_t peer, const char *subject, const uint8_t *data, size_t len,
                    int is_probe, uint64_t deadline_ms)
{
    send_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return MPC_ERR_NOMEM;
    }
    c->s = s;
    c->peer = peer;
    c->is_probe = is_probe;
    session_ref(s);
    transport_send job = {
        .subject = subject,
        .data = data,
        .len = len,
        .owner = s->serial,
        .deadline_ms = deadline_ms,
        .done = inbound_send_done,
        .done_arg = c,
    };
    mpc_status st = transport_send_direct(s->mgr->t, &job);
    if (st != MPC_OK) {
        free(c);
        session_unref(s);
    }
    return st;
}

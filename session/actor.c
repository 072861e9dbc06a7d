/*
 * actor.c — a session's behaviour on its worker: barrier, rounds, parking,
 * de-duplication, outgoing messages and the end of a session.
 *
 * DESIGN: session_actor_run() is called by exactly one worker at a time for
 * a given session (the `scheduled` flag, manager.c). It takes a batch of
 * mailbox items and pending events under the session lock, releases it, and
 * then works without any lock: protocol state, parked messages and the
 * replay set are worker-only. The protocol only ever sees messages of its
 * current round; later rounds are parked and fed when that round starts,
 * earlier rounds are dropped as late, replays of (from, round, seq) are
 * dropped and counted. Parking and the replay set live in actor_park.c,
 * what the worker sends in actor_send.c.
 */
#include "session/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "session/blame.h"
#include "session/evidence.h"
#include "session/step.h"
#include "session/wire.h"
#include "transport/envelope.h"
#include "tss/batch.h"

static void actor_finish(session *s, mpc_status st, uint32_t culprit, uint8_t *res, size_t res_len);

int
session_has_work_locked(const session *s)
{
    return s->mb_len > 0 || s->pending_fail != MPC_OK || s->probe_dirty;
}

static void
actor_set_state(session *s, session_state st, uint32_t round)
{
    pthread_mutex_lock(&s->lock);
    s->state = st;
    s->round = round;
    s->step_started_ms = mpc_clock_mono_ms();
    s->last_activity_ms = s->step_started_ms;
    pthread_mutex_unlock(&s->lock);
}

/*
 * After a successful step: send what it emitted; finish if the protocol is
 * done. Returns 1 if the session ended.
 */
static int
actor_after_step(session *s, session_step *c)
{
    uint32_t culprit;
    mpc_status st = session_actor_send(s, c->out, &culprit);
    if (st != MPC_OK) {
        actor_finish(s, st, culprit, NULL, 0);
        return 1;
    }
    if (c->cur_round != s->cur_round && c->cur_round != 0) {
        actor_set_state(s, SESSION_STATE_RUNNING, c->cur_round);
    }
    s->cur_round = c->cur_round;
    if (!c->is_done) {
        return 0;
    }
    session_step r = {.s = s, .kind = SESSION_STEP_RESULT};
    st = session_step_run(&r);
    actor_finish(s, st, SESSION_NO_CULPRIT, st == MPC_OK ? r.res : NULL,
                 st == MPC_OK ? r.res_len : 0);
    return 1;
}

/*
 * Feeds one current-round message to the protocol; a direct payload is opened
 * here, under the key shared with its sender (known: the barrier passed).
 * Returns 1 if the session ended.
 */
static int
actor_handle(session *s, const session_item *it)
{
    uint8_t *pt = NULL;
    size_t pt_len = 0;
    if (it->sealed) {
        mpc_status ust =
            session_wire_unbox(s, it->from, it->payload, it->payload_len, &pt, &pt_len);
        if (ust != MPC_OK) { /* signed by the sender: its ciphertext, its fault */
            actor_finish(s, ust, ust == MPC_ERR_MSG_DECRYPT ? it->from : SESSION_NO_CULPRIT, NULL,
                         0);
            return 1;
        }
    }
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    session_step c = {.s = s,
                      .kind = SESSION_STEP_HANDLE,
                      .from = it->from,
                      .round = it->round,
                      .is_broadcast = it->chan == SESSION_CHAN_BROADCAST,
                      .data = it->sealed ? pt : it->payload,
                      .len = it->sealed ? pt_len : it->payload_len,
                      .out = &ob};
    mpc_status st = session_step_run(&c);
    mpc_secure_free(pt); /* wipes; NULL-safe */
    if (st != MPC_OK) {
        uint32_t culprit = SESSION_NO_CULPRIT;
        mpc_outbox_clear(&ob);
        st = session_blame_step(s, &c, st, &culprit);
        actor_finish(s, st, culprit, NULL, 0);
        return 1;
    }
    return actor_after_step(s, &c);
}

/* Feeds parked messages as long as some belong to the current round. Returns 1 if ended. */
static int
actor_drain_parked(session *s)
{
    session_item *it;
    while (s->cur_round != 0 && (it = session_park_take(s)) != NULL) {
        int ended = actor_handle(s, it);
        session_item_free(it);
        if (ended) {
            return 1;
        }
    }
    return 0;
}

/*
 * Records the incarnation of party `from`; a second one within this session
 * means it restarted (its old state, and what it sent, are gone). Returns 1
 * if the session ended for that reason.
 */
static int
actor_check_incarnation(session *s, const session_wire_msg *w, const session_item *it)
{
    uint32_t from = w->from;
    uint64_t inc = w->incarnation;
    if (inc == 0) {
        return 0; /* sender does not tell */
    }
    if (s->peer_inc[from] == 0) {
        s->peer_inc[from] = inc;
        return 0;
    }
    if (s->peer_inc[from] == inc) {
        return 0;
    }
    mpc_log(MPC_LOG_WARN, "session", "peer_restarted", "sid=%s peer=%s", s->sid_hex,
            s->party_ids[from]);
    /* Proof: an envelope of the old incarnation and this one, both signed by from. */
    struct session_evid *e[2] = {session_evid_other_incarnation(s, from, inc),
                                 session_evid_keep(s, w, it->data, it->len, 1)};
    session_evid_choose(s, e, 2, SESSION_NO_CULPRIT, SESSION_NO_CULPRIT);
    actor_finish(s, MPC_ERR_PEER_RESTARTED, from, NULL, 0);
    return 1;
}

/*
 * Keeps the envelope as evidence; a broadcast that contradicts a kept one
 * of the same (from, round) is a signed equivocation: the session ends
 * naming its sender. Returns 1 if the session ended.
 */
static int
actor_keep_evidence(session *s, const session_wire_msg *w, const session_item *it)
{
    struct session_evid *k = session_evid_find(s, w->from, w->round, w->kind);
    if (k == NULL) {
        (void)session_evid_keep(s, w, it->data, it->len, 0);
        return 0;
    }
    if (w->kind != SESSION_WIRE_BROADCAST || !session_evid_conflicts(k, w)) {
        return 0;
    }
    mpc_log(MPC_LOG_WARN, "session", "equivocation_proven", "sid=%s peer=%s round=%u", s->sid_hex,
            s->party_ids[w->from], w->round);
    struct session_evid *e[2] = {k, session_evid_keep(s, w, it->data, it->len, 1)};
    session_evid_choose(s, e, 2, SESSION_NO_CULPRIT, SESSION_NO_CULPRIT);
    actor_finish(s, MPC_ERR_EQUIVOCATION, w->from, NULL, 0);
    return 1;
}

/*
 * An ABORT from party `from`: ends the session at once with
 * MPC_ERR_PEER_RESTARTED naming the restarted party if that is what the
 * payload (4-byte status, then the culprit's node id) says; otherwise the
 * session goes on for abort_grace_ms (messages already on their way may let
 * it reach its own verdict, e.g. on a cheater the sender caught first), then
 * the janitor fails it with MPC_ERR_GONE naming the sender. Returns 1 if the
 * session ended.
 */
static int
actor_aborted(session *s, uint32_t from, const uint8_t *p, size_t len)
{
    mpc_status st = MPC_OK;
    uint32_t culprit = SESSION_NO_CULPRIT;
    if (session_blame_abort(s, from, p, len, &st, &culprit)) {
        actor_finish(s, st, culprit, NULL, 0);
        return 1;
    }
    if (s->mgr->cfg.abort_grace_ms == 0) {
        actor_finish(s, MPC_ERR_GONE, SESSION_NO_CULPRIT, NULL, 0); /* see manager.c */
        return 1;
    }
    pthread_mutex_lock(&s->lock);
    if (s->abort_at_ms == 0) {
        s->abort_at_ms = mpc_clock_mono_ms();
        s->abort_peer = from;
    }
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* A peer's verified barrier probe: it has confirmed its subscriptions. */
static void
actor_probed(session *s, uint32_t from)
{
    pthread_mutex_lock(&s->lock);
    if (!(s->probe_ok[from] & SESSION_READY_PROBED)) {
        s->probe_ok[from] |= SESSION_READY_PROBED;
        s->probe_dirty = 1; /* the worker loop runs us again: barrier check */
    }
    pthread_mutex_unlock(&s->lock);
}

/* Handles one mailbox item; takes ownership of it. Returns 1 if the session ended. */
static int
actor_item(session *s, session_item *it)
{
    session_wire_msg w;
    mpc_status st = session_wire_open(s, it->chan, it->data, it->len, &w);
    if (st == MPC_ERR_EXISTS) {
        session_item_free(it); /* our own broadcast */
        return 0;
    }
    if (st != MPC_OK) {
        atomic_fetch_add(&s->drops, 1);
        atomic_fetch_add(&s->mgr->bad, 1);
        session_item_free(it);
        return 0;
    }
    if (actor_check_incarnation(s, &w, it) || actor_keep_evidence(s, &w, it)) {
        session_wire_msg_clear(&w);
        session_item_free(it);
        return 1;
    }
    if (w.kind == SESSION_WIRE_READY || w.kind == SESSION_WIRE_ABORT) {
        int ended = 0;
        if (w.kind == SESSION_WIRE_READY) {
            if (session_wire_eph_learn(s, w.from, w.payload, w.len) == MPC_OK) {
                actor_probed(s, w.from);
            } else { /* wrong length, small order, or a second, different key */
                atomic_fetch_add(&s->drops, 1);
                atomic_fetch_add(&s->mgr->bad, 1);
            }
        } else {
            ended = actor_aborted(s, w.from, w.payload, w.len);
        }
        session_wire_msg_clear(&w);
        session_item_free(it);
        return ended;
    }
    size_t lim = session_wire_payload_max(s, w.round, w.kind == SESSION_WIRE_BROADCAST);
    size_t plain = w.sealed
                       ? w.len - (w.len < TRANSPORT_BOX_OVERHEAD ? w.len : TRANSPORT_BOX_OVERHEAD)
                       : w.len;
    if (lim == 0 || plain > lim) { /* authenticated: the sender broke its protocol */
        uint32_t culprit = w.from;
        atomic_fetch_add(&s->mgr->oversized, 1);
        mpc_log(MPC_LOG_WARN, "session", "oversized", "sid=%s peer=%s round=%u len=%zu max=%zu",
                s->sid_hex, s->party_ids[w.from], w.round, w.len, lim);
        session_wire_msg_clear(&w);
        session_item_free(it);
        actor_finish(s, MPC_ERR_MSG_TOO_LARGE, culprit, NULL, 0);
        return 1;
    }
    int full = 0;
    if (session_park_seen(s, w.from, w.round, w.seq, &full) || full) {
        atomic_fetch_add(&s->drops, 1);
        atomic_fetch_add(full ? &s->mgr->bad : &s->mgr->replays, 1);
        session_wire_msg_clear(&w);
        session_item_free(it);
        return 0;
    }
    it->from = w.from;
    it->round = w.round;
    it->seq = w.seq;
    it->payload = w.payload;
    it->payload_len = w.len;
    it->sealed = w.sealed;
    w.payload = NULL;
    if (s->state != SESSION_STATE_RUNNING || w.round > s->cur_round) {
        session_park_put(s, it);
        return 0;
    }
    if (w.round < s->cur_round) {
        atomic_fetch_add(&s->drops, 1);
        atomic_fetch_add(&s->mgr->late, 1);
        session_item_free(it);
        return 0;
    }
    int ended = actor_handle(s, it);
    session_item_free(it);
    return ended || actor_drain_parked(s);
}

/* Barrier passed: start the protocol. Returns 1 if the session ended. */
static int
actor_start(session *s)
{
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    actor_set_state(s, SESSION_STATE_RUNNING, 1);
    session_step c = {.s = s, .kind = SESSION_STEP_START, .out = &ob};
    mpc_status st = session_step_run(&c);
    if (st != MPC_OK) {
        mpc_outbox_clear(&ob);
        actor_finish(s, st, c.culprit, NULL, 0);
        return 1;
    }
    s->cur_round = 0;
    return actor_after_step(s, &c) || actor_drain_parked(s);
}

#ifdef MPC_FAULT_INJECTION
static session_test_barrier_hook_fn g_barrier_hook; /* atomic */
static void *g_barrier_hook_arg;

void
session_test_barrier_hook(session_test_barrier_hook_fn fn, void *arg)
{
    g_barrier_hook_arg = arg;
    __atomic_store_n(&g_barrier_hook, fn, __ATOMIC_RELEASE);
}
#endif

/*
 * Re-issues failed probes until they are ACKed; starts the protocol once
 * every peer's own verified probe reached us (so its ephemeral key is known;
 * it probes only after confirming its subscriptions). Returns 1 if ended.
 */
static int
actor_barrier(session *s)
{
    uint64_t now = mpc_clock_mono_ms();
    int all_ok = 1;
    for (uint32_t p = 0; p < s->n; p++) {
        if (p == s->self) {
            continue;
        }
        pthread_mutex_lock(&s->lock);
        unsigned ok = s->probe_ok[p];
        int retry = s->probe_retry[p] && !(ok & SESSION_READY_ACKED);
        s->probe_retry[p] = 0;
        /* p probed us but has not ACKed ours: ours may wait after "no responders" */
        int kick = (ok & (SESSION_READY_PROBED | SESSION_READY_ACKED | SESSION_READY_KICKED)) ==
                   SESSION_READY_PROBED;
        s->probe_ok[p] |= kick ? SESSION_READY_KICKED : 0u;
        pthread_mutex_unlock(&s->lock);
        all_ok &= (ok & SESSION_READY_PROBED) != 0; /* its ephemeral key is known */
        if (kick && !retry) {
            session_actor_probe_kick(s, p);
        }
        if (!retry) {
            continue;
        }
        mpc_status st =
            now < s->barrier_deadline_ms ? session_actor_probe(s, p) : MPC_ERR_PEER_UNAVAILABLE;
        if (st != MPC_OK) {
            actor_finish(s, st == MPC_ERR_PEER_UNAVAILABLE ? st : MPC_ERR_BARRIER, p, NULL, 0);
            return 1;
        }
    }
    /* Probes not yet ACKed keep going: their peers need our key to start. */
#ifdef MPC_FAULT_INJECTION
    session_test_barrier_hook_fn hook = __atomic_load_n(&g_barrier_hook, __ATOMIC_ACQUIRE);
    if (all_ok && hook != NULL) {
        hook(g_barrier_hook_arg, s->sid, s->self);
    }
#endif
    /* held: the owner's durable step has not finished (spec.hold). Read with
     * pending_fail under one lock: session_manager_release clears held and
     * sets a failure together, and a run that began before the release saw
     * no failure yet; it must not start a protocol the release failed (a
     * presignature whose removal failed would otherwise sign twice). */
    pthread_mutex_lock(&s->lock);
    int wait = s->held || s->pending_fail != MPC_OK;
    pthread_mutex_unlock(&s->lock);
    return all_ok && !wait ? actor_start(s) : 0;
}

/* SUBSCRIBING: create the protocol state, subscribe, launch the probes. */
static int
actor_setup(session *s)
{
    transport *t = s->mgr->t;
    session_step c = {.s = s, .kind = SESSION_STEP_CREATE};
    mpc_status st = session_step_run(&c);
    if (st == MPC_OK) {
        st = session_wire_eph_create(s);
    }
    if (st == MPC_OK) {
        /* One confirmation for the three (issue 12). .r last: a peer whose
         * probe got our answer knows .b and .d are in place too. */
        const transport_sub_req subs[3] = {
            {s->subj_b, session_on_broadcast, s, &s->sub_b},
            {s->subj_d, session_on_direct, s, &s->sub_d},
            {s->subj_r, session_on_ready, s, &s->sub_r},
        };
        st = transport_subscribe_confirmed_n(t, subs, 3);
    }
    if (st != MPC_OK) {
        actor_finish(s, st, c.culprit, NULL, 0);
        return 1;
    }
    actor_set_state(s, SESSION_STATE_BARRIER, 0);
    for (uint32_t p = 0; p < s->n; p++) {
        if (p != s->self && (st = session_actor_probe(s, p)) != MPC_OK) {
            actor_finish(s, MPC_ERR_BARRIER, p, NULL, 0);
            return 1;
        }
    }
    return 0;
}

void
session_actor_run(session *s)
{
    session_item *batch[SESSION_BATCH];
    size_t nb = 0;
    pthread_mutex_lock(&s->lock);
    if (s->terminal) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    mpc_status fail = s->pending_fail;
    uint32_t culprit = s->pending_culprit;
    s->probe_dirty = 0;
    while (fail == MPC_OK && nb < SESSION_BATCH && s->mb_len > 0) {
        batch[nb++] = s->ring[s->mb_head];
        s->ring[s->mb_head] = NULL;
        s->mb_head = (s->mb_head + 1) % s->ring_cap;
        s->mb_len--;
    }
    session_state state = s->state;
    pthread_mutex_unlock(&s->lock);

    int ended = 0;
    if (fail != MPC_OK) {
        actor_finish(s, fail, culprit, NULL, 0);
        ended = 1;
    } else if (state == SESSION_STATE_SUBSCRIBING) {
        ended = actor_setup(s) || actor_barrier(s);
    } else if (state == SESSION_STATE_BARRIER) {
        ended = actor_barrier(s);
    }
    for (size_t i = 0; i < nb; i++) {
        if (ended) {
            session_item_free(batch[i]);
        } else {
            ended = actor_item(s, batch[i]);
        }
    }
}

/* Ends the session's protocol side: state, parked messages, replay set. */
static void
actor_release_protocol(session *s)
{
    if (s->pstate != NULL && !s->quarantined) {
        session_step d = {.s = s, .kind = SESSION_STEP_DESTROY};
        if (session_step_run(&d) != MPC_OK) {
            mpc_log(MPC_LOG_ERROR, "session", "destroy_faulted", "sid=%s", s->sid_hex);
        }
    }
    session_park_free_all(s);
    session_wire_eph_destroy(s); /* forward secrecy: the keys die with the session */
}

static void
actor_unsubscribe(session *s)
{
    transport *t = s->mgr->t;
    transport_unsubscribe(t, s->sub_r);
    transport_unsubscribe(t, s->sub_d);
    transport_unsubscribe(t, s->sub_b);
    s->sub_r = s->sub_d = s->sub_b = NULL;
}

static void
actor_finish(session *s, mpc_status st, uint32_t culprit, uint8_t *res, size_t res_len)
{
    struct session_manager *m = s->mgr;
    pthread_mutex_lock(&s->lock);
    session_state was = s->state;
    s->terminal = 1;
    s->state = st == MPC_OK ? SESSION_STATE_DONE : SESSION_STATE_FAILED;
    s->step_started_ms = mpc_clock_mono_ms();
    pthread_mutex_unlock(&s->lock);
    if (st != MPC_OK) {
        /* A DONE session lets its last sends complete (the peers need them). */
        transport_cancel_owner(m->t, s->serial);
        /* A barrier timeout is not news to the peers: they wait for the same
         * missing party and report it themselves at their own deadline. */
        if (!(was == SESSION_STATE_BARRIER && st == MPC_ERR_PEER_UNAVAILABLE)) {
            session_actor_publish_abort(s, st, culprit);
        }
    }
    atomic_fetch_add(st == MPC_OK ? &m->done : &m->failed, 1);
    session_registry_remove(m, s, st); /* tombstone first: late messages get GONE */
    actor_unsubscribe(s);
    uint32_t inst = s->quarantined ? TSS_BATCH_NO_INSTANCE : tss_batch_failed_instance(s->pstate);
    actor_release_protocol(s);
    if (culprit >= s->n) {
        culprit = SESSION_NO_CULPRIT;
    }
    const uint8_t *ev[SESSION_EVID_ITEMS];
    size_t ev_len[SESSION_EVID_ITEMS];
    size_t n_ev = st == MPC_OK ? 0 : s->verdict_n;
    for (size_t i = 0; i < n_ev; i++) {
        ev[i] = s->verdict_evid[i]->data;
        ev_len[i] = s->verdict_evid[i]->len;
    }
    const uint32_t *d = s->verdict_dispute;
    session_outcome o = {
        .sid = s->sid,
        .status = st,
        .culprit = culprit,
        .culprit_id = culprit == SESSION_NO_CULPRIT ? NULL : s->party_ids[culprit],
        .disputed = {d[0] < s->n ? s->party_ids[d[0]] : NULL,
                     d[1] < s->n ? s->party_ids[d[1]] : NULL},
        .evidence = ev,
        .evidence_lens = ev_len,
        .n_evidence = n_ev,
        .round = s->round,
        .batch_instance = inst,
        .result = res,
        .result_len = res_len,
        .elapsed_ms = mpc_clock_mono_ms() - s->started_ms,
    };
    mpc_log(st == MPC_OK ? MPC_LOG_DEBUG : MPC_LOG_INFO, "session", "end",
            "sid=%s status=%s culprit=%s round=%u elapsed_ms=%llu", s->sid_hex, mpc_status_name(st),
            o.culprit_id ? o.culprit_id : "-", o.round, (unsigned long long)o.elapsed_ms);
    if (s->holds_key_lock) {
        session_keylock_give(m, s->wallet, s->key_type);
    }
    /* Permit and subscriptions are back before the owner hears of the end. */
    session_permit_give(m);
    s->done(s->done_arg, &o);
    session_evid_free(s);
    mpc_secure_free(res);
    session_registry_completed(m); /* last touch of the manager */
}

/*
 * manager.c — session manager life cycle: configuration, admission permits,
 * session creation, the run queue and its worker pool, the janitor, and
 * shutdown.
 *
 * DESIGN: the run queue is an intrusive FIFO of sessions that have work; a
 * session is in it at most once (`scheduled`, set under the session lock),
 * so it is never run by two workers at once and the queue needs no bound
 * beyond the number of live sessions. A worker that finds more work after a
 * turn puts the session at the back of the queue, so one busy session cannot
 * starve the others. Workers never sleep on timers: the janitor ticks every
 * janitor_tick_ms, turns expired deadlines into fail requests and expires
 * tombstones. See internal.h for locks and references.
 */
#include "session/manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/secmem.h"
#include "session/evidence.h"
#include "session/guard.h"
#include "session/internal.h"
#include "session/wire.h"
#include "transport/subject.h"

#define SESSION_MAX_PARTIES    255
#define SESSION_SHUTDOWN_GRACE 30000 /* ms to wait for failed sessions to end */

const char *
session_state_name(session_state s)
{
    switch (s) {
    case SESSION_STATE_SUBSCRIBING:
        return "subscribing";
    case SESSION_STATE_BARRIER:
        return "barrier";
    case SESSION_STATE_RUNNING:
        return "running";
    case SESSION_STATE_DONE:
        return "done";
    case SESSION_STATE_FAILED:
        return "failed";
    }
    return "unknown";
}

const char *
session_op_name(session_op op)
{
    switch (op) {
    case SESSION_OP_KEYGEN:
        return "keygen";
    case SESSION_OP_SIGN:
        return "sign";
    case SESSION_OP_RESHARE:
        return "reshare";
    }
    return "unknown";
}

void
session_sid_hex(const uint8_t sid[SESSION_SID_LEN], char out[SESSION_SID_HEX_LEN + 1])
{
    if (mpc_hex_encode(out, SESSION_SID_HEX_LEN + 1, sid, SESSION_SID_LEN) != MPC_OK) {
        out[0] = '\0';
    }
}

/* ------------------------------------------------------------ references */

void
session_ref(session *s)
{
    atomic_fetch_add(&s->refs, 1);
}

static void
mgr_session_free(session *s)
{
    for (size_t i = 0; i < s->mb_len; i++) {
        session_item_free(s->ring[(s->mb_head + i) % s->ring_cap]);
    }
    session_wire_eph_destroy(s); /* normally gone already (actor.c) */
    free(s->ring);
    free(s->probe_ok);
    free(s->probe_retry);
    free(s->peer_inc);
    session_evid_free(s);
    if (s->party_ids != NULL) {
        for (uint32_t i = 0; i < s->n; i++) {
            free(s->party_ids[i]);
        }
        free(s->party_ids);
    }
    if (s->input != NULL) {
        mpc_wipe(s->input, s->input_len);
        free(s->input);
    }
    if (s->pairs != NULL) {
        for (uint32_t i = 0; i < s->n; i++) {
            session_pairgate_release(s->mgr->cfg.pairgate, s->pairs[i]);
        }
        free(s->pairs);
    }
    free(s->key_type);
    free(s->wallet);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void
session_unref(session *s)
{
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        mgr_session_free(s);
    }
}

/* ------------------------------------------------------------ run queue */

void
session_schedule_locked(session *s)
{
    if (s->scheduled || s->terminal) {
        return;
    }
    struct session_manager *m = s->mgr;
    s->scheduled = 1;
    session_ref(s);
    pthread_mutex_lock(&m->runq_lock);
    s->next_run = NULL;
    if (m->runq_tail != NULL) {
        m->runq_tail->next_run = s;
    } else {
        m->runq_head = s;
    }
    m->runq_tail = s;
    pthread_cond_signal(&m->runq_cond);
    pthread_mutex_unlock(&m->runq_lock);
}

static session *
mgr_runq_pop(struct session_manager *m)
{
    pthread_mutex_lock(&m->runq_lock);
    while (m->runq_head == NULL && !m->stopping) {
        pthread_cond_wait(&m->runq_cond, &m->runq_lock);
    }
    session *s = m->runq_head;
    if (s != NULL) {
        m->runq_head = s->next_run;
        if (m->runq_head == NULL) {
            m->runq_tail = NULL;
        }
        s->next_run = NULL;
    }
    pthread_mutex_unlock(&m->runq_lock);
    return s;
}

static void *
mgr_worker_main(void *arg)
{
    struct session_manager *m = arg;
    if (session_guard_thread_enter() != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "session", "worker_guard_failed", NULL);
    }
    session *s;
    while ((s = mgr_runq_pop(m)) != NULL) {
        session_actor_run(s);
        pthread_mutex_lock(&s->lock);
        int again = !s->terminal && session_has_work_locked(s);
        s->scheduled = 0;
        if (again) {
            session_schedule_locked(s);
        }
        pthread_mutex_unlock(&s->lock);
        session_unref(s);
    }
    session_guard_thread_leave();
    return NULL;
}

/* ------------------------------------------------------------ janitor */

/* Posts a fail request if s is past one of its deadlines. */
static void
mgr_check_session(session *s, uint64_t now, uint64_t idle_ms)
{
    pthread_mutex_lock(&s->lock);
    int terminal = s->terminal;
    session_state state = s->state;
    uint64_t last = s->last_activity_ms;
    uint64_t gone_at = s->gone_at_ms;
    uint32_t gone_peer = s->gone_peer;
    uint64_t abort_at = s->abort_at_ms;
    uint32_t abort_peer = s->abort_peer;
    int busy = s->mb_len > 0 || s->scheduled; /* queued, or taken and being handled */
    uint32_t missing = SESSION_NO_CULPRIT;
    for (uint32_t p = 0; p < s->n && state == SESSION_STATE_BARRIER; p++) {
        if (p != s->self && !s->probe_ok[p]) {
            missing = p;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (terminal) {
        return;
    }
    if (abort_at != 0 && now >= abort_at + s->mgr->cfg.abort_grace_ms) {
        /* An ABORT proves only that its sender quit, not that it cheated: a
         * liar can make an honest peer abort (DESIGN §7). No culprit. */
        mpc_log(MPC_LOG_INFO, "session", "peer_aborted", "sid=%s peer=%s", s->sid_hex,
                abort_peer < s->n ? s->party_ids[abort_peer] : "-");
        session_request_fail(s, MPC_ERR_GONE, SESSION_NO_CULPRIT);
    } else if (gone_at != 0 && now >= gone_at + s->mgr->cfg.gone_grace_ms && !busy &&
               abort_at == 0) {
        /* Only once the actor has handled what arrived: a peer that failed
         * publishes its ABORT before its tombstone answers GONE, and that
         * ABORT (no culprit) may still wait in a busy actor's mailbox, or in
         * the batch it took from there; once handled, its grace decides
         * (test_actor: gone_waits_for_queued_abort). */
        session_request_fail(s, MPC_ERR_GONE, gone_peer);
    } else if (now >= s->deadline_at_ms) {
        session_request_fail(s, MPC_ERR_DEADLINE, SESSION_NO_CULPRIT);
    } else if (state == SESSION_STATE_BARRIER && now >= s->barrier_deadline_ms) {
        session_request_fail(s, MPC_ERR_PEER_UNAVAILABLE, missing);
    } else if (state == SESSION_STATE_RUNNING && idle_ms > 0 && now >= last + idle_ms) {
        session_request_fail(s, MPC_ERR_IDLE, SESSION_NO_CULPRIT);
    }
}

static void *
mgr_janitor_main(void *arg)
{
    struct session_manager *m = arg;
    pthread_mutex_lock(&m->jan_lock);
    while (!m->jan_stopping) {
        struct timespec ts =
            mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(m->cfg.janitor_tick_ms));
        pthread_cond_timedwait(&m->jan_cond, &m->jan_lock, &ts);
        if (m->jan_stopping) {
            break;
        }
        pthread_mutex_unlock(&m->jan_lock);
        uint64_t now = mpc_clock_mono_ms();
        size_t n = 0;
        session **v = session_registry_collect(m, &n);
        for (size_t i = 0; i < n; i++) {
            mgr_check_session(v[i], now, m->cfg.idle_timeout_ms);
            session_unref(v[i]);
        }
        free(v);
        session_registry_expire(m, now);
        atomic_fetch_add(&m->jan_passes, 1);
        pthread_mutex_lock(&m->jan_lock);
    }
    pthread_mutex_unlock(&m->jan_lock);
    return NULL;
}

/* ------------------------------------------------------------ permits */

/* Takes a permit, waiting up to timeout_ms. Returns MPC_OK, ADMISSION or SHUTDOWN. */
static mpc_status
mgr_permit_take(struct session_manager *m, uint64_t timeout_ms)
{
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&m->perm_lock);
    while (!m->perm_closed && m->permits_used >= m->cfg.max_sessions) {
        if (mpc_clock_mono_ns() >= deadline) {
            break;
        }
        struct timespec ts = mpc_clock_ns_to_timespec(deadline);
        pthread_cond_timedwait(&m->perm_cond, &m->perm_lock, &ts);
    }
    if (m->perm_closed) {
        st = MPC_ERR_SHUTDOWN;
    } else if (m->permits_used >= m->cfg.max_sessions) {
        st = MPC_ERR_ADMISSION;
    } else {
        m->permits_used++;
    }
    pthread_mutex_unlock(&m->perm_lock);
    return st;
}

void
session_permit_give(struct session_manager *m)
{
    pthread_mutex_lock(&m->perm_lock);
    if (m->permits_used > 0) {
        m->permits_used--;
    }
    pthread_cond_broadcast(&m->perm_cond);
    pthread_mutex_unlock(&m->perm_lock);
}

uint32_t
session_manager_permits_free(session_manager *m)
{
    if (m == NULL) {
        return 0;
    }
    pthread_mutex_lock(&m->perm_lock);
    uint32_t n = m->cfg.max_sessions - m->permits_used;
    pthread_mutex_unlock(&m->perm_lock);
    return n;
}

/* ------------------------------------------------------------ create / destroy */

static void
mgr_init_sync(struct session_manager *m)
{
    /* Cannot fail on Linux for default attributes; a failure would show at first use. */
    (void)mpc_clock_sync_init(&m->reg_lock, &m->reg_cond);
    (void)mpc_clock_sync_init(&m->perm_lock, &m->perm_cond);
    (void)mpc_clock_sync_init(&m->runq_lock, &m->runq_cond);
    (void)mpc_clock_sync_init(&m->jan_lock, &m->jan_cond);
}

/* Stops and joins the workers and the janitor. */
static void
mgr_stop_threads(struct session_manager *m)
{
    pthread_mutex_lock(&m->runq_lock);
    m->stopping = 1;
    pthread_cond_broadcast(&m->runq_cond);
    pthread_mutex_unlock(&m->runq_lock);
    pthread_mutex_lock(&m->jan_lock);
    m->jan_stopping = 1;
    pthread_cond_broadcast(&m->jan_cond);
    pthread_mutex_unlock(&m->jan_lock);
    for (uint32_t i = 0; i < m->nworkers; i++) {
        pthread_join(m->workers[i], NULL);
    }
    m->nworkers = 0;
    if (m->janitor_started) {
        pthread_join(m->janitor, NULL);
        m->janitor_started = 0;
    }
}

static mpc_status
mgr_start_threads(struct session_manager *m)
{
    m->workers = calloc(m->cfg.workers, sizeof *m->workers);
    if (m->workers == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < m->cfg.workers; i++) {
        if (pthread_create(&m->workers[i], NULL, mgr_worker_main, m) != 0) {
            return MPC_ERR_INTERNAL;
        }
        m->nworkers++;
    }
    if (pthread_create(&m->janitor, NULL, mgr_janitor_main, m) != 0) {
        return MPC_ERR_INTERNAL;
    }
    m->janitor_started = 1;
    return MPC_OK;
}

static void
mgr_free(struct session_manager *m)
{
    mgr_stop_threads(m);
    if (m->gone_sub != NULL) {
        transport_unsubscribe(m->t, m->gone_sub);
    }
    session_registry_free_all(m);
    if (m->guard_acquired) {
        session_guard_global_release();
    }
    free(m->workers);
    pthread_mutex_destroy(&m->reg_lock);
    pthread_cond_destroy(&m->reg_cond);
    pthread_mutex_destroy(&m->perm_lock);
    pthread_cond_destroy(&m->perm_cond);
    pthread_mutex_destroy(&m->runq_lock);
    pthread_cond_destroy(&m->runq_cond);
    pthread_mutex_destroy(&m->jan_lock);
    pthread_cond_destroy(&m->jan_cond);
    free(m);
}

mpc_status
session_manager_create(session_manager **out, const session_config *cfg, transport *t)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || t == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = session_config_check(cfg);
    if (st != MPC_OK) {
        return st;
    }
    struct session_manager *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return MPC_ERR_NOMEM;
    }
    m->cfg = *cfg;
    memcpy(m->self_id, cfg->self_id, strlen(cfg->self_id) + 1);
    m->cfg.self_id = m->self_id;
    m->t = t;
    while (m->cfg.incarnation == 0) { /* 0 means unknown on the wire */
        st = mpc_random_bytes((uint8_t *)&m->cfg.incarnation, sizeof m->cfg.incarnation);
        if (st != MPC_OK) {
            free(m);
            return st;
        }
    }
    m->accepting = 1;
    m->created_ms = mpc_clock_mono_ms();
    atomic_store(&m->next_serial, 1);
    mgr_init_sync(m);
    st = session_guard_global_acquire();
    if (st != MPC_OK) {
        goto out_free;
    }
    m->guard_acquired = 1;
    if (cfg->gone_responder) {
        char subj[SESSION_SUBJECT_MAX];
        st = transport_subject_pattern(subj, sizeof subj, TRANSPORT_SUBJ_SESSION_DIRECT,
                                       TRANSPORT_SUBJECT_ANY, m->self_id, NULL);
        if (st == MPC_OK) {
            st = transport_subscribe_confirmed(t, subj, session_on_gone_probe, m, &m->gone_sub);
        }
        if (st != MPC_OK) {
            goto out_free;
        }
    }
    st = mgr_start_threads(m);
    if (st != MPC_OK) {
        goto out_free;
    }
    *out = m;
    return MPC_OK;
out_free:
    mgr_free(m);
    return st;
}

void
session_manager_destroy(session_manager *m)
{
    if (m == NULL) {
        return;
    }
    if (!m->shut_down && session_manager_shutdown(m, 0) != MPC_OK) {
        mpc_log(MPC_LOG_INFO, "session", "destroy_failed_live_sessions", NULL);
    }
    mgr_free(m);
}

/*
 * Waits until every started session has ended and its completion callback
 * returned (so its permit is back), or deadline_ns passes.
 * Returns: the number still active.
 */
static uint64_t
mgr_wait_drained(struct session_manager *m, uint64_t deadline_ns)
{
    pthread_mutex_lock(&m->reg_lock);
    while (m->nactive > 0 && mpc_clock_mono_ns() < deadline_ns) {
        struct timespec ts = mpc_clock_ns_to_timespec(deadline_ns);
        pthread_cond_timedwait(&m->reg_cond, &m->reg_lock, &ts);
    }
    uint64_t n = m->nactive;
    pthread_mutex_unlock(&m->reg_lock);
    return n;
}

mpc_status
session_manager_shutdown(session_manager *m, uint64_t drain_ms)
{
    if (m == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&m->reg_lock);
    m->accepting = 0;
    pthread_mutex_unlock(&m->reg_lock);
    pthread_mutex_lock(&m->perm_lock);
    m->perm_closed = 1;
    pthread_cond_broadcast(&m->perm_cond);
    pthread_mutex_unlock(&m->perm_lock);

    mpc_status st = MPC_OK;
    if (mgr_wait_drained(m, mpc_clock_deadline_ns(drain_ms)) > 0) {
        st = MPC_ERR_TIMEOUT;
        size_t n = 0;
        session **v = session_registry_collect(m, &n);
        for (size_t i = 0; i < n; i++) {
            session_request_fail(v[i], MPC_ERR_SHUTDOWN, SESSION_NO_CULPRIT);
            session_unref(v[i]);
        }
        free(v);
        uint64_t left = mgr_wait_drained(m, mpc_clock_deadline_ns(SESSION_SHUTDOWN_GRACE));
        if (left > 0) {
            mpc_log(MPC_LOG_ERROR, "session", "shutdown_stuck", "live=%llu",
                    (unsigned long long)left);
        }
    }
    m->shut_down = 1;
    return st;
}

/* ------------------------------------------------------------ start */

static mpc_status
mgr_check_spec(const struct session_manager *m, const session_spec *sp)
{
    if (sp->sid == NULL || sp->proto == NULL || sp->done == NULL || sp->key_type == NULL ||
        sp->wallet == NULL || sp->party_ids == NULL || sp->n_parties < 2 ||
        sp->n_parties > SESSION_MAX_PARTIES || sp->self >= sp->n_parties ||
        (sp->input == NULL && sp->input_len != 0) || sp->op < SESSION_OP_KEYGEN ||
        sp->op > SESSION_OP_RESHARE || sp->proto->create == NULL || sp->proto->handle == NULL ||
        (sp->gate_scope != NULL && m->cfg.pairgate == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    for (uint32_t i = 0; i < sp->n_parties; i++) {
        if (!session_valid_id(sp->party_ids[i])) {
            return MPC_ERR_INVALID_ARG;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(sp->party_ids[i], sp->party_ids[j]) == 0) {
                return MPC_ERR_INVALID_ARG;
            }
        }
    }
    return strcmp(sp->party_ids[sp->self], m->self_id) == 0 ? MPC_OK : MPC_ERR_INVALID_ARG;
}

static uint64_t
mgr_op_deadline(const struct session_manager *m, const session_spec *sp)
{
    if (sp->deadline_ms != 0) {
        return sp->deadline_ms;
    }
    switch (sp->op) {
    case SESSION_OP_KEYGEN:
        return m->cfg.keygen_deadline_ms;
    case SESSION_OP_RESHARE:
        return m->cfg.reshare_deadline_ms;
    case SESSION_OP_SIGN:
    default:
        return m->cfg.sign_deadline_ms;
    }
}

/* tss_pair_gate of a session: party index -> its pair entry (pairgate.h). */
static mpc_status
mgr_gate_enter(void *user, uint32_t peer)
{
    session *s = user;
    return peer < s->n ? session_pair_lock(s->pairs[peer]) : MPC_ERR_QUARANTINED;
}

static void
mgr_gate_leave(void *user, uint32_t peer, int failed)
{
    session *s = user;
    if (peer < s->n) {
        session_pair_unlock(s->mgr->cfg.pairgate, s->pairs[peer], failed);
    }
}

/* Takes the session's pair entries under scope (one per peer). */
static mpc_status
mgr_session_gate(session *s, const char *scope)
{
    s->pairs = calloc(s->n, sizeof *s->pairs);
    if (s->pairs == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        if (i == s->self) {
            continue;
        }
        mpc_status st =
            session_pairgate_acquire(s->mgr->cfg.pairgate, scope, s->party_ids[i], &s->pairs[i]);
        if (st != MPC_OK) {
            return st;
        }
    }
    s->gate = (tss_pair_gate){.enter = mgr_gate_enter, .leave = mgr_gate_leave, .user = s};
    return MPC_OK;
}

/* Allocates and fills a session (state SUBSCRIBING, one reference). */
static session *
mgr_session_new(struct session_manager *m, const session_spec *sp)
{
    session *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    atomic_store(&s->refs, 1);
    s->n = sp->n_parties;
    s->ring_cap = (size_t)m->cfg.mailbox_cap + 3u * sp->n_parties;
    s->ring = calloc(s->ring_cap, sizeof *s->ring);
    s->probe_ok = calloc(s->n, 1);
    s->probe_retry = calloc(s->n, 1);
    s->peer_inc = calloc(s->n, sizeof *s->peer_inc);
    s->verdict_dispute[0] = s->verdict_dispute[1] = SESSION_NO_CULPRIT;
    s->party_ids = calloc(s->n, sizeof *s->party_ids);
    s->key_type = strdup(sp->key_type);
    s->wallet = strdup(sp->wallet);
    s->input = malloc(sp->input_len ? sp->input_len : 1);
    int ok = s->ring && s->probe_ok && s->probe_retry && s->peer_inc && s->party_ids &&
             s->key_type && s->wallet && s->input;
    for (uint32_t i = 0; ok && i < s->n; i++) {
        ok = (s->party_ids[i] = strdup(sp->party_ids[i])) != NULL;
    }
    if (!ok) {
        mgr_session_free(s);
        return NULL;
    }
    if (sp->input_len != 0) {
        memcpy(s->input, sp->input, sp->input_len);
    }
    s->input_len = sp->input_len;
    s->mgr = m;
    s->serial = atomic_fetch_add(&m->next_serial, 1);
    memcpy(s->sid, sp->sid, SESSION_SID_LEN);
    session_sid_hex(s->sid, s->sid_hex);
    s->op = sp->op;
    s->proto = sp->proto;
    s->self = sp->self;
    s->threshold = sp->threshold;
    s->done = sp->done;
    s->done_arg = sp->done_arg;
    s->started_ms = mpc_clock_mono_ms();
    s->deadline_at_ms = s->started_ms + mgr_op_deadline(m, sp);
    s->barrier_deadline_ms = s->started_ms + m->cfg.barrier_timeout_ms;
    s->last_activity_ms = s->step_started_ms = s->started_ms;
    s->direct_cap = m->cfg.mailbox_cap;
    s->state = SESSION_STATE_SUBSCRIBING;
    s->pending_fail = MPC_OK;
    s->held = sp->hold != 0;
    if (transport_subject_build(s->subj_b, sizeof s->subj_b, TRANSPORT_SUBJ_SESSION_BCAST,
                                s->sid_hex, NULL, NULL) != MPC_OK ||
        transport_subject_build(s->subj_d, sizeof s->subj_d, TRANSPORT_SUBJ_SESSION_DIRECT,
                                s->sid_hex, m->self_id, NULL) != MPC_OK ||
        transport_subject_build(s->subj_r, sizeof s->subj_r, TRANSPORT_SUBJ_SESSION_READY,
                                s->sid_hex, m->self_id, NULL) != MPC_OK ||
        (sp->gate_scope != NULL && mgr_session_gate(s, sp->gate_scope) != MPC_OK)) {
        mgr_session_free(s);
        return NULL;
    }
    return s;
}

mpc_status
session_manager_start(session_manager *m, const session_spec *sp)
{
    if (m == NULL || sp == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = mgr_check_spec(m, sp);
    if (st != MPC_OK) {
        return st;
    }
    st = mgr_permit_take(m, sp->admit_timeout_ms);
    if (st != MPC_OK) {
        return st;
    }
    int key_locked = 0;
    if (sp->op == SESSION_OP_RESHARE) {
        if ((st = session_keylock_take(m, sp->wallet, sp->key_type)) != MPC_OK) {
            goto out_permit;
        }
        key_locked = 1;
    }
    session *s = mgr_session_new(m, sp);
    if (s == NULL) {
        st = MPC_ERR_NOMEM;
        goto out_keylock;
    }
    s->holds_key_lock = key_locked;
    if ((st = session_registry_insert(m, s)) != MPC_OK) {
        mgr_session_free(s);
        goto out_keylock;
    }
    atomic_fetch_add(&m->started, 1);
    pthread_mutex_lock(&s->lock);
    session_schedule_locked(s);
    pthread_mutex_unlock(&s->lock);
    return MPC_OK;
out_keylock:
    if (key_locked) {
        session_keylock_give(m, sp->wallet, sp->key_type);
    }
out_permit:
    session_permit_give(m);
    return st;
}

mpc_status
session_manager_release(session_manager *m, const uint8_t *sid, mpc_status st)
{
    if (m == NULL || sid == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    session *s = session_registry_find(m, sid);
    if (s == NULL) {
        return MPC_ERR_NOT_FOUND;
    }
    pthread_mutex_lock(&s->lock);
    int ended = s->terminal;
    s->held = 0;
    if (st != MPC_OK && s->pending_fail == MPC_OK) {
        s->pending_fail = st;
        s->pending_culprit = SESSION_NO_CULPRIT;
    }
    s->probe_dirty = 1; /* the worker loop runs us again: barrier check */
    session_schedule_locked(s);
    pthread_mutex_unlock(&s->lock);
    session_unref(s);
    return ended ? MPC_ERR_NOT_FOUND : MPC_OK;
}

uint64_t
session_manager_incarnation(session_manager *m)
{
    return m != NULL ? m->cfg.incarnation : 0;
}

void
session_manager_get_stats(session_manager *m, session_manager_stats *out)
{
    if (out == NULL) {
        return;
    }
    memset(out, 0, sizeof *out);
    if (m == NULL) {
        return;
    }
    out->started = atomic_load(&m->started);
    out->done = atomic_load(&m->done);
    out->failed = atomic_load(&m->failed);
    out->live_high_water = atomic_load(&m->live_hwm);
    out->faults = atomic_load(&m->faults);
    out->quarantined = atomic_load(&m->quarantined);
    out->replays_dropped = atomic_load(&m->replays);
    out->late_dropped = atomic_load(&m->late);
    out->bad_dropped = atomic_load(&m->bad);
    out->parked = atomic_load(&m->parked);
    out->oversized = atomic_load(&m->oversized);
    out->park_refused = atomic_load(&m->park_refused);
    out->busy_replies = atomic_load(&m->busy);
    out->gone_replies = atomic_load(&m->gone);
    out->gone_answers = atomic_load(&m->gone_answers);
    out->janitor_passes = atomic_load(&m->jan_passes);
    pthread_mutex_lock(&m->reg_lock);
    out->live = m->nlive;
    out->tombstones = m->ntombs;
    pthread_mutex_unlock(&m->reg_lock);
    pthread_mutex_lock(&m->perm_lock);
    out->permits_in_use = m->permits_used;
    pthread_mutex_unlock(&m->perm_lock);
}

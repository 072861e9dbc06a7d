/*
 * snapshot.c — the live snapshot of a session manager as JSON (jansson).
 *
 * Schema (also in docs/SNAPSHOT.md; all durations in milliseconds,
 * all counters since the manager was created unless noted):
 *
 * {
 *   "node": {
 *     "self_id":          string   this node's id
 *     "uptime_ms":        integer  since session_manager_create
 *     "live":             integer  sessions in the registry now
 *     "live_high_water":  integer  most sessions live at once
 *     "started":          integer  sessions accepted
 *     "done":             integer  sessions ended DONE
 *     "failed":           integer  sessions ended FAILED
 *     "permits_in_use":   integer  admission permits held now
 *     "permits_max":      integer  max_sessions
 *     "faults_trapped":   integer  hardware faults/aborts trapped by the guard
 *     "quarantined":      integer  sessions whose state was quarantined
 *     "replays_dropped":  integer  replayed (from, round, seq) dropped
 *     "late_dropped":     integer  messages for rounds already over
 *     "bad_dropped":      integer  undecodable/misaddressed envelopes
 *     "parked":           integer  messages parked for a later round
 *     "oversized":        integer  messages over the protocol's declared size
 *     "park_refused":     integer  second message of one (peer, round, kind) not parked
 *     "busy_replies":     integer  BUSY answers (mailbox full)
 *     "gone_replies":     integer  GONE answers (session finished)
 *     "gone_answers":     integer  GONE answers to our direct sends and probes
 *     "janitor_passes":   integer  deadline checks over all sessions completed
 *     "tombstones":       integer  finished sids remembered now
 *     "transport": {
 *       "name":           string   "nats" or "mem"
 *       "disconnects":    integer  connection losses
 *       "reconnects":     integer  restarts of the connection
 *       "subscriptions":  integer  active subscriptions now
 *     }
 *   },
 *   "sessions": [                   one object per live session
 *     {
 *       "sid":                string   32 hex chars
 *       "op":                 string   "keygen" | "sign" | "reshare"
 *       "key_type":           string
 *       "wallet":             string
 *       "protocol":           string   protocol name
 *       "state":              string   "subscribing" | "barrier" | "running" | "done" | "failed"
 *       "round":              integer  current round (0 before start)
 *       "party":              integer  own party index
 *       "parties":            integer  number of parties
 *       "elapsed_ms":         integer  since the session started
 *       "step_ms":            integer  time in the current state/round
 *       "deadline_in_ms":     integer  until the session deadline (0 if past)
 *       "mailbox_depth":      integer  items queued now
 *       "mailbox_high_water": integer  most items ever queued
 *       "mailbox_cap":        integer  direct-message capacity
 *       "msgs_in":            integer  envelopes accepted into the mailbox
 *       "msgs_out":           integer  envelopes published or sent
 *       "retries":            integer  direct-send retries
 *       "drops":              integer  replays, late, bad, overflow
 *     }
 *   ]
 * }
 */
#include "session/manager.h"

#include <jansson.h>
#include <stdlib.h>

#include "common/clock.h"
#include "session/internal.h"

static int
snap_set_u64(json_t *o, const char *k, uint64_t v)
{
    return json_object_set_new(o, k, json_integer((json_int_t)v));
}

static json_t *
snap_session(session *s, uint64_t now)
{
    json_t *o = json_object();
    if (o == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    session_state state = s->state;
    uint32_t round = s->round;
    uint64_t step = s->step_started_ms;
    size_t depth = s->mb_len, hwm = s->mb_hwm;
    pthread_mutex_unlock(&s->lock);
    int rc = 0;
    rc |= json_object_set_new(o, "sid", json_string(s->sid_hex));
    rc |= json_object_set_new(o, "op", json_string(session_op_name(s->op)));
    rc |= json_object_set_new(o, "key_type", json_string(s->key_type));
    rc |= json_object_set_new(o, "wallet", json_string(s->wallet));
    rc |= json_object_set_new(o, "protocol", json_string(s->proto->name ? s->proto->name : ""));
    rc |= json_object_set_new(o, "state", json_string(session_state_name(state)));
    rc |= snap_set_u64(o, "round", round);
    rc |= snap_set_u64(o, "party", s->self);
    rc |= snap_set_u64(o, "parties", s->n);
    rc |= snap_set_u64(o, "elapsed_ms", now - s->started_ms);
    rc |= snap_set_u64(o, "step_ms", now >= step ? now - step : 0);
    rc |= snap_set_u64(o, "deadline_in_ms", s->deadline_at_ms > now ? s->deadline_at_ms - now : 0);
    rc |= snap_set_u64(o, "mailbox_depth", depth);
    rc |= snap_set_u64(o, "mailbox_high_water", hwm);
    rc |= snap_set_u64(o, "mailbox_cap", s->direct_cap);
    rc |= snap_set_u64(o, "msgs_in", atomic_load(&s->msgs_in));
    rc |= snap_set_u64(o, "msgs_out", atomic_load(&s->msgs_out));
    rc |= snap_set_u64(o, "retries", atomic_load(&s->retries));
    rc |= snap_set_u64(o, "drops", atomic_load(&s->drops));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *
snap_node(session_manager *m, uint64_t now)
{
    session_manager_stats st;
    session_manager_get_stats(m, &st);
    transport_stats ts;
    transport_get_stats(m->t, &ts);
    json_t *o = json_object(), *t = json_object();
    if (o == NULL || t == NULL) {
        json_decref(o);
        json_decref(t);
        return NULL;
    }
    int rc = 0;
    rc |= json_object_set_new(o, "self_id", json_string(m->self_id));
    rc |= snap_set_u64(o, "uptime_ms", now - m->created_ms);
    rc |= snap_set_u64(o, "live", st.live);
    rc |= snap_set_u64(o, "live_high_water", st.live_high_water);
    rc |= snap_set_u64(o, "started", st.started);
    rc |= snap_set_u64(o, "done", st.done);
    rc |= snap_set_u64(o, "failed", st.failed);
    rc |= snap_set_u64(o, "permits_in_use", st.permits_in_use);
    rc |= snap_set_u64(o, "permits_max", m->cfg.max_sessions);
    rc |= snap_set_u64(o, "faults_trapped", st.faults);
    rc |= snap_set_u64(o, "quarantined", st.quarantined);
    rc |= snap_set_u64(o, "replays_dropped", st.replays_dropped);
    rc |= snap_set_u64(o, "late_dropped", st.late_dropped);
    rc |= snap_set_u64(o, "bad_dropped", st.bad_dropped);
    rc |= snap_set_u64(o, "parked", st.parked);
    rc |= snap_set_u64(o, "oversized", st.oversized);
    rc |= snap_set_u64(o, "park_refused", st.park_refused);
    rc |= snap_set_u64(o, "busy_replies", st.busy_replies);
    rc |= snap_set_u64(o, "gone_replies", st.gone_replies);
    rc |= snap_set_u64(o, "gone_answers", st.gone_answers);
    rc |= snap_set_u64(o, "janitor_passes", st.janitor_passes);
    rc |= snap_set_u64(o, "tombstones", st.tombstones);
    rc |= json_object_set_new(t, "name", json_string(m->t->name ? m->t->name : ""));
    rc |= snap_set_u64(t, "disconnects", ts.disconnects);
    rc |= snap_set_u64(t, "reconnects", ts.reconnects);
    rc |= snap_set_u64(t, "subscriptions", ts.subscriptions);
    rc |= json_object_set_new(o, "transport", t);
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

mpc_status
session_manager_snapshot(session_manager *m, char **json)
{
    if (json == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *json = NULL;
    if (m == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint64_t now = mpc_clock_mono_ms();
    size_t n = 0;
    session **v = session_registry_collect(m, &n);
    json_t *root = json_object(), *arr = json_array();
    json_t *node = snap_node(m, now);
    int rc = v == NULL || root == NULL || arr == NULL || node == NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *o = rc ? NULL : snap_session(v[i], now);
        rc |= o == NULL || json_array_append_new(arr, o) != 0;
        session_unref(v[i]);
    }
    free(v);
    if (!rc) {
        rc |= json_object_set_new(root, "node", node);
        node = NULL;
        rc |= json_object_set_new(root, "sessions", arr);
        arr = NULL;
    }
    if (!rc) {
        *json = json_dumps(root, JSON_COMPACT);
    }
    json_decref(node);
    json_decref(arr);
    json_decref(root);
    return *json != NULL ? MPC_OK : MPC_ERR_NOMEM;
}

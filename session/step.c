/*
 * step.c — one protocol call inside the fault guard, and what happens to a
 * session whose step faulted (worker thread only).
 *
 * DESIGN: every call into protocol code (create, start, handle, current_round,
 * is_done, result, culprit) happens in step_body, under session_guard_call.
 * The guard traps only hardware faults of protocol code (tss/, pure, holds no
 * lock): the process is intact, the faulted session's state is not to be
 * trusted. Its outbox and result buffer are wiped and freed, and its state is
 * wiped and freed by the protocol's destroy, run under the guard again; only
 * if that faults too is the state parked on the quarantine list (never
 * touched again). The session never runs another protocol step. With
 * -DMPC_FAULT_INJECTION the injection table is consulted first, inside the
 * same guard.
 */
#include "session/step.h"

#include "common/log.h"
#include "common/secmem.h"
#include "session/guard.h"

static mpc_status
step_call(session_step *c)
{
    session *s = c->s;
    const tss_protocol *p = s->proto;
    tss_params params = {
        .sid = s->sid,
        .self = s->self,
        .n_parties = s->n,
        .party_ids = (const char *const *)s->party_ids,
        .threshold = s->threshold,
        .input = s->input,
        .input_len = s->input_len,
        .gate = s->pairs != NULL ? &s->gate : NULL,
    };
    switch (c->kind) {
    case SESSION_STEP_CREATE:
        return p->create(&s->pstate, &params);
    case SESSION_STEP_START:
        return tss_proto_start(s->pstate, c->out);
    case SESSION_STEP_HANDLE:
        return tss_proto_handle(s->pstate, c->from, c->round, c->is_broadcast, c->data, c->len,
                                c->out);
    case SESSION_STEP_RESULT:
        return tss_proto_result(s->pstate, &c->res, &c->res_len);
    case SESSION_STEP_DESTROY:
        tss_proto_destroy(s->pstate);
        s->pstate = NULL;
        return MPC_OK;
    }
    return MPC_ERR_INTERNAL;
}

static mpc_status
step_body(void *arg)
{
    session_step *c = arg;
    session *s = c->s;
#ifdef MPC_FAULT_INJECTION
    if (c->kind != SESSION_STEP_DESTROY) {
        uint32_t round = c->kind == SESSION_STEP_HANDLE ? c->round : 0;
        session_fault_kind fk = session_fault_match(s->proto->name, round, s->self, s->sid);
        if (fk != SESSION_FAULT_NONE) {
            return session_fault_fire(fk);
        }
    }
#endif
    mpc_status st = step_call(c);
    if (c->kind == SESSION_STEP_DESTROY || c->kind == SESSION_STEP_RESULT) {
        return st;
    }
    if (st != MPC_OK) {
        c->culprit = tss_proto_culprit(s->pstate);
        c->disputed = tss_proto_dispute(s->pstate, c->dispute);
        return st;
    }
    c->cur_round = tss_proto_current_round(s->pstate);
    c->is_done = tss_proto_is_done(s->pstate);
    return MPC_OK;
}

/* Wipes and frees everything the faulted step could have written (see DESIGN). */
static void
step_discard(session_step *c, int sig)
{
    session *s = c->s;
    int wiped = 1;
    s->quarantined = 1;
    if (c->out != NULL) {
        mpc_outbox_clear(c->out);
    }
    if (c->res != NULL) {
        mpc_secure_free(c->res);
        c->res = NULL;
        c->res_len = 0;
    }
    if (s->pstate != NULL) {
        session_step d = {.s = s, .kind = SESSION_STEP_DESTROY};
        int sig2 = 0;
        if (session_guard_call(step_body, &d, &sig2) == MPC_ERR_FAULT && s->pstate != NULL) {
            session_guard_quarantine(s->pstate);
            wiped = 0;
        }
        s->pstate = NULL;
    }
    atomic_fetch_add(&s->mgr->faults, 1);
    atomic_fetch_add(&s->mgr->quarantined, 1);
    mpc_log(MPC_LOG_ERROR, "session", "fault_trapped", "sid=%s signal=%d step=%d round=%u wiped=%d",
            s->sid_hex, sig, (int)c->kind, c->round, wiped);
}

mpc_status
session_step_run(session_step *c)
{
    c->culprit = SESSION_NO_CULPRIT;
    c->dispute[0] = c->dispute[1] = SESSION_NO_CULPRIT;
    c->disputed = 0;
    c->cur_round = 0;
    c->is_done = 0;
    if (c->s->quarantined || (c->kind != SESSION_STEP_CREATE && c->s->pstate == NULL)) {
        return MPC_ERR_SESSION_STATE;
    }
    int sig = 0;
    mpc_status st = session_guard_call(step_body, c, &sig);
    if (st == MPC_ERR_FAULT && sig != 0) {
        step_discard(c, sig);
    }
    return st;
}

/*
 * actor_send.c — what a session's worker sends: the protocol's outgoing
 * messages (sealed, pair-gated where bound to a pair's OT-extension Δ), the
 * barrier probes, and the ABORT that tells the peers a session failed.
 *
 * DESIGN: called by the worker running the session only (actor.c); the
 * transport queues each message and never waits here.
 */
#include "session/internal.h"

#include <stdlib.h>

#include "session/blame.h"
#include "session/wire.h"
#include "transport/subject.h"

/* Seals and sends one message (its recipient already checked). */
static mpc_status
send_one(session *s, const mpc_out_msg *om)
{
    int bcast = om->to == MPC_OUTBOX_ALL;
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = session_wire_seal(s, bcast ? SESSION_WIRE_BROADCAST : SESSION_WIRE_DIRECT,
                                      bcast ? 0 : om->to, om->round, s->next_seq++, om->data,
                                      om->len, &buf, &len);
    if (st != MPC_OK) {
        return st;
    }
    if (bcast) {
        st = transport_publish(s->mgr->t, s->subj_b, buf, len);
    } else {
        char subj[SESSION_SUBJECT_MAX];
        st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_SESSION_DIRECT, s->sid_hex,
                                     s->party_ids[om->to], NULL);
        if (st == MPC_OK) {
            st = session_send_direct(s, om->to, subj, buf, len, 0, s->deadline_at_ms);
        }
    }
    free(buf);
    if (st == MPC_OK) {
        atomic_fetch_add(&s->msgs_out, 1);
    }
    return st;
}

/*
 * A pair-bound message (derived from the pair's OT-extension Δ): handed to
 * the transport (a queue, no waiting) under its pair lock and only while the
 * pair is not quarantined (pairgate.h), so no Δ-dependent byte leaves after
 * a failed check of that pair, whichever session's check it was. A broadcast
 * cannot be pair-bound (protocol bug).
 */
static mpc_status
send_gated(session *s, const mpc_out_msg *om, uint32_t *culprit)
{
    if (om->to == MPC_OUTBOX_ALL) {
        return MPC_ERR_PROTOCOL;
    }
    session_pair *p = s->pairs[om->to];
    if (session_pair_release_begin(p) != MPC_OK) {
        *culprit = om->to;
        return MPC_ERR_QUARANTINED;
    }
    mpc_status st = send_one(s, om);
    session_pair_release_end(p);
    return st;
}

/*
 * Seals and sends every message of ob, then clears it. On MPC_ERR_QUARANTINED
 * (a pair-bound message whose pair is quarantined) *culprit names the peer
 * and nothing more is sent.
 */
mpc_status
session_actor_send(session *s, mpc_outbox *ob, uint32_t *culprit)
{
    mpc_status st = MPC_OK;
    *culprit = SESSION_NO_CULPRIT;
    for (size_t i = 0; i < ob->n && st == MPC_OK; i++) {
        const mpc_out_msg *om = &ob->msgs[i];
        int bcast = om->to == MPC_OUTBOX_ALL;
        if (!bcast && (om->to >= s->n || om->to == s->self)) {
            st = MPC_ERR_PROTOCOL; /* protocol addressed nobody: its bug, its session */
        } else if (om->pair_bound && (bcast || s->pairs != NULL)) {
            st = send_gated(s, om, culprit);
        } else {
            st = send_one(s, om);
        }
    }
    mpc_outbox_clear(ob);
    return st;
}

/*
 * Peer p's own probe reached us, so p's subscriptions are confirmed: our probe
 * to p that met "no responders" (p had not subscribed yet) tries again now
 * instead of after its backoff step (base 100 ms): p needs our ephemeral key to
 * start. A probe in flight is left alone (no second copy).
 */
void
session_actor_probe_kick(session *s, uint32_t p)
{
    char subj[SESSION_SUBJECT_MAX];
    if (transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_SESSION_READY, s->sid_hex,
                                s->party_ids[p], NULL) == MPC_OK) {
        transport_retry_now(s->mgr->t, s->serial, subj);
    }
}

/* Sends (or re-sends) the barrier probe to peer p. */
mpc_status
session_actor_probe(session *s, uint32_t p)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = session_wire_seal(s, SESSION_WIRE_READY, p, 0, 0, NULL, 0, &buf, &len);
    if (st != MPC_OK) {
        return st;
    }
    char subj[SESSION_SUBJECT_MAX];
    st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_SESSION_READY, s->sid_hex,
                                 s->party_ids[p], NULL);
    if (st == MPC_OK) {
        st = session_send_direct(s, p, subj, buf, len, 1, s->barrier_deadline_ms);
    }
    free(buf);
    return st;
}

/*
 * Tells the peers we failed (best effort), so they fail fast. Payload: see
 * session/blame.h (the status; for MPC_ERR_PEER_RESTARTED the restarted
 * party and our proof of it).
 */
void
session_actor_publish_abort(session *s, mpc_status st, uint32_t culprit)
{
    uint8_t *code = NULL, *buf = NULL;
    size_t code_len = 0, len = 0;
    if (s->sub_b == NULL ||
        session_blame_abort_payload(s, st, culprit, &code, &code_len) != MPC_OK) {
        return;
    }
    if (session_wire_seal(s, SESSION_WIRE_ABORT, 0, s->round, s->next_seq++, code, code_len, &buf,
                          &len) == MPC_OK &&
        transport_publish(s->mgr->t, s->subj_b, buf, len) == MPC_OK) {
        atomic_fetch_add(&s->msgs_out, 1);
    }
    free(code);
    free(buf);
}

/*
 * test_actor_barrier.c — the readiness barrier's peer probes and the
 * incarnation check of a session, against a hand-driven peer on the
 * in-memory transport: the test plays party n1 of a two-party toy session
 * with its own transport, identity and toy state, and seals its envelopes
 * itself with transport/envelope.h (independently of session/wire.c), so it
 * chooses every probe's signer and every envelope's incarnation.
 *   - a verified probe from the peer makes it ready although our own probes
 *     meet no responders (the peer never subscribed .r): the protocol starts;
 *   - forged, foreign or misrouted probes do not: the barrier deadline fails
 *     the session with MPC_ERR_PEER_UNAVAILABLE naming the peer;
 *   - a second incarnation of the peer fails the session with
 *     MPC_ERR_PEER_RESTARTED naming it, and the ABORT tells who restarted;
 *     the same inconsistent content from the same incarnation is still
 *     reported as MPC_ERR_EQUIVOCATION;
 *   - an ABORT saying that we ourselves restarted is reported as such;
 *   - after any other ABORT, our own verdict within abort_grace_ms wins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/outbox.h"
#include "common/secmem.h"
#include "session/manager.h"
#include "tests/support/actor_fixture.h"
#include "tests/support/session_testkit.h"
#include "tests/support/test_util.h"
#include "tests/support/toy_protocol.h"
#include "tests/support/transport_testkit.h"
#include "transport/envelope.h"
#include "transport/mem_transport.h"

#define INC_OLD 0x1111111111111111ULL /* the fake's incarnation */
#define INC_NEW 0x2222222222222222ULL /* the fake's incarnation after a "restart" */

/* Sends what the fake's toy emitted, sealed with incarnation inc. */
static void
send_out(actor_fixture *f, mpc_outbox *ob, uint64_t *seq, uint64_t inc)
{
    for (size_t i = 0; i < ob->n; i++) {
        const mpc_out_msg *m = &ob->msgs[i];
        int bcast = m->to == MPC_OUTBOX_ALL;
        size_t len = 0;
        uint8_t *buf = afx_seal_as(f, f->pt1, f->sid, m->round, (*seq)++,
                                   bcast ? TRANSPORT_ENVELOPE_BROADCAST : TRANSPORT_ENVELOPE_DIRECT,
                                   m->data, m->len, inc, &len);
        afx_send_raw(f, bcast ? "b" : "d.n0", buf, len);
        free(buf);
    }
    mpc_outbox_clear(ob);
}

/* Feeds n0's message of round r to the fake's toy; appends what it emitted to ob. */
static void
feed_round(actor_fixture *f, uint32_t r, transport_envelope_kind kind, mpc_outbox *ob)
{
    int bcast = 0;
    transport_envelope_opened *e = afx_inbox_find(f, r, kind, 10000, &bcast);
    assert_non_null(e);
    assert_int_equal(tss_proto_handle(f->toy, 0, e->round, bcast, e->payload, e->payload_len, ob),
                     MPC_OK);
}

/* Sends a READY probe signed by pt for sid to n0's .r subject. */
static void
probe(actor_fixture *f, transport_peer_table *pt, const uint8_t *sid, int kind, uint64_t inc)
{
    size_t len = 0;
    uint8_t *buf = afx_seal_as(f, pt, sid, 0, 0, kind, NULL, 0, inc, &len);
    afx_send_raw(f, "r.n0", buf, len);
    free(buf);
}

/*
 * n1 subscribes .r only after its own probe, so n0's first probes meet no
 * responders; n1's probe makes it ready, and n0's retried probe brings n1
 * n0's ephemeral key before n1 needs it (round 2 is direct).
 */
static void
test_actor_barrier_peer_probe_makes_peer_ready(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox ob;
    afx_begin_with(f, 0, INC_OLD, &ob);
    probe(f, f->pt1, f->sid, TRANSPORT_ENVELOPE_READY, INC_OLD);
    afx_subscribe_ready(f);
    assert_non_null(stk_eph_box(&f->eph, 10000));
    /* n0 started the protocol: its round-1 broadcast arrives. The fake then
     * plays the protocol to the end and n0 outputs the expected sum. */
    uint64_t seq = 1;
    feed_round(f, 1, TRANSPORT_ENVELOPE_BROADCAST, &ob);
    send_out(f, &ob, &seq, INC_OLD); /* round 1 and, once complete, round 2 */
    for (uint32_t r = 2; r <= TOY_PROTOCOL_ROUNDS; r++) {
        feed_round(f, r, r == 3 ? TRANSPORT_ENVELOPE_BROADCAST : TRANSPORT_ENVELOPE_DIRECT, &ob);
        send_out(f, &ob, &seq, INC_OLD);
    }
    stk_outcome o = afx_outcome_wait(f, 10000);
    assert_int_equal(o.status, MPC_OK);
}

/*
 * The real order: n1 subscribes .r, then probes. n0's first probe met no
 * responders and waits a 15 s backoff step; n1's probe says n1 is reachable,
 * so n0's probe tries again at once and the session ends long before the
 * backoff (issue 12: ~100 ms per request at the default policy).
 */
static void
test_actor_barrier_peer_probe_retries_ours_now(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox ob;
    uint64_t t0 = mpc_clock_mono_ms();
    afx_begin_with(f, 0, INC_OLD, &ob);
    transport_stats ts = {0};
    for (int i = 0; i < 10000 && ts.no_responders == 0; i++) { /* n0's probe met nobody */
        transport_get_stats(f->t0, &ts);
        struct timespec d = {0, 1000000L};
        nanosleep(&d, NULL);
    }
    assert_true(ts.no_responders >= 1);
    afx_subscribe_ready(f);
    probe(f, f->pt1, f->sid, TRANSPORT_ENVELOPE_READY, INC_OLD);
    assert_non_null(stk_eph_box(&f->eph, 20000)); /* n0's retried probe */
    uint64_t seq = 1;
    feed_round(f, 1, TRANSPORT_ENVELOPE_BROADCAST, &ob);
    send_out(f, &ob, &seq, INC_OLD);
    for (uint32_t r = 2; r <= TOY_PROTOCOL_ROUNDS; r++) {
        feed_round(f, r, r == 3 ? TRANSPORT_ENVELOPE_BROADCAST : TRANSPORT_ENVELOPE_DIRECT, &ob);
        send_out(f, &ob, &seq, INC_OLD);
    }
    stk_outcome o = afx_outcome_wait(f, 20000);
    assert_int_equal(o.status, MPC_OK);
    assert_true(mpc_clock_mono_ms() - t0 < AFX_SLOW_RETRY_MS * 2 / 3); /* not after the step */
}

/* Probes that are not n1's own READY for this sid on .r leave the barrier waiting. */
static void
test_actor_barrier_forged_probes_ignored(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox ob;
    afx_begin_with(f, 0, INC_OLD, &ob);
    mpc_outbox_clear(&ob);
    uint8_t other_sid[SESSION_SID_LEN];
    memcpy(other_sid, f->sid, sizeof other_sid);
    other_sid[0] ^= 1;
    probe(f, f->pt9, f->sid, TRANSPORT_ENVELOPE_READY, 0);           /* stranger */
    probe(f, f->pt1, other_sid, TRANSPORT_ENVELOPE_READY, 0);        /* another session */
    probe(f, f->pt1, f->sid, TRANSPORT_ENVELOPE_BROADCAST, INC_OLD); /* not a probe */
    size_t len = 0;
    uint8_t *buf = afx_seal_as(f, f->pt1, f->sid, 0, 0, TRANSPORT_ENVELOPE_READY, NULL, 0, 0, &len);
    buf[len - 1] ^= 0x20; /* signature (last field) no longer verifies */
    afx_send_raw(f, "r.n0", buf, len);
    afx_send_raw(f, "r.n0", (const uint8_t *)"garbage", 7);
    free(buf);
    buf = afx_seal_as(f, f->pt1, f->sid, 0, 0, TRANSPORT_ENVELOPE_READY, f->eph.pk, 31, 0, &len);
    afx_send_raw(f, "r.n0", buf, len); /* signed, but not a 32-byte key */
    free(buf);
    stk_outcome o = afx_outcome_wait(f, 20000);
    assert_int_equal(o.status, MPC_ERR_PEER_UNAVAILABLE);
    assert_int_equal(o.culprit, 1);
    assert_int_equal(o.round, 0);
    int bcast = 0;
    assert_null(afx_inbox_find(f, 1, TRANSPORT_ENVELOPE_BROADCAST, 0, &bcast));
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    assert_int_equal(st.bad_dropped, 6);
}

/*
 * Plays rounds 1 and 2 with incarnation INC_OLD, then a round-3 broadcast
 * whose echo contradicts round 1, sealed with incarnation inc3.
 */
static stk_outcome
run_to_bad_round3(actor_fixture *f, uint64_t inc3)
{
    mpc_outbox ob;
    afx_begin_with(f, 1, INC_OLD, &ob);
    uint64_t seq = 1;
    feed_round(f, 1, TRANSPORT_ENVELOPE_BROADCAST, &ob);
    send_out(f, &ob, &seq, INC_OLD);
    feed_round(f, 2, TRANSPORT_ENVELOPE_DIRECT, &ob);
    assert_int_equal(ob.n, 1); /* the fake's round-3 broadcast: sum || echo */
    assert_int_equal(ob.msgs[0].round, 3);
    assert_true(ob.msgs[0].len > 8);
    ob.msgs[0].data[8] ^= 1; /* the echo of round 1 now disagrees */
    send_out(f, &ob, &seq, inc3);
    return afx_outcome_wait(f, 10000);
}

static void
test_actor_barrier_same_incarnation_equivocation(void **state)
{
    stk_outcome o = run_to_bad_round3(*state, INC_OLD);
    assert_int_equal(o.status, MPC_ERR_EQUIVOCATION);
    assert_int_equal(o.culprit, 1);
}

static void
test_actor_barrier_new_incarnation_peer_restarted(void **state)
{
    actor_fixture *f = *state;
    stk_outcome o = run_to_bad_round3(f, INC_NEW);
    assert_int_equal(o.status, MPC_ERR_PEER_RESTARTED);
    assert_int_equal(o.culprit, 1);
    assert_int_equal(o.round, 3);
    /* The ABORT names the restarted party. */
    int bcast = 0;
    transport_envelope_opened *e = afx_inbox_find(f, 3, TRANSPORT_ENVELOPE_ABORT, 10000, &bcast);
    assert_non_null(e);
    assert_true(e->payload_len > 7);
    assert_int_equal(e->payload[0] | e->payload[1] << 8, MPC_ERR_PEER_RESTARTED);
    assert_int_equal(e->payload[4], 2);
    assert_memory_equal(e->payload + 5, "n1", 2);
    /* The proof: two envelopes signed by n1 with two incarnations, checkable by anyone. */
    assert_int_equal(f->n_ev, 2);
    uint8_t pk[32];
    transport_identity_public_key(f->id1, pk);
    transport_envelope_header h[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(transport_envelope_attest(f->ev[k], f->ev_len[k], pk, &h[k]), MPC_OK);
        assert_string_equal(h[k].from, "n1");
    }
    assert_true(h[0].incarnation == INC_OLD && h[1].incarnation == INC_NEW);
}

/* A restarted peer's barrier probe fails a running session at once (mailbox order). */
static void
test_actor_barrier_new_incarnation_probe(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox ob;
    afx_begin_with(f, 1, INC_OLD, &ob);
    uint64_t seq = 1;
    feed_round(f, 1, TRANSPORT_ENVELOPE_BROADCAST, &ob);
    send_out(f, &ob, &seq, INC_OLD);
    mpc_outbox_clear(&ob);
    int bcast = 0;
    assert_non_null(afx_inbox_find(f, 2, TRANSPORT_ENVELOPE_DIRECT, 10000, &bcast));
    probe(f, f->pt1, f->sid, TRANSPORT_ENVELOPE_READY, INC_OLD); /* same process: fine */
    probe(f, f->pt1, f->sid, TRANSPORT_ENVELOPE_READY, INC_NEW);
    stk_outcome o = afx_outcome_wait(f, 10000);
    assert_int_equal(o.status, MPC_ERR_PEER_RESTARTED);
    assert_int_equal(o.culprit, 1);
    assert_int_equal(o.round, 3); /* the fake's round-2 message was queued before the probe */
}

/* Restart proofs an ABORT may carry. */
enum proof_kind {
    PROOF_NONE,     /* the claim alone */
    PROOF_SAME_INC, /* two envelopes of n1, one incarnation */
    PROOF_FORGED,   /* two incarnations, signed by the stranger n9 */
    PROOF_VALID,    /* two incarnations, signed by n1, this session */
};

/* Sends n1's ABORT(PEER_RESTARTED, who) carrying the proof pk (after begin: the sid is set). */
static stk_outcome
abort_with_proof(actor_fixture *f, const char *who, enum proof_kind pk)
{
    mpc_outbox ob;
    afx_begin_with(f, 1, INC_OLD, &ob);
    mpc_outbox_clear(&ob);
    int bcast = 0;
    assert_non_null(afx_inbox_find(f, 1, TRANSPORT_ENVELOPE_BROADCAST, 10000, &bcast));
    uint8_t pl[4096] = {(uint8_t)MPC_ERR_PEER_RESTARTED, (uint8_t)(MPC_ERR_PEER_RESTARTED >> 8)};
    size_t off = 5 + strlen(who);
    pl[4] = (uint8_t)strlen(who);
    memcpy(pl + 5, who, strlen(who));
    transport_peer_table *signer = pk == PROOF_FORGED ? f->pt9 : f->pt1;
    uint64_t inc2 = pk == PROOF_SAME_INC ? INC_OLD : INC_NEW;
    for (size_t k = 0; pk != PROOF_NONE && k < 2; k++) {
        size_t el = 0;
        uint8_t *env = afx_seal_as(f, signer, f->sid, 0, 0, TRANSPORT_ENVELOPE_READY, NULL, 0,
                                   k == 0 ? INC_OLD : inc2, &el);
        assert_true(off + 4 + el <= sizeof pl);
        pl[off] = (uint8_t)(el >> 24);
        pl[off + 1] = (uint8_t)(el >> 16);
        pl[off + 2] = (uint8_t)(el >> 8);
        pl[off + 3] = (uint8_t)el;
        memcpy(pl + off + 4, env, el);
        off += 4 + el;
        free(env);
    }
    size_t len = 0;
    uint8_t *buf = afx_seal_as(f, f->pt1, f->sid, 1, 7, TRANSPORT_ENVELOPE_ABORT, pl, off, 0, &len);
    afx_send_raw(f, "b", buf, len);
    free(buf);
    return afx_outcome_wait(f, 10000);
}

/* ABORT(PEER_RESTARTED, id) without proof: the session ends, nobody is named. */
static void
abort_with(actor_fixture *f, const char *who, mpc_status want, uint32_t want_culprit)
{
    stk_outcome o = abort_with_proof(f, who, PROOF_NONE);
    assert_int_equal(o.status, want);
    assert_int_equal(o.culprit, want_culprit);
}

static void
test_actor_barrier_abort_says_we_restarted(void **state)
{
    actor_fixture *f = *state;
    abort_with(f, "n0", MPC_ERR_PEER_RESTARTED, SESSION_NO_CULPRIT);
    assert_string_equal(f->out.disputed[0], "n1"); /* n1's word about n0 */
    assert_string_equal(f->out.disputed[1], "n0");
}

static void
test_actor_barrier_abort_names_stranger(void **state)
{
    /* n2 is not a party of this session: an ordinary ABORT, which blames nobody */
    abort_with(*state, "n2", MPC_ERR_GONE, SESSION_NO_CULPRIT);
}

/* Before: an ABORT naming n1 as restarted blamed n1 on the sender's word alone. */
static void
test_actor_barrier_abort_restart_claim_needs_proof(void **state)
{
    actor_fixture *f = *state;
    stk_outcome o = abort_with_proof(f, "n1", PROOF_SAME_INC);
    assert_int_equal(o.status, MPC_ERR_PEER_RESTARTED);
    assert_int_equal(o.culprit, SESSION_NO_CULPRIT);
}

static void
test_actor_barrier_abort_forged_restart_proof(void **state)
{
    actor_fixture *f = *state;
    stk_outcome o = abort_with_proof(f, "n1", PROOF_FORGED);
    assert_int_equal(o.status, MPC_ERR_PEER_RESTARTED);
    assert_int_equal(o.culprit, SESSION_NO_CULPRIT);
}

static void
test_actor_barrier_abort_with_restart_proof(void **state)
{
    actor_fixture *f = *state;
    stk_outcome o = abort_with_proof(f, "n1", PROOF_VALID);
    assert_int_equal(o.status, MPC_ERR_PEER_RESTARTED);
    assert_int_equal(o.culprit, 1);
    assert_int_equal(f->n_ev, 2);
}

/* Two different round-1 broadcasts signed by n1: named, with both as evidence. */
static void
test_actor_barrier_broadcast_equivocation_proven(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox ob;
    afx_begin_with(f, 1, INC_OLD, &ob);
    assert_int_equal(ob.n, 1);
    int bcast = 0; /* n0 is subscribed (it published round 1): our broadcasts reach it */
    assert_non_null(afx_inbox_find(f, 1, TRANSPORT_ENVELOPE_BROADCAST, 10000, &bcast));
    size_t len = 0;
    uint8_t *a = afx_seal_as(f, f->pt1, f->sid, 1, 1, TRANSPORT_ENVELOPE_BROADCAST, ob.msgs[0].data,
                             ob.msgs[0].len, INC_OLD, &len);
    afx_send_raw(f, "b", a, len);
    free(a);
    ob.msgs[0].data[ob.msgs[0].len - 1] ^= 1; /* a second, different commitment */
    a = afx_seal_as(f, f->pt1, f->sid, 1, 2, TRANSPORT_ENVELOPE_BROADCAST, ob.msgs[0].data,
                    ob.msgs[0].len, INC_OLD, &len);
    afx_send_raw(f, "b", a, len);
    free(a);
    mpc_outbox_clear(&ob);
    stk_outcome o = afx_outcome_wait(f, 10000);
    assert_int_equal(o.status, MPC_ERR_EQUIVOCATION);
    assert_int_equal(o.culprit, 1);
    /* Offline: both signed by n1, same (sid, from, round, kind, to), different payloads. */
    assert_int_equal(f->n_ev, 2);
    uint8_t pk[32];
    transport_identity_public_key(f->id1, pk);
    transport_envelope_header h[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(transport_envelope_attest(f->ev[k], f->ev_len[k], pk, &h[k]), MPC_OK);
    }
    assert_int_equal(h[0].round, h[1].round);
    assert_int_equal(h[0].kind, h[1].kind);
    assert_memory_equal(h[0].sid, h[1].sid, 16);
    assert_memory_not_equal(h[0].payload_digest, h[1].payload_digest, 32);
}

/*
 * Within abort_grace_ms of a peer's ABORT, the session's own verdict on a
 * message already on its way wins (here: a malformed round-1 broadcast).
 */
static void
test_actor_barrier_own_verdict_beats_abort(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox ob;
    afx_begin_with(f, 1, INC_OLD, &ob);
    mpc_outbox_clear(&ob);
    int bcast = 0;
    assert_non_null(afx_inbox_find(f, 1, TRANSPORT_ENVELOPE_BROADCAST, 10000, &bcast));
    uint8_t code[4] = {(uint8_t)MPC_ERR_OT_CHECK, (uint8_t)(MPC_ERR_OT_CHECK >> 8), 0, 0};
    size_t len = 0;
    uint8_t *buf = afx_seal_as(f, f->pt1, f->sid, 1, 9, TRANSPORT_ENVELOPE_ABORT, code, 4, 0, &len);
    afx_send_raw(f, "b", buf, len);
    free(buf);
    buf = afx_seal_as(f, f->pt1, f->sid, 1, 1, TRANSPORT_ENVELOPE_BROADCAST,
                      (const uint8_t *)"short", 5, 0, &len);
    afx_send_raw(f, "b", buf, len);
    free(buf);
    stk_outcome o = afx_outcome_wait(f, 10000);
    assert_int_equal(o.status, MPC_ERR_MSG_MALFORMED);
    assert_int_equal(o.culprit, 1);
}

static void
test_actor_barrier_incarnation_config(void **state)
{
    actor_fixture *f = *state;
    assert_int_equal(session_manager_incarnation(NULL), 0);
    assert_int_not_equal(session_manager_incarnation(f->m0), 0); /* drawn at create */
    session_config cfg;
    session_config_default(&cfg);
    assert_int_equal(cfg.incarnation, 0);
    cfg.self_id = "n0";
    cfg.peers = f->pt0;
    cfg.gone_responder = 0;
    cfg.incarnation = INC_NEW;
    session_manager *m = NULL;
    assert_int_equal(session_manager_create(&m, &cfg, f->t0), MPC_OK);
    assert_int_equal(session_manager_incarnation(m), INC_NEW);
    session_manager_destroy(m);
}

/*
 * Once n1's ephemeral key is known, a second, different announcement is
 * refused (counted) and the session goes on under the first; n0's direct
 * payloads open with the ephemeral key only, never with the key derived
 * from the long-term identities.
 */
static void
test_actor_barrier_ephemeral_key_pinned_and_required(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox ob;
    afx_begin_with(f, 1, INC_OLD, &ob);
    stk_eph other;
    stk_eph_init(&other);
    size_t len = 0;
    uint8_t *buf =
        afx_seal_as(f, f->pt1, f->sid, 0, 0, TRANSPORT_ENVELOPE_READY, other.pk, 32, INC_OLD, &len);
    afx_send_raw(f, "r.n0", buf, len);
    free(buf);
    sodium_memzero(&other, sizeof other);
    uint64_t seq = 1;
    feed_round(f, 1, TRANSPORT_ENVELOPE_BROADCAST, &ob);
    send_out(f, &ob, &seq, INC_OLD);
    for (uint32_t r = 2; r <= TOY_PROTOCOL_ROUNDS; r++) {
        feed_round(f, r, r == 3 ? TRANSPORT_ENVELOPE_BROADCAST : TRANSPORT_ENVELOPE_DIRECT, &ob);
        send_out(f, &ob, &seq, INC_OLD);
    }
    stk_outcome o = afx_outcome_wait(f, 10000);
    assert_int_equal(o.status, MPC_OK);
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    assert_int_equal(st.bad_dropped, 1);
    /* The recorded round-2 direct: the long-term (static) key fails, the ephemeral one opens. */
    pthread_mutex_lock(&f->in.mu);
    uint8_t *rec = f->rec;
    size_t rec_len = f->rec_len;
    pthread_mutex_unlock(&f->in.mu);
    assert_non_null(rec);
    transport_envelope_opened e;
    transport_envelope_open_opts opts = {.expected_sid = f->sid};
    assert_int_equal(transport_envelope_open(f->pt1, &opts, rec, rec_len, &e), MPC_OK);
    assert_true(e.sealed);
    uint8_t k[TRANSPORT_BOX_KEY], *pt = NULL;
    size_t pt_len = 0;
    assert_int_equal(transport_peer_table_get(f->pt1, "n0", NULL, k), MPC_OK);
    assert_int_equal(transport_envelope_unbox(k, e.payload, e.payload_len, &pt, &pt_len),
                     MPC_ERR_MSG_DECRYPT);
    sodium_memzero(k, sizeof k);
    assert_int_equal(transport_envelope_unbox(f->eph.box, e.payload, e.payload_len, &pt, &pt_len),
                     MPC_OK);
    assert_int_equal(pt_len, 8); /* the toy's round-2 message: x_0 */
    mpc_secure_free(pt);
    transport_envelope_opened_clear(&e);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_actor_barrier_incarnation_config, afx_setup_barrier,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_peer_probe_makes_peer_ready,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_peer_probe_retries_ours_now,
                                        afx_setup_slow_retry, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_forged_probes_ignored,
                                        afx_setup_barrier_short, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_same_incarnation_equivocation,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_new_incarnation_peer_restarted,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_new_incarnation_probe, afx_setup_barrier,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_abort_says_we_restarted,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_abort_names_stranger, afx_setup_barrier,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_abort_restart_claim_needs_proof,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_abort_forged_restart_proof,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_abort_with_restart_proof,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_broadcast_equivocation_proven,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_own_verdict_beats_abort,
                                        afx_setup_barrier, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_barrier_ephemeral_key_pinned_and_required,
                                        afx_setup_barrier, afx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

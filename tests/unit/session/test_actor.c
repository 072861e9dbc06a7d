/*
 * test_actor.c — one session actor against a hand-driven peer (issue 4,
 * "What must be shown" 4, deterministic; tests/support/actor_fixture.h), on
 * the in-memory net and on a nats-server:
 *   - a round-2 message before round 1 is parked, then processed;
 *   - a replayed (from, round, seq) is dropped and counted;
 *   - a message for a round already over is dropped as late;
 *   - malformed, misaddressed or foreign envelopes are dropped and counted;
 *   - after the session ended (done or failed), its direct subject answers GONE;
 *   - an ABORT from the peer fails the session fast (after abort_grace_ms) with GONE naming it.
 *   - a GONE answer fails the session naming that peer only after gone_grace_ms, once the
 *     actor has handled its mailbox, and not while an ABORT's grace runs.
 * The size and flood limits are in test_actor_limits.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/clock.h"
#include "common/outbox.h"
#include "session/manager.h"
#include "tests/support/actor_fixture.h"
#include "tests/support/session_testkit.h"
#include "tests/support/test_util.h"
#include "tests/support/toy_protocol.h"
#include "transport/envelope.h"

static void
test_actor_parks_future_round_and_drops_replays(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox b1, d2, x;
    afx_begin(f, &b1);
    /* n0 passed the barrier (our r answers ACK) and broadcast round 1. */
    afx_feed(f, afx_find_round(f, 1), &d2);
    assert_int_equal(d2.n, 1);
    assert_int_equal(d2.msgs[0].round, 2);
    /* Round 2 before round 1: parked. */
    afx_send_msg(f, &d2.msgs[0], 100);
    assert_int_equal(AFX_STAT_WAIT(f, parked, 1), 1);
    /* The same (from, round, seq) again: dropped and counted. */
    afx_send_msg(f, &d2.msgs[0], 100);
    assert_int_equal(AFX_STAT_WAIT(f, replays_dropped, 1), 1);
    /* Round 1 arrives: n0 completes round 1, then takes the parked round 2. */
    afx_send_msg(f, &b1.msgs[0], 1);
    size_t i2 = afx_find_round(f, 2), i3 = afx_find_round(f, 3);
    /* n0 is in round 3 now: a fresh round-1 message is late. */
    afx_send_msg(f, &b1.msgs[0], 2);
    assert_int_equal(AFX_STAT_WAIT(f, late_dropped, 1), 1);
    afx_feed(f, i2, &x);
    assert_int_equal(x.n, 1); /* B3 */
    afx_send_msg(f, &x.msgs[0], 3);
    mpc_outbox_clear(&x);
    afx_feed(f, i3, &x);
    assert_int_equal(x.n, 1); /* D4 */
    afx_send_msg(f, &x.msgs[0], 4);
    mpc_outbox_clear(&x);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    uint64_t want = toy_protocol_expected(f->inputs, 2);
    assert_int_equal(f->out.status, MPC_OK);
    assert_int_equal(f->out.value, want);
    afx_feed(f, afx_find_round(f, 4), &x);
    assert_true(tss_proto_is_done(f->toy));
    mpc_outbox_clear(&x);
    /* Finished: its direct subject answers GONE (tombstone responder). */
    size_t len = 0;
    uint8_t *buf = afx_seal(f, f->sid, "n1", "n0", 4, 99, TRANSPORT_ENVELOPE_DIRECT,
                            (const uint8_t *)"x", 1, &len);
    afx_direct_raw(f, buf, len, "GONE");
    free(buf);
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    assert_int_equal(st.tombstones, 1);
    assert_true(st.gone_replies >= 1);
    assert_true(st.parked >= 1); /* D4 may overtake B3 (other subject) and be parked too */
    assert_int_equal(st.replays_dropped, 1);
    mpc_outbox_clear(&b1);
    mpc_outbox_clear(&d2);
}

static void
test_actor_drops_bad_envelopes(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox b1, d2;
    afx_begin(f, &b1);
    afx_feed(f, afx_find_round(f, 1), &d2);
    assert_int_equal(AFX_STAT_WAIT(f, bad_dropped, 0), 0);
    uint8_t other[SESSION_SID_LEN] = {0};
    size_t len = 0;
    uint8_t *buf;
    /* Another session's id, a stranger's signature, a peer of the node that is
     * not a party, another recipient, a broadcast on the direct subject, a
     * flipped bit and garbage: each dropped and counted, each ACKed. */
    const uint8_t *p = d2.msgs[0].data;
    size_t pl = d2.msgs[0].len;
    buf = afx_seal(f, other, "n1", "n0", 2, 1, TRANSPORT_ENVELOPE_DIRECT, p, pl, &len);
    afx_direct_raw(f, buf, len, "ACK");
    free(buf);
    buf = afx_seal(f, f->sid, "n9", "n0", 2, 1, TRANSPORT_ENVELOPE_DIRECT, p, pl, &len);
    afx_direct_raw(f, buf, len, "ACK");
    free(buf);
    {
        transport_identity *id2 = NULL;
        transport_peer_table *pt2 = NULL;
        assert_int_equal(stk_peers_create(afx_all_ids, 3, 2, &id2, &pt2), MPC_OK);
        transport_envelope_in in = {.sid = f->sid,
                                    .to = "n0",
                                    .round = 2,
                                    .seq = 1,
                                    .kind = TRANSPORT_ENVELOPE_DIRECT,
                                    .payload = p,
                                    .payload_len = pl,
                                    .box_key = f->eph.box};
        assert_int_equal(transport_envelope_seal(pt2, &in, &buf, &len), MPC_OK);
        afx_direct_raw(f, buf, len, "ACK");
        free(buf);
        transport_peer_table_destroy(pt2);
        transport_identity_destroy(id2);
    }
    buf = afx_seal(f, f->sid, "n1", "n2", 2, 1, TRANSPORT_ENVELOPE_DIRECT, p, pl, &len);
    afx_direct_raw(f, buf, len, "ACK");
    free(buf);
    buf = afx_seal(f, f->sid, "n1", "", 2, 1, TRANSPORT_ENVELOPE_BROADCAST, p, pl, &len);
    afx_direct_raw(f, buf, len, "ACK");
    free(buf);
    buf = afx_seal(f, f->sid, "n1", "n0", 2, 1, TRANSPORT_ENVELOPE_DIRECT, p, pl, &len);
    buf[len / 2] ^= 0x01;
    afx_direct_raw(f, buf, len, "ACK");
    free(buf);
    afx_direct_raw(f, (const uint8_t *)"\xff\xff\xff", 3, "ACK");
    assert_int_equal(AFX_STAT_WAIT(f, bad_dropped, 7), 7);
    /* The session is unharmed: finish it. */
    afx_send_msg(f, &d2.msgs[0], 10);
    afx_send_msg(f, &b1.msgs[0], 11);
    mpc_outbox x;
    afx_feed(f, afx_find_round(f, 2), &x);
    afx_send_msg(f, &x.msgs[0], 12);
    mpc_outbox_clear(&x);
    afx_feed(f, afx_find_round(f, 3), &x);
    afx_send_msg(f, &x.msgs[0], 13);
    mpc_outbox_clear(&x);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_OK);
    assert_int_equal(f->out.value, toy_protocol_expected(f->inputs, 2));
    mpc_outbox_clear(&b1);
    mpc_outbox_clear(&d2);
}

static void
test_actor_failed_session_answers_gone_and_aborts(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox b1;
    afx_begin(f, &b1);
    (void)afx_find_round(f, 1);
    /* A malformed round-1 broadcast (5 bytes): n0's protocol rejects it. */
    size_t len = 0;
    char subj[128];
    snprintf(subj, sizeof subj, "mpc.s.%s.b", f->hex);
    uint8_t *buf = afx_seal(f, f->sid, "n1", "", 1, 1, TRANSPORT_ENVELOPE_BROADCAST,
                            (const uint8_t *)"short", 5, &len);
    assert_int_equal(transport_publish(f->t1, subj, buf, len), MPC_OK);
    free(buf);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_ERR_MSG_MALFORMED);
    assert_int_equal(f->out.culprit, 1);
    assert_int_equal(f->out.round, 1);
    /* n0 told us with an ABORT carrying its status. */
    int found = 0;
    for (size_t i = 0; i < AFX_INBOX_MAX && !found; i++) {
        transport_envelope_opened *e = afx_inbox_get(&f->in, i, NULL);
        assert_non_null(e);
        if (e->kind == TRANSPORT_ENVELOPE_ABORT) {
            found = 1;
            assert_int_equal(e->payload_len, 4);
            assert_int_equal(e->payload[0] | (e->payload[1] << 8), MPC_ERR_MSG_MALFORMED);
        }
    }
    assert_true(found);
    buf = afx_seal(f, f->sid, "n1", "n0", 2, 5, TRANSPORT_ENVELOPE_DIRECT, (const uint8_t *)"x", 1,
                   &len);
    afx_direct_raw(f, buf, len, "GONE");
    free(buf);
    mpc_outbox_clear(&b1);
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    assert_int_equal(st.bad_dropped, 0); /* its own broadcast echo is not "bad" */
}

static void
test_actor_peer_abort_fails_fast(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox b1;
    afx_begin(f, &b1);
    (void)afx_find_round(f, 1);
    uint64_t t0 = mpc_clock_mono_ms();
    size_t len = 0;
    char subj[128];
    snprintf(subj, sizeof subj, "mpc.s.%s.b", f->hex);
    uint8_t code[4] = {(uint8_t)MPC_ERR_FAULT, (uint8_t)(MPC_ERR_FAULT >> 8), 0, 0};
    uint8_t *buf = afx_seal(f, f->sid, "n1", "", 1, 9, TRANSPORT_ENVELOPE_ABORT, code, 4, &len);
    assert_int_equal(transport_publish(f->t1, subj, buf, len), MPC_OK);
    free(buf);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_ERR_GONE);
    assert_int_equal(f->out.culprit, SESSION_NO_CULPRIT); /* quitting is not cheating */
    assert_true(mpc_clock_mono_ms() - t0 < 2000);         /* not the 20 s deadline */
    mpc_outbox_clear(&b1);
}

/*
 * A peer that answers GONE to our last-round message (it is already DONE and
 * the message was a retry) does not fail a session that can still finish.
 */
static void
test_actor_gone_from_done_peer_is_tolerated(void **state)
{
    actor_fixture *f = *state;
    f->gone_round = 4;
    mpc_outbox b1, d2, x;
    afx_begin(f, &b1);
    afx_feed(f, afx_find_round(f, 1), &d2);
    afx_send_msg(f, &b1.msgs[0], 1);
    afx_send_msg(f, &d2.msgs[0], 2);
    afx_feed(f, afx_find_round(f, 2), &x);
    afx_send_msg(f, &x.msgs[0], 3);
    mpc_outbox_clear(&x);
    afx_feed(f, afx_find_round(f, 3), &x);
    (void)afx_find_round(f, 4); /* n0's D4 got GONE from us */
    afx_send_msg(f, &x.msgs[0], 4);
    mpc_outbox_clear(&x);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_OK);
    assert_int_equal(f->out.value, toy_protocol_expected(f->inputs, 2));
    /* n0's transport did get the GONE (bounded poll: no event for it). */
    transport_stats ts;
    for (int i = 0; i < 5000; i++) {
        transport_get_stats(f->t0, &ts);
        if (ts.sends_gone >= 1) {
            break;
        }
        struct timespec pause = {0, 1000000L};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(ts.sends_gone, 1);
    mpc_outbox_clear(&b1);
    mpc_outbox_clear(&d2);
}

/* A GONE answer fails a session that cannot finish, after gone_grace_ms. */
static void
test_actor_gone_fails_after_grace(void **state)
{
    actor_fixture *f = *state;
    f->gone_round = 2;
    mpc_outbox b1, d2;
    afx_begin(f, &b1);
    afx_feed(f, afx_find_round(f, 1), &d2);
    uint64_t t0 = mpc_clock_mono_ms();
    afx_send_msg(f, &b1.msgs[0], 1); /* n0 enters round 2, its D2 gets GONE */
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    uint64_t took = mpc_clock_mono_ms() - t0;
    assert_int_equal(f->out.status, MPC_ERR_GONE);
    assert_int_equal(f->out.culprit, 1);
    assert_int_equal(f->out.round, 2);
    assert_true(took >= 1000); /* default gone_grace_ms */
    assert_true(took < 5000);  /* long before the 20 s deadline */
    mpc_outbox_clear(&b1);
    mpc_outbox_clear(&d2);
}

/* Returns: the mailbox depth of n0's one live session (snapshot), or -1. */
static long long
mailbox_depth(actor_fixture *f)
{
    char *js = NULL;
    assert_int_equal(session_manager_snapshot(f->m0, &js), MPC_OK);
    json_t *root = json_loads(js, 0, NULL);
    free(js);
    json_t *s0 = json_array_get(json_object_get(root, "sessions"), 0);
    json_t *d = json_object_get(s0, "mailbox_depth");
    long long depth = json_is_integer(d) ? (long long)json_integer_value(d) : -1;
    json_decref(root);
    return depth;
}

/* Publishes an ABORT from the fake (status MPC_ERR_FAULT: it quit, restarted nobody). */
static void
publish_abort(actor_fixture *f)
{
    size_t len = 0;
    char subj[128];
    snprintf(subj, sizeof subj, "mpc.s.%s.b", f->hex);
    uint8_t code[4] = {(uint8_t)MPC_ERR_FAULT, (uint8_t)(MPC_ERR_FAULT >> 8), 0, 0};
    uint8_t *buf = afx_seal(f, f->sid, "n1", "", 2, 9, TRANSPORT_ENVELOPE_ABORT, code, 4, &len);
    assert_int_equal(transport_publish(f->t1, subj, buf, len), MPC_OK);
    free(buf);
}

/*
 * The peer failed: it published its ABORT and its tombstone answered GONE to
 * n0's round-2 message, but n0's actor is busy (toy-gated holds it in a
 * handle) and the ABORT waits in its mailbox past gone_grace_ms. The janitor
 * must not fail the session naming the peer, which only quit: once the actor
 * has handled the ABORT, the session fails with GONE naming nobody (the
 * ABORT's grace decides, not the GONE's). The order is driven: the GONE is
 * counted, the actor held, the ABORT queued, then two janitor passes after
 * the grace have run before the actor goes on.
 */
static void
test_actor_gone_waits_for_queued_abort(void **state)
{
    actor_fixture *f = *state;
    session_config defaults;
    session_config_default(&defaults); /* the fixture keeps gone_grace_ms */
    f->gone_round = 2;
    f->proto0 = toy_protocol_gated();
    toy_gate_close(2);
    mpc_outbox b1, d2;
    afx_begin(f, &b1);
    afx_feed(f, afx_find_round(f, 1), &d2);
    afx_send_msg(f, &b1.msgs[0], 1); /* n0 enters round 2, its D2 gets GONE */
    assert_int_equal(AFX_STAT_WAIT(f, gone_answers, 1), 1);
    uint64_t gone_seen = mpc_clock_mono_ms(); /* the session's gone_at is no later */
    afx_send_msg(f, &d2.msgs[0], 2);          /* n0's actor takes it and waits at the gate */
    assert_true(toy_gate_wait_held(10000 * mpc_test_slow()));
    publish_abort(f);
    long long depth = -1;
    for (int i = 0; i < 100000 && depth != 1; i++) {
        if ((depth = mailbox_depth(f)) != 1) {
            struct timespec ms = {0, 1000000L};
            nanosleep(&ms, NULL);
        }
    }
    assert_int_equal(depth, 1); /* the ABORT waits */
    while (mpc_clock_mono_ms() < gone_seen + defaults.gone_grace_ms) {
        struct timespec ms = {0, 1000000L}; /* bounded: the grace is 1 s */
        nanosleep(&ms, NULL);
    }
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    /* The second pass from now started after the grace had run out. */
    assert_true(AFX_STAT_WAIT(f, janitor_passes, st.janitor_passes + 2) >= st.janitor_passes + 2);
    pthread_mutex_lock(&f->tr.mu);
    uint64_t ended = f->tr.ndone;
    pthread_mutex_unlock(&f->tr.mu);
    assert_int_equal(ended, 0);
    toy_gate_open();
    stk_outcome o = afx_outcome_wait(f, 10000);
    assert_int_equal(o.status, MPC_ERR_GONE);
    assert_int_equal(o.culprit, SESSION_NO_CULPRIT); /* quitting is not cheating */
    mpc_outbox_clear(&b1);
    mpc_outbox_clear(&d2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_actor_parks_future_round_and_drops_replays, afx_setup,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_drops_bad_envelopes, afx_setup, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_failed_session_answers_gone_and_aborts,
                                        afx_setup, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_peer_abort_fails_fast, afx_setup, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_gone_from_done_peer_is_tolerated, afx_setup,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_gone_fails_after_grace, afx_setup, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_gone_waits_for_queued_abort, afx_setup,
                                        afx_teardown),
    };
    /* The same cases on a real nats-server (one for the group). */
    const struct CMUnitTest nats_tests[] = {
        cmocka_unit_test_setup_teardown(test_actor_parks_future_round_and_drops_replays,
                                        afx_setup_nats, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_drops_bad_envelopes, afx_setup_nats,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_failed_session_answers_gone_and_aborts,
                                        afx_setup_nats, afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_peer_abort_fails_fast, afx_setup_nats,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_gone_from_done_peer_is_tolerated, afx_setup_nats,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_gone_fails_after_grace, afx_setup_nats,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_gone_waits_for_queued_abort, afx_setup_nats,
                                        afx_teardown),
    };
    int rc = cmocka_run_group_tests_name("actor_mem", tests, NULL, NULL);
    if (afx_nats_start() != 0) {
        fprintf(stderr, "cannot start nats-server\n");
        return 1;
    }
    rc |= cmocka_run_group_tests_name("actor_nats", nats_tests, NULL, NULL);
    afx_nats_stop();
    return rc;
}

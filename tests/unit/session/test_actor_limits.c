/*
 * test_actor_limits.c — the size limits of one session actor against a
 * hand-driven peer (tests/support/actor_fixture.h), on the in-memory net:
 *   - 200 signed 1 MB broadcasts from the peer are dropped undecoded (the
 *     resident set stays within 10 MB; under valgrind, 25 of them and the
 *     live heap bytes that memcheck counts stay within 4 MB) and the session
 *     still completes;
 *   - an authenticated message over its round's declared size fails the
 *     session naming the sender, and so does a round the protocol does not have;
 *   - a second message of one (peer, round, kind) is not parked.
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
#include <malloc.h>
#include <valgrind/memcheck.h> /* client requests: no-ops unless run under memcheck */
#if defined(__SANITIZE_ADDRESS__)
void __sanitizer_purge_allocator(void); /* libasan: empties the quarantine */
#endif

#include "common/outbox.h"
#include "session/manager.h"
#include "tests/support/actor_fixture.h"
#include "tests/support/session_testkit.h"
#include "tests/support/test_util.h"
#include "tests/support/toy_protocol.h"
#include "transport/envelope.h"

/* Resident bytes after handing freed memory back (ASan quarantine, glibc arenas). */
static long long
rss_settled(void)
{
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_purge_allocator();
#endif
    malloc_trim(0);
    long long pages = 0, resident = 0;
    FILE *fp = fopen("/proc/self/statm", "r");
    assert_non_null(fp);
    assert_int_equal(fscanf(fp, "%lld %lld", &pages, &resident), 2);
    fclose(fp);
    return resident * sysconf(_SC_PAGESIZE);
}

/* Heap bytes the program holds, as memcheck counts them (every block still
 * allocated: reachable, possibly lost or lost); 0 when not under valgrind.
 * Unlike the resident size, this falls when a block is freed. */
static long long
heap_live_valgrind(void)
{
    unsigned long leaked = 0, dubious = 0, reachable = 0, suppressed = 0;
    VALGRIND_DO_QUICK_LEAK_CHECK;
    VALGRIND_COUNT_LEAKS(leaked, dubious, reachable, suppressed);
    return (long long)(leaked + dubious + reachable + suppressed);
}

/* Publishes a signed broadcast of round `round` with len bytes of payload from n1. */
static void
bcast_blob(actor_fixture *f, uint32_t round, uint64_t seq, const uint8_t *p, size_t len)
{
    size_t n = 0;
    char subj[128];
    uint8_t *buf =
        afx_seal(f, f->sid, "n1", "", round, seq, TRANSPORT_ENVELOPE_BROADCAST, p, len, &n);
    snprintf(subj, sizeof subj, "mpc.s.%s.b", f->hex);
    assert_int_equal(transport_publish(f->t1, subj, buf, n), MPC_OK);
    free(buf);
}

/* Plays the rest of the toy protocol as n1 after n0 broadcast round 1. */
static void
play_to_end(actor_fixture *f, mpc_outbox *b1, uint64_t seq)
{
    mpc_outbox d2, x;
    afx_feed(f, afx_find_round(f, 1), &d2);
    afx_send_msg(f, &b1->msgs[0], seq++);
    afx_send_msg(f, &d2.msgs[0], seq++);
    afx_feed(f, afx_find_round(f, 2), &x);
    afx_send_msg(f, &x.msgs[0], seq++);
    mpc_outbox_clear(&x);
    afx_feed(f, afx_find_round(f, 3), &x);
    afx_send_msg(f, &x.msgs[0], seq++);
    mpc_outbox_clear(&x);
    mpc_outbox_clear(&d2);
}

/* §3: a peer with a valid identity floods a live session with 1 MB broadcasts. */
static void
test_actor_flood_of_large_broadcasts(void **state)
{
    actor_fixture *f = *state;
    mallopt(M_MMAP_THRESHOLD, 128 * 1024); /* big blocks always mapped: RSS follows frees */
    size_t blob_len = (size_t)1000 * 1000;
    uint8_t *blob = calloc(1, blob_len);
    assert_non_null(blob);
    mpc_outbox b1;
    afx_begin(f, &b1);
    (void)afx_find_round(f, 1); /* the session is live and running round 1 */
    /* The resident size may grow by 10 MB: 200 MB natively, 25 MB under tsan
     * or valgrind (~20x and ~50x slower; a loaded machine: 5 s a message),
     * still 2.5 times over. Under valgrind the resident size says nothing
     * (valgrind never hands memory back, keeps 20 MB of freed blocks unused
     * and fragments), so there the bound is on the live heap bytes memcheck
     * counts: 4 MB, room for the messages still in the in-memory transport's
     * hands when the last drop is counted, not for what the 25 would keep. */
    const int vg = mpc_test_under_valgrind();
    const uint64_t count = vg || mpc_test_under_tsan() ? 25 : 200;
    long long before = vg ? heap_live_valgrind() : rss_settled();
    for (uint64_t i = 0; i < count; i++) {
        bcast_blob(f, 1 + (uint32_t)(i % 4), 1000 + i, blob, blob_len);
    }
    /* Each wait is bounded; another follows while the count still grows (at a
     * load of 70 on 2 cores, tsan handled 18 MB in the first wait). */
    uint64_t seen = 0, prev = 0;
    for (uint64_t round = 0; round <= count && (round == 0 || seen > prev); round++) {
        prev = seen;
        seen = AFX_STAT_WAIT(f, oversized, count);
        if (seen >= count) {
            break;
        }
    }
    assert_int_equal(seen, count);
    long long after = vg ? heap_live_valgrind() : rss_settled();
    free(blob);
    print_message("%s before %lld after %lld bytes\n", vg ? "live heap" : "RSS", before, after);
    assert_true(after - before < (vg ? 4LL : 10LL) * 1024 * 1024);
    play_to_end(f, &b1, 1);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_OK);
    assert_int_equal(f->out.value, toy_protocol_expected(f->inputs, 2));
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    assert_int_equal(st.oversized, count);
    assert_int_equal(st.parked + st.bad_dropped, st.parked); /* nothing decoded and refused */
    mpc_outbox_clear(&b1);
}

/* One byte over round 1's declared size (signed, so it reaches the check): fails naming n1. */
static void
test_actor_oversized_message_names_sender(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox b1;
    afx_begin(f, &b1);
    (void)afx_find_round(f, 1);
    uint8_t big[33] = {0};
    bcast_blob(f, 1, 1, big, sizeof big); /* toy round 1: 32 bytes */
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_ERR_MSG_TOO_LARGE);
    assert_int_equal(f->out.culprit, 1);
    assert_int_equal(AFX_STAT_WAIT(f, oversized, 1), 1);
    mpc_outbox_clear(&b1);
}

/* A round the protocol does not have: nothing may be parked for it; the sender is named. */
static void
test_actor_round_beyond_protocol_names_sender(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox b1;
    afx_begin(f, &b1);
    (void)afx_find_round(f, 1); /* n0 is subscribed */
    uint8_t small[8] = {0};
    bcast_blob(f, TOY_PROTOCOL_ROUNDS + 1, 1, small, sizeof small);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_ERR_MSG_TOO_LARGE);
    assert_int_equal(f->out.culprit, 1);
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    assert_int_equal(st.parked, 0);
    mpc_outbox_clear(&b1);
}

/* Two round-2 direct messages from n1 before round 1: one parked, the second refused. */
static void
test_actor_parks_one_message_per_peer_round_kind(void **state)
{
    actor_fixture *f = *state;
    mpc_outbox b1, d2;
    afx_begin(f, &b1);
    afx_feed(f, afx_find_round(f, 1), &d2);
    afx_send_msg(f, &d2.msgs[0], 100);
    assert_int_equal(AFX_STAT_WAIT(f, parked, 1), 1);
    afx_send_msg(f, &d2.msgs[0], 101); /* new seq: not a replay, still a second message */
    assert_int_equal(AFX_STAT_WAIT(f, park_refused, 1), 1);
    session_manager_stats st;
    session_manager_get_stats(f->m0, &st);
    assert_int_equal(st.parked, 1);
    mpc_outbox x;
    afx_send_msg(f, &b1.msgs[0], 1); /* the parked one is used: the run goes on */
    afx_feed(f, afx_find_round(f, 2), &x);
    afx_send_msg(f, &x.msgs[0], 3);
    mpc_outbox_clear(&x);
    afx_feed(f, afx_find_round(f, 3), &x);
    afx_send_msg(f, &x.msgs[0], 4);
    mpc_outbox_clear(&x);
    assert_true(stk_tracker_wait(&f->tr, 1, 10000 * mpc_test_slow()));
    assert_int_equal(f->out.status, MPC_OK);
    mpc_outbox_clear(&b1);
    mpc_outbox_clear(&d2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_actor_flood_of_large_broadcasts, afx_setup,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_oversized_message_names_sender, afx_setup,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_round_beyond_protocol_names_sender, afx_setup,
                                        afx_teardown),
        cmocka_unit_test_setup_teardown(test_actor_parks_one_message_per_peer_round_kind, afx_setup,
                                        afx_teardown),
    };
    return cmocka_run_group_tests_name("actor_limits", tests, NULL, NULL);
}

/*
 * test_retry.c — node/retry.h: the one table of transient failures (every
 * status of common/status.h is classified; the permanent ones the issue names
 * are never retried), the jittered bounded backoff, and the wall-clock slot
 * boundary a retry starts at (where the nodes meet).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/retry.h"

static void
test_retry_transient_table(void **state)
{
    (void)state;
    static const mpc_status transient[] = {
        MPC_ERR_PEER_RESTARTED, MPC_ERR_PEER_UNAVAILABLE,
        MPC_ERR_BARRIER,        MPC_ERR_IDLE,
        MPC_ERR_GONE,           MPC_ERR_DEADLINE,
        MPC_ERR_TIMEOUT,        MPC_ERR_NO_RESPONDERS,
        MPC_ERR_NOT_CONNECTED,  MPC_ERR_BUSY,
        MPC_ERR_ADMISSION,      MPC_ERR_SUBSCRIBE,
        MPC_ERR_NATS,           MPC_ERR_PRESIG_GONE,
    };
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
        assert_int_equal(node_retry_transient(transient[i]), 1);
    }
    /* Permanent: bad input, cheating, OT check, quarantine, disputes,
     * equivocation, store, shutdown, success. */
    static const mpc_status permanent[] = {
        MPC_OK,
        MPC_ERR_REQ_INVALID,
        MPC_ERR_REQ_MALFORMED,
        MPC_ERR_UNKNOWN_WALLET,
        MPC_ERR_BAD_SIG_SHARE,
        MPC_ERR_BAD_SHARE,
        MPC_ERR_BAD_PROOF,
        MPC_ERR_OT_CHECK,
        MPC_ERR_MUL_CHECK,
        MPC_ERR_QUARANTINED,
        MPC_ERR_PAIR_QUARANTINED,
        MPC_ERR_QUARANTINE_UNSTORED,
        MPC_ERR_DISPUTED,
        MPC_ERR_EQUIVOCATION,
        MPC_ERR_VERIFY_FAILED,
        MPC_ERR_PROTOCOL,
        MPC_ERR_FAULT,
        MPC_ERR_MSG_BAD_SIGNATURE,
        MPC_ERR_KEY_VERSION_RETIRED,
        MPC_ERR_STORE,
        MPC_ERR_SHUTDOWN,
        MPC_ERR_NOT_SELECTED,
        MPC_ERR_EXISTS,
    };
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++) {
        assert_int_equal(node_retry_transient(permanent[i]), 0);
    }
    /* Exactly the listed ones: walk every code of the enum's ranges. */
    size_t n = 0;
    for (int c = 0; c < 1000; c++) {
        n += (size_t)node_retry_transient((mpc_status)c);
    }
    assert_int_equal(n, sizeof transient / sizeof transient[0]);
}

static void
test_retry_every_first_retry_any_slot_later_ones_even(void **state)
{
    (void)state;
    assert_int_equal(node_retry_every(0), 1);
    assert_int_equal(node_retry_every(1), 1);
    for (uint32_t a = 2; a < 40; a++) {
        assert_int_equal(node_retry_every(a), NODE_RETRY_EVERY);
    }
    assert_int_equal(node_retry_every(UINT32_MAX), NODE_RETRY_EVERY);
}

static void
test_retry_slot_is_the_next_boundary(void **state)
{
    (void)state;
    uint32_t slot = 7;
    /* 12 s slots: at 100.5 s, the boundary at 108 s (slot 9) */
    assert_int_equal(node_retry_slot(100500, 1, 12000, &slot), 7500);
    assert_int_equal(slot, 9);
    /* exactly on a boundary: the next one (an attempt that failed at its
     * very start never reuses its slot, hence its sid) */
    assert_int_equal(node_retry_slot(96000, 1, 12000, &slot), 12000);
    assert_int_equal(slot, 9);
    /* every 2: the next even-numbered boundary */
    assert_int_equal(node_retry_slot(100500, 2, 12000, &slot), 19500);
    assert_int_equal(slot, 10);
    assert_int_equal(node_retry_slot(110000, 2, 12000, &slot), 10000);
    assert_int_equal(slot, 10);
    assert_int_equal(node_retry_slot(120000, 2, 12000, &slot), 24000);
    assert_int_equal(slot, 12);
    /* Two nodes that failed at different moments of one slot retry at the
     * same boundary with the same number (the sid they meet in). */
    uint32_t a = 0, b = 0;
    (void)node_retry_slot(1796617380225ull, 1, 12000, &a);
    (void)node_retry_slot(1796617385000ull, 1, 12000, &b);
    assert_int_equal(a, b);
    assert_true(a > 0);
    /* no slot: zero length or step, or a number beyond 32 bits */
    assert_int_equal(node_retry_slot(1000, 1, 0, &slot), 0);
    assert_int_equal(slot, 0);
    slot = 5;
    assert_int_equal(node_retry_slot(1000, 0, 12000, &slot), 0);
    assert_int_equal(slot, 0);
    slot = 5;
    assert_int_equal(node_retry_slot(UINT64_MAX / 2, 1, 1, &slot), 0);
    assert_int_equal(slot, 0);
    assert_int_equal(node_retry_slot(UINT64_MAX, 1, 10, &slot), 0);
    assert_int_equal(slot, 0);
    assert_int_equal(node_retry_slot(1000, UINT32_MAX, UINT64_MAX / 2, &slot), 0);
    assert_int_equal(slot, 0);
}

/* The slots of the first `n` retries of a node whose last attempt failed at
 * t, each retry running alone and failing at its barrier plus a load delay. */
static void
lone_retries(uint64_t t, uint64_t late, uint32_t *slots, uint32_t n)
{
    for (uint32_t k = 1; k <= n; k++) {
        uint64_t w = node_retry_slot(t, node_retry_every(k), 12000, &slots[k - 1]);
        assert_true(slots[k - 1] > 0);
        if (k > 1) {
            assert_true(slots[k - 1] > slots[k - 2]); /* a sid is never used twice */
        }
        t += w + 10000 + late;
    }
}

/* The failure seen in test_flow_crash_keygen.sh under load: two nodes whose
 * last attempts failed on both sides of a boundary (up to two slots apart).
 * Each then retries alone (10 s barrier timeout plus a load delay of up to
 * 13 s) until a slot where both run the attempt, the sid they meet in: with
 * the slot rule that happens by the third retry. (A rule of "the next
 * boundary" alone meets only while attempts end within their slot, delay
 * below the 2 s margin; a jittered backoff above the margin made each node
 * skip every other slot, one on the even, one on the odd ones.) */
static void
test_retry_slots_of_two_nodes_meet_again(void **state)
{
    (void)state;
    const uint64_t t0 = 1796617380000ull; /* a slot boundary */
    for (uint64_t fa = 0; fa < 12000; fa += 250) {
        for (uint64_t fb = 0; fb < 24000; fb += 500) {
            for (uint64_t late = 0; late <= 13000; late += 700) {
                uint32_t a[3], b[3];
                lone_retries(t0 + fa, late, a, 3);
                lone_retries(t0 + fb, late, b, 3);
                int met = 0;
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        met |= a[i] == b[j];
                    }
                }
                if (!met) {
                    print_error("no common slot: failures at +%llu/+%llu ms, delay %llu ms\n",
                                (unsigned long long)fa, (unsigned long long)fb,
                                (unsigned long long)late);
                }
                assert_true(met);
            }
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_transient_table),
        cmocka_unit_test(test_retry_every_first_retry_any_slot_later_ones_even),
        cmocka_unit_test(test_retry_slot_is_the_next_boundary),
        cmocka_unit_test(test_retry_slots_of_two_nodes_meet_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

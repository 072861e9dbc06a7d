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
        MPC_ERR_NATS,
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
test_retry_backoff_grows_jittered_and_bounded(void **state)
{
    (void)state;
    uint64_t d = NODE_RETRY_BASE_MS; /* the cap before jitter of attempt a */
    for (uint32_t a = 1; a < 40; a++) {
        uint64_t half = d / 2;
        assert_int_equal(node_retry_backoff_ms(a, 0), half);                  /* jitter floor */
        assert_int_equal(node_retry_backoff_ms(a, (uint32_t)half), d);        /* jitter top */
        assert_int_equal(node_retry_backoff_ms(a, (uint32_t)half + 1), half); /* wraps */
        for (uint32_t r = 1; r < 5000; r += 13) {
            uint64_t v = node_retry_backoff_ms(a, r * 2654435761u);
            assert_true(v >= half && v <= d);
        }
        d = d * 2 < NODE_RETRY_MAX_MS ? d * 2 : NODE_RETRY_MAX_MS;
    }
    assert_int_equal(node_retry_backoff_ms(0, 0), node_retry_backoff_ms(1, 0));
    assert_true(node_retry_backoff_ms(UINT32_MAX, UINT32_MAX) <= NODE_RETRY_MAX_MS);
    assert_true(node_retry_backoff_ms(UINT32_MAX, UINT32_MAX) >= NODE_RETRY_MAX_MS / 2);
}

static void
test_retry_slot_is_the_next_boundary_after_the_wait(void **state)
{
    (void)state;
    uint32_t slot = 7;
    /* 12 s slots: at 100.5 s with a 250 ms wait, the boundary at 108 s (slot 9) */
    assert_int_equal(node_retry_slot(100500, 250, 12000, &slot), 7500);
    assert_int_equal(slot, 9);
    /* a wait that reaches past it takes the next one */
    assert_int_equal(node_retry_slot(100500, 7600, 12000, &slot), 19500);
    assert_int_equal(slot, 10);
    /* exactly on a boundary: that one */
    assert_int_equal(node_retry_slot(96000, 0, 12000, &slot), 0);
    assert_int_equal(slot, 8);
    /* Two nodes that failed at different moments of one slot retry at the
     * same boundary with the same number (the sid they meet in). */
    uint32_t a = 0, b = 0;
    (void)node_retry_slot(1796617380225ull, 250, 12000, &a);
    (void)node_retry_slot(1796617385000ull, 900, 12000, &b);
    assert_int_equal(a, b);
    assert_true(a > 0);
    /* no slot: zero length, or a number beyond 32 bits */
    assert_int_equal(node_retry_slot(1000, 0, 0, &slot), 0);
    assert_int_equal(slot, 0);
    slot = 5;
    assert_int_equal(node_retry_slot(UINT64_MAX / 2, 0, 1, &slot), 0);
    assert_int_equal(slot, 0);
    assert_int_equal(node_retry_slot(UINT64_MAX, 10, 10, &slot), 0);
    assert_int_equal(slot, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_transient_table),
        cmocka_unit_test(test_retry_backoff_grows_jittered_and_bounded),
        cmocka_unit_test(test_retry_slot_is_the_next_boundary_after_the_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

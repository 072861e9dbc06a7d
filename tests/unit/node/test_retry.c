/*
 * test_retry.c — node/retry.h: the one table of transient failures (every
 * status of common/status.h is classified; the permanent ones the issue names
 * are never retried), the jittered bounded backoff, and the attempt counter
 * per point.
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
test_retry_points_count_per_point(void **state)
{
    (void)state;
    struct node_retry_points p;
    memset(&p, 0, sizeof p);
    uint8_t a[NODE_RETRY_POINT_ID], b[NODE_RETRY_POINT_ID];
    memset(a, 1, sizeof a);
    memset(b, 2, sizeof b);
    assert_int_equal(node_retry_point_failures(&p, a), 0);
    node_retry_point_failed(&p, a);
    node_retry_point_failed(&p, a);
    node_retry_point_failed(&p, b);
    assert_int_equal(node_retry_point_failures(&p, a), 2);
    assert_int_equal(node_retry_point_failures(&p, b), 1);
    /* Full: the oldest point is forgotten, the newest kept. */
    for (uint8_t k = 3; k < 3 + NODE_RETRY_POINTS; k++) {
        uint8_t c[NODE_RETRY_POINT_ID];
        memset(c, k, sizeof c);
        node_retry_point_failed(&p, c);
    }
    assert_int_equal(p.n, NODE_RETRY_POINTS);
    assert_int_equal(node_retry_point_failures(&p, a), 0);
    uint8_t last[NODE_RETRY_POINT_ID];
    memset(last, 3 + NODE_RETRY_POINTS - 1, sizeof last);
    assert_int_equal(node_retry_point_failures(&p, last), 1);
    /* Bad arguments. */
    assert_int_equal(node_retry_point_failures(NULL, a), 0);
    assert_int_equal(node_retry_point_failures(&p, NULL), 0);
    node_retry_point_failed(NULL, a);
    node_retry_point_failed(&p, NULL);
    assert_int_equal(p.n, NODE_RETRY_POINTS);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_transient_table),
        cmocka_unit_test(test_retry_backoff_grows_jittered_and_bounded),
        cmocka_unit_test(test_retry_points_count_per_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

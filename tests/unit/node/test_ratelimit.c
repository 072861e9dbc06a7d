/*
 * test_ratelimit.c — node/ratelimit.h: burst, refill at the configured rate,
 * independent buckets, bad keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "node/ratelimit.h"

static void
test_ratelimit_burst_then_refill(void **state)
{
    (void)state;
    struct node_ratelimit rl;
    node_ratelimit_init(&rl, 10, 3); /* 10/s, burst 3 */
    uint64_t t = 5000;
    for (int i = 0; i < 3; i++) {
        assert_true(node_ratelimit_take(&rl, 0, t));
    }
    assert_false(node_ratelimit_take(&rl, 0, t)); /* the burst is spent */
    assert_false(node_ratelimit_take(&rl, 0, t + 99));
    assert_true(node_ratelimit_take(&rl, 0, t + 100)); /* 100 ms at 10/s = one token */
    assert_false(node_ratelimit_take(&rl, 0, t + 100));
    /* a long pause refills to the burst, not beyond */
    t += 60000;
    for (int i = 0; i < 3; i++) {
        assert_true(node_ratelimit_take(&rl, 0, t));
    }
    assert_false(node_ratelimit_take(&rl, 0, t));
}

static void
test_ratelimit_keys_are_independent(void **state)
{
    (void)state;
    struct node_ratelimit rl;
    node_ratelimit_init(&rl, 1, 1);
    assert_true(node_ratelimit_take(&rl, 2, 100));
    assert_false(node_ratelimit_take(&rl, 2, 100));
    assert_true(node_ratelimit_take(&rl, 3, 100)); /* another initiator is not affected */
    /* a clock that goes back does not refill */
    assert_false(node_ratelimit_take(&rl, 2, 50));
    assert_true(node_ratelimit_take(&rl, 2, 1100));
}

static void
test_ratelimit_bad_keys(void **state)
{
    (void)state;
    struct node_ratelimit rl;
    node_ratelimit_init(&rl, 0, 0); /* taken as 1 and 1 */
    assert_int_equal(rl.rate, 1);
    assert_int_equal(rl.burst, 1);
    assert_false(node_ratelimit_take(&rl, -1, 0));
    assert_false(node_ratelimit_take(&rl, NODE_RATELIMIT_KEYS, 0));
    assert_false(node_ratelimit_take(NULL, 0, 0));
    assert_true(node_ratelimit_take(&rl, NODE_RATELIMIT_KEYS - 1, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratelimit_burst_then_refill),
        cmocka_unit_test(test_ratelimit_keys_are_independent),
        cmocka_unit_test(test_ratelimit_bad_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

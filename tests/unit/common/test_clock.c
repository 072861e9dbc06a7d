/*
 * test_clock.c — monotonic clock, deadlines, timespec conversion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

static void
test_clock_monotonic_and_deadline(void **state)
{
    (void)state;
    uint64_t a = mpc_clock_mono_ns();
    uint64_t b = mpc_clock_mono_ns();
    assert_true(b >= a);
    assert_true(mpc_clock_wall_ms() > 1600000000000ULL); /* after 2020 */
    uint64_t d = mpc_clock_deadline_ns(1000);
    assert_true(d >= b + 1000ULL * MPC_NS_PER_MS);
    assert_int_equal(mpc_clock_deadline_ns(UINT64_MAX), UINT64_MAX);
    struct timespec ts = mpc_clock_ns_to_timespec(3 * MPC_NS_PER_S + 17);
    assert_int_equal(ts.tv_sec, 3);
    assert_int_equal(ts.tv_nsec, 17);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_monotonic_and_deadline),
    };
    return cmocka_run_group_tests_name("common/clock", tests, NULL, NULL);
}

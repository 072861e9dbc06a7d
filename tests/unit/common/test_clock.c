/*
 * test_clock.c — monotonic clock, deadlines, timespec conversion, monotonic condvars.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
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

/* Waits on cv until a monotonic deadline 50 ms ahead; returns the time it woke. */
static uint64_t
wait_monotonic_deadline(pthread_mutex_t *mu, pthread_cond_t *cv, uint64_t *deadline)
{
    *deadline = mpc_clock_deadline_ns(50);
    struct timespec ts = mpc_clock_ns_to_timespec(*deadline);
    pthread_mutex_lock(mu);
    int rc = 0;
    for (int i = 0; i < 100 && rc != ETIMEDOUT; i++) { /* spurious wake-ups */
        rc = pthread_cond_timedwait(cv, mu, &ts);
    }
    pthread_mutex_unlock(mu);
    assert_int_equal(rc, ETIMEDOUT);
    return mpc_clock_mono_ns();
}

/* A cv on CLOCK_REALTIME would read the monotonic deadline as long past and return at once. */
static void
test_clock_cond_init_monotonic(void **state)
{
    (void)state;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t deadline = 0;
    assert_int_equal(mpc_clock_sync_init(&mu, &cv), MPC_OK);
    assert_true(wait_monotonic_deadline(&mu, &cv, &deadline) >= deadline);
    pthread_cond_destroy(&cv);
    assert_int_equal(mpc_clock_cond_init(&cv), 0);
    assert_true(wait_monotonic_deadline(&mu, &cv, &deadline) >= deadline);
    pthread_cond_destroy(&cv);
    pthread_mutex_destroy(&mu);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_monotonic_and_deadline),
        cmocka_unit_test(test_clock_cond_init_monotonic),
    };
    return cmocka_run_group_tests_name("common/clock", tests, NULL, NULL);
}

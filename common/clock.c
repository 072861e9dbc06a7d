/*
 * clock.c — monotonic and wall clocks.
 */
#include "common/clock.h"

static uint64_t
clock_read_ns(clockid_t id)
{
    struct timespec ts;
    /* clock_gettime cannot fail for these clock ids on Linux. */
    (void)clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * MPC_NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t
mpc_clock_mono_ns(void)
{
    return clock_read_ns(CLOCK_MONOTONIC);
}

uint64_t
mpc_clock_mono_ms(void)
{
    return mpc_clock_mono_ns() / MPC_NS_PER_MS;
}

uint64_t
mpc_clock_wall_ms(void)
{
    return clock_read_ns(CLOCK_REALTIME) / MPC_NS_PER_MS;
}

struct timespec
mpc_clock_ns_to_timespec(uint64_t mono_ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(mono_ns / MPC_NS_PER_S);
    ts.tv_nsec = (long)(mono_ns % MPC_NS_PER_S);
    return ts;
}

uint64_t
mpc_clock_deadline_ns(uint64_t timeout_ms)
{
    uint64_t now = mpc_clock_mono_ns();
    if (timeout_ms > (UINT64_MAX - now) / MPC_NS_PER_MS) {
        return UINT64_MAX;
    }
    return now + timeout_ms * MPC_NS_PER_MS;
}

int
mpc_clock_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    int rc = pthread_condattr_init(&ca);
    if (rc != 0) {
        return rc;
    }
    rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (rc == 0) {
        rc = pthread_cond_init(cv, &ca);
    }
    pthread_condattr_destroy(&ca);
    return rc;
}

mpc_status
mpc_clock_sync_init(pthread_mutex_t *mu, pthread_cond_t *cv)
{
    if (mpc_clock_cond_init(cv) != 0) {
        return MPC_ERR_INTERNAL;
    }
    if (pthread_mutex_init(mu, NULL) != 0) {
        pthread_cond_destroy(cv);
        return MPC_ERR_INTERNAL;
    }
    return MPC_OK;
}

/*
 * watchdog.c — the systemd watchdog thread (node/watchdog.h).
 *
 * DESIGN: one thread; it sleeps on a monotonic condvar for period_ms (or
 * until stop), then asks alive() and pings or withholds. mu guards stop;
 * the counters are atomics read by metrics/tests.
 */
#include "node/watchdog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/log.h"

struct node_watchdog {
    node_sdnotify *n;              /* notify socket (borrowed) */
    uint64_t period_ms;            /* time between checks */
    node_watchdog_alive_fn alive;  /* liveness check */
    void *arg;                     /* its argument (borrowed) */
    pthread_t th;                  /* the watchdog thread */
    pthread_mutex_t mu;            /* guards stop */
    pthread_cond_t cv;             /* signals stop */
    int stop;                      /* 1: the thread exits */
    atomic_uint_fast64_t pings;    /* WATCHDOG=1 sent */
    atomic_uint_fast64_t withheld; /* checks that failed */
};

/* One check: ping or withhold. *quiet is 1 while an episode of failures was logged. */
static void
watchdog_tick(node_watchdog *w, int *quiet)
{
    char why[128] = "";
    if (w->alive(w->arg, mpc_clock_mono_ms(), why, sizeof why)) {
        if (node_sdnotify_send(w->n, "WATCHDOG=1") == MPC_OK) {
            atomic_fetch_add(&w->pings, 1);
        }
        if (*quiet) {
            mpc_log(MPC_LOG_INFO, "node", "watchdog_resumed", NULL);
        }
        *quiet = 0;
        return;
    }
    atomic_fetch_add(&w->withheld, 1);
    if (!*quiet) {
        mpc_log(MPC_LOG_ERROR, "node", "watchdog_withheld", "reason=%s", why);
    }
    *quiet = 1;
}

static void *
watchdog_main(void *arg)
{
    node_watchdog *w = arg;
    int quiet = 0;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(w->period_ms));
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) == 0) {
        }
        if (w->stop) {
            break;
        }
        pthread_mutex_unlock(&w->mu);
        watchdog_tick(w, &quiet);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static mpc_status
watchdog_sync_init(node_watchdog *w)
{
    return mpc_clock_sync_init(&w->mu, &w->cv);
}

mpc_status
node_watchdog_start(node_sdnotify *n, uint64_t period_ms, node_watchdog_alive_fn alive, void *arg,
                    node_watchdog **out)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (n == NULL || alive == NULL || out == NULL || period_ms == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    node_watchdog *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return MPC_ERR_NOMEM;
    }
    w->n = n;
    w->period_ms = period_ms;
    w->alive = alive;
    w->arg = arg;
    if (watchdog_sync_init(w) != MPC_OK) {
        free(w);
        return MPC_ERR_INTERNAL;
    }
    if (pthread_create(&w->th, NULL, watchdog_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return MPC_ERR_INTERNAL;
    }
    *out = w;
    return MPC_OK;
}

uint64_t
node_watchdog_pings(const node_watchdog *w)
{
    return w == NULL ? 0 : atomic_load(&((node_watchdog *)w)->pings);
}

uint64_t
node_watchdog_withheld(const node_watchdog *w)
{
    return w == NULL ? 0 : atomic_load(&((node_watchdog *)w)->withheld);
}

void
node_watchdog_stop(node_watchdog *w)
{
    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

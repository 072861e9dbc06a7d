/*
 * notify.c — the daemon's systemd integration: READY=1 when the intake loop
 * starts, WATCHDOG=1 while the node works (node/watchdog.h), STOPPING=1 when
 * the drain begins.
 *
 * DESIGN: the liveness check behind every ping (notify_alive) runs on the
 * watchdog thread and reads two things only: the intake loop's heartbeat
 * d->intake_beat_ms (atomic; the loop turns at least every
 * NODE_FETCH_TIMEOUT_MS or NODE_PERMIT_WAIT_MS) and the age of the oldest
 * protocol step still running on a session worker
 * (session_guard_longest_step_ms). Either older than the full watchdog
 * interval means the node hangs: the ping is withheld and systemd restarts
 * the node after WatchdogSec. Once a stop is requested the intake loop
 * exits on purpose, so only the workers are checked.
 *
 * Test builds: MPC_NODE_TEST_HANG=<protocol name> ("*": any protocol) makes
 * the steps of that protocol hang (session/guard.h SESSION_FAULT_HANG) until
 * the drain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "node/daemon_internal.h"
#include "session/guard.h"

/* Returns: 1 while the intake loop and the workers make progress (node/watchdog.h). */
static int
notify_alive(void *arg, uint64_t now_ms, char *why, size_t cap)
{
    struct node_daemon *d = arg;
    uint64_t beat = __atomic_load_n(&d->intake_beat_ms, __ATOMIC_ACQUIRE);
    int stopping = __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE);
    if (!stopping && now_ms > beat && now_ms - beat > d->watchdog_limit_ms) {
        snprintf(why, cap, "intake_stalled_ms=%llu", (unsigned long long)(now_ms - beat));
        return 0;
    }
    uint64_t step = session_guard_longest_step_ms(now_ms);
    if (step > d->watchdog_limit_ms) {
        snprintf(why, cap, "worker_step_running_ms=%llu", (unsigned long long)step);
        return 0;
    }
    return 1;
}

static void
notify_test_hooks(void)
{
#ifdef MPC_FAULT_INJECTION
    const char *proto = getenv("MPC_NODE_TEST_HANG");
    if (proto != NULL && proto[0] != '\0') {
        session_fault_release_hangs(0);
        for (int i = 0; i < 16; i++) { /* one rule fires once: enough for a test */
            if (session_fault_inject(strcmp(proto, "*") == 0 ? NULL : proto, SESSION_FAULT_ANY,
                                     SESSION_FAULT_ANY, NULL, SESSION_FAULT_HANG) != MPC_OK) {
                mpc_log(MPC_LOG_ERROR, "node", "bad_test_hang", "value=%s", proto);
                break;
            }
        }
    }
#endif
}

void
node_notify_start(struct node_daemon *d)
{
    __atomic_store_n(&d->intake_beat_ms, mpc_clock_mono_ms(), __ATOMIC_RELEASE);
    notify_test_hooks();
    if (node_sdnotify_open(&d->notify) != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "notify_socket_unusable", NULL);
        return;
    }
    if (d->notify == NULL) {
        return;
    }
    if (node_sdnotify_send(d->notify, "READY=1") != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "notify_failed", "state=READY");
    }
    uint64_t usec = node_sdnotify_watchdog_usec();
    if (usec == 0) {
        return;
    }
    d->watchdog_limit_ms = usec / 1000 > 0 ? usec / 1000 : 1;
    uint64_t period = usec / 2000 > 0 ? usec / 2000 : 1;
    if (node_watchdog_start(d->notify, period, notify_alive, d, &d->watchdog) != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "node", "watchdog_start_failed", NULL);
        return;
    }
    mpc_log(MPC_LOG_INFO, "node", "watchdog_started", "interval_ms=%llu",
            (unsigned long long)d->watchdog_limit_ms);
}

void
node_notify_beat(struct node_daemon *d)
{
    __atomic_store_n(&d->intake_beat_ms, mpc_clock_mono_ms(), __ATOMIC_RELEASE);
}

void
node_notify_stopping(struct node_daemon *d)
{
    if (d->notify != NULL && node_sdnotify_send(d->notify, "STOPPING=1") != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "notify_failed", "state=STOPPING");
    }
#ifdef MPC_FAULT_INJECTION
    session_fault_release_hangs(1); /* test hook: hung steps end so the drain can finish */
#endif
}

void
node_notify_stop(struct node_daemon *d)
{
    node_watchdog_stop(d->watchdog);
    d->watchdog = NULL;
    node_sdnotify_close(d->notify);
    d->notify = NULL;
}

/*
 * watchdog.h — the systemd watchdog of the daemon: "WATCHDOG=1" on the
 * notify socket every half interval, but only while a liveness check says
 * the node is working.
 *
 * The pings come from a thread of their own, yet they are not a blind
 * timer: before every ping the thread calls alive(), which for the daemon
 * checks that the intake loop turned recently and that no session worker is
 * stuck in one protocol step (session_guard_longest_step_ms). When alive()
 * fails the ping is withheld (logged once per episode), so systemd kills and
 * restarts a node whose workers or event loop hang after WatchdogSec.
 *
 * THREAD SAFETY: start/stop belong to the owner; alive() runs on the
 * watchdog thread and must be thread-safe.
 */
#ifndef MPC_NODE_WATCHDOG_H
#define MPC_NODE_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/sdnotify.h"

/*
 * Liveness check. now_ms is monotonic. Returns 1 when the node works; else 0
 * with a short reason in why[0..cap).
 */
typedef int (*node_watchdog_alive_fn)(void *arg, uint64_t now_ms, char *why, size_t cap);

typedef struct node_watchdog node_watchdog;

/*
 * Starts the watchdog thread: every period_ms it calls alive(arg) and sends
 * "WATCHDOG=1" on n when it returns 1. n and arg are borrowed until
 * node_watchdog_stop.
 * Out: *out — caller owns it; stop and free with node_watchdog_stop().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (NULL n/alive/out, period 0),
 *          MPC_ERR_NOMEM, MPC_ERR_INTERNAL (thread or condvar).
 */
MPC_MUST_CHECK mpc_status node_watchdog_start(node_sdnotify *n, uint64_t period_ms,
                                              node_watchdog_alive_fn alive, void *arg,
                                              node_watchdog **out);

/* Returns: pings sent so far. */
uint64_t node_watchdog_pings(const node_watchdog *w);

/* Returns: pings withheld so far (alive() said no). */
uint64_t node_watchdog_withheld(const node_watchdog *w);

/* Stops the thread (waits for it) and frees w. Accepts NULL. */
void node_watchdog_stop(node_watchdog *w);

#endif /* MPC_NODE_WATCHDOG_H */

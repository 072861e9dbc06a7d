/*
 * process.h — process-wide hardening and signal handling of the mpc-node
 * daemon.
 *
 * A core dump of a signer would hold its key shares, OT state and nonces in
 * the clear: the daemon turns core dumps off before it loads any secret.
 *
 * Signals: SIGHUP, SIGTERM and SIGINT are blocked in the main thread before
 * any other thread exists, so every thread created later (ours and nats.c's)
 * inherits the mask, and one signal thread takes them with sigwait. No
 * signal is delivered asynchronously: a SIGHUP during the NATS connect
 * cannot interrupt a poll() there (it did: the connect failed with
 * "Protocol Error" and the node exited). SIGPIPE is ignored.
 *
 * THREAD SAFETY: call from the main thread at start-up, before any thread;
 * node_process_signals_stop from the same thread.
 */
#ifndef MPC_NODE_PROCESS_H
#define MPC_NODE_PROCESS_H

#include "common/status.h"

/*
 * Makes the process non-dumpable (prctl PR_SET_DUMPABLE 0: no core file,
 * no ptrace attach by the same user, /proc/<pid> owned by root) and sets
 * RLIMIT_CORE to 0 (soft and hard).
 * Returns: MPC_OK, MPC_ERR_IO if either call failed.
 */
MPC_MUST_CHECK mpc_status node_process_harden(void);

/*
 * Blocks SIGHUP, SIGTERM and SIGINT in the calling thread and starts the
 * signal thread, which calls on_signal(sig) for each (on that thread: not a
 * signal handler, any call is allowed).
 * Returns: MPC_OK, MPC_ERR_IO if the mask or the thread failed.
 */
MPC_MUST_CHECK mpc_status node_process_signals_start(void (*on_signal)(int sig));

/*
 * Stops and joins the signal thread; on_signal is not called after it
 * returns (signals stay blocked: pending until the process exits).
 * Idempotent; a no-op if the thread was never started.
 */
void node_process_signals_stop(void);

#endif /* MPC_NODE_PROCESS_H */

/*
 * process.h — process-wide hardening of the mpc-node daemon.
 *
 * A core dump of a signer would hold its key shares, OT state and nonces in
 * the clear: the daemon turns core dumps off before it loads any secret.
 *
 * THREAD SAFETY: call from the main thread at start-up, before any thread.
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

#endif /* MPC_NODE_PROCESS_H */

/*
 * process.c — process-wide hardening of the daemon (node/process.h).
 */
#include "node/process.h"

#include <sys/prctl.h>
#include <sys/resource.h>

mpc_status
node_process_harden(void)
{
    struct rlimit none = {.rlim_cur = 0, .rlim_max = 0};
    mpc_status st = MPC_OK;
    if (setrlimit(RLIMIT_CORE, &none) != 0) {
        st = MPC_ERR_IO;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        st = MPC_ERR_IO;
    }
    return st;
}

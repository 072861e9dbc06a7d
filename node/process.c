/*
 * process.c — process-wide hardening and the signal thread of the daemon
 * (node/process.h).
 */
#include "node/process.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
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

static sigset_t g_signal_set;
static pthread_t g_signal_thread;
static void (*g_on_signal)(int);
static int g_signals_started; /* main thread only */
static int g_signals_done;    /* set before the thread is woken to end (atomic) */

static void *
signal_thread(void *arg)
{
    (void)arg;
    /* Ends when node_process_signals_stop sets g_signals_done and wakes it. */
    while (!__atomic_load_n(&g_signals_done, __ATOMIC_ACQUIRE)) {
        int sig = 0;
        if (sigwait(&g_signal_set, &sig) != 0) {
            continue;
        }
        if (__atomic_load_n(&g_signals_done, __ATOMIC_ACQUIRE)) {
            break;
        }
        g_on_signal(sig);
    }
    return NULL;
}

mpc_status
node_process_signals_start(void (*on_signal)(int sig))
{
    if (on_signal == NULL || g_signals_started) {
        return MPC_ERR_INVALID_ARG;
    }
    (void)signal(SIGPIPE, SIG_IGN);
    sigemptyset(&g_signal_set);
    sigaddset(&g_signal_set, SIGTERM);
    sigaddset(&g_signal_set, SIGINT);
    sigaddset(&g_signal_set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &g_signal_set, NULL) != 0) {
        return MPC_ERR_IO;
    }
    g_on_signal = on_signal;
    if (pthread_create(&g_signal_thread, NULL, signal_thread, NULL) != 0) {
        return MPC_ERR_IO;
    }
    g_signals_started = 1;
    return MPC_OK;
}

void
node_process_signals_stop(void)
{
    if (!g_signals_started) {
        return;
    }
    __atomic_store_n(&g_signals_done, 1, __ATOMIC_RELEASE);
    (void)pthread_kill(g_signal_thread, SIGHUP);
    (void)pthread_join(g_signal_thread, NULL);
    g_signals_started = 0;
}

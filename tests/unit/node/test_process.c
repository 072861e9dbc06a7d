/*
 * test_process.c — node_process_harden (node/process.h): in a forked child,
 * after the call the process is not dumpable (prctl PR_GET_DUMPABLE) and its
 * core limit is 0, as the parent also reads in /proc/<pid>/limits; before the
 * call neither held.
 * node_process_signals_start/stop, also in a forked child: SIGHUP, SIGTERM
 * and SIGINT sent to the process reach the callback on the signal thread,
 * never the main thread; a thread created afterwards blocks them, and its
 * poll() is not interrupted by a storm of them (with an asynchronous handler
 * it returned EINTR: a NATS connect failed that way); after stop the
 * callback is not called again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/process.h"

/* Returns: 1 if /proc/<pid>/limits says "Max core file size 0 0". */
static int
core_limit_zero(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/limits", (long)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int zero = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "Max core file size", 18) == 0) {
            char soft[32], hard[32];
            assert_int_equal(sscanf(line + 18, "%31s %31s", soft, hard), 2);
            zero = strcmp(soft, "0") == 0 && strcmp(hard, "0") == 0;
        }
    }
    fclose(f);
    assert_true(zero >= 0);
    return zero;
}

static void
test_process_harden_disables_core_dumps(void **state)
{
    (void)state;
    /* Start from a process that could dump core, so the test shows the change. */
    struct rlimit some = {.rlim_cur = 1024 * 1024, .rlim_max = RLIM_INFINITY};
    struct rlimit cur;
    assert_int_equal(getrlimit(RLIMIT_CORE, &cur), 0);
    if (cur.rlim_max != RLIM_INFINITY) {
        some.rlim_max = cur.rlim_max;
        some.rlim_cur = cur.rlim_max;
    }
    int fds[2], back[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(pipe(back), 0);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c = 0;
        if (setrlimit(RLIMIT_CORE, &some) != 0 || prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0 ||
            prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1) {
            _exit(2);
        }
        c = 'b';
        (void)write(back[1], &c, 1); /* before: parent reads the limit */
        (void)read(fds[0], &c, 1);
        if (node_process_harden() != MPC_OK) {
            _exit(3);
        }
        struct rlimit r;
        if (getrlimit(RLIMIT_CORE, &r) != 0 || r.rlim_cur != 0 || r.rlim_max != 0 ||
            prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
            _exit(4);
        }
        c = 'a';
        (void)write(back[1], &c, 1); /* after: parent reads the limit again */
        (void)read(fds[0], &c, 1);
        _exit(0);
    }
    char c = 0;
    assert_int_equal(read(back[0], &c, 1), 1);
    assert_int_equal(c, 'b');
    int before_zero = some.rlim_cur == 0 ? 1 : core_limit_zero(pid);
    assert_int_equal(write(fds[1], "x", 1), 1);
    assert_int_equal(read(back[0], &c, 1), 1);
    assert_int_equal(c, 'a');
    assert_true(core_limit_zero(pid));
    assert_int_equal(write(fds[1], "x", 1), 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    if (some.rlim_cur != 0) {
        assert_false(before_zero);
    }
    close(fds[0]);
    close(fds[1]);
    close(back[0]);
    close(back[1]);
}

static int g_seen[3]; /* SIGHUP, SIGTERM, SIGINT (atomic) */
static int g_on_main; /* callback ran on the main thread (atomic) */
static pthread_t g_main_thread;

static void
count_signal(int sig)
{
    int i = sig == SIGHUP ? 0 : sig == SIGTERM ? 1 : sig == SIGINT ? 2 : -1;
    if (i >= 0) {
        __atomic_add_fetch(&g_seen[i], 1, __ATOMIC_RELEASE);
    }
    if (pthread_equal(pthread_self(), g_main_thread)) {
        __atomic_store_n(&g_on_main, 1, __ATOMIC_RELEASE);
    }
}

/* A thread created after the start: its mask and an uninterrupted poll(). */
static void *
poll_thread(void *arg)
{
    int *result = arg;
    sigset_t cur;
    if (pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0 || !sigismember(&cur, SIGHUP) ||
        !sigismember(&cur, SIGTERM) || !sigismember(&cur, SIGINT)) {
        *result = 1;
        return NULL;
    }
    int p[2];
    if (pipe(p) != 0) {
        *result = 2;
        return NULL;
    }
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    int r = poll(&pfd, 1, 300); /* nothing to read: must time out, not EINTR */
    *result = r == 0 ? 0 : 3;
    close(p[0]);
    close(p[1]);
    return NULL;
}

/* The child's body. Returns: its exit code (0: every claim held). */
static int
signals_child(void)
{
    g_main_thread = pthread_self();
    if (node_process_signals_start(count_signal) != MPC_OK) {
        return 10;
    }
    if (node_process_signals_start(count_signal) != MPC_ERR_INVALID_ARG) {
        return 11; /* a second start is refused */
    }
    int poll_result = -1;
    pthread_t t;
    if (pthread_create(&t, NULL, poll_thread, &poll_result) != 0) {
        return 12;
    }
    for (int i = 0; i < 2000; i++) { /* a storm while the thread polls */
        (void)kill(getpid(), SIGHUP);
    }
    (void)kill(getpid(), SIGTERM);
    (void)kill(getpid(), SIGINT);
    (void)pthread_join(t, NULL);
    if (poll_result != 0) {
        return 20 + poll_result;
    }
    /* Signals coalesce while pending: each kind arrives at least once. */
    for (int i = 0; i < 500; i++) { /* bounded: 500 x 10 ms */
        if (__atomic_load_n(&g_seen[0], __ATOMIC_ACQUIRE) > 0 &&
            __atomic_load_n(&g_seen[1], __ATOMIC_ACQUIRE) > 0 &&
            __atomic_load_n(&g_seen[2], __ATOMIC_ACQUIRE) > 0) {
            break;
        }
        usleep(10000);
    }
    if (g_seen[0] == 0 || g_seen[1] == 0 || g_seen[2] == 0) {
        return 30;
    }
    if (__atomic_load_n(&g_on_main, __ATOMIC_ACQUIRE)) {
        return 31;
    }
    node_process_signals_stop();
    int after = __atomic_load_n(&g_seen[1], __ATOMIC_ACQUIRE);
    (void)kill(getpid(), SIGTERM); /* blocked and nobody takes it: pending */
    usleep(50000);
    if (__atomic_load_n(&g_seen[1], __ATOMIC_ACQUIRE) != after) {
        return 32;
    }
    node_process_signals_stop(); /* idempotent */
    return 0;
}

static void
test_process_signals_on_one_thread(void **state)
{
    (void)state;
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(signals_child());
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status)); /* not killed by a signal's default action */
    assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_process_harden_disables_core_dumps),
        cmocka_unit_test(test_process_signals_on_one_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

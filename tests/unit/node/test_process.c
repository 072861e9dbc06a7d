/*
 * test_process.c — node_process_harden (node/process.h): in a forked child,
 * after the call the process is not dumpable (prctl PR_GET_DUMPABLE) and its
 * core limit is 0, as the parent also reads in /proc/<pid>/limits; before the
 * call neither held.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_process_harden_disables_core_dumps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_killpoint.c — test-build kill points (node/killpoint.h): the names,
 * and that a process dies by SIGKILL exactly at the armed point (and only for
 * the named request). Each case runs in a forked child, since the setting is
 * read once per process.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "node/killpoint.h"

static void
test_killpoint_parse_names(void **state)
{
    (void)state;
    assert_int_equal(node_killpoint_parse("before_commit"), NODE_KILL_BEFORE_COMMIT);
    assert_int_equal(node_killpoint_parse("after_share"), NODE_KILL_AFTER_SHARE);
    assert_int_equal(node_killpoint_parse("after_activate"), NODE_KILL_AFTER_ACTIVATE);
    assert_int_equal(node_killpoint_parse("before_publish"), NODE_KILL_BEFORE_PUBLISH);
    assert_int_equal(node_killpoint_parse("after_publish"), NODE_KILL_AFTER_PUBLISH);
    assert_int_equal(node_killpoint_parse("group_partial"), NODE_KILL_GROUP_PARTIAL);
    assert_int_equal(node_killpoint_parse("after_confirm"), NODE_KILL_AFTER_CONFIRM);
    assert_int_equal(node_killpoint_parse("after_confirmation"), 0);
    assert_int_equal(node_killpoint_parse(""), 0);
    assert_int_equal(node_killpoint_parse(NULL), 0);
}

/* Runs the points in order in a child with MPC_NODE_TEST_KILL_AT=setting for
 * request rid. Returns: the child's wait status; *reached the last point it
 * passed (through a pipe). */
static int
run_child(const char *setting, const char *rid, int *reached)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        if (setting != NULL) {
            setenv("MPC_NODE_TEST_KILL_AT", setting, 1);
        } else {
            unsetenv("MPC_NODE_TEST_KILL_AT");
        }
        for (int p = NODE_KILL_BEFORE_COMMIT; p <= NODE_KILL_AFTER_PUBLISH; p++) {
            node_killpoint((enum node_killpoint)p, rid);
            unsigned char b = (unsigned char)p;
            if (write(fd[1], &b, 1) != 1) {
                _exit(3);
            }
        }
        _exit(0);
    }
    close(fd[1]);
    unsigned char b;
    *reached = 0;
    while (read(fd[0], &b, 1) == 1) {
        *reached = b;
    }
    close(fd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void
test_killpoint_kills_at_the_armed_point(void **state)
{
    (void)state;
    int reached = 0;
    int st = run_child("after_activate", "rq-1", &reached);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGKILL);
    assert_int_equal(reached, NODE_KILL_AFTER_CONFIRM); /* passed the points before it */
    st = run_child("before_publish@rq-1", "rq-1", &reached);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(reached, NODE_KILL_AFTER_ACTIVATE);
}

static void
test_killpoint_spares_other_requests_and_unarmed(void **state)
{
    (void)state;
    int reached = 0;
    int st = run_child("after_share@rq-2", "rq-1", &reached);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(reached, NODE_KILL_AFTER_PUBLISH);
    st = run_child(NULL, "rq-1", &reached);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    st = run_child("no_such_point", "rq-1", &reached);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(reached, NODE_KILL_AFTER_PUBLISH);
}

/* A list arms several points: the first one reached for its request kills. */
static void
test_killpoint_list_arms_each_entry(void **state)
{
    (void)state;
    int reached = 0;
    int st = run_child("after_share@rq-2,before_publish@rq-1,after_confirm@rq-3", "rq-1", &reached);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(reached, NODE_KILL_AFTER_ACTIVATE);
    st = run_child("after_share@rq-2,after_confirm@rq-3", "rq-1", &reached);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    st = run_child("after_share@rq-2,,after_confirm", "rq-1", &reached);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(reached, NODE_KILL_AFTER_SHARE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_killpoint_parse_names),
        cmocka_unit_test(test_killpoint_kills_at_the_armed_point),
        cmocka_unit_test(test_killpoint_spares_other_requests_and_unarmed),
        cmocka_unit_test(test_killpoint_list_arms_each_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

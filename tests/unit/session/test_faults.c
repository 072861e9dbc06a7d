/*
 * test_faults.c — the fault guard inside the session manager (issue 4,
 * "What must be shown" 3): while 100 sessions run, three sessions get an
 * injected error (round 2), a NULL dereference (round 2) and a division by
 * zero (round 3) in protocol code. Exactly those fail (PROTOCOL, FAULT,
 * FAULT), their peers fail fast with GONE naming the faulty party, the
 * faulted sessions' states are destroyed (wiped), everything else succeeds,
 * and the process then runs 100 more sessions. A step that calls abort(), or
 * faults outside protocol code, kills the process (run in a forked child).
 *
 * Under valgrind (MPC_VALGRIND=1) the NULL dereference is left out: valgrind
 * reports the invalid read as an error even though the guard traps it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "session/guard.h"
#include "session/manager.h"
#include "tests/support/session_scenarios.h"
#include "tests/support/session_testkit.h"
#include "tests/support/toy_protocol.h"
#include "tests/support/transport_testkit.h"

static void
test_faults_only_injected_sessions_fail(void **state)
{
    (void)state;
    stk_sc_faults(NULL);
}

static void
test_faults_error_at_create(void **state)
{
    (void)state;
    stk_sc_fault_at_create(NULL);
}

/* Child: a 3-party cluster whose party 0 hits kind at round 2. Returns only if it survived. */
static void
child_run_fault(session_fault_kind kind)
{
    /* cmocka's handlers would catch the re-raised signal: the child wants the defaults. */
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        signal(sigs[i], SIG_DFL);
    }
    uint64_t rng = 0x5eed;
    stk_options o;
    stk_options_default(&o, 3);
    o.seed = rng;
    stk_cluster *c = NULL;
    if (stk_cluster_create(&c, &o) != MPC_OK) {
        _exit(3);
    }
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session s;
    stk_session_init(&s, 3, &rng, &tr);
    if (session_fault_inject("toy", 2, 0, s.sid, kind) != MPC_OK ||
        stk_start_all(c, &s) != MPC_OK) {
        _exit(4);
    }
    (void)stk_tracker_wait(&tr, 3, 60000);
    _exit(0); /* survived: the parent fails the test */
}

static void
expect_child_dies(session_fault_kind kind, int want_sig)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        child_run_fault(kind);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), want_sig);
}

/* glibc's heap checks and the stack protector end in abort(): never survived. */
static void
test_faults_abort_kills_process(void **state)
{
    (void)state;
    expect_child_dies(SESSION_FAULT_ABORT, SIGABRT);
}

/* A fault outside protocol code (libc, session code) may leave a lock held: never survived. */
static void
test_faults_outside_protocol_code_kills_process(void **state)
{
    (void)state;
    if (getenv("MPC_VALGRIND") != NULL) {
        skip(); /* valgrind reports the invalid read as an error */
    }
    expect_child_dies(SESSION_FAULT_NULL_OUTSIDE, SIGSEGV);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_only_injected_sessions_fail),
        cmocka_unit_test(test_faults_error_at_create),
        cmocka_unit_test(test_faults_abort_kills_process),
        cmocka_unit_test(test_faults_outside_protocol_code_kills_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

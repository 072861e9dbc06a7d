/*
 * test_guard.c — the fault guard on its own: status pass-through, trapping of
 * SIGSEGV, SIGBUS, SIGFPE, SIGILL and abort() with the worker going on,
 * refusal on unprepared threads and nesting, default death outside a guard,
 * restoration of the previous handlers, quarantine, and the injection table.
 *
 * Under valgrind (MPC_VALGRIND=1) the real NULL dereference and illegal
 * instruction are skipped: valgrind reports them as errors even when trapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session/guard.h"

static int
under_valgrind(void)
{
    return getenv("MPC_VALGRIND") != NULL;
}

/*
 * cmocka installs its own SIGSEGV/SIGILL/SIGFPE/SIGBUS handlers around each
 * test function, so every test installs the guard's handlers itself (and
 * drops them at the end); the thread's alternate stack is set up in main().
 */
static void
guard_on(void)
{
    assert_int_equal(session_guard_global_acquire(), MPC_OK);
}

static void
guard_off(void)
{
    session_guard_global_release();
}

static mpc_status
step_return(void *ctx)
{
    return *(mpc_status *)ctx;
}

static mpc_status
step_fire(void *ctx)
{
    return session_fault_fire(*(session_fault_kind *)ctx);
}

static mpc_status
step_raise(void *ctx)
{
    raise(*(int *)ctx);
    return MPC_OK;
}

static mpc_status
step_trap(void *ctx)
{
    (void)ctx;
    __builtin_trap();
}

static void
test_guard_passes_status_through(void **state)
{
    (void)state;
    int sig = -1;
    mpc_status want = MPC_OK;
    assert_int_equal(session_guard_call(step_return, &want, &sig), MPC_OK);
    assert_int_equal(sig, 0);
    want = MPC_ERR_PROTOCOL;
    assert_int_equal(session_guard_call(step_return, &want, &sig), MPC_ERR_PROTOCOL);
    assert_int_equal(sig, 0);
    want = MPC_ERR_FAULT; /* a step may return FAULT itself: sig tells them apart */
    assert_int_equal(session_guard_call(step_return, &want, &sig), MPC_ERR_FAULT);
    assert_int_equal(sig, 0);
    assert_int_equal(session_guard_call(step_return, &want, NULL), MPC_ERR_FAULT);
}

static void
test_guard_bad_args(void **state)
{
    (void)state;
    int sig = -1;
    assert_int_equal(session_guard_call(NULL, NULL, &sig), MPC_ERR_INTERNAL);
    assert_int_equal(sig, 0);
}

static void
expect_trap(session_guard_fn fn, void *ctx, int want_sig)
{
    uint64_t before = session_guard_faults();
    int sig = 0;
    assert_int_equal(session_guard_call(fn, ctx, &sig), MPC_ERR_FAULT);
    assert_int_equal(sig, want_sig);
    assert_int_equal(session_guard_faults(), before + 1);
}

static void
test_guard_traps_null_dereference(void **state)
{
    (void)state;
    if (under_valgrind()) {
        skip();
    }
    guard_on();
    session_fault_kind k = SESSION_FAULT_NULL;
    expect_trap(step_fire, &k, SIGSEGV);
    guard_off();
}

static void
test_guard_traps_abort(void **state)
{
    (void)state;
    guard_on();
    session_fault_kind k = SESSION_FAULT_ABORT;
    expect_trap(step_fire, &k, SIGABRT);
    guard_off();
}

static void
test_guard_traps_fpe_bus(void **state)
{
    (void)state;
    guard_on();
    int s = SIGFPE;
    expect_trap(step_raise, &s, SIGFPE);
    s = SIGBUS;
    expect_trap(step_raise, &s, SIGBUS);
    guard_off();
}

static void
test_guard_traps_illegal_instruction(void **state)
{
    (void)state;
    if (under_valgrind()) {
        skip();
    }
    guard_on();
    expect_trap(step_trap, NULL, SIGILL);
    guard_off();
}

/* The signal mask is restored each time: the same thread traps again and again. */
static void
test_guard_worker_goes_on_after_faults(void **state)
{
    (void)state;
    guard_on();
    for (int i = 0; i < 50; i++) {
        session_fault_kind k = SESSION_FAULT_ABORT;
        expect_trap(step_fire, &k, SIGABRT);
        mpc_status ok = MPC_OK;
        assert_int_equal(session_guard_call(step_return, &ok, NULL), MPC_OK);
    }
    sigset_t cur;
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
    assert_false(sigismember(&cur, SIGABRT));
    guard_off();
}

static mpc_status
step_nested(void *ctx)
{
    (void)ctx;
    mpc_status ok = MPC_OK;
    return session_guard_call(step_return, &ok, NULL);
}

static void
test_guard_refuses_nesting(void **state)
{
    (void)state;
    assert_int_equal(session_guard_call(step_nested, NULL, NULL), MPC_ERR_INTERNAL);
    mpc_status ok = MPC_OK; /* and is usable again afterwards */
    assert_int_equal(session_guard_call(step_return, &ok, NULL), MPC_OK);
}

static void *
unprepared_thread(void *arg)
{
    mpc_status ok = MPC_OK;
    *(mpc_status *)arg = session_guard_call(step_return, &ok, NULL);
    return NULL;
}

static void
test_guard_refuses_unprepared_thread(void **state)
{
    (void)state;
    pthread_t th;
    mpc_status got = MPC_OK;
    assert_int_equal(pthread_create(&th, NULL, unprepared_thread, &got), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(got, MPC_ERR_INTERNAL);
}

/* Outside a guarded step a fatal signal keeps its default action. */
static void
test_guard_outside_guard_dies(void **state)
{
    (void)state;
    guard_on();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        abort();
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    guard_off();
}

static void
test_guard_release_restores_handlers(void **state)
{
    (void)state;
    struct sigaction before, ours, now;
    assert_int_equal(sigaction(SIGSEGV, NULL, &before), 0);
    guard_on();
    assert_int_equal(sigaction(SIGSEGV, NULL, &ours), 0);
    assert_ptr_not_equal((void *)ours.sa_sigaction, (void *)before.sa_sigaction);
    /* A second user comes and goes: the handler stays ours. */
    guard_on();
    guard_off();
    assert_int_equal(sigaction(SIGSEGV, NULL, &now), 0);
    assert_ptr_equal((void *)now.sa_sigaction, (void *)ours.sa_sigaction);
    /* The last user restores what was there before. */
    guard_off();
    assert_int_equal(sigaction(SIGSEGV, NULL, &now), 0);
    assert_ptr_equal((void *)now.sa_sigaction, (void *)before.sa_sigaction);
}

static void
test_guard_quarantine_counts(void **state)
{
    (void)state;
    uint64_t before = session_guard_quarantined();
    session_guard_quarantine(NULL);
    assert_int_equal(session_guard_quarantined(), before);
    for (int i = 0; i < 40; i++) {
        session_guard_quarantine(malloc(16)); /* stays reachable: no leak report */
    }
    assert_int_equal(session_guard_quarantined(), before + 40);
}

static void
test_guard_thread_enter_idempotent(void **state)
{
    (void)state;
    guard_on();
    assert_int_equal(session_guard_thread_enter(), MPC_OK);
    session_fault_kind k = SESSION_FAULT_ABORT;
    expect_trap(step_fire, &k, SIGABRT);
    guard_off();
}

static void
test_fault_injection_rules(void **state)
{
    (void)state;
    uint8_t sid[16] = {7}, other[16] = {8};
    session_fault_clear();
    assert_int_equal(session_fault_inject("toy", 2, 1, NULL, SESSION_FAULT_NONE),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(session_fault_inject("toy", 2, 1, NULL, (session_fault_kind)9),
                     MPC_ERR_INVALID_ARG);
    char longname[64];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(session_fault_inject(longname, 2, 1, NULL, SESSION_FAULT_ERROR),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(session_fault_inject("toy", 2, 1, sid, SESSION_FAULT_ERROR), MPC_OK);
    assert_int_equal(session_fault_match("toy", 2, 1, other), SESSION_FAULT_NONE);
    assert_int_equal(session_fault_match("frost", 2, 1, sid), SESSION_FAULT_NONE);
    assert_int_equal(session_fault_match("toy", 3, 1, sid), SESSION_FAULT_NONE);
    assert_int_equal(session_fault_match("toy", 2, 0, sid), SESSION_FAULT_NONE);
    assert_int_equal(session_fault_match("toy", 2, 1, sid), SESSION_FAULT_ERROR);
    assert_int_equal(session_fault_match("toy", 2, 1, sid), SESSION_FAULT_NONE); /* once */
    assert_int_equal(
        session_fault_inject(NULL, SESSION_FAULT_ANY, SESSION_FAULT_ANY, NULL, SESSION_FAULT_ABORT),
        MPC_OK);
    assert_int_equal(session_fault_match("x", 9, 4, other), SESSION_FAULT_ABORT);
    for (int i = 0; i < 64; i++) {
        assert_int_equal(session_fault_inject("toy", 1, 1, NULL, SESSION_FAULT_NULL), MPC_OK);
    }
    assert_int_equal(session_fault_inject("toy", 1, 1, NULL, SESSION_FAULT_NULL), MPC_ERR_NOMEM);
    session_fault_clear();
    assert_int_equal(session_fault_match("toy", 1, 1, NULL), SESSION_FAULT_NONE);
    assert_int_equal(session_fault_fire(SESSION_FAULT_NONE), MPC_OK);
    assert_int_equal(session_fault_fire(SESSION_FAULT_ERROR), MPC_ERR_PROTOCOL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_passes_status_through),
        cmocka_unit_test(test_guard_bad_args),
        cmocka_unit_test(test_guard_traps_null_dereference),
        cmocka_unit_test(test_guard_traps_abort),
        cmocka_unit_test(test_guard_traps_fpe_bus),
        cmocka_unit_test(test_guard_traps_illegal_instruction),
        cmocka_unit_test(test_guard_worker_goes_on_after_faults),
        cmocka_unit_test(test_guard_refuses_nesting),
        cmocka_unit_test(test_guard_refuses_unprepared_thread),
        cmocka_unit_test(test_guard_outside_guard_dies),
        cmocka_unit_test(test_guard_release_restores_handlers),
        cmocka_unit_test(test_guard_quarantine_counts),
        cmocka_unit_test(test_guard_thread_enter_idempotent),
        cmocka_unit_test(test_fault_injection_rules),
    };
    if (session_guard_thread_enter() != MPC_OK) {
        return 1;
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    session_guard_thread_leave();
    return rc;
}

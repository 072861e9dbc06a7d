/*
 * test_guard.c — the fault guard on its own: status pass-through, trapping of
 * SIGSEGV, SIGBUS, SIGFPE and SIGILL raised by protocol code (functions placed
 * in SESSION_GUARD_PROTOCOL_SECTION) with the worker going on, death (in a
 * forked child) on abort() and on faults outside protocol code, refusal on
 * unprepared threads and nesting, default death outside a guard, restoration
 * of the previous handlers, quarantine, step timing for the watchdog, hanging
 * steps, and the injection table.
 *
 * Under valgrind (MPC_VALGRIND=1) the real NULL dereference and illegal
 * instruction are skipped: valgrind reports them as errors even when trapped;
 * so is the real SIGBUS, whose signal context valgrind fills with a PC that
 * is not the faulting instruction (the guard would rightly not trap it).
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
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "session/guard.h"
#include "tss/secp_mod.h"

extern const char __start_mpc_tss_text[];
extern const char __stop_mpc_tss_text[];

#define PROTOCOL_CODE                                                                              \
    __attribute__((noinline, no_sanitize("address", "undefined"),                                  \
                   section(SESSION_GUARD_PROTOCOL_SECTION)))

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

/* Protocol code reading *p (a page past the end of a mapped file: SIGBUS). */
PROTOCOL_CODE static int
proto_read(const volatile char *p)
{
    return *p;
}

static mpc_status
step_bus(void *ctx)
{
    return proto_read(ctx) == 0 ? MPC_OK : MPC_ERR_INTERNAL;
}

PROTOCOL_CODE static mpc_status
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

/*
 * Child of a fork: drops the handlers cmocka installed around the test (a
 * re-raised signal would land in them), then runs fn under a fresh guard.
 * Returns only if the process survived.
 */
static void
child_guarded(session_guard_fn fn, void *ctx)
{
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    session_guard_global_release();
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        signal(sigs[i], SIG_DFL);
    }
    if (session_guard_global_acquire() != MPC_OK) {
        _exit(3);
    }
    mpc_status st = session_guard_call(fn, ctx, NULL); /* must not return: the child dies */
    _exit(st == MPC_OK ? 0 : 4);
}

static void
expect_death(session_guard_fn fn, void *ctx, int want_sig)
{
    guard_on();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        child_guarded(fn, ctx);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), want_sig);
    guard_off();
}

/* abort() (glibc heap checks, stack protector) is never trapped: the process dies. */
static void
test_guard_abort_kills_process(void **state)
{
    (void)state;
    session_fault_kind k = SESSION_FAULT_ABORT;
    expect_death(step_fire, &k, SIGABRT);
    struct sigaction before, during;
    assert_int_equal(sigaction(SIGABRT, NULL, &before), 0);
    guard_on();
    assert_int_equal(sigaction(SIGABRT, NULL, &during), 0);
    guard_off();
    assert_ptr_equal((void *)during.sa_sigaction, (void *)before.sa_sigaction); /* not ours */
}

/* A fault whose instruction is not protocol code (libc, our own code) is not trapped. */
static void
test_guard_fault_outside_protocol_code_kills(void **state)
{
    (void)state;
    int s = SIGFPE;
    expect_death(step_raise, &s, SIGFPE); /* raised inside libc */
    s = SIGSEGV;
    expect_death(step_raise, &s, SIGSEGV);
    if (!under_valgrind()) {
        session_fault_kind k = SESSION_FAULT_NULL_OUTSIDE;
        expect_death(step_fire, &k, SIGSEGV);
    }
}

static void
test_guard_traps_fpe_bus(void **state)
{
    (void)state;
    guard_on();
    session_fault_kind k = SESSION_FAULT_FPE;
    expect_trap(step_fire, &k, SIGFPE);
    if (under_valgrind()) { /* valgrind reports a wrong PC for SIGBUS: not ours to judge */
        guard_off();
        return;
    }
    FILE *f = tmpfile();
    assert_non_null(f);
    long page = sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fileno(f), 0);
    assert_true(map != MAP_FAILED);
    expect_trap(step_bus, map, SIGBUS); /* the file is empty: its first page is past EOF */
    munmap(map, (size_t)page);
    fclose(f);
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
        session_fault_kind k = SESSION_FAULT_FPE;
        expect_trap(step_fire, &k, SIGFPE);
        mpc_status ok = MPC_OK;
        assert_int_equal(session_guard_call(step_return, &ok, NULL), MPC_OK);
    }
    sigset_t cur;
    assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
    assert_false(sigismember(&cur, SIGFPE));
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
    session_fault_kind k = SESSION_FAULT_FPE;
    expect_trap(step_fire, &k, SIGFPE);
    guard_off();
}

/* The Makefile moved the tss/ code into the protocol section (else nothing real is trapped). */
static void
test_guard_protocol_section_holds_tss_code(void **state)
{
    (void)state;
    uintptr_t f = (uintptr_t)(void *)tss_secp_mod_add;
    assert_true(f >= (uintptr_t)__start_mpc_tss_text && f < (uintptr_t)__stop_mpc_tss_text);
    f = (uintptr_t)(void *)test_guard_bad_args; /* test code is not protocol code */
    assert_false(f >= (uintptr_t)__start_mpc_tss_text && f < (uintptr_t)__stop_mpc_tss_text);
}

/* While a step runs its age is visible to the watchdog; once it returns, not. */
static mpc_status
step_check_age(void *ctx)
{
    uint64_t now = mpc_clock_mono_ms();
    uint64_t age = session_guard_longest_step_ms(now + 5000);
    *(int *)ctx = age >= 4000 && age < 5000 + 60000; /* started at most a few ms ago */
    return MPC_OK;
}

static void
test_guard_longest_step(void **state)
{
    (void)state;
    int seen = 0;
    assert_int_equal(session_guard_call(step_check_age, &seen, NULL), MPC_OK);
    assert_true(seen);
    assert_int_equal(session_guard_longest_step_ms(mpc_clock_mono_ms() + 5000), 0);
}

static void *
hang_thread(void *arg)
{
    if (session_guard_thread_enter() != MPC_OK) {
        *(mpc_status *)arg = MPC_ERR_INTERNAL;
        return NULL;
    }
    session_fault_kind k = SESSION_FAULT_HANG;
    *(mpc_status *)arg = session_guard_call(step_fire, &k, NULL);
    session_guard_thread_leave();
    return NULL;
}

/* A hanging step shows as a step that keeps running, until released. */
static void
test_guard_hang_is_visible_until_released(void **state)
{
    (void)state;
    session_fault_release_hangs(0);
    pthread_t th;
    mpc_status got = MPC_OK;
    assert_int_equal(pthread_create(&th, NULL, hang_thread, &got), 0);
    int seen = 0;
    for (int i = 0; i < 20000 && !seen; i++) { /* bounded: 20 s */
        seen = session_guard_longest_step_ms(mpc_clock_mono_ms() + 1000) >= 1000;
        if (!seen) {
            usleep(1000);
        }
    }
    assert_true(seen);
    session_fault_release_hangs(1);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(got, MPC_ERR_TIMEOUT);
    assert_int_equal(session_guard_longest_step_ms(mpc_clock_mono_ms() + 1000), 0);
    session_fault_release_hangs(0);
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
        cmocka_unit_test(test_guard_abort_kills_process),
        cmocka_unit_test(test_guard_fault_outside_protocol_code_kills),
        cmocka_unit_test(test_guard_traps_fpe_bus),
        cmocka_unit_test(test_guard_traps_illegal_instruction),
        cmocka_unit_test(test_guard_worker_goes_on_after_faults),
        cmocka_unit_test(test_guard_refuses_nesting),
        cmocka_unit_test(test_guard_refuses_unprepared_thread),
        cmocka_unit_test(test_guard_outside_guard_dies),
        cmocka_unit_test(test_guard_release_restores_handlers),
        cmocka_unit_test(test_guard_quarantine_counts),
        cmocka_unit_test(test_guard_thread_enter_idempotent),
        cmocka_unit_test(test_guard_protocol_section_holds_tss_code),
        cmocka_unit_test(test_guard_longest_step),
        cmocka_unit_test(test_guard_hang_is_visible_until_released),
        cmocka_unit_test(test_fault_injection_rules),
    };
    if (session_guard_thread_enter() != MPC_OK) {
        return 1;
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    session_guard_thread_leave();
    return rc;
}

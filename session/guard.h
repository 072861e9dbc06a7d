/*
 * guard.h — the fault guard around every protocol step (DESIGN §6).
 *
 * Layer 1 is plain error handling: a step returns an mpc_status and the
 * session manager fails only that session. This header is layer 2: a
 * hardware fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL) raised by an instruction
 * of protocol code (the tss/ objects, which the Makefile places in the
 * section SESSION_GUARD_PROTOCOL_SECTION) inside session_guard_call() on a
 * prepared worker thread is trapped, and session_guard_call() returns
 * MPC_ERR_FAULT instead of the process dying. The caller then wipes and
 * frees the faulted session's state (its destroy runs under the guard; what
 * cannot be destroyed is parked with session_guard_quarantine). abort()
 * (SIGABRT: glibc heap checks, stack protector, FORTIFY) and any fault
 * outside protocol code are never trapped: the process dies, because it may
 * be corrupt or hold a lock. The limits of this are in docs/FAULT_GUARD.md.
 *
 * DESIGN: the signal handlers are process-wide, installed by the first
 * session_guard_global_acquire() and restored by the last release. Each
 * worker thread has its own alternate signal stack (so a stack overflow can
 * still be trapped) and a thread-local jump buffer that is armed only while a
 * guarded step runs. A signal that arrives on a thread whose guard is not
 * armed is not ours: the previous disposition is restored and the signal
 * re-raised (default action: the process dies as it would have without us).
 *
 * Fault injection (compiled only with -DMPC_FAULT_INJECTION): a small global
 * table of rules (protocol name, round, party, session id) makes the manager's
 * guarded step return an error, fault in protocol code, fault outside it,
 * call abort() or hang before it calls the protocol, which proves both layers
 * and the watchdog in tests.
 *
 * THREAD SAFETY: global_acquire/release and the injection table are
 * thread-safe. thread_enter/thread_leave/call concern the calling thread only.
 */
#ifndef MPC_SESSION_GUARD_H
#define MPC_SESSION_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

/* The linker section of protocol code: faults there are trapped, elsewhere not. */
#define SESSION_GUARD_PROTOCOL_SECTION "mpc_tss_text"

/* A guarded step: runs fn(ctx) and returns its status. */
typedef mpc_status (*session_guard_fn)(void *ctx);

/*
 * Installs the process-wide handlers (first caller) and counts a user.
 * Returns: MPC_OK, MPC_ERR_INTERNAL if sigaction failed.
 */
MPC_MUST_CHECK mpc_status session_guard_global_acquire(void);

/* Drops a user; the last one restores the previous signal dispositions. */
void session_guard_global_release(void);

/*
 * Prepares the calling thread: allocates and installs its alternate signal
 * stack. Call once at the start of every worker thread.
 * Returns: MPC_OK, MPC_ERR_NOMEM, MPC_ERR_INTERNAL (sigaltstack failed).
 */
MPC_MUST_CHECK mpc_status session_guard_thread_enter(void);

/* Uninstalls and frees the calling thread's alternate stack. Idempotent. */
void session_guard_thread_leave(void);

/*
 * Runs fn(ctx) inside the guard of the calling thread.
 * Out: *sig — the trapped signal number when MPC_ERR_FAULT is returned, else 0
 *      (sig may be NULL).
 * Returns: fn's status; MPC_ERR_FAULT when a fault was trapped (fn did not
 *          return; anything it was modifying is in an unknown state);
 *          MPC_ERR_INTERNAL if the thread was not prepared or the guard is
 *          already armed (nested guards are not supported).
 */
MPC_MUST_CHECK mpc_status session_guard_call(session_guard_fn fn, void *ctx, int *sig);

/*
 * Parks p forever on the process-wide quarantine list: the memory of a
 * faulted session is never freed or touched again, but stays reachable so
 * leak checkers do not report it. Accepts NULL (ignored).
 */
void session_guard_quarantine(void *p);

/* Returns: the number of pointers ever quarantined in this process. */
uint64_t session_guard_quarantined(void);

/* Returns: the number of faults trapped in this process. */
uint64_t session_guard_faults(void);

/*
 * Returns: how long (ms, monotonic now_ms) the longest guarded step that is
 * still running on any prepared thread has been running; 0 if none runs.
 * The watchdog uses it to tell a hung worker from a busy one.
 * THREAD SAFETY: any thread.
 */
uint64_t session_guard_longest_step_ms(uint64_t now_ms);

/* What an injection rule does when it matches. */
typedef enum {
    SESSION_FAULT_NONE = 0,         /* no rule matched */
    SESSION_FAULT_ERROR = 1,        /* the step returns MPC_ERR_PROTOCOL (layer 1) */
    SESSION_FAULT_NULL = 2,         /* protocol code dereferences NULL (trapped SIGSEGV) */
    SESSION_FAULT_ABORT = 3,        /* the step calls abort(): the process dies */
    SESSION_FAULT_FPE = 4,          /* protocol code divides by zero (trapped SIGFPE) */
    SESSION_FAULT_NULL_OUTSIDE = 5, /* NULL dereference outside protocol code: dies */
    SESSION_FAULT_HANG = 6,         /* the step blocks (session_fault_release_hangs) */
} session_fault_kind;

#ifdef MPC_FAULT_INJECTION
#define SESSION_FAULT_ANY UINT32_MAX

/*
 * Adds a rule: the next guarded step of protocol proto (NULL = any), round
 * (SESSION_FAULT_ANY = any; round 0 = create/start), party index (ANY = any)
 * and session sid (16 bytes, NULL = any) triggers kind. A rule fires once.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM (table full).
 */
MPC_MUST_CHECK mpc_status session_fault_inject(const char *proto, uint32_t round, uint32_t party,
                                               const uint8_t *sid, session_fault_kind kind);

/* Removes every rule. */
void session_fault_clear(void);

/*
 * Consumes the first rule matching (proto, round, party, sid).
 * Returns: its kind, or SESSION_FAULT_NONE.
 */
session_fault_kind session_fault_match(const char *proto, uint32_t round, uint32_t party,
                                       const uint8_t *sid);

/*
 * Executes kind inside a guarded step: returns MPC_ERR_PROTOCOL for ERROR,
 * MPC_OK for NONE, MPC_ERR_TIMEOUT for HANG once released (or after 10
 * minutes), and does not return for the others.
 */
MPC_MUST_CHECK mpc_status session_fault_fire(session_fault_kind kind);

/* release != 0: every HANG step returns (and later ones return at once); 0: they hang again. */
void session_fault_release_hangs(int release);
#endif

#endif /* MPC_SESSION_GUARD_H */

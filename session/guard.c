/*
 * guard.c — layer 2 of the fault guard: trap hardware faults of protocol code.
 *
 * DESIGN: one set of process-wide handlers (SA_SIGINFO | SA_ONSTACK) for the
 * four trapped signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL; never SIGABRT: an
 * abort means glibc or the stack protector found the process corrupt, and it
 * must die). The handler traps only when the calling thread's guard is armed
 * AND the faulting instruction lies in protocol code: the section
 * SESSION_GUARD_PROTOCOL_SECTION, into which the Makefile moves the code of
 * every tss/ object (pure: no locks, no I/O). A fault in libc, GMP, libsodium
 * or our own session code may have left a lock held or shared state half
 * written, so it is not trapped. When trapping, the handler records the
 * signal, disarms, and siglongjmp()s back into session_guard_call() (sigsetjmp
 * saved the signal mask, so the blocked signal is unblocked again). Otherwise
 * it restores the previous disposition and re-raises, so the process dies.
 * The counters are atomics: the handler only increments them.
 *
 * Each prepared thread has a slot in guard_slots holding the monotonic start
 * of the step it is running (0 when idle): the watchdog reads it to tell a
 * hung worker from a busy one (session_guard_longest_step_ms).
 *
 * The quarantine list is global on purpose: memory the guard cannot wipe
 * (a faulted session whose destroy faulted too) must outlive every manager
 * (never freed) and stay reachable (no leak reports).
 */
#include "session/guard.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "common/clock.h"

#define GUARD_ALTSTACK_SIZE (128u * 1024u)
#define GUARD_NSIG          4
#define GUARD_SLOTS         256u /* prepared threads tracked for the watchdog */

static const int guard_signals[GUARD_NSIG] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};

/* Per-thread guard state. */
typedef struct {
    sigjmp_buf jb;               /* where a trapped signal jumps back to */
    volatile sig_atomic_t armed; /* 1 while a guarded step runs */
    volatile sig_atomic_t sig;   /* signal trapped by the last fault */
    void *altstack;              /* this thread's alternate signal stack, NULL if none */
    int slot;                    /* index in guard_slots, -1 if none was free */
} guard_tls;

static _Thread_local guard_tls tls_guard;

static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER; /* guards users, old_act, slots */
static unsigned guard_users;                                   /* global_acquire count */
static struct sigaction guard_old_act[GUARD_NSIG];             /* dispositions before us */
static atomic_uint_fast64_t guard_faults;                      /* faults trapped */
static int guard_slot_used[GUARD_SLOTS];                       /* slot taken (guard_lock) */
static atomic_uint_fast64_t guard_slots[GUARD_SLOTS];          /* step start ms, 0 = idle */

static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER; /* guards the list */
static void **quarantine_list;                /* quarantined pointers, never freed */
static size_t quarantine_n;                   /* entries used */
static size_t quarantine_cap;                 /* entries allocated */
static atomic_uint_fast64_t quarantine_total; /* pointers ever quarantined */

/* Bounds of the protocol code section (defined by the linker; weak: may be absent). */
extern const char __start_mpc_tss_text[] __attribute__((weak));
extern const char __stop_mpc_tss_text[] __attribute__((weak));

/* Returns: 1 if the interrupted instruction lies in protocol code. */
static int
guard_pc_in_protocol(const void *uctx)
{
    const ucontext_t *uc = uctx;
    uintptr_t pc;
    if (uc == NULL || __start_mpc_tss_text == NULL || __stop_mpc_tss_text == NULL) {
        return 0;
    }
#if defined(__x86_64__)
    pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    pc = (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)pc;
    return 0; /* unknown machine: never trap */
#endif
    return pc >= (uintptr_t)__start_mpc_tss_text && pc < (uintptr_t)__stop_mpc_tss_text;
}

static int
guard_index(int sig)
{
    for (int i = 0; i < GUARD_NSIG; i++) {
        if (guard_signals[i] == sig) {
            return i;
        }
    }
    return -1;
}

static void
guard_on_signal(int sig, siginfo_t *si, void *uctx)
{
    guard_tls *g = &tls_guard;
    if (g->armed && guard_pc_in_protocol(uctx)) {
        g->armed = 0;
        g->sig = sig;
        atomic_fetch_add(&guard_faults, 1);
        siglongjmp(g->jb, 1);
    }
    /* Not a fault of protocol code inside a guarded step: behave as if we were not installed. */
    int i = guard_index(sig);
    if (i >= 0 && (guard_old_act[i].sa_flags & SA_SIGINFO) &&
        guard_old_act[i].sa_sigaction != NULL) {
        guard_old_act[i].sa_sigaction(sig, si, uctx);
        return;
    }
    if (i >= 0 && guard_old_act[i].sa_handler != SIG_DFL &&
        guard_old_act[i].sa_handler != SIG_IGN && guard_old_act[i].sa_handler != NULL) {
        guard_old_act[i].sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

mpc_status
session_guard_global_acquire(void)
{
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&guard_lock);
    if (guard_users == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = guard_on_signal;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        for (int i = 0; i < GUARD_NSIG; i++) {
            if (sigaction(guard_signals[i], &sa, &guard_old_act[i]) != 0) {
                for (int j = 0; j < i; j++) {
                    sigaction(guard_signals[j], &guard_old_act[j], NULL);
                }
                st = MPC_ERR_INTERNAL;
                goto out_unlock;
            }
        }
    }
    guard_users++;
out_unlock:
    pthread_mutex_unlock(&guard_lock);
    return st;
}

void
session_guard_global_release(void)
{
    pthread_mutex_lock(&guard_lock);
    if (guard_users > 0 && --guard_users == 0) {
        for (int i = 0; i < GUARD_NSIG; i++) {
            sigaction(guard_signals[i], &guard_old_act[i], NULL);
        }
    }
    pthread_mutex_unlock(&guard_lock);
}

mpc_status
session_guard_thread_enter(void)
{
    guard_tls *g = &tls_guard;
    if (g->altstack != NULL) {
        return MPC_OK;
    }
    void *mem = malloc(GUARD_ALTSTACK_SIZE);
    if (mem == NULL) {
        return MPC_ERR_NOMEM;
    }
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = mem;
    ss.ss_size = GUARD_ALTSTACK_SIZE;
    if (sigaltstack(&ss, NULL) != 0) {
        free(mem);
        return MPC_ERR_INTERNAL;
    }
    g->altstack = mem;
    g->armed = 0;
    g->slot = -1;
    pthread_mutex_lock(&guard_lock);
    for (unsigned i = 0; i < GUARD_SLOTS; i++) {
        if (!guard_slot_used[i]) {
            guard_slot_used[i] = 1;
            atomic_store(&guard_slots[i], 0);
            g->slot = (int)i;
            break;
        }
    }
    pthread_mutex_unlock(&guard_lock);
    return MPC_OK;
}

void
session_guard_thread_leave(void)
{
    guard_tls *g = &tls_guard;
    if (g->altstack == NULL) {
        return;
    }
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    (void)sigaltstack(&ss, NULL);
    free(g->altstack);
    g->altstack = NULL;
    if (g->slot >= 0) {
        pthread_mutex_lock(&guard_lock);
        atomic_store(&guard_slots[g->slot], 0);
        guard_slot_used[g->slot] = 0;
        pthread_mutex_unlock(&guard_lock);
        g->slot = -1;
    }
}

/* Marks the calling thread's step as started (now != 0) or ended (0). */
static void
guard_slot_mark(const guard_tls *g, uint64_t now)
{
    if (g->slot >= 0) {
        atomic_store(&guard_slots[g->slot], now);
    }
}

uint64_t
session_guard_longest_step_ms(uint64_t now_ms)
{
    uint64_t longest = 0;
    for (unsigned i = 0; i < GUARD_SLOTS; i++) {
        uint64_t t = atomic_load(&guard_slots[i]);
        if (t != 0 && now_ms > t && now_ms - t > longest) {
            longest = now_ms - t;
        }
    }
    return longest;
}

mpc_status
session_guard_call(session_guard_fn fn, void *ctx, int *sig)
{
    guard_tls *g = &tls_guard;
    if (sig != NULL) {
        *sig = 0;
    }
    if (fn == NULL || g->altstack == NULL || g->armed) {
        return MPC_ERR_INTERNAL;
    }
    guard_slot_mark(g, mpc_clock_mono_ms() | 1);
    if (sigsetjmp(g->jb, 1) != 0) {
        /* Back from the handler: fn never returned. */
        guard_slot_mark(g, 0);
        if (sig != NULL) {
            *sig = g->sig;
        }
        return MPC_ERR_FAULT;
    }
    g->armed = 1;
    mpc_status st = fn(ctx);
    g->armed = 0;
    guard_slot_mark(g, 0);
    return st;
}

void
session_guard_quarantine(void *p)
{
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&quarantine_lock);
    if (quarantine_n == quarantine_cap) {
        size_t ncap = quarantine_cap ? quarantine_cap * 2 : 16;
        void **nl = realloc(quarantine_list, ncap * sizeof *nl);
        if (nl == NULL) {
            /* Cannot record it: it is leaked anyway, only unreachable. */
            pthread_mutex_unlock(&quarantine_lock);
            atomic_fetch_add(&quarantine_total, 1);
            return;
        }
        quarantine_list = nl;
        quarantine_cap = ncap;
    }
    quarantine_list[quarantine_n++] = p;
    pthread_mutex_unlock(&quarantine_lock);
    atomic_fetch_add(&quarantine_total, 1);
}

uint64_t
session_guard_quarantined(void)
{
    return atomic_load(&quarantine_total);
}

uint64_t
session_guard_faults(void)
{
    return atomic_load(&guard_faults);
}

#ifdef MPC_FAULT_INJECTION

#define FAULT_RULES_MAX 64
#define FAULT_SID_LEN   16
#define FAULT_PROTO_MAX 32

/* One injection rule; used == 0 marks a free slot. */
typedef struct {
    int used;                    /* slot in use */
    char proto[FAULT_PROTO_MAX]; /* protocol name, "" = any */
    uint32_t round;              /* round or SESSION_FAULT_ANY */
    uint32_t party;              /* party index or SESSION_FAULT_ANY */
    int any_sid;                 /* 1 = any session */
    uint8_t sid[FAULT_SID_LEN];  /* session id when any_sid == 0 */
    session_fault_kind kind;     /* what to do */
} fault_rule;

static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER; /* guards fault_rules */
static fault_rule fault_rules[FAULT_RULES_MAX];                /* the table */

mpc_status
session_fault_inject(const char *proto, uint32_t round, uint32_t party, const uint8_t *sid,
                     session_fault_kind kind)
{
    if (kind == SESSION_FAULT_NONE || kind > SESSION_FAULT_HANG ||
        (proto != NULL && strlen(proto) >= FAULT_PROTO_MAX)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = MPC_ERR_NOMEM;
    pthread_mutex_lock(&fault_lock);
    for (size_t i = 0; i < FAULT_RULES_MAX; i++) {
        fault_rule *r = &fault_rules[i];
        if (r->used) {
            continue;
        }
        memset(r, 0, sizeof *r);
        r->used = 1;
        if (proto != NULL) {
            memcpy(r->proto, proto, strlen(proto) + 1);
        }
        r->round = round;
        r->party = party;
        r->any_sid = sid == NULL;
        if (sid != NULL) {
            memcpy(r->sid, sid, FAULT_SID_LEN);
        }
        r->kind = kind;
        st = MPC_OK;
        break;
    }
    pthread_mutex_unlock(&fault_lock);
    return st;
}

void
session_fault_clear(void)
{
    pthread_mutex_lock(&fault_lock);
    memset(fault_rules, 0, sizeof fault_rules);
    pthread_mutex_unlock(&fault_lock);
}

static int
fault_rule_matches(const fault_rule *r, const char *proto, uint32_t round, uint32_t party,
                   const uint8_t *sid)
{
    return r->used && (r->proto[0] == '\0' || (proto != NULL && strcmp(r->proto, proto) == 0)) &&
           (r->round == SESSION_FAULT_ANY || r->round == round) &&
           (r->party == SESSION_FAULT_ANY || r->party == party) &&
           (r->any_sid || (sid != NULL && memcmp(r->sid, sid, FAULT_SID_LEN) == 0));
}

session_fault_kind
session_fault_match(const char *proto, uint32_t round, uint32_t party, const uint8_t *sid)
{
    session_fault_kind kind = SESSION_FAULT_NONE;
    pthread_mutex_lock(&fault_lock);
    for (size_t i = 0; i < FAULT_RULES_MAX; i++) {
        if (fault_rule_matches(&fault_rules[i], proto, round, party, sid)) {
            kind = fault_rules[i].kind;
            fault_rules[i].used = 0;
            break;
        }
    }
    pthread_mutex_unlock(&fault_lock);
    return kind;
}

static atomic_int fault_hang_release; /* 1: hung steps return */

/*
 * The injected faults stand for faults of protocol code, so they live in the
 * protocol section. The NULL dereference must reach the CPU: UBSan's null
 * check would exit first.
 */
__attribute__((noinline, no_sanitize("undefined", "address"),
               section(SESSION_GUARD_PROTOCOL_SECTION))) static int
fault_deref(volatile int *p)
{
    return *p;
}

__attribute__((noinline, no_sanitize("undefined"),
               section(SESSION_GUARD_PROTOCOL_SECTION))) static int
fault_divide(volatile int num, volatile int den)
{
    return num / den;
}

/* The same NULL dereference, outside protocol code: the guard must not trap it. */
__attribute__((noinline, no_sanitize("undefined", "address"))) static int
fault_deref_outside(volatile int *p)
{
    return *p;
}

/* A step that never finishes (bounded: 10 minutes, or session_fault_release_hangs). */
static mpc_status
fault_hang(void)
{
    for (int i = 0; i < 600000 && !atomic_load(&fault_hang_release); i++) {
        usleep(1000);
    }
    return MPC_ERR_TIMEOUT;
}

void
session_fault_release_hangs(int release)
{
    atomic_store(&fault_hang_release, release != 0);
}

mpc_status
session_fault_fire(session_fault_kind kind)
{
    static volatile uintptr_t zero = 0;
    switch (kind) {
    case SESSION_FAULT_ERROR:
        return MPC_ERR_PROTOCOL;
    case SESSION_FAULT_NULL:
        return fault_deref((volatile int *)zero) == 0 ? MPC_ERR_INTERNAL : MPC_ERR_INTERNAL;
    case SESSION_FAULT_FPE:
        return fault_divide(1, (int)zero) == 0 ? MPC_ERR_INTERNAL : MPC_ERR_INTERNAL;
    case SESSION_FAULT_ABORT:
        abort();
    case SESSION_FAULT_NULL_OUTSIDE:
        return fault_deref_outside((volatile int *)zero) == 0 ? MPC_ERR_INTERNAL : MPC_ERR_INTERNAL;
    case SESSION_FAULT_HANG:
        return fault_hang();
    case SESSION_FAULT_NONE:
    default:
        return MPC_OK;
    }
}

#endif /* MPC_FAULT_INJECTION */

/*
 * ctime.h — hooks for the valgrind constant-time test (libsecp256k1 style).
 *
 * In non-release builds (MPC_FAULT_INJECTION) with valgrind's memcheck.h
 * available, TSS_CLASSIFY marks a freshly drawn secret "undefined" when the
 * test flag tss_ctime_classify_secrets is set, so memcheck reports every branch
 * or memory index that depends on it; TSS_DECLASSIFY marks a value that is
 * public by design (a check outcome, a validity bit) as defined before the one
 * branch that reveals it. Outside valgrind both are a few no-op instructions;
 * in release builds they compile to nothing.
 *
 * Secrets are classified where they are drawn (scalar_random, Δ, nonce
 * seeds, OT choice bits) or loaded (key shares, Δ and OT keys of a record).
 * `make ctime` (and `make test`, suite tests/ctime/test_ctime_valgrind.sh)
 * runs the tests/unit/tss/test_*ctime* programs of the -O2 build BUILD=ctime
 * under valgrind; tests/ctime/libsodium.supp documents the one libsodium
 * branch (identity result check of scalarmult) that is public by design.
 *
 * THREAD SAFETY: tss_ctime_classify_secrets is written only by the ctime test
 * before it starts its work.
 */
#ifndef MPC_TSS_CTIME_H
#define MPC_TSS_CTIME_H

#if defined(MPC_FAULT_INJECTION) && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TSS_CTIME_VALGRIND 1
#endif
#endif

#ifdef TSS_CTIME_VALGRIND
/* Test flag: 1 makes TSS_CLASSIFY mark fresh secrets undefined (ctime test only). */
extern int tss_ctime_classify_secrets;
#define TSS_CLASSIFY(p, n)                                                                         \
    do {                                                                                           \
        if (tss_ctime_classify_secrets) {                                                          \
            (void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n));                                           \
        }                                                                                          \
    } while (0)
#define TSS_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define TSS_CLASSIFY(p, n)   ((void)0)
#define TSS_DECLASSIFY(p, n) ((void)0)
#endif

#endif /* MPC_TSS_CTIME_H */

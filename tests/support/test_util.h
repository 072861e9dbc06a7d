/*
 * test_util.h — small helpers shared by the cmocka suites: a seeded PRNG
 * whose seed is printed and can be overridden with MPC_TEST_SEED, and
 * environment probes for slow runners (valgrind, tsan).
 *
 * THREAD SAFETY: mpc_test_seed() is called once per test program from the
 * main thread; mpc_test_rand() keeps its state in the caller's variable;
 * mpc_test_slow() may be called from any thread.
 */
#ifndef MPC_TESTS_SUPPORT_TEST_UTIL_H
#define MPC_TESTS_SUPPORT_TEST_UTIL_H

#include <stdint.h>

/*
 * The one seed helper of the test suites (every seeded test and fixture
 * calls it). Returns: the seed from MPC_TEST_SEED (decimal or 0x hex) if set
 * and non-zero, else a fresh one from the clock, never 0; prints
 * "<name>: MPC_TEST_SEED=<n>" to stdout so a failing run can be repeated.
 */
uint64_t mpc_test_seed(const char *name);

/* xorshift64* step over *state (never 0). Returns: the next 64-bit value. */
uint64_t mpc_test_rand(uint64_t *state);

/* Returns: 1 if the tests run under valgrind (MPC_VALGRIND set), else 0. */
int mpc_test_under_valgrind(void);

/* Returns: 1 if the tests run under ThreadSanitizer (MPC_TSAN set), else 0. */
int mpc_test_under_tsan(void);

/*
 * Returns: the factor by which deadlines sized for native speed are
 * stretched: the machine's contention measured at the first call (1..8:
 * wall over CPU time of a short CPU-bound loop), times 4 under valgrind or
 * tsan (threads serialised, everything slower); printed when above 1.
 * MPC_TEST_SLOW=<n> sets it. The one such factor of the suites. Thread-safe
 * (computed once).
 */
uint64_t mpc_test_slow(void);

/*
 * Returns: 1 if p is mpc_secure_alloc memory (a pool region or a
 * sodium_malloc block), as far as /proc/self/smaps shows: its mapping is
 * locked in RAM ("Locked:" non-zero; not checked under ASan and TSan, whose
 * mlock is a no-op) and a no-access guard page follows its page (sodium_malloc)
 * or its pool region; 0 if not; -1 if smaps
 * cannot be read.
 */
int mpc_test_mem_locked(const void *p);

#endif /* MPC_TESTS_SUPPORT_TEST_UTIL_H */

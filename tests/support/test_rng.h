/*
 * test_rng.h — reproducible randomness for tests: a ChaCha20 stream keyed by a
 * 64-bit seed that is printed on init and can be overridden with the
 * environment variable MPC_TEST_SEED (decimal or 0x-hex).
 *
 * THREAD SAFETY: one global stream; use from one thread.
 */
#ifndef MPC_TESTS_SUPPORT_TEST_RNG_H
#define MPC_TESTS_SUPPORT_TEST_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "tests/support/test_util.h"

/* Seeds the stream with mpc_test_seed(name) (MPC_TEST_SEED or the clock, printed). */
uint64_t test_rng_init(const char *name);

/* Fills buf with the next len bytes of the stream. */
void test_rng_bytes(void *buf, size_t len);

/* Returns: a value uniform in [0, n) (n > 0). */
uint32_t test_rng_below(uint32_t n);

#endif /* MPC_TESTS_SUPPORT_TEST_RNG_H */

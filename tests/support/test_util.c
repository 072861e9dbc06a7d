/*
 * test_util.c — seeded randomness and runner probes for tests.
 */
#include "tests/support/test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t
mpc_test_seed(const char *name)
{
    const char *env = getenv("MPC_TEST_SEED");
    uint64_t seed = 0;
    if (env != NULL && *env != '\0') {
        seed = strtoull(env, NULL, 0);
    }
    if (seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
    }
    if (seed == 0) {
        seed = 0x9e3779b97f4a7c15ULL;
    }
    /* stdout, flushed: kept in the suite's output next to the cases it seeds. */
    printf("%s: MPC_TEST_SEED=%llu (set it to repeat)\n", name ? name : "test",
           (unsigned long long)seed);
    fflush(stdout);
    return seed;
}

uint64_t
mpc_test_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

int
mpc_test_under_valgrind(void)
{
    return getenv("MPC_VALGRIND") != NULL;
}

int
mpc_test_under_tsan(void)
{
    return getenv("MPC_TSAN") != NULL;
}

/*
 * test_util.c — seeded randomness and runner probes for tests.
 */
#include "tests/support/test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/secmem_pool.h"

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

uint64_t
mpc_test_slow(void)
{
    return mpc_test_under_valgrind() || mpc_test_under_tsan() ? 4 : 1;
}

int
mpc_test_mem_locked(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL) {
        return -1;
    }
    char line[512], perms[8];
    int inside = 0, locked = 0, guarded = 0;
    uintptr_t a = (uintptr_t)p;
    uintptr_t next_page = (a | 4095u) + 1; /* sodium_malloc: a guard page follows the data */
    uintptr_t end = 0;                     /* pool: first byte after p's region */
    int pooled = mpc_secmem_pool_owns(p);
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long lo = 0, hi = 0, kb = 0;
        if (sscanf(line, "%lx-%lx %7s ", &lo, &hi, perms) == 3) {
            int noaccess = strcmp(perms, "---p") == 0;
            if (noaccess && ((next_page >= lo && next_page < hi) || (pooled && lo == end))) {
                guarded = 1;
            }
            inside = a >= lo && a < hi;
            end = inside ? hi : 0;
            continue;
        }
        if (inside && sscanf(line, "Locked: %lu kB", &kb) == 1) {
            locked = kb > 0;
        }
    }
    fclose(f);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    locked = 1; /* the sanitizers turn mlock into a no-op: only the guard page can be seen */
#endif
    return locked && guarded;
}

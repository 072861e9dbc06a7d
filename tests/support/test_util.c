/*
 * test_util.c — seeded randomness and runner probes for tests.
 */
#include "tests/support/test_util.h"

#include <pthread.h>
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

/*
 * The machine's contention right now: wall time over thread CPU time of a
 * CPU-bound loop of 50 ms CPU (at most 5 s wall, at most 2^32 steps): 1 on an
 * idle core, ~10 with a load of 30 on 2 cores. Rounded up, between 1 and 8.
 * The same measure as cpu_scale in tests/integration/lib/common.sh.
 */
static uint64_t
measured_contention(void)
{
    struct timespec w0, c0, w, c;
    double wall = 0, cpu = 0;
    volatile uint64_t sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    for (uint64_t i = 1; i < (1ULL << 32); i++) {
        sink += i;
        if ((i & 0xfff) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &w);
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
            wall = (double)(w.tv_sec - w0.tv_sec) + (double)(w.tv_nsec - w0.tv_nsec) / 1e9;
            cpu = (double)(c.tv_sec - c0.tv_sec) + (double)(c.tv_nsec - c0.tv_nsec) / 1e9;
            if (cpu >= 0.05 || wall >= 5.0) {
                break;
            }
        }
    }
    double r = wall / (cpu > 1e-6 ? cpu : 1e-6);
    uint64_t k = 1;
    while (k < 8 && (double)k < r - 0.1) { /* ceil(r - 0.1), clamped */
        k++;
    }
    return k;
}

static pthread_once_t slow_once = PTHREAD_ONCE_INIT;
static uint64_t slow_factor;

static void
slow_init(void)
{
    const char *env = getenv("MPC_TEST_SLOW");
    unsigned long long v = env != NULL ? strtoull(env, NULL, 10) : 0;
    if (v >= 1 && v <= 1000) {
        slow_factor = v;
        return;
    }
    uint64_t base = mpc_test_under_valgrind() || mpc_test_under_tsan() ? 4 : 1;
    uint64_t k = measured_contention();
    slow_factor = base * k;
    if (slow_factor > 1) {
        printf("slow: deadlines x%llu (x%llu for the runner, x%llu measured contention;"
               " MPC_TEST_SLOW=<n> sets it)\n",
               (unsigned long long)slow_factor, (unsigned long long)base, (unsigned long long)k);
        fflush(stdout);
    }
}

uint64_t
mpc_test_slow(void)
{
    pthread_once(&slow_once, slow_init);
    return slow_factor;
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

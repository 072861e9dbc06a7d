/*
 * test_secmem_pool.c — the slab pool behind mpc_secure_alloc: sizes and
 * alignment, wiping, canaries, double free, foreign pointers, the limit, the
 * return of empty regions, guard pages, and many threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "common/secmem_pool.h"
#include "tests/support/test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TEST_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#elif defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TEST_UNPOISON(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif
#ifndef TEST_UNPOISON
#define TEST_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static uint64_t seed;

static struct mpc_secmem_pool_stats
stats(void)
{
    struct mpc_secmem_pool_stats s;
    mpc_secmem_pool_stats_get(&s);
    return s;
}

static void
test_secmem_pool_sizes_aligned_zeroed(void **state)
{
    (void)state;
    assert_int_equal(mpc_crypto_init(), MPC_OK);
    const size_t lens[] = {1,    15,   16,   47,    48,    49,    100,
                           1000, 4080, 4081, 30720, 65520, 73304, 131056};
    const size_t slots[] = {64,   64,   64,   64,    64,    128,    128,
                            1024, 4096, 8192, 32768, 65536, 131072, 131072};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        assert_int_equal(mpc_secmem_pool_slot_size(lens[i]), slots[i]);
        uint8_t *p = mpc_secmem_pool_alloc(lens[i]);
        assert_non_null(p);
        assert_true(mpc_secmem_pool_owns(p));
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_true(mpc_ct_is_zero(p, lens[i]));
        assert_int_equal(mpc_test_mem_locked(p), 1); /* mlock'ed, a guard page ends the region */
        memset(p, 0x5a, lens[i]);                    /* the whole length is writable */
        assert_int_equal(mpc_secmem_pool_release(p), MPC_OK);
    }
    assert_int_equal(mpc_secmem_pool_slot_size(0), 0);
    assert_int_equal(mpc_secmem_pool_slot_size(131057), 0); /* no room for the canary */
    assert_null(mpc_secmem_pool_alloc(0));
    assert_null(mpc_secmem_pool_alloc(131057));
    assert_int_equal(stats().slots_used, 0);
}

static void
test_secmem_pool_free_wipes(void **state)
{
    (void)state;
    uint8_t *p = mpc_secmem_pool_alloc(200);
    assert_non_null(p);
    memset(p, 0xaa, 200);
    assert_int_equal(mpc_secmem_pool_release(p), MPC_OK);
    uint8_t *q = mpc_secmem_pool_alloc(200); /* the slot just freed: the stack is LIFO */
    assert_ptr_equal(q, p);
    assert_true(mpc_ct_is_zero(q, 200));
    assert_int_equal(mpc_secmem_pool_release(q), MPC_OK);
}

static void
test_secmem_pool_overflow_refused(void **state)
{
    (void)state;
    struct mpc_secmem_pool_stats before = stats();
    for (size_t len = 40; len <= 48; len += 8) { /* past the end, and the slot's last byte */
        uint8_t *p = mpc_secmem_pool_alloc(len);
        assert_non_null(p);
        memset(p, 0x11, len);
        TEST_UNPOISON(p + len, 64 - len); /* the test writes where the code must not */
        p[len == 40 ? len : 63] ^= 1;
        assert_int_equal(mpc_secmem_pool_release(p), MPC_ERR_SECMEM_OVERFLOW);
        assert_int_equal(mpc_secmem_pool_release(p), MPC_ERR_SECMEM_DOUBLE_FREE); /* retired */
        uint8_t *q = mpc_secmem_pool_alloc(len);
        assert_ptr_not_equal(q, p); /* a quarantined slot is never handed out again */
        assert_int_equal(mpc_secmem_pool_release(q), MPC_OK);
    }
    assert_int_equal(stats().quarantined, before.quarantined + 2);
    assert_int_equal(stats().slots_used, before.slots_used);
}

static void
test_secmem_pool_double_free_refused(void **state)
{
    (void)state;
    uint8_t *p = mpc_secmem_pool_alloc(64);
    assert_non_null(p);
    assert_int_equal(mpc_secmem_pool_release(p), MPC_OK);
    assert_int_equal(mpc_secmem_pool_release(p), MPC_ERR_SECMEM_DOUBLE_FREE);
    assert_int_equal(stats().slots_used, 0);
}

static void
test_secmem_pool_foreign_refused(void **state)
{
    (void)state;
    uint8_t local[32];
    void *heap = malloc(32);
    assert_non_null(heap);
    assert_int_equal(mpc_secmem_pool_release(local), MPC_ERR_SECMEM_FOREIGN);
    assert_int_equal(mpc_secmem_pool_release(heap), MPC_ERR_SECMEM_FOREIGN);
    free(heap);
    uint8_t *p = mpc_secmem_pool_alloc(100);
    assert_non_null(p);
    assert_int_equal(mpc_secmem_pool_release(p + 16), MPC_ERR_SECMEM_FOREIGN);      /* interior */
    assert_int_equal(mpc_secmem_pool_release(p + 128), MPC_ERR_SECMEM_DOUBLE_FREE); /* next slot */
    assert_int_equal(mpc_secmem_pool_release(p), MPC_OK); /* still live after the refusals */
}

static void
test_secmem_pool_limit_then_fallback(void **state)
{
    (void)state;
    struct mpc_secmem_stats before;
    mpc_secmem_stats_get(&before);
    mpc_secmem_pool_limit_set(0);
    assert_null(mpc_secmem_pool_alloc(1500)); /* class 2 KiB has no region yet */
    uint8_t *p = mpc_secure_alloc(1500);      /* falls back to sodium_malloc */
    assert_non_null(p);
    assert_false(mpc_secmem_pool_owns(p));
    assert_true(mpc_ct_is_zero(p, 1500));
    struct mpc_secmem_stats mid;
    mpc_secmem_stats_get(&mid);
    assert_int_equal(mid.pool_limit_bytes, 0);
    assert_int_equal(mid.pool_full, before.pool_full + 2);
    assert_int_equal(mid.fallback_live, before.fallback_live + 1);
    assert_int_equal(mpc_secure_release(p), MPC_OK);
    assert_int_equal(mpc_secure_release(p), MPC_ERR_SECMEM_FOREIGN); /* no longer known */
    mpc_secmem_pool_limit_set(MPC_SECMEM_POOL_DEFAULT_LIMIT);
    p = mpc_secure_alloc(1500);
    assert_true(mpc_secmem_pool_owns(p));
    mpc_secure_free(p);
}

static void
test_secmem_pool_empty_regions_returned(void **state)
{
    (void)state;
    enum { N = 9 }; /* 4 slots of 64 KiB per region: three regions */
    uint8_t *p[N];
    size_t base = stats().regions;
    for (int i = 0; i < N; i++) {
        p[i] = mpc_secmem_pool_alloc(60000);
        assert_non_null(p[i]);
    }
    size_t peak = stats().regions;
    assert_true(peak >= base + 2);
    for (int i = 0; i < N; i++) {
        assert_int_equal(mpc_secmem_pool_release(p[i]), MPC_OK);
    }
    assert_int_equal(stats().regions, peak - 2); /* one spare region stays mapped */
    assert_true(stats().regions <= base + 1);
}

/* Writes one byte at each page from p on; the guard page after the region stops it. */
static void
write_pages(uint8_t *p, size_t span)
{
    TEST_UNPOISON(p, span);
    volatile uint8_t *v = p;
    for (size_t k = 0; k < span; k += 4096) {
        v[k] = 1;
    }
}

static void
test_secmem_pool_guard_page_faults(void **state)
{
    (void)state;
    uint8_t *p = mpc_secmem_pool_alloc(65000);
    assert_non_null(p);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* cmocka's handler would report and carry on */
        write_pages(p, MPC_SECMEM_POOL_REGION_BYTES + 4096);
        _exit(0); /* not reached: the region ends within REGION_BYTES of p */
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFSIGNALED(ws));
    assert_int_equal(WTERMSIG(ws), SIGSEGV);
    assert_int_equal(mpc_secmem_pool_release(p), MPC_OK);
}

struct worker {
    uint64_t rng; /* this thread's PRNG state */
    int failures; /* allocations that failed or lost their contents */
};

static void *
worker_run(void *arg)
{
    struct worker *w = arg;
    enum { LIVE = 16, ROUNDS = 1500 };
    uint8_t *live[LIVE] = {0};
    size_t len[LIVE] = {0};
    for (int r = 0; r < ROUNDS; r++) {
        int k = (int)(mpc_test_rand(&w->rng) % LIVE);
        if (live[k] != NULL) {
            for (size_t b = 0; b < len[k]; b++) {
                w->failures += live[k][b] != (uint8_t)(k + b);
            }
            w->failures += mpc_secure_release(live[k]) != MPC_OK;
            live[k] = NULL;
            continue;
        }
        len[k] = 1 + (size_t)(mpc_test_rand(&w->rng) % 9000);
        live[k] = mpc_secure_alloc(len[k]);
        if (live[k] == NULL || !mpc_ct_is_zero(live[k], len[k])) {
            w->failures++;
            continue;
        }
        for (size_t b = 0; b < len[k]; b++) {
            live[k][b] = (uint8_t)(k + b);
        }
    }
    for (int k = 0; k < LIVE; k++) {
        w->failures += live[k] != NULL && mpc_secure_release(live[k]) != MPC_OK;
    }
    return NULL;
}

static void
test_secmem_pool_threads(void **state)
{
    (void)state;
    enum { T = 4 };
    pthread_t th[T];
    struct worker w[T];
    size_t used = stats().slots_used;
    for (int i = 0; i < T; i++) {
        w[i] = (struct worker){.rng = seed + (uint64_t)i, .failures = 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(stats().slots_used, used);
}

int
main(void)
{
    seed = mpc_test_seed("test_secmem_pool");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secmem_pool_sizes_aligned_zeroed),
        cmocka_unit_test(test_secmem_pool_free_wipes),
        cmocka_unit_test(test_secmem_pool_overflow_refused),
        cmocka_unit_test(test_secmem_pool_double_free_refused),
        cmocka_unit_test(test_secmem_pool_foreign_refused),
        cmocka_unit_test(test_secmem_pool_limit_then_fallback),
        cmocka_unit_test(test_secmem_pool_empty_regions_returned),
        cmocka_unit_test(test_secmem_pool_guard_page_faults),
        cmocka_unit_test(test_secmem_pool_threads),
    };
    return cmocka_run_group_tests_name("common/secmem_pool", tests, NULL, NULL);
}

/*
 * test_secmem.c — secure memory, wiping, constant-time compare, randomness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"

static void
test_secmem_alloc_zeroed_and_free(void **state)
{
    (void)state;
    assert_int_equal(mpc_crypto_init(), MPC_OK);
    assert_int_equal(mpc_crypto_init(), MPC_OK); /* idempotent */
    uint8_t *p = mpc_secure_alloc(100);
    assert_non_null(p);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(p[i], 0);
    }
    memset(p, 0xaa, 100);
    mpc_secure_free(p);
    mpc_secure_free(NULL);
    assert_null(mpc_secure_alloc(0));
}

static void
test_secmem_wipe(void **state)
{
    (void)state;
    uint8_t buf[33];
    memset(buf, 0x5c, sizeof buf);
    mpc_wipe(buf, sizeof buf);
    assert_true(mpc_ct_is_zero(buf, sizeof buf));
    mpc_wipe(NULL, 0);
}

static void
test_secmem_ct_equal(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    memset(a, 7, sizeof a);
    memcpy(b, a, sizeof b);
    assert_true(mpc_ct_equal(a, b, sizeof a));
    b[31] ^= 1;
    assert_false(mpc_ct_equal(a, b, sizeof a));
    b[31] ^= 1;
    b[0] ^= 0x80;
    assert_false(mpc_ct_equal(a, b, sizeof a));
    assert_true(mpc_ct_equal(a, b, 0));
    assert_false(mpc_ct_is_zero(a, sizeof a));
}

static void
test_secmem_random(void **state)
{
    (void)state;
    uint8_t a[32] = {0}, b[32] = {0};
    assert_int_equal(mpc_random_bytes(a, sizeof a), MPC_OK);
    assert_int_equal(mpc_random_bytes(b, sizeof b), MPC_OK);
    assert_false(mpc_ct_is_zero(a, sizeof a));
    assert_false(mpc_ct_equal(a, b, sizeof a));
    assert_int_equal(mpc_random_bytes(NULL, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_random_bytes(NULL, 0), MPC_OK);
}

static void
test_secmem_large_block_fallback(void **state)
{
    (void)state;
    struct mpc_secmem_stats a, b;
    mpc_secmem_stats_get(&a);
    uint8_t *p = mpc_secure_alloc(200000); /* larger than any pool slot: sodium_malloc */
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    assert_true(mpc_ct_is_zero(p, 200000));
    memset(p, 0x77, 200000);
    mpc_secmem_stats_get(&b);
    assert_int_equal(b.fallback_live, a.fallback_live + 1);
    assert_int_equal(b.fallback_allocs, a.fallback_allocs + 1);
    assert_int_equal(mpc_secure_release(p), MPC_OK);
    assert_int_equal(mpc_secure_release(p), MPC_ERR_SECMEM_FOREIGN); /* forgotten at free */
    mpc_secmem_stats_get(&b);
    assert_int_equal(b.fallback_live, a.fallback_live);
    assert_int_equal(mpc_secure_release(NULL), MPC_OK);
}

static void
test_secmem_release_refusals(void **state)
{
    (void)state;
    uint8_t local[16];
    assert_int_equal(mpc_secure_release(local), MPC_ERR_SECMEM_FOREIGN);
    uint8_t *p = mpc_secure_alloc(32);
    assert_non_null(p);
    struct mpc_secmem_stats s;
    mpc_secmem_stats_get(&s);
    assert_true(s.pool_live >= 1);
    assert_int_equal(mpc_secure_release(p), MPC_OK);
    assert_int_equal(mpc_secure_release(p), MPC_ERR_SECMEM_DOUBLE_FREE);
}

/* Test builds abort on a refused free (release builds log and count it). */
static void
test_secmem_free_refusal_aborts(void **state)
{
    (void)state;
    void *p = mpc_secure_alloc(24);
    assert_non_null(p);
    mpc_secure_free(p);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        mpc_secure_free(p); /* a double free */
        _exit(0);
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFSIGNALED(ws));
    assert_int_equal(WTERMSIG(ws), SIGABRT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secmem_alloc_zeroed_and_free),
        cmocka_unit_test(test_secmem_wipe),
        cmocka_unit_test(test_secmem_ct_equal),
        cmocka_unit_test(test_secmem_random),
        cmocka_unit_test(test_secmem_large_block_fallback),
        cmocka_unit_test(test_secmem_release_refusals),
        cmocka_unit_test(test_secmem_free_refusal_aborts),
    };
    return cmocka_run_group_tests_name("common/secmem", tests, NULL, NULL);
}

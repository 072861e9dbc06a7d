/*
 * test_secmem.c — secure memory, wiping, constant-time compare, randomness.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secmem_alloc_zeroed_and_free),
        cmocka_unit_test(test_secmem_wipe),
        cmocka_unit_test(test_secmem_ct_equal),
        cmocka_unit_test(test_secmem_random),
    };
    return cmocka_run_group_tests_name("common/secmem", tests, NULL, NULL);
}

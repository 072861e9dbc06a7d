/*
 * test_secp_mod.c — constant-time mod p / mod q arithmetic, cross-checked
 * against GMP mpz on random public values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>

#include "tests/support/test_rng.h"
#include "tss/secp_mod.h"

#define ROUNDS 200

/*
 * The Makefile links this test with -Wl,--wrap=__gmpn_sec_powm: every call
 * tss/secp_mod.c makes to mpn_sec_powm comes here first, so the test sees GMP's
 * preconditions (B > 0, enb > 0) being kept, not only the results.
 */
void __real___gmpn_sec_powm(mp_ptr rp, mp_srcptr bp, mp_size_t bn, mp_srcptr ep, mp_bitcnt_t enb,
                            mp_srcptr mp, mp_size_t n, mp_ptr tp);
void __wrap___gmpn_sec_powm(mp_ptr rp, mp_srcptr bp, mp_size_t bn, mp_srcptr ep, mp_bitcnt_t enb,
                            mp_srcptr mp, mp_size_t n, mp_ptr tp);

static unsigned powm_calls;     /* calls that reached GMP */
static unsigned powm_zero_base; /* calls with B == 0 (forbidden by GMP) */

void
__wrap___gmpn_sec_powm(mp_ptr rp, mp_srcptr bp, mp_size_t bn, mp_srcptr ep, mp_bitcnt_t enb,
                       mp_srcptr mp, mp_size_t n, mp_ptr tp)
{
    mp_limb_t acc = 0;
    for (mp_size_t i = 0; i < bn; i++) {
        acc |= bp[i];
    }
    powm_calls++;
    powm_zero_base += acc == 0;
    assert_true(enb > 0);
    __real___gmpn_sec_powm(rp, bp, bn, ep, enb, mp, n, tp);
}

static void
num_to_mpz(mpz_t z, const struct tss_secp_num *a)
{
    mpz_import(z, TSS_SECP_LIMBS, -1, sizeof(mp_limb_t), 0, 0, a->v);
}

static void
mpz_to_num(struct tss_secp_num *a, const mpz_t z)
{
    size_t cnt = 0;
    memset(a, 0, sizeof(*a));
    mpz_export(a->v, &cnt, -1, sizeof(mp_limb_t), 0, 0, z);
    assert_true(cnt <= TSS_SECP_LIMBS);
}

static void
random_reduced(struct tss_secp_num *a, const struct tss_secp_mod *m, mpz_t mod)
{
    uint8_t b[64];
    mpz_t z;
    mpz_init(z);
    test_rng_bytes(b, sizeof(b));
    mpz_import(z, sizeof(b), 1, 1, 0, 0, b);
    mpz_mod(z, z, mod);
    mpz_to_num(a, z);
    mpz_clear(z);
    (void)m;
}

static void
check_mod(const struct tss_secp_mod *m)
{
    mpz_t mod, za, zb, zr, zw;
    mpz_inits(mod, za, zb, zr, zw, NULL);
    struct tss_secp_num mn = {{0}};
    memcpy(mn.v, m->m, sizeof(mn.v));
    num_to_mpz(mod, &mn);
    for (int i = 0; i < ROUNDS; i++) {
        struct tss_secp_num a, b, r;
        random_reduced(&a, m, mod);
        random_reduced(&b, m, mod);
        if (i == 0) { /* edge values: m - 1 and 0 */
            mpz_sub_ui(za, mod, 1);
            mpz_to_num(&a, za);
            memset(&b, 0, sizeof(b));
        }
        num_to_mpz(za, &a);
        num_to_mpz(zb, &b);
        tss_secp_mod_add(&r, &a, &b, m);
        mpz_add(zw, za, zb);
        mpz_mod(zw, zw, mod);
        num_to_mpz(zr, &r);
        assert_int_equal(mpz_cmp(zr, zw), 0);
        tss_secp_mod_sub(&r, &a, &b, m);
        mpz_sub(zw, za, zb);
        mpz_mod(zw, zw, mod);
        num_to_mpz(zr, &r);
        assert_int_equal(mpz_cmp(zr, zw), 0);
        tss_secp_mod_mul(&r, &a, &b, m);
        mpz_mul(zw, za, zb);
        mpz_mod(zw, zw, mod);
        num_to_mpz(zr, &r);
        assert_int_equal(mpz_cmp(zr, zw), 0);
        tss_secp_mod_neg(&r, &a, m);
        mpz_neg(zw, za);
        mpz_mod(zw, zw, mod);
        num_to_mpz(zr, &r);
        assert_int_equal(mpz_cmp(zr, zw), 0);
        if (mpz_sgn(za) != 0) {
            tss_secp_mod_inv(&r, &a, m);
            assert_true(mpz_invert(zw, za, mod) != 0); /* public test value only */
            num_to_mpz(zr, &r);
            assert_int_equal(mpz_cmp(zr, zw), 0);
        }
    }
    mpz_clears(mod, za, zb, zr, zw, NULL);
}

static void
test_secp_mod_q_matches_mpz(void **state)
{
    (void)state;
    check_mod(&tss_secp_mod_q);
}

static void
test_secp_mod_p_matches_mpz(void **state)
{
    (void)state;
    check_mod(&tss_secp_mod_p);
}

static void
test_secp_mod_reduce_bytes_matches_mpz(void **state)
{
    (void)state;
    mpz_t mod, z;
    mpz_inits(mod, z, NULL);
    struct tss_secp_num mn = {{0}}, r, w;
    memcpy(mn.v, tss_secp_mod_q.m, sizeof(mn.v));
    num_to_mpz(mod, &mn);
    const size_t lens[] = {1, 31, 32, 33, 48, 64};
    for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
        for (int i = 0; i < 20; i++) {
            uint8_t b[64];
            test_rng_bytes(b, sizeof(b));
            if (i == 0) {
                memset(b, 0xff, sizeof(b));
            }
            assert_int_equal(tss_secp_mod_reduce_bytes(&r, b, lens[li], &tss_secp_mod_q), MPC_OK);
            mpz_import(z, lens[li], 1, 1, 0, 0, b);
            mpz_mod(z, z, mod);
            mpz_to_num(&w, z);
            assert_true(tss_secp_num_eq(&r, &w));
        }
    }
    uint8_t b[65] = {0};
    assert_int_equal(tss_secp_mod_reduce_bytes(&r, b, 0, &tss_secp_mod_q), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_mod_reduce_bytes(&r, b, 65, &tss_secp_mod_q), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_mod_reduce_bytes(&r, NULL, 32, &tss_secp_mod_q), MPC_ERR_INVALID_ARG);
    mpz_clears(mod, z, NULL);
}

static void
test_secp_num_predicates(void **state)
{
    (void)state;
    struct tss_secp_num a, b, r;
    memcpy(a.v, tss_secp_mod_q.m, sizeof(a.v));
    assert_false(tss_secp_num_is_reduced(&a, &tss_secp_mod_q)); /* q itself */
    a.v[0] -= 1;
    assert_true(tss_secp_num_is_reduced(&a, &tss_secp_mod_q)); /* q - 1 */
    memset(&b, 0xff, sizeof(b));
    assert_false(tss_secp_num_is_reduced(&b, &tss_secp_mod_p));
    assert_false(tss_secp_num_is_zero(&a));
    memset(&b, 0, sizeof(b));
    assert_true(tss_secp_num_is_zero(&b));
    b.v[3] = 1ull << 63;
    assert_false(tss_secp_num_is_zero(&b));
    assert_false(tss_secp_num_eq(&a, &b));
    assert_true(tss_secp_num_eq(&a, &a));
    tss_secp_num_select(&r, &a, &b, 0);
    assert_true(tss_secp_num_eq(&r, &a));
    tss_secp_num_select(&r, &a, &b, 1);
    assert_true(tss_secp_num_eq(&r, &b));
    struct tss_secp_num x = a, y = b;
    tss_secp_num_cswap(&x, &y, 0);
    assert_true(tss_secp_num_eq(&x, &a) && tss_secp_num_eq(&y, &b));
    tss_secp_num_cswap(&x, &y, 1);
    assert_true(tss_secp_num_eq(&x, &b) && tss_secp_num_eq(&y, &a));
    uint8_t bytes[32], back[32];
    test_rng_bytes(bytes, sizeof(bytes));
    tss_secp_num_from_bytes(&r, bytes);
    tss_secp_num_to_bytes(back, &r);
    assert_memory_equal(bytes, back, 32);
    assert_int_equal(tss_secp_mod_selftest(), MPC_OK);
}

static void
test_secp_mod_inv_zero_is_zero(void **state)
{
    (void)state;
    struct tss_secp_num z = {{0}}, r;
    tss_secp_mod_inv(&r, &z, &tss_secp_mod_p);
    assert_true(tss_secp_num_is_zero(&r));
}

/* 0^e = 0 (e > 0), x^0 = 1 for every x, and GMP never sees a zero base. */
static void
test_secp_mod_pow_zero_base_and_exponent(void **state)
{
    (void)state;
    const struct tss_secp_mod *mods[] = {&tss_secp_mod_p, &tss_secp_mod_q};
    for (size_t i = 0; i < 2; i++) {
        const struct tss_secp_mod *m = mods[i];
        struct tss_secp_num zero = {{0}}, a, r, one;
        mp_limb_t e0[TSS_SECP_LIMBS] = {0}, e5[TSS_SECP_LIMBS] = {5, 0, 0, 0};
        tss_secp_num_set_u64(&one, 1);
        tss_secp_num_set_u64(&a, 7);
        powm_calls = 0;
        powm_zero_base = 0;
        tss_secp_mod_pow(&r, &zero, e5, m);
        assert_true(tss_secp_num_is_zero(&r));
        tss_secp_mod_pow(&r, &zero, m->m_minus_2, m);
        assert_true(tss_secp_num_is_zero(&r));
        tss_secp_mod_inv(&r, &zero, m);
        assert_true(tss_secp_num_is_zero(&r));
        tss_secp_mod_pow(&r, &zero, e0, m);
        assert_true(tss_secp_num_eq(&r, &one));
        tss_secp_mod_pow(&r, &a, e0, m);
        assert_true(tss_secp_num_eq(&r, &one));
        tss_secp_mod_pow(&r, &a, e5, m);
        struct tss_secp_num want;
        tss_secp_num_set_u64(&want, 16807);
        assert_true(tss_secp_num_eq(&r, &want));
        assert_int_equal(powm_calls, 6);
        assert_int_equal(powm_zero_base, 0);
    }
}

int
main(void)
{
    test_rng_init("test_secp_mod");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secp_mod_q_matches_mpz),
        cmocka_unit_test(test_secp_mod_p_matches_mpz),
        cmocka_unit_test(test_secp_mod_reduce_bytes_matches_mpz),
        cmocka_unit_test(test_secp_num_predicates),
        cmocka_unit_test(test_secp_mod_inv_zero_is_zero),
        cmocka_unit_test(test_secp_mod_pow_zero_base_and_exponent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

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

/* Reduces the 512-bit z (0 <= z < 2^512) with tss_secp_mod_reduce_bytes and compares with mpz. */
static void
check_fold_value(const struct tss_secp_mod *m, const mpz_t mod, const mpz_t z)
{
    uint8_t b[64] = {0};
    size_t cnt = 0;
    assert_true(mpz_sizeinbase(z, 2) <= 512);
    mpz_export(b + 64 - (mpz_sizeinbase(z, 256)), &cnt, 1, 1, 0, 0, z);
    struct tss_secp_num r, w;
    mpz_t e;
    mpz_init(e);
    mpz_mod(e, z, mod);
    mpz_to_num(&w, e);
    assert_int_equal(tss_secp_mod_reduce_bytes(&r, b, sizeof(b), m), MPC_OK);
    assert_true(tss_secp_num_eq(&r, &w));
    mpz_clear(e);
}

/*
 * Builds, backwards from the fold's rounds, inputs whose second round leaves
 * x2 = (h + 1) * 2^256 - 1 with h = x2 >> 256 >= 1, so the third round's sum
 * reaches 2^256 and the final "+ c" is taken. Returns: how many such inputs
 * fit in 512 bits (none for p, whose c is small).
 */
static int
check_fold_third_carry(const struct tss_secp_mod *m, const mpz_t mod, const mpz_t c)
{
    mpz_t t256, h1, x1, x2, w, whi;
    int n = 0;
    mpz_inits(t256, h1, x1, x2, w, whi, NULL);
    mpz_ui_pow_ui(t256, 2, 256);
    for (unsigned long h = 1; h <= 3; h++) {
        mpz_mul_ui(h1, t256, h);
        mpz_cdiv_q(h1, h1, c); /* H1 * c >= h * 2^256 */
        mpz_mul(x2, h1, c);
        mpz_fdiv_q_2exp(x2, x2, 256);
        mpz_add_ui(x2, x2, 1);
        mpz_mul_2exp(x2, x2, 256);
        mpz_sub_ui(x2, x2, 1); /* x2 = (floor(H1 c / 2^256) + 1) 2^256 - 1 */
        mpz_submul(x2, h1, c); /* now x1_lo = x2 - H1 c, in [0, 2^256) */
        mpz_mul_2exp(x1, h1, 256);
        mpz_add(x1, x1, x2); /* x1 = H1 2^256 + x1_lo */
        mpz_fdiv_q(whi, x1, c);
        mpz_fdiv_r(w, x1, c); /* x1 = whi c + wlo, wlo < c */
        if (mpz_sizeinbase(whi, 2) > 256) {
            continue;
        }
        mpz_mul_2exp(whi, whi, 256);
        mpz_add(w, w, whi);
        check_fold_value(m, mod, w);
        n++;
    }
    mpz_clears(t256, h1, x1, x2, w, whi, NULL);
    return n;
}

/*
 * The fold's edges: every carry of its three rounds and the final conditional
 * subtraction — k*m + d for k around 0, 1, 2^256 and 2^256 - 1 and small d,
 * 2^256 + c - 1 (the last value whose third round carries into 2^256 with a
 * small low half), (m - 1)^2, 2^512 - 1 — for both moduli, and products of
 * near-modulus operands through tss_secp_mod_mul.
 */
static void
test_secp_mod_fold_edges_match_mpz(void **state)
{
    (void)state;
    const struct tss_secp_mod *mods[] = {&tss_secp_mod_p, &tss_secp_mod_q};
    mpz_t mod, z, k, two256, c;
    int carried = 0;
    mpz_inits(mod, z, k, two256, c, NULL);
    mpz_ui_pow_ui(two256, 2, 256);
    for (size_t i = 0; i < 2; i++) {
        const struct tss_secp_mod *m = mods[i];
        struct tss_secp_num mn = {{0}};
        memcpy(mn.v, m->m, sizeof(mn.v));
        num_to_mpz(mod, &mn);
        mpz_sub(c, two256, mod);
        const long ds[] = {-2, -1, 0, 1, 2};
        const char *ks[] = {"0",
                            "1",
                            "2",
                            "ffffffff",
                            "ffffffffffffffffffffffffffffffff",
                            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe",
                            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                            "10000000000000000000000000000000000000000000000000000000000000000"};
        for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
            for (size_t di = 0; di < sizeof(ds) / sizeof(ds[0]); di++) {
                assert_int_equal(mpz_set_str(k, ks[ki], 16), 0);
                mpz_mul(z, k, mod);
                ds[di] < 0 ? mpz_sub_ui(z, z, (unsigned long)-ds[di])
                           : mpz_add_ui(z, z, (unsigned long)ds[di]);
                if (mpz_sgn(z) >= 0 && mpz_sizeinbase(z, 2) <= 512) {
                    check_fold_value(m, mod, z);
                }
            }
        }
        mpz_add(z, two256, c); /* 2^256 + c - 1 and its neighbours */
        for (int d = -3; d <= 3; d++) {
            mpz_set(k, z);
            d < 0 ? mpz_sub_ui(k, k, (unsigned long)-d) : mpz_add_ui(k, k, (unsigned long)d);
            check_fold_value(m, mod, k);
        }
        mpz_ui_pow_ui(z, 2, 512);
        mpz_sub_ui(z, z, 1);
        check_fold_value(m, mod, z);
        carried += check_fold_third_carry(m, mod, c);
        for (int r = 0; r < ROUNDS; r++) { /* high limbs all ones, low half random */
            uint8_t b[64];
            test_rng_bytes(b, sizeof(b));
            memset(b, 0xff, (size_t)(r % 40));
            mpz_import(z, sizeof(b), 1, 1, 0, 0, b);
            check_fold_value(m, mod, z);
        }
        struct tss_secp_num a, bb, out, want;
        for (unsigned long da = 1; da <= 3; da++) {
            for (unsigned long db = 1; db <= 3; db++) {
                mpz_sub_ui(z, mod, da);
                mpz_to_num(&a, z);
                mpz_sub_ui(k, mod, db);
                mpz_to_num(&bb, k);
                tss_secp_mod_mul(&out, &a, &bb, m);
                mpz_mul(z, z, k);
                mpz_mod(z, z, mod);
                mpz_to_num(&want, z);
                assert_true(tss_secp_num_eq(&out, &want));
            }
        }
    }
    assert_true(carried > 0); /* mod q reaches the third round's carry */
    mpz_clears(mod, z, k, two256, c, NULL);
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
        cmocka_unit_test(test_secp_mod_fold_edges_match_mpz),
        cmocka_unit_test(test_secp_num_predicates),
        cmocka_unit_test(test_secp_mod_inv_zero_is_zero),
        cmocka_unit_test(test_secp_mod_pow_zero_base_and_exponent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

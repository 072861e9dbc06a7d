/*
 * test_secp256k1.c — secp256k1 backend: context and self-test, scalar and point
 * validation, BASE / MUL_CT / MUL_PUB / CT-add cross-checked against
 * libsecp256k1 (seckey_tweak_mul, pubkey_combine), Lagrange coefficients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>
#include <secp256k1.h>

#include "common/secmem.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_hash.h"
#include "tss/secp256k1.h"

static tss_secp_ctx *ctx;         /* shared backend context */
static secp256k1_context *refctx; /* independent libsecp256k1 context for cross-checks */

static const uint8_t Q_BYTES[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};

static int
setup(void **state)
{
    (void)state;
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&ctx) != MPC_OK) {
        return -1;
    }
    refctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return refctx == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    (void)state;
    tss_secp_ctx_destroy(ctx);
    secp256k1_context_destroy(refctx);
    return 0;
}

static void
rand_scalar(uint8_t k[32])
{
    do {
        test_rng_bytes(k, 32);
    } while (!tss_secp_scalar_is_valid_nonzero(k));
}

static void
test_secp_ctx_create_bad_args(void **state)
{
    (void)state;
    assert_int_equal(tss_secp_ctx_create(NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_selftest(NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_selftest(ctx), MPC_OK);
    tss_secp_ctx_destroy(NULL);
}

static void
test_secp_scalar_validation(void **state)
{
    (void)state;
    uint8_t k[32];
    struct tss_secp_num n;
    memcpy(k, Q_BYTES, 32);
    assert_false(tss_secp_scalar_is_canonical(k));
    assert_int_equal(tss_secp_scalar_decode(&n, k, 32), MPC_ERR_BAD_SCALAR);
    k[31] = 0x40; /* q - 1 */
    assert_true(tss_secp_scalar_is_canonical(k));
    assert_true(tss_secp_scalar_is_valid_nonzero(k));
    assert_int_equal(tss_secp_scalar_decode(&n, k, 32), MPC_OK);
    assert_int_equal(tss_secp_scalar_decode(&n, k, 31), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_secp_scalar_decode(&n, k, 33), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_secp_scalar_decode(NULL, k, 32), MPC_ERR_INVALID_ARG);
    memset(k, 0, 32);
    assert_true(tss_secp_scalar_is_canonical(k));
    assert_false(tss_secp_scalar_is_valid_nonzero(k));
    memset(k, 0xff, 32);
    assert_false(tss_secp_scalar_is_canonical(k));
    for (int i = 0; i < 20; i++) {
        assert_int_equal(tss_secp_scalar_random(k, 1), MPC_OK);
        assert_true(secp256k1_ec_seckey_verify(refctx, k));
    }
    assert_int_equal(tss_secp_scalar_random(NULL, 1), MPC_ERR_INVALID_ARG);
}

/* Scalar mul/add/inv against libsecp256k1's seckey_tweak_mul / tweak_add. */
static void
test_secp_scalar_ops_match_libsecp256k1(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) {
        uint8_t a[32], b[32], ref[32], got[32];
        struct tss_secp_num na, nb, r;
        rand_scalar(a);
        rand_scalar(b);
        tss_secp_num_from_bytes(&na, a);
        tss_secp_num_from_bytes(&nb, b);
        memcpy(ref, a, 32);
        assert_true(secp256k1_ec_seckey_tweak_mul(refctx, ref, b));
        tss_secp_scalar_mul(&r, &na, &nb);
        tss_secp_scalar_encode(got, &r);
        assert_memory_equal(got, ref, 32);
        memcpy(ref, a, 32);
        if (secp256k1_ec_seckey_tweak_add(refctx, ref, b)) {
            tss_secp_scalar_add(&r, &na, &nb);
            tss_secp_scalar_encode(got, &r);
            assert_memory_equal(got, ref, 32);
        }
        /* a * a^-1 == 1 and a - a == 0, -a + a == 0 */
        tss_secp_scalar_inv(&r, &na);
        tss_secp_scalar_mul(&r, &r, &na);
        struct tss_secp_num one;
        tss_secp_num_set_u64(&one, 1);
        assert_true(tss_secp_num_eq(&r, &one));
        tss_secp_scalar_neg(&r, &na);
        tss_secp_scalar_add(&r, &r, &na);
        assert_true(tss_secp_num_is_zero(&r));
        tss_secp_scalar_sub(&r, &na, &na);
        assert_true(tss_secp_num_is_zero(&r));
    }
}

static void
test_secp_point_decode_rejects_invalid(void **state)
{
    (void)state;
    secp256k1_pubkey pk;
    uint8_t g[33], bad[65];
    uint8_t one[32] = {0};
    one[31] = 1;
    assert_int_equal(tss_secp_point_base(ctx, &pk, NULL, one), MPC_OK);
    assert_int_equal(tss_secp_point_encode(ctx, g, &pk), MPC_OK);
    assert_int_equal(g[0], 0x02);
    assert_int_equal(tss_secp_point_decode(ctx, &pk, g, 33), MPC_OK);
    assert_int_equal(tss_secp_point_decode(ctx, &pk, g, 32), MPC_ERR_BAD_POINT);
    assert_int_equal(tss_secp_point_decode(ctx, &pk, g, 34), MPC_ERR_BAD_POINT);
    memcpy(bad, g, 33);
    bad[0] = 0x04;
    assert_int_equal(tss_secp_point_decode(ctx, &pk, bad, 33), MPC_ERR_BAD_POINT);
    bad[0] = 0x05;
    assert_int_equal(tss_secp_point_decode(ctx, &pk, bad, 33), MPC_ERR_BAD_POINT);
    /* 65-byte uncompressed G is refused: PT is compressed only. */
    size_t len = 65;
    assert_int_equal(tss_secp_point_decode(ctx, &pk, g, 33), MPC_OK);
    assert_true(secp256k1_ec_pubkey_serialize(refctx, bad, &len, &pk, SECP256K1_EC_UNCOMPRESSED));
    assert_int_equal(tss_secp_point_decode(ctx, &pk, bad, 65), MPC_ERR_BAD_POINT);
    /* x = p (big-endian FF..FF FFFFFFFE FFFFFC2F) */
    memset(bad, 0xff, 33);
    bad[0] = 0x02;
    bad[28] = 0xFE;
    bad[31] = 0xFC;
    bad[32] = 0x2F;
    assert_int_equal(tss_secp_point_decode(ctx, &pk, bad, 33), MPC_ERR_BAD_POINT);
    /* x = 5 is not on the curve (5^3 + 7 is a non-residue) */
    memset(bad, 0, 33);
    bad[0] = 0x02;
    bad[32] = 5;
    assert_int_equal(tss_secp_point_decode(ctx, &pk, bad, 33), MPC_ERR_BAD_POINT);
    memset(bad, 0, 33);
    assert_int_equal(tss_secp_point_decode(ctx, &pk, bad, 33), MPC_ERR_BAD_POINT);
    assert_int_equal(tss_secp_point_decode(ctx, NULL, g, 33), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_point_decode(ctx, &pk, NULL, 33), MPC_ERR_INVALID_ARG);
}

/* BASE(a·b) == MUL_CT(a, BASE(b)) == MUL_PUB(a, BASE(b)), with a·b from libsecp256k1. */
static void
test_secp_point_mul_variants_agree(void **state)
{
    (void)state;
    for (int i = 0; i < 30; i++) {
        uint8_t a[32], b[32], ab[32], e1[33], e2[33], e3[33];
        secp256k1_pubkey pb, pab, ppub;
        struct tss_secp_ge gct, gab;
        rand_scalar(a);
        rand_scalar(b);
        memcpy(ab, a, 32);
        assert_true(secp256k1_ec_seckey_tweak_mul(refctx, ab, b));
        assert_int_equal(tss_secp_point_base(ctx, &pb, NULL, b), MPC_OK);
        assert_int_equal(tss_secp_point_base(ctx, &pab, &gab, ab), MPC_OK);
        assert_int_equal(tss_secp_point_mul_ct(ctx, &gct, &pb, a), MPC_OK);
        assert_int_equal(tss_secp_point_mul_pub(ctx, &ppub, &pb, a), MPC_OK);
        assert_int_equal(tss_secp_point_encode(ctx, e1, &pab), MPC_OK);
        assert_int_equal(tss_secp_point_encode(ctx, e2, &ppub), MPC_OK);
        tss_secp_ge_encode(e3, &gct);
        assert_memory_equal(e1, e2, 33);
        assert_memory_equal(e1, e3, 33);
        assert_true(tss_secp_ge_is_on_curve(&gct));
        struct tss_secp_ge back;
        assert_int_equal(tss_secp_point_to_ge(ctx, &back, &pab), MPC_OK);
        assert_true(tss_secp_num_eq(&back.x, &gab.x) && tss_secp_num_eq(&back.y, &gab.y));
    }
    uint8_t zero[32] = {0};
    secp256k1_pubkey pk, out;
    struct tss_secp_ge ge;
    uint8_t one[32] = {0};
    one[31] = 1;
    assert_int_equal(tss_secp_point_base(ctx, &pk, NULL, one), MPC_OK);
    assert_int_equal(tss_secp_point_base(ctx, &out, NULL, zero), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_secp_point_base(ctx, &out, NULL, Q_BYTES), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_secp_point_mul_ct(ctx, &ge, &pk, zero), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_secp_point_mul_ct(ctx, &ge, &pk, Q_BYTES), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_secp_point_mul_pub(ctx, &out, &pk, zero), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_secp_point_mul_ct(ctx, NULL, &pk, one), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_point_base(NULL, &out, NULL, one), MPC_ERR_INVALID_ARG);
}

/* CT-add equals pubkey_combine on random public points; P + (-P) is refused. */
static void
test_secp_ge_add_ct_matches_combine(void **state)
{
    (void)state;
    for (int i = 0; i < 30; i++) {
        uint8_t a[32], b[32], e1[33], e2[33];
        secp256k1_pubkey pa, pb, sum;
        struct tss_secp_ge ga, gb, gs;
        rand_scalar(a);
        rand_scalar(b);
        assert_int_equal(tss_secp_point_base(ctx, &pa, &ga, a), MPC_OK);
        assert_int_equal(tss_secp_point_base(ctx, &pb, &gb, b), MPC_OK);
        const secp256k1_pubkey *ins[2] = {&pa, &pb};
        assert_true(secp256k1_ec_pubkey_combine(refctx, &sum, ins, 2));
        assert_int_equal(tss_secp_ge_add_ct(&gs, &ga, &gb), MPC_OK);
        size_t len = 33;
        assert_true(secp256k1_ec_pubkey_serialize(refctx, e1, &len, &sum, SECP256K1_EC_COMPRESSED));
        tss_secp_ge_encode(e2, &gs);
        assert_memory_equal(e1, e2, 33);
        secp256k1_pubkey back;
        assert_int_equal(tss_secp_ge_to_point(ctx, &back, &gs), MPC_OK);
        assert_int_equal(secp256k1_ec_pubkey_cmp(refctx, &back, &sum), 0);
        struct tss_secp_ge neg;
        tss_secp_ge_neg(&neg, &ga);
        assert_int_equal(tss_secp_ge_add_ct(&gs, &ga, &neg), MPC_ERR_IDENTITY_POINT);
        assert_int_equal(tss_secp_ge_add_ct(&gs, &ga, &ga), MPC_ERR_IDENTITY_POINT);
        secp256k1_pubkey pn, o;
        assert_int_equal(tss_secp_ge_to_point(ctx, &pn, &neg), MPC_OK);
        const secp256k1_pubkey *ins2[2] = {&pa, &pn};
        assert_int_equal(tss_secp_point_sum(ctx, &o, ins2, 2), MPC_ERR_IDENTITY_POINT);
    }
    struct tss_secp_ge off = {{{5, 0, 0, 0}}, {{1, 0, 0, 0}}};
    secp256k1_pubkey pk;
    assert_false(tss_secp_ge_is_on_curve(&off));
    assert_int_equal(tss_secp_ge_to_point(ctx, &pk, &off), MPC_ERR_BAD_POINT);
    assert_int_equal(tss_secp_point_sum(ctx, &pk, NULL, 1), MPC_ERR_INVALID_ARG);
}

/* Σ_j λ_j f(j) == f(0) for a random polynomial, computed with mpz. */
static void
test_secp_lagrange_interpolates(void **state)
{
    (void)state;
    mpz_t q, f0, acc, t, x, lam;
    mpz_inits(q, f0, acc, t, x, lam, NULL);
    mpz_import(q, 32, 1, 1, 0, 0, Q_BYTES);
    uint8_t coef[3][32];
    for (int k = 0; k < 3; k++) {
        rand_scalar(coef[k]);
    }
    const uint32_t set[] = {2, 5, 7, 11};
    uint8_t ids[4][32], out[32];
    for (int k = 0; k < 4; k++) {
        tss_dkls_id_encode(ids[k], set[k]);
    }
    mpz_set_ui(acc, 0);
    for (int j = 0; j < 4; j++) {
        assert_int_equal(tss_secp_lagrange(out, (const uint8_t(*)[32])ids, 4, ids[j]), MPC_OK);
        mpz_import(lam, 32, 1, 1, 0, 0, out);
        /* f(j) = c0 + c1 j + c2 j^2 */
        mpz_set_ui(f0, 0);
        for (int k = 2; k >= 0; k--) {
            mpz_mul_ui(f0, f0, set[j]);
            mpz_import(t, 32, 1, 1, 0, 0, coef[k]);
            mpz_add(f0, f0, t);
        }
        mpz_mul(t, lam, f0);
        mpz_add(acc, acc, t);
    }
    mpz_mod(acc, acc, q);
    mpz_import(t, 32, 1, 1, 0, 0, coef[0]);
    assert_int_equal(mpz_cmp(acc, t), 0);
    /* errors: zero id, duplicate, j not in set, n == 0 */
    uint8_t zero[32] = {0}, j9[32];
    tss_dkls_id_encode(j9, 9);
    memcpy(ids[1], zero, 32);
    assert_int_equal(tss_secp_lagrange(out, (const uint8_t(*)[32])ids, 4, ids[0]),
                     MPC_ERR_BAD_IDENTIFIER);
    memcpy(ids[1], ids[0], 32);
    assert_int_equal(tss_secp_lagrange(out, (const uint8_t(*)[32])ids, 4, ids[0]),
                     MPC_ERR_BAD_IDENTIFIER);
    tss_dkls_id_encode(ids[1], 5);
    assert_int_equal(tss_secp_lagrange(out, (const uint8_t(*)[32])ids, 4, j9),
                     MPC_ERR_BAD_IDENTIFIER);
    memcpy(ids[2], Q_BYTES, 32);
    assert_int_equal(tss_secp_lagrange(out, (const uint8_t(*)[32])ids, 4, ids[0]),
                     MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_secp_lagrange(out, (const uint8_t(*)[32])ids, 0, ids[0]),
                     MPC_ERR_INVALID_ARG);
    mpz_clears(q, f0, acc, t, x, lam, NULL);
}

int
main(void)
{
    test_rng_init("test_secp256k1");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secp_ctx_create_bad_args),
        cmocka_unit_test(test_secp_scalar_validation),
        cmocka_unit_test(test_secp_scalar_ops_match_libsecp256k1),
        cmocka_unit_test(test_secp_point_decode_rejects_invalid),
        cmocka_unit_test(test_secp_point_mul_variants_agree),
        cmocka_unit_test(test_secp_ge_add_ct_matches_combine),
        cmocka_unit_test(test_secp_lagrange_interpolates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

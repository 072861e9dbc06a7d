/*
 * test_group_secp256k1.c — the secp256k1 backend of the group table
 * (tss/group_secp256k1.c): self-test, strict point and scalar decoding,
 * arithmetic checked against libsecp256k1 used directly (an independent
 * path: pubkey_create, tweak_mul, combine), the spec's H2S vector, Lagrange
 * over the spec's vectors, and VSS (tss/vss) running unchanged on this curve.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <sodium.h>

#include "tss/group.h"
#include "tss/vss.h"

static const tss_group *g;
static secp256k1_context *ref; /* independent libsecp256k1 context */

static const uint8_t order_q[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

static void
hex32(uint8_t out[32], const char *hex)
{
    assert_int_equal(sodium_hex2bin(out, 32, hex, 64, NULL, NULL, NULL), 0);
}

/* Encodes k*G computed by libsecp256k1 directly. */
static void
ref_base(uint8_t out[33], const uint8_t k[32])
{
    secp256k1_pubkey pk;
    size_t len = 33;
    assert_int_equal(secp256k1_ec_pubkey_create(ref, &pk, k), 1);
    assert_int_equal(secp256k1_ec_pubkey_serialize(ref, out, &len, &pk, SECP256K1_EC_COMPRESSED),
                     1);
}

static void
test_group_secp256k1_selftest_passes(void **state)
{
    (void)state;
    assert_int_equal(tss_group_secp256k1_selftest(), MPC_OK);
    assert_int_equal(tss_group_selftest(), MPC_OK);
    assert_non_null(tss_group_secp256k1_ctx());
    assert_ptr_equal(tss_group_by_id(TSS_CURVE_SECP256K1), g);
    assert_int_equal(g->point_len, 33);
    assert_string_equal(g->name, "secp256k1");
}

static void
test_group_secp256k1_bad_points_rejected(void **state)
{
    (void)state;
    uint8_t enc[33], k[32] = {0};
    tss_point p;
    k[31] = 7;
    ref_base(enc, k);
    assert_int_equal(g->point_decode(&p, enc), MPC_OK);
    uint8_t bad[33];
    memcpy(bad, enc, 33);
    bad[0] = 0x04; /* uncompressed prefix with 33 bytes */
    assert_int_equal(g->point_decode(&p, bad), MPC_ERR_BAD_POINT);
    memset(bad, 0, 33); /* all zero: the identity cannot be encoded */
    assert_int_equal(g->point_decode(&p, bad), MPC_ERR_BAD_POINT);
    memset(bad, 0xff, 33); /* x >= p */
    bad[0] = 0x02;
    assert_int_equal(g->point_decode(&p, bad), MPC_ERR_BAD_POINT);
    /* x = 5: 5^3 + 7 = 132 is not a square mod p (not on the curve). */
    memset(bad, 0, 33);
    bad[0] = 0x02;
    bad[32] = 5;
    assert_int_equal(g->point_decode(&p, bad), MPC_ERR_BAD_POINT);
    uint8_t zeros[64] = {0};
    assert_memory_equal(p.v, zeros, 64); /* cleared on failure */
}

static void
test_group_secp256k1_scalar_canonical(void **state)
{
    (void)state;
    tss_scalar s, one;
    uint8_t b[32];
    memcpy(b, order_q, 32);
    assert_int_equal(g->scalar_decode(&s, b), MPC_ERR_BAD_SCALAR);
    memset(b, 0xff, 32);
    assert_int_equal(g->scalar_decode(&s, b), MPC_ERR_BAD_SCALAR);
    memcpy(b, order_q, 32);
    b[31] -= 1;
    assert_int_equal(g->scalar_decode(&s, b), MPC_OK);
    g->scalar_from_u64(&one, 1);
    g->scalar_add(&s, &s, &one);
    assert_true(g->scalar_is_zero(&s));
    tss_scalar inv;
    assert_int_equal(g->scalar_invert(&inv, &s), MPC_ERR_BAD_SCALAR);
    tss_point p;
    assert_int_equal(g->point_mul_base(&p, &s), MPC_ERR_IDENTITY_POINT);
}

static void
test_group_secp256k1_arithmetic_matches_libsecp256k1(void **state)
{
    (void)state;
    for (int it = 0; it < 16; it++) {
        tss_scalar a, b, c, inv;
        tss_point pa, pb, pab, pm;
        uint8_t ea[33], eb[33], want[33], got[33], ab[32];
        assert_int_equal(g->scalar_random(&a), MPC_OK);
        assert_int_equal(g->scalar_random(&b), MPC_OK);
        assert_int_equal(g->point_mul_base(&pa, &a), MPC_OK);
        assert_int_equal(g->point_mul_base(&pb, &b), MPC_OK);
        g->point_encode(ea, &pa);
        g->point_encode(eb, &pb);
        ref_base(want, a.v);
        assert_memory_equal(ea, want, 33);
        /* a*b via the table and via tweak_mul on libsecp256k1 */
        g->scalar_mul(&c, &a, &b);
        g->scalar_encode(ab, &c);
        secp256k1_pubkey rp;
        size_t len = 33;
        assert_int_equal(secp256k1_ec_pubkey_parse(ref, &rp, eb, 33), 1);
        assert_int_equal(secp256k1_ec_pubkey_tweak_mul(ref, &rp, a.v), 1);
        assert_int_equal(
            secp256k1_ec_pubkey_serialize(ref, want, &len, &rp, SECP256K1_EC_COMPRESSED), 1);
        assert_int_equal(g->point_mul(&pm, &a, &pb), MPC_OK);
        g->point_encode(got, &pm);
        assert_memory_equal(got, want, 33);
        ref_base(want, ab);
        assert_memory_equal(got, want, 33);
        /* (a + b) G == aG + bG, (a - b) G == aG - bG */
        g->scalar_add(&c, &a, &b);
        assert_int_equal(g->point_add(&pab, &pa, &pb), MPC_OK);
        g->point_encode(got, &pab);
        ref_base(want, c.v);
        assert_memory_equal(got, want, 33);
        g->scalar_sub(&c, &a, &b);
        assert_int_equal(g->point_sub(&pab, &pa, &pb), MPC_OK);
        g->point_encode(got, &pab);
        ref_base(want, c.v);
        assert_memory_equal(got, want, 33);
        /* a * a^-1 == 1 */
        assert_int_equal(g->scalar_invert(&inv, &a), MPC_OK);
        g->scalar_mul(&c, &a, &inv);
        tss_scalar one;
        g->scalar_from_u64(&one, 1);
        assert_memory_equal(c.v, one.v, 32);
        assert_false(g->point_eq(&pa, &pb));
        assert_int_equal(g->point_sub(&pab, &pa, &pa), MPC_ERR_IDENTITY_POINT);
    }
}

static void
test_group_secp256k1_hash_to_scalar_vector(void **state)
{
    (void)state;
    static const char tag[] = "mpc-node/dkls23/v1/test";
    uint8_t want[32];
    tss_scalar h;
    hex32(want, "d7c07133e7703742b3cd342bb5129e97a1697867dc2c2e00d1380bd579a91d67");
    tss_bytes parts[2] = {{(const uint8_t *)"abc", 3}, {NULL, 0}};
    assert_int_equal(g->hash_to_scalar(&h, (const uint8_t *)tag, sizeof tag - 1, parts, 2), MPC_OK);
    assert_memory_equal(h.v, want, 32);
    /* framing: ("ab", "c") differs from ("abc", "") */
    tss_bytes other[2] = {{(const uint8_t *)"ab", 2}, {(const uint8_t *)"c", 1}};
    assert_int_equal(g->hash_to_scalar(&h, (const uint8_t *)tag, sizeof tag - 1, other, 2), MPC_OK);
    assert_memory_not_equal(h.v, want, 32);
    assert_int_equal(g->hash_to_scalar(&h, NULL, 0, parts, 2), MPC_ERR_CRYPTO);
}

static void
test_group_secp256k1_lagrange_vectors(void **state)
{
    (void)state;
    uint8_t want[32];
    tss_scalar lam;
    uint64_t s13[2] = {1, 3}, s245[3] = {2, 4, 5};
    assert_int_equal(tss_lagrange_at_zero(g, &lam, s13, 2, 0), MPC_OK);
    hex32(want, "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a2");
    assert_memory_equal(lam.v, want, 32);
    assert_int_equal(tss_lagrange_at_zero(g, &lam, s13, 2, 1), MPC_OK);
    hex32(want, "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
    assert_memory_equal(lam.v, want, 32);
    assert_int_equal(tss_lagrange_at_zero(g, &lam, s245, 3, 0), MPC_OK);
    hex32(want, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9d1c9e899ca306ad27fe1945de0242b84");
    assert_memory_equal(lam.v, want, 32);
}

static void
test_group_secp256k1_vss_runs_unchanged(void **state)
{
    (void)state;
    tss_poly *p = NULL;
    tss_point c[3], bad;
    tss_scalar f, a0;
    assert_int_equal(tss_poly_create(&p, g, 3, NULL, NULL), MPC_OK);
    assert_int_equal(tss_poly_commit(p, c), MPC_OK);
    for (uint64_t x = 1; x <= 5; x++) {
        assert_int_equal(tss_poly_eval(p, &f, x), MPC_OK);
        assert_int_equal(tss_vss_verify_share(g, &f, x, c, 3), MPC_OK);
        tss_scalar one;
        g->scalar_from_u64(&one, 1);
        g->scalar_add(&f, &f, &one);
        assert_int_equal(tss_vss_verify_share(g, &f, x, c, 3), MPC_ERR_BAD_SHARE);
    }
    /* f(0) commitment is C_0 */
    assert_int_equal(tss_poly_constant(p, &a0), MPC_OK);
    assert_int_equal(g->point_mul_base(&bad, &a0), MPC_OK);
    assert_true(g->point_eq(&bad, &c[0]));
    tss_poly_destroy(p);
}

int
main(void)
{
    g = tss_group_secp256k1();
    ref = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (ref == NULL || tss_group_selftest() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_secp256k1_selftest_passes),
        cmocka_unit_test(test_group_secp256k1_bad_points_rejected),
        cmocka_unit_test(test_group_secp256k1_scalar_canonical),
        cmocka_unit_test(test_group_secp256k1_arithmetic_matches_libsecp256k1),
        cmocka_unit_test(test_group_secp256k1_hash_to_scalar_vector),
        cmocka_unit_test(test_group_secp256k1_lagrange_vectors),
        cmocka_unit_test(test_group_secp256k1_vss_runs_unchanged),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    secp256k1_context_destroy(ref);
    return rc;
}

/*
 * test_group.c — the group abstraction and its Ed25519 backend: self-test,
 * point validation (small-order, mixed-order, non-canonical, identity),
 * canonical scalars, arithmetic against libsodium's own Ed25519 signing
 * keys, hash-to-scalar, identifiers and Lagrange coefficients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tss/group.h"

static const tss_group *g;

static const uint8_t order_l[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

static void
test_group_selftest_passes(void **state)
{
    (void)state;
    assert_int_equal(tss_group_selftest(), MPC_OK);
    assert_int_equal(tss_group_selftest(), MPC_OK); /* cached */
    assert_ptr_equal(tss_group_by_id(TSS_CURVE_ED25519), g);
    assert_ptr_equal(tss_group_by_id(TSS_CURVE_SECP256K1), tss_group_secp256k1());
    assert_null(tss_group_by_id(0));
}

static void
test_group_small_order_points_rejected(void **state)
{
    (void)state;
    size_t n = 0;
    const uint8_t(*pts)[32] = tss_ed25519_small_order_points(&n);
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        tss_point p;
        assert_int_equal(crypto_core_ed25519_is_valid_point(pts[i]), 0);
        assert_int_equal(g->point_decode(&p, pts[i]), MPC_ERR_BAD_POINT);
    }
}

static void
test_group_mixed_order_and_non_canonical_points_rejected(void **state)
{
    (void)state;
    size_t n = 0;
    const uint8_t(*pts)[32] = tss_ed25519_small_order_points(&n);
    uint8_t good[32], mixed[32], sk[64];
    tss_point p;
    crypto_sign_keypair(good, sk);
    assert_int_equal(g->point_decode(&p, good), MPC_OK);
    /* A valid point plus a torsion point is not in the prime-order subgroup. */
    assert_int_equal(crypto_core_ed25519_add(mixed, good, pts[1]), 0);
    assert_int_equal(g->point_decode(&p, mixed), MPC_ERR_BAD_POINT);
    assert_int_equal(crypto_core_ed25519_add(mixed, good, pts[4]), 0);
    assert_int_equal(g->point_decode(&p, mixed), MPC_ERR_BAD_POINT);
    /* Not on the curve: y = 2 has no x. */
    uint8_t off[32] = {2};
    assert_int_equal(g->point_decode(&p, off), MPC_ERR_BAD_POINT);
    /* Sign bit set on x = 0 points is non-canonical; covered in the table. Flip sign of good: */
    good[31] ^= 0x80;
    assert_int_equal(g->point_decode(&p, good), MPC_OK); /* -P is valid too */
    sodium_memzero(sk, sizeof sk);
}

/* Flips bits of good above byte 1 (same cache slot) until the encoding is invalid. */
static void
same_slot_invalid(uint8_t bad[32], const uint8_t good[32])
{
    for (unsigned i = 0; i < 30 * 8; i++) {
        memcpy(bad, good, 32);
        bad[2 + i / 8] ^= (uint8_t)(1u << (i % 8));
        if (crypto_core_ed25519_is_valid_point(bad) != 1) {
            return;
        }
    }
    fail_msg("no invalid encoding next to a valid one");
}

static void
test_group_ed25519_decode_cache_refuses_what_it_did_not_check(void **state)
{
    (void)state;
    uint8_t good[32], sk[64], bad[32], mixed[32];
    tss_point p;
    size_t n = 0;
    const uint8_t(*pts)[32] = tss_ed25519_small_order_points(&n);
    crypto_sign_keypair(good, sk);
    assert_int_equal(g->point_decode(&p, good), MPC_OK);
    unsigned long hits = tss_ed25519_decode_cache_hits();
    assert_int_equal(g->point_decode(&p, good), MPC_OK); /* answered by the cache */
    assert_memory_equal(p.v, good, 32);
    assert_true(tss_ed25519_decode_cache_hits() == hits + 1);
    /* An invalid encoding in the same slot as a cached valid one: the full check. */
    same_slot_invalid(bad, good);
    assert_int_equal(bad[0], good[0]);
    assert_int_equal(bad[1], good[1]);
    assert_int_equal(g->point_decode(&p, bad), MPC_ERR_BAD_POINT);
    assert_true(tss_ed25519_decode_cache_hits() == hits + 1);
    /* good + torsion: rejected before and after good was cached; never entered. */
    assert_int_equal(crypto_core_ed25519_add(mixed, good, pts[4]), 0);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(g->point_decode(&p, mixed), MPC_ERR_BAD_POINT);
    }
    /* The small-order table is still refused with the cache warm. */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(g->point_decode(&p, pts[i]), MPC_ERR_BAD_POINT);
        assert_int_equal(g->point_decode(&p, pts[i]), MPC_ERR_BAD_POINT);
    }
    assert_int_equal(g->point_decode(&p, good), MPC_OK);
    sodium_memzero(sk, sizeof sk);
}

static void
test_group_scalar_canonical(void **state)
{
    (void)state;
    tss_scalar s;
    uint8_t b[32];
    memcpy(b, order_l, 32);
    assert_int_equal(g->scalar_decode(&s, b), MPC_ERR_BAD_SCALAR);
    b[0]++;
    assert_int_equal(g->scalar_decode(&s, b), MPC_ERR_BAD_SCALAR);
    memset(b, 0xff, 32);
    assert_int_equal(g->scalar_decode(&s, b), MPC_ERR_BAD_SCALAR);
    memcpy(b, order_l, 32);
    b[0]--;
    assert_int_equal(g->scalar_decode(&s, b), MPC_OK);
    memcpy(b, order_l, 32);
    b[31] = 0x0f; /* below L in the top byte, larger lower bytes */
    memset(b, 0xff, 16);
    assert_int_equal(g->scalar_decode(&s, b), MPC_OK);
    memset(b, 0, 32);
    assert_int_equal(g->scalar_decode(&s, b), MPC_OK); /* zero is canonical */
    assert_true(g->scalar_is_zero(&s));
    assert_int_equal(g->scalar_invert(&s, &s), MPC_ERR_BAD_SCALAR);
}

static void
test_group_base_mul_matches_libsodium_keys(void **state)
{
    (void)state;
    /* Ed25519 public key = clamp(SHA-512(seed)[0..32]) * G (RFC 8032), computed by libsodium. */
    for (int i = 0; i < 8; i++) {
        uint8_t seed[32], pk[32], sk[64], h[64], wide[64] = {0}, enc[32];
        tss_scalar a;
        tss_point p;
        randombytes_buf(seed, sizeof seed);
        crypto_sign_seed_keypair(pk, sk, seed);
        crypto_hash_sha512(h, seed, 32);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        memcpy(wide, h, 32);
        crypto_core_ed25519_scalar_reduce(enc, wide);
        assert_int_equal(g->scalar_decode(&a, enc), MPC_OK);
        assert_int_equal(g->point_mul_base(&p, &a), MPC_OK);
        g->point_encode(enc, &p);
        assert_memory_equal(enc, pk, 32);
        sodium_memzero(sk, sizeof sk);
        sodium_memzero(h, sizeof h);
    }
}

static void
test_group_arithmetic_laws(void **state)
{
    (void)state;
    tss_scalar a, b, c, inv, one;
    tss_point pa, pb, pc, t1, t2;
    assert_int_equal(g->scalar_random(&a), MPC_OK);
    assert_int_equal(g->scalar_random(&b), MPC_OK);
    g->scalar_add(&c, &a, &b);
    assert_int_equal(g->point_mul_base(&pa, &a), MPC_OK);
    assert_int_equal(g->point_mul_base(&pb, &b), MPC_OK);
    assert_int_equal(g->point_mul_base(&pc, &c), MPC_OK);
    assert_int_equal(g->point_add(&t1, &pa, &pb), MPC_OK);
    assert_true(g->point_eq(&t1, &pc)); /* (a+b)G = aG + bG */
    assert_int_equal(g->point_sub(&t2, &pc, &pb), MPC_OK);
    assert_true(g->point_eq(&t2, &pa));
    g->scalar_mul(&c, &a, &b);
    assert_int_equal(g->point_mul(&t1, &a, &pb), MPC_OK);
    assert_int_equal(g->point_mul_base(&t2, &c), MPC_OK);
    assert_true(g->point_eq(&t1, &t2)); /* a(bG) = (ab)G */
    assert_int_equal(g->scalar_invert(&inv, &a), MPC_OK);
    g->scalar_mul(&c, &a, &inv);
    g->scalar_from_u64(&one, 1);
    assert_memory_equal(c.v, one.v, 32);
    g->scalar_sub(&c, &a, &a);
    assert_true(g->scalar_is_zero(&c));
    /* Identity results are errors. */
    assert_int_equal(g->point_sub(&t1, &pa, &pa), MPC_ERR_IDENTITY_POINT);
    assert_int_equal(g->point_mul(&t1, &c, &pa), MPC_ERR_IDENTITY_POINT);
    assert_int_equal(g->point_mul_base(&t1, &c), MPC_ERR_IDENTITY_POINT);
    g->scalar_sub(&c, &c, &a); /* -a */
    assert_int_equal(g->point_mul_base(&t2, &c), MPC_OK);
    assert_int_equal(g->point_add(&t1, &pa, &t2), MPC_ERR_IDENTITY_POINT);
}

static void
test_group_hash_to_scalar_is_sha512_mod_l(void **state)
{
    (void)state;
    const uint8_t dst[] = "tag", m1[] = "hello ", m2[] = "world";
    uint8_t cat[64], h[64], want[32];
    tss_bytes parts[2] = {{m1, 6}, {m2, 5}};
    tss_scalar s;
    memcpy(cat, dst, 3);
    memcpy(cat + 3, m1, 6);
    memcpy(cat + 9, m2, 5);
    crypto_hash_sha512(h, cat, 14);
    crypto_core_ed25519_scalar_reduce(want, h);
    assert_int_equal(g->hash_to_scalar(&s, dst, 3, parts, 2), MPC_OK);
    assert_memory_equal(s.v, want, 32);
    crypto_hash_sha512(h, NULL, 0);
    crypto_core_ed25519_scalar_reduce(want, h);
    assert_int_equal(g->hash_to_scalar(&s, NULL, 0, NULL, 0), MPC_OK);
    assert_memory_equal(s.v, want, 32);
}

static void
test_group_ids_and_lagrange(void **state)
{
    (void)state;
    uint64_t ok[3] = {1, 300, 70000}, zero[2] = {1, 0}, dup[3] = {5, 6, 5};
    tss_scalar lam;
    assert_int_equal(tss_ids_check(ok, 3), MPC_OK);
    assert_int_equal(tss_ids_check(zero, 2), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_ids_check(dup, 3), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_ids_check(NULL, 1), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_lagrange_at_zero(g, &lam, zero, 2, 0), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_lagrange_at_zero(g, &lam, ok, 3, 3), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_lagrange_at_zero(NULL, &lam, ok, 3, 0), MPC_ERR_INVALID_ARG);
    /* f(x) = a + b x: sum lambda_i f(x_i) == a for any 2 distinct points. */
    tss_scalar a, b, acc, x, f, t;
    assert_int_equal(g->scalar_random(&a), MPC_OK);
    assert_int_equal(g->scalar_random(&b), MPC_OK);
    g->scalar_from_u64(&acc, 0);
    for (size_t i = 1; i < 3; i++) {
        g->scalar_from_u64(&x, ok[i]);
        g->scalar_mul(&f, &b, &x);
        g->scalar_add(&f, &f, &a);
        assert_int_equal(tss_lagrange_at_zero(g, &lam, ok + 1, 2, i - 1), MPC_OK);
        g->scalar_mul(&t, &lam, &f);
        g->scalar_add(&acc, &acc, &t);
    }
    assert_memory_equal(acc.v, a.v, 32);
    /* lambda for ids {1,2}: lambda_1 = 2, lambda_2 = -1. */
    uint64_t twelve[2] = {1, 2};
    tss_scalar two;
    g->scalar_from_u64(&two, 2);
    assert_int_equal(tss_lagrange_at_zero(g, &lam, twelve, 2, 0), MPC_OK);
    assert_memory_equal(lam.v, two.v, 32);
}

int
main(void)
{
    g = tss_group_ed25519();
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_selftest_passes),
        cmocka_unit_test(test_group_small_order_points_rejected),
        cmocka_unit_test(test_group_mixed_order_and_non_canonical_points_rejected),
        cmocka_unit_test(test_group_ed25519_decode_cache_refuses_what_it_did_not_check),
        cmocka_unit_test(test_group_scalar_canonical),
        cmocka_unit_test(test_group_base_mul_matches_libsodium_keys),
        cmocka_unit_test(test_group_arithmetic_laws),
        cmocka_unit_test(test_group_hash_to_scalar_is_sha512_mod_l),
        cmocka_unit_test(test_group_ids_and_lagrange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

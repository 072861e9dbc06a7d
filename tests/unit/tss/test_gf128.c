/*
 * test_gf128.c — GF(2^128) multiplication: spec Appendix B vectors, field
 * properties on random inputs, PCLMUL == portable, accumulator == sum of products.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"
#include "tests/support/test_rng.h"
#include "tss/gf128.h"

/* Bit-serial reference: schoolbook carry-less product, reduction bit by bit. */
static void
ref_mul(uint8_t out[16], const uint8_t a[16], const uint8_t b[16])
{
    uint8_t r[32] = {0};
    for (int i = 0; i < 128; i++) {
        if ((b[i >> 3] >> (i & 7)) & 1) {
            for (int k = 0; k < 128; k++) {
                if ((a[k >> 3] >> (k & 7)) & 1) {
                    r[(i + k) >> 3] ^= (uint8_t)(1 << ((i + k) & 7));
                }
            }
        }
    }
    for (int i = 254; i >= 128; i--) {
        if ((r[i >> 3] >> (i & 7)) & 1) {
            const int taps[] = {0, 1, 2, 7, 128};
            for (int t = 0; t < 5; t++) {
                int pos = i - 128 + taps[t];
                r[pos >> 3] ^= (uint8_t)(1 << (pos & 7));
            }
        }
    }
    memcpy(out, r, 16);
}

static void
test_gf128_vectors(void **state)
{
    (void)state;
    uint8_t a[16], b[16], o[16], want[16], x[16] = {0x02}, x127[16] = {0};
    x127[15] = 0x80;
    for (int i = 0; i < 16; i++) {
        a[i] = (uint8_t)i;
        b[i] = (uint8_t)(16 + i);
    }
    tss_gf128_mul(o, a, b);
    assert_int_equal(mpc_hex_decode_exact(want, 16, "c041ee395862761aa00a8e7238291651"), MPC_OK);
    assert_memory_equal(o, want, 16);
    tss_gf128_mul(o, x, x127);
    assert_int_equal(mpc_hex_decode_exact(want, 16, "87000000000000000000000000000000"), MPC_OK);
    assert_memory_equal(o, want, 16);
    tss_gf128_mul(o, x127, x127);
    assert_int_equal(mpc_hex_decode_exact(want, 16, "671000000000000000000000000000c0"), MPC_OK);
    assert_memory_equal(o, want, 16);
}

static void
test_gf128_properties_random(void **state)
{
    (void)state;
    uint8_t one[16] = {1};
    for (int i = 0; i < 200; i++) {
        uint8_t a[16], b[16], c[16], ab[16], ba[16], t[16], u[16], v[16], r[16], p[16];
        test_rng_bytes(a, 16);
        test_rng_bytes(b, 16);
        test_rng_bytes(c, 16);
        tss_gf128_mul(ab, a, b);
        tss_gf128_mul(ba, b, a);
        assert_memory_equal(ab, ba, 16); /* commutative */
        tss_gf128_mul(t, a, one);
        assert_memory_equal(t, a, 16); /* 1 is neutral */
        for (int k = 0; k < 16; k++) {
            t[k] = (uint8_t)(b[k] ^ c[k]);
        }
        tss_gf128_mul(u, a, t); /* a(b+c) == ab + ac */
        tss_gf128_mul(v, a, c);
        for (int k = 0; k < 16; k++) {
            v[k] ^= ab[k];
        }
        assert_memory_equal(u, v, 16);
        ref_mul(r, a, b);
        assert_memory_equal(ab, r, 16);
        tss_gf128_mul_portable(p, a, b);
        assert_memory_equal(p, r, 16);
    }
}

static void
test_gf128_accumulator_equals_sum(void **state)
{
    (void)state;
    struct tss_gf128_acc acc;
    uint8_t sum[16] = {0}, got[16];
    tss_gf128_acc_init(&acc);
    for (int i = 0; i < 64; i++) {
        uint8_t a[16], b[16], p[16];
        test_rng_bytes(a, 16);
        test_rng_bytes(b, 16);
        ref_mul(p, a, b);
        for (int k = 0; k < 16; k++) {
            sum[k] ^= p[k];
        }
        tss_gf128_acc_mulxor(&acc, a, b);
    }
    tss_gf128_acc_final(got, &acc);
    assert_memory_equal(got, sum, 16);
    uint8_t zero[16] = {0};
    assert_memory_equal(acc.w, zero, 16); /* wiped */
    printf("pclmul available: %d\n", tss_gf128_have_pclmul());
}

int
main(void)
{
    test_rng_init("test_gf128");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gf128_vectors),
        cmocka_unit_test(test_gf128_properties_random),
        cmocka_unit_test(test_gf128_accumulator_equals_sum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

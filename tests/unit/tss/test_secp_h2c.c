/*
 * test_secp_h2c.c — RFC 9380 secp256k1_XMD:SHA-256_SSWU_RO_: the RFC 9380 App. J.8.1
 * vectors (expected values from the RFC), argument checks, and that outputs are
 * curve points that libsecp256k1 accepts and that equal map(u0) + map(u1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"
#include "common/secmem.h"
#include "tests/support/test_rng.h"
#include "tss/secp_h2c.h"

static const char DST[] = "QUUX-V01-CS02-with-secp256k1_XMD:SHA-256_SSWU_RO_";

static void
assert_ge_hex(const struct tss_secp_ge *p, const char *x_hex, const char *y_hex)
{
    uint8_t x[32], y[32], gx[32], gy[32];
    assert_int_equal(mpc_hex_decode_exact(x, 32, x_hex), MPC_OK);
    assert_int_equal(mpc_hex_decode_exact(y, 32, y_hex), MPC_OK);
    tss_secp_num_to_bytes(gx, &p->x);
    tss_secp_num_to_bytes(gy, &p->y);
    assert_memory_equal(gx, x, 32);
    assert_memory_equal(gy, y, 32);
}

/* RFC 9380 J.8.1, msg "abc": u0, u1, Q0, Q1, P. */
static void
test_secp_h2c_rfc9380_abc_intermediates(void **state)
{
    (void)state;
    struct tss_secp_num u[2];
    struct tss_secp_ge q0, q1, p;
    assert_int_equal(
        tss_secp_h2c_field(u, (const uint8_t *)"abc", 3, (const uint8_t *)DST, sizeof(DST) - 1),
        MPC_OK);
    uint8_t b[32], want[32];
    tss_secp_num_to_bytes(b, &u[0]);
    assert_int_equal(
        mpc_hex_decode_exact(want, 32,
                             "128aab5d3679a1f7601e3bdf94ced1f43e491f544767e18a4873f397b08a2b61"),
        MPC_OK);
    assert_memory_equal(b, want, 32);
    tss_secp_num_to_bytes(b, &u[1]);
    assert_int_equal(
        mpc_hex_decode_exact(want, 32,
                             "5897b65da3b595a813d0fdcc75c895dc531be76a03518b044daaa0f2e4689e00"),
        MPC_OK);
    assert_memory_equal(b, want, 32);
    assert_int_equal(tss_secp_h2c_map(&q0, &u[0]), MPC_OK);
    assert_int_equal(tss_secp_h2c_map(&q1, &u[1]), MPC_OK);
    assert_ge_hex(&q0, "07dd9432d426845fb19857d1b3a91722436604ccbbbadad8523b8fc38a5322d7",
                  "604588ef5138cffe3277bbd590b8550bcbe0e523bbaf1bed4014a467122eb33f");
    assert_ge_hex(&q1, "e9ef9794d15d4e77dde751e06c182782046b8dac05f8491eb88764fc65321f78",
                  "cb07ce53670d5314bf236ee2c871455c562dd76314aa41f012919fe8e7f717b3");
    assert_int_equal(
        tss_secp_h2c(&p, (const uint8_t *)"abc", 3, (const uint8_t *)DST, sizeof(DST) - 1), MPC_OK);
    assert_ge_hex(&p, "3377e01eab42db296b512293120c6cee72b6ecf9f9205760bd9ff11fb3cb2c4b",
                  "7f95890f33efebd1044d382a01b1bee0900fb6116f94688d487c6c7b9c8371f6");
}

static void
test_secp_h2c_rfc9380_empty_and_long(void **state)
{
    (void)state;
    struct tss_secp_ge p;
    assert_int_equal(tss_secp_h2c(&p, NULL, 0, (const uint8_t *)DST, sizeof(DST) - 1), MPC_OK);
    assert_ge_hex(&p, "c1cae290e291aee617ebaef1be6d73861479c48b841eaba9b7b5852ddfeb1346",
                  "64fa678e07ae116126f08b022a94af6de15985c996c3a91b64c406a960e51067");
    const char *m = "abcdef0123456789";
    assert_int_equal(
        tss_secp_h2c(&p, (const uint8_t *)m, strlen(m), (const uint8_t *)DST, sizeof(DST) - 1),
        MPC_OK);
    assert_ge_hex(&p, "bac54083f293f1fe08e4a70137260aa90783a5cb84d3f35848b324d0674b0e3a",
                  "4436476085d4c3c4508b60fcf4389c40176adce756b398bdee27bca19758d828");
}

static void
test_secp_h2c_random_outputs_on_curve(void **state)
{
    (void)state;
    tss_secp_ctx *ctx = NULL;
    assert_int_equal(tss_secp_ctx_create(&ctx), MPC_OK);
    for (int i = 0; i < 20; i++) {
        uint8_t msg[40];
        test_rng_bytes(msg, sizeof(msg));
        struct tss_secp_ge p, q0, q1;
        struct tss_secp_num u[2];
        assert_int_equal(tss_secp_h2c(&p, msg, sizeof(msg), (const uint8_t *)DST, sizeof(DST) - 1),
                         MPC_OK);
        assert_true(tss_secp_ge_is_on_curve(&p));
        /* P == Q0 + Q1 with libsecp256k1's addition. */
        assert_int_equal(
            tss_secp_h2c_field(u, msg, sizeof(msg), (const uint8_t *)DST, sizeof(DST) - 1), MPC_OK);
        assert_int_equal(tss_secp_h2c_map(&q0, &u[0]), MPC_OK);
        assert_int_equal(tss_secp_h2c_map(&q1, &u[1]), MPC_OK);
        secp256k1_pubkey a, b, s, pp;
        assert_int_equal(tss_secp_ge_to_point(ctx, &a, &q0), MPC_OK);
        assert_int_equal(tss_secp_ge_to_point(ctx, &b, &q1), MPC_OK);
        const secp256k1_pubkey *ins[2] = {&a, &b};
        assert_int_equal(tss_secp_point_sum(ctx, &s, ins, 2), MPC_OK);
        assert_int_equal(tss_secp_ge_to_point(ctx, &pp, &p), MPC_OK);
        uint8_t e1[33], e2[33];
        assert_int_equal(tss_secp_point_encode(ctx, e1, &s), MPC_OK);
        assert_int_equal(tss_secp_point_encode(ctx, e2, &pp), MPC_OK);
        assert_memory_equal(e1, e2, 33);
    }
    tss_secp_ctx_destroy(ctx);
}

static void
test_secp_h2c_bad_args(void **state)
{
    (void)state;
    uint8_t out[64], longdst[256];
    struct tss_secp_ge p;
    memset(longdst, 'a', sizeof(longdst));
    assert_int_equal(tss_secp_expand_xmd(out, 32, NULL, 0, longdst, 256), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_expand_xmd(out, 32, NULL, 0, longdst, 255), MPC_OK);
    assert_int_equal(tss_secp_expand_xmd(out, 0, NULL, 0, longdst, 10), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_expand_xmd(NULL, 32, NULL, 0, longdst, 10), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_expand_xmd(out, 32, NULL, 5, longdst, 10), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_h2c(NULL, NULL, 0, longdst, 10), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_h2c(&p, NULL, 0, NULL, 10), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_secp_h2c_map(NULL, &p.x), MPC_ERR_INVALID_ARG);
}

/* RFC 9380 K.1 expand_message_xmd(SHA-256) vector: msg "", len 0x20. */
static void
test_secp_expand_xmd_rfc9380_k1(void **state)
{
    (void)state;
    static const char dst[] = "QUUX-V01-CS02-with-expander-SHA256-128";
    uint8_t out[32], want[32];
    assert_int_equal(tss_secp_expand_xmd(out, 32, NULL, 0, (const uint8_t *)dst, sizeof(dst) - 1),
                     MPC_OK);
    assert_int_equal(
        mpc_hex_decode_exact(want, 32,
                             "68a985b87eb6b46952128911f2a4412bbc302a9d759667f87f7a21d803f07235"),
        MPC_OK);
    assert_memory_equal(out, want, 32);
}

int
main(void)
{
    test_rng_init("test_secp_h2c");
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secp_h2c_rfc9380_abc_intermediates),
        cmocka_unit_test(test_secp_h2c_rfc9380_empty_and_long),
        cmocka_unit_test(test_secp_h2c_random_outputs_on_curve),
        cmocka_unit_test(test_secp_h2c_bad_args),
        cmocka_unit_test(test_secp_expand_xmd_rfc9380_k1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

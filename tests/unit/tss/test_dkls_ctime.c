/*
 * test_dkls_ctime.c — constant-time test of our own secret-handling code, in the
 * style of libsecp256k1's valgrind_ctime_test: secrets are marked undefined
 * with memcheck client requests, so under valgrind (`make valgrind`, or
 * `valgrind --error-exitcode=42 build/debug/tests/unit/tss/test_dkls_ctime`)
 * every branch or memory index that depends on a secret is reported and fails
 * the run. Covered: mod p/q arithmetic, CT-add and point encoding, RFC 9380 hash
 * to curve on a secret message, GF(2^128), KOS receiver and sender (secret keys,
 * Δ and choice bits), and RVOLE (secret inputs, β, â; outcomes declassified only
 * at the public check results). libsecp256k1 calls (BASE, MUL_CT) are covered by
 * libsecp256k1's own ctime test and are not exercised here.
 * Outside valgrind the same code runs and its results are checked functionally.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>

#include "common/secmem.h"
#include "tests/support/test_rng.h"
#include "tss/ctime.h"
#include "tss/dkls_rvole.h"
#include "tss/gf128.h"
#include "tss/secp_h2c.h"

#ifdef TSS_CTIME_VALGRIND
#define SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define SECRET(p, n) ((void)0)
#define PUBLIC(p, n) ((void)0)
#endif

static const uint8_t GX[32] = {0x79, 0xBE, 0x66, 0x7E, 0xF9, 0xDC, 0xBB, 0xAC, 0x55, 0xA0, 0x62,
                               0x95, 0xCE, 0x87, 0x0B, 0x07, 0x02, 0x9B, 0xFC, 0xDB, 0x2D, 0xCE,
                               0x28, 0xD9, 0x59, 0xF2, 0x81, 0x5B, 0x16, 0xF8, 0x17, 0x98};
static const uint8_t GY[32] = {0x48, 0x3A, 0xDA, 0x77, 0x26, 0xA3, 0xC4, 0x65, 0x5D, 0xA4, 0xFB,
                               0xFC, 0x0E, 0x11, 0x08, 0xA8, 0xFD, 0x17, 0xB4, 0x48, 0xA6, 0x85,
                               0x54, 0x19, 0x9C, 0x47, 0xD0, 0x8F, 0xFB, 0x10, 0xD4, 0xB8};

static void
test_ctime_mod_and_points(void **state)
{
    (void)state;
    struct tss_secp_num a, b, r;
    uint8_t buf[64];
    test_rng_bytes(buf, sizeof(buf));
    assert_int_equal(tss_secp_mod_reduce_bytes(&a, buf, 32, &tss_secp_mod_q), MPC_OK);
    assert_int_equal(tss_secp_mod_reduce_bytes(&b, buf + 32, 32, &tss_secp_mod_q), MPC_OK);
    SECRET(&a, sizeof(a));
    SECRET(&b, sizeof(b));
    tss_secp_mod_add(&r, &a, &b, &tss_secp_mod_q);
    tss_secp_mod_sub(&r, &r, &b, &tss_secp_mod_q);
    tss_secp_mod_mul(&r, &r, &b, &tss_secp_mod_q);
    tss_secp_mod_inv(&b, &b, &tss_secp_mod_q);
    tss_secp_mod_mul(&r, &r, &b, &tss_secp_mod_q); /* r = a */
    tss_secp_num_select(&b, &a, &r, tss_secp_num_eq(&a, &r));
    SECRET(buf, sizeof(buf));
    assert_int_equal(tss_secp_mod_reduce_bytes(&b, buf, 64, &tss_secp_mod_q), MPC_OK);
    PUBLIC(&r, sizeof(r));
    PUBLIC(&a, sizeof(a));
    assert_true(tss_secp_num_eq(&r, &a));

    /* CT-add G + (-G + G + G)... : G + 2G computed from secret coordinates. */
    struct tss_secp_ge g, g2, s;
    tss_secp_num_from_bytes(&g.x, GX);
    tss_secp_num_from_bytes(&g.y, GY);
    SECRET(&g, sizeof(g));
    struct tss_secp_ge h;
    uint8_t msg[40], enc[33];
    test_rng_bytes(msg, sizeof(msg));
    SECRET(msg, sizeof(msg));
    assert_int_equal(tss_secp_h2c(&h, msg, sizeof(msg), (const uint8_t *)"ct", 2), MPC_OK);
    assert_int_equal(tss_secp_ge_add_ct(&g2, &g, &h), MPC_OK);
    tss_secp_ge_neg(&s, &g2);
    tss_secp_ge_encode(enc, &s);
    PUBLIC(&g2, sizeof(g2));
    PUBLIC(enc, sizeof(enc));
    assert_true(tss_secp_ge_is_on_curve(&g2));
}

static void
test_ctime_gf128(void **state)
{
    (void)state;
    uint8_t a[16], b[16], o[16], p[16];
    test_rng_bytes(a, 16);
    test_rng_bytes(b, 16);
    SECRET(a, 16);
    SECRET(b, 16);
    tss_gf128_mul(o, a, b);
    tss_gf128_mul_portable(p, a, b);
    PUBLIC(o, 16);
    PUBLIC(p, 16);
    assert_memory_equal(o, p, 16);
}

/* KOS + RVOLE with secret setups, inputs and (classified inside) β and â. */
static void
test_ctime_kos_rvole(void **state)
{
    (void)state;
    struct tss_dkls_ot_alice_setup *as = mpc_secure_alloc(sizeof(*as));
    struct tss_dkls_ot_bob_setup *bs = mpc_secure_alloc(sizeof(*bs));
    assert_non_null(as);
    assert_non_null(bs);
    test_rng_bytes(bs, sizeof(*bs));
    test_rng_bytes(as->delta, 16);
    for (size_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        int d = (as->delta[i >> 3] >> (i & 7)) & 1;
        memcpy(as->keys[i], d ? bs->keys1[i] : bs->keys0[i], 32);
    }
    uint8_t a[2][32], b[32], c[2][32], d[2][32], ote_sid[32], mul_sid[32];
    static uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES], msg2[TSS_DKLS_RVOLE_MSG2_BYTES];
    assert_int_equal(tss_secp_scalar_random(a[0], 1), MPC_OK);
    assert_int_equal(tss_secp_scalar_random(a[1], 1), MPC_OK);
    test_rng_bytes(ote_sid, 32);
    test_rng_bytes(mul_sid, 32);
    SECRET(as, sizeof(*as));
    SECRET(bs, sizeof(*bs));
    SECRET(a, sizeof(a));
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = 1;
#endif
    tss_dkls_rvole_bob *bob = NULL;
    assert_int_equal(tss_dkls_rvole_bob_create(bs, ote_sid, &bob, b, msg1), MPC_OK);
    PUBLIC(msg1, sizeof(msg1)); /* U, x̃, t̃ are sent */
    assert_int_equal(
        tss_dkls_rvole_alice_respond(as, ote_sid, mul_sid, a, msg1, sizeof(msg1), c, msg2), MPC_OK);
    PUBLIC(msg2, sizeof(msg2)); /* ã, η, μh are sent */
    assert_int_equal(tss_dkls_rvole_bob_finish(bob, mul_sid, msg2, sizeof(msg2), d), MPC_OK);
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = 0;
#endif
    tss_dkls_rvole_bob_destroy(bob);
    /* Functional check on declassified results: c + d == a·b. */
    PUBLIC(a, sizeof(a));
    PUBLIC(b, sizeof(b));
    PUBLIC(c, sizeof(c));
    PUBLIC(d, sizeof(d));
    for (int k = 0; k < 2; k++) {
        struct tss_secp_num na, nb, nc, nd, l, r;
        tss_secp_num_from_bytes(&na, a[k]);
        tss_secp_num_from_bytes(&nb, b);
        tss_secp_num_from_bytes(&nc, c[k]);
        tss_secp_num_from_bytes(&nd, d[k]);
        tss_secp_scalar_add(&l, &nc, &nd);
        tss_secp_scalar_mul(&r, &na, &nb);
        assert_true(tss_secp_num_eq(&l, &r));
    }
    mpc_secure_free(as);
    mpc_secure_free(bs);
}

int
main(void)
{
    test_rng_init("test_dkls_ctime");
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
#ifdef TSS_CTIME_VALGRIND
    printf("ctime: running on valgrind: %s\n",
           RUNNING_ON_VALGRIND ? "yes" : "no (checks inactive)");
#else
    printf("ctime: built without valgrind hooks (checks inactive)\n");
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctime_mod_and_points),
        cmocka_unit_test(test_ctime_gf128),
        cmocka_unit_test(test_ctime_kos_rvole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

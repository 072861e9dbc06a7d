/*
 * test_dkls_rvole.c — RVOLE multiplication (DKLs23 spec §5, §9.4): c + d = a·b
 * (checked with GMP mpz), the selective-failure tamper of ã passes exactly when
 * β_j = 0, tampered η / μh / non-canonical scalars / lengths are rejected, single
 * use, and a full chain base OT -> KOS -> RVOLE on real base-OT keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>

#include "common/secmem.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_baseot.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_rvole.h"
#include "tss/secp_mod.h"

static const uint8_t Q_BYTES[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41};

static struct tss_dkls_ot_alice_setup *alice; /* synthetic setup, Alice side */
static struct tss_dkls_ot_bob_setup *bob;     /* synthetic setup, Bob side */
static uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES];
static uint8_t msg2[TSS_DKLS_RVOLE_MSG2_BYTES];

static int
setup(void **state)
{
    (void)state;
    if (mpc_crypto_init() != MPC_OK) {
        return -1;
    }
    alice = mpc_secure_alloc(sizeof(*alice));
    bob = mpc_secure_alloc(sizeof(*bob));
    if (alice == NULL || bob == NULL) {
        return -1;
    }
    test_rng_bytes(bob, sizeof(*bob));
    test_rng_bytes(alice->delta, sizeof(alice->delta));
    for (size_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        int d = (alice->delta[i >> 3] >> (i & 7)) & 1;
        memcpy(alice->keys[i], d ? bob->keys1[i] : bob->keys0[i], 32);
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    mpc_secure_free(alice);
    mpc_secure_free(bob);
    return 0;
}

/* Asserts c_k + d_k == a_k·b mod q with GMP mpz (independent of our arithmetic). */
static void
assert_product(const uint8_t a[2][32], const uint8_t b[32], const uint8_t c[2][32],
               const uint8_t d[2][32])
{
    mpz_t q, za, zb, zc, zd, l, r;
    mpz_inits(q, za, zb, zc, zd, l, r, NULL);
    mpz_import(q, 32, 1, 1, 0, 0, Q_BYTES);
    mpz_import(zb, 32, 1, 1, 0, 0, b);
    for (int k = 0; k < 2; k++) {
        mpz_import(za, 32, 1, 1, 0, 0, a[k]);
        mpz_import(zc, 32, 1, 1, 0, 0, c[k]);
        mpz_import(zd, 32, 1, 1, 0, 0, d[k]);
        mpz_add(l, zc, zd);
        mpz_mod(l, l, q);
        mpz_mul(r, za, zb);
        mpz_mod(r, r, q);
        assert_int_equal(mpz_cmp(l, r), 0);
    }
    mpz_clears(q, za, zb, zc, zd, l, r, NULL);
}

/* One honest run with optional tamper; returns Bob's finish status. */
static mpc_status
run_once(const struct tss_dkls_ot_alice_setup *as, const struct tss_dkls_ot_bob_setup *bs,
         const uint8_t a[2][32], uint8_t b[32], uint8_t c[2][32], uint8_t d[2][32],
         const struct tss_dkls_rvole_tamper *tp, int tamper_beta)
{
    uint8_t ote_sid[32], mul_sid[32];
    tss_dkls_rvole_bob *bo = NULL;
    test_rng_bytes(ote_sid, 32);
    test_rng_bytes(mul_sid, 32);
    assert_int_equal(tss_dkls_rvole_bob_create(bs, ote_sid, &bo, b, msg1), MPC_OK);
    struct tss_dkls_rvole_tamper t2;
    if (tp != NULL) {
        t2 = *tp;
        if (t2.atilde) { /* choose a row with the requested β_j */
            size_t j = test_rng_below(TSS_DKLS_XI);
            while (tss_dkls_rvole_bob_beta(bo, j) != tamper_beta) {
                j = (j + 1) % TSS_DKLS_XI;
            }
            t2.j = j;
        }
        tp = &t2;
    }
    assert_int_equal(tss_dkls_rvole_alice_respond_tampered(as, ote_sid, mul_sid, a, msg1,
                                                           sizeof(msg1), c, msg2, tp),
                     MPC_OK);
    mpc_status st = tss_dkls_rvole_bob_finish(bo, mul_sid, msg2, sizeof(msg2), d);
    tss_dkls_rvole_bob_destroy(bo);
    return st;
}

static void
test_rvole_product_holds(void **state)
{
    (void)state;
    uint8_t a[2][32], b[32], b_prev[32], c[2][32], d[2][32];
    for (int round = 0; round < 3; round++) {
        if (round == 0) { /* a = 0 and a = q - 1 */
            memset(a[0], 0, 32);
            memcpy(a[1], Q_BYTES, 32);
            a[1][31] = 0x40;
        } else {
            assert_int_equal(tss_secp_scalar_random(a[0], 1), MPC_OK);
            assert_int_equal(tss_secp_scalar_random(a[1], 1), MPC_OK);
        }
        assert_int_equal(run_once(alice, bob, a, b, c, d, NULL, 0), MPC_OK);
        assert_product(a, b, c, d);
        assert_true(tss_secp_scalar_is_valid_nonzero(b));
        if (round > 0) {
            assert_memory_not_equal(b, b_prev, 32); /* fresh b every session */
        }
        memcpy(b_prev, b, 32);
    }
}

/* Spec §9.4: δ added to ã_{j,k} fails iff β_j = 1; when it passes, c + d = a·b still. */
static void
test_rvole_atilde_tamper_selective_failure(void **state)
{
    (void)state;
    uint8_t a[2][32], b[32], c[2][32], d[2][32];
    assert_int_equal(tss_secp_scalar_random(a[0], 1), MPC_OK);
    assert_int_equal(tss_secp_scalar_random(a[1], 1), MPC_OK);
    for (size_t k = 0; k < 3; k++) {
        struct tss_dkls_rvole_tamper tp = {.atilde = 1, .k = k, .delta = 5};
        assert_int_equal(run_once(alice, bob, a, b, c, d, &tp, 1), MPC_ERR_MUL_CHECK);
        uint8_t zero[32] = {0};
        assert_memory_equal(d[0], zero, 32);
        assert_int_equal(run_once(alice, bob, a, b, c, d, &tp, 0), MPC_OK);
        assert_product(a, b, c, d);
    }
    struct tss_dkls_rvole_tamper te = {.eta = 1};
    assert_int_equal(run_once(alice, bob, a, b, c, d, &te, 0), MPC_ERR_MUL_CHECK);
}

static void
test_rvole_bob_rejects_bad_messages(void **state)
{
    (void)state;
    uint8_t ote_sid[32], mul_sid[32], a[2][32], b[32], c[2][32], d[2][32];
    static uint8_t good[TSS_DKLS_RVOLE_MSG2_BYTES];
    test_rng_bytes(ote_sid, 32);
    test_rng_bytes(mul_sid, 32);
    assert_int_equal(tss_secp_scalar_random(a[0], 1), MPC_OK);
    assert_int_equal(tss_secp_scalar_random(a[1], 1), MPC_OK);
    tss_dkls_rvole_bob *bo = NULL;
    assert_int_equal(tss_dkls_rvole_bob_create(bob, ote_sid, &bo, b, msg1), MPC_OK);
    assert_int_equal(
        tss_dkls_rvole_alice_respond(alice, ote_sid, mul_sid, a, msg1, sizeof(msg1), c, good),
        MPC_OK);
    struct {
        size_t at;       /* byte offset to modify */
        int kind;        /* 0: flip a bit, 1: make the scalar at 'at' non-canonical */
        mpc_status want; /* expected status */
    } cases[] = {
        {TSS_DKLS_RVOLE_MSG2_BYTES - 1, 0, MPC_ERR_MUL_CHECK},     /* μh */
        {TSS_DKLS_RVOLE_ATILDE_BYTES + 31, 0, MPC_ERR_MUL_CHECK},  /* η */
        {0, 1, MPC_ERR_BAD_SCALAR},                                /* ã_{0,0} >= q */
        {TSS_DKLS_RVOLE_ATILDE_BYTES, 1, MPC_ERR_BAD_SCALAR},      /* η >= q */
        {TSS_DKLS_RVOLE_ATILDE_BYTES - 32, 1, MPC_ERR_BAD_SCALAR}, /* last ã >= q */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tss_dkls_rvole_bob *b2 = NULL;
        uint8_t bb[32];
        /* Bob state is single use: every case gets a fresh Bob and a fresh honest answer. */
        assert_int_equal(tss_dkls_rvole_bob_create(bob, ote_sid, &b2, bb, msg1), MPC_OK);
        assert_int_equal(
            tss_dkls_rvole_alice_respond(alice, ote_sid, mul_sid, a, msg1, sizeof(msg1), c, msg2),
            MPC_OK);
        if (cases[i].kind == 0) {
            msg2[cases[i].at] ^= 0x01;
        } else {
            memset(msg2 + cases[i].at, 0xff, 32);
        }
        assert_int_equal(tss_dkls_rvole_bob_finish(b2, mul_sid, msg2, sizeof(msg2), d),
                         cases[i].want);
        tss_dkls_rvole_bob_destroy(b2);
    }
    assert_int_equal(tss_dkls_rvole_bob_finish(bo, mul_sid, good, sizeof(good) - 1, d),
                     MPC_ERR_MSG_MALFORMED);
    /* Wrong mul_sid (Alice's answer for another nonce) fails the check. */
    uint8_t other[32];
    memcpy(other, mul_sid, 32);
    other[0] ^= 1;
    assert_int_equal(tss_dkls_rvole_bob_finish(bo, other, good, sizeof(good), d),
                     MPC_ERR_MUL_CHECK);
    assert_int_equal(tss_dkls_rvole_bob_finish(bo, mul_sid, good, sizeof(good), d),
                     MPC_ERR_SESSION_STATE);
    tss_dkls_rvole_bob_destroy(bo);
}

static void
test_rvole_alice_rejects_bad_inputs(void **state)
{
    (void)state;
    uint8_t ote_sid[32], mul_sid[32], a[2][32], b[32], c[2][32];
    test_rng_bytes(ote_sid, 32);
    test_rng_bytes(mul_sid, 32);
    assert_int_equal(tss_secp_scalar_random(a[0], 1), MPC_OK);
    assert_int_equal(tss_secp_scalar_random(a[1], 1), MPC_OK);
    tss_dkls_rvole_bob *bo = NULL;
    assert_int_equal(tss_dkls_rvole_bob_create(bob, ote_sid, &bo, b, msg1), MPC_OK);
    assert_int_equal(
        tss_dkls_rvole_alice_respond(alice, ote_sid, mul_sid, a, msg1, sizeof(msg1) - 1, c, msg2),
        MPC_ERR_MSG_MALFORMED);
    msg1[100] ^= 4;
    assert_int_equal(
        tss_dkls_rvole_alice_respond(alice, ote_sid, mul_sid, a, msg1, sizeof(msg1), c, msg2),
        MPC_ERR_OT_CHECK);
    uint8_t zero[32] = {0};
    assert_memory_equal(c[0], zero, 32);
    msg1[100] ^= 4;
    memcpy(a[1], Q_BYTES, 32);
    assert_int_equal(
        tss_dkls_rvole_alice_respond(alice, ote_sid, mul_sid, a, msg1, sizeof(msg1), c, msg2),
        MPC_ERR_INVALID_ARG);
    assert_int_equal(
        tss_dkls_rvole_alice_respond(NULL, ote_sid, mul_sid, a, msg1, sizeof(msg1), c, msg2),
        MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_rvole_bob_create(bob, NULL, &bo, b, msg1), MPC_ERR_INVALID_ARG);
    tss_dkls_rvole_bob_destroy(bo);
    tss_dkls_rvole_bob_destroy(NULL);
}

/* Real base OT (MR19) feeding KOS and RVOLE. */
static void
test_rvole_on_real_base_ot(void **state)
{
    (void)state;
    tss_secp_ctx *ctx = NULL;
    assert_int_equal(tss_secp_ctx_create(&ctx), MPC_OK);
    struct tss_dkls_ot_alice_setup *as = mpc_secure_alloc(sizeof(*as));
    struct tss_dkls_ot_bob_setup *bs = mpc_secure_alloc(sizeof(*bs));
    assert_non_null(as);
    assert_non_null(bs);
    static uint8_t pairs[TSS_DKLS_BASEOT_PAIRS_BYTES];
    uint8_t sid[32], s_pt[33], tr1[32], tr2[32];
    test_rng_bytes(sid, 32);
    tss_dkls_baseot_sender *snd = NULL;
    tss_dkls_baseot_receiver *rcv = NULL;
    assert_int_equal(tss_dkls_baseot_sender_create(ctx, &snd, s_pt), MPC_OK);
    assert_int_equal(tss_dkls_baseot_receiver_create(ctx, &rcv, sid, pairs), MPC_OK);
    assert_int_equal(tss_dkls_baseot_sender_finish(ctx, snd, sid, pairs, sizeof(pairs), bs->keys0,
                                                   bs->keys1, tr1),
                     MPC_OK);
    assert_int_equal(
        tss_dkls_baseot_receiver_finish(ctx, rcv, sid, s_pt, 33, as->delta, as->keys, tr2), MPC_OK);
    uint8_t a[2][32], b[32], c[2][32], d[2][32];
    assert_int_equal(tss_secp_scalar_random(a[0], 1), MPC_OK);
    assert_int_equal(tss_secp_scalar_random(a[1], 1), MPC_OK);
    assert_int_equal(run_once(as, bs, a, b, c, d, NULL, 0), MPC_OK);
    assert_product(a, b, c, d);
    tss_dkls_baseot_sender_destroy(snd);
    tss_dkls_baseot_receiver_destroy(rcv);
    mpc_secure_free(as);
    mpc_secure_free(bs);
    tss_secp_ctx_destroy(ctx);
}

/* The RVOLE hashes its OT outputs and gadgets four at a time from frames: each
 * must equal the one-at-a-time H2S of spec §4.4/§5 (vector-checked in mpc-vectors). */
static void
test_rvole_batched_hashes_match_single(void **state)
{
    (void)state;
    uint8_t sid[TSS_DKLS_HASH_BYTES], rows[9][TSS_DKLS_OTE_ROW_BYTES];
    uint8_t fr[9][TSS_DKLS_RVOLE_OT_OUT_FRAME], gfr[9][TSS_DKLS_RVOLE_GADGET_FRAME];
    struct tss_secp_num got[9], want;
    test_rng_bytes(sid, sizeof(sid));
    test_rng_bytes(rows, sizeof(rows));
    for (size_t n = 1; n <= 9; n++) { /* full groups of four and short last groups */
        for (size_t i = 0; i < n; i++) {
            tss_dkls_rvole_ot_out_frame(fr[i], sid, (uint16_t)(i * 37 + n), (uint8_t)(i % 3),
                                        rows[i]);
        }
        tss_dkls_h2s_frames(got, &fr[0][0], TSS_DKLS_RVOLE_OT_OUT_FRAME, n);
        for (size_t i = 0; i < n; i++) {
            tss_dkls_rvole_ot_out(&want, sid, (uint16_t)(i * 37 + n), (uint8_t)(i % 3), rows[i]);
            assert_true(tss_secp_num_eq(&got[i], &want));
        }
        for (size_t i = 0; i < n; i++) {
            tss_dkls_rvole_gadget_frame(gfr[i], sid, (uint16_t)(i + 400));
        }
        tss_dkls_h2s_frames(got, &gfr[0][0], TSS_DKLS_RVOLE_GADGET_FRAME, n);
        for (size_t i = 0; i < n; i++) {
            tss_dkls_rvole_gadget(&want, sid, (uint16_t)(i + 400));
            assert_true(tss_secp_num_eq(&got[i], &want));
        }
    }
}

int
main(void)
{
    test_rng_init("test_dkls_rvole");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rvole_product_holds),
        cmocka_unit_test(test_rvole_batched_hashes_match_single),
        cmocka_unit_test(test_rvole_atilde_tamper_selective_failure),
        cmocka_unit_test(test_rvole_bob_rejects_bad_messages),
        cmocka_unit_test(test_rvole_alice_rejects_bad_inputs),
        cmocka_unit_test(test_rvole_on_real_base_ot),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

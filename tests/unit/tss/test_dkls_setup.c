/*
 * test_dkls_setup.c — pairwise OT setups (DKLs23 spec §2/§3): both parties'
 * halves fit together (keys, transcripts, setup ids), a real setup drives RVOLE
 * and a full 3-party signing verified by libsecp256k1; bad messages are rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>

#include "common/secmem.h"
#include "tests/support/sim_dkls_sign.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_setup.h"

static tss_secp_ctx *ctx;
static secp256k1_context *refctx;

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

static uint8_t msg_a[TSS_DKLS_SETUP_MSG_BYTES], msg_b[TSS_DKLS_SETUP_MSG_BYTES];

/* Runs the pair (a, b); results in ra (at a) and rb (at b). */
static void
run_pair(const uint8_t ch[32], uint32_t a, uint32_t b, struct tss_dkls_pair_result *ra,
         struct tss_dkls_pair_result *rb)
{
    tss_dkls_pair_setup *sa = NULL, *sb = NULL;
    assert_int_equal(tss_dkls_pair_setup_create(ctx, ch, a, b, &sa, msg_a), MPC_OK);
    assert_int_equal(tss_dkls_pair_setup_create(ctx, ch, b, a, &sb, msg_b), MPC_OK);
    assert_int_equal(tss_dkls_pair_setup_finish(ctx, sa, msg_b, sizeof(msg_b), ra), MPC_OK);
    assert_int_equal(tss_dkls_pair_setup_finish(ctx, sb, msg_a, sizeof(msg_a), rb), MPC_OK);
    tss_dkls_pair_setup_destroy(sa);
    tss_dkls_pair_setup_destroy(sb);
}

static void
test_setup_halves_fit_and_multiply(void **state)
{
    (void)state;
    uint8_t ch[32];
    test_rng_bytes(ch, 32);
    struct tss_dkls_pair_result *ra = mpc_secure_alloc(sizeof(*ra));
    struct tss_dkls_pair_result *rb = mpc_secure_alloc(sizeof(*rb));
    assert_non_null(ra);
    assert_non_null(rb);
    run_pair(ch, 1, 2, ra, rb);
    assert_memory_equal(ra->setup_id_out, rb->setup_id_in, 32);
    assert_memory_equal(ra->setup_id_in, rb->setup_id_out, 32);
    assert_memory_equal(ra->tr_out, rb->tr_in, 32);
    assert_memory_equal(ra->tr_in, rb->tr_out, 32);
    assert_memory_not_equal(ra->tr_in, ra->tr_out, 32);
    /* F_Zero seed (spec §2.1): both ends agree, and it is H32(zero/seed, ctx, ID(1),
       ID(2), c_1, c_2) over the two contributions carried at the end of the messages */
    assert_memory_equal(ra->zero_seed, rb->zero_seed, 32);
    uint8_t want[32], zero[32] = {0};
    const size_t zoff = TSS_DKLS_SETUP_MSG_BYTES - TSS_DKLS_ZERO_SEED_BYTES;
    tss_dkls_zero_seed(want, ch, 1, msg_a + zoff, 2, msg_b + zoff);
    assert_memory_equal(ra->zero_seed, want, 32);
    tss_dkls_zero_seed(want, ch, 2, msg_b + zoff, 1, msg_a + zoff); /* order-free */
    assert_memory_equal(ra->zero_seed, want, 32);
    assert_memory_not_equal(ra->zero_seed, zero, 32);
    assert_memory_not_equal(msg_a + zoff, msg_b + zoff, 32);
    for (size_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        int d = (ra->alice.delta[i >> 3] >> (i & 7)) & 1;
        assert_memory_equal(ra->alice.keys[i], d ? rb->bob.keys1[i] : rb->bob.keys0[i], 32);
        d = (rb->alice.delta[i >> 3] >> (i & 7)) & 1;
        assert_memory_equal(rb->alice.keys[i], d ? ra->bob.keys1[i] : ra->bob.keys0[i], 32);
    }
    /* RVOLE over setup 1->2: c + d == a·b, with the product and sum from libsecp256k1. */
    uint8_t ote_sid[32], mul_sid[32], a[2][32], b[32], c[2][32], d[2][32];
    static uint8_t m1[TSS_DKLS_OTE_MSG_BYTES], m2[TSS_DKLS_RVOLE_MSG2_BYTES];
    test_rng_bytes(ote_sid, 32);
    test_rng_bytes(mul_sid, 32);
    assert_int_equal(tss_secp_scalar_random(a[0], 1), MPC_OK);
    assert_int_equal(tss_secp_scalar_random(a[1], 1), MPC_OK);
    tss_dkls_rvole_bob *bob = NULL;
    assert_int_equal(tss_dkls_rvole_bob_create(&rb->bob, ote_sid, &bob, b, m1), MPC_OK);
    assert_int_equal(tss_dkls_rvole_alice_respond(&ra->alice, ote_sid, mul_sid,
                                                  (const uint8_t(*)[32])a, m1, sizeof(m1), c, m2),
                     MPC_OK);
    assert_int_equal(tss_dkls_rvole_bob_finish(bob, mul_sid, m2, sizeof(m2), d), MPC_OK);
    tss_dkls_rvole_bob_destroy(bob);
    for (int k = 0; k < 2; k++) {
        uint8_t prod[32], sum[32];
        memcpy(prod, a[k], 32);
        assert_true(secp256k1_ec_seckey_tweak_mul(refctx, prod, b));
        memcpy(sum, c[k], 32);
        assert_true(secp256k1_ec_seckey_tweak_add(refctx, sum, d[k]));
        assert_memory_equal(sum, prod, 32);
    }
    mpc_secure_free(ra);
    mpc_secure_free(rb);
}

/* Real setups for every pair of a 2-of-3 key, then a 3-party signing. */
static void
test_setup_real_setups_sign(void **state)
{
    (void)state;
    struct sim_key k;
    assert_int_equal(sim_key_deal(&k, ctx, 2, 3), 0);
    struct tss_dkls_pair_result *ra = mpc_secure_alloc(sizeof(*ra));
    struct tss_dkls_pair_result *rb = mpc_secure_alloc(sizeof(*rb));
    for (uint32_t a = 1; a <= 3; a++) {
        for (uint32_t b = a + 1; b <= 3; b++) {
            run_pair(k.ctx_hash, a, b, ra, rb);
            *k.alice[a][b] = ra->alice; /* a->b at a */
            *k.bob[b][a] = ra->bob;     /* b->a at a */
            *k.alice[b][a] = rb->alice; /* b->a at b */
            *k.bob[a][b] = rb->bob;     /* a->b at b */
            memcpy(k.zseed[a][b], ra->zero_seed, 32);
            memcpy(k.zseed[b][a], rb->zero_seed, 32);
        }
    }
    mpc_secure_free(ra);
    mpc_secure_free(rb);
    const uint32_t ids[] = {1, 2, 3};
    uint8_t msg[32];
    struct sim_result r;
    test_rng_bytes(msg, 32);
    assert_int_equal(sim_sign_run(&k, ids, 3, msg, NULL, NULL, 0, 0, &r), 0);
    secp256k1_pubkey y;
    secp256k1_ecdsa_signature sig;
    assert_true(secp256k1_ec_pubkey_parse(refctx, &y, k.y_pub, 33));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(r.status[i], MPC_OK);
    }
    assert_true(secp256k1_ecdsa_signature_parse_compact(refctx, &sig, r.sig[0]));
    assert_true(secp256k1_ecdsa_verify(refctx, &sig, msg, &y));
    sim_key_free(&k);
}

static void
test_setup_rejects_bad_messages(void **state)
{
    (void)state;
    uint8_t ch[32] = {1};
    struct tss_dkls_pair_result *res = mpc_secure_alloc(sizeof(*res));
    tss_dkls_pair_setup *sa = NULL;
    assert_int_equal(tss_dkls_pair_setup_create(ctx, ch, 0, 2, &sa, msg_a), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_dkls_pair_setup_create(ctx, ch, 2, 2, &sa, msg_a), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_dkls_pair_setup_create(NULL, ch, 1, 2, &sa, msg_a), MPC_ERR_INVALID_ARG);
    assert_null(sa);
    tss_dkls_pair_setup *sb = NULL;
    assert_int_equal(tss_dkls_pair_setup_create(ctx, ch, 2, 1, &sb, msg_b), MPC_OK);
    /* wrong length */
    assert_int_equal(tss_dkls_pair_setup_create(ctx, ch, 1, 2, &sa, msg_a), MPC_OK);
    assert_int_equal(tss_dkls_pair_setup_finish(ctx, sa, msg_b, sizeof(msg_b) - 1, res),
                     MPC_ERR_MSG_MALFORMED);
    /* bad S */
    msg_b[0] = 0x04;
    assert_int_equal(tss_dkls_pair_setup_finish(ctx, sa, msg_b, sizeof(msg_b), res),
                     MPC_ERR_BAD_POINT);
    assert_int_equal(tss_dkls_pair_setup_finish(ctx, sa, msg_b, sizeof(msg_b), res),
                     MPC_ERR_SESSION_STATE);
    tss_dkls_pair_setup_destroy(sa);
    msg_b[0] ^= 0x04 ^ 0x02; /* restore a compressed prefix (parity may now differ: still valid) */
    /* bad pair point */
    assert_int_equal(tss_dkls_pair_setup_create(ctx, ch, 1, 2, &sa, msg_a), MPC_OK);
    memset(msg_b + 33 + 66 * 5, 0, 33);
    mpc_status st = tss_dkls_pair_setup_finish(ctx, sa, msg_b, sizeof(msg_b), res);
    assert_int_equal(st, MPC_ERR_BAD_POINT);
    uint8_t zero[32] = {0};
    assert_memory_equal(res->tr_out, zero, 32);
    tss_dkls_pair_setup_destroy(sa);
    tss_dkls_pair_setup_destroy(sb);
    tss_dkls_pair_setup_destroy(NULL);
    mpc_secure_free(res);
}

int
main(void)
{
    test_rng_init("test_dkls_setup");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_halves_fit_and_multiply),
        cmocka_unit_test(test_setup_real_setups_sign),
        cmocka_unit_test(test_setup_rejects_bad_messages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

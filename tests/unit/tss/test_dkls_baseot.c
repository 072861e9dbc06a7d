/*
 * test_dkls_baseot.c — MR19 base OT (DKLs23 spec §3, §9.2): an honest batch gives
 * the receiver exactly K_i^{Δ_i}; the spec's known-answer values; every invalid
 * message is rejected; single use; bad arguments.
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
#include "tss/dkls_baseot.h"

static tss_secp_ctx *ctx;                          /* backend context */
static uint8_t sid[32];                            /* setup id of the shared batch */
static uint8_t pairs[TSS_DKLS_BASEOT_PAIRS_BYTES]; /* a valid A -> B message */
static tss_dkls_baseot_receiver *rcv;              /* receiver that produced pairs */

static int
setup(void **state)
{
    (void)state;
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&ctx) != MPC_OK) {
        return -1;
    }
    test_rng_bytes(sid, sizeof(sid));
    return tss_dkls_baseot_receiver_create(ctx, &rcv, sid, pairs) == MPC_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    tss_dkls_baseot_receiver_destroy(rcv);
    tss_secp_ctx_destroy(ctx);
    return 0;
}

/* Honest batch: A's key == B's K_i^{Δ_i} != K_i^{1-Δ_i}; transcripts agree. */
static void
test_baseot_honest_batch(void **state)
{
    (void)state;
    static uint8_t k0[128][32], k1[128][32], ka[128][32];
    uint8_t s_pt[33], delta[16], tr_a[32], tr_b[32];
    tss_dkls_baseot_sender *snd = NULL;
    assert_int_equal(tss_dkls_baseot_sender_create(ctx, &snd, s_pt), MPC_OK);
    assert_int_equal(
        tss_dkls_baseot_sender_finish(ctx, snd, sid, pairs, sizeof(pairs), k0, k1, tr_b), MPC_OK);
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, rcv, sid, s_pt, 33, delta, ka, tr_a),
                     MPC_OK);
    int ones = 0;
    for (int i = 0; i < 128; i++) {
        int c = (delta[i >> 3] >> (i & 7)) & 1;
        ones += c;
        assert_memory_equal(ka[i], c ? k1[i] : k0[i], 32);
        assert_memory_not_equal(ka[i], c ? k0[i] : k1[i], 32);
    }
    assert_true(ones > 0 && ones < 128); /* Δ uniform: fails with probability 2^-127 */
    assert_memory_equal(tr_a, tr_b, 32);
    /* Single use on both sides. */
    assert_int_equal(
        tss_dkls_baseot_sender_finish(ctx, snd, sid, pairs, sizeof(pairs), k0, k1, tr_b),
        MPC_ERR_SESSION_STATE);
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, rcv, sid, s_pt, 33, delta, ka, tr_a),
                     MPC_ERR_SESSION_STATE);
    /* A different setup_id gives B keys unrelated to A's. */
    uint8_t sid2[32];
    memcpy(sid2, sid, 32);
    sid2[0] ^= 1;
    tss_dkls_baseot_sender_destroy(snd);
    assert_int_equal(tss_dkls_baseot_sender_create(ctx, &snd, s_pt), MPC_OK);
    assert_int_equal(
        tss_dkls_baseot_sender_finish(ctx, snd, sid2, pairs, sizeof(pairs), k0, k1, tr_b), MPC_OK);
    for (int i = 0; i < 128; i++) {
        assert_memory_not_equal(ka[i], k0[i], 32);
        assert_memory_not_equal(ka[i], k1[i], 32);
    }
    tss_dkls_baseot_sender_destroy(snd);
}

/* Spec Appendix B: setup_id 0^32, index 0, Δ_0 = 1, ρ = 3, s = 5, a = 7. */
static void
test_baseot_known_answer(void **state)
{
    (void)state;
    uint8_t z[32] = {0}, rho[32] = {0}, s[32] = {0}, a[32] = {0}, pair[66], s_pt[33], k0[32],
            k1[32], kr[32], want[33];
    secp256k1_pubkey spk;
    rho[31] = 3;
    s[31] = 5;
    a[31] = 7;
    assert_int_equal(tss_dkls_baseot_pair_make(ctx, pair, z, 0, 1, rho, s), MPC_OK);
    assert_int_equal(tss_secp_point_base(ctx, &spk, NULL, a), MPC_OK);
    assert_int_equal(tss_secp_point_encode(ctx, s_pt, &spk), MPC_OK);
    assert_int_equal(tss_dkls_baseot_sender_keys(ctx, k0, k1, z, 0, a, s_pt, pair), MPC_OK);
    assert_int_equal(tss_dkls_baseot_receiver_key(ctx, kr, z, 0, 1, s, s_pt, pair), MPC_OK);
    assert_int_equal(
        mpc_hex_decode_exact(want, 33,
                             "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"),
        MPC_OK);
    assert_memory_equal(pair, want, 33);
    assert_int_equal(
        mpc_hex_decode_exact(want, 33,
                             "02192d0a1e56488a46b252b7561f73c3a909676f09d43e62d5a4ba4a7926bfd6ef"),
        MPC_OK);
    assert_memory_equal(pair + 33, want, 33);
    assert_int_equal(
        mpc_hex_decode_exact(want, 32,
                             "924cb347a8e10309400d4bf059e49780c4d76f5c78cc33794db640e87ea1e021"),
        MPC_OK);
    assert_memory_equal(k0, want, 32);
    assert_int_equal(
        mpc_hex_decode_exact(want, 32,
                             "65f135d493a86bfa4cf1d419b9c3c034a8205163fbcc041ba8396aa4655fdedb"),
        MPC_OK);
    assert_memory_equal(k1, want, 32);
    assert_memory_equal(kr, want, 32);
    /* Choice 0 with the same scalars puts BASE(rho) second. */
    uint8_t pair0[66];
    assert_int_equal(tss_dkls_baseot_pair_make(ctx, pair0, z, 0, 0, rho, s), MPC_OK);
    assert_memory_equal(pair0 + 33, pair, 33);
    assert_int_equal(tss_dkls_baseot_receiver_key(ctx, kr, z, 0, 0, s, s_pt, pair0), MPC_OK);
    assert_int_equal(tss_dkls_baseot_sender_keys(ctx, k0, k1, z, 0, a, s_pt, pair0), MPC_OK);
    assert_memory_equal(kr, k0, 32);
}

/* One sender run on a modified copy of the valid message; returns its status. */
static mpc_status
sender_on(const uint8_t *msg, size_t len)
{
    static uint8_t k0[128][32], k1[128][32];
    uint8_t s_pt[33], tr[32];
    tss_dkls_baseot_sender *snd = NULL;
    assert_int_equal(tss_dkls_baseot_sender_create(ctx, &snd, s_pt), MPC_OK);
    mpc_status st = tss_dkls_baseot_sender_finish(ctx, snd, sid, msg, len, k0, k1, tr);
    if (st != MPC_OK) {
        uint8_t zero[32] = {0};
        assert_memory_equal(k0[0], zero, 32); /* outputs zeroed on failure */
        assert_memory_equal(tr, zero, 32);
    }
    tss_dkls_baseot_sender_destroy(snd);
    return st;
}

static void
test_baseot_sender_rejects_bad_messages(void **state)
{
    (void)state;
    static uint8_t m[TSS_DKLS_BASEOT_PAIRS_BYTES + 66];
    memcpy(m, pairs, sizeof(pairs));
    assert_int_equal(sender_on(m, sizeof(pairs) - 66), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(sender_on(m, sizeof(pairs) + 66), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(sender_on(m, sizeof(pairs) - 1), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(sender_on(m, 0), MPC_ERR_MSG_MALFORMED);
    size_t at = 33 * (size_t)(1 + test_rng_below(254)); /* some point after the first */
    m[at] = 0x04;                                       /* prefix 04 */
    assert_int_equal(sender_on(m, sizeof(pairs)), MPC_ERR_BAD_POINT);
    memcpy(m, pairs, sizeof(pairs));
    memset(m + at + 1, 0xff, 32); /* x >= p */
    assert_int_equal(sender_on(m, sizeof(pairs)), MPC_ERR_BAD_POINT);
    memset(m + at + 1, 0, 32); /* x = 5: not on the curve */
    m[at + 32] = 5;
    assert_int_equal(sender_on(m, sizeof(pairs)), MPC_ERR_BAD_POINT);
    memset(m + at, 0, 33); /* all zero */
    assert_int_equal(sender_on(m, sizeof(pairs)), MPC_ERR_BAD_POINT);
    memcpy(m, pairs, sizeof(pairs));
    m[sizeof(pairs) - 33] = 0x06; /* last point, hybrid prefix */
    assert_int_equal(sender_on(m, sizeof(pairs)), MPC_ERR_BAD_POINT);
}

static void
test_baseot_receiver_rejects_bad_s(void **state)
{
    (void)state;
    static uint8_t keys[128][32], p2[TSS_DKLS_BASEOT_PAIRS_BYTES];
    uint8_t delta[16], tr[32], s_pt[34];
    tss_dkls_baseot_receiver *r2 = NULL;
    tss_dkls_baseot_sender *snd = NULL;
    assert_int_equal(tss_dkls_baseot_receiver_create(ctx, &r2, sid, p2), MPC_OK);
    assert_int_equal(tss_dkls_baseot_sender_create(ctx, &snd, s_pt), MPC_OK);
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, r2, sid, s_pt, 32, delta, keys, tr),
                     MPC_ERR_BAD_POINT);
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, r2, sid, s_pt, 34, delta, keys, tr),
                     MPC_ERR_BAD_POINT);
    uint8_t bad[33];
    memcpy(bad, s_pt, 33);
    bad[0] = 0x04;
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, r2, sid, bad, 33, delta, keys, tr),
                     MPC_ERR_BAD_POINT);
    memset(bad, 0, 33);
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, r2, sid, bad, 33, delta, keys, tr),
                     MPC_ERR_BAD_POINT);
    /* A rejected S does not consume the receiver. */
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, r2, sid, s_pt, 33, delta, keys, tr),
                     MPC_OK);
    tss_dkls_baseot_receiver_destroy(r2);
    tss_dkls_baseot_sender_destroy(snd);
}

static void
test_baseot_bad_args(void **state)
{
    (void)state;
    static uint8_t k0[128][32], k1[128][32], p2[TSS_DKLS_BASEOT_PAIRS_BYTES];
    uint8_t s_pt[33], tr[32], delta[16], z[32] = {0}, pair[66];
    tss_dkls_baseot_sender *snd = NULL;
    tss_dkls_baseot_receiver *r2 = NULL;
    assert_int_equal(tss_dkls_baseot_sender_create(NULL, &snd, s_pt), MPC_ERR_INVALID_ARG);
    assert_null(snd);
    assert_int_equal(tss_dkls_baseot_sender_create(ctx, NULL, s_pt), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_baseot_receiver_create(ctx, &r2, NULL, p2), MPC_ERR_INVALID_ARG);
    assert_null(r2);
    assert_int_equal(
        tss_dkls_baseot_sender_finish(ctx, NULL, sid, pairs, sizeof(pairs), k0, k1, tr),
        MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_baseot_receiver_finish(ctx, NULL, sid, s_pt, 33, delta, k0, tr),
                     MPC_ERR_INVALID_ARG);
    uint8_t one[32] = {0};
    one[31] = 1;
    assert_int_equal(tss_dkls_baseot_pair_make(ctx, pair, sid, 0, 0, z, one), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_dkls_baseot_pair_make(ctx, NULL, sid, 0, 0, one, one),
                     MPC_ERR_INVALID_ARG);
    struct tss_secp_ge h;
    assert_int_equal(tss_dkls_baseot_hpt(&h, NULL, 0, 0, pair), MPC_ERR_INVALID_ARG);
    tss_dkls_baseot_sender_destroy(NULL);
    tss_dkls_baseot_receiver_destroy(NULL);
}

int
main(void)
{
    test_rng_init("test_dkls_baseot");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseot_known_answer),
        cmocka_unit_test(test_baseot_sender_rejects_bad_messages),
        cmocka_unit_test(test_baseot_receiver_rejects_bad_s),
        cmocka_unit_test(test_baseot_bad_args),
        cmocka_unit_test(test_baseot_honest_batch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_dkls_ote.c — KOS OT extension (DKLs23 spec §4, §9.3): the correlation
 * q_j ⊕ t_j = x_j·Δ on all 640 rows; the column-inconsistency cheat fails the
 * check exactly when Δ_i = 1; tampering with U, x̃ or t̃ fails; lengths; transpose.
 * Setups are synthetic (random base-OT keys, white box) so each case is fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_ote.h"
#include "tss/dkls_rvole.h"

static struct tss_dkls_ot_alice_setup *alice; /* Δ and K_i^{Δ_i} (secure memory) */
static struct tss_dkls_ot_bob_setup *bob;     /* K_i^0, K_i^1 (secure memory) */

static int
bit_of(const uint8_t *b, size_t j)
{
    return (b[j >> 3] >> (j & 7)) & 1;
}

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
    alice->delta[0] = (uint8_t)((alice->delta[0] | 0x01) & ~0x02); /* Δ_0 = 1, Δ_1 = 0 */
    for (size_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        memcpy(alice->keys[i], bit_of(alice->delta, i) ? bob->keys1[i] : bob->keys0[i], 32);
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

static uint8_t msg[TSS_DKLS_OTE_MSG_BYTES];
static uint8_t trows[TSS_DKLS_OTE_ROWS][16];
static uint8_t qrows[TSS_DKLS_OTE_ROWS][16];

static void
test_ote_correlation_holds(void **state)
{
    (void)state;
    uint8_t sid[32], xb[80];
    for (int round = 0; round < 3; round++) {
        test_rng_bytes(sid, 32);
        test_rng_bytes(xb, 80);
        assert_int_equal(tss_dkls_ote_receiver_round1(bob, sid, xb, msg, trows, 640), MPC_OK);
        assert_int_equal(tss_dkls_ote_sender_round2(alice, sid, msg, sizeof(msg), qrows, 640),
                         MPC_OK);
        for (size_t j = 0; j < TSS_DKLS_OTE_ROWS; j++) {
            for (size_t k = 0; k < 16; k++) {
                uint8_t want = bit_of(xb, j) ? alice->delta[k] : 0;
                assert_int_equal(qrows[j][k] ^ trows[j][k], want);
            }
        }
        /* Random-OT outputs: Bob's γ equals α^{x_j} (spec §4.4). */
        uint8_t mul_sid[32], q1[16];
        test_rng_bytes(mul_sid, 32);
        for (size_t j = 0; j < 8; j++) {
            struct tss_secp_num a0, a1, g;
            for (size_t k = 0; k < 16; k++) {
                q1[k] = (uint8_t)(qrows[j][k] ^ alice->delta[k]);
            }
            tss_dkls_rvole_ot_out(&a0, mul_sid, (uint16_t)j, 0, qrows[j]);
            tss_dkls_rvole_ot_out(&a1, mul_sid, (uint16_t)j, 0, q1);
            tss_dkls_rvole_ot_out(&g, mul_sid, (uint16_t)j, 0, trows[j]);
            assert_true(tss_secp_num_eq(&g, bit_of(xb, j) ? &a1 : &a0));
            assert_false(tss_secp_num_eq(&g, bit_of(xb, j) ? &a0 : &a1));
        }
    }
}

/* Spec §9.3: flip bit j of column i of U only, x̃ and t̃ honest for the new U. */
static void
test_ote_column_cheat_caught_iff_delta_bit_set(void **state)
{
    (void)state;
    uint8_t sid[32], xb[80];
    int seen[2] = {0, 0};
    for (int trial = 0; trial < 8; trial++) {
        size_t col = trial < 2 ? (size_t)trial : test_rng_below(TSS_DKLS_KAPPA);
        size_t row = test_rng_below(TSS_DKLS_OTE_ROWS);
        int d = bit_of(alice->delta, col);
        test_rng_bytes(sid, 32);
        test_rng_bytes(xb, 80);
        assert_int_equal(
            tss_dkls_ote_receiver_round1_cheat(bob, sid, xb, msg, trows, 640, col, row), MPC_OK);
        mpc_status st = tss_dkls_ote_sender_round2(alice, sid, msg, sizeof(msg), qrows, 640);
        assert_int_equal(st, d ? MPC_ERR_OT_CHECK : MPC_OK);
        seen[d] = 1;
        if (d) {
            uint8_t zero[16] = {0};
            assert_memory_equal(qrows[0], zero, 16); /* nothing released on failure */
        }
    }
    assert_true(seen[0] && seen[1]);
}

static void
test_ote_tampering_fails_check(void **state)
{
    (void)state;
    uint8_t sid[32], xb[80];
    test_rng_bytes(sid, 32);
    test_rng_bytes(xb, 80);
    assert_int_equal(tss_dkls_ote_receiver_round1(bob, sid, xb, msg, trows, 416), MPC_OK);
    static uint8_t m2[TSS_DKLS_OTE_MSG_BYTES];
    /* a byte of a column with Δ_i = 0 (column 1), random U bytes, x̃, t̃ */
    size_t pos[8] = {1 * 80 + 3,
                     0,
                     TSS_DKLS_OTE_U_BYTES - 1,
                     TSS_DKLS_OTE_U_BYTES,
                     TSS_DKLS_OTE_U_BYTES + 15,
                     TSS_DKLS_OTE_U_BYTES + 16,
                     TSS_DKLS_OTE_MSG_BYTES - 1,
                     test_rng_below(TSS_DKLS_OTE_U_BYTES)};
    for (size_t k = 0; k < 8; k++) {
        memcpy(m2, msg, sizeof(msg));
        m2[pos[k]] ^= (uint8_t)(1u << test_rng_below(8));
        assert_int_equal(tss_dkls_ote_sender_round2(alice, sid, m2, sizeof(m2), qrows, 416),
                         MPC_ERR_OT_CHECK);
    }
    /* Another session id (replay into another session) fails too. */
    uint8_t sid2[32];
    memcpy(sid2, sid, 32);
    sid2[31] ^= 0x80;
    assert_int_equal(tss_dkls_ote_sender_round2(alice, sid2, msg, sizeof(msg), qrows, 416),
                     MPC_ERR_OT_CHECK);
    assert_int_equal(tss_dkls_ote_sender_round2(alice, sid, msg, sizeof(msg), qrows, 416), MPC_OK);
}

static void
test_ote_lengths_and_args(void **state)
{
    (void)state;
    uint8_t sid[32] = {0}, xb[80] = {0};
    assert_int_equal(tss_dkls_ote_sender_round2(alice, sid, msg, sizeof(msg) - 1, qrows, 416),
                     MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_dkls_ote_sender_round2(alice, sid, msg, 0, qrows, 416),
                     MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_dkls_ote_sender_round2(alice, sid, msg, sizeof(msg), qrows, 0),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_ote_sender_round2(alice, sid, msg, sizeof(msg), qrows, 641),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_ote_sender_round2(NULL, sid, msg, sizeof(msg), qrows, 416),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_ote_receiver_round1(bob, sid, xb, msg, trows, 641),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_ote_receiver_round1(bob, NULL, xb, msg, trows, 10),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_ote_receiver_round1(NULL, sid, xb, msg, trows, 10),
                     MPC_ERR_INVALID_ARG);
}

static void
test_ote_transpose_twice_is_identity(void **state)
{
    (void)state;
    static uint8_t cols[128 * 80], rows[640 * 16], back[128 * 80];
    test_rng_bytes(cols, sizeof(cols));
    tss_dkls_bit_transpose(rows, cols, 128, 640);
    for (int t = 0; t < 200; t++) {
        size_t i = test_rng_below(128), j = test_rng_below(640);
        assert_int_equal(bit_of(rows + j * 16, i), bit_of(cols + i * 80, j));
    }
    tss_dkls_bit_transpose(back, rows, 640, 128);
    assert_memory_equal(back, cols, sizeof(cols));
}

int
main(void)
{
    test_rng_init("test_dkls_ote");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ote_correlation_holds),
        cmocka_unit_test(test_ote_column_cheat_caught_iff_delta_bit_set),
        cmocka_unit_test(test_ote_tampering_fails_check),
        cmocka_unit_test(test_ote_lengths_and_args),
        cmocka_unit_test(test_ote_transpose_twice_is_identity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

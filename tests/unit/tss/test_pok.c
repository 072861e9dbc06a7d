/*
 * test_pok.c — Schnorr proof of knowledge of the DKG constant term, checked
 * against a proof from the ZcashFoundation frost DKG vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"
#include "tss/pok.h"

static const tss_group *g;

static void
test_pok_zf_vector_verifies(void **state)
{
    (void)state;
    /* frost-ed25519-dkg-zf.json, participant 1: C0 and proof_of_knowledge. */
    uint8_t c0e[32], proof[64];
    tss_point c0;
    assert_int_equal(
        mpc_hex_decode_exact(c0e, 32,
                             "db67948a73033b0c886ed757d97352428df05ad5803aff256bc388c9a0772bfe"),
        MPC_OK);
    assert_int_equal(
        mpc_hex_decode_exact(proof, 64,
                             "64c41c1d0417aef33576c23a5150de2921d6249d7086b10012f942405fc08ed5"
                             "1a872dd021db2ac01e9f4182e950324c5f563421bd835f3f514a60c975cab70c"),
        MPC_OK);
    assert_int_equal(g->point_decode(&c0, c0e), MPC_OK);
    assert_int_equal(tss_pok_verify(g, proof, 1, &c0), MPC_OK);
    assert_int_equal(tss_pok_verify(g, proof, 2, &c0), MPC_ERR_BAD_PROOF);
    proof[40] ^= 1;
    assert_int_equal(tss_pok_verify(g, proof, 1, &c0), MPC_ERR_BAD_PROOF);
}

static void
test_pok_prove_verify_and_errors(void **state)
{
    (void)state;
    tss_scalar a0;
    tss_point c0, other;
    uint8_t proof[TSS_POK_BYTES], bad[TSS_POK_BYTES];
    assert_int_equal(g->scalar_random(&a0), MPC_OK);
    assert_int_equal(g->point_mul_base(&c0, &a0), MPC_OK);
    assert_int_equal(tss_pok_prove(g, proof, 300, &a0, &c0), MPC_OK);
    assert_int_equal(tss_pok_verify(g, proof, 300, &c0), MPC_OK);
    assert_int_equal(tss_pok_verify(g, proof, 301, &c0), MPC_ERR_BAD_PROOF);
    assert_int_equal(g->point_add(&other, &c0, &c0), MPC_OK);
    assert_int_equal(tss_pok_verify(g, proof, 300, &other), MPC_ERR_BAD_PROOF);
    memcpy(bad, proof, sizeof bad);
    memset(bad + 32, 0xff, 32); /* non-canonical mu */
    assert_int_equal(tss_pok_verify(g, bad, 300, &c0), MPC_ERR_BAD_SCALAR);
    memcpy(bad, proof, sizeof bad);
    memset(bad, 0, 32);
    bad[0] = 1; /* R = identity */
    assert_int_equal(tss_pok_verify(g, bad, 300, &c0), MPC_ERR_BAD_POINT);
    assert_int_equal(tss_pok_verify(NULL, proof, 300, &c0), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_pok_prove(g, NULL, 300, &a0, &c0), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    g = tss_group_ed25519();
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pok_zf_vector_verifies),
        cmocka_unit_test(test_pok_prove_verify_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

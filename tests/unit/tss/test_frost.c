/*
 * test_frost.c — FROST(Ed25519, SHA-512) primitives: the RFC 9591 nonce
 * vector, dealer-split keys with identifiers above 255 signing under
 * libsodium verification, share verification, and argument errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/hex.h"
#include "tss/frost.h"
#include "tss/vss.h"

static const tss_group *g;
static const tss_frost_suite *cs = &tss_frost_ed25519;

static void
hex32(uint8_t out[32], const char *h)
{
    assert_int_equal(mpc_hex_decode_exact(out, 32, h), MPC_OK);
}

static void
test_frost_nonce_generate_rfc9591_vector(void **state)
{
    (void)state;
    /* RFC 9591 Appendix E.1, participant 1. */
    uint8_t sk[32], rnd[32], want[32];
    tss_scalar s, nonce;
    hex32(sk, "929dcc590407aae7d388761cddb0c0db6f5627aea8e217f4a033f2ec83d93509");
    hex32(rnd, "0fd2e39e111cdc266f6c0f4d0fd45c947761f1f5d3cb583dfcb9bbaf8d4c9fec");
    hex32(want, "812d6104142944d5a55924de6d49940956206909f2acaeedecda2b726e630407");
    assert_int_equal(g->scalar_decode(&s, sk), MPC_OK);
    assert_int_equal(tss_frost_nonce_generate(cs, &nonce, rnd, &s), MPC_OK);
    assert_memory_equal(nonce.v, want, 32);
    assert_int_equal(tss_frost_nonce_generate(cs, &nonce, NULL, &s), MPC_ERR_INVALID_ARG);
}

/* Dealer split of a random key to ids; signs with signers (positions into ids). */
static void
sign_with_ids(const uint64_t *ids, size_t n, uint32_t t, const size_t *signers, size_t k)
{
    tss_scalar secret, sk[8], z[8];
    tss_point pk, y[8];
    tss_frost_nonces nonces[8];
    tss_frost_commitment comm[8];
    tss_poly *p = NULL;
    tss_frost_ctx ctx;
    const uint8_t msg[] = "large identifiers";
    uint8_t sig[TSS_FROST_SIG_MAX_BYTES], pke[32];
    assert_int_equal(g->scalar_random(&secret), MPC_OK);
    assert_int_equal(g->point_mul_base(&pk, &secret), MPC_OK);
    assert_int_equal(tss_poly_create(&p, g, t, NULL, &secret), MPC_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tss_poly_eval(p, &sk[i], ids[i]), MPC_OK);
        assert_int_equal(g->point_mul_base(&y[i], &sk[i]), MPC_OK);
    }
    for (size_t j = 0; j < k; j++) {
        size_t i = signers[j];
        assert_int_equal(tss_frost_commit(cs, &nonces[j], &comm[j], ids[i], &sk[i], NULL, NULL),
                         MPC_OK);
    }
    assert_int_equal(tss_frost_ctx_init(&ctx, cs, &pk, comm, k, msg, sizeof msg, NULL), MPC_OK);
    for (size_t j = 0; j < k; j++) {
        size_t i = signers[j], pos = tss_frost_ctx_find(&ctx, ids[i]);
        assert_true(pos < k);
        assert_int_equal(tss_frost_sign_share(&ctx, &z[pos], ids[i], &nonces[j], &sk[i]), MPC_OK);
        assert_int_equal(tss_frost_verify_share(&ctx, ids[i], &y[i], &z[pos]), MPC_OK);
    }
    assert_int_equal(tss_frost_aggregate(&ctx, sig, z), MPC_OK);
    g->point_encode(pke, &pk);
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pke), 0);
    /* A wrong share is caught by verify_share and breaks the signature. */
    size_t i0 = signers[0], pos0 = tss_frost_ctx_find(&ctx, ids[i0]);
    g->scalar_add(&z[pos0], &z[pos0], &secret);
    assert_int_equal(tss_frost_verify_share(&ctx, ids[i0], &y[i0], &z[pos0]),
                     MPC_ERR_BAD_SIG_SHARE);
    assert_int_equal(tss_frost_aggregate(&ctx, sig, z), MPC_OK);
    assert_int_not_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pke), 0);
    assert_int_equal(tss_frost_verify_share(&ctx, 999999, &y[i0], &z[pos0]),
                     MPC_ERR_BAD_IDENTIFIER);
    tss_frost_ctx_clear(&ctx);
    tss_poly_destroy(p);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(nonces, sizeof nonces);
}

static void
test_frost_large_identifiers_sign(void **state)
{
    (void)state;
    uint64_t ids[5] = {256, 1000, 65537, 4294967295u, 7};
    size_t s1[3] = {3, 0, 2}, s2[4] = {4, 1, 2, 3};
    sign_with_ids(ids, 5, 3, s1, 3);
    sign_with_ids(ids, 5, 3, s2, 4);
}

static void
test_frost_ctx_rejects_bad_identifiers(void **state)
{
    (void)state;
    tss_scalar sk;
    tss_point pk;
    tss_frost_nonces nn[2];
    tss_frost_commitment cm[2];
    tss_frost_ctx ctx;
    assert_int_equal(g->scalar_random(&sk), MPC_OK);
    assert_int_equal(g->point_mul_base(&pk, &sk), MPC_OK);
    assert_int_equal(tss_frost_commit(cs, &nn[0], &cm[0], 3, &sk, NULL, NULL), MPC_OK);
    assert_int_equal(tss_frost_commit(cs, &nn[1], &cm[1], 3, &sk, NULL, NULL), MPC_OK);
    assert_int_equal(tss_frost_ctx_init(&ctx, cs, &pk, cm, 2, NULL, 0, NULL),
                     MPC_ERR_BAD_IDENTIFIER);
    cm[1].id = 0;
    assert_int_equal(tss_frost_ctx_init(&ctx, cs, &pk, cm, 2, NULL, 0, NULL),
                     MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_frost_ctx_init(&ctx, cs, &pk, cm, 0, NULL, 0, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_frost_ctx_init(&ctx, cs, &pk, cm, 1, NULL, 5, NULL), MPC_ERR_INVALID_ARG);
    tss_frost_ctx_clear(&ctx);
    tss_frost_ctx_clear(NULL);
    uint8_t buf[300];
    size_t len = 1;
    assert_int_equal(tss_frost_binding_input(cs, buf, 100, &len, &pk, cm, 1, NULL, 0, 3),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
    assert_int_equal(tss_frost_binding_input(cs, buf, sizeof buf, &len, &pk, cm, 1, NULL, 0, 3),
                     MPC_OK);
    assert_int_equal(len, TSS_FROST_RHO_INPUT);
    assert_int_equal(tss_frost_commit(cs, &nn[0], &cm[0], 3, &sk, buf, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_frost_sign_share(NULL, &sk, 1, &nn[0], &sk), MPC_ERR_INVALID_ARG);
    sodium_memzero(nn, sizeof nn);
}

int
main(void)
{
    g = tss_group_ed25519();
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frost_nonce_generate_rfc9591_vector),
        cmocka_unit_test(test_frost_large_identifiers_sign),
        cmocka_unit_test(test_frost_ctx_rejects_bad_identifiers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

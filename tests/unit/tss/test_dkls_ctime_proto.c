/*
 * test_dkls_ctime_proto.c — valgrind constant-time test (libsecp256k1 style,
 * see tss/ctime.h and test_dkls_ctime.c) over the keygen and signing paths
 * added on top of the primitives: the secp256k1 group backend's scalar
 * arithmetic, Shamir evaluation (tss/vss) of secret polynomials, share
 * aggregation and λ_i·x_i, the PoK response, the key record's encoding and
 * decoding of x_i, Δ, the base-OT keys and the zero-sharing seed, the zero
 * share ζ_i (seed derivation and PRF), and whole keygen and signing runs
 * with every freshly drawn scalar classified secret (tss_ctime_classify_secrets).
 * Secrets are marked undefined with memcheck client requests; under valgrind
 * every branch or memory index that depends on them fails the run. Values that
 * are public by design are declassified at the point they become public
 * (TSS_DECLASSIFY in the library, PUBLIC here). Outside valgrind the same code
 * runs and its results are checked functionally.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "tests/support/dkls_fixture.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_keyrec.h"
#include "tss/group.h"
#include "tss/pok.h"
#include "tss/vss.h"

#ifdef TSS_CTIME_VALGRIND
#define SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define SECRET(p, n) ((void)0)
#define PUBLIC(p, n) ((void)0)
#endif

static const tss_group *g;

/* Scalar arithmetic, Shamir evaluation, aggregation and λ·x on secrets. */
static void
test_ctime_shares_and_lagrange(void **state)
{
    (void)state;
    tss_scalar coef[3], f[4], sum, lam, sk, inv, prod, check;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(g->scalar_random(&coef[k]), MPC_OK);
    }
    SECRET(coef, sizeof coef);
    tss_poly *p = NULL;
    assert_int_equal(tss_poly_create(&p, g, 3, coef, NULL), MPC_OK);
    for (uint64_t x = 1; x <= 4; x++) {
        assert_int_equal(tss_poly_eval(p, &f[x - 1], x), MPC_OK);
    }
    g->scalar_add(&sum, &f[0], &f[1]);
    g->scalar_sub(&sum, &sum, &f[2]);
    uint64_t ids[3] = {1, 2, 4};
    assert_int_equal(tss_lagrange_at_zero(g, &lam, ids, 3, 0), MPC_OK);
    g->scalar_mul(&sk, &lam, &f[0]);
    assert_int_equal(g->scalar_invert(&inv, &f[3]), MPC_OK);
    g->scalar_mul(&prod, &inv, &f[3]);
    uint8_t enc[32];
    g->scalar_encode(enc, &sk);
    assert_int_equal(g->scalar_decode(&check, enc), MPC_OK);
    /* reconstruction: sum_j λ_j f(j) over {1, 2, 4} equals a_0 */
    tss_scalar acc, t;
    g->scalar_mul(&acc, &lam, &f[0]);
    for (size_t j = 1; j < 3; j++) {
        assert_int_equal(tss_lagrange_at_zero(g, &lam, ids, 3, j), MPC_OK);
        g->scalar_mul(&t, &lam, &f[ids[j] - 1]);
        g->scalar_add(&acc, &acc, &t);
    }
    PUBLIC(&acc, sizeof acc);
    PUBLIC(coef, sizeof coef);
    PUBLIC(&prod, sizeof prod);
    PUBLIC(&check, sizeof check);
    PUBLIC(&sk, sizeof sk);
    assert_memory_equal(acc.v, coef[0].v, 32);
    tss_scalar one;
    g->scalar_from_u64(&one, 1);
    assert_memory_equal(prod.v, one.v, 32);
    assert_memory_equal(check.v, sk.v, 32);
    tss_poly_destroy(p);
}

/* The PoK response mu = k + c·a_0 on a secret a_0 (the proof is public by design). */
static void
test_ctime_pok_response(void **state)
{
    (void)state;
    tss_scalar a0;
    tss_point c0;
    uint8_t proof[TSS_POK_MAX_BYTES];
    assert_int_equal(g->scalar_random(&a0), MPC_OK);
    assert_int_equal(g->point_mul_base(&c0, &a0), MPC_OK);
    SECRET(&a0, sizeof a0);
    assert_int_equal(tss_pok_prove(g, proof, 3, &a0, &c0), MPC_OK);
    PUBLIC(proof, sizeof proof);
    assert_int_equal(tss_pok_verify(g, proof, 3, &c0), MPC_OK);
}

/* Key record: encode and decode with x_i, Δ and every base-OT key secret. */
static void
test_ctime_key_record(void **state)
{
    (void)state;
    dkls_fx_key key;
    tss_sim_result res;
    uint32_t c[2] = {0, 1};
    assert_int_equal(dkls_fx_keygen(&key, c, 2, 2, 7, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    tss_dkls_keyrec *r = NULL;
    assert_int_equal(tss_dkls_keyrec_decode(&r, key.rec[0], key.len[0]), MPC_OK);
    SECRET(r->ks->secret, sizeof *r->ks->secret);
    SECRET(&r->peers[0].pair.alice, sizeof r->peers[0].pair.alice);
    SECRET(&r->peers[0].pair.bob, sizeof r->peers[0].pair.bob);
    SECRET(r->peers[0].pair.zero_seed, sizeof r->peers[0].pair.zero_seed);
    uint8_t *enc = NULL;
    size_t len = 0;
    assert_int_equal(tss_dkls_keyrec_encode(r, &enc, &len), MPC_OK);
    /* decode the encoding with the same regions secret */
    size_t peer_secrets = len - 32 - 2 * 32 - (16 + 3 * 128 * 32); /* Δ and the keys */
    size_t x_off = peer_secrets - (4 + 1 + 64) - 4 - 32;           /* x_i ends the key share */
    SECRET(enc + peer_secrets, 16 + 3 * 128 * 32);
    SECRET(enc + len - 32, 32); /* the zero-sharing seed ends the peer entry */
    SECRET(enc + x_off, 32);
    tss_dkls_keyrec *r2 = NULL;
    assert_int_equal(tss_dkls_keyrec_decode(&r2, enc, len), MPC_OK);
    PUBLIC(enc, len);
    PUBLIC(r->ks->secret, sizeof *r->ks->secret);
    PUBLIC(&r->peers[0].pair, sizeof r->peers[0].pair);
    PUBLIC(r2->ks->secret, sizeof *r2->ks->secret);
    PUBLIC(&r2->peers[0].pair, sizeof r2->peers[0].pair);
    assert_memory_equal(enc, key.rec[0], len);
    assert_memory_equal(r2->ks->secret->v, r->ks->secret->v, 32);
    tss_dkls_keyrec_destroy(r2);
    tss_dkls_keyrec_destroy(r);
    mpc_secure_free(enc);
    dkls_fx_key_free(&key);
}

/* Zero sharing (DKLs23 F_Zero): seed derivation from secret contributions and
 * ζ_i from secret seeds, both directions of the ± rule, with no secret branch. */
static void
test_ctime_zero_share(void **state)
{
    (void)state;
    uint8_t ctx[32] = {1}, c1[32], c2[32], seed[32], zsid[32] = {2};
    struct tss_secp_num z1, z2, sum;
    randombytes_buf(c1, sizeof c1);
    randombytes_buf(c2, sizeof c2);
    SECRET(c1, sizeof c1);
    SECRET(c2, sizeof c2);
    tss_dkls_zero_seed(seed, ctx, 1, c1, 2, c2);
    memset(&z1, 0, sizeof z1);
    memset(&z2, 0, sizeof z2);
    SECRET(&z1, sizeof z1);
    SECRET(&z2, sizeof z2);
    tss_dkls_zero_add(&z1, 1, 2, seed, zsid); /* +PRF at the lower id */
    tss_dkls_zero_add(&z2, 2, 1, seed, zsid); /* -PRF at the higher id */
    tss_secp_scalar_add(&sum, &z1, &z2);
    PUBLIC(&sum, sizeof sum);
    PUBLIC(&z1, sizeof z1);
    assert_true(tss_secp_num_is_zero(&sum));
    assert_false(tss_secp_num_is_zero(&z1));
}

/* Whole keygen and signing runs with every fresh scalar classified secret. */
static void
test_ctime_keygen_and_sign_runs(void **state)
{
    (void)state;
    dkls_fx_key key;
    tss_sim_result res;
    uint32_t c[2] = {0, 1};
    uint8_t msg[32] = {0x5a}, out[130];
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = 1;
#endif
    mpc_status st = dkls_fx_keygen(&key, c, 2, 2, 11, NULL, NULL, &res);
    tss_sim_result_free(&res);
    if (st == MPC_OK) {
        st = dkls_fx_sign(&key, c, 2, msg, 11, NULL, NULL, &res, out);
        tss_sim_result_free(&res);
    }
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = 0;
#endif
    assert_int_equal(st, MPC_OK);
    PUBLIC(out, sizeof out);
    assert_true(dkls_fx_verify(out, msg, key.y));
    dkls_fx_key_free(&key);
}

int
main(void)
{
    g = tss_group_secp256k1();
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
#ifdef TSS_CTIME_VALGRIND
    printf("ctime: running on valgrind: %s\n",
           RUNNING_ON_VALGRIND ? "yes" : "no (checks inactive)");
#else
    printf("ctime: built without valgrind hooks (checks inactive)\n");
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctime_shares_and_lagrange),
        cmocka_unit_test(test_ctime_pok_response),
        cmocka_unit_test(test_ctime_key_record),
        cmocka_unit_test(test_ctime_zero_share),
        cmocka_unit_test(test_ctime_keygen_and_sign_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

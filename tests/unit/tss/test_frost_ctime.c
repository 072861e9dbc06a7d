/*
 * test_frost_ctime.c — valgrind constant-time test (libsecp256k1 style, see
 * tss/ctime.h and test_dkls_ctime.c) of the EdDSA side: the ed25519 group
 * backend's scalar arithmetic on secret scalars, and whole FROST DKG, signing
 * and reshare runs with every freshly drawn scalar, nonce seed and loaded
 * share classified secret (tss_ctime_classify_secrets). Under valgrind
 * (tests/ctime/test_ctime_valgrind.sh, on the -O2 ctime build) every branch or
 * memory index that depends on a secret fails the run; values public by
 * design (sent messages, commitments, check outcomes) are declassified where
 * they become public. Outside valgrind the same code runs and its results are
 * checked functionally (signatures verified with libsodium).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "tests/support/tss_fixture.h"
#include "tss/ctime.h"
#include "tss/group.h"

#ifdef TSS_CTIME_VALGRIND
#define SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define SECRET(p, n) ((void)0)
#define PUBLIC(p, n) ((void)0)
#endif

static void
classify(int on)
{
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = on;
#else
    (void)on;
#endif
}

/* Scalar arithmetic and hashing on secret ed25519 scalars. */
static void
test_ctime_ed25519_scalars(void **state)
{
    (void)state;
    const tss_group *g = tss_group_ed25519();
    tss_scalar a, b, r, h;
    uint8_t enc[TSS_SCALAR_BYTES];
    assert_int_equal(g->scalar_random(&a), MPC_OK);
    assert_int_equal(g->scalar_random(&b), MPC_OK);
    SECRET(&a, sizeof a);
    SECRET(&b, sizeof b);
    g->scalar_add(&r, &a, &b);
    g->scalar_sub(&r, &r, &b);
    g->scalar_mul(&r, &r, &b);
    g->scalar_encode(enc, &r);
    tss_bytes parts[2] = {{enc, sizeof enc}, {a.v, sizeof a.v}};
    assert_int_equal(g->hash_to_scalar(&h, (const uint8_t *)"ct", 2, parts, 2), MPC_OK);
    tss_scalar ab;
    PUBLIC(&a, sizeof a);
    PUBLIC(&b, sizeof b);
    PUBLIC(&r, sizeof r);
    g->scalar_mul(&ab, &a, &b);
    assert_memory_equal(r.v, ab.v, sizeof r.v);
    mpc_wipe(&a, sizeof a);
    mpc_wipe(&b, sizeof b);
}

/* DKG, signing, reshare and signing again, with every secret classified. */
static void
test_ctime_frost_runs(void **state)
{
    (void)state;
    tss_fx_key key, next;
    tss_sim_result res;
    uint32_t nodes[3] = {0, 1, 2}, signers[2] = {2, 0}, signers2[2] = {1, 3};
    uint32_t new_nodes[3] = {0, 1, 3};
    uint8_t msg[32] = {0xa5}, sig[64], sig2[64];
    memset(&key, 0, sizeof key);
    memset(&next, 0, sizeof next);
    classify(1);
    mpc_status st = tss_fx_dkg(&key, nodes, 3, 2, 7, NULL, NULL, &res);
    tss_sim_result_free(&res);
    if (st == MPC_OK) {
        st = tss_fx_sign(&key, signers, 2, msg, sizeof msg, 7, NULL, NULL, &res, sig);
        tss_sim_result_free(&res);
    }
    if (st == MPC_OK) {
        st = tss_fx_reshare(&key, nodes, 3, new_nodes, 3, 2, 7, NULL, NULL, &res, &next);
        tss_sim_result_free(&res);
    }
    if (st == MPC_OK) {
        st = tss_fx_sign(&next, signers2, 2, msg, sizeof msg, 7, NULL, NULL, &res, sig2);
        tss_sim_result_free(&res);
    }
    classify(0);
    assert_int_equal(st, MPC_OK);
    PUBLIC(sig, sizeof sig);
    PUBLIC(sig2, sizeof sig2);
    PUBLIC(key.group_key, sizeof key.group_key);
    assert_true(tss_fx_verify(sig, msg, sizeof msg, key.group_key));
    assert_true(tss_fx_verify(sig2, msg, sizeof msg, key.group_key));
    tss_fx_key_free(&key);
    tss_fx_key_free(&next);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK || tss_group_selftest() != MPC_OK) {
        return 1;
    }
#ifdef TSS_CTIME_VALGRIND
    printf("ctime: running on valgrind: %s\n",
           RUNNING_ON_VALGRIND ? "yes" : "no (checks inactive)");
#else
    printf("ctime: built without valgrind hooks (checks inactive)\n");
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctime_ed25519_scalars),
        cmocka_unit_test(test_ctime_frost_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

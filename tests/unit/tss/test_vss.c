/*
 * test_vss.c — Shamir polynomials and Feldman verification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tss/vss.h"

static const tss_group *g;

static void
test_vss_poly_create_bad_args(void **state)
{
    (void)state;
    tss_poly *p = (tss_poly *)&g;
    assert_int_equal(tss_poly_create(&p, g, 0, NULL, NULL), MPC_ERR_BAD_THRESHOLD);
    assert_null(p);
    assert_int_equal(tss_poly_create(&p, g, TSS_MAX_THRESHOLD + 1, NULL, NULL),
                     MPC_ERR_BAD_THRESHOLD);
    assert_int_equal(tss_poly_create(&p, NULL, 2, NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_poly_create(NULL, g, 2, NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_poly_threshold(NULL), 0);
    tss_poly_destroy(NULL);
}

static void
test_vss_shares_verify_and_reconstruct(void **state)
{
    (void)state;
    const uint32_t t = 3;
    tss_scalar secret, s[5], lam, acc, tmp;
    tss_point c[3];
    uint64_t ids[5] = {1, 2, 256, 1000, 4000000000u};
    tss_poly *p = NULL;
    assert_int_equal(g->scalar_random(&secret), MPC_OK);
    assert_int_equal(tss_poly_create(&p, g, t, NULL, &secret), MPC_OK);
    assert_int_equal(tss_poly_threshold(p), t);
    assert_int_equal(tss_poly_commit(p, c), MPC_OK);
    tss_scalar a0;
    assert_int_equal(tss_poly_constant(p, &a0), MPC_OK);
    assert_memory_equal(a0.v, secret.v, 32);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(tss_poly_eval(p, &s[i], ids[i]), MPC_OK);
        assert_int_equal(tss_vss_verify_share(g, &s[i], ids[i], c, t), MPC_OK);
        /* share for another identifier does not verify */
        assert_int_equal(tss_vss_verify_share(g, &s[i], ids[i] + 1, c, t), MPC_ERR_BAD_SHARE);
    }
    assert_int_equal(tss_poly_eval(p, &tmp, 0), MPC_ERR_BAD_IDENTIFIER);
    /* any t shares reconstruct the secret; t - 1 do not */
    uint64_t sub[3] = {ids[4], ids[1], ids[2]};
    tss_scalar subs[3] = {s[4], s[1], s[2]};
    g->scalar_from_u64(&acc, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tss_lagrange_at_zero(g, &lam, sub, 3, (size_t)i), MPC_OK);
        g->scalar_mul(&tmp, &lam, &subs[i]);
        g->scalar_add(&acc, &acc, &tmp);
    }
    assert_memory_equal(acc.v, secret.v, 32);
    g->scalar_from_u64(&acc, 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tss_lagrange_at_zero(g, &lam, sub, 2, (size_t)i), MPC_OK);
        g->scalar_mul(&tmp, &lam, &subs[i]);
        g->scalar_add(&acc, &acc, &tmp);
    }
    assert_memory_not_equal(acc.v, secret.v, 32);
    /* tampered share / commitment */
    g->scalar_add(&tmp, &s[0], &s[1]);
    assert_int_equal(tss_vss_verify_share(g, &tmp, ids[0], c, t), MPC_ERR_BAD_SHARE);
    tss_point saved = c[2];
    c[2] = c[1];
    assert_int_equal(tss_vss_verify_share(g, &s[0], ids[0], c, t), MPC_ERR_BAD_SHARE);
    c[2] = saved;
    assert_int_equal(tss_vss_verify_share(g, &s[0], ids[0], c, 2), MPC_ERR_BAD_SHARE);
    assert_int_equal(tss_vss_verify_share(g, &s[0], ids[0], c, 0), MPC_ERR_BAD_THRESHOLD);
    assert_int_equal(tss_vss_verify_share(g, &s[0], 0, c, t), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_vss_verify_share(NULL, &s[0], 1, c, t), MPC_ERR_INVALID_ARG);
    tss_poly_destroy(p);
}

static void
test_vss_commit_sum_and_eval(void **state)
{
    (void)state;
    tss_poly *p1 = NULL, *p2 = NULL;
    tss_point c1[2], c2[2], sum[2], e;
    tss_scalar s1, s2, s;
    assert_int_equal(tss_poly_create(&p1, g, 2, NULL, NULL), MPC_OK);
    assert_int_equal(tss_poly_create(&p2, g, 2, NULL, NULL), MPC_OK);
    assert_int_equal(tss_poly_commit(p1, c1), MPC_OK);
    assert_int_equal(tss_poly_commit(p2, c2), MPC_OK);
    const tss_point *vecs[2] = {c1, c2};
    assert_int_equal(tss_vss_commit_sum(g, sum, vecs, 2, 2), MPC_OK);
    assert_int_equal(tss_poly_eval(p1, &s1, 7), MPC_OK);
    assert_int_equal(tss_poly_eval(p2, &s2, 7), MPC_OK);
    g->scalar_add(&s, &s1, &s2);
    assert_int_equal(tss_vss_verify_share(g, &s, 7, sum, 2), MPC_OK);
    assert_int_equal(tss_vss_commit_eval(g, &e, sum, 2, 0), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_vss_commit_sum(g, sum, vecs, 0, 2), MPC_ERR_INVALID_ARG);
    /* explicit coefficients */
    tss_scalar coefs[2];
    tss_poly *p3 = NULL;
    g->scalar_from_u64(&coefs[0], 5);
    g->scalar_from_u64(&coefs[1], 3);
    assert_int_equal(tss_poly_create(&p3, g, 2, coefs, NULL), MPC_OK);
    assert_int_equal(tss_poly_eval(p3, &s, 4), MPC_OK);
    g->scalar_from_u64(&s1, 17);
    assert_memory_equal(s.v, s1.v, 32);
    tss_poly_destroy(p1);
    tss_poly_destroy(p2);
    tss_poly_destroy(p3);
}

int
main(void)
{
    g = tss_group_ed25519();
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vss_poly_create_bad_args),
        cmocka_unit_test(test_vss_shares_verify_and_reconstruct),
        cmocka_unit_test(test_vss_commit_sum_and_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

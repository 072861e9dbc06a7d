/*
 * test_msg_size.c — every message each protocol emits fits the size its
 * table declares for that (round, kind) (tss_proto_max_msg_len), and the
 * declaration is tight: the largest message seen of each fixed-size round
 * equals it. Runs keygen, signing and reshare of both families at several
 * committee sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/support/dkls_fixture.h"
#include "tests/support/test_util.h"
#include "tests/support/tss_fixture.h"
#include "tss/dkg.h"
#include "tss/dkls_keygen.h"
#include "tss/dkls_online.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_signing.h"
#include "tss/frost_sign.h"
#include "tss/reshare.h"

#define REC_ROUNDS 8

/* Largest message seen per (round, kind) in one run. */
typedef struct {
    const tss_protocol *proto;  /* protocol under test */
    uint32_t n;                 /* parties of the run */
    size_t seen[REC_ROUNDS][2]; /* [round][is_broadcast] */
    int exact;                  /* t == n: every declaration must be met exactly */
    int over;                   /* a message exceeded its declaration */
} rec;

static uint64_t seed = 0x5eed;

static int
rec_tamper(void *user, uint32_t from, uint32_t to, uint32_t round, int is_broadcast, uint8_t **data,
           size_t *len)
{
    rec *r = user;
    (void)from;
    (void)to;
    (void)data;
    if (round<REC_ROUNDS && * len> r->seen[round][is_broadcast != 0]) {
        r->seen[round][is_broadcast != 0] = *len;
    }
    if (*len > tss_proto_max_msg_len(r->proto, r->n, round, is_broadcast)) {
        r->over = 1;
    }
    return 0;
}

static void
rec_print(const char *what, const rec *r)
{
    for (uint32_t k = 1; k < REC_ROUNDS; k++) {
        for (int b = 0; b < 2; b++) {
            if (r->seen[k][b] != 0) {
                printf("%s n=%u round %u %s: %zu declared %zu\n", what, r->n, k,
                       b ? "bcast" : "direct", r->seen[k][b],
                       tss_proto_max_msg_len(r->proto, r->n, k, b));
            }
        }
    }
}

/* Checks r after a run: nothing over its declaration; fixed rounds exactly at it. */
static void
rec_check(const char *what, const rec *r)
{
    if (getenv("MPC_TEST_VERBOSE") != NULL) {
        rec_print(what, r);
    }
    assert_false(r->over);
    for (uint32_t k = 1; k < REC_ROUNDS; k++) {
        for (int b = 0; b < 2; b++) {
            size_t decl = tss_proto_max_msg_len(r->proto, r->n, k, b);
            assert_true(r->seen[k][b] <= decl);
            if (r->seen[k][b] == 0) {
                continue;
            }
            if (r->exact) {
                assert_int_equal(r->seen[k][b], decl);
            } else { /* t < n: at most n - t commitment points fewer */
                assert_true(decl - r->seen[k][b] <= (size_t)r->n * 33u);
            }
        }
    }
    /* rounds past the last have no message */
    assert_int_equal(tss_proto_max_msg_len(r->proto, r->n, REC_ROUNDS + 1, 1), 0);
    assert_int_equal(tss_proto_max_msg_len(r->proto, r->n, 0, 0), 0);
}

static void
test_msg_size_frost(void **state)
{
    (void)state;
    static const uint32_t c[5] = {0, 1, 2, 3, 4};
    for (uint32_t n = 3; n <= 5; n++) {
        uint32_t t = n == 3 ? 3 : n - 1;
        rec d = {.proto = &tss_proto_frost_dkg, .n = n, .exact = t == n};
        tss_fx_key k;
        tss_sim_result res;
        assert_int_equal(tss_fx_dkg(&k, c, n, t, seed++, rec_tamper, &d, &res), MPC_OK);
        tss_sim_result_free(&res);
        rec_check("frost-dkg", &d);
        rec s = {.proto = &tss_proto_frost_sign, .n = t, .exact = 1};
        uint8_t sig[64];
        assert_int_equal(
            tss_fx_sign(&k, c, t, (const uint8_t *)"m", 1, seed++, rec_tamper, &s, &res, sig),
            MPC_OK);
        tss_sim_result_free(&res);
        rec_check("frost-sign", &s);
        rec rs = {.proto = &tss_proto_frost_reshare, .n = n, .exact = 1};
        tss_fx_key k2;
        assert_int_equal(tss_fx_reshare(&k, c, t, c, n, n, seed++, rec_tamper, &rs, &res, &k2),
                         MPC_OK);
        tss_sim_result_free(&res);
        rec_check("frost-reshare", &rs);
        tss_fx_key_free(&k2);
        tss_fx_key_free(&k);
    }
}

static void
test_msg_size_dkls(void **state)
{
    (void)state;
    static const uint32_t c[5] = {0, 1, 2, 3, 4};
    /* (n, t): 3-of-3, 3-of-4, 4-of-5; under valgrind 2-of-2 and 2-of-3 (a
     * keygen with t == n, whose sizes are exact, and one with t < n). */
    static const uint32_t nt_native[3][2] = {{3, 3}, {4, 3}, {5, 4}};
    static const uint32_t nt_valgrind[2][2] = {{2, 2}, {3, 2}};
    int vg = mpc_test_under_valgrind();
    for (int i = 0; i < (vg ? 2 : 3); i++) {
        uint32_t n = vg ? nt_valgrind[i][0] : nt_native[i][0];
        uint32_t t = vg ? nt_valgrind[i][1] : nt_native[i][1];
        rec g = {.proto = &tss_proto_dkls_keygen, .n = n, .exact = t == n};
        dkls_fx_key k;
        tss_sim_result res;
        assert_int_equal(dkls_fx_keygen(&k, c, n, t, seed++, rec_tamper, &g, &res), MPC_OK);
        tss_sim_result_free(&res);
        rec_check("dkls-keygen", &g);
        rec s = {.proto = &tss_proto_dkls_sign, .n = t, .exact = 1};
        uint8_t out[130], m32[32] = {1};
        assert_int_equal(dkls_fx_sign(&k, c, t, m32, seed++, rec_tamper, &s, &res, out), MPC_OK);
        tss_sim_result_free(&res);
        rec_check("dkls-sign", &s);
        rec ps = {.proto = &tss_proto_dkls_presign, .n = t, .exact = 1};
        assert_int_equal(dkls_fx_presign(&k, c, t, seed++, rec_tamper, &ps, &res), MPC_OK);
        const uint8_t *recs[5], *msgs[5];
        size_t lens[5];
        for (uint32_t j = 0; j < t; j++) {
            recs[j] = res.parties[j].result;
            lens[j] = res.parties[j].result_len;
            msgs[j] = m32;
        }
        rec_check("dkls-presign", &ps);
        rec on = {.proto = &tss_proto_dkls_online, .n = t, .exact = 1};
        tss_sim_result res2;
        assert_int_equal(
            dkls_fx_online(&k, c, t, recs, lens, msgs, NULL, seed++, rec_tamper, &on, &res2),
            MPC_OK);
        assert_true(dkls_fx_verify(res2.parties[0].result, m32, k.y));
        tss_sim_result_free(&res2);
        tss_sim_result_free(&res);
        rec_check("dkls-online", &on);
        rec rs = {.proto = &tss_proto_dkls_reshare, .n = n, .exact = 1};
        dkls_fx_key k2;
        assert_int_equal(dkls_fx_reshare(&k, c, t, c, n, n, seed++, rec_tamper, &rs, &res, &k2),
                         MPC_OK);
        tss_sim_result_free(&res);
        rec_check("dkls-reshare", &rs);
        dkls_fx_key_free(&k2);
        dkls_fx_key_free(&k);
    }
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_msg_size");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg_size_frost),
        cmocka_unit_test(test_msg_size_dkls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

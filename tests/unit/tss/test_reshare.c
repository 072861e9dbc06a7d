/*
 * test_reshare.c — reshare keeps the group key across a chain of committee
 * and threshold changes (overlapping and disjoint committees), new shares
 * sign (verified with libsodium), removed members' shares no longer combine
 * with new ones, and every failure is detected with its status and culprit.
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
#include "tss/dkg.h"
#include "tss/frost_sign.h"
#include "tss/keyshare.h"
#include "tss/reshare.h"

static uint64_t seed;
static const uint8_t msg[] = "reshare test message";

static void
sign_ok(const tss_fx_key *key, const uint32_t *signers, uint32_t n, const uint8_t pk[32])
{
    tss_sim_result res;
    uint8_t sig[64];
    assert_int_equal(tss_fx_sign(key, signers, n, msg, sizeof msg, seed++, NULL, NULL, &res, sig),
                     MPC_OK);
    tss_sim_result_free(&res);
    assert_true(tss_fx_verify(sig, msg, sizeof msg, pk));
}

/* Secret share and identifier of node k's record. */
static void
share_of(const tss_fx_key *key, uint32_t k, tss_scalar *s, uint64_t *id)
{
    tss_keyshare *ks = NULL;
    assert_int_equal(tss_keyshare_decode(&ks, key->rec[k], key->len[k]), MPC_OK);
    *s = *ks->secret;
    *id = ks->members[ks->self].id;
    tss_keyshare_destroy(ks);
}

/* Returns 1 if the n (id, share) pairs interpolate to the secret of pk. */
static int
interpolates_to(const tss_scalar *s, const uint64_t *ids, uint32_t n, const uint8_t pk[32])
{
    const tss_group *g = tss_group_ed25519();
    tss_scalar acc, lam, t;
    tss_point y, want;
    g->scalar_from_u64(&acc, 0);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(tss_lagrange_at_zero(g, &lam, ids, n, i), MPC_OK);
        g->scalar_mul(&t, &lam, &s[i]);
        g->scalar_add(&acc, &acc, &t);
    }
    assert_int_equal(g->point_decode(&want, pk), MPC_OK);
    int ok = g->point_mul_base(&y, &acc) == MPC_OK && g->point_eq(&y, &want);
    mpc_wipe(&acc, sizeof acc);
    return ok;
}

static void
test_reshare_chain_keeps_group_key(void **state)
{
    (void)state;
    tss_fx_key k1, k2, k3, k4;
    tss_sim_result res;
    uint8_t pk[32];
    /* 2-of-3 on nodes 0,1,2. */
    uint32_t c1[3] = {0, 1, 2};
    assert_int_equal(tss_fx_dkg(&k1, c1, 3, 2, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    memcpy(pk, k1.group_key, 32);
    /* -> 3-of-5 on nodes 1..5 (overlap 1,2; node 0 leaves); dealers 0 and 2. */
    uint32_t d1[2] = {0, 2}, c2[5] = {1, 2, 3, 4, 5};
    assert_int_equal(tss_fx_reshare(&k1, d1, 2, c2, 5, 3, seed++, NULL, NULL, &res, &k2), MPC_OK);
    tss_sim_result_free(&res);
    assert_memory_equal(k2.group_key, pk, 32);
    assert_null(k2.rec[0]);
    uint32_t s2a[3] = {5, 1, 3}, s2b[4] = {2, 3, 4, 5};
    sign_ok(&k2, s2a, 3, pk);
    sign_ok(&k2, s2b, 4, pk);
    /* Node 0's old share does not combine with new shares; three new ones do. */
    tss_scalar sh[3];
    uint64_t ids[3];
    share_of(&k1, 0, &sh[0], &ids[0]);
    share_of(&k2, 2, &sh[1], &ids[1]);
    share_of(&k2, 3, &sh[2], &ids[2]);
    assert_false(interpolates_to(sh, ids, 3, pk));
    share_of(&k2, 1, &sh[0], &ids[0]);
    assert_true(interpolates_to(sh, ids, 3, pk));
    /* -> 2-of-2 on nodes 6,7 (disjoint); dealers 1, 3, 5. */
    uint32_t d2[3] = {1, 3, 5}, c3[2] = {6, 7};
    assert_int_equal(tss_fx_reshare(&k2, d2, 3, c3, 2, 2, seed++, NULL, NULL, &res, &k3), MPC_OK);
    tss_sim_result_free(&res);
    assert_memory_equal(k3.group_key, pk, 32);
    uint32_t s3[2] = {7, 6};
    sign_ok(&k3, s3, 2, pk);
    /* Old 3-of-5 shares no longer combine with a new one. */
    share_of(&k2, 1, &sh[0], &ids[0]);
    share_of(&k3, 7, &sh[1], &ids[1]); /* new id 2, distinct from old id 1 */
    assert_false(interpolates_to(sh, ids, 2, pk));
    /* -> 3-of-4 on nodes 6,8,9,10 (overlap 6); dealers 6, 7. */
    uint32_t d3[2] = {6, 7}, c4[4] = {8, 6, 9, 10};
    assert_int_equal(tss_fx_reshare(&k3, d3, 2, c4, 4, 3, seed++, NULL, NULL, &res, &k4), MPC_OK);
    tss_sim_result_free(&res);
    assert_memory_equal(k4.group_key, pk, 32);
    uint32_t s4a[3] = {10, 6, 8}, s4b[4] = {6, 8, 9, 10};
    sign_ok(&k4, s4a, 3, pk);
    sign_ok(&k4, s4b, 4, pk);
    /* A mixed signing set (old record of 7 with new records) does not produce a signature. */
    tss_fx_key mixed = {0};
    memcpy(mixed.group_key, pk, 32);
    mixed.rec[7] = k3.rec[7];
    mixed.len[7] = k3.len[7];
    mixed.rec[8] = k4.rec[8];
    mixed.len[8] = k4.len[8];
    mixed.rec[9] = k4.rec[9];
    mixed.len[9] = k4.len[9];
    uint32_t sm[3] = {7, 8, 9};
    uint8_t sig[64];
    assert_int_not_equal(tss_fx_sign(&mixed, sm, 3, msg, sizeof msg, seed++, NULL, NULL, &res, sig),
                         MPC_OK);
    tss_sim_result_free(&res);
    mpc_wipe(sh, sizeof sh);
    /* The chain code made at keygen is in every record of every committee. */
    tss_keyshare *ks0 = NULL;
    assert_int_equal(tss_keyshare_decode(&ks0, k1.rec[0], k1.len[0]), MPC_OK);
    assert_int_equal(ks0->has_chain, 1);
    const tss_fx_key *all[4] = {&k1, &k2, &k3, &k4};
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < TSS_FX_MAX_NODES; i++) {
            tss_keyshare *ks = NULL;
            if (all[k]->rec[i] == NULL) {
                continue;
            }
            assert_int_equal(tss_keyshare_decode(&ks, all[k]->rec[i], all[k]->len[i]), MPC_OK);
            assert_int_equal(ks->has_chain, 1);
            assert_memory_equal(ks->chain, ks0->chain, TSS_KEYSHARE_CHAIN_BYTES);
            tss_keyshare_destroy(ks);
        }
    }
    tss_keyshare_destroy(ks0);
    tss_fx_key_free(&k1);
    tss_fx_key_free(&k2);
    tss_fx_key_free(&k3);
    tss_fx_key_free(&k4);
}

static void
test_reshare_threshold_down_same_committee(void **state)
{
    (void)state;
    tss_fx_key k1, k2;
    tss_sim_result res;
    uint32_t c[4] = {0, 1, 2, 3};
    assert_int_equal(tss_fx_dkg(&k1, c, 4, 4, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    /* Every member is both dealer and receiver. */
    assert_int_equal(tss_fx_reshare(&k1, c, 4, c, 4, 2, seed++, NULL, NULL, &res, &k2), MPC_OK);
    tss_sim_result_free(&res);
    uint32_t s[2] = {3, 0};
    sign_ok(&k2, s, 2, k1.group_key);
    tss_fx_key_free(&k1);
    tss_fx_key_free(&k2);
}

/* Old 2-of-3 key on nodes 0,1,2 shared by the failure tests. */
static tss_fx_key old23;

static int
setup(void **state)
{
    (void)state;
    uint32_t c[3] = {0, 1, 2};
    tss_sim_result res;
    mpc_status st = tss_fx_dkg(&old23, c, 3, 2, seed++, NULL, NULL, &res);
    tss_sim_result_free(&res);
    return st == MPC_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    tss_fx_key_free(&old23);
    return 0;
}

/*
 * Reshare 2-of-3 {0,1,2} -> 2-of-3 {1,2,3}: session parties 0,1,2 (dealers)
 * and 3 (new only). R1 = ver type count[2] C0 C1; R2 = ver type share echo[4*32].
 */
/* R1 (t' = 2) = ver type count[2] C0[32] C1[32] has_chain[1] chain[32]. */
enum { R1_C0 = 4, R1_C1 = 36, R1_HAS_CHAIN = 68, R1_CHAIN = 69, R2_SHARE = 2, R2_ECHO = 34 };

static void
reshare_expect_failure(tss_fx_tamper *rule, mpc_status want, uint32_t culprit)
{
    uint32_t dealers[3] = {0, 1, 2}, next[3] = {1, 2, 3};
    tss_fx_key k2;
    tss_sim_result res;
    mpc_status st = tss_fx_reshare(&old23, dealers, 3, next, 3, 2, seed++, tss_fx_tamper_apply,
                                   rule, &res, &k2);
    assert_int_not_equal(st, MPC_OK);
    assert_true(rule->hits > 0);
    assert_true(tss_fx_failed_with(&res, want, culprit));
    tss_sim_result_free(&res);
    tss_fx_key_free(&k2);
}

/* Runs a reshare with rule; no honest party may name an honest one (liar lies). */
static tss_sim_result
reshare_expect_framing(tss_fx_tamper *rule, uint32_t liar)
{
    uint32_t dealers[3] = {0, 1, 2}, next[3] = {1, 2, 3};
    tss_fx_key k2;
    tss_sim_result res;
    mpc_status st = tss_fx_reshare(&old23, dealers, 3, next, 3, 2, seed++, tss_fx_tamper_apply,
                                   rule, &res, &k2);
    assert_int_not_equal(st, MPC_OK);
    assert_true(rule->hits > 0);
    assert_true(tss_fx_never_framed(&res, MPC_ERR_EQUIVOCATION, liar));
    tss_fx_key_free(&k2);
    return res;
}

static void
test_reshare_false_echo_never_frames_dealer(void **state)
{
    (void)state;
    /* Dealer 0 corrupts dealer 2's digest in its echo to the new member 3. */
    tss_fx_tamper rule = {
        .kind = TSS_FX_FLIP, .from = 0, .to = 3, .round = 2, .off = R2_ECHO + 32 * 2};
    tss_sim_result res = reshare_expect_framing(&rule, 0);
    assert_int_equal(res.parties[3].status, MPC_ERR_EQUIVOCATION);
    assert_int_equal(res.parties[3].culprit, TSS_NO_CULPRIT);
    assert_int_equal(res.parties[3].dispute[0], 0);
    assert_int_equal(res.parties[3].dispute[1], 2);
    tss_sim_result_free(&res);
}

static void
test_reshare_commitment_not_lambda_times_old_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_POINT, .from = 0, .to = UINT32_MAX, .round = 1, .off = R1_C0};
    reshare_expect_failure(&rule, MPC_ERR_BAD_COMMITMENT, 0);
}

/* A dealer whose chain code differs from the other parties' copies is named. */
static void
test_reshare_chain_code_mismatch(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_FLIP, .from = 1, .to = UINT32_MAX, .round = 1, .off = R1_CHAIN + 5};
    reshare_expect_failure(&rule, MPC_ERR_HD_CHAIN_MISMATCH, 1);
    tss_fx_tamper flag = {
        .kind = TSS_FX_FLIP, .from = 0, .to = UINT32_MAX, .round = 1, .off = R1_HAS_CHAIN};
    reshare_expect_failure(&flag, MPC_ERR_MSG_MALFORMED, 0);
}

static void
test_reshare_wrong_commitment_length(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_EXTEND, .from = 2, .to = UINT32_MAX, .round = 1};
    reshare_expect_failure(&rule, MPC_ERR_BAD_COMMITMENT, 2);
    tss_fx_tamper shrink = {.kind = TSS_FX_SHRINK, .from = 1, .to = UINT32_MAX, .round = 1};
    reshare_expect_failure(&shrink, MPC_ERR_BAD_COMMITMENT, 1);
}

static void
test_reshare_tampered_commitment_is_bad_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_POINT,
                          .from = 1,
                          .to = UINT32_MAX,
                          .round = 1,
                          .off = R1_C1,
                          .echo_off = R2_ECHO};
    reshare_expect_failure(&rule, MPC_ERR_BAD_SHARE, 1);
}

static void
test_reshare_inconsistent_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_BUMP, .from = 0, .to = 3, .round = 2, .off = R2_SHARE};
    reshare_expect_failure(&rule, MPC_ERR_BAD_SHARE, 0);
}

static void
test_reshare_equivocating_broadcast(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_POINT, .from = 2, .to = 3, .round = 1, .off = R1_C1};
    tss_sim_result res = reshare_expect_framing(&rule, 2);
    tss_sim_result_free(&res);
}

static void
test_reshare_non_canonical_share_and_small_order_point(void **state)
{
    (void)state;
    tss_fx_tamper sc = {.kind = TSS_FX_NONCANON, .from = 2, .to = 1, .round = 2, .off = R2_SHARE};
    reshare_expect_failure(&sc, MPC_ERR_BAD_SCALAR, 2);
    tss_fx_tamper pt = {
        .kind = TSS_FX_SMALL_ORDER, .from = 1, .to = UINT32_MAX, .round = 1, .off = R1_C1};
    reshare_expect_failure(&pt, MPC_ERR_BAD_POINT, 1);
}

static void
test_reshare_transcript_mismatch(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_FLIP, .from = 3, .to = UINT32_MAX, .round = 3, .off = 2};
    reshare_expect_failure(&rule, MPC_ERR_TRANSCRIPT, 3);
}

/* Creates party `self` of a session over nodes[] with the given input pieces. */
static mpc_status
create_one(tss_base **s, const uint32_t *nodes, uint32_t n, uint32_t self, uint32_t new_t,
           const char *const *new_nodes, uint32_t n_new, const uint8_t *rec, size_t rec_len)
{
    static const uint8_t sid[TSS_SID_LEN] = {5};
    const char *ids[8];
    uint8_t *in = NULL;
    size_t in_len = 0;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = tss_fx_node(nodes[i]);
    }
    mpc_status st = tss_reshare_input_encode(&in, &in_len, new_t, new_nodes, n_new, rec, rec_len);
    if (st != MPC_OK) {
        return st;
    }
    tss_params p = {.sid = sid,
                    .self = self,
                    .n_parties = n,
                    .party_ids = ids,
                    .input = in,
                    .input_len = in_len};
    st = tss_reshare_create(s, &p);
    mpc_secure_free(in);
    return st;
}

static void
test_reshare_create_validates_roles(void **state)
{
    (void)state;
    tss_base *s = NULL;
    const char *nn[3] = {"node-1", "node-2", "node-3"};
    const char *dup[3] = {"node-1", "node-2", "node-1"};
    uint32_t parties[4] = {0, 1, 2, 3};
    uint32_t one_dealer[3] = {0, 3, 4};
    const char *nn2[2] = {"node-3", "node-4"};
    assert_int_equal(create_one(&s, parties, 4, 0, 2, nn, 3, old23.rec[0], old23.len[0]), MPC_OK);
    tss_proto_destroy(s);
    s = NULL;
    assert_int_equal(create_one(&s, parties, 4, 0, 4, nn, 3, old23.rec[0], old23.len[0]),
                     MPC_ERR_BAD_THRESHOLD);
    assert_int_equal(create_one(&s, parties, 4, 0, 0, nn, 3, old23.rec[0], old23.len[0]),
                     MPC_ERR_BAD_THRESHOLD);
    assert_int_equal(create_one(&s, parties, 4, 0, 2, dup, 3, old23.rec[0], old23.len[0]),
                     MPC_ERR_BAD_IDENTIFIER);
    /* Only one old member among the parties, old threshold is 2. */
    assert_int_equal(create_one(&s, one_dealer, 3, 0, 2, nn2, 2, old23.rec[0], old23.len[0]),
                     MPC_ERR_BAD_THRESHOLD);
    /* A new member missing from the parties. */
    assert_int_equal(create_one(&s, parties, 3, 0, 2, nn, 3, old23.rec[0], old23.len[0]),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* A party that is neither old nor new. */
    uint32_t stranger[5] = {0, 1, 2, 3, 9};
    assert_int_equal(create_one(&s, stranger, 5, 0, 2, nn, 3, old23.rec[0], old23.len[0]),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* A dealer given someone else's record. */
    assert_int_equal(create_one(&s, parties, 4, 0, 2, nn, 3, old23.rec[1], old23.len[1]),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(create_one(&s, parties, 4, 0, 2, nn, 3, old23.rec[1], old23.len[1] - 3),
                     MPC_ERR_MSG_MALFORMED);
    assert_null(s);
    uint8_t *in = NULL;
    size_t in_len = 0;
    assert_int_equal(tss_reshare_input_encode(&in, &in_len, 2, nn, 0, old23.rec[0], old23.len[0]),
                     MPC_ERR_INVALID_ARG);
    assert_null(in);
}

static void
test_reshare_group_key_mismatch(void **state)
{
    (void)state;
    /* New-only node 3 is told a different group key: the dealers' constant terms do not sum to it.
     */
    static const uint8_t sid[TSS_SID_LEN] = {6};
    const char *ids[4] = {"node-0", "node-1", "node-2", "node-3"};
    const char *nn[3] = {"node-1", "node-2", "node-3"};
    tss_params p[4];
    uint8_t *in[4] = {0}, *pub = NULL;
    size_t in_len[4] = {0}, pub_len = 0;
    tss_keyshare *ks = NULL;
    assert_int_equal(tss_keyshare_decode(&ks, old23.rec[0], old23.len[0]), MPC_OK);
    ks->group_key = ks->members[0].vshare;
    assert_int_equal(tss_keyshare_encode(ks, 1, &pub, &pub_len), MPC_OK);
    tss_keyshare_destroy(ks);
    for (uint32_t i = 0; i < 4; i++) {
        const uint8_t *rec = i < 3 ? old23.rec[i] : pub;
        size_t len = i < 3 ? old23.len[i] : pub_len;
        assert_int_equal(tss_reshare_input_encode(&in[i], &in_len[i], 2, nn, 3, rec, len), MPC_OK);
        p[i] = (tss_params){.sid = sid,
                            .self = i,
                            .n_parties = 4,
                            .party_ids = ids,
                            .threshold = 2,
                            .input = in[i],
                            .input_len = in_len[i]};
    }
    tss_sim_result res;
    assert_int_equal(tss_sim_run(&tss_proto_frost_reshare, p, 4, seed++, NULL, NULL, &res),
                     MPC_ERR_BAD_GROUP_KEY);
    assert_int_equal(res.parties[3].status, MPC_ERR_BAD_GROUP_KEY);
    assert_int_equal(res.parties[3].culprit, TSS_NO_CULPRIT);
    tss_sim_result_free(&res);
    for (uint32_t i = 0; i < 4; i++) {
        mpc_secure_free(in[i]);
    }
    mpc_secure_free(pub);
}

static void
test_reshare_leaving_member_gets_public_record(void **state)
{
    (void)state;
    uint32_t dealers[3] = {0, 1, 2}, next[2] = {1, 2};
    tss_fx_key k2;
    tss_sim_result res;
    assert_int_equal(tss_fx_reshare(&old23, dealers, 3, next, 2, 2, seed++, NULL, NULL, &res, &k2),
                     MPC_OK);
    /* Party 0 (node 0) left: its result is the new key info without a secret. */
    tss_keyshare *ks = NULL;
    assert_int_equal(tss_keyshare_decode(&ks, res.parties[0].result, res.parties[0].result_len),
                     MPC_OK);
    assert_null(ks->secret);
    assert_int_equal(ks->self, TSS_NO_SELF);
    assert_int_equal(ks->n, 2);
    assert_int_equal(ks->threshold, 2);
    uint8_t gk[32];
    ks->g->point_encode(gk, &ks->group_key);
    assert_memory_equal(gk, old23.group_key, 32);
    assert_int_equal(tss_keyshare_find_node(ks, "node-0"), 2);
    tss_keyshare_destroy(ks);
    tss_sim_result_free(&res);
    uint32_t s2[2] = {2, 1};
    sign_ok(&k2, s2, 2, old23.group_key);
    tss_fx_key_free(&k2);
}

static void
test_reshare_adapter_table(void **state)
{
    (void)state;
    assert_string_equal(tss_proto_frost_reshare.name, "frost-reshare");
    assert_int_equal(tss_proto_culprit(NULL), TSS_NO_CULPRIT);
}

int
main(void)
{
    seed = mpc_test_seed("test_reshare");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reshare_chain_keeps_group_key),
        cmocka_unit_test(test_reshare_threshold_down_same_committee),
        cmocka_unit_test(test_reshare_chain_code_mismatch),
        cmocka_unit_test(test_reshare_commitment_not_lambda_times_old_share),
        cmocka_unit_test(test_reshare_wrong_commitment_length),
        cmocka_unit_test(test_reshare_tampered_commitment_is_bad_share),
        cmocka_unit_test(test_reshare_inconsistent_share),
        cmocka_unit_test(test_reshare_equivocating_broadcast),
        cmocka_unit_test(test_reshare_false_echo_never_frames_dealer),
        cmocka_unit_test(test_reshare_non_canonical_share_and_small_order_point),
        cmocka_unit_test(test_reshare_transcript_mismatch),
        cmocka_unit_test(test_reshare_create_validates_roles),
        cmocka_unit_test(test_reshare_group_key_mismatch),
        cmocka_unit_test(test_reshare_leaving_member_gets_public_record),
        cmocka_unit_test(test_reshare_adapter_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

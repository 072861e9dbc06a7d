/*
 * test_dkg.c — DKG state machine: every 2 <= t <= n <= 5 followed by FROST
 * signing with every signer subset of size t and one larger subset (each
 * signature verified with libsodium), record consistency, and every
 * failure the DKG must detect, with its status and culprit.
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

static const uint8_t msg[] = "mpc-node dkg test message";

/* Signs with signers[0..k) and checks the signature with libsodium. */
static void
sign_and_verify(const tss_fx_key *key, const uint32_t *signers, uint32_t k)
{
    tss_sim_result res;
    uint8_t sig[64];
    mpc_status st = tss_fx_sign(key, signers, k, msg, sizeof msg, seed++, NULL, NULL, &res, sig);
    assert_int_equal(st, MPC_OK);
    assert_true(tss_fx_verify(sig, msg, sizeof msg, key->group_key));
    sig[5] ^= 1;
    assert_false(tss_fx_verify(sig, msg, sizeof msg, key->group_key));
    tss_sim_result_free(&res);
}

/* Every record agrees on group key, threshold and verifying shares. */
static void
check_records(const tss_fx_key *key, uint32_t n, uint32_t t)
{
    tss_keyshare *first = NULL;
    for (uint32_t k = 0; k < n; k++) {
        tss_keyshare *ks = NULL;
        assert_int_equal(tss_keyshare_decode(&ks, key->rec[k], key->len[k]), MPC_OK);
        assert_int_equal(ks->threshold, t);
        assert_int_equal(ks->n, n);
        assert_int_equal(ks->self, k);
        assert_int_equal(ks->members[k].id, k + 1);
        assert_string_equal(ks->members[k].node_id, tss_fx_node(k));
        if (first == NULL) {
            first = ks;
            continue;
        }
        assert_true(ks->g->point_eq(&ks->group_key, &first->group_key));
        for (uint32_t j = 0; j < n; j++) {
            assert_true(ks->g->point_eq(&ks->members[j].vshare, &first->members[j].vshare));
        }
        tss_keyshare_destroy(ks);
    }
    tss_keyshare_destroy(first);
}

static void
test_dkg_all_thresholds_then_sign_every_subset(void **state)
{
    (void)state;
    for (uint32_t n = 2; n <= 5; n++) {
        for (uint32_t t = 2; t <= n; t++) {
            uint32_t nodes[5] = {0, 1, 2, 3, 4};
            tss_fx_key key;
            tss_sim_result res;
            assert_int_equal(tss_fx_dkg(&key, nodes, n, t, seed++, NULL, NULL, &res), MPC_OK);
            tss_sim_result_free(&res);
            check_records(&key, n, t);
            unsigned subsets = 0;
            for (uint32_t mask = 0; mask < (1u << n); mask++) {
                uint32_t signers[5], k = 0;
                for (uint32_t i = 0; i < n; i++) {
                    if (mask & (1u << i)) {
                        signers[k++] = i;
                    }
                }
                if (k == t) {
                    sign_and_verify(&key, signers, k);
                    subsets++;
                }
            }
            if (t < n) { /* one larger subset, in reverse order */
                uint32_t signers[5];
                for (uint32_t i = 0; i <= t; i++) {
                    signers[i] = n - 1 - i;
                }
                sign_and_verify(&key, signers, t + 1);
            }
            assert_true(subsets > 0);
            tss_fx_key_free(&key);
        }
    }
}

/* Runs a 3-party DKG (t = 2) with one tamper rule; expects want blaming culprit. */
static void
dkg_expect_failure(tss_fx_tamper *rule, mpc_status want, uint32_t culprit)
{
    uint32_t nodes[3] = {0, 1, 2};
    tss_fx_key key;
    tss_sim_result res;
    mpc_status st = tss_fx_dkg(&key, nodes, 3, 2, seed++, tss_fx_tamper_apply, rule, &res);
    assert_int_not_equal(st, MPC_OK);
    assert_true(rule->hits > 0);
    assert_true(tss_fx_failed_with(&res, want, culprit));
    tss_sim_result_free(&res);
    tss_fx_key_free(&key);
    rule->hits = 0;
}

/* Layout (t = 2): R1 = ver type count[2] C0[32] C1[32] R[32] mu[32]; R2 = ver type share[32] echo.
 */
/* R3 = ver type chain[32] hash[32]. */
enum {
    R1_C0 = 4,
    R1_C1 = 36,
    R1_R = 68,
    R1_MU = 100,
    R2_SHARE = 2,
    R2_ECHO = 34,
    R3_CHAIN = 2,
    R3_HASH = 34
};

static void
test_dkg_tampered_commitment_is_bad_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_POINT,
                          .from = 1,
                          .to = UINT32_MAX,
                          .round = 1,
                          .off = R1_C1,
                          .echo_off = R2_ECHO};
    dkg_expect_failure(&rule, MPC_ERR_BAD_SHARE, 1);
}

static void
test_dkg_tampered_constant_commitment_is_bad_proof(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_POINT, .from = 2, .to = UINT32_MAX, .round = 1, .off = R1_C0};
    dkg_expect_failure(&rule, MPC_ERR_BAD_PROOF, 2);
}

static void
test_dkg_bad_proof_of_knowledge(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_BUMP, .from = 0, .to = UINT32_MAX, .round = 1, .off = R1_MU};
    dkg_expect_failure(&rule, MPC_ERR_BAD_PROOF, 0);
    tss_fx_tamper rule_r = {
        .kind = TSS_FX_POINT, .from = 0, .to = UINT32_MAX, .round = 1, .off = R1_R};
    dkg_expect_failure(&rule_r, MPC_ERR_BAD_PROOF, 0);
}

static void
test_dkg_inconsistent_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_BUMP, .from = 2, .to = 0, .round = 2, .off = R2_SHARE};
    dkg_expect_failure(&rule, MPC_ERR_BAD_SHARE, 2);
}

static void
test_dkg_wrong_commitment_length(void **state)
{
    (void)state;
    tss_fx_tamper longer = {.kind = TSS_FX_EXTEND, .from = 1, .to = UINT32_MAX, .round = 1};
    dkg_expect_failure(&longer, MPC_ERR_BAD_COMMITMENT, 1);
    tss_fx_tamper shorter = {.kind = TSS_FX_SHRINK, .from = 0, .to = UINT32_MAX, .round = 1};
    dkg_expect_failure(&shorter, MPC_ERR_BAD_COMMITMENT, 0);
}

static void
test_dkg_equivocating_broadcast(void **state)
{
    (void)state;
    /* Party 1 shows party 2 a different (valid) C1 than it shows party 0. */
    tss_fx_tamper rule = {.kind = TSS_FX_POINT, .from = 1, .to = 2, .round = 1, .off = R1_C1};
    uint32_t nodes[3] = {0, 1, 2};
    tss_fx_key key;
    tss_sim_result res;
    assert_int_not_equal(tss_fx_dkg(&key, nodes, 3, 2, seed++, tss_fx_tamper_apply, &rule, &res),
                         MPC_OK);
    assert_true(rule.hits > 0);
    /* The echoes show the mismatch; nobody honest is named (the session layer
     * turns the dispute into a culprit only with signed evidence). */
    assert_true(tss_fx_never_framed(&res, MPC_ERR_EQUIVOCATION, 1));
    tss_sim_result_free(&res);
    tss_fx_key_free(&key);
}

/* Runs a DKG with rule and checks party `victim`'s verdict: no culprit, dispute {a, b}. */
static void
dkg_expect_dispute(tss_fx_tamper *rule, uint32_t victim, uint32_t a, uint32_t b)
{
    uint32_t nodes[3] = {0, 1, 2};
    tss_fx_key key;
    tss_sim_result res;
    assert_int_not_equal(tss_fx_dkg(&key, nodes, 3, 2, seed++, tss_fx_tamper_apply, rule, &res),
                         MPC_OK);
    assert_true(rule->hits > 0);
    const tss_sim_party *p = &res.parties[victim];
    assert_int_equal(p->status, MPC_ERR_EQUIVOCATION);
    assert_int_equal(p->culprit, TSS_NO_CULPRIT);
    assert_int_equal(p->dispute[0], a);
    assert_int_equal(p->dispute[1], b);
    tss_sim_result_free(&res);
    tss_fx_key_free(&key);
    rule->hits = 0;
}

static void
test_dkg_false_echo_never_frames_dealer(void **state)
{
    (void)state;
    /* M = 0 corrupts dealer B = 2's digest in its echo to A = 1: A must not
     * name B (it did before: the third-party slot named the dealer). */
    tss_fx_tamper rule = {
        .kind = TSS_FX_FLIP, .from = 0, .to = 1, .round = 2, .off = R2_ECHO + 32 * 2};
    dkg_expect_dispute(&rule, 1, 0, 2);
    /* M lies about A's own broadcast: A's word against M's, still no culprit. */
    tss_fx_tamper about_a = {
        .kind = TSS_FX_FLIP, .from = 0, .to = 1, .round = 2, .off = R2_ECHO + 32 * 1};
    dkg_expect_dispute(&about_a, 1, 0, 1);
    /* M's echo of its own broadcast contradicts the broadcast: both signed by M. */
    tss_fx_tamper own = {.kind = TSS_FX_FLIP, .from = 0, .to = 1, .round = 2, .off = R2_ECHO};
    dkg_expect_failure(&own, MPC_ERR_EQUIVOCATION, 0);
}

static void
test_dkg_non_canonical_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_NONCANON, .from = 1, .to = 2, .round = 2, .off = R2_SHARE};
    dkg_expect_failure(&rule, MPC_ERR_BAD_SCALAR, 1);
    tss_fx_tamper mu = {
        .kind = TSS_FX_NONCANON, .from = 2, .to = UINT32_MAX, .round = 1, .off = R1_MU};
    dkg_expect_failure(&mu, MPC_ERR_BAD_SCALAR, 2);
}

static void
test_dkg_small_order_point(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_SMALL_ORDER, .from = 0, .to = UINT32_MAX, .round = 1, .off = R1_C1};
    dkg_expect_failure(&rule, MPC_ERR_BAD_POINT, 0);
    tss_fx_tamper r = {
        .kind = TSS_FX_SMALL_ORDER, .from = 1, .to = UINT32_MAX, .round = 1, .off = R1_R};
    dkg_expect_failure(&r, MPC_ERR_BAD_POINT, 1);
}

static void
test_dkg_transcript_mismatch(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_FLIP, .from = 2, .to = UINT32_MAX, .round = 3, .off = R3_HASH};
    dkg_expect_failure(&rule, MPC_ERR_TRANSCRIPT, 2);
}

/* Chain code: every record of one keygen has the same one; another keygen gets another. */
static void
test_dkg_joint_chain_code(void **state)
{
    (void)state;
    uint32_t nodes[3] = {0, 1, 2};
    uint8_t first[TSS_KEYSHARE_CHAIN_BYTES] = {0}, zero[TSS_KEYSHARE_CHAIN_BYTES] = {0};
    for (int run = 0; run < 2; run++) {
        tss_fx_key key;
        tss_sim_result res;
        assert_int_equal(tss_fx_dkg(&key, nodes, 3, 2, seed++, NULL, NULL, &res), MPC_OK);
        tss_sim_result_free(&res);
        tss_keyshare *ks[3];
        for (int i = 0; i < 3; i++) {
            assert_int_equal(tss_keyshare_decode(&ks[i], key.rec[i], key.len[i]), MPC_OK);
            assert_int_equal(ks[i]->has_chain, 1);
            assert_memory_equal(ks[i]->chain, ks[0]->chain, TSS_KEYSHARE_CHAIN_BYTES);
        }
        assert_memory_not_equal(ks[0]->chain, zero, sizeof zero);
        if (run == 0) {
            memcpy(first, ks[0]->chain, sizeof first);
        } else {
            assert_memory_not_equal(ks[0]->chain, first, sizeof first);
        }
        for (int i = 0; i < 3; i++) {
            tss_keyshare_destroy(ks[i]);
        }
        tss_fx_key_free(&key);
    }
}

/* A revealed contribution that does not open its round-1 commitment names its sender. */
static void
test_dkg_chain_reveal_must_open_commitment(void **state)
{
    (void)state;
    tss_fx_tamper reveal = {
        .kind = TSS_FX_FLIP, .from = 1, .to = UINT32_MAX, .round = 3, .off = R3_CHAIN};
    dkg_expect_failure(&reveal, MPC_ERR_BAD_COMMITMENT, 1);
}

static void
test_dkg_malformed_messages(void **state)
{
    (void)state;
    tss_fx_tamper r1 = {.kind = TSS_FX_TRUNCATE, .from = 1, .to = UINT32_MAX, .round = 1};
    dkg_expect_failure(&r1, MPC_ERR_MSG_MALFORMED, 1);
    tss_fx_tamper r2 = {.kind = TSS_FX_TRUNCATE, .from = 0, .to = 2, .round = 2};
    dkg_expect_failure(&r2, MPC_ERR_MSG_MALFORMED, 0);
    tss_fx_tamper ver = {.kind = TSS_FX_FLIP, .from = 2, .to = UINT32_MAX, .round = 1, .off = 0};
    dkg_expect_failure(&ver, MPC_ERR_MSG_MALFORMED, 2);
}

/* Direct state-machine use: params validation, misuse, wrong delivery kind. */
static void
test_dkg_create_rejects_bad_params(void **state)
{
    (void)state;
    const uint8_t sid[TSS_SID_LEN] = {1};
    const char *ids[3] = {"a", "b", "c"};
    const char *dup[3] = {"a", "b", "a"};
    const char *empty[3] = {"a", "", "c"};
    tss_params p = {.sid = sid, .self = 0, .n_parties = 3, .party_ids = ids, .threshold = 2};
    tss_base *s = (tss_base *)&p;
    assert_int_equal(tss_dkg_create(NULL, &p), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkg_create(&s, NULL), MPC_ERR_INVALID_ARG);
    assert_null(s);
    p.threshold = 0;
    assert_int_equal(tss_dkg_create(&s, &p), MPC_ERR_BAD_THRESHOLD);
    p.threshold = 4;
    assert_int_equal(tss_dkg_create(&s, &p), MPC_ERR_BAD_THRESHOLD);
    p.threshold = 2;
    p.party_ids = dup;
    assert_int_equal(tss_dkg_create(&s, &p), MPC_ERR_BAD_IDENTIFIER);
    p.party_ids = empty;
    assert_int_equal(tss_dkg_create(&s, &p), MPC_ERR_BAD_IDENTIFIER);
    p.party_ids = ids;
    p.self = 3;
    assert_int_equal(tss_dkg_create(&s, &p), MPC_ERR_INVALID_ARG);
    p.self = 0;
    p.n_parties = 1;
    p.threshold = 1;
    assert_int_equal(tss_dkg_create(&s, &p), MPC_ERR_INVALID_ARG);
    p.sid = NULL;
    p.n_parties = 3;
    assert_int_equal(tss_dkg_create(&s, &p), MPC_ERR_INVALID_ARG);
    assert_null(s);
}

static void
test_dkg_misuse_and_wrong_kind(void **state)
{
    (void)state;
    const uint8_t sid[TSS_SID_LEN] = {2};
    const char *ids[2] = {"a", "b"};
    tss_params pa = {.sid = sid, .self = 0, .n_parties = 2, .party_ids = ids, .threshold = 2};
    tss_params pb = pa;
    pb.self = 1;
    tss_base *a = NULL, *b = NULL;
    mpc_outbox oa, ob;
    uint8_t *res = NULL;
    size_t res_len = 0;
    mpc_outbox_init(&oa);
    mpc_outbox_init(&ob);
    assert_int_equal(tss_dkg_create(&a, &pa), MPC_OK);
    assert_int_equal(tss_dkg_create(&b, &pb), MPC_OK);
    assert_int_equal(tss_proto_current_round(a), 0);
    assert_int_equal(tss_proto_result(a, &res, &res_len), MPC_ERR_SESSION_STATE);
    assert_null(res);
    assert_int_equal(tss_proto_start(a, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_proto_start(a, &oa), MPC_OK);
    assert_int_equal(tss_proto_start(a, &oa), MPC_ERR_INVALID_ARG); /* only once */
    assert_int_equal(tss_proto_start(b, &ob), MPC_OK);
    assert_int_equal(oa.n, 1);
    assert_int_equal(oa.msgs[0].to, MPC_OUTBOX_ALL);
    assert_int_equal(tss_proto_current_round(a), 1);
    /* A message for another round is the caller's routing error: no failure. */
    assert_int_equal(tss_proto_handle(a, 1, 2, 1, ob.msgs[0].data, ob.msgs[0].len, &oa),
                     MPC_ERR_SESSION_STATE);
    /* Round 1 must arrive as a broadcast. */
    assert_int_equal(tss_proto_handle(a, 1, 1, 0, ob.msgs[0].data, ob.msgs[0].len, &oa),
                     MPC_ERR_MSG_KIND);
    assert_int_equal(tss_proto_culprit(a), 1);
    assert_int_equal(tss_proto_current_round(a), 0);
    assert_false(tss_proto_is_done(a));
    /* Sticky: later input gets the same error. */
    assert_int_equal(tss_proto_handle(a, 1, 1, 1, ob.msgs[0].data, ob.msgs[0].len, &oa),
                     MPC_ERR_MSG_KIND);
    /* b: own index as sender and out-of-range sender are rejected. */
    assert_int_equal(tss_proto_handle(b, 7, 1, 1, oa.msgs[0].data, oa.msgs[0].len, &ob),
                     MPC_ERR_MSG_MALFORMED);
    mpc_outbox_clear(&oa);
    mpc_outbox_clear(&ob);
    tss_proto_destroy(a);
    tss_proto_destroy(b);
    tss_proto_destroy(NULL);
    assert_int_equal(tss_proto_current_round(NULL), 0);
    assert_int_equal(tss_proto_culprit(NULL), TSS_NO_CULPRIT);
}

static void
test_dkg_adapter_table(void **state)
{
    (void)state;
    const tss_protocol *p = &tss_proto_frost_dkg;
    assert_string_equal(p->name, "frost-dkg");
    assert_non_null(p->create);
    tss_base *st = (tss_base *)1;
    assert_int_equal(p->create(&st, NULL), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    seed = mpc_test_seed("test_dkg");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkg_all_thresholds_then_sign_every_subset),
        cmocka_unit_test(test_dkg_tampered_commitment_is_bad_share),
        cmocka_unit_test(test_dkg_tampered_constant_commitment_is_bad_proof),
        cmocka_unit_test(test_dkg_bad_proof_of_knowledge),
        cmocka_unit_test(test_dkg_inconsistent_share),
        cmocka_unit_test(test_dkg_wrong_commitment_length),
        cmocka_unit_test(test_dkg_equivocating_broadcast),
        cmocka_unit_test(test_dkg_false_echo_never_frames_dealer),
        cmocka_unit_test(test_dkg_non_canonical_share),
        cmocka_unit_test(test_dkg_small_order_point),
        cmocka_unit_test(test_dkg_transcript_mismatch),
        cmocka_unit_test(test_dkg_malformed_messages),
        cmocka_unit_test(test_dkg_joint_chain_code),
        cmocka_unit_test(test_dkg_chain_reveal_must_open_commitment),
        cmocka_unit_test(test_dkg_create_rejects_bad_params),
        cmocka_unit_test(test_dkg_misuse_and_wrong_kind),
        cmocka_unit_test(test_dkg_adapter_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

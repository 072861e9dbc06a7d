/*
 * test_frost_sign.c — the coordinator-less FROST signing state machine:
 * success (verified with libsodium), input validation, and every failure
 * it must detect with its status and culprit. Signing under child keys
 * (docs/specs/hd-derivation.md §5): depth 1, 2 and 5 verify with libsodium
 * under the child key only (not the parent, not a sibling); signers with
 * different tweaks fail on the round-1 context (MPC_ERR_TRANSCRIPT); a
 * non-canonical tweak is refused at create.
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
#include "tss/hd.h"
#include "tss/keyshare.h"
#include "tss/reshare.h"

static uint64_t seed;
static tss_fx_key key23; /* 2-of-3 key held by nodes 0, 1, 2 */

static const uint8_t msg[] = "pay 1 coin to bob";

/* Layout: R1 = ver type D[32] E[32] context[32]; R2 = ver type z[32] echo[n * 32]. */
enum { R1_D = 2, R1_E = 34, R2_Z = 2, R2_ECHO = 34 };

static int
setup(void **state)
{
    (void)state;
    uint32_t nodes[3] = {0, 1, 2};
    tss_sim_result res;
    mpc_status st = tss_fx_dkg(&key23, nodes, 3, 2, seed++, NULL, NULL, &res);
    tss_sim_result_free(&res);
    return st == MPC_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    tss_fx_key_free(&key23);
    return 0;
}

static void
test_frost_sign_verifies_with_libsodium(void **state)
{
    (void)state;
    uint32_t signers[3] = {1, 2, 0};
    uint8_t sig[64], sig2[64];
    tss_sim_result res;
    assert_int_equal(
        tss_fx_sign(&key23, signers, 2, msg, sizeof msg, seed++, NULL, NULL, &res, sig), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(tss_fx_verify(sig, msg, sizeof msg, key23.group_key));
    assert_false(tss_fx_verify(sig, msg, sizeof msg - 1, key23.group_key));
    /* Fresh nonces: signing again gives a different, also valid signature. */
    assert_int_equal(
        tss_fx_sign(&key23, signers, 3, msg, sizeof msg, seed++, NULL, NULL, &res, sig2), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(tss_fx_verify(sig2, msg, sizeof msg, key23.group_key));
    assert_memory_not_equal(sig, sig2, 32);
    /* Empty message. */
    assert_int_equal(tss_fx_sign(&key23, signers, 2, NULL, 0, seed++, NULL, NULL, &res, sig),
                     MPC_OK);
    tss_sim_result_free(&res);
    assert_true(tss_fx_verify(sig, NULL, 0, key23.group_key));
}

static void
sign_expect_failure(tss_fx_tamper *rule, uint32_t n_signers, mpc_status want, uint32_t culprit)
{
    uint32_t signers[3] = {0, 1, 2};
    uint8_t sig[64];
    tss_sim_result res;
    mpc_status st = tss_fx_sign(&key23, signers, n_signers, msg, sizeof msg, seed++,
                                tss_fx_tamper_apply, rule, &res, sig);
    assert_int_not_equal(st, MPC_OK);
    assert_true(rule->hits > 0);
    assert_true(tss_fx_failed_with(&res, want, culprit));
    tss_sim_result_free(&res);
}

static void
test_frost_sign_bad_signature_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_BUMP, .from = 1, .to = UINT32_MAX, .round = 2, .off = R2_Z};
    sign_expect_failure(&rule, 3, MPC_ERR_BAD_SIG_SHARE, 1);
}

static void
test_frost_sign_equivocating_commitment(void **state)
{
    (void)state;
    tss_fx_tamper rule = {.kind = TSS_FX_POINT, .from = 0, .to = 2, .round = 1, .off = R1_E};
    uint32_t signers[3] = {0, 1, 2};
    uint8_t sig[64];
    tss_sim_result res;
    assert_int_not_equal(tss_fx_sign(&key23, signers, 3, msg, sizeof msg, seed++,
                                     tss_fx_tamper_apply, &rule, &res, sig),
                         MPC_OK);
    assert_true(rule.hits > 0);
    assert_true(tss_fx_never_framed(&res, MPC_ERR_EQUIVOCATION, 0));
    tss_sim_result_free(&res);
}

static void
test_frost_sign_false_echo_never_frames_signer(void **state)
{
    (void)state;
    /* Signer 0 corrupts signer 2's digest in its round-2 echo to signer 1. */
    tss_fx_tamper rule = {
        .kind = TSS_FX_FLIP, .from = 0, .to = 1, .round = 2, .off = R2_ECHO + 32 * 2};
    uint32_t signers[3] = {0, 1, 2};
    uint8_t sig[64];
    tss_sim_result res;
    assert_int_not_equal(tss_fx_sign(&key23, signers, 3, msg, sizeof msg, seed++,
                                     tss_fx_tamper_apply, &rule, &res, sig),
                         MPC_OK);
    assert_true(rule.hits > 0);
    assert_int_equal(res.parties[1].status, MPC_ERR_EQUIVOCATION);
    assert_int_equal(res.parties[1].culprit, TSS_NO_CULPRIT);
    assert_int_equal(res.parties[1].dispute[0], 0);
    assert_int_equal(res.parties[1].dispute[1], 2);
    tss_sim_result_free(&res);
}

static void
test_frost_sign_consistent_bad_commitment_is_bad_share(void **state)
{
    (void)state;
    /* A signer that commits to D but signs with another nonce: its share fails. */
    tss_fx_tamper rule = {.kind = TSS_FX_POINT,
                          .from = 2,
                          .to = UINT32_MAX,
                          .round = 1,
                          .off = R1_D,
                          .echo_off = R2_ECHO};
    sign_expect_failure(&rule, 3, MPC_ERR_BAD_SIG_SHARE, 2);
}

static void
test_frost_sign_non_canonical_share(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_NONCANON, .from = 1, .to = UINT32_MAX, .round = 2, .off = R2_Z};
    sign_expect_failure(&rule, 2, MPC_ERR_BAD_SCALAR, 1);
}

static void
test_frost_sign_small_order_commitment(void **state)
{
    (void)state;
    tss_fx_tamper rule = {
        .kind = TSS_FX_SMALL_ORDER, .from = 0, .to = UINT32_MAX, .round = 1, .off = R1_D};
    sign_expect_failure(&rule, 2, MPC_ERR_BAD_POINT, 0);
}

static void
test_frost_sign_malformed(void **state)
{
    (void)state;
    tss_fx_tamper r1 = {.kind = TSS_FX_TRUNCATE, .from = 1, .to = UINT32_MAX, .round = 1};
    sign_expect_failure(&r1, 2, MPC_ERR_MSG_MALFORMED, 1);
    tss_fx_tamper r2 = {.kind = TSS_FX_TRUNCATE, .from = 0, .to = UINT32_MAX, .round = 2};
    sign_expect_failure(&r2, 2, MPC_ERR_MSG_MALFORMED, 0);
    tss_fx_tamper type = {.kind = TSS_FX_FLIP, .from = 0, .to = UINT32_MAX, .round = 1, .off = 1};
    sign_expect_failure(&type, 2, MPC_ERR_MSG_MALFORMED, 0);
}

/* Builds sign params for party `self` of signers (node numbers) with the given record. */
static mpc_status
create_one(tss_base **s, const uint32_t *signers, uint32_t n, uint32_t self, const uint8_t *rec,
           size_t rec_len)
{
    static const uint8_t sid[TSS_SID_LEN] = {9};
    const char *ids[4];
    uint8_t *in = NULL;
    size_t in_len = 0;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = tss_fx_node(signers[i]);
    }
    mpc_status st = tss_sign_input_encode(&in, &in_len, rec, rec_len, msg, sizeof msg);
    if (st != MPC_OK) {
        return st;
    }
    tss_params p = {.sid = sid,
                    .self = self,
                    .n_parties = n,
                    .party_ids = ids,
                    .input = in,
                    .input_len = in_len};
    st = tss_frost_sign_create(s, &p);
    mpc_secure_free(in);
    return st;
}

static void
test_frost_sign_create_validates_signers(void **state)
{
    (void)state;
    tss_base *s = NULL;
    uint32_t one[2] = {0, 0};
    uint32_t stranger[2] = {0, 7};
    uint32_t ok[2] = {0, 1};
    /* Duplicate node in the session. */
    assert_int_equal(create_one(&s, one, 2, 0, key23.rec[0], key23.len[0]), MPC_ERR_BAD_IDENTIFIER);
    /* A party that is not a key member. */
    assert_int_equal(create_one(&s, stranger, 2, 0, key23.rec[0], key23.len[0]),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* Own record must be the own party's. */
    assert_int_equal(create_one(&s, ok, 2, 0, key23.rec[1], key23.len[1]), MPC_ERR_INVALID_ARG);
    /* Truncated record. */
    assert_int_equal(create_one(&s, ok, 2, 0, key23.rec[0], key23.len[0] - 1),
                     MPC_ERR_MSG_MALFORMED);
    assert_null(s);
    assert_int_equal(create_one(&s, ok, 2, 0, key23.rec[0], key23.len[0]), MPC_OK);
    tss_proto_destroy(s);
}

static void
test_frost_sign_too_few_signers(void **state)
{
    (void)state;
    tss_fx_key key33;
    tss_sim_result res;
    uint32_t nodes[3] = {0, 1, 2};
    assert_int_equal(tss_fx_dkg(&key33, nodes, 3, 3, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    tss_base *s = NULL;
    assert_int_equal(create_one(&s, nodes, 2, 0, key33.rec[0], key33.len[0]),
                     MPC_ERR_BAD_THRESHOLD);
    assert_null(s);
    tss_fx_key_free(&key33);
}

/* Rewrites member identifiers of a record (decode, change, encode without re-validation). */
static void
test_frost_sign_rejects_zero_or_duplicate_identifier(void **state)
{
    (void)state;
    tss_keyshare *ks = NULL;
    uint8_t *rec = NULL;
    size_t rec_len = 0;
    uint32_t ok[2] = {0, 1};
    tss_base *s = NULL;
    assert_int_equal(tss_keyshare_decode(&ks, key23.rec[0], key23.len[0]), MPC_OK);
    ks->members[1].id = ks->members[0].id;
    assert_int_equal(tss_keyshare_encode(ks, 0, &rec, &rec_len), MPC_OK);
    assert_int_equal(create_one(&s, ok, 2, 0, rec, rec_len), MPC_ERR_BAD_IDENTIFIER);
    mpc_secure_free(rec);
    ks->members[1].id = 0;
    assert_int_equal(tss_keyshare_encode(ks, 0, &rec, &rec_len), MPC_OK);
    assert_int_equal(create_one(&s, ok, 2, 0, rec, rec_len), MPC_ERR_BAD_IDENTIFIER);
    mpc_secure_free(rec);
    assert_null(s);
    tss_keyshare_destroy(ks);
}

static void
test_frost_sign_different_message_is_transcript_error(void **state)
{
    (void)state;
    static const uint8_t sid[TSS_SID_LEN] = {4};
    const char *ids[2] = {"node-0", "node-1"};
    const uint8_t other[] = "pay 9 coins to eve";
    tss_params p[2];
    uint8_t *in[2] = {0};
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(tss_sign_input_encode(&in[i], &p[i].input_len, key23.rec[i], key23.len[i],
                                               i ? other : msg, i ? sizeof other : sizeof msg),
                         MPC_OK);
        p[i] = (tss_params){.sid = sid,
                            .self = i,
                            .n_parties = 2,
                            .party_ids = ids,
                            .input = in[i],
                            .input_len = p[i].input_len};
    }
    tss_sim_result res;
    assert_int_equal(tss_sim_run(&tss_proto_frost_sign, p, 2, seed++, NULL, NULL, &res),
                     MPC_ERR_TRANSCRIPT);
    assert_true(tss_fx_failed_with(&res, MPC_ERR_TRANSCRIPT, TSS_NO_CULPRIT));
    assert_int_equal(res.parties[0].status, MPC_ERR_TRANSCRIPT);
    assert_int_equal(res.parties[1].status, MPC_ERR_TRANSCRIPT);
    tss_sim_result_free(&res);
    mpc_secure_free(in[0]);
    mpc_secure_free(in[1]);
}

static void
test_frost_sign_misuse(void **state)
{
    (void)state;
    uint32_t ok[2] = {0, 1};
    tss_base *s = NULL;
    mpc_outbox ob;
    uint8_t *out = NULL;
    size_t out_len = 0;
    mpc_outbox_init(&ob);
    assert_int_equal(tss_frost_sign_create(NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(create_one(&s, ok, 2, 0, key23.rec[0], key23.len[0]), MPC_OK);
    assert_int_equal(tss_proto_result(s, &out, &out_len), MPC_ERR_SESSION_STATE);
    assert_int_equal(tss_proto_start(s, &ob), MPC_OK);
    assert_int_equal(tss_proto_start(s, &ob), MPC_ERR_INVALID_ARG); /* nonces used once */
    assert_int_equal(tss_proto_current_round(s), 1);
    /* Round 1 must be a broadcast. */
    assert_int_equal(tss_proto_handle(s, 1, 1, 0, ob.msgs[0].data, ob.msgs[0].len, &ob),
                     MPC_ERR_MSG_KIND);
    assert_int_equal(tss_proto_culprit(s), 1);
    assert_false(tss_proto_is_done(s));
    mpc_outbox_clear(&ob);
    tss_proto_destroy(s);
    tss_proto_destroy(NULL);
    assert_int_equal(tss_sign_input_encode(&out, &out_len, NULL, 0, msg, 1), MPC_ERR_INVALID_ARG);
    assert_null(out);
}

static void
test_frost_sign_adapter_table(void **state)
{
    (void)state;
    const tss_protocol *p = &tss_proto_frost_sign;
    assert_string_equal(p->name, "frost-sign");
    assert_non_null(p->handle);
    assert_int_equal(tss_proto_current_round(NULL), 0);
    assert_int_equal(tss_proto_is_done(NULL), 0);
}

/* Child of key23 (fixed chain code) at path. */
static void
frost_child(const char *path, tss_hd_xkey *child, uint8_t tweak[32])
{
    uint8_t chain[TSS_HD_CHAIN_BYTES];
    tss_hd_xkey root;
    tss_hd_path p;
    memset(chain, 0xa7, sizeof(chain));
    assert_int_equal(tss_hd_root(&root, TSS_CURVE_ED25519, key23.group_key, 32, chain), MPC_OK);
    assert_int_equal(tss_hd_path_parse(&p, path), MPC_OK);
    assert_int_equal(tss_hd_derive(child, tweak, &root, &p), MPC_OK);
}

static void
test_frost_sign_child_keys_verify(void **state)
{
    (void)state;
    static const char *const paths[3] = {"m/0", "m/0/5", "m/1/2/3/4/5"};
    static const char *const siblings[3] = {"m/1", "m/0/4", "m/1/2/3/4/6"};
    static const uint32_t sets[3][3] = {{0, 1}, {2, 1}, {1, 2, 0}};
    static const uint32_t set_n[3] = {2, 2, 3};
    for (int k = 0; k < 3; k++) {
        tss_hd_xkey child, sib;
        uint8_t tweak[32], sib_tweak[32], sig[64];
        frost_child(paths[k], &child, tweak);
        frost_child(siblings[k], &sib, sib_tweak);
        const uint8_t *tw[3] = {tweak, tweak, tweak};
        tss_sim_result res;
        mpc_status st = tss_fx_sign_hd(&key23, sets[k], set_n[k], msg, sizeof msg, tw, seed++, NULL,
                                       NULL, &res, sig);
        tss_sim_result_free(&res);
        assert_int_equal(st, MPC_OK);
        assert_true(tss_fx_verify(sig, msg, sizeof msg, child.key));
        assert_false(tss_fx_verify(sig, msg, sizeof msg, key23.group_key));
        assert_false(tss_fx_verify(sig, msg, sizeof msg, sib.key));
    }
}

static void
test_frost_sign_child_tweak_disagreement(void **state)
{
    (void)state;
    tss_hd_xkey a, b;
    uint8_t ta[32], tb[32], sig[64];
    frost_child("m/0/5", &a, ta);
    frost_child("m/0/6", &b, tb);
    uint32_t set[2] = {0, 1};
    const uint8_t *other_path[2] = {ta, tb};
    const uint8_t *one_untweaked[2] = {ta, NULL};
    tss_sim_result res;
    assert_int_equal(
        tss_fx_sign_hd(&key23, set, 2, msg, sizeof msg, other_path, seed++, NULL, NULL, &res, sig),
        MPC_ERR_TRANSCRIPT);
    assert_true(tss_fx_failed_with(&res, MPC_ERR_TRANSCRIPT, TSS_NO_CULPRIT));
    tss_sim_result_free(&res);
    assert_int_equal(tss_fx_sign_hd(&key23, set, 2, msg, sizeof msg, one_untweaked, seed++, NULL,
                                    NULL, &res, sig),
                     MPC_ERR_TRANSCRIPT);
    tss_sim_result_free(&res);
    /* Non-canonical tweak (>= L): refused at create; a cut version-2 input is malformed. */
    static const uint8_t sid[TSS_SID_LEN] = {5};
    const char *ids[2] = {"node-0", "node-1"};
    uint8_t bad[32], *in = NULL;
    size_t len = 0;
    memset(bad, 0xff, sizeof(bad));
    assert_int_equal(
        tss_sign_input_encode_hd(&in, &len, key23.rec[0], key23.len[0], msg, sizeof msg, bad),
        MPC_OK);
    tss_base *s = NULL;
    tss_params p = {
        .sid = sid, .self = 0, .n_parties = 2, .party_ids = ids, .input = in, .input_len = len};
    assert_int_equal(tss_frost_sign_create(&s, &p), MPC_ERR_BAD_SCALAR);
    assert_null(s);
    p.input_len = len - 1;
    assert_int_equal(tss_frost_sign_create(&s, &p), MPC_ERR_MSG_MALFORMED);
    mpc_secure_free(in);
}

int
main(void)
{
    seed = mpc_test_seed("test_frost_sign");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frost_sign_verifies_with_libsodium),
        cmocka_unit_test(test_frost_sign_bad_signature_share),
        cmocka_unit_test(test_frost_sign_equivocating_commitment),
        cmocka_unit_test(test_frost_sign_false_echo_never_frames_signer),
        cmocka_unit_test(test_frost_sign_consistent_bad_commitment_is_bad_share),
        cmocka_unit_test(test_frost_sign_non_canonical_share),
        cmocka_unit_test(test_frost_sign_small_order_commitment),
        cmocka_unit_test(test_frost_sign_malformed),
        cmocka_unit_test(test_frost_sign_create_validates_signers),
        cmocka_unit_test(test_frost_sign_too_few_signers),
        cmocka_unit_test(test_frost_sign_rejects_zero_or_duplicate_identifier),
        cmocka_unit_test(test_frost_sign_different_message_is_transcript_error),
        cmocka_unit_test(test_frost_sign_misuse),
        cmocka_unit_test(test_frost_sign_adapter_table),
        cmocka_unit_test(test_frost_sign_child_keys_verify),
        cmocka_unit_test(test_frost_sign_child_tweak_disagreement),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

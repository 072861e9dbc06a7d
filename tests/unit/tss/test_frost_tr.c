/*
 * test_frost_tr.c — Taproot keys: FROST(secp256k1, SHA-256) with BIP340
 * (tss/frost_tr.c, the frost-tr-* protocols). Every signature is checked with
 * libsecp256k1 (secp256k1_schnorrsig_verify) and every output key is
 * recomputed with libsecp256k1's own BIP341 tweak (secp256k1_tagged_sha256,
 * secp256k1_xonly_pubkey_tweak_add): implementations independent of tss/.
 * Covers 2-of-3, 3-of-5 and a reshare, with and without a tweak, keys of
 * both Y parities, the RFC 9591 nonce vector of the plain suite, a bad
 * signature share (culprit named) and the input errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "common/hex.h"
#include "common/secmem.h"
#include "tests/support/tss_fixture.h"
#include "tss/dkg.h"
#include "tss/frost.h"
#include "tss/frost_sign.h"
#include "tss/frost_tr.h"
#include "tss/keytype.h"

static uint64_t seed;
static secp256k1_context *lib; /* verification only */

static const uint8_t msg32[32] = "taproot sighash of 32 bytes ...";
static const uint8_t root[32] = {0xa1, 0xb2, 0xc3, 0xd4, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                                 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
                                 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};

/* R2 layout: ver type z[32] echo[n * 32]; the low byte of z is at 2 + 31. */
enum { R2_Z_LOW = 2 + 31 };

static int
setup(void **state)
{
    (void)state;
    lib = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return lib != NULL && tss_group_selftest() == MPC_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    secp256k1_context_destroy(lib);
    return 0;
}

/*
 * The x-only key a signature with mode must verify under, computed by
 * libsecp256k1 from the 33-byte group key (BIP341 taproot_tweak_pubkey).
 */
static void
expected_output_key(const uint8_t group_key[33], int mode, uint8_t out[32], uint8_t internal[32])
{
    secp256k1_pubkey pk, q;
    secp256k1_xonly_pubkey xp, xq;
    uint8_t buf[64], tweak[32];
    int parity = 0;
    assert_true(secp256k1_ec_pubkey_parse(lib, &pk, group_key, 33));
    assert_true(secp256k1_xonly_pubkey_from_pubkey(lib, &xp, &parity, &pk));
    assert_true(secp256k1_xonly_pubkey_serialize(lib, internal, &xp));
    if (mode == TSS_FROST_TWEAK_NONE) {
        memcpy(out, internal, 32);
        return;
    }
    memcpy(buf, internal, 32);
    memcpy(buf + 32, root, 32);
    size_t n = mode == TSS_FROST_TWEAK_ROOT ? 64 : 32;
    assert_true(secp256k1_tagged_sha256(lib, tweak, (const uint8_t *)"TapTweak", 8, buf, n));
    assert_true(secp256k1_xonly_pubkey_tweak_add(lib, &q, &xp, tweak));
    assert_true(secp256k1_xonly_pubkey_from_pubkey(lib, &xq, &parity, &q));
    assert_true(secp256k1_xonly_pubkey_serialize(lib, out, &xq));
    assert_true(secp256k1_xonly_pubkey_tweak_add_check(lib, out, parity, &xp, tweak));
}

/* Returns 1 if sig verifies for m under the x-only key x with libsecp256k1. */
static int
lib_verify(const uint8_t sig[64], const uint8_t *m, size_t len, const uint8_t x[32])
{
    secp256k1_xonly_pubkey xk;
    return secp256k1_xonly_pubkey_parse(lib, &xk, x) &&
           secp256k1_schnorrsig_verify(lib, sig, m, len, &xk);
}

/* Signs msg32 with signers in each tweak mode; checks keys and signatures with libsecp256k1. */
static void
sign_all_modes(const tss_fx_key *key, const uint32_t *signers, uint32_t n)
{
    for (int mode = TSS_FROST_TWEAK_NONE; mode <= TSS_FROST_TWEAK_ROOT; mode++) {
        uint8_t out[TSS_TR_SIGN_RESULT_BYTES], want_q[32], want_p[32];
        tss_sim_result res;
        assert_int_equal(tss_fx_tr_sign(key, signers, n, msg32, sizeof msg32, mode, root, seed++,
                                        NULL, NULL, &res, out),
                         MPC_OK);
        tss_sim_result_free(&res);
        expected_output_key(key->group_key, mode, want_q, want_p);
        assert_memory_equal(out + 64, want_q, 32);
        assert_memory_equal(out + 96, want_p, 32);
        assert_true(lib_verify(out, msg32, sizeof msg32, want_q));
        assert_false(lib_verify(out, msg32, sizeof msg32 - 1, want_q));
        if (mode != TSS_FROST_TWEAK_NONE) { /* a tweaked signature is not one under P */
            assert_false(lib_verify(out, msg32, sizeof msg32, want_p));
        }
        uint8_t q2[32], p2[32];
        tss_point y;
        tss_frost_tweak tw = {.mode = (tss_frost_tweak_mode)mode};
        memcpy(tw.root, root, 32);
        assert_int_equal(tss_group_secp256k1()->point_decode(&y, key->group_key), MPC_OK);
        assert_int_equal(tss_frost_tr_output_key(&y, &tw, q2, p2), MPC_OK);
        assert_memory_equal(q2, want_q, 32);
        assert_memory_equal(p2, want_p, 32);
    }
}

static void
test_frost_tr_sign_2of3_both_parities(void **state)
{
    (void)state;
    uint32_t nodes[3] = {0, 1, 2}, signers[2] = {2, 0};
    int seen[2] = {0, 0};
    /* Keys of odd and of even Y (bounded: 2^-24 to miss one in 24 keys). */
    for (int i = 0; i < 24 && !(seen[0] && seen[1]); i++) {
        tss_fx_key key;
        tss_sim_result res;
        assert_int_equal(tss_fx_tr_dkg(&key, nodes, 3, 2, seed++, NULL, NULL, &res), MPC_OK);
        tss_sim_result_free(&res);
        assert_true(key.group_key[0] == 0x02 || key.group_key[0] == 0x03);
        int odd = key.group_key[0] == 0x03;
        if (!seen[odd]) {
            seen[odd] = 1;
            sign_all_modes(&key, signers, 2);
        }
        tss_fx_key_free(&key);
    }
    assert_true(seen[0] && seen[1]);
}

static void
test_frost_tr_sign_3of5_and_after_reshare(void **state)
{
    (void)state;
    uint32_t nodes[5] = {0, 1, 2, 3, 4}, s3[3] = {4, 1, 3}, s5[5] = {0, 1, 2, 3, 4};
    tss_fx_key key, next;
    tss_sim_result res;
    assert_int_equal(tss_fx_tr_dkg(&key, nodes, 5, 3, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    sign_all_modes(&key, s3, 3);
    sign_all_modes(&key, s5, 5);
    /* Reshare 3-of-5 -> 2-of-3 on nodes 3, 5, 6 (two new members); same group key. */
    uint32_t old_parties[3] = {0, 2, 3}, new_nodes[3] = {3, 5, 6}, s2[2] = {6, 5};
    assert_int_equal(
        tss_fx_reshare(&key, old_parties, 3, new_nodes, 3, 2, seed++, NULL, NULL, &res, &next),
        MPC_OK);
    tss_sim_result_free(&res);
    assert_true(next.tr);
    assert_memory_equal(next.group_key, key.group_key, 33);
    assert_null(next.rec[0]);
    sign_all_modes(&next, s2, 2);
    tss_fx_key_free(&key);
    tss_fx_key_free(&next);
}

static void
test_frost_tr_bad_signature_share_names_culprit(void **state)
{
    (void)state;
    uint32_t nodes[3] = {0, 1, 2}, signers[3] = {0, 1, 2};
    tss_fx_key key;
    tss_sim_result res;
    uint8_t out[TSS_TR_SIGN_RESULT_BYTES];
    assert_int_equal(tss_fx_tr_dkg(&key, nodes, 3, 2, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    for (int mode = TSS_FROST_TWEAK_NONE; mode <= TSS_FROST_TWEAK_ROOT; mode++) {
        tss_fx_tamper rule = {
            .kind = TSS_FX_BUMP, .from = 1, .to = UINT32_MAX, .round = 2, .off = R2_Z_LOW};
        assert_int_not_equal(tss_fx_tr_sign(&key, signers, 3, msg32, sizeof msg32, mode, root,
                                            seed++, tss_fx_tamper_apply, &rule, &res, out),
                             MPC_OK);
        assert_true(rule.hits > 0);
        assert_true(tss_fx_failed_with(&res, MPC_ERR_BAD_SIG_SHARE, 1));
        tss_sim_result_free(&res);
    }
    tss_fx_key_free(&key);
}

static void
test_frost_tr_signers_disagree_on_tweak(void **state)
{
    (void)state;
    /* One signer asked for another tweak: round 1 context mismatch, no nonce used. */
    uint32_t nodes[3] = {0, 1, 2};
    tss_fx_key key;
    tss_sim_result res;
    assert_int_equal(tss_fx_tr_dkg(&key, nodes, 3, 2, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    tss_params p[2];
    const char *ids[2] = {tss_fx_node(0), tss_fx_node(1)};
    uint8_t *in[2] = {0}, sid[TSS_SID_LEN] = "tr-sid";
    tss_frost_tweak tw[2] = {{.mode = TSS_FROST_TWEAK_KEYPATH}, {.mode = TSS_FROST_TWEAK_ROOT}};
    for (uint32_t i = 0; i < 2; i++) {
        p[i] = (tss_params){.sid = sid, .self = i, .n_parties = 2, .party_ids = ids};
        assert_int_equal(tss_tr_sign_input_encode(&in[i], &p[i].input_len, key.rec[i], key.len[i],
                                                  msg32, 32, &tw[i]),
                         MPC_OK);
        p[i].input = in[i];
    }
    assert_int_not_equal(tss_sim_run(&tss_proto_frost_tr_sign, p, 2, seed++, NULL, NULL, &res),
                         MPC_OK);
    assert_int_equal(res.parties[0].status, MPC_ERR_TRANSCRIPT);
    tss_sim_result_free(&res);
    mpc_secure_free(in[0]);
    mpc_secure_free(in[1]);
    tss_fx_key_free(&key);
}

static void
test_frost_tr_input_errors(void **state)
{
    (void)state;
    uint8_t rec[4] = {1, 2, 3, 4}, *out = (uint8_t *)1;
    size_t len = 9;
    tss_frost_tweak bad = {.mode = (tss_frost_tweak_mode)7};
    assert_int_equal(tss_tr_sign_input_encode(&out, &len, rec, 4, msg32, 32, &bad),
                     MPC_ERR_TR_INPUT);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(tss_tr_sign_input_encode(&out, &len, rec, 4, msg32, 32, NULL),
                     MPC_ERR_INVALID_ARG);
    /* An unknown mode in a received input is refused at create. */
    tss_frost_tweak ok = {.mode = TSS_FROST_TWEAK_NONE};
    assert_int_equal(tss_tr_sign_input_encode(&out, &len, rec, 4, msg32, 32, &ok), MPC_OK);
    out[1] = 9;
    const char *ids[2] = {"a", "b"};
    uint8_t sid[TSS_SID_LEN] = "tr-sid";
    tss_params p = {.sid = sid, .n_parties = 2, .party_ids = ids, .input = out, .input_len = len};
    tss_base *s = NULL;
    assert_int_equal(tss_frost_tr_sign_create(&s, &p), MPC_ERR_TR_INPUT);
    assert_null(s);
    out[0] = TSS_SIGN_INPUT_VERSION; /* an Ed25519 input given to frost-tr-sign */
    assert_int_equal(tss_frost_tr_sign_create(&s, &p), MPC_ERR_MSG_MALFORMED);
    mpc_secure_free(out);
    /* The key derivation refuses an unknown mode and a non-secp256k1 context. */
    tss_point y;
    tss_scalar k;
    const tss_group *g = tss_group_secp256k1();
    assert_int_equal(g->scalar_random(&k), MPC_OK);
    assert_int_equal(g->point_mul_base(&y, &k), MPC_OK);
    assert_int_equal(tss_frost_tr_output_key(&y, &bad, NULL, NULL), MPC_ERR_TR_INPUT);
    assert_int_equal(tss_frost_tr_output_key(NULL, &ok, NULL, NULL), MPC_ERR_INVALID_ARG);
    tss_frost_ctx ctx = {.g = tss_group_ed25519()};
    assert_int_equal(tss_frost_tr_key(&ctx, &ok), MPC_ERR_INVALID_ARG);
}

static void
test_frost_tr_plain_suite_nonce_vector(void **state)
{
    (void)state;
    /* RFC 9591 Appendix E.5 (FROST(secp256k1, SHA-256)), participant 1: H3 = hash_to_field. */
    const tss_group *g = tss_group_secp256k1();
    uint8_t sk[32], rnd[32], want[32];
    tss_scalar s, nonce;
    assert_int_equal(
        mpc_hex_decode_exact(sk, 32,
                             "08f89ffe80ac94dcb920c26f3f46140bfc7f95b493f8310f5fc1ea2b01f4254c"),
        MPC_OK);
    assert_int_equal(
        mpc_hex_decode_exact(rnd, 32,
                             "7ea5ed09af19f6ff21040c07ec2d2adbd35b759da5a401d4c99dd26b82391cb2"),
        MPC_OK);
    assert_int_equal(
        mpc_hex_decode_exact(want, 32,
                             "841d3a6450d7580b4da83c8e618414d0f024391f2aeb511d7579224420aa81f0"),
        MPC_OK);
    assert_int_equal(g->scalar_decode(&s, sk), MPC_OK);
    assert_int_equal(tss_frost_nonce_generate(&tss_frost_secp256k1, &nonce, rnd, &s), MPC_OK);
    assert_memory_equal(nonce.v, want, 32);
    /* The Taproot suite has its own context string: another nonce from the same inputs. */
    assert_int_equal(tss_frost_nonce_generate(&tss_frost_secp256k1_tr, &nonce, rnd, &s), MPC_OK);
    assert_memory_not_equal(nonce.v, want, 32);
}

static void
test_frost_tr_keytype_table(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_secp256k1_tr;
    uint8_t res[TSS_TR_SIGN_RESULT_BYTES], sig[64], q[32], p[32], recid = 7;
    for (size_t i = 0; i < sizeof res; i++) {
        res[i] = (uint8_t)i;
    }
    assert_string_equal(kt->name, "secp256k1-tr");
    assert_ptr_equal(kt->keygen, &tss_proto_frost_tr_dkg);
    assert_ptr_equal(kt->sign, &tss_proto_frost_tr_sign);
    assert_null(kt->record_quarantine);
    assert_int_equal(kt->sign_result(res, sizeof res, sig, &recid), MPC_OK);
    assert_memory_equal(sig, res, 64);
    assert_int_equal(recid, 0);
    assert_int_equal(kt->sign_result(res, 64, sig, &recid), MPC_ERR_INTERNAL);
    assert_int_equal(kt->sign_result_xonly(res, sizeof res, q, p), MPC_OK);
    assert_memory_equal(q, res + 64, 32);
    assert_memory_equal(p, res + 96, 32);
    assert_int_equal(kt->sign_result_xonly(res, 127, q, p), MPC_ERR_INTERNAL);
    assert_null(tss_keytype_ed25519.sign_input_tweak);
    /* Round bounds fit 33-byte points. */
    assert_int_equal(tss_proto_max_msg_len(kt->sign, 3, 1, 1), TSS_MSG_HEADER_BYTES + 66 + 32);
    assert_int_equal(tss_proto_max_msg_len(kt->keygen, 3, 1, 1), /* + the chain-code commitment */
                     TSS_MSG_HEADER_BYTES + 2 + 3 * 33 + 33 + 32 + TSS_DIGEST_BYTES);
}

int
main(void)
{
    seed = mpc_test_seed("test_frost_tr");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frost_tr_sign_2of3_both_parities),
        cmocka_unit_test(test_frost_tr_sign_3of5_and_after_reshare),
        cmocka_unit_test(test_frost_tr_bad_signature_share_names_culprit),
        cmocka_unit_test(test_frost_tr_signers_disagree_on_tweak),
        cmocka_unit_test(test_frost_tr_input_errors),
        cmocka_unit_test(test_frost_tr_plain_suite_nonce_vector),
        cmocka_unit_test(test_frost_tr_keytype_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_keytype.c — the key-type table (tss/keytype.h), row by row: each
 * row's protocol tables (complete, argument handling through tss_proto_*,
 * create errors passed through), its codecs (keygen and signing inputs,
 * signing result, record -> key share, public-only record, quarantine), and
 * keygen -> sign -> reshare -> sign driven only through the tables (the
 * fixtures use nothing else), each signature verified.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/tss_fixture.h"
#include "tss/dkg.h"
#include "tss/dkls_keygen.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_signing.h"
#include "tss/frost.h"
#include "tss/frost_sign.h"
#include "tss/group.h"
#include "tss/keytype.h"
#include "tss/reshare.h"

static uint64_t seed;

static void
check_table(const tss_protocol *p, const char *name)
{
    assert_string_equal(p->name, name);
    assert_non_null(p->create);
    assert_non_null(p->start);
    assert_non_null(p->handle);
    assert_non_null(p->result);
    assert_non_null(p->destroy);
    tss_base *state = (tss_base *)1;
    assert_int_equal(p->create(&state, NULL), MPC_ERR_INVALID_ARG);
    assert_null(state);
    assert_int_equal(p->create(NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_proto_current_round(NULL), 0);
    assert_int_equal(tss_proto_is_done(NULL), 0);
    assert_int_equal(tss_proto_culprit(NULL), TSS_NO_CULPRIT);
    assert_int_equal(tss_proto_start(NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_proto_handle(NULL, 0, 1, 1, NULL, 0, NULL), MPC_ERR_INVALID_ARG);
    uint8_t *out = (uint8_t *)p;
    size_t len = 1;
    assert_int_equal(tss_proto_result(NULL, &out, &len), MPC_ERR_INVALID_ARG);
    assert_null(out);
    assert_int_equal(len, 0);
    tss_proto_destroy(NULL);
}

static void
test_keytype_ed25519_tables_complete(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_ed25519;
    assert_string_equal(kt->name, "ed25519");
    assert_ptr_equal(kt->keygen, &tss_proto_frost_dkg);
    assert_ptr_equal(kt->sign, &tss_proto_frost_sign);
    assert_ptr_equal(kt->reshare, &tss_proto_frost_reshare);
    assert_null(kt->keygen_input);      /* the DKG input is empty */
    assert_null(kt->record_quarantine); /* FROST has no pairwise setups */
    check_table(kt->keygen, "frost-dkg");
    check_table(kt->sign, "frost-sign");
    check_table(kt->reshare, "frost-reshare");
}

static void
test_keytype_ed25519_sign_result(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_ed25519;
    uint8_t res[TSS_FROST_SIG_BYTES + 1], sig[TSS_KEYTYPE_SIG_BYTES], recid = 9;
    for (size_t i = 0; i < sizeof res; i++) {
        res[i] = (uint8_t)i;
    }
    assert_int_equal(kt->sign_result(res, TSS_FROST_SIG_BYTES, sig, &recid), MPC_OK);
    assert_memory_equal(sig, res, TSS_KEYTYPE_SIG_BYTES);
    assert_int_equal(recid, 0);
    assert_int_equal(kt->sign_result(res, sizeof res, sig, &recid), MPC_ERR_INTERNAL);
    assert_int_equal(kt->sign_result(res, TSS_FROST_SIG_BYTES - 1, sig, &recid), MPC_ERR_INTERNAL);
    assert_int_equal(kt->sign_result(NULL, TSS_FROST_SIG_BYTES, sig, &recid), MPC_ERR_INTERNAL);
}

/* Record codecs on a real key: the share decodes; the public form has no secret. */
static void
test_keytype_ed25519_record_codecs(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_ed25519;
    tss_fx_key k;
    tss_sim_result res;
    uint32_t c[3] = {0, 1, 2};
    assert_int_equal(tss_fx_dkg(&k, c, 3, 2, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    tss_keyshare *ks = NULL;
    assert_int_equal(kt->record_keyshare(k.rec[1], k.len[1], &ks), MPC_OK);
    assert_non_null(ks->secret);
    assert_int_equal(ks->self, 1);
    tss_keyshare_destroy(ks);
    uint8_t *pub = NULL;
    size_t pub_len = 0;
    assert_int_equal(kt->record_public(k.rec[1], k.len[1], &pub, &pub_len), MPC_OK);
    assert_int_equal(kt->record_keyshare(pub, pub_len, &ks), MPC_OK);
    assert_null(ks->secret);
    tss_keyshare_destroy(ks);
    mpc_secure_free(pub);
    k.rec[1][0] ^= 0xff; /* not a record any more */
    assert_int_not_equal(kt->record_keyshare(k.rec[1], k.len[1], &ks), MPC_OK);
    assert_int_not_equal(kt->record_public(k.rec[1], k.len[1], &pub, &pub_len), MPC_OK);
    tss_fx_key_free(&k);
}

static void
test_keytype_ed25519_create_errors_pass_through(void **state)
{
    (void)state;
    static const uint8_t sid[TSS_SID_LEN] = {3};
    const char *ids[2] = {"x", "x"};
    tss_params p = {.sid = sid, .self = 0, .n_parties = 2, .party_ids = ids, .threshold = 2};
    tss_base *st = NULL;
    assert_int_equal(tss_proto_frost_dkg.create(&st, &p), MPC_ERR_BAD_IDENTIFIER);
    assert_null(st);
    ids[1] = "y";
    p.threshold = 3;
    assert_int_equal(tss_proto_frost_dkg.create(&st, &p), MPC_ERR_BAD_THRESHOLD);
    assert_int_equal(tss_proto_frost_sign.create(&st, &p), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_proto_frost_reshare.create(&st, &p), MPC_ERR_MSG_MALFORMED);
    assert_null(st);
}

static void
test_keytype_ed25519_full_lifecycle(void **state)
{
    (void)state;
    tss_fx_key k1, k2;
    tss_sim_result res;
    uint8_t sig[64];
    const uint8_t m[] = "lifecycle";
    uint32_t c1[3] = {0, 1, 2}, s1[2] = {2, 1}, c2[3] = {2, 3, 4}, d[2] = {0, 1}, s2[2] = {3, 4};
    assert_int_equal(tss_fx_dkg(&k1, c1, 3, 2, seed++, NULL, NULL, &res), MPC_OK);
    assert_true(res.delivered > 0);
    tss_sim_result_free(&res);
    assert_int_equal(tss_fx_sign(&k1, s1, 2, m, sizeof m, seed++, NULL, NULL, &res, sig), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(tss_fx_verify(sig, m, sizeof m, k1.group_key));
    assert_int_equal(tss_fx_reshare(&k1, d, 2, c2, 3, 2, seed++, NULL, NULL, &res, &k2), MPC_OK);
    tss_sim_result_free(&res);
    assert_int_equal(tss_fx_sign(&k2, s2, 2, m, sizeof m, seed++, NULL, NULL, &res, sig), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(tss_fx_verify(sig, m, sizeof m, k1.group_key));
    tss_fx_key_free(&k1);
    tss_fx_key_free(&k2);
}

static void
test_keytype_secp256k1_tables_complete(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_secp256k1;
    assert_string_equal(kt->name, "secp256k1");
    assert_ptr_equal(kt->keygen, &tss_proto_dkls_keygen);
    assert_ptr_equal(kt->sign, &tss_proto_dkls_sign);
    assert_ptr_equal(kt->reshare, &tss_proto_dkls_reshare);
    assert_non_null(kt->record_quarantine);
    check_table(kt->keygen, "dkls-keygen");
    check_table(kt->sign, "dkls-sign");
    check_table(kt->reshare, "dkls-reshare");
}

static void
test_keytype_secp256k1_inputs(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_secp256k1;
    uint8_t *in = NULL, *ref = NULL;
    size_t len = 0, ref_len = 0;
    assert_int_equal(kt->keygen_input(&in, &len, "wallet-9"), MPC_OK);
    assert_int_equal(tss_dkls_keygen_input_encode(&ref, &ref_len, (const uint8_t *)"wallet-9", 8),
                     MPC_OK);
    assert_int_equal(len, ref_len);
    assert_memory_equal(in, ref, len);
    mpc_secure_free(in);
    free(ref);
    assert_int_equal(kt->keygen_input(&in, &len, ""), MPC_ERR_INVALID_ARG);
    assert_null(in);
    const char *signers[2] = {"a", "b"};
    uint8_t rec[4] = {1, 2, 3, 4}, msg[33] = {0};
    assert_int_equal(kt->sign_input(&in, &len, rec, sizeof rec, msg, 33, signers, 2, NULL),
                     MPC_ERR_REQ_INVALID); /* ECDSA signs a 32-byte digest */
    assert_int_equal(kt->sign_input(&in, &len, rec, sizeof rec, msg, 32, signers, 2, NULL), MPC_OK);
    mpc_secure_free(in);
}

static void
test_keytype_secp256k1_sign_result(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_secp256k1;
    uint8_t res[TSS_DKLS_SIGN_RESULT_BYTES], sig[TSS_KEYTYPE_SIG_BYTES], recid = 9;
    randombytes_buf(res, 64);
    res[64] = 2;
    memcpy(res + 65, res, 64);
    res[129] = 2;
    assert_int_equal(kt->sign_result(res, sizeof res, sig, &recid), MPC_OK);
    assert_memory_equal(sig, res, 64);
    assert_int_equal(recid, 2);
    assert_int_equal(kt->sign_result(res, sizeof res - 1, sig, &recid), MPC_ERR_INTERNAL);
    res[129] = 3; /* v disagrees with recid */
    assert_int_equal(kt->sign_result(res, sizeof res, sig, &recid), MPC_ERR_INTERNAL);
    res[129] = 2;
    res[70] ^= 1; /* compact copy disagrees */
    assert_int_equal(kt->sign_result(res, sizeof res, sig, &recid), MPC_ERR_INTERNAL);
    res[70] ^= 1;
    res[64] = res[129] = 4; /* recovery ids are 0..3 */
    assert_int_equal(kt->sign_result(res, sizeof res, sig, &recid), MPC_ERR_INTERNAL);
}

/* Record codecs on a real key: the share decodes; the public form has no secret. */
static void
test_keytype_secp256k1_record_codecs(void **state)
{
    (void)state;
    const tss_keytype *kt = &tss_keytype_secp256k1;
    dkls_fx_key k;
    tss_sim_result res;
    uint32_t c[2] = {0, 1};
    assert_int_equal(dkls_fx_keygen(&k, c, 2, 2, seed++, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    tss_keyshare *ks = NULL;
    assert_int_equal(kt->record_keyshare(k.rec[0], k.len[0], &ks), MPC_OK);
    assert_non_null(ks->secret);
    tss_keyshare_destroy(ks);
    uint8_t *pub = NULL, *q = NULL;
    size_t pub_len = 0, q_len = 0;
    assert_int_equal(kt->record_public(k.rec[0], k.len[0], &pub, &pub_len), MPC_OK);
    assert_int_equal(kt->record_keyshare(pub, pub_len, &ks), MPC_OK);
    assert_null(ks->secret);
    tss_keyshare_destroy(ks);
    mpc_secure_free(pub);
    assert_int_equal(kt->record_quarantine(k.rec[0], k.len[0], tss_fx_node(1), &q, &q_len), MPC_OK);
    assert_true(q_len > 0);
    mpc_secure_free(q);
    assert_int_not_equal(kt->record_keyshare(k.rec[0], 10, &ks), MPC_OK);
    assert_null(ks);
    dkls_fx_key_free(&k);
}

static void
test_keytype_secp256k1_create_errors_pass_through(void **state)
{
    (void)state;
    static const uint8_t sid[16] = {1};
    const char *ids[2] = {"a", "b"};
    uint8_t junk[3] = {9, 9, 9};
    tss_params p = {.sid = sid,
                    .self = 0,
                    .n_parties = 2,
                    .party_ids = ids,
                    .threshold = 2,
                    .input = junk,
                    .input_len = sizeof junk};
    tss_base *s = NULL;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_proto_dkls_sign.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_proto_dkls_reshare.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    assert_null(s);
    p.threshold = 3;
    uint8_t *in = NULL;
    size_t len = 0;
    assert_int_equal(tss_dkls_keygen_input_encode(&in, &len, (const uint8_t *)"w", 1), MPC_OK);
    p.input = in;
    p.input_len = len;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_ERR_BAD_THRESHOLD);
    p.threshold = 2;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_OK);
    assert_int_equal(tss_proto_current_round(s), 0);
    tss_proto_destroy(s);
    free(in);
}

static void
test_keytype_secp256k1_keygen_sign_reshare_sign(void **state)
{
    (void)state;
    dkls_fx_key k1, k2;
    tss_sim_result res;
    /* 2-of-3 {0,1,2} -> 2-of-3 {1,2,3}; under valgrind 2-of-2 {0,1} -> 2-of-2
     * {1,2}: the same steps (node 0 leaves, a new node joins), one OT pair each. */
    const uint32_t n = mpc_test_under_valgrind() ? 2 : 3;
    uint32_t c1[3] = {0, 1, 2}, c2[3] = {1, 2, 3}, s1[2] = {n - 1, 0}, s2[2] = {n, 1};
    uint8_t msg[32], out[130];
    assert_int_equal(dkls_fx_keygen(&k1, c1, n, 2, seed, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    randombytes_buf(msg, sizeof msg);
    /* signers in descending party order: the adapter sorts by committee id */
    assert_int_equal(dkls_fx_sign(&k1, s1, 2, msg, seed, NULL, NULL, &res, out), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(dkls_fx_verify(out, msg, k1.y));
    assert_int_equal(dkls_fx_reshare(&k1, c1, n, c2, n, 2, seed, NULL, NULL, &res, &k2), MPC_OK);
    tss_sim_result_free(&res);
    assert_memory_equal(k1.y, k2.y, 33);
    assert_null(k2.rec[0]);
    assert_int_equal(dkls_fx_sign(&k2, s2, 2, msg, seed, NULL, NULL, &res, out), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(dkls_fx_verify(out, msg, k2.y));
    dkls_fx_key_free(&k1);
    dkls_fx_key_free(&k2);
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_keytype");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keytype_ed25519_tables_complete),
        cmocka_unit_test(test_keytype_ed25519_sign_result),
        cmocka_unit_test(test_keytype_ed25519_record_codecs),
        cmocka_unit_test(test_keytype_ed25519_create_errors_pass_through),
        cmocka_unit_test(test_keytype_ed25519_full_lifecycle),
        cmocka_unit_test(test_keytype_secp256k1_tables_complete),
        cmocka_unit_test(test_keytype_secp256k1_inputs),
        cmocka_unit_test(test_keytype_secp256k1_sign_result),
        cmocka_unit_test(test_keytype_secp256k1_record_codecs),
        cmocka_unit_test(test_keytype_secp256k1_create_errors_pass_through),
        cmocka_unit_test(test_keytype_secp256k1_keygen_sign_reshare_sign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

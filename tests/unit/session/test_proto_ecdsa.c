/*
 * test_proto_ecdsa.c — the session_protocol tables of the DKLs23 protocols:
 * complete tables, argument handling through the adapters, create errors
 * passed through, and keygen -> sign -> reshare -> sign driven only through
 * the tables (dkls_fixture uses nothing else), each signature checked with
 * libsecp256k1.
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
#include "session/proto_ecdsa.h"
#include "tests/support/dkls_fixture.h"
#include "tss/dkls_keygen.h"
#include "tss/group.h"

static uint64_t seed;

static void
check_table(const session_protocol *p, const char *name)
{
    assert_string_equal(p->name, name);
    assert_non_null(p->create);
    assert_non_null(p->start);
    assert_non_null(p->current_round);
    assert_non_null(p->handle);
    assert_non_null(p->is_done);
    assert_non_null(p->result);
    assert_non_null(p->culprit);
    assert_non_null(p->destroy);
    void *state = (void *)p;
    assert_int_equal(p->create(&state, NULL), MPC_ERR_INVALID_ARG);
    assert_null(state);
    assert_int_equal(p->create(NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(p->current_round(NULL), 0);
    assert_int_equal(p->is_done(NULL), 0);
    assert_int_equal(p->culprit(NULL), SESSION_NO_CULPRIT);
    assert_int_equal(p->start(NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(p->handle(NULL, 0, 1, 1, NULL, 0, NULL), MPC_ERR_INVALID_ARG);
    uint8_t *out = (uint8_t *)p;
    size_t len = 1;
    assert_int_equal(p->result(NULL, &out, &len), MPC_ERR_INVALID_ARG);
    assert_null(out);
    assert_int_equal(len, 0);
    p->destroy(NULL);
}

static void
test_proto_ecdsa_tables_complete(void **state)
{
    (void)state;
    check_table(&session_proto_dkls_keygen, "dkls-keygen");
    check_table(&session_proto_dkls_sign, "dkls-sign");
    check_table(&session_proto_dkls_reshare, "dkls-reshare");
}

static void
test_proto_ecdsa_create_errors_pass_through(void **state)
{
    (void)state;
    static const uint8_t sid[16] = {1};
    const char *ids[2] = {"a", "b"};
    uint8_t junk[3] = {9, 9, 9};
    session_protocol_params p = {.sid = sid,
                                 .self = 0,
                                 .n_parties = 2,
                                 .party_ids = ids,
                                 .threshold = 2,
                                 .input = junk,
                                 .input_len = sizeof junk};
    void *s = NULL;
    assert_int_equal(session_proto_dkls_keygen.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(session_proto_dkls_sign.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(session_proto_dkls_reshare.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    assert_null(s);
    p.threshold = 3;
    uint8_t *in = NULL;
    size_t len = 0;
    assert_int_equal(tss_dkls_keygen_input_encode(&in, &len, (const uint8_t *)"w", 1), MPC_OK);
    p.input = in;
    p.input_len = len;
    assert_int_equal(session_proto_dkls_keygen.create(&s, &p), MPC_ERR_BAD_THRESHOLD);
    p.threshold = 2;
    assert_int_equal(session_proto_dkls_keygen.create(&s, &p), MPC_OK);
    assert_int_equal(session_proto_dkls_keygen.current_round(s), 0);
    session_proto_dkls_keygen.destroy(s);
    free(in);
}

static void
test_proto_ecdsa_keygen_sign_reshare_sign(void **state)
{
    (void)state;
    dkls_fx_key k1, k2;
    tss_sim_result res;
    uint32_t c1[3] = {0, 1, 2}, c2[3] = {1, 2, 3}, s1[2] = {2, 0}, s2[2] = {3, 1};
    uint8_t msg[32], out[130];
    assert_int_equal(dkls_fx_keygen(&k1, c1, 3, 2, seed, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    randombytes_buf(msg, sizeof msg);
    /* signers in descending party order: the adapter sorts by committee id */
    assert_int_equal(dkls_fx_sign(&k1, s1, 2, msg, seed, NULL, NULL, &res, out), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(dkls_fx_verify(out, msg, k1.y));
    assert_int_equal(dkls_fx_reshare(&k1, c1, 3, c2, 3, 2, seed, NULL, NULL, &res, &k2), MPC_OK);
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
    seed = mpc_test_seed("test_proto_ecdsa");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_ecdsa_tables_complete),
        cmocka_unit_test(test_proto_ecdsa_create_errors_pass_through),
        cmocka_unit_test(test_proto_ecdsa_keygen_sign_reshare_sign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

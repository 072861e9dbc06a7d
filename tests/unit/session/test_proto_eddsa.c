/*
 * test_proto_eddsa.c — the session_protocol tables of the EdDSA protocols:
 * complete tables, argument handling through the adapters, and a full
 * keygen -> sign -> reshare -> sign run driven only through the tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "session/proto_eddsa.h"
#include "tests/support/tss_fixture.h"

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
test_proto_eddsa_tables_complete(void **state)
{
    (void)state;
    check_table(&session_proto_frost_dkg, "frost-dkg");
    check_table(&session_proto_frost_sign, "frost-sign");
    check_table(&session_proto_frost_reshare, "frost-reshare");
}

static void
test_proto_eddsa_create_errors_pass_through(void **state)
{
    (void)state;
    static const uint8_t sid[SESSION_SID_LEN] = {3};
    const char *ids[2] = {"x", "x"};
    session_protocol_params p = {
        .sid = sid, .self = 0, .n_parties = 2, .party_ids = ids, .threshold = 2};
    void *st = NULL;
    assert_int_equal(session_proto_frost_dkg.create(&st, &p), MPC_ERR_BAD_IDENTIFIER);
    assert_null(st);
    ids[1] = "y";
    p.threshold = 3;
    assert_int_equal(session_proto_frost_dkg.create(&st, &p), MPC_ERR_BAD_THRESHOLD);
    assert_int_equal(session_proto_frost_sign.create(&st, &p), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(session_proto_frost_reshare.create(&st, &p), MPC_ERR_MSG_MALFORMED);
    assert_null(st);
}

static void
test_proto_eddsa_full_lifecycle(void **state)
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

int
main(void)
{
    seed = mpc_test_seed("test_proto_eddsa");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_eddsa_tables_complete),
        cmocka_unit_test(test_proto_eddsa_create_errors_pass_through),
        cmocka_unit_test(test_proto_eddsa_full_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

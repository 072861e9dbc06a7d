/*
 * test_ids.c — node, wallet and request id syntax.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/client/ids.h"
#include "transport/jetstream.h"
#include "transport/subject.h"

static void
test_ids_node_id_charset_and_length(void **state)
{
    (void)state;
    assert_true(node_client_node_id_is_valid("node-1"));
    assert_true(node_client_node_id_is_valid("A_z-09"));
    assert_true(node_client_node_id_is_valid("12345678901234567890123456789012"));   /* 32 */
    assert_false(node_client_node_id_is_valid("123456789012345678901234567890123")); /* 33 */
    assert_false(node_client_node_id_is_valid(""));
    assert_false(node_client_node_id_is_valid(NULL));
    assert_false(node_client_node_id_is_valid("node.1")); /* '.' splits NATS subject tokens */
    assert_false(node_client_node_id_is_valid("no de"));
    assert_false(node_client_node_id_is_valid("a*"));
    assert_false(node_client_node_id_is_valid("a>"));
    assert_false(node_client_node_id_is_valid("a/b"));
    assert_false(node_client_node_id_is_valid("caf\xc3\xa9"));
}

static void
test_ids_wallet_and_request_ids(void **state)
{
    (void)state;
    char id64[65], id65[66];
    memset(id64, 'w', 64);
    id64[64] = '\0';
    memset(id65, 'w', 65);
    id65[65] = '\0';
    assert_true(node_client_wallet_id_is_valid("wallet.A-1_x"));
    assert_true(node_client_wallet_id_is_valid(id64));
    assert_false(node_client_wallet_id_is_valid(id65));
    assert_false(node_client_wallet_id_is_valid("a/b"));
    assert_false(node_client_wallet_id_is_valid(""));
    assert_false(node_client_wallet_id_is_valid(NULL));
    /* a '.' would split the result subject mpc.res.<client>.<request id>: refused */
    assert_false(node_client_request_id_is_valid("req.1"));
    assert_true(node_client_request_id_is_valid("req-1_A"));
    assert_true(node_client_request_id_is_valid(id64));
    assert_false(node_client_request_id_is_valid(id65));
    assert_false(node_client_request_id_is_valid("r 1"));
}

/* Every id the grammar accepts can be put in a result subject and a result
 * Nats-Msg-Id (the validation and the subject builder agree), byte by byte. */
static void
test_ids_grammar_matches_subject_builder(void **state)
{
    (void)state;
    char subject[256], msg_id[TRANSPORT_JS_MSG_ID_MAX + 1];
    int accepted = 0;
    for (int c = 1; c < 256; c++) {
        char id[4] = {'a', (char)c, 'b', '\0'};
        int valid = node_client_request_id_is_valid(id);
        assert_int_equal(valid, node_client_id_is_valid(id));
        assert_int_equal(valid, node_client_token_is_valid(id, 3));
        if (valid) {
            accepted++;
            assert_int_equal(transport_subject_build(subject, sizeof subject, TRANSPORT_SUBJ_RESULT,
                                                     id, id, "node-1"),
                             MPC_OK);
            assert_int_equal(transport_js_result_msg_id(msg_id, sizeof msg_id, id, "node-1", NULL),
                             MPC_OK);
        }
    }
    assert_int_equal(accepted, 26 + 26 + 10 + 2);
    assert_false(node_client_token_is_valid("abcd", 3));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_node_id_charset_and_length),
        cmocka_unit_test(test_ids_wallet_and_request_ids),
        cmocka_unit_test(test_ids_grammar_matches_subject_builder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

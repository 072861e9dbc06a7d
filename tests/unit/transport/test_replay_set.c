/*
 * test_replay_set.c — replay detection of (from, round, seq).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "transport/replay_set.h"

static void
test_replay_set_detects_replay(void **state)
{
    (void)state;
    transport_replay_set *rs = NULL;
    assert_int_equal(transport_replay_set_create(8, &rs), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "A", 1, 0), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "A", 1, 0), MPC_ERR_MSG_REPLAY);
    assert_int_equal(transport_replay_set_add(rs, "A", 1, 1), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "A", 2, 0), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "B", 1, 0), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "AB", 1, 0), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "B", 1, 0), MPC_ERR_MSG_REPLAY);
    assert_int_equal(transport_replay_set_count(rs), 5);
    transport_replay_set_destroy(rs);
}

static void
test_replay_set_bounded(void **state)
{
    (void)state;
    transport_replay_set *rs = NULL;
    assert_int_equal(transport_replay_set_create(2, &rs), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "A", 1, 1), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "A", 1, 2), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, "A", 1, 3), MPC_ERR_QUEUE_FULL);
    assert_int_equal(transport_replay_set_add(rs, "A", 1, 2), MPC_ERR_MSG_REPLAY);
    transport_replay_set_destroy(rs);
}

static void
test_replay_set_bad_args(void **state)
{
    (void)state;
    transport_replay_set *rs = (transport_replay_set *)&rs;
    assert_int_equal(transport_replay_set_create(0, &rs), MPC_ERR_INVALID_ARG);
    assert_null(rs);
    assert_int_equal(transport_replay_set_create(1, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_replay_set_create(1, &rs), MPC_OK);
    assert_int_equal(transport_replay_set_add(rs, NULL, 1, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_replay_set_add(NULL, "A", 1, 1), MPC_ERR_INVALID_ARG);
    char longid[80];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(transport_replay_set_add(rs, longid, 1, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_replay_set_count(NULL), 0);
    transport_replay_set_destroy(rs);
    transport_replay_set_destroy(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_set_detects_replay),
        cmocka_unit_test(test_replay_set_bounded),
        cmocka_unit_test(test_replay_set_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

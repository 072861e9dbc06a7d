/*
 * test_status.c — every status code has a distinct value, name and text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "common/status.h"

static void
test_status_ok_is_zero(void **state)
{
    (void)state;
    assert_int_equal(MPC_OK, 0);
    assert_string_equal(mpc_status_name(MPC_OK), "MPC_OK");
    assert_string_equal(mpc_status_str(MPC_OK), "ok");
}

static void
test_status_every_code_has_text_and_name(void **state)
{
    (void)state;
    size_t n = mpc_status_count();
    assert_true(n > 50);
    for (size_t i = 0; i < n; i++) {
        mpc_status st = mpc_status_at(i);
        const char *name = mpc_status_name(st);
        const char *desc = mpc_status_str(st);
        assert_non_null(name);
        assert_non_null(desc);
        assert_string_not_equal(name, "MPC_ERR_UNKNOWN");
        assert_string_not_equal(desc, "unknown status");
        assert_true(strlen(desc) > 1);
        assert_true(mpc_status_is_known((int)st));
        if (st != MPC_OK) {
            assert_memory_equal(name, "MPC_ERR_", 8);
        }
    }
}

static void
test_status_values_names_texts_unique(void **state)
{
    (void)state;
    size_t n = mpc_status_count();
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(mpc_status_at(i), mpc_status_at(j));
            assert_string_not_equal(mpc_status_name(mpc_status_at(i)),
                                    mpc_status_name(mpc_status_at(j)));
            assert_string_not_equal(mpc_status_str(mpc_status_at(i)),
                                    mpc_status_str(mpc_status_at(j)));
        }
    }
}

static void
test_status_unknown_value(void **state)
{
    (void)state;
    assert_string_equal(mpc_status_str((mpc_status)99999), "unknown status");
    assert_string_equal(mpc_status_name((mpc_status)-5), "MPC_ERR_UNKNOWN");
    assert_false(mpc_status_is_known(99999));
    assert_int_equal(mpc_status_at(mpc_status_count()), MPC_ERR_INVALID_ARG);
}

static void
test_status_wire_values_fixed(void **state)
{
    (void)state;
    /* These numbers travel in Result.status_code: they must never change. */
    assert_int_equal(MPC_ERR_TIMEOUT, 4);
    assert_int_equal(MPC_ERR_QUEUE_FULL, 5);
    assert_int_equal(MPC_ERR_PEER_UNAVAILABLE, 104);
    assert_int_equal(MPC_ERR_GONE, 106);
    assert_int_equal(MPC_ERR_MSG_BAD_SIGNATURE, 204);
    assert_int_equal(MPC_ERR_FAULT, 301);
    assert_int_equal(MPC_ERR_EQUIVOCATION, 409);
    assert_int_equal(MPC_ERR_REQ_UNSIGNED, 502);
    assert_int_equal(MPC_ERR_BAD_PASSPHRASE, 601);
}

/* The constant count sizes tables indexed by status (node/metrics.c's slots). */
static void
test_status_count_constant(void **state)
{
    (void)state;
    assert_int_equal(MPC_STATUS_COUNT, mpc_status_count());
    size_t slots[MPC_STATUS_COUNT];
    assert_int_equal(sizeof slots / sizeof slots[0], mpc_status_count());
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_ok_is_zero),
        cmocka_unit_test(test_status_count_constant),
        cmocka_unit_test(test_status_every_code_has_text_and_name),
        cmocka_unit_test(test_status_values_names_texts_unique),
        cmocka_unit_test(test_status_unknown_value),
        cmocka_unit_test(test_status_wire_values_fixed),
    };
    return cmocka_run_group_tests_name("common/status", tests, NULL, NULL);
}

/*
 * test_outbox.c — outgoing protocol message lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/outbox.h"

static void
test_outbox_add_and_clear(void **state)
{
    (void)state;
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    const uint8_t msg[] = {1, 2, 3};
    for (uint32_t i = 0; i < 20; i++) {
        assert_int_equal(mpc_outbox_add(&ob, 1, i % 2 ? MPC_OUTBOX_ALL : i, msg, sizeof msg),
                         MPC_OK);
    }
    assert_int_equal(ob.n, 20);
    assert_int_equal(ob.msgs[3].to, MPC_OUTBOX_ALL);
    assert_int_equal(ob.msgs[4].to, 4);
    assert_memory_equal(ob.msgs[19].data, msg, sizeof msg);
    uint8_t *owned = malloc(5);
    assert_non_null(owned);
    memset(owned, 9, 5);
    assert_int_equal(mpc_outbox_add_owned(&ob, 2, 1, &owned, 5), MPC_OK);
    assert_null(owned);
    assert_int_equal(ob.msgs[20].round, 2);
    assert_int_equal(mpc_outbox_add(&ob, 1, 0, NULL, 0), MPC_OK);
    assert_int_equal(mpc_outbox_add(&ob, 1, 0, NULL, 3), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_outbox_add(NULL, 1, 0, msg, 3), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_outbox_add_owned(&ob, 1, 0, NULL, 0), MPC_ERR_INVALID_ARG);
    mpc_outbox_clear(&ob);
    assert_int_equal(ob.n, 0);
    assert_null(ob.msgs);
    mpc_outbox_clear(&ob); /* reusable, idempotent */
    mpc_outbox_clear(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox_add_and_clear),
    };
    return cmocka_run_group_tests_name("common/outbox", tests, NULL, NULL);
}

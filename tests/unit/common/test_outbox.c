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
#include "common/secmem.h"
#include "tests/support/test_util.h"

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
    uint8_t *owned = mpc_secure_alloc(5);
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

/* Direct payloads carry secret shares: every message lives in locked memory. */
static void
test_outbox_messages_in_locked_memory(void **state)
{
    (void)state;
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    const uint8_t share[32] = {7};
    assert_int_equal(mpc_outbox_add(&ob, 2, 1, share, sizeof share), MPC_OK);
    assert_int_equal(mpc_outbox_add(&ob, 2, MPC_OUTBOX_ALL, share, 0), MPC_OK);
    for (size_t i = 0; i < ob.n; i++) {
        assert_int_equal(mpc_test_mem_locked(ob.msgs[i].data), 1);
    }
    uint8_t *heap = malloc(32); /* the check itself tells plain heap apart */
    assert_non_null(heap);
    assert_int_equal(mpc_test_mem_locked(heap), 0);
    free(heap);
    mpc_outbox_clear(&ob);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outbox_add_and_clear),
        cmocka_unit_test(test_outbox_messages_in_locked_memory),
    };
    return cmocka_run_group_tests_name("common/outbox", tests, NULL, NULL);
}

/*
 * test_nats_graves.c — transport/nats_graves.h: park, take, return, bury and
 * count; fini destroys what is still parked (valgrind/ASan check the frees).
 * Real subscriptions are parked in test_jetstream and test_nats_transport.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "transport/nats_graves.h"

static size_t
list_len(const transport_grave *g)
{
    size_t n = 0;
    for (; g != NULL && n < 1000; g = g->next) {
        n++;
    }
    return n;
}

static void
test_nats_graves_park_take_return(void **state)
{
    (void)state;
    transport_graves g;
    assert_int_equal(transport_graves_init(&g), MPC_OK);
    assert_int_equal(transport_graves_count(&g), 0);
    assert_null(transport_graves_take(&g));
    for (int i = 0; i < 3; i++) {
        transport_grave *x = transport_grave_new();
        assert_non_null(x);
        transport_graves_park(&g, x, NULL);
        assert_int_equal(transport_graves_count(&g), (size_t)i + 1);
    }
    transport_grave *list = transport_graves_take(&g);
    assert_int_equal(list_len(list), 3);
    assert_int_equal(transport_graves_count(&g), 0);
    transport_grave *y = transport_grave_new();
    assert_non_null(y);
    transport_graves_unsubscribe(&g, y, NULL); /* parked meanwhile */
    transport_graves_return(&g, list);         /* a failed round trip */
    transport_graves_return(&g, NULL);
    assert_int_equal(transport_graves_count(&g), 4);
    list = transport_graves_take(&g);
    assert_int_equal(list_len(list), 4);
    transport_graves_bury(list);
    assert_int_equal(transport_graves_count(&g), 0);
    y = transport_grave_new();
    assert_non_null(y);
    transport_graves_park(&g, y, NULL);
    transport_graves_fini(&g); /* frees the last one */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nats_graves_park_take_return),
    };
    return cmocka_run_group_tests_name("transport/nats_graves", tests, NULL, NULL);
}

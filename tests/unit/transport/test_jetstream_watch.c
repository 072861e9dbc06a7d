/*
 * test_jetstream_watch.c — the client's results watcher (transport/jetstream_watch.c)
 * against a real nats-server started by the test (127.0.0.1, random free port,
 * temp store dir, stopped by pid): its consumer deleted on the server, the
 * server killed and restarted under it, and a watcher opened while no server
 * answers. Each time every stored copy comes once, in order, none repeated.
 * (It replaced nats.c's ordered consumer, whose reset thread races
 * natsSubscription_Unsubscribe in libnats 3.4.1: docs/DESIGN.md §10.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "common/clock.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_util.h"
#include "transport/jetstream.h"
#include "transport/subject.h"

static test_nats_server *g_srv;

static transport_js *
connect_js(const char *name)
{
    transport_nats_config c;
    transport_js *js = NULL;
    transport_nats_config_default(&c);
    c.servers = test_nats_server_url(g_srv);
    c.name = name;
    c.reconnect_wait_ms = 100;
    c.reconnect_jitter_ms = 20;
    c.connect_timeout_ms *= (uint32_t)mpc_test_slow();
    c.flush_timeout_ms *= (uint32_t)mpc_test_slow();
    assert_int_equal(transport_js_connect(&c, &js), MPC_OK);
    transport_js_streams_config sc;
    transport_js_streams_config_default(&sc);
    assert_int_equal(transport_js_ensure_streams(js, &sc), MPC_OK);
    return js;
}

/* Publishes body as node-a's copy for client/req (repeated while the server comes back);
 * the Nats-Msg-Id is made of req, so every test uses its own. */
static void
publish_to(transport_js *js, const char *client, const char *req, const char *body)
{
    char subj[128], id[128];
    assert_int_equal(
        transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_RESULT, client, req, "node-a"),
        MPC_OK);
    assert_int_equal(transport_js_result_msg_id(id, sizeof id, req, "node-a", "ed25519"), MPC_OK);
    transport_js_header h = {TRANSPORT_JS_HDR_NODE, "node-a"};
    assert_int_equal(transport_js_publish_retry(js, subj, (const uint8_t *)body, strlen(body), id,
                                                &h, 1, 2000, 15000 * mpc_test_slow(), NULL),
                     MPC_OK);
}

/* Reads one copy within wait_ms and checks its body. */
static void
expect_copy(transport_js_results *w, const char *body, uint64_t wait_ms)
{
    transport_js_msg *m = NULL;
    assert_int_equal(transport_js_results_next(w, &m, wait_ms), MPC_OK);
    size_t len = 0;
    const uint8_t *d = transport_js_msg_data(m, &len);
    assert_int_equal(len, strlen(body));
    assert_memory_equal(d, body, len);
    transport_js_msg_destroy(m);
}

static void
expect_nothing(transport_js_results *w)
{
    transport_js_msg *m = NULL;
    assert_int_equal(transport_js_results_next(w, &m, 1500), MPC_ERR_TIMEOUT);
    assert_null(m);
}

/* Deletes every consumer of MPC_RES through a connection of the test's own. Returns how many. */
static int
delete_res_consumers(void)
{
    natsConnection *nc = NULL;
    jsCtx *jc = NULL;
    jsConsumerNamesList *list = NULL;
    int n = 0;
    assert_int_equal(natsConnection_ConnectTo(&nc, test_nats_server_url(g_srv)), NATS_OK);
    assert_int_equal(natsConnection_JetStream(&jc, nc, NULL), NATS_OK);
    assert_int_equal(js_ConsumerNames(&list, jc, TRANSPORT_JS_RES_STREAM, NULL, NULL), NATS_OK);
    for (int i = 0; list != NULL && i < list->Count; i++) {
        n += js_DeleteConsumer(jc, TRANSPORT_JS_RES_STREAM, list->List[i], NULL, NULL) == NATS_OK;
    }
    jsConsumerNamesList_Destroy(list);
    jsCtx_Destroy(jc);
    natsConnection_Destroy(nc);
    return n;
}

static uint64_t
resets(transport_js *js)
{
    transport_js_stats st;
    transport_js_get_stats(js, &st);
    return st.watch_resets;
}

/* The consumer vanishes on the server (its server cut off, or deleted): recreated after the last
 * copy. */
static void
test_watch_consumer_deleted(void **state)
{
    (void)state;
    transport_js *js = connect_js("w1");
    transport_js_results *w = NULL;
    publish_to(js, "cw1", "req-1", "1");
    assert_int_equal(transport_js_results_watch(js, "cw1", NULL, &w), MPC_OK);
    expect_copy(w, "1", 3000 * mpc_test_slow());
    assert_int_equal(resets(js), 0);
    assert_int_equal(delete_res_consumers(), 1);
    publish_to(js, "cw1", "req-2", "2");
    expect_copy(w, "2", 15000 * mpc_test_slow()); /* after the silence: not "1" again */
    expect_nothing(w);
    assert_true(resets(js) >= 1);
    transport_js_results_destroy(w);
    transport_js_destroy(js);
}

/* Waits (bounded) until the server answers JetStream requests again. */
static void
wait_server(transport_js *js)
{
    uint64_t until = mpc_clock_mono_ms() + 20000 * mpc_test_slow();
    mpc_status st = MPC_ERR_TIMEOUT;
    while (st != MPC_OK && mpc_clock_mono_ms() < until) {
        st = transport_js_ping(js, 500);
        if (st != MPC_OK) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(st, MPC_OK);
}

/* The client's server dies and comes back: copies before it come once, copies after it come. */
static void
test_watch_server_killed(void **state)
{
    (void)state;
    transport_js *js = connect_js("w2");
    transport_js_results *w = NULL;
    assert_int_equal(transport_js_results_watch(js, "cw2", NULL, &w), MPC_OK);
    publish_to(js, "cw2", "req-21", "a");
    expect_copy(w, "a", 3000 * mpc_test_slow());
    assert_int_equal(test_nats_server_kill(g_srv), MPC_OK);
    assert_int_equal(test_nats_server_restart(g_srv), MPC_OK);
    wait_server(js);
    publish_to(js, "cw2", "req-22", "b");
    expect_copy(w, "b", 15000 * mpc_test_slow());
    expect_nothing(w);
    transport_js_results_destroy(w);
    transport_js_destroy(js);
}

/* Opened while no server answers (a JetStream election): the first read creates the consumer. */
static void
test_watch_opened_without_server(void **state)
{
    (void)state;
    transport_js *js = connect_js("w3");
    publish_to(js, "cw3", "req-31", "x");
    assert_int_equal(test_nats_server_stop(g_srv), MPC_OK);
    transport_js_results *w = NULL;
    assert_int_equal(transport_js_results_watch(js, "cw3", NULL, &w), MPC_OK);
    assert_non_null(w);
    transport_js_msg *m = NULL;
    assert_int_equal(transport_js_results_next(w, &m, 300), MPC_ERR_TIMEOUT);
    assert_int_equal(test_nats_server_restart(g_srv), MPC_OK);
    wait_server(js);
    publish_to(js, "cw3", "req-32", "y");
    expect_copy(w, "x", 15000 * mpc_test_slow()); /* from the first stored copy */
    expect_copy(w, "y", 3000 * mpc_test_slow());
    expect_nothing(w);
    assert_true(resets(js) >= 1);
    transport_js_results_destroy(w);
    transport_js_destroy(js);
}

static int
group_setup(void **state)
{
    (void)state;
    return test_nats_server_start(NULL, &g_srv) == MPC_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    test_nats_server_destroy(g_srv);
    g_srv = NULL;
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watch_consumer_deleted),
        cmocka_unit_test(test_watch_server_killed),
        cmocka_unit_test(test_watch_opened_without_server),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    (void)transport_nats_global_shutdown(5000);
    return failed;
}

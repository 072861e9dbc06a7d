/*
 * test_mem_transport.c — the in-memory transport: the shared behavioural
 * scenarios (issue 3 items 1-5) plus the fault-injection knobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "tests/support/transport_scenarios.h"
#include "tests/support/transport_testkit.h"
#include "transport/mem_transport.h"

static uint64_t g_seed;

static mpc_status
mem_make(void *ctx, const char *name, const transport_direct_sender_config *cfg, transport **out)
{
    transport_mem_config mc = {0};
    if (cfg != NULL) {
        mc.sender = *cfg;
    }
    mc.sender.seed = g_seed;
    return transport_mem_create_cfg(ctx, name, &mc, out);
}

static int
setup_net(void **state)
{
    transport_mem_net_config cfg = {.seed = g_seed, .delivery_threads = 2};
    transport_mem_net *net = NULL;
    if (transport_mem_net_create(&cfg, &net) != MPC_OK) {
        return -1;
    }
    *state = net;
    return 0;
}

static int
teardown_net(void **state)
{
    transport_mem_net_destroy(*state);
    return 0;
}

#define SCENARIO(name)                                                                             \
    static void test_mem_transport_##name(void **state)                                            \
    {                                                                                              \
        tk_factory f = {.make = mem_make, .ctx = *state, .tag = "mem"};                            \
        tk_sc_##name(&f);                                                                          \
    }

SCENARIO(publish_after_confirmed_subscribe)
SCENARIO(subscribe_group)
SCENARIO(late_subscriber)
SCENARIO(never_subscribed)
SCENARIO(busy_then_ack)
SCENARIO(gone_stops)
SCENARIO(many_late_subscribers)
SCENARIO(cancel_owner)
SCENARIO(request)
SCENARIO(bad_args)
SCENARIO(destroy_cancels)

/* Publishes "#0".."#n-1" on subj through t. */
static void
publish_n(transport *t, const char *subj, int n)
{
    for (int i = 0; i < n; i++) {
        char msg[16];
        int len = snprintf(msg, sizeof msg, "#%d", i);
        assert_int_equal(transport_publish(t, subj, (const uint8_t *)msg, (size_t)len), MPC_OK);
    }
}

static void
collector_with_seen(tk_collector *c, size_t n)
{
    tk_collector_init(c, TRANSPORT_REPLY_NONE, 0);
    c->seen = calloc(n, 1);
    c->seen_cap = n;
    assert_non_null(c->seen);
}

static void
test_mem_net_drop_rate(void **state)
{
    transport_mem_net *net = *state;
    transport *t = NULL;
    tk_collector c;
    transport_sub *sub = NULL;
    uint64_t dropped = 0;
    collector_with_seen(&c, 1000);
    assert_int_equal(transport_mem_create(net, "n", &t), MPC_OK);
    transport_mem_fault f = {.drop_rate = 0.3};
    assert_int_equal(transport_mem_net_set_fault(net, "drop.>", &f), MPC_OK);
    assert_int_equal(transport_subscribe_confirmed(t, "drop.x", tk_collector_fn, &c, &sub), MPC_OK);
    publish_n(t, "drop.x", 1000);
    transport_mem_net_fault_counts(net, &dropped, NULL);
    /* Binomial(1000, 0.3): mean 300, sd 14.5; 6 sd either side. */
    assert_true(dropped > 210 && dropped < 390);
    assert_true(tk_collector_wait(&c, 1000 - dropped, 5000));
    transport_unsubscribe(t, sub);
    assert_int_equal(tk_collector_count(&c), 1000 - dropped);
    assert_int_equal(c.dups, 0);
    transport_destroy(t);
    transport_mem_net_clear_faults(net);
    tk_collector_fini(&c);
}

static void
test_mem_net_duplication(void **state)
{
    transport_mem_net *net = *state;
    transport *t = NULL;
    tk_collector c;
    transport_sub *sub = NULL;
    uint64_t dup = 0;
    collector_with_seen(&c, 100);
    assert_int_equal(transport_mem_create(net, "n", &t), MPC_OK);
    transport_mem_fault f = {.dup_rate = 1.0};
    assert_int_equal(transport_mem_net_set_fault(net, "dup.*", &f), MPC_OK);
    assert_int_equal(transport_subscribe_confirmed(t, "dup.x", tk_collector_fn, &c, &sub), MPC_OK);
    publish_n(t, "dup.x", 100);
    transport_mem_net_fault_counts(net, NULL, &dup);
    assert_true(dup >= 100);
    assert_true(tk_collector_wait(&c, 200, 5000));
    transport_unsubscribe(t, sub);
    assert_int_equal(c.dups, 100);
    transport_destroy(t);
    transport_mem_net_clear_faults(net);
    tk_collector_fini(&c);
}

static void
test_mem_net_latency_and_reorder(void **state)
{
    transport_mem_net *net = *state;
    transport *t = NULL;
    tk_collector c;
    transport_sub *sub = NULL;
    collector_with_seen(&c, 200);
    assert_int_equal(transport_mem_create(net, "n", &t), MPC_OK);
    transport_mem_fault f = {
        .latency_ms = 80, .jitter_ms = 20, .reorder_rate = 0.5, .reorder_ms = 50};
    assert_int_equal(transport_mem_net_set_fault(net, "slow.x", &f), MPC_OK);
    assert_int_equal(transport_subscribe_confirmed(t, "slow.x", tk_collector_fn, &c, &sub), MPC_OK);
    uint64_t t0 = mpc_clock_mono_ns();
    publish_n(t, "slow.x", 200);
    assert_true(tk_collector_wait(&c, 200, 5000));
    transport_unsubscribe(t, sub);
    assert_true(c.first_ns - t0 >= 80 * MPC_NS_PER_MS);
    assert_true(c.inversions > 0); /* some later messages overtook held-back ones */
    assert_int_equal(c.dups, 0);
    transport_destroy(t);
    transport_mem_net_clear_faults(net);
    tk_collector_fini(&c);
}

/* Without faults a subscription sees messages in publish order. */
static void
test_mem_net_in_order_without_faults(void **state)
{
    transport_mem_net *net = *state;
    transport *t = NULL;
    tk_collector c;
    transport_sub *sub = NULL;
    collector_with_seen(&c, 500);
    assert_int_equal(transport_mem_create(net, "n", &t), MPC_OK);
    assert_int_equal(transport_subscribe_confirmed(t, "ord.*", tk_collector_fn, &c, &sub), MPC_OK);
    publish_n(t, "ord.x", 500);
    assert_true(tk_collector_wait(&c, 500, 5000));
    transport_unsubscribe(t, sub);
    assert_int_equal(c.inversions, 0);
    transport_destroy(t);
    tk_collector_fini(&c);
}

/* Same seed, same traffic: same faults. */
static void
test_mem_net_seeded_faults_repeat(void **state)
{
    (void)state;
    uint64_t drops[2] = {0, 0};
    for (int run = 0; run < 2; run++) {
        transport_mem_net_config cfg = {.seed = g_seed, .delivery_threads = 1};
        transport_mem_net *net = NULL;
        transport *t = NULL;
        assert_int_equal(transport_mem_net_create(&cfg, &net), MPC_OK);
        assert_int_equal(transport_mem_net_seed(net), g_seed);
        assert_int_equal(transport_mem_create(net, "n", &t), MPC_OK);
        transport_mem_fault f = {.drop_rate = 0.5};
        assert_int_equal(transport_mem_net_set_fault(net, ">", &f), MPC_OK);
        tk_collector c;
        transport_sub *sub = NULL;
        tk_collector_init(&c, TRANSPORT_REPLY_NONE, 0);
        assert_int_equal(transport_subscribe_confirmed(t, "s.x", tk_collector_fn, &c, &sub),
                         MPC_OK);
        publish_n(t, "s.x", 300);
        transport_mem_net_fault_counts(net, &drops[run], NULL);
        transport_unsubscribe(t, sub);
        transport_destroy(t);
        transport_mem_net_destroy(net);
        tk_collector_fini(&c);
    }
    assert_int_equal(drops[0], drops[1]);
    assert_true(drops[0] > 0 && drops[0] < 300);
}

/* The late-subscribe knob produces NO_RESPONDERS on demand, then delivery. */
static void
test_mem_net_late_subscribe_knob(void **state)
{
    transport_mem_net *net = *state;
    transport *s = NULL, *r = NULL;
    uint8_t buf[8];
    size_t n = 0;
    tk_collector c;
    tk_result res;
    transport_sub *sub = NULL;
    tk_collector_init(&c, TRANSPORT_REPLY_ACK, 0);
    tk_result_init(&res);
    transport_mem_config cfg = {.sender = {.policy = {.max_attempts = 10,
                                                      .base_ms = 50,
                                                      .cap_ms = 200,
                                                      .jitter_pct = 0,
                                                      .per_try_timeout_ms = 1000}}};
    assert_int_equal(transport_mem_create_cfg(net, "s", &cfg, &s), MPC_OK);
    assert_int_equal(transport_mem_create(net, "r", &r), MPC_OK);
    assert_int_equal(transport_mem_net_set_late_subscribe(net, "late.>", 300), MPC_OK);
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(transport_subscribe_confirmed(r, "late.x", tk_collector_fn, &c, &sub), MPC_OK);
    assert_int_equal(
        transport_request(s, "late.x", (const uint8_t *)"q", 1, 1000, buf, sizeof buf, &n),
        MPC_ERR_NO_RESPONDERS);
    transport_send job = {.subject = "late.x",
                          .data = (const uint8_t *)"m",
                          .len = 1,
                          .done = tk_result_fn,
                          .done_arg = &res};
    assert_int_equal(transport_send_direct(s, &job), MPC_OK);
    assert_true(tk_result_wait(&res, 5000));
    assert_int_equal(res.st, MPC_OK);
    assert_true(res.attempts >= 3); /* 50 + 100 ms of backoff still before 300 ms */
    assert_true(c.first_ns - t0 >= 300 * MPC_NS_PER_MS);
    transport_stats st;
    transport_get_stats(s, &st);
    assert_true(st.no_responders >= 2);
    assert_int_equal(st.sends_ok, 1);
    transport_unsubscribe(r, sub);
    transport_destroy(s);
    transport_destroy(r);
    transport_mem_net_clear_faults(net);
    tk_collector_fini(&c);
    tk_result_fini(&res);
}

/* Lost requests make each try time out; the job ends after max_attempts. */
static void
test_mem_net_drop_makes_timeouts(void **state)
{
    transport_mem_net *net = *state;
    transport *s = NULL, *r = NULL;
    tk_collector c;
    tk_result res;
    transport_sub *sub = NULL;
    tk_collector_init(&c, TRANSPORT_REPLY_ACK, 0);
    tk_result_init(&res);
    transport_mem_config cfg = {.sender = {.policy = {.max_attempts = 3,
                                                      .base_ms = 10,
                                                      .cap_ms = 10,
                                                      .jitter_pct = 0,
                                                      .per_try_timeout_ms = 100}}};
    assert_int_equal(transport_mem_create_cfg(net, "s", &cfg, &s), MPC_OK);
    assert_int_equal(transport_mem_create(net, "r", &r), MPC_OK);
    transport_mem_fault f = {.drop_rate = 1.0};
    assert_int_equal(transport_mem_net_set_fault(net, "lossy.x", &f), MPC_OK);
    assert_int_equal(transport_subscribe_confirmed(r, "lossy.x", tk_collector_fn, &c, &sub),
                     MPC_OK);
    uint64_t t0 = mpc_clock_mono_ns();
    transport_send job = {.subject = "lossy.x",
                          .data = (const uint8_t *)"m",
                          .len = 1,
                          .done = tk_result_fn,
                          .done_arg = &res};
    assert_int_equal(transport_send_direct(s, &job), MPC_OK);
    assert_true(tk_result_wait(&res, 5000));
    assert_int_equal(res.st, MPC_ERR_PEER_UNAVAILABLE);
    assert_int_equal(res.attempts, 3);
    assert_true(res.end_ns - t0 >= 320 * MPC_NS_PER_MS); /* 3 x 100 ms timeouts + 2 x 10 ms */
    transport_stats st;
    transport_get_stats(s, &st);
    assert_int_equal(st.timeouts, 3);
    assert_int_equal(tk_collector_count(&c), 0);
    transport_unsubscribe(r, sub);
    transport_destroy(s);
    transport_destroy(r);
    transport_mem_net_clear_faults(net);
    tk_collector_fini(&c);
    tk_result_fini(&res);
}

/* A message published by the handler's reply path goes through the same net. */
static void
test_mem_net_bad_args(void **state)
{
    transport_mem_net *net = *state;
    transport *t = (transport *)&t;
    transport_mem_net *bad = (transport_mem_net *)&bad;
    transport_mem_fault f = {.drop_rate = 1.5};
    assert_int_equal(transport_mem_net_create(NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_mem_create(NULL, "x", &t), MPC_ERR_INVALID_ARG);
    assert_null(t);
    assert_int_equal(transport_mem_create(net, NULL, &t), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_mem_create(net, "x", NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_mem_net_set_fault(net, "a", &f), MPC_ERR_INVALID_ARG);
    f.drop_rate = 0;
    assert_int_equal(transport_mem_net_set_fault(net, "a..b", &f), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_mem_net_set_fault(net, "a", NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_mem_net_set_fault(NULL, "a", &f), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_mem_net_set_late_subscribe(net, NULL, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_mem_net_seed(NULL), 0);
    transport_mem_net_destroy(NULL);
    transport_mem_net_clear_faults(NULL);
    (void)bad;
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    g_seed = mpc_test_seed("test_mem_transport");
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup_net, teardown_net)
        T(test_mem_transport_publish_after_confirmed_subscribe),
        T(test_mem_transport_subscribe_group),
        T(test_mem_transport_late_subscriber),
        T(test_mem_transport_never_subscribed),
        T(test_mem_transport_busy_then_ack),
        T(test_mem_transport_gone_stops),
        T(test_mem_transport_many_late_subscribers),
        T(test_mem_transport_cancel_owner),
        T(test_mem_transport_request),
        T(test_mem_transport_bad_args),
        T(test_mem_transport_destroy_cancels),
        T(test_mem_net_drop_rate),
        T(test_mem_net_duplication),
        T(test_mem_net_latency_and_reorder),
        T(test_mem_net_in_order_without_faults),
        T(test_mem_net_seeded_faults_repeat),
        T(test_mem_net_late_subscribe_knob),
        T(test_mem_net_drop_makes_timeouts),
        T(test_mem_net_bad_args),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

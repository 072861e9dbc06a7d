/*
 * test_fault_transport.c — the test-only fault decorator over the in-memory
 * transport: config parsing, subject matching, delayed publish and direct
 * send (released by the timer thread, never earlier than delay - jitter),
 * pass-through of other subjects, drops on publish and on received requests
 * (the real direct sender then gives up), cancel_owner and destroy completing
 * held-back sends exactly once with MPC_ERR_CANCELLED.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "common/clock.h"
#include "tests/support/test_util.h"
#include "transport/fault_transport.h"
#include "transport/mem_transport.h"

#define WAIT_MS 5000u /* bound of every wait (stretched by mpc_test_slow) */

/* What a subscriber saw / what send completions reported. */
struct seen {
    pthread_mutex_t mu;    /* guards the rest */
    pthread_cond_t cv;     /* signalled on every change */
    int n;                 /* messages received */
    uint64_t first_ns;     /* arrival of the first */
    int done_n;            /* completions */
    mpc_status done_st;    /* last completion status */
    transport_reply reply; /* what the handler answers */
};

static uint64_t g_seed;

static void
seen_init(struct seen *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->reply = TRANSPORT_REPLY_ACK;
}

static void
seen_fini(struct seen *s)
{
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

static transport_reply
on_msg(void *arg, const transport_msg *m)
{
    struct seen *s = arg;
    (void)m;
    pthread_mutex_lock(&s->mu);
    if (s->n++ == 0) {
        s->first_ns = mpc_clock_mono_ns();
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return s->reply;
}

static void
on_done(void *arg, uint64_t owner, mpc_status st, uint32_t attempts)
{
    struct seen *s = arg;
    (void)owner;
    (void)attempts;
    pthread_mutex_lock(&s->mu);
    s->done_n++;
    s->done_st = st;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Waits (bounded) until *field >= want. Returns: the value reached. */
static int
wait_for(struct seen *s, const int *field, int want)
{
    uint64_t until = mpc_clock_mono_ms() + WAIT_MS * mpc_test_slow();
    pthread_mutex_lock(&s->mu);
    while (*field < want && mpc_clock_mono_ms() < until) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    int v = *field;
    pthread_mutex_unlock(&s->mu);
    return v;
}

/* A mem network with one transport wrapped by the fault layer (cfg) and one plain peer. */
struct rig {
    transport_mem_net *net; /* network */
    transport *a;           /* fault-wrapped sender */
    transport *b;           /* plain receiver */
};

static void
rig_up(struct rig *r, const char *spec, int wrap_b)
{
    transport_mem_net_config nc = {.seed = g_seed, .delivery_threads = 2};
    transport_fault_config fc;
    transport_mem_config mc;
    memset(&mc, 0, sizeof(mc));
    transport_retry_policy_default(&mc.sender.policy);
    mc.sender.policy.max_attempts = 2;
    mc.sender.policy.base_ms = 10;
    mc.sender.policy.cap_ms = 10;
    /* a try that outlasts its timeout is sent again: on a loaded machine an
     * ACK took longer than 100 ms and the receiver saw the message twice */
    mc.sender.policy.per_try_timeout_ms = (uint32_t)(100 * mpc_test_slow());
    assert_int_equal(transport_mem_net_create(&nc, &r->net), MPC_OK);
    assert_int_equal(transport_fault_config_parse(spec, &fc), MPC_OK);
    fc.seed = g_seed;
    transport *inner = NULL;
    assert_int_equal(transport_mem_create_cfg(r->net, "a", &mc, &inner), MPC_OK);
    assert_int_equal(transport_fault_wrap(&inner, &fc, &r->a), MPC_OK);
    assert_null(inner);
    assert_int_equal(transport_mem_create_cfg(r->net, "b", &mc, &r->b), MPC_OK);
    if (wrap_b) {
        inner = r->b;
        assert_int_equal(transport_fault_wrap(&inner, &fc, &r->b), MPC_OK);
    }
}

static void
rig_down(struct rig *r)
{
    transport_destroy(r->a);
    transport_destroy(r->b);
    transport_mem_net_destroy(r->net);
}

static void
test_fault_config_parse(void **state)
{
    (void)state;
    transport_fault_config c;
    assert_int_equal(transport_fault_config_parse(
                         "subject=mpc.s.*.d.*,delay_ms=500,jitter_ms=200,drop=0.01,seed=7", &c),
                     MPC_OK);
    assert_string_equal(c.subject, "mpc.s.*.d.*");
    assert_int_equal(c.delay_ms, 500);
    assert_int_equal(c.jitter_ms, 200);
    assert_true(c.drop > 0.0099 && c.drop < 0.0101);
    assert_int_equal(c.seed, 7);
    assert_int_equal(transport_fault_config_parse("delay_ms=5", &c), MPC_OK);
    assert_string_equal(c.subject, ">");
    const char *bad[] = {"nope=1",     "drop=1.5", "drop=-0.1",
                         "delay_ms=x", "delay_ms", "jitter_ms=5",
                         "subject=",   "seed=-1",  "delay_ms=1,jitter_ms=2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(transport_fault_config_parse(bad[i], &c), MPC_ERR_INVALID_ARG);
    }
    assert_int_equal(transport_fault_config_parse(NULL, &c), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_fault_config_parse("drop=0", NULL), MPC_ERR_INVALID_ARG);
}

static void
test_fault_subject_matches(void **state)
{
    (void)state;
    assert_true(transport_fault_subject_matches("mpc.s.*.d.*", "mpc.s.ab12.d.node-1"));
    assert_false(transport_fault_subject_matches("mpc.s.*.d.*", "mpc.s.ab12.b"));
    assert_false(transport_fault_subject_matches("mpc.s.*.d.*", "mpc.s.ab12.d.n.x"));
    assert_false(transport_fault_subject_matches("mpc.s.*.d.*", "mpc.s.ab12.d"));
    assert_true(transport_fault_subject_matches("mpc.>", "mpc.s.x"));
    assert_true(transport_fault_subject_matches(">", "a"));
    assert_false(transport_fault_subject_matches("mpc.s", "mpc.sx"));
    assert_true(transport_fault_subject_matches("a.b", "a.b"));
}

static void
test_fault_publish_delayed_and_passthrough(void **state)
{
    (void)state;
    struct rig r;
    struct seen hit, other;
    transport_sub *s1 = NULL, *s2 = NULL;
    seen_init(&hit);
    seen_init(&other);
    rig_up(&r, "subject=x.slow,delay_ms=150,jitter_ms=50", 0);
    assert_int_equal(transport_subscribe_confirmed(r.b, "x.slow", on_msg, &hit, &s1), MPC_OK);
    assert_int_equal(transport_subscribe_confirmed(r.b, "x.fast", on_msg, &other, &s2), MPC_OK);
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(transport_publish(r.a, "x.slow", (const uint8_t *)"s", 1), MPC_OK);
    assert_int_equal(transport_publish(r.a, "x.fast", (const uint8_t *)"f", 1), MPC_OK);
    assert_int_equal(wait_for(&other, &other.n, 1), 1);
    assert_int_equal(wait_for(&hit, &hit.n, 1), 1);
    assert_true(hit.first_ns - t0 >= 100ull * 1000000ull); /* delay - jitter */
    assert_true(other.first_ns < hit.first_ns);
    transport_fault_stats fs;
    transport_fault_get_stats(r.a, &fs);
    assert_int_equal(fs.delayed, 1);
    assert_int_equal(fs.dropped, 0);
    transport_unsubscribe(r.b, s1);
    transport_unsubscribe(r.b, s2);
    rig_down(&r);
    seen_fini(&hit);
    seen_fini(&other);
}

static void
test_fault_direct_delayed_then_acked(void **state)
{
    (void)state;
    struct rig r;
    struct seen rx, tx;
    transport_sub *sub = NULL;
    seen_init(&rx);
    seen_init(&tx);
    rig_up(&r, "subject=mpc.s.*.d.*,delay_ms=100", 0);
    assert_int_equal(transport_subscribe_confirmed(r.b, "mpc.s.s1.d.b", on_msg, &rx, &sub), MPC_OK);
    transport_send job = {"mpc.s.s1.d.b", (const uint8_t *)"x", 1, 9, 0, on_done, &tx};
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(transport_send_direct(r.a, &job), MPC_OK);
    assert_int_equal(wait_for(&tx, &tx.done_n, 1), 1);
    assert_int_equal(tx.done_st, MPC_OK);
    assert_int_equal(rx.n, 1);
    assert_true(rx.first_ns - t0 >= 100ull * 1000000ull);
    transport_unsubscribe(r.b, sub);
    rig_down(&r);
    assert_int_equal(tx.done_n, 1); /* exactly once */
    seen_fini(&rx);
    seen_fini(&tx);
}

static void
test_fault_cancel_and_destroy_complete_once(void **state)
{
    (void)state;
    struct rig r;
    struct seen tx1, tx2;
    seen_init(&tx1);
    seen_init(&tx2);
    rig_up(&r, "subject=mpc.s.*.d.*,delay_ms=60000", 0);
    transport_send j1 = {"mpc.s.s1.d.b", (const uint8_t *)"x", 1, 1, 0, on_done, &tx1};
    transport_send j2 = {"mpc.s.s1.d.b", (const uint8_t *)"y", 1, 2, 0, on_done, &tx2};
    assert_int_equal(transport_send_direct(r.a, &j1), MPC_OK);
    assert_int_equal(transport_send_direct(r.a, &j2), MPC_OK);
    transport_cancel_owner(r.a, 1);
    assert_int_equal(tx1.done_n, 1);
    assert_int_equal(tx1.done_st, MPC_ERR_CANCELLED);
    assert_int_equal(tx2.done_n, 0);
    rig_down(&r); /* the held-back job of owner 2 completes now */
    assert_int_equal(tx1.done_n, 1);
    assert_int_equal(tx2.done_n, 1);
    assert_int_equal(tx2.done_st, MPC_ERR_CANCELLED);
    seen_fini(&tx1);
    seen_fini(&tx2);
}

static void
test_fault_drops(void **state)
{
    (void)state;
    struct rig r;
    struct seen rx, tx, pub;
    transport_sub *s1 = NULL, *s2 = NULL;
    seen_init(&rx);
    seen_init(&tx);
    seen_init(&pub);
    rig_up(&r, "subject=mpc.s.*.d.*,drop=1", 1); /* b drops every request it receives */
    assert_int_equal(transport_subscribe_confirmed(r.b, "mpc.s.s1.d.b", on_msg, &rx, &s1), MPC_OK);
    assert_int_equal(transport_subscribe_confirmed(r.b, "mpc.s.s1.b", on_msg, &pub, &s2), MPC_OK);
    transport_send job = {"mpc.s.s1.d.b", (const uint8_t *)"x", 1, 3, 0, on_done, &tx};
    assert_int_equal(transport_send_direct(r.a, &job), MPC_OK);
    assert_int_equal(wait_for(&tx, &tx.done_n, 1), 1);
    assert_int_equal(tx.done_st, MPC_ERR_PEER_UNAVAILABLE); /* both tries lost */
    assert_int_equal(rx.n, 0);
    assert_int_equal(transport_publish(r.a, "mpc.s.s1.d.b", (const uint8_t *)"p", 1), MPC_OK);
    assert_int_equal(transport_publish(r.a, "mpc.s.s1.b", (const uint8_t *)"q", 1), MPC_OK);
    assert_int_equal(wait_for(&pub, &pub.n, 1), 1); /* not matching: delivered */
    transport_fault_stats fa, fb;
    transport_fault_get_stats(r.a, &fa);
    transport_fault_get_stats(r.b, &fb);
    assert_int_equal(fa.dropped, 1); /* the matching publish */
    assert_int_equal(fb.dropped, 2); /* the two tries */
    assert_int_equal(rx.n, 0);
    transport_unsubscribe(r.b, s1);
    transport_unsubscribe(r.b, s2);
    rig_down(&r);
    seen_fini(&rx);
    seen_fini(&tx);
    seen_fini(&pub);
}

static void
test_fault_wrap_bad_args(void **state)
{
    (void)state;
    transport_fault_config c;
    transport *out = (transport *)&c, *none = NULL;
    assert_int_equal(transport_fault_config_parse("drop=0", &c), MPC_OK);
    assert_int_equal(transport_fault_wrap(NULL, &c, &out), MPC_ERR_INVALID_ARG);
    assert_null(out);
    assert_int_equal(transport_fault_wrap(&none, &c, &out), MPC_ERR_INVALID_ARG);
    transport_fault_stats fs;
    transport_fault_get_stats(NULL, &fs);
    assert_int_equal(fs.delayed, 0);
}

int
main(void)
{
    g_seed = mpc_test_seed("test_fault_transport");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_config_parse),
        cmocka_unit_test(test_fault_subject_matches),
        cmocka_unit_test(test_fault_publish_delayed_and_passthrough),
        cmocka_unit_test(test_fault_direct_delayed_then_acked),
        cmocka_unit_test(test_fault_cancel_and_destroy_complete_once),
        cmocka_unit_test(test_fault_drops),
        cmocka_unit_test(test_fault_wrap_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

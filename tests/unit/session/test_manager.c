/*
 * test_manager.c — the session manager on the in-memory transport (issue 4,
 * "What must be shown" 1, 2, 5, 6, 7, 8), plus the API's argument checks,
 * admission, reshare locks and the snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/clock.h"
#include "session/manager.h"
#include "tests/support/session_testkit.h"
#include "tests/support/toy_protocol.h"
#include "tests/support/transport_testkit.h"

/* Sleeps ms: used only to create the scenario (a late party), never to wait for an event. */
static void
test_pause_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static stk_cluster *
make_cluster(stk_options *o, uint64_t *rng, const char *name)
{
    *rng = tk_seed(name) | 1;
    o->seed = *rng;
    stk_cluster *c = NULL;
    assert_int_equal(stk_cluster_create(&c, o), MPC_OK);
    return c;
}

static void
assert_all_idle(stk_cluster *c, uint32_t nodes)
{
    for (uint32_t i = 0; i < nodes; i++) {
        session_manager_stats st;
        session_manager_get_stats(stk_manager(c, i), &st);
        assert_int_equal(st.live, 0);
        assert_int_equal(st.permits_in_use, 0);
    }
}

/* 1. `count` concurrent sessions of n parties all complete with correct results. */
static void
run_concurrent(uint32_t n, uint32_t count)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, n);
    stk_cluster *c = make_cluster(&o, &rng, "concurrent");
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session *s = calloc(count, sizeof *s);
    assert_non_null(s);
    for (uint32_t i = 0; i < count; i++) {
        stk_session_init(&s[i], n, &rng, &tr);
        assert_int_equal(stk_start_all(c, &s[i]), MPC_OK);
    }
    assert_true(stk_tracker_wait(&tr, (uint64_t)count * n, 480000));
    for (uint32_t i = 0; i < count; i++) {
        if (!stk_session_ok(&tr, &s[i])) {
            for (uint32_t p = 0; p < n; p++) {
                stk_outcome out = stk_outcome_get(&tr, &s[i], p);
                print_message("# session %u party %u: %s culprit %u round %u\n", i, p,
                              mpc_status_name(out.status), out.culprit, out.round);
            }
        }
        assert_true(stk_session_ok(&tr, &s[i]));
    }
    for (uint32_t i = 0; i < n; i++) {
        session_manager_stats st;
        session_manager_get_stats(stk_manager(c, i), &st);
        assert_int_equal(st.started, count);
        assert_int_equal(st.done, count);
        assert_int_equal(st.failed, 0);
    }
    assert_all_idle(c, n);
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

/* 2a. A party that joins 2 s late: the session still succeeds (barrier waits). */
static void
test_manager_late_joiner_succeeds(void **state)
{
    (void)state;
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    stk_cluster *c = make_cluster(&o, &rng, "late_joiner");
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session s;
    stk_session_init(&s, 3, &rng, &tr);
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(stk_start_party(c, &s, 0, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 1, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    test_pause_ms(2000);
    assert_int_equal(stk_start_party(c, &s, 2, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_true(stk_tracker_wait(&tr, 3, 20000));
    assert_true(stk_session_ok(&tr, &s));
    assert_true(stk_outcome_get(&tr, &s, 0).end_ms - t0 >= 2000);
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

/* 2b. A party that never joins fails the session at the barrier deadline, naming it. */
static void
test_manager_never_joiner_fails_at_barrier(void **state)
{
    (void)state;
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.cfg.barrier_timeout_ms = 1500;
    stk_cluster *c = make_cluster(&o, &rng, "never_joiner");
    stk_tracker tr;
    stk_tracker_init(&tr);
    enum { OTHERS = 30 };
    stk_session bad, *ok = calloc(OTHERS, sizeof *ok);
    assert_non_null(ok);
    stk_session_init(&bad, 3, &rng, &tr);
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(stk_start_party(c, &bad, 0, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_int_equal(stk_start_party(c, &bad, 1, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    for (int i = 0; i < OTHERS; i++) {
        stk_session_init(&ok[i], 3, &rng, &tr);
        assert_int_equal(stk_start_all(c, &ok[i]), MPC_OK);
    }
    assert_true(stk_tracker_wait(&tr, 2 + 3 * OTHERS, 20000));
    for (uint32_t p = 0; p < 2; p++) {
        stk_outcome out = stk_outcome_get(&tr, &bad, p);
        assert_int_equal(out.done, 1);
        assert_int_equal(out.status, MPC_ERR_PEER_UNAVAILABLE);
        assert_int_equal(out.culprit, 2);
        assert_true(out.end_ms - t0 >= 1500);
    }
    for (int i = 0; i < OTHERS; i++) {
        assert_true(stk_session_ok(&tr, &ok[i]));
    }
    assert_all_idle(c, 3);
    stk_cluster_destroy(c);
    free(ok);
    stk_tracker_fini(&tr);
}

/* 5. Mailbox capacity 2: senders get BUSY, back off, and everything is delivered. */
static void
test_manager_small_mailbox_busy_then_delivered(void **state)
{
    (void)state;
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 5);
    o.cfg.mailbox_cap = 2;
    o.cfg.workers = 1;
    stk_cluster *c = make_cluster(&o, &rng, "small_mailbox");
    stk_tracker tr;
    stk_tracker_init(&tr);
    enum { COUNT = 40 };
    stk_session *s = calloc(COUNT, sizeof *s);
    assert_non_null(s);
    for (int i = 0; i < COUNT; i++) {
        stk_session_init(&s[i], 5, &rng, &tr);
        assert_int_equal(stk_start_all(c, &s[i]), MPC_OK);
    }
    assert_true(stk_tracker_wait(&tr, 5 * COUNT, 60000));
    uint64_t busy = 0, tbusy = 0;
    for (uint32_t i = 0; i < 5; i++) {
        session_manager_stats st;
        session_manager_get_stats(stk_manager(c, i), &st);
        busy += st.busy_replies;
        transport_stats ts;
        transport_get_stats(stk_transport(c, i), &ts);
        tbusy += ts.busy;
    }
    print_message("# busy replies %llu, sender busy tries %llu\n", (unsigned long long)busy,
                  (unsigned long long)tbusy);
    assert_true(busy > 0);
    assert_true(tbusy > 0);
    for (int i = 0; i < COUNT; i++) {
        assert_true(stk_session_ok(&tr, &s[i]));
    }
    stk_cluster_destroy(c);
    free(s);
    stk_tracker_fini(&tr);
}

/* Subscriptions of node i right now. */
static uint64_t
subs_of(stk_cluster *c, uint32_t i)
{
    transport_stats ts;
    transport_get_stats(stk_transport(c, i), &ts);
    return ts.subscriptions;
}

/*
 * 6. A peer stops answering mid-round: every party fails at its deadline
 * (or idle timeout), its permit comes back and its subscriptions are gone.
 */
static void
run_stalled_peer(int use_idle)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    if (use_idle) {
        o.cfg.idle_timeout_ms = 1200;
    }
    stk_cluster *c = make_cluster(&o, &rng, use_idle ? "stalled_idle" : "stalled_deadline");
    uint64_t subs0[3];
    for (uint32_t i = 0; i < 3; i++) {
        subs0[i] = subs_of(c, i);
    }
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session s;
    stk_session_init(&s, 3, &rng, &tr);
    uint64_t deadline = use_idle ? 0 : 1500;
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(stk_start_party(c, &s, 0, NULL, SESSION_OP_SIGN, deadline), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 1, NULL, SESSION_OP_SIGN, deadline), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 2, toy_protocol_mute(), SESSION_OP_SIGN, deadline),
                     MPC_OK);
    assert_true(stk_tracker_wait(&tr, 3, 20000));
    mpc_status want = use_idle ? MPC_ERR_IDLE : MPC_ERR_DEADLINE;
    int timed_out = 0;
    for (uint32_t p = 0; p < 3; p++) {
        stk_outcome out = stk_outcome_get(&tr, &s, p);
        /* The first to time out publishes ABORT; a peer may see it before its own timer. */
        assert_true(out.status == want || out.status == MPC_ERR_GONE);
        assert_true(out.end_ms - t0 >= (use_idle ? 1200 : 1500));
        assert_true(out.round >= 2);
        timed_out += out.status == want;
        assert_int_equal(session_manager_permits_free(stk_manager(c, p)), o.cfg.max_sessions);
        assert_int_equal(subs_of(c, p), subs0[p]);
    }
    assert_true(timed_out >= 1);
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

static void
test_manager_stalled_peer_fails_at_deadline(void **state)
{
    (void)state;
    run_stalled_peer(0);
}

static void
test_manager_stalled_peer_fails_at_idle_timeout(void **state)
{
    (void)state;
    run_stalled_peer(1);
}

/* 7. max_sessions = 4 and 50 sessions requested: never more than 4 live, all complete. */
static void
test_manager_admission_bounds_live_sessions(void **state)
{
    (void)state;
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.cfg.max_sessions = 4;
    stk_cluster *c = make_cluster(&o, &rng, "admission");
    stk_tracker tr;
    stk_tracker_init(&tr);
    enum { COUNT = 50 };
    stk_session *s = calloc(COUNT, sizeof *s);
    assert_non_null(s);
    for (int i = 0; i < COUNT; i++) {
        stk_session_init(&s[i], 3, &rng, &tr);
        assert_int_equal(stk_start_all(c, &s[i]), MPC_OK); /* waits for permits */
    }
    assert_true(stk_tracker_wait(&tr, 3 * COUNT, 60000));
    for (int i = 0; i < COUNT; i++) {
        assert_true(stk_session_ok(&tr, &s[i]));
    }
    for (uint32_t i = 0; i < 3; i++) {
        session_manager_stats st;
        session_manager_get_stats(stk_manager(c, i), &st);
        assert_true(st.live_high_water <= 4);
        assert_true(st.live_high_water >= 1);
        assert_int_equal(st.done, COUNT);
    }
    stk_cluster_destroy(c);
    free(s);
    stk_tracker_fini(&tr);
}

/* 8. Shutdown with 50 live sessions ends within the drain deadline; all are accounted for. */
static void
test_manager_shutdown_with_live_sessions(void **state)
{
    (void)state;
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    stk_cluster *c = make_cluster(&o, &rng, "shutdown");
    stk_tracker tr;
    stk_tracker_init(&tr);
    enum { COUNT = 50 };
    stk_session *s = calloc(COUNT, sizeof *s);
    assert_non_null(s);
    for (int i = 0; i < COUNT; i++) {
        stk_session_init(&s[i], 3, &rng, &tr);
        /* Party 2 goes silent after round 1, so every session stays live. */
        assert_int_equal(stk_start_party(c, &s[i], 0, NULL, SESSION_OP_SIGN, 0), MPC_OK);
        assert_int_equal(stk_start_party(c, &s[i], 1, NULL, SESSION_OP_SIGN, 0), MPC_OK);
        assert_int_equal(stk_start_party(c, &s[i], 2, toy_protocol_mute(), SESSION_OP_SIGN, 0),
                         MPC_OK);
    }
    session_manager_stats st;
    session_manager_get_stats(stk_manager(c, 0), &st);
    assert_int_equal(st.live, COUNT);
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(session_manager_shutdown(stk_manager(c, 0), 800), MPC_ERR_TIMEOUT);
    uint64_t took = mpc_clock_mono_ms() - t0;
    print_message("# shutdown took %llu ms (drain 800)\n", (unsigned long long)took);
    assert_true(took >= 800 && took < 3000);
    session_manager_get_stats(stk_manager(c, 0), &st);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.failed, COUNT);
    assert_int_equal(st.permits_in_use, 0);
    /* Peers learn of it (ABORT / GONE) and fail fast, long before their deadlines. */
    assert_true(stk_tracker_wait(&tr, 3 * COUNT, 10000));
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(stk_outcome_get(&tr, &s[i], 0).status, MPC_ERR_SHUTDOWN);
        for (uint32_t p = 1; p < 3; p++) {
            stk_outcome out = stk_outcome_get(&tr, &s[i], p);
            assert_int_equal(out.done, 1);
            assert_int_equal(out.status, MPC_ERR_GONE);
            assert_int_equal(out.culprit, 0);
        }
    }
    /* No new session after shutdown. */
    stk_session late;
    stk_session_init(&late, 3, &rng, &tr);
    assert_int_equal(stk_start_party(c, &late, 0, NULL, SESSION_OP_SIGN, 0), MPC_ERR_SHUTDOWN);
    assert_int_equal(session_manager_shutdown(stk_manager(c, 0), 0), MPC_OK);
    stk_cluster_destroy(c);
    free(s);
    stk_tracker_fini(&tr);
}

/* Sessions that can finish do so during the drain: shutdown reports MPC_OK. */
static void
test_manager_shutdown_drains_finishing_sessions(void **state)
{
    (void)state;
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    stk_cluster *c = make_cluster(&o, &rng, "shutdown_drain");
    stk_tracker tr;
    stk_tracker_init(&tr);
    enum { COUNT = 20 };
    stk_session s[COUNT];
    for (int i = 0; i < COUNT; i++) {
        stk_session_init(&s[i], 3, &rng, &tr);
        assert_int_equal(stk_start_all(c, &s[i]), MPC_OK);
    }
    assert_int_equal(session_manager_shutdown(stk_manager(c, 0), 20000), MPC_OK);
    assert_true(stk_tracker_wait(&tr, 3 * COUNT, 20000));
    for (int i = 0; i < COUNT; i++) {
        assert_true(stk_session_ok(&tr, &s[i]));
    }
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

static void
noop_done(void *arg, const session_outcome *o)
{
    (void)arg;
    (void)o;
}

static void
test_manager_create_bad_args(void **state)
{
    (void)state;
    transport_mem_net *net = NULL;
    transport *t = NULL;
    assert_int_equal(transport_mem_net_create(NULL, &net), MPC_OK);
    assert_int_equal(transport_mem_create(net, "n0", &t), MPC_OK);
    const char *ids[] = {"n0", "n1", "n2"};
    transport_identity *id = NULL, *id1 = NULL;
    transport_peer_table *pt = NULL, *pt1 = NULL;
    assert_int_equal(stk_peers_create(ids, 3, 0, &id, &pt), MPC_OK);
    assert_int_equal(stk_peers_create(ids, 3, 1, &id1, &pt1), MPC_OK);
    session_config cfg;
    session_config_default(&cfg);
    session_manager *m = (session_manager *)1;
    cfg.peers = pt;
    assert_int_equal(session_manager_create(&m, &cfg, t), MPC_ERR_CONFIG); /* no self_id */
    assert_null(m);
    cfg.self_id = "bad.id";
    assert_int_equal(session_manager_create(&m, &cfg, t), MPC_ERR_CONFIG);
    cfg.self_id = "n0";
    cfg.peers = NULL;
    assert_int_equal(session_manager_create(&m, &cfg, t), MPC_ERR_CONFIG);
    cfg.peers = pt1; /* the identity of another node */
    assert_int_equal(session_manager_create(&m, &cfg, t), MPC_ERR_CONFIG);
    cfg.peers = pt;
    cfg.workers = 0;
    assert_int_equal(session_manager_create(&m, &cfg, t), MPC_ERR_CONFIG);
    cfg.workers = 2;
    assert_int_equal(session_manager_create(NULL, &cfg, t), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_manager_create(&m, NULL, t), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_manager_create(&m, &cfg, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_manager_create(&m, &cfg, t), MPC_OK);
    assert_int_equal(session_manager_start(m, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_manager_start(NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_manager_shutdown(NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_manager_permits_free(NULL), 0);
    char *json = (char *)1;
    assert_int_equal(session_manager_snapshot(NULL, &json), MPC_ERR_INVALID_ARG);
    assert_null(json);
    assert_int_equal(session_manager_snapshot(m, NULL), MPC_ERR_INVALID_ARG);
    session_manager_destroy(m);
    session_manager_destroy(NULL);
    transport_destroy(t);
    transport_mem_net_destroy(net);
    transport_peer_table_destroy(pt);
    transport_identity_destroy(id);
    transport_peer_table_destroy(pt1);
    transport_identity_destroy(id1);
}

static void
test_manager_start_bad_spec(void **state)
{
    (void)state;
    transport_mem_net *net = NULL;
    transport *t = NULL;
    assert_int_equal(transport_mem_net_create(NULL, &net), MPC_OK);
    assert_int_equal(transport_mem_create(net, "n0", &t), MPC_OK);
    const char *ids[] = {"n0", "n1", "n2"};
    transport_identity *id = NULL;
    transport_peer_table *pt = NULL;
    assert_int_equal(stk_peers_create(ids, 3, 0, &id, &pt), MPC_OK);
    session_config cfg;
    session_config_default(&cfg);
    cfg.self_id = "n0";
    cfg.peers = pt;
    session_manager *m = NULL;
    assert_int_equal(session_manager_create(&m, &cfg, t), MPC_OK);
    uint8_t sid[SESSION_SID_LEN] = {1};
    uint8_t input[8] = {0};
    session_spec good = {.sid = sid,
                         .op = SESSION_OP_SIGN,
                         .key_type = "ed25519",
                         .wallet = "w",
                         .proto = toy_protocol(),
                         .self = 0,
                         .n_parties = 3,
                         .party_ids = ids,
                         .threshold = 2,
                         .input = input,
                         .input_len = 8,
                         .done = noop_done};
    session_spec sp = good;
    sp.sid = NULL;
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    sp = good;
    sp.done = NULL;
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    sp = good;
    sp.n_parties = 1;
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    sp = good;
    sp.self = 1; /* party 1 is not us */
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    sp = good;
    const char *dup[] = {"n0", "n1", "n1"};
    sp.party_ids = dup;
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    sp = good;
    const char *bad[] = {"n0", "n1", "x.>"};
    sp.party_ids = bad;
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    sp = good;
    sp.op = 0;
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    sp = good;
    sp.input = NULL;
    assert_int_equal(session_manager_start(m, &sp), MPC_ERR_INVALID_ARG);
    session_manager_stats st;
    session_manager_get_stats(m, &st);
    assert_int_equal(st.started, 0);
    assert_int_equal(st.permits_in_use, 0);
    session_manager_destroy(m);
    transport_destroy(t);
    transport_mem_net_destroy(net);
    transport_peer_table_destroy(pt);
    transport_identity_destroy(id);
}

/* Permits, duplicate sids, reshare locks, and the snapshot of live sessions. */
static void
test_manager_admission_locks_snapshot(void **state)
{
    (void)state;
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.cfg.max_sessions = 2;
    stk_cluster *c = make_cluster(&o, &rng, "locks");
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session a, b, d;
    stk_session_init(&a, 3, &rng, &tr);
    stk_session_init(&b, 3, &rng, &tr);
    stk_session_init(&d, 3, &rng, &tr);
    session_manager *m0 = stk_manager(c, 0);
    /* Only node 0 starts: the sessions stay in the barrier. */
    assert_int_equal(stk_start_party(c, &a, 0, NULL, SESSION_OP_RESHARE, 0), MPC_OK);
    assert_int_equal(stk_start_party(c, &a, 0, NULL, SESSION_OP_SIGN, 0), MPC_ERR_EXISTS);
    assert_int_equal(stk_start_party(c, &b, 0, NULL, SESSION_OP_RESHARE, 0), MPC_ERR_LOCKED);
    assert_int_equal(stk_start_party(c, &b, 0, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_int_equal(session_manager_permits_free(m0), 0);
    session_spec none;
    memset(&none, 0, sizeof none);
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(stk_start_party(c, &d, 1, NULL, SESSION_OP_SIGN, 0), MPC_OK); /* node 1 */
    /* node 0 has no permit left: a start with a 200 ms admission wait fails. */
    uint8_t input[8] = {0};
    const char *ids[] = {"n0", "n1", "n2"};
    session_spec sp = {.sid = d.sid,
                       .op = SESSION_OP_SIGN,
                       .key_type = "ed25519",
                       .wallet = "w1",
                       .proto = toy_protocol(),
                       .self = 0,
                       .n_parties = 3,
                       .party_ids = ids,
                       .input = input,
                       .input_len = 8,
                       .admit_timeout_ms = 200,
                       .done = noop_done};
    assert_int_equal(session_manager_start(m0, &sp), MPC_ERR_ADMISSION);
    assert_true(mpc_clock_mono_ms() - t0 >= 200);

    char *json = NULL;
    assert_int_equal(session_manager_snapshot(m0, &json), MPC_OK);
    json_error_t err;
    json_t *root = json_loads(json, 0, &err);
    assert_non_null(root);
    json_t *node = json_object_get(root, "node");
    assert_int_equal(json_integer_value(json_object_get(node, "live")), 2);
    assert_int_equal(json_integer_value(json_object_get(node, "permits_in_use")), 2);
    assert_int_equal(json_integer_value(json_object_get(node, "permits_max")), 2);
    assert_string_equal(json_string_value(json_object_get(node, "self_id")), "n0");
    assert_non_null(json_object_get(json_object_get(node, "transport"), "subscriptions"));
    json_t *sessions = json_object_get(root, "sessions");
    assert_int_equal(json_array_size(sessions), 2);
    char hex[SESSION_SID_HEX_LEN + 1];
    session_sid_hex(a.sid, hex);
    int found = 0;
    for (size_t i = 0; i < json_array_size(sessions); i++) {
        json_t *e = json_array_get(sessions, i);
        assert_string_equal(json_string_value(json_object_get(e, "state")), "barrier");
        assert_string_equal(json_string_value(json_object_get(e, "wallet")), "w1");
        assert_non_null(json_object_get(e, "mailbox_high_water"));
        assert_non_null(json_object_get(e, "step_ms"));
        if (strcmp(json_string_value(json_object_get(e, "sid")), hex) == 0) {
            found = 1;
            assert_string_equal(json_string_value(json_object_get(e, "op")), "reshare");
        }
    }
    assert_true(found);
    json_decref(root);
    free(json);
    /* Destroy fails the live sessions with SHUTDOWN and calls their callbacks. */
    stk_manager_kill(c, 0);
    assert_true(stk_tracker_wait(&tr, 2, 5000));
    assert_int_equal(stk_outcome_get(&tr, &a, 0).status, MPC_ERR_SHUTDOWN);
    assert_int_equal(stk_outcome_get(&tr, &b, 0).status, MPC_ERR_SHUTDOWN);
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

static void
test_manager_names(void **state)
{
    (void)state;
    assert_string_equal(session_state_name(SESSION_STATE_RUNNING), "running");
    assert_string_equal(session_state_name((session_state)99), "unknown");
    assert_string_equal(session_op_name(SESSION_OP_RESHARE), "reshare");
    assert_string_equal(session_op_name((session_op)0), "unknown");
    uint8_t sid[SESSION_SID_LEN];
    for (int i = 0; i < SESSION_SID_LEN; i++) {
        sid[i] = (uint8_t)(0xa0 + i);
    }
    char hex[SESSION_SID_HEX_LEN + 1];
    session_sid_hex(sid, hex);
    assert_string_equal(hex, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manager_names),
        cmocka_unit_test(test_manager_create_bad_args),
        cmocka_unit_test(test_manager_start_bad_spec),
        cmocka_unit_test(test_manager_admission_locks_snapshot),
        cmocka_unit_test(test_manager_200_sessions_3_parties),
        cmocka_unit_test(test_manager_200_sessions_5_parties),
        cmocka_unit_test(test_manager_late_joiner_succeeds),
        cmocka_unit_test(test_manager_never_joiner_fails_at_barrier),
        cmocka_unit_test(test_manager_small_mailbox_busy_then_delivered),
        cmocka_unit_test(test_manager_stalled_peer_fails_at_deadline),
        cmocka_unit_test(test_manager_stalled_peer_fails_at_idle_timeout),
        cmocka_unit_test(test_manager_admission_bounds_live_sessions),
        cmocka_unit_test(test_manager_shutdown_with_live_sessions),
        cmocka_unit_test(test_manager_shutdown_drains_finishing_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

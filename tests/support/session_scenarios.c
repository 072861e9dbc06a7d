/*
 * session_scenarios.c — see session_scenarios.h.
 */
#include "tests/support/session_scenarios.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "session/guard.h"
#include "session/manager.h"
#include "tests/support/session_testkit.h"
#include "tests/support/test_util.h"
#include "tests/support/toy_protocol.h"
#include "tests/support/transport_testkit.h"

/* Sleeps ms: used only to create the scenario (a late party), never to wait for an event. */
static void
sc_pause_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static stk_cluster *
make_cluster(stk_options *o, uint64_t *rng, const char *name)
{
    *rng = mpc_test_seed(name) | 1;
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
void
stk_sc_concurrent(const char *url, uint32_t n, uint32_t count)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, n);
    o.nats_url = url;
    /* All sessions start at once, so the last ones end when the whole batch
     * does: on a loaded machine that passed the 30 s sign deadline (196 of
     * 200 five-party sessions failed with DEADLINE beside other suites).
     * Deadlines are not under test here (stalled_peer tests them). */
    o.cfg.sign_deadline_ms *= 4;
    o.cfg.idle_timeout_ms *= 4;
    if ((mpc_test_under_valgrind() || mpc_test_under_tsan()) &&
        (url == NULL || mpc_test_under_valgrind())) {
        /* The in-memory net routes each message past every subscription under
         * one lock, and valgrind runs one thread at a time: 1000 live party
         * sessions then take minutes and retry storms follow per-try timeouts.
         * Under tsan all 200 still run, at most 50 at once (the NATS variant
         * under tsan and every variant under ASan run all 200 at once); under
         * valgrind, which checks memory rather than concurrency, 50 sessions
         * run, at most 20 at once. */
        o.cfg.max_sessions = getenv("MPC_VALGRIND") != NULL ? 20 : 50;
        if (getenv("MPC_VALGRIND") != NULL && count > 50) {
            count = 50;
        }
    }
    stk_cluster *c = make_cluster(&o, &rng, "concurrent");
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session *s = calloc(count, sizeof *s);
    assert_non_null(s);
    for (uint32_t i = 0; i < count; i++) {
        stk_session_init(&s[i], n, &rng, &tr);
    }
    uint64_t t0 = mpc_clock_mono_ms();
    for (uint32_t i = 0; i < count; i++) {
        assert_int_equal(stk_start_all(c, &s[i]), MPC_OK);
    }
    assert_true(stk_tracker_wait(&tr, (uint64_t)count * n, 480000));
    uint64_t took = mpc_clock_mono_ms() - t0;
    print_message("# %s: %u sessions x %u parties in %llu ms (%.0f sessions/s)\n",
                  url != NULL ? "nats" : "mem", count, n, (unsigned long long)took,
                  took ? 1000.0 * count / (double)took : 0.0);
    for (uint32_t i = 0; i < count; i++) {
        if (!stk_session_ok(&tr, &s[i])) {
            for (uint32_t p = 0; p < n; p++) {
                session_manager_stats st;
                session_manager_get_stats(stk_manager(c, p), &st);
                print_message(
                    "# node %u: done %llu failed %llu bad %llu late %llu replays %llu "
                    "parked %llu busy %llu gone %llu\n",
                    p, (unsigned long long)st.done, (unsigned long long)st.failed,
                    (unsigned long long)st.bad_dropped, (unsigned long long)st.late_dropped,
                    (unsigned long long)st.replays_dropped, (unsigned long long)st.parked,
                    (unsigned long long)st.busy_replies, (unsigned long long)st.gone_replies);
            }
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

/* 2a. A party that joins 2 s late: the session still succeeds (barrier waits). */
void
stk_sc_late_joiner(const char *url)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.nats_url = url;
    stk_cluster *c = make_cluster(&o, &rng, "late_joiner");
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session s;
    stk_session_init(&s, 3, &rng, &tr);
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(stk_start_party(c, &s, 0, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 1, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    sc_pause_ms(2000);
    assert_int_equal(stk_start_party(c, &s, 2, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_true(stk_tracker_wait(&tr, 3, 20000 * mpc_test_slow()));
    assert_true(stk_session_ok(&tr, &s));
    assert_true(stk_outcome_get(&tr, &s, 0).end_ms - t0 >= 2000);
    /* A finished sid is tombstoned: it cannot be started again. */
    assert_int_equal(stk_start_party(c, &s, 0, NULL, SESSION_OP_SIGN, 0), MPC_ERR_EXISTS);
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

/* 2b. A party that never joins fails the session at the barrier deadline, naming it. */
void
stk_sc_never_joiner(const char *url)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.nats_url = url;
    uint64_t barrier = 1500 * mpc_test_slow();
    o.cfg.barrier_timeout_ms = barrier;
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
    assert_true(stk_tracker_wait(&tr, 2 + 3 * OTHERS, 20000 * mpc_test_slow()));
    for (uint32_t p = 0; p < 2; p++) {
        stk_outcome out = stk_outcome_get(&tr, &bad, p);
        assert_int_equal(out.done, 1);
        assert_int_equal(out.status, MPC_ERR_PEER_UNAVAILABLE);
        assert_int_equal(out.culprit, 2);
        assert_true(out.end_ms - t0 >= barrier);
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
void
stk_sc_small_mailbox(const char *url)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 5);
    o.nats_url = url;
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
    assert_true(stk_tracker_wait(&tr, 5 * COUNT, 60000 * mpc_test_slow()));
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
void
stk_sc_stalled_peer(const char *url, int use_idle)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.nats_url = url;
    if (use_idle) {
        o.cfg.idle_timeout_ms = 1200 * mpc_test_slow();
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
    uint64_t deadline = use_idle ? 0 : 1500 * mpc_test_slow();
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(stk_start_party(c, &s, 0, NULL, SESSION_OP_SIGN, deadline), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 1, NULL, SESSION_OP_SIGN, deadline), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 2, toy_protocol_mute(), SESSION_OP_SIGN, deadline),
                     MPC_OK);
    assert_true(stk_tracker_wait(&tr, 3, 20000 * mpc_test_slow()));
    mpc_status want = use_idle ? MPC_ERR_IDLE : MPC_ERR_DEADLINE;
    int timed_out = 0;
    for (uint32_t p = 0; p < 3; p++) {
        stk_outcome out = stk_outcome_get(&tr, &s, p);
        /* The first to time out publishes ABORT; a peer may see it before its own timer. */
        assert_true(out.status == want || out.status == MPC_ERR_GONE);
        assert_true(out.end_ms - t0 >= (use_idle ? 1200 : 1500) * mpc_test_slow());
        assert_true(out.round >= 2);
        timed_out += out.status == want;
        assert_int_equal(session_manager_permits_free(stk_manager(c, p)), o.cfg.max_sessions);
        assert_int_equal(subs_of(c, p), subs0[p]);
    }
    assert_true(timed_out >= 1);
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

/* Bounded poll of node i's snapshot until its only live session is in round >= r. */
static int
sc_wait_round(stk_cluster *c, uint32_t i, uint32_t r)
{
    for (int k = 0; k < 5000; k++) {
        char *js = NULL;
        assert_int_equal(session_manager_snapshot(stk_manager(c, i), &js), MPC_OK);
        const char *at = strstr(js, "\"round\":");
        long got = at != NULL ? strtol(at + 8, NULL, 10) : 0;
        free(js);
        if (got >= (long)r) {
            return 1;
        }
        sc_pause_ms(2); /* the manager has no event for a round change */
    }
    return 0;
}

/* 9. A party restarts mid-session: PEER_RESTARTED everywhere, naming it. */
void
stk_sc_peer_restart(const char *url)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.nats_url = url;
    stk_cluster *c = make_cluster(&o, &rng, "peer_restart");
    uint64_t old_inc = session_manager_incarnation(stk_manager(c, 1));
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session s, s_new;
    stk_session_init(&s, 3, &rng, &tr);
    s_new = s; /* same sid and inputs; outcomes of the new instance of n1 kept apart */
    /* n1 takes part in round 1, then goes silent (as if it had died). */
    assert_int_equal(stk_start_party(c, &s, 0, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 1, toy_protocol_mute(), SESSION_OP_SIGN, 0), MPC_OK);
    assert_int_equal(stk_start_party(c, &s, 2, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_true(sc_wait_round(c, 0, 2));
    assert_true(sc_wait_round(c, 2, 2));
    /* The request is redelivered to the restarted n1, which starts the sid again. */
    assert_int_equal(stk_node_restart(c, 1, 0), MPC_OK);
    assert_int_not_equal(session_manager_incarnation(stk_manager(c, 1)), old_inc);
    assert_int_equal(stk_start_party(c, &s_new, 1, NULL, SESSION_OP_SIGN, 0), MPC_OK);
    assert_true(stk_tracker_wait(&tr, 4, 20000 * mpc_test_slow()));
    stk_outcome outs[4] = {stk_outcome_get(&tr, &s, 0), stk_outcome_get(&tr, &s, 2),
                           stk_outcome_get(&tr, &s, 1), stk_outcome_get(&tr, &s_new, 1)};
    for (int k = 0; k < 4; k++) {
        print_message("# instance %d: %s culprit %u round %u\n", k, mpc_status_name(outs[k].status),
                      outs[k].culprit, outs[k].round);
        assert_int_equal(outs[k].done, 1);
        assert_int_equal(outs[k].status, MPC_ERR_PEER_RESTARTED);
        assert_int_equal(outs[k].culprit, 1);
    }
    assert_int_equal(outs[0].round, 2); /* the peers were waiting in round 2 */
    assert_int_equal(outs[1].round, 2);
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

/* 7. max_sessions = 4 and 50 sessions requested: never more than 4 live, all complete. */
void
stk_sc_admission(const char *url)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.nats_url = url;
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
    assert_true(stk_tracker_wait(&tr, 3 * COUNT, 60000 * mpc_test_slow()));
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
/* Returns: how many sessions node i's live snapshot shows in state "running". */
static uint32_t
sc_running(stk_cluster *c, uint32_t i)
{
    char *js = NULL;
    uint32_t n = 0;
    assert_int_equal(session_manager_snapshot(stk_manager(c, i), &js), MPC_OK);
    for (const char *p = js; (p = strstr(p, "\"state\":\"running\"")) != NULL; p++) {
        n++;
    }
    free(js);
    return n;
}

/* Waits (bounded) until every session on each of `nodes` nodes runs its
 * protocol: past subscription and readiness barrier. */
static void
sc_wait_running(stk_cluster *c, uint32_t nodes, uint32_t count, uint64_t timeout_ms)
{
    uint64_t until = mpc_clock_mono_ms() + timeout_ms;
    for (uint32_t i = 0; i < nodes; i++) {
        while (sc_running(c, i) < count && mpc_clock_mono_ms() < until) {
            sc_pause_ms(20);
        }
        assert_int_equal(sc_running(c, i), count);
    }
}

void
stk_sc_shutdown_live(const char *url)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.nats_url = url;
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
    /* Shut down only once every party passed the barrier: a peer still in
     * the barrier when node 0 goes away fails with PEER_UNAVAILABLE, not
     * GONE (under valgrind the 150 barriers take seconds). */
    sc_wait_running(c, 3, COUNT, 20000 * mpc_test_slow());
    uint64_t t0 = mpc_clock_mono_ms();
    assert_int_equal(session_manager_shutdown(stk_manager(c, 0), 800), MPC_ERR_TIMEOUT);
    uint64_t took = mpc_clock_mono_ms() - t0;
    print_message("# shutdown took %llu ms (drain 800)\n", (unsigned long long)took);
    assert_true(took >= 800 && took < 3000 * mpc_test_slow());
    session_manager_get_stats(stk_manager(c, 0), &st);
    assert_int_equal(st.live, 0);
    assert_int_equal(st.failed, COUNT);
    assert_int_equal(st.permits_in_use, 0);
    /* Peers learn of it (ABORT / GONE) and fail fast, long before their deadlines. */
    assert_true(stk_tracker_wait(&tr, 3 * COUNT, 10000 * mpc_test_slow()));
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(stk_outcome_get(&tr, &s[i], 0).status, MPC_ERR_SHUTDOWN);
        for (uint32_t p = 1; p < 3; p++) {
            stk_outcome out = stk_outcome_get(&tr, &s[i], p);
            assert_int_equal(out.done, 1);
            assert_int_equal(out.status, MPC_ERR_GONE);
            assert_int_equal(out.culprit, SESSION_NO_CULPRIT); /* the ABORT blames nobody */
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
void
stk_sc_shutdown_drain(const char *url)
{
    uint64_t rng;
    stk_options o;
    stk_options_default(&o, 3);
    o.nats_url = url;
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
    assert_true(stk_tracker_wait(&tr, 3 * COUNT, 20000 * mpc_test_slow()));
    for (int i = 0; i < COUNT; i++) {
        assert_true(stk_session_ok(&tr, &s[i]));
    }
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

/* The fault scenarios need the test-only injection hook (session/guard.h). */
#ifdef MPC_FAULT_INJECTION

/* Normal sessions per batch: 100; under valgrind, which runs one thread at a
 * time, 300 live party sessions outlast their barrier and deadlines on a
 * loaded machine (1 of 100 failed in the second batch; at a load of 40 on
 * 2 cores, 40 still failed), so 24: a fault every 8 normal sessions. */
enum { NORMAL = 100, NORMAL_VALGRIND = 24, NODES = 3 };

/* One injected fault: party, round, kind, and the statuses it must produce. */
typedef struct {
    uint32_t party;          /* faulty party */
    uint32_t round;          /* round of the fault */
    session_fault_kind kind; /* what happens */
    mpc_status want;         /* status of the faulty party */
} fault_case;

static void
sc_run_batch(stk_cluster *c, uint64_t *rng, stk_tracker *tr, stk_session *s, uint32_t count)
{
    uint64_t before = tr->ndone;
    for (uint32_t i = 0; i < count; i++) {
        stk_session_init(&s[i], NODES, rng, tr);
        assert_int_equal(stk_start_all(c, &s[i]), MPC_OK);
    }
    assert_true(stk_tracker_wait(tr, before + (uint64_t)count * NODES, 60000 * mpc_test_slow()));
    for (uint32_t i = 0; i < count; i++) {
        if (!stk_session_ok(tr, &s[i])) {
            for (uint32_t p = 0; p < NODES; p++) {
                stk_outcome po = stk_outcome_get(tr, &s[i], p);
                print_message("# session %u party %u: done %d status %s round %u\n", i, p, po.done,
                              mpc_status_str(po.status), po.round);
            }
        }
        assert_true(stk_session_ok(tr, &s[i]));
    }
}

/*
 * The largest spread of end times among the parties of one of count sessions
 * (ms): how late the last round's message reaches a party on this machine
 * right now, the scale of one message hop under the current load.
 */
static uint64_t
sc_spread_max(stk_tracker *tr, stk_session *s, uint32_t count)
{
    uint64_t worst = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (uint32_t p = 0; p < NODES; p++) {
            uint64_t e = stk_outcome_get(tr, &s[i], p).end_ms;
            lo = e < lo ? e : lo;
            hi = e > hi ? e : hi;
        }
        worst = hi - lo > worst ? hi - lo : worst;
    }
    return worst;
}

void
stk_sc_faults(const char *url)
{
    int valgrind = getenv("MPC_VALGRIND") != NULL;
    uint64_t rng = mpc_test_seed("faults") | 1;
    stk_options o;
    stk_options_default(&o, NODES);
    o.nats_url = url;
    o.seed = rng;
    stk_cluster *c = NULL;
    assert_int_equal(stk_cluster_create(&c, &o), MPC_OK);
    stk_tracker tr;
    stk_tracker_init(&tr);

    const fault_case cases[] = {
        {1, 2, SESSION_FAULT_ERROR, MPC_ERR_PROTOCOL},
        {0, 2, SESSION_FAULT_NULL, MPC_ERR_FAULT},
        {2, 3, SESSION_FAULT_FPE, MPC_ERR_FAULT},
    };
    enum { NF = sizeof cases / sizeof cases[0] };
    stk_session bad[NF];
    const uint32_t normal = valgrind ? NORMAL_VALGRIND : NORMAL;
    const uint32_t spacing = normal / NF; /* a faulty session every spacing normal ones */
    stk_session *ok = calloc(normal, sizeof *ok);
    assert_non_null(ok);
    uint64_t faults0 = session_guard_faults();
    long live0 = toy_protocol_live_states();
    uint32_t nf = 0;
    for (uint32_t f = 0; f < NF; f++) {
        stk_session_init(&bad[f], NODES, &rng, &tr);
        if (valgrind && cases[f].kind == SESSION_FAULT_NULL) {
            continue;
        }
        assert_int_equal(
            session_fault_inject("toy", cases[f].round, cases[f].party, bad[f].sid, cases[f].kind),
            MPC_OK);
        nf++;
    }
    /* Interleave the faulty sessions with the normal ones. */
    for (uint32_t i = 0; i < normal; i++) {
        stk_session_init(&ok[i], NODES, &rng, &tr);
        assert_int_equal(stk_start_all(c, &ok[i]), MPC_OK);
        uint32_t f = i / spacing;
        if (i % spacing == spacing / 4 && f < NF &&
            !(valgrind && cases[f].kind == SESSION_FAULT_NULL)) {
            assert_int_equal(stk_start_all(c, &bad[f]), MPC_OK);
        }
    }
    assert_true(stk_tracker_wait(&tr, (uint64_t)(normal + nf) * NODES, 60000 * mpc_test_slow()));
    for (uint32_t i = 0; i < normal; i++) {
        assert_true(stk_session_ok(&tr, &ok[i]));
    }
    /* A peer learns of the fault by one message (ABORT / GONE): on a loaded
     * machine that hop takes as long as the last round's message of the
     * normal sessions run beside it, measured here; the bounds below widen
     * to twice that, never to the sign deadline (30 s x mpc_test_slow()). */
    uint64_t hop = sc_spread_max(&tr, ok, normal);
    uint64_t slack = 2 * hop < 10000 * mpc_test_slow() ? 2 * hop : 10000 * mpc_test_slow();
    print_message("# faults: normal sessions' parties ended within %llu ms of each other\n",
                  (unsigned long long)hop);
    for (uint32_t f = 0; f < NF; f++) {
        if (valgrind && cases[f].kind == SESSION_FAULT_NULL) {
            continue;
        }
        stk_outcome fo = stk_outcome_get(&tr, &bad[f], cases[f].party);
        assert_int_equal(fo.done, 1);
        assert_int_equal(fo.status, cases[f].want);
        assert_int_equal(fo.round, cases[f].round);
        for (uint32_t p = 0; p < NODES; p++) {
            if (p == cases[f].party) {
                continue;
            }
            stk_outcome po = stk_outcome_get(&tr, &bad[f], p);
            assert_int_equal(po.done, 1);
            assert_int_equal(po.status, MPC_ERR_GONE);
            /* An ABORT blames nobody: the faulty party's word is no proof (DESIGN §7). */
            assert_int_equal(po.culprit, SESSION_NO_CULPRIT);
            /* Fast: well under a second after the fault on a quiet machine (the
             * measured hop widens it under load), not at the deadline. */
            /* (Its callback may even run before the faulty party's own callback.)
             * Under valgrind, which runs one thread at a time, either callback
             * can wait seconds for its turn: the bounds widen, still far
             * below the sign deadline (30 s x mpc_test_slow()). */
            uint64_t early = valgrind ? 5000 : 200;
            uint64_t fast = valgrind ? 40000 : 1000 * mpc_test_slow();
            early = slack > early ? slack : early;
            fast = slack > fast ? slack : fast;
            if (!(po.end_ms + early >= fo.end_ms && po.end_ms < fo.end_ms + fast)) {
                print_message("# case %u party %u ended at %llu ms, the faulty party at %llu\n", f,
                              p, (unsigned long long)po.end_ms, (unsigned long long)fo.end_ms);
            }
            assert_true(po.end_ms + early >= fo.end_ms && po.end_ms < fo.end_ms + fast);
        }
    }
    uint64_t faults = 0, quarantined = 0;
    for (uint32_t i = 0; i < NODES; i++) {
        session_manager_stats st;
        session_manager_get_stats(stk_manager(c, i), &st);
        faults += st.faults;
        quarantined += st.quarantined;
    }
    uint64_t want_faults = valgrind ? 1 : 2;
    assert_int_equal(faults, want_faults);
    assert_int_equal(quarantined, want_faults);
    assert_int_equal(session_guard_faults() - faults0, want_faults);

    /* The process, and every worker, goes on: another batch. */
    sc_run_batch(c, &rng, &tr, ok, normal);
    stk_cluster_destroy(c);
    /* Every state, the faulted sessions' too, was destroyed (wiped), none parked. */
    assert_int_equal(toy_protocol_live_states(), live0);
    free(ok);
    stk_tracker_fini(&tr);
    session_fault_clear();
}

/* An error injected at create (round 0) fails that party before the barrier. */
void
stk_sc_fault_at_create(const char *url)
{
    uint64_t rng = mpc_test_seed("faults_create") | 1;
    stk_options o;
    stk_options_default(&o, NODES);
    o.nats_url = url;
    o.seed = rng;
    o.cfg.barrier_timeout_ms = 3000 * mpc_test_slow();
    stk_cluster *c = NULL;
    assert_int_equal(stk_cluster_create(&c, &o), MPC_OK);
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session s;
    stk_session_init(&s, NODES, &rng, &tr);
    assert_int_equal(session_fault_inject(NULL, 0, 1, s.sid, SESSION_FAULT_ERROR), MPC_OK);
    assert_int_equal(stk_start_all(c, &s), MPC_OK);
    assert_true(stk_tracker_wait(&tr, NODES, 20000 * mpc_test_slow()));
    stk_outcome f = stk_outcome_get(&tr, &s, 1);
    assert_int_equal(f.status, MPC_ERR_PROTOCOL);
    assert_int_equal(f.round, 0);
    for (uint32_t p = 0; p < NODES; p += 2) {
        stk_outcome po = stk_outcome_get(&tr, &s, p);
        /* Party 1 never subscribed: the others fail at the barrier, naming it. */
        assert_int_equal(po.status, MPC_ERR_PEER_UNAVAILABLE);
        assert_int_equal(po.culprit, 1);
    }
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
    session_fault_clear();
}

#endif /* MPC_FAULT_INJECTION */

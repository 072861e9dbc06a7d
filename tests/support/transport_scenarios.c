/*
 * transport_scenarios.c — see transport_scenarios.h.
 *
 * Subjects carry f->tag and a per-process counter so that scenarios never see
 * each other's traffic, even on a shared nats-server.
 */
#include "tests/support/transport_scenarios.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "tests/support/test_util.h"
#include "tests/support/transport_testkit.h"

static unsigned tk_run_counter;

uint64_t
tk_slack_ms(void)
{
    const char *env = getenv("MPC_TEST_SLACK");
    uint64_t mul = env != NULL ? strtoull(env, NULL, 10) : 0;
    if (mul == 0) {
        /* Under valgrind or tsan everything runs several times slower. */
        mul = mpc_test_slow();
    }
    return TK_SLACK_MS * mul;
}

static void
tk_subject(char *buf, const tk_factory *f, const char *what)
{
    unsigned n = __atomic_add_fetch(&tk_run_counter, 1, __ATOMIC_RELAXED);
    snprintf(buf, TRANSPORT_SUBJECT_MAX, "mpc.test.%s.%d.%u.%s", f->tag, (int)getpid(), n, what);
}

static transport *
tk_make(const tk_factory *f, const char *name, const transport_direct_sender_config *cfg)
{
    transport *t = NULL;
    assert_int_equal(f->make(f->ctx, name, cfg, &t), MPC_OK);
    assert_non_null(t);
    return t;
}

static uint64_t
ms_of(uint64_t ns)
{
    return ns / MPC_NS_PER_MS;
}

void
tk_sc_publish_after_confirmed_subscribe(const tk_factory *f)
{
    enum { N = 1000 };
    char subj[TRANSPORT_SUBJECT_MAX];
    tk_subject(subj, f, "b");
    transport *a = tk_make(f, "A", NULL);
    transport *b = tk_make(f, "B", NULL);
    tk_collector c;
    tk_collector_init(&c, TRANSPORT_REPLY_NONE, 0);
    c.seen = calloc(N, 1);
    c.seen_cap = N;
    assert_non_null(c.seen);
    transport_sub *sub = NULL;
    assert_int_equal(transport_subscribe_confirmed(a, subj, tk_collector_fn, &c, &sub), MPC_OK);
    for (int i = 0; i < N; i++) {
        char msg[16];
        int n = snprintf(msg, sizeof msg, "#%d", i);
        assert_int_equal(transport_publish(b, subj, (const uint8_t *)msg, (size_t)n), MPC_OK);
    }
    assert_int_equal(transport_flush(b, 5000), MPC_OK);
    assert_true(tk_collector_wait(&c, N, 10000 + tk_slack_ms()));
    transport_unsubscribe(a, sub);
    for (int i = 0; i < N; i++) {
        assert_int_equal(c.seen[i], 1);
    }
    assert_int_equal(c.dups, 0);
    assert_int_equal(tk_collector_count(&c), N);
    transport_stats st;
    transport_get_stats(b, &st);
    assert_true(st.published >= N);
    transport_destroy(a);
    transport_destroy(b);
    tk_collector_fini(&c);
}

void
tk_sc_subscribe_group(const tk_factory *f)
{
    char subj[3][TRANSPORT_SUBJECT_MAX];
    tk_subject(subj[0], f, "g0");
    tk_subject(subj[1], f, "g1");
    tk_subject(subj[2], f, "g2");
    transport *a = tk_make(f, "A", NULL);
    transport *b = tk_make(f, "B", NULL);
    tk_collector c[3];
    transport_sub *sub[3] = {NULL, NULL, NULL};
    transport_sub_req req[3];
    for (int i = 0; i < 3; i++) {
        tk_collector_init(&c[i], TRANSPORT_REPLY_NONE, 0);
        req[i] = (transport_sub_req){subj[i], tk_collector_fn, &c[i], &sub[i]};
    }
    transport_stats st0, st;
    transport_get_stats(a, &st0);
    /* a bad subject in the middle: refused, the first one does not stay */
    req[1].subject = "bad subject";
    assert_int_equal(transport_subscribe_confirmed_n(a, req, 3), MPC_ERR_INVALID_ARG);
    transport_get_stats(a, &st);
    assert_int_equal(st.subscriptions, st0.subscriptions);
    for (int i = 0; i < 3; i++) {
        assert_null(sub[i]);
    }
    req[1].subject = subj[1];
    assert_int_equal(transport_subscribe_confirmed_n(a, req, 3), MPC_OK);
    transport_get_stats(a, &st);
    assert_int_equal(st.subscriptions, st0.subscriptions + 3);
    for (int i = 0; i < 3; i++) {
        assert_non_null(sub[i]);
        char msg[8];
        int n = snprintf(msg, sizeof msg, "#%d", i);
        assert_int_equal(transport_publish(b, subj[i], (const uint8_t *)msg, (size_t)n), MPC_OK);
    }
    assert_int_equal(transport_flush(b, 5000), MPC_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(tk_collector_wait(&c[i], 1, 5000 + tk_slack_ms()));
        transport_unsubscribe(a, sub[i]);
        assert_int_equal(tk_collector_count(&c[i]), 1);
    }
    transport_get_stats(a, &st);
    assert_int_equal(st.subscriptions, st0.subscriptions);
    transport_destroy(a);
    transport_destroy(b);
    for (int i = 0; i < 3; i++) {
        tk_collector_fini(&c[i]);
    }
}

/* Nominal backoff after `tries` failed tries (k = tries - 1). */
static uint64_t
tk_backoff_ms(const transport_retry_policy *p, uint32_t tries)
{
    uint64_t ms = p->base_ms;
    for (uint32_t k = 1; k < tries && ms < p->cap_ms; k++) {
        ms *= 2;
    }
    return ms > p->cap_ms ? p->cap_ms : ms;
}

/* Checks that every gap between attempt starts honours the policy. */
static void
tk_check_gaps(const transport_retry_policy *p, const uint64_t *at, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint64_t nominal = tk_backoff_ms(p, i) * MPC_NS_PER_MS;
        uint64_t lo = nominal - nominal * p->jitter_pct / 100;
        uint64_t hi = nominal + nominal * p->jitter_pct / 100 + tk_slack_ms() * MPC_NS_PER_MS;
        uint64_t gap = at[i] - at[i - 1];
        printf("#   attempt %u -> %u: gap %" PRIu64 " ms (policy %" PRIu64 " ms +/- %u%%)\n", i,
               i + 1, ms_of(gap), ms_of(nominal), p->jitter_pct);
        assert_true(gap >= lo); /* strict: never early */
        assert_true(gap <= hi);
    }
}

void
tk_sc_late_subscriber(const tk_factory *f)
{
    tk_attempt_log log;
    assert_true(tk_attempt_log_init(&log, 4));
    transport_direct_sender_config cfg = {.on_attempt = tk_attempt_log_fn, .on_attempt_arg = &log};
    transport_retry_policy_default(&cfg.policy);
    /* the tries (capped 1 s apart) must outlast the stretched schedule below */
    cfg.policy.max_attempts *= (uint32_t)mpc_test_slow();
    transport *s = tk_make(f, "sender", &cfg);
    transport *r = tk_make(f, "receiver", NULL);
    tk_collector c;
    tk_collector_init(&c, TRANSPORT_REPLY_ACK, 0);
    tk_late_subs late;
    assert_true(tk_late_subs_init(&late, r, 1, tk_collector_fn));
    tk_subject(late.subjects[0], f, "d.late");
    late.args[0] = &c;
    uint64_t t0 = mpc_clock_mono_ns();
    /* Late enough that the first try (sent right away) cannot find it, on a slow runner too. */
    late.at_ns[0] = t0 + 700 * mpc_test_slow() * MPC_NS_PER_MS;
    assert_true(tk_late_subs_start(&late));
    tk_result res;
    tk_result_init(&res);
    transport_send job = {.subject = late.subjects[0],
                          .data = (const uint8_t *)"hello",
                          .len = 5,
                          .owner = 1,
                          .done = tk_result_fn,
                          .done_arg = &res};
    assert_int_equal(transport_send_direct(s, &job), MPC_OK);
    assert_true(tk_result_wait(&res, 10000 + tk_slack_ms()));
    assert_int_equal(res.st, MPC_OK);
    assert_int_equal(res.done, 1);
    assert_true(res.attempts >= 2); /* the first try cannot have found the subscriber */
    assert_true(tk_collector_wait(&c, 1, 1000));
    assert_memory_equal(c.last, "hello", 5);
    assert_true(c.first_ns >= late.at_ns[0]);
    printf("# late subscriber: delivered after %u attempts, %" PRIu64 " ms\n", res.attempts,
           ms_of(res.end_ns - t0));
    pthread_mutex_lock(&log.mu);
    assert_int_equal(log.n[1], res.attempts);
    tk_check_gaps(&cfg.policy, log.at[1], log.n[1]);
    pthread_mutex_unlock(&log.mu);
    tk_late_subs_fini(&late);
    transport_destroy(s);
    transport_destroy(r);
    tk_collector_fini(&c);
    tk_result_fini(&res);
    tk_attempt_log_fini(&log);
}

/* Reads what the logger wrote to fd since offset 0 (NUL-terminated, truncated to cap). */
static void
tk_read_log(int fd, char *buf, size_t cap)
{
    ssize_t n = pread(fd, buf, cap - 1, 0);
    buf[n > 0 ? (size_t)n : 0] = '\0';
}

void
tk_sc_never_subscribed(const tk_factory *f)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    tk_subject(subj, f, "d.never");
    tk_attempt_log log;
    assert_true(tk_attempt_log_init(&log, 4));
    transport_direct_sender_config cfg = {.policy = {.max_attempts = 6,
                                                     .base_ms = 50,
                                                     .cap_ms = 400,
                                                     .jitter_pct = 20,
                                                     .per_try_timeout_ms = 3000},
                                          .on_attempt = tk_attempt_log_fn,
                                          .on_attempt_arg = &log};
    transport *s = tk_make(f, "sender", &cfg);
    char path[] = "/tmp/mpc-test-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    mpc_log_set_fd(fd);
    tk_result res;
    tk_result_init(&res);
    transport_send job = {.subject = subj,
                          .data = (const uint8_t *)"x",
                          .len = 1,
                          .owner = 2,
                          .done = tk_result_fn,
                          .done_arg = &res};
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(transport_send_direct(s, &job), MPC_OK);
    assert_true(tk_result_wait(&res, 10000 + tk_slack_ms()));
    mpc_log_set_fd(2);
    assert_int_equal(res.st, MPC_ERR_PEER_UNAVAILABLE);
    assert_int_equal(res.attempts, 6);
    /* Window: the sum of the 5 backoffs (50+100+200+400+400 = 1150 ms) +/- 20 %. */
    uint64_t took = res.end_ns - t0;
    printf("# never subscribed: %u attempts in %" PRIu64 " ms\n", res.attempts, ms_of(took));
    assert_true(took >= 920 * MPC_NS_PER_MS);
    assert_true(took <= (1380 + tk_slack_ms()) * MPC_NS_PER_MS);
    pthread_mutex_lock(&log.mu);
    assert_int_equal(log.n[2], 6);
    tk_check_gaps(&cfg.policy, log.at[2], log.n[2]);
    pthread_mutex_unlock(&log.mu);
    char text[8192], want[TRANSPORT_SUBJECT_MAX + 64];
    tk_read_log(fd, text, sizeof text);
    close(fd);
    snprintf(want, sizeof want, "subject=%s attempts=6 status=MPC_ERR_PEER_UNAVAILABLE", subj);
    assert_non_null(strstr(text, "send_failed"));
    assert_non_null(strstr(text, want));
    transport_stats st;
    transport_get_stats(s, &st);
    assert_int_equal(st.sends_failed, 1);
    assert_int_equal(st.attempts, 6);
    assert_int_equal(st.retries, 5);
    assert_int_equal(st.no_responders, 6);
    transport_destroy(s);
    tk_result_fini(&res);
    tk_attempt_log_fini(&log);
}

/* One direct send to a receiver that answers per c's script. */
static void
tk_send_scripted(const tk_factory *f, tk_collector *c, const char *what, tk_result *res,
                 uint64_t *took_ns)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    tk_subject(subj, f, what);
    transport_direct_sender_config cfg = {.policy = {.max_attempts = 10,
                                                     .base_ms = 20,
                                                     .cap_ms = 100,
                                                     .jitter_pct = 20,
                                                     .per_try_timeout_ms = 3000}};
    transport *s = tk_make(f, "sender", &cfg);
    transport *r = tk_make(f, "receiver", NULL);
    transport_sub *sub = NULL;
    assert_int_equal(transport_subscribe_confirmed(r, subj, tk_collector_fn, c, &sub), MPC_OK);
    transport_send job = {.subject = subj,
                          .data = (const uint8_t *)"m",
                          .len = 1,
                          .owner = 3,
                          .done = tk_result_fn,
                          .done_arg = res};
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(transport_send_direct(s, &job), MPC_OK);
    assert_true(tk_result_wait(res, 5000 + tk_slack_ms()));
    *took_ns = res->end_ns - t0;
    transport_unsubscribe(r, sub);
    transport_destroy(s);
    transport_destroy(r);
}

void
tk_sc_busy_then_ack(const tk_factory *f)
{
    tk_collector c;
    tk_result res;
    uint64_t took = 0;
    tk_collector_init(&c, TRANSPORT_REPLY_ACK, 3);
    tk_result_init(&res);
    tk_send_scripted(f, &c, "d.busy", &res, &took);
    assert_int_equal(res.st, MPC_OK);
    assert_int_equal(res.attempts, 4);
    assert_int_equal(res.done, 1);
    assert_int_equal(tk_collector_count(&c), 4);
    /* Backoffs 20 + 40 + 80 ms, each at least 80 % of nominal. */
    assert_true(took >= 112 * MPC_NS_PER_MS);
    tk_collector_fini(&c);
    tk_result_fini(&res);
}

void
tk_sc_gone_stops(const tk_factory *f)
{
    tk_collector c;
    tk_result res;
    uint64_t took = 0;
    tk_collector_init(&c, TRANSPORT_REPLY_GONE, 0);
    tk_result_init(&res);
    tk_send_scripted(f, &c, "d.gone", &res, &took);
    assert_int_equal(res.st, MPC_ERR_GONE);
    assert_int_equal(res.attempts, 1);
    assert_int_equal(res.done, 1);
    assert_int_equal(tk_collector_count(&c), 1);
    assert_true(took < (16 + tk_slack_ms()) * MPC_NS_PER_MS); /* no backoff was taken */
    tk_collector_fini(&c);
    tk_result_fini(&res);
}

void
tk_sc_many_late_subscribers(const tk_factory *f)
{
    enum { N = 200 };
    transport_direct_sender_config cfg = {0};
    transport_retry_policy_default(&cfg.policy);
    transport *s = tk_make(f, "sender", &cfg);
    transport *r = tk_make(f, "receiver", NULL);
    tk_collector *cs = calloc(N, sizeof *cs);
    tk_result *rs = calloc(N, sizeof *rs);
    assert_non_null(cs);
    assert_non_null(rs);
    tk_late_subs late;
    assert_true(tk_late_subs_init(&late, r, N, tk_collector_fn));
    uint64_t t0 = mpc_clock_mono_ns();
    for (int i = 0; i < N; i++) {
        tk_collector_init(&cs[i], TRANSPORT_REPLY_ACK, 0);
        tk_result_init(&rs[i]);
        tk_subject(late.subjects[i], f, "d.many");
        late.args[i] = &cs[i];
        /* Subscribers appear spread over 300..1300 ms after the sends. */
        late.at_ns[i] = t0 + (300 + 5 * (uint64_t)i) * MPC_NS_PER_MS;
    }
    assert_true(tk_late_subs_start(&late));
    for (int i = 0; i < N; i++) {
        transport_send job = {.subject = late.subjects[i],
                              .data = (const uint8_t *)"x",
                              .len = 1,
                              .owner = 100 + (uint64_t)i,
                              .done = tk_result_fn,
                              .done_arg = &rs[i]};
        assert_int_equal(transport_send_direct(s, &job), MPC_OK);
    }
    /*
     * Window: the last subscriber appears at 1295 ms; by then a job has
     * backed off 100+200+400+800 = 1500 ms at most nominal, so it succeeds on
     * the next try, which starts at most cap*(1+jitter) = 1200 ms after the
     * subscriber appeared. With sleeping threads this would take minutes.
     */
    uint64_t window_ms = 1295 + 1200 + tk_slack_ms();
    int all = 1;
    for (int i = 0; i < N; i++) {
        all &= tk_result_wait(&rs[i], window_ms + 5000);
    }
    uint64_t last = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(rs[i].st, MPC_OK);
        assert_int_equal(rs[i].done, 1);
        assert_true(tk_collector_count(&cs[i]) >= 1);
        assert_true(cs[i].first_ns >= late.at_ns[i]);
        if (rs[i].end_ns > last) {
            last = rs[i].end_ns;
        }
    }
    assert_true(all);
    printf("# 200 late subscribers: all acked after %" PRIu64 " ms (window %" PRIu64 " ms)\n",
           ms_of(last - t0), window_ms);
    assert_true(last - t0 <= window_ms * MPC_NS_PER_MS);
    tk_late_subs_fini(&late);
    transport_destroy(s);
    transport_destroy(r);
    for (int i = 0; i < N; i++) {
        tk_collector_fini(&cs[i]);
        tk_result_fini(&rs[i]);
    }
    free(cs);
    free(rs);
}

void
tk_sc_cancel_owner(const tk_factory *f)
{
    char nobody[TRANSPORT_SUBJECT_MAX], somebody[TRANSPORT_SUBJECT_MAX];
    tk_subject(nobody, f, "d.cancel");
    tk_subject(somebody, f, "d.keep");
    transport *s = tk_make(f, "sender", NULL);
    transport *r = tk_make(f, "receiver", NULL);
    tk_result a, b, c;
    tk_result_init(&a);
    tk_result_init(&b);
    tk_result_init(&c);
    tk_collector col;
    tk_collector_init(&col, TRANSPORT_REPLY_ACK, 0);
    transport_send j1 = {.subject = nobody,
                         .data = (const uint8_t *)"1",
                         .len = 1,
                         .owner = 7,
                         .done = tk_result_fn,
                         .done_arg = &a};
    transport_send j2 = j1;
    j2.done_arg = &b;
    transport_send j3 = j1;
    j3.owner = 8;
    j3.done_arg = &c;
    assert_int_equal(transport_send_direct(s, &j1), MPC_OK);
    assert_int_equal(transport_send_direct(s, &j2), MPC_OK);
    assert_int_equal(transport_send_direct(s, &j3), MPC_OK);
    uint64_t t0 = mpc_clock_mono_ns();
    transport_cancel_owner(s, 7);
    assert_true(tk_result_wait(&a, 2000));
    assert_true(tk_result_wait(&b, 2000));
    assert_int_equal(a.st, MPC_ERR_CANCELLED);
    assert_int_equal(b.st, MPC_ERR_CANCELLED);
    assert_true(a.end_ns - t0 < (50 + tk_slack_ms()) * MPC_NS_PER_MS);
    /* owner 8 keeps trying: it succeeds once somebody subscribes to its subject. */
    transport_sub *sub = NULL;
    assert_int_equal(transport_subscribe_confirmed(r, nobody, tk_collector_fn, &col, &sub), MPC_OK);
    assert_true(tk_result_wait(&c, 5000 + tk_slack_ms()));
    assert_int_equal(c.st, MPC_OK);
    assert_int_equal(a.done + b.done + c.done, 3);
    transport_cancel_owner(s, 12345); /* no job: harmless */
    transport_unsubscribe(r, sub);
    transport_destroy(s);
    transport_destroy(r);
    tk_result_fini(&a);
    tk_result_fini(&b);
    tk_result_fini(&c);
    tk_collector_fini(&col);
}

void
tk_sc_request(const tk_factory *f)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    uint8_t buf[16];
    size_t n = 99;
    tk_subject(subj, f, "req");
    transport *s = tk_make(f, "sender", NULL);
    transport *r = tk_make(f, "receiver", NULL);
    assert_int_equal(transport_request(s, subj, (const uint8_t *)"q", 1, 2000, buf, sizeof buf, &n),
                     MPC_ERR_NO_RESPONDERS);
    assert_int_equal(n, 0);
    tk_collector c;
    tk_collector_init(&c, TRANSPORT_REPLY_BUSY, 0);
    transport_sub *sub = NULL;
    assert_int_equal(transport_subscribe_confirmed(r, subj, tk_collector_fn, &c, &sub), MPC_OK);
    assert_int_equal(transport_request(s, subj, (const uint8_t *)"q", 1, 5000, buf, sizeof buf, &n),
                     MPC_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "BUSY", 4);
    assert_int_equal(transport_request(s, subj, (const uint8_t *)"q", 1, 5000, buf, 2, &n),
                     MPC_ERR_BUFFER_TOO_SMALL);
    pthread_mutex_lock(&c.mu);
    c.reply = TRANSPORT_REPLY_NONE; /* handler answers nothing: the request times out */
    pthread_mutex_unlock(&c.mu);
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(transport_request(s, subj, (const uint8_t *)"q", 1, 200, buf, sizeof buf, &n),
                     MPC_ERR_TIMEOUT);
    assert_true(mpc_clock_mono_ns() - t0 >= 200 * MPC_NS_PER_MS);
    transport_unsubscribe(r, sub);
    transport_destroy(s);
    transport_destroy(r);
    tk_collector_fini(&c);
}

static transport_reply
tk_never_fn(void *arg, const transport_msg *msg)
{
    (void)arg;
    (void)msg;
    return TRANSPORT_REPLY_NONE;
}

void
tk_sc_bad_args(const tk_factory *f)
{
    transport *t = tk_make(f, "args", NULL);
    transport_sub *sub = (transport_sub *)&sub;
    size_t n = 7;
    uint8_t buf[4];
    tk_result res;
    tk_result_init(&res);
    assert_int_equal(transport_publish(t, NULL, NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_publish(t, "a..b", NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_publish(t, "a.*", NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_publish(t, "a.b", NULL, 3), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subscribe_confirmed(t, "a b", tk_never_fn, NULL, &sub),
                     MPC_ERR_INVALID_ARG);
    assert_null(sub);
    assert_int_equal(transport_subscribe_confirmed(t, "a.b", NULL, NULL, &sub),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subscribe_confirmed(t, "a.b", tk_never_fn, NULL, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_request(t, "", NULL, 0, 10, buf, sizeof buf, &n),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(n, 0);
    transport_send job = {
        .subject = "a.>", .data = NULL, .len = 0, .done = tk_result_fn, .done_arg = &res};
    assert_int_equal(transport_send_direct(t, &job), MPC_ERR_INVALID_ARG);
    job.subject = "a.b";
    job.done = NULL;
    assert_int_equal(transport_send_direct(t, &job), MPC_ERR_INVALID_ARG);
    job.done = tk_result_fn;
    job.len = 5;
    assert_int_equal(transport_send_direct(t, &job), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_send_direct(t, NULL), MPC_ERR_INVALID_ARG);
    transport_unsubscribe(t, NULL);
    transport_destroy(t);
    transport_destroy(NULL);
    assert_int_equal(res.done, 0);
    tk_result_fini(&res);
}

void
tk_sc_destroy_cancels(const tk_factory *f)
{
    enum { N = 20 };
    char subj[TRANSPORT_SUBJECT_MAX];
    tk_subject(subj, f, "d.destroy");
    transport *s = tk_make(f, "sender", NULL);
    tk_result rs[N];
    for (int i = 0; i < N; i++) {
        tk_result_init(&rs[i]);
        transport_send job = {.subject = subj,
                              .data = (const uint8_t *)"x",
                              .len = 1,
                              .owner = (uint64_t)i,
                              .done = tk_result_fn,
                              .done_arg = &rs[i]};
        assert_int_equal(transport_send_direct(s, &job), MPC_OK);
    }
    transport_destroy(s); /* returns only after every done ran */
    for (int i = 0; i < N; i++) {
        assert_int_equal(rs[i].done, 1);
        assert_int_equal(rs[i].st, MPC_ERR_CANCELLED);
        tk_result_fini(&rs[i]);
    }
}

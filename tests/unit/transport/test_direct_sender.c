/*
 * test_direct_sender.c — the shared direct sender over a scripted publish
 * primitive: reply routing, stale and late replies, publish failures,
 * deadlines, malformed replies, argument checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "tests/support/transport_testkit.h"
#include "transport/direct_sender.h"

#define PREFIX "_INBOX.test"

/* The fake transport: records each attempt's reply subject; may fail publishes. */
typedef struct {
    pthread_mutex_t mu;   /* guards the fields below */
    pthread_cond_t cv;    /* an attempt was published */
    uint64_t calls;       /* publishes seen */
    char reply[8][96];    /* reply subjects of the first 8 attempts */
    mpc_status fail_with; /* status to return (MPC_OK = succeed) */
    char subject[64];     /* last subject */
} fake_pub;

static mpc_status
fake_publish(void *impl, const char *subject, const char *reply, const uint8_t *data, size_t len)
{
    fake_pub *f = impl;
    (void)data;
    (void)len;
    pthread_mutex_lock(&f->mu);
    if (f->calls < 8) {
        snprintf(f->reply[f->calls], sizeof f->reply[0], "%s", reply);
    }
    snprintf(f->subject, sizeof f->subject, "%s", subject);
    f->calls++;
    mpc_status st = f->fail_with;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return st;
}

/* Waits until at least n publishes happened; copies attempt n's reply subject. */
static void
fake_wait(fake_pub *f, uint64_t n, char *reply)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    pthread_mutex_lock(&f->mu);
    while (f->calls < n) {
        if (pthread_cond_timedwait(&f->cv, &f->mu, &ts) == ETIMEDOUT) {
            break;
        }
    }
    assert_true(f->calls >= n);
    if (reply != NULL) {
        strcpy(reply, f->reply[n - 1]);
    }
    pthread_mutex_unlock(&f->mu);
}

static void
fake_init(fake_pub *f)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
}

static void
fake_fini(fake_pub *f)
{
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
}

static transport_direct_sender *
make_ds(fake_pub *f, uint32_t attempts, uint32_t base, uint32_t per_try)
{
    transport_direct_sender_config cfg = {.policy = {.max_attempts = attempts,
                                                     .base_ms = base,
                                                     .cap_ms = base * 4,
                                                     .jitter_pct = 0,
                                                     .per_try_timeout_ms = per_try},
                                          .seed = 42};
    transport_direct_sender *ds = NULL;
    assert_int_equal(transport_direct_sender_create(&cfg, fake_publish, f, PREFIX, &ds), MPC_OK);
    return ds;
}

static void
submit(transport_direct_sender *ds, tk_result *r, uint64_t deadline_ms)
{
    transport_send job = {.subject = "mpc.s.x.d.B",
                          .data = (const uint8_t *)"m",
                          .len = 1,
                          .owner = 5,
                          .deadline_ms = deadline_ms,
                          .done = tk_result_fn,
                          .done_arg = r};
    assert_int_equal(transport_direct_sender_submit(ds, &job), MPC_OK);
}

static void
test_direct_sender_ack_via_route(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    char reply[96];
    fake_init(&f);
    tk_result_init(&r);
    transport_direct_sender *ds = make_ds(&f, 5, 50, 5000);
    submit(ds, &r, 0);
    fake_wait(&f, 1, reply);
    assert_string_equal(f.subject, "mpc.s.x.d.B");
    assert_int_equal(strncmp(reply, PREFIX ".d.", strlen(PREFIX) + 3), 0);
    assert_int_equal(transport_direct_sender_route(ds, reply, (const uint8_t *)"ACK", 3, 0), 1);
    assert_true(tk_result_wait(&r, 5000));
    assert_int_equal(r.st, MPC_OK);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.owner, 5);
    /* A duplicate ACK for a finished job is ignored. */
    assert_int_equal(transport_direct_sender_route(ds, reply, (const uint8_t *)"ACK", 3, 0), 1);
    transport_stats st = {0};
    transport_direct_sender_stats(ds, &st);
    assert_int_equal(st.sends_ok, 1);
    assert_int_equal(st.attempts, 1);
    transport_direct_sender_destroy(ds);
    assert_int_equal(r.done, 1);
    tk_result_fini(&r);
    fake_fini(&f);
}

static void
test_direct_sender_stale_and_late_replies(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    char reply1[96], reply2[96];
    fake_init(&f);
    tk_result_init(&r);
    transport_direct_sender *ds = make_ds(&f, 5, 20, 300); /* attempt 1 times out after 300 ms */
    submit(ds, &r, 0);
    fake_wait(&f, 1, reply1);
    fake_wait(&f, 2, reply2);
    assert_string_not_equal(reply1, reply2);
    /* NO_RESPONDERS and BUSY of attempt 1 are stale now: ignored. */
    transport_direct_sender_route(ds, reply1, NULL, 0, 1);
    transport_direct_sender_route(ds, reply1, (const uint8_t *)"BUSY", 4, 0);
    pthread_mutex_lock(&f.mu);
    uint64_t calls = f.calls;
    pthread_mutex_unlock(&f.mu);
    assert_int_equal(calls, 2);
    assert_int_equal(r.done, 0);
    /* A late ACK of attempt 1 still ends the job: the peer did receive it. */
    transport_direct_sender_route(ds, reply1, (const uint8_t *)"ACK", 3, 0);
    assert_true(tk_result_wait(&r, 5000));
    assert_int_equal(r.st, MPC_OK);
    assert_int_equal(r.attempts, 2);
    transport_stats st = {0};
    transport_direct_sender_stats(ds, &st);
    assert_int_equal(st.timeouts, 1);
    assert_int_equal(st.retries, 1);
    transport_direct_sender_destroy(ds);
    tk_result_fini(&r);
    fake_fini(&f);
}

static void
test_direct_sender_publish_failures_retry(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    fake_init(&f);
    f.fail_with = MPC_ERR_NOT_CONNECTED;
    tk_result_init(&r);
    transport_direct_sender *ds = make_ds(&f, 4, 10, 5000);
    uint64_t t0 = mpc_clock_mono_ns();
    submit(ds, &r, 0);
    assert_true(tk_result_wait(&r, 5000));
    assert_int_equal(r.st, MPC_ERR_PEER_UNAVAILABLE);
    assert_int_equal(r.attempts, 4);
    assert_int_equal(f.calls, 4);
    /* Backoffs 10 + 20 + 40 ms with no jitter. */
    assert_true(r.end_ns - t0 >= 70 * MPC_NS_PER_MS);
    transport_direct_sender_destroy(ds);
    tk_result_fini(&r);
    fake_fini(&f);
}

static void
test_direct_sender_deadline_stops_retries(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    char reply[96];
    fake_init(&f);
    tk_result_init(&r);
    transport_direct_sender *ds = make_ds(&f, 10, 100, 5000);
    submit(ds, &r, mpc_clock_mono_ms() + 250);
    fake_wait(&f, 1, reply);
    transport_direct_sender_route(ds, reply, NULL, 0, 1); /* retry at +100 ms */
    fake_wait(&f, 2, reply);
    transport_direct_sender_route(ds, reply, NULL, 0, 1); /* next at +300 ms > +250 */
    assert_true(tk_result_wait(&r, 5000));
    assert_int_equal(r.st, MPC_ERR_PEER_UNAVAILABLE);
    assert_int_equal(r.attempts, 2);
    transport_direct_sender_destroy(ds);
    tk_result_fini(&r);
    fake_fini(&f);
}

/* A job waiting after "no responders" tries again at once when told to; one in flight does not. */
static void
test_direct_sender_retry_now_skips_the_backoff(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    char reply[96];
    fake_init(&f);
    tk_result_init(&r);
    transport_direct_sender *ds = make_ds(&f, 5, 60000, 120000); /* backoff 60 s */
    submit(ds, &r, 0);
    fake_wait(&f, 1, reply);
    /* In flight: nothing to move (no second copy while a try awaits its reply). */
    assert_int_equal(transport_direct_sender_retry_now(ds, 5, "mpc.s.x.d.B"), 0);
    transport_direct_sender_route(ds, reply, NULL, 0, 1); /* no responders: waits 60 s */
    /* Another owner or another subject: not moved. */
    assert_int_equal(transport_direct_sender_retry_now(ds, 6, "mpc.s.x.d.B"), 0);
    assert_int_equal(transport_direct_sender_retry_now(ds, 5, "mpc.s.x.d.C"), 0);
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(transport_direct_sender_retry_now(ds, 5, "mpc.s.x.d.B"), 1);
    fake_wait(&f, 2, reply); /* the second try, long before the 60 s backoff */
    assert_true(mpc_clock_mono_ns() - t0 < 30000 * MPC_NS_PER_MS);
    transport_direct_sender_route(ds, reply, (const uint8_t *)"ACK", 3, 0);
    assert_true(tk_result_wait(&r, 5000));
    assert_int_equal(r.st, MPC_OK);
    assert_int_equal(r.attempts, 2);
    /* Finished: nothing to move. */
    assert_int_equal(transport_direct_sender_retry_now(ds, 5, "mpc.s.x.d.B"), 0);
    assert_int_equal(transport_direct_sender_retry_now(NULL, 5, "mpc.s.x.d.B"), 0);
    assert_int_equal(transport_direct_sender_retry_now(ds, 5, NULL), 0);
    transport_direct_sender_destroy(ds);
    tk_result_fini(&r);
    fake_fini(&f);
}

static void
test_direct_sender_malformed_reply_retried_then_gone(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    char reply[96];
    fake_init(&f);
    tk_result_init(&r);
    transport_direct_sender *ds = make_ds(&f, 5, 10, 5000);
    submit(ds, &r, 0);
    fake_wait(&f, 1, reply);
    transport_direct_sender_route(ds, reply, (const uint8_t *)"WHAT", 4, 0);
    fake_wait(&f, 2, reply);
    transport_direct_sender_route(ds, reply, (const uint8_t *)"GONE", 4, 0);
    assert_true(tk_result_wait(&r, 5000));
    assert_int_equal(r.st, MPC_ERR_GONE);
    assert_int_equal(r.attempts, 2);
    transport_direct_sender_destroy(ds);
    tk_result_fini(&r);
    fake_fini(&f);
}

/* Replaces the token (last number) of reply subject s by token ^ 1. */
static void
other_token(char *s)
{
    char *dot = strrchr(s, '.');
    unsigned long long t = strtoull(dot + 1, NULL, 10);
    snprintf(dot + 1, 24, "%llu", t ^ 1u);
}

/* A reply without the job's random token (a guessed job id, or a reply to
 * an earlier incarnation's job with the same id) neither ends nor fails it. */
static void
test_direct_sender_reply_needs_job_token(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    char reply[96], forged[96];
    fake_init(&f);
    tk_result_init(&r);
    transport_direct_sender *ds = make_ds(&f, 5, 20, 5000);
    submit(ds, &r, 0);
    fake_wait(&f, 1, reply);
    snprintf(forged, sizeof forged, "%s", reply);
    other_token(forged);
    assert_int_equal(transport_direct_sender_route(ds, forged, (const uint8_t *)"GONE", 4, 0), 1);
    assert_int_equal(transport_direct_sender_route(ds, forged, (const uint8_t *)"ACK", 3, 0), 1);
    assert_int_equal(transport_direct_sender_route(ds, forged, NULL, 0, 1), 1);
    pthread_mutex_lock(&f.mu);
    uint64_t calls = f.calls;
    pthread_mutex_unlock(&f.mu);
    assert_int_equal(calls, 1); /* no retry was triggered either */
    assert_int_equal(r.done, 0);
    assert_int_equal(transport_direct_sender_route(ds, reply, (const uint8_t *)"ACK", 3, 0), 1);
    assert_true(tk_result_wait(&r, 5000));
    assert_int_equal(r.st, MPC_OK);
    transport_direct_sender_destroy(ds);
    tk_result_fini(&r);
    fake_fini(&f);
}

static void
test_direct_sender_route_rejects_foreign_subjects(void **state)
{
    (void)state;
    fake_pub f;
    fake_init(&f);
    transport_direct_sender *ds = make_ds(&f, 5, 10, 5000);
    const char *bad[] = {"_INBOX.other.d.1.1.5", PREFIX ".r.1",
                         PREFIX ".d.1.1",        PREFIX ".d.x.1.5",
                         PREFIX ".d.1.1.",       PREFIX ".d.1.99999999999.5",
                         PREFIX ".d.1.2.3.4",    PREFIX ".d.123456789012345678901.1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(transport_direct_sender_route(ds, bad[i], NULL, 0, 1), 0);
    }
    assert_int_equal(transport_direct_sender_route(ds, PREFIX ".d.77.1.5", NULL, 0, 1), 1);
    assert_int_equal(transport_direct_sender_route(NULL, PREFIX ".d.77.1.5", NULL, 0, 1), 0);
    transport_direct_sender_on_reply(NULL, 1, 1, 5, MPC_OK);
    transport_direct_sender_destroy(ds);
    fake_fini(&f);
}

static void
test_direct_sender_bad_args_and_closed(void **state)
{
    (void)state;
    fake_pub f;
    tk_result r;
    fake_init(&f);
    tk_result_init(&r);
    transport_direct_sender *ds = (transport_direct_sender *)&ds;
    assert_int_equal(transport_direct_sender_create(NULL, NULL, &f, PREFIX, &ds),
                     MPC_ERR_INVALID_ARG);
    assert_null(ds);
    assert_int_equal(transport_direct_sender_create(NULL, fake_publish, &f, "", &ds),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_direct_sender_create(NULL, fake_publish, &f, NULL, &ds),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_direct_sender_create(NULL, fake_publish, &f, PREFIX, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_direct_sender_create(NULL, fake_publish, &f, PREFIX, &ds), MPC_OK);
    transport_send job = {.subject = NULL, .done = tk_result_fn, .done_arg = &r};
    assert_int_equal(transport_direct_sender_submit(ds, &job), MPC_ERR_INVALID_ARG);
    job.subject = "";
    assert_int_equal(transport_direct_sender_submit(ds, &job), MPC_ERR_INVALID_ARG);
    job.subject = "a.b";
    job.done = NULL;
    assert_int_equal(transport_direct_sender_submit(ds, &job), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_direct_sender_submit(NULL, &job), MPC_ERR_INVALID_ARG);
    job.done = tk_result_fn;
    transport_direct_sender_shutdown(ds);
    transport_direct_sender_shutdown(ds); /* idempotent */
    assert_int_equal(transport_direct_sender_submit(ds, &job), MPC_ERR_CLOSED);
    transport_direct_sender_destroy(ds);
    transport_direct_sender_destroy(NULL);
    transport_direct_sender_cancel_owner(NULL, 1);
    assert_int_equal(r.done, 0);
    tk_result_fini(&r);
    fake_fini(&f);
}

static void
test_direct_sender_policy_and_replies(void **state)
{
    (void)state;
    transport_retry_policy p;
    transport_retry_policy_default(&p);
    assert_int_equal(p.max_attempts, 10);
    assert_int_equal(p.base_ms, 100);
    assert_int_equal(p.cap_ms, 1000);
    assert_int_equal(p.jitter_pct, 20);
    assert_int_equal(p.per_try_timeout_ms, 3000);
    transport_retry_policy_default(NULL);
    assert_int_equal(transport_reply_parse((const uint8_t *)"ACK", 3), MPC_OK);
    assert_int_equal(transport_reply_parse((const uint8_t *)"BUSY", 4), MPC_ERR_BUSY);
    assert_int_equal(transport_reply_parse((const uint8_t *)"GONE", 4), MPC_ERR_GONE);
    assert_int_equal(transport_reply_parse((const uint8_t *)"ACKS", 4), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(transport_reply_parse((const uint8_t *)"AC", 2), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(transport_reply_parse(NULL, 0), MPC_ERR_MSG_MALFORMED);
    assert_string_equal(transport_reply_str(TRANSPORT_REPLY_ACK), "ACK");
    assert_string_equal(transport_reply_str(TRANSPORT_REPLY_BUSY), "BUSY");
    assert_string_equal(transport_reply_str(TRANSPORT_REPLY_GONE), "GONE");
    assert_null(transport_reply_str(TRANSPORT_REPLY_NONE));
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_sender_ack_via_route),
        cmocka_unit_test(test_direct_sender_stale_and_late_replies),
        cmocka_unit_test(test_direct_sender_publish_failures_retry),
        cmocka_unit_test(test_direct_sender_deadline_stops_retries),
        cmocka_unit_test(test_direct_sender_retry_now_skips_the_backoff),
        cmocka_unit_test(test_direct_sender_malformed_reply_retried_then_gone),
        cmocka_unit_test(test_direct_sender_reply_needs_job_token),
        cmocka_unit_test(test_direct_sender_route_rejects_foreign_subjects),
        cmocka_unit_test(test_direct_sender_bad_args_and_closed),
        cmocka_unit_test(test_direct_sender_policy_and_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

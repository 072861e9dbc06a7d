/*
 * test_duequeue.c — node/duequeue.h: ids taken in due order and not before,
 * no id queued twice, a full queue scans the store's markers once empty,
 * kick, backoff, stop wakes the worker, the worker thread retries and ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "node/duequeue.h"

/* The "store": ids the scan adds back. */
struct fake_store {
    const char *ids[4];
    size_t n;
    int scans;
};

static void
fake_scan(struct node_duequeue *q, void *arg)
{
    struct fake_store *f = arg;
    f->scans++;
    pthread_mutex_lock(&q->mu);
    q->rescan = 0;
    for (size_t i = 0; i < f->n; i++) {
        node_duequeue_add_locked(q, f->ids[i], mpc_clock_mono_ms(), 0);
    }
    pthread_mutex_unlock(&q->mu);
}

static void
test_duequeue_due_order_and_dedup(void **state)
{
    (void)state;
    struct node_duequeue q;
    assert_int_equal(node_duequeue_init(&q, 8, NULL, NULL), MPC_OK);
    uint64_t now = mpc_clock_mono_ms();
    node_duequeue_add(&q, "late", now + 60, 0);
    node_duequeue_add(&q, "early", now, 0);
    node_duequeue_add(&q, "early", now, 5); /* queued already: ignored */
    assert_int_equal(node_duequeue_count(&q), 2);
    struct node_duequeue_item *a = node_duequeue_take(&q);
    assert_string_equal(a->rid, "early");
    assert_int_equal(a->tries, 0);
    struct node_duequeue_item *b = node_duequeue_take(&q); /* waits for it */
    assert_string_equal(b->rid, "late");
    assert_true(mpc_clock_mono_ms() >= now + 60);
    assert_int_equal(node_duequeue_count(&q), 0);
    node_duequeue_again(&q, a, 0);
    assert_int_equal(node_duequeue_count(&q), 1);
    struct node_duequeue_item *c = node_duequeue_take(&q);
    assert_ptr_equal(c, a);
    assert_int_equal(c->tries, 1);
    free(b);
    free(c);
    node_duequeue_destroy(&q);
}

static void
test_duequeue_full_then_scan(void **state)
{
    (void)state;
    struct fake_store f = {{"m1", "m2"}, 2, 0};
    struct node_duequeue q;
    assert_int_equal(node_duequeue_init(&q, 1, fake_scan, &f), MPC_OK);
    uint64_t now = mpc_clock_mono_ms();
    node_duequeue_add(&q, "m1", now, 0);
    node_duequeue_add(&q, "m2", now, 0); /* full: only the rescan flag */
    assert_int_equal(node_duequeue_count(&q), 1);
    assert_int_equal(q.rescan, 1);
    struct node_duequeue_item *a = node_duequeue_take(&q);
    assert_string_equal(a->rid, "m1");
    assert_int_equal(f.scans, 0);
    /* empty with rescan set: the scan adds back what fits (m1, the store still has it) */
    struct node_duequeue_item *b = node_duequeue_take(&q);
    assert_int_equal(f.scans, 1);
    assert_non_null(b);
    assert_int_equal(q.rescan, 1); /* m2 did not fit again: another scan later */
    free(a);
    free(b);
    node_duequeue_destroy(&q);
}

static void
test_duequeue_kick_and_backoff(void **state)
{
    (void)state;
    struct node_duequeue q;
    assert_int_equal(node_duequeue_init(&q, 8, NULL, NULL), MPC_OK);
    node_duequeue_add(&q, "r", mpc_clock_mono_ms() + 3600000u, 0); /* an hour away */
    node_duequeue_kick(&q, "r");
    struct node_duequeue_item *it = node_duequeue_take(&q); /* due now: no hour's wait */
    assert_string_equal(it->rid, "r");
    free(it);
    assert_int_equal(node_duequeue_backoff_ms(0, 100, 2000), 100);
    assert_int_equal(node_duequeue_backoff_ms(3, 100, 2000), 800);
    assert_int_equal(node_duequeue_backoff_ms(5, 100, 2000), 2000);
    assert_int_equal(node_duequeue_backoff_ms(1000, 250, 10000), 10000); /* no shift overflow */
    node_duequeue_destroy(&q);
}

static void *
taker(void *arg)
{
    return node_duequeue_take(arg);
}

static void
test_duequeue_stop_wakes_the_worker(void **state)
{
    (void)state;
    struct node_duequeue q;
    assert_int_equal(node_duequeue_init(&q, 8, NULL, NULL), MPC_OK);
    node_duequeue_add(&q, "never", mpc_clock_mono_ms() + 3600000u, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, taker, &q), 0);
    node_duequeue_stop(&q);
    void *got = (void *)1;
    assert_int_equal(pthread_join(t, &got), 0);
    assert_null(got);
    assert_int_equal(node_duequeue_count(&q), 1); /* its marker would stay in the store */
    node_duequeue_destroy(&q);
}

/* The worker of test_duequeue_worker: each id fails once, then is done. */
struct fake_work {
    struct fake_store store;
    pthread_mutex_t mu;
    int steps;
    int done;
};

static void
work_scan(struct node_duequeue *q, void *arg)
{
    fake_scan(q, &((struct fake_work *)arg)->store);
}

static uint64_t
work_step(void *arg, struct node_duequeue_item *it)
{
    struct fake_work *w = arg;
    pthread_mutex_lock(&w->mu);
    w->steps++;
    w->done += it->tries > 0;
    pthread_mutex_unlock(&w->mu);
    return it->tries == 0 ? 5 : 0; /* once more in 5 ms, then freed */
}

static void
test_duequeue_worker(void **state)
{
    (void)state;
    struct fake_work w = {{{"a", "b"}, 2, 0}, PTHREAD_MUTEX_INITIALIZER, 0, 0};
    struct node_duequeue q;
    assert_int_equal(node_duequeue_start(&q, 8, work_scan, work_step, &w), MPC_OK);
    assert_int_equal(w.store.scans, 1); /* the markers were read before start returned */
    int done = 0;
    for (int i = 0; i < 2000 && done < 2; i++) { /* bounded: 2000 x 5 ms */
        pthread_mutex_lock(&w.mu);
        done = w.done;
        pthread_mutex_unlock(&w.mu);
        if (done < 2) {
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(done, 2);
    assert_int_equal(node_duequeue_count(&q), 0);
    node_duequeue_end(&q);
    assert_int_equal(w.steps, 4); /* each id: a failed step, then the step that ended it */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duequeue_due_order_and_dedup),
        cmocka_unit_test(test_duequeue_full_then_scan),
        cmocka_unit_test(test_duequeue_kick_and_backoff),
        cmocka_unit_test(test_duequeue_stop_wakes_the_worker),
        cmocka_unit_test(test_duequeue_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

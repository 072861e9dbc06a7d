/*
 * test_queue.c — bounded MPMC queue: FIFO, full/empty behaviour, timeouts,
 * close waking blocked producers and consumers, leftovers freed at destroy,
 * and 4 producers x 4 consumers x 100 000 items with no loss and no duplicate.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/queue.h"

static void
test_queue_create_bad_args(void **state)
{
    (void)state;
    mpc_queue *q = (mpc_queue *)1;
    assert_int_equal(mpc_queue_create(NULL, 4, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_queue_create(&q, 0, NULL), MPC_ERR_INVALID_ARG);
    assert_null(q);
    assert_int_equal(mpc_queue_create(&q, SIZE_MAX, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_queue_try_push(NULL, (void *)1), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_queue_push(NULL, (void *)1, 0), MPC_ERR_INVALID_ARG);
    void *item = (void *)1;
    assert_int_equal(mpc_queue_pop(NULL, &item, 0), MPC_ERR_INVALID_ARG);
    assert_null(item);
    mpc_queue_close(NULL);
    mpc_queue_destroy(NULL);
    assert_int_equal(mpc_queue_len(NULL), 0);
    assert_int_equal(mpc_queue_cap(NULL), 0);
}

static void
test_queue_rejects_null_item(void **state)
{
    (void)state;
    mpc_queue *q = NULL;
    assert_int_equal(mpc_queue_create(&q, 2, NULL), MPC_OK);
    assert_int_equal(mpc_queue_try_push(q, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_queue_pop(q, NULL, 0), MPC_ERR_INVALID_ARG);
    mpc_queue_destroy(q);
}

static void
test_queue_fifo_and_full(void **state)
{
    (void)state;
    mpc_queue *q = NULL;
    assert_int_equal(mpc_queue_create(&q, 3, NULL), MPC_OK);
    assert_int_equal(mpc_queue_cap(q), 3);
    for (uintptr_t i = 1; i <= 3; i++) {
        assert_int_equal(mpc_queue_try_push(q, (void *)i), MPC_OK);
    }
    assert_int_equal(mpc_queue_try_push(q, (void *)4), MPC_ERR_QUEUE_FULL);
    assert_int_equal(mpc_queue_len(q), 3);
    /* Wrap around the ring a few times, order must stay FIFO. */
    void *item = NULL;
    for (uintptr_t i = 1; i <= 20; i++) {
        assert_int_equal(mpc_queue_pop(q, &item, 0), MPC_OK);
        assert_ptr_equal(item, (void *)i);
        assert_int_equal(mpc_queue_try_push(q, (void *)(i + 3)), MPC_OK);
    }
    assert_int_equal(mpc_queue_high_water(q), 3);
    mpc_queue_destroy(q);
}

static void
test_queue_pop_empty_times_out(void **state)
{
    (void)state;
    mpc_queue *q = NULL;
    void *item = (void *)1;
    assert_int_equal(mpc_queue_create(&q, 1, NULL), MPC_OK);
    assert_int_equal(mpc_queue_pop(q, &item, 0), MPC_ERR_TIMEOUT);
    assert_null(item);
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(mpc_queue_pop(q, &item, 50), MPC_ERR_TIMEOUT);
    uint64_t waited_ms = (mpc_clock_mono_ns() - t0) / MPC_NS_PER_MS;
    assert_true(waited_ms >= 50);
    assert_true(waited_ms < 5000);
    mpc_queue_destroy(q);
}

static void
test_queue_push_full_times_out(void **state)
{
    (void)state;
    mpc_queue *q = NULL;
    assert_int_equal(mpc_queue_create(&q, 1, NULL), MPC_OK);
    assert_int_equal(mpc_queue_push(q, (void *)1, 0), MPC_OK);
    assert_int_equal(mpc_queue_push(q, (void *)2, 0), MPC_ERR_TIMEOUT);
    uint64_t t0 = mpc_clock_mono_ns();
    assert_int_equal(mpc_queue_push(q, (void *)2, 30), MPC_ERR_TIMEOUT);
    assert_true((mpc_clock_mono_ns() - t0) / MPC_NS_PER_MS >= 30);
    mpc_queue_destroy(q);
}

struct blocked_arg {
    mpc_queue *q;         /* queue to block on */
    int producer;         /* 1: block in push, 0: block in pop */
    _Atomic int *started; /* incremented just before blocking */
    mpc_status result;    /* what the blocked call returned */
    uint64_t waited_ns;   /* how long it blocked */
};

static void *
blocked_thread(void *p)
{
    struct blocked_arg *a = p;
    void *item = NULL;
    atomic_fetch_add(a->started, 1);
    uint64_t t0 = mpc_clock_mono_ns();
    if (a->producer) {
        a->result = mpc_queue_push(a->q, (void *)9, 60000);
    } else {
        a->result = mpc_queue_pop(a->q, &item, 60000);
    }
    a->waited_ns = mpc_clock_mono_ns() - t0;
    return NULL;
}

/* Starts n threads that block on q, waits until the queue has them all waiting, closes it. */
static void
run_close_wakes(int producer)
{
    enum { N = 4 };
    mpc_queue *q = NULL;
    _Atomic int started = 0;
    pthread_t th[N];
    struct blocked_arg args[N];
    assert_int_equal(mpc_queue_create(&q, 1, NULL), MPC_OK);
    if (producer) {
        assert_int_equal(mpc_queue_try_push(q, (void *)1), MPC_OK); /* full */
    }
    for (int i = 0; i < N; i++) {
        args[i] = (struct blocked_arg){.q = q, .producer = producer, .started = &started};
        assert_int_equal(pthread_create(&th[i], NULL, blocked_thread, &args[i]), 0);
    }
    while (atomic_load(&started) < N) {
        sched_yield();
    }
    /* The threads may still be on their way into the wait; close must work either way. */
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    uint64_t t0 = mpc_clock_mono_ns();
    mpc_queue_close(q);
    mpc_queue_close(q); /* idempotent */
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].result, MPC_ERR_CLOSED);
        assert_true(args[i].waited_ns < 30ULL * MPC_NS_PER_S);
    }
    /* Woken by close, not by their 60 s timeout. */
    assert_true(mpc_clock_mono_ns() - t0 < 30ULL * MPC_NS_PER_S);
    mpc_queue_destroy(q);
}

static void
test_queue_close_wakes_blocked_consumers(void **state)
{
    (void)state;
    run_close_wakes(0);
}

static void
test_queue_close_wakes_blocked_producers(void **state)
{
    (void)state;
    run_close_wakes(1);
}

static void
test_queue_close_drains_then_closed(void **state)
{
    (void)state;
    mpc_queue *q = NULL;
    void *item = NULL;
    assert_int_equal(mpc_queue_create(&q, 4, NULL), MPC_OK);
    assert_int_equal(mpc_queue_try_push(q, (void *)1), MPC_OK);
    assert_int_equal(mpc_queue_try_push(q, (void *)2), MPC_OK);
    mpc_queue_close(q);
    assert_int_equal(mpc_queue_try_push(q, (void *)3), MPC_ERR_CLOSED);
    assert_int_equal(mpc_queue_push(q, (void *)3, 10), MPC_ERR_CLOSED);
    assert_int_equal(mpc_queue_pop(q, &item, 10), MPC_OK);
    assert_ptr_equal(item, (void *)1);
    assert_int_equal(mpc_queue_pop(q, &item, 10), MPC_OK);
    assert_ptr_equal(item, (void *)2);
    assert_int_equal(mpc_queue_pop(q, &item, 10), MPC_ERR_CLOSED);
    assert_null(item);
    mpc_queue_destroy(q);
}

static int freed_count;

static void
count_free(void *item)
{
    freed_count++;
    free(item);
}

static void
test_queue_destroy_frees_leftovers(void **state)
{
    (void)state;
    mpc_queue *q = NULL;
    freed_count = 0;
    assert_int_equal(mpc_queue_create(&q, 8, count_free), MPC_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(mpc_queue_try_push(q, malloc(16)), MPC_OK);
    }
    void *item = NULL;
    assert_int_equal(mpc_queue_pop(q, &item, 0), MPC_OK);
    free(item); /* popped items belong to the popper */
    mpc_queue_destroy(q);
    assert_int_equal(freed_count, 4);
}

/* ---- 4 producers x 4 consumers x 100 000 items ---- */

enum { PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 100000 };

struct mpmc {
    mpc_queue *q;                                   /* shared queue */
    _Atomic uint8_t seen[PRODUCERS * PER_PRODUCER]; /* times each item was popped */
    _Atomic uint64_t popped;                        /* total popped */
    _Atomic uint64_t full_retries;                  /* producer waits on a full queue */
};

struct worker {
    struct mpmc *m; /* shared state */
    int id;         /* producer index */
};

static void *
producer_thread(void *p)
{
    struct worker *w = p;
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        uintptr_t v = (uintptr_t)(w->id * PER_PRODUCER + i) + 1; /* never NULL */
        mpc_status st;
        while ((st = mpc_queue_push(w->m->q, (void *)v, 1000)) == MPC_ERR_TIMEOUT) {
            atomic_fetch_add(&w->m->full_retries, 1);
        }
        if (st != MPC_OK) {
            return (void *)1;
        }
    }
    return NULL;
}

static void *
consumer_thread(void *p)
{
    struct mpmc *m = p;
    for (;;) {
        void *item = NULL;
        mpc_status st = mpc_queue_pop(m->q, &item, 1000);
        if (st == MPC_ERR_CLOSED) {
            return NULL;
        }
        if (st == MPC_ERR_TIMEOUT) {
            continue;
        }
        uintptr_t v = (uintptr_t)item - 1;
        if (v >= PRODUCERS * PER_PRODUCER) {
            return (void *)1;
        }
        atomic_fetch_add(&m->seen[v], 1);
        atomic_fetch_add(&m->popped, 1);
    }
}

static void
test_queue_mpmc_no_loss_no_duplicate(void **state)
{
    (void)state;
    struct mpmc *m = calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(mpc_queue_create(&m->q, 64, NULL), MPC_OK);
    pthread_t prod[PRODUCERS], cons[CONSUMERS];
    struct worker w[PRODUCERS];
    for (int i = 0; i < CONSUMERS; i++) {
        assert_int_equal(pthread_create(&cons[i], NULL, consumer_thread, m), 0);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        w[i] = (struct worker){.m = m, .id = i};
        assert_int_equal(pthread_create(&prod[i], NULL, producer_thread, &w[i]), 0);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        void *ret = NULL;
        pthread_join(prod[i], &ret);
        assert_null(ret);
    }
    mpc_queue_close(m->q); /* consumers drain the rest, then see CLOSED */
    for (int i = 0; i < CONSUMERS; i++) {
        void *ret = NULL;
        pthread_join(cons[i], &ret);
        assert_null(ret);
    }
    assert_int_equal(atomic_load(&m->popped), (uint64_t)PRODUCERS * PER_PRODUCER);
    for (size_t i = 0; i < PRODUCERS * PER_PRODUCER; i++) {
        if (atomic_load(&m->seen[i]) != 1) {
            fail_msg("item %zu popped %u times", i, (unsigned)atomic_load(&m->seen[i]));
        }
    }
    assert_true(mpc_queue_high_water(m->q) <= 64);
    assert_int_equal(mpc_queue_len(m->q), 0);
    mpc_queue_destroy(m->q);
    free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_create_bad_args),
        cmocka_unit_test(test_queue_rejects_null_item),
        cmocka_unit_test(test_queue_fifo_and_full),
        cmocka_unit_test(test_queue_pop_empty_times_out),
        cmocka_unit_test(test_queue_push_full_times_out),
        cmocka_unit_test(test_queue_close_wakes_blocked_consumers),
        cmocka_unit_test(test_queue_close_wakes_blocked_producers),
        cmocka_unit_test(test_queue_close_drains_then_closed),
        cmocka_unit_test(test_queue_destroy_frees_leftovers),
        cmocka_unit_test(test_queue_mpmc_no_loss_no_duplicate),
    };
    return cmocka_run_group_tests_name("common/queue", tests, NULL, NULL);
}

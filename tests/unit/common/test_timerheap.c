/*
 * test_timerheap.c — ordering, FIFO ties, cancel, stale ids, slot reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/timerheap.h"
#include "tests/support/test_util.h"

static uint64_t seed;

static void
test_timerheap_bad_args(void **state)
{
    (void)state;
    uint64_t id = 123, dl = 0;
    void *data = (void *)1;
    assert_int_equal(mpc_timerheap_create(NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_timerheap_schedule(NULL, 1, NULL, &id), MPC_ERR_INVALID_ARG);
    assert_int_equal(id, 0);
    assert_int_equal(mpc_timerheap_cancel(NULL, 1, &data), MPC_ERR_INVALID_ARG);
    assert_null(data);
    assert_int_equal(mpc_timerheap_peek(NULL, &dl), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_timerheap_pop_due(NULL, 1, NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_timerheap_size(NULL), 0);
    mpc_timerheap_destroy(NULL);
}

static void
test_timerheap_empty(void **state)
{
    (void)state;
    mpc_timerheap *h = NULL;
    uint64_t dl = 0;
    void *data = (void *)1;
    assert_int_equal(mpc_timerheap_create(&h), MPC_OK);
    assert_int_equal(mpc_timerheap_peek(h, &dl), MPC_ERR_NOT_FOUND);
    assert_int_equal(mpc_timerheap_pop_due(h, UINT64_MAX, &data, NULL), MPC_ERR_NOT_FOUND);
    assert_null(data);
    assert_int_equal(mpc_timerheap_cancel(h, 0, NULL), MPC_ERR_NOT_FOUND);
    assert_int_equal(mpc_timerheap_cancel(h, 0xffffffffffULL, NULL), MPC_ERR_NOT_FOUND);
    mpc_timerheap_destroy(h);
}

static void
test_timerheap_orders_by_deadline(void **state)
{
    (void)state;
    mpc_timerheap *h = NULL;
    assert_int_equal(mpc_timerheap_create(&h), MPC_OK);
    uint64_t rng = seed;
    enum { N = 5000 };
    for (uintptr_t i = 0; i < N; i++) {
        uint64_t dl = mpc_test_rand(&rng) % 100000;
        assert_int_equal(mpc_timerheap_schedule(h, dl, (void *)(uintptr_t)(dl + 1), NULL), MPC_OK);
    }
    assert_int_equal(mpc_timerheap_size(h), N);
    uint64_t last = 0, peek = 0;
    size_t popped = 0;
    void *data = NULL;
    assert_int_equal(mpc_timerheap_peek(h, &peek), MPC_OK);
    while (mpc_timerheap_pop_due(h, UINT64_MAX, &data, NULL) == MPC_OK) {
        uint64_t dl = (uint64_t)(uintptr_t)data - 1;
        if (popped == 0) {
            assert_int_equal(dl, peek);
        }
        assert_true(dl >= last);
        last = dl;
        popped++;
    }
    assert_int_equal(popped, N);
    assert_int_equal(mpc_timerheap_size(h), 0);
    mpc_timerheap_destroy(h);
}

static void
test_timerheap_ties_pop_fifo(void **state)
{
    (void)state;
    mpc_timerheap *h = NULL;
    assert_int_equal(mpc_timerheap_create(&h), MPC_OK);
    for (uintptr_t i = 1; i <= 100; i++) {
        /* Interleave two deadlines; within each deadline order must be FIFO. */
        assert_int_equal(mpc_timerheap_schedule(h, (i % 2) ? 50 : 40, (void *)i, NULL), MPC_OK);
    }
    void *data = NULL;
    uintptr_t prev = 0;
    for (int k = 0; k < 50; k++) { /* deadline 40: even i in increasing order */
        assert_int_equal(mpc_timerheap_pop_due(h, 1000, &data, NULL), MPC_OK);
        assert_int_equal((uintptr_t)data % 2, 0);
        assert_true((uintptr_t)data > prev);
        prev = (uintptr_t)data;
    }
    prev = 0;
    for (int k = 0; k < 50; k++) { /* deadline 50: odd i in increasing order */
        assert_int_equal(mpc_timerheap_pop_due(h, 1000, &data, NULL), MPC_OK);
        assert_int_equal((uintptr_t)data % 2, 1);
        assert_true((uintptr_t)data > prev);
        prev = (uintptr_t)data;
    }
    mpc_timerheap_destroy(h);
}

static void
test_timerheap_not_due_stays(void **state)
{
    (void)state;
    mpc_timerheap *h = NULL;
    uint64_t id = 0, pid = 0;
    void *data = NULL;
    assert_int_equal(mpc_timerheap_create(&h), MPC_OK);
    assert_int_equal(mpc_timerheap_schedule(h, 500, (void *)7, &id), MPC_OK);
    assert_int_not_equal(id, 0);
    assert_int_equal(mpc_timerheap_pop_due(h, 499, &data, &pid), MPC_ERR_NOT_FOUND);
    assert_int_equal(pid, 0);
    assert_int_equal(mpc_timerheap_pop_due(h, 500, &data, &pid), MPC_OK);
    assert_ptr_equal(data, (void *)7);
    assert_int_equal(pid, id);
    mpc_timerheap_destroy(h);
}

static void
test_timerheap_cancel(void **state)
{
    (void)state;
    mpc_timerheap *h = NULL;
    uint64_t ids[10];
    assert_int_equal(mpc_timerheap_create(&h), MPC_OK);
    for (uintptr_t i = 0; i < 10; i++) {
        assert_int_equal(mpc_timerheap_schedule(h, 100 + i, (void *)(i + 1), &ids[i]), MPC_OK);
    }
    void *data = NULL;
    /* Cancel the earliest, one in the middle and the last. */
    assert_int_equal(mpc_timerheap_cancel(h, ids[0], &data), MPC_OK);
    assert_ptr_equal(data, (void *)1);
    assert_int_equal(mpc_timerheap_cancel(h, ids[5], &data), MPC_OK);
    assert_ptr_equal(data, (void *)6);
    assert_int_equal(mpc_timerheap_cancel(h, ids[9], NULL), MPC_OK);
    /* Twice: not found, data untouched-then-cleared. */
    assert_int_equal(mpc_timerheap_cancel(h, ids[5], &data), MPC_ERR_NOT_FOUND);
    assert_null(data);
    assert_int_equal(mpc_timerheap_size(h), 7);
    uintptr_t expect[] = {2, 3, 4, 5, 7, 8, 9};
    for (size_t k = 0; k < 7; k++) {
        assert_int_equal(mpc_timerheap_pop_due(h, UINT64_MAX, &data, NULL), MPC_OK);
        assert_ptr_equal(data, (void *)expect[k]);
    }
    mpc_timerheap_destroy(h);
}

static void
test_timerheap_stale_id_never_cancels_reused_slot(void **state)
{
    (void)state;
    mpc_timerheap *h = NULL;
    uint64_t a = 0, b = 0;
    void *data = NULL;
    assert_int_equal(mpc_timerheap_create(&h), MPC_OK);
    assert_int_equal(mpc_timerheap_schedule(h, 1, (void *)1, &a), MPC_OK);
    assert_int_equal(mpc_timerheap_pop_due(h, 1, &data, NULL), MPC_OK);
    /* The slot of a is free again; b likely reuses it with a new generation. */
    assert_int_equal(mpc_timerheap_schedule(h, 2, (void *)2, &b), MPC_OK);
    assert_int_not_equal(a, b);
    assert_int_equal(mpc_timerheap_cancel(h, a, &data), MPC_ERR_NOT_FOUND);
    assert_int_equal(mpc_timerheap_size(h), 1);
    assert_int_equal(mpc_timerheap_cancel(h, b, &data), MPC_OK);
    assert_ptr_equal(data, (void *)2);
    mpc_timerheap_destroy(h);
}

static void
test_timerheap_random_cancel_keeps_order(void **state)
{
    (void)state;
    enum { N = 3000 };
    mpc_timerheap *h = NULL;
    uint64_t *ids = calloc(N, sizeof *ids);
    uint8_t *cancelled = calloc(N, 1);
    assert_non_null(ids);
    assert_non_null(cancelled);
    assert_int_equal(mpc_timerheap_create(&h), MPC_OK);
    uint64_t rng = seed ^ 0x5555;
    for (uintptr_t i = 0; i < N; i++) {
        uint64_t dl = (mpc_test_rand(&rng) % 1000) * 1000 + i; /* unique, recoverable */
        assert_int_equal(mpc_timerheap_schedule(h, dl, (void *)(i + 1), &ids[i]), MPC_OK);
    }
    size_t ncancel = 0;
    for (size_t k = 0; k < N / 3; k++) {
        size_t i = mpc_test_rand(&rng) % N;
        mpc_status st = mpc_timerheap_cancel(h, ids[i], NULL);
        assert_int_equal(st, cancelled[i] ? MPC_ERR_NOT_FOUND : MPC_OK);
        if (!cancelled[i]) {
            ncancel++;
        }
        cancelled[i] = 1;
    }
    assert_int_equal(mpc_timerheap_size(h), N - ncancel);
    uint64_t last = 0, peek = 0;
    void *data = NULL;
    size_t popped = 0;
    while (mpc_timerheap_peek(h, &peek) == MPC_OK) {
        assert_int_equal(mpc_timerheap_pop_due(h, peek, &data, NULL), MPC_OK);
        size_t i = (size_t)(uintptr_t)data - 1;
        assert_false(cancelled[i]);
        assert_true(peek >= last);
        last = peek;
        popped++;
    }
    assert_int_equal(popped, N - ncancel);
    mpc_timerheap_destroy(h);
    free(ids);
    free(cancelled);
}

int
main(void)
{
    seed = mpc_test_seed("test_timerheap");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timerheap_bad_args),
        cmocka_unit_test(test_timerheap_empty),
        cmocka_unit_test(test_timerheap_orders_by_deadline),
        cmocka_unit_test(test_timerheap_ties_pop_fifo),
        cmocka_unit_test(test_timerheap_not_due_stays),
        cmocka_unit_test(test_timerheap_cancel),
        cmocka_unit_test(test_timerheap_stale_id_never_cancels_reused_slot),
        cmocka_unit_test(test_timerheap_random_cancel_keeps_order),
    };
    return cmocka_run_group_tests_name("common/timerheap", tests, NULL, NULL);
}

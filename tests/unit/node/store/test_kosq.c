/*
 * test_kosq.c — node/store/kosq.c: peers' quarantine notices kept in the
 * store survive a reopen, are stored once per distinct notice, are handed to
 * the loader and deleted when it rejects them; bad arguments are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "node/store/kosq.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS "kosq test passphrase"

static node_store *
open_store(const char *path)
{
    node_store *s = node_fixture_store_open(path, PASS, 0);
    assert_non_null(s);
    return s;
}

/* What the loader saw; it rejects notices whose first byte is 'x'. */
struct seen {
    int n;         /* calls */
    char first[8]; /* first byte of each notice */
    size_t len[8]; /* length of each */
};

static int
on_notice(void *arg, const uint8_t *notice, size_t len)
{
    struct seen *s = arg;
    if (s->n < 8) {
        s->first[s->n] = (char)notice[0];
        s->len[s->n] = len;
    }
    s->n++;
    return notice[0] != 'x';
}

static void
test_kosq_survives_reopen(void **state)
{
    node_fixture_store *f = *state;
    node_store *s = open_store(f->path);
    const uint8_t a[] = "a-notice", b[] = "b-notice-longer", x[] = "x-stale";
    assert_int_equal(node_store_kosq_put(s, a, sizeof a), MPC_OK);
    assert_int_equal(node_store_kosq_put(s, a, sizeof a), MPC_OK); /* same bytes: one record */
    assert_int_equal(node_store_kosq_put(s, b, sizeof b), MPC_OK);
    assert_int_equal(node_store_kosq_put(s, x, sizeof x), MPC_OK);
    node_store_close(s);

    s = open_store(f->path);
    struct seen seen = {0};
    size_t bad = 99;
    assert_int_equal(node_store_kosq_load(s, on_notice, &seen, &bad), MPC_OK);
    assert_int_equal(seen.n, 3);
    assert_int_equal(bad, 0);
    int got_a = 0, got_b = 0;
    for (int i = 0; i < 3; i++) {
        got_a += seen.first[i] == 'a' && seen.len[i] == sizeof a;
        got_b += seen.first[i] == 'b' && seen.len[i] == sizeof b;
    }
    assert_int_equal(got_a, 1);
    assert_int_equal(got_b, 1);
    /* the rejected one is gone, the others stay */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(node_store_kosq_load(s, on_notice, &seen, NULL), MPC_OK);
    assert_int_equal(seen.n, 2);
    char **names = NULL;
    size_t count = 0;
    assert_int_equal(node_store_list(s, NODE_STORE_KOSQ_PREFIX, &names, &count), MPC_OK);
    assert_int_equal(count, 2);
    node_store_names_free(names, count);
    node_store_close(s);
}

/* A record under the prefix that cannot be read as a notice is skipped and counted. */
static void
test_kosq_unreadable_counted(void **state)
{
    node_fixture_store *f = *state;
    node_store *s = open_store(f->path);
    assert_int_equal(node_store_put(s, "kosq/empty", (const uint8_t *)"", 0), MPC_OK);
    const uint8_t a[] = "a";
    assert_int_equal(node_store_kosq_put(s, a, sizeof a), MPC_OK);
    struct seen seen = {0};
    size_t bad = 0;
    assert_int_equal(node_store_kosq_load(s, on_notice, &seen, &bad), MPC_OK);
    assert_int_equal(seen.n, 1);
    assert_int_equal(bad, 1);
    node_store_close(s);
}

static void
test_kosq_bad_args(void **state)
{
    node_fixture_store *f = *state;
    node_store *s = open_store(f->path);
    static uint8_t big[NODE_STORE_KOSQ_NOTICE_MAX + 1];
    const uint8_t a[] = "a";
    struct seen seen = {0};
    size_t bad = 7;
    assert_int_equal(node_store_kosq_put(NULL, a, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kosq_put(s, NULL, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kosq_put(s, a, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kosq_put(s, big, sizeof big), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kosq_put(s, big, sizeof big - 1), MPC_OK); /* the bound */
    assert_int_equal(node_store_kosq_load(NULL, on_notice, &seen, &bad), MPC_ERR_INVALID_ARG);
    assert_int_equal(bad, 0);
    assert_int_equal(node_store_kosq_load(s, NULL, &seen, NULL), MPC_ERR_INVALID_ARG);
    node_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kosq_survives_reopen, node_fixture_store_setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_kosq_unreadable_counted, node_fixture_store_setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_kosq_bad_args, node_fixture_store_setup,
                                        node_fixture_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

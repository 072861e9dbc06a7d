/*
 * test_unpub.c — unpub/ markers of request-log entries whose results were not
 * acknowledged yet (node/store/unpub.h): written in the request log's own
 * transaction (one commit for a group, entries and markers), kept across a
 * reopen (what a restarted node republishes), deleted with the next group or
 * on their own, a bad entry costs only itself (and leaves no marker), corrupt
 * markers and bad arguments refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/store/unpub.h"
#include "tests/support/node_fixture.h"

#define PASS "unpub test passphrase"
#define N    6u
#define T0   1765000000000ull /* a wall-clock ms */

struct fx {
    char *dir;
    char *path;
    char ids[N][32];
    uint8_t body[N][48];
    struct node_store_req_entry e[N];
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->path = node_fixture_path(f->dir, "store.mdb");
    for (unsigned i = 0; i < N; i++) {
        snprintf(f->ids[i], sizeof f->ids[i], "unpub-%02u", i);
        memset(f->body[i], 0x30 + (int)i, sizeof f->body[i]);
        f->e[i] = (struct node_store_req_entry){f->ids[i], MPC_OK, f->body[i], sizeof f->body[i]};
    }
    *state = f;
    return f->dir == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_fixture_tmpdir_remove(f->dir);
    free(f->path);
    free(f);
    return 0;
}

static node_store *
open_store(const char *path)
{
    node_store *s = NULL;
    char err[256];
    struct node_store_options o = {.kdf = NODE_STORE_KDF_TEST_MIN, .flags = NODE_STORE_CREATE};
    assert_int_equal(node_store_open(path, PASS, strlen(PASS), &o, &s, err, sizeof(err)), MPC_OK);
    return s;
}

/* The marker ids, sorted (node_store_list is in byte order), joined by ','. */
static void
markers(node_store *s, char *buf, size_t cap)
{
    char **ids = NULL;
    size_t n = 0;
    assert_int_equal(node_store_unpub_list(s, &ids, &n), MPC_OK);
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, cap - l, "%s%s", i ? "," : "", ids[i]);
    }
    node_store_names_free(ids, n);
}

static void
test_unpub_group_with_markers_one_commit(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    mpc_status each[N];
    char buf[512];
    uint64_t c0 = node_store_commits(s);
    assert_int_equal(node_store_req_put_unpub(s, f->e, 3, each, NULL, 0, T0), MPC_OK);
    assert_int_equal(node_store_commits(s), c0 + 1); /* entries and markers: one commit */
    markers(s, buf, sizeof buf);
    assert_string_equal(buf, "unpub-00,unpub-01,unpub-02");
    uint64_t at = 0;
    assert_int_equal(node_store_unpub_get(s, f->ids[1], &at), MPC_OK);
    assert_int_equal(at, T0);
    mpc_status outcome = MPC_ERR_INTERNAL;
    uint8_t *res = NULL;
    size_t len = 0;
    assert_int_equal(node_store_req_get(s, f->ids[2], &outcome, &res, &len), MPC_OK);
    assert_int_equal(len, sizeof f->body[2]);
    assert_memory_equal(res, f->body[2], len);
    free(res);
    /* The next group deletes the markers acknowledged meanwhile, in its own commit. */
    char *done[] = {f->ids[0], f->ids[2], "never-marked"};
    assert_int_equal(node_store_req_put_unpub(s, &f->e[3], 2, each, done, 3, T0 + 5), MPC_OK);
    assert_int_equal(node_store_commits(s), c0 + 2);
    markers(s, buf, sizeof buf);
    assert_string_equal(buf, "unpub-01,unpub-03,unpub-04");
    assert_int_equal(node_store_unpub_get(s, f->ids[0], &at), MPC_ERR_NOT_FOUND);
    node_store_close(s);
    s = open_store(f->path); /* durable: what a restarted node finds */
    markers(s, buf, sizeof buf);
    assert_string_equal(buf, "unpub-01,unpub-03,unpub-04");
    assert_int_equal(node_store_unpub_get(s, f->ids[4], &at), MPC_OK);
    assert_int_equal(at, T0 + 5);
    char *gone[] = {f->ids[1], f->ids[3], f->ids[4]};
    assert_int_equal(node_store_unpub_done(s, gone, 3), MPC_OK);
    markers(s, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_int_equal(node_store_unpub_done(s, gone, 3), MPC_OK); /* absent: fine */
    /* A request logged again in the group that deletes its old marker keeps the new one. */
    char *again[] = {f->ids[5]};
    assert_int_equal(node_store_req_put_unpub(s, &f->e[5], 1, each, again, 1, T0 + 9), MPC_OK);
    assert_int_equal(node_store_req_put_unpub(s, &f->e[5], 1, each, again, 1, T0 + 10), MPC_OK);
    assert_int_equal(node_store_unpub_get(s, f->ids[5], &at), MPC_OK);
    assert_int_equal(at, T0 + 10);
    node_store_close(s);
}

static void
test_unpub_bad_entry_costs_only_itself(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    mpc_status each[N];
    char buf[512];
    f->e[1].request_id = "not a valid id"; /* refused by the record-name check */
    char *done[] = {f->ids[5]};
    assert_int_equal(node_store_req_put_unpub(s, f->e, 3, each, done, 1, T0), MPC_ERR_INVALID_ARG);
    assert_int_equal(each[0], MPC_OK);
    assert_int_equal(each[1], MPC_ERR_INVALID_ARG);
    assert_int_equal(each[2], MPC_OK);
    markers(s, buf, sizeof buf);
    assert_string_equal(buf, "unpub-00,unpub-02"); /* no marker without its entry */
    node_store_close(s);
}

static void
test_unpub_corrupt_marker_and_args(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    mpc_status each[1];
    uint64_t at = 7;
    char **ids = NULL;
    size_t n = 0;
    assert_int_equal(node_store_put(s, "unpub/short", (const uint8_t *)"abc", 3), MPC_OK);
    assert_int_equal(node_store_unpub_get(s, "short", &at), MPC_ERR_CORRUPT);
    assert_int_equal(node_store_unpub_get(s, "absent", &at), MPC_ERR_NOT_FOUND);
    assert_int_equal(at, 0);
    assert_int_equal(node_store_unpub_get(s, "", &at), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_unpub_get(s, "x", NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_unpub_get(NULL, "x", &at), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_unpub(NULL, f->e, 1, each, NULL, 0, T0),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_unpub(s, NULL, 1, each, NULL, 0, T0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_unpub(s, f->e, 1, NULL, NULL, 0, T0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_unpub(s, f->e, 0, each, NULL, 0, T0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_unpub(s, f->e, 1, each, NULL, 2, T0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_unpub_done(NULL, NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_unpub_done(s, NULL, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_unpub_done(s, NULL, 0), MPC_OK);
    assert_int_equal(node_store_unpub_list(s, NULL, &n), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_unpub_list(s, &ids, &n), MPC_OK);
    assert_int_equal(n, 1); /* only the planted one: nothing written by the refused calls */
    node_store_names_free(ids, n);
    node_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unpub_group_with_markers_one_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpub_bad_entry_costs_only_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unpub_corrupt_marker_and_args, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_store_group.c — group commit of request-log entries
 * (node_store_req_put_many): n entries in one transaction (one commit), each
 * readable and indexed, also after a reopen; a bad entry in a group costs only
 * itself (the group is written entry by entry); a full store refuses every
 * entry; argument checks.
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
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS "group test passphrase"
#define N    10u

struct fx {
    char *dir;  /* temp dir */
    char *path; /* store file */
    char ids[N][32];
    uint8_t body[N][64];
    struct node_store_req_entry e[N];
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->path = node_fixture_path(f->dir, "store.mdb");
    for (unsigned i = 0; i < N; i++) {
        snprintf(f->ids[i], sizeof f->ids[i], "group-%02u", i);
        memset(f->body[i], 0x40 + (int)i, sizeof f->body[i]);
        f->e[i] = (struct node_store_req_entry){f->ids[i], i % 2 ? MPC_ERR_TIMEOUT : MPC_OK,
                                                f->body[i], sizeof f->body[i] - i};
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

/* Entry i reads back with its outcome and bytes. */
static void
assert_logged(node_store *s, const struct node_store_req_entry *e)
{
    mpc_status outcome = MPC_OK;
    uint8_t *res = NULL;
    size_t len = 0;
    assert_int_equal(node_store_req_get(s, e->request_id, &outcome, &res, &len), MPC_OK);
    assert_int_equal(outcome, e->outcome);
    assert_int_equal(len, e->result_len);
    assert_memory_equal(res, e->result, len);
    free(res);
}

static void
test_store_group_one_commit(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    mpc_status each[N];
    uint64_t c0 = node_store_commits(s), n0 = 0, n1 = 0;
    assert_int_equal(node_store_req_count(s, &n0), MPC_OK);
    assert_int_equal(node_store_req_put_many(s, f->e, N, each), MPC_OK);
    assert_int_equal(node_store_commits(s), c0 + 1); /* one transaction for all N */
    assert_int_equal(node_store_req_count(s, &n1), MPC_OK);
    assert_int_equal(n1, n0 + N); /* every entry indexed for retention */
    for (unsigned i = 0; i < N; i++) {
        assert_int_equal(each[i], MPC_OK);
        assert_logged(s, &f->e[i]);
    }
    node_store_close(s);
    s = open_store(f->path); /* durable: still there after a reopen */
    for (unsigned i = 0; i < N; i++) {
        assert_logged(s, &f->e[i]);
    }
    node_store_close(s);
}

static void
test_store_group_bad_entry_costs_only_itself(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    mpc_status each[N];
    f->e[3].request_id = "not a valid id"; /* spaces: refused by the record-name check */
    f->e[7].result = NULL;                 /* NULL bytes with a length */
    uint64_t c0 = node_store_commits(s);
    assert_int_equal(node_store_req_put_many(s, f->e, N, each), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_commits(s), c0 + N - 2); /* entry by entry after the group failed */
    for (unsigned i = 0; i < N; i++) {
        if (i == 3 || i == 7) {
            assert_int_equal(each[i], MPC_ERR_INVALID_ARG);
            continue;
        }
        assert_int_equal(each[i], MPC_OK);
        assert_logged(s, &f->e[i]);
    }
    mpc_status outcome;
    uint8_t *res = NULL;
    size_t len = 0;
    assert_int_equal(node_store_req_get(s, f->ids[7], &outcome, &res, &len), MPC_ERR_NOT_FOUND);
    node_store_close(s);
}

static void
test_store_group_single_entry(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    mpc_status each[1] = {MPC_ERR_INTERNAL};
    uint64_t c0 = node_store_commits(s);
    assert_int_equal(node_store_req_put_many(s, f->e, 1, each), MPC_OK);
    assert_int_equal(each[0], MPC_OK);
    assert_int_equal(node_store_commits(s), c0 + 1);
    assert_logged(s, &f->e[0]);
    node_store_close(s);
}

static void
test_store_group_invalid_args(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    mpc_status each[N];
    assert_int_equal(node_store_req_put_many(NULL, f->e, N, each), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_many(s, NULL, N, each), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_many(s, f->e, N, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put_many(s, f->e, 0, each), MPC_ERR_INVALID_ARG);
    uint64_t n = 1;
    assert_int_equal(node_store_req_count(s, &n), MPC_OK);
    assert_int_equal(n, 0); /* nothing written */
    assert_int_equal(node_store_commits(NULL), 0);
    node_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_group_one_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_group_bad_entry_costs_only_itself, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_group_single_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_group_invalid_args, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

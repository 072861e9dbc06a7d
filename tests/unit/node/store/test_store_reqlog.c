/*
 * test_store_reqlog.c — request-log retention (age index, pruning in bounded
 * batches) and the store-full state: a tiny LMDB map is filled until writes
 * fail with MPC_ERR_STORE_FULL, pruning brings space back, and every record
 * committed before, during and after stays readable, also after a reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "node/store/keys.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS "reqlog test passphrase"
#define BODY 900 /* request-log result bytes in the fill test */

static node_store *
open_map(const char *path, uint64_t map_size)
{
    node_store *s = node_fixture_store_open(path, PASS, map_size);
    assert_non_null(s);
    return s;
}

static void
req_id(char *buf, size_t cap, unsigned i)
{
    snprintf(buf, cap, "req-%06u", i);
}

static mpc_status
req_put(node_store *s, unsigned i, size_t len)
{
    char id[32];
    uint8_t body[1024];
    assert_true(len <= sizeof body);
    memset(body, (int)(i & 0xff), len);
    req_id(id, sizeof id, i);
    return node_store_req_put(s, id, MPC_OK, body, len);
}

/* 1 if request i is in the log with its body. */
static int
req_present(node_store *s, unsigned i, size_t len)
{
    char id[32];
    mpc_status outcome;
    uint8_t *res = NULL;
    size_t n = 0;
    req_id(id, sizeof id, i);
    mpc_status st = node_store_req_get(s, id, &outcome, &res, &n);
    int ok = st == MPC_OK && n == len && (len == 0 || res[0] == (uint8_t)(i & 0xff));
    free(res);
    assert_true(st == MPC_OK || st == MPC_ERR_NOT_FOUND);
    return ok;
}

static void
key_create(node_store *s, const char *wallet)
{
    static const char *const ids[] = {"node-1", "node-2", "node-3"};
    const struct node_store_committee c = {.threshold = 2, .ids = ids, .n = 3};
    uint8_t pk[32], share[200];
    memset(pk, 0x42, sizeof pk);
    memset(share, wallet[0], sizeof share);
    assert_int_equal(node_store_keys_create(s, NODE_STORE_KEY_ED25519, wallet, pk, sizeof pk, 1, &c,
                                            share, sizeof share),
                     MPC_OK);
}

static void
key_intact(node_store *s, const char *wallet)
{
    uint8_t *share = NULL;
    size_t len = 0;
    assert_int_equal(node_store_keys_share_get(s, NODE_STORE_KEY_ED25519, wallet, 1, &share, &len),
                     MPC_OK);
    assert_int_equal(len, 200);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(share[i], (uint8_t)wallet[0]);
    }
    mpc_secure_free(share);
}

static void
test_store_reqlog_prune_count_and_age(void **state)
{
    node_fixture_store *f = *state;
    node_store *s = open_map(f->path, 16u << 20);
    uint64_t n = 0;
    size_t removed = 0;
    for (unsigned i = 0; i < 50; i++) {
        assert_int_equal(req_put(s, i, 40), MPC_OK);
    }
    assert_int_equal(node_store_req_count(s, &n), MPC_OK);
    assert_int_equal(n, 50);
    /* Nothing is older than 0 and 50 <= 100: nothing to prune. */
    assert_int_equal(node_store_req_prune(s, 0, 100, 10, &removed), MPC_OK);
    assert_int_equal(removed, 0);
    /* Count limit 30, batches of 7: 7, 7, 6, then 0. */
    size_t total = 0, rounds = 0;
    do {
        assert_int_equal(node_store_req_prune(s, 0, 30, 7, &removed), MPC_OK);
        assert_true(removed <= 7);
        total += removed;
    } while (removed > 0 && ++rounds < 20);
    assert_int_equal(total, 20);
    assert_int_equal(node_store_req_count(s, &n), MPC_OK);
    assert_int_equal(n, 30);
    for (unsigned i = 0; i < 50; i++) {
        assert_int_equal(req_present(s, i, 40), i >= 20); /* the oldest went first */
    }
    /* Age limit: everything written before "now + 1 s" goes. */
    assert_int_equal(
        node_store_req_prune(s, mpc_clock_wall_ms() + 1000, UINT64_MAX, 1000, &removed), MPC_OK);
    assert_int_equal(removed, 30);
    assert_int_equal(node_store_req_count(s, &n), MPC_OK);
    assert_int_equal(n, 0);
    /* bad arguments */
    assert_int_equal(node_store_req_prune(NULL, 0, 0, 1, &removed), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_prune(s, 0, 0, 0, &removed), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_prune(s, 0, 0, 1, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_count(s, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_space_check(NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_is_full(NULL), 0);
    node_store_close(s);
}

static void
test_store_reqlog_full_map_recovers_and_keeps_keys(void **state)
{
    node_fixture_store *f = *state;
    node_store *s = open_map(f->path, 1u << 20); /* the smallest map the config allows */
    key_create(s, "alpha");
    key_create(s, "beta");
    assert_int_equal(node_store_is_full(s), 0);
    assert_int_equal(node_store_space_check(s), MPC_OK);
    unsigned ok = 0;
    mpc_status st = MPC_OK;
    while (ok < 20000 && (st = req_put(s, ok, BODY)) == MPC_OK) {
        ok++;
    }
    assert_int_equal(st, MPC_ERR_STORE_FULL);
    assert_true(ok > 100);
    assert_int_equal(node_store_is_full(s), 1);
    assert_int_equal(node_store_full_events(s), 1);
    /* Further failures do not count as new events; the state stays until space is proven. */
    assert_int_equal(req_put(s, ok, BODY), MPC_ERR_STORE_FULL);
    assert_int_equal(node_store_full_events(s), 1);
    assert_int_equal(node_store_space_check(s), MPC_ERR_STORE_FULL);
    assert_int_equal(node_store_is_full(s), 1);
    uint64_t map = 0;
    assert_true(node_store_used_bytes(s, &map) > map - map / 8);
    assert_int_equal(map, 1u << 20);
    /* The reserve still takes a key (keygen results are not lost). */
    key_create(s, "delta");
    /* Nothing committed was lost: keys and every logged request read back. */
    key_intact(s, "alpha");
    key_intact(s, "beta");
    for (unsigned i = 0; i < ok; i++) {
        assert_true(req_present(s, i, BODY));
    }
    uint64_t n = 0;
    assert_int_equal(node_store_req_count(s, &n), MPC_OK);
    assert_int_equal(n, ok);
    /* Prune to half in bounded batches: space returns, the state clears. */
    size_t removed = 0, rounds = 0;
    do {
        assert_int_equal(node_store_req_prune(s, 0, ok / 2, 16, &removed), MPC_OK);
    } while (removed > 0 && ++rounds < 1000);
    assert_int_equal(node_store_req_count(s, &n), MPC_OK);
    assert_int_equal(n, ok / 2);
    assert_int_equal(node_store_space_check(s), MPC_OK);
    assert_int_equal(node_store_is_full(s), 0);
    assert_int_equal(req_put(s, 90000, BODY), MPC_OK);
    key_create(s, "gamma");
    node_store_close(s);
    /* After a reopen: keys, the newest half of the log and the new entry. */
    s = open_map(f->path, 1u << 20);
    key_intact(s, "alpha");
    key_intact(s, "beta");
    key_intact(s, "gamma");
    key_intact(s, "delta");
    for (unsigned i = 0; i < ok; i++) {
        assert_int_equal(req_present(s, i, BODY), i >= ok - ok / 2);
    }
    assert_true(req_present(s, 90000, BODY));
    node_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_reqlog_prune_count_and_age,
                                        node_fixture_store_setup, node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_store_reqlog_full_map_recovers_and_keeps_keys,
                                        node_fixture_store_setup, node_fixture_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

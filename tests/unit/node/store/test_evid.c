/*
 * test_evid.c — node/store/evid.c: whole evidence kept per request and key
 * type, replaced on a second put, bounded by a per-request cap and a total
 * budget with the oldest entries evicted first; refusals have their status.
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
#include "node/store/evid.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS "evid test passphrase"
#define KT   NODE_STORE_KEY_SECP256K1

static int
setup(void **state)
{
    return node_fixture_store_setup_open(state, PASS, 0);
}

static int
held(node_store *s, const char *req, size_t want_len, uint8_t fill)
{
    uint8_t *p = NULL;
    size_t len = 0;
    mpc_status st = node_store_evid_get(s, KT, req, &p, &len);
    int ok = st == MPC_OK && len == want_len && p[0] == fill && p[len - 1] == fill;
    mpc_secure_free(p);
    return st == MPC_ERR_NOT_FOUND ? 0 : (ok ? 1 : -1);
}

static void
test_evid_put_get_replace(void **state)
{
    node_fixture_store *f = *state;
    static uint8_t a[50000], b[70000];
    memset(a, 0xaa, sizeof a);
    memset(b, 0xbb, sizeof b);
    struct node_store_evid_put_info info;
    assert_int_equal(node_store_evid_put(f->s, KT, "r1", 1000, a, sizeof a, 1u << 20, &info),
                     MPC_OK);
    assert_int_equal(info.entries, 1);
    assert_int_equal(info.total_bytes, sizeof a);
    assert_int_equal(held(f->s, "r1", sizeof a, 0xaa), 1);
    assert_int_equal(held(f->s, "r2", 1, 0), 0);
    /* the same request again: replaced, not counted twice */
    assert_int_equal(node_store_evid_put(f->s, KT, "r1", 2000, b, sizeof b, 1u << 20, &info),
                     MPC_OK);
    assert_int_equal(info.entries, 1);
    assert_int_equal(info.total_bytes, sizeof b);
    assert_int_equal(info.evicted, 0);
    assert_int_equal(held(f->s, "r1", sizeof b, 0xbb), 1);
    /* another key type is another entry */
    assert_int_equal(
        node_store_evid_get(f->s, NODE_STORE_KEY_ED25519, "r1", &(uint8_t *){NULL}, &(size_t){0}),
        MPC_ERR_NOT_FOUND);
}

static void
test_evid_budget_evicts_oldest(void **state)
{
    node_fixture_store *f = *state;
    static uint8_t v[30000];
    struct node_store_evid_put_info info;
    const uint64_t budget = 100000; /* three fit, not four */
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "q%d", i);
        memset(v, 0x10 + i, sizeof v);
        assert_int_equal(
            node_store_evid_put(f->s, KT, id, 1000 + (uint64_t)i, v, sizeof v, budget, &info),
            MPC_OK);
        assert_int_equal(info.evicted, 0);
    }
    memset(v, 0x13, sizeof v);
    assert_int_equal(node_store_evid_put(f->s, KT, "q3", 1003, v, sizeof v, budget, &info), MPC_OK);
    assert_int_equal(info.evicted, 1);
    assert_int_equal(info.entries, 3);
    assert_int_equal(info.total_bytes, 3 * sizeof v);
    assert_int_equal(held(f->s, "q0", sizeof v, 0x10), 0); /* the oldest went */
    assert_int_equal(held(f->s, "q1", sizeof v, 0x11), 1);
    assert_int_equal(held(f->s, "q3", sizeof v, 0x13), 1);
    /* a big one evicts as many as needed, oldest first */
    static uint8_t big[90000];
    memset(big, 0x20, sizeof big);
    assert_int_equal(node_store_evid_put(f->s, KT, "q4", 1004, big, sizeof big, budget, &info),
                     MPC_OK);
    assert_int_equal(info.evicted, 3);
    assert_int_equal(info.entries, 1);
    assert_int_equal(held(f->s, "q3", sizeof v, 0x13), 0);
    assert_int_equal(held(f->s, "q4", sizeof big, 0x20), 1);
}

static void
test_evid_refusals(void **state)
{
    node_fixture_store *f = *state;
    uint8_t *huge = calloc(1, NODE_STORE_EVID_REQ_MAX + 1);
    uint8_t small[100] = {1};
    struct node_store_evid_put_info info;
    assert_int_equal(
        node_store_evid_put(f->s, KT, "r", 1, huge, NODE_STORE_EVID_REQ_MAX + 1, UINT64_MAX, &info),
        MPC_ERR_EVIDENCE_TOO_LARGE);
    assert_int_equal(node_store_evid_put(f->s, KT, "r", 1, small, sizeof small, 99, &info),
                     MPC_ERR_EVIDENCE_TOO_LARGE); /* over the whole budget */
    assert_int_equal(held(f->s, "r", sizeof small, 1), 0);
    free(huge);
    assert_int_equal(node_store_evid_put(NULL, KT, "r", 1, small, 1, 1000, &info),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_evid_put(f->s, KT, "bad id", 1, small, 1, 1000, &info),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_evid_put(f->s, 99, "r", 1, small, 1, 1000, &info),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_evid_put(f->s, KT, "r", 1, small, 0, 1000, &info),
                     MPC_ERR_INVALID_ARG);
    uint8_t *p = NULL;
    size_t len = 0;
    assert_int_equal(node_store_evid_get(f->s, KT, "bad id", &p, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_evid_get(NULL, KT, "r", &p, &len), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_evid_put_get_replace, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_evid_budget_evicts_oldest, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_evid_refusals, setup, node_fixture_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

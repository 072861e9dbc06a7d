/*
 * test_keyquery.c — the key-info responder's state (node/keyquery.h): the
 * nonce replay cache (a replayed nonce refused until its query expires,
 * bounded eviction of the nonce expiring first) and the client-key copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/keyquery.h"

static void
test_keyquery_admit_refuses_replay(void **state)
{
    (void)state;
    struct node_keyquery *kq = NULL;
    uint8_t n1[16], n2[16];
    memset(n1, 1, sizeof n1);
    memset(n2, 2, sizeof n2);
    assert_int_equal(node_keyquery_create(&kq), MPC_OK);
    assert_int_equal(node_keyquery_admit(kq, n1, 16, 2000, 1000), MPC_OK);
    assert_int_equal(node_keyquery_admit(kq, n1, 16, 2000, 1500), MPC_ERR_KEYINFO_REPLAYED);
    assert_int_equal(node_keyquery_admit(kq, n2, 16, 2000, 1500), MPC_OK);
    assert_int_equal(node_keyquery_admit(kq, n1, 15, 2000, 1500), MPC_OK); /* another nonce */
    /* once its query expired the nonce is forgotten (the query itself is refused as expired) */
    assert_int_equal(node_keyquery_admit(kq, n1, 16, 5000, 2001), MPC_OK);
    assert_int_equal(node_keyquery_admit(kq, n1, 16, 5000, 2002), MPC_ERR_KEYINFO_REPLAYED);
    node_keyquery_destroy(kq);
}

static void
test_keyquery_admit_evicts_earliest_expiry(void **state)
{
    (void)state;
    struct node_keyquery *kq = NULL;
    uint8_t n[16];
    assert_int_equal(node_keyquery_create(&kq), MPC_OK);
    memset(n, 0, sizeof n);
    for (uint32_t i = 0; i < NODE_KEYQUERY_CACHE_SLOTS; i++) { /* nonce i expires at 10000 + i */
        memcpy(n, &i, sizeof i);
        assert_int_equal(node_keyquery_admit(kq, n, 16, 10000u + i, 100), MPC_OK);
    }
    uint32_t extra = 0xffffffffu;
    memcpy(n, &extra, sizeof extra);
    assert_int_equal(node_keyquery_admit(kq, n, 16, 50000, 100), MPC_OK); /* evicts nonce 0 */
    uint32_t i = 0;
    memcpy(n, &i, sizeof i);
    assert_int_equal(node_keyquery_admit(kq, n, 16, 50000, 100), MPC_OK); /* forgotten: evicts 1 */
    i = 2;
    memcpy(n, &i, sizeof i);
    assert_int_equal(node_keyquery_admit(kq, n, 16, 50000, 100), MPC_ERR_KEYINFO_REPLAYED);
    memcpy(n, &extra, sizeof extra);
    assert_int_equal(node_keyquery_admit(kq, n, 16, 50000, 100), MPC_ERR_KEYINFO_REPLAYED);
    node_keyquery_destroy(kq);
}

static void
test_keyquery_clients_copy(void **state)
{
    (void)state;
    struct node_keyquery *kq = NULL;
    uint8_t keys[NODE_KEYQUERY_CLIENTS_MAX + 2][32], got[NODE_KEYQUERY_CLIENTS_MAX][32];
    for (size_t i = 0; i < NODE_KEYQUERY_CLIENTS_MAX + 2; i++) {
        memset(keys[i], (int)i + 1, 32);
    }
    assert_int_equal(node_keyquery_create(&kq), MPC_OK);
    assert_int_equal(node_keyquery_clients(kq, got), 0);
    node_keyquery_set_clients(kq, (const uint8_t(*)[32])keys, 2);
    assert_int_equal(node_keyquery_clients(kq, got), 2);
    assert_memory_equal(got[1], keys[1], 32);
    node_keyquery_set_clients(kq, (const uint8_t(*)[32])keys, NODE_KEYQUERY_CLIENTS_MAX + 2);
    assert_int_equal(node_keyquery_clients(kq, got), NODE_KEYQUERY_CLIENTS_MAX); /* capped */
    node_keyquery_set_clients(kq, NULL, 0);
    assert_int_equal(node_keyquery_clients(kq, got), 0);
    node_keyquery_destroy(kq);
}

static void
test_keyquery_bad_args(void **state)
{
    (void)state;
    struct node_keyquery *kq = NULL;
    uint8_t n[33] = {0};
    assert_int_equal(node_keyquery_create(NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyquery_create(&kq), MPC_OK);
    assert_int_equal(node_keyquery_admit(kq, n, 0, 1, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyquery_admit(kq, n, 33, 1, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyquery_admit(NULL, n, 16, 1, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyquery_admit(kq, NULL, 16, 1, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyquery_clients(NULL, NULL), 0);
    node_keyquery_destroy(kq);
    node_keyquery_destroy(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyquery_admit_refuses_replay),
        cmocka_unit_test(test_keyquery_admit_evicts_earliest_expiry),
        cmocka_unit_test(test_keyquery_clients_copy),
        cmocka_unit_test(test_keyquery_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

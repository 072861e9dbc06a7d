/*
 * test_kos.c — node/kos.c: the scope name and the signed quarantine notice
 * (round trip, every field bound by the signature, malformed input, misuse).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "node/kos.h"

static node_store_identity *g_id;  /* the accuser */
static node_store_identity *g_id2; /* another node */

static void
fill(struct node_kos_notice *n)
{
    memset(n, 0, sizeof *n);
    n->key_type = 2;
    n->version = 3;
    strcpy(n->wallet, "wallet-1");
    strcpy(n->accuser, "node-1");
    strcpy(n->accused, "node-3");
}

static void
test_kos_scope(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(node_kos_scope(buf, sizeof buf, "secp256k1", "w", 7), MPC_OK);
    assert_string_equal(buf, "secp256k1/w/v7");
    assert_int_equal(node_kos_scope(buf, 8, "secp256k1", "w", 7), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_kos_scope(NULL, 8, "a", "w", 7), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_kos_scope(buf, sizeof buf, NULL, "w", 7), MPC_ERR_INVALID_ARG);
}

static void
test_kos_notice_round_trip(void **state)
{
    (void)state;
    struct node_kos_notice n, got;
    uint8_t buf[NODE_KOS_NOTICE_MAX];
    size_t len = 0;
    fill(&n);
    assert_int_equal(node_kos_notice_encode(g_id, &n, buf, sizeof buf, &len), MPC_OK);
    assert_int_equal(node_kos_notice_decode(&got, buf, len), MPC_OK);
    assert_memory_equal(&got, &n, sizeof n);
    assert_int_equal(node_kos_notice_verify(buf, len, node_store_identity_public_key(g_id)),
                     MPC_OK);
    /* another node's key does not verify it */
    assert_int_equal(node_kos_notice_verify(buf, len, node_store_identity_public_key(g_id2)),
                     MPC_ERR_MSG_BAD_SIGNATURE);
}

/* Every byte is signed: flipping any one breaks the signature (or the decoding). */
static void
test_kos_notice_tamper(void **state)
{
    (void)state;
    struct node_kos_notice n, got;
    uint8_t buf[NODE_KOS_NOTICE_MAX];
    size_t len = 0;
    fill(&n);
    assert_int_equal(node_kos_notice_encode(g_id, &n, buf, sizeof buf, &len), MPC_OK);
    const uint8_t *pk = node_store_identity_public_key(g_id);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x01;
        assert_int_equal(node_kos_notice_verify(buf, len, pk), MPC_ERR_MSG_BAD_SIGNATURE);
        buf[i] ^= 0x01;
    }
    assert_int_equal(node_kos_notice_verify(buf, len - 1, pk), MPC_ERR_MSG_BAD_SIGNATURE);
    assert_int_equal(node_kos_notice_decode(&got, buf, len - 1), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(node_kos_notice_decode(&got, buf, 10), MPC_ERR_MSG_MALFORMED);
    buf[0] = 9; /* unknown format */
    assert_int_equal(node_kos_notice_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
}

static void
test_kos_notice_bad_args(void **state)
{
    (void)state;
    struct node_kos_notice n, got;
    uint8_t buf[NODE_KOS_NOTICE_MAX];
    size_t len = 1;
    fill(&n);
    assert_int_equal(node_kos_notice_encode(NULL, &n, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(node_kos_notice_encode(g_id, &n, buf, 10, &len), MPC_ERR_INVALID_ARG);
    n.accused[0] = '\0';
    assert_int_equal(node_kos_notice_encode(g_id, &n, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    fill(&n);
    n.version = 0;
    assert_int_equal(node_kos_notice_encode(g_id, &n, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    /* self-accusation is not a pair */
    fill(&n);
    strcpy(n.accused, n.accuser);
    assert_int_equal(node_kos_notice_encode(g_id, &n, buf, sizeof buf, &len), MPC_OK);
    assert_int_equal(node_kos_notice_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(node_kos_notice_decode(NULL, buf, len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_kos_notice_verify(NULL, len, node_store_identity_public_key(g_id)),
                     MPC_ERR_MSG_MALFORMED);
}

static int
setup(void **state)
{
    (void)state;
    return sodium_init() < 0 || node_store_identity_generate(&g_id) != MPC_OK ||
                   node_store_identity_generate(&g_id2) != MPC_OK
               ? -1
               : 0;
}

static int
teardown(void **state)
{
    (void)state;
    node_store_identity_destroy(g_id);
    node_store_identity_destroy(g_id2);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kos_scope),
        cmocka_unit_test(test_kos_notice_round_trip),
        cmocka_unit_test(test_kos_notice_tamper),
        cmocka_unit_test(test_kos_notice_bad_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

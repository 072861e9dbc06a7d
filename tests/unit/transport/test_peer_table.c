/*
 * test_peer_table.c — identities and the peer table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "common/secmem.h"
#include "transport/peer_table.h"

static void
test_peer_table_identity_matches_libsodium(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], pk2[32], sk[64], sig[64];
    transport_identity *id = NULL;
    memset(seed, 0x42, sizeof seed);
    assert_int_equal(transport_identity_create("node-1", seed, &id), MPC_OK);
    assert_string_equal(transport_identity_node_id(id), "node-1");
    transport_identity_public_key(id, pk);
    crypto_sign_seed_keypair(pk2, sk, seed);
    sodium_memzero(sk, sizeof sk);
    assert_memory_equal(pk, pk2, 32);
    assert_int_equal(transport_identity_sign(id, sig, (const uint8_t *)"msg", 3), MPC_OK);
    assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)"msg", 3, pk), 0);
    assert_int_equal(transport_identity_sign(id, NULL, (const uint8_t *)"m", 1),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_identity_sign(id, sig, NULL, 1), MPC_ERR_INVALID_ARG);
    transport_identity_destroy(id);
    transport_identity_destroy(NULL);
}

static void
test_peer_table_identity_bad_args(void **state)
{
    (void)state;
    uint8_t seed[32] = {1};
    transport_identity *id = (transport_identity *)&id;
    assert_int_equal(transport_identity_create("a.b", seed, &id), MPC_ERR_INVALID_ARG);
    assert_null(id);
    assert_int_equal(transport_identity_create("", seed, &id), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_identity_create(NULL, seed, &id), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_identity_create("a", NULL, &id), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_identity_create("a", seed, NULL), MPC_ERR_INVALID_ARG);
    char longid[TRANSPORT_NODE_ID_MAX + 2];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(transport_identity_create(longid, seed, &id), MPC_ERR_INVALID_ARG);
    longid[TRANSPORT_NODE_ID_MAX] = '\0';
    assert_int_equal(transport_identity_create(longid, seed, &id), MPC_OK);
    transport_identity_destroy(id);
    assert_true(transport_node_id_valid("Node_9-x"));
    assert_false(transport_node_id_valid("node*"));
    assert_false(transport_node_id_valid("a b"));
}

static void
test_peer_table_add_get(void **state)
{
    (void)state;
    uint8_t s1[32], s2[32], pk1[32], pk2[32], got[32], k12[32], k21[32];
    transport_identity *a = NULL, *b = NULL;
    transport_peer_table *pa = NULL, *pb = NULL;
    memset(s1, 1, 32);
    memset(s2, 2, 32);
    assert_int_equal(transport_identity_create("a", s1, &a), MPC_OK);
    assert_int_equal(transport_identity_create("b", s2, &b), MPC_OK);
    transport_identity_public_key(a, pk1);
    transport_identity_public_key(b, pk2);
    assert_int_equal(transport_peer_table_create(a, &pa), MPC_OK);
    assert_int_equal(transport_peer_table_create(b, &pb), MPC_OK);
    assert_ptr_equal(transport_peer_table_self(pa), a);
    assert_int_equal(transport_peer_table_add(pa, "b", pk2), MPC_OK);
    assert_int_equal(transport_peer_table_add(pb, "a", pk1), MPC_OK);
    assert_int_equal(transport_peer_table_add(pa, "b", pk2), MPC_ERR_EXISTS);
    assert_int_equal(transport_peer_table_count(pa), 1);
    assert_int_equal(transport_peer_table_get(pa, "b", got, k12), MPC_OK);
    assert_memory_equal(got, pk2, 32);
    assert_int_equal(transport_peer_table_get(pb, "a", NULL, k21), MPC_OK);
    assert_memory_equal(k12, k21, 32); /* both sides precompute the same box key */
    assert_int_equal(transport_peer_table_get(pa, "c", got, NULL), MPC_ERR_NOT_FOUND);
    assert_int_equal(transport_peer_table_get(pa, NULL, got, NULL), MPC_ERR_INVALID_ARG);
    sodium_memzero(k12, 32);
    sodium_memzero(k21, 32);
    transport_peer_table_destroy(pa);
    transport_peer_table_destroy(pb);
    transport_peer_table_destroy(NULL);
    transport_identity_destroy(a);
    transport_identity_destroy(b);
}

static void
test_peer_table_rejects_bad_keys(void **state)
{
    (void)state;
    uint8_t s1[32], pk[32];
    transport_identity *a = NULL;
    transport_peer_table *pa = NULL;
    memset(s1, 1, 32);
    assert_int_equal(transport_identity_create("a", s1, &a), MPC_OK);
    assert_int_equal(transport_peer_table_create(a, &pa), MPC_OK);
    memset(pk, 0, 32); /* small order (y = 0 is order 4) */
    assert_int_equal(transport_peer_table_add(pa, "z", pk), MPC_ERR_BAD_POINT);
    pk[0] = 1; /* the identity point */
    assert_int_equal(transport_peer_table_add(pa, "z", pk), MPC_ERR_BAD_POINT);
    memset(pk, 0xff, 32); /* non-canonical y */
    pk[31] = 0x7f;
    assert_int_equal(transport_peer_table_add(pa, "z", pk), MPC_ERR_BAD_POINT);
    assert_int_equal(transport_peer_table_add(pa, "bad.id", pk), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_peer_table_add(pa, "z", NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_peer_table_add(NULL, "z", pk), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_peer_table_count(pa), 0);
    transport_peer_table_destroy(pa);
    assert_int_equal(transport_peer_table_create(NULL, &pa), MPC_ERR_INVALID_ARG);
    assert_null(pa);
    assert_int_equal(transport_peer_table_create(a, NULL), MPC_ERR_INVALID_ARG);
    transport_identity_destroy(a);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_table_identity_matches_libsodium),
        cmocka_unit_test(test_peer_table_identity_bad_args),
        cmocka_unit_test(test_peer_table_add_get),
        cmocka_unit_test(test_peer_table_rejects_bad_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

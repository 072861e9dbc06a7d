/*
 * test_keys_catchup.c — rollback catch-up of a key (node/store/catchup.h):
 * older versions retired and their shares wiped, the newer version ACTIVE,
 * the lost marker when this node is in its committee, idempotence, and the
 * refusals (another public key, unknown key, bad arguments).
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
#include "node/store/catchup.h"
#include "node/store/keys.h"
#include "tests/support/node_fixture.h"

#define PASS "catch-up passphrase"

static const char *const IDS[] = {"node-1", "node-2", "node-3"};
static const uint8_t PK[32] = {7, 7, 7};

static int
setup(void **state)
{
    if (node_fixture_store_setup_open(state, PASS, 16u << 20) != 0) {
        return -1;
    }
    node_fixture_store *f = *state;
    struct node_store_committee c = {.threshold = 2, .ids = IDS, .n = 3};
    return node_store_keys_create(f->s, NODE_STORE_KEY_ED25519, "w1", PK, sizeof PK, 1, &c,
                                  (const uint8_t *)"share-v1", 8) == MPC_OK
               ? 0
               : -1;
}

static void
test_keys_catch_up_retires_wipes_and_marks_lost(void **state)
{
    node_fixture_store *f = *state;
    struct node_store_committee c = {.threshold = 2, .ids = IDS, .n = 3};
    int changed = 0;
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "w1", PK, sizeof PK, 3,
                                              &c, "node-3", &changed),
                     MPC_OK);
    assert_int_equal(changed, 1);
    struct node_store_keyinfo ki;
    uint32_t v = 0;
    assert_int_equal(node_store_keys_sign_version(f->s, NODE_STORE_KEY_ED25519, "w1", 0, &ki, &v),
                     MPC_OK);
    assert_int_equal(v, 3);
    assert_int_equal(node_store_keyinfo_find(&ki, 1)->state, NODE_STORE_KEY_VERSION_RETIRED);
    assert_int_equal(node_store_keys_sign_version(f->s, NODE_STORE_KEY_ED25519, "w1", 1, &ki, &v),
                     MPC_ERR_KEY_VERSION_RETIRED);
    uint8_t *sh = NULL;
    size_t len = 0;
    assert_int_equal(node_store_keys_share_get(f->s, NODE_STORE_KEY_ED25519, "w1", 1, &sh, &len),
                     MPC_ERR_NOT_FOUND);
    assert_true(node_store_keys_share_lost(f->s, NODE_STORE_KEY_ED25519, "w1", 3));
    assert_false(node_store_keys_share_lost(f->s, NODE_STORE_KEY_ED25519, "w1", 1));
    /* again: nothing to do */
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "w1", PK, sizeof PK, 3,
                                              &c, "node-3", &changed),
                     MPC_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "w1", PK, sizeof PK, 2,
                                              &c, "node-3", &changed),
                     MPC_OK);
    assert_int_equal(changed, 0);
}

static void
test_keys_catch_up_removed_member_has_no_lost_marker(void **state)
{
    node_fixture_store *f = *state;
    static const char *const NEW[] = {"node-1", "node-2"};
    struct node_store_committee c = {.threshold = 2, .ids = NEW, .n = 2};
    int changed = 0;
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "w1", PK, sizeof PK, 2,
                                              &c, "node-3", &changed),
                     MPC_OK);
    assert_int_equal(changed, 1);
    assert_false(node_store_keys_share_lost(f->s, NODE_STORE_KEY_ED25519, "w1", 2));
    uint8_t *sh = NULL;
    size_t len = 0;
    assert_int_equal(node_store_keys_share_get(f->s, NODE_STORE_KEY_ED25519, "w1", 1, &sh, &len),
                     MPC_ERR_NOT_FOUND);
}

static void
test_keys_catch_up_refusals(void **state)
{
    node_fixture_store *f = *state;
    struct node_store_committee c = {.threshold = 2, .ids = IDS, .n = 3};
    uint8_t other[32] = {8};
    int changed = 1;
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "w1", other,
                                              sizeof other, 2, &c, "node-3", &changed),
                     MPC_ERR_BAD_GROUP_KEY);
    assert_int_equal(changed, 0);
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "nope", PK, sizeof PK,
                                              2, &c, "node-3", &changed),
                     MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "w1", PK, sizeof PK, 0,
                                              &c, "node-3", &changed),
                     MPC_ERR_INVALID_ARG);
    struct node_store_committee bad = {.threshold = 4, .ids = IDS, .n = 3};
    assert_int_equal(node_store_keys_catch_up(f->s, NODE_STORE_KEY_ED25519, "w1", PK, sizeof PK, 2,
                                              &bad, "node-3", &changed),
                     MPC_ERR_INVALID_ARG);
    /* nothing was written by a refusal: v1 still signs, its share is there */
    struct node_store_keyinfo ki;
    uint32_t v = 0;
    assert_int_equal(node_store_keys_sign_version(f->s, NODE_STORE_KEY_ED25519, "w1", 0, &ki, &v),
                     MPC_OK);
    assert_int_equal(v, 1);
    uint8_t *sh = NULL;
    size_t len = 0;
    assert_int_equal(node_store_keys_share_get(f->s, NODE_STORE_KEY_ED25519, "w1", 1, &sh, &len),
                     MPC_OK);
    mpc_secure_free(sh);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_catch_up_retires_wipes_and_marks_lost, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_catch_up_removed_member_has_no_lost_marker, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_catch_up_refusals, setup,
                                        node_fixture_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

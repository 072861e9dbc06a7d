/*
 * test_keys_pending.c — activation across nodes in the store
 * (node/store/keys_pending.c, node/store/keys.h "Pending activation"): a
 * PENDING commit writes share + PENDING keyinfo + "pending" request log +
 * marker in one transaction and signs nothing; resolve activates or discards
 * every key with the final log entry in one transaction; markers list, read
 * and go.
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
#include "node/store/keys.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS   "keys passphrase"
#define ED     NODE_STORE_KEY_ED25519
#define WALLET "w1"

static const char *const ABC[] = {"node-a", "node-b", "node-c"};
static const struct node_store_committee C_ABC = {.threshold = 2, .ids = ABC, .n = 3};
static const uint8_t PK[32] = {0x42, 1, 2, 3};

static int
setup(void **state)
{
    return node_fixture_store_setup_open(state, PASS, 16u << 20);
}

/* Entry builder: "pending" with outcome MPC_ERR_KEY_PENDING (what outcome.c does). */
static mpc_status
entry_pending(void *ctx, const struct node_store_key_write *w, size_t n, mpc_status *outcome,
              uint8_t **entry, size_t *len)
{
    (void)ctx;
    (void)w;
    (void)n;
    *entry = malloc(7);
    memcpy(*entry, "pending", 7);
    *len = 7;
    *outcome = MPC_ERR_KEY_PENDING;
    return MPC_OK;
}

static struct node_store_key_write
keygen_write(const uint8_t *share)
{
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = WALLET,
                                     .pk = PK,
                                     .pk_len = 32,
                                     .c = &C_ABC,
                                     .share = share,
                                     .share_len = 64,
                                     .version = 1};
    return w;
}

static uint8_t
state_of(node_store *s, uint32_t v)
{
    struct node_store_keyinfo ki;
    if (node_store_keyinfo_get(s, ED, WALLET, &ki) != MPC_OK) {
        return 0;
    }
    const struct node_store_keyinfo_version *e = node_store_keyinfo_find(&ki, v);
    return e != NULL ? e->state : 0;
}

static int
share_present(node_store *s, uint32_t v)
{
    uint8_t *out = NULL;
    size_t len = 0;
    mpc_status st = node_store_keys_share_get(s, ED, WALLET, v, &out, &len);
    mpc_secure_free(out);
    return st == MPC_OK;
}

static mpc_status
req_outcome(node_store *s, const char *rid)
{
    mpc_status outcome = MPC_OK;
    uint8_t *res = NULL;
    size_t len = 0;
    mpc_status st = node_store_req_get(s, rid, &outcome, &res, &len);
    free(res);
    return st == MPC_OK ? outcome : st;
}

static void
commit_keygen_pending(node_store *s, const char *rid)
{
    uint8_t share[64];
    memset(share, 0x11, sizeof share);
    struct node_store_key_write w = keygen_write(share);
    assert_int_equal(
        node_store_keys_commit_pending(s, &w, 1, rid, 123456789ULL, entry_pending, NULL), MPC_OK);
}

static void
test_keys_pending_commit_writes_pending_and_marker(void **state)
{
    node_fixture_store *f = *state;
    commit_keygen_pending(f->s, "rq-1");
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_PENDING);
    assert_true(share_present(f->s, 1));
    assert_int_equal(req_outcome(f->s, "rq-1"), MPC_ERR_KEY_PENDING);
    uint8_t st = 0;
    uint64_t deadline = 0;
    assert_int_equal(node_store_keys_pending_get(f->s, "rq-1", &st, &deadline), MPC_OK);
    assert_int_equal(st, NODE_STORE_PENDING_RESOLVING);
    assert_int_equal(deadline, 123456789ULL);
    char **ids = NULL;
    size_t n = 0;
    assert_int_equal(node_store_keys_pending_list(f->s, &ids, &n), MPC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "rq-1");
    node_store_names_free(ids, n);
    /* a new key whose only version is PENDING signs nothing: retryable refusal */
    struct node_store_keyinfo ki;
    uint32_t sv = 7;
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 0, &ki, &sv),
                     MPC_ERR_KEY_PENDING);
    assert_int_equal(sv, 0);
    /* and a second keygen of the wallet is refused: the key exists (pending) */
    uint8_t share[64] = {0};
    struct node_store_key_write w = keygen_write(share);
    assert_int_equal(node_store_keys_commit_pending(f->s, &w, 1, "rq-9", 1, entry_pending, NULL),
                     MPC_ERR_EXISTS);
    assert_int_equal(req_outcome(f->s, "rq-9"), MPC_ERR_NOT_FOUND);
}

static void
test_keys_pending_resolve_activates(void **state)
{
    node_fixture_store *f = *state;
    commit_keygen_pending(f->s, "rq-1");
    struct node_store_key_verdict v = {
        .key_type = ED, .wallet = WALLET, .version = 1, .activate = 1};
    const uint8_t fin[] = "final";
    assert_int_equal(node_store_keys_resolve(f->s, "rq-1", &v, 1, MPC_OK, fin, sizeof fin), MPC_OK);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(req_outcome(f->s, "rq-1"), MPC_OK);
    struct node_store_keyinfo ki;
    uint32_t sv = 0;
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 0, &ki, &sv), MPC_OK);
    assert_int_equal(sv, 1);
    uint8_t st = 0;
    uint64_t deadline = 0;
    assert_int_equal(node_store_keys_pending_get(f->s, "rq-1", &st, &deadline), MPC_OK);
    assert_int_equal(st, NODE_STORE_PENDING_PUBLISH);
    /* idempotent: activating again is fine; discarding an active version is refused */
    assert_int_equal(node_store_keys_resolve(f->s, "rq-1", &v, 1, MPC_OK, fin, sizeof fin), MPC_OK);
    v.activate = 0;
    assert_int_equal(node_store_keys_resolve(f->s, "rq-1", &v, 1, MPC_OK, fin, sizeof fin),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(node_store_keys_pending_done(f->s, "rq-1"), MPC_OK);
    assert_int_equal(node_store_keys_pending_get(f->s, "rq-1", &st, &deadline), MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_keys_pending_done(f->s, "rq-1"), MPC_OK); /* absent: fine */
}

static void
test_keys_pending_resolve_discards_keygen(void **state)
{
    node_fixture_store *f = *state;
    commit_keygen_pending(f->s, "rq-1");
    struct node_store_key_verdict v = {
        .key_type = ED, .wallet = WALLET, .version = 1, .activate = 0};
    const uint8_t fin[] = "failed";
    assert_int_equal(
        node_store_keys_resolve(f->s, "rq-1", &v, 1, MPC_ERR_KEY_DISCARDED, fin, sizeof fin),
        MPC_OK);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_ERR_NOT_FOUND);
    assert_false(share_present(f->s, 1));
    assert_int_equal(req_outcome(f->s, "rq-1"), MPC_ERR_KEY_DISCARDED);
    /* a discard already applied is fine (a crash before the publish, then a retry) */
    assert_int_equal(
        node_store_keys_resolve(f->s, "rq-1", &v, 1, MPC_ERR_KEY_DISCARDED, fin, sizeof fin),
        MPC_OK);
    /* activating what is gone is refused */
    v.activate = 1;
    assert_int_equal(node_store_keys_resolve(f->s, "rq-1", &v, 1, MPC_OK, fin, sizeof fin),
                     MPC_ERR_NOT_FOUND);
}

static void
test_keys_pending_reshare_keeps_old_active_until_resolved(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    memset(share, 0x21, sizeof share);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_OK);
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = WALLET,
                                     .reshare = 1,
                                     .seen_active = 1,
                                     .c = &C_ABC,
                                     .share = share,
                                     .share_len = 64};
    assert_int_equal(node_store_keys_commit_pending(f->s, &w, 1, "rs-1", 99, entry_pending, NULL),
                     MPC_OK);
    assert_int_equal(w.version, 2);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(state_of(f->s, 2), NODE_STORE_KEY_VERSION_PENDING);
    assert_true(share_present(f->s, 1));
    /* discarded: v2 and its share go, v1 stays active */
    struct node_store_key_verdict v = {
        .key_type = ED, .wallet = WALLET, .version = 2, .activate = 0};
    const uint8_t fin[] = "x";
    assert_int_equal(
        node_store_keys_resolve(f->s, "rs-1", &v, 1, MPC_ERR_KEY_DISCARDED, fin, sizeof fin),
        MPC_OK);
    assert_int_equal(state_of(f->s, 2), 0);
    assert_false(share_present(f->s, 2));
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_ACTIVE);
    /* a second reshare, activated: v1 retired and its share wiped */
    assert_int_equal(node_store_keys_commit_pending(f->s, &w, 1, "rs-2", 99, entry_pending, NULL),
                     MPC_OK);
    assert_int_equal(w.version, 2);
    v.activate = 1;
    assert_int_equal(node_store_keys_resolve(f->s, "rs-2", &v, 1, MPC_OK, fin, sizeof fin), MPC_OK);
    assert_int_equal(state_of(f->s, 2), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_RETIRED);
    assert_false(share_present(f->s, 1));
}

/* REDO (node/keyconfirm.h): the key of a failed attempt is discarded, the
 * request log says "run again", the marker is gone; the next attempt's key
 * commits as if the first had never been. */
static void
test_keys_pending_retract_discards_for_the_next_attempt(void **state)
{
    node_fixture_store *f = *state;
    commit_keygen_pending(f->s, "rq-1");
    struct node_store_key_verdict v = {
        .key_type = ED, .wallet = WALLET, .version = 1, .activate = 0};
    const uint8_t fin[] = "attempt discarded";
    assert_int_equal(node_store_keys_retract(f->s, "rq-1", &v, 1, fin, sizeof fin), MPC_OK);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_ERR_NOT_FOUND);
    assert_false(share_present(f->s, 1));
    assert_int_equal(req_outcome(f->s, "rq-1"), MPC_ERR_KEY_ATTEMPT_DISCARDED);
    uint8_t st = 0;
    uint64_t dl = 0;
    assert_int_equal(node_store_keys_pending_get(f->s, "rq-1", &st, &dl), MPC_ERR_NOT_FOUND);
    char **ids = NULL;
    size_t n = 0;
    assert_int_equal(node_store_keys_pending_list(f->s, &ids, &n), MPC_OK);
    assert_int_equal(n, 0);
    node_store_names_free(ids, n);
    /* the next attempt commits the same version anew, and its log entry replaces the mark */
    commit_keygen_pending(f->s, "rq-1");
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_PENDING);
    assert_int_equal(req_outcome(f->s, "rq-1"), MPC_ERR_KEY_PENDING);
    /* an activating verdict is refused, and nothing changes */
    v.activate = 1;
    assert_int_equal(node_store_keys_retract(f->s, "rq-1", &v, 1, fin, sizeof fin),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_PENDING);
    assert_int_equal(req_outcome(f->s, "rq-1"), MPC_ERR_KEY_PENDING);
    v.activate = 0;
    v.version = 0;
    assert_int_equal(node_store_keys_retract(f->s, "rq-1", &v, 1, fin, sizeof fin),
                     MPC_ERR_INVALID_ARG);
    v.version = 1;
    assert_int_equal(node_store_keys_retract(NULL, "rq-1", &v, 1, fin, sizeof fin),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_retract(f->s, "rq-1", &v, 1, NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_retract(f->s, "", &v, 1, fin, sizeof fin),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(req_outcome(f->s, "rq-1"), MPC_ERR_KEY_PENDING);
}

/* A reshare's REDO drops only the new version: the previous one stays ACTIVE. */
static void
test_keys_pending_retract_reshare_keeps_old_active(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    memset(share, 0x21, sizeof share);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_OK);
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = WALLET,
                                     .reshare = 1,
                                     .seen_active = 1,
                                     .c = &C_ABC,
                                     .share = share,
                                     .share_len = 64};
    assert_int_equal(node_store_keys_commit_pending(f->s, &w, 1, "rs-1", 99, entry_pending, NULL),
                     MPC_OK);
    struct node_store_key_verdict v = {
        .key_type = ED, .wallet = WALLET, .version = 2, .activate = 0};
    const uint8_t fin[] = "x";
    assert_int_equal(node_store_keys_retract(f->s, "rs-1", &v, 1, fin, sizeof fin), MPC_OK);
    assert_int_equal(state_of(f->s, 2), 0);
    assert_false(share_present(f->s, 2));
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_true(share_present(f->s, 1));
    assert_int_equal(req_outcome(f->s, "rs-1"), MPC_ERR_KEY_ATTEMPT_DISCARDED);
}

static void
test_keys_pending_bad_args(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64] = {0};
    struct node_store_key_write w = keygen_write(share);
    assert_int_equal(node_store_keys_commit_pending(f->s, &w, 1, "rq-1", 0, entry_pending, NULL),
                     MPC_ERR_INVALID_ARG); /* no deadline */
    assert_int_equal(node_store_keys_commit_pending(f->s, &w, 0, "rq-1", 5, entry_pending, NULL),
                     MPC_ERR_INVALID_ARG); /* nothing to confirm */
    const uint8_t fin[] = "x";
    assert_int_equal(node_store_keys_resolve(NULL, "rq-1", NULL, 0, MPC_OK, fin, 1),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_resolve(f->s, "", NULL, 0, MPC_OK, fin, 1),
                     MPC_ERR_INVALID_ARG);
    uint8_t st = 0;
    uint64_t dl = 0;
    assert_int_equal(node_store_keys_pending_get(f->s, "rq-none", &st, &dl), MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_keys_pending_get(f->s, "rq-1", NULL, &dl), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_pending_done(NULL, "rq-1"), MPC_ERR_INVALID_ARG);
    /* a corrupt marker is named */
    assert_int_equal(node_store_put(f->s, NODE_STORE_PENDING_PREFIX "rq-2", fin, sizeof fin),
                     MPC_OK);
    assert_int_equal(node_store_keys_pending_get(f->s, "rq-2", &st, &dl), MPC_ERR_CORRUPT);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_pending_commit_writes_pending_and_marker, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_pending_resolve_activates, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_pending_resolve_discards_keygen, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_pending_reshare_keeps_old_active_until_resolved,
                                        setup, node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_pending_retract_discards_for_the_next_attempt,
                                        setup, node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_pending_retract_reshare_keeps_old_active, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_pending_bad_args, setup,
                                        node_fixture_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_keys.c — the key-version state machine (node/store/keys.h): create,
 * add_pending (with make-room), activate, sign_version, share read/rewrite;
 * each transition, its error paths, and atomicity; only the active version
 * signs, and a retired share's bytes leave the store file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "node/store/keyring.h"
#include "node/store/keys.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS   "keys passphrase"
#define ED     NODE_STORE_KEY_ED25519
#define WALLET "w1"

static const char *const ABC[] = {"node-a", "node-b", "node-c"};
static const char *const ABD[] = {"node-a", "node-b", "node-d"};
static const struct node_store_committee C_ABC = {.threshold = 2, .ids = ABC, .n = 3};
static const struct node_store_committee C_ABD = {.threshold = 2, .ids = ABD, .n = 3};
static const uint8_t PK[33] = {0x42, 1, 2, 3}; /* 32 used; 33 to test a wrong length */

static int
setup(void **state)
{
    return node_fixture_store_setup_open(state, PASS, 16u << 20);
}

/* A share whose bytes name its version. */
static void
share_for(uint8_t share[64], uint32_t v)
{
    memset(share, (int)(0x10 + v), 64);
}

static void
create_v1(node_store *s)
{
    uint8_t share[64];
    share_for(share, 1);
    assert_int_equal(node_store_keys_create(s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64), MPC_OK);
}

/* Asserts share v is stored (and holds share_for(v)) or absent. */
static void
assert_share(node_store *s, uint32_t v, int present)
{
    uint8_t *out = NULL, want[64];
    size_t len = 0;
    mpc_status st = node_store_keys_share_get(s, ED, WALLET, v, &out, &len);
    if (!present) {
        assert_int_equal(st, MPC_ERR_NOT_FOUND);
        assert_null(out);
        return;
    }
    assert_int_equal(st, MPC_OK);
    share_for(want, v);
    assert_int_equal(len, 64);
    assert_memory_equal(out, want, 64);
    mpc_secure_free(out);
}

static uint8_t
state_of(node_store *s, uint32_t v)
{
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(s, ED, WALLET, &ki), MPC_OK);
    const struct node_store_keyinfo_version *e = node_store_keyinfo_find(&ki, v);
    return e != NULL ? e->state : 0;
}

/* Reshare step 1 from v1: v2 PENDING with committee {a, b, d}. */
static void
add_v2_pending(node_store *s)
{
    uint8_t share[64];
    uint32_t v = 99;
    share_for(share, 2);
    assert_int_equal(node_store_keys_add_pending(s, ED, WALLET, 1, &C_ABD, share, 64, &v), MPC_OK);
    assert_int_equal(v, 2);
}

/* One reshare: pending then activate; returns the new version. */
static uint32_t
reshare(node_store *s, uint32_t seen)
{
    uint8_t share[64];
    uint32_t v = 0;
    share_for(share, seen + 1);
    assert_int_equal(node_store_keys_add_pending(s, ED, WALLET, seen, &C_ABD, share, 64, &v),
                     MPC_OK);
    assert_int_equal(v, seen + 1);
    assert_int_equal(node_store_keys_activate(s, ED, WALLET, v), MPC_OK);
    return v;
}

static void
test_keys_create_stores_active_v1(void **state)
{
    node_fixture_store *f = *state;
    create_v1(f->s);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_OK);
    assert_int_equal(ki.active_version, 1);
    assert_int_equal(ki.n_versions, 1);
    assert_int_equal(ki.versions[0].state, NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(ki.versions[0].threshold, 2);
    assert_string_equal(ki.versions[0].participants[2], "node-c");
    assert_memory_equal(ki.public_key, PK, 32);
    assert_share(f->s, 1, 1);
    /* A second create is refused and changes nothing. */
    uint8_t other[64];
    share_for(other, 9);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABD, other, 64),
                     MPC_ERR_EXISTS);
    assert_share(f->s, 1, 1);
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_OK);
    assert_string_equal(ki.versions[0].participants[2], "node-c");
}

static void
test_keys_create_bad_args(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64] = {1};
    const struct node_store_committee bad_t = {.threshold = 4, .ids = ABC, .n = 3};
    const struct node_store_committee no_ids = {.threshold = 2, .ids = NULL, .n = 3};
    const char *dup[] = {"node-a", "node-a", "node-b"};
    const struct node_store_committee dups = {.threshold = 2, .ids = dup, .n = 3};
    assert_int_equal(node_store_keys_create(NULL, ED, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, "bad/wallet", PK, 32, 1, &C_ABC, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, 9, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 33, 1, &C_ABC, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 0, &C_ABC, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, 0),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, NULL, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &bad_t, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &no_ids, share, 64),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &dups, share, 64),
                     MPC_ERR_INVALID_ARG);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_ERR_NOT_FOUND);
}

static void
test_keys_create_atomic_under_fault(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    share_for(share, 1);
    struct node_store_keyinfo ki;
    node_store_fault_set(f->s, NODE_STORE_FAULT_AFTER_SHARE_PUT);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_ERR_IO);
    assert_share(f->s, 1, 0);
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_ERR_NOT_FOUND);
    /* The fault is one-shot: the retry stores both. */
    create_v1(f->s);
    assert_share(f->s, 1, 1);
}

static void
test_keys_add_pending_then_activate(void **state)
{
    node_fixture_store *f = *state;
    create_v1(f->s);
    add_v2_pending(f->s);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(state_of(f->s, 2), NODE_STORE_KEY_VERSION_PENDING);
    assert_share(f->s, 2, 1);
    /* A pending version does not sign, and while it waits for its committee's
     * confirmations a sign of the key's current version is refused as retryable
     * (peers may already sign with the new one); the old version named explicitly
     * still signs. */
    struct node_store_keyinfo ki;
    uint32_t sv = 0;
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 2, &ki, &sv),
                     MPC_ERR_KEY_PENDING);
    assert_int_equal(sv, 0);
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 0, &ki, &sv),
                     MPC_ERR_KEY_PENDING);
    assert_int_equal(sv, 0);
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 1, &ki, &sv), MPC_OK);
    assert_int_equal(sv, 1);
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, 2), MPC_OK);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_RETIRED);
    assert_int_equal(state_of(f->s, 2), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_OK);
    assert_int_equal(ki.active_version, 2);
    assert_string_equal(node_store_keyinfo_find(&ki, 2)->participants[2], "node-d");
    assert_share(f->s, 1, 0); /* the retired share is deleted */
    assert_share(f->s, 2, 1);
    /* Activating again is a no-op; a retired or unknown version is refused. */
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, 2), MPC_OK);
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, 7), MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_keys_activate(NULL, ED, WALLET, 2), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_activate(f->s, ED, "other", 2), MPC_ERR_NOT_FOUND);
    assert_int_equal(state_of(f->s, 2), NODE_STORE_KEY_VERSION_ACTIVE);
}

static void
test_keys_activate_drops_retired_shares(void **state)
{
    node_fixture_store *f = *state;
    create_v1(f->s);
    uint32_t v2 = reshare(f->s, 1);
    assert_share(f->s, 1, 0);
    uint32_t v3 = reshare(f->s, v2);
    assert_int_equal(v3, 3);
    assert_share(f->s, 2, 0);
    assert_share(f->s, 3, 1);
    /* The version entries stay, without their shares. */
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_RETIRED);
    assert_int_equal(state_of(f->s, 2), NODE_STORE_KEY_VERSION_RETIRED);
}

/* The record key of the share in slot 0 of the store's keyring file. */
static void
keyring_slot0(const char *store_path, uint8_t *id, uint8_t *key)
{
    char kp[512];
    snprintf(kp, sizeof kp, "%s%s", store_path, NODE_STORE_KEYRING_SUFFIX);
    size_t len = 0;
    uint8_t *kr = node_fixture_read(kp, &len);
    assert_non_null(kr);
    assert_true(len >= NODE_STORE_KEYRING_SLOT_BYTES);
    assert_memory_equal(kr, "MKR1", 4); /* slot layout: node/store/keyring.h */
    memcpy(id, kr + 4, NODE_STORE_KEYRING_ID_BYTES);
    memcpy(key, kr + 4 + NODE_STORE_KEYRING_ID_BYTES, NODE_STORE_KEYRING_KEY_BYTES);
    free(kr);
}

/* A retired share cannot be recovered from the store's files once its new
 * version is active: its plaintext never was in them, its record key is gone
 * from the keyring, and its sealed bytes, put back into the store file (as
 * if read from a free page by someone who knows the passphrase), no longer
 * open. No compaction ran: the store file is the same file. */
static void
test_keys_retired_share_is_erased(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[600], id[NODE_STORE_KEYRING_ID_BYTES], key[NODE_STORE_KEYRING_KEY_BYTES];
    char kp[512];
    snprintf(kp, sizeof kp, "%s%s", f->path, NODE_STORE_KEYRING_SUFFIX);
    for (size_t i = 0; i < sizeof share; i++) {
        share[i] = (uint8_t)(i * 7 + 1);
    }
    assert_int_equal(
        node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, sizeof share), MPC_OK);
    node_store_close(f->s);
    f->s = NULL;
    size_t sealed_len = 0;
    uint8_t *sealed = node_fixture_store_raw_get(f->path, "share/ed25519/w1/v1", &sealed_len);
    assert_non_null(sealed);
    keyring_slot0(f->path, id, key);
    assert_int_equal(node_fixture_file_contains(kp, key, sizeof key), 1); /* control */
    assert_int_equal(node_fixture_file_contains(f->path, key, sizeof key), 0);
    struct stat before, after;
    assert_int_equal(stat(f->path, &before), 0);
    struct node_store_options o = {.kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20};
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &f->s, NULL, 0), MPC_OK);
    uint8_t next[64];
    uint32_t v = 0;
    share_for(next, 2);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, next, 64, &v),
                     MPC_OK);
    assert_int_equal(node_fixture_file_contains(kp, key, sizeof key), 1); /* pending */
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, v), MPC_OK);
    assert_int_equal(node_fixture_file_contains(kp, key, sizeof key), 0);
    assert_int_equal(node_fixture_file_contains(kp, id, sizeof id), 0);
    for (size_t off = 0; off + 32 <= sizeof share; off += 32) {
        assert_int_equal(node_fixture_file_contains(f->path, share + off, 32), 0);
        assert_int_equal(node_fixture_file_contains(kp, share + off, 32), 0);
    }
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino); /* not compacted (renamed) */
    assert_share(f->s, 2, 1);
    node_store_close(f->s);
    f->s = NULL;
    /* The old sealed record, put back: it no longer opens. */
    assert_int_equal(node_fixture_store_raw_put(f->path, "share/ed25519/w1/v1", sealed, sealed_len),
                     0);
    free(sealed);
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &f->s, NULL, 0), MPC_OK);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_get(f->s, "share/ed25519/w1/v1", &out, &len),
                     MPC_ERR_RECORD_KEY_ERASED);
    assert_null(out);
    assert_share(f->s, 2, 1);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_RETIRED);
}

static void
test_keys_add_pending_makes_room(void **state)
{
    node_fixture_store *f = *state;
    create_v1(f->s);
    uint32_t v = 1;
    for (uint32_t i = 0; i < NODE_STORE_KEYINFO_MAX_VERSIONS - 1; i++) {
        v = reshare(f->s, v);
    }
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_OK);
    assert_int_equal(ki.n_versions, NODE_STORE_KEYINFO_MAX_VERSIONS);
    assert_non_null(node_store_keyinfo_find(&ki, 1));
    /* Full: the next reshare drops the oldest retired entry (v1). */
    v = reshare(f->s, v);
    assert_int_equal(v, NODE_STORE_KEYINFO_MAX_VERSIONS + 1);
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_OK);
    assert_int_equal(ki.n_versions, NODE_STORE_KEYINFO_MAX_VERSIONS);
    assert_null(node_store_keyinfo_find(&ki, 1));
    assert_non_null(node_store_keyinfo_find(&ki, 2));
    assert_int_equal(ki.active_version, v);
    for (uint32_t old = 1; old < v; old++) {
        assert_share(f->s, old, 0);
    }
    assert_share(f->s, v, 1);
}

static void
test_keys_add_pending_errors(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64] = {1};
    uint32_t v = 99;
    /* No key yet. */
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, share, 64, &v),
                     MPC_ERR_NOT_FOUND);
    assert_int_equal(v, 0);
    create_v1(f->s);
    /* The keyinfo went backwards: the reshare started from v3. */
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 3, &C_ABD, share, 64, &v),
                     MPC_ERR_STORE);
    assert_share(f->s, 2, 0);
    assert_int_equal(node_store_keys_add_pending(NULL, ED, WALLET, 1, &C_ABD, share, 64, &v),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, NULL, share, 64, &v),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, NULL, 64, &v),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, share, 64, NULL),
                     MPC_ERR_INVALID_ARG);
    /* A second pending version next to one left by an interrupted reshare is refused,
     * and nothing of it is written. */
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, share, 64, &v),
                     MPC_OK);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, share, 64, &v),
                     MPC_ERR_INVALID_ARG);
    assert_share(f->s, 3, 0);
    assert_int_equal(state_of(f->s, 3), 0);
}

static void
test_keys_sign_version_errors(void **state)
{
    node_fixture_store *f = *state;
    struct node_store_keyinfo ki;
    uint32_t v = 5;
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 0, &ki, &v), MPC_ERR_NOT_FOUND);
    assert_int_equal(v, 0);
    create_v1(f->s);
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 4, &ki, &v),
                     MPC_ERR_REQ_INVALID);
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 1, &ki, &v), MPC_OK);
    assert_int_equal(v, 1);
    assert_int_equal(ki.active_version, 1);
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 1, NULL, &v),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 1, &ki, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_sign_version(NULL, ED, WALLET, 1, &ki, &v),
                     MPC_ERR_INVALID_ARG);
}

/* Once a new version is active, no older version signs: named explicitly it
 * is refused with its own status, also once its entry left the table. */
static void
test_keys_sign_version_only_active(void **state)
{
    node_fixture_store *f = *state;
    struct node_store_keyinfo ki;
    uint32_t v = 0;
    create_v1(f->s);
    uint32_t top = 1;
    for (uint32_t i = 0; i < NODE_STORE_KEYINFO_MAX_VERSIONS; i++) {
        top = reshare(f->s, top);
    }
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, 0, &ki, &v), MPC_OK);
    assert_int_equal(v, top);
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, top, &ki, &v), MPC_OK);
    assert_int_equal(v, top);
    assert_string_equal(node_store_keyinfo_find(&ki, top)->participants[2], "node-d");
    for (uint32_t old = 1; old < top; old++) { /* v1 no longer in the table: still retired */
        assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, old, &ki, &v),
                         MPC_ERR_KEY_VERSION_RETIRED);
        assert_int_equal(v, 0);
        assert_int_equal(ki.n_versions, 0);
    }
    assert_int_equal(node_store_keys_sign_version(f->s, ED, WALLET, top + 1, &ki, &v),
                     MPC_ERR_REQ_INVALID);
}

/* A store written when ed25519 kept retired shares: v1 RETIRED with its share
 * still stored. The startup purge deletes it and wipes its bytes. */
static void
test_keys_purge_retired(void **state)
{
    node_fixture_store *f = *state;
    create_v1(f->s);
    add_v2_pending(f->s);
    uint8_t share[64];
    share_for(share, 9);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_OK);
    ki.versions[0].state = NODE_STORE_KEY_VERSION_RETIRED; /* as the old activation left it */
    ki.versions[1].state = NODE_STORE_KEY_VERSION_ACTIVE;
    ki.active_version = 2;
    uint8_t enc[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t enc_len = 0;
    assert_int_equal(node_store_keyinfo_encode(enc, sizeof enc, &enc_len, &ki), MPC_OK);
    assert_int_equal(node_store_put(f->s, "keyinfo/ed25519/w1", enc, enc_len), MPC_OK);
    assert_int_equal(
        node_store_keys_create(f->s, NODE_STORE_KEY_SECP256K1, "w2", PK, 33, 1, &C_ABC, share, 64),
        MPC_OK);
    node_store_close(f->s);
    f->s = NULL;
    size_t len = 0;
    uint8_t *sealed = node_fixture_store_raw_get(f->path, "share/ed25519/w1/v1", &len);
    assert_non_null(sealed);
    struct node_store_options o = {.kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20};
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &f->s, NULL, 0), MPC_OK);
    assert_share(f->s, 1, 1);
    assert_int_equal(node_store_keys_purge_retired(f->s), MPC_OK);
    assert_share(f->s, 1, 0);
    assert_share(f->s, 2, 1);
    assert_int_equal(node_fixture_file_contains(f->path, sealed, len), 0);
    free(sealed);
    uint8_t *out = NULL; /* the other key is untouched */
    assert_int_equal(node_store_keys_share_get(f->s, NODE_STORE_KEY_SECP256K1, "w2", 1, &out, &len),
                     MPC_OK);
    mpc_secure_free(out);
    assert_int_equal(node_store_keys_purge_retired(f->s), MPC_OK); /* idempotent */
    assert_int_equal(node_store_keys_purge_retired(NULL), MPC_ERR_INVALID_ARG);
}

/* Rewrite callbacks: append a byte; or fail. */
static mpc_status
rewrite_append(void *ctx, const uint8_t *rec, size_t len, uint8_t **upd, size_t *upd_len)
{
    *upd = mpc_secure_alloc(len + 1);
    if (*upd == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(*upd, rec, len);
    (*upd)[len] = *(const uint8_t *)ctx;
    *upd_len = len + 1;
    return MPC_OK;
}

static mpc_status
rewrite_fail(void *ctx, const uint8_t *rec, size_t len, uint8_t **upd, size_t *upd_len)
{
    (void)ctx;
    (void)rec;
    (void)len;
    (void)upd;
    (void)upd_len;
    return MPC_ERR_OT_CHECK;
}

static void
test_keys_share_rewrite(void **state)
{
    node_fixture_store *f = *state;
    uint8_t tag = 0xee;
    assert_int_equal(node_store_keys_share_rewrite(f->s, ED, WALLET, 1, rewrite_append, &tag),
                     MPC_ERR_NOT_FOUND);
    create_v1(f->s);
    assert_int_equal(node_store_keys_share_rewrite(f->s, ED, WALLET, 1, rewrite_fail, NULL),
                     MPC_ERR_OT_CHECK);
    assert_share(f->s, 1, 1); /* untouched */
    assert_int_equal(node_store_keys_share_rewrite(f->s, ED, WALLET, 1, rewrite_append, &tag),
                     MPC_OK);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_keys_share_get(f->s, ED, WALLET, 1, &out, &len), MPC_OK);
    assert_int_equal(len, 65);
    assert_int_equal(out[64], 0xee);
    mpc_secure_free(out);
    assert_int_equal(node_store_keys_share_rewrite(f->s, ED, WALLET, 1, NULL, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_share_rewrite(f->s, ED, WALLET, 0, rewrite_fail, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_share_get(f->s, ED, "bad/wallet", 1, &out, &len),
                     MPC_ERR_INVALID_ARG);
    assert_null(out);
}

/* node_store_keys_commit entry builder: "log:<versions>" as the entry. */
static mpc_status
entry_versions(void *ctx, const struct node_store_key_write *w, size_t n, mpc_status *outcome,
               uint8_t **entry, size_t *len)
{
    mpc_status *fail = ctx;
    if (fail != NULL && *fail != MPC_OK) {
        return *fail;
    }
    char buf[64];
    int k = snprintf(buf, sizeof buf, "log:%zu:v%u", n, n > 0 ? w[n - 1].version : 0);
    *entry = malloc((size_t)k);
    memcpy(*entry, buf, (size_t)k);
    *len = (size_t)k;
    *outcome = MPC_OK;
    return MPC_OK;
}

static void
assert_req(node_store *s, const char *rid, const char *want)
{
    mpc_status outcome = MPC_ERR_INTERNAL;
    uint8_t *res = NULL;
    size_t len = 0;
    mpc_status st = node_store_req_get(s, rid, &outcome, &res, &len);
    if (want == NULL) {
        assert_int_equal(st, MPC_ERR_NOT_FOUND);
        return;
    }
    assert_int_equal(st, MPC_OK);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(res, want, len);
    free(res);
}

static void
test_keys_commit_keygen_writes_share_keyinfo_and_log(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    share_for(share, 1);
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = WALLET,
                                     .pk = PK,
                                     .pk_len = 32,
                                     .c = &C_ABC,
                                     .share = share,
                                     .share_len = 64,
                                     .version = 1};
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "rq-1", entry_versions, NULL), MPC_OK);
    assert_share(f->s, 1, 1);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_req(f->s, "rq-1", "log:1:v1");
    /* the same keygen again: EXISTS, and nothing of it written (no second log) */
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "rq-2", entry_versions, NULL),
                     MPC_ERR_EXISTS);
    assert_req(f->s, "rq-2", NULL);
    /* bad arguments */
    assert_int_equal(node_store_keys_commit(NULL, &w, 1, "rq-3", entry_versions, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "rq-3", NULL, NULL), MPC_ERR_INVALID_ARG);
    w.share = NULL;
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "rq-3", entry_versions, NULL),
                     MPC_ERR_INVALID_ARG);
}

static void
test_keys_commit_is_one_transaction(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    share_for(share, 1);
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = WALLET,
                                     .pk = PK,
                                     .pk_len = 32,
                                     .c = &C_ABC,
                                     .share = share,
                                     .share_len = 64,
                                     .version = 1};
    /* the log entry cannot be built: no share, no keyinfo, no log */
    mpc_status fail = MPC_ERR_NOMEM;
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "rq-1", entry_versions, &fail),
                     MPC_ERR_NOMEM);
    assert_share(f->s, 1, 0);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_ERR_NOT_FOUND);
    assert_req(f->s, "rq-1", NULL);
    /* a bad request id fails the log write after the key writes: nothing stays */
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "bad id", entry_versions, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_ERR_NOT_FOUND);
}

static void
test_keys_commit_reshare_activates_and_wipes_retired(void **state)
{
    node_fixture_store *f = *state;
    create_v1(f->s);
    uint8_t share[64];
    share_for(share, 2);
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = WALLET,
                                     .reshare = 1,
                                     .seen_active = 1,
                                     .c = &C_ABD,
                                     .share = share,
                                     .share_len = 64};
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "rq-2", entry_versions, NULL), MPC_OK);
    assert_int_equal(w.version, 2);
    assert_req(f->s, "rq-2", "log:1:v2"); /* the entry saw the final version */
    assert_int_equal(state_of(f->s, 2), NODE_STORE_KEY_VERSION_ACTIVE);
    assert_int_equal(state_of(f->s, 1), NODE_STORE_KEY_VERSION_RETIRED);
    assert_share(f->s, 2, 1);
    assert_share(f->s, 1, 0); /* retired share wiped in the same transaction */
    /* reshare of an unknown wallet: NOT_FOUND, no log */
    w.wallet = "w-none";
    assert_int_equal(node_store_keys_commit(f->s, &w, 1, "rq-3", entry_versions, NULL),
                     MPC_ERR_NOT_FOUND);
    assert_req(f->s, "rq-3", NULL);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_create_stores_active_v1, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_create_bad_args, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_create_atomic_under_fault, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_add_pending_then_activate, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_activate_drops_retired_shares, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_retired_share_is_erased, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_add_pending_makes_room, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_add_pending_errors, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_sign_version_errors, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_sign_version_only_active, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_purge_retired, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_share_rewrite, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_commit_keygen_writes_share_keyinfo_and_log, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_commit_is_one_transaction, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_keys_commit_reshare_activates_and_wipes_retired, setup,
                                        node_fixture_store_teardown),
    };
    return cmocka_run_group_tests_name("node/store/keys", tests, NULL, NULL);
}

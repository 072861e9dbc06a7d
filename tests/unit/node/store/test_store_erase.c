/*
 * test_store_erase.c — shares as erasable records (node/store/store_erase.c):
 * an aborted write leaves no key, a rewrite keeps its key, a share of an
 * older store (format 1) still opens and is migrated at the start, and a
 * kill -9 at each new commit point (after the key is written, before a
 * deleted share's key is erased) leaves a store that opens, agrees with
 * itself, and whose next start erases the key no share names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/store/keyring.h"
#include "node/store/keys.h"
#include "node/store/store.h"
#include "node/store/store_internal.h"
#include "tests/support/node_fixture.h"

#define PASS   "erase passphrase"
#define ED     NODE_STORE_KEY_ED25519
#define WALLET "w1"
#define NAME1  "share/ed25519/w1/v1"

static const char *const ABC[] = {"node-a", "node-b", "node-c"};
static const char *const ABD[] = {"node-a", "node-b", "node-d"};
static const struct node_store_committee C_ABC = {.threshold = 2, .ids = ABC, .n = 3};
static const struct node_store_committee C_ABD = {.threshold = 2, .ids = ABD, .n = 3};
static const uint8_t PK[32] = {0x42, 1, 2, 3};

static int
setup(void **state)
{
    return node_fixture_store_setup_open(state, PASS, 16u << 20);
}

static void
share_for(uint8_t share[64], uint32_t v)
{
    memset(share, (int)(0x10 + v), 64);
}

static void
reopen(node_fixture_store *f)
{
    node_store_close(f->s);
    f->s = NULL;
    struct node_store_options o = {.kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20};
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &f->s, NULL, 0), MPC_OK);
}

/* Bytes of the keyring file that are not zero. */
static size_t
keyring_nonzero(const char *store_path)
{
    char kp[512];
    snprintf(kp, sizeof kp, "%s%s", store_path, NODE_STORE_KEYRING_SUFFIX);
    size_t len = 0, n = 0;
    uint8_t *b = node_fixture_read(kp, &len);
    for (size_t i = 0; b != NULL && i < len; i++) {
        n += b[i] != 0;
    }
    free(b);
    return n;
}

static void
assert_share(node_store *s, uint32_t v, int present)
{
    uint8_t *out = NULL, want[64];
    size_t len = 0;
    mpc_status st = node_store_keys_share_get(s, ED, WALLET, v, &out, &len);
    if (!present) {
        assert_int_equal(st, MPC_ERR_NOT_FOUND);
        return;
    }
    assert_int_equal(st, MPC_OK);
    share_for(want, v);
    assert_int_equal(len, 64);
    assert_memory_equal(out, want, 64);
    mpc_secure_free(out);
}

static void
test_store_erase_aborted_write_leaves_no_key(void **state)
{
    node_fixture_store *f = *state;
    node_store_txn *t = NULL;
    uint8_t share[64];
    share_for(share, 1);
    assert_int_equal(node_store_txn_begin(f->s, &t), MPC_OK);
    assert_int_equal(node_store_txn_put(t, NAME1, share, sizeof share), MPC_OK);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 1);
    assert_true(keyring_nonzero(f->path) > 0);
    node_store_txn_abort(&t);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 0);
    assert_int_equal(keyring_nonzero(f->path), 0);
    /* a put then a delete in one committed txn: no key either */
    assert_int_equal(node_store_txn_begin(f->s, &t), MPC_OK);
    assert_int_equal(node_store_txn_put(t, NAME1, share, sizeof share), MPC_OK);
    assert_int_equal(node_store_txn_wipe(t, NAME1), MPC_OK);
    assert_int_equal(node_store_txn_commit(&t), MPC_OK);
    assert_int_equal(keyring_nonzero(f->path), 0);
    /* a value too large for the two layers is refused */
    assert_int_equal(node_store_put(f->s, NAME1, share, NODE_STORE_VALUE_MAX), MPC_ERR_INVALID_ARG);
}

static mpc_status
flip_first(void *ctx, const uint8_t *rec, size_t len, uint8_t **upd, size_t *upd_len)
{
    (void)ctx;
    *upd = mpc_secure_alloc(len);
    memcpy(*upd, rec, len);
    (*upd)[0] ^= 0xff;
    *upd_len = len;
    return MPC_OK;
}

/* A share rewritten in place keeps its record key: every old copy of it in
 * free pages dies with that one key. */
static void
test_store_erase_rewrite_keeps_the_key(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    share_for(share, 1);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_OK);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 1);
    assert_int_equal(node_store_keys_share_rewrite(f->s, ED, WALLET, 1, flip_first, NULL), MPC_OK);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 1);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_get(f->s, NAME1, &out, &len), MPC_OK);
    assert_int_equal(out[0], share[0] ^ 0xff);
    mpc_secure_free(out);
}

/* Replaces share v1 with a format-1 value (as every share of a store written
 * before record keys), sealed under the store's key. */
static void
make_legacy(node_fixture_store *f, const uint8_t *share, size_t len)
{
    uint8_t *val = NULL;
    size_t val_len = 0;
    assert_int_equal(node_store_value_seal(f->s->key, NAME1, share, len, &val, &val_len), MPC_OK);
    node_store_close(f->s);
    f->s = NULL;
    assert_int_equal(node_fixture_store_raw_put(f->path, NAME1, val, val_len), 0);
    free(val);
}

/* A format-1 share still opens; the start (purge) migrates it, compacts the
 * old bytes away, and erasing it afterwards needs no compaction. */
static void
test_store_erase_legacy_share_migrates(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    share_for(share, 1);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_OK);
    make_legacy(f, share, sizeof share);
    size_t legacy_len = 0;
    uint8_t *legacy = node_fixture_store_raw_get(f->path, NAME1, &legacy_len);
    assert_non_null(legacy);
    assert_int_equal(legacy[0], NODE_STORE_FORMAT_SEALED);
    reopen(f);
    assert_share(f->s, 1, 1);
    assert_int_equal(node_store_keys_purge_retired(f->s), MPC_OK); /* the start */
    assert_int_equal(keyring_nonzero(f->path) > 0, 1);
    node_store_close(f->s);
    f->s = NULL;
    size_t now_len = 0;
    uint8_t *now = node_fixture_store_raw_get(f->path, NAME1, &now_len);
    assert_non_null(now);
    assert_int_equal(now[0], NODE_STORE_FORMAT_ERASABLE);
    free(now);
    for (size_t off = 0; off + 32 <= legacy_len; off += 32) {
        assert_int_equal(node_fixture_file_contains(f->path, legacy + off, 32), 0);
    }
    free(legacy);
    reopen(f);
    assert_share(f->s, 1, 1);
    struct stat before, after;
    assert_int_equal(stat(f->path, &before), 0);
    uint8_t next[64];
    uint32_t v = 0;
    share_for(next, 2);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, next, 64, &v),
                     MPC_OK);
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, v), MPC_OK);
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_share(f->s, 1, 0);
    assert_share(f->s, 2, 1);
}

/* Without the migration (a store still holding a format-1 share), retiring
 * it compacts, as before record keys. */
static void
test_store_erase_legacy_retire_compacts(void **state)
{
    node_fixture_store *f = *state;
    uint8_t share[64];
    share_for(share, 1);
    assert_int_equal(node_store_keys_create(f->s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64),
                     MPC_OK);
    make_legacy(f, share, sizeof share);
    reopen(f);
    struct stat before, after;
    assert_int_equal(stat(f->path, &before), 0);
    uint8_t next[64];
    uint32_t v = 0;
    share_for(next, 2);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, next, 64, &v),
                     MPC_OK);
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, v), MPC_OK);
    assert_int_equal(stat(f->path, &after), 0);
    assert_true(before.st_ino != after.st_ino);                /* compacted: a new file */
    assert_int_equal(node_store_compact_if_due(f->s), MPC_OK); /* nothing left due */
    assert_int_equal(node_store_compact_if_due(NULL), MPC_ERR_INVALID_ARG);
    assert_share(f->s, 2, 1);
}

#define LEGACY_FILE "tests/vectors/data/legacy-store-v1.mdb"
#define LEGACY_PASS "legacy passphrase"

/* A store file written by the build before record keys (354a8a2: one ed25519
 * key "w1", share 64 x 0x11, committee node-a/b/c, request "legacy-req-1"):
 * it opens, its share reads, the start migrates it, and a reshare then
 * erases the old share without compaction. Run from the repository root. */
static void
test_store_erase_store_of_the_previous_build(void **state)
{
    node_fixture_store *f = *state;
    node_store_close(f->s);
    f->s = NULL;
    size_t len = 0;
    uint8_t *file = node_fixture_read(LEGACY_FILE, &len);
    assert_non_null(file);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(file, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    free(file);
    size_t raw_len = 0;
    uint8_t *raw = node_fixture_store_raw_get(f->path, NAME1, &raw_len);
    assert_non_null(raw);
    assert_int_equal(raw[0], NODE_STORE_FORMAT_SEALED);
    free(raw);
    struct node_store_options o = {.kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20};
    assert_int_equal(node_store_open(f->path, LEGACY_PASS, strlen(LEGACY_PASS), &o, &f->s, NULL, 0),
                     MPC_OK);
    uint8_t *out = NULL, want[64];
    memset(want, 0x11, sizeof want);
    assert_int_equal(node_store_keys_share_get(f->s, ED, WALLET, 1, &out, &len), MPC_OK);
    assert_int_equal(len, 64);
    assert_memory_equal(out, want, 64);
    mpc_secure_free(out);
    mpc_status outcome = MPC_ERR_INTERNAL;
    assert_int_equal(node_store_req_get(f->s, "legacy-req-1", &outcome, &out, &len), MPC_OK);
    assert_int_equal(outcome, MPC_OK);
    free(out);
    assert_int_equal(node_store_keys_purge_retired(f->s), MPC_OK); /* the start: migrates */
    assert_int_equal(node_store_keyring_used(f->s->keyring), 1);
    struct stat before, after;
    assert_int_equal(stat(f->path, &before), 0);
    uint8_t next[64];
    uint32_t v = 0;
    share_for(next, 2);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, next, 64, &v),
                     MPC_OK);
    assert_int_equal(node_store_keys_activate(f->s, ED, WALLET, v), MPC_OK);
    assert_int_equal(stat(f->path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 1);
    assert_share(f->s, 1, 0);
    assert_share(f->s, 2, 1);
}

/* Runs step in a child killed at MPC_STORE_TEST_KILL_AT=point. */
static void
killed_at(node_fixture_store *f, const char *point, void (*step)(node_store *))
{
    node_store_close(f->s);
    f->s = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct node_store_options o = {.kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20};
        node_store *s = NULL;
        if (node_store_open(f->path, PASS, strlen(PASS), &o, &s, NULL, 0) != MPC_OK) {
            _exit(2);
        }
        setenv("MPC_STORE_TEST_KILL_AT", point, 1);
        step(s);
        _exit(0); /* not reached when the kill point is hit */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    reopen(f);
}

static void
step_create(node_store *s)
{
    uint8_t share[64];
    share_for(share, 1);
    mpc_status st = node_store_keys_create(s, ED, WALLET, PK, 32, 1, &C_ABC, share, 64);
    assert_int_equal(st, MPC_OK); /* in the child: reached only if the kill point is not */
}

static void
step_activate_v2(node_store *s)
{
    mpc_status st = node_store_keys_activate(s, ED, WALLET, 2);
    assert_int_equal(st, MPC_OK);
}

/* Killed after the key is synced, before the share's commit: no key, no
 * share; the key is an orphan the start erases; a new create works. */
static void
test_store_erase_kill_after_key_added(void **state)
{
    node_fixture_store *f = *state;
    killed_at(f, "erase_key_added", step_create);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_ERR_NOT_FOUND);
    assert_share(f->s, 1, 0);
    assert_true(keyring_nonzero(f->path) > 0); /* the orphan */
    assert_int_equal(node_store_keys_purge_retired(f->s), MPC_OK);
    assert_int_equal(keyring_nonzero(f->path), 0);
    step_create(f->s);
    assert_share(f->s, 1, 1);
}

/* Killed after the activation committed, before the retired share's key was
 * zeroed: the store agrees (v2 active, v1 without its share), the key is
 * still in the keyring until the start erases it. */
static void
test_store_erase_kill_before_erase(void **state)
{
    node_fixture_store *f = *state;
    step_create(f->s);
    uint8_t next[64];
    uint32_t v = 0;
    share_for(next, 2);
    assert_int_equal(node_store_keys_add_pending(f->s, ED, WALLET, 1, &C_ABD, next, 64, &v),
                     MPC_OK);
    assert_int_equal(v, 2);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 2);
    killed_at(f, "erase_before_erase", step_activate_v2);
    struct node_store_keyinfo ki;
    assert_int_equal(node_store_keyinfo_get(f->s, ED, WALLET, &ki), MPC_OK);
    assert_int_equal(ki.active_version, 2);
    assert_share(f->s, 1, 0);
    assert_share(f->s, 2, 1);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 2); /* v1's key still there */
    size_t erased = 0;
    assert_int_equal(node_store_erasable_sweep(f->s, &erased), MPC_OK);
    assert_int_equal(erased, 1);
    assert_int_equal(node_store_keyring_used(f->s->keyring), 1);
    assert_share(f->s, 2, 1);
    assert_int_equal(node_store_erasable_sweep(NULL, NULL), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_erase_aborted_write_leaves_no_key, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_store_erase_rewrite_keeps_the_key, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_store_erase_legacy_share_migrates, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_store_erase_legacy_retire_compacts, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_store_erase_store_of_the_previous_build, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_store_erase_kill_after_key_added, setup,
                                        node_fixture_store_teardown),
        cmocka_unit_test_setup_teardown(test_store_erase_kill_before_erase, setup,
                                        node_fixture_store_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

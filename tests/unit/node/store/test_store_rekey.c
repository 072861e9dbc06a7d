/*
 * test_store_rekey.c — changing the node passphrase (node/store/rekey.h):
 * every record re-sealed, identity re-encrypted, refusals with their own
 * status, and kill -9 at each step (test kill points): afterwards exactly
 * one passphrase, old or new, opens identity and store together, as the
 * daemon's start (with node_store_rekey_recover) does it.
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
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/store/identity.h"
#include "node/store/rekey.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define OLD       "old passphrase"
#define NEW       "new passphrase"
#define N_RECORDS 40

struct fx {
    char *dir;   /* temp dir */
    char *store; /* store file */
    char *id;    /* identity file */
};

static mpc_status
open_store(const char *path, const char *pass, node_store **s)
{
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20, .flags = NODE_STORE_CREATE};
    *s = NULL;
    return node_store_open(path, pass, strlen(pass), &o, s, NULL, 0);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->store = node_fixture_path(f->dir, "store.mdb");
    f->id = node_fixture_path(f->dir, "identity.key");
    node_store_identity *id = NULL;
    assert_int_equal(
        node_store_identity_create(f->id, OLD, strlen(OLD), &NODE_STORE_KDF_TEST_MIN, &id, NULL, 0),
        MPC_OK);
    node_store *s = NULL;
    assert_int_equal(open_store(f->store, OLD, &s), MPC_OK);
    assert_int_equal(node_store_identity_bind(s, node_store_identity_public_key(id)), MPC_OK);
    for (int i = 0; i < N_RECORDS; i++) {
        char name[64], val[64];
        snprintf(name, sizeof name, "share/ed25519/w%02d/v1", i);
        snprintf(val, sizeof val, "secret %d", i);
        assert_int_equal(node_store_put(s, name, (const uint8_t *)val, strlen(val)), MPC_OK);
    }
    node_store_close(s);
    node_store_identity_destroy(id);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_fixture_tmpdir_remove(f->dir);
    free(f->store);
    free(f->id);
    free(f);
    return 0;
}

/* The daemon's start: identity (completing an interrupted rekey), then the
 * store; every record must open with its content. Returns MPC_OK when pass
 * opens both. */
static mpc_status
start_with(struct fx *f, const char *pass)
{
    node_store_identity *id = NULL;
    node_store *s = NULL;
    mpc_status st = node_store_identity_load(f->id, pass, strlen(pass), &id, NULL, 0);
    if (st == MPC_ERR_BAD_PASSPHRASE &&
        node_store_rekey_recover(f->id, f->store, pass, strlen(pass), 16u << 20) == MPC_OK) {
        st = node_store_identity_load(f->id, pass, strlen(pass), &id, NULL, 0);
    }
    if (st == MPC_OK) {
        st = open_store(f->store, pass, &s);
    }
    for (int i = 0; st == MPC_OK && i < N_RECORDS; i++) {
        char name[64], val[64];
        uint8_t *v = NULL;
        size_t len = 0;
        snprintf(name, sizeof name, "share/ed25519/w%02d/v1", i);
        snprintf(val, sizeof val, "secret %d", i);
        assert_int_equal(node_store_get(s, name, &v, &len), MPC_OK);
        assert_memory_equal(v, val, strlen(val));
        mpc_secure_free(v);
    }
    if (st == MPC_OK) {
        node_store_rekey_cleanup(f->id);
    }
    node_store_close(s);
    node_store_identity_destroy(id);
    return st;
}

static mpc_status
rekey(struct fx *f, const char *old, const char *new_pass)
{
    char err[512];
    return node_store_rekey(f->store, f->id, old, strlen(old), new_pass, strlen(new_pass),
                            &NODE_STORE_KDF_TEST_MIN, 16u << 20, NULL, err, sizeof err);
}

static void
test_store_rekey_reseals_every_record(void **state)
{
    struct fx *f = *state;
    char err[256];
    size_t n = 0;
    assert_int_equal(node_store_rekey(f->store, f->id, OLD, strlen(OLD), NEW, strlen(NEW),
                                      &NODE_STORE_KDF_TEST_MIN, 16u << 20, &n, err, sizeof err),
                     MPC_OK);
    assert_int_equal(n, N_RECORDS + 1); /* the shares and the identity record */
    assert_int_equal(start_with(f, NEW), MPC_OK);
    assert_int_equal(start_with(f, OLD), MPC_ERR_BAD_PASSPHRASE);
    node_store *s = NULL;
    assert_int_equal(open_store(f->store, OLD, &s), MPC_ERR_BAD_PASSPHRASE);
    char *tmp = node_fixture_path(f->dir, "identity.key.rekey");
    assert_int_equal(access(tmp, F_OK), -1);
    free(tmp);
}

static void
test_store_rekey_refusals(void **state)
{
    struct fx *f = *state;
    assert_int_equal(rekey(f, "wrong", NEW), MPC_ERR_BAD_PASSPHRASE);
    assert_int_equal(rekey(f, OLD, OLD), MPC_ERR_INVALID_ARG);
    assert_int_equal(rekey(f, OLD, ""), MPC_ERR_INVALID_ARG);
    node_store *s = NULL;
    assert_int_equal(open_store(f->store, OLD, &s), MPC_OK); /* held open by a child */
    pid_t pid = fork();
    if (pid == 0) {
        _exit(rekey(f, OLD, NEW) == MPC_ERR_STORE_IN_USE ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    node_store_close(s);
    assert_int_equal(start_with(f, OLD), MPC_OK); /* nothing changed */
    /* another identity's file: the store belongs to the first one */
    char *other = node_fixture_path(f->dir, "other.key");
    node_store_identity *id = NULL;
    assert_int_equal(
        node_store_identity_create(other, OLD, strlen(OLD), &NODE_STORE_KDF_TEST_MIN, &id, NULL, 0),
        MPC_OK);
    node_store_identity_destroy(id);
    char err[256];
    assert_int_equal(node_store_rekey(f->store, other, OLD, strlen(OLD), NEW, strlen(NEW),
                                      &NODE_STORE_KDF_TEST_MIN, 16u << 20, NULL, err, sizeof err),
                     MPC_ERR_CONFIG);
    free(other);
    assert_int_equal(start_with(f, OLD), MPC_OK);
}

/* kill -9 at point; then exactly one passphrase works: old before the commit, new after. */
static void
kill_case(struct fx *f, const char *point, int new_works)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("MPC_STORE_TEST_KILL_AT", point, 1);
        (void)rekey(f, OLD, NEW);
        _exit(0); /* not reached when the kill point is hit */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
    if (new_works) {
        assert_int_equal(start_with(f, OLD), MPC_ERR_BAD_PASSPHRASE);
        assert_int_equal(start_with(f, NEW), MPC_OK);
    } else {
        assert_int_equal(start_with(f, NEW), MPC_ERR_BAD_PASSPHRASE);
        assert_int_equal(start_with(f, OLD), MPC_OK);
        assert_int_equal(rekey(f, OLD, NEW), MPC_OK); /* and a new rekey goes through */
        assert_int_equal(start_with(f, NEW), MPC_OK);
    }
}

static void
test_store_rekey_kill_at_identity_saved(void **state)
{
    kill_case(*state, "rekey_identity_saved", 0);
}

static void
test_store_rekey_kill_before_commit(void **state)
{
    kill_case(*state, "rekey_before_commit", 0);
}

static void
test_store_rekey_kill_after_commit(void **state)
{
    kill_case(*state, "rekey_after_commit", 1);
}

static void
test_store_rekey_kill_after_identity_renamed(void **state)
{
    kill_case(*state, "rekey_identity_renamed", 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_rekey_reseals_every_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_rekey_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_rekey_kill_at_identity_saved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_rekey_kill_before_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_rekey_kill_after_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_rekey_kill_after_identity_renamed, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

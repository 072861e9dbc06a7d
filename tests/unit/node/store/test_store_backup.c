/*
 * test_store_backup.c — encrypted store backups (node/store/backup.h):
 * round trip, each refusal of a restore with its own status (format, wrong
 * passphrase, tampered or truncated chunk, another node's identity, store in
 * use), nothing changed by a refused restore, and a backup taken while
 * another process holds the store open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/store/backup.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS "backup passphrase"

struct fx {
    char *dir;      /* temp dir */
    char *store;    /* store file */
    char *bak;      /* backup file */
    uint8_t pk[32]; /* identity bound to the store */
};

static const struct node_store_options OPTS = {.map_size = 16u << 20, .flags = NODE_STORE_CREATE};

static node_store *
open_store(const char *path, const char *pass)
{
    node_store *s = NULL;
    struct node_store_options o = OPTS;
    o.kdf = NODE_STORE_KDF_TEST_MIN;
    assert_int_equal(node_store_open(path, pass, strlen(pass), &o, &s, NULL, 0), MPC_OK);
    return s;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->store = node_fixture_path(f->dir, "store.mdb");
    f->bak = node_fixture_path(f->dir, "store.bak");
    memset(f->pk, 0x5a, sizeof f->pk);
    node_store *s = open_store(f->store, PASS);
    assert_int_equal(node_store_identity_bind(s, f->pk), MPC_OK);
    for (int i = 0; i < 300; i++) { /* several chunks */
        char name[64];
        uint8_t val[512];
        memset(val, i & 0xff, sizeof val);
        snprintf(name, sizeof name, "share/ed25519/w%03d/v1", i);
        assert_int_equal(node_store_put(s, name, val, sizeof val), MPC_OK);
    }
    node_store_close(s);
    *state = f;
    return f->dir == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_fixture_tmpdir_remove(f->dir);
    free(f->store);
    free(f->bak);
    free(f);
    return 0;
}

static mpc_status
backup(struct fx *f)
{
    char err[512];
    struct node_store_backup_info bi;
    mpc_status st = node_store_backup_write(f->store, PASS, strlen(PASS), &NODE_STORE_KDF_TEST_MIN,
                                            16u << 20, f->bak, &bi, err, sizeof err);
    if (st == MPC_OK) {
        assert_memory_equal(bi.identity_pk, f->pk, 32);
        assert_true(bi.size > 2 * NODE_STORE_BACKUP_CHUNK);
    }
    return st;
}

static mpc_status
restore(struct fx *f, const char *pass, const uint8_t *pk)
{
    char err[512];
    return node_store_backup_restore(f->bak, pass, strlen(pass), f->store, pk, 16u << 20, NULL, err,
                                     sizeof err);
}

/* Counts the records of the store at path (opened with PASS). */
static size_t
count_records(const char *path, const char *prefix)
{
    node_store *s = open_store(path, PASS);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(node_store_list(s, prefix, &names, &n), MPC_OK);
    node_store_names_free(names, n);
    node_store_close(s);
    return n;
}

static void
flip_byte(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    uint8_t b;
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= 0x01;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

static void
test_store_backup_round_trip_restores_the_state_of_the_backup(void **state)
{
    struct fx *f = *state;
    assert_int_equal(backup(f), MPC_OK);
    struct stat sb;
    assert_int_equal(stat(f->bak, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
    node_store *s = open_store(f->store, PASS); /* changes after the backup */
    assert_int_equal(node_store_delete(s, "share/ed25519/w000/v1"), MPC_OK);
    assert_int_equal(node_store_put(s, "share/ed25519/new/v2", (const uint8_t *)"x", 1), MPC_OK);
    node_store_close(s);
    assert_int_equal(restore(f, PASS, f->pk), MPC_OK);
    assert_int_equal(count_records(f->store, "share/"), 300);
    s = open_store(f->store, PASS);
    uint8_t *v = NULL;
    size_t len = 0;
    assert_int_equal(node_store_get(s, "share/ed25519/w000/v1", &v, &len), MPC_OK);
    assert_int_equal(len, 512);
    mpc_secure_free(v);
    assert_int_equal(node_store_get(s, "share/ed25519/new/v2", &v, &len), MPC_ERR_NOT_FOUND);
    node_store_close(s);
    char *aside = node_fixture_path(f->dir, "store.mdb.before-restore");
    assert_int_equal(count_records(aside, "share/ed25519/new/"), 1); /* kept aside */
    free(aside);
}

static void
test_store_backup_refuses_existing_output_and_bad_passphrase(void **state)
{
    struct fx *f = *state;
    char err[256];
    assert_int_equal(backup(f), MPC_OK);
    assert_int_equal(backup(f), MPC_ERR_EXISTS);
    unlink(f->bak);
    assert_int_equal(node_store_backup_write(f->store, "wrong", 5, &NODE_STORE_KDF_TEST_MIN,
                                             16u << 20, f->bak, NULL, err, sizeof err),
                     MPC_ERR_BAD_PASSPHRASE);
    assert_int_equal(access(f->bak, F_OK), -1); /* nothing left behind */
    assert_int_equal(node_store_backup_write(NULL, PASS, strlen(PASS), &NODE_STORE_KDF_TEST_MIN, 0,
                                             f->bak, NULL, err, sizeof err),
                     MPC_ERR_INVALID_ARG);
}

/* Every refusal leaves the current store byte-identical. */
static void
assert_refused(struct fx *f, const char *pass, const uint8_t *pk, mpc_status want)
{
    node_store *s = open_store(f->store, PASS);
    assert_int_equal(node_store_put(s, "share/ed25519/marker/v1", (const uint8_t *)"m", 1), MPC_OK);
    node_store_close(s);
    assert_int_equal(restore(f, pass, pk), want);
    assert_int_equal(count_records(f->store, "share/ed25519/marker/"), 1);
    char *tmp = node_fixture_path(f->dir, "store.mdb.restore");
    assert_int_equal(access(tmp, F_OK), -1);
    free(tmp);
}

static void
test_store_backup_restore_refusals_have_their_own_status(void **state)
{
    struct fx *f = *state;
    assert_int_equal(backup(f), MPC_OK);
    assert_refused(f, "wrong passphrase", f->pk, MPC_ERR_BAD_PASSPHRASE);
    uint8_t other[32];
    memset(other, 0x11, sizeof other);
    assert_refused(f, PASS, other, MPC_ERR_BACKUP_IDENTITY);
    flip_byte(f->bak, NODE_STORE_BACKUP_HEADER_BYTES + 4 + 100); /* inside chunk 1 */
    assert_refused(f, PASS, f->pk, MPC_ERR_BACKUP_CORRUPT);
    flip_byte(f->bak, NODE_STORE_BACKUP_HEADER_BYTES + 4 + 100);
    flip_byte(f->bak, 100); /* the backup time, authenticated as associated data */
    assert_refused(f, PASS, f->pk, MPC_ERR_BACKUP_CORRUPT);
    flip_byte(f->bak, 100);
    flip_byte(f->bak, 0); /* magic */
    assert_refused(f, PASS, f->pk, MPC_ERR_BACKUP_FORMAT);
    flip_byte(f->bak, 0);
    assert_int_equal(restore(f, PASS, f->pk), MPC_OK); /* the undamaged file still restores */
}

static void
test_store_backup_truncated_or_extended_is_corrupt(void **state)
{
    struct fx *f = *state;
    assert_int_equal(backup(f), MPC_OK);
    struct stat sb;
    assert_int_equal(stat(f->bak, &sb), 0);
    assert_int_equal(truncate(f->bak, sb.st_size - 1), 0);
    assert_refused(f, PASS, f->pk, MPC_ERR_BACKUP_CORRUPT);
    unlink(f->bak);
    assert_int_equal(backup(f), MPC_OK);
    /* cut at a chunk boundary: every remaining chunk opens, the final tag is missing */
    assert_int_equal(
        truncate(f->bak, NODE_STORE_BACKUP_HEADER_BYTES + 4 + NODE_STORE_BACKUP_CHUNK + 17), 0);
    assert_refused(f, PASS, f->pk, MPC_ERR_BACKUP_CORRUPT);
    unlink(f->bak);
    assert_int_equal(backup(f), MPC_OK);
    FILE *fp = fopen(f->bak, "ab");
    fputc(0, fp);
    fclose(fp);
    assert_refused(f, PASS, f->pk, MPC_ERR_BACKUP_CORRUPT);
    assert_int_equal(truncate(f->bak, 50), 0);
    assert_refused(f, PASS, f->pk, MPC_ERR_BACKUP_FORMAT);
}

/* A child process holds the store open (as the running node does; it has
 * compacted once, as the node does at start) until told to stop; then it
 * writes and reads a record: exit 0 only if its store still works (a backup
 * that took LMDB's lock table from it would break its reader slots). */
static pid_t
hold_open(const char *path, int *stop_fd)
{
    int to_child[2], ready[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(to_child[1]);
        close(ready[0]);
        node_store *s = open_store(path, PASS);
        char c = 'r';
        if (node_store_compact(s) != MPC_OK || write(ready[1], &c, 1) != 1 ||
            read(to_child[0], &c, 1) < 0) {
            _exit(2);
        }
        uint8_t *v = NULL;
        size_t len = 0;
        int ok = node_store_put(s, "share/ed25519/after/v1", (const uint8_t *)"a", 1) == MPC_OK &&
                 node_store_get(s, "share/ed25519/w001/v1", &v, &len) == MPC_OK && len == 512;
        mpc_secure_free(v);
        node_store_close(s);
        _exit(ok ? 0 : 3);
    }
    close(to_child[0]);
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1); /* blocks until the child opened the store */
    close(ready[0]);
    *stop_fd = to_child[1];
    return pid;
}

static void
test_store_backup_of_a_store_in_use_and_restore_refused_while_in_use(void **state)
{
    struct fx *f = *state;
    int stop_fd = -1, status = 0;
    assert_false(node_store_in_use(f->store));
    pid_t pid = hold_open(f->store, &stop_fd);
    assert_true(node_store_in_use(f->store));
    assert_int_equal(backup(f), MPC_OK); /* the node keeps running */
    assert_int_equal(restore(f, PASS, f->pk), MPC_ERR_STORE_IN_USE);
    close(stop_fd);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_false(node_store_in_use(f->store));
    assert_int_equal(restore(f, PASS, f->pk), MPC_OK);
}

/* While a backup holds the shared flock, a compaction waits; it takes the lock once released. */
static void
test_store_backup_lock_excludes_compaction(void **state)
{
    struct fx *f = *state;
    int sh = -1, ex = -1;
    assert_int_equal(node_store_lockfile_take(f->store, 0, 0, &sh), MPC_OK);
    assert_int_equal(node_store_lockfile_take(f->store, 1, 50, &ex), MPC_ERR_TIMEOUT);
    assert_int_equal(ex, -1);
    node_store_lockfile_release(sh);
    assert_int_equal(node_store_lockfile_take(f->store, 1, 0, &ex), MPC_OK);
    node_store_lockfile_release(ex);
    node_store *s = open_store(f->store, PASS);
    assert_int_equal(node_store_compact(s), MPC_OK);
    node_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_store_backup_round_trip_restores_the_state_of_the_backup, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store_backup_refuses_existing_output_and_bad_passphrase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_backup_restore_refusals_have_their_own_status,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_backup_truncated_or_extended_is_corrupt, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_store_backup_of_a_store_in_use_and_restore_refused_while_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_backup_lock_excludes_compaction, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

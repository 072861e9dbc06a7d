/*
 * node_fixture.c — temp dirs, files, hashes and a seeded PRNG for node/ tests.
 */
#include "tests/support/node_fixture.h"

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "node/store/store.h"

char *
node_fixture_tmpdir_create(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof(tmpl), "%s/mpc-node-test-XXXXXX", base != NULL ? base : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
        return NULL;
    }
    return strdup(tmpl);
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
node_fixture_tmpdir_remove(char *dir)
{
    if (dir == NULL) {
        return;
    }
    (void)nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

char *
node_fixture_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p != NULL) {
        snprintf(p, n, "%s/%s", dir, name);
    }
    return p;
}

int
node_fixture_write(const char *path, const char *text, unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        return -1;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int ok = w == (ssize_t)len && fchmod(fd, (mode_t)mode) == 0;
    close(fd);
    return ok ? 0 : -1;
}

uint8_t *
node_fixture_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf != NULL) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            break;
        }
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2 + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

int
node_fixture_file_hash(const char *path, uint8_t *out)
{
    size_t len = 0;
    uint8_t *buf = node_fixture_read(path, &len);
    if (buf == NULL) {
        return -1;
    }
    crypto_generichash(out, 32, buf, len, NULL, 0);
    free(buf);
    return 0;
}

uint64_t
node_fixture_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint8_t *
node_fixture_store_raw_get(const char *path, const char *name, size_t *len)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    uint8_t *copy = NULL;
    MDB_val k = {strlen(name), (void *)name}, v;
    *len = 0;
    if (mdb_env_create(&env) != 0) {
        return NULL;
    }
    if (mdb_env_set_maxdbs(env, 2) == 0 &&
        mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY, 0600) == 0 &&
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0 &&
        mdb_dbi_open(txn, "records", 0, &dbi) == 0 && mdb_get(txn, dbi, &k, &v) == 0 &&
        (copy = malloc(v.mv_size > 0 ? v.mv_size : 1)) != NULL) {
        memcpy(copy, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);
    return copy;
}

int
node_fixture_store_raw_put(const char *path, const char *name, const uint8_t *val, size_t len)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)val};
    int rc = mdb_env_create(&env);
    if (rc != 0) {
        return -1;
    }
    rc = mdb_env_set_maxdbs(env, 3);
    if (rc == 0) {
        rc = mdb_env_open(env, path, MDB_NOSUBDIR, 0600);
    }
    if (rc == 0) {
        rc = mdb_txn_begin(env, NULL, 0, &txn);
    }
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "records", 0, &dbi);
    }
    if (rc == 0) {
        rc = mdb_put(txn, dbi, &k, &v, 0);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    mdb_env_close(env);
    return rc == 0 ? 0 : -1;
}

int
node_fixture_file_contains(const char *path, const uint8_t *needle, size_t n)
{
    size_t len = 0;
    uint8_t *buf = node_fixture_read(path, &len);
    if (buf == NULL || n == 0) {
        free(buf);
        return -1;
    }
    int found = memmem(buf, len, needle, n) != NULL;
    free(buf);
    return found;
}

struct node_store *
node_fixture_store_open(const char *path, const char *pass, uint64_t map_size)
{
    node_store *s = NULL;
    char err[256] = "";
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = map_size, .flags = NODE_STORE_CREATE};
    if (node_store_open(path, pass, strlen(pass), &o, &s, err, sizeof err) != MPC_OK) {
        fprintf(stderr, "store open %s: %s\n", path, err);
        return NULL;
    }
    return s;
}

int
node_fixture_store_setup(void **state)
{
    node_fixture_store *f = calloc(1, sizeof *f);
    *state = f;
    if (f == NULL) {
        return -1;
    }
    f->dir = node_fixture_tmpdir_create();
    f->path = f->dir != NULL ? node_fixture_path(f->dir, "store.mdb") : NULL;
    return f->path == NULL ? -1 : 0;
}

int
node_fixture_store_setup_open(void **state, const char *pass, uint64_t map_size)
{
    if (node_fixture_store_setup(state) != 0) {
        return -1;
    }
    node_fixture_store *f = *state;
    f->s = node_fixture_store_open(f->path, pass, map_size);
    return f->s == NULL ? -1 : 0;
}

int
node_fixture_store_teardown(void **state)
{
    node_fixture_store *f = *state;
    if (f == NULL) {
        return 0;
    }
    node_store_close(f->s);
    node_fixture_tmpdir_remove(f->dir);
    free(f->path);
    free(f);
    *state = NULL;
    return 0;
}

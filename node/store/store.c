/*
 * store.c — LMDB key store: open with passphrase check, sealed records,
 * write transactions, prefix listing.
 *
 * DESIGN: two LMDB tables. "meta" (plain): "kdf" = format, Argon2id cost and
 * salt; "verifier" = a sealed constant. "records": name -> a sealed value
 * (store_value.c: the name rule, the value format). The derived key lives in secure
 * memory for the life of the store and is wiped on close. An existing store is
 * only read (in a read-only transaction) until the passphrase is verified.
 * Record functions are in store_records.c.
 */
#include "node/store/store.h"
#include "node/store/store_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/errbuf.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/store/store_internal.h"

#define STORE_FORMAT    1u
#define STORE_KDF_ALG   1u /* Argon2id v1.3 */
#define STORE_KDF_BYTES NODE_STORE_KDF_REC_BYTES
#define STORE_VERIFIER  NODE_STORE_VERIFIER

mpc_status
node_store_lmdb_status(int rc, const char *what)
{
    if (rc == 0) {
        return MPC_OK;
    }
    if (rc == MDB_NOTFOUND) {
        return MPC_ERR_NOT_FOUND;
    }
    if (rc == MDB_MAP_FULL) {
        return MPC_ERR_STORE_FULL; /* the caller marks the store full (node_store_note) */
    }
    mpc_log(MPC_LOG_ERROR, "store", "lmdb_error", "op=%s rc=%d err=\"%s\"", what, rc,
            mdb_strerror(rc));
    return rc == ENOMEM ? MPC_ERR_NOMEM : MPC_ERR_STORE;
}

void
node_store_kdf_encode(uint8_t *b, const struct node_store_kdf_params *kdf, const uint8_t *salt)
{
    memset(b, 0, STORE_KDF_BYTES);
    b[0] = STORE_FORMAT;
    b[1] = STORE_KDF_ALG;
    mpc_put_u64le(b + 4, kdf->opslimit);
    mpc_put_u64le(b + 12, kdf->memlimit);
    memcpy(b + 20, salt, NODE_STORE_KDF_SALT_BYTES);
}

static mpc_status
decode_kdf(const MDB_val *v, struct node_store_kdf_params *kdf, uint8_t *salt)
{
    const uint8_t *b = v->mv_data;
    if (v->mv_size != STORE_KDF_BYTES || b[0] != STORE_FORMAT || b[1] != STORE_KDF_ALG) {
        return MPC_ERR_CORRUPT;
    }
    kdf->opslimit = mpc_get_u64le(b + 4);
    kdf->memlimit = mpc_get_u64le(b + 12);
    memcpy(salt, b + 20, NODE_STORE_KDF_SALT_BYTES);
    return node_store_kdf_params_check(kdf) == MPC_OK ? MPC_OK : MPC_ERR_CORRUPT;
}

/* Creates the tables, the kdf record and the verifier in one write txn. */
static mpc_status
store_initialise(node_store *s, const char *pass, size_t pass_len,
                 const struct node_store_kdf_params *kdf, const char *path, char *err,
                 size_t err_cap)
{
    uint8_t salt[NODE_STORE_KDF_SALT_BYTES], kdf_rec[STORE_KDF_BYTES];
    mpc_status st = mpc_random_bytes(salt, sizeof(salt));
    if (st == MPC_OK) {
        st = node_store_kdf_derive(s->key, NODE_STORE_SEAL_KEY_BYTES, pass, pass_len, salt, kdf);
    }
    if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "key store %s: key derivation failed: %s", path,
                       mpc_status_str(st));
        return st;
    }
    node_store_kdf_encode(kdf_rec, kdf, salt);
    uint8_t *ver = NULL;
    size_t ver_len = 0;
    st = node_store_value_seal(s->key, "!verifier", (const uint8_t *)STORE_VERIFIER,
                               strlen(STORE_VERIFIER), &ver, &ver_len);
    if (st != MPC_OK) {
        return st;
    }
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
    }
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "records", MDB_CREATE, &s->recs);
    }
    MDB_val k1 = {3, "kdf"}, v1 = {sizeof(kdf_rec), kdf_rec};
    MDB_val k2 = {8, "verifier"}, v2 = {ver_len, ver};
    if (rc == 0) {
        rc = mdb_put(txn, s->meta, &k1, &v1, 0);
    }
    if (rc == 0) {
        rc = mdb_put(txn, s->meta, &k2, &v2, 0);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    free(ver);
    if (rc != 0) {
        mpc_errbuf_set(err, err_cap, "key store %s: cannot initialise: %s", path, mdb_strerror(rc));
        return node_store_lmdb_status(rc, "initialise");
    }
    mpc_log(MPC_LOG_INFO, "store", "created", "path=%s", path);
    return MPC_OK;
}

/* Reads meta from an existing store (read-only txn), derives the key, checks the verifier. */
static mpc_status
store_unlock(node_store *s, MDB_txn *txn, const char *pass, size_t pass_len, const char *path,
             char *err, size_t err_cap)
{
    MDB_val k1 = {3, "kdf"}, v1, k2 = {8, "verifier"}, v2;
    struct node_store_kdf_params kdf;
    uint8_t salt[NODE_STORE_KDF_SALT_BYTES];
    int rc = mdb_dbi_open(txn, "records", 0, &s->recs);
    if (rc == 0) {
        rc = mdb_get(txn, s->meta, &k1, &v1);
    }
    if (rc == 0) {
        rc = mdb_get(txn, s->meta, &k2, &v2);
    }
    if (rc != 0 || decode_kdf(&v1, &kdf, salt) != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "key store %s: meta records missing or malformed", path);
        return MPC_ERR_CORRUPT;
    }
    mpc_status st =
        node_store_kdf_derive(s->key, NODE_STORE_SEAL_KEY_BYTES, pass, pass_len, salt, &kdf);
    if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "key store %s: key derivation failed: %s", path,
                       mpc_status_str(st));
        return st;
    }
    uint8_t *pt = NULL;
    size_t pt_len = 0;
    st = node_store_value_open(s->key, "!verifier", &v2, &pt, &pt_len);
    if (st == MPC_ERR_CORRUPT) {
        mpc_errbuf_set(err, err_cap,
                       "key store %s: wrong passphrase (the store was not modified; check the "
                       "passphrase source)",
                       path);
        return MPC_ERR_BAD_PASSPHRASE;
    }
    if (st != MPC_OK) {
        return st;
    }
    int same = pt_len == strlen(STORE_VERIFIER) && mpc_ct_equal(pt, STORE_VERIFIER, pt_len);
    mpc_secure_free(pt);
    if (!same) {
        mpc_errbuf_set(err, err_cap, "key store %s: verifier record is corrupt", path);
        return MPC_ERR_CORRUPT;
    }
    return MPC_OK;
}

/* Opens the tables; unlocks an existing store or initialises a fresh one. */
static mpc_status
store_attach(node_store *s, const char *path, const char *pass, size_t pass_len,
             const struct node_store_options *opt, char *err, size_t err_cap)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        mpc_errbuf_set(err, err_cap, "key store %s: %s", path, mdb_strerror(rc));
        return node_store_lmdb_status(rc, "begin");
    }
    rc = mdb_dbi_open(txn, "meta", 0, &s->meta);
    if (rc == 0) {
        mpc_status st = store_unlock(s, txn, pass, pass_len, path, err, err_cap);
        if (st != MPC_OK) {
            mdb_txn_abort(txn);
            return st;
        }
        /* Commit (not abort) keeps the table handles opened in this txn. */
        rc = mdb_txn_commit(txn);
        if (rc != 0) {
            mpc_errbuf_set(err, err_cap, "key store %s: %s", path, mdb_strerror(rc));
            return node_store_lmdb_status(rc, "commit");
        }
        return MPC_OK;
    }
    mdb_txn_abort(txn);
    if (rc != MDB_NOTFOUND) {
        mpc_errbuf_set(err, err_cap, "key store %s: %s", path, mdb_strerror(rc));
        return node_store_lmdb_status(rc, "open_meta");
    }
    if ((opt->flags & NODE_STORE_CREATE) == 0) {
        mpc_errbuf_set(err, err_cap,
                       "key store %s: file exists but is not an initialised key store", path);
        return MPC_ERR_CORRUPT;
    }
    return store_initialise(s, pass, pass_len, &opt->kdf, path, err, err_cap);
}

/* Opens "<path>-keyring", the record keys of the erasable records. */
static mpc_status
keyring_attach(node_store *s, char *err, size_t err_cap)
{
    size_t n = strlen(s->path) + sizeof NODE_STORE_KEYRING_SUFFIX;
    char *kp = malloc(n);
    if (kp == NULL) {
        return MPC_ERR_NOMEM;
    }
    snprintf(kp, n, "%s%s", s->path, NODE_STORE_KEYRING_SUFFIX);
    mpc_status st = node_store_keyring_open(kp, &s->keyring);
    if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "key store %s: record keys %s: %s", s->path, kp,
                       mpc_status_str(st));
    }
    free(kp);
    return st;
}

mpc_status
node_store_open(const char *path, const char *pass, size_t pass_len,
                const struct node_store_options *opt, node_store **out, char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (path == NULL || pass == NULL || pass_len == 0 || opt == NULL ||
        ((opt->flags & NODE_STORE_CREATE) && node_store_kdf_params_check(&opt->kdf) != MPC_OK)) {
        mpc_errbuf_set(err, err_cap,
                       "key store: missing path, passphrase or options, or bad kdf limits");
        return MPC_ERR_INVALID_ARG;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 && (opt->flags & NODE_STORE_CREATE) == 0) {
        int e = errno;
        mpc_errbuf_set(err, err_cap, "key store %s: %s", path, strerror(e));
        return e == ENOENT ? MPC_ERR_NOT_FOUND : MPC_ERR_IO;
    }
    node_store *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->key = mpc_secure_alloc(NODE_STORE_SEAL_KEY_BYTES)) == NULL) {
        free(s);
        return MPC_ERR_NOMEM;
    }
    mpc_status st;
    s->map_size = opt->map_size ? opt->map_size : NODE_STORE_MAP_SIZE_DEF;
    s->flock_fd = -1;
    s->path = strdup(path);
    if (s->path == NULL || pthread_rwlock_init(&s->lock, NULL) != 0) {
        mpc_secure_free(s->key);
        free(s->path);
        free(s);
        return MPC_ERR_NOMEM;
    }
    int rc = node_store_env_open(s);
    if (rc != 0) {
        mpc_errbuf_set(err, err_cap, "key store %s: cannot open: %s", path, mdb_strerror(rc));
        st = node_store_lmdb_status(rc, "env_open");
        goto close_store;
    }
    st = store_attach(s, path, pass, pass_len, opt, err, err_cap);
    if (st == MPC_OK) {
        st = node_store_reqlog_attach(s);
    }
    if (st == MPC_OK) {
        st = keyring_attach(s, err, err_cap);
    }
    if (st != MPC_OK) {
        goto close_store;
    }
    *out = s;
    return MPC_OK;
close_store:
    node_store_close(s);
    return st;
}

int
node_store_env_open(node_store *s)
{
    int rc = mdb_env_create(&s->env);
    if (rc != 0) {
        s->env = NULL;
        return rc;
    }
    rc = mdb_env_set_maxdbs(s->env, 3); /* meta, records, reqlog */
    if (rc == 0) {
        rc = mdb_env_set_mapsize(s->env, s->map_size);
    }
    if (rc == 0) {
        rc = mdb_env_open(s->env, s->path, MDB_NOSUBDIR, 0600);
    }
    if (rc != 0) {
        mdb_env_close(s->env);
        s->env = NULL;
    }
    return rc;
}

void
node_store_close(node_store *s)
{
    if (s == NULL) {
        return;
    }
    if (s->env != NULL) {
        mdb_env_close(s->env);
    }
    if (s->flock_fd >= 0) {
        close(s->flock_fd);
    }
    node_store_keyring_close(s->keyring);
    pthread_rwlock_destroy(&s->lock);
    mpc_secure_free(s->key);
    free(s->path);
    free(s);
}

/* Takes the store's lock for reading (see store_internal.h). Returns
 * MPC_ERR_STORE, lock not held, if the environment is gone (a failed reopen). */
mpc_status
node_store_enter(node_store *s)
{
    (void)pthread_rwlock_rdlock(&s->lock);
    if (s->env == NULL) {
        (void)pthread_rwlock_unlock(&s->lock);
        return MPC_ERR_STORE;
    }
    return MPC_OK;
}

void
node_store_leave(node_store *s)
{
    (void)pthread_rwlock_unlock(&s->lock);
}

mpc_status
node_store_sync(node_store *s)
{
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_enter(s);
    if (st == MPC_OK) {
        st = node_store_lmdb_status(mdb_env_sync(s->env, 1), "sync");
        node_store_leave(s);
    }
    return st;
}

/* put/get/delete on an open LMDB txn. */
static mpc_status
txn_put(node_store *s, MDB_txn *txn, const char *name, const uint8_t *data, size_t len)
{
    if (!node_store_name_is_valid(name) || (data == NULL && len > 0) ||
        len > NODE_STORE_VALUE_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *val = NULL;
    size_t val_len = 0;
    mpc_status st = node_store_value_seal(s->key, name, data, len, &val, &val_len);
    if (st != MPC_OK) {
        return st;
    }
    MDB_val k = {strlen(name), (void *)name}, v = {val_len, val};
    st = node_store_note(s, node_store_lmdb_status(mdb_put(txn, s->recs, &k, &v, 0), "put"));
    free(val);
    return st;
}

static mpc_status
txn_get(node_store *s, MDB_txn *txn, const char *name, uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || !node_store_name_is_valid(name)) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_val k = {strlen(name), (void *)name}, v;
    mpc_status st = node_store_lmdb_status(mdb_get(txn, s->recs, &k, &v), "get");
    if (st != MPC_OK) {
        return st;
    }
    st = node_store_value_format(&v) == NODE_STORE_FORMAT_ERASABLE
             ? node_store_erasable_open(s, name, &v, out, out_len)
             : node_store_value_open(s->key, name, &v, out, out_len);
    if (st == MPC_ERR_CORRUPT) {
        mpc_log(MPC_LOG_ERROR, "store", "record_corrupt", "name=%s", name);
    }
    return st;
}

static mpc_status
txn_delete(node_store *s, MDB_txn *txn, const char *name)
{
    if (!node_store_name_is_valid(name)) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_val k = {strlen(name), (void *)name};
    return node_store_lmdb_status(mdb_del(txn, s->recs, &k, NULL), "delete");
}

/* Overwrites the stored value with zeros of its own length, then deletes it.
 * LMDB overwrites a same-size value in place in the transaction's copy of the
 * page, so the page that stays live carries zeros where the value was, not
 * the sealed bytes, in the unused gap a delete leaves (the previous version
 * of the page becomes a free page: node_store_compact drops those). The
 * installed LMDB's compacting copy skips page gaps anyway; the wipe keeps
 * the guarantee for versions or copies that write whole pages. */
static mpc_status
txn_wipe(node_store *s, MDB_txn *txn, const char *name)
{
    if (!node_store_name_is_valid(name)) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_val k = {strlen(name), (void *)name}, v;
    mpc_status st = node_store_lmdb_status(mdb_get(txn, s->recs, &k, &v), "wipe_get");
    if (st != MPC_OK) {
        return st;
    }
    uint8_t *zeros = calloc(1, v.mv_size > 0 ? v.mv_size : 1);
    if (zeros == NULL) {
        return MPC_ERR_NOMEM;
    }
    MDB_val z = {v.mv_size, zeros};
    st = node_store_lmdb_status(mdb_put(txn, s->recs, &k, &z, 0), "wipe_put");
    free(zeros);
    if (st == MPC_OK) {
        st = node_store_lmdb_status(mdb_del(txn, s->recs, &k, NULL), "wipe_delete");
    }
    return st;
}

mpc_status
node_store_txn_begin(node_store *s, node_store_txn **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_txn *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return MPC_ERR_NOMEM;
    }
    t->s = s;
    mpc_status st = node_store_enter(s);
    if (st != MPC_OK) {
        free(t);
        return st;
    }
    st = node_store_lmdb_status(mdb_txn_begin(s->env, NULL, 0, &t->txn), "txn_begin");
    if (st != MPC_OK) {
        node_store_leave(s);
        free(t);
        return st;
    }
    *out = t;
    return MPC_OK;
}

mpc_status
node_store_txn_put(node_store_txn *txn, const char *name, const uint8_t *data, size_t len)
{
    if (txn == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (node_store_name_is_erasable(name)) {
        return node_store_erasable_put(txn, name, data, len);
    }
    return txn_put(txn->s, txn->txn, name, data, len);
}

mpc_status
node_store_txn_get(node_store_txn *txn, const char *name, uint8_t **out, size_t *out_len)
{
    if (txn == NULL) {
        if (out != NULL) {
            *out = NULL;
        }
        return MPC_ERR_INVALID_ARG;
    }
    return txn_get(txn->s, txn->txn, name, out, out_len);
}

mpc_status
node_store_txn_delete(node_store_txn *txn, const char *name)
{
    if (txn == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_erasable_forget(txn, name);
    return st == MPC_OK ? txn_delete(txn->s, txn->txn, name) : st;
}

mpc_status
node_store_txn_wipe(node_store_txn *txn, const char *name)
{
    if (txn == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_erasable_forget(txn, name);
    return st == MPC_OK ? txn_wipe(txn->s, txn->txn, name) : st;
}

mpc_status
node_store_txn_commit(node_store_txn **txn)
{
    if (txn == NULL || *txn == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_txn *t = *txn;
    *txn = NULL;
    mpc_status st = node_store_note(t->s, node_store_lmdb_status(mdb_txn_commit(t->txn), "commit"));
    if (st == MPC_OK) {
        __atomic_add_fetch(&t->s->commits, 1, __ATOMIC_RELAXED);
    }
    node_store_erasable_finish(t, st == MPC_OK);
    node_store_leave(t->s);
    free(t);
    return st;
}

void
node_store_txn_abort(node_store_txn **txn)
{
    if (txn == NULL || *txn == NULL) {
        return;
    }
    mdb_txn_abort((*txn)->txn);
    node_store_erasable_finish(*txn, 0);
    node_store_leave((*txn)->s);
    free(*txn);
    *txn = NULL;
}

mpc_status
node_store_put(node_store *s, const char *name, const uint8_t *data, size_t len)
{
    node_store_txn *t = NULL;
    if (s == NULL || !node_store_name_is_valid(name)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_txn_begin(s, &t);
    if (st != MPC_OK) {
        return st;
    }
    st = node_store_txn_put(t, name, data, len);
    if (st != MPC_OK) {
        node_store_txn_abort(&t);
        return st;
    }
    return node_store_txn_commit(&t);
}

mpc_status
node_store_get(node_store *s, const char *name, uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_txn *txn = NULL;
    mpc_status st = node_store_enter(s);
    if (st != MPC_OK) {
        return st;
    }
    st = node_store_lmdb_status(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), "get_begin");
    if (st == MPC_OK) {
        st = txn_get(s, txn, name, out, out_len);
        mdb_txn_abort(txn);
    }
    node_store_leave(s);
    return st;
}

mpc_status
node_store_delete(node_store *s, const char *name)
{
    node_store_txn *t = NULL;
    if (s == NULL || !node_store_name_is_valid(name)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_txn_begin(s, &t);
    if (st != MPC_OK) {
        return st;
    }
    st = node_store_txn_delete(t, name);
    if (st != MPC_OK) {
        node_store_txn_abort(&t);
        return st;
    }
    return node_store_txn_commit(&t);
}

void
node_store_names_free(char **names, size_t count)
{
    if (names == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        free(names[i]);
    }
    free(names);
}

/* Appends a copy of key to *names. */
static mpc_status
names_append(char ***names, size_t *count, size_t *cap, const MDB_val *key)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **n = realloc(*names, ncap * sizeof(*n));
        if (n == NULL) {
            return MPC_ERR_NOMEM;
        }
        *names = n;
        *cap = ncap;
    }
    char *copy = malloc(key->mv_size + 1);
    if (copy == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(copy, key->mv_data, key->mv_size);
    copy[key->mv_size] = '\0';
    (*names)[(*count)++] = copy;
    return MPC_OK;
}

mpc_status
node_store_list(node_store *s, const char *prefix, char ***names, size_t *count)
{
    if (names != NULL) {
        *names = NULL;
    }
    if (count != NULL) {
        *count = 0;
    }
    if (s == NULL || prefix == NULL || names == NULL || count == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    mpc_status st = node_store_enter(s);
    if (st != MPC_OK) {
        return st;
    }
    st = node_store_lmdb_status(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), "list_begin");
    if (st != MPC_OK) {
        node_store_leave(s);
        return st;
    }
    st = node_store_lmdb_status(mdb_cursor_open(txn, s->recs, &cur), "cursor");
    if (st != MPC_OK) {
        goto abort_txn;
    }
    size_t plen = strlen(prefix), cap = 0;
    MDB_val k = {plen, (void *)prefix}, v;
    int rc = mdb_cursor_get(cur, &k, &v, plen > 0 ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0 && k.mv_size >= plen && memcmp(k.mv_data, prefix, plen) == 0) {
        st = names_append(names, count, &cap, &k);
        if (st != MPC_OK) {
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (st == MPC_OK && rc != 0 && rc != MDB_NOTFOUND) {
        st = node_store_lmdb_status(rc, "cursor_get");
    }
    mdb_cursor_close(cur);
    if (st != MPC_OK) {
        node_store_names_free(*names, *count);
        *names = NULL;
        *count = 0;
    }
abort_txn:
    mdb_txn_abort(txn);
    node_store_leave(s);
    return st;
}

#ifdef MPC_FAULT_INJECTION
void
node_store_fault_set(node_store *s, enum node_store_fault fault)
{
    if (s != NULL) {
        s->fault = (int)fault;
    }
}

int
node_store_fault_take(node_store *s, enum node_store_fault fault)
{
    if (s != NULL && s->fault == (int)fault) {
        s->fault = NODE_STORE_FAULT_NONE;
        return 1;
    }
    return 0;
}
#endif

void
node_store_killpoint(const char *point)
{
#ifdef MPC_FAULT_INJECTION
    const char *want = getenv("MPC_STORE_TEST_KILL_AT");
    if (want != NULL && strcmp(want, point) == 0) {
        mpc_log(MPC_LOG_WARN, "store", "test_kill", "point=%s", point);
        (void)raise(SIGKILL);
    }
#else
    (void)point;
#endif
}

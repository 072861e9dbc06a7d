/*
 * store_rekey.c — node_store_rekey and its recovery (node/store/rekey.h).
 *
 * DESIGN: the re-sealing runs in one LMDB write transaction (records and
 * meta together), so the store file holds either every record under the old
 * key or every record under the new one. Plaintexts pass through secure
 * memory one record at a time; the new key lives in secure memory and is
 * wiped on every path.
 */
#include "node/store/rekey.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/store/backup.h"
#include "node/store/identity.h"
#include "node/store/store.h"
#include "node/store/store_internal.h"

#define REKEY_SUFFIX ".rekey"

static char *
path_with(const char *path, const char *suffix)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        snprintf(p, n, "%s%s", path, suffix);
    }
    return p;
}

static int
sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL) {
        return -1;
    }
    char *slash = strrchr(copy, '/');
    const char *dir = slash == NULL ? "." : (slash == copy ? "/" : copy);
    if (slash != NULL && slash != copy) {
        *slash = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0) {
        return -1;
    }
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Re-seals record name (already in txn) from old_key to new_key. */
static mpc_status
reseal_one(node_store *s, MDB_txn *txn, const char *name, const uint8_t *old_key,
           const uint8_t *new_key)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    uint8_t *pt = NULL, *val = NULL;
    size_t pt_len = 0, val_len = 0;
    mpc_status st = node_store_lmdb_status(mdb_get(txn, s->recs, &k, &v), "rekey_get");
    if (st == MPC_OK) {
        st = node_store_value_open(old_key, name, &v, &pt, &pt_len);
    }
    if (st == MPC_OK) {
        /* an erasable record keeps its format: only its outer layer is re-sealed */
        st = node_store_value_seal_fmt(new_key, node_store_value_format(&v), name, pt, pt_len, &val,
                                       &val_len);
    }
    mpc_secure_free(pt);
    if (st == MPC_OK) {
        MDB_val nv = {val_len, val};
        st = node_store_lmdb_status(mdb_put(txn, s->recs, &k, &nv, 0), "rekey_put");
    }
    free(val);
    return st;
}

/* Writes the meta records (kdf, verifier) of new_key into txn. */
static mpc_status
rekey_meta(node_store *s, MDB_txn *txn, const uint8_t *new_key,
           const struct node_store_kdf_params *kdf, const uint8_t *salt)
{
    uint8_t rec[NODE_STORE_KDF_REC_BYTES];
    uint8_t *ver = NULL;
    size_t ver_len = 0;
    node_store_kdf_encode(rec, kdf, salt);
    mpc_status st =
        node_store_value_seal(new_key, "!verifier", (const uint8_t *)NODE_STORE_VERIFIER,
                              strlen(NODE_STORE_VERIFIER), &ver, &ver_len);
    MDB_val k1 = {3, "kdf"}, v1 = {sizeof rec, rec}, k2 = {8, "verifier"}, v2 = {ver_len, ver};
    if (st == MPC_OK) {
        st = node_store_lmdb_status(mdb_put(txn, s->meta, &k1, &v1, 0), "rekey_kdf");
    }
    if (st == MPC_OK) {
        st = node_store_lmdb_status(mdb_put(txn, s->meta, &k2, &v2, 0), "rekey_verifier");
    }
    free(ver);
    return st;
}

/* Step 2: every record and the meta under the key of new_pass, one transaction. */
static mpc_status
rekey_store(node_store *s, const char *new_pass, size_t new_len,
            const struct node_store_kdf_params *kdf, size_t *records)
{
    char **names = NULL;
    size_t n = 0;
    uint8_t salt[NODE_STORE_KDF_SALT_BYTES];
    uint8_t *new_key = mpc_secure_alloc(NODE_STORE_SEAL_KEY_BYTES);
    node_store_txn *t = NULL;
    mpc_status st = new_key != NULL ? mpc_random_bytes(salt, sizeof salt) : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        st =
            node_store_kdf_derive(new_key, NODE_STORE_SEAL_KEY_BYTES, new_pass, new_len, salt, kdf);
    }
    if (st == MPC_OK) {
        st = node_store_list(s, "", &names, &n);
    }
    if (st == MPC_OK) {
        st = node_store_txn_begin(s, &t);
    }
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        st = reseal_one(s, t->txn, names[i], s->key, new_key);
    }
    if (st == MPC_OK) {
        st = rekey_meta(s, t->txn, new_key, kdf, salt);
    }
    if (st == MPC_OK) {
        node_store_killpoint("rekey_before_commit");
        st = node_store_txn_commit(&t);
    }
    node_store_txn_abort(&t);
    if (st == MPC_OK) {
        memcpy(s->key, new_key, NODE_STORE_SEAL_KEY_BYTES); /* single-threaded tool */
        *records = n;
    }
    node_store_names_free(names, n);
    mpc_secure_free(new_key);
    return st;
}

/* Opens identity and store with old_pass and checks they belong together. */
static mpc_status
rekey_open(const char *store_path, const char *id_path, const char *pass, size_t len,
           uint64_t map_size, node_store_identity **id, node_store **s, char *err, size_t cap)
{
    struct node_store_options opt = {.map_size = map_size};
    mpc_status st = node_store_identity_load(id_path, pass, len, id, err, cap);
    if (st == MPC_OK) {
        st = node_store_open(store_path, pass, len, &opt, s, err, cap);
    }
    uint8_t *rec = NULL;
    size_t rl = 0;
    if (st == MPC_OK) {
        mpc_status g = node_store_get(*s, "identity", &rec, &rl);
        if (g == MPC_OK && (rl != NODE_STORE_IDENTITY_PK_BYTES ||
                            memcmp(rec, node_store_identity_public_key(*id), rl) != 0)) {
            mpc_errbuf_set(err, cap, "store %s belongs to another identity than %s", store_path,
                           id_path);
            st = MPC_ERR_CONFIG;
        } else if (g != MPC_OK && g != MPC_ERR_NOT_FOUND) {
            st = g;
        }
    }
    mpc_secure_free(rec);
    return st;
}

mpc_status
node_store_rekey(const char *store_path, const char *id_path, const char *old_pass, size_t old_len,
                 const char *new_pass, size_t new_len, const struct node_store_kdf_params *kdf,
                 uint64_t map_size, size_t *records, char *err, size_t err_cap)
{
    size_t nrec = 0;
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (records != NULL) {
        *records = 0;
    }
    if (store_path == NULL || id_path == NULL || old_pass == NULL || new_pass == NULL ||
        old_len == 0 || new_len == 0 || node_store_kdf_params_check(kdf) != MPC_OK ||
        (old_len == new_len && memcmp(old_pass, new_pass, old_len) == 0)) {
        mpc_errbuf_set(err, err_cap, "rekey: missing or equal passphrases, or bad kdf limits");
        return MPC_ERR_INVALID_ARG;
    }
    if (node_store_in_use(store_path)) {
        mpc_errbuf_set(err, err_cap, "store %s is open in another process: stop the node first",
                       store_path);
        return MPC_ERR_STORE_IN_USE;
    }
    node_store_identity *id = NULL;
    node_store *s = NULL;
    char *tmp = path_with(id_path, REKEY_SUFFIX);
    mpc_status st = tmp == NULL ? MPC_ERR_NOMEM
                                : rekey_open(store_path, id_path, old_pass, old_len, map_size, &id,
                                             &s, err, err_cap);
    if (st == MPC_OK) {
        (void)unlink(tmp); /* left by a rekey that died before its commit */
        st = node_store_identity_save(id, tmp, new_pass, new_len, kdf, err, err_cap);
    }
    if (st == MPC_OK) {
        node_store_killpoint("rekey_identity_saved");
        st = rekey_store(s, new_pass, new_len, kdf, &nrec);
        if (st != MPC_OK) {
            (void)unlink(tmp);
            mpc_errbuf_set(err, err_cap, "store %s: re-sealing failed, nothing changed: %s",
                           store_path, mpc_status_str(st));
        }
    }
    if (st == MPC_OK) {
        node_store_killpoint("rekey_after_commit");
        if (rename(tmp, id_path) != 0 || sync_dir_of(id_path) != 0) {
            st = MPC_ERR_IO; /* the next start with the new passphrase completes it */
            mpc_errbuf_set(err, err_cap, "%s: %s (start the node with the new passphrase)", id_path,
                           strerror(errno));
        }
    }
    if (st == MPC_OK) {
        node_store_killpoint("rekey_identity_renamed");
        if (node_store_compact(s) != MPC_OK) {
            mpc_log(MPC_LOG_WARN, "store", "rekey_compact_failed", "path=%s", store_path);
        }
        if (records != NULL) {
            *records = nrec;
        }
    }
    mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_WARN, "store", "rekey",
            "path=%s records=%zu status=%s", store_path, nrec, mpc_status_name(st));
    node_store_close(s);
    node_store_identity_destroy(id);
    free(tmp);
    return st;
}

mpc_status
node_store_rekey_recover(const char *id_path, const char *store_path, const char *pass,
                         size_t pass_len, uint64_t map_size)
{
    if (id_path == NULL || store_path == NULL || pass == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    char *tmp = path_with(id_path, REKEY_SUFFIX);
    if (tmp == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (access(tmp, F_OK) != 0) {
        free(tmp);
        return MPC_ERR_NOT_FOUND;
    }
    node_store_identity *id = NULL;
    node_store *s = NULL;
    char err[256];
    mpc_status st = rekey_open(store_path, tmp, pass, pass_len, map_size, &id, &s, err, sizeof err);
    node_store_close(s);
    node_store_identity_destroy(id);
    if (st == MPC_OK && (rename(tmp, id_path) != 0 || sync_dir_of(id_path) != 0)) {
        st = MPC_ERR_IO;
    }
    mpc_log(st == MPC_OK ? MPC_LOG_WARN : MPC_LOG_ERROR, "store", "rekey_recovered",
            "identity=%s status=%s", id_path, mpc_status_name(st));
    free(tmp);
    return st;
}

void
node_store_rekey_cleanup(const char *id_path)
{
    char *tmp = id_path != NULL ? path_with(id_path, REKEY_SUFFIX) : NULL;
    if (tmp != NULL && unlink(tmp) == 0) {
        mpc_log(MPC_LOG_INFO, "store", "rekey_stale_removed", "identity=%s", id_path);
    }
    free(tmp);
}

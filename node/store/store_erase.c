/*
 * store_erase.c — erasable records (store_internal.h): a share is sealed
 * under its own record key from the keyring (node/store/keyring.h) inside
 * the usual seal under the store key, so deleting it costs one slot
 * overwrite instead of a rewrite of the whole store file.
 *
 * DESIGN: a format-2 value is u8 2 || nonce || seal_storekey(slot u32be ||
 * key id (16) || seal_recordkey(record)), the outer AD as every record's
 * (format byte 2), the inner AD "mpc-node/record-key/v1\0" || key id ||
 * name. Order of durable writes: a new key is written and fdatasync'ed
 * before the LMDB commit that names it; a deleted record's key is zeroed
 * (and synced) after the commit that deletes it. A crash between leaves a
 * key no record names: node_store_erasable_sweep zeroes it at the node's
 * start. A record rewritten in place keeps its key, so every old copy of it
 * in LMDB free pages dies with that key too. Legacy (format 1) shares, from
 * stores written before this format, still open; deleting one marks the
 * store for compaction (node_store_compact_if_due), the old way.
 */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/store/seal.h"
#include "node/store/store.h"
#include "node/store/store_internal.h"

#define ERASE_PREFIX   "share/"
#define ERASE_AD_TAG   "mpc-node/record-key/v1" /* followed by its NUL */
#define ERASE_REF      (4u + NODE_STORE_KEYRING_ID_BYTES)
#define ERASE_AD_MAX   (sizeof(ERASE_AD_TAG) + NODE_STORE_KEYRING_ID_BYTES + NODE_STORE_NAME_MAX)
#define ERASE_DATA_MAX (NODE_STORE_VALUE_MAX - ERASE_REF - NODE_STORE_SEAL_OVERHEAD)

int
node_store_name_is_erasable(const char *name)
{
    return name != NULL && strncmp(name, ERASE_PREFIX, sizeof ERASE_PREFIX - 1) == 0;
}

static size_t
inner_ad(uint8_t *ad, const uint8_t *id, const char *name)
{
    size_t tag = sizeof(ERASE_AD_TAG), n = strlen(name);
    memcpy(ad, ERASE_AD_TAG, tag);
    memcpy(ad + tag, id, NODE_STORE_KEYRING_ID_BYTES);
    memcpy(ad + tag + NODE_STORE_KEYRING_ID_BYTES, name, n);
    return tag + NODE_STORE_KEYRING_ID_BYTES + n;
}

/* Opens the outer layer of format-2 value v. Out: *ref; *pt (secure memory,
 * caller frees), *pt_len >= ERASE_REF. */
static mpc_status
outer_open(node_store *s, const char *name, const MDB_val *v, struct node_store_key_ref *ref,
           uint8_t **pt, size_t *pt_len)
{
    mpc_status st = node_store_value_open(s->key, name, v, pt, pt_len);
    if (st == MPC_OK && *pt_len < ERASE_REF + NODE_STORE_SEAL_OVERHEAD) {
        mpc_secure_free(*pt);
        *pt = NULL;
        st = MPC_ERR_CORRUPT;
    }
    if (st == MPC_OK) {
        ref->slot = mpc_get_u32be(*pt);
        memcpy(ref->id, *pt + 4, NODE_STORE_KEYRING_ID_BYTES);
    }
    return st;
}

/* The current value of name in txn. Out: *fmt (0 if absent), *ref (format 2). */
static mpc_status
current_ref(node_store_txn *t, const char *name, uint8_t *fmt, struct node_store_key_ref *ref)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    *fmt = 0;
    mpc_status st = node_store_lmdb_status(mdb_get(t->txn, t->s->recs, &k, &v), "erase_get");
    if (st == MPC_ERR_NOT_FOUND) {
        return MPC_OK;
    }
    if (st != MPC_OK) {
        return st;
    }
    *fmt = node_store_value_format(&v);
    if (*fmt != NODE_STORE_FORMAT_ERASABLE) {
        return MPC_OK;
    }
    uint8_t *pt = NULL;
    size_t pt_len = 0;
    st = outer_open(t->s, name, &v, ref, &pt, &pt_len);
    mpc_secure_free(pt);
    return st;
}

static mpc_status
ref_push(struct node_store_key_ref **arr, size_t *n, const struct node_store_key_ref *r)
{
    struct node_store_key_ref *a = realloc(*arr, (*n + 1) * sizeof *a);
    if (a == NULL) {
        return MPC_ERR_NOMEM;
    }
    a[*n] = *r;
    *arr = a;
    (*n)++;
    return MPC_OK;
}

/* The record key for name in txn: the one it has, or a fresh one. Out: *ref, key. */
static mpc_status
record_key(node_store_txn *t, const char *name, struct node_store_key_ref *ref, uint8_t *key)
{
    uint8_t fmt = 0;
    mpc_status st = current_ref(t, name, &fmt, ref);
    if (st == MPC_OK && fmt == NODE_STORE_FORMAT_ERASABLE) {
        return node_store_keyring_get(t->s->keyring, ref->slot, ref->id, key);
    }
    if (st != MPC_OK) {
        return st;
    }
    t->legacy_gone |= fmt != 0; /* a legacy copy is replaced: its bytes stay in free pages */
    st = node_store_keyring_add(t->s->keyring, &ref->slot, ref->id, key);
    if (st == MPC_OK && ref_push(&t->added, &t->n_added, ref) != MPC_OK) {
        mpc_status e = node_store_keyring_erase(t->s->keyring, ref->slot, ref->id);
        (void)e; /* a failure leaves the key to the sweep at the next start */
        sodium_memzero(key, NODE_STORE_KEYRING_KEY_BYTES);
        st = MPC_ERR_NOMEM;
    }
    if (st == MPC_OK) {
        node_store_killpoint("erase_key_added");
    }
    return st;
}

/* Builds slot || id || seal_key(data) into a malloc'ed *out. */
static mpc_status
inner_seal(const char *name, const struct node_store_key_ref *ref, const uint8_t *key,
           const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
    size_t cap = ERASE_REF + len + NODE_STORE_SEAL_OVERHEAD, blob = 0;
    uint8_t *buf = malloc(cap), ad[ERASE_AD_MAX];
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_put_u32be(buf, ref->slot);
    memcpy(buf + 4, ref->id, NODE_STORE_KEYRING_ID_BYTES);
    mpc_status st = node_store_seal(buf + ERASE_REF, cap - ERASE_REF, &blob, key, ad,
                                    inner_ad(ad, ref->id, name), data, len);
    if (st != MPC_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = ERASE_REF + blob;
    return MPC_OK;
}

mpc_status
node_store_erasable_put(node_store_txn *t, const char *name, const uint8_t *data, size_t len)
{
    if (t == NULL || !node_store_name_is_valid(name) || (data == NULL && len > 0) ||
        len > ERASE_DATA_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    struct node_store_key_ref ref;
    uint8_t *key = mpc_secure_alloc(NODE_STORE_KEYRING_KEY_BYTES);
    uint8_t *pt = NULL, *val = NULL;
    size_t pt_len = 0, val_len = 0;
    mpc_status st = key != NULL ? record_key(t, name, &ref, key) : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        st = inner_seal(name, &ref, key, data, len, &pt, &pt_len);
    }
    mpc_secure_free(key);
    if (st == MPC_OK) {
        st = node_store_value_seal_fmt(t->s->key, NODE_STORE_FORMAT_ERASABLE, name, pt, pt_len,
                                       &val, &val_len);
    }
    free(pt);
    if (st == MPC_OK) {
        MDB_val k = {strlen(name), (void *)name}, v = {val_len, val};
        st = node_store_note(
            t->s, node_store_lmdb_status(mdb_put(t->txn, t->s->recs, &k, &v, 0), "erasable_put"));
    }
    free(val);
    return st;
}

mpc_status
node_store_erasable_open(node_store *s, const char *name, const MDB_val *v, uint8_t **out,
                         size_t *out_len)
{
    struct node_store_key_ref ref;
    uint8_t *pt = NULL, ad[ERASE_AD_MAX];
    size_t pt_len = 0;
    mpc_status st = outer_open(s, name, v, &ref, &pt, &pt_len);
    if (st != MPC_OK) {
        return st;
    }
    size_t cap = pt_len - ERASE_REF - NODE_STORE_SEAL_OVERHEAD;
    uint8_t *key = mpc_secure_alloc(NODE_STORE_KEYRING_KEY_BYTES);
    uint8_t *buf = mpc_secure_alloc(cap > 0 ? cap : 1);
    st = key != NULL && buf != NULL ? node_store_keyring_get(s->keyring, ref.slot, ref.id, key)
                                    : MPC_ERR_NOMEM;
    if (st == MPC_OK &&
        node_store_unseal(buf, cap > 0 ? cap : 1, out_len, key, ad, inner_ad(ad, ref.id, name),
                          pt + ERASE_REF, pt_len - ERASE_REF) != MPC_OK) {
        st = MPC_ERR_CORRUPT;
    }
    mpc_secure_free(key);
    mpc_secure_free(pt);
    if (st != MPC_OK) {
        mpc_secure_free(buf);
        *out_len = 0;
        mpc_log(MPC_LOG_ERROR, "store", "record_unreadable", "name=%s status=%s", name,
                mpc_status_name(st));
        return st;
    }
    *out = buf;
    return MPC_OK;
}

mpc_status
node_store_erasable_forget(node_store_txn *t, const char *name)
{
    if (!node_store_name_is_erasable(name) || !node_store_name_is_valid(name)) {
        return MPC_OK;
    }
    uint8_t fmt = 0;
    struct node_store_key_ref ref;
    mpc_status st = current_ref(t, name, &fmt, &ref);
    if (st == MPC_ERR_CORRUPT) {
        t->legacy_gone = 1; /* its key cannot be named: compact, to be sure */
        return MPC_OK;
    }
    if (st == MPC_OK && fmt == NODE_STORE_FORMAT_ERASABLE) {
        st = ref_push(&t->gone, &t->n_gone, &ref);
    } else if (st == MPC_OK && fmt != 0) {
        t->legacy_gone = 1;
    }
    return st;
}

/* Zeroes the keys of refs[0..n) and syncs; a failure leaves them to the sweep. */
static void
erase_refs(node_store *s, const struct node_store_key_ref *refs, size_t n, const char *why)
{
    mpc_status st = MPC_OK;
    for (size_t i = 0; i < n; i++) {
        mpc_status e = node_store_keyring_erase(s->keyring, refs[i].slot, refs[i].id);
        st = st == MPC_OK ? e : st;
    }
    if (n > 0) {
        mpc_status e = node_store_keyring_sync(s->keyring);
        st = st == MPC_OK ? e : st;
    }
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "store", "record_key_erase_failed", "why=%s count=%zu status=%s",
                why, n, mpc_status_name(st));
    }
}

void
node_store_erasable_finish(node_store_txn *t, int committed)
{
    if (committed) {
        if (t->n_gone > 0) {
            node_store_killpoint("erase_before_erase");
        }
        erase_refs(t->s, t->gone, t->n_gone, "deleted");
        if (t->legacy_gone) {
            __atomic_store_n(&t->s->compact_due, 1, __ATOMIC_RELEASE);
        }
    } else {
        erase_refs(t->s, t->added, t->n_added, "aborted");
    }
    free(t->added);
    free(t->gone);
    t->added = t->gone = NULL;
    t->n_added = t->n_gone = 0;
}

mpc_status
node_store_compact_if_due(node_store *s)
{
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (!__atomic_exchange_n(&s->compact_due, 0, __ATOMIC_ACQ_REL)) {
        return MPC_OK;
    }
    mpc_status st = node_store_compact(s);
    if (st != MPC_OK) {
        __atomic_store_n(&s->compact_due, 1, __ATOMIC_RELEASE);
    }
    return st;
}

/* The keys named by the records, sorted by slot (node_store_erasable_sweep). */
struct sweep_set {
    struct node_store_key_ref *refs; /* malloc'ed */
    size_t n;                        /* entries */
};

static int
ref_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct node_store_key_ref *)a)->slot;
    uint32_t y = ((const struct node_store_key_ref *)b)->slot;
    return x < y ? -1 : x > y;
}

static int
sweep_in_use(void *ctx, uint32_t slot, const uint8_t *id)
{
    const struct sweep_set *set = ctx;
    struct node_store_key_ref want = {.slot = slot};
    if (set->n == 0) {
        return 0;
    }
    const struct node_store_key_ref *r = bsearch(&want, set->refs, set->n, sizeof want, ref_cmp);
    /* two records naming one slot is corruption; keep the slot for both */
    for (; r != NULL && r > set->refs && r[-1].slot == slot; r--) {
    }
    for (; r != NULL && r < set->refs + set->n && r->slot == slot; r++) {
        if (memcmp(r->id, id, NODE_STORE_KEYRING_ID_BYTES) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Collects the key refs of every format-2 record under ERASE_PREFIX. */
static mpc_status
sweep_collect(node_store *s, MDB_txn *txn, struct sweep_set *set)
{
    MDB_cursor *cur = NULL;
    mpc_status st = node_store_lmdb_status(mdb_cursor_open(txn, s->recs, &cur), "sweep_cursor");
    MDB_val k = {sizeof ERASE_PREFIX - 1, (void *)ERASE_PREFIX}, v;
    int rc = st == MPC_OK ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) : MDB_NOTFOUND;
    char name[NODE_STORE_NAME_MAX + 1];
    while (st == MPC_OK && rc == 0 && k.mv_size >= sizeof ERASE_PREFIX - 1 &&
           k.mv_size <= NODE_STORE_NAME_MAX &&
           memcmp(k.mv_data, ERASE_PREFIX, sizeof ERASE_PREFIX - 1) == 0) {
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = '\0';
        struct node_store_key_ref ref;
        uint8_t *pt = NULL;
        size_t pt_len = 0;
        if (node_store_value_format(&v) == NODE_STORE_FORMAT_ERASABLE &&
            outer_open(s, name, &v, &ref, &pt, &pt_len) == MPC_OK) {
            st = ref_push(&set->refs, &set->n, &ref);
        }
        mpc_secure_free(pt);
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (st == MPC_OK && rc != 0 && rc != MDB_NOTFOUND) {
        st = node_store_lmdb_status(rc, "sweep_next");
    }
    mdb_cursor_close(cur);
    return st;
}

mpc_status
node_store_erasable_sweep(node_store *s, size_t *erased)
{
    if (erased != NULL) {
        *erased = 0;
    }
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    struct sweep_set set = {0};
    MDB_txn *txn = NULL;
    mpc_status st = node_store_enter(s);
    if (st != MPC_OK) {
        return st;
    }
    st = node_store_lmdb_status(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), "sweep_begin");
    if (st == MPC_OK) {
        st = sweep_collect(s, txn, &set);
        mdb_txn_abort(txn);
    }
    node_store_leave(s);
    if (st == MPC_OK) {
        if (set.n > 1) {
            qsort(set.refs, set.n, sizeof *set.refs, ref_cmp);
        }
        st = node_store_keyring_sweep(s->keyring, sweep_in_use, &set, erased);
    }
    free(set.refs);
    return st;
}

/* Rewrites one format-2 record of snap as format 1, its key read from live. */
static mpc_status
export_one(node_store *live, node_store_txn *t, const char *name)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    mpc_status st = node_store_lmdb_status(mdb_get(t->txn, t->s->recs, &k, &v), "export_get");
    if (st != MPC_OK || node_store_value_format(&v) != NODE_STORE_FORMAT_ERASABLE) {
        return st;
    }
    uint8_t *pt = NULL, *val = NULL;
    size_t pt_len = 0, val_len = 0;
    st = node_store_erasable_open(live, name, &v, &pt, &pt_len);
    if (st == MPC_OK) {
        st = node_store_value_seal(t->s->key, name, pt, pt_len, &val, &val_len);
    }
    mpc_secure_free(pt);
    if (st == MPC_OK) {
        MDB_val nv = {val_len, val};
        st = node_store_note(
            t->s, node_store_lmdb_status(mdb_put(t->txn, t->s->recs, &k, &nv, 0), "export_put"));
    }
    free(val);
    return st;
}

mpc_status
node_store_erasable_export(node_store *live, node_store *snap)
{
    if (live == NULL || snap == NULL ||
        sodium_memcmp(live->key, snap->key, NODE_STORE_SEAL_KEY_BYTES) != 0) {
        return MPC_ERR_INVALID_ARG;
    }
    char **names = NULL;
    size_t n = 0;
    node_store_txn *t = NULL;
    mpc_status st = node_store_list(snap, ERASE_PREFIX, &names, &n);
    if (st == MPC_OK) {
        st = node_store_txn_begin(snap, &t);
    }
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        st = export_one(live, t, names[i]);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&t);
    }
    node_store_txn_abort(&t);
    node_store_names_free(names, n);
    return st;
}

mpc_status
node_store_erasable_migrate(node_store *s, size_t *migrated)
{
    if (migrated != NULL) {
        *migrated = 0;
    }
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    char **names = NULL;
    size_t n = 0, count = 0;
    node_store_txn *t = NULL;
    mpc_status st = node_store_list(s, ERASE_PREFIX, &names, &n);
    if (st == MPC_OK && n > 0) {
        st = node_store_txn_begin(s, &t);
    }
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        MDB_val k = {strlen(names[i]), names[i]}, v;
        st = node_store_lmdb_status(mdb_get(t->txn, s->recs, &k, &v), "migrate_get");
        if (st != MPC_OK || node_store_value_format(&v) != NODE_STORE_FORMAT_SEALED) {
            continue;
        }
        uint8_t *pt = NULL;
        size_t len = 0;
        st = node_store_txn_get(t, names[i], &pt, &len);
        if (st == MPC_OK) {
            st = node_store_erasable_put(t, names[i], pt, len); /* marks compaction due */
            count++;
        }
        mpc_secure_free(pt);
    }
    if (st == MPC_OK && t != NULL) {
        st = node_store_txn_commit(&t);
    }
    node_store_txn_abort(&t);
    node_store_names_free(names, n);
    if (migrated != NULL && st == MPC_OK) {
        *migrated = count;
    }
    return st;
}

/*
 * keys.c — the key-version state machine (node/store/keys.h): keyinfo and
 * shares change together, each step in one store transaction.
 *
 * DESIGN: every step reads the keyinfo inside its own write transaction
 * (LMDB serialises writers), so a step decides on the state it writes over;
 * nothing is read before the transaction and trusted after it. Deleted shares
 * are wiped (node_store_txn_wipe) and, after the commit, their record keys
 * zeroed (store_erase.c), so their sealed bytes in free pages no longer open;
 * a share of the older format makes the store compact (compact_if_due).
 */
#include "node/store/keys.h"
#include "node/store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"

/* Reads and decodes keyinfo/<type>/<wallet> inside txn (store_internal.h). */
mpc_status
node_store_keyinfo_txn_get(node_store_txn *txn, int key_type, const char *wallet,
                           struct node_store_keyinfo *ki)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = node_store_name_keyinfo(name, sizeof name, key_type, wallet);
    if (st == MPC_OK) {
        st = node_store_txn_get(txn, name, &buf, &len);
    }
    if (st == MPC_OK) {
        st = node_store_keyinfo_decode(ki, buf, len);
    }
    if (st == MPC_OK && ki->key_type != key_type) {
        st = MPC_ERR_CORRUPT;
    }
    mpc_secure_free(buf);
    return st;
}

/* Encodes and writes keyinfo/<type>/<wallet> inside txn (store_internal.h). */
mpc_status
node_store_keyinfo_txn_put(node_store_txn *txn, const char *wallet,
                           const struct node_store_keyinfo *ki)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t buf[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    mpc_status st = node_store_name_keyinfo(name, sizeof name, ki->key_type, wallet);
    if (st == MPC_OK) {
        st = node_store_keyinfo_encode(buf, sizeof buf, &len, ki);
    }
    if (st == MPC_OK) {
        st = node_store_txn_put(txn, name, buf, len);
    }
    return st;
}

static mpc_status
txn_share_put(node_store_txn *txn, int key_type, const char *wallet, uint32_t v,
              const uint8_t *share, size_t len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_share(name, sizeof name, key_type, wallet, v);
    return st == MPC_OK ? node_store_txn_put(txn, name, share, len) : st;
}

/* Wipes and deletes share v (node_store_txn_wipe). Out: *deleted += 1 if it
 * existed; an absent share is fine (already deleted). */
static mpc_status
txn_share_delete(node_store_txn *txn, int key_type, const char *wallet, uint32_t v,
                 unsigned *deleted)
{
    char name[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_share(name, sizeof name, key_type, wallet, v);
    if (st == MPC_OK) {
        st = node_store_txn_wipe(txn, name);
    }
    *deleted += st == MPC_OK;
    return st == MPC_ERR_NOT_FOUND ? MPC_OK : st;
}

/* Fills a version entry; MPC_ERR_INVALID_ARG if the committee does not fit. */
static mpc_status
version_fill(struct node_store_keyinfo_version *v, uint32_t num, uint8_t state,
             const struct node_store_committee *c)
{
    memset(v, 0, sizeof *v);
    if (c == NULL || c->ids == NULL || c->n == 0 || c->n > NODE_STORE_KEYINFO_MAX_PARTIES ||
        c->threshold > UINT16_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    v->version = num;
    v->state = state;
    v->threshold = (uint16_t)c->threshold;
    v->n_participants = (uint16_t)c->n;
    for (size_t i = 0; i < c->n; i++) {
        if (c->ids[i] == NULL || strlen(c->ids[i]) > NODE_ID_MAX) {
            return MPC_ERR_INVALID_ARG;
        }
        snprintf(v->participants[i], sizeof v->participants[i], "%s", c->ids[i]);
    }
    return MPC_OK;
}

/* Begins a write txn and reads the key's keyinfo in it. Out: *txn, *ki
 * (malloc'ed; the caller frees it even on failure, and finishes *txn). */
static mpc_status
txn_begin_keyinfo(node_store *s, int key_type, const char *wallet, node_store_txn **txn,
                  struct node_store_keyinfo **ki)
{
    *ki = calloc(1, sizeof **ki);
    if (*ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = node_store_txn_begin(s, txn);
    return st == MPC_OK ? node_store_keyinfo_txn_get(*txn, key_type, wallet, *ki) : st;
}

/* Commits txn when st is MPC_OK, else aborts it. Returns the final status. */
static mpc_status
txn_finish(node_store_txn **txn, mpc_status st)
{
    if (st == MPC_OK) {
        return node_store_txn_commit(txn);
    }
    node_store_txn_abort(txn);
    return st;
}

mpc_status
node_store_keys_create(node_store *s, int key_type, const char *wallet, const uint8_t *pk,
                       size_t pk_len, uint32_t version, const struct node_store_committee *c,
                       const uint8_t *share, size_t share_len)
{
    if (s == NULL || pk == NULL || pk_len == 0 || pk_len > NODE_STORE_KEYINFO_PK_MAX ||
        share == NULL || share_len == 0 || version == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    ki->key_type = (uint8_t)key_type;
    ki->public_key_len = (uint8_t)pk_len;
    memcpy(ki->public_key, pk, pk_len);
    ki->active_version = version;
    ki->n_versions = 1;
    mpc_status st = version_fill(&ki->versions[0], version, NODE_STORE_KEY_VERSION_ACTIVE, c);
    if (st == MPC_OK) {
        st = node_store_keyinfo_validate(ki);
    }
    node_store_txn *txn = NULL;
    if (st == MPC_OK) {
        st = node_store_txn_begin(s, &txn);
    }
    if (st == MPC_OK) {
        struct node_store_keyinfo *old = calloc(1, sizeof *old);
        mpc_status g =
            old == NULL ? MPC_ERR_NOMEM : node_store_keyinfo_txn_get(txn, key_type, wallet, old);
        free(old);
        st = g == MPC_ERR_NOT_FOUND ? MPC_OK : g == MPC_OK ? MPC_ERR_EXISTS : g;
    }
    if (st == MPC_OK) {
        st = txn_share_put(txn, key_type, wallet, version, share, share_len);
    }
#ifdef MPC_FAULT_INJECTION
    if (st == MPC_OK && node_store_fault_take(s, NODE_STORE_FAULT_AFTER_SHARE_PUT)) {
        st = MPC_ERR_IO;
    }
#endif
    if (st == MPC_OK) {
        st = node_store_keyinfo_txn_put(txn, wallet, ki);
    }
    free(ki);
    return txn_finish(&txn, st);
}

/* Drops the oldest RETIRED version (and its share) when the table is full. */
static mpc_status
txn_make_room(node_store_txn *txn, struct node_store_keyinfo *ki, const char *wallet)
{
    if (ki->n_versions < NODE_STORE_KEYINFO_MAX_VERSIONS) {
        return MPC_OK;
    }
    size_t victim = ki->n_versions;
    for (size_t i = 0; i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_RETIRED &&
            (victim == ki->n_versions || ki->versions[i].version < ki->versions[victim].version)) {
            victim = i;
        }
    }
    if (victim == ki->n_versions) {
        return MPC_ERR_STORE; /* every slot holds an ACTIVE or PENDING version */
    }
    unsigned deleted = 0; /* retired shares are gone already (activate) */
    mpc_status st =
        txn_share_delete(txn, ki->key_type, wallet, ki->versions[victim].version, &deleted);
    memmove(&ki->versions[victim], &ki->versions[victim + 1],
            (ki->n_versions - victim - 1) * sizeof ki->versions[0]);
    ki->n_versions--;
    return st;
}

/* Appends the PENDING version to ki (read in txn) and writes share + keyinfo. */
static mpc_status
txn_add_pending(node_store_txn *txn, struct node_store_keyinfo *ki, const char *wallet,
                uint32_t seen_active, const struct node_store_committee *c, const uint8_t *share,
                size_t share_len, uint32_t *version)
{
    uint32_t top = 0;
    for (size_t i = 0; i < ki->n_versions; i++) {
        top = ki->versions[i].version > top ? ki->versions[i].version : top;
    }
    if (top < seen_active || top == UINT32_MAX) {
        return MPC_ERR_STORE; /* keyinfo went backwards since the reshare started */
    }
    mpc_status st = txn_make_room(txn, ki, wallet);
    if (st == MPC_OK) {
        st =
            version_fill(&ki->versions[ki->n_versions], top + 1, NODE_STORE_KEY_VERSION_PENDING, c);
    }
    if (st == MPC_OK) {
        ki->n_versions++;
        st = node_store_keyinfo_validate(ki);
    }
    if (st == MPC_OK) {
        st = txn_share_put(txn, ki->key_type, wallet, top + 1, share, share_len);
    }
    if (st == MPC_OK) {
        st = node_store_keyinfo_txn_put(txn, wallet, ki);
    }
    if (st == MPC_OK) {
        *version = top + 1;
    }
    return st;
}

mpc_status
node_store_keys_add_pending(node_store *s, int key_type, const char *wallet, uint32_t seen_active,
                            const struct node_store_committee *c, const uint8_t *share,
                            size_t share_len, uint32_t *version)
{
    if (version != NULL) {
        *version = 0;
    }
    if (s == NULL || share == NULL || share_len == 0 || version == NULL || c == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_txn *txn = NULL;
    struct node_store_keyinfo *ki = NULL;
    mpc_status st = txn_begin_keyinfo(s, key_type, wallet, &txn, &ki);
    if (st == MPC_OK) {
        st = txn_add_pending(txn, ki, wallet, seen_active, c, share, share_len, version);
    }
    free(ki);
    st = txn_finish(&txn, st);
    if (st != MPC_OK) {
        *version = 0;
    }
    return st;
}

/* Flips the states in ki: version ACTIVE, the former ACTIVE RETIRED. */
static mpc_status
keyinfo_activate(struct node_store_keyinfo *ki, uint32_t version)
{
    struct node_store_keyinfo_version *target = NULL;
    for (size_t i = 0; i < ki->n_versions; i++) {
        target = ki->versions[i].version == version ? &ki->versions[i] : target;
    }
    if (target == NULL) {
        return MPC_ERR_NOT_FOUND;
    }
    if (target->state == NODE_STORE_KEY_VERSION_RETIRED) {
        return MPC_ERR_INVALID_ARG; /* never back to a replaced version */
    }
    for (size_t i = 0; i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_ACTIVE &&
            ki->versions[i].version != version) {
            ki->versions[i].state = NODE_STORE_KEY_VERSION_RETIRED;
        }
    }
    target->state = NODE_STORE_KEY_VERSION_ACTIVE;
    ki->active_version = version;
    return MPC_OK;
}

mpc_status
node_store_keys_activate(node_store *s, int key_type, const char *wallet, uint32_t version)
{
    if (s == NULL || version == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_txn *txn = NULL;
    struct node_store_keyinfo *ki = NULL;
    unsigned deleted = 0;
    mpc_status st = txn_begin_keyinfo(s, key_type, wallet, &txn, &ki);
    if (st == MPC_OK) {
        st = keyinfo_activate(ki, version);
    }
    for (size_t i = 0; st == MPC_OK && i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_RETIRED) {
            st = txn_share_delete(txn, key_type, wallet, ki->versions[i].version, &deleted);
        }
    }
    if (st == MPC_OK) {
        st = node_store_keyinfo_txn_put(txn, wallet, ki);
    }
    free(ki);
    st = txn_finish(&txn, st);
    if (st == MPC_OK && deleted > 0) {
        /* Only a format-1 share's sealed bytes in free pages need a
         * compaction. The activation is committed either way: a failed one is
         * logged (store.compacted status=...) and the next one (at the latest
         * the startup purge) removes them. */
        mpc_status cst = node_store_compact_if_due(s);
        if (cst != MPC_OK) {
            mpc_log(MPC_LOG_ERROR, "store", "retired_wipe_pending", "wallet=%s version=%u", wallet,
                    version);
        }
    }
    return st;
}

mpc_status
node_store_keys_sign_version(node_store *s, int key_type, const char *wallet, uint32_t requested,
                             struct node_store_keyinfo *ki, uint32_t *version)
{
    if (version != NULL) {
        *version = 0;
    }
    if (ki == NULL || version == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_keyinfo_get(s, key_type, wallet, ki);
    if (st != MPC_OK) {
        return st;
    }
    /* Only the active version signs: once a reshare activated a new version,
     * the old committee (which may include removed members) holds no
     * signing power, and its shares are deleted. */
    uint32_t v = requested != 0 ? requested : ki->active_version;
    const struct node_store_keyinfo_version *e = node_store_keyinfo_find(ki, v);
    for (size_t i = 0; i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_PENDING &&
            (requested == 0 || requested >= ki->versions[i].version)) {
            /* waiting for its committee's confirmations (node/keyconfirm.h): peers
             * may already sign with the new version, this node not yet */
            memset(ki, 0, sizeof *ki);
            return MPC_ERR_KEY_PENDING;
        }
    }
    if (v == ki->active_version && e != NULL) {
        *version = v;
        return MPC_OK;
    }
    st = v < ki->active_version || (e != NULL && e->state == NODE_STORE_KEY_VERSION_RETIRED)
             ? MPC_ERR_KEY_VERSION_RETIRED
             : MPC_ERR_REQ_INVALID;
    memset(ki, 0, sizeof *ki);
    return st;
}

mpc_status
node_store_keys_share_get(node_store *s, int key_type, const char *wallet, uint32_t version,
                          uint8_t **out, size_t *out_len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    mpc_status st = node_store_name_share(name, sizeof name, key_type, wallet, version);
    return st == MPC_OK ? node_store_get(s, name, out, out_len) : MPC_ERR_INVALID_ARG;
}

mpc_status
node_store_keys_share_rewrite(node_store *s, int key_type, const char *wallet, uint32_t version,
                              node_store_share_rewrite_fn fn, void *ctx)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || fn == NULL ||
        node_store_name_share(name, sizeof name, key_type, wallet, version) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_txn *txn = NULL;
    uint8_t *rec = NULL, *upd = NULL;
    size_t rec_len = 0, upd_len = 0;
    mpc_status st = node_store_txn_begin(s, &txn);
    if (st == MPC_OK) {
        st = node_store_txn_get(txn, name, &rec, &rec_len);
    }
    if (st == MPC_OK) {
        st = fn(ctx, rec, rec_len, &upd, &upd_len);
    }
    if (st == MPC_OK) {
        st = node_store_txn_put(txn, name, upd, upd_len);
    }
    mpc_secure_free(rec);
    mpc_secure_free(upd);
    return txn_finish(&txn, st);
}

/* Parses "keyinfo/<type>/<wallet>". Returns the key type (0 if malformed). */
static int
keyinfo_name_parse(const char *name, const char **wallet)
{
    static const int types[] = {NODE_STORE_KEY_ED25519, NODE_STORE_KEY_SECP256K1,
                                NODE_STORE_KEY_SECP256K1_TR};
    const char *p = name + strlen("keyinfo/");
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *t = node_store_key_type_name(types[i]);
        size_t n = strlen(t);
        if (strncmp(p, t, n) == 0 && p[n] == '/') {
            *wallet = p + n + 1;
            return types[i];
        }
    }
    return 0;
}

/* Deletes the shares of the RETIRED versions of one key. Out: *deleted. */
static mpc_status
purge_key(node_store *s, int key_type, const char *wallet, unsigned *deleted)
{
    node_store_txn *txn = NULL;
    struct node_store_keyinfo *ki = NULL;
    unsigned before = *deleted;
    mpc_status st = txn_begin_keyinfo(s, key_type, wallet, &txn, &ki);
    for (size_t i = 0; st == MPC_OK && i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_RETIRED) {
            st = txn_share_delete(txn, key_type, wallet, ki->versions[i].version, deleted);
        }
    }
    free(ki);
    if (st == MPC_OK && *deleted == before) {
        node_store_txn_abort(&txn); /* nothing to write */
        return MPC_OK;
    }
    return txn_finish(&txn, st);
}

mpc_status
node_store_keys_purge_retired(node_store *s)
{
    char **names = NULL;
    size_t n = 0;
    unsigned deleted = 0;
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_list(s, "keyinfo/", &names, &n);
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        const char *wallet = NULL;
        int kt = keyinfo_name_parse(names[i], &wallet);
        st = kt == 0 ? MPC_ERR_CORRUPT : purge_key(s, kt, wallet, &deleted);
    }
    node_store_names_free(names, n);
    size_t keys_erased = 0, migrated = 0;
    if (st == MPC_OK) {
        st = node_store_erasable_migrate(s, &migrated); /* format-1 shares of an older store */
    }
    if (st == MPC_OK) {
        /* record keys no share names: a crash between a commit and its key
         * write or erase (store_erase.c) */
        st = node_store_erasable_sweep(s, &keys_erased);
    }
    if (st == MPC_OK) {
        st = node_store_compact(s); /* format-1 shares deleted before a crash */
    }
    if (migrated > 0) {
        mpc_log(MPC_LOG_INFO, "store", "shares_made_erasable", "count=%zu", migrated);
    }
    if (keys_erased > 0) {
        mpc_log(MPC_LOG_INFO, "store", "orphan_record_keys_erased", "count=%zu", keys_erased);
    }
    if (deleted > 0) {
        mpc_log(MPC_LOG_INFO, "store", "retired_shares_purged", "count=%u status=%s", deleted,
                mpc_status_name(st));
    }
    return st;
}

/* A new key inside txn: refused if the wallet has a key of this type. */
static mpc_status
txn_key_new(node_store_txn *txn, const struct node_store_key_write *w)
{
    if (w->pk == NULL || w->pk_len == 0 || w->pk_len > NODE_STORE_KEYINFO_PK_MAX ||
        w->version == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status g = node_store_keyinfo_txn_get(txn, w->key_type, w->wallet, ki);
    mpc_status st = g == MPC_ERR_NOT_FOUND ? MPC_OK : g == MPC_OK ? MPC_ERR_EXISTS : g;
    memset(ki, 0, sizeof *ki);
    ki->key_type = (uint8_t)w->key_type;
    ki->public_key_len = (uint8_t)w->pk_len;
    memcpy(ki->public_key, w->pk, w->pk_len);
    ki->active_version = w->pending ? 0 : w->version; /* pending: no version signs yet */
    ki->n_versions = 1;
    if (st == MPC_OK) {
        st = version_fill(
            &ki->versions[0], w->version,
            w->pending ? NODE_STORE_KEY_VERSION_PENDING : NODE_STORE_KEY_VERSION_ACTIVE, w->c);
    }
    if (st == MPC_OK) {
        st = node_store_keyinfo_validate(ki);
    }
    if (st == MPC_OK) {
        st = txn_share_put(txn, w->key_type, w->wallet, w->version, w->share, w->share_len);
    }
    if (st == MPC_OK) {
        st = node_store_keyinfo_txn_put(txn, w->wallet, ki);
    }
    free(ki);
    return st;
}

/* A reshare's next version inside txn: added, made ACTIVE, every retired share
 * wiped (only the active version signs). Out: *deleted counts the wiped shares. */
static mpc_status
txn_key_next(node_store_txn *txn, struct node_store_key_write *w, unsigned *deleted)
{
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    uint32_t v = 0;
    mpc_status st = node_store_keyinfo_txn_get(txn, w->key_type, w->wallet, ki);
    if (st == MPC_OK) {
        st = txn_add_pending(txn, ki, w->wallet, w->seen_active, w->c, w->share, w->share_len, &v);
    }
    if (st == MPC_OK && !w->pending) {
        st = keyinfo_activate(ki, v);
    }
    for (size_t i = 0; st == MPC_OK && !w->pending && i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_RETIRED) {
            st = txn_share_delete(txn, w->key_type, w->wallet, ki->versions[i].version, deleted);
        }
    }
    if (st == MPC_OK) {
        st = node_store_keyinfo_txn_put(txn, w->wallet, ki);
    }
    w->version = st == MPC_OK ? v : w->version;
    free(ki);
    return st;
}

/* Writes pend/<request_id>: u8 state | u64be deadline (wall ms). */
static mpc_status
txn_marker_put(node_store_txn *txn, const char *request_id, uint8_t state, uint64_t deadline_ms)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t v[9];
    v[0] = state;
    for (int i = 0; i < 8; i++) {
        v[1 + i] = (uint8_t)(deadline_ms >> (56 - 8 * i));
    }
    int k = snprintf(name, sizeof name, "%s%s", NODE_STORE_PENDING_PREFIX, request_id);
    if (k < 0 || (size_t)k >= sizeof name) {
        return MPC_ERR_INVALID_ARG;
    }
    return node_store_txn_put(txn, name, v, sizeof v);
}

static mpc_status
commit_impl(node_store *s, struct node_store_key_write *w, size_t n, const char *request_id,
            node_store_req_entry_fn fn, void *ctx, uint64_t pending_deadline_ms)
{
    if (s == NULL || (w == NULL && n > 0) || request_id == NULL || fn == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (w[i].c == NULL || w[i].share == NULL || w[i].share_len == 0) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    node_store_txn *txn = NULL;
    unsigned deleted = 0;
    mpc_status st = node_store_txn_begin(s, &txn);
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        st = w[i].reshare ? txn_key_next(txn, &w[i], &deleted) : txn_key_new(txn, &w[i]);
    }
    uint8_t *entry = NULL;
    size_t len = 0;
    mpc_status outcome = MPC_OK;
    if (st == MPC_OK) {
        st = fn(ctx, w, n, &outcome, &entry, &len);
    }
    if (st == MPC_OK) {
        st = node_store_txn_req_put(txn, request_id, outcome, entry, len);
    }
    if (st == MPC_OK && pending_deadline_ms != 0) {
        st = txn_marker_put(txn, request_id, NODE_STORE_PENDING_RESOLVING, pending_deadline_ms);
    }
    free(entry);
    st = txn_finish(&txn, st);
    if (st == MPC_OK && deleted > 0 && node_store_compact_if_due(s) != MPC_OK) {
        /* committed either way; the retired shares' sealed bytes leave the file
         * at the next compaction (at the latest the startup purge) */
        mpc_log(MPC_LOG_ERROR, "store", "retired_wipe_pending", "request=%s", request_id);
    }
    return st;
}

mpc_status
node_store_keys_commit(node_store *s, struct node_store_key_write *w, size_t n,
                       const char *request_id, node_store_req_entry_fn fn, void *ctx)
{
    for (size_t i = 0; w != NULL && i < n; i++) {
        w[i].pending = 0;
    }
    return commit_impl(s, w, n, request_id, fn, ctx, 0);
}

mpc_status
node_store_keys_commit_pending(node_store *s, struct node_store_key_write *w, size_t n,
                               const char *request_id, uint64_t deadline_ms,
                               node_store_req_entry_fn fn, void *ctx)
{
    if (deadline_ms == 0 || n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; w != NULL && i < n; i++) {
        w[i].pending = 1;
    }
    return commit_impl(s, w, n, request_id, fn, ctx, deadline_ms);
}

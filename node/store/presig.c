/*
 * presig.c — ECDSA presignature records in the key store (node/store/presig.h).
 */
#include "node/store/presig.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/client/ids.h"
#include "node/store/keyinfo.h"

/* Most signers of one pool (spec: 32). */
#define PRESIG_MAX_IDS 32u

/* The pool's name prefix "presig/<type>/<wallet>/v<N>/s<set>/"; MPC_ERR_INVALID_ARG if bad. */
static mpc_status
pool_prefix(char *buf, size_t cap, const struct node_store_presig_pool *p)
{
    buf[0] = '\0';
    const char *type = p == NULL ? NULL : node_store_key_type_name(p->key_type);
    if (type == NULL || !node_client_wallet_id_is_valid(p->wallet) || p->version == 0 ||
        p->ids == NULL || p->n_ids < 2 || p->n_ids > PRESIG_MAX_IDS) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t be[PRESIG_MAX_IDS * 4], h[crypto_hash_sha256_BYTES];
    for (size_t k = 0; k < p->n_ids; k++) {
        if (p->ids[k] == 0 || (k > 0 && p->ids[k] <= p->ids[k - 1])) {
            return MPC_ERR_INVALID_ARG;
        }
        be[4 * k] = (uint8_t)(p->ids[k] >> 24);
        be[4 * k + 1] = (uint8_t)(p->ids[k] >> 16);
        be[4 * k + 2] = (uint8_t)(p->ids[k] >> 8);
        be[4 * k + 3] = (uint8_t)p->ids[k];
    }
    crypto_hash_sha256(h, be, 4 * p->n_ids);
    char set[MPC_HEX_SIZE(8)];
    if (mpc_hex_encode(set, sizeof(set), h, 8) != MPC_OK) {
        return MPC_ERR_INTERNAL;
    }
    int n = snprintf(buf, cap, "presig/%s/%s/v%u/s%s/", type, p->wallet, p->version, set);
    if (n < 0 || (size_t)n >= cap) {
        buf[0] = '\0';
        return MPC_ERR_INVALID_ARG;
    }
    return MPC_OK;
}

/* The record name: pool prefix + hex(presig_id). */
static mpc_status
record_name(char *buf, size_t cap, const struct node_store_presig_pool *p, const uint8_t id[32])
{
    mpc_status st = pool_prefix(buf, cap, p);
    if (st != MPC_OK) {
        return st;
    }
    size_t used = strlen(buf);
    if (mpc_hex_encode(buf + used, cap - used, id, 32) != MPC_OK) {
        buf[0] = '\0';
        return MPC_ERR_INVALID_ARG;
    }
    return node_store_name_is_valid(buf) ? MPC_OK : MPC_ERR_INVALID_ARG;
}

mpc_status
node_store_presig_put(node_store *s, const struct node_store_presig_pool *pool,
                      const uint8_t presig_id[32], const uint8_t *rec, size_t len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || presig_id == NULL || rec == NULL || len == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = record_name(name, sizeof(name), pool, presig_id);
    return st == MPC_OK ? node_store_put(s, name, rec, len) : st;
}

mpc_status
node_store_presig_peek(node_store *s, const struct node_store_presig_pool *pool,
                       const uint8_t presig_id[32], uint8_t **out, size_t *out_len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (s == NULL || presig_id == NULL || out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = record_name(name, sizeof(name), pool, presig_id);
    if (st == MPC_OK) {
        st = node_store_get(s, name, out, out_len);
    }
    return st == MPC_ERR_NOT_FOUND ? MPC_ERR_PRESIG_GONE : st;
}

/* Reads and wipes name in one write transaction; *out only once it committed. */
static mpc_status
take_one(node_store *s, const char *name, uint8_t **out, size_t *out_len)
{
    node_store_txn *txn = NULL;
    uint8_t *v = NULL;
    size_t vl = 0;
    mpc_status st = node_store_txn_begin(s, &txn);
    if (st == MPC_OK) {
        st = node_store_txn_get(txn, name, &v, &vl);
    }
    if (st == MPC_OK) {
        st = node_store_txn_wipe(txn, name);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn); /* durable before anything is returned */
    }
    node_store_txn_abort(&txn);
    if (st != MPC_OK) {
        if (v != NULL) {
            mpc_wipe(v, vl);
            mpc_secure_free(v);
        }
        return st == MPC_ERR_NOT_FOUND ? MPC_ERR_PRESIG_GONE : st;
    }
    *out = v;
    *out_len = vl;
    return MPC_OK;
}

mpc_status
node_store_presig_take(node_store *s, const struct node_store_presig_pool *pool,
                       const uint8_t *presig_id, uint8_t **out, size_t *out_len, uint8_t id_out[32])
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (id_out != NULL) {
        memset(id_out, 0, 32);
    }
    if (s == NULL || out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (presig_id != NULL) {
        mpc_status st = record_name(name, sizeof(name), pool, presig_id);
        if (st == MPC_OK) {
            st = take_one(s, name, out, out_len);
        }
        if (st == MPC_OK && id_out != NULL) {
            memcpy(id_out, presig_id, 32);
        }
        return st;
    }
    mpc_status st = pool_prefix(name, sizeof(name), pool);
    char **names = NULL;
    size_t n = 0;
    if (st == MPC_OK) {
        st = node_store_list(s, name, &names, &n);
    }
    if (st != MPC_OK) {
        return st;
    }
    size_t plen = strlen(name);
    st = MPC_ERR_PRESIG_GONE;
    for (size_t k = 0; k < n && k < NODE_STORE_PRESIG_TAKE_TRIES && st == MPC_ERR_PRESIG_GONE;
         k++) {
        st = take_one(s, names[k], out, out_len);
        if (st == MPC_OK && id_out != NULL &&
            mpc_hex_decode_exact(id_out, 32, names[k] + plen) != MPC_OK) {
            memset(id_out, 0, 32); /* cannot happen: names are written by put */
        }
    }
    node_store_names_free(names, n);
    return st;
}

/* The rendezvous rank of a record id for a request (lower first). */
static uint64_t
choose_rank(const char *request_id, const uint8_t id[32])
{
    static const char tag[] = "mpc-node/presig/choose/v1";
    uint8_t len[4], out[8];
    size_t rl = strlen(request_id);
    len[0] = (uint8_t)(rl >> 24);
    len[1] = (uint8_t)(rl >> 16);
    len[2] = (uint8_t)(rl >> 8);
    len[3] = (uint8_t)rl;
    crypto_generichash_state h;
    if (crypto_generichash_init(&h, NULL, 0, sizeof out) != 0 ||
        crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1) != 0 ||
        crypto_generichash_update(&h, len, sizeof len) != 0 ||
        crypto_generichash_update(&h, (const uint8_t *)request_id, rl) != 0 ||
        crypto_generichash_update(&h, id, 32) != 0 ||
        crypto_generichash_final(&h, out, sizeof out) != 0) {
        return UINT64_MAX;
    }
    uint64_t r = 0;
    for (int i = 0; i < 8; i++) {
        r = (r << 8) | out[i];
    }
    return r;
}

mpc_status
node_store_presig_choose(node_store *s, const struct node_store_presig_pool *pool,
                         const char *request_id, uint8_t id_out[32])
{
    char prefix[NODE_STORE_NAME_MAX + 1];
    if (id_out != NULL) {
        memset(id_out, 0, 32);
    }
    if (s == NULL || id_out == NULL || request_id == NULL || request_id[0] == '\0') {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = pool_prefix(prefix, sizeof(prefix), pool);
    char **names = NULL;
    size_t n = 0;
    if (st == MPC_OK) {
        st = node_store_list(s, prefix, &names, &n);
    }
    if (st != MPC_OK) {
        return st;
    }
    size_t plen = strlen(prefix);
    uint64_t best = UINT64_MAX;
    st = MPC_ERR_PRESIG_GONE;
    for (size_t k = 0; k < n; k++) {
        uint8_t id[32];
        if (mpc_hex_decode_exact(id, 32, names[k] + plen) != MPC_OK) {
            continue; /* cannot happen: names are written by put */
        }
        uint64_t r = choose_rank(request_id, id);
        if (st != MPC_OK || r < best || (r == best && memcmp(id, id_out, 32) < 0)) {
            best = r;
            memcpy(id_out, id, 32);
            st = MPC_OK;
        }
    }
    node_store_names_free(names, n);
    return st;
}

mpc_status
node_store_presig_list(node_store *s, const struct node_store_presig_pool *pool, uint8_t (*ids)[32],
                       size_t cap, size_t *n_out)
{
    char prefix[NODE_STORE_NAME_MAX + 1];
    if (n_out != NULL) {
        *n_out = 0;
    }
    if (s == NULL || ids == NULL || n_out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = pool_prefix(prefix, sizeof(prefix), pool);
    char **names = NULL;
    size_t n = 0;
    if (st == MPC_OK) {
        st = node_store_list(s, prefix, &names, &n);
    }
    size_t plen = strlen(prefix);
    for (size_t k = 0; st == MPC_OK && k < n; k++) {
        if (*n_out == cap) {
            st = MPC_ERR_BUFFER_TOO_SMALL;
        } else if (mpc_hex_decode_exact(ids[*n_out], 32, names[k] + plen) == MPC_OK) {
            (*n_out)++;
        }
    }
    node_store_names_free(names, n);
    return st;
}

mpc_status
node_store_presig_count(node_store *s, const struct node_store_presig_pool *pool, size_t *count)
{
    char prefix[NODE_STORE_NAME_MAX + 1];
    if (count != NULL) {
        *count = 0;
    }
    if (s == NULL || count == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = pool_prefix(prefix, sizeof(prefix), pool);
    char **names = NULL;
    if (st == MPC_OK) {
        st = node_store_list(s, prefix, &names, count);
    }
    node_store_names_free(names, *count);
    return st;
}

mpc_status
node_store_presig_discard(node_store *s, int key_type, const char *wallet, size_t *deleted)
{
    char prefix[NODE_STORE_NAME_MAX + 1];
    if (deleted != NULL) {
        *deleted = 0;
    }
    const char *type = node_store_key_type_name(key_type);
    if (s == NULL || type == NULL || !node_client_wallet_id_is_valid(wallet)) {
        return MPC_ERR_INVALID_ARG;
    }
    int pn = snprintf(prefix, sizeof(prefix), "presig/%s/%s/", type, wallet);
    if (pn < 0 || (size_t)pn >= sizeof(prefix)) {
        return MPC_ERR_INVALID_ARG;
    }
    char **names = NULL;
    size_t n = 0, done = 0;
    mpc_status st = node_store_list(s, prefix, &names, &n);
    node_store_txn *txn = NULL;
    if (st == MPC_OK && n > 0) {
        st = node_store_txn_begin(s, &txn);
        for (size_t k = 0; k < n && st == MPC_OK; k++) {
            st = node_store_txn_wipe(txn, names[k]);
            if (st == MPC_ERR_NOT_FOUND) { /* taken meanwhile */
                st = MPC_OK;
            } else if (st == MPC_OK) {
                done++;
            }
        }
        if (st == MPC_OK) {
            st = node_store_txn_commit(&txn);
        }
        node_store_txn_abort(&txn);
    }
    node_store_names_free(names, n);
    if (st == MPC_OK && deleted != NULL) {
        *deleted = done;
    }
    if (st == MPC_OK && done > 0) {
        mpc_log(MPC_LOG_INFO, "store", "presig_discard", "wallet=%s discarded=%zu", wallet, done);
    }
    return st;
}

/*
 * From a record name "presig/<type>/<wallet>/v<N>/...": key type, wallet and
 * version. Returns: 1 if the name parses, else 0 (a foreign name: stale).
 */
static int
parse_name(const char *name, int *key_type, char *wallet, size_t cap, uint32_t *version)
{
    if (strncmp(name, "presig/", 7) != 0) {
        return 0;
    }
    const char *p = name + 7;
    const char *slash = strchr(p, '/');
    if (slash == NULL) {
        return 0;
    }
    *key_type = -1;
    for (int t = 0; t < 8; t++) {
        const char *tn = node_store_key_type_name(t);
        if (tn != NULL && strlen(tn) == (size_t)(slash - p) && memcmp(tn, p, strlen(tn)) == 0) {
            *key_type = t;
        }
    }
    const char *w = slash + 1;
    const char *wend = strchr(w, '/');
    if (*key_type < 0 || wend == NULL || (size_t)(wend - w) >= cap || wend[1] != 'v') {
        return 0;
    }
    memcpy(wallet, w, (size_t)(wend - w));
    wallet[wend - w] = '\0';
    char *end = NULL;
    unsigned long v = strtoul(wend + 2, &end, 10);
    if (end == NULL || *end != '/' || v == 0 || v > UINT32_MAX) {
        return 0;
    }
    *version = (uint32_t)v;
    return 1;
}

/* Returns: 1 if the record named name cannot sign any more (its version is not active). */
static int
record_is_stale(node_store *s, const char *name, struct node_store_keyinfo *ki)
{
    int key_type = 0;
    uint32_t version = 0;
    char wallet[NODE_STORE_NAME_MAX + 1];
    if (!parse_name(name, &key_type, wallet, sizeof wallet, &version)) {
        return 1;
    }
    mpc_status st = node_store_keyinfo_get(s, key_type, wallet, ki);
    return st != MPC_OK || ki->active_version != version;
}

mpc_status
node_store_presig_discard_stale(node_store *s, size_t *deleted)
{
    if (deleted != NULL) {
        *deleted = 0;
    }
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    char **names = NULL;
    size_t n = 0, done = 0;
    mpc_status st = node_store_list(s, "presig/", &names, &n);
    struct node_store_keyinfo *ki = st == MPC_OK ? calloc(1, sizeof *ki) : NULL;
    node_store_txn *txn = NULL;
    if (st == MPC_OK && ki == NULL) {
        st = MPC_ERR_NOMEM;
    }
    /* Decide first (read transactions), then wipe in one write transaction:
     * a thread holds one LMDB transaction at a time. */
    uint8_t *stale = st == MPC_OK ? calloc(n + 1, 1) : NULL;
    size_t n_stale = 0;
    if (st == MPC_OK && stale == NULL) {
        st = MPC_ERR_NOMEM;
    }
    for (size_t k = 0; st == MPC_OK && k < n; k++) {
        stale[k] = (uint8_t)record_is_stale(s, names[k], ki);
        n_stale += stale[k];
    }
    if (st == MPC_OK && n_stale > 0) {
        st = node_store_txn_begin(s, &txn);
    }
    for (size_t k = 0; st == MPC_OK && n_stale > 0 && k < n; k++) {
        if (!stale[k]) {
            continue;
        }
        st = node_store_txn_wipe(txn, names[k]);
        if (st == MPC_ERR_NOT_FOUND) { /* taken meanwhile */
            st = MPC_OK;
        } else if (st == MPC_OK) {
            done++;
        }
    }
    free(stale);
    if (st == MPC_OK && txn != NULL) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    free(ki);
    node_store_names_free(names, n);
    if (st == MPC_OK && deleted != NULL) {
        *deleted = done;
    }
    if (st == MPC_OK && done > 0) {
        mpc_log(MPC_LOG_INFO, "store", "presig_discard_stale", "discarded=%zu", done);
    }
    return st;
}

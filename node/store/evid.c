/*
 * evid.c — evidence of failed sessions in the key store (node/store/evid.h).
 *
 * DESIGN: the index names sort by time (16 hex digits of wall ms), so the
 * oldest come first in node_store_list; a put reads the index (outside the
 * write transaction: puts come from one thread), then in one transaction
 * deletes the evicted entries and the previous copy of the same request and
 * writes the new pair, so the budget and the index never disagree.
 */
#include "node/store/evid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "node/client/ids.h"
#include "node/store/keyinfo.h"

#define EVID_PREFIX  "evid/"
#define EVIDX_PREFIX "evidx/"

/* One index entry. */
struct evidx {
    char *name;      /* evidx/... (borrowed from the list) */
    const char *key; /* "<key_type>/<request_id>" inside name */
    uint64_t size;   /* packed bytes */
};

static mpc_status
evid_names(char *rec, char *idx, size_t cap, int key_type, const char *request_id, uint64_t now_ms)
{
    const char *kt = node_store_key_type_name(key_type);
    if (kt == NULL || !node_client_request_id_is_valid(request_id) ||
        snprintf(rec, cap, EVID_PREFIX "%s/%s", kt, request_id) >= (int)cap ||
        (idx != NULL && snprintf(idx, cap, EVIDX_PREFIX "%016llx/%s/%s", (unsigned long long)now_ms,
                                 kt, request_id) >= (int)cap)) {
        return MPC_ERR_INVALID_ARG;
    }
    return MPC_OK;
}

/* Reads the index: entries oldest first. Caller frees names with node_store_names_free. */
static mpc_status
evid_index(node_store *s, char ***names, size_t *count, struct evidx **out, size_t *n_out,
           uint64_t *total)
{
    *out = NULL;
    *n_out = 0;
    *total = 0;
    mpc_status st = node_store_list(s, EVIDX_PREFIX, names, count);
    if (st != MPC_OK || *count == 0) {
        return st;
    }
    size_t n = *count < NODE_STORE_EVID_INDEX_MAX ? *count : NODE_STORE_EVID_INDEX_MAX;
    struct evidx *e = calloc(n, sizeof *e);
    if (e == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *v = NULL;
        size_t vl = 0;
        e[i].name = (*names)[i];
        e[i].key = strchr((*names)[i] + strlen(EVIDX_PREFIX), '/');
        e[i].key = e[i].key != NULL ? e[i].key + 1 : "";
        if (node_store_get(s, (*names)[i], &v, &vl) == MPC_OK && vl == 8) {
            for (int k = 0; k < 8; k++) {
                e[i].size = e[i].size << 8 | v[k];
            }
        }
        mpc_secure_free(v);
        *total += e[i].size;
    }
    *n_out = n;
    *out = e;
    return MPC_OK;
}

/* Deletes one entry (index and record) inside txn. */
static mpc_status
evid_drop(node_store_txn *txn, const struct evidx *e)
{
    char rec[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_txn_delete(txn, e->name);
    if (st == MPC_OK && snprintf(rec, sizeof rec, EVID_PREFIX "%s", e->key) < (int)sizeof rec) {
        st = node_store_txn_delete(txn, rec);
    }
    return st == MPC_ERR_NOT_FOUND ? MPC_OK : st;
}

mpc_status
node_store_evid_put(node_store *s, int key_type, const char *request_id, uint64_t now_ms,
                    const uint8_t *packed, size_t len, uint64_t budget,
                    struct node_store_evid_put_info *info)
{
    char rec[NODE_STORE_NAME_MAX + 1], idx[NODE_STORE_NAME_MAX + 1];
    if (info != NULL) {
        memset(info, 0, sizeof *info);
    }
    if (s == NULL || packed == NULL || len == 0 ||
        evid_names(rec, idx, sizeof rec, key_type, request_id, now_ms) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len > NODE_STORE_EVID_REQ_MAX || len > budget) {
        return MPC_ERR_EVIDENCE_TOO_LARGE;
    }
    char **names = NULL;
    size_t count = 0, n_idx = 0;
    struct evidx *e = NULL;
    uint64_t total = 0;
    mpc_status st = evid_index(s, &names, &count, &e, &n_idx, &total);
    node_store_txn *txn = NULL;
    if (st == MPC_OK) {
        st = node_store_txn_begin(s, &txn);
    }
    const char *key = rec + strlen(EVID_PREFIX);
    size_t kept = n_idx, evicted = 0;
    for (size_t i = 0; st == MPC_OK && i < n_idx; i++) { /* the same request: replaced */
        if (strcmp(e[i].key, key) == 0) {
            st = evid_drop(txn, &e[i]);
            total -= e[i].size;
            e[i].size = UINT64_MAX; /* marks it gone */
            kept--;
        }
    }
    for (size_t i = 0; st == MPC_OK && i < n_idx && total + len > budget; i++) {
        if (e[i].size != UINT64_MAX) { /* the oldest first */
            st = evid_drop(txn, &e[i]);
            total -= e[i].size;
            kept--;
            evicted++;
        }
    }
    uint8_t sz[8];
    for (int k = 0; k < 8; k++) {
        sz[k] = (uint8_t)((uint64_t)len >> (56 - 8 * k));
    }
    if (st == MPC_OK) {
        st = node_store_txn_put(txn, rec, packed, len);
    }
    if (st == MPC_OK) {
        st = node_store_txn_put(txn, idx, sz, sizeof sz);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    free(e);
    node_store_names_free(names, count);
    if (st == MPC_OK && info != NULL) {
        info->evicted = evicted;
        info->total_bytes = total + len;
        info->entries = kept + 1;
    }
    return st;
}

mpc_status
node_store_evid_get(node_store *s, int key_type, const char *request_id, uint8_t **out, size_t *len)
{
    char rec[NODE_STORE_NAME_MAX + 1];
    if (out != NULL) {
        *out = NULL;
    }
    if (len != NULL) {
        *len = 0;
    }
    if (s == NULL || out == NULL || len == NULL ||
        evid_names(rec, NULL, sizeof rec, key_type, request_id, 0) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    return node_store_get(s, rec, out, len);
}

/*
 * unpub.c — unpub/<request_id> markers: request-log entries whose results
 * JetStream has not acknowledged yet (node/store/unpub.h).
 *
 * DESIGN: the marker rides in the request log's own transaction (one commit,
 * one fdatasync pair, as the group commit of store_records.c), and so do the
 * deletions of the markers acknowledged since the previous commit: a marker
 * costs the finisher no extra commit on the path where everything works.
 */
#include "node/store/unpub.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"

#define UNPUB_LEN 8u /* u64be wall-clock ms of the log write */

static mpc_status
unpub_name(char *name, size_t cap, const char *request_id)
{
    if (request_id == NULL || request_id[0] == '\0') {
        return MPC_ERR_INVALID_ARG;
    }
    int k = snprintf(name, cap, "%s%s", NODE_STORE_UNPUB_PREFIX, request_id);
    return k > 0 && (size_t)k < cap ? MPC_OK : MPC_ERR_INVALID_ARG;
}

static mpc_status
txn_unpub_put(node_store_txn *txn, const char *request_id, uint64_t now_ms)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t v[UNPUB_LEN];
    mpc_status st = unpub_name(name, sizeof name, request_id);
    for (unsigned i = 0; i < UNPUB_LEN; i++) {
        v[i] = (uint8_t)(now_ms >> (8 * (UNPUB_LEN - 1 - i)));
    }
    return st == MPC_OK ? node_store_txn_put(txn, name, v, sizeof v) : st;
}

static mpc_status
txn_unpub_delete(node_store_txn *txn, char *const *ids, size_t n)
{
    mpc_status st = MPC_OK;
    for (size_t i = 0; i < n && st == MPC_OK; i++) {
        char name[NODE_STORE_NAME_MAX + 1];
        st = unpub_name(name, sizeof name, ids[i]);
        if (st == MPC_OK) {
            st = node_store_txn_delete(txn, name);
            st = st == MPC_ERR_NOT_FOUND ? MPC_OK : st;
        }
    }
    return st;
}

/* Entries e[0..n) with their markers and the deletions, in one transaction. */
static mpc_status
put_group(node_store *s, const struct node_store_req_entry *e, size_t n, char *const *done,
          size_t n_done, uint64_t now_ms)
{
    node_store_txn *txn = NULL;
    mpc_status st = node_store_is_full(s) ? MPC_ERR_STORE_FULL : node_store_space_check(s);
    if (st == MPC_OK) {
        st = node_store_txn_begin(s, &txn);
    }
    if (st == MPC_OK) { /* first: a request logged again keeps its new marker */
        st = txn_unpub_delete(txn, done, n_done);
    }
    for (size_t i = 0; i < n && st == MPC_OK; i++) {
        st = node_store_txn_req_put(txn, e[i].request_id, e[i].outcome, e[i].result,
                                    e[i].result_len);
        if (st == MPC_OK) {
            st = txn_unpub_put(txn, e[i].request_id, now_ms);
        }
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    return st;
}

/* The done markers on their own; one left over costs a duplicate publish at
 * the next start, never a lost result. */
static void
drop_done(node_store *s, char *const *done, size_t n_done)
{
    mpc_status st = node_store_unpub_done(s, done, n_done);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "store", "unpub_delete_failed", "count=%zu status=%s", n_done,
                mpc_status_name(st));
    }
}

mpc_status
node_store_req_put_unpub(node_store *s, const struct node_store_req_entry *e, size_t n,
                         mpc_status *each, char *const *done, size_t n_done, uint64_t now_ms)
{
    if (s == NULL || e == NULL || each == NULL || n == 0 || (done == NULL && n_done > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = put_group(s, e, n, done, n_done, now_ms);
    for (size_t i = 0; i < n; i++) {
        each[i] = st;
    }
    if (st == MPC_OK || n == 1) {
        if (st != MPC_OK && n_done > 0) {
            drop_done(s, done, n_done);
        }
        return st;
    }
    mpc_status first = MPC_OK;
    for (size_t i = 0; i < n; i++) { /* one by one: a bad entry costs only itself */
        each[i] = put_group(s, &e[i], 1, NULL, 0, now_ms);
        first = first == MPC_OK ? each[i] : first;
    }
    if (n_done > 0) {
        drop_done(s, done, n_done);
    }
    return first;
}

mpc_status
node_store_unpub_done(node_store *s, char *const *ids, size_t n)
{
    if (s == NULL || (ids == NULL && n > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (n == 0) {
        return MPC_OK;
    }
    node_store_txn *txn = NULL;
    mpc_status st = node_store_txn_begin(s, &txn);
    if (st == MPC_OK) {
        st = txn_unpub_delete(txn, ids, n);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    return st;
}

mpc_status
node_store_unpub_list(node_store *s, char ***ids, size_t *n)
{
    if (s == NULL || ids == NULL || n == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_list(s, NODE_STORE_UNPUB_PREFIX, ids, n);
    size_t pl = strlen(NODE_STORE_UNPUB_PREFIX);
    for (size_t i = 0; st == MPC_OK && i < *n; i++) {
        memmove((*ids)[i], (*ids)[i] + pl, strlen((*ids)[i]) - pl + 1);
    }
    return st;
}

mpc_status
node_store_unpub_get(node_store *s, const char *request_id, uint64_t *logged_ms)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || logged_ms == NULL || unpub_name(name, sizeof name, request_id) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    *logged_ms = 0;
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = node_store_get(s, name, &buf, &len);
    if (st == MPC_OK && len != UNPUB_LEN) {
        st = MPC_ERR_CORRUPT;
    }
    for (unsigned i = 0; st == MPC_OK && i < UNPUB_LEN; i++) {
        *logged_ms = *logged_ms << 8 | buf[i];
    }
    mpc_secure_free(buf);
    return st;
}

/*
 * keys_pending.c — resolving PENDING key versions (node/store/keys.h,
 * "Pending activation"): activation or discard of every key of a request
 * together with its final request-log entry, in one transaction, and the
 * pend/<request_id> markers that tell a restarted node what to resolve.
 *
 * DESIGN: as keys.c, every step reads the keyinfo inside its own write
 * transaction; discarded shares are wiped (node_store_txn_wipe).
 */
#include "node/store/keys.h"
#include "node/store/store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"

#define MARKER_LEN 9u /* u8 state | u64be deadline */

static mpc_status
marker_name(char *name, size_t cap, const char *request_id)
{
    if (request_id == NULL || request_id[0] == '\0') {
        return MPC_ERR_INVALID_ARG;
    }
    int k = snprintf(name, cap, "%s%s", NODE_STORE_PENDING_PREFIX, request_id);
    return k > 0 && (size_t)k < cap ? MPC_OK : MPC_ERR_INVALID_ARG;
}

/* Writes ki, or deletes the record when it has no version left. */
static mpc_status
kp_keyinfo_put(node_store_txn *txn, const char *wallet, const struct node_store_keyinfo *ki)
{
    if (ki->n_versions > 0) {
        return node_store_keyinfo_txn_put(txn, wallet, ki);
    }
    char name[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_keyinfo(name, sizeof name, ki->key_type, wallet);
    return st == MPC_OK ? node_store_txn_delete(txn, name) : st;
}

/* Wipes share v; an absent share is fine. Out: *wiped = 1 if one was wiped. */
static mpc_status
kp_share_wipe(node_store_txn *txn, int key_type, const char *wallet, uint32_t v, int *wiped)
{
    char name[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_share(name, sizeof name, key_type, wallet, v);
    if (st == MPC_OK) {
        st = node_store_txn_wipe(txn, name);
    }
    if (st == MPC_OK) {
        *wiped = 1;
    }
    return st == MPC_ERR_NOT_FOUND ? MPC_OK : st;
}

/* PENDING -> ACTIVE: the former ACTIVE RETIRED, every RETIRED share wiped. */
static mpc_status
kp_activate(node_store_txn *txn, struct node_store_keyinfo *ki,
            const struct node_store_key_verdict *v, int *wiped)
{
    struct node_store_keyinfo_version *e = NULL;
    for (size_t i = 0; i < ki->n_versions; i++) {
        e = ki->versions[i].version == v->version ? &ki->versions[i] : e;
    }
    if (e == NULL) {
        return MPC_ERR_NOT_FOUND;
    }
    if (e->state == NODE_STORE_KEY_VERSION_RETIRED) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_ACTIVE &&
            ki->versions[i].version != v->version) {
            ki->versions[i].state = NODE_STORE_KEY_VERSION_RETIRED;
        }
    }
    e->state = NODE_STORE_KEY_VERSION_ACTIVE;
    ki->active_version = v->version;
    mpc_status st = node_store_keyinfo_validate(ki);
    for (size_t i = 0; st == MPC_OK && i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_RETIRED) {
            st = kp_share_wipe(txn, v->key_type, v->wallet, ki->versions[i].version, wiped);
        }
    }
    return st;
}

/* Drops the PENDING version and wipes its share (nothing if already gone). */
static mpc_status
kp_discard(node_store_txn *txn, struct node_store_keyinfo *ki,
           const struct node_store_key_verdict *v, int *wiped)
{
    for (size_t i = 0; i < ki->n_versions; i++) {
        if (ki->versions[i].version != v->version) {
            continue;
        }
        if (ki->versions[i].state != NODE_STORE_KEY_VERSION_PENDING) {
            return MPC_ERR_INVALID_ARG; /* never discard what was activated */
        }
        memmove(&ki->versions[i], &ki->versions[i + 1],
                (ki->n_versions - i - 1) * sizeof ki->versions[0]);
        ki->n_versions--;
        break;
    }
    return kp_share_wipe(txn, v->key_type, v->wallet, v->version, wiped);
}

/* Applies one verdict inside txn. Out: *wiped = 1 if a share was wiped. */
static mpc_status
kp_apply(node_store_txn *txn, const struct node_store_key_verdict *v, int *wiped)
{
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = node_store_keyinfo_txn_get(txn, v->key_type, v->wallet, ki);
    if (st == MPC_ERR_NOT_FOUND && !v->activate) {
        st = kp_share_wipe(txn, v->key_type, v->wallet, v->version, wiped);
        free(ki);
        return st;
    }
    if (st == MPC_OK) {
        st = v->activate ? kp_activate(txn, ki, v, wiped) : kp_discard(txn, ki, v, wiped);
    }
    if (st == MPC_OK) {
        st = kp_keyinfo_put(txn, v->wallet, ki);
    }
    free(ki);
    return st;
}

/*
 * Commits txn when st is MPC_OK (else aborts it); after a commit that wiped a
 * share, zeroes their record keys (store_erase.c) and, for a share of the older format only,
 * compacts the store so its sealed bytes leave the file's free pages too (as
 * node_store_keys_activate does). The verdicts are committed either way: a failed compaction is
 * logged and the next one (at the latest the startup purge) removes them. Returns: st, or the
 * commit's status.
 */
static mpc_status
kp_commit_compact(node_store *s, node_store_txn **txn, mpc_status st, int wiped,
                  const char *request_id)
{
    if (st != MPC_OK) {
        node_store_txn_abort(txn);
        return st;
    }
    st = node_store_txn_commit(txn);
    if (st == MPC_OK && wiped && node_store_compact_if_due(s) != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "store", "retired_wipe_pending", "request=%s", request_id);
    }
    return st;
}

mpc_status
node_store_keys_resolve(node_store *s, const char *request_id,
                        const struct node_store_key_verdict *v, size_t n, mpc_status outcome,
                        const uint8_t *entry, size_t len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || (v == NULL && n > 0) || entry == NULL ||
        marker_name(name, sizeof name, request_id) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_txn *txn = NULL;
    int wiped = 0;
    mpc_status st = node_store_txn_begin(s, &txn);
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        st = v[i].wallet != NULL && v[i].version != 0 ? kp_apply(txn, &v[i], &wiped)
                                                      : MPC_ERR_INVALID_ARG;
    }
    if (st == MPC_OK) {
        st = node_store_txn_req_put(txn, request_id, outcome, entry, len);
    }
    if (st == MPC_OK) {
        uint8_t m[MARKER_LEN] = {NODE_STORE_PENDING_PUBLISH};
        st = node_store_txn_put(txn, name, m, sizeof m);
    }
    return kp_commit_compact(s, &txn, st, wiped, request_id);
}

mpc_status
node_store_keys_retract(node_store *s, const char *request_id,
                        const struct node_store_key_verdict *v, size_t n, const uint8_t *entry,
                        size_t len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || (v == NULL && n > 0) || entry == NULL ||
        marker_name(name, sizeof name, request_id) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].activate || v[i].wallet == NULL || v[i].version == 0) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    node_store_txn *txn = NULL;
    int wiped = 0;
    mpc_status st = node_store_txn_begin(s, &txn);
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        st = kp_apply(txn, &v[i], &wiped);
    }
    if (st == MPC_OK) {
        st = node_store_txn_req_put(txn, request_id, MPC_ERR_KEY_ATTEMPT_DISCARDED, entry, len);
    }
    if (st == MPC_OK) {
        st = node_store_txn_delete(txn, name);
    }
    return kp_commit_compact(s, &txn, st, wiped, request_id);
}

mpc_status
node_store_keys_pending_list(node_store *s, char ***ids, size_t *n)
{
    mpc_status st = node_store_list(s, NODE_STORE_PENDING_PREFIX, ids, n);
    size_t pl = strlen(NODE_STORE_PENDING_PREFIX);
    for (size_t i = 0; st == MPC_OK && i < *n; i++) {
        memmove((*ids)[i], (*ids)[i] + pl, strlen((*ids)[i]) - pl + 1);
    }
    return st;
}

mpc_status
node_store_keys_pending_get(node_store *s, const char *request_id, uint8_t *state,
                            uint64_t *deadline_ms)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t *buf = NULL;
    size_t len = 0;
    if (state == NULL || deadline_ms == NULL ||
        marker_name(name, sizeof name, request_id) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    *state = 0;
    *deadline_ms = 0;
    mpc_status st = node_store_get(s, name, &buf, &len);
    if (st == MPC_OK && (len != MARKER_LEN || buf[0] < NODE_STORE_PENDING_RESOLVING ||
                         buf[0] > NODE_STORE_PENDING_PUBLISH)) {
        st = MPC_ERR_CORRUPT;
    }
    if (st == MPC_OK) {
        *state = buf[0];
        for (int i = 0; i < 8; i++) {
            *deadline_ms = *deadline_ms << 8 | buf[1 + i];
        }
    }
    mpc_secure_free(buf);
    return st;
}

mpc_status
node_store_keys_pending_done(node_store *s, const char *request_id)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || marker_name(name, sizeof name, request_id) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_delete(s, name);
    return st == MPC_ERR_NOT_FOUND ? MPC_OK : st;
}

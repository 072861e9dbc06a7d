/*
 * store_records.c — typed records of the key store: record names, keyinfo
 * reads, the request log and the identity binding. Shares and keyinfo
 * writes are node/store/keys.c's.
 * Built on the public node_store API (store.h), plus the request log's age
 * index (store_internal.h).
 *
 * Request log value (format 1): u8 format | u32 outcome (mpc_status, LE) |
 * u32 reserved = 0 | result bytes.
 */
#include "node/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/store/store_internal.h"

#define REQ_FORMAT 1u
#define REQ_HEADER 9u

/* snprintf into buf; "" and MPC_ERR_BUFFER_TOO_SMALL on truncation. */
static mpc_status
name_format(char *buf, size_t cap, int n)
{
    if (n < 0 || (size_t)n >= cap) {
        buf[0] = '\0';
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    return MPC_OK;
}

mpc_status
node_store_name_share(char *buf, size_t cap, int key_type, const char *wallet, uint32_t version)
{
    if (buf == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    buf[0] = '\0';
    const char *type = node_store_key_type_name(key_type);
    if (type == NULL || !node_client_wallet_id_is_valid(wallet) || version == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    return name_format(buf, cap, snprintf(buf, cap, "share/%s/%s/v%u", type, wallet, version));
}

mpc_status
node_store_name_keyinfo(char *buf, size_t cap, int key_type, const char *wallet)
{
    if (buf == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    buf[0] = '\0';
    const char *type = node_store_key_type_name(key_type);
    if (type == NULL || !node_client_wallet_id_is_valid(wallet)) {
        return MPC_ERR_INVALID_ARG;
    }
    return name_format(buf, cap, snprintf(buf, cap, "keyinfo/%s/%s", type, wallet));
}

mpc_status
node_store_name_req(char *buf, size_t cap, const char *request_id)
{
    if (buf == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    buf[0] = '\0';
    if (!node_client_request_id_is_valid(request_id)) {
        return MPC_ERR_INVALID_ARG;
    }
    return name_format(buf, cap, snprintf(buf, cap, "req/%s", request_id));
}

mpc_status
node_store_keyinfo_get(node_store *s, int key_type, const char *wallet,
                       struct node_store_keyinfo *ki)
{
    if (ki == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(ki, 0, sizeof(*ki));
    char name[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_keyinfo(name, sizeof(name), key_type, wallet);
    if (s == NULL || st != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    st = node_store_get(s, name, &buf, &len);
    if (st != MPC_OK) {
        return st;
    }
    st = node_store_keyinfo_decode(ki, buf, len);
    mpc_secure_free(buf);
    if (st == MPC_OK && ki->key_type != key_type) {
        memset(ki, 0, sizeof(*ki));
        st = MPC_ERR_CORRUPT;
    }
    return st;
}

/* Writes req/<request_id> through put (a plain store write or a txn's). */
static mpc_status
req_write(void *where, mpc_status (*put)(void *, const char *, const uint8_t *, size_t),
          const char *request_id, mpc_status outcome, const uint8_t *result, size_t result_len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (where == NULL || (result == NULL && result_len > 0) ||
        result_len > NODE_STORE_VALUE_MAX - REQ_HEADER ||
        node_store_name_req(name, sizeof(name), request_id) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *buf = malloc(REQ_HEADER + result_len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    uint32_t code = (uint32_t)outcome;
    buf[0] = REQ_FORMAT;
    mpc_put_u32le(buf + 1, code);
    mpc_put_u32le(buf + 5, 0);
    if (result_len > 0) {
        memcpy(buf + REQ_HEADER, result, result_len);
    }
    mpc_status st = put(where, name, buf, REQ_HEADER + result_len);
    free(buf);
    return st;
}

/* The request id of a "req/<id>" record name (node_store_name_req). */
static const char *
req_id_of(const char *name)
{
    return name + 4;
}

/* A request-log write on its own: refused while the store is full (the
 * reserve is for key shares and pruning); the record and its age-index entry
 * in one transaction. */
static mpc_status
put_plain(void *where, const char *name, const uint8_t *data, size_t len)
{
    node_store *s = where;
    node_store_txn *txn = NULL;
    mpc_status st = node_store_is_full(s) ? MPC_ERR_STORE_FULL : node_store_space_check(s);
    if (st == MPC_OK) {
        st = node_store_txn_begin(s, &txn);
    }
    if (st == MPC_OK) {
        st = node_store_txn_put(txn, name, data, len);
    }
    if (st == MPC_OK) {
        st = node_store_reqlog_index(txn, mpc_clock_wall_ms(), req_id_of(name));
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    return st;
}

static mpc_status
put_txn(void *txn, const char *name, const uint8_t *data, size_t len)
{
    mpc_status st = node_store_txn_put(txn, name, data, len);
    return st == MPC_OK ? node_store_reqlog_index(txn, mpc_clock_wall_ms(), req_id_of(name)) : st;
}

mpc_status
node_store_req_put(node_store *s, const char *request_id, mpc_status outcome, const uint8_t *result,
                   size_t result_len)
{
    return req_write(s, put_plain, request_id, outcome, result, result_len);
}

mpc_status
node_store_txn_req_put(node_store_txn *txn, const char *request_id, mpc_status outcome,
                       const uint8_t *result, size_t result_len)
{
    return req_write(txn, put_txn, request_id, outcome, result, result_len);
}

/* The batch in one transaction; any failure aborts all of it. */
static mpc_status
req_put_batch(node_store *s, const struct node_store_req_entry *e, size_t n)
{
    node_store_txn *txn = NULL;
    mpc_status st = node_store_is_full(s) ? MPC_ERR_STORE_FULL : node_store_space_check(s);
    if (st == MPC_OK) {
        st = node_store_txn_begin(s, &txn);
    }
    for (size_t i = 0; i < n && st == MPC_OK; i++) {
        st = req_write(txn, put_txn, e[i].request_id, e[i].outcome, e[i].result, e[i].result_len);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    return st;
}

mpc_status
node_store_req_put_many(node_store *s, const struct node_store_req_entry *e, size_t n,
                        mpc_status *each)
{
    if (s == NULL || e == NULL || each == NULL || n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = n > 1 ? req_put_batch(s, e, n) : MPC_ERR_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        each[i] = st;
    }
    if (st == MPC_OK) {
        return MPC_OK;
    }
    mpc_status first = MPC_OK;
    for (size_t i = 0; i < n; i++) { /* one by one: a bad entry costs only itself */
        each[i] =
            node_store_req_put(s, e[i].request_id, e[i].outcome, e[i].result, e[i].result_len);
        first = first == MPC_OK ? each[i] : first;
    }
    return first;
}

mpc_status
node_store_req_get(node_store *s, const char *request_id, mpc_status *outcome, uint8_t **result,
                   size_t *result_len)
{
    if (outcome != NULL) {
        *outcome = MPC_OK;
    }
    if (result != NULL) {
        *result = NULL;
    }
    if (result_len != NULL) {
        *result_len = 0;
    }
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || outcome == NULL || result == NULL || result_len == NULL ||
        node_store_name_req(name, sizeof(name), request_id) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = node_store_get(s, name, &buf, &len);
    if (st != MPC_OK) {
        return st;
    }
    if (len < REQ_HEADER || buf[0] != REQ_FORMAT) {
        mpc_secure_free(buf);
        return MPC_ERR_CORRUPT;
    }
    uint32_t code = mpc_get_u32le(buf + 1);
    if (!mpc_status_is_known((int)code)) {
        mpc_secure_free(buf);
        return MPC_ERR_CORRUPT;
    }
    if (len > REQ_HEADER) {
        *result = malloc(len - REQ_HEADER);
        if (*result == NULL) {
            mpc_secure_free(buf);
            return MPC_ERR_NOMEM;
        }
        memcpy(*result, buf + REQ_HEADER, len - REQ_HEADER);
        *result_len = len - REQ_HEADER;
    }
    *outcome = (mpc_status)code;
    mpc_secure_free(buf);
    return MPC_OK;
}

mpc_status
node_store_identity_bind(node_store *s, const uint8_t *pk32)
{
    if (s == NULL || pk32 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_txn *txn = NULL;
    mpc_status st = node_store_txn_begin(s, &txn);
    if (st != MPC_OK) {
        return st;
    }
    uint8_t *have = NULL;
    size_t have_len = 0;
    st = node_store_txn_get(txn, "identity", &have, &have_len);
    if (st == MPC_ERR_NOT_FOUND) {
        st = node_store_txn_put(txn, "identity", pk32, 32);
        if (st == MPC_OK) {
            return node_store_txn_commit(&txn);
        }
    } else if (st == MPC_OK) {
        st = have_len == 32 ? (mpc_ct_equal(have, pk32, 32) ? MPC_OK : MPC_ERR_CONFIG)
                            : MPC_ERR_CORRUPT;
        mpc_secure_free(have);
    }
    node_store_txn_abort(&txn);
    return st;
}

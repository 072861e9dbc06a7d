/*
 * store_reqlog.c — request-log retention and the store-full state.
 *
 * DESIGN: every request-log record req/<id> gets, in the same transaction, an
 * entry in the plain table "reqlog" keyed u64be(wall ms) || id, so the oldest
 * entries come first and the entry count is O(1) (mdb_stat). Pruning walks
 * that index from the oldest entry in one write transaction of at most
 * `batch` deletions, so the writer lock is held briefly. The index holds only
 * what the record names already show (request ids), plus a time.
 *
 * Full: LMDB cannot delete once the map is exhausted (a deletion copies the
 * pages on its path too), so the store declares itself full early: when the
 * pages in use come within a reserve (1/8 of the map, 32 pages to 64 MiB) of
 * the map size. From then on request-log writes are refused (MPC_ERR_STORE_FULL)
 * and the reserve is left to key shares and to pruning. A put or commit that
 * hits the map size itself also marks the store full (the estimate counts
 * LMDB's free list as free, which concurrent readers can make optimistic).
 * The state (an atomic flag, readable from any thread) clears in
 * node_store_space_check once the estimate shows twice the reserve free and
 * a probe write transaction (aborted) allocates 64 KiB. Nothing committed is
 * touched by any of this.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "node/store/store_internal.h"

#define REQLOG_TS_BYTES   8u
#define FREELIST_SCAN_MAX 65536u /* free-list records read per space check */
#define PROBE_RECORD      1024u  /* stays on leaf pages (no contiguous overflow run needed) */
#define PROBE_RECORDS     64u    /* 64 KiB must fit before the full state clears */

/* Pages kept free for share writes and pruning: 1/8 of the map, 32 pages at
 * least, 16384 (64 MiB of 4 KiB pages) at most. */
static size_t
reserve_pages(size_t total)
{
    size_t r = total / 8;
    return r < 32 ? 32 : r > 16384 ? 16384 : r;
}

mpc_status
node_store_reqlog_attach(node_store *s)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc == 0) {
        rc = mdb_dbi_open(txn, "reqlog", MDB_CREATE, &s->reqlog);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn); /* keeps the handle */
    } else if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    if (rc != 0) {
        mpc_log(MPC_LOG_ERROR, "store", "reqlog_open_failed", "err=\"%s\"", mdb_strerror(rc));
        return rc == MDB_MAP_FULL ? MPC_ERR_STORE_FULL : MPC_ERR_STORE;
    }
    return MPC_OK;
}

mpc_status
node_store_note(node_store *s, mpc_status st)
{
    if (st == MPC_ERR_STORE_FULL && __atomic_exchange_n(&s->full, 1, __ATOMIC_ACQ_REL) == 0) {
        __atomic_add_fetch(&s->full_events, 1, __ATOMIC_RELAXED);
        mpc_log(MPC_LOG_ERROR, "store", "store_full",
                "used_pages=%llu total_pages=%llu reason=\"store within its reserve of the LMDB "
                "map size: request-log writes refused until space returns (pruning, or a larger "
                "store.map_size_mb)\"",
                (unsigned long long)__atomic_load_n(&s->used_pages, __ATOMIC_RELAXED),
                (unsigned long long)__atomic_load_n(&s->total_pages, __ATOMIC_RELAXED));
    }
    return st;
}

int
node_store_is_full(const node_store *s)
{
    return s != NULL && __atomic_load_n(&s->full, __ATOMIC_ACQUIRE) != 0;
}

uint64_t
node_store_full_events(const node_store *s)
{
    return s != NULL ? __atomic_load_n(&s->full_events, __ATOMIC_RELAXED) : 0;
}

uint64_t
node_store_commits(const node_store *s)
{
    return s != NULL ? __atomic_load_n(&s->commits, __ATOMIC_RELAXED) : 0;
}

/*
 * Pages in use: the high-water mark (last page number + 1) minus the pages
 * on LMDB's free list. The free-list scan (table 0: each value is an LMDB
 * ID list whose first word is its length, as mdb_stat -f reads it) runs only
 * when the high-water mark is inside the reserve, and is bounded. LMDB opens
 * cursors on table 0 only in read transactions.
 */
static int
pages_used(node_store *s, MDB_txn *txn, size_t *used, size_t *total)
{
    MDB_envinfo info;
    MDB_stat st;
    int rc = mdb_env_info(s->env, &info);
    if (rc == 0) {
        rc = mdb_env_stat(s->env, &st);
    }
    if (rc != 0 || st.ms_psize == 0) {
        return rc != 0 ? rc : EINVAL;
    }
    *total = info.me_mapsize / st.ms_psize;
    *used = info.me_last_pgno + 1;
    if (*used + reserve_pages(*total) <= *total) {
        return 0; /* fast path: below the reserve even counting freed pages as used */
    }
    MDB_cursor *c = NULL;
    MDB_val k, v;
    size_t free_pages = 0;
    rc = mdb_cursor_open(txn, 0, &c);
    int at = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_FIRST) : rc;
    for (unsigned i = 0; at == 0 && i < FREELIST_SCAN_MAX; i++) {
        if (v.mv_size >= sizeof(size_t)) {
            size_t n;
            memcpy(&n, v.mv_data, sizeof n);
            free_pages += n;
        }
        at = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    if (c != NULL) {
        mdb_cursor_close(c);
    }
    *used = free_pages < *used ? *used - free_pages : 0;
    return rc;
}

/* Marks or clears the full state from the pages in use; returns MPC_ERR_STORE_FULL while full. */
static mpc_status
judge_space(node_store *s, MDB_txn *txn)
{
    size_t used = 0, total = 0;
    int rc = pages_used(s, txn, &used, &total);
    if (rc != 0) {
        mpc_log(MPC_LOG_ERROR, "store", "space_check_failed", "err=\"%s\"", mdb_strerror(rc));
        return MPC_ERR_STORE;
    }
    size_t reserve = reserve_pages(total);
    __atomic_store_n(&s->used_pages, (uint64_t)used, __ATOMIC_RELAXED);
    __atomic_store_n(&s->total_pages, (uint64_t)total, __ATOMIC_RELAXED);
    if (used + reserve > total) {
        return node_store_note(s, MPC_ERR_STORE_FULL);
    }
    if (!node_store_is_full(s)) {
        return MPC_OK;
    }
    if (used + 2 * reserve > total) {
        return MPC_ERR_STORE_FULL; /* hysteresis: clear only with twice the reserve free */
    }
    return MPC_OK;
}

/*
 * Proves that PROBE_RECORDS records of PROBE_RECORD bytes can be allocated
 * now, in a write transaction that is then aborted (nothing is written).
 * The count of free pages alone is not enough: LMDB cannot reuse pages freed
 * after the snapshot of any live reader, so under concurrent reads it may
 * hit the map size with many pages on its free list.
 */
static mpc_status
probe_space(node_store *s)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    for (unsigned i = 0; rc == 0 && i < PROBE_RECORDS; i++) {
        char name[16];
        snprintf(name, sizeof name, "!probe%03u", i);
        MDB_val k = {strlen(name), name}, v = {PROBE_RECORD, NULL};
        rc = mdb_put(txn, s->meta, &k, &v, MDB_RESERVE);
        if (rc == 0) {
            memset(v.mv_data, 0, PROBE_RECORD);
        }
    }
    if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    return rc == 0 ? MPC_OK : rc == MDB_MAP_FULL ? MPC_ERR_STORE_FULL : MPC_ERR_STORE;
}

/* Clears the full state if the estimate and a real allocation both allow it. */
static mpc_status
try_clear(node_store *s)
{
    mpc_status st = probe_space(s);
    if (st != MPC_OK) {
        return st;
    }
    if (__atomic_exchange_n(&s->full, 0, __ATOMIC_ACQ_REL) != 0) {
        mpc_log(MPC_LOG_INFO, "store", "store_space_returned", "used_pages=%llu total_pages=%llu",
                (unsigned long long)__atomic_load_n(&s->used_pages, __ATOMIC_RELAXED),
                (unsigned long long)__atomic_load_n(&s->total_pages, __ATOMIC_RELAXED));
    }
    return MPC_OK;
}

static mpc_status
space_check_locked(node_store *s)
{
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_txn *txn = NULL;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0) {
        return MPC_ERR_STORE;
    }
    int was_full = node_store_is_full(s);
    mpc_status st = judge_space(s, txn);
    mdb_txn_abort(txn);
    if (st == MPC_OK && was_full) {
        st = try_clear(s); /* a write transaction: after the read one ended */
    }
    return st;
}

static uint64_t
used_bytes_locked(const node_store *s, uint64_t *map_bytes)
{
    MDB_stat st;
    if (s == NULL || mdb_env_stat(s->env, &st) != 0) {
        return 0;
    }
    if (map_bytes != NULL) {
        *map_bytes = __atomic_load_n(&s->total_pages, __ATOMIC_RELAXED) * st.ms_psize;
    }
    return __atomic_load_n(&s->used_pages, __ATOMIC_RELAXED) * st.ms_psize;
}

mpc_status
node_store_reqlog_index(node_store_txn *txn, uint64_t ms, const char *request_id)
{
    uint8_t key[REQLOG_TS_BYTES + NODE_STORE_NAME_MAX];
    size_t n = strlen(request_id);
    if (n == 0 || n > NODE_STORE_NAME_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    for (unsigned i = 0; i < REQLOG_TS_BYTES; i++) {
        key[i] = (uint8_t)(ms >> (8 * (REQLOG_TS_BYTES - 1 - i)));
    }
    memcpy(key + REQLOG_TS_BYTES, request_id, n);
    if (node_store_is_full(txn->s)) {
        return MPC_ERR_STORE_FULL; /* the reserve is for shares and pruning */
    }
    MDB_val k = {REQLOG_TS_BYTES + n, key}, v = {0, NULL};
    int rc = mdb_put(txn->txn, txn->s->reqlog, &k, &v, 0);
    if (rc == MDB_MAP_FULL) {
        return node_store_note(txn->s, MPC_ERR_STORE_FULL);
    }
    return rc == 0 ? MPC_OK : MPC_ERR_STORE;
}

static mpc_status
req_count_locked(node_store *s, uint64_t *count)
{
    if (count != NULL) {
        *count = 0;
    }
    if (s == NULL || count == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_txn *txn = NULL;
    MDB_stat ms;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = mdb_stat(txn, s->reqlog, &ms);
        mdb_txn_abort(txn);
    }
    if (rc != 0) {
        return MPC_ERR_STORE;
    }
    *count = ms.ms_entries;
    return MPC_OK;
}

/* Deletes the index entry under cursor c and its record req/<id>. */
static int
prune_one(node_store *s, MDB_txn *txn, MDB_cursor *c, const MDB_val *k)
{
    char name[NODE_STORE_NAME_MAX + 1];
    size_t idlen = k->mv_size - REQLOG_TS_BYTES;
    int n = snprintf(name, sizeof name, "req/%.*s", (int)idlen,
                     (const char *)k->mv_data + REQLOG_TS_BYTES);
    if (n > 0 && (size_t)n < sizeof name) {
        MDB_val rk = {(size_t)n, name};
        int rc = mdb_del(txn, s->recs, &rk, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND) {
            return rc;
        }
    }
    return mdb_cursor_del(c, 0);
}

static mpc_status
req_prune_locked(node_store *s, uint64_t older_than_ms, uint64_t max_entries, size_t batch,
                 size_t *removed)
{
    if (removed != NULL) {
        *removed = 0;
    }
    if (s == NULL || removed == NULL || batch == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    MDB_txn *txn = NULL;
    MDB_cursor *c = NULL;
    MDB_stat ms;
    size_t done = 0;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc == 0) {
        rc = mdb_stat(txn, s->reqlog, &ms);
    }
    if (rc == 0) {
        rc = mdb_cursor_open(txn, s->reqlog, &c);
    }
    MDB_val k, v;
    int at = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_FIRST) : rc;
    while (rc == 0 && at == 0 && done < batch && k.mv_size > REQLOG_TS_BYTES) {
        uint64_t t = 0;
        for (unsigned i = 0; i < REQLOG_TS_BYTES; i++) {
            t = (t << 8) | ((const uint8_t *)k.mv_data)[i];
        }
        if (t >= older_than_ms && ms.ms_entries - done <= max_entries) {
            break; /* the oldest entry is within both limits: so are the rest */
        }
        rc = prune_one(s, txn, c, &k);
        done += rc == 0;
        /* the deleted entry was the oldest: the next one is the first again */
        at = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_FIRST) : at;
    }
    if (c != NULL) {
        mdb_cursor_close(c);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
    } else if (txn != NULL) {
        mdb_txn_abort(txn);
    }
    if (rc != 0) {
        if (rc == MDB_MAP_FULL) {
            return node_store_note(s, MPC_ERR_STORE_FULL);
        }
        mpc_log(MPC_LOG_ERROR, "store", "reqlog_prune_failed", "err=\"%s\"", mdb_strerror(rc));
        return MPC_ERR_STORE;
    }
    *removed = done;
    return MPC_OK;
}

mpc_status
node_store_space_check(node_store *s)
{
    if (s == NULL) {
        return space_check_locked(s); /* it checks its arguments */
    }
    if (node_store_enter(s) != MPC_OK) {
        return MPC_ERR_STORE;
    }
    mpc_status r = space_check_locked(s);
    node_store_leave(s);
    return r;
}

uint64_t
node_store_used_bytes(const node_store *s, uint64_t *map_bytes)
{
    if (s == NULL) {
        return used_bytes_locked(s, map_bytes); /* it checks its arguments */
    }
    if (node_store_enter((node_store *)s) != MPC_OK) {
        return 0;
    }
    uint64_t r = used_bytes_locked(s, map_bytes);
    node_store_leave((node_store *)s);
    return r;
}

mpc_status
node_store_req_count(node_store *s, uint64_t *count)
{
    if (s == NULL) {
        return req_count_locked(s, count); /* it checks its arguments */
    }
    if (node_store_enter(s) != MPC_OK) {
        return MPC_ERR_STORE;
    }
    mpc_status r = req_count_locked(s, count);
    node_store_leave(s);
    return r;
}

mpc_status
node_store_req_prune(node_store *s, uint64_t older_than_ms, uint64_t max_entries, size_t batch,
                     size_t *removed)
{
    if (s == NULL) {
        return req_prune_locked(s, older_than_ms, max_entries, batch,
                                removed); /* it checks its arguments */
    }
    if (node_store_enter(s) != MPC_OK) {
        return MPC_ERR_STORE;
    }
    mpc_status r = req_prune_locked(s, older_than_ms, max_entries, batch, removed);
    node_store_leave(s);
    return r;
}

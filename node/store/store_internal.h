/*
 * store_internal.h — the store's private state, shared by store.c and
 * store_reqlog.c. Not an API: nothing outside node/store/ includes it.
 */
#ifndef MPC_NODE_STORE_STORE_INTERNAL_H
#define MPC_NODE_STORE_STORE_INTERNAL_H

#include <lmdb.h>
#include <stdint.h>

#include "node/store/store.h"

struct node_store {
    MDB_env *env;         /* LMDB environment, shared by all threads */
    MDB_dbi meta;         /* table "meta": kdf parameters and verifier */
    MDB_dbi recs;         /* table "records": sealed records */
    MDB_dbi reqlog;       /* table "reqlog": u64be wall ms || request id -> "" (age index) */
    uint8_t *key;         /* secure memory, NODE_STORE_SEAL_KEY_BYTES; wiped on close */
    int full;             /* a write hit the map size; cleared by node_store_space_check (atomic) */
    uint64_t full_events; /* times the store became full (atomic) */
    uint64_t used_pages;  /* pages in use at the last space check (atomic) */
    uint64_t total_pages; /* map size in pages at the last space check (atomic) */
#ifdef MPC_FAULT_INJECTION
    int fault; /* armed enum node_store_fault; test-only, single-threaded use */
#endif
};

struct node_store_txn {
    node_store *s; /* the store (borrowed) */
    MDB_txn *txn;  /* LMDB write transaction */
};

/* Opens (creating if needed) the "reqlog" table after the store was unlocked. */
mpc_status node_store_reqlog_attach(node_store *s);

/* Marks s full when st is MPC_ERR_STORE_FULL; returns st. */
mpc_status node_store_note(node_store *s, mpc_status st);

/* Adds the age-index entry of request_id, written at wall time ms, to txn. */
mpc_status node_store_reqlog_index(node_store_txn *txn, uint64_t ms, const char *request_id);

#endif /* MPC_NODE_STORE_STORE_INTERNAL_H */

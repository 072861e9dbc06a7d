/*
 * store_internal.h — the key store's representation, shared by the files of
 * node/store/ that implement store.h (store.c, store_compact.c,
 * store_reqlog.c). Not for use outside node/store/.
 *
 * DESIGN: `lock` makes compaction (store_compact.c) safe against every other
 * store call: each call, and each write transaction from begin to commit or
 * abort, holds it for reading (node_store_enter/leave); compaction, which
 * closes and reopens the LMDB environment, holds it for writing.
 */
#ifndef MPC_NODE_STORE_STORE_INTERNAL_H
#define MPC_NODE_STORE_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>

#include "node/store/keyinfo.h"
#include "node/store/store.h"

struct node_store {
    MDB_env *env;          /* LMDB environment, shared by all threads; NULL if a reopen failed */
    MDB_dbi meta;          /* table "meta": kdf parameters and verifier */
    MDB_dbi recs;          /* table "records": sealed records */
    MDB_dbi reqlog;        /* table "reqlog": u64be wall ms || request id -> "" (age index) */
    uint8_t *key;          /* secure memory, NODE_STORE_SEAL_KEY_BYTES; wiped on close */
    char *path;            /* the store file (malloc'ed), for compaction */
    uint64_t map_size;     /* LMDB map size the environment was opened with */
    pthread_rwlock_t lock; /* read: any store call; write: compaction */
    int flock_fd;          /* "<path>-lock" for compaction's flock (node/store/backup.h), -1 until
                              first used; kept open until close: closing a descriptor of the lock
                              file would drop LMDB's fcntl locks of this process */
    int full;             /* a write hit the map size; cleared by node_store_space_check (atomic) */
    uint64_t full_events; /* times the store became full (atomic) */
    uint64_t commits;     /* write transactions committed by node_store_txn_commit (atomic) */
    uint64_t used_pages;  /* pages in use at the last space check (atomic) */
    uint64_t total_pages; /* map size in pages at the last space check (atomic) */
#ifdef MPC_FAULT_INJECTION
    int fault; /* armed enum node_store_fault; test-only, single-threaded use */
#endif
};

struct node_store_txn {
    node_store *s; /* the store (borrowed); its lock is held for reading until commit/abort */
    MDB_txn *txn;  /* LMDB write transaction */
};

#define NODE_STORE_KDF_REC_BYTES 36u /* meta "kdf": format, alg, opslimit, memlimit, salt */
#define NODE_STORE_VERIFIER      "mpc-node store verifier v1" /* sealed as "!verifier" */

/* Seals data for record name under key into a malloc'ed LMDB value
 * (u8 format || nonce || ciphertext || tag). Caller frees *val with free(). */
mpc_status node_store_value_seal(const uint8_t *key, const char *name, const uint8_t *data,
                                 size_t len, uint8_t **val, size_t *val_len);

/* Opens an LMDB value of record name under key. Out: *out secure memory (caller
 * frees with mpc_secure_free). Returns MPC_ERR_CORRUPT if it does not open. */
mpc_status node_store_value_open(const uint8_t *key, const char *name, const MDB_val *v,
                                 uint8_t **out, size_t *out_len);

/* Encodes the meta "kdf" record (NODE_STORE_KDF_REC_BYTES bytes) into b. */
void node_store_kdf_encode(uint8_t *b, const struct node_store_kdf_params *kdf,
                           const uint8_t *salt);

/* Takes a flock on fd (see node_store_lockfile_take), waiting at most wait_ms.
 * Returns: MPC_OK; MPC_ERR_TIMEOUT; MPC_ERR_IO. */
mpc_status node_store_flock_wait(int fd, int exclusive, uint64_t wait_ms);

/* Translates an LMDB return code (logged with its text: it never carries data). */
mpc_status node_store_lmdb_status(int rc, const char *what);

/* Creates s->env and opens s->path with s->map_size. Returns an LMDB code; on
 * failure s->env is NULL. */
int node_store_env_open(node_store *s);

/* Takes the store's lock for reading. Returns MPC_ERR_STORE, lock not held, if
 * the environment is gone (a failed reopen). */
mpc_status node_store_enter(node_store *s);

/* Releases what node_store_enter took. */
void node_store_leave(node_store *s);

/* Opens (creating if needed) the "reqlog" table after the store was unlocked
 * or reopened. */
mpc_status node_store_reqlog_attach(node_store *s);

/* Marks s full when st is MPC_ERR_STORE_FULL; returns st. */
mpc_status node_store_note(node_store *s, mpc_status st);

/* Adds the age-index entry of request_id, written at wall time ms, to txn. */
mpc_status node_store_reqlog_index(node_store_txn *txn, uint64_t ms, const char *request_id);

/*
 * keyinfo/<key_type>/<wallet> inside txn (node/store/keys.c; the key-version
 * modules keys.c and keys_pending.c share them).
 * get — Out: *ki. Returns: MPC_OK; MPC_ERR_NOT_FOUND; MPC_ERR_CORRUPT (also
 *       a record of another key type); the store's errors.
 * put — encodes a valid ki and writes it. Returns: MPC_OK; MPC_ERR_INVALID_ARG;
 *       the store's errors.
 */
MPC_MUST_CHECK mpc_status node_store_keyinfo_txn_get(node_store_txn *txn, int key_type,
                                                     const char *wallet,
                                                     struct node_store_keyinfo *ki);
MPC_MUST_CHECK mpc_status node_store_keyinfo_txn_put(node_store_txn *txn, const char *wallet,
                                                     const struct node_store_keyinfo *ki);

#endif /* MPC_NODE_STORE_STORE_INTERNAL_H */

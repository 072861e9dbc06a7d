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
#include "node/store/keyring.h"
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
    node_store_keyring *keyring; /* record keys of erasable records ("<path>-keyring") */
    int compact_due;             /* a legacy (format 1) share left bytes in free pages (atomic);
                                    node_store_compact_if_due compacts and clears it */
#ifdef MPC_FAULT_INJECTION
    int fault; /* armed enum node_store_fault; test-only, single-threaded use */
#endif
};

/* A record key named by an erasable record (store_erase.c). */
struct node_store_key_ref {
    uint32_t slot;                           /* slot in the keyring */
    uint8_t id[NODE_STORE_KEYRING_ID_BYTES]; /* the key id the slot must carry */
};

struct node_store_txn {
    node_store *s;                    /* the store (borrowed); its lock is held for reading
                                         until commit/abort */
    MDB_txn *txn;                     /* LMDB write transaction */
    struct node_store_key_ref *added; /* keys made in this txn: erased unless it commits */
    size_t n_added;                   /* entries in added */
    struct node_store_key_ref *gone;  /* keys of records this txn deletes: erased after commit */
    size_t n_gone;                    /* entries in gone */
    int legacy_gone;                  /* a format-1 share was deleted or replaced */
};

#define NODE_STORE_FORMAT_SEALED   1u /* value sealed under the store key */
#define NODE_STORE_FORMAT_ERASABLE 2u /* also sealed under a record key (store_erase.c) */

#define NODE_STORE_KDF_REC_BYTES 36u /* meta "kdf": format, alg, opslimit, memlimit, salt */
#define NODE_STORE_VERIFIER      "mpc-node store verifier v1" /* sealed as "!verifier" */

/* Seals data for record name under key into a malloc'ed LMDB value
 * (u8 format || nonce || ciphertext || tag; the format byte is in the AD).
 * Caller frees *val with free(). _fmt takes the format (NODE_STORE_FORMAT_*). */
mpc_status node_store_value_seal(const uint8_t *key, const char *name, const uint8_t *data,
                                 size_t len, uint8_t **val, size_t *val_len);
mpc_status node_store_value_seal_fmt(const uint8_t *key, uint8_t fmt, const char *name,
                                     const uint8_t *data, size_t len, uint8_t **val,
                                     size_t *val_len);

/* The format byte of an LMDB value (0 if empty). */
uint8_t node_store_value_format(const MDB_val *v);

/* Opens an LMDB value of record name under key (either format: for an
 * erasable one this is only its outer layer). Out: *out secure memory (caller
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

/*
 * Erasable records (store_erase.c): records whose name starts with "share/"
 * are sealed under a record key of the keyring as well (format 2).
 * name_is_erasable — 1 for such a name.
 * put   — writes data as an erasable record in txn (a record that is already
 *         erasable keeps its key; a new one gets a fresh key, synced first).
 * open  — opens a format-2 value v of name. Out: *out (secure memory).
 *         Returns: MPC_OK; MPC_ERR_CORRUPT; MPC_ERR_RECORD_KEY_ERASED;
 *         MPC_ERR_KEYRING_CORRUPT; MPC_ERR_IO; MPC_ERR_NOMEM.
 * forget — notes that txn deletes name (before the delete): its key is
 *         erased after the commit; a format-1 share marks compaction due.
 * finish — after commit (committed = 1) or abort: erases the keys that are
 *         no longer named, syncs the keyring; frees the txn's lists.
 */
int node_store_name_is_erasable(const char *name);
mpc_status node_store_erasable_put(node_store_txn *txn, const char *name, const uint8_t *data,
                                   size_t len);
mpc_status node_store_erasable_open(node_store *s, const char *name, const MDB_val *v,
                                    uint8_t **out, size_t *out_len);
mpc_status node_store_erasable_forget(node_store_txn *txn, const char *name);
void node_store_erasable_finish(node_store_txn *txn, int committed);

/* Test builds (MPC_FAULT_INJECTION): SIGKILL here when MPC_STORE_TEST_KILL_AT
 * names point ("rekey_<point>", "erase_<point>"); a no-op otherwise. */
void node_store_killpoint(const char *point);

#endif /* MPC_NODE_STORE_STORE_INTERNAL_H */

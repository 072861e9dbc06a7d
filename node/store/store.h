/*
 * store.h — the node's key store (DESIGN §8): an LMDB file of sealed records.
 *
 * Every record value is XChaCha20-Poly1305-sealed under a 32-byte key derived
 * with Argon2id from the node passphrase; the associated data is a domain tag
 * plus the record name, so a value copied under another name fails to open
 * (MPC_ERR_CORRUPT). A "meta" table (not secret) holds the Argon2id salt and
 * cost and a sealed verifier: opening with a wrong passphrase is detected
 * before anything is written and returns MPC_ERR_BAD_PASSPHRASE, leaving the
 * file byte-identical.
 *
 * Record names (printable ASCII, no spaces, <= NODE_STORE_NAME_MAX):
 *   share/<key_type>/<wallet>/v<N>   a key share (secret)
 *   keyinfo/<key_type>/<wallet>      struct node_store_keyinfo (node/store/keyinfo.h)
 *   req/<request_id>                 request log: outcome + result bytes
 *   kosq/<hex digest>                a peer's signed KOS quarantine notice (node/store/kosq.h)
 *   unpub/<request_id>               a logged result not yet acknowledged by JetStream
 *                                    (node/store/unpub.h)
 * The request log also has an age index (plain table "reqlog", written in the
 * same transaction) so node_store_req_prune can drop the oldest entries.
 *   identity                         the node public key this store belongs to
 *   presig/<type>/<wallet>/v<N>/s<set>/<id>  an ECDSA presignature record (node/store/presig.h)
 * A share and its keyinfo change together, in one transaction, only through
 * node/store/keys.h (the key-version state machine). The node_store_txn_*
 * API is for the store's own modules (node/store/); daemon code does not
 * compose transactions.
 *
 * Durability: LMDB with synchronous commits (no MDB_NOSYNC / MDB_NOMETASYNC):
 * a commit that returned MPC_OK survives a crash or kill -9.
 *
 * THREAD SAFETY: a node_store may be shared by all threads. Each call without
 * a txn argument runs its own short LMDB transaction. Write transactions are
 * serialised by LMDB (one at a time; a second writer blocks until the first
 * commits or aborts). A node_store_txn belongs to the thread that began it,
 * and while it is open that thread must not call any other node_store_*
 * function (LMDB allows one transaction per thread). LMDB keeps a reader slot
 * per reading thread (126 slots): long-lived pool threads are fine, thousands
 * of short-lived reader threads are not. Close only after every other thread
 * stopped using the store.
 */
#ifndef MPC_NODE_STORE_STORE_H
#define MPC_NODE_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/keyinfo.h"
#include "node/store/seal.h"

#define NODE_STORE_NAME_MAX     200u         /* record name length bound */
#define NODE_STORE_VALUE_MAX    (1u << 20)   /* plaintext bound per record */
#define NODE_STORE_MAP_SIZE_DEF (1ull << 30) /* default LMDB map size: 1 GiB */
#define NODE_STORE_CREATE       0x1u         /* create the store if it does not exist */

/* Options for node_store_open. */
struct node_store_options {
    struct node_store_kdf_params
        kdf;           /* Argon2id cost, used only when creating (NODE_STORE_KDF_MODERATE) */
    uint64_t map_size; /* LMDB map size in bytes; 0 = NODE_STORE_MAP_SIZE_DEF */
    unsigned flags;    /* NODE_STORE_CREATE or 0 */
};

/* An open key store. Opaque. */
typedef struct node_store node_store;

/* An open write transaction. Opaque. */
typedef struct node_store_txn node_store_txn;

/*
 * Opens (or with NODE_STORE_CREATE creates) the store file at path (LMDB with
 * MDB_NOSUBDIR: the data file is path, the lock file path-lock), and checks
 * the passphrase against the verifier.
 * Out: *out — cleared on entry; caller owns it, close with node_store_close.
 *      err — readable message on failure ("" on success); may be NULL.
 * Returns: MPC_OK;
 *   MPC_ERR_BAD_PASSPHRASE  wrong passphrase (nothing was written);
 *   MPC_ERR_NOT_FOUND       no store at path and NODE_STORE_CREATE not given;
 *   MPC_ERR_CORRUPT         meta records missing or malformed;
 *   MPC_ERR_STORE           LMDB error (message names it); MPC_ERR_INVALID_ARG;
 *   MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_open(const char *path, const char *pass, size_t pass_len,
                                          const struct node_store_options *opt, node_store **out,
                                          char *err, size_t err_cap);

/* Wipes the key and closes the store. Accepts NULL. No txn may be open. */
void node_store_close(node_store *s);

/*
 * Rewrites the store file without its free pages, so that bytes of deleted
 * records (LMDB is copy-on-write: a deleted or replaced record's old page
 * stays in the file as a free page until reused) are gone from the file.
 *
 * How: mdb_env_copyfd2(MDB_CP_COMPACT) writes only the pages reachable from
 * the current root (used parts of each page; free pages and the free list are
 * left out) into <path>.compact, which is fsync'ed and renamed over <path>
 * (atomic: a crash leaves the old or the new file, both complete). The old
 * file's blocks are then overwritten with zeros through a descriptor kept
 * open across the rename, and the environment is reopened on the new file.
 * Why not overwrite free pages in place: LMDB keeps no API to reach them,
 * and pages freed by the last transactions are still referenced by the
 * previous meta page, so they could not be reused or wiped safely.
 *
 * Quiescent point: the store's lock is taken for writing, so it waits until
 * no other thread is inside a store call or holds a txn, and blocks new ones
 * until it is done. The store file must not be open in another process (the
 * daemon owns it; mpc-cli store-check is for a stopped node).
 * A backup running in another process (node/store/backup.h) is waited for,
 * at most NODE_STORE_BACKUP_LOCK_WAIT_MS (MPC_ERR_TIMEOUT: not compacted).
 * Returns: MPC_OK; MPC_ERR_IO (temp file or rename failed: the old file
 *          stays in use; or zeroing the old file failed after the swap);
 *          either way the store stays usable unless the reopen failed;
 *          MPC_ERR_STORE (LMDB error; if the reopen failed every later call
 *          returns MPC_ERR_STORE); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_compact(node_store *s);

/*
 * Shares are erasable records (docs/DESIGN.md §8, node/store/keyring.h): each
 * is sealed under its own record key too, kept in "<path>-keyring"; deleting
 * a share zeroes its key after the commit, so its bytes left in LMDB free
 * pages can no longer be opened, and no compaction is needed. Shares of a
 * store written before this format (format 1) still open; deleting one marks
 * a compaction due.
 *
 * compact_if_due — node_store_compact if a deleted format-1 share left its
 *     bytes in free pages since the last one; else MPC_OK at once.
 * erasable_sweep — zeroes the record keys no share names (a crash between a
 *     commit and its key write or erase). Only the process that owns the
 *     store, at a quiescent point (the node's start). Out: *erased (may be NULL).
 * erasable_migrate — rewrites every format-1 share as an erasable record (one
 *     transaction) and marks a compaction due (the node's start: stores written
 *     before this format, and restored backups). Out: *migrated (may be NULL).
 * erasable_export — rewrites every share of snap (a copy of live's file,
 *     same passphrase) in format 1, its record key read from live's keyring,
 *     so the copy opens without live's keyring (backups).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; the store's and the keyring's errors
 *     (MPC_ERR_RECORD_KEY_ERASED: export found a share deleted since the copy).
 */
MPC_MUST_CHECK mpc_status node_store_compact_if_due(node_store *s);
MPC_MUST_CHECK mpc_status node_store_erasable_sweep(node_store *s, size_t *erased);
MPC_MUST_CHECK mpc_status node_store_erasable_migrate(node_store *s, size_t *migrated);
MPC_MUST_CHECK mpc_status node_store_erasable_export(node_store *live, node_store *snap);

/*
 * Forces the data to disk (mdb_env_sync). Commits are already durable; this
 * is for shutdown.
 * Returns: MPC_OK; MPC_ERR_STORE; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_sync(node_store *s);

/*
 * Returns: 1 if name is a valid record name (see above), else 0.
 */
int node_store_name_is_valid(const char *name);

/*
 * Seals and writes one record (replacing any previous value).
 * In: data[0..len), len <= NODE_STORE_VALUE_MAX (len 0 allowed).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (bad name, NULL, too long);
 *          MPC_ERR_STORE (LMDB error, e.g. map full); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_put(node_store *s, const char *name, const uint8_t *data,
                                         size_t len);

/*
 * Reads and opens one record.
 * Out: *out — cleared on entry; on MPC_OK secure memory holding *out_len
 *      plaintext bytes (at least 1 byte allocated even for an empty record);
 *      caller frees with mpc_secure_free.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND; MPC_ERR_CORRUPT (tampered value, or a
 *          value written under another name); MPC_ERR_STORE; MPC_ERR_INVALID_ARG;
 *          MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_get(node_store *s, const char *name, uint8_t **out,
                                         size_t *out_len);

/*
 * Deletes one record.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND; MPC_ERR_STORE; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_delete(node_store *s, const char *name);

/*
 * Lists the names of records starting with prefix ("" lists all), in byte order.
 * Out: *names — cleared on entry; a malloc'ed array of *count malloc'ed
 *      strings; free with node_store_names_free. *names is NULL when *count is 0.
 * Returns: MPC_OK; MPC_ERR_STORE; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_list(node_store *s, const char *prefix, char ***names,
                                          size_t *count);

/* Frees a list from node_store_list. Accepts NULL. */
void node_store_names_free(char **names, size_t count);

/*
 * Begins a write transaction (blocks while another thread holds one).
 * Out: *out — cleared on entry; finish with node_store_txn_commit or _abort.
 * Returns: MPC_OK; MPC_ERR_STORE; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_txn_begin(node_store *s, node_store_txn **out);

/* As node_store_put, inside txn (visible to others only after commit). */
MPC_MUST_CHECK mpc_status node_store_txn_put(node_store_txn *txn, const char *name,
                                             const uint8_t *data, size_t len);

/* As node_store_get, inside txn (sees the txn's own writes). */
MPC_MUST_CHECK mpc_status node_store_txn_get(node_store_txn *txn, const char *name, uint8_t **out,
                                             size_t *out_len);

/* As node_store_delete, inside txn. */
MPC_MUST_CHECK mpc_status node_store_txn_delete(node_store_txn *txn, const char *name);

/*
 * Deletes a secret record inside txn after overwriting its stored bytes with
 * zeros, so that no page that stays live keeps them. The page versions from
 * before txn become LMDB free pages: node_store_compact removes those.
 * Returns: as node_store_txn_delete.
 */
MPC_MUST_CHECK mpc_status node_store_txn_wipe(node_store_txn *txn, const char *name);

/*
 * Commits and frees *txn; sets *txn to NULL in every case.
 * Returns: MPC_OK (durable); MPC_ERR_STORE (nothing of the txn is visible);
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_txn_commit(node_store_txn **txn);

/* Discards every change of *txn, frees it and sets *txn to NULL. Accepts NULL / *txn NULL. */
void node_store_txn_abort(node_store_txn **txn);

/*
 * Record name builders. Out: buf (NUL-terminated), "" on failure.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (unknown key type, invalid wallet or
 *          request id, version 0); MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status node_store_name_share(char *buf, size_t cap, int key_type,
                                                const char *wallet, uint32_t version);
MPC_MUST_CHECK mpc_status node_store_name_keyinfo(char *buf, size_t cap, int key_type,
                                                  const char *wallet);
MPC_MUST_CHECK mpc_status node_store_name_req(char *buf, size_t cap, const char *request_id);

/*
 * Reads keyinfo/<key_type>/<wallet>.
 * Out: *ki — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND; MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_keyinfo_get(node_store *s, int key_type, const char *wallet,
                                                 struct node_store_keyinfo *ki);

/*
 * Records the outcome of a request: req/<request_id> -> (outcome, result bytes),
 * with its age-index entry (now, wall clock), in one transaction.
 * Overwrites a previous entry.
 * Returns: as node_store_put (result_len <= NODE_STORE_VALUE_MAX - 8);
 *          MPC_ERR_STORE_FULL when the map is full (the store is then marked full).
 */
MPC_MUST_CHECK mpc_status node_store_req_put(node_store *s, const char *request_id,
                                             mpc_status outcome, const uint8_t *result,
                                             size_t result_len);

/* One request-log write of node_store_req_put_many. */
struct node_store_req_entry {
    const char *request_id;
    mpc_status outcome;
    const uint8_t *result; /* borrowed */
    size_t result_len;
};

/*
 * Group commit: writes n request-log entries (as node_store_req_put each) in
 * ONE transaction, so one commit (one pair of fdatasyncs) makes all of them
 * durable. If any write or the commit fails, nothing of the batch is kept and
 * each entry is written on its own instead (node_store_req_put), so one bad
 * entry never costs the others. When this returns, every entry whose each[i]
 * is MPC_OK survives a crash or kill -9.
 * Out: each[0..n) — the status of entry i (as node_store_req_put).
 * Returns: MPC_OK if every entry was written; else the first failure of
 *          each[] (MPC_ERR_INVALID_ARG for NULL arguments or n == 0).
 */
MPC_MUST_CHECK mpc_status node_store_req_put_many(node_store *s,
                                                  const struct node_store_req_entry *e, size_t n,
                                                  mpc_status *each);

/* Returns: the write transactions committed so far by this store handle
 * (every record write, one group of node_store_req_put_many, a key commit;
 * not pruning or compaction); 0 for NULL. Any thread. */
uint64_t node_store_commits(const node_store *s);

/* As node_store_req_put, inside txn (node/store/keys.c commits a key and its
 * request-log entry together). */
MPC_MUST_CHECK mpc_status node_store_txn_req_put(node_store_txn *txn, const char *request_id,
                                                 mpc_status outcome, const uint8_t *result,
                                                 size_t result_len);

/*
 * Reads a request log entry.
 * Out: *outcome (MPC_OK if absent), *result — cleared on entry; malloc'ed copy
 *      of the result bytes (NULL if empty), caller frees with free();
 *      *result_len.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (request not done); MPC_ERR_CORRUPT;
 *          MPC_ERR_STORE; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_req_get(node_store *s, const char *request_id,
                                             mpc_status *outcome, uint8_t **result,
                                             size_t *result_len);

/*
 * Drops request-log entries, oldest first, in one write transaction of at most
 * batch deletions: every entry written before older_than_ms (wall clock), and
 * the oldest ones while more than max_entries remain. Entries written before
 * the age index existed are never pruned.
 * Out: *removed — entries deleted (0 on error).
 * Returns: MPC_OK; MPC_ERR_STORE_FULL (even the deletion did not fit);
 *          MPC_ERR_STORE; MPC_ERR_INVALID_ARG (NULL, batch 0).
 */
MPC_MUST_CHECK mpc_status node_store_req_prune(node_store *s, uint64_t older_than_ms,
                                               uint64_t max_entries, size_t batch, size_t *removed);

/* Out: *count — request-log entries in the age index. Returns: MPC_OK; MPC_ERR_STORE;
 * MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status node_store_req_count(node_store *s, uint64_t *count);

/*
 * Returns: 1 once the store is full (a request-log write found the reserve
 * reached, or any write hit the map size), until node_store_space_check finds
 * space again; else 0. Any thread.
 */
int node_store_is_full(const node_store *s);

/* Returns: bytes in use at the last space check (0 before one); *map_bytes (may
 * be NULL) the map size then. Any thread. */
uint64_t node_store_used_bytes(const node_store *s, uint64_t *map_bytes);

/* Returns: how many times the store became full since it was opened. Any thread. */
uint64_t node_store_full_events(const node_store *s);

/*
 * Measures the pages in use (a read transaction). Marks the store full when
 * they come within the reserve (1/8 of the map, 32 pages to 64 MiB) of the
 * map size; clears the full state once twice the reserve is free and a probe
 * (a write transaction of 64 KiB of records, aborted) succeeds.
 * Request-log writes are refused while the store is full; key writes may
 * still use the reserve.
 * Returns: MPC_OK (not full); MPC_ERR_STORE_FULL; MPC_ERR_STORE;
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_space_check(node_store *s);

/*
 * Binds the store to a node identity: records pk under "identity" the first
 * time, and afterwards checks that pk matches it.
 * Returns: MPC_OK; MPC_ERR_CONFIG (the store belongs to another identity);
 *          MPC_ERR_CORRUPT; MPC_ERR_STORE; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_identity_bind(node_store *s, const uint8_t *pk32);

#ifdef MPC_FAULT_INJECTION
/* Test-only fault points. */
enum node_store_fault {
    NODE_STORE_FAULT_NONE = 0,            /* normal operation */
    NODE_STORE_FAULT_AFTER_SHARE_PUT = 1, /* node_store_keys_create fails between its two puts */
};

/* Arms a fault point (one shot). */
void node_store_fault_set(node_store *s, enum node_store_fault fault);

/* Internal (store_records.c): returns 1 and disarms if fault is armed, else 0. */
int node_store_fault_take(node_store *s, enum node_store_fault fault);
#endif

#endif /* MPC_NODE_STORE_STORE_H */

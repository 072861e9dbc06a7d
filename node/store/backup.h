/*
 * backup.h — encrypted, integrity-protected, compacted snapshots of a key
 * store (`mpc-cli store backup` / `store restore`, docs/OPERATIONS.md §6),
 * and the check that no other process has a store open.
 *
 * File format (version 1, integers little-endian):
 *   0   magic "MPCSTBAK" (8)
 *   8   u16 format = 1, 10 u16 kdf algorithm = 1 (Argon2id v1.3), 12 u32 0
 *   16  u64 opslimit, 24 u64 memlimit           (Argon2id cost)
 *   32  salt (16)
 *   48  passphrase check (16) = BLAKE2b-128(Argon2id output bytes 32..63)
 *   64  identity public key of the node (32)    (the store's "identity" record)
 *   96  u64 wall time of the backup (ms)
 *   104 u64 size of the snapshot (bytes)
 *   112 crypto_secretstream_xchacha20poly1305 header (24)
 *   136 chunks: u32 length || secretstream ciphertext of <= 64 KiB of the
 *       snapshot; the last chunk carries TAG_FINAL, nothing follows it.
 * Bytes 0..112 are the associated data of every chunk, so a changed header
 * (cost, salt, identity, size) fails to open; a reordered, dropped or
 * truncated chunk fails too (secretstream binds order and the final tag).
 * The key is the first 32 bytes of Argon2id(store passphrase, fresh salt);
 * the check value tells a wrong passphrase (MPC_ERR_BAD_PASSPHRASE) from a
 * damaged file (MPC_ERR_BACKUP_CORRUPT) at the cost of one Argon2id run.
 *
 * The snapshot is LMDB's compacting copy (mdb_env_copyfd2, MDB_CP_COMPACT)
 * taken in one read transaction: consistent while the node runs, and without
 * free pages (no bytes of deleted shares). Its records stay sealed under the
 * store key; the backup layer encrypts the whole file again, meta and
 * request-log index included.
 *
 * Running node: the daemon's own compaction (node_store_compact) renames the
 * store file, which is unsafe for another process holding the environment
 * open. Both take a flock on "<store>-lock" (LMDB's lock file, which LMDB
 * locks only with fcntl, so the two kinds of lock do not interact): a backup
 * shared, a compaction exclusive; each waits for the other (bounded).
 *
 * THREAD SAFETY: each call works on its own files; not for two threads on
 * the same paths.
 */
#ifndef MPC_NODE_STORE_BACKUP_H
#define MPC_NODE_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/seal.h"

#define NODE_STORE_BACKUP_HEADER_BYTES 136u         /* header incl. the secretstream header */
#define NODE_STORE_BACKUP_CHUNK        65536u       /* plaintext bytes per chunk */
#define NODE_STORE_BACKUP_LOCK_WAIT_MS 30000u       /* longest wait for the store's flock */
#define NODE_STORE_BACKUP_MAX_BYTES    (1ull << 36) /* largest snapshot accepted (64 GiB) */

/* What a backup header says (after the passphrase was checked). */
struct node_store_backup_info {
    uint8_t identity_pk[32]; /* the node the store belongs to (zeros: no identity record) */
    uint64_t created_ms;     /* wall time of the backup */
    uint64_t size;           /* snapshot bytes */
};

/*
 * Writes an encrypted snapshot of the store at store_path (which may be in
 * use by the running node) to out_path (created 0600; must not exist).
 * In: pass[0..pass_len) the store passphrase (checked by opening the store);
 *     kdf the Argon2id cost of the backup key; map_size as node_store_open.
 * Out: info (may be NULL); err — readable message ("" on success).
 * Returns: MPC_OK; MPC_ERR_BAD_PASSPHRASE; MPC_ERR_NOT_FOUND (no store);
 *          MPC_ERR_EXISTS (out_path exists); MPC_ERR_TIMEOUT (the store's
 *          compaction held the lock too long); MPC_ERR_IO; MPC_ERR_STORE;
 *          MPC_ERR_CORRUPT; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_backup_write(const char *store_path, const char *pass,
                                                  size_t pass_len,
                                                  const struct node_store_kdf_params *kdf,
                                                  uint64_t map_size, const char *out_path,
                                                  struct node_store_backup_info *info, char *err,
                                                  size_t err_cap);

/*
 * Checks a backup and installs it as the store at store_path: header and
 * passphrase, every chunk (integrity, order, final tag, size), then the
 * snapshot opened as a store with pass (verifier), every record decrypted,
 * and its identity record equal to expected_pk (if not NULL). Only then is
 * it renamed over store_path; the store it replaces is kept as
 * "<store_path>.before-restore" (replacing an older one). Nothing at
 * store_path changes unless every check passed.
 * Out: info (may be NULL); err.
 * Returns: MPC_OK; MPC_ERR_STORE_IN_USE (a process has the store open);
 *          MPC_ERR_BACKUP_FORMAT (not a version-1 backup, or its cost out of
 *          bounds); MPC_ERR_BAD_PASSPHRASE; MPC_ERR_BACKUP_CORRUPT (a chunk
 *          or the snapshot does not open); MPC_ERR_BACKUP_IDENTITY (another
 *          node's store); MPC_ERR_IO; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_backup_restore(const char *backup_path, const char *pass,
                                                    size_t pass_len, const char *store_path,
                                                    const uint8_t *expected_pk, uint64_t map_size,
                                                    struct node_store_backup_info *info, char *err,
                                                    size_t err_cap);

/*
 * Returns: 1 if another process has the LMDB environment at store_path open
 * (it holds LMDB's fcntl lock on "<store_path>-lock"), else 0 (also when
 * there is no lock file). The calling process's own locks are not seen.
 * WARNING: not for a process that has the store open itself: closing any
 * descriptor of the lock file drops that process's LMDB (fcntl) locks.
 */
int node_store_in_use(const char *store_path);

/*
 * Takes a flock on "<store_path>-lock" (created 0600 if missing), waiting at
 * most wait_ms. exclusive: 1 for a compaction, 0 for a backup. WARNING: as
 * node_store_in_use, the release closes a descriptor of the lock file: take
 * it before opening the store and release it after closing it (a store's
 * own compaction keeps its descriptor open instead, see store_internal.h).
 * Out: *fd — the descriptor holding the lock (-1 on failure); release with
 *      node_store_lockfile_release.
 * Returns: MPC_OK; MPC_ERR_TIMEOUT; MPC_ERR_IO.
 */
MPC_MUST_CHECK mpc_status node_store_lockfile_take(const char *store_path, int exclusive,
                                                   uint64_t wait_ms, int *fd);

/* Releases a lock from node_store_lockfile_take. Accepts -1. */
void node_store_lockfile_release(int fd);

#endif /* MPC_NODE_STORE_BACKUP_H */

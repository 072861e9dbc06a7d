/*
 * keyring.h — the record-key file of the key store ("<store>-keyring"): one
 * random 32-byte key per erasable record (a share), in fixed slots that are
 * overwritten in place. Erasing a share erases its slot; its ciphertext may
 * linger in free pages of the big LMDB file, but without the key it is
 * noise. See docs/DESIGN.md §8 "Erasure by record key".
 *
 * DESIGN: slot i is bytes [i*512, i*512+512) of the file: "MKR1" || key id
 * (16, random) || key (32) || BLAKE2b-128 of the 52 bytes before it, then
 * zeros. An all-zero slot is free. One slot per 512-byte sector, so writing
 * one slot never rewrites the sector of another key (a torn write can only
 * damage the slot being written). The key id ties a slot to the record that
 * names it: a slot reused by another record never opens the old one. Keys
 * are stored as plaintext in this file: the record is also sealed under the
 * passphrase key (store.c), so this file alone opens nothing; the point of
 * the key is that it can be destroyed in O(1).
 * add writes and fdatasyncs the slot before the caller commits the record;
 * erase zeroes the slot (the caller syncs once with node_store_keyring_sync
 * after its commit); slots no record names (a crash between the two) are
 * zeroed by node_store_keyring_sweep at the node's start.
 *
 * THREAD SAFETY: every function may be called from any thread; a mutex
 * guards the slot map, slot I/O is pread/pwrite on one descriptor.
 */
#ifndef MPC_NODE_STORE_KEYRING_H
#define MPC_NODE_STORE_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_STORE_KEYRING_SLOT_BYTES 512u
#define NODE_STORE_KEYRING_ID_BYTES   16u
#define NODE_STORE_KEYRING_KEY_BYTES  32u
#define NODE_STORE_KEYRING_SUFFIX     "-keyring"
#define NODE_STORE_KEYRING_MAX_SLOTS  (1u << 20) /* 512 MiB of file; far above any node's keys */

typedef struct node_store_keyring node_store_keyring;

/*
 * Opens the keyring file path (created on the first add if absent).
 * Out: *out; caller frees with node_store_keyring_close.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM; MPC_ERR_IO;
 *          MPC_ERR_KEYRING_CORRUPT if the file is not a whole number of slots.
 */
MPC_MUST_CHECK mpc_status node_store_keyring_open(const char *path, node_store_keyring **out);

/* Closes kr (NULL is fine). Keys were never held in memory. */
void node_store_keyring_close(node_store_keyring *kr);

/*
 * Makes a fresh random key in a free slot and syncs it to disk.
 * Out: *slot; id (NODE_STORE_KEYRING_ID_BYTES); key (NODE_STORE_KEYRING_KEY_BYTES,
 *      the caller's secure memory; wiped on failure).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_IO; MPC_ERR_STORE_FULL (no slot);
 *          MPC_ERR_RANDOM.
 */
MPC_MUST_CHECK mpc_status node_store_keyring_add(node_store_keyring *kr, uint32_t *slot,
                                                 uint8_t *id, uint8_t *key);

/*
 * Reads the key of slot, which must carry id.
 * Out: key (NODE_STORE_KEYRING_KEY_BYTES; wiped on failure).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_IO; MPC_ERR_RECORD_KEY_ERASED (slot
 *          free or past the end); MPC_ERR_KEYRING_CORRUPT (bad checksum or
 *          another id).
 */
MPC_MUST_CHECK mpc_status node_store_keyring_get(node_store_keyring *kr, uint32_t slot,
                                                 const uint8_t *id, uint8_t *key);

/*
 * Zeroes slot if it carries id (or is unreadable garbage); not synced: call
 * node_store_keyring_sync. A slot already free is fine.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_IO; MPC_ERR_KEYRING_CORRUPT if
 *          the slot holds another record's key (left alone).
 */
MPC_MUST_CHECK mpc_status node_store_keyring_erase(node_store_keyring *kr, uint32_t slot,
                                                   const uint8_t *id);

/* fdatasync of the file. Returns: MPC_OK; MPC_ERR_IO. */
MPC_MUST_CHECK mpc_status node_store_keyring_sync(node_store_keyring *kr);

/* Callback of node_store_keyring_sweep: 1 if a record names (slot, id). */
typedef int (*node_store_keyring_in_use_fn)(void *ctx, uint32_t slot, const uint8_t *id);

/*
 * Zeroes every used slot that in_use does not claim, then syncs. Only the
 * process that owns the store (the node, at its start, before any write)
 * may call it: a slot being added by a transaction not yet committed is
 * claimed by no record.
 * Out: *erased (may be NULL) = slots zeroed.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_IO.
 */
MPC_MUST_CHECK mpc_status node_store_keyring_sweep(node_store_keyring *kr,
                                                   node_store_keyring_in_use_fn in_use, void *ctx,
                                                   size_t *erased);

/* Slots in use (counted in memory). */
size_t node_store_keyring_used(node_store_keyring *kr);

#endif /* MPC_NODE_STORE_KEYRING_H */

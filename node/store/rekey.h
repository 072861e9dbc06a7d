/*
 * rekey.h — changing the node passphrase (`mpc-cli store rekey`): the key
 * store is re-sealed under a key derived from the new passphrase and the
 * identity file re-encrypted, so that a kill -9 at any instant leaves one
 * passphrase, old or new, that opens both.
 *
 * Order (docs/OPERATIONS.md §6):
 *   1. the identity is saved under the new passphrase as "<identity>.rekey";
 *   2. ONE store transaction re-seals every record under the new key and
 *      replaces the meta records (Argon2id salt and cost, verifier);
 *   3. "<identity>.rekey" is renamed over the identity file;
 *   4. the store is compacted (the pages that held the records sealed under
 *      the old key are dropped from the file).
 * A crash before 2's commit leaves the old passphrase working (the stale
 * "<identity>.rekey" is removed at the next start); after it, the new
 * passphrase works: a start whose identity file does not open with the
 * passphrase completes step 3 (node_store_rekey_recover) once the store
 * opens with it and "<identity>.rekey" carries the store's identity.
 *
 * The store must not be open in another process (MPC_ERR_STORE_IN_USE):
 * stop the node first.
 *
 * Test builds (MPC_FAULT_INJECTION): MPC_STORE_TEST_KILL_AT=rekey_<point>
 * kills the process (SIGKILL) at identity_saved, before_commit,
 * after_commit or identity_renamed.
 *
 * THREAD SAFETY: not for concurrent calls on the same files.
 */
#ifndef MPC_NODE_STORE_REKEY_H
#define MPC_NODE_STORE_REKEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/seal.h"

/*
 * Re-seals the store at store_path and re-encrypts the identity file at
 * id_path from old_pass to new_pass (kdf: the Argon2id cost of both).
 * Out: *records — records re-sealed (may be NULL); err — readable message.
 * Returns: MPC_OK; MPC_ERR_STORE_IN_USE; MPC_ERR_BAD_PASSPHRASE (old_pass
 *          opens neither); MPC_ERR_CONFIG (the store belongs to another
 *          identity); MPC_ERR_CORRUPT (a record does not open: nothing is
 *          changed); MPC_ERR_IO; MPC_ERR_STORE; MPC_ERR_INVALID_ARG (empty
 *          or equal passphrases, bad kdf); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_rekey(const char *store_path, const char *id_path,
                                           const char *old_pass, size_t old_len,
                                           const char *new_pass, size_t new_len,
                                           const struct node_store_kdf_params *kdf,
                                           uint64_t map_size, size_t *records, char *err,
                                           size_t err_cap);

/*
 * Completes a rekey interrupted between its store commit and the identity
 * rename: when "<id_path>.rekey" opens with pass, the store at store_path
 * opens with pass and holds that identity, the file is renamed over id_path.
 * Returns: MPC_OK (completed); MPC_ERR_NOT_FOUND (no "<id_path>.rekey");
 *          the status of the identity or store open that failed;
 *          MPC_ERR_CONFIG (the pending identity is not the store's); MPC_ERR_IO.
 */
MPC_MUST_CHECK mpc_status node_store_rekey_recover(const char *id_path, const char *store_path,
                                                   const char *pass, size_t pass_len,
                                                   uint64_t map_size);

/* Removes a stale "<id_path>.rekey" (call once identity and store opened with
 * the same passphrase). */
void node_store_rekey_cleanup(const char *id_path);

#endif /* MPC_NODE_STORE_REKEY_H */

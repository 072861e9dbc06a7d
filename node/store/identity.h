/*
 * identity.h — the node's Ed25519 identity key, stored encrypted on disk.
 *
 * File format (version 1, 168 bytes, integers little-endian):
 *   0   magic "MPCIDKEY" (8)
 *   8   u16 format version = 1
 *   10  u16 kdf algorithm = 1 (Argon2id v1.3)
 *   12  u32 reserved = 0
 *   16  u64 opslimit, 24 u64 memlimit        (Argon2id cost)
 *   32  salt (16)
 *   48  passphrase check (16) = BLAKE2b-128(Argon2id output bytes 32..63)
 *   64  Ed25519 public key (32)
 *   96  nonce (24)
 *   120 XChaCha20-Poly1305(seed, 32 bytes) + tag (16)
 * Bytes 0..96 (everything before the nonce) are the associated data and the
 * nonce is the AEAD nonce, so any change to the header (cost, salt, check,
 * public key, nonce) makes decryption fail. Argon2id yields 64 bytes: the first
 * 32 are the AEAD key, the last 32 only feed the check value, which lets a
 * wrong passphrase (MPC_ERR_BAD_PASSPHRASE) be told apart from a tampered file
 * (MPC_ERR_CORRUPT) without weakening anything: testing a guess costs the same
 * Argon2id run either way.
 *
 * The loaded secret key lives in secure memory and is wiped on destroy.
 *
 * THREAD SAFETY: a node_store_identity is immutable after load/create; every
 * accessor and node_store_identity_sign may be called from any thread concurrently.
 */
#ifndef MPC_NODE_STORE_IDENTITY_H
#define MPC_NODE_STORE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/seal.h"

#define NODE_STORE_IDENTITY_PK_BYTES   32u  /* Ed25519 public key */
#define NODE_STORE_IDENTITY_SK_BYTES   64u  /* libsodium Ed25519 secret key (seed || pk) */
#define NODE_STORE_IDENTITY_SIG_BYTES  64u  /* Ed25519 signature */
#define NODE_STORE_IDENTITY_FILE_BYTES 168u /* size of a version-1 identity file */

/* An Ed25519 key pair with the secret in secure memory. Opaque. */
typedef struct node_store_identity node_store_identity;

/*
 * Generates a fresh random key pair (not saved).
 * Out: *out — cleared on entry; caller owns it, free with node_store_identity_destroy.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM; MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status node_store_identity_generate(node_store_identity **out);

/*
 * Derives the key pair of a 32-byte seed (a plain initiator key file).
 * Out: *out — cleared on entry; caller owns it, free with node_store_identity_destroy.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM; MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status node_store_identity_from_seed(const uint8_t *seed,
                                                        node_store_identity **out);

/*
 * Writes id to a new file at path, mode 0600, encrypted under pass with the
 * given Argon2id cost (NODE_STORE_KDF_MODERATE in production). Never overwrites: an
 * existing path is MPC_ERR_EXISTS. The data is fsync'ed before returning.
 * Out: err — readable message on failure ("" on success); may be NULL.
 * Returns: MPC_OK; MPC_ERR_EXISTS; MPC_ERR_IO; MPC_ERR_INVALID_ARG (NULL, empty
 *          passphrase, bad kdf limits); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_identity_save(const node_store_identity *id, const char *path,
                                                   const char *pass, size_t pass_len,
                                                   const struct node_store_kdf_params *kdf,
                                                   char *err, size_t err_cap);

/*
 * Generates a key pair and saves it (node_store_identity_generate + node_store_identity_save);
 * used by `mpc-cli identity new`.
 * Out: *out — cleared on entry; caller owns it on MPC_OK. err as in save.
 * Returns: as node_store_identity_save.
 */
MPC_MUST_CHECK mpc_status node_store_identity_create(const char *path, const char *pass,
                                                     size_t pass_len,
                                                     const struct node_store_kdf_params *kdf,
                                                     node_store_identity **out, char *err,
                                                     size_t err_cap);

/*
 * Loads and decrypts an identity file.
 * Out: *out — cleared on entry; caller owns it on MPC_OK. err — readable message.
 * Returns: MPC_OK;
 *   MPC_ERR_FILE_MODE       the file is accessible by group or others (checked
 *                           before anything is read);
 *   MPC_ERR_BAD_PASSPHRASE  the passphrase does not match;
 *   MPC_ERR_CORRUPT         wrong size, magic, version or cost, or tampered bytes;
 *   MPC_ERR_IO              cannot open/read; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_identity_load(const char *path, const char *pass,
                                                   size_t pass_len, node_store_identity **out,
                                                   char *err, size_t err_cap);

/*
 * Reads the public key from an identity file header without the passphrase
 * (the header is authenticated only when the file is loaded).
 * Out: pk (NODE_STORE_IDENTITY_PK_BYTES), zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_IO; MPC_ERR_CORRUPT; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_identity_peek_public_key(const char *path, uint8_t *pk);

/* Returns: the 32-byte public key, borrowed until destroy; NULL for NULL. */
const uint8_t *node_store_identity_public_key(const node_store_identity *id);

/*
 * Returns: the 64-byte libsodium secret key (secure memory), borrowed until
 * destroy; NULL for NULL. WARNING: do not copy it out of secure memory.
 */
const uint8_t *node_store_identity_secret_key(const node_store_identity *id);

/*
 * Ed25519 signature of msg[0..len) (crypto_sign_detached).
 * Out: sig (NODE_STORE_IDENTITY_SIG_BYTES), zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_store_identity_sign(const node_store_identity *id, uint8_t *sig,
                                                   const uint8_t *msg, size_t len);

/* Wipes and frees id. Accepts NULL. */
void node_store_identity_destroy(node_store_identity *id);

#endif /* MPC_NODE_STORE_IDENTITY_H */

/*
 * seal.h — passphrase key derivation (Argon2id) and authenticated sealing
 * (XChaCha20-Poly1305) shared by the identity file and the key store.
 *
 * A sealed blob is nonce (24 bytes, random per seal) || ciphertext || tag (16
 * bytes). The caller's associated data binds the blob to its context (file
 * header, record name), so a blob moved elsewhere fails to open.
 *
 * Argon2id limits are a parameter so tests can run with the minimum; production
 * uses NODE_STORE_KDF_MODERATE (libsodium's MODERATE: 3 passes, 256 MiB, about 0.5 s
 * on one core). Limits read back from files are bounded by node_store_kdf_params_check
 * so a crafted file cannot make the node allocate unbounded memory.
 *
 * THREAD SAFETY: all functions are thread-safe (no shared state).
 */
#ifndef MPC_NODE_STORE_SEAL_H
#define MPC_NODE_STORE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_STORE_KDF_SALT_BYTES   16u /* crypto_pwhash_SALTBYTES */
#define NODE_STORE_SEAL_KEY_BYTES   32u /* XChaCha20-Poly1305 key */
#define NODE_STORE_SEAL_NONCE_BYTES 24u /* XChaCha20-Poly1305 nonce */
#define NODE_STORE_SEAL_TAG_BYTES   16u /* Poly1305 tag */
#define NODE_STORE_SEAL_OVERHEAD    (NODE_STORE_SEAL_NONCE_BYTES + NODE_STORE_SEAL_TAG_BYTES)

/* Upper bounds accepted for limits read from a file: 4x libsodium SENSITIVE
 * passes and its 1 GiB, so a crafted header cannot stall or exhaust the node. */
#define NODE_STORE_KDF_OPSLIMIT_CAP 16ull
#define NODE_STORE_KDF_MEMLIMIT_CAP (1ull << 30)

/* Argon2id cost parameters. */
struct node_store_kdf_params {
    uint64_t opslimit; /* passes over memory (crypto_pwhash opslimit) */
    uint64_t memlimit; /* bytes of memory (crypto_pwhash memlimit) */
};

/* Production default: libsodium MODERATE (opslimit 3, memlimit 256 MiB). */
extern const struct node_store_kdf_params NODE_STORE_KDF_MODERATE;

/* The smallest limits libsodium accepts; for tests only (fast, weak). */
extern const struct node_store_kdf_params NODE_STORE_KDF_TEST_MIN;

/*
 * Checks that p is within libsodium's Argon2id bounds and within
 * NODE_STORE_KDF_OPSLIMIT_CAP / NODE_STORE_KDF_MEMLIMIT_CAP.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG on NULL or out-of-range limits.
 */
MPC_MUST_CHECK mpc_status node_store_kdf_params_check(const struct node_store_kdf_params *p);

/*
 * Derives out_len bytes from a passphrase with Argon2id v1.3.
 * Out: out[0..out_len) — wiped on failure. Put it in secure memory if it lives.
 * In:  pass[0..pass_len) (pass_len >= 1), salt (NODE_STORE_KDF_SALT_BYTES), p.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG on NULL/empty/out-of-range arguments;
 *          MPC_ERR_NOMEM if Argon2id could not allocate its memory.
 */
MPC_MUST_CHECK mpc_status node_store_kdf_derive(uint8_t *out, size_t out_len, const char *pass,
                                                size_t pass_len, const uint8_t *salt,
                                                const struct node_store_kdf_params *p);

/*
 * Seals pt under key with associated data ad.
 * Out: out[0..*out_len) = nonce || ciphertext || tag; *out_len = pt_len +
 *      NODE_STORE_SEAL_OVERHEAD. *out_len is 0 on failure.
 * In:  key (NODE_STORE_SEAL_KEY_BYTES), ad[0..ad_len) (may be empty), pt[0..pt_len).
 * Returns: MPC_OK; MPC_ERR_BUFFER_TOO_SMALL; MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status node_store_seal(uint8_t *out, size_t out_cap, size_t *out_len,
                                          const uint8_t *key, const uint8_t *ad, size_t ad_len,
                                          const uint8_t *pt, size_t pt_len);

/*
 * Opens a blob made by node_store_seal.
 * Out: out[0..*out_len) plaintext (blob_len - NODE_STORE_SEAL_OVERHEAD bytes); on
 *      failure out is wiped and *out_len is 0.
 * Returns: MPC_OK; MPC_ERR_CORRUPT if the blob is too short or does not
 *          authenticate (wrong key, other ad, tampered bytes);
 *          MPC_ERR_BUFFER_TOO_SMALL; MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status node_store_unseal(uint8_t *out, size_t out_cap, size_t *out_len,
                                            const uint8_t *key, const uint8_t *ad, size_t ad_len,
                                            const uint8_t *blob, size_t blob_len);

#endif /* MPC_NODE_STORE_SEAL_H */

/*
 * secmem.h — secret memory: allocation, wiping and comparison, over libsodium.
 *
 * Long-lived secrets (shares, nonces, OT state) live in mpc_secure_alloc()
 * memory: guarded pages, locked against swapping, wiped on free. Stack copies
 * of secrets are wiped with mpc_wipe() in the function's cleanup label.
 *
 * THREAD SAFETY: all functions are thread-safe once mpc_crypto_init() has
 * returned MPC_OK (it may itself be called from any thread, any number of
 * times).
 */
#ifndef MPC_COMMON_SECMEM_H
#define MPC_COMMON_SECMEM_H

#include <stddef.h>

#include "common/status.h"

/*
 * Initialises libsodium exactly once per process.
 * Returns: MPC_OK, or MPC_ERR_CRYPTO if libsodium cannot initialise.
 */
MPC_MUST_CHECK mpc_status mpc_crypto_init(void);

/*
 * Allocates len bytes of guarded, locked, zero-filled memory.
 * Returns: the memory (caller frees with mpc_secure_free), or NULL on failure
 *          or len == 0.
 */
void *mpc_secure_alloc(size_t len);

/* Wipes and frees memory from mpc_secure_alloc. Accepts NULL. */
void mpc_secure_free(void *p);

/* Overwrites len bytes at p with zeros; the compiler may not elide it. p may be NULL if len is 0.
 */
void mpc_wipe(void *p, size_t len);

/*
 * Constant-time comparison of two len-byte buffers.
 * Returns: 1 if equal, 0 otherwise. Time depends on len only.
 */
int mpc_ct_equal(const void *a, const void *b, size_t len);

/*
 * Constant-time test for an all-zero buffer.
 * Returns: 1 if every byte is zero, else 0.
 */
int mpc_ct_is_zero(const void *p, size_t len);

/*
 * Fills buf with len bytes from the OS CSPRNG (libsodium randombytes).
 * Returns: MPC_OK, or MPC_ERR_INVALID_ARG for buf == NULL with len > 0.
 */
MPC_MUST_CHECK mpc_status mpc_random_bytes(void *buf, size_t len);

#endif /* MPC_COMMON_SECMEM_H */

/*
 * secmem.h — secret memory: allocation, wiping and comparison, over libsodium.
 *
 * Long-lived secrets (shares, nonces, OT state) live in mpc_secure_alloc()
 * memory: locked against swapping, out of core dumps, behind guard pages,
 * wiped on free. Blocks come from a slab pool of locked regions
 * (common/secmem_pool.c: a canary after every block, checked at free) or,
 * when too large for a slot or when the pool is at its limit, from
 * sodium_malloc (guard pages around the block). Stack copies of secrets are
 * wiped with mpc_wipe() in the function's cleanup label.
 *
 * THREAD SAFETY: all functions are thread-safe once mpc_crypto_init() has
 * returned MPC_OK (it may itself be called from any thread, any number of
 * times).
 */
#ifndef MPC_COMMON_SECMEM_H
#define MPC_COMMON_SECMEM_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

/*
 * Initialises libsodium exactly once per process.
 * Returns: MPC_OK, or MPC_ERR_CRYPTO if libsodium cannot initialise.
 */
MPC_MUST_CHECK mpc_status mpc_crypto_init(void);

/*
 * Allocates len bytes of guarded, locked, zero-filled memory, 16-byte aligned.
 * Returns: the memory (caller frees with mpc_secure_free), or NULL on failure
 *          or len == 0.
 */
void *mpc_secure_alloc(size_t len);

/*
 * Wipes and frees memory from mpc_secure_alloc. Accepts NULL.
 * WARNING: a pointer mpc_secure_release refuses aborts the process in test
 * builds (every build but release); in release the memory is left alone, the
 * refusal is logged (level error) and counted (mpc_secmem_stats.refused).
 */
void mpc_secure_free(void *p);

/*
 * mpc_secure_free that reports instead of aborting.
 * Returns: MPC_OK (p freed, or NULL); MPC_ERR_SECMEM_FOREIGN if p did not come
 *          from mpc_secure_alloc (or is a freed fallback block);
 *          MPC_ERR_SECMEM_DOUBLE_FREE if p's pool slot is already free;
 *          MPC_ERR_SECMEM_OVERFLOW if bytes after p's length were overwritten
 *          (the block is wiped and never reused). Only MPC_OK frees.
 */
MPC_MUST_CHECK mpc_status mpc_secure_release(void *p);

/* What the secure allocator holds and has done. */
struct mpc_secmem_stats {
    size_t pool_limit_bytes;        /* most bytes of locked regions the pool maps */
    size_t pool_regions;            /* pool regions mapped now (256 KiB each) */
    size_t pool_live;               /* live pool blocks */
    uint64_t pool_allocs;           /* blocks the pool served, total */
    uint64_t pool_full;             /* requests the pool refused at its limit */
    uint64_t pool_unlocked_regions; /* regions whose mlock failed (RLIMIT_MEMLOCK) */
    uint64_t pool_quarantined;      /* pool slots retired after a canary overwrite */
    size_t fallback_live;           /* live sodium_malloc blocks */
    uint64_t fallback_allocs;       /* sodium_malloc blocks made, total */
    uint64_t refused;               /* frees refused in release builds, total */
};

/* Fills *out with the allocator's figures. out may not be NULL. */
void mpc_secmem_stats_get(struct mpc_secmem_stats *out);

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

/*
 * secmem_pool.h — the slab pool behind mpc_secure_alloc (common/secmem.h):
 * a few large locked, guard-paged regions carved into fixed-size slots.
 *
 * Internal to common/: callers use mpc_secure_alloc / mpc_secure_free, which
 * add the fallback to sodium_malloc and the misuse policy. Tests include this
 * header to look at the pool alone.
 *
 * THREAD SAFETY: every function is thread-safe (one mutex, never held while a
 * slot is being wiped or checked).
 */
#ifndef MPC_COMMON_SECMEM_POOL_H
#define MPC_COMMON_SECMEM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

/* Bytes of canary after every allocation (a slot holds len + this at least). */
#define MPC_SECMEM_POOL_CANARY 16u
/* Smallest and largest slot size; a request of len needs len + CANARY <= MAX. */
#define MPC_SECMEM_POOL_SLOT_MIN 64u
#define MPC_SECMEM_POOL_SLOT_MAX 131072u
/* Size of one region (a multiple of every slot size), guard page excluded. */
#define MPC_SECMEM_POOL_REGION_BYTES (256u * 1024u)
/* Regions the address space is reserved for (the limit may not exceed it). */
#define MPC_SECMEM_POOL_REGIONS_MAX 1024u
/* Default limit on mapped regions: 64 MiB. */
#define MPC_SECMEM_POOL_DEFAULT_LIMIT (64u * 1024u * 1024u)

/* What the pool holds now and has done (mpc_secmem_pool_stats). */
struct mpc_secmem_pool_stats {
    size_t limit_bytes;        /* most bytes of regions the pool maps */
    size_t regions;            /* regions mapped now */
    size_t slots_used;         /* live allocations */
    uint64_t allocs;           /* allocations served, total */
    uint64_t full;             /* requests refused because the limit was reached */
    uint64_t unlocked_regions; /* regions mapped whose mlock failed (RLIMIT_MEMLOCK) */
    uint64_t quarantined;      /* slots never reused: their canary was overwritten */
};

/*
 * Allocates a zero-filled slot for len bytes, 16-byte aligned, followed by
 * MPC_SECMEM_POOL_CANARY canary bytes inside the slot.
 * Returns: the memory (free with mpc_secmem_pool_release), or NULL when len is
 *          0 or too large for a slot, the pool is at its limit, or the pool
 *          could not be set up. The caller then decides (common/secmem.c falls
 *          back to sodium_malloc).
 */
void *mpc_secmem_pool_alloc(size_t len);

/*
 * Checks the slot's canary, wipes the slot and returns it to the pool.
 * Returns: MPC_OK; MPC_ERR_SECMEM_FOREIGN if p is not the start of a live
 *          pool slot's address (nothing touched); MPC_ERR_SECMEM_DOUBLE_FREE
 *          if the slot is already free (nothing touched);
 *          MPC_ERR_SECMEM_OVERFLOW if the canary after the allocation was
 *          overwritten (the slot is wiped and never handed out again).
 */
MPC_MUST_CHECK mpc_status mpc_secmem_pool_release(void *p);

/* Returns: 1 if p lies in the pool's reserved address range, else 0. */
int mpc_secmem_pool_owns(const void *p);

/* Returns: the usable size of the slot a request of len would get, or 0 if none. */
size_t mpc_secmem_pool_slot_size(size_t len);

/*
 * Sets the most bytes of regions the pool maps (rounded down to whole
 * regions, at most MPC_SECMEM_POOL_REGIONS_MAX of them). Lowering it below
 * what is mapped stops growth only. 0 disables the pool for new requests.
 */
void mpc_secmem_pool_limit_set(size_t bytes);

/* Fills *out (zeroed first). out may not be NULL. */
void mpc_secmem_pool_stats_get(struct mpc_secmem_pool_stats *out);

#endif /* MPC_COMMON_SECMEM_POOL_H */

/*
 * secmem.c — secret memory helpers over libsodium, and the policy of
 * mpc_secure_alloc / mpc_secure_free over the slab pool.
 *
 * DESIGN: mpc_secure_alloc takes a slot of the pool (common/secmem_pool.c)
 * when one fits (len + 16 <= 128 KiB) and the pool is under its limit;
 * otherwise it falls back to sodium_malloc — the same guarantees (guard pages,
 * mlock, wiped at free), at the old cost. The fallback does not fail closed:
 * a node at its pool limit keeps signing, only slower, and the limit still
 * bounds the pool's own locked memory. Fallback blocks are recorded in a hash
 * set, so mpc_secure_free knows every pointer it is given: a pointer of
 * neither kind, a double free and an overwritten canary are refused (their own
 * status from mpc_secure_release), and mpc_secure_free turns a refusal into
 * abort() in test builds (MPC_FAULT_INJECTION, every build but release) and
 * into an error log line and a counter in release, leaving the memory alone.
 *
 * THREAD SAFETY: the fallback set has its own mutex, never held while calling
 * out; the pool has its own.
 */
#include "common/secmem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>
#include <uthash.h>

#include "common/log.h"
#include "common/secmem_pool.h"

/* A live sodium_malloc block (too large for the pool, or the pool was full). */
struct fallback {
    void *p;           /* the block (hash key) */
    UT_hash_handle hh; /* in fallback_set */
};

static pthread_mutex_t fallback_mu = PTHREAD_MUTEX_INITIALIZER;
static struct fallback *fallback_set; /* live fallback blocks (fallback_mu) */
static size_t fallback_live;          /* HASH_COUNT(fallback_set) (fallback_mu) */
static uint64_t fallback_allocs;      /* fallback blocks made, total (fallback_mu) */
static uint64_t refused;              /* frees refused, total (fallback_mu) */

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static int crypto_init_result = -1; /* sodium_init() result, written once */

static void
crypto_init_once(void)
{
    crypto_init_result = sodium_init();
}

mpc_status
mpc_crypto_init(void)
{
    if (pthread_once(&crypto_once, crypto_init_once) != 0) {
        return MPC_ERR_CRYPTO;
    }
    /* sodium_init: 0 = initialised now, 1 = already initialised, -1 = failure. */
    return crypto_init_result < 0 ? MPC_ERR_CRYPTO : MPC_OK;
}

/* Allocates a sodium_malloc block and records it. Returns: it, or NULL. */
static void *
fallback_alloc(size_t len)
{
    struct fallback *f = malloc(sizeof *f);
    void *p = f != NULL ? sodium_malloc(len) : NULL;
    if (p == NULL) {
        free(f);
        return NULL;
    }
    sodium_memzero(p, len);
    f->p = p;
    pthread_mutex_lock(&fallback_mu);
    HASH_ADD_PTR(fallback_set, p, f);
    fallback_live++;
    fallback_allocs++;
    pthread_mutex_unlock(&fallback_mu);
    return p;
}

void *
mpc_secure_alloc(size_t len)
{
    if (len == 0 || mpc_crypto_init() != MPC_OK) {
        return NULL;
    }
    void *p = mpc_secmem_pool_alloc(len); /* zero-filled */
    return p != NULL ? p : fallback_alloc(len);
}

mpc_status
mpc_secure_release(void *p)
{
    if (p == NULL) {
        return MPC_OK;
    }
    if (mpc_secmem_pool_owns(p)) {
        return mpc_secmem_pool_release(p);
    }
    struct fallback *f = NULL;
    pthread_mutex_lock(&fallback_mu);
    HASH_FIND_PTR(fallback_set, &p, f);
    if (f != NULL) {
        HASH_DEL(fallback_set, f);
        fallback_live--;
    }
    pthread_mutex_unlock(&fallback_mu);
    if (f == NULL) {
        return MPC_ERR_SECMEM_FOREIGN; /* or freed twice: it is no longer known */
    }
    free(f);
    sodium_free(p); /* wipes */
    return MPC_OK;
}

void
mpc_secure_free(void *p)
{
    mpc_status st = mpc_secure_release(p);
    if (st == MPC_OK) {
        return;
    }
#ifdef MPC_FAULT_INJECTION
    fprintf(stderr, "mpc_secure_free(%p): %s\n", p, mpc_status_str(st));
    abort();
#else
    pthread_mutex_lock(&fallback_mu);
    refused++;
    pthread_mutex_unlock(&fallback_mu);
    mpc_log(MPC_LOG_ERROR, "secmem", "free_refused", "status=%s", mpc_status_name(st));
#endif
}

void
mpc_secmem_stats_get(struct mpc_secmem_stats *out)
{
    struct mpc_secmem_pool_stats ps;
    mpc_secmem_pool_stats_get(&ps);
    *out = (struct mpc_secmem_stats){0};
    out->pool_limit_bytes = ps.limit_bytes;
    out->pool_regions = ps.regions;
    out->pool_live = ps.slots_used;
    out->pool_allocs = ps.allocs;
    out->pool_full = ps.full;
    out->pool_unlocked_regions = ps.unlocked_regions;
    out->pool_quarantined = ps.quarantined;
    pthread_mutex_lock(&fallback_mu);
    out->fallback_live = fallback_live;
    out->fallback_allocs = fallback_allocs;
    out->refused = refused;
    pthread_mutex_unlock(&fallback_mu);
}

void
mpc_wipe(void *p, size_t len)
{
    if (p != NULL && len > 0) {
        sodium_memzero(p, len);
    }
}

int
mpc_ct_equal(const void *a, const void *b, size_t len)
{
    if (len == 0) {
        return 1;
    }
    return sodium_memcmp(a, b, len) == 0;
}

int
mpc_ct_is_zero(const void *p, size_t len)
{
    return sodium_is_zero((const unsigned char *)p, len);
}

mpc_status
mpc_random_bytes(void *buf, size_t len)
{
    if (buf == NULL && len > 0) {
        return MPC_ERR_INVALID_ARG;
    }
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_RANDOM;
    }
    if (len > 0) {
        randombytes_buf(buf, len);
    }
    return MPC_OK;
}

/*
 * secmem_pool.c — slab pool of locked, guard-paged memory for secrets.
 *
 * DESIGN: sodium_malloc costs an mmap, two mprotect, an mlock, and at free an
 * munlock and an munmap (with the TLB shoot-down every unmap causes on every
 * CPU running the process) — per secret, per session and per message. The
 * pool pays those once per region instead:
 *
 *   - At first use the pool reserves MPC_SECMEM_POOL_REGIONS_MAX regions of
 *     address space, PROT_NONE (no memory behind it). Region i starts one
 *     guard page after region i-1 ends: [guard][region 0][guard][region 1]...
 *     [guard]. An overflow off the end of a region, or an underflow off its
 *     start, faults.
 *   - A region is made read-write, mlock'ed and excluded from core dumps when
 *     a size class needs it (slot sizes 64 B .. 128 KiB, powers of two), and is
 *     carved into equal slots. A request of len takes the smallest class with
 *     len + MPC_SECMEM_POOL_CANARY bytes. The 16 bytes right after len hold
 *     a per-process random canary, checked when the slot is freed: an
 *     overflow (which reaches them first) is caught at free, the slot is
 *     wiped whole and quarantined (never reused) and the caller is told.
 *   - Every free wipes the block and its canary before the slot can be
 *     handed out again; the rest of the slot was never written. So free slots
 *     are all zero and an allocation needs no memset (test builds check it).
 *   - A region whose slots are all free is unmapped (munlock, MADV_DONTNEED,
 *     PROT_NONE) unless it is its class's only empty region: a class keeps
 *     one spare so an alloc/free cycle at a boundary does not map and unmap.
 *   - The pool is bounded (mpc_secmem_pool_limit_set, default 64 MiB): at the
 *     limit mpc_secmem_pool_alloc returns NULL and the caller falls back
 *     (common/secmem.c: sodium_malloc, same guarantees, the old cost).
 *   - mlock is best effort, as in sodium_malloc: a region whose mlock fails
 *     (RLIMIT_MEMLOCK) is used anyway and counted (unlocked_regions).
 *   - Slot metadata (state, requested length, free stack) lives in ordinary
 *     heap memory outside the regions, so an overflow cannot rewrite it; the
 *     slot address alone tells its region (address arithmetic) and slot.
 *   - In test builds the free slots and the canary bytes are poisoned for
 *     AddressSanitizer and, under valgrind, marked no-access, so a stray read
 *     or write is reported where it happens, not only at free.
 *
 * THREAD SAFETY: one mutex guards the metadata. A slot being freed is first
 * marked FREEING under the mutex (a second free of it is a double free), then
 * checked and wiped without the mutex, then put on its free stack under it.
 */
#include "common/secmem_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "common/log.h"

/* Poisoning for the test builds (no-ops in release). */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#elif defined(MPC_FAULT_INJECTION) && defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define POOL_POISON(p, n)   ((void)VALGRIND_MAKE_MEM_NOACCESS((p), (n)))
#define POOL_UNPOISON(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#endif
#endif
#ifndef POOL_POISON
#define POOL_POISON(p, n)   ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define N_CLASSES 12 /* 64 << 0 .. 64 << 11 */

enum slot_state {
    SLOT_FREE = 0,        /* on the free stack, all zero */
    SLOT_LIVE = 1,        /* handed out */
    SLOT_FREEING = 2,     /* being checked and wiped by one free */
    SLOT_QUARANTINED = 3, /* canary was overwritten: never reused */
};

struct region {
    uint8_t *base;        /* first byte, one guard page after the previous region */
    int cls;              /* size class, -1 while unmapped */
    uint32_t slot_size;   /* bytes per slot */
    uint32_t n_slots;     /* MPC_SECMEM_POOL_REGION_BYTES / slot_size */
    uint32_t n_free;      /* entries on free_stack */
    uint8_t *state;       /* n_slots enum slot_state */
    uint32_t *len;        /* n_slots requested lengths (LIVE / FREEING slots) */
    uint16_t *free_stack; /* n_free slot indexes, top last */
    int prev, next;       /* links in the class's list of regions with free slots */
};

struct pool {
    pthread_mutex_t mu;                      /* guards everything below but the constants */
    uint8_t *va;                             /* reserved address space (constant after init) */
    size_t va_len;                           /* its length (constant after init) */
    size_t page;                             /* page size = guard size (constant after init) */
    size_t stride;                           /* region + guard page (constant after init) */
    uint8_t canary[MPC_SECMEM_POOL_CANARY];  /* random canary (constant after init) */
    size_t limit_regions;                    /* most regions mapped at once */
    size_t n_mapped;                         /* regions mapped now */
    int head[N_CLASSES];                     /* per class: first region with a free slot, -1 none */
    uint32_t n_empty[N_CLASSES];             /* per class: mapped regions with every slot free */
    int unused[MPC_SECMEM_POOL_REGIONS_MAX]; /* indexes of unmapped regions, top last */
    size_t n_unused;                         /* entries in unused */
    struct region r[MPC_SECMEM_POOL_REGIONS_MAX]; /* every region */
    struct mpc_secmem_pool_stats st;              /* counters (limit_bytes computed) */
};

static struct pool pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
                           .limit_regions =
                               MPC_SECMEM_POOL_DEFAULT_LIMIT / MPC_SECMEM_POOL_REGION_BYTES};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static int pool_ready; /* 1 once the address space is reserved (written once) */

static void
pool_init_once(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0 || MPC_SECMEM_POOL_REGION_BYTES % (size_t)pg != 0 || sodium_init() < 0) {
        return;
    }
    pool.page = (size_t)pg;
    pool.stride = MPC_SECMEM_POOL_REGION_BYTES + pool.page;
    pool.va_len = MPC_SECMEM_POOL_REGIONS_MAX * pool.stride + pool.page;
    void *va =
        mmap(NULL, pool.va_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (va == MAP_FAILED) {
        return;
    }
    pool.va = va;
    randombytes_buf(pool.canary, sizeof pool.canary);
    for (int c = 0; c < N_CLASSES; c++) {
        pool.head[c] = -1;
    }
    for (size_t i = 0; i < MPC_SECMEM_POOL_REGIONS_MAX; i++) {
        struct region *r = &pool.r[i];
        r->base = pool.va + i * pool.stride + pool.page;
        r->cls = -1;
        pool.unused[MPC_SECMEM_POOL_REGIONS_MAX - 1 - i] = (int)i; /* lowest on top */
    }
    pool.n_unused = MPC_SECMEM_POOL_REGIONS_MAX;
    pool_ready = 1;
}

/* Returns: the class of a slot holding need bytes, or -1 if none does. */
static int
class_of(size_t need)
{
    size_t size = MPC_SECMEM_POOL_SLOT_MIN;
    for (int c = 0; c < N_CLASSES; c++, size <<= 1) {
        if (need <= size) {
            return c;
        }
    }
    return -1;
}

size_t
mpc_secmem_pool_slot_size(size_t len)
{
    if (len == 0 || len > MPC_SECMEM_POOL_SLOT_MAX) {
        return 0;
    }
    int c = class_of(len + MPC_SECMEM_POOL_CANARY);
    return c < 0 ? 0 : (size_t)MPC_SECMEM_POOL_SLOT_MIN << c;
}

/* Links region i at the head of its class's free list (mu held). */
static void
list_push(int i)
{
    struct region *r = &pool.r[i];
    r->prev = -1;
    r->next = pool.head[r->cls];
    if (r->next >= 0) {
        pool.r[r->next].prev = i;
    }
    pool.head[r->cls] = i;
}

/* Unlinks region i from its class's free list (mu held). */
static void
list_remove(int i)
{
    struct region *r = &pool.r[i];
    if (r->prev >= 0) {
        pool.r[r->prev].next = r->next;
    } else {
        pool.head[r->cls] = r->next;
    }
    if (r->next >= 0) {
        pool.r[r->next].prev = r->prev;
    }
    r->prev = r->next = -1;
}

/* Maps an unused region for class cls (mu held). Returns: its index, or -1. */
static int
region_map(int cls)
{
    if (pool.n_mapped >= pool.limit_regions || pool.n_unused == 0) {
        return -1;
    }
    int i = pool.unused[pool.n_unused - 1];
    struct region *r = &pool.r[i];
    uint32_t size = MPC_SECMEM_POOL_SLOT_MIN << cls;
    uint32_t n = MPC_SECMEM_POOL_REGION_BYTES / size;
    r->state = calloc(n, 1);
    r->len = calloc(n, sizeof *r->len);
    r->free_stack = calloc(n, sizeof *r->free_stack);
    if (r->state == NULL || r->len == NULL || r->free_stack == NULL ||
        mprotect(r->base, MPC_SECMEM_POOL_REGION_BYTES, PROT_READ | PROT_WRITE) != 0) {
        free(r->state);
        free(r->len);
        free(r->free_stack);
        r->state = NULL;
        r->len = NULL;
        r->free_stack = NULL;
        return -1;
    }
    if (mlock(r->base, MPC_SECMEM_POOL_REGION_BYTES) != 0) {
        if (pool.st.unlocked_regions++ == 0) { /* best effort, as sodium_malloc: say it once */
            mpc_log(MPC_LOG_WARN, "secmem", "mlock_failed",
                    "errno=%d locked_bytes=%zu hint=raise_RLIMIT_MEMLOCK", errno,
                    pool.n_mapped * (size_t)MPC_SECMEM_POOL_REGION_BYTES);
        }
    }
#ifdef MADV_DONTDUMP
    (void)madvise(r->base, MPC_SECMEM_POOL_REGION_BYTES, MADV_DONTDUMP);
#endif
    POOL_POISON(r->base, MPC_SECMEM_POOL_REGION_BYTES);
    pool.n_unused--;
    pool.n_mapped++;
    r->cls = cls;
    r->slot_size = size;
    r->n_slots = n;
    r->n_free = n;
    for (uint32_t k = 0; k < n; k++) {
        r->free_stack[k] = (uint16_t)(n - 1 - k); /* slot 0 on top */
    }
    pool.n_empty[cls]++;
    list_push(i);
    return i;
}

/* Unmaps empty region i (mu held): its memory goes back to the kernel. */
static void
region_unmap(int i)
{
    struct region *r = &pool.r[i];
    list_remove(i);
    pool.n_empty[r->cls]--;
    (void)munlock(r->base, MPC_SECMEM_POOL_REGION_BYTES);
    (void)madvise(r->base, MPC_SECMEM_POOL_REGION_BYTES, MADV_DONTNEED);
    (void)mprotect(r->base, MPC_SECMEM_POOL_REGION_BYTES, PROT_NONE);
    free(r->state);
    free(r->len);
    free(r->free_stack);
    r->state = NULL;
    r->len = NULL;
    r->free_stack = NULL;
    r->cls = -1;
    pool.n_mapped--;
    pool.unused[pool.n_unused++] = i;
}

/* Writes the canary at slot + len (MPC_SECMEM_POOL_CANARY bytes). */
static void
canary_fill(uint8_t *slot, size_t len)
{
    memcpy(slot + len, pool.canary, MPC_SECMEM_POOL_CANARY);
}

/* Returns: 1 if the canary at slot + len is intact, else 0. */
static int
canary_intact(const uint8_t *slot, size_t len)
{
    return memcmp(slot + len, pool.canary, MPC_SECMEM_POOL_CANARY) == 0;
}

void *
mpc_secmem_pool_alloc(size_t len)
{
    if (len == 0 || len > MPC_SECMEM_POOL_SLOT_MAX) {
        return NULL;
    }
    int cls = class_of(len + MPC_SECMEM_POOL_CANARY);
    if (cls < 0 || pthread_once(&pool_once, pool_init_once) != 0 || !pool_ready) {
        return NULL;
    }
    pthread_mutex_lock(&pool.mu);
    int i = pool.head[cls];
    if (i < 0 && (i = region_map(cls)) < 0) {
        pool.st.full++;
        pthread_mutex_unlock(&pool.mu);
        return NULL;
    }
    struct region *r = &pool.r[i];
    if (r->n_free == r->n_slots) {
        pool.n_empty[cls]--;
    }
    uint16_t slot = r->free_stack[--r->n_free];
    if (r->n_free == 0) {
        list_remove(i);
    }
    r->state[slot] = SLOT_LIVE;
    r->len[slot] = (uint32_t)len;
    pool.st.slots_used++;
    pool.st.allocs++;
    size_t size = r->slot_size;
    pthread_mutex_unlock(&pool.mu);

    uint8_t *p = r->base + (size_t)slot * size;
    POOL_UNPOISON(p, size);
#ifdef MPC_FAULT_INJECTION
    if (!sodium_is_zero(p, size)) { /* a write after free: test builds stop here */
        fprintf(stderr, "secmem pool: free slot %p was written after its free\n", (void *)p);
        abort();
    }
#endif
    canary_fill(p, len);
    POOL_POISON(p + len, size - len);
    return p;
}

int
mpc_secmem_pool_owns(const void *p)
{
    const uint8_t *b = p;
    if (pthread_once(&pool_once, pool_init_once) != 0 || !pool_ready) {
        return 0;
    }
    return b >= pool.va && b < pool.va + pool.va_len;
}

/*
 * Marks the slot at p FREEING (mu taken here).
 * Returns: MPC_OK with *ri, *slot and *len set, or the refusal status.
 */
static mpc_status
slot_claim(const uint8_t *p, int *ri, uint32_t *slot, uint32_t *len)
{
    size_t off = (size_t)(p - pool.va);
    size_t i = off / pool.stride, in = off % pool.stride;
    if (i >= MPC_SECMEM_POOL_REGIONS_MAX || in < pool.page) {
        return MPC_ERR_SECMEM_FOREIGN; /* a guard page */
    }
    in -= pool.page;
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&pool.mu);
    struct region *r = &pool.r[i];
    if (r->cls < 0 || in % r->slot_size != 0) {
        st = MPC_ERR_SECMEM_FOREIGN;
    } else if (r->state[in / r->slot_size] != SLOT_LIVE) {
        st = MPC_ERR_SECMEM_DOUBLE_FREE;
    } else {
        *ri = (int)i;
        *slot = (uint32_t)(in / r->slot_size);
        *len = r->len[*slot];
        r->state[*slot] = SLOT_FREEING;
    }
    pthread_mutex_unlock(&pool.mu);
    return st;
}

mpc_status
mpc_secmem_pool_release(void *p)
{
    if (!mpc_secmem_pool_owns(p)) {
        return MPC_ERR_SECMEM_FOREIGN;
    }
    int i = -1;
    uint32_t slot = 0, len = 0;
    mpc_status st = slot_claim(p, &i, &slot, &len);
    if (st != MPC_OK) {
        return st;
    }
    struct region *r = &pool.r[i]; /* stays mapped: this slot is not free */
    size_t size = r->slot_size;
    POOL_UNPOISON(p, size);
    int intact = canary_intact(p, len);
    /* Bytes past the canary were never written (an overflow reaches the canary first). */
    sodium_memzero(p, intact ? len + MPC_SECMEM_POOL_CANARY : size);
    POOL_POISON(p, size);

    pthread_mutex_lock(&pool.mu);
    pool.st.slots_used--;
    if (!intact) {
        r->state[slot] = SLOT_QUARANTINED;
        pool.st.quarantined++;
        pthread_mutex_unlock(&pool.mu);
        return MPC_ERR_SECMEM_OVERFLOW;
    }
    r->state[slot] = SLOT_FREE;
    r->free_stack[r->n_free++] = (uint16_t)slot;
    if (r->n_free == 1) {
        list_push(i);
    }
    if (r->n_free == r->n_slots && ++pool.n_empty[r->cls] > 1) {
        region_unmap(i);
    }
    pthread_mutex_unlock(&pool.mu);
    return MPC_OK;
}

void
mpc_secmem_pool_limit_set(size_t bytes)
{
    size_t n = bytes / MPC_SECMEM_POOL_REGION_BYTES;
    pthread_mutex_lock(&pool.mu);
    pool.limit_regions = n > MPC_SECMEM_POOL_REGIONS_MAX ? MPC_SECMEM_POOL_REGIONS_MAX : n;
    pthread_mutex_unlock(&pool.mu);
}

void
mpc_secmem_pool_stats_get(struct mpc_secmem_pool_stats *out)
{
    pthread_mutex_lock(&pool.mu);
    *out = pool.st;
    out->limit_bytes = pool.limit_regions * MPC_SECMEM_POOL_REGION_BYTES;
    out->regions = pool.n_mapped;
    pthread_mutex_unlock(&pool.mu);
}

/*
 * fuzz_arena.c — the snapshot heap of the protocol harnesses (fuzz_arena.h).
 *
 * DESIGN: one mmap'ed region, bump allocation (16-byte aligned, a poisoned
 * 16-byte gap after each chunk), never reused within a run; a chunk table
 * sorted by address (bump order) finds a chunk from its pointer. A snapshot
 * copies the table and the live chunks' bytes; a restore poisons what was
 * handed out after the snapshot, then unpoisons and refills its live chunks.
 */
#include "tests/fuzz/support/fuzz_arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sanitizer/asan_interface.h>

#include "common/secmem.h"

#define ARENA_BYTES ((size_t)1 << 30) /* reserved, touched only as used */
#define ARENA_ALIGN 16u
#define ARENA_GAP   16u
#define CHUNKS_MAX  (1u << 20)

/* One chunk. */
struct chunk {
    size_t off;  /* offset of the user bytes from the arena base */
    size_t size; /* requested size */
    int live;    /* 1 until freed */
};

struct fuzz_arena_snap {
    size_t used;          /* bump offset */
    size_t n;             /* chunks in the table */
    size_t n_live;        /* of those, alive */
    struct chunk *chunks; /* the table (copy) */
    uint8_t *bytes;       /* live chunks' bytes, in table order */
    size_t n_bytes;       /* length of bytes */
};

static uint8_t *base;         /* the region */
static size_t used;           /* bump offset */
static size_t high;           /* highest offset used since the last restore */
static struct chunk *chunks;  /* chunk table (real heap), ascending offsets */
static size_t n_chunks;       /* entries in chunks */
static size_t n_live;         /* live entries */
static __thread int arena_on; /* allocations go to the arena */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__real_mpc_secure_alloc(size_t len);
void __real_mpc_secure_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void *__wrap_mpc_secure_alloc(size_t len);
void __wrap_mpc_secure_free(void *p);

static void
arena_die(const char *what)
{
    fprintf(stderr, "fuzz_arena: %s\n", what);
    abort();
}

static void
arena_init(void)
{
    if (base != NULL) {
        return;
    }
    void *p = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    chunks = __real_calloc(CHUNKS_MAX, sizeof *chunks);
    if (p == MAP_FAILED || chunks == NULL) {
        arena_die("cannot reserve the arena");
    }
    base = p;
    ASAN_POISON_MEMORY_REGION(base, ARENA_BYTES);
}

static int
in_arena(const void *p)
{
    return base != NULL && (const uint8_t *)p >= base && (const uint8_t *)p < base + ARENA_BYTES;
}

static void *
arena_alloc(size_t n)
{
    arena_init();
    size_t need = (n + ARENA_GAP + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n > ARENA_BYTES || used + need > ARENA_BYTES || n_chunks == CHUNKS_MAX) {
        return NULL;
    }
    struct chunk *c = &chunks[n_chunks++];
    *c = (struct chunk){.off = used, .size = n, .live = 1};
    used += need;
    high = used > high ? used : high;
    n_live++;
    ASAN_UNPOISON_MEMORY_REGION(base + c->off, n);
    return base + c->off;
}

/* The chunk whose user bytes start at p (binary search; offsets ascend). */
static struct chunk *
arena_find(const void *p)
{
    size_t off = (size_t)((const uint8_t *)p - base), lo = 0, hi = n_chunks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (chunks[mid].off < off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == n_chunks || chunks[lo].off != off || !chunks[lo].live) {
        arena_die("free of a pointer the arena did not hand out (or double free)");
    }
    return &chunks[lo];
}

static void
arena_free(void *p, int wipe)
{
    struct chunk *c = arena_find(p);
    if (wipe) {
        memset(p, 0, c->size);
    }
    c->live = 0;
    n_live--;
    ASAN_POISON_MEMORY_REGION(p, c->size);
}

void *
__wrap_malloc(size_t n)
{
    if (!arena_on) {
        return __real_malloc(n);
    }
    void *p = arena_alloc(n);
    if (p != NULL) {
        memset(p, 0xbe, n); /* like ASan's malloc fill: not zero */
    }
    return p;
}

void *
__wrap_calloc(size_t n, size_t m)
{
    if (!arena_on) {
        return __real_calloc(n, m);
    }
    if (m != 0 && n > SIZE_MAX / m) {
        return NULL;
    }
    void *p = arena_alloc(n * m);
    if (p != NULL) {
        memset(p, 0, n * m);
    }
    return p;
}

void *
__wrap_realloc(void *p, size_t n)
{
    if (p != NULL && in_arena(p)) {
        struct chunk *c = arena_find(p);
        size_t old = c->size;
        int was_on = arena_on;
        arena_on = 1; /* an arena chunk grows in the arena */
        void *q = arena_alloc(n);
        arena_on = was_on;
        if (q == NULL) {
            return NULL;
        }
        memcpy(q, p, old < n ? old : n);
        arena_free(p, 0);
        return q;
    }
    if (!arena_on) {
        return __real_realloc(p, n);
    }
    return __wrap_malloc(n);
}

void
__wrap_free(void *p)
{
    if (p == NULL) {
        return;
    }
    if (in_arena(p)) {
        arena_free(p, 0);
    } else {
        __real_free(p);
    }
}

char *
__wrap_strdup(const char *s)
{
    if (!arena_on) {
        return __real_strdup(s);
    }
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

char *
__wrap_strndup(const char *s, size_t n)
{
    if (!arena_on) {
        return __real_strndup(s, n);
    }
    size_t len = strnlen(s, n);
    char *p = arena_alloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void *
__wrap_mpc_secure_alloc(size_t len)
{
    if (!arena_on) {
        return __real_mpc_secure_alloc(len);
    }
    void *p = arena_alloc(len > 0 ? len : 1);
    if (p != NULL) {
        memset(p, 0, len > 0 ? len : 1);
    }
    return p;
}

void
__wrap_mpc_secure_free(void *p)
{
    if (p == NULL) {
        return;
    }
    if (in_arena(p)) {
        arena_free(p, 1);
    } else {
        __real_mpc_secure_free(p);
    }
}

void
fuzz_arena_on(int on)
{
    arena_init();
    arena_on = on;
}

void
fuzz_arena_reset(void)
{
    arena_init();
    ASAN_POISON_MEMORY_REGION(base, high);
    high = 0;
    used = 0;
    n_chunks = 0;
    n_live = 0;
}

size_t
fuzz_arena_live(void)
{
    return n_live;
}

fuzz_arena_snap *
fuzz_arena_snap_take(void)
{
    arena_init();
    fuzz_arena_snap *s = __real_calloc(1, sizeof *s);
    if (s == NULL) {
        arena_die("snapshot");
    }
    s->used = used;
    s->n = n_chunks;
    s->n_live = n_live;
    for (size_t i = 0; i < n_chunks; i++) {
        s->n_bytes += chunks[i].live ? chunks[i].size : 0;
    }
    s->chunks = __real_malloc((n_chunks > 0 ? n_chunks : 1) * sizeof *chunks);
    s->bytes = __real_malloc(s->n_bytes > 0 ? s->n_bytes : 1);
    if (s->chunks == NULL || s->bytes == NULL) {
        arena_die("snapshot");
    }
    memcpy(s->chunks, chunks, n_chunks * sizeof *chunks);
    size_t at = 0;
    for (size_t i = 0; i < n_chunks; i++) {
        if (chunks[i].live) {
            memcpy(s->bytes + at, base + chunks[i].off, chunks[i].size);
            at += chunks[i].size;
        }
    }
    return s;
}

void
fuzz_arena_snap_restore(const fuzz_arena_snap *s)
{
    /* Below s->used only the snapshot's live chunks may be unpoisoned (its dead
     * chunks and the gaps were never handed out again); above, nothing. */
    if (high > s->used) {
        ASAN_POISON_MEMORY_REGION(base + s->used, high - s->used);
    }
    high = s->used;
    memcpy(chunks, s->chunks, s->n * sizeof *chunks);
    n_chunks = s->n;
    n_live = s->n_live;
    used = s->used;
    size_t at = 0;
    for (size_t i = 0; i < n_chunks; i++) {
        if (chunks[i].live) {
            ASAN_UNPOISON_MEMORY_REGION(base + chunks[i].off, chunks[i].size);
            memcpy(base + chunks[i].off, s->bytes + at, chunks[i].size);
            at += chunks[i].size;
        }
    }
}

size_t
fuzz_arena_snap_bytes(const fuzz_arena_snap *s)
{
    return s != NULL ? s->n_bytes : 0;
}

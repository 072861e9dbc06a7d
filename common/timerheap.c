/*
 * timerheap.c — binary min-heap with stable ids.
 *
 * DESIGN: timers live in a slot table; the heap is an array of slot indexes
 * ordered by (deadline, seq). Each slot records its heap position so cancel
 * is O(log n), and a generation counter so a stale id never matches a reused
 * slot. id = (generation << 32) | (slot + 1); generation starts at 1.
 */
#include "common/timerheap.h"

#include <stdlib.h>

struct th_slot {
    uint64_t deadline;  /* monotonic ns */
    uint64_t seq;       /* scheduling order, breaks deadline ties FIFO */
    void *data;         /* caller's pointer, not owned */
    uint32_t gen;       /* bumped whenever the slot is freed */
    uint32_t pos;       /* index in heap[] while in use */
    int in_use;         /* 1 while scheduled */
    uint32_t next_free; /* free-list link (slot index + 1, 0 = end) */
};

struct mpc_timerheap {
    struct th_slot *slots; /* slot table, grows by doubling */
    uint32_t nslots;       /* allocated slots */
    uint32_t free_head;    /* first free slot (index + 1), 0 = none */
    uint32_t *heap;        /* slot indexes, min-heap by (deadline, seq) */
    uint32_t size;         /* number of scheduled timers */
    uint64_t next_seq;     /* next scheduling sequence number */
};

mpc_status
mpc_timerheap_create(mpc_timerheap **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = calloc(1, sizeof **out);
    return *out ? MPC_OK : MPC_ERR_NOMEM;
}

void
mpc_timerheap_destroy(mpc_timerheap *h)
{
    if (h == NULL) {
        return;
    }
    free(h->slots);
    free(h->heap);
    free(h);
}

static int
th_less(const mpc_timerheap *h, uint32_t a, uint32_t b)
{
    const struct th_slot *x = &h->slots[a];
    const struct th_slot *y = &h->slots[b];
    return x->deadline < y->deadline || (x->deadline == y->deadline && x->seq < y->seq);
}

static void
th_place(mpc_timerheap *h, uint32_t pos, uint32_t slot)
{
    h->heap[pos] = slot;
    h->slots[slot].pos = pos;
}

static void
th_sift_up(mpc_timerheap *h, uint32_t pos)
{
    uint32_t slot = h->heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (!th_less(h, slot, h->heap[parent])) {
            break;
        }
        th_place(h, pos, h->heap[parent]);
        pos = parent;
    }
    th_place(h, pos, slot);
}

static void
th_sift_down(mpc_timerheap *h, uint32_t pos)
{
    uint32_t slot = h->heap[pos];
    for (;;) {
        uint32_t l = 2 * pos + 1;
        if (l >= h->size) {
            break;
        }
        uint32_t c = l;
        if (l + 1 < h->size && th_less(h, h->heap[l + 1], h->heap[l])) {
            c = l + 1;
        }
        if (!th_less(h, h->heap[c], slot)) {
            break;
        }
        th_place(h, pos, h->heap[c]);
        pos = c;
    }
    th_place(h, pos, slot);
}

static mpc_status
th_grow(mpc_timerheap *h)
{
    uint32_t n = h->nslots ? h->nslots * 2 : 16;
    if (n <= h->nslots || n > (UINT32_MAX >> 1)) {
        return MPC_ERR_NOMEM;
    }
    struct th_slot *s = realloc(h->slots, (size_t)n * sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    h->slots = s;
    uint32_t *hp = realloc(h->heap, (size_t)n * sizeof *hp);
    if (hp == NULL) {
        return MPC_ERR_NOMEM;
    }
    h->heap = hp;
    for (uint32_t i = h->nslots; i < n; i++) {
        h->slots[i] = (struct th_slot){.gen = 1, .next_free = (i + 1 < n) ? i + 2 : h->free_head};
    }
    h->free_head = h->nslots + 1;
    h->nslots = n;
    return MPC_OK;
}

/* Removes the timer at heap position pos and frees its slot. */
static void *
th_remove_at(mpc_timerheap *h, uint32_t pos)
{
    uint32_t slot = h->heap[pos];
    void *data = h->slots[slot].data;
    h->size--;
    if (pos != h->size) {
        th_place(h, pos, h->heap[h->size]);
        th_sift_down(h, pos);
        th_sift_up(h, h->slots[h->heap[pos]].pos);
    }
    struct th_slot *s = &h->slots[slot];
    s->in_use = 0;
    s->data = NULL;
    s->gen = (s->gen == UINT32_MAX) ? 1 : s->gen + 1;
    s->next_free = h->free_head;
    h->free_head = slot + 1;
    return data;
}

mpc_status
mpc_timerheap_schedule(mpc_timerheap *h, uint64_t deadline_ns, void *data, uint64_t *id)
{
    if (id != NULL) {
        *id = 0;
    }
    if (h == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (h->free_head == 0) {
        mpc_status st = th_grow(h);
        if (st != MPC_OK) {
            return st;
        }
    }
    uint32_t slot = h->free_head - 1;
    struct th_slot *s = &h->slots[slot];
    h->free_head = s->next_free;
    s->deadline = deadline_ns;
    s->seq = h->next_seq++;
    s->data = data;
    s->in_use = 1;
    h->heap[h->size] = slot;
    s->pos = h->size;
    h->size++;
    th_sift_up(h, s->pos);
    if (id != NULL) {
        *id = ((uint64_t)s->gen << 32) | (uint64_t)(slot + 1);
    }
    return MPC_OK;
}

mpc_status
mpc_timerheap_cancel(mpc_timerheap *h, uint64_t id, void **data)
{
    if (data != NULL) {
        *data = NULL;
    }
    if (h == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint64_t low = id & 0xffffffffu;
    uint32_t gen = (uint32_t)(id >> 32);
    if (low == 0 || low > h->nslots) {
        return MPC_ERR_NOT_FOUND;
    }
    struct th_slot *s = &h->slots[low - 1];
    if (!s->in_use || s->gen != gen) {
        return MPC_ERR_NOT_FOUND;
    }
    void *d = th_remove_at(h, s->pos);
    if (data != NULL) {
        *data = d;
    }
    return MPC_OK;
}

mpc_status
mpc_timerheap_peek(const mpc_timerheap *h, uint64_t *deadline_ns)
{
    if (h == NULL || deadline_ns == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (h->size == 0) {
        return MPC_ERR_NOT_FOUND;
    }
    *deadline_ns = h->slots[h->heap[0]].deadline;
    return MPC_OK;
}

mpc_status
mpc_timerheap_pop_due(mpc_timerheap *h, uint64_t now_ns, void **data, uint64_t *id)
{
    if (data != NULL) {
        *data = NULL;
    }
    if (id != NULL) {
        *id = 0;
    }
    if (h == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (h->size == 0 || h->slots[h->heap[0]].deadline > now_ns) {
        return MPC_ERR_NOT_FOUND;
    }
    uint32_t slot = h->heap[0];
    uint64_t tid = ((uint64_t)h->slots[slot].gen << 32) | (uint64_t)(slot + 1);
    void *d = th_remove_at(h, 0);
    if (data != NULL) {
        *data = d;
    }
    if (id != NULL) {
        *id = tid;
    }
    return MPC_OK;
}

size_t
mpc_timerheap_size(const mpc_timerheap *h)
{
    return h == NULL ? 0 : h->size;
}

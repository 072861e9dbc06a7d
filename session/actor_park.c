/*
 * actor_park.c — a session's parked messages (later rounds, held until their
 * round starts) and its replay set of (from, round, seq), both bounded by
 * park_max; and the life of a mailbox item.
 *
 * DESIGN: worker-only state (see actor.c): only the worker running the
 * session touches s->parked and s->dedup, so nothing here takes a lock. A
 * parked item owns its decoded payload (secret memory, wiped when freed).
 */
#include "session/internal.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "common/secmem.h"

/* Replay-set key: one (from, round, seq). */
typedef struct {
    uint32_t from;  /* sender */
    uint32_t round; /* round */
    uint64_t seq;   /* sequence number */
} dedup_key;

struct session_dedup {
    dedup_key key;     /* uthash key */
    UT_hash_handle hh; /* uthash */
};

#define DEDUP_MAX_FACTOR 4 /* replay set holds at most park_max * this entries */

void
session_item_free(session_item *it)
{
    if (it == NULL) {
        return;
    }
    mpc_secure_free(it->payload); /* a received payload: secret memory, wiped */
    mpc_wipe(it->data, it->len);
    free(it);
}

/* Returns 1 if (from, round, seq) was seen before; records it otherwise. */
int
session_park_seen(session *s, uint32_t from, uint32_t round, uint64_t seq, int *full)
{
    dedup_key k;
    memset(&k, 0, sizeof k);
    k.from = from;
    k.round = round;
    k.seq = seq;
    struct session_dedup *head = s->dedup, *e = NULL;
    *full = 0;
    HASH_FIND(hh, head, &k, sizeof k, e);
    if (e != NULL) {
        return 1;
    }
    if (s->ndedup >= s->mgr->cfg.park_max * DEDUP_MAX_FACTOR ||
        (e = calloc(1, sizeof *e)) == NULL) {
        *full = 1;
        return 0;
    }
    e->key = k;
    HASH_ADD(hh, head, key, sizeof k, e);
    s->dedup = head;
    s->ndedup++;
    return 0;
}

void
session_park_free_all(session *s)
{
    while (s->parked != NULL) {
        session_item *it = s->parked;
        s->parked = it->next;
        session_item_free(it);
    }
    s->parked_tail = NULL;
    s->nparked = 0;
    struct session_dedup *head = s->dedup, *e, *tmp;
    HASH_ITER(hh, head, e, tmp)
    {
        HASH_DEL(head, e);
        free(e);
    }
    s->dedup = NULL;
    s->ndedup = 0;
}

/* Removes and returns the first parked item of the current round (late ones are dropped). */
session_item *
session_park_take(session *s)
{
    session_item *prev = NULL, *it = s->parked;
    while (it != NULL) {
        session_item *next = it->next;
        if (it->round <= s->cur_round) {
            if (prev == NULL) {
                s->parked = next;
            } else {
                prev->next = next;
            }
            if (s->parked_tail == it) {
                s->parked_tail = prev;
            }
            s->nparked--;
            it->next = NULL;
            if (it->round == s->cur_round) {
                return it;
            }
            atomic_fetch_add(&s->drops, 1);
            atomic_fetch_add(&s->mgr->late, 1);
            session_item_free(it);
            it = next;
            continue;
        }
        prev = it;
        it = next;
    }
    return NULL;
}

/* Returns 1 if a message of (from, round, chan) is already parked. */
static int
park_has(const session *s, const session_item *it)
{
    for (const session_item *p = s->parked; p != NULL; p = p->next) {
        if (p->from == it->from && p->round == it->round && p->chan == it->chan) {
            return 1;
        }
    }
    return 0;
}

/*
 * Parks a checked message of a later round. Budget: at most one message per
 * (peer, round, kind) — all a protocol ever sends (tss/proto.h) — each within
 * the protocol's declared size (actor_item), so the parked bytes of a session
 * never exceed sum over rounds and kinds of (n - 1) * max_msg_len; park_max
 * caps the count on top. Only the decoded payload is kept: the raw envelope
 * is freed here.
 */
void
session_park_put(session *s, session_item *it)
{
    int dup = park_has(s, it);
    session_item *c = dup || s->nparked >= s->mgr->cfg.park_max ? NULL : calloc(1, sizeof *c);
    if (c == NULL) {
        atomic_fetch_add(&s->drops, 1);
        atomic_fetch_add(&s->mgr->park_refused, 1);
        session_item_free(it);
        return;
    }
    c->chan = it->chan;
    c->from = it->from;
    c->round = it->round;
    c->seq = it->seq;
    c->payload = it->payload;
    c->payload_len = it->payload_len;
    c->sealed = it->sealed;
    it->payload = NULL;
    session_item_free(it);
    it = c;
    it->next = NULL;
    if (s->parked_tail != NULL) {
        s->parked_tail->next = it;
    } else {
        s->parked = it;
    }
    s->parked_tail = it;
    s->nparked++;
    atomic_fetch_add(&s->mgr->parked, 1);
}

/*
 * evidence.c — the envelopes a session keeps as evidence (see evidence.h).
 */
#include "session/evidence.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void
evid_digest(uint8_t out[32], const session_wire_msg *w)
{
    crypto_generichash(out, 32, w->payload, w->len, NULL, 0);
}

struct session_evid *
session_evid_find(session *s, uint32_t from, uint32_t round, session_wire_kind kind)
{
    for (struct session_evid *e = s->evid; e != NULL; e = e->next) {
        if (e->from == from && e->round == round && e->kind == kind) {
            return e;
        }
    }
    return NULL;
}

struct session_evid *
session_evid_other_incarnation(session *s, uint32_t from, uint64_t inc)
{
    for (struct session_evid *e = s->evid; e != NULL; e = e->next) {
        if (e->from == from && e->incarnation != 0 && e->incarnation != inc) {
            return e;
        }
    }
    return NULL;
}

int
session_evid_conflicts(const struct session_evid *k, const session_wire_msg *w)
{
    uint8_t d[32];
    evid_digest(d, w);
    return sodium_memcmp(d, k->digest, sizeof d) != 0;
}

struct session_evid *
session_evid_keep(session *s, const session_wire_msg *w, const uint8_t *env, size_t len, int force)
{
    if (!force && (s->evid_bytes + len > SESSION_EVID_KEEP_MAX ||
                   session_evid_find(s, w->from, w->round, w->kind) != NULL)) {
        return NULL;
    }
    struct session_evid *e = malloc(sizeof *e + len);
    if (e == NULL) {
        return NULL;
    }
    e->from = w->from;
    e->round = w->round;
    e->kind = w->kind;
    e->incarnation = w->incarnation;
    evid_digest(e->digest, w);
    e->len = len;
    e->next = NULL;
    memcpy(e->data, env, len);
    struct session_evid **pp = &s->evid;
    for (size_t i = 0; *pp != NULL && i < SIZE_MAX; i++) {
        pp = &(*pp)->next;
    }
    *pp = e;
    s->evid_bytes += len;
    return e;
}

/* Adds e to the verdict unless present or over budget. */
static void
evid_pick(session *s, struct session_evid *e, size_t *bytes)
{
    if (e == NULL || s->verdict_n >= SESSION_EVID_ITEMS || *bytes + e->len > SESSION_EVID_OUT_MAX) {
        return;
    }
    for (size_t i = 0; i < s->verdict_n; i++) {
        if (s->verdict_evid[i] == e) {
            return;
        }
    }
    s->verdict_evid[s->verdict_n++] = e;
    *bytes += e->len;
}

void
session_evid_choose(session *s, struct session_evid *const *first, size_t n_first, uint32_t a,
                    uint32_t b)
{
    size_t bytes = 0;
    s->verdict_n = 0;
    for (size_t i = 0; i < n_first; i++) {
        evid_pick(s, first[i], &bytes);
    }
    /* Newest round first: the messages the failed check read. */
    for (uint32_t r = s->cur_round + 1; r-- > 0;) {
        for (struct session_evid *e = s->evid; e != NULL; e = e->next) {
            if (e->round == r && (e->from == a || e->from == b) && e->kind != SESSION_WIRE_READY) {
                evid_pick(s, e, &bytes);
            }
        }
    }
}

void
session_evid_free(session *s)
{
    while (s->evid != NULL) {
        struct session_evid *e = s->evid;
        s->evid = e->next;
        free(e);
    }
    s->evid_bytes = 0;
    s->verdict_n = 0;
}

/*
 * pairgate.c — the per-pair gate of the DKLs23 OT-extension checks (see
 * pairgate.h).
 *
 * DESIGN: a list of entries under one table mutex (taken only to find, add
 * or drop an entry: never while a pair mutex is waited for); each entry has
 * its own mutex, held across one check or one release. The quarantined flag
 * is written only under the entry mutex and read under it, so a release that
 * saw it clear happened before the failing verdict was recorded, and every
 * check or release after that verdict sees it set. Entries stay allocated
 * while referenced or quarantined, so a session's pointer stays valid.
 */
#include "session/pairgate.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct session_pair {
    pthread_mutex_t mu;                         /* held across one check or one release */
    int quarantined;                            /* 1 once a check failed (under mu) */
    uint32_t refs;                              /* sessions holding it (under the table lock) */
    char scope[SESSION_PAIRGATE_SCOPE_MAX + 1]; /* key version on this node */
    char peer[SESSION_PAIRGATE_SCOPE_MAX + 1];  /* accused (OT-extension receiver) node id */
    struct session_pair *next;                  /* table list link */
};

struct session_pairgate {
    pthread_mutex_t mu;                /* guards the list and every refs */
    struct session_pair *head;         /* entries */
    session_pairgate_fn on_quarantine; /* owner's callback, or NULL */
    void *arg;                         /* its argument */
    atomic_uint_fast64_t checks;       /* verdicts recorded */
    atomic_uint_fast64_t failed;       /* failed verdicts */
    atomic_uint_fast64_t quarantined;  /* pairs quarantined (by a check or marked) */
};

mpc_status
session_pairgate_create(session_pairgate **out, session_pairgate_fn on_quarantine, void *arg)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    session_pairgate *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return MPC_ERR_NOMEM;
    }
    pthread_mutex_init(&g->mu, NULL);
    g->on_quarantine = on_quarantine;
    g->arg = arg;
    *out = g;
    return MPC_OK;
}

void
session_pairgate_destroy(session_pairgate *g)
{
    if (g == NULL) {
        return;
    }
    struct session_pair *p = g->head;
    while (p != NULL) {
        struct session_pair *next = p->next;
        pthread_mutex_destroy(&p->mu);
        free(p);
        p = next;
    }
    pthread_mutex_destroy(&g->mu);
    free(g);
}

static int
valid_name(const char *s)
{
    return s != NULL && s[0] != '\0' && strlen(s) <= SESSION_PAIRGATE_SCOPE_MAX;
}

/* Finds or adds (scope, peer) with the table lock held. NULL: out of memory. */
static struct session_pair *
find_or_add_locked(session_pairgate *g, const char *scope, const char *peer)
{
    for (struct session_pair *p = g->head; p != NULL; p = p->next) {
        if (strcmp(p->scope, scope) == 0 && strcmp(p->peer, peer) == 0) {
            return p;
        }
    }
    struct session_pair *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    strcpy(p->scope, scope); /* lengths checked by valid_name */
    strcpy(p->peer, peer);
    p->next = g->head;
    g->head = p;
    return p;
}

mpc_status
session_pairgate_acquire(session_pairgate *g, const char *scope, const char *peer,
                         session_pair **out)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (g == NULL || out == NULL || !valid_name(scope) || !valid_name(peer)) {
        return MPC_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&g->mu);
    struct session_pair *p = find_or_add_locked(g, scope, peer);
    if (p != NULL) {
        p->refs++;
    }
    pthread_mutex_unlock(&g->mu);
    *out = p;
    return p != NULL ? MPC_OK : MPC_ERR_NOMEM;
}

void
session_pairgate_release(session_pairgate *g, session_pair *p)
{
    if (g == NULL || p == NULL) {
        return;
    }
    pthread_mutex_lock(&g->mu);
    p->refs--;
    int drop = 0;
    if (p->refs == 0) {
        pthread_mutex_lock(&p->mu); /* nobody else references it: never contended */
        drop = !p->quarantined;
        pthread_mutex_unlock(&p->mu);
    }
    if (drop) {
        struct session_pair **pp = &g->head;
        while (*pp != p) {
            pp = &(*pp)->next;
        }
        *pp = p->next;
        pthread_mutex_destroy(&p->mu);
        free(p);
    }
    pthread_mutex_unlock(&g->mu);
}

mpc_status
session_pair_lock(session_pair *p)
{
    if (p == NULL) {
        return MPC_ERR_QUARANTINED; /* fail closed */
    }
    pthread_mutex_lock(&p->mu);
    if (p->quarantined) {
        pthread_mutex_unlock(&p->mu);
        return MPC_ERR_QUARANTINED;
    }
    return MPC_OK;
}

void
session_pair_unlock(session_pairgate *g, session_pair *p, int failed)
{
    if (p == NULL) {
        return;
    }
    int newly = failed && !p->quarantined;
    if (failed) {
        p->quarantined = 1;
    }
    pthread_mutex_unlock(&p->mu);
    if (g == NULL) {
        return;
    }
    atomic_fetch_add(&g->checks, 1);
    if (failed) {
        atomic_fetch_add(&g->failed, 1);
    }
    if (newly) {
        atomic_fetch_add(&g->quarantined, 1);
        if (g->on_quarantine != NULL) {
            g->on_quarantine(g->arg, p->scope, p->peer); /* p stays: quarantined entries are kept */
        }
    }
}

mpc_status
session_pair_release_begin(session_pair *p)
{
    return session_pair_lock(p);
}

void
session_pair_release_end(session_pair *p)
{
    if (p != NULL) {
        pthread_mutex_unlock(&p->mu);
    }
}

mpc_status
session_pairgate_mark(session_pairgate *g, const char *scope, const char *peer)
{
    if (g == NULL || !valid_name(scope) || !valid_name(peer)) {
        return MPC_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&g->mu);
    struct session_pair *p = find_or_add_locked(g, scope, peer);
    if (p != NULL) {
        pthread_mutex_lock(&p->mu);
        if (!p->quarantined) {
            p->quarantined = 1;
            atomic_fetch_add(&g->quarantined, 1);
        }
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return p != NULL ? MPC_OK : MPC_ERR_NOMEM;
}

int
session_pairgate_is_quarantined(session_pairgate *g, const char *scope, const char *peer)
{
    if (g == NULL || scope == NULL || peer == NULL) {
        return 0;
    }
    int q = 0;
    pthread_mutex_lock(&g->mu);
    for (struct session_pair *p = g->head; p != NULL; p = p->next) {
        if (strcmp(p->scope, scope) == 0 && strcmp(p->peer, peer) == 0) {
            pthread_mutex_lock(&p->mu);
            q = p->quarantined;
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
    pthread_mutex_unlock(&g->mu);
    return q;
}

void
session_pairgate_counts(session_pairgate *g, uint64_t *checks, uint64_t *failed,
                        uint64_t *quarantined)
{
    if (checks != NULL) {
        *checks = g != NULL ? atomic_load(&g->checks) : 0;
    }
    if (failed != NULL) {
        *failed = g != NULL ? atomic_load(&g->failed) : 0;
    }
    if (quarantined != NULL) {
        *quarantined = g != NULL ? atomic_load(&g->quarantined) : 0;
    }
}

/*
 * registry.c — the session registry: live sessions by sid, the bounded and
 * TTL'd tombstone set of finished sids (answered GONE), and the per
 * (wallet, key type) reshare locks.
 *
 * DESIGN: everything here is guarded by m->reg_lock, the one registry lock.
 * It is never held while calling out (transport, protocol, owner callback)
 * and never together with a session lock. Tombstones are kept in insertion
 * order (uthash keeps it), which is also expiry order since the TTL is
 * constant, so expiry and eviction always remove from the head.
 */
#include "session/internal.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "common/clock.h"

/* A live session. */
typedef struct {
    uint8_t sid[SESSION_SID_LEN]; /* key */
    session *s;                   /* the session; the registry holds one reference */
    UT_hash_handle hh;            /* uthash */
} reg_live;

/* A finished session's sid. */
typedef struct {
    uint8_t sid[SESSION_SID_LEN]; /* key */
    mpc_status status;            /* how it ended */
    uint64_t expires_ms;          /* monotonic expiry */
    UT_hash_handle hh;            /* uthash */
} reg_tomb;

/* A held (wallet, key type) lock. */
typedef struct {
    char *key;         /* "wallet\nkey_type", owned */
    UT_hash_handle hh; /* uthash */
} reg_keylock;

mpc_status
session_registry_insert(struct session_manager *m, session *s)
{
    reg_live *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(e->sid, s->sid, SESSION_SID_LEN);
    e->s = s;
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&m->reg_lock);
    reg_live *live = m->live;
    reg_tomb *tombs = m->tombs;
    reg_live *found = NULL;
    reg_tomb *tfound = NULL;
    HASH_FIND(hh, live, s->sid, SESSION_SID_LEN, found);
    HASH_FIND(hh, tombs, s->sid, SESSION_SID_LEN, tfound);
    if (!m->accepting) {
        st = MPC_ERR_SHUTDOWN;
    } else if (found != NULL || tfound != NULL) {
        st = MPC_ERR_EXISTS;
    } else {
        HASH_ADD(hh, live, sid, SESSION_SID_LEN, e);
        m->live = live;
        m->nlive++;
        m->nactive++;
        if (m->nlive > atomic_load(&m->live_hwm)) {
            atomic_store(&m->live_hwm, m->nlive);
        }
        e = NULL;
    }
    pthread_mutex_unlock(&m->reg_lock);
    free(e);
    return st;
}

/* Drops the oldest tombstones until there is room for one more. Lock held. */
static void
reg_tomb_make_room(struct session_manager *m)
{
    reg_tomb *tombs = m->tombs;
    while (tombs != NULL && m->ntombs >= m->cfg.tombstone_max) {
        reg_tomb *old = tombs;
        HASH_DEL(tombs, old);
        free(old);
        m->ntombs--;
    }
    m->tombs = tombs;
}

void
session_registry_remove(struct session_manager *m, session *s, mpc_status st)
{
    reg_tomb *t = calloc(1, sizeof *t);
    pthread_mutex_lock(&m->reg_lock);
    reg_live *live = m->live;
    reg_live *e = NULL;
    HASH_FIND(hh, live, s->sid, SESSION_SID_LEN, e);
    if (e != NULL) {
        HASH_DEL(live, e);
        m->live = live;
        m->nlive--;
    }
    if (t != NULL && m->cfg.tombstone_max > 0) {
        reg_tomb_make_room(m);
        memcpy(t->sid, s->sid, SESSION_SID_LEN);
        t->status = st;
        t->expires_ms = mpc_clock_mono_ms() + m->cfg.tombstone_ttl_ms;
        reg_tomb *tombs = m->tombs;
        HASH_ADD(hh, tombs, sid, SESSION_SID_LEN, t);
        m->tombs = tombs;
        m->ntombs++;
        t = NULL;
    }
    pthread_cond_broadcast(&m->reg_cond);
    pthread_mutex_unlock(&m->reg_lock);
    free(t);
    if (e != NULL) {
        free(e);
        session_unref(s);
    }
}

void
session_registry_completed(struct session_manager *m)
{
    pthread_mutex_lock(&m->reg_lock);
    m->nactive--;
    pthread_cond_broadcast(&m->reg_cond);
    pthread_mutex_unlock(&m->reg_lock);
}

int
session_registry_is_tombstoned(struct session_manager *m, const uint8_t *sid)
{
    reg_tomb *t = NULL;
    pthread_mutex_lock(&m->reg_lock);
    reg_tomb *tombs = m->tombs;
    HASH_FIND(hh, tombs, sid, SESSION_SID_LEN, t);
    pthread_mutex_unlock(&m->reg_lock);
    return t != NULL;
}

void
session_registry_expire(struct session_manager *m, uint64_t now_ms)
{
    pthread_mutex_lock(&m->reg_lock);
    reg_tomb *tombs = m->tombs;
    while (tombs != NULL && tombs->expires_ms <= now_ms) {
        reg_tomb *old = tombs;
        HASH_DEL(tombs, old);
        free(old);
        m->ntombs--;
    }
    m->tombs = tombs;
    pthread_mutex_unlock(&m->reg_lock);
}

session *
session_registry_find(struct session_manager *m, const uint8_t *sid)
{
    reg_live *found = NULL;
    pthread_mutex_lock(&m->reg_lock);
    reg_live *live = m->live;
    HASH_FIND(hh, live, sid, SESSION_SID_LEN, found);
    session *s = found != NULL ? found->s : NULL;
    if (s != NULL) {
        session_ref(s);
    }
    pthread_mutex_unlock(&m->reg_lock);
    return s;
}

session **
session_registry_collect(struct session_manager *m, size_t *n)
{
    *n = 0;
    pthread_mutex_lock(&m->reg_lock);
    session **v = calloc(m->nlive ? m->nlive : 1, sizeof *v);
    if (v != NULL) {
        reg_live *e, *tmp;
        reg_live *live = m->live;
        HASH_ITER(hh, live, e, tmp)
        {
            /* cppcheck does not read uthash.h (a system header): HASH_ITER sets e */
            // cppcheck-suppress uninitvar
            session_ref(e->s);
            v[(*n)++] = e->s;
        }
    }
    pthread_mutex_unlock(&m->reg_lock);
    return v;
}

void
session_registry_free_all(struct session_manager *m)
{
    reg_tomb *tombs = m->tombs, *t, *ttmp;
    HASH_ITER(hh, tombs, t, ttmp)
    {
        HASH_DEL(tombs, t);
        free(t);
    }
    m->tombs = NULL;
    m->ntombs = 0;
    reg_keylock *locks = m->key_locks, *k, *ktmp;
    HASH_ITER(hh, locks, k, ktmp)
    {
        HASH_DEL(locks, k);
        free(k->key);
        free(k);
    }
    m->key_locks = NULL;
}

static char *
reg_key(const char *wallet, const char *key_type)
{
    size_t a = strlen(wallet), b = strlen(key_type);
    char *k = malloc(a + b + 2);
    if (k != NULL) {
        memcpy(k, wallet, a);
        k[a] = '\n';
        memcpy(k + a + 1, key_type, b + 1);
    }
    return k;
}

mpc_status
session_keylock_take(struct session_manager *m, const char *wallet, const char *key_type)
{
    reg_keylock *e = calloc(1, sizeof *e);
    char *key = reg_key(wallet, key_type);
    if (e == NULL || key == NULL) {
        free(e);
        free(key);
        return MPC_ERR_NOMEM;
    }
    e->key = key;
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&m->reg_lock);
    reg_keylock *locks = m->key_locks, *found = NULL;
    HASH_FIND_STR(locks, key, found);
    if (found != NULL) {
        st = MPC_ERR_LOCKED;
    } else {
        HASH_ADD_KEYPTR(hh, locks, e->key, strlen(e->key), e);
        m->key_locks = locks;
        e = NULL;
    }
    pthread_mutex_unlock(&m->reg_lock);
    if (e != NULL) {
        free(e->key);
        free(e);
    }
    return st;
}

void
session_keylock_give(struct session_manager *m, const char *wallet, const char *key_type)
{
    char *key = reg_key(wallet, key_type);
    if (key == NULL) {
        return; /* cannot happen in practice; the lock then stays held */
    }
    pthread_mutex_lock(&m->reg_lock);
    reg_keylock *locks = m->key_locks, *found = NULL;
    HASH_FIND_STR(locks, key, found);
    if (found != NULL) {
        HASH_DEL(locks, found);
        m->key_locks = locks;
    }
    pthread_mutex_unlock(&m->reg_lock);
    if (found != NULL) {
        free(found->key);
        free(found);
    }
    free(key);
}

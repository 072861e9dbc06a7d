/*
 * keyquery.c — client keys and nonce replay cache of the key-info responder
 * (node/keyquery.h).
 */
#include "node/keyquery.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One remembered nonce. */
struct kq_slot {
    uint8_t nonce[32];      /* the nonce */
    uint8_t len;            /* its length; 0 = free slot */
    uint64_t expires_at_ms; /* forgotten after this */
};

struct node_keyquery {
    pthread_mutex_t mu;                              /* guards everything below */
    uint8_t clients[NODE_KEYQUERY_CLIENTS_MAX][32];  /* accepted client keys */
    size_t n_clients;                                /* their number */
    struct kq_slot slots[NODE_KEYQUERY_CACHE_SLOTS]; /* the replay cache */
};

mpc_status
node_keyquery_create(struct node_keyquery **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    struct node_keyquery *kq = calloc(1, sizeof *kq);
    if (kq == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (pthread_mutex_init(&kq->mu, NULL) != 0) {
        free(kq);
        return MPC_ERR_INTERNAL;
    }
    *out = kq;
    return MPC_OK;
}

void
node_keyquery_destroy(struct node_keyquery *kq)
{
    if (kq != NULL) {
        pthread_mutex_destroy(&kq->mu);
        free(kq);
    }
}

void
node_keyquery_set_clients(struct node_keyquery *kq, const uint8_t (*keys)[32], size_t n)
{
    if (kq == NULL || (keys == NULL && n > 0)) {
        return;
    }
    n = n < NODE_KEYQUERY_CLIENTS_MAX ? n : NODE_KEYQUERY_CLIENTS_MAX;
    pthread_mutex_lock(&kq->mu);
    memset(kq->clients, 0, sizeof kq->clients);
    if (n > 0) {
        memcpy(kq->clients, keys, n * 32);
    }
    kq->n_clients = n;
    pthread_mutex_unlock(&kq->mu);
}

size_t
node_keyquery_clients(struct node_keyquery *kq, uint8_t keys[NODE_KEYQUERY_CLIENTS_MAX][32])
{
    if (kq == NULL || keys == NULL) {
        return 0;
    }
    pthread_mutex_lock(&kq->mu);
    size_t n = kq->n_clients;
    memcpy(keys, kq->clients, sizeof kq->clients);
    pthread_mutex_unlock(&kq->mu);
    return n;
}

mpc_status
node_keyquery_admit(struct node_keyquery *kq, const uint8_t *nonce, size_t len,
                    uint64_t expires_at_ms, uint64_t now_ms)
{
    if (kq == NULL || nonce == NULL || len == 0 || len > 32) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = MPC_OK;
    size_t pick = 0; /* a free or expired slot, else the one expiring first */
    pthread_mutex_lock(&kq->mu);
    for (size_t i = 0; i < NODE_KEYQUERY_CACHE_SLOTS; i++) {
        struct kq_slot *s = &kq->slots[i];
        int live = s->len != 0 && s->expires_at_ms >= now_ms;
        if (live && s->len == len && memcmp(s->nonce, nonce, len) == 0) {
            st = MPC_ERR_KEYINFO_REPLAYED;
            break;
        }
        const struct kq_slot *p = &kq->slots[pick];
        int p_live = p->len != 0 && p->expires_at_ms >= now_ms;
        if (p_live && (!live || s->expires_at_ms < p->expires_at_ms)) {
            pick = i;
        }
    }
    if (st == MPC_OK) {
        struct kq_slot *s = &kq->slots[pick];
        memcpy(s->nonce, nonce, len);
        s->len = (uint8_t)len;
        s->expires_at_ms = expires_at_ms;
    }
    pthread_mutex_unlock(&kq->mu);
    return st;
}

/*
 * peer_table.c — identity keys and the peer table (libsodium underneath).
 *
 * DESIGN: peers are a uthash table keyed by node id under a rwlock. Each
 * entry owns one mpc_secure_alloc block holding its precomputed box key.
 */
#include "transport/peer_table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uthash.h>

#include "common/secmem.h"

struct transport_identity {
    char node_id[TRANSPORT_NODE_ID_MAX + 1]; /* this node's id */
    uint8_t pk[TRANSPORT_ED25519_PK];        /* Ed25519 public key */
    uint8_t *sk;                             /* Ed25519 secret key (64 bytes), secure memory */
    uint8_t *x_sk;                           /* X25519 secret converted from sk, secure memory */
};

struct peer_entry {
    char node_id[TRANSPORT_NODE_ID_MAX + 1]; /* key */
    uint8_t pk[TRANSPORT_ED25519_PK];        /* peer's Ed25519 public key */
    uint8_t *box_key;                        /* crypto_box_beforenm(peer x_pk, self x_sk), secure */
    UT_hash_handle hh;                       /* table link */
};

struct transport_peer_table {
    pthread_rwlock_t lock;          /* guards peers */
    const transport_identity *self; /* borrowed */
    struct peer_entry *peers;       /* uthash table */
    size_t count;                   /* entries */
};

int
transport_node_id_valid(const char *id)
{
    if (id == NULL) {
        return 0;
    }
    size_t n = strlen(id);
    if (n == 0 || n > TRANSPORT_NODE_ID_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

mpc_status
transport_identity_create(const char *node_id, const uint8_t seed[TRANSPORT_ED25519_SEED],
                          transport_identity **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!transport_node_id_valid(node_id) || seed == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_CRYPTO;
    }
    transport_identity *id = calloc(1, sizeof *id);
    if (id == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = MPC_ERR_NOMEM;
    id->sk = mpc_secure_alloc(crypto_sign_SECRETKEYBYTES);
    id->x_sk = mpc_secure_alloc(crypto_scalarmult_curve25519_BYTES);
    if (id->sk == NULL || id->x_sk == NULL) {
        goto fail_free;
    }
    st = MPC_ERR_CRYPTO;
    if (crypto_sign_seed_keypair(id->pk, id->sk, seed) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(id->x_sk, id->sk) != 0) {
        goto fail_free;
    }
    strcpy(id->node_id, node_id);
    *out = id;
    return MPC_OK;
fail_free:
    transport_identity_destroy(id);
    return st;
}

void
transport_identity_destroy(transport_identity *id)
{
    if (id == NULL) {
        return;
    }
    mpc_secure_free(id->sk);
    mpc_secure_free(id->x_sk);
    free(id);
}

const char *
transport_identity_node_id(const transport_identity *id)
{
    return id->node_id;
}

void
transport_identity_public_key(const transport_identity *id, uint8_t pk[TRANSPORT_ED25519_PK])
{
    memcpy(pk, id->pk, TRANSPORT_ED25519_PK);
}

mpc_status
transport_identity_sign(const transport_identity *id, uint8_t sig[64], const uint8_t *msg,
                        size_t len)
{
    if (id == NULL || sig == NULL || (msg == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (crypto_sign_detached(sig, NULL, msg, len, id->sk) != 0) {
        return MPC_ERR_CRYPTO;
    }
    return MPC_OK;
}

mpc_status
transport_peer_table_create(const transport_identity *self, transport_peer_table **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (self == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_peer_table *pt = calloc(1, sizeof *pt);
    if (pt == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (pthread_rwlock_init(&pt->lock, NULL) != 0) {
        free(pt);
        return MPC_ERR_INTERNAL;
    }
    pt->self = self;
    *out = pt;
    return MPC_OK;
}

static void
peer_entry_free(struct peer_entry *e)
{
    mpc_secure_free(e->box_key);
    free(e);
}

void
transport_peer_table_destroy(transport_peer_table *pt)
{
    if (pt == NULL) {
        return;
    }
    struct peer_entry *e, *tmp;
    HASH_ITER(hh, pt->peers, e, tmp)
    {
        HASH_DEL(pt->peers, e);
        peer_entry_free(e);
    }
    pthread_rwlock_destroy(&pt->lock);
    free(pt);
}

/* Builds an entry: validates pk, converts it, precomputes the box key. */
static mpc_status
peer_entry_new(const transport_peer_table *pt, const char *node_id,
               const uint8_t pk[TRANSPORT_ED25519_PK], struct peer_entry **out)
{
    uint8_t x_pk[crypto_scalarmult_curve25519_BYTES];
    *out = NULL;
    /* Rejects non-canonical, off-curve and small-order keys. */
    if (crypto_core_ed25519_is_valid_point(pk) != 1 ||
        crypto_sign_ed25519_pk_to_curve25519(x_pk, pk) != 0) {
        return MPC_ERR_BAD_POINT;
    }
    struct peer_entry *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return MPC_ERR_NOMEM;
    }
    e->box_key = mpc_secure_alloc(TRANSPORT_BOX_KEY);
    if (e->box_key == NULL) {
        free(e);
        return MPC_ERR_NOMEM;
    }
    if (crypto_box_beforenm(e->box_key, x_pk, pt->self->x_sk) != 0) {
        peer_entry_free(e);
        return MPC_ERR_BAD_POINT;
    }
    strcpy(e->node_id, node_id);
    memcpy(e->pk, pk, TRANSPORT_ED25519_PK);
    *out = e;
    return MPC_OK;
}

mpc_status
transport_peer_table_add(transport_peer_table *pt, const char *node_id,
                         const uint8_t pk[TRANSPORT_ED25519_PK])
{
    struct peer_entry *e = NULL, *found = NULL;
    if (pt == NULL || pk == NULL || !transport_node_id_valid(node_id)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = peer_entry_new(pt, node_id, pk, &e);
    if (st != MPC_OK) {
        return st;
    }
    pthread_rwlock_wrlock(&pt->lock);
    HASH_FIND_STR(pt->peers, node_id, found);
    if (found == NULL) {
        HASH_ADD_STR(pt->peers, node_id, e);
        pt->count++;
    }
    pthread_rwlock_unlock(&pt->lock);
    if (found != NULL) {
        peer_entry_free(e);
        return MPC_ERR_EXISTS;
    }
    return MPC_OK;
}

size_t
transport_peer_table_count(transport_peer_table *pt)
{
    if (pt == NULL) {
        return 0;
    }
    pthread_rwlock_rdlock(&pt->lock);
    size_t n = pt->count;
    pthread_rwlock_unlock(&pt->lock);
    return n;
}

const transport_identity *
transport_peer_table_self(const transport_peer_table *pt)
{
    return pt->self;
}

mpc_status
transport_peer_table_get(transport_peer_table *pt, const char *node_id,
                         uint8_t pk[TRANSPORT_ED25519_PK], uint8_t box_key[TRANSPORT_BOX_KEY])
{
    struct peer_entry *e = NULL;
    if (pt == NULL || node_id == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    pthread_rwlock_rdlock(&pt->lock);
    HASH_FIND_STR(pt->peers, node_id, e);
    if (e != NULL) {
        if (pk != NULL) {
            memcpy(pk, e->pk, TRANSPORT_ED25519_PK);
        }
        if (box_key != NULL) {
            memcpy(box_key, e->box_key, TRANSPORT_BOX_KEY);
        }
    }
    pthread_rwlock_unlock(&pt->lock);
    return e != NULL ? MPC_OK : MPC_ERR_NOT_FOUND;
}

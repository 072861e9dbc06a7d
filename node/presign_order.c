/*
 * presign_order.c — the signed presign order, its checks and the replay
 * cache (node/presign_order.h).
 */
#include "node/presign_order.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "node/client/ids.h"

#define ORDER_DOMAIN     "mpc-node/presign-order/v1"
#define ORDER_DOMAIN_LEN (sizeof(ORDER_DOMAIN)) /* with the NUL */
#define ORDER_SID_DOMAIN "mpc-node/presign/sid/v1"
#define ORDER_SIG        64

void
node_presign_replay_init(struct node_presign_replay *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
}

void
node_presign_replay_fini(struct node_presign_replay *r)
{
    pthread_mutex_destroy(&r->mu);
}

mpc_status
node_presign_replay_add(struct node_presign_replay *r, const struct node_presign_order *o,
                        uint64_t now_ms)
{
    if (r == NULL || o == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t free_slot = NODE_PRESIGN_REPLAY_SLOTS;
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < NODE_PRESIGN_REPLAY_SLOTS; i++) {
        if (r->expiry_ms[i] != 0 && r->expiry_ms[i] < now_ms) {
            r->expiry_ms[i] = 0; /* its order is refused as expired from now on */
        }
        if (r->expiry_ms[i] == 0) {
            free_slot = free_slot == NODE_PRESIGN_REPLAY_SLOTS ? i : free_slot;
        } else if (memcmp(r->nonce[i], o->nonce, NODE_PRESIGN_NONCE_BYTES) == 0) {
            st = MPC_ERR_PRESIG_ORDER_REPLAY;
        }
    }
    if (st == MPC_OK && free_slot == NODE_PRESIGN_REPLAY_SLOTS) {
        st = MPC_ERR_PRESIG_ORDER_REPLAY; /* full of live orders: fail closed */
    }
    if (st == MPC_OK) {
        memcpy(r->nonce[free_slot], o->nonce, NODE_PRESIGN_NONCE_BYTES);
        r->expiry_ms[free_slot] = o->expiry_ms;
    }
    pthread_mutex_unlock(&r->mu);
    return st;
}

static void
put_u64be(uint8_t *p, uint64_t v)
{
    mpc_put_u32be(p, (uint32_t)(v >> 32));
    mpc_put_u32be(p + 4, (uint32_t)v);
}

static uint64_t
get_u64be(const uint8_t *p)
{
    return ((uint64_t)mpc_get_u32be(p) << 32) | mpc_get_u32be(p + 4);
}

static int
order_valid(const struct node_presign_order *o)
{
    if ((o->format != NODE_PRESIGN_ORDER_FORMAT && o->format != NODE_PRESIGN_MISSING_FORMAT) ||
        o->n_inv > NODE_PRESIGN_INV_MAX || o->key_type < 1 || o->key_type > 255 ||
        o->version == 0 || o->n < 2 || o->n > NODE_CONFIG_PRESIGN_SET_MAX ||
        !node_client_wallet_id_is_valid(o->wallet) || strlen(o->wallet) > NODE_PRESIGN_WALLET_MAX ||
        !node_client_node_id_is_valid(o->from)) {
        return 0;
    }
    for (uint32_t i = 0; i < o->n; i++) {
        if (!node_client_node_id_is_valid(o->ids[i]) ||
            (i > 0 && strcmp(o->ids[i - 1], o->ids[i]) >= 0)) {
            return 0; /* ascending and distinct */
        }
    }
    return 1;
}

mpc_status
node_presign_order_encode(const node_store_identity *id, const struct node_presign_order *o,
                          uint8_t *out, size_t cap, size_t *out_len)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (id == NULL || o == NULL || out == NULL || out_len == NULL || cap < NODE_PRESIGN_ORDER_MAX ||
        !order_valid(o)) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *buf = malloc(ORDER_DOMAIN_LEN + NODE_PRESIGN_ORDER_MAX);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(buf, ORDER_DOMAIN, ORDER_DOMAIN_LEN);
    uint8_t *p = buf + ORDER_DOMAIN_LEN;
    *p++ = (uint8_t)o->format;
    *p++ = (uint8_t)o->key_type;
    p = mpc_put_str8(p, o->wallet);
    mpc_put_u32be(p, o->version);
    p += 4;
    *p++ = (uint8_t)o->n;
    for (uint32_t i = 0; i < o->n; i++) {
        p = mpc_put_str8(p, o->ids[i]);
    }
    p = mpc_put_str8(p, o->from);
    *p++ = (uint8_t)(o->n_inv >> 8);
    *p++ = (uint8_t)o->n_inv;
    memcpy(p, o->inv, (size_t)o->n_inv * 32);
    p += (size_t)o->n_inv * 32;
    memcpy(p, o->nonce, NODE_PRESIGN_NONCE_BYTES);
    p += NODE_PRESIGN_NONCE_BYTES;
    put_u64be(p, o->expiry_ms);
    p += 8;
    size_t signed_len = (size_t)(p - buf);
    mpc_status st = node_store_identity_sign(id, p, buf, signed_len);
    if (st == MPC_OK) {
        size_t total = signed_len - ORDER_DOMAIN_LEN + ORDER_SIG;
        memcpy(out, buf + ORDER_DOMAIN_LEN, total); /* the domain tag is signed, not sent */
        *out_len = total;
    }
    free(buf);
    return st;
}

mpc_status
node_presign_order_decode(struct node_presign_order *o, const uint8_t *in, size_t len)
{
    if (o == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(o, 0, sizeof *o);
    if (in == NULL || len < 2 + ORDER_SIG || len > NODE_PRESIGN_ORDER_MAX) {
        return MPC_ERR_PRESIG_ORDER_MALFORMED;
    }
    const uint8_t *p = in + 2, *end = in + len - ORDER_SIG;
    o->format = in[0];
    o->key_type = in[1];
    int ok = mpc_get_str8(&p, end, o->wallet, NODE_PRESIGN_WALLET_MAX) && end - p >= 5;
    if (ok) {
        o->version = mpc_get_u32be(p);
        o->n = p[4];
        p += 5;
        ok = o->n >= 2 && o->n <= NODE_CONFIG_PRESIGN_SET_MAX;
    }
    for (uint32_t i = 0; ok && i < o->n; i++) {
        ok = mpc_get_str8(&p, end, o->ids[i], NODE_ID_MAX);
    }
    ok = ok && mpc_get_str8(&p, end, o->from, NODE_ID_MAX) && end - p >= 2;
    if (ok) {
        o->n_inv = ((uint32_t)p[0] << 8) | p[1];
        p += 2;
        ok = o->n_inv <= NODE_PRESIGN_INV_MAX &&
             (size_t)(end - p) == (size_t)o->n_inv * 32 + NODE_PRESIGN_NONCE_BYTES + 8;
    }
    if (ok) {
        memcpy(o->inv, p, (size_t)o->n_inv * 32);
        p += (size_t)o->n_inv * 32;
        memcpy(o->nonce, p, NODE_PRESIGN_NONCE_BYTES);
        o->expiry_ms = get_u64be(p + NODE_PRESIGN_NONCE_BYTES);
        ok = order_valid(o);
    }
    if (!ok) {
        memset(o, 0, sizeof *o);
        return MPC_ERR_PRESIG_ORDER_MALFORMED;
    }
    return MPC_OK;
}

mpc_status
node_presign_order_sid(const uint8_t *in, size_t len, uint8_t sid[16])
{
    if (in == NULL || len == 0 || sid == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    crypto_generichash_state h;
    int bad = crypto_generichash_init(&h, NULL, 0, 16) != 0 ||
              crypto_generichash_update(&h, (const uint8_t *)ORDER_SID_DOMAIN,
                                        sizeof ORDER_SID_DOMAIN) != 0 ||
              crypto_generichash_update(&h, in, len) != 0 ||
              crypto_generichash_final(&h, sid, 16) != 0;
    return bad ? MPC_ERR_CRYPTO : MPC_OK;
}

/* The signature under from's key in the peers file. */
static mpc_status
order_verify(const struct node_presign_order *o, const uint8_t *in, size_t len,
             const node_config_peers *peers)
{
    const struct node_config_peer *pe = node_config_peers_find(peers, o->from);
    if (pe == NULL) {
        return MPC_ERR_PRESIG_ORDER_SIGNATURE;
    }
    size_t body = len - ORDER_SIG;
    uint8_t *msg = malloc(ORDER_DOMAIN_LEN + body);
    if (msg == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(msg, ORDER_DOMAIN, ORDER_DOMAIN_LEN);
    memcpy(msg + ORDER_DOMAIN_LEN, in, body);
    int bad =
        crypto_sign_verify_detached(in + body, msg, ORDER_DOMAIN_LEN + body, pe->public_key) != 0;
    free(msg);
    return bad ? MPC_ERR_PRESIG_ORDER_SIGNATURE : MPC_OK;
}

/* One of cfg's sets is exactly o's, self is in it, from is in it and is its
 * lowest id (an order) or self is (a missing report); from is not self. */
static mpc_status
order_sender(const struct node_presign_order *o, const struct node_config_presign *cfg,
             const char *self)
{
    int report = o->format == NODE_PRESIGN_MISSING_FORMAT;
    int from_in = 0;
    for (uint32_t i = 0; i < o->n; i++) {
        from_in |= strcmp(o->ids[i], o->from) == 0;
    }
    const char *lead = report ? self : o->from; /* who must be the lowest id */
    for (size_t s = 0; s < cfg->n_sets; s++) {
        int same = cfg->set_len[s] == o->n;
        int has_self = 0;
        for (uint32_t i = 0; same && i < o->n; i++) {
            same = strcmp(cfg->ids[s][i], o->ids[i]) == 0;
            has_self |= strcmp(o->ids[i], self) == 0;
        }
        if (same && has_self && from_in && strcmp(lead, o->ids[0]) == 0 &&
            strcmp(self, o->from) != 0) {
            return MPC_OK;
        }
    }
    return MPC_ERR_PRESIG_ORDER_SENDER;
}

mpc_status
node_presign_set_fits(const struct node_store_keyinfo_version *v,
                      const char (*ids)[NODE_ID_MAX + 1], uint32_t n)
{
    if (v == NULL || ids == NULL || n != v->threshold) {
        return MPC_ERR_PRESIG_SET_COMMITTEE;
    }
    for (uint32_t i = 0; i < n; i++) {
        int holder = 0;
        for (uint16_t k = 0; k < v->n_participants && !holder; k++) {
            holder = strcmp(v->participants[k], ids[i]) == 0;
        }
        if (!holder) {
            return MPC_ERR_PRESIG_SET_COMMITTEE;
        }
    }
    return MPC_OK;
}

/* The order's version is the key's active one here, and the set fits it. */
static mpc_status
order_key(const struct node_presign_order *o, const struct node_presign_view *v)
{
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = node_store_keyinfo_get(v->store, o->key_type, o->wallet, ki);
    if (st == MPC_ERR_NOT_FOUND || st == MPC_ERR_INVALID_ARG ||
        (st == MPC_OK && ki->active_version != o->version)) {
        st = MPC_ERR_PRESIG_ORDER_VERSION;
    } else if (st != MPC_OK) {
        st = MPC_ERR_STORE;
    } else {
        const struct node_store_keyinfo_version *kv = node_store_keyinfo_find(ki, o->version);
        st = node_presign_set_fits(kv, (const char(*)[NODE_ID_MAX + 1]) o->ids, o->n);
        if (st == MPC_OK && v->threshold != NULL) {
            *v->threshold = kv->threshold;
        }
    }
    free(ki);
    return st;
}

mpc_status
node_presign_order_open(struct node_presign_order *o, const uint8_t *in, size_t len,
                        const struct node_presign_view *v)
{
    if (o != NULL) {
        memset(o, 0, sizeof *o);
    }
    if (o == NULL || v == NULL || v->peers == NULL || v->cfg == NULL || v->self == NULL ||
        v->store == NULL || v->replay == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_presign_order_decode(o, in, len);
    if (st == MPC_OK) {
        st = order_verify(o, in, len, v->peers);
    }
    if (st == MPC_OK &&
        (o->expiry_ms < v->now_ms || o->expiry_ms > v->now_ms + 2ull * NODE_PRESIGN_ORDER_TTL_MS)) {
        st = MPC_ERR_PRESIG_ORDER_EXPIRED; /* twice the TTL ahead: clock skew */
    }
    if (st == MPC_OK) {
        st = order_sender(o, v->cfg, v->self);
    }
    if (st == MPC_OK) {
        st = order_key(o, v);
    }
    if (st == MPC_OK) {
        st = node_presign_replay_add(v->replay, o, v->now_ms);
    }
    return st;
}

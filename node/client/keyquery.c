/*
 * keyquery.c — the key-info query codec (node/client/keyquery.h).
 */
#include "node/client/keyquery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/keyinfo.pb-c.h"

#define Q_DOMAIN_LEN (sizeof NODE_CLIENT_KEYQUERY_QUERY_DOMAIN) /* includes the NUL */
#define R_DOMAIN_LEN (sizeof NODE_CLIENT_KEYQUERY_REPLY_DOMAIN) /* includes the NUL */

static int
key_type_ok(int kt)
{
    return kt == MPC__KEY_TYPE__KEY_TYPE_ED25519 || kt == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 ||
           kt == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR;
}

/* Packs m into a new buffer. Out: *out (malloc), *len. */
static mpc_status
pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    *out = malloc(n > 0 ? n : 1);
    if (*out == NULL) {
        return MPC_ERR_NOMEM;
    }
    *len = protobuf_c_message_pack(m, *out);
    return MPC_OK;
}

/* Ed25519 over domain || data (identity key). Out: sig. */
static mpc_status
sign_domain(const node_store_identity *id, uint8_t sig[64], const char *domain, size_t dlen,
            const uint8_t *data, size_t len)
{
    uint8_t *buf = malloc(dlen + len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(buf, domain, dlen);
    memcpy(buf + dlen, data, len);
    mpc_status st = node_store_identity_sign(id, sig, buf, dlen + len);
    free(buf);
    return st;
}

/* Returns: 1 if sig verifies under pk over domain || data. */
static int
verify_domain(const uint8_t sig[64], const uint8_t pk[32], const char *domain, size_t dlen,
              const uint8_t *data, size_t len)
{
    uint8_t *buf = malloc(dlen + len);
    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, domain, dlen);
    memcpy(buf + dlen, data, len);
    int ok = crypto_sign_verify_detached(sig, buf, dlen + len, pk) == 0;
    free(buf);
    return ok;
}

mpc_status
node_client_keyquery_create(const node_store_identity *client, int key_type, const char *wallet,
                            const uint8_t *nonce, size_t nonce_len, uint64_t now_ms,
                            uint64_t ttl_ms, struct node_client_keyquery *q, uint8_t **out,
                            size_t *out_len)
{
    if (q != NULL) {
        memset(q, 0, sizeof *q);
    }
    if (out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    *out_len = 0;
    if (client == NULL || q == NULL || nonce == NULL || !key_type_ok(key_type) ||
        !node_client_wallet_id_is_valid(wallet) || nonce_len < NODE_CLIENT_KEYQUERY_NONCE_MIN ||
        nonce_len > NODE_CLIENT_KEYQUERY_NONCE_MAX || ttl_ms == 0 ||
        ttl_ms > NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__KeyInfoQuery m = MPC__KEY_INFO_QUERY__INIT;
    m.format = NODE_CLIENT_KEYQUERY_FORMAT;
    m.key_type = (Mpc__KeyType)key_type;
    m.wallet_id = (char *)wallet;
    m.nonce.data = (uint8_t *)nonce;
    m.nonce.len = nonce_len;
    m.created_at_ms = now_ms;
    m.expires_at_ms = now_ms + ttl_ms;
    uint8_t *qb = NULL, sig[64];
    size_t qlen = 0;
    mpc_status st = pack(&m.base, &qb, &qlen);
    if (st == MPC_OK) {
        st = sign_domain(client, sig, NODE_CLIENT_KEYQUERY_QUERY_DOMAIN, Q_DOMAIN_LEN, qb, qlen);
    }
    if (st == MPC_OK) {
        Mpc__KeyInfoSignedQuery s = MPC__KEY_INFO_SIGNED_QUERY__INIT;
        s.query.data = qb;
        s.query.len = qlen;
        s.client_public_key.data = (uint8_t *)node_store_identity_public_key(client);
        s.client_public_key.len = 32;
        s.signature.data = sig;
        s.signature.len = 64;
        st = pack(&s.base, out, out_len);
    }
    if (st == MPC_OK) {
        q->key_type = key_type;
        snprintf(q->wallet, sizeof q->wallet, "%s", wallet);
        memcpy(q->nonce, nonce, nonce_len);
        q->nonce_len = nonce_len;
        q->created_at_ms = m.created_at_ms;
        q->expires_at_ms = m.expires_at_ms;
        memcpy(q->client_pk, node_store_identity_public_key(client), 32);
        crypto_hash_sha256(q->sha256, qb, qlen);
        q->decoded = 1;
    }
    free(qb);
    return st;
}

/* Copies the decodable fields of m into q (nonce and hash first: a refusal answers them). */
static mpc_status
query_fields(struct node_client_keyquery *q, const Mpc__KeyInfoQuery *m, const uint8_t *qb,
             size_t qlen)
{
    if (m->nonce.len < NODE_CLIENT_KEYQUERY_NONCE_MIN ||
        m->nonce.len > NODE_CLIENT_KEYQUERY_NONCE_MAX) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    memcpy(q->nonce, m->nonce.data, m->nonce.len);
    q->nonce_len = m->nonce.len;
    crypto_hash_sha256(q->sha256, qb, qlen);
    q->decoded = 1;
    if (m->format != NODE_CLIENT_KEYQUERY_FORMAT || !key_type_ok((int)m->key_type) ||
        !node_client_wallet_id_is_valid(m->wallet_id)) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    q->key_type = (int)m->key_type;
    snprintf(q->wallet, sizeof q->wallet, "%s", m->wallet_id);
    q->created_at_ms = m->created_at_ms;
    q->expires_at_ms = m->expires_at_ms;
    return MPC_OK;
}

/* The signer and its signature: configured, then valid. */
static mpc_status
query_signer(const Mpc__KeyInfoSignedQuery *s, const uint8_t (*clients)[32], size_t n_clients)
{
    if (s->client_public_key.len != 32 || s->signature.len != 64) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    int known = 0;
    for (size_t i = 0; i < n_clients; i++) {
        known |= sodium_memcmp(clients[i], s->client_public_key.data, 32) == 0;
    }
    if (!known) {
        return MPC_ERR_KEYINFO_UNKNOWN_CLIENT;
    }
    if (!verify_domain(s->signature.data, s->client_public_key.data,
                       NODE_CLIENT_KEYQUERY_QUERY_DOMAIN, Q_DOMAIN_LEN, s->query.data,
                       s->query.len)) {
        return MPC_ERR_KEYINFO_BAD_SIGNATURE;
    }
    return MPC_OK;
}

mpc_status
node_client_keyquery_open(struct node_client_keyquery *q, const uint8_t *in, size_t len,
                          const uint8_t (*clients)[32], size_t n_clients, uint64_t now_ms)
{
    if (q != NULL) {
        memset(q, 0, sizeof *q);
    }
    if (q == NULL || (in == NULL && len > 0) || (clients == NULL && n_clients > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len == 0 || len > NODE_CLIENT_KEYQUERY_MAX) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    Mpc__KeyInfoSignedQuery *s = mpc__key_info_signed_query__unpack(NULL, len, in);
    if (s == NULL) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    Mpc__KeyInfoQuery *m = mpc__key_info_query__unpack(NULL, s->query.len, s->query.data);
    mpc_status st =
        m == NULL ? MPC_ERR_KEYINFO_MALFORMED : query_fields(q, m, s->query.data, s->query.len);
    if (st == MPC_OK || (st == MPC_ERR_KEYINFO_MALFORMED && q->decoded)) {
        mpc_status sig = query_signer(s, clients, n_clients); /* who asks, before what */
        st = sig != MPC_OK ? sig : st;
    }
    if (st == MPC_OK) {
        memcpy(q->client_pk, s->client_public_key.data, 32);
        if (q->expires_at_ms <= now_ms || q->expires_at_ms <= q->created_at_ms ||
            q->created_at_ms > now_ms + NODE_CLIENT_KEYQUERY_SKEW_MS ||
            q->expires_at_ms - q->created_at_ms > NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS) {
            st = MPC_ERR_KEYINFO_EXPIRED;
        }
    }
    if (m != NULL) {
        mpc__key_info_query__free_unpacked(m, NULL);
    }
    mpc__key_info_signed_query__free_unpacked(s, NULL);
    return st;
}

/* Returns: 1 if f states a key that can be right (lengths, threshold, committee). */
static int
facts_valid(const struct node_client_keyquery_facts *f)
{
    size_t want = f->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519 ? 32u : 33u;
    if (!key_type_ok(f->key_type) || !node_client_wallet_id_is_valid(f->wallet) ||
        f->public_key_len != want || f->active_version == 0 || f->threshold < 2 ||
        f->n_committee < f->threshold || f->n_committee > NODE_STORE_KEYINFO_MAX_PARTIES) {
        return 0;
    }
    for (size_t i = 0; i < f->n_committee; i++) {
        if (!node_client_node_id_is_valid(f->committee[i])) {
            return 0;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(f->committee[i], f->committee[j]) == 0) {
                return 0;
            }
        }
    }
    return 1;
}

/* Encodes the KeyInfoReply of node_id to q. Out: *out (malloc), *len. */
static mpc_status
reply_encode(const char *node_id, const struct node_client_keyquery *q, mpc_status status,
             const struct node_client_keyquery_facts *f, uint8_t **out, size_t *len)
{
    char *ids[NODE_STORE_KEYINFO_MAX_PARTIES];
    Mpc__KeyInfoReply r = MPC__KEY_INFO_REPLY__INIT;
    r.format = NODE_CLIENT_KEYQUERY_FORMAT;
    r.node_id = (char *)node_id;
    r.query_sha256.data = (uint8_t *)q->sha256;
    r.query_sha256.len = 32;
    r.nonce.data = (uint8_t *)q->nonce;
    r.nonce.len = q->nonce_len;
    r.status_code = (uint32_t)status;
    r.key_type = (Mpc__KeyType)q->key_type;
    r.wallet_id = (char *)q->wallet;
    if (status == MPC_OK) {
        r.key_type = (Mpc__KeyType)f->key_type;
        r.wallet_id = (char *)f->wallet;
        r.public_key.data = (uint8_t *)f->public_key;
        r.public_key.len = f->public_key_len;
        r.chain_code.data = (uint8_t *)f->chain;
        r.chain_code.len = f->has_chain ? 32u : 0u;
        r.active_version = f->active_version;
        r.threshold = f->threshold;
        for (size_t i = 0; i < f->n_committee; i++) {
            ids[i] = (char *)f->committee[i];
        }
        r.committee = ids;
        r.n_committee = f->n_committee;
    }
    return pack(&r.base, out, len);
}

mpc_status
node_client_keyquery_reply(const node_store_identity *node, const char *node_id,
                           const struct node_client_keyquery *q, mpc_status status,
                           const struct node_client_keyquery_facts *f, uint8_t **out,
                           size_t *out_len)
{
    if (out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    *out_len = 0;
    if (node == NULL || q == NULL || !q->decoded || !node_client_node_id_is_valid(node_id) ||
        (status == MPC_OK && (f == NULL || !facts_valid(f)))) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *rb = NULL, sig[64];
    size_t rlen = 0;
    mpc_status st = reply_encode(node_id, q, status, f, &rb, &rlen);
    if (st == MPC_OK) {
        st = sign_domain(node, sig, NODE_CLIENT_KEYQUERY_REPLY_DOMAIN, R_DOMAIN_LEN, rb, rlen);
    }
    if (st == MPC_OK) {
        Mpc__KeyInfoSignedReply s = MPC__KEY_INFO_SIGNED_REPLY__INIT;
        s.reply.data = rb;
        s.reply.len = rlen;
        s.signature.data = sig;
        s.signature.len = 64;
        st = pack(&s.base, out, out_len);
    }
    free(rb);
    return st;
}

/* Copies the key facts of a decoded reply r into f. Returns MPC_OK or MPC_ERR_KEYINFO_MALFORMED. */
static mpc_status
reply_facts(struct node_client_keyquery_facts *f, const Mpc__KeyInfoReply *r, const char *node_id)
{
    if (r->public_key.len > sizeof f->public_key ||
        (r->chain_code.len != 0 && r->chain_code.len != 32) ||
        r->n_committee > NODE_STORE_KEYINFO_MAX_PARTIES) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    f->key_type = (int)r->key_type;
    snprintf(f->wallet, sizeof f->wallet, "%s", r->wallet_id);
    memcpy(f->public_key, r->public_key.data, r->public_key.len);
    f->public_key_len = r->public_key.len;
    f->has_chain = r->chain_code.len == 32;
    if (f->has_chain) {
        memcpy(f->chain, r->chain_code.data, 32);
    }
    f->active_version = r->active_version;
    f->threshold = r->threshold;
    int member = 0;
    for (size_t i = 0; i < r->n_committee; i++) {
        if (strlen(r->committee[i]) > NODE_ID_MAX) {
            return MPC_ERR_KEYINFO_MALFORMED;
        }
        snprintf(f->committee[i], sizeof f->committee[i], "%s", r->committee[i]);
        member |= strcmp(r->committee[i], node_id) == 0;
    }
    f->n_committee = r->n_committee;
    return facts_valid(f) && member ? MPC_OK : MPC_ERR_KEYINFO_MALFORMED;
}

/* The checks after the signature: the right node, query, nonce and key. */
static mpc_status
reply_check(struct node_client_keyquery_answer *a, const Mpc__KeyInfoReply *r, const char *node_id,
            const struct node_client_keyquery *q)
{
    if (r->format != NODE_CLIENT_KEYQUERY_FORMAT) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    if (strcmp(r->node_id, node_id) != 0 || r->query_sha256.len != 32 ||
        sodium_memcmp(r->query_sha256.data, q->sha256, 32) != 0 || r->nonce.len != q->nonce_len ||
        sodium_memcmp(r->nonce.data, q->nonce, q->nonce_len) != 0 ||
        (int)r->key_type != q->key_type || strcmp(r->wallet_id, q->wallet) != 0) {
        return MPC_ERR_KEYINFO_REPLY_MISMATCH;
    }
    snprintf(a->node_id, sizeof a->node_id, "%s", node_id);
    a->status = (mpc_status)r->status_code;
    if (r->status_code != 0) {
        return r->status_code <= 9999u ? MPC_OK : MPC_ERR_KEYINFO_MALFORMED;
    }
    return reply_facts(&a->facts, r, node_id);
}

mpc_status
node_client_keyquery_verify(struct node_client_keyquery_answer *a, const uint8_t *in, size_t len,
                            const char *node_id, const uint8_t node_pk[32],
                            const struct node_client_keyquery *q)
{
    if (a != NULL) {
        memset(a, 0, sizeof *a);
    }
    if (a == NULL || (in == NULL && len > 0) || node_pk == NULL || q == NULL || !q->decoded ||
        !node_client_node_id_is_valid(node_id)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len == 0 || len > NODE_CLIENT_KEYQUERY_REPLY_MAX) {
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    Mpc__KeyInfoSignedReply *s = mpc__key_info_signed_reply__unpack(NULL, len, in);
    if (s == NULL || s->signature.len != 64) {
        if (s != NULL) {
            mpc__key_info_signed_reply__free_unpacked(s, NULL);
        }
        return MPC_ERR_KEYINFO_MALFORMED;
    }
    mpc_status st = MPC_OK;
    if (!verify_domain(s->signature.data, node_pk, NODE_CLIENT_KEYQUERY_REPLY_DOMAIN, R_DOMAIN_LEN,
                       s->reply.data, s->reply.len)) {
        st = MPC_ERR_KEYINFO_REPLY_FORGED;
    }
    Mpc__KeyInfoReply *r =
        st == MPC_OK ? mpc__key_info_reply__unpack(NULL, s->reply.len, s->reply.data) : NULL;
    if (st == MPC_OK) {
        st = r == NULL ? MPC_ERR_KEYINFO_MALFORMED : reply_check(a, r, node_id, q);
    }
    if (r != NULL) {
        mpc__key_info_reply__free_unpacked(r, NULL);
    }
    mpc__key_info_signed_reply__free_unpacked(s, NULL);
    if (st != MPC_OK) {
        memset(a, 0, sizeof *a);
    }
    return st;
}

int
node_client_keyquery_facts_equal(const struct node_client_keyquery_facts *a,
                                 const struct node_client_keyquery_facts *b)
{
    if (a->key_type != b->key_type || strcmp(a->wallet, b->wallet) != 0 ||
        a->public_key_len != b->public_key_len ||
        memcmp(a->public_key, b->public_key, a->public_key_len) != 0 ||
        a->has_chain != b->has_chain || (a->has_chain && memcmp(a->chain, b->chain, 32) != 0) ||
        a->active_version != b->active_version || a->threshold != b->threshold ||
        a->n_committee != b->n_committee) {
        return 0;
    }
    for (size_t i = 0; i < a->n_committee; i++) {
        if (strcmp(a->committee[i], b->committee[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

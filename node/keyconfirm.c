/*
 * keyconfirm.c — signed key confirmations and the activation decision
 * (node/keyconfirm.h).
 */
#include "node/keyconfirm.h"

#include <string.h>

#include <sodium.h>

#include "common/bytes.h"
#include "node/store/keyinfo.h"

#define KF_DOMAIN     "mpc-node/keyconfirm/v1"
#define KF_DOMAIN_LEN (sizeof KF_DOMAIN) /* with the NUL */
#define KF_TDOMAIN    "mpc-node/keyconfirm/transcript/v1"
#define KF_SIG        64u

static int
query_ok(const struct node_keyconfirm_query *q)
{
    return q != NULL && node_store_key_type_name(q->key_type) != NULL && q->version != 0 &&
           node_client_wallet_id_is_valid(q->wallet) &&
           node_client_request_id_is_valid(q->request_id);
}

/* A bounded writer: ok drops to 0 when out of room. */
struct wr {
    uint8_t *p; /* base */
    size_t cap; /* capacity */
    size_t pos; /* bytes written */
    int ok;     /* 1 until the capacity is hit */
};

static void
wr_bytes(struct wr *w, const void *b, size_t n)
{
    if (!w->ok || w->cap - w->pos < n) {
        w->ok = 0;
        return;
    }
    memcpy(w->p + w->pos, b, n);
    w->pos += n;
}

static void
wr_u8(struct wr *w, uint8_t v)
{
    wr_bytes(w, &v, 1);
}

static void
wr_str8(struct wr *w, const char *s)
{
    size_t n = strlen(s);
    wr_u8(w, (uint8_t)n);
    wr_bytes(w, s, n);
}

/* A bounded reader: ok drops to 0 on underflow or a malformed string. */
struct rd {
    const uint8_t *p; /* base */
    size_t len;       /* bytes available */
    size_t pos;       /* bytes read */
    int ok;           /* 1 until a bound is hit */
};

static const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
    if (!r->ok || r->len - r->pos < n) {
        r->ok = 0;
        return NULL;
    }
    const uint8_t *b = r->p + r->pos;
    r->pos += n;
    return b;
}

static uint8_t
rd_u8(struct rd *r)
{
    const uint8_t *b = rd_bytes(r, 1);
    return b != NULL ? b[0] : 0;
}

/* Reads u8 len | bytes into out (cap includes the NUL); refuses 0, > max, embedded NUL. */
static void
rd_str8(struct rd *r, char *out, size_t max)
{
    uint8_t n = rd_u8(r);
    const uint8_t *b = n == 0 || n > max ? NULL : rd_bytes(r, n);
    if (b == NULL || memchr(b, 0, n) != NULL) {
        r->ok = 0;
        return;
    }
    memcpy(out, b, n);
    out[n] = '\0';
}

static void
query_write(struct wr *w, const struct node_keyconfirm_query *q)
{
    uint8_t v[4];
    wr_u8(w, NODE_KEYCONFIRM_FORMAT);
    wr_u8(w, (uint8_t)q->key_type);
    wr_str8(w, q->request_id);
    wr_str8(w, q->wallet);
    mpc_put_u32be(v, q->version);
    wr_bytes(w, v, 4);
    wr_bytes(w, q->nonce, NODE_KEYCONFIRM_NONCE);
}

static void
query_read(struct rd *r, struct node_keyconfirm_query *q)
{
    if (rd_u8(r) != NODE_KEYCONFIRM_FORMAT) {
        r->ok = 0;
    }
    q->key_type = rd_u8(r);
    rd_str8(r, q->request_id, NODE_CLIENT_REQUEST_ID_MAX);
    rd_str8(r, q->wallet, NODE_CLIENT_WALLET_ID_MAX);
    const uint8_t *v = rd_bytes(r, 4);
    q->version = v != NULL ? mpc_get_u32be(v) : 0;
    const uint8_t *n = rd_bytes(r, NODE_KEYCONFIRM_NONCE);
    if (n != NULL) {
        memcpy(q->nonce, n, NODE_KEYCONFIRM_NONCE);
    }
    if (r->ok && !query_ok(q)) {
        r->ok = 0;
    }
}

mpc_status
node_keyconfirm_query_encode(const struct node_keyconfirm_query *q, uint8_t *out, size_t cap,
                             size_t *len)
{
    if (len != NULL) {
        *len = 0;
    }
    if (!query_ok(q) || out == NULL || len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    struct wr w = {out, cap, 0, 1};
    query_write(&w, q);
    if (!w.ok) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    *len = w.pos;
    return MPC_OK;
}

mpc_status
node_keyconfirm_query_decode(struct node_keyconfirm_query *q, const uint8_t *in, size_t len)
{
    if (q != NULL) {
        memset(q, 0, sizeof *q);
    }
    if (q == NULL || in == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    struct rd r = {in, len, 0, 1};
    query_read(&r, q);
    if (!r.ok || r.pos != len) {
        memset(q, 0, sizeof *q);
        return MPC_ERR_CONFIRM_MALFORMED;
    }
    return MPC_OK;
}

static int
is_confirmation(int kind)
{
    return kind == NODE_KEYCONFIRM_PENDING || kind == NODE_KEYCONFIRM_ACTIVE;
}

static int
key_ok(const struct node_keyconfirm_key *k)
{
    if (k->pk_len == 0 || k->pk_len > NODE_STORE_KEYINFO_PK_MAX || k->n == 0 ||
        k->n > NODE_STORE_KEYINFO_MAX_PARTIES || k->threshold < 1 || k->threshold > k->n) {
        return 0;
    }
    for (size_t i = 0; i < k->n; i++) {
        if (!node_client_node_id_is_valid(k->committee[i])) {
            return 0;
        }
    }
    return 1;
}

/* Writes everything an answer signs (after the domain tag). */
static void
answer_write(struct wr *w, const struct node_keyconfirm *c)
{
    query_write(w, &c->q);
    wr_str8(w, c->node_id);
    wr_u8(w, (uint8_t)c->kind);
    if (!is_confirmation(c->kind)) {
        return;
    }
    uint8_t t[2];
    wr_u8(w, (uint8_t)c->key.pk_len);
    wr_bytes(w, c->key.pk, c->key.pk_len);
    t[0] = (uint8_t)(c->key.threshold >> 8);
    t[1] = (uint8_t)c->key.threshold;
    wr_bytes(w, t, 2);
    wr_u8(w, (uint8_t)c->key.n);
    for (size_t i = 0; i < c->key.n; i++) {
        wr_str8(w, c->key.committee[i]);
    }
    wr_bytes(w, c->key.transcript, NODE_KEYCONFIRM_HASH);
}

mpc_status
node_keyconfirm_encode(const struct node_keyconfirm *c, const node_store_identity *id, uint8_t *out,
                       size_t cap, size_t *len)
{
    uint8_t buf[KF_DOMAIN_LEN + NODE_KEYCONFIRM_MAX];
    if (len != NULL) {
        *len = 0;
    }
    if (c == NULL || id == NULL || out == NULL || len == NULL || !query_ok(&c->q) ||
        !node_client_node_id_is_valid(c->node_id) || c->kind < NODE_KEYCONFIRM_PENDING ||
        c->kind > NODE_KEYCONFIRM_RETRY || (is_confirmation(c->kind) && !key_ok(&c->key))) {
        return MPC_ERR_INVALID_ARG;
    }
    memcpy(buf, KF_DOMAIN, KF_DOMAIN_LEN);
    struct wr w = {buf + KF_DOMAIN_LEN, sizeof buf - KF_DOMAIN_LEN, 0, 1};
    answer_write(&w, c);
    if (!w.ok || cap < w.pos + KF_SIG) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    mpc_status st = node_store_identity_sign(id, out + w.pos, buf, KF_DOMAIN_LEN + w.pos);
    if (st != MPC_OK) {
        return st;
    }
    memcpy(out, buf + KF_DOMAIN_LEN, w.pos); /* the domain tag is signed, not sent */
    *len = w.pos + KF_SIG;
    return MPC_OK;
}

/* Parses the answer body (after the query). */
static void
answer_read(struct rd *r, struct node_keyconfirm *c)
{
    rd_str8(r, c->node_id, NODE_ID_MAX);
    c->kind = rd_u8(r);
    if (r->ok && (!node_client_node_id_is_valid(c->node_id) || c->kind < NODE_KEYCONFIRM_PENDING ||
                  c->kind > NODE_KEYCONFIRM_RETRY)) {
        r->ok = 0;
    }
    if (!r->ok || !is_confirmation(c->kind)) {
        return;
    }
    struct node_keyconfirm_key *k = &c->key;
    k->pk_len = rd_u8(r);
    const uint8_t *pk = k->pk_len <= NODE_STORE_KEYINFO_PK_MAX ? rd_bytes(r, k->pk_len) : NULL;
    const uint8_t *t = rd_bytes(r, 2);
    k->threshold = t != NULL ? (uint32_t)t[0] << 8 | t[1] : 0;
    k->n = rd_u8(r);
    if (pk == NULL || k->n > NODE_STORE_KEYINFO_MAX_PARTIES) {
        r->ok = 0;
        return;
    }
    memcpy(k->pk, pk, k->pk_len);
    for (size_t i = 0; i < k->n && r->ok; i++) {
        rd_str8(r, k->committee[i], NODE_ID_MAX);
    }
    const uint8_t *h = rd_bytes(r, NODE_KEYCONFIRM_HASH);
    if (h != NULL) {
        memcpy(k->transcript, h, NODE_KEYCONFIRM_HASH);
    }
    if (r->ok && !key_ok(k)) {
        r->ok = 0;
    }
}

mpc_status
node_keyconfirm_open(struct node_keyconfirm *c, const uint8_t *in, size_t len,
                     const struct node_keyconfirm_query *q, const char *node_id,
                     const uint8_t pk[32])
{
    uint8_t msg[KF_DOMAIN_LEN + NODE_KEYCONFIRM_MAX];
    if (c != NULL) {
        memset(c, 0, sizeof *c);
    }
    if (c == NULL || in == NULL || q == NULL || node_id == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len <= KF_SIG || len > NODE_KEYCONFIRM_MAX) {
        return MPC_ERR_CONFIRM_MALFORMED;
    }
    size_t body = len - KF_SIG;
    struct rd r = {in, body, 0, 1};
    query_read(&r, &c->q);
    answer_read(&r, c);
    mpc_status st = r.ok && r.pos == body ? MPC_OK : MPC_ERR_CONFIRM_MALFORMED;
    if (st == MPC_OK) {
        memcpy(msg, KF_DOMAIN, KF_DOMAIN_LEN);
        memcpy(msg + KF_DOMAIN_LEN, in, body);
        if (crypto_sign_verify_detached(in + body, msg, KF_DOMAIN_LEN + body, pk) != 0) {
            st = MPC_ERR_CONFIRM_FORGED;
        }
    }
    if (st == MPC_OK &&
        (c->q.key_type != q->key_type || c->q.version != q->version ||
         strcmp(c->q.request_id, q->request_id) != 0 || strcmp(c->q.wallet, q->wallet) != 0 ||
         sodium_memcmp(c->q.nonce, q->nonce, NODE_KEYCONFIRM_NONCE) != 0 ||
         strcmp(c->node_id, node_id) != 0)) {
        st = MPC_ERR_CONFIRM_REPLAYED;
    }
    if (st != MPC_OK) {
        memset(c, 0, sizeof *c);
    }
    return st;
}

mpc_status
node_keyconfirm_match(const struct node_keyconfirm *c, const struct node_keyconfirm_key *own)
{
    if (c == NULL || own == NULL || !is_confirmation(c->kind)) {
        return MPC_ERR_INVALID_ARG;
    }
    const struct node_keyconfirm_key *k = &c->key;
    int same = k->pk_len == own->pk_len && memcmp(k->pk, own->pk, k->pk_len) == 0 &&
               k->threshold == own->threshold && k->n == own->n &&
               memcmp(k->transcript, own->transcript, NODE_KEYCONFIRM_HASH) == 0;
    for (size_t i = 0; same && i < k->n; i++) {
        same = strcmp(k->committee[i], own->committee[i]) == 0;
    }
    return same ? MPC_OK : MPC_ERR_CONFIRM_MISMATCH;
}

mpc_status
node_keyconfirm_transcript(uint8_t out[NODE_KEYCONFIRM_HASH], const uint8_t *pk, size_t pk_len,
                           const uint8_t *const *vshares, const size_t *vshare_lens, size_t n)
{
    if (out == NULL || pk == NULL || pk_len == 0 || pk_len > 255 || vshares == NULL ||
        vshare_lens == NULL || n == 0 || n > NODE_STORE_KEYINFO_MAX_PARTIES) {
        return MPC_ERR_INVALID_ARG;
    }
    crypto_hash_sha256_state h;
    uint8_t b[4];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)KF_TDOMAIN, sizeof KF_TDOMAIN);
    b[0] = (uint8_t)pk_len;
    crypto_hash_sha256_update(&h, b, 1);
    crypto_hash_sha256_update(&h, pk, pk_len);
    mpc_put_u32be(b, (uint32_t)n);
    crypto_hash_sha256_update(&h, b, 4);
    for (size_t i = 0; i < n; i++) {
        if (vshares[i] == NULL || vshare_lens[i] == 0 || vshare_lens[i] > 255) {
            return MPC_ERR_INVALID_ARG;
        }
        b[0] = (uint8_t)vshare_lens[i];
        crypto_hash_sha256_update(&h, b, 1);
        crypto_hash_sha256_update(&h, vshares[i], vshare_lens[i]);
    }
    crypto_hash_sha256_final(&h, out);
    return MPC_OK;
}

enum node_keyconfirm_decision
node_keyconfirm_decide(const uint8_t *seen, size_t n, int expired)
{
    if (seen == NULL || n == 0) {
        return NODE_KEYCONFIRM_WAIT;
    }
    size_t confirmed = 0, active = 0, retrying = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen[i] == NODE_KEYCONFIRM_SEEN_FAILED || seen[i] == NODE_KEYCONFIRM_SEEN_MISMATCH) {
            return NODE_KEYCONFIRM_DISCARD;
        }
        confirmed +=
            seen[i] == NODE_KEYCONFIRM_SEEN_PENDING || seen[i] == NODE_KEYCONFIRM_SEEN_ACTIVE;
        active += seen[i] == NODE_KEYCONFIRM_SEEN_ACTIVE;
        retrying += seen[i] == NODE_KEYCONFIRM_SEEN_RETRY;
    }
    if (retrying > 0) { /* a member never stored this attempt's key: like FAILED, it can
                           never be confirmed by all; before the deadline, run another */
        return expired ? NODE_KEYCONFIRM_DISCARD : NODE_KEYCONFIRM_REDO;
    }
    if (active > 0 || confirmed == n) {
        return NODE_KEYCONFIRM_ACTIVATE;
    }
    return expired ? NODE_KEYCONFIRM_EXPIRED : NODE_KEYCONFIRM_WAIT;
}

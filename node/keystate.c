/*
 * keystate.c — key-state digest messages and comparison (node/keystate.h).
 *
 * DESIGN: a bounded writer and reader over byte buffers; every string is
 * validated with the id syntax of node/client/ids.h on the way in, every
 * count against its bound, so a malformed message ends as
 * MPC_ERR_REQ_MALFORMED and never reads past its buffer.
 */
#include "node/keystate.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

#define KS_DOMAIN     "mpc-node/keystate/v1" /* followed by its NUL */
#define KS_DOMAIN_LEN sizeof(KS_DOMAIN)
#define KS_SIG        64u

/* A bounded writer: ok drops to 0 on overflow. */
struct wr {
    uint8_t *p;
    size_t cap, len;
    int ok;
};

static void
w_bytes(struct wr *w, const void *b, size_t n)
{
    if (!w->ok || n > w->cap - w->len) {
        w->ok = 0;
        return;
    }
    memcpy(w->p + w->len, b, n);
    w->len += n;
}

static void
w_u8(struct wr *w, uint8_t v)
{
    w_bytes(w, &v, 1);
}

static void
w_u16(struct wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    w_bytes(w, b, 2);
}

static void
w_u32(struct wr *w, uint32_t v)
{
    uint8_t b[4];
    mpc_put_u32be(b, v);
    w_bytes(w, b, 4);
}

static void
w_u64(struct wr *w, uint64_t v)
{
    uint8_t b[8];
    mpc_put_u32be(b, (uint32_t)(v >> 32));
    mpc_put_u32be(b + 4, (uint32_t)v);
    w_bytes(w, b, 8);
}

static void
w_str(struct wr *w, const char *s)
{
    size_t n = strlen(s);
    if (n > 255) {
        w->ok = 0;
        return;
    }
    w_u8(w, (uint8_t)n);
    w_bytes(w, s, n);
}

/* A bounded reader: ok drops to 0 on underflow. */
struct rd {
    const uint8_t *p;
    size_t len, off;
    int ok;
};

static const uint8_t *
r_bytes(struct rd *r, size_t n)
{
    if (!r->ok || n > r->len - r->off) {
        r->ok = 0;
        return NULL;
    }
    const uint8_t *b = r->p + r->off;
    r->off += n;
    return b;
}

static uint8_t
r_u8(struct rd *r)
{
    const uint8_t *b = r_bytes(r, 1);
    return b != NULL ? b[0] : 0;
}

static uint16_t
r_u16(struct rd *r)
{
    const uint8_t *b = r_bytes(r, 2);
    return b != NULL ? (uint16_t)((b[0] << 8) | b[1]) : 0;
}

static uint32_t
r_u32(struct rd *r)
{
    const uint8_t *b = r_bytes(r, 4);
    return b != NULL ? mpc_get_u32be(b) : 0;
}

static uint64_t
r_u64(struct rd *r)
{
    const uint8_t *b = r_bytes(r, 8);
    return b != NULL ? ((uint64_t)mpc_get_u32be(b) << 32) | mpc_get_u32be(b + 4) : 0;
}

/* Reads a string of at most max bytes into out (max + 1 bytes). */
static void
r_str(struct rd *r, char *out, size_t max)
{
    uint8_t n = r_u8(r);
    const uint8_t *b = r->ok && n <= max ? r_bytes(r, n) : NULL;
    if (b == NULL) {
        r->ok = 0;
        out[0] = '\0';
        return;
    }
    memcpy(out, b, n);
    out[n] = '\0';
    if (memchr(out, '\0', n) != NULL) {
        r->ok = 0;
    }
}

const char *
node_keystate_kind_name(int kind)
{
    switch (kind) {
    case NODE_KEYSTATE_DIVERGED:
        return "diverged";
    case NODE_KEYSTATE_PEER_NEWER:
        return "peer_newer";
    case NODE_KEYSTATE_PEER_OLDER:
        return "peer_older";
    case NODE_KEYSTATE_PEER_MISSING:
        return "peer_missing";
    case NODE_KEYSTATE_SELF_MISSING:
        return "self_missing";
    default:
        return "unknown";
    }
}

mpc_status
node_keystate_entry_from_keyinfo(struct node_keystate_entry *e, const char *wallet,
                                 const struct node_store_keyinfo *ki)
{
    memset(e, 0, sizeof *e);
    const struct node_store_keyinfo_version *v =
        ki != NULL ? node_store_keyinfo_find(ki, ki->active_version) : NULL;
    if (v == NULL || wallet == NULL || !node_client_wallet_id_is_valid(wallet)) {
        return MPC_ERR_INVALID_ARG;
    }
    e->key_type = ki->key_type;
    memcpy(e->wallet, wallet, strlen(wallet) + 1);
    e->version = ki->active_version;
    e->pk_len = ki->public_key_len;
    memcpy(e->pk, ki->public_key, ki->public_key_len);
    e->threshold = v->threshold;
    e->n = v->n_participants;
    for (uint16_t i = 0; i < v->n_participants; i++) {
        memcpy(e->committee[i], v->participants[i], sizeof e->committee[i]);
    }
    return MPC_OK;
}

int
node_keystate_entry_has(const struct node_keystate_entry *e, const char *id)
{
    for (uint16_t i = 0; i < e->n; i++) {
        if (strcmp(e->committee[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}

int
node_keystate_key_cmp(const struct node_keystate_entry *a, uint8_t key_type, const char *wallet)
{
    if (a->key_type != key_type) {
        return a->key_type < key_type ? -1 : 1;
    }
    return strcmp(a->wallet, wallet);
}

static int
entry_order(const void *x, const void *y)
{
    const struct node_keystate_entry *b = y;
    return node_keystate_key_cmp(x, b->key_type, b->wallet);
}

void
node_keystate_sort(struct node_keystate_entry *e, size_t n)
{
    if (n > 1) {
        qsort(e, n, sizeof *e, entry_order);
    }
}

static void
entry_write(struct wr *w, const struct node_keystate_entry *e)
{
    w_u8(w, e->key_type);
    w_str(w, e->wallet);
    w_u32(w, e->version);
    w_u8(w, e->pk_len);
    w_bytes(w, e->pk, e->pk_len);
    w_u16(w, e->threshold);
    w_u8(w, (uint8_t)e->n);
    for (uint16_t i = 0; i < e->n; i++) {
        w_str(w, e->committee[i]);
    }
}

size_t
node_keystate_entry_size(const struct node_keystate_entry *e)
{
    size_t n = 1 + 1 + strlen(e->wallet) + 4 + 1 + e->pk_len + 2 + 1;
    for (uint16_t i = 0; i < e->n; i++) {
        n += 1 + strlen(e->committee[i]);
    }
    return n;
}

static void
entry_read(struct rd *r, struct node_keystate_entry *e)
{
    memset(e, 0, sizeof *e);
    e->key_type = r_u8(r);
    r_str(r, e->wallet, NODE_CLIENT_WALLET_ID_MAX);
    e->version = r_u32(r);
    e->pk_len = r_u8(r);
    const uint8_t *pk = e->pk_len <= NODE_STORE_KEYINFO_PK_MAX ? r_bytes(r, e->pk_len) : NULL;
    if (pk != NULL) {
        memcpy(e->pk, pk, e->pk_len);
    }
    e->threshold = r_u16(r);
    e->n = r_u8(r);
    if (pk == NULL || e->n == 0 || e->n > NODE_STORE_KEYINFO_MAX_PARTIES || e->threshold > e->n ||
        e->version == 0 || node_store_key_type_name(e->key_type) == NULL ||
        !node_client_wallet_id_is_valid(e->wallet)) {
        r->ok = 0;
        return;
    }
    for (uint16_t i = 0; r->ok && i < e->n; i++) {
        r_str(r, e->committee[i], NODE_ID_MAX);
        if (r->ok && !node_client_node_id_is_valid(e->committee[i])) {
            r->ok = 0;
        }
    }
}

void
node_keystate_root(const struct node_keystate_entry *e, size_t n, uint8_t *root)
{
    crypto_generichash_state h;
    uint8_t buf[NODE_KEYSTATE_ENTRY_MAX];
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)"mpc-node/keystate/root/v1", 25);
    for (size_t i = 0; i < n; i++) {
        struct wr w = {buf, sizeof buf, 0, 1};
        entry_write(&w, &e[i]);
        uint8_t lb[4];
        mpc_put_u32be(lb, (uint32_t)w.len);
        crypto_generichash_update(&h, lb, 4);
        crypto_generichash_update(&h, buf, w.len);
    }
    crypto_generichash_final(&h, root, 32);
}

/* Signs out[0..*len) and appends the signature. */
static mpc_status
sign_append(struct wr *w, const node_store_identity *id)
{
    if (!w->ok || w->cap - w->len < KS_SIG) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t *msg = malloc(KS_DOMAIN_LEN + w->len);
    if (msg == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(msg, KS_DOMAIN, KS_DOMAIN_LEN);
    memcpy(msg + KS_DOMAIN_LEN, w->p, w->len);
    mpc_status st = node_store_identity_sign(id, w->p + w->len, msg, KS_DOMAIN_LEN + w->len);
    free(msg);
    if (st == MPC_OK) {
        w->len += KS_SIG;
    }
    return st;
}

/* Checks the trailing signature of in[0..len) with pk. */
static int
sig_ok(const uint8_t *in, size_t len, const uint8_t *pk)
{
    if (len < KS_SIG) {
        return 0;
    }
    size_t body = len - KS_SIG;
    uint8_t *msg = malloc(KS_DOMAIN_LEN + body);
    if (msg == NULL) {
        return 0;
    }
    memcpy(msg, KS_DOMAIN, KS_DOMAIN_LEN);
    memcpy(msg + KS_DOMAIN_LEN, in, body);
    int ok = crypto_sign_verify_detached(in + body, msg, KS_DOMAIN_LEN + body, pk) == 0;
    free(msg);
    return ok;
}

mpc_status
node_keystate_query_encode(const struct node_keystate_query *q, const node_store_identity *id,
                           uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    if (q == NULL || id == NULL || out == NULL ||
        (q->mode != NODE_KEYSTATE_ROOT && q->mode != NODE_KEYSTATE_DETAIL)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct wr w = {out, cap, 0, 1};
    w_bytes(&w, "MKSQ", 4);
    w_u8(&w, q->mode);
    w_str(&w, q->from);
    w_str(&w, q->to);
    w_bytes(&w, q->nonce, NODE_KEYSTATE_NONCE);
    w_u64(&w, q->time_ms);
    w_u8(&w, q->cursor_key_type);
    w_str(&w, q->cursor_wallet);
    mpc_status st = sign_append(&w, id);
    if (st == MPC_OK) {
        *len = w.len;
    }
    return st;
}

mpc_status
node_keystate_query_decode(struct node_keystate_query *q, const uint8_t *in, size_t len)
{
    memset(q, 0, sizeof *q);
    if (in == NULL || len < KS_SIG || len > NODE_KEYSTATE_MSG_MAX) {
        return MPC_ERR_REQ_MALFORMED;
    }
    struct rd r = {in, len - KS_SIG, 0, 1};
    const uint8_t *magic = r_bytes(&r, 4);
    q->mode = r_u8(&r);
    r_str(&r, q->from, NODE_ID_MAX);
    r_str(&r, q->to, NODE_ID_MAX);
    const uint8_t *nonce = r_bytes(&r, NODE_KEYSTATE_NONCE);
    q->time_ms = r_u64(&r);
    q->cursor_key_type = r_u8(&r);
    r_str(&r, q->cursor_wallet, NODE_CLIENT_WALLET_ID_MAX);
    if (!r.ok || r.off != r.len || memcmp(magic, "MKSQ", 4) != 0 ||
        (q->mode != NODE_KEYSTATE_ROOT && q->mode != NODE_KEYSTATE_DETAIL) ||
        !node_client_node_id_is_valid(q->from) || !node_client_node_id_is_valid(q->to) ||
        (q->cursor_key_type != 0 && !node_client_wallet_id_is_valid(q->cursor_wallet))) {
        memset(q, 0, sizeof *q);
        return MPC_ERR_REQ_MALFORMED;
    }
    memcpy(q->nonce, nonce, NODE_KEYSTATE_NONCE);
    return MPC_OK;
}

static int
time_ok(uint64_t t, uint64_t now)
{
    return (t > now ? t - now : now - t) <= NODE_KEYSTATE_SKEW_MS;
}

mpc_status
node_keystate_query_verify(const struct node_keystate_query *q, const uint8_t *in, size_t len,
                           const uint8_t *pk, const char *self, uint64_t now_ms)
{
    if (q == NULL || in == NULL || pk == NULL || self == NULL || !sig_ok(in, len, pk)) {
        return MPC_ERR_MSG_BAD_SIGNATURE;
    }
    if (strcmp(q->to, self) != 0) {
        return MPC_ERR_UNKNOWN_PARTICIPANT;
    }
    return time_ok(q->time_ms, now_ms) ? MPC_OK : MPC_ERR_REQ_STALE;
}

mpc_status
node_keystate_reply_encode(const struct node_keystate_reply *r, const node_store_identity *id,
                           uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    if (r == NULL || id == NULL || out == NULL || (r->n > 0 && r->entries == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct wr w = {out, cap, 0, 1};
    w_bytes(&w, "MKSR", 4);
    w_u8(&w, r->mode);
    w_str(&w, r->from);
    w_str(&w, r->to);
    w_bytes(&w, r->nonce, NODE_KEYSTATE_NONCE);
    w_u64(&w, r->time_ms);
    w_bytes(&w, r->root, 32);
    w_u32(&w, r->count);
    w_u8(&w, r->more);
    w_u16(&w, r->n);
    for (uint16_t i = 0; i < r->n; i++) {
        entry_write(&w, &r->entries[i]);
    }
    mpc_status st = sign_append(&w, id);
    if (st == MPC_OK) {
        *len = w.len;
    }
    return st;
}

void
node_keystate_reply_clear(struct node_keystate_reply *r)
{
    if (r != NULL) {
        free(r->entries);
        memset(r, 0, sizeof *r);
    }
}

/* Decodes the reply body (signature already checked). */
static mpc_status
reply_read(struct node_keystate_reply *r, const uint8_t *in, size_t body)
{
    struct rd rd = {in, body, 0, 1};
    const uint8_t *magic = r_bytes(&rd, 4);
    r->mode = r_u8(&rd);
    r_str(&rd, r->from, NODE_ID_MAX);
    r_str(&rd, r->to, NODE_ID_MAX);
    const uint8_t *nonce = r_bytes(&rd, NODE_KEYSTATE_NONCE);
    r->time_ms = r_u64(&rd);
    const uint8_t *root = r_bytes(&rd, 32);
    r->count = r_u32(&rd);
    r->more = r_u8(&rd);
    r->n = r_u16(&rd);
    /* each entry takes at least 13 bytes: a count the message cannot hold is malformed */
    if (!rd.ok || memcmp(magic, "MKSR", 4) != 0 || r->more > 1 || r->n > body / 13u) {
        return MPC_ERR_REQ_MALFORMED;
    }
    memcpy(r->nonce, nonce, NODE_KEYSTATE_NONCE);
    memcpy(r->root, root, 32);
    if (r->n > 0 && (r->entries = calloc(r->n, sizeof *r->entries)) == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (uint16_t i = 0; rd.ok && i < r->n; i++) {
        entry_read(&rd, &r->entries[i]);
        if (rd.ok && i > 0 &&
            node_keystate_key_cmp(&r->entries[i - 1], r->entries[i].key_type,
                                  r->entries[i].wallet) >= 0) {
            rd.ok = 0; /* sorted and unique, or the cursor could loop */
        }
    }
    return rd.ok && rd.off == body ? MPC_OK : MPC_ERR_REQ_MALFORMED;
}

mpc_status
node_keystate_reply_open(struct node_keystate_reply *r, const uint8_t *in, size_t len,
                         const struct node_keystate_query *q, const uint8_t *pk, uint64_t now_ms)
{
    if (r == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(r, 0, sizeof *r);
    if (in == NULL || q == NULL || pk == NULL || len < KS_SIG || len > NODE_KEYSTATE_MSG_MAX) {
        return MPC_ERR_REQ_MALFORMED;
    }
    if (!sig_ok(in, len, pk)) {
        return MPC_ERR_MSG_BAD_SIGNATURE;
    }
    mpc_status st = reply_read(r, in, len - KS_SIG);
    if (st == MPC_OK &&
        (strcmp(r->from, q->to) != 0 || strcmp(r->to, q->from) != 0 || r->mode != q->mode ||
         sodium_memcmp(r->nonce, q->nonce, NODE_KEYSTATE_NONCE) != 0)) {
        st = MPC_ERR_MSG_REPLAY;
    }
    if (st == MPC_OK && !time_ok(r->time_ms, now_ms)) {
        st = MPC_ERR_REQ_STALE;
    }
    if (st != MPC_OK) {
        node_keystate_reply_clear(r);
    }
    return st;
}

/* The field in which two entries of the same key differ, or NULL. */
static const char *
entry_diff(const struct node_keystate_entry *a, const struct node_keystate_entry *b)
{
    if (a->pk_len != b->pk_len || memcmp(a->pk, b->pk, a->pk_len) != 0) {
        return "public_key";
    }
    if (a->version != b->version) {
        return "version";
    }
    if (a->threshold != b->threshold) {
        return "threshold";
    }
    if (a->n != b->n) {
        return "committee";
    }
    for (uint16_t i = 0; i < a->n; i++) {
        if (strcmp(a->committee[i], b->committee[i]) != 0) {
            return "committee";
        }
    }
    return NULL;
}

static void
add_finding(struct node_keystate_finding *out, size_t cap, size_t *n, int kind,
            const struct node_keystate_entry *mine, const struct node_keystate_entry *peer,
            const char *field)
{
    if (*n < cap) {
        struct node_keystate_finding *f = &out[*n];
        const struct node_keystate_entry *k = mine != NULL ? mine : peer;
        memset(f, 0, sizeof *f);
        f->kind = (uint8_t)kind;
        /* every caller passes mine or peer (cppcheck takes &mine[i] for NULL) */
        // cppcheck-suppress nullPointer
        f->key_type = k->key_type;
        // cppcheck-suppress nullPointer
        memcpy(f->wallet, k->wallet, sizeof f->wallet);
        f->my_version = mine != NULL ? mine->version : 0;
        f->peer_version = peer != NULL ? peer->version : 0;
        f->field = field;
        f->peer = peer;
    }
    (*n)++;
}

/* One key both nodes state. */
static void
compare_one(const struct node_keystate_entry *m, const struct node_keystate_entry *t,
            struct node_keystate_finding *out, size_t cap, size_t *n)
{
    const char *field = entry_diff(m, t);
    if (field == NULL) {
        return;
    }
    if (strcmp(field, "version") != 0) {
        add_finding(out, cap, n, NODE_KEYSTATE_DIVERGED, m, t, field);
    } else {
        add_finding(out, cap, n,
                    t->version > m->version ? NODE_KEYSTATE_PEER_NEWER : NODE_KEYSTATE_PEER_OLDER,
                    m, t, NULL);
    }
}

void
node_keystate_compare(const struct node_keystate_entry *mine, size_t n_mine,
                      const struct node_keystate_entry *theirs, size_t n_theirs,
                      struct node_keystate_finding *out, size_t cap, size_t *n_out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < n_mine || j < n_theirs) {
        int c = i == n_mine ? 1
                : j == n_theirs
                    ? -1
                    : node_keystate_key_cmp(&mine[i], theirs[j].key_type, theirs[j].wallet);
        if (c < 0) {
            add_finding(out, cap, &n, NODE_KEYSTATE_PEER_MISSING, &mine[i++], NULL, NULL);
        } else if (c > 0) {
            add_finding(out, cap, &n, NODE_KEYSTATE_SELF_MISSING, NULL, &theirs[j++], NULL);
        } else {
            compare_one(&mine[i++], &theirs[j++], out, cap, &n);
        }
    }
    *n_out = n;
}

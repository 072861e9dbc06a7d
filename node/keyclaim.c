/*
 * keyclaim.c — signed key claims for members joining by reshare (node/keyclaim.h).
 */
#include "node/keyclaim.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/bytes.h"
#include "node/store/keyinfo.h"

#define KC_DOMAIN     "mpc-node/keyclaim/v1"
#define KC_DOMAIN_LEN (sizeof KC_DOMAIN) /* with the NUL */
#define KC_SIG        64u

static int
query_ok(const struct node_keyclaim_query *q)
{
    return q != NULL && node_store_key_type_name(q->key_type) != NULL &&
           node_client_wallet_id_is_valid(q->wallet);
}

mpc_status
node_keyclaim_query_encode(const struct node_keyclaim_query *q, uint8_t *out, size_t cap,
                           size_t *len)
{
    if (len != NULL) {
        *len = 0;
    }
    if (!query_ok(q) || out == NULL || len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t wl = strlen(q->wallet);
    size_t need = 3 + wl + NODE_KEYCLAIM_NONCE;
    if (cap < need) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    out[0] = NODE_KEYCLAIM_FORMAT;
    out[1] = (uint8_t)q->key_type;
    out[2] = (uint8_t)wl;
    memcpy(out + 3, q->wallet, wl);
    memcpy(out + 3 + wl, q->nonce, NODE_KEYCLAIM_NONCE);
    *len = need;
    return MPC_OK;
}

/* Parses a query prefix of in. Out: *used bytes consumed. */
static mpc_status
query_parse(struct node_keyclaim_query *q, const uint8_t *in, size_t len, size_t *used)
{
    memset(q, 0, sizeof *q);
    *used = 0;
    if (len < 3 || in[0] != NODE_KEYCLAIM_FORMAT || in[2] == 0 ||
        in[2] > NODE_CLIENT_WALLET_ID_MAX || len < 3u + in[2] + NODE_KEYCLAIM_NONCE ||
        memchr(in + 3, 0, in[2]) != NULL) { /* a NUL would cut the id short: not canonical */
        return MPC_ERR_MSG_MALFORMED;
    }
    q->key_type = in[1];
    memcpy(q->wallet, in + 3, in[2]);
    q->wallet[in[2]] = '\0';
    memcpy(q->nonce, in + 3 + in[2], NODE_KEYCLAIM_NONCE);
    if (!query_ok(q)) {
        memset(q, 0, sizeof *q);
        return MPC_ERR_MSG_MALFORMED;
    }
    *used = 3u + in[2] + NODE_KEYCLAIM_NONCE;
    return MPC_OK;
}

mpc_status
node_keyclaim_query_decode(struct node_keyclaim_query *q, const uint8_t *in, size_t len)
{
    size_t used = 0;
    if (q == NULL || in == NULL) {
        if (q != NULL) {
            memset(q, 0, sizeof *q);
        }
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = query_parse(q, in, len, &used);
    if (st == MPC_OK && used != len) {
        memset(q, 0, sizeof *q);
        st = MPC_ERR_MSG_MALFORMED;
    }
    return st;
}

mpc_status
node_keyclaim_encode(const struct node_keyclaim *c, const node_store_identity *id, uint8_t **out,
                     size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (c == NULL || id == NULL || out == NULL || out_len == NULL || !query_ok(&c->q) ||
        !node_client_node_id_is_valid(c->node_id) ||
        (c->found && (c->record == NULL || c->record_len == 0 ||
                      c->record_len > NODE_KEYCLAIM_REC_MAX || c->active_version == 0))) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t nl = strlen(c->node_id);
    size_t body = NODE_KEYCLAIM_QUERY_MAX + 2 + nl + (c->found ? 8 + c->record_len : 0);
    uint8_t *buf = malloc(KC_DOMAIN_LEN + body + KC_SIG);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(buf, KC_DOMAIN, KC_DOMAIN_LEN);
    uint8_t *p = buf + KC_DOMAIN_LEN;
    size_t ql = 0;
    mpc_status st = node_keyclaim_query_encode(&c->q, p, NODE_KEYCLAIM_QUERY_MAX, &ql);
    if (st != MPC_OK) {
        free(buf);
        return st;
    }
    p += ql;
    *p++ = (uint8_t)nl;
    memcpy(p, c->node_id, nl);
    p += nl;
    *p++ = c->found ? 1 : 0;
    if (c->found) {
        mpc_put_u32be(p, c->active_version);
        mpc_put_u32be(p + 4, (uint32_t)c->record_len);
        memcpy(p + 8, c->record, c->record_len);
        p += 8 + c->record_len;
    }
    size_t signed_len = (size_t)(p - buf);
    st = node_store_identity_sign(id, p, buf, signed_len);
    if (st != MPC_OK) {
        free(buf);
        return st;
    }
    size_t total = signed_len - KC_DOMAIN_LEN + KC_SIG;
    memmove(buf, buf + KC_DOMAIN_LEN, total); /* the domain tag is signed, not sent */
    *out = buf;
    *out_len = total;
    return MPC_OK;
}

/* Parses the claim body after the query. Returns MPC_OK or MPC_ERR_MSG_MALFORMED. */
static mpc_status
claim_parse(struct node_keyclaim *c, const uint8_t *p, size_t left)
{
    if (left < 2 || p[0] == 0 || p[0] > NODE_ID_MAX || left < 2u + p[0] ||
        memchr(p + 1, 0, p[0]) != NULL) { /* a NUL would cut the id short */
        return MPC_ERR_MSG_MALFORMED;
    }
    memcpy(c->node_id, p + 1, p[0]);
    c->node_id[p[0]] = '\0';
    size_t off = 1u + p[0];
    uint8_t found = p[off++];
    if (found > 1 || !node_client_node_id_is_valid(c->node_id)) {
        return MPC_ERR_MSG_MALFORMED;
    }
    c->found = found;
    if (!found) {
        return off == left ? MPC_OK : MPC_ERR_MSG_MALFORMED;
    }
    if (left - off < 8) {
        return MPC_ERR_MSG_MALFORMED;
    }
    c->active_version = mpc_get_u32be(p + off);
    uint32_t rl = mpc_get_u32be(p + off + 4);
    off += 8;
    if (c->active_version == 0 || rl == 0 || rl > NODE_KEYCLAIM_REC_MAX || left - off != rl) {
        return MPC_ERR_MSG_MALFORMED;
    }
    c->record = p + off;
    c->record_len = rl;
    return MPC_OK;
}

mpc_status
node_keyclaim_open(struct node_keyclaim *c, const uint8_t *in, size_t len,
                   const struct node_keyclaim_query *q, const char *node_id, const uint8_t pk[32])
{
    if (c != NULL) {
        memset(c, 0, sizeof *c);
    }
    if (c == NULL || in == NULL || q == NULL || node_id == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len <= KC_SIG || len > NODE_KEYCLAIM_MAX) {
        return MPC_ERR_MSG_MALFORMED;
    }
    size_t used = 0;
    size_t body = len - KC_SIG;
    mpc_status st = query_parse(&c->q, in, body, &used);
    if (st == MPC_OK) {
        st = claim_parse(c, in + used, body - used);
    }
    if (st != MPC_OK) {
        memset(c, 0, sizeof *c);
        return MPC_ERR_MSG_MALFORMED;
    }
    uint8_t *msg = malloc(KC_DOMAIN_LEN + body);
    if (msg == NULL) {
        memset(c, 0, sizeof *c);
        return MPC_ERR_NOMEM;
    }
    memcpy(msg, KC_DOMAIN, KC_DOMAIN_LEN);
    memcpy(msg + KC_DOMAIN_LEN, in, body);
    int bad = crypto_sign_verify_detached(in + body, msg, KC_DOMAIN_LEN + body, pk) != 0;
    free(msg);
    if (bad) {
        st = MPC_ERR_MSG_BAD_SIGNATURE;
    } else if (c->q.key_type != q->key_type || strcmp(c->q.wallet, q->wallet) != 0 ||
               sodium_memcmp(c->q.nonce, q->nonce, NODE_KEYCLAIM_NONCE) != 0 ||
               strcmp(c->node_id, node_id) != 0) {
        st = MPC_ERR_TRANSCRIPT;
    }
    if (st != MPC_OK) {
        memset(c, 0, sizeof *c);
    }
    return st;
}

mpc_status
node_keyclaim_agree(const struct node_keyclaim *claims, size_t n, size_t *chosen,
                    const char **disagreeing)
{
    if (chosen != NULL) {
        *chosen = n;
    }
    if (disagreeing != NULL) {
        *disagreeing = NULL;
    }
    if ((claims == NULL && n > 0) || chosen == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t first = n;
    for (size_t i = 0; i < n; i++) {
        const struct node_keyclaim *c = &claims[i];
        if (!c->found) {
            continue;
        }
        if (first == n) {
            first = i;
            continue;
        }
        const struct node_keyclaim *f = &claims[first];
        if (c->active_version != f->active_version || c->record_len != f->record_len ||
            memcmp(c->record, f->record, f->record_len) != 0) {
            if (disagreeing != NULL) {
                *disagreeing = c->node_id;
            }
            return MPC_ERR_EQUIVOCATION;
        }
    }
    if (first == n) {
        return MPC_ERR_UNKNOWN_WALLET;
    }
    *chosen = first;
    return MPC_OK;
}

mpc_status
node_keyclaim_vouched(const struct node_keyclaim *claims, size_t n, const char *const *committee,
                      size_t m, const char **missing)
{
    if (missing != NULL) {
        *missing = NULL;
    }
    if ((claims == NULL && n > 0) || committee == NULL || m == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t k = 0; k < m; k++) {
        int seen = 0;
        for (size_t i = 0; i < n && !seen; i++) {
            seen = claims[i].found && committee[k] != NULL &&
                   strcmp(claims[i].node_id, committee[k]) == 0;
        }
        if (!seen) {
            if (missing != NULL) {
                *missing = committee[k];
            }
            return MPC_ERR_PEER_UNAVAILABLE;
        }
    }
    return MPC_OK;
}

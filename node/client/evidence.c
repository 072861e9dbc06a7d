/*
 * evidence.c — packed evidence, its digest and the query (node/client/evidence.h).
 */
#include "node/client/evidence.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "node/client/ids.h"

#define EVID_DOMAIN "mpc-node/evidence/v1"

static void
put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

mpc_status
node_client_evidence_pack(const uint8_t *const *items, const size_t *lens, size_t n, uint8_t **out,
                          size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (items == NULL || lens == NULL || out == NULL || out_len == NULL || n == 0 ||
        n > NODE_CLIENT_EVIDENCE_ITEMS) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t total = 5;
    for (size_t i = 0; i < n; i++) {
        if (items[i] == NULL || lens[i] == 0 || lens[i] > NODE_CLIENT_EVIDENCE_PACKED_MAX ||
            total + 4 + lens[i] > NODE_CLIENT_EVIDENCE_PACKED_MAX) {
            return MPC_ERR_INVALID_ARG;
        }
        total += 4 + lens[i];
    }
    uint8_t *p = malloc(total);
    if (p == NULL) {
        return MPC_ERR_NOMEM;
    }
    p[0] = NODE_CLIENT_EVIDENCE_FORMAT;
    put_u32(p + 1, (uint32_t)n);
    size_t at = 5;
    for (size_t i = 0; i < n; i++) {
        put_u32(p + at, (uint32_t)lens[i]);
        memcpy(p + at + 4, items[i], lens[i]);
        at += 4 + lens[i];
    }
    *out = p;
    *out_len = total;
    return MPC_OK;
}

mpc_status
node_client_evidence_unpack(const uint8_t *in, size_t len, const uint8_t **items, size_t *lens,
                            size_t *n)
{
    if (n != NULL) {
        *n = 0;
    }
    if (in == NULL || items == NULL || lens == NULL || n == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len < 5 || len > NODE_CLIENT_EVIDENCE_PACKED_MAX || in[0] != NODE_CLIENT_EVIDENCE_FORMAT) {
        return MPC_ERR_MSG_MALFORMED;
    }
    uint32_t count = get_u32(in + 1);
    if (count == 0 || count > NODE_CLIENT_EVIDENCE_ITEMS) {
        return MPC_ERR_MSG_MALFORMED;
    }
    size_t at = 5;
    for (uint32_t i = 0; i < count; i++) {
        if (len - at < 4) {
            return MPC_ERR_MSG_MALFORMED;
        }
        uint32_t l = get_u32(in + at);
        if (l == 0 || l > len - at - 4) {
            return MPC_ERR_MSG_MALFORMED;
        }
        items[i] = in + at + 4;
        lens[i] = l;
        at += 4 + (size_t)l;
    }
    if (at != len) {
        return MPC_ERR_MSG_MALFORMED;
    }
    *n = count;
    return MPC_OK;
}

void
node_client_evidence_digest(uint8_t digest[NODE_CLIENT_EVIDENCE_DIGEST], const uint8_t *in,
                            size_t len)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, NODE_CLIENT_EVIDENCE_DIGEST);
    crypto_generichash_update(&st, (const uint8_t *)EVID_DOMAIN, sizeof EVID_DOMAIN);
    crypto_generichash_update(&st, in, len);
    crypto_generichash_final(&st, digest, NODE_CLIENT_EVIDENCE_DIGEST);
}

mpc_status
node_client_evidence_query_encode(const struct node_client_evidence_query *q, uint8_t *out,
                                  size_t cap, size_t *out_len)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (q == NULL || out == NULL || out_len == NULL || cap < NODE_CLIENT_EVIDENCE_QUERY_MAX ||
        q->key_type < 0 || q->key_type > 255 || !node_client_request_id_is_valid(q->request_id)) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t il = strlen(q->request_id);
    memcpy(out, NODE_CLIENT_EVIDENCE_MAGIC, 4);
    out[4] = (uint8_t)q->key_type;
    out[5] = (uint8_t)il;
    memcpy(out + 6, q->request_id, il);
    put_u32(out + 6 + il, q->offset);
    *out_len = 10 + il;
    return MPC_OK;
}

int
node_client_evidence_is_query(const uint8_t *in, size_t len)
{
    return in != NULL && len >= 4 && memcmp(in, NODE_CLIENT_EVIDENCE_MAGIC, 4) == 0;
}

mpc_status
node_client_evidence_query_decode(struct node_client_evidence_query *q, const uint8_t *in,
                                  size_t len)
{
    if (q == NULL || in == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(q, 0, sizeof *q);
    if (!node_client_evidence_is_query(in, len) || len < 10 || (size_t)in[5] + 10 != len ||
        in[5] == 0) {
        return MPC_ERR_MSG_MALFORMED;
    }
    q->key_type = in[4];
    memcpy(q->request_id, in + 6, in[5]);
    q->request_id[in[5]] = '\0';
    q->offset = get_u32(in + 6 + in[5]);
    /* an embedded NUL would make two byte strings name one id */
    return strlen(q->request_id) == in[5] && node_client_request_id_is_valid(q->request_id)
               ? MPC_OK
               : MPC_ERR_MSG_MALFORMED;
}

/*
 * kos.c — scope names and the signed quarantine notice (node/kos.h).
 */
#include "node/kos.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"

#define KOS_DOMAIN     "mpc-node/kos-quarantine/v1"
#define KOS_DOMAIN_LEN (sizeof(KOS_DOMAIN)) /* with the NUL */
#define KOS_SIG        64

mpc_status
node_kos_scope(char *out, size_t cap, const char *kt_name, const char *wallet, uint32_t version)
{
    if (out == NULL || cap == 0 || kt_name == NULL || wallet == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    int n = snprintf(out, cap, "%s/%s/v%u", kt_name, wallet, version);
    return n > 0 && (size_t)n < cap ? MPC_OK : MPC_ERR_INVALID_ARG;
}

static int
valid_str(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    return n > 0 && n <= max;
}

mpc_status
node_kos_notice_encode(const node_store_identity *id, const struct node_kos_notice *n, uint8_t *out,
                       size_t cap, size_t *out_len)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (id == NULL || n == NULL || out == NULL || out_len == NULL || cap < NODE_KOS_NOTICE_MAX ||
        n->key_type < 0 || n->key_type > 255 || !valid_str(n->wallet, NODE_KOS_WALLET_MAX) ||
        !valid_str(n->accuser, NODE_KOS_ID_MAX) || !valid_str(n->accused, NODE_KOS_ID_MAX) ||
        n->version == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t buf[KOS_DOMAIN_LEN + NODE_KOS_NOTICE_MAX];
    memcpy(buf, KOS_DOMAIN, KOS_DOMAIN_LEN);
    uint8_t *p = buf + KOS_DOMAIN_LEN;
    *p++ = NODE_KOS_NOTICE_FORMAT;
    *p++ = (uint8_t)n->key_type;
    p = mpc_put_str8(p, n->wallet);
    mpc_put_u32be(p, n->version);
    p = mpc_put_str8(p + 4, n->accuser);
    p = mpc_put_str8(p, n->accused);
    size_t signed_len = (size_t)(p - buf);
    mpc_status st = node_store_identity_sign(id, p, buf, signed_len);
    if (st != MPC_OK) {
        return st;
    }
    size_t total = signed_len - KOS_DOMAIN_LEN + KOS_SIG;
    memcpy(out, buf + KOS_DOMAIN_LEN, total); /* the domain tag is signed, not sent */
    *out_len = total;
    return MPC_OK;
}

mpc_status
node_kos_notice_decode(struct node_kos_notice *n, const uint8_t *in, size_t len)
{
    if (n == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(n, 0, sizeof *n);
    if (in == NULL || len < 2 + KOS_SIG || len > NODE_KOS_NOTICE_MAX) {
        return MPC_ERR_MSG_MALFORMED;
    }
    const uint8_t *p = in, *end = in + len - KOS_SIG;
    int ok = p[0] == NODE_KOS_NOTICE_FORMAT;
    n->key_type = p[1];
    p += 2;
    ok = ok && mpc_get_str8(&p, end, n->wallet, NODE_KOS_WALLET_MAX) && end - p >= 4;
    if (ok) {
        n->version = mpc_get_u32be(p);
        p += 4;
    }
    ok = ok && mpc_get_str8(&p, end, n->accuser, NODE_KOS_ID_MAX) &&
         mpc_get_str8(&p, end, n->accused, NODE_KOS_ID_MAX) && p == end && n->version != 0 &&
         strcmp(n->accuser, n->accused) != 0;
    if (!ok) {
        memset(n, 0, sizeof *n);
        return MPC_ERR_MSG_MALFORMED;
    }
    return MPC_OK;
}

mpc_status
node_kos_notice_verify(const uint8_t *in, size_t len, const uint8_t pk[32])
{
    if (in == NULL || pk == NULL || len < KOS_SIG || len > NODE_KOS_NOTICE_MAX) {
        return MPC_ERR_MSG_MALFORMED;
    }
    uint8_t msg[KOS_DOMAIN_LEN + NODE_KOS_NOTICE_MAX];
    size_t body = len - KOS_SIG;
    memcpy(msg, KOS_DOMAIN, KOS_DOMAIN_LEN);
    memcpy(msg + KOS_DOMAIN_LEN, in, body);
    int bad = crypto_sign_verify_detached(in + body, msg, KOS_DOMAIN_LEN + body, pk) != 0;
    return bad ? MPC_ERR_MSG_BAD_SIGNATURE : MPC_OK;
}

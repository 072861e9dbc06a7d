/*
 * frost.c — FROST(Ed25519, SHA-512) primitives (RFC 9591).
 */
#include "tss/frost.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"

#define CTX_LEN (sizeof TSS_FROST_CONTEXT - 1)

/* Hashes ctx || tag || parts into a scalar (H1, H3) through the group hook. */
static mpc_status
frost_h_scalar(const tss_group *g, tss_scalar *out, const char *tag, const tss_bytes *parts,
               size_t n)
{
    uint8_t dst[CTX_LEN + 8];
    size_t tag_len = strlen(tag);
    memcpy(dst, TSS_FROST_CONTEXT, CTX_LEN);
    memcpy(dst + CTX_LEN, tag, tag_len);
    return g->hash_to_scalar(out, dst, CTX_LEN + tag_len, parts, n);
}

/* H4 / H5: SHA-512(ctx || tag || m). */
static mpc_status
frost_h_bytes(uint8_t out[TSS_FROST_HASH_BYTES], const char *tag, const uint8_t *m, size_t len)
{
    crypto_hash_sha512_state st;
    if (crypto_hash_sha512_init(&st) != 0 ||
        crypto_hash_sha512_update(&st, (const uint8_t *)TSS_FROST_CONTEXT, CTX_LEN) != 0 ||
        crypto_hash_sha512_update(&st, (const uint8_t *)tag, strlen(tag)) != 0 ||
        (len > 0 && crypto_hash_sha512_update(&st, m, len) != 0) ||
        crypto_hash_sha512_final(&st, out) != 0) {
        return MPC_ERR_CRYPTO;
    }
    return MPC_OK;
}

mpc_status
tss_frost_nonce_generate(const tss_group *g, tss_scalar *out, const uint8_t random[32],
                         const tss_scalar *secret)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (g == NULL || out == NULL || random == NULL || secret == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t enc[TSS_SCALAR_BYTES];
    g->scalar_encode(enc, secret);
    tss_bytes parts[2] = {{random, 32}, {enc, sizeof enc}};
    mpc_status st = frost_h_scalar(g, out, "nonce", parts, 2);
    mpc_wipe(enc, sizeof enc);
    return st;
}

mpc_status
tss_frost_commit(const tss_group *g, tss_frost_nonces *nonces, tss_frost_commitment *comm,
                 uint64_t id, const tss_scalar *secret, const uint8_t *hiding_rand,
                 const uint8_t *binding_rand)
{
    if (nonces != NULL) {
        memset(nonces, 0, sizeof *nonces);
    }
    if (comm != NULL) {
        memset(comm, 0, sizeof *comm);
    }
    if (g == NULL || nonces == NULL || comm == NULL || secret == NULL ||
        (hiding_rand == NULL) != (binding_rand == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t rnd[64];
    mpc_status st = MPC_OK;
    if (hiding_rand == NULL) {
        st = mpc_random_bytes(rnd, sizeof rnd);
        TSS_CLASSIFY(rnd, sizeof rnd); /* nonce seeds */
    } else {
        memcpy(rnd, hiding_rand, 32);
        memcpy(rnd + 32, binding_rand, 32);
    }
    if (st == MPC_OK) {
        st = tss_frost_nonce_generate(g, &nonces->hiding, rnd, secret);
    }
    if (st == MPC_OK) {
        st = tss_frost_nonce_generate(g, &nonces->binding, rnd + 32, secret);
    }
    if (st == MPC_OK) {
        st = g->point_mul_base(&comm->hiding, &nonces->hiding);
    }
    if (st == MPC_OK) {
        st = g->point_mul_base(&comm->binding, &nonces->binding);
    }
    comm->id = id;
    mpc_wipe(rnd, sizeof rnd);
    if (st != MPC_OK) {
        mpc_wipe(nonces, sizeof *nonces);
    }
    return st;
}

/* H5(encode_group_commitment_list(sorted)). */
static mpc_status
frost_commitment_hash(const tss_group *g, uint8_t out[TSS_FROST_HASH_BYTES],
                      const tss_frost_commitment *sorted, size_t n)
{
    size_t item = TSS_SCALAR_BYTES + 2 * g->point_len;
    uint8_t *enc = malloc(n * item);
    if (enc == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        tss_scalar id;
        g->scalar_from_u64(&id, sorted[i].id);
        g->scalar_encode(enc + i * item, &id);
        g->point_encode(enc + i * item + TSS_SCALAR_BYTES, &sorted[i].hiding);
        g->point_encode(enc + i * item + TSS_SCALAR_BYTES + g->point_len, &sorted[i].binding);
    }
    mpc_status st = frost_h_bytes(out, "com", enc, n * item);
    free(enc);
    return st;
}

/* Writes the rho input prefix PK || H4(msg) || H5(list); returns its length via *len. */
static mpc_status
frost_rho_prefix(const tss_group *g, uint8_t *out, size_t *len, const tss_point *group_key,
                 const tss_frost_commitment *sorted, size_t n, const uint8_t *msg, size_t msg_len)
{
    size_t pl = g->point_len;
    g->point_encode(out, group_key);
    mpc_status st = frost_h_bytes(out + pl, "msg", msg, msg_len);
    if (st == MPC_OK) {
        st = frost_commitment_hash(g, out + pl + TSS_FROST_HASH_BYTES, sorted, n);
    }
    *len = pl + 2 * TSS_FROST_HASH_BYTES;
    return st;
}

mpc_status
tss_frost_binding_input(const tss_group *g, uint8_t *out, size_t out_cap, size_t *out_len,
                        const tss_point *group_key, const tss_frost_commitment *sorted, size_t n,
                        const uint8_t *msg, size_t msg_len, uint64_t id)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (g == NULL || out == NULL || out_len == NULL || group_key == NULL || sorted == NULL ||
        (msg == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t need = g->point_len + 2 * TSS_FROST_HASH_BYTES + TSS_SCALAR_BYTES, len = 0;
    if (out_cap < need) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    mpc_status st = frost_rho_prefix(g, out, &len, group_key, sorted, n, msg, msg_len);
    if (st != MPC_OK) {
        return st;
    }
    tss_scalar ids;
    g->scalar_from_u64(&ids, id);
    g->scalar_encode(out + len, &ids);
    *out_len = need;
    return MPC_OK;
}

void
tss_frost_ctx_clear(tss_frost_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    free(ctx->list);
    free(ctx->rho);
    free(ctx->ids);
    memset(ctx, 0, sizeof *ctx);
}

size_t
tss_frost_ctx_find(const tss_frost_ctx *ctx, uint64_t id)
{
    for (size_t i = 0; i < ctx->n; i++) {
        if (ctx->list[i].id == id) {
            return i;
        }
    }
    return ctx->n;
}

/* Copies and insertion-sorts the list by identifier; checks identifiers. */
static mpc_status
frost_ctx_alloc_sorted(tss_frost_ctx *ctx, const tss_frost_commitment *list, size_t n)
{
    ctx->list = malloc(n * sizeof *ctx->list);
    ctx->rho = calloc(n, sizeof *ctx->rho);
    ctx->ids = malloc(n * sizeof *ctx->ids);
    if (ctx->list == NULL || ctx->rho == NULL || ctx->ids == NULL) {
        return MPC_ERR_NOMEM;
    }
    ctx->n = n;
    for (size_t i = 0; i < n; i++) {
        tss_frost_commitment c = list[i];
        size_t j = i;
        while (j > 0 && ctx->list[j - 1].id > c.id) {
            ctx->list[j] = ctx->list[j - 1];
            j--;
        }
        ctx->list[j] = c;
    }
    for (size_t i = 0; i < n; i++) {
        ctx->ids[i] = ctx->list[i].id;
    }
    return tss_ids_check(ctx->ids, n);
}

/* Binding factors and the group commitment R = sum D_i + rho_i * E_i. */
static mpc_status
frost_ctx_commitment(tss_frost_ctx *ctx, const uint8_t *msg, size_t msg_len)
{
    const tss_group *g = ctx->g;
    uint8_t buf[TSS_POINT_MAX_BYTES + 2 * TSS_FROST_HASH_BYTES + TSS_SCALAR_BYTES];
    size_t len = 0;
    mpc_status st =
        frost_rho_prefix(g, buf, &len, &ctx->group_key, ctx->list, ctx->n, msg, msg_len);
    for (size_t i = 0; st == MPC_OK && i < ctx->n; i++) {
        tss_scalar ids;
        g->scalar_from_u64(&ids, ctx->list[i].id);
        g->scalar_encode(buf + len, &ids);
        tss_bytes part = {buf, len + TSS_SCALAR_BYTES};
        st = frost_h_scalar(g, &ctx->rho[i], "rho", &part, 1);
        tss_point be;
        if (st == MPC_OK) {
            st = g->point_mul(&be, &ctx->rho[i], &ctx->list[i].binding);
        }
        if (st == MPC_OK) {
            st = g->point_add(&be, &be, &ctx->list[i].hiding);
        }
        if (st == MPC_OK) {
            st = i == 0 ? (ctx->R = be, MPC_OK) : g->point_add(&ctx->R, &ctx->R, &be);
        }
    }
    return st;
}

mpc_status
tss_frost_ctx_init(tss_frost_ctx *ctx, const tss_group *g, const tss_point *group_key,
                   const tss_frost_commitment *list, size_t n, const uint8_t *msg, size_t msg_len)
{
    if (ctx != NULL) {
        memset(ctx, 0, sizeof *ctx);
    }
    if (ctx == NULL || g == NULL || group_key == NULL || list == NULL || n == 0 ||
        (msg == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    ctx->g = g;
    ctx->group_key = *group_key;
    mpc_status st = frost_ctx_alloc_sorted(ctx, list, n);
    if (st == MPC_OK) {
        st = frost_ctx_commitment(ctx, msg, msg_len);
    }
    if (st == MPC_OK) {
        /* H2(R || PK || msg): the RFC 8032 challenge, no context string. */
        uint8_t r[TSS_POINT_MAX_BYTES], pk[TSS_POINT_MAX_BYTES];
        g->point_encode(r, &ctx->R);
        g->point_encode(pk, &ctx->group_key);
        tss_bytes parts[3] = {{r, g->point_len}, {pk, g->point_len}, {msg, msg_len}};
        st = g->hash_to_scalar(&ctx->c, NULL, 0, parts, 3);
    }
    if (st != MPC_OK) {
        tss_frost_ctx_clear(ctx);
    }
    return st;
}

mpc_status
tss_frost_sign_share(const tss_frost_ctx *ctx, tss_scalar *z, uint64_t id,
                     const tss_frost_nonces *nonces, const tss_scalar *sk)
{
    if (z != NULL) {
        memset(z, 0, sizeof *z);
    }
    if (ctx == NULL || ctx->g == NULL || z == NULL || nonces == NULL || sk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = ctx->g;
    size_t pos = tss_frost_ctx_find(ctx, id);
    if (pos == ctx->n) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    tss_scalar lambda, t;
    mpc_status st = tss_lagrange_at_zero(g, &lambda, ctx->ids, ctx->n, pos);
    if (st != MPC_OK) {
        return st;
    }
    g->scalar_mul(&t, &lambda, sk);
    g->scalar_mul(&t, &t, &ctx->c);
    g->scalar_add(z, &t, &nonces->hiding);
    g->scalar_mul(&t, &nonces->binding, &ctx->rho[pos]);
    g->scalar_add(z, z, &t);
    mpc_wipe(&t, sizeof t);
    return MPC_OK;
}

mpc_status
tss_frost_verify_share(const tss_frost_ctx *ctx, uint64_t id, const tss_point *verifying_share,
                       const tss_scalar *z)
{
    if (ctx == NULL || ctx->g == NULL || verifying_share == NULL || z == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = ctx->g;
    size_t pos = tss_frost_ctx_find(ctx, id);
    if (pos == ctx->n) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    tss_scalar lambda, cl;
    tss_point lhs, rhs, t;
    mpc_status st = tss_lagrange_at_zero(g, &lambda, ctx->ids, ctx->n, pos);
    if (st != MPC_OK) {
        return st;
    }
    g->scalar_mul(&cl, &ctx->c, &lambda);
    if (g->point_mul(&rhs, &ctx->rho[pos], &ctx->list[pos].binding) != MPC_OK ||
        g->point_add(&rhs, &rhs, &ctx->list[pos].hiding) != MPC_OK ||
        g->point_mul(&t, &cl, verifying_share) != MPC_OK ||
        g->point_add(&rhs, &rhs, &t) != MPC_OK || g->point_mul_base(&lhs, z) != MPC_OK ||
        !g->point_eq(&lhs, &rhs)) {
        return MPC_ERR_BAD_SIG_SHARE;
    }
    return MPC_OK;
}

mpc_status
tss_frost_aggregate(const tss_frost_ctx *ctx, uint8_t sig[TSS_FROST_SIG_BYTES], const tss_scalar *z)
{
    if (sig != NULL) {
        memset(sig, 0, TSS_FROST_SIG_BYTES);
    }
    if (ctx == NULL || ctx->g == NULL || sig == NULL || z == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = ctx->g;
    tss_scalar sum = z[0];
    for (size_t i = 1; i < ctx->n; i++) {
        g->scalar_add(&sum, &sum, &z[i]);
    }
    g->point_encode(sig, &ctx->R);
    g->scalar_encode(sig + g->point_len, &sum);
    return MPC_OK;
}

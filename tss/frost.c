/*
 * frost.c — FROST primitives (RFC 9591) over a ciphersuite table
 * (tss/frost_suite.c); the BIP340 steps of the context are in frost_tr.c.
 */
#include "tss/frost.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/frost_tr.h"

mpc_status
tss_frost_nonce_generate(const tss_frost_suite *cs, tss_scalar *out, const uint8_t random[32],
                         const tss_scalar *secret)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (cs == NULL || out == NULL || random == NULL || secret == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t enc[TSS_SCALAR_BYTES];
    cs->group()->scalar_encode(enc, secret);
    tss_bytes parts[2] = {{random, 32}, {enc, sizeof enc}};
    mpc_status st = cs->h_scalar(cs, out, "nonce", parts, 2);
    mpc_wipe(enc, sizeof enc);
    return st;
}

mpc_status
tss_frost_commit(const tss_frost_suite *cs, tss_frost_nonces *nonces, tss_frost_commitment *comm,
                 uint64_t id, const tss_scalar *secret, const uint8_t *hiding_rand,
                 const uint8_t *binding_rand)
{
    if (nonces != NULL) {
        memset(nonces, 0, sizeof *nonces);
    }
    if (comm != NULL) {
        memset(comm, 0, sizeof *comm);
    }
    if (cs == NULL || nonces == NULL || comm == NULL || secret == NULL ||
        (hiding_rand == NULL) != (binding_rand == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = cs->group();
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
        st = tss_frost_nonce_generate(cs, &nonces->hiding, rnd, secret);
    }
    if (st == MPC_OK) {
        st = tss_frost_nonce_generate(cs, &nonces->binding, rnd + 32, secret);
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
frost_commitment_hash(const tss_frost_suite *cs, uint8_t *out, const tss_frost_commitment *sorted,
                      size_t n)
{
    const tss_group *g = cs->group();
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
    mpc_status st = cs->h_bytes(cs, out, "com", enc, n * item);
    free(enc);
    return st;
}

/* Writes the rho input prefix PK || H4(msg) || H5(list); returns its length via *len. */
static mpc_status
frost_rho_prefix(const tss_frost_suite *cs, uint8_t *out, size_t *len, const tss_point *group_key,
                 const tss_frost_commitment *sorted, size_t n, const uint8_t *msg, size_t msg_len)
{
    const tss_group *g = cs->group();
    size_t pl = g->point_len, hl = cs->hash_len;
    g->point_encode(out, group_key);
    mpc_status st = cs->h_bytes(cs, out + pl, "msg", msg, msg_len);
    if (st == MPC_OK) {
        st = frost_commitment_hash(cs, out + pl + hl, sorted, n);
    }
    *len = pl + 2 * hl;
    return st;
}

mpc_status
tss_frost_binding_input(const tss_frost_suite *cs, uint8_t *out, size_t out_cap, size_t *out_len,
                        const tss_point *group_key, const tss_frost_commitment *sorted, size_t n,
                        const uint8_t *msg, size_t msg_len, uint64_t id)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (cs == NULL || out == NULL || out_len == NULL || group_key == NULL || sorted == NULL ||
        (msg == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = cs->group();
    size_t need = g->point_len + 2 * cs->hash_len + TSS_SCALAR_BYTES, len = 0;
    if (out_cap < need) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    mpc_status st = frost_rho_prefix(cs, out, &len, group_key, sorted, n, msg, msg_len);
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
        frost_rho_prefix(ctx->cs, buf, &len, &ctx->group_key, ctx->list, ctx->n, msg, msg_len);
    for (size_t i = 0; st == MPC_OK && i < ctx->n; i++) {
        tss_scalar ids;
        g->scalar_from_u64(&ids, ctx->list[i].id);
        g->scalar_encode(buf + len, &ids);
        tss_bytes part = {buf, len + TSS_SCALAR_BYTES};
        st = ctx->cs->h_scalar(ctx->cs, &ctx->rho[i], "rho", &part, 1);
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
tss_frost_ctx_init(tss_frost_ctx *ctx, const tss_frost_suite *cs, const tss_point *group_key,
                   const tss_frost_commitment *list, size_t n, const uint8_t *msg, size_t msg_len,
                   const tss_frost_tweak *tweak)
{
    if (ctx != NULL) {
        memset(ctx, 0, sizeof *ctx);
    }
    if (ctx == NULL || cs == NULL || group_key == NULL || list == NULL || n == 0 ||
        (msg == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    ctx->cs = cs;
    ctx->g = cs->group();
    ctx->group_key = *group_key;
    /* BIP340: the verification key (even Y, tweaked) is what the binding factors bind. */
    mpc_status st = cs->bip340 ? tss_frost_tr_key(ctx, tweak) : MPC_OK;
    if (st == MPC_OK) {
        st = frost_ctx_alloc_sorted(ctx, list, n);
    }
    if (st == MPC_OK) {
        st = frost_ctx_commitment(ctx, msg, msg_len);
    }
    if (st == MPC_OK && cs->bip340) {
        st = tss_frost_tr_even_r(ctx);
    }
    if (st == MPC_OK) {
        st = cs->challenge(cs, &ctx->c, &ctx->R, &ctx->group_key, msg, msg_len);
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
    tss_scalar lambda, t, k, zero;
    mpc_status st = tss_lagrange_at_zero(g, &lambda, ctx->ids, ctx->n, pos);
    if (st != MPC_OK) {
        return st;
    }
    memset(&zero, 0, sizeof zero);
    g->scalar_mul(&t, &lambda, sk);
    g->scalar_mul(&t, &t, &ctx->c);
    if (ctx->key_neg) { /* public: the parities of the group and output keys */
        g->scalar_sub(&t, &zero, &t);
    }
    g->scalar_mul(&k, &nonces->binding, &ctx->rho[pos]);
    g->scalar_add(&k, &k, &nonces->hiding);
    if (ctx->r_neg) { /* public: the parity of R */
        g->scalar_sub(&k, &zero, &k);
    }
    g->scalar_add(z, &k, &t);
    mpc_wipe(&t, sizeof t);
    mpc_wipe(&k, sizeof k);
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
    tss_scalar lambda, cl, one, minus_one;
    tss_point lhs, rhs, t;
    mpc_status st = tss_lagrange_at_zero(g, &lambda, ctx->ids, ctx->n, pos);
    if (st != MPC_OK) {
        return st;
    }
    g->scalar_mul(&cl, &ctx->c, &lambda);
    g->scalar_from_u64(&one, 1);
    memset(&minus_one, 0, sizeof minus_one);
    g->scalar_sub(&minus_one, &minus_one, &one);
    if (ctx->key_neg) {
        g->scalar_mul(&cl, &cl, &minus_one);
    }
    if (g->point_mul(&rhs, &ctx->rho[pos], &ctx->list[pos].binding) != MPC_OK ||
        g->point_add(&rhs, &rhs, &ctx->list[pos].hiding) != MPC_OK ||
        (ctx->r_neg && g->point_mul(&rhs, &minus_one, &rhs) != MPC_OK) ||
        g->point_mul(&t, &cl, verifying_share) != MPC_OK ||
        g->point_add(&rhs, &rhs, &t) != MPC_OK || g->point_mul_base(&lhs, z) != MPC_OK ||
        !g->point_eq(&lhs, &rhs)) {
        return MPC_ERR_BAD_SIG_SHARE;
    }
    return MPC_OK;
}

mpc_status
tss_frost_aggregate(const tss_frost_ctx *ctx, uint8_t sig[TSS_FROST_SIG_MAX_BYTES],
                    const tss_scalar *z)
{
    if (sig != NULL) {
        memset(sig, 0, TSS_FROST_SIG_MAX_BYTES);
    }
    if (ctx == NULL || ctx->g == NULL || ctx->cs == NULL || sig == NULL || z == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = ctx->g;
    tss_scalar sum = z[0], ct;
    for (size_t i = 1; i < ctx->n; i++) {
        g->scalar_add(&sum, &sum, &z[i]);
    }
    if (!ctx->cs->bip340) {
        g->point_encode(sig, &ctx->R);
        g->scalar_encode(sig + g->point_len, &sum);
        return MPC_OK;
    }
    /* BIP340: x(R) || sum z + c * g_Q * t (the tweak enters once: ctx->tweak). */
    int odd = 0;
    g->scalar_mul(&ct, &ctx->c, &ctx->tweak);
    g->scalar_add(&sum, &sum, &ct);
    mpc_status st = tss_frost_xonly(g, sig, &odd, &ctx->R);
    g->scalar_encode(sig + TSS_FROST_XONLY_BYTES, &sum);
    return st;
}

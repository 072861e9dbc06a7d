/*
 * frost_tr.c — BIP340 key and nonce parity and the BIP341 tweak for FROST
 * (frost_tr.h, docs/specs/frost-taproot.md). Every value here is public.
 */
#include "tss/frost_tr.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/pok.h"

/* out = -p on secp256k1: the SEC1 prefix flipped (02 <-> 03). */
static mpc_status
tr_point_neg(const tss_group *g, tss_point *out, const tss_point *p)
{
    uint8_t enc[TSS_POINT_MAX_BYTES];
    g->point_encode(enc, p);
    if (enc[0] != 0x02 && enc[0] != 0x03) {
        return MPC_ERR_INVALID_ARG;
    }
    enc[0] ^= 0x01;
    return g->point_decode(out, enc);
}

/* t = hash_TapTweak(x(P) [|| root]) as a scalar; MPC_ERR_TR_TWEAK unless 0 < t < q. */
static mpc_status
tr_tweak_scalar(const tss_group *g, tss_scalar *t, const uint8_t px[TSS_FROST_XONLY_BYTES],
                const tss_frost_tweak *tweak)
{
    uint8_t h[32];
    tss_bytes parts[2] = {{px, TSS_FROST_XONLY_BYTES}, {tweak->root, sizeof tweak->root}};
    size_t n = tweak->mode == TSS_FROST_TWEAK_ROOT ? 2 : 1;
    mpc_status st = tss_frost_tagged_hash(h, "TapTweak", parts, n);
    if (st == MPC_OK && (g->scalar_decode(t, h) != MPC_OK || g->scalar_is_zero(t))) {
        st = MPC_ERR_TR_TWEAK; /* probability ~2^-128: BIP341 fails such a key too */
    }
    return st;
}

mpc_status
tss_frost_tr_key(tss_frost_ctx *ctx, const tss_frost_tweak *tweak)
{
    if (ctx == NULL || ctx->g == NULL || ctx->g->id != TSS_CURVE_SECP256K1) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = ctx->g;
    tss_frost_tweak_mode mode = tweak != NULL ? tweak->mode : TSS_FROST_TWEAK_NONE;
    if (mode != TSS_FROST_TWEAK_NONE && mode != TSS_FROST_TWEAK_KEYPATH &&
        mode != TSS_FROST_TWEAK_ROOT) {
        return MPC_ERR_TR_INPUT;
    }
    int odd_y = 0, odd_q = 0;
    tss_point P = ctx->group_key, T, Q;
    tss_scalar t;
    memset(&ctx->tweak, 0, sizeof ctx->tweak);
    mpc_status st = tss_frost_xonly(g, ctx->internal_x, &odd_y, &P);
    if (st == MPC_OK && odd_y) {
        st = tr_point_neg(g, &P, &P); /* P = even-Y internal key */
    }
    if (st != MPC_OK || mode == TSS_FROST_TWEAK_NONE) {
        ctx->group_key = P;
        ctx->key_neg = odd_y;
        return st;
    }
    st = tr_tweak_scalar(g, &t, ctx->internal_x, tweak);
    if (st == MPC_OK) {
        st = g->point_mul_base(&T, &t);
    }
    if (st == MPC_OK && g->point_add(&Q, &P, &T) != MPC_OK) {
        st = MPC_ERR_TR_TWEAK; /* Q = O */
    }
    uint8_t qx[TSS_FROST_XONLY_BYTES];
    if (st == MPC_OK) {
        st = tss_frost_xonly(g, qx, &odd_q, &Q);
    }
    if (st == MPC_OK && odd_q) {
        tss_scalar zero;
        memset(&zero, 0, sizeof zero);
        g->scalar_sub(&t, &zero, &t);
        st = tr_point_neg(g, &Q, &Q);
    }
    if (st == MPC_OK) {
        ctx->group_key = Q;
        ctx->key_neg = odd_y ^ odd_q; /* d = g_Q * (g_Y * x + t) */
        ctx->tweak = t;
    }
    return st;
}

mpc_status
tss_frost_tr_even_r(tss_frost_ctx *ctx)
{
    uint8_t rx[TSS_FROST_XONLY_BYTES];
    int odd = 0;
    mpc_status st = tss_frost_xonly(ctx->g, rx, &odd, &ctx->R);
    if (st == MPC_OK && odd) {
        st = tr_point_neg(ctx->g, &ctx->R, &ctx->R);
        ctx->r_neg = 1;
    }
    return st;
}

mpc_status
tss_frost_tr_output_key(const tss_point *group_key, const tss_frost_tweak *tweak,
                        uint8_t output_x[TSS_FROST_XONLY_BYTES],
                        uint8_t internal_x[TSS_FROST_XONLY_BYTES])
{
    tss_frost_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    if (group_key == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    ctx.cs = &tss_frost_secp256k1_tr;
    ctx.g = tss_group_secp256k1();
    ctx.group_key = *group_key;
    int odd = 0;
    uint8_t x[TSS_FROST_XONLY_BYTES];
    mpc_status st = tss_frost_tr_key(&ctx, tweak);
    if (st == MPC_OK) {
        st = tss_frost_xonly(ctx.g, x, &odd, &ctx.group_key);
    }
    if (st == MPC_OK && output_x != NULL) {
        memcpy(output_x, x, sizeof x);
    }
    if (st == MPC_OK && internal_x != NULL) {
        memcpy(internal_x, ctx.internal_x, TSS_FROST_XONLY_BYTES);
    }
    return st;
}

mpc_status
tss_frost_tr_pok_challenge(const void *user, tss_scalar *c, uint64_t id, const tss_point *C0,
                           const tss_point *R)
{
    (void)user;
    const tss_frost_suite *cs = &tss_frost_secp256k1_tr;
    const tss_group *g = cs->group();
    uint8_t ide[TSS_SCALAR_BYTES], c0e[TSS_POINT_MAX_BYTES], re[TSS_POINT_MAX_BYTES];
    tss_bytes parts[3];
    tss_pok_challenge_parts(g, parts, ide, c0e, re, id, C0, R);
    return cs->h_scalar(cs, c, "dkg", parts, 3);
}

/*
 * secp256k1.c — secp256k1 backend: context, scalars mod q, point wrappers over
 * libsecp256k1 0.2.0 and the constant-time affine addition (spec §1.1).
 */
#include "tss/secp256k1.h"

#include <secp256k1_ecdh.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_recovery.h>
#include <secp256k1_schnorrsig.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/secp_h2c.h"

struct tss_secp_ctx {
    secp256k1_context *lib; /* randomized libsecp256k1 context; read-only after create */
    secp256k1_pubkey gen;   /* the generator G (for CT coordinates of BASE results) */
};

/* SEC1 compressed encoding of G (spec Appendix A). */
static const uint8_t secp_gen33[33] = {0x02, 0x79, 0xBE, 0x66, 0x7E, 0xF9, 0xDC, 0xBB, 0xAC,
                                       0x55, 0xA0, 0x62, 0x95, 0xCE, 0x87, 0x0B, 0x07, 0x02,
                                       0x9B, 0xFC, 0xDB, 0x2D, 0xCE, 0x28, 0xD9, 0x59, 0xF2,
                                       0x81, 0x5B, 0x16, 0xF8, 0x17, 0x98};

/* ------------------------------------------------------------------ context */

mpc_status
tss_secp_ctx_create(tss_secp_ctx **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_CRYPTO;
    }
    mpc_status st = MPC_OK;
    uint8_t seed[32];
    tss_secp_ctx *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return MPC_ERR_NOMEM;
    }
    c->lib = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (c->lib == NULL) {
        st = MPC_ERR_NOMEM;
        goto free_ctx;
    }
    st = mpc_random_bytes(seed, sizeof(seed));
    if (st != MPC_OK) {
        st = MPC_ERR_RANDOM;
        goto free_ctx;
    }
    if (!secp256k1_context_randomize(c->lib, seed) ||
        !secp256k1_ec_pubkey_parse(c->lib, &c->gen, secp_gen33, sizeof(secp_gen33))) {
        st = MPC_ERR_CRYPTO;
        goto free_ctx;
    }
    st = tss_secp_selftest(c);
    if (st != MPC_OK) {
        goto free_ctx;
    }
    mpc_wipe(seed, sizeof(seed));
    *out = c;
    return MPC_OK;

free_ctx:
    mpc_wipe(seed, sizeof(seed));
    tss_secp_ctx_destroy(c);
    return st;
}

void
tss_secp_ctx_destroy(tss_secp_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    if (ctx->lib != NULL) {
        secp256k1_context_destroy(ctx->lib);
    }
    free(ctx);
}

/* ------------------------------------------------------------------ scalars */

int
tss_secp_scalar_is_canonical(const uint8_t s[TSS_SECP_SCALAR_BYTES])
{
    struct tss_secp_num n;
    tss_secp_num_from_bytes(&n, s);
    int r = tss_secp_num_is_reduced(&n, &tss_secp_mod_q);
    mpc_wipe(&n, sizeof(n));
    return r;
}

int
tss_secp_scalar_is_valid_nonzero(const uint8_t s[TSS_SECP_SCALAR_BYTES])
{
    struct tss_secp_num n;
    tss_secp_num_from_bytes(&n, s);
    int r = tss_secp_num_is_reduced(&n, &tss_secp_mod_q) & (1 ^ tss_secp_num_is_zero(&n));
    mpc_wipe(&n, sizeof(n));
    return r;
}

mpc_status
tss_secp_scalar_random(uint8_t out[TSS_SECP_SCALAR_BYTES], int nonzero)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(out, 0, TSS_SECP_SCALAR_BYTES);
    /* Rejection probability is about 2^-128 per draw; the bound only stops a broken RNG. */
    for (int attempt = 0; attempt < 64; attempt++) {
        if (mpc_random_bytes(out, TSS_SECP_SCALAR_BYTES) != MPC_OK) {
            break;
        }
        TSS_CLASSIFY(out, TSS_SECP_SCALAR_BYTES);
        int ok =
            nonzero ? tss_secp_scalar_is_valid_nonzero(out) : tss_secp_scalar_is_canonical(out);
        TSS_DECLASSIFY(&ok, sizeof(ok)); /* only the rejection is revealed */
        if (ok) {
            return MPC_OK;
        }
    }
    mpc_wipe(out, TSS_SECP_SCALAR_BYTES);
    return MPC_ERR_RANDOM;
}

mpc_status
tss_secp_scalar_decode(struct tss_secp_num *r, const uint8_t *in, size_t len)
{
    if (r == NULL || (in == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(r, 0, sizeof(*r));
    if (len != TSS_SECP_SCALAR_BYTES) {
        return MPC_ERR_BAD_SCALAR;
    }
    tss_secp_num_from_bytes(r, in);
    int ok = tss_secp_num_is_reduced(r, &tss_secp_mod_q);
    TSS_DECLASSIFY(&ok, sizeof(ok)); /* validity is public: failure aborts */
    if (!ok) {
        memset(r, 0, sizeof(*r));
        return MPC_ERR_BAD_SCALAR;
    }
    return MPC_OK;
}

void
tss_secp_scalar_encode(uint8_t out[TSS_SECP_SCALAR_BYTES], const struct tss_secp_num *a)
{
    tss_secp_num_to_bytes(out, a);
}

void
tss_secp_scalar_add(struct tss_secp_num *r, const struct tss_secp_num *a,
                    const struct tss_secp_num *b)
{
    tss_secp_mod_add(r, a, b, &tss_secp_mod_q);
}

void
tss_secp_scalar_sub(struct tss_secp_num *r, const struct tss_secp_num *a,
                    const struct tss_secp_num *b)
{
    tss_secp_mod_sub(r, a, b, &tss_secp_mod_q);
}

void
tss_secp_scalar_mul(struct tss_secp_num *r, const struct tss_secp_num *a,
                    const struct tss_secp_num *b)
{
    tss_secp_mod_mul(r, a, b, &tss_secp_mod_q);
}

void
tss_secp_scalar_neg(struct tss_secp_num *r, const struct tss_secp_num *a)
{
    tss_secp_mod_neg(r, a, &tss_secp_mod_q);
}

void
tss_secp_scalar_inv(struct tss_secp_num *r, const struct tss_secp_num *a)
{
    tss_secp_mod_inv(r, a, &tss_secp_mod_q);
}

mpc_status
tss_secp_lagrange(uint8_t out[TSS_SECP_SCALAR_BYTES], const uint8_t (*ids)[TSS_SECP_SCALAR_BYTES],
                  size_t n, const uint8_t j[TSS_SECP_SCALAR_BYTES])
{
    if (out == NULL || ids == NULL || j == NULL || n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(out, 0, TSS_SECP_SCALAR_BYTES);
    /* Identifiers are public: plain comparisons are fine here. */
    int found = 0;
    for (size_t a = 0; a < n; a++) {
        if (!tss_secp_scalar_is_valid_nonzero(ids[a])) {
            return MPC_ERR_BAD_IDENTIFIER;
        }
        for (size_t b = a + 1; b < n; b++) {
            if (memcmp(ids[a], ids[b], TSS_SECP_SCALAR_BYTES) == 0) {
                return MPC_ERR_BAD_IDENTIFIER;
            }
        }
        found |= memcmp(ids[a], j, TSS_SECP_SCALAR_BYTES) == 0;
    }
    if (!found) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    struct tss_secp_num num, den, xj, xl, t;
    tss_secp_num_set_u64(&num, 1);
    tss_secp_num_set_u64(&den, 1);
    tss_secp_num_from_bytes(&xj, j);
    for (size_t a = 0; a < n; a++) {
        if (memcmp(ids[a], j, TSS_SECP_SCALAR_BYTES) == 0) {
            continue;
        }
        tss_secp_num_from_bytes(&xl, ids[a]);
        tss_secp_scalar_mul(&num, &num, &xl);
        tss_secp_scalar_sub(&t, &xl, &xj);
        tss_secp_scalar_mul(&den, &den, &t);
    }
    tss_secp_scalar_inv(&t, &den);
    tss_secp_scalar_mul(&t, &t, &num);
    tss_secp_scalar_encode(out, &t);
    return MPC_OK;
}

/* ------------------------------------------------------------------ points */

mpc_status
tss_secp_point_decode(const tss_secp_ctx *ctx, secp256k1_pubkey *pk, const uint8_t *in, size_t len)
{
    if (ctx == NULL || pk == NULL || (in == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(pk, 0, sizeof(*pk));
    if (len != TSS_SECP_POINT_BYTES || (in[0] != 0x02 && in[0] != 0x03)) {
        return MPC_ERR_BAD_POINT;
    }
    if (!secp256k1_ec_pubkey_parse(ctx->lib, pk, in, len)) {
        memset(pk, 0, sizeof(*pk));
        return MPC_ERR_BAD_POINT;
    }
    return MPC_OK;
}

mpc_status
tss_secp_point_encode(const tss_secp_ctx *ctx, uint8_t out[TSS_SECP_POINT_BYTES],
                      const secp256k1_pubkey *pk)
{
    if (ctx == NULL || out == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t len = TSS_SECP_POINT_BYTES;
    if (!secp256k1_ec_pubkey_serialize(ctx->lib, out, &len, pk, SECP256K1_EC_COMPRESSED) ||
        len != TSS_SECP_POINT_BYTES) {
        memset(out, 0, TSS_SECP_POINT_BYTES);
        return MPC_ERR_BAD_POINT;
    }
    return MPC_OK;
}

/* Coordinates of a libsecp256k1 point through its uncompressed serialization. */
static mpc_status
point_coords(const tss_secp_ctx *ctx, struct tss_secp_ge *ge, const secp256k1_pubkey *pk)
{
    uint8_t buf[65];
    size_t len = sizeof(buf);
    if (!secp256k1_ec_pubkey_serialize(ctx->lib, buf, &len, pk, SECP256K1_EC_UNCOMPRESSED) ||
        len != sizeof(buf)) {
        return MPC_ERR_BAD_POINT;
    }
    tss_secp_num_from_bytes(&ge->x, buf + 1);
    tss_secp_num_from_bytes(&ge->y, buf + 33);
    mpc_wipe(buf, sizeof(buf));
    return MPC_OK;
}

mpc_status
tss_secp_point_base(const tss_secp_ctx *ctx, secp256k1_pubkey *pk, struct tss_secp_ge *ge,
                    const uint8_t k[TSS_SECP_SCALAR_BYTES])
{
    if (pk != NULL) {
        memset(pk, 0, sizeof(*pk));
    }
    if (ge != NULL) {
        memset(ge, 0, sizeof(*ge));
    }
    if (ctx == NULL || k == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    secp256k1_pubkey tmp;
    int ok = secp256k1_ec_pubkey_create(ctx->lib, &tmp, k);
    TSS_DECLASSIFY(&ok, sizeof(ok)); /* validity of k is public: failure aborts */
    if (!ok) {
        return MPC_ERR_BAD_SCALAR;
    }
    mpc_status st = MPC_OK;
    if (ge != NULL) {
        /*
         * Affine coordinates of a secret point: not through pubkey_serialize,
         * whose field normalisation is variable time (found by the valgrind
         * ctime test), but through ecdh's constant-time path as MUL_CT(k, G).
         */
        st = tss_secp_point_mul_ct(ctx, ge, &ctx->gen, k);
    }
    if (st == MPC_OK && pk != NULL) {
        /* A point asked for as pk is published by every caller; secret points use ge only. */
        TSS_DECLASSIFY(&tmp, sizeof(tmp));
        *pk = tmp;
    }
    mpc_wipe(&tmp, sizeof(tmp));
    return st;
}

/* secp256k1_ecdh hash callback: copy the raw affine x || y out (64 bytes). */
static int
ecdh_raw_xy(unsigned char *output, const unsigned char *x32, const unsigned char *y32, void *data)
{
    (void)data;
    memcpy(output, x32, 32);
    memcpy(output + 32, y32, 32);
    return 1;
}

mpc_status
tss_secp_point_mul_ct(const tss_secp_ctx *ctx, struct tss_secp_ge *ge, const secp256k1_pubkey *p,
                      const uint8_t k[TSS_SECP_SCALAR_BYTES])
{
    if (ge != NULL) {
        memset(ge, 0, sizeof(*ge));
    }
    if (ctx == NULL || ge == NULL || p == NULL || k == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t xy[64];
    int ok = secp256k1_ecdh(ctx->lib, xy, p, k, ecdh_raw_xy, NULL);
    TSS_DECLASSIFY(&ok, sizeof(ok)); /* validity of k is public: failure aborts */
    if (!ok) {
        return MPC_ERR_BAD_SCALAR;
    }
    tss_secp_num_from_bytes(&ge->x, xy);
    tss_secp_num_from_bytes(&ge->y, xy + 32);
    mpc_wipe(xy, sizeof(xy));
    return MPC_OK;
}

mpc_status
tss_secp_point_mul_pub(const tss_secp_ctx *ctx, secp256k1_pubkey *out, const secp256k1_pubkey *p,
                       const uint8_t k[TSS_SECP_SCALAR_BYTES])
{
    if (ctx == NULL || out == NULL || p == NULL || k == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    secp256k1_pubkey tmp = *p;
    memset(out, 0, sizeof(*out));
    if (!secp256k1_ec_pubkey_tweak_mul(ctx->lib, &tmp, k)) {
        return MPC_ERR_BAD_SCALAR;
    }
    *out = tmp;
    return MPC_OK;
}

mpc_status
tss_secp_point_sum(const tss_secp_ctx *ctx, secp256k1_pubkey *out,
                   const secp256k1_pubkey *const *ins, size_t n)
{
    if (ctx == NULL || out == NULL || ins == NULL || n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (ins[i] == NULL) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    secp256k1_pubkey tmp;
    memset(out, 0, sizeof(*out));
    if (!secp256k1_ec_pubkey_combine(ctx->lib, &tmp, ins, n)) {
        return MPC_ERR_IDENTITY_POINT;
    }
    *out = tmp;
    return MPC_OK;
}

mpc_status
tss_secp_point_to_ge(const tss_secp_ctx *ctx, struct tss_secp_ge *ge, const secp256k1_pubkey *pk)
{
    if (ctx == NULL || ge == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(ge, 0, sizeof(*ge));
    return point_coords(ctx, ge, pk);
}

mpc_status
tss_secp_ge_to_point(const tss_secp_ctx *ctx, secp256k1_pubkey *pk, const struct tss_secp_ge *ge)
{
    if (ctx == NULL || pk == NULL || ge == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(pk, 0, sizeof(*pk));
    uint8_t buf[65];
    buf[0] = 0x04;
    tss_secp_num_to_bytes(buf + 1, &ge->x);
    tss_secp_num_to_bytes(buf + 33, &ge->y);
    int ok = secp256k1_ec_pubkey_parse(ctx->lib, pk, buf, sizeof(buf));
    mpc_wipe(buf, sizeof(buf));
    if (!ok) {
        memset(pk, 0, sizeof(*pk));
        return MPC_ERR_BAD_POINT;
    }
    return MPC_OK;
}

mpc_status
tss_secp_ge_add_ct(struct tss_secp_ge *r, const struct tss_secp_ge *a, const struct tss_secp_ge *b)
{
    const struct tss_secp_mod *p = &tss_secp_mod_p;
    struct tss_secp_num dx, dy, lam, x3, y3, t;
    tss_secp_mod_sub(&dx, &b->x, &a->x, p);
    tss_secp_mod_sub(&dy, &b->y, &a->y, p);
    int degenerate = tss_secp_num_is_zero(&dx);
    tss_secp_mod_inv(&t, &dx, p);
    tss_secp_mod_mul(&lam, &dy, &t, p);
    tss_secp_mod_mul(&x3, &lam, &lam, p);
    tss_secp_mod_sub(&x3, &x3, &a->x, p);
    tss_secp_mod_sub(&x3, &x3, &b->x, p);
    tss_secp_mod_sub(&t, &a->x, &x3, p);
    tss_secp_mod_mul(&y3, &lam, &t, p);
    tss_secp_mod_sub(&y3, &y3, &a->y, p);
    r->x = x3;
    r->y = y3;
    mpc_wipe(&dx, sizeof(dx));
    mpc_wipe(&dy, sizeof(dy));
    mpc_wipe(&lam, sizeof(lam));
    mpc_wipe(&x3, sizeof(x3));
    mpc_wipe(&y3, sizeof(y3));
    mpc_wipe(&t, sizeof(t));
    /* The only branch: on the (negligible, error) outcome itself, not on the coordinates. */
    TSS_DECLASSIFY(&degenerate, sizeof(degenerate));
    if (degenerate) {
        memset(r, 0, sizeof(*r));
        return MPC_ERR_IDENTITY_POINT;
    }
    return MPC_OK;
}

void
tss_secp_ge_neg(struct tss_secp_ge *r, const struct tss_secp_ge *a)
{
    r->x = a->x;
    tss_secp_mod_neg(&r->y, &a->y, &tss_secp_mod_p);
}

void
tss_secp_ge_encode(uint8_t out[TSS_SECP_POINT_BYTES], const struct tss_secp_ge *a)
{
    out[0] = (uint8_t)(0x02 | (a->y.v[0] & 1));
    tss_secp_num_to_bytes(out + 1, &a->x);
}

int
tss_secp_ge_is_on_curve(const struct tss_secp_ge *a)
{
    const struct tss_secp_mod *p = &tss_secp_mod_p;
    struct tss_secp_num l, r, seven;
    tss_secp_num_set_u64(&seven, 7);
    tss_secp_mod_mul(&l, &a->y, &a->y, p);
    tss_secp_mod_mul(&r, &a->x, &a->x, p);
    tss_secp_mod_mul(&r, &r, &a->x, p);
    tss_secp_mod_add(&r, &r, &seven, p);
    int ok = tss_secp_num_eq(&l, &r) & tss_secp_num_is_reduced(&a->x, p) &
             tss_secp_num_is_reduced(&a->y, p);
    mpc_wipe(&l, sizeof(l));
    mpc_wipe(&r, sizeof(r));
    return ok;
}

/* ------------------------------------------------------------------ ECDSA */

mpc_status
tss_secp_ecdsa_verify(const tss_secp_ctx *ctx, const uint8_t sig64[64], const uint8_t msg32[32],
                      const secp256k1_pubkey *pk)
{
    if (ctx == NULL || sig64 == NULL || msg32 == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    secp256k1_ecdsa_signature sig;
    if (!secp256k1_ecdsa_signature_parse_compact(ctx->lib, &sig, sig64)) {
        return MPC_ERR_VERIFY_FAILED;
    }
    return secp256k1_ecdsa_verify(ctx->lib, &sig, msg32, pk) ? MPC_OK : MPC_ERR_VERIFY_FAILED;
}

mpc_status
tss_secp_schnorr_verify(const tss_secp_ctx *ctx, const uint8_t sig64[64], const uint8_t *msg,
                        size_t msg_len, const uint8_t xonly32[32])
{
    if (ctx == NULL || sig64 == NULL || (msg == NULL && msg_len > 0) || xonly32 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_xonly_pubkey_parse(ctx->lib, &xpk, xonly32)) {
        return MPC_ERR_VERIFY_FAILED;
    }
    return secp256k1_schnorrsig_verify(ctx->lib, sig64, msg, msg_len, &xpk) ? MPC_OK
                                                                            : MPC_ERR_VERIFY_FAILED;
}

mpc_status
tss_secp_ecdsa_recover(const tss_secp_ctx *ctx, secp256k1_pubkey *pk, const uint8_t sig64[64],
                       int recid, const uint8_t msg32[32])
{
    if (pk != NULL) {
        memset(pk, 0, sizeof(*pk));
    }
    if (ctx == NULL || pk == NULL || sig64 == NULL || msg32 == NULL || recid < 0 || recid > 3) {
        return MPC_ERR_INVALID_ARG;
    }
    secp256k1_ecdsa_recoverable_signature rsig;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx->lib, &rsig, sig64, recid) ||
        !secp256k1_ecdsa_recover(ctx->lib, pk, &rsig, msg32)) {
        memset(pk, 0, sizeof(*pk));
        return MPC_ERR_VERIFY_FAILED;
    }
    return MPC_OK;
}

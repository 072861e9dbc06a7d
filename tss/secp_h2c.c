/*
 * secp_h2c.c — RFC 9380 secp256k1_XMD:SHA-256_SSWU_RO_, straight-line (spec §3, App. A).
 */
#include "tss/secp_h2c.h"

#include <sodium.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"

/* Constants of RFC 9380 §8.7 / App. E.1 (spec Appendix A), as little-endian limbs. */
static const struct tss_secp_num H2C_AP = {
    {0x405447c01a444533ULL, 0xe953d363cb6f0e5dULL, 0xa08a5558f0f5d272ULL, 0x3f8731abdd661adcULL}};
static const struct tss_secp_num H2C_BP = {{1771, 0, 0, 0}};
static const struct tss_secp_num H2C_Z = {
    {0xfffffffefffffc24ULL, 0xffffffffffffffffULL, 0xffffffffffffffffULL, 0xffffffffffffffffULL}};
/* c1 = (p - 3) / 4 */
static const mp_limb_t H2C_C1[TSS_SECP_LIMBS] = {0xffffffffbfffff0bULL, 0xffffffffffffffffULL,
                                                 0xffffffffffffffffULL, 0x3fffffffffffffffULL};
/* c2 = sqrt(-Z) = sqrt(11) */
static const struct tss_secp_num H2C_C2 = {
    {0x286729c8303c4a59ULL, 0xec184f00a74789ddULL, 0x7ad13fb38f842afeULL, 0x31fdf302724013e5ULL}};
/* 3-isogeny: x_num (k1*), x_den (k2*), y_num (k3*), y_den (k4*), lowest degree first. */
static const struct tss_secp_num H2C_K1[4] = {
    {{0x8e38e38daaaaa8c7ULL, 0x38e38e38e38e38e3ULL, 0xe38e38e38e38e38eULL, 0x8e38e38e38e38e38ULL}},
    {{0xdfff1044f17c6581ULL, 0xd595d2fc0bf63b92ULL, 0xb9f315cea7fd44c5ULL, 0x07d3d4c80bc321d5ULL}},
    {{0x4ecbd0b53d9dd262ULL, 0xe4506144037c4031ULL, 0xe2a413deca25caecULL, 0x534c328d23f234e6ULL}},
    {{0x8e38e38daaaaa88cULL, 0x38e38e38e38e38e3ULL, 0xe38e38e38e38e38eULL, 0x8e38e38e38e38e38ULL}},
};
static const struct tss_secp_num H2C_K2[2] = {
    {{0x9fe6b745781eb49bULL, 0x86cd409542f8487dULL, 0x9ca34ccbb7b640ddULL, 0xd35771193d94918aULL}},
    {{0xc52a56612a8c6d14ULL, 0x06d36b641f5e41bbULL, 0xf7c4b2d51b542254ULL, 0xedadc6f64383dc1dULL}},
};
static const struct tss_secp_num H2C_K3[4] = {
    {{0xa12f684b8e38e23cULL, 0x2f684bda12f684bdULL, 0x684bda12f684bda1ULL, 0x4bda12f684bda12fULL}},
    {{0xdffc90fc201d71a3ULL, 0x647ab046d686da6fULL, 0xa9d0a54b12a0a6d5ULL, 0xc75e0c32d5cb7c0fULL}},
    {{0xa765e85a9ecee931ULL, 0x722830a201be2018ULL, 0x715209ef6512e576ULL, 0x29a6194691f91a73ULL}},
    {{0x84bda12f38e38d84ULL, 0xbda12f684bda12f6ULL, 0xa12f684bda12f684ULL, 0x2f684bda12f684bdULL}},
};
static const struct tss_secp_num H2C_K4[3] = {
    {{0xfffffffefffff93bULL, 0xffffffffffffffffULL, 0xffffffffffffffffULL, 0xffffffffffffffffULL}},
    {{0xdfb425d2685c2573ULL, 0x9467c1bfc8e8d978ULL, 0xd5e9e6632722c298ULL, 0x7a06534bb8bdb49fULL}},
    {{0xa7bf8192bfd2a76fULL, 0x0a3d21162f0d6299ULL, 0xf3a70c3fa8fe337eULL, 0x6484aa716545ca2cULL}},
};

#define P (&tss_secp_mod_p)

mpc_status
tss_secp_expand_xmd(uint8_t *out, size_t len, const uint8_t *msg, size_t msg_len,
                    const uint8_t *dst, size_t dst_len)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(out, 0, len);
    if ((msg == NULL && msg_len > 0) || dst == NULL || dst_len > TSS_SECP_H2C_MAX_DST || len == 0 ||
        len > 255 * 32) {
        return MPC_ERR_INVALID_ARG;
    }
    const size_t ell = (len + 31) / 32;
    const uint8_t zpad[64] = {0};
    const uint8_t lib[3] = {(uint8_t)(len >> 8), (uint8_t)len, 0};
    const uint8_t dlen = (uint8_t)dst_len;
    uint8_t b0[32], bi[32], tmp[32];
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, zpad, sizeof(zpad));
    crypto_hash_sha256_update(&st, msg, msg_len);
    crypto_hash_sha256_update(&st, lib, sizeof(lib));
    crypto_hash_sha256_update(&st, dst, dst_len);
    crypto_hash_sha256_update(&st, &dlen, 1);
    crypto_hash_sha256_final(&st, b0);

    memset(bi, 0, sizeof(bi));
    for (size_t i = 1; i <= ell; i++) {
        for (size_t k = 0; k < 32; k++) {
            tmp[k] = (uint8_t)(b0[k] ^ bi[k]); /* b_1 = H(b0 || 1 || DST'): bi starts at zero */
        }
        const uint8_t ib = (uint8_t)i;
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, tmp, sizeof(tmp));
        crypto_hash_sha256_update(&st, &ib, 1);
        crypto_hash_sha256_update(&st, dst, dst_len);
        crypto_hash_sha256_update(&st, &dlen, 1);
        crypto_hash_sha256_final(&st, bi);
        size_t off = (i - 1) * 32;
        size_t n = len - off < 32 ? len - off : 32;
        memcpy(out + off, bi, n);
    }
    mpc_wipe(b0, sizeof(b0));
    mpc_wipe(bi, sizeof(bi));
    mpc_wipe(tmp, sizeof(tmp));
    mpc_wipe(&st, sizeof(st));
    return MPC_OK;
}

mpc_status
tss_secp_h2c_field(struct tss_secp_num u[2], const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                   size_t dst_len)
{
    if (u == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(u, 0, 2 * sizeof(u[0]));
    uint8_t uniform[96];
    mpc_status st = tss_secp_expand_xmd(uniform, sizeof(uniform), msg, msg_len, dst, dst_len);
    if (st == MPC_OK) {
        st = tss_secp_mod_reduce_bytes(&u[0], uniform, 48, P);
    }
    if (st == MPC_OK) {
        st = tss_secp_mod_reduce_bytes(&u[1], uniform + 48, 48, P);
    }
    mpc_wipe(uniform, sizeof(uniform));
    return st;
}

/* sqrt_ratio for p = 3 mod 4 (RFC 9380 F.2.1.2). Returns is_QR in {0,1}. */
static int
sqrt_ratio(struct tss_secp_num *y, const struct tss_secp_num *u, const struct tss_secp_num *v)
{
    struct tss_secp_num tv1, tv2, tv3, y1, y2;
    tss_secp_mod_mul(&tv1, v, v, P);
    tss_secp_mod_mul(&tv2, u, v, P);
    tss_secp_mod_mul(&tv1, &tv1, &tv2, P);
    tss_secp_mod_pow(&y1, &tv1, H2C_C1, P);
    tss_secp_mod_mul(&y1, &y1, &tv2, P);
    tss_secp_mod_mul(&y2, &y1, &H2C_C2, P);
    tss_secp_mod_mul(&tv3, &y1, &y1, P);
    tss_secp_mod_mul(&tv3, &tv3, v, P);
    int is_qr = tss_secp_num_eq(&tv3, u);
    tss_secp_num_select(y, &y2, &y1, is_qr);
    mpc_wipe(&tv1, sizeof(tv1));
    mpc_wipe(&tv2, sizeof(tv2));
    mpc_wipe(&tv3, sizeof(tv3));
    mpc_wipe(&y1, sizeof(y1));
    mpc_wipe(&y2, sizeof(y2));
    return is_qr;
}

/* Straight-line simplified SWU onto E' (RFC 9380 F.2). */
static void
map_sswu(struct tss_secp_num *x, struct tss_secp_num *y, const struct tss_secp_num *u)
{
    struct tss_secp_num tv1, tv2, tv3, tv4, tv5, tv6, one, ny, y1;
    tss_secp_num_set_u64(&one, 1);
    tss_secp_mod_mul(&tv1, u, u, P);
    tss_secp_mod_mul(&tv1, &H2C_Z, &tv1, P);
    tss_secp_mod_mul(&tv2, &tv1, &tv1, P);
    tss_secp_mod_add(&tv2, &tv2, &tv1, P);
    tss_secp_mod_add(&tv3, &tv2, &one, P);
    tss_secp_mod_mul(&tv3, &H2C_BP, &tv3, P);
    tss_secp_mod_neg(&tv4, &tv2, P);
    tss_secp_num_select(&tv4, &H2C_Z, &tv4, 1 ^ tss_secp_num_is_zero(&tv2));
    tss_secp_mod_mul(&tv4, &H2C_AP, &tv4, P);
    tss_secp_mod_mul(&tv2, &tv3, &tv3, P);
    tss_secp_mod_mul(&tv6, &tv4, &tv4, P);
    tss_secp_mod_mul(&tv5, &H2C_AP, &tv6, P);
    tss_secp_mod_add(&tv2, &tv2, &tv5, P);
    tss_secp_mod_mul(&tv2, &tv2, &tv3, P);
    tss_secp_mod_mul(&tv6, &tv6, &tv4, P);
    tss_secp_mod_mul(&tv5, &H2C_BP, &tv6, P);
    tss_secp_mod_add(&tv2, &tv2, &tv5, P);
    tss_secp_mod_mul(x, &tv1, &tv3, P);
    int is_gx1_square = sqrt_ratio(&y1, &tv2, &tv6);
    tss_secp_mod_mul(y, &tv1, u, P);
    tss_secp_mod_mul(y, y, &y1, P);
    tss_secp_num_select(x, x, &tv3, is_gx1_square);
    tss_secp_num_select(y, y, &y1, is_gx1_square);
    int e1 = 1 ^ (int)((u->v[0] ^ y->v[0]) & 1); /* sgn0(u) == sgn0(y) */
    tss_secp_mod_neg(&ny, y, P);
    tss_secp_num_select(y, &ny, y, e1);
    tss_secp_mod_inv(&tv5, &tv4, P);
    tss_secp_mod_mul(x, x, &tv5, P);
    struct tss_secp_num *wipe[] = {&tv1, &tv2, &tv3, &tv4, &tv5, &tv6, &ny, &y1};
    for (size_t i = 0; i < sizeof(wipe) / sizeof(wipe[0]); i++) {
        mpc_wipe(wipe[i], sizeof(*wipe[i]));
    }
}

/* Horner evaluation of a monic or general polynomial: r = sum c[i] x^i (+ x^deg if monic). */
static void
poly_eval(struct tss_secp_num *r, const struct tss_secp_num *c, int ncoef, int monic,
          const struct tss_secp_num *x)
{
    struct tss_secp_num acc;
    if (monic) {
        tss_secp_num_set_u64(&acc, 1);
    } else {
        acc = c[ncoef - 1];
        ncoef--;
    }
    for (int i = ncoef - 1; i >= 0; i--) {
        tss_secp_mod_mul(&acc, &acc, x, P);
        tss_secp_mod_add(&acc, &acc, &c[i], P);
    }
    *r = acc;
    mpc_wipe(&acc, sizeof(acc));
}

mpc_status
tss_secp_h2c_map(struct tss_secp_ge *q, const struct tss_secp_num *u)
{
    if (q == NULL || u == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(q, 0, sizeof(*q));
    struct tss_secp_num xp, yp, xn, xd, yn, yd, t, inv;
    map_sswu(&xp, &yp, u);
    poly_eval(&xn, H2C_K1, 4, 0, &xp);
    poly_eval(&xd, H2C_K2, 2, 1, &xp);
    poly_eval(&yn, H2C_K3, 4, 0, &xp);
    poly_eval(&yd, H2C_K4, 3, 1, &xp);
    /* One inversion for both denominators: inv = (xd*yd)^-1. */
    tss_secp_mod_mul(&t, &xd, &yd, P);
    int exceptional = tss_secp_num_is_zero(&t);
    tss_secp_mod_inv(&inv, &t, P);
    tss_secp_mod_mul(&t, &inv, &yd, P); /* 1/xd */
    tss_secp_mod_mul(&q->x, &xn, &t, P);
    tss_secp_mod_mul(&t, &inv, &xd, P); /* 1/yd */
    tss_secp_mod_mul(&t, &t, &yn, P);
    tss_secp_mod_mul(&q->y, &yp, &t, P);
    struct tss_secp_num *wipe[] = {&xp, &yp, &xn, &xd, &yn, &yd, &t, &inv};
    for (size_t i = 0; i < sizeof(wipe) / sizeof(wipe[0]); i++) {
        mpc_wipe(wipe[i], sizeof(*wipe[i]));
    }
    TSS_DECLASSIFY(&exceptional, sizeof(exceptional));
    if (exceptional) {
        memset(q, 0, sizeof(*q));
        return MPC_ERR_IDENTITY_POINT;
    }
    return MPC_OK;
}

mpc_status
tss_secp_h2c(struct tss_secp_ge *out, const uint8_t *msg, size_t msg_len, const uint8_t *dst,
             size_t dst_len)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    struct tss_secp_num u[2];
    struct tss_secp_ge q0, q1;
    mpc_status st = tss_secp_h2c_field(u, msg, msg_len, dst, dst_len);
    if (st != MPC_OK) {
        return st;
    }
    /* Evaluate both maps before looking at either status: the work does not depend on them. */
    mpc_status s0 = tss_secp_h2c_map(&q0, &u[0]);
    mpc_status s1 = tss_secp_h2c_map(&q1, &u[1]);
    mpc_status s2 = tss_secp_ge_add_ct(out, &q0, &q1);
    mpc_wipe(u, sizeof(u));
    mpc_wipe(&q0, sizeof(q0));
    mpc_wipe(&q1, sizeof(q1));
    if (s0 != MPC_OK || s1 != MPC_OK || s2 != MPC_OK) {
        memset(out, 0, sizeof(*out));
        return MPC_ERR_IDENTITY_POINT;
    }
    return MPC_OK;
}

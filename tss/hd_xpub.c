/*
 * hd_xpub.c — BIP32 serialization of extended public keys: the 78-byte
 * layout, Base58Check, and HASH160 = RIPEMD160(SHA256(.)) for fingerprints.
 *
 * RIPEMD-160 is written from its specification (Dobbertin, Bosselaers,
 * Preneel, "RIPEMD-160: A Strengthened Version of RIPEMD", 1996): libsodium
 * does not have it and the project links no other hash library. It only
 * hashes public keys here (no secrets), so it need not be constant time.
 */
#include "tss/hd.h"

#include <sodium.h>
#include <string.h>

#define XPUB_VERSION 0x0488B21Eu /* BIP32 mainnet public */

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* ---------------------------------------------------------------- RIPEMD-160 */

static const uint8_t RMD_R[80] = {0, 1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15,
                                  7, 4,  13, 1,  10, 6,  15, 3,  12, 0, 9,  5,  2,  14, 11, 8,
                                  3, 10, 14, 4,  9,  15, 8,  1,  2,  7, 0,  6,  13, 11, 5,  12,
                                  1, 9,  11, 10, 0,  8,  12, 4,  13, 3, 7,  15, 14, 5,  6,  2,
                                  4, 0,  5,  9,  7,  12, 2,  10, 14, 1, 3,  8,  11, 6,  15, 13};
static const uint8_t RMD_RP[80] = {5,  14, 7,  0, 9, 2,  11, 4,  13, 6,  15, 8,  1,  10, 3,  12,
                                   6,  11, 3,  7, 0, 13, 5,  10, 14, 15, 8,  12, 4,  9,  1,  2,
                                   15, 5,  1,  3, 7, 14, 6,  9,  11, 8,  12, 2,  10, 0,  4,  13,
                                   8,  6,  4,  1, 3, 11, 15, 0,  5,  12, 2,  13, 9,  7,  10, 14,
                                   12, 15, 10, 4, 1, 5,  8,  7,  6,  2,  13, 14, 0,  3,  9,  11};
static const uint8_t RMD_S[80] = {11, 14, 15, 12, 5,  8,  7,  9,  11, 13, 14, 15, 6,  7,  9,  8,
                                  7,  6,  8,  13, 11, 9,  7,  15, 7,  12, 15, 9,  11, 7,  13, 12,
                                  11, 13, 6,  7,  14, 9,  13, 15, 14, 8,  13, 6,  5,  12, 7,  5,
                                  11, 12, 14, 15, 14, 15, 9,  8,  9,  14, 5,  6,  8,  6,  5,  12,
                                  9,  15, 5,  11, 6,  8,  13, 12, 5,  12, 13, 14, 11, 8,  5,  6};
static const uint8_t RMD_SP[80] = {8,  9,  9,  11, 13, 15, 15, 5,  7,  7,  8,  11, 14, 14, 12, 6,
                                   9,  13, 15, 7,  12, 8,  9,  11, 7,  7,  12, 7,  6,  15, 13, 11,
                                   9,  7,  15, 11, 8,  6,  6,  14, 12, 13, 5,  14, 13, 13, 7,  5,
                                   15, 5,  8,  11, 14, 14, 6,  14, 6,  9,  12, 9,  12, 5,  15, 8,
                                   8,  5,  12, 9,  12, 5,  14, 6,  8,  13, 6,  5,  15, 13, 11, 11};
static const uint32_t RMD_K[5] = {0x00000000u, 0x5A827999u, 0x6ED9EBA1u, 0x8F1BBCDCu, 0xA953FD4Eu};
static const uint32_t RMD_KP[5] = {0x50A28BE6u, 0x5C4DD124u, 0x6D703EF3u, 0x7A6D76E9u, 0x00000000u};

static uint32_t
rmd_rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

/* The five boolean functions f_0..f_4 (spec: f(j) for j in 16-step groups). */
static uint32_t
rmd_f(unsigned grp, uint32_t x, uint32_t y, uint32_t z)
{
    switch (grp) {
    case 0:
        return x ^ y ^ z;
    case 1:
        return (x & y) | (~x & z);
    case 2:
        return (x | ~y) ^ z;
    case 3:
        return (x & z) | (y & ~z);
    default:
        return x ^ (y | ~z);
    }
}

static void
rmd_block(uint32_t h[5], const uint8_t blk[64])
{
    uint32_t X[16];
    for (int k = 0; k < 16; k++) {
        X[k] = (uint32_t)blk[4 * k] | (uint32_t)blk[4 * k + 1] << 8 |
               (uint32_t)blk[4 * k + 2] << 16 | (uint32_t)blk[4 * k + 3] << 24;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    uint32_t ap = a, bp = b, cp = c, dp = d, ep = e, t;
    for (unsigned j = 0; j < 80; j++) {
        unsigned grp = j / 16;
        t = rmd_rol(a + rmd_f(grp, b, c, d) + X[RMD_R[j]] + RMD_K[grp], RMD_S[j]) + e;
        a = e;
        e = d;
        d = rmd_rol(c, 10);
        c = b;
        b = t;
        t = rmd_rol(ap + rmd_f(4 - grp, bp, cp, dp) + X[RMD_RP[j]] + RMD_KP[grp], RMD_SP[j]) + ep;
        ap = ep;
        ep = dp;
        dp = rmd_rol(cp, 10);
        cp = bp;
        bp = t;
    }
    t = h[1] + c + dp;
    h[1] = h[2] + d + ep;
    h[2] = h[3] + e + ap;
    h[3] = h[4] + a + bp;
    h[4] = h[0] + b + cp;
    h[0] = t;
}

static void
rmd160(uint8_t out[20], const uint8_t *msg, size_t len)
{
    uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    size_t off = 0;
    for (; len - off >= 64; off += 64) {
        rmd_block(h, msg + off);
    }
    uint8_t tail[128] = {0};
    size_t rem = len - off;
    memcpy(tail, msg + off, rem);
    tail[rem] = 0x80;
    size_t tl = rem + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int k = 0; k < 8; k++) {
        tail[tl - 8 + k] = (uint8_t)(bits >> (8 * k));
    }
    for (size_t k = 0; k < tl; k += 64) {
        rmd_block(h, tail + k);
    }
    for (int k = 0; k < 5; k++) {
        for (int m = 0; m < 4; m++) {
            out[4 * k + m] = (uint8_t)(h[k] >> (8 * m));
        }
    }
}

void
tss_hd_hash160(uint8_t out[20], const uint8_t *data, size_t len)
{
    uint8_t sha[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(sha, data, len);
    rmd160(out, sha, sizeof(sha));
}

/* ------------------------------------------------------------ Base58Check */

/* Base58Check of in[len] (len <= TSS_HD_XPUB_BYTES) into out[cap]. */
static mpc_status
b58check_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
    uint8_t buf[TSS_HD_XPUB_BYTES + 4], h[32];
    memcpy(buf, in, len);
    crypto_hash_sha256(h, in, len);
    crypto_hash_sha256(h, h, sizeof(h));
    memcpy(buf + len, h, 4);
    len += 4;
    uint8_t digits[TSS_HD_XPUB_CHARS]; /* base-58 digits, least significant first */
    size_t nd = 0, zeros = 0;
    while (zeros < len && buf[zeros] == 0) {
        zeros++;
    }
    for (size_t k = zeros; k < len; k++) {
        unsigned carry = buf[k];
        for (size_t m = 0; m < nd; m++) {
            carry += (unsigned)digits[m] << 8;
            digits[m] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry > 0) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (zeros + nd + 1 > cap) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    size_t o = 0;
    for (size_t k = 0; k < zeros; k++) {
        out[o++] = '1';
    }
    while (nd > 0) {
        out[o++] = B58[digits[--nd]];
    }
    out[o] = '\0';
    return MPC_OK;
}

/* Decodes Base58Check text to exactly want bytes (checksum checked). */
static mpc_status
b58check_decode(uint8_t *out, size_t want, const char *text)
{
    uint8_t buf[TSS_HD_XPUB_BYTES + 4] = {0}; /* big-endian number, fixed width */
    size_t tl = strlen(text), zeros = 0;
    if (tl == 0 || tl >= TSS_HD_XPUB_CHARS || want + 4 > sizeof(buf)) {
        return MPC_ERR_HD_XPUB;
    }
    size_t width = want + 4;
    while (zeros < tl && text[zeros] == '1') {
        zeros++;
    }
    for (size_t k = 0; k < tl; k++) {
        const char *pos = text[k] != '\0' ? strchr(B58, text[k]) : NULL;
        if (pos == NULL) {
            return MPC_ERR_HD_XPUB;
        }
        unsigned carry = (unsigned)(pos - B58);
        for (size_t m = width; m-- > 0;) {
            carry += (unsigned)buf[m] * 58;
            buf[m] = (uint8_t)carry;
            carry >>= 8;
        }
        if (carry != 0) {
            return MPC_ERR_HD_XPUB; /* longer than want + 4 bytes */
        }
    }
    size_t lead = 0;
    while (lead < width && buf[lead] == 0) {
        lead++;
    }
    if (lead != zeros) {
        return MPC_ERR_HD_XPUB; /* leading '1's must match leading zero bytes */
    }
    uint8_t h[32];
    crypto_hash_sha256(h, buf, want);
    crypto_hash_sha256(h, h, sizeof(h));
    if (memcmp(h, buf + want, 4) != 0) {
        return MPC_ERR_HD_XPUB;
    }
    memcpy(out, buf, want);
    return MPC_OK;
}

/* ---------------------------------------------------------------- xpub */

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

mpc_status
tss_hd_xpub_encode(char *out, size_t cap, const tss_hd_xkey *key)
{
    if (out != NULL && cap > 0) {
        out[0] = '\0';
    }
    if (out == NULL || cap == 0 || key == NULL || key->curve != TSS_CURVE_SECP256K1) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t ser[TSS_HD_XPUB_BYTES];
    put32(ser, XPUB_VERSION);
    ser[4] = key->depth;
    memcpy(ser + 5, key->parent_fpr, 4);
    put32(ser + 9, key->child_num);
    memcpy(ser + 13, key->chain, TSS_HD_CHAIN_BYTES);
    memcpy(ser + 45, key->key, 33);
    return b58check_encode(out, cap, ser, sizeof(ser));
}

mpc_status
tss_hd_xpub_decode(tss_hd_xkey *out, const char *text)
{
    if (out != NULL) {
        memset(out, 0, sizeof(*out));
    }
    if (out == NULL || text == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t ser[TSS_HD_XPUB_BYTES];
    if (b58check_decode(ser, sizeof(ser), text) != MPC_OK || get32(ser) != XPUB_VERSION) {
        return MPC_ERR_HD_XPUB;
    }
    static const uint8_t zero4[4] = {0};
    if (ser[4] == 0 && (memcmp(ser + 5, zero4, 4) != 0 || get32(ser + 9) != 0)) {
        return MPC_ERR_HD_XPUB; /* a root has no parent and no index */
    }
    const tss_group *g = tss_group_secp256k1();
    tss_point pt;
    if (g->point_decode(&pt, ser + 45) != MPC_OK) {
        return MPC_ERR_HD_XPUB;
    }
    out->curve = TSS_CURVE_SECP256K1;
    out->depth = ser[4];
    memcpy(out->parent_fpr, ser + 5, 4);
    out->child_num = get32(ser + 9);
    memcpy(out->chain, ser + 13, TSS_HD_CHAIN_BYTES);
    memcpy(out->key, ser + 45, 33);
    return MPC_OK;
}

/*
 * frost_suite.c — the FROST ciphersuite tables (frost.h tss_frost_suite):
 * FROST(Ed25519, SHA-512) and FROST(secp256k1, SHA-256) of RFC 9591 §6.1 and
 * §6.5, and the BIP340 variant of the latter (docs/specs/frost-taproot.md).
 */
#include "tss/frost.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/secp256k1.h"
#include "tss/secp_h2c.h"

#define SUITE_DST_MAX 64 /* longest contextString || tag */
#define SECP_H2F_LEN  48 /* RFC 9380 hash_to_field L for secp256k1 */

/* DST = contextString || tag. Returns its length, 0 if it does not fit. */
static size_t
suite_dst(const tss_frost_suite *cs, uint8_t dst[SUITE_DST_MAX], const char *tag)
{
    size_t cl = strlen(cs->context), tl = strlen(tag);
    if (cl + tl > SUITE_DST_MAX) {
        return 0;
    }
    memcpy(dst, cs->context, cl);
    memcpy(dst + cl, tag, tl);
    return cl + tl;
}

/* ---------------------------------------------------------------- Ed25519 */

/* H1 / H3: SHA-512(ctx || tag || m) mod L (the group's hash hook). */
static mpc_status
ed_h_scalar(const tss_frost_suite *cs, tss_scalar *out, const char *tag, const tss_bytes *parts,
            size_t n)
{
    uint8_t dst[SUITE_DST_MAX];
    size_t len = suite_dst(cs, dst, tag);
    return len == 0 ? MPC_ERR_CRYPTO : cs->group()->hash_to_scalar(out, dst, len, parts, n);
}

/* H4 / H5: SHA-512(ctx || tag || m). */
static mpc_status
ed_h_bytes(const tss_frost_suite *cs, uint8_t *out, const char *tag, const uint8_t *m, size_t len)
{
    crypto_hash_sha512_state st;
    if (crypto_hash_sha512_init(&st) != 0 ||
        crypto_hash_sha512_update(&st, (const uint8_t *)cs->context, strlen(cs->context)) != 0 ||
        crypto_hash_sha512_update(&st, (const uint8_t *)tag, strlen(tag)) != 0 ||
        (len > 0 && crypto_hash_sha512_update(&st, m, len) != 0) ||
        crypto_hash_sha512_final(&st, out) != 0) {
        return MPC_ERR_CRYPTO;
    }
    return MPC_OK;
}

/* H2(R || PK || msg): the RFC 8032 challenge, no context string. */
static mpc_status
ed_challenge(const tss_frost_suite *cs, tss_scalar *c, const tss_point *R, const tss_point *key,
             const uint8_t *msg, size_t msg_len)
{
    const tss_group *g = cs->group();
    uint8_t r[TSS_POINT_MAX_BYTES], pk[TSS_POINT_MAX_BYTES];
    g->point_encode(r, R);
    g->point_encode(pk, key);
    tss_bytes parts[3] = {{r, g->point_len}, {pk, g->point_len}, {msg, msg_len}};
    return g->hash_to_scalar(c, NULL, 0, parts, 3);
}

static mpc_status
ed_verify(const uint8_t *sig, const tss_point *key, const uint8_t *msg, size_t msg_len)
{
    uint8_t pk[TSS_POINT_MAX_BYTES];
    tss_group_ed25519()->point_encode(pk, key);
    return crypto_sign_verify_detached(sig, msg, msg_len, pk) == 0 ? MPC_OK : MPC_ERR_VERIFY_FAILED;
}

const tss_frost_suite tss_frost_ed25519 = {
    .name = "FROST(Ed25519, SHA-512)",
    .context = TSS_FROST_CONTEXT,
    .group = tss_group_ed25519,
    .hash_len = 64,
    .sig_len = 64,
    .bip340 = 0,
    .h_scalar = ed_h_scalar,
    .h_bytes = ed_h_bytes,
    .challenge = ed_challenge,
    .verify = ed_verify,
};

/* ---------------------------------------------------------------- secp256k1 */

/*
 * H1 / H3 (and H2 of the plain suite): hash_to_field(m, 1) of RFC 9380 §5.2,
 * expand_message_xmd(SHA-256) with DST = ctx || tag, L = 48, reduced mod q.
 */
static mpc_status
secp_h_scalar(const tss_frost_suite *cs, tss_scalar *out, const char *tag, const tss_bytes *parts,
              size_t n)
{
    uint8_t dst[SUITE_DST_MAX], wide[SECP_H2F_LEN];
    size_t dst_len = suite_dst(cs, dst, tag), len = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        len += parts[i].len;
    }
    uint8_t *m = mpc_secure_alloc(len ? len : 1); /* may hold a secret share (H3) */
    if (m == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (size_t i = 0, off = 0; i < n; off += parts[i].len, i++) {
        if (parts[i].len > 0) {
            memcpy(m + off, parts[i].p, parts[i].len);
        }
    }
    struct tss_secp_num v;
    mpc_status st = dst_len == 0 ? MPC_ERR_CRYPTO
                                 : tss_secp_expand_xmd(wide, sizeof wide, m, len, dst, dst_len);
    if (st == MPC_OK) {
        st = tss_secp_mod_reduce_bytes(&v, wide, sizeof wide, &tss_secp_mod_q);
    }
    if (st == MPC_OK) {
        tss_secp_num_to_bytes(out->v, &v);
    }
    mpc_secure_free(m);
    mpc_wipe(wide, sizeof wide);
    mpc_wipe(&v, sizeof v);
    return st == MPC_OK ? MPC_OK : MPC_ERR_CRYPTO;
}

/* H4 / H5: SHA-256(ctx || tag || m). */
static mpc_status
secp_h_bytes(const tss_frost_suite *cs, uint8_t *out, const char *tag, const uint8_t *m, size_t len)
{
    crypto_hash_sha256_state st;
    if (crypto_hash_sha256_init(&st) != 0 ||
        crypto_hash_sha256_update(&st, (const uint8_t *)cs->context, strlen(cs->context)) != 0 ||
        crypto_hash_sha256_update(&st, (const uint8_t *)tag, strlen(tag)) != 0 ||
        (len > 0 && crypto_hash_sha256_update(&st, m, len) != 0) ||
        crypto_hash_sha256_final(&st, out) != 0) {
        return MPC_ERR_CRYPTO;
    }
    return MPC_OK;
}

/* H2(R || PK || msg) = hash_to_field with DST ctx || "chal". */
static mpc_status
secp_challenge(const tss_frost_suite *cs, tss_scalar *c, const tss_point *R, const tss_point *key,
               const uint8_t *msg, size_t msg_len)
{
    const tss_group *g = cs->group();
    uint8_t r[TSS_POINT_MAX_BYTES], pk[TSS_POINT_MAX_BYTES];
    g->point_encode(r, R);
    g->point_encode(pk, key);
    tss_bytes parts[3] = {{r, g->point_len}, {pk, g->point_len}, {msg, msg_len}};
    return secp_h_scalar(cs, c, "chal", parts, 3);
}

/* RFC 9591 §6.5 verification, z*G == R + c*PK, on the group (prime order: no cofactor). */
static mpc_status
secp_verify(const uint8_t *sig, const tss_point *key, const uint8_t *msg, size_t msg_len)
{
    const tss_group *g = tss_group_secp256k1();
    tss_point R, lhs, rhs;
    tss_scalar z, c;
    if (g->point_decode(&R, sig) != MPC_OK || g->scalar_decode(&z, sig + g->point_len) != MPC_OK ||
        secp_challenge(&tss_frost_secp256k1, &c, &R, key, msg, msg_len) != MPC_OK ||
        g->point_mul_base(&lhs, &z) != MPC_OK || g->point_mul(&rhs, &c, key) != MPC_OK ||
        g->point_add(&rhs, &rhs, &R) != MPC_OK || !g->point_eq(&lhs, &rhs)) {
        return MPC_ERR_VERIFY_FAILED;
    }
    return MPC_OK;
}

const tss_frost_suite tss_frost_secp256k1 = {
    .name = "FROST(secp256k1, SHA-256)",
    .context = "FROST-secp256k1-SHA256-v1",
    .group = tss_group_secp256k1,
    .hash_len = 32,
    .sig_len = 65,
    .bip340 = 0,
    .h_scalar = secp_h_scalar,
    .h_bytes = secp_h_bytes,
    .challenge = secp_challenge,
    .verify = secp_verify,
};

/* ---------------------------------------------------------------- BIP340 */

mpc_status
tss_frost_tagged_hash(uint8_t out[32], const char *tag, const tss_bytes *parts, size_t n)
{
    uint8_t th[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    if (out == NULL || tag == NULL || (parts == NULL && n > 0) ||
        crypto_hash_sha256(th, (const uint8_t *)tag, strlen(tag)) != 0 ||
        crypto_hash_sha256_init(&st) != 0 || crypto_hash_sha256_update(&st, th, sizeof th) != 0 ||
        crypto_hash_sha256_update(&st, th, sizeof th) != 0) {
        return MPC_ERR_CRYPTO;
    }
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len > 0 && crypto_hash_sha256_update(&st, parts[i].p, parts[i].len) != 0) {
            return MPC_ERR_CRYPTO;
        }
    }
    return crypto_hash_sha256_final(&st, out) == 0 ? MPC_OK : MPC_ERR_CRYPTO;
}

mpc_status
tss_frost_xonly(const tss_group *g, uint8_t x[TSS_FROST_XONLY_BYTES], int *odd, const tss_point *p)
{
    uint8_t enc[TSS_POINT_MAX_BYTES];
    if (x != NULL) {
        memset(x, 0, TSS_FROST_XONLY_BYTES);
    }
    if (g == NULL || x == NULL || odd == NULL || p == NULL || g->id != TSS_CURVE_SECP256K1) {
        return MPC_ERR_INVALID_ARG;
    }
    g->point_encode(enc, p);
    if (enc[0] != 0x02 && enc[0] != 0x03) { /* an unset point encodes as zeros */
        return MPC_ERR_INVALID_ARG;
    }
    memcpy(x, enc + 1, TSS_FROST_XONLY_BYTES);
    *odd = enc[0] == 0x03;
    return MPC_OK;
}

/* c = int(hash_BIP0340/challenge(x(R) || x(Q) || m)) mod q (BIP340 "Verification"). */
static mpc_status
tr_challenge(const tss_frost_suite *cs, tss_scalar *c, const tss_point *R, const tss_point *key,
             const uint8_t *msg, size_t msg_len)
{
    const tss_group *g = cs->group();
    uint8_t rx[32], qx[32], h[32];
    int odd = 0;
    struct tss_secp_num v;
    memset(c, 0, sizeof *c);
    mpc_status st = tss_frost_xonly(g, rx, &odd, R);
    if (st == MPC_OK) {
        st = tss_frost_xonly(g, qx, &odd, key);
    }
    tss_bytes parts[3] = {{rx, 32}, {qx, 32}, {msg, msg_len}};
    if (st == MPC_OK) {
        st = tss_frost_tagged_hash(h, "BIP0340/challenge", parts, 3);
    }
    if (st == MPC_OK) {
        st = tss_secp_mod_reduce_bytes(&v, h, sizeof h, &tss_secp_mod_q);
    }
    if (st == MPC_OK) {
        tss_secp_num_to_bytes(c->v, &v);
    }
    return st == MPC_OK ? MPC_OK : MPC_ERR_CRYPTO;
}

/* secp256k1_schnorrsig_verify under x(key): libsecp256k1, not our code. */
static mpc_status
tr_verify(const uint8_t *sig, const tss_point *key, const uint8_t *msg, size_t msg_len)
{
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    uint8_t x[32];
    int odd = 0;
    if (ctx == NULL || tss_frost_xonly(tss_group_secp256k1(), x, &odd, key) != MPC_OK) {
        return MPC_ERR_VERIFY_FAILED;
    }
    return tss_secp_schnorr_verify(ctx, sig, msg, msg_len, x);
}

const tss_frost_suite tss_frost_secp256k1_tr = {
    .name = "FROST(secp256k1, SHA-256) BIP340",
    .context = "FROST-secp256k1-SHA256-TR-v1",
    .group = tss_group_secp256k1,
    .hash_len = 32,
    .sig_len = 64,
    .bip340 = 1,
    .h_scalar = secp_h_scalar,
    .h_bytes = secp_h_bytes,
    .challenge = tr_challenge,
    .verify = tr_verify,
};

/*
 * hd.c — derivation paths and public child derivation (BIP32 CKDpub on
 * secp256k1, docs/specs/hd-derivation.md on Ed25519). The serialized form of
 * extended keys (xpub, Base58Check, HASH160) is in hd_xpub.c.
 */
#include "tss/hd.h"

#include <sodium.h>
#include <string.h>

#include "common/secmem.h"

/* Domain of the Ed25519 scheme (docs/specs/hd-derivation.md §2). */
static const char HD_ED_DOMAIN[] = "MPC-HD-Ed25519-v1";
#define HD_ED_TAG_TWEAK 0x00 /* HMAC input tag: the tweak */
#define HD_ED_TAG_CHAIN 0x01 /* HMAC input tag: the child chain code */

/* Parses one decimal index at *pp (no leading zeros); advances *pp. */
static mpc_status
path_index(const char **pp, uint32_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (digits > 0 && v == 0) {
            return MPC_ERR_HD_PATH; /* leading zero */
        }
        v = v * 10 + (uint64_t)(*p - '0');
        if (++digits > 10 || v > UINT32_MAX) {
            return MPC_ERR_HD_PATH;
        }
        p++;
    }
    if (digits == 0) {
        return MPC_ERR_HD_PATH;
    }
    if (*p == '\'' || *p == 'h' || *p == 'H' || v >= TSS_HD_HARDENED) {
        return MPC_ERR_HD_HARDENED;
    }
    *out = (uint32_t)v;
    *pp = p;
    return MPC_OK;
}

mpc_status
tss_hd_path_parse(tss_hd_path *out, const char *text)
{
    if (out != NULL) {
        memset(out, 0, sizeof(*out));
    }
    if (out == NULL || text == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (text[0] != 'm') {
        return MPC_ERR_HD_PATH;
    }
    const char *p = text + 1;
    tss_hd_path path = {0};
    while (*p == '/') {
        p++;
        if (path.depth == TSS_HD_MAX_DEPTH) {
            return MPC_ERR_HD_PATH;
        }
        mpc_status st = path_index(&p, &path.idx[path.depth]);
        if (st != MPC_OK) {
            return st;
        }
        path.depth++;
    }
    if (*p != '\0') {
        return MPC_ERR_HD_PATH;
    }
    *out = path;
    return MPC_OK;
}

mpc_status
tss_hd_path_format(char *out, size_t cap, const tss_hd_path *path)
{
    if (out == NULL || path == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    if (path->depth > TSS_HD_MAX_DEPTH) {
        return MPC_ERR_HD_PATH;
    }
    char buf[TSS_HD_PATH_CHARS];
    size_t len = 1;
    buf[0] = 'm';
    for (uint32_t k = 0; k < path->depth; k++) {
        if (path->idx[k] >= TSS_HD_HARDENED) {
            return MPC_ERR_HD_PATH;
        }
        char num[12];
        size_t n = 0;
        uint32_t v = path->idx[k];
        do {
            num[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        buf[len++] = '/';
        while (n > 0) {
            buf[len++] = num[--n];
        }
    }
    if (len + 1 > cap) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(out, buf, len);
    out[len] = '\0';
    return MPC_OK;
}

mpc_status
tss_hd_root(tss_hd_xkey *out, tss_curve_id curve, const uint8_t *pub, size_t pub_len,
            const uint8_t chain[TSS_HD_CHAIN_BYTES])
{
    if (out != NULL) {
        memset(out, 0, sizeof(*out));
    }
    const tss_group *g = tss_group_by_id((uint32_t)curve);
    if (out == NULL || pub == NULL || chain == NULL || g == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_point pt;
    if (pub_len != g->point_len || g->point_decode(&pt, pub) != MPC_OK) {
        return MPC_ERR_BAD_POINT;
    }
    out->curve = curve;
    memcpy(out->chain, chain, TSS_HD_CHAIN_BYTES);
    g->point_encode(out->key, &pt);
    return MPC_OK;
}

static void
hd_ser32(uint8_t out[4], uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

/* secp256k1 (BIP32 CKDpub): I = HMAC-SHA512(c, SER_P(K) || ser32(i)). */
static mpc_status
hd_step_secp(const tss_group *g, tss_scalar *t, uint8_t chain_out[TSS_HD_CHAIN_BYTES],
             const tss_hd_xkey *parent, uint32_t index)
{
    uint8_t I[64], ser[4];
    crypto_auth_hmacsha512_state h;
    hd_ser32(ser, index);
    crypto_auth_hmacsha512_init(&h, parent->chain, TSS_HD_CHAIN_BYTES);
    crypto_auth_hmacsha512_update(&h, parent->key, g->point_len);
    crypto_auth_hmacsha512_update(&h, ser, sizeof(ser));
    crypto_auth_hmacsha512_final(&h, I);
    mpc_status st = g->scalar_decode(t, I) == MPC_OK ? MPC_OK : MPC_ERR_HD_INVALID_CHILD;
    memcpy(chain_out, I + 32, TSS_HD_CHAIN_BYTES);
    sodium_memzero(I, sizeof(I));
    sodium_memzero(&h, sizeof(h));
    return st;
}

/* One HMAC of the Ed25519 scheme: HMAC-SHA512(c, domain || tag || A || ser32(i)). */
static void
hd_ed_hmac(uint8_t out[64], const tss_hd_xkey *parent, uint8_t tag, uint32_t index)
{
    uint8_t ser[4];
    crypto_auth_hmacsha512_state h;
    hd_ser32(ser, index);
    crypto_auth_hmacsha512_init(&h, parent->chain, TSS_HD_CHAIN_BYTES);
    crypto_auth_hmacsha512_update(&h, (const uint8_t *)HD_ED_DOMAIN, sizeof(HD_ED_DOMAIN) - 1);
    crypto_auth_hmacsha512_update(&h, &tag, 1);
    crypto_auth_hmacsha512_update(&h, parent->key, 32);
    crypto_auth_hmacsha512_update(&h, ser, sizeof(ser));
    crypto_auth_hmacsha512_final(&h, out);
    sodium_memzero(&h, sizeof(h));
}

/* Ed25519 (docs/specs/hd-derivation.md §2): t = I_t mod L, c' = I_c[0..32). */
static mpc_status
hd_step_ed(const tss_group *g, tss_scalar *t, uint8_t chain_out[TSS_HD_CHAIN_BYTES],
           const tss_hd_xkey *parent, uint32_t index)
{
    uint8_t I[64], red[32];
    hd_ed_hmac(I, parent, HD_ED_TAG_TWEAK, index);
    crypto_core_ed25519_scalar_reduce(red, I);
    mpc_status st = g->scalar_decode(t, red) == MPC_OK ? MPC_OK : MPC_ERR_CRYPTO;
    hd_ed_hmac(I, parent, HD_ED_TAG_CHAIN, index);
    memcpy(chain_out, I, TSS_HD_CHAIN_BYTES);
    sodium_memzero(I, sizeof(I));
    sodium_memzero(red, sizeof(red));
    return st;
}

mpc_status
tss_hd_child(tss_hd_xkey *child, uint8_t tweak[TSS_SCALAR_BYTES], const tss_hd_xkey *parent,
             uint32_t index)
{
    if (child == NULL || child == parent) {
        return MPC_ERR_INVALID_ARG; /* checked before clearing: an alias would wipe the parent */
    }
    memset(child, 0, sizeof(*child));
    if (tweak != NULL) {
        memset(tweak, 0, TSS_SCALAR_BYTES);
    }
    const tss_group *g = parent != NULL ? tss_group_by_id((uint32_t)parent->curve) : NULL;
    if (g == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (index >= TSS_HD_HARDENED) {
        return MPC_ERR_HD_HARDENED;
    }
    if (parent->depth == UINT8_MAX) {
        return MPC_ERR_HD_PATH;
    }
    tss_point K, T, C;
    tss_scalar t;
    uint8_t chain[TSS_HD_CHAIN_BYTES];
    if (g->point_decode(&K, parent->key) != MPC_OK) {
        return MPC_ERR_BAD_POINT;
    }
    mpc_status st = g->id == TSS_CURVE_SECP256K1 ? hd_step_secp(g, &t, chain, parent, index)
                                                 : hd_step_ed(g, &t, chain, parent, index);
    if (st == MPC_OK && g->scalar_is_zero(&t)) {
        st = MPC_ERR_HD_INVALID_CHILD;
    }
    if (st == MPC_OK &&
        (g->point_mul_base(&T, &t) != MPC_OK || g->point_add(&C, &K, &T) != MPC_OK)) {
        st = MPC_ERR_HD_INVALID_CHILD; /* child = identity */
    }
    if (st == MPC_OK) {
        uint8_t id[20];
        tss_hd_hash160(id, parent->key, g->point_len);
        child->curve = parent->curve;
        child->depth = (uint8_t)(parent->depth + 1);
        memcpy(child->parent_fpr, id, 4);
        child->child_num = index;
        memcpy(child->chain, chain, TSS_HD_CHAIN_BYTES);
        g->point_encode(child->key, &C);
        if (tweak != NULL) {
            g->scalar_encode(tweak, &t);
        }
    }
    sodium_memzero(&t, sizeof(t));
    sodium_memzero(chain, sizeof(chain));
    return st;
}

mpc_status
tss_hd_derive(tss_hd_xkey *out, uint8_t tweak[TSS_SCALAR_BYTES], const tss_hd_xkey *root,
              const tss_hd_path *path)
{
    if (out == NULL || out == root) {
        return MPC_ERR_INVALID_ARG; /* checked before clearing: an alias would wipe the root */
    }
    memset(out, 0, sizeof(*out));
    if (tweak != NULL) {
        memset(tweak, 0, TSS_SCALAR_BYTES);
    }
    const tss_group *g = root != NULL ? tss_group_by_id((uint32_t)root->curve) : NULL;
    if (g == NULL || path == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (path->depth > TSS_HD_MAX_DEPTH || (uint32_t)root->depth + path->depth > UINT8_MAX) {
        return MPC_ERR_HD_PATH;
    }
    tss_hd_xkey cur = *root, next;
    tss_scalar sum, step;
    uint8_t tw[TSS_SCALAR_BYTES];
    int have_sum = 0;
    mpc_status st = MPC_OK;
    for (uint32_t k = 0; k < path->depth && st == MPC_OK; k++) {
        st = tss_hd_child(&next, tw, &cur, path->idx[k]);
        if (st == MPC_OK && g->scalar_decode(&step, tw) != MPC_OK) {
            st = MPC_ERR_INTERNAL;
        }
        if (st == MPC_OK) {
            if (have_sum) {
                g->scalar_add(&sum, &sum, &step);
            } else {
                sum = step;
                have_sum = 1;
            }
            cur = next;
        }
    }
    if (st == MPC_OK) {
        *out = cur;
        if (tweak != NULL && have_sum) {
            g->scalar_encode(tweak, &sum);
        }
    }
    sodium_memzero(&sum, sizeof(sum));
    sodium_memzero(&step, sizeof(step));
    sodium_memzero(tw, sizeof(tw));
    return st;
}

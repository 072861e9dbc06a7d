/*
 * dkls_hash.c — frame, H32, H2S, PRG and session ids (DKLs23 spec §1.4, §4.1).
 */
#include "tss/dkls_hash.h"

#include <assert.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/sha512x4.h"

static void
put_u16(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void
put_u32(uint8_t *b, uint64_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

mpc_status
tss_dkls_frame(uint8_t *out, size_t cap, size_t *out_len, const uint8_t *tag, size_t tag_len,
               const struct tss_dkls_part *parts, size_t n)
{
    if (out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out_len = 0;
    if (out == NULL || (tag == NULL && tag_len > 0) || (parts == NULL && n > 0) ||
        tag_len > 0xffff || n > 0xffff) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t need = 2 + tag_len + 2;
    for (size_t i = 0; i < n; i++) {
        if ((parts[i].p == NULL && parts[i].len > 0) || parts[i].len > 0xffffffffu) {
            return MPC_ERR_INVALID_ARG;
        }
        need += 4 + parts[i].len;
    }
    if (need > cap) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    size_t o = 0;
    put_u16(out + o, (uint32_t)tag_len);
    o += 2;
    if (tag_len > 0) {
        memcpy(out + o, tag, tag_len);
    }
    o += tag_len;
    put_u16(out + o, (uint32_t)n);
    o += 2;
    for (size_t i = 0; i < n; i++) {
        put_u32(out + o, parts[i].len);
        o += 4;
        if (parts[i].len > 0) {
            memcpy(out + o, parts[i].p, parts[i].len);
        }
        o += parts[i].len;
    }
    *out_len = o;
    return MPC_OK;
}

static void
hasher_absorb(struct tss_dkls_hasher *h, const void *p, size_t len)
{
    if (len == 0) {
        return;
    }
    if (h->kind == TSS_DKLS_H32) {
        tss_sha256_update(&h->st.s256, p, len);
    } else {
        crypto_hash_sha512_update(&h->st.s512, p, len);
    }
}

void
tss_dkls_hasher_init_raw(struct tss_dkls_hasher *h, enum tss_dkls_hash_kind kind,
                         const uint8_t *tag, size_t tag_len, uint16_t nparts)
{
    assert(h != NULL && (kind == TSS_DKLS_H32 || kind == TSS_DKLS_H2S) && tag_len <= 0xffff);
    memset(h, 0, sizeof(*h));
    h->kind = kind;
    if (kind == TSS_DKLS_H32) {
        tss_sha256_init(&h->st.s256);
    } else {
        crypto_hash_sha512_init(&h->st.s512);
    }
    uint8_t b[2];
    put_u16(b, (uint32_t)tag_len);
    hasher_absorb(h, b, 2);
    hasher_absorb(h, tag, tag_len);
    put_u16(b, nparts);
    hasher_absorb(h, b, 2);
    h->parts_left = nparts;
    h->bytes_left = 0;
}

void
tss_dkls_hasher_init(struct tss_dkls_hasher *h, enum tss_dkls_hash_kind kind, const char *suffix,
                     uint16_t nparts)
{
    uint8_t tag[128];
    size_t plen = sizeof(TSS_DKLS_TAG_PREFIX) - 1;
    size_t slen = strlen(suffix);
    assert(plen + slen <= sizeof(tag));
    memcpy(tag, TSS_DKLS_TAG_PREFIX, plen);
    memcpy(tag + plen, suffix, slen);
    tss_dkls_hasher_init_raw(h, kind, tag, plen + slen, nparts);
}

void
tss_dkls_hasher_part_begin(struct tss_dkls_hasher *h, size_t total)
{
    assert(h->parts_left > 0 && h->bytes_left == 0 && total <= 0xffffffffu);
    uint8_t b[4];
    put_u32(b, total);
    hasher_absorb(h, b, 4);
    h->parts_left--;
    h->bytes_left = total;
}

void
tss_dkls_hasher_update(struct tss_dkls_hasher *h, const void *p, size_t len)
{
    assert(len <= h->bytes_left);
    hasher_absorb(h, p, len);
    h->bytes_left -= len;
}

void
tss_dkls_hasher_part(struct tss_dkls_hasher *h, const void *p, size_t len)
{
    tss_dkls_hasher_part_begin(h, len);
    tss_dkls_hasher_update(h, p, len);
}

void
tss_dkls_hasher_final32(struct tss_dkls_hasher *h, uint8_t out[TSS_DKLS_HASH_BYTES])
{
    assert(h->kind == TSS_DKLS_H32 && h->parts_left == 0 && h->bytes_left == 0);
    tss_sha256_final(&h->st.s256, out);
    mpc_wipe(h, sizeof(*h));
}

void
tss_dkls_hasher_final_scalar(struct tss_dkls_hasher *h, struct tss_secp_num *out)
{
    assert(h->kind == TSS_DKLS_H2S && h->parts_left == 0 && h->bytes_left == 0);
    uint8_t d[64];
    crypto_hash_sha512_final(&h->st.s512, d);
    mpc_status st = tss_secp_mod_reduce_bytes(out, d, sizeof(d), &tss_secp_mod_q);
    assert(st == MPC_OK);
    (void)st;
    mpc_wipe(d, sizeof(d));
    mpc_wipe(h, sizeof(*h));
}

void
tss_dkls_h32(uint8_t out[TSS_DKLS_HASH_BYTES], const char *suffix,
             const struct tss_dkls_part *parts, size_t n)
{
    struct tss_dkls_hasher h;
    assert(n <= 0xffff);
    tss_dkls_hasher_init(&h, TSS_DKLS_H32, suffix, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        tss_dkls_hasher_part(&h, parts[i].p, parts[i].len);
    }
    tss_dkls_hasher_final32(&h, out);
}

void
tss_dkls_h2s(struct tss_secp_num *out, const char *suffix, const struct tss_dkls_part *parts,
             size_t n)
{
    struct tss_dkls_hasher h;
    assert(n <= 0xffff);
    tss_dkls_hasher_init(&h, TSS_DKLS_H2S, suffix, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        tss_dkls_hasher_part(&h, parts[i].p, parts[i].len);
    }
    tss_dkls_hasher_final_scalar(&h, out);
}

mpc_status
tss_dkls_frame_tagged(uint8_t *out, size_t cap, size_t *out_len, const char *suffix,
                      const struct tss_dkls_part *parts, size_t n)
{
    uint8_t tag[128];
    size_t plen = sizeof(TSS_DKLS_TAG_PREFIX) - 1;
    size_t slen = suffix != NULL ? strlen(suffix) : 0;
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (suffix == NULL || plen + slen > sizeof(tag)) {
        return MPC_ERR_INVALID_ARG;
    }
    memcpy(tag, TSS_DKLS_TAG_PREFIX, plen);
    memcpy(tag + plen, suffix, slen);
    return tss_dkls_frame(out, cap, out_len, tag, plen + slen, parts, n);
}

void
tss_dkls_h2s_frames(struct tss_secp_num *out, const uint8_t *frames, size_t len, size_t n)
{
    uint8_t d[4][TSS_SHA512_BYTES];
    for (size_t i = 0; i < n; i += 4) {
        const uint8_t *m[4];
        for (size_t l = 0; l < 4; l++) { /* a short last group repeats its last frame */
            m[l] = frames + (i + l < n ? i + l : n - 1) * len;
        }
        tss_sha512_x4(d, m, len);
        for (size_t l = 0; l < 4 && i + l < n; l++) {
            mpc_status st =
                tss_secp_mod_reduce_bytes(&out[i + l], d[l], sizeof(d[l]), &tss_secp_mod_q);
            assert(st == MPC_OK);
            (void)st;
        }
    }
    mpc_wipe(d, sizeof(d));
}

void
tss_dkls_prg(uint8_t *out, size_t n, const uint8_t key[TSS_DKLS_HASH_BYTES])
{
    static const uint8_t nonce[crypto_stream_chacha20_IETF_NONCEBYTES] = {0};
    if (n == 0) {
        return;
    }
    (void)crypto_stream_chacha20_ietf(out, n, nonce, key);
}

void
tss_dkls_id_encode(uint8_t out[TSS_SECP_SCALAR_BYTES], uint32_t index)
{
    memset(out, 0, TSS_SECP_SCALAR_BYTES);
    out[28] = (uint8_t)(index >> 24);
    out[29] = (uint8_t)(index >> 16);
    out[30] = (uint8_t)(index >> 8);
    out[31] = (uint8_t)index;
}

void
tss_dkls_setup_id(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t ctx[TSS_DKLS_HASH_BYTES],
                  const uint8_t id_a[TSS_SECP_SCALAR_BYTES],
                  const uint8_t id_b[TSS_SECP_SCALAR_BYTES])
{
    const struct tss_dkls_part parts[] = {
        {ctx, TSS_DKLS_HASH_BYTES}, {id_a, TSS_SECP_SCALAR_BYTES}, {id_b, TSS_SECP_SCALAR_BYTES}};
    tss_dkls_h32(out, "ot/setup-id", parts, 3);
}

void
tss_dkls_ote_sid(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t sign_ctx[TSS_DKLS_HASH_BYTES],
                 const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                 const uint8_t id_a[TSS_SECP_SCALAR_BYTES],
                 const uint8_t id_b[TSS_SECP_SCALAR_BYTES], const uint8_t nu_b[TSS_DKLS_HASH_BYTES])
{
    const struct tss_dkls_part parts[] = {
        {sign_ctx, TSS_DKLS_HASH_BYTES}, {setup_id, TSS_DKLS_HASH_BYTES},
        {id_a, TSS_SECP_SCALAR_BYTES},   {id_b, TSS_SECP_SCALAR_BYTES},
        {nu_b, TSS_DKLS_HASH_BYTES},
    };
    tss_dkls_h32(out, "sign/ote-sid", parts, 5);
}

void
tss_dkls_mul_sid(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                 const uint8_t nu_a[TSS_DKLS_HASH_BYTES])
{
    const struct tss_dkls_part parts[] = {{ote_sid, TSS_DKLS_HASH_BYTES},
                                          {nu_a, TSS_DKLS_HASH_BYTES}};
    tss_dkls_h32(out, "sign/mul-sid", parts, 2);
}

void
tss_dkls_zero_seed(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t ctx[TSS_DKLS_HASH_BYTES],
                   uint32_t id_a, const uint8_t c_a[TSS_DKLS_HASH_BYTES], uint32_t id_b,
                   const uint8_t c_b[TSS_DKLS_HASH_BYTES])
{
    uint8_t lo[TSS_SECP_SCALAR_BYTES], hi[TSS_SECP_SCALAR_BYTES];
    int a_low = id_a < id_b; /* ids are public */
    tss_dkls_id_encode(lo, a_low ? id_a : id_b);
    tss_dkls_id_encode(hi, a_low ? id_b : id_a);
    const struct tss_dkls_part parts[] = {
        {ctx, TSS_DKLS_HASH_BYTES},
        {lo, TSS_SECP_SCALAR_BYTES},
        {hi, TSS_SECP_SCALAR_BYTES},
        {a_low ? c_a : c_b, TSS_DKLS_HASH_BYTES},
        {a_low ? c_b : c_a, TSS_DKLS_HASH_BYTES},
    };
    tss_dkls_h32(out, "zero/seed", parts, 5);
}

void
tss_dkls_zero_prf(struct tss_secp_num *out, const uint8_t seed[TSS_DKLS_HASH_BYTES],
                  const uint8_t zsid[TSS_DKLS_HASH_BYTES])
{
    const struct tss_dkls_part parts[] = {{seed, TSS_DKLS_HASH_BYTES}, {zsid, TSS_DKLS_HASH_BYTES}};
    tss_dkls_h2s(out, "zero/prf", parts, 2);
}

void
tss_dkls_zero_add(struct tss_secp_num *zeta, uint32_t self_id, uint32_t peer_id,
                  const uint8_t seed[TSS_DKLS_HASH_BYTES], const uint8_t zsid[TSS_DKLS_HASH_BYTES])
{
    struct tss_secp_num f;
    tss_dkls_zero_prf(&f, seed, zsid);
    if (peer_id > self_id) { /* ids are public */
        tss_secp_scalar_add(zeta, zeta, &f);
    } else {
        tss_secp_scalar_sub(zeta, zeta, &f);
    }
    mpc_wipe(&f, sizeof(f));
}

/*
 * dkls_baseot.c — MR19 endemic OT batch over secp256k1 (DKLs23 spec §3).
 */
#include "tss/dkls_baseot.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/secp_h2c.h"

/* Redraw bound for the negligible exceptional cases (probability ~2^-256 each). */
#define BASEOT_MAX_DRAWS 8

struct tss_dkls_baseot_sender {
    uint8_t a[TSS_SECP_SCALAR_BYTES];      /* secret scalar a (S = a·G) */
    uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES]; /* PT(S), sent to A */
    int finished;                          /* 1 once finish ran (single use) */
};

struct tss_dkls_baseot_receiver {
    uint8_t delta[16];                                /* choice bits Δ (secret) */
    uint8_t s[TSS_DKLS_KAPPA][TSS_SECP_SCALAR_BYTES]; /* s_i (secret) */
    uint8_t pairs[TSS_DKLS_BASEOT_PAIRS_BYTES];       /* own message, for the transcript */
    int finished;                                     /* 1 once finish ran (single use) */
};

mpc_status
tss_dkls_baseot_hpt(struct tss_secp_ge *out, const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                    uint16_t i, uint8_t j, const uint8_t pt[TSS_SECP_POINT_BYTES])
{
    if (out == NULL || setup_id == NULL || pt == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    static const char tag[] = TSS_DKLS_TAG_PREFIX "ot/base/h2c-msg";
    static const char dst[] = TSS_DKLS_H2C_DST;
    const uint8_t u16i[2] = {(uint8_t)(i >> 8), (uint8_t)i};
    const struct tss_dkls_part parts[] = {
        {setup_id, TSS_DKLS_HASH_BYTES}, {u16i, 2}, {&j, 1}, {pt, TSS_SECP_POINT_BYTES}};
    uint8_t msg[160];
    size_t len = 0;
    mpc_status st =
        tss_dkls_frame(msg, sizeof(msg), &len, (const uint8_t *)tag, sizeof(tag) - 1, parts, 4);
    if (st == MPC_OK) {
        st = tss_secp_h2c(out, msg, len, (const uint8_t *)dst, sizeof(dst) - 1);
    }
    mpc_wipe(msg, sizeof(msg)); /* contains the secret choice bit on the receiver side */
    return st;
}

/* Constant-time conditional swap of two equal-length byte strings. */
static void
bytes_cswap(uint8_t *a, uint8_t *b, size_t n, int flag)
{
    uint8_t m = (uint8_t)(0 - (flag & 1));
    for (size_t k = 0; k < n; k++) {
        uint8_t t = (uint8_t)((a[k] ^ b[k]) & m);
        a[k] ^= t;
        b[k] ^= t;
    }
}

mpc_status
tss_dkls_baseot_pair_make(const tss_secp_ctx *ctx, uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES],
                          const uint8_t setup_id[TSS_DKLS_HASH_BYTES], uint16_t i, int c,
                          const uint8_t rho[TSS_SECP_SCALAR_BYTES],
                          const uint8_t s[TSS_SECP_SCALAR_BYTES])
{
    if (pair == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(pair, 0, TSS_DKLS_BASEOT_PAIR_BYTES);
    if (ctx == NULL || setup_id == NULL || rho == NULL || s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    secp256k1_pubkey other;
    struct tss_secp_ge h, sg, mine;
    uint8_t other_pt[TSS_SECP_POINT_BYTES], mine_pt[TSS_SECP_POINT_BYTES];
    int cbit = c & 1;
    mpc_status st = tss_secp_point_base(ctx, &other, NULL, rho);
    if (st == MPC_OK) {
        st = tss_secp_point_encode(ctx, other_pt, &other);
    }
    if (st == MPC_OK) {
        st = tss_dkls_baseot_hpt(&h, setup_id, i, (uint8_t)cbit, other_pt);
    }
    if (st == MPC_OK) {
        st = tss_secp_point_base(ctx, NULL, &sg, s);
    }
    if (st == MPC_OK) {
        tss_secp_ge_neg(&h, &h);
        st = tss_secp_ge_add_ct(&mine, &sg, &h);
    }
    if (st == MPC_OK) {
        tss_secp_ge_encode(mine_pt, &mine);
        /* c = 0: (mine, other); c = 1: (other, mine). */
        bytes_cswap(mine_pt, other_pt, TSS_SECP_POINT_BYTES, cbit);
        memcpy(pair, mine_pt, TSS_SECP_POINT_BYTES);
        memcpy(pair + TSS_SECP_POINT_BYTES, other_pt, TSS_SECP_POINT_BYTES);
    }
    mpc_wipe(&h, sizeof(h));
    mpc_wipe(&sg, sizeof(sg));
    mpc_wipe(&mine, sizeof(mine));
    mpc_wipe(mine_pt, sizeof(mine_pt));
    mpc_wipe(other_pt, sizeof(other_pt));
    return st;
}

/* K = H32(ot/base/key, setup_id, u16(i), u8(j), PT(S), PT(P0), PT(P1), PT(shared)). */
static void
baseot_key(uint8_t key[TSS_DKLS_HASH_BYTES], const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
           uint16_t i, uint8_t j, const uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES],
           const uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES], const struct tss_secp_ge *shared)
{
    uint8_t sh[TSS_SECP_POINT_BYTES];
    const uint8_t u16i[2] = {(uint8_t)(i >> 8), (uint8_t)i};
    tss_secp_ge_encode(sh, shared);
    const struct tss_dkls_part parts[] = {
        {setup_id, TSS_DKLS_HASH_BYTES},
        {u16i, 2},
        {&j, 1},
        {s_pt, TSS_SECP_POINT_BYTES},
        {pair, TSS_SECP_POINT_BYTES},
        {pair + TSS_SECP_POINT_BYTES, TSS_SECP_POINT_BYTES},
        {sh, TSS_SECP_POINT_BYTES},
    };
    tss_dkls_h32(key, "ot/base/key", parts, 7);
    mpc_wipe(sh, sizeof(sh));
}

mpc_status
tss_dkls_baseot_receiver_key(const tss_secp_ctx *ctx, uint8_t key[TSS_DKLS_HASH_BYTES],
                             const uint8_t setup_id[TSS_DKLS_HASH_BYTES], uint16_t i, int c,
                             const uint8_t s[TSS_SECP_SCALAR_BYTES],
                             const uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES],
                             const uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES])
{
    if (key == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(key, 0, TSS_DKLS_HASH_BYTES);
    if (ctx == NULL || setup_id == NULL || s == NULL || s_pt == NULL || pair == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    secp256k1_pubkey spk;
    struct tss_secp_ge shared;
    mpc_status st = tss_secp_point_decode(ctx, &spk, s_pt, TSS_DKLS_BASEOT_S_BYTES);
    if (st == MPC_OK) {
        st = tss_secp_point_mul_ct(ctx, &shared, &spk, s);
    }
    if (st == MPC_OK) {
        baseot_key(key, setup_id, i, (uint8_t)(c & 1), s_pt, pair, &shared);
    }
    mpc_wipe(&shared, sizeof(shared));
    return st;
}

/* M^j = P^j + Hpt(i, j, P^{1-j}) on public points; MPC_ERR_IDENTITY_POINT if O. */
static mpc_status
sender_m(const tss_secp_ctx *ctx, secp256k1_pubkey *m, const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
         uint16_t i, uint8_t j, const uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES])
{
    const uint8_t *pj = pair + (size_t)j * TSS_SECP_POINT_BYTES;
    const uint8_t *po = pair + (size_t)(1 - j) * TSS_SECP_POINT_BYTES;
    secp256k1_pubkey pjk, hk;
    struct tss_secp_ge h;
    mpc_status st = tss_secp_point_decode(ctx, &pjk, pj, TSS_SECP_POINT_BYTES);
    if (st == MPC_OK) {
        st = tss_dkls_baseot_hpt(&h, setup_id, i, j, po);
    }
    if (st == MPC_OK) {
        st = tss_secp_ge_to_point(ctx, &hk, &h);
    }
    if (st == MPC_OK) {
        const secp256k1_pubkey *ins[2] = {&pjk, &hk};
        st = tss_secp_point_sum(ctx, m, ins, 2);
    }
    return st;
}

mpc_status
tss_dkls_baseot_sender_keys(const tss_secp_ctx *ctx, uint8_t key0[TSS_DKLS_HASH_BYTES],
                            uint8_t key1[TSS_DKLS_HASH_BYTES],
                            const uint8_t setup_id[TSS_DKLS_HASH_BYTES], uint16_t i,
                            const uint8_t a[TSS_SECP_SCALAR_BYTES],
                            const uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES],
                            const uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES])
{
    if (key0 == NULL || key1 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(key0, 0, TSS_DKLS_HASH_BYTES);
    memset(key1, 0, TSS_DKLS_HASH_BYTES);
    if (ctx == NULL || setup_id == NULL || a == NULL || s_pt == NULL || pair == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *keys[2] = {key0, key1};
    struct tss_secp_ge shared;
    mpc_status st = MPC_OK;
    for (uint8_t j = 0; j < 2 && st == MPC_OK; j++) {
        secp256k1_pubkey m;
        st = sender_m(ctx, &m, setup_id, i, j, pair);
        if (st == MPC_OK) {
            st = tss_secp_point_mul_ct(ctx, &shared, &m, a);
        }
        if (st == MPC_OK) {
            baseot_key(keys[j], setup_id, i, j, s_pt, pair, &shared);
        }
    }
    mpc_wipe(&shared, sizeof(shared));
    if (st != MPC_OK) {
        mpc_wipe(key0, TSS_DKLS_HASH_BYTES);
        mpc_wipe(key1, TSS_DKLS_HASH_BYTES);
    }
    return st;
}

void
tss_dkls_baseot_transcript(uint8_t out[TSS_DKLS_HASH_BYTES],
                           const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                           const uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES],
                           const uint8_t pairs[TSS_DKLS_BASEOT_PAIRS_BYTES])
{
    const struct tss_dkls_part parts[] = {{setup_id, TSS_DKLS_HASH_BYTES},
                                          {s_pt, TSS_DKLS_BASEOT_S_BYTES},
                                          {pairs, TSS_DKLS_BASEOT_PAIRS_BYTES}};
    tss_dkls_h32(out, "ot/base/transcript", parts, 3);
}

/* ------------------------------------------------------------------ sender (B) */

mpc_status
tss_dkls_baseot_sender_create(const tss_secp_ctx *ctx, tss_dkls_baseot_sender **out,
                              uint8_t msg_s[TSS_DKLS_BASEOT_S_BYTES])
{
    if (out == NULL || msg_s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    memset(msg_s, 0, TSS_DKLS_BASEOT_S_BYTES);
    if (ctx == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_baseot_sender *snd = mpc_secure_alloc(sizeof(*snd));
    if (snd == NULL) {
        return MPC_ERR_NOMEM;
    }
    secp256k1_pubkey s;
    mpc_status st = tss_secp_scalar_random(snd->a, 1);
    if (st == MPC_OK) {
        st = tss_secp_point_base(ctx, &s, NULL, snd->a);
    }
    if (st == MPC_OK) {
        st = tss_secp_point_encode(ctx, snd->s_pt, &s);
    }
    if (st != MPC_OK) {
        tss_dkls_baseot_sender_destroy(snd);
        return st;
    }
    memcpy(msg_s, snd->s_pt, TSS_DKLS_BASEOT_S_BYTES);
    *out = snd;
    return MPC_OK;
}

mpc_status
tss_dkls_baseot_sender_finish(const tss_secp_ctx *ctx, tss_dkls_baseot_sender *snd,
                              const uint8_t setup_id[TSS_DKLS_HASH_BYTES], const uint8_t *msg,
                              size_t msg_len, uint8_t keys0[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES],
                              uint8_t keys1[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES],
                              uint8_t transcript[TSS_DKLS_HASH_BYTES])
{
    if (keys0 == NULL || keys1 == NULL || transcript == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(keys0, 0, TSS_DKLS_KAPPA * TSS_DKLS_HASH_BYTES);
    memset(keys1, 0, TSS_DKLS_KAPPA * TSS_DKLS_HASH_BYTES);
    memset(transcript, 0, TSS_DKLS_HASH_BYTES);
    if (ctx == NULL || snd == NULL || setup_id == NULL || (msg == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (snd->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    if (msg_len != TSS_DKLS_BASEOT_PAIRS_BYTES) {
        return MPC_ERR_MSG_MALFORMED;
    }
    snd->finished = 1;
    /* Decode every point before any secret work: a bad message fails fast and whole. */
    for (size_t k = 0; k < 2 * TSS_DKLS_KAPPA; k++) {
        secp256k1_pubkey pk;
        if (tss_secp_point_decode(ctx, &pk, msg + k * TSS_SECP_POINT_BYTES, TSS_SECP_POINT_BYTES) !=
            MPC_OK) {
            return MPC_ERR_BAD_POINT;
        }
    }
    mpc_status st = MPC_OK;
    for (uint16_t i = 0; i < TSS_DKLS_KAPPA && st == MPC_OK; i++) {
        st = tss_dkls_baseot_sender_keys(ctx, keys0[i], keys1[i], setup_id, i, snd->a, snd->s_pt,
                                         msg + (size_t)i * TSS_DKLS_BASEOT_PAIR_BYTES);
    }
    mpc_wipe(snd->a, sizeof(snd->a));
    if (st != MPC_OK) {
        mpc_wipe(keys0, TSS_DKLS_KAPPA * TSS_DKLS_HASH_BYTES);
        mpc_wipe(keys1, TSS_DKLS_KAPPA * TSS_DKLS_HASH_BYTES);
        return st;
    }
    tss_dkls_baseot_transcript(transcript, setup_id, snd->s_pt, msg);
    return MPC_OK;
}

void
tss_dkls_baseot_sender_destroy(tss_dkls_baseot_sender *snd)
{
    mpc_secure_free(snd); /* sodium_free wipes */
}

/* ------------------------------------------------------------------ receiver (A) */

/* One OT of the batch with fresh scalars; redraws in the exceptional cases. */
static mpc_status
receiver_one(const tss_secp_ctx *ctx, tss_dkls_baseot_receiver *rcv,
             const uint8_t setup_id[TSS_DKLS_HASH_BYTES], uint16_t i)
{
    uint8_t rho[TSS_SECP_SCALAR_BYTES];
    int c = (rcv->delta[i >> 3] >> (i & 7)) & 1;
    mpc_status st = MPC_ERR_RANDOM;
    for (int draw = 0; draw < BASEOT_MAX_DRAWS; draw++) {
        st = tss_secp_scalar_random(rho, 1);
        if (st == MPC_OK) {
            st = tss_secp_scalar_random(rcv->s[i], 1);
        }
        if (st != MPC_OK) {
            break;
        }
        st = tss_dkls_baseot_pair_make(ctx, rcv->pairs + (size_t)i * TSS_DKLS_BASEOT_PAIR_BYTES,
                                       setup_id, i, c, rho, rcv->s[i]);
        if (st != MPC_ERR_IDENTITY_POINT) {
            break;
        }
    }
    mpc_wipe(rho, sizeof(rho));
    mpc_wipe(&c, sizeof(c));
    return st;
}

mpc_status
tss_dkls_baseot_receiver_create(const tss_secp_ctx *ctx, tss_dkls_baseot_receiver **out,
                                const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                                uint8_t msg_pairs[TSS_DKLS_BASEOT_PAIRS_BYTES])
{
    if (out == NULL || msg_pairs == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    memset(msg_pairs, 0, TSS_DKLS_BASEOT_PAIRS_BYTES);
    if (ctx == NULL || setup_id == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_baseot_receiver *rcv = mpc_secure_alloc(sizeof(*rcv));
    if (rcv == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = mpc_random_bytes(rcv->delta, sizeof(rcv->delta));
    TSS_CLASSIFY(rcv->delta, sizeof(rcv->delta)); /* Δ: the base-OT choice bits */
    if (st != MPC_OK) {
        st = MPC_ERR_RANDOM;
    }
    for (uint16_t i = 0; i < TSS_DKLS_KAPPA && st == MPC_OK; i++) {
        st = receiver_one(ctx, rcv, setup_id, i);
    }
    if (st != MPC_OK) {
        tss_dkls_baseot_receiver_destroy(rcv);
        return st;
    }
    memcpy(msg_pairs, rcv->pairs, TSS_DKLS_BASEOT_PAIRS_BYTES);
    *out = rcv;
    return MPC_OK;
}

mpc_status
tss_dkls_baseot_receiver_finish(const tss_secp_ctx *ctx, tss_dkls_baseot_receiver *rcv,
                                const uint8_t setup_id[TSS_DKLS_HASH_BYTES], const uint8_t *msg_s,
                                size_t msg_len, uint8_t delta[16],
                                uint8_t keys[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES],
                                uint8_t transcript[TSS_DKLS_HASH_BYTES])
{
    if (delta == NULL || keys == NULL || transcript == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(delta, 0, 16);
    memset(keys, 0, TSS_DKLS_KAPPA * TSS_DKLS_HASH_BYTES);
    memset(transcript, 0, TSS_DKLS_HASH_BYTES);
    if (ctx == NULL || rcv == NULL || setup_id == NULL || (msg_s == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (rcv->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    secp256k1_pubkey spk;
    if (tss_secp_point_decode(ctx, &spk, msg_s, msg_len) != MPC_OK) {
        return MPC_ERR_BAD_POINT;
    }
    rcv->finished = 1;
    mpc_status st = MPC_OK;
    for (uint16_t i = 0; i < TSS_DKLS_KAPPA && st == MPC_OK; i++) {
        int c = (rcv->delta[i >> 3] >> (i & 7)) & 1;
        st = tss_dkls_baseot_receiver_key(ctx, keys[i], setup_id, i, c, rcv->s[i], msg_s,
                                          rcv->pairs + (size_t)i * TSS_DKLS_BASEOT_PAIR_BYTES);
    }
    mpc_wipe(rcv->s, sizeof(rcv->s));
    if (st != MPC_OK) {
        mpc_wipe(keys, TSS_DKLS_KAPPA * TSS_DKLS_HASH_BYTES);
        return st;
    }
    memcpy(delta, rcv->delta, 16);
    tss_dkls_baseot_transcript(transcript, setup_id, msg_s, rcv->pairs);
    return MPC_OK;
}

void
tss_dkls_baseot_receiver_destroy(tss_dkls_baseot_receiver *rcv)
{
    mpc_secure_free(rcv);
}

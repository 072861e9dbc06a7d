/*
 * dkls_sign.c — DKLs23 signing: preparation, round 1 and round 2 (spec §6.1-6.3).
 * Round 3 and the output are in dkls_sign_out.c.
 */
#include "tss/dkls_sign.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_sign_int.h"

#define SCB TSS_SECP_SCALAR_BYTES
#define PTB TSS_SECP_POINT_BYTES

mpc_status
tss_dkls_sign_fail(tss_dkls_sign *s, mpc_status st, uint32_t culprit_id, uint32_t *culprit)
{
    if (s != NULL) {
        s->stage = SIGN_STAGE_DEAD;
    }
    if (culprit != NULL) {
        *culprit = culprit_id;
    }
    return st;
}

void
tss_dkls_sign_destroy(tss_dkls_sign *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t k = 0; k < s->n_peers; k++) {
        tss_dkls_rvole_bob_destroy(s->peers[k].rvole);
    }
    mpc_secure_free(s); /* sodium_free wipes everything */
}

#ifdef MPC_FAULT_INJECTION
void
tss_dkls_sign_set_cheat(tss_dkls_sign *s, enum tss_dkls_sign_cheat cheat)
{
    if (s != NULL) {
        s->cheat = (int)cheat;
    }
}

void
tss_dkls_sign_set_probe(tss_dkls_sign *s, size_t col, int guess)
{
    if (s != NULL) {
        s->cheat = TSS_DKLS_SIGN_CHEAT_KOS_PROBE;
        s->probe_col = col;
        s->probe_guess = guess;
    }
}
#endif

/* Ids: self nonzero; peers strictly ascending, nonzero, not self; setups present. */
static mpc_status
sign_check_ids(const struct tss_dkls_sign_params *p, uint32_t *culprit)
{
    if (p->self_id == 0) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    for (size_t k = 0; k < p->n_peers; k++) {
        const struct tss_dkls_sign_peer *pe = &p->peers[k];
        if (pe->id == 0 || pe->id == p->self_id || (k > 0 && pe->id <= p->peers[k - 1].id)) {
            return MPC_ERR_BAD_IDENTIFIER;
        }
        if (pe->alice == NULL || pe->bob == NULL || pe->zero_seed == NULL) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    for (size_t k = 0; k < p->n_peers; k++) {
        if (p->peers[k].quarantined) {
            *culprit = p->peers[k].id;
            return MPC_ERR_QUARANTINED;
        }
    }
    return MPC_OK;
}

/* IDLIST(S) in ascending order; returns the number of ids written. */
static size_t
sign_idlist(const tss_dkls_sign *s, uint8_t (*ids)[SCB])
{
    size_t n = 0, k = 0;
    int self_done = 0;
    while (k < s->n_peers || !self_done) {
        if (!self_done && (k == s->n_peers || s->self_id < s->peers[k].id)) {
            memcpy(ids[n++], s->self_sc, SCB);
            self_done = 1;
        } else {
            memcpy(ids[n++], s->peers[k++].id_sc, SCB);
        }
    }
    return n;
}

static void
sign_context(tss_dkls_sign *s, const struct tss_dkls_sign_params *p, const uint8_t (*ids)[SCB],
             size_t n)
{
    const uint8_t ver[4] = {(uint8_t)(p->key_version >> 24), (uint8_t)(p->key_version >> 16),
                            (uint8_t)(p->key_version >> 8), (uint8_t)p->key_version};
    const struct tss_dkls_part parts[] = {
        {p->sid, 16},   {"secp256k1", 9}, {p->wallet_id, p->wallet_id_len},
        {ver, 4},       {p->y_pub, PTB},  {ids, n * SCB},
        {p->msg32, 32}, {p->tweak, SCB},
    };
    /* A presign session has no message yet: presign_ctx (spec §6.7.1) under its own
     * tag, so none of its OT/RVOLE session ids equals a signing session's. */
    if (s->presign) {
        tss_dkls_h32(s->sign_ctx, "presign/ctx", parts, 6);
    } else {
        /* The tweak is bound only when present, so an untweaked context is the spec's §1.4 one. */
        tss_dkls_h32(s->sign_ctx, "sign/ctx", parts, p->tweak != NULL ? 8 : 7);
    }
}

/*
 * Signing under a child key (docs/specs/hd-derivation.md §5): Y' = Y + τ·G is
 * the key checked (Σ pk_j) and verified; the signer with the lowest id in S
 * adds τ to its additive share sk_i, so Σ sk_j = y + τ. A zero τ changes
 * nothing. Kept apart so that a presigning flow can apply it online.
 */
static mpc_status
sign_apply_tweak(tss_dkls_sign *s, const uint8_t tweak[SCB])
{
    if (!tss_secp_scalar_is_canonical(tweak)) {
        return MPC_ERR_BAD_SCALAR;
    }
    static const uint8_t zero[SCB] = {0};
    if (memcmp(tweak, zero, SCB) == 0) {
        return MPC_OK;
    }
    secp256k1_pubkey tg, yt;
    if (tss_secp_point_base(s->ctx, &tg, NULL, tweak) != MPC_OK) {
        return MPC_ERR_BAD_SCALAR;
    }
    const secp256k1_pubkey *ins[2] = {&s->y, &tg};
    if (tss_secp_point_sum(s->ctx, &yt, ins, 2) != MPC_OK) {
        return MPC_ERR_HD_INVALID_CHILD;
    }
    s->y = yt;
    if (s->n_peers == 0 || s->self_id < s->peers[0].id) {
        struct tss_secp_num t;
        tss_secp_num_from_bytes(&t, tweak);
        tss_secp_scalar_add(&s->sk, &s->sk, &t);
        mpc_wipe(&t, sizeof(t));
    }
    return MPC_OK;
}

/* Key material: x_i·G == X_i, sk_i = λ_i x_i, pk_j = λ_j X_j, Σ pk_j == Y (spec §6.1). */
static mpc_status
sign_keys(tss_dkls_sign *s, const struct tss_dkls_sign_params *p, const uint8_t (*ids)[SCB],
          size_t n)
{
    const tss_secp_ctx *ctx = s->ctx;
    secp256k1_pubkey xi_pub, xi_calc, pk_self, sum;
    uint8_t lam[SCB], enc1[PTB], enc2[PTB];
    struct tss_secp_num x, l;
    mpc_status st = tss_secp_point_decode(ctx, &s->y, p->y_pub, PTB);
    if (st == MPC_OK) {
        st = tss_secp_point_decode(ctx, &xi_pub, p->x_pub_self, PTB);
    }
    if (st != MPC_OK) {
        return st;
    }
    int valid = tss_secp_scalar_is_valid_nonzero(p->x_share);
    TSS_DECLASSIFY(&valid, sizeof(valid)); /* validity is public: a bad record aborts */
    if (!valid) {
        return MPC_ERR_BAD_SCALAR;
    }
    if (tss_secp_point_base(ctx, &xi_calc, NULL, p->x_share) != MPC_OK ||
        tss_secp_point_encode(ctx, enc1, &xi_calc) != MPC_OK ||
        !mpc_ct_equal(enc1, p->x_pub_self, PTB)) {
        return MPC_ERR_BAD_SHARE;
    }
    st = tss_secp_lagrange(lam, ids, n, s->self_sc);
    if (st == MPC_OK) {
        tss_secp_num_from_bytes(&x, p->x_share);
        tss_secp_num_from_bytes(&l, lam);
        tss_secp_scalar_mul(&s->sk, &l, &x);
        st = tss_secp_point_mul_pub(ctx, &pk_self, &xi_pub, lam);
    }
    const secp256k1_pubkey *ins[TSS_DKLS_SIGN_MAX_PEERS + 1] = {&pk_self};
    for (size_t k = 0; k < s->n_peers && st == MPC_OK; k++) {
        secp256k1_pubkey xj;
        st = tss_secp_point_decode(ctx, &xj, p->peers[k].x_pub, PTB);
        if (st == MPC_OK) {
            st = tss_secp_lagrange(lam, ids, n, s->peers[k].id_sc);
        }
        if (st == MPC_OK) {
            st = tss_secp_point_mul_pub(ctx, &s->peers[k].pk, &xj, lam);
        }
        ins[k + 1] = &s->peers[k].pk;
    }
    if (st == MPC_OK) {
        if (tss_secp_point_sum(ctx, &sum, ins, s->n_peers + 1) != MPC_OK ||
            tss_secp_point_encode(ctx, enc2, &sum) != MPC_OK ||
            !mpc_ct_equal(enc2, p->y_pub, PTB)) {
            st = MPC_ERR_BAD_GROUP_KEY;
        }
    }
    mpc_wipe(&x, sizeof(x));
    mpc_wipe(&l, sizeof(l));
    mpc_wipe(lam, sizeof(lam));
    return st;
}

mpc_status
tss_dkls_sign_create(const struct tss_dkls_sign_params *p, tss_dkls_sign **out, uint32_t *culprit)
{
    return tss_dkls_sign_create_mode(p, 0, out, culprit);
}

mpc_status
tss_dkls_sign_create_mode(const struct tss_dkls_sign_params *p, int presign, tss_dkls_sign **out,
                          uint32_t *culprit)
{
    uint32_t dummy;
    if (culprit == NULL) {
        culprit = &dummy;
    }
    *culprit = 0;
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (p == NULL || p->ctx == NULL || p->peers == NULL || p->x_share == NULL ||
        (p->wallet_id == NULL && p->wallet_id_len > 0) || p->n_peers > TSS_DKLS_SIGN_MAX_PEERS) {
        return MPC_ERR_INVALID_ARG;
    }
    if (p->threshold < 2 || p->n_peers + 1 < p->threshold) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    mpc_status st = sign_check_ids(p, culprit);
    if (st != MPC_OK) {
        return st;
    }
    tss_dkls_sign *s = mpc_secure_alloc(sizeof(*s));
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    s->ctx = p->ctx;
    s->n_peers = p->n_peers;
    s->self_id = p->self_id;
    s->presign = presign != 0;
    s->key_version = p->key_version;
    tss_dkls_id_encode(s->self_sc, p->self_id);
    if (!s->presign) {
        memcpy(s->msg32, p->msg32, 32);
    }
    for (size_t k = 0; k < p->n_peers; k++) {
        struct sign_peer *pe = &s->peers[k];
        pe->id = p->peers[k].id;
        tss_dkls_id_encode(pe->id_sc, pe->id);
        pe->alice = p->peers[k].alice;
        pe->bob = p->peers[k].bob;
        memcpy(pe->setup_id_out, p->peers[k].setup_id_out, TSS_DKLS_HASH_BYTES);
        memcpy(pe->setup_id_in, p->peers[k].setup_id_in, TSS_DKLS_HASH_BYTES);
        memcpy(pe->zseed, p->peers[k].zero_seed, TSS_DKLS_HASH_BYTES);
    }
    uint8_t ids[TSS_DKLS_SIGN_MAX_PEERS + 1][SCB];
    size_t n = sign_idlist(s, ids);
    sign_context(s, p, (const uint8_t(*)[SCB])ids, n);
    st = sign_keys(s, p, (const uint8_t(*)[SCB])ids, n);
    if (st == MPC_OK && p->tweak != NULL) {
        st = sign_apply_tweak(s, p->tweak);
    }
    if (st != MPC_OK) {
        tss_dkls_sign_destroy(s);
        return st;
    }
    *out = s;
    return MPC_OK;
}

mpc_status
tss_dkls_sign_round1(tss_dkls_sign *s, uint8_t bcast[TSS_DKLS_SIGN_R1_BCAST_BYTES], uint8_t *direct)
{
    if (s == NULL || bcast == NULL || direct == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(bcast, 0, TSS_DKLS_SIGN_R1_BCAST_BYTES);
    if (s->stage != SIGN_STAGE_CREATED) {
        return MPC_ERR_SESSION_STATE;
    }
    uint8_t rb[SCB], phib[SCB], chib[SCB];
    mpc_status st = tss_secp_scalar_random(rb, 1);
    if (st == MPC_OK) {
        st = tss_secp_scalar_random(phib, 0);
    }
    if (st == MPC_OK && (mpc_random_bytes(s->nu, sizeof(s->nu)) != MPC_OK ||
                         mpc_random_bytes(s->salt, sizeof(s->salt)) != MPC_OK)) {
        st = MPC_ERR_RANDOM;
    }
    TSS_CLASSIFY(s->salt, sizeof(s->salt)); /* secret until round 2 */
    if (st == MPC_OK) {
        st = tss_secp_point_base(s->ctx, &s->r_pub, NULL, rb);
    }
    if (st == MPC_OK) {
        st = tss_secp_point_encode(s->ctx, s->r_pt, &s->r_pub);
    }
    if (st != MPC_OK) {
        goto wipe_locals;
    }
    tss_secp_num_from_bytes(&s->r, rb);
    tss_secp_num_from_bytes(&s->phi, phib);
    const struct tss_dkls_part parts[] = {
        {s->sign_ctx, 32}, {s->self_sc, SCB}, {s->r_pt, PTB}, {s->salt, 32}};
    tss_dkls_h32(s->com, "sign/commit", parts, 4);
    TSS_DECLASSIFY(s->com, sizeof(s->com)); /* the commitment is broadcast in round 1 */
    for (size_t k = 0; k < s->n_peers && st == MPC_OK; k++) {
        struct sign_peer *pe = &s->peers[k];
        /* Self is Bob toward Alice j: setup j->i, ote_sid uses our fresh ν_i. */
        tss_dkls_ote_sid(pe->ote_sid_in, s->sign_ctx, pe->setup_id_in, pe->id_sc, s->self_sc,
                         s->nu);
#ifdef MPC_FAULT_INJECTION
        if (s->cheat == TSS_DKLS_SIGN_CHEAT_KOS_PROBE) { /* TEST ONLY: probe Δ bit */
            st = tss_dkls_rvole_bob_create_probe(pe->bob, pe->ote_sid_in, &pe->rvole, chib,
                                                 direct + k * TSS_DKLS_SIGN_R1_DIRECT_BYTES,
                                                 s->probe_col, s->probe_guess);
        } else
#endif
        {
            st = tss_dkls_rvole_bob_create(pe->bob, pe->ote_sid_in, &pe->rvole, chib,
                                           direct + k * TSS_DKLS_SIGN_R1_DIRECT_BYTES);
        }
        tss_secp_num_from_bytes(&pe->chi, chib);
    }
#ifdef MPC_FAULT_INJECTION
    for (size_t k = 0; k < s->n_peers && st == MPC_OK; k++) {
        if (s->cheat == TSS_DKLS_SIGN_CHEAT_KOS_TTILDE) { /* TEST ONLY: last byte of t~ */
            direct[(k + 1) * TSS_DKLS_SIGN_R1_DIRECT_BYTES - 1] ^= 0x01;
        }
    }
#endif
    if (st == MPC_OK) {
        memcpy(bcast, s->com, 32);
        memcpy(bcast + 32, s->nu, 32);
        s->stage = SIGN_STAGE_R1;
    }

wipe_locals:
    mpc_wipe(rb, sizeof(rb));
    mpc_wipe(phib, sizeof(phib));
    mpc_wipe(chib, sizeof(chib));
    if (st != MPC_OK) {
        return tss_dkls_sign_fail(s, st, 0, NULL);
    }
    return MPC_OK;
}

/* echo1 = H32(sign/echo1, sign_ctx, ID(j) || com_j || ν_j for j in S ascending). */
static void
sign_echo1(tss_dkls_sign *s)
{
    struct tss_dkls_hasher h;
    tss_dkls_hasher_init(&h, TSS_DKLS_H32, "sign/echo1", 2);
    tss_dkls_hasher_part(&h, s->sign_ctx, 32);
    tss_dkls_hasher_part_begin(&h, (s->n_peers + 1) * (SCB + 64));
    int self_done = 0;
    for (size_t k = 0; k <= s->n_peers; k++) {
        if (!self_done && (k == s->n_peers || s->self_id < s->peers[k].id)) {
            tss_dkls_hasher_update(&h, s->self_sc, SCB);
            tss_dkls_hasher_update(&h, s->com, 32);
            tss_dkls_hasher_update(&h, s->nu, 32);
            self_done = 1;
        }
        if (k < s->n_peers) {
            tss_dkls_hasher_update(&h, s->peers[k].id_sc, SCB);
            tss_dkls_hasher_update(&h, s->peers[k].com, 32);
            tss_dkls_hasher_update(&h, s->peers[k].nu, 32);
        }
    }
    tss_dkls_hasher_final32(&h, s->echo1);
}

/*
 * The zero share of this attempt (DKLs23 F_Zero, spec §6.3):
 * ζ_i = Σ_{j>i} PRF(seed_ij, echo1) − Σ_{j<i} PRF(seed_ij, echo1); every pair adds
 * +PRF at its lower id and −PRF at its higher id, so Σ_{i∈S} ζ_i = 0. echo1 is
 * the F_Zero session id: it binds sign_ctx and every party's fresh ν, so no two
 * attempts (not even retries of one request) reuse a zero share. Then
 * sk_i = λ_i x_i + ζ_i and pk_i = sk_i·G. The seeds are wiped: single use.
 */
static mpc_status
sign_zero_share(tss_dkls_sign *s)
{
    struct tss_secp_num f;
    uint8_t skb[SCB];
    memset(&s->zeta, 0, sizeof(s->zeta));
    for (size_t k = 0; k < s->n_peers; k++) {
        struct sign_peer *pe = &s->peers[k];
        tss_dkls_zero_add(&s->zeta, s->self_id, pe->id, pe->zseed, s->echo1);
        mpc_wipe(pe->zseed, sizeof(pe->zseed));
    }
#ifdef MPC_FAULT_INJECTION
    if (s->cheat == TSS_DKLS_SIGN_CHEAT_NO_ZETA) { /* TEST ONLY: skip the re-randomisation */
        memset(&s->zeta, 0, sizeof(s->zeta));
    } else if (s->cheat == TSS_DKLS_SIGN_CHEAT_SK_SHIFT) { /* TEST ONLY: sk_i + 1 everywhere */
        tss_secp_num_set_u64(&f, 1);
        tss_secp_scalar_add(&s->zeta, &s->zeta, &f);
    }
#endif
    tss_secp_scalar_add(&s->sk, &s->sk, &s->zeta);
    tss_secp_scalar_encode(skb, &s->sk);
    mpc_status st = tss_secp_point_base(s->ctx, &s->pk_self, NULL, skb);
#ifdef MPC_FAULT_INJECTION
    if (st == MPC_OK && s->cheat == TSS_DKLS_SIGN_CHEAT_PK_PLUS_G) { /* TEST ONLY: pk_i + G */
        secp256k1_pubkey g, sum;
        uint8_t one[SCB] = {0};
        one[SCB - 1] = 1;
        const secp256k1_pubkey *ins[2] = {&s->pk_self, &g};
        st = tss_secp_point_base(s->ctx, &g, NULL, one);
        if (st == MPC_OK) {
            st = tss_secp_point_sum(s->ctx, &sum, ins, 2);
        }
        s->pk_self = sum;
    }
#endif
    if (st == MPC_OK) {
        st = tss_secp_point_encode(s->ctx, s->pk_pt, &s->pk_self);
    }
    mpc_wipe(&f, sizeof(f));
    mpc_wipe(skb, sizeof(skb));
    return st;
}

/* Alice toward peer k: RVOLE answer with inputs (r_i, sk_i), then Γ^u, Γ^v, ψ. */
static mpc_status
sign_alice(tss_dkls_sign *s, size_t k, const struct tss_dkls_sign_msg *m1, uint8_t *out)
{
    struct sign_peer *pe = &s->peers[k];
    uint8_t ote_sid[32], mul_sid[32], a[2][SCB], c[2][SCB];
    struct tss_secp_num psi, t;
    secp256k1_pubkey gu, gv;
    tss_dkls_ote_sid(ote_sid, s->sign_ctx, pe->setup_id_out, s->self_sc, pe->id_sc, pe->nu);
    tss_dkls_mul_sid(mul_sid, ote_sid, s->nu);
    tss_secp_scalar_encode(a[0], &s->r);
    tss_secp_scalar_encode(a[1], &s->sk);
#ifdef MPC_FAULT_INJECTION
    if (s->cheat == TSS_DKLS_SIGN_CHEAT_RVOLE_R_PLUS_1 ||
        s->cheat == TSS_DKLS_SIGN_CHEAT_RVOLE_SK_PLUS_1) { /* TEST ONLY: input + 1 */
        struct tss_secp_num one;
        int idx = s->cheat == TSS_DKLS_SIGN_CHEAT_RVOLE_R_PLUS_1 ? 0 : 1;
        tss_secp_num_set_u64(&one, 1);
        tss_secp_num_from_bytes(&t, a[idx]);
        tss_secp_scalar_add(&t, &t, &one);
        tss_secp_scalar_encode(a[idx], &t);
    }
#endif
    mpc_status st =
        tss_dkls_rvole_alice_respond(pe->alice, ote_sid, mul_sid, (const uint8_t(*)[SCB])a, m1->p,
                                     m1->len, c, out + TSS_DKLS_SIGN_R2_HEAD_BYTES);
    if (st == MPC_OK) {
        st = tss_secp_point_base(s->ctx, &gu, NULL, c[0]);
    }
    if (st == MPC_OK) {
        st = tss_secp_point_base(s->ctx, &gv, NULL, c[1]);
    }
    if (st == MPC_OK) {
        tss_secp_num_from_bytes(&pe->cu, c[0]);
        tss_secp_num_from_bytes(&pe->cv, c[1]);
        tss_secp_scalar_sub(&psi, &s->phi, &pe->chi);
        memcpy(out, s->r_pt, PTB);
        memcpy(out + 33, s->salt, 32);
        st = tss_secp_point_encode(s->ctx, out + 65, &gu);
    }
    if (st == MPC_OK) {
        st = tss_secp_point_encode(s->ctx, out + 98, &gv);
    }
    if (st == MPC_OK) {
        tss_secp_scalar_encode(out + 131, &psi);
        memcpy(out + 163, s->echo1, 32);
        memcpy(out + 195, s->pk_pt, PTB);
    }
    mpc_wipe(a, sizeof(a));
    mpc_wipe(c, sizeof(c));
    mpc_wipe(&t, sizeof(t));
    mpc_wipe(&psi, sizeof(psi));
    return st;
}

mpc_status
tss_dkls_sign_round2(tss_dkls_sign *s, const struct tss_dkls_sign_msg *bcast1,
                     const struct tss_dkls_sign_msg *direct1, uint8_t *direct, uint32_t *culprit)
{
    if (culprit != NULL) {
        *culprit = 0;
    }
    if (s == NULL || bcast1 == NULL || direct1 == NULL || direct == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (s->stage != SIGN_STAGE_R1) {
        return MPC_ERR_SESSION_STATE;
    }
    for (size_t k = 0; k < s->n_peers; k++) {
        if (bcast1[k].p == NULL || bcast1[k].len != TSS_DKLS_SIGN_R1_BCAST_BYTES ||
            direct1[k].p == NULL || direct1[k].len != TSS_DKLS_SIGN_R1_DIRECT_BYTES) {
            return tss_dkls_sign_fail(s, MPC_ERR_MSG_MALFORMED, s->peers[k].id, culprit);
        }
        memcpy(s->peers[k].com, bcast1[k].p, 32);
        memcpy(s->peers[k].nu, bcast1[k].p + 32, 32);
    }
    sign_echo1(s);
    mpc_status zst = sign_zero_share(s);
    if (zst != MPC_OK) {
        return tss_dkls_sign_fail(s, zst, 0, culprit);
    }
    for (size_t k = 0; k < s->n_peers; k++) {
        mpc_status st = sign_alice(s, k, &direct1[k], direct + k * TSS_DKLS_SIGN_R2_DIRECT_BYTES);
        if (st != MPC_OK) {
            memset(direct, 0, s->n_peers * TSS_DKLS_SIGN_R2_DIRECT_BYTES);
            int named = st == MPC_ERR_OT_CHECK || st == MPC_ERR_MSG_MALFORMED;
            return tss_dkls_sign_fail(s, st, named ? s->peers[k].id : 0, culprit);
        }
    }
    mpc_wipe(s->salt, sizeof(s->salt)); /* sent: no longer needed */
    s->stage = SIGN_STAGE_R2;
    return MPC_OK;
}

/*
 * dkls_sign_out.c — DKLs23 signing: round 3 (decommit, RVOLE μ and Γ checks,
 * u_i and w_i) and the output (s = W/U, low-S, recovery id, verify, recover);
 * spec §6.4-6.6.
 */
#include <assert.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_presig.h"
#include "tss/dkls_sign_int.h"

#define SCB TSS_SECP_SCALAR_BYTES
#define PTB TSS_SECP_POINT_BYTES

/* Offsets inside a round-2 direct message. */
enum {
    R2_OFF_R = 0,
    R2_OFF_SALT = 33,
    R2_OFF_GU = 65,
    R2_OFF_GV = 98,
    R2_OFF_PSI = 131,
    R2_OFF_ECHO1 = 163,
    R2_OFF_PK = 195,
    R2_OFF_RVOLE = TSS_DKLS_SIGN_R2_HEAD_BYTES,
};

/* (q - 1) / 2, big-endian: the largest low s. */
static const uint8_t HALF_Q[32] = {0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4,
                                   0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0};

/*
 * Γ check (spec §6.4 item 4): chi·P == Γ + d·G, with MUL_CT, BASE and CT-add;
 * encodings compared in constant time. Returns MPC_OK or MPC_ERR_BAD_SIG_SHARE.
 */
static mpc_status
sign_gamma_check(const tss_secp_ctx *ctx, const struct tss_secp_num *chi, const secp256k1_pubkey *p,
                 const secp256k1_pubkey *gamma, const uint8_t d[SCB])
{
    uint8_t chib[SCB], lhs_pt[PTB], rhs_pt[PTB];
    struct tss_secp_ge lhs, dg, g, rhs;
    tss_secp_scalar_encode(chib, chi);
    mpc_status st = tss_secp_point_mul_ct(ctx, &lhs, p, chib);
    if (st == MPC_OK) {
        st = tss_secp_point_base(ctx, NULL, &dg, d);
    }
    if (st == MPC_OK) {
        st = tss_secp_point_to_ge(ctx, &g, gamma);
    }
    if (st == MPC_OK) {
        st = tss_secp_ge_add_ct(&rhs, &g, &dg);
    }
    int ok = 0;
    if (st == MPC_OK) {
        tss_secp_ge_encode(lhs_pt, &lhs);
        tss_secp_ge_encode(rhs_pt, &rhs);
        ok = mpc_ct_equal(lhs_pt, rhs_pt, PTB);
    }
    TSS_DECLASSIFY(&ok, sizeof(ok)); /* the check outcome is public (abort naming Alice) */
    mpc_wipe(chib, sizeof(chib));
    mpc_wipe(&lhs, sizeof(lhs));
    mpc_wipe(&dg, sizeof(dg));
    mpc_wipe(&rhs, sizeof(rhs));
    mpc_wipe(lhs_pt, sizeof(lhs_pt));
    mpc_wipe(rhs_pt, sizeof(rhs_pt));
    return ok ? MPC_OK : MPC_ERR_BAD_SIG_SHARE;
}

/* Accumulated secrets of round 3. */
struct r3_sums {
    struct tss_secp_num phi1; /* φ'_i */
    struct tss_secp_num su;   /* Σ (c^u + d^u) */
    struct tss_secp_num sv;   /* Σ (c^v + d^v) */
};

/* Checks peer k's round-2 message and folds its contribution into sums. */
static mpc_status
sign_r3_peer(tss_dkls_sign *s, size_t k, const uint8_t *m, struct r3_sums *sums)
{
    struct sign_peer *pe = &s->peers[k];
    secp256k1_pubkey gu, gv;
    struct tss_secp_num psi, t;
    uint8_t com[32], mul_sid[32], d[2][SCB];
    if (!mpc_ct_equal(m + R2_OFF_ECHO1, s->echo1, 32)) {
        return MPC_ERR_EQUIVOCATION;
    }
    mpc_status st = tss_secp_point_decode(s->ctx, &pe->r_pt, m + R2_OFF_R, PTB);
    if (st != MPC_OK) {
        return st;
    }
    const struct tss_dkls_part parts[] = {
        {s->sign_ctx, 32}, {pe->id_sc, SCB}, {m + R2_OFF_R, PTB}, {m + R2_OFF_SALT, 32}};
    tss_dkls_h32(com, "sign/commit", parts, 4);
    if (!mpc_ct_equal(com, pe->com, 32)) {
        return MPC_ERR_BAD_COMMITMENT;
    }
    st = tss_secp_point_decode(s->ctx, &gu, m + R2_OFF_GU, PTB);
    if (st == MPC_OK) {
        st = tss_secp_point_decode(s->ctx, &gv, m + R2_OFF_GV, PTB);
    }
    if (st == MPC_OK) {
        st = tss_secp_point_decode(s->ctx, &pe->pk, m + R2_OFF_PK, PTB); /* pk_j, sent by j */
    }
    if (st == MPC_OK) {
        st = tss_secp_scalar_decode(&psi, m + R2_OFF_PSI, SCB);
    }
    if (st == MPC_OK) {
        tss_dkls_mul_sid(mul_sid, pe->ote_sid_in, pe->nu);
        st = tss_dkls_rvole_bob_finish(pe->rvole, mul_sid, m + R2_OFF_RVOLE,
                                       TSS_DKLS_RVOLE_MSG2_BYTES, d);
    }
    if (st == MPC_OK) {
        st = sign_gamma_check(s->ctx, &pe->chi, &pe->r_pt, &gu, d[0]);
    }
    if (st == MPC_OK) {
        /* Γ^v against the pk_j that j sent: ties j's RVOLE input to pk_j (Protocol 3.6). */
        st = sign_gamma_check(s->ctx, &pe->chi, &pe->pk, &gv, d[1]);
        st = st == MPC_ERR_BAD_SIG_SHARE ? MPC_ERR_BAD_PK_SHARE : st;
    }
    if (st == MPC_OK) {
        tss_secp_scalar_add(&sums->phi1, &sums->phi1, &psi);
        tss_secp_num_from_bytes(&t, d[0]);
        tss_secp_scalar_add(&t, &t, &pe->cu);
        tss_secp_scalar_add(&sums->su, &sums->su, &t);
        tss_secp_num_from_bytes(&t, d[1]);
        tss_secp_scalar_add(&t, &t, &pe->cv);
        tss_secp_scalar_add(&sums->sv, &sums->sv, &t);
    }
    mpc_wipe(d, sizeof(d));
    mpc_wipe(&t, sizeof(t));
    mpc_wipe(&psi, sizeof(psi));
    return st;
}

/* R = Σ R_j, PT(R), r = x(R) mod q. MPC_ERR_IDENTITY_POINT for R = O or r = 0. */
static mpc_status
sign_big_r(tss_dkls_sign *s)
{
    const secp256k1_pubkey *ins[TSS_DKLS_SIGN_MAX_PEERS + 1] = {&s->r_pub};
    secp256k1_pubkey sum;
    for (size_t k = 0; k < s->n_peers; k++) {
        ins[k + 1] = &s->peers[k].r_pt;
    }
    if (tss_secp_point_sum(s->ctx, &sum, ins, s->n_peers + 1) != MPC_OK ||
        tss_secp_point_encode(s->ctx, s->big_r, &sum) != MPC_OK) {
        return MPC_ERR_IDENTITY_POINT;
    }
    if (tss_secp_mod_reduce_bytes(&s->rx, s->big_r + 1, 32, &tss_secp_mod_q) != MPC_OK ||
        tss_secp_num_is_zero(&s->rx)) {
        return MPC_ERR_IDENTITY_POINT;
    }
    return MPC_OK;
}

/* u_i, w_i, echo2 and the broadcast (spec §6.4, after the checks). */
static void
sign_r3_output(tss_dkls_sign *s, struct r3_sums *sums, uint8_t bcast[TSS_DKLS_SIGN_R3_BCAST_BYTES])
{
    struct tss_secp_num v, t, m;
    tss_secp_scalar_add(&sums->phi1, &sums->phi1, &s->phi);
    tss_secp_scalar_mul(&s->u, &s->r, &sums->phi1);
    tss_secp_scalar_add(&s->u, &s->u, &sums->su);
    tss_secp_scalar_mul(&v, &s->sk, &sums->phi1);
    tss_secp_scalar_add(&v, &v, &sums->sv);
    mpc_status rs = tss_secp_mod_reduce_bytes(&m, s->msg32, 32, &tss_secp_mod_q);
    assert(rs == MPC_OK); /* 32 bytes is always a valid length */
    (void)rs;
    tss_secp_scalar_mul(&s->w, &m, &s->phi);
    tss_secp_scalar_mul(&t, &s->rx, &v);
    tss_secp_scalar_add(&s->w, &s->w, &t);
    const struct tss_dkls_part parts[] = {{s->sign_ctx, 32}, {s->echo1, 32}, {s->big_r, PTB}};
    tss_dkls_h32(s->echo2, "sign/echo2", parts, 3);
    tss_secp_scalar_encode(bcast, &s->u);
    tss_secp_scalar_encode(bcast + 32, &s->w);
    memcpy(bcast + 64, s->echo2, 32);
    mpc_wipe(&v, sizeof(v));
    mpc_wipe(&t, sizeof(t));
}

/*
 * Σ_{j∈S} pk_j == Y with the received pk_j (spec §6.4 item 5). With two signers
 * our own pk_i is known good, so the peer is named; with more, the sum cannot
 * tell which signer lied (each passed its Γ^v check), so nobody is named.
 */
static mpc_status
sign_pk_sum(tss_dkls_sign *s, uint32_t *who)
{
    const secp256k1_pubkey *ins[TSS_DKLS_SIGN_MAX_PEERS + 1] = {&s->pk_self};
    secp256k1_pubkey sum;
    uint8_t y_pt[PTB], sum_pt[PTB];
    for (size_t k = 0; k < s->n_peers; k++) {
        ins[k + 1] = &s->peers[k].pk;
    }
    *who = s->n_peers == 1 ? s->peers[0].id : 0;
    if (tss_secp_point_sum(s->ctx, &sum, ins, s->n_peers + 1) != MPC_OK ||
        tss_secp_point_encode(s->ctx, sum_pt, &sum) != MPC_OK ||
        tss_secp_point_encode(s->ctx, y_pt, &s->y) != MPC_OK || memcmp(sum_pt, y_pt, PTB) != 0) {
        return MPC_ERR_BAD_PK_SHARE;
    }
    *who = 0;
    return MPC_OK;
}

/* Wipes the secrets round 3 consumed (spec §6.4: r_i, φ_i, sk_i, ζ_i, χ, c, d, v_i). */
static void
sign_r3_wipe(tss_dkls_sign *s, struct r3_sums *sums)
{
    mpc_wipe(&s->r, sizeof(s->r));
    mpc_wipe(&s->phi, sizeof(s->phi));
    mpc_wipe(&s->sk, sizeof(s->sk));
    mpc_wipe(&s->zeta, sizeof(s->zeta));
    for (size_t k = 0; k < s->n_peers; k++) {
        mpc_wipe(&s->peers[k].chi, sizeof(s->peers[k].chi));
        mpc_wipe(&s->peers[k].cu, sizeof(s->peers[k].cu));
        mpc_wipe(&s->peers[k].cv, sizeof(s->peers[k].cv));
        tss_dkls_rvole_bob_destroy(s->peers[k].rvole);
        s->peers[k].rvole = NULL;
    }
    mpc_wipe(sums, sizeof(*sums));
}

/*
 * The checks of round 3 (spec §6.4 items 1-5) over every peer's round-2 message
 * and R; folds the contributions into *sums. On failure the state is dead and
 * the secrets are wiped. Shared by signing and presigning (spec §6.7.1).
 */
static mpc_status
sign_r3_checks(tss_dkls_sign *s, const struct tss_dkls_sign_msg *direct2, struct r3_sums *sums,
               uint32_t *culprit)
{
    for (size_t k = 0; k < s->n_peers; k++) {
        if (direct2[k].p == NULL || direct2[k].len != TSS_DKLS_SIGN_R2_DIRECT_BYTES) {
            sign_r3_wipe(s, sums);
            return tss_dkls_sign_fail(s, MPC_ERR_MSG_MALFORMED, s->peers[k].id, culprit);
        }
    }
    mpc_status st = MPC_OK;
    uint32_t who = 0;
    for (size_t k = 0; k < s->n_peers && st == MPC_OK; k++) {
        st = sign_r3_peer(s, k, direct2[k].p, sums);
        who = s->peers[k].id;
    }
    if (st == MPC_OK) {
        st = sign_pk_sum(s, &who);
    }
    if (st == MPC_OK) {
        who = 0;
        st = sign_big_r(s);
    }
    if (st != MPC_OK) {
        sign_r3_wipe(s, sums);
        return tss_dkls_sign_fail(s, st, who, culprit);
    }
    return MPC_OK;
}

mpc_status
tss_dkls_sign_round3(tss_dkls_sign *s, const struct tss_dkls_sign_msg *direct2,
                     uint8_t bcast[TSS_DKLS_SIGN_R3_BCAST_BYTES], uint32_t *culprit)
{
    if (culprit != NULL) {
        *culprit = 0;
    }
    if (s == NULL || direct2 == NULL || bcast == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(bcast, 0, TSS_DKLS_SIGN_R3_BCAST_BYTES);
    if (s->stage != SIGN_STAGE_R2 || s->presign) {
        return MPC_ERR_SESSION_STATE;
    }
    struct r3_sums sums;
    memset(&sums, 0, sizeof(sums));
    mpc_status st = sign_r3_checks(s, direct2, &sums, culprit);
    if (st != MPC_OK) {
        return st;
    }
    sign_r3_output(s, &sums, bcast);
    s->stage = SIGN_STAGE_R3;
    sign_r3_wipe(s, &sums);
    return MPC_OK;
}

/* The presignature record after the checks (spec §6.7.1-6.7.2): u_i, v_i, φ_i, R, presig_id. */
static void
presign_record(tss_dkls_sign *s, struct r3_sums *sums, struct tss_dkls_presig *out)
{
    struct tss_secp_num u, v;
    tss_secp_scalar_add(&sums->phi1, &sums->phi1, &s->phi);
    tss_secp_scalar_mul(&u, &s->r, &sums->phi1);
    tss_secp_scalar_add(&u, &u, &sums->su);
    tss_secp_scalar_mul(&v, &s->sk, &sums->phi1);
    tss_secp_scalar_add(&v, &v, &sums->sv);
    tss_secp_scalar_encode(out->u, &u);
    tss_secp_scalar_encode(out->v, &v);
    tss_secp_scalar_encode(out->phi, &s->phi);
    const struct tss_dkls_part parts[] = {{s->sign_ctx, 32}, {s->echo1, 32}, {s->big_r, PTB}};
    tss_dkls_h32(out->presig_id, "presign/id", parts, 3);
    memcpy(out->big_r, s->big_r, PTB);
    if (tss_secp_point_encode(s->ctx, out->y_pub, &s->y) != MPC_OK) {
        memset(out->y_pub, 0, PTB); /* cannot happen (Y decoded at create); refused online */
    }
    out->self_id = s->self_id;
    out->key_version = s->key_version;
    out->n_signers = (uint32_t)s->n_peers + 1;
    size_t n = 0;
    int self_done = 0;
    for (size_t k = 0; k <= s->n_peers; k++) {
        if (!self_done && (k == s->n_peers || s->self_id < s->peers[k].id)) {
            out->ids[n++] = s->self_id;
            self_done = 1;
        }
        if (k < s->n_peers) {
            out->ids[n++] = s->peers[k].id;
        }
    }
    out->magic = TSS_DKLS_PRESIG_MAGIC;
    mpc_wipe(&u, sizeof(u));
    mpc_wipe(&v, sizeof(v));
}

mpc_status
tss_dkls_presign_round3(tss_dkls_sign *s, const struct tss_dkls_sign_msg *direct2,
                        struct tss_dkls_presig *out, uint32_t *culprit)
{
    if (culprit != NULL) {
        *culprit = 0;
    }
    if (out != NULL) {
        tss_dkls_presig_wipe(out);
    }
    if (s == NULL || direct2 == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (s->stage != SIGN_STAGE_R2 || !s->presign) {
        return MPC_ERR_SESSION_STATE;
    }
    struct r3_sums sums;
    memset(&sums, 0, sizeof(sums));
    mpc_status st = sign_r3_checks(s, direct2, &sums, culprit);
    if (st != MPC_OK) {
        return st;
    }
    presign_record(s, &sums, out);
    s->stage = SIGN_STAGE_DONE; /* a presign session ends here: no finish */
    sign_r3_wipe(s, &sums);
    return MPC_OK;
}

/* s = W / U, low-S with recid, then verify and recover (spec §6.5 steps 2-4). */
mpc_status
tss_dkls_sign_assemble(const tss_secp_ctx *ctx, const uint8_t big_r[PTB],
                       const struct tss_secp_num *rx, const uint8_t msg32[32],
                       const secp256k1_pubkey *y, const struct tss_secp_num *uu,
                       const struct tss_secp_num *ww, uint8_t sig64[64], int *recid)
{
    struct tss_secp_num inv, sv;
    if (tss_secp_num_is_zero(uu)) {
        return MPC_ERR_VERIFY_FAILED;
    }
    tss_secp_scalar_inv(&inv, uu);
    tss_secp_scalar_mul(&sv, ww, &inv);
    if (tss_secp_num_is_zero(&sv)) {
        return MPC_ERR_VERIFY_FAILED;
    }
    /* The signature is public from here on: plain comparisons are fine. */
    int rid = (big_r[0] & 1) | (tss_secp_scalar_is_canonical(big_r + 1) ? 0 : 2);
    tss_secp_scalar_encode(sig64, rx);
    tss_secp_scalar_encode(sig64 + 32, &sv);
    if (memcmp(sig64 + 32, HALF_Q, 32) > 0) {
        tss_secp_scalar_neg(&sv, &sv);
        tss_secp_scalar_encode(sig64 + 32, &sv);
        rid ^= 1;
    }
    secp256k1_pubkey rec;
    uint8_t a[PTB], b[PTB];
    if (tss_secp_ecdsa_verify(ctx, sig64, msg32, y) != MPC_OK ||
        tss_secp_ecdsa_recover(ctx, &rec, sig64, rid, msg32) != MPC_OK ||
        tss_secp_point_encode(ctx, a, &rec) != MPC_OK ||
        tss_secp_point_encode(ctx, b, y) != MPC_OK || memcmp(a, b, PTB) != 0) {
        memset(sig64, 0, 64);
        return MPC_ERR_VERIFY_FAILED;
    }
    *recid = rid;
    return MPC_OK;
}

mpc_status
tss_dkls_sign_finish(tss_dkls_sign *s, const struct tss_dkls_sign_msg *bcast3, uint8_t sig64[64],
                     int *recid, uint32_t *culprit)
{
    if (culprit != NULL) {
        *culprit = 0;
    }
    if (sig64 != NULL) {
        memset(sig64, 0, 64);
    }
    if (recid != NULL) {
        *recid = -1;
    }
    if (s == NULL || bcast3 == NULL || sig64 == NULL || recid == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (s->stage != SIGN_STAGE_R3 || s->presign) {
        return MPC_ERR_SESSION_STATE;
    }
    struct tss_secp_num uu = s->u, ww = s->w, t;
    /* u_i, w_i were broadcast in round 3: public from here (ctime test). */
    TSS_DECLASSIFY(&uu, sizeof(uu));
    TSS_DECLASSIFY(&ww, sizeof(ww));
    for (size_t k = 0; k < s->n_peers; k++) {
        const uint8_t *m = bcast3[k].p;
        uint32_t id = s->peers[k].id;
        if (m == NULL || bcast3[k].len != TSS_DKLS_SIGN_R3_BCAST_BYTES) {
            return tss_dkls_sign_fail(s, MPC_ERR_MSG_MALFORMED, id, culprit);
        }
        if (!mpc_ct_equal(m + 64, s->echo2, 32)) {
            return tss_dkls_sign_fail(s, MPC_ERR_EQUIVOCATION, id, culprit);
        }
        if (tss_secp_scalar_decode(&t, m, SCB) != MPC_OK) {
            return tss_dkls_sign_fail(s, MPC_ERR_BAD_SCALAR, id, culprit);
        }
        tss_secp_scalar_add(&uu, &uu, &t);
        if (tss_secp_scalar_decode(&t, m + 32, SCB) != MPC_OK) {
            return tss_dkls_sign_fail(s, MPC_ERR_BAD_SCALAR, id, culprit);
        }
        tss_secp_scalar_add(&ww, &ww, &t);
    }
    mpc_status st =
        tss_dkls_sign_assemble(s->ctx, s->big_r, &s->rx, s->msg32, &s->y, &uu, &ww, sig64, recid);
    if (st != MPC_OK) {
        return tss_dkls_sign_fail(s, st, 0, culprit);
    }
    s->stage = SIGN_STAGE_DONE;
    return MPC_OK;
}

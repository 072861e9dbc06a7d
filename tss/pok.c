/*
 * pok.c — Schnorr proof of knowledge of the DKG constant term (ZF frost DKG challenge).
 */
#include "tss/pok.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/frost.h"

void
tss_pok_challenge_parts(const tss_group *g, tss_bytes parts[3], uint8_t *ide, uint8_t *c0e,
                        uint8_t *re, uint64_t id, const tss_point *C0, const tss_point *R)
{
    tss_scalar ids;
    g->scalar_from_u64(&ids, id);
    g->scalar_encode(ide, &ids);
    g->point_encode(c0e, C0);
    g->point_encode(re, R);
    parts[0] = (tss_bytes){ide, TSS_SCALAR_BYTES};
    parts[1] = (tss_bytes){c0e, g->point_len};
    parts[2] = (tss_bytes){re, g->point_len};
}

static mpc_status
pok_challenge(const tss_group *g, tss_pok_challenge_fn fn, const void *user, tss_scalar *c,
              uint64_t id, const tss_point *C0, const tss_point *R)
{
    if (fn != NULL) {
        return fn(user, c, id, C0, R);
    }
    static const char dst[] = TSS_FROST_CONTEXT "dkg";
    uint8_t ide[TSS_SCALAR_BYTES], c0e[TSS_POINT_MAX_BYTES], re[TSS_POINT_MAX_BYTES];
    tss_bytes parts[3];
    tss_pok_challenge_parts(g, parts, ide, c0e, re, id, C0, R);
    return g->hash_to_scalar(c, (const uint8_t *)dst, sizeof dst - 1, parts, 3);
}

mpc_status
tss_pok_prove(const tss_group *g, uint8_t *proof, uint64_t id, const tss_scalar *a0,
              const tss_point *C0)
{
    return tss_pok_prove_with(g, NULL, NULL, proof, id, a0, C0);
}

mpc_status
tss_pok_verify(const tss_group *g, const uint8_t *proof, uint64_t id, const tss_point *C0)
{
    return tss_pok_verify_with(g, NULL, NULL, proof, id, C0);
}

mpc_status
tss_pok_prove_with(const tss_group *g, tss_pok_challenge_fn fn, const void *user, uint8_t *proof,
                   uint64_t id, const tss_scalar *a0, const tss_point *C0)
{
    if (g == NULL || proof == NULL || a0 == NULL || C0 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(proof, 0, g->point_len + TSS_SCALAR_BYTES);
    tss_scalar k, c, mu;
    tss_point R;
    mpc_status st = g->scalar_random(&k);
    if (st == MPC_OK) {
        st = g->point_mul_base(&R, &k);
    }
    if (st == MPC_OK) {
        st = pok_challenge(g, fn, user, &c, id, C0, &R);
    }
    if (st == MPC_OK) {
        g->scalar_mul(&mu, a0, &c);
        g->scalar_add(&mu, &mu, &k);
        g->point_encode(proof, &R);
        g->scalar_encode(proof + g->point_len, &mu);
    }
    mpc_wipe(&k, sizeof k);
    mpc_wipe(&mu, sizeof mu);
    return st;
}

mpc_status
tss_pok_verify_with(const tss_group *g, tss_pok_challenge_fn fn, const void *user,
                    const uint8_t *proof, uint64_t id, const tss_point *C0)
{
    if (g == NULL || proof == NULL || C0 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_point R, lhs, rhs;
    tss_scalar mu, c;
    mpc_status st = g->point_decode(&R, proof);
    if (st != MPC_OK) {
        return st;
    }
    st = g->scalar_decode(&mu, proof + g->point_len);
    if (st != MPC_OK) {
        return st;
    }
    st = pok_challenge(g, fn, user, &c, id, C0, &R);
    if (st != MPC_OK) {
        return st;
    }
    if (g->point_mul_base(&lhs, &mu) != MPC_OK || g->point_mul(&rhs, &c, C0) != MPC_OK ||
        g->point_add(&rhs, &rhs, &R) != MPC_OK || !g->point_eq(&lhs, &rhs)) {
        return MPC_ERR_BAD_PROOF;
    }
    return MPC_OK;
}

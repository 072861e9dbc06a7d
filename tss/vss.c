/*
 * vss.c — Shamir polynomials and Feldman verification.
 */
#include "tss/vss.h"

#include <string.h>

#include "common/secmem.h"

struct tss_poly {
    const tss_group *g; /* group the coefficients live in */
    uint32_t t;         /* number of coefficients (degree t-1) */
    tss_scalar coef[];  /* a_0 .. a_{t-1}, secret */
};

mpc_status
tss_poly_create(tss_poly **out, const tss_group *g, uint32_t t, const tss_scalar *coefs,
                const tss_scalar *constant)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || g == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (t == 0 || t > TSS_MAX_THRESHOLD) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    tss_poly *p = mpc_secure_alloc(sizeof *p + (size_t)t * sizeof(tss_scalar));
    if (p == NULL) {
        return MPC_ERR_NOMEM;
    }
    p->g = g;
    p->t = t;
    for (uint32_t k = 0; k < t; k++) {
        if (coefs != NULL) {
            p->coef[k] = coefs[k];
        } else if (k == 0 && constant != NULL) {
            p->coef[0] = *constant;
        } else if (g->scalar_random(&p->coef[k]) != MPC_OK) {
            mpc_secure_free(p);
            return MPC_ERR_RANDOM;
        }
    }
    *out = p;
    return MPC_OK;
}

void
tss_poly_destroy(tss_poly *p)
{
    mpc_secure_free(p); /* sodium_free wipes */
}

uint32_t
tss_poly_threshold(const tss_poly *p)
{
    return p != NULL ? p->t : 0;
}

mpc_status
tss_poly_constant(const tss_poly *p, tss_scalar *out)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (p == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = p->coef[0];
    return MPC_OK;
}

mpc_status
tss_poly_eval(const tss_poly *p, tss_scalar *out, uint64_t x)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (p == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (x == 0) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    const tss_group *g = p->g;
    tss_scalar xs, acc = p->coef[p->t - 1];
    g->scalar_from_u64(&xs, x);
    for (uint32_t k = p->t - 1; k-- > 0;) {
        g->scalar_mul(&acc, &acc, &xs);
        g->scalar_add(&acc, &acc, &p->coef[k]);
    }
    *out = acc;
    mpc_wipe(&acc, sizeof acc);
    return MPC_OK;
}

mpc_status
tss_poly_commit(const tss_poly *p, tss_point *out)
{
    if (p == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    for (uint32_t k = 0; k < p->t; k++) {
        mpc_status st = p->g->point_mul_base(&out[k], &p->coef[k]);
        if (st != MPC_OK) {
            return st;
        }
    }
    return MPC_OK;
}

mpc_status
tss_vss_commit_eval(const tss_group *g, tss_point *out, const tss_point *commits, uint32_t t,
                    uint64_t x)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (g == NULL || out == NULL || commits == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (t == 0) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    if (x == 0) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    tss_scalar xs;
    tss_point acc = commits[t - 1];
    g->scalar_from_u64(&xs, x);
    for (uint32_t k = t - 1; k-- > 0;) {
        mpc_status st = g->point_mul(&acc, &xs, &acc);
        if (st == MPC_OK) {
            st = g->point_add(&acc, &acc, &commits[k]);
        }
        if (st != MPC_OK) {
            return st;
        }
    }
    *out = acc;
    return MPC_OK;
}

mpc_status
tss_vss_verify_share(const tss_group *g, const tss_scalar *share, uint64_t x,
                     const tss_point *commits, uint32_t t)
{
    if (g == NULL || share == NULL || commits == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_point want, got;
    mpc_status st = tss_vss_commit_eval(g, &want, commits, t, x);
    if (st == MPC_ERR_IDENTITY_POINT) {
        return MPC_ERR_BAD_SHARE;
    }
    if (st != MPC_OK) {
        return st;
    }
    if (g->point_mul_base(&got, share) != MPC_OK || !g->point_eq(&got, &want)) {
        return MPC_ERR_BAD_SHARE;
    }
    return MPC_OK;
}

mpc_status
tss_vss_commit_sum(const tss_group *g, tss_point *out, const tss_point *const *vecs, size_t n,
                   uint32_t t)
{
    if (g == NULL || out == NULL || vecs == NULL || n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    for (uint32_t k = 0; k < t; k++) {
        tss_point acc = vecs[0][k];
        for (size_t i = 1; i < n; i++) {
            mpc_status st = g->point_add(&acc, &acc, &vecs[i][k]);
            if (st != MPC_OK) {
                return st;
            }
        }
        out[k] = acc;
    }
    return MPC_OK;
}

/*
 * group.c — curve-independent helpers over the tss_group table: backend
 * lookup, identifier checks and Lagrange coefficients.
 */
#include "tss/group.h"

#include <string.h>

#include "common/secmem.h"

const tss_group *
tss_group_by_id(uint32_t id)
{
    if (id == TSS_CURVE_ED25519) {
        return tss_group_ed25519();
    }
    if (id == TSS_CURVE_SECP256K1) {
        return tss_group_secp256k1();
    }
    return NULL;
}

mpc_status
tss_ids_check(const uint64_t *ids, size_t n)
{
    if (ids == NULL && n > 0) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == 0) {
            return MPC_ERR_BAD_IDENTIFIER;
        }
        for (size_t j = i + 1; j < n; j++) {
            if (ids[i] == ids[j]) {
                return MPC_ERR_BAD_IDENTIFIER;
            }
        }
    }
    return MPC_OK;
}

mpc_status
tss_lagrange_at_zero(const tss_group *g, tss_scalar *out, const uint64_t *ids, size_t n,
                     size_t self_pos)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (g == NULL || out == NULL || ids == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (self_pos >= n || tss_ids_check(ids, n) != MPC_OK) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    /* lambda_i = prod_{j != i} x_j / (x_j - x_i); identifiers are public. */
    tss_scalar num, den, xi, xj, t;
    g->scalar_from_u64(&num, 1);
    g->scalar_from_u64(&den, 1);
    g->scalar_from_u64(&xi, ids[self_pos]);
    for (size_t j = 0; j < n; j++) {
        if (j == self_pos) {
            continue;
        }
        g->scalar_from_u64(&xj, ids[j]);
        g->scalar_mul(&num, &num, &xj);
        g->scalar_sub(&t, &xj, &xi);
        g->scalar_mul(&den, &den, &t);
    }
    mpc_status st = g->scalar_invert(&t, &den);
    if (st != MPC_OK) {
        return MPC_ERR_BAD_IDENTIFIER; /* distinct ids mod the order cannot give 0 */
    }
    g->scalar_mul(out, &num, &t);
    return MPC_OK;
}

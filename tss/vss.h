/*
 * vss.h — Shamir polynomials and Feldman verifiable secret sharing.
 *
 * A sharing of threshold t (t = minimum number of shares that reconstruct)
 * uses a polynomial of degree t-1, i.e. t coefficients, and publishes exactly
 * t commitments C_k = a_k * G. Share of identifier x (x != 0) is f(x); it is
 * checked against the commitments as f(x) * G == sum_k C_k * x^k.
 *
 * DESIGN: a tss_poly holds secret coefficients and lives in mpc_secure_alloc
 * memory; destroy wipes it. Identifiers are public (uint64_t, non-zero).
 *
 * THREAD SAFETY: a tss_poly belongs to one thread at a time; the other
 * functions are pure.
 */
#ifndef MPC_TSS_VSS_H
#define MPC_TSS_VSS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/group.h"

#define TSS_MAX_THRESHOLD 255 /* upper bound on t (and on committee sizes) */

/* Opaque secret polynomial. */
typedef struct tss_poly tss_poly;

/*
 * Creates a polynomial with t coefficients: coefs[0..t) if coefs is non-NULL,
 * otherwise random coefficients whose constant term is *constant (or random
 * if constant is NULL too).
 * Out: *out — caller owns it; free with tss_poly_destroy().
 * Returns: MPC_OK; MPC_ERR_BAD_THRESHOLD for t == 0 or t > TSS_MAX_THRESHOLD;
 *          MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM; MPC_ERR_RANDOM.
 */
MPC_MUST_CHECK mpc_status tss_poly_create(tss_poly **out, const tss_group *g, uint32_t t,
                                          const tss_scalar *coefs, const tss_scalar *constant);

/* Wipes and frees p. Accepts NULL. */
void tss_poly_destroy(tss_poly *p);

/* Returns: the number of coefficients t (0 for NULL). */
uint32_t tss_poly_threshold(const tss_poly *p);

/*
 * Copies the constant term a_0 (the dealt secret).
 * Out: *out (cleared on entry). Returns: MPC_OK, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_poly_constant(const tss_poly *p, tss_scalar *out);

/*
 * Evaluates f(x) for x != 0.
 * Out: *out (cleared on entry).
 * Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER if x == 0; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_poly_eval(const tss_poly *p, tss_scalar *out, uint64_t x);

/*
 * Feldman commitments C_k = a_k * G.
 * Out: out[0..t) where t = tss_poly_threshold(p).
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT if a coefficient is zero; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_poly_commit(const tss_poly *p, tss_point *out);

/*
 * Evaluates committed polynomial at x: out = sum_k C_k * x^k (Horner).
 * Out: *out. In: commits[0..t).
 * Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER (x == 0); MPC_ERR_BAD_THRESHOLD (t == 0);
 *          MPC_ERR_IDENTITY_POINT if the result or a step is the identity;
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_vss_commit_eval(const tss_group *g, tss_point *out,
                                              const tss_point *commits, uint32_t t, uint64_t x);

/*
 * Checks share * G == tss_vss_commit_eval(commits, t, x).
 * Returns: MPC_OK; MPC_ERR_BAD_SHARE on mismatch (or a zero share, or a
 *          commitment that evaluates to the identity); MPC_ERR_BAD_IDENTIFIER;
 *          MPC_ERR_BAD_THRESHOLD; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_vss_verify_share(const tss_group *g, const tss_scalar *share,
                                               uint64_t x, const tss_point *commits, uint32_t t);

/*
 * Sums commitment vectors elementwise: out[k] = sum_i vecs[i][k], for n vectors of t points.
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT if a sum is the identity; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_vss_commit_sum(const tss_group *g, tss_point *out,
                                             const tss_point *const *vecs, size_t n, uint32_t t);

#endif /* MPC_TSS_VSS_H */

/*
 * secp256k1.h — the secp256k1 backend of tss/: scalars mod q, points, and the
 * three multiplications of the DKLs23 spec §1.1.
 *
 *   BASE(k)       tss_secp_point_base      secp256k1_ec_pubkey_create (constant time)
 *   MUL_CT(k, P)  tss_secp_point_mul_ct    secp256k1_ecdh + raw x||y callback (constant time)
 *   MUL_PUB(k, P) tss_secp_point_mul_pub   secp256k1_ec_pubkey_tweak_mul (VARIABLE time:
 *                                          public k only)
 *   CT-add        tss_secp_ge_add_ct       our affine addition over secp_mod (constant time)
 *
 * Public points are libsecp256k1 `secp256k1_pubkey` values (never the identity).
 * Points that depend on secrets are `struct tss_secp_ge` affine coordinates and
 * are only touched by constant-time code (secp_mod, CT-add, encode).
 * Scalars travel as 32-byte big-endian strings (`SC` of the spec).
 *
 * DESIGN: a tss_secp_ctx owns one randomized libsecp256k1 context. It is
 * created once (by the node at start-up, by each test program) and is then
 * read-only: every function here takes it as `const` and may be called from
 * any number of threads at once. Creating it runs the backend self-test.
 *
 * THREAD SAFETY: see DESIGN; tss_secp_ctx_create/destroy are not concurrent
 * with other uses of the same context.
 */
#ifndef MPC_TSS_SECP256K1_H
#define MPC_TSS_SECP256K1_H

#include <secp256k1.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/secp_mod.h"

/* Bytes of SC(a). */
#define TSS_SECP_SCALAR_BYTES 32
/* Bytes of PT(P), SEC1 compressed. */
#define TSS_SECP_POINT_BYTES 33

/* Opaque backend context (owns a randomized libsecp256k1 context). */
typedef struct tss_secp_ctx tss_secp_ctx;

/* An affine point (never the identity); coordinates reduced mod p. */
struct tss_secp_ge {
    struct tss_secp_num x; /* x coordinate */
    struct tss_secp_num y; /* y coordinate */
};

/*
 * Creates the backend context: libsecp256k1 context randomized from the CSPRNG,
 * then runs tss_secp_selftest().
 * Out: *out — caller owns it; free with tss_secp_ctx_destroy(). NULL on failure.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (out NULL); MPC_ERR_NOMEM; MPC_ERR_RANDOM;
 *          MPC_ERR_SELFTEST if the self-test fails.
 */
MPC_MUST_CHECK mpc_status tss_secp_ctx_create(tss_secp_ctx **out);

/* Destroys a context from tss_secp_ctx_create. Accepts NULL. */
void tss_secp_ctx_destroy(tss_secp_ctx *ctx);

/*
 * Backend self-test: scratch sizes, scalar and field identities, BASE/MUL_CT/
 * MUL_PUB agreement, CT-add against pubkey_combine, and the RFC 9380 J.8.1
 * hash-to-curve vector for msg "".
 * Returns: MPC_OK or MPC_ERR_SELFTEST.
 */
MPC_MUST_CHECK mpc_status tss_secp_selftest(const tss_secp_ctx *ctx);

/* ------------------------------------------------------------------ scalars */

/* Returns: 1 if the 32-byte big-endian s is < q, else 0. Constant time. */
int tss_secp_scalar_is_canonical(const uint8_t s[TSS_SECP_SCALAR_BYTES]);

/* Returns: 1 if s is canonical and nonzero, else 0. Constant time. */
int tss_secp_scalar_is_valid_nonzero(const uint8_t s[TSS_SECP_SCALAR_BYTES]);

/*
 * Draws a uniform scalar by rejection (spec §1.1): 32 random bytes, redrawn
 * unless 0 < v < q (nonzero = 1) or v < q (nonzero = 0).
 * Out: out — cleared on entry. Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_RANDOM.
 */
MPC_MUST_CHECK mpc_status tss_secp_scalar_random(uint8_t out[TSS_SECP_SCALAR_BYTES], int nonzero);

/*
 * Decodes a received scalar: exactly 32 bytes, < q.
 * Returns: MPC_OK; MPC_ERR_BAD_SCALAR (r zeroed) for a wrong length or a value >= q;
 *          MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status tss_secp_scalar_decode(struct tss_secp_num *r, const uint8_t *in,
                                                 size_t len);

/* Encodes a reduced scalar as SC(a). */
void tss_secp_scalar_encode(uint8_t out[TSS_SECP_SCALAR_BYTES], const struct tss_secp_num *a);

/* Scalar shorthands mod q (constant time; outputs may alias inputs). */
void tss_secp_scalar_add(struct tss_secp_num *r, const struct tss_secp_num *a,
                         const struct tss_secp_num *b);
void tss_secp_scalar_sub(struct tss_secp_num *r, const struct tss_secp_num *a,
                         const struct tss_secp_num *b);
void tss_secp_scalar_mul(struct tss_secp_num *r, const struct tss_secp_num *a,
                         const struct tss_secp_num *b);
void tss_secp_scalar_neg(struct tss_secp_num *r, const struct tss_secp_num *a);
/* r = a^-1 mod q (r = 0 for a = 0). */
void tss_secp_scalar_inv(struct tss_secp_num *r, const struct tss_secp_num *a);

/*
 * Lagrange coefficient at zero: lambda_j = prod_{l in ids, l != j} l / (l - j) mod q.
 * In: ids[0..n) — distinct nonzero canonical scalars; j — one of them.
 * Out: out — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER if an id is zero, non-canonical or
 *          duplicated, or j is not in ids; MPC_ERR_INVALID_ARG on NULL or n == 0.
 */
MPC_MUST_CHECK mpc_status tss_secp_lagrange(uint8_t out[TSS_SECP_SCALAR_BYTES],
                                            const uint8_t (*ids)[TSS_SECP_SCALAR_BYTES], size_t n,
                                            const uint8_t j[TSS_SECP_SCALAR_BYTES]);

/* ------------------------------------------------------------------ points */

/*
 * Decodes a received PT(P): exactly 33 bytes, prefix 02/03, x < p, on the curve.
 * Out: pk — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_BAD_POINT otherwise; MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status tss_secp_point_decode(const tss_secp_ctx *ctx, secp256k1_pubkey *pk,
                                                const uint8_t *in, size_t len);

/* Encodes a public point as PT(P) (33 bytes). Returns: MPC_OK or MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status tss_secp_point_encode(const tss_secp_ctx *ctx,
                                                uint8_t out[TSS_SECP_POINT_BYTES],
                                                const secp256k1_pubkey *pk);

/*
 * BASE(k) = k·G, constant time. pk and/or ge may be NULL if not wanted.
 * pk is for points the caller publishes; a secret point is asked for as ge
 * only, whose coordinates come from MUL_CT(k, G) (secp256k1_ecdh normalises in
 * constant time; pubkey_serialize, which spec §1.1 names, normalises in
 * variable time — a deviation found by the valgrind ctime test).
 * Out: pk, ge — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_BAD_SCALAR for k = 0 or k >= q; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_point_base(const tss_secp_ctx *ctx, secp256k1_pubkey *pk,
                                              struct tss_secp_ge *ge,
                                              const uint8_t k[TSS_SECP_SCALAR_BYTES]);

/*
 * MUL_CT(k, P) = k·P, constant time in k (secp256k1_ecdh with a raw-point callback).
 * Out: ge — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_BAD_SCALAR for k = 0 or k >= q; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_point_mul_ct(const tss_secp_ctx *ctx, struct tss_secp_ge *ge,
                                                const secp256k1_pubkey *p,
                                                const uint8_t k[TSS_SECP_SCALAR_BYTES]);

/*
 * MUL_PUB(k, P) = k·P. WARNING: variable time — k must be public.
 * Out: out — cleared on entry (may alias p).
 * Returns: MPC_OK; MPC_ERR_BAD_SCALAR for k = 0 or k >= q; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_point_mul_pub(const tss_secp_ctx *ctx, secp256k1_pubkey *out,
                                                 const secp256k1_pubkey *p,
                                                 const uint8_t k[TSS_SECP_SCALAR_BYTES]);

/*
 * Sum of n >= 1 public points (variable time). Out: out — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT if the sum is O; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_point_sum(const tss_secp_ctx *ctx, secp256k1_pubkey *out,
                                             const secp256k1_pubkey *const *ins, size_t n);

/* Converts a public point to affine coordinates (variable time is fine: public). */
MPC_MUST_CHECK mpc_status tss_secp_point_to_ge(const tss_secp_ctx *ctx, struct tss_secp_ge *ge,
                                               const secp256k1_pubkey *pk);

/*
 * Converts affine coordinates to a libsecp256k1 point. Only for points that are
 * public (libsecp256k1 parses in variable time).
 * Returns: MPC_OK; MPC_ERR_BAD_POINT if (x, y) is not on the curve.
 */
MPC_MUST_CHECK mpc_status tss_secp_ge_to_point(const tss_secp_ctx *ctx, secp256k1_pubkey *pk,
                                               const struct tss_secp_ge *ge);

/*
 * CT-add (spec §1.1): r = a + b by the affine formula, inversion by mpn_sec_powm,
 * no branch on the coordinates. r may alias a or b.
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT if x(a) == x(b) (a == ±b; probability
 *          2^-256 for honest inputs; r is then zeroed). In a check this counts as failure.
 */
MPC_MUST_CHECK mpc_status tss_secp_ge_add_ct(struct tss_secp_ge *r, const struct tss_secp_ge *a,
                                             const struct tss_secp_ge *b);

/* r = -a (y -> p - y), constant time. */
void tss_secp_ge_neg(struct tss_secp_ge *r, const struct tss_secp_ge *a);

/* PT(a) from affine coordinates, constant time (prefix 02 + parity of y). */
void tss_secp_ge_encode(uint8_t out[TSS_SECP_POINT_BYTES], const struct tss_secp_ge *a);

/* Returns: 1 if y^2 == x^3 + 7 mod p (constant time), else 0. */
int tss_secp_ge_is_on_curve(const struct tss_secp_ge *a);

/* ------------------------------------------------------------------ ECDSA */

/*
 * Verifies the compact signature r || s (s must be low) on msg32 under pk with
 * secp256k1_ecdsa_verify.
 * Returns: MPC_OK; MPC_ERR_VERIFY_FAILED (unparsable, high-S or invalid);
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_ecdsa_verify(const tss_secp_ctx *ctx, const uint8_t sig64[64],
                                                const uint8_t msg32[32],
                                                const secp256k1_pubkey *pk);

/*
 * Verifies a BIP340 signature sig64 on msg[0..msg_len) under the x-only key
 * xonly32 with secp256k1_schnorrsig_verify.
 * Returns: MPC_OK; MPC_ERR_VERIFY_FAILED (key not on the curve or signature
 *          invalid); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_schnorr_verify(const tss_secp_ctx *ctx, const uint8_t sig64[64],
                                                  const uint8_t *msg, size_t msg_len,
                                                  const uint8_t xonly32[32]);

/*
 * Recovers the public key from r || s, recid (0..3) and msg32 (secp256k1_ecdsa_recover).
 * Out: pk — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_VERIFY_FAILED if recovery fails; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_ecdsa_recover(const tss_secp_ctx *ctx, secp256k1_pubkey *pk,
                                                 const uint8_t sig64[64], int recid,
                                                 const uint8_t msg32[32]);

#endif /* MPC_TSS_SECP256K1_H */

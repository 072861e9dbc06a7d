/*
 * frost.h — FROST(Ed25519, SHA-512) primitives, RFC 9591 §4–§5 and §6.1.
 *
 * These are the building blocks; tss/frost_sign.h is the no-coordinator
 * state machine built on them, and the vector checker recomputes RFC 9591
 * vector files with them. Hash functions (RFC 9591 §6.1):
 *   H1 = H(ctx || "rho"   || m), H2 = H(m) (RFC 8032 challenge, no context),
 *   H3 = H(ctx || "nonce" || m), H4 = SHA-512(ctx || "msg" || m),
 *   H5 = SHA-512(ctx || "com" || m), ctx = "FROST-ED25519-SHA512-v1".
 *
 * DESIGN: tss_frost_nonces are secret and single-use; callers keep them in
 * mpc_secure_alloc memory and wipe them right after tss_frost_sign_share
 * (which itself wipes its stack copies). A tss_frost_ctx holds the public
 * per-signing values (sorted commitment list, binding factors, group
 * commitment R, challenge c) so that each is computed once.
 *
 * THREAD SAFETY: pure functions; a ctx belongs to one thread at a time.
 */
#ifndef MPC_TSS_FROST_H
#define MPC_TSS_FROST_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/group.h"

#define TSS_FROST_CONTEXT    "FROST-ED25519-SHA512-v1"
#define TSS_FROST_SIG_BYTES  64  /* R || z */
#define TSS_FROST_HASH_BYTES 64  /* H4 / H5 output length */
#define TSS_FROST_RHO_INPUT  192 /* Ed25519 binding factor input length */

/* One signer's public nonce commitment (RFC 9591 §5.1). */
typedef struct {
    uint64_t id;       /* signer identifier (non-zero) */
    tss_point hiding;  /* D_i = d_i * G */
    tss_point binding; /* E_i = e_i * G */
} tss_frost_commitment;

/* One signer's secret nonce pair. */
typedef struct {
    tss_scalar hiding;  /* d_i */
    tss_scalar binding; /* e_i */
} tss_frost_nonces;

/* Public values shared by every signer of one signing operation. */
typedef struct {
    const tss_group *g;         /* group */
    size_t n;                   /* number of signers */
    tss_frost_commitment *list; /* commitment list sorted by identifier (owned) */
    tss_scalar *rho;            /* binding factor of list[i] (owned) */
    uint64_t *ids;              /* list[i].id, for Lagrange (owned) */
    tss_point group_key;        /* PK */
    tss_point R;                /* group commitment */
    tss_scalar c;               /* challenge */
} tss_frost_ctx;

/*
 * nonce_generate (RFC 9591 §4.1): out = H3(random || SerializeScalar(secret)).
 * Returns: MPC_OK, MPC_ERR_CRYPTO, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_nonce_generate(const tss_group *g, tss_scalar *out,
                                                   const uint8_t random[32],
                                                   const tss_scalar *secret);

/*
 * commit (RFC 9591 §5.1) from given randomness (vectors) or, when both
 * randomness pointers are NULL, 32 fresh bytes each from the OS CSPRNG.
 * Out: *nonces (secret), *comm (comm->id = id).
 * Returns: MPC_OK, MPC_ERR_RANDOM, MPC_ERR_CRYPTO, MPC_ERR_IDENTITY_POINT, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_commit(const tss_group *g, tss_frost_nonces *nonces,
                                           tss_frost_commitment *comm, uint64_t id,
                                           const tss_scalar *secret, const uint8_t *hiding_rand,
                                           const uint8_t *binding_rand);

/*
 * Builds the context: sorts a copy of list[0..n) by identifier, checks the
 * identifiers (non-zero, distinct), computes binding factors, R and c.
 * Out: *ctx — release with tss_frost_ctx_clear().
 * Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER; MPC_ERR_IDENTITY_POINT (R is the
 *          identity); MPC_ERR_NOMEM; MPC_ERR_INVALID_ARG (n == 0 or NULL).
 */
MPC_MUST_CHECK mpc_status tss_frost_ctx_init(tss_frost_ctx *ctx, const tss_group *g,
                                             const tss_point *group_key,
                                             const tss_frost_commitment *list, size_t n,
                                             const uint8_t *msg, size_t msg_len);

/* Frees what tss_frost_ctx_init allocated; accepts a zeroed or cleared ctx. */
void tss_frost_ctx_clear(tss_frost_ctx *ctx);

/* Returns: position of identifier id in ctx->list, or ctx->n if absent. */
size_t tss_frost_ctx_find(const tss_frost_ctx *ctx, uint64_t id);

/*
 * The binding-factor input of ctx->list[pos] (RFC 9591 §4.4):
 * SerializeElement(PK) || H4(msg) || H5(encoded commitment list) || SerializeScalar(id).
 * Out: out[0..*out_len) with out_cap >= 2*point_len + 128.
 * Returns: MPC_OK, MPC_ERR_BUFFER_TOO_SMALL, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_binding_input(const tss_group *g, uint8_t *out, size_t out_cap,
                                                  size_t *out_len, const tss_point *group_key,
                                                  const tss_frost_commitment *sorted, size_t n,
                                                  const uint8_t *msg, size_t msg_len, uint64_t id);

/*
 * Signature share (RFC 9591 §5.2): z = d + e*rho + lambda*sk*c for the
 * signer at position of identifier id.
 * Out: *z. Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER (id not in ctx); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_sign_share(const tss_frost_ctx *ctx, tss_scalar *z, uint64_t id,
                                               const tss_frost_nonces *nonces,
                                               const tss_scalar *sk);

/*
 * verify_signature_share (RFC 9591 §5.4): z*G == D + rho*E + (c*lambda)*Y.
 * Returns: MPC_OK; MPC_ERR_BAD_SIG_SHARE; MPC_ERR_BAD_IDENTIFIER; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_verify_share(const tss_frost_ctx *ctx, uint64_t id,
                                                 const tss_point *verifying_share,
                                                 const tss_scalar *z);

/*
 * aggregate (RFC 9591 §5.3): sig = SerializeElement(R) || SerializeScalar(sum z).
 * In: z[i] is the share of ctx->list[i].
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_aggregate(const tss_frost_ctx *ctx,
                                              uint8_t sig[TSS_FROST_SIG_BYTES],
                                              const tss_scalar *z);

#endif /* MPC_TSS_FROST_H */

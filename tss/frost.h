/*
 * frost.h — FROST primitives, RFC 9591 §4–§5, for three ciphersuites held in
 * one table each (tss_frost_suite, tss/frost_suite.c):
 *   tss_frost_ed25519      FROST(Ed25519, SHA-512), RFC 9591 §6.1
 *   tss_frost_secp256k1    FROST(secp256k1, SHA-256), RFC 9591 §6.5
 *   tss_frost_secp256k1_tr the same group and hash layout with the BIP340
 *                          adaptations (docs/specs/frost-taproot.md): even-Y
 *                          key and group commitment, BIP0340/challenge, an
 *                          optional BIP341 tweak, 64-byte x(R) || z signatures.
 *
 * These are the building blocks; tss/frost_sign.h is the no-coordinator
 * state machine built on them, and the vector checker recomputes RFC 9591
 * vector files with them. Hash functions (RFC 9591 §6.1, §6.5):
 *   H1 = H(ctx || "rho" || m), H2 = challenge, H3 = H(ctx || "nonce" || m),
 *   H4 = Hash(ctx || "msg" || m), H5 = Hash(ctx || "com" || m); H1/H3 reduce
 *   SHA-512 mod L (Ed25519) or are hash_to_field with DST ctx || tag
 *   (secp256k1, RFC 9380 expand_message_xmd, L = 48).
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

#define TSS_FROST_CONTEXT       "FROST-ED25519-SHA512-v1"
#define TSS_FROST_SIG_BYTES     64  /* Ed25519 R || z; BIP340 x(R) || z */
#define TSS_FROST_SIG_MAX_BYTES 65  /* longest: FROST(secp256k1) R (33) || z */
#define TSS_FROST_HASH_BYTES    64  /* longest H4 / H5 output */
#define TSS_FROST_RHO_INPUT     192 /* Ed25519 binding factor input length */
#define TSS_FROST_XONLY_BYTES   32  /* BIP340 x-only key */

typedef struct tss_frost_suite tss_frost_suite;

/* BIP341 key-path tweak of a BIP340 signing (ignored by the other suites). */
typedef enum {
    TSS_FROST_TWEAK_NONE = 0,    /* sign under the internal x-only key itself */
    TSS_FROST_TWEAK_KEYPATH = 1, /* Q = P + H_TapTweak(x(P)) G (BIP86: no script path) */
    TSS_FROST_TWEAK_ROOT = 2     /* Q = P + H_TapTweak(x(P) || merkle_root) G */
} tss_frost_tweak_mode;

/* The tweak a signing applies. */
typedef struct {
    tss_frost_tweak_mode mode; /* see tss_frost_tweak_mode */
    uint8_t root[32];          /* taproot merkle root (mode TSS_FROST_TWEAK_ROOT) */
} tss_frost_tweak;

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

/*
 * A ciphersuite (RFC 9591 §6): the group, the hash functions H1..H5, the
 * signature encoding and its verifier. Immutable; see tss/frost_suite.c.
 */
struct tss_frost_suite {
    const char *name;                /* "FROST(Ed25519, SHA-512)", ... */
    const char *context;             /* contextString */
    const tss_group *(*group)(void); /* the group backend */
    size_t hash_len;                 /* H4 / H5 output bytes (64 or 32) */
    size_t sig_len;                  /* signature bytes */
    int bip340;                      /* 1: the BIP340 adaptations (even Y, x-only, tweak) */
    /* H1 / H3: ctx || tag, then parts, mapped to a scalar. */
    mpc_status (*h_scalar)(const tss_frost_suite *cs, tss_scalar *out, const char *tag,
                           const tss_bytes *parts, size_t n);
    /* H4 / H5: Hash(ctx || tag || m) into out[0..hash_len). */
    mpc_status (*h_bytes)(const tss_frost_suite *cs, uint8_t *out, const char *tag,
                          const uint8_t *m, size_t len);
    /* H2: the challenge over R, the verification key and the message. */
    mpc_status (*challenge)(const tss_frost_suite *cs, tss_scalar *c, const tss_point *R,
                            const tss_point *key, const uint8_t *msg, size_t msg_len);
    /* Verifies sig[0..sig_len) on msg under key with an independent library. */
    mpc_status (*verify)(const uint8_t *sig, const tss_point *key, const uint8_t *msg,
                         size_t msg_len);
};

extern const tss_frost_suite tss_frost_ed25519;      /* FROST(Ed25519, SHA-512) */
extern const tss_frost_suite tss_frost_secp256k1;    /* FROST(secp256k1, SHA-256) */
extern const tss_frost_suite tss_frost_secp256k1_tr; /* FROST(secp256k1, SHA-256) + BIP340 */

/* Public values shared by every signer of one signing operation. */
typedef struct {
    const tss_frost_suite *cs;  /* ciphersuite */
    const tss_group *g;         /* its group */
    size_t n;                   /* number of signers */
    tss_frost_commitment *list; /* commitment list sorted by identifier (owned) */
    tss_scalar *rho;            /* binding factor of list[i] (owned) */
    uint64_t *ids;              /* list[i].id, for Lagrange (owned) */
    tss_point group_key;        /* PK: the verification key (BIP340: even-Y output key Q) */
    tss_point R;                /* group commitment (BIP340: negated to even Y if needed) */
    tss_scalar c;               /* challenge */
    int r_neg;                  /* BIP340: 1 if R was negated (nonces are negated) */
    int key_neg;                /* BIP340: 1 if the shares are negated (parity of P and Q) */
    tss_scalar tweak;           /* BIP340: g_Q * t, added as c * tweak once (zero: none) */
    uint8_t internal_x[TSS_FROST_XONLY_BYTES]; /* BIP340: x(P), the internal key */
} tss_frost_ctx;

/*
 * nonce_generate (RFC 9591 §4.1): out = H3(random || SerializeScalar(secret)).
 * Returns: MPC_OK, MPC_ERR_CRYPTO, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_nonce_generate(const tss_frost_suite *cs, tss_scalar *out,
                                                   const uint8_t random[32],
                                                   const tss_scalar *secret);

/*
 * commit (RFC 9591 §5.1) from given randomness (vectors) or, when both
 * randomness pointers are NULL, 32 fresh bytes each from the OS CSPRNG.
 * Out: *nonces (secret), *comm (comm->id = id).
 * Returns: MPC_OK, MPC_ERR_RANDOM, MPC_ERR_CRYPTO, MPC_ERR_IDENTITY_POINT, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_commit(const tss_frost_suite *cs, tss_frost_nonces *nonces,
                                           tss_frost_commitment *comm, uint64_t id,
                                           const tss_scalar *secret, const uint8_t *hiding_rand,
                                           const uint8_t *binding_rand);

/*
 * Builds the context: sorts a copy of list[0..n) by identifier, checks the
 * identifiers (non-zero, distinct), computes binding factors, R and c. A
 * BIP340 suite first derives the verification key from group_key (even Y,
 * then the tweak; tweak NULL = none) and makes R even (frost-taproot.md).
 * Out: *ctx — release with tss_frost_ctx_clear().
 * Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER; MPC_ERR_IDENTITY_POINT (R is the
 *          identity); MPC_ERR_TR_TWEAK (the tweak is >= the group order or
 *          gives the identity); MPC_ERR_NOMEM; MPC_ERR_INVALID_ARG (n == 0 or NULL).
 */
MPC_MUST_CHECK mpc_status tss_frost_ctx_init(tss_frost_ctx *ctx, const tss_frost_suite *cs,
                                             const tss_point *group_key,
                                             const tss_frost_commitment *list, size_t n,
                                             const uint8_t *msg, size_t msg_len,
                                             const tss_frost_tweak *tweak);

/* Frees what tss_frost_ctx_init allocated; accepts a zeroed or cleared ctx. */
void tss_frost_ctx_clear(tss_frost_ctx *ctx);

/* Returns: position of identifier id in ctx->list, or ctx->n if absent. */
size_t tss_frost_ctx_find(const tss_frost_ctx *ctx, uint64_t id);

/*
 * The binding-factor input of ctx->list[pos] (RFC 9591 §4.4):
 * SerializeElement(PK) || H4(msg) || H5(encoded commitment list) || SerializeScalar(id).
 * Out: out[0..*out_len) with out_cap >= point_len + 2*hash_len + 32.
 * Returns: MPC_OK, MPC_ERR_BUFFER_TOO_SMALL, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_binding_input(const tss_frost_suite *cs, uint8_t *out,
                                                  size_t out_cap, size_t *out_len,
                                                  const tss_point *group_key,
                                                  const tss_frost_commitment *sorted, size_t n,
                                                  const uint8_t *msg, size_t msg_len, uint64_t id);

/*
 * Signature share (RFC 9591 §5.2): z = d + e*rho + lambda*sk*c for the
 * signer at position of identifier id (BIP340: d + e*rho and sk negated as
 * ctx->r_neg and ctx->key_neg say).
 * Out: *z. Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER (id not in ctx); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_sign_share(const tss_frost_ctx *ctx, tss_scalar *z, uint64_t id,
                                               const tss_frost_nonces *nonces,
                                               const tss_scalar *sk);

/*
 * verify_signature_share (RFC 9591 §5.4): z*G == D + rho*E + (c*lambda)*Y
 * (BIP340: with the same negations as the share).
 * Returns: MPC_OK; MPC_ERR_BAD_SIG_SHARE; MPC_ERR_BAD_IDENTIFIER; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_verify_share(const tss_frost_ctx *ctx, uint64_t id,
                                                 const tss_point *verifying_share,
                                                 const tss_scalar *z);

/*
 * aggregate (RFC 9591 §5.3): sig = SerializeElement(R) || SerializeScalar(sum z)
 * (BIP340: x(R) || SerializeScalar(sum z + c * tweak)), ctx->cs->sig_len bytes.
 * In: z[i] is the share of ctx->list[i].
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_aggregate(const tss_frost_ctx *ctx,
                                              uint8_t sig[TSS_FROST_SIG_MAX_BYTES],
                                              const tss_scalar *z);

/*
 * BIP340 x-only form of a secp256k1 point: x (32 bytes) and whether Y is odd.
 * Returns: MPC_OK or MPC_ERR_INVALID_ARG (not a secp256k1 point).
 */
MPC_MUST_CHECK mpc_status tss_frost_xonly(const tss_group *g, uint8_t x[TSS_FROST_XONLY_BYTES],
                                          int *odd, const tss_point *p);

/*
 * BIP340 tagged hash SHA256(SHA256(tag) || SHA256(tag) || m) (also the TapTweak).
 * Returns: MPC_OK or MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status tss_frost_tagged_hash(uint8_t out[32], const char *tag,
                                                const tss_bytes *parts, size_t n);

#endif /* MPC_TSS_FROST_H */

/*
 * group.h — a small prime-order group abstraction for the threshold protocols.
 *
 * VSS, FROST, DKG and reshare are written against this table of operations so
 * that the same code can run on another curve by adding a backend (a
 * secp256k1 backend fills the same table; a key share names its curve with
 * tss_curve_id). Scalars and points are fixed-size value types whose bytes are
 * owned by the backend: ed25519 keeps the canonical 32-byte encodings in
 * them; a secp256k1 backend may keep its own internal form (tss_point has 64
 * bytes of room for libsecp256k1's secp256k1_pubkey).
 *
 * DESIGN:
 *   - Every point that comes from outside goes through point_decode, which
 *     validates fully: canonical encoding, on the curve, in the prime-order
 *     subgroup, not the identity. Every scalar from outside goes through
 *     scalar_decode, which rejects non-canonical values (>= group order).
 *   - Point operations that would produce the identity fail with
 *     MPC_ERR_IDENTITY_POINT: the protocols never need the identity, and a
 *     crafted input that cancels to it is an attack.
 *   - Scalar arithmetic is constant-time (libsodium sc25519); scalar_is_zero
 *     and scalar_eq are constant-time too.
 *   - hash_to_scalar is the ciphersuite hook: the suite supplies the domain
 *     separation tag, the backend the hash (ed25519: SHA-512 then reduce mod L;
 *     secp256k1 would use hash_to_field with the tag as DST).
 *
 * THREAD SAFETY: the tables are immutable; all operations are pure and
 * thread-safe once tss_group_selftest() (which calls mpc_crypto_init) passed.
 */
#ifndef MPC_TSS_GROUP_H
#define MPC_TSS_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define TSS_SCALAR_BYTES    32 /* encoded scalar length on every supported curve */
#define TSS_POINT_MAX_BYTES 33 /* longest encoded point (secp256k1 compressed) */

/* Curve tags; the numeric values are stored in key-share records. */
typedef enum {
    TSS_CURVE_ED25519 = 1,  /* Ed25519 (prime-order subgroup), libsodium */
    TSS_CURVE_SECP256K1 = 2 /* secp256k1, libsecp256k1 + GMP mpn_sec_* */
} tss_curve_id;

/* A scalar modulo the group order, in the backend's representation. */
typedef struct {
    uint8_t v[TSS_SCALAR_BYTES]; /* ed25519: canonical little-endian encoding */
} tss_scalar;

/* A group element (never the identity), in the backend's representation. */
typedef struct {
    uint8_t v[64]; /* ed25519: 32-byte encoding, rest zero */
} tss_point;

/* One piece of a hash input. */
typedef struct {
    const uint8_t *p; /* bytes (may be NULL if len is 0) */
    size_t len;       /* length */
} tss_bytes;

/* The operations of one group. */
typedef struct tss_group {
    tss_curve_id id;  /* curve tag */
    const char *name; /* "ed25519" */
    size_t point_len; /* encoded point length (32 for ed25519) */

    /* Decodes a canonical scalar (< order). Returns MPC_OK or MPC_ERR_BAD_SCALAR. */
    mpc_status (*scalar_decode)(tss_scalar *out, const uint8_t in[TSS_SCALAR_BYTES]);
    /* Writes the canonical encoding. */
    void (*scalar_encode)(uint8_t out[TSS_SCALAR_BYTES], const tss_scalar *s);
    /* out = v (an integer, e.g. a participant identifier). */
    void (*scalar_from_u64)(tss_scalar *out, uint64_t v);
    void (*scalar_add)(tss_scalar *r, const tss_scalar *a, const tss_scalar *b);
    void (*scalar_sub)(tss_scalar *r, const tss_scalar *a, const tss_scalar *b);
    void (*scalar_mul)(tss_scalar *r, const tss_scalar *a, const tss_scalar *b);
    /* r = 1/a. Returns MPC_OK, or MPC_ERR_BAD_SCALAR if a is zero. */
    mpc_status (*scalar_invert)(tss_scalar *r, const tss_scalar *a);
    /* Uniformly random non-zero scalar from the OS CSPRNG. */
    mpc_status (*scalar_random)(tss_scalar *r);
    /* Returns 1 if a == 0 (constant time). */
    int (*scalar_is_zero)(const tss_scalar *a);
    /*
     * Hash-to-scalar hook: r = H(dst || parts[0] || ... ) mapped to a scalar.
     * Returns MPC_OK or MPC_ERR_CRYPTO.
     */
    mpc_status (*hash_to_scalar)(tss_scalar *r, const uint8_t *dst, size_t dst_len,
                                 const tss_bytes *parts, size_t n_parts);

    /*
     * Decodes and fully validates a point (canonical, on curve, prime-order
     * subgroup, not identity). Returns MPC_OK or MPC_ERR_BAD_POINT.
     */
    mpc_status (*point_decode)(tss_point *out, const uint8_t *in);
    /* Writes the point_len-byte encoding. */
    void (*point_encode)(uint8_t *out, const tss_point *p);
    /* r = a + b; MPC_ERR_IDENTITY_POINT if the sum is the identity. */
    mpc_status (*point_add)(tss_point *r, const tss_point *a, const tss_point *b);
    /* r = a - b; MPC_ERR_IDENTITY_POINT if a == b. */
    mpc_status (*point_sub)(tss_point *r, const tss_point *a, const tss_point *b);
    /* r = s * p; MPC_ERR_IDENTITY_POINT if s == 0. */
    mpc_status (*point_mul)(tss_point *r, const tss_scalar *s, const tss_point *p);
    /* r = s * G; MPC_ERR_IDENTITY_POINT if s == 0. */
    mpc_status (*point_mul_base)(tss_point *r, const tss_scalar *s);
    /* Returns 1 if a == b (points are public: not constant time). */
    int (*point_eq)(const tss_point *a, const tss_point *b);
} tss_group;

/* Returns: the Ed25519 backend (static, never NULL). */
const tss_group *tss_group_ed25519(void);

/*
 * Returns: the secp256k1 backend (static, never NULL). Its points are public
 * libsecp256k1 points; point_mul_base is BASE and point_mul is MUL_CT of the
 * DKLs23 spec §1.1 (constant time in the scalar); additions are variable time
 * and only ever see public points. Call tss_group_secp256k1_selftest() (or
 * tss_group_selftest()) once before use.
 */
const tss_group *tss_group_secp256k1(void);

/* Opaque secp256k1 backend context (tss/secp256k1.h). */
typedef struct tss_secp_ctx tss_secp_ctx;

/*
 * Returns: the process-wide secp256k1 context used by the secp256k1 backend,
 * created (randomized, self-tested) on first call; NULL if that failed.
 * Borrowed: never free it. Thread-safe (created exactly once).
 */
const tss_secp_ctx *tss_group_secp256k1_ctx(void);

/*
 * Self-test of the secp256k1 backend: creates the shared context (which runs
 * tss_secp_selftest) and checks the table against known answers (G, 2G, q,
 * the spec's H2S vector). Idempotent.
 * Returns: MPC_OK or MPC_ERR_SELFTEST.
 */
MPC_MUST_CHECK mpc_status tss_group_secp256k1_selftest(void);

/* Returns: the backend for curve id, or NULL if it is not built in. */
const tss_group *tss_group_by_id(uint32_t id);

/*
 * Startup self-test of the Ed25519 backend and the libsodium underneath it:
 * refuses a libsodium whose crypto_core_ed25519_is_valid_point accepts any of
 * the known small-order encodings (CVE-2025-69277 class), checks that this
 * backend's point_decode also rejects a mixed-order point (a valid point plus
 * the point of order 2) and non-canonical scalars, and runs one known-answer
 * scalar multiplication. Calls mpc_crypto_init() first. Then runs
 * tss_group_secp256k1_selftest(), so one call covers every built-in backend.
 * Returns: MPC_OK, MPC_ERR_CRYPTO (libsodium init) or MPC_ERR_SELFTEST.
 */
MPC_MUST_CHECK mpc_status tss_group_selftest(void);

/*
 * The small-order encodings the self-test feeds to libsodium (exposed for the
 * unit tests). Out: *n = number of 32-byte entries.
 * Returns: a static table.
 */
const uint8_t (*tss_ed25519_small_order_points(size_t *n))[32];

/*
 * Ed25519 point decodes answered from the per-thread cache of encodings that
 * passed every check (group_ed25519.c), since the process started.
 * THREAD SAFETY: any thread (an atomic counter).
 */
unsigned long tss_ed25519_decode_cache_hits(void);

/*
 * Lagrange coefficient at zero of ids[self_pos] over the set ids[0..n).
 * Out: *out.
 * Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER for a zero or duplicate identifier
 *          or self_pos >= n; MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status tss_lagrange_at_zero(const tss_group *g, tss_scalar *out,
                                               const uint64_t *ids, size_t n, size_t self_pos);

/*
 * Checks that identifiers ids[0..n) are all non-zero and pairwise distinct.
 * Returns: MPC_OK or MPC_ERR_BAD_IDENTIFIER.
 */
MPC_MUST_CHECK mpc_status tss_ids_check(const uint64_t *ids, size_t n);

#endif /* MPC_TSS_GROUP_H */

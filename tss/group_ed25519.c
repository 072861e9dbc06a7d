/*
 * group_ed25519.c — the Ed25519 backend of tss_group, on libsodium.
 *
 * DESIGN: points are kept as their canonical 32-byte encodings, which is
 * what libsodium's crypto_core_ed25519_* and crypto_scalarmult_ed25519_*
 * functions take. Received points are validated by
 * crypto_core_ed25519_is_valid_point (canonical, not small order, on the
 * curve, in the main subgroup); tss_group_selftest() refuses a libsodium
 * whose check lets a small-order or mixed-order point through
 * (CVE-2025-69277), so decode can rely on it.
 */
#include "tss/group.h"

#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"

/* The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t ed_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

/* The identity element's encoding (y = 1, x = 0). */
static const uint8_t ed_identity[32] = {1};

/*
 * Encodings of the eight points of small order (the torsion subgroup) and
 * non-canonical encodings of some of them. Every one must be rejected.
 */
static const uint8_t ed_small_order[][32] = {
    /* identity (order 1) */
    {0x01},
    /* (0, -1): order 2 */
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    /* (+-sqrt(-1), 0): order 4 */
    {0x00},
    {0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80},
    /* order 8 */
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0xfa},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x85},
    /* non-canonical: y = p (== 0), y = p + 1 (== 1), identity with the sign bit */
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80},
};

/* Self-test state: 0 not run, 1 passed, -1 failed (idempotent, so races are benign). */
static atomic_int ed_selftest_state;

const uint8_t (*tss_ed25519_small_order_points(size_t *n))[32]
{
    if (n != NULL) {
        *n = sizeof ed_small_order / sizeof ed_small_order[0];
    }
    return ed_small_order;
}

/* Returns 1 if s < L, constant time (borrow of s - L, scanned from the top byte). */
static int
ed_scalar_is_canonical(const uint8_t s[32])
{
    unsigned int lt = 0; /* 1 once a higher byte decided s < L */
    unsigned int eq = 1; /* 1 while all higher bytes are equal */
    for (int i = 31; i >= 0; i--) {
        unsigned int a = s[i], b = ed_order[i];
        lt |= ((a - b) >> 8) & eq; /* a < b gives a borrow in bit 8 */
        eq &= ((a ^ b) - 1) >> 8;  /* 1 iff a == b */
    }
    return (int)(lt & 1);
}

static mpc_status
ed_scalar_decode(tss_scalar *out, const uint8_t in[TSS_SCALAR_BYTES])
{
    memset(out, 0, sizeof *out);
    int ok = ed_scalar_is_canonical(in);
    TSS_DECLASSIFY(&ok, sizeof ok); /* validity is public: a bad scalar aborts */
    if (!ok) {
        return MPC_ERR_BAD_SCALAR;
    }
    memcpy(out->v, in, 32);
    return MPC_OK;
}

static void
ed_scalar_encode(uint8_t out[TSS_SCALAR_BYTES], const tss_scalar *s)
{
    memcpy(out, s->v, 32);
}

static void
ed_scalar_from_u64(tss_scalar *out, uint64_t v)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < 8; i++) {
        out->v[i] = (uint8_t)(v >> (8 * i));
    }
}

static void
ed_scalar_add(tss_scalar *r, const tss_scalar *a, const tss_scalar *b)
{
    crypto_core_ed25519_scalar_add(r->v, a->v, b->v);
}

static void
ed_scalar_sub(tss_scalar *r, const tss_scalar *a, const tss_scalar *b)
{
    crypto_core_ed25519_scalar_sub(r->v, a->v, b->v);
}

static void
ed_scalar_mul(tss_scalar *r, const tss_scalar *a, const tss_scalar *b)
{
    crypto_core_ed25519_scalar_mul(r->v, a->v, b->v);
}

static int
ed_scalar_is_zero(const tss_scalar *a)
{
    return sodium_is_zero(a->v, 32);
}

static mpc_status
ed_scalar_invert(tss_scalar *r, const tss_scalar *a)
{
    if (ed_scalar_is_zero(a) || crypto_core_ed25519_scalar_invert(r->v, a->v) != 0) {
        memset(r, 0, sizeof *r);
        return MPC_ERR_BAD_SCALAR;
    }
    return MPC_OK;
}

static mpc_status
ed_scalar_random(tss_scalar *r)
{
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_RANDOM;
    }
    crypto_core_ed25519_scalar_random(r->v); /* uniform in [1, L) */
    TSS_CLASSIFY(r->v, sizeof r->v);
    return MPC_OK;
}

static mpc_status
ed_hash_to_scalar(tss_scalar *r, const uint8_t *dst, size_t dst_len, const tss_bytes *parts,
                  size_t n_parts)
{
    crypto_hash_sha512_state st;
    uint8_t wide[crypto_hash_sha512_BYTES];
    mpc_status rc = MPC_ERR_CRYPTO;

    if (crypto_hash_sha512_init(&st) != 0 ||
        (dst_len > 0 && crypto_hash_sha512_update(&st, dst, dst_len) != 0)) {
        goto wipe_state;
    }
    for (size_t i = 0; i < n_parts; i++) {
        if (parts[i].len > 0 && crypto_hash_sha512_update(&st, parts[i].p, parts[i].len) != 0) {
            goto wipe_state;
        }
    }
    if (crypto_hash_sha512_final(&st, wide) != 0) {
        goto wipe_state;
    }
    crypto_core_ed25519_scalar_reduce(r->v, wide);
    rc = MPC_OK;
wipe_state:
    mpc_wipe(&st, sizeof st);
    mpc_wipe(wide, sizeof wide);
    return rc;
}

static int
ed_is_identity(const uint8_t p[32])
{
    return memcmp(p, ed_identity, 32) == 0;
}

/*
 * Encodings that passed ed_point_decode, per thread (issue 12). A key's
 * public points (group key, verification shares) are decoded again for every
 * sign and a sign's commitments more than once, and
 * crypto_core_ed25519_is_valid_point costs a full scalar multiplication (the
 * subgroup check): it was a third of a node's instructions per EdDSA sign.
 * Validity is a function of the 32 bytes alone, so remembering the encodings
 * that passed changes no outcome: a lookup compares all 32 bytes, and only an
 * encoding that passed every check is entered. Direct-mapped on the low bits
 * of y: colliding encodings (a peer may grind them) only evict each other,
 * which costs the full check again, never a false accept. Per thread, so tss/
 * takes no lock; points are public, so neither the index nor the compare
 * leaks a secret.
 */
#define ED_VALID_SLOTS 512u /* power of two; 32 B each, per thread */

static _Thread_local uint8_t ed_valid_enc[ED_VALID_SLOTS][32]; /* all zero = empty slot */
static atomic_ulong ed_valid_hits; /* decodes answered by the cache (tests, metrics) */

unsigned long
tss_ed25519_decode_cache_hits(void)
{
    return atomic_load(&ed_valid_hits);
}

static size_t
ed_valid_slot(const uint8_t in[32])
{
    return ((size_t)in[0] | (size_t)in[1] << 8) & (ED_VALID_SLOTS - 1u);
}

static mpc_status
ed_point_decode(tss_point *out, const uint8_t *in)
{
    memset(out, 0, sizeof *out);
    uint8_t *slot = ed_valid_enc[ed_valid_slot(in)];
    if (memcmp(slot, in, 32) == 0 && !sodium_is_zero(slot, 32)) {
        atomic_fetch_add_explicit(&ed_valid_hits, 1, memory_order_relaxed);
    } else if (crypto_core_ed25519_is_valid_point(in) != 1 || ed_is_identity(in)) {
        return MPC_ERR_BAD_POINT;
    } else {
        memcpy(slot, in, 32); /* the all-zero encoding is invalid, so never entered */
    }
    memcpy(out->v, in, 32);
    return MPC_OK;
}

static void
ed_point_encode(uint8_t *out, const tss_point *p)
{
    memcpy(out, p->v, 32);
}

/* Copies the temporary result t into r on success; clears r on failure. */
static mpc_status
ed_point_out(tss_point *r, const tss_point *t, mpc_status st)
{
    if (st == MPC_OK) {
        *r = *t;
    } else {
        memset(r, 0, sizeof *r);
    }
    return st;
}

static mpc_status
ed_point_add(tss_point *r, const tss_point *a, const tss_point *b)
{
    tss_point t = {{0}};
    mpc_status st = MPC_OK;
    if (crypto_core_ed25519_add(t.v, a->v, b->v) != 0) {
        st = MPC_ERR_BAD_POINT;
    } else if (ed_is_identity(t.v)) {
        st = MPC_ERR_IDENTITY_POINT;
    }
    return ed_point_out(r, &t, st);
}

static mpc_status
ed_point_sub(tss_point *r, const tss_point *a, const tss_point *b)
{
    tss_point t = {{0}};
    mpc_status st = MPC_OK;
    if (crypto_core_ed25519_sub(t.v, a->v, b->v) != 0) {
        st = MPC_ERR_BAD_POINT;
    } else if (ed_is_identity(t.v)) {
        st = MPC_ERR_IDENTITY_POINT;
    }
    return ed_point_out(r, &t, st);
}

static mpc_status
ed_point_mul(tss_point *r, const tss_scalar *s, const tss_point *p)
{
    tss_point t = {{0}};
    /* noclamp: the scalar is used as is (< L); fails on a zero/identity result. */
    int rc = crypto_scalarmult_ed25519_noclamp(t.v, s->v, p->v);
    TSS_DECLASSIFY(&rc, sizeof rc); /* reveals only an identity result: a failure aborts */
    return ed_point_out(r, &t, rc == 0 ? MPC_OK : MPC_ERR_IDENTITY_POINT);
}

static mpc_status
ed_point_mul_base(tss_point *r, const tss_scalar *s)
{
    tss_point t = {{0}};
    int rc = crypto_scalarmult_ed25519_base_noclamp(t.v, s->v);
    TSS_DECLASSIFY(&rc, sizeof rc);  /* reveals only s == 0: a failure aborts */
    TSS_DECLASSIFY(t.v, sizeof t.v); /* g^s is a commitment or verification share: public */
    return ed_point_out(r, &t, rc == 0 ? MPC_OK : MPC_ERR_IDENTITY_POINT);
}

static int
ed_point_eq(const tss_point *a, const tss_point *b)
{
    return memcmp(a->v, b->v, 32) == 0;
}

static const tss_group ed_group = {
    .id = TSS_CURVE_ED25519,
    .name = "ed25519",
    .point_len = 32,
    .scalar_decode = ed_scalar_decode,
    .scalar_encode = ed_scalar_encode,
    .scalar_from_u64 = ed_scalar_from_u64,
    .scalar_add = ed_scalar_add,
    .scalar_sub = ed_scalar_sub,
    .scalar_mul = ed_scalar_mul,
    .scalar_invert = ed_scalar_invert,
    .scalar_random = ed_scalar_random,
    .scalar_is_zero = ed_scalar_is_zero,
    .hash_to_scalar = ed_hash_to_scalar,
    .point_decode = ed_point_decode,
    .point_encode = ed_point_encode,
    .point_add = ed_point_add,
    .point_sub = ed_point_sub,
    .point_mul = ed_point_mul,
    .point_mul_base = ed_point_mul_base,
    .point_eq = ed_point_eq,
};

const tss_group *
tss_group_ed25519(void)
{
    return &ed_group;
}

/* Every torsion point T != identity added to a prime-order point must be rejected. */
static int
ed_selftest_mixed_order(void)
{
    const uint8_t three[32] = {3};
    uint8_t p[32], mixed[32];
    tss_point dec;
    if (crypto_scalarmult_ed25519_base_noclamp(p, three) != 0) {
        return 0;
    }
    for (size_t i = 1; i < 8; i++) {
        if (crypto_core_ed25519_add(mixed, p, ed_small_order[i]) != 0) {
            return 0;
        }
        if (crypto_core_ed25519_is_valid_point(mixed) != 0 ||
            ed_point_decode(&dec, mixed) != MPC_ERR_BAD_POINT) {
            return 0;
        }
    }
    return 1;
}

static int
ed_selftest_run(void)
{
    size_t n = sizeof ed_small_order / sizeof ed_small_order[0];
    for (size_t i = 0; i < n; i++) {
        if (crypto_core_ed25519_is_valid_point(ed_small_order[i]) != 0) {
            return 0; /* this libsodium accepts a small-order point */
        }
    }
    if (!ed_selftest_mixed_order()) {
        return 0;
    }
    /* Scalars: L itself and L + 1 are non-canonical; L - 1 is canonical. */
    uint8_t s[32];
    tss_scalar sc;
    memcpy(s, ed_order, 32);
    if (ed_scalar_decode(&sc, s) != MPC_ERR_BAD_SCALAR) {
        return 0;
    }
    s[0]++;
    if (ed_scalar_decode(&sc, s) != MPC_ERR_BAD_SCALAR) {
        return 0;
    }
    s[0] -= 2;
    if (ed_scalar_decode(&sc, s) != MPC_OK) {
        return 0;
    }
    /* Known answer: 1 * G is the standard base point encoding (RFC 8032). */
    static const uint8_t base[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    tss_point g1;
    ed_scalar_from_u64(&sc, 1);
    if (ed_point_mul_base(&g1, &sc) != MPC_OK || memcmp(g1.v, base, 32) != 0) {
        return 0;
    }
    return 1;
}

mpc_status
tss_group_selftest(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_CRYPTO;
    }
    int state = atomic_load(&ed_selftest_state);
    if (state == 0) {
        state = ed_selftest_run() ? 1 : -1;
        atomic_store(&ed_selftest_state, state);
    }
    if (state != 1) {
        return MPC_ERR_SELFTEST;
    }
    return tss_group_secp256k1_selftest();
}

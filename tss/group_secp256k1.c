/*
 * group_secp256k1.c — the secp256k1 backend of tss_group, on tss/secp256k1
 * (libsecp256k1 points, GMP mpn_sec_* scalars), so that VSS, DKG and reshare
 * run unchanged on secp256k1 (DKLs23 spec §2, §7).
 *
 * DESIGN:
 *   - tss_scalar holds SC(a), the canonical 32-byte big-endian encoding; every
 *     operation converts to the constant-time limbs of secp_mod and back.
 *   - tss_point holds a libsecp256k1 secp256k1_pubkey (64 opaque bytes), never
 *     the identity; point_len is 33 (SEC1 compressed, spec §1.3 PT).
 *   - Constant-time rules of spec §1.1: point_mul_base is BASE
 *     (secp256k1_ec_pubkey_create); point_mul is MUL_CT (secp256k1_ecdh with a
 *     raw-point callback) because the table cannot know whether a caller's
 *     scalar is secret — MUL_PUB (variable time) is never used here. Point
 *     additions run on public points only (commitments, verifying shares,
 *     proof nonces: everything the shared DKG/VSS/reshare code adds is
 *     broadcast) and use pubkey_combine; results of point_mul are converted
 *     to public points by parsing (variable time), which is fine because the
 *     shared code only multiplies to obtain values it publishes or compares
 *     with published ones.
 *   - hash_to_scalar is H2S of spec §1.4 with the DST used verbatim as the
 *     frame tag and every part framed separately.
 *   - One randomized libsecp256k1 context is created on first use (pthread_once)
 *     by tss_group_secp256k1_ctx(), which runs the backend self-test; it then
 *     lives until exit and is shared read-only by all threads.
 *
 * THREAD SAFETY: the table is immutable and every operation is pure; the
 * shared context is created exactly once.
 */
#include "tss/group.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/secp256k1.h"

_Static_assert(sizeof(secp256k1_pubkey) <= sizeof(((tss_point *)0)->v), "pubkey fits tss_point");

static pthread_once_t secp_once = PTHREAD_ONCE_INIT;
static tss_secp_ctx *secp_shared; /* created once; NULL if creation or self-test failed */

static void
secp_ctx_init(void)
{
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&secp_shared) != MPC_OK) {
        secp_shared = NULL;
    }
}

const tss_secp_ctx *
tss_group_secp256k1_ctx(void)
{
    (void)pthread_once(&secp_once, secp_ctx_init);
    return secp_shared;
}

static const secp256k1_pubkey *
sp_pk(const tss_point *p)
{
    return (const secp256k1_pubkey *)(const void *)p->v;
}

static secp256k1_pubkey *
sp_pk_mut(tss_point *p)
{
    return (secp256k1_pubkey *)(void *)p->v;
}

/*
 * Returns 1 unless p is the all-zero placeholder (a slot that was never set,
 * e.g. a non-dealer's commitments in reshare): libsecp256k1 would abort on it.
 */
static int
sp_is_set(const tss_point *p)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < sizeof p->v; i++) {
        acc |= p->v[i];
    }
    return acc != 0;
}

static void
sp_load(struct tss_secp_num *r, const tss_scalar *s)
{
    tss_secp_num_from_bytes(r, s->v);
}

static void
sp_store(tss_scalar *s, struct tss_secp_num *r)
{
    tss_secp_num_to_bytes(s->v, r);
    mpc_wipe(r, sizeof *r);
}

static mpc_status
sp_scalar_decode(tss_scalar *out, const uint8_t in[TSS_SCALAR_BYTES])
{
    memset(out, 0, sizeof *out);
    int ok = tss_secp_scalar_is_canonical(in);
    TSS_DECLASSIFY(&ok, sizeof ok); /* validity is public: a bad scalar aborts */
    if (!ok) {
        return MPC_ERR_BAD_SCALAR;
    }
    memcpy(out->v, in, TSS_SCALAR_BYTES);
    return MPC_OK;
}

static void
sp_scalar_encode(uint8_t out[TSS_SCALAR_BYTES], const tss_scalar *s)
{
    memcpy(out, s->v, TSS_SCALAR_BYTES);
}

static void
sp_scalar_from_u64(tss_scalar *out, uint64_t v)
{
    struct tss_secp_num n;
    tss_secp_num_set_u64(&n, v); /* < 2^64 < q: already reduced */
    sp_store(out, &n);
}

static void
sp_scalar_add(tss_scalar *r, const tss_scalar *a, const tss_scalar *b)
{
    struct tss_secp_num x, y;
    sp_load(&x, a);
    sp_load(&y, b);
    tss_secp_scalar_add(&x, &x, &y);
    mpc_wipe(&y, sizeof y);
    sp_store(r, &x);
}

static void
sp_scalar_sub(tss_scalar *r, const tss_scalar *a, const tss_scalar *b)
{
    struct tss_secp_num x, y;
    sp_load(&x, a);
    sp_load(&y, b);
    tss_secp_scalar_sub(&x, &x, &y);
    mpc_wipe(&y, sizeof y);
    sp_store(r, &x);
}

static void
sp_scalar_mul(tss_scalar *r, const tss_scalar *a, const tss_scalar *b)
{
    struct tss_secp_num x, y;
    sp_load(&x, a);
    sp_load(&y, b);
    tss_secp_scalar_mul(&x, &x, &y);
    mpc_wipe(&y, sizeof y);
    sp_store(r, &x);
}

static int
sp_scalar_is_zero(const tss_scalar *a)
{
    struct tss_secp_num x;
    sp_load(&x, a);
    int z = tss_secp_num_is_zero(&x);
    mpc_wipe(&x, sizeof x);
    return z;
}

static mpc_status
sp_scalar_invert(tss_scalar *r, const tss_scalar *a)
{
    struct tss_secp_num x;
    sp_load(&x, a);
    int zero = tss_secp_num_is_zero(&x);
    tss_secp_scalar_inv(&x, &x); /* constant time; 0 maps to 0 */
    sp_store(r, &x);
    TSS_DECLASSIFY(&zero, sizeof zero); /* validity is public */
    return zero ? MPC_ERR_BAD_SCALAR : MPC_OK;
}

static mpc_status
sp_scalar_random(tss_scalar *r)
{
    return tss_secp_scalar_random(r->v, 1);
}

static mpc_status
sp_hash_to_scalar(tss_scalar *r, const uint8_t *dst, size_t dst_len, const tss_bytes *parts,
                  size_t n_parts)
{
    memset(r, 0, sizeof *r);
    if (dst == NULL || dst_len == 0 || dst_len > UINT16_MAX || n_parts > UINT16_MAX ||
        (parts == NULL && n_parts > 0)) {
        return MPC_ERR_CRYPTO;
    }
    struct tss_dkls_hasher h;
    struct tss_secp_num v;
    tss_dkls_hasher_init_raw(&h, TSS_DKLS_H2S, dst, dst_len, (uint16_t)n_parts);
    for (size_t i = 0; i < n_parts; i++) {
        tss_dkls_hasher_part(&h, parts[i].p, parts[i].len);
    }
    tss_dkls_hasher_final_scalar(&h, &v);
    sp_store(r, &v);
    return MPC_OK;
}

static mpc_status
sp_point_decode(tss_point *out, const uint8_t *in)
{
    memset(out, 0, sizeof *out);
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    if (ctx == NULL || in == NULL) {
        return MPC_ERR_BAD_POINT;
    }
    return tss_secp_point_decode(ctx, sp_pk_mut(out), in, TSS_SECP_POINT_BYTES) == MPC_OK
               ? MPC_OK
               : MPC_ERR_BAD_POINT;
}

static void
sp_point_encode(uint8_t *out, const tss_point *p)
{
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    if (ctx == NULL || !sp_is_set(p) || tss_secp_point_encode(ctx, out, sp_pk(p)) != MPC_OK) {
        memset(out, 0, TSS_SECP_POINT_BYTES); /* decodes as nothing: fails closed */
    }
}

static mpc_status
sp_point_add(tss_point *r, const tss_point *a, const tss_point *b)
{
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    const secp256k1_pubkey *ins[2] = {sp_pk(a), sp_pk(b)};
    secp256k1_pubkey sum;
    mpc_status st = ctx != NULL ? MPC_OK : MPC_ERR_SELFTEST;
    if (st == MPC_OK && (!sp_is_set(a) || !sp_is_set(b))) {
        st = MPC_ERR_BAD_POINT;
    }
    if (st == MPC_OK) {
        st = tss_secp_point_sum(ctx, &sum, ins, 2);
    }
    memset(r, 0, sizeof *r);
    if (st == MPC_OK) {
        *sp_pk_mut(r) = sum;
    }
    return st;
}

static mpc_status
sp_point_sub(tss_point *r, const tss_point *a, const tss_point *b)
{
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    struct tss_secp_ge ge;
    tss_point nb;
    memset(&nb, 0, sizeof nb);
    mpc_status st = ctx == NULL ? MPC_ERR_SELFTEST : !sp_is_set(b) ? MPC_ERR_BAD_POINT : MPC_OK;
    if (st == MPC_OK) {
        st = tss_secp_point_to_ge(ctx, &ge, sp_pk(b));
    }
    if (st == MPC_OK) {
        tss_secp_ge_neg(&ge, &ge);
        st = tss_secp_ge_to_point(ctx, sp_pk_mut(&nb), &ge);
    }
    if (st != MPC_OK) {
        memset(r, 0, sizeof *r);
        return st;
    }
    return sp_point_add(r, a, &nb);
}

static mpc_status
sp_point_mul(tss_point *r, const tss_scalar *s, const tss_point *p)
{
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    struct tss_secp_ge ge;
    secp256k1_pubkey pk, in = *sp_pk(p); /* r may alias p */
    int set = sp_is_set(p);
    memset(r, 0, sizeof *r);
    if (ctx == NULL) {
        return MPC_ERR_SELFTEST;
    }
    if (!set) {
        return MPC_ERR_BAD_POINT;
    }
    int zero = sp_scalar_is_zero(s);
    TSS_DECLASSIFY(&zero, sizeof zero); /* validity is public */
    if (zero) {
        return MPC_ERR_IDENTITY_POINT;
    }
    mpc_status st = tss_secp_point_mul_ct(ctx, &ge, &in, s->v);
    /* The table's points are public by design; parsing them may take variable time. */
    TSS_DECLASSIFY(&st, sizeof st);
    TSS_DECLASSIFY(&ge, sizeof ge);
    if (st == MPC_OK) {
        st = tss_secp_ge_to_point(ctx, &pk, &ge);
    }
    mpc_wipe(&ge, sizeof ge);
    if (st == MPC_OK) {
        *sp_pk_mut(r) = pk;
    }
    return st;
}

static mpc_status
sp_point_mul_base(tss_point *r, const tss_scalar *s)
{
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    memset(r, 0, sizeof *r);
    if (ctx == NULL) {
        return MPC_ERR_SELFTEST;
    }
    int zero = sp_scalar_is_zero(s);
    TSS_DECLASSIFY(&zero, sizeof zero); /* validity is public */
    if (zero) {
        return MPC_ERR_IDENTITY_POINT;
    }
    secp256k1_pubkey pk;
    mpc_status st = tss_secp_point_base(ctx, &pk, NULL, s->v);
    /* The table's points are public by design (commitments, verifying shares). */
    TSS_DECLASSIFY(&st, sizeof st);
    TSS_DECLASSIFY(&pk, sizeof pk);
    if (st == MPC_OK) {
        *sp_pk_mut(r) = pk;
    }
    return st;
}

static int
sp_point_eq(const tss_point *a, const tss_point *b)
{
    if (!sp_is_set(a) || !sp_is_set(b)) {
        return 0;
    }
    uint8_t ea[TSS_SECP_POINT_BYTES], eb[TSS_SECP_POINT_BYTES];
    sp_point_encode(ea, a);
    sp_point_encode(eb, b);
    return ea[0] != 0 && memcmp(ea, eb, sizeof ea) == 0;
}

static const tss_group secp_group = {
    .id = TSS_CURVE_SECP256K1,
    .name = "secp256k1",
    .point_len = TSS_SECP_POINT_BYTES,
    .scalar_decode = sp_scalar_decode,
    .scalar_encode = sp_scalar_encode,
    .scalar_from_u64 = sp_scalar_from_u64,
    .scalar_add = sp_scalar_add,
    .scalar_sub = sp_scalar_sub,
    .scalar_mul = sp_scalar_mul,
    .scalar_invert = sp_scalar_invert,
    .scalar_random = sp_scalar_random,
    .scalar_is_zero = sp_scalar_is_zero,
    .hash_to_scalar = sp_hash_to_scalar,
    .point_decode = sp_point_decode,
    .point_encode = sp_point_encode,
    .point_add = sp_point_add,
    .point_sub = sp_point_sub,
    .point_mul = sp_point_mul,
    .point_mul_base = sp_point_mul_base,
    .point_eq = sp_point_eq,
};

/* SEC1 compressed generator G and 2G (public constants, SEC 2 §2.4.1). */
static const uint8_t secp_g[33] = {0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac,
                                   0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07, 0x02,
                                   0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2,
                                   0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98};
static const uint8_t secp_2g[33] = {0x02, 0xc6, 0x04, 0x7f, 0x94, 0x41, 0xed, 0x7d, 0x6d,
                                    0x30, 0x45, 0x40, 0x6e, 0x95, 0xc0, 0x7c, 0xd8, 0x5c,
                                    0x77, 0x8e, 0x4b, 0x8c, 0xef, 0x3c, 0xa7, 0xab, 0xac,
                                    0x09, 0xb9, 0x5c, 0x70, 0x9e, 0xe5};
/* Spec Appendix B: H2S("mpc-node/dkls23/v1/test", "abc", ""). */
static const uint8_t secp_h2s_kat[32] = {
    0xd7, 0xc0, 0x71, 0x33, 0xe7, 0x70, 0x37, 0x42, 0xb3, 0xcd, 0x34, 0x2b, 0xb5, 0x12, 0x9e, 0x97,
    0xa1, 0x69, 0x78, 0x67, 0xdc, 0x2c, 0x2e, 0x00, 0xd1, 0x38, 0x0b, 0xd5, 0x79, 0xa9, 0x1d, 0x67};

/* The group order q, big-endian (spec Appendix A). */
static const uint8_t secp_q[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                   0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

/* Table-level known answers on top of tss_secp_selftest (run when the context is made). */
static int
sp_selftest_run(void)
{
    const tss_group *g = &secp_group;
    tss_scalar one, two, h, x;
    tss_point p1, p2, gd, sum, diff;
    uint8_t enc[33], q[32];
    g->scalar_from_u64(&one, 1);
    g->scalar_from_u64(&two, 2);
    if (g->point_decode(&gd, secp_g) != MPC_OK || g->point_mul_base(&p1, &one) != MPC_OK ||
        !g->point_eq(&p1, &gd) || g->point_mul_base(&p2, &two) != MPC_OK) {
        return 0;
    }
    g->point_encode(enc, &p2);
    if (memcmp(enc, secp_2g, 33) != 0 || g->point_add(&sum, &p1, &p1) != MPC_OK ||
        !g->point_eq(&sum, &p2) || g->point_mul(&sum, &two, &gd) != MPC_OK ||
        !g->point_eq(&sum, &p2) || g->point_sub(&diff, &p2, &p1) != MPC_OK ||
        !g->point_eq(&diff, &p1) || g->point_sub(&diff, &p1, &p1) != MPC_ERR_IDENTITY_POINT) {
        return 0;
    }
    /* q is not canonical, q - 1 is; q - 1 + 1 == 0. */
    memcpy(q, secp_q, sizeof q);
    if (g->scalar_decode(&x, q) != MPC_ERR_BAD_SCALAR) {
        return 0;
    }
    q[31]--;
    if (g->scalar_decode(&x, q) != MPC_OK) {
        return 0;
    }
    g->scalar_add(&x, &x, &one);
    if (!g->scalar_is_zero(&x) || g->scalar_invert(&h, &x) != MPC_ERR_BAD_SCALAR) {
        return 0;
    }
    static const char tag[] = "mpc-node/dkls23/v1/test";
    tss_bytes parts[2] = {{(const uint8_t *)"abc", 3}, {NULL, 0}};
    if (g->hash_to_scalar(&h, (const uint8_t *)tag, sizeof tag - 1, parts, 2) != MPC_OK ||
        memcmp(h.v, secp_h2s_kat, 32) != 0) {
        return 0;
    }
    return 1;
}

const tss_group *
tss_group_secp256k1(void)
{
    return &secp_group;
}

mpc_status
tss_group_secp256k1_selftest(void)
{
    static atomic_int state; /* 0 not run, 1 passed, -1 failed (idempotent) */
    int v = atomic_load(&state);
    if (v == 0) {
        v = (tss_group_secp256k1_ctx() != NULL && sp_selftest_run()) ? 1 : -1;
        atomic_store(&state, v);
    }
    return v == 1 ? MPC_OK : MPC_ERR_SELFTEST;
}

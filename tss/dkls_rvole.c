/*
 * dkls_rvole.c — RVOLE multiplication with the μ check (DKLs23 spec §5).
 */
#include "tss/dkls_rvole.h"

#include <assert.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"

#define XI  TSS_DKLS_XI
#define W   TSS_DKLS_RVOLE_WIDTH
#define SCB TSS_SECP_SCALAR_BYTES

struct tss_dkls_rvole_bob {
    uint8_t xb[TSS_DKLS_OTE_COL_BYTES];        /* β (bits 0..415) || padding (secret) */
    uint8_t trows[XI][TSS_DKLS_OTE_ROW_BYTES]; /* t_j, j < 416 (secret) */
    struct tss_secp_num g[XI];                 /* public gadget g_j */
    struct tss_secp_num dbar[XI][W];           /* d̄_{j,k} (secret, round 3) */
    uint8_t mu[XI * SCB];                      /* SC(μ'_j) (round 3) */
    int finished;                              /* 1 once finish ran */
};

/* Alice's scratch (secure memory, freed on return). */
struct alice_work {
    uint8_t qrows[XI][TSS_DKLS_OTE_ROW_BYTES]; /* q_j */
    struct tss_secp_num alpha0[XI][W];         /* α⁰_{j,k} */
    struct tss_secp_num g[XI];                 /* gadget */
    uint8_t mu[XI * SCB];                      /* SC(μ_j) */
};

static int
bit_at(const uint8_t *bits, size_t j)
{
    return (bits[j >> 3] >> (j & 7)) & 1;
}

/* r += flag ? x : 0, constant time. */
static void
add_masked(struct tss_secp_num *r, const struct tss_secp_num *x, int flag)
{
    struct tss_secp_num zero = {{0}}, t;
    tss_secp_num_select(&t, &zero, x, flag);
    tss_secp_scalar_add(r, r, &t);
    mpc_wipe(&t, sizeof(t));
}

void
tss_dkls_rvole_gadget(struct tss_secp_num *g, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                      uint16_t j)
{
    const uint8_t u16j[2] = {(uint8_t)(j >> 8), (uint8_t)j};
    const struct tss_dkls_part parts[] = {{ote_sid, TSS_DKLS_HASH_BYTES}, {u16j, 2}};
    tss_dkls_h2s(g, "mul/gadget", parts, 2);
}

/* Hasher with the ote/out prefix (tag, part count, mul_sid) absorbed. */
static void
ot_out_prefix(struct tss_dkls_hasher *h, const uint8_t mul_sid[TSS_DKLS_HASH_BYTES])
{
    tss_dkls_hasher_init(h, TSS_DKLS_H2S, "ote/out", 4);
    tss_dkls_hasher_part(h, mul_sid, TSS_DKLS_HASH_BYTES);
}

static void
ot_out_from(struct tss_secp_num *out, const struct tss_dkls_hasher *prefix, uint16_t j, uint8_t k,
            const uint8_t row[TSS_DKLS_OTE_ROW_BYTES])
{
    struct tss_dkls_hasher h = *prefix;
    const uint8_t u16j[2] = {(uint8_t)(j >> 8), (uint8_t)j};
    tss_dkls_hasher_part(&h, u16j, 2);
    tss_dkls_hasher_part(&h, &k, 1);
    tss_dkls_hasher_part(&h, row, TSS_DKLS_OTE_ROW_BYTES);
    tss_dkls_hasher_final_scalar(&h, out);
}

void
tss_dkls_rvole_ot_out(struct tss_secp_num *out, const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
                      uint16_t j, uint8_t k, const uint8_t row[TSS_DKLS_OTE_ROW_BYTES])
{
    struct tss_dkls_hasher prefix;
    ot_out_prefix(&prefix, mul_sid);
    ot_out_from(out, &prefix, j, k, row);
    mpc_wipe(&prefix, sizeof(prefix));
}

#define OT_OUT_FRAME TSS_DKLS_RVOLE_OT_OUT_FRAME
#define GADGET_FRAME TSS_DKLS_RVOLE_GADGET_FRAME

void
tss_dkls_rvole_ot_out_frame(uint8_t out[OT_OUT_FRAME], const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
                            uint16_t j, uint8_t k, const uint8_t row[TSS_DKLS_OTE_ROW_BYTES])
{
    const uint8_t u16j[2] = {(uint8_t)(j >> 8), (uint8_t)j};
    const struct tss_dkls_part parts[] = {
        {mul_sid, TSS_DKLS_HASH_BYTES}, {u16j, 2}, {&k, 1}, {row, TSS_DKLS_OTE_ROW_BYTES}};
    size_t len = 0;
    mpc_status st = tss_dkls_frame_tagged(out, OT_OUT_FRAME, &len, "ote/out", parts, 4);
    assert(st == MPC_OK && len == OT_OUT_FRAME); /* fixed sizes */
    (void)st;
}

void
tss_dkls_rvole_gadget_frame(uint8_t out[GADGET_FRAME], const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                            uint16_t j)
{
    const uint8_t u16j[2] = {(uint8_t)(j >> 8), (uint8_t)j};
    const struct tss_dkls_part parts[] = {{ote_sid, TSS_DKLS_HASH_BYTES}, {u16j, 2}};
    size_t len = 0;
    mpc_status st = tss_dkls_frame_tagged(out, GADGET_FRAME, &len, "mul/gadget", parts, 2);
    assert(st == MPC_OK && len == GADGET_FRAME);
    (void)st;
}

/* θ_k = H2S(mul/theta, mul_sid, H32(mul/atilde, mul_sid, ã), u8(k)), k < 2. */
static void
thetas(struct tss_secp_num theta[2], const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
       const uint8_t atilde[TSS_DKLS_RVOLE_ATILDE_BYTES])
{
    uint8_t dig[TSS_DKLS_HASH_BYTES];
    const struct tss_dkls_part dparts[] = {{mul_sid, TSS_DKLS_HASH_BYTES},
                                           {atilde, TSS_DKLS_RVOLE_ATILDE_BYTES}};
    tss_dkls_h32(dig, "mul/atilde", dparts, 2);
    for (uint8_t k = 0; k < 2; k++) {
        const struct tss_dkls_part parts[] = {
            {mul_sid, TSS_DKLS_HASH_BYTES}, {dig, TSS_DKLS_HASH_BYTES}, {&k, 1}};
        tss_dkls_h2s(&theta[k], "mul/theta", parts, 3);
    }
}

/* μh = H32(mul/mu, mul_sid, SC(μ_0) || ... || SC(μ_415)). */
static void
mu_hash(uint8_t out[32], const uint8_t mul_sid[TSS_DKLS_HASH_BYTES], const uint8_t mu[XI * SCB])
{
    const struct tss_dkls_part parts[] = {{mul_sid, TSS_DKLS_HASH_BYTES}, {mu, XI * SCB}};
    tss_dkls_h32(out, "mul/mu", parts, 2);
}

/* g_j for every j < ξ, four SHA-512 at a time (the same values as tss_dkls_rvole_gadget). */
static void
gadget_all(struct tss_secp_num g[XI], const uint8_t ote_sid[TSS_DKLS_HASH_BYTES])
{
    uint8_t fr[8][GADGET_FRAME];
    for (uint16_t j0 = 0; j0 < XI; j0 += 8) {
        uint16_t n = XI - j0 < 8 ? (uint16_t)(XI - j0) : 8;
        for (uint16_t i = 0; i < n; i++) {
            const uint16_t j = (uint16_t)(j0 + i);
            const uint8_t u16j[2] = {(uint8_t)(j >> 8), (uint8_t)j};
            const struct tss_dkls_part parts[] = {{ote_sid, TSS_DKLS_HASH_BYTES}, {u16j, 2}};
            size_t len = 0;
            mpc_status st =
                tss_dkls_frame_tagged(fr[i], GADGET_FRAME, &len, "mul/gadget", parts, 2);
            assert(st == MPC_OK && len == GADGET_FRAME);
            (void)st;
        }
        tss_dkls_h2s_frames(&g[j0], &fr[0][0], GADGET_FRAME, n);
    }
}

/* ------------------------------------------------------------------ Bob */

/* Bob's round 1; probe_col < κ (test builds only) sends a Δ-bit probe instead. */
static mpc_status
bob_create(const struct tss_dkls_ot_bob_setup *setup, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
           tss_dkls_rvole_bob **out, uint8_t b[TSS_SECP_SCALAR_BYTES],
           uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES], size_t probe_col, int guess)
{
    if (out == NULL || b == NULL || msg1 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    memset(b, 0, SCB);
    memset(msg1, 0, TSS_DKLS_OTE_MSG_BYTES);
    if (setup == NULL || ote_sid == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_rvole_bob *bob = mpc_secure_alloc(sizeof(*bob));
    if (bob == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = MPC_OK;
    struct tss_secp_num bsum = {{0}};
    if (mpc_random_bytes(bob->xb, sizeof(bob->xb)) != MPC_OK) {
        st = MPC_ERR_RANDOM;
        goto destroy_bob;
    }
    TSS_CLASSIFY(bob->xb, sizeof(bob->xb));
    gadget_all(bob->g, ote_sid);
    for (size_t j = 0; j < XI; j++) {
        add_masked(&bsum, &bob->g[j], bit_at(bob->xb, j));
    }
    int b_zero = tss_secp_num_is_zero(&bsum);
    TSS_DECLASSIFY(&b_zero, sizeof(b_zero));
    if (b_zero) {
        st = MPC_ERR_INTERNAL;
        goto destroy_bob;
    }
#ifdef MPC_FAULT_INJECTION
    if (probe_col < TSS_DKLS_KAPPA) {
        st = tss_dkls_ote_receiver_round1_probe(setup, ote_sid, bob->xb, msg1, bob->trows, XI,
                                                probe_col, guess);
    } else
#else
    (void)probe_col;
    (void)guess;
#endif
    {
        st = tss_dkls_ote_receiver_round1(setup, ote_sid, bob->xb, msg1, bob->trows, XI);
    }
    if (st != MPC_OK) {
        goto destroy_bob;
    }
    tss_secp_scalar_encode(b, &bsum);
    mpc_wipe(&bsum, sizeof(bsum));
    *out = bob;
    return MPC_OK;

destroy_bob:
    mpc_wipe(&bsum, sizeof(bsum));
    memset(msg1, 0, TSS_DKLS_OTE_MSG_BYTES);
    tss_dkls_rvole_bob_destroy(bob);
    return st;
}

mpc_status
tss_dkls_rvole_bob_create(const struct tss_dkls_ot_bob_setup *setup,
                          const uint8_t ote_sid[TSS_DKLS_HASH_BYTES], tss_dkls_rvole_bob **out,
                          uint8_t b[TSS_SECP_SCALAR_BYTES], uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES])
{
    return bob_create(setup, ote_sid, out, b, msg1, (size_t)-1, 0);
}

#ifdef MPC_FAULT_INJECTION
mpc_status
tss_dkls_rvole_bob_create_probe(const struct tss_dkls_ot_bob_setup *setup,
                                const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                                tss_dkls_rvole_bob **out, uint8_t b[TSS_SECP_SCALAR_BYTES],
                                uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES], size_t col, int guess)
{
    return bob_create(setup, ote_sid, out, b, msg1, col, guess);
}
#endif

/* d̄_{j,k} = γ_{j,k} + β_j·ã_{j,k}; decodes ã (canonical) on the way. */
static mpc_status
bob_dbar(tss_dkls_rvole_bob *bob, const uint8_t mul_sid[TSS_DKLS_HASH_BYTES], const uint8_t *at)
{
    /* γ_{j,k} = ote/out(j, k, t_j), four rows (12 hashes) at a time */
    uint8_t fr[4 * W][OT_OUT_FRAME];
    struct tss_secp_num a, gamma[4 * W];
    mpc_status st = MPC_OK;
    for (size_t j0 = 0; j0 < XI && st == MPC_OK; j0 += 4) {
        size_t nj = XI - j0 < 4 ? XI - j0 : 4;
        for (size_t i = 0; i < nj * W; i++) {
            size_t j = j0 + i / W;
            tss_dkls_rvole_ot_out_frame(fr[i], mul_sid, (uint16_t)j, (uint8_t)(i % W),
                                        bob->trows[j]);
        }
        tss_dkls_h2s_frames(gamma, &fr[0][0], OT_OUT_FRAME, nj * W);
        for (size_t i = 0; i < nj * W && st == MPC_OK; i++) {
            size_t j = j0 + i / W, k = i % W;
            st = tss_secp_scalar_decode(&a, at + (j * W + k) * SCB, SCB);
            if (st == MPC_OK) {
                add_masked(&gamma[i], &a, bit_at(bob->xb, j));
                bob->dbar[j][k] = gamma[i];
            }
        }
    }
    mpc_wipe(fr, sizeof(fr));
    mpc_wipe(gamma, sizeof(gamma));
    return st;
}

mpc_status
tss_dkls_rvole_bob_finish(tss_dkls_rvole_bob *bob, const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
                          const uint8_t *msg2, size_t msg2_len,
                          uint8_t d[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES])
{
    if (d == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(d, 0, TSS_DKLS_RVOLE_INPUTS * SCB);
    if (bob == NULL || mul_sid == NULL || (msg2 == NULL && msg2_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (bob->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    if (msg2_len != TSS_DKLS_RVOLE_MSG2_BYTES) {
        return MPC_ERR_MSG_MALFORMED;
    }
    bob->finished = 1;
    const uint8_t *at = msg2;
    const uint8_t *eta_b = msg2 + TSS_DKLS_RVOLE_ATILDE_BYTES;
    const uint8_t *muh = eta_b + SCB;
    struct tss_secp_num eta, theta[2], mu, t, acc[TSS_DKLS_RVOLE_INPUTS];
    uint8_t want[32];
    mpc_status st = tss_secp_scalar_decode(&eta, eta_b, SCB);
    if (st == MPC_OK) {
        st = bob_dbar(bob, mul_sid, at);
    }
    if (st != MPC_OK) {
        goto wipe_state;
    }
    thetas(theta, mul_sid, at);
    for (size_t j = 0; j < XI; j++) {
        mu = bob->dbar[j][2];
        tss_secp_scalar_mul(&t, &theta[0], &bob->dbar[j][0]);
        tss_secp_scalar_add(&mu, &mu, &t);
        tss_secp_scalar_mul(&t, &theta[1], &bob->dbar[j][1]);
        tss_secp_scalar_add(&mu, &mu, &t);
        tss_secp_scalar_neg(&t, &eta);
        add_masked(&mu, &t, bit_at(bob->xb, j));
        tss_secp_scalar_encode(bob->mu + j * SCB, &mu);
    }
    mu_hash(want, mul_sid, bob->mu);
    int ok = mpc_ct_equal(want, muh, 32);
    TSS_DECLASSIFY(&ok, sizeof(ok)); /* the check outcome is public (abort naming Alice) */
    if (!ok) {
        st = MPC_ERR_MUL_CHECK;
        goto wipe_state;
    }
    for (size_t k = 0; k < TSS_DKLS_RVOLE_INPUTS; k++) {
        memset(&acc[k], 0, sizeof(acc[k]));
        for (size_t j = 0; j < XI; j++) {
            tss_secp_scalar_mul(&t, &bob->g[j], &bob->dbar[j][k]);
            tss_secp_scalar_add(&acc[k], &acc[k], &t);
        }
        tss_secp_scalar_encode(d[k], &acc[k]);
    }

wipe_state:
    mpc_wipe(bob->dbar, sizeof(bob->dbar));
    mpc_wipe(bob->mu, sizeof(bob->mu));
    mpc_wipe(bob->trows, sizeof(bob->trows));
    mpc_wipe(bob->xb, sizeof(bob->xb));
    mpc_wipe(&mu, sizeof(mu));
    mpc_wipe(&t, sizeof(t));
    mpc_wipe(acc, sizeof(acc));
    mpc_wipe(want, sizeof(want));
    if (st != MPC_OK) {
        mpc_wipe(d, TSS_DKLS_RVOLE_INPUTS * SCB);
    }
    return st;
}

void
tss_dkls_rvole_bob_destroy(tss_dkls_rvole_bob *bob)
{
    mpc_secure_free(bob);
}

#ifdef MPC_FAULT_INJECTION
int
tss_dkls_rvole_bob_beta(const tss_dkls_rvole_bob *bob, size_t j)
{
    return bob != NULL && j < XI ? bit_at(bob->xb, j) : -1;
}

void
tss_dkls_rvole_bob_row(const tss_dkls_rvole_bob *bob, size_t j, uint8_t row[TSS_DKLS_OTE_ROW_BYTES])
{
    if (bob != NULL && j < XI) {
        memcpy(row, bob->trows[j], TSS_DKLS_OTE_ROW_BYTES);
    } else {
        memset(row, 0, TSS_DKLS_OTE_ROW_BYTES);
    }
}
#endif

/* ------------------------------------------------------------------ Alice */

/* Validates a and decodes it; a' = (a_0, a_1, â) with a fresh â. */
static mpc_status
alice_inputs(struct tss_secp_num ap[W], const uint8_t a[TSS_DKLS_RVOLE_INPUTS][SCB])
{
    uint8_t ahat[SCB];
    for (size_t k = 0; k < TSS_DKLS_RVOLE_INPUTS; k++) {
        if (tss_secp_scalar_decode(&ap[k], a[k], SCB) != MPC_OK) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    if (tss_secp_scalar_random(ahat, 0) != MPC_OK) {
        return MPC_ERR_RANDOM;
    }
    tss_secp_num_from_bytes(&ap[2], ahat);
    mpc_wipe(ahat, sizeof(ahat));
    return MPC_OK;
}

/* α⁰, α¹ per row; ã_{j,k} = α⁰ − α¹ + a'_k written into msg2 (spec §5 step 2). */
static void
alice_atilde(struct alice_work *w, const struct tss_dkls_ot_alice_setup *setup,
             const uint8_t mul_sid[TSS_DKLS_HASH_BYTES], const struct tss_secp_num ap[W],
             uint8_t *msg2)
{
    /* per row j: α⁰_{j,k} = ote/out(j, k, q_j), α¹_{j,k} = ote/out(j, k, q_j ⊕ Δ); two rows
     * (12 hashes) at a time, four SHA-512 at once */
    uint8_t fr[2][2 * W][OT_OUT_FRAME];
    struct tss_secp_num h[2][2 * W], t;
    uint8_t row1[TSS_DKLS_OTE_ROW_BYTES];
    for (size_t j0 = 0; j0 < XI; j0 += 2) {
        size_t nj = XI - j0 < 2 ? XI - j0 : 2;
        for (size_t r = 0; r < nj; r++) {
            size_t j = j0 + r;
            for (size_t k = 0; k < TSS_DKLS_OTE_ROW_BYTES; k++) {
                row1[k] = (uint8_t)(w->qrows[j][k] ^ setup->delta[k]);
            }
            for (size_t k = 0; k < W; k++) {
                tss_dkls_rvole_ot_out_frame(fr[r][2 * k], mul_sid, (uint16_t)j, (uint8_t)k,
                                            w->qrows[j]);
                tss_dkls_rvole_ot_out_frame(fr[r][2 * k + 1], mul_sid, (uint16_t)j, (uint8_t)k,
                                            row1);
            }
        }
        tss_dkls_h2s_frames(&h[0][0], &fr[0][0][0], OT_OUT_FRAME, nj * 2 * W);
        for (size_t r = 0; r < nj; r++) {
            size_t j = j0 + r;
            for (size_t k = 0; k < W; k++) {
                w->alpha0[j][k] = h[r][2 * k];
                tss_secp_scalar_sub(&t, &h[r][2 * k], &h[r][2 * k + 1]);
                tss_secp_scalar_add(&t, &t, &ap[k]);
                tss_secp_scalar_encode(msg2 + (j * W + k) * SCB, &t);
            }
        }
    }
    mpc_wipe(fr, sizeof(fr));
    mpc_wipe(h, sizeof(h));
    mpc_wipe(&t, sizeof(t));
    mpc_wipe(row1, sizeof(row1));
}

/* η, μh and c from α⁰ and the θ of the (possibly tampered) ã (spec §5 steps 3-6). */
static void
alice_finish(struct alice_work *w, const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
             const struct tss_secp_num ap[W], uint8_t *msg2, uint8_t c[TSS_DKLS_RVOLE_INPUTS][SCB],
             int eta_tamper)
{
    struct tss_secp_num theta[2], eta, mu, t, acc;
    thetas(theta, mul_sid, msg2);
    eta = ap[2];
    for (size_t k = 0; k < 2; k++) {
        tss_secp_scalar_mul(&t, &theta[k], &ap[k]);
        tss_secp_scalar_add(&eta, &eta, &t);
    }
    if (eta_tamper) {
        struct tss_secp_num one;
        tss_secp_num_set_u64(&one, 1);
        tss_secp_scalar_add(&eta, &eta, &one);
    }
    tss_secp_scalar_encode(msg2 + TSS_DKLS_RVOLE_ATILDE_BYTES, &eta);
    for (size_t j = 0; j < XI; j++) {
        mu = w->alpha0[j][2];
        for (size_t k = 0; k < 2; k++) {
            tss_secp_scalar_mul(&t, &theta[k], &w->alpha0[j][k]);
            tss_secp_scalar_add(&mu, &mu, &t);
        }
        tss_secp_scalar_encode(w->mu + j * SCB, &mu);
    }
    mu_hash(msg2 + TSS_DKLS_RVOLE_ATILDE_BYTES + SCB, mul_sid, w->mu);
    for (size_t k = 0; k < TSS_DKLS_RVOLE_INPUTS; k++) {
        memset(&acc, 0, sizeof(acc));
        for (size_t j = 0; j < XI; j++) {
            tss_secp_scalar_mul(&t, &w->g[j], &w->alpha0[j][k]);
            tss_secp_scalar_add(&acc, &acc, &t);
        }
        tss_secp_scalar_neg(&acc, &acc);
        tss_secp_scalar_encode(c[k], &acc);
    }
    mpc_wipe(&eta, sizeof(eta));
    mpc_wipe(&mu, sizeof(mu));
    mpc_wipe(&t, sizeof(t));
    mpc_wipe(&acc, sizeof(acc));
}

static mpc_status
alice_respond(const struct tss_dkls_ot_alice_setup *setup,
              const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
              const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
              const uint8_t a[TSS_DKLS_RVOLE_INPUTS][SCB], const uint8_t *msg1, size_t msg1_len,
              uint8_t c[TSS_DKLS_RVOLE_INPUTS][SCB], uint8_t msg2[TSS_DKLS_RVOLE_MSG2_BYTES],
              const void *tamper_opaque)
{
    if (c == NULL || msg2 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(c, 0, TSS_DKLS_RVOLE_INPUTS * SCB);
    memset(msg2, 0, TSS_DKLS_RVOLE_MSG2_BYTES);
    if (setup == NULL || ote_sid == NULL || mul_sid == NULL || a == NULL ||
        (msg1 == NULL && msg1_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct tss_secp_num ap[W];
    struct alice_work *w = mpc_secure_alloc(sizeof(*w));
    if (w == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = tss_dkls_ote_sender_round2(setup, ote_sid, msg1, msg1_len, w->qrows, XI);
    if (st == MPC_OK) {
        st = alice_inputs(ap, a);
    }
    if (st != MPC_OK) {
        goto free_work;
    }
    gadget_all(w->g, ote_sid);
    alice_atilde(w, setup, mul_sid, ap, msg2);
    int eta_tamper = 0;
#ifdef MPC_FAULT_INJECTION
    const struct tss_dkls_rvole_tamper *tp = tamper_opaque;
    if (tp != NULL && tp->atilde && tp->j < XI && tp->k < W) {
        struct tss_secp_num v, dl;
        uint8_t *p = msg2 + (tp->j * W + tp->k) * SCB;
        tss_secp_num_from_bytes(&v, p);
        tss_secp_num_set_u64(&dl, tp->delta);
        tss_secp_scalar_add(&v, &v, &dl);
        tss_secp_scalar_encode(p, &v);
    }
    eta_tamper = tp != NULL && tp->eta;
#else
    (void)tamper_opaque;
#endif
    alice_finish(w, mul_sid, ap, msg2, c, eta_tamper);

free_work:
    mpc_wipe(ap, sizeof(ap));
    mpc_secure_free(w);
    if (st != MPC_OK) {
        mpc_wipe(c, TSS_DKLS_RVOLE_INPUTS * SCB);
        memset(msg2, 0, TSS_DKLS_RVOLE_MSG2_BYTES);
    }
    return st;
}

mpc_status
tss_dkls_rvole_alice_respond(const struct tss_dkls_ot_alice_setup *setup,
                             const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                             const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
                             const uint8_t a[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES],
                             const uint8_t *msg1, size_t msg1_len,
                             uint8_t c[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES],
                             uint8_t msg2[TSS_DKLS_RVOLE_MSG2_BYTES])
{
    return alice_respond(setup, ote_sid, mul_sid, a, msg1, msg1_len, c, msg2, NULL);
}

#ifdef MPC_FAULT_INJECTION
mpc_status
tss_dkls_rvole_alice_respond_tampered(const struct tss_dkls_ot_alice_setup *setup,
                                      const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                                      const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
                                      const uint8_t a[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES],
                                      const uint8_t *msg1, size_t msg1_len,
                                      uint8_t c[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES],
                                      uint8_t msg2[TSS_DKLS_RVOLE_MSG2_BYTES],
                                      const struct tss_dkls_rvole_tamper *tamper)
{
    return alice_respond(setup, ote_sid, mul_sid, a, msg1, msg1_len, c, msg2, tamper);
}
#endif

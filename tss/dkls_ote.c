/*
 * dkls_ote.c — KOS OT extension with Fiat–Shamir check (DKLs23 spec §4).
 */
#include "tss/dkls_ote.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"

/* Scratch of one extension: columns, rows and challenges (30 KB, wiped on exit). */
struct ote_work {
    uint8_t cols[TSS_DKLS_KAPPA][TSS_DKLS_OTE_COL_BYTES];    /* t^i or q^i */
    uint8_t rows[TSS_DKLS_OTE_ROWS][TSS_DKLS_OTE_ROW_BYTES]; /* t_j or q_j */
    uint8_t chis[TSS_DKLS_OTE_ROWS][TSS_GF128_BYTES];        /* χ_j */
};

void
tss_dkls_ote_column(uint8_t out[TSS_DKLS_OTE_COL_BYTES], const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                    uint16_t i, const uint8_t seed[TSS_DKLS_HASH_BYTES])
{
    uint8_t key[TSS_DKLS_HASH_BYTES];
    const uint8_t u16i[2] = {(uint8_t)(i >> 8), (uint8_t)i};
    const struct tss_dkls_part parts[] = {
        {ote_sid, TSS_DKLS_HASH_BYTES}, {u16i, 2}, {seed, TSS_DKLS_HASH_BYTES}};
    tss_dkls_h32(key, "ote/prg-key", parts, 3);
    tss_dkls_prg(out, TSS_DKLS_OTE_COL_BYTES, key);
    mpc_wipe(key, sizeof(key));
}

void
tss_dkls_ote_chis(uint8_t chis[TSS_DKLS_OTE_ROWS][TSS_GF128_BYTES],
                  const uint8_t ote_sid[TSS_DKLS_HASH_BYTES], const uint8_t u[TSS_DKLS_OTE_U_BYTES])
{
    uint8_t seed[TSS_DKLS_HASH_BYTES];
    const struct tss_dkls_part parts[] = {{ote_sid, TSS_DKLS_HASH_BYTES},
                                          {u, TSS_DKLS_OTE_U_BYTES}};
    tss_dkls_h32(seed, "ote/chi-seed", parts, 2);
    tss_dkls_prg(&chis[0][0], (size_t)TSS_DKLS_OTE_ROWS * TSS_GF128_BYTES, seed);
}

void
tss_dkls_bit_transpose(uint8_t *out, const uint8_t *in, size_t nrows, size_t ncols)
{
    const size_t in_row_bytes = ncols / 8;
    const size_t out_row_bytes = nrows / 8;
    memset(out, 0, ncols * out_row_bytes);
    for (size_t r = 0; r < nrows; r++) {
        const uint8_t *src = in + r * in_row_bytes;
        const size_t ob = r >> 3;
        const unsigned sh = (unsigned)(r & 7);
        for (size_t cb = 0; cb < in_row_bytes; cb++) {
            const unsigned v = src[cb];
            uint8_t *dst = out + (cb * 8) * out_row_bytes + ob;
            for (unsigned b = 0; b < 8; b++) {
                dst[b * out_row_bytes] |= (uint8_t)(((v >> b) & 1u) << sh);
            }
        }
    }
}

/* Σ_j x_j·χ_j (masked XOR) and Σ_j rows_j·χ_j in GF(2^128). */
static void
ote_check_values(uint8_t xt[TSS_GF128_BYTES], uint8_t tt[TSS_GF128_BYTES],
                 const uint8_t xb[TSS_DKLS_OTE_COL_BYTES], const struct ote_work *w)
{
    struct tss_gf128_acc acc;
    tss_gf128_acc_init(&acc);
    memset(xt, 0, TSS_GF128_BYTES);
    for (size_t j = 0; j < TSS_DKLS_OTE_ROWS; j++) {
        uint8_t m = (uint8_t)(0 - ((xb[j >> 3] >> (j & 7)) & 1));
        for (size_t k = 0; k < TSS_GF128_BYTES; k++) {
            xt[k] ^= (uint8_t)(w->chis[j][k] & m);
        }
        tss_gf128_acc_mulxor(&acc, w->rows[j], w->chis[j]);
    }
    tss_gf128_acc_final(tt, &acc);
}

static mpc_status
receiver_round1(const struct tss_dkls_ot_bob_setup *setup,
                const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                const uint8_t xb[TSS_DKLS_OTE_COL_BYTES], uint8_t msg[TSS_DKLS_OTE_MSG_BYTES],
                uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES], size_t n_rows, size_t flip_col,
                size_t flip_row, int guess)
{
    if (msg != NULL) {
        memset(msg, 0, TSS_DKLS_OTE_MSG_BYTES);
    }
    if (rows != NULL && n_rows > 0 && n_rows <= TSS_DKLS_OTE_ROWS) {
        memset(rows, 0, n_rows * TSS_DKLS_OTE_ROW_BYTES);
    }
    if (setup == NULL || ote_sid == NULL || xb == NULL || msg == NULL || rows == NULL ||
        n_rows == 0 || n_rows > TSS_DKLS_OTE_ROWS) {
        return MPC_ERR_INVALID_ARG;
    }
    struct ote_work *w = mpc_secure_alloc(sizeof(*w));
    if (w == NULL) {
        return MPC_ERR_NOMEM;
    }
    uint8_t v[TSS_DKLS_OTE_COL_BYTES];
    uint8_t *u = msg;
    for (uint16_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        tss_dkls_ote_column(w->cols[i], ote_sid, i, setup->keys0[i]);
        tss_dkls_ote_column(v, ote_sid, i, setup->keys1[i]);
        uint8_t *ui = u + (size_t)i * TSS_DKLS_OTE_COL_BYTES;
        for (size_t k = 0; k < TSS_DKLS_OTE_COL_BYTES; k++) {
            ui[k] = (uint8_t)(w->cols[i][k] ^ v[k] ^ xb[k]);
        }
        if (i == flip_col && flip_row < TSS_DKLS_OTE_ROWS) {
            ui[flip_row >> 3] ^= (uint8_t)(1u << (flip_row & 7)); /* test-only cheat */
        }
    }
    mpc_wipe(v, sizeof(v));
    tss_dkls_ote_chis(w->chis, ote_sid, u);
    tss_dkls_bit_transpose(&w->rows[0][0], &w->cols[0][0], TSS_DKLS_KAPPA, TSS_DKLS_OTE_ROWS);
    ote_check_values(msg + TSS_DKLS_OTE_U_BYTES, msg + TSS_DKLS_OTE_U_BYTES + TSS_GF128_BYTES, xb,
                     w);
    if (guess && flip_col < TSS_DKLS_KAPPA && flip_row < TSS_DKLS_OTE_ROWS) {
        /* test-only probe: Alice's q~ moves by Δ_col·(e_col·χ_row); pre-add it to t~ so
         * that the check passes iff Δ_col == 1 */
        uint8_t e[TSS_GF128_BYTES] = {0}, d[TSS_GF128_BYTES];
        e[flip_col >> 3] = (uint8_t)(1u << (flip_col & 7));
        tss_gf128_mul(d, e, w->chis[flip_row]);
        for (size_t k = 0; k < TSS_GF128_BYTES; k++) {
            msg[TSS_DKLS_OTE_U_BYTES + TSS_GF128_BYTES + k] ^= d[k];
        }
    }
    memcpy(rows, w->rows, n_rows * TSS_DKLS_OTE_ROW_BYTES);
    mpc_secure_free(w);
    return MPC_OK;
}

mpc_status
tss_dkls_ote_receiver_round1(const struct tss_dkls_ot_bob_setup *setup,
                             const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                             const uint8_t xb[TSS_DKLS_OTE_COL_BYTES],
                             uint8_t msg[TSS_DKLS_OTE_MSG_BYTES],
                             uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES], size_t n_rows)
{
    return receiver_round1(setup, ote_sid, xb, msg, rows, n_rows, (size_t)-1, (size_t)-1, 0);
}

#ifdef MPC_FAULT_INJECTION
mpc_status
tss_dkls_ote_receiver_round1_cheat(const struct tss_dkls_ot_bob_setup *setup,
                                   const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                                   const uint8_t xb[TSS_DKLS_OTE_COL_BYTES],
                                   uint8_t msg[TSS_DKLS_OTE_MSG_BYTES],
                                   uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES], size_t n_rows,
                                   size_t flip_col, size_t flip_row)
{
    return receiver_round1(setup, ote_sid, xb, msg, rows, n_rows, flip_col, flip_row, 0);
}

mpc_status
tss_dkls_ote_receiver_round1_probe(const struct tss_dkls_ot_bob_setup *setup,
                                   const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                                   const uint8_t xb[TSS_DKLS_OTE_COL_BYTES],
                                   uint8_t msg[TSS_DKLS_OTE_MSG_BYTES],
                                   uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES], size_t n_rows,
                                   size_t col, int guess)
{
    return receiver_round1(setup, ote_sid, xb, msg, rows, n_rows, col, 0, guess != 0);
}
#endif

mpc_status
tss_dkls_ote_sender_round2(const struct tss_dkls_ot_alice_setup *setup,
                           const uint8_t ote_sid[TSS_DKLS_HASH_BYTES], const uint8_t *msg,
                           size_t msg_len, uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES], size_t n_rows)
{
    if (rows != NULL && n_rows > 0 && n_rows <= TSS_DKLS_OTE_ROWS) {
        memset(rows, 0, n_rows * TSS_DKLS_OTE_ROW_BYTES);
    }
    if (setup == NULL || ote_sid == NULL || (msg == NULL && msg_len > 0) || rows == NULL ||
        n_rows == 0 || n_rows > TSS_DKLS_OTE_ROWS) {
        return MPC_ERR_INVALID_ARG;
    }
    if (msg_len != TSS_DKLS_OTE_MSG_BYTES) {
        return MPC_ERR_MSG_MALFORMED;
    }
    struct ote_work *w = mpc_secure_alloc(sizeof(*w));
    if (w == NULL) {
        return MPC_ERR_NOMEM;
    }
    const uint8_t *u = msg;
    const uint8_t *xt = msg + TSS_DKLS_OTE_U_BYTES;
    const uint8_t *tt = xt + TSS_GF128_BYTES;
    for (uint16_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        uint8_t m = (uint8_t)(0 - ((setup->delta[i >> 3] >> (i & 7)) & 1));
        const uint8_t *ui = u + (size_t)i * TSS_DKLS_OTE_COL_BYTES;
        tss_dkls_ote_column(w->cols[i], ote_sid, i, setup->keys[i]);
        for (size_t k = 0; k < TSS_DKLS_OTE_COL_BYTES; k++) {
            w->cols[i][k] ^= (uint8_t)(ui[k] & m);
        }
    }
    tss_dkls_ote_chis(w->chis, ote_sid, u);
    tss_dkls_bit_transpose(&w->rows[0][0], &w->cols[0][0], TSS_DKLS_KAPPA, TSS_DKLS_OTE_ROWS);
    struct tss_gf128_acc acc;
    uint8_t qt[TSS_GF128_BYTES], want[TSS_GF128_BYTES];
    tss_gf128_acc_init(&acc);
    for (size_t j = 0; j < TSS_DKLS_OTE_ROWS; j++) {
        tss_gf128_acc_mulxor(&acc, w->rows[j], w->chis[j]);
    }
    tss_gf128_acc_final(qt, &acc);
    tss_gf128_mul(want, xt, setup->delta);
    for (size_t k = 0; k < TSS_GF128_BYTES; k++) {
        want[k] ^= tt[k];
    }
    int ok = mpc_ct_equal(qt, want, TSS_GF128_BYTES);
    TSS_DECLASSIFY(&ok, sizeof(ok)); /* the check outcome is public (abort + quarantine) */
    mpc_wipe(qt, sizeof(qt));
    mpc_wipe(want, sizeof(want));
    if (ok) {
        memcpy(rows, w->rows, n_rows * TSS_DKLS_OTE_ROW_BYTES);
    }
    mpc_secure_free(w);
    return ok ? MPC_OK : MPC_ERR_OT_CHECK;
}

/*
 * dkls_ote.h — KOS OT extension (SoftSpokenOT with k = 1) with the Fiat–Shamir
 * consistency check, one extension per signing session and direction
 * (DKLs23 spec §4).
 *
 * Bob (OT-extension receiver) holds both base-OT keys of every column; Alice
 * (sender) holds Δ and K_i^{Δ_i}. Per session, keys are re-derived with
 * H32(ote/prg-key, ote_sid, u16(i), seed) where ote_sid contains Bob's fresh
 * nonce ν_B (spec §4.1), so no two sessions ever expand the same PRG stream and
 * the stored setups are never modified (safe under concurrency).
 *
 *   Bob, round 1:  msg = U (128 columns of 80 bytes) || x̃ || t̃   (10 272 bytes)
 *   Alice, round 2: check q̃ == t̃ ⊕ x̃·Δ; rows q_j with q_j ⊕ t_j = x_j·Δ.
 *
 * DESIGN: pure functions; the caller owns every buffer. Row outputs are
 * secrets: keep them in secure memory and wipe them after use. Functions wipe
 * all of their own intermediate secrets on every path. Bit-matrix loops have
 * fixed bounds; secret bits only enter masks.
 *
 * The state-machine rules of spec §4.1 item 3 are the caller's job (the signing
 * session): Bob sends exactly one round-1 message per ote_sid, and Alice runs
 * the sender step at most once per (session, peer), ignoring or aborting on a
 * second round-1 message. A KOS failure must quarantine the setup (spec §4.3):
 * these functions are stateless and cannot do it themselves.
 *
 * THREAD SAFETY: all functions are pure and thread-safe; setups are read-only.
 */
#ifndef MPC_TSS_DKLS_OTE_H
#define MPC_TSS_DKLS_OTE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/dkls_baseot.h"
#include "tss/dkls_hash.h"
#include "tss/gf128.h"

/* OT-extension rows per session and direction (ℓ' = ξ + π). */
#define TSS_DKLS_OTE_ROWS 640
/* Bytes per column (ℓ' bits). */
#define TSS_DKLS_OTE_COL_BYTES (TSS_DKLS_OTE_ROWS / 8)
/* Bytes of U. */
#define TSS_DKLS_OTE_U_BYTES (TSS_DKLS_KAPPA * TSS_DKLS_OTE_COL_BYTES)
/* Bytes of Bob's round-1 message U || x̃ || t̃. */
#define TSS_DKLS_OTE_MSG_BYTES (TSS_DKLS_OTE_U_BYTES + 2 * TSS_GF128_BYTES)
/* Bytes of one row (κ bits). */
#define TSS_DKLS_OTE_ROW_BYTES 16

/* Alice's stored setup A->B (spec §2): Δ and K_i^{Δ_i}. Keep in secure memory. */
struct tss_dkls_ot_alice_setup {
    uint8_t delta[16];                                 /* Δ, bit i = Δ_i */
    uint8_t keys[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES]; /* K_i^{Δ_i} */
};

/* Bob's stored setup A->B (spec §2): both base-OT keys. Keep in secure memory. */
struct tss_dkls_ot_bob_setup {
    uint8_t keys0[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES]; /* K_i^0 */
    uint8_t keys1[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES]; /* K_i^1 */
};

/* Column expansion: out = PRG(H32(ote/prg-key, ote_sid, u16(i), seed), 80). */
void tss_dkls_ote_column(uint8_t out[TSS_DKLS_OTE_COL_BYTES],
                         const uint8_t ote_sid[TSS_DKLS_HASH_BYTES], uint16_t i,
                         const uint8_t seed[TSS_DKLS_HASH_BYTES]);

/* Challenges: χ_j = PRG(H32(ote/chi-seed, ote_sid, U), 10 240)[16j .. 16j+15], j < 640. */
void tss_dkls_ote_chis(uint8_t chis[TSS_DKLS_OTE_ROWS][TSS_GF128_BYTES],
                       const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                       const uint8_t u[TSS_DKLS_OTE_U_BYTES]);

/*
 * Bit-matrix transpose: in has nrows rows of ncols bits (ncols/8 bytes each);
 * out gets ncols rows of nrows bits. nrows and ncols are multiples of 8.
 * Fixed loops, no data-dependent branch or index.
 */
void tss_dkls_bit_transpose(uint8_t *out, const uint8_t *in, size_t nrows, size_t ncols);

/*
 * Bob, round 1 (spec §4.2).
 * In: xb — the 640 choice bits (bit j = x_j); setup; ote_sid.
 * Out: msg (10 272 bytes); rows[0..n_rows) = t_j (secret), 1 <= n_rows <= 640.
 *      Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_ote_receiver_round1(const struct tss_dkls_ot_bob_setup *setup,
                                                       const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                                                       const uint8_t xb[TSS_DKLS_OTE_COL_BYTES],
                                                       uint8_t msg[TSS_DKLS_OTE_MSG_BYTES],
                                                       uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES],
                                                       size_t n_rows);

/*
 * Alice, round 2 (spec §4.3): validates Bob's message and runs the consistency check.
 * Out: rows[0..n_rows) = q_j (secret). Cleared on entry; zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (length != 10 272); MPC_ERR_OT_CHECK when
 *          the check fails — the caller must abort naming Bob and quarantine the
 *          setup (spec §4.3 step 4, §8 item 10); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_ote_sender_round2(const struct tss_dkls_ot_alice_setup *setup,
                                                     const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                                                     const uint8_t *msg, size_t msg_len,
                                                     uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES],
                                                     size_t n_rows);

#ifdef MPC_FAULT_INJECTION
/*
 * TEST ONLY (non-release builds): a cheating Bob that flips bit flip_row of
 * column flip_col of U only and computes x̃, t̃ honestly for the new U
 * (spec §9.3). Same contract as tss_dkls_ote_receiver_round1.
 */
MPC_MUST_CHECK mpc_status tss_dkls_ote_receiver_round1_cheat(
    const struct tss_dkls_ot_bob_setup *setup, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
    const uint8_t xb[TSS_DKLS_OTE_COL_BYTES], uint8_t msg[TSS_DKLS_OTE_MSG_BYTES],
    uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES], size_t n_rows, size_t flip_col, size_t flip_row);

/*
 * TEST ONLY (non-release builds): a selective-failure probe of Δ bit `col`
 * (the attack of spec §4.3): flips bit (row 0, column col) of U and adjusts t̃
 * so that Alice's check passes iff Δ_col == guess. Same contract otherwise.
 */
MPC_MUST_CHECK mpc_status tss_dkls_ote_receiver_round1_probe(
    const struct tss_dkls_ot_bob_setup *setup, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
    const uint8_t xb[TSS_DKLS_OTE_COL_BYTES], uint8_t msg[TSS_DKLS_OTE_MSG_BYTES],
    uint8_t (*rows)[TSS_DKLS_OTE_ROW_BYTES], size_t n_rows, size_t col, int guess);
#endif

#endif /* MPC_TSS_DKLS_OTE_H */

/*
 * dkls_rvole.h — two-party random vector OLE over the KOS extension
 * (DKLs23 Protocol 5.2 with the DKLs19 gadget encoding; spec §5).
 *
 * For a directional setup A->B in one signing session:
 *   Bob, round 1:   draws β (416 bits) and padding; b = Σ β_j g_j; sends the OTE message.
 *   Alice, round 2: inputs a = (a_0, a_1); outputs c; sends (ã, η, μh) — 40 000 bytes.
 *   Bob, round 3:   checks μh; outputs d with c_k + d_k = a_k·b (mod q).
 *
 * DESIGN: Bob's state between round 1 and round 3 is an opaque object in secure
 * memory (β, the rows t_j, b), single use: finish runs once and the object is
 * wiped by destroy. Alice is one pure function. Every received scalar is checked
 * canonical, every length exact. Secret selections by β_j use masks.
 *
 * Where the spec is silent (the safer choice, and why):
 *  - a received ã_{j,k} or η that is not canonical is rejected (MPC_ERR_BAD_SCALAR)
 *    instead of being reduced: reduction would give a cheating Alice a second
 *    encoding of the same message, and nothing honest ever sends one;
 *  - Bob's object is consumed by the first finish call even when it fails, so a
 *    resent or modified answer can never be checked against the same β twice
 *    (each check failure leaks whether β_j = 1 for the tampered rows);
 *  - Alice's inputs must be canonical scalars (a_k = 0 is allowed: the spec tests it).
 *
 * THREAD SAFETY: a Bob object belongs to one caller; all else is pure.
 */
#ifndef MPC_TSS_DKLS_RVOLE_H
#define MPC_TSS_DKLS_RVOLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/dkls_ote.h"
#include "tss/secp256k1.h"

/* Gadget length ξ = 256 + 2s. */
#define TSS_DKLS_XI 416
/* Scalars per extended OT (ℓ + ρ). */
#define TSS_DKLS_RVOLE_WIDTH 3
/* Alice's inputs (ℓ). */
#define TSS_DKLS_RVOLE_INPUTS 2
/* Bytes of ã. */
#define TSS_DKLS_RVOLE_ATILDE_BYTES (TSS_DKLS_XI * TSS_DKLS_RVOLE_WIDTH * TSS_SECP_SCALAR_BYTES)
/* Bytes of Alice's message ã || SC(η) || μh. */
#define TSS_DKLS_RVOLE_MSG2_BYTES (TSS_DKLS_RVOLE_ATILDE_BYTES + TSS_SECP_SCALAR_BYTES + 32)

/* Opaque state of Bob between round 1 and round 3. */
typedef struct tss_dkls_rvole_bob tss_dkls_rvole_bob;

/* g_j = H2S(mul/gadget, ote_sid, u16(j)). */
void tss_dkls_rvole_gadget(struct tss_secp_num *g, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                           uint16_t j);

/* H2S(ote/out, mul_sid, u16(j), u8(k), row) — the random-OT output of spec §4.4. */
void tss_dkls_rvole_ot_out(struct tss_secp_num *out, const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
                           uint16_t j, uint8_t k, const uint8_t row[TSS_DKLS_OTE_ROW_BYTES]);

/* Bytes of the frames below. */
#define TSS_DKLS_RVOLE_OT_OUT_FRAME                                                                \
    (2 + sizeof(TSS_DKLS_TAG_PREFIX "ote/out") - 1 + 2 + 4 + TSS_DKLS_HASH_BYTES + 4 + 2 + 4 + 1 + \
     4 + TSS_DKLS_OTE_ROW_BYTES)
#define TSS_DKLS_RVOLE_GADGET_FRAME                                                                \
    (2 + sizeof(TSS_DKLS_TAG_PREFIX "mul/gadget") - 1 + 2 + 4 + TSS_DKLS_HASH_BYTES + 4 + 2)

/* The bytes tss_dkls_rvole_ot_out hashes (its frame), for batches through
 * tss_dkls_h2s_frames (the RVOLE hashes four at a time). */
void tss_dkls_rvole_ot_out_frame(uint8_t out[TSS_DKLS_RVOLE_OT_OUT_FRAME],
                                 const uint8_t mul_sid[TSS_DKLS_HASH_BYTES], uint16_t j, uint8_t k,
                                 const uint8_t row[TSS_DKLS_OTE_ROW_BYTES]);

/* The bytes tss_dkls_rvole_gadget hashes. */
void tss_dkls_rvole_gadget_frame(uint8_t out[TSS_DKLS_RVOLE_GADGET_FRAME],
                                 const uint8_t ote_sid[TSS_DKLS_HASH_BYTES], uint16_t j);

/*
 * Bob, round 1. Out: *out — caller owns it (tss_dkls_rvole_bob_destroy); b — Bob's
 * random input SC(b) (secret); msg1 — the 10 272-byte OTE message. Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_NOMEM; MPC_ERR_RANDOM; MPC_ERR_INTERNAL (b = 0, ~2^-256);
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_rvole_bob_create(const struct tss_dkls_ot_bob_setup *setup,
                                                    const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                                                    tss_dkls_rvole_bob **out,
                                                    uint8_t b[TSS_SECP_SCALAR_BYTES],
                                                    uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES]);

/*
 * Bob, round 3 on Alice's message. Single use.
 * Out: d[k] = SC(d_k), k < 2 (secret). Cleared on entry; zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (length); MPC_ERR_BAD_SCALAR (a
 *          non-canonical scalar); MPC_ERR_MUL_CHECK (μ check failed: Alice is the
 *          culprit); MPC_ERR_SESSION_STATE (already finished); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_rvole_bob_finish(
    tss_dkls_rvole_bob *bob, const uint8_t mul_sid[TSS_DKLS_HASH_BYTES], const uint8_t *msg2,
    size_t msg2_len, uint8_t d[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES]);

/* Wipes and frees Bob's state. Accepts NULL. */
void tss_dkls_rvole_bob_destroy(tss_dkls_rvole_bob *bob);

/*
 * Alice, round 2: OTE sender step with its check, then the RVOLE response.
 * In: a[k] = SC(a_k) canonical (secret).
 * Out: c[k] = SC(c_k) (secret); msg2 (40 000 bytes). Cleared on entry, zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_OT_CHECK (quarantine Bob, spec §4.3);
 *          MPC_ERR_NOMEM; MPC_ERR_RANDOM; MPC_ERR_INVALID_ARG (bad a or NULL).
 */
MPC_MUST_CHECK mpc_status tss_dkls_rvole_alice_respond(
    const struct tss_dkls_ot_alice_setup *setup, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
    const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
    const uint8_t a[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES], const uint8_t *msg1,
    size_t msg1_len, uint8_t c[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES],
    uint8_t msg2[TSS_DKLS_RVOLE_MSG2_BYTES]);

#ifdef MPC_FAULT_INJECTION
/* TEST ONLY: how a malicious Alice deviates (spec §9.4). */
struct tss_dkls_rvole_tamper {
    int atilde;     /* 1: add delta to ã_{j,k} before θ and μh are computed */
    size_t j;       /* row of the ã tamper */
    size_t k;       /* column of the ã tamper */
    uint64_t delta; /* value added to ã_{j,k} */
    int eta;        /* 1: add 1 to η after it is computed */
};

/* TEST ONLY: tss_dkls_rvole_alice_respond with a deviation (tamper may be NULL). */
MPC_MUST_CHECK mpc_status tss_dkls_rvole_alice_respond_tampered(
    const struct tss_dkls_ot_alice_setup *setup, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
    const uint8_t mul_sid[TSS_DKLS_HASH_BYTES],
    const uint8_t a[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES], const uint8_t *msg1,
    size_t msg1_len, uint8_t c[TSS_DKLS_RVOLE_INPUTS][TSS_SECP_SCALAR_BYTES],
    uint8_t msg2[TSS_DKLS_RVOLE_MSG2_BYTES], const struct tss_dkls_rvole_tamper *tamper);

/* TEST ONLY: Bob's secret bit β_j (white-box tests choose rows by it). */
int tss_dkls_rvole_bob_beta(const tss_dkls_rvole_bob *bob, size_t j);

/* TEST ONLY: Bob's secret OT-extension row t_j, j < 416 (zeros otherwise): what a
 * cheating receiver holds and combines with a learned Δ (test_pairgate.c). */
void tss_dkls_rvole_bob_row(const tss_dkls_rvole_bob *bob, size_t j,
                            uint8_t row[TSS_DKLS_OTE_ROW_BYTES]);
#endif

#ifdef MPC_FAULT_INJECTION
/* TEST ONLY: tss_dkls_rvole_bob_create whose OTE message probes Δ bit col
 * (tss_dkls_ote_receiver_round1_probe). */
MPC_MUST_CHECK mpc_status tss_dkls_rvole_bob_create_probe(
    const struct tss_dkls_ot_bob_setup *setup, const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
    tss_dkls_rvole_bob **out, uint8_t b[TSS_SECP_SCALAR_BYTES],
    uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES], size_t col, int guess);
#endif

#endif /* MPC_TSS_DKLS_RVOLE_H */

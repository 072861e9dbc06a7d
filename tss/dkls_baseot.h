/*
 * dkls_baseot.h — Masny–Rindal endemic OT (MR19) over secp256k1: the batch of
 * κ = 128 base OTs of one directional setup A->B (DKLs23 spec §3).
 *
 * Roles are reversed with respect to the OT extension: B (the future
 * OT-extension receiver, "Bob") is the base-OT *sender* and learns two keys
 * K_i^0, K_i^1 per OT; A ("Alice") is the base-OT *receiver* with choice bits
 * Δ_0..Δ_127 and learns K_i^{Δ_i}. Both messages are sent at once:
 *   B -> A: S = a·G                         (33 bytes)
 *   A -> B: (P_i^0, P_i^1) for i < 128     (8 448 bytes)
 *
 * DESIGN: sender and receiver states are opaque objects in mpc_secure_alloc
 * memory (they hold a, or Δ and the s_i); each finishes at most once and is
 * wiped by destroy. The receiver side is constant time in Δ: the hash to curve
 * of P^{1-c} with c = Δ_i, the CT-add, and the placement of the two points all
 * run without secret branches. Outputs go to caller buffers, which the caller
 * keeps in secure memory (they are the long-lived OT-extension seeds).
 *
 * Where the spec is silent: the sender object is consumed by the first finish
 * call with a message of the right length (a second, different message for the
 * same S would let A probe B's keys twice); the receiver is consumed only once
 * S decodes (a malformed S uses no secret and aborts the setup anyway). The
 * exceptional cases (P^c = O, x(Q0) = x(Q1) in H2C) redraw at most 8 times.
 *
 * THREAD SAFETY: an object belongs to one caller; the context is shared read-only.
 */
#ifndef MPC_TSS_DKLS_BASEOT_H
#define MPC_TSS_DKLS_BASEOT_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/dkls_hash.h"
#include "tss/secp256k1.h"

/* Base OTs per directional setup (κ). */
#define TSS_DKLS_KAPPA 128
/* Bytes of the B -> A message (PT(S)). */
#define TSS_DKLS_BASEOT_S_BYTES 33
/* Bytes of one pair PT(P^0) || PT(P^1). */
#define TSS_DKLS_BASEOT_PAIR_BYTES 66
/* Bytes of the A -> B message. */
#define TSS_DKLS_BASEOT_PAIRS_BYTES (TSS_DKLS_KAPPA * TSS_DKLS_BASEOT_PAIR_BYTES)

/* Opaque base-OT sender (B) and receiver (A) states. */
typedef struct tss_dkls_baseot_sender tss_dkls_baseot_sender;
typedef struct tss_dkls_baseot_receiver tss_dkls_baseot_receiver;

/*
 * Hpt(i, j, P) = H2C(frame(ot/base/h2c-msg, setup_id, u16(i), u8(j), PT(P))), constant time.
 * Out: out — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT in the exceptional H2C cases; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_hpt(struct tss_secp_ge *out,
                                              const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                                              uint16_t i, uint8_t j,
                                              const uint8_t pt[TSS_SECP_POINT_BYTES]);

/*
 * Receiver step for one OT with given scalars (the building block of
 * tss_dkls_baseot_receiver_create; exposed for the spec's known-answer test):
 * P^{1-c} = BASE(rho), P^c = BASE(s) - Hpt(i, c, P^{1-c}), written as
 * pair = PT(P^0) || PT(P^1) with a constant-time swap.
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT if P^c = O or H2C is exceptional
 *          (redraw); MPC_ERR_BAD_SCALAR for a zero or non-canonical scalar;
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_pair_make(const tss_secp_ctx *ctx,
                                                    uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES],
                                                    const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                                                    uint16_t i, int c,
                                                    const uint8_t rho[TSS_SECP_SCALAR_BYTES],
                                                    const uint8_t s[TSS_SECP_SCALAR_BYTES]);

/*
 * Receiver key for one OT: K^c = H32(ot/base/key, setup_id, u16(i), u8(c), PT(S),
 * PT(P^0), PT(P^1), PT(MUL_CT(s, S))).
 * Returns: MPC_OK; MPC_ERR_BAD_POINT (S or pair undecodable); MPC_ERR_BAD_SCALAR;
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_receiver_key(
    const tss_secp_ctx *ctx, uint8_t key[TSS_DKLS_HASH_BYTES],
    const uint8_t setup_id[TSS_DKLS_HASH_BYTES], uint16_t i, int c,
    const uint8_t s[TSS_SECP_SCALAR_BYTES], const uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES],
    const uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES]);

/*
 * Sender keys for one OT: M^j = P^j + Hpt(i, j, P^{1-j}), K^j = H32(ot/base/key, ...,
 * PT(MUL_CT(a, M^j))) for j = 0, 1.
 * Returns: MPC_OK; MPC_ERR_BAD_POINT for an undecodable point; MPC_ERR_IDENTITY_POINT
 *          if some M^j = O or H2C is exceptional (both name A); MPC_ERR_BAD_SCALAR;
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_sender_keys(
    const tss_secp_ctx *ctx, uint8_t key0[TSS_DKLS_HASH_BYTES], uint8_t key1[TSS_DKLS_HASH_BYTES],
    const uint8_t setup_id[TSS_DKLS_HASH_BYTES], uint16_t i, const uint8_t a[TSS_SECP_SCALAR_BYTES],
    const uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES], const uint8_t pair[TSS_DKLS_BASEOT_PAIR_BYTES]);

/*
 * B starts: draws nonzero a, writes msg_s = PT(a·G).
 * Out: *out — caller owns it; free with tss_dkls_baseot_sender_destroy(). NULL on failure.
 * Returns: MPC_OK; MPC_ERR_NOMEM; MPC_ERR_RANDOM; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_sender_create(const tss_secp_ctx *ctx,
                                                        tss_dkls_baseot_sender **out,
                                                        uint8_t msg_s[TSS_DKLS_BASEOT_S_BYTES]);

/*
 * B finishes on A's message (exactly 128 pairs of valid points). Single use.
 * Out: keys0[i], keys1[i] = K_i^0, K_i^1; transcript = the ot/base/transcript hash.
 *      All cleared on entry and zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (wrong length); MPC_ERR_BAD_POINT;
 *          MPC_ERR_IDENTITY_POINT (all: A is the culprit); MPC_ERR_SESSION_STATE
 *          if already finished; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_sender_finish(
    const tss_secp_ctx *ctx, tss_dkls_baseot_sender *snd,
    const uint8_t setup_id[TSS_DKLS_HASH_BYTES], const uint8_t *msg, size_t msg_len,
    uint8_t keys0[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES],
    uint8_t keys1[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES], uint8_t transcript[TSS_DKLS_HASH_BYTES]);

/* Wipes and frees a sender. Accepts NULL. */
void tss_dkls_baseot_sender_destroy(tss_dkls_baseot_sender *snd);

/*
 * A starts: draws Δ and for each i the scalars rho_i, s_i; writes the 128 pairs.
 * Out: *out — caller owns it; free with tss_dkls_baseot_receiver_destroy().
 *      msg_pairs — the 8 448-byte message to B.
 * Returns: MPC_OK; MPC_ERR_NOMEM; MPC_ERR_RANDOM; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_receiver_create(
    const tss_secp_ctx *ctx, tss_dkls_baseot_receiver **out,
    const uint8_t setup_id[TSS_DKLS_HASH_BYTES], uint8_t msg_pairs[TSS_DKLS_BASEOT_PAIRS_BYTES]);

/*
 * A finishes on B's message S (exactly 33 bytes, a valid point). Single use.
 * Out: delta (16 bytes, bit i = Δ_i), keys[i] = K_i^{Δ_i}, transcript. Cleared on
 *      entry, zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_BAD_POINT (B is the culprit); MPC_ERR_SESSION_STATE;
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_baseot_receiver_finish(
    const tss_secp_ctx *ctx, tss_dkls_baseot_receiver *rcv,
    const uint8_t setup_id[TSS_DKLS_HASH_BYTES], const uint8_t *msg_s, size_t msg_len,
    uint8_t delta[16], uint8_t keys[TSS_DKLS_KAPPA][TSS_DKLS_HASH_BYTES],
    uint8_t transcript[TSS_DKLS_HASH_BYTES]);

/* Wipes and frees a receiver. Accepts NULL. */
void tss_dkls_baseot_receiver_destroy(tss_dkls_baseot_receiver *rcv);

/* transcript = H32(ot/base/transcript, setup_id, PT(S), all pairs). */
void tss_dkls_baseot_transcript(uint8_t out[TSS_DKLS_HASH_BYTES],
                                const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                                const uint8_t s_pt[TSS_DKLS_BASEOT_S_BYTES],
                                const uint8_t pairs[TSS_DKLS_BASEOT_PAIRS_BYTES]);

#endif /* MPC_TSS_DKLS_BASEOT_H */

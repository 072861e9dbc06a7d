/*
 * dkls_keygen.h — DKLs23 key generation (spec §2): the shared Pedersen/Feldman
 * DKG of tss/dkg on secp256k1 (ciphersuite tss/dkls_suite: PoK bound to
 * keygen_ctx, confirmation dkg/confirm) plus the pairwise MR19 base-OT setups
 * (tss/dkls_pairs) for every ordered pair, with echo and confirmation.
 *
 * Parties are the session parties; party k has committee id k + 1 (ascending
 * ids = party order). params.threshold = t (2 <= t <= n).
 * Input (params.input): u8 version = 1 | u16 wallet_len | wallet_id (1..255 bytes).
 * Messages (every one starts with u8 version = 1 | u8 type):
 *   Round 1: broadcast 0x11 (tss/dkg.h: u16 t | t x PT(C_k) | PT(R) | SC(mu));
 *            direct to every peer 0x41 (tss/dkls_pairs.h, 8 513 bytes: base OT + zero-seed share).
 *   Round 2: direct 0x12 (tss/dkg.h: SC(f_i(j)) | n echo digests of round 1) —
 *            sent only after every round-1 message of both kinds arrived and passed.
 *   Round 3: broadcast 0x13 (conf_i, 32 bytes) || the OT confirmation list
 *            (96 bytes per other member, tss/dkls_pairs.h).
 * The state machine reports done only after every round-3 message matched
 * (activation, spec §2); result() then returns the key record
 * (tss/dkls_keyrec.h, key version 1, every peer active).
 *
 * Deviation from spec §2 (documented choice): the round-2 echo is the shared
 * DKG's per-dealer digest vector (proto.h) rather than one dkg/echo hash. It
 * detects the same equivocation and names the dealer that equivocated instead
 * of the messenger (safer blame); dkg/echo is still computed and bound into
 * conf_i, so the confirmation covers R_j and mu_j as the spec demands.
 *
 * Failures (culprit = party index): as tss/dkg.h (MPC_ERR_BAD_COMMITMENT,
 * MPC_ERR_BAD_POINT, MPC_ERR_BAD_PROOF, MPC_ERR_BAD_SCALAR, MPC_ERR_BAD_SHARE,
 * MPC_ERR_EQUIVOCATION, MPC_ERR_TRANSCRIPT, MPC_ERR_MSG_MALFORMED,
 * MPC_ERR_MSG_KIND) plus base-OT point errors (MPC_ERR_BAD_POINT,
 * MPC_ERR_IDENTITY_POINT) and OT transcript mismatches (MPC_ERR_TRANSCRIPT).
 * At create: MPC_ERR_BAD_THRESHOLD, MPC_ERR_BAD_IDENTIFIER, MPC_ERR_MSG_MALFORMED
 * (input), MPC_ERR_SELFTEST.
 *
 * Driven through the proto.h interface (tss_proto_dkls_keygen).
 * THREAD SAFETY: a state is used by one thread at a time.
 */
#ifndef MPC_TSS_DKLS_KEYGEN_H
#define MPC_TSS_DKLS_KEYGEN_H

#include "tss/proto.h"

#define TSS_DKLS_KEYGEN_INPUT_VERSION 1

/*
 * Encodes the keygen input for wallet_id[0..wallet_len).
 * Out: *out (malloc; caller frees with free()), *out_len.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, length 0 or > 255); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_keygen_input_encode(uint8_t **out, size_t *out_len,
                                                       const uint8_t *wallet_id, size_t wallet_len);

/* The protocol "dkls-keygen" (proto.h interface); result: the key record. */
extern const tss_protocol tss_proto_dkls_keygen;

/*
 * Creates a keygen state (tss_proto_dkls_keygen.create).
 * Out: *out (caller owns; tss_proto_destroy). Returns MPC_OK or an error (nothing allocated).
 */
MPC_MUST_CHECK mpc_status tss_dkls_keygen_create(tss_base **out, const tss_params *p);

#endif /* MPC_TSS_DKLS_KEYGEN_H */

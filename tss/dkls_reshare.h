/*
 * dkls_reshare.h — DKLs23 resharing / committee change (spec §7): the shared
 * Feldman reshare of tss/reshare on secp256k1 (ciphersuite tss/dkls_suite:
 * confirmation dkg/confirm over reshare_ctx) plus fresh pairwise OT setups
 * (tss/dkls_pairs) for every ordered pair of the new committee — also pairs
 * that already had setups under the old version.
 *
 * Roles as tss/reshare.h: session parties that are members of the old key are
 * dealers (the quorum Q, |Q| >= t); members of the new committee (new member
 * j has id j + 1, in the order of the input list) receive; a party may be both.
 * Input (params.input), version 1:
 *   u8 version = 1 | u32 new_t (2 <= t' <= n_new) | u32 n_new |
 *   n_new x (u16 len | node id) | u32 rec_len | DKLs key record of the old
 *   version (tss/dkls_keyrec.h; with the secret for a dealer, public-only
 *   (tss_dkls_keyrec_encode_public) for a new-only member)
 * Messages (u8 version = 1 | u8 type | body):
 *   Round 1: broadcast 0x31 by dealers (tss/reshare.h: u16 t' | t' x PT(D_k));
 *            direct 0x41 between new members (base-OT setup, tss/dkls_pairs.h).
 *   Round 2: direct 0x32 dealer -> new member (share | echo digests), released
 *            only after every round-1 message of both kinds passed.
 *   Round 3: broadcast 0x33 by everyone (conf, 32 bytes) || OT confirmation
 *            list (new members only: 96 bytes per other new member).
 * The state reports done only after every round-3 message matched (activation
 * after confirmation); result() is the key record of version v + 1 with fresh
 * setups, every pair active (quarantine flags are not carried over), ctx =
 * reshare_ctx; for a party leaving the committee it is public-only (no
 * setups). Setups of removed pairs are therefore absent from every new record.
 *
 * Checks and blame: those of tss/reshare.h (D_{i,0} == λ_i X_i^old and
 * |D_i| == t' name i: MPC_ERR_BAD_COMMITMENT; Σ D_{i,0} == Y:
 * MPC_ERR_BAD_GROUP_KEY; shares: MPC_ERR_BAD_SHARE; echo: MPC_ERR_EQUIVOCATION;
 * confirmation: MPC_ERR_TRANSCRIPT) plus base-OT and OT-transcript failures
 * naming the peer. At create: MPC_ERR_BAD_THRESHOLD (t' < 2 or too few dealers),
 * MPC_ERR_UNKNOWN_PARTICIPANT, MPC_ERR_MSG_MALFORMED, record decode errors.
 *
 * THREAD SAFETY: a state is used by one thread at a time.
 */
#ifndef MPC_TSS_DKLS_RESHARE_H
#define MPC_TSS_DKLS_RESHARE_H

#include "tss/proto.h"

#define TSS_DKLS_RESHARE_INPUT_VERSION 1

/*
 * Encodes the reshare input (layout above).
 * Out: *out (mpc_secure_alloc; free with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_reshare_input_encode(uint8_t **out, size_t *out_len,
                                                        uint32_t new_threshold,
                                                        const char *const *new_nodes,
                                                        uint32_t n_new, const uint8_t *rec,
                                                        size_t rec_len);

/* The protocol "dkls-reshare" (proto.h interface); result: the new key record
 * (public-only for parties leaving). */
extern const tss_protocol tss_proto_dkls_reshare;

/*
 * Creates a reshare state (tss_proto_dkls_reshare.create).
 * Out: *out (caller owns; tss_proto_destroy). Returns MPC_OK or an error.
 */
MPC_MUST_CHECK mpc_status tss_dkls_reshare_create(tss_base **out, const tss_params *p);

#endif /* MPC_TSS_DKLS_RESHARE_H */

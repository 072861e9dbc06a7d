/*
 * dkg.h — distributed key generation (FROST(Ed25519) by default; any curve of
 * group.h through a tss_suite, e.g. DKLs23 keygen on secp256k1): Pedersen DKG with
 * Feldman commitments and Schnorr proofs of knowledge (FROST paper, Fig. 1),
 * plus a transcript confirmation round. No dealer, no coordinator.
 *
 * Parties are the session parties; party k gets identifier k + 1. The
 * threshold t (minimum signers) comes from params.threshold; input is empty.
 *   Round 1 (broadcast): u16 count = t | t points C_k | proof (R || mu, see pok.h) |
 *                        chain-code commitment H(tag, sid, u32 party, c_i) (32)
 *   Round 2 (direct):    scalar f_i(id_j) | n echo digests of round 1
 *   Round 3 (broadcast): c_i (32, the party's random chain-code contribution) |
 *                        32-byte transcript hash
 * Chain code (docs/specs/hd-derivation.md §1): commit then reveal; a reveal
 * that does not open its commitment is MPC_ERR_BAD_COMMITMENT naming the
 * sender; the code is BLAKE2b-256("mpc-hd-chain-v1", sid, c_0 .. c_{n-1}),
 * stored in the record (keyshare version 2). The commitments are covered by
 * the round-1 echo, so every party opens the same values or the run fails.
 * Transcript = BLAKE2b-256("mpc-frost-dkg-v1" || sid || u32 t || u32 n ||
 * every party's commitments || group key || every verifying share).
 * Result: the key-share record (keyshare.h) with own share, all verifying
 * shares and the group key, node ids from params.party_ids.
 *
 * Failures (culprit = the sending party): MPC_ERR_BAD_COMMITMENT (count !=
 * t), MPC_ERR_BAD_POINT, MPC_ERR_BAD_PROOF, MPC_ERR_BAD_SCALAR,
 * MPC_ERR_BAD_SHARE, MPC_ERR_EQUIVOCATION (echo: culprit or dispute per
 * tss/proto.h), MPC_ERR_TRANSCRIPT,
 * MPC_ERR_MSG_MALFORMED, MPC_ERR_MSG_KIND; at create: MPC_ERR_BAD_THRESHOLD,
 * MPC_ERR_BAD_IDENTIFIER, MPC_ERR_SELFTEST.
 *
 * Driven through the proto.h interface (tss_proto_frost_dkg).
 * THREAD SAFETY: a state is used by one thread at a time.
 */
#ifndef MPC_TSS_DKG_H
#define MPC_TSS_DKG_H

#include "tss/proto.h"

#define TSS_DKG_R1 0x11 /* message types */
#define TSS_DKG_R2 0x12
#define TSS_DKG_R3 0x13

/* The protocol "frost-dkg" (proto.h interface); result: the key-share record. */
extern const tss_protocol tss_proto_frost_dkg;

/*
 * Creates a DKG state (tss_proto_frost_dkg.create).
 * Out: *out (caller owns; tss_proto_destroy). Returns MPC_OK or an error (nothing allocated).
 */
MPC_MUST_CHECK mpc_status tss_dkg_create(tss_base **out, const tss_params *p);

/*
 * Like tss_dkg_create on another ciphersuite (proto.h tss_suite; borrowed for
 * the life of the state). suite NULL = FROST(Ed25519). The proof is then
 * point_len + 32 bytes and the round-3 hash is suite->confirm's.
 */
MPC_MUST_CHECK mpc_status tss_dkg_create_suite(tss_base **out, const tss_params *p,
                                               const tss_suite *suite);

/*
 * The protocol "frost-tr-dkg": the same DKG on secp256k1 for Taproot keys
 * (33-byte points; PoK challenge tss_frost_tr_pok_challenge); result: a
 * keyshare.h record on curve secp256k1.
 */
extern const tss_protocol tss_proto_frost_tr_dkg;

/* Creates a frost-tr-dkg state; as tss_dkg_create. */
MPC_MUST_CHECK mpc_status tss_dkg_tr_create(tss_base **out, const tss_params *p);

#endif /* MPC_TSS_DKG_H */

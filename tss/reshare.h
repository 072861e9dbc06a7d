/*
 * reshare.h — moves a key (Ed25519 by default, any group.h curve through a
 * tss_suite) to a new committee and threshold while
 * keeping the group public key (DESIGN §7).
 *
 * Roles, from the input: every session party that is a member of the old
 * key is a dealer; every member of the new committee is a receiver; a party
 * may be both (overlap) and every party is at least one of them. Dealers
 * (at least the old threshold) re-share w_i = lambda_i * s_i, lambda_i the
 * Lagrange coefficient of their old identifier over the set of dealers, with
 * a fresh polynomial of the new degree t'-1. New member j (identifier j+1 in
 * the new committee list) gets s'_j = sum_i g_i(j+1).
 *   Round 1 (broadcast, dealers):  u16 count = t' | t' points C_i | u8 has_chain |
 *                                  chain code (32; zeros without one)
 *   Round 2 (direct, dealer -> new member): scalar g_i(id'_j) | n echo digests
 *   Round 3 (broadcast, everyone): transcript hash
 * Checks: count == t' (MPC_ERR_BAD_COMMITMENT); every point valid;
 * C_i0 == lambda_i * Y_i with Y_i the dealer's old verifying share
 * (MPC_ERR_BAD_COMMITMENT); sum_i C_i0 == group key (MPC_ERR_BAD_GROUP_KEY);
 * each share against its commitments (MPC_ERR_BAD_SHARE); echo
 * (MPC_ERR_EQUIVOCATION); transcript (MPC_ERR_TRANSCRIPT), which binds the
 * sid, new threshold, all commitments, group key and new verifying shares.
 * Every party compares each dealer's chain code with the one of its own input
 * record (a new member's public-only record has it too):
 * MPC_ERR_HD_CHAIN_MISMATCH names the dealer. The new record keeps it.
 * Result: the new key-share record; a party that is not in the new
 * committee gets the new record without a secret (public key info).
 *
 * THREAD SAFETY: a state is used by one thread at a time.
 */
#ifndef MPC_TSS_RESHARE_H
#define MPC_TSS_RESHARE_H

#include "tss/proto.h"

#define TSS_RESHARE_R1            0x31 /* message types */
#define TSS_RESHARE_R2            0x32
#define TSS_RESHARE_R3            0x33
#define TSS_RESHARE_INPUT_VERSION 1

/*
 * Reshare input: u8 version | u32 new_t | u32 n_new | n_new x (u16 len, node id) |
 * u32 len | key-share record of the old key (with the secret for an old
 * member, public-only for a new-only member).
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_reshare_input_encode(uint8_t **out, size_t *out_len,
                                                   uint32_t new_threshold,
                                                   const char *const *new_nodes, uint32_t n_new,
                                                   const uint8_t *keyshare, size_t keyshare_len);

/* The protocol "frost-reshare" (proto.h interface); result: the new key-share record. */
extern const tss_protocol tss_proto_frost_reshare;

/*
 * Creates a reshare state (tss_proto_frost_reshare.create).
 * Out: *out — caller owns it; free with tss_proto_destroy().
 * Returns: MPC_OK or an error (nothing allocated on error).
 */
MPC_MUST_CHECK mpc_status tss_reshare_create(tss_base **out, const tss_params *p);
/*
 * Like tss_reshare_create on another ciphersuite (proto.h tss_suite, borrowed
 * for the life of the state; NULL = Ed25519): the old record must be on
 * suite->g and the round-3 hash is suite->confirm's when set.
 */
MPC_MUST_CHECK mpc_status tss_reshare_create_suite(tss_base **out, const tss_params *p,
                                                   const tss_suite *suite);

/*
 * The protocol "frost-tr-reshare": the same reshare on secp256k1 key-share
 * records (Taproot keys, 33-byte points); input and result as frost-reshare.
 */
extern const tss_protocol tss_proto_frost_tr_reshare;

/* Creates a frost-tr-reshare state; as tss_reshare_create. */
MPC_MUST_CHECK mpc_status tss_reshare_tr_create(tss_base **out, const tss_params *p);

#endif /* MPC_TSS_RESHARE_H */

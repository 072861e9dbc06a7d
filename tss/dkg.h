/*
 * dkg.h — distributed key generation (FROST(Ed25519) by default; any curve of
 * group.h through a tss_suite, e.g. DKLs23 keygen on secp256k1): Pedersen DKG with
 * Feldman commitments and Schnorr proofs of knowledge (FROST paper, Fig. 1),
 * plus a transcript confirmation round. No dealer, no coordinator.
 *
 * Parties are the session parties; party k gets identifier k + 1. The
 * threshold t (minimum signers) comes from params.threshold; input is empty.
 *   Round 1 (broadcast): u16 count = t | t points C_k | proof (R || mu, see pok.h)
 *   Round 2 (direct):    scalar f_i(id_j) | n echo digests of round 1
 *   Round 3 (broadcast): 32-byte transcript hash
 * Transcript = BLAKE2b-256("mpc-frost-dkg-v1" || sid || u32 t || u32 n ||
 * every party's commitments || group key || every verifying share).
 * Result: the key-share record (keyshare.h) with own share, all verifying
 * shares and the group key, node ids from params.party_ids.
 *
 * Failures (culprit = the sending party): MPC_ERR_BAD_COMMITMENT (count !=
 * t), MPC_ERR_BAD_POINT, MPC_ERR_BAD_PROOF, MPC_ERR_BAD_SCALAR,
 * MPC_ERR_BAD_SHARE, MPC_ERR_EQUIVOCATION, MPC_ERR_TRANSCRIPT,
 * MPC_ERR_MSG_MALFORMED, MPC_ERR_MSG_KIND; at create: MPC_ERR_BAD_THRESHOLD,
 * MPC_ERR_BAD_IDENTIFIER, MPC_ERR_SELFTEST.
 *
 * The functions have the shape of session_protocol (session/protocol.h).
 * THREAD SAFETY: a state is used by one thread at a time.
 */
#ifndef MPC_TSS_DKG_H
#define MPC_TSS_DKG_H

#include "tss/proto.h"

#define TSS_DKG_R1 0x11 /* message types */
#define TSS_DKG_R2 0x12
#define TSS_DKG_R3 0x13

typedef struct tss_dkg tss_dkg;

/* Out: *out (caller owns; tss_dkg_destroy). Returns MPC_OK or an error (nothing allocated). */
MPC_MUST_CHECK mpc_status tss_dkg_create(tss_dkg **out, const tss_params *p);

/*
 * Like tss_dkg_create on another ciphersuite (proto.h tss_suite; borrowed for
 * the life of the state). suite NULL = FROST(Ed25519). The proof is then
 * point_len + 32 bytes and the round-3 hash is suite->confirm's.
 */
MPC_MUST_CHECK mpc_status tss_dkg_create_suite(tss_dkg **out, const tss_params *p,
                                               const tss_suite *suite);
/* Emits round 1. Returns MPC_OK or an error. */
MPC_MUST_CHECK mpc_status tss_dkg_start(tss_dkg *s, mpc_outbox *out);
/* Returns: the round accepted now (1-based), 0 once done or failed. */
uint32_t tss_dkg_current_round(const tss_dkg *s);
/* Handles one inbound message of the current round (see header comment). */
MPC_MUST_CHECK mpc_status tss_dkg_handle(tss_dkg *s, uint32_t from, uint32_t round,
                                         int is_broadcast, const uint8_t *data, size_t len,
                                         mpc_outbox *out);
/* Returns: 1 once finished successfully. */
int tss_dkg_is_done(const tss_dkg *s);
/*
 * Out: *out, *out_len — the encoded key share (mpc_secure_alloc; caller frees
 * with mpc_secure_free). Returns MPC_OK, MPC_ERR_SESSION_STATE if not done.
 */
MPC_MUST_CHECK mpc_status tss_dkg_result(tss_dkg *s, uint8_t **out, size_t *out_len);
/* Returns: the party blamed for the failure, or TSS_NO_CULPRIT. */
uint32_t tss_dkg_culprit(const tss_dkg *s);
/* Wipes and frees. Accepts NULL. */
void tss_dkg_destroy(tss_dkg *s);

#endif /* MPC_TSS_DKG_H */

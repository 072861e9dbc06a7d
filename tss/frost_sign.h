/*
 * frost_sign.h — FROST(Ed25519, SHA-512) signing (RFC 9591) without a
 * coordinator: every signer broadcasts its nonce commitment, then its
 * signature share, and every signer aggregates and verifies the result.
 *
 * Parties are the signers (at least the key's threshold); each session
 * party is mapped to the key member with the same node id, whose Shamir
 * identifier and verifying share are used.
 *   Round 1 (broadcast): point D | point E | 32-byte digest of (group key,
 *                        message); a mismatch is MPC_ERR_TRANSCRIPT with no
 *                        culprit (the protocol cannot tell whose input is off)
 *   Round 2 (broadcast): scalar z | n echo digests of round 1 (the
 *                        commitment list this signer used, see proto.h)
 * Done once every share is in and the aggregate signature verifies with
 * crypto_sign_verify_detached. If it does not, every share is verified
 * (RFC 9591 §5.4) to name the culprit.
 * Result: the 64-byte signature R || z.
 *
 * Failures: MPC_ERR_TRANSCRIPT, MPC_ERR_BAD_POINT, MPC_ERR_BAD_SCALAR, MPC_ERR_EQUIVOCATION,
 * MPC_ERR_BAD_SIG_SHARE, MPC_ERR_VERIFY_FAILED, MPC_ERR_MSG_*; at create:
 * MPC_ERR_BAD_THRESHOLD (fewer signers than t), MPC_ERR_UNKNOWN_PARTICIPANT
 * (a party is not a key member), key-share decoding errors.
 *
 * DESIGN: the nonces live in mpc_secure_alloc memory, are used once for the
 * share and wiped and freed immediately; a second use is MPC_ERR_NONCE_REUSE.
 * THREAD SAFETY: a state is used by one thread at a time.
 */
#ifndef MPC_TSS_FROST_SIGN_H
#define MPC_TSS_FROST_SIGN_H

#include "tss/proto.h"

#define TSS_SIGN_R1            0x21 /* message types */
#define TSS_SIGN_R2            0x22
#define TSS_SIGN_INPUT_VERSION 1

typedef struct tss_frost_sign tss_frost_sign;

/*
 * Signing input: u8 version | u32 len | key-share record | u32 len | message.
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_sign_input_encode(uint8_t **out, size_t *out_len,
                                                const uint8_t *keyshare, size_t keyshare_len,
                                                const uint8_t *msg, size_t msg_len);

/*
 * The functions below have the shape and contract of session_protocol
 * (session/protocol.h); session/proto_eddsa.c adapts them.
 * Out: *out — caller owns it; free with tss_frost_sign_destroy().
 * Returns: MPC_OK or an error (nothing allocated on error).
 */
MPC_MUST_CHECK mpc_status tss_frost_sign_create(tss_frost_sign **out, const tss_params *p);
/* Emits round-1 messages into out. Returns: MPC_OK or the (recorded) failure. */
MPC_MUST_CHECK mpc_status tss_frost_sign_start(tss_frost_sign *s, mpc_outbox *out);
/* Returns: the round accepted now (1-based), 0 once done or failed. */
uint32_t tss_frost_sign_current_round(const tss_frost_sign *s);
/*
 * Handles one inbound message of the current round; may emit messages into out.
 * Returns: MPC_OK, or the failure (sticky; culprit() names the party).
 */
MPC_MUST_CHECK mpc_status tss_frost_sign_handle(tss_frost_sign *s, uint32_t from, uint32_t round,
                                                int is_broadcast, const uint8_t *data, size_t len,
                                                mpc_outbox *out);
/* Returns: 1 once finished successfully. */
int tss_frost_sign_is_done(const tss_frost_sign *s);
/*
 * Out: *out (64 bytes, mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK; MPC_ERR_SESSION_STATE if not done; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_frost_sign_result(tss_frost_sign *s, uint8_t **out, size_t *out_len);
/* Returns: the party blamed for the failure, or TSS_NO_CULPRIT. */
uint32_t tss_frost_sign_culprit(const tss_frost_sign *s);
/* Wipes and frees the state. Accepts NULL. */
void tss_frost_sign_destroy(tss_frost_sign *s);

#endif /* MPC_TSS_FROST_SIGN_H */

/*
 * frost_sign.h — FROST signing (RFC 9591) without a coordinator: every
 * signer broadcasts its nonce commitment, then its signature share, and
 * every signer aggregates and verifies the result. Two protocols share the
 * state machine, each bound to a ciphersuite of frost.h:
 *   "frost-sign"     FROST(Ed25519, SHA-512); result: the 64-byte signature.
 *   "frost-tr-sign"  FROST(secp256k1, SHA-256) with BIP340 and an optional
 *                    BIP341 tweak (docs/specs/frost-taproot.md); points are
 *                    33 bytes; result (TSS_TR_SIGN_RESULT_BYTES): the 64-byte
 *                    BIP340 signature | x-only output key | x-only internal key,
 *                    verified with libsecp256k1 secp256k1_schnorrsig_verify.
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
 * crypto_sign_verify_detached (frost-tr-sign: secp256k1_schnorrsig_verify).
 * If it does not, every share is verified (RFC 9591 §5.4) to name the culprit.
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

#include "tss/frost.h"
#include "tss/proto.h"

#define TSS_SIGN_R1               0x21 /* message types */
#define TSS_SIGN_R2               0x22
#define TSS_SIGN_INPUT_VERSION    1
#define TSS_SIGN_INPUT_VERSION_HD 2 /* version 1 followed by a 32-byte tweak τ */
#define TSS_TR_SIGN_INPUT_VERSION 2
#define TSS_TR_SIGN_INPUT_VERSION_HD                                                               \
    3 /* frost-tr-sign version 2 followed by a 32-byte HD tweak τ (secp256k1 big-endian) */
#define TSS_TR_SIGN_RESULT_BYTES 128 /* sig (64) | output x (32) | internal x (32) */

/*
 * Signing input: u8 version | u32 len | key-share record | u32 len | message.
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_sign_input_encode(uint8_t **out, size_t *out_len,
                                                const uint8_t *keyshare, size_t keyshare_len,
                                                const uint8_t *msg, size_t msg_len);

/*
 * The same with a tweak τ (Ed25519 scalar encoding): every signer shifts its
 * key share by τ (tss_keyshare_tweak), so the signature verifies under the
 * child key Y + τ·B (docs/specs/hd-derivation.md §5). tweak NULL: exactly
 * tss_sign_input_encode. Returns: as tss_sign_input_encode.
 */
MPC_MUST_CHECK mpc_status tss_sign_input_encode_hd(uint8_t **out, size_t *out_len,
                                                   const uint8_t *keyshare, size_t keyshare_len,
                                                   const uint8_t *msg, size_t msg_len,
                                                   const uint8_t tweak[TSS_SCALAR_BYTES]);

/*
 * frost-tr-sign input: u8 version 2 | u8 tweak mode | 32-byte merkle root |
 * u32 len | key-share record (secp256k1) | u32 len | message.
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_TR_INPUT (unknown tweak mode), MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_tr_sign_input_encode(uint8_t **out, size_t *out_len,
                                                   const uint8_t *keyshare, size_t keyshare_len,
                                                   const uint8_t *msg, size_t msg_len,
                                                   const tss_frost_tweak *tweak);

/*
 * The same with a BIP32 HD tweak τ (tss_hd_derive on the 33-byte group key Y
 * and its chain code; hd_tweak NULL: exactly tss_tr_sign_input_encode):
 * version 3, τ after the message. Every signer shifts its share by τ, so the
 * internal key becomes the child Y' = Y + τ·G; the even-Y and BIP341 steps
 * then apply to Y' (docs/specs/frost-taproot.md §5). τ is bound in the
 * round-1 context digest. Returns: as tss_tr_sign_input_encode.
 */
MPC_MUST_CHECK mpc_status tss_tr_sign_input_encode_hd(uint8_t **out, size_t *out_len,
                                                      const uint8_t *keyshare, size_t keyshare_len,
                                                      const uint8_t *msg, size_t msg_len,
                                                      const tss_frost_tweak *tweak,
                                                      const uint8_t hd_tweak[TSS_SCALAR_BYTES]);

/* The protocol "frost-sign" (proto.h interface); result: the 64-byte signature. */
extern const tss_protocol tss_proto_frost_sign;

/* The protocol "frost-tr-sign"; result: TSS_TR_SIGN_RESULT_BYTES (see above). */
extern const tss_protocol tss_proto_frost_tr_sign;

/*
 * Creates a signing state (tss_proto_frost_sign.create).
 * Out: *out — caller owns it; free with tss_proto_destroy().
 * Returns: MPC_OK or an error (nothing allocated on error).
 */
MPC_MUST_CHECK mpc_status tss_frost_sign_create(tss_base **out, const tss_params *p);

/* Creates a frost-tr-sign state (tss_proto_frost_tr_sign.create); as tss_frost_sign_create. */
MPC_MUST_CHECK mpc_status tss_frost_tr_sign_create(tss_base **out, const tss_params *p);

#endif /* MPC_TSS_FROST_SIGN_H */

/*
 * pok.h — Schnorr proof of knowledge of a DKG constant term.
 *
 * The challenge is the one of the ZcashFoundation frost DKG (FROST paper,
 * Figure 1, as instantiated for FROST(Ed25519, SHA-512)), so that its
 * published DKG vectors check ours:
 *   c = H_dkg(SerializeScalar(id) || SerializeElement(C0) || SerializeElement(R)),
 *   H_dkg(m) = SHA-512("FROST-ED25519-SHA512-v1" || "dkg" || m) mod L.
 * Proof = SerializeElement(R) || SerializeScalar(mu), mu = k + a0 * c,
 * valid iff mu * G == R + c * C0.
 *
 * THREAD SAFETY: pure functions.
 */
#ifndef MPC_TSS_POK_H
#define MPC_TSS_POK_H

#include <stdint.h>

#include "common/status.h"
#include "tss/group.h"

#define TSS_POK_BYTES     64 /* R || mu on ed25519 */
#define TSS_POK_MAX_BYTES 65 /* R || mu on the curve with the longest points (secp256k1) */

/*
 * A challenge function c = H(..., id, C0, R) of another ciphersuite (the
 * DKLs23 keygen binds its context: spec §2, dkg/pok). user is passed through.
 * Returns: MPC_OK or MPC_ERR_CRYPTO.
 */
typedef mpc_status (*tss_pok_challenge_fn)(const void *user, tss_scalar *c, uint64_t id,
                                           const tss_point *C0, const tss_point *R);

/*
 * The challenge's input, shared by every ciphersuite's challenge function:
 * parts[0..3) = scalar(id) || enc(C0) || enc(R), in the caller's buffers
 * (each TSS_POINT_MAX_BYTES / TSS_SCALAR_BYTES long), which parts points into.
 */
void tss_pok_challenge_parts(const tss_group *g, tss_bytes parts[3], uint8_t *ide, uint8_t *c0e,
                             uint8_t *re, uint64_t id, const tss_point *C0, const tss_point *R);

/*
 * Like tss_pok_prove / tss_pok_verify with the challenge computed by fn(user, ...)
 * (fn NULL = the FROST challenge above). The proof is point_len + 32 bytes.
 * Returns: as tss_pok_prove / tss_pok_verify.
 */
MPC_MUST_CHECK mpc_status tss_pok_prove_with(const tss_group *g, tss_pok_challenge_fn fn,
                                             const void *user, uint8_t *proof, uint64_t id,
                                             const tss_scalar *a0, const tss_point *C0);
MPC_MUST_CHECK mpc_status tss_pok_verify_with(const tss_group *g, tss_pok_challenge_fn fn,
                                              const void *user, const uint8_t *proof, uint64_t id,
                                              const tss_point *C0);

/*
 * Proves knowledge of a0 with C0 = a0 * G for identifier id (fresh nonce k).
 * Out: proof[0..point_len + 32).
 * Returns: MPC_OK, MPC_ERR_RANDOM, MPC_ERR_CRYPTO, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_pok_prove(const tss_group *g, uint8_t *proof, uint64_t id,
                                        const tss_scalar *a0, const tss_point *C0);

/*
 * Verifies a proof against C0 for identifier id (decodes R and mu strictly).
 * Returns: MPC_OK; MPC_ERR_BAD_POINT / MPC_ERR_BAD_SCALAR for a malformed
 *          proof; MPC_ERR_BAD_PROOF if the equation fails; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_pok_verify(const tss_group *g, const uint8_t *proof, uint64_t id,
                                         const tss_point *C0);

#endif /* MPC_TSS_POK_H */

/*
 * dkls_signing.h — DKLs23 signing as a session protocol: tss/dkls_sign (the
 * 3-round per-party state machine of spec §6) wrapped in the proto.h protocol
 * interface (tss_proto_dkls_sign).
 *
 * Parties are the signers, in any order; each is mapped to its key member by
 * node id. Input (params.input), version 1:
 *   u8 version = 1 | u32 rec_len | key record (tss/dkls_keyrec.h) | msg32 (32) |
 *   u16 n_signers | n_signers x (u16 len | node id)
 * The signer list must name exactly the session parties (each once) and every
 * signer must be a member of the key's committee; |S| >= t (spec §6.1).
 * A key record in the legacy format 1 (no zero-sharing seeds,
 * tss/dkls_keyrec.h) is refused at create with MPC_ERR_RESHARE_REQUIRED.
 * Messages (u8 version = 1 | u8 type | payload of tss/dkls_sign.h):
 *   round 1: broadcast 0x51 (64 B: com_i, ν_i); direct 0x52 to every peer (10 272 B)
 *   round 2: direct 0x53 to every peer (40 228 B: R_i, salt, Γ^u, Γ^v, ψ, echo1, pk_i, RVOLE)
 *   round 3: broadcast 0x54 (96 B: u_i, w_i, echo2)
 * Result (130 bytes): r (32) | s (32, low-S) | recid (1, 0..3) | compact
 * r || s || v (65, v = recid), verified and recovered with libsecp256k1
 * before it is returned (spec §6.5).
 *
 * Correlation safety (spec §4.1, §8 item 8): the state accepts exactly one
 * round-1 direct message per peer, so Alice answers at most once per session
 * and peer; a second one (even a replay of an earlier one) fails the session
 * with MPC_ERR_MSG_KIND naming the sender. Every attempt draws fresh ν, r_i,
 * φ_i inside tss/dkls_sign, so a replayed message never meets old pads.
 *
 * Quarantine (spec §4.3, §8 item 10): if the key record flags a signer as
 * quarantined, start() fails with MPC_ERR_QUARANTINED naming it, before any
 * message is sent. A KOS check failure fails the session with
 * MPC_ERR_OT_CHECK naming the peer: the caller must then store
 * tss_dkls_keyrec_quarantine(record, culprit's node id). The record flag is
 * read once, at create; what makes "abort for good" hold for sessions
 * already in flight is the per-pair gate (params.gate, tss/proto.h): round 2
 * enters every pair before its KOS checks run and records each verdict
 * before leaving, and the round-2 messages (RVOLE answers, Δ-dependent) are
 * marked pair_bound so the driver releases them only while the pair is not
 * quarantined. A pair found quarantined at entry fails the session with
 * MPC_ERR_QUARANTINED naming the peer, before any check is evaluated.
 *
 * MPC_ERR_EQUIVOCATION (echo1/echo2) names nobody: the echo hashes cover
 * every broadcast, so the state reports a dispute (tss_proto_dispute)
 * between the messenger and, with two parties, ourselves.
 *
 * Failures (culprit = party index) are those of tss/dkls_sign.h plus
 * MPC_ERR_MSG_MALFORMED / MPC_ERR_MSG_KIND for framing; at create
 * MPC_ERR_MSG_MALFORMED (input), MPC_ERR_UNKNOWN_PARTICIPANT (signer not in
 * the committee or list/party mismatch), MPC_ERR_BAD_THRESHOLD, the key-record
 * decode errors.
 *
 * THREAD SAFETY: a state is used by one thread at a time; the key record it
 * decoded is its own copy.
 */
#ifndef MPC_TSS_DKLS_SIGNING_H
#define MPC_TSS_DKLS_SIGNING_H

#include "tss/proto.h"

#define TSS_DKLS_SIGN_INPUT_VERSION    1
#define TSS_DKLS_SIGN_INPUT_VERSION_HD 2 /* version 1 followed by SC(τ): sign under a child key */
#define TSS_DKLS_SIGN_RESULT_BYTES     130 /* r | s | recid | r || s || v */
#define TSS_DKLS_PRESIGN_INPUT_VERSION 3   /* version 1's layout; the digest is ignored */

/*
 * Encodes the signing input.
 * In: rec[0..rec_len) key record; msg32 digest; signers[0..n) node ids.
 * Out: *out (mpc_secure_alloc: it holds the key record; free with
 *      mpc_secure_free), *out_len.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_sign_input_encode(uint8_t **out, size_t *out_len,
                                                     const uint8_t *rec, size_t rec_len,
                                                     const uint8_t msg32[32],
                                                     const char *const *signers, uint32_t n);

/*
 * The same with a tweak: the signature is made under Y + τ·G
 * (docs/specs/hd-derivation.md §5). tweak: SC(τ), 32 bytes, or NULL (then
 * exactly tss_dkls_sign_input_encode). Returns: as tss_dkls_sign_input_encode.
 */
MPC_MUST_CHECK mpc_status tss_dkls_sign_input_encode_hd(uint8_t **out, size_t *out_len,
                                                        const uint8_t *rec, size_t rec_len,
                                                        const uint8_t msg32[32],
                                                        const char *const *signers, uint32_t n,
                                                        const uint8_t tweak[32]);

/* The protocol "dkls-sign" (proto.h interface); result: TSS_DKLS_SIGN_RESULT_BYTES
 * (r | s | recid | r || s || v). */
extern const tss_protocol tss_proto_dkls_sign;

/*
 * Creates a signing state (tss_proto_dkls_sign.create); a refusal found here
 * (e.g. MPC_ERR_QUARANTINED) is reported by start.
 * Out: *out (caller owns; tss_proto_destroy). Returns MPC_OK or an error.
 */
MPC_MUST_CHECK mpc_status tss_dkls_signing_create(tss_base **out, const tss_params *p);

/*
 * Presign input (dkls-presign): the layout of version 1 with version
 * TSS_DKLS_PRESIGN_INPUT_VERSION and a zero digest (ignored). No tweak: a
 * derivation is applied in the online step (spec §6.7.3).
 * Returns: as tss_dkls_sign_input_encode.
 */
MPC_MUST_CHECK mpc_status tss_dkls_presign_input_encode(uint8_t **out, size_t *out_len,
                                                        const uint8_t *rec, size_t rec_len,
                                                        const char *const *signers, uint32_t n);

/*
 * The protocol "dkls-presign" (spec §6.7.1): rounds 1-2 of dkls-sign under
 * presign_ctx, then the round-3 checks with nothing sent (round 3 carries no
 * message). Same parties, quarantine, gate, replay and blame rules as
 * dkls-sign. Result: the signer's presignature record
 * (tss_dkls_presig_encode, TSS_DKLS_PRESIG_BYTES(n) bytes, SECRET: it is worth
 * a key share for one signature; store it, then wipe).
 */
extern const tss_protocol tss_proto_dkls_presign;

/* tss_proto_dkls_presign.create. Out, Returns: as tss_dkls_signing_create. */
MPC_MUST_CHECK mpc_status tss_dkls_presigning_create(tss_base **out, const tss_params *p);

#ifdef MPC_FAULT_INJECTION
/* TEST ONLY: forwards a cheat to the inner tss_dkls_sign (enum tss_dkls_sign_cheat);
 * ignored unless s is a dkls-sign state. */
void tss_dkls_signing_set_cheat(tss_base *s, int cheat);

/* TEST ONLY: forwards tss_dkls_sign_set_probe (a Δ-bit probe of every peer). */
void tss_dkls_signing_set_probe(tss_base *s, size_t col, int guess);

struct tss_dkls_sign;
/* TEST ONLY: the inner state machine (tss/dkls_sign_int.h), or NULL if s is not a
 * dkls-sign state: white-box attackers read their own secrets from it. */
struct tss_dkls_sign *tss_dkls_signing_inner(tss_base *s);
#endif

#endif /* MPC_TSS_DKLS_SIGNING_H */

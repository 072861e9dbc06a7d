/*
 * proto_ecdsa.h — session_protocol tables for the DKLs23 ECDSA protocols of
 * tss/ on secp256k1: keygen, signing and reshare.
 *
 * Each table is a thin adapter over tss/ (tss/ never includes session/).
 * Inputs (session_protocol_params.input) and results:
 *   dkls-keygen:  input = tss_dkls_keygen_input_encode(wallet id):
 *                 u8 version = 1 | u16 wallet_len | wallet_id;
 *                 threshold = minimum signers (2 <= t <= n); parties = committee
 *                 (party k gets id k + 1); result = DKLs key record
 *                 (tss/dkls_keyrec.h), key version 1.
 *   dkls-sign:    input = tss_dkls_sign_input_encode(key record, digest, signers):
 *                 u8 version = 1 | u32 rec_len | key record | msg32 (32 bytes) |
 *                 u16 n_signers | n_signers x (u16 len | node id);
 *                 parties = the signers in any order (each must be in the list
 *                 and in the key's committee); result = 130 bytes:
 *                 r (32) | s (32, low-S) | recid (1) | compact r || s || v (65,
 *                 v = recid + 27).
 *   dkls-reshare: input = tss_dkls_reshare_input_encode(...) (tss/dkls_reshare.h);
 *                 result = new key record (public-only for parties leaving).
 *
 * THREAD SAFETY: the tables are immutable; each state is used by one thread at a time.
 */
#ifndef MPC_SESSION_PROTO_ECDSA_H
#define MPC_SESSION_PROTO_ECDSA_H

#include "session/protocol.h"

extern const session_protocol session_proto_dkls_keygen;  /* name "dkls-keygen" */
extern const session_protocol session_proto_dkls_sign;    /* name "dkls-sign" */
extern const session_protocol session_proto_dkls_reshare; /* name "dkls-reshare" */

#endif /* MPC_SESSION_PROTO_ECDSA_H */

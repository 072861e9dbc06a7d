/*
 * proto_eddsa.h — session_protocol tables for the EdDSA protocols of tss/:
 * FROST(Ed25519, SHA-512) signing, DKG and reshare.
 *
 * Each table is a thin adapter over tss/ (tss/ never includes session/).
 * Inputs (session_protocol_params.input) and results:
 *   frost-dkg:     input empty; threshold = minimum signers; result = key-share
 *                  record (tss/keyshare.h).
 *   frost-sign:    input = tss_sign_input_encode(key share, message);
 *                  parties = the signers (mapped to key members by node id);
 *                  result = 64-byte Ed25519 signature.
 *   frost-reshare: input = tss_reshare_input_encode(...); result = new key-share
 *                  record (public-only for parties leaving the committee).
 *
 * THREAD SAFETY: the tables are immutable; each state is used by one thread at a time.
 */
#ifndef MPC_SESSION_PROTO_EDDSA_H
#define MPC_SESSION_PROTO_EDDSA_H

#include "session/protocol.h"

extern const session_protocol session_proto_frost_dkg;     /* name "frost-dkg" */
extern const session_protocol session_proto_frost_sign;    /* name "frost-sign" */
extern const session_protocol session_proto_frost_reshare; /* name "frost-reshare" */

#endif /* MPC_SESSION_PROTO_EDDSA_H */

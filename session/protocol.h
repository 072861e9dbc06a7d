/*
 * protocol.h — what the session manager needs of a protocol: the tss/
 * protocol interface itself (tss/proto.h: tss_protocol, tss_params and the
 * tss_proto_* calls), under the session's names for its two constants.
 *
 * The session manager keeps the caller's side of the contract documented in
 * tss/proto.h (one call at a time per state, round routing, authenticated
 * senders) and runs every protocol call inside the fault guard (step.c).
 *
 * THREAD SAFETY: see tss/proto.h (a state is used by one thread at a time).
 */
#ifndef MPC_SESSION_PROTOCOL_H
#define MPC_SESSION_PROTOCOL_H

#include "tss/proto.h"

#define SESSION_SID_LEN    TSS_SID_LEN    /* 16 */
#define SESSION_NO_CULPRIT TSS_NO_CULPRIT /* UINT32_MAX */

#endif /* MPC_SESSION_PROTOCOL_H */

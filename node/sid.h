/*
 * sid.h — session ids, computed identically by every node from a request
 * (DESIGN §3).
 *
 *   sid = BLAKE2b-128( u32be(len op)      || op
 *                    || u32be(len key)    || key_type
 *                    || u32be(len wallet) || wallet_id
 *                    || u32be(len req)    || request_id )
 * with op the name ("keygen", "sign", "reshare") and key_type the name
 * ("ed25519", "secp256k1"). DEPARTURE from DESIGN §3, which hashes the plain
 * concatenation: without the length prefixes ("ab","c") and ("a","bc") would
 * give the same sid.
 *
 * THREAD SAFETY: pure function, thread-safe.
 */
#ifndef MPC_NODE_SID_H
#define MPC_NODE_SID_H

#include <stdint.h>

#include "common/status.h"

#define NODE_SID_BYTES 16u /* == SESSION_SID_LEN */

/*
 * Derives the session id.
 * Out: sid (NODE_SID_BYTES), zeroed on failure.
 * In: all strings non-NULL and non-empty.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_sid_derive(uint8_t sid[NODE_SID_BYTES], const char *op,
                                          const char *key_type, const char *wallet_id,
                                          const char *request_id);

#endif /* MPC_NODE_SID_H */

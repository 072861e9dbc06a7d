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
#ifndef MPC_NODE_CLIENT_SID_H
#define MPC_NODE_CLIENT_SID_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_CLIENT_SID_BYTES 16u /* == SESSION_SID_LEN */

/*
 * Derives the session id.
 * Out: sid (NODE_CLIENT_SID_BYTES), zeroed on failure.
 * In: all strings non-NULL and non-empty.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_sid_derive(uint8_t sid[NODE_CLIENT_SID_BYTES], const char *op,
                                                 const char *key_type, const char *wallet_id,
                                                 const char *request_id);

/*
 * Binds the key version a node resolved for a sign into its session id:
 *   sid' = BLAKE2b-128("mpc-node/sid/key-version/v1" || sid || u32be(version)).
 * Why: a sign that names no version uses each node's active version, and
 * while a reshare of the same key activates, nodes may resolve different
 * versions. Mixing shares of two versions fails the protocol late: for DKLs23
 * as a KOS check failure that quarantines an honest peer. With the version in
 * the sid, nodes that disagree are in different sessions and never exchange a
 * protocol message; the sign fails at the readiness barrier, naming the peers.
 * In/Out: sid (NODE_CLIENT_SID_BYTES), replaced on MPC_OK, unchanged otherwise.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (NULL sid or version 0), MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status node_client_sid_bind_version(uint8_t sid[NODE_CLIENT_SID_BYTES],
                                                       uint32_t key_version);

/*
 * Binds the presignature a sign serves online into its session id:
 *   sid' = BLAKE2b-128("mpc-node/sid/presig/v1" || sid || presig_id).
 * Why: signers choose their record without a message (rendezvous hashing,
 * node/store/presig.h); signers that chose differently, or found the record
 * gone and sign with dkls-sign, are then in different sessions and fail at
 * the readiness barrier instead of meeting with mismatched inputs; the retry
 * signs without a presignature (DESIGN §7 "Presignatures").
 * In/Out: sid, replaced on MPC_OK. Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status node_client_sid_bind_presig(uint8_t sid[NODE_CLIENT_SID_BYTES],
                                                      const uint8_t presig_id[32]);

/*
 * Binds one attempt of a sign into its session id (DESIGN §4.4):
 *   sid'' = BLAKE2b-128("mpc-node/sid/attempt/v1" || sid || u32be(n)
 *            || for each signer, in party order: u32be(len id) || id || u64be(incarnation)
 *            || u32be(attempt))
 * Why: a retried sign needs a fresh sid (the failed one is tombstoned), and the
 * nodes must meet in the same one without talking first. The signer set and
 * the process incarnation of every signer (from the heartbeats) make an
 * "attempt point" that changes whenever a signer restarts or the set changes;
 * attempt counts the failures this node saw at that very point.
 * In/Out: sid (NODE_CLIENT_SID_BYTES), replaced on MPC_OK, unchanged otherwise.
 * In: ids[0..n), incarnations[0..n) (n >= 1; ids non-empty).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status node_client_sid_bind_attempt(uint8_t sid[NODE_CLIENT_SID_BYTES],
                                                       const char *const *ids,
                                                       const uint64_t *incarnations, size_t n,
                                                       uint32_t attempt);

#endif /* MPC_NODE_CLIENT_SID_H */

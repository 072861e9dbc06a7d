/*
 * evid.h — the evidence of failed sessions kept in the key store (DESIGN §7,
 * §8): the packed form of node/client/evidence.h, whole, so that evidence
 * larger than a Result can hold (DKLs23 OT messages) can still be fetched and
 * checked against the digest the signed Result carries.
 *
 * Records:
 *   evid/<key_type>/<request_id>            the packed evidence (sealed like every record)
 *   evidx/<16 hex digits: ms>/<key_type>/<request_id>   its size (u64be): the age index
 * Bounds: one packed form is at most NODE_STORE_EVID_REQ_MAX bytes; all of them
 * together at most the caller's budget: a put evicts the oldest entries until
 * the new one fits (the count is returned, for the metrics).
 *
 * THREAD SAFETY: as node/store/store.h; puts are expected from one thread (the
 * node's finisher): two concurrent puts may both see the budget free.
 */
#ifndef MPC_NODE_STORE_EVID_H
#define MPC_NODE_STORE_EVID_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/evidence.h"
#include "node/store/store.h"

#define NODE_STORE_EVID_REQ_MAX                                                                    \
    NODE_CLIENT_EVIDENCE_PACKED_MAX                /* bytes per request and key type               \
                                                    */
#define NODE_STORE_EVID_BUDGET_DEFAULT (64u << 20) /* bytes of evidence kept in all */
#define NODE_STORE_EVID_INDEX_MAX      65536u      /* index entries read per put */

/* What a put did. */
struct node_store_evid_put_info {
    size_t evicted;       /* older entries deleted to make room */
    uint64_t total_bytes; /* evidence bytes kept after the put */
    size_t entries;       /* entries kept after the put */
};

/*
 * Stores the packed evidence of (key_type, request_id), replacing an earlier one.
 * In: now_ms (the age index); budget (total bytes, >= len).
 * Out: *info (may be NULL).
 * Returns: MPC_OK; MPC_ERR_EVIDENCE_TOO_LARGE (len over NODE_STORE_EVID_REQ_MAX or
 *          the budget: nothing stored, nothing evicted); MPC_ERR_INVALID_ARG;
 *          the errors of the store.
 */
MPC_MUST_CHECK mpc_status node_store_evid_put(node_store *s, int key_type, const char *request_id,
                                              uint64_t now_ms, const uint8_t *packed, size_t len,
                                              uint64_t budget,
                                              struct node_store_evid_put_info *info);

/*
 * Reads the packed evidence of (key_type, request_id).
 * Out: *out (secure memory; mpc_secure_free), *len.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND; MPC_ERR_INVALID_ARG; the errors of the store.
 */
MPC_MUST_CHECK mpc_status node_store_evid_get(node_store *s, int key_type, const char *request_id,
                                              uint8_t **out, size_t *len);

#endif /* MPC_NODE_STORE_EVID_H */

/*
 * signers.h — the signer set of a sign that names no signers: `threshold`
 * holders that are up, chosen so that every node makes the same choice
 * (docs/DESIGN.md §4.4).
 *
 * Rule: the holders of the key version are ordered by
 * BLAKE2b-64("mpc-node/signers/v1" || u32be(len request_id) || request_id ||
 * u32be(len id) || id) (ties by id), a per-request order that spreads the
 * work; the set is the first `threshold` of them that this node sees live
 * (itself, or a peer whose heartbeat arrived within NODE_SIGNERS_LIVE_MS), in
 * keyinfo order. With fewer live holders than the threshold, the first
 * non-live ones in the order fill the set (never a holder excluded because
 * it already answered the request with a failure) (the attempt then fails at the
 * barrier naming them and is retried, node/retry.h). Nodes with the same view
 * choose the same set; nodes whose views differ land in different sessions
 * (the set is bound into the sid) and retry.
 *
 * THREAD SAFETY: pure functions.
 */
#ifndef MPC_NODE_SIGNERS_H
#define MPC_NODE_SIGNERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_SIGNERS_LIVE_MS   3500u /* a peer is live if heard from this recently */
#define NODE_SIGNERS_WARMUP_MS 3000u /* after start, wait this long to hear every holder */

/*
 * Chooses the signer set.
 * In: request_id (non-empty); holders[0..n) in keyinfo order; live[0..n)
 *     (1 = live, 0 = not live, -1 = excluded); threshold t (1 <= t <= n).
 * Out: chosen[0..n): 1 for the members of the set, 0 otherwise.
 * Returns: MPC_OK; MPC_ERR_BAD_THRESHOLD (fewer than t holders not excluded);
 *          MPC_ERR_INVALID_ARG (NULL, n == 0, t out of range); MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status node_signers_choose(const char *request_id, const char *const *holders,
                                              const int *live, size_t n, uint32_t t, int *chosen);

/*
 * The per-request rank of a holder (the order above; lower first).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status node_signers_rank(const char *request_id, const char *id, uint64_t *rank);

#endif /* MPC_NODE_SIGNERS_H */

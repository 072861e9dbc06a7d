/*
 * pairgate.h — the per-pair gate of the DKLs23 OT-extension checks ("abort
 * for good", spec docs/specs/dkls23-ecdsa.md §4.3 and §8 item 10).
 *
 * A pair is (scope, peer): scope names one key version on this node (e.g.
 * "secp256k1/<wallet>/v3"), peer is the node id of the OT-extension
 * receiver; this node is always the sender (the holder of Δ). Each pair has
 * one mutex and one flag:
 *   - a protocol evaluates a KOS check for a pair only between
 *     session_pair_lock() and session_pair_unlock(): at most one check per
 *     pair at a time, and its verdict is recorded before the next one;
 *   - a failed verdict sets the flag (in memory, before the failing session
 *     returns) and it is never cleared: the next scope (a reshare's new
 *     version) is a new pair;
 *   - a message derived from the pair's Δ is released only under the same
 *     lock and only while the flag is clear (session_pair_release_begin/end),
 *     so a session whose own check passed before another session's failure
 *     cannot send its Δ-dependent answer afterwards.
 * Entries are reference-counted by the sessions that use them and kept while
 * quarantined, so the table is bounded by live sessions plus quarantines.
 *
 * Ownership: the owner creates the gate and destroys it after every session
 * released its pairs. Callbacks are called without any gate lock held.
 *
 * THREAD SAFETY: every function may be called from any thread, except
 * session_pairgate_destroy.
 */
#ifndef MPC_SESSION_PAIRGATE_H
#define MPC_SESSION_PAIRGATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

typedef struct session_pairgate session_pairgate;
typedef struct session_pair session_pair;

/* Longest scope string (bytes, without the NUL). */
#define SESSION_PAIRGATE_SCOPE_MAX 200

/* Called once when a pair becomes quarantined by a failed check (borrowed strings). */
typedef void (*session_pairgate_fn)(void *arg, const char *scope, const char *peer);

/*
 * Creates an empty gate. on_quarantine may be NULL.
 * Out: *out — caller owns it; free with session_pairgate_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status session_pairgate_create(session_pairgate **out,
                                                  session_pairgate_fn on_quarantine, void *arg);

/* Frees the gate and every entry. Accepts NULL. No pair may be held. */
void session_pairgate_destroy(session_pairgate *g);

/*
 * Takes a reference on the pair (scope, peer), creating it if needed.
 * Out: *out — release with session_pairgate_release().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (NULL, empty or too long strings), MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status session_pairgate_acquire(session_pairgate *g, const char *scope,
                                                   const char *peer, session_pair **out);

/* Drops a reference (frees the entry when unused and not quarantined). Accepts NULL p. */
void session_pairgate_release(session_pairgate *g, session_pair *p);

/*
 * Locks the pair before a check.
 * Returns: MPC_OK (locked: session_pair_unlock must follow) or
 *          MPC_ERR_QUARANTINED (not locked).
 */
MPC_MUST_CHECK mpc_status session_pair_lock(session_pair *p);

/* Records the verdict (failed = 1 quarantines the pair) and unlocks; then calls
 * on_quarantine if this call quarantined it. */
void session_pair_unlock(session_pairgate *g, session_pair *p, int failed);

/*
 * Begins the release of a Δ-dependent message: locks the pair.
 * Returns: MPC_OK (locked: send, then session_pair_release_end) or
 *          MPC_ERR_QUARANTINED (not locked: do not send).
 */
MPC_MUST_CHECK mpc_status session_pair_release_begin(session_pair *p);

/* Ends a release begun with MPC_OK. */
void session_pair_release_end(session_pair *p);

/*
 * Marks (scope, peer) quarantined without a check (e.g. loaded from a stored
 * record). Does not call on_quarantine.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status session_pairgate_mark(session_pairgate *g, const char *scope,
                                                const char *peer);

/* Returns: 1 if (scope, peer) is quarantined in memory, else 0. */
int session_pairgate_is_quarantined(session_pairgate *g, const char *scope, const char *peer);

/* Returns: checks evaluated and checks failed so far (counters for metrics). */
void session_pairgate_counts(session_pairgate *g, uint64_t *checks, uint64_t *failed,
                             uint64_t *quarantined);

#endif /* MPC_SESSION_PAIRGATE_H */

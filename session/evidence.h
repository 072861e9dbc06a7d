/*
 * evidence.h — the signed envelopes a session keeps so that a failure can
 * be backed by evidence (DESIGN §7, "blame that cannot be framed";
 * internal, worker only).
 *
 * A session keeps, as received, the first envelope of every (from, round,
 * kind) that passed session_wire_open (within SESSION_EVID_KEEP_MAX bytes),
 * and any envelope that contradicts a kept one. The envelopes are signed by
 * their sender (transport/envelope.h), so anyone with the peers file can
 * check them (transport_envelope_attest). They are freed when the session
 * ends; the outcome carries the ones that back its verdict (at most
 * SESSION_EVID_OUT_MAX bytes).
 *
 * THREAD SAFETY: worker only (like the rest of the protocol side).
 */
#ifndef MPC_SESSION_EVIDENCE_H
#define MPC_SESSION_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "session/internal.h"
#include "session/wire.h"

#define SESSION_EVID_KEEP_MAX (1u << 20) /* bytes kept per session */
#define SESSION_EVID_OUT_MAX                                                                       \
    (1u << 20)                /* bytes handed to the owner with a failure (the                     \
                                 node keeps them whole; a Result holds 12 KiB) */
#define SESSION_EVID_ITEMS 8u /* envelopes handed to the owner, at most */

/* One kept envelope. */
struct session_evid {
    uint32_t from;             /* sender party index */
    uint32_t round;            /* round */
    session_wire_kind kind;    /* kind */
    uint64_t incarnation;      /* sender incarnation */
    uint8_t digest[32];        /* BLAKE2b-256 of the decoded payload */
    size_t len;                /* envelope length */
    struct session_evid *next; /* list link, oldest first */
    uint8_t data[];            /* the envelope as received */
};

/*
 * Keeps env[0..len) for w unless (from, round, kind) is already held or the
 * budget is spent; with force, keeps it anyway (a contradicting copy).
 * Returns: the kept copy, or NULL (not kept).
 */
struct session_evid *session_evid_keep(session *s, const session_wire_msg *w, const uint8_t *env,
                                       size_t len, int force);

/* Returns: the kept envelope of (from, round, kind), or NULL. */
struct session_evid *session_evid_find(session *s, uint32_t from, uint32_t round,
                                       session_wire_kind kind);

/* Returns: a kept envelope of `from` whose incarnation is not inc (and not 0), or NULL. */
struct session_evid *session_evid_other_incarnation(session *s, uint32_t from, uint64_t inc);

/* Returns: 1 if w's payload differs from the kept copy k. */
int session_evid_conflicts(const struct session_evid *k, const session_wire_msg *w);

/*
 * Chooses the evidence of a verdict: the given items first, then the kept
 * envelopes of parties a and b (SESSION_NO_CULPRIT = none), newest round
 * first, within SESSION_EVID_OUT_MAX bytes and SESSION_EVID_ITEMS items.
 * Out: s->verdict_evid / s->verdict_n (pointers into the kept list).
 */
void session_evid_choose(session *s, struct session_evid *const *first, size_t n_first, uint32_t a,
                         uint32_t b);

/* Frees every kept envelope. */
void session_evid_free(session *s);

#endif /* MPC_SESSION_EVIDENCE_H */

/*
 * protocol.h — the interface between the session manager and a protocol.
 *
 * A protocol is a pure, single-threaded state machine (DESIGN §7): create from
 * parameters, start (emits round-1 messages), handle one verified inbound
 * message at a time (emits messages, may advance the round, may finish), and
 * on completion hand over its result. The session manager guarantees:
 *   - one call at a time per state (the session actor), never concurrently;
 *   - handle() only sees messages whose round == current_round(state);
 *     messages for later rounds are parked and replayed when the protocol
 *     reaches that round; earlier rounds are dropped as late;
 *   - every message was authenticated by the transport envelope and comes
 *     from party index `from` (never self), exactly once per (from, round, seq).
 * A protocol must advance to round k+1 only when every input of round k is
 * present and verified, and must fail (never crash) on any malformed input.
 *
 * Parties are addressed by index into params.party_ids (0..n-1). tss/
 * protocols use the same mpc_outbox type, so an adapter is a thin table of
 * function pointers (tss/ never includes this header: DESIGN §1).
 *
 * THREAD SAFETY: a protocol state is used by one thread at a time.
 */
#ifndef MPC_SESSION_PROTOCOL_H
#define MPC_SESSION_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/outbox.h"
#include "common/status.h"

#define SESSION_SID_LEN    16
#define SESSION_NO_CULPRIT UINT32_MAX

/* Parameters of one protocol instance; borrowed during create() only. */
typedef struct {
    const uint8_t *sid;           /* SESSION_SID_LEN bytes, binds transcripts to the session */
    uint32_t self;                /* own party index */
    uint32_t n_parties;           /* number of parties in this session */
    const char *const *party_ids; /* node ids, n_parties entries, index = party index */
    uint32_t threshold;           /* k (minimum signers) where the protocol has one */
    const uint8_t *input;         /* protocol-specific input (e.g. encoded key share + message) */
    size_t input_len;             /* input length */
} session_protocol_params;

typedef struct {
    const char *name; /* "frost-sign", "frost-dkg", "toy", ... */

    /* Out: *state. Returns MPC_OK or an error (nothing allocated on error). */
    mpc_status (*create)(void **state, const session_protocol_params *p);

    /* Emits the first round's messages into out. */
    mpc_status (*start)(void *state, mpc_outbox *out);

    /* Round whose inbound messages are accepted now (1-based); 0 once done. */
    uint32_t (*current_round)(const void *state);

    /*
     * Handles one inbound message of the current round. is_broadcast tells
     * whether it arrived on the broadcast subject (1) or as a direct,
     * encrypted message (0); a protocol rejects the wrong kind.
     */
    mpc_status (*handle)(void *state, uint32_t from, uint32_t round, int is_broadcast,
                         const uint8_t *data, size_t len, mpc_outbox *out);

    /* Returns 1 once the protocol has finished successfully. */
    int (*is_done)(const void *state);

    /*
     * Hands over the result (protocol-specific encoding) once done.
     * Out: *out, *out_len — allocated with mpc_secure_alloc (it may hold a
     * share); the caller frees it with mpc_secure_free.
     */
    mpc_status (*result)(void *state, uint8_t **out, size_t *out_len);

    /* Party index blamed for the last error, or SESSION_NO_CULPRIT. */
    uint32_t (*culprit)(const void *state);

    /* Wipes and frees the state. Accepts NULL. */
    void (*destroy)(void *state);
} session_protocol;

#endif /* MPC_SESSION_PROTOCOL_H */

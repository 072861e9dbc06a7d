/*
 * replay_set.h — remembers (from, round, seq) of accepted envelopes of one
 * session so that a replayed envelope is rejected with MPC_ERR_MSG_REPLAY.
 *
 * Bounded: at most `cap` entries; once full, further new keys are refused
 * with MPC_ERR_QUEUE_FULL (a session never legitimately receives more
 * messages than its protocol defines, so a full set means abuse).
 *
 * THREAD SAFETY: none; one set belongs to one session actor.
 */
#ifndef MPC_TRANSPORT_REPLAY_SET_H
#define MPC_TRANSPORT_REPLAY_SET_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

typedef struct transport_replay_set transport_replay_set;

/*
 * Out: *out — caller owns it; free with transport_replay_set_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (cap 0), MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status transport_replay_set_create(size_t cap, transport_replay_set **out);

/* Frees the set. Accepts NULL. */
void transport_replay_set_destroy(transport_replay_set *rs);

/*
 * Records (from, round, seq) if new.
 * Returns: MPC_OK (new, now recorded), MPC_ERR_MSG_REPLAY (seen before),
 *          MPC_ERR_QUEUE_FULL, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status transport_replay_set_add(transport_replay_set *rs, const char *from,
                                                   uint32_t round, uint64_t seq);

/* Returns: the number of recorded keys. */
size_t transport_replay_set_count(const transport_replay_set *rs);

#endif /* MPC_TRANSPORT_REPLAY_SET_H */

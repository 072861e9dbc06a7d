/*
 * tss_sim.h — in-process simulator that runs any tss_protocol among N
 * parties, routing their messages with seeded random reordering.
 *
 * It follows the session manager's contract (tss/proto.h): a
 * message is handed to a party only when its round equals the party's
 * current round; messages for later rounds wait (parked), messages for
 * earlier rounds are dropped as late. Broadcasts are expanded into one copy
 * per recipient so a tamper hook can make them differ (equivocation tests).
 * The run ends when no message can be delivered any more.
 *
 * DESIGN: single-threaded, deterministic for a given seed; every party's
 * first error, culprit and result are recorded. Results are
 * mpc_secure_alloc'd (they hold shares) and freed by tss_sim_result_free.
 *
 * THREAD SAFETY: none; one run per thread.
 */
#ifndef MPC_TESTS_TSS_SIM_H
#define MPC_TESTS_TSS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "tests/support/test_util.h" /* mpc_test_seed() */
#include "tss/proto.h"

/*
 * Called for every copy of a message before it is queued. May replace *data
 * (free the old buffer with free(), store a malloc'd one) and *len.
 * Returns: 0 to queue the (possibly changed) copy, 1 to drop it.
 */
typedef int (*tss_sim_tamper_fn)(void *user, uint32_t from, uint32_t to, uint32_t round,
                                 int is_broadcast, uint8_t **data, size_t *len);

#define TSS_SIM_ROUNDS 8 /* rounds tracked for CPU accounting (index 0 = create + start) */

/* Outcome of one party. */
typedef struct {
    mpc_status status;   /* first error of create/start/handle/result, MPC_OK otherwise */
    uint32_t culprit;    /* culprit() after the error, TSS_NO_CULPRIT otherwise */
    uint32_t dispute[2]; /* tss_proto_dispute() after the error (TSS_NO_CULPRIT if none) */
    int done;            /* is_done() at the end */
    uint8_t *result;     /* result() bytes once done (mpc_secure_alloc), else NULL */
    size_t result_len;   /* result length */
    uint64_t cpu_ns[TSS_SIM_ROUNDS]; /* thread CPU time in create+start [0] and in handling
                                        the messages of round r [r] (incl. emitting r + 1) */
} tss_sim_party;

/* Outcome of one run. */
typedef struct {
    uint32_t n;             /* parties */
    tss_sim_party *parties; /* n outcomes (owned) */
    uint64_t delivered;     /* messages handed to handle() */
    uint64_t dropped_late;  /* messages dropped because their round had passed */
    uint64_t bytes;         /* total bytes delivered */
} tss_sim_result;

/*
 * Runs proto for parties params[0..n) (params[i].self must be i).
 * Out: *res (cleared on entry; release with tss_sim_result_free()).
 * Returns: MPC_OK if every party finished; otherwise the first error seen
 *          (by party index), or MPC_ERR_PROTOCOL if the run stalled without
 *          one; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_sim_run(const tss_protocol *proto, const tss_params *params,
                                      uint32_t n, uint64_t seed, tss_sim_tamper_fn tamper,
                                      void *user, tss_sim_result *res);

/* Frees the results. Accepts a zeroed result. */
void tss_sim_result_free(tss_sim_result *res);

/* Small deterministic PRNG (xorshift64*) for tests; *state must be non-zero. */
uint64_t tss_sim_rand(uint64_t *state);

#endif /* MPC_TESTS_TSS_SIM_H */

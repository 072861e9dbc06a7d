/*
 * fuzz_fixture.h — the parties of the recorded protocol runs: keys made once
 * at start-up (deterministic randomness, so every process records the same
 * transcript and the committed seeds stay valid) and session parameters.
 *
 * THREAD SAFETY: none.
 */
#ifndef MPC_TESTS_FUZZ_FIXTURE_H
#define MPC_TESTS_FUZZ_FIXTURE_H

#include <stdint.h>

#include "session/protocol.h"

/* Fills p[0..n) for nodes[0..n) ("node-<k>") with threshold t; returns n. */
uint32_t fuzz_fx_params(tss_params *p, const uint32_t *nodes, uint32_t n, uint32_t t);

/* Common harness start: install the RNG, record the run, write seeds if asked. */
void fuzz_fx_begin(void);
void fuzz_fx_end(void);

#endif /* MPC_TESTS_FUZZ_FIXTURE_H */

/*
 * toy_protocol.h — a small multi-round protocol that exercises the session
 * manager the way a real tss/ protocol does (tests only).
 *
 * Every party i has a 64-bit input x_i (8 bytes, little endian). Rounds:
 *   1 broadcast  c_i = BLAKE2b-256("toy-commit" || sid || i || x_i)
 *   2 direct     x_i to every peer; the receiver checks it against c_i
 *   3 broadcast  S_i = sum_j (j+1) * x_j mod 2^64, and the hash of every
 *                commitment seen (echo check: all parties must agree)
 *   4 direct     S_i again; the receiver checks it equals its own sum
 * After round 4 the result is 8 bytes: S = sum_j (j+1) * x_j mod 2^64,
 * little endian, which a test can compute from the inputs alone
 * (toy_protocol_expected). Round k+1 starts only once every peer's round-k
 * message is present and verified; any malformed, duplicate, misrouted or
 * inconsistent message fails with a status and names the culprit.
 *
 * THREAD SAFETY: as session/protocol.h (one thread per state at a time).
 */
#ifndef MPC_TESTS_SUPPORT_TOY_PROTOCOL_H
#define MPC_TESTS_SUPPORT_TOY_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "session/protocol.h"

#define TOY_PROTOCOL_ROUNDS     4
#define TOY_PROTOCOL_INPUT_LEN  8
#define TOY_PROTOCOL_RESULT_LEN 8

/* Returns: the toy protocol's vtable (static, name "toy"). */
const tss_protocol *toy_protocol(void);

/*
 * Returns: a variant (name "toy-mute") that behaves like a party which stops
 * answering mid-protocol: it takes part in round 1, then absorbs messages
 * but never sends anything of round 2 or later.
 */
const tss_protocol *toy_protocol_mute(void);

/*
 * Returns: a variant (name "toy-gated") that behaves like toy_protocol() but
 * whose handle of a message of the round given to toy_gate_close waits until
 * toy_gate_open (bounded: 600 s), so a test can hold a session's actor busy
 * while messages queue in its mailbox. The gate is process-wide.
 */
const tss_protocol *toy_protocol_gated(void);

/* Closes the gate of toy-gated for messages of round (>= 1). */
void toy_gate_close(uint32_t round);

/* Waits (timeout_ms) until a toy-gated handle waits at the closed gate. Returns: 1 if one does. */
int toy_gate_wait_held(uint64_t timeout_ms);

/* Opens the gate: a waiting handle goes on. */
void toy_gate_open(void);

/*
 * Returns: the result every party must output for inputs[0..n): the weighted
 * sum, computed without the protocol.
 */
uint64_t toy_protocol_expected(const uint64_t *inputs, uint32_t n);

/* Returns: the number of toy states created and not yet destroyed (wiped), process-wide. */
long toy_protocol_live_states(void);

/* Encodes x as the 8-byte little-endian input. Out: out[0..8). */
void toy_protocol_encode_input(uint64_t x, uint8_t out[TOY_PROTOCOL_INPUT_LEN]);

/* Returns: the 64-bit value of an 8-byte little-endian result. */
uint64_t toy_protocol_decode_result(const uint8_t res[TOY_PROTOCOL_RESULT_LEN]);

#endif /* MPC_TESTS_SUPPORT_TOY_PROTOCOL_H */

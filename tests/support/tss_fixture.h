/*
 * tss_fixture.h — helpers for tests of the EdDSA protocols: run a DKG, a
 * signing or a reshare through tss_sim with named nodes, and verify
 * signatures with libsodium (an implementation independent of tss/).
 *
 * Nodes are named "node-<k>" for k = 0..TSS_FX_MAX_NODES-1; a session lists
 * any subset of them, in any order.
 *
 * THREAD SAFETY: none (test helpers).
 */
#ifndef MPC_TESTS_TSS_FIXTURE_H
#define MPC_TESTS_TSS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "tests/support/tss_sim.h"

#define TSS_FX_MAX_NODES 16

/* Key records of one key, indexed by node number (NULL if the node holds none). */
typedef struct {
    uint8_t *rec[TSS_FX_MAX_NODES]; /* encoded key-share records (mpc_secure_alloc) */
    size_t len[TSS_FX_MAX_NODES];   /* their lengths */
    uint8_t group_key[32];          /* group public key */
} tss_fx_key;

/* Returns: the static name of node k ("node-3"). */
const char *tss_fx_node(uint32_t k);

/* Frees every record of key (and zeroes it). */
void tss_fx_key_free(tss_fx_key *key);

/*
 * DKG among nodes[0..n) with threshold t through the simulator.
 * Out: *key (records stored at the node numbers). Returns the sim status.
 */
mpc_status tss_fx_dkg(tss_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t t,
                      uint64_t seed, tss_sim_tamper_fn tamper, void *user, tss_sim_result *res);

/*
 * FROST signing of msg by signers[0..n) (node numbers holding records in key).
 * Out: sig (64 bytes, from party 0; all parties must agree). Returns the sim status,
 * or MPC_ERR_VERIFY_FAILED if the parties' signatures differ.
 */
mpc_status tss_fx_sign(const tss_fx_key *key, const uint32_t *signers, uint32_t n,
                       const uint8_t *msg, size_t msg_len, uint64_t seed, tss_sim_tamper_fn tamper,
                       void *user, tss_sim_result *res, uint8_t sig[64]);

/*
 * Reshare of old key to new committee new_nodes[0..n_new) with threshold new_t;
 * the session parties are old_parties (old members taking part) plus the new
 * members not among them. Out: *next (records of the new committee).
 */
mpc_status tss_fx_reshare(const tss_fx_key *old, const uint32_t *old_parties, uint32_t n_old,
                          const uint32_t *new_nodes, uint32_t n_new, uint32_t new_t,
                          uint64_t seed, tss_sim_tamper_fn tamper, void *user,
                          tss_sim_result *res, tss_fx_key *next);

/* Returns: 1 if sig verifies for msg under pk with crypto_sign_verify_detached. */
int tss_fx_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len,
                  const uint8_t pk[32]);

#endif /* MPC_TESTS_TSS_FIXTURE_H */

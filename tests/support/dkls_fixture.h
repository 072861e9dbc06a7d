/*
 * dkls_fixture.h — helpers for tests of the DKLs23 session protocols
 * (session/proto_ecdsa.h): run keygen, signing and reshare through tss_sim
 * with named nodes ("node-<k>", tss_fixture.h), and verify signatures with
 * libsecp256k1 through its own context (independent of tss/).
 *
 * THREAD SAFETY: none (test helpers).
 */
#ifndef MPC_TESTS_DKLS_FIXTURE_H
#define MPC_TESTS_DKLS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "tests/support/tss_fixture.h"

/* Key records of one DKLs key, indexed by node number (NULL if the node holds none). */
typedef struct {
    uint8_t *rec[TSS_FX_MAX_NODES]; /* encoded DKLs key records with a secret (mpc_secure_alloc) */
    size_t len[TSS_FX_MAX_NODES];   /* their lengths */
    uint8_t *pub;                   /* one public-only record (for new members), or NULL */
    size_t pub_len;                 /* its length */
    uint8_t y[33];                  /* PT(Y) */
} dkls_fx_key;

/* Frees every record of key (and zeroes it). */
void dkls_fx_key_free(dkls_fx_key *key);

/* Deep copy of src into *dst (free with dkls_fx_key_free): a suite runs one
 * keygen and gives each case its own copy to change. Returns MPC_ERR_NOMEM. */
mpc_status dkls_fx_key_copy(dkls_fx_key *dst, const dkls_fx_key *src);

/* Keygen among nodes[0..n) with threshold t (wallet "wallet-1"). Returns the sim status. */
mpc_status dkls_fx_keygen(dkls_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t t,
                          uint64_t seed, tss_sim_tamper_fn tamper, void *user, tss_sim_result *res);

/*
 * Signs msg32 with signers[0..n) (node numbers holding records in key).
 * Out: out130 — the agreed result (r | s | recid | r || s || v).
 * Returns: the sim status, or MPC_ERR_VERIFY_FAILED if the parties' results differ.
 */
mpc_status dkls_fx_sign(const dkls_fx_key *key, const uint32_t *signers, uint32_t n,
                        const uint8_t msg32[32], uint64_t seed, tss_sim_tamper_fn tamper,
                        void *user, tss_sim_result *res, uint8_t out130[130]);

/*
 * Reshare of old to new_nodes[0..n_new) with threshold new_t; the parties are
 * old_parties[0..n_old) plus the new members not among them. Out: *next.
 */
mpc_status dkls_fx_reshare(const dkls_fx_key *old, const uint32_t *old_parties, uint32_t n_old,
                           const uint32_t *new_nodes, uint32_t n_new, uint32_t new_t, uint64_t seed,
                           tss_sim_tamper_fn tamper, void *user, tss_sim_result *res,
                           dkls_fx_key *next);

/*
 * Independent check with libsecp256k1: (r, s) parses, is already low-S
 * (normalize changes nothing), verifies on msg32 under y, the recovery id
 * recovers y, and the 65-byte compact form equals r || s || recid.
 * Returns: 1 if every check passed.
 */
/*
 * dkls_fx_sign with a tweak per signer (tweaks[i] for signers[i], SC(τ) or
 * NULL; tweaks NULL: none): signs under the child key (hd-derivation.md §5).
 */
mpc_status dkls_fx_sign_hd(const dkls_fx_key *key, const uint32_t *signers, uint32_t n,
                           const uint8_t msg32[32], const uint8_t *const *tweaks, uint64_t seed,
                           tss_sim_tamper_fn tamper, void *user, tss_sim_result *res,
                           uint8_t out130[130]);

/*
 * Presign (dkls-presign, through the secp256k1 key-type row) among
 * signers[0..n). Out: *res — res->parties[i].result is signers[i]'s
 * presignature record. Returns: the sim status.
 */
mpc_status dkls_fx_presign(const dkls_fx_key *key, const uint32_t *signers, uint32_t n,
                           uint64_t seed, tss_sim_tamper_fn tamper, void *user,
                           tss_sim_result *res);

/*
 * Online signing (dkls-online) among signers[0..n): signers[i] uses recs[i]
 * (lens[i]) and signs msgs[i] (all equal for a valid run) with the tweak SC(t)
 * or NULL. Out: *res (results: 130 bytes as dkls-sign). Returns: the sim status.
 */
mpc_status dkls_fx_online(const dkls_fx_key *key, const uint32_t *signers, uint32_t n,
                          const uint8_t *const *recs, const size_t *lens,
                          const uint8_t *const *msgs, const uint8_t *tweak, uint64_t seed,
                          tss_sim_tamper_fn tamper, void *user, tss_sim_result *res);

int dkls_fx_verify(const uint8_t out130[130], const uint8_t msg32[32], const uint8_t y[33]);

#endif /* MPC_TESTS_DKLS_FIXTURE_H */

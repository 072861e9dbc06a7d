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
    uint8_t group_key[33];          /* group public key (32 B Ed25519, 33 B secp256k1) */
    int tr;                         /* 1: a Taproot key (frost-tr-dkg / -sign / -reshare) */
} tss_fx_key;

/* Returns: the static name of node k ("node-3"). */
const char *tss_fx_node(uint32_t k);

/* Frees every record of key (and zeroes it). */
void tss_fx_key_free(tss_fx_key *key);

/*
 * DKG among nodes[0..n) with threshold t through the simulator.
 * Out: *key (records stored at the node numbers). Returns the sim status.
 */
mpc_status tss_fx_dkg(tss_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t t, uint64_t seed,
                      tss_sim_tamper_fn tamper, void *user, tss_sim_result *res);

/* tss_fx_dkg with frost-tr-dkg (secp256k1, Taproot); sets key->tr. */
mpc_status tss_fx_tr_dkg(tss_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t t,
                         uint64_t seed, tss_sim_tamper_fn tamper, void *user, tss_sim_result *res);

/*
 * frost-tr-sign of msg by signers[0..n) of a Taproot key with tweak (frost.h).
 * Out: out (TSS_TR_SIGN_RESULT_BYTES: sig | output x | internal x, from
 * party 0; all parties must agree). Returns as tss_fx_sign.
 */
mpc_status tss_fx_tr_sign(const tss_fx_key *key, const uint32_t *signers, uint32_t n,
                          const uint8_t *msg, size_t msg_len, int tweak_mode,
                          const uint8_t root[32], uint64_t seed, tss_sim_tamper_fn tamper,
                          void *user, tss_sim_result *res, uint8_t out[128]);

/* tss_fx_tr_sign with an HD tweak (tss/hd.h, secp256k1 encoding; NULL: none) for every signer. */
mpc_status tss_fx_tr_sign_hd(const tss_fx_key *key, const uint32_t *signers, uint32_t n,
                             const uint8_t *msg, size_t msg_len, int tweak_mode,
                             const uint8_t root[32], const uint8_t *hd_tweak, uint64_t seed,
                             tss_sim_tamper_fn tamper, void *user, tss_sim_result *res,
                             uint8_t out[128]);

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
 * members not among them (frost-tr-reshare if old->tr).
 * Out: *next (records of the new committee).
 */
mpc_status tss_fx_reshare(const tss_fx_key *old, const uint32_t *old_parties, uint32_t n_old,
                          const uint32_t *new_nodes, uint32_t n_new, uint32_t new_t, uint64_t seed,
                          tss_sim_tamper_fn tamper, void *user, tss_sim_result *res,
                          tss_fx_key *next);

/* Returns: 1 if sig verifies for msg under pk with crypto_sign_verify_detached. */
/*
 * tss_fx_sign with a tweak per signer (tweaks[i] for signers[i], 32 bytes or
 * NULL; tweaks NULL: none): signs under the child key (hd-derivation.md §5).
 */
mpc_status tss_fx_sign_hd(const tss_fx_key *key, const uint32_t *signers, uint32_t n,
                          const uint8_t *msg, size_t msg_len, const uint8_t *const *tweaks,
                          uint64_t seed, tss_sim_tamper_fn tamper, void *user, tss_sim_result *res,
                          uint8_t sig[64]);

int tss_fx_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len, const uint8_t pk[32]);

/* What a tamper rule does to a matching message copy. */
typedef enum {
    TSS_FX_POINT,       /* overwrite 32 bytes at off with another valid point (the base point) */
    TSS_FX_BUMP,        /* flip bit 0 of byte off (a canonical scalar stays canonical) */
    TSS_FX_NONCANON,    /* overwrite 32 bytes at off with the group order L */
    TSS_FX_SMALL_ORDER, /* overwrite 32 bytes at off with a point of order 8 */
    TSS_FX_EXTEND,      /* commitment vector: count + 1 and one more valid point appended */
    TSS_FX_SHRINK,      /* commitment vector: count - 1 and the last 32 bytes removed */
    TSS_FX_TRUNCATE,    /* drop the last byte */
    TSS_FX_FLIP         /* xor byte off with 0x80 */
} tss_fx_tamper_kind;

/* One tamper rule for tss_fx_tamper_apply (user argument of the sim). */
typedef struct {
    tss_fx_tamper_kind kind; /* action */
    uint32_t from;           /* sender party index */
    uint32_t to;             /* recipient party index, or UINT32_MAX for every recipient */
    uint32_t round;          /* round */
    size_t off;              /* byte offset the action works on */
    size_t echo_off;         /* if non-zero: offset of the echo vector in the sender's
                                next-round messages, patched so the sender stays consistent
                                with what it sent (a lying sender, not a broken channel) */
    unsigned hits;           /* copies changed (out) */
    uint8_t digest[32];      /* digest of the tampered broadcast (internal) */
} tss_fx_tamper;

/* tss_sim_tamper_fn applying the tss_fx_tamper rule passed as user. */
int tss_fx_tamper_apply(void *user, uint32_t from, uint32_t to, uint32_t round, int is_broadcast,
                        uint8_t **data, size_t *len);

/*
 * Returns: 1 if at least one honest party (any party but culprit) failed,
 * and every honest party that failed did so with want, blaming culprit.
 * Prints the outcome of each party otherwise.
 */
int tss_fx_failed_with(const tss_sim_result *res, mpc_status want, uint32_t culprit);

/*
 * The framing check (DESIGN §7): at least one honest party (any party but
 * liar) failed with want; no honest party names an honest one: each failed
 * honest party either names liar or names nobody and reports a dispute that
 * includes liar.
 * Returns: 1 if so, else 0 (printing every party's outcome).
 */
int tss_fx_never_framed(const tss_sim_result *res, mpc_status want, uint32_t liar);

#endif /* MPC_TESTS_TSS_FIXTURE_H */

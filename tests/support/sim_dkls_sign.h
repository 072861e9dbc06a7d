/*
 * sim_dkls_sign.h — in-process simulator for DKLs23 signing (tests only).
 *
 * A trusted dealer makes Shamir shares of a random key for committee 1..n and
 * synthetic OT setups for every ordered pair (random base-OT keys and Δ: the
 * base OT itself is tested separately) and a random zero-sharing seed for
 * every unordered pair (spec §2.1); the simulator then runs the three
 * signing rounds of tss_dkls_sign among any signer subset, routing every
 * message through an optional tamper hook (per sender and receiver), and
 * records each party's status, culprit, signature and recovery id.
 *
 * THREAD SAFETY: single-threaded test helper.
 */
#ifndef MPC_TESTS_SUPPORT_SIM_DKLS_SIGN_H
#define MPC_TESTS_SUPPORT_SIM_DKLS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "tss/dkls_sign.h"

/* Largest committee of the simulator. */
#define SIM_MAX_N 6

/* A dealt key with its pairwise OT setups. */
struct sim_key {
    const tss_secp_ctx *ctx;          /* backend (borrowed) */
    uint32_t n;                       /* committee size */
    uint32_t t;                       /* threshold */
    uint8_t y_pub[33];                /* PT(Y) */
    uint8_t x[SIM_MAX_N + 1][32];     /* x_j (index 1..n) */
    uint8_t x_pub[SIM_MAX_N + 1][33]; /* PT(X_j) */
    uint8_t ctx_hash[32];             /* keygen ctx for setup ids */
    struct tss_dkls_ot_alice_setup *alice[SIM_MAX_N + 1][SIM_MAX_N + 1]; /* [A][B]: A->B at A */
    struct tss_dkls_ot_bob_setup *bob[SIM_MAX_N + 1][SIM_MAX_N + 1];     /* [A][B]: A->B at B */
    uint8_t zseed[SIM_MAX_N + 1][SIM_MAX_N + 1][32]; /* seed_ab == seed_ba (F_Zero) */
};

/* Which message a tamper hook sees. */
enum sim_msg_kind {
    SIM_R1_BCAST = 1,  /* round-1 broadcast (64 bytes) */
    SIM_R1_DIRECT = 2, /* round-1 direct (10 272 bytes) */
    SIM_R2_DIRECT = 3, /* round-2 direct (40 228 bytes) */
    SIM_R3_BCAST = 4,  /* round-3 broadcast (96 bytes) */
};

/* Called on every delivered copy; may modify buf (and *len). */
typedef void (*sim_tamper_fn)(void *arg, enum sim_msg_kind kind, uint32_t from, uint32_t to,
                              uint8_t *buf, size_t *len);

/* Outcome of one simulated signing. */
struct sim_result {
    size_t n_signers;             /* |S| */
    uint32_t ids[SIM_MAX_N];      /* S ascending */
    mpc_status status[SIM_MAX_N]; /* first error of each party (MPC_OK if none) */
    uint32_t culprit[SIM_MAX_N];  /* culprit reported with it */
    int stage[SIM_MAX_N];         /* 0 create, 1..3 rounds, 4 finish: where it stopped */
    uint8_t sig[SIM_MAX_N][64];   /* r || s of each party */
    int recid[SIM_MAX_N];         /* recovery id of each party */
};

/* Deals a t-of-n key. Returns 0 on success. Free with sim_key_free(). */
int sim_key_deal(struct sim_key *k, const tss_secp_ctx *ctx, uint32_t t, uint32_t n);

/* Frees the setups of a dealt key. */
void sim_key_free(struct sim_key *k);

/*
 * Runs one signing among ids[0..n_s) (ascending) on msg32. cheat_id (0 = none)
 * gets tss_dkls_sign_set_cheat(cheat). Rounds stop after the first round in which
 * any party failed. Returns 0 if the simulation itself ran (check r for outcomes).
 */
int sim_sign_run(const struct sim_key *k, const uint32_t *ids, size_t n_s, const uint8_t msg32[32],
                 sim_tamper_fn tamper, void *arg, uint32_t cheat_id, int cheat,
                 struct sim_result *r);

struct tss_dkls_presig;

/*
 * Runs one presign session (spec §6.7.1) among ids[0..n_s): rounds 1-3 with
 * tss_dkls_presign_*; party i's record goes to presigs[i] (n_s entries).
 * Returns 0 if the simulation itself ran (check r for outcomes).
 */
int sim_presign_run(const struct sim_key *k, const uint32_t *ids, size_t n_s, sim_tamper_fn tamper,
                    void *arg, uint32_t cheat_id, int cheat, struct tss_dkls_presig *presigs,
                    struct sim_result *r);

/*
 * Runs the online step (spec §6.7.3) with presigs[0..n_s) (key version 1, the
 * records' signer set) on msg32 with the optional tweak (32 bytes or NULL);
 * online broadcasts pass the tamper hook as SIM_R3_BCAST. Consumes the records.
 * Returns 0 if the simulation itself ran.
 */
int sim_online_run(const struct sim_key *k, struct tss_dkls_presig *presigs, size_t n_s,
                   const uint8_t msg32[32], const uint8_t *tweak, sim_tamper_fn tamper, void *arg,
                   struct sim_result *r);

/* Index of id in r->ids, or -1. */
int sim_index(const struct sim_result *r, uint32_t id);

#endif /* MPC_TESTS_SUPPORT_SIM_DKLS_SIGN_H */

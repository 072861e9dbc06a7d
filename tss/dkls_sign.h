/*
 * dkls_sign.h — DKLs23 threshold ECDSA signing in three rounds (spec §6),
 * as a pure per-party state machine over byte messages.
 *
 *   create   inputs checked, sign_ctx, Lagrange, λ_i x_i, Σ λ_j X_j == Y
 *   round1   -> broadcast (com_i, ν_i) 64 B; direct to each peer: Bob's OTE message 10 272 B
 *   round2   <- every peer's round-1 broadcast and direct message
 *            zero share ζ_i = Σ_{j>i} PRF(seed_ij, echo1) − Σ_{j<i} PRF(seed_ij, echo1)
 *            (DKLs23 F_Zero, Σ_{i∈S} ζ_i = 0), sk_i = λ_i x_i + ζ_i, pk_i = sk_i·G
 *            -> direct to each peer: R_i, salt_i, Γ^u, Γ^v, ψ, echo1, pk_i, RVOLE answer
 *               (40 228 B)
 *   round3   <- every peer's round-2 direct message; decommit, μ and Γ checks (Γ^v
 *            against the received pk_j), Σ_{j∈S} pk_j == Y
 *            -> broadcast (u_i, w_i, echo2) 96 B
 *   finish   <- every peer's round-3 broadcast -> (r || s low-S, recid), verified
 *            and recovered with libsecp256k1 before it is returned.
 *
 * Messages are exchanged per peer, in the order of params.peers (ascending ids).
 * On any failure the state machine is dead (MPC_ERR_SESSION_STATE afterwards):
 * a retry is a new object with fresh randomness (spec §6.6). When the failure
 * has a culprit (spec §6.6), *culprit is set to its committee id; MPC_ERR_OT_CHECK
 * means the caller must quarantine that peer's setup (spec §4.3, §8 item 10).
 *
 * DESIGN: the object lives in mpc_secure_alloc memory and owns every secret of
 * the attempt (r_i, φ_i, sk_i, ζ_i, the zero seeds, salt_i, χ, c, d, the RVOLE Bob states); it is
 * wiped by destroy and secrets are wiped as soon as a round no longer needs
 * them. It borrows the OT setups from the caller's key record (read-only; they
 * may be shared by concurrent signing sessions). No I/O, no threads.
 *
 * THREAD SAFETY: one object belongs to one caller (one session actor).
 */
#ifndef MPC_TSS_DKLS_SIGN_H
#define MPC_TSS_DKLS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/dkls_rvole.h"
#include "tss/secp256k1.h"

/* Most peers in one signing session (signer set of up to 32). */
#define TSS_DKLS_SIGN_MAX_PEERS 31
/* Round-1 broadcast: com_i || ν_i. */
#define TSS_DKLS_SIGN_R1_BCAST_BYTES 64
/* Round-1 direct message: Bob's OTE message. */
#define TSS_DKLS_SIGN_R1_DIRECT_BYTES TSS_DKLS_OTE_MSG_BYTES
/* Round-2 direct message header: PT(R_i) salt PT(Γ^u) PT(Γ^v) SC(ψ) echo1 PT(pk_i). */
#define TSS_DKLS_SIGN_R2_HEAD_BYTES (33 + 32 + 33 + 33 + 32 + 32 + 33)
/* Round-2 direct message: header || RVOLE answer. */
#define TSS_DKLS_SIGN_R2_DIRECT_BYTES (TSS_DKLS_SIGN_R2_HEAD_BYTES + TSS_DKLS_RVOLE_MSG2_BYTES)
/* Round-3 broadcast: SC(u_i) || SC(w_i) || echo2. */
#define TSS_DKLS_SIGN_R3_BCAST_BYTES 96

/* Opaque signing state of one party. */
typedef struct tss_dkls_sign tss_dkls_sign;

/* What the local party holds about one other signer (from its key record, spec §2). */
struct tss_dkls_sign_peer {
    uint32_t id;                                 /* committee index (nonzero) */
    uint8_t x_pub[TSS_SECP_POINT_BYTES];         /* PT(X_j), the peer's public share */
    const struct tss_dkls_ot_alice_setup *alice; /* setup self->peer (self is Alice); borrowed */
    const struct tss_dkls_ot_bob_setup *bob;     /* setup peer->self (self is Bob); borrowed */
    uint8_t setup_id_out[TSS_DKLS_HASH_BYTES];   /* setup_id(self->peer) */
    uint8_t setup_id_in[TSS_DKLS_HASH_BYTES];    /* setup_id(peer->self) */
    const uint8_t *zero_seed;                    /* seed_ij of F_Zero, 32 bytes (secret) */
    int quarantined;                             /* 1 if the pair is quarantined (refuse) */
};

/* Inputs of one signing attempt. Everything is borrowed for the create call only. */
struct tss_dkls_sign_params {
    const tss_secp_ctx *ctx;                  /* backend (also borrowed by the object) */
    uint8_t sid[16];                          /* session id (DESIGN §3), raw bytes */
    const uint8_t *wallet_id;                 /* wallet id bytes as received */
    size_t wallet_id_len;                     /* length of wallet_id */
    uint32_t key_version;                     /* active key version */
    uint32_t threshold;                       /* t: minimum signers, >= 2 */
    uint8_t y_pub[TSS_SECP_POINT_BYTES];      /* PT(Y), the group key */
    uint32_t self_id;                         /* local committee index */
    const uint8_t *x_share;                   /* SC(x_i), 32 bytes, secret */
    uint8_t x_pub_self[TSS_SECP_POINT_BYTES]; /* PT(X_i) */
    const struct tss_dkls_sign_peer *peers;   /* the other signers, ascending ids */
    size_t n_peers;                           /* |S| - 1, 1..TSS_DKLS_SIGN_MAX_PEERS */
    uint8_t msg32[32];                        /* digest to sign */
    const uint8_t *tweak; /* SC(τ), 32 bytes: sign under Y + τ·G (docs/specs/hd-derivation.md §5);
                             NULL: under Y */
};

/*
 * Checks the inputs and prepares the attempt (spec §6.1).
 * Out: *out — caller owns it; free with tss_dkls_sign_destroy(). NULL on failure.
 *      *culprit — id of a quarantined peer (else 0). May be NULL.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BAD_THRESHOLD (|S| < t or t < 2);
 *          MPC_ERR_BAD_IDENTIFIER (zero, duplicate, unsorted ids, self among peers);
 *          MPC_ERR_QUARANTINED; MPC_ERR_BAD_POINT / MPC_ERR_BAD_SCALAR (key record);
 *          MPC_ERR_BAD_SHARE (x_i·G != X_i); MPC_ERR_BAD_GROUP_KEY (Σ λ_j X_j != Y);
 *          MPC_ERR_BAD_SCALAR (tweak not canonical); MPC_ERR_HD_INVALID_CHILD
 *          (Y + τ·G is the identity); MPC_ERR_NOMEM.
 * With a tweak τ, the signer with the lowest id in S adds τ to its additive
 * share, Σ pk_j is checked against Y' = Y + τ·G and the signature is verified
 * under Y' (docs/specs/hd-derivation.md §5).
 */
MPC_MUST_CHECK mpc_status tss_dkls_sign_create(const struct tss_dkls_sign_params *p,
                                               tss_dkls_sign **out, uint32_t *culprit);

/*
 * Round 1. Out: bcast (64 bytes); direct — n_peers consecutive messages of
 * TSS_DKLS_SIGN_R1_DIRECT_BYTES, message k for peers[k].
 * Returns: MPC_OK; MPC_ERR_SESSION_STATE; MPC_ERR_RANDOM; MPC_ERR_NOMEM; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_sign_round1(tss_dkls_sign *s,
                                               uint8_t bcast[TSS_DKLS_SIGN_R1_BCAST_BYTES],
                                               uint8_t *direct);

/* One received message (borrowed). */
struct tss_dkls_sign_msg {
    const uint8_t *p; /* bytes */
    size_t len;       /* length */
};

/*
 * Round 2. In: bcast1[k], direct1[k] from peers[k]. Out: direct — n_peers messages
 * of TSS_DKLS_SIGN_R2_DIRECT_BYTES; *culprit.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_OT_CHECK (quarantine *culprit);
 *          MPC_ERR_SESSION_STATE; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_sign_round2(tss_dkls_sign *s,
                                               const struct tss_dkls_sign_msg *bcast1,
                                               const struct tss_dkls_sign_msg *direct1,
                                               uint8_t *direct, uint32_t *culprit);

/*
 * Round 3. In: direct2[k] from peers[k]. Out: bcast (96 bytes); *culprit.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_EQUIVOCATION (echo1);
 *          MPC_ERR_BAD_POINT; MPC_ERR_BAD_SCALAR; MPC_ERR_BAD_COMMITMENT (decommit);
 *          MPC_ERR_MUL_CHECK (RVOLE μ check); MPC_ERR_BAD_SIG_SHARE (Γ^u check);
 *          MPC_ERR_BAD_PK_SHARE (pk_j fails the Γ^v check, naming j; or
 *          Σ_{j∈S} pk_j != Y: named when |S| = 2, else no culprit);
 *          MPC_ERR_IDENTITY_POINT (R = O or r = 0, no culprit); MPC_ERR_SESSION_STATE.
 */
MPC_MUST_CHECK mpc_status tss_dkls_sign_round3(tss_dkls_sign *s,
                                               const struct tss_dkls_sign_msg *direct2,
                                               uint8_t bcast[TSS_DKLS_SIGN_R3_BCAST_BYTES],
                                               uint32_t *culprit);

/*
 * Output (spec §6.5). In: bcast3[k] from peers[k] (own broadcast is kept inside).
 * Out: sig64 = r || s with low s; *recid in 0..3; *culprit. Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_EQUIVOCATION (echo2);
 *          MPC_ERR_BAD_SCALAR (u_j or w_j not canonical); MPC_ERR_VERIFY_FAILED
 *          (U = 0, s = 0, or final verification/recovery failed; no culprit);
 *          MPC_ERR_SESSION_STATE.
 */
MPC_MUST_CHECK mpc_status tss_dkls_sign_finish(tss_dkls_sign *s,
                                               const struct tss_dkls_sign_msg *bcast3,
                                               uint8_t sig64[64], int *recid, uint32_t *culprit);

/* Wipes and frees the state. Accepts NULL. */
void tss_dkls_sign_destroy(tss_dkls_sign *s);

#ifdef MPC_FAULT_INJECTION
/* TEST ONLY: deviations of a malicious signer (spec §9.5). */
enum tss_dkls_sign_cheat {
    TSS_DKLS_SIGN_CHEAT_NONE = 0,
    TSS_DKLS_SIGN_CHEAT_RVOLE_R_PLUS_1,  /* Alice uses r_i + 1 as RVOLE input */
    TSS_DKLS_SIGN_CHEAT_RVOLE_SK_PLUS_1, /* Alice uses sk_i + 1 as RVOLE input */
    TSS_DKLS_SIGN_CHEAT_KOS_TTILDE,      /* Bob flips a bit of t~ in every round-1 KOS message */
    TSS_DKLS_SIGN_CHEAT_KOS_PROBE,       /* Bob probes one Δ bit (tss_dkls_sign_set_probe) */
    TSS_DKLS_SIGN_CHEAT_PK_PLUS_G,       /* sends pk_i + G (RVOLE input honest) */
    TSS_DKLS_SIGN_CHEAT_SK_SHIFT,        /* uses sk_i + 1 everywhere: pk_i and RVOLE agree */
    TSS_DKLS_SIGN_CHEAT_NO_ZETA, /* skips ζ_i (sk_i = λ_i x_i) but sends a matching pk_i */
};

/* TEST ONLY: makes this party cheat from now on. */
void tss_dkls_sign_set_cheat(tss_dkls_sign *s, enum tss_dkls_sign_cheat cheat);

/* TEST ONLY: this party's round-1 KOS messages probe Δ bit col of every
 * peer: the peer's check passes iff its Δ_col == guess (spec §4.3 attack). */
void tss_dkls_sign_set_probe(tss_dkls_sign *s, size_t col, int guess);
#endif

#endif /* MPC_TSS_DKLS_SIGN_H */

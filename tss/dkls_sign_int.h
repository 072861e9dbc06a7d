/*
 * dkls_sign_int.h — internal state of tss_dkls_sign, shared by dkls_sign.c
 * (create, rounds 1-2) and dkls_sign_out.c (round 3, output). Not a public API.
 */
#ifndef MPC_TSS_DKLS_SIGN_INT_H
#define MPC_TSS_DKLS_SIGN_INT_H

#include "tss/dkls_sign.h"

/* Where the state machine is. */
enum sign_stage {
    SIGN_STAGE_CREATED = 0, /* create done, round 1 next */
    SIGN_STAGE_R1,          /* round 1 sent, round 2 next */
    SIGN_STAGE_R2,          /* round 2 sent, round 3 next */
    SIGN_STAGE_R3,          /* round 3 sent, finish next */
    SIGN_STAGE_DONE,        /* signature output */
    SIGN_STAGE_DEAD,        /* failed: never resumed */
};

/* Per-peer state of one attempt. */
struct sign_peer {
    uint32_t id;                          /* committee index */
    uint8_t id_sc[TSS_SECP_SCALAR_BYTES]; /* ID(j) */
    secp256k1_pubkey pk;                  /* pk_j: λ_j·X_j at create, received in round 2 */
    const struct tss_dkls_ot_alice_setup *alice; /* setup self->j (borrowed) */
    const struct tss_dkls_ot_bob_setup *bob;     /* setup j->self (borrowed) */
    uint8_t setup_id_out[TSS_DKLS_HASH_BYTES];   /* setup_id(self->j) */
    uint8_t setup_id_in[TSS_DKLS_HASH_BYTES];    /* setup_id(j->self) */
    uint8_t ote_sid_in[TSS_DKLS_HASH_BYTES];     /* ote_sid(j->self), self is Bob */
    tss_dkls_rvole_bob *rvole;                   /* Bob state toward Alice j (secret) */
    struct tss_secp_num chi;                     /* χ_{i,j} = Bob's b (secret) */
    struct tss_secp_num cu;                      /* c^u_{i,j} (secret) */
    struct tss_secp_num cv;                      /* c^v_{i,j} (secret) */
    uint8_t com[TSS_DKLS_HASH_BYTES];            /* com_j from round 1 */
    uint8_t nu[TSS_DKLS_HASH_BYTES];             /* ν_j from round 1 */
    secp256k1_pubkey r_pt;                       /* R_j from round 2 */
    uint8_t zseed[TSS_DKLS_HASH_BYTES];          /* seed_ij of F_Zero (secret, wiped in round 2) */
};

struct tss_dkls_sign {
    const tss_secp_ctx *ctx;                /* backend (borrowed) */
    enum sign_stage stage;                  /* progress */
    size_t n_peers;                         /* number of peers */
    uint32_t self_id;                       /* local index */
    uint8_t self_sc[TSS_SECP_SCALAR_BYTES]; /* ID(i) */
    uint8_t sign_ctx[TSS_DKLS_HASH_BYTES];  /* sign_ctx (spec §1.4) */
    uint8_t msg32[32];                      /* digest */
    secp256k1_pubkey y;                     /* group key */
    struct tss_secp_num sk;                 /* λ_i x_i, then sk_i = λ_i x_i + ζ_i (secret) */
    struct tss_secp_num zeta;               /* ζ_i, the zero share of this attempt (secret) */
    secp256k1_pubkey pk_self;               /* pk_i = sk_i·G (sent in round 2) */
    uint8_t pk_pt[TSS_SECP_POINT_BYTES];    /* PT(pk_i) */
    struct tss_secp_num r;                  /* r_i, instance key share (secret) */
    struct tss_secp_num phi;                /* φ_i, inversion mask (secret) */
    uint8_t nu[TSS_DKLS_HASH_BYTES];        /* ν_i */
    uint8_t salt[TSS_DKLS_HASH_BYTES];      /* salt_i (secret until round 2) */
    uint8_t r_pt[TSS_SECP_POINT_BYTES];     /* PT(R_i) */
    secp256k1_pubkey r_pub;                 /* R_i */
    uint8_t com[TSS_DKLS_HASH_BYTES];       /* com_i */
    uint8_t echo1[TSS_DKLS_HASH_BYTES];     /* echo1 */
    uint8_t echo2[TSS_DKLS_HASH_BYTES];     /* echo2 */
    uint8_t big_r[TSS_SECP_POINT_BYTES];    /* PT(R), R = Σ R_j */
    struct tss_secp_num rx;                 /* r = x(R) mod q */
    struct tss_secp_num u;                  /* own u_i */
    struct tss_secp_num w;                  /* own w_i */
    int presign;                            /* 1: presign session (presign_ctx, no msg32) */
    uint32_t key_version;                   /* key version of the attempt */
    int cheat;                              /* test-only deviation (enum tss_dkls_sign_cheat) */
    size_t probe_col;                       /* test-only: Δ bit probed (CHEAT_KOS_PROBE) */
    int probe_guess;                        /* test-only: the probe passes iff Δ_col == this */
    struct sign_peer peers[TSS_DKLS_SIGN_MAX_PEERS]; /* peers in ascending id order */
};

/* Marks the state dead, reports the culprit (0 = none) and returns st. */
mpc_status tss_dkls_sign_fail(tss_dkls_sign *s, mpc_status st, uint32_t culprit_id,
                              uint32_t *culprit);

/* Creates a signing (presign = 0) or presign (presign = 1) session; see tss_dkls_sign_create. */
mpc_status tss_dkls_sign_create_mode(const struct tss_dkls_sign_params *p, int presign,
                                     tss_dkls_sign **out, uint32_t *culprit);

/*
 * s = W / U, low-S with recid, then verify under y and recover (spec §6.5
 * steps 2-4). big_r = PT(R), rx = x(R) mod q. Out: sig64 (zero on failure),
 * *recid. Returns: MPC_OK or MPC_ERR_VERIFY_FAILED.
 */
mpc_status tss_dkls_sign_assemble(const tss_secp_ctx *ctx,
                                  const uint8_t big_r[TSS_SECP_POINT_BYTES],
                                  const struct tss_secp_num *rx, const uint8_t msg32[32],
                                  const secp256k1_pubkey *y, const struct tss_secp_num *uu,
                                  const struct tss_secp_num *ww, uint8_t sig64[64], int *recid);

#endif /* MPC_TSS_DKLS_SIGN_INT_H */

/*
 * dkls_presig.h — DKLs23 presignatures (spec §6.7): the message-independent
 * rounds of signing run ahead of time and leave one record per signer; the
 * online step, one broadcast round, turns a record into a signature on a
 * message, optionally under an additively tweaked key Y + t·G.
 *
 *   presign  tss_dkls_presign_create, then tss_dkls_sign_round1 / _round2 as
 *            for signing, then tss_dkls_presign_round3: every round-3 check of
 *            spec §6.4, no broadcast; out: struct tss_dkls_presig (secret)
 *   online   tss_dkls_online_create consumes the record (single use) and
 *            writes the broadcast (SC(u'_i) || SC(w_i) || echo_on, 96 B);
 *            tss_dkls_online_finish takes the peers' broadcasts and returns
 *            (r || s low-S, recid), verified and recovered with libsecp256k1.
 *
 * DESIGN: a presignature is worth a key share for one signature, and two uses
 * leak the key (spec §6.7.4). The record carries a magic tag; the online step
 * checks it, then wipes the record and clears the tag before anything else, so
 * one in-memory record yields at most one online message. Keeping encoded
 * copies (the store) single-use is the caller's duty: delete the stored record
 * durably before the online message leaves the node (spec §6.7.4). The online
 * object accepts one finish only, so replayed online messages never make a
 * second signature.
 *
 * THREAD SAFETY: a record or online object belongs to one caller.
 */
#ifndef MPC_TSS_DKLS_PRESIG_H
#define MPC_TSS_DKLS_PRESIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/dkls_sign.h"

/* Tag of a record that was never used. */
#define TSS_DKLS_PRESIG_MAGIC 0x50534731u
/* Most signers of one presignature. */
#define TSS_DKLS_PRESIG_MAX_SIGNERS (TSS_DKLS_SIGN_MAX_PEERS + 1)
/* Encoded record: format u8 || self u32 || version u32 || n u8 || n ids u32 || Y || R || id ||
 * u || v || φ. */
#define TSS_DKLS_PRESIG_BYTES(n) (10 + 4 * (size_t)(n) + 33 + 33 + 32 + 3 * 32)
/* Largest encoded record. */
#define TSS_DKLS_PRESIG_MAX_BYTES TSS_DKLS_PRESIG_BYTES(TSS_DKLS_PRESIG_MAX_SIGNERS)
/* Online broadcast: SC(u'_i) || SC(w_i) || echo_on. */
#define TSS_DKLS_ONLINE_BCAST_BYTES 96

/* One signer's presignature (spec §6.7.2). Keep it in mpc_secure_alloc memory. */
struct tss_dkls_presig {
    uint32_t magic;                            /* TSS_DKLS_PRESIG_MAGIC while unused, else 0 */
    uint32_t self_id;                          /* the signer holding it */
    uint32_t key_version;                      /* key version it was made with */
    uint32_t n_signers;                        /* |S| */
    uint32_t ids[TSS_DKLS_PRESIG_MAX_SIGNERS]; /* S ascending (self included) */
    uint8_t y_pub[TSS_SECP_POINT_BYTES];       /* PT(Y), untweaked */
    uint8_t big_r[TSS_SECP_POINT_BYTES];       /* PT(R), R = Σ R_j */
    uint8_t presig_id[32];                     /* H32(presign/id, presign_ctx, echo1, PT(R)) */
    uint8_t u[TSS_SECP_SCALAR_BYTES];          /* SC(u_i) (secret) */
    uint8_t v[TSS_SECP_SCALAR_BYTES];          /* SC(v_i) (secret) */
    uint8_t phi[TSS_SECP_SCALAR_BYTES];        /* SC(φ_i) (secret) */
};

/*
 * Prepares a presign session: tss_dkls_sign_create with presign_ctx (spec
 * §6.7.1) in place of sign_ctx; p->msg32 is ignored. Rounds 1 and 2 are
 * tss_dkls_sign_round1/_round2; round 3 is tss_dkls_presign_round3 (the signing
 * round 3 and finish refuse a presign session with MPC_ERR_SESSION_STATE).
 * Out, Returns: as tss_dkls_sign_create.
 */
MPC_MUST_CHECK mpc_status tss_dkls_presign_create(const struct tss_dkls_sign_params *p,
                                                  tss_dkls_sign **out, uint32_t *culprit);

/*
 * Presign round 3: the checks of spec §6.4 items 1-5, R, u_i, v_i; nothing is
 * sent. Out: *out — the record (cleared on entry; filled and tagged on MPC_OK).
 * Returns: as tss_dkls_sign_round3; MPC_ERR_SESSION_STATE if s is not a presign
 * session after round 2.
 */
MPC_MUST_CHECK mpc_status tss_dkls_presign_round3(tss_dkls_sign *s,
                                                  const struct tss_dkls_sign_msg *direct2,
                                                  struct tss_dkls_presig *out, uint32_t *culprit);

/* Encodes an unused record. Returns: MPC_OK; MPC_ERR_PRESIG_USED; MPC_ERR_BUFFER_TOO_SMALL;
 * MPC_ERR_INVALID_ARG. Out: out[0..*out_len) (secret: wipe it after storing). */
MPC_MUST_CHECK mpc_status tss_dkls_presig_encode(uint8_t *out, size_t cap, size_t *out_len,
                                                 const struct tss_dkls_presig *ps);

/* Decodes a record (tagged unused). Out: *ps — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_MALFORMED (length, format, ids, scalars,
 * points); MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status tss_dkls_presig_decode(struct tss_dkls_presig *ps, const uint8_t *in,
                                                 size_t len);

/* Wipes a record and clears its tag. Accepts NULL. */
void tss_dkls_presig_wipe(struct tss_dkls_presig *ps);

/* Opaque online state of one signer. */
typedef struct tss_dkls_online tss_dkls_online;

/* What the online step is asked to do; borrowed for the create call only. */
struct tss_dkls_online_params {
    const tss_secp_ctx *ctx;             /* backend (also borrowed by the object) */
    uint32_t key_version;                /* the key's active version now */
    const uint32_t *ids;                 /* signer set of the request, ascending */
    size_t n_ids;                        /* |S| */
    uint8_t y_pub[TSS_SECP_POINT_BYTES]; /* PT(Y), untweaked */
    uint8_t msg32[32];                   /* digest to sign */
    const uint8_t *tweak;                /* SC(t), additive tweak (Y' = Y + t·G); NULL: t = 0 */
};

/*
 * Consumes ps (wiped, tag cleared, on every path once the tag was valid) and
 * makes this signer's online broadcast (spec §6.7.3).
 * Out: *out — caller owns it; free with tss_dkls_online_destroy(). NULL on failure.
 *      bcast — 96 bytes, cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_USED (tag not set: used or never made);
 *          MPC_ERR_PRESIG_MISMATCH (key version, signer set or Y differ);
 *          MPC_ERR_BAD_SCALAR (tweak not canonical); MPC_ERR_IDENTITY_POINT
 *          (Y' = O, R' = O or r' = 0); MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_online_create(const struct tss_dkls_online_params *p,
                                                 struct tss_dkls_presig *ps, tss_dkls_online **out,
                                                 uint8_t bcast[TSS_DKLS_ONLINE_BCAST_BYTES]);

/*
 * Output (spec §6.5 with R', r', Y'). In: bcast[k] from the k-th other signer
 * (ascending ids, self skipped). Out: sig64 (r || s low-S), *recid, *culprit —
 * cleared on entry. One call per object: afterwards MPC_ERR_SESSION_STATE.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_PRESIG_BINDING (echo_on of
 * another presignature, message or tweak; names the sender); MPC_ERR_BAD_SCALAR;
 * MPC_ERR_VERIFY_FAILED (no culprit); MPC_ERR_SESSION_STATE; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_online_finish(tss_dkls_online *o,
                                                 const struct tss_dkls_sign_msg *bcast,
                                                 uint8_t sig64[64], int *recid, uint32_t *culprit);

/* Wipes and frees the state. Accepts NULL. */
void tss_dkls_online_destroy(tss_dkls_online *o);

#endif /* MPC_TSS_DKLS_PRESIG_H */

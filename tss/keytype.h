/*
 * keytype.h — the one table per key type: which protocols run a keygen, a
 * sign and a reshare of that key type, how their inputs are encoded, how a
 * signing result decodes, and how the stored share record of the type is
 * read and rewritten.
 *
 *   ed25519:   FROST(Ed25519) — frost-dkg / frost-sign / frost-reshare; the
 *              record is a tss/keyshare.h record; retired versions are kept.
 *   secp256k1: DKLs23 — dkls-keygen / dkls-sign / dkls-reshare; the record is
 *              a tss/dkls_keyrec.h key record; retired versions are deleted
 *              (with their OT setups, spec §7); a peer can be quarantined.
 *              Batches: dkls-sign-batch. Presignatures (spec
 *              docs/specs/dkls23-ecdsa.md §6.7): dkls-presign / dkls-online.
 *   secp256k1-tr: FROST(secp256k1, SHA-256) with BIP340 (Taproot) —
 *              frost-tr-dkg / frost-tr-sign / frost-tr-reshare; the record is
 *              a tss/keyshare.h record on secp256k1; signing applies an
 *              optional BIP32 HD tweak to the internal key, then a BIP341
 *              tweak (docs/specs/frost-taproot.md); retired versions are kept.
 *
 * Every function allocates its byte outputs with mpc_secure_alloc (they may
 * hold a share): the caller frees them with mpc_secure_free. Outputs are
 * cleared on entry.
 *
 * THREAD SAFETY: the tables are immutable; the functions keep no state.
 */
#ifndef MPC_TSS_KEYTYPE_H
#define MPC_TSS_KEYTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/frost.h"
#include "tss/keyshare.h"
#include "tss/proto.h"

#define TSS_KEYTYPE_SIG_BYTES                                                                      \
    64 /* signature bytes handed out: Ed25519 R || S, ECDSA r || s,                                \
          BIP340 x(R) || s */

typedef struct {
    const char *name;               /* "ed25519", "secp256k1", "secp256k1-tr": record, subject */
    const tss_protocol *keygen;     /* key generation */
    const tss_protocol *sign;       /* signing */
    const tss_protocol *sign_batch; /* N signings in one session (tss/batch.h), or NULL */
    const tss_protocol *reshare;    /* committee/threshold change */
    /* Keygen input for a wallet; NULL: the keygen input is empty. */
    mpc_status (*keygen_input)(uint8_t **out, size_t *out_len, const char *wallet);
    /*
     * Signing input from a record, the message, the signers (the session parties)
     * and a derivation tweak (the curve's scalar encoding, tss/hd.h), or NULL to
     * sign under the key itself.
     */
    mpc_status (*sign_input)(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len,
                             const uint8_t *msg, size_t msg_len, const char *const *signers,
                             uint32_t n_signers, const uint8_t *tweak);
    /* Reshare input: new threshold, new committee, own record (public-only when joining). */
    mpc_status (*reshare_input)(uint8_t **out, size_t *out_len, uint32_t new_t,
                                const char *const *nodes, uint32_t n, const uint8_t *rec,
                                size_t len);
    /*
     * Checks a signing result and extracts the signature.
     * Out: sig (TSS_KEYTYPE_SIG_BYTES), *recid (ECDSA recovery id; 0 for Ed25519).
     * Returns: MPC_OK or MPC_ERR_INTERNAL (not a result of this type's sign).
     */
    mpc_status (*sign_result)(const uint8_t *res, size_t len, uint8_t sig[TSS_KEYTYPE_SIG_BYTES],
                              uint8_t *recid);
    /* Decodes a record and returns its key share (caller owns; tss_keyshare_destroy). */
    mpc_status (*record_keyshare)(const uint8_t *rec, size_t len, tss_keyshare **ks);
    /* Public-only encoding of a record: what a member joining by reshare is given. */
    mpc_status (*record_public)(const uint8_t *rec, size_t len, uint8_t **out, size_t *out_len);
    /* Re-encodes a record with node_id's pair quarantined; NULL: the type has no quarantine. */
    mpc_status (*record_quarantine)(const uint8_t *rec, size_t len, const char *node_id,
                                    uint8_t **out, size_t *out_len);
    /*
     * Taproot only (NULL for the others): the signing input with a BIP341
     * tweak and an HD tweak (as sign_input's: the BIP32 tweak sum of a path
     * on the group key, or NULL), applied to the internal key before the
     * BIP341 tweak; sign_input is this with the key-path (BIP86) tweak.
     */
    mpc_status (*sign_input_tweak)(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len,
                                   const uint8_t *msg, size_t msg_len, const tss_frost_tweak *tweak,
                                   const uint8_t *hd_tweak);
    /*
     * Taproot only: the x-only output key (what the signature verifies under)
     * and internal key of a signing result.
     * Returns: MPC_OK or MPC_ERR_INTERNAL (not a result of this type's sign).
     */
    mpc_status (*sign_result_xonly)(const uint8_t *res, size_t len,
                                    uint8_t output_x[TSS_FROST_XONLY_BYTES],
                                    uint8_t internal_x[TSS_FROST_XONLY_BYTES]);
    /* Presignatures (ECDSA only; NULL for the others): the presign protocol (its result
     * is this signer's presignature record, secret) and the one-round online protocol. */
    const tss_protocol *presign;
    const tss_protocol *sign_online;
    /* Presign input from a key record and the signers (the session parties). */
    mpc_status (*presign_input)(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len,
                                const char *const *signers, uint32_t n);
    /*
     * Online input from the key record, a presignature record taken out of the
     * store (secret), the digest, the signers and an additive tweak (or NULL).
     * Returns: MPC_OK; MPC_ERR_UNKNOWN_PARTICIPANT; the record decode errors;
     * MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
     */
    mpc_status (*online_input)(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len,
                               const uint8_t *presig, size_t presig_len, const uint8_t msg32[32],
                               const char *const *signers, uint32_t n, const uint8_t *tweak);
} tss_keytype;

extern const tss_keytype tss_keytype_ed25519;      /* FROST(Ed25519) */
extern const tss_keytype tss_keytype_secp256k1;    /* DKLs23 on secp256k1 */
extern const tss_keytype tss_keytype_secp256k1_tr; /* FROST(secp256k1, SHA-256) + BIP340 */

#endif /* MPC_TSS_KEYTYPE_H */

/*
 * dkls_keyrec.h — the DKLs23 key record (spec §2 "What each party stores"):
 * the secp256k1 key share (threshold, committee ids and node ids, Y, every
 * X_l, own x_i), the key version, wallet id and context hash, and for every
 * peer both directional OT setups, their transcript hashes and a status flag
 * (active | quarantined, spec §4.3 step 4 and §8 item 10).
 *
 * Encoding (format 2, big-endian, strict length; the whole record is secret):
 *   u8 format = 2 | u32 key_version (>= 1) | u16 wallet_len | wallet_id |
 *   ctx (32) | u32 ks_len | key-share record (tss/keyshare.h, curve secp256k1) |
 *   u32 n_peers | n_peers x {
 *     u32 member (index into the committee, ascending, never self) | u8 status |
 *     setup_id_out (32) | setup_id_in (32) | Δ (16) | K_m^{Δ_m} (128 x 32) |
 *     K_m^0 (128 x 32) | K_m^1 (128 x 32) | tr_out (32) | tr_in (32) |
 *     zero_seed (32, format 2 only: seed_ij of DKLs23 F_Zero, spec §2.1) }
 * Format 1 (written before zero-sharing) has no zero_seed. It still decodes
 * (key info, public part, and the old-member role of a reshare work), is
 * re-encoded as format 1, but cannot sign: tss_proto_dkls_sign refuses it with
 * MPC_ERR_RESHARE_REQUIRED. A reshare writes format 2 for the new committee;
 * seeds are never derived locally (both parties of a pair must contribute).
 * A record with a secret has n_peers = n - 1 (one entry per other member);
 * a public-only record (a node that left the committee) has n_peers = 0.
 * Decoding checks everything: format, version, curve, t >= 2, x_i·G == X_i,
 * peers ascending and complete, status values, and that every setup id equals
 * H32(ot/setup-id, ctx, ID(A), ID(B)) for its direction.
 *
 * DESIGN: the record and its peers live in mpc_secure_alloc memory; encode
 * output is secure memory too. Setups are read-only after keygen/reshare and
 * may be borrowed by any number of concurrent signing sessions. Quarantine is
 * applied by the caller (the node) when a signing session fails with
 * MPC_ERR_OT_CHECK: tss_dkls_keyrec_quarantine() returns the updated record to
 * store; signing with a quarantined peer is refused until a reshare (whose
 * new record carries fresh setups and no flags, spec §7).
 *
 * THREAD SAFETY: a record object belongs to one thread at a time.
 */
#ifndef MPC_TSS_DKLS_KEYREC_H
#define MPC_TSS_DKLS_KEYREC_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/dkls_setup.h"
#include "tss/keyshare.h"

#define TSS_DKLS_KEYREC_FORMAT    2   /* encoding format written for new records */
#define TSS_DKLS_KEYREC_FORMAT_V1 1   /* legacy format: no zero-sharing seeds, cannot sign */
#define TSS_DKLS_WALLET_MAX       255 /* longest wallet id in bytes */

/* Pair status flags. */
#define TSS_DKLS_PEER_ACTIVE      0 /* setups usable */
#define TSS_DKLS_PEER_QUARANTINED 1 /* KOS check failed with this peer: refuse to sign */

/* Bytes of one encoded peer entry in format 1 and in format 2. */
#define TSS_DKLS_KEYREC_PEER_BYTES_V1                                                              \
    (4 + 1 + 2 * 32 + 16 + 3 * TSS_DKLS_KAPPA * TSS_DKLS_HASH_BYTES + 2 * 32)
#define TSS_DKLS_KEYREC_PEER_BYTES (TSS_DKLS_KEYREC_PEER_BYTES_V1 + TSS_DKLS_ZERO_SEED_BYTES)

/* One peer of the local party. */
struct tss_dkls_peer_rec {
    uint32_t member;                  /* index of the peer in ks->members */
    uint8_t status;                   /* TSS_DKLS_PEER_ACTIVE or TSS_DKLS_PEER_QUARANTINED */
    struct tss_dkls_pair_result pair; /* setups with this peer (secret) */
};

/* A decoded key record. */
typedef struct {
    tss_keyshare *ks;                       /* share on secp256k1 (secret NULL if public-only) */
    uint8_t format;                         /* TSS_DKLS_KEYREC_FORMAT or _FORMAT_V1 */
    uint32_t key_version;                   /* version of the key (1 after keygen) */
    uint8_t wallet_id[TSS_DKLS_WALLET_MAX]; /* wallet id bytes */
    size_t wallet_len;                      /* length of wallet_id (1..255) */
    uint8_t ctx[TSS_DKLS_HASH_BYTES]; /* keygen_ctx or reshare_ctx the setups were made under */
    uint32_t n_peers;                 /* n - 1, or 0 when public-only */
    struct tss_dkls_peer_rec *peers;  /* n_peers entries, ascending member (secure memory) */
} tss_dkls_keyrec;

/*
 * Allocates a record (format TSS_DKLS_KEYREC_FORMAT) taking ownership of *ks
 * (set to NULL) with n_peers zeroed peer entries in secure memory.
 * Out: *out — caller owns it; free with tss_dkls_keyrec_destroy().
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, wallet length 0 or > 255, not
 *          secp256k1); MPC_ERR_NOMEM (then *ks is still the caller's).
 */
MPC_MUST_CHECK mpc_status tss_dkls_keyrec_create(tss_dkls_keyrec **out, tss_keyshare **ks,
                                                 uint32_t key_version, const uint8_t *wallet_id,
                                                 size_t wallet_len,
                                                 const uint8_t ctx[TSS_DKLS_HASH_BYTES],
                                                 uint32_t n_peers);

/* Wipes and frees. Accepts NULL. */
void tss_dkls_keyrec_destroy(tss_dkls_keyrec *rec);

/*
 * Encodes rec (format above).
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_keyrec_encode(const tss_dkls_keyrec *rec, uint8_t **out,
                                                 size_t *out_len);

/*
 * Encodes the public part of rec (no secret, no peers): what a node joining
 * the committee in a reshare is given about the key (spec §7).
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_keyrec_encode_public(const tss_dkls_keyrec *rec, uint8_t **out,
                                                        size_t *out_len);

/*
 * Decodes and validates a record (see header).
 * Out: *out — caller owns it; free with tss_dkls_keyrec_destroy().
 * Accepts formats 1 and 2 (rec->format tells which).
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (layout, lengths, format, status,
 *          peer list); MPC_ERR_UNSUPPORTED (curve); MPC_ERR_BAD_THRESHOLD;
 *          MPC_ERR_BAD_IDENTIFIER; MPC_ERR_BAD_POINT; MPC_ERR_BAD_SCALAR;
 *          MPC_ERR_BAD_SHARE; MPC_ERR_TRANSCRIPT (setup id mismatch);
 *          MPC_ERR_NOMEM; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_keyrec_decode(tss_dkls_keyrec **out, const uint8_t *in,
                                                 size_t len);

/*
 * Returns: the peer entry for committee member index `member`, or NULL.
 */
struct tss_dkls_peer_rec *tss_dkls_keyrec_peer(const tss_dkls_keyrec *rec, uint32_t member);

/*
 * Marks the peer with node id node_id quarantined in an encoded record and
 * returns the re-encoded record (the caller stores it in place of the old one).
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK; MPC_ERR_UNKNOWN_PARTICIPANT (no such peer); the decode
 *          errors; MPC_ERR_NOMEM; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_keyrec_quarantine(const uint8_t *in, size_t len,
                                                     const char *node_id, uint8_t **out,
                                                     size_t *out_len);

#endif /* MPC_TSS_DKLS_KEYREC_H */

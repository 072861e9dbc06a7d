/*
 * keyshare.h — the key-share record: the result of DKG and reshare, the
 * input of signing, and what the node stores (sealed) in its key store.
 *
 * Encoding (version 1, big-endian integers, strict length):
 *   u8 version = 1 | u8 curve | u32 threshold | u32 n | u8 has_secret |
 *   u32 self (index into members, 0xffffffff without secret) |
 *   point group_key |
 *   n x { u32 identifier | u16 len | node id bytes | point verifying_share } |
 *   scalar secret_share (only if has_secret)
 * Version 2 is version 1 followed by the key's 32-byte chain code (joint, made
 * at keygen, kept by reshares: docs/specs/hd-derivation.md); it is written
 * only for a key that has one. A version-1 record loads with has_chain = 0:
 * such a key signs at the root only (derivation: MPC_ERR_HD_NO_CHAIN_CODE).
 * A record without secret ("public key info") describes a key to a node
 * that holds no share of it (a new member before reshare, an old member
 * after it left the committee).
 *
 * DESIGN: the secret share lives in mpc_secure_alloc memory; encode output
 * is mpc_secure_alloc'd too (it holds the share). Decoding validates
 * everything: version, curve, 1 <= t <= n, identifiers non-zero and
 * distinct, node ids non-empty and distinct, every point, the scalar, and
 * secret * G == own verifying share.
 *
 * THREAD SAFETY: a record belongs to one thread at a time.
 */
#ifndef MPC_TSS_KEYSHARE_H
#define MPC_TSS_KEYSHARE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/group.h"

#define TSS_KEYSHARE_VERSION       1 /* record without chain code */
#define TSS_KEYSHARE_VERSION_CHAIN 2 /* record with chain code */
#define TSS_KEYSHARE_CHAIN_BYTES   32
#define TSS_NODE_ID_MAX            255 /* longest node id in bytes */
#define TSS_NO_SELF                UINT32_MAX

/* One committee member. */
typedef struct {
    uint32_t id;      /* Shamir identifier (non-zero) */
    char *node_id;    /* node id, NUL-terminated (owned) */
    tss_point vshare; /* verifying share: secret share * G */
} tss_member;

/* A key share (or public key info when secret == NULL). */
typedef struct {
    const tss_group *g;  /* curve */
    uint32_t threshold;  /* minimum signers */
    uint32_t n;          /* committee size */
    tss_member *members; /* n members (owned) */
    tss_point group_key; /* group public key */
    uint32_t self;       /* index of own member, TSS_NO_SELF without secret */
    tss_scalar *secret;  /* own secret share (mpc_secure_alloc), or NULL */
    int has_chain;       /* 1 if chain holds the key's chain code (record version 2) */
    uint8_t chain[TSS_KEYSHARE_CHAIN_BYTES]; /* chain code (public, not a secret) */
} tss_keyshare;

/*
 * Allocates a record with n zeroed members (node ids NULL) and, if
 * with_secret, a zeroed secret in secure memory.
 * Out: *out — caller owns it; free with tss_keyshare_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_keyshare_create(tss_keyshare **out, const tss_group *g,
                                              uint32_t threshold, uint32_t n, int with_secret);

/* Wipes and frees ks. Accepts NULL. */
void tss_keyshare_destroy(tss_keyshare *ks);

/*
 * Sets member i's node id (copied).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (bad index, empty or too long), MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_keyshare_set_node(tss_keyshare *ks, uint32_t i, const char *node_id);

/*
 * Encodes ks; with public_only set, the secret is left out.
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_keyshare_encode(const tss_keyshare *ks, int public_only,
                                              uint8_t **out, size_t *out_len);

/*
 * Decodes and validates a record.
 * Out: *out — caller owns it; free with tss_keyshare_destroy().
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (length, version, layout);
 *          MPC_ERR_UNSUPPORTED (curve); MPC_ERR_BAD_THRESHOLD;
 *          MPC_ERR_BAD_IDENTIFIER (ids or node ids); MPC_ERR_BAD_POINT;
 *          MPC_ERR_BAD_SCALAR; MPC_ERR_BAD_SHARE (secret does not match its
 *          verifying share); MPC_ERR_NOMEM; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_keyshare_decode(tss_keyshare **out, const uint8_t *in, size_t len);

/* Returns: index of the member whose node id is node_id, or ks->n if none. */
uint32_t tss_keyshare_find_node(const tss_keyshare *ks, const char *node_id);

/*
 * Shifts the key by a public tweak τ (docs/specs/hd-derivation.md §5): the
 * secret share becomes x_i + τ, every verifying share X_j + τ·G and the
 * group key Y + τ·G. Since the Lagrange coefficients of any signer set sum
 * to 1, the result is a sharing of y + τ with the same threshold: signing
 * with it signs under the child key Y + τ·G.
 * In: tweak — the scalar encoding of τ on ks's curve; zero changes nothing.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BAD_SCALAR (not canonical);
 *          MPC_ERR_HD_INVALID_CHILD (a shifted point is the identity; ks is
 *          then unusable and must be destroyed).
 */
MPC_MUST_CHECK mpc_status tss_keyshare_tweak(tss_keyshare *ks,
                                             const uint8_t tweak[TSS_SCALAR_BYTES]);

#endif /* MPC_TSS_KEYSHARE_H */

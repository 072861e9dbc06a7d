/*
 * hd.h — hierarchical (BIP32-style) public key derivation for threshold keys,
 * with the tweak that signers add to their shares.
 *
 * A key that has a chain code c (32 bytes, made jointly at keygen) is the root
 * of a tree: the child at index i of (K, c) is (K + t·G, c') where the tweak t
 * and c' are computed from public data only (c, K, i). So anyone holding the
 * extended public key (K, c) derives children, and the signers sign for a
 * child by adding the sum of the tweaks along the path to the group secret
 * (tss/frost_sign.c, tss/dkls_sign.c). Only non-hardened indices exist:
 * hardened derivation needs the private key, which no party holds.
 *
 *   secp256k1: BIP32 CKDpub exactly: I = HMAC-SHA512(c, SER_P(K) || ser32(i)),
 *              t = parse256(I_L) (refused if >= n), c' = I_R. Extended keys
 *              serialize as BIP32 xpub (version 0x0488B21E, Base58Check).
 *   ed25519:   the scheme of docs/specs/hd-derivation.md (domain-separated
 *              HMAC-SHA512 keyed with c; t reduced mod L from 64 bytes).
 *
 * The functions are curve-generic over tss/group.h (a third key type on one
 * of these curves reuses them; the scheme is chosen by the curve id).
 * Tweaks are scalars in the backend's canonical encoding (secp256k1:
 * big-endian, ed25519: little-endian).
 *
 * THREAD SAFETY: pure functions; thread-safe once tss_group_selftest() passed.
 */
#ifndef MPC_TSS_HD_H
#define MPC_TSS_HD_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/group.h"

#define TSS_HD_CHAIN_BYTES 32                              /* chain code length */
#define TSS_HD_MAX_DEPTH   32                              /* most indices in one path */
#define TSS_HD_HARDENED    0x80000000u                     /* first hardened index (refused) */
#define TSS_HD_PATH_CHARS  (2 + TSS_HD_MAX_DEPTH * 11 + 1) /* "m" + "/4294967295"... + NUL */
#define TSS_HD_XPUB_BYTES  78  /* serialized extended key before Base58Check */
#define TSS_HD_XPUB_CHARS  112 /* buffer for a Base58Check xpub (111 chars max) + NUL */

/* A derivation path m/i1/i2/...: every index is < TSS_HD_HARDENED. */
typedef struct {
    uint32_t depth;                 /* number of indices (0: the root "m") */
    uint32_t idx[TSS_HD_MAX_DEPTH]; /* the indices, root first */
} tss_hd_path;

/* An extended public key: a point with its chain code and its place in the tree. */
typedef struct {
    tss_curve_id curve;                /* which curve (and derivation scheme) */
    uint8_t depth;                     /* 0 for the root */
    uint8_t parent_fpr[4];             /* BIP32 fingerprint of the parent (0 for root) */
    uint32_t child_num;                /* index of this key under its parent (0 for root) */
    uint8_t chain[TSS_HD_CHAIN_BYTES]; /* chain code */
    uint8_t key[TSS_POINT_MAX_BYTES];  /* encoded point (point_len bytes of the curve) */
} tss_hd_xkey;

/*
 * Parses "m", "m/0/5", ... (decimal indices, no leading zeros, no spaces).
 * Out: *out (cleared on entry).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL); MPC_ERR_HD_HARDENED (an index
 *          with ', h or H, or >= 2^31); MPC_ERR_HD_PATH (anything else wrong,
 *          more than TSS_HD_MAX_DEPTH indices).
 */
MPC_MUST_CHECK mpc_status tss_hd_path_parse(tss_hd_path *out, const char *text);

/*
 * Writes the canonical text of path ("m/0/5") into out[cap].
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_HD_PATH (an index is hardened
 *          or depth too large); MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status tss_hd_path_format(char *out, size_t cap, const tss_hd_path *path);

/*
 * The root extended key of a group key pub (point_len bytes of curve) with
 * its chain code.
 * Out: *out (cleared on entry).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BAD_POINT (pub invalid or of
 *          the wrong length for the curve).
 */
MPC_MUST_CHECK mpc_status tss_hd_root(tss_hd_xkey *out, tss_curve_id curve, const uint8_t *pub,
                                      size_t pub_len, const uint8_t chain[TSS_HD_CHAIN_BYTES]);

/*
 * One derivation step: child of parent at index.
 * Out: *child; tweak (may be NULL) = t with child.key = parent.key + t·G.
 *      Both cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_HD_HARDENED (index >= 2^31);
 *          MPC_ERR_HD_INVALID_CHILD (t >= n or t = 0, or the child is the
 *          identity: BIP32 says to skip such an index, we refuse it);
 *          MPC_ERR_BAD_POINT (parent key invalid); MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status tss_hd_child(tss_hd_xkey *child, uint8_t tweak[TSS_SCALAR_BYTES],
                                       const tss_hd_xkey *parent, uint32_t index);

/*
 * Derives along path from root. Out: *out; tweak (may be NULL) = the sum of
 * the step tweaks, so out.key = root.key + tweak·G (all zero for depth 0).
 * Returns: as tss_hd_child; MPC_ERR_HD_PATH (depth too large for the
 *          one-byte depth of an extended key).
 */
MPC_MUST_CHECK mpc_status tss_hd_derive(tss_hd_xkey *out, uint8_t tweak[TSS_SCALAR_BYTES],
                                        const tss_hd_xkey *root, const tss_hd_path *path);

/*
 * BIP32 serialization of a secp256k1 extended public key (mainnet xpub,
 * version 0x0488B21E), Base58Check, into out[cap].
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, or not a secp256k1 key);
 *          MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status tss_hd_xpub_encode(char *out, size_t cap, const tss_hd_xkey *key);

/*
 * Parses a Base58Check xpub (secp256k1, version 0x0488B21E); the point is
 * fully validated.
 * Out: *out (cleared on entry).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_HD_XPUB (alphabet, length,
 *          checksum, version, root with a parent, or invalid point).
 */
MPC_MUST_CHECK mpc_status tss_hd_xpub_decode(tss_hd_xkey *out, const char *text);

/*
 * BIP32 key identifier: RIPEMD160(SHA256(data)) (HASH160), exposed for tests.
 * Out: out (20 bytes).
 */
void tss_hd_hash160(uint8_t out[20], const uint8_t *data, size_t len);

#endif /* MPC_TSS_HD_H */

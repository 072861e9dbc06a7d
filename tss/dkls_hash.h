/*
 * dkls_hash.h — framing, hashes, PRG and session-id derivations of the DKLs23
 * spec §1.4 and §4.1 (tag prefix "mpc-node/dkls23/v1/").
 *
 *   frame(tag, p_1..p_k) = u16(len tag) || tag || u16(k) || u32(len p_1) || p_1 || ...
 *   H32 = SHA-256(frame), H2S = OS2IP(SHA-512(frame)) mod q,
 *   PRG(key, n) = ChaCha20 (RFC 8439 IETF) keystream, nonce 0, counter 0.
 *
 * DESIGN: a tss_dkls_hasher streams a frame into the hash, so long parts (the
 * 10 240-byte U, the 39 936-byte ã) are never copied into a frame buffer. The
 * hasher knows how many parts and bytes remain and asserts that the caller
 * supplies exactly that (an internal invariant: the shapes are fixed by the
 * spec, never by received data). A hasher may be copied by value to reuse a
 * common prefix (the RVOLE output hashes do so).
 *
 * THREAD SAFETY: all functions are pure; a hasher belongs to one caller.
 */
#ifndef MPC_TSS_DKLS_HASH_H
#define MPC_TSS_DKLS_HASH_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/secp256k1.h"
#include "tss/sha256.h"

/* Tag prefix of protocol version 1. */
#define TSS_DKLS_TAG_PREFIX "mpc-node/dkls23/v1/"
/* DST of the base-OT hash to curve (spec §1.4). */
#define TSS_DKLS_H2C_DST "mpc-node/dkls23/v1/ot/base/h2c/secp256k1_XMD:SHA-256_SSWU_RO_"

/* Output size of H32, of session ids and of PRG keys. */
#define TSS_DKLS_HASH_BYTES 32

/* Which hash a hasher computes. */
enum tss_dkls_hash_kind {
    TSS_DKLS_H32 = 1, /* SHA-256 of the frame, 32 bytes */
    TSS_DKLS_H2S = 2, /* SHA-512 of the frame reduced mod q */
};

/* A streaming frame hasher (see DESIGN). */
struct tss_dkls_hasher {
    union {
        struct tss_sha256 s256;        /* state for TSS_DKLS_H32 (SHA-NI if present) */
        crypto_hash_sha512_state s512; /* state for TSS_DKLS_H2S */
    } st;
    int kind;            /* enum tss_dkls_hash_kind */
    uint32_t parts_left; /* parts announced but not yet started */
    uint64_t bytes_left; /* bytes still owed to the current part */
};

/* One framed part: a borrowed byte string. */
struct tss_dkls_part {
    const void *p; /* bytes (may be NULL when len is 0) */
    size_t len;    /* length in bytes */
};

/*
 * Writes frame(tag, parts) into out (tag used verbatim, no prefix added).
 * Out: out[0..*out_len) — *out_len is 0 on failure.
 * Returns: MPC_OK; MPC_ERR_BUFFER_TOO_SMALL; MPC_ERR_INVALID_ARG (NULL, tag
 *          longer than 65535, more than 65535 parts, a part over 2^32-1 bytes).
 */
MPC_MUST_CHECK mpc_status tss_dkls_frame(uint8_t *out, size_t cap, size_t *out_len,
                                         const uint8_t *tag, size_t tag_len,
                                         const struct tss_dkls_part *parts, size_t n);

/*
 * Starts a frame hash with tag = TSS_DKLS_TAG_PREFIX || suffix and nparts parts.
 * suffix is a NUL-terminated ASCII string from the spec's table.
 */
void tss_dkls_hasher_init(struct tss_dkls_hasher *h, enum tss_dkls_hash_kind kind,
                          const char *suffix, uint16_t nparts);

/* Like tss_dkls_hasher_init with the whole tag given verbatim. */
void tss_dkls_hasher_init_raw(struct tss_dkls_hasher *h, enum tss_dkls_hash_kind kind,
                              const uint8_t *tag, size_t tag_len, uint16_t nparts);

/* Adds one complete part. */
void tss_dkls_hasher_part(struct tss_dkls_hasher *h, const void *p, size_t len);

/* Starts a part of total bytes that is then fed by tss_dkls_hasher_update(). */
void tss_dkls_hasher_part_begin(struct tss_dkls_hasher *h, size_t total);

/* Feeds bytes of the current part begun with tss_dkls_hasher_part_begin(). */
void tss_dkls_hasher_update(struct tss_dkls_hasher *h, const void *p, size_t len);

/* Finishes an H32 hasher into out and wipes the state. */
void tss_dkls_hasher_final32(struct tss_dkls_hasher *h, uint8_t out[TSS_DKLS_HASH_BYTES]);

/* Finishes an H2S hasher into a scalar mod q and wipes the state. */
void tss_dkls_hasher_final_scalar(struct tss_dkls_hasher *h, struct tss_secp_num *out);

/* H32(prefix || suffix, parts[0..n)). */
void tss_dkls_h32(uint8_t out[TSS_DKLS_HASH_BYTES], const char *suffix,
                  const struct tss_dkls_part *parts, size_t n);

/* H2S(prefix || suffix, parts[0..n)). */
void tss_dkls_h2s(struct tss_secp_num *out, const char *suffix, const struct tss_dkls_part *parts,
                  size_t n);

/* The frame of H2S(prefix || suffix, parts[0..n)) (the bytes SHA-512 hashes),
 * for tss_dkls_h2s_frames. Returns: as tss_dkls_frame. */
MPC_MUST_CHECK mpc_status tss_dkls_frame_tagged(uint8_t *out, size_t cap, size_t *out_len,
                                                const char *suffix,
                                                const struct tss_dkls_part *parts, size_t n);

/*
 * out[i] = OS2IP(SHA-512(frame i)) mod q for n frames of len bytes each, laid
 * out back to back in frames: the H2S of each frame, four SHA-512 at a time
 * (tss/sha512x4.h). Secret frames are fine (nothing branches on them; the
 * digests are wiped).
 */
void tss_dkls_h2s_frames(struct tss_secp_num *out, const uint8_t *frames, size_t len, size_t n);

/*
 * PRG(key, n): first n bytes of the ChaCha20 (IETF) keystream, zero nonce.
 * Every key must be used for one stream only (callers derive fresh keys).
 */
void tss_dkls_prg(uint8_t *out, size_t n, const uint8_t key[TSS_DKLS_HASH_BYTES]);

/* ID(i): the 1-based committee index as a 32-byte big-endian scalar. */
void tss_dkls_id_encode(uint8_t out[TSS_SECP_SCALAR_BYTES], uint32_t index);

/* setup_id(A->B) = H32(ot/setup-id, ctx, ID(A), ID(B)). */
void tss_dkls_setup_id(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t ctx[TSS_DKLS_HASH_BYTES],
                       const uint8_t id_a[TSS_SECP_SCALAR_BYTES],
                       const uint8_t id_b[TSS_SECP_SCALAR_BYTES]);

/* ote_sid(A->B) = H32(sign/ote-sid, sign_ctx, setup_id, ID(A), ID(B), nu_B) (spec §4.1). */
void tss_dkls_ote_sid(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t sign_ctx[TSS_DKLS_HASH_BYTES],
                      const uint8_t setup_id[TSS_DKLS_HASH_BYTES],
                      const uint8_t id_a[TSS_SECP_SCALAR_BYTES],
                      const uint8_t id_b[TSS_SECP_SCALAR_BYTES],
                      const uint8_t nu_b[TSS_DKLS_HASH_BYTES]);

/* mul_sid(A->B) = H32(sign/mul-sid, ote_sid, nu_A) (spec §4.1). */
void tss_dkls_mul_sid(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t ote_sid[TSS_DKLS_HASH_BYTES],
                      const uint8_t nu_a[TSS_DKLS_HASH_BYTES]);

/*
 * Pairwise zero-sharing seed (spec §2.1): seed_ij = H32(zero/seed, ctx, ID(lo),
 * ID(hi), c_lo, c_hi) where lo < hi are the pair's ids and c_x is the 32-byte
 * contribution party x sent to the other. The order is fixed by the ids, so
 * both parties compute the same seed. Output is secret.
 */
void tss_dkls_zero_seed(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t ctx[TSS_DKLS_HASH_BYTES],
                        uint32_t id_a, const uint8_t c_a[TSS_DKLS_HASH_BYTES], uint32_t id_b,
                        const uint8_t c_b[TSS_DKLS_HASH_BYTES]);

/* Zero-sharing PRF (spec §6.3): H2S(zero/prf, seed, zsid); secret output. */
void tss_dkls_zero_prf(struct tss_secp_num *out, const uint8_t seed[TSS_DKLS_HASH_BYTES],
                       const uint8_t zsid[TSS_DKLS_HASH_BYTES]);

/*
 * Adds one pair's term to a zero share (spec §6.3): zeta += PRF(seed, zsid)
 * when peer_id > self_id, zeta -= PRF(seed, zsid) when peer_id < self_id, so
 * over a signer set Σ_i ζ_i = 0. Ids are public; seed and zeta are secret.
 */
void tss_dkls_zero_add(struct tss_secp_num *zeta, uint32_t self_id, uint32_t peer_id,
                       const uint8_t seed[TSS_DKLS_HASH_BYTES],
                       const uint8_t zsid[TSS_DKLS_HASH_BYTES]);

#endif /* MPC_TSS_DKLS_HASH_H */

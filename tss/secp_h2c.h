/*
 * secp_h2c.h — constant-time RFC 9380 hash_to_curve for secp256k1,
 * suite secp256k1_XMD:SHA-256_SSWU_RO_ (expand_message_xmd with SHA-256,
 * simplified SWU on the isogenous curve E', 3-isogeny to secp256k1).
 *
 * DESIGN: the DKLs23 base-OT receiver hashes a message that contains its
 * secret choice bit, so every step is straight-line: the SSWU of RFC 9380
 * F.2 with CMOVs, sqrt_ratio for p = 3 mod 4, field arithmetic from secp_mod
 * (mpn_sec_*), and CT-add for Q0 + Q1. Only the final error flag (an exceptional
 * input of probability ~2^-256) is branched on.
 *
 * THREAD SAFETY: all functions are pure and thread-safe.
 */
#ifndef MPC_TSS_SECP_H2C_H
#define MPC_TSS_SECP_H2C_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/secp256k1.h"

/* Largest DST accepted (RFC 9380 §5.3.1: len(DST) <= 255). */
#define TSS_SECP_H2C_MAX_DST 255

/*
 * RFC 9380 §5.3.1 expand_message_xmd with SHA-256.
 * Out: out[0..len) — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG for NULL, len 0 or > 8160, or a DST
 *          longer than 255 bytes.
 */
MPC_MUST_CHECK mpc_status tss_secp_expand_xmd(uint8_t *out, size_t len, const uint8_t *msg,
                                              size_t msg_len, const uint8_t *dst, size_t dst_len);

/*
 * RFC 9380 hash_to_field(msg, 2): u[0], u[1] in F_p (48-byte chunks mod p).
 * Returns: as tss_secp_expand_xmd.
 */
MPC_MUST_CHECK mpc_status tss_secp_h2c_field(struct tss_secp_num u[2], const uint8_t *msg,
                                             size_t msg_len, const uint8_t *dst, size_t dst_len);

/*
 * map_to_curve: simplified SWU on E' then the 3-isogeny, for one field element u.
 * Out: q — a point of secp256k1, cleared on entry.
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT if the isogeny maps to O (exceptional).
 */
MPC_MUST_CHECK mpc_status tss_secp_h2c_map(struct tss_secp_ge *q, const struct tss_secp_num *u);

/*
 * hash_to_curve(msg) = map(u0) + map(u1) (cofactor 1), constant time.
 * Out: out — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_IDENTITY_POINT in the exceptional cases (isogeny
 *          denominator zero, x(Q0) == x(Q1)); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_secp_h2c(struct tss_secp_ge *out, const uint8_t *msg, size_t msg_len,
                                       const uint8_t *dst, size_t dst_len);

#endif /* MPC_TSS_SECP_H2C_H */

/*
 * secp_mod.h — constant-time 256-bit modular arithmetic for secp256k1 (mod p and mod q).
 *
 * Numbers are four 64-bit GMP limbs, least significant first. Every function
 * here runs in time independent of the values of its operands (GMP mpn_sec_*,
 * mpn_add_n/mpn_sub_n, mpn_cnd_* and masks; no branch or index on data). This
 * is the arithmetic for every secret scalar (mod q) and every coordinate of a
 * secret-dependent point (mod p), as the DKLs23 spec §1.1 and §8 item 18 require.
 *
 * DESIGN: operands are "reduced" (value < modulus) unless a function says
 * otherwise; results are always reduced. Outputs may alias inputs. Products
 * and wide inputs are reduced by folding: m = 2^256 - c with c < 2^129, so
 * hi * 2^256 + lo == hi * c + lo (mod m); three folds and one conditional
 * subtraction bring any 512-bit value below m, with a fixed sequence of
 * 64x64-bit multiplications and additions (no GMP division).
 *
 * THREAD SAFETY: all functions are pure and thread-safe (scratch is on the stack).
 */
#ifndef MPC_TSS_SECP_MOD_H
#define MPC_TSS_SECP_MOD_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#if GMP_LIMB_BITS != 64 || GMP_NAIL_BITS != 0
#error "tss/secp_mod requires 64-bit GMP limbs without nails"
#endif

/* Limbs per number. */
#define TSS_SECP_LIMBS 4
/* Bytes of a big-endian encoded number. */
#define TSS_SECP_BYTES 32

/* Limbs of 2^256 - m: both moduli are 2^256 - c with c < 2^129. */
#define TSS_SECP_C_LIMBS 3

/* A 256-bit number mod p or mod q. */
struct tss_secp_num {
    mp_limb_t v[TSS_SECP_LIMBS]; /* little-endian limbs */
};

/* A modulus with the constants its operations need. */
struct tss_secp_mod {
    mp_limb_t m[TSS_SECP_LIMBS];         /* the odd prime modulus */
    mp_limb_t m_minus_2[TSS_SECP_LIMBS]; /* exponent for inversion by Fermat */
    mp_limb_t c[TSS_SECP_C_LIMBS];       /* 2^256 - m, below 2^129 (the fold) */
};

/* The field prime p and the group order q of secp256k1. */
extern const struct tss_secp_mod tss_secp_mod_p;
extern const struct tss_secp_mod tss_secp_mod_q;

/* Sets r to the big-endian 32-byte in, without reduction. */
void tss_secp_num_from_bytes(struct tss_secp_num *r, const uint8_t in[TSS_SECP_BYTES]);

/* Writes a (any value) as 32 big-endian bytes. */
void tss_secp_num_to_bytes(uint8_t out[TSS_SECP_BYTES], const struct tss_secp_num *a);

/* Sets r to the small value v. */
void tss_secp_num_set_u64(struct tss_secp_num *r, uint64_t v);

/* Returns: 1 if a < m (canonical), else 0. Constant time. */
int tss_secp_num_is_reduced(const struct tss_secp_num *a, const struct tss_secp_mod *m);

/* Returns: 1 if a == 0, else 0. Constant time. */
int tss_secp_num_is_zero(const struct tss_secp_num *a);

/* Returns: 1 if a == b, else 0. Constant time. */
int tss_secp_num_eq(const struct tss_secp_num *a, const struct tss_secp_num *b);

/* r = flag ? b : a, flag in {0,1}. Constant time. */
void tss_secp_num_select(struct tss_secp_num *r, const struct tss_secp_num *a,
                         const struct tss_secp_num *b, int flag);

/* Swaps a and b iff flag (in {0,1}). Constant time. */
void tss_secp_num_cswap(struct tss_secp_num *a, struct tss_secp_num *b, int flag);

/* r = a + b mod m. */
void tss_secp_mod_add(struct tss_secp_num *r, const struct tss_secp_num *a,
                      const struct tss_secp_num *b, const struct tss_secp_mod *m);

/* r = a - b mod m. */
void tss_secp_mod_sub(struct tss_secp_num *r, const struct tss_secp_num *a,
                      const struct tss_secp_num *b, const struct tss_secp_mod *m);

/* r = -a mod m. */
void tss_secp_mod_neg(struct tss_secp_num *r, const struct tss_secp_num *a,
                      const struct tss_secp_mod *m);

/* r = a * b mod m. */
void tss_secp_mod_mul(struct tss_secp_num *r, const struct tss_secp_num *a,
                      const struct tss_secp_num *b, const struct tss_secp_mod *m);

/*
 * r = a^e mod m for a public exponent e of 256 bits. a may be 0 (r = 0 for
 * e > 0); e may be 0 (r = 1). Constant time in a and e.
 */
void tss_secp_mod_pow(struct tss_secp_num *r, const struct tss_secp_num *a,
                      const mp_limb_t e[TSS_SECP_LIMBS], const struct tss_secp_mod *m);

/* r = a^-1 mod m (Fermat, mpn_sec_powm); r = 0 when a = 0. */
void tss_secp_mod_inv(struct tss_secp_num *r, const struct tss_secp_num *a,
                      const struct tss_secp_mod *m);

/*
 * r = OS2IP(in[0..len)) mod m for a big-endian input of 1..64 bytes (H2S uses 64
 * bytes, RFC 9380 hash_to_field 48).
 * Returns: MPC_OK, or MPC_ERR_INVALID_ARG for a length outside 1..64.
 */
MPC_MUST_CHECK mpc_status tss_secp_mod_reduce_bytes(struct tss_secp_num *r, const uint8_t *in,
                                                    size_t len, const struct tss_secp_mod *m);

/*
 * Checks that the scratch sizes GMP asks for fit the fixed stack buffers.
 * Returns: MPC_OK, or MPC_ERR_SELFTEST.
 */
MPC_MUST_CHECK mpc_status tss_secp_mod_selftest(void);

#endif /* MPC_TSS_SECP_MOD_H */

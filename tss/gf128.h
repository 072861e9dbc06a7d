/*
 * gf128.h — GF(2^128) with modulus X^128 + X^7 + X^2 + X + 1 for the KOS
 * consistency check (DKLs23 spec §1.2, §1.3, §4).
 *
 * Element of a 16-byte string z: sum of bit_m(z) X^m with bit m = (z[m>>3] >> (m&7)) & 1,
 * i.e. the little-endian integer of the polynomial (no bit reflection).
 *
 * DESIGN: sums of products are accumulated unreduced (256-bit XOR) and reduced
 * once. Multiplication is constant time: PCLMULQDQ when the CPU has it,
 * otherwise a masked shift-and-xor loop; both are always compiled so tests can
 * check that they agree.
 *
 * THREAD SAFETY: all functions are pure and thread-safe.
 */
#ifndef MPC_TSS_GF128_H
#define MPC_TSS_GF128_H

#include <stdint.h>

/* Bytes of one element. */
#define TSS_GF128_BYTES 16

/* An unreduced sum of products: 256-bit polynomial, little-endian 64-bit words. */
struct tss_gf128_acc {
    uint64_t w[4]; /* coefficient bits 0..255 */
};

/* out = a * b (any aliasing allowed). Uses PCLMUL if available. */
void tss_gf128_mul(uint8_t out[TSS_GF128_BYTES], const uint8_t a[TSS_GF128_BYTES],
                   const uint8_t b[TSS_GF128_BYTES]);

/* out = a * b with the portable constant-time code only. */
void tss_gf128_mul_portable(uint8_t out[TSS_GF128_BYTES], const uint8_t a[TSS_GF128_BYTES],
                            const uint8_t b[TSS_GF128_BYTES]);

/* Returns: 1 if the PCLMUL path is available on this CPU, else 0. */
int tss_gf128_have_pclmul(void);

/* Sets acc to zero. */
void tss_gf128_acc_init(struct tss_gf128_acc *acc);

/* acc ^= a * b (unreduced). */
void tss_gf128_acc_mulxor(struct tss_gf128_acc *acc, const uint8_t a[TSS_GF128_BYTES],
                          const uint8_t b[TSS_GF128_BYTES]);

/* out = acc mod (X^128 + X^7 + X^2 + X + 1); acc is wiped. */
void tss_gf128_acc_final(uint8_t out[TSS_GF128_BYTES], struct tss_gf128_acc *acc);

#endif /* MPC_TSS_GF128_H */

/*
 * sha512x4.h — four SHA-512 digests (FIPS 180-4) of equal-length messages at
 * once: the four lanes of an AVX2 register when the CPU has AVX2, one after
 * the other with libsodium otherwise. The digests are those of
 * crypto_hash_sha512, byte for byte.
 *
 * Why: the DKLs23 RVOLE hashes every OT row into a scalar (spec §5,
 * `ote/out`, and the gadget `mul/gadget`): ~4 000 one-block SHA-512 per
 * signer and sign, a third of a node's instructions per ECDSA sign (issue
 * 12). The spec fixes the hash; only how it is computed changes.
 *
 * THREAD SAFETY: any thread; no state besides a once-computed CPU feature
 * flag (an atomic).
 */
#ifndef MPC_TSS_SHA512X4_H
#define MPC_TSS_SHA512X4_H

#include <stddef.h>
#include <stdint.h>

#define TSS_SHA512_BYTES 64

/* The longest message the AVX2 path takes (three blocks with the padding);
 * longer ones are hashed by libsodium. */
#define TSS_SHA512X4_MAX_LEN (3 * 128 - 17)

/*
 * out[i] = SHA-512(msg[i][0..len)) for i < 4. Secret inputs are fine: no
 * branch or index depends on the bytes, and the scratch is wiped.
 * Args: msg — four messages of len bytes each (they may alias).
 * In:   len — any; above TSS_SHA512X4_MAX_LEN the portable path.
 */
void tss_sha512_x4(uint8_t out[4][TSS_SHA512_BYTES], const uint8_t *const msg[4], size_t len);

/* The same on the portable path (libsodium), for the tests. */
void tss_sha512_x4_portable(uint8_t out[4][TSS_SHA512_BYTES], const uint8_t *const msg[4],
                            size_t len);

/* 1 if tss_sha512_x4 uses the AVX2 lanes on this CPU. */
int tss_sha512_x4_vectorized(void);

#endif /* MPC_TSS_SHA512X4_H */

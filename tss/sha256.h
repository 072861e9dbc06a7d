/*
 * sha256.h — SHA-256 (FIPS 180-4), streaming, with the CPU's SHA extensions
 * (SHA-NI) when it has them and libsodium's crypto_hash_sha256 otherwise.
 * The digests are libsodium's, byte for byte.
 *
 * Why: the DKLs23 H32 hash (spec §1.4: the μ hash over 13 KB, the OT
 * extension's seeds and every session id) is a fifth of a node's
 * instructions per ECDSA sign in libsodium's portable SHA-256 (issue 12).
 * The spec fixes the hash; only how it is computed changes.
 *
 * THREAD SAFETY: a state belongs to one thread; the CPU probe is a
 * once-computed atomic flag.
 */
#ifndef MPC_TSS_SHA256_H
#define MPC_TSS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define TSS_SHA256_BYTES 32

/* A running SHA-256 (plain data: copy it to fork a prefix). */
struct tss_sha256 {
    int shani; /* 1: the ni state below; 0: libsodium's */
    union {
        crypto_hash_sha256_state sodium;
        struct {
            uint32_t h[8];   /* chaining value H0..H7 */
            uint64_t bytes;  /* message length so far */
            uint8_t buf[64]; /* the partial block */
            size_t fill;     /* bytes of buf in use, < 64 */
        } ni;
    };
};

/* Starts a hash (SHA-NI if the CPU has it). */
void tss_sha256_init(struct tss_sha256 *s);

/* The same on libsodium's state (the path without SHA-NI), for the tests. */
void tss_sha256_init_portable(struct tss_sha256 *s);

/* Absorbs p[0..len); p may be NULL when len is 0. */
void tss_sha256_update(struct tss_sha256 *s, const void *p, size_t len);

/* Writes the digest and wipes the state. */
void tss_sha256_final(struct tss_sha256 *s, uint8_t out[TSS_SHA256_BYTES]);

/* 1 if tss_sha256_init uses SHA-NI on this CPU. */
int tss_sha256_accelerated(void);

#endif /* MPC_TSS_SHA256_H */

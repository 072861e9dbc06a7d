/*
 * sha256.c — SHA-256 (FIPS 180-4 §6.2) with SHA-NI, else libsodium's.
 *
 * DESIGN: without SHA-NI (or under valgrind, whose CPU hides it) the state
 * is libsodium's and every call goes to crypto_hash_sha256_*. With it, the
 * buffering and padding (§5.1.1) are here and the compression keeps the chaining value in the
 * two registers the instructions want (ABEF and CDGH, A in the top dword),
 * runs two rounds per SHA256RNDS2 with W_t + K_t in the low two dwords of its
 * third operand, and extends the schedule four words at a time:
 * SHA256MSG1 adds σ0(W_{t-15}) to W_{t-16}, the W_{t-7} words are added
 * (PALIGNR of the two previous groups), SHA256MSG2 adds σ1(W_{t-2}) — the
 * §6.2.2 step 1 recurrence. Constants: §4.2.2 (cube roots of the first 64
 * primes) and §5.3.3 (square roots of the first 8). No branch or index
 * depends on the message; the state is wiped by the final call.
 */
#include "tss/sha256.h"

#include <stdatomic.h>
#include <string.h>

#include <sodium.h>

#include "common/secmem.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t sha256_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#ifdef SHA256_NI
/* 0 = not probed yet, 1 = SHA-NI, 2 = portable. */
static atomic_int sha256_mode;

/* Blocks [0, n) of p, SHA-NI. */
__attribute__((target("sha,ssse3,sse4.1"))) static void
sha256_blocks_ni(uint32_t h[8], const uint8_t *p, size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]); /* dwords A B C D */
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]); /* dwords E F G H */
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);           /* B A D C */
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);           /* H G F E */
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);          /* F E B A */
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);       /* H G D C */
    for (size_t b = 0; b < n; b++, p += 64) {
        __m128i save0 = abef, save1 = cdgh, m[4];
        for (int g = 0; g < 16; g++) {
            __m128i *cur = &m[g & 3];
            if (g < 4) {
                *cur = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), bswap);
            } else {
                __m128i prev = m[(g + 3) & 3], prev2 = m[(g + 2) & 3];
                __m128i x = _mm_sha256msg1_epu32(*cur, m[(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(prev, prev2, 4));
                *cur = _mm_sha256msg2_epu32(x, prev);
            }
            __m128i wk = _mm_add_epi32(*cur, _mm_loadu_si128((const __m128i *)&sha256_k[4 * g]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            /* cdgh now holds A..H's ABEF and abef their CDGH: two more rounds swap back */
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, save0);
        cdgh = _mm_add_epi32(cdgh, save1);
        save0 = save1 = m[0] = m[1] = m[2] = m[3] = _mm_setzero_si128();
    }
    __m128i fe_ba = _mm_shuffle_epi32(abef, 0x1B); /* A B E F */
    __m128i gh_dc = _mm_shuffle_epi32(cdgh, 0xB1); /* G H C D */
    dcba = _mm_blend_epi16(fe_ba, gh_dc, 0xF0);    /* A B C D */
    hgfe = _mm_alignr_epi8(gh_dc, fe_ba, 8);       /* E F G H */
    _mm_storeu_si128((__m128i *)&h[0], dcba);
    _mm_storeu_si128((__m128i *)&h[4], hgfe);
}

static int
sha256_have_ni(void)
{
    int m = atomic_load(&sha256_mode);
    if (m == 0) {
        unsigned a, b, c, d;
        /* CPUID.1:ECX bit 9 SSSE3, bit 19 SSE4.1; CPUID.(7,0):EBX bit 29 SHA. */
        int ssse3_sse41 = __get_cpuid(1, &a, &b, &c, &d) && (c >> 9 & 1) && (c >> 19 & 1);
        int sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 29 & 1);
        m = ssse3_sse41 && sha ? 1 : 2;
        atomic_store(&sha256_mode, m); /* idempotent: a race stores the same value */
    }
    return m == 1;
}
#else
static int
sha256_have_ni(void)
{
    return 0;
}
#endif

static void
sha256_blocks(struct tss_sha256 *s, const uint8_t *p, size_t n)
{
#ifdef SHA256_NI
    sha256_blocks_ni(s->ni.h, p, n);
#else
    (void)s, (void)p, (void)n; /* never: shani is 0 in such a build */
#endif
}

int
tss_sha256_accelerated(void)
{
    return sha256_have_ni();
}

void
tss_sha256_init_portable(struct tss_sha256 *s)
{
    memset(s, 0, sizeof *s);
    crypto_hash_sha256_init(&s->sodium);
}

void
tss_sha256_init(struct tss_sha256 *s)
{
    memset(s, 0, sizeof *s);
    if (!sha256_have_ni()) {
        crypto_hash_sha256_init(&s->sodium);
        return;
    }
    s->shani = 1;
    memcpy(s->ni.h, sha256_iv, sizeof s->ni.h);
}

/* The SHA-NI state's update. */
static void
sha256_ni_update(struct tss_sha256 *s, const uint8_t *in, size_t len)
{
    s->ni.bytes += len;
    if (s->ni.fill > 0) {
        size_t take = 64 - s->ni.fill < len ? 64 - s->ni.fill : len;
        memcpy(s->ni.buf + s->ni.fill, in, take);
        s->ni.fill += take;
        in += take;
        len -= take;
        if (s->ni.fill < 64) {
            return;
        }
        sha256_blocks(s, s->ni.buf, 1);
        s->ni.fill = 0;
    }
    if (len >= 64) {
        sha256_blocks(s, in, len / 64);
        in += len - len % 64;
        len %= 64;
    }
    if (len > 0) {
        memcpy(s->ni.buf, in, len);
        s->ni.fill = len;
    }
}

void
tss_sha256_update(struct tss_sha256 *s, const void *p, size_t len)
{
    if (len == 0) {
        return;
    }
    if (!s->shani) {
        crypto_hash_sha256_update(&s->sodium, p, len);
        return;
    }
    sha256_ni_update(s, p, len);
}

void
tss_sha256_final(struct tss_sha256 *s, uint8_t out[TSS_SHA256_BYTES])
{
    if (!s->shani) {
        crypto_hash_sha256_final(&s->sodium, out);
        mpc_wipe(s, sizeof *s);
        return;
    }
    uint64_t bits = s->ni.bytes * 8u;
    uint8_t pad[72] = {0x80}; /* 0x80, zeros up to 56 mod 64, 64-bit length */
    size_t padlen = (s->ni.fill < 56 ? 56 : 120) - s->ni.fill;
    for (int b = 0; b < 8; b++) {
        pad[padlen + (size_t)b] = (uint8_t)(bits >> (56 - 8 * b));
    }
    sha256_ni_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->ni.h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->ni.h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->ni.h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->ni.h[i];
    }
    mpc_wipe(s, sizeof *s);
}

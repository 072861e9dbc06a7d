/*
 * sha512x4.c — four SHA-512 digests at once (FIPS 180-4 §6.4), AVX2 lanes.
 *
 * DESIGN: each 64-bit lane of a __m256i carries one message's word, so the
 * 80 rounds run once for four messages. The four messages have the same
 * length, hence the same padding and block count: no lane waits for another.
 * The constants are those of FIPS 180-4 §4.2.3 (the first 64 bits of the
 * fractional parts of the cube roots of the first 80 primes) and §5.3.5 (the
 * square roots of the first 8). Without AVX2 (or in a build without it) the
 * four digests come from libsodium one after the other. The padded blocks,
 * the message schedule and the working state are wiped before returning (the
 * rows hashed by the RVOLE are secret).
 */
#include "tss/sha512x4.h"

#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "common/secmem.h"

#define SHA512_BLOCK 128

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA512X4_AVX2 1
#include <immintrin.h>
#endif

/* 0 = not probed yet, 1 = AVX2, 2 = portable, 3 = AVX2 + AVX-512VL. */
static atomic_int sha512x4_mode;

void
tss_sha512_x4_portable(uint8_t out[4][TSS_SHA512_BYTES], const uint8_t *const msg[4], size_t len)
{
    for (int i = 0; i < 4; i++) {
        crypto_hash_sha512(out[i], msg[i], len);
    }
}

#ifdef SHA512X4_AVX2

static const uint64_t sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static const uint64_t sha512_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* The four lanes' working state and schedule, wiped together. */
struct sha512x4_work {
    __m256i w[80];                       /* message schedule W_t */
    __m256i s[8];                        /* chaining value H */
    uint8_t blocks[4][3 * SHA512_BLOCK]; /* padded messages */
};

#define ROTR(x, n)    _mm256_or_si256(_mm256_srli_epi64((x), (n)), _mm256_slli_epi64((x), 64 - (n)))
#define XOR3(a, b, c) _mm256_xor_si256(_mm256_xor_si256((a), (b)), (c))

static inline uint64_t
be64(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return __builtin_bswap64(x);
}

/* Word off of every lane's padded message, big-endian, one lane each. */
__attribute__((target("avx2"))) static inline __m256i
load_be(const struct sha512x4_work *wk, size_t off)
{
    return _mm256_set_epi64x(
        (long long)be64(wk->blocks[3] + off), (long long)be64(wk->blocks[2] + off),
        (long long)be64(wk->blocks[1] + off), (long long)be64(wk->blocks[0] + off));
}

/* One block (offset off in every lane's padded message) into wk->s. */
__attribute__((target("avx2"))) static void
sha512x4_block(struct sha512x4_work *wk, size_t off)
{
    __m256i *w = wk->w;
    for (int t = 0; t < 16; t++) {
        w[t] = load_be(wk, off + 8 * (size_t)t);
    }
    for (int t = 16; t < 80; t++) {
        __m256i s0 = XOR3(ROTR(w[t - 15], 1), ROTR(w[t - 15], 8), _mm256_srli_epi64(w[t - 15], 7));
        __m256i s1 = XOR3(ROTR(w[t - 2], 19), ROTR(w[t - 2], 61), _mm256_srli_epi64(w[t - 2], 6));
        w[t] = _mm256_add_epi64(_mm256_add_epi64(s1, w[t - 7]), _mm256_add_epi64(s0, w[t - 16]));
    }
    __m256i a = wk->s[0], b = wk->s[1], c = wk->s[2], d = wk->s[3];
    __m256i e = wk->s[4], f = wk->s[5], g = wk->s[6], h = wk->s[7];
    for (int t = 0; t < 80; t++) {
        __m256i S1 = XOR3(ROTR(e, 14), ROTR(e, 18), ROTR(e, 41));
        __m256i ch = _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g));
        __m256i k = _mm256_set1_epi64x((long long)sha512_k[t]);
        __m256i t1 = _mm256_add_epi64(_mm256_add_epi64(h, S1),
                                      _mm256_add_epi64(ch, _mm256_add_epi64(k, w[t])));
        __m256i S0 = XOR3(ROTR(a, 28), ROTR(a, 34), ROTR(a, 39));
        __m256i maj = XOR3(_mm256_and_si256(a, b), _mm256_and_si256(a, c), _mm256_and_si256(b, c));
        __m256i t2 = _mm256_add_epi64(S0, maj);
        h = g;
        g = f;
        f = e;
        e = _mm256_add_epi64(d, t1);
        d = c;
        c = b;
        b = a;
        a = _mm256_add_epi64(t1, t2);
    }
    wk->s[0] = _mm256_add_epi64(wk->s[0], a);
    wk->s[1] = _mm256_add_epi64(wk->s[1], b);
    wk->s[2] = _mm256_add_epi64(wk->s[2], c);
    wk->s[3] = _mm256_add_epi64(wk->s[3], d);
    wk->s[4] = _mm256_add_epi64(wk->s[4], e);
    wk->s[5] = _mm256_add_epi64(wk->s[5], f);
    wk->s[6] = _mm256_add_epi64(wk->s[6], g);
    wk->s[7] = _mm256_add_epi64(wk->s[7], h);
}

/* AVX-512VL forms: vprorq, and vpternlogq (0x96 = a^b^c, 0xca = a?b:c, 0xe8 = majority). */
#define RORV(x, n)      _mm256_ror_epi64((x), (n))
#define TERN96(a, b, c) _mm256_ternarylogic_epi64((a), (b), (c), 0x96)

/* The same with AVX-512VL: one-instruction rotates and three-input logic. */
__attribute__((target("avx2,avx512f,avx512vl"))) static void
sha512x4_block_vl(struct sha512x4_work *wk, size_t off)
{
    __m256i *w = wk->w;
    for (int t = 0; t < 16; t++) {
        w[t] = load_be(wk, off + 8 * (size_t)t);
    }
    for (int t = 16; t < 80; t++) {
        __m256i s0 =
            TERN96(RORV(w[t - 15], 1), RORV(w[t - 15], 8), _mm256_srli_epi64(w[t - 15], 7));
        __m256i s1 = TERN96(RORV(w[t - 2], 19), RORV(w[t - 2], 61), _mm256_srli_epi64(w[t - 2], 6));
        w[t] = _mm256_add_epi64(_mm256_add_epi64(s1, w[t - 7]), _mm256_add_epi64(s0, w[t - 16]));
    }
    __m256i a = wk->s[0], b = wk->s[1], c = wk->s[2], d = wk->s[3];
    __m256i e = wk->s[4], f = wk->s[5], g = wk->s[6], h = wk->s[7];
    for (int t = 0; t < 80; t++) {
        __m256i S1 = TERN96(RORV(e, 14), RORV(e, 18), RORV(e, 41));
        __m256i ch = _mm256_ternarylogic_epi64(e, f, g, 0xca);
        __m256i k = _mm256_set1_epi64x((long long)sha512_k[t]);
        __m256i t1 = _mm256_add_epi64(_mm256_add_epi64(h, S1),
                                      _mm256_add_epi64(ch, _mm256_add_epi64(k, w[t])));
        __m256i S0 = TERN96(RORV(a, 28), RORV(a, 34), RORV(a, 39));
        __m256i maj = _mm256_ternarylogic_epi64(a, b, c, 0xe8);
        __m256i t2 = _mm256_add_epi64(S0, maj);
        h = g;
        g = f;
        f = e;
        e = _mm256_add_epi64(d, t1);
        d = c;
        c = b;
        b = a;
        a = _mm256_add_epi64(t1, t2);
    }
    wk->s[0] = _mm256_add_epi64(wk->s[0], a);
    wk->s[1] = _mm256_add_epi64(wk->s[1], b);
    wk->s[2] = _mm256_add_epi64(wk->s[2], c);
    wk->s[3] = _mm256_add_epi64(wk->s[3], d);
    wk->s[4] = _mm256_add_epi64(wk->s[4], e);
    wk->s[5] = _mm256_add_epi64(wk->s[5], f);
    wk->s[6] = _mm256_add_epi64(wk->s[6], g);
    wk->s[7] = _mm256_add_epi64(wk->s[7], h);
}

__attribute__((target("avx2"))) static void
sha512x4_avx2(uint8_t out[4][TSS_SHA512_BYTES], const uint8_t *const msg[4], size_t len, int vl)
{
    struct sha512x4_work wk;
    size_t nblocks = (len + 17 + SHA512_BLOCK - 1) / SHA512_BLOCK;
    size_t total = nblocks * SHA512_BLOCK;
    memset(wk.blocks, 0, sizeof wk.blocks);
    for (int l = 0; l < 4; l++) { /* M || 0x80 || 0...0 || 128-bit big-endian bit length */
        if (len > 0) {
            memcpy(wk.blocks[l], msg[l], len);
        }
        wk.blocks[l][len] = 0x80;
        uint64_t bits = (uint64_t)len * 8u;
        for (int b = 0; b < 8; b++) {
            wk.blocks[l][total - 1 - (size_t)b] = (uint8_t)(bits >> (8 * b));
        }
    }
    for (int i = 0; i < 8; i++) {
        wk.s[i] = _mm256_set1_epi64x((long long)sha512_iv[i]);
    }
    for (size_t blk = 0; blk < nblocks; blk++) {
        if (vl) {
            sha512x4_block_vl(&wk, blk * SHA512_BLOCK);
        } else {
            sha512x4_block(&wk, blk * SHA512_BLOCK);
        }
    }
    for (int i = 0; i < 8; i++) {
        uint64_t v[4];
        _mm256_storeu_si256((__m256i *)v, wk.s[i]);
        for (int l = 0; l < 4; l++) {
            for (int b = 0; b < 8; b++) {
                out[l][8 * i + b] = (uint8_t)(v[l] >> (56 - 8 * b));
            }
        }
        mpc_wipe(v, sizeof v);
    }
    mpc_wipe(&wk, sizeof wk);
}

static int
sha512x4_have_avx2(void)
{
    int m = atomic_load(&sha512x4_mode);
    if (m == 0) {
        __builtin_cpu_init();
        m = !__builtin_cpu_supports("avx2")                                           ? 2
            : __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 3
                                                                                      : 1;
        atomic_store(&sha512x4_mode, m); /* idempotent: a race stores the same value */
    }
    return m == 1 || m == 3;
}

static int
sha512x4_have_vl(void)
{
    return sha512x4_have_avx2() && atomic_load(&sha512x4_mode) == 3;
}

#else

static int
sha512x4_have_avx2(void)
{
    (void)sha512x4_mode;
    return 0;
}

#endif

int
tss_sha512_x4_vectorized(void)
{
    return sha512x4_have_avx2();
}

void
tss_sha512_x4(uint8_t out[4][TSS_SHA512_BYTES], const uint8_t *const msg[4], size_t len)
{
#ifdef SHA512X4_AVX2
    if (len <= TSS_SHA512X4_MAX_LEN && sha512x4_have_avx2()) {
        sha512x4_avx2(out, msg, len, sha512x4_have_vl());
        return;
    }
#endif
    tss_sha512_x4_portable(out, msg, len);
}

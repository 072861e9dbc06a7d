/*
 * gf128.c — constant-time GF(2^128) multiplication (PCLMUL or portable).
 */
#include "tss/gf128.h"

#include <string.h>

#include "common/secmem.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GF128_X86 1
#include <immintrin.h>
#include <wmmintrin.h>
#endif

static uint64_t
load64_le(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    return v;
}

static void
store64_le(uint8_t *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Carry-less 64x64 -> 128 with masks: no branch or index depends on a or b. */
static void
clmul64_portable(uint64_t *lo, uint64_t *hi, uint64_t a, uint64_t b)
{
    uint64_t l = 0, h = 0;
    l ^= a & (0 - (b & 1));
    for (int i = 1; i < 64; i++) {
        uint64_t m = 0 - ((b >> i) & 1);
        l ^= (a << i) & m;
        h ^= (a >> (64 - i)) & m;
    }
    *lo = l;
    *hi = h;
}

static void
mul256_portable(uint64_t r[4], const uint8_t a[16], const uint8_t b[16])
{
    uint64_t a0 = load64_le(a), a1 = load64_le(a + 8);
    uint64_t b0 = load64_le(b), b1 = load64_le(b + 8);
    uint64_t l, h;
    clmul64_portable(&l, &h, a0, b0);
    r[0] = l;
    r[1] = h;
    clmul64_portable(&l, &h, a1, b1);
    r[2] = l;
    r[3] = h;
    clmul64_portable(&l, &h, a0, b1);
    r[1] ^= l;
    r[2] ^= h;
    clmul64_portable(&l, &h, a1, b0);
    r[1] ^= l;
    r[2] ^= h;
}

#ifdef GF128_X86
__attribute__((target("pclmul,sse2"))) static void
mul256_pclmul(uint64_t r[4], const uint8_t a[16], const uint8_t b[16])
{
    __m128i va = _mm_loadu_si128((const __m128i *)(const void *)a);
    __m128i vb = _mm_loadu_si128((const __m128i *)(const void *)b);
    __m128i p00 = _mm_clmulepi64_si128(va, vb, 0x00);
    __m128i p11 = _mm_clmulepi64_si128(va, vb, 0x11);
    __m128i p01 = _mm_clmulepi64_si128(va, vb, 0x10);
    __m128i p10 = _mm_clmulepi64_si128(va, vb, 0x01);
    __m128i mid = _mm_xor_si128(p01, p10);
    uint64_t t[6];
    _mm_storeu_si128((__m128i *)(void *)&t[0], p00);
    _mm_storeu_si128((__m128i *)(void *)&t[2], p11);
    _mm_storeu_si128((__m128i *)(void *)&t[4], mid);
    r[0] = t[0];
    r[1] = t[1] ^ t[4];
    r[2] = t[2] ^ t[5];
    r[3] = t[3];
}
#endif

int
tss_gf128_have_pclmul(void)
{
#ifdef GF128_X86
    return __builtin_cpu_supports("pclmul") ? 1 : 0;
#else
    return 0;
#endif
}

static void
mul256(uint64_t r[4], const uint8_t a[16], const uint8_t b[16])
{
#ifdef GF128_X86
    if (tss_gf128_have_pclmul()) {
        mul256_pclmul(r, a, b);
        return;
    }
#endif
    mul256_portable(r, a, b);
}

/* Reduces the 256-bit r modulo X^128 + X^7 + X^2 + X + 1 into 16 bytes. */
static void
reduce256(uint8_t out[16], const uint64_t r[4])
{
    uint64_t h0 = r[2], h1 = r[3];
    /* H * (1 + X + X^2 + X^7), truncated to 128 bits, plus the bits shifted out. */
    uint64_t lo = h0 ^ (h0 << 1) ^ (h0 << 2) ^ (h0 << 7);
    uint64_t hi = h1 ^ (h1 << 1 | h0 >> 63) ^ (h1 << 2 | h0 >> 62) ^ (h1 << 7 | h0 >> 57);
    uint64_t over = (h1 >> 63) ^ (h1 >> 62) ^ (h1 >> 57); /* < 2^7 */
    lo ^= over ^ (over << 1) ^ (over << 2) ^ (over << 7);
    store64_le(out, r[0] ^ lo);
    store64_le(out + 8, r[1] ^ hi);
}

void
tss_gf128_mul(uint8_t out[TSS_GF128_BYTES], const uint8_t a[TSS_GF128_BYTES],
              const uint8_t b[TSS_GF128_BYTES])
{
    uint64_t r[4];
    mul256(r, a, b);
    reduce256(out, r);
    mpc_wipe(r, sizeof(r));
}

void
tss_gf128_mul_portable(uint8_t out[TSS_GF128_BYTES], const uint8_t a[TSS_GF128_BYTES],
                       const uint8_t b[TSS_GF128_BYTES])
{
    uint64_t r[4];
    mul256_portable(r, a, b);
    reduce256(out, r);
    mpc_wipe(r, sizeof(r));
}

void
tss_gf128_acc_init(struct tss_gf128_acc *acc)
{
    memset(acc, 0, sizeof(*acc));
}

void
tss_gf128_acc_mulxor(struct tss_gf128_acc *acc, const uint8_t a[TSS_GF128_BYTES],
                     const uint8_t b[TSS_GF128_BYTES])
{
    uint64_t r[4];
    mul256(r, a, b);
    for (int i = 0; i < 4; i++) {
        acc->w[i] ^= r[i];
    }
    mpc_wipe(r, sizeof(r));
}

void
tss_gf128_acc_final(uint8_t out[TSS_GF128_BYTES], struct tss_gf128_acc *acc)
{
    reduce256(out, acc->w);
    mpc_wipe(acc, sizeof(*acc));
}

/*
 * secp_mod.c — constant-time arithmetic mod p and mod q.
 *
 * Products and wide inputs: a fixed schoolbook of 64x64 -> 128-bit
 * multiplications and a fold by c = 2^256 - m (no branch, no index on data).
 * Otherwise only GMP functions documented as side-channel silent are used on
 * values: mpn_sec_powm, mpn_add_n, mpn_sub_n, mpn_cnd_add_n, mpn_cnd_swap.
 * Scratch space is a fixed stack buffer whose size is checked by
 * tss_secp_mod_selftest(), and the part GMP used is wiped after every call.
 */
#include "tss/secp_mod.h"

#include <endian.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"

#ifdef TSS_CTIME_VALGRIND
int tss_ctime_classify_secrets;
#endif

/* Fixed scratch size in limbs; GMP 6.2 asks for at most 80 (powm). */
#define SECP_MOD_SCRATCH 128

const struct tss_secp_mod tss_secp_mod_p = {
    .m = {0xFFFFFFFEFFFFFC2FULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL,
          0xFFFFFFFFFFFFFFFFULL},
    .m_minus_2 = {0xFFFFFFFEFFFFFC2DULL, 0xFFFFFFFFFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL,
                  0xFFFFFFFFFFFFFFFFULL},
    .c = {0x00000001000003D1ULL, 0, 0},
};

const struct tss_secp_mod tss_secp_mod_q = {
    .m = {0xBFD25E8CD0364141ULL, 0xBAAEDCE6AF48A03BULL, 0xFFFFFFFFFFFFFFFEULL,
          0xFFFFFFFFFFFFFFFFULL},
    .m_minus_2 = {0xBFD25E8CD036413FULL, 0xBAAEDCE6AF48A03BULL, 0xFFFFFFFFFFFFFFFEULL,
                  0xFFFFFFFFFFFFFFFFULL},
    .c = {0x402DA1732FC9BEBFULL, 0x4551231950B75FC4ULL, 0x1ULL},
};

typedef unsigned __int128 secp_u128;

/*
 * r[0..na+nb) = a[0..na) * b[0..nb). Schoolbook, fixed sequence; r must not
 * alias. Always inlined: every call has constant sizes, so the loops unroll.
 */
static inline __attribute__((always_inline)) void
secp_mul_rows(mp_limb_t *r, const mp_limb_t *a, size_t na, const mp_limb_t *b, size_t nb)
{
#pragma GCC unroll 8
    for (size_t k = 0; k < na + nb; k++) {
        r[k] = 0;
    }
#pragma GCC unroll 4
    for (size_t i = 0; i < na; i++) {
        mp_limb_t carry = 0;
#pragma GCC unroll 4
        for (size_t j = 0; j < nb; j++) {
            secp_u128 t = (secp_u128)a[i] * b[j] + r[i + j] + carry;
            r[i + j] = (mp_limb_t)t;
            carry = (mp_limb_t)(t >> 64);
        }
        r[i + nb] = carry; /* row i is the first to reach limb i + nb */
    }
}

/* r[0..n) += b[0..nb), nb <= n; carries run through all n limbs. Returns: the carry out. */
static inline __attribute__((always_inline)) mp_limb_t
secp_add_into(mp_limb_t *r, size_t n, const mp_limb_t *b, size_t nb)
{
    mp_limb_t carry = 0;
#pragma GCC unroll 8
    for (size_t k = 0; k < n; k++) {
        secp_u128 t = (secp_u128)r[k] + (k < nb ? b[k] : 0) + carry;
        r[k] = (mp_limb_t)t;
        carry = (mp_limb_t)(t >> 64);
    }
    return carry;
}

/*
 * r = w mod m for a 512-bit w (8 limbs). With c = 2^256 - m < 2^129:
 * x1 = w_hi * c + w_lo < 2^386, x2 = x1_hi * c + x1_lo < 2^260,
 * x3 = x2_hi * c + x2_lo < 2^256 + 2^133; when x3 >= 2^256 its low half is
 * below 2^133, so x3_lo + c cannot carry; the result is below 2^256 < 2m and
 * one conditional subtraction of m ends it. Constant time. Wipes its scratch.
 */
static void
secp_fold512(mp_limb_t r[TSS_SECP_LIMBS], const mp_limb_t w[2 * TSS_SECP_LIMBS],
             const struct tss_secp_mod *m)
{
    struct {
        mp_limb_t x1[7], x2[6], x3[5], cc[TSS_SECP_LIMBS], t[TSS_SECP_LIMBS];
    } s; /* one scratch block, one wipe */
    secp_mul_rows(s.x1, w + 4, 4, m->c, TSS_SECP_C_LIMBS);
    (void)secp_add_into(s.x1, 7, w, 4);
    secp_mul_rows(s.x2, s.x1 + 4, 3, m->c, TSS_SECP_C_LIMBS);
    (void)secp_add_into(s.x2, 6, s.x1, 4);
    secp_mul_rows(s.x3, s.x2 + 4, 2, m->c, TSS_SECP_C_LIMBS);
    (void)secp_add_into(s.x3, 5, s.x2, 4);
    mp_limb_t mask = 0 - s.x3[4]; /* x3[4] is 0 or 1 */
    for (int k = 0; k < TSS_SECP_LIMBS; k++) {
        s.cc[k] = k < TSS_SECP_C_LIMBS ? (m->c[k] & mask) : 0;
    }
    (void)secp_add_into(s.x3, TSS_SECP_LIMBS, s.cc, TSS_SECP_LIMBS);
    mp_limb_t borrow = mpn_sub_n(s.t, s.x3, m->m, TSS_SECP_LIMBS);
    mpn_cnd_swap(borrow ^ 1, s.x3, s.t, TSS_SECP_LIMBS);
    memcpy(r, s.x3, TSS_SECP_LIMBS * sizeof(mp_limb_t));
    mpc_wipe(&s, sizeof(s));
}

void
tss_secp_num_from_bytes(struct tss_secp_num *r, const uint8_t in[TSS_SECP_BYTES])
{
    for (int l = 0; l < TSS_SECP_LIMBS; l++) {
        mp_limb_t v = 0;
        for (int b = 0; b < 8; b++) {
            v = (v << 8) | in[(TSS_SECP_LIMBS - 1 - l) * 8 + b];
        }
        r->v[l] = v;
    }
}

void
tss_secp_num_to_bytes(uint8_t out[TSS_SECP_BYTES], const struct tss_secp_num *a)
{
    for (int l = 0; l < TSS_SECP_LIMBS; l++) {
        mp_limb_t v = a->v[l];
        for (int b = 7; b >= 0; b--) {
            out[(TSS_SECP_LIMBS - 1 - l) * 8 + b] = (uint8_t)(v & 0xff);
            v >>= 8;
        }
    }
}

void
tss_secp_num_set_u64(struct tss_secp_num *r, uint64_t v)
{
    memset(r, 0, sizeof(*r));
    r->v[0] = v;
}

int
tss_secp_num_is_reduced(const struct tss_secp_num *a, const struct tss_secp_mod *m)
{
    mp_limb_t t[TSS_SECP_LIMBS];
    mp_limb_t borrow = mpn_sub_n(t, a->v, m->m, TSS_SECP_LIMBS);
    mpc_wipe(t, sizeof(t));
    return (int)borrow;
}

int
tss_secp_num_is_zero(const struct tss_secp_num *a)
{
    mp_limb_t acc = 0;
    for (int l = 0; l < TSS_SECP_LIMBS; l++) {
        acc |= a->v[l];
    }
    /* (acc | -acc) has its top bit set iff acc != 0. */
    return (int)(1 ^ ((acc | (0 - acc)) >> 63));
}

int
tss_secp_num_eq(const struct tss_secp_num *a, const struct tss_secp_num *b)
{
    struct tss_secp_num d;
    for (int l = 0; l < TSS_SECP_LIMBS; l++) {
        d.v[l] = a->v[l] ^ b->v[l];
    }
    int r = tss_secp_num_is_zero(&d);
    mpc_wipe(&d, sizeof(d));
    return r;
}

void
tss_secp_num_select(struct tss_secp_num *r, const struct tss_secp_num *a,
                    const struct tss_secp_num *b, int flag)
{
    mp_limb_t mask = 0 - (mp_limb_t)(flag & 1);
    for (int l = 0; l < TSS_SECP_LIMBS; l++) {
        r->v[l] = (a->v[l] & ~mask) | (b->v[l] & mask);
    }
}

void
tss_secp_num_cswap(struct tss_secp_num *a, struct tss_secp_num *b, int flag)
{
    mpn_cnd_swap((mp_limb_t)(flag & 1), a->v, b->v, TSS_SECP_LIMBS);
}

void
tss_secp_mod_add(struct tss_secp_num *r, const struct tss_secp_num *a, const struct tss_secp_num *b,
                 const struct tss_secp_mod *m)
{
    mp_limb_t s[TSS_SECP_LIMBS];
    mp_limb_t t[TSS_SECP_LIMBS];
    mp_limb_t carry = mpn_add_n(s, a->v, b->v, TSS_SECP_LIMBS);
    mp_limb_t borrow = mpn_sub_n(t, s, m->m, TSS_SECP_LIMBS);
    /* Use s - m when the sum overflowed 2^256 or is >= m. */
    mp_limb_t use_t = carry | (borrow ^ 1);
    mpn_cnd_swap(use_t, s, t, TSS_SECP_LIMBS);
    memcpy(r->v, s, sizeof(s));
    mpc_wipe(s, sizeof(s));
    mpc_wipe(t, sizeof(t));
}

void
tss_secp_mod_sub(struct tss_secp_num *r, const struct tss_secp_num *a, const struct tss_secp_num *b,
                 const struct tss_secp_mod *m)
{
    mp_limb_t d[TSS_SECP_LIMBS];
    mp_limb_t borrow = mpn_sub_n(d, a->v, b->v, TSS_SECP_LIMBS);
    (void)mpn_cnd_add_n(borrow, d, d, m->m, TSS_SECP_LIMBS);
    memcpy(r->v, d, sizeof(d));
    mpc_wipe(d, sizeof(d));
}

void
tss_secp_mod_neg(struct tss_secp_num *r, const struct tss_secp_num *a, const struct tss_secp_mod *m)
{
    struct tss_secp_num zero = {{0}};
    tss_secp_mod_sub(r, &zero, a, m);
}

void
tss_secp_mod_mul(struct tss_secp_num *r, const struct tss_secp_num *a, const struct tss_secp_num *b,
                 const struct tss_secp_mod *m)
{
    mp_limb_t w[2 * TSS_SECP_LIMBS];
    secp_mul_rows(w, a->v, TSS_SECP_LIMBS, b->v, TSS_SECP_LIMBS);
    secp_fold512(r->v, w, m);
    mpc_wipe(w, sizeof(w));
}

/* Returns: 1 if the 256-bit exponent e is zero, else 0. Constant time. */
static int
secp_exp_is_zero(const mp_limb_t e[TSS_SECP_LIMBS])
{
    struct tss_secp_num t;
    memcpy(t.v, e, sizeof(t.v));
    int z = tss_secp_num_is_zero(&t);
    mpc_wipe(&t, sizeof(t));
    return z;
}

/*
 * GMP requires B > 0 for mpn_sec_powm. A zero base (a secret may be zero, and
 * inv(0) must be 0) is replaced by 1 before the call and the result is then
 * selected in constant time: 0^e = 0 for e > 0, and x^0 = 1 for every x.
 */
void
tss_secp_mod_pow(struct tss_secp_num *r, const struct tss_secp_num *a,
                 const mp_limb_t e[TSS_SECP_LIMBS], const struct tss_secp_mod *m)
{
    struct tss_secp_num base, res, zero = {{0}}, one;
    mp_limb_t tp[SECP_MOD_SCRATCH];
    mp_size_t itch = mpn_sec_powm_itch(TSS_SECP_LIMBS, 256, TSS_SECP_LIMBS);
    tss_secp_num_set_u64(&one, 1);
    int a_zero = tss_secp_num_is_zero(a);
    int e_zero = secp_exp_is_zero(e);
    tss_secp_num_select(&base, a, &one, a_zero);
    mpn_sec_powm(res.v, base.v, TSS_SECP_LIMBS, e, 256, m->m, TSS_SECP_LIMBS, tp);
    tss_secp_num_select(r, &res, &zero, a_zero & (e_zero ^ 1));
    mpc_wipe(&base, sizeof(base));
    mpc_wipe(&res, sizeof(res));
    mpc_wipe(tp, (size_t)itch * sizeof(mp_limb_t));
}

void
tss_secp_mod_inv(struct tss_secp_num *r, const struct tss_secp_num *a, const struct tss_secp_mod *m)
{
    tss_secp_mod_pow(r, a, m->m_minus_2, m);
}

mpc_status
tss_secp_mod_reduce_bytes(struct tss_secp_num *r, const uint8_t *in, size_t len,
                          const struct tss_secp_mod *m)
{
    memset(r, 0, sizeof(*r));
    if (in == NULL || len == 0 || len > 64) {
        return MPC_ERR_INVALID_ARG;
    }
    struct {
        uint8_t be[8 * 2 * TSS_SECP_LIMBS];
        mp_limb_t w[2 * TSS_SECP_LIMBS];
    } s = {{0}, {0}};
    /* Big-endian bytes, right-aligned in 512 bits, into little-endian limbs. */
    memcpy(s.be + sizeof(s.be) - len, in, len);
    for (int l = 0; l < 2 * TSS_SECP_LIMBS; l++) {
        uint64_t v;
        memcpy(&v, s.be + (2 * TSS_SECP_LIMBS - 1 - l) * 8, 8);
        s.w[l] = be64toh(v);
    }
    secp_fold512(r->v, s.w, m);
    mpc_wipe(&s, sizeof(s));
    return MPC_OK;
}

mpc_status
tss_secp_mod_selftest(void)
{
    mp_size_t need = mpn_sec_powm_itch(TSS_SECP_LIMBS, 256, TSS_SECP_LIMBS);
    if (need < 0 || need > SECP_MOD_SCRATCH) {
        return MPC_ERR_SELFTEST;
    }
    /* The fold's bounds: m + c == 2^256 and c < 2^129, for both moduli. */
    const struct tss_secp_mod *mods[] = {&tss_secp_mod_p, &tss_secp_mod_q};
    for (size_t i = 0; i < 2; i++) {
        mp_limb_t s[TSS_SECP_LIMBS];
        memcpy(s, mods[i]->m, sizeof(s));
        mp_limb_t carry = secp_add_into(s, TSS_SECP_LIMBS, mods[i]->c, TSS_SECP_C_LIMBS);
        struct tss_secp_num z;
        memcpy(z.v, s, sizeof(z.v));
        if (carry != 1 || !tss_secp_num_is_zero(&z) || mods[i]->c[2] > 1) {
            return MPC_ERR_SELFTEST;
        }
    }
    /* (q - 1) * (q - 1) == 1 and 2 * 2^-1 == 1 mod p. */
    struct tss_secp_num a, one, t;
    tss_secp_num_set_u64(&one, 1);
    tss_secp_mod_neg(&a, &one, &tss_secp_mod_q);
    tss_secp_mod_mul(&t, &a, &a, &tss_secp_mod_q);
    if (!tss_secp_num_eq(&t, &one)) {
        return MPC_ERR_SELFTEST;
    }
    tss_secp_num_set_u64(&a, 2);
    tss_secp_mod_inv(&t, &a, &tss_secp_mod_p);
    tss_secp_mod_mul(&t, &t, &a, &tss_secp_mod_p);
    if (!tss_secp_num_eq(&t, &one)) {
        return MPC_ERR_SELFTEST;
    }
    return MPC_OK;
}

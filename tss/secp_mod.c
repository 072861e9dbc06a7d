/*
 * secp_mod.c — constant-time arithmetic mod p and mod q over GMP mpn_sec_*.
 *
 * Only GMP functions documented as side-channel silent are used on values:
 * mpn_sec_mul, mpn_sec_div_r, mpn_sec_powm, mpn_add_n, mpn_sub_n, mpn_cnd_add_n,
 * mpn_cnd_swap. Scratch space is a fixed stack buffer whose size is checked by
 * tss_secp_mod_selftest(), and the part GMP used is wiped after every call.
 */
#include "tss/secp_mod.h"

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
};

const struct tss_secp_mod tss_secp_mod_q = {
    .m = {0xBFD25E8CD0364141ULL, 0xBAAEDCE6AF48A03BULL, 0xFFFFFFFFFFFFFFFEULL,
          0xFFFFFFFFFFFFFFFFULL},
    .m_minus_2 = {0xBFD25E8CD036413FULL, 0xBAAEDCE6AF48A03BULL, 0xFFFFFFFFFFFFFFFEULL,
                  0xFFFFFFFFFFFFFFFFULL},
};

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
    mp_limb_t tp[SECP_MOD_SCRATCH];
    mp_size_t itch = mpn_sec_div_r_itch(2 * TSS_SECP_LIMBS, TSS_SECP_LIMBS);
    mp_size_t itch_mul = mpn_sec_mul_itch(TSS_SECP_LIMBS, TSS_SECP_LIMBS);
    if (itch_mul > itch) {
        itch = itch_mul;
    }
    mpn_sec_mul(w, a->v, TSS_SECP_LIMBS, b->v, TSS_SECP_LIMBS, tp);
    mpn_sec_div_r(w, 2 * TSS_SECP_LIMBS, m->m, TSS_SECP_LIMBS, tp);
    memcpy(r->v, w, sizeof(r->v));
    mpc_wipe(w, sizeof(w));
    mpc_wipe(tp, (size_t)itch * sizeof(mp_limb_t));
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
    mp_limb_t w[8] = {0};
    mp_limb_t tp[SECP_MOD_SCRATCH];
    /* Big-endian bytes into little-endian limbs. */
    for (size_t i = 0; i < len; i++) {
        size_t bitpos = (len - 1 - i) * 8;
        w[bitpos / 64] |= (mp_limb_t)in[i] << (bitpos % 64);
    }
    mp_size_t nn = (mp_size_t)((len + 7) / 8);
    if (nn < TSS_SECP_LIMBS) {
        nn = TSS_SECP_LIMBS;
    }
    /* A 4-limb input may still be >= m: the division handles nn == dn too. */
    mp_size_t itch = mpn_sec_div_r_itch(nn, TSS_SECP_LIMBS);
    mpn_sec_div_r(w, nn, m->m, TSS_SECP_LIMBS, tp);
    memcpy(r->v, w, sizeof(r->v));
    mpc_wipe(w, sizeof(w));
    mpc_wipe(tp, (size_t)itch * sizeof(mp_limb_t));
    return MPC_OK;
}

mpc_status
tss_secp_mod_selftest(void)
{
    mp_size_t need[] = {
        mpn_sec_mul_itch(TSS_SECP_LIMBS, TSS_SECP_LIMBS),
        mpn_sec_div_r_itch(2 * TSS_SECP_LIMBS, TSS_SECP_LIMBS),
        mpn_sec_div_r_itch(TSS_SECP_LIMBS, TSS_SECP_LIMBS),
        mpn_sec_powm_itch(TSS_SECP_LIMBS, 256, TSS_SECP_LIMBS),
    };
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (need[i] < 0 || need[i] > SECP_MOD_SCRATCH) {
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

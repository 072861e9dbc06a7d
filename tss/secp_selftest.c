/*
 * secp_selftest.c — start-up self-test of the secp256k1 backend (tss_secp_selftest).
 *
 * Cheap known-answer and cross checks, run once per tss_secp_ctx_create(): if
 * GMP, libsecp256k1 or our CT code disagree on this machine, nothing signs.
 */
#include "tss/secp256k1.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/secp_h2c.h"

/* Generator G (spec Appendix A), uncompressed coordinates. */
static const uint8_t SELFTEST_GX[32] = {
    0x79, 0xBE, 0x66, 0x7E, 0xF9, 0xDC, 0xBB, 0xAC, 0x55, 0xA0, 0x62, 0x95, 0xCE, 0x87, 0x0B, 0x07,
    0x02, 0x9B, 0xFC, 0xDB, 0x2D, 0xCE, 0x28, 0xD9, 0x59, 0xF2, 0x81, 0x5B, 0x16, 0xF8, 0x17, 0x98};
static const uint8_t SELFTEST_GY[32] = {
    0x48, 0x3A, 0xDA, 0x77, 0x26, 0xA3, 0xC4, 0x65, 0x5D, 0xA4, 0xFB, 0xFC, 0x0E, 0x11, 0x08, 0xA8,
    0xFD, 0x17, 0xB4, 0x48, 0xA6, 0x85, 0x54, 0x19, 0x9C, 0x47, 0xD0, 0x8F, 0xFB, 0x10, 0xD4, 0xB8};
/* RFC 9380 J.8.1, msg "": P.x and P.y. */
static const uint8_t SELFTEST_H2C_PX[32] = {
    0xc1, 0xca, 0xe2, 0x90, 0xe2, 0x91, 0xae, 0xe6, 0x17, 0xeb, 0xae, 0xf1, 0xbe, 0x6d, 0x73, 0x86,
    0x14, 0x79, 0xc4, 0x8b, 0x84, 0x1e, 0xab, 0xa9, 0xb7, 0xb5, 0x85, 0x2d, 0xdf, 0xeb, 0x13, 0x46};
static const uint8_t SELFTEST_H2C_PY[32] = {
    0x64, 0xfa, 0x67, 0x8e, 0x07, 0xae, 0x11, 0x61, 0x26, 0xf0, 0x8b, 0x02, 0x2a, 0x94, 0xaf, 0x6d,
    0xe1, 0x59, 0x85, 0xc9, 0x96, 0xc3, 0xa9, 0x1b, 0x64, 0xc4, 0x06, 0xa9, 0x60, 0xe5, 0x10, 0x67};
static const char SELFTEST_DST[] = "QUUX-V01-CS02-with-secp256k1_XMD:SHA-256_SSWU_RO_";

static int
ge_equal(const struct tss_secp_ge *a, const struct tss_secp_ge *b)
{
    return tss_secp_num_eq(&a->x, &b->x) & tss_secp_num_eq(&a->y, &b->y);
}

/* BASE(1) == G; BASE(3) == CT-add(BASE(1), BASE(2)) == MUL_CT(3, G) == MUL_PUB(3, G) == combine. */
static mpc_status
selftest_points(const tss_secp_ctx *ctx)
{
    uint8_t k[32] = {0};
    secp256k1_pubkey g, g2, g3, pub3, sum;
    struct tss_secp_ge e1, e2, e3, ct3, add3, exp;
    k[31] = 1;
    if (tss_secp_point_base(ctx, &g, &e1, k) != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    tss_secp_num_from_bytes(&exp.x, SELFTEST_GX);
    tss_secp_num_from_bytes(&exp.y, SELFTEST_GY);
    if (!ge_equal(&e1, &exp) || !tss_secp_ge_is_on_curve(&e1)) {
        return MPC_ERR_SELFTEST;
    }
    k[31] = 2;
    if (tss_secp_point_base(ctx, &g2, &e2, k) != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    k[31] = 3;
    if (tss_secp_point_base(ctx, &g3, &e3, k) != MPC_OK ||
        tss_secp_point_mul_ct(ctx, &ct3, &g, k) != MPC_OK ||
        tss_secp_point_mul_pub(ctx, &pub3, &g, k) != MPC_OK ||
        tss_secp_ge_add_ct(&add3, &e1, &e2) != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    const secp256k1_pubkey *ins[2] = {&g, &g2};
    if (tss_secp_point_sum(ctx, &sum, ins, 2) != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    uint8_t a[33], b[33], c[33], d[33];
    tss_secp_ge_encode(a, &add3);
    tss_secp_ge_encode(b, &ct3);
    if (tss_secp_point_encode(ctx, c, &pub3) != MPC_OK ||
        tss_secp_point_encode(ctx, d, &sum) != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    if (!ge_equal(&add3, &e3) || memcmp(a, b, 33) != 0 || memcmp(a, c, 33) != 0 ||
        memcmp(a, d, 33) != 0) {
        return MPC_ERR_SELFTEST;
    }
    /* P + (-P) must be refused by CT-add. */
    struct tss_secp_ge neg;
    tss_secp_ge_neg(&neg, &e1);
    if (tss_secp_ge_add_ct(&add3, &e1, &neg) != MPC_ERR_IDENTITY_POINT) {
        return MPC_ERR_SELFTEST;
    }
    return MPC_OK;
}

mpc_status
tss_secp_selftest(const tss_secp_ctx *ctx)
{
    if (ctx == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (tss_secp_mod_selftest() != MPC_OK || selftest_points(ctx) != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    struct tss_secp_ge h, exp;
    if (tss_secp_h2c(&h, NULL, 0, (const uint8_t *)SELFTEST_DST, strlen(SELFTEST_DST)) != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    tss_secp_num_from_bytes(&exp.x, SELFTEST_H2C_PX);
    tss_secp_num_from_bytes(&exp.y, SELFTEST_H2C_PY);
    if (!ge_equal(&h, &exp)) {
        return MPC_ERR_SELFTEST;
    }
    return MPC_OK;
}

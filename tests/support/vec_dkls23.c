/*
 * vec_dkls23.c — DKLs23 spec Appendix B vectors and RFC 9380 J.8.1 (see header).
 */
#include "tests/support/vec_dkls23.h"

#include <string.h>

#include "common/hex.h"
#include "common/secmem.h"
#include "tss/dkls_baseot.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_ote.h"
#include "tss/dkls_rvole.h"
#include "tss/gf128.h"
#include "tss/secp256k1.h"
#include "tss/secp_h2c.h"

/* Counters and output of one run. */
struct vec_run {
    FILE *out;  /* report stream */
    int passed; /* checks that matched */
    int failed; /* checks that did not */
};

static void
vec_check(struct vec_run *r, const char *name, const uint8_t *got, size_t len, const char *want_hex)
{
    uint8_t want[256];
    char hex[2 * 256 + 1];
    int ok = len <= sizeof(want) && mpc_hex_decode_exact(want, len, want_hex) == MPC_OK &&
             memcmp(got, want, len) == 0;
    if (ok) {
        r->passed++;
        fprintf(r->out, "ok   %s\n", name);
        return;
    }
    r->failed++;
    if (len <= 256 && mpc_hex_encode(hex, sizeof(hex), got, len) == MPC_OK) {
        fprintf(r->out, "FAIL %s: got %s\n", name, hex);
    } else {
        fprintf(r->out, "FAIL %s\n", name);
    }
}

static void
vec_fail(struct vec_run *r, const char *name, const char *why)
{
    r->failed++;
    fprintf(r->out, "FAIL %s: %s\n", name, why);
}

static void
vec_hashes(struct vec_run *r)
{
    uint8_t buf[64];
    size_t len = 0;
    const struct tss_dkls_part fp[] = {{"ab", 2}, {"", 0}};
    if (tss_dkls_frame(buf, sizeof(buf), &len, (const uint8_t *)"t", 1, fp, 2) != MPC_OK) {
        vec_fail(r, "frame(\"t\", [\"ab\", \"\"])", "error");
    } else {
        vec_check(r, "frame(\"t\", [\"ab\", \"\"])", buf, len, "000174000200000002616200000000");
    }
    const struct tss_dkls_part hp[] = {{"abc", 3}, {"", 0}};
    tss_dkls_h32(buf, "test", hp, 2);
    vec_check(r, "H32(test, \"abc\", \"\")", buf, 32,
              "a77eae23ff2c8a0ca9595afc93831c053eb36118031a7d908c353f4aaf4f83c7");
    struct tss_secp_num s;
    tss_dkls_h2s(&s, "test", hp, 2);
    tss_secp_scalar_encode(buf, &s);
    vec_check(r, "H2S(test, \"abc\", \"\")", buf, 32,
              "d7c07133e7703742b3cd342bb5129e97a1697867dc2c2e00d1380bd579a91d67");
    uint8_t key[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)i;
    }
    tss_dkls_prg(buf, 64, key);
    vec_check(r, "PRG(00..1f, 64)", buf, 64,
              "39fd2b7dd9c5196a8dbd0377b8dc4a498a35d86fbcde6accb2cc7d4cd8ea2492"
              "2b23cce7a26023ab3f0eef693ac87f64258235eab1f7a32dc22762a0485b410c");
}

static void
vec_gf128(struct vec_run *r)
{
    uint8_t a[16], b[16], x[16] = {0x02}, x127[16] = {0}, o[16];
    x127[15] = 0x80;
    for (int i = 0; i < 16; i++) {
        a[i] = (uint8_t)i;
        b[i] = (uint8_t)(16 + i);
    }
    tss_gf128_mul(o, a, b);
    vec_check(r, "gf_mul(00..0f, 10..1f)", o, 16, "c041ee395862761aa00a8e7238291651");
    tss_gf128_mul_portable(o, a, b);
    vec_check(r, "gf_mul(00..0f, 10..1f) portable", o, 16, "c041ee395862761aa00a8e7238291651");
    tss_gf128_mul(o, x, x127);
    vec_check(r, "gf_mul(X, X^127)", o, 16, "87000000000000000000000000000000");
    tss_gf128_mul(o, x127, x127);
    vec_check(r, "gf_mul(X^127, X^127)", o, 16, "671000000000000000000000000000c0");
    tss_gf128_mul_portable(o, x127, x127);
    vec_check(r, "gf_mul(X^127, X^127) portable", o, 16, "671000000000000000000000000000c0");
}

static void
vec_lagrange_one(struct vec_run *r, const char *name, const uint32_t *set, size_t n, uint32_t j,
                 const char *want)
{
    uint8_t ids[8][32], jid[32], out[32];
    for (size_t k = 0; k < n; k++) {
        tss_dkls_id_encode(ids[k], set[k]);
    }
    tss_dkls_id_encode(jid, j);
    if (tss_secp_lagrange(out, (const uint8_t(*)[32])ids, n, jid) != MPC_OK) {
        vec_fail(r, name, "error");
        return;
    }
    vec_check(r, name, out, 32, want);
}

static void
vec_lagrange(struct vec_run *r)
{
    const uint32_t s13[] = {1, 3}, s245[] = {2, 4, 5};
    vec_lagrange_one(r, "lambda_1 over {1,3}", s13, 2, 1,
                     "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a2");
    vec_lagrange_one(r, "lambda_3 over {1,3}", s13, 2, 3,
                     "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");
    vec_lagrange_one(r, "lambda_2 over {2,4,5}", s245, 3, 2,
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9d1c9e899ca306ad27fe1945de0242b84");
}

/* RFC 9380 J.8.1 messages and expected P (x || y). */
struct h2c_vec {
    const char *name; /* printable name */
    const char *msg;  /* message */
    const char *p;    /* P.x || P.y */
};

static void
vec_h2c_rfc(struct vec_run *r)
{
    static const char dst[] = "QUUX-V01-CS02-with-secp256k1_XMD:SHA-256_SSWU_RO_";
    char q128[5 + 128 + 1], a512[5 + 512 + 1];
    memcpy(q128, "q128_", 5);
    memset(q128 + 5, 'q', 128);
    q128[133] = 0;
    memcpy(a512, "a512_", 5);
    memset(a512 + 5, 'a', 512);
    a512[517] = 0;
    const struct h2c_vec v[] = {
        {"RFC 9380 J.8.1 P(\"\")", "",
         "c1cae290e291aee617ebaef1be6d73861479c48b841eaba9b7b5852ddfeb1346"
         "64fa678e07ae116126f08b022a94af6de15985c996c3a91b64c406a960e51067"},
        {"RFC 9380 J.8.1 P(\"abc\")", "abc",
         "3377e01eab42db296b512293120c6cee72b6ecf9f9205760bd9ff11fb3cb2c4b"
         "7f95890f33efebd1044d382a01b1bee0900fb6116f94688d487c6c7b9c8371f6"},
        {"RFC 9380 J.8.1 P(\"abcdef0123456789\")", "abcdef0123456789",
         "bac54083f293f1fe08e4a70137260aa90783a5cb84d3f35848b324d0674b0e3a"
         "4436476085d4c3c4508b60fcf4389c40176adce756b398bdee27bca19758d828"},
        {"RFC 9380 J.8.1 P(\"q128_q...\")", q128,
         "e2167bc785333a37aa562f021f1e881defb853839babf52a7f72b102e41890e9"
         "f2401dd95cc35867ffed4f367cd564763719fbc6a53e969fb8496a1e6685d873"},
        {"RFC 9380 J.8.1 P(\"a512_a...\")", a512,
         "e3c8d35aaaf0b9b647e88a0a0a7ee5d5bed5ad38238152e4e6fd8c1f8cb7c998"
         "8446eeb6181bf12f56a9d24e262221cc2f0c4725c7e3803024b5888ee5823aa6"},
    };
    uint8_t xy[64];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct tss_secp_ge p;
        if (tss_secp_h2c(&p, (const uint8_t *)v[i].msg, strlen(v[i].msg), (const uint8_t *)dst,
                         sizeof(dst) - 1) != MPC_OK) {
            vec_fail(r, v[i].name, "error");
            continue;
        }
        tss_secp_num_to_bytes(xy, &p.x);
        tss_secp_num_to_bytes(xy + 32, &p.y);
        vec_check(r, v[i].name, xy, 64, v[i].p);
    }
    /* Intermediate values for msg "": u0, u1, Q0, Q1. */
    struct tss_secp_num u[2];
    struct tss_secp_ge q;
    if (tss_secp_h2c_field(u, NULL, 0, (const uint8_t *)dst, sizeof(dst) - 1) != MPC_OK) {
        vec_fail(r, "RFC 9380 J.8.1 u(\"\")", "error");
        return;
    }
    tss_secp_num_to_bytes(xy, &u[0]);
    tss_secp_num_to_bytes(xy + 32, &u[1]);
    vec_check(r, "RFC 9380 J.8.1 u0 || u1 (\"\")", xy, 64,
              "6b0f9910dd2ba71c78f2ee9f04d73b5f4c5f7fc773a701abea1e573cab002fb3"
              "1ae6c212e08fe1a5937f6202f929a2cc8ef4ee5b9782db68b0d5799fd8f09e16");
    const char *qwant[2] = {"74519ef88b32b425a095e4ebcc84d81b64e9e2c2675340a720bb1a1857b99f1e"
                            "c174fa322ab7c192e11748beed45b508e9fdb1ce046dee9c2cd3a2a86b410936",
                            "44548adb1b399263ded3510554d28b4bead34b8cf9a37b4bd0bd2ba4db87ae63"
                            "96eb8e2faf05e368efe5957c6167001760233e6dd2487516b46ae725c4cce0c6"};
    const char *qname[2] = {"RFC 9380 J.8.1 Q0(\"\")", "RFC 9380 J.8.1 Q1(\"\")"};
    for (int k = 0; k < 2; k++) {
        if (tss_secp_h2c_map(&q, &u[k]) != MPC_OK) {
            vec_fail(r, qname[k], "error");
            continue;
        }
        tss_secp_num_to_bytes(xy, &q.x);
        tss_secp_num_to_bytes(xy + 32, &q.y);
        vec_check(r, qname[k], xy, 64, qwant[k]);
    }
}

static void
vec_ote(struct vec_run *r, const tss_secp_ctx *ctx)
{
    uint8_t sid[32] = {0}, g_pt[33], out[80];
    struct tss_secp_ge h;
    struct tss_secp_num s;
    uint8_t one[32] = {0};
    one[31] = 1;
    secp256k1_pubkey g;
    if (tss_secp_point_base(ctx, &g, NULL, one) != MPC_OK ||
        tss_secp_point_encode(ctx, g_pt, &g) != MPC_OK ||
        tss_dkls_baseot_hpt(&h, sid, 0, 1, g_pt) != MPC_OK) {
        vec_fail(r, "Hpt(0^32, 0, 1, G)", "error");
    } else {
        tss_secp_ge_encode(out, &h);
        vec_check(r, "Hpt(0^32, 0, 1, G)", out, 33,
                  "023b077f90f9e7a1c05f4a12c14df1efda9291e778686c95c946a09ac547a071ca");
    }
    uint8_t b1[32], b2[32], b3[32], b4[32], b5[16], b6[32];
    memset(b1, 0x01, 32);
    memset(b2, 0x02, 32);
    memset(b3, 0x03, 32);
    memset(b4, 0x04, 32);
    memset(b5, 0x05, 16);
    memset(b6, 0x06, 32);
    tss_dkls_rvole_gadget(&s, b1, 0);
    tss_secp_scalar_encode(out, &s);
    vec_check(r, "g_0 (ote_sid = 01^32)", out, 32,
              "e4979e53d7a593db1a2b10af1be41785ce4b1a678e755e2f890a1e5f803be0da");
    tss_dkls_rvole_gadget(&s, b1, 415);
    tss_secp_scalar_encode(out, &s);
    vec_check(r, "g_415 (ote_sid = 01^32)", out, 32,
              "8d20ad16de47531b90b9c78caa133c7e1eb7660c7c1267fda5276125056f966a");
    tss_dkls_ote_column(out, b2, 5, b3);
    vec_check(r, "column i = 5 (ote_sid = 02^32, seed = 03^32)", out, 80,
              "7004789249d96d413c1008f4dbcbcc98f67690e21a66d67261650aaf68e936b09cea99e7f0e60162"
              "e6cd2278fe81af8d9102870c443f3c021ad2a43c9bd4e1503d5ee434392ad1b92d741ecbe456811b");
    tss_dkls_rvole_ot_out(&s, b4, 1, 2, b5);
    tss_secp_scalar_encode(out, &s);
    vec_check(r, "ote/out(04^32, 1, 2, 05^16)", out, 32,
              "912d8fbbf02e5e2db5d3f320c11b5f726942e622cd7a7cea4477e8622d8e9664");
    static uint8_t u[TSS_DKLS_OTE_U_BYTES];
    static uint8_t chis[TSS_DKLS_OTE_ROWS][16];
    for (size_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        memset(u + i * TSS_DKLS_OTE_COL_BYTES, (int)i, TSS_DKLS_OTE_COL_BYTES);
    }
    tss_dkls_ote_chis(chis, b6, u);
    vec_check(r, "chi_0 (ote_sid = 06^32)", chis[0], 16, "faf3591999ac6fe83663d1633d7cad8e");
    vec_check(r, "chi_639 (ote_sid = 06^32)", chis[639], 16, "680430ac6354c3b6942d9cda72d6784f");
}

static void
vec_baseot(struct vec_run *r, const tss_secp_ctx *ctx)
{
    uint8_t sid[32] = {0}, rho[32] = {0}, s[32] = {0}, a[32] = {0};
    uint8_t pair[66], s_pt[33], k0[32], k1[32], kr[32];
    secp256k1_pubkey spk;
    rho[31] = 3;
    s[31] = 5;
    a[31] = 7;
    if (tss_dkls_baseot_pair_make(ctx, pair, sid, 0, 1, rho, s) != MPC_OK ||
        tss_secp_point_base(ctx, &spk, NULL, a) != MPC_OK ||
        tss_secp_point_encode(ctx, s_pt, &spk) != MPC_OK ||
        tss_dkls_baseot_sender_keys(ctx, k0, k1, sid, 0, a, s_pt, pair) != MPC_OK ||
        tss_dkls_baseot_receiver_key(ctx, kr, sid, 0, 1, s, s_pt, pair) != MPC_OK) {
        vec_fail(r, "base OT KAT", "error");
        return;
    }
    vec_check(r, "base OT P^0 (= 3G)", pair, 33,
              "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9");
    vec_check(r, "base OT P^1", pair + 33, 33,
              "02192d0a1e56488a46b252b7561f73c3a909676f09d43e62d5a4ba4a7926bfd6ef");
    vec_check(r, "base OT K^0 (sender)", k0, 32,
              "924cb347a8e10309400d4bf059e49780c4d76f5c78cc33794db640e87ea1e021");
    vec_check(r, "base OT K^1 (sender)", k1, 32,
              "65f135d493a86bfa4cf1d419b9c3c034a8205163fbcc041ba8396aa4655fdedb");
    vec_check(r, "base OT K^1 (receiver, c = 1)", kr, 32,
              "65f135d493a86bfa4cf1d419b9c3c034a8205163fbcc041ba8396aa4655fdedb");
}

/* Zero sharing (spec §2.1, §6.3): seed, PRF and ζ_i against the reference model. */
static void
vec_zero(struct vec_run *r)
{
    uint8_t ctx7[32], c1[32], c3[32], zsid[32], seed[32], out[32];
    memset(ctx7, 0x07, 32);
    memset(c1, 0x08, 32);
    memset(c3, 0x09, 32);
    tss_dkls_zero_seed(seed, ctx7, 3, c3, 1, c1);
    vec_check(r, "zero/seed(07^32, ID(1), ID(3), 08^32, 09^32)", seed, 32,
              "ed5e70fc87836093cb12dbc643284460397eca99d60ef0c7e3fb91d2e621bfc6");
    struct tss_secp_num z;
    memset(zsid, 0x0a, 32);
    tss_dkls_zero_prf(&z, seed, zsid);
    tss_secp_scalar_encode(out, &z);
    vec_check(r, "zero/prf(seed, 0a^32)", out, 32,
              "36d3f6c0e438a2a4744f9eeb038577c5a2b21c952dc142ef81c9bbaff4915614");
    /* seeds 0b (pair 1,2), 0c (1,3), 0d (2,3); zsid 0e^32 */
    static const char *want[3] = {
        "408ab8adf587bf715abe7c15b3321b21d4e4fcd14e83b5671b7c41e1868d214e",
        "3cec32f37b5ba07bdaa7beb6973e213ba09ee7aaded32811b33a38b5018f40e6",
        "8289145e8f1ca012ca99c533b58fc3a1452af86a81f1c2c2f11be3f64819df0d"};
    static const char *name[3] = {"zeta_1 over {1,2,3}", "zeta_2 over {1,2,3}",
                                  "zeta_3 over {1,2,3}"};
    memset(zsid, 0x0e, 32);
    for (uint32_t i = 1; i <= 3; i++) {
        memset(&z, 0, sizeof(z));
        for (uint32_t j = 1; j <= 3; j++) {
            if (j != i) {
                memset(seed, 0x0b + (int)(i + j - 3), 32); /* 1+2 -> 0b, 1+3 -> 0c, 2+3 -> 0d */
                tss_dkls_zero_add(&z, i, j, seed, zsid);
            }
        }
        tss_secp_scalar_encode(out, &z);
        vec_check(r, name[i - 1], out, 32, want[i - 1]);
    }
    memset(&z, 0, sizeof(z));
    memset(seed, 0x0c, 32);
    tss_dkls_zero_add(&z, 1, 3, seed, zsid);
    tss_secp_scalar_encode(out, &z);
    vec_check(r, "zeta_1 over {1,3}", out, 32,
              "7eaff34096e9d424f072c18ebb6ae95ab9d9152ce9f2e4b2439d8f315595ecc8");
}

int
vec_dkls23_primitives(FILE *out, int *passed, int *failed)
{
    struct vec_run r = {out, 0, 0};
    *passed = 0;
    *failed = 0;
    tss_secp_ctx *ctx = NULL;
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&ctx) != MPC_OK) {
        vec_fail(&r, "backend self-test", "tss_secp_ctx_create failed");
        *failed = r.failed;
        return 1;
    }
    r.passed++;
    fprintf(out, "ok   backend self-test\n");
    vec_hashes(&r);
    vec_gf128(&r);
    vec_lagrange(&r);
    vec_h2c_rfc(&r);
    vec_ote(&r, ctx);
    vec_baseot(&r, ctx);
    vec_zero(&r);
    tss_secp_ctx_destroy(ctx);
    *passed = r.passed;
    *failed = r.failed;
    return r.failed == 0 ? 0 : 1;
}

/*
 * test_dkls_hash.c — frame, streaming hasher, H32/H2S, PRG and the session-id
 * derivations of DKLs23 spec §1.4/§4.1. Expected values come from the spec's
 * Appendix B or are recomputed independently with libsodium over a frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/hex.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_hash.h"

static void
assert_hex(const uint8_t *got, size_t len, const char *hex)
{
    uint8_t want[128];
    assert_true(len <= sizeof(want));
    assert_int_equal(mpc_hex_decode_exact(want, len, hex), MPC_OK);
    assert_memory_equal(got, want, len);
}

static void
test_dkls_frame_vector_and_errors(void **state)
{
    (void)state;
    uint8_t out[32];
    size_t len = 99;
    const struct tss_dkls_part p[] = {{"ab", 2}, {"", 0}};
    assert_int_equal(tss_dkls_frame(out, sizeof(out), &len, (const uint8_t *)"t", 1, p, 2), MPC_OK);
    assert_int_equal(len, 15);
    assert_hex(out, len, "000174000200000002616200000000");
    assert_int_equal(tss_dkls_frame(out, 14, &len, (const uint8_t *)"t", 1, p, 2),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
    assert_int_equal(tss_dkls_frame(NULL, 14, &len, (const uint8_t *)"t", 1, p, 2),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_frame(out, 32, NULL, (const uint8_t *)"t", 1, p, 2),
                     MPC_ERR_INVALID_ARG);
    const struct tss_dkls_part bad[] = {{NULL, 3}};
    assert_int_equal(tss_dkls_frame(out, 32, &len, (const uint8_t *)"t", 1, bad, 1),
                     MPC_ERR_INVALID_ARG);
    /* Moving a byte between parts changes the frame (no concatenation ambiguity). */
    uint8_t out2[32];
    size_t len2 = 0;
    const struct tss_dkls_part p2[] = {{"a", 1}, {"b", 1}};
    assert_int_equal(tss_dkls_frame(out2, sizeof(out2), &len2, (const uint8_t *)"t", 1, p2, 2),
                     MPC_OK);
    assert_true(len != len2 || memcmp(out, out2, len) != 0);
}

static void
test_dkls_h32_h2s_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    struct tss_secp_num s;
    const struct tss_dkls_part p[] = {{"abc", 3}, {"", 0}};
    tss_dkls_h32(d, "test", p, 2);
    assert_hex(d, 32, "a77eae23ff2c8a0ca9595afc93831c053eb36118031a7d908c353f4aaf4f83c7");
    tss_dkls_h2s(&s, "test", p, 2);
    tss_secp_scalar_encode(d, &s);
    assert_hex(d, 32, "d7c07133e7703742b3cd342bb5129e97a1697867dc2c2e00d1380bd579a91d67");
}

/* Streaming in pieces and a copied prefix give the one-shot result. */
static void
test_dkls_hasher_streaming_equals_oneshot(void **state)
{
    (void)state;
    uint8_t big[1000], a[32], b[32], c[32];
    test_rng_bytes(big, sizeof(big));
    const struct tss_dkls_part p[] = {{big, 7}, {big + 7, sizeof(big) - 7}};
    tss_dkls_h32(a, "x/y", p, 2);
    struct tss_dkls_hasher h, h2;
    tss_dkls_hasher_init(&h, TSS_DKLS_H32, "x/y", 2);
    tss_dkls_hasher_part(&h, big, 7);
    h2 = h;
    tss_dkls_hasher_part_begin(&h, sizeof(big) - 7);
    for (size_t off = 7; off < sizeof(big); off += 100) {
        size_t n = sizeof(big) - off < 100 ? sizeof(big) - off : 100;
        tss_dkls_hasher_update(&h, big + off, n);
    }
    tss_dkls_hasher_final32(&h, b);
    tss_dkls_hasher_part(&h2, big + 7, sizeof(big) - 7);
    tss_dkls_hasher_final32(&h2, c);
    assert_memory_equal(a, b, 32);
    assert_memory_equal(a, c, 32);
    /* Independent: SHA-256 of the frame built by tss_dkls_frame. */
    static uint8_t fr[1100];
    size_t flen = 0;
    const char tag[] = "mpc-node/dkls23/v1/x/y";
    assert_int_equal(
        tss_dkls_frame(fr, sizeof(fr), &flen, (const uint8_t *)tag, sizeof(tag) - 1, p, 2), MPC_OK);
    crypto_hash_sha256(b, fr, flen);
    assert_memory_equal(a, b, 32);
}

static void
test_dkls_prg_vector(void **state)
{
    (void)state;
    uint8_t key[32], out[64];
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)i;
    }
    tss_dkls_prg(out, 64, key);
    assert_hex(out, 32, "39fd2b7dd9c5196a8dbd0377b8dc4a498a35d86fbcde6accb2cc7d4cd8ea2492");
    assert_hex(out + 32, 32, "2b23cce7a26023ab3f0eef693ac87f64258235eab1f7a32dc22762a0485b410c");
}

/* setup_id / ote_sid / mul_sid equal SHA-256 of their frames (spec §1.4 table). */
static void
test_dkls_session_ids_match_frames(void **state)
{
    (void)state;
    uint8_t ctx[32], sid[32], nu[32], ida[32], idb[32], got[32], want[32], fr[512];
    size_t flen;
    test_rng_bytes(ctx, 32);
    test_rng_bytes(sid, 32);
    test_rng_bytes(nu, 32);
    tss_dkls_id_encode(ida, 1);
    tss_dkls_id_encode(idb, 0x01020304);
    assert_int_equal(idb[28], 1);
    assert_int_equal(idb[31], 4);
    const char t1[] = "mpc-node/dkls23/v1/ot/setup-id";
    const struct tss_dkls_part p1[] = {{ctx, 32}, {ida, 32}, {idb, 32}};
    assert_int_equal(
        tss_dkls_frame(fr, sizeof(fr), &flen, (const uint8_t *)t1, sizeof(t1) - 1, p1, 3), MPC_OK);
    crypto_hash_sha256(want, fr, flen);
    tss_dkls_setup_id(got, ctx, ida, idb);
    assert_memory_equal(got, want, 32);
    const char t2[] = "mpc-node/dkls23/v1/sign/ote-sid";
    const struct tss_dkls_part p2[] = {{ctx, 32}, {sid, 32}, {ida, 32}, {idb, 32}, {nu, 32}};
    assert_int_equal(
        tss_dkls_frame(fr, sizeof(fr), &flen, (const uint8_t *)t2, sizeof(t2) - 1, p2, 5), MPC_OK);
    crypto_hash_sha256(want, fr, flen);
    tss_dkls_ote_sid(got, ctx, sid, ida, idb, nu);
    assert_memory_equal(got, want, 32);
    const char t3[] = "mpc-node/dkls23/v1/sign/mul-sid";
    const struct tss_dkls_part p3[] = {{sid, 32}, {nu, 32}};
    assert_int_equal(
        tss_dkls_frame(fr, sizeof(fr), &flen, (const uint8_t *)t3, sizeof(t3) - 1, p3, 2), MPC_OK);
    crypto_hash_sha256(want, fr, flen);
    tss_dkls_mul_sid(got, sid, nu);
    assert_memory_equal(got, want, 32);
    /* A fresh nonce gives a fresh ote_sid (spec §4.1). */
    uint8_t other[32];
    nu[0] ^= 1;
    tss_dkls_ote_sid(other, ctx, sid, ida, idb, nu);
    assert_memory_not_equal(other, got, 32);
}

int
main(void)
{
    test_rng_init("test_dkls_hash");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkls_frame_vector_and_errors),
        cmocka_unit_test(test_dkls_h32_h2s_vectors),
        cmocka_unit_test(test_dkls_hasher_streaming_equals_oneshot),
        cmocka_unit_test(test_dkls_prg_vector),
        cmocka_unit_test(test_dkls_session_ids_match_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_hd.c — derivation paths, public child derivation and xpubs
 * (tss/hd.h): the non-hardened steps of BIP32 test vector 2 from its
 * published xpubs (xpub text byte for byte), HASH160 known answers, the
 * tweak identity child = parent + tweak·G at depths 1, 2 and 5 on both
 * curves, and every refusal with its status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/hex.h"
#include "tests/support/test_util.h"
#include "tss/group.h"
#include "tss/hd.h"

static uint64_t seed;

/* BIP32 test vector 2 (bip-0032.mediawiki), the public keys of the chain
 * m, m/0, m/0/2147483647H, .../1, .../2147483646H, .../2. */
static const char *const V2[6] = {
    "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY"
    "47LJhkJ8UB7WEGuduB",
    "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7"
    "ap6r1D3tgFxHmwMkQTPH",
    "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHja"
    "DMBU4Zn9h8LZNnBC5y4a",
    "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ53"
    "7wTfunKau47EL2dhHKon",
    "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRj"
    "aDMzQLcgJvLJuZZvRcEL",
    "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb"
    "9rXpVGyy3bdW6EEgAtqt",
};

static void
test_hd_path_parse_and_format(void **state)
{
    (void)state;
    tss_hd_path p;
    char buf[TSS_HD_PATH_CHARS];
    assert_int_equal(tss_hd_path_parse(&p, "m"), MPC_OK);
    assert_int_equal(p.depth, 0);
    assert_int_equal(tss_hd_path_parse(&p, "m/0/5/2147483647"), MPC_OK);
    assert_int_equal(p.depth, 3);
    assert_int_equal(p.idx[0], 0);
    assert_int_equal(p.idx[1], 5);
    assert_int_equal(p.idx[2], 2147483647u);
    assert_int_equal(tss_hd_path_format(buf, sizeof(buf), &p), MPC_OK);
    assert_string_equal(buf, "m/0/5/2147483647");
    assert_int_equal(tss_hd_path_format(buf, 5, &p), MPC_ERR_BUFFER_TOO_SMALL);
    p.idx[1] = TSS_HD_HARDENED;
    assert_int_equal(tss_hd_path_format(buf, sizeof(buf), &p), MPC_ERR_HD_PATH);
    /* Deepest accepted path, then one more. */
    char deep[TSS_HD_PATH_CHARS + 4] = "m";
    for (int k = 0; k < TSS_HD_MAX_DEPTH; k++) {
        strcat(deep, "/7");
    }
    assert_int_equal(tss_hd_path_parse(&p, deep), MPC_OK);
    assert_int_equal(p.depth, TSS_HD_MAX_DEPTH);
    strcat(deep, "/7");
    assert_int_equal(tss_hd_path_parse(&p, deep), MPC_ERR_HD_PATH);
}

static void
test_hd_path_refusals(void **state)
{
    (void)state;
    tss_hd_path p;
    static const char *const hardened[] = {"m/0'", "m/0h", "m/1/0H", "m/2147483648",
                                           "m/4294967295"};
    for (size_t k = 0; k < sizeof(hardened) / sizeof(hardened[0]); k++) {
        assert_int_equal(tss_hd_path_parse(&p, hardened[k]), MPC_ERR_HD_HARDENED);
        assert_int_equal(p.depth, 0); /* cleared */
    }
    static const char *const bad[] = {"",     "M/0",  "m/",   "m//1",  "m/01",         "m/1/",
                                      "m/-1", "m/ 1", "m/1a", "0/1",   "m/4294967296", "mm",
                                      "m/+1", "/0",   "m0",   "m/0/5 "};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        assert_int_equal(tss_hd_path_parse(&p, bad[k]), MPC_ERR_HD_PATH);
    }
    assert_int_equal(tss_hd_path_parse(NULL, "m"), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_hd_path_parse(&p, NULL), MPC_ERR_INVALID_ARG);
}

static void
test_hd_hash160_known_answers(void **state)
{
    (void)state;
    /* RIPEMD160(SHA256(x)) computed with Python's hashlib (OpenSSL). */
    static const char *const want[3] = {"b472a266d0bd89c13706a4132ccfb16f7c3b9fcb",
                                        "bb1be98c142444d7a56aa3981c3942a978e4dc33",
                                        "c31b1d87d352c7f17bc1e24942b05bdd4c3387ea"};
    uint8_t in[33], out[20];
    char hex[41];
    for (int k = 0; k < 33; k++) {
        in[k] = (uint8_t)k;
    }
    tss_hd_hash160(out, (const uint8_t *)"", 0);
    assert_int_equal(mpc_hex_encode(hex, sizeof(hex), out, 20), MPC_OK);
    assert_string_equal(hex, want[0]);
    tss_hd_hash160(out, (const uint8_t *)"abc", 3);
    assert_int_equal(mpc_hex_encode(hex, sizeof(hex), out, 20), MPC_OK);
    assert_string_equal(hex, want[1]);
    tss_hd_hash160(out, in, 33);
    assert_int_equal(mpc_hex_encode(hex, sizeof(hex), out, 20), MPC_OK);
    assert_string_equal(hex, want[2]);
}

/* Each published xpub decodes and re-encodes to the same text. */
static void
test_hd_xpub_roundtrip_vector2(void **state)
{
    (void)state;
    char buf[TSS_HD_XPUB_CHARS];
    for (int k = 0; k < 6; k++) {
        tss_hd_xkey x;
        assert_int_equal(tss_hd_xpub_decode(&x, V2[k]), MPC_OK);
        assert_int_equal(x.depth, k);
        assert_int_equal(tss_hd_xpub_encode(buf, sizeof(buf), &x), MPC_OK);
        assert_string_equal(buf, V2[k]);
    }
}

/* The non-hardened steps m -> m/0, H -> H/1, H/1/H' -> /2 from the parent's
 * published xpub reproduce the child's published xpub byte for byte. */
static void
test_hd_bip32_vector2_public_steps(void **state)
{
    (void)state;
    static const struct {
        int from;
        uint32_t index;
    } steps[3] = {{0, 0}, {2, 1}, {4, 2}};
    char buf[TSS_HD_XPUB_CHARS];
    for (int k = 0; k < 3; k++) {
        tss_hd_xkey parent, child, via_path;
        assert_int_equal(tss_hd_xpub_decode(&parent, V2[steps[k].from]), MPC_OK);
        assert_int_equal(tss_hd_child(&child, NULL, &parent, steps[k].index), MPC_OK);
        assert_int_equal(tss_hd_xpub_encode(buf, sizeof(buf), &child), MPC_OK);
        assert_string_equal(buf, V2[steps[k].from + 1]);
        tss_hd_path p = {.depth = 1, .idx = {steps[k].index}};
        assert_int_equal(tss_hd_derive(&via_path, NULL, &parent, &p), MPC_OK);
        assert_memory_equal(&via_path, &child, sizeof(child));
    }
    /* The hardened steps of the vector are refused. */
    tss_hd_xkey parent, child;
    assert_int_equal(tss_hd_xpub_decode(&parent, V2[1]), MPC_OK);
    assert_int_equal(tss_hd_child(&child, NULL, &parent, 0xFFFFFFFFu), MPC_ERR_HD_HARDENED);
    assert_int_equal(tss_hd_child(&child, NULL, &parent, TSS_HD_HARDENED), MPC_ERR_HD_HARDENED);
}

static void
test_hd_xpub_refusals(void **state)
{
    (void)state;
    tss_hd_xkey x;
    char t[TSS_HD_XPUB_CHARS + 8];
    /* Checksum: change one character. */
    strcpy(t, V2[1]);
    t[40] = t[40] == 'a' ? 'b' : 'a';
    assert_int_equal(tss_hd_xpub_decode(&x, t), MPC_ERR_HD_XPUB);
    /* Not in the alphabet (0, O, I, l). */
    strcpy(t, V2[1]);
    t[20] = '0';
    assert_int_equal(tss_hd_xpub_decode(&x, t), MPC_ERR_HD_XPUB);
    /* Truncated and extended. */
    strcpy(t, V2[1]);
    t[strlen(t) - 1] = '\0';
    assert_int_equal(tss_hd_xpub_decode(&x, t), MPC_ERR_HD_XPUB);
    strcpy(t, V2[1]);
    strcat(t, "1");
    assert_int_equal(tss_hd_xpub_decode(&x, t), MPC_ERR_HD_XPUB);
    assert_int_equal(tss_hd_xpub_decode(&x, ""), MPC_ERR_HD_XPUB);
    /* An xprv (private version) is not an xpub. */
    assert_int_equal(tss_hd_xpub_decode(&x,
                                        "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGd"
                                        "so3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"),
                     MPC_ERR_HD_XPUB);
    assert_int_equal(tss_hd_xpub_decode(NULL, V2[0]), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_hd_xpub_decode(&x, NULL), MPC_ERR_INVALID_ARG);
    /* Ed25519 keys have no xpub serialization. */
    tss_hd_xkey ed = {.curve = TSS_CURVE_ED25519};
    char buf[TSS_HD_XPUB_CHARS];
    assert_int_equal(tss_hd_xpub_encode(buf, sizeof(buf), &ed), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_hd_xpub_decode(&x, V2[0]), MPC_OK);
    assert_int_equal(tss_hd_xpub_encode(buf, 20, &x), MPC_ERR_BUFFER_TOO_SMALL);
}

/* A random root on curve g: a random group key and chain code. */
static void
random_root(const tss_group *g, tss_hd_xkey *root, uint64_t *rng)
{
    tss_scalar s;
    tss_point P;
    uint8_t enc[TSS_POINT_MAX_BYTES], chain[TSS_HD_CHAIN_BYTES];
    assert_int_equal(g->scalar_random(&s), MPC_OK);
    assert_int_equal(g->point_mul_base(&P, &s), MPC_OK);
    g->point_encode(enc, &P);
    for (int k = 0; k < TSS_HD_CHAIN_BYTES; k++) {
        chain[k] = (uint8_t)mpc_test_rand(rng);
    }
    assert_int_equal(tss_hd_root(root, g->id, enc, g->point_len, chain), MPC_OK);
}

/* child.key == root.key + tweak·G at depths 1, 2, 5; siblings differ. */
static void
check_tweak_identity(const tss_group *g)
{
    uint64_t rng = seed ^ g->id;
    tss_hd_xkey root, child, sib;
    random_root(g, &root, &rng);
    static const char *const paths[] = {"m/0", "m/0/5", "m/1/2/3/4/2147483646"};
    for (size_t k = 0; k < 3; k++) {
        tss_hd_path p;
        uint8_t tw[TSS_SCALAR_BYTES], enc[TSS_POINT_MAX_BYTES];
        assert_int_equal(tss_hd_path_parse(&p, paths[k]), MPC_OK);
        assert_int_equal(tss_hd_derive(&child, tw, &root, &p), MPC_OK);
        assert_int_equal(child.depth, p.depth);
        assert_int_equal(child.child_num, p.idx[p.depth - 1]);
        tss_scalar t;
        tss_point R, T, C;
        assert_int_equal(g->scalar_decode(&t, tw), MPC_OK);
        assert_int_equal(g->point_decode(&R, root.key), MPC_OK);
        assert_int_equal(g->point_mul_base(&T, &t), MPC_OK);
        assert_int_equal(g->point_add(&C, &R, &T), MPC_OK);
        g->point_encode(enc, &C);
        assert_memory_equal(enc, child.key, g->point_len);
        p.idx[p.depth - 1] += 1; /* sibling */
        assert_int_equal(tss_hd_derive(&sib, NULL, &root, &p), MPC_OK);
        assert_memory_not_equal(sib.key, child.key, g->point_len);
        assert_memory_not_equal(sib.chain, child.chain, TSS_HD_CHAIN_BYTES);
    }
    /* Depth 0: the root itself, tweak zero. */
    tss_hd_path m = {0};
    uint8_t tw[TSS_SCALAR_BYTES], zero[TSS_SCALAR_BYTES] = {0};
    assert_int_equal(tss_hd_derive(&child, tw, &root, &m), MPC_OK);
    assert_memory_equal(&child, &root, sizeof(root));
    assert_memory_equal(tw, zero, sizeof(zero));
}

static void
test_hd_tweak_identity_secp256k1(void **state)
{
    (void)state;
    check_tweak_identity(tss_group_secp256k1());
}

static void
test_hd_tweak_identity_ed25519(void **state)
{
    (void)state;
    check_tweak_identity(tss_group_ed25519());
}

static void
test_hd_bad_arguments(void **state)
{
    (void)state;
    const tss_group *g = tss_group_ed25519();
    uint64_t rng = seed;
    tss_hd_xkey root, child;
    random_root(g, &root, &rng);
    uint8_t chain[32] = {0}, bad[32];
    memset(bad, 0xff, sizeof(bad));
    assert_int_equal(tss_hd_root(&child, TSS_CURVE_ED25519, bad, 32, chain), MPC_ERR_BAD_POINT);
    assert_int_equal(tss_hd_root(&child, TSS_CURVE_ED25519, root.key, 31, chain),
                     MPC_ERR_BAD_POINT);
    assert_int_equal(tss_hd_root(&child, (tss_curve_id)9, root.key, 32, chain),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_hd_root(NULL, TSS_CURVE_ED25519, root.key, 32, chain),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_hd_child(&child, NULL, NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_hd_child(&root, NULL, &root, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_hd_child(&child, NULL, &root, TSS_HD_HARDENED), MPC_ERR_HD_HARDENED);
    tss_hd_xkey broken = root;
    memset(broken.key, 0xff, 32);
    assert_int_equal(tss_hd_child(&child, NULL, &broken, 0), MPC_ERR_BAD_POINT);
    tss_hd_path p = {.depth = 2, .idx = {1, TSS_HD_HARDENED}};
    assert_int_equal(tss_hd_derive(&child, NULL, &root, &p), MPC_ERR_HD_HARDENED);
    p.depth = TSS_HD_MAX_DEPTH + 1;
    assert_int_equal(tss_hd_derive(&child, NULL, &root, &p), MPC_ERR_HD_PATH);
    assert_int_equal(tss_hd_derive(&child, NULL, &root, NULL), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_hd");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hd_path_parse_and_format),
        cmocka_unit_test(test_hd_path_refusals),
        cmocka_unit_test(test_hd_hash160_known_answers),
        cmocka_unit_test(test_hd_xpub_roundtrip_vector2),
        cmocka_unit_test(test_hd_bip32_vector2_public_steps),
        cmocka_unit_test(test_hd_xpub_refusals),
        cmocka_unit_test(test_hd_tweak_identity_secp256k1),
        cmocka_unit_test(test_hd_tweak_identity_ed25519),
        cmocka_unit_test(test_hd_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

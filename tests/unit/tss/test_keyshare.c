/*
 * test_keyshare.c — key-share record encoding and strict, validating decoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "tss/keyshare.h"

static const tss_group *g;

/* A 2-of-3 record for member 1 with random verifying shares (own one consistent). */
static tss_keyshare *
make_record(void)
{
    tss_keyshare *ks = NULL;
    tss_scalar r;
    const char *names[3] = {"alpha", "beta", "gamma"};
    assert_int_equal(tss_keyshare_create(&ks, g, 2, 3, 1), MPC_OK);
    for (uint32_t i = 0; i < 3; i++) {
        ks->members[i].id = 10 * (i + 1);
        assert_int_equal(tss_keyshare_set_node(ks, i, names[i]), MPC_OK);
        assert_int_equal(g->scalar_random(&r), MPC_OK);
        assert_int_equal(g->point_mul_base(&ks->members[i].vshare, &r), MPC_OK);
    }
    assert_int_equal(g->scalar_random(ks->secret), MPC_OK);
    assert_int_equal(g->point_mul_base(&ks->members[1].vshare, ks->secret), MPC_OK);
    ks->group_key = ks->members[2].vshare;
    ks->self = 1;
    return ks;
}

static mpc_status
roundtrip(const tss_keyshare *ks, int public_only, tss_keyshare **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = tss_keyshare_encode(ks, public_only, &buf, &len);
    if (st == MPC_OK) {
        st = tss_keyshare_decode(out, buf, len);
    }
    mpc_secure_free(buf);
    return st;
}

static void
test_keyshare_roundtrip(void **state)
{
    (void)state;
    tss_keyshare *ks = make_record(), *back = NULL;
    assert_int_equal(roundtrip(ks, 0, &back), MPC_OK);
    assert_int_equal(back->threshold, 2);
    assert_int_equal(back->n, 3);
    assert_int_equal(back->self, 1);
    assert_memory_equal(back->secret->v, ks->secret->v, 32);
    assert_true(g->point_eq(&back->group_key, &ks->group_key));
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(back->members[i].id, ks->members[i].id);
        assert_string_equal(back->members[i].node_id, ks->members[i].node_id);
        assert_true(g->point_eq(&back->members[i].vshare, &ks->members[i].vshare));
    }
    assert_int_equal(tss_keyshare_find_node(back, "gamma"), 2);
    assert_int_equal(tss_keyshare_find_node(back, "delta"), 3);
    tss_keyshare_destroy(back);
    assert_int_equal(roundtrip(ks, 1, &back), MPC_OK);
    assert_null(back->secret);
    assert_int_equal(back->self, TSS_NO_SELF);
    tss_keyshare_destroy(back);
    tss_keyshare_destroy(ks);
    tss_keyshare_destroy(NULL);
}

static void
test_keyshare_decode_rejects_every_truncation_and_extension(void **state)
{
    (void)state;
    tss_keyshare *ks = make_record(), *back = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(tss_keyshare_encode(ks, 0, &buf, &len), MPC_OK);
    for (size_t l = 0; l < len; l++) {
        assert_int_not_equal(tss_keyshare_decode(&back, buf, l), MPC_OK);
        assert_null(back);
    }
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, buf, len);
    longer[len] = 0;
    assert_int_equal(tss_keyshare_decode(&back, longer, len + 1), MPC_ERR_MSG_MALFORMED);
    free(longer);
    assert_int_equal(tss_keyshare_decode(NULL, buf, len), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_keyshare_decode(&back, NULL, 3), MPC_ERR_INVALID_ARG);
    mpc_secure_free(buf);
    tss_keyshare_destroy(ks);
}

/* Encodes ks, applies a byte patch at off, decodes and expects want. */
static void
expect_patched(tss_keyshare *ks, size_t off, uint8_t val, mpc_status want)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    tss_keyshare *back = NULL;
    assert_int_equal(tss_keyshare_encode(ks, 0, &buf, &len), MPC_OK);
    buf[off] = val;
    assert_int_equal(tss_keyshare_decode(&back, buf, len), want);
    assert_null(back);
    mpc_secure_free(buf);
}

/*
 * An Ed25519 record relabelled as secp256k1 must never decode. Whether the
 * decoder stops at a length (33-byte points) or at a point that does not parse
 * depends on the random key bytes, so either rejection is accepted.
 */
static void
expect_relabel_rejected(tss_keyshare *ks)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    tss_keyshare *back = NULL;
    assert_int_equal(tss_keyshare_encode(ks, 0, &buf, &len), MPC_OK);
    buf[1] = 2;
    mpc_status st = tss_keyshare_decode(&back, buf, len);
    assert_true(st == MPC_ERR_BAD_POINT || st == MPC_ERR_MSG_MALFORMED);
    assert_null(back);
    mpc_secure_free(buf);
}

static void
test_keyshare_decode_validates_fields(void **state)
{
    (void)state;
    tss_keyshare *ks = make_record(), *back = NULL;
    /* header: ver curve t[4] n[4] has_secret self[4] */
    expect_patched(ks, 0, 2, MPC_ERR_MSG_MALFORMED); /* version */
    expect_relabel_rejected(ks); /* relabelled secp256k1: points or lengths do not parse */
    expect_patched(ks, 1, 9, MPC_ERR_UNSUPPORTED);    /* unknown curve */
    expect_patched(ks, 5, 0, MPC_ERR_BAD_THRESHOLD);  /* t = 0 */
    expect_patched(ks, 5, 4, MPC_ERR_BAD_THRESHOLD);  /* t > n */
    expect_patched(ks, 10, 2, MPC_ERR_MSG_MALFORMED); /* has_secret not 0/1 */
    expect_patched(ks, 14, 3, MPC_ERR_MSG_MALFORMED); /* self >= n */
    /* group key replaced by the identity encoding (01 00 .. 00) */
    uint8_t *gk = NULL;
    size_t gk_len = 0;
    assert_int_equal(tss_keyshare_encode(ks, 0, &gk, &gk_len), MPC_OK);
    memset(gk + 15, 0, 32);
    gk[15] = 1;
    assert_int_equal(tss_keyshare_decode(&back, gk, gk_len), MPC_ERR_BAD_POINT);
    mpc_secure_free(gk);
    /* duplicate identifiers, zero identifier, duplicate node ids */
    ks->members[2].id = ks->members[0].id;
    assert_int_equal(roundtrip(ks, 0, &back), MPC_ERR_BAD_IDENTIFIER);
    ks->members[2].id = 0;
    assert_int_equal(roundtrip(ks, 0, &back), MPC_ERR_BAD_IDENTIFIER);
    ks->members[2].id = 30;
    assert_int_equal(tss_keyshare_set_node(ks, 2, "alpha"), MPC_OK);
    assert_int_equal(roundtrip(ks, 0, &back), MPC_ERR_BAD_IDENTIFIER);
    assert_int_equal(tss_keyshare_set_node(ks, 2, "gamma"), MPC_OK);
    /* secret that does not match the own verifying share */
    tss_scalar saved = *ks->secret;
    assert_int_equal(g->scalar_random(ks->secret), MPC_OK);
    assert_int_equal(roundtrip(ks, 0, &back), MPC_ERR_BAD_SHARE);
    *ks->secret = saved;
    /* non-canonical secret: last 32 bytes */
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(tss_keyshare_encode(ks, 0, &buf, &len), MPC_OK);
    memset(buf + len - 32, 0xff, 32);
    assert_int_equal(tss_keyshare_decode(&back, buf, len), MPC_ERR_BAD_SCALAR);
    mpc_secure_free(buf);
    assert_null(back);
    tss_keyshare_destroy(ks);
}

static void
test_keyshare_bad_arguments(void **state)
{
    (void)state;
    tss_keyshare *ks = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(tss_keyshare_create(&ks, g, 1, 0, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_keyshare_create(&ks, NULL, 1, 1, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_keyshare_create(&ks, g, 1, 2, 0), MPC_OK);
    /* node ids unset: refuse to encode */
    assert_int_equal(tss_keyshare_encode(ks, 0, &buf, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_keyshare_set_node(ks, 2, "x"), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_keyshare_set_node(ks, 0, ""), MPC_ERR_INVALID_ARG);
    char longname[TSS_NODE_ID_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(tss_keyshare_set_node(ks, 0, longname), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_keyshare_encode(NULL, 0, &buf, &len), MPC_ERR_INVALID_ARG);
    assert_null(buf);
    tss_keyshare_destroy(ks);
}

/* Version 2 carries the chain code (secret and public-only); version 1 loads without one. */
static void
test_keyshare_chain_code_versions(void **state)
{
    (void)state;
    tss_keyshare *ks = make_record(), *back = NULL;
    uint8_t *buf = NULL;
    size_t len = 0, len1 = 0;
    assert_int_equal(tss_keyshare_encode(ks, 0, &buf, &len1), MPC_OK);
    assert_int_equal(buf[0], TSS_KEYSHARE_VERSION);
    mpc_secure_free(buf);
    assert_int_equal(roundtrip(ks, 0, &back), MPC_OK);
    assert_int_equal(back->has_chain, 0);
    tss_keyshare_destroy(back);
    memset(ks->chain, 0xc3, sizeof ks->chain);
    ks->has_chain = 1;
    for (int pub = 0; pub <= 1; pub++) {
        assert_int_equal(roundtrip(ks, pub, &back), MPC_OK);
        assert_int_equal(back->has_chain, 1);
        assert_memory_equal(back->chain, ks->chain, TSS_KEYSHARE_CHAIN_BYTES);
        tss_keyshare_destroy(back);
    }
    assert_int_equal(tss_keyshare_encode(ks, 0, &buf, &len), MPC_OK);
    assert_int_equal(buf[0], TSS_KEYSHARE_VERSION_CHAIN);
    assert_int_equal(len, len1 + TSS_KEYSHARE_CHAIN_BYTES);
    /* Version 2 without its chain code, version 1 with trailing bytes: malformed. */
    assert_int_equal(tss_keyshare_decode(&back, buf, len - 1), MPC_ERR_MSG_MALFORMED);
    buf[0] = TSS_KEYSHARE_VERSION;
    assert_int_equal(tss_keyshare_decode(&back, buf, len), MPC_ERR_MSG_MALFORMED);
    buf[0] = 3;
    assert_int_equal(tss_keyshare_decode(&back, buf, len), MPC_ERR_MSG_MALFORMED);
    mpc_secure_free(buf);
    tss_keyshare_destroy(ks);
}

/* tss_keyshare_tweak: x_i + t, every X_j + t·G, Y + t·G; zero changes nothing. */
static void
test_keyshare_tweak(void **state)
{
    (void)state;
    tss_keyshare *ks = make_record(), *orig = NULL;
    assert_int_equal(roundtrip(ks, 0, &orig), MPC_OK);
    uint8_t zero[TSS_SCALAR_BYTES] = {0}, tb[TSS_SCALAR_BYTES], bad[TSS_SCALAR_BYTES];
    assert_int_equal(tss_keyshare_tweak(ks, zero), MPC_OK);
    assert_true(g->point_eq(&ks->group_key, &orig->group_key));
    tss_scalar t, want;
    tss_point tg, p;
    assert_int_equal(g->scalar_random(&t), MPC_OK);
    g->scalar_encode(tb, &t);
    assert_int_equal(tss_keyshare_tweak(ks, tb), MPC_OK);
    assert_int_equal(g->point_mul_base(&tg, &t), MPC_OK);
    assert_int_equal(g->point_add(&p, &orig->group_key, &tg), MPC_OK);
    assert_true(g->point_eq(&ks->group_key, &p));
    for (uint32_t j = 0; j < 3; j++) {
        assert_int_equal(g->point_add(&p, &orig->members[j].vshare, &tg), MPC_OK);
        assert_true(g->point_eq(&ks->members[j].vshare, &p));
    }
    g->scalar_add(&want, orig->secret, &t);
    assert_memory_equal(ks->secret, &want, sizeof want);
    assert_int_equal(g->point_mul_base(&p, ks->secret), MPC_OK);
    assert_true(g->point_eq(&p, &ks->members[ks->self].vshare));
    memset(bad, 0xff, sizeof bad);
    assert_int_equal(tss_keyshare_tweak(ks, bad), MPC_ERR_BAD_SCALAR);
    assert_int_equal(tss_keyshare_tweak(NULL, tb), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_keyshare_tweak(ks, NULL), MPC_ERR_INVALID_ARG);
    tss_keyshare_destroy(orig);
    tss_keyshare_destroy(ks);
}

int
main(void)
{
    g = tss_group_ed25519();
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyshare_roundtrip),
        cmocka_unit_test(test_keyshare_decode_rejects_every_truncation_and_extension),
        cmocka_unit_test(test_keyshare_decode_validates_fields),
        cmocka_unit_test(test_keyshare_bad_arguments),
        cmocka_unit_test(test_keyshare_chain_code_versions),
        cmocka_unit_test(test_keyshare_tweak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

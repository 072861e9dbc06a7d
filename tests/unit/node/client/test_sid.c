/*
 * test_sid.c — node/client/sid.h: the session id equals BLAKE2b-128 (libsodium
 * crypto_generichash with a 16-byte output, used directly on a hand-built
 * buffer) of the length-prefixed fields; length prefixes separate fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "node/client/sid.h"

/* Appends u32be(len) || s to buf at *off. */
static void
put(uint8_t *buf, size_t *off, const char *s)
{
    size_t n = strlen(s);
    buf[(*off)++] = (uint8_t)(n >> 24);
    buf[(*off)++] = (uint8_t)(n >> 16);
    buf[(*off)++] = (uint8_t)(n >> 8);
    buf[(*off)++] = (uint8_t)n;
    memcpy(buf + *off, s, n);
    *off += n;
}

static void
test_sid_matches_blake2b_of_length_prefixed_fields(void **state)
{
    (void)state;
    uint8_t buf[256], want[16], got[16];
    size_t off = 0;
    put(buf, &off, "sign");
    put(buf, &off, "ed25519");
    put(buf, &off, "wallet-7");
    put(buf, &off, "req.42");
    crypto_generichash(want, sizeof want, buf, off, NULL, 0);
    assert_int_equal(node_client_sid_derive(got, "sign", "ed25519", "wallet-7", "req.42"), MPC_OK);
    assert_memory_equal(got, want, 16);
}

static void
test_sid_fields_do_not_run_together(void **state)
{
    (void)state;
    uint8_t a[16], b[16], c[16];
    assert_int_equal(node_client_sid_derive(a, "sign", "ed25519", "ab", "c"), MPC_OK);
    assert_int_equal(node_client_sid_derive(b, "sign", "ed25519", "a", "bc"), MPC_OK);
    assert_memory_not_equal(a, b, 16);
    assert_int_equal(node_client_sid_derive(c, "sign", "ed25519", "ab", "c"), MPC_OK);
    assert_memory_equal(a, c, 16); /* deterministic: every node derives the same */
    assert_int_equal(node_client_sid_derive(c, "keygen", "ed25519", "ab", "c"), MPC_OK);
    assert_memory_not_equal(a, c, 16);
    assert_int_equal(node_client_sid_derive(c, "sign", "secp256k1", "ab", "c"), MPC_OK);
    assert_memory_not_equal(a, c, 16);
}

static void
test_sid_bad_args(void **state)
{
    (void)state;
    uint8_t sid[16];
    static const uint8_t zero[16];
    memset(sid, 0xaa, sizeof sid);
    assert_int_equal(node_client_sid_derive(sid, NULL, "ed25519", "w", "r"), MPC_ERR_INVALID_ARG);
    assert_memory_equal(sid, zero, 16);
    memset(sid, 0xaa, sizeof sid);
    assert_int_equal(node_client_sid_derive(sid, "sign", "ed25519", "", "r"), MPC_ERR_INVALID_ARG);
    assert_memory_equal(sid, zero, 16);
    assert_int_equal(node_client_sid_derive(NULL, "sign", "ed25519", "w", "r"),
                     MPC_ERR_INVALID_ARG);
}

static void
test_sid_bind_version_matches_blake2b_and_separates_versions(void **state)
{
    (void)state;
    static const char tag[] = "mpc-node/sid/key-version/v1";
    uint8_t base[NODE_CLIENT_SID_BYTES], v1[NODE_CLIENT_SID_BYTES], v2[NODE_CLIENT_SID_BYTES];
    uint8_t buf[64], want[NODE_CLIENT_SID_BYTES];
    assert_int_equal(node_client_sid_derive(base, "sign", "secp256k1", "w1", "req-1"), MPC_OK);
    memcpy(v1, base, sizeof v1);
    memcpy(v2, base, sizeof v2);
    assert_int_equal(node_client_sid_bind_version(v1, 1), MPC_OK);
    assert_int_equal(node_client_sid_bind_version(v2, 2), MPC_OK);
    size_t off = 0;
    memcpy(buf, tag, sizeof tag - 1);
    off += sizeof tag - 1;
    memcpy(buf + off, base, sizeof base);
    off += sizeof base;
    const uint8_t ver[4] = {0, 0, 0, 2};
    memcpy(buf + off, ver, 4);
    off += 4;
    crypto_generichash(want, sizeof want, buf, off, NULL, 0);
    assert_memory_equal(v2, want, sizeof want);
    /* Nodes that resolved different versions land in different sessions. */
    assert_memory_not_equal(v1, v2, sizeof v1);
    assert_memory_not_equal(v1, base, sizeof v1);
    uint8_t keep[NODE_CLIENT_SID_BYTES];
    memcpy(keep, base, sizeof keep);
    assert_int_equal(node_client_sid_bind_version(base, 0), MPC_ERR_INVALID_ARG);
    assert_memory_equal(base, keep, sizeof keep);
    assert_int_equal(node_client_sid_bind_version(NULL, 1), MPC_ERR_INVALID_ARG);
}

/* Signers that chose different presignatures land in different sessions. */
static void
test_sid_bind_presig_matches_blake2b_and_separates_records(void **state)
{
    (void)state;
    static const char tag[] = "mpc-node/sid/presig/v1";
    uint8_t base[NODE_CLIENT_SID_BYTES], a[NODE_CLIENT_SID_BYTES], b[NODE_CLIENT_SID_BYTES];
    uint8_t id1[32], id2[32], buf[96], want[NODE_CLIENT_SID_BYTES];
    memset(id1, 1, sizeof id1);
    memset(id2, 2, sizeof id2);
    assert_int_equal(node_client_sid_derive(base, "sign", "secp256k1", "w1", "req-1"), MPC_OK);
    memcpy(a, base, sizeof a);
    memcpy(b, base, sizeof b);
    assert_int_equal(node_client_sid_bind_presig(a, id1), MPC_OK);
    assert_int_equal(node_client_sid_bind_presig(b, id2), MPC_OK);
    memcpy(buf, tag, sizeof tag - 1);
    memcpy(buf + sizeof tag - 1, base, sizeof base);
    memcpy(buf + sizeof tag - 1 + sizeof base, id1, 32);
    crypto_generichash(want, sizeof want, buf, sizeof tag - 1 + sizeof base + 32, NULL, 0);
    assert_memory_equal(a, want, sizeof want);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, base, sizeof a); /* and apart from a dkls-sign of the request */
    assert_int_equal(node_client_sid_bind_presig(NULL, id1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_sid_bind_presig(base, NULL), MPC_ERR_INVALID_ARG);
}

static void
test_sid_bind_attempt_matches_blake2b_and_separates_points(void **state)
{
    (void)state;
    static const char tag[] = "mpc-node/sid/attempt/v1";
    const char *ids[2] = {"node-1", "node-3"};
    uint64_t inc[2] = {0x0102030405060708ull, 7};
    uint8_t base[NODE_CLIENT_SID_BYTES], a[NODE_CLIENT_SID_BYTES], b[NODE_CLIENT_SID_BYTES];
    uint8_t buf[128], want[NODE_CLIENT_SID_BYTES];
    assert_int_equal(node_client_sid_derive(base, "sign", "ed25519", "w1", "req-1"), MPC_OK);
    memcpy(a, base, sizeof a);
    assert_int_equal(node_client_sid_bind_attempt(a, ids, inc, 2, 3), MPC_OK);
    size_t off = 0;
    memcpy(buf, tag, sizeof tag - 1);
    off += sizeof tag - 1;
    memcpy(buf + off, base, sizeof base);
    off += sizeof base;
    const uint8_t n2[4] = {0, 0, 0, 2};
    memcpy(buf + off, n2, 4);
    off += 4;
    put(buf, &off, "node-1");
    const uint8_t i1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    memcpy(buf + off, i1, 8);
    off += 8;
    put(buf, &off, "node-3");
    const uint8_t i3[8] = {0, 0, 0, 0, 0, 0, 0, 7};
    memcpy(buf + off, i3, 8);
    off += 8;
    const uint8_t at[4] = {0, 0, 0, 3};
    memcpy(buf + off, at, 4);
    off += 4;
    crypto_generichash(want, sizeof want, buf, off, NULL, 0);
    assert_memory_equal(a, want, sizeof want);
    /* Another attempt number, a restarted signer, another set: other sessions. */
    memcpy(b, base, sizeof b);
    assert_int_equal(node_client_sid_bind_attempt(b, ids, inc, 2, 4), MPC_OK);
    assert_memory_not_equal(a, b, sizeof a);
    uint64_t inc2[2] = {inc[0], 8};
    memcpy(b, base, sizeof b);
    assert_int_equal(node_client_sid_bind_attempt(b, ids, inc2, 2, 3), MPC_OK);
    assert_memory_not_equal(a, b, sizeof a);
    const char *ids2[2] = {"node-1", "node-2"};
    memcpy(b, base, sizeof b);
    assert_int_equal(node_client_sid_bind_attempt(b, ids2, inc, 2, 3), MPC_OK);
    assert_memory_not_equal(a, b, sizeof a);
    /* Bad arguments leave the sid unchanged. */
    memcpy(b, base, sizeof b);
    assert_int_equal(node_client_sid_bind_attempt(b, ids, inc, 0, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_sid_bind_attempt(b, NULL, inc, 2, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_sid_bind_attempt(b, ids, NULL, 2, 0), MPC_ERR_INVALID_ARG);
    const char *empty[2] = {"node-1", ""};
    assert_int_equal(node_client_sid_bind_attempt(b, empty, inc, 2, 0), MPC_ERR_INVALID_ARG);
    assert_memory_equal(b, base, sizeof b);
    assert_int_equal(node_client_sid_bind_attempt(NULL, ids, inc, 2, 0), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sid_matches_blake2b_of_length_prefixed_fields),
        cmocka_unit_test(test_sid_fields_do_not_run_together),
        cmocka_unit_test(test_sid_bad_args),
        cmocka_unit_test(test_sid_bind_version_matches_blake2b_and_separates_versions),
        cmocka_unit_test(test_sid_bind_attempt_matches_blake2b_and_separates_points),
        cmocka_unit_test(test_sid_bind_presig_matches_blake2b_and_separates_records),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

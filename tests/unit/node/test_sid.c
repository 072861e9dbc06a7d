/*
 * test_sid.c — node/sid.h: the session id equals BLAKE2b-128 (libsodium
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

#include "node/sid.h"

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
    assert_int_equal(node_sid_derive(got, "sign", "ed25519", "wallet-7", "req.42"), MPC_OK);
    assert_memory_equal(got, want, 16);
}

static void
test_sid_fields_do_not_run_together(void **state)
{
    (void)state;
    uint8_t a[16], b[16], c[16];
    assert_int_equal(node_sid_derive(a, "sign", "ed25519", "ab", "c"), MPC_OK);
    assert_int_equal(node_sid_derive(b, "sign", "ed25519", "a", "bc"), MPC_OK);
    assert_memory_not_equal(a, b, 16);
    assert_int_equal(node_sid_derive(c, "sign", "ed25519", "ab", "c"), MPC_OK);
    assert_memory_equal(a, c, 16); /* deterministic: every node derives the same */
    assert_int_equal(node_sid_derive(c, "keygen", "ed25519", "ab", "c"), MPC_OK);
    assert_memory_not_equal(a, c, 16);
    assert_int_equal(node_sid_derive(c, "sign", "secp256k1", "ab", "c"), MPC_OK);
    assert_memory_not_equal(a, c, 16);
}

static void
test_sid_bad_args(void **state)
{
    (void)state;
    uint8_t sid[16];
    static const uint8_t zero[16];
    memset(sid, 0xaa, sizeof sid);
    assert_int_equal(node_sid_derive(sid, NULL, "ed25519", "w", "r"), MPC_ERR_INVALID_ARG);
    assert_memory_equal(sid, zero, 16);
    memset(sid, 0xaa, sizeof sid);
    assert_int_equal(node_sid_derive(sid, "sign", "ed25519", "", "r"), MPC_ERR_INVALID_ARG);
    assert_memory_equal(sid, zero, 16);
    assert_int_equal(node_sid_derive(NULL, "sign", "ed25519", "w", "r"), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sid_matches_blake2b_of_length_prefixed_fields),
        cmocka_unit_test(test_sid_fields_do_not_run_together),
        cmocka_unit_test(test_sid_bad_args),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

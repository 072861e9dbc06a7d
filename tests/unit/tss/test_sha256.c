/*
 * test_sha256.c — tss_sha256 (SHA-NI and portable) equals libsodium's
 * crypto_hash_sha256 byte for byte: every length 0..300 (every padding
 * boundary, one to six blocks), the same messages fed in random pieces,
 * a 13 KB message (the μ hash's size), and the FIPS 180-4 "abc" example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tests/support/test_rng.h"
#include "tss/sha256.h"

/* Hashes m[0..len) with both compression functions, in pieces cut at random. */
static void
check_msg(const uint8_t *m, size_t len, int pieces)
{
    uint8_t want[TSS_SHA256_BYTES], got[TSS_SHA256_BYTES];
    crypto_hash_sha256(want, m, len);
    for (int mode = 0; mode < 2; mode++) {
        struct tss_sha256 s;
        mode == 0 ? tss_sha256_init(&s) : tss_sha256_init_portable(&s);
        size_t off = 0;
        for (int p = 0; p < pieces && off < len; p++) {
            uint8_t r;
            test_rng_bytes(&r, 1);
            size_t take = r % 97 < len - off ? r % 97 : len - off;
            tss_sha256_update(&s, m + off, take);
            off += take;
        }
        tss_sha256_update(&s, m + off, len - off);
        tss_sha256_final(&s, got);
        assert_memory_equal(got, want, sizeof want);
    }
}

static void
test_sha256_every_length_matches_libsodium(void **state)
{
    (void)state;
    static uint8_t buf[300];
    test_rng_bytes(buf, sizeof buf);
    for (size_t len = 0; len <= sizeof buf; len++) {
        check_msg(buf, len, 0);
        check_msg(buf, len, 5);
    }
}

static void
test_sha256_long_message_matches_libsodium(void **state)
{
    (void)state;
    static uint8_t buf[13 * 1024 + 17];
    test_rng_bytes(buf, sizeof buf);
    check_msg(buf, sizeof buf, 0);
    check_msg(buf, sizeof buf, 40);
    memset(buf, 0xff, sizeof buf); /* every carry of the additions */
    check_msg(buf, sizeof buf, 0);
}

/* FIPS 180-4 example: SHA-256("abc"). */
static void
test_sha256_abc(void **state)
{
    (void)state;
    static const uint8_t want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                     0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                     0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                     0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    uint8_t got[32];
    struct tss_sha256 s;
    tss_sha256_init(&s);
    tss_sha256_update(&s, "abc", 3);
    tss_sha256_final(&s, got);
    assert_memory_equal(got, want, 32);
    tss_sha256_init_portable(&s);
    tss_sha256_update(&s, "abc", 3);
    tss_sha256_final(&s, got);
    assert_memory_equal(got, want, 32);
    print_message("sha256: SHA-NI %s\n", tss_sha256_accelerated() ? "used" : "not available");
}

int
main(void)
{
    test_rng_init("test_sha256");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_every_length_matches_libsodium),
        cmocka_unit_test(test_sha256_long_message_matches_libsodium),
        cmocka_unit_test(test_sha256_abc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

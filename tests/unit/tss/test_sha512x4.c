/*
 * test_sha512x4.c — four SHA-512 at once equal libsodium's crypto_hash_sha512
 * byte for byte: every length from 0 to past the vectorized limit (one, two
 * and three blocks, every padding boundary), distinct and aliased lanes, and
 * the FIPS 180-4 "abc" example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tests/support/test_rng.h"
#include "tss/sha512x4.h"

static void
check_len(const uint8_t *const m[4], size_t len)
{
    uint8_t got[4][TSS_SHA512_BYTES], want[TSS_SHA512_BYTES];
    tss_sha512_x4(got, m, len);
    for (int l = 0; l < 4; l++) {
        crypto_hash_sha512(want, m[l], len);
        assert_memory_equal(got[l], want, sizeof(want));
    }
    tss_sha512_x4_portable(got, m, len);
    for (int l = 0; l < 4; l++) {
        crypto_hash_sha512(want, m[l], len);
        assert_memory_equal(got[l], want, sizeof(want));
    }
}

static void
test_sha512x4_every_length_matches_libsodium(void **state)
{
    (void)state;
    static uint8_t buf[4][TSS_SHA512X4_MAX_LEN + 64];
    test_rng_bytes(buf, sizeof(buf));
    const uint8_t *const m[4] = {buf[0], buf[1], buf[2], buf[3]};
    for (size_t len = 0; len <= TSS_SHA512X4_MAX_LEN + 40; len++) {
        check_len(m, len);
    }
    print_message("# vectorized: %d\n", tss_sha512_x4_vectorized());
}

static void
test_sha512x4_aliased_lanes_and_fips_example(void **state)
{
    (void)state;
    static const uint8_t abc_digest[64] = {
        0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba, 0xcc, 0x41, 0x73, 0x49, 0xae,
        0x20, 0x41, 0x31, 0x12, 0xe6, 0xfa, 0x4e, 0x89, 0xa9, 0x7e, 0xa2, 0x0a, 0x9e,
        0xee, 0xe6, 0x4b, 0x55, 0xd3, 0x9a, 0x21, 0x92, 0x99, 0x2a, 0x27, 0x4f, 0xc1,
        0xa8, 0x36, 0xba, 0x3c, 0x23, 0xa3, 0xfe, 0xeb, 0xbd, 0x45, 0x4d, 0x44, 0x23,
        0x64, 0x3c, 0xe8, 0x0e, 0x2a, 0x9a, 0xc9, 0x4f, 0xa5, 0x4c, 0xa4, 0x9f};
    const uint8_t abc[3] = {'a', 'b', 'c'};
    const uint8_t *const m[4] = {abc, abc, abc, abc};
    uint8_t got[4][TSS_SHA512_BYTES];
    tss_sha512_x4(got, m, sizeof(abc));
    for (int l = 0; l < 4; l++) {
        assert_memory_equal(got[l], abc_digest, sizeof(abc_digest));
    }
    uint8_t other[3] = {'a', 'b', 'd'};
    const uint8_t *const mixed[4] = {abc, other, abc, other};
    check_len(mixed, sizeof(abc));
}

int
main(void)
{
    test_rng_init("test_sha512x4");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha512x4_every_length_matches_libsodium),
        cmocka_unit_test(test_sha512x4_aliased_lanes_and_fips_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

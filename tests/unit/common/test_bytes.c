/*
 * test_bytes.c — fixed-width integer encoding (common/bytes.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "common/bytes.h"

static void
test_bytes_little_endian_layout(void **state)
{
    (void)state;
    uint8_t b[8];
    mpc_put_u16le(b, 0x0102);
    assert_memory_equal(b, ((uint8_t[]){0x02, 0x01}), 2);
    mpc_put_u32le(b, 0x01020304u);
    assert_memory_equal(b, ((uint8_t[]){0x04, 0x03, 0x02, 0x01}), 4);
    mpc_put_u64le(b, 0x0102030405060708ull);
    assert_memory_equal(b, ((uint8_t[]){8, 7, 6, 5, 4, 3, 2, 1}), 8);
    assert_int_equal(mpc_get_u64le(b), 0x0102030405060708ull);
    assert_int_equal(mpc_get_u32le(b), 0x05060708u);
    assert_int_equal(mpc_get_u16le(b), 0x0708);
}

static void
test_bytes_big_endian_layout(void **state)
{
    (void)state;
    uint8_t b[4];
    mpc_put_u32be(b, 0x01020304u);
    assert_memory_equal(b, ((uint8_t[]){0x01, 0x02, 0x03, 0x04}), 4);
    assert_int_equal(mpc_get_u32be(b), 0x01020304u);
}

static void
test_bytes_extremes_round_trip(void **state)
{
    (void)state;
    uint8_t b[8];
    const uint64_t v64[] = {0, 1, 0x80, 0xff00ff00ff00ff00ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof v64 / sizeof v64[0]; i++) {
        mpc_put_u64le(b, v64[i]);
        assert_int_equal(mpc_get_u64le(b), v64[i]);
        mpc_put_u32le(b, (uint32_t)v64[i]);
        assert_int_equal(mpc_get_u32le(b), (uint32_t)v64[i]);
        mpc_put_u32be(b, (uint32_t)v64[i]);
        assert_int_equal(mpc_get_u32be(b), (uint32_t)v64[i]);
        mpc_put_u16le(b, (uint16_t)v64[i]);
        assert_int_equal(mpc_get_u16le(b), (uint16_t)v64[i]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_little_endian_layout),
        cmocka_unit_test(test_bytes_big_endian_layout),
        cmocka_unit_test(test_bytes_extremes_round_trip),
    };
    return cmocka_run_group_tests_name("common/bytes", tests, NULL, NULL);
}

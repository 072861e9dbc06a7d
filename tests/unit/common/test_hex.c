/*
 * test_encoding.c — strict hex (common/hex.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "common/hex.h"

static void
test_hex_round_trip(void **state)
{
    (void)state;
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff, 0x7f};
    char hex[MPC_HEX_SIZE(sizeof in)];
    uint8_t out[8];
    size_t n = 99;
    assert_int_equal(mpc_hex_encode(hex, sizeof hex, in, sizeof in), MPC_OK);
    assert_string_equal(hex, "0001abff7f");
    assert_int_equal(mpc_hex_decode(out, sizeof out, &n, "0001ABff7f"), MPC_OK);
    assert_int_equal(n, sizeof in);
    assert_memory_equal(out, in, sizeof in);
    assert_int_equal(mpc_hex_decode(out, sizeof out, &n, ""), MPC_OK);
    assert_int_equal(n, 0);
}

static void
test_hex_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t n = 99;
    assert_int_equal(mpc_hex_decode(out, sizeof out, &n, "abc"), MPC_ERR_PARSE);
    assert_int_equal(n, 0);
    assert_int_equal(mpc_hex_decode(out, sizeof out, &n, "zz"), MPC_ERR_PARSE);
    assert_int_equal(mpc_hex_decode(out, sizeof out, &n, "00 1"), MPC_ERR_PARSE);
    assert_int_equal(mpc_hex_decode(out, sizeof out, &n, "0g"), MPC_ERR_PARSE);
    assert_int_equal(mpc_hex_decode(out, sizeof out, &n, "0011223344"), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(mpc_hex_decode(NULL, 1, &n, "00"), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_hex_decode(out, 1, NULL, "00"), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_hex_decode(out, 1, &n, NULL), MPC_ERR_INVALID_ARG);
}

static void
test_hex_encode_small_buffer(void **state)
{
    (void)state;
    const uint8_t in[] = {1, 2, 3};
    char hex[6] = "zzzzz";
    assert_int_equal(mpc_hex_encode(hex, sizeof hex, in, sizeof in), MPC_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(hex, "");
    assert_int_equal(mpc_hex_encode(NULL, 7, in, 3), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_hex_encode(hex, sizeof hex, NULL, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(mpc_hex_encode(hex, 1, NULL, 0), MPC_OK);
    assert_string_equal(hex, "");
}

static void
test_hex_decode_exact(void **state)
{
    (void)state;
    uint8_t out[2];
    assert_int_equal(mpc_hex_decode_exact(out, 2, "beef"), MPC_OK);
    assert_int_equal(out[0], 0xbe);
    assert_int_equal(out[1], 0xef);
    assert_int_equal(mpc_hex_decode_exact(out, 2, "be"), MPC_ERR_PARSE);
    assert_int_equal(mpc_hex_decode_exact(out, 2, "beefbe"), MPC_ERR_PARSE);
    assert_int_equal(mpc_hex_decode_exact(out, 2, "beeg"), MPC_ERR_PARSE);
    assert_int_equal(mpc_hex_decode_exact(NULL, 2, "beef"), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_hex_rejects_bad_input),
        cmocka_unit_test(test_hex_encode_small_buffer),
        cmocka_unit_test(test_hex_decode_exact),
    };
    return cmocka_run_group_tests_name("common/hex", tests, NULL, NULL);
}

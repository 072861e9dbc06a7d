/*
 * test_errbuf.c — the optional error text buffer (common/errbuf.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "common/errbuf.h"

static void
test_errbuf_formats(void **state)
{
    (void)state;
    char err[32] = "x";
    mpc_errbuf_set(err, sizeof err, "file %s: %d", "a.yaml", 7);
    assert_string_equal(err, "file a.yaml: 7");
    mpc_errbuf_set(err, sizeof err, "%s", "");
    assert_string_equal(err, "");
}

static void
test_errbuf_truncates(void **state)
{
    (void)state;
    char err[8];
    memset(err, 'z', sizeof err);
    mpc_errbuf_set(err, 5, "%s", "abcdefgh");
    assert_string_equal(err, "abcd");
    assert_int_equal(err[5], 'z'); /* nothing past err_cap written */
}

static void
test_errbuf_accepts_no_buffer(void **state)
{
    (void)state;
    char err[4] = "abc";
    mpc_errbuf_set(NULL, 10, "%s", "x");
    mpc_errbuf_set(err, 0, "%s", "x");
    assert_string_equal(err, "abc");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errbuf_formats),
        cmocka_unit_test(test_errbuf_truncates),
        cmocka_unit_test(test_errbuf_accepts_no_buffer),
    };
    return cmocka_run_group_tests_name("common/errbuf", tests, NULL, NULL);
}

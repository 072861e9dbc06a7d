/*
 * test_main.c — one hook in front of every cmocka suite's group run: the
 * test binaries are linked with -Wl,--wrap=_cmocka_run_group_tests (Makefile,
 * rule for $(B)/tests/%), so each cmocka_run_group_tests() of every main()
 * lands here first. It applies MPC_TEST_FILTER (a cmocka glob over case
 * names, e.g. MPC_TEST_FILTER='*5_parties*') and then runs the group as
 * cmocka would. No test main needs to know about it.
 */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

/* The __wrap_/__real_ names are fixed by the linker's --wrap option (hence the
 * leading underscores the house style otherwise avoids). */

int __real__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                                   const size_t num_tests, CMFixtureFunction group_setup,
                                   CMFixtureFunction group_teardown);
int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                                   const size_t num_tests, CMFixtureFunction group_setup,
                                   CMFixtureFunction group_teardown);

int
__wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                               const size_t num_tests, CMFixtureFunction group_setup,
                               CMFixtureFunction group_teardown)
{
    const char *filter = getenv("MPC_TEST_FILTER");
    if (filter != NULL && *filter != '\0') {
        cmocka_set_test_filter(filter);
    }
    return __real__cmocka_run_group_tests(group_name, tests, num_tests, group_setup,
                                          group_teardown);
}

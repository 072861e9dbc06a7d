/*
 * test_subject.c — subject validation and wildcard matching (NATS rules).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "transport/subject.h"
#include "transport/transport.h"

static void
test_subject_valid(void **state)
{
    (void)state;
    assert_true(transport_subject_valid("mpc.s.abc.d.node1", 0));
    assert_true(transport_subject_valid("a", 0));
    assert_true(transport_subject_valid("a.*.c", 1));
    assert_true(transport_subject_valid("a.>", 1));
    assert_true(transport_subject_valid(">", 1));
    assert_false(transport_subject_valid("a.*.c", 0));
    assert_false(transport_subject_valid("a.>", 0));
    assert_false(transport_subject_valid("a.>.c", 1));
    assert_false(transport_subject_valid("a.b*", 1));
    assert_false(transport_subject_valid("a..b", 0));
    assert_false(transport_subject_valid(".a", 0));
    assert_false(transport_subject_valid("a.", 0));
    assert_false(transport_subject_valid("a b", 0));
    assert_false(transport_subject_valid("a\tb", 0));
    assert_false(transport_subject_valid("", 0));
    assert_false(transport_subject_valid(NULL, 1));
    char big[TRANSPORT_SUBJECT_MAX + 1];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(transport_subject_valid(big, 0));
    big[TRANSPORT_SUBJECT_MAX - 1] = '\0';
    assert_true(transport_subject_valid(big, 0));
}

static void
test_subject_match(void **state)
{
    (void)state;
    assert_true(transport_subject_match("a.b", "a.b"));
    assert_false(transport_subject_match("a.b", "a.bc"));
    assert_false(transport_subject_match("a.b", "a.b.c"));
    assert_false(transport_subject_match("a.b.c", "a.b"));
    assert_true(transport_subject_match("a.*", "a.b"));
    assert_false(transport_subject_match("a.*", "a.b.c"));
    assert_false(transport_subject_match("a.*", "a"));
    assert_true(transport_subject_match("a.>", "a.b.c"));
    assert_true(transport_subject_match("a.>", "a.b"));
    assert_false(transport_subject_match("a.>", "a"));
    assert_true(transport_subject_match(">", "x.y"));
    assert_true(transport_subject_match("*.b.>", "a.b.c.d"));
    assert_false(transport_subject_match("*.b.>", "a.c.c.d"));
    assert_true(transport_subject_match("_INBOX.ab12.>", "_INBOX.ab12.d.1.2"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject_valid),
        cmocka_unit_test(test_subject_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_subject_perm.c — the NATS permission table: rendering, the verdict
 * function, and the derived cases (allowed and refused) the server tests use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "transport/subject_perm.h"

#define NODE TRANSPORT_ROLE_NODE
#define CLI  TRANSPORT_ROLE_CLIENT
#define PUB  TRANSPORT_PERM_PUBLISH
#define SUB  TRANSPORT_PERM_SUBSCRIBE

static void
test_perm_render(void **state)
{
    (void)state;
    size_t n = 0;
    const transport_perm_rule *r = transport_perm_rules(&n);
    assert_true(n > 10);
    char pat[TRANSPORT_SUBJECT_MAX];
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(transport_perm_render(&r[i], "node-7", pat, sizeof pat), MPC_OK);
        assert_true(transport_subject_valid(pat, 1));
        assert_non_null(r[i].why);
    }
    assert_int_equal(transport_perm_render(&r[0], "no.de", pat, sizeof pat), MPC_ERR_INVALID_ARG);
    assert_string_equal(pat, "");
    assert_int_equal(transport_perm_render(&r[0], "n", pat, 3), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(transport_perm_render(NULL, "n", pat, sizeof pat), MPC_ERR_INVALID_ARG);
    assert_string_equal(transport_role_name(NODE), "node");
    assert_string_equal(transport_role_name(CLI), "client");
    assert_null(transport_role_name(TRANSPORT_ROLE_COUNT));
}

/* The rules the trust boundary rests on, through the verdict function. */
static void
test_perm_allows_boundary(void **state)
{
    (void)state;
    /* a node publishes only its own result copies and heartbeat */
    assert_true(transport_perm_allows(NODE, "node-1", PUB, "mpc.res.c.r.node-1"));
    assert_false(transport_perm_allows(NODE, "node-1", PUB, "mpc.res.c.r.node-2"));
    assert_false(transport_perm_allows(NODE, "node-1", PUB, "mpc.res.c.r"));
    assert_true(transport_perm_allows(NODE, "node-1", PUB, "mpc.n.node-1.hb"));
    assert_false(transport_perm_allows(NODE, "node-1", PUB, "mpc.n.node-2.hb"));
    /* a node hears broadcasts and only its own direct subjects */
    assert_true(transport_perm_allows(NODE, "node-1", SUB, "mpc.s.*.b"));
    assert_true(transport_perm_allows(NODE, "node-1", SUB, "mpc.s.ab.d.node-1"));
    assert_false(transport_perm_allows(NODE, "node-1", SUB, "mpc.s.ab.d.node-2"));
    assert_false(transport_perm_allows(NODE, "node-1", SUB, "mpc.s.*.d.*"));
    assert_false(transport_perm_allows(NODE, "node-1", SUB, "mpc.s.ab.r.node-2"));
    /* nobody updates, deletes or purges streams */
    assert_false(transport_perm_allows(NODE, "node-1", PUB, "$JS.API.STREAM.UPDATE.MPC_REQ"));
    assert_false(transport_perm_allows(NODE, "node-1", PUB, "$JS.API.STREAM.DELETE.MPC_REQ"));
    assert_false(transport_perm_allows(CLI, "client", PUB, "$JS.API.STREAM.PURGE.MPC_RES"));
    /* a client requests and reads results; the deny list wins */
    assert_true(transport_perm_allows(CLI, "client", PUB, "mpc.req.sign"));
    assert_false(transport_perm_allows(CLI, "client", PUB, "mpc.res.c.r.node-1"));
    assert_false(transport_perm_allows(CLI, "client", PUB, "mpc.s.ab.b"));
    assert_true(transport_perm_allows(CLI, "client", SUB, "mpc.res.c.r.node-1"));
    assert_false(transport_perm_allows(CLI, "client", SUB, "mpc.s.*.b"));
    assert_false(transport_perm_allows(TRANSPORT_ROLE_COUNT, "x", PUB, "mpc.req.sign"));
}

static int
find_case(const transport_perm_case *c, size_t n, transport_perm_dir dir, const char *subject)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].dir == dir && strcmp(c[i].subject, subject) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void
test_perm_cases(void **state)
{
    (void)state;
    static transport_perm_case c[256];
    size_t n = 0, allowed = 0;
    assert_int_equal(transport_perm_cases(NODE, "node-1", "node-2", c, 256, &n), MPC_OK);
    for (size_t i = 0; i < n; i++) {
        allowed += c[i].allowed;
        assert_int_equal(c[i].allowed,
                         transport_perm_allows(NODE, "node-1", c[i].dir, c[i].subject));
        assert_int_equal(find_case(c, n, c[i].dir, c[i].subject), (int)i); /* no duplicates */
    }
    assert_true(allowed > 5 && allowed < n);
    /* both sides of the own-subject rules are covered */
    const char *sid = "0123456789abcdef0123456789abcdef";
    char s[TRANSPORT_SUBJECT_MAX];
    assert_int_equal(
        transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_RESULT, "cli1", "r1", "node-2"),
        MPC_OK);
    int i = find_case(c, n, PUB, s);
    assert_true(i >= 0 && !c[i].allowed);
    assert_int_equal(
        transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_SESSION_DIRECT, sid, "node-1", NULL),
        MPC_OK);
    i = find_case(c, n, SUB, s);
    assert_true(i >= 0 && c[i].allowed);
    i = find_case(c, n, SUB, "mpc.s.*.d.*");
    assert_true(i >= 0 && !c[i].allowed);
    /* errors */
    assert_int_equal(transport_perm_cases(NODE, "node-1", "node-2", c, 3, &n),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(transport_perm_cases(NODE, "no de", "node-2", c, 256, &n),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(n, 0);
    assert_int_equal(transport_perm_cases(TRANSPORT_ROLE_COUNT, "a", "b", c, 256, &n),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_perm_cases(CLI, "client", "node-1", c, 256, &n), MPC_OK);
    assert_true(n > 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perm_render),
        cmocka_unit_test(test_perm_allows_boundary),
        cmocka_unit_test(test_perm_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

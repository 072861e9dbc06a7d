/*
 * test_subject.c — subject validation and wildcard matching (NATS rules).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
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

/* Sample ids for a template: one distinct token per position. */
static const char *const sample_ids[3] = {"id-a", "id_B", "0123abcd"};

static void
test_subject_build_parse_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < TRANSPORT_SUBJ_COUNT; k++) {
        size_t a = transport_subject_arity((transport_subject_kind)k);
        assert_true(a >= 1 && a <= TRANSPORT_SUBJECT_ARGS_MAX);
        const char *ids[3] = {NULL, NULL, NULL};
        for (size_t i = 0; i < a; i++) {
            ids[i] = sample_ids[i];
        }
        char subj[TRANSPORT_SUBJECT_MAX];
        assert_int_equal(transport_subject_build(subj, sizeof subj, (transport_subject_kind)k,
                                                 ids[0], ids[1], ids[2]),
                         MPC_OK);
        assert_true(transport_subject_valid(subj, 0));
        transport_subject_parts p;
        assert_int_equal(transport_subject_parse(subj, &p), MPC_OK);
        assert_int_equal(p.kind, k);
        assert_int_equal(p.n_args, a);
        for (size_t i = 0; i < a; i++) {
            assert_string_equal(p.arg[i], ids[i]);
        }
        /* the all-wildcard pattern matches it; parse_kind agrees */
        char pat[TRANSPORT_SUBJECT_MAX];
        assert_int_equal(
            transport_subject_pattern(pat, sizeof pat, (transport_subject_kind)k, NULL, NULL, NULL),
            MPC_OK);
        assert_true(transport_subject_valid(pat, 1));
        assert_true(transport_subject_match(pat, subj));
        char x[TRANSPORT_SUBJECT_TOKEN_MAX + 1];
        assert_true(transport_subject_parse_kind(subj, (transport_subject_kind)k, x, NULL, NULL));
        assert_string_equal(x, ids[0]);
        assert_false(transport_subject_parse_kind(
            subj, (transport_subject_kind)((k + 1) % TRANSPORT_SUBJ_COUNT), x, NULL, NULL));
    }
}

static void
test_subject_build_known_forms(void **state)
{
    (void)state;
    char s[TRANSPORT_SUBJECT_MAX];
    assert_int_equal(
        transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_REQUEST, "sign", NULL, NULL), MPC_OK);
    assert_string_equal(s, "mpc.req.sign");
    assert_true(transport_subject_match(TRANSPORT_SUBJECT_ALL_REQUESTS, s)); /* stored in MPC_REQ */
    assert_int_equal(
        transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_RESULT, "cli", "r1", "node-2"), MPC_OK);
    assert_string_equal(s, "mpc.res.cli.r1.node-2");
    assert_true(transport_subject_match(TRANSPORT_SUBJECT_ALL_RESULTS, s)); /* stored in MPC_RES */
    assert_false(transport_subject_match(TRANSPORT_SUBJECT_ALL_REQUESTS, s));
    assert_int_equal(
        transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_SESSION_DIRECT, "ab12", "node-1", NULL),
        MPC_OK);
    assert_string_equal(s, "mpc.s.ab12.d.node-1");
    assert_int_equal(
        transport_subject_pattern(s, sizeof s, TRANSPORT_SUBJ_SESSION_DIRECT, NULL, "node-1", NULL),
        MPC_OK);
    assert_string_equal(s, "mpc.s.*.d.node-1");
    assert_int_equal(
        transport_subject_pattern(s, sizeof s, TRANSPORT_SUBJ_RESULT, "cli", NULL, NULL), MPC_OK);
    assert_string_equal(s, "mpc.res.cli.*.*");
    assert_int_equal(
        transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_HEARTBEAT, "n1", NULL, NULL), MPC_OK);
    assert_string_equal(s, "mpc.n.n1.hb");
    assert_string_equal(transport_subject_template(TRANSPORT_SUBJ_SESSION_READY),
                        "mpc.s.{sid}.r.{node}");
    assert_string_equal(transport_subject_kind_name(TRANSPORT_SUBJ_KEYCLAIM), "keyclaim");
    assert_null(transport_subject_template(TRANSPORT_SUBJ_COUNT));
    assert_null(transport_subject_kind_name(TRANSPORT_SUBJ_COUNT));
    assert_int_equal(transport_subject_arity(TRANSPORT_SUBJ_COUNT), 0);
}

static void
test_subject_build_rejects_bad_ids(void **state)
{
    (void)state;
    char over[TRANSPORT_SUBJECT_TOKEN_MAX + 2];
    memset(over, 'a', sizeof over - 1);
    over[sizeof over - 1] = '\0';
    const char *bad[] = {"a.b", "a*", "*", ">", "a>", "a b", "a\tb", "", "\x7f", "\xc3\xa9", over};
    char s[TRANSPORT_SUBJECT_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(s, "junk");
        assert_false(transport_subject_token_ok(bad[i]));
        assert_int_equal(
            transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_STATUS, bad[i], NULL, NULL),
            MPC_ERR_INVALID_ARG);
        assert_string_equal(s, "");
        assert_int_equal(
            transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_RESULT, "c", bad[i], "n"),
            MPC_ERR_INVALID_ARG);
        assert_int_equal(
            transport_subject_pattern(s, sizeof s, TRANSPORT_SUBJ_RESULT, "c", bad[i], NULL),
            MPC_ERR_INVALID_ARG);
    }
    over[TRANSPORT_SUBJECT_TOKEN_MAX] = '\0'; /* exactly the maximum: fine */
    assert_int_equal(transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_STATUS, over, NULL, NULL),
                     MPC_OK);
    /* missing, extra and wildcard ids; bad kind; small buffer */
    assert_int_equal(transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_STATUS, NULL, NULL, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_STATUS, "n", "x", NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_pattern(s, sizeof s, TRANSPORT_SUBJ_STATUS, NULL, "x", NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_build(s, sizeof s, TRANSPORT_SUBJ_COUNT, "n", NULL, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_build(s, 12, TRANSPORT_SUBJ_STATUS, "node-1", NULL, NULL),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(s, "");
    assert_int_equal(transport_subject_build(NULL, 8, TRANSPORT_SUBJ_STATUS, "n", NULL, NULL),
                     MPC_ERR_INVALID_ARG);
}

static void
test_subject_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"mpc.req",      "mpc.req.sign.x", "mpc.res.c.r", "mpc.res.c.r.n.x",
                         "mpc.s.ab.x",   "mpc.s.ab.d",     "mpc.n.a.hbx", "mpc.n.*.hb",
                         "mpc.s.ab.d.>", "x.req.sign",     "mpc..req",    "",
                         "mpc.n.a b.hb", "mpc.res.c.r.n.", NULL};
    transport_subject_parts p;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(transport_subject_parse(bad[i], &p), MPC_ERR_INVALID_ARG);
        assert_int_equal(p.n_args, 0);
    }
    assert_int_equal(transport_subject_parse("mpc.n.a.hb", NULL), MPC_ERR_INVALID_ARG);
    char id[TRANSPORT_SUBJECT_TOKEN_MAX + 1];
    assert_false(transport_subject_parse_kind("mpc.n.a.hb", TRANSPORT_SUBJ_COUNT, id, NULL, NULL));
    /* a token longer than an id: not a scheme subject */
    char big[TRANSPORT_SUBJECT_MAX];
    memset(big, 'a', TRANSPORT_SUBJECT_TOKEN_MAX + 1);
    big[TRANSPORT_SUBJECT_TOKEN_MAX + 1] = '\0';
    char subj[TRANSPORT_SUBJECT_MAX + 16];
    snprintf(subj, sizeof subj, "mpc.n.%s.hb", big);
    assert_int_equal(transport_subject_parse(subj, &p), MPC_ERR_INVALID_ARG);
}

static void
test_subject_inbox(void **state)
{
    (void)state;
    char pre[64], s[TRANSPORT_SUBJECT_MAX];
    uint64_t n[3] = {0, 0, 0};
    assert_int_equal(transport_subject_inbox_prefix(pre, sizeof pre, "node-1", NULL), MPC_OK);
    assert_string_equal(pre, "_INBOX.node-1");
    assert_int_equal(transport_subject_inbox_prefix(pre, sizeof pre, "node-1", "ab12"), MPC_OK);
    assert_string_equal(pre, "_INBOX.node-1.ab12");
    assert_int_equal(transport_subject_inbox_prefix(pre, sizeof pre, "no.de", "ab12"),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_inbox_prefix(pre, sizeof pre, NULL, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_inbox_prefix(pre, 8, NULL, "ab12"),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(transport_subject_inbox_prefix(pre, sizeof pre, NULL, "ab12"), MPC_OK);
    assert_string_equal(pre, "_INBOX.ab12");
    const uint64_t d[3] = {7, 3, 18446744073709551615u};
    assert_int_equal(transport_subject_inbox_reply(s, sizeof s, pre, 'd', d, 3), MPC_OK);
    assert_string_equal(s, "_INBOX.ab12.d.7.3.18446744073709551615");
    assert_true(transport_subject_is_inbox(s));
    assert_true(transport_subject_inbox_parse(s, pre, 'd', n, 3));
    assert_true(n[0] == 7 && n[1] == 3 && n[2] == 18446744073709551615u);
    assert_false(transport_subject_inbox_parse(s, pre, 'd', n, 2)); /* one number too many */
    assert_false(transport_subject_inbox_parse(s, pre, 'r', n, 3));
    assert_false(transport_subject_inbox_parse(s, "_INBOX.ab1", 'd', n, 3));
    assert_int_equal(transport_subject_inbox_reply(s, sizeof s, pre, 'r', d, 1), MPC_OK);
    assert_string_equal(s, "_INBOX.ab12.r.7");
    assert_true(transport_subject_inbox_parse(s, pre, 'r', n, 1));
    const struct {
        const char *s; /* subject */
        char tag;      /* 'd' (3 numbers) or 'r' (1) */
    } bad[] = {{"_INBOX.ab12.r.", 'r'},       {"_INBOX.ab12.r.18446744073709551616", 'r'},
               {"_INBOX.ab12.r.1x", 'r'},     {"_INBOX.ab12.r.1.2", 'r'},
               {"_INBOX.ab12.d.1.2", 'd'},    {"_INBOX.ab12.d.1.2.", 'd'},
               {"_INBOX.ab12", 'r'},          {"_INBOX.ab12x.r.1", 'r'},
               {"_INBOX.ab12.d.1.2.3.4", 'd'}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(
            transport_subject_inbox_parse(bad[i].s, pre, bad[i].tag, n, bad[i].tag == 'd' ? 3 : 1));
    }
    assert_int_equal(transport_subject_inbox_reply(s, sizeof s, pre, 'x', d, 1),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_inbox_reply(s, sizeof s, pre, 'r', d, 0),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_inbox_reply(s, sizeof s, pre, 'r', d, 4),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_inbox_reply(s, sizeof s, "bad prefix", 'r', d, 1),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_subject_inbox_reply(s, 14, pre, 'r', d, 1),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(s, "");
    /* responders answer only on reply inboxes */
    assert_true(transport_subject_is_inbox("_INBOX.client.ab.r.1"));
    assert_false(transport_subject_is_inbox("mpc.res.c.r.node-1"));
    assert_false(transport_subject_is_inbox("_INBOX.>"));
    assert_false(transport_subject_is_inbox("_INBOX"));
    assert_false(transport_subject_is_inbox(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject_valid),
        cmocka_unit_test(test_subject_match),
        cmocka_unit_test(test_subject_build_parse_round_trip),
        cmocka_unit_test(test_subject_build_known_forms),
        cmocka_unit_test(test_subject_build_rejects_bad_ids),
        cmocka_unit_test(test_subject_parse_rejects),
        cmocka_unit_test(test_subject_inbox),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

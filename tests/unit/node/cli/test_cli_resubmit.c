/*
 * test_cli_resubmit.c — mpc-cli's resubmission schedule
 * (node/cli/cli_resubmit.h): when a resubmission is due, its bound, the
 * Nats-Msg-Id of each copy, the option values; and `mpc-cli sign|keygen|
 * reshare` parsing --resubmit-ms / --resubmit-max (defaults, 0 = off).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "node/cli/cli.h"
#include "node/cli/cli_request.h"
#include "node/cli/cli_resubmit.h"

#define T0 1000000u /* an arbitrary monotonic start, ms */

/* Simulates a client waiting from T0 to T0 + wait_ms in steps of 250 ms (its poll), a copy
 * arriving every heard_every ms (0: never). Out: at[] the resubmission times (relative).
 * Returns: the number of resubmissions. */
static uint32_t
simulate(uint64_t interval, uint32_t max, uint64_t wait_ms, uint64_t heard_every, uint64_t *at,
         size_t cap)
{
    struct cli_resubmit s;
    cli_resubmit_init(&s, interval, max, T0);
    for (uint64_t t = 0; t <= wait_ms; t += 250) {
        if (heard_every != 0 && t > 0 && t % heard_every == 0) {
            cli_resubmit_heard(&s, T0 + t);
        }
        if (cli_resubmit_due(&s, T0 + t)) {
            if (s.count < cap) {
                at[s.count] = t;
            }
            cli_resubmit_sent(&s, T0 + t);
        }
    }
    return s.count;
}

static void
test_cli_resubmit_due_after_quiet_interval(void **state)
{
    (void)state;
    struct cli_resubmit s;
    cli_resubmit_init(&s, 10000, 5, T0);
    assert_int_equal(s.count, 0);
    assert_false(cli_resubmit_due(&s, T0));
    assert_false(cli_resubmit_due(&s, T0 + 9999));
    assert_true(cli_resubmit_due(&s, T0 + 10000));
    cli_resubmit_sent(&s, T0 + 10000);
    assert_int_equal(s.count, 1);
    assert_false(cli_resubmit_due(&s, T0 + 19999)); /* the quiet time restarts at the publish */
    assert_true(cli_resubmit_due(&s, T0 + 20000));
    /* a copy arrived: nothing is due for another interval */
    cli_resubmit_heard(&s, T0 + 15000);
    assert_false(cli_resubmit_due(&s, T0 + 20000));
    assert_true(cli_resubmit_due(&s, T0 + 25000));
    /* a clock reading before the last event is never "due" (no unsigned wrap) */
    assert_false(cli_resubmit_due(&s, T0 + 1000));
}

static void
test_cli_resubmit_bounded_and_off(void **state)
{
    (void)state;
    uint64_t at[16];
    /* nothing ever arrives for 60 s: resubmissions at 10, 20, 30, 40, 50 s, then no more */
    assert_int_equal(simulate(10000, 5, 60000, 0, at, 16), 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(at[i], (uint64_t)(i + 1) * 10000u);
    }
    /* a longer wait does not make more: the bound holds */
    assert_int_equal(simulate(10000, 5, 600000, 0, at, 16), 5);
    assert_int_equal(simulate(10000, 0, 600000, 0, at, 16), 0);    /* --resubmit-max 0 */
    assert_int_equal(simulate(0, 5, 600000, 0, at, 16), 0);        /* --resubmit-ms 0: off */
    assert_int_equal(simulate(10000, 5, 9750, 0, at, 16), 0);      /* answered in time */
    assert_int_equal(simulate(1000, 100, 600000, 500, at, 16), 0); /* copies keep coming */
    /* copies every 5 s stop after 20 s: the next resubmission is an interval after the last */
    struct cli_resubmit s;
    cli_resubmit_init(&s, 10000, 5, T0);
    for (uint64_t t = 5000; t <= 20000; t += 5000) {
        cli_resubmit_heard(&s, T0 + t);
        assert_false(cli_resubmit_due(&s, T0 + t + 4750));
    }
    assert_false(cli_resubmit_due(&s, T0 + 29999));
    assert_true(cli_resubmit_due(&s, T0 + 30000));
}

static void
test_cli_resubmit_msg_id(void **state)
{
    (void)state;
    char base[65];
    memset(base, 'a', 64);
    base[64] = '\0';
    char id[80], id2[80];
    assert_int_equal(cli_resubmit_msg_id(id, sizeof id, base, 1), MPC_OK);
    assert_int_equal(strlen(id), 67u);
    assert_int_equal(strncmp(id, base, 64), 0);
    assert_string_equal(id + 64, ".r1");
    assert_int_equal(cli_resubmit_msg_id(id2, sizeof id2, base, 12), MPC_OK);
    assert_string_equal(id2 + 64, ".r12");
    assert_string_not_equal(id, id2); /* each copy its own id: JetStream keeps every one */
    assert_string_not_equal(id, base);
    /* misuse */
    assert_int_equal(cli_resubmit_msg_id(id, sizeof id, base, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(cli_resubmit_msg_id(id, sizeof id, "", 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(cli_resubmit_msg_id(id, sizeof id, NULL, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(cli_resubmit_msg_id(NULL, 10, base, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(cli_resubmit_msg_id(id, 0, base, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(cli_resubmit_msg_id(id, 67, base, 1), MPC_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(id, "");
}

static void
test_cli_resubmit_parse(void **state)
{
    (void)state;
    uint64_t ms = 7;
    uint32_t n = 7;
    assert_int_equal(cli_resubmit_parse_ms("0", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(cli_resubmit_parse_ms("2500", &ms), 0);
    assert_int_equal(ms, 2500);
    assert_int_equal(cli_resubmit_parse_ms("3600000", &ms), 0);
    assert_int_equal(cli_resubmit_parse_ms("3600001", &ms), -1);
    assert_int_equal(cli_resubmit_parse_ms("-1", &ms), -1);
    assert_int_equal(cli_resubmit_parse_ms("10s", &ms), -1);
    assert_int_equal(cli_resubmit_parse_ms("", &ms), -1);
    assert_int_equal(cli_resubmit_parse_ms(NULL, &ms), -1);
    assert_int_equal(cli_resubmit_parse_ms("99999999999999999999999", &ms), -1);
    assert_int_equal(ms, 3600000); /* unchanged by the refusals */
    assert_int_equal(cli_resubmit_parse_max("0", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(cli_resubmit_parse_max("100", &n), 0);
    assert_int_equal(n, 100);
    assert_int_equal(cli_resubmit_parse_max("101", &n), -1);
    assert_int_equal(cli_resubmit_parse_max(" 3", &n), -1);
}

/* `mpc-cli sign` options: defaults, 0 = off, bad values are usage errors. */
static void
test_cli_resubmit_options(void **state)
{
    (void)state;
    struct cli_req_opts o;
    const char *plain[] = {"sign", "--key", "k", "--wallet", "w", "--message", "m"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_SIGN, 7, (char **)plain, &o), CLI_EXIT_OK);
    assert_int_equal(o.resubmit_ms, CLI_RESUBMIT_DEF_MS);
    assert_int_equal(o.resubmit_max, CLI_RESUBMIT_DEF_MAX);
    assert_true(o.resubmit_ms < o.timeout_ms); /* well inside the default --timeout */
    cli_req_opts_clear(&o);
    const char *off[] = {"keygen", "--key",          "k", "--wallet", "w", "--resubmit-ms",
                         "0",      "--resubmit-max", "2"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_KEYGEN, 9, (char **)off, &o), CLI_EXIT_OK);
    assert_int_equal(o.resubmit_ms, 0);
    assert_int_equal(o.resubmit_max, 2);
    cli_req_opts_clear(&o);
    const char *bad[] = {
        "reshare", "--key",           "k", "--wallet",      "w",   "--new-participants",
        "a,b",     "--new-threshold", "2", "--resubmit-ms", "soon"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_RESHARE, 11, (char **)bad, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    const char *bad_max[] = {"sign", "--key",          "k",   "--wallet", "w", "--message",
                             "m",    "--resubmit-max", "1000"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_SIGN, 9, (char **)bad_max, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_resubmit_due_after_quiet_interval),
        cmocka_unit_test(test_cli_resubmit_bounded_and_off),
        cmocka_unit_test(test_cli_resubmit_msg_id),
        cmocka_unit_test(test_cli_resubmit_parse),
        cmocka_unit_test(test_cli_resubmit_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

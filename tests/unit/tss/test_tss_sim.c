/*
 * test_tss_sim.c — the protocol simulator of tests/support (shared by the
 * tss, session and ECDSA tests): round gating (parked future-round
 * messages, dropped late ones), seeded reordering, tamper hooks, stalls and
 * error reporting, with a toy three-round broadcast protocol.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "tests/support/tss_sim.h"

#define TOY_ROUNDS 3

/* Toy state: broadcasts (round, self) each round; advances after `need` messages. */
typedef struct {
    tss_base b;      /* first member (the table casts): self, n, round, done */
    uint32_t got;    /* messages received this round */
    uint32_t need;   /* messages that complete a round */
    int wrong_round; /* a message of another round was delivered */
    uint64_t order;  /* hash of the delivery order */
} toy;

static const tss_protocol toy_proto;

static mpc_status
toy_create(tss_base **state, const tss_params *p)
{
    toy *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_base_open(&t->b, &toy_proto, p->self, p->n_parties);
    t->b.culprit = 0; /* the toy blames party 0 for everything */
    t->need = p->threshold ? p->threshold : p->n_parties - 1;
    *state = &t->b;
    return MPC_OK;
}

static mpc_status
toy_send(toy *t, mpc_outbox *out)
{
    uint8_t m[2] = {(uint8_t)t->b.round, (uint8_t)t->b.self};
    return mpc_outbox_add(out, t->b.round, MPC_OUTBOX_ALL, m, 2);
}

static mpc_status
toy_start(tss_base *s, mpc_outbox *out)
{
    toy *t = (toy *)s;
    t->b.round = 1;
    return toy_send(t, out);
}

static mpc_status
toy_handle(tss_base *s, uint32_t from, uint32_t round, int bc, const uint8_t *d, size_t len,
           mpc_outbox *out)
{
    toy *t = (toy *)s;
    if (len != 2 || !bc || d[0] != round || d[1] != from) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (round != t->b.round) {
        t->wrong_round = 1;
        return MPC_ERR_PROTOCOL;
    }
    t->order = t->order * 31 + from + 1;
    if (++t->got < t->need) {
        return MPC_OK;
    }
    t->got = 0;
    if (t->b.round == TOY_ROUNDS) {
        t->b.done = 1;
        t->b.round = 0;
        return MPC_OK;
    }
    t->b.round++;
    return toy_send(t, out);
}

static mpc_status
toy_result(tss_base *s, uint8_t **out, size_t *len)
{
    toy *t = (toy *)s;
    *out = mpc_secure_alloc(sizeof t->order);
    if (*out == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(*out, &t->order, sizeof t->order);
    *len = sizeof t->order;
    return MPC_OK;
}

static void
toy_destroy(tss_base *s)
{
    free(s);
}

static const tss_protocol toy_proto = {"toy",      toy_create, toy_start,
                                       toy_handle, toy_result, toy_destroy};

static const uint8_t sid[TSS_SID_LEN];
static const char *const names[5] = {"a", "b", "c", "d", "e"};

static void
params(tss_params *p, uint32_t n, uint32_t need)
{
    for (uint32_t i = 0; i < n; i++) {
        p[i] = (tss_params){
            .sid = sid, .self = i, .n_parties = n, .party_ids = names, .threshold = need};
    }
}

static void
test_tss_sim_runs_with_round_gating_and_reordering(void **state)
{
    (void)state;
    tss_params p[5];
    uint64_t first = 0;
    int differs = 0;
    params(p, 5, 0);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        tss_sim_result res;
        assert_int_equal(tss_sim_run(&toy_proto, p, 5, seed, NULL, NULL, &res), MPC_OK);
        assert_int_equal(res.delivered, 5 * 4 * TOY_ROUNDS);
        assert_int_equal(res.dropped_late, 0);
        uint64_t order;
        memcpy(&order, res.parties[0].result, sizeof order);
        if (seed == 1) {
            first = order;
        } else if (order != first) {
            differs = 1;
        }
        tss_sim_result_free(&res);
    }
    assert_true(differs); /* different seeds deliver in different orders */
}

static void
test_tss_sim_drops_late_messages(void **state)
{
    (void)state;
    /* Parties advance after 2 of 4 messages: the remaining ones arrive late. */
    tss_params p[5];
    tss_sim_result res;
    params(p, 5, 2);
    assert_int_equal(tss_sim_run(&toy_proto, p, 5, 7, NULL, NULL, &res), MPC_OK);
    assert_true(res.dropped_late > 0);
    for (uint32_t i = 0; i < 5; i++) {
        assert_true(res.parties[i].done);
    }
    tss_sim_result_free(&res);
}

static int
drop_one(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **d, size_t *len)
{
    (void)user;
    (void)bc;
    (void)d;
    (void)len;
    return from == 1 && to == 2 && round == 2;
}

static int
corrupt_one(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **d,
            size_t *len)
{
    (void)user;
    (void)bc;
    if (from == 0 && to == 3 && round == 1) {
        (*d)[1] = 9;
        *len = 2;
    }
    return 0;
}

static void
test_tss_sim_stall_and_error_reporting(void **state)
{
    (void)state;
    tss_params p[4];
    tss_sim_result res;
    params(p, 4, 0);
    assert_int_equal(tss_sim_run(&toy_proto, p, 4, 3, drop_one, NULL, &res), MPC_ERR_PROTOCOL);
    assert_false(res.parties[2].done);
    assert_int_equal(res.parties[2].status, MPC_OK);
    assert_null(res.parties[2].result);
    tss_sim_result_free(&res);
    assert_int_equal(tss_sim_run(&toy_proto, p, 4, 3, corrupt_one, NULL, &res),
                     MPC_ERR_MSG_MALFORMED);
    assert_int_equal(res.parties[3].status, MPC_ERR_MSG_MALFORMED);
    assert_int_equal(res.parties[3].culprit, 0);
    tss_sim_result_free(&res);
    assert_int_equal(tss_sim_run(NULL, p, 4, 3, NULL, NULL, &res), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_sim_run(&toy_proto, p, 0, 3, NULL, NULL, &res), MPC_ERR_INVALID_ARG);
    tss_sim_result_free(&res);
}

static void
test_tss_sim_prng_and_seed(void **state)
{
    (void)state;
    uint64_t a = 42, b = 42;
    assert_int_equal(tss_sim_rand(&a), tss_sim_rand(&b));
    assert_int_not_equal(tss_sim_rand(&a), tss_sim_rand(&a));
    setenv("MPC_TEST_SEED", "1234", 1);
    assert_int_equal(mpc_test_seed("test_tss_sim"), 1234);
    unsetenv("MPC_TEST_SEED");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tss_sim_runs_with_round_gating_and_reordering),
        cmocka_unit_test(test_tss_sim_drops_late_messages),
        cmocka_unit_test(test_tss_sim_stall_and_error_reporting),
        cmocka_unit_test(test_tss_sim_prng_and_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

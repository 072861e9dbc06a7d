/*
 * test_toy_protocol.c — the toy protocol in an in-process simulator (no
 * session manager): correct results for 2..8 parties in random delivery
 * order, and every malformed input rejected with a status and a culprit.
 * The expected result is computed by hand for a small case, and by
 * toy_protocol_expected (a direct formula, not the protocol) otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/outbox.h"
#include "common/secmem.h"
#include "tests/support/session_testkit.h"
#include "tests/support/toy_protocol.h"
#include "tests/support/transport_testkit.h"

#define MAXP 8
#define MAXQ 1024

/* A message in flight. */
typedef struct {
    uint32_t from, to, round; /* routing */
    int bcast;                /* broadcast */
    uint8_t data[64];         /* payload */
    size_t len;               /* payload length */
} sim_msg;

typedef struct {
    uint32_t n;
    tss_base *st[MAXP];
    sim_msg q[MAXQ];
    size_t nq;
    uint8_t sid[16];
    const char *ids[MAXP];
} sim;

static const char *const names[MAXP] = {"a", "b", "c", "d", "e", "f", "g", "h"};

static void
sim_queue(sim *s, uint32_t from, mpc_outbox *ob)
{
    for (size_t i = 0; i < ob->n; i++) {
        const mpc_out_msg *m = &ob->msgs[i];
        for (uint32_t to = 0; to < s->n; to++) {
            if (to == from || (m->to != MPC_OUTBOX_ALL && m->to != to)) {
                continue;
            }
            assert_true(s->nq < MAXQ);
            assert_true(m->len <= sizeof s->q[0].data);
            sim_msg *q = &s->q[s->nq++];
            q->from = from;
            q->to = to;
            q->round = m->round;
            q->bcast = m->to == MPC_OUTBOX_ALL;
            memcpy(q->data, m->data, m->len);
            q->len = m->len;
        }
    }
    mpc_outbox_clear(ob);
}

static void
sim_create(sim *s, uint32_t n, const uint64_t *inputs)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    memset(s->sid, 0x5a, sizeof s->sid);
    for (uint32_t i = 0; i < n; i++) {
        s->ids[i] = names[i];
    }
    const tss_protocol *p = toy_protocol();
    for (uint32_t i = 0; i < n; i++) {
        uint8_t in[8];
        toy_protocol_encode_input(inputs[i], in);
        tss_params pp = {.sid = s->sid,
                         .self = i,
                         .n_parties = n,
                         .party_ids = s->ids,
                         .threshold = n,
                         .input = in,
                         .input_len = 8};
        assert_int_equal(p->create(&s->st[i], &pp), MPC_OK);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_outbox ob;
        mpc_outbox_init(&ob);
        assert_int_equal(tss_proto_start(s->st[i], &ob), MPC_OK);
        assert_int_equal(tss_proto_current_round(s->st[i]), 1);
        sim_queue(s, i, &ob);
    }
}

/* Delivers queued messages in random order, holding back those of future rounds. */
static void
sim_run(sim *s, uint64_t *rng)
{
    for (int guard = 0; s->nq > 0 && guard < 100000; guard++) {
        size_t i = (size_t)(stk_rand(rng) % s->nq);
        sim_msg m = s->q[i];
        if (m.round != tss_proto_current_round(s->st[m.to])) {
            continue; /* the manager would park it */
        }
        s->q[i] = s->q[--s->nq];
        mpc_outbox ob;
        mpc_outbox_init(&ob);
        assert_int_equal(
            tss_proto_handle(s->st[m.to], m.from, m.round, m.bcast, m.data, m.len, &ob), MPC_OK);
        sim_queue(s, m.to, &ob);
    }
    assert_int_equal(s->nq, 0);
}

static void
sim_destroy(sim *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        tss_proto_destroy(s->st[i]);
    }
}

static uint64_t
sim_result(sim *s, uint32_t i)
{
    uint8_t *r = NULL;
    size_t len = 0;
    assert_true(tss_proto_is_done(s->st[i]));
    assert_int_equal(tss_proto_current_round(s->st[i]), 0);
    assert_int_equal(tss_proto_result(s->st[i], &r, &len), MPC_OK);
    assert_int_equal(len, TOY_PROTOCOL_RESULT_LEN);
    uint64_t v = toy_protocol_decode_result(r);
    mpc_secure_free(r);
    return v;
}

static void
test_toy_protocol_known_answer(void **state)
{
    (void)state;
    uint64_t rng = mpc_test_seed("toy_known") | 1;
    const uint64_t in[3] = {1, 2, 3};
    assert_int_equal(toy_protocol_expected(in, 3), 14); /* 1*1 + 2*2 + 3*3 */
    sim s;
    sim_create(&s, 3, in);
    sim_run(&s, &rng);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(sim_result(&s, i), 14);
    }
    sim_destroy(&s);
}

static void
test_toy_protocol_random_parties(void **state)
{
    (void)state;
    uint64_t rng = mpc_test_seed("toy_random") | 1;
    for (uint32_t n = 2; n <= MAXP; n++) {
        uint64_t in[MAXP];
        for (uint32_t i = 0; i < n; i++) {
            in[i] = stk_rand(&rng);
        }
        sim s;
        sim_create(&s, n, in);
        sim_run(&s, &rng);
        for (uint32_t i = 0; i < n; i++) {
            assert_int_equal(sim_result(&s, i), toy_protocol_expected(in, n));
        }
        sim_destroy(&s);
    }
}

/* Runs 3 parties until party 0 is about to take its first message of `round`. */
static size_t
sim_until(sim *s, uint32_t round, uint64_t *rng)
{
    const uint64_t in[3] = {10, 20, 30};
    sim_create(s, 3, in);
    for (int guard = 0; guard < 100000; guard++) {
        for (size_t i = 0; i < s->nq; i++) {
            if (s->q[i].to == 0 && s->q[i].round == round &&
                tss_proto_current_round(s->st[0]) == round) {
                return i;
            }
        }
        size_t i = (size_t)(stk_rand(rng) % s->nq);
        sim_msg m = s->q[i];
        if (m.round != tss_proto_current_round(s->st[m.to]) || (m.to == 0 && m.round == round)) {
            continue;
        }
        s->q[i] = s->q[--s->nq];
        mpc_outbox ob;
        mpc_outbox_init(&ob);
        assert_int_equal(
            tss_proto_handle(s->st[m.to], m.from, m.round, m.bcast, m.data, m.len, &ob), MPC_OK);
        sim_queue(s, m.to, &ob);
    }
    fail();
    return 0;
}

static mpc_status
deliver_to0(sim *s, const sim_msg *m)
{
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    mpc_status st = tss_proto_handle(s->st[0], m->from, m->round, m->bcast, m->data, m->len, &ob);
    mpc_outbox_clear(&ob);
    return st;
}

static void
test_toy_protocol_rejects_bad_messages(void **state)
{
    (void)state;
    uint64_t rng = mpc_test_seed("toy_bad") | 1;
    for (uint32_t round = 1; round <= TOY_PROTOCOL_ROUNDS; round++) {
        sim s;
        size_t i = sim_until(&s, round, &rng);
        sim_msg m = s.q[i];
        sim_msg bad = m;
        bad.len = m.len - 1;
        assert_int_equal(deliver_to0(&s, &bad), MPC_ERR_MSG_MALFORMED);
        assert_int_equal(tss_proto_culprit(s.st[0]), m.from);
        bad = m;
        bad.bcast = !m.bcast;
        assert_int_equal(deliver_to0(&s, &bad), MPC_ERR_MSG_KIND);
        bad = m;
        bad.round = round + 1;
        assert_int_equal(deliver_to0(&s, &bad), MPC_ERR_PROTOCOL);
        bad = m;
        bad.from = 0;
        assert_int_equal(deliver_to0(&s, &bad), MPC_ERR_UNKNOWN_PARTICIPANT);
        bad.from = 7;
        assert_int_equal(deliver_to0(&s, &bad), MPC_ERR_UNKNOWN_PARTICIPANT);
        bad = m;
        bad.data[0] ^= 1; /* wrong commitment / input / sum / echo */
        mpc_status st = deliver_to0(&s, &bad);
        if (round == 1) {
            assert_int_equal(st, MPC_OK); /* a commitment is just bytes... */
            assert_int_equal(deliver_to0(&s, &m), MPC_ERR_MSG_REPLAY); /* ...but only once */
        } else {
            assert_int_not_equal(st, MPC_OK);
            assert_int_equal(tss_proto_culprit(s.st[0]), m.from);
            assert_int_equal(deliver_to0(&s, &m), MPC_OK); /* the genuine one still works */
            assert_int_equal(deliver_to0(&s, &m), MPC_ERR_MSG_REPLAY);
        }
        sim_destroy(&s);
    }
}

static void
test_toy_protocol_bad_args(void **state)
{
    (void)state;
    const tss_protocol *p = toy_protocol();
    uint8_t sid[16] = {0}, in[8] = {0};
    const char *ids[2] = {"a", "b"};
    tss_params pp = {
        .sid = sid, .self = 0, .n_parties = 2, .party_ids = ids, .input = in, .input_len = 8};
    tss_base *st = (tss_base *)1;
    assert_int_equal(p->create(NULL, &pp), MPC_ERR_INVALID_ARG);
    assert_int_equal(p->create(&st, NULL), MPC_ERR_INVALID_ARG);
    assert_null(st);
    tss_params bad = pp;
    bad.input_len = 7;
    assert_int_equal(p->create(&st, &bad), MPC_ERR_INVALID_ARG);
    bad = pp;
    bad.self = 2;
    assert_int_equal(p->create(&st, &bad), MPC_ERR_INVALID_ARG);
    bad = pp;
    bad.n_parties = 1;
    assert_int_equal(p->create(&st, &bad), MPC_ERR_INVALID_ARG);
    assert_int_equal(p->create(&st, &pp), MPC_OK);
    uint8_t *r = (uint8_t *)1;
    size_t rl = 1;
    assert_int_equal(tss_proto_result(st, &r, &rl), MPC_ERR_SESSION_STATE);
    assert_null(r);
    assert_int_equal(rl, 0);
    assert_int_equal(tss_proto_result(st, NULL, &rl), MPC_ERR_INVALID_ARG);
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    assert_int_equal(tss_proto_handle(st, 1, 1, 1, in, 8, &ob),
                     MPC_ERR_SESSION_STATE); /* not started */
    assert_int_equal(tss_proto_start(st, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_proto_start(st, &ob), MPC_OK);
    assert_int_equal(tss_proto_start(st, &ob), MPC_ERR_INVALID_ARG); /* twice */
    assert_int_equal(tss_proto_handle(st, 1, 1, 1, NULL, 8, &ob), MPC_ERR_INVALID_ARG);
    mpc_outbox_clear(&ob);
    assert_false(tss_proto_is_done(st));
    assert_int_equal(tss_proto_culprit(NULL), SESSION_NO_CULPRIT);
    assert_int_equal(tss_proto_current_round(NULL), 0);
    assert_false(tss_proto_is_done(NULL));
    tss_proto_destroy(st);
    tss_proto_destroy(NULL);
    assert_string_equal(p->name, "toy");
    assert_string_equal(toy_protocol_mute()->name, "toy-mute");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toy_protocol_known_answer),
        cmocka_unit_test(test_toy_protocol_random_parties),
        cmocka_unit_test(test_toy_protocol_rejects_bad_messages),
        cmocka_unit_test(test_toy_protocol_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

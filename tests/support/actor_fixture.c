/*
 * actor_fixture.c — see actor_fixture.h.
 */
#include "tests/support/actor_fixture.h"

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_util.h"
#include "tests/support/toy_protocol.h"
#include "transport/nats_transport.h"

const char *const afx_all_ids[3] = {"n0", "n1", "n2"};

static const char *const ids[2] = {"n0", "n1"};

/* Opens (verifies, decrypts) what n0 sent the fake; its own echoes fail and are skipped. */
static uint32_t
inbox_push(actor_fixture *f, const transport_msg *m, int bcast)
{
    transport_envelope_opened o;
    transport_envelope_open_opts opts = {.expected_sid = f->sid,
                                         .box_key = stk_eph_box(&f->eph, 0)};
    if (transport_envelope_open(f->pt1, &opts, m->data, m->len, &o) != MPC_OK) {
        return 0;
    }
    uint32_t round = o.round;
    afx_inbox *in = &f->in;
    pthread_mutex_lock(&in->mu);
    if (in->n < AFX_INBOX_MAX) {
        in->msgs[in->n] = o;
        in->is_bcast[in->n] = bcast;
        in->n++;
        memset(&o, 0, sizeof o);
        pthread_cond_broadcast(&in->cv);
    }
    pthread_mutex_unlock(&in->mu);
    transport_envelope_opened_clear(&o);
    return round;
}

static transport_reply
on_b(void *arg, const transport_msg *m)
{
    inbox_push(arg, m, 1);
    return TRANSPORT_REPLY_NONE;
}

static transport_reply
on_d(void *arg, const transport_msg *m)
{
    actor_fixture *f = arg;
    pthread_mutex_lock(&f->in.mu);
    if (f->rec == NULL && (f->rec = malloc(m->len)) != NULL) {
        memcpy(f->rec, m->data, m->len);
        f->rec_len = m->len;
    }
    pthread_mutex_unlock(&f->in.mu);
    uint32_t round = inbox_push(f, m, 0);
    return round != 0 && round == f->gone_round ? TRANSPORT_REPLY_GONE : TRANSPORT_REPLY_ACK;
}

static transport_reply
on_r(void *arg, const transport_msg *m)
{
    actor_fixture *f = arg;
    (void)stk_eph_learn(&f->eph, f->pt1, f->sid, m->data, m->len); /* n0's key */
    return TRANSPORT_REPLY_ACK;
}

/* Waits for the i-th received message. */
transport_envelope_opened *
afx_inbox_get(afx_inbox *in, size_t i, int *bcast)
{
    uint64_t deadline = mpc_clock_deadline_ns(10000);
    pthread_mutex_lock(&in->mu);
    while (in->n <= i && mpc_clock_mono_ns() < deadline) {
        struct timespec ts = mpc_clock_ns_to_timespec(deadline);
        pthread_cond_timedwait(&in->cv, &in->mu, &ts);
    }
    transport_envelope_opened *e = in->n > i ? &in->msgs[i] : NULL;
    if (e != NULL && bcast != NULL) {
        *bcast = in->is_bcast[i];
    }
    pthread_mutex_unlock(&in->mu);
    return e;
}

static void
on_done(void *arg, const session_outcome *o)
{
    actor_fixture *f = arg;
    pthread_mutex_lock(&f->tr.mu);
    f->out.done++;
    f->out.status = o->status;
    f->out.culprit = o->culprit;
    f->out.round = o->round;
    f->out.result_len = o->result_len;
    f->out.value = o->result_len == 8 ? toy_protocol_decode_result(o->result) : 0;
    for (int k = 0; k < 2; k++) {
        snprintf(f->out.disputed[k], sizeof f->out.disputed[k], "%s",
                 o->disputed[k] != NULL ? o->disputed[k] : "");
    }
    f->out.n_evidence = o->n_evidence;
    for (size_t i = 0; i < o->n_evidence && i < 8 && f->n_ev < 8; i++) {
        if ((f->ev[f->n_ev] = malloc(o->evidence_lens[i])) != NULL) {
            memcpy(f->ev[f->n_ev], o->evidence[i], o->evidence_lens[i]);
            f->ev_len[f->n_ev++] = o->evidence_lens[i];
        }
    }
    f->tr.ndone++;
    pthread_cond_broadcast(&f->tr.cv);
    pthread_mutex_unlock(&f->tr.mu);
}

/* Seals as pt's identity; a READY without payload carries the fake's ephemeral key. */
static uint8_t *
seal_full(const actor_fixture *f, transport_peer_table *pt, const uint8_t *sid, const char *to,
          uint32_t round, uint64_t seq, int kind, const uint8_t *payload, size_t len, uint64_t inc,
          size_t *out_len)
{
    if (kind == TRANSPORT_ENVELOPE_READY && payload == NULL) {
        payload = f->eph.pk;
        len = sizeof f->eph.pk;
    }
    transport_envelope_in in = {.sid = sid,
                                .box_key = f->eph.box,
                                .to = kind == TRANSPORT_ENVELOPE_DIRECT ? to : NULL,
                                .round = round,
                                .seq = seq,
                                .incarnation = inc,
                                .kind = (transport_envelope_kind)kind,
                                .payload = payload,
                                .payload_len = len};
    uint8_t *buf = NULL;
    assert_int_equal(transport_envelope_seal(pt, &in, &buf, out_len), MPC_OK);
    return buf;
}

uint8_t *
afx_seal_as(const actor_fixture *f, transport_peer_table *pt, const uint8_t *sid, uint32_t round,
            uint64_t seq, int kind, const uint8_t *payload, size_t len, uint64_t inc,
            size_t *out_len)
{
    return seal_full(f, pt, sid, "n0", round, seq, kind, payload, len, inc, out_len);
}

/* Seals an envelope with the identity of `from` ("n1" = the fake, "n9" = a stranger). */
uint8_t *
afx_seal(const actor_fixture *f, const uint8_t *sid, const char *from, const char *to,
         uint32_t round, uint64_t seq, int kind, const uint8_t *payload, size_t len,
         size_t *out_len)
{
    return seal_full(f, strcmp(from, "n9") == 0 ? f->pt9 : f->pt1, sid, to, round, seq, kind,
                     payload, len, 0, out_len);
}

void
afx_send_raw(actor_fixture *f, const char *tail, const uint8_t *buf, size_t len)
{
    char subj[128], reply[16];
    snprintf(subj, sizeof subj, "mpc.s.%s.%s", f->hex, tail);
    if (strcmp(tail, "b") == 0) {
        assert_int_equal(transport_publish(f->t1, subj, buf, len), MPC_OK);
        return;
    }
    size_t rl = 0;
    mpc_status st = MPC_ERR_NO_RESPONDERS;
    for (int i = 0; i < 1000 && st == MPC_ERR_NO_RESPONDERS; i++) {
        st = transport_request(f->t1, subj, buf, len, 5000, (uint8_t *)reply, sizeof reply - 1,
                               &rl); /* n0 may not have subscribed yet */
        if (st == MPC_ERR_NO_RESPONDERS) {
            struct timespec ts = {0, 2000000L};
            nanosleep(&ts, NULL);
        }
    }
    assert_int_equal(st, MPC_OK);
    reply[rl] = '\0';
    assert_string_equal(reply, "ACK");
}

/* Sends bytes to n0's direct subject; returns the reply ("ACK", "BUSY", "GONE"). */
void
afx_direct_raw(actor_fixture *f, const uint8_t *buf, size_t len, const char *want_reply)
{
    char subj[128], reply[16];
    snprintf(subj, sizeof subj, "mpc.s.%s.d.n0", f->hex);
    size_t rl = 0;
    assert_int_equal(
        transport_request(f->t1, subj, buf, len, 5000, (uint8_t *)reply, sizeof reply - 1, &rl),
        MPC_OK);
    reply[rl] = '\0';
    assert_string_equal(reply, want_reply);
}

void
afx_send_msg(actor_fixture *f, const mpc_out_msg *m, uint64_t seq)
{
    size_t len = 0;
    int bcast = m->to == MPC_OUTBOX_ALL;
    uint8_t *buf = afx_seal(f, f->sid, "n1", bcast ? "" : "n0", m->round, seq,
                            bcast ? TRANSPORT_ENVELOPE_BROADCAST : TRANSPORT_ENVELOPE_DIRECT,
                            m->data, m->len, &len);
    if (bcast) {
        char subj[128];
        snprintf(subj, sizeof subj, "mpc.s.%s.b", f->hex);
        assert_int_equal(transport_publish(f->t1, subj, buf, len), MPC_OK);
    } else {
        afx_direct_raw(f, buf, len, "ACK");
    }
    free(buf);
}

/* Bounded poll of a manager counter (the manager has no event for it):
 * 5 s at native speed, stretched for slow runners (mpc_test_slow). */
uint64_t
afx_stat_wait(actor_fixture *f, size_t offset, uint64_t want)
{
    uint64_t v = 0;
    uint64_t deadline = mpc_clock_deadline_ns(5000 * mpc_test_slow());
    for (int i = 0; i < 1000000 && mpc_clock_mono_ns() < deadline; i++) {
        session_manager_stats st;
        session_manager_get_stats(f->m0, &st);
        memcpy(&v, (const uint8_t *)&st + offset, sizeof v);
        if (v >= want) {
            break;
        }
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return v;
}

static test_nats_server *srv; /* the NATS group's server */

static mpc_status
make_nats(const char *name, transport **out)
{
    transport_nats_config nc;
    transport_nats_config_default(&nc);
    nc.servers = test_nats_server_url(srv);
    nc.name = name;
    return transport_nats_create(&nc, out);
}

/* The actor_fixture on the in-memory net (srv == NULL) or on the group's nats-server. */
static int
setup_on(void **state, int nats, uint64_t barrier_ms, uint32_t retry_base_ms)
{
    actor_fixture *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    *state = f;
    f->rng = mpc_test_seed("actor") | 1;
    transport_mem_net_config nc = {.seed = f->rng, .delivery_threads = 2};
    transport_mem_config mc = {.sender = {.policy = {.max_attempts = 10,
                                                     .base_ms = retry_base_ms,
                                                     .cap_ms = retry_base_ms,
                                                     .per_try_timeout_ms = 2 * retry_base_ms}}};
    if (nats ? (make_nats("n0", &f->t0) != MPC_OK || make_nats("n1", &f->t1) != MPC_OK)
             : (transport_mem_net_create(&nc, &f->net) != MPC_OK ||
                transport_mem_create_cfg(f->net, "n0", retry_base_ms != 0 ? &mc : NULL, &f->t0) !=
                    MPC_OK ||
                transport_mem_create(f->net, "n1", &f->t1) != MPC_OK)) {
        return -1;
    }
    const char *stranger[] = {"n9", "n0"};
    if (stk_peers_create(afx_all_ids, 3, 0, &f->id0, &f->pt0) != MPC_OK ||
        stk_peers_create(afx_all_ids, 3, 1, &f->id1, &f->pt1) != MPC_OK ||
        stk_peers_create(stranger, 2, 0, &f->id9, &f->pt9) != MPC_OK) {
        return -1;
    }
    session_config cfg;
    session_config_default(&cfg);
    cfg.self_id = "n0";
    cfg.peers = f->pt0;
    cfg.workers = 2;
    cfg.janitor_tick_ms = 20;
    /* stretched like the other deadlines: under load a flood kept the session
     * busy past a native 30 s and it ended idle (test_actor_limits) */
    cfg.idle_timeout_ms *= mpc_test_slow();
    if (barrier_ms != 0) {
        cfg.barrier_timeout_ms = barrier_ms;
    }
    if (session_manager_create(&f->m0, &cfg, f->t0) != MPC_OK) {
        return -1;
    }
    /* Monotonic: afx_inbox_get waits for a monotonic deadline. */
    if (mpc_clock_sync_init(&f->in.mu, &f->in.cv) != MPC_OK) {
        return -1;
    }
    stk_tracker_init(&f->tr);
    stk_eph_init(&f->eph);
    return 0;
}

int
afx_setup(void **state)
{
    return setup_on(state, 0, 0, 0);
}

int
afx_setup_nats(void **state)
{
    return setup_on(state, 1, 0, 0);
}

/* The manager's default barrier (10 s), stretched: a test that passes the
 * barrier must not meet its deadline on a loaded machine under valgrind
 * (1 s x 4 expired there before the probes were answered). */
int
afx_setup_barrier(void **state)
{
    return setup_on(state, 0, 10000 * mpc_test_slow(), 0);
}

int
afx_setup_barrier_short(void **state)
{
    return setup_on(state, 0, 1000 * mpc_test_slow(), 0);
}

int
afx_setup_slow_retry(void **state)
{
    return setup_on(state, 0, 4 * AFX_SLOW_RETRY_MS, AFX_SLOW_RETRY_MS);
}

int
afx_teardown(void **state)
{
    actor_fixture *f = *state;
    toy_gate_open(); /* a test that failed with n0's actor at the gate */
    session_manager_destroy(f->m0);
    transport_unsubscribe(f->t1, f->sub_b);
    transport_unsubscribe(f->t1, f->sub_d);
    transport_unsubscribe(f->t1, f->sub_r);
    transport_destroy(f->t0);
    transport_destroy(f->t1);
    transport_mem_net_destroy(f->net); /* NULL on NATS */
    for (size_t i = 0; i < f->in.n; i++) {
        transport_envelope_opened_clear(&f->in.msgs[i]);
    }
    transport_peer_table_destroy(f->pt0);
    transport_peer_table_destroy(f->pt1);
    transport_peer_table_destroy(f->pt9);
    transport_identity_destroy(f->id0);
    transport_identity_destroy(f->id1);
    transport_identity_destroy(f->id9);
    tss_proto_destroy(f->toy);
    free(f->rec);
    for (size_t i = 0; i < f->n_ev; i++) {
        free(f->ev[i]);
    }
    sodium_memzero(&f->eph, sizeof f->eph);
    pthread_mutex_destroy(&f->in.mu);
    pthread_cond_destroy(&f->in.cv);
    stk_tracker_fini(&f->tr);
    free(f);
    return 0;
}

void
afx_subscribe_ready(actor_fixture *f)
{
    char subj[128];
    snprintf(subj, sizeof subj, "mpc.s.%s.r.n1", f->hex);
    assert_int_equal(transport_subscribe_confirmed(f->t1, subj, on_r, f, &f->sub_r), MPC_OK);
}

/* Subscribes the fake peer, starts n0's party, creates the fake's toy state. */
void
afx_begin_with(actor_fixture *f, int answer_probes, uint64_t inc, mpc_outbox *ob)
{
    for (size_t i = 0; i < SESSION_SID_LEN; i += 8) {
        uint64_t r = stk_rand(&f->rng);
        memcpy(f->sid + i, &r, 8);
    }
    session_sid_hex(f->sid, f->hex);
    f->inputs[0] = stk_rand(&f->rng);
    f->inputs[1] = stk_rand(&f->rng);
    char subj[128];
    snprintf(subj, sizeof subj, "mpc.s.%s.b", f->hex);
    assert_int_equal(transport_subscribe_confirmed(f->t1, subj, on_b, f, &f->sub_b), MPC_OK);
    snprintf(subj, sizeof subj, "mpc.s.%s.d.n1", f->hex);
    assert_int_equal(transport_subscribe_confirmed(f->t1, subj, on_d, f, &f->sub_d), MPC_OK);
    if (answer_probes) {
        afx_subscribe_ready(f);
    }
    uint8_t in0[8], in1[8];
    toy_protocol_encode_input(f->inputs[0], in0);
    toy_protocol_encode_input(f->inputs[1], in1);
    session_spec sp = {.sid = f->sid,
                       .op = SESSION_OP_SIGN,
                       .key_type = "ed25519",
                       .wallet = "w",
                       .proto = f->proto0 != NULL ? f->proto0 : toy_protocol(),
                       .self = 0,
                       .n_parties = 2,
                       .party_ids = ids,
                       .threshold = 2,
                       .input = in0,
                       .input_len = 8,
                       .deadline_ms = 20000 * mpc_test_slow(), /* barriers are stretched too */
                       .done = on_done,
                       .done_arg = f};
    assert_int_equal(session_manager_start(f->m0, &sp), MPC_OK);
    if (answer_probes) {
        /* n0's probe brought its ephemeral key; the fake's own probe brings n0 the fake's. */
        assert_non_null(stk_eph_box(&f->eph, 10000));
        size_t plen = 0;
        uint8_t *probe =
            afx_seal_as(f, f->pt1, f->sid, 0, 0, TRANSPORT_ENVELOPE_READY, NULL, 0, inc, &plen);
        afx_send_raw(f, "r.n0", probe, plen);
        free(probe);
    }
    tss_params pp = {.sid = f->sid,
                     .self = 1,
                     .n_parties = 2,
                     .party_ids = ids,
                     .threshold = 2,
                     .input = in1,
                     .input_len = 8};
    assert_int_equal(toy_protocol()->create(&f->toy, &pp), MPC_OK);
    mpc_outbox_init(ob);
    assert_int_equal(tss_proto_start(f->toy, ob), MPC_OK);
}

void
afx_begin(actor_fixture *f, mpc_outbox *ob)
{
    afx_begin_with(f, 1, 0, ob);
}

stk_outcome
afx_outcome_wait(actor_fixture *f, uint64_t timeout_ms)
{
    int ended = stk_tracker_wait(&f->tr, 1, timeout_ms * mpc_test_slow());
    pthread_mutex_lock(&f->tr.mu);
    stk_outcome o = f->out;
    pthread_mutex_unlock(&f->tr.mu); /* before asserting: a failure must not leave it locked */
    assert_true(ended);
    assert_int_equal(o.done, 1);
    return o;
}

transport_envelope_opened *
afx_inbox_find(actor_fixture *f, uint32_t r, transport_envelope_kind kind, uint64_t timeout_ms,
               int *bcast)
{
    afx_inbox *in = &f->in;
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    transport_envelope_opened *e = NULL;
    pthread_mutex_lock(&in->mu);
    for (size_t i = 0; e == NULL;) {
        for (; i < in->n && e == NULL; i++) {
            if (in->msgs[i].round == r && in->msgs[i].kind == kind) {
                e = &in->msgs[i];
                *bcast = in->is_bcast[i];
            }
        }
        if (e != NULL || mpc_clock_mono_ns() >= deadline) {
            break;
        }
        struct timespec ts = mpc_clock_ns_to_timespec(deadline);
        pthread_cond_timedwait(&in->cv, &in->mu, &ts);
    }
    pthread_mutex_unlock(&in->mu);
    return e;
}

/* Feeds message i of the afx_inbox to the fake's toy state; returns what it emitted. */
void
afx_feed(actor_fixture *f, size_t i, mpc_outbox *ob)
{
    int bcast = 0;
    transport_envelope_opened *e = afx_inbox_get(&f->in, i, &bcast);
    assert_non_null(e);
    mpc_outbox_init(ob);
    assert_int_equal(tss_proto_handle(f->toy, 0, e->round, bcast, e->payload, e->payload_len, ob),
                     MPC_OK);
}

/* Finds the first afx_inbox message from n0 of round r (waiting for it). */
size_t
afx_find_round(actor_fixture *f, uint32_t r)
{
    for (size_t i = 0; i < AFX_INBOX_MAX; i++) {
        transport_envelope_opened *e = afx_inbox_get(&f->in, i, NULL);
        assert_non_null(e);
        if (e->round == r && e->kind != TRANSPORT_ENVELOPE_ABORT) {
            return i;
        }
    }
    fail();
    return 0;
}

int
afx_nats_start(void)
{
    test_nats_server_opts so = {.jetstream = 0};
    return test_nats_server_start(&so, &srv) == MPC_OK ? 0 : -1;
}

void
afx_nats_stop(void)
{
    test_nats_server_destroy(srv);
    srv = NULL;
    if (transport_nats_global_shutdown(5000) != MPC_OK) {
        fprintf(stderr, "nats global shutdown timed out\n");
    }
}

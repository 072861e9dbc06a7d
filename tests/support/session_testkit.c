/*
 * session_testkit.c — see session_testkit.h.
 */
#include "tests/support/session_testkit.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "tests/support/test_util.h"
#include "tests/support/toy_protocol.h"
#include "transport/nats_transport.h"

struct stk_cluster {
    uint32_t n;                              /* nodes */
    transport_mem_net *net;                  /* mem network, NULL with NATS */
    transport *t[STK_MAX_NODES];             /* node transports */
    session_manager *m[STK_MAX_NODES];       /* node managers */
    transport_identity *id[STK_MAX_NODES];   /* node identities */
    transport_peer_table *pt[STK_MAX_NODES]; /* node peer tables */
    char ids[STK_MAX_NODES][16];             /* "n0".. */
    const char *idp[STK_MAX_NODES];          /* pointers to ids */
    stk_options opts;                        /* options it was created with */
    /* The previous instance of a node replaced by stk_node_restart (or NULL). */
    transport *ghost_t[STK_MAX_NODES];             /* its transport */
    session_manager *ghost_m[STK_MAX_NODES];       /* its manager, still running */
    transport_identity *ghost_id[STK_MAX_NODES];   /* its identity */
    transport_peer_table *ghost_pt[STK_MAX_NODES]; /* its peer table */
};

uint64_t
stk_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void
stk_options_default(stk_options *o, uint32_t nodes)
{
    memset(o, 0, sizeof *o);
    o->nodes = nodes;
    session_config_default(&o->cfg);
    o->cfg.workers = 3;
    o->cfg.max_sessions = 512;
    /* Sanitizers that serialise threads (tsan, valgrind) get more time. */
    uint64_t slow = mpc_test_slow();
    o->cfg.barrier_timeout_ms = 10000 * slow;
    o->cfg.sign_deadline_ms = 30000 * slow;
    o->cfg.keygen_deadline_ms = 30000 * slow;
    o->cfg.reshare_deadline_ms = 30000 * slow;
    o->cfg.idle_timeout_ms = 30000 * slow;
    o->cfg.janitor_tick_ms = 20;
    o->cfg.gone_grace_ms = 1000 * slow;
    o->cfg.abort_grace_ms = 200 * slow;
    /* Retries are bounded by count: under valgrind on a loaded machine 60
     * attempts (~12 s) ran out before a barrier peer could answer. */
    o->policy.max_attempts = (uint32_t)(60 * slow);
    o->policy.base_ms = 10;
    o->policy.cap_ms = 200;
    o->policy.jitter_pct = 20;
    /* A per-try timeout shorter than the (sanitizer-slowed) round trip turns
     * into a retry storm that slows everything further. */
    o->policy.per_try_timeout_ms = (uint32_t)(2000 * slow);
}

static void
stk_seed_of(const char *id, uint8_t seed[TRANSPORT_ED25519_SEED])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, TRANSPORT_ED25519_SEED);
    crypto_generichash_update(&h, (const uint8_t *)"stk-identity", 12);
    crypto_generichash_update(&h, (const uint8_t *)id, strlen(id));
    crypto_generichash_final(&h, seed, TRANSPORT_ED25519_SEED);
}

mpc_status
stk_peers_create(const char *const *ids, uint32_t n, uint32_t self, transport_identity **id,
                 transport_peer_table **pt)
{
    uint8_t seed[TRANSPORT_ED25519_SEED], pk[TRANSPORT_ED25519_PK];
    *id = NULL;
    *pt = NULL;
    stk_seed_of(ids[self], seed);
    mpc_status st = transport_identity_create(ids[self], seed, id);
    if (st == MPC_OK) {
        st = transport_peer_table_create(*id, pt);
    }
    for (uint32_t i = 0; st == MPC_OK && i < n; i++) {
        transport_identity *other = NULL;
        if (i == self) {
            continue;
        }
        stk_seed_of(ids[i], seed);
        st = transport_identity_create(ids[i], seed, &other);
        if (st == MPC_OK) {
            transport_identity_public_key(other, pk);
            st = transport_peer_table_add(*pt, ids[i], pk);
        }
        transport_identity_destroy(other);
    }
    sodium_memzero(seed, sizeof seed);
    if (st != MPC_OK) {
        transport_peer_table_destroy(*pt);
        transport_identity_destroy(*id);
        *pt = NULL;
        *id = NULL;
    }
    return st;
}

static mpc_status
stk_node_create(stk_cluster *c, const stk_options *o, uint32_t i)
{
    mpc_status st;
    if (o->nats_url != NULL) {
        transport_nats_config nc;
        transport_nats_config_default(&nc);
        nc.servers = o->nats_url;
        nc.name = c->ids[i];
        nc.sender.policy = o->policy;
        nc.sender.seed = o->seed + i + 1;
        /* Subscribe confirmation is a PING/PONG round trip: under valgrind,
         * which runs one thread at a time, 5 nodes x 20 live sessions took
         * longer than the native 2 s default, and the session failed with
         * MPC_ERR_SUBSCRIBE before its protocol started. */
        nc.flush_timeout_ms *= (uint32_t)(2 * mpc_test_slow());
        st = transport_nats_create(&nc, &c->t[i]);
    } else {
        transport_mem_config tc;
        memset(&tc, 0, sizeof tc);
        tc.sender.policy = o->policy;
        tc.sender.seed = o->seed + i + 1;
        st = transport_mem_create_cfg(c->net, c->ids[i], &tc, &c->t[i]);
    }
    if (st == MPC_OK) {
        st = stk_peers_create(c->idp, c->n, i, &c->id[i], &c->pt[i]);
    }
    if (st != MPC_OK) {
        return st;
    }
    session_config cfg = o->cfg;
    cfg.self_id = c->ids[i];
    cfg.peers = c->pt[i];
    return session_manager_create(&c->m[i], &cfg, c->t[i]);
}

mpc_status
stk_cluster_create(stk_cluster **out, const stk_options *o)
{
    *out = NULL;
    if (o->nodes == 0 || o->nodes > STK_MAX_NODES) {
        return MPC_ERR_INVALID_ARG;
    }
    stk_cluster *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return MPC_ERR_NOMEM;
    }
    c->n = o->nodes;
    c->opts = *o;
    for (uint32_t i = 0; i < c->n; i++) {
        snprintf(c->ids[i], sizeof c->ids[i], "n%u", i);
        c->idp[i] = c->ids[i];
    }
    transport_mem_net_config nc = {.seed = o->seed ? o->seed : 1, .delivery_threads = 2};
    mpc_status st = o->nats_url != NULL ? MPC_OK : transport_mem_net_create(&nc, &c->net);
    for (uint32_t i = 0; st == MPC_OK && i < c->n; i++) {
        st = stk_node_create(c, o, i);
    }
    if (st != MPC_OK) {
        stk_cluster_destroy(c);
        return st;
    }
    *out = c;
    return MPC_OK;
}

mpc_status
stk_node_restart(stk_cluster *c, uint32_t i, uint64_t incarnation)
{
    if (i >= c->n || c->ghost_m[i] != NULL || c->m[i] == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    c->ghost_t[i] = c->t[i];
    c->ghost_m[i] = c->m[i];
    c->ghost_id[i] = c->id[i];
    c->ghost_pt[i] = c->pt[i];
    c->t[i] = NULL;
    c->m[i] = NULL;
    c->id[i] = NULL;
    c->pt[i] = NULL;
    stk_options o = c->opts;
    o.cfg.incarnation = incarnation;
    o.seed += 1000; /* its own retry jitter */
    return stk_node_create(c, &o, i);
}

void
stk_manager_kill(stk_cluster *c, uint32_t i)
{
    session_manager_destroy(c->m[i]);
    c->m[i] = NULL;
}

void
stk_cluster_destroy(stk_cluster *c)
{
    if (c == NULL) {
        return;
    }
    for (uint32_t i = 0; i < c->n; i++) {
        stk_manager_kill(c, i);
        session_manager_destroy(c->ghost_m[i]);
    }
    for (uint32_t i = 0; i < c->n; i++) {
        transport_destroy(c->t[i]);
        transport_destroy(c->ghost_t[i]);
        /* After the transport: late send completions of DONE sessions are done. */
        transport_peer_table_destroy(c->pt[i]);
        transport_identity_destroy(c->id[i]);
        transport_peer_table_destroy(c->ghost_pt[i]);
        transport_identity_destroy(c->ghost_id[i]);
    }
    transport_mem_net_destroy(c->net);
    free(c);
}

session_manager *
stk_manager(stk_cluster *c, uint32_t i)
{
    return c->m[i];
}

transport *
stk_transport(stk_cluster *c, uint32_t i)
{
    return c->t[i];
}

transport_mem_net *
stk_net(stk_cluster *c)
{
    return c->net;
}

void
stk_tracker_init(stk_tracker *t)
{
    memset(t, 0, sizeof *t);
    if (mpc_clock_sync_init(&t->mu, &t->cv) != MPC_OK) {
        abort(); /* test support: cannot go on without it */
    }
}

void
stk_tracker_fini(stk_tracker *t)
{
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
}

int
stk_tracker_wait(stk_tracker *t, uint64_t n, uint64_t timeout_ms)
{
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    pthread_mutex_lock(&t->mu);
    while (t->ndone < n && mpc_clock_mono_ns() < deadline) {
        struct timespec ts = mpc_clock_ns_to_timespec(deadline);
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
    }
    int ok = t->ndone >= n;
    pthread_mutex_unlock(&t->mu);
    return ok;
}

static void
stk_on_done(void *arg, const session_outcome *o)
{
    stk_outcome *out = arg;
    stk_tracker *t = out->tr;
    pthread_mutex_lock(&t->mu);
    out->done++;
    out->status = o->status;
    out->culprit = o->culprit;
    for (int k = 0; k < 2; k++) {
        snprintf(out->disputed[k], sizeof out->disputed[k], "%s",
                 o->disputed[k] != NULL ? o->disputed[k] : "");
    }
    out->n_evidence = o->n_evidence;
    out->round = o->round;
    out->result_len = o->result_len;
    out->value =
        o->result_len == TOY_PROTOCOL_RESULT_LEN ? toy_protocol_decode_result(o->result) : 0;
    out->end_ms = mpc_clock_mono_ms();
    t->ndone++;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void
stk_session_init(stk_session *s, uint32_t n, uint64_t *rng, stk_tracker *tr)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    for (size_t i = 0; i < SESSION_SID_LEN; i += 8) {
        uint64_t r = stk_rand(rng);
        memcpy(s->sid + i, &r, 8);
    }
    for (uint32_t i = 0; i < n; i++) {
        s->inputs[i] = stk_rand(rng);
        s->out[i].tr = tr;
        s->out[i].culprit = SESSION_NO_CULPRIT;
    }
}

mpc_status
stk_start_party(stk_cluster *c, stk_session *s, uint32_t p, const tss_protocol *proto,
                session_op op, uint64_t deadline_ms)
{
    uint8_t input[TOY_PROTOCOL_INPUT_LEN];
    toy_protocol_encode_input(s->inputs[p], input);
    session_spec sp = {
        .sid = s->sid,
        .op = op,
        .key_type = "ed25519",
        .wallet = "w1",
        .proto = proto != NULL ? proto : toy_protocol(),
        .self = p,
        .n_parties = s->n,
        .party_ids = c->idp,
        .threshold = s->n,
        .input = input,
        .input_len = sizeof input,
        .deadline_ms = deadline_ms,
        .admit_timeout_ms = 120000, /* tests with few permits wait for them */
        .done = stk_on_done,
        .done_arg = &s->out[p],
        .gate_scope = s->gate_scope,
        .hold = (int)((s->hold_mask >> p) & 1u),
    };
    return session_manager_start(c->m[p], &sp);
}

mpc_status
stk_start_all(stk_cluster *c, stk_session *s)
{
    for (uint32_t p = 0; p < s->n; p++) {
        mpc_status st = stk_start_party(c, s, p, NULL, SESSION_OP_SIGN, 0);
        if (st != MPC_OK) {
            return st;
        }
    }
    return MPC_OK;
}

stk_outcome
stk_outcome_get(stk_tracker *tr, const stk_session *s, uint32_t p)
{
    pthread_mutex_lock(&tr->mu);
    stk_outcome o = s->out[p];
    pthread_mutex_unlock(&tr->mu);
    return o;
}

int
stk_session_ok(stk_tracker *tr, const stk_session *s)
{
    uint64_t want = toy_protocol_expected(s->inputs, s->n);
    int ok = 1;
    pthread_mutex_lock(&tr->mu);
    for (uint32_t p = 0; p < s->n; p++) {
        const stk_outcome *o = &s->out[p];
        ok &= o->done == 1 && o->status == MPC_OK && o->result_len == TOY_PROTOCOL_RESULT_LEN &&
              o->value == want;
    }
    pthread_mutex_unlock(&tr->mu);
    return ok;
}

void
stk_eph_init(stk_eph *e)
{
    memset(e, 0, sizeof *e);
    crypto_box_keypair(e->pk, e->sk);
}

int
stk_eph_learn(stk_eph *e, transport_peer_table *pt, const uint8_t *sid, const uint8_t *data,
              size_t len)
{
    transport_envelope_opened o;
    transport_envelope_open_opts opts = {.expected_sid = sid};
    if (transport_envelope_open(pt, &opts, data, len, &o) != MPC_OK) {
        return 0;
    }
    int ok = o.kind == TRANSPORT_ENVELOPE_READY && o.payload_len == TRANSPORT_EPH_PK &&
             !__atomic_load_n(&e->known, __ATOMIC_ACQUIRE) &&
             transport_envelope_box_key(e->box, o.payload, e->sk) == MPC_OK;
    if (ok) {
        __atomic_store_n(&e->known, 1, __ATOMIC_RELEASE);
    }
    transport_envelope_opened_clear(&o);
    return ok;
}

const uint8_t *
stk_eph_box(stk_eph *e, uint64_t timeout_ms)
{
    uint64_t end = mpc_clock_mono_ms() + timeout_ms;
    while (!__atomic_load_n(&e->known, __ATOMIC_ACQUIRE)) {
        if (mpc_clock_mono_ms() >= end) {
            return NULL;
        }
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return e->box;
}

/*
 * tss_sim.c — message-routing simulator for tss_protocol implementations.
 */
#include "tests/support/tss_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/outbox.h"
#include "common/secmem.h"

/* One queued copy of a message. */
typedef struct {
    uint32_t from;    /* sender */
    uint32_t to;      /* recipient */
    uint32_t round;   /* round */
    int is_broadcast; /* 1 if sent to MPC_OUTBOX_ALL */
    uint8_t *data;    /* bytes (malloc) */
    size_t len;       /* length */
} sim_msg;

/* Run state. */
typedef struct {
    const tss_protocol *proto; /* protocol */
    tss_base **states;         /* per-party state */
    tss_sim_result *res;       /* outcomes */
    sim_msg *q;                /* queued copies */
    size_t nq, capq;           /* queue size and capacity */
    tss_sim_tamper_fn tamper;  /* hook or NULL */
    void *user;                /* hook argument */
    uint64_t rng;              /* PRNG state */
} sim_run;

uint64_t
tss_sim_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t
sim_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sim_cpu_add(tss_sim_party *p, uint32_t round, uint64_t since)
{
    p->cpu_ns[round < TSS_SIM_ROUNDS ? round : TSS_SIM_ROUNDS - 1] += sim_cpu_now() - since;
}

static mpc_status
sim_push(sim_run *r, uint32_t from, uint32_t to, const mpc_out_msg *m)
{
    uint8_t *copy = malloc(m->len ? m->len : 1);
    size_t len = m->len;
    if (copy == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (m->len > 0) {
        memcpy(copy, m->data, m->len);
    }
    int bc = m->to == MPC_OUTBOX_ALL;
    if (r->tamper != NULL && r->tamper(r->user, from, to, m->round, bc, &copy, &len) != 0) {
        free(copy);
        return MPC_OK;
    }
    if (r->nq == r->capq) {
        size_t cap = r->capq ? r->capq * 2 : 64;
        sim_msg *q = realloc(r->q, cap * sizeof *q);
        if (q == NULL) {
            free(copy);
            return MPC_ERR_NOMEM;
        }
        r->q = q;
        r->capq = cap;
    }
    sim_msg *slot = &r->q[r->nq++];
    slot->from = from;
    slot->to = to;
    slot->round = m->round;
    slot->is_broadcast = bc;
    slot->data = copy; /* owned by the queue from here on */
    slot->len = len;
    return MPC_OK;
}

/* Queues every message of party `from`'s outbox, then clears it. */
static mpc_status
sim_collect(sim_run *r, uint32_t from, mpc_outbox *ob)
{
    mpc_status st = MPC_OK;
    for (size_t i = 0; st == MPC_OK && i < ob->n; i++) {
        const mpc_out_msg *m = &ob->msgs[i];
        if (m->to == MPC_OUTBOX_ALL) {
            for (uint32_t to = 0; st == MPC_OK && to < r->res->n; to++) {
                if (to != from) {
                    st = sim_push(r, from, to, m);
                }
            }
        } else if (m->to < r->res->n && m->to != from) {
            st = sim_push(r, from, m->to, m);
        } else {
            st = MPC_ERR_INTERNAL; /* a protocol addressed nobody */
        }
    }
    mpc_outbox_clear(ob);
    return st;
}

static void
sim_party_fail(sim_run *r, uint32_t i, mpc_status st)
{
    tss_sim_party *p = &r->res->parties[i];
    if (p->status == MPC_OK) {
        p->status = st;
        p->culprit = r->states[i] ? tss_proto_culprit(r->states[i]) : TSS_NO_CULPRIT;
        (void)tss_proto_dispute(r->states[i], p->dispute);
    }
}

static int
sim_alive(const sim_run *r, uint32_t i)
{
    return r->states[i] != NULL && r->res->parties[i].status == MPC_OK &&
           !tss_proto_is_done(r->states[i]);
}

/* Delivers one random deliverable message. Returns 0 when nothing can move. */
static int
sim_step(sim_run *r, mpc_outbox *ob)
{
    size_t cand = 0;
    for (size_t i = 0; i < r->nq; i++) {
        const sim_msg *m = &r->q[i];
        if (!sim_alive(r, m->to) || m->round <= tss_proto_current_round(r->states[m->to])) {
            cand++;
        }
    }
    if (cand == 0) {
        return 0;
    }
    size_t pick = tss_sim_rand(&r->rng) % cand, k = 0;
    for (size_t i = 0; i < r->nq; i++) {
        sim_msg m = r->q[i];
        int ready = !sim_alive(r, m.to) || m.round <= tss_proto_current_round(r->states[m.to]);
        if (!ready || k++ != pick) {
            continue;
        }
        r->q[i] = r->q[--r->nq];
        if (sim_alive(r, m.to) && m.round == tss_proto_current_round(r->states[m.to])) {
            r->res->delivered++;
            r->res->bytes += m.len;
            uint64_t t0 = sim_cpu_now();
            mpc_status st = tss_proto_handle(r->states[m.to], m.from, m.round, m.is_broadcast,
                                             m.data, m.len, ob);
            sim_cpu_add(&r->res->parties[m.to], m.round, t0);
            if (st == MPC_OK) {
                st = sim_collect(r, m.to, ob);
            }
            mpc_outbox_clear(ob);
            if (st != MPC_OK) {
                sim_party_fail(r, m.to, st);
            }
        } else if (sim_alive(r, m.to)) {
            r->res->dropped_late++;
        }
        free(m.data);
        return 1;
    }
    return 0;
}

static void
sim_finish(sim_run *r)
{
    for (uint32_t i = 0; i < r->res->n; i++) {
        tss_sim_party *p = &r->res->parties[i];
        if (r->states[i] == NULL) {
            continue;
        }
        p->done = tss_proto_is_done(r->states[i]);
        if (p->done && p->status == MPC_OK) {
            mpc_status st = tss_proto_result(r->states[i], &p->result, &p->result_len);
            if (st != MPC_OK) {
                sim_party_fail(r, i, st);
            }
        }
        tss_proto_destroy(r->states[i]);
        r->states[i] = NULL;
    }
    for (size_t i = 0; i < r->nq; i++) {
        free(r->q[i].data);
    }
    free(r->q);
    free(r->states);
}

static mpc_status
sim_verdict(const tss_sim_result *res)
{
    for (uint32_t i = 0; i < res->n; i++) {
        if (res->parties[i].status != MPC_OK) {
            return res->parties[i].status;
        }
    }
    for (uint32_t i = 0; i < res->n; i++) {
        if (!res->parties[i].done) {
            return MPC_ERR_PROTOCOL;
        }
    }
    return MPC_OK;
}

mpc_status
tss_sim_run(const tss_protocol *proto, const tss_params *params, uint32_t n, uint64_t seed,
            tss_sim_tamper_fn tamper, void *user, tss_sim_result *res)
{
    if (res != NULL) {
        memset(res, 0, sizeof *res);
    }
    if (proto == NULL || params == NULL || res == NULL || n == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    sim_run r = {.proto = proto, .res = res, .tamper = tamper, .user = user, .rng = seed | 1};
    res->n = n;
    res->parties = calloc(n, sizeof *res->parties);
    r.states = calloc(n, sizeof *r.states);
    if (res->parties == NULL || r.states == NULL) {
        free(r.states);
        tss_sim_result_free(res);
        return MPC_ERR_NOMEM;
    }
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    for (uint32_t i = 0; i < n; i++) {
        res->parties[i].culprit = TSS_NO_CULPRIT;
        res->parties[i].dispute[0] = res->parties[i].dispute[1] = TSS_NO_CULPRIT;
        uint64_t t0 = sim_cpu_now();
        mpc_status st = proto->create(&r.states[i], &params[i]);
        sim_cpu_add(&res->parties[i], 0, t0);
        if (st != MPC_OK) {
            r.states[i] = NULL;
            res->parties[i].status = st;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (r.states[i] == NULL) {
            continue;
        }
        uint64_t t0 = sim_cpu_now();
        mpc_status st = tss_proto_start(r.states[i], &ob);
        sim_cpu_add(&res->parties[i], 0, t0);
        if (st == MPC_OK) {
            st = sim_collect(&r, i, &ob);
        }
        mpc_outbox_clear(&ob);
        if (st != MPC_OK) {
            sim_party_fail(&r, i, st);
        }
    }
    while (sim_step(&r, &ob)) {
    }
    mpc_outbox_clear(&ob);
    sim_finish(&r);
    return sim_verdict(res);
}

void
tss_sim_result_free(tss_sim_result *res)
{
    if (res == NULL) {
        return;
    }
    for (uint32_t i = 0; res->parties != NULL && i < res->n; i++) {
        mpc_secure_free(res->parties[i].result);
    }
    free(res->parties);
    memset(res, 0, sizeof *res);
}

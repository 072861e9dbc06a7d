/*
 * toy_protocol.c — the toy protocol of toy_protocol.h.
 *
 * DESIGN: the state keeps, per round, which peers were heard from, so a
 * round advances only when every input is present; everything a party
 * learns is checked before it is stored.
 */
#include "tests/support/toy_protocol.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/secmem.h"

#define TOY_MAX_PARTIES 64
#define TOY_HASH_LEN    32

/* One party's protocol state. */
typedef struct {
    tss_base b; /* first member (the table casts): self, n, round, done, culprit */
    uint8_t sid[SESSION_SID_LEN];             /* session id, binds the commitments */
    uint64_t x[TOY_MAX_PARTIES];              /* inputs learnt in round 2 (own at self) */
    uint8_t c[TOY_MAX_PARTIES][TOY_HASH_LEN]; /* commitments of round 1 */
    uint8_t echo[TOY_HASH_LEN];               /* hash over all commitments */
    uint64_t sum;                             /* own weighted sum, after round 2 */
    uint8_t seen[TOY_PROTOCOL_ROUNDS + 1][TOY_MAX_PARTIES]; /* heard from, per round */
    uint32_t nseen; /* peers heard from in the current round */
} toy_state;

static atomic_long toy_live; /* states created and not yet destroyed */

long
toy_protocol_live_states(void)
{
    return atomic_load(&toy_live);
}

static void
toy_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t
toy_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

void
toy_protocol_encode_input(uint64_t x, uint8_t out[TOY_PROTOCOL_INPUT_LEN])
{
    toy_put64(out, x);
}

uint64_t
toy_protocol_decode_result(const uint8_t res[TOY_PROTOCOL_RESULT_LEN])
{
    return toy_get64(res);
}

uint64_t
toy_protocol_expected(const uint64_t *inputs, uint32_t n)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        s += (uint64_t)(i + 1) * inputs[i];
    }
    return s;
}

static void
toy_commit(const toy_state *s, uint32_t who, uint64_t x, uint8_t out[TOY_HASH_LEN])
{
    crypto_generichash_state h;
    uint8_t buf[12];
    toy_put64(buf, x);
    buf[8] = (uint8_t)who;
    buf[9] = (uint8_t)(who >> 8);
    buf[10] = (uint8_t)(who >> 16);
    buf[11] = (uint8_t)(who >> 24);
    crypto_generichash_init(&h, NULL, 0, TOY_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)"toy-commit", 10);
    crypto_generichash_update(&h, s->sid, SESSION_SID_LEN);
    crypto_generichash_update(&h, buf, sizeof buf);
    crypto_generichash_final(&h, out, TOY_HASH_LEN);
}

static const tss_protocol toy_vtable;
static const tss_protocol toy_mute_vtable;
static const tss_protocol toy_gated_vtable;

static mpc_status
toy_create_as(tss_base **state, const tss_params *p, const tss_protocol *proto)
{
    if (state == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *state = NULL;
    if (p == NULL || p->sid == NULL || p->n_parties < 2 || p->n_parties > TOY_MAX_PARTIES ||
        p->self >= p->n_parties || p->input == NULL || p->input_len != TOY_PROTOCOL_INPUT_LEN) {
        return MPC_ERR_INVALID_ARG;
    }
    /* Plain heap on purpose: the toy holds no secret, and hundreds of states
     * in guarded pages would only slow the stress tests down. */
    toy_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(s->sid, p->sid, SESSION_SID_LEN);
    tss_base_open(&s->b, proto, p->self, p->n_parties);
    s->x[s->b.self] = toy_get64(p->input);
    toy_commit(s, s->b.self, s->x[s->b.self], s->c[s->b.self]);
    *state = &s->b;
    atomic_fetch_add(&toy_live, 1);
    return MPC_OK;
}

static mpc_status
toy_create(tss_base **state, const tss_params *p)
{
    return toy_create_as(state, p, &toy_vtable);
}

static mpc_status
toy_mute_create(tss_base **state, const tss_params *p)
{
    return toy_create_as(state, p, &toy_mute_vtable);
}

static mpc_status
toy_gated_create(tss_base **state, const tss_params *p)
{
    return toy_create_as(state, p, &toy_gated_vtable);
}

/* Emits the messages of round r (r is the round being entered). */
static mpc_status
toy_emit(toy_state *s, uint32_t r, mpc_outbox *out)
{
    uint8_t buf[8 + TOY_HASH_LEN];
    mpc_status st = MPC_OK;
    if (r == 1) {
        return mpc_outbox_add(out, 1, MPC_OUTBOX_ALL, s->c[s->b.self], TOY_HASH_LEN);
    }
    if (r == 3) {
        toy_put64(buf, s->sum);
        memcpy(buf + 8, s->echo, TOY_HASH_LEN);
        return mpc_outbox_add(out, 3, MPC_OUTBOX_ALL, buf, sizeof buf);
    }
    for (uint32_t j = 0; j < s->b.n && st == MPC_OK; j++) {
        if (j == s->b.self) {
            continue;
        }
        toy_put64(buf, r == 2 ? s->x[s->b.self] : s->sum);
        st = mpc_outbox_add(out, r, j, buf, 8);
    }
    return st;
}

static mpc_status
toy_start(tss_base *state, mpc_outbox *out)
{
    toy_state *s = (toy_state *)state;
    if (s == NULL || out == NULL || s->b.round != 0 || s->nseen != 0) {
        return MPC_ERR_INVALID_ARG;
    }
    s->b.round = 1;
    return toy_emit(s, 1, out);
}

/* Verifies and stores one message of the current round. */
static mpc_status
toy_absorb(toy_state *s, uint32_t from, const uint8_t *data, size_t len)
{
    uint8_t c[TOY_HASH_LEN];
    switch (s->b.round) {
    case 1:
        if (len != TOY_HASH_LEN) {
            return MPC_ERR_MSG_MALFORMED;
        }
        memcpy(s->c[from], data, TOY_HASH_LEN);
        return MPC_OK;
    case 2:
        if (len != 8) {
            return MPC_ERR_MSG_MALFORMED;
        }
        s->x[from] = toy_get64(data);
        toy_commit(s, from, s->x[from], c);
        return sodium_memcmp(c, s->c[from], TOY_HASH_LEN) == 0 ? MPC_OK : MPC_ERR_BAD_COMMITMENT;
    case 3:
        if (len != 8 + TOY_HASH_LEN) {
            return MPC_ERR_MSG_MALFORMED;
        }
        if (sodium_memcmp(data + 8, s->echo, TOY_HASH_LEN) != 0) {
            return MPC_ERR_EQUIVOCATION;
        }
        return toy_get64(data) == s->sum ? MPC_OK : MPC_ERR_PROTOCOL;
    case 4:
        if (len != 8) {
            return MPC_ERR_MSG_MALFORMED;
        }
        return toy_get64(data) == s->sum ? MPC_OK : MPC_ERR_PROTOCOL;
    default:
        return MPC_ERR_SESSION_STATE;
    }
}

/* Work done when every input of the current round is in; then enter the next. */
static mpc_status
toy_advance(toy_state *s, mpc_outbox *out)
{
    if (s->b.round == 1) {
        crypto_generichash(s->echo, TOY_HASH_LEN, &s->c[0][0], (size_t)s->b.n * TOY_HASH_LEN, NULL,
                           0);
    } else if (s->b.round == 2) {
        s->sum = toy_protocol_expected(s->x, s->b.n);
    }
    s->nseen = 0;
    if (s->b.round == TOY_PROTOCOL_ROUNDS) {
        s->b.round = 0;
        s->b.done = 1;
        return MPC_OK;
    }
    s->b.round++;
    return toy_emit(s, s->b.round, out);
}

static mpc_status
toy_handle(tss_base *state, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
           size_t len, mpc_outbox *out)
{
    toy_state *s = (toy_state *)state;
    if (s == NULL || out == NULL || (data == NULL && len != 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (s->b.round == 0) {
        return MPC_ERR_SESSION_STATE;
    }
    if (from >= s->b.n || from == s->b.self) {
        return MPC_ERR_UNKNOWN_PARTICIPANT;
    }
    s->b.culprit = from;
    if (round != s->b.round) {
        return MPC_ERR_PROTOCOL;
    }
    if ((is_broadcast != 0) != (round == 1 || round == 3)) {
        return MPC_ERR_MSG_KIND;
    }
    if (s->seen[round][from]) {
        return MPC_ERR_MSG_REPLAY;
    }
    mpc_status st = toy_absorb(s, from, data, len);
    if (st != MPC_OK) {
        return st;
    }
    s->b.culprit = SESSION_NO_CULPRIT;
    s->seen[round][from] = 1;
    if (++s->nseen == s->b.n - 1) {
        return toy_advance(s, out);
    }
    return MPC_OK;
}

static mpc_status
toy_result(tss_base *state, uint8_t **out, size_t *out_len)
{
    toy_state *s = (toy_state *)state;
    if (out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    *out_len = 0;
    if (!tss_proto_is_done(state)) {
        return MPC_ERR_SESSION_STATE;
    }
    uint8_t *r = mpc_secure_alloc(TOY_PROTOCOL_RESULT_LEN);
    if (r == NULL) {
        return MPC_ERR_NOMEM;
    }
    toy_put64(r, s->sum);
    *out = r;
    *out_len = TOY_PROTOCOL_RESULT_LEN;
    return MPC_OK;
}

static void
toy_destroy(tss_base *state)
{
    if (state != NULL) {
        mpc_wipe(state, sizeof(toy_state));
        free(state);
        atomic_fetch_sub(&toy_live, 1);
    }
}

/* Exact sizes: 1 bcast c_i, 2 direct x_i, 3 bcast S_i | echo, 4 direct S_i. */
static size_t
toy_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    (void)n;
    static const size_t sizes[TOY_PROTOCOL_ROUNDS + 1] = {0, TOY_HASH_LEN, 8, 8 + TOY_HASH_LEN, 8};
    int bcast_round = round == 1 || round == 3;
    if (round > TOY_PROTOCOL_ROUNDS || bcast_round != (is_broadcast != 0)) {
        return 0;
    }
    return sizes[round];
}

static const tss_protocol toy_vtable = {
    .name = "toy",
    .create = toy_create,
    .start = toy_start,
    .handle = toy_handle,
    .result = toy_result,
    .destroy = toy_destroy,
    .max_msg_len = toy_max_msg_len,
};

const tss_protocol *
toy_protocol(void)
{
    return &toy_vtable;
}

/* As toy_handle, but nothing of round 2 or later ever leaves this party. */
static mpc_status
toy_mute_handle(tss_base *state, uint32_t from, uint32_t round, int is_broadcast,
                const uint8_t *data, size_t len, mpc_outbox *out)
{
    mpc_status st = toy_handle(state, from, round, is_broadcast, data, len, out);
    if (st == MPC_OK && tss_proto_current_round(state) != 1) {
        mpc_outbox_clear(out);
    }
    return st;
}

static const tss_protocol toy_mute_vtable = {
    .name = "toy-mute",
    .create = toy_mute_create,
    .start = toy_start,
    .handle = toy_mute_handle,
    .result = toy_result,
    .destroy = toy_destroy,
    .max_msg_len = toy_max_msg_len,
};

const tss_protocol *
toy_protocol_mute(void)
{
    return &toy_mute_vtable;
}

/* The gate of toy-gated: process-wide, polled (1 ms) so every wait is bounded. */
static pthread_mutex_t toy_gate_mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t toy_gate_round; /* guarded by toy_gate_mu: 0 = open */
static int toy_gate_held;       /* guarded by toy_gate_mu: handles waiting at the gate */

#define TOY_GATE_MAX_WAIT_MS 600000u

static void
toy_gate_pause(void)
{
    struct timespec ms = {0, 1000000L};
    nanosleep(&ms, NULL);
}

void
toy_gate_close(uint32_t round)
{
    pthread_mutex_lock(&toy_gate_mu);
    toy_gate_round = round;
    pthread_mutex_unlock(&toy_gate_mu);
}

void
toy_gate_open(void)
{
    pthread_mutex_lock(&toy_gate_mu);
    toy_gate_round = 0;
    pthread_mutex_unlock(&toy_gate_mu);
}

int
toy_gate_wait_held(uint64_t timeout_ms)
{
    int held = 0;
    for (uint64_t waited = 0; waited <= timeout_ms && !held; waited++) {
        pthread_mutex_lock(&toy_gate_mu);
        held = toy_gate_held > 0;
        pthread_mutex_unlock(&toy_gate_mu);
        if (!held) {
            toy_gate_pause();
        }
    }
    return held;
}

/* As toy_handle, after waiting while the gate is closed for this round. */
static mpc_status
toy_gated_handle(tss_base *state, uint32_t from, uint32_t round, int is_broadcast,
                 const uint8_t *data, size_t len, mpc_outbox *out)
{
    pthread_mutex_lock(&toy_gate_mu);
    if (round != 0 && round == toy_gate_round) {
        toy_gate_held++;
        for (uint32_t ms = 0; ms < TOY_GATE_MAX_WAIT_MS && toy_gate_round == round; ms++) {
            pthread_mutex_unlock(&toy_gate_mu);
            toy_gate_pause();
            pthread_mutex_lock(&toy_gate_mu);
        }
        toy_gate_held--;
    }
    pthread_mutex_unlock(&toy_gate_mu);
    return toy_handle(state, from, round, is_broadcast, data, len, out);
}

static const tss_protocol toy_gated_vtable = {
    .name = "toy-gated",
    .create = toy_gated_create,
    .start = toy_start,
    .handle = toy_gated_handle,
    .result = toy_result,
    .destroy = toy_destroy,
    .max_msg_len = toy_max_msg_len,
};

const tss_protocol *
toy_protocol_gated(void)
{
    return &toy_gated_vtable;
}

/*
 * presig_bench_main.c — presig-bench: ECDSA signing with a presignature
 * (dkls-online, one round) next to full signing (dkls-sign, three rounds)
 * through the session layer, in one run: latency at concurrency 1 (p50, p90)
 * and throughput at concurrency C (default 32), two in-process session
 * managers over a private nats-server on loopback (default) or the in-memory
 * transport (--mem).
 *
 *   presig-bench [--mem] [-n SESSIONS] [-c CONCURRENCY] [-t TOTAL]
 *
 * The key (2-of-2, nodes n0 and n1) and the presignatures are made beforehand
 * in-process (tss_sim, not timed): what is measured is the signing session
 * itself — barrier, rounds, transport — not the node's request pipeline
 * (JetStream intake, store take, results), which adds the same fixed cost to
 * both. Output: key=value lines; exit status 0 unless a session failed.
 *
 * DESIGN: the main thread starts sessions; completions arrive on manager
 * workers and are counted under one mutex (bench_state).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "tests/support/nats_server.h"
#include "tests/support/session_testkit.h"
#include "tests/support/tss_sim.h"
#include "tss/keytype.h"

#define BENCH_PARTIES 2

static const char *const bench_names[BENCH_PARTIES] = {"n0", "n1"};

/* Completions of all sessions (one mutex: a bench, not a hot path). */
struct bench_state {
    pthread_mutex_t mu; /* guards the rest */
    pthread_cond_t cv;  /* a session completed */
    uint64_t completed; /* sessions whose both parties ended */
    uint64_t failed;    /* sessions where a party failed */
    uint8_t *parts;     /* per session: parties ended */
    uint64_t *end_ns;   /* per session: time the last party ended */
};

struct bench_slot {
    struct bench_state *b; /* shared */
    uint64_t i;            /* session index */
};

static struct bench_state bs;

static void
bench_done(void *arg, const session_outcome *o)
{
    const struct bench_slot *sl = arg;
    pthread_mutex_lock(&bs.mu);
    if (o->status != MPC_OK) {
        bs.failed++;
    }
    if (++bs.parts[sl->i] == BENCH_PARTIES) {
        bs.end_ns[sl->i] = mpc_clock_mono_ns();
        bs.completed++;
        pthread_cond_broadcast(&bs.cv);
    }
    pthread_mutex_unlock(&bs.mu);
}

/* Inputs of one session per party (secure memory). */
struct bench_in {
    uint8_t *in[BENCH_PARTIES]; /* protocol inputs */
    size_t len[BENCH_PARTIES];  /* their lengths */
};

static struct bench_slot *slots;

/* Starts session i (both parties). Returns MPC_OK or the first error. */
static mpc_status
bench_start(stk_cluster *c, const tss_protocol *proto, uint64_t i, uint8_t tag,
            const struct bench_in *in)
{
    uint8_t sid[16] = {tag};
    for (int k = 0; k < 8; k++) {
        sid[8 + k] = (uint8_t)(i >> (8 * k));
    }
    slots[i].b = &bs;
    slots[i].i = i;
    for (uint32_t p = 0; p < BENCH_PARTIES; p++) {
        session_spec sp = {.sid = sid,
                           .op = SESSION_OP_SIGN,
                           .key_type = "secp256k1",
                           .wallet = "w1",
                           .proto = proto,
                           .self = p,
                           .n_parties = BENCH_PARTIES,
                           .party_ids = bench_names,
                           .threshold = BENCH_PARTIES,
                           .input = in->in[p],
                           .input_len = in->len[p],
                           .admit_timeout_ms = 60000,
                           .done = bench_done,
                           .done_arg = &slots[i]};
        mpc_status st = session_manager_start(stk_manager(c, p), &sp);
        if (st != MPC_OK) {
            return st;
        }
    }
    return MPC_OK;
}

/* Waits (bounded: 120 s) until at least n sessions completed. Returns 1 if they did. */
static int
bench_wait(uint64_t n)
{
    pthread_mutex_lock(&bs.mu);
    for (int tries = 0; bs.completed < n && tries < 1200; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&bs.cv, &bs.mu, &ts);
    }
    int ok = bs.completed >= n;
    pthread_mutex_unlock(&bs.mu);
    return ok;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Runs sessions [first, first + n) of proto with at most conc in flight.
 * Out: lat (n latencies, start of session to its last completion, when conc == 1).
 * Returns: elapsed seconds, or -1 on a failure.
 */
static double
bench_phase(stk_cluster *c, const tss_protocol *proto, uint8_t tag, struct bench_in *ins,
            uint64_t first, uint64_t n, uint64_t conc, uint64_t *lat)
{
    uint64_t t0 = mpc_clock_mono_ns();
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = first + k;
        if (k >= conc && !bench_wait(first + k - conc + 1)) {
            return -1;
        }
        uint64_t s0 = mpc_clock_mono_ns();
        if (bench_start(c, proto, i, tag, &ins[i]) != MPC_OK) {
            return -1;
        }
        if (conc == 1) {
            if (!bench_wait(i + 1)) {
                return -1;
            }
            lat[k] = bs.end_ns[i] - s0;
        }
    }
    if (!bench_wait(first + n)) {
        return -1;
    }
    return (double)(mpc_clock_mono_ns() - t0) / 1e9;
}

/* The 2-of-2 key of n0, n1 (tss_sim keygen). Out: rec[p], len[p] (secure memory). */
static mpc_status
bench_keygen(uint8_t **rec, size_t *len)
{
    const tss_keytype *kt = &tss_keytype_secp256k1;
    static const uint8_t sid[16] = {'p', 'b', 'k'};
    tss_params p[BENCH_PARTIES];
    uint8_t *in[BENCH_PARTIES] = {0};
    mpc_status st = MPC_OK;
    for (uint32_t i = 0; i < BENCH_PARTIES && st == MPC_OK; i++) {
        p[i] = (tss_params){.sid = sid,
                            .self = i,
                            .n_parties = BENCH_PARTIES,
                            .party_ids = bench_names,
                            .threshold = BENCH_PARTIES};
        st = kt->keygen_input(&in[i], &p[i].input_len, "w1");
        p[i].input = in[i];
    }
    tss_sim_result res;
    memset(&res, 0, sizeof res);
    if (st == MPC_OK) {
        st = tss_sim_run(kt->keygen, p, BENCH_PARTIES, 1, NULL, NULL, &res);
    }
    for (uint32_t i = 0; i < BENCH_PARTIES; i++) {
        mpc_secure_free(in[i]);
        rec[i] = st == MPC_OK ? res.parties[i].result : NULL;
        len[i] = st == MPC_OK ? res.parties[i].result_len : 0;
        res.parties[i].result = NULL;
    }
    tss_sim_result_free(&res);
    return st;
}

/* Inputs of session i: a full sign (online 0) or an online sign with a fresh presignature. */
static mpc_status
bench_input(uint8_t *const *rec, const size_t *len, uint64_t i, int online, struct bench_in *out)
{
    const tss_keytype *kt = &tss_keytype_secp256k1;
    uint8_t msg[32] = {0x6d};
    memcpy(msg + 1, &i, sizeof i);
    if (!online) {
        mpc_status st = MPC_OK;
        for (uint32_t p = 0; p < BENCH_PARTIES && st == MPC_OK; p++) {
            st = kt->sign_input(&out->in[p], &out->len[p], rec[p], len[p], msg, 32, bench_names,
                                BENCH_PARTIES, NULL);
        }
        return st;
    }
    tss_params pp[BENCH_PARTIES];
    uint8_t *in[BENCH_PARTIES] = {0}, sid[16] = {'p', 'b', 'p'};
    memcpy(sid + 8, &i, sizeof i);
    mpc_status st = MPC_OK;
    for (uint32_t p = 0; p < BENCH_PARTIES && st == MPC_OK; p++) {
        pp[p] = (tss_params){
            .sid = sid, .self = p, .n_parties = BENCH_PARTIES, .party_ids = bench_names};
        st =
            kt->presign_input(&in[p], &pp[p].input_len, rec[p], len[p], bench_names, BENCH_PARTIES);
        pp[p].input = in[p];
    }
    tss_sim_result res;
    memset(&res, 0, sizeof res);
    if (st == MPC_OK) {
        st = tss_sim_run(kt->presign, pp, BENCH_PARTIES, i + 1, NULL, NULL, &res);
    }
    for (uint32_t p = 0; p < BENCH_PARTIES && st == MPC_OK; p++) {
        st = kt->online_input(&out->in[p], &out->len[p], rec[p], len[p], res.parties[p].result,
                              res.parties[p].result_len, msg, bench_names, BENCH_PARTIES, NULL);
    }
    for (uint32_t p = 0; p < BENCH_PARTIES; p++) {
        mpc_secure_free(in[p]);
    }
    tss_sim_result_free(&res);
    return st;
}

static void
bench_print(const char *what, const char *tr, uint64_t *lat, uint64_t n, double secs1,
            uint64_t total, uint64_t conc, double secs_c)
{
    qsort(lat, n, sizeof *lat, cmp_u64);
    printf("presig_bench proto=%s transport=%s n=%" PRIu64 " p50_ms=%.2f p90_ms=%.2f "
           "c1_per_s=%.1f conc=%" PRIu64 " total=%" PRIu64 " per_s=%.1f\n",
           what, tr, n, lat[n / 2] / 1e6, lat[n * 9 / 10] / 1e6, (double)n / secs1, conc, total,
           (double)total / secs_c);
}

int
main(int argc, char **argv)
{
    int mem = 0;
    uint64_t n = 100, conc = 32, total = 256;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mem") == 0) {
            mem = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
            n = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
            conc = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
            total = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--mem] [-n SESSIONS] [-c CONCURRENCY] [-t TOTAL]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n < 10 || n > 100000 || conc < 1 || conc > 60 || total < conc || total > 100000) {
        fprintf(stderr, "need 10 <= n, 1 <= c <= 60, c <= t\n");
        return 2;
    }
    mpc_log_set_level(MPC_LOG_WARN);
    uint8_t *rec[BENCH_PARTIES] = {0};
    size_t rlen[BENCH_PARTIES] = {0};
    if (mpc_crypto_init() != MPC_OK || bench_keygen(rec, rlen) != MPC_OK) {
        fprintf(stderr, "keygen failed\n");
        return 1;
    }
    /* Sessions: sign c=1, online c=1, sign c=conc, online c=conc. */
    uint64_t all = 2 * n + 2 * total;
    struct bench_in *ins = calloc(all, sizeof *ins);
    slots = calloc(all, sizeof *slots);
    bs.parts = calloc(all, 1);
    bs.end_ns = calloc(all, sizeof *bs.end_ns);
    uint64_t *lat[2] = {calloc(n, sizeof(uint64_t)), calloc(n, sizeof(uint64_t))};
    pthread_mutex_init(&bs.mu, NULL);
    pthread_cond_init(&bs.cv, NULL);
    int rc = 1;
    test_nats_server *srv = NULL;
    stk_cluster *c = NULL;
    if (ins == NULL || slots == NULL || bs.parts == NULL || bs.end_ns == NULL || lat[0] == NULL ||
        lat[1] == NULL) {
        goto cleanup;
    }
    for (uint64_t i = 0; i < all; i++) {
        int online = (i >= n && i < 2 * n) || i >= 2 * n + total;
        if (bench_input(rec, rlen, i, online, &ins[i]) != MPC_OK) {
            fprintf(stderr, "inputs failed\n");
            goto cleanup;
        }
    }
    test_nats_server_opts so = {.jetstream = 0};
    if (!mem && test_nats_server_start(&so, &srv) != MPC_OK) {
        fprintf(stderr, "cannot start nats-server\n");
        goto cleanup;
    }
    stk_options o;
    stk_options_default(&o, BENCH_PARTIES);
    session_config_default(&o.cfg); /* production defaults, not the test kit's */
    transport_retry_policy_default(&o.policy);
    o.nats_url = mem ? NULL : test_nats_server_url(srv);
    if (stk_cluster_create(&c, &o) != MPC_OK) {
        fprintf(stderr, "cannot create the cluster\n");
        goto cleanup;
    }
    const tss_keytype *kt = &tss_keytype_secp256k1;
    double s1 = bench_phase(c, kt->sign, 1, ins, 0, n, 1, lat[0]);
    double s2 = s1 < 0 ? -1 : bench_phase(c, kt->sign_online, 2, ins, n, n, 1, lat[1]);
    double s3 = s2 < 0 ? -1 : bench_phase(c, kt->sign, 3, ins, 2 * n, total, conc, NULL);
    double s4 =
        s3 < 0 ? -1 : bench_phase(c, kt->sign_online, 4, ins, 2 * n + total, total, conc, NULL);
    if (s4 < 0 || bs.failed != 0) {
        fprintf(stderr, "a session failed (%" PRIu64 " party failures)\n", bs.failed);
        goto cleanup;
    }
    const char *tr = mem ? "mem" : "nats";
    bench_print("dkls-sign", tr, lat[0], n, s1, total, conc, s3);
    bench_print("dkls-online", tr, lat[1], n, s2, total, conc, s4);
    rc = 0;
cleanup:
    stk_cluster_destroy(c);
    test_nats_server_destroy(srv);
    for (uint64_t i = 0; ins != NULL && i < all; i++) {
        mpc_secure_free(ins[i].in[0]);
        mpc_secure_free(ins[i].in[1]);
    }
    free(ins);
    free(slots);
    free(bs.parts);
    free(bs.end_ns);
    free(lat[0]);
    free(lat[1]);
    mpc_secure_free(rec[0]);
    mpc_secure_free(rec[1]);
    return rc;
}

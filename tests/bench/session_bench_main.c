/*
 * session_bench_main.c — session-bench: end-to-end latency of sequential
 * sessions of the toy protocol (tests/support/toy_protocol.h, 4 rounds)
 * across in-process session managers, over a private nats-server on
 * loopback (default) or the in-memory transport (--mem).
 *
 *   session-bench [--mem] [-n SESSIONS] [-p PARTIES] [--fixed-order] [-s SEED]
 *
 * Every manager runs with the production defaults (session_config_default,
 * transport_retry_policy_default), so fixed delays of the real path (barrier
 * retries, janitor tick) show up as they would in a node. One session at a
 * time: its parties are started back to back in a random order (seeded;
 * --fixed-order starts party 0 first), and its latency is the time from the
 * first start to the wake-up of the main thread by the last completion. Output: one key=value line;
 * exit status 0 unless a session failed or its result was wrong.
 *
 * DESIGN: the main thread starts sessions and waits on the test kit's
 * outcome tracker (completions arrive on manager workers).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "tests/support/nats_server.h"
#include "tests/support/session_testkit.h"

typedef struct {
    int mem;           /* use the in-memory transport */
    int fixed_order;   /* start party 0, 1, ... in order */
    uint64_t sessions; /* sessions measured (after a warm-up of 10) */
    uint32_t parties;  /* parties per session */
    uint64_t seed;     /* order and input seed */
} bench_opts;

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
bench_parse(int argc, char **argv, bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sessions = 200;
    o->parties = 3;
    o->seed = 0x5e551011;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mem") == 0) {
            o->mem = 1;
        } else if (strcmp(argv[i], "--fixed-order") == 0) {
            o->fixed_order = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
            o->sessions = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-p") == 0) {
            o->parties = (uint32_t)strtoul(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
            o->seed = strtoull(argv[++i], NULL, 0);
        } else {
            fprintf(stderr,
                    "usage: %s [--mem] [-n SESSIONS] [-p PARTIES] [--fixed-order] [-s SEED]\n",
                    argv[0]);
            exit(2);
        }
    }
    if (o->sessions < 10) {
        o->sessions = 10;
    }
    if (o->parties < 2 || o->parties > STK_MAX_NODES) {
        fprintf(stderr, "parties must be 2..%d\n", STK_MAX_NODES);
        exit(2);
    }
    if (o->seed == 0) {
        o->seed = 1;
    }
}

/* Starts the parties of s in a random (or fixed) order. Returns MPC_OK or the first error. */
static mpc_status
bench_start(stk_cluster *c, stk_session *s, const bench_opts *o, uint64_t *rng)
{
    uint32_t order[STK_MAX_NODES];
    for (uint32_t p = 0; p < s->n; p++) {
        order[p] = p;
    }
    for (uint32_t p = s->n - 1; !o->fixed_order && p > 0; p--) {
        uint32_t j = (uint32_t)(stk_rand(rng) % (p + 1));
        uint32_t tmp = order[p];
        order[p] = order[j];
        order[j] = tmp;
    }
    for (uint32_t k = 0; k < s->n; k++) {
        mpc_status st = stk_start_party(c, s, order[k], NULL, SESSION_OP_SIGN, 0);
        if (st != MPC_OK) {
            return st;
        }
    }
    return MPC_OK;
}

/* Runs warm-up + o->sessions sessions; fills lat[0..o->sessions). Returns failures. */
static uint64_t
bench_run(stk_cluster *c, const bench_opts *o, uint64_t *lat)
{
    stk_tracker tr;
    stk_tracker_init(&tr);
    uint64_t rng = o->seed, warm = 10, failed = 0;
    for (uint64_t i = 0; i < warm + o->sessions; i++) {
        stk_session s;
        stk_session_init(&s, o->parties, &rng, &tr);
        uint64_t t0 = mpc_clock_mono_ns();
        uint64_t want = (i + 1) * o->parties;
        if (bench_start(c, &s, o, &rng) != MPC_OK || !stk_tracker_wait(&tr, want, 60000) ||
            !stk_session_ok(&tr, &s)) {
            failed++;
            stk_tracker_wait(&tr, want, 60000); /* do not leave callbacks pointing at s */
            continue;
        }
        if (i >= warm) {
            lat[i - warm] = mpc_clock_mono_ns() - t0; /* last completion woke us */
        }
    }
    stk_tracker_fini(&tr);
    return failed;
}

int
main(int argc, char **argv)
{
    bench_opts o;
    bench_parse(argc, argv, &o);
    mpc_log_set_level(MPC_LOG_WARN);
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    test_nats_server *srv = NULL;
    test_nats_server_opts so = {.jetstream = 0};
    if (!o.mem && test_nats_server_start(&so, &srv) != MPC_OK) {
        fprintf(stderr, "cannot start nats-server\n");
        return 1;
    }
    stk_options so2;
    stk_options_default(&so2, o.parties);
    session_config_default(&so2.cfg); /* production defaults, not the test kit's */
    transport_retry_policy_default(&so2.policy);
    so2.seed = o.seed;
    so2.nats_url = o.mem ? NULL : test_nats_server_url(srv);
    stk_cluster *c = NULL;
    uint64_t *lat = calloc(o.sessions, sizeof *lat);
    int rc = 1;
    if (lat == NULL || stk_cluster_create(&c, &so2) != MPC_OK) {
        fprintf(stderr, "cannot create the cluster\n");
        goto cleanup;
    }
    uint64_t t0 = mpc_clock_mono_ns();
    uint64_t failed = bench_run(c, &o, lat);
    double secs = (double)(mpc_clock_mono_ns() - t0) / 1e9;
    qsort(lat, o.sessions, sizeof *lat, cmp_u64);
    printf("session_latency transport=%s parties=%" PRIu32 " n=%" PRIu64 " failed=%" PRIu64
           " p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f seconds=%.2f\n",
           o.mem ? "mem" : "nats", o.parties, o.sessions, failed, lat[o.sessions / 2] / 1e6,
           lat[o.sessions * 9 / 10] / 1e6, lat[o.sessions * 99 / 100] / 1e6,
           lat[o.sessions - 1] / 1e6, secs);
    rc = failed == 0 ? 0 : 1;
cleanup:
    stk_cluster_destroy(c);
    free(lat);
    test_nats_server_destroy(srv);
    return rc;
}

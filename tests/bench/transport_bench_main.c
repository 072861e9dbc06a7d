/*
 * transport_bench_main.c — transport-bench: direct-send round trip and acked
 * direct sends per second from one node, on loopback with a private
 * nats-server (or on the in-memory transport with --mem).
 *
 *   transport-bench [--mem] [-n ROUNDTRIPS] [-t THROUGHPUT_SENDS] [-w WINDOW] [-b BYTES]
 *
 * Round trip: one send at a time, submit -> ACK completion, after a warm-up.
 * Throughput: up to WINDOW sends in flight, acked sends per second.
 * Output: one key=value line per measurement; exit status 0 unless a send failed.
 *
 * DESIGN: the main thread submits; completions arrive on sender threads and
 * signal the main thread through a mutex/condvar counter.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "tests/support/nats_server.h"
#include "transport/mem_transport.h"
#include "transport/nats_transport.h"

typedef struct {
    pthread_mutex_t mu; /* guards the fields below */
    pthread_cond_t cv;  /* done or failed changed */
    uint64_t done;      /* completions with MPC_OK */
    uint64_t failed;    /* other completions */
} bench_counter;

typedef struct {
    int mem;         /* use the in-memory transport */
    uint64_t rt_n;   /* round trips measured */
    uint64_t tp_n;   /* sends in the throughput run */
    uint64_t window; /* in flight at most */
    size_t bytes;    /* payload size */
} bench_opts;

static void
bench_done(void *arg, uint64_t owner, mpc_status st, uint32_t attempts)
{
    bench_counter *c = arg;
    (void)owner;
    (void)attempts;
    pthread_mutex_lock(&c->mu);
    if (st == MPC_OK) {
        c->done++;
    } else {
        c->failed++;
    }
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Waits until done + failed >= n. */
static void
bench_wait(bench_counter *c, uint64_t n)
{
    pthread_mutex_lock(&c->mu);
    while (c->done + c->failed < n) {
        pthread_cond_wait(&c->cv, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
}

static transport_reply
bench_ack(void *arg, const transport_msg *msg)
{
    (void)arg;
    (void)msg;
    return TRANSPORT_REPLY_ACK;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int
bench_roundtrip(transport *s, const bench_opts *o, const uint8_t *payload, bench_counter *c)
{
    uint64_t *lat = calloc(o->rt_n, sizeof *lat);
    uint64_t warm = o->rt_n / 10 + 100;
    if (lat == NULL) {
        return 1;
    }
    transport_send job = {.subject = "bench.d.R",
                          .data = payload,
                          .len = o->bytes,
                          .done = bench_done,
                          .done_arg = c};
    uint64_t issued = 0;
    for (uint64_t i = 0; i < warm + o->rt_n; i++) {
        uint64_t t0 = mpc_clock_mono_ns();
        if (transport_send_direct(s, &job) != MPC_OK) {
            free(lat);
            return 1;
        }
        bench_wait(c, ++issued);
        if (i >= warm) {
            lat[i - warm] = mpc_clock_mono_ns() - t0;
        }
    }
    qsort(lat, o->rt_n, sizeof *lat, cmp_u64);
    printf("direct_send_roundtrip n=%" PRIu64 " bytes=%zu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
           "max_ms=%.3f\n",
           o->rt_n, o->bytes, lat[o->rt_n / 2] / 1e6, lat[o->rt_n * 9 / 10] / 1e6,
           lat[o->rt_n * 99 / 100] / 1e6, lat[o->rt_n - 1] / 1e6);
    free(lat);
    return 0;
}

static int
bench_throughput(transport *s, const bench_opts *o, const uint8_t *payload, bench_counter *c)
{
    transport_send job = {.subject = "bench.d.R",
                          .data = payload,
                          .len = o->bytes,
                          .done = bench_done,
                          .done_arg = c};
    pthread_mutex_lock(&c->mu);
    uint64_t base = c->done + c->failed;
    pthread_mutex_unlock(&c->mu);
    uint64_t t0 = mpc_clock_mono_ns();
    for (uint64_t i = 0; i < o->tp_n; i++) {
        if (i >= o->window) {
            bench_wait(c, base + i - o->window + 1); /* keep at most `window` in flight */
        }
        if (transport_send_direct(s, &job) != MPC_OK) {
            return 1;
        }
    }
    bench_wait(c, base + o->tp_n);
    double secs = (double)(mpc_clock_mono_ns() - t0) / 1e9;
    printf("acked_direct_sends n=%" PRIu64 " window=%" PRIu64 " bytes=%zu seconds=%.3f "
           "per_second=%.0f\n",
           o->tp_n, o->window, o->bytes, secs, (double)o->tp_n / secs);
    return 0;
}

static void
bench_parse(int argc, char **argv, bench_opts *o)
{
    o->mem = 0;
    o->rt_n = 5000;
    o->tp_n = 50000;
    o->window = 256;
    o->bytes = 256;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mem") == 0) {
            o->mem = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "-n") == 0) {
            o->rt_n = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
            o->tp_n = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-w") == 0) {
            o->window = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-b") == 0) {
            o->bytes = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--mem] [-n N] [-t N] [-w WINDOW] [-b BYTES]\n", argv[0]);
            exit(2);
        }
    }
    if (o->rt_n < 10) {
        o->rt_n = 10;
    }
    if (o->window == 0) {
        o->window = 1;
    }
}

static mpc_status
bench_make(const bench_opts *o, transport_mem_net *net, test_nats_server *srv, const char *name,
           transport **out)
{
    if (o->mem) {
        return transport_mem_create(net, name, out);
    }
    transport_nats_config c;
    transport_nats_config_default(&c);
    c.servers = test_nats_server_url(srv);
    c.name = name;
    return transport_nats_create(&c, out);
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
    transport_mem_net *net = NULL;
    transport *s = NULL, *r = NULL;
    transport_sub *sub = NULL;
    bench_counter c = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    uint8_t *payload = calloc(1, o.bytes + 1);
    int rc = 1;
    if (payload == NULL || (o.mem ? transport_mem_net_create(NULL, &net)
                                  : test_nats_server_start(NULL, &srv)) != MPC_OK) {
        fprintf(stderr, "transport-bench: cannot start %s\n", o.mem ? "mem net" : "nats-server");
        goto out;
    }
    if (bench_make(&o, net, srv, "S", &s) != MPC_OK ||
        bench_make(&o, net, srv, "R", &r) != MPC_OK ||
        transport_subscribe_confirmed(r, "bench.d.R", bench_ack, NULL, &sub) != MPC_OK) {
        fprintf(stderr, "transport-bench: setup failed\n");
        goto out;
    }
    printf("transport=%s\n", o.mem ? "mem" : "nats (loopback)");
    rc = bench_roundtrip(s, &o, payload, &c) || bench_throughput(s, &o, payload, &c);
    transport_stats st;
    transport_get_stats(s, &st);
    printf("sender attempts=%" PRIu64 " retries=%" PRIu64 " failed=%" PRIu64 "\n", st.attempts,
           st.retries, c.failed);
    rc |= c.failed != 0;
out:
    if (r != NULL) {
        transport_unsubscribe(r, sub);
    }
    transport_destroy(s);
    transport_destroy(r);
    transport_mem_net_destroy(net);
    test_nats_server_destroy(srv);
    if (!o.mem) {
        (void)transport_nats_global_shutdown(5000);
    }
    free(payload);
    return rc;
}

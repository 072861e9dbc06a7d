/*
 * cli_bench_report.c — `mpc-cli bench` figures: latency percentiles,
 * failures by name, CPU time and memory of the node processes read from
 * /proc/<pid>/stat and /proc/<pid>/status, printed as text or JSON, and one
 * CSV row per request (see node/cli/cli_bench.h).
 */
#include "node/cli/cli_bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

int
cli_bench_proc_ticks(pid_t pid, uint64_t *ticks)
{
    char path[64], buf[1024];
    *ticks = 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* comm may hold spaces: fields are counted after the last ')'. */
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, stt = 0;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt) != 2) {
        return -1;
    }
    *ticks = (uint64_t)(ut + stt);
    return 0;
}

int
cli_bench_proc_kb(pid_t pid, const char *field, uint64_t *kb)
{
    char path[64], line[256];
    int rc = -1;
    *kb = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    size_t fl = strlen(field);
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long long v = 0;
        if (strncmp(line, field, fl) == 0 && sscanf(line + fl, "%llu", &v) == 1) {
            *kb = (uint64_t)v;
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

void
cli_bench_count_error(struct cli_bench_stats *st, const char *name)
{
    for (size_t i = 0; i < st->n_errs; i++) {
        if (strcmp(st->errs[i].name, name) == 0) {
            st->errs[i].n++;
            return;
        }
    }
    size_t i = st->n_errs < CLI_BENCH_ERR_KINDS ? st->n_errs++ : CLI_BENCH_ERR_KINDS - 1;
    if (st->errs[i].n == 0) {
        snprintf(st->errs[i].name, sizeof(st->errs[i].name), "%s",
                 i == CLI_BENCH_ERR_KINDS - 1 ? "other" : name);
    }
    st->errs[i].n++;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Latency figures of the successful requests, in ms. */
struct lat {
    double p50, p90, p99, max, mean; /* percentiles (nearest rank), max, mean */
    size_t n;                        /* samples */
};

static void
latency(const struct cli_bench_stats *st, struct lat *l)
{
    memset(l, 0, sizeof(*l));
    uint64_t *v = malloc((st->n + 1) * sizeof(*v));
    if (v == NULL) {
        return;
    }
    double sum = 0;
    for (size_t i = 0; i < st->n; i++) {
        if (strcmp(st->recs[i].outcome, "ok") == 0) {
            v[l->n++] = st->recs[i].latency_us;
            sum += (double)st->recs[i].latency_us;
        }
    }
    if (l->n > 0) {
        qsort(v, l->n, sizeof(*v), cmp_u64);
#define RANK(q) ((double)v[(size_t)((q) * (double)(l->n - 1) + 0.5)] / 1000.0)
        l->p50 = RANK(0.50);
        l->p90 = RANK(0.90);
        l->p99 = RANK(0.99);
#undef RANK
        l->max = (double)v[l->n - 1] / 1000.0;
        l->mean = sum / (double)l->n / 1000.0;
    }
    free(v);
}

/* CPU seconds of node i during the run. */
static double
node_cpu_s(const struct cli_bench_node *nd)
{
    long hz = sysconf(_SC_CLK_TCK);
    return nd->ticks1 >= nd->ticks0 && hz > 0 ? (double)(nd->ticks1 - nd->ticks0) / (double)hz
                                              : 0.0;
}

static const char *
op_name(int op)
{
    return node_client_request_op_name(op);
}

static const char *
kt_name(int kt)
{
    return kt == MPC__KEY_TYPE__KEY_TYPE_SECP256K1      ? "secp256k1"
           : kt == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR ? "secp256k1-tr"
                                                        : "ed25519";
}

static void
print_text(const struct cli_bench_opts *o, const struct cli_bench_stats *st, const struct lat *l)
{
    double secs = (double)st->wall_us / 1e6;
    printf("bench %s %s: %zu requests, concurrency %u, %.2f s\n", op_name(o->op),
           kt_name(o->key_type), st->n, o->concurrency, secs);
    printf("  ok %zu  failed %zu  throughput %.1f ok/s\n", st->ok, st->n - st->ok,
           secs > 0 ? (double)st->ok / secs : 0.0);
    if (o->batch > 0) {
        printf("  batch %u: %.1f signatures/s\n", o->batch,
               secs > 0 ? (double)st->ok * o->batch / secs : 0.0);
    }
    printf("  latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  mean %.1f\n", l->p50, l->p90,
           l->p99, l->max, l->mean);
    for (size_t i = 0; i < st->n_errs; i++) {
        printf("  errors: %-32s %zu\n", st->errs[i].name, st->errs[i].n);
    }
    if (st->resubmissions > 0) {
        printf("  resubmitted: %zu request(s), %zu resubmission(s)\n", st->resubmitted,
               st->resubmissions);
    }
    printf("  %-10s %8s %10s %12s %10s %10s %9s\n", "node", "pid", "cpu s", "cpu ms/op",
           "rss max MB", "hwm MB", "live max");
    for (size_t i = 0; i < st->n_nodes; i++) {
        const struct cli_bench_node *nd = &st->nodes[i];
        if (nd->pid <= 0) {
            printf("  %-10s %8s %10s %12s %10s %10s %9s\n", nd->id, "?", "n/a", "n/a", "n/a", "n/a",
                   "n/a");
            continue;
        }
        double cpu = node_cpu_s(nd);
        printf("  %-10s %8d %10.2f %12.2f %10.1f %10.1f %9lld%s\n", nd->id, (int)nd->pid, cpu,
               st->n > 0 ? cpu * 1e3 / (double)st->n : 0.0, (double)nd->rss_max_kb / 1024.0,
               (double)nd->hwm_kb / 1024.0, nd->live_high, nd->died ? "  DIED" : "");
    }
}

static json_t *
json_report(const struct cli_bench_opts *o, const struct cli_bench_stats *st, const struct lat *l)
{
    double secs = (double)st->wall_us / 1e6;
    json_t *errs = json_object();
    for (size_t i = 0; i < st->n_errs; i++) {
        json_object_set_new(errs, st->errs[i].name, json_integer((json_int_t)st->errs[i].n));
    }
    json_t *nodes = json_array();
    for (size_t i = 0; i < st->n_nodes; i++) {
        const struct cli_bench_node *nd = &st->nodes[i];
        double cpu = node_cpu_s(nd);
        json_array_append_new(
            nodes, json_pack("{s:s, s:i, s:f, s:f, s:I, s:I, s:I, s:b}", "node", nd->id, "pid",
                             (int)nd->pid, "cpu_s", cpu, "cpu_ms_per_op",
                             st->n > 0 ? cpu * 1e3 / (double)st->n : 0.0, "rss_max_kb",
                             (json_int_t)nd->rss_max_kb, "vm_hwm_kb", (json_int_t)nd->hwm_kb,
                             "live_high_water", (json_int_t)nd->live_high, "died", nd->died));
    }
    json_t *doc = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:{s:f, s:f, s:f, s:f, s:f}, "
                            "s:o, s:o, s:s}",
                            "op", op_name(o->op), "key_type", kt_name(o->key_type), "count",
                            (int)st->n, "concurrency", (int)o->concurrency, "ok", (int)st->ok,
                            "failed", (int)(st->n - st->ok), "seconds", secs, "throughput_per_s",
                            secs > 0 ? (double)st->ok / secs : 0.0, "latency_ms", "p50", l->p50,
                            "p90", l->p90, "p99", l->p99, "max", l->max, "mean", l->mean, "errors",
                            errs, "nodes", nodes, "client_id", o->client_id);
    if (doc != NULL) { /* signatures per second: requests x messages per request */
        uint32_t k = o->op == MPC__OP__OP_SIGN ? (o->batch > 0 ? o->batch : 1) : 0;
        json_object_set_new(doc, "batch", json_integer(o->batch));
        json_object_set_new(doc, "resubmissions", json_integer((json_int_t)st->resubmissions));
        json_object_set_new(doc, "resubmitted", json_integer((json_int_t)st->resubmitted));
        json_object_set_new(doc, "signatures_per_s",
                            json_real(secs > 0 ? (double)st->ok * k / secs : 0.0));
    }
    return doc;
}

static int
write_csv(const char *path, const struct cli_bench_stats *st)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        cli_errf("%s: %s", path, strerror(errno));
        return -1;
    }
    fputs("index,request_id,wallet,outcome,latency_ms,results,errors,duplicates,verified,"
          "resubmissions,first_seq\n",
          f);
    for (size_t i = 0; i < st->n; i++) {
        const struct cli_bench_rec *r = &st->recs[i];
        fprintf(f, "%zu,%s,%s,%s,%.3f,%u,%u,%u,%d,%u,%llu\n", i, r->request_id, r->wallet,
                r->outcome, (double)r->latency_us / 1000.0, r->results, r->errors, r->duplicates,
                r->verified, r->resubmissions, (unsigned long long)r->first_seq);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        cli_errf("%s: write failed", path);
        return -1;
    }
    return 0;
}

int
cli_bench_report(const struct cli_bench_opts *o, const struct cli_bench_stats *st)
{
    struct lat l;
    latency(st, &l);
    if (o->json) {
        json_t *j = json_report(o, st, &l);
        cli_json_print(j);
        json_decref(j);
    } else {
        print_text(o, st, &l);
    }
    return o->csv != NULL ? write_csv(o->csv, st) : 0;
}

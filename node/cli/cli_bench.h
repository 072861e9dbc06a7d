/*
 * cli_bench.h — `mpc-cli bench {sign,keygen,reshare}`: keeps C requests in
 * flight against a running cluster and measures throughput, latency, errors
 * by status and the CPU time and memory of each node process.
 *
 * Pieces: node/cli/cli_bench.c (options, setup wallets, the command),
 * node/cli/cli_bench_run.c (the request engine), node/cli/cli_bench_report.c
 * (statistics, /proc readings, text / JSON / CSV output).
 *
 * DESIGN: single-threaded. Requests are built and signed with the request
 * code of `mpc-cli sign|keygen|reshare` (cli_req_build), published with
 * transport_js_publish, and their results are read from ONE watcher on
 * mpc.res.<client>.*.* (a fresh random client id per run) and fed to the
 * collection rules of node/cli/cli_results.h (cli_results_add / _done: the same
 * verification of every signature, the same end-of-wait rule). A request's
 * latency runs from just before it is built to the arrival of the last
 * result its rule waits for.
 *
 * THREAD SAFETY: none needed (one thread).
 */
#ifndef MPC_NODE_CLI_CLI_BENCH_H
#define MPC_NODE_CLI_CLI_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "node/cli/cli_request.h"
#include "node/cli/cli_results.h"
#include "node/config/peers.h"

#define CLI_BENCH_NODES_MAX  NODE_CONFIG_PEERS_MAX /* node processes watched */
#define CLI_BENCH_ERR_KINDS  32u                   /* distinct error names counted */
#define CLI_BENCH_CONC_MAX   1024u                 /* --concurrency bound */
#define CLI_BENCH_COUNT_MAX  1000000u              /* --count bound */
#define CLI_BENCH_ERR_NAME   48u                   /* longest error name kept */
#define CLI_BENCH_WALLET_MAX (NODE_CLIENT_WALLET_ID_MAX + 1)

/* Everything `mpc-cli bench` was asked to do. */
struct cli_bench_opts {
    int op;                                 /* Mpc__Op */
    int key_type;                           /* Mpc__KeyType */
    uint32_t count;                         /* --count: measured requests */
    uint32_t concurrency;                   /* --concurrency: requests in flight */
    const char *wallet;                     /* --wallet: every request uses this wallet */
    const char *wallet_prefix;              /* --wallet-prefix: wallets P-0 .. P-(N-1) */
    uint32_t wallets;                       /* --wallets N (with a prefix) */
    uint32_t threshold;                     /* keygen / reshare threshold (default 2) */
    const char *parties;                    /* --participants / --signers list, or NULL */
    uint32_t rotate;                        /* --rotate-signers K: K consecutive peers per sign */
    uint32_t batch;                         /* --batch K: K messages per sign request, 0 = one */
    const char *peers_file;                 /* --peers (required: the node ids) */
    const char *node_pids;                  /* --node-pids P1,P2,..., or NULL: ask each node */
    const char *csv;                        /* --csv FILE: one row per request */
    int json;                               /* --json */
    uint64_t timeout_ms;                    /* per request */
    uint64_t resubmit_ms;                   /* --resubmit-ms (node/cli/cli_resubmit.h), 0 = off */
    uint32_t resubmit_max;                  /* --resubmit-max per request */
    struct cli_nats_opts nats;              /* connection */
    const char *key_file;                   /* initiator key */
    struct cli_pass_opts pass;              /* its passphrase, if encrypted */
    char client_id[32];                     /* random per run: results on mpc.res.<client>.* */
    const char *ids[NODE_CONFIG_PEERS_MAX]; /* node ids from the peers file (borrowed) */
    size_t n_ids;                           /* count */
    const struct cli_peer_key *keys;        /* their identity keys (borrowed), n_ids of them */
};

/* One watched node process. */
struct cli_bench_node {
    char id[NODE_ID_MAX + 1]; /* node id ("" when only a pid was given) */
    pid_t pid;                /* 0 = unknown: no CPU / memory figures */
    uint64_t ticks0;          /* utime + stime at the start (clock ticks) */
    uint64_t ticks1;          /* ... at the end */
    uint64_t rss_max_kb;      /* largest VmRSS sampled during the run */
    uint64_t hwm_kb;          /* VmHWM at the end (peak of the process life) */
    long long live_high;      /* live_high_water of the status snapshot at the end, -1 unknown */
    int died;                 /* 1 = the process was gone at the end */
};

/* One finished request (for the CSV and the checks of the stress script). */
struct cli_bench_rec {
    char request_id[NODE_CLIENT_REQUEST_ID_MAX + 1]; /* request id */
    char wallet[CLI_BENCH_WALLET_MAX];               /* wallet */
    char outcome[CLI_BENCH_ERR_NAME];                /* "ok", a status name, "TIMEOUT", ... */
    uint64_t latency_us;                             /* start to complete answer */
    uint32_t results;                                /* outcomes kept (one per node and key type) */
    uint32_t errors;                                 /* error outcomes among them */
    uint32_t duplicates;                             /* extra copies of a (node, key type) */
    uint32_t resubmissions;                          /* times it was published again */
    uint64_t first_seq; /* MPC_REQ stream sequence of its first publish (0: not stored) */
    int verified;       /* sign: 1 all verified, -1 one failed, 0 n/a */
};

/* The measurement. */
struct cli_bench_stats {
    struct cli_bench_rec *recs; /* count records (owned), in completion order */
    size_t n;                   /* finished requests */
    size_t ok;                  /* successful ones */
    struct {
        char name[CLI_BENCH_ERR_NAME];                /* outcome name */
        size_t n;                                     /* how many requests ended so */
    } errs[CLI_BENCH_ERR_KINDS];                      /* failures by name */
    size_t n_errs;                                    /* distinct names */
    size_t resubmissions;                             /* resubmissions of all requests */
    size_t resubmitted;                               /* requests resubmitted at least once */
    uint64_t wall_us;                                 /* first start to last completion */
    struct cli_bench_node nodes[CLI_BENCH_NODES_MAX]; /* watched processes */
    size_t n_nodes;                                   /* count */
};

/* The request engine's view of one phase (setup or measured). */
struct cli_bench_phase {
    int op;            /* Mpc__Op */
    uint32_t count;    /* requests */
    uint32_t conc;     /* in flight */
    int progress;      /* 1 = progress bar on stderr */
    const char *label; /* progress label */
};

struct transport_js;
struct transport_js_results;

/*
 * Runs ph.count requests of ph.op, ph.conc in flight, from template o (the
 * wallet of request i: bench_wallet_of). Records into st (recs must hold
 * ph.count entries). Samples the RSS of st->nodes while it runs.
 * Returns: MPC_OK (individual failures are in st), a NATS failure that
 *          stopped the run (reported), or MPC_ERR_CANCELLED after SIGTERM/SIGINT
 *          (cli_bench_catch_stop; the requests in flight recorded as CANCELLED,
 *          the ones not started not recorded: st->n < ph.count; reported).
 */
/*
 * Catches SIGTERM and SIGINT for the rest of the process: a bench stopped so
 * (e.g. by `timeout`, the bound of a test script) ends its run at the next
 * poll (POLL_MS), records the requests in flight as CANCELLED and still writes
 * its report and CSV for the requests that ended, instead of dying with
 * nothing written. Call before the first cli_bench_run.
 */
void cli_bench_catch_stop(void);

MPC_MUST_CHECK mpc_status cli_bench_run(struct transport_js *js, struct transport_js_results *w,
                                        const struct cli_bench_opts *o,
                                        const struct cli_bench_phase *ph,
                                        struct cli_bench_stats *st);

/* Writes the wallet of request i into buf (CLI_BENCH_WALLET_MAX bytes). */
void cli_bench_wallet_of(const struct cli_bench_opts *o, int op, uint32_t i, char *buf);

/* Reads utime + stime (clock ticks) of pid. Returns: 0, or -1 if unreadable. */
int cli_bench_proc_ticks(pid_t pid, uint64_t *ticks);

/* Reads a "Vm...:" line (kB) of /proc/pid/status. Returns: 0, or -1. */
int cli_bench_proc_kb(pid_t pid, const char *field, uint64_t *kb);

/* Counts a failed request under name. */
void cli_bench_count_error(struct cli_bench_stats *st, const char *name);

/* Prints the report (text, or JSON with o->json) and writes o->csv. Returns: 0, -1 on a CSV error.
 */
int cli_bench_report(const struct cli_bench_opts *o, const struct cli_bench_stats *st);

#endif /* MPC_NODE_CLI_CLI_BENCH_H */

/*
 * cli_bench.c — `mpc-cli bench {sign,keygen,reshare}`: options, the node
 * processes to watch, the wallets a sign or reshare bench needs (created by
 * a keygen phase when none are named), the measured phase and the report.
 * The engine is node/cli/cli_bench_run.c, the figures node/cli/cli_bench_report.c.
 */
#include "node/cli/cli_bench.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/cli/cli_resubmit.h"
#include "node/store/keyinfo.h"
#include "transport/jetstream.h"
#include "transport/subject.h"

#define DEFAULT_TIMEOUT_S 60u        /* per request */
#define STATUS_TIMEOUT_MS 2000u      /* status request per node */
#define STATUS_REPLY_MAX  (4u << 20) /* largest snapshot accepted */

static const char bench_usage[] =
    "usage: mpc-cli bench {sign|keygen|reshare} --peers FILE [--key-type T] [--count N]\n"
    "                     [--concurrency C] [--wallet W | --wallet-prefix P [--wallets N]]\n"
    "                     [options]\n"
    "\n"
    "Keeps C requests in flight until N have finished, and reports the throughput,\n"
    "the latency percentiles (p50/p90/p99/max, from publishing a request to its last\n"
    "awaited result), failures by status, and the CPU time, peak RSS and session\n"
    "high-water mark of every node process. Every signature is verified here as in\n"
    "`mpc-cli sign` (libsodium / libsecp256k1); a bad one counts as a failure.\n"
    "\n"
    "  --peers FILE            the peers file (node ids; required)\n"
    "  --key-type T            ed25519 (default) or secp256k1\n"
    "  --count N               requests to measure (default 100)\n"
    "  --concurrency C         requests in flight (default 1, at most 1024)\n"
    "  --wallet W              every request uses wallet W (sign/reshare: must exist)\n"
    "  --wallet-prefix P       wallets P-0 .. P-(N-1): keygen creates P-i for request i\n"
    "                          (or P-(i mod N) with --wallets N); sign/reshare use\n"
    "                          existing ones, request i taking P-(i mod N)\n"
    "  --wallets N             number of prefixed wallets (sign default 1; reshare\n"
    "                          default min(C, count))\n"
    "                          Without --wallet/--wallet-prefix, sign and reshare first\n"
    "                          create their wallets with a keygen phase (not measured).\n"
    "  --threshold K           keygen / reshare threshold (default 2)\n"
    "  --participants LIST     keygen / reshare committee (default: every peer)\n"
    "  --signers LIST          sign: the signers (default: every holder)\n"
    "  --rotate-signers K      sign: request i is signed by K consecutive peers from i\n"
    "  --batch K               sign: K random messages per request (one session signs\n"
    "                          them all, every signature verified); throughput is also\n"
    "                          given in signatures per second\n"
    "  --node-pids P1,P2,...   pids of the node processes, in peers-file order (default:\n"
    "                          each node's status snapshot; figures need the same host)\n"
    "  --timeout S             per request (default 60)\n"
    "  --resubmit-ms MS        a request with no result for MS ms is published again\n"
    "                          under a new Nats-Msg-Id (default 10000; 0 = never)\n"
    "  --resubmit-max N        at most N resubmissions per request (default 5)\n"
    "  --csv FILE              one row per request: index, request id, wallet, outcome,\n"
    "                          latency, results, errors, duplicates, verified,\n"
    "                          resubmissions, first_seq (MPC_REQ sequence of the\n"
    "                          first publish)\n"
    "  --json                  print one JSON document\n"
    "  --key FILE, --passphrase-file F, --passphrase-env VAR   the initiator key\n" CLI_NATS_HELP
    "Stopped by SIGTERM or SIGINT, it ends at once: the requests in flight count as\n"
    "CANCELLED, the ones not started are left out, and the report and CSV are still\n"
    "written for the requests that ended (exit 1).\n"
    "Exit: 0 every request succeeded, 1 some failed, 2 usage, 4 NATS unavailable.\n";

enum {
    OPT_KEYTYPE = 3001,
    OPT_COUNT,
    OPT_CONC,
    OPT_WALLET,
    OPT_PREFIX,
    OPT_WALLETS,
    OPT_THRESHOLD,
    OPT_PARTIES,
    OPT_ROTATE,
    OPT_BATCH,
    OPT_PEERS,
    OPT_PIDS,
    OPT_TIMEOUT,
    OPT_CSV,
    OPT_JSON,
    OPT_HELP,
    OPT_RESUBMIT_MS,
    OPT_RESUBMIT_MAX,
};

/* Handles one numeric option. Returns: 0, or -1 for a bad value. */
static int
apply_num(struct cli_bench_opts *o, int c, const char *arg)
{
    uint64_t v = 0;
    uint64_t max = c == OPT_CONC      ? CLI_BENCH_CONC_MAX
                   : c == OPT_TIMEOUT ? 86400
                   : c == OPT_BATCH   ? NODE_CLIENT_REQUEST_BATCH_MAX
                                      : CLI_BENCH_COUNT_MAX;
    if (cli_parse_u64(arg, 1, max, &v) != 0) {
        return -1;
    }
    switch (c) {
    case OPT_COUNT:
        o->count = (uint32_t)v;
        return 0;
    case OPT_CONC:
        o->concurrency = (uint32_t)v;
        return 0;
    case OPT_WALLETS:
        o->wallets = (uint32_t)v;
        return 0;
    case OPT_THRESHOLD:
        o->threshold = (uint32_t)v;
        return 0;
    case OPT_ROTATE:
        o->rotate = (uint32_t)v;
        return 0;
    case OPT_BATCH:
        o->batch = (uint32_t)v;
        return 0;
    case OPT_TIMEOUT:
        o->timeout_ms = v * 1000u;
        return 0;
    default:
        return -1;
    }
}

static int
apply_opt(struct cli_bench_opts *o, int c, const char *arg)
{
    if (cli_nats_opt(&o->nats, c, arg) || cli_key_opt(&o->key_file, &o->pass, c, arg)) {
        return 0;
    }
    switch (c) {
    case OPT_RESUBMIT_MS:
        return cli_resubmit_parse_ms(arg, &o->resubmit_ms);
    case OPT_RESUBMIT_MAX:
        return cli_resubmit_parse_max(arg, &o->resubmit_max);
    case OPT_KEYTYPE:
        o->key_type = cli_parse_key_type(arg);
        return o->key_type != 0 ? 0 : -1;
    case OPT_WALLET:
        o->wallet = arg;
        return node_client_wallet_id_is_valid(arg) ? 0 : -1;
    case OPT_PREFIX:
        o->wallet_prefix = arg; /* "<prefix>-<n>" must stay a valid wallet id */
        return strlen(arg) <= NODE_CLIENT_WALLET_ID_MAX - 8 && node_client_wallet_id_is_valid(arg)
                   ? 0
                   : -1;
    case OPT_PARTIES:
        o->parties = arg;
        return 0;
    case OPT_PEERS:
        o->peers_file = arg;
        return 0;
    case OPT_PIDS:
        o->node_pids = arg;
        return 0;
    case OPT_CSV:
        o->csv = arg;
        return 0;
    case OPT_JSON:
        o->json = 1;
        return 0;
    default:
        return apply_num(o, c, arg);
    }
}

/* Parses argv (argv[0] = "bench", argv[1] = the operation). Returns CLI_EXIT_* or -1 (help). */
static int
bench_parse(int argc, char **argv, struct cli_bench_opts *o)
{
    static const struct option longopts[] = {
        {"key-type", required_argument, NULL, OPT_KEYTYPE},
        {"count", required_argument, NULL, OPT_COUNT},
        {"concurrency", required_argument, NULL, OPT_CONC},
        {"wallet", required_argument, NULL, OPT_WALLET},
        {"wallet-prefix", required_argument, NULL, OPT_PREFIX},
        {"wallets", required_argument, NULL, OPT_WALLETS},
        {"threshold", required_argument, NULL, OPT_THRESHOLD},
        {"participants", required_argument, NULL, OPT_PARTIES},
        {"signers", required_argument, NULL, OPT_PARTIES},
        {"rotate-signers", required_argument, NULL, OPT_ROTATE},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"peers", required_argument, NULL, OPT_PEERS},
        {"node-pids", required_argument, NULL, OPT_PIDS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"resubmit-ms", required_argument, NULL, OPT_RESUBMIT_MS},
        {"resubmit-max", required_argument, NULL, OPT_RESUBMIT_MAX},
        {"csv", required_argument, NULL, OPT_CSV},
        {"json", no_argument, NULL, OPT_JSON},
        CLI_KEY_LONGOPTS,
        {"nats", required_argument, NULL, CLI_OPT_NATS},
        {"user", required_argument, NULL, CLI_OPT_USER},
        {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    o->count = 100;
    o->concurrency = 1;
    o->threshold = 2;
    o->timeout_ms = DEFAULT_TIMEOUT_S * 1000u;
    o->resubmit_ms = CLI_RESUBMIT_DEF_MS;
    o->resubmit_max = CLI_RESUBMIT_DEF_MAX;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(bench_usage, stdout);
            return -1;
        }
        if (c == '?' || apply_opt(o, c, optarg) != 0) {
            return cli_usage_error(bench_usage, c == '?' ? NULL : "invalid option value");
        }
    }
    if (optind + 1 != argc) {
        return cli_usage_error(bench_usage, "give one operation: sign, keygen or reshare");
    }
    const char *op = argv[optind];
    o->op = strcmp(op, "sign") == 0      ? MPC__OP__OP_SIGN
            : strcmp(op, "keygen") == 0  ? MPC__OP__OP_KEYGEN
            : strcmp(op, "reshare") == 0 ? MPC__OP__OP_RESHARE
                                         : 0;
    if (o->op == 0) {
        return cli_usage_error(bench_usage, "unknown operation");
    }
    if (o->peers_file == NULL || (o->wallet != NULL && o->wallet_prefix != NULL) ||
        (o->wallets > 0 && o->wallet_prefix == NULL)) {
        return cli_usage_error(bench_usage, "--peers is required; --wallets needs "
                                            "--wallet-prefix; --wallet excludes it");
    }
    if (o->key_file == NULL) {
        o->key_file = getenv("MPC_INITIATOR_KEY");
    }
    if (o->key_file == NULL) {
        return cli_usage_error(bench_usage, "--key FILE (or $MPC_INITIATOR_KEY) is required");
    }
    return CLI_EXIT_OK;
}

/* Asks node id for its status snapshot. Out: *root (caller decrefs) or NULL. */
static void
node_status(const struct cli_bench_opts *o, const char *id, json_t **root)
{
    char subject[TRANSPORT_SUBJECT_MAX];
    size_t len = 0;
    *root = NULL;
    uint8_t *reply = malloc(STATUS_REPLY_MAX + 1);
    if (reply != NULL &&
        transport_subject_build(subject, sizeof subject, TRANSPORT_SUBJ_STATUS, id, NULL, NULL) ==
            MPC_OK &&
        cli_nats_request(&o->nats, subject, (const uint8_t *)"{}", 2, STATUS_TIMEOUT_MS, reply,
                         STATUS_REPLY_MAX, &len) == MPC_OK) {
        *root = json_loadb((const char *)reply, len, 0, NULL);
    }
    free(reply);
}

/* Fills st->nodes: pids from --node-pids or from each node's snapshot. */
static int
nodes_init(const struct cli_bench_opts *o, struct cli_bench_stats *st)
{
    st->n_nodes = o->n_ids;
    for (size_t i = 0; i < o->n_ids; i++) {
        snprintf(st->nodes[i].id, sizeof(st->nodes[i].id), "%s", o->ids[i]);
        st->nodes[i].live_high = -1;
    }
    if (o->node_pids != NULL) {
        char buf[512], *save = NULL;
        size_t i = 0;
        snprintf(buf, sizeof(buf), "%s", o->node_pids);
        for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
            uint64_t v = 0;
            if (i == CLI_BENCH_NODES_MAX || cli_parse_u64(tok, 1, 4194304, &v) != 0) {
                cli_errf("--node-pids: bad list");
                return -1;
            }
            st->nodes[i++].pid = (pid_t)v;
        }
        st->n_nodes = i > st->n_nodes ? i : st->n_nodes;
        return 0;
    }
    for (size_t i = 0; i < o->n_ids; i++) {
        json_t *root = NULL;
        node_status(o, o->ids[i], &root);
        st->nodes[i].pid = (pid_t)json_integer_value(json_object_get(root, "pid"));
        json_decref(root);
    }
    return 0;
}

/* Reads the CPU ticks of every watched node into ticks0 (start) or ticks1 (end). */
static void
nodes_ticks(struct cli_bench_stats *st, int end)
{
    for (size_t i = 0; i < st->n_nodes; i++) {
        struct cli_bench_node *nd = &st->nodes[i];
        uint64_t t = 0;
        if (nd->pid <= 0) {
            continue;
        }
        int rc = cli_bench_proc_ticks(nd->pid, &t);
        if (end) {
            nd->ticks1 = t;
            nd->died = rc != 0;
            (void)cli_bench_proc_kb(nd->pid, "VmHWM:", &nd->hwm_kb);
        } else {
            nd->ticks0 = t;
        }
    }
}

/* Reads each node's session high-water mark (after the JetStream connection is closed). */
static void
nodes_live_high(const struct cli_bench_opts *o, struct cli_bench_stats *st)
{
    for (size_t i = 0; i < o->n_ids && i < st->n_nodes; i++) {
        json_t *root = NULL;
        node_status(o, o->ids[i], &root);
        json_t *v = json_object_get(json_object_get(root, "node"), "live_high_water");
        st->nodes[i].live_high = v != NULL ? (long long)json_integer_value(v) : -1;
        json_decref(root);
    }
}

/* Writes a random wallet prefix "bench-<8 hex>" into buf (32 bytes). */
static int
random_prefix(char *buf)
{
    uint8_t rnd[4];
    char hex[9];
    if (mpc_random_bytes(rnd, sizeof(rnd)) != MPC_OK) {
        return -1;
    }
    cli_hex(hex, rnd, sizeof(rnd));
    snprintf(buf, 32, "bench-%s", hex);
    return 0;
}

/*
 * Chooses the wallets of the run; for a sign or reshare bench without named
 * wallets, creates them with a keygen phase (not measured).
 * Returns: 0, or -1 (reported).
 */
static int
bench_setup(struct transport_js *js, struct transport_js_results *w, struct cli_bench_opts *o,
            char *prefix_buf)
{
    uint32_t def = o->op == MPC__OP__OP_SIGN   ? 1
                   : o->concurrency < o->count ? o->concurrency
                                               : o->count;
    if (o->wallet != NULL) {
        return 0;
    }
    if (o->wallet_prefix != NULL) {
        o->wallets = o->wallets == 0 && o->op != MPC__OP__OP_KEYGEN ? def : o->wallets;
        return 0;
    }
    if (random_prefix(prefix_buf) != 0) {
        return -1;
    }
    o->wallet_prefix = prefix_buf;
    if (o->op == MPC__OP__OP_KEYGEN) {
        return 0;
    }
    o->wallets = def;
    struct cli_bench_phase ph = {MPC__OP__OP_KEYGEN, def, def < 16 ? def : 16, 0, "setup"};
    struct cli_bench_stats *st = calloc(1, sizeof(*st));
    int rc = -1;
    if (st != NULL && (st->recs = calloc(def, sizeof(*st->recs))) != NULL) {
        struct cli_bench_opts ko = *o;
        ko.op = MPC__OP__OP_KEYGEN;
        ko.parties = NULL; /* the signers list is not a committee */
        if (cli_bench_run(js, w, &ko, &ph, st) == MPC_OK && st->ok == def) {
            rc = 0;
        } else {
            cli_errf("setup: %zu of %u keygens failed (first: %s)", (size_t)def - st->ok, def,
                     st->n_errs > 0 ? st->errs[0].name : "?");
        }
    }
    if (st != NULL) {
        free(st->recs);
    }
    free(st);
    if (rc == 0 && !o->json) {
        fprintf(stderr, "setup: %u %s wallet(s) %s-0..%u created\n", def,
                node_store_key_type_name(o->key_type), o->wallet_prefix, def - 1);
    }
    return rc;
}

/* Connects, sets up, measures, reports. Returns the exit code. */
static int
bench_main(struct cli_bench_opts *o, struct cli_bench_stats *st)
{
    char prefix[32];
    transport_js *js = NULL;
    transport_js_results *w = NULL;
    if (nodes_init(o, st) != 0) {
        return CLI_EXIT_USAGE;
    }
    cli_bench_catch_stop(); /* a stopped bench still reports what ended */
    mpc_status s = cli_results_watch_open(&o->nats, "mpc-cli-bench", o->client_id, NULL, &js, &w);
    if (s != MPC_OK) {
        cli_results_watch_close(js, w);
        return cli_exit_for_nats(s);
    }
    int rc = CLI_EXIT_FAILED;
    if (bench_setup(js, w, o, prefix) == 0) {
        struct cli_bench_phase ph = {o->op, o->count, o->concurrency,
                                     !o->json && isatty(STDERR_FILENO), "bench"};
        nodes_ticks(st, 0);
        s = cli_bench_run(js, w, o, &ph, st);
        nodes_ticks(st, 1);
        rc = s != MPC_OK ? cli_exit_for_nats(s) : st->ok == st->n ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    cli_results_watch_close(js, w);
    if (st->n > 0) {
        nodes_live_high(o, st);
        if (cli_bench_report(o, st) != 0 && rc == CLI_EXIT_OK) {
            rc = CLI_EXIT_FAILED;
        }
    }
    return rc;
}

int
cli_cmd_bench(int argc, char **argv)
{
    struct cli_bench_opts *o = calloc(1, sizeof(*o));
    struct cli_bench_stats *st = calloc(1, sizeof(*st));
    struct cli_peer_keys *peers = calloc(1, sizeof(*peers));
    int rc =
        o != NULL && st != NULL && peers != NULL ? bench_parse(argc, argv, o) : CLI_EXIT_FAILED;
    if (rc < 0) {
        rc = CLI_EXIT_OK; /* --help */
    } else if (rc == CLI_EXIT_OK && cli_peer_keys_load(o->peers_file, peers) != 0) {
        rc = CLI_EXIT_FAILED;
    } else if (rc == CLI_EXIT_OK) {
        for (size_t i = 0; i < peers->n; i++) {
            o->ids[o->n_ids++] = peers->ids[i];
        }
        o->keys = peers->keys;
        uint8_t rnd[6];
        char hex[13];
        st->recs = calloc(o->count, sizeof(*st->recs));
        if (st->recs == NULL || mpc_random_bytes(rnd, sizeof(rnd)) != MPC_OK) {
            rc = CLI_EXIT_FAILED;
        } else {
            cli_hex(hex, rnd, sizeof(rnd));
            snprintf(o->client_id, sizeof(o->client_id), "bench-%s", hex);
            rc = bench_main(o, st);
        }
    }
    if (st != NULL) {
        free(st->recs);
    }
    if (peers != NULL) {
        cli_peer_keys_clear(peers);
    }
    free(peers);
    free(st);
    free(o);
    return rc;
}

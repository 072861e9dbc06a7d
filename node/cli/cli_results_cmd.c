/*
 * cli_results_cmd.c — `mpc-cli results`: reads the results of an earlier
 * request from the MPC_RES stream (every node's stored copy), e.g. after a
 * `--x-no-wait` publish, or to check what a restarted node republished.
 */
#include "node/cli/cli_results.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "node/client/request.h"
#include "transport/jetstream.h"

#define DEFAULT_WAIT_MS 5000u /* --timeout default */

static const char results_usage[] =
    "usage: mpc-cli results --peers FILE [--client-id ID] [--expect N] [--timeout S]\n"
    "                       [--message-hex HEX [--public-key HEX] [--path P]] [--json]\n"
    "                       REQUEST_ID\n"
    "\n"
    "Prints the results the nodes stored for REQUEST_ID (one per node and key type;\n"
    "republished copies are counted as duplicates). Waits until N results are\n"
    "there (--expect) or S seconds passed (default 5).\n"
    "\n"
    "  --peers FILE            the peers file: only copies signed by these nodes count\n"
    "                          (default $MPC_PEERS)\n"
    "  --client-id ID          the client id the request was sent with (default mpc-cli)\n"
    "  --message-hex HEX       verify sign results over this message (libsodium)\n"
    "  --public-key HEX        ... under this group key instead of the reported "
    "one\n"
    "  --path P                ... under the child key at the derivation path P\n" CLI_NATS_HELP;

/* Parsed options. */
struct results_opts {
    struct cli_nats_opts nats; /* connection */
    const char *client_id;     /* --client-id */
    uint32_t expect;           /* --expect */
    uint64_t timeout_ms;       /* --timeout */
    uint8_t *message;          /* --message-hex (owned) */
    size_t message_len;        /* length */
    uint8_t pk[33];            /* --public-key */
    int has_pk;                /* its length (32 or 33) if given, else 0 */
    const char *hd_path;       /* --path: the derivation path the request named */
    int json;                  /* --json */
    const char *peers_file;    /* --peers */
};

enum {
    OPT_CLIENT = 3001,
    OPT_EXPECT,
    OPT_TIMEOUT,
    OPT_MSGHEX,
    OPT_PK,
    OPT_PATH,
    OPT_JSON,
    OPT_HELP,
    OPT_PEERS
};

static int
results_apply(struct results_opts *o, int c, const char *arg)
{
    if (cli_nats_opt(&o->nats, c, arg)) {
        return 0;
    }
    switch (c) {
    case OPT_CLIENT:
        o->client_id = arg;
        return node_client_id_is_valid(arg) ? 0 : -1;
    case OPT_JSON:
        o->json = 1;
        return 0;
    case OPT_PEERS:
        o->peers_file = arg;
        return 0;
    case OPT_EXPECT:
        return cli_parse_expect(arg, &o->expect);
    case OPT_TIMEOUT:
        return cli_parse_seconds(arg, &o->timeout_ms);
    case OPT_MSGHEX:
        return cli_parse_hex_alloc(arg, &o->message, &o->message_len);
    case OPT_PK:
        return cli_parse_public_key(arg, o->pk, &o->has_pk);
    case OPT_PATH:
        o->hd_path = arg;
        return 0;
    default:
        return -1;
    }
}

static int
results_run(const struct results_opts *o, const char *request_id)
{
    transport_js *js = NULL;
    transport_js_results *w = NULL;
    struct cli_peer_keys *peers = calloc(1, sizeof(*peers));
    if (peers == NULL || cli_peer_keys_load(o->peers_file, peers) != 0) {
        free(peers);
        return CLI_EXIT_FAILED;
    }
    mpc_status st = cli_results_watch_open(&o->nats, "mpc-cli", o->client_id, request_id, &js, &w);
    int rc = cli_exit_for_nats(st);
    if (st == MPC_OK) {
        struct cli_collect_params p;
        cli_collect_params_init(&p, o->client_id, request_id, peers, o->expect, o->timeout_ms);
        cli_collect_params_sign(&p, o->message, o->message_len, o->pk, o->has_pk);
        p.hd_path = o->hd_path;
        p.progress = !o->json;
        struct cli_results *r = cli_results_new();
        st = r == NULL ? MPC_ERR_NOMEM : cli_results_collect(w, &p, r);
        rc = cli_exit_for_nats(st);
        if (st == MPC_OK) {
            /* Without --expect, waiting the whole timeout is the normal end. */
            r->timed_out = r->timed_out && o->expect > 0;
            cli_results_print(r, "results", request_id, NULL, o->json, 0);
            rc = cli_results_exit(r);
        }
        cli_results_free(r);
    }
    cli_results_watch_close(js, w);
    cli_peer_keys_clear(peers);
    free(peers);
    return rc;
}

int
cli_cmd_results(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"client-id", required_argument, NULL, OPT_CLIENT},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"message-hex", required_argument, NULL, OPT_MSGHEX},
        {"public-key", required_argument, NULL, OPT_PK},
        {"path", required_argument, NULL, OPT_PATH},
        {"json", no_argument, NULL, OPT_JSON},
        {"peers", required_argument, NULL, OPT_PEERS},
        {"help", no_argument, NULL, OPT_HELP},
        {"nats", required_argument, NULL, CLI_OPT_NATS},
        {"user", required_argument, NULL, CLI_OPT_USER},
        {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
        {NULL, 0, NULL, 0},
    };
    struct results_opts o;
    memset(&o, 0, sizeof(o));
    o.client_id = "mpc-cli";
    o.timeout_ms = DEFAULT_WAIT_MS;
    int rc = CLI_EXIT_OK;
    int c;
    optind = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(results_usage, stdout);
            free(o.message);
            return CLI_EXIT_OK;
        }
        if (c == '?' || results_apply(&o, c, optarg) != 0) {
            rc = cli_usage_error(results_usage, c == '?' ? NULL : "invalid option value");
        }
    }
    if (rc == CLI_EXIT_OK &&
        (argc - optind != 1 || !node_client_request_id_is_valid(argv[optind]))) {
        rc = cli_usage_error(results_usage, "exactly one valid REQUEST_ID expected");
    }
    if (rc == CLI_EXIT_OK) {
        rc = results_run(&o, argv[optind]);
    }
    free(o.message);
    return rc;
}

/*
 * cli_config.c — `mpc-cli config-check`: loads a node config with the node's
 * own schema and validation (node/config/config.h), so an operator (or the demo)
 * finds a mistake with its file, line and key before starting the node.
 */
#include "node/cli/cli.h"

#include <getopt.h>
#include <string.h>

#include "node/config/config.h"
#include "node/config/peers.h"

#define ERR_CAP 1024u /* diagnostic buffer */

static const char config_usage[] =
    "usage: mpc-cli config-check [--no-files] [--json] FILE\n"
    "\n"
    "Loads an mpc-node config exactly as the node does (schema, defaults, value\n"
    "checks; errors name FILE:LINE:COL and the key) and, unless --no-files, checks\n"
    "that the files it names exist and that the peers file is valid and lists\n"
    "this node. Prints a short summary. Secrets are never printed.\n";

/* Checks the peers file and that node_id is in it. Returns 0 or -1 (reported). */
static int
check_peers(const struct node_config *cfg, size_t *n_peers)
{
    char err[ERR_CAP];
    node_config_peers *p = NULL;
    *n_peers = 0;
    if (node_config_peers_load(cfg->peers_file, &p, err, sizeof(err)) != MPC_OK) {
        cli_errf("%s", err);
        return -1;
    }
    *n_peers = node_config_peers_count(p);
    int rc = 0;
    if (node_config_peers_find(p, cfg->node_id) == NULL) {
        cli_errf("%s: node '%s' is not listed", cfg->peers_file, cfg->node_id);
        rc = -1;
    }
    node_config_peers_destroy(p);
    return rc;
}

int
cli_cmd_config_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"no-files", no_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int files = 1;
    int json = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            files = 0;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(config_usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(config_usage, NULL);
        }
    }
    if (argc - optind != 1) {
        return cli_usage_error(config_usage, "exactly one FILE expected");
    }
    char err[ERR_CAP];
    struct node_config *cfg = NULL;
    if (node_config_load(argv[optind], files ? NODE_CONFIG_CHECK_FILES : 0, &cfg, err,
                         sizeof(err)) != MPC_OK) {
        cli_errf("%s", err);
        return CLI_EXIT_FAILED;
    }
    size_t n_peers = 0;
    int rc = CLI_EXIT_OK;
    if (files && check_peers(cfg, &n_peers) != 0) {
        rc = CLI_EXIT_FAILED;
    }
    if (rc == CLI_EXIT_OK && json) {
        json_t *j =
            json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:i}", "file", argv[optind], "node_id",
                      cfg->node_id, "nats", cfg->nats.urls[0], "store", cfg->store_path, "peers",
                      (json_int_t)n_peers, "initiators", (json_int_t)cfg->n_initiators, "http_host",
                      cfg->http_host, "http_port", (int)cfg->http_port);
        cli_json_print(j);
        json_decref(j);
    } else if (rc == CLI_EXIT_OK) {
        printf("%s: ok (node %s, nats %s, http %s:%u, store %s, %zu initiator(s)", argv[optind],
               cfg->node_id, cfg->nats.urls[0], cfg->http_host, (unsigned)cfg->http_port,
               cfg->store_path, cfg->n_initiators);
        if (files) {
            printf(", %zu peers", n_peers);
        }
        printf(")\n");
    }
    node_config_free(cfg);
    return rc;
}

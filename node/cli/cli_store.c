/*
 * cli_store.c — `mpc-cli store-check -c NODE_CONFIG [-c NODE_CONFIG ...]`:
 * opens each node's key store with the node's passphrase (from the config's
 * source) and runs the checks of node/cli/cli_store.h on it; with several
 * configs it also compares the nodes' keys (public key, active version,
 * threshold, committee; every committee member holds the key).
 * Run it on stopped nodes (or copies).
 */
#include "node/cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "node/cli/cli_store.h"
#include "node/config/config.h"
#include "node/store/identity.h"
#include "node/store/store.h"

#define ERR_CAP    1024u /* diagnostic buffer */
#define MAX_STORES 64u   /* -c given at most this often */

static const char store_usage[] =
    "usage: mpc-cli store-check -c NODE_CONFIG [-c NODE_CONFIG ...] [--json]\n"
    "\n"
    "Opens the node's key store (passphrase from the config's source) and checks\n"
    "that every record decrypts, every keyinfo validates, every share decodes and\n"
    "matches its keyinfo (group key, threshold, committee, own identity), no share\n"
    "lacks its keyinfo or its request-log entry, no keyinfo lacks its share, no\n"
    "retired version keeps its share, no version is left PENDING, and every\n"
    "request-log entry decodes. With several -c, the nodes' keys are compared too\n"
    "(public key, active version, threshold, committee). --json also lists every\n"
    "key (type, wallet, public key, active version, threshold, participants).\n"
    "Exit 0 when consistent, 1 otherwise. Run it while the nodes are stopped.\n";

int
cli_store_open(const struct node_config *cfg, node_store **out)
{
    char err[ERR_CAP];
    const char *arg = node_config_passphrase_arg(&cfg->identity);
    node_store_passphrase *pass = NULL;
    if (node_store_passphrase_load(cfg->identity.passphrase_source, arg, &pass, err, sizeof(err)) !=
        MPC_OK) {
        cli_errf("%s", err);
        return -1;
    }
    struct node_store_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.map_size = cfg->store_map_size;
    mpc_status st = node_store_open(cfg->store_path, node_store_passphrase_data(pass),
                                    node_store_passphrase_len(pass), &opt, out, err, sizeof(err));
    node_store_passphrase_destroy(pass);
    if (st != MPC_OK) {
        cli_errf("%s: %s", cfg->store_path, err[0] != '\0' ? err : mpc_status_str(st));
        return -1;
    }
    return 0;
}

/* The "identity" record (if any) must hold the identity file's public key. Read-only. */
static void
check_identity(node_store *s, const struct node_config *cfg, struct cli_store_report *r, int print)
{
    uint8_t pk[32];
    uint8_t *rec = NULL;
    size_t len = 0;
    const char *why = NULL;
    mpc_status st = MPC_OK;
    if (node_store_identity_peek_public_key(cfg->identity.key_file, pk) != MPC_OK) {
        why = "identity key file unreadable";
    } else if ((st = node_store_get(s, "identity", &rec, &len)) == MPC_OK &&
               (len != sizeof(pk) || memcmp(rec, pk, sizeof(pk)) != 0)) {
        why = "the store belongs to another identity";
    } else if (st != MPC_OK && st != MPC_ERR_NOT_FOUND) {
        why = "identity record does not open";
    }
    mpc_secure_free(rec);
    if (why != NULL) {
        r->problems++;
        json_array_append_new(r->list, json_string(why));
        if (print) {
            printf("  PROBLEM %s\n", why);
        }
    }
}

/* Checks one node's store. Out: *r (caller clears). Returns 0, or -1 if it does not open. */
static int
store_check_one(const struct node_config *cfg, int json, struct cli_store_report *r)
{
    node_store *s = NULL;
    memset(r, 0, sizeof(*r));
    if (cli_store_open(cfg, &s) != 0) {
        return -1;
    }
    if (!json) {
        printf("store %s (node %s)\n", cfg->store_path, cfg->node_id);
    }
    (void)cli_store_check(s, cfg->node_id, !json, r);
    check_identity(s, cfg, r, !json);
    node_store_close(s);
    if (!json && r->lost > 0) {
        printf("%zu shares lost by a restore (known, not inconsistent): rejoin by reshare\n",
               r->lost);
    }
    if (!json) {
        printf("%zu records: %zu keyinfo, %zu shares, %zu request-log entries, %zu pending: %s\n",
               r->records, r->keyinfos, r->shares, r->reqs, r->pending,
               r->problems == 0 ? "every record decrypts, shares match their keyinfo"
                                : "INCONSISTENT");
    }
    return 0;
}

/* The --json document of one node's check (takes r's arrays). */
static json_t *
report_json(const struct node_config *cfg, struct cli_store_report *r)
{
    json_t *doc = json_pack(
        "{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:O, s:O}", "store", cfg->store_path, "node",
        cfg->node_id, "ok", r->problems == 0, "records", (json_int_t)r->records, "keyinfos",
        (json_int_t)r->keyinfos, "shares", (json_int_t)r->shares, "requests", (json_int_t)r->reqs,
        "pending", (json_int_t)r->pending, "problems", r->list, "keys", r->keys);
    if (doc != NULL) {
        json_object_set_new(doc, "lost", json_integer((json_int_t)r->lost));
    }
    return doc;
}

/* Checks every store, then compares them. Returns the exit code. */
static int
store_check_run(struct node_config **cfgs, size_t n, int json)
{
    struct cli_store_report r[MAX_STORES];
    const char *nodes[MAX_STORES];
    json_t *keys[MAX_STORES];
    json_t *docs = json_array(), *cross = json_array();
    size_t problems = 0, opened = 0;
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (store_check_one(cfgs[i], json, &r[i]) != 0) {
            failed = 1;
            continue;
        }
        problems += r[i].problems;
        json_array_append_new(docs, report_json(cfgs[i], &r[i]));
        nodes[opened] = cfgs[i]->node_id;
        keys[opened++] = r[i].keys;
    }
    size_t cross_n = n > 1 ? cli_store_compare(nodes, keys, opened, cross) : 0;
    if (!json && n > 1) {
        size_t i;
        json_t *p;
        json_array_foreach(cross, i, p)
        {
            printf("  PROBLEM %s\n", json_string_value(p));
        }
        printf("%zu nodes compared: %s\n", opened,
               cross_n == 0 ? "they agree on every key" : "DISAGREE");
    }
    if (json && n == 1 && json_array_size(docs) == 1) {
        cli_json_print(json_array_get(docs, 0));
    } else if (json) {
        json_t *doc = json_pack("{s:b, s:O, s:O}", "ok", !failed && problems + cross_n == 0,
                                "nodes", docs, "cross_node_problems", cross);
        cli_json_print(doc);
        json_decref(doc);
    }
    for (size_t i = 0; i < n; i++) {
        cli_store_report_clear(&r[i]);
    }
    json_decref(docs);
    json_decref(cross);
    return failed || problems + cross_n > 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

/* Loads each config. Out: cfgs[0..n). Returns 0 or -1 (the loaded ones freed). */
static int
load_configs(const char *const *paths, size_t n, struct node_config **cfgs)
{
    char err[ERR_CAP];
    for (size_t i = 0; i < n; i++) {
        if (node_config_load(paths[i], NODE_CONFIG_CHECK_FILES, &cfgs[i], err, sizeof(err)) !=
            MPC_OK) {
            cli_errf("%s", err);
            for (size_t j = 0; j < i; j++) {
                node_config_free(cfgs[j]);
            }
            return -1;
        }
    }
    return 0;
}

int
cli_cmd_store_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *paths[MAX_STORES];
    size_t n = 0;
    int json = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (n == MAX_STORES) {
                return cli_usage_error(store_usage, "too many -c");
            }
            paths[n++] = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(store_usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(store_usage, NULL);
        }
    }
    if (n == 0 || optind != argc) {
        return cli_usage_error(store_usage, "-c NODE_CONFIG is required");
    }
    struct node_config *cfgs[MAX_STORES];
    if (load_configs(paths, n, cfgs) != 0) {
        return CLI_EXIT_FAILED;
    }
    int rc = store_check_run(cfgs, n, json);
    for (size_t i = 0; i < n; i++) {
        node_config_free(cfgs[i]);
    }
    return rc;
}

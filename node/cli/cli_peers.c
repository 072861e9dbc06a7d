/*
 * cli_peers.c — `mpc-cli peers`: builds the peers file (node/config/peers.h) from
 * node ids and identity public keys, writes it (or prints it), and checks
 * what it wrote by loading it back with the node's own parser, so a file this
 * command produced is one every node accepts.
 */
#include "node/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "node/client/ids.h"
#include "node/config/peers.h"

#define ERR_CAP 512u /* diagnostic buffer */

static const char peers_usage[] =
    "usage: mpc-cli peers [--out FILE] [--format yaml|text] [--json] ID=KEY ...\n"
    "       mpc-cli peers --check FILE [--json]\n"
    "\n"
    "Builds the peers file every node needs (node id -> Ed25519 identity public key,\n"
    "this node included). Each ID=KEY names a node id ([A-Za-z0-9_-]{1,32}) and\n"
    "either an identity file (its public key is read without the passphrase) or\n"
    "the public key as 64 hex characters. The result is validated with the node's\n"
    "own parser (valid points, unique ids and keys) before it is written.\n"
    "\n"
    "  --out FILE       write FILE (mode 0644, never overwritten) instead of stdout\n"
    "  --format F       yaml (default) or text (\"<id> <hex>\" lines)\n"
    "  --check FILE     load and validate an existing peers file, print its entries\n"
    "  --json           print the entries as JSON\n";

/* One ID=KEY operand, resolved. */
struct peer_arg {
    char id[NODE_ID_MAX + 1];  /* node id */
    uint8_t pk[CLI_KEY_BYTES]; /* identity public key */
};

/* Resolves "ID=KEY" into *p. Returns 0, or -1 after printing why. */
static int
peer_arg_parse(const char *arg, struct peer_arg *p)
{
    const char *eq = strchr(arg, '=');
    size_t id_len = eq == NULL ? 0 : (size_t)(eq - arg);
    if (eq == NULL || id_len == 0 || id_len > NODE_ID_MAX) {
        cli_errf("'%s': expected ID=KEYFILE or ID=HEXKEY", arg);
        return -1;
    }
    memcpy(p->id, arg, id_len);
    p->id[id_len] = '\0';
    if (!node_client_node_id_is_valid(p->id)) {
        cli_errf("'%s': invalid node id (allowed: [A-Za-z0-9_-]{1,32})", p->id);
        return -1;
    }
    const char *key = eq + 1;
    if (strlen(key) == 2 * CLI_KEY_BYTES &&
        mpc_hex_decode_exact(p->pk, CLI_KEY_BYTES, key) == MPC_OK) {
        return 0;
    }
    return cli_key_file_public(key, p->pk) == MPC_OK ? 0 : -1;
}

/* Renders the peers file into a malloc'ed string. */
static char *
peers_render(const struct peer_arg *v, size_t n, int text)
{
    size_t cap = 128 + n * (NODE_ID_MAX + 2 * CLI_KEY_BYTES + 40);
    char *out = malloc(cap);
    if (out == NULL) {
        return NULL;
    }
    size_t len = (size_t)snprintf(out, cap, "# mpc-node peers file (written by mpc-cli peers)\n%s",
                                  text ? "" : "peers:\n");
    for (size_t i = 0; i < n; i++) {
        char hex[2 * CLI_KEY_BYTES + 1];
        cli_hex(hex, v[i].pk, CLI_KEY_BYTES);
        len +=
            (size_t)snprintf(out + len, cap - len,
                             text ? "%s %s\n" : "  - id: %s\n    public_key: %s\n", v[i].id, hex);
    }
    return out;
}

/* Writes text to a new file (O_EXCL), or to stdout when path is NULL. */
static int
write_out(const char *path, const char *text)
{
    if (path == NULL) {
        fputs(text, stdout);
        return 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        cli_errf("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    int rc = (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0) ? 0 : -1;
    if (rc != 0) {
        cli_errf("%s: write failed: %s", path, strerror(errno));
    }
    close(fd);
    if (rc != 0) {
        unlink(path);
    }
    return rc;
}

/* Loads path with the node's parser and prints its entries. */
static int
peers_check(const char *path, int json, int quiet)
{
    char err[ERR_CAP];
    node_config_peers *p = NULL;
    if (node_config_peers_load(path, &p, err, sizeof(err)) != MPC_OK) {
        cli_errf("%s", err);
        return CLI_EXIT_FAILED;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < node_config_peers_count(p); i++) {
        const struct node_config_peer *e = node_config_peers_at(p, i);
        char hex[2 * CLI_KEY_BYTES + 1];
        cli_hex(hex, e->public_key, CLI_KEY_BYTES);
        if (json) {
            json_array_append_new(arr, json_pack("{s:s, s:s}", "id", e->id, "public_key", hex));
        } else if (!quiet) {
            printf("%-32s %s\n", e->id, hex);
        }
    }
    if (json) {
        json_t *doc = json_pack("{s:s, s:o}", "file", path, "peers", arr);
        cli_json_print(doc);
        json_decref(doc);
    } else {
        json_decref(arr);
    }
    node_config_peers_destroy(p);
    return CLI_EXIT_OK;
}

/* Validates the rendered text with the node's parser via a temp file. */
static int
peers_validate_text(const char *text)
{
    char tmpl[] = "/tmp/mpc-cli-peers-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        cli_errf("temp file: %s", strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    char err[ERR_CAP];
    node_config_peers *p = NULL;
    if (ok && node_config_peers_load(tmpl, &p, err, sizeof(err)) != MPC_OK) {
        /* The temp path means nothing to the user: show the problem only. */
        const char *what = strstr(err, ": ");
        cli_errf("invalid peers: %s", what != NULL ? what + 2 : err);
        ok = 0;
    }
    node_config_peers_destroy(p);
    unlink(tmpl);
    return ok ? 0 : -1;
}

int
cli_cmd_peers(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},   {"format", required_argument, NULL, 'f'},
        {"check", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    const char *check = NULL;
    int text = 0;
    int json = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'c':
            check = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'f':
            if (strcmp(optarg, "yaml") != 0 && strcmp(optarg, "text") != 0) {
                return cli_usage_error(peers_usage, "--format: expected yaml or text");
            }
            text = strcmp(optarg, "text") == 0;
            break;
        case 'h':
            fputs(peers_usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(peers_usage, NULL);
        }
    }
    int n = argc - optind;
    if (check != NULL) {
        return n == 0 ? peers_check(check, json, 0)
                      : cli_usage_error(peers_usage, "--check takes no ID=KEY");
    }
    if (n < 1 || (size_t)n > NODE_CONFIG_PEERS_MAX) {
        return cli_usage_error(peers_usage, "expected 1 to 256 ID=KEY operands");
    }
    struct peer_arg *v = calloc((size_t)n, sizeof(*v));
    if (v == NULL) {
        return CLI_EXIT_FAILED;
    }
    int rc = CLI_EXIT_FAILED;
    char *doc = NULL;
    for (int i = 0; i < n; i++) {
        if (peer_arg_parse(argv[optind + i], &v[i]) != 0) {
            goto out_free;
        }
    }
    doc = peers_render(v, (size_t)n, text);
    if (doc == NULL || peers_validate_text(doc) != 0 || write_out(out, doc) != 0) {
        goto out_free;
    }
    rc = CLI_EXIT_OK;
    if (out != NULL) {
        rc = peers_check(out, json, !json);
        if (rc == CLI_EXIT_OK && !json) {
            printf("peers file written: %s (%d peers)\n", out, n);
        }
    }
out_free:
    free(doc);
    free(v);
    return rc;
}

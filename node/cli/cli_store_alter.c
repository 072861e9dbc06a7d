/*
 * cli_store_alter.c — `mpc-cli x-alter-key -c NODE_CONFIG --key-type T
 * --wallet W`: TEST BUILDS ONLY (MPC_FAULT_INJECTION; absent from release
 * builds and from the help). Changes the stored group public key of one key
 * (last byte flipped) in a stopped node's store, so that the node's key state
 * differs from its peers' at the same version: the divergence the key-state
 * exchange must find, show and gate (docs/DESIGN.md §8.2,
 * tests/integration/test_flow_key_diverged.sh). Running it twice restores
 * the key.
 */
#include "node/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/cli/cli_store.h"
#include "node/config/config.h"
#include "node/store/keyinfo.h"
#include "node/store/store.h"

#ifdef MPC_FAULT_INJECTION

#define ERR_CAP 1024u

static const char alter_usage[] =
    "usage: mpc-cli x-alter-key -c NODE_CONFIG --key-type ed25519|secp256k1 --wallet W\n"
    "\n"
    "TEST BUILDS ONLY. Flips the last byte of the stored group public key of one\n"
    "key in a STOPPED node's store (run it again to undo). The node's key state\n"
    "then differs from its peers': a divergence.\n";

/* Returns: the key type named, 0 if none. */
static int
key_type_of(const char *name)
{
    for (int kt = 1; kt <= 2; kt++) {
        if (strcmp(node_store_key_type_name(kt), name) == 0) {
            return kt;
        }
    }
    return 0;
}

/* Flips the public key's last byte of keyinfo (kt, wallet) in s. */
static mpc_status
alter(node_store *s, int kt, const char *wallet)
{
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    uint8_t *buf = malloc(NODE_STORE_KEYINFO_ENCODED_MAX);
    char name[NODE_STORE_NAME_MAX + 1];
    size_t len = 0;
    mpc_status st = ki != NULL && buf != NULL ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        st = node_store_keyinfo_get(s, kt, wallet, ki);
    }
    if (st == MPC_OK && ki->public_key_len == 0) {
        st = MPC_ERR_CORRUPT;
    }
    if (st == MPC_OK) {
        ki->public_key[ki->public_key_len - 1] ^= 0x01;
        st = node_store_keyinfo_encode(buf, NODE_STORE_KEYINFO_ENCODED_MAX, &len, ki);
    }
    if (st == MPC_OK) {
        st = node_store_name_keyinfo(name, sizeof name, kt, wallet);
    }
    if (st == MPC_OK) {
        st = node_store_put(s, name, buf, len);
    }
    free(buf);
    free(ki);
    return st;
}

int
cli_cmd_x_alter_key(int argc, char **argv)
{
    const char *config = NULL, *kt_name = NULL, *wallet = NULL;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"key-type", required_argument, NULL, 't'},
                                         {"wallet", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:t:w:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 't':
            kt_name = optarg;
            break;
        case 'w':
            wallet = optarg;
            break;
        case 'h':
            fputs(alter_usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(alter_usage, NULL);
        }
    }
    int kt = kt_name != NULL ? key_type_of(kt_name) : 0;
    if (config == NULL || wallet == NULL || kt == 0 || optind != argc) {
        return cli_usage_error(alter_usage, "-c, --key-type and --wallet are required");
    }
    char err[ERR_CAP];
    struct node_config *cfg = NULL;
    if (node_config_load(config, NODE_CONFIG_CHECK_FILES, &cfg, err, sizeof err) != MPC_OK) {
        cli_errf("%s", err);
        return CLI_EXIT_FAILED;
    }
    node_store *s = NULL;
    int rc = CLI_EXIT_FAILED;
    if (cli_store_open(cfg, &s) == 0) {
        mpc_status st = alter(s, kt, wallet);
        node_store_close(s);
        printf("altered the public key of %s/%s in %s: status=%s\n", kt_name, wallet,
               cfg->store_path, mpc_status_name(st));
        rc = st == MPC_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    node_config_free(cfg);
    return rc;
}

#endif /* MPC_FAULT_INJECTION */

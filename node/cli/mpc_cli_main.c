/*
 * mpc_cli_main.c — mpc-cli, the operator and client tool of mpc-node: key
 * files, the peers file, requests (keygen, sign, reshare) over NATS, and a
 * node's live status. This file only dispatches; each subcommand lives in
 * node/cli_<name>.c and documents its options in its --help text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/cli/cli.h"
#include "node/cli/cli_hd.h"

/* One subcommand. */
struct cli_command {
    const char *name;                  /* argv[1] */
    int (*run)(int argc, char **argv); /* the implementation */
    const char *summary;               /* one line for --help; NULL = hidden (tests) */
};

static const struct cli_command commands[] = {
    {"identity", cli_cmd_identity, "identity new|show: the node's encrypted Ed25519 key"},
    {"initiator", cli_cmd_initiator, "initiator new|show: the client key that signs requests"},
    {"peers", cli_cmd_peers, "build, print or check the peers file"},
    {"config-check", cli_cmd_config_check, "validate a node config as the node would"},
    {"keygen", cli_cmd_keygen, "create a threshold key (DKG) for a wallet"},
    {"sign", cli_cmd_sign, "sign a message with a wallet's key; verify the signature"},
    {"reshare", cli_cmd_reshare, "move a wallet's key to a new committee / threshold"},
    {"approve", cli_cmd_approve, "approve a saved request as an authorizer (m-of-k policy)"},
    {"results", cli_cmd_results, "print the stored results of an earlier request"},
    {"xpub", cli_cmd_xpub, "a wallet's extended public key (BIP32 xpub) at a path"},
    {"derive", cli_cmd_derive, "child public keys offline from an xpub (or key + chain code)"},
    {"evidence", cli_cmd_evidence, "who a failed request blamed, and the signed evidence"},
    {"status", cli_cmd_status, "a node's live snapshot (sessions, permits, drops)"},
    {"store-check", cli_cmd_store_check, "check that a stopped node's key store is consistent"},
    {"store", cli_cmd_store, "store backup|restore|rekey: encrypted backups, passphrase change"},
    {"bench", cli_cmd_bench, "load the cluster: throughput, latency, node CPU and memory"},
    {"subjects", cli_cmd_subjects, "the NATS subject scheme and each user's permissions"},
#ifdef MPC_FAULT_INJECTION
    {"x-alter-key", cli_cmd_x_alter_key, NULL}, /* test builds only, not in the help */
#endif
};

static void
print_help(FILE *f)
{
    fputs("usage: mpc-cli COMMAND [OPTIONS] [ARGS]\n"
          "       mpc-cli COMMAND --help\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (commands[i].summary != NULL) {
            fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
        }
    }
    fputs("\n"
          "Requests that need authorizer approvals (node config `authorizers:`):\n"
          "  mpc-cli sign ... --out-request req.bin          initiator signs, nothing is sent\n"
          "  mpc-cli approve --key AUTH1 --out a1.bin req.bin  each authorizer, after review\n"
          "  mpc-cli sign --request req.bin --approval a1.bin --approval a2.bin   send\n"
          "(the same for keygen and reshare)\n"
          "\n"
          "Output is human-readable; --json prints one JSON document for scripts.\n"
          "Exit codes: 0 success, 1 request/operation failed, 2 usage error,\n"
          "            3 timeout, 4 NATS unavailable or permission refused.\n"
          "Environment: MPC_PASSPHRASE (key passphrase when no --passphrase-* option),\n"
          "             MPC_NATS_URL, MPC_NATS_USER, MPC_NATS_PASSWORD (NATS defaults),\n"
          "             MPC_NATS_CA (CA file: TLS to the servers, e.g. tls:// URLs),\n"
          "             MPC_INITIATOR_KEY (--key default), MPC_CLI_LOG (library log level).\n",
          f);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    /* Library logs stay quiet: mpc-cli reports problems in its own words.
     * MPC_CLI_LOG=debug|info|warn|error shows them (on stderr). */
    mpc_log_level level = MPC_LOG_OFF;
    const char *lv = getenv("MPC_CLI_LOG");
    if (lv != NULL && mpc_log_level_parse(lv, &level) != MPC_OK) {
        level = MPC_LOG_OFF;
    }
    mpc_log_set_level(level);
    mpc_log_set_fd(2);
    if (mpc_crypto_init() != MPC_OK) {
        cli_errf("libsodium initialisation failed");
        return CLI_EXIT_FAILED;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    cli_errf("unknown command '%s'", argv[1]);
    print_help(stderr);
    return CLI_EXIT_USAGE;
}

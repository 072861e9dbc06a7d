/*
 * cli_hd.h — hierarchical derivation commands of mpc-cli and the HD lines of
 * printed results (docs/specs/hd-derivation.md).
 *
 * THREAD SAFETY: command entry points, one thread.
 */
#ifndef MPC_NODE_CLI_CLI_HD_H
#define MPC_NODE_CLI_CLI_HD_H

#include "node/cli/cli.h"
#include "proto/result.pb-c.h"
#include "tss/hd.h"

/* Options of `mpc-cli xpub`. Strings borrowed from argv or the environment. */
struct cli_xpub_opts {
    struct cli_nats_opts nats; /* connection */
    const char *wallet;        /* --wallet */
    const char *request_id;    /* --request-id (NULL: ask the nodes, cli_xpub.c) */
    const char *client_id;     /* --client-id */
    const char *peers_file;    /* --peers (default $MPC_PEERS) */
    const char *path;          /* --path */
    const char *nodes;         /* --nodes a,b,c (default: every node of the peers file) */
    const char *key_file;      /* --key (default $MPC_INITIATOR_KEY): signs the query */
    struct cli_pass_opts pass; /* its passphrase options */
    int key_type;              /* --key-type (Mpc__KeyType) */
    uint64_t timeout_ms;       /* --timeout, per node */
};

/* `mpc-cli derive`: child public keys offline from an xpub (or an Ed25519 key + chain code). */
int cli_cmd_derive(int argc, char **argv);

/* `mpc-cli xpub`: a wallet's extended public key from the signed results of one request. */
int cli_cmd_xpub(int argc, char **argv);

/*
 * The wallet form of `mpc-cli xpub` (no request id; cli_xpub.c): asks every
 * node for the key (mpc.n.<node>.keyinfo, node/client/keyquery.h), checks each
 * signed reply against the peers file, and gives the root only when at least
 * the key's threshold (and 2) of verified replies agree and none disagrees.
 * Out: *root on CLI_EXIT_OK. Returns: a CLI exit code (errors reported on stderr).
 */
int cli_xpub_wallet(const struct cli_xpub_opts *o, tss_hd_xkey *root);

/* Prints root derived along path_text (NULL: m). Returns: a CLI exit code. */
int cli_hd_derive_print(const tss_hd_xkey *root, const char *path_text);

/* Prints the chain code, the root xpub (secp256k1) and the path and child key of res. */
void cli_hd_print_result(const Mpc__Result *res);

#endif /* MPC_NODE_CLI_CLI_HD_H */

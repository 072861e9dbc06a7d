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

/* `mpc-cli derive`: child public keys offline from an xpub (or an Ed25519 key + chain code). */
int cli_cmd_derive(int argc, char **argv);

/* `mpc-cli xpub`: a wallet's extended public key from the signed results of one request. */
int cli_cmd_xpub(int argc, char **argv);

/* Prints the chain code, the root xpub (secp256k1) and the path and child key of res. */
void cli_hd_print_result(const Mpc__Result *res);

#endif /* MPC_NODE_CLI_CLI_HD_H */

/*
 * cli.h — shared pieces of mpc-cli (node/cli/mpc_cli_main.c dispatches to the
 * node/cli_*.c subcommands): exit codes, output mode, option helpers,
 * passphrase and key-file handling.
 *
 * Exit codes (stable, scripts depend on them):
 *   0  success
 *   1  the request or operation failed (an error result, a wrong passphrase,
 *      an unreadable file, a signature that does not verify)
 *   2  usage error (unknown command or option, missing or malformed argument)
 *   3  timeout (not every expected result arrived in time)
 *   4  NATS unavailable (cannot connect, authentication or permission refused)
 *
 * DESIGN: every subcommand is `int cli_cmd_<name>(int argc, char **argv)`,
 * argv[0] being the subcommand name, and returns one of the codes above. It
 * prints its result on stdout (human-readable, or one JSON document with
 * --json) and diagnostics on stderr. Subcommands are single-threaded except
 * where a file says otherwise.
 *
 * THREAD SAFETY: none needed; mpc-cli runs the subcommand on the main thread.
 */
#ifndef MPC_NODE_CLI_CLI_H
#define MPC_NODE_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "common/status.h"
#include "node/store/identity.h"
#include "node/store/passphrase.h"
#include "node/store/seal.h"

/* Process exit codes (see the file comment). */
enum cli_exit {
    CLI_EXIT_OK = 0,          /* success */
    CLI_EXIT_FAILED = 1,      /* request or operation failed */
    CLI_EXIT_USAGE = 2,       /* usage error */
    CLI_EXIT_TIMEOUT = 3,     /* results missing at the deadline */
    CLI_EXIT_UNAVAILABLE = 4, /* NATS unreachable or refused */
};

#define CLI_KEY_BYTES 32u /* Ed25519 public key */
#define CLI_SIG_BYTES 64u /* Ed25519 signature */

/* Where a passphrase comes from (options --passphrase-file / --passphrase-env). */
struct cli_pass_opts {
    const char *file; /* --passphrase-file PATH, or NULL */
    const char *env;  /* --passphrase-env VAR, or NULL (then MPC_PASSPHRASE if set, else prompt) */
};

/* The options of a signing key file: --key, --passphrase-file, --passphrase-env. */
#define CLI_OPT_KEY             1004 /* --key */
#define CLI_OPT_PASSPHRASE_FILE 1005 /* --passphrase-file */
#define CLI_OPT_PASSPHRASE_ENV  1006 /* --passphrase-env */
#define CLI_KEY_LONGOPTS                                                                           \
    {"key", required_argument, NULL, CLI_OPT_KEY},                                                 \
        {"passphrase-file", required_argument, NULL, CLI_OPT_PASSPHRASE_FILE},                     \
    {                                                                                              \
        "passphrase-env", required_argument, NULL, CLI_OPT_PASSPHRASE_ENV                          \
    }

/*
 * Handles one key-file option of getopt_long (values CLI_OPT_KEY...).
 * Returns: 1 if c was one (stored in *file or *pass), else 0.
 */
int cli_key_opt(const char **file, struct cli_pass_opts *pass, int c, const char *arg);

/* Returns: the Mpc__KeyType named by s ("ed25519", "secp256k1", "secp256k1-tr"), 0 otherwise. */
int cli_parse_key_type(const char *s);

/* NATS connection options shared by the commands that talk to the cluster. */
struct cli_nats_opts {
    const char *url;  /* --nats URL[,URL]; default $MPC_NATS_URL or nats://127.0.0.1:4222 */
    const char *user; /* --user; default $MPC_NATS_USER */
    const char *password_file; /* --password-file (first line); default $MPC_NATS_PASSWORD */
    uint64_t connect_ms;       /* connect timeout */
};

/* The long options of struct cli_nats_opts, for help texts. */
#define CLI_NATS_HELP                                                                              \
    "  --nats URL              NATS server(s), comma-separated (default $MPC_NATS_URL,\n"          \
    "                          else nats://127.0.0.1:4222)\n"                                      \
    "  --user USER             NATS user (default $MPC_NATS_USER)\n"                               \
    "  --password-file F       NATS password: first line of F (default $MPC_NATS_PASSWORD)\n"

/*
 * Prints "mpc-cli: <formatted message>\n" on stderr.
 */
void cli_errf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints the usage text of a subcommand on stderr after a usage error and
 * returns CLI_EXIT_USAGE; with msg non-NULL, prints "mpc-cli: msg" first.
 */
int cli_usage_error(const char *usage, const char *msg);

/*
 * Parses a decimal unsigned integer in [min, max].
 * Out: *out — 0 on failure.
 * Returns: 0 on success, -1 on a malformed or out-of-range value.
 */
int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* --expect N: 1 to 100000 outcomes. Out: *out. Returns: 0, or -1 (malformed). */
int cli_parse_expect(const char *s, uint32_t *out);

/* A duration in whole seconds, 1 to 86400 (--timeout, --expires-in).
 * Out: *out_ms — in milliseconds. Returns: 0, or -1 (malformed). */
int cli_parse_seconds(const char *s, uint64_t *out_ms);

/*
 * Decodes a hex option value (--message-hex) into a new buffer.
 * Out: *out — malloc'ed (free()), replacing (and freeing) the old one; *len.
 * Returns: 0, or -1 (not hex, or NOMEM; *out is then NULL).
 */
int cli_parse_hex_alloc(const char *s, uint8_t **out, size_t *len);

/*
 * Parses an Argon2id cost name: "moderate" (production), "interactive" or
 * "min" (tests only: fast and weak).
 * Out: *out. Returns: 0 on success, -1 for an unknown name.
 */
int cli_parse_kdf(const char *s, struct node_store_kdf_params *out);

/*
 * Obtains a passphrase: --passphrase-file, else --passphrase-env, else the
 * MPC_PASSPHRASE environment variable if set, else a prompt on the terminal
 * (twice when confirm is 1, and both entries must match).
 * Out: *out — cleared on entry; caller owns it (node_store_passphrase_destroy).
 * Returns: MPC_OK; the loader's error, already reported on stderr.
 */
MPC_MUST_CHECK mpc_status cli_passphrase_get(const struct cli_pass_opts *o, int confirm,
                                             node_store_passphrase **out);

/*
 * Loads a signing key file: either an encrypted identity file (node/store/identity.h
 * format, needs the passphrase) or a plain initiator file ("mpc-initiator-seed
 * <64 hex>" line, mode 0600) written by `initiator new --plain`. Initiator and
 * authorizer keys are both such files.
 * Out: *out — cleared on entry; caller owns it (node_store_identity_destroy).
 * Returns: MPC_OK; MPC_ERR_IO, MPC_ERR_FILE_MODE, MPC_ERR_BAD_PASSPHRASE,
 *          MPC_ERR_CORRUPT, MPC_ERR_NOMEM — already reported on stderr.
 */
MPC_MUST_CHECK mpc_status cli_key_load(const char *path, const struct cli_pass_opts *o,
                                       node_store_identity **out);

/*
 * Reads the public key of a key file (identity or plain initiator) without
 * the passphrase.
 * Out: pk (32 bytes), zeroed on failure.
 * Returns: MPC_OK; MPC_ERR_IO; MPC_ERR_CORRUPT; MPC_ERR_FILE_MODE.
 */
MPC_MUST_CHECK mpc_status cli_key_file_public(const char *path, uint8_t *pk);

/*
 * Parses a --public-key value: 64 hex digits (Ed25519) or 66 (secp256k1
 * compressed).
 * Out: pk (33 bytes), *len — 32 or 33; 0 on failure.
 * Returns: 0 on success, -1 for another length or non-hex.
 */
int cli_parse_public_key(const char *hex, uint8_t *pk, int *len);

#define CLI_APPROVAL_FILE_MAX 1024u /* bound of an approval file */

/*
 * Reads a whole file of at most max bytes.
 * Out: *out — malloc'ed (free()), *len; cleared on entry.
 * Returns: MPC_OK; MPC_ERR_IO (unreadable or larger than max; reported); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status cli_file_read(const char *path, size_t max, uint8_t **out, size_t *len);

/*
 * Writes data to path (created or truncated, mode 0644: requests and
 * approvals are signed, not secret).
 * Returns: MPC_OK; MPC_ERR_IO (reported).
 */
MPC_MUST_CHECK mpc_status cli_file_write(const char *path, const uint8_t *data, size_t len);

/* Writes hex(in) into out (2 * len + 1 bytes). */
void cli_hex(char *out, const uint8_t *in, size_t len);

/*
 * Prints j (borrowed) as one JSON document on stdout, indented, then a newline.
 */
void cli_json_print(const json_t *j);

/*
 * Handles one NATS option of getopt_long (c is the option's value below).
 * Returns: 1 if c was a NATS option (stored in *o), else 0.
 */
#define CLI_OPT_NATS          1001 /* --nats */
#define CLI_OPT_USER          1002 /* --user */
#define CLI_OPT_PASSWORD_FILE 1003 /* --password-file */
int cli_nats_opt(struct cli_nats_opts *o, int c, const char *arg);

/*
 * Fills the transport_nats_config for o (defaults from the environment) and
 * connects a JetStream client (transport/jetstream.h).
 * Out: *out — caller owns it; free with cli_nats_close.
 * Returns: MPC_OK or the connect status, already reported on stderr.
 */
struct transport_js;
MPC_MUST_CHECK mpc_status cli_nats_connect(const struct cli_nats_opts *o, const char *name,
                                           struct transport_js **out);

/*
 * One core NATS request/reply (e.g. mpc.n.<node>.status) on a fresh
 * connection. Out: reply[0..*reply_len).
 * Returns: MPC_OK; MPC_ERR_NO_RESPONDERS; MPC_ERR_TIMEOUT; connect errors.
 */
MPC_MUST_CHECK mpc_status cli_nats_request(const struct cli_nats_opts *o, const char *subject,
                                           const uint8_t *data, size_t len, uint64_t timeout_ms,
                                           uint8_t *reply, size_t reply_cap, size_t *reply_len);

/*
 * Opens a plain NATS transport for several requests (transport_request); close it
 * with transport_destroy. Unlike cli_nats_request, nats.c's global resources stay
 * up (cli_nats_close or the process end releases them).
 * Returns: MPC_OK; connect errors (reported on stderr).
 */
struct transport;
MPC_MUST_CHECK mpc_status cli_nats_transport_open(const struct cli_nats_opts *o, const char *name,
                                                  struct transport **out);

/* Destroys js (accepts NULL) and releases nats.c's global resources. */
void cli_nats_close(struct transport_js *js);

/* Returns: the exit code for a NATS failure status (CLI_EXIT_UNAVAILABLE, _TIMEOUT, _FAILED). */
int cli_exit_for_nats(mpc_status st);

/* Subcommands (each in its own node/cli_*.c). */
int cli_cmd_identity(int argc, char **argv);     /* identity new | show */
int cli_cmd_initiator(int argc, char **argv);    /* initiator new | show */
int cli_cmd_peers(int argc, char **argv);        /* peers: build/print the peers file */
int cli_cmd_config_check(int argc, char **argv); /* config-check: validate a node config */
int cli_cmd_keygen(int argc, char **argv);       /* keygen request */
int cli_cmd_sign(int argc, char **argv);         /* sign request */
int cli_cmd_reshare(int argc, char **argv);      /* reshare request */
int cli_cmd_results(int argc, char **argv);      /* stored results of a request */
int cli_cmd_evidence(int argc, char **argv);     /* blame evidence of a failed request */
int cli_cmd_status(int argc, char **argv);       /* a node's live snapshot */
int cli_cmd_store_check(int argc, char **argv);  /* key store consistency check */
int cli_cmd_store(int argc, char **argv);        /* store backup | restore | rekey */
#ifdef MPC_FAULT_INJECTION
int cli_cmd_x_alter_key(int argc, char **argv); /* test builds: make a key diverge */
#endif
int cli_cmd_bench(int argc, char **argv);    /* load generator and measurement */
int cli_cmd_subjects(int argc, char **argv); /* subject scheme and NATS permissions */
int cli_cmd_approve(int argc, char **argv);  /* an authorizer's approval of a saved request */

#endif /* MPC_NODE_CLI_CLI_H */

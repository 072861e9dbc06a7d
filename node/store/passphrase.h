/*
 * passphrase.h — obtaining the node passphrase: from a file, from a
 * systemd credential ($CREDENTIALS_DIRECTORY/<name>), from an environment
 * variable (MPC_PASSPHRASE by default; the daemon scrubs it from the process
 * after reading) or by prompting on a terminal with echo off.
 *
 * The passphrase protects the identity key file and the key store. It lives in
 * secure memory (node_store_passphrase) and is wiped on destroy; it is never logged.
 * A passphrase file must not be accessible by group or others
 * (MPC_ERR_FILE_MODE), like the identity file.
 *
 * THREAD SAFETY: the loaders are thread-safe except node_store_passphrase_from_env
 * (getenv) and the prompt (terminal state); call them at startup. A
 * node_store_passphrase is immutable once loaded and may be read from any thread.
 */
#ifndef MPC_NODE_STORE_PASSPHRASE_H
#define MPC_NODE_STORE_PASSPHRASE_H

#include <stddef.h>

#include "common/status.h"

#define NODE_STORE_PASSPHRASE_MAX     1024u            /* bytes, excluding the NUL */
#define NODE_STORE_PASSPHRASE_ENV_VAR "MPC_PASSPHRASE" /* default environment variable */
#define NODE_STORE_PASSPHRASE_CRED_NAME                                                            \
    "mpc-node-passphrase" /* default systemd credential name (LoadCredential=) */

/* Where the passphrase comes from (config identity.passphrase_source). */
enum node_store_passphrase_source {
    NODE_STORE_PASSPHRASE_FILE = 0,       /* first line of a file (mode 0600 or stricter) */
    NODE_STORE_PASSPHRASE_ENV = 1,        /* an environment variable */
    NODE_STORE_PASSPHRASE_PROMPT = 2,     /* prompt on the controlling terminal, echo off */
    NODE_STORE_PASSPHRASE_CREDENTIAL = 3, /* systemd credential: $CREDENTIALS_DIRECTORY/<name> */
};

/* A loaded passphrase in secure memory. Opaque. */
typedef struct node_store_passphrase node_store_passphrase;

/*
 * Reads the first line of path (the trailing "\n" or "\r\n" is not part of it).
 * Out: *out — cleared on entry; caller owns it, free with node_store_passphrase_destroy.
 *      err[0..err_cap) — a readable message on failure ("" on success); may be NULL.
 * Returns: MPC_OK; MPC_ERR_IO (cannot open/read); MPC_ERR_FILE_MODE (group or
 *          others have access); MPC_ERR_INVALID_ARG (NULL, empty or longer than
 *          NODE_STORE_PASSPHRASE_MAX); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_passphrase_from_file(const char *path,
                                                          node_store_passphrase **out, char *err,
                                                          size_t err_cap);

/*
 * Copies the value of environment variable name (NULL means MPC_PASSPHRASE).
 * The variable stays (a tool may read it again); a daemon then calls
 * node_store_passphrase_env_scrub. Same Out as node_store_passphrase_from_file.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (unset); MPC_ERR_INVALID_ARG (empty or too
 *          long); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_passphrase_from_env(const char *name,
                                                         node_store_passphrase **out, char *err,
                                                         size_t err_cap);

/*
 * Scrubs environment variable name (NULL means MPC_PASSPHRASE) from the
 * process: its value's bytes are overwritten in place, so /proc/<pid>/environ
 * (which shows the memory the process started with) no longer holds it, then
 * the variable is unset. Does nothing if it is not set. Not thread-safe
 * (environ): call at start-up.
 */
void node_store_passphrase_env_scrub(const char *name);

/*
 * Reads a systemd credential (LoadCredential=<name>:<path> in the unit): the
 * first line of $CREDENTIALS_DIRECTORY/<name>, with the checks of
 * node_store_passphrase_from_file except that group bits are allowed (systemd
 * may grant the service user access through an ACL, whose mask shows there;
 * the directory is private to the service). Others must have no access. name NULL means
 * NODE_STORE_PASSPHRASE_CRED_NAME. Same Out as node_store_passphrase_from_file. Returns: as
 * node_store_passphrase_from_file; MPC_ERR_NOT_FOUND (CREDENTIALS_DIRECTORY unset or not absolute);
 * MPC_ERR_INVALID_ARG (name empty or holding '/').
 */
MPC_MUST_CHECK mpc_status node_store_passphrase_from_credential(const char *name,
                                                                node_store_passphrase **out,
                                                                char *err, size_t err_cap);

/*
 * Writes prompt to out_fd, reads one line from in_fd with echo disabled (in_fd
 * must be a terminal; its settings are restored on every path), then writes a
 * newline to out_fd. Same Out as node_store_passphrase_from_file.
 * Returns: MPC_OK; MPC_ERR_IO (not a terminal, read error, end of input);
 *          MPC_ERR_INVALID_ARG (empty or too long); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_passphrase_prompt_fd(int in_fd, int out_fd, const char *prompt,
                                                          node_store_passphrase **out, char *err,
                                                          size_t err_cap);

/*
 * Loads from the given source: file (arg = path), env (arg = variable name or
 * NULL for MPC_PASSPHRASE), credential (arg =
 * credential name or NULL) or prompt (arg ignored; uses /dev/tty).
 * Same Out and Returns as the loader it dispatches to.
 */
MPC_MUST_CHECK mpc_status node_store_passphrase_load(enum node_store_passphrase_source source,
                                                     const char *arg, node_store_passphrase **out,
                                                     char *err, size_t err_cap);

/*
 * Takes a copy of pass[0..len) (for tools and tests that already hold it).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, empty or too long); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_store_passphrase_from_bytes(const char *pass, size_t len,
                                                           node_store_passphrase **out);

/* Returns: the passphrase bytes (NUL-terminated), borrowed until destroy. */
const char *node_store_passphrase_data(const node_store_passphrase *p);

/* Returns: the passphrase length in bytes (excluding the NUL). */
size_t node_store_passphrase_len(const node_store_passphrase *p);

/* Wipes and frees p. Accepts NULL. */
void node_store_passphrase_destroy(node_store_passphrase *p);

#endif /* MPC_NODE_STORE_PASSPHRASE_H */

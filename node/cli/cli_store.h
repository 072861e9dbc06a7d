/*
 * cli_store.h — the checks behind `mpc-cli store-check` (node/cli/cli_store.c),
 * callable on an open store so that unit tests can give them bad stores.
 *
 * One store (cli_store_check), each problem named in the report:
 *   - a record that does not open (authenticated decryption under its name);
 *   - a keyinfo that does not decode or validate;
 *   - keyinfo without share: a non-retired version listing this node with no
 *     share/<type>/<wallet>/v<N>;
 *   - share without keyinfo: a share no keyinfo version (listing this node)
 *     names ("orphan share");
 *   - share without request-log entry: no successful keygen/reshare result
 *     in req/ reports that key type, wallet and version;
 *   - retired version still present: a RETIRED version whose share is stored,
 *     for a key type that drops retired shares (tss/keytype.h keep_retired);
 *   - a version still PENDING without its request waiting for the
 *     committee's confirmations (a "pending" request-log entry reporting it
 *     and a pend/ marker in state RESOLVING: docs/DESIGN.md §8.1); with them it
 *     is counted in pending, not a problem;
 *   - a pend/ marker that does not decode or disagrees with the request log;
 *   - a share that does not decode or disagrees with its keyinfo (group key,
 *     threshold, committee, own member);
 *   - a request-log entry that does not decode.
 * Across nodes (cli_store_compare): every node holding a key agrees on its
 * public key, active version, threshold and committee, and every member of
 * the active committee holds the key.
 *
 * THREAD SAFETY: none needed (CLI); the store as store.h.
 */
#ifndef MPC_NODE_CLI_STORE_H
#define MPC_NODE_CLI_STORE_H

#include <stddef.h>

#include <jansson.h>

#include "node/store/store.h"

/* What a check found. Caller owns the json arrays (cli_store_report_clear). */
struct cli_store_report {
    size_t records;  /* records listed */
    size_t keyinfos; /* keyinfo records */
    size_t shares;   /* share records */
    size_t reqs;     /* request-log records */
    size_t pending;  /* PENDING versions waiting for confirmations (not problems) */
    size_t problems; /* inconsistencies found */
    size_t lost;     /* shares marked lost by a rollback catch-up (node/store/catchup.h) */
    json_t *list;    /* problem strings */
    json_t *keys;    /* per keyinfo: key_type, wallet, public_key (hex), active_version,
                        threshold, participants */
};

/*
 * Checks the open store s of node self.
 * Out: *r — cleared on entry; filled. print: also prints each problem.
 * Returns: r->problems (0 = consistent).
 */
size_t cli_store_check(node_store *s, const char *self, int print, struct cli_store_report *r);

/*
 * Compares the key views (cli_store_report.keys) of n nodes named nodes[i].
 * Appends a string per disagreement to problems (a json array).
 * Returns: the number of disagreements.
 */
size_t cli_store_compare(const char *const *nodes, json_t *const *keys, size_t n, json_t *problems);

/* Frees the json arrays of r and zeroes it. Accepts NULL. */
void cli_store_report_clear(struct cli_store_report *r);

struct node_config;
/*
 * Opens the store of cfg with its configured passphrase source (the node must
 * be stopped). Out: *out — close with node_store_close.
 * Returns: 0; -1 (reason printed).
 */
int cli_store_open(const struct node_config *cfg, node_store **out);

#endif /* MPC_NODE_CLI_STORE_H */

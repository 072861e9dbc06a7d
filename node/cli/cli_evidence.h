/*
 * cli_evidence.h — `mpc-cli evidence`: the signed envelopes a node attached
 * to a failed result (proto/result.proto fields 25, 26; DESIGN §7 "blame
 * that cannot be framed"), fetched from the MPC_RES stream, and their
 * offline check against the peers file. The Result holds at most 12 KiB of
 * envelopes; the whole evidence (fields 27, 28: digest and size) is fetched
 * from the node that kept it and checked against that signed digest.
 *
 * The check (cli_evidence_check), for one Result:
 *   1. every evidence envelope decodes, its signer is in the peers file and
 *      its Ed25519 signature verifies (transport_envelope_attest);
 *   2. a conflict between two of them is found when both are signed by the
 *      same node for the same (sid, round, kind, to) and either carry
 *      different payloads with one incarnation (an equivocation) or two
 *      incarnations (a restart): that proves the node misbehaved (or
 *      restarted) by its own signatures;
 *   3. a named culprit (failed_peer) must be backed: by a conflict proving
 *      that node, or at least by an envelope it signed (the message the
 *      protocol check rejected — DIRECT payloads are encrypted, so that
 *      check rests on the reporting node); a conflict must never prove
 *      another node than the one named. MPC_ERR_DISPUTED names nobody.
 *
 * THREAD SAFETY: pure functions over caller-owned data.
 */
#ifndef MPC_NODE_CLI_CLI_EVIDENCE_H
#define MPC_NODE_CLI_CLI_EVIDENCE_H

#include <stddef.h>

#include "node/cli/cli.h"
#include "node/cli/cli_results.h"

/* What cli_evidence_check found. */
struct cli_evidence_report {
    size_t n;                     /* envelopes */
    size_t n_valid;               /* ... whose signature verified under the peers file */
    char proven[NODE_ID_MAX + 1]; /* node a conflict proves, "" if none */
    const char *conflict;         /* "equivocation", "restart", or NULL */
    int culprit_backed;           /* failed_peer set and backed by its own signed envelope */
    const char *why;              /* first reason the check failed, NULL if it holds */
};

/*
 * Checks r's evidence (rule above) with the identity keys of the peers file.
 * Out: *rep. Returns: 0 if the rule holds, 1 otherwise (rep->why says why).
 */
int cli_evidence_check(const Mpc__Result *r, const struct cli_peer_key *keys, size_t n_keys,
                       struct cli_evidence_report *rep);

/*
 * Fetches the whole evidence of r (fields 27, 28) from r's node in chunks and
 * checks it against r's digest (r's signature must have been checked already).
 * Out: *packed (malloc; caller frees), *len; *why on failure.
 * Returns: 0, or -1 (not named, not held any more, size or digest mismatch).
 */
int cli_evidence_fetch_whole(const struct cli_nats_opts *o, const Mpc__Result *r, uint8_t **packed,
                             size_t *len, const char **why);

/* `mpc-cli evidence`: fetch (REQUEST_ID) or verify (--verify FILE) the evidence of a result. */
int cli_cmd_evidence(int argc, char **argv);

#endif /* MPC_NODE_CLI_CLI_EVIDENCE_H */

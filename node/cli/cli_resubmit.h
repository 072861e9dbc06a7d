/*
 * cli_resubmit.h — mpc-cli: publishing a request again when no result for it
 * arrives (docs/DESIGN.md §4, "Client resubmission").
 *
 * Why: JetStream may acknowledge a request (PubAck) and then never deliver
 * it to any node's consumer (seen once across a nats-server partition,
 * nats-server 2.9.10). No node can answer a message it never got, so the
 * client publishes the SAME signed bytes again. JetStream drops a publish
 * whose Nats-Msg-Id it saw within its duplicate window, so each copy gets a
 * new one: "<hash>.r<N>" (N = 1, 2, ...). The nodes recognize the request by
 * its id and content, never by the Msg-Id: a copy of a request in flight,
 * logged or finished is answered from its request log and never runs twice.
 *
 * Schedule: a resubmission is due when interval_ms passed since the last
 * publish (first or resubmitted) and since the last result copy that
 * arrived, at most max times per request. interval_ms 0 turns it off.
 *
 * THREAD SAFETY: single-threaded (the caller's thread).
 */
#ifndef MPC_NODE_CLI_CLI_RESUBMIT_H
#define MPC_NODE_CLI_CLI_RESUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define CLI_RESUBMIT_DEF_MS  10000u /* --resubmit-ms default */
#define CLI_RESUBMIT_DEF_MAX 5u     /* --resubmit-max default */
#define CLI_RESUBMIT_MAX_MAX 100u   /* largest --resubmit-max accepted */

/* The resubmission state of one request. */
struct cli_resubmit {
    uint64_t interval_ms; /* quiet time before a resubmission; 0 = off */
    uint32_t max;         /* most resubmissions of this request */
    uint32_t count;       /* resubmissions made so far */
    uint64_t last_ms;     /* monotonic ms of the last publish or arrival */
};

/* Starts the schedule at now_ms (the first publish). */
void cli_resubmit_init(struct cli_resubmit *s, uint64_t interval_ms, uint32_t max, uint64_t now_ms);

/* A result copy of the request arrived at now_ms: the quiet time starts again. */
void cli_resubmit_heard(struct cli_resubmit *s, uint64_t now_ms);

/* Returns: 1 if a resubmission is due at now_ms (see the schedule), else 0. */
int cli_resubmit_due(const struct cli_resubmit *s, uint64_t now_ms);

/* A resubmission was published (or tried) at now_ms: counts it, restarts the quiet time. */
void cli_resubmit_sent(struct cli_resubmit *s, uint64_t now_ms);

/*
 * Formats the Nats-Msg-Id of resubmission n (>= 1) of the request whose first
 * Msg-Id is base: "<base>.r<n>".
 * Out: out (cap bytes, NUL-terminated).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, empty base, n 0);
 *          MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status cli_resubmit_msg_id(char *out, size_t cap, const char *base, uint32_t n);

/*
 * Parses the value of --resubmit-ms (0 .. 3,600,000) or --resubmit-max
 * (0 .. CLI_RESUBMIT_MAX_MAX) into *out.
 * Returns: 0, or -1 (not a number, out of range).
 */
int cli_resubmit_parse_ms(const char *arg, uint64_t *out);
int cli_resubmit_parse_max(const char *arg, uint32_t *out);

#endif /* MPC_NODE_CLI_CLI_RESUBMIT_H */

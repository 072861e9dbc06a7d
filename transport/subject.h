/*
 * subject.h — the one home of the NATS subject scheme: syntax (validation,
 * wildcard matching), the builders and parsers of every mpc.* subject and of
 * the reply inboxes, and the permission table (what each NATS user role may
 * publish and subscribe) from which the server configuration and the
 * permission tests are derived (transport/subject_perm.c).
 *
 * Subjects are dot-separated non-empty tokens of printable ASCII without
 * spaces. In patterns, a token "*" matches exactly one token and a final
 * token ">" matches one or more tokens.
 *
 * The scheme (one template per kind; {x} is one id token):
 *   mpc.req.{op}                       client request (stream MPC_REQ)
 *   mpc.res.{client}.{request}.{node}  one node's result copy (stream MPC_RES)
 *   mpc.s.{sid}.b                      session broadcast
 *   mpc.s.{sid}.d.{node}               session direct message to node
 *   mpc.s.{sid}.r.{node}               session readiness barrier probe to node
 *   mpc.n.{node}.status                node status request (core request/reply)
 *   mpc.n.{node}.hb                    node heartbeat
 *   mpc.n.{node}.keyclaim              key claim request to node
 *   mpc.n.{node}.keystate              key-state digest query to node (node/keystate.h)
 *   mpc.n.{node}.keyconfirm            key confirmation request to node
 *   mpc.n.{node}.kosq                  node's signed KOS quarantine notices
 *   mpc.n.{node}.outcome               a peer asks node for its logged sign result
 *   mpc.n.{node}.keyinfo               a client asks node for a key's public facts
 *                                      (node/client/keyquery.h)
 *   mpc.n.{node}.presign               a signed presign order to node (node/presign_order.h)
 * An id token is 1..TRANSPORT_SUBJECT_TOKEN_MAX printable ASCII characters
 * without '.', '*', '>' or whitespace: builders refuse anything else, so an
 * id can never widen or shift a subject.
 *
 * Reply inboxes: "<prefix>.d.<job>.<attempt>" (direct-send replies) and
 * "<prefix>.r.<id>" (core requests), prefix = "_INBOX.<user>.<32 hex>".
 *
 * THREAD SAFETY: pure functions.
 */
#ifndef MPC_TRANSPORT_SUBJECT_H
#define MPC_TRANSPORT_SUBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "transport/transport.h" /* TRANSPORT_SUBJECT_MAX */

#define TRANSPORT_SUBJECT_TOKEN_MAX    64u  /* longest id token (request id, 32-byte sid hex) */
#define TRANSPORT_SUBJECT_ARGS_MAX     3u   /* most id tokens in one template */
#define TRANSPORT_SUBJECT_ANY          NULL /* pattern argument: any one token ("*") */
#define TRANSPORT_SUBJECT_ALL_REQUESTS "mpc.req.>" /* stream MPC_REQ: every request */
#define TRANSPORT_SUBJECT_ALL_RESULTS  "mpc.res.>" /* stream MPC_RES: every result copy */

/* Every mpc.* subject kind. */
typedef enum {
    TRANSPORT_SUBJ_REQUEST = 0,    /* mpc.req.{op} */
    TRANSPORT_SUBJ_RESULT,         /* mpc.res.{client}.{request}.{node} */
    TRANSPORT_SUBJ_SESSION_BCAST,  /* mpc.s.{sid}.b */
    TRANSPORT_SUBJ_SESSION_DIRECT, /* mpc.s.{sid}.d.{node} */
    TRANSPORT_SUBJ_SESSION_READY,  /* mpc.s.{sid}.r.{node} */
    TRANSPORT_SUBJ_STATUS,         /* mpc.n.{node}.status */
    TRANSPORT_SUBJ_HEARTBEAT,      /* mpc.n.{node}.hb */
    TRANSPORT_SUBJ_KEYCLAIM,       /* mpc.n.{node}.keyclaim */
    TRANSPORT_SUBJ_KEYCONFIRM,     /* mpc.n.{node}.keyconfirm */
    TRANSPORT_SUBJ_KOS_NOTICE,     /* mpc.n.{node}.kosq: signed KOS quarantine notices */
    TRANSPORT_SUBJ_KEYSTATE,       /* mpc.n.{node}.keystate: key-state digest query to node */
    TRANSPORT_SUBJ_OUTCOME,        /* mpc.n.{node}.outcome: a node's logged sign result */
    TRANSPORT_SUBJ_KEYINFO,        /* mpc.n.{node}.keyinfo: a key's public facts, to clients */
    TRANSPORT_SUBJ_PRESIGN,        /* mpc.n.{node}.presign: signed presign order to node */
    TRANSPORT_SUBJ_COUNT           /* number of kinds */
} transport_subject_kind;

/* A parsed mpc.* subject. */
typedef struct {
    transport_subject_kind kind;                                           /* which template */
    size_t n_args;                                                         /* ids in arg[] */
    char arg[TRANSPORT_SUBJECT_ARGS_MAX][TRANSPORT_SUBJECT_TOKEN_MAX + 1]; /* ids in order */
} transport_subject_parts;

/*
 * Returns: 1 if s is a valid subject (wildcards allowed only if
 *          allow_wildcards), shorter than TRANSPORT_SUBJECT_MAX; else 0.
 */
int transport_subject_valid(const char *s, int allow_wildcards);

/* Returns: 1 if the literal subject matches pattern, else 0. Both must be valid. */
int transport_subject_match(const char *pattern, const char *subject);

/* Returns: 1 if s is a valid id token (see above), else 0. */
int transport_subject_token_ok(const char *s);

/* Returns: the template of kind (e.g. "mpc.s.{sid}.d.{node}"), or NULL if out of range. */
const char *transport_subject_template(transport_subject_kind kind);

/* Returns: a short stable name of kind ("result", "session_direct", ...), or NULL. */
const char *transport_subject_kind_name(transport_subject_kind kind);

/* Returns: how many id tokens kind takes (0 if out of range). */
size_t transport_subject_arity(transport_subject_kind kind);

/*
 * Builds the literal subject of kind from its ids a, b, c in template order
 * (unused trailing ones must be NULL).
 * Out: out — NUL-terminated ("" on failure).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (bad kind, missing, extra or invalid
 *          id), MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status transport_subject_build(char *out, size_t cap,
                                                  transport_subject_kind kind, const char *a,
                                                  const char *b, const char *c);

/*
 * Like transport_subject_build, but a NULL id (TRANSPORT_SUBJECT_ANY) becomes
 * the wildcard "*": e.g. (SESSION_DIRECT, ANY, "node-1") -> "mpc.s.*.d.node-1".
 */
MPC_MUST_CHECK mpc_status transport_subject_pattern(char *out, size_t cap,
                                                    transport_subject_kind kind, const char *a,
                                                    const char *b, const char *c);

/*
 * Parses a literal mpc.* subject.
 * Out: *out — cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (not a subject of the scheme).
 */
MPC_MUST_CHECK mpc_status transport_subject_parse(const char *subject,
                                                  transport_subject_parts *out);

/*
 * Parses subject as one of kind, copying its ids into ids[0..arity) (each of
 * TRANSPORT_SUBJECT_TOKEN_MAX + 1 bytes; NULL entries are skipped).
 * Returns: 1 if subject is of that kind, else 0.
 */
int transport_subject_parse_kind(const char *subject, transport_subject_kind kind, char *id0,
                                 char *id1, char *id2);

/* ---------------------------------------------------------------- reply inboxes */

/*
 * Formats an inbox prefix "_INBOX.<user>.<hex>" (user NULL: "_INBOX.<hex>";
 * hex NULL: the user's inbox root "_INBOX.<user>").
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status transport_subject_inbox_prefix(char *out, size_t cap, const char *user,
                                                         const char *hex);

#define TRANSPORT_SUBJECT_INBOX_NUMS_MAX 3u /* numbers after the tag at most */

/*
 * Formats "<prefix>.<tag>.<n0>[.<n1>[.<n2>]]" in decimal (tag 'd':
 * direct-send reply: job, attempt, job token; tag 'r': core request reply id).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status transport_subject_inbox_reply(char *out, size_t cap, const char *prefix,
                                                        char tag, const uint64_t *nums, size_t n);

/*
 * Parses "<prefix>.<tag>.<n0>...<n(n-1)>": exactly n decimal numbers.
 * Returns: 1 on a match (Out: nums[0..n)), else 0.
 */
int transport_subject_inbox_parse(const char *subject, const char *prefix, char tag, uint64_t *nums,
                                  size_t n);

/*
 * Returns: 1 if s is a literal reply-inbox subject ("_INBOX.<token>..."),
 *          the only kind of subject a responder answers on, else 0.
 */
int transport_subject_is_inbox(const char *s);

#endif /* MPC_TRANSPORT_SUBJECT_H */

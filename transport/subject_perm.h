/*
 * subject_perm.h — the NATS permission table: what each user role (node,
 * client) may publish and subscribe, written in terms of the subject scheme
 * of transport/subject.h. The server configuration (mpc-cli subjects
 * --nats-conf -> configs/cluster/nats-users.conf) and the permission tests
 * (mpc-cli subjects --json: the allowed and refused cases) are both derived
 * from this one table, so the code, the server and the tests cannot drift.
 *
 * THREAD SAFETY: pure functions over a constant table.
 */
#ifndef MPC_TRANSPORT_SUBJECT_PERM_H
#define MPC_TRANSPORT_SUBJECT_PERM_H

#include <stddef.h>
#include <stdio.h>

#include "common/status.h"
#include "transport/subject.h"
#include "transport/transport.h"

/* NATS user roles. */
typedef enum {
    TRANSPORT_ROLE_NODE = 0, /* an mpc-node daemon; its user name is its node id */
    TRANSPORT_ROLE_CLIENT,   /* mpc-cli and other clients */
    TRANSPORT_ROLE_COUNT     /* number of roles */
} transport_role;

/* What a rule governs. */
typedef enum {
    TRANSPORT_PERM_PUBLISH = 0, /* publish */
    TRANSPORT_PERM_SUBSCRIBE    /* subscribe */
} transport_perm_dir;

/* How a template id is bound in a rule. */
typedef enum {
    TRANSPORT_BIND_ANY = 0, /* "*": any id */
    TRANSPORT_BIND_SELF     /* the user's own name (node id) */
} transport_perm_bind;

/* One row of the permission table. */
typedef struct {
    transport_role role;         /* whom it governs */
    transport_perm_dir dir;      /* publish or subscribe */
    int deny;                    /* 1 = an explicit deny (wins over allows) */
    transport_subject_kind kind; /* a scheme subject, or TRANSPORT_SUBJ_COUNT */
    transport_perm_bind bind[TRANSPORT_SUBJECT_ARGS_MAX]; /* per id of kind */
    const char *literal; /* kind == COUNT: pattern, "{self}" = the user's name */
    const char *why;     /* one line: what needs it */
} transport_perm_rule;

/* One derived test case: user may (or may not) do dir on subject. */
typedef struct {
    transport_perm_dir dir;              /* publish or subscribe */
    char subject[TRANSPORT_SUBJECT_MAX]; /* literal subject (publish) or subscription */
    int allowed;                         /* 1 = the server must accept it */
} transport_perm_case;

/* Returns: the table (borrowed, static); *n its length. */
const transport_perm_rule *transport_perm_rules(size_t *n);

/* Returns: "node" / "client", or NULL. */
const char *transport_role_name(transport_role role);

/* Returns: 1 if the user role may answer requests through allow_responses, else 0. */
int transport_role_allow_responses(transport_role role);

/*
 * Renders rule r for the user named self.
 * Out: out — the pattern ("" on failure).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status transport_perm_render(const transport_perm_rule *r, const char *self,
                                                char *out, size_t cap);

/*
 * Evaluates the table as the server does: 1 if user self of role may do dir
 * on the literal subject (some allow matches and no deny does), else 0.
 */
int transport_perm_allows(transport_role role, const char *self, transport_perm_dir dir,
                          const char *subject);

/*
 * Derives the test cases for user self of role: for every scheme kind, in
 * both directions, one literal subject per binding of its node ids (self and
 * other_node), and one instance of every literal rule; each with the verdict
 * of transport_perm_allows.
 * Out: cases[0..*n) — at most cap.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_BUFFER_TOO_SMALL (cap).
 */
MPC_MUST_CHECK mpc_status transport_perm_cases(transport_role role, const char *self,
                                               const char *other_node, transport_perm_case *cases,
                                               size_t cap, size_t *n);

/*
 * Writes the nats-server `users` entries (the value of authorization.users)
 * for node users nodes[0..n) and the client user: each user's publish and
 * subscribe allow/deny lists rendered from the table, and allow_responses
 * for nodes. passwords: n + 1 literal passwords (nodes, then the client), or
 * NULL to write "$MPC_NATS_PASS_<USER>" (user upper-cased, letters and
 * digits only: node-1 -> MPC_NATS_PASS_NODE1) for the server to read from
 * its environment.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (bad user name or password), MPC_ERR_IO.
 */
MPC_MUST_CHECK mpc_status transport_perm_conf_write(FILE *f, const char *const *nodes, size_t n,
                                                    const char *client,
                                                    const char *const *passwords);

#endif /* MPC_TRANSPORT_SUBJECT_PERM_H */

/*
 * subject_perm.c — the NATS permission table (transport/subject_perm.h) and
 * what is derived from it: rendered patterns, the server's verdict as a
 * function, and the allowed/refused cases the permission tests try.
 */
#include "transport/subject_perm.h"

#include <stdio.h>
#include <string.h>

#include "transport/jetstream.h"

#define ANY  TRANSPORT_BIND_ANY
#define SELF TRANSPORT_BIND_SELF
#define PUB  TRANSPORT_PERM_PUBLISH
#define SUB  TRANSPORT_PERM_SUBSCRIBE
#define NODE TRANSPORT_ROLE_NODE
#define CLI  TRANSPORT_ROLE_CLIENT
#define LIT  TRANSPORT_SUBJ_COUNT

/* clang-format off */
static const transport_perm_rule perm_rules[] = {
    /* ---- node: sessions, results, its own status/heartbeat, key claims */
    {NODE, PUB, 0, TRANSPORT_SUBJ_SESSION_BCAST,  {ANY},       NULL, "session broadcasts"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_SESSION_DIRECT, {ANY, ANY},  NULL, "session direct messages"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_SESSION_READY,  {ANY, ANY},  NULL, "readiness barrier probes"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_RESULT, {ANY, ANY, SELF}, NULL, "its own result copies only"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_HEARTBEAT,      {SELF},      NULL, "its own heartbeat"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_KEYCLAIM,       {ANY},       NULL, "asks peers for key claims"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_KEYCONFIRM,     {ANY},       NULL, "asks peers for key confirmations"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_KOS_NOTICE,     {SELF},      NULL, "its own KOS quarantine notices"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_KEYSTATE,       {ANY},       NULL, "asks peers for key-state digests"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_OUTCOME,        {ANY},       NULL, "asks peers for a logged sign result"},
    {NODE, PUB, 0, TRANSPORT_SUBJ_PRESIGN,        {ANY},       NULL, "sends presign orders to the members of its sets"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_SESSION_BCAST,  {ANY},       NULL, "hears session broadcasts"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_SESSION_DIRECT, {ANY, SELF}, NULL, "its own direct messages"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_SESSION_READY,  {ANY, SELF}, NULL, "its own barrier probes"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_STATUS,         {SELF},      NULL, "answers its own status"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_KEYCLAIM,       {SELF},      NULL, "answers its own key claims"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_KEYCONFIRM,     {SELF},      NULL, "answers its own key confirmations"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_HEARTBEAT,      {ANY},       NULL, "readiness: peers seen"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_KOS_NOTICE,     {ANY},       NULL, "peers' KOS quarantine notices"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_KEYSTATE,       {SELF},      NULL, "answers its own key-state queries"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_OUTCOME,        {SELF},      NULL, "answers its own logged results"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_KEYINFO,        {SELF},      NULL, "answers its own key-info queries"},
    {NODE, SUB, 0, TRANSPORT_SUBJ_PRESIGN,        {SELF},      NULL, "its own presign orders"},
    {NODE, PUB, 0, LIT, {ANY}, "_INBOX.{self}.>", "subscription probes through its own inbox"},
    {NODE, SUB, 0, LIT, {ANY}, "_INBOX.{self}.>", "its own reply inbox only"},
    /* ---- node: JetStream API, only what nats.c 3.4.1 sends for the node's setup */
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.INFO", "account info (JetStream context)"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.NAMES", "stream lookup by subject"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.CREATE." TRANSPORT_JS_REQ_STREAM, "stream setup"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.INFO." TRANSPORT_JS_REQ_STREAM, "stream check"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.CREATE." TRANSPORT_JS_RES_STREAM, "stream setup"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.INFO." TRANSPORT_JS_RES_STREAM, "stream check"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.CREATE." TRANSPORT_JS_REQ_STREAM ".node_{self}",
     "its own durable (2.9 form)"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.CREATE." TRANSPORT_JS_REQ_STREAM ".node_{self}.>",
     "its own durable, filtered"},
    {NODE, PUB, 0, LIT, {ANY},
     "$JS.API.CONSUMER.DURABLE.CREATE." TRANSPORT_JS_REQ_STREAM ".node_{self}",
     "its own durable (pre-2.9 form)"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.INFO." TRANSPORT_JS_REQ_STREAM ".node_{self}",
     "binds its own durable"},
    {NODE, PUB, 0, LIT, {ANY},
     "$JS.API.CONSUMER.MSG.NEXT." TRANSPORT_JS_REQ_STREAM ".node_{self}", "pull fetch"},
    {NODE, PUB, 0, LIT, {ANY}, "$JS.ACK." TRANSPORT_JS_REQ_STREAM ".node_{self}.>",
     "ack/nak/term its requests"},
    /* nodes create streams (idempotent) but never change or drop them */
    {NODE, PUB, 1, LIT, {ANY}, "$JS.API.STREAM.UPDATE.>", "no stream update"},
    {NODE, PUB, 1, LIT, {ANY}, "$JS.API.STREAM.DELETE.>", "no stream deletion"},
    {NODE, PUB, 1, LIT, {ANY}, "$JS.API.STREAM.PURGE.>", "no stream purge"},
    /* ---- client: requests, results, status; never session traffic or results */
    {CLI, PUB, 0, TRANSPORT_SUBJ_REQUEST,   {ANY}, NULL, "signed requests"},
    {CLI, PUB, 0, TRANSPORT_SUBJ_STATUS,    {ANY}, NULL, "asks a node's status"},
    {CLI, PUB, 0, TRANSPORT_SUBJ_KEYINFO,   {ANY}, NULL, "asks a node for a key's public facts"},
    {CLI, SUB, 0, TRANSPORT_SUBJ_RESULT,    {ANY, ANY, ANY}, NULL, "reads results"},
    {CLI, SUB, 0, TRANSPORT_SUBJ_HEARTBEAT, {ANY}, NULL, "watches heartbeats"},
    {CLI, PUB, 0, LIT, {ANY}, "_INBOX.{self}.>", "subscription probes through its own inbox"},
    {CLI, SUB, 0, LIT, {ANY}, "_INBOX.{self}.>", "its own reply inbox only"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.INFO", "account info (JetStream context)"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.NAMES", "stream lookup by subject"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.INFO." TRANSPORT_JS_RES_STREAM, "stream check"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.STREAM.MSG.GET." TRANSPORT_JS_RES_STREAM, "reads a result"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.CREATE." TRANSPORT_JS_RES_STREAM, "results watcher"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.CREATE." TRANSPORT_JS_RES_STREAM ".>",
     "results watcher, filtered"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.INFO." TRANSPORT_JS_RES_STREAM ".>", "consumer info"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.MSG.NEXT." TRANSPORT_JS_RES_STREAM ".>", "fetch"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.API.CONSUMER.DELETE." TRANSPORT_JS_RES_STREAM ".>",
     "drops its watcher's consumer"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.ACK." TRANSPORT_JS_RES_STREAM ".>", "acks results"},
    {CLI, PUB, 0, LIT, {ANY}, "$JS.FC." TRANSPORT_JS_RES_STREAM ".>", "flow control replies"},
    /* deny wins over allow: what a client must never do, spelled out */
    {CLI, PUB, 1, TRANSPORT_SUBJ_SESSION_BCAST, {ANY}, NULL, "no session broadcasts"},
    {CLI, PUB, 1, TRANSPORT_SUBJ_SESSION_DIRECT, {ANY, ANY}, NULL, "no session messages"},
    {CLI, PUB, 1, TRANSPORT_SUBJ_SESSION_READY, {ANY, ANY}, NULL, "no barrier probes"},
    {CLI, PUB, 1, LIT, {ANY}, TRANSPORT_SUBJECT_ALL_RESULTS, "no forged results"},
    {CLI, PUB, 1, TRANSPORT_SUBJ_HEARTBEAT, {ANY}, NULL, "no forged heartbeats"},
    {CLI, PUB, 1, TRANSPORT_SUBJ_KOS_NOTICE, {ANY}, NULL, "no forged KOS notices"},
    {CLI, PUB, 1, LIT, {ANY}, "$JS.API.CONSUMER.*." TRANSPORT_JS_REQ_STREAM ".>",
     "no access to the nodes' durables"},
    {CLI, PUB, 1, LIT, {ANY}, "$JS.API.STREAM.UPDATE.>", "no stream update"},
    {CLI, PUB, 1, LIT, {ANY}, "$JS.API.STREAM.DELETE.>", "no stream deletion"},
    {CLI, PUB, 1, LIT, {ANY}, "$JS.API.STREAM.PURGE.>", "no stream purge"},
};
/* clang-format on */

const transport_perm_rule *
transport_perm_rules(size_t *n)
{
    if (n != NULL) {
        *n = sizeof perm_rules / sizeof perm_rules[0];
    }
    return perm_rules;
}

const char *
transport_role_name(transport_role role)
{
    switch (role) {
    case TRANSPORT_ROLE_NODE:
        return "node";
    case TRANSPORT_ROLE_CLIENT:
        return "client";
    default:
        return NULL;
    }
}

int
transport_role_allow_responses(transport_role role)
{
    /* Nodes answer status, key claims and direct sends: only to the reply
     * subject of a request they received (they may not publish to any
     * other inbox), so only the addressed receiver can answer. */
    return role == TRANSPORT_ROLE_NODE;
}

/* Replaces every "{self}" of lit by self. */
static mpc_status
perm_render_literal(const char *lit, const char *self, char *out, size_t cap)
{
    static const char tag[] = "{self}";
    size_t pos = 0;
    while (*lit != '\0') {
        const char *add = lit;
        size_t len = 1;
        if (strncmp(lit, tag, sizeof tag - 1) == 0) {
            add = self;
            len = strlen(self);
            lit += sizeof tag - 2;
        }
        if (pos + len >= cap) {
            out[0] = '\0';
            return MPC_ERR_BUFFER_TOO_SMALL;
        }
        memcpy(out + pos, add, len);
        pos += len;
        lit++;
    }
    out[pos] = '\0';
    return MPC_OK;
}

mpc_status
transport_perm_render(const transport_perm_rule *r, const char *self, char *out, size_t cap)
{
    if (out == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    if (r == NULL || !transport_subject_token_ok(self)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (r->kind == TRANSPORT_SUBJ_COUNT) {
        return r->literal != NULL ? perm_render_literal(r->literal, self, out, cap)
                                  : MPC_ERR_INVALID_ARG;
    }
    const char *ids[TRANSPORT_SUBJECT_ARGS_MAX] = {NULL, NULL, NULL};
    for (size_t i = 0; i < transport_subject_arity(r->kind); i++) {
        ids[i] = r->bind[i] == TRANSPORT_BIND_SELF ? self : TRANSPORT_SUBJECT_ANY;
    }
    return transport_subject_pattern(out, cap, r->kind, ids[0], ids[1], ids[2]);
}

int
transport_perm_allows(transport_role role, const char *self, transport_perm_dir dir,
                      const char *subject)
{
    size_t n = 0;
    const transport_perm_rule *rules = transport_perm_rules(&n);
    int allow = 0;
    for (size_t i = 0; i < n; i++) {
        char pat[TRANSPORT_SUBJECT_MAX];
        if (rules[i].role != role || rules[i].dir != dir ||
            transport_perm_render(&rules[i], self, pat, sizeof pat) != MPC_OK ||
            !transport_subject_match(pat, subject)) {
            continue;
        }
        if (rules[i].deny) {
            return 0;
        }
        allow = 1;
    }
    return allow;
}

/* ---------------------------------------------------------------- derived cases */

/* Sample id for the template placeholder at tmpl (pointing at '{'). */
static const char *
perm_sample_id(const char *tmpl, const char *node)
{
    if (strncmp(tmpl, "{node}", 6) == 0) {
        return node;
    }
    if (strncmp(tmpl, "{sid}", 5) == 0) {
        return "0123456789abcdef0123456789abcdef";
    }
    if (strncmp(tmpl, "{op}", 4) == 0) {
        return "sign";
    }
    if (strncmp(tmpl, "{client}", 8) == 0) {
        return "cli1";
    }
    return "r1";
}

/* Adds (dir, subject) unless present. */
static mpc_status
perm_add(transport_role role, const char *self, transport_perm_dir dir, const char *subject,
         transport_perm_case *cases, size_t cap, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        if (cases[i].dir == dir && strcmp(cases[i].subject, subject) == 0) {
            return MPC_OK;
        }
    }
    if (*n >= cap) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    transport_perm_case *c = &cases[(*n)++];
    c->dir = dir;
    snprintf(c->subject, sizeof c->subject, "%s", subject);
    c->allowed = transport_perm_allows(role, self, dir, subject);
    return MPC_OK;
}

/* The literal instances of kind: every {node} bound to node; plus, for a
 * subscription, the pattern with every id a wildcard. */
static mpc_status
perm_kind_cases(transport_role role, const char *self, transport_subject_kind k,
                transport_perm_dir dir, const char *node, transport_perm_case *cases, size_t cap,
                size_t *n)
{
    const char *ids[TRANSPORT_SUBJECT_ARGS_MAX] = {NULL, NULL, NULL};
    const char *t = transport_subject_template(k);
    size_t a = 0;
    for (; *t != '\0'; t++) {
        if (*t == '{') {
            ids[a++] = perm_sample_id(t, node);
        }
    }
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_build(subj, sizeof subj, k, ids[0], ids[1], ids[2]);
    if (st == MPC_OK) {
        st = perm_add(role, self, dir, subj, cases, cap, n);
    }
    if (st == MPC_OK && dir == TRANSPORT_PERM_SUBSCRIBE) {
        st = transport_subject_pattern(subj, sizeof subj, k, NULL, NULL, NULL);
        if (st == MPC_OK) {
            st = perm_add(role, self, dir, subj, cases, cap, n);
        }
    }
    return st;
}

/* A literal instance of a rendered pattern: every wildcard token becomes "x". */
static void
perm_instance(char *s)
{
    for (char *p = s; *p != '\0'; p++) {
        if ((*p == '*' || *p == '>') && (p == s || p[-1] == '.') && (p[1] == '.' || p[1] == '\0')) {
            *p = 'x';
        }
    }
}

mpc_status
transport_perm_cases(transport_role role, const char *self, const char *other_node,
                     transport_perm_case *cases, size_t cap, size_t *n)
{
    if (n == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *n = 0;
    if (cases == NULL || (unsigned)role >= TRANSPORT_ROLE_COUNT ||
        !transport_subject_token_ok(self) || !transport_subject_token_ok(other_node)) {
        return MPC_ERR_INVALID_ARG;
    }
    const char *nodes[2] = {self, other_node};
    size_t n_nodes = role == TRANSPORT_ROLE_NODE ? 2 : 1;
    mpc_status st = MPC_OK;
    for (int d = 0; d < 2 && st == MPC_OK; d++) {
        for (int k = 0; k < TRANSPORT_SUBJ_COUNT && st == MPC_OK; k++) {
            for (size_t i = 0; i < n_nodes && st == MPC_OK; i++) {
                st = perm_kind_cases(role, self, (transport_subject_kind)k, (transport_perm_dir)d,
                                     nodes[n_nodes == 2 ? i : 1], cases, cap, n);
            }
        }
    }
    size_t nr = 0;
    const transport_perm_rule *rules = transport_perm_rules(&nr);
    for (size_t i = 0; i < nr && st == MPC_OK; i++) {
        char subj[TRANSPORT_SUBJECT_MAX];
        if (rules[i].kind != TRANSPORT_SUBJ_COUNT) {
            continue;
        }
        for (size_t j = 0; j < 2 && st == MPC_OK; j++) {
            st = transport_perm_render(&rules[i], nodes[j], subj, sizeof subj);
            if (st == MPC_OK) {
                perm_instance(subj);
                st = perm_add(role, self, rules[i].dir, subj, cases, cap, n);
            }
        }
    }
    return st;
}

/* ---------------------------------------------------------------- server config */

/* Writes the quoted patterns of role's rules (dir, deny) for user self. */
static int
perm_conf_list(FILE *f, transport_role role, const char *self, transport_perm_dir dir, int deny)
{
    size_t n = 0;
    const transport_perm_rule *r = transport_perm_rules(&n);
    for (size_t i = 0; i < n; i++) {
        char pat[TRANSPORT_SUBJECT_MAX];
        if (r[i].role != role || r[i].dir != dir || r[i].deny != deny) {
            continue;
        }
        if (transport_perm_render(&r[i], self, pat, sizeof pat) != MPC_OK ||
            fprintf(f, "          \"%s\"\n", pat) < 0) {
            return -1;
        }
    }
    return 0;
}

static int
perm_conf_dir(FILE *f, transport_role role, const char *self, transport_perm_dir dir)
{
    size_t n = 0, deny = 0;
    const transport_perm_rule *r = transport_perm_rules(&n);
    for (size_t i = 0; i < n; i++) {
        deny += r[i].role == role && r[i].dir == dir && r[i].deny;
    }
    if (fprintf(f, "      %s: {\n        allow: [\n",
                dir == TRANSPORT_PERM_PUBLISH ? "publish" : "subscribe") < 0 ||
        perm_conf_list(f, role, self, dir, 0) != 0 || fprintf(f, "        ]\n") < 0) {
        return -1;
    }
    if (deny > 0 && (fprintf(f, "        # deny wins over allow\n        deny: [\n") < 0 ||
                     perm_conf_list(f, role, self, dir, 1) != 0 || fprintf(f, "        ]\n") < 0)) {
        return -1;
    }
    return fprintf(f, "      }\n") < 0 ? -1 : 0;
}

/* Returns: 1 if a password can be written as a quoted string, else 0. */
static int
perm_password_ok(const char *p)
{
    for (; p != NULL && *p != '\0'; p++) {
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) {
            return 0;
        }
    }
    return p != NULL;
}

static int
perm_conf_user(FILE *f, transport_role role, const char *user, const char *password)
{
    char env[TRANSPORT_SUBJECT_TOKEN_MAX + 1];
    size_t k = 0;
    for (const char *p = user; *p != '\0' && k < TRANSPORT_SUBJECT_TOKEN_MAX; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) {
            env[k++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
        }
    }
    env[k] = '\0';
    int w = password != NULL
                ? fprintf(f, "  {\n    user: \"%s\"\n    password: \"%s\"\n", user, password)
                : fprintf(f, "  {\n    user: %s\n    password: $MPC_NATS_PASS_%s\n", user, env);
    if (w < 0 || fprintf(f, "    permissions: {\n") < 0 ||
        perm_conf_dir(f, role, user, TRANSPORT_PERM_PUBLISH) != 0 ||
        perm_conf_dir(f, role, user, TRANSPORT_PERM_SUBSCRIBE) != 0) {
        return -1;
    }
    if (transport_role_allow_responses(role) && fprintf(f, "      allow_responses: true\n") < 0) {
        return -1;
    }
    return fprintf(f, "    }\n  }\n") < 0 ? -1 : 0;
}

mpc_status
transport_perm_conf_write(FILE *f, const char *const *nodes, size_t n, const char *client,
                          const char *const *passwords)
{
    if (f == NULL || (nodes == NULL && n > 0) || !transport_subject_token_ok(client)) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i <= n; i++) {
        if ((i < n && !transport_subject_token_ok(nodes[i])) ||
            (passwords != NULL && !perm_password_ok(passwords[i]))) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    if (fprintf(f, "# Generated from the permission table of transport/subject_perm.c\n"
                   "# (mpc-cli subjects --nats-conf): do not edit; regenerate.\n"
                   "users: [\n") < 0) {
        return MPC_ERR_IO;
    }
    for (size_t i = 0; i <= n; i++) {
        if (perm_conf_user(f, i < n ? TRANSPORT_ROLE_NODE : TRANSPORT_ROLE_CLIENT,
                           i < n ? nodes[i] : client,
                           passwords != NULL ? passwords[i] : NULL) != 0) {
            return MPC_ERR_IO;
        }
    }
    return fprintf(f, "]\n") < 0 || fflush(f) != 0 ? MPC_ERR_IO : MPC_OK;
}

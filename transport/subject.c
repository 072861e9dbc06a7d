/*
 * subject.c — NATS subject validation and wildcard matching, and the one
 * place the mpc.* subjects and reply inboxes are built and parsed.
 */
#include "transport/subject.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "transport/transport.h"

int
transport_subject_valid(const char *s, int allow_wildcards)
{
    if (s == NULL) {
        return 0;
    }
    size_t n = strlen(s);
    if (n == 0 || n >= TRANSPORT_SUBJECT_MAX) {
        return 0;
    }
    size_t tok_start = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            size_t tl = i - tok_start;
            if (tl == 0) {
                return 0;
            }
            const char *tok = s + tok_start;
            int wild = (tl == 1 && (tok[0] == '*' || tok[0] == '>'));
            if (wild && !allow_wildcards) {
                return 0;
            }
            if (tl == 1 && tok[0] == '>' && c != '\0') {
                return 0; /* ">" only as the last token */
            }
            if (!wild && (memchr(tok, '*', tl) != NULL || memchr(tok, '>', tl) != NULL)) {
                return 0;
            }
            tok_start = i + 1;
            continue;
        }
        if ((unsigned char)c <= 0x20 || (unsigned char)c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

int
transport_subject_match(const char *pattern, const char *subject)
{
    const char *p = pattern;
    const char *s = subject;
    for (;;) {
        const char *pe = strchr(p, '.');
        const char *se = strchr(s, '.');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p);
        size_t sl = se ? (size_t)(se - s) : strlen(s);
        if (pl == 1 && p[0] == '>') {
            return 1; /* at least one token remains in s here */
        }
        if (!(pl == 1 && p[0] == '*') && (pl != sl || memcmp(p, s, pl) != 0)) {
            return 0;
        }
        if (pe == NULL || se == NULL) {
            return pe == NULL && se == NULL;
        }
        p = pe + 1;
        s = se + 1;
    }
}

/* ---------------------------------------------------------------- the scheme */

/* One row per kind, in enum order: name and template ({x} = one id token). */
static const struct {
    const char *name; /* stable name (JSON, logs) */
    const char *tmpl; /* dot-separated template */
} subj_kinds[TRANSPORT_SUBJ_COUNT] = {
    [TRANSPORT_SUBJ_REQUEST] = {"request", "mpc.req.{op}"},
    [TRANSPORT_SUBJ_RESULT] = {"result", "mpc.res.{client}.{request}.{node}"},
    [TRANSPORT_SUBJ_SESSION_BCAST] = {"session_broadcast", "mpc.s.{sid}.b"},
    [TRANSPORT_SUBJ_SESSION_DIRECT] = {"session_direct", "mpc.s.{sid}.d.{node}"},
    [TRANSPORT_SUBJ_SESSION_READY] = {"session_ready", "mpc.s.{sid}.r.{node}"},
    [TRANSPORT_SUBJ_STATUS] = {"status", "mpc.n.{node}.status"},
    [TRANSPORT_SUBJ_HEARTBEAT] = {"heartbeat", "mpc.n.{node}.hb"},
    [TRANSPORT_SUBJ_KEYCLAIM] = {"keyclaim", "mpc.n.{node}.keyclaim"},
    [TRANSPORT_SUBJ_KEYCONFIRM] = {"keyconfirm", "mpc.n.{node}.keyconfirm"},
    [TRANSPORT_SUBJ_KOS_NOTICE] = {"kos_notice", "mpc.n.{node}.kosq"},
    [TRANSPORT_SUBJ_KEYSTATE] = {"keystate", "mpc.n.{node}.keystate"},
    [TRANSPORT_SUBJ_OUTCOME] = {"outcome", "mpc.n.{node}.outcome"},
    [TRANSPORT_SUBJ_KEYINFO] = {"keyinfo", "mpc.n.{node}.keyinfo"},
    [TRANSPORT_SUBJ_PRESIGN] = {"presign", "mpc.n.{node}.presign"},
};

int
transport_subject_token_ok(const char *s)
{
    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= TRANSPORT_SUBJECT_TOKEN_MAX || c == '.' || c == '*' || c == '>' || c <= 0x20 ||
            c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

const char *
transport_subject_template(transport_subject_kind kind)
{
    return (unsigned)kind < TRANSPORT_SUBJ_COUNT ? subj_kinds[kind].tmpl : NULL;
}

const char *
transport_subject_kind_name(transport_subject_kind kind)
{
    return (unsigned)kind < TRANSPORT_SUBJ_COUNT ? subj_kinds[kind].name : NULL;
}

size_t
transport_subject_arity(transport_subject_kind kind)
{
    const char *t = transport_subject_template(kind);
    size_t n = 0;
    for (; t != NULL && *t != '\0'; t++) {
        n += *t == '{';
    }
    return n;
}

/* Appends len bytes of s (and a dot before unless first) to out[*pos..cap). */
static int
subj_append(char *out, size_t cap, size_t *pos, const char *s, size_t len)
{
    size_t need = len + (*pos > 0);
    if (*pos + need >= cap) {
        return 0;
    }
    if (*pos > 0) {
        out[(*pos)++] = '.';
    }
    memcpy(out + *pos, s, len);
    *pos += len;
    out[*pos] = '\0';
    return 1;
}

static mpc_status
subj_format(char *out, size_t cap, transport_subject_kind kind, const char *const args[3], int wild)
{
    if (out == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    const char *t = transport_subject_template(kind);
    if (t == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t arity = transport_subject_arity(kind), used = 0, pos = 0;
    for (size_t i = arity; i < TRANSPORT_SUBJECT_ARGS_MAX; i++) {
        if (args[i] != NULL) {
            return MPC_ERR_INVALID_ARG; /* an extra id: a caller mix-up */
        }
    }
    while (*t != '\0') {
        const char *e = strchr(t, '.');
        size_t tl = e != NULL ? (size_t)(e - t) : strlen(t);
        const char *tok = t;
        if (t[0] == '{') {
            tok = args[used++];
            if (tok == NULL && !wild) {
                return MPC_ERR_INVALID_ARG;
            }
            if (tok == NULL) {
                tok = "*";
            } else if (!transport_subject_token_ok(tok)) {
                out[0] = '\0';
                return MPC_ERR_INVALID_ARG;
            }
            tl = strlen(tok);
        }
        if (!subj_append(out, cap, &pos, tok, tl)) {
            out[0] = '\0';
            return MPC_ERR_BUFFER_TOO_SMALL;
        }
        t += (e != NULL ? (size_t)(e - t) + 1 : strlen(t));
    }
    return MPC_OK;
}

mpc_status
transport_subject_build(char *out, size_t cap, transport_subject_kind kind, const char *a,
                        const char *b, const char *c)
{
    const char *args[3] = {a, b, c};
    return subj_format(out, cap, kind, args, 0);
}

mpc_status
transport_subject_pattern(char *out, size_t cap, transport_subject_kind kind, const char *a,
                          const char *b, const char *c)
{
    const char *args[3] = {a, b, c};
    size_t arity = transport_subject_arity(kind);
    for (size_t i = arity; i < 3; i++) {
        if (args[i] != NULL) {
            if (out != NULL && cap > 0) {
                out[0] = '\0';
            }
            return MPC_ERR_INVALID_ARG;
        }
    }
    return subj_format(out, cap, kind, args, 1);
}

/* Matches subject against the template of kind; copies ids into p. */
static int
subj_match_kind(const char *subject, transport_subject_kind kind, transport_subject_parts *p)
{
    const char *t = subj_kinds[kind].tmpl;
    const char *s = subject;
    size_t n = 0;
    for (;;) {
        const char *te = strchr(t, '.');
        const char *se = strchr(s, '.');
        size_t tl = te != NULL ? (size_t)(te - t) : strlen(t);
        size_t sl = se != NULL ? (size_t)(se - s) : strlen(s);
        if (t[0] == '{') {
            if (sl == 0 || sl > TRANSPORT_SUBJECT_TOKEN_MAX) {
                return 0;
            }
            memcpy(p->arg[n], s, sl);
            p->arg[n][sl] = '\0';
            if (!transport_subject_token_ok(p->arg[n])) {
                return 0;
            }
            n++;
        } else if (tl != sl || memcmp(t, s, tl) != 0) {
            return 0;
        }
        if (te == NULL || se == NULL) {
            if (te != NULL || se != NULL) {
                return 0;
            }
            break;
        }
        t = te + 1;
        s = se + 1;
    }
    p->kind = kind;
    p->n_args = n;
    return 1;
}

mpc_status
transport_subject_parse(const char *subject, transport_subject_parts *out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (!transport_subject_valid(subject, 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    for (int k = 0; k < TRANSPORT_SUBJ_COUNT; k++) {
        if (subj_match_kind(subject, (transport_subject_kind)k, out)) {
            return MPC_OK;
        }
    }
    memset(out, 0, sizeof *out);
    return MPC_ERR_INVALID_ARG;
}

int
transport_subject_parse_kind(const char *subject, transport_subject_kind kind, char *id0, char *id1,
                             char *id2)
{
    transport_subject_parts p;
    char *ids[3] = {id0, id1, id2};
    if ((unsigned)kind >= TRANSPORT_SUBJ_COUNT || transport_subject_parse(subject, &p) != MPC_OK ||
        p.kind != kind) {
        return 0;
    }
    for (size_t i = 0; i < p.n_args; i++) {
        if (ids[i] != NULL) {
            memcpy(ids[i], p.arg[i], strlen(p.arg[i]) + 1);
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- reply inboxes */

mpc_status
transport_subject_inbox_prefix(char *out, size_t cap, const char *user, const char *hex)
{
    if (out == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    if ((user != NULL && !transport_subject_token_ok(user)) ||
        (hex != NULL && !transport_subject_token_ok(hex)) || (user == NULL && hex == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    int n = user != NULL && hex != NULL
                ? snprintf(out, cap, "_INBOX.%s.%s", user, hex)
                : snprintf(out, cap, "_INBOX.%s", user != NULL ? user : hex);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    return MPC_OK;
}

mpc_status
transport_subject_inbox_reply(char *out, size_t cap, const char *prefix, char tag,
                              const uint64_t *nums, size_t n)
{
    if (out == NULL || cap == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    if (!transport_subject_valid(prefix, 0) || (tag != 'd' && tag != 'r') || nums == NULL ||
        n == 0 || n > TRANSPORT_SUBJECT_INBOX_NUMS_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    int len = snprintf(out, cap, "%s.%c", prefix, tag);
    for (size_t i = 0; i < n && len >= 0 && (size_t)len < cap; i++) {
        int k = snprintf(out + len, cap - (size_t)len, ".%" PRIu64, nums[i]);
        len = k < 0 ? -1 : len + k;
    }
    if (len < 0 || (size_t)len >= cap) {
        out[0] = '\0';
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    return MPC_OK;
}

int
transport_subject_is_inbox(const char *s)
{
    return s != NULL && strncmp(s, "_INBOX.", 7) == 0 && transport_subject_valid(s, 0);
}

/* Parses decimal [s, end) into *out without overflow. Returns 1 on success. */
static int
subj_parse_u64(const char *s, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    if (s >= end || end - s > 20) {
        return 0;
    }
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return 0;
        }
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return 0;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int
transport_subject_inbox_parse(const char *subject, const char *prefix, char tag, uint64_t *nums,
                              size_t n)
{
    if (subject == NULL || prefix == NULL || nums == NULL || n == 0 ||
        n > TRANSPORT_SUBJECT_INBOX_NUMS_MAX) {
        return 0;
    }
    size_t pl = strlen(prefix);
    if (pl == 0 || strncmp(subject, prefix, pl) != 0 || subject[pl] != '.' ||
        subject[pl + 1] != tag || subject[pl + 2] != '.') {
        return 0;
    }
    const char *x = subject + pl + 3;
    for (size_t i = 0; i < n; i++) {
        const char *dot = strchr(x, '.');
        const char *end = dot != NULL ? dot : x + strlen(x);
        if ((i + 1 < n) != (dot != NULL) || !subj_parse_u64(x, end, &nums[i])) {
            return 0;
        }
        x = end + 1;
    }
    return 1;
}

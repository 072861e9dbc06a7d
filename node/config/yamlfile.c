/*
 * yamlfile.c — libyaml position pass + libcyaml schema load with clear errors.
 *
 * DESIGN: the file is read once into memory; both passes parse that buffer.
 * The cyaml log callback only appends formatted text to a bounded buffer
 * owned by this call; it is parsed after cyaml_load_data returns.
 */
#include "node/config/yamlfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "common/errbuf.h"
#include "common/secmem.h"

#define YAML_DEPTH_MAX 32u   /* nesting bound of the position pass */
#define CYLOG_MAX      4096u /* captured cyaml log text */

/* One recorded key or sequence entry. */
struct yaml_pos {
    char *path;    /* key path */
    unsigned line; /* 1-based */
    unsigned col;  /* 1-based */
};

struct node_config_yaml_doc {
    char *file;           /* path as given */
    struct yaml_pos *pos; /* recorded positions */
    size_t n_pos;         /* used entries */
    size_t cap_pos;       /* allocated entries */
};

/* A collection being walked by the position pass. */
struct frame {
    int is_map;                              /* 1 mapping, 0 sequence */
    int expect_key;                          /* mapping: next scalar is a key */
    unsigned index;                          /* sequence: next entry index */
    char path[NODE_CONFIG_YAML_PATH_MAX];    /* path of this collection */
    char pending[NODE_CONFIG_YAML_PATH_MAX]; /* mapping: path of the key awaiting its value */
};

static mpc_status
doc_add(node_config_yaml_doc *d, const char *path, const yaml_mark_t *m)
{
    if (d->n_pos == NODE_CONFIG_YAML_KEYS_MAX) {
        return MPC_ERR_CONFIG; /* the caller reports "too many keys" */
    }
    if (d->n_pos == d->cap_pos) {
        size_t ncap = d->cap_pos ? d->cap_pos * 2 : 32;
        struct yaml_pos *n = realloc(d->pos, ncap * sizeof(*n));
        if (n == NULL) {
            return MPC_ERR_NOMEM;
        }
        d->pos = n;
        d->cap_pos = ncap;
    }
    char *copy = strdup(path);
    if (copy == NULL) {
        return MPC_ERR_NOMEM;
    }
    struct yaml_pos *e = &d->pos[d->n_pos++];
    e->path = copy;
    e->line = (unsigned)m->line + 1;
    e->col = (unsigned)m->column + 1;
    return MPC_OK;
}

int
node_config_yaml_doc_find(const node_config_yaml_doc *doc, const char *key_path, unsigned *line,
                          unsigned *col)
{
    if (line != NULL) {
        *line = 0;
    }
    if (col != NULL) {
        *col = 0;
    }
    if (doc == NULL || key_path == NULL) {
        return 0;
    }
    for (size_t i = 0; i < doc->n_pos; i++) {
        if (strcmp(doc->pos[i].path, key_path) == 0) {
            if (line != NULL) {
                *line = doc->pos[i].line;
            }
            if (col != NULL) {
                *col = doc->pos[i].col;
            }
            return 1;
        }
    }
    return 0;
}

void
node_config_yaml_doc_free(node_config_yaml_doc *doc)
{
    if (doc == NULL) {
        return;
    }
    for (size_t i = 0; i < doc->n_pos; i++) {
        free(doc->pos[i].path);
    }
    free(doc->pos);
    free(doc->file);
    free(doc);
}

/* Finds the position of path or of its nearest recorded parent. */
static int
find_nearest(const node_config_yaml_doc *doc, const char *path, unsigned *line, unsigned *col)
{
    char buf[NODE_CONFIG_YAML_PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (;;) {
        if (node_config_yaml_doc_find(doc, buf, line, col)) {
            return 1;
        }
        char *cut = strrchr(buf, '.');
        char *br = strrchr(buf, '[');
        if (br != NULL && (cut == NULL || br > cut)) {
            cut = br;
        }
        if (cut == NULL) {
            return 0;
        }
        *cut = '\0';
    }
}

void
node_config_yaml_errorf(const node_config_yaml_doc *doc, char *err, size_t err_cap,
                        const char *key_path, const char *fmt, ...)
{
    if (err == NULL || err_cap == 0) {
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    unsigned line = 0, col = 0;
    const char *file = doc != NULL ? doc->file : "config";
    if (key_path != NULL && key_path[0] != '\0' && find_nearest(doc, key_path, &line, &col)) {
        snprintf(err, err_cap, "%s:%u:%u: %s: %s", file, line, col, key_path, msg);
    } else if (key_path != NULL && key_path[0] != '\0') {
        snprintf(err, err_cap, "%s: %s: %s", file, key_path, msg);
    } else {
        snprintf(err, err_cap, "%s: %s", file, msg);
    }
}

/* Joins parent path and key into out. Returns 0 if it does not fit. */
static int
path_join(char *out, const char *parent, const char *key)
{
    int n = parent[0] != '\0' ? snprintf(out, NODE_CONFIG_YAML_PATH_MAX, "%s.%s", parent, key)
                              : snprintf(out, NODE_CONFIG_YAML_PATH_MAX, "%s", key);
    return n > 0 && n < (int)NODE_CONFIG_YAML_PATH_MAX;
}

/* Returns the anchor of a node-starting event, or NULL. */
static const yaml_char_t *
event_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return ev->data.scalar.anchor;
    case YAML_MAPPING_START_EVENT:
        return ev->data.mapping_start.anchor;
    case YAML_SEQUENCE_START_EVENT:
        return ev->data.sequence_start.anchor;
    default:
        return NULL;
    }
}

/* State of the position pass. */
struct pass {
    node_config_yaml_doc *doc;          /* output positions */
    struct frame stack[YAML_DEPTH_MAX]; /* open collections */
    unsigned depth;                     /* used frames */
    unsigned documents;                 /* documents seen */
    char *err;                          /* message buffer */
    size_t err_cap;                     /* its size */
};

/* Handles a scalar / collection start. Returns MPC_OK or an error with err set. */
static mpc_status
pass_node(struct pass *ps, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    const char *file = ps->doc->file;
    if (event_anchor(ev) != NULL) {
        mpc_errbuf_set(ps->err, ps->err_cap, "%s:%zu:%zu: anchors and aliases are not allowed",
                       file, m->line + 1, m->column + 1);
        return MPC_ERR_CONFIG;
    }
    struct frame *top = ps->depth > 0 ? &ps->stack[ps->depth - 1] : NULL;
    char vpath[NODE_CONFIG_YAML_PATH_MAX] = "";
    if (top != NULL && top->is_map && top->expect_key) {
        if (ev->type != YAML_SCALAR_EVENT) {
            mpc_errbuf_set(ps->err, ps->err_cap,
                           "%s:%zu:%zu: %s: mapping keys must be plain strings", file, m->line + 1,
                           m->column + 1, top->path[0] ? top->path : "(top level)");
            return MPC_ERR_CONFIG;
        }
        if (!path_join(top->pending, top->path, (const char *)ev->data.scalar.value)) {
            mpc_errbuf_set(ps->err, ps->err_cap, "%s:%zu:%zu: key path too long", file, m->line + 1,
                           m->column + 1);
            return MPC_ERR_CONFIG;
        }
        if (node_config_yaml_doc_find(ps->doc, top->pending, NULL, NULL)) {
            mpc_errbuf_set(ps->err, ps->err_cap, "%s:%zu:%zu: %s: duplicate key", file, m->line + 1,
                           m->column + 1, top->pending);
            return MPC_ERR_CONFIG;
        }
        top->expect_key = 0;
        return doc_add(ps->doc, top->pending, m);
    }
    if (top != NULL && top->is_map) {
        snprintf(vpath, sizeof(vpath), "%s", top->pending);
        top->expect_key = 1;
    } else if (top != NULL) {
        snprintf(vpath, sizeof(vpath), "%s[%u]", top->path, top->index++);
        mpc_status st = doc_add(ps->doc, vpath, m);
        if (st != MPC_OK) {
            return st;
        }
    }
    if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT) {
        if (ps->depth == YAML_DEPTH_MAX) {
            mpc_errbuf_set(ps->err, ps->err_cap, "%s:%zu:%zu: nesting too deep", file, m->line + 1,
                           m->column + 1);
            return MPC_ERR_CONFIG;
        }
        struct frame *f = &ps->stack[ps->depth++];
        memset(f, 0, sizeof(*f));
        f->is_map = ev->type == YAML_MAPPING_START_EVENT;
        f->expect_key = f->is_map;
        snprintf(f->path, sizeof(f->path), "%s", vpath);
    }
    return MPC_OK;
}

/* Pass 1: positions and the checks cyaml does not report well. */
static mpc_status
position_pass(node_config_yaml_doc *doc, const uint8_t *buf, size_t len, char *err, size_t err_cap)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        return MPC_ERR_NOMEM;
    }
    yaml_parser_set_input_string(&parser, buf, len);
    struct pass ps = {.doc = doc, .err = err, .err_cap = err_cap};
    mpc_status st = MPC_OK;
    for (int done = 0; !done && st == MPC_OK;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            mpc_errbuf_set(err, err_cap, "%s:%zu:%zu: YAML syntax error: %s%s%s", doc->file,
                           parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                           parser.problem != NULL ? parser.problem : "unknown",
                           parser.context != NULL ? " " : "",
                           parser.context != NULL ? parser.context : "");
            st = MPC_ERR_PARSE;
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++ps.documents > 1) {
                mpc_errbuf_set(err, err_cap, "%s:%zu:%zu: only one YAML document is allowed",
                               doc->file, ev.start_mark.line + 1, ev.start_mark.column + 1);
                st = MPC_ERR_CONFIG;
            }
            break;
        case YAML_ALIAS_EVENT:
            mpc_errbuf_set(err, err_cap, "%s:%zu:%zu: anchors and aliases are not allowed",
                           doc->file, ev.start_mark.line + 1, ev.start_mark.column + 1);
            st = MPC_ERR_CONFIG;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            st = pass_node(&ps, &ev);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (ps.depth > 0) {
                ps.depth--;
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (st == MPC_ERR_CONFIG && doc->n_pos == NODE_CONFIG_YAML_KEYS_MAX && err != NULL &&
        err_cap > 0 && err[0] == '\0') {
        mpc_errbuf_set(err, err_cap, "%s: more than %u keys and entries", doc->file,
                       NODE_CONFIG_YAML_KEYS_MAX);
    }
    return st;
}

/* cyaml log capture. */
struct cylog {
    char text[CYLOG_MAX]; /* concatenated log lines */
    size_t len;           /* used bytes */
};

static void
cylog_fn(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
    struct cylog *c = ctx;
    if (level < CYAML_LOG_ERROR || c->len + 1 >= sizeof(c->text)) {
        return;
    }
    int n = vsnprintf(c->text + c->len, sizeof(c->text) - c->len, fmt, args);
    if (n > 0) {
        c->len += (size_t)n;
        if (c->len >= sizeof(c->text)) {
            c->len = sizeof(c->text) - 1;
        }
    }
}

#define CY_FRAMES_MAX 32u /* backtrace frames kept */

/* One parsed backtrace frame of a cyaml error. */
struct cyframe {
    char kind;                            /* 'f' mapping field, 's' sequence entry, 'm' mapping */
    char name[NODE_CONFIG_YAML_PATH_MAX]; /* field name or entry number */
    unsigned line;                        /* cyaml's line */
    unsigned col;                         /* cyaml's column */
};

/* Parses "  in mapping field 'x' (line: L, column: C)" style lines. */
static int
parse_frame(const char *l, struct cyframe *f)
{
    const char *q = NULL;
    memset(f, 0, sizeof(*f));
    if (strncmp(l, "in mapping field '", 18) == 0) {
        f->kind = 'f';
        q = l + 18;
    } else if (strncmp(l, "in sequence entry '", 19) == 0) {
        f->kind = 's';
        q = l + 19;
    } else if (strncmp(l, "in mapping", 10) == 0) {
        f->kind = 'm';
    } else {
        return 0;
    }
    if (q != NULL) {
        const char *e = strstr(q, "' (line");
        if (e == NULL || (size_t)(e - q) >= sizeof(f->name)) {
            return 0;
        }
        memcpy(f->name, q, (size_t)(e - q));
        f->name[e - q] = '\0';
    }
    const char *lp = strstr(l, "(line: ");
    if (lp != NULL) {
        (void)sscanf(lp, "(line: %u, column: %u)", &f->line, &f->col);
    }
    return 1;
}

/* Builds the key path from frames (innermost first). */
static void
frames_path(const struct cyframe *fr, size_t n, char *path)
{
    path[0] = '\0';
    for (size_t i = n; i > 0; i--) {
        const struct cyframe *f = &fr[i - 1];
        char tmp[NODE_CONFIG_YAML_PATH_MAX];
        if (f->kind == 'f') {
            if (path_join(tmp, path, f->name)) {
                memcpy(path, tmp, sizeof(tmp));
            }
        } else if (f->kind == 's') {
            unsigned idx = (unsigned)strtoul(f->name, NULL, 10);
            if (idx > 0) { /* cyaml counts entries from 1 */
                size_t used = strlen(path);
                snprintf(path + used, NODE_CONFIG_YAML_PATH_MAX - used, "[%u]", idx - 1);
            }
        }
    }
}

/* Returns a readable noun for a cyaml type or event name. */
static const char *
cy_noun(const char *w)
{
    static const struct {
        const char *cy;
        const char *noun;
    } map[] = {
        {"STRING", "a string"},          {"MAPPING_START", "a mapping"},
        {"MAPPING", "a mapping"},        {"SEQUENCE_START", "a sequence"},
        {"SEQUENCE", "a sequence"},      {"SCALAR", "a single value"},
        {"UINT", "an unsigned integer"}, {"INT", "an integer"},
        {"BOOL", "true or false"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strncmp(w, map[i].cy, strlen(map[i].cy)) == 0 &&
            (w[strlen(map[i].cy)] == '\0' || w[strlen(map[i].cy)] == ',' ||
             w[strlen(map[i].cy)] == ' ' || w[strlen(map[i].cy)] == '\n')) {
            return map[i].noun;
        }
    }
    return w;
}

static int
is_secret(const char *path, const char *const *secret_keys)
{
    for (size_t i = 0; secret_keys != NULL && secret_keys[i] != NULL; i++) {
        if (strcmp(secret_keys[i], path) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Rewrites cyaml's message into text for an operator; may extend path (unknown key). */
static void
cy_message(const char *raw, char *path, int secret, char *out, size_t cap)
{
    char w1[32] = "", w2[32] = "";
    if (strncmp(raw, "Unexpected key: ", 16) == 0) {
        char tmp[NODE_CONFIG_YAML_PATH_MAX];
        if (path_join(tmp, path, raw + 16)) {
            memcpy(path, tmp, sizeof(tmp));
        }
        snprintf(out, cap, "unknown key (not part of the configuration schema)");
    } else if (strncmp(raw, "Missing required mapping field: ", 32) == 0) {
        char tmp[NODE_CONFIG_YAML_PATH_MAX];
        if (path_join(tmp, path, raw + 32)) {
            memcpy(path, tmp, sizeof(tmp));
        }
        snprintf(out, cap, "missing required key");
    } else if (sscanf(raw, "Expecting %31s got event: %31s", w1, w2) == 2) {
        snprintf(out, cap, "expected %s, got %s", cy_noun(w1), cy_noun(w2));
    } else if (sscanf(raw, "Invalid %31s value", w1) == 1) {
        const char *q = strchr(raw, '\'');
        if (secret || q == NULL) {
            snprintf(out, cap, "expected %s", cy_noun(w1));
        } else {
            snprintf(out, cap, "expected %s, got %s", cy_noun(w1), q);
        }
    } else if (secret) {
        snprintf(out, cap, "invalid value (not shown: secret)");
    } else {
        snprintf(out, cap, "%s", raw);
    }
}

/* Formats a cyaml load failure from its captured log into err. */
static void
cyerr_report(const node_config_yaml_doc *d, struct cylog *log, cyaml_err_t ce,
             const char *const *secret_keys, char *err, size_t err_cap)
{
    struct cyframe fr[CY_FRAMES_MAX];
    size_t n = 0;
    char raw[256] = "";
    for (char *line = strtok(log->text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        while (*line == ' ') {
            line++;
        }
        if (strncmp(line, "Load: ", 6) == 0 && strncmp(line, "Load: Backtrace", 15) != 0 &&
            raw[0] == '\0') {
            snprintf(raw, sizeof(raw), "%s", line + 6);
        } else if (n < CY_FRAMES_MAX && parse_frame(line, &fr[n])) {
            n++;
        }
    }
    if (raw[0] == '\0') {
        snprintf(raw, sizeof(raw), "%s", cyaml_strerror(ce));
    }
    const struct cyframe *frames = fr;
    if (strncmp(raw, "Missing required mapping field", 30) == 0 && n > 0 && fr[0].kind == 'f') {
        /* cyaml reports the last field it saw inside the mapping: not part of the path. */
        frames++;
        n--;
    }
    char path[NODE_CONFIG_YAML_PATH_MAX];
    frames_path(frames, n, path);
    char msg[384];
    cy_message(raw, path, is_secret(path, secret_keys), msg, sizeof(msg));
    unsigned line = 0, col = 0;
    if (path[0] != '\0' &&
        (node_config_yaml_doc_find(d, path, &line, &col) || find_nearest(d, path, &line, &col))) {
        mpc_errbuf_set(err, err_cap, "%s:%u:%u: %s: %s", d->file, line, col, path, msg);
    } else if (n > 0 && frames[0].line > 0) {
        mpc_errbuf_set(err, err_cap, "%s:%u:%u: %s%s%s", d->file, frames[0].line, frames[0].col,
                       path, path[0] ? ": " : "", msg);
    } else {
        mpc_errbuf_set(err, err_cap, "%s: %s%s%s", d->file, path, path[0] ? ": " : "", msg);
    }
}

static mpc_status
read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t err_cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        mpc_errbuf_set(err, err_cap, "%s: cannot open: %s", path, strerror(errno));
        return MPC_ERR_IO;
    }
    uint8_t *b = malloc(NODE_CONFIG_YAML_FILE_MAX + 1);
    if (b == NULL) {
        fclose(f);
        return MPC_ERR_NOMEM;
    }
    size_t n = fread(b, 1, NODE_CONFIG_YAML_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > NODE_CONFIG_YAML_FILE_MAX) {
        mpc_errbuf_set(err, err_cap, "%s: %s", path,
                       bad ? "read error" : "file too large (limit 1 MiB)");
        free(b);
        return MPC_ERR_IO;
    }
    *buf = b;
    *len = n;
    return MPC_OK;
}

mpc_status
node_config_yaml_load(const char *path, const cyaml_schema_value_t *schema,
                      const char *const *secret_keys, void **data, node_config_yaml_doc **doc,
                      char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (data == NULL || doc == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *data = NULL;
    *doc = NULL;
    if (path == NULL || schema == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = read_file(path, &buf, &len, err, err_cap);
    if (st != MPC_OK) {
        return st;
    }
    node_config_yaml_doc *d = calloc(1, sizeof(*d));
    if (d == NULL || (d->file = strdup(path)) == NULL) {
        free(d);
        free(buf);
        return MPC_ERR_NOMEM;
    }
    st = position_pass(d, buf, len, err, err_cap);
    if (st == MPC_OK) {
        struct cylog log = {.len = 0};
        log.text[0] = '\0';
        cyaml_config_t cfg = {
            .log_fn = cylog_fn,
            .log_ctx = &log,
            .mem_fn = cyaml_mem,
            .log_level = CYAML_LOG_ERROR,
            .flags = CYAML_CFG_NO_ALIAS,
        };
        cyaml_err_t ce = cyaml_load_data(buf, len, &cfg, schema, data, NULL);
        if (ce != CYAML_OK) {
            *data = NULL;
            cyerr_report(d, &log, ce, secret_keys, err, err_cap);
            st = ce == CYAML_ERR_OOM ? MPC_ERR_NOMEM : MPC_ERR_CONFIG;
        }
    }
    mpc_wipe(buf, len); /* the file may hold a secret (nats.password) */
    free(buf);
    if (st != MPC_OK) {
        node_config_yaml_doc_free(d);
        return st;
    }
    *doc = d;
    return MPC_OK;
}

void
node_config_yaml_data_free(const cyaml_schema_value_t *schema, void *data)
{
    if (schema == NULL || data == NULL) {
        return;
    }
    cyaml_config_t cfg = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};
    (void)cyaml_free(&cfg, schema, data, 0);
}

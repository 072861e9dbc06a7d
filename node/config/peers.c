/*
 * peers.c — peers file (YAML or text) loading and validation.
 */
#include "node/config/peers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/errbuf.h"
#include "common/hex.h"
#include "common/secmem.h"
#include "node/config/yamlfile.h"

struct node_config_peers {
    struct node_config_peer *v; /* peers in file order */
    size_t n;                   /* count */
};

/* Raw YAML entry. */
struct raw_peer {
    char *id;         /* peers[i].id */
    char *public_key; /* peers[i].public_key */
};

/* Raw YAML document. */
struct raw_peers {
    struct raw_peer *peers; /* peers entries */
    unsigned peers_count;   /* their number */
};

static const cyaml_schema_field_t peer_fields[] = {
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_DEFAULT, struct raw_peer, id, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("public_key", CYAML_FLAG_DEFAULT, struct raw_peer, public_key, 0,
                           CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t peer_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_peer, peer_fields),
};

static const cyaml_schema_field_t peers_fields[] = {
    CYAML_FIELD_SEQUENCE("peers", CYAML_FLAG_POINTER, struct raw_peers, peers, &peer_entry, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t peers_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_peers, peers_fields),
};

/* Where an entry came from, for messages. */
struct origin {
    const char *file;                /* file path */
    const node_config_yaml_doc *doc; /* YAML positions, or NULL for text */
    unsigned line;                   /* text: line number */
    size_t index;                    /* YAML: entry index */
};

/* Formats "FILE:LINE: " (text) or uses node_config_yaml_errorf (YAML) for a field. */
static mpc_status
entry_fail(const struct origin *o, const char *field, char *err, size_t err_cap, const char *msg)
{
    if (o->doc != NULL) {
        char key[64];
        snprintf(key, sizeof(key), "peers[%zu].%s", o->index, field);
        node_config_yaml_errorf(o->doc, err, err_cap, key, "%s", msg);
    } else {
        mpc_errbuf_set(err, err_cap, "%s:%u: %s: %s", o->file, o->line, field, msg);
    }
    return MPC_ERR_CONFIG;
}

/* Validates one (id, hex) and appends it to p. */
static mpc_status
peers_add(node_config_peers *p, const char *id, const char *hex, const struct origin *o, char *err,
          size_t err_cap)
{
    if (p->n >= NODE_CONFIG_PEERS_MAX) {
        return entry_fail(o, "id", err, err_cap, "too many peers (limit 256)");
    }
    if (!node_client_node_id_is_valid(id)) {
        return entry_fail(o, "id", err, err_cap, "node id must match [A-Za-z0-9_-]{1,32}");
    }
    struct node_config_peer *e = &p->v[p->n];
    memset(e, 0, sizeof(*e));
    if (mpc_hex_decode_exact(e->public_key, 32, hex) != MPC_OK) {
        return entry_fail(o, "public_key", err, err_cap,
                          "expected 64 hex characters (an Ed25519 public key)");
    }
    if (!crypto_core_ed25519_is_valid_point(e->public_key)) {
        return entry_fail(o, "public_key", err, err_cap,
                          "not a valid Ed25519 public key (invalid or small-order point)");
    }
    for (size_t i = 0; i < p->n; i++) {
        char msg[96];
        if (strcmp(p->v[i].id, id) == 0) {
            snprintf(msg, sizeof(msg), "duplicate node id '%s'", id);
            return entry_fail(o, "id", err, err_cap, msg);
        }
        if (memcmp(p->v[i].public_key, e->public_key, 32) == 0) {
            snprintf(msg, sizeof(msg), "same public key as peer '%s'", p->v[i].id);
            return entry_fail(o, "public_key", err, err_cap, msg);
        }
    }
    memcpy(e->id, id, strlen(id) + 1);
    p->n++;
    return MPC_OK;
}

/* Splits a text line into exactly two whitespace-separated tokens (in place). */
static int
split2(char *line, char **a, char **b)
{
    char *save = NULL;
    *a = strtok_r(line, " \t\r", &save);
    *b = *a ? strtok_r(NULL, " \t\r", &save) : NULL;
    return *a != NULL && *b != NULL && strtok_r(NULL, " \t\r", &save) == NULL;
}

static mpc_status
parse_text(node_config_peers *p, char *text, const char *path, char *err, size_t err_cap)
{
    struct origin o = {.file = path};
    unsigned lineno = 0;
    char *cur = text;
    while (cur != NULL) {
        char *nl = strchr(cur, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        lineno++;
        char *s = cur;
        cur = nl != NULL ? nl + 1 : NULL;
        while (*s == ' ' || *s == '\t' || *s == '\r') {
            s++;
        }
        if (*s == '\0' || *s == '#') {
            continue;
        }
        char *id = NULL, *hex = NULL;
        if (!split2(s, &id, &hex)) {
            mpc_errbuf_set(err, err_cap, "%s:%u: expected \"<node_id> <public key hex>\"", path,
                           lineno);
            return MPC_ERR_PARSE;
        }
        o.line = lineno;
        mpc_status st = peers_add(p, id, hex, &o, err, err_cap);
        if (st != MPC_OK) {
            return st;
        }
    }
    return MPC_OK;
}

static mpc_status
parse_yaml(node_config_peers *p, const char *path, char *err, size_t err_cap)
{
    struct raw_peers *raw = NULL;
    node_config_yaml_doc *doc = NULL;
    mpc_status st =
        node_config_yaml_load(path, &peers_schema, NULL, (void **)&raw, &doc, err, err_cap);
    if (st != MPC_OK) {
        return st;
    }
    struct origin o = {.file = path, .doc = doc};
    for (unsigned i = 0; raw != NULL && i < raw->peers_count && st == MPC_OK; i++) {
        o.index = i;
        st = peers_add(p, raw->peers[i].id, raw->peers[i].public_key, &o, err, err_cap);
    }
    node_config_yaml_data_free(&peers_schema, raw);
    node_config_yaml_doc_free(doc);
    return st;
}

/* Reads the whole file (bounded). */
static mpc_status
read_all(const char *path, char **out, char *err, size_t err_cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        mpc_errbuf_set(err, err_cap, "%s: cannot open: %s", path, strerror(errno));
        return MPC_ERR_IO;
    }
    char *buf = malloc(NODE_CONFIG_YAML_FILE_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, NODE_CONFIG_YAML_FILE_MAX + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (bad || n > NODE_CONFIG_YAML_FILE_MAX || memchr(buf, '\0', n) != NULL) {
        mpc_errbuf_set(err, err_cap, "%s: unreadable, too large or binary", path);
        free(buf);
        return MPC_ERR_IO;
    }
    buf[n] = '\0';
    *out = buf;
    return MPC_OK;
}

/* Returns 1 if the first meaningful line starts the YAML form ("peers:"). */
static int
looks_like_yaml(const char *text)
{
    const char *s = text;
    while (*s != '\0') {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
            s++;
        }
        if (*s == '#') {
            s += strcspn(s, "\n");
            continue;
        }
        return strncmp(s, "peers:", 6) == 0 || strncmp(s, "---", 3) == 0;
    }
    return 0;
}

mpc_status
node_config_peers_load(const char *path, node_config_peers **out, char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (path == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    char *text = NULL;
    mpc_status st = read_all(path, &text, err, err_cap);
    if (st != MPC_OK) {
        return st;
    }
    node_config_peers *p = calloc(1, sizeof(*p));
    if (p == NULL || (p->v = calloc(NODE_CONFIG_PEERS_MAX, sizeof(*p->v))) == NULL) {
        free(p);
        free(text);
        return MPC_ERR_NOMEM;
    }
    st = looks_like_yaml(text) ? parse_yaml(p, path, err, err_cap)
                               : parse_text(p, text, path, err, err_cap);
    free(text);
    if (st == MPC_OK && p->n == 0) {
        mpc_errbuf_set(err, err_cap, "%s: no peers listed", path);
        st = MPC_ERR_CONFIG;
    }
    if (st != MPC_OK) {
        node_config_peers_destroy(p);
        return st;
    }
    *out = p;
    return MPC_OK;
}

size_t
node_config_peers_count(const node_config_peers *p)
{
    return p != NULL ? p->n : 0;
}

const struct node_config_peer *
node_config_peers_at(const node_config_peers *p, size_t i)
{
    return p != NULL && i < p->n ? &p->v[i] : NULL;
}

const struct node_config_peer *
node_config_peers_find(const node_config_peers *p, const char *id)
{
    for (size_t i = 0; p != NULL && id != NULL && i < p->n; i++) {
        if (strcmp(p->v[i].id, id) == 0) {
            return &p->v[i];
        }
    }
    return NULL;
}

const struct node_config_peer *
node_config_peers_find_key(const node_config_peers *p, const uint8_t *pk)
{
    for (size_t i = 0; p != NULL && pk != NULL && i < p->n; i++) {
        if (memcmp(p->v[i].public_key, pk, 32) == 0) {
            return &p->v[i];
        }
    }
    return NULL;
}

mpc_status
node_config_peers_check_self(const node_config_peers *p, const char *node_id, const uint8_t *pk,
                             char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (p == NULL || node_id == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const struct node_config_peer *self = node_config_peers_find(p, node_id);
    if (self == NULL) {
        mpc_errbuf_set(err, err_cap, "peers: this node (%s) is not listed in the peers file",
                       node_id);
        return MPC_ERR_CONFIG;
    }
    if (!mpc_ct_equal(self->public_key, pk, 32)) {
        mpc_errbuf_set(
            err, err_cap,
            "peers: the peers file lists another public key for %s than its identity key file",
            node_id);
        return MPC_ERR_CONFIG;
    }
    return MPC_OK;
}

void
node_config_peers_destroy(node_config_peers *p)
{
    if (p == NULL) {
        return;
    }
    free(p->v);
    free(p);
}

/*
 * config.c — mpc-node config: load (node/config/yamlfile.h + config_schema.c),
 * defaults, validation, free, log.
 *
 * DESIGN: validation reads the raw cyaml structures and fills struct
 * node_config; every check reports through node_config_yaml_errorf so the message
 * carries the file, line and key path. The one secret (nats.password) is
 * copied into secure memory and the cyaml copy wiped before it is freed.
 */
#include "node/config/config.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "common/hex.h"
#include "common/secmem.h"
#include "node/config/config_schema.h"
#include "node/config/yamlfile.h"

/* Defaults (documented in configs/node.example.yaml). */
#define DEF_POOL         4u
#define DEF_MAP_MB       1024u
#define DEF_MAX_SESSIONS 64u
#define DEF_WORKERS      4u
#define DEF_MAILBOX      256u
#define DEF_MAX_BATCH    64u /* sign.max_batch: messages per batch sign request */
#define DEF_BARRIER_MS   10000u
#define DEF_KEYGEN_MS    120000u
#define DEF_SIGN_MS      30000u
#define DEF_RESHARE_MS   180000u
#define DEF_IDLE_MS      60000u
#define DEF_DRAIN_MS     30000u
#define DEF_ACK_WAIT_MS  30000u
#define DEF_ATTEMPTS     10u
#define DEF_BASE_MS      100u
#define DEF_CAP_MS       1000u
#define DEF_JITTER_PCT   20u
#define DEF_PER_TRY_MS   3000u
#define DEF_LISTEN       "127.0.0.1:9100"
#define DEF_MAX_AGE_MS   300000u  /* 5 min */
#define DEF_MAX_EXPIRY   3600000u /* 1 h */
#define DEF_RATE         200u
#define DEF_BURST        1000u
#define DEF_STREAM_MSGS  100000u
#define DEF_STREAM_MB    256u
#define DEF_JS_SETUP_MS  60000u   /* jetstream.setup_timeout_ms */
#define DEF_HTTP_CONN    512u     /* well above a burst of probes; fits a 1024 fd limit */
#define DEF_HTTP_TIMEOUT 3u       /* seconds an idle (e.g. half-open) connection is kept */
#define DEF_REQLOG_AGE_H 48u      /* > the request stream's 24 h MaxAge */
#define DEF_REQLOG_MAX   1000000u /* ~220 MB of request log at ~220 B per entry */
#define DAY_MS           86400000u
#define PATH_MAX_LEN     4096u

static const char *const secret_keys[] = {"nats.password", NULL};

/* Validation context. */
struct vctx {
    const node_config_yaml_doc *doc; /* key positions */
    char *err;                       /* message buffer */
    size_t err_cap;                  /* its size */
    unsigned flags;                  /* NODE_CONFIG_CHECK_FILES */
    char *dir;                       /* directory of the config file (relative paths) */
};

/* Formats an error at key and returns MPC_ERR_CONFIG. */
#define CFG_FAIL(v, key, ...)                                                                      \
    (node_config_yaml_errorf((v)->doc, (v)->err, (v)->err_cap, key, __VA_ARGS__), MPC_ERR_CONFIG)

static mpc_status
opt_u32(struct vctx *v, const char *key, const uint32_t *raw, uint32_t def, uint32_t lo,
        uint32_t hi, uint32_t *out)
{
    *out = raw != NULL ? *raw : def;
    if (*out < lo || *out > hi) {
        return CFG_FAIL(v, key, "must be between %u and %u (got %u)", lo, hi, *out);
    }
    return MPC_OK;
}

/* kind: 'f' regular file must exist, 'd' parent directory must exist, 0 no check. */
static mpc_status
opt_path(struct vctx *v, const char *key, const char *raw, int required, char kind, char **out)
{
    *out = NULL;
    if (raw == NULL) {
        return required ? CFG_FAIL(v, key, "missing required key") : MPC_OK;
    }
    size_t n = strlen(raw);
    if (n == 0 || n > PATH_MAX_LEN) {
        return CFG_FAIL(v, key, "path must be 1..%u characters", PATH_MAX_LEN);
    }
    size_t total = raw[0] == '/' ? n + 1 : strlen(v->dir) + 1 + n + 1;
    char *p = malloc(total);
    if (p == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (raw[0] == '/') {
        memcpy(p, raw, n + 1);
    } else {
        snprintf(p, total, "%s/%s", v->dir, raw);
    }
    *out = p;
    if ((v->flags & NODE_CONFIG_CHECK_FILES) == 0 || kind == 0) {
        return MPC_OK;
    }
    struct stat sb;
    if (kind == 'f' && (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode))) {
        return CFG_FAIL(v, key, "file %s does not exist or is not a regular file", p);
    }
    if (kind == 'd') {
        char *dup = strdup(p);
        int ok = dup != NULL && stat(dirname(dup), &sb) == 0 && S_ISDIR(sb.st_mode);
        free(dup);
        if (!ok) {
            return CFG_FAIL(v, key, "directory of %s does not exist", p);
        }
    }
    return MPC_OK;
}

/* Decodes a list of hex Ed25519 public keys (valid points, unique). */
static mpc_status
pubkey_list(struct vctx *v, const char *key, char **hex, unsigned n, size_t max, uint8_t (*out)[32],
            size_t *n_out)
{
    *n_out = 0;
    if (n > max) {
        return CFG_FAIL(v, key, "at most %zu keys", max);
    }
    for (unsigned i = 0; i < n; i++) {
        char ekey[NODE_CONFIG_YAML_PATH_MAX];
        snprintf(ekey, sizeof(ekey), "%s[%u]", key, i);
        if (mpc_hex_decode_exact(out[i], 32, hex[i]) != MPC_OK) {
            return CFG_FAIL(v, ekey, "expected 64 hex characters (an Ed25519 public key)");
        }
        if (!crypto_core_ed25519_is_valid_point(out[i])) {
            return CFG_FAIL(v, ekey,
                            "not a valid Ed25519 public key (invalid or small-order point)");
        }
        for (unsigned j = 0; j < i; j++) {
            if (memcmp(out[i], out[j], 32) == 0) {
                return CFG_FAIL(v, ekey, "duplicate key (same as entry %u)", j);
            }
        }
    }
    *n_out = n;
    return MPC_OK;
}

static int
env_name_ok(const char *s)
{
    if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9') || strlen(s) > 128) {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_')) {
            return 0;
        }
    }
    return 1;
}

static mpc_status
check_urls(struct vctx *v, const struct raw_nats *rn, struct node_config_nats *n)
{
    if (rn->urls == NULL || rn->urls_count == 0) {
        return CFG_FAIL(v, "nats.urls", "missing required key (at least one server URL)");
    }
    if (rn->urls_count > NODE_CONFIG_MAX_URLS) {
        return CFG_FAIL(v, "nats.urls", "at most %u URLs", NODE_CONFIG_MAX_URLS);
    }
    n->urls = calloc(rn->urls_count, sizeof(char *));
    if (n->urls == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (unsigned i = 0; i < rn->urls_count; i++) {
        char key[64];
        snprintf(key, sizeof(key), "nats.urls[%u]", i);
        const char *u = rn->urls[i];
        if (strncmp(u, "nats://", 7) != 0 && strncmp(u, "tls://", 6) != 0) {
            return CFG_FAIL(v, key, "URL must start with nats:// or tls://");
        }
        if (strchr(u, '@') != NULL) {
            return CFG_FAIL(v, key,
                            "credentials in URLs are not allowed; use nats.user and "
                            "nats.password");
        }
        size_t scheme = u[0] == 'n' ? 7 : 6;
        if (strlen(u) > 512 || strpbrk(u, " \t") != NULL || strlen(u) <= scheme) {
            return CFG_FAIL(v, key, "malformed URL");
        }
        if ((n->urls[i] = strdup(u)) == NULL) {
            return MPC_ERR_NOMEM;
        }
        n->n_urls = i + 1;
    }
    return MPC_OK;
}

static mpc_status
check_nats_auth(struct vctx *v, const struct raw_nats *rn, struct node_config_nats *n)
{
    int methods = (rn->user != NULL) + (rn->nkey_seed_file != NULL) + (rn->creds_file != NULL);
    if (methods > 1) {
        return CFG_FAIL(v, rn->user ? "nats.user" : "nats.nkey_seed_file",
                        "choose one of user/password, nkey_seed_file or creds_file");
    }
    if (rn->password != NULL && rn->user == NULL) {
        return CFG_FAIL(v, "nats.password", "password given without nats.user");
    }
    if (rn->user != NULL) {
        if (rn->user[0] == '\0' || strlen(rn->user) > 256) {
            return CFG_FAIL(v, "nats.user", "must be 1..256 characters");
        }
        if (rn->password == NULL || rn->password[0] == '\0' || strlen(rn->password) > 1024) {
            return CFG_FAIL(v, "nats.password", "required with nats.user (1..1024 characters)");
        }
        size_t pl = strlen(rn->password);
        if ((n->user = strdup(rn->user)) == NULL ||
            (n->password = mpc_secure_alloc(pl + 1)) == NULL) {
            return MPC_ERR_NOMEM;
        }
        memcpy(n->password, rn->password, pl + 1);
    }
    mpc_status st =
        opt_path(v, "nats.nkey_seed_file", rn->nkey_seed_file, 0, 'f', &n->nkey_seed_file);
    if (st == MPC_OK) {
        st = opt_path(v, "nats.creds_file", rn->creds_file, 0, 'f', &n->creds_file);
    }
    return st;
}

static mpc_status
check_nats(struct vctx *v, const struct raw_nats *rn, struct node_config_nats *n)
{
    if (rn == NULL) {
        return CFG_FAIL(v, "nats", "missing required key");
    }
    mpc_status st = check_urls(v, rn, n);
    if (st == MPC_OK) {
        st = check_nats_auth(v, rn, n);
    }
    if (st == MPC_OK && rn->tls != NULL) {
        const struct raw_tls *t = rn->tls;
        if ((t->cert_file == NULL) != (t->key_file == NULL)) {
            return CFG_FAIL(v, t->cert_file ? "nats.tls.key_file" : "nats.tls.cert_file",
                            "tls.cert_file and tls.key_file go together");
        }
        st = opt_path(v, "nats.tls.ca_file", t->ca_file, 0, 'f', &n->tls_ca_file);
        if (st == MPC_OK) {
            st = opt_path(v, "nats.tls.cert_file", t->cert_file, 0, 'f', &n->tls_cert_file);
        }
        if (st == MPC_OK) {
            st = opt_path(v, "nats.tls.key_file", t->key_file, 0, 'f', &n->tls_key_file);
        }
    }
    if (st == MPC_OK) {
        st = opt_u32(v, "nats.delivery_pool_size", rn->delivery_pool_size, DEF_POOL, 1, 64,
                     &n->delivery_pool_size);
    }
    return st;
}

/* A systemd credential name: [A-Za-z0-9_.-]{1,128}, not "." or "..". */
static int
cred_name_ok(const char *s)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
    size_t n = strlen(s);
    return n > 0 && n <= 128 && strspn(s, ok) == n && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static mpc_status
check_identity(struct vctx *v, const struct raw_identity *ri, struct node_config_identity *id)
{
    if (ri == NULL) {
        return CFG_FAIL(v, "identity", "missing required key");
    }
    mpc_status st = opt_path(v, "identity.key_file", ri->key_file, 1, 'f', &id->key_file);
    if (st != MPC_OK) {
        return st;
    }
    const char *src = ri->passphrase_source != NULL ? ri->passphrase_source : "env";
    if (strcmp(src, "file") == 0) {
        id->passphrase_source = NODE_STORE_PASSPHRASE_FILE;
    } else if (strcmp(src, "env") == 0) {
        id->passphrase_source = NODE_STORE_PASSPHRASE_ENV;
    } else if (strcmp(src, "prompt") == 0) {
        id->passphrase_source = NODE_STORE_PASSPHRASE_PROMPT;
    } else if (strcmp(src, "credential") == 0) {
        id->passphrase_source = NODE_STORE_PASSPHRASE_CREDENTIAL;
    } else {
        return CFG_FAIL(v, "identity.passphrase_source",
                        "must be one of file, credential, env, prompt (got '%s')", src);
    }
    if (ri->passphrase_credential != NULL &&
        id->passphrase_source != NODE_STORE_PASSPHRASE_CREDENTIAL) {
        return CFG_FAIL(v, "identity.passphrase_credential",
                        "only valid with passphrase_source: credential");
    }
    if (id->passphrase_source == NODE_STORE_PASSPHRASE_CREDENTIAL) {
        const char *cn = ri->passphrase_credential != NULL ? ri->passphrase_credential
                                                           : NODE_STORE_PASSPHRASE_CRED_NAME;
        if (!cred_name_ok(cn)) {
            return CFG_FAIL(v, "identity.passphrase_credential",
                            "not a valid credential name ([A-Za-z0-9_.-]+)");
        }
        return (id->passphrase_credential = strdup(cn)) != NULL ? MPC_OK : MPC_ERR_NOMEM;
    }
    if (ri->passphrase_file != NULL && id->passphrase_source != NODE_STORE_PASSPHRASE_FILE) {
        return CFG_FAIL(v, "identity.passphrase_file", "only valid with passphrase_source: file");
    }
    if (ri->passphrase_env != NULL && id->passphrase_source != NODE_STORE_PASSPHRASE_ENV) {
        return CFG_FAIL(v, "identity.passphrase_env", "only valid with passphrase_source: env");
    }
    if (id->passphrase_source == NODE_STORE_PASSPHRASE_FILE) {
        return opt_path(v, "identity.passphrase_file", ri->passphrase_file, 1, 'f',
                        &id->passphrase_file);
    }
    if (id->passphrase_source == NODE_STORE_PASSPHRASE_ENV) {
        const char *name =
            ri->passphrase_env != NULL ? ri->passphrase_env : NODE_STORE_PASSPHRASE_ENV_VAR;
        if (!env_name_ok(name)) {
            return CFG_FAIL(v, "identity.passphrase_env",
                            "not a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
        }
        if ((id->passphrase_env = strdup(name)) == NULL) {
            return MPC_ERR_NOMEM;
        }
    }
    return MPC_OK;
}

static mpc_status
check_keys(struct vctx *v, const struct raw_config *r, struct node_config *c)
{
    if (r->initiators == NULL || r->initiators_count == 0) {
        return CFG_FAIL(v, "initiators", "missing required key (at least one public key)");
    }
    mpc_status st = pubkey_list(v, "initiators", r->initiators, r->initiators_count,
                                NODE_CONFIG_MAX_INITIATORS, c->initiators, &c->n_initiators);
    if (st != MPC_OK || r->authorizers == NULL) {
        return st;
    }
    const struct raw_authorizers *ra = r->authorizers;
    if (ra->keys == NULL || ra->keys_count == 0) {
        return CFG_FAIL(v, "authorizers.keys", "missing required key (at least one public key)");
    }
    st = pubkey_list(v, "authorizers.keys", ra->keys, ra->keys_count, NODE_CONFIG_MAX_AUTHORIZERS,
                     c->authorizers.keys, &c->authorizers.n_keys);
    if (st != MPC_OK) {
        return st;
    }
    if (ra->required == NULL) {
        return CFG_FAIL(v, "authorizers.required", "missing required key (approvals needed)");
    }
    return opt_u32(v, "authorizers.required", ra->required, 0, 1, (uint32_t)c->authorizers.n_keys,
                   &c->authorizers.required);
}

static mpc_status
check_requests(struct vctx *v, const struct raw_requests *rr, struct node_config_requests *q)
{
    static const struct raw_requests none;
    const struct raw_requests *r = rr != NULL ? rr : &none;
    const struct {
        const char *key;
        const uint32_t *raw;
        uint32_t def, min, max;
        uint32_t *out;
    } f[] = {
        {"requests.max_age_ms", r->max_age_ms, DEF_MAX_AGE_MS, 1000, 86400000, &q->max_age_ms},
        {"requests.max_expiry_ms", r->max_expiry_ms, DEF_MAX_EXPIRY, 1000, 604800000,
         &q->max_expiry_ms},
        {"requests.rate_per_s", r->rate_per_s, DEF_RATE, 1, 100000, &q->rate_per_s},
        {"requests.burst", r->burst, DEF_BURST, 1, 1000000, &q->burst},
        {"requests.stream_max_msgs", r->stream_max_msgs, DEF_STREAM_MSGS, 100, 100000000,
         &q->stream_max_msgs},
        {"requests.stream_max_mb", r->stream_max_mb, DEF_STREAM_MB, 1, 1048576, &q->stream_max_mb},
    };
    mpc_status st = MPC_OK;
    for (size_t i = 0; st == MPC_OK && i < sizeof f / sizeof f[0]; i++) {
        st = opt_u32(v, f[i].key, f[i].raw, f[i].def, f[i].min, f[i].max, f[i].out);
    }
    return st;
}

/* Replicas must be odd for a RAFT quorum; 1 and 3 are what the project runs and tests. */
static mpc_status
check_jetstream(struct vctx *v, const struct raw_jetstream *j, struct node_config_jetstream *q)
{
    q->replicas = j != NULL && j->replicas != NULL ? *j->replicas : 1;
    if (q->replicas != 1 && q->replicas != 3) {
        return CFG_FAIL(v, "jetstream.replicas", "must be 1 or 3 (got %u)", q->replicas);
    }
    return opt_u32(v, "jetstream.setup_timeout_ms", j != NULL ? j->setup_timeout_ms : NULL,
                   DEF_JS_SETUP_MS, 1000, 3600000, &q->setup_timeout_ms);
}

static mpc_status
check_limits(struct vctx *v, const struct raw_config *r, struct node_config *c)
{
    static const struct raw_limits no_limits;
    static const struct raw_timeouts no_timeouts;
    const struct raw_limits *l = r->limits ? r->limits : &no_limits;
    const struct raw_timeouts *t = r->timeouts_ms ? r->timeouts_ms : &no_timeouts;
    mpc_status st = opt_u32(v, "limits.max_sessions", l->max_sessions, DEF_MAX_SESSIONS, 1, 100000,
                            &c->limits.max_sessions);
    if (st == MPC_OK) {
        st = opt_u32(v, "limits.workers", l->workers, DEF_WORKERS, 1, 256, &c->limits.workers);
    }
    if (st == MPC_OK) {
        st = opt_u32(v, "limits.mailbox_capacity", l->mailbox_capacity, DEF_MAILBOX, 8, 1000000,
                     &c->limits.mailbox_capacity);
    }
    const struct {
        const char *key;
        const uint32_t *raw;
        uint32_t def;
        uint32_t *out;
    } tm[] = {
        {"timeouts_ms.barrier", t->barrier, DEF_BARRIER_MS, &c->timeouts.barrier_ms},
        {"timeouts_ms.keygen", t->keygen, DEF_KEYGEN_MS, &c->timeouts.keygen_ms},
        {"timeouts_ms.sign", t->sign, DEF_SIGN_MS, &c->timeouts.sign_ms},
        {"timeouts_ms.reshare", t->reshare, DEF_RESHARE_MS, &c->timeouts.reshare_ms},
        {"timeouts_ms.idle", t->idle, DEF_IDLE_MS, &c->timeouts.idle_ms},
        {"timeouts_ms.drain", t->drain, DEF_DRAIN_MS, &c->timeouts.drain_ms},
        {"timeouts_ms.ack_wait", t->ack_wait, DEF_ACK_WAIT_MS, &c->timeouts.ack_wait_ms},
    };
    for (size_t i = 0; i < sizeof(tm) / sizeof(tm[0]) && st == MPC_OK; i++) {
        st = opt_u32(v, tm[i].key, tm[i].raw, tm[i].def, 100, DAY_MS, tm[i].out);
    }
    return st;
}

static mpc_status
check_retry(struct vctx *v, const struct raw_retry *rr, struct node_config_retry *o)
{
    static const struct raw_retry none;
    const struct raw_retry *r = rr ? rr : &none;
    mpc_status st =
        opt_u32(v, "retry.max_attempts", r->max_attempts, DEF_ATTEMPTS, 1, 100, &o->max_attempts);
    if (st == MPC_OK) {
        st = opt_u32(v, "retry.base_ms", r->base_ms, DEF_BASE_MS, 1, 60000, &o->base_ms);
    }
    if (st == MPC_OK) {
        uint32_t def_cap = o->base_ms > DEF_CAP_MS ? o->base_ms : DEF_CAP_MS;
        st = opt_u32(v, "retry.cap_ms", r->cap_ms, def_cap, o->base_ms, 600000, &o->cap_ms);
    }
    if (st == MPC_OK) {
        st = opt_u32(v, "retry.jitter_pct", r->jitter_pct, DEF_JITTER_PCT, 0, 90, &o->jitter_pct);
    }
    if (st == MPC_OK) {
        st = opt_u32(v, "retry.per_try_timeout_ms", r->per_try_timeout_ms, DEF_PER_TRY_MS, 10,
                     600000, &o->per_try_timeout_ms);
    }
    return st;
}

/* Parses "host:port" / "[v6]:port". */
static mpc_status
check_listen(struct vctx *v, const struct raw_http *h, struct node_config *c)
{
    const char *s = h != NULL && h->listen != NULL ? h->listen : DEF_LISTEN;
    const char *colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
    if (colon != NULL && s[0] == '[') {
        colon++;
    }
    size_t hlen = colon != NULL ? (size_t)(colon - s) : 0;
    if (colon == NULL || hlen == 0 || hlen >= sizeof(c->http_host) ||
        (s[0] != '[' && memchr(s, ':', hlen) != NULL)) {
        return CFG_FAIL(v, "http.listen", "expected host:port or [ipv6]:port (got '%s')", s);
    }
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 || port == 0 ||
        port > 65535) {
        return CFG_FAIL(v, "http.listen", "port must be 1..65535 (got '%s')", colon + 1);
    }
    memcpy(c->http_host, s, hlen);
    c->http_host[hlen] = '\0';
    c->http_port = (uint16_t)port;
    return MPC_OK;
}

static mpc_status
check_node_id(struct vctx *v, const struct raw_config *r, struct node_config *c)
{
    if (r->node_id == NULL) {
        return CFG_FAIL(v, "node_id", "missing required key");
    }
    if (!node_client_node_id_is_valid(r->node_id)) {
        return CFG_FAIL(v, "node_id", "must match [A-Za-z0-9_-]{1,32} (got '%s')", r->node_id);
    }
    memcpy(c->node_id, r->node_id, strlen(r->node_id) + 1);
    return MPC_OK;
}

static mpc_status
check_files(struct vctx *v, const struct raw_config *r, struct node_config *c)
{
    mpc_status st = opt_path(v, "peers_file", r->peers_file, 1, 'f', &c->peers_file);
    if (st != MPC_OK) {
        return st;
    }
    if (r->store == NULL) {
        return CFG_FAIL(v, "store", "missing required key");
    }
    st = opt_path(v, "store.path", r->store->path, 1, 'd', &c->store_path);
    uint32_t mb = 0;
    if (st == MPC_OK) {
        st = opt_u32(v, "store.map_size_mb", r->store->map_size_mb, DEF_MAP_MB, 1, 1u << 20, &mb);
        c->store_map_size = (uint64_t)mb << 20;
    }
    if (st == MPC_OK) {
        st = opt_u32(v, "store.request_log_max_age_h", r->store->request_log_max_age_h,
                     DEF_REQLOG_AGE_H, 1, 24u * 3650, &c->req_log_max_age_h);
    }
    if (st == MPC_OK) {
        st = opt_u32(v, "store.request_log_max_entries", r->store->request_log_max_entries,
                     DEF_REQLOG_MAX, 100, 1u << 30, &c->req_log_max_entries);
    }
    return st;
}

static mpc_status
check_output(struct vctx *v, const struct raw_config *r, struct node_config *c)
{
    const struct raw_http *h = r->http;
    mpc_status st = check_listen(v, h, c);
    if (st == MPC_OK) {
        st = opt_u32(v, "http.max_connections", h ? h->max_connections : NULL, DEF_HTTP_CONN, 4,
                     60000, &c->http_max_conn);
    }
    if (st == MPC_OK) {
        st = opt_u32(v, "http.connection_timeout_s", h ? h->connection_timeout_s : NULL,
                     DEF_HTTP_TIMEOUT, 1, 600, &c->http_timeout_s);
    }
    if (st == MPC_OK) {
        st = opt_path(v, "http.token_file", h ? h->token_file : NULL, 0, 'f', &c->http_token_file);
    }
    if (st != MPC_OK) {
        return st;
    }
    const char *lv = r->log && r->log->level ? r->log->level : "info";
    const char *lf = r->log && r->log->format ? r->log->format : "text";
    if (mpc_log_level_parse(lv, &c->log_level) != MPC_OK) {
        return CFG_FAIL(v, "log.level", "must be one of debug, info, warn, error, off (got '%s')",
                        lv);
    }
    if (mpc_log_format_parse(lf, &c->log_format) != MPC_OK) {
        return CFG_FAIL(v, "log.format", "must be text or json (got '%s')", lf);
    }
    return MPC_OK;
}

static mpc_status
config_validate(struct vctx *v, const struct raw_config *r, struct node_config *c)
{
    if (r == NULL) {
        return CFG_FAIL(v, NULL,
                        "the file is empty; node_id, nats, identity, peers_file, store "
                        "and initiators are required");
    }
    /* In the order of the keys in the example file, so the first error is the topmost. */
    mpc_status st = check_node_id(v, r, c);
    if (st == MPC_OK) {
        st = check_nats(v, r->nats, &c->nats);
    }
    if (st == MPC_OK) {
        st = check_identity(v, r->identity, &c->identity);
    }
    if (st == MPC_OK) {
        st = check_files(v, r, c);
    }
    if (st == MPC_OK) {
        st = check_keys(v, r, c);
    }
    if (st == MPC_OK) {
        st = check_requests(v, r->requests, &c->requests);
    }
    if (st == MPC_OK) {
        st = check_jetstream(v, r->jetstream, &c->jetstream);
    }
    if (st == MPC_OK) { /* the batch bound: tss/batch.h TSS_BATCH_MAX */
        st = opt_u32(v, "sign.max_batch", r->sign != NULL ? r->sign->max_batch : NULL,
                     DEF_MAX_BATCH, 1, DEF_MAX_BATCH, &c->sign.max_batch);
    }
    if (st == MPC_OK) {
        st = node_config_presign_check(v->doc, v->err, v->err_cap, r->presign, &c->presign);
    }
    if (st == MPC_OK) {
        st = check_limits(v, r, c);
    }
    if (st == MPC_OK) {
        st = check_retry(v, r->retry, &c->retry);
    }
    if (st == MPC_OK) {
        st = check_output(v, r, c);
    }
    return st;
}

/* Wipes the cyaml copy of the password, then frees the raw data. */
static void
raw_free(struct raw_config *r)
{
    if (r != NULL && r->nats != NULL && r->nats->password != NULL) {
        mpc_wipe(r->nats->password, strlen(r->nats->password));
    }
    node_config_yaml_data_free(&node_config_schema, r);
}

mpc_status
node_config_load(const char *path, unsigned flags, struct node_config **out, char *err,
                 size_t err_cap)
{
    if (err != NULL && err_cap > 0) {
        err[0] = '\0';
    }
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (path == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    struct raw_config *raw = NULL;
    node_config_yaml_doc *doc = NULL;
    mpc_status st = node_config_yaml_load(path, &node_config_schema, secret_keys, (void **)&raw,
                                          &doc, err, err_cap);
    if (st != MPC_OK) {
        return st;
    }
    struct node_config *c = calloc(1, sizeof(*c));
    char *dup = strdup(path);
    struct vctx v = {.doc = doc, .err = err, .err_cap = err_cap, .flags = flags};
    if (c == NULL || dup == NULL || (c->source = strdup(path)) == NULL ||
        (v.dir = strdup(dirname(dup))) == NULL) {
        st = MPC_ERR_NOMEM;
    } else {
        st = config_validate(&v, raw, c);
    }
    free(dup);
    free(v.dir);
    raw_free(raw);
    node_config_yaml_doc_free(doc);
    if (st != MPC_OK) {
        node_config_free(c);
        return st;
    }
    *out = c;
    return MPC_OK;
}

void
node_config_free(struct node_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    struct node_config_nats *n = &cfg->nats;
    for (size_t i = 0; n->urls != NULL && i < n->n_urls; i++) {
        free(n->urls[i]);
    }
    free(n->urls);
    free(n->user);
    mpc_secure_free(n->password);
    free(n->nkey_seed_file);
    free(n->creds_file);
    free(n->tls_ca_file);
    free(n->tls_cert_file);
    free(n->tls_key_file);
    free(cfg->identity.key_file);
    free(cfg->identity.passphrase_file);
    free(cfg->identity.passphrase_env);
    free(cfg->identity.passphrase_credential);
    free(cfg->http_token_file);
    free(cfg->peers_file);
    free(cfg->store_path);
    free(cfg->source);
    free(cfg);
}

void
node_config_log(const struct node_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    static const char *const sources[] = {"file", "env", "prompt", "credential"};
    const struct node_config_nats *n = &cfg->nats;
    mpc_log(MPC_LOG_INFO, "config", "loaded", "file=%s node_id=%s peers_file=%s store=%s",
            cfg->source, cfg->node_id, cfg->peers_file, cfg->store_path);
    for (size_t i = 0; i < n->n_urls; i++) {
        mpc_log(MPC_LOG_INFO, "config", "nats_url", "url=%s", n->urls[i]);
    }
    mpc_log(MPC_LOG_INFO, "config", "nats",
            "user=%s password=%s nkey_seed_file=%s creds_file=%s tls_ca=%s tls_cert=%s "
            "pool=%u",
            n->user ? n->user : "-", n->password ? "(set)" : "-",
            n->nkey_seed_file ? n->nkey_seed_file : "-", n->creds_file ? n->creds_file : "-",
            n->tls_ca_file ? n->tls_ca_file : "-", n->tls_cert_file ? n->tls_cert_file : "-",
            n->delivery_pool_size);
    mpc_log(MPC_LOG_INFO, "config", "identity", "key_file=%s passphrase_source=%s",
            cfg->identity.key_file, sources[cfg->identity.passphrase_source]);
    mpc_log(MPC_LOG_INFO, "config", "policy", "initiators=%zu authorizers=%zu required=%u",
            cfg->n_initiators, cfg->authorizers.n_keys, cfg->authorizers.required);
    mpc_log(MPC_LOG_INFO, "config", "requests",
            "max_age_ms=%u max_expiry_ms=%u rate_per_s=%u burst=%u stream_max_msgs=%u "
            "stream_max_mb=%u replicas=%u max_batch=%u",
            cfg->requests.max_age_ms, cfg->requests.max_expiry_ms, cfg->requests.rate_per_s,
            cfg->requests.burst, cfg->requests.stream_max_msgs, cfg->requests.stream_max_mb,
            cfg->jetstream.replicas, cfg->sign.max_batch);
    mpc_log(MPC_LOG_INFO, "config", "limits",
            "max_sessions=%u workers=%u mailbox=%u barrier_ms=%u keygen_ms=%u sign_ms=%u "
            "reshare_ms=%u idle_ms=%u drain_ms=%u ack_wait_ms=%u",
            cfg->limits.max_sessions, cfg->limits.workers, cfg->limits.mailbox_capacity,
            cfg->timeouts.barrier_ms, cfg->timeouts.keygen_ms, cfg->timeouts.sign_ms,
            cfg->timeouts.reshare_ms, cfg->timeouts.idle_ms, cfg->timeouts.drain_ms,
            cfg->timeouts.ack_wait_ms);
    mpc_log(MPC_LOG_INFO, "config", "retry",
            "max_attempts=%u base_ms=%u cap_ms=%u jitter_pct=%u per_try_timeout_ms=%u "
            "http=%s:%u",
            cfg->retry.max_attempts, cfg->retry.base_ms, cfg->retry.cap_ms, cfg->retry.jitter_pct,
            cfg->retry.per_try_timeout_ms, cfg->http_host, cfg->http_port);
}

const char *
node_config_passphrase_arg(const struct node_config_identity *id)
{
    switch (id->passphrase_source) {
    case NODE_STORE_PASSPHRASE_FILE:
        return id->passphrase_file;
    case NODE_STORE_PASSPHRASE_ENV:
        return id->passphrase_env;
    case NODE_STORE_PASSPHRASE_CREDENTIAL:
        return id->passphrase_credential;
    case NODE_STORE_PASSPHRASE_PROMPT:
        break;
    }
    return NULL;
}

/*
 * test_config.c — YAML config: schema, defaults, validation, error messages
 * with file:line:col and key path, secrets never shown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/config/config.h"
#include "node/config/peers.h"
#include "tests/support/node_fixture.h"

#define PK0 "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define PK1 "f12ccf276e4fdacc02ce4f011a77262d057359e7ed0a4f4c9aa41d008c0c932f"
#define PK2 "8cd555d1ec03e59a465f3e14d1d2f7f82f9aa61f73445885213f4dd0c68e9c51"

/* A minimal valid config; line numbers below refer to it. */
#define MIN_HEAD                                                                                   \
    "node_id: node-1\n"                 /* 1 */                                                    \
    "nats:\n"                           /* 2 */                                                    \
    "  urls: [nats://127.0.0.1:4222]\n" /* 3 */                                                    \
    "identity:\n"                       /* 4 */                                                    \
    "  key_file: keys/node-1.key\n"     /* 5 */                                                    \
    "peers_file: peers.yaml\n"          /* 6 */                                                    \
    "store:\n"                          /* 7 */                                                    \
    "  path: data/node-1.mdb\n"         /* 8 */                                                    \
    "initiators:\n"                     /* 9 */                                                    \
    "  - " PK0 "\n"                     /* 10 */
#define MIN_CFG MIN_HEAD

struct fx {
    char *dir;      /* temp dir with the files the config references */
    char *cfg;      /* dir/node.yaml */
    char err[1024]; /* last error message */
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    if (f->dir == NULL) {
        return -1;
    }
    f->cfg = node_fixture_path(f->dir, "node.yaml");
    char *p;
    const char *dirs[] = {"keys", "data", "secrets"};
    for (size_t i = 0; i < 3; i++) {
        p = node_fixture_path(f->dir, dirs[i]);
        mkdir(p, 0700);
        free(p);
    }
    const char *files[] = {"keys/node-1.key", "peers.yaml", "secrets/pass", "ca.pem",
                           "c.pem",           "k.pem",      "n.creds"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        p = node_fixture_path(f->dir, files[i]);
        node_fixture_write(p, "x\n", 0600);
        free(p);
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_fixture_tmpdir_remove(f->dir);
    free(f->cfg);
    free(f);
    return 0;
}

static mpc_status
load_text(struct fx *f, const char *text, unsigned flags, struct node_config **cfg)
{
    assert_int_equal(node_fixture_write(f->cfg, text, 0600), 0);
    return node_config_load(f->cfg, flags, cfg, f->err, sizeof(f->err));
}

/* Loads text (files checked), expects st and every needle in the message. */
static void
expect_error(struct fx *f, const char *text, mpc_status want, const char *needle,
             const char *needle2)
{
    struct node_config *cfg = (struct node_config *)f;
    mpc_status st = load_text(f, text, NODE_CONFIG_CHECK_FILES, &cfg);
    if (st != want || strstr(f->err, needle) == NULL ||
        (needle2 != NULL && strstr(f->err, needle2) == NULL)) {
        fprintf(stderr, "status %s, message: %s\nexpected %s with \"%s\"\n", mpc_status_name(st),
                f->err, mpc_status_name(want), needle);
    }
    assert_int_equal(st, want);
    assert_null(cfg);
    assert_non_null(strstr(f->err, needle));
    if (needle2 != NULL) {
        assert_non_null(strstr(f->err, needle2));
    }
    /* Every message starts with the file name. */
    assert_memory_equal(f->err, f->cfg, strlen(f->cfg));
}

static void
test_config_minimal_gets_documented_defaults(void **state)
{
    struct fx *f = *state;
    struct node_config *c = NULL;
    assert_int_equal(load_text(f, MIN_CFG, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_string_equal(f->err, "");
    assert_string_equal(c->node_id, "node-1");
    assert_int_equal(c->nats.n_urls, 1);
    assert_string_equal(c->nats.urls[0], "nats://127.0.0.1:4222");
    assert_null(c->nats.user);
    assert_null(c->nats.password);
    assert_int_equal(c->nats.delivery_pool_size, 4);
    assert_int_equal(c->identity.passphrase_source, NODE_STORE_PASSPHRASE_ENV);
    assert_string_equal(c->identity.passphrase_env, "MPC_PASSPHRASE");
    assert_null(c->identity.passphrase_file);
    assert_int_equal(c->n_initiators, 1);
    assert_int_equal(c->initiators[0][0], 0x03);
    assert_int_equal(c->initiators[0][31], 0xb8);
    assert_int_equal(c->authorizers.n_keys, 0);
    assert_int_equal(c->authorizers.required, 0);
    /* Retry defaults are those of DESIGN §5: 10 attempts, 100 ms, 1 s, 20 %, 3 s. */
    assert_int_equal(c->retry.max_attempts, 10);
    assert_int_equal(c->retry.base_ms, 100);
    assert_int_equal(c->retry.cap_ms, 1000);
    assert_int_equal(c->retry.jitter_pct, 20);
    assert_int_equal(c->retry.per_try_timeout_ms, 3000);
    assert_int_equal(c->limits.max_sessions, 64);
    assert_int_equal(c->limits.workers, 4);
    /* Requests: a 5-minute replay window, 1 h longest expiry, bounded stream. */
    assert_int_equal(c->requests.max_age_ms, 300000);
    assert_int_equal(c->requests.max_expiry_ms, 3600000);
    assert_int_equal(c->requests.rate_per_s, 200);
    assert_int_equal(c->requests.burst, 1000);
    assert_int_equal(c->requests.stream_max_msgs, 100000);
    assert_int_equal(c->requests.stream_max_mb, 256);
    assert_int_equal(c->jetstream.replicas, 1);             /* one server unless configured */
    assert_int_equal(c->jetstream.setup_timeout_ms, 60000); /* startup setup retried 60 s */
    assert_int_equal(c->sign.max_batch, 64);                /* messages per batch sign request */
    assert_int_equal(c->limits.mailbox_capacity, 256);
    assert_int_equal(c->timeouts.barrier_ms, 10000);
    assert_int_equal(c->timeouts.drain_ms, 30000);
    assert_int_equal(c->store_map_size, 1024ull << 20);
    assert_string_equal(c->http_host, "127.0.0.1");
    assert_int_equal(c->http_port, 9100);
    assert_int_equal(c->log_level, MPC_LOG_INFO);
    assert_int_equal(c->log_format, MPC_LOG_TEXT);
    /* Relative paths are resolved against the config directory. */
    char *want = node_fixture_path(f->dir, "keys/node-1.key");
    assert_string_equal(c->identity.key_file, want);
    free(want);
    want = node_fixture_path(f->dir, "data/node-1.mdb");
    assert_string_equal(c->store_path, want);
    free(want);
    assert_string_equal(c->source, f->cfg);
    node_config_free(c);
}

/* Finds configs/node.example.yaml from the repo root or the test's directory. */
static const char *
example_path(void)
{
    static const char *const candidates[] = {"configs/node.example.yaml",
                                             "../../../../configs/node.example.yaml"};
    for (size_t i = 0; i < 2; i++) {
        if (access(candidates[i], R_OK) == 0) {
            return candidates[i];
        }
    }
    return candidates[0];
}

static void
test_config_example_parses_and_documents_defaults(void **state)
{
    struct fx *f = *state;
    struct node_config *ex = NULL, *min = NULL;
    char err[1024];
    mpc_status st = node_config_load(example_path(), 0, &ex, err, sizeof(err));
    if (st != MPC_OK) {
        fprintf(stderr, "%s\n", err);
    }
    assert_int_equal(st, MPC_OK);
    assert_string_equal(ex->node_id, "node-1");
    assert_int_equal(ex->authorizers.n_keys, 3);
    assert_int_equal(ex->authorizers.required, 2);
    /* The example uses the safe source (a systemd credential), not the environment. */
    assert_int_equal(ex->identity.passphrase_source, NODE_STORE_PASSPHRASE_CREDENTIAL);
    assert_string_equal(ex->identity.passphrase_credential, NODE_STORE_PASSPHRASE_CRED_NAME);
    /* Every value the example states equals the built-in default. */
    assert_int_equal(load_text(f, MIN_CFG, 0, &min), MPC_OK);
    assert_memory_equal(&ex->limits, &min->limits, sizeof(ex->limits));
    assert_memory_equal(&ex->timeouts, &min->timeouts, sizeof(ex->timeouts));
    assert_memory_equal(&ex->retry, &min->retry, sizeof(ex->retry));
    assert_memory_equal(&ex->requests, &min->requests, sizeof(ex->requests));
    assert_int_equal(ex->jetstream.replicas, min->jetstream.replicas);
    assert_int_equal(ex->nats.delivery_pool_size, min->nats.delivery_pool_size);
    assert_int_equal(ex->store_map_size, min->store_map_size);
    assert_string_equal(ex->http_host, min->http_host);
    assert_int_equal(ex->http_port, min->http_port);
    assert_int_equal(ex->log_level, min->log_level);
    assert_int_equal(ex->log_format, min->log_format);
    node_config_free(ex);
    node_config_free(min);
}

static void
test_config_full_options(void **state)
{
    struct fx *f = *state;
    struct node_config *c = NULL;
    const char *text = MIN_HEAD "  - " PK1 "\n"
                                "authorizers:\n"
                                "  keys: [" PK1 ", " PK2 "]\n"
                                "  required: 2\n"
                                "limits: {max_sessions: 8, workers: 2, mailbox_capacity: 64}\n"
                                "timeouts_ms: {barrier: 500, keygen: 1000, sign: 900, reshare: "
                                "2000, idle: 700, drain: 800}\n"
                                "retry: {max_attempts: 3, base_ms: 5, cap_ms: 50, jitter_pct: 0, "
                                "per_try_timeout_ms: 100}\n"
                                "http: {listen: \"[::1]:8080\"}\n"
                                "log: {level: debug, format: json}\n";
    assert_int_equal(load_text(f, text, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_int_equal(c->n_initiators, 2);
    assert_int_equal(c->authorizers.n_keys, 2);
    assert_int_equal(c->limits.workers, 2);
    assert_int_equal(c->timeouts.sign_ms, 900);
    assert_int_equal(c->retry.cap_ms, 50);
    assert_int_equal(c->retry.jitter_pct, 0);
    assert_string_equal(c->http_host, "[::1]");
    assert_int_equal(c->http_port, 8080);
    assert_int_equal(c->log_level, MPC_LOG_DEBUG);
    assert_int_equal(c->log_format, MPC_LOG_JSON);
    node_config_free(c);
    /* NATS auth variants and TLS. */
    const char *tls = "node_id: n_2\n"
                      "nats:\n"
                      "  urls: [tls://a:4222, tls://b:4222]\n"
                      "  creds_file: n.creds\n"
                      "  tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem}\n"
                      "identity:\n"
                      "  key_file: keys/node-1.key\n"
                      "  passphrase_source: file\n"
                      "  passphrase_file: secrets/pass\n"
                      "peers_file: peers.yaml\n"
                      "store: {path: data/s.mdb, map_size_mb: 8}\n"
                      "initiators: [" PK0 "]\n"
                      "jetstream: {replicas: 3, setup_timeout_ms: 120000}\n";
    assert_int_equal(load_text(f, tls, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_int_equal(c->jetstream.replicas, 3);
    assert_int_equal(c->jetstream.setup_timeout_ms, 120000);
    assert_int_equal(c->nats.n_urls, 2);
    assert_non_null(strstr(c->nats.creds_file, "n.creds"));
    assert_non_null(strstr(c->nats.tls_key_file, "k.pem"));
    assert_int_equal(c->identity.passphrase_source, NODE_STORE_PASSPHRASE_FILE);
    assert_non_null(strstr(c->identity.passphrase_file, "secrets/pass"));
    assert_null(c->identity.passphrase_env);
    assert_int_equal(c->store_map_size, 8u << 20);
    node_config_free(c);
}

static void
test_config_unknown_keys_rejected_with_line(void **state)
{
    struct fx *f = *state;
    expect_error(f, MIN_CFG "bogus: 1\n", MPC_ERR_CONFIG, "node.yaml:11:1: bogus: unknown key",
                 NULL);
    expect_error(f,
                 "node_id: node-1\n"
                 "nats:\n"
                 "  urls: [nats://127.0.0.1:4222]\n"
                 "  pasword: x\n",
                 MPC_ERR_CONFIG, "node.yaml:4:3: nats.pasword: unknown key", NULL);
    expect_error(f, MIN_CFG "limits:\n  workers: 2\n  threads: 4\n", MPC_ERR_CONFIG,
                 "node.yaml:13:3: limits.threads: unknown key", NULL);
    expect_error(f, MIN_CFG "log: {level: info, colour: red}\n", MPC_ERR_CONFIG,
                 "node.yaml:11:20: log.colour: unknown key", NULL);
}

static void
test_config_wrong_types_rejected_with_key(void **state)
{
    struct fx *f = *state;
    expect_error(f, MIN_CFG "limits:\n  workers: -1\n", MPC_ERR_CONFIG,
                 "node.yaml:12:3: limits.workers: expected an unsigned integer, got '-1'", NULL);
    expect_error(f, MIN_CFG "limits:\n  workers: 99999999999\n", MPC_ERR_CONFIG,
                 "node.yaml:12:3: limits.workers: expected an unsigned integer", NULL);
    expect_error(f, MIN_CFG "limits: 5\n", MPC_ERR_CONFIG,
                 "node.yaml:11:1: limits: expected a mapping, got a single value", NULL);
    expect_error(f, MIN_CFG "log:\n  level: [info]\n", MPC_ERR_CONFIG,
                 "node.yaml:12:3: log.level: expected a string, got a sequence", NULL);
    expect_error(f,
                 "node_id: node-1\n"
                 "nats:\n"
                 "  urls:\n"
                 "    - nats://a:1\n"
                 "    - {x: 1}\n",
                 MPC_ERR_CONFIG, "node.yaml:5:7: nats.urls[1]: expected a string, got a mapping",
                 NULL);
}

static void
test_config_syntax_and_structure_errors(void **state)
{
    struct fx *f = *state;
    expect_error(f, "node_id: node-1\nnats:\n  urls: [nats://a:1\n", MPC_ERR_PARSE,
                 "YAML syntax error", "node.yaml:4:");
    expect_error(f, "node_id: node-1\n\tnats: x\n", MPC_ERR_PARSE,
                 "node.yaml:2:1: YAML syntax "
                 "error",
                 NULL);
    expect_error(f, MIN_CFG "node_id: node-2\n", MPC_ERR_CONFIG,
                 "node.yaml:11:1: node_id: duplicate key", NULL);
    expect_error(f, MIN_CFG "limits: &l {workers: 2}\n", MPC_ERR_CONFIG,
                 "node.yaml:11:9: anchors and aliases are not allowed", NULL);
    expect_error(f, MIN_CFG "---\nnode_id: x\n", MPC_ERR_CONFIG,
                 "node.yaml:11:1: only one YAML document is allowed", NULL);
    expect_error(f, MIN_CFG "? [a, b]\n: 1\n", MPC_ERR_CONFIG, "mapping keys must be plain strings",
                 NULL);
    expect_error(f, "", MPC_ERR_CONFIG, "the file is empty", NULL);
    char *many = malloc(5000 * 3 + 32);
    strcpy(many, "initiators: [");
    for (int i = 0; i < 5000; i++) {
        strcat(many, "a,");
    }
    strcat(many, "a]\n");
    expect_error(f, many, MPC_ERR_CONFIG, "more than 4096 keys and entries", NULL);
    free(many);
    expect_error(f, "- a\n- b\n", MPC_ERR_CONFIG, "expected a mapping, got a sequence", NULL);
}

static void
test_config_missing_required_keys(void **state)
{
    struct fx *f = *state;
    expect_error(f, "nats:\n  urls: [nats://a:1]\n", MPC_ERR_CONFIG,
                 "node.yaml: node_id: missing required key", NULL);
    expect_error(f, "node_id: a\nnats:\n  user: u\n", MPC_ERR_CONFIG,
                 "node.yaml:2:1: nats.urls: missing required key", NULL);
    expect_error(f,
                 "node_id: a\npeers_file: peers.yaml\nstore: {path: s}\nnats: {urls: "
                 "[nats://a:1]}\n",
                 MPC_ERR_CONFIG, "node.yaml: identity: missing required key", NULL);
    expect_error(f,
                 "node_id: node-1\n"
                 "nats: {urls: [nats://a:1]}\n"
                 "identity: {key_file: keys/node-1.key}\n"
                 "peers_file: peers.yaml\n"
                 "store: {path: data/x}\n",
                 MPC_ERR_CONFIG, "node.yaml: initiators: missing required key", NULL);
    expect_error(f, MIN_CFG "authorizers:\n  keys: [" PK1 "]\n", MPC_ERR_CONFIG,
                 "node.yaml:11:1: authorizers.required: missing required key", NULL);
}

static void
test_config_values_out_of_range(void **state)
{
    struct fx *f = *state;
    expect_error(f, MIN_CFG "limits:\n  workers: 0\n", MPC_ERR_CONFIG,
                 "node.yaml:12:3: limits.workers: must be between 1 and 256 (got 0)", NULL);
    expect_error(f, MIN_CFG "timeouts_ms:\n  sign: 99\n", MPC_ERR_CONFIG,
                 "node.yaml:12:3: timeouts_ms.sign: must be between 100 and 86400000 (got 99)",
                 NULL);
    expect_error(f, MIN_CFG "retry: {base_ms: 500, cap_ms: 100}\n", MPC_ERR_CONFIG,
                 "retry.cap_ms: must be between 500 and 600000 (got 100)", NULL);
    expect_error(f, MIN_CFG "requests: {max_age_ms: 999}\n", MPC_ERR_CONFIG,
                 "requests.max_age_ms: must be between 1000 and 86400000 (got 999)", NULL);
    expect_error(f, MIN_CFG "requests: {rate_per_s: 0}\n", MPC_ERR_CONFIG,
                 "requests.rate_per_s: must be between 1 and 100000 (got 0)", NULL);
    expect_error(f, MIN_CFG "requests: {stream_max_msgs: 99}\n", MPC_ERR_CONFIG,
                 "requests.stream_max_msgs: must be between 100", NULL);
    expect_error(f, MIN_CFG "requests: {window: 1}\n", MPC_ERR_CONFIG, "unknown key", NULL);
    expect_error(f, MIN_CFG "sign: {max_batch: 0}\n", MPC_ERR_CONFIG,
                 "sign.max_batch: must be between 1 and 64 (got 0)", NULL);
    expect_error(f, MIN_CFG "sign: {max_batch: 65}\n", MPC_ERR_CONFIG,
                 "sign.max_batch: must be between 1 and 64 (got 65)", NULL);
    expect_error(f, MIN_CFG "jetstream: {replicas: 2}\n", MPC_ERR_CONFIG,
                 "jetstream.replicas: must be 1 or 3 (got 2)", NULL);
    expect_error(f, MIN_CFG "jetstream: {replicas: 0}\n", MPC_ERR_CONFIG,
                 "jetstream.replicas: must be 1 or 3 (got 0)", NULL);
    expect_error(f, MIN_CFG "jetstream: {replicas: 5}\n", MPC_ERR_CONFIG,
                 "jetstream.replicas: must be 1 or 3 (got 5)", NULL);
    expect_error(f, MIN_CFG "jetstream: {setup_timeout_ms: 999}\n", MPC_ERR_CONFIG,
                 "jetstream.setup_timeout_ms: must be between 1000", NULL);
    expect_error(f, MIN_CFG "jetstream: {setup_timeout_ms: 3600001}\n", MPC_ERR_CONFIG,
                 "jetstream.setup_timeout_ms: must be between 1000", NULL);
    expect_error(f, MIN_CFG "retry: {jitter_pct: 91}\n", MPC_ERR_CONFIG,
                 "retry.jitter_pct: must be between 0 and 90", NULL);
    expect_error(f, MIN_CFG "nats_x: 1\n", MPC_ERR_CONFIG, "nats_x: unknown key", NULL);
    expect_error(f, MIN_CFG "authorizers: {keys: [" PK1 "], required: 2}\n", MPC_ERR_CONFIG,
                 "authorizers.required: must be between 1 and 1 (got 2)", NULL);
    expect_error(f, MIN_CFG "store_x: {}\n", MPC_ERR_CONFIG, "unknown key", NULL);
    expect_error(f, MIN_CFG "log: {level: loud}\n", MPC_ERR_CONFIG,
                 "log.level: must be one of debug, info, warn, error, off (got 'loud')", NULL);
    expect_error(f, MIN_CFG "log: {format: xml}\n", MPC_ERR_CONFIG,
                 "log.format: must be text or "
                 "json",
                 NULL);
    const char *bad_listen[] = {"9100",       ":9100",    "host:", "host:0",
                                "host:65536", "host:12x", "a:b:1", "[::1]"};
    for (size_t i = 0; i < sizeof(bad_listen) / sizeof(bad_listen[0]); i++) {
        char text[1024];
        snprintf(text, sizeof(text), MIN_CFG "http: {listen: \"%s\"}\n", bad_listen[i]);
        expect_error(f, text, MPC_ERR_CONFIG, "node.yaml:11:8: http.listen:", NULL);
    }
}

static void
test_config_node_id_and_keys_validated(void **state)
{
    struct fx *f = *state;
    const char *bad_ids[] = {"node.1", "a b", "", "123456789012345678901234567890123", "n*"};
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        char text[1024];
        snprintf(text, sizeof(text), "node_id: \"%s\"\n%s", bad_ids[i], MIN_CFG + 16);
        expect_error(f, text, MPC_ERR_CONFIG,
                     "node.yaml:1:1: node_id: must match [A-Za-z0-9_-]{1,32}", NULL);
    }
    expect_error(f, MIN_CFG "  - abcd\n", MPC_ERR_CONFIG,
                 "node.yaml:11:5: initiators[1]: expected 64 hex characters", NULL);
    expect_error(f, MIN_CFG "  - " PK0 "\n", MPC_ERR_CONFIG,
                 "node.yaml:11:5: initiators[1]: duplicate key (same as entry 0)", NULL);
    /* The identity point (small order) and a non-canonical encoding are refused. */
    expect_error(f,
                 MIN_CFG "  - 0100000000000000000000000000000000000000000000000000000000000000\n",
                 MPC_ERR_CONFIG, "initiators[1]: not a valid Ed25519 public key", NULL);
    expect_error(f,
                 MIN_CFG "  - ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f\n",
                 MPC_ERR_CONFIG, "initiators[1]: not a valid Ed25519 public key", NULL);
    expect_error(f, MIN_CFG "authorizers: {keys: [" PK1 ", zz], required: 1}\n", MPC_ERR_CONFIG,
                 "authorizers.keys[1]: expected 64 hex characters", NULL);
}

static void
test_config_files_must_exist_when_checked(void **state)
{
    struct fx *f = *state;
    struct node_config *c = NULL;
    char *key = node_fixture_path(f->dir, "keys/node-1.key");
    assert_int_equal(unlink(key), 0);
    expect_error(f, MIN_CFG, MPC_ERR_CONFIG, "node.yaml:5:3: identity.key_file: file ",
                 "keys/node-1.key does not exist");
    /* Without the check, the same config loads (for tools that only read it). */
    assert_int_equal(load_text(f, MIN_CFG, 0, &c), MPC_OK);
    node_config_free(c);
    free(key);
    expect_error(f,
                 "node_id: node-1\nnats: {urls: [nats://a:1]}\nidentity: {key_file: "
                 "/etc/hostname}\npeers_file: peers.yaml\nstore:\n  path: nodir/x.mdb\n",
                 MPC_ERR_CONFIG, "node.yaml:6:3: store.path: directory of ", "nodir/x.mdb");
    expect_error(f,
                 "node_id: node-1\nnats: {urls: [nats://a:1]}\nidentity: {key_file: "
                 "/etc/hostname}\npeers_file: missing.yaml\n",
                 MPC_ERR_CONFIG, "node.yaml:4:1: peers_file: file ", NULL);
    expect_error(f, MIN_CFG "identity_x: 1\n", MPC_ERR_CONFIG, "identity_x: unknown key", NULL);
}

static void
test_config_passphrase_source_rules(void **state)
{
    struct fx *f = *state;
    const char *head = "node_id: node-1\nnats: {urls: [nats://a:1]}\npeers_file: peers.yaml\n"
                       "store: {path: data/s}\ninitiators: [" PK0 "]\nidentity:\n"
                       "  key_file: keys/node-1.key\n";
    char text[1024];
    snprintf(text, sizeof(text), "%s  passphrase_source: file\n", head);
    expect_error(f, text, MPC_ERR_CONFIG,
                 "node.yaml:6:1: identity.passphrase_file: missing "
                 "required key",
                 NULL);
    snprintf(text, sizeof(text), "%s  passphrase_source: keyring\n", head);
    expect_error(f, text, MPC_ERR_CONFIG,
                 "node.yaml:8:3: identity.passphrase_source: must be one of file, credential, env, "
                 "prompt",
                 NULL);
    snprintf(text, sizeof(text), "%s  passphrase_source: env\n  passphrase_file: secrets/pass\n",
             head);
    expect_error(f, text, MPC_ERR_CONFIG,
                 "node.yaml:9:3: identity.passphrase_file: only valid with passphrase_source: file",
                 NULL);
    snprintf(text, sizeof(text), "%s  passphrase_env: 1BAD\n", head);
    expect_error(f, text, MPC_ERR_CONFIG, "identity.passphrase_env: not a valid environment", NULL);
    snprintf(text, sizeof(text), "%s  passphrase_source: prompt\n  passphrase_env: X\n", head);
    expect_error(f, text, MPC_ERR_CONFIG, "only valid with passphrase_source: env", NULL);
    struct node_config *c = NULL;
    snprintf(text, sizeof(text), "%s  passphrase_source: prompt\n", head);
    assert_int_equal(load_text(f, text, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_int_equal(c->identity.passphrase_source, NODE_STORE_PASSPHRASE_PROMPT);
    node_config_free(c);
    snprintf(text, sizeof(text), "%s  passphrase_source: credential\n", head);
    assert_int_equal(load_text(f, text, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_int_equal(c->identity.passphrase_source, NODE_STORE_PASSPHRASE_CREDENTIAL);
    assert_string_equal(node_config_passphrase_arg(&c->identity), NODE_STORE_PASSPHRASE_CRED_NAME);
    node_config_free(c);
    snprintf(text, sizeof(text),
             "%s  passphrase_source: credential\n  passphrase_credential: pp.1\n", head);
    assert_int_equal(load_text(f, text, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_string_equal(node_config_passphrase_arg(&c->identity), "pp.1");
    node_config_free(c);
    snprintf(text, sizeof(text),
             "%s  passphrase_source: credential\n  passphrase_credential: a/b\n", head);
    expect_error(f, text, MPC_ERR_CONFIG, "identity.passphrase_credential: not a valid", NULL);
    snprintf(text, sizeof(text), "%s  passphrase_credential: x\n", head);
    expect_error(f, text, MPC_ERR_CONFIG, "only valid with passphrase_source: credential", NULL);
}

static void
test_config_nats_rules(void **state)
{
    struct fx *f = *state;
    const char *tail = "identity: {key_file: keys/node-1.key}\npeers_file: peers.yaml\n"
                       "store: {path: data/s}\ninitiators: [" PK0 "]\n";
    const struct {
        const char *nats;
        const char *needle;
    } cases[] = {
        {"nats: {urls: [http://a:1]}\n", "node.yaml:2:15: nats.urls[0]: URL must start with"},
        {"nats: {urls: [\"nats://u:p@a:1\"]}\n",
         "nats.urls[0]: credentials in URLs are not allowed"},
        {"nats: {urls: []}\n", "node.yaml:2:8: nats.urls: missing required key"},
        {"nats: {urls: [\"nats://\"]}\n", "node.yaml:2:15: nats.urls[0]: malformed URL"},
        {"nats: {urls: [\"tls://a b\"]}\n", "nats.urls[0]: malformed URL"},
        {"nats: {urls: [nats://a:1], user: u}\n", "nats.password: required with nats.user"},
        {"nats: {urls: [nats://a:1], password: pw}\n", "nats.password: password given without "
                                                       "nats.user"},
        {"nats: {urls: [nats://a:1], user: u, password: p, creds_file: n.creds}\n",
         "nats.user: choose one of user/password, nkey_seed_file or creds_file"},
        {"nats: {urls: [nats://a:1], nkey_seed_file: nope.nk}\n", "nats.nkey_seed_file: file "},
        {"nats: {urls: [nats://a:1], tls: {cert_file: c.pem}}\n",
         "nats.tls.key_file: tls.cert_file and tls.key_file go together"},
        {"nats: {urls: [nats://a:1], tls: {ca_file: nope.pem}}\n", "nats.tls.ca_file: file "},
        {"nats: {urls: [nats://a:1], delivery_pool_size: 0}\n",
         "nats.delivery_pool_size: must be between 1 and 64 (got 0)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[2048];
        snprintf(text, sizeof(text), "node_id: node-1\n%s%s", cases[i].nats, tail);
        expect_error(f, text, MPC_ERR_CONFIG, cases[i].needle, NULL);
    }
}

static void
test_config_password_never_shown(void **state)
{
    struct fx *f = *state;
    const char *pw = "Sup3rS3cretPw";
    char text[2048];
    /* A type error on the password does not quote it. */
    snprintf(text, sizeof(text),
             "node_id: node-1\nnats:\n  urls: [nats://a:1]\n  user: u\n  password: [%s]\n", pw);
    expect_error(f, text, MPC_ERR_CONFIG, "node.yaml:5:3: nats.password: expected a string", NULL);
    assert_null(strstr(f->err, pw));
    snprintf(text, sizeof(text),
             "node_id: node-1\nnats:\n  urls: [nats://a:1]\n  user: u\n  password: %s\n"
             "identity: {key_file: keys/node-1.key}\npeers_file: peers.yaml\n"
             "store: {path: data/s}\ninitiators: [" PK0 "]\nlimits: {workers: 0}\n",
             pw);
    expect_error(f, text, MPC_ERR_CONFIG, "limits.workers", NULL);
    assert_null(strstr(f->err, pw));
    /* Loaded: the password is available to the connection code, but the log shows "(set)". */
    snprintf(text, sizeof(text),
             "node_id: node-1\nnats:\n  urls: [nats://a:1]\n  user: u\n  password: %s\n"
             "identity: {key_file: keys/node-1.key}\npeers_file: peers.yaml\n"
             "store: {path: data/s}\ninitiators: [" PK0 "]\n",
             pw);
    struct node_config *c = NULL;
    assert_int_equal(load_text(f, text, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_string_equal(c->nats.password, pw);
    char *logp = node_fixture_path(f->dir, "log.txt");
    FILE *lf = fopen(logp, "w+");
    assert_non_null(lf);
    mpc_log_set_fd(fileno(lf));
    node_config_log(c);
    mpc_log_set_fd(2);
    fclose(lf);
    size_t len = 0;
    uint8_t *log = node_fixture_read(logp, &len);
    assert_non_null(log);
    assert_non_null(strstr((char *)log, "password=(set)"));
    assert_non_null(strstr((char *)log, "node_id=node-1"));
    assert_null(strstr((char *)log, pw));
    free(log);
    free(logp);
    node_config_free(c);
}

/* presign: off by default; sets sorted; each malformed set with its own status. */
static void
test_config_presign_sets(void **state)
{
    struct fx *f = *state;
    struct node_config *c = NULL;
    assert_int_equal(load_text(f, MIN_CFG, NODE_CONFIG_CHECK_FILES, &c), MPC_OK);
    assert_int_equal(c->presign.pool_size, 0); /* off unless configured */
    assert_int_equal(c->presign.max_per_second, 4);
    assert_int_equal(c->presign.n_sets, 0);
    node_config_free(c);
    c = NULL;
    assert_int_equal(load_text(f,
                               MIN_CFG "presign:\n  pool_size: 8\n  max_per_second: 2\n"
                                       "  signers: [\"node-3,node-1\", \"node-2,node-1,node-3\"]\n",
                               NODE_CONFIG_CHECK_FILES, &c),
                     MPC_OK);
    assert_int_equal(c->presign.pool_size, 8);
    assert_int_equal(c->presign.max_per_second, 2);
    assert_int_equal(c->presign.n_sets, 2);
    assert_int_equal(c->presign.set_len[0], 2);
    assert_string_equal(c->presign.ids[0][0], "node-1"); /* sorted: the coordinator first */
    assert_string_equal(c->presign.ids[0][1], "node-3");
    assert_int_equal(c->presign.set_len[1], 3);
    assert_string_equal(c->presign.ids[1][1], "node-2");
    node_config_free(c);
    expect_error(f, MIN_CFG "presign: {signers: [\"node-1\"]}\n", MPC_ERR_PRESIG_SET_SIZE,
                 "presign.signers: set 1 \"node-1\"", NULL);
    expect_error(f, MIN_CFG "presign: {signers: [\"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\"]}\n",
                 MPC_ERR_PRESIG_SET_SIZE, "presign.signers: set 1", NULL);
    expect_error(f, MIN_CFG "presign: {signers: [\"node-1,node-1\"]}\n", MPC_ERR_PRESIG_SET_ID,
                 "presign.signers", NULL);
    expect_error(f, MIN_CFG "presign: {signers: [\"node-1,,node-2\"]}\n", MPC_ERR_PRESIG_SET_ID,
                 "presign.signers", NULL);
    expect_error(f, MIN_CFG "presign: {signers: [\"node-1,no de\"]}\n", MPC_ERR_PRESIG_SET_ID,
                 "presign.signers", NULL);
    expect_error(f, MIN_CFG "presign: {signers: [\"a,b\", \"b,a\"]}\n", MPC_ERR_PRESIG_SET_ID,
                 "set 2 \"b,a\"", NULL);
    expect_error(f, MIN_CFG "presign: {pool_size: 1025}\n", MPC_ERR_CONFIG,
                 "presign.pool_size: must be between 0 and 1024 (got 1025)", NULL);
    expect_error(f, MIN_CFG "presign: {max_per_second: 0}\n", MPC_ERR_CONFIG,
                 "presign.max_per_second: must be between 1 and 100 (got 0)", NULL);
}

/* Every presign.signers id must be in the peers file (checked at start). */
static void
test_config_presign_peers(void **state)
{
    struct fx *f = *state;
    struct node_config *c = NULL;
    node_config_peers *peers = NULL;
    char *pp = node_fixture_path(f->dir, "peers2.yaml");
    assert_int_equal(node_fixture_write(pp,
                                        "peers:\n  - {id: node-1, public_key: " PK1 "}\n"
                                        "  - {id: node-2, public_key: " PK2 "}\n",
                                        0600),
                     0);
    assert_int_equal(node_config_peers_load(pp, &peers, f->err, sizeof f->err), MPC_OK);
    free(pp);
    assert_int_equal(load_text(f, MIN_CFG "presign: {signers: [\"node-1,node-2\"]}\n", 0, &c),
                     MPC_OK);
    assert_int_equal(node_config_presign_peers(c, peers, f->err, sizeof f->err), MPC_OK);
    node_config_free(c);
    c = NULL;
    assert_int_equal(load_text(f, MIN_CFG "presign: {signers: [\"node-1,node-9\"]}\n", 0, &c),
                     MPC_OK);
    assert_int_equal(node_config_presign_peers(c, peers, f->err, sizeof f->err),
                     MPC_ERR_PRESIG_SET_UNKNOWN);
    assert_non_null(strstr(f->err, "node-9"));
    assert_int_equal(node_config_presign_peers(NULL, peers, f->err, sizeof f->err),
                     MPC_ERR_INVALID_ARG);
    node_config_free(c);
    node_config_peers_destroy(peers);
}

static void
test_config_bad_args_and_io(void **state)
{
    struct fx *f = *state;
    struct node_config *c = NULL;
    char err[256];
    assert_int_equal(node_config_load(NULL, 0, &c, err, sizeof(err)), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_config_load(f->cfg, 0, NULL, err, sizeof(err)), MPC_ERR_INVALID_ARG);
    char *missing = node_fixture_path(f->dir, "absent.yaml");
    assert_int_equal(node_config_load(missing, 0, &c, err, sizeof(err)), MPC_ERR_IO);
    assert_null(c);
    assert_non_null(strstr(err, "absent.yaml: cannot open"));
    free(missing);
    /* A message longer than the buffer is truncated, not overflowed. */
    assert_int_equal(node_fixture_write(f->cfg, "bogus: 1\n", 0600), 0);
    char tiny[8];
    assert_int_equal(node_config_load(f->cfg, 0, &c, tiny, sizeof(tiny)), MPC_ERR_CONFIG);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    assert_int_equal(node_config_load(f->cfg, 0, &c, NULL, 0), MPC_ERR_CONFIG);
    node_config_free(NULL);
    node_config_log(NULL);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config_minimal_gets_documented_defaults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_config_example_parses_and_documents_defaults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_config_full_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_unknown_keys_rejected_with_line, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_config_wrong_types_rejected_with_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_syntax_and_structure_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_missing_required_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_values_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_node_id_and_keys_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_files_must_exist_when_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_passphrase_source_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_nats_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_password_never_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_presign_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_presign_peers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_bad_args_and_io, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

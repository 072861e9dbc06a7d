/*
 * config.h — the mpc-node YAML configuration (see configs/node.example.yaml
 * for every key, its default and its meaning).
 *
 * Loading is schema-checked (libcyaml through node/config/yamlfile.h): unknown keys,
 * wrong types, duplicate keys and syntax errors are rejected, and every error
 * names the file, line, column and key path, e.g.
 *   node.yaml:7:3: limits.workers: must be between 1 and 256 (got 0)
 * After the schema pass, defaults are applied and every value is checked
 * (ranges, node id charset, key encodings, mutually exclusive options) and,
 * with NODE_CONFIG_CHECK_FILES, the files the node will need must exist.
 * Relative paths are resolved against the directory of the config file.
 *
 * Secrets: the only secret the config may hold is nats.password; it is kept
 * in secure memory, never quoted in error messages and shown as "(set)" by
 * node_config_log. Passphrases are never in the config, only their source.
 *
 * THREAD SAFETY: a loaded node_config is immutable; read it from any thread.
 */
#ifndef MPC_NODE_CONFIG_CONFIG_H
#define MPC_NODE_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "common/status.h"
#include "node/client/ids.h"
#include "node/store/passphrase.h"

#define NODE_CONFIG_MAX_URLS        16u  /* nats.urls entries */
#define NODE_CONFIG_MAX_INITIATORS  16u  /* initiators entries */
#define NODE_CONFIG_MAX_AUTHORIZERS 32u  /* authorizers.keys entries */
#define NODE_CONFIG_CHECK_FILES     0x1u /* node_config_load: files must exist */

/* NATS connection settings. */
struct node_config_nats {
    char **urls;                 /* server URLs (nats:// or tls://), n_urls entries */
    size_t n_urls;               /* 1..NODE_CONFIG_MAX_URLS */
    char *user;                  /* user name, or NULL */
    char *password;              /* secure memory; NULL unless user is set. SECRET */
    char *nkey_seed_file;        /* NKey seed file, or NULL */
    char *creds_file;            /* JWT credentials file, or NULL */
    char *tls_ca_file;           /* CA bundle to verify the server, or NULL */
    char *tls_cert_file;         /* client certificate (with tls_key_file), or NULL */
    char *tls_key_file;          /* client key, or NULL */
    uint32_t delivery_pool_size; /* threads of the global message delivery pool */
};

/* Identity key file and where its passphrase comes from. */
struct node_config_identity {
    char *key_file; /* encrypted identity (node/store/identity.h) */
    enum node_store_passphrase_source passphrase_source; /* file, env or prompt */
    char *passphrase_file;                               /* source file: the path; else NULL */
    char *passphrase_env;                                /* source env: variable name; else NULL */
    char *passphrase_credential; /* source credential: systemd credential name; else NULL */
};

/* Authorizers: requests need approvals from `required` of these keys. */
struct node_config_authorizers {
    uint8_t keys[NODE_CONFIG_MAX_AUTHORIZERS][32]; /* Ed25519 public keys, unique, valid */
    size_t n_keys;                                 /* 0 = no approvals required */
    uint32_t required;                             /* m: 1..n_keys (0 when n_keys is 0) */
};

/* What the intake accepts from clients, and how much it keeps waiting. */
struct node_config_requests {
    uint32_t max_age_ms;      /* created_at must lie within now +/- this (replay window) */
    uint32_t max_expiry_ms;   /* longest expires_at - created_at */
    uint32_t rate_per_s;      /* requests per second per initiator key, sustained */
    uint32_t burst;           /* requests per initiator key at once */
    uint32_t stream_max_msgs; /* MPC_REQ holds at most this many requests (new ones refused) */
    uint32_t stream_max_mb;   /* ... and at most this many MiB */
};

/* Signing. */
struct node_config_sign {
    uint32_t max_batch; /* messages per batch sign request (1..64, default 64; DESIGN §7.1) */
};

#define NODE_CONFIG_PRESIGN_SETS    8u    /* presign.signers entries */
#define NODE_CONFIG_PRESIGN_SET_MAX 16u   /* node ids in one signer set */
#define NODE_CONFIG_PRESIGN_POOL    1024u /* largest presign.pool_size */

/*
 * ECDSA presignature pools (DESIGN §7 "Presignatures"). Off when pool_size is
 * 0 (the default). A set is a sign's exact signer set: it fits a key whose
 * threshold is its size and whose committee holds every member; the lowest id
 * coordinates the refill.
 */
struct node_config_presign {
    uint32_t pool_size;      /* records kept per (key, active version, set); 0 = off */
    uint32_t max_per_second; /* presign sessions this node coordinates per second, at most */
    size_t n_sets;           /* signer sets configured */
    uint32_t set_len[NODE_CONFIG_PRESIGN_SETS]; /* ids in each set, 2..SET_MAX */
    char ids[NODE_CONFIG_PRESIGN_SETS][NODE_CONFIG_PRESIGN_SET_MAX]
            [NODE_ID_MAX + 1]; /* each set's node ids, ascending (strcmp), distinct */
};

/* JetStream streams (MPC_REQ, MPC_RES). */
struct node_config_jetstream {
    uint32_t replicas;         /* stream replicas: 1 (one server) or 3 (a cluster of 3 or more) */
    uint32_t setup_timeout_ms; /* startup: retry stream/consumer setup this long (1000..3600000,
                                  default 60000), then MPC_ERR_JS_SETUP */
};

/* Admission and concurrency limits. */
struct node_config_limits {
    uint32_t max_sessions;     /* admission permits (live sessions) */
    uint32_t workers;          /* session worker threads */
    uint32_t mailbox_capacity; /* per-session mailbox slots */
};

/* Deadlines, all in milliseconds. */
struct node_config_timeouts {
    uint32_t barrier_ms;  /* readiness barrier */
    uint32_t keygen_ms;   /* whole keygen session */
    uint32_t sign_ms;     /* whole sign session */
    uint32_t reshare_ms;  /* whole reshare session */
    uint32_t idle_ms;     /* no progress in a session */
    uint32_t drain_ms;    /* shutdown drain */
    uint32_t ack_wait_ms; /* JetStream AckWait of the node's durable (redelivery after a crash) */
};

/* Direct-send retry policy (DESIGN §5). */
struct node_config_retry {
    uint32_t max_attempts;       /* attempts before MPC_ERR_PEER_UNAVAILABLE */
    uint32_t base_ms;            /* first backoff */
    uint32_t cap_ms;             /* backoff cap (>= base_ms) */
    uint32_t jitter_pct;         /* +/- jitter, percent (0..90) */
    uint32_t per_try_timeout_ms; /* request timeout of one attempt */
};

/* A loaded, validated configuration. */
struct node_config {
    char *source;                                       /* path of the config file */
    char node_id[NODE_ID_MAX + 1];                      /* this node's id */
    struct node_config_nats nats;                       /* NATS connection */
    struct node_config_identity identity;               /* identity key */
    char *peers_file;                                   /* peers file (node/config/peers.h) */
    char *store_path;                                   /* key store file (node/store/store.h) */
    uint64_t store_map_size;                            /* LMDB map size, bytes */
    uint32_t req_log_max_age_h;                         /* request log retention, hours */
    uint32_t req_log_max_entries;                       /* request log retention, entries */
    uint8_t initiators[NODE_CONFIG_MAX_INITIATORS][32]; /* accepted request signers */
    size_t n_initiators;                                /* 1..NODE_CONFIG_MAX_INITIATORS */
    struct node_config_authorizers authorizers;         /* optional approvals */
    struct node_config_requests requests;               /* request intake bounds */
    struct node_config_jetstream jetstream;             /* stream replication */
    struct node_config_sign sign;                       /* signing bounds */
    struct node_config_presign presign;                 /* presignature pools */
    struct node_config_limits limits;                   /* concurrency limits */
    struct node_config_timeouts timeouts;               /* deadlines */
    struct node_config_retry retry;                     /* direct-send retries */
    char http_host[256];       /* HTTP listen host (IPv4, name or [IPv6]) */
    uint16_t http_port;        /* HTTP listen port */
    char *http_token_file;     /* bearer token file for /metrics and /sessions, or NULL */
    uint32_t http_max_conn;    /* concurrent HTTP connections */
    uint32_t http_timeout_s;   /* idle timeout of one HTTP connection, seconds */
    mpc_log_level log_level;   /* minimum log level */
    mpc_log_format log_format; /* text or json */
};

/*
 * Loads, defaults and validates a config file.
 * Out: *out — cleared on entry; caller owns it, free with node_config_free.
 *      err — on failure a message "FILE:LINE:COL: key.path: problem" (or
 *      "FILE: problem" when no line applies); "" on success. May be NULL.
 * In:  flags — NODE_CONFIG_CHECK_FILES to require referenced files to exist.
 * Returns: MPC_OK; MPC_ERR_IO (unreadable file); MPC_ERR_PARSE (YAML syntax);
 *          MPC_ERR_CONFIG (schema or value error); MPC_ERR_PRESIG_SET_SIZE,
 *          MPC_ERR_PRESIG_SET_ID (presign.signers); MPC_ERR_INVALID_ARG;
 *          MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_config_load(const char *path, unsigned flags,
                                           struct node_config **out, char *err, size_t err_cap);

/* Returns: the argument of node_store_passphrase_load for id's source (file
 * path, variable name, credential name or NULL), borrowed from id. */
const char *node_config_passphrase_arg(const struct node_config_identity *id);

/*
 * Every presign.signers id must be a peer (run once the peers file is loaded).
 * Out: err — the message on failure. Returns: MPC_OK; MPC_ERR_PRESIG_SET_UNKNOWN.
 */
struct node_config_peers;
MPC_MUST_CHECK mpc_status node_config_presign_peers(const struct node_config *cfg,
                                                    const struct node_config_peers *peers,
                                                    char *err, size_t err_cap);

/* Wipes the secret and frees cfg. Accepts NULL. */
void node_config_free(struct node_config *cfg);

/* Logs the effective configuration at info level; secrets appear as "(set)". */
void node_config_log(const struct node_config *cfg);

#endif /* MPC_NODE_CONFIG_CONFIG_H */

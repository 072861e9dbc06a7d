/*
 * config_schema.h — internal to node/config*.c: the raw structures libcyaml
 * fills from the YAML, and the schema describing them. Every field is
 * optional at the schema level (NULL when absent) so that defaults and
 * "missing required key" errors are handled with line numbers by the
 * validation pass.
 */
#ifndef MPC_NODE_CONFIG_CONFIG_SCHEMA_H
#define MPC_NODE_CONFIG_CONFIG_SCHEMA_H

#include <stdint.h>

#include <cyaml/cyaml.h>

#include "common/status.h"
#include "node/config/yamlfile.h"

/* nats.tls */
struct raw_tls {
    char *ca_file;   /* tls.ca_file */
    char *cert_file; /* tls.cert_file */
    char *key_file;  /* tls.key_file */
};

/* nats */
struct raw_nats {
    char **urls;                  /* nats.urls entries */
    unsigned urls_count;          /* their number */
    char *user;                   /* nats.user */
    char *password;               /* nats.password (secret; wiped before free) */
    char *nkey_seed_file;         /* nats.nkey_seed_file */
    char *creds_file;             /* nats.creds_file */
    struct raw_tls *tls;          /* nats.tls */
    uint32_t *delivery_pool_size; /* nats.delivery_pool_size */
};

/* identity */
struct raw_identity {
    char *key_file;              /* identity.key_file */
    char *passphrase_source;     /* identity.passphrase_source */
    char *passphrase_file;       /* identity.passphrase_file */
    char *passphrase_env;        /* identity.passphrase_env */
    char *passphrase_credential; /* identity.passphrase_credential */
};

/* store */
struct raw_store {
    char *path;                        /* store.path */
    uint32_t *map_size_mb;             /* store.map_size_mb */
    uint32_t *request_log_max_age_h;   /* store.request_log_max_age_h */
    uint32_t *request_log_max_entries; /* store.request_log_max_entries */
};

/* authorizers */
struct raw_authorizers {
    char **keys;         /* authorizers.keys entries (hex) */
    unsigned keys_count; /* their number */
    uint32_t *required;  /* authorizers.required */
};

/* limits */
struct raw_limits {
    uint32_t *max_sessions;     /* limits.max_sessions */
    uint32_t *workers;          /* limits.workers */
    uint32_t *mailbox_capacity; /* limits.mailbox_capacity */
};

/* requests */
struct raw_requests {
    uint32_t *max_age_ms;      /* requests.max_age_ms */
    uint32_t *max_expiry_ms;   /* requests.max_expiry_ms */
    uint32_t *rate_per_s;      /* requests.rate_per_s */
    uint32_t *burst;           /* requests.burst */
    uint32_t *stream_max_msgs; /* requests.stream_max_msgs */
    uint32_t *stream_max_mb;   /* requests.stream_max_mb */
};

/* jetstream */
struct raw_jetstream {
    uint32_t *replicas;         /* jetstream.replicas */
    uint32_t *setup_timeout_ms; /* jetstream.setup_timeout_ms */
};

/* sign */
struct raw_sign {
    uint32_t *max_batch; /* sign.max_batch */
};

/* presign */
struct raw_presign {
    uint32_t *pool_size;      /* presign.pool_size */
    uint32_t *max_per_second; /* presign.max_per_second */
    char **signers;           /* presign.signers entries: "id,id,..." */
    unsigned signers_count;   /* their number */
};

/* timeouts_ms */
struct raw_timeouts {
    uint32_t *barrier;  /* timeouts_ms.barrier */
    uint32_t *keygen;   /* timeouts_ms.keygen */
    uint32_t *sign;     /* timeouts_ms.sign */
    uint32_t *reshare;  /* timeouts_ms.reshare */
    uint32_t *idle;     /* timeouts_ms.idle */
    uint32_t *drain;    /* timeouts_ms.drain */
    uint32_t *ack_wait; /* timeouts_ms.ack_wait */
};

/* retry */
struct raw_retry {
    uint32_t *max_attempts;       /* retry.max_attempts */
    uint32_t *base_ms;            /* retry.base_ms */
    uint32_t *cap_ms;             /* retry.cap_ms */
    uint32_t *jitter_pct;         /* retry.jitter_pct */
    uint32_t *per_try_timeout_ms; /* retry.per_try_timeout_ms */
};

/* http */
struct raw_http {
    char *listen;                   /* http.listen */
    char *token_file;               /* http.token_file */
    uint32_t *max_connections;      /* http.max_connections */
    uint32_t *connection_timeout_s; /* http.connection_timeout_s */
};

/* log */
struct raw_log {
    char *level;  /* log.level */
    char *format; /* log.format */
};

/* The whole file. */
struct raw_config {
    char *node_id;                       /* node_id */
    struct raw_nats *nats;               /* nats */
    struct raw_identity *identity;       /* identity */
    char *peers_file;                    /* peers_file */
    struct raw_store *store;             /* store */
    char **initiators;                   /* initiators entries (hex) */
    unsigned initiators_count;           /* their number */
    struct raw_authorizers *authorizers; /* authorizers */
    struct raw_requests *requests;       /* requests */
    struct raw_jetstream *jetstream;     /* jetstream */
    struct raw_sign *sign;               /* sign */
    struct raw_presign *presign;         /* presign */
    struct raw_limits *limits;           /* limits */
    struct raw_timeouts *timeouts_ms;    /* timeouts_ms */
    struct raw_retry *retry;             /* retry */
    struct raw_http *http;               /* http */
    struct raw_log *log;                 /* log */
};

/* The top-level schema (a pointer to struct raw_config). */
extern const cyaml_schema_value_t node_config_schema;

struct node_config_presign;

/*
 * config_presign.c: validates presign (r may be NULL: off) into *out.
 * Out: err — the message on failure.
 * Returns: MPC_OK; MPC_ERR_CONFIG (a number out of range);
 *          MPC_ERR_PRESIG_SET_SIZE; MPC_ERR_PRESIG_SET_ID.
 */
mpc_status node_config_presign_check(const node_config_yaml_doc *doc, char *err, size_t err_cap,
                                     const struct raw_presign *r, struct node_config_presign *out);

#endif /* MPC_NODE_CONFIG_CONFIG_SCHEMA_H */

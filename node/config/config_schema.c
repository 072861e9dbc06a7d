/*
 * config_schema.c — libcyaml schema of the mpc-node config file.
 */
#include "node/config/config_schema.h"

/* Every field is optional here; string lengths are checked by validation, with clear errors. */
#define OPT CYAML_FLAG_OPTIONAL
#define SEQ(n, s, m, e)                                                                            \
    CYAML_FIELD_SEQUENCE(n, CYAML_FLAG_POINTER | OPT, s, m, e, 0, CYAML_UNLIMITED)

static const cyaml_schema_value_t string_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, CYAML_UNLIMITED),
};

static const cyaml_schema_field_t tls_fields[] = {
    CYAML_FIELD_STRING_PTR("ca_file", OPT, struct raw_tls, ca_file, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("cert_file", OPT, struct raw_tls, cert_file, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("key_file", OPT, struct raw_tls, key_file, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t nats_fields[] = {
    SEQ("urls", struct raw_nats, urls, &string_entry),
    CYAML_FIELD_STRING_PTR("user", OPT, struct raw_nats, user, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("password", OPT, struct raw_nats, password, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("nkey_seed_file", OPT, struct raw_nats, nkey_seed_file, 0,
                           CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("creds_file", OPT, struct raw_nats, creds_file, 0, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("tls", OPT, struct raw_nats, tls, tls_fields),
    CYAML_FIELD_UINT_PTR("delivery_pool_size", OPT, struct raw_nats, delivery_pool_size),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t identity_fields[] = {
    CYAML_FIELD_STRING_PTR("key_file", OPT, struct raw_identity, key_file, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("passphrase_source", OPT, struct raw_identity, passphrase_source, 0,
                           CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("passphrase_file", OPT, struct raw_identity, passphrase_file, 0,
                           CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("passphrase_env", OPT, struct raw_identity, passphrase_env, 0,
                           CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("passphrase_credential", OPT, struct raw_identity, passphrase_credential,
                           0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t store_fields[] = {
    CYAML_FIELD_STRING_PTR("path", OPT, struct raw_store, path, 0, CYAML_UNLIMITED),
    CYAML_FIELD_UINT_PTR("map_size_mb", OPT, struct raw_store, map_size_mb),
    CYAML_FIELD_UINT_PTR("request_log_max_age_h", OPT, struct raw_store, request_log_max_age_h),
    CYAML_FIELD_UINT_PTR("request_log_max_entries", OPT, struct raw_store, request_log_max_entries),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t authorizers_fields[] = {
    SEQ("keys", struct raw_authorizers, keys, &string_entry),
    CYAML_FIELD_UINT_PTR("required", OPT, struct raw_authorizers, required),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t limits_fields[] = {
    CYAML_FIELD_UINT_PTR("max_sessions", OPT, struct raw_limits, max_sessions),
    CYAML_FIELD_UINT_PTR("workers", OPT, struct raw_limits, workers),
    CYAML_FIELD_UINT_PTR("mailbox_capacity", OPT, struct raw_limits, mailbox_capacity),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t requests_fields[] = {
    CYAML_FIELD_UINT_PTR("max_age_ms", OPT, struct raw_requests, max_age_ms),
    CYAML_FIELD_UINT_PTR("max_expiry_ms", OPT, struct raw_requests, max_expiry_ms),
    CYAML_FIELD_UINT_PTR("rate_per_s", OPT, struct raw_requests, rate_per_s),
    CYAML_FIELD_UINT_PTR("burst", OPT, struct raw_requests, burst),
    CYAML_FIELD_UINT_PTR("stream_max_msgs", OPT, struct raw_requests, stream_max_msgs),
    CYAML_FIELD_UINT_PTR("stream_max_mb", OPT, struct raw_requests, stream_max_mb),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t sign_fields[] = {
    CYAML_FIELD_UINT_PTR("max_batch", OPT, struct raw_sign, max_batch),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t presign_fields[] = {
    CYAML_FIELD_UINT_PTR("pool_size", OPT, struct raw_presign, pool_size),
    CYAML_FIELD_UINT_PTR("max_per_second", OPT, struct raw_presign, max_per_second),
    SEQ("signers", struct raw_presign, signers, &string_entry),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t jetstream_fields[] = {
    CYAML_FIELD_UINT_PTR("replicas", OPT, struct raw_jetstream, replicas),
    CYAML_FIELD_UINT_PTR("setup_timeout_ms", OPT, struct raw_jetstream, setup_timeout_ms),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t timeouts_fields[] = {
    CYAML_FIELD_UINT_PTR("barrier", OPT, struct raw_timeouts, barrier),
    CYAML_FIELD_UINT_PTR("keygen", OPT, struct raw_timeouts, keygen),
    CYAML_FIELD_UINT_PTR("sign", OPT, struct raw_timeouts, sign),
    CYAML_FIELD_UINT_PTR("reshare", OPT, struct raw_timeouts, reshare),
    CYAML_FIELD_UINT_PTR("idle", OPT, struct raw_timeouts, idle),
    CYAML_FIELD_UINT_PTR("drain", OPT, struct raw_timeouts, drain),
    CYAML_FIELD_UINT_PTR("ack_wait", OPT, struct raw_timeouts, ack_wait),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t retry_fields[] = {
    CYAML_FIELD_UINT_PTR("max_attempts", OPT, struct raw_retry, max_attempts),
    CYAML_FIELD_UINT_PTR("base_ms", OPT, struct raw_retry, base_ms),
    CYAML_FIELD_UINT_PTR("cap_ms", OPT, struct raw_retry, cap_ms),
    CYAML_FIELD_UINT_PTR("jitter_pct", OPT, struct raw_retry, jitter_pct),
    CYAML_FIELD_UINT_PTR("per_try_timeout_ms", OPT, struct raw_retry, per_try_timeout_ms),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t http_fields[] = {
    CYAML_FIELD_STRING_PTR("listen", OPT, struct raw_http, listen, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("token_file", OPT, struct raw_http, token_file, 0, CYAML_UNLIMITED),
    CYAML_FIELD_UINT_PTR("max_connections", OPT, struct raw_http, max_connections),
    CYAML_FIELD_UINT_PTR("connection_timeout_s", OPT, struct raw_http, connection_timeout_s),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t log_fields[] = {
    CYAML_FIELD_STRING_PTR("level", OPT, struct raw_log, level, 0, CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("format", OPT, struct raw_log, format, 0, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t top_fields[] = {
    CYAML_FIELD_STRING_PTR("node_id", OPT, struct raw_config, node_id, 0, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("nats", OPT, struct raw_config, nats, nats_fields),
    CYAML_FIELD_MAPPING_PTR("identity", OPT, struct raw_config, identity, identity_fields),
    CYAML_FIELD_STRING_PTR("peers_file", OPT, struct raw_config, peers_file, 0, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("store", OPT, struct raw_config, store, store_fields),
    SEQ("initiators", struct raw_config, initiators, &string_entry),
    CYAML_FIELD_MAPPING_PTR("authorizers", OPT, struct raw_config, authorizers, authorizers_fields),
    CYAML_FIELD_MAPPING_PTR("requests", OPT, struct raw_config, requests, requests_fields),
    CYAML_FIELD_MAPPING_PTR("jetstream", OPT, struct raw_config, jetstream, jetstream_fields),
    CYAML_FIELD_MAPPING_PTR("sign", OPT, struct raw_config, sign, sign_fields),
    CYAML_FIELD_MAPPING_PTR("presign", OPT, struct raw_config, presign, presign_fields),
    CYAML_FIELD_MAPPING_PTR("limits", OPT, struct raw_config, limits, limits_fields),
    CYAML_FIELD_MAPPING_PTR("timeouts_ms", OPT, struct raw_config, timeouts_ms, timeouts_fields),
    CYAML_FIELD_MAPPING_PTR("retry", OPT, struct raw_config, retry, retry_fields),
    CYAML_FIELD_MAPPING_PTR("http", OPT, struct raw_config, http, http_fields),
    CYAML_FIELD_MAPPING_PTR("log", OPT, struct raw_config, log, log_fields),
    CYAML_FIELD_END,
};

const cyaml_schema_value_t node_config_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, top_fields),
};

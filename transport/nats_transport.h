/*
 * nats_transport.h — the NATS implementation of transport.h (nats.c 3.4.1).
 *
 * One connection per node: SendAsap (no flusher delay), the library's global
 * message delivery pool (pool size configurable), infinite reconnect with
 * jitter, ping settings, and error / disconnected / reconnected / closed
 * handlers that log and count. Auth by user+password, nkey seed file or creds
 * file; optional TLS (CA, client cert/key).
 *
 * subscribe_confirmed = natsConnection_Subscribe + natsConnection_FlushTimeout;
 * if the server does not confirm in time the subscription is removed and the
 * call fails. Direct sends use the shared direct sender over an asynchronous
 * primitive: publish with a reply subject on the transport's wildcard inbox
 * subscription; the server's "no responders" status (503 header message, see
 * natsMsg_IsNoResponders) arrives there too, so no thread waits per attempt.
 *
 * Process lifetime: nats.c keeps global threads and memory. After the last
 * transport is destroyed, the process calls transport_nats_global_shutdown()
 * once (it calls nats_CloseAndWait) so that valgrind sees no leak. mpc-node
 * calls it in its shutdown path; tests and benches at the end of main.
 *
 * THREAD SAFETY: as transport.h. transport_nats_global_shutdown is not
 * thread-safe and must be the last nats call of the process.
 */
#ifndef MPC_TRANSPORT_NATS_TRANSPORT_H
#define MPC_TRANSPORT_NATS_TRANSPORT_H

#include <stdint.h>

#include "common/status.h"
#include "transport/direct_sender.h"
#include "transport/transport.h"

/* Connection settings. Strings are borrowed during create only. Zero = default. */
typedef struct {
    const char *servers;          /* comma-separated URLs, e.g. "nats://127.0.0.1:4222" */
    const char *name;             /* connection name shown by the server (node id) */
    const char *user;             /* user (with password) or NULL */
    const char *password;         /* password or NULL */
    const char *nkey_public;      /* nkey public key, or NULL to derive it from the seed */
    const char *nkey_seed_file;   /* file holding the nkey seed, or NULL */
    const char *creds_file;       /* chained JWT + seed creds file, or NULL */
    int tls;                      /* 1 = require TLS (implied by any tls_* file) */
    const char *tls_ca_file;      /* CA bundle to verify the server, or NULL */
    const char *tls_cert_file;    /* client certificate (with tls_key_file), or NULL */
    const char *tls_key_file;     /* client private key, or NULL */
    uint32_t delivery_pool_size;  /* global delivery threads, default 2 */
    uint32_t ping_interval_ms;    /* default 2000 */
    uint32_t max_pings_out;       /* default 3 */
    uint32_t reconnect_wait_ms;   /* default 250 */
    uint32_t reconnect_jitter_ms; /* default 100 (TLS too) */
    uint32_t reconnect_buf_bytes; /* bytes buffered while reconnecting, default 8 MiB */
    uint32_t connect_timeout_ms;  /* per connect attempt, default 2000 */
    uint32_t flush_timeout_ms;    /* subscribe confirmation, default 2000 */
    int retry_on_failed_connect;  /* 1 = create succeeds and keeps trying if the server is down */
    transport_direct_sender_config sender; /* direct-send policy and threads */
} transport_nats_config;

/* Fills *cfg with zeros and the defaults above (servers stays NULL). */
void transport_nats_config_default(transport_nats_config *cfg);

/*
 * Connects and creates the transport.
 * Out: *out — caller owns it; free with transport_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CONFIG (bad option such as a
 *          missing creds/TLS file), MPC_ERR_NOT_CONNECTED (server unreachable
 *          and retry_on_failed_connect off), MPC_ERR_PERMISSION (auth refused),
 *          MPC_ERR_NOMEM, MPC_ERR_NATS.
 */
MPC_MUST_CHECK mpc_status transport_nats_create(const transport_nats_config *cfg, transport **out);

/*
 * Waits until t (a NATS transport) is connected.
 * Returns: MPC_OK, MPC_ERR_TIMEOUT, MPC_ERR_CLOSED, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_nats_wait_connected(transport *t, uint64_t timeout_ms);

/*
 * The largest message the server accepts (its max_payload, announced at
 * connect), for bounds that depend on it (a batch sign, DESIGN §7.1).
 * Returns: the bytes, or 0 (not a NATS transport, or not connected yet).
 */
int64_t transport_nats_max_payload(transport *t);

/*
 * Releases nats.c's global resources (nats_CloseAndWait). Call once, after
 * every NATS transport was destroyed, as the last NATS call of the process.
 * Returns: MPC_OK, MPC_ERR_TIMEOUT (library threads still busy).
 */
mpc_status transport_nats_global_shutdown(uint64_t timeout_ms);

#endif /* MPC_TRANSPORT_NATS_TRANSPORT_H */

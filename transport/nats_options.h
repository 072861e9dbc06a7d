/*
 * nats_options.h — internal to the NATS transport: nats.c status
 * translation, configuration defaults and the auth/TLS options.
 *
 * THREAD SAFETY: pure functions (natsOptions objects are owned by the caller).
 */
#ifndef MPC_TRANSPORT_NATS_OPTIONS_H
#define MPC_TRANSPORT_NATS_OPTIONS_H

#include <nats/nats.h>

#include "common/status.h"
#include "transport/nats_transport.h"

/* Returns: the mpc_status for a nats.c status (the one place they are translated). */
mpc_status transport_nats_status(natsStatus s);

/* Out: *c — a copy of *user whose zero fields are replaced by the defaults. */
void transport_nats_config_fill(transport_nats_config *c, const transport_nats_config *user);

/*
 * Returns: 1 if cfg names at least one server and a password goes with a user,
 *          else 0 (shared by the session and JetStream connections).
 */
int transport_nats_config_check(const transport_nats_config *cfg);

/*
 * Applies user+password, nkey seed file (public key derived from the seed when
 * cfg->nkey_public is NULL), creds file and TLS settings of cfg to o.
 * Returns: the first failing nats.c status, NATS_OK otherwise.
 */
natsStatus transport_nats_options_auth(natsOptions *o, const transport_nats_config *cfg);

/* The connection event handlers of one connection (all get closure). */
typedef struct {
    natsErrHandler on_error;               /* asynchronous errors (logged, counted) */
    natsConnectionHandler on_disconnected; /* lost the server */
    natsConnectionHandler on_reconnected;  /* back */
    natsConnectionHandler on_closed;       /* final: the connection is closed */
    natsConnectionHandler on_connected;    /* first connect in the background (retry mode) */
    void *closure;                         /* passed to every handler */
    int global_delivery;                   /* 1 = the library's global delivery pool */
} transport_nats_handlers;

/*
 * The one NATS connection set-up, shared by the session transport and the
 * JetStream connection: servers, name, SendAsap, infinite reconnect with
 * jitter, pings, connect timeout, handlers, auth and TLS of cfg.
 * Out: *out — caller owns it; free with natsOptions_Destroy(). NULL on failure.
 * Returns: NATS_OK or the first failing nats.c status.
 */
natsStatus transport_nats_options_create(const transport_nats_config *cfg,
                                         const transport_nats_handlers *h, natsOptions **out);

#endif /* MPC_TRANSPORT_NATS_OPTIONS_H */

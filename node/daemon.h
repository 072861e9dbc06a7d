/*
 * daemon.h — the mpc-node daemon: startup, request intake, shutdown.
 *
 * `mpc-node -c FILE` (node/mpc_node_main.c) is node_daemon_main(). The steps:
 *   1. load the config (errors name file:line:col: key) and set up logging;
 *   2. load the passphrase (file, env or prompt), the identity key (refused
 *      if group/other can read it), the peers file (this node must be listed
 *      with its identity key);
 *   3. open the key store (a wrong passphrase exits non-zero, store untouched)
 *      and bind it to the identity; run tss_group_selftest();
 *   4. connect the session transport and the JetStream connection, create
 *      the streams and this node's durable consumer, start the session
 *      manager, the HTTP server, heartbeats and the status responder;
 *   5. run the intake loop until SIGTERM/SIGINT, then drain (DESIGN §6).
 * Before step 1 node_daemon_main turns core dumps off (node/process.h). Under
 * systemd ($NOTIFY_SOCKET) the daemon sends READY=1 when the intake loop
 * starts, WATCHDOG=1 every $WATCHDOG_USEC/2 while the node works, and
 * STOPPING=1 when the drain begins (node/notify.c, node/watchdog.h).
 *
 * Exit codes of node_daemon_main:
 *   0  clean shutdown (every session finished within the drain deadline)
 *   1  shutdown with sessions failed by the drain deadline (their requests
 *      were Nak'ed with delay and will be redelivered)
 *   2  usage error
 *   3  configuration error (config, peers, identity mismatch)
 *   4  secrets: wrong passphrase, identity file readable by others, corrupt key
 *   5  key store error
 *   6  NATS / JetStream / HTTP setup failed
 *   7  startup self-test failed
 *
 * HTTP (config http.listen): GET /healthz (200 "ok" while the process
 * runs), /readyz (200 when NATS is connected, JetStream answers, the store is
 * open and every peer was heard from (heartbeat) at least once since start;
 * 503 with the failing checks otherwise), /metrics (Prometheus text),
 * /sessions (session_manager_snapshot JSON).
 * NATS: mpc.n.<id>.status answers the same JSON; mpc.n.<id>.hb carries a
 * JSON heartbeat {"node","version","uptime_ms","live","permits_free"} every
 * NODE_DAEMON_HB_MS.
 *
 * THREAD SAFETY: node_daemon_request_stop is async-signal-safe and may be
 * called from any thread; the other functions belong to the thread that
 * created the daemon.
 */
#ifndef MPC_NODE_DAEMON_H
#define MPC_NODE_DAEMON_H

#include <stdint.h>

#include "common/status.h"
#include "node/store/passphrase.h"

#define NODE_DAEMON_VERSION "0.1.0"
#define NODE_DAEMON_HB_MS   1000u /* heartbeat period */

/* Exit codes of node_daemon_main (see above). */
enum node_daemon_exit {
    NODE_EXIT_OK = 0,
    NODE_EXIT_DRAIN_TIMEOUT = 1,
    NODE_EXIT_USAGE = 2,
    NODE_EXIT_CONFIG = 3,
    NODE_EXIT_SECRET = 4,
    NODE_EXIT_STORE = 5,
    NODE_EXIT_NATS = 6,
    NODE_EXIT_SELFTEST = 7,
};

typedef struct node_daemon node_daemon;

/* Options of node_daemon_create. Borrowed during the call. */
struct node_daemon_options {
    const char *config_path;           /* required */
    const node_store_passphrase *pass; /* optional: use this instead of the configured source */
};

/*
 * Runs every startup step (1-4 above).
 * Out: *out — caller owns it; free with node_daemon_destroy(). err — a
 *      readable message on failure. *exit_code — the NODE_EXIT_* to use on failure.
 * Returns: MPC_OK or the failing step's status.
 */
MPC_MUST_CHECK mpc_status node_daemon_create(const struct node_daemon_options *opt,
                                             node_daemon **out, int *exit_code, char *err,
                                             size_t err_cap);

/*
 * Runs the intake loop until node_daemon_request_stop, then drains.
 * Returns: MPC_OK (clean drain), MPC_ERR_TIMEOUT (sessions failed at the drain deadline).
 */
MPC_MUST_CHECK mpc_status node_daemon_run(node_daemon *d);

/* Asks the intake loop to re-read the config (log level, initiators,
 * authorizers) before its next fetch (async-signal-safe). Accepts NULL. */
void node_daemon_request_reload(node_daemon *d);

/* Asks the intake loop to stop (async-signal-safe, idempotent). */
void node_daemon_request_stop(node_daemon *d);

/* Stops every thread, closes the store and NATS, frees d. Accepts NULL. Does not call
 * transport_nats_global_shutdown (node_daemon_main does). */
void node_daemon_destroy(node_daemon *d);

/*
 * The whole program: parses argv (-c FILE, -h, --version), installs
 * SIGTERM/SIGINT handlers, creates, runs, destroys.
 * Returns: a NODE_EXIT_* code.
 */
int node_daemon_main(int argc, char **argv);

#endif /* MPC_NODE_DAEMON_H */

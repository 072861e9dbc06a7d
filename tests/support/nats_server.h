/*
 * nats_server.h — start and stop a private nats-server for tests and benches.
 *
 * Every test that needs NATS starts its own server: 127.0.0.1 only, a random
 * free port, JetStream on with its store in a fresh temp directory
 * (`nats-server -a 127.0.0.1 -p <port> -js -sd <dir>`), its log in
 * <dir>/server.log. start() returns once the server accepts TCP connections;
 * stop() sends SIGTERM, then SIGKILL after a grace period, and reaps the
 * process by pid; restart() starts it again on the same port and store (to
 * test reconnects); destroy() stops it and removes the temp directory. The
 * child gets PR_SET_PDEATHSIG so a crashed test does not leave a server.
 *
 * Usage:
 *   test_nats_server *srv = NULL;
 *   if (test_nats_server_start(NULL, &srv) != MPC_OK) ...;
 *   connect to test_nats_server_url(srv) ...
 *   test_nats_server_destroy(srv);
 *
 * Environment: $NATS_SERVER overrides the binary (default "nats-server" on PATH).
 *
 * THREAD SAFETY: none; one thread owns a server handle.
 */
#ifndef MPC_TESTS_SUPPORT_NATS_SERVER_H
#define MPC_TESTS_SUPPORT_NATS_SERVER_H

#include <stdint.h>
#include <sys/types.h>

#include "common/status.h"

typedef struct test_nats_server test_nats_server;

/* Start options; NULL = defaults. */
typedef struct {
    int jetstream;             /* 1 = -js -sd <tmpdir> (default when opts is NULL) */
    const char *const *extra;  /* extra arguments, NULL-terminated (e.g. --user u --pass p) */
    uint32_t ready_timeout_ms; /* wait for the port, 0 = 10000 */
} test_nats_server_opts;

/*
 * Starts a server on a random free loopback port.
 * Out: *out — caller owns it; free with test_nats_server_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_IO (temp dir,
 *          fork/exec), MPC_ERR_TIMEOUT (never accepted connections).
 */
MPC_MUST_CHECK mpc_status test_nats_server_start(const test_nats_server_opts *opts,
                                                 test_nats_server **out);

/* Returns: "nats://127.0.0.1:<port>" (borrowed, lives as long as s). */
const char *test_nats_server_url(const test_nats_server *s);

/* Returns: the TCP port. */
int test_nats_server_port(const test_nats_server *s);

/* Returns: the pid of the running server, or 0 when stopped. */
pid_t test_nats_server_pid(const test_nats_server *s);

/*
 * Stops the server (SIGTERM, SIGKILL after 5 s) and reaps it. No-op when stopped.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG.
 */
mpc_status test_nats_server_stop(test_nats_server *s);

/* Like stop, but SIGKILL at once (a crash). */
mpc_status test_nats_server_kill(test_nats_server *s);

/*
 * Starts the server again on the same port and store directory.
 * Returns: as test_nats_server_start.
 */
MPC_MUST_CHECK mpc_status test_nats_server_restart(test_nats_server *s);

/* Stops the server, removes its temp directory and frees s. Accepts NULL. */
void test_nats_server_destroy(test_nats_server *s);

#endif /* MPC_TESTS_SUPPORT_NATS_SERVER_H */

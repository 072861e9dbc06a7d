/*
 * daemon_cluster.h — a local mpc-node cluster for integration tests: a
 * private nats-server, N node identities, peers file, configs, and N real
 * `mpc-node` child processes (127.0.0.1 only), plus a JetStream client that
 * signs requests with an initiator key and collects per-node results.
 *
 * The server runs with users and permissions generated from the code's
 * permission table (transport_perm_conf_write, file nats.conf): one NATS
 * user per node (its node id) and the client user, random passwords.
 *
 * Files live in a fresh temp dir (removed on destroy): node-<i>.key (0600),
 * node-<i>.pass (0600), node-<i>.yaml, node-<i>.mdb, node-<i>.log (the
 * child's stderr), peers.txt. Children get MPC_NODE_TEST_WEAK_KDF=1 (fast
 * store KDF in test builds) and PR_SET_PDEATHSIG, and are stopped by pid.
 * The mpc-node binary is $MPC_BIN/mpc-node, else <build>/bin/mpc-node derived
 * from argv[0] (<build>/tests/integration/<test>).
 *
 * THREAD SAFETY: none; one test thread owns a cluster.
 */
#ifndef MPC_TESTS_SUPPORT_DAEMON_CLUSTER_H
#define MPC_TESTS_SUPPORT_DAEMON_CLUSTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/status.h"
#include "node/store/identity.h"
#include "proto/request.pb-c.h"
#include "proto/result.pb-c.h"
#include "tests/support/nats_server.h"
#include "transport/jetstream.h"

#define DC_MAX_NODES   8
#define DC_MAX_RESULTS 16

/* A test cluster. Fields are read by tests; change them only through the functions. */
typedef struct {
    test_nats_server *srv;                /* private nats-server */
    char *dir;                            /* temp dir with every file */
    char bin[512];                        /* mpc-node path */
    size_t n;                             /* nodes */
    char ids[DC_MAX_NODES][16];           /* "node-1".. */
    int http_port[DC_MAX_NODES];          /* HTTP ports */
    pid_t pid[DC_MAX_NODES];              /* running children (0 = stopped) */
    node_store_identity *initiator;       /* request signer */
    transport_js *client;                 /* client JetStream connection */
    uint64_t ack_wait_ms;                 /* configured AckWait */
    char nats_pass[DC_MAX_NODES + 1][40]; /* NATS passwords: nodes, then the client user */
    char *nats_conf;   /* server config path (owned: the server reads it on restart) */
    uint64_t epoch_ms; /* wall clock at dc_start: created_at of dc_request's requests */
} dc_cluster;

#define DC_NATS_CLIENT_USER "client" /* the client's NATS user */

/* Fills *nc to connect as the cluster's NATS client user (strings borrowed from c). */
void dc_client_nats_config(const dc_cluster *c, transport_nats_config *nc);

/* Collected result copies of one request. */
typedef struct {
    size_t count;                   /* results */
    Mpc__Result *r[DC_MAX_RESULTS]; /* decoded (owned) */
    char node[DC_MAX_RESULTS][32];  /* Mpc-Node header of each */
} dc_results;

/*
 * Writes every file and starts the server and n nodes (not waiting for readiness).
 * Returns: MPC_OK or the failing step's status (details on stderr).
 */
MPC_MUST_CHECK mpc_status dc_start(dc_cluster *c, size_t n, const char *argv0);

/*
 * dc_start, then waits (timeout_ms) until every node is ready; on a timeout
 * prints each node's log tail. The group set-up of the daemon suites.
 * Returns: MPC_OK, dc_start's status, or MPC_ERR_TIMEOUT.
 */
MPC_MUST_CHECK mpc_status dc_start_ready(dc_cluster *c, size_t n, const char *argv0,
                                         uint64_t timeout_ms);

/*
 * Stops node i (SIGTERM; it must exit 0) and starts it again with the
 * environment variable env=val for that start only (env NULL: none), then
 * waits (timeout_ms) until every node is ready.
 * Returns: 0, or -1 with the failing step on stderr.
 */
int dc_node_restart_env(dc_cluster *c, size_t i, const char *env, const char *val,
                        uint64_t timeout_ms);

/* Stops every child (SIGTERM, then SIGKILL), the server, removes files. Accepts NULL. */
void dc_destroy(dc_cluster *c);

/* Starts node i (again) with its config; 0 on success. */
int dc_node_spawn(dc_cluster *c, size_t i);

/* Sends sig to node i. Returns: the exit status (waitpid) if wait, else 0. */
int dc_node_signal(dc_cluster *c, size_t i, int sig, int wait);

/* Waits for node i to exit by itself. Returns: its exit status, -1 on timeout. */
int dc_node_wait_exit(dc_cluster *c, size_t i, uint64_t timeout_ms);

/* Returns: 1 if node i's /readyz answers code within timeout_ms. */
int dc_wait_readyz(dc_cluster *c, size_t i, int code, uint64_t timeout_ms);

/* Runs mpc-node with a config file and waits; Returns: its exit code (-1 on spawn failure). */
int dc_run_node_config(dc_cluster *c, const char *config_path, uint64_t timeout_ms);

/* Waits until every running node's /readyz answers 200. Returns 1 if so in time. */
int dc_wait_ready(dc_cluster *c, uint64_t timeout_ms);

/* HTTP GET 127.0.0.1:port path. Out: *body malloc'ed (may be NULL). Returns: status, -1 on error.
 */
int dc_http_get(int port, const char *path, char **body);

/*
 * Reads /metrics of the node on `port`. `series` is the start of a sample line
 * up to the value, e.g. "mpc_requests_republished_total ".
 * Returns: the value, or -1 if the node did not answer or has no such line.
 */
long long dc_metric(int port, const char *series);

/*
 * Polls dc_metric() every 20 ms until it equals want or timeout_ms passed: a
 * node publishes a result before it counts it, so a reader that just got the
 * result may see the counter a moment early. Returns: the last value read.
 */
long long dc_metric_until(int port, const char *series, long long want, uint64_t timeout_ms);

/*
 * Signs req with the initiator (and no approvals; created_at_ms 0 is set to
 * c->epoch_ms, so equal requests encode equally), publishes it to mpc.req.<op>
 * with Nats-Msg-Id msg_id (NULL = the hash of the signed bytes) and Mpc-Client,
 * and collects result copies until `expect` arrived or timeout_ms passed.
 * Out: *res (cleared first; free with dc_results_clear); *ms latency until
 *      the last expected copy (may be NULL).
 * Returns: MPC_OK (expect copies), MPC_ERR_TIMEOUT (fewer), other errors.
 */
MPC_MUST_CHECK mpc_status dc_request(dc_cluster *c, const Mpc__Request *req, const char *msg_id,
                                     size_t expect, uint64_t timeout_ms, dc_results *res,
                                     uint64_t *ms);

/* Publishes raw bytes as a request (for malformed input; msg_id NULL = the hash of
 * the bytes) and collects like dc_request (expect 0: returns once published). */
MPC_MUST_CHECK mpc_status dc_request_raw(dc_cluster *c, const char *subject, const uint8_t *data,
                                         size_t len, const char *msg_id, const char *request_id,
                                         size_t expect, uint64_t timeout_ms, dc_results *res);

/* Collects more copies of request_id (from the stream start) until expect total. */
MPC_MUST_CHECK mpc_status dc_collect(dc_cluster *c, const char *request_id, size_t expect,
                                     uint64_t timeout_ms, dc_results *res);

/* Frees collected results. */
void dc_results_clear(dc_results *res);

/* Prints the last lines of node i's log to stderr (diagnostics). */
void dc_dump_log(dc_cluster *c, size_t i);

#endif /* MPC_TESTS_SUPPORT_DAEMON_CLUSTER_H */

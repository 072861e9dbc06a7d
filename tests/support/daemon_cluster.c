/*
 * daemon_cluster.c — local mpc-node cluster for integration tests (see
 * daemon_cluster.h).
 */
#include "tests/support/daemon_cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/secmem.h"
#include "node/client/request.h"
#include "node/store/seal.h"
#include "tests/support/node_fixture.h"
#include "transport/subject.h"
#include "transport/subject_perm.h"
#include "transport/transport.h"

#define DC_CLIENT  "itest"
#define DC_POLL_MS 50

static void
dc_nap(uint64_t ms)
{
    /* Polling a child process for readiness has no event to wait on. */
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int
free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

static void
find_bin(dc_cluster *c, const char *argv0)
{
    const char *env = getenv("MPC_BIN");
    if (env != NULL && env[0] != '\0') {
        snprintf(c->bin, sizeof c->bin, "%s/mpc-node", env);
        return;
    }
    /* <build>/tests/integration/<name> -> <build>/bin/mpc-node */
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%.399s", argv0);
    char *p = strstr(tmp, "/tests/integration/");
    if (p != NULL) {
        *p = '\0';
        snprintf(c->bin, sizeof c->bin, "%s/bin/mpc-node", tmp);
    } else {
        snprintf(c->bin, sizeof c->bin, "build/asan/bin/mpc-node");
    }
}

/* Returns: malloc'ed "<dir>/node-<i+1><suffix>". */
static char *
dc_path(dc_cluster *c, const char *suffix, size_t i)
{
    char name[64];
    snprintf(name, sizeof name, "node-%u%s", (unsigned)(i + 1), suffix);
    return node_fixture_path(c->dir, name);
}

/* Writes node i's identity, passphrase file and config; appends its peers line. */
static mpc_status
write_node(dc_cluster *c, size_t i, const char *init_hex, FILE *peers)
{
    char pass[32], err[256], pk_hex[65], yaml[2048];
    node_store_identity *id = NULL;
    snprintf(pass, sizeof pass, "pass-%s", c->ids[i]);
    char *key = dc_path(c, ".key", i), *pf = dc_path(c, ".pass", i);
    char *cfg = dc_path(c, ".yaml", i);
    mpc_status st = node_store_identity_create(key, pass, strlen(pass), &NODE_STORE_KDF_TEST_MIN,
                                               &id, err, sizeof err);
    if (st == MPC_OK && node_fixture_write(pf, pass, 0600) != 0) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        st = mpc_hex_encode(pk_hex, sizeof pk_hex, node_store_identity_public_key(id), 32);
    }
    if (st == MPC_OK) {
        fprintf(peers, "%s %s\n", c->ids[i], pk_hex);
        snprintf(yaml, sizeof yaml,
                 "node_id: %s\n"
                 "nats:\n  urls: [\"%s\"]\n  delivery_pool_size: 2\n"
                 "  user: %s\n  password: %s\n"
                 "identity:\n  key_file: node-%u.key\n  passphrase_source: file\n"
                 "  passphrase_file: node-%u.pass\n"
                 "peers_file: peers.txt\n"
                 "store:\n  path: node-%u.mdb\n  map_size_mb: 64\n"
                 "initiators:\n  - %s\n"
                 "requests:\n  max_age_ms: 3600000\n"
                 "limits:\n  max_sessions: 16\n  workers: 2\n  mailbox_capacity: 256\n"
                 "timeouts_ms:\n  barrier: 5000\n  keygen: 60000\n  sign: 30000\n"
                 "  reshare: 60000\n  idle: 30000\n  drain: 5000\n  ack_wait: %llu\n"
                 "retry:\n  max_attempts: 10\n  base_ms: 50\n  cap_ms: 500\n"
                 "http:\n  listen: 127.0.0.1:%d\n"
                 "log:\n  level: info\n",
                 c->ids[i], test_nats_server_url(c->srv), c->ids[i], c->nats_pass[i],
                 (unsigned)(i + 1), (unsigned)(i + 1), (unsigned)(i + 1), init_hex,
                 (unsigned long long)c->ack_wait_ms, c->http_port[i]);
        st = node_fixture_write(cfg, yaml, 0600) == 0 ? MPC_OK : MPC_ERR_IO;
    }
    if (st != MPC_OK) {
        fprintf(stderr, "dc: node %zu files: %s %s\n", i, mpc_status_name(st), err);
    }
    node_store_identity_destroy(id);
    free(key);
    free(pf);
    free(cfg);
    return st;
}

static pid_t
spawn(dc_cluster *c, const char *cfg, const char *log)
{
    pid_t pid = fork();
    if (pid != 0) {
        return pid;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    setenv("MPC_NODE_TEST_WEAK_KDF", "1", 1);
    execl(c->bin, "mpc-node", "-c", cfg, (char *)NULL);
    _exit(127);
}

int
dc_node_spawn(dc_cluster *c, size_t i)
{
    char *cfg = dc_path(c, ".yaml", i), *log = dc_path(c, ".log", i);
    c->pid[i] = spawn(c, cfg, log);
    free(cfg);
    free(log);
    return c->pid[i] > 0 ? 0 : -1;
}

int
dc_run_node_config(dc_cluster *c, const char *cfg, uint64_t timeout_ms)
{
    char *log = node_fixture_path(c->dir, "extra.log");
    pid_t pid = spawn(c, cfg, log);
    free(log);
    if (pid <= 0) {
        return -1;
    }
    int status = 0;
    uint64_t until = mpc_clock_mono_ms() + timeout_ms;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (mpc_clock_mono_ms() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        dc_nap(DC_POLL_MS);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
dc_node_signal(dc_cluster *c, size_t i, int sig, int wait)
{
    int status = 0;
    if (c->pid[i] <= 0) {
        return -1;
    }
    kill(c->pid[i], sig);
    if (!wait) {
        return 0;
    }
    waitpid(c->pid[i], &status, 0);
    c->pid[i] = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
dc_node_wait_exit(dc_cluster *c, size_t i, uint64_t timeout_ms)
{
    int status = 0;
    uint64_t until = mpc_clock_mono_ms() + timeout_ms;
    if (c->pid[i] <= 0) {
        return -1;
    }
    while (waitpid(c->pid[i], &status, WNOHANG) == 0) {
        if (mpc_clock_mono_ms() > until) {
            return -1;
        }
        dc_nap(DC_POLL_MS);
    }
    c->pid[i] = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
dc_wait_readyz(dc_cluster *c, size_t i, int code, uint64_t timeout_ms)
{
    uint64_t until = mpc_clock_mono_ms() + timeout_ms;
    while (dc_http_get(c->http_port[i], "/readyz", NULL) != code) {
        if (mpc_clock_mono_ms() > until) {
            return 0;
        }
        dc_nap(DC_POLL_MS);
    }
    return 1;
}

/* Writes nats.conf: the users of the permission table with random passwords. */
static mpc_status
write_nats_conf(dc_cluster *c, char **path)
{
    const char *nodes[DC_MAX_NODES], *pass[DC_MAX_NODES + 1];
    uint8_t rnd[16];
    for (size_t i = 0; i <= c->n; i++) {
        if (mpc_random_bytes(rnd, sizeof rnd) != MPC_OK) {
            return MPC_ERR_RANDOM;
        }
        memcpy(c->nats_pass[i], "pw", 2); /* a leading letter: nats-server reads a string */
        if (mpc_hex_encode(c->nats_pass[i] + 2, sizeof c->nats_pass[i] - 2, rnd, sizeof rnd) !=
            MPC_OK) {
            return MPC_ERR_INTERNAL;
        }
        pass[i] = c->nats_pass[i];
        if (i < c->n) {
            snprintf(c->ids[i], sizeof c->ids[i], "node-%u", (unsigned)(i + 1));
            nodes[i] = c->ids[i];
        }
    }
    *path = node_fixture_path(c->dir, "nats.conf");
    FILE *f = *path != NULL ? fopen(*path, "w") : NULL;
    if (f == NULL) {
        return MPC_ERR_IO;
    }
    mpc_status st = fprintf(f, "authorization {\n") < 0 ? MPC_ERR_IO : MPC_OK;
    if (st == MPC_OK) {
        st = transport_perm_conf_write(f, nodes, c->n, DC_NATS_CLIENT_USER, pass);
    }
    if (fprintf(f, "}\n") < 0 || fclose(f) != 0) {
        st = MPC_ERR_IO;
    }
    return st;
}

void
dc_client_nats_config(const dc_cluster *c, transport_nats_config *nc)
{
    transport_nats_config_default(nc);
    nc->servers = test_nats_server_url(c->srv);
    nc->name = DC_CLIENT;
    nc->user = DC_NATS_CLIENT_USER;
    nc->password = c->nats_pass[c->n];
}

mpc_status
dc_start(dc_cluster *c, size_t n, const char *argv0)
{
    char init_hex[65];
    memset(c, 0, sizeof *c);
    if (n == 0 || n > DC_MAX_NODES) {
        return MPC_ERR_INVALID_ARG;
    }
    c->n = n;
    c->ack_wait_ms = 4000;
    c->epoch_ms = mpc_clock_wall_ms();
    find_bin(c, argv0);
    c->dir = node_fixture_tmpdir_create();
    mpc_status st = c->dir != NULL ? write_nats_conf(c, &c->nats_conf) : MPC_ERR_IO;
    if (st == MPC_OK) {
        const char *extra[] = {"-c", c->nats_conf, NULL}; /* the strings must outlive srv */
        test_nats_server_opts so = {.jetstream = 1, .extra = extra};
        st = test_nats_server_start(&so, &c->srv);
    }
    if (st == MPC_OK) {
        st = node_store_identity_generate(&c->initiator);
    }
    char *peers_path = c->dir != NULL ? node_fixture_path(c->dir, "peers.txt") : NULL;
    FILE *peers = peers_path != NULL && st == MPC_OK ? fopen(peers_path, "w") : NULL;
    if (st == MPC_OK && peers == NULL) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        st = mpc_hex_encode(init_hex, sizeof init_hex, node_store_identity_public_key(c->initiator),
                            32);
    }
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        snprintf(c->ids[i], sizeof c->ids[i], "node-%u", (unsigned)(i + 1));
        c->http_port[i] = free_port();
        st = write_node(c, i, init_hex, peers);
    }
    if (peers != NULL) {
        fclose(peers);
    }
    free(peers_path);
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        st = dc_node_spawn(c, i) == 0 ? MPC_OK : MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        transport_nats_config nc;
        dc_client_nats_config(c, &nc);
        st = transport_js_connect(&nc, &c->client);
    }
    return st;
}

void
dc_destroy(dc_cluster *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (c->pid[i] > 0) {
            kill(c->pid[i], SIGTERM);
            uint64_t until = mpc_clock_mono_ms() + 15000;
            int status;
            while (waitpid(c->pid[i], &status, WNOHANG) == 0 && mpc_clock_mono_ms() < until) {
                dc_nap(DC_POLL_MS);
            }
            if (kill(c->pid[i], 0) == 0) {
                kill(c->pid[i], SIGKILL);
                waitpid(c->pid[i], &status, 0);
            }
            c->pid[i] = 0;
        }
    }
    transport_js_destroy(c->client);
    node_store_identity_destroy(c->initiator);
    test_nats_server_destroy(c->srv);
    free(c->nats_conf);
    c->nats_conf = NULL;
    if (getenv("MPC_KEEP_TMP") == NULL) {
        node_fixture_tmpdir_remove(c->dir);
    } else {
        fprintf(stderr, "dc: kept %s\n", c->dir);
        free(c->dir);
    }
    memset(c, 0, sizeof *c);
}

int
dc_http_get(int port, const char *path, char **body)
{
    char req[256], buf[1 << 16];
    size_t got = 0;
    if (body != NULL) {
        *body = NULL;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 3};
    if (fd < 0) {
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
        if (r <= 0 || (got += (size_t)r) >= sizeof buf - 1) {
            break;
        }
    }
    close(fd);
    buf[got] = '\0';
    int code = -1;
    if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1) {
        return -1;
    }
    char *b = strstr(buf, "\r\n\r\n");
    if (body != NULL && b != NULL) {
        *body = strdup(b + 4);
    }
    return code;
}

long long
dc_metric(int port, const char *series)
{
    char *body = NULL;
    long long v = -1;
    if (dc_http_get(port, "/metrics", &body) == 200 && body != NULL) {
        char line[256];
        snprintf(line, sizeof line, "\n%s", series); /* a sample line, not # HELP */
        char *p = strstr(body, line);
        if (p != NULL) {
            v = strtoll(p + strlen(line), NULL, 10);
        }
    }
    free(body);
    return v;
}

long long
dc_metric_until(int port, const char *series, long long want, uint64_t timeout_ms)
{
    uint64_t until = mpc_clock_mono_ms() + timeout_ms;
    long long v = dc_metric(port, series);
    while (v != want && mpc_clock_mono_ms() < until) {
        struct timespec ts = {.tv_nsec = 20 * 1000000};
        nanosleep(&ts, NULL);
        v = dc_metric(port, series);
    }
    return v;
}

int
dc_wait_ready(dc_cluster *c, uint64_t timeout_ms)
{
    uint64_t until = mpc_clock_mono_ms() + timeout_ms;
    for (;;) {
        size_t ready = 0, running = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (c->pid[i] > 0) {
                running++;
                ready += dc_http_get(c->http_port[i], "/readyz", NULL) == 200;
            }
        }
        if (ready == running) {
            return 1;
        }
        if (mpc_clock_mono_ms() > until) {
            return 0;
        }
        dc_nap(100);
    }
}

mpc_status
dc_start_ready(dc_cluster *c, size_t n, const char *argv0, uint64_t timeout_ms)
{
    mpc_status st = dc_start(c, n, argv0);
    if (st != MPC_OK) {
        return st;
    }
    if (!dc_wait_ready(c, timeout_ms)) {
        for (size_t i = 0; i < c->n; i++) {
            dc_dump_log(c, i);
        }
        return MPC_ERR_TIMEOUT;
    }
    return MPC_OK;
}

int
dc_node_restart_env(dc_cluster *c, size_t i, const char *env, const char *val, uint64_t timeout_ms)
{
    int ex = dc_node_signal(c, i, SIGTERM, 1);
    if (ex != 0) { /* NODE_EXIT_OK */
        fprintf(stderr, "restart node %zu: exit status %d on SIGTERM\n", i, ex);
        return -1;
    }
    if (env != NULL) {
        setenv(env, val, 1);
    }
    int sp = dc_node_spawn(c, i);
    if (env != NULL) {
        unsetenv(env);
    }
    if (sp != 0) {
        fprintf(stderr, "restart node %zu: spawn failed\n", i);
        return -1;
    }
    if (!dc_wait_ready(c, timeout_ms)) {
        fprintf(stderr, "restart node %zu: not ready in %llu ms\n", i,
                (unsigned long long)timeout_ms);
        dc_dump_log(c, i);
        return -1;
    }
    return 0;
}

void
dc_results_clear(dc_results *res)
{
    for (size_t i = 0; i < res->count; i++) {
        mpc__result__free_unpacked(res->r[i], NULL);
    }
    memset(res, 0, sizeof *res);
}

/* Reads copies from w until res holds expect. */
static mpc_status
collect_from(transport_js_results *w, size_t expect, uint64_t timeout_ms, dc_results *res,
             uint64_t t0, uint64_t *ms)
{
    uint64_t until = mpc_clock_mono_ms() + timeout_ms;
    while (res->count < expect && res->count < DC_MAX_RESULTS) {
        uint64_t now = mpc_clock_mono_ms();
        if (now >= until) {
            return MPC_ERR_TIMEOUT;
        }
        transport_js_msg *m = NULL;
        mpc_status st = transport_js_results_next(w, &m, until - now);
        if (st == MPC_ERR_TIMEOUT) {
            continue;
        }
        if (st != MPC_OK) {
            return st;
        }
        size_t len = 0;
        const uint8_t *d = transport_js_msg_data(m, &len);
        Mpc__Result *r = mpc__result__unpack(NULL, len, d);
        if (r != NULL) {
            size_t k = res->count++;
            res->r[k] = r;
            if (transport_js_msg_header(m, TRANSPORT_JS_HDR_NODE, res->node[k],
                                        sizeof res->node[k]) != MPC_OK) {
                res->node[k][0] = '\0';
            }
        }
        transport_js_msg_destroy(m);
    }
    if (ms != NULL) {
        *ms = mpc_clock_mono_ms() - t0;
    }
    return MPC_OK;
}

mpc_status
dc_collect(dc_cluster *c, const char *request_id, size_t expect, uint64_t timeout_ms,
           dc_results *res)
{
    transport_js_results *w = NULL;
    dc_results_clear(res);
    mpc_status st = transport_js_results_watch(c->client, DC_CLIENT, request_id, &w);
    if (st == MPC_OK) {
        st = collect_from(w, expect, timeout_ms, res, mpc_clock_mono_ms(), NULL);
    }
    transport_js_results_destroy(w);
    return st;
}

mpc_status
dc_request_raw(dc_cluster *c, const char *subject, const uint8_t *data, size_t len,
               const char *msg_id, const char *request_id, size_t expect, uint64_t timeout_ms,
               dc_results *res)
{
    transport_js_results *w = NULL;
    char hash_id[NODE_CLIENT_REQUEST_MSG_ID_LEN + 1] = "";
    memset(res, 0, sizeof *res);
    mpc_status st = transport_js_results_watch(c->client, DC_CLIENT, request_id, &w);
    transport_js_header h = {TRANSPORT_JS_HDR_CLIENT, DC_CLIENT};
    if (st == MPC_OK && msg_id == NULL) {
        st = node_client_request_msg_id(hash_id, sizeof hash_id, data, len);
    }
    if (st == MPC_OK) {
        st = transport_js_publish(c->client, subject, data, len, msg_id != NULL ? msg_id : hash_id,
                                  &h, 1, 5000, NULL);
    }
    if (st == MPC_OK) {
        st = collect_from(w, expect, timeout_ms, res, mpc_clock_mono_ms(), NULL);
    }
    transport_js_results_destroy(w);
    return st;
}

mpc_status
dc_request(dc_cluster *c, const Mpc__Request *req, const char *msg_id, size_t expect,
           uint64_t timeout_ms, dc_results *res, uint64_t *ms)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    char subject[TRANSPORT_SUBJECT_MAX];
    transport_js_results *w = NULL;
    memset(res, 0, sizeof *res);
    Mpc__Request r = *req;
    r.client_id = (char *)DC_CLIENT;
    if (r.created_at_ms == 0) { /* the same request built twice gives the same bytes */
        r.created_at_ms = c->epoch_ms;
    }
    mpc_status st = node_client_request_build(&r, c->initiator, NULL, 0, &bytes, &len);
    mpc_status sst = transport_subject_build(
        subject, sizeof subject, TRANSPORT_SUBJ_REQUEST,
        node_client_request_op_name(r.body_case == MPC__REQUEST__BODY_KEYGEN ? MPC__OP__OP_KEYGEN
                                    : r.body_case == MPC__REQUEST__BODY_SIGN ? MPC__OP__OP_SIGN
                                                                             : MPC__OP__OP_RESHARE),
        NULL, NULL);
    if (st == MPC_OK) {
        st = sst;
    }
    if (st == MPC_OK) {
        st = transport_js_results_watch(c->client, DC_CLIENT, r.request_id, &w);
    }
    uint64_t t0 = mpc_clock_mono_ms();
    transport_js_header h = {TRANSPORT_JS_HDR_CLIENT, DC_CLIENT};
    char hash_id[NODE_CLIENT_REQUEST_MSG_ID_LEN + 1] = "";
    if (st == MPC_OK) {
        st = node_client_request_msg_id(hash_id, sizeof hash_id, bytes, len);
    }
    if (st == MPC_OK) {
        st = transport_js_publish(c->client, subject, bytes, len, msg_id != NULL ? msg_id : hash_id,
                                  &h, 1, 5000, NULL);
    }
    if (st == MPC_OK) {
        st = collect_from(w, expect, timeout_ms, res, t0, ms);
    }
    transport_js_results_destroy(w);
    free(bytes);
    return st;
}

void
dc_dump_log(dc_cluster *c, size_t i)
{
    char *log = dc_path(c, ".log", i);
    size_t len = 0;
    uint8_t *text = node_fixture_read(log, &len);
    free(log);
    if (text == NULL) {
        return;
    }
    size_t from = len > 6000 ? len - 6000 : 0;
    fprintf(stderr, "---- tail of %s log ----\n%s\n----\n", c->ids[i], (char *)text + from);
    free(text);
}

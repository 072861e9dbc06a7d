/*
 * nats_server.c — see nats_server.h.
 *
 * DESIGN: the port is found by binding 127.0.0.1:0 and closing the socket;
 * another process could take it in between, so start retries with a new port
 * if the server exits before it accepts connections. Readiness is a bounded
 * loop of TCP connects (there is no event to wait on), checking with
 * waitpid(WNOHANG) that the child is still alive.
 */
#include "tests/support/nats_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#define TNS_MAX_ARGS      64
#define TNS_START_TRIES   5
#define TNS_STOP_GRACE_MS 5000

struct test_nats_server {
    pid_t pid;                       /* running server, 0 when stopped */
    int port;                        /* TCP port on 127.0.0.1 */
    char url[64];                    /* nats://127.0.0.1:<port> */
    char dir[256];                   /* temp dir: store and log */
    int jetstream;                   /* -js -sd dir */
    const char *extra[TNS_MAX_ARGS]; /* extra arguments (borrowed strings) */
    uint32_t ready_timeout_ms;       /* readiness bound */
};

static int
tns_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
}

static int
tns_can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static void
tns_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* Forks and execs nats-server on s->port. */
static mpc_status
tns_spawn(test_nats_server *s)
{
    char port[16], logf[300];
    const char *argv[TNS_MAX_ARGS + 16];
    size_t n = 0;
    const char *bin = getenv("NATS_SERVER") ? getenv("NATS_SERVER") : "nats-server";
    snprintf(port, sizeof port, "%d", s->port);
    snprintf(logf, sizeof logf, "%s/server.log", s->dir);
    argv[n++] = bin;
    argv[n++] = "-a";
    argv[n++] = "127.0.0.1";
    argv[n++] = "-p";
    argv[n++] = port;
    argv[n++] = "-l";
    argv[n++] = logf;
    if (s->jetstream) {
        argv[n++] = "-js";
        argv[n++] = "-sd";
        argv[n++] = s->dir;
    }
    for (size_t i = 0; i < TNS_MAX_ARGS && s->extra[i] != NULL; i++) {
        argv[n++] = s->extra[i];
    }
    argv[n] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        return MPC_ERR_IO;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(127);
        }
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execvp(bin, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    return MPC_OK;
}

/* Waits until the port accepts or the child dies. */
static mpc_status
tns_wait_ready(test_nats_server *s)
{
    uint64_t deadline = mpc_clock_deadline_ns(s->ready_timeout_ms);
    unsigned pause = 5;
    while (mpc_clock_mono_ns() < deadline) {
        int status = 0;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return MPC_ERR_IO;
        }
        if (tns_can_connect(s->port)) {
            return MPC_OK;
        }
        tns_sleep_ms(pause);
        pause = pause < 50 ? pause * 2 : 50;
    }
    return MPC_ERR_TIMEOUT;
}

static mpc_status
tns_signal_and_reap(test_nats_server *s, int first_sig)
{
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (s->pid == 0) {
        return MPC_OK;
    }
    kill(s->pid, first_sig);
    uint64_t deadline = mpc_clock_deadline_ns(TNS_STOP_GRACE_MS);
    for (;;) {
        int status = 0;
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid || (r < 0 && errno == ECHILD)) {
            break;
        }
        if (mpc_clock_mono_ns() >= deadline) {
            kill(s->pid, SIGKILL);
            (void)waitpid(s->pid, &status, 0);
            break;
        }
        tns_sleep_ms(5);
    }
    s->pid = 0;
    return MPC_OK;
}

mpc_status
test_nats_server_stop(test_nats_server *s)
{
    return tns_signal_and_reap(s, SIGTERM);
}

mpc_status
test_nats_server_kill(test_nats_server *s)
{
    return tns_signal_and_reap(s, SIGKILL);
}

mpc_status
test_nats_server_restart(test_nats_server *s)
{
    if (s == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    (void)test_nats_server_stop(s);
    /* The old listener may linger a moment after the process is reaped. */
    mpc_status st = MPC_ERR_IO;
    for (int i = 0; i < TNS_START_TRIES && st != MPC_OK; i++) {
        st = tns_spawn(s);
        if (st == MPC_OK) {
            st = tns_wait_ready(s);
        }
        if (st != MPC_OK) {
            (void)test_nats_server_kill(s);
            tns_sleep_ms(100);
        }
    }
    return st;
}

mpc_status
test_nats_server_start(const test_nats_server_opts *opts, test_nats_server **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    test_nats_server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    s->jetstream = opts != NULL ? opts->jetstream : 1;
    s->ready_timeout_ms = opts != NULL && opts->ready_timeout_ms ? opts->ready_timeout_ms : 10000;
    for (size_t i = 0; opts != NULL && opts->extra != NULL && opts->extra[i] != NULL; i++) {
        if (i + 1 >= TNS_MAX_ARGS) {
            free(s);
            return MPC_ERR_INVALID_ARG;
        }
        s->extra[i] = opts->extra[i];
    }
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(s->dir, sizeof s->dir, "%s/mpc-nats-XXXXXX", tmp);
    if (mkdtemp(s->dir) == NULL) {
        free(s);
        return MPC_ERR_IO;
    }
    mpc_status st = MPC_ERR_IO;
    for (int i = 0; i < TNS_START_TRIES && st != MPC_OK; i++) {
        s->port = tns_free_port();
        if (s->port <= 0) {
            continue;
        }
        st = tns_spawn(s);
        if (st == MPC_OK) {
            st = tns_wait_ready(s);
        }
        if (st != MPC_OK) {
            (void)test_nats_server_kill(s);
        }
    }
    if (st != MPC_OK) {
        test_nats_server_destroy(s);
        return st;
    }
    snprintf(s->url, sizeof s->url, "nats://127.0.0.1:%d", s->port);
    *out = s;
    return MPC_OK;
}

const char *
test_nats_server_url(const test_nats_server *s)
{
    return s->url;
}

int
test_nats_server_port(const test_nats_server *s)
{
    return s->port;
}

pid_t
test_nats_server_pid(const test_nats_server *s)
{
    return s->pid;
}

static int
tns_rm(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

void
test_nats_server_destroy(test_nats_server *s)
{
    if (s == NULL) {
        return;
    }
    (void)test_nats_server_stop(s);
    if (s->dir[0] != '\0') {
        (void)nftw(s->dir, tns_rm, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(s);
}

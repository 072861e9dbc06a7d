/*
 * test_daemon_watchdog.c — three real mpc-node processes started as systemd
 * would start them with Type=notify and WatchdogSec: $NOTIFY_SOCKET names a
 * test notify socket (AF_UNIX datagram, sender pids from SCM_CREDENTIALS)
 * and $WATCHDOG_USEC is 3 s.
 *   1. every node sends READY=1, then WATCHDOG=1 again and again; its core
 *      dumps are off (/proc/<pid>/limits: core size 0);
 *   2. node-1 restarted with the test hook MPC_NODE_TEST_HANG=* (its session
 *      workers hang in the first protocol step) stops pinging once a keygen
 *      reaches it, while the other nodes keep pinging; at SIGTERM it sends
 *      STOPPING=1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/status.h"
#include "tests/support/daemon_cluster.h"
#include "transport/nats_transport.h"

#define WAIT_MS    60000u
#define WD_USEC    "3000000"
#define WD_MS      3000u
#define MAX_STATES 4

static dc_cluster g_c;
static const char *g_argv0;
static int g_fd = -1; /* the notify socket */

/* What arrived from one pid. */
typedef struct {
    pid_t pid;             /* sender */
    int ready;             /* READY=1 seen */
    int stopping;          /* STOPPING=1 seen */
    uint64_t pings;        /* WATCHDOG=1 count */
    uint64_t last_ping_ms; /* monotonic time of the last WATCHDOG=1 */
} sender;

static sender g_from[16];

static sender *
sender_of(pid_t pid)
{
    for (size_t i = 0; i < 16; i++) {
        if (g_from[i].pid == pid) {
            return &g_from[i];
        }
    }
    for (size_t i = 0; i < 16; i++) {
        if (g_from[i].pid == 0) {
            g_from[i].pid = pid;
            return &g_from[i];
        }
    }
    fail_msg("too many senders");
    return NULL;
}

/* Receives notifications for up to ms; records them by sender pid. */
static void
pump(int ms)
{
    uint64_t until = mpc_clock_mono_ms() + (uint64_t)ms;
    for (;;) {
        uint64_t now = mpc_clock_mono_ms();
        struct pollfd p = {.fd = g_fd, .events = POLLIN};
        if (now >= until || poll(&p, 1, (int)(until - now)) != 1) {
            return;
        }
        char buf[256];
        union {
            struct cmsghdr h;
            char b[CMSG_SPACE(sizeof(struct ucred))];
        } ctl;
        struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl};
        ssize_t r = recvmsg(g_fd, &m, 0);
        assert_true(r >= 0);
        buf[r] = '\0';
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        assert_non_null(c);
        assert_int_equal(c->cmsg_type, SCM_CREDENTIALS);
        struct ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof cred);
        sender *s = sender_of(cred.pid);
        if (strcmp(buf, "READY=1") == 0) {
            s->ready = 1;
        } else if (strcmp(buf, "WATCHDOG=1") == 0) {
            s->pings++;
            s->last_ping_ms = mpc_clock_mono_ms();
        } else if (strcmp(buf, "STOPPING=1") == 0) {
            s->stopping = 1;
        } else {
            fail_msg("unexpected notification '%s'", buf);
        }
    }
}

/* Returns: 1 once pid sent READY=1 and at least `pings` watchdog pings (bounded wait). */
static int
wait_pings(pid_t pid, uint64_t pings)
{
    uint64_t until = mpc_clock_mono_ms() + WAIT_MS;
    while (mpc_clock_mono_ms() < until) {
        sender *s = sender_of(pid);
        if (s->ready && s->pings >= pings) {
            return 1;
        }
        pump(200);
    }
    return 0;
}

static int
core_limit_zero(pid_t pid)
{
    char path[64], line[256];
    int zero = 0;
    snprintf(path, sizeof path, "/proc/%ld/limits", (long)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL) {
        char soft[32], hard[32];
        if (strncmp(line, "Max core file size", 18) == 0 &&
            sscanf(line + 18, "%31s %31s", soft, hard) == 2) {
            zero = strcmp(soft, "0") == 0 && strcmp(hard, "0") == 0;
        }
    }
    fclose(f);
    return zero;
}

static void
test_watchdog_ready_and_pings(void **state)
{
    (void)state;
    for (size_t i = 0; i < g_c.n; i++) {
        assert_true(wait_pings(g_c.pid[i], 3));
        assert_true(core_limit_zero(g_c.pid[i]));
    }
}

static void
keygen_req(Mpc__Request *r, Mpc__KeygenRequest *k, Mpc__KeyType *kt)
{
    mpc__request__init(r);
    mpc__keygen_request__init(k);
    r->request_id = "kg-wd";
    r->body_case = MPC__REQUEST__BODY_KEYGEN;
    r->keygen = k;
    k->wallet_id = "w-wd";
    k->threshold = 2;
    *kt = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    k->key_types = kt;
    k->n_key_types = 1;
}

static void
test_watchdog_stops_when_workers_hang(void **state)
{
    (void)state;
    assert_int_equal(dc_node_signal(&g_c, 0, SIGTERM, 1) >= 0, 1);
    assert_int_equal(setenv("MPC_NODE_TEST_HANG", "*", 1), 0);
    assert_int_equal(dc_node_spawn(&g_c, 0), 0);
    unsetenv("MPC_NODE_TEST_HANG");
    pid_t hung = g_c.pid[0];
    assert_true(dc_wait_readyz(&g_c, 0, 200, WAIT_MS));
    assert_true(wait_pings(hung, 2));

    Mpc__Request r;
    Mpc__KeygenRequest k;
    Mpc__KeyType kt;
    keygen_req(&r, &k, &kt);
    dc_results res;
    /* It cannot complete: node-1 hangs in its first step. */
    assert_int_equal(dc_request(&g_c, &r, NULL, 3, 500, &res, NULL), MPC_ERR_TIMEOUT);
    dc_results_clear(&res);

    /* node-1 goes silent for more than two intervals; the others keep pinging. */
    uint64_t until = mpc_clock_mono_ms() + WAIT_MS;
    int silent = 0;
    while (!silent && mpc_clock_mono_ms() < until) {
        pump(500);
        uint64_t now = mpc_clock_mono_ms();
        silent = now - sender_of(hung)->last_ping_ms > 2 * WD_MS;
    }
    if (!silent) {
        dc_dump_log(&g_c, 0);
    }
    assert_true(silent);
    for (size_t i = 1; i < g_c.n; i++) {
        uint64_t before = sender_of(g_c.pid[i])->pings;
        assert_true(wait_pings(g_c.pid[i], before + 2));
    }
    /* A drain releases the hung step: the node says STOPPING=1 and exits. */
    uint64_t p = sender_of(hung)->pings;
    assert_true(dc_node_signal(&g_c, 0, SIGTERM, 1) >= 0);
    pump(200);
    assert_true(sender_of(hung)->stopping);
    assert_true(sender_of(hung)->pings <= p + 1);
}

static int
group_setup(void **state)
{
    (void)state;
    char name[108];
    snprintf(name, sizeof name, "@mpc-test-notify-%ld", (long)getpid());
    g_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, name, strlen(name));
    a.sun_path[0] = '\0';
    int one = 1;
    if (g_fd < 0 || setsockopt(g_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0 ||
        bind(g_fd, (struct sockaddr *)&a,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name))) != 0) {
        return -1;
    }
    setenv("NOTIFY_SOCKET", name, 1);
    setenv("WATCHDOG_USEC", WD_USEC, 1);
    if (dc_start(&g_c, 3, g_argv0) != MPC_OK || !dc_wait_ready(&g_c, WAIT_MS)) {
        for (size_t i = 0; i < g_c.n; i++) {
            dc_dump_log(&g_c, i);
        }
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    dc_destroy(&g_c);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    if (g_fd >= 0) {
        close(g_fd);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    (void)argc;
    g_argv0 = argv[0];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watchdog_ready_and_pings),
        cmocka_unit_test(test_watchdog_stops_when_workers_hang),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    (void)transport_nats_global_shutdown(5000);
    return failed;
}

/*
 * test_watchdog.c — the watchdog thread (node/watchdog.h) on a test notify
 * socket: WATCHDOG=1 datagrams arrive while the liveness check passes, stop
 * while it fails (the node "hangs"), and come back when it passes again;
 * bad arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "node/watchdog.h"

#define PERIOD_MS 10u

static atomic_int g_alive = 1; /* what the check answers */
static atomic_int g_calls;     /* checks made */

static int
check(void *arg, uint64_t now_ms, char *why, size_t cap)
{
    (void)arg;
    (void)now_ms;
    atomic_fetch_add(&g_calls, 1);
    if (!atomic_load(&g_alive)) {
        snprintf(why, cap, "test says hung");
        return 0;
    }
    return 1;
}

static int
listen_abstract(char *name, size_t cap)
{
    snprintf(name, cap, "@mpc-watchdog-test-%ld", (long)getpid());
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(a.sun_path, name, n);
    a.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(
        bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
        0);
    return fd;
}

/* Receives one datagram within ms. Returns: 1 if it was "WATCHDOG=1", 0 if none came. */
static int
recv_ping(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) != 1) {
        return 0;
    }
    char buf[64];
    ssize_t r = recv(fd, buf, sizeof buf - 1, 0);
    assert_true(r > 0);
    buf[r] = '\0';
    assert_string_equal(buf, "WATCHDOG=1");
    return 1;
}

/* Waits (bounded) until the check ran `more` more times. */
static void
wait_checks(int more)
{
    int target = atomic_load(&g_calls) + more;
    for (int i = 0; i < 20000 && atomic_load(&g_calls) < target; i++) {
        usleep(1000);
    }
    assert_true(atomic_load(&g_calls) >= target);
}

static void
test_watchdog_pings_only_while_alive(void **state)
{
    (void)state;
    char name[64];
    int fd = listen_abstract(name, sizeof name);
    assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
    node_sdnotify *n = NULL;
    assert_int_equal(node_sdnotify_open(&n), MPC_OK);
    node_watchdog *w = NULL;
    atomic_store(&g_alive, 1);
    assert_int_equal(node_watchdog_start(n, PERIOD_MS, check, NULL, &w), MPC_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(recv_ping(fd, 10000));
    }
    /* The node hangs: after the check has said no, nothing more arrives. */
    atomic_store(&g_alive, 0);
    wait_checks(2);
    while (recv_ping(fd, 0)) { /* drop pings sent before the hang was seen */
    }
    uint64_t withheld = node_watchdog_withheld(w);
    uint64_t pings = node_watchdog_pings(w);
    wait_checks(5);
    assert_false(recv_ping(fd, 0));
    assert_true(node_watchdog_withheld(w) >= withheld + 5);
    assert_int_equal(node_watchdog_pings(w), pings);
    /* It recovers: pings resume. */
    atomic_store(&g_alive, 1);
    assert_true(recv_ping(fd, 10000));
    node_watchdog_stop(w);
    node_sdnotify_close(n);
    close(fd);
    unsetenv("NOTIFY_SOCKET");
}

static void
test_watchdog_bad_args(void **state)
{
    (void)state;
    node_watchdog *w = (node_watchdog *)&w;
    node_sdnotify *fake = (node_sdnotify *)&w; /* never used: the call fails first */
    assert_int_equal(node_watchdog_start(NULL, PERIOD_MS, check, NULL, &w), MPC_ERR_INVALID_ARG);
    assert_null(w);
    assert_int_equal(node_watchdog_start(fake, 0, check, NULL, &w), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_watchdog_start(fake, PERIOD_MS, NULL, NULL, &w), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_watchdog_start(fake, PERIOD_MS, check, NULL, NULL), MPC_ERR_INVALID_ARG);
    node_watchdog_stop(NULL);
    assert_int_equal(node_watchdog_pings(NULL), 0);
    assert_int_equal(node_watchdog_withheld(NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watchdog_pings_only_while_alive),
        cmocka_unit_test(test_watchdog_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

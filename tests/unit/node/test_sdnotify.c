/*
 * test_sdnotify.c — the systemd notify protocol (node/sdnotify.h) against a
 * test notify socket (AF_UNIX datagram, filesystem path and abstract name),
 * bad $NOTIFY_SOCKET values, the no-op without it, and $WATCHDOG_USEC /
 * $WATCHDOG_PID parsing.
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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "node/sdnotify.h"

/* Binds a datagram socket at name ("/path" or "@abstract"). Returns: the fd. */
static int
listen_at(const char *name)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    size_t n = strlen(name);
    assert_true(n < sizeof a.sun_path);
    memcpy(a.sun_path, name, n);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    if (name[0] == '@') {
        a.sun_path[0] = '\0';
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
    return fd;
}

/* Receives one datagram (waits up to 10 s). Returns: its length, -1 if none. */
static int
recv_one(int fd, char *buf, size_t cap)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 10000) != 1) {
        return -1;
    }
    ssize_t r = recv(fd, buf, cap - 1, 0);
    if (r < 0) {
        return -1;
    }
    buf[r] = '\0';
    return (int)r;
}

static void
expect_roundtrip(const char *name)
{
    int fd = listen_at(name);
    assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
    node_sdnotify *n = NULL;
    assert_int_equal(node_sdnotify_open(&n), MPC_OK);
    assert_non_null(n);
    char buf[64];
    const char *states[] = {"READY=1", "WATCHDOG=1", "STOPPING=1"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(node_sdnotify_send(n, states[i]), MPC_OK);
        assert_int_equal(recv_one(fd, buf, sizeof buf), (int)strlen(states[i]));
        assert_string_equal(buf, states[i]);
    }
    assert_int_equal(node_sdnotify_send(n, ""), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_sdnotify_send(n, NULL), MPC_ERR_INVALID_ARG);
    node_sdnotify_close(n);
    close(fd);
    unsetenv("NOTIFY_SOCKET");
}

static void
test_sdnotify_path_socket(void **state)
{
    (void)state;
    char path[] = "/tmp/mpc-sdnotify-XXXXXX";
    assert_non_null(mkdtemp(path));
    char sock[128];
    snprintf(sock, sizeof sock, "%s/notify", path);
    expect_roundtrip(sock);
    unlink(sock);
    rmdir(path);
}

static void
test_sdnotify_abstract_socket(void **state)
{
    (void)state;
    char name[64];
    snprintf(name, sizeof name, "@mpc-sdnotify-test-%ld", (long)getpid());
    expect_roundtrip(name);
}

static void
test_sdnotify_unset_is_noop(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    node_sdnotify *n = (node_sdnotify *)&n;
    assert_int_equal(node_sdnotify_open(&n), MPC_OK);
    assert_null(n);
    assert_int_equal(node_sdnotify_send(NULL, "READY=1"), MPC_OK);
    node_sdnotify_close(NULL);
    assert_int_equal(node_sdnotify_open(NULL), MPC_ERR_INVALID_ARG);
}

static void
test_sdnotify_bad_values(void **state)
{
    (void)state;
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    const char *bad[] = {"relative/path", "@", "/", longname};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(setenv("NOTIFY_SOCKET", bad[i], 1), 0);
        node_sdnotify *n = NULL;
        assert_int_equal(node_sdnotify_open(&n), MPC_ERR_CONFIG);
        assert_null(n);
    }
    /* Nobody listening: the send fails with a status, never a signal. */
    assert_int_equal(setenv("NOTIFY_SOCKET", "/tmp/mpc-sdnotify-nobody-here", 1), 0);
    node_sdnotify *n = NULL;
    assert_int_equal(node_sdnotify_open(&n), MPC_OK);
    assert_int_equal(node_sdnotify_send(n, "READY=1"), MPC_ERR_IO);
    node_sdnotify_close(n);
    unsetenv("NOTIFY_SOCKET");
}

static void
test_sdnotify_watchdog_usec(void **state)
{
    (void)state;
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    assert_int_equal(node_sdnotify_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "30000000", 1);
    assert_int_equal(node_sdnotify_watchdog_usec(), 30000000);
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(node_sdnotify_watchdog_usec(), 30000000);
    snprintf(pid, sizeof pid, "%ld", (long)getpid() + 1);
    setenv("WATCHDOG_PID", pid, 1); /* meant for another process */
    assert_int_equal(node_sdnotify_watchdog_usec(), 0);
    setenv("WATCHDOG_PID", "x1", 1);
    assert_int_equal(node_sdnotify_watchdog_usec(), 0);
    unsetenv("WATCHDOG_PID");
    const char *bad[] = {"", "12a", "-5", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("WATCHDOG_USEC", bad[i], 1);
        assert_int_equal(node_sdnotify_watchdog_usec(), 0);
    }
    unsetenv("WATCHDOG_USEC");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdnotify_path_socket),
        cmocka_unit_test(test_sdnotify_abstract_socket),
        cmocka_unit_test(test_sdnotify_unset_is_noop),
        cmocka_unit_test(test_sdnotify_bad_values),
        cmocka_unit_test(test_sdnotify_watchdog_usec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * sdnotify.c — the systemd notification protocol (node/sdnotify.h).
 *
 * DESIGN: the address is parsed once at open; each send is one sendto() of
 * the state string (no trailing NUL), MSG_NOSIGNAL, never blocking the
 * caller for long (the socket is non-blocking: systemd's queue being full
 * loses one notification, the next one follows).
 */
#include "node/sdnotify.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct node_sdnotify {
    int fd;                  /* AF_UNIX SOCK_DGRAM socket */
    struct sockaddr_un addr; /* destination */
    socklen_t addr_len;      /* its length (abstract names are not NUL-terminated) */
};

/* Parses $NOTIFY_SOCKET into addr. Returns: MPC_OK or MPC_ERR_CONFIG. */
static mpc_status
sdnotify_parse(const char *v, struct sockaddr_un *addr, socklen_t *len)
{
    size_t n = strlen(v);
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if ((v[0] != '/' && v[0] != '@') || n < 2 || n >= sizeof addr->sun_path) {
        return MPC_ERR_CONFIG;
    }
    memcpy(addr->sun_path, v, n);
    if (v[0] == '@') {
        addr->sun_path[0] = '\0'; /* abstract namespace */
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    }
    return MPC_OK;
}

mpc_status
node_sdnotify_open(node_sdnotify **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    const char *v = getenv("NOTIFY_SOCKET");
    if (v == NULL || v[0] == '\0') {
        return MPC_OK;
    }
    node_sdnotify *n = calloc(1, sizeof *n);
    if (n == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = sdnotify_parse(v, &n->addr, &n->addr_len);
    if (st != MPC_OK) {
        free(n);
        return st;
    }
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (n->fd < 0) {
        free(n);
        return MPC_ERR_IO;
    }
    *out = n;
    return MPC_OK;
}

mpc_status
node_sdnotify_send(node_sdnotify *n, const char *state)
{
    if (state == NULL || state[0] == '\0') {
        return MPC_ERR_INVALID_ARG;
    }
    if (n == NULL) {
        return MPC_OK;
    }
    size_t len = strlen(state);
    ssize_t w;
    int tries = 0;
    do {
        w = sendto(n->fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&n->addr, n->addr_len);
    } while (w < 0 && errno == EINTR && ++tries < 10);
    return w == (ssize_t)len ? MPC_OK : MPC_ERR_IO;
}

void
node_sdnotify_close(node_sdnotify *n)
{
    if (n == NULL) {
        return;
    }
    close(n->fd);
    free(n);
}

/* Parses a decimal u64 that is the whole string. Returns: 1 on success. */
static int
sdnotify_parse_u64(const char *v, uint64_t *out)
{
    uint64_t x = 0;
    if (v == NULL || v[0] == '\0' || strlen(v) > 19) {
        return 0;
    }
    for (const char *p = v; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return 0;
        }
        x = x * 10 + (uint64_t)(*p - '0');
    }
    *out = x;
    return 1;
}

uint64_t
node_sdnotify_watchdog_usec(void)
{
    uint64_t usec = 0, pid = 0;
    if (!sdnotify_parse_u64(getenv("WATCHDOG_USEC"), &usec)) {
        return 0;
    }
    const char *p = getenv("WATCHDOG_PID");
    if (p != NULL && p[0] != '\0' && (!sdnotify_parse_u64(p, &pid) || pid != (uint64_t)getpid())) {
        return 0;
    }
    return usec;
}

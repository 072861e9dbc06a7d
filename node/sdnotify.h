/*
 * sdnotify.h — the systemd notification protocol (sd_notify(3)), spoken
 * directly: one AF_UNIX datagram per state change ("READY=1", "WATCHDOG=1",
 * "STOPPING=1", "STATUS=...") to the socket named by $NOTIFY_SOCKET, which
 * is a filesystem path ("/run/systemd/notify") or, with a leading '@', an
 * abstract socket name.
 *
 * Without $NOTIFY_SOCKET (not started by systemd, Type=notify not set) every
 * call succeeds and sends nothing.
 *
 * THREAD SAFETY: node_sdnotify_send may be called from any thread on an
 * open handle (one sendto per message); open/close belong to the owner.
 */
#ifndef MPC_NODE_SDNOTIFY_H
#define MPC_NODE_SDNOTIFY_H

#include <stdint.h>

#include "common/status.h"

typedef struct node_sdnotify node_sdnotify;

/*
 * Opens a datagram socket for $NOTIFY_SOCKET.
 * Out: *out — caller owns it; free with node_sdnotify_close(). NULL (with
 *      MPC_OK) when $NOTIFY_SOCKET is unset or empty.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (out NULL), MPC_ERR_CONFIG (the
 *          value is not an absolute path or '@' name, or too long),
 *          MPC_ERR_NOMEM, MPC_ERR_IO (socket() failed).
 */
MPC_MUST_CHECK mpc_status node_sdnotify_open(node_sdnotify **out);

/*
 * Sends state (e.g. "READY=1") as one datagram. n may be NULL (no-op).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (state NULL or empty), MPC_ERR_IO
 *          (sendto failed, e.g. nobody listens).
 */
MPC_MUST_CHECK mpc_status node_sdnotify_send(node_sdnotify *n, const char *state);

/* Closes the socket and frees n. Accepts NULL. */
void node_sdnotify_close(node_sdnotify *n);

/*
 * Returns: the watchdog interval systemd asks for, in microseconds, from
 * $WATCHDOG_USEC; 0 when unset, malformed, zero, or when $WATCHDOG_PID is
 * set and names another process.
 */
uint64_t node_sdnotify_watchdog_usec(void);

#endif /* MPC_NODE_SDNOTIFY_H */

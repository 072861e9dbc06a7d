/*
 * reply_mux.h — one inbox per transport: reply subjects for synchronous
 * requests and for direct-send attempts, shared by both implementations.
 *
 * Each transport subscribes once to "<prefix>.>" (prefix = "_INBOX.<random
 * hex>") and hands every message arriving there to transport_reply_mux_deliver.
 * "<prefix>.r.<id>" wakes the synchronous request waiting for id;
 * "<prefix>.d.<job>.<attempt>" goes to the direct sender.
 *
 * DESIGN: waiters live on the caller's stack in a list under the mux lock;
 * deliver copies the reply into the waiter's buffer under that lock, so a late
 * reply after a timeout finds no waiter and is dropped.
 *
 * THREAD SAFETY: all functions except create/destroy are thread-safe.
 */
#ifndef MPC_TRANSPORT_REPLY_MUX_H
#define MPC_TRANSPORT_REPLY_MUX_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "transport/direct_sender.h"

typedef struct transport_reply_mux transport_reply_mux;

/*
 * In: user — the NATS user (a subject token) whose own inbox holds the
 *     prefix, "_INBOX.<user>.<32 hex>" (the server lets each user subscribe
 *     only below its own); NULL: "_INBOX.<32 hex>".
 * Out: *out — caller owns it; free with transport_reply_mux_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_RANDOM, MPC_ERR_INTERNAL.
 */
MPC_MUST_CHECK mpc_status transport_reply_mux_create(const char *user, transport_reply_mux **out);

/* Frees the mux; no request may be waiting. Accepts NULL. */
void transport_reply_mux_destroy(transport_reply_mux *m);

/* Returns: the inbox prefix (borrowed, lives as long as m), e.g. "_INBOX.3f9a...". */
const char *transport_reply_mux_prefix(const transport_reply_mux *m);

/* Sets (or clears with NULL) the direct sender that receives ".d." replies. */
void transport_reply_mux_set_sender(transport_reply_mux *m, transport_direct_sender *ds);

/*
 * One synchronous request: publishes through pub with a fresh reply subject
 * and waits up to timeout_ms for the reply.
 * Out: reply[0..*reply_len).
 * Returns: MPC_OK, MPC_ERR_NO_RESPONDERS, MPC_ERR_TIMEOUT, MPC_ERR_BUFFER_TOO_SMALL,
 *          MPC_ERR_INVALID_ARG, or the publish status.
 */
MPC_MUST_CHECK mpc_status transport_reply_mux_request(transport_reply_mux *m,
                                                      transport_publish_request_fn pub, void *impl,
                                                      const char *subject, const uint8_t *data,
                                                      size_t len, uint64_t timeout_ms,
                                                      uint8_t *reply, size_t reply_cap,
                                                      size_t *reply_len);

/* Routes one inbox message (no_responders: the server's 503 status message). */
void transport_reply_mux_deliver(transport_reply_mux *m, const char *subject, const uint8_t *data,
                                 size_t len, int no_responders);

#endif /* MPC_TRANSPORT_REPLY_MUX_H */

/*
 * transport.h — the messaging interface everything above transport/ uses.
 *
 * A transport is a struct of function pointers over an implementation: NATS
 * (transport/nats_transport.c, the only code that links nats.c) or the
 * in-memory network for tests (transport/mem_transport.c), which can inject
 * latency, loss, duplication, reordering and late subscribers. session/ and
 * node/ never know which one they talk to.
 *
 * Three kinds of traffic (DESIGN §3, §5):
 *   - publish:             fire-and-forget (session broadcast, heartbeats, results)
 *   - subscribe_confirmed: subscribe and return only once the server confirmed
 *                          the interest, so nothing published afterwards is lost
 *   - send_direct:         asynchronous request/reply with retry and backoff;
 *                          the receiver's handler answers ACK, BUSY or GONE
 *
 * DESIGN: handlers run on transport threads. A handler must not block and must
 * not run protocol code: it copies the bytes (e.g. into a session mailbox) and
 * returns the reply code the transport sends back when the message carried a
 * reply subject. This is how a full mailbox becomes BUSY and a finished
 * session becomes GONE without any extra round trip.
 *
 * THREAD SAFETY: every operation may be called from any thread, including from
 * inside a handler or a send completion, except destroy, which must be called
 * once after every other call has returned.
 */
#ifndef MPC_TRANSPORT_TRANSPORT_H
#define MPC_TRANSPORT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define TRANSPORT_SUBJECT_MAX 256

typedef struct transport transport;
typedef struct transport_sub transport_sub;

/* What a handler answers to a message that carries a reply subject. */
typedef enum {
    TRANSPORT_REPLY_NONE = 0, /* send nothing (plain publish, or the handler replies later) */
    TRANSPORT_REPLY_ACK = 1,  /* accepted */
    TRANSPORT_REPLY_BUSY = 2, /* mailbox full: sender retries with backoff */
    TRANSPORT_REPLY_GONE = 3, /* session finished or failed: sender stops */
} transport_reply;

/* A received message. Borrowed: valid only during the handler call. */
typedef struct {
    const char *subject; /* subject it arrived on */
    const uint8_t *data; /* payload bytes */
    size_t len;          /* payload length */
    const char *reply;   /* reply subject, NULL for a plain publish */
} transport_msg;

/* Message handler; runs on a transport thread; must not block. */
typedef transport_reply (*transport_msg_fn)(void *arg, const transport_msg *msg);

/*
 * Completion of one direct send, called exactly once per accepted job, on a
 * transport thread: MPC_OK (ACK), MPC_ERR_GONE, MPC_ERR_PEER_UNAVAILABLE
 * (attempts exhausted or deadline passed), MPC_ERR_CANCELLED (owner cancelled
 * or transport destroyed). attempts counts the tries made.
 */
typedef void (*transport_send_done_fn)(void *arg, uint64_t owner, mpc_status st, uint32_t attempts);

/* Retry policy of the direct sender (DESIGN §5). */
typedef struct {
    uint32_t max_attempts;       /* total tries, default 10 */
    uint32_t base_ms;            /* first backoff, default 100 */
    uint32_t cap_ms;             /* backoff ceiling, default 1000 */
    uint32_t jitter_pct;         /* +/- percent applied to each delay, default 20 */
    uint32_t per_try_timeout_ms; /* wait for a reply per try, default 3000 */
} transport_retry_policy;

/* Fills *p with the defaults above. */
void transport_retry_policy_default(transport_retry_policy *p);

/* One direct send. The transport copies subject and data; the struct is borrowed. */
typedef struct {
    const char *subject;         /* e.g. mpc.s.<sid>.d.<node> */
    const uint8_t *data;         /* request bytes (an encoded envelope) */
    size_t len;                  /* data length */
    uint64_t owner;              /* owner token (e.g. session serial) for cancel_owner */
    uint64_t deadline_ms;        /* absolute monotonic ms after which no retry starts; 0 = none */
    transport_send_done_fn done; /* completion, required */
    void *done_arg;              /* passed to done; must stay valid until done ran */
} transport_send;

/* Counters, monotonically increasing except subscriptions. */
typedef struct {
    uint64_t published;       /* publish calls that succeeded */
    uint64_t received;        /* messages handed to handlers */
    uint64_t replies_sent;    /* ACK/BUSY/GONE replies sent */
    uint64_t sends_started;   /* direct-send jobs accepted */
    uint64_t sends_ok;        /* jobs ended by ACK */
    uint64_t sends_gone;      /* jobs ended by GONE */
    uint64_t sends_failed;    /* jobs ended by exhaustion or deadline */
    uint64_t sends_cancelled; /* jobs ended by cancel or destroy */
    uint64_t attempts;        /* individual tries */
    uint64_t retries;         /* tries after the first */
    uint64_t no_responders;   /* tries answered by "no responders" */
    uint64_t timeouts;        /* tries that timed out */
    uint64_t busy;            /* tries answered BUSY */
    uint64_t disconnects;     /* connection lost */
    uint64_t reconnects;      /* connection re-established */
    uint64_t async_errors;    /* errors reported by the client library's error handler */
    uint64_t subscriptions;   /* currently active subscriptions */
} transport_stats;

/* One subscription of a group (transport_subscribe_confirmed_n). */
typedef struct {
    const char *subject;
    transport_msg_fn fn;
    void *arg;
    transport_sub **out; /* set on success; owned by the caller until transport_unsubscribe() */
} transport_sub_req;

/* The vtable. Implementations fill it; callers use the inline wrappers below. */
typedef struct {
    mpc_status (*publish)(transport *t, const char *subject, const uint8_t *data, size_t len);
    mpc_status (*subscribe_confirmed)(transport *t, const char *subject, transport_msg_fn fn,
                                      void *arg, transport_sub **out);
    /* optional (NULL: one subscribe_confirmed per subscription) */
    mpc_status (*subscribe_confirmed_n)(transport *t, const transport_sub_req *reqs, size_t n);
    void (*unsubscribe)(transport *t, transport_sub *sub);
    mpc_status (*request)(transport *t, const char *subject, const uint8_t *data, size_t len,
                          uint64_t timeout_ms, uint8_t *reply, size_t reply_cap, size_t *reply_len);
    mpc_status (*send_direct)(transport *t, const transport_send *job);
    void (*cancel_owner)(transport *t, uint64_t owner);
    void (*retry_now)(transport *t, uint64_t owner, const char *subject);
    mpc_status (*flush)(transport *t, uint64_t timeout_ms);
    void (*stats)(transport *t, transport_stats *out);
    void (*destroy)(transport *t);
} transport_ops;

/* Common header of every implementation; implementations embed it first. */
struct transport {
    const transport_ops *ops; /* implementation vtable */
    const char *name;         /* "nats" or "mem", for logs */
};

/*
 * Publishes data on subject (no reply expected).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOT_CONNECTED (NATS is
 *          reconnecting and its buffer is full), MPC_ERR_NATS.
 */
MPC_MUST_CHECK static inline mpc_status
transport_publish(transport *t, const char *subject, const uint8_t *data, size_t len)
{
    return t->ops->publish(t, subject, data, len);
}

/*
 * Subscribes fn(arg, msg) to subject and returns only after the server
 * confirmed it (subscribe + flush with timeout); on failure nothing stays
 * subscribed.
 * Out: *out — owned by the caller until transport_unsubscribe().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_SUBSCRIBE, MPC_ERR_NOT_CONNECTED.
 */
MPC_MUST_CHECK static inline mpc_status
transport_subscribe_confirmed(transport *t, const char *subject, transport_msg_fn fn, void *arg,
                              transport_sub **out)
{
    return t->ops->subscribe_confirmed(t, subject, fn, arg, out);
}

/*
 * Subscribes reqs[0..n) in that order and returns once the server confirmed
 * all of them: one confirmation for the group where the implementation can
 * (NATS: one round trip instead of one per subscription, issue 12). The
 * server takes them in order, so a message that reached reqs[i] shows that
 * reqs[0..i) are in place too. On failure nothing stays subscribed and every
 * *out is NULL.
 * Returns: as transport_subscribe_confirmed.
 */
MPC_MUST_CHECK static inline mpc_status
transport_subscribe_confirmed_n(transport *t, const transport_sub_req *reqs, size_t n)
{
    if (t->ops->subscribe_confirmed_n != NULL) {
        return t->ops->subscribe_confirmed_n(t, reqs, n);
    }
    for (size_t i = 0; i < n; i++) {
        mpc_status st =
            t->ops->subscribe_confirmed(t, reqs[i].subject, reqs[i].fn, reqs[i].arg, reqs[i].out);
        if (st != MPC_OK) {
            while (i-- > 0) {
                t->ops->unsubscribe(t, *reqs[i].out);
                *reqs[i].out = NULL;
            }
            return st;
        }
    }
    return MPC_OK;
}

/*
 * Removes a subscription. When it returns, fn is not running and will never be
 * called again for it, so arg may be freed. Must not be called from inside
 * that subscription's own handler. Accepts NULL.
 */
static inline void
transport_unsubscribe(transport *t, transport_sub *sub)
{
    t->ops->unsubscribe(t, sub);
}

/*
 * Synchronous request/reply, one try, bounded by timeout_ms.
 * Out: reply[0..*reply_len) — the reply bytes (truncated replies are an error).
 * Returns: MPC_OK, MPC_ERR_NO_RESPONDERS, MPC_ERR_TIMEOUT, MPC_ERR_BUFFER_TOO_SMALL,
 *          MPC_ERR_NOT_CONNECTED, MPC_ERR_INVALID_ARG, MPC_ERR_NATS.
 */
MPC_MUST_CHECK static inline mpc_status
transport_request(transport *t, const char *subject, const uint8_t *data, size_t len,
                  uint64_t timeout_ms, uint8_t *reply, size_t reply_cap, size_t *reply_len)
{
    return t->ops->request(t, subject, data, len, timeout_ms, reply, reply_cap, reply_len);
}

/*
 * Starts an asynchronous direct send with retry (see transport_retry_policy).
 * Never blocks on the network; no thread sleeps through a backoff.
 * Returns: MPC_OK (job->done will be called exactly once), MPC_ERR_INVALID_ARG,
 *          MPC_ERR_NOMEM, MPC_ERR_CLOSED (transport shutting down; done is not called).
 */
MPC_MUST_CHECK static inline mpc_status
transport_send_direct(transport *t, const transport_send *job)
{
    return t->ops->send_direct(t, job);
}

/* Ends every pending send of owner; their done callbacks report MPC_ERR_CANCELLED. */
static inline void
transport_cancel_owner(transport *t, uint64_t owner)
{
    t->ops->cancel_owner(t, owner);
}

/*
 * Pending sends of owner to subject that wait for a backoff step try again
 * now (transport_direct_sender_retry_now): the caller learnt that the
 * recipient is reachable. Sends in flight are left alone.
 */
static inline void
transport_retry_now(transport *t, uint64_t owner, const char *subject)
{
    t->ops->retry_now(t, owner, subject);
}

/* Round-trips to the server. Returns: MPC_OK, MPC_ERR_TIMEOUT, MPC_ERR_NOT_CONNECTED. */
MPC_MUST_CHECK static inline mpc_status
transport_flush(transport *t, uint64_t timeout_ms)
{
    return t->ops->flush(t, timeout_ms);
}

/* Copies the counters into *out. */
static inline void
transport_get_stats(transport *t, transport_stats *out)
{
    t->ops->stats(t, out);
}

/*
 * Cancels pending sends (done called with MPC_ERR_CANCELLED), removes all
 * subscriptions, closes the connection and frees t. Accepts NULL.
 */
static inline void
transport_destroy(transport *t)
{
    if (t != NULL) {
        t->ops->destroy(t);
    }
}

/* Wire bytes of the direct-send replies. */
#define TRANSPORT_REPLY_ACK_STR  "ACK"
#define TRANSPORT_REPLY_BUSY_STR "BUSY"
#define TRANSPORT_REPLY_GONE_STR "GONE"

#endif /* MPC_TRANSPORT_TRANSPORT_H */

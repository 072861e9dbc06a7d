/*
 * jetstream_internal.h — shared by transport/jetstream.c and
 * transport/jetstream_msg.c; not part of the public API.
 *
 * THREAD SAFETY: as transport/jetstream.h.
 */
#ifndef MPC_TRANSPORT_JETSTREAM_INTERNAL_H
#define MPC_TRANSPORT_JETSTREAM_INTERNAL_H

#include <pthread.h>

#include <nats/nats.h>

#include "transport/jetstream.h"
#include "transport/nats_graves.h"
#include "transport/subject.h"

/* A JetStream client: one connection and its context. */
struct transport_js {
    natsConnection *nc;      /* the connection */
    jsCtx *js;               /* JetStream context over nc */
    pthread_mutex_t mu;      /* guards connected, closed, closing */
    pthread_cond_t cv;       /* closed callback ran */
    int connected;           /* 1 while connected */
    int closed;              /* closed callback ran */
    int closing;             /* destroy is closing: not an outage */
    char name[64];           /* connection name, for logs */
    transport_js_stats st;   /* counters (atomic) */
    transport_graves graves; /* unsubscribed, destroyed after the close (nats_graves.h) */
    char inbox_root[TRANSPORT_SUBJECT_MAX]; /* "_INBOX.<user>" (or "_INBOX"): watcher inboxes */
};

/* A bound durable pull consumer. */
struct transport_js_consumer {
    transport_js *js;       /* owner (borrowed) */
    natsSubscription *sub;  /* pull subscription bound to the durable */
    transport_grave *grave; /* owned; parks sub on js->graves at destroy */
    char durable[80];       /* "node_<id>" */
    uint64_t ack_wait_ms;   /* effective AckWait */
};

/* One message. */
struct transport_js_msg {
    transport_js *js;    /* owner (borrowed), for counters */
    natsMsg *m;          /* library message (owned) */
    uint64_t deliveries; /* delivery count from the metadata, 0 if none */
    uint64_t stream_seq; /* stream sequence from the metadata, 0 if none */
    int finished;        /* Ack or Term sent */
};

#define TJS_COUNT(js, f) __atomic_fetch_add(&(js)->st.f, 1, __ATOMIC_RELAXED)

/* Wraps m (takes ownership; destroys m on failure). Returns NULL on NOMEM. */
transport_js_msg *transport_js_msg_wrap(transport_js *js, natsMsg *m);

/* Returns: the mpc_status for a JetStream call that returned s with API error code jerr. */
mpc_status transport_js_status(natsStatus s, jsErrCode jerr);
/* The status of a publish: as transport_js_status, except that nothing stored
 * it because no stream leader can now (no responders, or the server's
 * "temporarily unavailable", "not leader" or "stream offline" answers during
 * an election or a partition) gives MPC_ERR_NO_RESPONDERS, the status every
 * publish retry treats as transient. The results watcher classifies its
 * consumer creation (a JetStream API request, refused the same way while
 * the cluster elects) with it too. */
mpc_status transport_js_publish_status(natsStatus s, jsErrCode jerr);

#endif /* MPC_TRANSPORT_JETSTREAM_INTERNAL_H */

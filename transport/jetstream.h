/*
 * jetstream.h — JetStream request intake and result publishing (DESIGN §3, §4),
 * plus the small client side mpc-cli needs.
 *
 * A transport_js owns its own NATS connection (same settings type as the
 * session transport, transport_nats_config). DESIGN §5 asks for one
 * connection per node; intake uses a second one on purpose: blocking pull
 * fetches and publish-acks then never queue behind session traffic, and the
 * client (mpc-cli), which has no session transport, uses the same code.
 *
 * Streams (created idempotently by transport_js_ensure_streams):
 *   MPC_REQ  subjects mpc.req.>  interest retention, file storage,
 *            duplicate window (Nats-Msg-Id = SHA-256 of the signed request,
 *            node/client/request.h) — a request is kept
 *            until every node's durable consumer acked (or termed) it.
 *            Bounded (MaxMsgs, MaxBytes, MaxMsgSize) with DiscardNew: when
 *            full, the server refuses new requests and keeps the waiting ones.
 *            NOTE: with interest retention a request published while no
 *            durable exists is not kept: start the nodes first.
 *   MPC_RES  subjects mpc.res.>  limits retention (max age), file storage,
 *            duplicate window.
 * Consumers: one durable pull consumer per node, name "node_<id>", filter
 * mpc.req.>, explicit ack, created with js_AddConsumer and then bound (a
 * durable created implicitly by a pull subscribe is deleted on unsubscribe,
 * DESIGN §2). An existing consumer with the same name is reused.
 *
 * Results: each node publishes its copies on its own subject
 * mpc.res.<client>.<request_id>.<node> (transport/subject.h), signed (the
 * subject and node signature, not the informational header Mpc-Node: <node
 * id>, say whose copy it is) and Nats-Msg-Id "<request_id>/<node id>/<key
 * type>" (transport_js_result_msg_id; a keygen of two key types yields one
 * result per type; a result whose key_type is unknown, e.g. for a request
 * that did not decode, uses "<request_id>/<node id>"): the stream keeps exactly one copy per node
 * and key type (a republish by the same node inside the duplicate window is not stored twice, but
 * core subscribers still see it). This departs from DESIGN §3 ("dedup keeps one") so that a client
 * can count one final outcome per node.
 *
 * Requests: clients publish with Nats-Msg-Id = hex SHA-256 of the signed
 * request bytes and header Mpc-Client: <client_id> (informative). Nodes read
 * neither: a request that does not authenticate gets no result at all.
 *
 * Client side: transport_js_publish with msg_id = request_id publishes a
 * request; transport_js_results_watch opens a watcher (push consumer) on MPC_RES
 * for mpc.res.<client>.<request_id>.* that delivers every copy already stored
 * and every later one, so it may be opened before or after publishing.
 * NATS permissions each user needs are the table of transport/subject_perm.c
 * (replies arrive below the user's own inbox _INBOX.<user>, set with
 * natsOptions_SetCustomInboxPrefix).
 *
 * No nats.c type appears here; nats.c statuses are translated to mpc_status.
 *
 * THREAD SAFETY: a transport_js may be used from any thread. A consumer is
 * fetched from one thread at a time. A transport_js_msg may be acked /
 * in-progressed from any thread but by one thread at a time (callers lock);
 * it must be destroyed exactly once. A results watcher belongs to one
 * thread. Destroy messages, watchers and consumers before their transport_js.
 */
#ifndef MPC_TRANSPORT_JETSTREAM_H
#define MPC_TRANSPORT_JETSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "transport/nats_transport.h"
#include "transport/subject.h"

#define TRANSPORT_JS_REQ_STREAM     "MPC_REQ"                      /* request stream name */
#define TRANSPORT_JS_RES_STREAM     "MPC_RES"                      /* result stream name */
#define TRANSPORT_JS_REQ_SUBJECTS   TRANSPORT_SUBJECT_ALL_REQUESTS /* request subjects */
#define TRANSPORT_JS_RES_SUBJECTS   TRANSPORT_SUBJECT_ALL_RESULTS  /* result subjects */
#define TRANSPORT_JS_HDR_MSG_ID     "Nats-Msg-Id"
#define TRANSPORT_JS_HDR_NODE       "Mpc-Node"
#define TRANSPORT_JS_HDR_CLIENT     "Mpc-Client"
#define TRANSPORT_JS_MSG_ID_MAX     160 /* longest Nats-Msg-Id we produce or read */
#define TRANSPORT_JS_HEADER_VAL_MAX 256 /* longest header value read back */

typedef struct transport_js transport_js;                   /* connection + JetStream context */
typedef struct transport_js_consumer transport_js_consumer; /* bound durable pull consumer */
typedef struct transport_js_msg transport_js_msg;           /* one fetched/received message */
typedef struct transport_js_results transport_js_results;   /* client: result watcher */

/* Stream settings; zero fields take the defaults in brackets. */
typedef struct {
    uint64_t req_max_age_ms;  /* MPC_REQ message age limit [24 h] */
    uint64_t res_max_age_ms;  /* MPC_RES message age limit [7 days] */
    uint64_t dup_window_ms;   /* duplicate window of both streams [10 min] */
    int64_t res_max_msgs;     /* MPC_RES message count limit [1,000,000] */
    int64_t req_max_msgs;     /* MPC_REQ message count limit [100,000]; beyond, publishes fail */
    int64_t req_max_bytes;    /* MPC_REQ size limit in bytes [256 MiB]; same (DiscardNew) */
    int32_t req_max_msg_size; /* largest request the server stores [no limit] */
    uint32_t replicas;        /* stream replicas [1]; 3 needs a JetStream cluster */
    int memory_storage;       /* 1 = memory storage (tests), 0 = file */
} transport_js_streams_config;

/* Durable consumer settings; zero fields take the defaults in brackets. */
typedef struct {
    const char *node_id;     /* required: consumer name is "node_<node_id>" */
    uint64_t ack_wait_ms;    /* redelivery after this without Ack/InProgress [30000] */
    int64_t max_deliver;     /* deliveries before the server gives up [-1 = unlimited] */
    int64_t max_ack_pending; /* unacked messages outstanding [1000] */
} transport_js_consumer_config;

/* One extra header of a publish. Strings borrowed during the call. */
typedef struct {
    const char *name;  /* e.g. TRANSPORT_JS_HDR_NODE */
    const char *value; /* header value */
} transport_js_header;

/* What the server answered to a JetStream publish. */
typedef struct {
    uint64_t seq;  /* stream sequence of the (original) message */
    int duplicate; /* 1 = Nats-Msg-Id already seen in the window: not stored again */
} transport_js_pub_ack;

/* Counters of the JetStream connection. */
typedef struct {
    uint64_t disconnects;   /* connection lost */
    uint64_t reconnects;    /* connection re-established */
    uint64_t async_errors;  /* errors reported by the error handler (e.g. permissions) */
    uint64_t fetched;       /* messages returned by fetch */
    uint64_t empty_pulls;   /* pulls of a fetch that ended without a message (waited to expiry) */
    uint64_t acks;          /* Ack sent */
    uint64_t naks;          /* Nak (with delay) sent */
    uint64_t terms;         /* Term sent */
    uint64_t in_progress;   /* InProgress sent */
    uint64_t published;     /* JetStream publishes acknowledged */
    uint64_t publish_dups;  /* of which duplicates */
    uint64_t publish_fails; /* publishes that failed */
    uint64_t parked_subs;   /* unbound consumers and watchers whose library subscription
                               waits for the connection's close (transport/nats_graves.h) */
    uint64_t watch_resets;  /* results-watcher consumers recreated (lost, gap, not created yet) */
} transport_js_stats;

/*
 * Connects (own NATS connection) and creates a JetStream context.
 * In: cfg — the connection settings (copied as needed); cfg->sender is unused.
 * Out: *out — caller owns it; free with transport_js_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CONFIG, MPC_ERR_NOT_CONNECTED,
 *          MPC_ERR_PERMISSION (auth refused), MPC_ERR_NOMEM, MPC_ERR_NATS.
 */
MPC_MUST_CHECK mpc_status transport_js_connect(const transport_nats_config *cfg,
                                               transport_js **out);

/* Closes the connection, destroys the library subscriptions of the consumers and watchers
 * destroyed before (parked until the reader thread is joined), and frees js. Accepts NULL.
 * Call transport_nats_global_shutdown
 * after the last NATS object of the process is gone. */
void transport_js_destroy(transport_js *js);

/* Returns: 1 while the connection is up, else 0. */
int transport_js_is_connected(transport_js *js);

/*
 * Checks that JetStream answers (account info request).
 * Returns: MPC_OK, MPC_ERR_TIMEOUT, MPC_ERR_NOT_CONNECTED, MPC_ERR_PERMISSION,
 *          MPC_ERR_NATS (JetStream disabled or other error), MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_js_ping(transport_js *js, uint64_t timeout_ms);

/* Copies the counters into *out (zeroed for NULL js). */
void transport_js_get_stats(transport_js *js, transport_js_stats *out);

/* Fills *c with zeros (= defaults). */
void transport_js_streams_config_default(transport_js_streams_config *c);

/*
 * Creates MPC_REQ and MPC_RES if missing, with cfg->replicas copies; an
 * existing stream is accepted as is if its retention and replicas match (an
 * MPC_REQ without interest retention is MPC_ERR_CONFIG; other replicas are
 * MPC_ERR_JS_REPLICAS: nodes never update streams). Safe to call concurrently
 * from several nodes.
 * Returns: MPC_OK, MPC_ERR_CONFIG, MPC_ERR_JS_REPLICAS (existing stream has
 *          other replicas, or the server cannot place them: not clustered,
 *          too few servers up), MPC_ERR_PERMISSION, MPC_ERR_TIMEOUT,
 *          MPC_ERR_NOT_CONNECTED, MPC_ERR_NATS, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_js_ensure_streams(transport_js *js,
                                                      const transport_js_streams_config *cfg);

/*
 * Creates the durable pull consumer node_<id> on MPC_REQ if missing (an
 * existing one is reused) and binds a pull subscription to it.
 * Out: *out — caller owns it; free with transport_js_consumer_destroy()
 *      (unbinds; the durable stays on the server).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (bad node id), MPC_ERR_NOT_FOUND
 *          (stream missing), MPC_ERR_PERMISSION, MPC_ERR_TIMEOUT,
 *          MPC_ERR_NOT_CONNECTED, MPC_ERR_NOMEM, MPC_ERR_NATS.
 */
MPC_MUST_CHECK mpc_status transport_js_consumer_bind(transport_js *js,
                                                     const transport_js_consumer_config *cfg,
                                                     transport_js_consumer **out);

/* Returns: the effective AckWait of the consumer in ms (0 for NULL). */
uint64_t transport_js_consumer_ack_wait_ms(const transport_js_consumer *c);

/* Unbinds and frees c (the durable stays). Accepts NULL. */
void transport_js_consumer_destroy(transport_js_consumer *c);

/*
 * Fetches up to cap messages, waiting at most timeout_ms for the first.
 * Out: msgs[0..*n) — each owned by the caller; free each with
 *      transport_js_msg_destroy() (after Ack/Nak/Term, or without: then the
 *      server redelivers after AckWait). *n is 0 on entry and on failure.
 * Returns: MPC_OK (*n >= 1), MPC_ERR_TIMEOUT (nothing arrived),
 *          MPC_ERR_NOT_CONNECTED, MPC_ERR_PERMISSION, MPC_ERR_NOT_FOUND
 *          (consumer deleted), MPC_ERR_NATS, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_js_fetch(transport_js_consumer *c, transport_js_msg **msgs,
                                             size_t cap, size_t *n, uint64_t timeout_ms);

/* Returns: the subject (borrowed, lives as long as m). */
const char *transport_js_msg_subject(const transport_js_msg *m);

/* Returns: the payload (borrowed); *len set to its length. */
const uint8_t *transport_js_msg_data(const transport_js_msg *m, size_t *len);

/*
 * Reads header name.
 * Out: buf — NUL-terminated value (truncation is MPC_ERR_BUFFER_TOO_SMALL); "" on failure.
 * Returns: MPC_OK, MPC_ERR_NOT_FOUND, MPC_ERR_BUFFER_TOO_SMALL, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_js_msg_header(const transport_js_msg *m, const char *name,
                                                  char *buf, size_t cap);

/* Returns: the delivery count (1 = first delivery), 0 if unknown (not a JetStream message). */
uint64_t transport_js_msg_delivery_count(const transport_js_msg *m);

/* Returns: the stream sequence, 0 if unknown. */
uint64_t transport_js_msg_stream_seq(const transport_js_msg *m);

/*
 * Acknowledgements. Ack and Term are final (sent synchronously: Ack waits for
 * the server's confirmation up to timeout_ms, so an acked request is not
 * redelivered); Nak asks for redelivery after delay_ms; InProgress resets
 * the AckWait timer.
 * Returns: MPC_OK, MPC_ERR_SESSION_STATE (already acked/termed),
 *          MPC_ERR_NOT_CONNECTED, MPC_ERR_TIMEOUT, MPC_ERR_NATS, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_js_msg_ack(transport_js_msg *m, uint64_t timeout_ms);
MPC_MUST_CHECK mpc_status transport_js_msg_nak(transport_js_msg *m, uint64_t delay_ms);
MPC_MUST_CHECK mpc_status transport_js_msg_term(transport_js_msg *m);
MPC_MUST_CHECK mpc_status transport_js_msg_in_progress(transport_js_msg *m);

/* Frees m (does not ack). Accepts NULL. */
void transport_js_msg_destroy(transport_js_msg *m);

/*
 * JetStream publish and wait for the publish ack.
 * In: msg_id — Nats-Msg-Id (NULL: none); hdrs[0..n_hdrs) extra headers.
 * Out: ack (may be NULL) — cleared on entry.
 * Returns: MPC_OK, MPC_ERR_NO_RESPONDERS (no stream for subject),
 *          MPC_ERR_TIMEOUT, MPC_ERR_NOT_CONNECTED, MPC_ERR_PERMISSION,
 *          MPC_ERR_NATS, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_js_publish(transport_js *js, const char *subject,
                                               const uint8_t *data, size_t len, const char *msg_id,
                                               const transport_js_header *hdrs, size_t n_hdrs,
                                               uint64_t timeout_ms, transport_js_pub_ack *ack);

/*
 * transport_js_publish, repeated while the cluster cannot take it yet: on
 * MPC_ERR_NO_RESPONDERS (no stream leader, e.g. during a JetStream leader
 * election after a nats-server died), MPC_ERR_TIMEOUT or
 * MPC_ERR_NOT_CONNECTED it publishes again after 100 ms, doubling to 1 s,
 * until budget_ms has passed. Safe only because msg_id (required) makes the
 * stream drop a second copy within its duplicate window.
 * Returns: as transport_js_publish (the last attempt's status);
 *          MPC_ERR_INVALID_ARG without msg_id.
 */
MPC_MUST_CHECK mpc_status transport_js_publish_retry(transport_js *js, const char *subject,
                                                     const uint8_t *data, size_t len,
                                                     const char *msg_id,
                                                     const transport_js_header *hdrs, size_t n_hdrs,
                                                     uint64_t timeout_ms, uint64_t budget_ms,
                                                     transport_js_pub_ack *ack);

/*
 * Formats a node's result Nats-Msg-Id "<request_id>/<node_id>/<key_type>",
 * or "<request_id>/<node_id>" when key_type is NULL.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status transport_js_result_msg_id(char *buf, size_t cap, const char *request_id,
                                                     const char *node_id, const char *key_type);

/*
 * Client: watches every node's copy, mpc.res.<client_id>.<request_id>.*
 * (request_id NULL: every request of the client, mpc.res.<client_id>.*.*, for
 * benches that keep many requests in flight) through an ephemeral push
 * consumer on MPC_RES that starts at the first stored message. The watcher
 * itself recreates the consumer, from the copy after the last one it
 * returned, when the consumer is lost or a copy was dropped
 * (transport/jetstream_watch.c: every copy once, in stream order, as nats.c's
 * ordered consumer but without its library thread). A consumer the cluster
 * cannot create yet (no meta leader: timeout, no responders, not connected)
 * is created by transport_js_results_next, within its timeout.
 * Out: *out — caller owns it; free with transport_js_results_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOT_FOUND (no MPC_RES),
 *          MPC_ERR_PERMISSION, MPC_ERR_NOMEM, MPC_ERR_NATS.
 */
MPC_MUST_CHECK mpc_status transport_js_results_watch(transport_js *js, const char *client_id,
                                                     const char *request_id,
                                                     transport_js_results **out);

/*
 * Client: next result copy, waiting at most timeout_ms (a read that must
 * create the consumer again may take up to 2 s more: one consumer request).
 * Node copies carry header Mpc-Node (transport_js_msg_header).
 * Out: *msg — caller owns it; free with transport_js_msg_destroy() (no ack
 *      needed). NULL on failure.
 * Returns: MPC_OK, MPC_ERR_TIMEOUT, MPC_ERR_NOT_CONNECTED, MPC_ERR_NATS,
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_js_results_next(transport_js_results *w, transport_js_msg **msg,
                                                    uint64_t timeout_ms);

/* Stops the watcher and frees it. Accepts NULL. */
void transport_js_results_destroy(transport_js_results *w);

#endif /* MPC_TRANSPORT_JETSTREAM_H */

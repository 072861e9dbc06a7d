/*
 * mem_transport.h — in-memory implementation of transport.h for tests.
 *
 * A transport_mem_net is one simulated NATS server shared by many node
 * transports in one process (one net per test). Routing follows NATS: interest
 * is decided when a message is published; a request (publish with a reply
 * subject) that matches no active subscription gets a "no responders"
 * message on its reply subject, so the direct sender and synchronous requests
 * see MPC_ERR_NO_RESPONDERS exactly as with nats-server.
 *
 * Delivery never runs in the publisher's stack: every message becomes an event
 * on one of the net's delivery threads (a subscription is bound to one thread,
 * so its messages arrive in order and its handler never runs twice at once).
 *
 * Fault injection (seeded, per subject pattern, first matching rule wins):
 * one-way latency (fixed + uniform jitter), drop rate, duplication rate,
 * reordering (a fraction of messages held back by reorder_ms so later ones
 * overtake them) and late subscribers (a subscription on a matching subject
 * is only routed to delay_ms after subscribe returns, as with a client that
 * does not confirm its subscription). Faults apply to replies too, by the
 * reply subject ("_INBOX.>").
 *
 * The direct sender (transport/direct_sender.h) is the same code as for NATS.
 *
 * THREAD SAFETY: every function is thread-safe except the destroys: destroy
 * every transport of a net before the net.
 */
#ifndef MPC_TRANSPORT_MEM_TRANSPORT_H
#define MPC_TRANSPORT_MEM_TRANSPORT_H

#include <stdint.h>

#include "common/status.h"
#include "transport/direct_sender.h"
#include "transport/transport.h"

typedef struct transport_mem_net transport_mem_net;

/* Net configuration; zero fields take the defaults noted. */
typedef struct {
    uint64_t seed;             /* fault RNG seed; 0 = from the OS CSPRNG */
    uint32_t delivery_threads; /* delivery threads, 0 = 2 */
} transport_mem_net_config;

/* Faults applied to messages whose subject matches a rule's pattern. */
typedef struct {
    uint32_t latency_ms; /* fixed one-way delay */
    uint32_t jitter_ms;  /* plus a uniform delay in [0, jitter_ms] */
    double drop_rate;    /* probability a delivery is lost, 0..1 */
    double dup_rate;     /* probability a delivery is duplicated, 0..1 */
    double reorder_rate; /* probability a delivery is held back by reorder_ms, 0..1 */
    uint32_t reorder_ms; /* hold-back for reordered deliveries */
} transport_mem_fault;

/* Node transport configuration; zero fields take the defaults. */
typedef struct {
    transport_direct_sender_config sender; /* retry policy, sender threads, hooks */
} transport_mem_config;

/*
 * Creates a net and starts its delivery threads. cfg may be NULL.
 * Out: *out — caller owns it; free with transport_mem_net_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_RANDOM, MPC_ERR_INTERNAL.
 */
MPC_MUST_CHECK mpc_status transport_mem_net_create(const transport_mem_net_config *cfg,
                                                   transport_mem_net **out);

/* Stops the delivery threads and frees the net; every transport must be destroyed first. */
void transport_mem_net_destroy(transport_mem_net *net);

/* Returns: the seed in effect (to print it in tests). */
uint64_t transport_mem_net_seed(const transport_mem_net *net);

/*
 * Adds (or replaces, same pattern) a fault rule. Affects messages published afterwards.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (bad pattern or rates), MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status transport_mem_net_set_fault(transport_mem_net *net, const char *pattern,
                                                      const transport_mem_fault *f);

/*
 * Subscriptions made afterwards on subjects matching pattern become routable
 * only delay_ms after they return (0 removes the rule).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status transport_mem_net_set_late_subscribe(transport_mem_net *net,
                                                               const char *pattern,
                                                               uint32_t delay_ms);

/* Removes every fault and late-subscribe rule. */
void transport_mem_net_clear_faults(transport_mem_net *net);

/* Counters of the net: deliveries dropped and duplicated by fault injection. */
void transport_mem_net_fault_counts(transport_mem_net *net, uint64_t *dropped,
                                    uint64_t *duplicated);

/*
 * Creates a node transport on net with default configuration.
 * Args: node_name — for logs (copied).
 * Out: *out — caller owns it; free with transport_destroy() before the net.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_INTERNAL.
 */
MPC_MUST_CHECK mpc_status transport_mem_create(transport_mem_net *net, const char *node_name,
                                               transport **out);

/* As transport_mem_create, with cfg (may be NULL). */
MPC_MUST_CHECK mpc_status transport_mem_create_cfg(transport_mem_net *net, const char *node_name,
                                                   const transport_mem_config *cfg,
                                                   transport **out);

#endif /* MPC_TRANSPORT_MEM_TRANSPORT_H */

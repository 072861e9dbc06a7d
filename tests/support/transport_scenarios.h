/*
 * transport_scenarios.h — behavioural tests of the transport interface, run
 * unchanged against every implementation (in-memory and NATS) through a
 * factory. Each scenario is a cmocka-style function: it fails the running
 * test with cmocka assertions (call it from inside a cmocka test).
 *
 * Timing checks are strict on lower bounds (a retry never starts before its
 * backoff minus jitter) and generous on upper bounds (a loaded 2-core machine
 * under sanitizers): TK_SLACK_MS, multiplied by $MPC_TEST_SLACK if set, else by 4
 * when $MPC_VALGRIND or $MPC_TSAN is set.
 */
#ifndef MPC_TESTS_SUPPORT_TRANSPORT_SCENARIOS_H
#define MPC_TESTS_SUPPORT_TRANSPORT_SCENARIOS_H

#include <stdint.h>

#include "transport/direct_sender.h"
#include "transport/transport.h"

#define TK_SLACK_MS 1500

/* Makes one node transport; cfg may be NULL for defaults. */
typedef mpc_status (*tk_make_fn)(void *ctx, const char *name,
                                 const transport_direct_sender_config *cfg, transport **out);

typedef struct {
    tk_make_fn make; /* creates a transport */
    void *ctx;       /* passed to make */
    const char *tag; /* unique subject token per run, e.g. "mem" or "nats" */
} tk_factory;

/* Returns: the upper-bound slack in ms (TK_SLACK_MS times $MPC_TEST_SLACK). */
uint64_t tk_slack_ms(void);

/* Item 1: subscribe (confirmed) on A, then at once publish 1000 from B: none lost. */
void tk_sc_publish_after_confirmed_subscribe(const tk_factory *f);
/* A group confirmed at once delivers on each subject; a bad member leaves nothing subscribed. */
void tk_sc_subscribe_group(const tk_factory *f);
/* Item 2: the subscriber appears 700 ms after the send: delivered; attempt gaps follow the policy.
 */
void tk_sc_late_subscriber(const tk_factory *f);
/* Item 3: nobody ever subscribes: exactly max_attempts, PEER_UNAVAILABLE, logged with subject. */
void tk_sc_never_subscribed(const tk_factory *f);
/* Item 4a: BUSY three times, then ACK: MPC_OK after exactly 4 attempts. */
void tk_sc_busy_then_ack(const tk_factory *f);
/* Item 4b: GONE ends the job after one attempt. */
void tk_sc_gone_stops(const tk_factory *f);
/* Item 5: 200 concurrent sends to 200 late subscribers, all inside the policy window + slack. */
void tk_sc_many_late_subscribers(const tk_factory *f);
/* cancel_owner ends pending jobs with MPC_ERR_CANCELLED, others untouched. */
void tk_sc_cancel_owner(const tk_factory *f);
/* Synchronous request: NO_RESPONDERS without subscriber, reply bytes with one, small buffer. */
void tk_sc_request(const tk_factory *f);
/* Argument checks of every vtable entry. */
void tk_sc_bad_args(const tk_factory *f);
/* Destroy with pending sends: every done runs once with MPC_ERR_CANCELLED. */
void tk_sc_destroy_cancels(const tk_factory *f);

#endif /* MPC_TESTS_SUPPORT_TRANSPORT_SCENARIOS_H */

/*
 * session_scenarios.h — the session manager's behavioural scenarios (issue 4,
 * "What must be shown"), run unchanged on the in-memory transport (url NULL)
 * and on a real nats-server (url = its URL). Each is a cmocka-style function:
 * call it from inside a cmocka test; it fails the test with cmocka asserts.
 * Sessions use the toy protocol; every cluster is created and destroyed
 * inside the scenario.
 */
#ifndef MPC_TESTS_SUPPORT_SESSION_SCENARIOS_H
#define MPC_TESTS_SUPPORT_SESSION_SCENARIOS_H

#include <stdint.h>

/* 1: `count` concurrent sessions of n parties all complete with correct results. */
void stk_sc_concurrent(const char *url, uint32_t n, uint32_t count);
/* 2a: a party joining 2 s late: the session succeeds. */
void stk_sc_late_joiner(const char *url);
/* 2b: a party never joining: PEER_UNAVAILABLE naming it at the barrier deadline; others fine. */
void stk_sc_never_joiner(const char *url);
#ifdef MPC_FAULT_INJECTION
/* 3: injected error (r2), NULL dereference (r2), abort (r3) among 100 sessions; then 100 more. */
void stk_sc_faults(const char *url);
/* 3b: an error injected at create fails that party; the others fail at the barrier. */
void stk_sc_fault_at_create(const char *url);
#endif
/* 5: mailbox capacity 2: BUSY answers, backoff, everything delivered. */
void stk_sc_small_mailbox(const char *url);
/* 6: a peer that stops answering mid-round: deadline (or idle) failure, permits and subs back. */
void stk_sc_stalled_peer(const char *url, int use_idle);
/*
 * 9: a party restarts mid-session (a second manager with the same identity
 * and a fresh incarnation starts the same sid while the first went silent in
 * round 2): every instance of every party fails with MPC_ERR_PEER_RESTARTED
 * naming the restarted party, not with an equivocation.
 */
void stk_sc_peer_restart(const char *url);
/* 7: max_sessions 4, 50 sessions: never more than 4 live, all complete. */
void stk_sc_admission(const char *url);
/* 8: shutdown with 50 live sessions within the drain deadline; peers fail fast. */
void stk_sc_shutdown_live(const char *url);
/* 8b: sessions that can finish do so during the drain. */
void stk_sc_shutdown_drain(const char *url);

#endif /* MPC_TESTS_SUPPORT_SESSION_SCENARIOS_H */

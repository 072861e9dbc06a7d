/*
 * actor_fixture.h — one session actor (manager n0) against a hand-driven
 * peer, for tests/unit/session/test_actor*.c: the test plays party n1 of a
 * two-party toy session with its own transport, its own identity, its own
 * toy state and envelopes it seals itself with transport/envelope.h
 * (independently of session/wire.c), so it can deliver messages in any
 * order. On the in-memory net (afx_setup) or on a nats-server shared by a
 * group (afx_nats_start, then afx_setup_nats).
 *
 * THREAD SAFETY: the fixture belongs to the test's thread; transport
 * callbacks fill its inbox under its lock.
 */
#ifndef MPC_TESTS_SUPPORT_ACTOR_FIXTURE_H
#define MPC_TESTS_SUPPORT_ACTOR_FIXTURE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/outbox.h"
#include "session/manager.h"
#include "tests/support/session_testkit.h"
#include "transport/envelope.h"
#include "transport/mem_transport.h"
#include "transport/peer_table.h"

#define AFX_INBOX_MAX 64 /* messages the fake peer keeps */

/* Envelopes the fake peer received (decoded). */
typedef struct {
    pthread_mutex_t mu;                            /* guards the fields below */
    pthread_cond_t cv;                             /* a message arrived */
    transport_envelope_opened msgs[AFX_INBOX_MAX]; /* received, in arrival order */
    int is_bcast[AFX_INBOX_MAX];                   /* arrived on .b */
    size_t n;                                      /* received */
} afx_inbox;

/* The actor_fixture: manager n0 on t0, the fake peer n1 on t1. */
typedef struct {
    transport_mem_net *net;
    transport *t0, *t1;
    session_manager *m0;
    transport_sub *sub_b, *sub_d, *sub_r;
    afx_inbox in;
    uint8_t sid[SESSION_SID_LEN];
    char hex[SESSION_SID_HEX_LEN + 1];
    uint64_t inputs[2];
    stk_tracker tr;
    stk_outcome out;
    tss_base *toy;                         /* fake peer's toy state */
    uint64_t seq;                          /* fake peer's next seq */
    uint64_t rng;                          /* test RNG */
    transport_identity *id0, *id1, *id9;   /* identities of n0, the fake n1, a stranger */
    transport_peer_table *pt0, *pt1, *pt9; /* their peer tables */
    uint32_t gone_round; /* the fake answers GONE to direct messages of this round (0 = never) */
    const tss_protocol *proto0; /* n0's protocol, set before afx_begin (NULL: toy_protocol()) */
    stk_eph eph;                /* the fake's ephemeral keys */
    uint8_t *rec;               /* first direct envelope n0 sent the fake, as received */
    size_t rec_len;             /* its length */
    uint8_t *ev[8];             /* copies of the outcome's evidence envelopes */
    size_t ev_len[8];           /* their lengths */
    size_t n_ev;                /* their count */
} actor_fixture;

/* "n0", "n1", "n2": the ids the fixture's peer tables know. */
extern const char *const afx_all_ids[3];

/* cmocka setup: the fixture on the in-memory net. Returns 0, -1 on failure. */
int afx_setup(void **state);

/* cmocka setup: the fixture on the group's nats-server (afx_nats_start). */
int afx_setup_nats(void **state);

/* cmocka setup: on the in-memory net with the default barrier (10 s, stretched
 * for slow runners), for the barrier tests that pass the barrier. */
int afx_setup_barrier(void **state);
/* cmocka setup: n0's direct sends back off AFX_SLOW_RETRY_MS (no jitter)
 * after a failed try; the barrier allows 4 times that. */
#define AFX_SLOW_RETRY_MS 15000u
int afx_setup_slow_retry(void **state);

/* The same with a short barrier (1 s, stretched), for a test that waits for it
 * to expire. */
int afx_setup_barrier_short(void **state);

/* cmocka teardown of any of them. */
int afx_teardown(void **state);

/* Starts the nats-server of the NATS group. Returns 0, -1 on failure. */
int afx_nats_start(void);

/* Stops it and releases nats.c's global resources. */
void afx_nats_stop(void);

/* Subscribes the fake peer, starts n0's party, creates the fake's toy state;
 * Out: *ob — the fake's round-1 output. */
void afx_begin(actor_fixture *f, mpc_outbox *ob);

/* afx_begin, but the fake subscribes .r (answers n0's probes, then probes n0
 * itself with incarnation inc) only if answer_probes. */
void afx_begin_with(actor_fixture *f, int answer_probes, uint64_t inc, mpc_outbox *ob);

/* Subscribes the fake's .r (n0's probes bring it n0's ephemeral key). */
void afx_subscribe_ready(actor_fixture *f);

/* Waits (timeout_ms, stretched by mpc_test_slow) for n0's outcome, which must come exactly
 * once. Returns: a copy. */
stk_outcome afx_outcome_wait(actor_fixture *f, uint64_t timeout_ms);

/* Waits (timeout_ms, 0: no wait) for the first message from n0 of round r and
 * kind. Returns: it (owned by the inbox) and *bcast, or NULL. */
transport_envelope_opened *afx_inbox_find(actor_fixture *f, uint32_t r,
                                          transport_envelope_kind kind, uint64_t timeout_ms,
                                          int *bcast);

/* Waits (10 s) for the i-th received message. Returns: it (owned by the inbox) or NULL. */
transport_envelope_opened *afx_inbox_get(afx_inbox *in, size_t i, int *bcast);

/* Feeds message i of the inbox to the fake's toy state; Out: *ob — what it emitted. */
void afx_feed(actor_fixture *f, size_t i, mpc_outbox *ob);

/* Returns: the index of the first inbox message from n0 of round r (waiting for it). */
size_t afx_find_round(actor_fixture *f, uint32_t r);

/*
 * Seals an envelope with the identity of `from` ("n1" = the fake, "n9" = a
 * stranger). Returns: the envelope (caller frees), *out_len its length.
 */
uint8_t *afx_seal(const actor_fixture *f, const uint8_t *sid, const char *from, const char *to,
                  uint32_t round, uint64_t seq, int kind, const uint8_t *payload, size_t len,
                  size_t *out_len);

/*
 * Seals an envelope signed with peer table pt's identity, with incarnation
 * inc; a READY without payload carries the fake's ephemeral key, a DIRECT
 * goes to "n0", sealed under the key the fake shares with it.
 * Returns: the envelope (caller frees), *out_len its length.
 */
uint8_t *afx_seal_as(const actor_fixture *f, transport_peer_table *pt, const uint8_t *sid,
                     uint32_t round, uint64_t seq, int kind, const uint8_t *payload, size_t len,
                     uint64_t inc, size_t *out_len);

/* Sends bytes to n0's subject mpc.s.<sid>.<tail>: published if tail is "b",
 * else a request (repeated while n0 has not subscribed yet) that must be ACKed. */
void afx_send_raw(actor_fixture *f, const char *tail, const uint8_t *buf, size_t len);

/* Sends bytes to n0's direct subject and checks the reply ("ACK", "BUSY", "GONE"). */
void afx_direct_raw(actor_fixture *f, const uint8_t *buf, size_t len, const char *want_reply);

/* Seals m as n1 with seq and sends it (broadcast or direct, which must be ACKed). */
void afx_send_msg(actor_fixture *f, const mpc_out_msg *m, uint64_t seq);

/* Bounded poll of a manager counter at offset (5 s, stretched for slow runners).
 * Returns: its last value. */
uint64_t afx_stat_wait(actor_fixture *f, size_t offset, uint64_t want);
#define AFX_STAT_WAIT(f, field, want)                                                              \
    afx_stat_wait((f), offsetof(session_manager_stats, field), (want))

#endif /* MPC_TESTS_SUPPORT_ACTOR_FIXTURE_H */

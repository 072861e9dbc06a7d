/*
 * session_testkit.h — a cluster of session managers in one process, for the
 * session tests: one transport and one manager per node, on the in-memory
 * network (or, when available, a real nats-server), plus an outcome tracker
 * that waits on a condition variable for sessions to end.
 *
 * Node i is called "n<i>" and is party i of every session started with
 * stk_start_all().
 *
 * THREAD SAFETY: the tracker is thread-safe (outcomes arrive on workers);
 * cluster create/destroy are not.
 */
#ifndef MPC_TESTS_SUPPORT_SESSION_TESTKIT_H
#define MPC_TESTS_SUPPORT_SESSION_TESTKIT_H

#include <pthread.h>
#include <stdint.h>

#include "session/manager.h"
#include "transport/envelope.h"
#include "transport/mem_transport.h"
#include "transport/peer_table.h"

#define STK_MAX_NODES 8

/* The outcome of one party of one session. */
typedef struct {
    struct stk_tracker *tr; /* tracker to notify */
    int done;               /* times the callback ran (must end at 1) */
    mpc_status status;      /* reported status */
    uint32_t culprit;       /* reported culprit */
    char disputed[2][16];   /* reported disputed node ids ("" = none) */
    size_t n_evidence;      /* evidence envelopes reported */
    uint32_t round;         /* reported round */
    uint64_t value;         /* toy result, if status == MPC_OK */
    size_t result_len;      /* result length */
    uint64_t end_ms;        /* monotonic time of the callback */
} stk_outcome;

/* Counts outcomes. */
typedef struct stk_tracker {
    pthread_mutex_t mu; /* guards everything here and in the outcomes */
    pthread_cond_t cv;  /* an outcome arrived */
    uint64_t ndone;     /* callbacks run */
    uint64_t live_max;  /* max of `live` sampled at each callback (unused if 0) */
} stk_tracker;

/* One session across parties 0..n-1. */
typedef struct {
    uint8_t sid[SESSION_SID_LEN];   /* session id */
    uint32_t n;                     /* parties */
    uint64_t inputs[STK_MAX_NODES]; /* toy inputs */
    stk_outcome out[STK_MAX_NODES]; /* outcome per party */
    const char *gate_scope;         /* session_spec.gate_scope (NULL: ungated) */
    uint32_t hold_mask;             /* bit p: party p starts with session_spec.hold */
} stk_session;

typedef struct stk_cluster stk_cluster;

/* Cluster options. */
typedef struct {
    uint32_t nodes;                /* number of nodes (<= STK_MAX_NODES) */
    session_config cfg;            /* manager config template (self_id is set per node) */
    transport_retry_policy policy; /* direct-send policy */
    uint64_t seed;                 /* mem net seed */
    const char *nats_url;          /* non-NULL: one NATS connection per node to this URL */
} stk_options;

/* Fills defaults suited to fast tests (short backoff, 3 s deadlines). */
void stk_options_default(stk_options *o, uint32_t nodes);

/* Creates transports and managers. Returns MPC_OK or the first error. */
mpc_status stk_cluster_create(stk_cluster **out, const stk_options *o);

/* Destroys managers (shutdown with drain 0), transports, the net. Accepts NULL. */
void stk_cluster_destroy(stk_cluster *c);

session_manager *stk_manager(stk_cluster *c, uint32_t i);
transport *stk_transport(stk_cluster *c, uint32_t i);
/* Returns: the in-memory net, NULL on NATS. */
transport_mem_net *stk_net(stk_cluster *c);
/*
 * Simulates a restart of node i: a new transport and manager with the same
 * identity and the given incarnation (0 = random) take node i's place (so
 * stk_start_party(c, s, i, ...) uses them); the previous instance keeps
 * running untouched, like a process that went silent, until the cluster is
 * destroyed. Once per node.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, or a create error.
 */
mpc_status stk_node_restart(stk_cluster *c, uint32_t i, uint64_t incarnation);

/* Destroys node i's manager early (shutdown drain 0); later calls see NULL. */
void stk_manager_kill(stk_cluster *c, uint32_t i);

void stk_tracker_init(stk_tracker *t);
void stk_tracker_fini(stk_tracker *t);
/* Waits until at least n outcomes arrived. Returns 1, or 0 on timeout. */
int stk_tracker_wait(stk_tracker *t, uint64_t n, uint64_t timeout_ms);

/*
 * Prepares s: random sid from rng state *rng, n parties, random inputs,
 * outcomes bound to tr.
 */
void stk_session_init(stk_session *s, uint32_t n, uint64_t *rng, stk_tracker *tr);

/*
 * Starts party p of s on node p with protocol proto (toy if NULL).
 * Returns: session_manager_start's status.
 */
mpc_status stk_start_party(stk_cluster *c, stk_session *s, uint32_t p, const tss_protocol *proto,
                           session_op op, uint64_t deadline_ms);

/* Starts every party. Returns MPC_OK or the first error. */
mpc_status stk_start_all(stk_cluster *c, stk_session *s);

/* Returns: 1 if every party of s ended MPC_OK with the expected toy result. */
int stk_session_ok(stk_tracker *tr, const stk_session *s);

/* Returns: a copy of party p's outcome (taken under the tracker lock). */
stk_outcome stk_outcome_get(stk_tracker *tr, const stk_session *s, uint32_t p);

/*
 * Test identities: node `ids[self]` gets an Ed25519 identity whose seed is
 * BLAKE2b-256("stk-identity" || id) (so every test party can derive every
 * other's key), and a peer table holding all ids but self.
 * Out: *id, *pt — caller frees with transport_peer_table_destroy then
 *      transport_identity_destroy.
 * Returns: MPC_OK or the first error.
 */
mpc_status stk_peers_create(const char *const *ids, uint32_t n, uint32_t self,
                            transport_identity **id, transport_peer_table **pt);

/* xorshift64* step. */
uint64_t stk_rand(uint64_t *state);

/*
 * Ephemeral keys of a party a test plays by hand (DESIGN §5): its READY
 * probes carry pk; the real node's READY gives the key shared with it.
 * `known` is written by a transport thread and read by the test (atomics).
 */
typedef struct {
    uint8_t sk[TRANSPORT_EPH_SK];   /* own secret */
    uint8_t pk[TRANSPORT_EPH_PK];   /* own public key (READY payload) */
    uint8_t box[TRANSPORT_BOX_KEY]; /* shared with the node, valid once known */
    int known;                      /* 1 once the node's READY was read */
} stk_eph;

/* Draws a key pair; known = 0. */
void stk_eph_init(stk_eph *e);

/*
 * If data is a READY for sid that pt verifies, derives e->box from its
 * payload (the sender's ephemeral key) and sets known. Returns 1 if so.
 */
int stk_eph_learn(stk_eph *e, transport_peer_table *pt, const uint8_t *sid, const uint8_t *data,
                  size_t len);

/* Returns: e->box once known (waiting up to timeout_ms), or NULL. */
const uint8_t *stk_eph_box(stk_eph *e, uint64_t timeout_ms);

#endif /* MPC_TESTS_SUPPORT_SESSION_TESTKIT_H */

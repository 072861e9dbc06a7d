/*
 * internal.h — structures shared by the session manager's files (not public).
 *
 * DESIGN (threads and ownership):
 *   - Transport threads run the inbound handlers (inbound.c): they take the
 *     session lock, copy bytes into the mailbox, maybe schedule the session,
 *     and return ACK / BUSY / GONE. They never run protocol code.
 *   - Worker threads (manager.c) pop scheduled sessions from the run queue and
 *     run them (actor.c). `scheduled` guarantees one worker per session, so
 *     everything marked "worker only" needs no lock.
 *   - The janitor thread (manager.c) only posts fail requests
 *     (pending_fail) and schedules; the worker then finishes the session.
 *   - Send completions (inbound.c) post results under the session lock.
 * Lock order: registry lock and session locks are never held together except
 * registry -> (nothing); session lock -> run-queue lock. No lock is held while
 * calling the transport, the protocol or the owner's callback.
 * A session is refcounted: the registry holds one reference while it is live,
 * the run queue one while it is scheduled, each pending send one. Its memory
 * never references the manager after it finished, so late send completions
 * (which may come after the manager is gone) only touch the session.
 */
#ifndef MPC_SESSION_INTERNAL_H
#define MPC_SESSION_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "common/outbox.h"
#include "session/manager.h"

#define SESSION_SUBJECT_MAX 160
#define SESSION_BATCH       32 /* mailbox items a worker takes per turn */

/* Bits of session.probe_ok[p]: how we learnt that peer p is ready. */
#define SESSION_READY_ACKED  1u /* p answered our probe */
#define SESSION_READY_PROBED 2u /* p's own verified probe reached us */
#define SESSION_READY_KICKED 4u /* our waiting probe to p was told to retry now (once) */

/* The subject an envelope arrived on. */
typedef enum {
    SESSION_CHAN_DIRECT = 0,    /* mpc.s.<sid>.d.<self> */
    SESSION_CHAN_BROADCAST = 1, /* mpc.s.<sid>.b */
    SESSION_CHAN_READY = 2,     /* mpc.s.<sid>.r.<self> (a peer's barrier probe) */
} session_chan;

/* One mailbox item: a raw envelope as received. */
typedef struct session_item {
    session_chan chan;         /* subject it arrived on */
    size_t len;                /* data length */
    struct session_item *next; /* parking list link (worker only) */
    uint32_t from;             /* decoded sender (parked items only) */
    uint32_t round;            /* decoded round (parked items only) */
    uint64_t seq;              /* decoded seq (parked items only) */
    uint8_t *payload;          /* decoded payload (parked items only), mpc_secure_alloc memory */
    size_t payload_len;        /* payload length */
    int sealed;                /* payload is a sealed direct payload (opened when handled) */
    uint8_t data[];            /* envelope bytes */
} session_item;

typedef struct session_dedup session_dedup; /* replay set, actor.c */
typedef struct session_eph session_eph;     /* ephemeral X25519 keys, wire.c */

typedef struct session session;

/* A session (see DESIGN above for which thread owns which field). */
struct session {
    /* immutable after start */
    struct session_manager *mgr;           /* owner; NOT touched once finished */
    uint64_t serial;                       /* transport owner token */
    uint8_t sid[SESSION_SID_LEN];          /* session id */
    char sid_hex[SESSION_SID_HEX_LEN + 1]; /* its hex form */
    session_op op;                         /* operation */
    char *key_type;                        /* key type, owned */
    char *wallet;                          /* wallet id, owned */
    const tss_protocol *proto;             /* protocol vtable */
    uint32_t self;                         /* own party index */
    uint32_t n;                            /* number of parties */
    session_pair **pairs;                  /* per party: KOS pair gate entry (NULL for self), or
                                              NULL when ungated; references released at free */
    tss_pair_gate gate;                    /* callbacks into pairs, passed to the protocol */
    char **party_ids;                      /* node ids, owned */
    uint32_t threshold;                    /* protocol threshold */
    uint8_t *input;                        /* protocol input, owned (wiped at free) */
    size_t input_len;                      /* input length */
    session_done_fn done;                  /* owner's completion */
    void *done_arg;                        /* its argument */
    uint64_t started_ms;                   /* monotonic start time */
    uint64_t deadline_at_ms;               /* monotonic session deadline */
    uint64_t barrier_deadline_ms;          /* monotonic barrier deadline */
    int holds_key_lock;                    /* 1 if it holds the (wallet, key type) lock */
    char subj_b[SESSION_SUBJECT_MAX];      /* mpc.s.<sid>.b */
    char subj_d[SESSION_SUBJECT_MAX];      /* mpc.s.<sid>.d.<self> */
    char subj_r[SESSION_SUBJECT_MAX];      /* mpc.s.<sid>.r.<self> */

    atomic_uint refs; /* references (registry, run queue, sends) */

    /* guarded by lock */
    pthread_mutex_t lock;      /* guards the fields below */
    session_state state;       /* current state (written by the worker) */
    int terminal;              /* 1 once the worker decided DONE/FAILED */
    int scheduled;             /* queued or running on a worker */
    session_item **ring;       /* mailbox ring */
    size_t ring_cap;           /* slots: mailbox_cap + broadcast reserve */
    size_t direct_cap;         /* direct messages admitted up to this depth */
    size_t mb_head;            /* oldest item */
    size_t mb_len;             /* items queued */
    size_t mb_hwm;             /* high-water mark of mb_len */
    mpc_status pending_fail;   /* fail request from janitor/completions */
    uint32_t pending_culprit;  /* its culprit */
    uint64_t gone_at_ms;       /* first GONE answer to one of our direct sends, 0 = none */
    uint32_t gone_peer;        /* the peer that answered it */
    uint64_t abort_at_ms;      /* first ABORT received from a peer, 0 = none */
    uint32_t abort_peer;       /* the peer that sent it */
    uint8_t *probe_ok;         /* per party: SESSION_READY_* bits, ready if non-zero */
    uint8_t *probe_retry;      /* per party: probe ended unanswered, re-issue */
    int probe_dirty;           /* a probe completed since the worker last looked */
    int held;                  /* spec.hold: the protocol waits for session_manager_release */
    uint64_t last_activity_ms; /* last inbound message or step */
    uint64_t step_started_ms;  /* when the current state/round began */
    uint32_t round;            /* current round for the snapshot */
    session *next_run;         /* run-queue link (guarded by the run-queue lock) */

    /* worker only */
    tss_base *pstate;                     /* protocol state; NULL once destroyed/quarantined */
    int quarantined;                      /* 1 after a trapped fault */
    uint32_t cur_round;                   /* protocol's current round after the last step */
    transport_sub *sub_b;                 /* broadcast subscription */
    transport_sub *sub_d;                 /* direct subscription */
    transport_sub *sub_r;                 /* barrier subscription */
    session_item *parked;                 /* parked messages, FIFO */
    session_item *parked_tail;            /* last parked */
    uint32_t nparked;                     /* parked count */
    session_dedup *dedup;                 /* seen (from, round, seq) */
    uint32_t ndedup;                      /* entries in dedup */
    uint64_t next_seq;                    /* next outgoing seq */
    uint64_t *peer_inc;                   /* per party: first incarnation seen, 0 = none yet */
    struct session_evid *evid;            /* kept signed envelopes (evidence.h), oldest first */
    size_t evid_bytes;                    /* their total size */
    struct session_evid *verdict_evid[8]; /* evidence of the verdict (into evid) */
    size_t verdict_n;                     /* its count */
    uint32_t verdict_dispute[2];          /* parties of an unproven verdict, else NO_CULPRIT */
    session_eph *eph; /* ephemeral keys (secure memory), NULL before setup/after end */

    /* counters (relaxed atomics, read by the snapshot) */
    atomic_uint_fast64_t msgs_in;  /* envelopes accepted into the mailbox */
    atomic_uint_fast64_t msgs_out; /* envelopes published or sent */
    atomic_uint_fast64_t retries;  /* direct-send retries reported by completions */
    atomic_uint_fast64_t drops;    /* replays, late, bad and overflow drops */
};

/* Manager (manager.c); fields used by the other files. */
struct session_manager {
    session_config cfg;                    /* copy of the configuration */
    char self_id[SESSION_NODE_ID_MAX + 1]; /* own node id */
    transport *t;                          /* borrowed transport */
    uint64_t created_ms;                   /* for uptime */
    atomic_uint_fast64_t next_serial;      /* session serials */

    pthread_mutex_t reg_lock; /* registry lock: live map, tombstones, key locks */
    pthread_cond_t reg_cond;  /* signalled when a session leaves the registry */
    void *live;               /* uthash head of live sessions (registry.c) */
    void *tombs;              /* uthash head of tombstones */
    void *key_locks;          /* uthash head of held (wallet, key type) locks */
    uint64_t nlive;           /* live sessions */
    uint64_t nactive;         /* started sessions whose completion has not returned */
    uint64_t ntombs;          /* tombstones */
    int accepting;            /* 0 once shutdown began */

    pthread_mutex_t perm_lock; /* admission semaphore lock */
    pthread_cond_t perm_cond;  /* signalled when a permit is returned */
    uint32_t permits_used;     /* permits held */
    int perm_closed;           /* 1 once shutdown began: waiters give up */

    pthread_mutex_t jan_lock; /* janitor sleep lock */
    pthread_cond_t jan_cond;  /* wakes the janitor early on stop */
    int jan_stopping;         /* janitor exits (guarded by jan_lock) */

    pthread_mutex_t runq_lock; /* run-queue lock */
    pthread_cond_t runq_cond;  /* signalled on push and stop */
    session *runq_head;        /* FIFO of scheduled sessions */
    session *runq_tail;        /* its tail */
    int stopping;              /* workers exit once the queue is empty (runq_lock) */

    pthread_t *workers;      /* worker threads */
    uint32_t nworkers;       /* started workers */
    pthread_t janitor;       /* janitor thread */
    int janitor_started;     /* 1 if janitor runs */
    int guard_acquired;      /* holds the signal handlers */
    transport_sub *gone_sub; /* node-wide GONE responder */
    int shut_down;           /* session_manager_shutdown completed */

    /* node counters */
    atomic_uint_fast64_t started, done, failed, live_hwm, faults, quarantined;
    atomic_uint_fast64_t replays, late, bad, parked, busy, gone;
    atomic_uint_fast64_t oversized;    /* envelopes/payloads over the protocol's declared size */
    atomic_uint_fast64_t park_refused; /* second message of one (peer, round, kind) not parked */
    atomic_uint_fast64_t gone_answers; /* GONE answers to our direct sends and probes */
    atomic_uint_fast64_t jan_passes;   /* janitor passes completed */
};

/* ---- registry.c (all under m->reg_lock, never held while calling out) ---- */

/* Adds s as live (takes over one reference). Returns MPC_OK, EXISTS (live or
 * tombstoned sid), SHUTDOWN (not accepting), NOMEM. */
mpc_status session_registry_insert(struct session_manager *m, session *s);
/* Moves s from live to the tombstones with its final status; drops the
 * registry's reference. */
void session_registry_remove(struct session_manager *m, session *s, mpc_status st);
/* Marks one started session as fully ended (its completion callback returned). */
void session_registry_completed(struct session_manager *m);
/* Returns: 1 if sid finished recently (answer GONE). */
int session_registry_is_tombstoned(struct session_manager *m, const uint8_t *sid);
/* Drops tombstones older than their TTL. */
void session_registry_expire(struct session_manager *m, uint64_t now_ms);
/* Returns: the live session sid with a reference the caller drops
 * (session_unref), or NULL. */
session *session_registry_find(struct session_manager *m, const uint8_t *sid);
/* Returns: a malloc'd array of the live sessions, each with a reference the
 * caller drops (session_unref) before freeing the array; *n its length. */
session **session_registry_collect(struct session_manager *m, size_t *n);
/* Frees tombstones and key locks (manager destroy, no other user left). */
void session_registry_free_all(struct session_manager *m);
/* Takes the (wallet, key type) reshare lock. Returns MPC_OK, LOCKED, NOMEM. */
mpc_status session_keylock_take(struct session_manager *m, const char *wallet,
                                const char *key_type);
/* Returns a lock taken with session_keylock_take. */
void session_keylock_give(struct session_manager *m, const char *wallet, const char *key_type);

/* ---- config.c ---- */

/* Returns: MPC_OK if c can start a manager (a valid self id that is the peer
 * table's own, workers 1..256, every limit and deadline non-zero), else
 * MPC_ERR_CONFIG. */
mpc_status session_config_check(const session_config *c);
/* Returns: 1 if id is one subject token: 1..SESSION_NODE_ID_MAX of
 * [A-Za-z0-9_-]. */
int session_valid_id(const char *id);

/* ---- manager.c ---- */

/* Queues s on the run queue unless it is already scheduled or terminal.
 * Caller holds s->lock. */
void session_schedule_locked(session *s);
/* Takes / drops a reference; the last drop frees the session. */
void session_ref(session *s);
void session_unref(session *s);
/* Returns one admission permit. */
void session_permit_give(struct session_manager *m);

/* ---- inbound.c (transport threads) ---- */

/* Subscription handlers of a session's .b, .d.<self> and .r.<self> subjects
 * (arg = the session) and the node-wide GONE responder (arg = the manager). */
transport_reply session_on_broadcast(void *arg, const transport_msg *msg);
transport_reply session_on_direct(void *arg, const transport_msg *msg);
transport_reply session_on_ready(void *arg, const transport_msg *msg);
transport_reply session_on_gone_probe(void *arg, const transport_msg *msg);
/* Asks the worker to fail s (first request wins; ignored once terminal). */
void session_request_fail(session *s, mpc_status st, uint32_t culprit);
/* Starts a direct send owned by s (takes a reference until its completion).
 * Returns transport_send_direct's status. */
mpc_status session_send_direct(session *s, uint32_t peer, const char *subject, const uint8_t *data,
                               size_t len, int is_probe, uint64_t deadline_ms);

/* ---- actor.c (the worker running s) ---- */

/* Runs one turn of s: pending fail, setup/barrier, a batch of mailbox items. */
void session_actor_run(session *s);
/* Returns: 1 if s has queued items or events. Caller holds s->lock. */
int session_has_work_locked(const session *s);

/* ---- actor_park.c (worker-only: parked messages and the replay set) ---- */

/* Wipes and frees a mailbox item. Accepts NULL. */
void session_item_free(session_item *it);
/* Returns 1 if (from, round, seq) was seen before; records it otherwise. Out:
 * *full = 1 if the replay set is at its bound (park_max * 4) and it was not
 * recorded. */
int session_park_seen(session *s, uint32_t from, uint32_t round, uint64_t seq, int *full);
/* Parks a checked message of a later round; takes ownership of it (its payload
 * is kept, the rest freed; a duplicate or one over park_max is dropped). */
void session_park_put(session *s, session_item *it);
/* Removes and returns the first parked item of the current round (caller owns
 * it; free with session_item_free); parked items of earlier rounds are dropped
 * as late. Returns NULL if none. */
session_item *session_park_take(session *s);
/* Frees every parked item and the replay set. */
void session_park_free_all(session *s);

/* ---- actor_send.c (the worker's outgoing messages) ---- */

/* Seals and sends every message of ob, then clears it. On MPC_ERR_QUARANTINED
 * (a pair-bound message whose pair is quarantined) *culprit names the peer and
 * nothing more is sent. */
mpc_status session_actor_send(session *s, mpc_outbox *ob, uint32_t *culprit);
/* Sends (or re-sends) the barrier probe to peer p. */
mpc_status session_actor_probe(session *s, uint32_t p);
/* Our probe to p waiting after "no responders" retries now (p probed us). Worker only. */
void session_actor_probe_kick(session *s, uint32_t p);
/* Tells the peers s failed with st (best effort; see session/blame.h). */
void session_actor_publish_abort(session *s, mpc_status st, uint32_t culprit);

#endif /* MPC_SESSION_INTERNAL_H */

/*
 * manager.h — the session manager (DESIGN §4 steps 4-6, §6).
 *
 * The manager runs many protocol sessions at once over one transport. Each
 * session is an actor: a bounded mailbox fed by transport handlers and a
 * state machine SUBSCRIBING -> BARRIER -> RUNNING(round) -> DONE | FAILED
 * run by a fixed pool of worker threads, never by two workers at once. Every
 * protocol step runs inside the fault guard (session/guard.h), so a failing or
 * crashing protocol fails its own session only.
 *
 * Readiness barrier (DESIGN §4 step 4): a session subscribes .b, .d.<self>
 * and .r.<self> (each confirmed), then probes .r.<peer> of every peer. A peer
 * is ready once it ACKed our probe or once its own probe (signed, verified by
 * the worker) reached us: it only probes after confirming its subscriptions.
 * So one successful probe per pair suffices, and a probe that met no
 * responders (the peer had not subscribed yet) costs no backoff step.
 *
 * Subjects (DESIGN §3), for session id <sid> (32 hex chars) and node <id>:
 *   mpc.s.<sid>.b         broadcasts (subscribed, confirmed, before the barrier)
 *   mpc.s.<sid>.d.<self>  direct messages to us (same)
 *   mpc.s.<sid>.r.<self>  our barrier answer (subscribed after both above)
 *   mpc.s.*.d.<self>      node-wide responder answering GONE for tombstoned sids
 *
 * Ownership: the manager borrows the transport (it must outlive the manager).
 * A session's spec is copied at start. The owner's completion callback is
 * called exactly once per session started with MPC_OK.
 *
 * THREAD SAFETY: every function may be called from any thread except
 * session_manager_destroy (once, after every other call returned). Completion
 * callbacks run on a worker thread and must not call session_manager_shutdown
 * or session_manager_destroy.
 */
#ifndef MPC_SESSION_MANAGER_H
#define MPC_SESSION_MANAGER_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "session/pairgate.h"
#include "session/protocol.h"
#include "transport/peer_table.h"
#include "transport/transport.h"
#include "tss/batch.h"

#define SESSION_NODE_ID_MAX 64
#define SESSION_SID_HEX_LEN (2 * SESSION_SID_LEN)

typedef struct session_manager session_manager;

/* Operation a session performs (selects the default deadline and locking). */
typedef enum {
    SESSION_OP_KEYGEN = 1,  /* distributed key generation */
    SESSION_OP_SIGN = 2,    /* threshold signing */
    SESSION_OP_RESHARE = 3, /* reshare; exclusive per (wallet, key type) */
} session_op;

/* Life cycle of a session. */
typedef enum {
    SESSION_STATE_SUBSCRIBING = 0, /* creating state, subscribing */
    SESSION_STATE_BARRIER = 1,     /* waiting for every peer to be ready */
    SESSION_STATE_RUNNING = 2,     /* protocol rounds */
    SESSION_STATE_DONE = 3,        /* finished with a result */
    SESSION_STATE_FAILED = 4,      /* finished with an error */
} session_state;

/* Manager configuration; session_config_default() fills the defaults. */
typedef struct {
    const char *self_id;          /* this node's id (subject token), required */
    transport_peer_table *peers;  /* identities for envelopes, required; borrowed, must
                                     outlive the manager; its self must be self_id */
    uint32_t workers;             /* worker threads, default 4 */
    uint32_t max_sessions;        /* admission permits, default 64 */
    uint32_t mailbox_cap;         /* direct messages queued per session, default 256 */
    uint32_t park_max;            /* parked future-round messages per session, default 1024 */
    uint64_t barrier_timeout_ms;  /* readiness barrier deadline, default 10000 */
    uint64_t keygen_deadline_ms;  /* whole-session deadline of a keygen, default 120000 */
    uint64_t sign_deadline_ms;    /* of a sign, default 30000 */
    uint64_t reshare_deadline_ms; /* of a reshare, default 120000 */
    uint64_t idle_timeout_ms;     /* fail a running session silent this long, default 30000 */
    uint64_t janitor_tick_ms;     /* deadline check period, default 50 */
    uint32_t tombstone_max;       /* finished sids remembered for GONE, default 4096 */
    uint64_t tombstone_ttl_ms;    /* how long they are remembered, default 120000 */
    uint64_t gone_grace_ms;       /* a GONE answer to a direct send fails the session only if
                                     it has not finished this long after, default 1000 (a
                                     peer that is DONE answers GONE to a retry of a message
                                     it already had; one that FAILED also sends ABORT, first:
                                     the GONE waits until the mailbox is handled) */
    uint64_t abort_grace_ms;      /* an ABORT from a peer fails the session (MPC_ERR_GONE naming
                                     it) only if it has not ended by itself this long after,
                                     default 200, 0 = at once: a peer that caught a cheater
                                     first must not pre-empt our own verdict on the same
                                     message (MPC_ERR_PEER_RESTARTED is always at once) */
    int gone_responder;           /* 1 = subscribe mpc.s.*.d.<self> for GONE, default 1 */
    session_pairgate *pairgate;   /* per-pair gate of DKLs23 KOS checks (pairgate.h), or NULL;
                                     borrowed, must outlive the manager; required by a
                                     session_spec with a gate_scope */
    uint64_t incarnation;         /* this process start's id, sent in every envelope; 0 (the
                                     default) = a random non-zero value drawn at create. A
                                     peer seen with two incarnations in one session restarted
                                     during it: the session fails with MPC_ERR_PEER_RESTARTED */
} session_config;

/* What the owner learns when a session ends. Borrowed during the callback. */
typedef struct {
    const uint8_t *sid;             /* SESSION_SID_LEN bytes */
    mpc_status status;              /* MPC_OK or why it failed */
    uint32_t culprit;               /* blamed party index, or SESSION_NO_CULPRIT */
    const char *culprit_id;         /* node id of the culprit, NULL if none */
    uint32_t round;                 /* round the session was in when it ended (0 = before start) */
    uint32_t batch_instance;        /* batch (tss/batch.h): the failed instance, else
                                       TSS_BATCH_NO_INSTANCE */
    const char *disputed[2];        /* unproven verdict (no culprit): node ids of the parties the
                                       failed check points at, NULL if none / not identified */
    const uint8_t *const *evidence; /* signed envelopes (as received) backing the verdict:
                                       anyone with the peers file can check them */
    const size_t *evidence_lens;    /* their lengths */
    size_t n_evidence;              /* their count (0 = none) */
    const uint8_t *result; /* protocol result (MPC_OK only), else NULL; copy it to keep it */
    size_t result_len;     /* result length */
    uint64_t elapsed_ms;   /* time from start to end */
} session_outcome;

/* Completion callback; runs once on a worker thread, must not block long. */
typedef void (*session_done_fn)(void *arg, const session_outcome *o);

/* One session to start. Everything is copied; borrowed during the call only. */
typedef struct {
    const uint8_t *sid;           /* SESSION_SID_LEN bytes, identical on every party */
    session_op op;                /* operation */
    const char *key_type;         /* "ed25519", "secp256k1", ... */
    const char *wallet;           /* wallet id */
    const tss_protocol *proto;    /* protocol vtable (static lifetime) */
    uint32_t self;                /* own party index */
    uint32_t n_parties;           /* parties (2..255) */
    const char *const *party_ids; /* node ids by party index; [self] == self_id */
    uint32_t threshold;           /* passed to the protocol */
    const uint8_t *input;         /* protocol input, copied */
    size_t input_len;             /* input length */
    uint64_t deadline_ms;         /* session deadline from now, 0 = config default for op */
    uint64_t admit_timeout_ms;    /* wait this long for a permit (0 = do not wait) */
    session_done_fn done;         /* completion callback, required */
    void *done_arg;               /* passed to done */
    const char *gate_scope;       /* key version for the per-pair KOS gate (DKLs23 signing), or
                                     NULL (ungated); the checks and the Δ-dependent messages of
                                     the session go through cfg.pairgate under this scope */
    int hold;                     /* 1: subscribe and pass the barrier, but start the protocol
                                     (send nothing of it) only after session_manager_release:
                                     the owner's durable step overlaps the barrier */
} session_spec;

/* Node-wide counters (a snapshot; see docs/SNAPSHOT.md for their meaning). */
typedef struct {
    uint64_t started;         /* sessions accepted by session_manager_start */
    uint64_t done;            /* sessions ended DONE */
    uint64_t failed;          /* sessions ended FAILED */
    uint64_t live;            /* sessions in the registry now */
    uint64_t live_high_water; /* most sessions ever live at once */
    uint64_t permits_in_use;  /* admission permits held */
    uint64_t faults;          /* faults trapped by this manager's workers */
    uint64_t quarantined;     /* sessions whose state was quarantined */
    uint64_t replays_dropped; /* replayed (from, round, seq) dropped */
    uint64_t late_dropped;    /* messages for rounds already over */
    uint64_t bad_dropped;     /* undecodable or misaddressed envelopes */
    uint64_t parked;          /* messages parked for a later round */
    uint64_t oversized;       /* over the protocol's declared size: dropped undecoded,
                                 or (authenticated) failed naming the sender */
    uint64_t park_refused;    /* a second message of one (peer, round, kind) not parked */
    uint64_t busy_replies;    /* BUSY answered because a mailbox was full */
    uint64_t gone_replies;    /* GONE answered for finished sessions */
    uint64_t gone_answers;    /* GONE answers our direct sends and probes got */
    uint64_t janitor_passes;  /* deadline checks over all sessions completed */
    uint64_t tombstones;      /* finished sids remembered now */
} session_manager_stats;

/* Fills *c with the defaults above (self_id NULL). */
void session_config_default(session_config *c);

/*
 * Creates a manager and starts its workers and janitor.
 * Out: *out — caller owns it; free with session_manager_destroy(). NULL on failure.
 * In: cfg — copied; t — borrowed, must outlive the manager.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CONFIG, MPC_ERR_NOMEM,
 *          MPC_ERR_INTERNAL (threads or signal handlers), transport errors of
 *          the GONE responder subscription.
 */
MPC_MUST_CHECK mpc_status session_manager_create(session_manager **out, const session_config *cfg,
                                                 transport *t);

/*
 * Lets a session started with spec.hold start its protocol (st MPC_OK), or
 * fails it with st before any protocol message left (its peers get GONE).
 * Called once per held session, from any thread, by the owner.
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (the session already ended: nothing of
 *          its protocol was sent); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status session_manager_release(session_manager *m, const uint8_t *sid,
                                                  mpc_status st);

#ifdef MPC_FAULT_INJECTION
/* Test builds: fn(arg, sid, self) runs on the worker each time a session's
 * barrier is found passed, just before the held/failed check that decides
 * whether its protocol starts (NULL: none). Set it while no session runs. */
typedef void (*session_test_barrier_hook_fn)(void *arg, const uint8_t *sid, uint32_t self);
void session_test_barrier_hook(session_test_barrier_hook_fn fn, void *arg);
#endif

/*
 * Shuts down (drain 0 if session_manager_shutdown was not called), stops the
 * threads and frees the manager. Accepts NULL.
 */
void session_manager_destroy(session_manager *m);

/*
 * Starts a session: takes an admission permit (waiting up to
 * spec->admit_timeout_ms), takes the (wallet, key type) lock for a reshare,
 * registers the session and hands it to the workers.
 * Returns: MPC_OK (spec->done will be called exactly once), MPC_ERR_INVALID_ARG,
 *          MPC_ERR_ADMISSION (no permit in time), MPC_ERR_LOCKED (a reshare of
 *          that key runs), MPC_ERR_EXISTS (sid live or recently finished),
 *          MPC_ERR_SHUTDOWN, MPC_ERR_NOMEM. On error done is never called.
 */
MPC_MUST_CHECK mpc_status session_manager_start(session_manager *m, const session_spec *spec);

/*
 * Stops accepting sessions, lets live ones finish until drain_ms, fails the
 * rest with MPC_ERR_SHUTDOWN and waits for them to end. Idempotent.
 * Returns: MPC_OK (all finished by themselves), MPC_ERR_TIMEOUT (some were
 *          failed with MPC_ERR_SHUTDOWN), MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status session_manager_shutdown(session_manager *m, uint64_t drain_ms);

/* Returns: the incarnation this manager puts in its envelopes (0 for NULL). */
uint64_t session_manager_incarnation(session_manager *m);

/* Returns: free admission permits now (0 for NULL). */
uint32_t session_manager_permits_free(session_manager *m);

/* Copies the node counters into *out (zeroed for NULL m). */
void session_manager_get_stats(session_manager *m, session_manager_stats *out);

/*
 * Live snapshot as JSON (schema in the header of session/snapshot.c and in
 * docs/SNAPSHOT.md).
 * Out: *json — NUL-terminated; caller frees with free(). NULL on failure.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status session_manager_snapshot(session_manager *m, char **json);

/* Returns: the static name of a state ("running", ...). */
const char *session_state_name(session_state s);

/* Returns: the static name of an op ("sign", ...), "unknown" otherwise. */
const char *session_op_name(session_op op);

/*
 * Formats the 32-char lowercase hex of a session id.
 * Out: out[0..SESSION_SID_HEX_LEN] NUL-terminated.
 */
void session_sid_hex(const uint8_t sid[SESSION_SID_LEN], char out[SESSION_SID_HEX_LEN + 1]);

/*
 * Returns: the largest protocol message a session carries: the envelope
 * ceiling (session/wire.h SESSION_WIRE_MAX, or transport_max when smaller and
 * non-zero: the server's max_payload) less the envelope's overhead. A batch
 * (tss/batch.h) packs its instances' messages into one and must fit.
 */
size_t session_payload_max(size_t transport_max);

#endif /* MPC_SESSION_MANAGER_H */

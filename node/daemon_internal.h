/*
 * daemon_internal.h — state shared by the daemon's files (daemon.c, intake.c,
 * handlers.c, outcome.c, housekeeping.c, http.c, metrics.c). Not an API.
 *
 * DESIGN (threads and ownership):
 * - intake thread (the one calling node_daemon_run): waits for a free
 *   admission permit, fetches one request, opens and validates it, answers
 *   rejections / duplicates / non-participation at once, or prepares a job
 *   and starts its session(s). It owns a job until its sessions started.
 * - session workers: the completion callback (node_job_session_done) copies
 *   the outcome into the sub-job; the last one moves the job to d->done.
 * - finisher thread (outcome.c): stores shares/keyinfo, writes the request
 *   log, publishes the results, Acks (or Naks after a shutdown), frees the job.
 * - retry thread (retry.c): a sign whose session failed for a transient
 *   cause is queued there instead of finishing (the job stays in d->jobs);
 *   it asks the co-signers for a logged success (peerresult_serve.c), or
 *   prepares the sub-job again and starts the next attempt, or completes the
 *   job (node_job_complete) when no attempt is left.
 * - ticker thread (housekeeping.c): heartbeats, InProgress on running jobs,
 *   JetStream reachability for /readyz.
 * - HTTP (libmicrohttpd thread) and NATS handlers only read counters,
 *   flags and snapshots.
 * d->mu guards: jobs, done, stop-related waits, job->last_progress_ms and the
 * JetStream message of a job while it is in d->jobs (InProgress vs Ack: the
 * finisher unlinks a job under d->mu before it acks it).
 */
#ifndef MPC_NODE_DAEMON_INTERNAL_H
#define MPC_NODE_DAEMON_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/log.h"
#include "node/client/request.h"
#include "node/client/results.h"
#include "node/client/sid.h"
#include "node/config/config.h"
#include "node/config/peers.h"
#include "node/daemon.h"
#include "node/presig.h"
#include "node/ratelimit.h"
#include "node/retry.h"
#include "node/sdnotify.h"
#include "node/store/identity.h"
#include "node/store/keyinfo.h"
#include "node/store/keys.h"
#include "node/store/store.h"
#include "node/watchdog.h"
#include "session/manager.h"
#include "transport/jetstream.h"
#include "transport/peer_table.h"
#include "transport/transport.h"
#include "tss/hd.h"
#include "tss/keyshare.h"
#include "tss/keytype.h"

#define NODE_JOB_MAX_SUB      2u   /* sessions per request: one per key type */
#define NODE_ERR_TEXT_MAX     200u /* error text in a result */
#define NODE_FETCH_TIMEOUT_MS 500u /* intake fetch wait (also the stop latency) */
/* status slots in metric tables: one per status, and "unknown" (it was a fixed 128 while
 * the table grew past it: every later status was counted as "unknown") */
#define NODE_METRIC_SLOTS   ((size_t)MPC_STATUS_COUNT + 1u)
#define NODE_METRIC_BUCKETS 12u   /* duration histogram buckets */
#define NODE_PENDING_NAK_MS 2000u /* redelivery of a request whose keys are being resolved */

struct node_daemon;
struct node_job;

/* One session of a request (one key type). */
struct node_subjob {
    struct node_job *job;               /* owner */
    const tss_keytype *h;               /* key-type table (tss/keytype.h); NULL if unknown */
    int key_type;                       /* Mpc__KeyType */
    uint8_t sid[NODE_CLIENT_SID_BYTES]; /* session id */
    int started;                        /* a session was started for it */
    /* prepared by the handler */
    char parties[NODE_STORE_KEYINFO_MAX_PARTIES][NODE_ID_MAX + 1]; /* session parties, in order */
    const char *party_ptrs[NODE_STORE_KEYINFO_MAX_PARTIES];        /* pointers into parties */
    uint32_t n_parties;                                            /* session size */
    uint32_t self;                                                 /* own index in parties */
    uint32_t threshold;                                            /* k of the protocol */
    uint8_t *input;                /* protocol input (secure memory) or NULL */
    size_t input_len;              /* its length */
    struct node_store_keyinfo *ki; /* key as read at intake (sign/reshare) */
    uint32_t version;              /* version used (sign) / created */
    int joining;                   /* reshare: this node has no record and joins the committee */
    /* outcome */
    mpc_status status;                  /* final status */
    char error_text[NODE_ERR_TEXT_MAX]; /* detail for the result */
    uint32_t failed_round;              /* round of the failure */
    char failed_peer[NODE_ID_MAX + 1];  /* culprit node id or "" */
    char disputed[2][NODE_ID_MAX + 1];  /* unproven verdict: the parties in dispute, "" if none */
    uint8_t *evid[8];                   /* signed envelopes behind the verdict (malloc) */
    size_t evid_len[8];                 /* their lengths */
    size_t n_evid;                      /* their count */
    uint8_t *result;                    /* protocol result (secure memory) */
    size_t result_len;                  /* its length */
    uint64_t elapsed_ms;                /* session duration */
    /* what the result reports */
    uint8_t pk[NODE_STORE_KEYINFO_PK_MAX]; /* group public key */
    size_t pk_len;                         /* its length, 0 if unknown */
    uint8_t sig[64];                       /* signature (sign): Ed25519 R||S or r||s */
    size_t sig_len;                        /* 64 or 0 */
    uint8_t recid;                         /* ECDSA recovery id 0..3 */
    int has_chain;                         /* 1 if chain holds the key's chain code */
    uint8_t chain[TSS_HD_CHAIN_BYTES];     /* chain code (keygen/reshare/sign results) */
    char hd_path[TSS_HD_PATH_CHARS];       /* sign: canonical derivation path, "" = root */
    uint8_t child_pk[TSS_POINT_MAX_BYTES]; /* sign: the key the signature verifies under */
    size_t child_pk_len;                   /* its length, 0 if not set */
    int presig_used;                       /* sign: served online with a presignature */
    uint8_t presig_id[32];                 /* ... its presig_id (taken out of the store) */
    struct node_presig_claim presig_claim; /* ... read, taken while the session is held */
    uint32_t n_batch;                      /* batch sign: messages signed, 0 = single sign */
    uint8_t batch_sigs[NODE_CLIENT_RESULT_BATCH_MAX][64]; /* batch signatures, request order */
    uint8_t batch_recids[NODE_CLIENT_RESULT_BATCH_MAX];   /* their ECDSA recovery ids */
    uint8_t tr_output[32];   /* Taproot: x-only output key the sig verifies under */
    uint8_t tr_internal[32]; /* Taproot: x-only internal key */
    int has_tr;              /* 1 when tr_output/tr_internal are set */
    const char *out_parties[NODE_STORE_KEYINFO_MAX_PARTIES]; /* committee/signers reported */
    size_t n_out_parties;                                    /* count */
    uint32_t out_threshold;                                  /* threshold reported */
    /* retries of a sign (node/retry.h) */
    uint32_t attempts;   /* attempts failed so far (0 = first one runs) */
    uint32_t retry_slot; /* wall-clock slot of the next attempt (bound in the sid) */
    char left[NODE_RETRY_LEFT_MAX][NODE_ID_MAX + 1]; /* holders that answered the request with
                                                        a failure: chosen no more */
    uint32_t n_left;                                 /* entries in left */
    uint64_t retry_deadline_ms;                      /* no new attempt from then on (monotonic) */
    uint64_t retry_due_ms;          /* next attempt's start (monotonic; retry queue) */
    struct node_subjob *retry_next; /* retry queue link */
};

/* One request in flight. */
struct node_job {
    struct node_daemon *d;                              /* owner */
    transport_js_msg *msg;                              /* the JetStream message (owned) */
    Mpc__Request *req;                                  /* decoded request (owned) */
    char request_id[NODE_CLIENT_REQUEST_ID_MAX + 1];    /* request id */
    char client_id[NODE_CLIENT_REQUEST_CLIENT_MAX + 1]; /* result subject token */
    int op;                                             /* Mpc__Op */
    uint64_t stream_seq;                                /* JetStream sequence of msg */
    uint8_t digest[32];                                 /* SHA-256 of the Request bytes */
    uint64_t started_ms;                                /* monotonic start */
    uint64_t last_progress_ms;                          /* last InProgress (monotonic; d->mu) */
    size_t n_sub;                                       /* sub-jobs */
    struct node_subjob sub[NODE_JOB_MAX_SUB];           /* one per key type */
    int pending;                                        /* sessions not yet completed (d->mu) */
    int key_pending; /* its keys were committed PENDING: the message is Nak'ed, not acked, until
                        the resolver decided (a REDO runs it again, docs/DESIGN.md §4.4) */
    struct node_job *next; /* d->jobs or d->done list link */
};

/* Counters exported on /metrics (metrics.c); all updated atomically. */
struct node_metrics {
    uint64_t outcomes[3][NODE_METRIC_SLOTS];     /* sessions by op-1 and status slot */
    uint64_t dur_bucket[3][NODE_METRIC_BUCKETS]; /* duration histogram (non-cumulative) */
    uint64_t dur_count[3];                       /* observations */
    uint64_t dur_sum_ms[3];                      /* sum of durations */
    uint64_t rejected[NODE_METRIC_SLOTS];        /* requests rejected at intake by status slot */
    uint64_t republished;                        /* results republished from the request log */
    uint64_t not_participant;                    /* requests acked as not ours */
    uint64_t unauthenticated;       /* requests dropped unanswered: no valid initiator signature */
    uint64_t naks;                  /* requests Nak'ed for redelivery */
    uint64_t publish_failures;      /* result publishes that failed */
    uint64_t store_failures;        /* store writes that failed */
    uint64_t reqlog_pruned;         /* request-log entries pruned */
    uint64_t reqlog_commits;        /* request-log transactions of the finisher's sign groups */
    uint64_t reqlog_grouped;        /* sign request-log entries written by them */
    uint64_t store_batch_fallbacks; /* groups written entry by entry after a failure */
    uint64_t intake_paused_ms;      /* time intake waited on a full store */
    uint64_t retries;               /* sign attempts scheduled after a transient failure */
    uint64_t not_selected;          /* signs this holder was not chosen for (live signer choice) */
    uint64_t key_retries; /* keygen/reshare attempts scheduled after a transient failure */
    uint64_t key_attempts_discarded;     /* pending keys of a failed attempt discarded (REDO) */
    uint64_t republish_retries;          /* result republish attempts that failed (republish.c) */
    uint64_t republish_ok;               /* queued results acknowledged at last */
    uint64_t republish_gave_up;          /* queued results given up after their max age */
    uint64_t keyinfo[NODE_METRIC_SLOTS]; /* key-info queries answered, by status slot */
    uint64_t keyinfo_dropped;            /* key-info queries dropped (undecodable) */
};

/* The daemon. */
struct node_daemon {
    struct node_config *cfg;          /* configuration (owned) */
    node_store_identity *id;          /* identity (owned) */
    node_config_peers *peers;         /* peers (owned) */
    node_store *store;                /* key store (owned) */
    transport_identity *tid;          /* envelope identity (owned) */
    transport_peer_table *ptable;     /* envelope peers (owned) */
    transport *t;                     /* session transport (owned) */
    transport *t_nats;                /* the NATS transport: t, or under t's test fault layer */
    transport_js *js;                 /* JetStream connection (owned) */
    transport_js_consumer *cons;      /* this node's durable (owned) */
    session_manager *mgr;             /* sessions (owned) */
    struct node_http *http;           /* HTTP server (owned) */
    transport_sub *hb_sub;            /* mpc.n.*.hb */
    transport_sub *status_sub;        /* mpc.n.<self>.status */
    transport_sub *keyclaim_sub;      /* mpc.n.<self>.keyclaim (keyclaim_serve.c) */
    transport_sub *keyconfirm_sub;    /* mpc.n.<self>.keyconfirm (keyconfirm_serve.c) */
    struct node_resolver *resolver;   /* PENDING key resolution (resolver.c, owned) */
    struct node_republish *republish; /* unacknowledged results (republish.c, owned) */
    const uint8_t (*initiators)[32];  /* borrowed from cfg */
    struct node_client_request_policy policy; /* request acceptance (now_ms set per request) */
    pthread_mutex_t mu;                       /* see DESIGN above */
    pthread_cond_t cv;                        /* job done, permit freed, stop */
    struct node_job *jobs;                    /* requests with sessions in flight */
    struct node_job *done;                    /* completed, waiting for the finisher */
    struct node_job *finishing;     /* the jobs the finisher is storing/publishing (a list: a
                                       group commit of signs, or one job), or NULL */
    size_t n_jobs;                  /* jobs in jobs + done (d->mu) */
    uint64_t jobs_idle_ms;          /* monotonic ms n_jobs last fell to 0 (d->mu) */
    int finisher_stop;              /* finisher: exit when done is empty (d->mu) */
    int ticker_stop;                /* ticker: exit (d->mu) */
    pthread_t finisher;             /* finisher thread */
    pthread_t ticker;               /* ticker thread */
    int threads_started;            /* bit 0 finisher, bit 1 ticker */
    int stop;                       /* stop requested (atomic; signal thread) */
    int js_ok;                      /* last JetStream ping succeeded (atomic) */
    uint64_t started_ms;            /* monotonic start */
    uint64_t *peer_seen_ms;         /* per peer index: last heartbeat (atomic), 0 never */
    uint64_t *peer_inc;             /* per peer index: incarnation in its last heartbeat (atomic) */
    struct node_retry *retry;       /* retry queue and thread (retry.c, owned) */
    transport_sub *outcome_sub;     /* mpc.n.<self>.outcome (peerresult_serve.c) */
    struct node_keyquery *keyquery; /* key-info client keys and nonce cache (owned) */
    transport_sub *keyinfo_sub;     /* mpc.n.<self>.keyinfo (keyquery_serve.c) */
    uint64_t ack_wait_ms;           /* effective AckWait */
    struct node_metrics m;          /* counters */
    node_sdnotify *notify;          /* systemd notify socket (owned), NULL if none */
    node_watchdog *watchdog;        /* systemd watchdog thread (owned), NULL if none */
    uint64_t watchdog_limit_ms;     /* longest tolerated stall: the watchdog interval */
    uint64_t intake_beat_ms;        /* last turn of the intake loop (atomic, monotonic) */
    struct node_ratelimit limit;    /* per-initiator request rate (intake thread only) */
    uint64_t unauth_logged_ms;      /* last unauthenticated-drop log line (intake thread) */
    uint64_t intake_fetched_us;     /* when the last fetch returned (intake thread; stage trace) */
    uint64_t unauth_unlogged;       /* drops since that line (intake thread) */
    struct node_kos *kos;           /* KOS quarantine gate and lists (kos_node.c, owned) */
    struct node_keystate *keystate; /* key-state digest exchange (keystate_node.c, owned) */
    int reload;                     /* SIGHUP: config reload requested (atomic; signal thread) */
    struct node_config *policy_cfg; /* reloaded config owning d->policy's keys, or NULL */
    uint64_t reqlog_age_ms;         /* request-log retention by age (atomic; SIGHUP) */
    uint64_t reqlog_max;            /* request-log retention by entries (atomic; SIGHUP) */
    uint32_t nak_streak;            /* consecutive failure NAKs, for their backoff (finisher) */
    int store_full_logged;          /* store-full state last logged (ticker) */
    struct node_presign *presign;   /* presignature pools (presign_node.c, owned), NULL = off */
};

/* presign_node.c: presignature pools (DESIGN §7 "Presignatures"). */
#define NODE_PRESIGN_REFUSAL_KINDS 10 /* refused_by: [0] status 449, [k] status 670 + k */
struct node_presign;
struct node_presign_stats {
    uint64_t orders_sent;                            /* orders this node signed and sent */
    uint64_t orders_accepted;                        /* peers' orders accepted */
    uint64_t orders_refused;                         /* peers' orders refused */
    uint64_t refused_by[NODE_PRESIGN_REFUSAL_KINDS]; /* ... by status (see above) */
    uint64_t sessions_started;                       /* presign sessions started here */
    uint64_t sessions_done;                          /* ... ended DONE */
    uint64_t sessions_failed;                        /* ... failed */
    uint64_t records_stored;                         /* records stored in a pool */
    uint64_t store_failures;                         /* records the store refused */
    uint64_t records_dropped;  /* records dropped by reconciliation (one side lacked them) */
    uint64_t sets_skipped;     /* (key, set) turns skipped: the set does not fit the key */
    uint64_t refills_deferred; /* refills of a pool at least half full put off: requests ran */
    uint64_t online_used;      /* signs served online with a presignature */
    uint64_t online_without;   /* first attempts that found no usable presignature */
    uint64_t records;          /* presignature records in the store now (gauge) */
};
/* Subscribes mpc.n.<self>.presign and starts the refill thread when
 * presign.pool_size > 0 (else does nothing). Returns transport errors,
 * MPC_ERR_NOMEM, MPC_ERR_INTERNAL. */
MPC_MUST_CHECK mpc_status node_presign_start(struct node_daemon *d);
/* Stops the thread and the responder (sessions already started still end). */
void node_presign_stop(struct node_daemon *d);
/* Stops and frees (after the session manager is destroyed). Accepts NULL state. */
void node_presign_destroy(struct node_daemon *d);
/* 1 when pools are on. */
int node_presign_enabled(const struct node_daemon *d);
/* A first sign attempt used a presignature (used = 1) or found none usable. */
void node_presign_note_online(struct node_daemon *d, int used);
void node_presign_stats(struct node_daemon *d, struct node_presign_stats *out);
/* Adds "presign" (the counters) to a snapshot JSON (left as is on failure). */
void node_presign_snapshot_add(struct node_daemon *d, char **json);

/* daemon.c: on the intake thread, applies a reload asked by SIGHUP (log
 * level, initiators, authorizers), if one was asked. */
void node_daemon_reload_if_asked(struct node_daemon *d);

/* housekeeping.c: 1 while the key store is full (intake pauses, /readyz fails). */
int node_daemon_store_full(const struct node_daemon *d);

/* notify.c: READY=1 and the watchdog (start of run), the intake heartbeat,
 * STOPPING=1 (drain begins), closing (end of run). */
void node_notify_start(struct node_daemon *d);
void node_notify_beat(struct node_daemon *d);
void node_notify_stopping(struct node_daemon *d);
void node_notify_stop(struct node_daemon *d);

/* intake.c: runs until d->stop. */
void node_intake_run(struct node_daemon *d);

/* handlers.c */
/* The key-type table of an Mpc__KeyType; NULL if the node does not know it. */
const tss_keytype *node_handler_find(int key_type);

/* The BIP341 tweak a Taproot sign request asks for (request.proto fields 8, 9; validated). */
void node_handler_tr_tweak(const Mpc__SignRequest *s, tss_frost_tweak *tw);

/*
 * The x-only output key a Taproot sign request signs under with group key
 * pk[0..pk_len) (33 bytes). Out: out. Returns: MPC_OK, MPC_ERR_BAD_POINT, MPC_ERR_TR_*.
 */
MPC_MUST_CHECK mpc_status node_handler_tr_output(const Mpc__SignRequest *s, const uint8_t *pk,
                                                 size_t pk_len, uint8_t out[32]);
/*
 * Prepares sub-job sj of job (key type sj->key_type).
 * Returns: MPC_OK (start a session), MPC_ERR_NOT_PARTICIPANT, or the error
 *          to report (sj->error_text set).
 */
mpc_status node_handler_prepare(struct node_daemon *d, struct node_job *job,
                                struct node_subjob *sj);
/* Returns: the protocol table of the job's op for sj, NULL if unsupported. */
const tss_protocol *node_handler_protocol(const struct node_job *job, const struct node_subjob *sj);
/* Finisher: stores what a successful session produced; sets the result fields.
 * Returns: MPC_OK or the status the sub-job ends with. */
mpc_status node_handler_finish(struct node_daemon *d, struct node_job *job, struct node_subjob *sj);
/* Finisher: the key write of a successful keygen/reshare sub-job (c is the
 * committee storage w points to). Returns: MPC_OK; MPC_ERR_NOT_FOUND (a sign:
 * nothing to store). */
mpc_status node_handler_key_write(const struct node_job *job, struct node_subjob *sj,
                                  struct node_store_committee *c, struct node_store_key_write *w);
/* Finisher, for a failed session: records what the failure implies (a
 * quarantine after MPC_ERR_OT_CHECK). Failures are logged, not returned. */
void node_handler_failed(struct node_daemon *d, struct node_job *job, struct node_subjob *sj);
/* Frees what prepare/finish allocated in sj. */
void node_subjob_clear(struct node_subjob *sj);
/* Before preparing sj again for a new attempt: frees what prepare allocated
 * and forgets the parties (the attempt state stays). */
void node_subjob_reprepare_clear(struct node_subjob *sj);

/* intake.c: starts the session of a prepared sub-job (intake or retry thread).
 * Returns: MPC_OK (the completion callback will run) or session_manager_start's error. */
mpc_status node_subjob_start(struct node_daemon *d, struct node_job *job, struct node_subjob *sj);

/* peerresult_serve.c (node/peerresult.h): the mpc.n.<self>.outcome responder, and
 * the question to the signers of sj's last attempt (retry thread) whether one of
 * them logged a success of the request; if so sj takes it over (status MPC_OK,
 * signature, signers). Returns: NODE_PEERRESULT_ADOPTED, NODE_PEERRESULT_PEER_FAILED
 * (one logged a failure: it joins no further attempt), NODE_PEERRESULT_NOTHING. */
MPC_MUST_CHECK mpc_status node_peerresult_serve_start(struct node_daemon *d);
void node_peerresult_serve_stop(struct node_daemon *d);

/* keyquery_serve.c (node/client/keyquery.h): answers mpc.n.<self>.keyinfo. Start after
 * the key-state exchange (its gate), stop before it. Returns transport errors. */
MPC_MUST_CHECK mpc_status node_keyquery_serve_start(struct node_daemon *d);
void node_keyquery_serve_stop(struct node_daemon *d);
int node_peerresult_adopt(struct node_daemon *d, struct node_subjob *sj);

/* signers_live.c: this node's view of the holders ids[0..n): live[i] (1 = self or
 * heard within NODE_SIGNERS_LIVE_MS) and inc[i] (process incarnation, 0 unknown).
 * Right after start it first waits (bounded) to hear every holder once. */
void node_signers_view(struct node_daemon *d, const char *const *ids, size_t n, int *live,
                       uint64_t *inc);
/* signers_live.c: binds the attempt into a prepared sign's sid (node/client/sid.h):
 * its point (signers and their incarnations) and its number (0 for the first
 * attempt, then the retry's slot); sets the retry deadline on the first attempt. Returns: MPC_OK or
 * the sid error. */
mpc_status node_sign_bind_attempt(struct node_daemon *d, const struct node_job *job,
                                  struct node_subjob *sj);

/* kos_node.c (node/kos.h): DKLs23 "abort for good" on this node. */
struct node_kos;
struct node_kos_notice;
/* What the gate and the lists counted (metrics, status). */
struct node_kos_stats {
    uint64_t checks;           /* KOS checks evaluated under the gate */
    uint64_t check_failures;   /* of those, failed */
    uint64_t gate_pairs;       /* pairs quarantined in this node's gate */
    uint64_t known_pairs;      /* quarantined pairs known cluster-wide */
    uint64_t unstored;         /* own quarantines not yet stored (their keys refuse signing) */
    uint64_t notices_sent;     /* notices published */
    uint64_t notices_received; /* valid notices of peers */
    uint64_t notices_rejected; /* malformed, unknown or badly signed notices */
    uint64_t notices_unsaved;  /* peers' notices the store refused (held in memory only) */
    uint64_t notices_loaded;   /* peers' notices reloaded from the store at start */
};
/* Creates the gate (before the session manager). Returns MPC_OK or MPC_ERR_NOMEM. */
MPC_MUST_CHECK mpc_status node_kos_create(struct node_daemon *d);
/* Loads this node's stored quarantines (key records) into the gate and the
 * known list, so they are enforced and re-published after a restart. */
void node_kos_load(struct node_daemon *d);
/* Frees it (after the session manager). Accepts a daemon without one. */
void node_kos_destroy(struct node_daemon *d);
/* Returns: the gate for the session manager's config. */
session_pairgate *node_kos_gate(struct node_daemon *d);
/* Subscribes mpc.n.*.kosq (notices of peers). Returns transport errors. */
MPC_MUST_CHECK mpc_status node_kos_listen(struct node_daemon *d);
void node_kos_unlisten(struct node_daemon *d);
/* Finisher, after MPC_ERR_OT_CHECK naming sj->failed_peer: marks, stores
 * (or remembers it unstored: the key then fails closed), publishes the notice. */
void node_kos_failed(struct node_daemon *d, const struct node_subjob *sj, const char *wallet);
/*
 * Before a sign with signers ids[0..n) of (key_type, wallet, version): retries
 * pending stores, then refuses a set holding a quarantined pair.
 * Out: why (reason text). Returns: MPC_OK; MPC_ERR_QUARANTINE_UNSTORED;
 *      MPC_ERR_PAIR_QUARANTINED.
 */
MPC_MUST_CHECK mpc_status node_kos_sign_check(struct node_daemon *d, int key_type,
                                              const char *wallet, uint32_t version,
                                              const char *const *ids, size_t n, char *why,
                                              size_t why_cap);
/* Signer choice without named signers: drops from ids[0..n) the accused of
 * every known pair whose accuser is in the set. Returns: the new count. */
size_t node_kos_avoid(struct node_daemon *d, int key_type, const char *wallet, uint32_t version,
                      const char **ids, size_t n);
/* Copies the counters into *out. */
void node_kos_stats(struct node_daemon *d, struct node_kos_stats *out);
/* Adds "kos" (counters and known pairs) to a snapshot JSON (left as is on failure). */
void node_kos_snapshot_add(struct node_daemon *d, char **json);
/* Re-publishes this node's own notices (nodes that missed them, or restarted). */
void node_kos_republish(struct node_daemon *d);
/* Copies up to cap known pairs into out. Returns: how many. */
size_t node_kos_list(struct node_daemon *d, struct node_kos_notice *out, size_t cap);

/* evidence.c: the whole evidence of failed sessions, kept and served */
struct node_evidence_stats {
    uint64_t stored;  /* entries stored */
    uint64_t evicted; /* entries evicted (oldest first) to stay within the budget */
    uint64_t refused; /* entries over the per-request cap or not stored */
    uint64_t bytes;   /* evidence bytes kept after the last store */
    uint64_t served;  /* chunks served to mpc-cli */
};
/* Stores the evidence of every failed subjob of job (finisher thread). */
void node_evidence_keep(struct node_daemon *d, const struct node_job *job);
/* A status request that is an evidence query: answers it, returns 1; otherwise 0. */
int node_evidence_serve(struct node_daemon *d, const transport_msg *msg);
void node_evidence_stats(struct node_evidence_stats *out);

/* outcome.c */
/* Key-state digest exchange (node/keystate_node.c, docs/DESIGN.md §8.2). */
struct node_keystate;
struct node_keystate_stats {
    uint64_t rounds;         /* rounds done */
    uint64_t exchanges;      /* peers compared */
    uint64_t failures;       /* peers that did not answer usably */
    uint64_t rejected;       /* queries or replies refused (signature, time, form) */
    uint64_t findings_total; /* new findings */
    uint64_t catch_ups;      /* keys caught up after a rollback */
    uint64_t findings;       /* current findings */
    uint64_t diverged;       /* of those, DIVERGED (the key is refused) */
    uint64_t rolled_back;    /* of those, a peer states a newer version (refused) */
};
/* Allocates d->keystate (start does it when needed; tests call it alone). */
MPC_MUST_CHECK mpc_status node_keystate_create(struct node_daemon *d);
struct node_keystate_finding;
/* Replaces the findings with peer by found[0..n) (a round's comparison). Any thread. */
void node_keystate_note(struct node_daemon *d, const char *peer,
                        const struct node_keystate_finding *found, size_t n);
/* Subscribes mpc.n.<self>.keystate and starts the round thread (its first round at once). */
MPC_MUST_CHECK mpc_status node_keystate_start(struct node_daemon *d);
/* Stops the thread and the responder; frees the state. Accepts a never-started d. */
void node_keystate_stop(struct node_daemon *d);
/* Returns: MPC_OK, or why the key may not sign or reshare now: MPC_ERR_KEY_DIVERGED,
 * MPC_ERR_KEY_ROLLED_BACK, MPC_ERR_KEY_SHARE_LOST (version). Intake thread. */
MPC_MUST_CHECK mpc_status node_keystate_gate(struct node_daemon *d, int key_type,
                                             const char *wallet, uint32_t version);
void node_keystate_stats(struct node_daemon *d, struct node_keystate_stats *out);
void node_keystate_snapshot_add(struct node_daemon *d, char **json);

MPC_MUST_CHECK mpc_status node_finisher_start(struct node_daemon *d);
void node_finisher_stop(struct node_daemon *d);
void node_job_session_done(void *arg, const session_outcome *o);
/* Moves a job whose sessions all ended from d->jobs to the finisher (any thread). */
void node_job_complete(struct node_daemon *d, struct node_job *job);
/* Frees a job (and its message, without acking). */
void node_job_free(struct node_job *job);
/* Encodes and publishes results (and writes the request log if log != 0). */
mpc_status node_job_publish(struct node_daemon *d, struct node_job *job, int log);
/* Publishes one encoded Result copy for request_id/client_id. */
mpc_status node_client_result_publish(struct node_daemon *d, const char *client_id,
                                      const char *request_id, const char *key_type,
                                      const uint8_t *res, size_t len);
/* Publishes every Result copy of a request-log entry, in order (the resolver,
 * the republisher and a redelivered request). Returns: the first failure. */
mpc_status node_client_entry_publish(struct node_daemon *d, const char *request_id,
                                     const struct node_client_results_entry *e);

/* Final acknowledgements of a request message; failures are logged (the server
 * then redelivers after AckWait, which the request log makes harmless). */
void node_msg_ack(transport_js_msg *m, const char *request_id);
void node_msg_nak(transport_js_msg *m, uint64_t delay_ms, const char *request_id);
void node_msg_term(transport_js_msg *m, const char *request_id);

/* housekeeping.c */
MPC_MUST_CHECK mpc_status node_housekeeping_start(struct node_daemon *d);
void node_housekeeping_stop(struct node_daemon *d);
/* Returns: 1 if every check of /readyz passes; writes a reason list to why. */
int node_daemon_ready(struct node_daemon *d, char *why, size_t cap);

/* keyclaim_serve.c (node/keyclaim.h) */
MPC_MUST_CHECK mpc_status node_keyclaim_serve_start(struct node_daemon *d);
void node_keyclaim_serve_stop(struct node_daemon *d);
/*
 * Learns the public data of sj's key from the peers' signed claims (intake
 * thread; blocks for the replies). On failure sets sj->error_text (and
 * sj->failed_peer when one is to blame).
 * Out: *rec, *rec_len — the public-only record of the active version (secure
 *      memory); *active_version; *ks — its decoded key share (caller owns).
 * Returns: MPC_OK; MPC_ERR_UNKNOWN_WALLET; MPC_ERR_EQUIVOCATION;
 *          MPC_ERR_PEER_UNAVAILABLE; MPC_ERR_CORRUPT; MPC_ERR_NOMEM; MPC_ERR_RANDOM.
 */
MPC_MUST_CHECK mpc_status node_keyclaim_learn(struct node_daemon *d, struct node_subjob *sj,
                                              const char *wallet, uint8_t **rec, size_t *rec_len,
                                              uint32_t *active_version, tss_keyshare **ks);

/* keyconfirm_serve.c, resolver.c (node/keyconfirm.h, docs/DESIGN.md §8.1) */
struct node_keyconfirm_key;
struct node_keyconfirm_query;
struct node_keyconfirm;
/* Subscribes mpc.n.<self>.keyconfirm (answers from the store). Returns transport errors. */
MPC_MUST_CHECK mpc_status node_keyconfirm_serve_start(struct node_daemon *d);
void node_keyconfirm_serve_stop(struct node_daemon *d);
/*
 * What this node stored for (key_type, wallet, version): the fields a
 * confirmation binds. Out: *key, *state (enum node_store_key_version_state).
 * Returns: MPC_OK; MPC_ERR_NOT_FOUND (no such version or share); the store's
 *          or decoder's error.
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_own(struct node_daemon *d, int key_type,
                                              const char *wallet, uint32_t version,
                                              struct node_keyconfirm_key *key, int *state);
/*
 * This node's answer to query c->q (c->kind, and c->key for PENDING/ACTIVE),
 * from its jobs, its retry queue and its store (keyconfirm_serve.c; the
 * transport thread of mpc.n.<self>.keyconfirm). Reads d->store, d->mu's lists
 * and d->retry; holds no lock across a store read.
 */
void node_keyconfirm_answer(struct node_daemon *d, struct node_keyconfirm *c);
#ifdef MPC_FAULT_INJECTION
/* Test builds: fn(arg) runs inside node_keyconfirm_answer between its look
 * at the jobs and its look at the store (NULL: none). Not thread-safe: set
 * it while no query is answered. */
void node_keyconfirm_test_between(void (*fn)(void *), void *arg);
#endif
/*
 * Asks member about q (resolver thread; blocks up to the reply wait) and
 * opens its signed answer against member's key in the peers file.
 * Out: *c — cleared on entry. Returns: MPC_OK; transport errors;
 *      node_keyconfirm_open's refusals (each logged).
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_ask(struct node_daemon *d,
                                              const struct node_keyconfirm_query *q,
                                              const char *member, struct node_keyconfirm *c);
/* Starts the resolver thread after queueing every pend/ marker of the store
 * (call before intake). Returns: MPC_OK; MPC_ERR_NOMEM; MPC_ERR_INTERNAL. */
MPC_MUST_CHECK mpc_status node_resolver_start(struct node_daemon *d);
/* Stops and frees it (markers left stay in the store). Accepts a daemon without one. */
void node_resolver_stop(struct node_daemon *d);
/* Queues request_id (PENDING commit done, or a redelivery found it pending). Any thread. */
void node_resolver_add(struct node_daemon *d, const char *request_id);
/* A member asked us about request_id, so it has stored its PENDING keys: a queued
 * retry of request_id is due now instead of after its backoff step. Any thread. */
void node_resolver_kick(struct node_daemon *d, const char *request_id);
/* metrics.c */
void node_metrics_outcome(struct node_metrics *m, int op, mpc_status st, uint64_t ms);
void node_metrics_rejected(struct node_metrics *m, mpc_status st);
/* Counts a key-info query answered with st (keyquery_serve.c). */
void node_metrics_keyinfo(struct node_metrics *m, mpc_status st);
void node_metrics_add(uint64_t *counter);
/* Adds n to a metrics counter (atomic). */
void node_metrics_add_n(uint64_t *counter, uint64_t n);
/* Renders Prometheus text. Out: *text malloc'ed (free()). */
MPC_MUST_CHECK mpc_status node_metrics_render(struct node_daemon *d, char **text, size_t *len);

/* http.c */
struct node_http;
MPC_MUST_CHECK mpc_status node_http_start(struct node_daemon *d, struct node_http **out);
void node_http_stop(struct node_http *h);

/*
 * Debug trace of one request through the pipeline (DESIGN §4 "Stage
 * trace"): event request_stage, stage name and the monotonic clock in
 * microseconds (t_us), which every process of one machine shares, so the
 * lines of the nodes and of `mpc-cli bench --trace` line up. Costs a level
 * test unless log.level is debug. t_us == 0: now.
 */
static inline void
node_stage_at(const char *request_id, const char *stage, uint64_t t_us)
{
    if (mpc_log_get_level() == MPC_LOG_DEBUG) {
        mpc_log(MPC_LOG_DEBUG, "node", "request_stage", "request=%s stage=%s t_us=%llu",
                request_id != NULL ? request_id : "-", stage,
                (unsigned long long)(t_us != 0 ? t_us : mpc_clock_mono_ns() / 1000u));
    }
}

static inline void
node_stage(const char *request_id, const char *stage)
{
    node_stage_at(request_id, stage, 0);
}

/* One job fewer (d->mu held); notes when the node became idle
 * (d->jobs_idle_ms, the presign refill's pause rule). */
static inline void
node_jobs_dec_locked(struct node_daemon *d)
{
    d->n_jobs--;
    if (d->n_jobs == 0) {
        d->jobs_idle_ms = mpc_clock_mono_ms();
    }
}

#endif /* MPC_NODE_DAEMON_INTERNAL_H */

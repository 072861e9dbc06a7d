/*
 * intake.c — the request intake loop (DESIGN §4 steps 2-4).
 *
 * DESIGN: runs on the thread that called node_daemon_run. It fetches only
 * while the session manager has a free admission permit (backpressure:
 * unfetched requests wait in JetStream). Per message:
 *   no valid initiator signature -> dropped: no result (the ids in it are
 *       the sender's claim, and results under a client's id belong to that
 *       client), counted in mpc_requests_unauthenticated_total and
 *       mpc_requests_rejected_total, logged at most once a second, Term;
 *   initiator over its rate (node/ratelimit.h) -> error result, Term;
 *   id in the request log with the same content (digest of the Request
 *       bytes) -> republish the stored results, Ack; with other content ->
 *       MPC_ERR_REQ_ID_REUSED (the log entry stays), Term;
 *   invalid (node_client_request_open) -> error result + request log (so a
 *       duplicate gets the same answer), Term;
 *   already in flight here: redelivery -> leave it to the running job; other
 *       content -> MPC_ERR_REQ_ID_REUSED;
 *   not a participant -> Ack;
 *   store-dependent rejection (unknown wallet, unsupported key type, ...)
 *       -> error result + request log, Term;
 *   otherwise -> one session per key type; the job lives in d->jobs until
 *       its sessions complete (outcome.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/intake_fault.h"
#include "node/killpoint.h"
#include "node/kos.h"
#include "node/republish.h"
#include "node/store/unpub.h"

#define NODE_PERMIT_WAIT_MS 200u
#define NODE_ADMIT_WAIT_MS  2000u
#define NODE_RETRY_NAK_MS   1000u
#define NODE_FETCH_ERR_MS   500u

static int
stopping(struct node_daemon *d)
{
    return __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE);
}

/* Waits on d->cv up to ms (a permit freed, a job done, a stop). */
static void
wait_cv(struct node_daemon *d, uint64_t ms)
{
    struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(ms));
    pthread_mutex_lock(&d->mu);
    if (!stopping(d)) {
        (void)pthread_cond_timedwait(&d->cv, &d->mu, &until);
    }
    pthread_mutex_unlock(&d->mu);
}

/* ---------------------------------------------------------------- replies */

/*
 * Republishes the request log entry of ids->request_id if it was logged for
 * the same content. Returns: MPC_OK (republished); MPC_ERR_NOT_FOUND (not
 * logged); MPC_ERR_KEY_PENDING (keys committed PENDING: the resolver answers;
 * the message waits, Nak'ed, until then); MPC_ERR_KEY_ATTEMPT_DISCARDED (the
 * resolver discarded this node's key of a failed attempt: run the request
 * again, its next attempt at a slot, docs/DESIGN.md §4.4);
 * MPC_ERR_REQ_ID_REUSED (logged for other content; nothing sent);
 * MPC_ERR_NATS (a publish failed); the store's or decoder's error.
 */
static mpc_status
republish_logged(struct node_daemon *d, const struct node_client_request_ids *ids)
{
    const char *request_id = ids->request_id;
    mpc_status outcome = MPC_OK;
    uint8_t *entry = NULL;
    size_t len = 0;
    struct node_client_results_entry e;
    mpc_status st = node_store_req_get(d->store, request_id, &outcome, &entry, &len);
    if (st != MPC_OK) {
        return st;
    }
    st = node_client_results_entry_decode(&e, entry, len);
    free(entry);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "node", "request_log_corrupt", "request=%s", request_id);
        return st;
    }
    if (e.has_digest && sodium_memcmp(e.digest, ids->digest, sizeof e.digest) != 0) {
        node_client_results_entry_clear(&e);
        return MPC_ERR_REQ_ID_REUSED;
    }
    if (outcome == MPC_ERR_KEY_PENDING || outcome == MPC_ERR_KEY_ATTEMPT_DISCARDED) {
        /* PENDING: the resolver publishes, never rerun; DISCARDED: run again */
        node_client_results_entry_clear(&e);
        if (outcome == MPC_ERR_KEY_PENDING) {
            node_resolver_add(d, request_id);
        }
        mpc_log(MPC_LOG_INFO, "node", "request_pending", "request=%s state=%s", request_id,
                outcome == MPC_ERR_KEY_PENDING ? "resolving" : "next_attempt");
        return outcome;
    }
    st = node_client_entry_publish(d, request_id, &e);
    node_client_results_entry_clear(&e);
    node_metrics_add(&d->m.republished);
    mpc_log(MPC_LOG_INFO, "node", "request_republished", "request=%s status=%s", request_id,
            mpc_status_name(st));
    return st == MPC_OK ? MPC_OK : MPC_ERR_NATS;
}

/*
 * Drops a request that did not authenticate: nothing is published (its ids
 * and client are only claims, and the result subjects belong to the client
 * named), counted, logged at most once a second with the count since, Term.
 */
static void
drop_unauthenticated(struct node_daemon *d, transport_js_msg *msg, mpc_status why, const char *err)
{
    uint64_t now = mpc_clock_mono_ms();
    node_metrics_rejected(&d->m, why);
    node_metrics_add(&d->m.unauthenticated);
    d->unauth_unlogged++;
    if (d->unauth_logged_ms == 0 || now - d->unauth_logged_ms >= 1000) {
        mpc_log(MPC_LOG_WARN, "node", "request_dropped_unauthenticated",
                "status=%s reason=\"%s\" dropped=%llu seq=%llu", mpc_status_name(why), err,
                (unsigned long long)d->unauth_unlogged,
                (unsigned long long)transport_js_msg_stream_seq(msg));
        d->unauth_logged_ms = now;
        d->unauth_unlogged = 0;
    }
    node_msg_term(msg, "-");
}

/* How reject() answers. */
enum reject_mode {
    REJECT_LOG = 1,   /* also store it in the request log (a duplicate gets the same answer) */
    REJECT_NO_KT = 2, /* no key type in the Result and its Nats-Msg-Id: it stands beside,
                         and never replaces, the results logged under the same id */
};

/* Logs a refusal with its unpub/ marker (node/store/unpub.h). Returns: 1 if logged. */
static int
reject_log(struct node_daemon *d, const char *rid, mpc_status why, const uint8_t *entry,
           size_t elen)
{
    struct node_store_req_entry e = {rid, why, entry, elen};
    char **acked = NULL;
    mpc_status each = MPC_OK;
    size_t n_acked = node_republish_take_acked(d, &acked);
    mpc_status st =
        node_store_req_put_unpub(d->store, &e, 1, &each, acked, n_acked, mpc_clock_wall_ms());
    node_store_names_free(acked, n_acked);
    if (st != MPC_OK) {
        node_metrics_add(&d->m.store_failures);
    }
    return st == MPC_OK;
}

/*
 * Answers an authenticated request that is refused: error result (logged when
 * mode has REJECT_LOG), Term. A request whose ids are invalid cannot be
 * answered (no subject): it is logged and termed only.
 */
static void
reject(struct node_daemon *d, transport_js_msg *msg, const struct node_client_request_ids *ids,
       mpc_status why, const char *err, int mode)
{
    const char *rid = ids->request_id, *cid = ids->client_id;
    uint8_t *res = NULL, *entry = NULL;
    size_t len = 0, elen = 0;
    node_metrics_rejected(&d->m, why);
    mpc_log(MPC_LOG_WARN, "node", "request_rejected",
            "request=%s client=%s status=%s reason=\"%s\"", rid[0] ? rid : "-", cid[0] ? cid : "-",
            mpc_status_name(why), err);
    if (rid[0] != '\0' && cid[0] != '\0') {
        struct node_client_result_info info = {
            .request_id = rid,
            .op = ids->op,
            .key_type = (mode & REJECT_NO_KT) != 0 ? 0 : ids->key_type,
            .wallet_id = ids->wallet_id,
            .status = why,
            .error_text = err,
            .node_id = d->cfg->node_id,
            .finished_at_ms = mpc_clock_wall_ms(),
            .request_digest = ids->digest,
        };
        if (node_client_result_encode(&info, &res, &len) == MPC_OK) {
            int logged =
                (mode & REJECT_LOG) != 0 &&
                node_client_results_entry_encode(cid, ids->digest, (const uint8_t *const *)&res,
                                                 &len, 1, &entry, &elen) == MPC_OK &&
                reject_log(d, rid, why, entry, elen);
            const tss_keytype *h =
                (mode & REJECT_NO_KT) != 0 ? NULL : node_handler_find(ids->key_type);
            mpc_status pub =
                node_client_result_publish(d, cid, rid, h != NULL ? h->name : NULL, res, len);
            if (logged && pub == MPC_OK) {
                node_republish_acked(d, rid);
            } else if (logged) {
                node_republish_add(d, rid); /* logged: the node gets it out (republish.h) */
            }
        }
    }
    free(entry);
    free(res);
    node_msg_term(msg, rid);
}

/* ---------------------------------------------------------------- jobs */

/* Returns: the job for request_id in d->jobs, d->done or d->finishing (the
 * finisher's current list; d->mu held), or NULL. */
static struct node_job *
find_job(struct node_daemon *d, const char *request_id)
{
    struct node_job *lists[3] = {d->jobs, d->done, d->finishing};
    for (int k = 0; k < 3; k++) {
        for (struct node_job *j = lists[k]; j != NULL; j = j->next) {
            if (strcmp(j->request_id, request_id) == 0) {
                return j;
            }
        }
    }
    return NULL;
}

static struct node_job *
job_new(struct node_daemon *d, transport_js_msg *msg, Mpc__Request *req,
        const struct node_client_request_ids *ids)
{
    struct node_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        return NULL;
    }
    job->d = d;
    job->msg = msg;
    job->req = req;
    memcpy(job->request_id, ids->request_id, sizeof job->request_id);
    memcpy(job->client_id, ids->client_id, sizeof job->client_id);
    memcpy(job->digest, ids->digest, sizeof job->digest);
    job->op = ids->op;
    job->stream_seq = transport_js_msg_stream_seq(msg);
    job->started_ms = mpc_clock_mono_ms();
    job->last_progress_ms = job->started_ms;
    if (req->body_case == MPC__REQUEST__BODY_KEYGEN) {
        job->n_sub = req->keygen->n_key_types;
        for (size_t i = 0; i < job->n_sub; i++) {
            job->sub[i].key_type = (int)req->keygen->key_types[i];
        }
    } else {
        job->n_sub = 1;
        job->sub[0].key_type = ids->key_type;
    }
    for (size_t i = 0; i < job->n_sub; i++) {
        job->sub[i].job = job;
    }
    return job;
}

/* Prepares every sub-job. Returns: count ready to start; *not_ours = 1 if none involve us. */
static size_t
job_prepare(struct node_daemon *d, struct node_job *job, int *not_ours)
{
    size_t ready = 0, others = 0;
    for (size_t i = 0; i < job->n_sub; i++) {
        struct node_subjob *sj = &job->sub[i];
        sj->status = node_handler_prepare(d, job, sj);
        if (sj->status == MPC_OK) {
            ready++;
        } else if (sj->status != MPC_ERR_NOT_PARTICIPANT) {
            others++;
        }
    }
    *not_ours = ready == 0 && others == 0;
    return ready;
}

/*
 * An online sign's session was started held: takes its presignature out of
 * the store (durable) while the session subscribes and meets its peers at
 * the barrier, then lets it send (DESIGN §7 "Presignatures"). A failed take
 * (another request took the record since it was read, a store error) fails
 * the session before anything of it is sent: MPC_ERR_PRESIG_GONE, retried
 * with dkls-sign (node/retry.h).
 */
static void
online_take_release(struct node_daemon *d, const struct node_presig_claim *claim,
                    const uint8_t *sid)
{
    mpc_status st = node_presig_claim_take(d->store, claim);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "presig_online_skipped", "request_id=%s status=%s",
                claim->request_id, mpc_status_name(st));
        st = MPC_ERR_PRESIG_GONE;
    }
    mpc_status rs = session_manager_release(d->mgr, sid, st);
    if (st == MPC_OK && rs == MPC_OK) { /* the online message may be out from here on */
        node_killpoint(NODE_KILL_PRESIG_AFTER_ONLINE, claim->request_id);
    }
}

/* Starts sj's session. Called on the intake thread or the retry thread. */
mpc_status
node_subjob_start(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    const char *wallet = job->op == MPC__OP__OP_KEYGEN ? job->req->keygen->wallet_id
                         : job->op == MPC__OP__OP_SIGN ? job->req->sign->wallet_id
                                                       : job->req->reshare->wallet_id;
    char scope[SESSION_PAIRGATE_SCOPE_MAX + 1];
    int gated = job->op == MPC__OP__OP_SIGN && sj->h->record_quarantine != NULL &&
                node_kos_scope(scope, sizeof scope, sj->h->name, wallet, sj->version) == MPC_OK;
    session_spec spec = {
        .sid = sj->sid,
        .op = (session_op)job->op,
        .key_type = sj->h->name,
        .wallet = wallet,
        .proto = node_handler_protocol(job, sj),
        .self = sj->self,
        .n_parties = sj->n_parties,
        .party_ids = sj->party_ptrs,
        .threshold = sj->threshold,
        .input = sj->input,
        .input_len = sj->input_len,
        .admit_timeout_ms = NODE_ADMIT_WAIT_MS,
        .done = node_job_session_done,
        .done_arg = sj,
        .gate_scope = gated ? scope : NULL, /* DKLs23 KOS pair gate (node/kos.h) */
    };
    uint8_t *input = sj->input; /* copied by the manager; freed here without touching sj */
    int online = sj->presig_used;
    /* job and sj may be gone once the session started: what the take needs, copied */
    struct node_presig_claim claim = sj->presig_claim;
    uint8_t sid[NODE_CLIENT_SID_BYTES];
    memcpy(sid, sj->sid, sizeof sid);
    spec.hold = online; /* nothing of the protocol leaves before the record's removal */
    sj->input = NULL;
    sj->started = 1;
    mpc_status st = session_manager_start(d->mgr, &spec);
    mpc_secure_free(input);
    if (st != MPC_OK) {
        sj->started = 0; /* done is never called; once started, sj may be gone already */
    } else if (online) {
        online_take_release(d, &claim, sid);
    }
    return st;
}

/* Starts the prepared sessions. Returns: the number started. */
static size_t
job_start(struct node_daemon *d, struct node_job *job, mpc_status *first_err)
{
    size_t started = 0;
    *first_err = MPC_OK;
    for (size_t i = 0; i < job->n_sub; i++) {
        struct node_subjob *sj = &job->sub[i];
        if (sj->status != MPC_OK) {
            continue;
        }
        mpc_status st = node_subjob_start(d, job, sj);
        if (st == MPC_OK) {
            started++;
            continue;
        }
        sj->started = 0;
        sj->status = st;
        snprintf(sj->error_text, sizeof sj->error_text, "session not started: %s",
                 mpc_status_str(st));
        *first_err = *first_err == MPC_OK ? st : *first_err;
        pthread_mutex_lock(&d->mu);
        int last = --job->pending == 0;
        pthread_mutex_unlock(&d->mu);
        (void)last; /* the caller handles a job with nothing started */
    }
    return started;
}

/* A rerun (REDO): queues every prepared session for its next attempt instead
 * of starting it. Returns: the number queued. */
static size_t
job_defer(struct node_daemon *d, struct node_job *job, mpc_status *first_err)
{
    size_t queued = 0;
    *first_err = MPC_OK;
    for (size_t i = 0; i < job->n_sub; i++) {
        struct node_subjob *sj = &job->sub[i];
        if (sj->status != MPC_OK) {
            continue;
        }
        if (node_retry_defer(d, sj)) {
            queued++;
            continue;
        }
        sj->status = MPC_ERR_DEADLINE;
        snprintf(sj->error_text, sizeof sj->error_text,
                 "an attempt failed and no time is left for another one");
        *first_err = *first_err == MPC_OK ? sj->status : *first_err;
        pthread_mutex_lock(&d->mu);
        --job->pending;
        pthread_mutex_unlock(&d->mu);
    }
    return queued;
}

static int
retryable(mpc_status st)
{
    return st == MPC_ERR_ADMISSION || st == MPC_ERR_LOCKED || st == MPC_ERR_EXISTS ||
           st == MPC_ERR_SHUTDOWN;
}

/* Unlinks job from d->jobs (d->mu held). */
static void
unlink_job(struct node_daemon *d, struct node_job *job)
{
    for (struct node_job **pp = &d->jobs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == job) {
            *pp = job->next;
            return;
        }
    }
}

/* ---------------------------------------------------------------- ordering */

/* Returns: 1 if job is a reshare of (wallet, key_type) (d->mu held). */
static int
is_reshare_of(const struct node_job *j, const char *wallet, int key_type)
{
    return j != NULL && j->op == MPC__OP__OP_RESHARE && j->sub[0].key_type == key_type &&
           strcmp(j->req->reshare->wallet_id, wallet) == 0;
}

/* Returns: 1 if a reshare of (wallet, key_type) runs or is being stored here (d->mu held). */
static int
reshare_in_flight(struct node_daemon *d, const char *wallet, int key_type)
{
    struct node_job *lists[2] = {d->jobs, d->done};
    for (int k = 0; k < 2; k++) {
        for (struct node_job *j = lists[k]; j != NULL; j = j->next) {
            if (is_reshare_of(j, wallet, key_type)) {
                return 1;
            }
        }
    }
    return is_reshare_of(d->finishing, wallet, key_type);
}

/* Returns: 1 if this node's keyinfo of (wallet, key_type) holds a PENDING
 * version (a keygen or reshare waiting for its confirmations, DESIGN §8.1). */
static int
key_pending(struct node_daemon *d, const char *wallet, int key_type)
{
    struct node_store_keyinfo ki;
    if (node_store_keyinfo_get(d->store, key_type, wallet, &ki) != MPC_OK) {
        return 0;
    }
    int pending = 0;
    for (size_t i = 0; i < ki.n_versions; i++) {
        pending |= ki.versions[i].state == NODE_STORE_KEY_VERSION_PENDING;
    }
    return pending;
}

/*
 * A sign that names no key version uses the active one, and every node must
 * pick the same. Each node fetches requests in stream order, so a reshare of
 * this key that is still in flight here was published before this sign: wait
 * until it is stored (or failed), then resolve the version. Every node then
 * resolves the version as of the same stream position. A sign or reshare of a
 * key with a PENDING version (stored, waiting for the committee's
 * confirmations, DESIGN §8.1) also waits until the resolver activates or
 * discards it, rather than failing with MPC_ERR_KEY_PENDING. The wait blocks
 * intake (the total order is the point) and is bounded by the reshare
 * deadline; if it runs out, the request fails MPC_ERR_KEY_PENDING (a sign
 * named a version) or the sid binding of the version (node/sid.h) keeps nodes
 * that disagree out of each other's session.
 */
static void
wait_for_reshare(struct node_daemon *d, const Mpc__Request *req, int key_type)
{
    const char *wallet = NULL;
    int default_version = 0;
    if (req->body_case == MPC__REQUEST__BODY_SIGN) {
        wallet = req->sign->wallet_id;
        default_version = req->sign->key_version == 0;
    } else if (req->body_case == MPC__REQUEST__BODY_RESHARE) {
        wallet = req->reshare->wallet_id;
    }
    if (wallet == NULL) {
        return;
    }
    uint64_t limit = mpc_clock_mono_ms() + d->cfg->timeouts.reshare_ms + 5000u;
    int waited = 0;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int busy = default_version && reshare_in_flight(d, wallet, key_type);
        pthread_mutex_unlock(&d->mu);
        busy = busy || key_pending(d, wallet, key_type);
        if (!busy || stopping(d) || mpc_clock_mono_ms() >= limit) {
            break;
        }
        waited = 1;
        wait_cv(d, 50);
    }
    if (waited) {
        mpc_log(MPC_LOG_INFO, "node", "request_waited_for_key", "wallet=%s key_type=%d op=%s",
                wallet, key_type, req->body_case == MPC__REQUEST__BODY_SIGN ? "sign" : "reshare");
    }
}

/* Runs a validated request: prepare, start, or answer at once. rerun: this
 * node discarded its key of an earlier attempt (REDO): no first attempt, the
 * sessions wait for their retry slot (node_retry_defer). */
static void
run_request(struct node_daemon *d, transport_js_msg *msg, Mpc__Request *req,
            const struct node_client_request_ids *ids, int rerun)
{
    int not_ours = 0;
    struct node_job *job = job_new(d, msg, req, ids);
    if (job == NULL) {
        mpc__request__free_unpacked(req, NULL);
        transport_js_msg_destroy(msg); /* redelivered after AckWait */
        return;
    }
    /* Lists decide before anything else (an unsupported key type is not our
     * business when we are not listed); reshares and default signers need the store. */
    size_t ready = 0;
    if (job->op != MPC__OP__OP_RESHARE &&
        !node_client_request_lists_node(req, d->peers, d->cfg->node_id)) {
        not_ours = 1;
    } else {
        wait_for_reshare(d, req, job->sub[0].key_type);
        ready = job_prepare(d, job, &not_ours);
        node_stage(job->request_id, "prepared");
    }
    if (not_ours) {
        node_metrics_add(&d->m.not_participant);
        node_msg_ack(job->msg, job->request_id);
        node_job_free(job);
        return;
    }
    if (ready == 0) { /* every key type rejected by its handler, or another holder signs */
        if (job->sub[0].status == MPC_ERR_NOT_SELECTED) {
            node_metrics_add(&d->m.not_selected);
        } else {
            node_metrics_rejected(&d->m, job->sub[0].status);
        }
        (void)node_job_publish(d, job, 1);
        node_msg_term(job->msg, job->request_id);
        node_job_free(job);
        return;
    }
    pthread_mutex_lock(&d->mu);
    job->pending = (int)ready;
    job->next = d->jobs;
    d->jobs = job;
    d->n_jobs++;
    pthread_mutex_unlock(&d->mu);
    mpc_status first_err = MPC_OK;
    size_t started = rerun ? job_defer(d, job, &first_err) : job_start(d, job, &first_err);
    if (started > 0) {
        node_stage(job->request_id, "started");
        mpc_log(MPC_LOG_INFO, "node", "request_started",
                "request=%s op=%s sessions=%zu stream_seq=%llu", job->request_id,
                node_client_request_op_name(job->op), started, (unsigned long long)job->stream_seq);
        return; /* the completion callbacks own the job now */
    }
    pthread_mutex_lock(&d->mu);
    unlink_job(d, job);
    node_jobs_dec_locked(d);
    pthread_mutex_unlock(&d->mu);
    if (retryable(first_err)) {
        node_metrics_add(&d->m.naks);
        node_msg_nak(job->msg, NODE_RETRY_NAK_MS, job->request_id);
    } else {
        (void)node_job_publish(d, job, 1);
        node_msg_ack(job->msg, job->request_id);
    }
    node_job_free(job);
}

/* A request id in flight here: redelivery, same content elsewhere, or a reuse. */
static void
handle_running(struct node_daemon *d, transport_js_msg *msg,
               const struct node_client_request_ids *ids, int same_content, int same_msg)
{
    if (!same_content) {
        reject(d, msg, ids, MPC_ERR_REQ_ID_REUSED, "request id in use by another request",
               REJECT_NO_KT);
    } else if (!same_msg) {
        /* The same request published again (a client's resubmission): never a second run;
         * answered from the request log once the first is logged. */
        mpc_log(MPC_LOG_INFO, "node", "request_running_copy", "request=%s stream_seq=%llu",
                ids->request_id, (unsigned long long)transport_js_msg_stream_seq(msg));
        node_msg_nak(msg, d->ack_wait_ms, ids->request_id);
    } /* else a redelivery of a running request: its job acks the stream message */
}

/* Handles one authenticated request that passed the rate limit. Takes req. */
static void
handle_authenticated(struct node_daemon *d, transport_js_msg *msg, Mpc__Request *req,
                     const struct node_client_request_ids *ids, mpc_status st, const char *err)
{
    node_stage_at(ids->request_id, "fetched", d->intake_fetched_us);
    node_stage(ids->request_id, "opened");
    mpc_status logged = republish_logged(d, ids);
    if (logged == MPC_OK || logged == MPC_ERR_NATS) { /* done before: same answer, no second run */
        if (logged == MPC_OK) {
            node_msg_ack(msg, ids->request_id);
        } else {
            node_msg_nak(msg, NODE_RETRY_NAK_MS, ids->request_id);
        }
    } else if (logged == MPC_ERR_KEY_PENDING) { /* kept until resolved: a REDO runs it again */
        node_msg_nak(msg, NODE_PENDING_NAK_MS, ids->request_id);
    } else if (logged == MPC_ERR_REQ_ID_REUSED) {
        reject(d, msg, ids, MPC_ERR_REQ_ID_REUSED, "request id already used by another request",
               REJECT_NO_KT);
    } else {
        pthread_mutex_lock(&d->mu);
        struct node_job *running = find_job(d, ids->request_id);
        int same_content =
            running != NULL && sodium_memcmp(running->digest, ids->digest, sizeof ids->digest) == 0;
        int same_msg = running != NULL && running->stream_seq == transport_js_msg_stream_seq(msg);
        pthread_mutex_unlock(&d->mu);
        if (running != NULL && (same_content || st == MPC_OK)) {
            /* A copy of the running request is that request even when it no longer passes
             * (expired or stale since): refusing it would log and publish an error under
             * the id the running job answers (docs/DESIGN.md §4, "Client resubmission"). */
            handle_running(d, msg, ids, same_content, same_msg);
        } else if (st != MPC_OK) {
            reject(d, msg, ids, st, err, REJECT_LOG);
        } else {
            run_request(d, msg, req, ids, logged == MPC_ERR_KEY_ATTEMPT_DISCARDED);
            return; /* run_request owns req and msg */
        }
    }
    if (req != NULL) {
        mpc__request__free_unpacked(req, NULL);
    }
    transport_js_msg_destroy(msg);
}

/* Handles one fetched message (takes ownership). */
#ifdef MPC_FAULT_INJECTION
/* Test builds only: MPC_NODE_TEST_LOSE_REDELIVERIES=1 acks and drops every
 * redelivered request unread, as if the stream had lost the message (what a
 * nats-server partition did once, docs/DESIGN.md §10): only the node's own
 * republishing (node/republish.h) can then get a logged result out. */
static int
fault_lose_redelivery(transport_js_msg *msg)
{
    const char *v = getenv("MPC_NODE_TEST_LOSE_REDELIVERIES");
    if (v == NULL || v[0] != '1' || transport_js_msg_delivery_count(msg) <= 1) {
        return 0;
    }
    mpc_log(MPC_LOG_WARN, "node", "fault_redelivery_lost", "stream_seq=%llu deliveries=%llu",
            (unsigned long long)transport_js_msg_stream_seq(msg),
            (unsigned long long)transport_js_msg_delivery_count(msg));
    node_msg_ack(msg, NULL);
    transport_js_msg_destroy(msg);
    return 1;
}
#endif

static void
handle_msg(struct node_daemon *d, transport_js_msg *msg)
{
#ifdef MPC_FAULT_INJECTION
    if (fault_lose_redelivery(msg)) {
        return;
    }
#endif
    struct node_client_request_ids ids;
    Mpc__Request *req = NULL;
    char err[256];
    size_t len = 0;
    const uint8_t *data = transport_js_msg_data(msg, &len);
    struct node_client_request_policy pol = d->policy;
    pol.now_ms = mpc_clock_wall_ms();
    mpc_status st = node_client_request_open(&pol, data, len, &req, &ids, err, sizeof err);
    if (!ids.authenticated) {
        drop_unauthenticated(d, msg, st, err);
    } else if (node_intake_fault_lose_first(ids.request_id)) {
        node_msg_ack(msg, NULL); /* test builds: the stream "lost" it (node/intake_fault.h) */
    } else if (!node_ratelimit_take(&d->limit, ids.initiator, mpc_clock_mono_ms())) {
        reject(d, msg, &ids, MPC_ERR_REQ_RATE_LIMITED, "initiator over its request rate",
               REJECT_NO_KT); /* not logged: the client may try again later */
    } else {
        handle_authenticated(d, msg, req, &ids, st, err);
        return; /* it owns req and msg */
    }
    if (req != NULL) {
        mpc__request__free_unpacked(req, NULL);
    }
    transport_js_msg_destroy(msg);
}

void
node_intake_run(struct node_daemon *d)
{
    uint64_t last_err_log = 0;
    transport_js_msg *msg = NULL;
    while (!stopping(d)) {
        node_notify_beat(d);
        node_daemon_reload_if_asked(d);
        if (node_daemon_store_full(d)) { /* no new work until the ticker finds space again */
            uint64_t t0 = mpc_clock_mono_ms();
            wait_cv(d, NODE_PERMIT_WAIT_MS);
            __atomic_add_fetch(&d->m.intake_paused_ms, mpc_clock_mono_ms() - t0, __ATOMIC_RELAXED);
            continue;
        }
        size_t permits = session_manager_permits_free(d->mgr);
        if (permits == 0) {
            wait_cv(d, NODE_PERMIT_WAIT_MS);
            continue;
        }
        /* One request per fetch, handled at once (issue 12): the transport
         * pulls one message per round trip anyway (transport_js_fetch), and a
         * batch held its first request until a last pull for more had expired
         * (~1 ms at concurrency 1, counted as an empty pull). Junk is dropped
         * without a permit, so a flood costs one round trip per message. */
        size_t n = 0;
        mpc_status st = transport_js_fetch(d->cons, &msg, 1, &n, NODE_FETCH_TIMEOUT_MS);
        if (st == MPC_OK && n > 0) {
            d->intake_fetched_us = mpc_clock_mono_ns() / 1000u;
            handle_msg(d, msg);
            continue;
        }
        if (st == MPC_ERR_TIMEOUT) {
            continue;
        }
        uint64_t now = mpc_clock_mono_ms();
        if (now - last_err_log > 5000) {
            last_err_log = now;
            mpc_log(MPC_LOG_WARN, "node", "intake_fetch_failed", "status=%s", mpc_status_name(st));
        }
        wait_cv(d, NODE_FETCH_ERR_MS); /* NATS down: back off instead of spinning */
    }
}

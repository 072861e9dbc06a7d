/*
 * intake.c — the request intake loop (DESIGN §4 steps 2-4).
 *
 * DESIGN: runs on the thread that called node_daemon_run. It fetches only
 * while the session manager has a free admission permit (backpressure:
 * unfetched requests wait in JetStream). Per message:
 *   invalid (node_client_request_open) -> error result (+ request log when the
 *       initiator signature verified, so a duplicate gets the same answer),
 *       Term;
 *   already in the request log -> republish the stored results, Ack;
 *   already in flight here (redelivery) -> leave it to the running job;
 *   not a participant -> Ack;
 *   store-dependent rejection (unknown wallet, unsupported key type, ...)
 *       -> error result + request log, Term;
 *   otherwise -> one session per key type; the job lives in d->jobs until
 *       its sessions complete (outcome.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"

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

/* Republishes the request log entry of request_id. Returns MPC_ERR_NOT_FOUND if none. */
static mpc_status
republish_logged(struct node_daemon *d, const char *request_id)
{
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
    for (size_t i = 0; i < e.count && st == MPC_OK; i++) {
        Mpc__Result *r = mpc__result__unpack(NULL, e.lens[i], e.results[i]);
        /* Same Nats-Msg-Id as the first publish: it names the key type when the result does. */
        const tss_keytype *h = r != NULL ? node_handler_find((int)r->key_type) : NULL;
        st = node_client_result_publish(d, e.client_id, request_id, h != NULL ? h->name : NULL,
                                        e.results[i], e.lens[i]);
        if (r != NULL) {
            mpc__result__free_unpacked(r, NULL);
        }
    }
    node_client_results_entry_clear(&e);
    node_metrics_add(&d->m.republished);
    mpc_log(MPC_LOG_INFO, "node", "request_republished", "request=%s status=%s", request_id,
            mpc_status_name(st));
    return st == MPC_OK ? MPC_OK : MPC_ERR_NATS;
}

/* Answers an invalid request: error result (logged if authenticated), Term. */
static void
reject(struct node_daemon *d, transport_js_msg *msg, const struct node_client_request_ids *ids,
       mpc_status why, const char *err)
{
    char rid[NODE_CLIENT_REQUEST_ID_MAX + 1] = "", cid[NODE_CLIENT_REQUEST_CLIENT_MAX + 1] = "";
    uint8_t *res = NULL, *entry = NULL;
    size_t len = 0, elen = 0;
    node_metrics_rejected(&d->m, why);
    if (ids->request_id[0] != '\0' && ids->client_id[0] != '\0') {
        memcpy(rid, ids->request_id, sizeof rid);
        memcpy(cid, ids->client_id, sizeof cid);
    } else if (transport_js_msg_header(msg, TRANSPORT_JS_HDR_MSG_ID, rid, sizeof rid) != MPC_OK ||
               transport_js_msg_header(msg, TRANSPORT_JS_HDR_CLIENT, cid, sizeof cid) != MPC_OK ||
               !node_client_request_id_is_valid(rid) || !node_client_id_is_valid(cid)) {
        rid[0] = cid[0] = '\0';
    }
    mpc_log(MPC_LOG_WARN, "node", "request_rejected",
            "request=%s client=%s status=%s reason=\"%s\"", rid[0] ? rid : "-", cid[0] ? cid : "-",
            mpc_status_name(why), err);
    if (rid[0] != '\0') {
        struct node_client_result_info info = {
            .request_id = rid,
            .op = ids->op,
            .key_type = ids->key_type,
            .wallet_id = ids->wallet_id,
            .status = why,
            .error_text = err,
            .node_id = d->cfg->node_id,
            .finished_at_ms = mpc_clock_wall_ms(),
        };
        if (node_client_result_encode(&info, &res, &len) == MPC_OK) {
            if (ids->authenticated &&
                node_client_results_entry_encode(cid, (const uint8_t *const *)&res, &len, 1, &entry,
                                                 &elen) == MPC_OK) {
                if (node_store_req_put(d->store, rid, why, entry, elen) != MPC_OK) {
                    node_metrics_add(&d->m.store_failures);
                }
            }
            const tss_keytype *h = node_handler_find(ids->key_type);
            (void)node_client_result_publish(d, cid, rid, h != NULL ? h->name : NULL, res, len);
        }
    }
    free(entry);
    free(res);
    node_msg_term(msg, rid);
}

/* ---------------------------------------------------------------- jobs */

/* Returns: the job for request_id in d->jobs or d->done (d->mu held), or NULL. */
static struct node_job *
find_job(struct node_daemon *d, const char *request_id)
{
    struct node_job *lists[2] = {d->jobs, d->done};
    for (int k = 0; k < 2; k++) {
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
        const char *wallet = job->op == MPC__OP__OP_KEYGEN ? job->req->keygen->wallet_id
                             : job->op == MPC__OP__OP_SIGN ? job->req->sign->wallet_id
                                                           : job->req->reshare->wallet_id;
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
        };
        sj->started = 1;
        mpc_status st = session_manager_start(d->mgr, &spec);
        mpc_secure_free(sj->input); /* copied by the manager */
        sj->input = NULL;
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

/*
 * A sign that names no key version uses the active one, and every node must
 * pick the same. Each node fetches requests in stream order, so a reshare of
 * this key that is still in flight here was published before this sign: wait
 * until it is stored (or failed), then resolve the version. Every node then
 * resolves the version as of the same stream position. The wait blocks intake
 * (the total order is the point) and is bounded by the reshare deadline; if it
 * runs out, the sid binding of the version (node/sid.h) still keeps nodes that
 * disagree out of each other's session.
 */
static void
wait_for_reshare(struct node_daemon *d, const Mpc__Request *req, int key_type)
{
    if (req->body_case != MPC__REQUEST__BODY_SIGN || req->sign->key_version != 0) {
        return;
    }
    uint64_t limit = mpc_clock_mono_ms() + d->cfg->timeouts.reshare_ms + 5000u;
    int waited = 0;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int busy = reshare_in_flight(d, req->sign->wallet_id, key_type);
        pthread_mutex_unlock(&d->mu);
        if (!busy || stopping(d) || mpc_clock_mono_ms() >= limit) {
            break;
        }
        waited = 1;
        wait_cv(d, 50);
    }
    if (waited) {
        mpc_log(MPC_LOG_INFO, "node", "sign_waited_for_reshare", "wallet=%s key_type=%d",
                req->sign->wallet_id, key_type);
    }
}

/* Runs a validated request: prepare, start, or answer at once. */
static void
run_request(struct node_daemon *d, transport_js_msg *msg, Mpc__Request *req,
            const struct node_client_request_ids *ids)
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
    }
    if (not_ours) {
        node_metrics_add(&d->m.not_participant);
        node_msg_ack(job->msg, job->request_id);
        node_job_free(job);
        return;
    }
    if (ready == 0) { /* every key type rejected by its handler */
        node_metrics_rejected(&d->m, job->sub[0].status);
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
    size_t started = job_start(d, job, &first_err);
    if (started > 0) {
        mpc_log(MPC_LOG_INFO, "node", "request_started", "request=%s op=%s sessions=%zu",
                job->request_id, node_client_request_op_name(job->op), started);
        return; /* the completion callbacks own the job now */
    }
    pthread_mutex_lock(&d->mu);
    unlink_job(d, job);
    d->n_jobs--;
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

/* Handles one fetched message (takes ownership). */
static void
handle_msg(struct node_daemon *d, transport_js_msg *msg)
{
    struct node_client_request_ids ids;
    Mpc__Request *req = NULL;
    char err[256];
    size_t len = 0;
    const uint8_t *data = transport_js_msg_data(msg, &len);
    struct node_client_request_policy pol = d->policy;
    pol.now_ms = mpc_clock_wall_ms();
    mpc_status st = node_client_request_open(&pol, data, len, &req, &ids, err, sizeof err);
    if (st != MPC_OK) {
        if (!ids.authenticated || republish_logged(d, ids.request_id) != MPC_OK) {
            reject(d, msg, &ids, st, err);
        } else {
            node_msg_ack(msg, ids.request_id);
        }
        transport_js_msg_destroy(msg);
        return;
    }
    st = republish_logged(d, ids.request_id);
    if (st == MPC_OK || st == MPC_ERR_NATS) { /* done before: same answer, no second run */
        if (st == MPC_OK) {
            node_msg_ack(msg, ids.request_id);
        } else {
            node_msg_nak(msg, NODE_RETRY_NAK_MS, ids.request_id);
        }
        mpc__request__free_unpacked(req, NULL);
        transport_js_msg_destroy(msg);
        return;
    }
    pthread_mutex_lock(&d->mu);
    struct node_job *running = find_job(d, ids.request_id);
    int same = running != NULL && running->stream_seq == transport_js_msg_stream_seq(msg);
    pthread_mutex_unlock(&d->mu);
    if (running != NULL) {
        /* A redelivery of a running request: its job acks the stream message.
         * Another message reusing the id: retry once the first is logged. */
        if (!same) {
            node_msg_nak(msg, d->ack_wait_ms, ids.request_id);
        }
        mpc__request__free_unpacked(req, NULL);
        transport_js_msg_destroy(msg);
        return;
    }
    run_request(d, msg, req, &ids);
}

void
node_intake_run(struct node_daemon *d)
{
    uint64_t last_err_log = 0;
    while (!stopping(d)) {
        node_daemon_reload_if_asked(d);
        if (node_daemon_store_full(d)) { /* no new work until the ticker finds space again */
            uint64_t t0 = mpc_clock_mono_ms();
            wait_cv(d, NODE_PERMIT_WAIT_MS);
            __atomic_add_fetch(&d->m.intake_paused_ms, mpc_clock_mono_ms() - t0, __ATOMIC_RELAXED);
            continue;
        }
        if (session_manager_permits_free(d->mgr) == 0) {
            wait_cv(d, NODE_PERMIT_WAIT_MS);
            continue;
        }
        transport_js_msg *msg = NULL;
        size_t n = 0;
        mpc_status st = transport_js_fetch(d->cons, &msg, 1, &n, NODE_FETCH_TIMEOUT_MS);
        if (st == MPC_OK && n == 1) {
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

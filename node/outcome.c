/*
 * outcome.c — the end of a request: session completion, the finisher thread
 * that stores, logs, publishes and acknowledges, and result publishing.
 *
 * DESIGN: the completion callback runs on a session worker and only copies
 * the outcome; the last session of a job moves it from d->jobs to d->done.
 * The finisher does the slow parts in this order, so that nothing is lost
 * across a crash:
 *   1+2. store what the sessions produced (share + keyinfo of every key
 *      type) and the request log req/<id> (outcome + every encoded Result)
 *      in ONE store transaction. A keygen/reshare is committed PENDING
 *      (node_store_keys_commit_pending, docs/DESIGN.md §8.1): nothing is
 *      published here; the request goes to the resolver (resolver.c), which
 *      publishes once every committee member confirmed; the message is
 *      Nak'ed with delay (not acked) until then: its redelivery republishes
 *      the final results, or, if the resolver discarded the key because a
 *      member runs another attempt (REDO), runs the request again;
 *      Every request-log entry written here carries an unpub/ marker in the
 *      same transaction (node/store/unpub.h);
 *   3. publish the results (JetStream, Nats-Msg-Id per node and key type);
 *      every PubAck received: the marker goes with the next commit; a publish
 *      failed: the request is queued to the republisher (node/republish.h),
 *      which retries from the log until JetStream acknowledges it;
 *   4. Ack (in both cases of 3: the node, not the stream's redelivery, owns a
 *      logged result). A crash before 1+2 reruns the request after AckWait;
 *      after 2 the restarted node republishes every marked entry, and the
 *      redelivery finds the log and republishes too (same Nats-Msg-Id: one
 *      copy). A job failed by shutdown is not logged and is Nak'ed with delay
 *      (the next start reruns it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/killpoint.h"
#include "node/republish.h"
#include "node/store/unpub.h"
#include "transport/subject.h"

#define NODE_PUBLISH_TIMEOUT_MS 5000u
#define NODE_NAK_DELAY_MS       1000u
#define NODE_NAK_MAX_MS         60000u /* backoff cap of repeated failure NAKs */
#define NODE_FINISH_BATCH       64u    /* sign jobs per group commit of the request log */

void
node_job_free(struct node_job *job)
{
    if (job == NULL) {
        return;
    }
    for (size_t i = 0; i < job->n_sub; i++) {
        node_subjob_clear(&job->sub[i]);
    }
    if (job->req != NULL) {
        mpc__request__free_unpacked(job->req, NULL);
    }
    transport_js_msg_destroy(job->msg);
    free(job);
}

void
node_job_session_done(void *arg, const session_outcome *o)
{
    struct node_subjob *sj = arg;
    struct node_job *job = sj->job;
    struct node_daemon *d = job->d;
    sj->status = o->status;
    sj->failed_round = o->status == MPC_OK ? 0 : o->round;
    sj->elapsed_ms = o->elapsed_ms;
    if (o->culprit_id != NULL) {
        snprintf(sj->failed_peer, sizeof sj->failed_peer, "%s", o->culprit_id);
    }
    if (o->status != MPC_OK && o->batch_instance != TSS_BATCH_NO_INSTANCE) {
        snprintf(sj->error_text, sizeof sj->error_text, "batch entry %u (0-based) failed: %s",
                 o->batch_instance, mpc_status_str(o->status));
    }
    for (int k = 0; k < 2; k++) {
        snprintf(sj->disputed[k], sizeof sj->disputed[k], "%s",
                 o->disputed[k] != NULL ? o->disputed[k] : "");
    }
    for (size_t i = 0; i < o->n_evidence && sj->n_evid < 8; i++) {
        if ((sj->evid[sj->n_evid] = malloc(o->evidence_lens[i])) != NULL) {
            memcpy(sj->evid[sj->n_evid], o->evidence[i], o->evidence_lens[i]);
            sj->evid_len[sj->n_evid++] = o->evidence_lens[i];
        }
    }
    if (o->status == MPC_OK && o->result != NULL) {
        sj->result = mpc_secure_alloc(o->result_len + 1);
        if (sj->result == NULL) {
            sj->status = MPC_ERR_NOMEM;
        } else {
            memcpy(sj->result, o->result, o->result_len);
            sj->result_len = o->result_len;
        }
    }
    node_stage(job->request_id, "session_done");
    node_metrics_outcome(&d->m, job->op, sj->status, o->elapsed_ms);
    if (sj->status != MPC_OK && node_retry_offer(d, sj, sj->status)) {
        pthread_mutex_lock(&d->mu);
        pthread_cond_broadcast(&d->cv); /* a permit was freed */
        pthread_mutex_unlock(&d->mu);
        return; /* another attempt follows (node/retry.h) */
    }
    node_job_complete(d, job);
}

void
node_job_complete(struct node_daemon *d, struct node_job *job)
{
    pthread_mutex_lock(&d->mu);
    if (--job->pending == 0) {
        struct node_job **pp = &d->jobs;
        while (*pp != NULL && *pp != job) {
            pp = &(*pp)->next;
        }
        if (*pp == job) {
            *pp = job->next;
        }
        job->next = d->done;
        d->done = job;
    }
    pthread_cond_broadcast(&d->cv); /* a permit was freed too */
    pthread_mutex_unlock(&d->mu);
}

static void
msg_result(mpc_status st, const char *what, const char *request_id)
{
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "request_ack_failed", "request=%s action=%s status=%s",
                request_id != NULL && request_id[0] ? request_id : "-", what, mpc_status_name(st));
    }
}

void
node_msg_ack(transport_js_msg *m, const char *request_id)
{
    msg_result(transport_js_msg_ack(m, NODE_PUBLISH_TIMEOUT_MS), "ack", request_id);
}

void
node_msg_nak(transport_js_msg *m, uint64_t delay_ms, const char *request_id)
{
    msg_result(transport_js_msg_nak(m, delay_ms), "nak", request_id);
}

void
node_msg_term(transport_js_msg *m, const char *request_id)
{
    msg_result(transport_js_msg_term(m), "term", request_id);
}

/* node_client_result_sign_fn over the node's identity key. */
static mpc_status
result_sign_identity(void *ctx, uint8_t *sig, const uint8_t *msg, size_t len)
{
    return node_store_identity_sign(ctx, sig, msg, len);
}

/*
 * Signs the encoded Result with the node's identity key (proto/result.proto:
 * every copy is attributable) and publishes it on the node's own result
 * subject. A request-log entry holds the unsigned bytes: Ed25519 is
 * deterministic, so a republish sends the very same signed copy.
 */
mpc_status
node_client_result_publish(struct node_daemon *d, const char *client_id, const char *request_id,
                           const char *key_type, const uint8_t *res, size_t len)
{
    char subject[TRANSPORT_SUBJECT_MAX];
    char msg_id[TRANSPORT_JS_MSG_ID_MAX + 1];
    uint8_t *signed_res = NULL;
    size_t signed_len = 0;
    transport_js_header h = {TRANSPORT_JS_HDR_NODE, d->cfg->node_id};
    mpc_status st = transport_subject_build(subject, sizeof subject, TRANSPORT_SUBJ_RESULT,
                                            client_id, request_id, d->cfg->node_id);
    if (st == MPC_OK) {
        st = transport_js_result_msg_id(msg_id, sizeof msg_id, request_id, d->cfg->node_id,
                                        key_type);
    }
    if (st == MPC_OK) {
        st = node_client_result_sign(res, len, d->cfg->node_id, result_sign_identity, d->id,
                                     &signed_res, &signed_len);
    }
#ifdef MPC_FAULT_INJECTION
    if (st == MPC_OK && node_republish_fault_publish()) {
        st = MPC_ERR_NO_RESPONDERS; /* as during a JetStream election */
    } else
#endif
        if (st == MPC_OK) {
        st = transport_js_publish(d->js, subject, signed_res, signed_len, msg_id, &h, 1,
                                  NODE_PUBLISH_TIMEOUT_MS, NULL);
    }
    free(signed_res);
    if (st != MPC_OK) {
        node_metrics_add(&d->m.publish_failures);
        mpc_log(MPC_LOG_WARN, "node", "result_publish_failed", "request=%s status=%s", request_id,
                mpc_status_name(st));
    }
    return st;
}

mpc_status
node_client_entry_publish(struct node_daemon *d, const char *request_id,
                          const struct node_client_results_entry *e)
{
    mpc_status st = MPC_OK;
    for (size_t i = 0; i < e->count && st == MPC_OK; i++) {
        Mpc__Result *r = mpc__result__unpack(NULL, e->lens[i], e->results[i]);
        /* Same Nats-Msg-Id as the first publish: it names the key type when the result does. */
        const tss_keytype *h = r != NULL ? node_handler_find((int)r->key_type) : NULL;
        st = node_client_result_publish(d, e->client_id, request_id, h != NULL ? h->name : NULL,
                                        e->results[i], e->lens[i]);
        if (r != NULL) {
            mpc__result__free_unpacked(r, NULL);
        }
    }
    return st;
}

/* Encodes the Result of sub-job sj. */
static mpc_status
subjob_encode(struct node_daemon *d, const struct node_job *job, const struct node_subjob *sj,
              uint8_t **out, size_t *len)
{
    const char *wallet = job->op == MPC__OP__OP_KEYGEN ? job->req->keygen->wallet_id
                         : job->op == MPC__OP__OP_SIGN ? job->req->sign->wallet_id
                                                       : job->req->reshare->wallet_id;
    int ok_sig = sj->status == MPC_OK && sj->sig_len == 64;
    int ok_keys = ok_sig || (sj->status == MPC_OK && sj->n_batch > 0); /* a batch signed too */
    int ecdsa = sj->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    int tr = sj->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR && sj->has_tr;
    const char *disputed[2];
    size_t n_disputed = 0;
    for (int k = 0; k < 2; k++) {
        if (sj->disputed[k][0] != '\0') {
            disputed[n_disputed++] = sj->disputed[k];
        }
    }
    struct node_client_result_info info = {
        .request_id = job->request_id,
        .op = job->op,
        .key_type = sj->key_type,
        .wallet_id = wallet,
        .status = sj->status,
        .error_text = sj->error_text,
        .failed_round = sj->failed_round,
        .failed_peer = sj->failed_peer,
        .public_key = sj->pk_len > 0 ? sj->pk : NULL,
        .public_key_len = sj->pk_len,
        .signature = ok_sig && !ecdsa && !tr ? sj->sig : NULL,
        .signature_len = ok_sig && !ecdsa && !tr ? sj->sig_len : 0,
        .schnorr_signature = ok_sig && tr ? sj->sig : NULL,
        .taproot_output_key = ok_sig && tr ? sj->tr_output : NULL,
        .taproot_internal_key = ok_sig && tr ? sj->tr_internal : NULL,
        .presig_used = ok_sig && ecdsa && sj->presig_used ? sj->presig_id : NULL,
        .ecdsa_rs = ok_sig && ecdsa ? sj->sig : NULL,
        .recovery_id = ok_sig && ecdsa ? sj->recid : 0,
        .key_version = sj->version,
        .participants = sj->out_parties,
        .n_participants = sj->n_out_parties,
        .threshold = sj->out_threshold,
        .node_id = d->cfg->node_id,
        .finished_at_ms = mpc_clock_wall_ms(),
        .duration_ms = sj->elapsed_ms,
        .request_digest = job->digest,
        .disputed = disputed,
        .n_disputed = n_disputed,
        .evidence = (const uint8_t *const *)sj->evid,
        .evidence_lens = sj->evid_len,
        .n_evidence = sj->n_evid,
        .chain_code = sj->has_chain ? sj->chain : NULL,
        .derivation_path = sj->hd_path,
        .child_public_key = ok_keys && sj->child_pk_len > 0 ? sj->child_pk : NULL,
        .child_public_key_len = ok_keys ? sj->child_pk_len : 0,
        .batch_sigs = sj->status == MPC_OK && sj->n_batch > 0 ? sj->batch_sigs[0] : NULL,
        .batch_recids = sj->status == MPC_OK && sj->n_batch > 0 && ecdsa ? sj->batch_recids : NULL,
        .n_batch = sj->status == MPC_OK ? sj->n_batch : 0,
    };
    return node_client_result_encode(&info, out, len);
}

#ifdef MPC_FAULT_INJECTION
/* Test builds only: MPC_NODE_TEST_CRASH_AFTER_LOGS=N makes the process die
 * (like kill -9: no cleanup) right after the N-th request-log write, before
 * the results are published and the request acked. */
static void
fault_crash_after_log(void)
{
    static int left = -1;
    if (left == -1) {
        const char *v = getenv("MPC_NODE_TEST_CRASH_AFTER_LOGS");
        left = v != NULL ? atoi(v) : 0;
    }
    if (left > 0 && --left == 0) {
        mpc_log(MPC_LOG_WARN, "node", "fault_crash_after_log", "exit=99");
        _exit(99);
    }
}
#endif

/* The job's encoded Results (one per sub-job) and its request-log entry. */
struct job_results {
    struct node_daemon *d;
    struct node_job *job;
    uint8_t *res[NODE_JOB_MAX_SUB];  /* encoded Results (malloc'ed) */
    size_t lens[NODE_JOB_MAX_SUB];   /* their lengths */
    size_t sub_of[NODE_JOB_MAX_SUB]; /* key write k -> sub-job index */
    int pending;                     /* keys committed PENDING: the resolver publishes */
};

static void
job_results_clear(struct job_results *r)
{
    for (size_t i = 0; i < NODE_JOB_MAX_SUB; i++) {
        free(r->res[i]);
        r->res[i] = NULL;
        r->lens[i] = 0;
    }
}

/* Encodes every sub-job's Result and the request-log entry. */
static mpc_status
job_results_encode(struct job_results *r, mpc_status *worst, uint8_t **entry, size_t *elen)
{
    struct node_job *job = r->job;
    mpc_status st = MPC_OK;
    *worst = MPC_OK;
    job_results_clear(r);
    for (size_t i = 0; i < job->n_sub && st == MPC_OK; i++) {
        st = subjob_encode(r->d, job, &job->sub[i], &r->res[i], &r->lens[i]);
        *worst = *worst == MPC_OK ? job->sub[i].status : *worst;
    }
    if (st == MPC_OK && entry != NULL) {
        st = node_client_results_entry_encode(job->client_id, job->digest,
                                              (const uint8_t *const *)r->res, r->lens, job->n_sub,
                                              entry, elen);
    }
    return st;
}

/* node_store_keys_commit's entry builder: the versions are final now. */
static mpc_status
commit_entry(void *ctx, const struct node_store_key_write *w, size_t n, mpc_status *outcome,
             uint8_t **entry, size_t *len)
{
    struct job_results *r = ctx;
    for (size_t k = 0; k < n; k++) {
        r->job->sub[r->sub_of[k]].version = w[k].version;
    }
    mpc_status st = job_results_encode(r, outcome, entry, len);
    if (r->pending) {
        *outcome = MPC_ERR_KEY_PENDING; /* the entry holds the results to publish once active */
    }
    return st;
}

/* How long the committee may take to confirm a key (node/keyconfirm.h): the
 * request's expiry, but at least NODE_RESOLVE_MIN_MS from now; without one,
 * NODE_RESOLVE_DEFAULT_MS. Wall clock ms. */
#define NODE_RESOLVE_MIN_MS     60000u
#define NODE_RESOLVE_DEFAULT_MS 600000u
static uint64_t
resolve_deadline_ms(const struct node_job *job)
{
    uint64_t now = mpc_clock_wall_ms();
    uint64_t exp = job->req != NULL ? job->req->expires_at_ms : 0;
    if (exp == 0) {
        return now + NODE_RESOLVE_DEFAULT_MS;
    }
    return exp > now + NODE_RESOLVE_MIN_MS ? exp : now + NODE_RESOLVE_MIN_MS;
}

/* Plain request-log write (no key to store, or the key commit failed). */
static mpc_status
job_log_plain(struct job_results *r)
{
    uint8_t *entry = NULL;
    size_t elen = 0;
    mpc_status worst = MPC_OK;
    mpc_status st = job_results_encode(r, &worst, &entry, &elen);
    if (st == MPC_OK) {
        struct node_store_req_entry e = {r->job->request_id, worst, entry, elen};
        char **acked = NULL;
        size_t n_acked = node_republish_take_acked(r->d, &acked);
        mpc_status each = MPC_OK;
        st = node_store_req_put_unpub(r->d->store, &e, 1, &each, acked, n_acked,
                                      mpc_clock_wall_ms());
        node_store_names_free(acked, n_acked);
    }
    free(entry);
    return st;
}

/* Fails every sub-job that had a key to store (the commit wrote nothing). */
static void
job_commit_failed(struct job_results *r, size_t n, mpc_status st)
{
    for (size_t k = 0; k < n; k++) {
        struct node_subjob *sj = &r->job->sub[r->sub_of[k]];
        sj->status = st == MPC_ERR_EXISTS ? MPC_ERR_EXISTS : MPC_ERR_STORE;
        snprintf(sj->error_text, sizeof sj->error_text, "storing the key failed: %s",
                 mpc_status_name(st));
    }
    mpc_log(MPC_LOG_ERROR, "node", "key_commit_failed", "request=%s status=%s", r->job->request_id,
            mpc_status_name(st));
}

/* Stores the keys of the job's successful keygen/reshare sub-jobs together
 * with the request-log entry, in one store transaction (docs/DESIGN.md "Key
 * activation"); without keys, only the log. */
static mpc_status
job_commit(struct job_results *r)
{
    struct node_job *job = r->job;
    struct node_store_key_write w[NODE_JOB_MAX_SUB];
    struct node_store_committee c[NODE_JOB_MAX_SUB];
    size_t n = 0;
    for (size_t i = 0; i < job->n_sub; i++) {
        struct node_subjob *sj = &job->sub[i];
        if (sj->started && sj->status == MPC_OK && sj->result != NULL &&
            node_handler_key_write(job, sj, &c[n], &w[n]) == MPC_OK) {
            r->sub_of[n++] = i;
        }
    }
    if (n == 0) {
        return job_log_plain(r);
    }
    node_killpoint(NODE_KILL_BEFORE_COMMIT, job->request_id);
    r->pending = 1;
    mpc_status st = node_store_keys_commit_pending(r->d->store, w, n, job->request_id,
                                                   resolve_deadline_ms(job), commit_entry, r);
    if (st != MPC_OK) {
        r->pending = 0;
        job_commit_failed(r, n, st);
        return job_log_plain(r);
    }
    for (size_t k = 0; k < n; k++) {
        mpc_log(MPC_LOG_INFO, "node", "key_version_pending",
                "request=%s wallet=%s key_type=%d version=%u", job->request_id, w[k].wallet,
                w[k].key_type, w[k].version);
    }
    node_killpoint(NODE_KILL_AFTER_SHARE, job->request_id);
    job->key_pending = 1;
    node_resolver_add(r->d, job->request_id);
    return MPC_OK;
}

/* Publishes the job's encoded Results (its request log, if any, is durable). */
static mpc_status
job_publish_results(struct job_results *r)
{
    struct node_job *job = r->job;
    node_killpoint(NODE_KILL_BEFORE_PUBLISH, job->request_id);
    mpc_status pub = MPC_OK;
    for (size_t i = 0; i < job->n_sub; i++) {
        const tss_keytype *h = node_handler_find(job->sub[i].key_type);
        mpc_status p =
            node_client_result_publish(r->d, job->client_id, job->request_id,
                                       h != NULL ? h->name : NULL, r->res[i], r->lens[i]);
        pub = pub == MPC_OK ? p : pub;
    }
    if (pub == MPC_OK) {
        node_killpoint(NODE_KILL_AFTER_PUBLISH, job->request_id);
    }
    return pub;
}

/*
 * After the publishes of a job whose entry and unpub/ marker are logged: all
 * acknowledged, the marker goes with the next commit; else the node
 * republishes it itself (node/republish.h) and the request's stream message
 * is acked all the same. Returns: MPC_OK (answered, or queued).
 */
static mpc_status
job_published(struct job_results *r, mpc_status pub)
{
    if (pub == MPC_OK) {
        node_republish_acked(r->d, r->job->request_id);
        return MPC_OK;
    }
    node_republish_add(r->d, r->job->request_id);
    mpc_log(MPC_LOG_WARN, "node", "result_republish_queued", "request=%s status=%s",
            r->job->request_id, mpc_status_name(pub));
    return MPC_OK;
}

mpc_status
node_job_publish(struct node_daemon *d, struct node_job *job, int log)
{
    struct job_results r;
    memset(&r, 0, sizeof r);
    r.d = d;
    r.job = job;
    mpc_status worst = MPC_OK;
    mpc_status st = MPC_OK;
    if (log) {
        node_evidence_keep(d, job); /* before the Result with its digest goes out */
        st = job_commit(&r);
        if (st != MPC_OK) {
            node_metrics_add(&d->m.store_failures);
            mpc_log(MPC_LOG_ERROR, "node", "request_log_failed", "request=%s status=%s",
                    job->request_id, mpc_status_name(st));
        }
#ifdef MPC_FAULT_INJECTION
        fault_crash_after_log();
#endif
        if (st == MPC_OK && r.pending) { /* the resolver publishes once the committee agreed */
            job_results_clear(&r);
            return MPC_OK;
        }
    } else {
        st = job_results_encode(&r, &worst, NULL, NULL);
    }
    if (st == MPC_OK) {
        st = job_publish_results(&r);
        st = log ? job_published(&r, st) : st;
    }
    job_results_clear(&r);
    return st;
}

/* NakWithDelay after a failed log write: NODE_NAK_DELAY_MS doubled per
 * consecutive failure, up to NODE_NAK_MAX_MS (finisher thread only). */
static uint64_t
nak_backoff_ms(struct node_daemon *d)
{
    uint32_t k = d->nak_streak < 16 ? d->nak_streak : 16;
    uint64_t ms = (uint64_t)NODE_NAK_DELAY_MS << k;
    d->nak_streak++;
    return ms < NODE_NAK_MAX_MS ? ms : NODE_NAK_MAX_MS;
}

/* Runs the handlers of the job's sub-jobs (signature extraction, KOS
 * quarantine) and logs each outcome. Returns: 1 if one failed by shutdown. */
static int
job_finish_subs(struct node_daemon *d, struct node_job *job)
{
    int shutdown = 0;
    for (size_t i = 0; i < job->n_sub; i++) {
        struct node_subjob *sj = &job->sub[i];
        if (sj->started && sj->status == MPC_OK) {
            sj->status = node_handler_finish(d, job, sj);
        } else if (sj->started) {
            node_handler_failed(d, job, sj);
        }
        shutdown |= sj->status == MPC_ERR_SHUTDOWN;
        mpc_log(sj->status == MPC_OK ? MPC_LOG_INFO : MPC_LOG_WARN, "node", "request_done",
                "request=%s op=%s key_type=%d status=%s round=%u peer=%s ms=%llu", job->request_id,
                node_client_request_op_name(job->op), sj->key_type, mpc_status_name(sj->status),
                sj->failed_round, sj->failed_peer[0] ? sj->failed_peer : "-",
                (unsigned long long)sj->elapsed_ms);
    }
    return shutdown;
}

/* Acks a job whose results are logged and published (done == MPC_OK), Naks
 * it otherwise (shutdown: the next start reruns it; a failed log or publish:
 * the redelivery republishes from the log), then frees it. */
static void
job_answer(struct node_daemon *d, struct node_job *job, int shutdown, mpc_status done)
{
    mpc_status st = MPC_OK;
    if (shutdown) {
        st = transport_js_msg_nak(job->msg, NODE_NAK_DELAY_MS);
        node_metrics_add(&d->m.naks);
    } else if (done == MPC_OK) {
        d->nak_streak = 0;
        /* keys PENDING: the message stays until the resolver decided; its
         * redelivery then republishes, or runs a next attempt (REDO) */
        st = job->key_pending ? transport_js_msg_nak(job->msg, NODE_PENDING_NAK_MS)
                              : transport_js_msg_ack(job->msg, NODE_PUBLISH_TIMEOUT_MS);
    } else {
        /* while the store or NATS keeps failing, later */
        st = transport_js_msg_nak(job->msg, nak_backoff_ms(d));
        node_metrics_add(&d->m.naks);
    }
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "request_ack_failed", "request=%s status=%s", job->request_id,
                mpc_status_name(st));
    }
    pthread_mutex_lock(&d->mu);
    node_jobs_dec_locked(d);
    if (d->finishing == job) {
        d->finishing = job->next; /* the rest of a batch stays visible to intake */
    }
    job->next = NULL;
    pthread_cond_broadcast(&d->cv); /* stored: a sign waiting on this reshare may resolve */
    pthread_mutex_unlock(&d->mu);
    node_job_free(job);
}

/* Stores, logs, publishes and acknowledges one completed job, then frees it. */
static void
finish_job(struct node_daemon *d, struct node_job *job)
{
    int shutdown = job_finish_subs(d, job);
    mpc_status st = shutdown ? MPC_ERR_SHUTDOWN : node_job_publish(d, job, 1);
    job_answer(d, job, shutdown, st);
}

/* One sign job of a group commit. */
struct batch_item {
    struct job_results r;
    uint8_t *entry; /* its request-log entry (malloc'ed) */
    size_t elen;
    mpc_status worst;
    mpc_status st; /* encoding, then logging, then publishing */
    int shutdown;
};

/* Handlers, evidence and the encoded Results and log entry of every job. */
static size_t
batch_prepare(struct node_daemon *d, struct node_job *const *jobs, struct batch_item *it, size_t n,
              struct node_store_req_entry *e, size_t *idx)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        it[i].r.d = d;
        it[i].r.job = jobs[i];
        it[i].shutdown = job_finish_subs(d, jobs[i]);
        if (it[i].shutdown) {
            it[i].st = MPC_ERR_SHUTDOWN;
            continue;
        }
        node_evidence_keep(d, jobs[i]); /* before the Result with its digest goes out */
        it[i].st = job_results_encode(&it[i].r, &it[i].worst, &it[i].entry, &it[i].elen);
        if (it[i].st == MPC_OK) {
            e[m] = (struct node_store_req_entry){jobs[i]->request_id, it[i].worst, it[i].entry,
                                                 it[i].elen};
            idx[m++] = i;
        }
    }
    return m;
}

/*
 * Group commit of n completed sign jobs (no key to store, only the request
 * log): every job's log entry goes into ONE store transaction (one fdatasync
 * pair for all), and only after it committed are the results published and
 * the messages acked, in order. A job whose entry could not be written is
 * Nak'ed as finish_job does. jobs[] is the list d->finishing (linked by
 * ->next), which job_answer pops.
 */
static void
finish_batch(struct node_daemon *d, struct node_job *const *jobs, size_t n)
{
    struct batch_item *it = calloc(n, sizeof *it);
    struct node_store_req_entry *e = calloc(n, sizeof *e);
    size_t *idx = calloc(n, sizeof *idx);
    mpc_status *each = calloc(n, sizeof *each);
    if (it == NULL || e == NULL || idx == NULL || each == NULL) {
        free(it), free(e), free(idx), free(each);
        for (size_t i = 0; i < n; i++) {
            finish_job(d, jobs[i]);
        }
        return;
    }
    node_stage(jobs[0]->request_id, "finisher");
    size_t m = batch_prepare(d, jobs, it, n, e, idx);
    int grouped = 0; /* m > 1 entries committed in one transaction */
    if (m > 0) {
        char **acked = NULL;
        size_t n_acked = node_republish_take_acked(d, &acked);
        mpc_status all =
            node_store_req_put_unpub(d->store, e, m, each, acked, n_acked, mpc_clock_wall_ms());
        node_store_names_free(acked, n_acked);
        if (all != MPC_OK && m > 1) {
            node_metrics_add(&d->m.store_batch_fallbacks); /* per-entry statuses in each[] */
        } else if (all == MPC_OK) {
            grouped = m > 1;
            node_metrics_add(&d->m.reqlog_commits);
            node_metrics_add_n(&d->m.reqlog_grouped, m);
        }
        for (size_t k = 0; k < m; k++) {
            it[idx[k]].st = each[k];
        }
        node_stage(jobs[0]->request_id, "logged");
    }
    for (size_t i = 0; i < n; i++) {
        if (!it[i].shutdown) {
            if (it[i].st != MPC_OK) {
                node_metrics_add(&d->m.store_failures);
                mpc_log(MPC_LOG_ERROR, "node", "request_log_failed", "request=%s status=%s",
                        jobs[i]->request_id, mpc_status_name(it[i].st));
            }
#ifdef MPC_FAULT_INJECTION
            fault_crash_after_log();
#endif
            if (it[i].st == MPC_OK) {
                it[i].st = job_published(&it[i].r, job_publish_results(&it[i].r));
                node_stage(jobs[i]->request_id, "published");
            }
            if (i == 0 && grouped) {
                node_killpoint(NODE_KILL_GROUP_PARTIAL, jobs[0]->request_id);
            }
        }
        job_results_clear(&it[i].r);
        free(it[i].entry);
        job_answer(d, jobs[i], it[i].shutdown, it[i].st);
    }
    free(it), free(e), free(idx), free(each);
}

/* Reverses a job list (d->done is newest first). */
static struct node_job *
jobs_reverse(struct node_job *l)
{
    struct node_job *r = NULL;
    while (l != NULL) {
        struct node_job *next = l->next;
        l->next = r;
        r = l;
        l = next;
    }
    return r;
}

/*
 * Takes the next work from d->done (d->mu held), oldest first: if the oldest
 * job is a sign, the oldest completed sign jobs (up to NODE_FINISH_BATCH)
 * for one group commit; else that job alone (a keygen or reshare stores its
 * key in its own transaction). Returns: the number taken (0: none done).
 */
static size_t
take_done(struct node_daemon *d, struct node_job **jobs)
{
    size_t n = 0;
    struct node_job *fifo = jobs_reverse(d->done);
    struct node_job **pp = &fifo;
    while (*pp != NULL && n < NODE_FINISH_BATCH) {
        struct node_job *j = *pp;
        if (j->op == MPC__OP__OP_SIGN || n == 0) {
            *pp = j->next;
            jobs[n++] = j;
            if (j->op != MPC__OP__OP_SIGN) {
                break;
            }
        } else {
            pp = &j->next;
        }
    }
    d->done = jobs_reverse(fifo);
    return n;
}

static void *
finisher_main(void *arg)
{
    struct node_daemon *d = arg;
    struct node_job *jobs[NODE_FINISH_BATCH];
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (d->done == NULL && !d->finisher_stop) {
            pthread_cond_wait(&d->cv, &d->mu);
        }
        size_t n = take_done(d, jobs);
        if (n == 0) {
            break; /* stop requested and nothing left */
        }
        for (size_t i = 0; i < n; i++) {
            jobs[i]->next = i + 1 < n ? jobs[i + 1] : NULL;
        }
        d->finishing = jobs[0];
        pthread_mutex_unlock(&d->mu);
        if (jobs[0]->op == MPC__OP__OP_SIGN) {
            finish_batch(d, jobs, n);
        } else {
            finish_job(d, jobs[0]);
        }
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

mpc_status
node_finisher_start(struct node_daemon *d)
{
    if (pthread_create(&d->finisher, NULL, finisher_main, d) != 0) {
        return MPC_ERR_INTERNAL;
    }
    d->threads_started |= 1;
    return MPC_OK;
}

void
node_finisher_stop(struct node_daemon *d)
{
    if (!(d->threads_started & 1)) {
        return;
    }
    pthread_mutex_lock(&d->mu);
    d->finisher_stop = 1;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->finisher, NULL);
    d->threads_started &= ~1;
}

/*
 * retry.c — the cluster's retry of a failed sign: the transient table, the
 * slot choice, the attempt points and the retry thread (node/retry.h,
 * docs/DESIGN.md §4.4).
 *
 * DESIGN (threads and ownership): node_retry_offer runs on a session worker
 * inside the completion callback; it moves the sub-job onto this module's
 * queue (the job stays in d->jobs, pending stays 1, so InProgress keeps the
 * JetStream message alive). The retry thread owns a queued sub-job: when its
 * slot boundary comes it prepares it again and starts a new session, or, when
 * that cannot be done, completes the job (node_job_complete: the finisher
 * answers). q.mu guards the queue and the stop flag; it is never held while
 * calling out.
 */
#include "node/retry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/peerresult.h"

#define NODE_RETRY_TICK_MS 50u /* queue scan period */

/* ---------------------------------------------------------------- pure parts */

int
node_retry_transient(mpc_status st)
{
    switch (st) {
    case MPC_ERR_PEER_RESTARTED:   /* a signer's process changed under the session */
    case MPC_ERR_PEER_UNAVAILABLE: /* a signer did not come to the barrier */
    case MPC_ERR_BARRIER:          /* the barrier did not complete in time */
    case MPC_ERR_IDLE:             /* nothing arrived for the idle timeout */
    case MPC_ERR_GONE:             /* a peer ended the session (its own transient failure) */
    case MPC_ERR_DEADLINE:         /* the session outlived its deadline (load) */
    case MPC_ERR_TIMEOUT:          /* a transport wait ran out */
    case MPC_ERR_NO_RESPONDERS:    /* a peer had not subscribed (it restarted) */
    case MPC_ERR_NOT_CONNECTED:    /* NATS reconnecting */
    case MPC_ERR_BUSY:             /* a peer's mailbox stayed full */
    case MPC_ERR_ADMISSION:        /* no permit for the new attempt yet */
    case MPC_ERR_SUBSCRIBE:        /* the server did not confirm a subscription in time (load) */
    case MPC_ERR_NATS:             /* the NATS client failed a call (reconnecting) */
    case MPC_ERR_PRESIG_GONE:      /* its presignature was taken by another request since it was
                                      read (node/presig.h): the retry signs with dkls-sign */
        return 1;
    default: /* bad input, cheating, OT/multiplication checks, quarantine, disputes,
                equivocation, store errors, shutdown (Nak'ed instead), ... */
        return 0;
    }
}

uint32_t
node_retry_every(uint32_t attempt)
{
    return attempt <= 1 ? 1u : NODE_RETRY_EVERY;
}

uint64_t
node_retry_slot(uint64_t now_wall_ms, uint32_t every, uint64_t slot_ms, uint32_t *slot)
{
    *slot = 0;
    if (slot_ms == 0 || every == 0 || slot_ms > UINT64_MAX / 4 / every ||
        now_wall_ms > UINT64_MAX - 2 * (uint64_t)every * slot_ms) {
        return 0;
    }
    /* first boundary strictly after now (a retry never reuses the slot of an
     * attempt that failed at its very start), rounded up to a multiple of every */
    uint64_t n = now_wall_ms / slot_ms + 1;
    n = (n + every - 1) / every * every;
    if (n > UINT32_MAX) {
        return 0;
    }
    *slot = (uint32_t)n;
    return n * slot_ms - now_wall_ms;
}

/* ------------------------------------------------- keygen/reshare attempts */

#define NODE_RETRY_WINDOW_KEYS 3u /* a keygen/reshare retries for this many session deadlines */

mpc_status
node_retry_key_bind(struct node_daemon *d, const struct node_job *job, struct node_subjob *sj)
{
    if (sj->attempts == 0 && sj->retry_deadline_ms == 0) {
        uint64_t per = job->op == MPC__OP__OP_KEYGEN ? d->cfg->timeouts.keygen_ms
                                                     : d->cfg->timeouts.reshare_ms;
        uint64_t now = mpc_clock_mono_ms();
        uint64_t end = job->started_ms + NODE_RETRY_WINDOW_KEYS * per;
        uint64_t expires = job->req->expires_at_ms;
        if (expires != 0) {
            uint64_t wall = mpc_clock_wall_ms();
            uint64_t left = expires > wall ? expires - wall : 0;
            end = now + left < end ? now + left : end;
        }
        sj->retry_deadline_ms = end;
    }
    if (sj->attempts == 0) {
        return MPC_OK; /* the first attempt keeps the plain sid (§3) */
    }
    /* Every member runs every attempt, so the slot alone names it: no view of
     * incarnations that could differ between members around a restart. */
    uint64_t inc[NODE_STORE_KEYINFO_MAX_PARTIES] = {0};
    return node_client_sid_bind_attempt(sj->sid, sj->party_ptrs, inc, sj->n_parties,
                                        sj->retry_slot);
}

/* ---------------------------------------------------------------- the queue */

struct node_retry {
    pthread_mutex_t mu;       /* guards head and stop */
    pthread_cond_t cv;        /* an entry queued, stop */
    struct node_subjob *head; /* queued sub-jobs (sj->retry_next) */
    int stop;                 /* thread: fail what is queued and exit */
    pthread_t thread;         /* the retry thread */
    int started;              /* thread running */
};

static int
stopping(struct node_daemon *d)
{
    return __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE);
}

/* Drops what the failed session left in sj (the last failure stays in
 * status/error_text/failed_peer until the next attempt replaces it). */
static void
subjob_reset_outputs(struct node_subjob *sj)
{
    for (size_t i = 0; i < sj->n_evid; i++) {
        free(sj->evid[i]);
        sj->evid[i] = NULL;
    }
    sj->n_evid = 0;
    mpc_secure_free(sj->result);
    sj->result = NULL;
    sj->result_len = 0;
}

/* The event names of a sign's and of a keygen's/reshare's retry. */
static const char *
event(const struct node_job *job, const char *sign, const char *key)
{
    return job->op == MPC__OP__OP_SIGN ? sign : key;
}

/* Queues sj for its next attempt at a slot boundary (cause: the failure
 * behind it). Returns: 1 if queued; 0 if the retry deadline allows no
 * further attempt or the node stops. */
static int
schedule(struct node_daemon *d, struct node_subjob *sj, mpc_status cause)
{
    struct node_retry *q = d->retry;
    struct node_job *job = sj->job;
    if (q == NULL || stopping(d)) {
        return 0;
    }
    uint64_t now = mpc_clock_mono_ms();
    uint64_t slot_ms = (uint64_t)d->cfg->timeouts.barrier_ms + NODE_RETRY_SLOT_MARGIN_MS;
    uint32_t slot = 0;
    uint64_t wait =
        node_retry_slot(mpc_clock_wall_ms(), node_retry_every(sj->attempts + 1), slot_ms, &slot);
    if (slot == 0 || now + wait >= sj->retry_deadline_ms) {
        return 0;
    }
    sj->attempts++;
    sj->retry_slot = slot;
    sj->retry_due_ms = now + wait;
    subjob_reset_outputs(sj);
    mpc_log(MPC_LOG_INFO, "node", event(job, "sign_retry_scheduled", "key_retry_scheduled"),
            "request=%s key_type=%d attempt=%u slot=%u cause=%s peer=%s in_ms=%llu",
            job->request_id, sj->key_type, sj->attempts, slot, mpc_status_name(cause),
            sj->failed_peer[0] ? sj->failed_peer : "-", (unsigned long long)wait);
    __atomic_add_fetch(job->op == MPC__OP__OP_SIGN ? &d->m.retries : &d->m.key_retries, 1,
                       __ATOMIC_RELAXED);
    pthread_mutex_lock(&q->mu);
    int queued = !q->stop;
    if (queued) {
        sj->retry_next = q->head;
        q->head = sj;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return queued;
}

int
node_retry_offer(struct node_daemon *d, struct node_subjob *sj, mpc_status st)
{
    return node_retry_transient(st) && schedule(d, sj, st);
}

int
node_retry_defer(struct node_daemon *d, struct node_subjob *sj)
{
    if (sj->job->op == MPC__OP__OP_SIGN) {
        return 0; /* a sign's first attempt always runs (its point is bound in the sid) */
    }
    sj->status = MPC_ERR_KEY_ATTEMPT_DISCARDED; /* the answer if no attempt is left */
    snprintf(sj->error_text, sizeof sj->error_text,
             "this node discarded its key of a failed attempt; no later attempt ran");
    return schedule(d, sj, MPC_ERR_KEY_ATTEMPT_DISCARDED);
}

int
node_retry_queued(struct node_daemon *d, const char *request_id, int key_type)
{
    struct node_retry *q = d->retry;
    int found = 0;
    if (q == NULL || request_id == NULL) {
        return 0;
    }
    pthread_mutex_lock(&q->mu);
    for (struct node_subjob *sj = q->head; sj != NULL && !found; sj = sj->retry_next) {
        found = sj->key_type == key_type && strcmp(sj->job->request_id, request_id) == 0;
    }
    pthread_mutex_unlock(&q->mu);
    return found;
}

/* Ends sj's job with sj->status (the finisher answers). */
static void
retry_give_up(struct node_daemon *d, struct node_subjob *sj)
{
    mpc_log(MPC_LOG_WARN, "node", event(sj->job, "sign_retry_ended", "key_retry_ended"),
            "request=%s key_type=%d attempts=%u status=%s", sj->job->request_id, sj->key_type,
            sj->attempts, mpc_status_name(sj->status));
    node_job_complete(d, sj->job);
}

/* Runs one due attempt of sj (retry thread). */
static void
retry_attempt(struct node_daemon *d, struct node_subjob *sj)
{
    struct node_job *job = sj->job;
    /* a co-signer finished it: its answer is ours (one that failed is chosen no more);
     * a keygen/reshare has no such shortcut: every member runs every attempt */
    int peer = job->op == MPC__OP__OP_SIGN ? node_peerresult_adopt(d, sj) : NODE_PEERRESULT_NOTHING;
    if (peer == NODE_PEERRESULT_ADOPTED) {
        node_job_complete(d, job);
        return;
    }
    if (peer == NODE_PEERRESULT_PEER_FAILED && job->op == MPC__OP__OP_SIGN &&
        job->req->sign->n_signers > 0) {
        retry_give_up(d, sj); /* a named signer answered with a failure: the set cannot sign */
        return;
    }
    mpc_status last = sj->status;
    char last_text[NODE_ERR_TEXT_MAX];
    snprintf(last_text, sizeof last_text, "%s", sj->error_text);
    node_subjob_reprepare_clear(sj);
    mpc_status st = node_handler_prepare(d, job, sj);
    if (st == MPC_OK) {
        st = node_subjob_start(d, job, sj);
        if (st == MPC_OK) {
            mpc_log(MPC_LOG_INFO, "node", event(job, "sign_retry_started", "key_retry_started"),
                    "request=%s key_type=%d attempt=%u slot=%u parties=%u", job->request_id,
                    sj->key_type, sj->attempts, sj->retry_slot, sj->n_parties);
            return; /* the completion callback owns it again */
        }
        if (node_retry_transient(st) || st == MPC_ERR_EXISTS) {
            /* a permit or the sid is not free yet: count it as a failed attempt */
            sj->status = st;
            if (node_retry_offer(d, sj, MPC_ERR_ADMISSION)) {
                return;
            }
        }
    }
    if (st == MPC_ERR_NOT_PARTICIPANT) {
        st = MPC_ERR_NOT_SELECTED; /* a holder whose peers chose others */
    }
    sj->status = st;
    if (st == MPC_ERR_ADMISSION || st == MPC_ERR_EXISTS || st == MPC_ERR_BAD_THRESHOLD) {
        sj->status = last; /* report the session's failure, not the busy restart */
        snprintf(sj->error_text, sizeof sj->error_text, "%s", last_text);
    }
    retry_give_up(d, sj);
}

/* Pops one due entry (q->mu held). Returns NULL if none is due. */
static struct node_subjob *
pop_due(struct node_retry *q, uint64_t now, int all)
{
    for (struct node_subjob **pp = &q->head; *pp != NULL; pp = &(*pp)->retry_next) {
        struct node_subjob *sj = *pp;
        if (all || sj->retry_due_ms <= now) {
            *pp = sj->retry_next;
            sj->retry_next = NULL;
            return sj;
        }
    }
    return NULL;
}

static void *
retry_main(void *arg)
{
    struct node_daemon *d = arg;
    struct node_retry *q = d->retry;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        int all = q->stop || stopping(d);
        struct node_subjob *sj = pop_due(q, mpc_clock_mono_ms(), all);
        if (sj != NULL) {
            pthread_mutex_unlock(&q->mu);
            if (all) {
                sj->status = MPC_ERR_SHUTDOWN; /* Nak'ed: the next start runs it */
                retry_give_up(d, sj);
            } else {
                retry_attempt(d, sj);
            }
            pthread_mutex_lock(&q->mu);
            continue;
        }
        if (q->stop) {
            break;
        }
        struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(NODE_RETRY_TICK_MS));
        (void)pthread_cond_timedwait(&q->cv, &q->mu, &until);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

mpc_status
node_retry_start(struct node_daemon *d)
{
    struct node_retry *q = calloc(1, sizeof *q);
    if (q == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (mpc_clock_sync_init(&q->mu, &q->cv) != MPC_OK) { /* monotonic waits */
        free(q);
        return MPC_ERR_INTERNAL;
    }
    d->retry = q;
    if (pthread_create(&q->thread, NULL, retry_main, d) != 0) {
        d->retry = NULL;
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        free(q);
        return MPC_ERR_INTERNAL;
    }
    q->started = 1;
    mpc_status st = node_peerresult_serve_start(d);
    if (st != MPC_OK) {
        node_retry_stop(d);
    }
    return st;
}

void
node_retry_stop(struct node_daemon *d)
{
    struct node_retry *q = d->retry;
    if (q == NULL) {
        return;
    }
    node_peerresult_serve_stop(d);
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (q->started) {
        pthread_join(q->thread, NULL); /* it failed every queued entry on its way out */
    }
    d->retry = NULL;
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

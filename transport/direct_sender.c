/*
 * direct_sender.c — job table, backoff timers and sender threads.
 *
 * DESIGN (see the header for the contract): a job moves through
 *   start -> in flight (per-try timer) -> waiting (backoff timer) -> ready ...
 * Its first try runs on the submitting thread (no hand-off to a sender
 * thread); later tries start from the ready list. It ends when `final` is
 * set: an ACK or GONE reply for a job that is not on the ready list runs
 * done() right on the reply handler's thread; any other end (failure,
 * cancel, shutdown) puts it on the ready list once more, and the thread that
 * pops it runs done(). Either way done() then drops the table's reference.
 * Every state change happens under ds->mu; only publishing and done() run
 * without it. Timer data pointers are jobs; a job has at most one timer
 * (backoff or per-try) at a time, so timer_id says which one is pending and
 * `inflight` says which kind it is.
 */
#include "transport/direct_sender.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "common/timerheap.h"
#include "transport/subject.h"

#define DS_DEFAULT_THREADS 2
#define DS_MAX_THREADS     16
#define DS_FINAL_NONE      (-1)

struct ds_job {
    uint64_t id;                 /* unique job id, key of the table */
    char *subject;               /* destination subject, owned */
    uint8_t *data;               /* request bytes, owned */
    size_t len;                  /* data length */
    uint64_t owner;              /* owner token for cancel_owner */
    uint64_t deadline_ns;        /* no retry starts after this; 0 = none */
    transport_send_done_fn done; /* completion */
    void *done_arg;              /* completion argument */
    uint32_t attempts;           /* tries started so far */
    uint64_t token;              /* random, in every reply subject: binds a reply to this job */
    int inflight;                /* 1 while the current try awaits its reply */
    uint64_t timer_id;           /* pending timer (per-try or backoff), 0 = none */
    int final;                   /* final status, DS_FINAL_NONE while running */
    int queued;                  /* 1 while on the ready list */
    int refs;                    /* table reference + publishing threads */
    struct ds_job *next_ready;   /* ready-list link */
    UT_hash_handle hh;           /* table link, keyed by id */
};

struct transport_direct_sender {
    pthread_mutex_t mu;                   /* guards everything below */
    pthread_cond_t cv;                    /* work queued, timer changed, or stopping */
    transport_retry_policy policy;        /* retry policy in effect */
    transport_publish_request_fn pub;     /* transport primitive */
    void *impl;                           /* its object */
    char prefix[TRANSPORT_SUBJECT_MAX];   /* reply inbox prefix */
    size_t prefix_len;                    /* strlen(prefix) */
    transport_attempt_hook_fn on_attempt; /* optional attempt hook */
    void *on_attempt_arg;                 /* its argument */
    mpc_timerheap *timers;                /* backoff and per-try timers */
    struct ds_job *jobs;                  /* table of live jobs (uthash) */
    size_t njobs;                         /* live jobs, including ones finishing */
    struct ds_job *ready_head;            /* FIFO of jobs to start or finish */
    struct ds_job *ready_tail;            /* its tail */
    uint64_t next_id;                     /* next job id */
    uint64_t rng;                         /* splitmix64 state for jitter */
    int stopping;                         /* shutdown started */
    int joined;                           /* threads joined */
    pthread_t *threads;                   /* sender threads */
    uint32_t nthreads;                    /* how many started */
    transport_stats st;                   /* send counters */
};

void
transport_retry_policy_default(transport_retry_policy *p)
{
    if (p == NULL) {
        return;
    }
    p->max_attempts = 10;
    p->base_ms = 100;
    p->cap_ms = 1000;
    p->jitter_pct = 20;
    p->per_try_timeout_ms = 3000;
}

mpc_status
transport_reply_parse(const uint8_t *data, size_t len)
{
    if (data == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (len == 3 && memcmp(data, TRANSPORT_REPLY_ACK_STR, 3) == 0) {
        return MPC_OK;
    }
    if (len == 4 && memcmp(data, TRANSPORT_REPLY_BUSY_STR, 4) == 0) {
        return MPC_ERR_BUSY;
    }
    if (len == 4 && memcmp(data, TRANSPORT_REPLY_GONE_STR, 4) == 0) {
        return MPC_ERR_GONE;
    }
    return MPC_ERR_MSG_MALFORMED;
}

const char *
transport_reply_str(transport_reply r)
{
    switch (r) {
    case TRANSPORT_REPLY_ACK:
        return TRANSPORT_REPLY_ACK_STR;
    case TRANSPORT_REPLY_BUSY:
        return TRANSPORT_REPLY_BUSY_STR;
    case TRANSPORT_REPLY_GONE:
        return TRANSPORT_REPLY_GONE_STR;
    default:
        return NULL;
    }
}

static uint64_t
ds_rand(transport_direct_sender *ds)
{
    uint64_t z = (ds->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Backoff before try number attempts+1, in ns: min(cap, base*2^(attempts-1)) +/- jitter. */
static uint64_t
ds_backoff_ns(transport_direct_sender *ds, uint32_t attempts)
{
    uint32_t k = attempts > 0 ? attempts - 1 : 0;
    uint64_t ms = ds->policy.base_ms;
    while (k-- > 0 && ms < ds->policy.cap_ms) {
        ms *= 2;
    }
    if (ms > ds->policy.cap_ms) {
        ms = ds->policy.cap_ms;
    }
    uint64_t ns = ms * MPC_NS_PER_MS;
    uint64_t span = ns * ds->policy.jitter_pct / 100; /* +/- span */
    if (span == 0) {
        return ns;
    }
    uint64_t r = ds_rand(ds) % (2 * span + 1);
    return ns - span + r;
}

/* Puts job on the ready list (once) and wakes a thread. Caller holds mu. */
static void
ds_ready_push(transport_direct_sender *ds, struct ds_job *job)
{
    if (job->queued) {
        return;
    }
    job->queued = 1;
    job->next_ready = NULL;
    if (ds->ready_tail != NULL) {
        ds->ready_tail->next_ready = job;
    } else {
        ds->ready_head = job;
    }
    ds->ready_tail = job;
    pthread_cond_signal(&ds->cv);
}

static struct ds_job *
ds_ready_pop(transport_direct_sender *ds)
{
    struct ds_job *job = ds->ready_head;
    if (job != NULL) {
        ds->ready_head = job->next_ready;
        if (ds->ready_head == NULL) {
            ds->ready_tail = NULL;
        }
        job->queued = 0;
        job->next_ready = NULL;
    }
    return job;
}

static void
ds_timer_cancel(transport_direct_sender *ds, struct ds_job *job)
{
    if (job->timer_id != 0) {
        mpc_status st = mpc_timerheap_cancel(ds->timers, job->timer_id, NULL);
        (void)st; /* NOT_FOUND only if it fired already, which clears timer_id first */
        job->timer_id = 0;
    }
}

/* Ends job with st (its done runs on a sender thread). Caller holds mu. */
static void
ds_finish(transport_direct_sender *ds, struct ds_job *job, mpc_status st)
{
    if (job->final != DS_FINAL_NONE) {
        return;
    }
    ds_timer_cancel(ds, job);
    job->inflight = 0;
    job->final = (int)st;
    ds_ready_push(ds, job);
}

/* Schedules job's timer at deadline; on failure the job fails. Caller holds
 * mu. Wakes a sender thread only when the timer is the earliest one: threads
 * wait until the earliest timer, so a later one changes no thread's wait. */
static void
ds_timer_set(transport_direct_sender *ds, struct ds_job *job, uint64_t at_ns)
{
    if (mpc_timerheap_schedule(ds->timers, at_ns, job, &job->timer_id) != MPC_OK) {
        ds_finish(ds, job, MPC_ERR_NOMEM);
        return;
    }
    uint64_t first = 0;
    if (mpc_timerheap_peek(ds->timers, &first) != MPC_OK || first >= at_ns) {
        pthread_cond_signal(&ds->cv);
    }
}

/* A try failed with a retryable reason: back off or give up. Caller holds mu. */
static void
ds_retry_or_fail(transport_direct_sender *ds, struct ds_job *job, mpc_status why)
{
    job->inflight = 0;
    ds_timer_cancel(ds, job);
    if (why == MPC_ERR_NO_RESPONDERS) {
        ds->st.no_responders++;
    } else if (why == MPC_ERR_TIMEOUT) {
        ds->st.timeouts++;
    } else if (why == MPC_ERR_BUSY) {
        ds->st.busy++;
    }
    if (job->attempts >= ds->policy.max_attempts) {
        ds_finish(ds, job, MPC_ERR_PEER_UNAVAILABLE);
        return;
    }
    uint64_t at = mpc_clock_mono_ns() + ds_backoff_ns(ds, job->attempts);
    if (job->deadline_ns != 0 && at > job->deadline_ns) {
        ds_finish(ds, job, MPC_ERR_PEER_UNAVAILABLE);
        return;
    }
    ds_timer_set(ds, job, at);
}

/* Fires every due timer. Caller holds mu. */
static void
ds_fire_due(transport_direct_sender *ds, uint64_t now)
{
    void *data = NULL;
    while (mpc_timerheap_pop_due(ds->timers, now, &data, NULL) == MPC_OK) {
        struct ds_job *job = data;
        job->timer_id = 0;
        if (job->final != DS_FINAL_NONE) {
            continue;
        }
        if (job->inflight) {
            ds_retry_or_fail(ds, job, MPC_ERR_TIMEOUT);
        } else {
            ds_ready_push(ds, job);
        }
    }
}

static void
ds_job_free(struct ds_job *job)
{
    free(job->subject);
    free(job->data);
    free(job);
}

/* Drops one reference; frees the job at zero. Caller holds mu. */
static void
ds_job_unref(transport_direct_sender *ds, struct ds_job *job)
{
    if (--job->refs > 0) {
        return;
    }
    ds->njobs--;
    ds_job_free(job);
    if (ds->stopping) {
        pthread_cond_broadcast(&ds->cv); /* threads exit once no job is left */
    }
}

/* Runs done for a finished job. Called with mu held; drops and retakes it. */
static void
ds_complete(transport_direct_sender *ds, struct ds_job *job)
{
    mpc_status st = (mpc_status)job->final;
    switch (st) {
    case MPC_OK:
        ds->st.sends_ok++;
        break;
    case MPC_ERR_GONE:
        ds->st.sends_gone++;
        break;
    case MPC_ERR_CANCELLED:
        ds->st.sends_cancelled++;
        break;
    default:
        ds->st.sends_failed++;
        break;
    }
    HASH_DEL(ds->jobs, job);
    if (st != MPC_OK && st != MPC_ERR_GONE && st != MPC_ERR_CANCELLED) {
        mpc_log(MPC_LOG_WARN, "transport", "send_failed", "subject=%s attempts=%u status=%s",
                job->subject, job->attempts, mpc_status_name(st));
    }
    pthread_mutex_unlock(&ds->mu);
    job->done(job->done_arg, job->owner, st, job->attempts);
    pthread_mutex_lock(&ds->mu);
    ds_job_unref(ds, job);
}

/* Ends job with st and runs its done on this thread (a reply handler's):
 * for a job no sender thread holds (not on the ready list). Called with mu
 * held; drops and retakes it. */
static void
ds_finish_here(transport_direct_sender *ds, struct ds_job *job, mpc_status st)
{
    ds_timer_cancel(ds, job);
    job->inflight = 0;
    job->final = (int)st;
    ds_complete(ds, job);
}

/* Starts the next try of job. Called with mu held; drops and retakes it. */
static void
ds_attempt(transport_direct_sender *ds, struct ds_job *job)
{
    char reply[TRANSPORT_SUBJECT_MAX + 48];
    uint64_t now = mpc_clock_mono_ns();
    if (ds->stopping) {
        ds_finish(ds, job, MPC_ERR_CANCELLED);
        return;
    }
    if (job->attempts > 0 && job->deadline_ns != 0 && now > job->deadline_ns) {
        ds_finish(ds, job, MPC_ERR_PEER_UNAVAILABLE);
        return;
    }
    uint32_t attempt = ++job->attempts;
    ds->st.attempts++;
    if (attempt > 1) {
        ds->st.retries++;
    }
    job->inflight = 1;
    ds_timer_set(ds, job, now + (uint64_t)ds->policy.per_try_timeout_ms * MPC_NS_PER_MS);
    if (job->final != DS_FINAL_NONE) {
        return;
    }
    const uint64_t nums[3] = {job->id, attempt, job->token};
    if (transport_subject_inbox_reply(reply, sizeof reply, ds->prefix, 'd', nums, 3) != MPC_OK) {
        ds_finish(ds, job, MPC_ERR_INTERNAL); /* the prefix was checked at create */
        return;
    }
    job->refs++;
    pthread_mutex_unlock(&ds->mu);
    if (ds->on_attempt != NULL) {
        ds->on_attempt(ds->on_attempt_arg, job->owner, job->subject, attempt, now);
    }
    mpc_status rc = ds->pub(ds->impl, job->subject, reply, job->data, job->len);
    pthread_mutex_lock(&ds->mu);
    if (rc != MPC_OK && job->final == DS_FINAL_NONE && job->inflight && job->attempts == attempt) {
        mpc_log(MPC_LOG_DEBUG, "transport", "send_attempt_failed",
                "subject=%s attempt=%u status=%s", job->subject, attempt, mpc_status_name(rc));
        ds_retry_or_fail(ds, job, rc);
    }
    ds_job_unref(ds, job);
}

static void *
ds_thread_main(void *arg)
{
    transport_direct_sender *ds = arg;
    pthread_mutex_lock(&ds->mu);
    for (;;) {
        ds_fire_due(ds, mpc_clock_mono_ns());
        struct ds_job *job = ds_ready_pop(ds);
        if (job != NULL) {
            if (job->final != DS_FINAL_NONE) {
                ds_complete(ds, job);
            } else {
                ds_attempt(ds, job);
            }
            continue;
        }
        if (ds->stopping && ds->njobs == 0) {
            break;
        }
        uint64_t next = 0;
        if (mpc_timerheap_peek(ds->timers, &next) == MPC_OK) {
            struct timespec ts = mpc_clock_ns_to_timespec(next);
            pthread_cond_timedwait(&ds->cv, &ds->mu, &ts);
        } else {
            pthread_cond_wait(&ds->cv, &ds->mu);
        }
    }
    pthread_cond_broadcast(&ds->cv);
    pthread_mutex_unlock(&ds->mu);
    return NULL;
}

static mpc_status
ds_init_sync(transport_direct_sender *ds)
{
    return mpc_clock_sync_init(&ds->mu, &ds->cv);
}

static void
ds_apply_config(transport_direct_sender *ds, const transport_direct_sender_config *cfg)
{
    transport_retry_policy_default(&ds->policy);
    ds->nthreads = DS_DEFAULT_THREADS;
    if (cfg == NULL) {
        return;
    }
    if (cfg->policy.max_attempts != 0) {
        ds->policy = cfg->policy;
    }
    if (ds->policy.max_attempts == 0) {
        ds->policy.max_attempts = 1;
    }
    if (ds->policy.cap_ms < ds->policy.base_ms) {
        ds->policy.cap_ms = ds->policy.base_ms;
    }
    if (ds->policy.jitter_pct > 100) {
        ds->policy.jitter_pct = 100;
    }
    if (ds->policy.per_try_timeout_ms == 0) {
        ds->policy.per_try_timeout_ms = 1;
    }
    if (cfg->threads != 0) {
        ds->nthreads = cfg->threads > DS_MAX_THREADS ? DS_MAX_THREADS : cfg->threads;
    }
    ds->rng = cfg->seed;
    ds->on_attempt = cfg->on_attempt;
    ds->on_attempt_arg = cfg->on_attempt_arg;
}

mpc_status
transport_direct_sender_create(const transport_direct_sender_config *cfg,
                               transport_publish_request_fn pub, void *impl,
                               const char *reply_prefix, transport_direct_sender **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (pub == NULL || reply_prefix == NULL || strlen(reply_prefix) == 0 ||
        strlen(reply_prefix) >= TRANSPORT_SUBJECT_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    transport_direct_sender *ds = calloc(1, sizeof *ds);
    if (ds == NULL) {
        return MPC_ERR_NOMEM;
    }
    ds_apply_config(ds, cfg);
    if (ds->rng == 0 && mpc_random_bytes(&ds->rng, sizeof ds->rng) != MPC_OK) {
        free(ds);
        return MPC_ERR_RANDOM;
    }
    ds->pub = pub;
    ds->impl = impl;
    ds->prefix_len = strlen(reply_prefix);
    memcpy(ds->prefix, reply_prefix, ds->prefix_len + 1);
    ds->next_id = 1;
    mpc_status st = mpc_timerheap_create(&ds->timers);
    if (st != MPC_OK) {
        goto fail_free;
    }
    st = ds_init_sync(ds);
    if (st != MPC_OK) {
        goto fail_timers;
    }
    ds->threads = calloc(ds->nthreads, sizeof *ds->threads);
    if (ds->threads == NULL) {
        st = MPC_ERR_NOMEM;
        goto fail_sync;
    }
    uint32_t want = ds->nthreads;
    ds->nthreads = 0;
    for (uint32_t i = 0; i < want; i++) {
        if (pthread_create(&ds->threads[i], NULL, ds_thread_main, ds) != 0) {
            transport_direct_sender_destroy(ds);
            return MPC_ERR_INTERNAL;
        }
        ds->nthreads++;
    }
    *out = ds;
    return MPC_OK;
fail_sync:
    pthread_mutex_destroy(&ds->mu);
    pthread_cond_destroy(&ds->cv);
fail_timers:
    mpc_timerheap_destroy(ds->timers);
fail_free:
    free(ds);
    return st;
}

static struct ds_job *
ds_job_new(const transport_send *job)
{
    struct ds_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        return NULL;
    }
    j->subject = strdup(job->subject);
    j->data = malloc(job->len > 0 ? job->len : 1);
    if (j->subject == NULL || j->data == NULL) {
        ds_job_free(j);
        return NULL;
    }
    if (job->len > 0) {
        memcpy(j->data, job->data, job->len);
    }
    j->len = job->len;
    j->owner = job->owner;
    j->done = job->done;
    j->done_arg = job->done_arg;
    j->final = DS_FINAL_NONE;
    j->refs = 1;
    if (job->deadline_ms != 0) {
        j->deadline_ns = job->deadline_ms > UINT64_MAX / MPC_NS_PER_MS
                             ? UINT64_MAX
                             : job->deadline_ms * MPC_NS_PER_MS;
    }
    return j;
}

mpc_status
transport_direct_sender_submit(transport_direct_sender *ds, const transport_send *job)
{
    if (ds == NULL || job == NULL || job->subject == NULL || job->done == NULL ||
        (job->data == NULL && job->len > 0) || strlen(job->subject) == 0 ||
        strlen(job->subject) >= TRANSPORT_SUBJECT_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    struct ds_job *j = ds_job_new(job);
    if (j == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (mpc_random_bytes(&j->token, sizeof j->token) != MPC_OK) {
        ds_job_free(j);
        return MPC_ERR_RANDOM;
    }
    pthread_mutex_lock(&ds->mu);
    if (ds->stopping) {
        pthread_mutex_unlock(&ds->mu);
        ds_job_free(j);
        return MPC_ERR_CLOSED;
    }
    j->id = ds->next_id++;
    HASH_ADD(hh, ds->jobs, id, sizeof j->id, j);
    ds->njobs++;
    ds->st.sends_started++;
    ds_attempt(ds, j); /* the first try on the caller's thread; retries on sender threads */
    pthread_mutex_unlock(&ds->mu);
    return MPC_OK;
}

void
transport_direct_sender_cancel_owner(transport_direct_sender *ds, uint64_t owner)
{
    if (ds == NULL) {
        return;
    }
    pthread_mutex_lock(&ds->mu);
    struct ds_job *j, *tmp;
    HASH_ITER(hh, ds->jobs, j, tmp)
    {
        /* cppcheck does not read uthash.h (a system header): HASH_ITER sets j */
        // cppcheck-suppress uninitvar
        if (j->owner == owner) {
            ds_finish(ds, j, MPC_ERR_CANCELLED);
        }
    }
    pthread_mutex_unlock(&ds->mu);
}

size_t
transport_direct_sender_retry_now(transport_direct_sender *ds, uint64_t owner, const char *subject)
{
    size_t moved = 0;
    if (ds == NULL || subject == NULL) {
        return 0;
    }
    pthread_mutex_lock(&ds->mu);
    struct ds_job *j, *tmp;
    HASH_ITER(hh, ds->jobs, j, tmp)
    {
        if (j->owner == owner && j->final == DS_FINAL_NONE && !j->inflight && !j->queued &&
            j->timer_id != 0 && !ds->stopping && strcmp(j->subject, subject) == 0) {
            ds_timer_cancel(ds, j);
            ds_ready_push(ds, j); /* a sender thread starts its next try */
            moved++;
        }
    }
    pthread_mutex_unlock(&ds->mu);
    return moved;
}

void
transport_direct_sender_on_reply(transport_direct_sender *ds, uint64_t job_id, uint32_t attempt,
                                 uint64_t token, mpc_status outcome)
{
    if (ds == NULL) {
        return;
    }
    pthread_mutex_lock(&ds->mu);
    struct ds_job *j = NULL;
    HASH_FIND(hh, ds->jobs, &job_id, sizeof job_id, j);
    /* a reply that does not carry the job's token is not about this job */
    if (j != NULL && j->token == token && j->final == DS_FINAL_NONE && !ds->stopping) {
        if ((outcome == MPC_OK || outcome == MPC_ERR_GONE) && !j->queued) {
            ds_finish_here(ds, j, outcome); /* no hop through a sender thread */
        } else if (outcome == MPC_OK || outcome == MPC_ERR_GONE) {
            ds_finish(ds, j, outcome); /* a sender thread holds it already */
        } else if (j->inflight && j->attempts == attempt) {
            ds_retry_or_fail(ds, j, outcome);
        }
    }
    pthread_mutex_unlock(&ds->mu);
}

int
transport_direct_sender_route(transport_direct_sender *ds, const char *subject, const uint8_t *data,
                              size_t len, int no_responders)
{
    uint64_t nums[3] = {0, 0, 0}; /* job, attempt, token */
    if (ds == NULL || !transport_subject_inbox_parse(subject, ds->prefix, 'd', nums, 3) ||
        nums[1] > UINT32_MAX) {
        return 0;
    }
    mpc_status outcome = no_responders ? MPC_ERR_NO_RESPONDERS : transport_reply_parse(data, len);
    transport_direct_sender_on_reply(ds, nums[0], (uint32_t)nums[1], nums[2], outcome);
    return 1;
}

void
transport_direct_sender_stats(transport_direct_sender *ds, transport_stats *out)
{
    if (ds == NULL || out == NULL) {
        return;
    }
    pthread_mutex_lock(&ds->mu);
    out->sends_started += ds->st.sends_started;
    out->sends_ok += ds->st.sends_ok;
    out->sends_gone += ds->st.sends_gone;
    out->sends_failed += ds->st.sends_failed;
    out->sends_cancelled += ds->st.sends_cancelled;
    out->attempts += ds->st.attempts;
    out->retries += ds->st.retries;
    out->no_responders += ds->st.no_responders;
    out->timeouts += ds->st.timeouts;
    out->busy += ds->st.busy;
    pthread_mutex_unlock(&ds->mu);
}

void
transport_direct_sender_shutdown(transport_direct_sender *ds)
{
    if (ds == NULL) {
        return;
    }
    pthread_mutex_lock(&ds->mu);
    ds->stopping = 1;
    struct ds_job *j, *tmp;
    HASH_ITER(hh, ds->jobs, j, tmp)
    {
        /* cppcheck does not read uthash.h (a system header): HASH_ITER sets j */
        // cppcheck-suppress uninitvar
        ds_finish(ds, j, MPC_ERR_CANCELLED);
    }
    pthread_cond_broadcast(&ds->cv);
    int join = !ds->joined;
    ds->joined = 1;
    pthread_mutex_unlock(&ds->mu);
    if (join) {
        for (uint32_t i = 0; i < ds->nthreads; i++) {
            pthread_join(ds->threads[i], NULL);
        }
    }
}

void
transport_direct_sender_destroy(transport_direct_sender *ds)
{
    if (ds == NULL) {
        return;
    }
    transport_direct_sender_shutdown(ds);
    /* Threads are gone; anything left (only possible if none ever started) is freed here. */
    struct ds_job *j, *tmp;
    HASH_ITER(hh, ds->jobs, j, tmp)
    {
        HASH_DEL(ds->jobs, j);
        ds_job_free(j);
    }
    mpc_timerheap_destroy(ds->timers);
    pthread_mutex_destroy(&ds->mu);
    pthread_cond_destroy(&ds->cv);
    free(ds->threads);
    free(ds);
}

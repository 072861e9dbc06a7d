/*
 * republish.c — republishing logged results until JetStream acknowledges
 * them (node/republish.h).
 */
#include "node/republish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "node/daemon_internal.h"
#include "node/duequeue.h"
#include "node/store/unpub.h"

struct node_republish {
    struct node_daemon *d;                 /* owner (borrowed) */
    struct node_duequeue q;                /* requests whose results wait for their PubAck, and the
                                              republisher thread; q.mu also guards acked */
    char *acked[NODE_REPUBLISH_ACKED_MAX]; /* ids whose marker may go (malloc'ed) */
    size_t n_acked;
};

#ifdef MPC_FAULT_INJECTION
/* Test builds only: MPC_NODE_TEST_RESULT_PUB_FAIL=N makes the first N result
 * publishes of this process fail with MPC_ERR_NO_RESPONDERS (nothing sent). */
int
node_republish_fault_publish(void)
{
    static int left = -1; /* -1: not read yet */
    int v = __atomic_load_n(&left, __ATOMIC_ACQUIRE);
    if (v == -1) {
        const char *e = getenv("MPC_NODE_TEST_RESULT_PUB_FAIL");
        int n = e != NULL ? atoi(e) : 0;
        int expect = -1;
        (void)__atomic_compare_exchange_n(&left, &expect, n > 0 ? n : 0, 0, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE);
    }
    for (;;) {
        v = __atomic_load_n(&left, __ATOMIC_ACQUIRE);
        if (v <= 0) {
            return 0;
        }
        if (__atomic_compare_exchange_n(&left, &v, v - 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            return 1;
        }
    }
}
#endif

/* Test builds: MPC_NODE_TEST_REPUBLISH_MAX_AGE_MS shortens the give-up bound. */
static uint64_t
max_age_ms(void)
{
#ifdef MPC_FAULT_INJECTION
    const char *v = getenv("MPC_NODE_TEST_REPUBLISH_MAX_AGE_MS");
    if (v != NULL && strtoull(v, NULL, 10) > 0) {
        return strtoull(v, NULL, 10);
    }
#endif
    return NODE_REPUBLISH_MAX_AGE_MS;
}

/* Deletes markers; a failure leaves them (a later start republishes a
 * duplicate, which the stream's duplicate window drops). */
static void
markers_drop(struct node_daemon *d, char *const *ids, size_t n)
{
    mpc_status st = node_store_unpub_done(d->store, ids, n);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "result_marker_delete_failed", "count=%zu status=%s", n,
                mpc_status_name(st));
    }
}

void
node_republish_add(struct node_daemon *d, const char *request_id)
{
    struct node_republish *r = d->republish;
    if (r == NULL || request_id == NULL) {
        return;
    }
    node_duequeue_add(&r->q, request_id, mpc_clock_mono_ms() + NODE_REPUBLISH_MIN_MS, 1);
}

size_t
node_republish_queued(struct node_daemon *d)
{
    struct node_republish *r = d != NULL ? d->republish : NULL;
    if (r == NULL) {
        return 0;
    }
    return node_duequeue_count(&r->q);
}

size_t
node_republish_take_acked(struct node_daemon *d, char ***ids)
{
    struct node_republish *r = d->republish;
    *ids = NULL;
    if (r == NULL) {
        return 0;
    }
    pthread_mutex_lock(&r->q.mu);
    size_t n = r->n_acked;
    char **a = n > 0 ? malloc(n * sizeof *a) : NULL;
    if (a != NULL) {
        memcpy(a, r->acked, n * sizeof *a);
        r->n_acked = 0;
    }
    pthread_mutex_unlock(&r->q.mu);
    *ids = a;
    return a != NULL ? n : 0;
}

void
node_republish_acked(struct node_daemon *d, const char *request_id)
{
    struct node_republish *r = d->republish;
    char *id = r != NULL && request_id != NULL ? strdup(request_id) : NULL;
    if (id == NULL) {
        return; /* the marker stays: a later start republishes a duplicate, never loses */
    }
    pthread_mutex_lock(&r->q.mu);
    int full = r->n_acked == NODE_REPUBLISH_ACKED_MAX;
    if (!full) {
        r->acked[r->n_acked++] = id;
    }
    pthread_mutex_unlock(&r->q.mu);
    if (full) { /* no commit came for a while: delete them now */
        char **ids = NULL;
        size_t n = node_republish_take_acked(d, &ids);
        markers_drop(d, ids, n);
        node_store_names_free(ids, n);
        markers_drop(d, &id, 1);
        free(id);
    }
}

/* Queues every request with a marker (node_duequeue's scan). */
static void
scan_markers(struct node_duequeue *q, void *arg)
{
    struct node_republish *r = arg;
    char **ids = NULL;
    size_t n = 0;
    mpc_status st = node_store_unpub_list(r->d->store, &ids, &n);
    pthread_mutex_lock(&q->mu);
    q->rescan = 0;
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        node_duequeue_add_locked(q, ids[i], mpc_clock_mono_ms(), 0);
    }
    pthread_mutex_unlock(&q->mu);
    node_store_names_free(ids, n);
    if (n > 0) {
        mpc_log(MPC_LOG_INFO, "node", "results_unacknowledged", "count=%zu", n);
    }
}

/* Publishes every Result of rid's request-log entry. Returns: the first failure. */
static mpc_status
publish_logged(struct node_daemon *d, const char *rid)
{
    mpc_status outcome = MPC_OK;
    uint8_t *raw = NULL;
    size_t len = 0;
    struct node_client_results_entry e;
    mpc_status st = node_store_req_get(d->store, rid, &outcome, &raw, &len);
    if (st == MPC_OK) {
        st = node_client_results_entry_decode(&e, raw, len);
    }
    free(raw);
    if (st != MPC_OK) {
        return st;
    }
    st = node_client_entry_publish(d, rid, &e);
    node_client_results_entry_clear(&e);
    return st;
}

/* One attempt for rid. Returns: 1 to try again later, 0 done (or given up). */
static int
republish_one(struct node_daemon *d, const char *rid, uint32_t tries)
{
    uint64_t logged_ms = 0;
    mpc_status st = node_store_unpub_get(d->store, rid, &logged_ms);
    if (st == MPC_ERR_NOT_FOUND) {
        return 0; /* acknowledged meanwhile */
    }
    uint64_t now = mpc_clock_wall_ms();
    if (st == MPC_OK && now > logged_ms && now - logged_ms > max_age_ms()) {
        node_metrics_add(&d->m.republish_gave_up);
        mpc_log(MPC_LOG_ERROR, "node", "result_republish_gave_up",
                "request=%s attempts=%u age_ms=%llu status=%s", rid, tries,
                (unsigned long long)(now - logged_ms), mpc_status_name(MPC_ERR_RESULT_UNPUBLISHED));
        markers_drop(d, (char *const *)&rid, 1);
        return 0;
    }
    st = st == MPC_OK ? publish_logged(d, rid) : st;
    if (st == MPC_ERR_NOT_FOUND ||
        st == MPC_ERR_CORRUPT) { /* pruned or unreadable: nothing to send */
        mpc_log(MPC_LOG_ERROR, "node", "result_republish_dropped", "request=%s status=%s", rid,
                mpc_status_name(st));
        markers_drop(d, (char *const *)&rid, 1);
        return 0;
    }
    if (st == MPC_OK) {
        st = node_store_unpub_done(d->store, (char *const *)&rid, 1);
        node_metrics_add(&d->m.republish_ok);
        mpc_log(MPC_LOG_INFO, "node", "result_republished", "request=%s attempts=%u", rid,
                tries + 1);
        return st != MPC_OK; /* a marker that did not go: once more (a duplicate, dropped) */
    }
    return 1;
}

/* The republisher's step (node_duequeue's work). */
static uint64_t
republish_step(void *arg, struct node_duequeue_item *it)
{
    struct node_republish *r = arg;
    if (!republish_one(r->d, it->rid, it->tries)) {
        return 0;
    }
    uint64_t ms = node_duequeue_backoff_ms(it->tries, NODE_REPUBLISH_MIN_MS, NODE_REPUBLISH_MAX_MS);
    node_metrics_add(&r->d->m.republish_retries);
    mpc_log(MPC_LOG_WARN, "node", "result_republish_retry", "request=%s attempt=%u in_ms=%llu",
            it->rid, it->tries + 1, (unsigned long long)ms);
    return ms;
}

mpc_status
node_republish_start(struct node_daemon *d)
{
    struct node_republish *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return MPC_ERR_NOMEM;
    }
    r->d = d;
    /* the scan runs before intake: what a killed node logged but never got out */
    if (node_duequeue_start(&r->q, NODE_REPUBLISH_QUEUE_MAX, scan_markers, republish_step, r) !=
        MPC_OK) {
        free(r);
        return MPC_ERR_INTERNAL;
    }
    d->republish = r;
    return MPC_OK;
}

void
node_republish_stop(struct node_daemon *d)
{
    struct node_republish *r = d->republish;
    if (r == NULL) {
        return;
    }
    node_duequeue_join(&r->q);
    char **ids = NULL;
    size_t n = node_republish_take_acked(d, &ids);
    markers_drop(d, ids, n); /* acknowledged: no republish next start */
    node_store_names_free(ids, n);
    d->republish = NULL;
    node_duequeue_destroy(&r->q); /* their markers stay: the next start republishes them */
    free(r);
}

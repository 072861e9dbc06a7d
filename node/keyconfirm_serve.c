/*
 * keyconfirm_serve.c — the daemon side of node/keyconfirm.h: what this node
 * stored for a key version (its own confirmation), answering
 * mpc.n.<self>.keyconfirm, and asking one member (for node/resolver.c).
 *
 * DESIGN (threads): the responder runs on a transport thread; it only reads
 * the store (short LMDB read transactions), signs and publishes the reply.
 * The asker runs on the resolver thread: one core request/reply per member
 * (NODE_KEYCONFIRM_WAIT_MS; an absent member answers "no responders" at
 * once). Nothing here holds a lock across a call out, so two nodes asking
 * each other at the same time cannot deadlock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/keyconfirm.h"
#include "node/killpoint.h"
#include "node/retry.h"
#include "transport/subject.h"

#define NODE_KEYCONFIRM_WAIT_MS 1500u /* per-member reply wait */

/* The transcript hash of a stored share record (public outputs only). */
static mpc_status
record_transcript(int key_type, const uint8_t *rec, size_t len, uint8_t out[NODE_KEYCONFIRM_HASH])
{
    const tss_keytype *h = node_handler_find(key_type);
    tss_keyshare *ks = NULL;
    mpc_status st = h != NULL ? h->record_keyshare(rec, len, &ks) : MPC_ERR_UNSUPPORTED;
    if (st != MPC_OK) {
        return st;
    }
    size_t pl = ks->g->point_len;
    uint8_t *pts = calloc((size_t)ks->n + 1, pl);
    const uint8_t **vs = calloc((size_t)ks->n + 1, sizeof *vs);
    size_t *lens = calloc((size_t)ks->n + 1, sizeof *lens);
    st = pts != NULL && vs != NULL && lens != NULL ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        ks->g->point_encode(pts, &ks->group_key);
        for (uint32_t i = 0; i < ks->n; i++) {
            ks->g->point_encode(pts + (i + 1) * pl, &ks->members[i].vshare);
            vs[i] = pts + (i + 1) * pl;
            lens[i] = pl;
        }
        st = node_keyconfirm_transcript(out, pts, pl, vs, lens, ks->n);
    }
    free(pts);
    free(vs);
    free(lens);
    tss_keyshare_destroy(ks);
    return st;
}

mpc_status
node_keyconfirm_own(struct node_daemon *d, int key_type, const char *wallet, uint32_t version,
                    struct node_keyconfirm_key *key, int *state)
{
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    uint8_t *rec = NULL;
    size_t rec_len = 0;
    memset(key, 0, sizeof *key);
    *state = 0;
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = node_store_keyinfo_get(d->store, key_type, wallet, ki);
    const struct node_store_keyinfo_version *v =
        st == MPC_OK ? node_store_keyinfo_find(ki, version) : NULL;
    if (st == MPC_OK && v == NULL) {
        st = MPC_ERR_NOT_FOUND;
    }
    if (st == MPC_OK) {
        *state = v->state;
        key->pk_len = ki->public_key_len;
        memcpy(key->pk, ki->public_key, ki->public_key_len);
        key->threshold = v->threshold;
        key->n = v->n_participants;
        for (size_t i = 0; i < key->n; i++) {
            snprintf(key->committee[i], sizeof key->committee[i], "%s", v->participants[i]);
        }
        st = node_store_keys_share_get(d->store, key_type, wallet, version, &rec, &rec_len);
    }
    if (st == MPC_OK) {
        st = record_transcript(key_type, rec, rec_len, key->transcript);
    }
    mpc_secure_free(rec);
    free(ki);
    return st;
}

/* The Result of the logged request for key_type, decoded; NULL if none. */
static Mpc__Result *
logged_result(const struct node_client_results_entry *e, int key_type)
{
    for (size_t i = 0; i < e->count; i++) {
        Mpc__Result *r = mpc__result__unpack(NULL, e->lens[i], e->results[i]);
        if (r != NULL && (int)r->key_type == key_type) {
            return r;
        }
        if (r != NULL) {
            mpc__result__free_unpacked(r, NULL);
        }
    }
    return NULL;
}

/* Returns: 1 if a job of request_id is in flight here (running, queued for
 * its next attempt, or waiting for or in the finisher). */
static int
in_flight(struct node_daemon *d, const char *request_id)
{
    int found = 0;
    pthread_mutex_lock(&d->mu);
    struct node_job *lists[3] = {d->jobs, d->done, d->finishing};
    for (int k = 0; k < 3 && !found; k++) {
        for (struct node_job *j = lists[k]; j != NULL && !found; j = k < 2 ? j->next : NULL) {
            found = strcmp(j->request_id, request_id) == 0;
        }
    }
    pthread_mutex_unlock(&d->mu);
    return found;
}

#ifdef MPC_FAULT_INJECTION
static void (*g_between)(void *); /* test builds: runs between the two looks */
static void *g_between_arg;

void
node_keyconfirm_test_between(void (*fn)(void *), void *arg)
{
    g_between = fn;
    g_between_arg = arg;
}
#endif

/* What this node's jobs say about the request, looked at BEFORE its store. */
struct jobs_look {
    int queued; /* its sub-job for the key type waits for its next attempt */
    int busy;   /* a job of the request is in flight (lists d->jobs, d->done, d->finishing) */
};

/* Answers with this node's own key if it holds the version asked about
 * (PENDING or ACTIVE). Returns: 1 if it does (c->kind and c->key set). */
static int
answer_own(struct node_daemon *d, struct node_keyconfirm *c)
{
    int state = 0;
    if (node_keyconfirm_own(d, c->q.key_type, c->q.wallet, c->q.version, &c->key, &state) !=
        MPC_OK) {
        memset(&c->key, 0, sizeof c->key);
        return 0;
    }
    c->kind =
        state == NODE_STORE_KEY_VERSION_PENDING ? NODE_KEYCONFIRM_PENDING : NODE_KEYCONFIRM_ACTIVE;
    return 1;
}

/* RETRY, unless the store holds the version asked about: a node never says
 * RETRY (it did not store that key and never will) while it holds it. */
static void
answer_retry(struct node_daemon *d, struct node_keyconfirm *c)
{
    if (!answer_own(d, c)) {
        c->kind = NODE_KEYCONFIRM_RETRY;
    }
}

/* Answers from the request log (read after the look at the jobs). */
static void
answer_from_log(struct node_daemon *d, struct node_keyconfirm *c, const struct jobs_look *look)
{
    mpc_status outcome = MPC_OK;
    uint8_t *entry = NULL;
    size_t len = 0;
    struct node_client_results_entry e;
    memset(&e, 0, sizeof e);
    if (node_store_req_get(d->store, c->q.request_id, &outcome, &entry, &len) != MPC_OK ||
        node_client_results_entry_decode(&e, entry, len) != MPC_OK) {
        free(entry);
        return; /* not finished here (or unreadable): no final word */
    }
    free(entry);
    if (outcome == MPC_ERR_KEY_ATTEMPT_DISCARDED) { /* REDO here: runs again (deferred) */
        node_client_results_entry_clear(&e);
        if (!look->busy) {
            answer_retry(d, c);
        }
        return;
    }
    Mpc__Result *r = logged_result(&e, c->q.key_type);
    node_client_results_entry_clear(&e);
    int stored = r != NULL && r->status_code == MPC_OK && r->key_version == c->q.version &&
                 strcmp(r->wallet_id, c->q.wallet) == 0;
    if (r != NULL) {
        mpc__result__free_unpacked(r, NULL);
    }
    if (!stored) {
        c->kind = NODE_KEYCONFIRM_FAILED; /* logged without this key: never stored, never will */
        return;
    }
    (void)answer_own(d, c);
}

/*
 * Fills c->kind (and c->key) from this node's jobs and store, as
 * node/keyconfirm.h says. RETRY only while no attempt of the request runs
 * here: one that runs may still store the key asked about.
 *
 * Order matters (issue 15): the jobs are looked at first, the store second.
 * A job leaves the lists only after the finisher committed its keys, so a
 * store read after a look that found no job sees everything that job wrote.
 * The other way round, a request-log entry MPC_ERR_KEY_ATTEMPT_DISCARDED
 * (a REDO of attempt 0) read just before the commit of attempt 1, and the
 * job gone from the lists just after it, made a node answer RETRY about the
 * key it had stored PENDING 2 ms earlier: a peer redid (discarded) it while
 * the others activated it.
 */
void
node_keyconfirm_answer(struct node_daemon *d, struct node_keyconfirm *c)
{
    struct jobs_look look;
    memset(&c->key, 0, sizeof c->key);
    c->kind = NODE_KEYCONFIRM_UNKNOWN;
    look.queued = node_retry_queued(d, c->q.request_id, c->q.key_type);
    look.busy = look.queued || in_flight(d, c->q.request_id);
#ifdef MPC_FAULT_INJECTION
    if (g_between != NULL) {
        g_between(g_between_arg);
    }
#endif
    if (look.queued) {
        answer_retry(d, c); /* its attempt failed here; the next one waits */
        return;
    }
    answer_from_log(d, c, &look);
}

static const char *
kind_name(int kind)
{
    static const char *const names[] = {"-", "pending", "active", "failed", "unknown", "retry"};
    return kind >= 1 && kind <= 5 ? names[kind] : "-";
}

static transport_reply
on_keyconfirm(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    struct node_keyconfirm c;
    uint8_t out[NODE_KEYCONFIRM_MAX];
    size_t out_len = 0;
    memset(&c, 0, sizeof c);
    if (!transport_subject_is_inbox(msg->reply) ||
        node_keyconfirm_query_decode(&c.q, msg->data, msg->len) != MPC_OK) {
        return TRANSPORT_REPLY_NONE;
    }
    snprintf(c.node_id, sizeof c.node_id, "%s", d->cfg->node_id);
    node_keyconfirm_answer(d, &c);
    mpc_status st = node_keyconfirm_encode(&c, d->id, out, sizeof out, &out_len);
    if (st == MPC_OK) {
        st = transport_publish(d->t, msg->reply, out, out_len);
    }
    mpc_log(MPC_LOG_INFO, "node", "keyconfirm_answered",
            "request=%s wallet=%s key_type=%d version=%u answer=%s status=%s", c.q.request_id,
            c.q.wallet, c.q.key_type, c.q.version, kind_name(c.kind), mpc_status_name(st));
    if (st == MPC_OK && (c.kind == NODE_KEYCONFIRM_PENDING || c.kind == NODE_KEYCONFIRM_ACTIVE)) {
        node_killpoint(NODE_KILL_AFTER_CONFIRM, c.q.request_id);
        /* the asker stored its keys (it asks only after its PENDING commit): our own
         * retry, waiting for its answer, need not wait for its backoff step (issue 12) */
        node_resolver_kick(d, c.q.request_id);
    }
    return TRANSPORT_REPLY_NONE;
}

mpc_status
node_keyconfirm_serve_start(struct node_daemon *d)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYCONFIRM,
                                            d->cfg->node_id, NULL, NULL);
    if (st != MPC_OK) {
        return st;
    }
    return transport_subscribe_confirmed(d->t, subj, on_keyconfirm, d, &d->keyconfirm_sub);
}

void
node_keyconfirm_serve_stop(struct node_daemon *d)
{
    transport_unsubscribe(d->t, d->keyconfirm_sub);
    d->keyconfirm_sub = NULL;
}

mpc_status
node_keyconfirm_ask(struct node_daemon *d, const struct node_keyconfirm_query *q,
                    const char *member, struct node_keyconfirm *c)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    uint8_t qb[NODE_KEYCONFIRM_QUERY_MAX];
    uint8_t *reply = malloc(NODE_KEYCONFIRM_MAX);
    size_t ql = 0, rl = 0;
    memset(c, 0, sizeof *c);
    const struct node_config_peer *p = node_config_peers_find(d->peers, member);
    mpc_status st = p == NULL       ? MPC_ERR_UNKNOWN_PARTICIPANT
                    : reply == NULL ? MPC_ERR_NOMEM
                                    : MPC_OK;
    if (st == MPC_OK) {
        st = node_keyconfirm_query_encode(q, qb, sizeof qb, &ql);
    }
    if (st == MPC_OK) {
        st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYCONFIRM, member, NULL,
                                     NULL);
    }
    if (st == MPC_OK) {
        st = transport_request(d->t, subj, qb, ql, NODE_KEYCONFIRM_WAIT_MS, reply,
                               NODE_KEYCONFIRM_MAX, &rl);
    }
    if (st == MPC_OK) {
        st = node_keyconfirm_open(c, reply, rl, q, member, p->public_key);
        if (st != MPC_OK) {
            mpc_log(MPC_LOG_WARN, "node", "keyconfirm_refused", "request=%s member=%s status=%s",
                    q->request_id, member, mpc_status_name(st));
        }
    }
    free(reply);
    return st;
}

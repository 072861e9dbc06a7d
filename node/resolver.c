/*
 * resolver.c — resolves PENDING key versions across the committee
 * (docs/DESIGN.md §8.1, node/keyconfirm.h): collects every member's signed
 * confirmation, then activates (or discards) every key of the request and
 * writes its final request-log entry in one store transaction
 * (node_store_keys_resolve), publishes the final results, and drops the
 * request's pend/ marker.
 *
 * DESIGN (threads and ownership): one resolver thread owns the work; the
 * queue (request ids with the time they are next due) is guarded by the
 * resolver's own mutex, never held while calling out. The finisher adds a
 * request after its PENDING commit; at startup every pend/ marker of the
 * store is added before intake runs, so a restarted node resolves what it
 * left pending. Everything a step needs is read from the store (marker,
 * request log, keyinfo, share), so a request resolves the same way whether it
 * came from the finisher or from a restart. A request still waiting for a
 * member is retried with backoff (NODE_RESOLVE_RETRY_MIN_MS doubling to
 * NODE_RESOLVE_RETRY_MAX_MS) until its deadline. The thread never waits for
 * another node's resolver: members answer from their store
 * (keyconfirm_serve.c), so nodes resolving in opposite orders cannot
 * deadlock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/duequeue.h"
#include "node/keyconfirm.h"
#include "node/killpoint.h"
#include "node/presig.h"

#define NODE_RESOLVE_RETRY_MIN_MS 100u
#define NODE_RESOLVE_RETRY_MAX_MS 2000u
#define NODE_RESOLVE_QUEUE_MAX    4096u /* queued requests; beyond, the store markers wait */

struct node_resolver {
    struct node_daemon *d;  /* owner (borrowed) */
    struct node_duequeue q; /* request ids with a pend/ marker, when each is next due, and
                               the resolver thread */
};

/* One pending key of a request. */
struct rkey {
    size_t res;                                 /* index of its Result in the entry */
    int key_type;                               /* Mpc__KeyType */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1]; /* wallet */
    uint32_t version;                           /* the PENDING version */
    int decision;                               /* enum node_keyconfirm_decision */
    char why[160];                              /* reason of a discard */
    char culprit[NODE_ID_MAX + 1];              /* member that failed or mismatched, "" if none */
};

void
node_resolver_add(struct node_daemon *d, const char *request_id)
{
    struct node_resolver *r = d->resolver;
    if (r == NULL || request_id == NULL) {
        return;
    }
    node_duequeue_add(&r->q, request_id, mpc_clock_mono_ms(), 0);
}

void
node_resolver_kick(struct node_daemon *d, const char *request_id)
{
    struct node_resolver *r = d->resolver;
    if (r == NULL || request_id == NULL) {
        return;
    }
    node_duequeue_kick(&r->q, request_id);
}

/* Adds every request with a pend/ marker (node_duequeue's scan). */
static void
scan_markers(struct node_duequeue *q, void *arg)
{
    struct node_resolver *r = arg;
    char **ids = NULL;
    size_t n = 0;
    mpc_status st = node_store_keys_pending_list(r->d->store, &ids, &n);
    pthread_mutex_lock(&q->mu);
    q->rescan = 0;
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        node_duequeue_add_locked(q, ids[i], mpc_clock_mono_ms(), 0);
    }
    pthread_mutex_unlock(&q->mu);
    node_store_names_free(ids, n);
    mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_ERROR, "node", "pending_keys_scanned",
            "requests=%zu status=%s", n, mpc_status_name(st));
}

/* Collects every committee member's answer about k and decides. */
static void
decide_key(struct node_daemon *d, const char *rid, uint64_t deadline_ms, struct rkey *k)
{
    struct node_keyconfirm_key own;
    struct node_keyconfirm c;
    uint8_t seen[NODE_STORE_KEYINFO_MAX_PARTIES];
    int state = 0;
    k->decision = NODE_KEYCONFIRM_WAIT;
    mpc_status st = node_keyconfirm_own(d, k->key_type, k->wallet, k->version, &own, &state);
    if (st != MPC_OK || state == NODE_STORE_KEY_VERSION_RETIRED) {
        k->decision = NODE_KEYCONFIRM_DISCARD;
        snprintf(k->why, sizeof k->why, "own key version unreadable: %s", mpc_status_name(st));
        return;
    }
    struct node_keyconfirm_query q;
    memset(&q, 0, sizeof q);
    q.key_type = k->key_type;
    q.version = k->version;
    snprintf(q.request_id, sizeof q.request_id, "%s", rid);
    snprintf(q.wallet, sizeof q.wallet, "%s", k->wallet);
    for (size_t i = 0; i < own.n; i++) {
        seen[i] = NODE_KEYCONFIRM_SEEN_NONE;
        if (strcmp(own.committee[i], d->cfg->node_id) == 0) {
            seen[i] = state == NODE_STORE_KEY_VERSION_ACTIVE ? NODE_KEYCONFIRM_SEEN_ACTIVE
                                                             : NODE_KEYCONFIRM_SEEN_PENDING;
            continue;
        }
        if (mpc_random_bytes(q.nonce, sizeof q.nonce) != MPC_OK ||
            node_keyconfirm_ask(d, &q, own.committee[i], &c) != MPC_OK) {
            continue; /* no valid answer: ask again later */
        }
        if (c.kind == NODE_KEYCONFIRM_FAILED) {
            seen[i] = NODE_KEYCONFIRM_SEEN_FAILED;
        } else if (c.kind == NODE_KEYCONFIRM_RETRY) {
            seen[i] = NODE_KEYCONFIRM_SEEN_RETRY;
            snprintf(k->culprit, sizeof k->culprit, "%s", own.committee[i]);
            snprintf(k->why, sizeof k->why, "%s runs another attempt", own.committee[i]);
        } else if (c.kind == NODE_KEYCONFIRM_PENDING || c.kind == NODE_KEYCONFIRM_ACTIVE) {
            seen[i] = node_keyconfirm_match(&c, &own) != MPC_OK ? NODE_KEYCONFIRM_SEEN_MISMATCH
                      : c.kind == NODE_KEYCONFIRM_ACTIVE        ? NODE_KEYCONFIRM_SEEN_ACTIVE
                                                                : NODE_KEYCONFIRM_SEEN_PENDING;
        }
        if (seen[i] == NODE_KEYCONFIRM_SEEN_FAILED || seen[i] == NODE_KEYCONFIRM_SEEN_MISMATCH) {
            snprintf(k->culprit, sizeof k->culprit, "%s", own.committee[i]);
            snprintf(k->why, sizeof k->why, "%s %s", own.committee[i],
                     seen[i] == NODE_KEYCONFIRM_SEEN_FAILED ? "did not store the key"
                                                            : "stored another key");
            break;
        }
    }
    int expired = mpc_clock_wall_ms() >= deadline_ms;
    k->decision = node_keyconfirm_decide(seen, own.n, expired);
    if (k->decision == NODE_KEYCONFIRM_EXPIRED) {
        snprintf(k->why, sizeof k->why, "not every committee member confirmed by the deadline");
    }
}

/* The status a Result of a key with a non-activating decision reports. */
static mpc_status
discard_status(int decision)
{
    return decision == NODE_KEYCONFIRM_EXPIRED ? MPC_ERR_KEY_UNCONFIRMED
           : decision == NODE_KEYCONFIRM_REDO  ? MPC_ERR_KEY_ATTEMPT_DISCARDED
                                               : MPC_ERR_KEY_DISCARDED;
}

/* Re-encodes Result bytes with a discard status. Out: *out malloc'ed. */
static mpc_status
result_discarded(const uint8_t *in, size_t len, const struct rkey *k, uint8_t **out,
                 size_t *out_len)
{
    Mpc__Result *res = mpc__result__unpack(NULL, len, in);
    if (res == NULL) {
        return MPC_ERR_CORRUPT;
    }
    mpc_status why = discard_status(k->decision);
    char *old_name = res->status_name, *old_text = res->error_text, *old_peer = res->failed_peer;
    ProtobufCBinaryData old_pk = res->public_key;
    char text[NODE_ERR_TEXT_MAX];
    snprintf(text, sizeof text, "key discarded: %s", k->why);
    res->status_code = (uint32_t)why;
    res->status_name = (char *)mpc_status_name(why);
    res->error_text = text;
    res->failed_peer = (char *)k->culprit;
    res->public_key.len = 0;
    res->public_key.data = NULL;
    *out_len = mpc__result__get_packed_size(res);
    *out = malloc(*out_len + 1);
    if (*out != NULL) {
        mpc__result__pack(res, *out);
    }
    res->status_name = old_name;
    res->error_text = old_text;
    res->failed_peer = old_peer;
    res->public_key = old_pk;
    mpc__result__free_unpacked(res, NULL);
    return *out != NULL ? MPC_OK : MPC_ERR_NOMEM;
}

/* The pending keys of entry e: every successful keygen/reshare Result. */
static size_t
entry_keys(const struct node_client_results_entry *e, struct rkey *keys)
{
    size_t n = 0;
    for (size_t i = 0; i < e->count; i++) {
        Mpc__Result *res = mpc__result__unpack(NULL, e->lens[i], e->results[i]);
        if (res != NULL && res->status_code == MPC_OK && res->key_version != 0 &&
            (res->op == MPC__OP__OP_KEYGEN || res->op == MPC__OP__OP_RESHARE) &&
            node_client_wallet_id_is_valid(res->wallet_id)) {
            memset(&keys[n], 0, sizeof keys[n]);
            keys[n].res = i;
            keys[n].key_type = (int)res->key_type;
            keys[n].version = res->key_version;
            snprintf(keys[n].wallet, sizeof keys[n].wallet, "%s", res->wallet_id);
            n++;
        }
        if (res != NULL) {
            mpc__result__free_unpacked(res, NULL);
        }
    }
    return n;
}

/* Builds the final entry from e and the decisions. Out: *out malloc'ed, *worst. */
static mpc_status
final_entry(const struct node_client_results_entry *e, const struct rkey *keys, size_t nk,
            uint8_t **out, size_t *out_len, mpc_status *worst)
{
    uint8_t *res[NODE_CLIENT_RESULTS_MAX] = {NULL};
    size_t lens[NODE_CLIENT_RESULTS_MAX] = {0};
    const uint8_t *use[NODE_CLIENT_RESULTS_MAX];
    mpc_status st = MPC_OK;
    *worst = MPC_OK;
    for (size_t i = 0; i < e->count; i++) {
        use[i] = e->results[i];
        lens[i] = e->lens[i];
        Mpc__Result *r = mpc__result__unpack(NULL, e->lens[i], e->results[i]);
        mpc_status code = r != NULL ? (mpc_status)r->status_code : MPC_ERR_CORRUPT;
        if (r != NULL) {
            mpc__result__free_unpacked(r, NULL);
        }
        for (size_t k = 0; k < nk && st == MPC_OK; k++) {
            if (keys[k].res == i && keys[k].decision != NODE_KEYCONFIRM_ACTIVATE) {
                st = result_discarded(e->results[i], e->lens[i], &keys[k], &res[i], &lens[i]);
                use[i] = res[i];
                code = discard_status(keys[k].decision);
            }
        }
        *worst = *worst == MPC_OK ? code : *worst;
    }
    if (st == MPC_OK) {
        st = node_client_results_entry_encode(e->client_id, e->has_digest ? e->digest : NULL, use,
                                              lens, e->count, out, out_len);
    }
    for (size_t i = 0; i < NODE_CLIENT_RESULTS_MAX; i++) {
        free(res[i]);
    }
    return st;
}

static void
log_verdicts(const char *rid, const struct rkey *keys, size_t nk)
{
    for (size_t k = 0; k < nk; k++) {
        const struct rkey *x = &keys[k];
        if (x->decision == NODE_KEYCONFIRM_REDO) {
            mpc_log(MPC_LOG_WARN, "node", "key_attempt_discarded",
                    "request=%s wallet=%s key_type=%d version=%u reason=\"%s\" next=redelivery",
                    rid, x->wallet, x->key_type, x->version, x->why);
        } else if (x->decision == NODE_KEYCONFIRM_ACTIVATE) {
            mpc_log(MPC_LOG_INFO, "node", "key_version_active",
                    "request=%s wallet=%s key_type=%d version=%u", rid, x->wallet, x->key_type,
                    x->version);
        } else {
            mpc_log(x->decision == NODE_KEYCONFIRM_EXPIRED ? MPC_LOG_ERROR : MPC_LOG_WARN, "node",
                    "key_version_discarded",
                    "request=%s wallet=%s key_type=%d version=%u possible_split=%d reason=\"%s\"",
                    rid, x->wallet, x->key_type, x->version, x->decision == NODE_KEYCONFIRM_EXPIRED,
                    x->why);
        }
    }
}

/* REDO only when every key of the request is to be redone (the request runs
 * again as a whole); otherwise a REDO key is a final discard. Returns: 1 if redo. */
static int
redo_all(struct rkey *keys, size_t nk)
{
    size_t redo = 0;
    for (size_t k = 0; k < nk; k++) {
        redo += keys[k].decision == NODE_KEYCONFIRM_REDO;
    }
    if (redo == nk && nk > 0) {
        return 1;
    }
    for (size_t k = 0; k < nk; k++) {
        keys[k].decision =
            keys[k].decision == NODE_KEYCONFIRM_REDO ? NODE_KEYCONFIRM_DISCARD : keys[k].decision;
    }
    return 0;
}

/* Decides every key of e; when all are decided, stores the verdicts and the
 * final entry in one transaction, or (REDO) discards the keys and marks the
 * request for another attempt (node_store_keys_retract). Returns: MPC_OK
 * (resolved); MPC_ERR_KEY_ATTEMPT_DISCARDED (to be run again: nothing to
 * publish); MPC_ERR_KEY_PENDING (a member has not answered yet); a store error. */
static mpc_status
resolve_keys(struct node_daemon *d, const char *rid, uint64_t deadline_ms,
             const struct node_client_results_entry *e)
{
    struct rkey keys[NODE_CLIENT_RESULTS_MAX];
    struct node_store_key_verdict v[NODE_CLIENT_RESULTS_MAX];
    size_t nk = entry_keys(e, keys);
    for (size_t k = 0; k < nk; k++) {
        decide_key(d, rid, deadline_ms, &keys[k]);
        if (keys[k].decision == NODE_KEYCONFIRM_WAIT) {
            return MPC_ERR_KEY_PENDING;
        }
        v[k].key_type = keys[k].key_type;
        v[k].wallet = keys[k].wallet;
        v[k].version = keys[k].version;
        v[k].activate = keys[k].decision == NODE_KEYCONFIRM_ACTIVATE;
    }
    int redo = redo_all(keys, nk);
    for (size_t k = 0; k < nk; k++) {
        v[k].activate = keys[k].decision == NODE_KEYCONFIRM_ACTIVATE;
    }
    uint8_t *entry = NULL;
    size_t len = 0;
    mpc_status worst = MPC_OK;
    mpc_status st = final_entry(e, keys, nk, &entry, &len, &worst);
    if (st == MPC_OK) {
        st = redo ? node_store_keys_retract(d->store, rid, v, nk, entry, len)
                  : node_store_keys_resolve(d->store, rid, v, nk, worst, entry, len);
    }
    free(entry);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "node", "key_resolve_failed", "request=%s status=%s", rid,
                mpc_status_name(st));
        return st;
    }
    log_verdicts(rid, keys, nk);
    if (redo) {
        node_metrics_add(&d->m.key_attempts_discarded);
        return MPC_ERR_KEY_ATTEMPT_DISCARDED;
    }
    node_killpoint(NODE_KILL_AFTER_ACTIVATE, rid);
    /* A reshare retired the old version: its presignatures can never sign. */
    if (node_presig_discard_stale(d->store, "activate") != MPC_OK) {
        node_metrics_add(&d->m.store_failures);
    }
    return MPC_OK;
}

/* One attempt at request rid. Returns: 1 to try again later, 0 when done. */
static int
resolve_one(struct node_daemon *d, const char *rid)
{
    uint8_t state = 0;
    uint64_t deadline_ms = 0;
    mpc_status outcome = MPC_OK;
    uint8_t *raw = NULL;
    size_t len = 0;
    struct node_client_results_entry e;
    memset(&e, 0, sizeof e);
    mpc_status st = node_store_keys_pending_get(d->store, rid, &state, &deadline_ms);
    if (st == MPC_ERR_NOT_FOUND) {
        return 0;
    }
    if (st == MPC_OK) {
        st = node_store_req_get(d->store, rid, &outcome, &raw, &len);
    }
    if (st == MPC_OK) {
        st = node_client_results_entry_decode(&e, raw, len);
    }
    free(raw);
    if (st == MPC_OK && state == NODE_STORE_PENDING_RESOLVING) {
        st = outcome == MPC_ERR_KEY_PENDING ? resolve_keys(d, rid, deadline_ms, &e) : MPC_OK;
        if (st == MPC_ERR_KEY_ATTEMPT_DISCARDED) { /* the redelivery runs it again */
            node_client_results_entry_clear(&e);
            return 0;
        }
        if (st == MPC_OK) { /* the final entry replaces e */
            node_client_results_entry_clear(&e);
            st = node_store_req_get(d->store, rid, &outcome, &raw, &len);
            st = st == MPC_OK ? node_client_results_entry_decode(&e, raw, len) : st;
            free(raw);
        }
    }
    if (st == MPC_OK) {
        node_killpoint(NODE_KILL_BEFORE_PUBLISH, rid);
        st = node_client_entry_publish(d, rid, &e);
    }
    if (st == MPC_OK) {
        st = node_store_keys_pending_done(d->store, rid);
        node_killpoint(NODE_KILL_AFTER_PUBLISH, rid);
        mpc_log(MPC_LOG_INFO, "node", "key_request_resolved", "request=%s outcome=%s", rid,
                mpc_status_name(outcome));
    }
    node_client_results_entry_clear(&e);
    if (st == MPC_ERR_CORRUPT) {
        mpc_log(MPC_LOG_ERROR, "node", "pending_request_unreadable", "request=%s", rid);
    }
    return st != MPC_OK;
}

/* The resolver's step (node_duequeue's work). */
static uint64_t
resolve_step(void *arg, struct node_duequeue_item *it)
{
    struct node_resolver *r = arg;
    return resolve_one(r->d, it->rid)
               ? node_duequeue_backoff_ms(it->tries, NODE_RESOLVE_RETRY_MIN_MS,
                                          NODE_RESOLVE_RETRY_MAX_MS)
               : 0;
}

mpc_status
node_resolver_start(struct node_daemon *d)
{
    struct node_resolver *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return MPC_ERR_NOMEM;
    }
    r->d = d;
    /* the scan runs before intake: a restarted node resolves what it left pending */
    if (node_duequeue_start(&r->q, NODE_RESOLVE_QUEUE_MAX, scan_markers, resolve_step, r) !=
        MPC_OK) {
        free(r);
        return MPC_ERR_INTERNAL;
    }
    d->resolver = r;
    return MPC_OK;
}

void
node_resolver_stop(struct node_daemon *d)
{
    struct node_resolver *r = d->resolver;
    if (r == NULL) {
        return;
    }
    node_duequeue_end(&r->q); /* queued requests keep their pend/ markers */
    d->resolver = NULL;
    free(r);
}

/*
 * kos_node.c — the daemon's side of DKLs23 "abort for good" (node/kos.h):
 * the per-pair gate, the fail-closed persistence of a quarantine, and the
 * cluster list of quarantined pairs fed by signed notices.
 *
 * DESIGN: one struct node_kos per daemon. The gate (session/pairgate.h) is
 * created before the session manager and destroyed after it. The two lists
 * (quarantines not yet stored; pairs known cluster-wide) are small, bounded
 * arrays under kos->mu; the lock is never held while calling the store, the
 * transport or the gate. Store retries run on the intake thread (sign
 * prepare), notices arrive on a transport thread and only touch the list.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/kos.h"
#include "node/presig.h"
#include "node/store/kosq.h"
#include "transport/subject.h"
#include "tss/dkls_keyrec.h"

#define KOS_LIST_MAX    256 /* pairs remembered cluster-wide; more are refused and logged */
#define KOS_PER_ACCUSER 32  /* peers' notices kept per accuser (one node cannot fill the list) */

struct node_kos {
    session_pairgate *gate;                        /* per-pair gate (owned) */
    transport_sub *sub;                            /* mpc.n.*.kosq */
    pthread_mutex_t mu;                            /* guards everything below */
    struct node_kos_notice known[KOS_LIST_MAX];    /* quarantined pairs (ours and peers') */
    size_t n_known;                                /* entries in known */
    struct node_kos_notice unstored[KOS_LIST_MAX]; /* ours, not yet in the key record */
    size_t n_unstored;                             /* entries in unstored */
    int unstored_overflow;     /* an unstored quarantine did not fit: refuse every DKLs sign */
    uint64_t notices_sent;     /* notices published */
    uint64_t notices_received; /* valid notices of peers */
    uint64_t notices_rejected; /* malformed or badly signed notices */
    uint64_t notices_unsaved;  /* peers' notices the store refused (held in memory only) */
    uint64_t notices_loaded;   /* peers' notices reloaded from the store at start */
};

static void
kos_on_quarantine(void *arg, const char *scope, const char *peer)
{
    struct node_daemon *d = arg;
    mpc_log(MPC_LOG_WARN, "node", "kos_pair_quarantined", "node=%s scope=%s peer=%s",
            d->cfg->node_id, scope, peer);
}

mpc_status
node_kos_create(struct node_daemon *d)
{
    struct node_kos *k = calloc(1, sizeof *k);
    if (k == NULL) {
        return MPC_ERR_NOMEM;
    }
    pthread_mutex_init(&k->mu, NULL);
    mpc_status st = session_pairgate_create(&k->gate, kos_on_quarantine, d);
    if (st != MPC_OK) {
        pthread_mutex_destroy(&k->mu);
        free(k);
        return st;
    }
    d->kos = k;
    return MPC_OK;
}

void
node_kos_destroy(struct node_daemon *d)
{
    if (d == NULL || d->kos == NULL) {
        return;
    }
    session_pairgate_destroy(d->kos->gate);
    pthread_mutex_destroy(&d->kos->mu);
    free(d->kos);
    d->kos = NULL;
}

session_pairgate *
node_kos_gate(struct node_daemon *d)
{
    return d != NULL && d->kos != NULL ? d->kos->gate : NULL;
}

static int
same_key(const struct node_kos_notice *a, int key_type, const char *wallet, uint32_t version)
{
    return a->key_type == key_type && a->version == version && strcmp(a->wallet, wallet) == 0;
}

static int
same_notice(const struct node_kos_notice *a, const struct node_kos_notice *b)
{
    return same_key(a, b->key_type, b->wallet, b->version) && strcmp(a->accuser, b->accuser) == 0 &&
           strcmp(a->accused, b->accused) == 0;
}

/* Adds n to list (no duplicates). Returns 0 if the list is full. Caller holds mu. */
static int
list_add_locked(struct node_kos_notice *list, size_t *len, const struct node_kos_notice *n)
{
    for (size_t i = 0; i < *len; i++) {
        if (same_notice(&list[i], n)) {
            return 1;
        }
    }
    if (*len == KOS_LIST_MAX) {
        return 0;
    }
    list[(*len)++] = *n;
    return 1;
}

/* Room for n in known (caller holds mu): a peer's notices are capped per accuser;
 * our own evict a peer's entry when the list is full. Returns 0 if there is none. */
static int
known_room_locked(struct node_daemon *d, const struct node_kos_notice *n)
{
    struct node_kos *k = d->kos;
    int own = strcmp(n->accuser, d->cfg->node_id) == 0;
    size_t same = 0;
    for (size_t i = 0; i < k->n_known; i++) {
        if (same_notice(&k->known[i], n)) {
            return 1;
        }
        same += strcmp(k->known[i].accuser, n->accuser) == 0;
    }
    if (!own && same >= KOS_PER_ACCUSER) {
        return 0;
    }
    for (size_t i = 0; own && k->n_known == KOS_LIST_MAX && i < k->n_known; i++) {
        if (strcmp(k->known[i].accuser, d->cfg->node_id) != 0) {
            k->known[i] = k->known[--k->n_known];
        }
    }
    return k->n_known < KOS_LIST_MAX;
}

/* Returns: 1 if n is new in the list, 0 if it was known or did not fit. */
static int
kos_known_add(struct node_daemon *d, const struct node_kos_notice *n)
{
    pthread_mutex_lock(&d->kos->mu);
    size_t before = d->kos->n_known;
    int known = 0;
    for (size_t i = 0; i < d->kos->n_known && !known; i++) {
        known = same_notice(&d->kos->known[i], n);
    }
    int ok = known_room_locked(d, n) && list_add_locked(d->kos->known, &d->kos->n_known, n);
    int added = ok && !known && d->kos->n_known >= before; /* eviction keeps the count */
    pthread_mutex_unlock(&d->kos->mu);
    if (!ok) {
        mpc_log(MPC_LOG_ERROR, "node", "kos_list_full", "wallet=%s accuser=%s accused=%s",
                n->wallet, n->accuser, n->accused);
    }
    return added;
}

/* The record rewrite of a quarantine: the accused's pairs flagged. */
struct kos_rewrite {
    const tss_keytype *h; /* key type table */
    const char *peer;     /* accused node id */
};

static mpc_status
kos_rewrite_fn(void *ctx, const uint8_t *rec, size_t len, uint8_t **upd, size_t *upd_len)
{
    const struct kos_rewrite *r = ctx;
    return r->h->record_quarantine(rec, len, r->peer, upd, upd_len);
}

#ifdef MPC_FAULT_INJECTION
/* Test builds only: MPC_NODE_TEST_KOS_STORE_FAIL=<k> makes the first k quarantine
 * stores fail (integration test of the fail-closed rule). */
static int
kos_store_fault(void)
{
    static int used;
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    const char *v = getenv("MPC_NODE_TEST_KOS_STORE_FAIL");
    pthread_mutex_lock(&mu);
    int fail = v != NULL && used < atoi(v);
    used += fail;
    pthread_mutex_unlock(&mu);
    return fail;
}
#endif

static mpc_status
kos_store(struct node_daemon *d, const struct node_kos_notice *n)
{
#ifdef MPC_FAULT_INJECTION
    if (kos_store_fault()) {
        return MPC_ERR_STORE;
    }
#endif
    const tss_keytype *h = node_handler_find(n->key_type);
    if (h == NULL || h->record_quarantine == NULL) {
        return MPC_ERR_UNSUPPORTED;
    }
    struct kos_rewrite r = {.h = h, .peer = n->accused};
    mpc_status st = node_store_keys_share_rewrite(d->store, n->key_type, n->wallet, n->version,
                                                  kos_rewrite_fn, &r);
    if (st == MPC_OK || st == MPC_ERR_NOT_FOUND) {
        /* The key signs again only after a reshare: its pool goes (spec §6.7.2). */
        mpc_status ds = node_presig_pool_discard(d->store, n->key_type, n->wallet, "quarantine");
        st = st == MPC_OK ? ds : st;
    }
    return st == MPC_ERR_NOT_FOUND ? MPC_OK : st; /* that version's share is gone: no Δ left */
}

static void
kos_publish(struct node_daemon *d, const struct node_kos_notice *n)
{
    uint8_t buf[NODE_KOS_NOTICE_MAX];
    size_t len = 0;
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KOS_NOTICE,
                                            d->cfg->node_id, NULL, NULL);
    if (st == MPC_OK) {
        st = node_kos_notice_encode(d->id, n, buf, sizeof buf, &len);
    }
    if (st == MPC_OK) {
        st = transport_publish(d->t, subj, buf, len);
    }
    if (st == MPC_OK) {
        pthread_mutex_lock(&d->kos->mu);
        d->kos->notices_sent++;
        pthread_mutex_unlock(&d->kos->mu);
    }
    mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_ERROR, "node", "kos_notice_published",
            "wallet=%s version=%u accused=%s status=%s", n->wallet, n->version, n->accused,
            mpc_status_name(st));
}

void
node_kos_failed(struct node_daemon *d, const struct node_subjob *sj, const char *wallet)
{
    struct node_kos_notice n;
    memset(&n, 0, sizeof n);
    n.key_type = sj->key_type;
    n.version = sj->version;
    snprintf(n.wallet, sizeof n.wallet, "%s", wallet);
    snprintf(n.accuser, sizeof n.accuser, "%s", d->cfg->node_id);
    snprintf(n.accused, sizeof n.accused, "%s", sj->failed_peer);
    char scope[SESSION_PAIRGATE_SCOPE_MAX + 1];
    if (node_kos_scope(scope, sizeof scope, sj->h->name, wallet, sj->version) == MPC_OK &&
        session_pairgate_mark(d->kos->gate, scope, sj->failed_peer) != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "node", "kos_gate_mark_failed", "scope=%s", scope);
    }
    kos_known_add(d, &n);
    mpc_status st = kos_store(d, &n);
    mpc_log(st == MPC_OK ? MPC_LOG_WARN : MPC_LOG_ERROR, "node", "peer_quarantined",
            "wallet=%s key_type=%s version=%u peer=%s stored=%s", wallet, sj->h->name, sj->version,
            sj->failed_peer, mpc_status_name(st));
    if (st != MPC_OK) {
        node_metrics_add(&d->m.store_failures);
        pthread_mutex_lock(&d->kos->mu);
        if (!list_add_locked(d->kos->unstored, &d->kos->n_unstored, &n)) {
            d->kos->unstored_overflow = 1; /* fail closed for every key */
        }
        pthread_mutex_unlock(&d->kos->mu);
    }
    kos_publish(d, &n);
}

/* Retries the stores pending for (key_type, wallet). Returns MPC_OK once none is left. */
static mpc_status
kos_retry_unstored(struct node_daemon *d, int key_type, const char *wallet)
{
    for (size_t guard = 0; guard < KOS_LIST_MAX; guard++) {
        struct node_kos_notice n;
        int found = 0;
        pthread_mutex_lock(&d->kos->mu);
        for (size_t i = 0; i < d->kos->n_unstored && !found; i++) {
            if (d->kos->unstored[i].key_type == key_type &&
                strcmp(d->kos->unstored[i].wallet, wallet) == 0) {
                n = d->kos->unstored[i];
                found = 1;
            }
        }
        pthread_mutex_unlock(&d->kos->mu);
        if (!found) {
            return MPC_OK;
        }
        if (kos_store(d, &n) != MPC_OK) {
            return MPC_ERR_QUARANTINE_UNSTORED;
        }
        pthread_mutex_lock(&d->kos->mu);
        for (size_t i = 0; i < d->kos->n_unstored; i++) {
            if (same_notice(&d->kos->unstored[i], &n)) {
                d->kos->unstored[i] = d->kos->unstored[--d->kos->n_unstored];
                break;
            }
        }
        pthread_mutex_unlock(&d->kos->mu);
        mpc_log(MPC_LOG_INFO, "node", "kos_quarantine_stored", "wallet=%s peer=%s", n.wallet,
                n.accused);
    }
    return MPC_ERR_QUARANTINE_UNSTORED;
}

static int
in_set(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ids[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}

mpc_status
node_kos_sign_check(struct node_daemon *d, int key_type, const char *wallet, uint32_t version,
                    const char *const *ids, size_t n, char *why, size_t why_cap)
{
    pthread_mutex_lock(&d->kos->mu);
    int overflow = d->kos->unstored_overflow;
    pthread_mutex_unlock(&d->kos->mu);
    if (overflow || kos_retry_unstored(d, key_type, wallet) != MPC_OK) {
        snprintf(why, why_cap, "a quarantine of this key is not yet stored");
        return MPC_ERR_QUARANTINE_UNSTORED;
    }
    mpc_status st = MPC_OK;
    pthread_mutex_lock(&d->kos->mu);
    for (size_t i = 0; i < d->kos->n_known && st == MPC_OK; i++) {
        const struct node_kos_notice *q = &d->kos->known[i];
        if (same_key(q, key_type, wallet, version) && in_set(ids, n, q->accuser) &&
            in_set(ids, n, q->accused)) {
            snprintf(why, why_cap, "signers %s and %s are quarantined as a pair (v%u)", q->accuser,
                     q->accused, version);
            st = MPC_ERR_PAIR_QUARANTINED;
        }
    }
    pthread_mutex_unlock(&d->kos->mu);
    return st;
}

size_t
node_kos_avoid(struct node_daemon *d, int key_type, const char *wallet, uint32_t version,
               const char **ids, size_t n)
{
    pthread_mutex_lock(&d->kos->mu);
    for (size_t i = 0; i < d->kos->n_known; i++) {
        const struct node_kos_notice *q = &d->kos->known[i];
        if (!same_key(q, key_type, wallet, version) || !in_set(ids, n, q->accuser)) {
            continue;
        }
        for (size_t j = 0; j < n; j++) { /* drop the accused: the same choice on every node */
            if (strcmp(ids[j], q->accused) == 0) {
                memmove(&ids[j], &ids[j + 1], (n - j - 1) * sizeof ids[0]);
                n--;
                break;
            }
        }
    }
    pthread_mutex_unlock(&d->kos->mu);
    return n;
}

static transport_reply
on_notice(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    struct node_kos_notice n;
    char token[TRANSPORT_SUBJECT_MAX];
    mpc_status st = node_kos_notice_decode(&n, msg->data, msg->len);
    const struct node_config_peer *p =
        st == MPC_OK ? node_config_peers_find(d->peers, n.accuser) : NULL;
    if (st == MPC_OK && (p == NULL ||
                         transport_subject_build(token, sizeof token, TRANSPORT_SUBJ_KOS_NOTICE,
                                                 n.accuser, NULL, NULL) != MPC_OK ||
                         strcmp(token, msg->subject) != 0)) {
        st = MPC_ERR_UNKNOWN_PARTICIPANT; /* unknown accuser, or sent on another's subject */
    }
    if (st == MPC_OK) {
        st = node_kos_notice_verify(msg->data, msg->len, p->public_key);
    }
    pthread_mutex_lock(&d->kos->mu);
    if (st == MPC_OK) {
        d->kos->notices_received++;
    } else {
        d->kos->notices_rejected++;
    }
    pthread_mutex_unlock(&d->kos->mu);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "kos_notice_rejected", "subject=%s status=%s", msg->subject,
                mpc_status_name(st));
        return TRANSPORT_REPLY_NONE;
    }
    int added = kos_known_add(d, &n);
    if (added && d->store != NULL &&
        node_presig_pool_discard(d->store, n.key_type, n.wallet, "peer_quarantine") != MPC_OK) {
        node_metrics_add(&d->m.store_failures); /* the accused pair's sets are refused anyway */
    }
    if (added && d->store != NULL) {
        /* a new peer's notice: kept in the store so a restart does not forget it */
        mpc_status ps = node_store_kosq_put(d->store, msg->data, msg->len);
        if (ps != MPC_OK) {
            pthread_mutex_lock(&d->kos->mu);
            d->kos->notices_unsaved++;
            pthread_mutex_unlock(&d->kos->mu);
            mpc_log(MPC_LOG_ERROR, "node", "kos_notice_store_failed", "accuser=%s status=%s",
                    n.accuser, mpc_status_name(ps));
        }
    }
    mpc_log(MPC_LOG_WARN, "node", "kos_notice_received",
            "wallet=%s key_type=%d version=%u accuser=%s accused=%s", n.wallet, n.key_type,
            n.version, n.accuser, n.accused);
    return TRANSPORT_REPLY_NONE;
}

mpc_status
node_kos_listen(struct node_daemon *d)
{
    char pattern[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_pattern(pattern, sizeof pattern, TRANSPORT_SUBJ_KOS_NOTICE,
                                              TRANSPORT_SUBJECT_ANY, NULL, NULL);
    return st != MPC_OK ? st
                        : transport_subscribe_confirmed(d->t, pattern, on_notice, d, &d->kos->sub);
}

void
node_kos_unlisten(struct node_daemon *d)
{
    if (d != NULL && d->kos != NULL && d->kos->sub != NULL) {
        transport_unsubscribe(d->t, d->kos->sub);
        d->kos->sub = NULL;
    }
}

void
node_kos_stats(struct node_daemon *d, struct node_kos_stats *out)
{
    memset(out, 0, sizeof *out);
    if (d == NULL || d->kos == NULL) {
        return;
    }
    session_pairgate_counts(d->kos->gate, &out->checks, &out->check_failures, &out->gate_pairs);
    pthread_mutex_lock(&d->kos->mu);
    out->known_pairs = d->kos->n_known;
    out->unstored = d->kos->n_unstored;
    out->notices_sent = d->kos->notices_sent;
    out->notices_received = d->kos->notices_received;
    out->notices_rejected = d->kos->notices_rejected;
    out->notices_unsaved = d->kos->notices_unsaved;
    out->notices_loaded = d->kos->notices_loaded;
    pthread_mutex_unlock(&d->kos->mu);
}

size_t
node_kos_list(struct node_daemon *d, struct node_kos_notice *out, size_t cap)
{
    if (d == NULL || d->kos == NULL) {
        return 0;
    }
    pthread_mutex_lock(&d->kos->mu);
    size_t n = d->kos->n_known < cap ? d->kos->n_known : cap;
    memcpy(out, d->kos->known, n * sizeof *out);
    pthread_mutex_unlock(&d->kos->mu);
    return n;
}

/* One known pair as a JSON object. */
static json_t *
kos_pair_json(const struct node_kos_notice *n)
{
    const tss_keytype *h = node_handler_find(n->key_type);
    return json_pack("{s:s, s:s, s:I, s:s, s:s}", "wallet", n->wallet, "key_type",
                     h != NULL ? h->name : "?", "version", (json_int_t)n->version, "accuser",
                     n->accuser, "accused", n->accused);
}

void
node_kos_snapshot_add(struct node_daemon *d, char **json)
{
    static struct node_kos_notice list[KOS_LIST_MAX];
    static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER; /* guards list (large) */
    struct node_kos_stats ks;
    node_kos_stats(d, &ks);
    json_t *root = json_loads(*json, 0, NULL);
    json_t *pairs = json_array();
    pthread_mutex_lock(&list_mu);
    size_t n = node_kos_list(d, list, KOS_LIST_MAX);
    for (size_t i = 0; pairs != NULL && i < n; i++) {
        json_array_append_new(pairs, kos_pair_json(&list[i]));
    }
    pthread_mutex_unlock(&list_mu);
    json_t *kos =
        json_pack("{s:I, s:I, s:I, s:I, s:o}", "checks", (json_int_t)ks.checks, "check_failures",
                  (json_int_t)ks.check_failures, "unstored", (json_int_t)ks.unstored,
                  "notices_rejected", (json_int_t)ks.notices_rejected, "quarantined_pairs", pairs);
    char *out = NULL;
    if (root != NULL && json_is_object(root) && kos != NULL &&
        json_object_set_new(root, "kos", kos) == 0) {
        kos = NULL;
        out = json_dumps(root, JSON_COMPACT);
    }
    json_decref(kos);
    json_decref(root);
    if (out != NULL) {
        free(*json);
        *json = out;
    }
}

void
node_kos_republish(struct node_daemon *d)
{
    struct node_kos_notice own[8];
    size_t n = 0;
    if (d == NULL || d->kos == NULL || d->t == NULL) {
        return;
    }
#ifdef MPC_FAULT_INJECTION
    if (getenv("MPC_NODE_TEST_KOS_SILENT") != NULL) {
        return; /* TEST ONLY: peers must rely on what they stored */
    }
#endif
    pthread_mutex_lock(&d->kos->mu);
    for (size_t i = 0; i < d->kos->n_known && n < 8; i++) {
        if (strcmp(d->kos->known[i].accuser, d->cfg->node_id) == 0) {
            own[n++] = d->kos->known[i];
        }
    }
    pthread_mutex_unlock(&d->kos->mu);
    for (size_t i = 0; i < n; i++) {
        kos_publish(d, &own[i]);
    }
}

/* One stored DKLs record name "share/<type>/<wallet>/v<N>": its quarantined peers
 * become our own known pairs and gate flags (they survive a restart). */
static void
kos_load_record(struct node_daemon *d, const tss_keytype *h, int key_type, const char *name)
{
    struct node_kos_notice n;
    memset(&n, 0, sizeof n);
    const char *w = strchr(name + strlen("share/"), '/');
    const char *v = strrchr(name, '/');
    if (w == NULL || v == NULL || v <= w || v[1] != 'v' ||
        (size_t)(v - w - 1) > NODE_KOS_WALLET_MAX) {
        return;
    }
    memcpy(n.wallet, w + 1, (size_t)(v - w - 1));
    n.version = (uint32_t)strtoul(v + 2, NULL, 10);
    n.key_type = key_type;
    snprintf(n.accuser, sizeof n.accuser, "%s", d->cfg->node_id);
    uint8_t *rec = NULL;
    size_t len = 0;
    tss_dkls_keyrec *kr = NULL;
    if (n.version == 0 || node_store_get(d->store, name, &rec, &len) != MPC_OK ||
        tss_dkls_keyrec_decode(&kr, rec, len) != MPC_OK) {
        mpc_secure_free(rec);
        return;
    }
    char scope[SESSION_PAIRGATE_SCOPE_MAX + 1];
    int scoped = node_kos_scope(scope, sizeof scope, h->name, n.wallet, n.version) == MPC_OK;
    for (uint32_t i = 0; i < kr->n_peers; i++) {
        const struct tss_dkls_peer_rec *pr = &kr->peers[i];
        const char *id = pr->member < kr->ks->n ? kr->ks->members[pr->member].node_id : NULL;
        if (pr->status != TSS_DKLS_PEER_QUARANTINED || id == NULL) {
            continue;
        }
        snprintf(n.accused, sizeof n.accused, "%s", id);
        kos_known_add(d, &n);
        if (scoped && session_pairgate_mark(d->kos->gate, scope, id) != MPC_OK) {
            mpc_log(MPC_LOG_ERROR, "node", "kos_gate_mark_failed", "scope=%s", scope);
        }
    }
    tss_dkls_keyrec_destroy(kr);
    mpc_secure_free(rec);
}

/* One stored peer's notice (node/store/kosq.h): re-verified against today's
 * peers file; dropped once a reshare moved the key past its version. */
static int
kos_load_notice(void *arg, const uint8_t *notice, size_t len)
{
    struct node_daemon *d = arg;
    struct node_kos_notice n;
    struct node_store_keyinfo ki;
    if (node_kos_notice_decode(&n, notice, len) != MPC_OK) {
        return 0;
    }
    const struct node_config_peer *p = node_config_peers_find(d->peers, n.accuser);
    if (p == NULL || strcmp(n.accuser, d->cfg->node_id) == 0 ||
        node_kos_notice_verify(notice, len, p->public_key) != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "kos_notice_dropped", "accuser=%s reason=unverified",
                n.accuser);
        return 0;
    }
    if (node_store_keyinfo_get(d->store, n.key_type, n.wallet, &ki) == MPC_OK &&
        ki.active_version > n.version) {
        return 0; /* a reshare lifted it */
    }
    if (kos_known_add(d, &n)) {
        pthread_mutex_lock(&d->kos->mu);
        d->kos->notices_loaded++;
        pthread_mutex_unlock(&d->kos->mu);
    }
    return 1;
}

static void
kos_load_notices(struct node_daemon *d)
{
    size_t bad = 0;
    mpc_status st = node_store_kosq_load(d->store, kos_load_notice, d, &bad);
    if (st != MPC_OK || bad > 0) {
        mpc_log(MPC_LOG_ERROR, "node", "kos_notices_load", "status=%s unreadable=%zu",
                mpc_status_name(st), bad);
    }
}

void
node_kos_load(struct node_daemon *d)
{
    const int kt = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    const tss_keytype *h = node_handler_find(kt);
    if (d == NULL || d->kos == NULL || d->store == NULL || h == NULL ||
        h->record_quarantine == NULL) {
        return;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "share/%s/", node_store_key_type_name(kt));
    char **names = NULL;
    size_t count = 0;
    if (node_store_list(d->store, prefix, &names, &count) != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "node", "kos_load_failed", "prefix=%s", prefix);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        kos_load_record(d, h, kt, names[i]);
    }
    node_store_names_free(names, count);
    kos_load_notices(d);
}

/*
 * presign_node.c — presignature pools in a running cluster (DESIGN §7
 * "Presignatures"): the refill thread of a coordinator, the order responder
 * of a member, the presign sessions and their results.
 *
 * DESIGN (threads and ownership):
 * - refill thread: every 1000 / presign.max_per_second ms it looks for one
 *   (secp256k1 key, set) this node coordinates (lowest id of a configured
 *   set) whose pool of the key's active version is below presign.pool_size,
 *   with no presign session of that key and set running; it signs an order,
 *   publishes it to each member on mpc.n.<member>.presign and starts its own
 *   session. At most one session starts per turn: the CPU budget.
 * - order responder (a transport thread): node_presign_order_open checks the
 *   order (node/presign_order.h), then the member starts the same session
 *   (sid = H(order)); admit_timeout 0, it never waits.
 * - session completion (a session worker): stores this node's record in the
 *   pool it names (node_presig_store_result) and frees the in-flight slot.
 * ps->mu guards the in-flight table and the stop flag; counters are atomic.
 * A session that ends DONE at only some members leaves orphan records: a
 * sign that chooses one finds it missing at a peer (different sids), fails
 * at the barrier and is retried with dkls-sign; the record is burnt.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/kos.h"
#include "node/presig.h"
#include "node/presign_order.h"
#include "node/store/presig.h"
#include "transport/subject.h"

#define PRESIGN_INFLIGHT_MAX 64u    /* presign sessions this node coordinates at once */
#define PRESIGN_SUSPECTS     512u   /* one-sided records remembered */
#define PRESIGN_GRACE_MS     10000u /* a record is dropped only if one-sided this long */
/* A pause: no request for this long (refill of a pool at least half full). */
#define PRESIGN_QUIET_MS 250u
#define KEYINFO_PREFIX   "keyinfo/secp256k1/"

/* One running presign session this node coordinates. */
struct presign_slot {
    int used;                                 /* 1 while the session runs */
    char wallet[NODE_PRESIGN_WALLET_MAX + 1]; /* its key */
    size_t set;                               /* index in presign.signers */
};

struct node_presign {
    pthread_mutex_t mu;                              /* guards slots, stop */
    pthread_cond_t cv;                               /* stop */
    int stop;                                        /* the thread exits */
    int started;                                     /* the thread runs */
    pthread_t thread;                                /* refill thread */
    transport_sub *sub;                              /* mpc.n.<self>.presign */
    struct presign_slot slots[PRESIGN_INFLIGHT_MAX]; /* in-flight sessions coordinated */
    size_t cursor;                                   /* first key looked at next turn */
    struct node_presign_replay replay;               /* nonces of accepted orders */
    struct node_presign_stats st;                    /* counters (atomic) */
    uint8_t suspect_id[PRESIGN_SUSPECTS][32];        /* records seen one-sided (ps->mu) */
    uint64_t suspect_ms[PRESIGN_SUSPECTS];           /* first seen so (monotonic), 0 = free */
};

/* What a session's completion needs. */
struct presign_done_arg {
    struct node_daemon *d;                    /* owner */
    int key_type;                             /* the key */
    char wallet[NODE_PRESIGN_WALLET_MAX + 1]; /* its wallet */
    long slot;                                /* in-flight slot (coordinator), or -1 */
};

static void
bump(uint64_t *c)
{
    __atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *c)
{
    return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void
slot_release(struct node_presign *ps, long slot)
{
    if (slot < 0) {
        return;
    }
    pthread_mutex_lock(&ps->mu);
    ps->slots[slot].used = 0;
    pthread_mutex_unlock(&ps->mu);
}

/* Claims a slot for (wallet, set) unless one runs. Returns its index or -1. */
static long
slot_claim(struct node_presign *ps, const char *wallet, size_t set)
{
    long free_slot = -1;
    pthread_mutex_lock(&ps->mu);
    for (size_t i = 0; i < PRESIGN_INFLIGHT_MAX; i++) {
        if (ps->slots[i].used && ps->slots[i].set == set &&
            strcmp(ps->slots[i].wallet, wallet) == 0) {
            free_slot = -2;
            break;
        }
        if (!ps->slots[i].used && free_slot == -1) {
            free_slot = (long)i;
        }
    }
    if (free_slot >= 0) {
        ps->slots[free_slot].used = 1;
        ps->slots[free_slot].set = set;
        snprintf(ps->slots[free_slot].wallet, sizeof ps->slots[0].wallet, "%s", wallet);
    }
    pthread_mutex_unlock(&ps->mu);
    return free_slot < 0 ? -1 : free_slot;
}

static void
presign_done(void *arg, const session_outcome *o)
{
    struct presign_done_arg *a = arg;
    struct node_presign *ps = a->d->presign;
    mpc_status st = o->status;
    if (st == MPC_OK) {
        bump(&ps->st.sessions_done);
        st =
            node_presig_store_result(a->d->store, a->key_type, a->wallet, o->result, o->result_len);
        bump(st == MPC_OK ? &ps->st.records_stored : &ps->st.store_failures);
    } else {
        bump(&ps->st.sessions_failed);
    }
    mpc_log(st == MPC_OK ? MPC_LOG_DEBUG : MPC_LOG_WARN, "node", "presign_done",
            "wallet=%s status=%s round=%u culprit=%s ms=%llu", a->wallet, mpc_status_name(st),
            o->round, o->culprit_id != NULL ? o->culprit_id : "-",
            (unsigned long long)o->elapsed_ms);
    slot_release(ps, a->slot);
    free(a);
}

/* Starts this node's dkls-presign session of order o (bytes in[0..len)). */
static mpc_status
presign_session_start(struct node_daemon *d, const struct node_presign_order *o, const uint8_t *in,
                      size_t len, uint32_t threshold, long slot)
{
    const tss_keytype *h = node_handler_find(o->key_type);
    if (h == NULL || h->presign == NULL || h->presign_input == NULL) {
        return MPC_ERR_UNSUPPORTED;
    }
    const char *ids[NODE_CONFIG_PRESIGN_SET_MAX];
    uint32_t self = o->n;
    for (uint32_t i = 0; i < o->n; i++) {
        ids[i] = o->ids[i];
        self = strcmp(o->ids[i], d->cfg->node_id) == 0 ? i : self;
    }
    uint8_t sid[NODE_CLIENT_SID_BYTES], *share = NULL, *input = NULL;
    size_t share_len = 0, input_len = 0;
    char scope[SESSION_PAIRGATE_SCOPE_MAX + 1];
    struct presign_done_arg *a = calloc(1, sizeof *a);
    mpc_status st = a == NULL ? MPC_ERR_NOMEM : self == o->n ? MPC_ERR_NOT_PARTICIPANT : MPC_OK;
    if (st == MPC_OK) {
        st = node_presign_order_sid(in, len, sid);
    }
    if (st == MPC_OK) {
        st = node_kos_scope(scope, sizeof scope, h->name, o->wallet, o->version);
    }
    if (st == MPC_OK) {
        st = node_store_keys_share_get(d->store, o->key_type, o->wallet, o->version, &share,
                                       &share_len);
    }
    if (st == MPC_OK) {
        st = h->presign_input(&input, &input_len, share, share_len, ids, o->n);
    }
    mpc_secure_free(share);
    if (st == MPC_OK) {
        *a = (struct presign_done_arg){d, o->key_type, "", slot};
        snprintf(a->wallet, sizeof a->wallet, "%s", o->wallet);
        session_spec spec = {.sid = sid,
                             .op = SESSION_OP_SIGN,
                             .key_type = h->name,
                             .wallet = o->wallet,
                             .proto = h->presign,
                             .self = self,
                             .n_parties = o->n,
                             .party_ids = ids,
                             .threshold = threshold,
                             .input = input,
                             .input_len = input_len,
                             .admit_timeout_ms = 0,
                             .done = presign_done,
                             .done_arg = a,
                             .gate_scope = scope};
        st = session_manager_start(d->mgr, &spec);
    }
    mpc_secure_free(input);
    if (st != MPC_OK) {
        free(a);
        return st;
    }
    bump(&d->presign->st.sessions_started);
    return MPC_OK;
}

/* Index of o's set in presign.signers, or -1. */
static long
set_index(const struct node_config_presign *c, const struct node_presign_order *o)
{
    for (size_t s = 0; s < c->n_sets; s++) {
        int same = c->set_len[s] == o->n;
        for (uint32_t i = 0; same && i < o->n; i++) {
            same = strcmp(c->ids[s][i], o->ids[i]) == 0;
        }
        if (same) {
            return (long)s;
        }
    }
    return -1;
}

/* The committee ids of o's set (its pool here). */
static mpc_status
order_pool_ids(struct node_daemon *d, const struct node_presign_order *o, uint32_t *cids)
{
    const char *ptrs[NODE_CONFIG_PRESIGN_SET_MAX];
    uint8_t *share = NULL;
    size_t share_len = 0;
    for (uint32_t i = 0; i < o->n; i++) {
        ptrs[i] = o->ids[i];
    }
    mpc_status st =
        node_store_keys_share_get(d->store, o->key_type, o->wallet, o->version, &share, &share_len);
    if (st == MPC_OK) {
        st =
            node_presig_set_ids(node_handler_find(o->key_type), share, share_len, ptrs, o->n, cids);
    }
    mpc_secure_free(share);
    return st;
}

/*
 * 1 when id was already seen one-sided PRESIGN_GRACE_MS ago (then forgotten);
 * otherwise remembers it (first sighting) and returns 0. Why the grace: a
 * sign takes its record at each signer when that signer's intake reaches the
 * request, so for a moment the record is in one pool only; dropping it then
 * would make that sign's signers disagree.
 */
static int
suspect_ripe(struct node_presign *ps, const uint8_t *id)
{
    uint64_t now = mpc_clock_mono_ms();
    size_t free_slot = PRESIGN_SUSPECTS;
    int ripe = 0, found = 0;
    pthread_mutex_lock(&ps->mu);
    for (size_t i = 0; i < PRESIGN_SUSPECTS && !found; i++) {
        if (ps->suspect_ms[i] != 0 && now - ps->suspect_ms[i] > 4ull * PRESIGN_GRACE_MS) {
            ps->suspect_ms[i] = 0; /* not seen again: it agreed after all */
        }
        if (ps->suspect_ms[i] != 0 && memcmp(ps->suspect_id[i], id, 32) == 0) {
            found = 1;
            ripe = now - ps->suspect_ms[i] >= PRESIGN_GRACE_MS;
            ps->suspect_ms[i] = ripe ? 0 : ps->suspect_ms[i];
        } else if (ps->suspect_ms[i] == 0 && free_slot == PRESIGN_SUSPECTS) {
            free_slot = i;
        }
    }
    if (!found && free_slot < PRESIGN_SUSPECTS) {
        memcpy(ps->suspect_id[free_slot], id, 32);
        ps->suspect_ms[free_slot] = now;
    }
    pthread_mutex_unlock(&ps->mu);
    return ripe;
}

/* Drops the record id of pool (wasted, never used) once it has been one-sided
 * for the grace period. Returns 1 if it was dropped. */
static int
drop_record(struct node_daemon *d, const struct node_store_presig_pool *pool, const uint8_t *id)
{
    if (!suspect_ripe(d->presign, id)) {
        return 0;
    }
    uint8_t *rec = NULL;
    size_t len = 0;
    if (node_store_presig_take(d->store, pool, id, &rec, &len, NULL) != MPC_OK) {
        return 0;
    }
    mpc_wipe(rec, len);
    mpc_secure_free(rec);
    bump(&d->presign->st.records_dropped);
    return 1;
}

static int
inv_has(const struct node_presign_order *o, const uint8_t id[32])
{
    for (uint32_t i = 0; i < o->n_inv; i++) {
        if (memcmp(o->inv[i], id, 32) == 0) {
            return 1;
        }
    }
    return 0;
}

static void send_one(struct node_daemon *d, const char *to, const struct node_presign_order *o);

/*
 * A member, on an order: drops its records of the pool that the
 * coordinator's inventory lacks, and (report != 0: no earlier session of
 * this pool still runs here, whose record the coordinator may already
 * list) reports the inventory ids it lacks to the coordinator.
 */
static void
reconcile_member(struct node_daemon *d, const struct node_presign_order *o, int report)
{
    uint32_t cids[NODE_CONFIG_PRESIGN_SET_MAX];
    struct node_presign_order *miss = malloc(sizeof *miss);
    uint8_t(*own)[32] = malloc((size_t)NODE_PRESIGN_INV_MAX * 32);
    size_t n_own = 0, dropped = 0;
    struct node_store_presig_pool pool = {o->key_type, o->wallet, o->version, cids, o->n};
    mpc_status st = miss == NULL || own == NULL ? MPC_ERR_NOMEM : order_pool_ids(d, o, cids);
    if (st == MPC_OK) {
        st = node_store_presig_list(d->store, &pool, own, NODE_PRESIGN_INV_MAX, &n_own);
    }
    for (size_t i = 0; st == MPC_OK && i < n_own; i++) {
        dropped += !inv_has(o, own[i]) && drop_record(d, &pool, own[i]);
    }
    if (st == MPC_OK && report) {
        *miss = *o;
        miss->format = NODE_PRESIGN_MISSING_FORMAT;
        miss->n_inv = 0;
        for (uint32_t i = 0; i < o->n_inv; i++) {
            int have = 0;
            for (size_t k = 0; k < n_own && !have; k++) {
                have = memcmp(own[k], o->inv[i], 32) == 0;
            }
            if (!have) {
                memcpy(miss->inv[miss->n_inv++], o->inv[i], 32);
            }
        }
        snprintf(miss->from, sizeof miss->from, "%s", d->cfg->node_id);
        randombytes_buf(miss->nonce, sizeof miss->nonce);
        miss->expiry_ms = mpc_clock_wall_ms() + NODE_PRESIGN_ORDER_TTL_MS;
        if (miss->n_inv > 0) {
            send_one(d, o->from, miss);
        }
    }
    if (dropped > 0 || (miss != NULL && report && miss->n_inv > 0)) {
        mpc_log(MPC_LOG_INFO, "node", "presig_reconciled",
                "wallet=%s version=%u dropped=%zu reported_missing=%u status=%s", o->wallet,
                o->version, dropped, report && miss != NULL ? miss->n_inv : 0, mpc_status_name(st));
    }
    free(own);
    free(miss);
}

/* The coordinator, on a member's missing report: drops those records. */
static void
drop_missing(struct node_daemon *d, const struct node_presign_order *o)
{
    uint32_t cids[NODE_CONFIG_PRESIGN_SET_MAX];
    struct node_store_presig_pool pool = {o->key_type, o->wallet, o->version, cids, o->n};
    size_t dropped = 0;
    mpc_status st = order_pool_ids(d, o, cids);
    for (uint32_t i = 0; st == MPC_OK && i < o->n_inv; i++) {
        dropped += drop_record(d, &pool, o->inv[i]);
    }
    mpc_log(MPC_LOG_INFO, "node", "presig_reconciled",
            "wallet=%s version=%u member=%s missing=%u dropped=%zu status=%s", o->wallet,
            o->version, o->from, o->n_inv, dropped, mpc_status_name(st));
}

/* An accepted order at a member: reconcile, then start the same session. */
static mpc_status
member_order(struct node_daemon *d, const struct node_presign_order *o, const uint8_t *in,
             size_t len, uint32_t threshold)
{
    struct node_presign *ps = d->presign;
    long set = set_index(&d->cfg->presign, o);
    long slot = set >= 0 ? slot_claim(ps, o->wallet, (size_t)set) : -1;
    reconcile_member(d, o, slot >= 0);
    mpc_status st = presign_session_start(d, o, in, len, threshold, slot);
    if (st != MPC_OK) {
        slot_release(ps, slot);
    }
    return st;
}

static transport_reply
on_order(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    struct node_presign *ps = d->presign;
    struct node_presign_order *o = malloc(sizeof *o);
    uint32_t threshold = 0;
    struct node_presign_view v = {d->peers, &d->cfg->presign, d->cfg->node_id, mpc_clock_wall_ms(),
                                  d->store, &ps->replay,      &threshold};
    mpc_status st = o == NULL ? MPC_ERR_NOMEM : node_presign_order_open(o, msg->data, msg->len, &v);
    if (st == MPC_OK) {
        bump(&ps->st.orders_accepted);
        if (o->format == NODE_PRESIGN_MISSING_FORMAT) {
            drop_missing(d, o);
        } else {
            st = member_order(d, o, msg->data, msg->len, threshold);
        }
    } else {
        bump(&ps->st.orders_refused);
        int k = st == MPC_ERR_PRESIG_SET_COMMITTEE ? 0 : (int)st - 670;
        if (k >= 0 && k < NODE_PRESIGN_REFUSAL_KINDS) {
            bump(&ps->st.refused_by[k]);
        }
    }
    mpc_log(st == MPC_OK ? MPC_LOG_DEBUG : MPC_LOG_WARN, "node", "presign_order",
            "from=%s wallet=%s version=%u status=%s",
            o != NULL && o->from[0] != '\0' ? o->from : "-",
            o != NULL && o->wallet[0] != '\0' ? o->wallet : "-", o != NULL ? o->version : 0,
            mpc_status_name(st));
    free(o);
    return TRANSPORT_REPLY_NONE;
}

/* Signs o (fresh nonce and expiry) and publishes it to node to. */
static void
send_one(struct node_daemon *d, const char *to, const struct node_presign_order *o)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    uint8_t *buf = malloc(NODE_PRESIGN_ORDER_MAX);
    size_t len = 0;
    mpc_status st = buf == NULL
                        ? MPC_ERR_NOMEM
                        : node_presign_order_encode(d->id, o, buf, NODE_PRESIGN_ORDER_MAX, &len);
    if (st == MPC_OK) {
        st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_PRESIGN, to, NULL, NULL);
    }
    if (st == MPC_OK) {
        st = transport_publish(d->t, subj, buf, len);
    }
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "presign_message_unsent", "to=%s format=%d status=%s", to,
                o->format, mpc_status_name(st));
    }
    free(buf);
}

/* Publishes the signed order bytes to every member but this node. */
static void
order_publish(struct node_daemon *d, const struct node_presign_order *o, const uint8_t *buf,
              size_t len)
{
    for (uint32_t i = 0; i < o->n; i++) {
        char subj[TRANSPORT_SUBJECT_MAX];
        if (strcmp(o->ids[i], d->cfg->node_id) == 0) {
            continue;
        }
        mpc_status st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_PRESIGN,
                                                o->ids[i], NULL, NULL);
        if (st == MPC_OK) {
            st = transport_publish(d->t, subj, buf, len);
        }
        if (st != MPC_OK) {
            mpc_log(MPC_LOG_WARN, "node", "presign_order_unsent", "to=%s status=%s", o->ids[i],
                    mpc_status_name(st));
        }
    }
    bump(&d->presign->st.orders_sent);
}

/*
 * The pool of (wallet's active version, set) at this node, when the set fits.
 * Out: *o filled but for nonce and expiry (o->inv: the pool's inventory);
 *      *threshold; *count (records in the pool).
 * Returns: MPC_OK; MPC_ERR_PRESIG_SET_COMMITTEE; key and store errors.
 */
static mpc_status
pool_state(struct node_daemon *d, const char *wallet, size_t set, struct node_presign_order *o,
           uint32_t *threshold, size_t *count)
{
    const struct node_config_presign *c = &d->cfg->presign;
    const tss_keytype *h = node_handler_find(NODE_STORE_KEY_SECP256K1);
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    memset(o, 0, sizeof *o);
    mpc_status st = ki == NULL
                        ? MPC_ERR_NOMEM
                        : node_store_keyinfo_get(d->store, NODE_STORE_KEY_SECP256K1, wallet, ki);
    const struct node_store_keyinfo_version *v =
        st == MPC_OK ? node_store_keyinfo_find(ki, ki->active_version) : NULL;
    st = st != MPC_OK ? st : v == NULL ? MPC_ERR_KEY_PENDING : MPC_OK;
    if (st == MPC_OK) {
        st =
            node_presign_set_fits(v, (const char(*)[NODE_ID_MAX + 1]) c->ids[set], c->set_len[set]);
    }
    if (st == MPC_OK) {
        st = node_keystate_gate(d, NODE_STORE_KEY_SECP256K1, wallet, v->version);
    }
    if (st == MPC_OK) {
        o->format = NODE_PRESIGN_ORDER_FORMAT;
        o->key_type = NODE_STORE_KEY_SECP256K1;
        snprintf(o->wallet, sizeof o->wallet, "%s", wallet);
        o->version = v->version;
        o->n = c->set_len[set];
        memcpy(o->ids, c->ids[set], sizeof c->ids[set]);
        snprintf(o->from, sizeof o->from, "%s", d->cfg->node_id);
        *threshold = v->threshold;
    }
    uint8_t *share = NULL;
    size_t share_len = 0;
    if (st == MPC_OK) {
        st = node_store_keys_share_get(d->store, o->key_type, wallet, o->version, &share,
                                       &share_len);
    }
    const char *ptrs[NODE_CONFIG_PRESIGN_SET_MAX];
    uint32_t cids[NODE_CONFIG_PRESIGN_SET_MAX];
    for (uint32_t i = 0; i < o->n; i++) {
        ptrs[i] = o->ids[i];
    }
    if (st == MPC_OK) {
        st = node_presig_set_ids(h, share, share_len, ptrs, o->n, cids);
    }
    mpc_secure_free(share);
    struct node_store_presig_pool pool = {o->key_type, wallet, o->version, cids, o->n};
    size_t n_inv = 0;
    if (st == MPC_OK) {
        st = node_store_presig_list(d->store, &pool, o->inv, NODE_PRESIGN_INV_MAX, &n_inv);
        st = st == MPC_ERR_BUFFER_TOO_SMALL ? MPC_OK : st; /* full: above any pool_size */
        o->n_inv = (uint32_t)n_inv;
        *count = n_inv;
    }
    free(ki);
    return st;
}

/* 1 while a client request runs here (intake to finisher), and for
 * PRESIGN_QUIET_MS after the last one ended. */
static int
requests_running(struct node_daemon *d)
{
    uint64_t now = mpc_clock_mono_ms();
    pthread_mutex_lock(&d->mu);
    int busy = d->n_jobs > 0 || (d->jobs_idle_ms != 0 && now - d->jobs_idle_ms < PRESIGN_QUIET_MS);
    pthread_mutex_unlock(&d->mu);
    return busy;
}

/*
 * One (key, set) this node coordinates: an order and a session when its pool
 * is short. A pool at least half full is refilled only in a pause: no
 * request has run here for PRESIGN_QUIET_MS (issue 14): a presign session
 * costs both signers about as much CPU as a sign and a store write each,
 * so refilling behind every online sign slowed the next one (its commits
 * queued behind the refill's, and a session started in the 1 ms between
 * two requests at concurrency 1 still ran through the next one); the pool
 * exists to absorb bursts and refills in the pauses between them. A pool
 * below half refills at the budget regardless. Returns: 1 if a session
 * started, else 0.
 */
static int
refill_key_set(struct node_daemon *d, const char *wallet, size_t set)
{
    struct node_presign *ps = d->presign;
    struct node_presign_order *o = malloc(sizeof *o);
    uint8_t *buf = malloc(NODE_PRESIGN_ORDER_MAX);
    uint32_t threshold = 0;
    size_t count = 0, len = 0;
    long slot = -1;
    mpc_status st = o == NULL || buf == NULL ? MPC_ERR_NOMEM
                                             : pool_state(d, wallet, set, o, &threshold, &count);
    if (st == MPC_ERR_PRESIG_SET_COMMITTEE) {
        bump(&ps->st.sets_skipped); /* this set cannot sign with this key */
    }
    int need = st == MPC_OK && count < d->cfg->presign.pool_size;
    if (need && 2 * count >= d->cfg->presign.pool_size && requests_running(d)) {
        bump(&ps->st.refills_deferred);
        need = 0;
    }
    need = need && (slot = slot_claim(ps, wallet, set)) >= 0;
    if (need) {
        randombytes_buf(o->nonce, sizeof o->nonce);
        o->expiry_ms = mpc_clock_wall_ms() + NODE_PRESIGN_ORDER_TTL_MS;
        st = node_presign_order_encode(d->id, o, buf, NODE_PRESIGN_ORDER_MAX, &len);
        if (st == MPC_OK) {
            order_publish(d, o, buf, len);
            st = presign_session_start(d, o, buf, len, threshold, slot);
        }
        if (st != MPC_OK) {
            slot_release(ps, slot);
            mpc_log(MPC_LOG_WARN, "node", "presign_not_started", "wallet=%s status=%s", wallet,
                    mpc_status_name(st));
            need = 0;
        }
    }
    free(o);
    free(buf);
    return need;
}

/* One turn: starts at most one presign session. */
static void
refill_turn(struct node_daemon *d)
{
    struct node_presign *ps = d->presign;
    const struct node_config_presign *c = &d->cfg->presign;
    char **names = NULL;
    size_t n = 0;
    if (node_store_list(d->store, KEYINFO_PREFIX, &names, &n) != MPC_OK || n == 0) {
        node_store_names_free(names, n);
        return;
    }
    size_t start = ps->cursor++ % n;
    int started = 0;
    for (size_t k = 0; k < n && !started; k++) {
        const char *wallet = names[(start + k) % n] + strlen(KEYINFO_PREFIX);
        for (size_t s = 0; s < c->n_sets && !started; s++) {
            if (strcmp(c->ids[s][0], d->cfg->node_id) == 0) {
                started = refill_key_set(d, wallet, s);
            }
        }
    }
    node_store_names_free(names, n);
}

static void *
refill_main(void *arg)
{
    struct node_daemon *d = arg;
    struct node_presign *ps = d->presign;
    uint64_t period_ms = 1000u / d->cfg->presign.max_per_second;
    pthread_mutex_lock(&ps->mu);
    while (!ps->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + period_ms * 1000000u;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        (void)pthread_cond_timedwait(&ps->cv, &ps->mu, &ts);
        if (ps->stop) {
            break;
        }
        pthread_mutex_unlock(&ps->mu);
        refill_turn(d);
        pthread_mutex_lock(&ps->mu);
    }
    pthread_mutex_unlock(&ps->mu);
    return NULL;
}

int
node_presign_enabled(const struct node_daemon *d)
{
    return d != NULL && d->presign != NULL && d->cfg->presign.pool_size > 0;
}

mpc_status
node_presign_start(struct node_daemon *d)
{
    if (d->cfg->presign.pool_size == 0) {
        return MPC_OK; /* off: no subscription, no thread */
    }
    struct node_presign *ps = calloc(1, sizeof *ps);
    if (ps == NULL) {
        return MPC_ERR_NOMEM;
    }
    pthread_mutex_init(&ps->mu, NULL);
    pthread_cond_init(&ps->cv, NULL);
    node_presign_replay_init(&ps->replay);
    d->presign = ps;
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_PRESIGN,
                                            d->cfg->node_id, NULL, NULL);
    if (st == MPC_OK) {
        st = transport_subscribe_confirmed(d->t, subj, on_order, d, &ps->sub);
    }
    if (st == MPC_OK && pthread_create(&ps->thread, NULL, refill_main, d) != 0) {
        st = MPC_ERR_INTERNAL;
    }
    ps->started = st == MPC_OK;
    mpc_log(MPC_LOG_INFO, "node", "presign_started",
            "pool_size=%u sets=%zu max_per_second=%u status=%s", d->cfg->presign.pool_size,
            d->cfg->presign.n_sets, d->cfg->presign.max_per_second, mpc_status_name(st));
    return st;
}

void
node_presign_stop(struct node_daemon *d)
{
    struct node_presign *ps = d != NULL ? d->presign : NULL;
    if (ps == NULL) {
        return;
    }
    if (ps->started) {
        pthread_mutex_lock(&ps->mu);
        ps->stop = 1;
        pthread_cond_broadcast(&ps->cv);
        pthread_mutex_unlock(&ps->mu);
        pthread_join(ps->thread, NULL);
        ps->started = 0;
    }
    transport_unsubscribe(d->t, ps->sub);
    ps->sub = NULL;
}

void
node_presign_destroy(struct node_daemon *d)
{
    struct node_presign *ps = d != NULL ? d->presign : NULL;
    if (ps == NULL) {
        return;
    }
    node_presign_stop(d);
    node_presign_replay_fini(&ps->replay);
    pthread_cond_destroy(&ps->cv);
    pthread_mutex_destroy(&ps->mu);
    free(ps);
    d->presign = NULL;
}

void
node_presign_note_online(struct node_daemon *d, int used)
{
    if (d != NULL && d->presign != NULL) {
        bump(used ? &d->presign->st.online_used : &d->presign->st.online_without);
    }
}

void
node_presign_stats(struct node_daemon *d, struct node_presign_stats *out)
{
    memset(out, 0, sizeof *out);
    if (d == NULL || d->presign == NULL) {
        return;
    }
    const uint64_t *src = (const uint64_t *)&d->presign->st;
    uint64_t *dst = (uint64_t *)out;
    for (size_t i = 0; i < sizeof *out / sizeof(uint64_t); i++) {
        dst[i] = get(&src[i]);
    }
    char **names = NULL;
    size_t n = 0;
    if (node_store_list(d->store, "presig/", &names, &n) == MPC_OK) {
        out->records = n;
    }
    node_store_names_free(names, n);
}

void
node_presign_snapshot_add(struct node_daemon *d, char **json)
{
    struct node_presign_stats s;
    if (d == NULL || d->presign == NULL) {
        return;
    }
    node_presign_stats(d, &s);
    json_t *root = json_loads(*json, 0, NULL);
    json_t *p = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "records", (json_int_t)s.records,
        "orders_sent", (json_int_t)s.orders_sent, "orders_accepted", (json_int_t)s.orders_accepted,
        "orders_refused", (json_int_t)s.orders_refused, "sessions_started",
        (json_int_t)s.sessions_started, "sessions_done", (json_int_t)s.sessions_done,
        "sessions_failed", (json_int_t)s.sessions_failed, "records_stored",
        (json_int_t)s.records_stored, "sets_skipped", (json_int_t)s.sets_skipped, "online_used",
        (json_int_t)s.online_used, "online_without", (json_int_t)s.online_without);
    char *out = NULL;
    if (root != NULL && json_is_object(root) && p != NULL &&
        json_object_set_new(root, "presign", p) == 0) {
        p = NULL;
        out = json_dumps(root, JSON_COMPACT);
    }
    json_decref(p);
    json_decref(root);
    if (out != NULL) {
        free(*json);
        *json = out;
    }
}

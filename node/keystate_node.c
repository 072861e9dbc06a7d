/*
 * keystate_node.c — the daemon side of the key-state digest exchange
 * (node/keystate.h, docs/DESIGN.md §8.2): answering queries on
 * mpc.n.<self>.keystate, a round with every peer as the node starts and every
 * NODE_KEYSTATE_PERIOD_MS, the findings table behind the gate
 * (node_keystate_gate), /sessions and mpc-cli status, the metrics, and the
 * rollback catch-up.
 *
 * DESIGN (threads): the responder runs on a transport thread (short store
 * reads, one signed reply). Rounds run on the keystate thread, the first
 * one as soon as it starts. (A first round on the starting thread, before
 * intake, was tried: with it the flood flow hit a heap overflow inside
 * libnats' JetStream fetch on that node, 3 runs of 3; not understood.) The findings table and the
 * counters belong to struct node_keystate under its mutex, which is never
 * held while calling out (store, transport). The gate is called from the
 * intake thread.
 *
 * Rules: a DIVERGED key (a committee member states the same version with
 * another public key, threshold or committee) is refused for signing and
 * resharing until a later round finds agreement (MPC_ERR_KEY_DIVERGED). A
 * key whose peers state a newer version (PEER_NEWER: this store was rolled
 * back) is refused (MPC_ERR_KEY_ROLLED_BACK) and caught up once at least
 * threshold members of the newer version's committee other than this node
 * state that same version identically: the older versions are retired and
 * their shares wiped (node/store/catchup.h). PEER_OLDER, PEER_MISSING and
 * SELF_MISSING are shown and counted; the peer that is behind refuses on
 * its side.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/keystate.h"
#include "node/presig.h"
#include "node/store/catchup.h"
#include "transport/subject.h"

#define KS_PERIOD_MS    10000u /* between rounds (test builds: MPC_NODE_TEST_KEYSTATE_MS) */
#define KS_WAIT_MS      2000u  /* reply wait per query */
#define KS_FLAGS_MAX    1024u  /* findings kept */
#define KS_PAGES_MAX    4096u  /* DETAIL pages per peer and round */
#define KS_KEYS_MAX     65536u /* keys compared per peer */
#define KS_FINDINGS_MAX 1024u  /* findings per peer and round */

/* One finding kept for the gate and the status. */
struct ks_flag {
    struct node_keystate_finding f; /* f.peer is NULL here */
    char peer[NODE_ID_MAX + 1];     /* the node it was found with */
    uint64_t since_ms;              /* wall time first seen */
};

struct node_keystate {
    pthread_mutex_t mu;                 /* guards everything below except the thread fields */
    pthread_cond_t cv;                  /* stop */
    pthread_t thread;                   /* rounds */
    int started;                        /* thread running */
    int stop;                           /* thread: exit (mu) */
    uint64_t period_ms;                 /* between rounds */
    transport_sub *sub;                 /* mpc.n.<self>.keystate */
    struct ks_flag flags[KS_FLAGS_MAX]; /* current findings */
    size_t n_flags;                     /* in flags */
    uint64_t rounds;                    /* rounds done */
    uint64_t exchanges;                 /* peers compared */
    uint64_t failures;                  /* peers that did not answer usably */
    uint64_t rejected;                  /* queries or replies refused (signature, time, form) */
    uint64_t findings_total;            /* new findings (not seen in the previous round) */
    uint64_t dropped;                   /* findings not kept: table full */
    uint64_t catch_ups;                 /* keys caught up */
    uint64_t last_round_ms;             /* wall time of the last round */
};

/* ---------------------------------------------------------------- own entries */

/* Every key this node holds whose active committee names peer (all keys
 * when peer is NULL), sorted. Out: *out malloc'ed. */
static mpc_status
own_entries(struct node_daemon *d, const char *peer, struct node_keystate_entry **out, size_t *n)
{
    char **names = NULL;
    size_t count = 0;
    *out = NULL;
    *n = 0;
    mpc_status st = node_store_list(d->store, "keyinfo/", &names, &count);
    struct node_keystate_entry *e = st == MPC_OK ? calloc(count > 0 ? count : 1, sizeof *e) : NULL;
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    if (st == MPC_OK && (e == NULL || ki == NULL)) {
        st = MPC_ERR_NOMEM;
    }
    for (size_t i = 0; st == MPC_OK && i < count && *n < KS_KEYS_MAX; i++) {
        /* keyinfo/<type>/<wallet> */
        const char *type = names[i] + strlen("keyinfo/");
        const char *wallet = strchr(type, '/');
        int kt = wallet == NULL                            ? 0
                 : strncmp(type, "ed25519/", 8) == 0       ? NODE_STORE_KEY_ED25519
                 : strncmp(type, "secp256k1/", 10) == 0    ? NODE_STORE_KEY_SECP256K1
                 : strncmp(type, "secp256k1-tr/", 13) == 0 ? NODE_STORE_KEY_SECP256K1_TR
                                                           : 0;
        if (kt == 0 || node_store_keyinfo_get(d->store, kt, wallet + 1, ki) != MPC_OK ||
            node_keystate_entry_from_keyinfo(&e[*n], wallet + 1, ki) != MPC_OK) {
            continue; /* store-check names unreadable records */
        }
        if (peer == NULL || node_keystate_entry_has(&e[*n], peer)) {
            (*n)++;
        }
    }
    node_store_names_free(names, count);
    free(ki);
    if (st != MPC_OK) {
        free(e);
        *n = 0;
        return st;
    }
    node_keystate_sort(e, *n);
    *out = e;
    return MPC_OK;
}

/* ---------------------------------------------------------------- responder */

/* Fills r with the page after q's cursor (entries borrowed from e). */
static void
fill_page(struct node_keystate_reply *r, const struct node_keystate_query *q,
          struct node_keystate_entry *e, size_t n)
{
    size_t start = 0, room = NODE_KEYSTATE_MSG_MAX - 256u - 64u;
    if (q->cursor_key_type != 0) {
        while (start < n &&
               node_keystate_key_cmp(&e[start], q->cursor_key_type, q->cursor_wallet) <= 0) {
            start++;
        }
    }
    size_t k = start;
    while (k < n && k - start < UINT16_MAX) {
        size_t sz = node_keystate_entry_size(&e[k]);
        if (sz > room) {
            break;
        }
        room -= sz;
        k++;
    }
    r->entries = e + start;
    r->n = (uint16_t)(k - start);
    r->more = k < n;
}

static void
ks_count(struct node_daemon *d, uint64_t *field)
{
    pthread_mutex_lock(&d->keystate->mu);
    (*field)++;
    pthread_mutex_unlock(&d->keystate->mu);
}

static transport_reply
on_query(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    struct node_keystate_query q;
    struct node_keystate_reply r;
    struct node_keystate_entry *e = NULL;
    size_t n = 0, len = 0;
    if (!transport_subject_is_inbox(msg->reply)) {
        return TRANSPORT_REPLY_NONE;
    }
    const struct node_config_peer *p = NULL;
    mpc_status st = node_keystate_query_decode(&q, msg->data, msg->len);
    if (st == MPC_OK) {
        p = node_config_peers_find(d->peers, q.from);
        st = p == NULL ? MPC_ERR_UNKNOWN_PARTICIPANT
                       : node_keystate_query_verify(&q, msg->data, msg->len, p->public_key,
                                                    d->cfg->node_id, mpc_clock_wall_ms());
    }
    if (st != MPC_OK) {
        ks_count(d, &d->keystate->rejected);
        mpc_log(MPC_LOG_WARN, "node", "keystate_query_refused", "from=%s status=%s",
                q.from[0] != '\0' ? q.from : "?", mpc_status_name(st));
        return TRANSPORT_REPLY_NONE;
    }
    uint8_t *out = malloc(NODE_KEYSTATE_MSG_MAX);
    if (out != NULL && own_entries(d, q.from, &e, &n) == MPC_OK) {
        memset(&r, 0, sizeof r);
        r.mode = q.mode;
        snprintf(r.from, sizeof r.from, "%s", d->cfg->node_id);
        snprintf(r.to, sizeof r.to, "%s", q.from);
        memcpy(r.nonce, q.nonce, sizeof r.nonce);
        r.time_ms = mpc_clock_wall_ms();
        node_keystate_root(e, n, r.root);
        r.count = (uint32_t)n;
        if (q.mode == NODE_KEYSTATE_DETAIL) {
            fill_page(&r, &q, e, n);
        }
        if (node_keystate_reply_encode(&r, d->id, out, NODE_KEYSTATE_MSG_MAX, &len) == MPC_OK &&
            transport_publish(d->t, msg->reply, out, len) != MPC_OK) {
            mpc_log(MPC_LOG_DEBUG, "node", "keystate_reply_failed", "reply=%s", msg->reply);
        }
    }
    free(e);
    free(out);
    return TRANSPORT_REPLY_NONE;
}

/* ---------------------------------------------------------------- asking */

/* One query to peer p; opens the reply into *r. buf: NODE_KEYSTATE_MSG_MAX bytes. */
static mpc_status
ask(struct node_daemon *d, const struct node_config_peer *p, struct node_keystate_query *q,
    uint8_t *buf, struct node_keystate_reply *r)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    size_t ql = 0, rl = 0;
    uint8_t qb[512];
    snprintf(q->from, sizeof q->from, "%s", d->cfg->node_id);
    snprintf(q->to, sizeof q->to, "%s", p->id);
    q->time_ms = mpc_clock_wall_ms();
    mpc_status st = mpc_random_bytes(q->nonce, sizeof q->nonce);
    if (st == MPC_OK) {
        st = node_keystate_query_encode(q, d->id, qb, sizeof qb, &ql);
    }
    if (st == MPC_OK) {
        st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYSTATE, p->id, NULL, NULL);
    }
    if (st == MPC_OK) {
        st = transport_request(d->t, subj, qb, ql, KS_WAIT_MS, buf, NODE_KEYSTATE_MSG_MAX, &rl);
    }
    if (st == MPC_OK) {
        st = node_keystate_reply_open(r, buf, rl, q, p->public_key, mpc_clock_wall_ms());
        if (st != MPC_OK) {
            ks_count(d, &d->keystate->rejected);
        }
    }
    return st;
}

/* Every DETAIL page of peer p. Out: *theirs malloc'ed, *n. */
static mpc_status
fetch_all(struct node_daemon *d, const struct node_config_peer *p, uint8_t *buf,
          struct node_keystate_entry **theirs, size_t *n)
{
    struct node_keystate_query q;
    size_t cap = 0;
    memset(&q, 0, sizeof q);
    q.mode = NODE_KEYSTATE_DETAIL;
    *theirs = NULL;
    *n = 0;
    for (unsigned page = 0; page < KS_PAGES_MAX; page++) { /* bounded */
        struct node_keystate_reply r;
        mpc_status st = ask(d, p, &q, buf, &r);
        if (st != MPC_OK) {
            return st;
        }
        if (*n + r.n > KS_KEYS_MAX) {
            node_keystate_reply_clear(&r);
            return MPC_ERR_REQ_TOO_LARGE;
        }
        if (*n + r.n > cap) {
            size_t ncap = (*n + r.n) * 2 + 16;
            struct node_keystate_entry *g = realloc(*theirs, ncap * sizeof *g);
            if (g == NULL) {
                node_keystate_reply_clear(&r);
                return MPC_ERR_NOMEM;
            }
            *theirs = g;
            cap = ncap;
        }
        if (r.n > 0) { /* an empty page has no entries array (and *theirs may be NULL) */
            memcpy(*theirs + *n, r.entries, r.n * sizeof *r.entries);
        }
        *n += r.n;
        int more = r.more && r.n > 0;
        node_keystate_reply_clear(&r);
        if (!more) {
            return MPC_OK;
        }
        q.cursor_key_type = (*theirs)[*n - 1].key_type;
        snprintf(q.cursor_wallet, sizeof q.cursor_wallet, "%s", (*theirs)[*n - 1].wallet);
    }
    return MPC_ERR_REQ_TOO_LARGE;
}

/* Replaces the findings with peer by found[0..n); counts the new ones. */
void
node_keystate_note(struct node_daemon *d, const char *peer,
                   const struct node_keystate_finding *found, size_t n)
{
    struct node_keystate *ks = d->keystate;
    uint64_t now = mpc_clock_wall_ms();
    pthread_mutex_lock(&ks->mu);
    struct ks_flag *old = malloc(ks->n_flags * sizeof *old + 1);
    size_t n_old = 0, w = 0;
    for (size_t i = 0; i < ks->n_flags; i++) {
        if (strcmp(ks->flags[i].peer, peer) == 0) {
            if (old != NULL) {
                old[n_old++] = ks->flags[i];
            }
        } else {
            ks->flags[w++] = ks->flags[i];
        }
    }
    ks->n_flags = w;
    for (size_t i = 0; i < n; i++) {
        struct ks_flag fl = {.f = found[i], .since_ms = now};
        fl.f.peer = NULL;
        snprintf(fl.peer, sizeof fl.peer, "%s", peer);
        int seen = 0;
        for (size_t j = 0; j < n_old && !seen; j++) {
            if (old[j].f.kind == fl.f.kind && old[j].f.key_type == fl.f.key_type &&
                strcmp(old[j].f.wallet, fl.f.wallet) == 0) {
                seen = 1;
                fl.since_ms = old[j].since_ms;
            }
        }
        if (!seen) {
            ks->findings_total++;
            mpc_log(fl.f.kind == NODE_KEYSTATE_DIVERGED ? MPC_LOG_ERROR : MPC_LOG_WARN, "node",
                    "keystate_finding",
                    "peer=%s kind=%s key_type=%s wallet=%s my_version=%u peer_version=%u field=%s",
                    peer, node_keystate_kind_name(fl.f.kind),
                    node_store_key_type_name(fl.f.key_type), fl.f.wallet, fl.f.my_version,
                    fl.f.peer_version, fl.f.field != NULL ? fl.f.field : "-");
        }
        if (ks->n_flags < KS_FLAGS_MAX) {
            ks->flags[ks->n_flags++] = fl;
        } else {
            ks->dropped++;
        }
    }
    pthread_mutex_unlock(&ks->mu);
    free(old);
}

/* A newer version a peer stated, kept for the catch-up vote of a round. */
struct ks_claim {
    char peer[NODE_ID_MAX + 1];   /* who stated it */
    struct node_keystate_entry e; /* what it stated */
    uint8_t h[32];                /* node_keystate_root over e alone: equal claims, equal h */
};

#define KS_CLAIMS_MAX 256u /* newer-version claims per round */

struct ks_round {
    struct ks_claim *claims; /* [0..n) */
    size_t n;                /* claims kept */
    int startup;             /* the round before intake: no local job can be in flight */
    uint64_t start_ms;       /* wall time the round began */
};

/* Returns: when the finding (peer, kind, key) was first seen, 0 if it is not kept. */
static uint64_t
flag_since(struct node_keystate *ks, const char *peer, int kind, uint8_t key_type,
           const char *wallet)
{
    uint64_t since = 0;
    pthread_mutex_lock(&ks->mu);
    for (size_t i = 0; i < ks->n_flags && since == 0; i++) {
        const struct ks_flag *fl = &ks->flags[i];
        if (fl->f.kind == kind && fl->f.key_type == key_type && strcmp(fl->f.wallet, wallet) == 0 &&
            strcmp(fl->peer, peer) == 0) {
            since = fl->since_ms;
        }
    }
    pthread_mutex_unlock(&ks->mu);
    return since;
}

/* Compares with peer p; keeps its findings and newer-version claims. */
static mpc_status
exchange(struct node_daemon *d, const struct node_config_peer *p, uint8_t *buf, struct ks_round *rd)
{
    struct node_keystate_entry *mine = NULL, *theirs = NULL;
    struct node_keystate_reply r;
    struct node_keystate_query q;
    size_t n_mine = 0, n_theirs = 0, n_found = 0;
    uint8_t root[32];
    memset(&q, 0, sizeof q);
    q.mode = NODE_KEYSTATE_ROOT;
    mpc_status st = own_entries(d, p->id, &mine, &n_mine);
    if (st == MPC_OK) {
        st = ask(d, p, &q, buf, &r);
    }
    if (st != MPC_OK) {
        free(mine);
        return st;
    }
    node_keystate_root(mine, n_mine, root);
    int same = r.count == n_mine && sodium_memcmp(r.root, root, sizeof root) == 0;
    node_keystate_reply_clear(&r);
    struct node_keystate_finding *found = NULL;
    if (!same) {
        st = fetch_all(d, p, buf, &theirs, &n_theirs);
        found = st == MPC_OK ? calloc(KS_FINDINGS_MAX, sizeof *found) : NULL;
        if (st == MPC_OK && found == NULL) {
            st = MPC_ERR_NOMEM;
        }
        if (st == MPC_OK) {
            node_keystate_compare(mine, n_mine, theirs, n_theirs, found, KS_FINDINGS_MAX, &n_found);
            n_found = n_found < KS_FINDINGS_MAX ? n_found : KS_FINDINGS_MAX;
        }
    }
    if (st == MPC_OK) {
        node_keystate_note(d, p->id, found, n_found);
        for (size_t i = 0; i < n_found && rd->n < KS_CLAIMS_MAX; i++) {
            /* A claim votes for the catch-up (irreversible) only in the first
             * round with no request running, or when a previous round found it too: a reshare
             * this node is still committing must not be overtaken (its commit
             * would then add yet another version). */
            uint64_t since = flag_since(d->keystate, p->id, NODE_KEYSTATE_PEER_NEWER,
                                        found[i].key_type, found[i].wallet);
            if (found[i].kind == NODE_KEYSTATE_PEER_NEWER &&
                (rd->startup || (since != 0 && since < rd->start_ms))) {
                struct ks_claim *c = &rd->claims[rd->n++];
                snprintf(c->peer, sizeof c->peer, "%s", p->id);
                c->e = *found[i].peer;
                node_keystate_root(&c->e, 1, c->h);
            }
        }
    }
    free(found);
    free(theirs);
    free(mine);
    return st;
}

/* Drops every PEER_NEWER finding of a key (caught up). */
static void
flags_clear_newer(struct node_keystate *ks, uint8_t key_type, const char *wallet)
{
    pthread_mutex_lock(&ks->mu);
    size_t w = 0;
    for (size_t i = 0; i < ks->n_flags; i++) {
        const struct node_keystate_finding *f = &ks->flags[i].f;
        if (!(f->kind == NODE_KEYSTATE_PEER_NEWER && f->key_type == key_type &&
              strcmp(f->wallet, wallet) == 0)) {
            ks->flags[w++] = ks->flags[i];
        }
    }
    ks->n_flags = w;
    ks->catch_ups++;
    pthread_mutex_unlock(&ks->mu);
}

/* Catches up the key of claim c when enough committee members stated it. */
static void
maybe_catch_up(struct node_daemon *d, const struct ks_round *rd, const struct ks_claim *c)
{
    size_t votes = 0;
    for (size_t i = 0; i < rd->n; i++) {
        const struct ks_claim *o = &rd->claims[i];
        if (sodium_memcmp(o->h, c->h, sizeof o->h) == 0 && strcmp(o->peer, d->cfg->node_id) != 0 &&
            node_keystate_entry_has(&o->e, o->peer)) {
            votes++; /* peers are distinct: one exchange per peer and round */
        }
    }
    if (votes < c->e.threshold) {
        mpc_log(MPC_LOG_WARN, "node", "keystate_catch_up_waiting",
                "key_type=%s wallet=%s version=%u votes=%zu threshold=%u",
                node_store_key_type_name(c->e.key_type), c->e.wallet, c->e.version, votes,
                c->e.threshold);
        return;
    }
    const char *ids[NODE_STORE_KEYINFO_MAX_PARTIES];
    for (uint16_t i = 0; i < c->e.n; i++) {
        ids[i] = c->e.committee[i];
    }
    struct node_store_committee com = {.threshold = c->e.threshold, .ids = ids, .n = c->e.n};
    int changed = 0;
    mpc_status st =
        node_store_keys_catch_up(d->store, c->e.key_type, c->e.wallet, c->e.pk, c->e.pk_len,
                                 c->e.version, &com, d->cfg->node_id, &changed);
    mpc_log(st == MPC_OK ? MPC_LOG_WARN : MPC_LOG_ERROR, "node", "keystate_catch_up",
            "key_type=%s wallet=%s version=%u votes=%zu changed=%d status=%s",
            node_store_key_type_name(c->e.key_type), c->e.wallet, c->e.version, votes, changed,
            mpc_status_name(st));
    if (st == MPC_OK) {
        flags_clear_newer(d->keystate, c->e.key_type, c->e.wallet);
        if (node_presig_discard_stale(d->store, "catch_up") != MPC_OK) {
            node_metrics_add(&d->m.store_failures);
        }
    }
}

/* One round: every peer, then the catch-up votes. */
static void
ks_round(struct node_daemon *d, int startup)
{
    struct node_keystate *ks = d->keystate;
    struct ks_round rd = {calloc(KS_CLAIMS_MAX, sizeof *rd.claims), 0, startup,
                          mpc_clock_wall_ms()};
    uint8_t *buf = malloc(NODE_KEYSTATE_MSG_MAX);
    size_t np = node_config_peers_count(d->peers), ok = 0, failed = 0;
    for (size_t i = 0; buf != NULL && rd.claims != NULL && i < np; i++) {
        const struct node_config_peer *p = node_config_peers_at(d->peers, i);
        if (strcmp(p->id, d->cfg->node_id) == 0) {
            continue;
        }
        mpc_status st = exchange(d, p, buf, &rd);
        if (st == MPC_OK) {
            ok++;
        } else {
            failed++;
            mpc_log(MPC_LOG_DEBUG, "node", "keystate_no_exchange", "peer=%s status=%s", p->id,
                    mpc_status_name(st));
        }
    }
    if (rd.startup) { /* the first round counts as "at start" only while no request runs */
        pthread_mutex_lock(&d->mu);
        rd.startup = d->n_jobs == 0;
        pthread_mutex_unlock(&d->mu);
    }
    for (size_t i = 0; i < rd.n; i++) {
        int first = 1; /* one attempt per distinct claim */
        for (size_t j = 0; j < i && first; j++) {
            first = sodium_memcmp(rd.claims[j].h, rd.claims[i].h, 32) != 0;
        }
        if (first) {
            maybe_catch_up(d, &rd, &rd.claims[i]);
        }
    }
    pthread_mutex_lock(&ks->mu);
    ks->rounds++;
    ks->exchanges += ok;
    ks->failures += failed;
    ks->last_round_ms = mpc_clock_wall_ms();
    pthread_mutex_unlock(&ks->mu);
    free(rd.claims);
    free(buf);
}

static void *
ks_main(void *arg)
{
    struct node_daemon *d = arg;
    struct node_keystate *ks = d->keystate;
    ks_round(d, 1); /* at start, as intake begins: a restored store learns the current versions */
    for (;;) {      /* ends when stop is set */
        struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(ks->period_ms));
        pthread_mutex_lock(&ks->mu);
        if (!ks->stop) {
            (void)pthread_cond_timedwait(&ks->cv, &ks->mu, &until);
        }
        int stop = ks->stop;
        pthread_mutex_unlock(&ks->mu);
        if (stop) {
            return NULL;
        }
        ks_round(d, 0);
    }
}

/* ---------------------------------------------------------------- public */

mpc_status
node_keystate_create(struct node_daemon *d)
{
    struct node_keystate *ks = calloc(1, sizeof *ks);
    if (ks == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (mpc_clock_sync_init(&ks->mu, &ks->cv) != MPC_OK) { /* monotonic waits */
        free(ks);
        return MPC_ERR_INTERNAL;
    }
    ks->period_ms = KS_PERIOD_MS;
#ifdef MPC_FAULT_INJECTION /* test builds only: release binaries carry no test hook */
    const char *env = getenv("MPC_NODE_TEST_KEYSTATE_MS");
    ks->period_ms = env != NULL && atoi(env) >= 100 ? (uint64_t)atoi(env) : KS_PERIOD_MS;
#endif
    d->keystate = ks;
    return MPC_OK;
}

mpc_status
node_keystate_start(struct node_daemon *d)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = d->keystate == NULL ? node_keystate_create(d) : MPC_OK;
    if (st != MPC_OK) {
        return st;
    }
    struct node_keystate *ks = d->keystate;
    st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYSTATE, d->cfg->node_id, NULL,
                                 NULL);
    if (st == MPC_OK) {
        st = transport_subscribe_confirmed(d->t, subj, on_query, d, &ks->sub);
    }
    if (st != MPC_OK) {
        return st;
    }
    if (pthread_create(&ks->thread, NULL, ks_main, d) != 0) {
        return MPC_ERR_INTERNAL;
    }
    ks->started = 1;
    return MPC_OK;
}

void
node_keystate_stop(struct node_daemon *d)
{
    struct node_keystate *ks = d->keystate;
    if (ks == NULL) {
        return;
    }
    if (ks->started) {
        pthread_mutex_lock(&ks->mu);
        ks->stop = 1;
        pthread_cond_broadcast(&ks->cv);
        pthread_mutex_unlock(&ks->mu);
        pthread_join(ks->thread, NULL);
    }
    if (ks->sub != NULL) {
        transport_unsubscribe(d->t, ks->sub);
    }
    pthread_cond_destroy(&ks->cv);
    pthread_mutex_destroy(&ks->mu);
    free(ks);
    d->keystate = NULL;
}

mpc_status
node_keystate_gate(struct node_daemon *d, int key_type, const char *wallet, uint32_t version)
{
    struct node_keystate *ks = d->keystate;
    mpc_status st = MPC_OK;
    if (ks != NULL) {
        pthread_mutex_lock(&ks->mu);
        for (size_t i = 0; i < ks->n_flags; i++) {
            const struct node_keystate_finding *f = &ks->flags[i].f;
            if (f->key_type != key_type || strcmp(f->wallet, wallet) != 0) {
                continue;
            }
            if (f->kind == NODE_KEYSTATE_DIVERGED) {
                st = MPC_ERR_KEY_DIVERGED;
            } else if (f->kind == NODE_KEYSTATE_PEER_NEWER && st == MPC_OK &&
                       version < f->peer_version) { /* stale once this node moved on */
                st = MPC_ERR_KEY_ROLLED_BACK;
            }
        }
        pthread_mutex_unlock(&ks->mu);
    }
    if (st == MPC_OK && node_store_keys_share_lost(d->store, key_type, wallet, version)) {
        st = MPC_ERR_KEY_SHARE_LOST;
    }
    return st;
}

void
node_keystate_stats(struct node_daemon *d, struct node_keystate_stats *out)
{
    memset(out, 0, sizeof *out);
    struct node_keystate *ks = d->keystate;
    if (ks == NULL) {
        return;
    }
    pthread_mutex_lock(&ks->mu);
    out->rounds = ks->rounds;
    out->exchanges = ks->exchanges;
    out->failures = ks->failures;
    out->rejected = ks->rejected;
    out->findings_total = ks->findings_total;
    out->catch_ups = ks->catch_ups;
    for (size_t i = 0; i < ks->n_flags; i++) {
        out->diverged += ks->flags[i].f.kind == NODE_KEYSTATE_DIVERGED;
        out->rolled_back += ks->flags[i].f.kind == NODE_KEYSTATE_PEER_NEWER;
    }
    out->findings = ks->n_flags;
    pthread_mutex_unlock(&ks->mu);
}

/* The "keystate" object of the status snapshot. */
static json_t *
ks_json(struct node_keystate *ks)
{
    json_t *list = json_array();
    pthread_mutex_lock(&ks->mu);
    for (size_t i = 0; list != NULL && i < ks->n_flags; i++) {
        const struct ks_flag *fl = &ks->flags[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s?, s:I}", "peer",
                                              fl->peer, "kind", node_keystate_kind_name(fl->f.kind),
                                              "key_type", node_store_key_type_name(fl->f.key_type),
                                              "wallet", fl->f.wallet, "my_version",
                                              (json_int_t)fl->f.my_version, "peer_version",
                                              (json_int_t)fl->f.peer_version, "field", fl->f.field,
                                              "since_ms", (json_int_t)fl->since_ms));
    }
    json_t *o =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "rounds", (json_int_t)ks->rounds,
                  "exchanges", (json_int_t)ks->exchanges, "failures", (json_int_t)ks->failures,
                  "rejected", (json_int_t)ks->rejected, "findings_total",
                  (json_int_t)ks->findings_total, "catch_ups", (json_int_t)ks->catch_ups,
                  "last_round_ms", (json_int_t)ks->last_round_ms, "findings", list);
    pthread_mutex_unlock(&ks->mu);
    return o;
}

void
node_keystate_snapshot_add(struct node_daemon *d, char **json)
{
    if (d->keystate == NULL || json == NULL || *json == NULL) {
        return;
    }
    json_t *root = json_loads(*json, 0, NULL);
    json_t *o = ks_json(d->keystate);
    char *out = NULL;
    if (root != NULL && json_is_object(root) && o != NULL &&
        json_object_set_new(root, "keystate", o) == 0) {
        o = NULL;
        out = json_dumps(root, JSON_COMPACT);
    }
    json_decref(o);
    json_decref(root);
    if (out != NULL) {
        free(*json);
        *json = out;
    }
}

/*
 * keyclaim_serve.c — the daemon side of node/keyclaim.h: answering key
 * claims on mpc.n.<self>.keyclaim, and gathering them for a reshare this
 * node joins without a record of the key (handlers.c, prepare_reshare).
 *
 * DESIGN (threads): the responder runs on a transport thread; it reads the
 * store (short LMDB read transactions), re-encodes the active record
 * public-only, signs and publishes the reply. The gatherer runs on the intake
 * thread before the session starts: one request per peer of the peers file
 * (NODE_KEYCLAIM_WAIT_MS each; an absent peer answers "no responders" at
 * once), so a join blocks intake for at most n_peers x that wait. The
 * acceptance rules and why they are safe are in node/keyclaim.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/keyclaim.h"
#include "transport/subject.h"

#define NODE_KEYCLAIM_WAIT_MS 1500u /* per-peer reply wait */

#define SJ_FAIL(sj, st, ...) (snprintf((sj)->error_text, sizeof(sj)->error_text, __VA_ARGS__), (st))

/* Fills c with this node's view of the key in c->q. Out: *pub (secure memory) backs c->record. */
static void
claim_fill(struct node_daemon *d, struct node_keyclaim *c, uint8_t **pub)
{
    const tss_keytype *h = node_handler_find(c->q.key_type);
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    uint8_t *rec = NULL;
    size_t rec_len = 0, pub_len = 0;
    *pub = NULL;
    if (h == NULL || h->record_public == NULL || ki == NULL ||
        node_store_keyinfo_get(d->store, c->q.key_type, c->q.wallet, ki) != MPC_OK ||
        node_store_keys_share_get(d->store, c->q.key_type, c->q.wallet, ki->active_version, &rec,
                                  &rec_len) != MPC_OK ||
        h->record_public(rec, rec_len, pub, &pub_len) != MPC_OK) {
        c->found = 0;
    } else {
        c->found = 1;
        c->active_version = ki->active_version;
        c->record = *pub;
        c->record_len = pub_len;
    }
    mpc_secure_free(rec);
    free(ki);
}

static transport_reply
on_keyclaim(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    struct node_keyclaim c;
    uint8_t *pub = NULL, *out = NULL;
    size_t out_len = 0;
    memset(&c, 0, sizeof c);
    if (!transport_subject_is_inbox(msg->reply) ||
        node_keyclaim_query_decode(&c.q, msg->data, msg->len) != MPC_OK) {
        return TRANSPORT_REPLY_NONE;
    }
    snprintf(c.node_id, sizeof c.node_id, "%s", d->cfg->node_id);
    claim_fill(d, &c, &pub);
    if (node_keyclaim_encode(&c, d->id, &out, &out_len) == MPC_OK &&
        transport_publish(d->t, msg->reply, out, out_len) != MPC_OK) {
        mpc_log(MPC_LOG_DEBUG, "node", "keyclaim_reply_failed", "reply=%s", msg->reply);
    }
    mpc_log(MPC_LOG_INFO, "node", "keyclaim_answered", "wallet=%s key_type=%d found=%d", c.q.wallet,
            c.q.key_type, c.found);
    free(out);
    mpc_secure_free(pub);
    return TRANSPORT_REPLY_NONE;
}

mpc_status
node_keyclaim_serve_start(struct node_daemon *d)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYCLAIM,
                                            d->cfg->node_id, NULL, NULL);
    if (st != MPC_OK) {
        return st;
    }
    return transport_subscribe_confirmed(d->t, subj, on_keyclaim, d, &d->keyclaim_sub);
}

void
node_keyclaim_serve_stop(struct node_daemon *d)
{
    transport_unsubscribe(d->t, d->keyclaim_sub);
    d->keyclaim_sub = NULL;
}

/* Gathered replies: claims[k] points into bufs[k]. */
struct gathered {
    size_t n;                     /* claims */
    struct node_keyclaim *claims; /* opened claims */
    uint8_t **bufs;               /* reply buffers (malloc) */
};

static void
gathered_free(struct gathered *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->bufs[i]);
    }
    free(g->bufs);
    free(g->claims);
    memset(g, 0, sizeof *g);
}

/* Asks every other peer; keeps the replies that open (signed, answering q). */
static mpc_status
gather(struct node_daemon *d, const struct node_keyclaim_query *q, struct gathered *g)
{
    uint8_t qb[NODE_KEYCLAIM_QUERY_MAX];
    size_t ql = 0, np = node_config_peers_count(d->peers);
    memset(g, 0, sizeof *g);
    mpc_status st = node_keyclaim_query_encode(q, qb, sizeof qb, &ql);
    g->claims = calloc(np + 1, sizeof *g->claims);
    g->bufs = calloc(np + 1, sizeof *g->bufs);
    if (st != MPC_OK || g->claims == NULL || g->bufs == NULL) {
        gathered_free(g);
        return st != MPC_OK ? st : MPC_ERR_NOMEM;
    }
    for (size_t i = 0; i < np; i++) {
        const struct node_config_peer *p = node_config_peers_at(d->peers, i);
        char subj[TRANSPORT_SUBJECT_MAX];
        size_t rl = 0;
        if (strcmp(p->id, d->cfg->node_id) == 0) {
            continue;
        }
        uint8_t *buf = malloc(NODE_KEYCLAIM_MAX);
        if (buf == NULL) {
            gathered_free(g);
            return MPC_ERR_NOMEM;
        }
        mpc_status r =
            transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYCLAIM, p->id, NULL, NULL);
        if (r == MPC_OK) {
            r = transport_request(d->t, subj, qb, ql, NODE_KEYCLAIM_WAIT_MS, buf, NODE_KEYCLAIM_MAX,
                                  &rl);
        }
        if (r == MPC_OK) {
            r = node_keyclaim_open(&g->claims[g->n], buf, rl, q, p->id, p->public_key);
        }
        if (r != MPC_OK) {
            mpc_log(MPC_LOG_WARN, "node", "keyclaim_no_answer", "peer=%s wallet=%s status=%s",
                    p->id, q->wallet, mpc_status_name(r));
            free(buf);
            continue;
        }
        g->bufs[g->n++] = buf;
    }
    return MPC_OK;
}

/* Rules 2 and 3 of node/keyclaim.h on the gathered claims; decodes the chosen record. */
static mpc_status
decide(struct node_subjob *sj, const struct gathered *g, const struct node_keyclaim **chosen,
       tss_keyshare **ks)
{
    size_t idx = 0;
    const char *who = NULL;
    mpc_status st = node_keyclaim_agree(g->claims, g->n, &idx, &who);
    if (st == MPC_ERR_EQUIVOCATION) {
        snprintf(sj->failed_peer, sizeof sj->failed_peer, "%s", who);
        return SJ_FAIL(sj, st, "peers disagree about the key (%s differs)", who);
    }
    if (st != MPC_OK) {
        return SJ_FAIL(sj, st, "no peer holds a %s key for this wallet", sj->h->name);
    }
    *chosen = &g->claims[idx];
    st = sj->h->record_keyshare((*chosen)->record, (*chosen)->record_len, ks);
    if (st != MPC_OK || (*ks)->secret != NULL || (*ks)->n > NODE_STORE_KEYINFO_MAX_PARTIES) {
        snprintf(sj->failed_peer, sizeof sj->failed_peer, "%s", (*chosen)->node_id);
        return SJ_FAIL(sj, MPC_ERR_CORRUPT, "claimed record unusable: %s", mpc_status_name(st));
    }
    const char *committee[NODE_STORE_KEYINFO_MAX_PARTIES];
    for (uint32_t i = 0; i < (*ks)->n; i++) {
        committee[i] = (*ks)->members[i].node_id;
    }
    st = node_keyclaim_vouched(g->claims, g->n, committee, (*ks)->n, &who);
    if (st != MPC_OK) {
        snprintf(sj->failed_peer, sizeof sj->failed_peer, "%s", who != NULL ? who : "");
        return SJ_FAIL(sj, st, "old member %s did not confirm the key", who != NULL ? who : "?");
    }
    return MPC_OK;
}

mpc_status
node_keyclaim_learn(struct node_daemon *d, struct node_subjob *sj, const char *wallet,
                    uint8_t **rec, size_t *rec_len, uint32_t *active_version, tss_keyshare **ks)
{
    struct node_keyclaim_query q;
    struct gathered g;
    const struct node_keyclaim *chosen = NULL;
    *rec = NULL;
    *rec_len = 0;
    *active_version = 0;
    *ks = NULL;
    memset(&q, 0, sizeof q);
    q.key_type = sj->key_type;
    snprintf(q.wallet, sizeof q.wallet, "%s", wallet);
    if (mpc_random_bytes(q.nonce, sizeof q.nonce) != MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_RANDOM, "no randomness for the key-claim nonce");
    }
    mpc_status st = gather(d, &q, &g);
    if (st != MPC_OK) {
        return SJ_FAIL(sj, st, "key claims not gathered: %s", mpc_status_name(st));
    }
    st = decide(sj, &g, &chosen, ks);
    if (st == MPC_OK) {
        *rec = mpc_secure_alloc(chosen->record_len);
        st = *rec != NULL ? MPC_OK : MPC_ERR_NOMEM;
    }
    if (st == MPC_OK) {
        memcpy(*rec, chosen->record, chosen->record_len);
        *rec_len = chosen->record_len;
        *active_version = chosen->active_version;
        mpc_log(MPC_LOG_INFO, "node", "keyclaim_accepted",
                "wallet=%s key_type=%s version=%u claims=%zu", wallet, sj->h->name, *active_version,
                g.n);
    } else {
        tss_keyshare_destroy(*ks);
        *ks = NULL;
    }
    gathered_free(&g);
    return st;
}

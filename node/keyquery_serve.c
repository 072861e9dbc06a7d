/*
 * keyquery_serve.c — the daemon's answer to key-info queries on
 * mpc.n.<self>.keyinfo (node/client/keyquery.h, node/keyquery.h): who may
 * ask (the config's initiators), a fresh nonce, then the key's public facts
 * from the store, signed with the node's identity key.
 *
 * DESIGN (threads): the responder runs on a transport thread: one short
 * keyinfo read, one share-record read (the chain code lives in the sealed
 * key record) and the key-state gate (its own mutex), then one signed reply
 * on the asker's inbox. A key this node may not sign with now is not stated:
 * the reply carries why (MPC_ERR_KEY_PENDING while a version waits for its
 * committee's confirmations, MPC_ERR_KEY_DIVERGED, MPC_ERR_KEY_ROLLED_BACK,
 * MPC_ERR_KEY_SHARE_LOST), so a client never gets a stale key from it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/client/keyquery.h"
#include "node/daemon_internal.h"
#include "node/keyquery.h"
#include "transport/subject.h"
#include "tss/keyshare.h"

/* The chain code of version v, read from the share record; its group key must be f's. */
static mpc_status
key_chain(struct node_daemon *d, uint32_t v, struct node_client_keyquery_facts *f)
{
    const tss_keytype *h = node_handler_find(f->key_type);
    uint8_t *rec = NULL, pk[TSS_POINT_MAX_BYTES];
    size_t len = 0;
    tss_keyshare *ks = NULL;
    if (h == NULL) {
        return MPC_ERR_KEYINFO_UNKNOWN_KEY;
    }
    mpc_status st = node_store_keys_share_get(d->store, f->key_type, f->wallet, v, &rec, &len);
    if (st == MPC_ERR_NOT_FOUND) {
        return MPC_ERR_KEYINFO_UNKNOWN_KEY;
    }
    if (st != MPC_OK) {
        return st;
    }
    st = h->record_keyshare(rec, len, &ks);
    mpc_secure_free(rec);
    if (st != MPC_OK) {
        return st;
    }
    ks->g->point_encode(pk, &ks->group_key);
    if (ks->g->point_len != f->public_key_len ||
        memcmp(pk, f->public_key, f->public_key_len) != 0) {
        st = MPC_ERR_CORRUPT; /* keyinfo and share record name different keys */
    }
    f->has_chain = ks->has_chain;
    memcpy(f->chain, ks->chain, sizeof f->chain);
    tss_keyshare_destroy(ks);
    return st;
}

/* Fills f from the active version v of ki, if this node holds a share of it. */
static mpc_status
key_version_facts(struct node_daemon *d, const struct node_store_keyinfo *ki, uint32_t v,
                  struct node_client_keyquery_facts *f)
{
    const struct node_store_keyinfo_version *e = node_store_keyinfo_find(ki, v);
    int member = 0;
    if (e == NULL) {
        return MPC_ERR_KEYINFO_UNKNOWN_KEY;
    }
    for (size_t i = 0; i < e->n_participants; i++) {
        snprintf(f->committee[i], sizeof f->committee[i], "%s", e->participants[i]);
        member |= strcmp(e->participants[i], d->cfg->node_id) == 0;
    }
    f->n_committee = e->n_participants;
    f->threshold = e->threshold;
    f->active_version = v;
    memcpy(f->public_key, ki->public_key, ki->public_key_len);
    f->public_key_len = ki->public_key_len;
    return member ? MPC_OK : MPC_ERR_KEYINFO_UNKNOWN_KEY; /* a former member states nothing */
}

/* The public facts of q's key, or why they are not stated. */
static mpc_status
key_facts(struct node_daemon *d, const struct node_client_keyquery *q,
          struct node_client_keyquery_facts *f)
{
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    uint32_t v = 0;
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    memset(f, 0, sizeof *f);
    f->key_type = q->key_type;
    snprintf(f->wallet, sizeof f->wallet, "%s", q->wallet);
    mpc_status st = node_store_keys_sign_version(d->store, q->key_type, q->wallet, 0, ki, &v);
    st = st == MPC_ERR_NOT_FOUND ? MPC_ERR_KEYINFO_UNKNOWN_KEY : st;
    if (st == MPC_OK) {
        st = node_keystate_gate(d, q->key_type, q->wallet, v);
    }
    if (st == MPC_OK) {
        st = key_version_facts(d, ki, v, f);
    }
    if (st == MPC_OK) {
        st = key_chain(d, v, f);
    }
    free(ki);
#ifdef MPC_FAULT_INJECTION /* test builds only: a compromised node stating another chain code */
    if (st == MPC_OK && getenv("MPC_NODE_TEST_KEYINFO_LIE") != NULL) {
        f->chain[31] ^= 0x01;
        f->has_chain = 1;
    }
#endif
    return st;
}

static transport_reply
on_keyinfo_query(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    struct node_client_keyquery q;
    struct node_client_keyquery_facts *f = NULL;
    uint8_t clients[NODE_KEYQUERY_CLIENTS_MAX][32], *out = NULL;
    size_t out_len = 0;
    if (!transport_subject_is_inbox(msg->reply)) {
        return TRANSPORT_REPLY_NONE;
    }
    size_t n = node_keyquery_clients(d->keyquery, clients);
    uint64_t now = mpc_clock_wall_ms();
    mpc_status st =
        node_client_keyquery_open(&q, msg->data, msg->len, (const uint8_t(*)[32])clients, n, now);
    if (!q.decoded) { /* nothing to bind an answer to */
        mpc_log(MPC_LOG_INFO, "node", "keyinfo_dropped", "status=%s", mpc_status_name(st));
        node_metrics_add(&d->m.keyinfo_dropped);
        return TRANSPORT_REPLY_NONE;
    }
    if (st == MPC_OK) {
        st = node_keyquery_admit(d->keyquery, q.nonce, q.nonce_len, q.expires_at_ms, now);
    }
    if (st == MPC_OK) {
        f = malloc(sizeof *f);
        st = f == NULL ? MPC_ERR_NOMEM : key_facts(d, &q, f);
    }
    if (node_client_keyquery_reply(d->id, d->cfg->node_id, &q, st, f, &out, &out_len) != MPC_OK ||
        transport_publish(d->t, msg->reply, out, out_len) != MPC_OK) {
        mpc_log(MPC_LOG_DEBUG, "node", "keyinfo_reply_failed", "reply=%s", msg->reply);
    }
    node_metrics_keyinfo(&d->m, st);
    mpc_log(st == MPC_OK ? MPC_LOG_DEBUG : MPC_LOG_INFO, "node", "keyinfo_answered",
            "wallet=%s key_type=%d status=%s", q.wallet[0] != '\0' ? q.wallet : "-", q.key_type,
            mpc_status_name(st));
    free(out);
    free(f);
    return TRANSPORT_REPLY_NONE;
}

mpc_status
node_keyquery_serve_start(struct node_daemon *d)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYINFO,
                                            d->cfg->node_id, NULL, NULL);
    if (st != MPC_OK) {
        return st;
    }
    return transport_subscribe_confirmed(d->t, subj, on_keyinfo_query, d, &d->keyinfo_sub);
}

void
node_keyquery_serve_stop(struct node_daemon *d)
{
    if (d->keyinfo_sub != NULL) {
        transport_unsubscribe(d->t, d->keyinfo_sub);
        d->keyinfo_sub = NULL;
    }
}

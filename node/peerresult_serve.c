/*
 * peerresult_serve.c — the daemon side of node/peerresult.h: answering
 * mpc.n.<self>.outcome from the request log, and asking the signers of a
 * failed attempt before the next one (retry thread).
 *
 * DESIGN (threads): the responder runs on a transport thread; it reads the
 * request log (one short LMDB read transaction), signs the logged sign
 * Result with the node's identity key (Ed25519 is deterministic: the very
 * copy the node published) and replies on the asker's inbox only. The asker
 * runs on the retry thread: one request per co-signer, NODE_PEERRESULT_WAIT_MS
 * each (a dead peer answers "no responders" at once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "node/client/ids.h"
#include "node/daemon_internal.h"
#include "node/peerresult.h"
#include "transport/subject.h"

#define NODE_PEERRESULT_WAIT_MS 1000u /* per-peer reply wait */

static mpc_status
sign_identity(void *ctx, uint8_t *sig, const uint8_t *msg, size_t len)
{
    return node_store_identity_sign(ctx, sig, msg, len);
}

/* The logged sign Result of request_id, signed. Out: *out (malloc). Returns MPC_OK,
 * MPC_ERR_NOT_FOUND, or a store/codec error. */
static mpc_status
logged_sign_result(struct node_daemon *d, const char *request_id, uint8_t **out, size_t *out_len)
{
    mpc_status outcome = MPC_OK;
    uint8_t *entry = NULL;
    size_t len = 0;
    struct node_client_results_entry e;
    mpc_status st = node_store_req_get(d->store, request_id, &outcome, &entry, &len);
    if (st != MPC_OK) {
        return st;
    }
    st = node_client_results_entry_decode(&e, entry, len);
    free(entry);
    if (st != MPC_OK) {
        return st;
    }
    st = MPC_ERR_NOT_FOUND;
    for (size_t i = 0; i < e.count && st == MPC_ERR_NOT_FOUND; i++) {
        Mpc__Result *r = mpc__result__unpack(NULL, e.lens[i], e.results[i]);
        if (r != NULL && r->op == MPC__OP__OP_SIGN) {
            st = node_client_result_sign(e.results[i], e.lens[i], d->cfg->node_id, sign_identity,
                                         d->id, out, out_len);
        }
        if (r != NULL) {
            mpc__result__free_unpacked(r, NULL);
        }
    }
    node_client_results_entry_clear(&e);
    return st;
}

static transport_reply
on_outcome_query(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    char rid[NODE_CLIENT_REQUEST_ID_MAX + 1];
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (!transport_subject_is_inbox(msg->reply) || msg->len == 0 || msg->len >= sizeof rid) {
        return TRANSPORT_REPLY_NONE;
    }
    memcpy(rid, msg->data, msg->len);
    rid[msg->len] = '\0';
    if (!node_client_request_id_is_valid(rid)) {
        return TRANSPORT_REPLY_NONE;
    }
    mpc_status st = logged_sign_result(d, rid, &out, &out_len);
    const uint8_t *reply = st == MPC_OK ? out : (const uint8_t *)NODE_PEERRESULT_NONE;
    size_t reply_len = st == MPC_OK ? out_len : strlen(NODE_PEERRESULT_NONE);
    if (transport_publish(d->t, msg->reply, reply, reply_len) != MPC_OK) {
        mpc_log(MPC_LOG_DEBUG, "node", "outcome_reply_failed", "reply=%s", msg->reply);
    }
    mpc_log(MPC_LOG_DEBUG, "node", "outcome_answered", "request=%s status=%s", rid,
            mpc_status_name(st));
    free(out);
    return TRANSPORT_REPLY_NONE;
}

mpc_status
node_peerresult_serve_start(struct node_daemon *d)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_OUTCOME,
                                            d->cfg->node_id, NULL, NULL);
    if (st != MPC_OK) {
        return st;
    }
    return transport_subscribe_confirmed(d->t, subj, on_outcome_query, d, &d->outcome_sub);
}

void
node_peerresult_serve_stop(struct node_daemon *d)
{
    if (d->outcome_sub != NULL) {
        transport_unsubscribe(d->t, d->outcome_sub);
        d->outcome_sub = NULL;
    }
}

/* Takes over a checked result r of peer into sj: the job answers as the peer did. */
static void
adopt(struct node_subjob *sj, const Mpc__Result *r, const uint8_t sig[64], uint8_t recid,
      const char *peer)
{
    size_t n = r->n_participants < NODE_STORE_KEYINFO_MAX_PARTIES ? r->n_participants
                                                                  : NODE_STORE_KEYINFO_MAX_PARTIES;
    sj->n_parties = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(sj->parties[i], sizeof sj->parties[i], "%s",
                 r->participants[i] != NULL ? r->participants[i] : "");
        sj->party_ptrs[i] = sj->parties[i];
        sj->out_parties[i] = sj->parties[i];
    }
    sj->n_parties = (uint32_t)n;
    sj->n_out_parties = n;
    sj->out_threshold = r->threshold;
    memcpy(sj->sig, sig, 64);
    sj->sig_len = 64;
    sj->recid = recid;
    if (r->taproot_output_key.len == 32 && r->taproot_internal_key.len == 32) { /* checked */
        memcpy(sj->tr_output, r->taproot_output_key.data, 32);
        memcpy(sj->tr_internal, r->taproot_internal_key.data, 32);
        sj->has_tr = 1;
    }
    sj->status = MPC_OK;
    sj->error_text[0] = '\0';
    sj->failed_peer[0] = '\0';
    sj->disputed[0][0] = sj->disputed[1][0] = '\0';
    sj->failed_round = 0;
    /* served online: the copy names its presignature (checked: 32 bytes, ECDSA) */
    sj->presig_used = node_peerresult_presig(r, sj->presig_id);
    sj->started = 0; /* no session result to decode: the finisher publishes these fields */
    (void)peer;
}

/* Asks one peer. Returns: NODE_PEERRESULT_ADOPTED (its success taken over),
 * NODE_PEERRESULT_PEER_FAILED (it logged a failure), NODE_PEERRESULT_NOTHING. */
static int
ask_peer(struct node_daemon *d, struct node_subjob *sj, const char *peer, uint8_t *buf)
{
    const struct node_job *job = sj->job;
    const struct node_config_peer *p = node_config_peers_find(d->peers, peer);
    char subj[TRANSPORT_SUBJECT_MAX];
    size_t rl = 0;
    if (p == NULL || transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_OUTCOME, peer, NULL,
                                             NULL) != MPC_OK) {
        return NODE_PEERRESULT_NOTHING;
    }
    mpc_status st =
        transport_request(d->t, subj, (const uint8_t *)job->request_id, strlen(job->request_id),
                          NODE_PEERRESULT_WAIT_MS, buf, NODE_PEERRESULT_MAX, &rl);
    if (st != MPC_OK) {
        return NODE_PEERRESULT_NOTHING;
    }
    const uint8_t *key = NULL; /* the child of the request's path (sj_derive), else the group key */
    size_t key_len = 0;
    if (!node_peerresult_sign_key(sj->pk, sj->pk_len, sj->child_pk, sj->child_pk_len,
                                  job->req->sign->derivation_path, &key, &key_len)) {
        return NODE_PEERRESULT_NOTHING; /* no attempt derived it yet */
    }
    struct node_peerresult_want w = {
        .peer = peer,
        .peer_pk = p->public_key,
        .request_id = job->request_id,
        .digest = job->digest,
        .key_type = sj->key_type,
        .version = sj->version,
        .group_pk = key,
        .group_pk_len = key_len,
        .msg = job->req->sign->message.data,
        .msg_len = job->req->sign->message.len,
    };
    uint8_t tr_output[32];
    if (sj->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR) { /* what the peer must have used */
        if (node_handler_tr_output(job->req->sign, w.group_pk, w.group_pk_len, tr_output) !=
            MPC_OK) {
            return NODE_PEERRESULT_NOTHING;
        }
        w.tr_output = tr_output;
    }
    Mpc__Result *r = NULL;
    uint8_t sig[64], recid = 0;
    st = node_peerresult_check(buf, rl, &w, &r, sig, &recid);
    if (st == MPC_ERR_GONE) { /* it joins no further attempt of this request */
        mpc_log(MPC_LOG_INFO, "node", "peer_result_failed", "request=%s peer=%s", job->request_id,
                peer);
        if (sj->n_left < NODE_RETRY_LEFT_MAX) {
            snprintf(sj->left[sj->n_left++], sizeof sj->left[0], "%s", peer);
        }
        return NODE_PEERRESULT_PEER_FAILED;
    }
    if (st != MPC_OK) {
        if (st != MPC_ERR_NOT_FOUND) {
            mpc_log(MPC_LOG_WARN, "node", "peer_result_refused", "request=%s peer=%s status=%s",
                    job->request_id, peer, mpc_status_name(st));
        }
        return NODE_PEERRESULT_NOTHING;
    }
    adopt(sj, r, sig, recid, peer);
    mpc__result__free_unpacked(r, NULL);
    mpc_log(MPC_LOG_INFO, "node", "peer_result_adopted", "request=%s peer=%s attempts=%u",
            job->request_id, peer, sj->attempts);
    return NODE_PEERRESULT_ADOPTED;
}

int
node_peerresult_adopt(struct node_daemon *d, struct node_subjob *sj)
{
    if (sj->job->op != MPC__OP__OP_SIGN || sj->pk_len == 0 || sj->version == 0 ||
        sj->job->req->sign->n_messages > 0) { /* a batch is not adopted: it signs again */
        return NODE_PEERRESULT_NOTHING;
    }
    uint8_t *buf = malloc(NODE_PEERRESULT_MAX);
    char peers[NODE_STORE_KEYINFO_MAX_PARTIES][NODE_ID_MAX + 1];
    uint32_t n = sj->n_parties;
    int got = NODE_PEERRESULT_NOTHING;
    if (buf == NULL) {
        return NODE_PEERRESULT_NOTHING;
    }
    for (uint32_t i = 0; i < n; i++) { /* adopt() rewrites sj->parties */
        snprintf(peers[i], sizeof peers[i], "%s", sj->parties[i]);
    }
    for (uint32_t i = 0; i < n && got != NODE_PEERRESULT_ADOPTED; i++) {
        if (strcmp(peers[i], d->cfg->node_id) != 0) {
            int r = ask_peer(d, sj, peers[i], buf);
            got = r != NODE_PEERRESULT_NOTHING ? r : got;
        }
    }
    free(buf);
    return got;
}

/*
 * handlers_store.c — what a successful session leaves in the key store
 * (finisher thread): the fields of the result and the key write of a keygen
 * (v1) or reshare (the next version) that outcome.c commits together with
 * the request-log entry. See the version notes in handlers.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "tss/batch.h"
#include "tss/keyshare.h"

#define SJ_FAIL(sj, st, ...) (snprintf((sj)->error_text, sizeof(sj)->error_text, __VA_ARGS__), (st))

static const char *
job_wallet(const struct node_job *job)
{
    return job->op == MPC__OP__OP_KEYGEN ? job->req->keygen->wallet_id
           : job->op == MPC__OP__OP_SIGN ? job->req->sign->wallet_id
                                         : job->req->reshare->wallet_id;
}

/* Decodes a key-share record to read the group key; reports whether it holds a secret. */
static mpc_status
share_group_key(struct node_subjob *sj, int *has_secret)
{
    tss_keyshare *ks = NULL;
    mpc_status st = sj->h->record_keyshare(sj->result, sj->result_len, &ks);
    if (st != MPC_OK) {
        return SJ_FAIL(sj, st, "protocol result does not decode");
    }
    uint8_t pk[NODE_STORE_KEYINFO_PK_MAX];
    ks->g->point_encode(pk, &ks->group_key);
    size_t len = ks->g->point_len;
    *has_secret = ks->secret != NULL;
    sj->has_chain = ks->has_chain;
    memcpy(sj->chain, ks->chain, sizeof sj->chain);
    tss_keyshare_destroy(ks);
    if (sj->pk_len != 0 && (sj->pk_len != len || memcmp(sj->pk, pk, len) != 0)) {
        return SJ_FAIL(sj, MPC_ERR_BAD_GROUP_KEY, "reshared group key differs");
    }
    memcpy(sj->pk, pk, len);
    sj->pk_len = len;
    return MPC_OK;
}

/* The committee a finished session leaves: the reshare's new one (set by prepare)
 * or, for a keygen, the session's parties (node_handler_finish copies them). */
static struct node_store_committee
sj_committee(const struct node_subjob *sj)
{
    struct node_store_committee c = {
        .threshold = sj->out_threshold, .ids = sj->out_parties, .n = sj->n_out_parties};
    return c;
}

/* A keygen's or reshare's result: the group key is read (a reshare's must
 * not change); nothing is stored here. The finisher commits every sub-job's
 * share, keyinfo and the request-log entry in one transaction
 * (node_job_commit, outcome.c). */
static mpc_status
finish_key(struct node_subjob *sj)
{
    int has_secret = 0; /* a member leaving by reshare keeps a public-only record */
    return share_group_key(sj, &has_secret);
}

mpc_status
node_handler_key_write(const struct node_job *job, struct node_subjob *sj,
                       struct node_store_committee *c, struct node_store_key_write *w)
{
    if (job->op != MPC__OP__OP_KEYGEN && job->op != MPC__OP__OP_RESHARE) {
        return MPC_ERR_NOT_FOUND;
    }
    *c = sj_committee(sj);
    memset(w, 0, sizeof *w);
    w->key_type = sj->key_type;
    w->wallet = job_wallet(job);
    w->pk = sj->pk;
    w->pk_len = sj->pk_len;
    w->c = c;
    w->share = sj->result;
    w->share_len = sj->result_len;
    if (job->op == MPC__OP__OP_KEYGEN) {
        w->version = 1;
    } else if (sj->joining) { /* no keyinfo here: the new version (old active + 1, learned
                                 at prepare) is stored ACTIVE with a fresh keyinfo */
        w->version = sj->version + 1;
    } else {
        w->reshare = 1;
        w->seen_active = sj->version;
    }
    return MPC_OK;
}

/* Copies the signature (and recovery id) out of the signing result. */
static mpc_status
finish_sign(struct node_subjob *sj)
{
    if (sj->n_batch > 0) { /* one result per message, in request order (tss/batch.h) */
        mpc_status st = tss_batch_result_count(sj->result, sj->result_len) == sj->n_batch
                            ? MPC_OK
                            : MPC_ERR_INTERNAL;
        for (uint32_t i = 0; st == MPC_OK && i < sj->n_batch; i++) {
            const uint8_t *e = NULL;
            size_t len = 0;
            st = tss_batch_result_entry(sj->result, sj->result_len, i, &e, &len);
            if (st == MPC_OK) {
                st = sj->h->sign_result(e, len, sj->batch_sigs[i], &sj->batch_recids[i]);
            }
        }
        sj->sig_len = 0;
        return st;
    }
    mpc_status st = sj->h->sign_result(sj->result, sj->result_len, sj->sig, &sj->recid);
    if (st == MPC_OK && sj->h->sign_result_xonly != NULL) { /* Taproot: the keys it signed under */
        st = sj->h->sign_result_xonly(sj->result, sj->result_len, sj->tr_output, sj->tr_internal);
        sj->has_tr = st == MPC_OK;
    }
    sj->sig_len = st == MPC_OK ? TSS_KEYTYPE_SIG_BYTES : 0;
    return st;
}

mpc_status
node_handler_finish(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    (void)d;
    if (sj->n_out_parties == 0) { /* reshare set its new committee in prepare */
        sj->n_out_parties = sj->n_parties;
        for (uint32_t i = 0; i < sj->n_parties; i++) {
            sj->out_parties[i] = sj->parties[i];
        }
        sj->out_threshold = sj->threshold;
    }
    switch (job->op) {
    case MPC__OP__OP_KEYGEN:
    case MPC__OP__OP_RESHARE:
        return finish_key(sj);
    case MPC__OP__OP_SIGN:
        return finish_sign(sj);
    default:
        return MPC_ERR_INTERNAL;
    }
}

void
node_handler_failed(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    if (job->op != MPC__OP__OP_SIGN || sj->status != MPC_ERR_OT_CHECK || sj->h == NULL ||
        sj->h->record_quarantine == NULL || sj->failed_peer[0] == '\0' ||
        strcmp(sj->failed_peer, d->cfg->node_id) == 0) {
        return;
    }
    node_kos_failed(d, sj, job_wallet(job));
}

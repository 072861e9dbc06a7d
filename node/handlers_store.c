/*
 * handlers_store.c — what a successful session leaves in the key store
 * (finisher thread): the keygen's v1 share + keyinfo, the reshare's new
 * version (PENDING in the same transaction as its share, then ACTIVE), and
 * the fields of the result. See the version notes in handlers.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
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

static mpc_status
finish_keygen(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    int has_secret = 0;
    const char *wallet = job_wallet(job);
    mpc_status st = share_group_key(sj, &has_secret);
    if (st != MPC_OK) {
        return st;
    }
    struct node_store_committee c = sj_committee(sj);
    st = node_store_keys_create(d->store, sj->key_type, wallet, sj->pk, sj->pk_len, 1, &c,
                                sj->result, sj->result_len);
    if (st == MPC_ERR_EXISTS) { /* a concurrent keygen of the same wallet won */
        return SJ_FAIL(sj, MPC_ERR_EXISTS, "wallet %s already has a %s key", wallet, sj->h->name);
    }
    if (st != MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "storing the key failed: %s", mpc_status_name(st));
    }
    return MPC_OK;
}

/* A member joining by reshare has no keyinfo: the new version (old active
 * + 1, learned at prepare) is stored ACTIVE with a fresh keyinfo. The result
 * exists only after every new member confirmed, so there is no pending step;
 * a keyinfo that appeared meanwhile is an error. */
static mpc_status
reshare_store_joined(struct node_daemon *d, struct node_subjob *sj, const char *wallet)
{
    struct node_store_committee c = sj_committee(sj);
    sj->version++;
    return node_store_keys_create(d->store, sj->key_type, wallet, sj->pk, sj->pk_len, sj->version,
                                  &c, sj->result, sj->result_len);
}

/* Step 1 stores the new share PENDING with its keyinfo; step 2 makes it
 * ACTIVE and the previous version RETIRED, deleting the retired shares (and
 * wiping their bytes from the store file). On a member the reshare removed,
 * that is its last secret share of the key: what stays is the public-only
 * record of the new version. A sign that already started holds its own copy
 * of the record. */
static mpc_status
reshare_store(struct node_daemon *d, struct node_subjob *sj, const char *wallet)
{
    struct node_store_committee c = sj_committee(sj);
    uint32_t v = 0;
    mpc_status st = node_store_keys_add_pending(d->store, sj->key_type, wallet, sj->version, &c,
                                                sj->result, sj->result_len, &v);
    if (st == MPC_OK) {
        sj->version = v;
        st = node_store_keys_activate(d->store, sj->key_type, wallet, v);
    }
    return st;
}

static mpc_status
finish_reshare(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    int has_secret = 0;
    const char *wallet = job_wallet(job);
    mpc_status st = share_group_key(sj, &has_secret);
    if (st != MPC_OK) {
        return st;
    }
    int joined = sj->joining;
    st = joined ? reshare_store_joined(d, sj, wallet) : reshare_store(d, sj, wallet);
    if (st != MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "storing the %s key failed: %s",
                       joined ? "joined" : "reshared", mpc_status_name(st));
    }
    mpc_log(MPC_LOG_INFO, "node", "key_version_active",
            "wallet=%s key_type=%s version=%u share=%s joined=%d", wallet, sj->h->name, sj->version,
            has_secret ? "yes" : "public-only", joined);
    return MPC_OK;
}

/* Copies the signature (and recovery id) out of the signing result. */
static mpc_status
finish_sign(struct node_subjob *sj)
{
    mpc_status st = sj->h->sign_result(sj->result, sj->result_len, sj->sig, &sj->recid);
    sj->sig_len = st == MPC_OK ? TSS_KEYTYPE_SIG_BYTES : 0;
    return st;
}

mpc_status
node_handler_finish(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    if (sj->n_out_parties == 0) { /* reshare set its new committee in prepare */
        sj->n_out_parties = sj->n_parties;
        for (uint32_t i = 0; i < sj->n_parties; i++) {
            sj->out_parties[i] = sj->parties[i];
        }
        sj->out_threshold = sj->threshold;
    }
    switch (job->op) {
    case MPC__OP__OP_KEYGEN:
        return finish_keygen(d, job, sj);
    case MPC__OP__OP_SIGN:
        return finish_sign(sj);
    case MPC__OP__OP_RESHARE:
        return finish_reshare(d, job, sj);
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

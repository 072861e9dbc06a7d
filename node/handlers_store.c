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

/* Fills a version entry from the session's committee. */
static void
version_fill(struct node_store_keyinfo_version *v, uint32_t num, uint8_t state, uint32_t t,
             const char *const *ids, size_t n)
{
    memset(v, 0, sizeof *v);
    v->version = num;
    v->state = state;
    v->threshold = (uint16_t)t;
    v->n_participants = (uint16_t)n;
    for (size_t i = 0; i < n; i++) {
        snprintf(v->participants[i], sizeof v->participants[i], "%s", ids[i]);
    }
}

/* Puts the encoded keyinfo inside txn. */
static mpc_status
txn_put_keyinfo(node_store_txn *txn, const char *wallet, const struct node_store_keyinfo *ki)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t buf[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    mpc_status st = node_store_name_keyinfo(name, sizeof name, ki->key_type, wallet);
    if (st == MPC_OK) {
        st = node_store_keyinfo_encode(buf, sizeof buf, &len, ki);
    }
    if (st == MPC_OK) {
        st = node_store_txn_put(txn, name, buf, len);
    }
    return st;
}

static mpc_status
txn_put_share(node_store_txn *txn, int kt, const char *wallet, uint32_t v, const uint8_t *share,
              size_t len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_share(name, sizeof name, kt, wallet, v);
    return st == MPC_OK ? node_store_txn_put(txn, name, share, len) : st;
}

static mpc_status
finish_keygen(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    struct node_store_keyinfo ki;
    node_store_txn *txn = NULL;
    int has_secret = 0;
    char name[NODE_STORE_NAME_MAX + 1];
    const char *wallet = job_wallet(job);
    mpc_status st = share_group_key(sj, &has_secret);
    if (st != MPC_OK) {
        return st;
    }
    memset(&ki, 0, sizeof ki);
    ki.key_type = (uint8_t)sj->key_type;
    ki.public_key_len = (uint8_t)sj->pk_len;
    memcpy(ki.public_key, sj->pk, sj->pk_len);
    ki.active_version = 1;
    ki.n_versions = 1;
    version_fill(&ki.versions[0], 1, NODE_STORE_KEY_VERSION_ACTIVE, sj->threshold, sj->party_ptrs,
                 sj->n_parties);
    st = node_store_name_keyinfo(name, sizeof name, sj->key_type, wallet);
    if (st == MPC_OK) {
        st = node_store_txn_begin(d->store, &txn);
    }
    if (st == MPC_OK) {
        uint8_t *old = NULL;
        size_t old_len = 0;
        mpc_status g = node_store_txn_get(txn, name, &old, &old_len);
        mpc_secure_free(old);
        if (g != MPC_ERR_NOT_FOUND) { /* a concurrent keygen of the same wallet won */
            node_store_txn_abort(&txn);
            return SJ_FAIL(sj, g == MPC_OK ? MPC_ERR_EXISTS : MPC_ERR_STORE,
                           "wallet %s already has a %s key", wallet, sj->h->name);
        }
        st = txn_put_share(txn, sj->key_type, wallet, 1, sj->result, sj->result_len);
    }
    if (st == MPC_OK) {
        st = txn_put_keyinfo(txn, wallet, &ki);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    if (st != MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "storing the key failed: %s", mpc_status_name(st));
    }
    return MPC_OK;
}

/* Makes room for one more version: drops the oldest RETIRED one (and its share). */
static mpc_status
txn_make_room(node_store_txn *txn, struct node_store_keyinfo *ki, const char *wallet)
{
    if (ki->n_versions < NODE_STORE_KEYINFO_MAX_VERSIONS) {
        return MPC_OK;
    }
    size_t victim = ki->n_versions;
    for (size_t i = 0; i < ki->n_versions; i++) {
        if (ki->versions[i].state == NODE_STORE_KEY_VERSION_RETIRED &&
            (victim == ki->n_versions || ki->versions[i].version < ki->versions[victim].version)) {
            victim = i;
        }
    }
    if (victim == ki->n_versions) {
        return MPC_ERR_STORE;
    }
    char name[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_share(name, sizeof name, ki->key_type, wallet,
                                          ki->versions[victim].version);
    if (st == MPC_OK) {
        st = node_store_txn_delete(txn, name);
        st = st == MPC_ERR_NOT_FOUND ? MPC_OK : st;
    }
    memmove(&ki->versions[victim], &ki->versions[victim + 1],
            (ki->n_versions - victim - 1) * sizeof ki->versions[0]);
    ki->n_versions--;
    return st;
}

/* Step 1: the new share and the keyinfo naming it PENDING, in one transaction.
 * The new committee is sj->out_parties (set by prepare). */
static mpc_status
reshare_store_pending(struct node_daemon *d, struct node_subjob *sj, const char *wallet,
                      struct node_store_keyinfo *ki)
{
    node_store_txn *txn = NULL;
    /* Read before the txn (one LMDB txn per thread); reshares of one key are exclusive
     * (session manager lock) and signs never write keyinfo, so nothing races. */
    mpc_status st = node_store_keyinfo_get(d->store, sj->key_type, wallet, ki);
    uint32_t next = 0;
    for (size_t i = 0; st == MPC_OK && i < ki->n_versions; i++) {
        next = ki->versions[i].version > next ? ki->versions[i].version : next;
    }
    if (st == MPC_OK && next < sj->version) {
        return MPC_ERR_STORE; /* keyinfo went backwards since prepare */
    }
    sj->version = next + 1;
    if (st == MPC_OK) {
        st = node_store_txn_begin(d->store, &txn);
    }
    if (st == MPC_OK) {
        st = txn_make_room(txn, ki, wallet);
    }
    if (st == MPC_OK) {
        version_fill(&ki->versions[ki->n_versions++], sj->version, NODE_STORE_KEY_VERSION_PENDING,
                     sj->out_threshold, sj->out_parties, sj->n_out_parties);
        st = txn_put_share(txn, sj->key_type, wallet, sj->version, sj->result, sj->result_len);
    }
    if (st == MPC_OK) {
        st = txn_put_keyinfo(txn, wallet, ki);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    return st;
}

/* Step 2: writes the keyinfo naming the new version ACTIVE; for a key type
 * that drops retired shares (DKLs: spec §7, old shares and OT setups are
 * deleted once every new member confirmed) deletes them in the same
 * transaction. A sign that already started holds its own copy of the record. */
static mpc_status
reshare_activate(struct node_daemon *d, struct node_subjob *sj, const char *wallet,
                 const struct node_store_keyinfo *ki)
{
    if (sj->h->keep_retired) {
        return node_store_keyinfo_put(d->store, wallet, ki);
    }
    node_store_txn *txn = NULL;
    mpc_status st = node_store_txn_begin(d->store, &txn);
    for (size_t i = 0; st == MPC_OK && i < ki->n_versions; i++) {
        char name[NODE_STORE_NAME_MAX + 1];
        if (ki->versions[i].state != NODE_STORE_KEY_VERSION_RETIRED) {
            continue;
        }
        st =
            node_store_name_share(name, sizeof name, ki->key_type, wallet, ki->versions[i].version);
        if (st == MPC_OK) {
            st = node_store_txn_delete(txn, name);
            st = st == MPC_ERR_NOT_FOUND ? MPC_OK : st;
        }
    }
    if (st == MPC_OK) {
        st = txn_put_keyinfo(txn, wallet, ki);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    return st;
}

/* A member joining by reshare has no keyinfo: the new version (old active
 * + 1, learned at prepare) is stored ACTIVE with a fresh keyinfo in one
 * transaction. The result exists only after every new member confirmed, so
 * there is no pending step; a keyinfo that appeared meanwhile is an error. */
static mpc_status
reshare_store_joined(struct node_daemon *d, struct node_subjob *sj, const char *wallet,
                     struct node_store_keyinfo *ki)
{
    node_store_txn *txn = NULL;
    char name[NODE_STORE_NAME_MAX + 1];
    memset(ki, 0, sizeof *ki);
    ki->key_type = (uint8_t)sj->key_type;
    ki->public_key_len = (uint8_t)sj->pk_len;
    memcpy(ki->public_key, sj->pk, sj->pk_len);
    sj->version++;
    ki->active_version = sj->version;
    ki->n_versions = 1;
    version_fill(&ki->versions[0], sj->version, NODE_STORE_KEY_VERSION_ACTIVE, sj->out_threshold,
                 sj->out_parties, sj->n_out_parties);
    mpc_status st = node_store_name_keyinfo(name, sizeof name, sj->key_type, wallet);
    if (st == MPC_OK) {
        st = node_store_txn_begin(d->store, &txn);
    }
    if (st == MPC_OK) {
        uint8_t *old = NULL;
        size_t old_len = 0;
        mpc_status g = node_store_txn_get(txn, name, &old, &old_len);
        mpc_secure_free(old);
        st = g == MPC_ERR_NOT_FOUND ? MPC_OK : MPC_ERR_EXISTS;
    }
    if (st == MPC_OK) {
        st = txn_put_share(txn, sj->key_type, wallet, sj->version, sj->result, sj->result_len);
    }
    if (st == MPC_OK) {
        st = txn_put_keyinfo(txn, wallet, ki);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
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
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    if (ki == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (sj->joining) {
        st = reshare_store_joined(d, sj, wallet, ki);
        free(ki);
        if (st != MPC_OK) {
            return SJ_FAIL(sj, MPC_ERR_STORE, "storing the joined key failed: %s",
                           mpc_status_name(st));
        }
        mpc_log(MPC_LOG_INFO, "node", "key_version_active",
                "wallet=%s key_type=%s version=%u share=%s joined=1", wallet, sj->h->name,
                sj->version, has_secret ? "yes" : "public-only");
        return MPC_OK;
    }
    st = reshare_store_pending(d, sj, wallet, ki);
    if (st == MPC_OK) { /* step 2: activate */
        for (size_t i = 0; i < ki->n_versions; i++) {
            if (ki->versions[i].version == sj->version) {
                ki->versions[i].state = NODE_STORE_KEY_VERSION_ACTIVE;
            } else if (ki->versions[i].state == NODE_STORE_KEY_VERSION_ACTIVE) {
                ki->versions[i].state = NODE_STORE_KEY_VERSION_RETIRED;
            }
        }
        ki->active_version = sj->version;
        st = reshare_activate(d, sj, wallet, ki);
    }
    free(ki);
    if (st != MPC_OK) {
        return SJ_FAIL(sj, MPC_ERR_STORE, "storing the reshared key failed: %s",
                       mpc_status_name(st));
    }
    mpc_log(MPC_LOG_INFO, "node", "key_version_active", "wallet=%s key_type=%s version=%u share=%s",
            wallet, sj->h->name, sj->version, has_secret ? "yes" : "public-only");
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

/* Rewrites share v of the sub-job's key with the culprit's pairs quarantined,
 * read and written in one store transaction. */
static mpc_status
store_quarantine(struct node_daemon *d, struct node_subjob *sj, const char *wallet)
{
    char name[NODE_STORE_NAME_MAX + 1];
    node_store_txn *txn = NULL;
    uint8_t *rec = NULL, *upd = NULL;
    size_t rec_len = 0, upd_len = 0;
    mpc_status st = node_store_name_share(name, sizeof name, sj->key_type, wallet, sj->version);
    if (st == MPC_OK) {
        st = node_store_txn_begin(d->store, &txn);
    }
    if (st == MPC_OK) {
        st = node_store_txn_get(txn, name, &rec, &rec_len);
    }
    if (st == MPC_OK) {
        st = sj->h->record_quarantine(rec, rec_len, sj->failed_peer, &upd, &upd_len);
    }
    if (st == MPC_OK) {
        st = node_store_txn_put(txn, name, upd, upd_len);
    }
    if (st == MPC_OK) {
        st = node_store_txn_commit(&txn);
    }
    node_store_txn_abort(&txn);
    mpc_secure_free(rec);
    mpc_secure_free(upd);
    return st;
}

void
node_handler_failed(struct node_daemon *d, struct node_job *job, struct node_subjob *sj)
{
    if (job->op != MPC__OP__OP_SIGN || sj->status != MPC_ERR_OT_CHECK || sj->h == NULL ||
        sj->h->record_quarantine == NULL || sj->failed_peer[0] == '\0' ||
        strcmp(sj->failed_peer, d->cfg->node_id) == 0) {
        return;
    }
    const char *wallet = job_wallet(job);
    mpc_status st = store_quarantine(d, sj, wallet);
    mpc_log(st == MPC_OK ? MPC_LOG_WARN : MPC_LOG_ERROR, "node", "peer_quarantined",
            "wallet=%s key_type=%s version=%u peer=%s stored=%s", wallet, sj->h->name, sj->version,
            sj->failed_peer, mpc_status_name(st));
    if (st != MPC_OK) {
        node_metrics_add(&d->m.store_failures);
    }
}

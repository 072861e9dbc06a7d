/*
 * presig.c — online ECDSA signing with a pooled presignature (node/presig.h).
 */
#include "node/presig.h"

#include <string.h>

#include "common/log.h"
#include "common/secmem.h"
#include "node/killpoint.h"

mpc_status
node_presig_online_begin(node_store *s, const struct node_store_presig_pool *pool,
                         const uint8_t *presig_id, const struct tss_dkls_online_params *p,
                         const char *request_id, tss_dkls_online **out,
                         uint8_t bcast[TSS_DKLS_ONLINE_BCAST_BYTES])
{
    if (out != NULL) {
        *out = NULL;
    }
    if (bcast != NULL) {
        memset(bcast, 0, TSS_DKLS_ONLINE_BCAST_BYTES);
    }
    if (s == NULL || pool == NULL || p == NULL || out == NULL || bcast == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    node_killpoint(NODE_KILL_PRESIG_BEFORE_TAKE, request_id);
    uint8_t *rec = NULL;
    size_t len = 0;
    /* Durably deleted before anything is derived from it (spec §6.7.4). */
    mpc_status st = node_store_presig_take(s, pool, presig_id, &rec, &len, NULL);
    if (st != MPC_OK) {
        return st;
    }
    node_killpoint(NODE_KILL_PRESIG_AFTER_TAKE, request_id);
    struct tss_dkls_presig *ps = mpc_secure_alloc(sizeof(*ps));
    st = ps == NULL ? MPC_ERR_NOMEM : tss_dkls_presig_decode(ps, rec, len);
    mpc_wipe(rec, len);
    mpc_secure_free(rec);
    if (st == MPC_OK) {
        st = tss_dkls_online_create(p, ps, out, bcast); /* consumes ps */
    }
    tss_dkls_presig_wipe(ps);
    mpc_secure_free(ps);
    if (st == MPC_OK) {
        node_killpoint(NODE_KILL_PRESIG_AFTER_ONLINE, request_id);
    }
    return st;
}

mpc_status
node_presig_store_result(node_store *s, int key_type, const char *wallet, const uint8_t *rec,
                         size_t len)
{
    if (s == NULL || rec == NULL || len == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    struct tss_dkls_presig *ps = mpc_secure_alloc(sizeof(*ps));
    if (ps == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = tss_dkls_presig_decode(ps, rec, len);
    if (st == MPC_OK) {
        struct node_store_presig_pool pool = {key_type, wallet, ps->key_version, ps->ids,
                                              ps->n_signers};
        st = node_store_presig_put(s, &pool, ps->presig_id, rec, len);
    }
    tss_dkls_presig_wipe(ps);
    mpc_secure_free(ps);
    return st;
}

mpc_status
node_presig_set_ids(const tss_keytype *h, const uint8_t *share, size_t share_len,
                    const char *const *signers, uint32_t n, uint32_t *ids)
{
    if (h == NULL || h->record_keyshare == NULL || share == NULL || signers == NULL ||
        ids == NULL || n > TSS_DKLS_PRESIG_MAX_SIGNERS) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_keyshare *ks = NULL;
    mpc_status st = h->record_keyshare(share, share_len, &ks);
    for (uint32_t i = 0; st == MPC_OK && i < n; i++) {
        uint32_t m = tss_keyshare_find_node(ks, signers[i]);
        if (m >= ks->n) {
            st = MPC_ERR_UNKNOWN_PARTICIPANT;
            break;
        }
        uint32_t id = ks->members[m].id, pos = i;
        while (pos > 0 && ids[pos - 1] > id) {
            ids[pos] = ids[pos - 1];
            pos--;
        }
        ids[pos] = id;
    }
    tss_keyshare_destroy(ks);
    return st;
}

/* Fills claim from the request's pool and record (strings bounded by intake). */
static mpc_status
claim_fill(struct node_presig_claim *claim, const struct node_presig_online_req *r,
           const uint32_t *ids, const uint8_t presig_id[32])
{
    size_t wl = strlen(r->wallet), rl = strlen(r->request_id);
    if (wl >= sizeof claim->wallet || rl >= sizeof claim->request_id) {
        return MPC_ERR_INVALID_ARG;
    }
    claim->key_type = r->key_type;
    memcpy(claim->wallet, r->wallet, wl + 1);
    claim->version = r->version;
    memcpy(claim->ids, ids, r->n * sizeof ids[0]);
    claim->n_ids = r->n;
    memcpy(claim->presig_id, presig_id, 32);
    memcpy(claim->request_id, r->request_id, rl + 1);
    return MPC_OK;
}

mpc_status
node_presig_online_input(node_store *s, const struct node_presig_online_req *r,
                         uint8_t presig_id[32], uint8_t **input, size_t *input_len,
                         struct node_presig_claim *claim)
{
    if (presig_id != NULL) {
        memset(presig_id, 0, 32);
    }
    if (input != NULL) {
        *input = NULL;
    }
    if (input_len != NULL) {
        *input_len = 0;
    }
    if (claim != NULL) {
        memset(claim, 0, sizeof *claim);
    }
    if (s == NULL || r == NULL || presig_id == NULL || input == NULL || input_len == NULL ||
        claim == NULL || r->h == NULL || r->signers == NULL || r->n < 2 ||
        r->n > TSS_DKLS_PRESIG_MAX_SIGNERS || r->msg32 == NULL || r->request_id == NULL ||
        r->wallet == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (r->h->online_input == NULL) {
        return MPC_ERR_UNSUPPORTED;
    }
    uint32_t ids[TSS_DKLS_PRESIG_MAX_SIGNERS];
    mpc_status st = node_presig_set_ids(r->h, r->share, r->share_len, r->signers, r->n, ids);
    struct node_store_presig_pool pool = {r->key_type, r->wallet, r->version, ids, r->n};
    if (st == MPC_OK) {
        st = node_store_presig_choose(s, &pool, r->request_id, presig_id);
    }
    if (st == MPC_OK) {
        st = claim_fill(claim, r, ids, presig_id);
    }
    uint8_t *rec = NULL;
    size_t len = 0;
    if (st == MPC_OK) { /* read only: taken by node_presig_claim_take before anything is sent */
        st = node_store_presig_peek(s, &pool, presig_id, &rec, &len);
    }
    if (st == MPC_OK) {
        st = r->h->online_input(input, input_len, r->share, r->share_len, rec, len, r->msg32,
                                r->signers, r->n, r->tweak);
    }
    if (st == MPC_OK) {
        node_killpoint(NODE_KILL_PRESIG_AFTER_READ, r->request_id);
    }
    if (rec != NULL) {
        mpc_wipe(rec, len);
        mpc_secure_free(rec);
    }
    if (st != MPC_OK) {
        memset(presig_id, 0, 32);
        memset(claim, 0, sizeof *claim);
    }
    return st;
}

mpc_status
node_presig_claim_take(node_store *s, const struct node_presig_claim *claim)
{
    if (s == NULL || claim == NULL || claim->n_ids < 2 ||
        claim->n_ids > TSS_DKLS_PRESIG_MAX_SIGNERS) {
        return MPC_ERR_INVALID_ARG;
    }
    struct node_store_presig_pool pool = {claim->key_type, claim->wallet, claim->version,
                                          claim->ids, claim->n_ids};
    node_killpoint(NODE_KILL_PRESIG_BEFORE_TAKE, claim->request_id);
    uint8_t *rec = NULL;
    size_t len = 0;
    /* Durably deleted before anything derived from it is sent (spec §6.7.4). */
    mpc_status st = node_store_presig_take(s, &pool, claim->presig_id, &rec, &len, NULL);
    if (st != MPC_OK) {
        return st;
    }
    mpc_wipe(rec, len);
    mpc_secure_free(rec);
    node_killpoint(NODE_KILL_PRESIG_AFTER_TAKE, claim->request_id);
    return MPC_OK;
}

mpc_status
node_presig_pool_discard(node_store *s, int key_type, const char *wallet, const char *why)
{
    size_t n = 0;
    mpc_status st = node_store_presig_discard(s, key_type, wallet, &n);
    mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_ERROR, "node", "presig_pool_discarded",
            "wallet=%s key_type=%d why=%s discarded=%zu status=%s", wallet != NULL ? wallet : "-",
            key_type, why != NULL ? why : "-", n, mpc_status_name(st));
    return st;
}

mpc_status
node_presig_discard_stale(node_store *s, const char *why)
{
    size_t n = 0;
    mpc_status st = node_store_presig_discard_stale(s, &n);
    if (st != MPC_OK || n > 0) {
        mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_ERROR, "node", "presig_stale_discarded",
                "why=%s discarded=%zu status=%s", why != NULL ? why : "-", n, mpc_status_name(st));
    }
    return st;
}

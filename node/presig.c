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

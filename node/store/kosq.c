/*
 * kosq.c — peers' KOS quarantine notices in the key store (node/store/kosq.h).
 */
#include "node/store/kosq.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "common/secmem.h"

#define KOSQ_DIGEST_BYTES 16u

/* kosq/<hex of BLAKE2b-128(notice)>. */
static mpc_status
kosq_name(char *buf, size_t cap, const uint8_t *notice, size_t len)
{
    uint8_t h[KOSQ_DIGEST_BYTES];
    char hex[2 * KOSQ_DIGEST_BYTES + 1];
    crypto_generichash(h, sizeof h, notice, len, NULL, 0);
    mpc_status st = mpc_hex_encode(hex, sizeof hex, h, sizeof h);
    if (st == MPC_OK && snprintf(buf, cap, "%s%s", NODE_STORE_KOSQ_PREFIX, hex) >= (int)cap) {
        st = MPC_ERR_INVALID_ARG;
    }
    return st;
}

mpc_status
node_store_kosq_put(node_store *s, const uint8_t *notice, size_t len)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (s == NULL || notice == NULL || len == 0 || len > NODE_STORE_KOSQ_NOTICE_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = kosq_name(name, sizeof name, notice, len);
    return st != MPC_OK ? st : node_store_put(s, name, notice, len);
}

mpc_status
node_store_kosq_load(node_store *s, node_store_kosq_fn fn, void *arg, size_t *unreadable)
{
    char **names = NULL;
    size_t count = 0, bad = 0;
    if (unreadable != NULL) {
        *unreadable = 0;
    }
    if (s == NULL || fn == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_store_list(s, NODE_STORE_KOSQ_PREFIX, &names, &count);
    if (st != MPC_OK) {
        return st;
    }
    for (size_t i = 0; i < count && i < NODE_STORE_KOSQ_LOAD_MAX; i++) {
        uint8_t *rec = NULL;
        size_t len = 0;
        if (node_store_get(s, names[i], &rec, &len) != MPC_OK || len == 0 ||
            len > NODE_STORE_KOSQ_NOTICE_MAX) {
            bad++;
            mpc_secure_free(rec);
            continue;
        }
        int keep = fn(arg, rec, len);
        mpc_secure_free(rec);
        if (!keep && node_store_delete(s, names[i]) != MPC_OK) {
            mpc_log(MPC_LOG_WARN, "store", "kosq_delete_failed", "name=%s", names[i]);
        }
    }
    node_store_names_free(names, count);
    if (unreadable != NULL) {
        *unreadable = bad;
    }
    return MPC_OK;
}

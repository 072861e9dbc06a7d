/*
 * keys_catchup.c — node_store_keys_catch_up (node/store/catchup.h): the
 * store side of rollback protection. Composes one store transaction with
 * the node_store_txn_* API, like node/store/keys.c.
 */
#include "node/store/catchup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"

mpc_status
node_store_name_lost(char *buf, size_t cap, int key_type, const char *wallet, uint32_t version)
{
    char share[NODE_STORE_NAME_MAX + 1];
    mpc_status st = node_store_name_share(share, sizeof share, key_type, wallet, version);
    if (st != MPC_OK) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return st;
    }
    int n = snprintf(buf, cap, "lost/%s", share + strlen("share/"));
    if (n < 0 || (size_t)n >= cap || !node_store_name_is_valid(buf)) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    return MPC_OK;
}

int
node_store_keys_share_lost(node_store *s, int key_type, const char *wallet, uint32_t version)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t *rec = NULL;
    size_t len = 0;
    if (node_store_name_lost(name, sizeof name, key_type, wallet, version) != MPC_OK) {
        return 0;
    }
    mpc_status st = node_store_get(s, name, &rec, &len);
    mpc_secure_free(rec);
    return st == MPC_OK;
}

/* Retires every version below target; wipes their shares. Out: *wiped. */
static mpc_status
retire_older(node_store_txn *txn, struct node_store_keyinfo *ki, const char *wallet,
             uint32_t target, int *wiped)
{
    for (uint8_t i = 0; i < ki->n_versions; i++) {
        struct node_store_keyinfo_version *v = &ki->versions[i];
        char name[NODE_STORE_NAME_MAX + 1];
        if (v->version >= target) {
            continue;
        }
        v->state = NODE_STORE_KEY_VERSION_RETIRED;
        mpc_status st = node_store_name_share(name, sizeof name, ki->key_type, wallet, v->version);
        if (st == MPC_OK) {
            st = node_store_txn_wipe(txn, name);
        }
        if (st == MPC_OK) {
            *wiped = 1;
        } else if (st != MPC_ERR_NOT_FOUND) {
            return st;
        }
    }
    return MPC_OK;
}

/* Makes target the ACTIVE version with committee c (adding its entry). */
static mpc_status
set_active(struct node_store_keyinfo *ki, uint32_t target, const struct node_store_committee *c)
{
    struct node_store_keyinfo_version *v = NULL;
    for (uint8_t i = 0; i < ki->n_versions; i++) {
        if (ki->versions[i].version == target) {
            v = &ki->versions[i];
        }
    }
    if (v == NULL) {
        if (ki->n_versions == NODE_STORE_KEYINFO_MAX_VERSIONS) { /* drop the oldest (RETIRED) */
            memmove(&ki->versions[0], &ki->versions[1],
                    (ki->n_versions - 1u) * sizeof ki->versions[0]);
            ki->n_versions--;
        }
        v = &ki->versions[ki->n_versions++];
        memset(v, 0, sizeof *v);
        v->version = target;
    }
    if (c->n == 0 || c->n > NODE_STORE_KEYINFO_MAX_PARTIES || c->threshold > c->n) {
        return MPC_ERR_INVALID_ARG;
    }
    v->state = NODE_STORE_KEY_VERSION_ACTIVE;
    v->threshold = (uint16_t)c->threshold;
    v->n_participants = (uint16_t)c->n;
    for (size_t i = 0; i < c->n; i++) {
        snprintf(v->participants[i], sizeof v->participants[i], "%s", c->ids[i]);
    }
    ki->active_version = target;
    return node_store_keyinfo_validate(ki);
}

/* Writes the lost marker when self is in c and holds no share of target. */
static mpc_status
mark_lost(node_store_txn *txn, const struct node_store_keyinfo *ki, const char *wallet,
          uint32_t target, const struct node_store_committee *c, const char *self)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t *rec = NULL, when[8];
    size_t len = 0;
    int member = 0;
    for (size_t i = 0; i < c->n; i++) {
        member |= strcmp(c->ids[i], self) == 0;
    }
    mpc_status st = node_store_name_share(name, sizeof name, ki->key_type, wallet, target);
    if (!member || st != MPC_OK) {
        return st;
    }
    st = node_store_txn_get(txn, name, &rec, &len);
    mpc_secure_free(rec);
    if (st != MPC_ERR_NOT_FOUND) {
        return st; /* MPC_OK: the share is there, nothing is lost */
    }
    mpc_put_u64le(when, mpc_clock_wall_ms());
    st = node_store_name_lost(name, sizeof name, ki->key_type, wallet, target);
    return st == MPC_OK ? node_store_txn_put(txn, name, when, sizeof when) : st;
}

/* Reads and checks the keyinfo inside txn. */
static mpc_status
txn_keyinfo(node_store_txn *txn, int key_type, const char *wallet, struct node_store_keyinfo *ki)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t *buf = NULL;
    size_t len = 0;
    mpc_status st = node_store_name_keyinfo(name, sizeof name, key_type, wallet);
    if (st == MPC_OK) {
        st = node_store_txn_get(txn, name, &buf, &len);
    }
    if (st == MPC_OK) {
        st = node_store_keyinfo_decode(ki, buf, len);
    }
    mpc_secure_free(buf);
    return st;
}

mpc_status
node_store_keys_catch_up(node_store *s, int key_type, const char *wallet, const uint8_t *pk,
                         size_t pk_len, uint32_t version, const struct node_store_committee *c,
                         const char *self, int *changed)
{
    if (changed != NULL) {
        *changed = 0;
    }
    if (s == NULL || wallet == NULL || pk == NULL || c == NULL || c->ids == NULL || self == NULL ||
        changed == NULL || version == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    struct node_store_keyinfo *ki = calloc(1, sizeof *ki);
    node_store_txn *txn = NULL;
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t buf[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    int wiped = 0;
    mpc_status st = ki == NULL ? MPC_ERR_NOMEM : node_store_txn_begin(s, &txn);
    if (st == MPC_OK) {
        st = txn_keyinfo(txn, key_type, wallet, ki);
    }
    if (st == MPC_OK && (ki->public_key_len != pk_len || memcmp(ki->public_key, pk, pk_len) != 0)) {
        st = MPC_ERR_BAD_GROUP_KEY;
    }
    int todo = st == MPC_OK && ki->active_version < version;
    if (todo) {
        st = retire_older(txn, ki, wallet, version, &wiped);
        if (st == MPC_OK) {
            st = set_active(ki, version, c);
        }
        if (st == MPC_OK) {
            st = mark_lost(txn, ki, wallet, version, c, self);
        }
        if (st == MPC_OK) {
            st = node_store_name_keyinfo(name, sizeof name, key_type, wallet);
        }
        if (st == MPC_OK) {
            st = node_store_keyinfo_encode(buf, sizeof buf, &len, ki);
        }
        if (st == MPC_OK) {
            st = node_store_txn_put(txn, name, buf, len);
        }
    }
    if (st == MPC_OK && todo) {
        st = node_store_txn_commit(&txn);
        *changed = st == MPC_OK;
    }
    node_store_txn_abort(&txn);
    free(ki);
    if (st == MPC_OK && wiped && node_store_compact_if_due(s) != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "store", "catch_up_compact_failed", "wallet=%s", wallet);
    }
    return st;
}

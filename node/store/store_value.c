/*
 * store_value.c — the key store's record values: the name rule and the
 * sealed value format. A value is u8 format || nonce || ciphertext || tag,
 * sealed under the store key with associated data "mpc-node/store/v1\0" ||
 * format || name, so a value moved to another name or format does not open.
 * Format 1 (NODE_STORE_FORMAT_SEALED) is every record; format 2
 * (NODE_STORE_FORMAT_ERASABLE) is a share whose plaintext is itself sealed
 * under a record key of the keyring (store_erase.c).
 */
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "node/store/store_internal.h"

#define STORE_FORMAT 1u
#define STORE_AD_TAG "mpc-node/store/v1" /* followed by its NUL in the AD */
#define STORE_AD_MAX (sizeof(STORE_AD_TAG) + 1 + NODE_STORE_NAME_MAX)

int
node_store_name_is_valid(const char *name)
{
    if (name == NULL) {
        return 0;
    }
    size_t n = 0;
    for (; name[n] != '\0'; n++) {
        if (n >= NODE_STORE_NAME_MAX || name[n] <= 0x20 || name[n] >= 0x7f) {
            return 0;
        }
    }
    return n > 0;
}

/* Builds the associated data for name in format fmt. Returns its length. */
static size_t
build_ad(uint8_t *ad, uint8_t fmt, const char *name)
{
    size_t tag = sizeof(STORE_AD_TAG); /* includes the NUL */
    size_t n = strlen(name);
    memcpy(ad, STORE_AD_TAG, tag);
    ad[tag] = fmt;
    memcpy(ad + tag + 1, name, n);
    return tag + 1 + n;
}

/* Seals data for name into a malloc'ed value buffer (store_internal.h). */
mpc_status
node_store_value_seal(const uint8_t *key, const char *name, const uint8_t *data, size_t len,
                      uint8_t **val, size_t *val_len)
{
    return node_store_value_seal_fmt(key, STORE_FORMAT, name, data, len, val, val_len);
}

uint8_t
node_store_value_format(const MDB_val *v)
{
    return v->mv_size > 0 ? ((const uint8_t *)v->mv_data)[0] : 0;
}

mpc_status
node_store_value_seal_fmt(const uint8_t *key, uint8_t fmt, const char *name, const uint8_t *data,
                          size_t len, uint8_t **val, size_t *val_len)
{
    *val = NULL;
    *val_len = 0;
    uint8_t ad[STORE_AD_MAX];
    size_t ad_len = build_ad(ad, fmt, name);
    size_t cap = 1 + len + NODE_STORE_SEAL_OVERHEAD;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    buf[0] = fmt;
    size_t blob_len = 0;
    mpc_status st = node_store_seal(buf + 1, cap - 1, &blob_len, key, ad, ad_len, data, len);
    if (st != MPC_OK) {
        free(buf);
        return st;
    }
    *val = buf;
    *val_len = 1 + blob_len;
    return MPC_OK;
}

/* Opens a value read from LMDB into fresh secure memory (store_internal.h). */
mpc_status
node_store_value_open(const uint8_t *key, const char *name, const MDB_val *v, uint8_t **out,
                      size_t *out_len)
{
    const uint8_t *p = v->mv_data;
    if (v->mv_size < 1 + NODE_STORE_SEAL_OVERHEAD ||
        (p[0] != NODE_STORE_FORMAT_SEALED && p[0] != NODE_STORE_FORMAT_ERASABLE) ||
        v->mv_size - 1 - NODE_STORE_SEAL_OVERHEAD > NODE_STORE_VALUE_MAX) {
        return MPC_ERR_CORRUPT;
    }
    size_t pt_len = v->mv_size - 1 - NODE_STORE_SEAL_OVERHEAD;
    uint8_t *buf = mpc_secure_alloc(pt_len > 0 ? pt_len : 1);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    uint8_t ad[STORE_AD_MAX];
    size_t ad_len = build_ad(ad, p[0], name);
    mpc_status st = node_store_unseal(buf, pt_len, out_len, key, ad, ad_len, p + 1, v->mv_size - 1);
    if (st != MPC_OK) {
        mpc_secure_free(buf);
        return MPC_ERR_CORRUPT;
    }
    *out = buf;
    return MPC_OK;
}

/*
 * sid.c — session id derivation (node/client/sid.h): BLAKE2b-128 over the
 * length-prefixed fields.
 */
#include "node/client/sid.h"

#include <string.h>

#include <sodium.h>

#include "session/protocol.h"

_Static_assert(NODE_CLIENT_SID_BYTES == SESSION_SID_LEN, "sid lengths agree");

/* Hashes u32be(len) || s. Returns 0 on failure. */
static int
sid_field(crypto_generichash_state *h, const char *s)
{
    size_t n = strlen(s);
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    if (n == 0 || n > UINT32_MAX) {
        return 0;
    }
    return crypto_generichash_update(h, len, sizeof len) == 0 &&
           crypto_generichash_update(h, (const uint8_t *)s, n) == 0;
}

mpc_status
node_client_sid_derive(uint8_t sid[NODE_CLIENT_SID_BYTES], const char *op, const char *key_type,
                       const char *wallet_id, const char *request_id)
{
    crypto_generichash_state h;
    if (sid == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(sid, 0, NODE_CLIENT_SID_BYTES);
    if (op == NULL || key_type == NULL || wallet_id == NULL || request_id == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    int ok = crypto_generichash_init(&h, NULL, 0, NODE_CLIENT_SID_BYTES) == 0 &&
             sid_field(&h, op) && sid_field(&h, key_type) && sid_field(&h, wallet_id) &&
             sid_field(&h, request_id) &&
             crypto_generichash_final(&h, sid, NODE_CLIENT_SID_BYTES) == 0;
    if (!ok) {
        memset(sid, 0, NODE_CLIENT_SID_BYTES);
        return MPC_ERR_INVALID_ARG;
    }
    return MPC_OK;
}

mpc_status
node_client_sid_bind_version(uint8_t sid[NODE_CLIENT_SID_BYTES], uint32_t key_version)
{
    static const char tag[] = "mpc-node/sid/key-version/v1";
    uint8_t ver[4] = {(uint8_t)(key_version >> 24), (uint8_t)(key_version >> 16),
                      (uint8_t)(key_version >> 8), (uint8_t)key_version};
    crypto_generichash_state h;
    if (sid == NULL || key_version == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t out[NODE_CLIENT_SID_BYTES];
    int ok = crypto_generichash_init(&h, NULL, 0, NODE_CLIENT_SID_BYTES) == 0 &&
             crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1) == 0 &&
             crypto_generichash_update(&h, sid, NODE_CLIENT_SID_BYTES) == 0 &&
             crypto_generichash_update(&h, ver, sizeof ver) == 0 &&
             crypto_generichash_final(&h, out, sizeof out) == 0;
    if (!ok) {
        return MPC_ERR_CRYPTO;
    }
    memcpy(sid, out, NODE_CLIENT_SID_BYTES);
    return MPC_OK;
}

mpc_status
node_client_sid_bind_presig(uint8_t sid[NODE_CLIENT_SID_BYTES], const uint8_t presig_id[32])
{
    static const char tag[] = "mpc-node/sid/presig/v1";
    crypto_generichash_state h;
    if (sid == NULL || presig_id == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t out[NODE_CLIENT_SID_BYTES];
    int ok = crypto_generichash_init(&h, NULL, 0, NODE_CLIENT_SID_BYTES) == 0 &&
             crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1) == 0 &&
             crypto_generichash_update(&h, sid, NODE_CLIENT_SID_BYTES) == 0 &&
             crypto_generichash_update(&h, presig_id, 32) == 0 &&
             crypto_generichash_final(&h, out, sizeof out) == 0;
    if (!ok) {
        return MPC_ERR_CRYPTO;
    }
    memcpy(sid, out, NODE_CLIENT_SID_BYTES);
    return MPC_OK;
}

static void
put_be(uint8_t *out, uint64_t v, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++) {
        out[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    }
}

mpc_status
node_client_sid_bind_attempt(uint8_t sid[NODE_CLIENT_SID_BYTES], const char *const *ids,
                             const uint64_t *incarnations, size_t n, uint32_t attempt)
{
    static const char tag[] = "mpc-node/sid/attempt/v1";
    crypto_generichash_state h;
    uint8_t b4[4], b8[8], out[NODE_CLIENT_SID_BYTES];
    if (sid == NULL || ids == NULL || incarnations == NULL || n == 0 || n > UINT32_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == NULL || ids[i][0] == '\0') {
            return MPC_ERR_INVALID_ARG;
        }
    }
    put_be(b4, n, 4);
    int ok = crypto_generichash_init(&h, NULL, 0, NODE_CLIENT_SID_BYTES) == 0 &&
             crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1) == 0 &&
             crypto_generichash_update(&h, sid, NODE_CLIENT_SID_BYTES) == 0 &&
             crypto_generichash_update(&h, b4, sizeof b4) == 0;
    for (size_t i = 0; i < n && ok; i++) {
        put_be(b8, incarnations[i], 8);
        ok = sid_field(&h, ids[i]) && crypto_generichash_update(&h, b8, sizeof b8) == 0;
    }
    put_be(b4, attempt, 4);
    ok = ok && crypto_generichash_update(&h, b4, sizeof b4) == 0 &&
         crypto_generichash_final(&h, out, sizeof out) == 0;
    if (!ok) {
        return MPC_ERR_CRYPTO;
    }
    memcpy(sid, out, NODE_CLIENT_SID_BYTES);
    return MPC_OK;
}

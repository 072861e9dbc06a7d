/*
 * results.c — Result encoding and the request-log entry (node/client/results.h).
 */
#include "node/client/results.h"

#include <stdlib.h>
#include <string.h>

#define ENTRY_HEADER 4u /* format, count, reserved */

mpc_status
node_client_result_encode(const struct node_client_result_info *in, uint8_t **out, size_t *out_len)
{
    Mpc__Result r = MPC__RESULT__INIT;
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (in == NULL || out == NULL || out_len == NULL || in->request_id == NULL ||
        in->node_id == NULL || (in->n_participants > 0 && in->participants == NULL) ||
        (in->public_key == NULL && in->public_key_len > 0) ||
        (in->signature == NULL && in->signature_len > 0) ||
        (in->ecdsa_rs != NULL && in->recovery_id > 3)) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t compact[65];
    if (in->ecdsa_rs != NULL) {
        memcpy(compact, in->ecdsa_rs, 64);
        compact[64] = (uint8_t)in->recovery_id;
        r.ecdsa_r.data = compact;
        r.ecdsa_r.len = 32;
        r.ecdsa_s.data = compact + 32;
        r.ecdsa_s.len = 32;
        r.recovery_id = in->recovery_id;
        r.ecdsa_compact.data = compact;
        r.ecdsa_compact.len = 65;
    }
    r.request_id = (char *)in->request_id;
    r.op = (Mpc__Op)in->op;
    r.key_type = (Mpc__KeyType)in->key_type;
    r.wallet_id = (char *)(in->wallet_id != NULL ? in->wallet_id : "");
    r.status_code = (uint32_t)in->status;
    r.status_name = (char *)mpc_status_name(in->status);
    r.error_text = (char *)(in->status == MPC_OK ? ""
                            : in->error_text != NULL && in->error_text[0] != '\0'
                                ? in->error_text
                                : mpc_status_str(in->status));
    r.failed_round = in->failed_round;
    r.failed_peer = (char *)(in->failed_peer != NULL ? in->failed_peer : "");
    r.public_key.data = (uint8_t *)in->public_key;
    r.public_key.len = in->public_key_len;
    r.eddsa_signature.data = (uint8_t *)in->signature;
    r.eddsa_signature.len = in->signature_len;
    r.key_version = in->key_version;
    r.n_participants = in->n_participants;
    r.participants = (char **)in->participants;
    r.threshold = in->threshold;
    r.node_id = (char *)in->node_id;
    r.finished_at_ms = in->finished_at_ms;
    r.duration_ms = in->duration_ms;
    size_t len = mpc__result__get_packed_size(&r);
    *out = malloc(len + 1);
    if (*out == NULL) {
        return MPC_ERR_NOMEM;
    }
    *out_len = mpc__result__pack(&r, *out);
    return MPC_OK;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

mpc_status
node_client_results_entry_encode(const char *client_id, const uint8_t *const *results,
                                 const size_t *lens, size_t count, uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || !node_client_id_is_valid(client_id) || count == 0 ||
        count > NODE_CLIENT_RESULTS_MAX || results == NULL || lens == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t clen = strlen(client_id);
    size_t total = ENTRY_HEADER + 1 + clen;
    for (size_t i = 0; i < count; i++) {
        if (results[i] == NULL && lens[i] > 0) {
            return MPC_ERR_INVALID_ARG;
        }
        if (lens[i] > NODE_CLIENT_RESULTS_ENTRY_MAX) {
            return MPC_ERR_BUFFER_TOO_SMALL;
        }
        total += 4 + lens[i];
    }
    if (total > NODE_CLIENT_RESULTS_ENTRY_MAX) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t *b = malloc(total);
    if (b == NULL) {
        return MPC_ERR_NOMEM;
    }
    b[0] = NODE_CLIENT_RESULTS_FORMAT;
    b[1] = (uint8_t)count;
    b[2] = 0;
    b[3] = 0;
    b[4] = (uint8_t)clen;
    memcpy(b + 5, client_id, clen);
    size_t off = 5 + clen;
    for (size_t i = 0; i < count; i++) {
        put_u32(b + off, (uint32_t)lens[i]);
        if (lens[i] > 0) {
            memcpy(b + off + 4, results[i], lens[i]);
        }
        off += 4 + lens[i];
    }
    *out = b;
    *out_len = total;
    return MPC_OK;
}

void
node_client_results_entry_clear(struct node_client_results_entry *e)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < NODE_CLIENT_RESULTS_MAX; i++) {
        free(e->results[i]);
    }
    memset(e, 0, sizeof *e);
}

/* Decodes the results part; Returns MPC_OK or MPC_ERR_CORRUPT / MPC_ERR_NOMEM. */
static mpc_status
entry_decode_results(struct node_client_results_entry *e, const uint8_t *in, size_t len, size_t off,
                     size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (len - off < 4) {
            return MPC_ERR_CORRUPT;
        }
        size_t rl = get_u32(in + off);
        off += 4;
        if (rl > len - off) {
            return MPC_ERR_CORRUPT;
        }
        Mpc__Result *r = mpc__result__unpack(NULL, rl, in + off);
        if (r == NULL) {
            return MPC_ERR_CORRUPT;
        }
        mpc__result__free_unpacked(r, NULL);
        e->results[i] = malloc(rl + 1);
        if (e->results[i] == NULL) {
            return MPC_ERR_NOMEM;
        }
        if (rl > 0) {
            memcpy(e->results[i], in + off, rl);
        }
        e->lens[i] = rl;
        e->count = i + 1;
        off += rl;
    }
    return off == len ? MPC_OK : MPC_ERR_CORRUPT;
}

mpc_status
node_client_results_entry_decode(struct node_client_results_entry *e, const uint8_t *in, size_t len)
{
    if (e == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(e, 0, sizeof *e);
    if (in == NULL && len > 0) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len < ENTRY_HEADER + 1 || in[0] != NODE_CLIENT_RESULTS_FORMAT || in[1] == 0 ||
        in[1] > NODE_CLIENT_RESULTS_MAX || in[2] != 0 || in[3] != 0) {
        return MPC_ERR_CORRUPT;
    }
    size_t clen = in[4];
    if (clen == 0 || clen > NODE_CLIENT_REQUEST_CLIENT_MAX || len - 5 < clen ||
        memchr(in + 5, 0, clen) != NULL) { /* a NUL would cut the id short: not canonical */
        return MPC_ERR_CORRUPT;
    }
    memcpy(e->client_id, in + 5, clen);
    e->client_id[clen] = '\0';
    if (!node_client_id_is_valid(e->client_id)) {
        memset(e, 0, sizeof *e);
        return MPC_ERR_CORRUPT;
    }
    mpc_status st = entry_decode_results(e, in, len, 5 + clen, in[1]);
    if (st != MPC_OK) {
        node_client_results_entry_clear(e);
    }
    return st;
}

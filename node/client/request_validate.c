/*
 * request_validate.c — the field checks of a decoded Request
 * (node_client_request_validate, node/client/request.h): ids, clock window,
 * operation fields, committee lists; and node_client_request_lists_node.
 */
#include "node/client/request.h"

#include <stdio.h>
#include <string.h>

#include "node/client/request_internal.h"

/* ---------------------------------------------------------------- validation */

/* Checks a participant list: syntax, known, unique. n == 0 is allowed (= default). */
static mpc_status
req_check_parties(const struct node_client_request_policy *pol, char *const *ids, size_t n,
                  char *err, size_t cap)
{
    char why[96];
    if (n > NODE_CLIENT_REQUEST_PARTIES_MAX) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "too many participants");
    }
    for (size_t i = 0; i < n; i++) {
        if (!node_client_node_id_is_valid(ids[i])) {
            return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "participant id malformed");
        }
        if (node_config_peers_find(pol->peers, ids[i]) == NULL) {
            snprintf(why, sizeof why, "participant %s is not a known node", ids[i]);
            return node_client_req_fail(err, cap, MPC_ERR_UNKNOWN_PARTICIPANT, why);
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(ids[k], ids[i]) == 0) {
                snprintf(why, sizeof why, "participant %s listed twice", ids[i]);
                return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, why);
            }
        }
    }
    return MPC_OK;
}

static mpc_status
req_check_threshold(uint32_t k, size_t n, char *err, size_t cap)
{
    if (k < 2 || k > n) {
        char why[96];
        snprintf(why, sizeof why, "threshold %u outside 2..%zu", k, n);
        return node_client_req_fail(err, cap, MPC_ERR_BAD_THRESHOLD, why);
    }
    return MPC_OK;
}

static int
req_key_type_ok(int kt)
{
    return kt == MPC__KEY_TYPE__KEY_TYPE_ED25519 || kt == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 ||
           kt == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR;
}

/* The Taproot fields (request.proto 8, 9): only on secp256k1-tr, root empty or 32 bytes;
 * a Taproot sign has one message (no batch); a derivation path applies to the internal key. */
static mpc_status
req_validate_taproot(const Mpc__SignRequest *s, char *err, size_t cap)
{
    int tr = s->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR;
    if (!tr && (s->taproot_merkle_root.len > 0 || s->taproot_untweaked)) {
        return node_client_req_fail(err, cap, MPC_ERR_TR_NOT_TAPROOT,
                                    "taproot fields need key type secp256k1-tr");
    }
    if (!tr) {
        return MPC_OK;
    }
    if (s->n_messages > 0) {
        return node_client_req_fail(err, cap, MPC_ERR_TR_PATH_BATCH,
                                    "taproot keys sign one message (no batch)");
    }
    if (s->taproot_merkle_root.len != 0 && s->taproot_merkle_root.len != 32) {
        return node_client_req_fail(err, cap, MPC_ERR_TR_ROOT,
                                    "taproot merkle root must be empty or 32 bytes");
    }
    if (s->taproot_untweaked && s->taproot_merkle_root.len > 0) {
        return node_client_req_fail(err, cap, MPC_ERR_TR_UNTWEAKED_ROOT,
                                    "taproot_untweaked excludes a merkle root");
    }
    if (s->message.len != 32) {
        return node_client_req_fail(err, cap, MPC_ERR_TR_MSG,
                                    "taproot signing needs a 32-byte sighash");
    }
    return MPC_OK;
}

static mpc_status
req_validate_keygen(const struct node_client_request_policy *pol, const Mpc__KeygenRequest *k,
                    char *err, size_t cap)
{
    if (k->n_key_types == 0 || k->n_key_types > 2) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID,
                                    "keygen needs one or two key types");
    }
    for (size_t i = 0; i < k->n_key_types; i++) {
        if (!req_key_type_ok((int)k->key_types[i]) ||
            (i == 1 && k->key_types[0] == k->key_types[1])) {
            return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID,
                                        "key type invalid or repeated");
        }
    }
    mpc_status st = req_check_parties(pol, k->participants, k->n_participants, err, cap);
    if (st != MPC_OK) {
        return st;
    }
    size_t n = k->n_participants != 0 ? k->n_participants : node_config_peers_count(pol->peers);
    return req_check_threshold(k->threshold, n, err, cap);
}

/* Returns: 1 if the n bytes at p are all zero. */
static int
req_all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= p[i];
    }
    return acc == 0;
}

/* A batch (field messages): 1..max_batch entries, each valid alone; one bad entry refuses all. */
static mpc_status
req_validate_batch(const struct node_client_request_policy *pol, const Mpc__SignRequest *s,
                   char *err, size_t cap)
{
    uint32_t max = pol->max_batch != 0 ? pol->max_batch : NODE_CLIENT_REQUEST_BATCH_MAX;
    int ecdsa = s->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    char why[128];
    if (s->message.len != 0) {
        return node_client_req_fail(err, cap, MPC_ERR_BATCH_MIXED,
                                    "message and messages are exclusive");
    }
    if (s->n_messages > max || s->n_messages > NODE_CLIENT_REQUEST_BATCH_MAX) {
        snprintf(why, sizeof why, "%zu messages in one batch, at most %u", s->n_messages, max);
        return node_client_req_fail(err, cap, MPC_ERR_BATCH_TOO_MANY, why);
    }
    for (size_t i = 0; i < s->n_messages; i++) {
        size_t len = s->messages[i].len;
        if (ecdsa && len != 32) {
            snprintf(why, sizeof why,
                     "batch entry %zu: %zu bytes, ECDSA needs a 32-byte digest (nothing signed)", i,
                     len);
            return node_client_req_fail(err, cap, MPC_ERR_BATCH_DIGEST_LEN, why);
        }
        if (len == 0 || len > NODE_CLIENT_REQUEST_MSG_MAX) {
            snprintf(why, sizeof why, "batch entry %zu empty or too long", i);
            return node_client_req_fail(err, cap, MPC_ERR_BATCH_ENTRY_INVALID, why);
        }
        if (ecdsa && req_all_zero(s->messages[i].data, 32)) {
            snprintf(why, sizeof why, "batch entry %zu: the digest is all zero", i);
            return node_client_req_fail(err, cap, MPC_ERR_REQ_ZERO_DIGEST, why);
        }
    }
    return MPC_OK;
}

static mpc_status
req_validate_sign(const struct node_client_request_policy *pol, const Mpc__SignRequest *s,
                  char *err, size_t cap)
{
    if (!req_key_type_ok((int)s->key_type)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "key type invalid");
    }
    if (s->n_messages > 0) {
        mpc_status bst = req_validate_batch(pol, s, err, cap);
        if (bst != MPC_OK) {
            return bst;
        }
    } else if (s->message.len == 0 || s->message.len > NODE_CLIENT_REQUEST_MSG_MAX) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "message empty or too long");
    }
    if (s->n_messages == 0 && s->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 &&
        s->message.len != 32) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "ECDSA needs a 32-byte digest");
    }
    /* No hash function outputs zeros: such a "digest" is a forgery aid, not a message. */
    if (s->n_messages == 0 && s->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 &&
        req_all_zero(s->message.data, 32)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_ZERO_DIGEST,
                                    "the digest to sign is all zero");
    }
    mpc_status st = req_validate_taproot(s, err, cap);
    if (st == MPC_OK) {
        st = req_check_parties(pol, s->signers, s->n_signers, err, cap);
    }
    if (st == MPC_OK && s->n_signers == 1) {
        st = node_client_req_fail(err, cap, MPC_ERR_BAD_THRESHOLD, "a single signer cannot sign");
    }
    return st;
}

static mpc_status
req_validate_reshare(const struct node_client_request_policy *pol, const Mpc__ReshareRequest *r,
                     char *err, size_t cap)
{
    if (!req_key_type_ok((int)r->key_type)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "key type invalid");
    }
    mpc_status st = req_check_parties(pol, r->new_participants, r->n_new_participants, err, cap);
    if (st != MPC_OK) {
        return st;
    }
    size_t n =
        r->n_new_participants != 0 ? r->n_new_participants : node_config_peers_count(pol->peers);
    return req_check_threshold(r->new_threshold, n, err, cap);
}

/*
 * The replay window: created_at within now +/- max_age (a captured request
 * cannot be replayed later, and the request log only has to remember ids for
 * that long), a bounded expiry, and not expired.
 */
static mpc_status
req_check_clock(const struct node_client_request_policy *pol, const Mpc__Request *r, char *err,
                size_t cap)
{
    if (pol->now_ms == 0) {
        return MPC_OK;
    }
    uint64_t age = pol->max_age_ms != 0 ? pol->max_age_ms : NODE_CLIENT_REQUEST_MAX_AGE_MS;
    uint64_t longest =
        pol->max_expiry_ms != 0 ? pol->max_expiry_ms : NODE_CLIENT_REQUEST_MAX_EXPIRY_MS;
    uint64_t c = r->created_at_ms, now = pol->now_ms;
    if ((c < now && now - c > age) || (c > now && c - now > age)) {
        char why[96];
        snprintf(why, sizeof why, "created %s than %llu ms from now",
                 c < now ? "longer ago" : "more", (unsigned long long)age);
        return node_client_req_fail(err, cap, MPC_ERR_REQ_STALE, why);
    }
    if (r->expires_at_ms != 0 && (r->expires_at_ms < c || r->expires_at_ms - c > longest)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_EXPIRY_TOO_LONG,
                                    "expires_at before created_at or beyond the longest expiry");
    }
    if (r->expires_at_ms != 0 && r->expires_at_ms < now) {
        return node_client_req_fail(err, cap, MPC_ERR_EXPIRED, "request expired");
    }
    return MPC_OK;
}

mpc_status
node_client_request_validate(const struct node_client_request_policy *pol, const Mpc__Request *r,
                             char *err, size_t cap)
{
    if (pol == NULL || r == NULL || pol->peers == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (!node_client_request_id_is_valid(r->request_id)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "request_id malformed");
    }
    if (!node_client_id_is_valid(r->client_id)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "client_id malformed");
    }
    mpc_status st = req_check_clock(pol, r, err, cap);
    if (st != MPC_OK) {
        return st;
    }
    const char *wallet = NULL;
    switch (r->body_case) {
    case MPC__REQUEST__BODY_KEYGEN:
        wallet = r->keygen->wallet_id;
        break;
    case MPC__REQUEST__BODY_SIGN:
        wallet = r->sign->wallet_id;
        break;
    case MPC__REQUEST__BODY_RESHARE:
        wallet = r->reshare->wallet_id;
        break;
    default:
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "request has no operation");
    }
    if (!node_client_wallet_id_is_valid(wallet)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "wallet_id malformed");
    }
    if (r->body_case == MPC__REQUEST__BODY_KEYGEN) {
        return req_validate_keygen(pol, r->keygen, err, cap);
    }
    if (r->body_case == MPC__REQUEST__BODY_SIGN) {
        return req_validate_sign(pol, r->sign, err, cap);
    }
    return req_validate_reshare(pol, r->reshare, err, cap);
}

/* Returns: 1 if node_id is in ids[0..n). */
static int
req_listed(char *const *ids, size_t n, const char *node_id)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ids[i], node_id) == 0) {
            return 1;
        }
    }
    return 0;
}

int
node_client_request_lists_node(const Mpc__Request *r, const node_config_peers *peers,
                               const char *node_id)
{
    if (r == NULL || node_id == NULL) {
        return 0;
    }
    switch (r->body_case) {
    case MPC__REQUEST__BODY_KEYGEN:
        if (r->keygen->n_participants == 0) {
            return node_config_peers_find(peers, node_id) != NULL;
        }
        return req_listed(r->keygen->participants, r->keygen->n_participants, node_id);
    case MPC__REQUEST__BODY_SIGN:
        return r->sign->n_signers == 0 || req_listed(r->sign->signers, r->sign->n_signers, node_id);
    case MPC__REQUEST__BODY_RESHARE:
        if (r->reshare->n_new_participants == 0) {
            return node_config_peers_find(peers, node_id) != NULL;
        }
        return req_listed(r->reshare->new_participants, r->reshare->n_new_participants, node_id);
    default:
        return 0;
    }
}

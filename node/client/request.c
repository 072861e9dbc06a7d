/*
 * request.c — signing, opening and validating client requests (node/client/request.h).
 *
 * Check order of node_client_request_open: size, outer decoding, inner decoding
 * (so that even a rejected request can be answered on its result subject),
 * signature presence, initiator key, initiator signature, approvals, fields.
 */
#include "node/client/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define REQ_DOMAIN_LEN      (sizeof NODE_CLIENT_REQUEST_DOMAIN)  /* includes the NUL */
#define APPROVAL_DOMAIN_LEN (sizeof NODE_CLIENT_APPROVAL_DOMAIN) /* includes the NUL */

int
node_client_id_is_valid(const char *s)
{
    size_t n = 0;
    if (s == NULL) {
        return 0;
    }
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (!ok || n >= NODE_CLIENT_REQUEST_CLIENT_MAX) {
            return 0;
        }
    }
    return n > 0;
}

const char *
node_client_request_op_name(int op)
{
    switch (op) {
    case MPC__OP__OP_KEYGEN:
        return "keygen";
    case MPC__OP__OP_SIGN:
        return "sign";
    case MPC__OP__OP_RESHARE:
        return "reshare";
    default:
        return "unknown";
    }
}

/* Returns: malloc'ed domain || data, or NULL. */
static uint8_t *
req_prefixed(const char *domain, size_t dlen, const uint8_t *data, size_t len, size_t *out_len)
{
    uint8_t *buf = malloc(dlen + len + 1);
    if (buf == NULL) {
        return NULL;
    }
    memcpy(buf, domain, dlen);
    if (len > 0) {
        memcpy(buf + dlen, data, len);
    }
    *out_len = dlen + len;
    return buf;
}

static mpc_status
req_sign_domain(const node_store_identity *id, uint8_t sig[64], const char *domain, size_t dlen,
                const uint8_t *req, size_t len)
{
    size_t n = 0;
    if (sig != NULL) {
        memset(sig, 0, 64);
    }
    if (id == NULL || sig == NULL || (req == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *buf = req_prefixed(domain, dlen, req, len, &n);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = node_store_identity_sign(id, sig, buf, n);
    free(buf);
    return st;
}

mpc_status
node_client_request_sign(const node_store_identity *initiator, uint8_t sig[64], const uint8_t *req,
                         size_t req_len)
{
    return req_sign_domain(initiator, sig, NODE_CLIENT_REQUEST_DOMAIN, REQ_DOMAIN_LEN, req,
                           req_len);
}

mpc_status
node_client_request_approve(const node_store_identity *authorizer, uint8_t sig[64],
                            const uint8_t *req, size_t req_len)
{
    return req_sign_domain(authorizer, sig, NODE_CLIENT_APPROVAL_DOMAIN, APPROVAL_DOMAIN_LEN, req,
                           req_len);
}

/* Returns: 1 if sig verifies over domain || data under pk. */
static int
req_verify(const uint8_t *sig, const uint8_t *pk, const char *domain, size_t dlen,
           const uint8_t *data, size_t len)
{
    size_t n = 0;
    uint8_t *buf = req_prefixed(domain, dlen, data, len, &n);
    if (buf == NULL) {
        return 0;
    }
    int ok = crypto_sign_verify_detached(sig, buf, n, pk) == 0;
    free(buf);
    return ok;
}

mpc_status
node_client_request_build(const Mpc__Request *req, const node_store_identity *initiator,
                          const node_store_identity *const *approvers, size_t n, uint8_t **out,
                          size_t *out_len)
{
    Mpc__SignedRequest sr = MPC__SIGNED_REQUEST__INIT;
    Mpc__Approval ap[NODE_CLIENT_REQUEST_APPROVALS_MAX];
    Mpc__Approval *app[NODE_CLIENT_REQUEST_APPROVALS_MAX];
    uint8_t sigs[NODE_CLIENT_REQUEST_APPROVALS_MAX][64];
    uint8_t sig[64];
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (req == NULL || initiator == NULL || out == NULL || out_len == NULL ||
        n > NODE_CLIENT_REQUEST_APPROVALS_MAX || (n > 0 && approvers == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t rlen = mpc__request__get_packed_size(req);
    uint8_t *rbuf = malloc(rlen + 1);
    if (rbuf == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc__request__pack(req, rbuf);
    mpc_status st = node_client_request_sign(initiator, sig, rbuf, rlen);
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        mpc__approval__init(&ap[i]);
        st = node_client_request_approve(approvers[i], sigs[i], rbuf, rlen);
        ap[i].public_key.data = (uint8_t *)node_store_identity_public_key(approvers[i]);
        ap[i].public_key.len = 32;
        ap[i].signature.data = sigs[i];
        ap[i].signature.len = 64;
        app[i] = &ap[i];
    }
    if (st == MPC_OK) {
        sr.request.data = rbuf;
        sr.request.len = rlen;
        sr.initiator_public_key.data = (uint8_t *)node_store_identity_public_key(initiator);
        sr.initiator_public_key.len = 32;
        sr.signature.data = sig;
        sr.signature.len = 64;
        sr.n_approvals = n;
        sr.approvals = n > 0 ? app : NULL;
        size_t len = mpc__signed_request__get_packed_size(&sr);
        *out = malloc(len + 1);
        if (*out == NULL) {
            st = MPC_ERR_NOMEM;
        } else {
            *out_len = mpc__signed_request__pack(&sr, *out);
        }
    }
    free(rbuf);
    return st;
}

/* ---------------------------------------------------------------- node side */

static mpc_status
req_fail(char *err, size_t cap, mpc_status st, const char *why)
{
    if (err != NULL && cap > 0) {
        snprintf(err, cap, "%s", why);
    }
    return st;
}

/* Copies s into dst if valid(s), else leaves dst "". */
static void
req_copy_id(char *dst, size_t cap, const char *s, int (*valid)(const char *))
{
    if (valid(s) && strlen(s) < cap) {
        memcpy(dst, s, strlen(s) + 1);
    }
}

static void
req_fill_ids(struct node_client_request_ids *ids, const Mpc__Request *r)
{
    req_copy_id(ids->request_id, sizeof ids->request_id, r->request_id,
                node_client_request_id_is_valid);
    req_copy_id(ids->client_id, sizeof ids->client_id, r->client_id, node_client_id_is_valid);
    const char *wallet = NULL;
    switch (r->body_case) {
    case MPC__REQUEST__BODY_KEYGEN:
        ids->op = MPC__OP__OP_KEYGEN;
        wallet = r->keygen->wallet_id;
        ids->key_type = r->keygen->n_key_types > 0 ? (int)r->keygen->key_types[0] : 0;
        break;
    case MPC__REQUEST__BODY_SIGN:
        ids->op = MPC__OP__OP_SIGN;
        wallet = r->sign->wallet_id;
        ids->key_type = (int)r->sign->key_type;
        break;
    case MPC__REQUEST__BODY_RESHARE:
        ids->op = MPC__OP__OP_RESHARE;
        wallet = r->reshare->wallet_id;
        ids->key_type = (int)r->reshare->key_type;
        break;
    default:
        break;
    }
    if (ids->key_type != MPC__KEY_TYPE__KEY_TYPE_ED25519 &&
        ids->key_type != MPC__KEY_TYPE__KEY_TYPE_SECP256K1) {
        ids->key_type = 0;
    }
    req_copy_id(ids->wallet_id, sizeof ids->wallet_id, wallet, node_client_wallet_id_is_valid);
}

/* Returns: 1 if pk is one of keys[0..n). */
static int
req_key_listed(const uint8_t *pk, const uint8_t (*keys)[32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (sodium_memcmp(pk, keys[i], 32) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Counts valid approvals by distinct configured authorizers. */
static mpc_status
req_check_approvals(const struct node_client_request_policy *pol, const Mpc__SignedRequest *sr,
                    char *err, size_t cap)
{
    uint8_t counted[NODE_CLIENT_REQUEST_APPROVALS_MAX] = {0};
    uint32_t valid = 0;
    if (pol->n_authorizers == 0) {
        return MPC_OK;
    }
    if (sr->n_approvals > NODE_CLIENT_REQUEST_APPROVALS_MAX) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "too many approvals");
    }
    for (size_t i = 0; i < sr->n_approvals; i++) {
        const Mpc__Approval *a = sr->approvals[i];
        if (a->public_key.len != 32 || a->signature.len != 64) {
            continue;
        }
        for (size_t k = 0; k < pol->n_authorizers && k < NODE_CLIENT_REQUEST_APPROVALS_MAX; k++) {
            if (counted[k] || sodium_memcmp(a->public_key.data, pol->authorizers[k], 32) != 0) {
                continue;
            }
            if (req_verify(a->signature.data, pol->authorizers[k], NODE_CLIENT_APPROVAL_DOMAIN,
                           APPROVAL_DOMAIN_LEN, sr->request.data, sr->request.len)) {
                counted[k] = 1;
                valid++;
            }
        }
    }
    if (valid < pol->approvals_required) {
        char why[96];
        snprintf(why, sizeof why, "%u of %u required approvals", valid, pol->approvals_required);
        return req_fail(err, cap, MPC_ERR_REQ_UNAUTHORIZED, why);
    }
    return MPC_OK;
}

/* Signature presence, initiator, signature. */
static mpc_status
req_check_initiator(const struct node_client_request_policy *pol, const Mpc__SignedRequest *sr,
                    char *err, size_t cap)
{
    if (sr->initiator_public_key.len == 0 || sr->signature.len == 0) {
        return req_fail(err, cap, MPC_ERR_REQ_UNSIGNED, "request carries no signature");
    }
    if (sr->initiator_public_key.len != 32 || sr->signature.len != 64) {
        return req_fail(err, cap, MPC_ERR_REQ_MALFORMED, "bad initiator key or signature size");
    }
    if (!req_key_listed(sr->initiator_public_key.data, pol->initiators, pol->n_initiators)) {
        return req_fail(err, cap, MPC_ERR_REQ_UNKNOWN_INITIATOR, "initiator key not configured");
    }
    if (!req_verify(sr->signature.data, sr->initiator_public_key.data, NODE_CLIENT_REQUEST_DOMAIN,
                    REQ_DOMAIN_LEN, sr->request.data, sr->request.len)) {
        return req_fail(err, cap, MPC_ERR_REQ_BAD_SIGNATURE, "initiator signature invalid");
    }
    return MPC_OK;
}

mpc_status
node_client_request_open(const struct node_client_request_policy *pol, const uint8_t *data,
                         size_t len, Mpc__Request **req, struct node_client_request_ids *ids,
                         char *err, size_t err_cap)
{
    struct node_client_request_ids scratch;
    if (req != NULL) {
        *req = NULL;
    }
    if (ids == NULL) {
        ids = &scratch;
    }
    memset(ids, 0, sizeof *ids);
    if (err != NULL && err_cap > 0) {
        err[0] = '\0';
    }
    if (pol == NULL || req == NULL || (data == NULL && len > 0) || pol->initiators == NULL ||
        pol->n_initiators == 0 || pol->peers == NULL ||
        (pol->n_authorizers > 0 && pol->authorizers == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t max = pol->max_bytes != 0 ? pol->max_bytes : NODE_CLIENT_REQUEST_MAX_BYTES;
    if (len > max) {
        return req_fail(err, err_cap, MPC_ERR_REQ_TOO_LARGE, "request larger than the limit");
    }
    Mpc__SignedRequest *sr = mpc__signed_request__unpack(NULL, len, data);
    if (sr == NULL) {
        return req_fail(err, err_cap, MPC_ERR_REQ_MALFORMED, "SignedRequest does not decode");
    }
    Mpc__Request *r = mpc__request__unpack(NULL, sr->request.len, sr->request.data);
    mpc_status st = MPC_OK;
    if (r == NULL) {
        st = req_fail(err, err_cap, MPC_ERR_REQ_MALFORMED, "Request does not decode");
    } else {
        req_fill_ids(ids, r);
        st = req_check_initiator(pol, sr, err, err_cap);
    }
    if (st == MPC_OK) {
        ids->authenticated = 1;
        st = req_check_approvals(pol, sr, err, err_cap);
    }
    if (st == MPC_OK) {
        st = node_client_request_validate(pol, r, err, err_cap);
    }
    mpc__signed_request__free_unpacked(sr, NULL);
    if (st != MPC_OK) {
        if (r != NULL) {
            mpc__request__free_unpacked(r, NULL);
        }
        return st;
    }
    *req = r;
    return MPC_OK;
}

/* ---------------------------------------------------------------- validation */

/* Checks a participant list: syntax, known, unique. n == 0 is allowed (= default). */
static mpc_status
req_check_parties(const struct node_client_request_policy *pol, char *const *ids, size_t n,
                  char *err, size_t cap)
{
    char why[96];
    if (n > NODE_CLIENT_REQUEST_PARTIES_MAX) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "too many participants");
    }
    for (size_t i = 0; i < n; i++) {
        if (!node_client_node_id_is_valid(ids[i])) {
            return req_fail(err, cap, MPC_ERR_REQ_INVALID, "participant id malformed");
        }
        if (node_config_peers_find(pol->peers, ids[i]) == NULL) {
            snprintf(why, sizeof why, "participant %s is not a known node", ids[i]);
            return req_fail(err, cap, MPC_ERR_UNKNOWN_PARTICIPANT, why);
        }
        for (size_t k = 0; k < i; k++) {
            if (strcmp(ids[k], ids[i]) == 0) {
                snprintf(why, sizeof why, "participant %s listed twice", ids[i]);
                return req_fail(err, cap, MPC_ERR_REQ_INVALID, why);
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
        return req_fail(err, cap, MPC_ERR_BAD_THRESHOLD, why);
    }
    return MPC_OK;
}

static int
req_key_type_ok(int kt)
{
    return kt == MPC__KEY_TYPE__KEY_TYPE_ED25519 || kt == MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
}

static mpc_status
req_validate_keygen(const struct node_client_request_policy *pol, const Mpc__KeygenRequest *k,
                    char *err, size_t cap)
{
    if (k->n_key_types == 0 || k->n_key_types > 2) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "keygen needs one or two key types");
    }
    for (size_t i = 0; i < k->n_key_types; i++) {
        if (!req_key_type_ok((int)k->key_types[i]) ||
            (i == 1 && k->key_types[0] == k->key_types[1])) {
            return req_fail(err, cap, MPC_ERR_REQ_INVALID, "key type invalid or repeated");
        }
    }
    mpc_status st = req_check_parties(pol, k->participants, k->n_participants, err, cap);
    if (st != MPC_OK) {
        return st;
    }
    size_t n = k->n_participants != 0 ? k->n_participants : node_config_peers_count(pol->peers);
    return req_check_threshold(k->threshold, n, err, cap);
}

static mpc_status
req_validate_sign(const struct node_client_request_policy *pol, const Mpc__SignRequest *s,
                  char *err, size_t cap)
{
    if (!req_key_type_ok((int)s->key_type)) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "key type invalid");
    }
    if (s->message.len == 0 || s->message.len > NODE_CLIENT_REQUEST_MSG_MAX) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "message empty or too long");
    }
    if (s->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 && s->message.len != 32) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "ECDSA needs a 32-byte digest");
    }
    mpc_status st = req_check_parties(pol, s->signers, s->n_signers, err, cap);
    if (st == MPC_OK && s->n_signers == 1) {
        st = req_fail(err, cap, MPC_ERR_BAD_THRESHOLD, "a single signer cannot sign");
    }
    return st;
}

static mpc_status
req_validate_reshare(const struct node_client_request_policy *pol, const Mpc__ReshareRequest *r,
                     char *err, size_t cap)
{
    if (!req_key_type_ok((int)r->key_type)) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "key type invalid");
    }
    mpc_status st = req_check_parties(pol, r->new_participants, r->n_new_participants, err, cap);
    if (st != MPC_OK) {
        return st;
    }
    size_t n =
        r->n_new_participants != 0 ? r->n_new_participants : node_config_peers_count(pol->peers);
    return req_check_threshold(r->new_threshold, n, err, cap);
}

mpc_status
node_client_request_validate(const struct node_client_request_policy *pol, const Mpc__Request *r,
                             char *err, size_t cap)
{
    if (pol == NULL || r == NULL || pol->peers == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (!node_client_request_id_is_valid(r->request_id)) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "request_id malformed");
    }
    if (!node_client_id_is_valid(r->client_id)) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "client_id malformed");
    }
    if (r->expires_at_ms != 0 && pol->now_ms != 0 && r->expires_at_ms < pol->now_ms) {
        return req_fail(err, cap, MPC_ERR_EXPIRED, "request expired");
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
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "request has no operation");
    }
    if (!node_client_wallet_id_is_valid(wallet)) {
        return req_fail(err, cap, MPC_ERR_REQ_INVALID, "wallet_id malformed");
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

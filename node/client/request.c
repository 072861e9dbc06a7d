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

#include "node/client/request_internal.h"

#define REQ_DOMAIN_LEN      (sizeof NODE_CLIENT_REQUEST_DOMAIN)  /* includes the NUL */
#define APPROVAL_DOMAIN_LEN (sizeof NODE_CLIENT_APPROVAL_DOMAIN) /* includes the NUL */

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

/* Encodes any protobuf message. Out: *out malloc'ed (free()), *out_len. */
static mpc_status
req_pack(const ProtobufCMessage *m, uint8_t **out, size_t *out_len)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    *out = malloc(len + 1);
    if (*out == NULL) {
        return MPC_ERR_NOMEM;
    }
    *out_len = protobuf_c_message_pack(m, *out);
    return MPC_OK;
}

/* Clears the (out, out_len) pair of a client-side encoder; 0 if both are non-NULL. */
static int
req_out_clear(uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    return out == NULL || out_len == NULL;
}

mpc_status
node_client_request_encode(const Mpc__Request *req, uint8_t **out, size_t *out_len)
{
    if (req_out_clear(out, out_len) || req == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    return req_pack(&req->base, out, out_len);
}

mpc_status
node_client_request_seal(const node_store_identity *initiator, const uint8_t *req, size_t req_len,
                         uint8_t **out, size_t *out_len)
{
    Mpc__SignedRequest sr = MPC__SIGNED_REQUEST__INIT;
    uint8_t sig[64];
    if (req_out_clear(out, out_len) || req == NULL || req_len == 0) {
        return MPC_ERR_INVALID_ARG;
    }
    sr.request.data = (uint8_t *)req;
    sr.request.len = req_len;
    if (initiator != NULL) {
        mpc_status st = node_client_request_sign(initiator, sig, req, req_len);
        if (st != MPC_OK) {
            return st;
        }
        sr.initiator_public_key.data = (uint8_t *)node_store_identity_public_key(initiator);
        sr.initiator_public_key.len = 32;
        sr.signature.data = sig;
        sr.signature.len = 64;
    }
    return req_pack(&sr.base, out, out_len);
}

/* Fills a (borrowing) Approval of req bytes by authorizer. sig and digest: caller storage. */
static mpc_status
req_approval_fill(const node_store_identity *authorizer, const uint8_t *req, size_t req_len,
                  uint8_t sig[64], uint8_t digest[32], Mpc__Approval *a)
{
    mpc__approval__init(a);
    mpc_status st = node_client_request_approve(authorizer, sig, req, req_len);
    if (st != MPC_OK) {
        return st;
    }
    crypto_hash_sha256(digest, req, req_len);
    a->public_key.data = (uint8_t *)node_store_identity_public_key(authorizer);
    a->public_key.len = 32;
    a->signature.data = sig;
    a->signature.len = 64;
    a->request_sha256.data = digest;
    a->request_sha256.len = 32;
    return MPC_OK;
}

mpc_status
node_client_approval_create(const node_store_identity *authorizer, const uint8_t *signed_req,
                            size_t len, uint8_t **out, size_t *out_len)
{
    Mpc__Approval a;
    uint8_t sig[64], digest[32];
    if (req_out_clear(out, out_len) || authorizer == NULL || signed_req == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__SignedRequest *sr = mpc__signed_request__unpack(NULL, len, signed_req);
    if (sr == NULL || sr->request.len == 0) {
        if (sr != NULL) {
            mpc__signed_request__free_unpacked(sr, NULL);
        }
        return MPC_ERR_REQ_MALFORMED;
    }
    mpc_status st =
        req_approval_fill(authorizer, sr->request.data, sr->request.len, sig, digest, &a);
    if (st == MPC_OK) {
        st = req_pack(&a.base, out, out_len);
    }
    mpc__signed_request__free_unpacked(sr, NULL);
    return st;
}

/* Returns: 1 if a has the sizes of an approval (key 32, signature 64, label 0 or 32). */
static int
req_approval_sizes_ok(const Mpc__Approval *a)
{
    return a->public_key.len == 32 && a->signature.len == 64 &&
           (a->request_sha256.len == 0 || a->request_sha256.len == 32);
}

/* Appends approvals[0..n) to sr (decoded here; freed into dec[]) and encodes it. */
static mpc_status
req_attach_decoded(Mpc__SignedRequest *sr, const uint8_t *const *approvals, const size_t *lens,
                   size_t n, uint8_t **out, size_t *out_len)
{
    Mpc__Approval *all[NODE_CLIENT_REQUEST_APPROVALS_MAX];
    Mpc__Approval *dec[NODE_CLIENT_REQUEST_APPROVALS_MAX] = {0};
    size_t total = 0;
    mpc_status st = MPC_OK;
    if (sr->n_approvals + n > NODE_CLIENT_REQUEST_APPROVALS_MAX) {
        return MPC_ERR_REQ_INVALID;
    }
    for (size_t i = 0; i < sr->n_approvals; i++) {
        all[total++] = sr->approvals[i];
    }
    for (size_t i = 0; i < n && st == MPC_OK; i++) {
        dec[i] = approvals[i] != NULL ? mpc__approval__unpack(NULL, lens[i], approvals[i]) : NULL;
        st = dec[i] != NULL && req_approval_sizes_ok(dec[i]) ? MPC_OK : MPC_ERR_REQ_MALFORMED;
        all[total++] = dec[i];
    }
    if (st == MPC_OK) {
        Mpc__Approval **saved = sr->approvals;
        size_t n_saved = sr->n_approvals;
        sr->approvals = all;
        sr->n_approvals = total;
        st = req_pack(&sr->base, out, out_len);
        sr->approvals = saved;
        sr->n_approvals = n_saved;
    }
    for (size_t i = 0; i < n; i++) {
        if (dec[i] != NULL) {
            mpc__approval__free_unpacked(dec[i], NULL);
        }
    }
    return st;
}

mpc_status
node_client_request_attach(const uint8_t *signed_req, size_t len, const uint8_t *const *approvals,
                           const size_t *lens, size_t n, uint8_t **out, size_t *out_len)
{
    if (req_out_clear(out, out_len) || signed_req == NULL ||
        (n > 0 && (approvals == NULL || lens == NULL))) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__SignedRequest *sr = mpc__signed_request__unpack(NULL, len, signed_req);
    if (sr == NULL) {
        return MPC_ERR_REQ_MALFORMED;
    }
    mpc_status st = req_attach_decoded(sr, approvals, lens, n, out, out_len);
    mpc__signed_request__free_unpacked(sr, NULL);
    return st;
}

mpc_status
node_client_request_peek(const uint8_t *signed_req, size_t len, Mpc__Request **req)
{
    if (req != NULL) {
        *req = NULL;
    }
    if (req == NULL || signed_req == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__SignedRequest *sr = mpc__signed_request__unpack(NULL, len, signed_req);
    if (sr == NULL) {
        return MPC_ERR_REQ_MALFORMED;
    }
    *req = mpc__request__unpack(NULL, sr->request.len, sr->request.data);
    mpc__signed_request__free_unpacked(sr, NULL);
    return *req != NULL ? MPC_OK : MPC_ERR_REQ_MALFORMED;
}

mpc_status
node_client_request_msg_id(char *out, size_t cap, const uint8_t *signed_req, size_t len)
{
    uint8_t digest[32];
    if (out == NULL || cap <= NODE_CLIENT_REQUEST_MSG_ID_LEN || (signed_req == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    crypto_hash_sha256(digest, signed_req, len);
    sodium_bin2hex(out, cap, digest, sizeof digest);
    return MPC_OK;
}

mpc_status
node_client_request_digest(uint8_t digest[32], const uint8_t *signed_req, size_t len)
{
    if (digest != NULL) {
        memset(digest, 0, 32);
    }
    if (digest == NULL || signed_req == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__SignedRequest *sr = mpc__signed_request__unpack(NULL, len, signed_req);
    if (sr == NULL) {
        return MPC_ERR_REQ_MALFORMED;
    }
    crypto_hash_sha256(digest, sr->request.data, sr->request.len);
    mpc__signed_request__free_unpacked(sr, NULL);
    return MPC_OK;
}

mpc_status
node_client_request_build(const Mpc__Request *req, const node_store_identity *initiator,
                          const node_store_identity *const *approvers, size_t n, uint8_t **out,
                          size_t *out_len)
{
    Mpc__Approval ap[NODE_CLIENT_REQUEST_APPROVALS_MAX];
    Mpc__Approval *app[NODE_CLIENT_REQUEST_APPROVALS_MAX];
    uint8_t sigs[NODE_CLIENT_REQUEST_APPROVALS_MAX][64];
    uint8_t digests[NODE_CLIENT_REQUEST_APPROVALS_MAX][32];
    uint8_t *rbuf = NULL, *sealed = NULL;
    size_t rlen = 0, slen = 0;
    if (req_out_clear(out, out_len) || req == NULL || initiator == NULL ||
        n > NODE_CLIENT_REQUEST_APPROVALS_MAX || (n > 0 && approvers == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = node_client_request_encode(req, &rbuf, &rlen);
    if (st == MPC_OK) {
        st = node_client_request_seal(initiator, rbuf, rlen, &sealed, &slen);
    }
    for (size_t i = 0; st == MPC_OK && i < n; i++) {
        st = req_approval_fill(approvers[i], rbuf, rlen, sigs[i], digests[i], &ap[i]);
        app[i] = &ap[i];
    }
    Mpc__SignedRequest *sr = st == MPC_OK ? mpc__signed_request__unpack(NULL, slen, sealed) : NULL;
    if (sr != NULL) {
        sr->approvals = app; /* borrowed for the encoding, restored before the free */
        sr->n_approvals = n;
        st = req_pack(&sr->base, out, out_len);
        sr->approvals = NULL;
        sr->n_approvals = 0;
        mpc__signed_request__free_unpacked(sr, NULL);
    } else if (st == MPC_OK) {
        st = MPC_ERR_NOMEM;
    }
    free(sealed);
    free(rbuf);
    return st;
}

/* ---------------------------------------------------------------- node side */

mpc_status
node_client_req_fail(char *err, size_t cap, mpc_status st, const char *why)
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
        ids->key_type != MPC__KEY_TYPE__KEY_TYPE_SECP256K1 &&
        ids->key_type != MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR) {
        ids->key_type = 0;
    }
    req_copy_id(ids->wallet_id, sizeof ids->wallet_id, wallet, node_client_wallet_id_is_valid);
}

/* Returns: the index of pk in keys[0..n), or -1. */
static int
req_key_index(const uint8_t *pk, const uint8_t (*keys)[32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (sodium_memcmp(pk, keys[i], 32) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/*
 * Checks one approval by a configured authorizer: a label naming other bytes
 * is an approval of another request, else the signature must verify.
 */
static mpc_status
req_check_one_approval(const Mpc__Approval *a, const uint8_t *pk, const Mpc__SignedRequest *sr,
                       const uint8_t digest[32], char *err, size_t cap)
{
    if (a->request_sha256.len != 0 && sodium_memcmp(a->request_sha256.data, digest, 32) != 0) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_APPROVAL_MISMATCH,
                                    "an approval was made for another request");
    }
    if (!req_verify(a->signature.data, pk, NODE_CLIENT_APPROVAL_DOMAIN, APPROVAL_DOMAIN_LEN,
                    sr->request.data, sr->request.len)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_APPROVAL_FORGED,
                                    "an approval signature does not verify");
    }
    return MPC_OK;
}

/*
 * Counts valid approvals by distinct configured authorizers. An approval by
 * an unconfigured key does not count; one by a configured key that names
 * another request or does not verify refuses the request (its own code).
 */
static mpc_status
req_check_approvals(const struct node_client_request_policy *pol, const Mpc__SignedRequest *sr,
                    char *err, size_t cap)
{
    uint8_t counted[NODE_CLIENT_REQUEST_APPROVALS_MAX] = {0};
    uint8_t digest[32];
    uint32_t valid = 0;
    if (pol->n_authorizers == 0) {
        return MPC_OK;
    }
    if (sr->n_approvals > NODE_CLIENT_REQUEST_APPROVALS_MAX) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_INVALID, "too many approvals");
    }
    if (sr->n_approvals == 0 && pol->approvals_required > 0) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_NO_APPROVALS,
                                    "request carries no approvals");
    }
    crypto_hash_sha256(digest, sr->request.data, sr->request.len);
    for (size_t i = 0; i < sr->n_approvals; i++) {
        const Mpc__Approval *a = sr->approvals[i];
        if (!req_approval_sizes_ok(a)) {
            return node_client_req_fail(err, cap, MPC_ERR_REQ_MALFORMED, "approval sizes invalid");
        }
        size_t n_auth = pol->n_authorizers < NODE_CLIENT_REQUEST_APPROVALS_MAX
                            ? pol->n_authorizers
                            : NODE_CLIENT_REQUEST_APPROVALS_MAX;
        int k = req_key_index(a->public_key.data, pol->authorizers, n_auth);
        if (k < 0) {
            continue;
        }
        mpc_status st = req_check_one_approval(a, pol->authorizers[k], sr, digest, err, cap);
        if (st != MPC_OK) {
            return st;
        }
        valid += counted[k] ? 0u : 1u;
        counted[k] = 1;
    }
    if (valid < pol->approvals_required) {
        char why[96];
        snprintf(why, sizeof why, "%u of %u required approvals", valid, pol->approvals_required);
        return node_client_req_fail(err, cap, MPC_ERR_REQ_UNAUTHORIZED, why);
    }
    return MPC_OK;
}

/* Signature presence, initiator, signature. */
static mpc_status
req_check_initiator(const struct node_client_request_policy *pol, const Mpc__SignedRequest *sr,
                    char *err, size_t cap)
{
    if (sr->initiator_public_key.len == 0 || sr->signature.len == 0) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_UNSIGNED, "request carries no signature");
    }
    if (sr->initiator_public_key.len != 32 || sr->signature.len != 64) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_MALFORMED,
                                    "bad initiator key or signature size");
    }
    if (req_key_index(sr->initiator_public_key.data, pol->initiators, pol->n_initiators) < 0) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_UNKNOWN_INITIATOR,
                                    "initiator key not configured");
    }
    if (!req_verify(sr->signature.data, sr->initiator_public_key.data, NODE_CLIENT_REQUEST_DOMAIN,
                    REQ_DOMAIN_LEN, sr->request.data, sr->request.len)) {
        return node_client_req_fail(err, cap, MPC_ERR_REQ_BAD_SIGNATURE,
                                    "initiator signature invalid");
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
    ids->initiator = -1;
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
        return node_client_req_fail(err, err_cap, MPC_ERR_REQ_TOO_LARGE,
                                    "request larger than the limit");
    }
    Mpc__SignedRequest *sr = mpc__signed_request__unpack(NULL, len, data);
    if (sr == NULL) {
        return node_client_req_fail(err, err_cap, MPC_ERR_REQ_MALFORMED,
                                    "SignedRequest does not decode");
    }
    Mpc__Request *r = mpc__request__unpack(NULL, sr->request.len, sr->request.data);
    mpc_status st = MPC_OK;
    if (r == NULL) {
        st = node_client_req_fail(err, err_cap, MPC_ERR_REQ_MALFORMED, "Request does not decode");
    } else {
        req_fill_ids(ids, r);
        crypto_hash_sha256(ids->digest, sr->request.data, sr->request.len);
        st = req_check_initiator(pol, sr, err, err_cap);
    }
    if (st == MPC_OK) {
        ids->authenticated = 1;
        ids->initiator =
            req_key_index(sr->initiator_public_key.data, pol->initiators, pol->n_initiators);
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

/*
 * test_request.c — node/client/request.h: client-side signing and node-side opening
 * of SignedRequests. Every rejection class is checked for its own status
 * code; signatures are also produced/verified directly with libsodium over
 * the documented domain-prefixed bytes (an independent check of the format).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/hex.h"
#include "node/client/request.h"
#include "tests/support/node_fixture.h"

#define NPEERS 3
#define NAUTH  3

struct fx {
    char *dir;                             /* temp dir */
    node_config_peers *peers;              /* node-1..node-3 */
    node_store_identity *initiator;        /* configured initiator */
    node_store_identity *auth[NAUTH];      /* authorizers */
    uint8_t init_pk[1][32];                /* policy copy */
    uint8_t auth_pk[NAUTH][32];            /* policy copy */
    struct node_client_request_policy pol; /* policy under test */
    char err[256];                         /* last reason */
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char text[1024] = "", hex[65];
    f->dir = node_fixture_tmpdir_create();
    for (int i = 0; i < NPEERS; i++) {
        uint8_t pk[32], sk[64];
        crypto_sign_keypair(pk, sk);
        sodium_memzero(sk, sizeof sk);
        assert_int_equal(mpc_hex_encode(hex, sizeof hex, pk, 32), MPC_OK);
        snprintf(text + strlen(text), sizeof text - strlen(text), "node-%d %s\n", i + 1, hex);
    }
    char *path = node_fixture_path(f->dir, "peers");
    assert_int_equal(node_fixture_write(path, text, 0644), 0);
    assert_int_equal(node_config_peers_load(path, &f->peers, f->err, sizeof f->err), MPC_OK);
    free(path);
    assert_int_equal(node_store_identity_generate(&f->initiator), MPC_OK);
    memcpy(f->init_pk[0], node_store_identity_public_key(f->initiator), 32);
    for (int i = 0; i < NAUTH; i++) {
        assert_int_equal(node_store_identity_generate(&f->auth[i]), MPC_OK);
        memcpy(f->auth_pk[i], node_store_identity_public_key(f->auth[i]), 32);
    }
    f->pol.initiators = (const uint8_t(*)[32])f->init_pk;
    f->pol.n_initiators = 1;
    f->pol.peers = f->peers;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_config_peers_destroy(f->peers);
    node_store_identity_destroy(f->initiator);
    for (int i = 0; i < NAUTH; i++) {
        node_store_identity_destroy(f->auth[i]);
    }
    node_fixture_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* A valid keygen request (2-of-3 over all peers). */
struct req {
    Mpc__Request r;
    Mpc__KeygenRequest k;
    Mpc__SignRequest s;
    Mpc__ReshareRequest rs;
    Mpc__KeyType kt[3];
    char *parts[4];
};

static void
req_keygen(struct req *q)
{
    memset(q, 0, sizeof *q);
    mpc__request__init(&q->r);
    mpc__keygen_request__init(&q->k);
    q->r.request_id = "req-1";
    q->r.client_id = "cli_1";
    q->r.body_case = MPC__REQUEST__BODY_KEYGEN;
    q->r.keygen = &q->k;
    q->k.wallet_id = "wallet.A-1";
    q->kt[0] = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    q->k.key_types = q->kt;
    q->k.n_key_types = 1;
    q->k.threshold = 2;
}

static void
req_sign(struct req *q, const char *msg)
{
    memset(q, 0, sizeof *q);
    mpc__request__init(&q->r);
    mpc__sign_request__init(&q->s);
    q->r.request_id = "req-2";
    q->r.client_id = "cli_1";
    q->r.body_case = MPC__REQUEST__BODY_SIGN;
    q->r.sign = &q->s;
    q->s.wallet_id = "w";
    q->s.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    q->s.message.data = (uint8_t *)msg;
    q->s.message.len = strlen(msg);
}

static mpc_status
open_bytes(struct fx *f, const uint8_t *b, size_t len, struct node_client_request_ids *ids)
{
    Mpc__Request *out = NULL;
    mpc_status st = node_client_request_open(&f->pol, b, len, &out, ids, f->err, sizeof f->err);
    if (st == MPC_OK) {
        assert_non_null(out);
        mpc__request__free_unpacked(out, NULL);
    } else {
        assert_null(out);
        assert_true(f->err[0] != '\0');
    }
    return st;
}

/* Builds and opens q signed by the initiator with approvals from auth[0..n). */
static mpc_status
build_open(struct fx *f, struct req *q, size_t n_approvals, struct node_client_request_ids *ids)
{
    uint8_t *b = NULL;
    size_t len = 0;
    const node_store_identity *ap[NAUTH] = {f->auth[0], f->auth[1], f->auth[2]};
    assert_int_equal(node_client_request_build(&q->r, f->initiator, ap, n_approvals, &b, &len),
                     MPC_OK);
    mpc_status st = open_bytes(f, b, len, ids);
    free(b);
    return st;
}

/* Encodes a SignedRequest by hand: request bytes, key, signature (each may be empty). */
static uint8_t *
raw_signed(const uint8_t *req, size_t rlen, const uint8_t *pk, const uint8_t *sig, size_t *len)
{
    Mpc__SignedRequest sr = MPC__SIGNED_REQUEST__INIT;
    sr.request.data = (uint8_t *)req;
    sr.request.len = rlen;
    sr.initiator_public_key.data = (uint8_t *)pk;
    sr.initiator_public_key.len = pk != NULL ? 32 : 0;
    sr.signature.data = (uint8_t *)sig;
    sr.signature.len = sig != NULL ? 64 : 0;
    *len = mpc__signed_request__get_packed_size(&sr);
    uint8_t *out = malloc(*len + 1);
    mpc__signed_request__pack(&sr, out);
    return out;
}

static uint8_t *
pack_request(const Mpc__Request *r, size_t *len)
{
    *len = mpc__request__get_packed_size(r);
    uint8_t *b = malloc(*len + 1);
    mpc__request__pack(r, b);
    return b;
}

static void
test_request_open_accepts_signed_keygen(void **state)
{
    struct fx *f = *state;
    struct req q;
    struct node_client_request_ids ids;
    req_keygen(&q);
    assert_int_equal(build_open(f, &q, 0, &ids), MPC_OK);
    assert_string_equal(ids.request_id, "req-1");
    assert_string_equal(ids.client_id, "cli_1");
    assert_string_equal(ids.wallet_id, "wallet.A-1");
    assert_int_equal(ids.op, MPC__OP__OP_KEYGEN);
    assert_int_equal(ids.key_type, MPC__KEY_TYPE__KEY_TYPE_ED25519);
    assert_int_equal(ids.authenticated, 1);
}

static void
test_request_signature_format_independent(void **state)
{
    struct fx *f = *state;
    struct req q;
    size_t rlen = 0, len = 0;
    uint8_t sig[64], *b;
    req_keygen(&q);
    uint8_t *rb = pack_request(&q.r, &rlen);
    /* libsodium over "mpc-node/request/v1\0" || bytes is accepted ... */
    size_t mlen = 20 + rlen;
    uint8_t *m = malloc(mlen);
    memcpy(m, "mpc-node/request/v1", 20); /* includes the NUL */
    memcpy(m + 20, rb, rlen);
    crypto_sign_detached(sig, NULL, m, mlen, node_store_identity_secret_key(f->initiator));
    b = raw_signed(rb, rlen, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_OK);
    free(b);
    /* ... and node_client_request_sign produces a signature libsodium verifies the same way */
    assert_int_equal(node_client_request_sign(f->initiator, sig, rb, rlen), MPC_OK);
    assert_int_equal(crypto_sign_verify_detached(sig, m, mlen, f->init_pk[0]), 0);
    /* ... without the domain (or with the approval domain) it is rejected */
    crypto_sign_detached(sig, NULL, rb, rlen, node_store_identity_secret_key(f->initiator));
    b = raw_signed(rb, rlen, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_BAD_SIGNATURE);
    free(b);
    assert_int_equal(node_client_request_approve(f->initiator, sig, rb, rlen), MPC_OK);
    b = raw_signed(rb, rlen, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_BAD_SIGNATURE);
    free(b);
    free(m);
    free(rb);
}

static void
test_request_open_rejections(void **state)
{
    struct fx *f = *state;
    struct req q;
    struct node_client_request_ids ids;
    size_t rlen = 0, len = 0;
    uint8_t sig[64], *b;
    req_keygen(&q);
    uint8_t *rb = pack_request(&q.r, &rlen);
    /* unsigned: ids still decoded for the error result, not authenticated */
    b = raw_signed(rb, rlen, NULL, NULL, &len);
    assert_int_equal(open_bytes(f, b, len, &ids), MPC_ERR_REQ_UNSIGNED);
    assert_string_equal(ids.request_id, "req-1");
    assert_int_equal(ids.authenticated, 0);
    free(b);
    /* unknown initiator */
    node_store_identity *other = NULL;
    assert_int_equal(node_store_identity_generate(&other), MPC_OK);
    assert_int_equal(node_client_request_sign(other, sig, rb, rlen), MPC_OK);
    b = raw_signed(rb, rlen, node_store_identity_public_key(other), sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_UNKNOWN_INITIATOR);
    free(b);
    node_store_identity_destroy(other);
    /* bad signature: one bit of the signature, then one bit of the request */
    assert_int_equal(node_client_request_sign(f->initiator, sig, rb, rlen), MPC_OK);
    sig[10] ^= 0x04;
    b = raw_signed(rb, rlen, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_BAD_SIGNATURE);
    free(b);
    sig[10] ^= 0x04;
    rb[rlen - 1] ^= 0x01; /* threshold 2 -> 3: still decodes */
    b = raw_signed(rb, rlen, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_BAD_SIGNATURE);
    free(b);
    /* malformed: outer garbage, inner garbage */
    uint8_t junk[16];
    memset(junk, 0xff, sizeof junk);
    assert_int_equal(open_bytes(f, junk, sizeof junk, &ids), MPC_ERR_REQ_MALFORMED);
    assert_string_equal(ids.request_id, "");
    b = raw_signed(junk, sizeof junk, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_MALFORMED);
    free(b);
    /* oversized, also with a custom limit */
    uint8_t *big = calloc(1, NODE_CLIENT_REQUEST_MAX_BYTES + 1);
    assert_int_equal(open_bytes(f, big, NODE_CLIENT_REQUEST_MAX_BYTES + 1, NULL),
                     MPC_ERR_REQ_TOO_LARGE);
    free(big);
    f->pol.max_bytes = 8;
    assert_int_equal(open_bytes(f, rb, rlen, NULL), MPC_ERR_REQ_TOO_LARGE);
    f->pol.max_bytes = 0;
    free(rb);
}

static void
test_request_open_approvals(void **state)
{
    struct fx *f = *state;
    struct req q;
    req_keygen(&q);
    f->pol.authorizers = (const uint8_t(*)[32])f->auth_pk;
    f->pol.n_authorizers = NAUTH;
    f->pol.approvals_required = 2;
    assert_int_equal(build_open(f, &q, 0, NULL), MPC_ERR_REQ_NO_APPROVALS);
    assert_int_equal(build_open(f, &q, 1, NULL), MPC_ERR_REQ_UNAUTHORIZED);
    assert_int_equal(build_open(f, &q, 2, NULL), MPC_OK);
    assert_int_equal(build_open(f, &q, 3, NULL), MPC_OK);
    /* the same authorizer twice counts once */
    uint8_t *b = NULL;
    size_t len = 0;
    const node_store_identity *twice[2] = {f->auth[0], f->auth[0]};
    assert_int_equal(node_client_request_build(&q.r, f->initiator, twice, 2, &b, &len), MPC_OK);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_UNAUTHORIZED);
    free(b);
    /* an approval by an unconfigured key does not count */
    node_store_identity *other = NULL;
    assert_int_equal(node_store_identity_generate(&other), MPC_OK);
    const node_store_identity *mixed[2] = {f->auth[1], other};
    assert_int_equal(node_client_request_build(&q.r, f->initiator, mixed, 2, &b, &len), MPC_OK);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_UNAUTHORIZED);
    free(b);
    node_store_identity_destroy(other);
    f->pol.authorizers = NULL;
    f->pol.n_authorizers = 0;
    f->pol.approvals_required = 0;
}

static void
test_request_validate_keygen_fields(void **state)
{
    struct fx *f = *state;
    struct req q;
    char *e = f->err;
    size_t n = sizeof f->err;
    req_keygen(&q);
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.r.request_id = "bad/id";
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_keygen(&q);
    q.r.client_id = "a.b";
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_keygen(&q);
    q.k.wallet_id = "";
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_keygen(&q);
    q.r.body_case = MPC__REQUEST__BODY__NOT_SET;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_keygen(&q);
    q.k.n_key_types = 0;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    q.kt[1] = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    q.k.n_key_types = 2; /* repeated */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    q.kt[1] = MPC__KEY_TYPE__KEY_TYPE_SECP256K1; /* both types: valid */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.kt[1] = (Mpc__KeyType)7;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_keygen(&q);
    q.k.threshold = 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BAD_THRESHOLD);
    q.k.threshold = 4; /* > n = 3 peers */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BAD_THRESHOLD);
    q.k.threshold = 3;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.parts[0] = "node-1";
    q.parts[1] = "node-2";
    q.k.participants = q.parts;
    q.k.n_participants = 2;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BAD_THRESHOLD);
    q.k.threshold = 2;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.parts[1] = "node-9";
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    q.parts[1] = "node-1";
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    q.parts[1] = "no de";
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
}

static void
test_request_validate_sign_reshare_expiry(void **state)
{
    struct fx *f = *state;
    struct req q;
    char *e = f->err;
    size_t n = sizeof f->err;
    req_sign(&q, "msg");
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.s.message.len = 0;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    q.s.message.len = NODE_CLIENT_REQUEST_MSG_MAX + 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_sign(&q, "31 bytes, not a 32-byte digest!");
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_sign(&q, "msg");
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_UNSPECIFIED;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_INVALID);
    req_sign(&q, "msg");
    q.parts[0] = "node-2";
    q.s.signers = q.parts;
    q.s.n_signers = 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BAD_THRESHOLD);
    q.parts[1] = "node-7";
    q.s.n_signers = 2;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* reshare */
    memset(&q, 0, sizeof q);
    mpc__request__init(&q.r);
    mpc__reshare_request__init(&q.rs);
    q.r.request_id = "r";
    q.r.client_id = "c";
    q.r.body_case = MPC__REQUEST__BODY_RESHARE;
    q.r.reshare = &q.rs;
    q.rs.wallet_id = "w";
    q.rs.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    q.rs.new_threshold = 3;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.rs.new_threshold = 4;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BAD_THRESHOLD);
    /* expiry */
    q.rs.new_threshold = 2;
    q.r.expires_at_ms = 1000;
    f->pol.now_ms = 999;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    f->pol.now_ms = 1001;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_EXPIRED);
    f->pol.now_ms = 0;
}

static void
test_request_lists_node(void **state)
{
    struct fx *f = *state;
    struct req q;
    req_keygen(&q);
    assert_true(node_client_request_lists_node(&q.r, f->peers, "node-3"));
    assert_false(node_client_request_lists_node(&q.r, f->peers, "node-4"));
    q.parts[0] = "node-1";
    q.parts[1] = "node-2";
    q.k.participants = q.parts;
    q.k.n_participants = 2;
    assert_false(node_client_request_lists_node(&q.r, f->peers, "node-3"));
    req_sign(&q, "m");
    assert_true(node_client_request_lists_node(&q.r, f->peers, "node-3")); /* holders decide */
    q.parts[0] = "node-1";
    q.parts[1] = "node-2";
    q.s.signers = q.parts;
    q.s.n_signers = 2;
    assert_false(node_client_request_lists_node(&q.r, f->peers, "node-3"));
    assert_false(node_client_request_lists_node(NULL, f->peers, "node-3"));
}

/* Encodes and seals q (initiator signature, no approvals). Out: *len. */
static uint8_t *
sealed(struct fx *f, const struct req *q, size_t *len)
{
    uint8_t *rb = NULL, *out = NULL;
    size_t rlen = 0;
    assert_int_equal(node_client_request_encode(&q->r, &rb, &rlen), MPC_OK);
    assert_int_equal(node_client_request_seal(f->initiator, rb, rlen, &out, len), MPC_OK);
    free(rb);
    return out;
}

/* Opens sr with approvals a[0..n) attached. */
static mpc_status
open_attached(struct fx *f, const uint8_t *sr, size_t len, uint8_t *const *a, const size_t *alen,
              size_t n)
{
    uint8_t *b = NULL;
    size_t blen = 0;
    assert_int_equal(
        node_client_request_attach(sr, len, (const uint8_t *const *)a, alen, n, &b, &blen), MPC_OK);
    mpc_status st = open_bytes(f, b, blen, NULL);
    free(b);
    return st;
}

/* The derivation path (SignRequest field 6) is inside the signed bytes: a request whose path is
 * changed after signing (same length, still decodes) is refused on the signature. */
static void
test_request_derivation_path_is_signed(void **state)
{
    struct fx *f = *state;
    struct req q;
    size_t rlen = 0, len = 0;
    uint8_t sig[64], *b;
    req_sign(&q, "msg");
    q.s.derivation_path = (char *)"m/0/5";
    uint8_t *rb = pack_request(&q.r, &rlen);
    assert_int_equal(node_client_request_sign(f->initiator, sig, rb, rlen), MPC_OK);
    b = raw_signed(rb, rlen, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_OK);
    free(b);
    uint8_t *p = memmem(rb, rlen, "m/0/5", 5);
    assert_non_null(p);
    p[4] = '6'; /* m/0/6: a sibling's key */
    b = raw_signed(rb, rlen, f->init_pk[0], sig, &len);
    assert_int_equal(open_bytes(f, b, len, NULL), MPC_ERR_REQ_BAD_SIGNATURE);
    free(b);
    free(rb);
}

/* The saved-request flow of mpc-cli: seal, approve the sealed bytes, attach, open. */
static void
test_request_approval_flow(void **state)
{
    struct fx *f = *state;
    struct req q, other;
    uint8_t *a[3] = {NULL, NULL, NULL};
    size_t alen[3] = {0, 0, 0}, len = 0, olen = 0;
    req_sign(&q, "pay 5");
    req_sign(&other, "pay 5");
    other.r.request_id = "req-other";
    f->pol.authorizers = (const uint8_t(*)[32])f->auth_pk;
    f->pol.n_authorizers = NAUTH;
    f->pol.approvals_required = 2;
    uint8_t *sr = sealed(f, &q, &len), *osr = sealed(f, &other, &olen);
    Mpc__Request *peeked = NULL;
    assert_int_equal(node_client_request_peek(sr, len, &peeked), MPC_OK);
    assert_string_equal(peeked->request_id, "req-2");
    /* each approval verifies independently over the documented bytes */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(node_client_approval_create(f->auth[i], sr, len, &a[i], &alen[i]), MPC_OK);
        Mpc__Approval *ap = mpc__approval__unpack(NULL, alen[i], a[i]);
        size_t rlen = mpc__request__get_packed_size(peeked);
        uint8_t msg[512], digest[32];
        memcpy(msg, "mpc-node/approval/v1", 21);
        assert_int_equal(mpc__request__pack(peeked, msg + 21), rlen);
        assert_int_equal(
            crypto_sign_verify_detached(ap->signature.data, msg, 21 + rlen, f->auth_pk[i]), 0);
        crypto_hash_sha256(digest, msg + 21, rlen);
        assert_memory_equal(ap->request_sha256.data, digest, 32);
        mpc__approval__free_unpacked(ap, NULL);
    }
    mpc__request__free_unpacked(peeked, NULL);
    assert_int_equal(open_attached(f, sr, len, a, alen, 0), MPC_ERR_REQ_NO_APPROVALS);
    assert_int_equal(open_attached(f, sr, len, a, alen, 1), MPC_ERR_REQ_UNAUTHORIZED);
    assert_int_equal(open_attached(f, sr, len, a, alen, 2), MPC_OK);
    /* an approval of another request, with its label: its own code */
    assert_int_equal(node_client_approval_create(f->auth[2], osr, olen, &a[2], &alen[2]), MPC_OK);
    uint8_t *mixed[2] = {a[0], a[2]};
    size_t mixed_len[2] = {alen[0], alen[2]};
    assert_int_equal(open_attached(f, sr, len, mixed, mixed_len, 2), MPC_ERR_REQ_APPROVAL_MISMATCH);
    /* a forged signature (one bit flipped), the label intact */
    Mpc__Approval *ap = mpc__approval__unpack(NULL, alen[1], a[1]);
    ap->signature.data[7] ^= 0x20;
    uint8_t forged[256];
    size_t flen = mpc__approval__pack(ap, forged);
    uint8_t *fa[2] = {a[0], forged};
    size_t fa_len[2] = {alen[0], flen};
    assert_int_equal(open_attached(f, sr, len, fa, fa_len, 2), MPC_ERR_REQ_APPROVAL_FORGED);
    /* an approval of another request without the label is a forgery for this one */
    mpc__approval__free_unpacked(ap, NULL);
    ap = mpc__approval__unpack(NULL, alen[2], a[2]);
    ap->request_sha256.len = 0;
    flen = mpc__approval__pack(ap, forged);
    mpc__approval__free_unpacked(ap, NULL);
    assert_int_equal(open_attached(f, sr, len, fa, fa_len, 2), MPC_ERR_REQ_APPROVAL_FORGED);
    /* malformed approval bytes are refused when attaching */
    uint8_t *b = NULL;
    size_t blen = 0;
    const uint8_t *junk[1] = {(const uint8_t *)"\xff\xff"};
    size_t junk_len[1] = {2};
    assert_int_equal(node_client_request_attach(sr, len, junk, junk_len, 1, &b, &blen),
                     MPC_ERR_REQ_MALFORMED);
    assert_null(b);
    /* an unsealed request (no initiator) is refused as unsigned */
    uint8_t *rb = NULL, *un = NULL;
    size_t rlen = 0, ulen = 0;
    assert_int_equal(node_client_request_encode(&q.r, &rb, &rlen), MPC_OK);
    assert_int_equal(node_client_request_seal(NULL, rb, rlen, &un, &ulen), MPC_OK);
    assert_int_equal(open_bytes(f, un, ulen, NULL), MPC_ERR_REQ_UNSIGNED);
    assert_int_equal(node_client_approval_create(f->auth[0], (const uint8_t *)"\xff", 1, &b, &blen),
                     MPC_ERR_REQ_MALFORMED);
    assert_int_equal(node_client_request_peek((const uint8_t *)"\xff", 1, &peeked),
                     MPC_ERR_REQ_MALFORMED);
    assert_null(peeked);
    free(un);
    free(rb);
    for (int i = 0; i < 3; i++) {
        free(a[i]);
    }
    free(sr);
    free(osr);
}

/* The replay window: created_at within now +/- max_age, a bounded expiry. */
static void
test_request_replay_window(void **state)
{
    struct fx *f = *state;
    struct req q;
    char *e = f->err;
    size_t n = sizeof f->err;
    const uint64_t now = 1800000000000ull;
    req_sign(&q, "msg");
    f->pol.now_ms = now;
    q.r.created_at_ms = now - 1000;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.r.created_at_ms = now - NODE_CLIENT_REQUEST_MAX_AGE_MS; /* the edge of the default */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.r.created_at_ms = now - NODE_CLIENT_REQUEST_MAX_AGE_MS - 1; /* a replay of an old one */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_STALE);
    q.r.created_at_ms = 0; /* no creation time at all */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_STALE);
    q.r.created_at_ms = now + NODE_CLIENT_REQUEST_MAX_AGE_MS + 1; /* from the far future */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_STALE);
    f->pol.max_age_ms = 10000; /* configured */
    q.r.created_at_ms = now - 10001;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_STALE);
    q.r.created_at_ms = now - 9999;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    /* expiry: at most max_expiry after creation, not before it */
    q.r.created_at_ms = now;
    q.r.expires_at_ms = now + NODE_CLIENT_REQUEST_MAX_EXPIRY_MS;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.r.expires_at_ms = now + NODE_CLIENT_REQUEST_MAX_EXPIRY_MS + 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n),
                     MPC_ERR_REQ_EXPIRY_TOO_LONG);
    f->pol.max_expiry_ms = 60000;
    q.r.expires_at_ms = now + 60001;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n),
                     MPC_ERR_REQ_EXPIRY_TOO_LONG);
    q.r.expires_at_ms = now - 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n),
                     MPC_ERR_REQ_EXPIRY_TOO_LONG);
    q.r.created_at_ms = now - 5000; /* valid window, expired a moment ago */
    q.r.expires_at_ms = now - 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_EXPIRED);
    f->pol.now_ms = 0;
    f->pol.max_age_ms = 0;
    f->pol.max_expiry_ms = 0;
}

/* Batches (field messages): each refusal with its own code, one bad entry refuses the whole. */
static void
test_request_validate_batch(void **state)
{
    struct fx *f = *state;
    struct req q;
    char *e = f->err;
    size_t n = sizeof f->err;
    static uint8_t d[NODE_CLIENT_REQUEST_BATCH_MAX + 1][32];
    ProtobufCBinaryData m[NODE_CLIENT_REQUEST_BATCH_MAX + 1];
    for (size_t i = 0; i <= NODE_CLIENT_REQUEST_BATCH_MAX; i++) {
        memset(d[i], (int)i + 1, 32);
        m[i].data = d[i];
        m[i].len = 32;
    }
    req_sign(&q, "");
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    q.s.messages = m;
    q.s.n_messages = NODE_CLIENT_REQUEST_BATCH_MAX;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.s.n_messages = NODE_CLIENT_REQUEST_BATCH_MAX + 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BATCH_TOO_MANY);
    f->pol.max_batch = 8; /* the node's sign.max_batch */
    q.s.n_messages = 9;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BATCH_TOO_MANY);
    q.s.n_messages = 8;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    f->pol.max_batch = 0;
    m[5].len = 31; /* one entry of the wrong length: the whole batch */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BATCH_DIGEST_LEN);
    assert_non_null(strstr(e, "entry 5"));
    m[5].len = 32;
    memset(d[7], 0, 32);
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_ZERO_DIGEST);
    memset(d[7], 8, 32);
    q.s.message.data = d[0]; /* message and messages together */
    q.s.message.len = 32;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_BATCH_MIXED);
    q.s.message.len = 0;
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519; /* EdDSA: any non-empty message */
    m[3].len = 5;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    m[3].len = 0;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n),
                     MPC_ERR_BATCH_ENTRY_INVALID);
    m[3].len = NODE_CLIENT_REQUEST_MSG_MAX + 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n),
                     MPC_ERR_BATCH_ENTRY_INVALID);
}

/* The Taproot fields (request.proto 8, 9): each refusal with its own code. */
static void
test_request_validate_taproot(void **state)
{
    struct fx *f = *state;
    struct req q;
    uint8_t sighash[32], root[33];
    char *e = f->err;
    size_t n = sizeof f->err;
    memset(sighash, 7, sizeof sighash);
    memset(root, 9, sizeof root);
    req_sign(&q, "msg");
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR;
    q.s.message.data = sighash;
    q.s.message.len = 32;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK); /* BIP86 */
    q.s.taproot_merkle_root.data = root;
    q.s.taproot_merkle_root.len = 32;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.s.taproot_merkle_root.len = 33;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_ROOT);
    q.s.taproot_merkle_root.len = 31;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_ROOT);
    q.s.taproot_merkle_root.len = 32;
    q.s.taproot_untweaked = 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_UNTWEAKED_ROOT);
    q.s.taproot_merkle_root.len = 0;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.s.message.len = 31;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_MSG);
    q.s.message.len = 32;
    q.s.derivation_path = (char *)"m/0/5"; /* BIP32 on the internal key: allowed */
    q.s.taproot_untweaked = 0;
    q.s.taproot_merkle_root.len = 32;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    ProtobufCBinaryData batch[2] = {{32, sighash}, {32, root}};
    q.s.message.len = 0; /* a batch is not (one message each) */
    q.s.messages = batch;
    q.s.n_messages = 2;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_PATH_BATCH);
    q.s.derivation_path = (char *)"";
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_PATH_BATCH);
    q.s.messages = NULL;
    q.s.n_messages = 0;
    q.s.message.len = 32;
    q.s.taproot_merkle_root.len = 0;
    q.s.taproot_untweaked = 1;
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519; /* the fields belong to secp256k1-tr only */
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_NOT_TAPROOT);
    q.s.taproot_untweaked = 0;
    q.s.taproot_merkle_root.len = 32;
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_TR_NOT_TAPROOT);
    q.s.taproot_merkle_root.len = 0;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
}

/* A secp256k1 sign of the all-zero digest, a request id with '.', and what open reports. */
static void
test_request_zero_digest_dotted_id_and_ids(void **state)
{
    struct fx *f = *state;
    struct req q;
    uint8_t zero[32] = {0}, digest[32];
    char *e = f->err;
    size_t n = sizeof f->err;
    req_sign(&q, "msg");
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    q.s.message.data = zero;
    q.s.message.len = 32;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_ERR_REQ_ZERO_DIGEST);
    zero[31] = 1;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    q.s.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519; /* EdDSA signs messages, zeros included */
    zero[31] = 0;
    assert_int_equal(node_client_request_validate(&f->pol, &q.r, e, n), MPC_OK);
    /* a '.' in the request id: refused when opened, and the ids carry no request id */
    struct node_client_request_ids ids;
    req_sign(&q, "msg");
    q.r.request_id = "victim.1";
    assert_int_equal(build_open(f, &q, 0, &ids), MPC_ERR_REQ_INVALID);
    assert_true(ids.authenticated);
    assert_string_equal(ids.request_id, "");
    /* ids: the initiator's index and the digest of the Request bytes */
    size_t rlen = 0, len = 0;
    q.r.request_id = "req-9";
    uint8_t *rb = NULL;
    assert_int_equal(node_client_request_encode(&q.r, &rb, &rlen), MPC_OK);
    crypto_hash_sha256(digest, rb, rlen);
    free(rb);
    assert_int_equal(build_open(f, &q, 0, &ids), MPC_OK);
    assert_int_equal(ids.initiator, 0);
    assert_memory_equal(ids.digest, digest, 32);
    /* the Nats-Msg-Id is the hex SHA-256 of the signed bytes */
    uint8_t *sr = sealed(f, &q, &len);
    char id[NODE_CLIENT_REQUEST_MSG_ID_LEN + 1], want[65];
    assert_int_equal(node_client_request_msg_id(id, sizeof id, sr, len), MPC_OK);
    crypto_hash_sha256(digest, sr, len);
    sodium_bin2hex(want, sizeof want, digest, 32);
    assert_string_equal(id, want);
    assert_int_equal(node_client_request_msg_id(id, 64, sr, len), MPC_ERR_INVALID_ARG);
    /* the content digest results carry is that of the Request bytes inside */
    uint8_t inner[32];
    assert_int_equal(node_client_request_digest(inner, sr, len), MPC_OK);
    assert_memory_equal(inner, ids.digest, 32);
    assert_int_equal(node_client_request_digest(inner, (const uint8_t *)"\xff", 1),
                     MPC_ERR_REQ_MALFORMED);
    free(sr);
}

static void
test_request_bad_args(void **state)
{
    struct fx *f = *state;
    struct req q;
    uint8_t sig[64], *b = (uint8_t *)1;
    size_t len = 1;
    Mpc__Request *out = (Mpc__Request *)1;
    req_keygen(&q);
    assert_int_equal(node_client_request_sign(NULL, sig, (const uint8_t *)"x", 1),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_request_sign(f->initiator, NULL, (const uint8_t *)"x", 1),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_request_build(NULL, f->initiator, NULL, 0, &b, &len),
                     MPC_ERR_INVALID_ARG);
    assert_null(b);
    assert_int_equal(len, 0);
    assert_int_equal(node_client_request_build(&q.r, f->initiator, NULL, 1, &b, &len),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_request_open(NULL, (const uint8_t *)"x", 1, &out, NULL, NULL, 0),
                     MPC_ERR_INVALID_ARG);
    assert_null(out);
    struct node_client_request_policy p = f->pol;
    p.n_initiators = 0;
    assert_int_equal(node_client_request_open(&p, (const uint8_t *)"x", 1, &out, NULL, NULL, 0),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_request_validate(NULL, &q.r, NULL, 0), MPC_ERR_INVALID_ARG);
    assert_false(node_client_id_is_valid(NULL));
    assert_false(node_client_id_is_valid(""));
    assert_true(node_client_id_is_valid("A-z_0"));
    char long_id[NODE_CLIENT_REQUEST_CLIENT_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_false(node_client_id_is_valid(long_id));
    assert_string_equal(node_client_request_op_name(MPC__OP__OP_SIGN), "sign");
    assert_string_equal(node_client_request_op_name(99), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_open_accepts_signed_keygen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_signature_format_independent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_derivation_path_is_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_open_rejections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_open_approvals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_approval_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_replay_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_zero_digest_dotted_id_and_ids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_request_validate_keygen_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_validate_sign_reshare_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_validate_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_lists_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_validate_taproot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_bad_args, setup, teardown),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

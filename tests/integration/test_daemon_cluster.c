/*
 * test_daemon_cluster.c — three real mpc-node processes on a private
 * nats-server (127.0.0.1): ed25519 2-of-3 keygen, sign (checked with
 * libsodium crypto_sign_verify_detached), reshare to 3-of-3, sign again under
 * the same public key; every rejection class with its own status code;
 * duplicate request ids; HTTP and NATS status endpoints; SIGTERM drain
 * (exit 0) and a wrong store passphrase (exit 4, store file unchanged).
 * Latencies of keygen/sign/reshare are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/status.h"
#include "node/client/request.h"
#include "node/daemon.h"
#include "tests/support/daemon_cluster.h"
#include "tests/support/node_fixture.h"
#include "transport/nats_transport.h"

#define WAIT_MS 60000u

static dc_cluster g_c;
static const char *g_argv0;
static uint8_t g_pk[32];  /* group key of wallet w1 */
static int g_keygen_done; /* keygen succeeded */
static uint64_t g_seed;

/* Fills a keygen Request. Strings borrowed. */
static void
keygen_req(Mpc__Request *r, Mpc__KeygenRequest *k, const char *rid, const char *wallet, uint32_t t,
           Mpc__KeyType *types, size_t n_types, char **parts, size_t n_parts)
{
    mpc__request__init(r);
    mpc__keygen_request__init(k);
    r->request_id = (char *)rid;
    r->body_case = MPC__REQUEST__BODY_KEYGEN;
    r->keygen = k;
    k->wallet_id = (char *)wallet;
    k->threshold = t;
    k->key_types = types;
    k->n_key_types = n_types;
    k->participants = parts;
    k->n_participants = n_parts;
}

static void
sign_req(Mpc__Request *r, Mpc__SignRequest *s, const char *rid, const char *wallet, const char *msg,
         char **signers, size_t n)
{
    mpc__request__init(r);
    mpc__sign_request__init(s);
    r->request_id = (char *)rid;
    r->body_case = MPC__REQUEST__BODY_SIGN;
    r->sign = s;
    s->wallet_id = (char *)wallet;
    s->key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    s->message.data = (uint8_t *)msg;
    s->message.len = strlen(msg);
    s->signers = signers;
    s->n_signers = n;
}

/* Asserts every collected copy has status st and comes from a distinct node. */
static void
expect_all(const dc_results *res, size_t n, mpc_status st)
{
    assert_int_equal(res->count, n);
    for (size_t i = 0; i < res->count; i++) {
        if (res->r[i]->status_code != (uint32_t)st) {
            fprintf(stderr, "result from %s: %s (%s)\n", res->node[i], res->r[i]->status_name,
                    res->r[i]->error_text);
        }
        assert_int_equal(res->r[i]->status_code, st);
        assert_string_equal(res->r[i]->node_id, res->node[i]);
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(res->node[i], res->node[k]);
        }
    }
}

static void
dump_logs_on_failure(mpc_status st)
{
    if (st != MPC_OK) {
        for (size_t i = 0; i < g_c.n; i++) {
            dc_dump_log(&g_c, i);
        }
    }
}

/* Asserts a sign that named no signers was signed: every copy from a distinct
 * node, each a success or MPC_ERR_NOT_SELECTED (the cluster chose `threshold`
 * live holders, docs/DESIGN.md §4.4), and at least t successes. */
static void
expect_signed(const dc_results *res, size_t n, size_t t)
{
    size_t ok = 0;
    assert_int_equal(res->count, n);
    for (size_t i = 0; i < res->count; i++) {
        uint32_t st = res->r[i]->status_code;
        assert_true(st == MPC_OK || st == MPC_ERR_NOT_SELECTED);
        ok += st == MPC_OK;
        assert_string_equal(res->r[i]->node_id, res->node[i]);
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(res->node[i], res->node[k]);
        }
    }
    assert_true(ok >= t);
}

/* Signs msg and checks every copy's signature with libsodium against g_pk
 * (naming no signers, n == 0: `min_ok` successes, the other holders
 * MPC_ERR_NOT_SELECTED). Returns: the latency from publish to the last copy, in ms. */
static uint64_t
sign_and_verify_t(const char *rid, const char *msg, char **signers, size_t n, size_t expect,
                  size_t min_ok, const char *label)
{
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results res;
    uint64_t ms = 0;
    sign_req(&r, &s, rid, "w1", msg, signers, n);
    mpc_status st = dc_request(&g_c, &r, NULL, expect, WAIT_MS, &res, &ms);
    dump_logs_on_failure(st);
    assert_int_equal(st, MPC_OK);
    if (n > 0) {
        expect_all(&res, expect, MPC_OK);
    } else {
        expect_signed(&res, expect, min_ok);
    }
    for (size_t i = 0; i < res.count; i++) {
        if (res.r[i]->status_code == MPC_ERR_NOT_SELECTED) {
            continue;
        }
        assert_int_equal(res.r[i]->eddsa_signature.len, 64);
        assert_int_equal(res.r[i]->public_key.len, 32);
        assert_memory_equal(res.r[i]->public_key.data, g_pk, 32);
        assert_int_equal(crypto_sign_verify_detached(res.r[i]->eddsa_signature.data,
                                                     (const uint8_t *)msg, strlen(msg), g_pk),
                         0);
    }
    if (label != NULL) {
        printf("latency %s: %llu ms (%zu signers)\n", label, (unsigned long long)ms, expect);
    }
    dc_results_clear(&res);
    return ms;
}

static uint64_t
sign_and_verify(const char *rid, const char *msg, char **signers, size_t n, size_t expect,
                const char *label)
{
    return sign_and_verify_t(rid, msg, signers, n, expect, 2, label);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
test_daemon_keygen_sign_reshare_sign(void **state)
{
    (void)state;
    Mpc__Request r;
    Mpc__KeygenRequest k;
    Mpc__KeyType kt[1] = {MPC__KEY_TYPE__KEY_TYPE_ED25519};
    dc_results res;
    uint64_t ms = 0;
    keygen_req(&r, &k, "kg-1", "w1", 2, kt, 1, NULL, 0);
    mpc_status st = dc_request(&g_c, &r, NULL, 3, WAIT_MS, &res, &ms);
    dump_logs_on_failure(st);
    assert_int_equal(st, MPC_OK);
    expect_all(&res, 3, MPC_OK);
    memcpy(g_pk, res.r[0]->public_key.data, 32);
    for (size_t i = 0; i < 3; i++) { /* every node reports the same key, v1, 2-of-3 */
        assert_int_equal(res.r[i]->public_key.len, 32);
        assert_memory_equal(res.r[i]->public_key.data, g_pk, 32);
        assert_int_equal(res.r[i]->key_version, 1);
        assert_int_equal(res.r[i]->threshold, 2);
        assert_int_equal(res.r[i]->n_participants, 3);
    }
    assert_int_equal(crypto_core_ed25519_is_valid_point(g_pk), 1);
    printf("latency keygen 2-of-3: %llu ms\n", (unsigned long long)ms);
    dc_results_clear(&res);
    g_keygen_done = 1;

    char *two[] = {"node-1", "node-3"};
    sign_and_verify("sg-1", "hello mpc-node", two, 2, 2, "sign 2-of-3");
    sign_and_verify("sg-2", "default signers", NULL, 0, 3, "sign (2 live holders of 3)");

    Mpc__ReshareRequest rs = MPC__RESHARE_REQUEST__INIT;
    mpc__request__init(&r);
    r.request_id = "rs-1";
    r.body_case = MPC__REQUEST__BODY_RESHARE;
    r.reshare = &rs;
    rs.wallet_id = "w1";
    rs.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    rs.new_threshold = 3;
    st = dc_request(&g_c, &r, NULL, 3, WAIT_MS, &res, &ms);
    dump_logs_on_failure(st);
    assert_int_equal(st, MPC_OK);
    expect_all(&res, 3, MPC_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_memory_equal(res.r[i]->public_key.data, g_pk, 32);
        assert_int_equal(res.r[i]->key_version, 2);
        assert_int_equal(res.r[i]->threshold, 3);
    }
    printf("latency reshare 2-of-3 -> 3-of-3: %llu ms\n", (unsigned long long)ms);
    dc_results_clear(&res);

    sign_and_verify("sg-3", "after reshare", NULL, 0, 3, "sign 3-of-3");
    uint64_t lat[15];
    for (int i = 0; i < 15; i++) { /* sequential signs for a steadier figure */
        char rid[32];
        snprintf(rid, sizeof rid, "sg-rep-%d", i);
        lat[i] = sign_and_verify(rid, "repeat", NULL, 0, 3, NULL);
    }
    qsort(lat, 15, sizeof lat[0], cmp_u64);
    printf("latency sign 3-of-3 x15: min %llu ms, median %llu ms, max %llu ms\n",
           (unsigned long long)lat[0], (unsigned long long)lat[7], (unsigned long long)lat[14]);
    /* Two signers no longer reach the threshold: each listed signer says so. */
    Mpc__SignRequest s;
    sign_req(&r, &s, "sg-4", "w1", "too few", two, 2);
    st = dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL);
    assert_int_equal(st, MPC_OK);
    expect_all(&res, 2, MPC_ERR_BAD_THRESHOLD);
    dc_results_clear(&res);
    /* The old version signs no more: only the active version does. */
    sign_req(&r, &s, "sg-5", "w1", "old version", two, 2);
    s.key_version = 1;
    st = dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL);
    assert_int_equal(st, MPC_OK);
    expect_all(&res, 2, MPC_ERR_KEY_VERSION_RETIRED);
    dc_results_clear(&res);
}

static void
test_daemon_subset_and_mixed_key_types(void **state)
{
    (void)state;
    Mpc__Request r;
    Mpc__KeygenRequest k;
    Mpc__SignRequest s;
    dc_results res;
    char *two[] = {"node-1", "node-2"};
    Mpc__KeyType ed[1] = {MPC__KEY_TYPE__KEY_TYPE_ED25519};
    /* a 2-of-2 key on a subset: only the listed nodes answer */
    keygen_req(&r, &k, "kg-sub", "w2", 2, ed, 1, two, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    expect_all(&res, 2, MPC_OK);
    uint8_t pk2[32];
    memcpy(pk2, res.r[0]->public_key.data, 32);
    dc_results_clear(&res);
    assert_int_equal(dc_collect(&g_c, "kg-sub", 3, 500, &res), MPC_ERR_TIMEOUT);
    assert_int_equal(res.count, 2);
    dc_results_clear(&res);
    sign_req(&r, &s, "sg-sub", "w2", "subset", two, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    expect_all(&res, 2, MPC_OK);
    assert_int_equal(crypto_sign_verify_detached(res.r[0]->eddsa_signature.data,
                                                 (const uint8_t *)"subset", 6, pk2),
                     0);
    dc_results_clear(&res);
    /* both key types in one keygen: one wallet, one result per node and key
     * type, each with its own key (the ECDSA flows are in test_daemon_ecdsa) */
    Mpc__KeyType both[2] = {MPC__KEY_TYPE__KEY_TYPE_ED25519, MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    keygen_req(&r, &k, "kg-both", "w3", 2, both, 2, NULL, 0);
    assert_int_equal(dc_request(&g_c, &r, NULL, 6, WAIT_MS, &res, NULL), MPC_OK);
    size_t ok_ed = 0, ok_ec = 0;
    for (size_t i = 0; i < res.count; i++) {
        assert_int_equal(res.r[i]->status_code, MPC_OK);
        if (res.r[i]->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519) {
            ok_ed += res.r[i]->public_key.len == 32;
        } else {
            ok_ec += res.r[i]->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 &&
                     res.r[i]->public_key.len == 33;
        }
    }
    assert_int_equal(ok_ed, 3);
    assert_int_equal(ok_ec, 3);
    dc_results_clear(&res);
}

/* One rejection case: raw bytes or a request, expected code from all 3 nodes. */
static void
expect_rejection(const Mpc__Request *r, mpc_status want)
{
    dc_results res;
    mpc_status st = dc_request(&g_c, r, NULL, 3, WAIT_MS, &res, NULL);
    assert_int_equal(st, MPC_OK);
    expect_all(&res, 3, want);
    dc_results_clear(&res);
}

static long long metric(size_t i, const char *series);
static long long metric_until(size_t i, const char *series, long long want);

/*
 * A request that does not authenticate: every node drops it (counted in
 * mpc_requests_unauthenticated_total and under its code) and publishes
 * nothing under the request id it names.
 */
static void
expect_raw_drop(const uint8_t *data, size_t len, const char *rid, mpc_status why)
{
    char series[160];
    long long before[3], by_code[3];
    snprintf(series, sizeof series, "mpc_requests_rejected_total{reason=\"%s\"} ",
             mpc_status_name(why));
    for (size_t i = 0; i < 3; i++) {
        before[i] = metric(i, "mpc_requests_unauthenticated_total ");
        by_code[i] = metric(i, series);
        by_code[i] = by_code[i] < 0 ? 0 : by_code[i]; /* absent until the first one */
    }
    dc_results res;
    mpc_status st = dc_request_raw(&g_c, "mpc.req.sign", data, len, NULL, rid, 0, 1, &res);
    assert_int_equal(st, MPC_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(metric_until(i, "mpc_requests_unauthenticated_total ", before[i] + 1),
                         before[i] + 1);
        assert_int_equal(metric(i, series), by_code[i] + 1);
    }
    dc_results_clear(&res);
    /* every node has handled it: nothing was published under its id */
    assert_int_equal(dc_collect(&g_c, rid, 1, 300, &res), MPC_ERR_TIMEOUT);
    assert_int_equal(res.count, 0);
    dc_results_clear(&res);
}

/* Encodes a SignedRequest around req with the given signer (NULL = unsigned) and tweaks. */
static uint8_t *
signed_bytes(const Mpc__Request *req, node_store_identity *signer, int flip, size_t *len)
{
    Mpc__Request r = *req;
    r.client_id = "itest";
    uint8_t *rb = NULL, *out = NULL;
    size_t rl = 0;
    assert_int_equal(node_client_request_encode(&r, &rb, &rl), MPC_OK);
    assert_int_equal(node_client_request_seal(signer, rb, rl, &out, len), MPC_OK);
    free(rb);
    if (signer != NULL && flip) {
        out[*len - 5] ^= 1; /* inside the signature: the last field without approvals */
    }
    return out;
}

static void
test_daemon_rejections(void **state)
{
    (void)state;
    Mpc__Request r;
    Mpc__SignRequest s;
    Mpc__KeygenRequest k;
    Mpc__KeyType kt[1] = {MPC__KEY_TYPE__KEY_TYPE_ED25519};
    size_t len = 0;
    uint8_t *b;

    sign_req(&r, &s, "bad-unsigned", "w1", "x", NULL, 0);
    b = signed_bytes(&r, NULL, 0, &len);
    expect_raw_drop(b, len, "bad-unsigned", MPC_ERR_REQ_UNSIGNED);
    free(b);

    node_store_identity *stranger = NULL;
    assert_int_equal(node_store_identity_generate(&stranger), MPC_OK);
    sign_req(&r, &s, "bad-stranger", "w1", "x", NULL, 0);
    b = signed_bytes(&r, stranger, 0, &len);
    expect_raw_drop(b, len, "bad-stranger", MPC_ERR_REQ_UNKNOWN_INITIATOR);
    free(b);
    node_store_identity_destroy(stranger);

    sign_req(&r, &s, "bad-sig", "w1", "x", NULL, 0);
    b = signed_bytes(&r, g_c.initiator, 1, &len);
    expect_raw_drop(b, len, "bad-sig", MPC_ERR_REQ_BAD_SIGNATURE);
    free(b);

    uint8_t junk[64];
    uint64_t rng = g_seed;
    for (size_t i = 0; i < sizeof junk; i++) {
        junk[i] = (uint8_t)(node_fixture_rand(&rng) | 0x80); /* never a valid tag stream */
    }
    expect_raw_drop(junk, sizeof junk, "bad-proto", MPC_ERR_REQ_MALFORMED);

    /* Oversized: the request stream refuses it (MaxMsgSize); no node sees it. */
    size_t big_len = NODE_CLIENT_REQUEST_MAX_BYTES + 8192;
    uint8_t *big = calloc(1, big_len);
    dc_results none;
    assert_int_not_equal(
        dc_request_raw(&g_c, "mpc.req.sign", big, big_len, NULL, "bad-big", 0, 1, &none), MPC_OK);
    dc_results_clear(&none);
    free(big);

    sign_req(&r, &s, "bad-wallet", "no-such-wallet", "x", NULL, 0);
    expect_rejection(&r, MPC_ERR_UNKNOWN_WALLET);

    keygen_req(&r, &k, "bad-threshold", "w-bad", 5, kt, 1, NULL, 0);
    expect_rejection(&r, MPC_ERR_BAD_THRESHOLD);

    char *parts[] = {"node-1", "node-2", "node-x"};
    keygen_req(&r, &k, "bad-participant", "w-bad", 2, kt, 1, parts, 3);
    expect_rejection(&r, MPC_ERR_UNKNOWN_PARTICIPANT);

    sign_req(&r, &s, "bad-digest", "w1", "not 32 bytes", NULL, 0); /* ECDSA signs digests */
    s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    expect_rejection(&r, MPC_ERR_REQ_INVALID);

    /* A request id with '.': refused at intake (no result subject can name it), counted. */
    const char *invalid = "mpc_requests_rejected_total{reason=\"MPC_ERR_REQ_INVALID\"} ";
    long long inv_before[3];
    for (size_t i = 0; i < 3; i++) {
        inv_before[i] = metric(i, invalid);
    }
    sign_req(&r, &s, "bad.dot", "w1", "x", NULL, 0);
    b = signed_bytes(&r, g_c.initiator, 0, &len);
    dc_results none_dot;
    assert_int_equal(dc_request_raw(&g_c, "mpc.req.sign", b, len, NULL, "bad-dot", 0, 1, &none_dot),
                     MPC_OK);
    free(b);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(metric_until(i, invalid, inv_before[i] + 1), inv_before[i] + 1);
    }

    static const char zeros[33] = {0};
    sign_req(&r, &s, "bad-zero", "w1", "", NULL, 0); /* the all-zero "digest" */
    s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    s.message.data = (uint8_t *)zeros;
    s.message.len = 32;
    expect_rejection(&r, MPC_ERR_REQ_ZERO_DIGEST);

    sign_req(&r, &s, "bad-stale", "w1", "x", NULL, 0); /* created 2 h ago; window 1 h */
    r.created_at_ms = g_c.epoch_ms - 2 * 3600 * 1000;
    expect_rejection(&r, MPC_ERR_REQ_STALE);

    sign_req(&r, &s, "bad-expiry", "w1", "x", NULL, 0); /* longest expiry: 1 h */
    r.created_at_ms = g_c.epoch_ms;
    r.expires_at_ms = g_c.epoch_ms + 2 * 3600 * 1000;
    expect_rejection(&r, MPC_ERR_REQ_EXPIRY_TOO_LONG);
}

/* Node i's metric (see dc_metric); metric_until polls up to 10 s for `want`. */
static long long
metric(size_t i, const char *series)
{
    return dc_metric(g_c.http_port[i], series);
}

static long long
metric_until(size_t i, const char *series, long long want)
{
    return dc_metric_until(g_c.http_port[i], series, want, 10000);
}

static void
test_daemon_duplicate_request_id(void **state)
{
    (void)state;
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results first, again;
    const char *signs = "mpc_session_duration_seconds_count{op=\"sign\"} ";
    const char *repub = "mpc_requests_republished_total ";
    if (!g_keygen_done) {
        skip();
    }
    sign_req(&r, &s, "dup-1", "w1", "first content", NULL, 0);
    assert_int_equal(dc_request(&g_c, &r, NULL, 3, WAIT_MS, &first, NULL), MPC_OK);
    expect_signed(&first, 3, 2);
    size_t first_ok = 0;
    for (size_t i = 0; i < first.count; i++) {
        first_ok += first.r[i]->status_code == MPC_OK;
    }
    long long sessions_before[3], repub_before[3];
    for (size_t i = 0; i < 3; i++) {
        sessions_before[i] = metric(i, signs);
        repub_before[i] = metric(i, repub);
        assert_true(sessions_before[i] > 0 && repub_before[i] >= 0);
    }
    /* Same request id and content, published again under another Nats-Msg-Id
     * (past JetStream's dedup): every node republishes its logged result (same
     * Nats-Msg-Id as the first copy, so the stream keeps one per node) and
     * nothing runs again. */
    assert_int_equal(dc_request(&g_c, &r, "dup-1-again", 3, WAIT_MS, &again, NULL), MPC_OK);
    expect_signed(&again, 3, first_ok);
    for (size_t i = 0; i < again.count; i++) {
        if (again.r[i]->status_code == MPC_ERR_NOT_SELECTED) {
            continue;
        }
        assert_int_equal(crypto_sign_verify_detached(again.r[i]->eddsa_signature.data,
                                                     (const uint8_t *)"first content", 13, g_pk),
                         0);
    }
    for (size_t i = 0; i < 3; i++) {
        /* the republish is not visible in the stream: poll the counter */
        assert_int_equal(metric_until(i, repub, repub_before[i] + 1), repub_before[i] + 1);
        assert_int_equal(metric(i, signs), sessions_before[i]);
    }
    assert_true(dc_collect(&g_c, "dup-1", 4, 500, &again) == MPC_ERR_TIMEOUT);
    assert_int_equal(again.count, 3); /* still one stored copy per node */
    dc_results_clear(&again);
    /* Same request id, other content: refused by every node with its own code,
     * beside the original result (which stays), and nothing runs. */
    sign_req(&r, &s, "dup-1", "w1", "second content", NULL, 0);
    assert_int_equal(dc_request(&g_c, &r, NULL, 6, WAIT_MS, &again, NULL), MPC_OK);
    size_t ok = 0, reused = 0;
    for (size_t i = 0; i < again.count; i++) {
        ok += again.r[i]->status_code == MPC_OK;
        reused += again.r[i]->status_code == MPC_ERR_REQ_ID_REUSED;
    }
    assert_int_equal(ok, first_ok);
    assert_int_equal(reused, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(metric(i, signs), sessions_before[i]);
    }
    dc_results_clear(&first);
    dc_results_clear(&again);
}

static void
test_daemon_http_and_status(void **state)
{
    (void)state;
    char *body = NULL;
    assert_int_equal(dc_http_get(g_c.http_port[0], "/healthz", &body), 200);
    free(body);
    assert_int_equal(dc_http_get(g_c.http_port[0], "/readyz", &body), 200);
    free(body);
    assert_int_equal(dc_http_get(g_c.http_port[1], "/nope", &body), 404);
    free(body);
    assert_int_equal(dc_http_get(g_c.http_port[1], "/metrics", &body), 200);
    assert_non_null(body);
    if (g_keygen_done) {
        assert_non_null(strstr(body, "mpc_sessions_total{op=\"sign\",outcome=\"MPC_OK\"}"));
        /* node-2 ran kg-1, kg-sub and both halves of kg-both */
        assert_int_equal(metric(1, "mpc_session_duration_seconds_count{op=\"keygen\"} "), 4);
    }
    assert_non_null(strstr(body, "mpc_requests_rejected_total{reason=\"MPC_ERR_REQ_UNSIGNED\"}"));
    assert_non_null(strstr(body, "mpc_permits_in_use"));
    free(body);
    assert_int_equal(dc_http_get(g_c.http_port[2], "/sessions", &body), 200);
    json_error_t je;
    json_t *j = json_loads(body, 0, &je);
    assert_non_null(j);
    json_decref(j);
    free(body);
    /* mpc.n.<node>.status over NATS answers the same snapshot. */
    transport_nats_config nc;
    transport *t = NULL;
    dc_client_nats_config(&g_c, &nc);
    nc.name = "status-client";
    assert_int_equal(transport_nats_create(&nc, &t), MPC_OK);
    uint8_t reply[1 << 16];
    size_t rlen = 0;
    assert_int_equal(transport_request(t, "mpc.n.node-2.status", (const uint8_t *)"", 0, 3000,
                                       reply, sizeof reply - 1, &rlen),
                     MPC_OK);
    reply[rlen] = 0;
    j = json_loads((const char *)reply, 0, &je);
    assert_non_null(j);
    json_decref(j);
    transport_destroy(t);
}

/* Replaces every occurrence of from by to in text into out. */
static void
replace_all(char *out, size_t cap, const char *text, const char *from, const char *to)
{
    size_t o = 0, fl = strlen(from), tl = strlen(to);
    for (const char *p = text; *p != '\0' && o + tl + 1 < cap;) {
        if (strncmp(p, from, fl) == 0) {
            memcpy(out + o, to, tl);
            o += tl;
            p += fl;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static void
test_daemon_sigterm_then_wrong_passphrase(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(dc_node_signal(&g_c, 2, SIGTERM, 1), NODE_EXIT_OK); /* idle: clean drain */
    char *store = node_fixture_path(g_c.dir, "node-3.mdb");
    char *cfg = node_fixture_path(g_c.dir, "node-3.yaml");
    char *key = node_fixture_path(g_c.dir, "node-3.key");
    char *bad_cfg = node_fixture_path(g_c.dir, "node-3-bad.yaml");
    char *bad_key = node_fixture_path(g_c.dir, "node-3-bad.key");
    char *bad_pass = node_fixture_path(g_c.dir, "node-3-bad.pass");
    /* The same identity under another passphrase: identity and peers pass, the store
     * (sealed under the old passphrase) must refuse it and stay byte-identical. */
    node_store_identity *id = NULL;
    assert_int_equal(node_store_identity_load(key, "pass-node-3", 11, &id, err, sizeof err),
                     MPC_OK);
    assert_int_equal(node_store_identity_save(id, bad_key, "not-the-passphrase", 18,
                                              &NODE_STORE_KDF_TEST_MIN, err, sizeof err),
                     MPC_OK);
    node_store_identity_destroy(id);
    assert_int_equal(node_fixture_write(bad_pass, "not-the-passphrase", 0600), 0);
    size_t len = 0;
    uint8_t *text = node_fixture_read(cfg, &len);
    assert_non_null(text);
    char yaml[4096], yaml2[4096];
    replace_all(yaml, sizeof yaml, (char *)text, "node-3.pass", "node-3-bad.pass");
    replace_all(yaml2, sizeof yaml2, yaml, "node-3.key", "node-3-bad.key");
    assert_int_equal(node_fixture_write(bad_cfg, yaml2, 0600), 0);
    uint8_t before[32], after[32];
    assert_int_equal(node_fixture_file_hash(store, before), 0);
    assert_int_equal(dc_run_node_config(&g_c, bad_cfg, 30000), NODE_EXIT_SECRET);
    assert_int_equal(node_fixture_file_hash(store, after), 0);
    assert_memory_equal(before, after, 32);
    char *log = node_fixture_path(g_c.dir, "extra.log");
    uint8_t *out = node_fixture_read(log, &len);
    assert_non_null(out);
    assert_non_null(strstr((char *)out, "key store: wrong passphrase"));
    free(out);
    free(log);
    free(text);
    free(store);
    free(cfg);
    free(key);
    free(bad_cfg);
    free(bad_key);
    free(bad_pass);
}

static int
group_setup(void **state)
{
    (void)state;
    g_seed = mpc_test_seed("test_daemon_cluster");
    return dc_start_ready(&g_c, 3, g_argv0, 60000) != MPC_OK ? -1 : 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    dc_destroy(&g_c);
    return 0;
}

int
main(int argc, char **argv)
{
    (void)argc;
    g_argv0 = argv[0];
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daemon_keygen_sign_reshare_sign),
        cmocka_unit_test(test_daemon_subset_and_mixed_key_types),
        cmocka_unit_test(test_daemon_rejections),
        cmocka_unit_test(test_daemon_duplicate_request_id),
        cmocka_unit_test(test_daemon_http_and_status),
        cmocka_unit_test(test_daemon_sigterm_then_wrong_passphrase),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    (void)transport_nats_global_shutdown(5000);
    return failed;
}

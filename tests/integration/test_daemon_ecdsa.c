/*
 * test_daemon_ecdsa.c — secp256k1 (DKLs23) through real mpc-node processes:
 * four nodes on a private nats-server (127.0.0.1); keys live on node-1..3,
 * node-4 joins by reshare.
 *   - keygen 2-of-3, sign (every copy verified and recovered with our own
 *     libsecp256k1 context and with the `openssl` CLI from DER + PEM),
 *     wrong digest length rejected, reshare to 3-of-3, sign again under the
 *     same key;
 *   - one keygen with both key types: one wallet, two keys, both sign;
 *   - quarantine: node-3 restarted with MPC_NODE_TEST_CHEAT_KOS=1 tampers its
 *     KOS messages, node-1 and node-2 fail with MPC_ERR_OT_CHECK naming it
 *     and store the flag; their signed notices reach every node (/sessions
 *     "kos" and /metrics show the pairs); later signs naming node-3 with
 *     node-1 are refused with MPC_ERR_PAIR_QUARANTINED, a sign without named
 *     signers leaves node-3 out and succeeds, other pairs still sign, until a
 *     reshare; after a restart of every node with the accusers silent, each
 *     node still knows both pairs (peers' notices kept in the store);
 *   - reshare to a brand-new member for both key types: {1,2,3} -> {1,2,4},
 *     node-4 signs under the same key; node-3's keyinfo records its removal
 *     and its old shares are gone;
 *   - a removed member keeps no signing power: after {1,2,3} -> {1,2,4}, a
 *     sign naming version 1 with signers node-1 and node-3 is refused with
 *     MPC_ERR_KEY_VERSION_RETIRED by both, for both key types, and the v1
 *     shares' sealed bytes are nowhere in node-1's or node-3's store file.
 * Latencies are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "node/daemon.h"
#include "node/store/keyinfo.h"
#include "node/store/keyring.h"
#include "node/store/store.h"
#include "tests/support/daemon_cluster.h"
#include "tests/support/node_fixture.h"
#include "transport/nats_transport.h"

#define WAIT_MS 60000u

static dc_cluster g_c;
static const char *g_argv0;
static uint64_t g_seed;
static secp256k1_context *g_ctx;

static char *g_123[] = {"node-1", "node-2", "node-3"};
static char *g_124[] = {"node-1", "node-2", "node-4"};

static void
dump_logs_on_failure(mpc_status st)
{
    if (st != MPC_OK) {
        for (size_t i = 0; i < g_c.n; i++) {
            dc_dump_log(&g_c, i);
        }
    }
}

static void
keygen_req(Mpc__Request *r, Mpc__KeygenRequest *k, const char *rid, const char *wallet, uint32_t t,
           Mpc__KeyType *types, size_t n_types)
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
    k->participants = g_123;
    k->n_participants = 3;
}

static void
sign_req(Mpc__Request *r, Mpc__SignRequest *s, const char *rid, const char *wallet, int kt,
         const uint8_t *msg, size_t len, char **signers, size_t n)
{
    mpc__request__init(r);
    mpc__sign_request__init(s);
    r->request_id = (char *)rid;
    r->body_case = MPC__REQUEST__BODY_SIGN;
    r->sign = s;
    s->wallet_id = (char *)wallet;
    s->key_type = (Mpc__KeyType)kt;
    s->message.data = (uint8_t *)msg;
    s->message.len = len;
    s->signers = signers;
    s->n_signers = n;
}

static void
reshare_req(Mpc__Request *r, Mpc__ReshareRequest *rs, const char *rid, const char *wallet, int kt,
            uint32_t t, char **parts, size_t n)
{
    mpc__request__init(r);
    mpc__reshare_request__init(rs);
    r->request_id = (char *)rid;
    r->body_case = MPC__REQUEST__BODY_RESHARE;
    r->reshare = rs;
    rs->wallet_id = (char *)wallet;
    rs->key_type = (Mpc__KeyType)kt;
    rs->new_threshold = t;
    rs->new_participants = parts;
    rs->n_new_participants = n;
}

/* Every copy has status st and comes from a distinct node. */
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
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(res->node[i], res->node[k]);
        }
    }
}

/* The copy from node id, or NULL. */
static const Mpc__Result *
from_node(const dc_results *res, const char *id)
{
    for (size_t i = 0; i < res->count; i++) {
        if (strcmp(res->node[i], id) == 0) {
            return res->r[i];
        }
    }
    return NULL;
}

static void
fill_digest(uint8_t d[32])
{
    for (int i = 0; i < 32; i += 8) {
        uint64_t v = node_fixture_rand(&g_seed);
        memcpy(d + i, &v, 8);
    }
}

/* Writes bytes to dir/name. Returns the malloc'ed path. */
static char *
write_file(const char *name, const uint8_t *data, size_t len)
{
    char *p = node_fixture_path(g_c.dir, name);
    assert_non_null(p);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

/* Returns: the exit code of `openssl pkeyutl -verify` on (pk33, digest, DER signature). */
static int
openssl_verify(const uint8_t pk33[33], const uint8_t digest[32], const uint8_t *der, size_t der_len)
{
    static const uint8_t spki[] = {0x30, 0x36, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                                   0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
                                   0x81, 0x04, 0x00, 0x0a, 0x03, 0x22, 0x00};
    uint8_t pub[sizeof spki + 33];
    memcpy(pub, spki, sizeof spki);
    memcpy(pub + sizeof spki, pk33, 33);
    char *pub_der = write_file("pub.der", pub, sizeof pub);
    char *dig = write_file("digest.bin", digest, 32);
    char *sig = write_file("sig.der", der, der_len);
    char *pem = node_fixture_path(g_c.dir, "pub.pem");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl pkey -pubin -inform DER -in '%s' -out '%s' >/dev/null 2>&1 && "
             "openssl pkeyutl -verify -pubin -inkey '%s' -in '%s' -sigfile '%s' >/dev/null 2>&1",
             pub_der, pem, pem, dig, sig);
    int rc = system(cmd);
    free(pub_der);
    free(dig);
    free(sig);
    free(pem);
    return rc;
}

/*
 * Checks one ECDSA result copy: r, s, recid, compact = r || s || recid;
 * libsecp256k1 verifies (low-S: verify rejects high S) and recovers pk33;
 * if use_openssl, openssl verifies the DER form and rejects another digest.
 */
static void
check_ecdsa(const Mpc__Result *r, const uint8_t pk33[33], const uint8_t digest[32], int use_openssl)
{
    assert_int_equal(r->ecdsa_r.len, 32);
    assert_int_equal(r->ecdsa_s.len, 32);
    assert_int_equal(r->ecdsa_compact.len, 65);
    assert_true(r->recovery_id <= 3);
    assert_memory_equal(r->ecdsa_compact.data, r->ecdsa_r.data, 32);
    assert_memory_equal(r->ecdsa_compact.data + 32, r->ecdsa_s.data, 32);
    assert_int_equal(r->ecdsa_compact.data[64], r->recovery_id);
    assert_int_equal(r->eddsa_signature.len, 0);
    assert_int_equal(r->public_key.len, 33);
    assert_memory_equal(r->public_key.data, pk33, 33);
    secp256k1_pubkey pk, rec;
    secp256k1_ecdsa_signature sig, norm;
    secp256k1_ecdsa_recoverable_signature rsig;
    assert_int_equal(secp256k1_ec_pubkey_parse(g_ctx, &pk, pk33, 33), 1);
    assert_int_equal(secp256k1_ecdsa_signature_parse_compact(g_ctx, &sig, r->ecdsa_compact.data),
                     1);
    assert_int_equal(secp256k1_ecdsa_signature_normalize(g_ctx, &norm, &sig), 0); /* already low */
    assert_int_equal(secp256k1_ecdsa_verify(g_ctx, &sig, digest, &pk), 1);
    assert_int_equal(secp256k1_ecdsa_recoverable_signature_parse_compact(
                         g_ctx, &rsig, r->ecdsa_compact.data, (int)r->recovery_id),
                     1);
    assert_int_equal(secp256k1_ecdsa_recover(g_ctx, &rec, &rsig, digest), 1);
    uint8_t rec33[33];
    size_t len = 33;
    assert_int_equal(
        secp256k1_ec_pubkey_serialize(g_ctx, rec33, &len, &rec, SECP256K1_EC_COMPRESSED), 1);
    assert_memory_equal(rec33, pk33, 33);
    if (use_openssl) {
        uint8_t der[72], other[32];
        size_t der_len = sizeof der;
        assert_int_equal(secp256k1_ecdsa_signature_serialize_der(g_ctx, der, &der_len, &sig), 1);
        assert_int_equal(openssl_verify(pk33, digest, der, der_len), 0);
        memcpy(other, digest, 32);
        other[0] ^= 1;
        assert_int_not_equal(openssl_verify(pk33, other, der, der_len), 0);
    }
}

/* Signs a fresh digest with signers and checks every copy. Returns the latency in ms. */
static uint64_t
ecdsa_sign_ok(const char *rid, const char *wallet, const uint8_t pk33[33], char **signers, size_t n,
              int use_openssl)
{
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results res;
    uint8_t digest[32];
    uint64_t ms = 0;
    fill_digest(digest);
    sign_req(&r, &s, rid, wallet, MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, signers, n);
    mpc_status st = dc_request(&g_c, &r, NULL, n, WAIT_MS, &res, &ms);
    dump_logs_on_failure(st);
    assert_int_equal(st, MPC_OK);
    expect_all(&res, n, MPC_OK);
    for (size_t i = 0; i < res.count; i++) {
        check_ecdsa(res.r[i], pk33, digest, use_openssl && i == 0);
        /* every signer publishes the same signature */
        assert_memory_equal(res.r[i]->ecdsa_compact.data, res.r[0]->ecdsa_compact.data, 65);
    }
    dc_results_clear(&res);
    return ms;
}

/* Keygen of wallet over {1,2,3}; copies the key of type kt into pk. */
static uint64_t
keygen_ok(const char *rid, const char *wallet, uint32_t t, Mpc__KeyType *types, size_t n_types,
          int kt, uint8_t *pk, size_t pk_len)
{
    Mpc__Request r;
    Mpc__KeygenRequest k;
    dc_results res;
    uint64_t ms = 0;
    keygen_req(&r, &k, rid, wallet, t, types, n_types);
    mpc_status st = dc_request(&g_c, &r, NULL, 3 * n_types, WAIT_MS, &res, &ms);
    dump_logs_on_failure(st);
    assert_int_equal(st, MPC_OK);
    assert_int_equal(res.count, 3 * n_types);
    int have = 0;
    for (size_t i = 0; i < res.count; i++) {
        if (res.r[i]->status_code != MPC_OK) {
            fprintf(stderr, "keygen result from %s: %s (%s)\n", res.node[i], res.r[i]->status_name,
                    res.r[i]->error_text);
        }
        assert_int_equal(res.r[i]->status_code, MPC_OK);
        assert_int_equal(res.r[i]->key_version, 1);
        assert_int_equal(res.r[i]->threshold, t);
        if ((int)res.r[i]->key_type != kt) {
            continue;
        }
        assert_int_equal(res.r[i]->public_key.len, pk_len);
        if (!have) {
            memcpy(pk, res.r[i]->public_key.data, pk_len);
            have = 1;
        }
        assert_memory_equal(res.r[i]->public_key.data, pk, pk_len);
    }
    assert_true(have);
    dc_results_clear(&res);
    return ms;
}

/* Reshares and expects success from `expect` nodes, all reporting pk and version. */
static uint64_t
reshare_ok(const char *rid, const char *wallet, int kt, uint32_t t, char **parts, size_t n,
           size_t expect, const uint8_t *pk, size_t pk_len, uint32_t version)
{
    Mpc__Request r;
    Mpc__ReshareRequest rs;
    dc_results res;
    uint64_t ms = 0;
    reshare_req(&r, &rs, rid, wallet, kt, t, parts, n);
    mpc_status st = dc_request(&g_c, &r, NULL, expect, WAIT_MS, &res, &ms);
    dump_logs_on_failure(st);
    assert_int_equal(st, MPC_OK);
    expect_all(&res, expect, MPC_OK);
    for (size_t i = 0; i < res.count; i++) {
        assert_int_equal(res.r[i]->public_key.len, pk_len);
        assert_memory_equal(res.r[i]->public_key.data, pk, pk_len);
        assert_int_equal(res.r[i]->key_version, version);
        assert_int_equal(res.r[i]->threshold, t);
    }
    dc_results_clear(&res);
    return ms;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
test_ecdsa_keygen_sign_reshare_sign(void **state)
{
    (void)state;
    Mpc__KeyType kt[1] = {MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    uint8_t pk[33];
    uint64_t ms = keygen_ok("e-kg-1", "e1", 2, kt, 1, MPC__KEY_TYPE__KEY_TYPE_SECP256K1, pk, 33);
    assert_true(pk[0] == 0x02 || pk[0] == 0x03);
    printf("latency secp256k1 keygen 2-of-3: %llu ms\n", (unsigned long long)ms);
    char *two[] = {"node-1", "node-3"};
    ms = ecdsa_sign_ok("e-sg-1", "e1", pk, two, 2, 1);
    printf("latency secp256k1 sign 2-of-3: %llu ms\n", (unsigned long long)ms);
    ms = ecdsa_sign_ok("e-sg-2", "e1", pk, g_123, 3, 0);
    printf("latency secp256k1 sign 3 signers: %llu ms\n", (unsigned long long)ms);

    /* a digest that is not 32 bytes: every listed signer rejects it */
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results res;
    uint8_t d31[31] = {1};
    sign_req(&r, &s, "e-sg-31", "e1", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, d31, 31, two, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    expect_all(&res, 2, MPC_ERR_REQ_INVALID);
    dc_results_clear(&res);

    ms = reshare_ok("e-rs-1", "e1", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, 3, g_123, 3, 3, pk, 33, 2);
    printf("latency secp256k1 reshare 2-of-3 -> 3-of-3: %llu ms\n", (unsigned long long)ms);
    ms = ecdsa_sign_ok("e-sg-3", "e1", pk, g_123, 3, 1);
    printf("latency secp256k1 sign 3-of-3: %llu ms\n", (unsigned long long)ms);
    uint64_t lat[11];
    for (int i = 0; i < 11; i++) { /* sequential signs for a steadier figure */
        char rid[32];
        snprintf(rid, sizeof rid, "e-sg-rep-%d", i);
        lat[i] = ecdsa_sign_ok(rid, "e1", pk, g_123, 3, 0);
    }
    qsort(lat, 11, sizeof lat[0], cmp_u64);
    printf("latency secp256k1 sign 3-of-3 x11: min %llu ms, median %llu ms, max %llu ms\n",
           (unsigned long long)lat[0], (unsigned long long)lat[5], (unsigned long long)lat[10]);
}

static void
test_ecdsa_both_key_types(void **state)
{
    (void)state;
    Mpc__KeyType both[2] = {MPC__KEY_TYPE__KEY_TYPE_ED25519, MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    uint8_t pk_ed[32], pk_ec[33];
    (void)keygen_ok("e-kg-both", "eb", 2, both, 2, MPC__KEY_TYPE__KEY_TYPE_SECP256K1, pk_ec, 33);
    /* the same results again, for the ed25519 key (the request log republishes) */
    Mpc__Request r;
    Mpc__KeygenRequest k;
    Mpc__SignRequest s;
    dc_results res = {0}; /* dc_collect frees what res holds first */
    keygen_req(&r, &k, "e-kg-both", "eb", 2, both, 2);
    assert_int_equal(dc_collect(&g_c, "e-kg-both", 6, WAIT_MS, &res), MPC_OK);
    int have = 0;
    for (size_t i = 0; i < res.count; i++) {
        if (res.r[i]->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519) {
            assert_int_equal(res.r[i]->status_code, MPC_OK);
            assert_int_equal(res.r[i]->public_key.len, 32);
            memcpy(pk_ed, res.r[i]->public_key.data, 32);
            have = 1;
        }
    }
    assert_true(have);
    dc_results_clear(&res);
    char *two[] = {"node-2", "node-3"};
    (void)ecdsa_sign_ok("e-sg-both", "eb", pk_ec, two, 2, 0);
    const char *msg = "one wallet, two keys";
    sign_req(&r, &s, "e-sg-both-ed", "eb", MPC__KEY_TYPE__KEY_TYPE_ED25519, (const uint8_t *)msg,
             strlen(msg), two, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    expect_all(&res, 2, MPC_OK);
    for (size_t i = 0; i < res.count; i++) {
        assert_int_equal(crypto_sign_verify_detached(res.r[i]->eddsa_signature.data,
                                                     (const uint8_t *)msg, strlen(msg), pk_ed),
                         0);
    }
    dc_results_clear(&res);
}

#ifdef MPC_FAULT_INJECTION
/* Polls node i's HTTP path until its body contains every needle (bounded by WAIT_MS). */
static int
http_wait_contains(size_t i, const char *path, const char *const *needles, size_t n)
{
    uint64_t until = mpc_clock_mono_ms() + WAIT_MS;
    while (mpc_clock_mono_ms() < until) {
        char *body = NULL;
        int code = dc_http_get(g_c.http_port[i], path, &body);
        size_t found = 0;
        for (size_t k = 0; code == 200 && body != NULL && k < n; k++) {
            found += strstr(body, needles[k]) != NULL;
        }
        free(body);
        if (found == n) {
            return 1;
        }
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Restarts node index i with the test variable env=val set (env NULL: none). */
static void
restart_node_env(size_t i, const char *env, const char *val)
{
    assert_int_equal(dc_node_restart_env(&g_c, i, env, val, WAIT_MS), 0);
}

/* Restarts node index i with MPC_NODE_TEST_CHEAT_KOS set (cheat) or not. */
static void
restart_node(size_t i, int cheat)
{
    restart_node_env(i, cheat ? "MPC_NODE_TEST_CHEAT_KOS" : NULL, "1");
}
#endif

static void
test_ecdsa_quarantine(void **state)
{
    (void)state;
#ifndef MPC_FAULT_INJECTION
    skip();
#else
    Mpc__KeyType kt[1] = {MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results res;
    uint8_t pk[33], digest[32];
    (void)keygen_ok("e-kg-q", "eq", 2, kt, 1, MPC__KEY_TYPE__KEY_TYPE_SECP256K1, pk, 33);
    restart_node(2, 1); /* node-3 cheats */
    /* node-1's first two quarantine stores fail: it must refuse to sign meanwhile */
    restart_node_env(0, "MPC_NODE_TEST_KOS_STORE_FAIL", "2");
    fill_digest(digest);
    sign_req(&r, &s, "e-sg-q1", "eq", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, g_123, 3);
    assert_int_equal(dc_request(&g_c, &r, NULL, 3, WAIT_MS, &res, NULL), MPC_OK);
    for (int i = 0; i < 2; i++) { /* the honest Alices name node-3 */
        const Mpc__Result *x = from_node(&res, g_123[i]);
        assert_non_null(x);
        assert_int_equal(x->status_code, MPC_ERR_OT_CHECK);
        assert_string_equal(x->failed_peer, "node-3");
    }
    assert_int_not_equal(from_node(&res, "node-3")->status_code, MPC_OK);
    dc_results_clear(&res);
    restart_node(2, 0); /* node-3 behaves again: the flag stays until a reshare */

    /* fail closed: node-1's store failed, the retry fails too: every sign refused */
    char *q12[] = {"node-1", "node-2"};
    const char *unstored[] = {"mpc_kos_unstored 1"};
    assert_true(http_wait_contains(0, "/metrics", unstored, 1));
    fill_digest(digest);
    sign_req(&r, &s, "e-sg-q1b", "eq", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, q12, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    assert_int_equal(from_node(&res, "node-1")->status_code, MPC_ERR_QUARANTINE_UNSTORED);
    assert_int_not_equal(from_node(&res, "node-2")->status_code, MPC_OK);
    dc_results_clear(&res);

    /* the signed notices reach every node, node-3 included (re-published) */
    const char *pairs[] = {"\"accuser\":\"node-1\",\"accused\":\"node-3\"",
                           "\"accuser\":\"node-2\",\"accused\":\"node-3\""};
    for (size_t i = 0; i < 3; i++) {
        assert_true(http_wait_contains(i, "/sessions", pairs, 2));
    }
    const char *m1[] = {"mpc_kos_check_failures_total 1", "mpc_kos_quarantined_pairs 2"};
    assert_true(http_wait_contains(0, "/metrics", m1, 2));

    char *q13[] = {"node-1", "node-3"};
    fill_digest(digest); /* node-1's third store attempt succeeds: back to the pair rule */
    sign_req(&r, &s, "e-sg-q2", "eq", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, q13, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    for (int i = 0; i < 2; i++) { /* refused by both before any session */
        const Mpc__Result *x = from_node(&res, q13[i]);
        assert_non_null(x);
        assert_int_equal(x->status_code, MPC_ERR_PAIR_QUARANTINED);
    }
    dc_results_clear(&res);
    /* every node restarts, the accusers silent (no re-publishing): node-1's and
     * node-2's own quarantines come back from their key records, each other's and
     * node-3's knowledge of both from the notices they stored */
    for (size_t i = 0; i < 3; i++) {
        restart_node_env(i, "MPC_NODE_TEST_KOS_SILENT", "1");
    }
    fill_digest(digest); /* node-3 itself refuses the pair it is accused in */
    sign_req(&r, &s, "e-sg-q2r", "eq", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, q13, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    for (int i = 0; i < 2; i++) {
        assert_non_null(from_node(&res, q13[i]));
        assert_int_equal(from_node(&res, q13[i])->status_code, MPC_ERR_PAIR_QUARANTINED);
    }
    dc_results_clear(&res);
    for (size_t i = 0; i < 3; i++) {
        assert_true(http_wait_contains(i, "/sessions", pairs, 2));
    }
    const char *loaded[] = {"mpc_kos_notices_loaded_total 2"};
    assert_true(http_wait_contains(2, "/metrics", loaded, 1));
    /* no named signers: every node leaves node-3 out, {node-1, node-2} sign */
    fill_digest(digest);
    sign_req(&r, &s, "e-sg-q2b", "eq", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, NULL, 0);
    assert_int_equal(dc_request(&g_c, &r, NULL, 3, WAIT_MS, &res, NULL), MPC_OK);
    for (int i = 0; i < 2; i++) {
        assert_non_null(from_node(&res, q12[i]));
        assert_int_equal(from_node(&res, q12[i])->status_code, MPC_OK);
    }
    assert_int_equal(from_node(&res, "node-4")->status_code, MPC_ERR_UNKNOWN_WALLET); /* no key */
    assert_null(from_node(&res, "node-3")); /* left out: not a participant */
    dc_results_clear(&res);
    (void)ecdsa_sign_ok("e-sg-q3", "eq", pk, q12, 2, 0); /* other pairs still sign */

    /* the remedy: a reshare gives fresh setups without flags */
    (void)reshare_ok("e-rs-q", "eq", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, 2, g_123, 3, 3, pk, 33, 2);
    (void)ecdsa_sign_ok("e-sg-q4", "eq", pk, q13, 2, 0);
#endif
}

/* Reads node i's keyinfo of wallet and whether share records v1, v2 exist
 * (node i stopped meanwhile, then restarted). */
static void
read_keyinfo(size_t i, int kt, const char *wallet, struct node_store_keyinfo *ki, int shares[2])
{
    char name[32], pass[32], err[256];
    node_store *st = NULL;
    struct node_store_options opt = {.kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 0, .flags = 0};
    assert_int_equal(dc_node_signal(&g_c, i, SIGTERM, 1), NODE_EXIT_OK);
    snprintf(name, sizeof name, "node-%zu.mdb", i + 1);
    snprintf(pass, sizeof pass, "pass-node-%zu", i + 1);
    char *path = node_fixture_path(g_c.dir, name);
    assert_int_equal(node_store_open(path, pass, strlen(pass), &opt, &st, err, sizeof err), MPC_OK);
    assert_int_equal(node_store_keyinfo_get(st, kt, wallet, ki), MPC_OK);
    for (uint32_t v = 1; v <= 2; v++) { /* which share records exist */
        char rec[NODE_STORE_NAME_MAX + 1];
        uint8_t *data = NULL;
        size_t len = 0;
        assert_int_equal(node_store_name_share(rec, sizeof rec, kt, wallet, v), MPC_OK);
        mpc_status g = node_store_get(st, rec, &data, &len);
        assert_true(g == MPC_OK || g == MPC_ERR_NOT_FOUND);
        shares[v - 1] = g == MPC_OK;
        mpc_secure_free(data);
    }
    node_store_close(st);
    free(path);
    assert_int_equal(dc_node_spawn(&g_c, i), 0);
    assert_true(dc_wait_ready(&g_c, WAIT_MS));
}

static int
version_has(const struct node_store_keyinfo_version *v, const char *id)
{
    for (uint16_t i = 0; i < v->n_participants; i++) {
        if (strcmp(v->participants[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}

static void
test_reshare_to_new_member_both_types(void **state)
{
    (void)state;
    Mpc__KeyType both[2] = {MPC__KEY_TYPE__KEY_TYPE_ED25519, MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results res;
    uint8_t pk_ec[33], pk_ed[32];
    (void)keygen_ok("e-kg-j", "ej", 2, both, 2, MPC__KEY_TYPE__KEY_TYPE_SECP256K1, pk_ec, 33);
    assert_int_equal(dc_collect(&g_c, "e-kg-j", 6, WAIT_MS, &res), MPC_OK);
    for (size_t i = 0; i < res.count; i++) {
        if (res.r[i]->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519) {
            memcpy(pk_ed, res.r[i]->public_key.data, 32);
        }
    }
    dc_results_clear(&res);

    /* node-4 holds nothing: before the reshare it cannot sign */
    char *n14[] = {"node-1", "node-4"};
    uint8_t digest[32];
    fill_digest(digest);
    sign_req(&r, &s, "e-sg-j0", "ej", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, n14, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    assert_int_equal(from_node(&res, "node-1")->status_code, MPC_ERR_UNKNOWN_PARTICIPANT);
    assert_int_equal(from_node(&res, "node-4")->status_code, MPC_ERR_UNKNOWN_WALLET);
    dc_results_clear(&res);

    /* secp256k1: {1,2,3} 2-of-3 -> {1,2,4} 2-of-3; old and new members answer */
    uint64_t ms = reshare_ok("e-rs-j1", "ej", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, 2, g_124, 3, 4,
                             pk_ec, 33, 2);
    printf("latency secp256k1 reshare {1,2,3} -> {1,2,4} (new member): %llu ms\n",
           (unsigned long long)ms);
    (void)ecdsa_sign_ok("e-sg-j1", "ej", pk_ec, n14, 2, 1);
    char *n24[] = {"node-2", "node-4"};
    (void)ecdsa_sign_ok("e-sg-j2", "ej", pk_ec, n24, 2, 0);

    /* ed25519, the same move */
    (void)reshare_ok("e-rs-j2", "ej", MPC__KEY_TYPE__KEY_TYPE_ED25519, 2, g_124, 3, 4, pk_ed, 32,
                     2);
    const char *msg = "signed by a member that joined later";
    sign_req(&r, &s, "e-sg-j3", "ej", MPC__KEY_TYPE__KEY_TYPE_ED25519, (const uint8_t *)msg,
             strlen(msg), n24, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    expect_all(&res, 2, MPC_OK);
    for (size_t i = 0; i < res.count; i++) {
        assert_int_equal(crypto_sign_verify_detached(res.r[i]->eddsa_signature.data,
                                                     (const uint8_t *)msg, strlen(msg), pk_ed),
                         0);
    }
    dc_results_clear(&res);

    /* node-3 is out of the active version: signing with it is refused */
    char *n13[] = {"node-1", "node-3"};
    fill_digest(digest);
    sign_req(&r, &s, "e-sg-j4", "ej", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, digest, 32, n13, 2);
    assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
    expect_all(&res, 2, MPC_ERR_UNKNOWN_PARTICIPANT);
    dc_results_clear(&res);

    /* and its keyinfo records it: v2 active without node-3, v1 retired */
    static struct node_store_keyinfo ki;
    for (int kt = 1; kt <= 2; kt++) {
        int shares[2];
        read_keyinfo(2, kt, "ej", &ki, shares);
        /* the retired share is deleted (for secp256k1 with its OT setups,
         * spec §7); the v2 record of a removed member is public-only */
        assert_false(shares[0]);
        assert_true(shares[1]);
        assert_int_equal(ki.active_version, 2);
        const struct node_store_keyinfo_version *v2 = node_store_keyinfo_find(&ki, 2);
        const struct node_store_keyinfo_version *v1 = node_store_keyinfo_find(&ki, 1);
        assert_non_null(v2);
        assert_non_null(v1);
        assert_int_equal(v2->state, NODE_STORE_KEY_VERSION_ACTIVE);
        assert_int_equal(v1->state, NODE_STORE_KEY_VERSION_RETIRED);
        assert_false(version_has(v2, "node-3"));
        assert_true(version_has(v2, "node-4"));
        read_keyinfo(3, kt, "ej", &ki, shares); /* node-4: the joined version only */
        assert_false(shares[0]);
        assert_true(shares[1]);
        assert_int_equal(ki.active_version, 2);
        assert_int_equal(ki.n_versions, 1);
        assert_true(version_has(&ki.versions[0], "node-4"));
    }
}

/* node i's store file (caller frees). */
static char *
store_path(size_t i)
{
    char name[32];
    snprintf(name, sizeof name, "node-%zu.mdb", i + 1);
    return node_fixture_path(g_c.dir, name);
}

/* Stops node i (the store file is then ours to read) or restarts it. */
static void
node_pause(size_t i, int resume)
{
    if (!resume) {
        assert_int_equal(dc_node_signal(&g_c, i, SIGTERM, 1), NODE_EXIT_OK);
        return;
    }
    assert_int_equal(dc_node_spawn(&g_c, i), 0);
    assert_true(dc_wait_ready(&g_c, WAIT_MS));
}

#define KR_MAX 64 /* record keys kept per node in this test */

/* The record keys in node i's keyring file (node/store/keyring.h slot layout:
 * "MKR1" || id(16) || key(32)). Out: keys[0..*n). */
static void
keyring_keys(size_t i, uint8_t keys[KR_MAX][NODE_STORE_KEYRING_KEY_BYTES], size_t *n)
{
    char *path = store_path(i), kp[600];
    snprintf(kp, sizeof kp, "%s%s", path, NODE_STORE_KEYRING_SUFFIX);
    free(path);
    size_t len = 0;
    uint8_t *b = node_fixture_read(kp, &len);
    *n = 0;
    for (size_t off = 0; b != NULL && off + NODE_STORE_KEYRING_SLOT_BYTES <= len;
         off += NODE_STORE_KEYRING_SLOT_BYTES) {
        if (memcmp(b + off, "MKR1", 4) == 0 && *n < KR_MAX) {
            memcpy(keys[(*n)++], b + off + 4 + NODE_STORE_KEYRING_ID_BYTES,
                   NODE_STORE_KEYRING_KEY_BYTES);
        }
    }
    free(b);
}

/* Out: keys of after[0..na) not in before[0..nb), into fresh[0..*nf). */
static void
keys_new(uint8_t after[KR_MAX][NODE_STORE_KEYRING_KEY_BYTES], size_t na,
         uint8_t before[KR_MAX][NODE_STORE_KEYRING_KEY_BYTES], size_t nb,
         uint8_t fresh[KR_MAX][NODE_STORE_KEYRING_KEY_BYTES], size_t *nf)
{
    *nf = 0;
    for (size_t a = 0; a < na; a++) {
        int seen = 0;
        for (size_t b = 0; b < nb; b++) {
            seen |= memcmp(after[a], before[b], NODE_STORE_KEYRING_KEY_BYTES) == 0;
        }
        if (!seen) {
            memcpy(fresh[(*nf)++], after[a], NODE_STORE_KEYRING_KEY_BYTES);
        }
    }
}

static void
test_removed_member_keeps_no_signing_power(void **state)
{
    (void)state;
    Mpc__KeyType both[2] = {MPC__KEY_TYPE__KEY_TYPE_ED25519, MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    const size_t holders[2] = {0, 2}; /* node-1 stays, node-3 is removed */
    uint8_t pk_ec[33], pk_ed[32];
    static uint8_t before[2][KR_MAX][NODE_STORE_KEYRING_KEY_BYTES], now[KR_MAX][32],
        v1[2][KR_MAX][32];
    size_t n_before[2], n_now, n_v1[2];
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results res;
    for (size_t h = 0; h < 2; h++) {
        keyring_keys(holders[h], before[h], &n_before[h]);
    }
    (void)keygen_ok("e-kg-rm", "erm", 2, both, 2, MPC__KEY_TYPE__KEY_TYPE_SECP256K1, pk_ec, 33);
    assert_int_equal(dc_collect(&g_c, "e-kg-rm", 6, WAIT_MS, &res), MPC_OK);
    for (size_t i = 0; i < res.count; i++) {
        if (res.r[i]->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519) {
            memcpy(pk_ed, res.r[i]->public_key.data, 32);
        }
    }
    dc_results_clear(&res);
    for (size_t h = 0; h < 2; h++) {
        node_pause(holders[h], 0);
        keyring_keys(holders[h], now, &n_now);
        keys_new(now, n_now, before[h], n_before[h], v1[h], &n_v1[h]);
        assert_int_equal(n_v1[h], 2); /* control: the v1 shares of both key types */
        node_pause(holders[h], 1);
    }
    (void)reshare_ok("e-rs-rm1", "erm", MPC__KEY_TYPE__KEY_TYPE_ED25519, 2, g_124, 3, 4, pk_ed, 32,
                     2);
    (void)reshare_ok("e-rs-rm2", "erm", MPC__KEY_TYPE__KEY_TYPE_SECP256K1, 2, g_124, 3, 4, pk_ec,
                     33, 2);
    /* The old committee {node-1, node-3} asks for version 1: refused by both. */
    char *n13[] = {"node-1", "node-3"};
    uint8_t digest[32];
    for (int kt = 1; kt <= 2; kt++) {
        char rid[32];
        snprintf(rid, sizeof rid, "e-sg-rm-v1-%d", kt);
        fill_digest(digest);
        sign_req(&r, &s, rid, "erm", kt, digest, 32, n13, 2);
        s.key_version = 1;
        assert_int_equal(dc_request(&g_c, &r, NULL, 2, WAIT_MS, &res, NULL), MPC_OK);
        expect_all(&res, 2, MPC_ERR_KEY_VERSION_RETIRED);
        dc_results_clear(&res);
    }
    /* The retired shares' record keys are gone from both keyring files (their
     * sealed bytes left in the stores' free pages no longer open: unit test
     * test_keys_retired_share_is_erased). */
    for (size_t h = 0; h < 2; h++) {
        node_pause(holders[h], 0);
        char *path = store_path(holders[h]), kp[600];
        snprintf(kp, sizeof kp, "%s%s", path, NODE_STORE_KEYRING_SUFFIX);
        for (size_t k = 0; k < n_v1[h]; k++) {
            assert_int_equal(node_fixture_file_contains(kp, v1[h][k], 32), 0);
        }
        free(path);
        node_pause(holders[h], 1);
    }
}

static int
group_setup(void **state)
{
    (void)state;
    g_seed = mpc_test_seed("test_daemon_ecdsa");
    g_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return g_ctx == NULL || dc_start_ready(&g_c, 4, g_argv0, 60000) != MPC_OK ? -1 : 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    dc_destroy(&g_c);
    secp256k1_context_destroy(g_ctx);
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
        cmocka_unit_test(test_ecdsa_keygen_sign_reshare_sign),
        cmocka_unit_test(test_ecdsa_both_key_types),
        cmocka_unit_test(test_ecdsa_quarantine),
        cmocka_unit_test(test_reshare_to_new_member_both_types),
        cmocka_unit_test(test_removed_member_keeps_no_signing_power),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    (void)transport_nats_global_shutdown(5000);
    return failed;
}

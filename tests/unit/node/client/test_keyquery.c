/*
 * test_keyquery.c — the key-info query codec (node/client/keyquery.h): query
 * and reply round trips, and every refusal with its own status: a tampered
 * field, an unknown client, an expired or far-future query, a malformed one;
 * a reply signed by the wrong node key, tampered, answering another query
 * (replayed: another nonce) or naming another node, or stating impossible facts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "node/client/keyquery.h"
#include "proto/keyinfo.pb-c.h"

#define NOW 1700000000000ull /* a fixed wall clock (ms) */

static node_store_identity *g_client; /* the configured initiator */
static node_store_identity *g_other;  /* a key no node accepts */
static node_store_identity *g_node;   /* node-1's identity */
static uint8_t g_nonce[16];

static int
group_setup(void **state)
{
    (void)state;
    memset(g_nonce, 0x6b, sizeof g_nonce);
    if (mpc_crypto_init() != MPC_OK || node_store_identity_generate(&g_client) != MPC_OK ||
        node_store_identity_generate(&g_other) != MPC_OK ||
        node_store_identity_generate(&g_node) != MPC_OK) {
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    node_store_identity_destroy(g_client);
    node_store_identity_destroy(g_other);
    node_store_identity_destroy(g_node);
    return 0;
}

/* The accepted clients: g_client only. */
static const uint8_t (*clients(void))[32]
{
    static uint8_t k[1][32];
    memcpy(k[0], node_store_identity_public_key(g_client), 32);
    return (const uint8_t(*)[32])k;
}

static struct node_client_keyquery_facts
facts(void)
{
    struct node_client_keyquery_facts f;
    memset(&f, 0, sizeof f);
    f.key_type = 2;
    strcpy(f.wallet, "w-1");
    f.public_key[0] = 0x02;
    memset(f.public_key + 1, 0x11, 32);
    f.public_key_len = 33;
    memset(f.chain, 0xc4, 32);
    f.has_chain = 1;
    f.active_version = 2;
    f.threshold = 2;
    f.n_committee = 3;
    strcpy(f.committee[0], "node-1");
    strcpy(f.committee[1], "node-2");
    strcpy(f.committee[2], "node-3");
    return f;
}

/* A signed query of g_client for (secp256k1, w-1). Out: *q, *out (free), *len. */
static void
make_query(struct node_client_keyquery *q, uint8_t **out, size_t *len)
{
    assert_int_equal(node_client_keyquery_create(g_client, 2, "w-1", g_nonce, sizeof g_nonce, NOW,
                                                 30000, q, out, len),
                     MPC_OK);
}

/* Flips the first byte of the first occurrence of pat in buf. */
static void
flip_at(uint8_t *buf, size_t len, const void *pat, size_t plen)
{
    for (size_t i = 0; i + plen <= len; i++) {
        if (memcmp(buf + i, pat, plen) == 0) {
            buf[i] ^= 0x01;
            return;
        }
    }
    fail_msg("pattern not found");
}

static void
test_keyquery_round_trip(void **state)
{
    (void)state;
    struct node_client_keyquery q, open;
    uint8_t *qb = NULL, *rb = NULL;
    size_t ql = 0, rl = 0;
    make_query(&q, &qb, &ql);
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW + 1000), MPC_OK);
    assert_int_equal(open.key_type, 2);
    assert_string_equal(open.wallet, "w-1");
    assert_memory_equal(open.nonce, g_nonce, sizeof g_nonce);
    assert_memory_equal(open.sha256, q.sha256, 32);
    assert_memory_equal(open.client_pk, node_store_identity_public_key(g_client), 32);
    assert_int_equal(open.expires_at_ms, NOW + 30000);
    struct node_client_keyquery_facts f = facts();
    assert_int_equal(node_client_keyquery_reply(g_node, "node-1", &open, MPC_OK, &f, &rb, &rl),
                     MPC_OK);
    struct node_client_keyquery_answer a;
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1",
                                                 node_store_identity_public_key(g_node), &q),
                     MPC_OK);
    assert_int_equal(a.status, MPC_OK);
    assert_string_equal(a.node_id, "node-1");
    assert_true(node_client_keyquery_facts_equal(&a.facts, &f));
    free(qb);
    free(rb);
}

static void
test_keyquery_refusal_is_signed_status(void **state)
{
    (void)state;
    struct node_client_keyquery q;
    uint8_t *qb = NULL, *rb = NULL;
    size_t ql = 0, rl = 0;
    make_query(&q, &qb, &ql);
    assert_int_equal(
        node_client_keyquery_reply(g_node, "node-1", &q, MPC_ERR_KEY_PENDING, NULL, &rb, &rl),
        MPC_OK);
    struct node_client_keyquery_answer a;
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1",
                                                 node_store_identity_public_key(g_node), &q),
                     MPC_OK);
    assert_int_equal(a.status, MPC_ERR_KEY_PENDING);
    assert_int_equal(a.facts.public_key_len, 0);
    free(qb);
    free(rb);
}

static void
test_keyquery_open_refuses_unknown_client(void **state)
{
    (void)state;
    struct node_client_keyquery q, open;
    uint8_t *qb = NULL;
    size_t ql = 0;
    assert_int_equal(node_client_keyquery_create(g_other, 2, "w-1", g_nonce, sizeof g_nonce, NOW,
                                                 30000, &q, &qb, &ql),
                     MPC_OK);
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_UNKNOWN_CLIENT);
    assert_true(open.decoded); /* the refusal can still be bound to the query */
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, NULL, 0, NOW),
                     MPC_ERR_KEYINFO_UNKNOWN_CLIENT);
    free(qb);
}

static void
test_keyquery_open_refuses_tampered_field(void **state)
{
    (void)state;
    struct node_client_keyquery q, open;
    uint8_t *qb = NULL;
    size_t ql = 0;
    make_query(&q, &qb, &ql);
    flip_at(qb, ql, "w-1", 3); /* the wallet: "v-1" */
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_BAD_SIGNATURE);
    flip_at(qb, ql, "v-1", 3);
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW), MPC_OK);
    flip_at(qb, ql, g_nonce, sizeof g_nonce); /* the nonce */
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_BAD_SIGNATURE);
    free(qb);
}

static void
test_keyquery_open_refuses_expired(void **state)
{
    (void)state;
    struct node_client_keyquery q, open;
    uint8_t *qb = NULL;
    size_t ql = 0;
    make_query(&q, &qb, &ql);
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW + 29999), MPC_OK);
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW + 30000),
                     MPC_ERR_KEYINFO_EXPIRED);
    /* made more than the allowed skew ahead of the node's clock */
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1,
                                               NOW - NODE_CLIENT_KEYQUERY_SKEW_MS - 1),
                     MPC_ERR_KEYINFO_EXPIRED);
    free(qb);
}

/* A query signed by g_client with the given fields (bypassing create's checks). */
static void
raw_query(uint64_t created, uint64_t expires, size_t nonce_len, uint8_t **out, size_t *len)
{
    Mpc__KeyInfoQuery m = MPC__KEY_INFO_QUERY__INIT;
    uint8_t nonce[40], qb[256], sig[64], msg[300];
    memset(nonce, 7, sizeof nonce);
    m.format = 1;
    m.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    m.wallet_id = "w-1";
    m.nonce.data = nonce;
    m.nonce.len = nonce_len;
    m.created_at_ms = created;
    m.expires_at_ms = expires;
    size_t ql = mpc__key_info_query__pack(&m, qb);
    memcpy(msg, NODE_CLIENT_KEYQUERY_QUERY_DOMAIN, sizeof NODE_CLIENT_KEYQUERY_QUERY_DOMAIN);
    memcpy(msg + sizeof NODE_CLIENT_KEYQUERY_QUERY_DOMAIN, qb, ql);
    assert_int_equal(
        node_store_identity_sign(g_client, sig, msg, sizeof NODE_CLIENT_KEYQUERY_QUERY_DOMAIN + ql),
        MPC_OK);
    Mpc__KeyInfoSignedQuery s = MPC__KEY_INFO_SIGNED_QUERY__INIT;
    s.query.data = qb;
    s.query.len = ql;
    s.client_public_key.data = (uint8_t *)node_store_identity_public_key(g_client);
    s.client_public_key.len = 32;
    s.signature.data = sig;
    s.signature.len = 64;
    *out = malloc(mpc__key_info_signed_query__get_packed_size(&s));
    *len = mpc__key_info_signed_query__pack(&s, *out);
}

static void
test_keyquery_open_refuses_long_expiry_and_bad_nonce(void **state)
{
    (void)state;
    struct node_client_keyquery open;
    uint8_t *qb = NULL;
    size_t ql = 0;
    raw_query(NOW, NOW + NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS, 16, &qb, &ql);
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW), MPC_OK);
    free(qb);
    raw_query(NOW, NOW + NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS + 1, 16, &qb, &ql);
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_EXPIRED);
    free(qb);
    raw_query(NOW, NOW + 1000, 15, &qb, &ql); /* nonce too short */
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_MALFORMED);
    assert_false(open.decoded);
    free(qb);
    raw_query(NOW, NOW + 1000, 33, &qb, &ql); /* nonce too long */
    assert_int_equal(node_client_keyquery_open(&open, qb, ql, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_MALFORMED);
    free(qb);
}

static void
test_keyquery_open_refuses_malformed(void **state)
{
    (void)state;
    struct node_client_keyquery open;
    uint8_t junk[64];
    memset(junk, 0xff, sizeof junk);
    assert_int_equal(node_client_keyquery_open(&open, junk, sizeof junk, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_MALFORMED);
    assert_false(open.decoded);
    assert_int_equal(node_client_keyquery_open(&open, junk, 0, clients(), 1, NOW),
                     MPC_ERR_KEYINFO_MALFORMED);
    uint8_t *big = calloc(1, NODE_CLIENT_KEYQUERY_MAX + 1);
    assert_int_equal(
        node_client_keyquery_open(&open, big, NODE_CLIENT_KEYQUERY_MAX + 1, clients(), 1, NOW),
        MPC_ERR_KEYINFO_MALFORMED);
    free(big);
    assert_int_equal(node_client_keyquery_open(NULL, junk, 1, clients(), 1, NOW),
                     MPC_ERR_INVALID_ARG);
}

static void
test_keyquery_create_refuses_bad_args(void **state)
{
    (void)state;
    struct node_client_keyquery q;
    uint8_t *qb = NULL;
    size_t ql = 0;
    assert_int_equal(
        node_client_keyquery_create(g_client, 9, "w-1", g_nonce, 16, NOW, 1000, &q, &qb, &ql),
        MPC_ERR_INVALID_ARG);
    assert_int_equal(
        node_client_keyquery_create(g_client, 2, "w 1", g_nonce, 16, NOW, 1000, &q, &qb, &ql),
        MPC_ERR_INVALID_ARG);
    assert_int_equal(
        node_client_keyquery_create(g_client, 2, "w-1", g_nonce, 8, NOW, 1000, &q, &qb, &ql),
        MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_keyquery_create(g_client, 2, "w-1", g_nonce, 16, NOW,
                                                 NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS + 1, &q, &qb,
                                                 &ql),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(
        node_client_keyquery_create(NULL, 2, "w-1", g_nonce, 16, NOW, 1000, &q, &qb, &ql),
        MPC_ERR_INVALID_ARG);
    assert_null(qb);
    assert_int_equal(ql, 0);
}

/* A signed reply of g_node as node_id to q with facts f. Out: *rb (free), *rl. */
static void
make_reply(const struct node_client_keyquery *q, const char *node_id,
           const struct node_client_keyquery_facts *f, uint8_t **rb, size_t *rl)
{
    assert_int_equal(node_client_keyquery_reply(g_node, node_id, q, MPC_OK, f, rb, rl), MPC_OK);
}

static void
test_keyquery_verify_refuses_wrong_key_and_tamper(void **state)
{
    (void)state;
    struct node_client_keyquery q;
    struct node_client_keyquery_answer a;
    struct node_client_keyquery_facts f = facts();
    uint8_t *qb = NULL, *rb = NULL;
    size_t ql = 0, rl = 0;
    make_query(&q, &qb, &ql);
    make_reply(&q, "node-1", &f, &rb, &rl);
    const uint8_t *node_pk = node_store_identity_public_key(g_node);
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1",
                                                 node_store_identity_public_key(g_other), &q),
                     MPC_ERR_KEYINFO_REPLY_FORGED);
    assert_int_equal(a.status, MPC_OK);
    assert_int_equal(a.node_id[0], '\0');
    flip_at(rb, rl, f.chain, 32); /* the chain code */
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q),
                     MPC_ERR_KEYINFO_REPLY_FORGED);
    free(rb);
    make_reply(&q, "node-1", &f, &rb, &rl);
    flip_at(rb, rl, "node-2", 6); /* the committee */
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q),
                     MPC_ERR_KEYINFO_REPLY_FORGED);
    free(rb);
    uint8_t junk[8] = {0xff};
    assert_int_equal(node_client_keyquery_verify(&a, junk, sizeof junk, "node-1", node_pk, &q),
                     MPC_ERR_KEYINFO_MALFORMED);
    free(qb);
}

static void
test_keyquery_verify_refuses_replayed_reply(void **state)
{
    (void)state;
    struct node_client_keyquery q1, q2;
    struct node_client_keyquery_answer a;
    struct node_client_keyquery_facts f = facts();
    uint8_t *qb1 = NULL, *qb2 = NULL, *rb = NULL, nonce2[16];
    size_t ql = 0, rl = 0;
    const uint8_t *node_pk = node_store_identity_public_key(g_node);
    memset(nonce2, 0x33, sizeof nonce2);
    make_query(&q1, &qb1, &ql);
    assert_int_equal(node_client_keyquery_create(g_client, 2, "w-1", nonce2, sizeof nonce2, NOW,
                                                 30000, &q2, &qb2, &ql),
                     MPC_OK);
    make_reply(&q1, "node-1", &f, &rb, &rl);
    /* the answer to an older query (another nonce) is no answer to this one */
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q2),
                     MPC_ERR_KEYINFO_REPLY_MISMATCH);
    /* signed by the right key, but naming another node */
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-2", node_pk, &q1),
                     MPC_ERR_KEYINFO_REPLY_MISMATCH);
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q1), MPC_OK);
    free(rb);
    /* each binding on its own: the same query hash with another nonce, and the reverse */
    struct node_client_keyquery qx = q1;
    qx.nonce[0] ^= 1;
    make_reply(&qx, "node-1", &f, &rb, &rl);
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q1),
                     MPC_ERR_KEYINFO_REPLY_MISMATCH);
    free(rb);
    qx = q1;
    qx.sha256[0] ^= 1;
    make_reply(&qx, "node-1", &f, &rb, &rl);
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q1),
                     MPC_ERR_KEYINFO_REPLY_MISMATCH);
    free(rb);
    /* the facts of another wallet than asked */
    strcpy(f.wallet, "w-2");
    make_reply(&q1, "node-1", &f, &rb, &rl);
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q1),
                     MPC_ERR_KEYINFO_REPLY_MISMATCH);
    free(rb);
    free(qb1);
    free(qb2);
}

static void
test_keyquery_verify_refuses_impossible_facts(void **state)
{
    (void)state;
    struct node_client_keyquery q;
    struct node_client_keyquery_answer a;
    uint8_t *qb = NULL, *rb = NULL;
    size_t ql = 0, rl = 0;
    const uint8_t *node_pk = node_store_identity_public_key(g_node);
    make_query(&q, &qb, &ql);
    struct node_client_keyquery_facts f = facts();
    strcpy(f.committee[0], "node-9"); /* node-1 is no member */
    make_reply(&q, "node-1", &f, &rb, &rl);
    assert_int_equal(node_client_keyquery_verify(&a, rb, rl, "node-1", node_pk, &q),
                     MPC_ERR_KEYINFO_MALFORMED);
    free(rb);
    f = facts();
    f.threshold = 1; /* the node refuses to sign such facts */
    assert_int_equal(node_client_keyquery_reply(g_node, "node-1", &q, MPC_OK, &f, &rb, &rl),
                     MPC_ERR_INVALID_ARG);
    f = facts();
    f.public_key_len = 32; /* wrong length for secp256k1 */
    assert_int_equal(node_client_keyquery_reply(g_node, "node-1", &q, MPC_OK, &f, &rb, &rl),
                     MPC_ERR_INVALID_ARG);
    f = facts();
    strcpy(f.committee[2], "node-1"); /* duplicate member */
    assert_int_equal(node_client_keyquery_reply(g_node, "node-1", &q, MPC_OK, &f, &rb, &rl),
                     MPC_ERR_INVALID_ARG);
    assert_null(rb);
    free(qb);
}

static void
test_keyquery_facts_equal_names_each_field(void **state)
{
    (void)state;
    struct node_client_keyquery_facts a = facts(), b;
    b = a;
    assert_true(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    b.public_key[5] ^= 1;
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    b.chain[31] ^= 1;
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    b.has_chain = 0;
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    b.active_version = 3;
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    b.threshold = 3;
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    strcpy(b.committee[2], "node-4");
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    b.n_committee = 2;
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    b.key_type = 3;
    assert_false(node_client_keyquery_facts_equal(&a, &b));
    b = a;
    strcpy(b.wallet, "w-2");
    assert_false(node_client_keyquery_facts_equal(&a, &b));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyquery_round_trip),
        cmocka_unit_test(test_keyquery_refusal_is_signed_status),
        cmocka_unit_test(test_keyquery_open_refuses_unknown_client),
        cmocka_unit_test(test_keyquery_open_refuses_tampered_field),
        cmocka_unit_test(test_keyquery_open_refuses_expired),
        cmocka_unit_test(test_keyquery_open_refuses_long_expiry_and_bad_nonce),
        cmocka_unit_test(test_keyquery_open_refuses_malformed),
        cmocka_unit_test(test_keyquery_create_refuses_bad_args),
        cmocka_unit_test(test_keyquery_verify_refuses_wrong_key_and_tamper),
        cmocka_unit_test(test_keyquery_verify_refuses_replayed_reply),
        cmocka_unit_test(test_keyquery_verify_refuses_impossible_facts),
        cmocka_unit_test(test_keyquery_facts_equal_names_each_field),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

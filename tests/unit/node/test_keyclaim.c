/*
 * test_keyclaim.c — signed key claims for members joining by reshare
 * (node/keyclaim.h): query and claim encodings, signature (checked with
 * libsodium's verifier inside open, and against a flipped byte everywhere),
 * binding to the query and the sender, and the two acceptance rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "node/keyclaim.h"
#include "tests/support/test_rng.h"

static node_store_identity *g_id;  /* the claiming node */
static node_store_identity *g_id2; /* another node */

static void
query_ok(struct node_keyclaim_query *q)
{
    memset(q, 0, sizeof *q);
    q->key_type = 2;
    strcpy(q->wallet, "wallet-1");
    test_rng_bytes(q->nonce, sizeof q->nonce);
}

static void
claim_ok(struct node_keyclaim *c, const uint8_t *rec, size_t rec_len)
{
    memset(c, 0, sizeof *c);
    query_ok(&c->q);
    strcpy(c->node_id, "node-2");
    c->found = 1;
    c->active_version = 3;
    c->record = rec;
    c->record_len = rec_len;
}

static void
test_keyclaim_query_round_trip_and_malformed(void **state)
{
    (void)state;
    struct node_keyclaim_query q, got;
    uint8_t buf[NODE_KEYCLAIM_QUERY_MAX];
    size_t len = 0;
    query_ok(&q);
    assert_int_equal(node_keyclaim_query_encode(&q, buf, sizeof buf, &len), MPC_OK);
    assert_int_equal(len, 3 + strlen("wallet-1") + NODE_KEYCLAIM_NONCE);
    assert_int_equal(node_keyclaim_query_decode(&got, buf, len), MPC_OK);
    assert_int_equal(got.key_type, 2);
    assert_string_equal(got.wallet, "wallet-1");
    assert_memory_equal(got.nonce, q.nonce, NODE_KEYCLAIM_NONCE);
    for (size_t cut = 0; cut < len; cut++) { /* every truncation */
        assert_int_equal(node_keyclaim_query_decode(&got, buf, cut), MPC_ERR_MSG_MALFORMED);
    }
    uint8_t longer[NODE_KEYCLAIM_QUERY_MAX + 1];
    memcpy(longer, buf, len);
    longer[len] = 0;
    assert_int_equal(node_keyclaim_query_decode(&got, longer, len + 1), MPC_ERR_MSG_MALFORMED);
    buf[0] = 9; /* format */
    assert_int_equal(node_keyclaim_query_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
    buf[0] = 1;
    buf[1] = 7; /* key type */
    assert_int_equal(node_keyclaim_query_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
    buf[1] = 3; /* secp256k1-tr keys are claimed like the others */
    assert_int_equal(node_keyclaim_query_decode(&got, buf, len), MPC_OK);
    assert_int_equal(got.key_type, 3);
    buf[1] = 2;
    buf[3] = '/'; /* wallet charset */
    assert_int_equal(node_keyclaim_query_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
    /* bad arguments */
    assert_int_equal(node_keyclaim_query_encode(&q, buf, 5, &len), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
    q.key_type = 0;
    assert_int_equal(node_keyclaim_query_encode(&q, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyclaim_query_encode(NULL, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyclaim_query_decode(NULL, buf, 3), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyclaim_query_decode(&got, NULL, 3), MPC_ERR_INVALID_ARG);
}

/* Found by fuzz_keyclaim: a length-prefixed id with a NUL inside decoded as the shorter id. */
static void
test_keyclaim_rejects_nul_inside_ids(void **state)
{
    (void)state;
    struct node_keyclaim_query q, got;
    uint8_t buf[NODE_KEYCLAIM_QUERY_MAX];
    size_t len = 0;
    query_ok(&q);
    assert_int_equal(node_keyclaim_query_encode(&q, buf, sizeof buf, &len), MPC_OK);
    buf[3 + 6] = '\0'; /* "wallet-1" -> "wallet\0" "1": same length, NUL inside */
    assert_int_equal(node_keyclaim_query_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
    /* a signed claim whose node id is "node-2\0z": only "node-2" would be seen */
    query_ok(&q);
    assert_int_equal(node_keyclaim_query_encode(&q, buf, sizeof buf, &len), MPC_OK);
    static const char dom[] = "mpc-node/keyclaim/v1";
    uint8_t msg[sizeof dom + NODE_KEYCLAIM_QUERY_MAX + 16], claim[NODE_KEYCLAIM_QUERY_MAX + 80];
    size_t body = 0;
    memcpy(claim, buf, len);
    body = len;
    claim[body++] = 8;
    memcpy(claim + body, "node-2\0z", 8);
    body += 8;
    claim[body++] = 0; /* not found */
    memcpy(msg, dom, sizeof dom);
    memcpy(msg + sizeof dom, claim, body);
    assert_int_equal(node_store_identity_sign(g_id, claim + body, msg, sizeof dom + body), MPC_OK);
    struct node_keyclaim c;
    assert_int_equal(node_keyclaim_open(&c, claim, body + 64, &q, "node-2",
                                        node_store_identity_public_key(g_id)),
                     MPC_ERR_MSG_MALFORMED);
    claim[body - 3] = 'z'; /* "node-2zz" is a valid id, signed: then only the sender differs */
    memcpy(msg + sizeof dom, claim, body);
    assert_int_equal(node_store_identity_sign(g_id, claim + body, msg, sizeof dom + body), MPC_OK);
    assert_int_equal(node_keyclaim_open(&c, claim, body + 64, &q, "node-2zz",
                                        node_store_identity_public_key(g_id)),
                     MPC_OK);
}

static void
test_keyclaim_open_success_found_and_not_found(void **state)
{
    (void)state;
    uint8_t rec[100], *b = NULL;
    size_t len = 0;
    struct node_keyclaim c, got;
    test_rng_bytes(rec, sizeof rec);
    claim_ok(&c, rec, sizeof rec);
    assert_int_equal(node_keyclaim_encode(&c, g_id, &b, &len), MPC_OK);
    assert_int_equal(
        node_keyclaim_open(&got, b, len, &c.q, "node-2", node_store_identity_public_key(g_id)),
        MPC_OK);
    assert_int_equal(got.found, 1);
    assert_int_equal(got.active_version, 3);
    assert_int_equal(got.record_len, sizeof rec);
    assert_memory_equal(got.record, rec, sizeof rec);
    assert_string_equal(got.node_id, "node-2");
    /* the signature is Ed25519 over the domain tag and the body */
    static const char dom[] = "mpc-node/keyclaim/v1";
    uint8_t *m = malloc(sizeof dom + len - 64);
    assert_non_null(m);
    memcpy(m, dom, sizeof dom);
    memcpy(m + sizeof dom, b, len - 64);
    assert_int_equal(crypto_sign_verify_detached(b + len - 64, m, sizeof dom + len - 64,
                                                 node_store_identity_public_key(g_id)),
                     0);
    free(m);
    free(b);
    c.found = 0;
    c.record = NULL;
    c.record_len = 0;
    assert_int_equal(node_keyclaim_encode(&c, g_id, &b, &len), MPC_OK);
    assert_int_equal(
        node_keyclaim_open(&got, b, len, &c.q, "node-2", node_store_identity_public_key(g_id)),
        MPC_OK);
    assert_int_equal(got.found, 0);
    assert_null(got.record);
    free(b);
}

static void
test_keyclaim_open_rejects_tampering_and_rebinding(void **state)
{
    (void)state;
    uint8_t rec[40], *b = NULL;
    size_t len = 0;
    struct node_keyclaim c, got;
    test_rng_bytes(rec, sizeof rec);
    claim_ok(&c, rec, sizeof rec);
    assert_int_equal(node_keyclaim_encode(&c, g_id, &b, &len), MPC_OK);
    const uint8_t *pk = node_store_identity_public_key(g_id);
    for (size_t i = 0; i < len; i++) { /* any flipped byte: malformed or a bad signature */
        b[i] ^= 0x04;
        mpc_status st = node_keyclaim_open(&got, b, len, &c.q, "node-2", pk);
        assert_true(st == MPC_ERR_MSG_MALFORMED || st == MPC_ERR_MSG_BAD_SIGNATURE);
        assert_int_equal(got.found, 0);
        b[i] ^= 0x04;
    }
    assert_int_equal(node_keyclaim_open(&got, b, len - 1, &c.q, "node-2", pk),
                     MPC_ERR_MSG_MALFORMED);
    /* signed by someone else */
    assert_int_equal(
        node_keyclaim_open(&got, b, len, &c.q, "node-2", node_store_identity_public_key(g_id2)),
        MPC_ERR_MSG_BAD_SIGNATURE);
    /* a genuine claim replayed to another query (nonce) or attributed to another node */
    struct node_keyclaim_query other = c.q;
    other.nonce[0] ^= 1;
    assert_int_equal(node_keyclaim_open(&got, b, len, &other, "node-2", pk), MPC_ERR_TRANSCRIPT);
    other = c.q;
    strcpy(other.wallet, "wallet-2");
    assert_int_equal(node_keyclaim_open(&got, b, len, &other, "node-2", pk), MPC_ERR_TRANSCRIPT);
    assert_int_equal(node_keyclaim_open(&got, b, len, &c.q, "node-3", pk), MPC_ERR_TRANSCRIPT);
    assert_int_equal(node_keyclaim_open(NULL, b, len, &c.q, "node-2", pk), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyclaim_open(&got, NULL, len, &c.q, "node-2", pk), MPC_ERR_INVALID_ARG);
    free(b);
}

static void
test_keyclaim_encode_bad_args(void **state)
{
    (void)state;
    uint8_t rec[8] = {1}, *b = (uint8_t *)1;
    size_t len = 1;
    struct node_keyclaim c;
    claim_ok(&c, rec, sizeof rec);
    assert_int_equal(node_keyclaim_encode(&c, NULL, &b, &len), MPC_ERR_INVALID_ARG);
    assert_null(b);
    assert_int_equal(len, 0);
    c.active_version = 0; /* found needs a version */
    assert_int_equal(node_keyclaim_encode(&c, g_id, &b, &len), MPC_ERR_INVALID_ARG);
    c.active_version = 1;
    c.record = NULL; /* and a record */
    assert_int_equal(node_keyclaim_encode(&c, g_id, &b, &len), MPC_ERR_INVALID_ARG);
    c.record = rec;
    c.record_len = NODE_KEYCLAIM_REC_MAX + 1;
    assert_int_equal(node_keyclaim_encode(&c, g_id, &b, &len), MPC_ERR_INVALID_ARG);
    c.record_len = sizeof rec;
    strcpy(c.node_id, "bad id");
    assert_int_equal(node_keyclaim_encode(&c, g_id, &b, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyclaim_encode(NULL, g_id, &b, &len), MPC_ERR_INVALID_ARG);
}

/* claims[i] from node-(i+1); found ones carry rec (version 2). */
static void
claims_fill(struct node_keyclaim *cl, size_t n, const uint8_t *rec, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        memset(&cl[i], 0, sizeof cl[i]);
        snprintf(cl[i].node_id, sizeof cl[i].node_id, "node-%zu", i + 1);
        cl[i].found = 1;
        cl[i].active_version = 2;
        cl[i].record = rec;
        cl[i].record_len = len;
    }
}

static void
test_keyclaim_agree(void **state)
{
    (void)state;
    uint8_t rec[16] = {1, 2, 3}, rec2[16] = {1, 2, 4};
    struct node_keyclaim cl[4];
    size_t chosen = 99;
    const char *who = NULL;
    claims_fill(cl, 4, rec, sizeof rec);
    cl[0].found = 0; /* a node without the key is no vote */
    cl[0].record = NULL;
    assert_int_equal(node_keyclaim_agree(cl, 4, &chosen, &who), MPC_OK);
    assert_int_equal(chosen, 1);
    assert_null(who);
    cl[3].record = rec2; /* a different record */
    assert_int_equal(node_keyclaim_agree(cl, 4, &chosen, &who), MPC_ERR_EQUIVOCATION);
    assert_string_equal(who, "node-4");
    assert_int_equal(chosen, 4);
    cl[3].record = rec;
    cl[2].active_version = 1; /* a different version */
    assert_int_equal(node_keyclaim_agree(cl, 4, &chosen, &who), MPC_ERR_EQUIVOCATION);
    assert_string_equal(who, "node-3");
    cl[2].active_version = 2;
    cl[2].record_len = 15; /* a different length */
    assert_int_equal(node_keyclaim_agree(cl, 4, &chosen, &who), MPC_ERR_EQUIVOCATION);
    for (size_t i = 0; i < 4; i++) {
        cl[i].found = 0;
    }
    assert_int_equal(node_keyclaim_agree(cl, 4, &chosen, &who), MPC_ERR_UNKNOWN_WALLET);
    assert_int_equal(node_keyclaim_agree(cl, 0, &chosen, &who), MPC_ERR_UNKNOWN_WALLET);
    assert_int_equal(node_keyclaim_agree(NULL, 2, &chosen, &who), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyclaim_agree(cl, 4, NULL, &who), MPC_ERR_INVALID_ARG);
}

static void
test_keyclaim_vouched(void **state)
{
    (void)state;
    uint8_t rec[4] = {9};
    struct node_keyclaim cl[3];
    const char *who = NULL;
    const char *committee[] = {"node-1", "node-2", "node-3"};
    claims_fill(cl, 3, rec, sizeof rec);
    assert_int_equal(node_keyclaim_vouched(cl, 3, committee, 3, &who), MPC_OK);
    assert_null(who);
    cl[1].found = 0; /* node-2 answered "not found" */
    assert_int_equal(node_keyclaim_vouched(cl, 3, committee, 3, &who), MPC_ERR_PEER_UNAVAILABLE);
    assert_string_equal(who, "node-2");
    /* node-3 did not answer at all */
    cl[1].found = 1;
    assert_int_equal(node_keyclaim_vouched(cl, 2, committee, 3, &who), MPC_ERR_PEER_UNAVAILABLE);
    assert_string_equal(who, "node-3");
    assert_int_equal(node_keyclaim_vouched(cl, 3, committee, 0, &who), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyclaim_vouched(cl, 3, NULL, 3, &who), MPC_ERR_INVALID_ARG);
}

static int
setup(void **state)
{
    (void)state;
    test_rng_init("test_keyclaim");
    if (sodium_init() < 0 || node_store_identity_generate(&g_id) != MPC_OK ||
        node_store_identity_generate(&g_id2) != MPC_OK) {
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    node_store_identity_destroy(g_id);
    node_store_identity_destroy(g_id2);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyclaim_query_round_trip_and_malformed),
        cmocka_unit_test(test_keyclaim_rejects_nul_inside_ids),
        cmocka_unit_test(test_keyclaim_open_success_found_and_not_found),
        cmocka_unit_test(test_keyclaim_open_rejects_tampering_and_rebinding),
        cmocka_unit_test(test_keyclaim_encode_bad_args),
        cmocka_unit_test(test_keyclaim_agree),
        cmocka_unit_test(test_keyclaim_vouched),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_keyconfirm.c — signed key confirmations (node/keyconfirm.h): query and
 * answer round trips, each refusal with its own status (malformed, forged,
 * replayed: an older nonce, another request, another node; a confirmation of
 * another key), the transcript hash, and the resolver's decision rule.
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
#include "node/keyconfirm.h"

static node_store_identity *g_id;  /* the answering member */
static node_store_identity *g_id2; /* another node */

static int
group_setup(void **state)
{
    (void)state;
    if (mpc_crypto_init() != MPC_OK || node_store_identity_generate(&g_id) != MPC_OK ||
        node_store_identity_generate(&g_id2) != MPC_OK) {
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    node_store_identity_destroy(g_id);
    node_store_identity_destroy(g_id2);
    return 0;
}

static struct node_keyconfirm_query
query(void)
{
    struct node_keyconfirm_query q;
    memset(&q, 0, sizeof q);
    q.key_type = 1;
    q.version = 2;
    strcpy(q.request_id, "rq-1");
    strcpy(q.wallet, "w-1");
    memset(q.nonce, 0x5a, sizeof q.nonce);
    return q;
}

static struct node_keyconfirm
confirmation(int kind)
{
    struct node_keyconfirm c;
    memset(&c, 0, sizeof c);
    c.q = query();
    strcpy(c.node_id, "node-2");
    c.kind = kind;
    c.key.pk_len = 32;
    memset(c.key.pk, 0x42, 32);
    c.key.threshold = 2;
    c.key.n = 3;
    strcpy(c.key.committee[0], "node-1");
    strcpy(c.key.committee[1], "node-2");
    strcpy(c.key.committee[2], "node-3");
    memset(c.key.transcript, 0x77, sizeof c.key.transcript);
    return c;
}

/* Encodes c signed by id. */
static size_t
encode(const struct node_keyconfirm *c, const node_store_identity *id, uint8_t *out)
{
    size_t len = 0;
    assert_int_equal(node_keyconfirm_encode(c, id, out, NODE_KEYCONFIRM_MAX, &len), MPC_OK);
    assert_true(len > 64 && len <= NODE_KEYCONFIRM_MAX);
    return len;
}

static void
test_keyconfirm_query_round_trip(void **state)
{
    (void)state;
    struct node_keyconfirm_query q = query(), back;
    uint8_t buf[NODE_KEYCONFIRM_QUERY_MAX];
    size_t len = 0;
    assert_int_equal(node_keyconfirm_query_encode(&q, buf, sizeof buf, &len), MPC_OK);
    assert_int_equal(node_keyconfirm_query_decode(&back, buf, len), MPC_OK);
    assert_memory_equal(&back, &q, sizeof q);
    /* trailing byte, truncation, bad key type, version 0, small buffer */
    assert_int_equal(node_keyconfirm_query_decode(&back, buf, len + 1), MPC_ERR_CONFIRM_MALFORMED);
    assert_int_equal(node_keyconfirm_query_decode(&back, buf, len - 1), MPC_ERR_CONFIRM_MALFORMED);
    q.key_type = 3; /* secp256k1-tr keys are confirmed like the others */
    assert_int_equal(node_keyconfirm_query_encode(&q, buf, sizeof buf, &len), MPC_OK);
    assert_int_equal(node_keyconfirm_query_decode(&back, buf, len), MPC_OK);
    assert_int_equal(back.key_type, 3);
    q.key_type = 4;
    assert_int_equal(node_keyconfirm_query_encode(&q, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    q.key_type = 1;
    assert_int_equal(node_keyconfirm_query_encode(&q, buf, sizeof buf, &len), MPC_OK);
    buf[1] = 9;
    assert_int_equal(node_keyconfirm_query_decode(&back, buf, len), MPC_ERR_CONFIRM_MALFORMED);
    assert_int_equal(node_keyconfirm_query_decode(NULL, buf, len), MPC_ERR_INVALID_ARG);
    q.version = 0;
    assert_int_equal(node_keyconfirm_query_encode(&q, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    q = query();
    assert_int_equal(node_keyconfirm_query_encode(&q, buf, 5, &len), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
}

static void
test_keyconfirm_answer_round_trip(void **state)
{
    (void)state;
    uint8_t buf[NODE_KEYCONFIRM_MAX];
    struct node_keyconfirm_query q = query();
    int kinds[] = {NODE_KEYCONFIRM_PENDING, NODE_KEYCONFIRM_ACTIVE, NODE_KEYCONFIRM_FAILED,
                   NODE_KEYCONFIRM_UNKNOWN, NODE_KEYCONFIRM_RETRY};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        struct node_keyconfirm c = confirmation(kinds[i]), back;
        size_t len = encode(&c, g_id, buf);
        assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2",
                                              node_store_identity_public_key(g_id)),
                         MPC_OK);
        assert_int_equal(back.kind, kinds[i]);
        assert_string_equal(back.node_id, "node-2");
        if (kinds[i] <= NODE_KEYCONFIRM_ACTIVE) {
            assert_int_equal(node_keyconfirm_match(&back, &c.key), MPC_OK);
        } else {
            assert_int_equal(node_keyconfirm_match(&back, &c.key), MPC_ERR_INVALID_ARG);
        }
    }
}

static void
test_keyconfirm_open_refuses_forged(void **state)
{
    (void)state;
    uint8_t buf[NODE_KEYCONFIRM_MAX];
    struct node_keyconfirm_query q = query();
    struct node_keyconfirm c = confirmation(NODE_KEYCONFIRM_PENDING), back;
    const uint8_t *pk = node_store_identity_public_key(g_id);
    /* signed by another identity */
    size_t len = encode(&c, g_id2, buf);
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_FORGED);
    assert_int_equal(back.kind, 0); /* cleared on failure */
    /* a field changed after signing (a FAILED turned into a confirmation is
     * caught the same way: the kind byte is signed) */
    len = encode(&c, g_id, buf);
    buf[len - 64 - 1] ^= 1; /* last transcript byte */
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_FORGED);
    buf[len - 64 - 1] ^= 1;
    buf[len - 1] ^= 0x80; /* the signature */
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_FORGED);
}

static void
test_keyconfirm_open_refuses_replayed(void **state)
{
    (void)state;
    uint8_t buf[NODE_KEYCONFIRM_MAX];
    struct node_keyconfirm c = confirmation(NODE_KEYCONFIRM_PENDING), back;
    const uint8_t *pk = node_store_identity_public_key(g_id);
    size_t len = encode(&c, g_id, buf);
    struct node_keyconfirm_query q = query();
    q.nonce[0] ^= 1; /* a new query: the old answer does not answer it */
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_REPLAYED);
    q = query();
    strcpy(q.request_id, "rq-2"); /* another request */
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_REPLAYED);
    q = query();
    q.version = 3; /* another version */
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_REPLAYED);
    q = query();
    q.key_type = 2;
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_REPLAYED);
    q = query();
    /* node-3 relaying node-2's answer as its own */
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-3", pk),
                     MPC_ERR_CONFIRM_REPLAYED);
}

static void
test_keyconfirm_open_refuses_malformed(void **state)
{
    (void)state;
    uint8_t buf[NODE_KEYCONFIRM_MAX + 8];
    struct node_keyconfirm_query q = query();
    struct node_keyconfirm c = confirmation(NODE_KEYCONFIRM_PENDING), back;
    const uint8_t *pk = node_store_identity_public_key(g_id);
    size_t len = encode(&c, g_id, buf);
    assert_int_equal(node_keyconfirm_open(&back, buf, 64, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_MALFORMED);
    assert_int_equal(node_keyconfirm_open(&back, buf, NODE_KEYCONFIRM_MAX + 1, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_MALFORMED);
    assert_int_equal(node_keyconfirm_open(&back, buf, len - 1, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_MALFORMED);
    /* an unknown kind: the byte after the node id */
    struct node_keyconfirm u = confirmation(NODE_KEYCONFIRM_UNKNOWN);
    len = encode(&u, g_id, buf);
    buf[len - 64 - 1] = 7;
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_MALFORMED);
    buf[len - 64 - 1] = NODE_KEYCONFIRM_RETRY + 1; /* just past the last kind */
    assert_int_equal(node_keyconfirm_open(&back, buf, len, &q, "node-2", pk),
                     MPC_ERR_CONFIRM_MALFORMED);
    u.kind = NODE_KEYCONFIRM_RETRY + 1;
    assert_int_equal(node_keyconfirm_encode(&u, g_id, buf, sizeof buf, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyconfirm_open(NULL, buf, len, &q, "node-2", pk), MPC_ERR_INVALID_ARG);
    /* what cannot be encoded */
    size_t l = 0;
    c.key.threshold = 4; /* > n */
    assert_int_equal(node_keyconfirm_encode(&c, g_id, buf, sizeof buf, &l), MPC_ERR_INVALID_ARG);
    c = confirmation(NODE_KEYCONFIRM_PENDING);
    c.key.n = 0;
    assert_int_equal(node_keyconfirm_encode(&c, g_id, buf, sizeof buf, &l), MPC_ERR_INVALID_ARG);
    c = confirmation(9);
    assert_int_equal(node_keyconfirm_encode(&c, g_id, buf, sizeof buf, &l), MPC_ERR_INVALID_ARG);
    c = confirmation(NODE_KEYCONFIRM_PENDING);
    assert_int_equal(node_keyconfirm_encode(&c, g_id, buf, 10, &l), MPC_ERR_BUFFER_TOO_SMALL);
}

static void
test_keyconfirm_match_names_each_field(void **state)
{
    (void)state;
    struct node_keyconfirm c = confirmation(NODE_KEYCONFIRM_ACTIVE);
    struct node_keyconfirm_key own = c.key;
    assert_int_equal(node_keyconfirm_match(&c, &own), MPC_OK);
    own.pk[3] ^= 1;
    assert_int_equal(node_keyconfirm_match(&c, &own), MPC_ERR_CONFIRM_MISMATCH);
    own = c.key;
    own.threshold = 3;
    assert_int_equal(node_keyconfirm_match(&c, &own), MPC_ERR_CONFIRM_MISMATCH);
    own = c.key;
    strcpy(own.committee[2], "node-4");
    assert_int_equal(node_keyconfirm_match(&c, &own), MPC_ERR_CONFIRM_MISMATCH);
    own = c.key;
    own.transcript[31] ^= 1;
    assert_int_equal(node_keyconfirm_match(&c, &own), MPC_ERR_CONFIRM_MISMATCH);
    own = c.key;
    own.n = 2;
    assert_int_equal(node_keyconfirm_match(&c, &own), MPC_ERR_CONFIRM_MISMATCH);
}

static void
test_keyconfirm_transcript_binds_order_and_values(void **state)
{
    (void)state;
    uint8_t pk[32], a[32], b[32], h1[32], h2[32], h3[32];
    memset(pk, 1, 32);
    memset(a, 2, 32);
    memset(b, 3, 32);
    const uint8_t *ab[] = {a, b}, *ba[] = {b, a};
    size_t lens[] = {32, 32};
    assert_int_equal(node_keyconfirm_transcript(h1, pk, 32, ab, lens, 2), MPC_OK);
    assert_int_equal(node_keyconfirm_transcript(h2, pk, 32, ba, lens, 2), MPC_OK);
    assert_memory_not_equal(h1, h2, 32);
    pk[0] ^= 1;
    assert_int_equal(node_keyconfirm_transcript(h3, pk, 32, ab, lens, 2), MPC_OK);
    assert_memory_not_equal(h1, h3, 32);
    pk[0] ^= 1;
    assert_int_equal(node_keyconfirm_transcript(h3, pk, 32, ab, lens, 2), MPC_OK);
    assert_memory_equal(h1, h3, 32);
    assert_int_equal(node_keyconfirm_transcript(h3, pk, 32, ab, lens, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_keyconfirm_transcript(h3, NULL, 32, ab, lens, 2), MPC_ERR_INVALID_ARG);
}

static void
test_keyconfirm_decide_rule(void **state)
{
    (void)state;
    enum {
        N = NODE_KEYCONFIRM_SEEN_NONE,
        P = NODE_KEYCONFIRM_SEEN_PENDING,
        A = NODE_KEYCONFIRM_SEEN_ACTIVE,
        F = NODE_KEYCONFIRM_SEEN_FAILED,
        M = NODE_KEYCONFIRM_SEEN_MISMATCH,
        R = NODE_KEYCONFIRM_SEEN_RETRY
    };
    const struct {
        uint8_t seen[3];
        int expired;
        enum node_keyconfirm_decision want;
    } cases[] = {
        {{P, P, P}, 0, NODE_KEYCONFIRM_ACTIVATE}, /* everyone confirmed */
        {{P, A, P}, 0, NODE_KEYCONFIRM_ACTIVATE},
        {{P, N, A}, 0, NODE_KEYCONFIRM_ACTIVATE}, /* one activated: it saw every confirmation */
        {{P, P, N}, 0, NODE_KEYCONFIRM_WAIT},     /* one silent: wait */
        {{P, N, N}, 1, NODE_KEYCONFIRM_EXPIRED},  /* until the deadline */
        {{P, P, F}, 0, NODE_KEYCONFIRM_DISCARD},  /* one never stored it */
        {{P, F, A}, 0, NODE_KEYCONFIRM_DISCARD},  /* a failure wins over an activation */
        {{P, M, P}, 0, NODE_KEYCONFIRM_DISCARD},  /* one stored another key */
        {{P, P, F}, 1, NODE_KEYCONFIRM_DISCARD},
        {{P, P, P}, 1, NODE_KEYCONFIRM_ACTIVATE}, /* late but complete */
        /* a member runs another attempt (its own failed, or it discarded its key of this one) */
        {{P, P, R}, 0, NODE_KEYCONFIRM_REDO},    /* discard and join the next attempt */
        {{P, R, N}, 0, NODE_KEYCONFIRM_REDO},    /* no need to hear everyone */
        {{P, R, A}, 0, NODE_KEYCONFIRM_REDO},    /* never stored: it outweighs an activation */
        {{P, R, R}, 1, NODE_KEYCONFIRM_DISCARD}, /* past the deadline: a final discard */
        {{P, R, F}, 0, NODE_KEYCONFIRM_DISCARD}, /* a final failure: nothing to redo */
        {{P, M, R}, 0, NODE_KEYCONFIRM_DISCARD}, /* another key stored: final */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(node_keyconfirm_decide(cases[i].seen, 3, cases[i].expired), cases[i].want);
    }
    assert_int_equal(node_keyconfirm_decide(NULL, 3, 1), NODE_KEYCONFIRM_WAIT);
    uint8_t one[1] = {P};
    assert_int_equal(node_keyconfirm_decide(one, 0, 1), NODE_KEYCONFIRM_WAIT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyconfirm_query_round_trip),
        cmocka_unit_test(test_keyconfirm_answer_round_trip),
        cmocka_unit_test(test_keyconfirm_open_refuses_forged),
        cmocka_unit_test(test_keyconfirm_open_refuses_replayed),
        cmocka_unit_test(test_keyconfirm_open_refuses_malformed),
        cmocka_unit_test(test_keyconfirm_match_names_each_field),
        cmocka_unit_test(test_keyconfirm_transcript_binds_order_and_values),
        cmocka_unit_test(test_keyconfirm_decide_rule),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

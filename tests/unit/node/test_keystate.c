/*
 * test_keystate.c — key-state digest messages and comparison
 * (node/keystate.h): signed queries and replies, each refusal with its own
 * status (signature, addressee, time, nonce, form, order, bounds), the root,
 * and every kind of finding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "node/keystate.h"

#define NOW 1700000000000ull

static node_store_identity *g_a, *g_b; /* node-1, node-2 */

static int
group_setup(void **state)
{
    (void)state;
    assert_int_equal(mpc_crypto_init(), MPC_OK);
    assert_int_equal(node_store_identity_generate(&g_a), MPC_OK);
    assert_int_equal(node_store_identity_generate(&g_b), MPC_OK);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    node_store_identity_destroy(g_a);
    node_store_identity_destroy(g_b);
    return 0;
}

static void
entry(struct node_keystate_entry *e, uint8_t kt, const char *wallet, uint32_t version)
{
    memset(e, 0, sizeof *e);
    e->key_type = kt;
    snprintf(e->wallet, sizeof e->wallet, "%s", wallet);
    e->version = version;
    e->pk_len = 32;
    memset(e->pk, 0x42, 32);
    e->threshold = 2;
    e->n = 3;
    for (int i = 0; i < 3; i++) {
        snprintf(e->committee[i], sizeof e->committee[i], "node-%d", i + 1);
    }
}

static struct node_keystate_query
query(uint8_t mode)
{
    struct node_keystate_query q;
    memset(&q, 0, sizeof q);
    q.mode = mode;
    snprintf(q.from, sizeof q.from, "node-1");
    snprintf(q.to, sizeof q.to, "node-2");
    memset(q.nonce, 0x17, sizeof q.nonce);
    q.time_ms = NOW;
    return q;
}

static void
test_keystate_query_round_trip_and_refusals(void **state)
{
    (void)state;
    uint8_t buf[512];
    size_t len = 0;
    struct node_keystate_query q = query(NODE_KEYSTATE_DETAIL), got;
    q.cursor_key_type = 1;
    snprintf(q.cursor_wallet, sizeof q.cursor_wallet, "w-1");
    assert_int_equal(node_keystate_query_encode(&q, g_a, buf, sizeof buf, &len), MPC_OK);
    assert_int_equal(node_keystate_query_decode(&got, buf, len), MPC_OK);
    assert_string_equal(got.cursor_wallet, "w-1");
    const uint8_t *pka = node_store_identity_public_key(g_a);
    const uint8_t *pkb = node_store_identity_public_key(g_b);
    assert_int_equal(node_keystate_query_verify(&got, buf, len, pka, "node-2", NOW + 1000), MPC_OK);
    assert_int_equal(node_keystate_query_verify(&got, buf, len, pkb, "node-2", NOW),
                     MPC_ERR_MSG_BAD_SIGNATURE);
    assert_int_equal(node_keystate_query_verify(&got, buf, len, pka, "node-3", NOW),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    assert_int_equal(
        node_keystate_query_verify(&got, buf, len, pka, "node-2", NOW + NODE_KEYSTATE_SKEW_MS + 1),
        MPC_ERR_REQ_STALE);
    buf[20] ^= 1; /* inside the nonce: decodes, does not verify */
    assert_int_equal(node_keystate_query_decode(&got, buf, len), MPC_OK);
    assert_int_equal(node_keystate_query_verify(&got, buf, len, pka, "node-2", NOW),
                     MPC_ERR_MSG_BAD_SIGNATURE);
    assert_int_equal(node_keystate_query_decode(&got, buf, len - 70), MPC_ERR_REQ_MALFORMED);
    buf[4] = 9; /* unknown mode */
    assert_int_equal(node_keystate_query_decode(&got, buf, len), MPC_ERR_REQ_MALFORMED);
    q.mode = 7;
    assert_int_equal(node_keystate_query_encode(&q, g_a, buf, sizeof buf, &len),
                     MPC_ERR_INVALID_ARG);
}

/* Encodes a reply of node-2 to q with entries e[0..n). */
static size_t
reply(const struct node_keystate_query *q, struct node_keystate_entry *e, uint16_t n, uint8_t *buf,
      size_t cap, const node_store_identity *id)
{
    struct node_keystate_reply r;
    size_t len = 0;
    memset(&r, 0, sizeof r);
    r.mode = q->mode;
    snprintf(r.from, sizeof r.from, "node-2");
    snprintf(r.to, sizeof r.to, "node-1");
    memcpy(r.nonce, q->nonce, sizeof r.nonce);
    r.time_ms = NOW;
    node_keystate_root(e, n, r.root);
    r.count = n;
    r.n = n;
    r.entries = e;
    assert_int_equal(node_keystate_reply_encode(&r, id, buf, cap, &len), MPC_OK);
    return len;
}

static void
test_keystate_reply_round_trip_and_refusals(void **state)
{
    (void)state;
    static uint8_t buf[NODE_KEYSTATE_MSG_MAX];
    struct node_keystate_entry e[2];
    struct node_keystate_reply r;
    struct node_keystate_query q = query(NODE_KEYSTATE_DETAIL);
    const uint8_t *pkb = node_store_identity_public_key(g_b);
    entry(&e[0], 1, "w-a", 1);
    entry(&e[1], 2, "w-a", 3);
    size_t len = reply(&q, e, 2, buf, sizeof buf, g_b);
    assert_int_equal(node_keystate_reply_open(&r, buf, len, &q, pkb, NOW), MPC_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.entries[1].version, 3);
    assert_string_equal(r.entries[0].committee[2], "node-3");
    node_keystate_reply_clear(&r);
    /* another query's nonce: a replayed reply */
    struct node_keystate_query q2 = q;
    q2.nonce[0] ^= 1;
    assert_int_equal(node_keystate_reply_open(&r, buf, len, &q2, pkb, NOW), MPC_ERR_MSG_REPLAY);
    q2 = q;
    q2.mode = NODE_KEYSTATE_ROOT;
    assert_int_equal(node_keystate_reply_open(&r, buf, len, &q2, pkb, NOW), MPC_ERR_MSG_REPLAY);
    assert_int_equal(
        node_keystate_reply_open(&r, buf, len, &q, node_store_identity_public_key(g_a), NOW),
        MPC_ERR_MSG_BAD_SIGNATURE);
    assert_int_equal(
        node_keystate_reply_open(&r, buf, len, &q, pkb, NOW - NODE_KEYSTATE_SKEW_MS - 1),
        MPC_ERR_REQ_STALE);
    assert_null(r.entries);
    /* out of order (or duplicate) entries: a cursor could loop */
    struct node_keystate_entry bad[2] = {e[1], e[0]};
    len = reply(&q, bad, 2, buf, sizeof buf, g_b);
    assert_int_equal(node_keystate_reply_open(&r, buf, len, &q, pkb, NOW), MPC_ERR_REQ_MALFORMED);
    /* an entry that does not validate: threshold above the committee */
    bad[0] = e[0];
    bad[0].threshold = 4;
    len = reply(&q, bad, 1, buf, sizeof buf, g_b);
    assert_int_equal(node_keystate_reply_open(&r, buf, len, &q, pkb, NOW), MPC_ERR_REQ_MALFORMED);
    bad[0] = e[0];
    snprintf(bad[0].committee[1], sizeof bad[0].committee[1], "bad id!");
    len = reply(&q, bad, 1, buf, sizeof buf, g_b);
    assert_int_equal(node_keystate_reply_open(&r, buf, len, &q, pkb, NOW), MPC_ERR_REQ_MALFORMED);
    assert_int_equal(node_keystate_reply_open(&r, buf, NODE_KEYSTATE_MSG_MAX + 1, &q, pkb, NOW),
                     MPC_ERR_REQ_MALFORMED);
    /* a page larger than the buffer is refused when encoding */
    struct node_keystate_reply big = {.n = 2, .entries = e};
    size_t blen = 0;
    assert_int_equal(node_keystate_reply_encode(&big, g_b, buf, 100, &blen),
                     MPC_ERR_BUFFER_TOO_SMALL);
}

static void
test_keystate_root_binds_every_field_and_order(void **state)
{
    (void)state;
    struct node_keystate_entry e[2], f[2];
    uint8_t r1[32], r2[32];
    entry(&e[0], 1, "w-b", 1);
    entry(&e[1], 1, "w-a", 2);
    node_keystate_sort(e, 2);
    assert_string_equal(e[0].wallet, "w-a");
    node_keystate_root(e, 2, r1);
    memcpy(f, e, sizeof f);
    node_keystate_root(f, 2, r2);
    assert_memory_equal(r1, r2, 32);
    f[1].threshold = 3;
    node_keystate_root(f, 2, r2);
    assert_memory_not_equal(r1, r2, 32);
    memcpy(f, e, sizeof f);
    snprintf(f[0].committee[2], sizeof f[0].committee[2], "node-4");
    node_keystate_root(f, 2, r2);
    assert_memory_not_equal(r1, r2, 32);
    node_keystate_root(e, 1, r2);
    assert_memory_not_equal(r1, r2, 32);
}

static void
test_keystate_compare_names_each_kind(void **state)
{
    (void)state;
    struct node_keystate_entry mine[5], theirs[5];
    struct node_keystate_finding out[8];
    size_t n = 0;
    entry(&mine[0], 1, "agree", 1);
    entry(&mine[1], 1, "diverged", 2);
    entry(&mine[2], 1, "newer", 1);
    entry(&mine[3], 1, "older", 3);
    entry(&mine[4], 1, "only-mine", 1);
    entry(&theirs[0], 1, "agree", 1);
    entry(&theirs[1], 1, "diverged", 2);
    theirs[1].pk[0] ^= 1;
    entry(&theirs[2], 1, "newer", 2);
    entry(&theirs[3], 1, "older", 2);
    entry(&theirs[4], 1, "only-theirs", 1);
    node_keystate_sort(mine, 5);
    node_keystate_sort(theirs, 5);
    node_keystate_compare(mine, 5, theirs, 5, out, 8, &n);
    assert_int_equal(n, 5);
    int seen[6] = {0};
    for (size_t i = 0; i < n; i++) {
        seen[out[i].kind]++;
        if (out[i].kind == NODE_KEYSTATE_DIVERGED) {
            assert_string_equal(out[i].wallet, "diverged");
            assert_string_equal(out[i].field, "public_key");
        } else if (out[i].kind == NODE_KEYSTATE_PEER_NEWER) {
            assert_string_equal(out[i].wallet, "newer");
            assert_int_equal(out[i].my_version, 1);
            assert_int_equal(out[i].peer_version, 2);
            assert_non_null(out[i].peer);
        } else if (out[i].kind == NODE_KEYSTATE_PEER_OLDER) {
            assert_string_equal(out[i].wallet, "older");
        } else if (out[i].kind == NODE_KEYSTATE_PEER_MISSING) {
            assert_string_equal(out[i].wallet, "only-mine");
        } else {
            assert_int_equal(out[i].kind, NODE_KEYSTATE_SELF_MISSING);
            assert_string_equal(out[i].wallet, "only-theirs");
        }
    }
    for (int k = 1; k <= 5; k++) {
        assert_int_equal(seen[k], 1);
    }
    /* same version, another threshold or committee: diverged on that field */
    entry(&theirs[0], 1, "agree", 1);
    theirs[0].threshold = 3;
    node_keystate_compare(mine, 1, theirs, 1, out, 8, &n);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].field, "threshold");
    entry(&theirs[0], 1, "agree", 1);
    theirs[0].n = 2;
    node_keystate_compare(mine, 1, theirs, 1, out, 8, &n);
    assert_string_equal(out[0].field, "committee");
    /* the cap bounds what is written, not what is counted */
    node_keystate_compare(mine, 5, NULL, 0, out, 2, &n);
    assert_int_equal(n, 5);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keystate_query_round_trip_and_refusals),
        cmocka_unit_test(test_keystate_reply_round_trip_and_refusals),
        cmocka_unit_test(test_keystate_root_binds_every_field_and_order),
        cmocka_unit_test(test_keystate_compare_names_each_kind),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

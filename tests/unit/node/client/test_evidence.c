/*
 * test_evidence.c — node/client/evidence.c: the packed evidence round-trips,
 * every malformed form is refused, the digest binds every byte, and the
 * chunk query round-trips and refuses bad ids and framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "node/client/evidence.h"

static void
test_evidence_pack_round_trip(void **state)
{
    (void)state;
    static uint8_t big[40000];
    memset(big, 0x5a, sizeof big);
    const uint8_t small[3] = {1, 2, 3};
    const uint8_t *items[2] = {big, small};
    size_t lens[2] = {sizeof big, sizeof small};
    uint8_t *p = NULL;
    size_t len = 0;
    assert_int_equal(node_client_evidence_pack(items, lens, 2, &p, &len), MPC_OK);
    assert_int_equal(len, 5 + 4 + sizeof big + 4 + sizeof small);
    const uint8_t *got[NODE_CLIENT_EVIDENCE_ITEMS];
    size_t gl[NODE_CLIENT_EVIDENCE_ITEMS], n = 0;
    assert_int_equal(node_client_evidence_unpack(p, len, got, gl, &n), MPC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(gl[0], sizeof big);
    assert_memory_equal(got[0], big, sizeof big);
    assert_int_equal(gl[1], 3);
    assert_memory_equal(got[1], small, 3);
    uint8_t d1[32], d2[32];
    node_client_evidence_digest(d1, p, len);
    p[len - 1] ^= 1; /* any byte changes the digest */
    node_client_evidence_digest(d2, p, len);
    assert_memory_not_equal(d1, d2, 32);
    free(p);
}

static void
test_evidence_unpack_malformed(void **state)
{
    (void)state;
    const uint8_t a[4] = {9, 9, 9, 9};
    const uint8_t *items[1] = {a};
    size_t lens[1] = {sizeof a};
    uint8_t *p = NULL;
    size_t len = 0, n = 7;
    const uint8_t *got[NODE_CLIENT_EVIDENCE_ITEMS];
    size_t gl[NODE_CLIENT_EVIDENCE_ITEMS];
    assert_int_equal(node_client_evidence_pack(items, lens, 1, &p, &len), MPC_OK);
    assert_int_equal(node_client_evidence_unpack(p, len - 1, got, gl, &n), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(n, 0);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, p, len);
    longer[len] = 0;
    assert_int_equal(node_client_evidence_unpack(longer, len + 1, got, gl, &n),
                     MPC_ERR_MSG_MALFORMED); /* trailing byte */
    free(longer);
    p[0] = 2; /* format */
    assert_int_equal(node_client_evidence_unpack(p, len, got, gl, &n), MPC_ERR_MSG_MALFORMED);
    p[0] = 1;
    p[4] = 0; /* zero items */
    assert_int_equal(node_client_evidence_unpack(p, len, got, gl, &n), MPC_ERR_MSG_MALFORMED);
    p[4] = 9; /* too many items */
    assert_int_equal(node_client_evidence_unpack(p, len, got, gl, &n), MPC_ERR_MSG_MALFORMED);
    p[4] = 1;
    p[8] = 0; /* an empty item */
    assert_int_equal(node_client_evidence_unpack(p, len, got, gl, &n), MPC_ERR_MSG_MALFORMED);
    p[8] = 200; /* longer than what is there */
    assert_int_equal(node_client_evidence_unpack(p, len, got, gl, &n), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(node_client_evidence_unpack(NULL, len, got, gl, &n), MPC_ERR_INVALID_ARG);
    free(p);
}

static void
test_evidence_pack_bad_args(void **state)
{
    (void)state;
    const uint8_t a[1] = {1};
    const uint8_t *items[9] = {a, a, a, a, a, a, a, a, a};
    size_t lens[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    size_t zero[1] = {0};
    uint8_t *p = (uint8_t *)1;
    size_t len = 5;
    assert_int_equal(node_client_evidence_pack(items, lens, 9, &p, &len), MPC_ERR_INVALID_ARG);
    assert_null(p);
    assert_int_equal(len, 0);
    assert_int_equal(node_client_evidence_pack(items, lens, 0, &p, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_evidence_pack(items, zero, 1, &p, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_evidence_pack(NULL, lens, 1, &p, &len), MPC_ERR_INVALID_ARG);
    size_t huge[1] = {NODE_CLIENT_EVIDENCE_PACKED_MAX};
    assert_int_equal(node_client_evidence_pack(items, huge, 1, &p, &len), MPC_ERR_INVALID_ARG);
}

static void
test_evidence_query(void **state)
{
    (void)state;
    struct node_client_evidence_query q = {.key_type = 2, .offset = 262144}, got;
    strcpy(q.request_id, "req-42_x");
    uint8_t buf[NODE_CLIENT_EVIDENCE_QUERY_MAX];
    size_t len = 0;
    assert_int_equal(node_client_evidence_query_encode(&q, buf, sizeof buf, &len), MPC_OK);
    assert_true(node_client_evidence_is_query(buf, len));
    assert_int_equal(node_client_evidence_query_decode(&got, buf, len), MPC_OK);
    assert_int_equal(got.key_type, 2);
    assert_int_equal(got.offset, 262144);
    assert_string_equal(got.request_id, "req-42_x");
    assert_false(node_client_evidence_is_query((const uint8_t *)"{}", 2)); /* a status request */
    assert_int_equal(node_client_evidence_query_decode(&got, buf, len - 1), MPC_ERR_MSG_MALFORMED);
    buf[7] = '\0'; /* an id with a NUL inside: "r" would stand for "r\0q-42_x" */
    assert_int_equal(node_client_evidence_query_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
    buf[7] = 'e';
    buf[6] = '.'; /* not an id */
    assert_int_equal(node_client_evidence_query_decode(&got, buf, len), MPC_ERR_MSG_MALFORMED);
    strcpy(q.request_id, "bad id");
    assert_int_equal(node_client_evidence_query_encode(&q, buf, sizeof buf, &len),
                     MPC_ERR_INVALID_ARG);
    strcpy(q.request_id, "ok");
    assert_int_equal(node_client_evidence_query_encode(&q, buf, 8, &len), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evidence_pack_round_trip),
        cmocka_unit_test(test_evidence_unpack_malformed),
        cmocka_unit_test(test_evidence_pack_bad_args),
        cmocka_unit_test(test_evidence_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

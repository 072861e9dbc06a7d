/*
 * test_keyinfo.c — keyinfo validation and its binary encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "node/store/keyinfo.h"

static void
two_versions(struct node_store_keyinfo *ki)
{
    memset(ki, 0, sizeof(*ki));
    ki->key_type = NODE_STORE_KEY_SECP256K1;
    ki->public_key_len = 33;
    memset(ki->public_key, 0x02, 33);
    ki->active_version = 1;
    ki->n_versions = 2;
    struct node_store_keyinfo_version *a = &ki->versions[0], *p = &ki->versions[1];
    a->version = 1;
    a->state = NODE_STORE_KEY_VERSION_ACTIVE;
    a->threshold = 2;
    a->n_participants = 3;
    strcpy(a->participants[0], "n1");
    strcpy(a->participants[1], "n2");
    strcpy(a->participants[2], "n3");
    p->version = 2;
    p->state = NODE_STORE_KEY_VERSION_PENDING;
    p->threshold = 3;
    p->n_participants = 3;
    strcpy(p->participants[0], "n1");
    strcpy(p->participants[1], "n2");
    strcpy(p->participants[2], "n4_x-Y");
}

static void
test_keyinfo_encoding_matches_spec(void **state)
{
    (void)state;
    struct node_store_keyinfo ki;
    memset(&ki, 0, sizeof(ki));
    ki.key_type = NODE_STORE_KEY_ED25519;
    ki.public_key_len = 32;
    memset(ki.public_key, 0x11, 32);
    ki.active_version = 1;
    ki.n_versions = 1;
    ki.versions[0].version = 1;
    ki.versions[0].state = NODE_STORE_KEY_VERSION_ACTIVE;
    ki.versions[0].threshold = 2;
    ki.versions[0].n_participants = 2;
    strcpy(ki.versions[0].participants[0], "a");
    strcpy(ki.versions[0].participants[1], "bc");
    /* Written by hand from the format in keyinfo.h. */
    uint8_t want[3 + 32 + 4 + 1 + 4 + 1 + 2 + 2 + 2 + 3];
    size_t o = 0;
    want[o++] = 1; /* format */
    want[o++] = 1; /* ed25519 */
    want[o++] = 32;
    memset(want + o, 0x11, 32);
    o += 32;
    const uint8_t tail[] = {1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 2, 0, 2, 0, 1, 'a', 2, 'b', 'c'};
    memcpy(want + o, tail, sizeof(tail));
    o += sizeof(tail);
    assert_int_equal(o, sizeof(want));
    uint8_t enc[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    assert_int_equal(node_store_keyinfo_encode(enc, sizeof(enc), &len, &ki), MPC_OK);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(enc, want, len);
}

static void
test_keyinfo_round_trip_two_versions(void **state)
{
    (void)state;
    struct node_store_keyinfo ki, got;
    two_versions(&ki);
    assert_int_equal(node_store_keyinfo_validate(&ki), MPC_OK);
    uint8_t enc[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    assert_int_equal(node_store_keyinfo_encode(enc, sizeof(enc), &len, &ki), MPC_OK);
    assert_int_equal(node_store_keyinfo_decode(&got, enc, len), MPC_OK);
    assert_int_equal(got.key_type, NODE_STORE_KEY_SECP256K1);
    assert_int_equal(got.n_versions, 2);
    assert_int_equal(got.versions[1].threshold, 3);
    assert_string_equal(got.versions[1].participants[2], "n4_x-Y");
    assert_memory_equal(got.public_key, ki.public_key, 33);
    const struct node_store_keyinfo_version *v = node_store_keyinfo_find(&got, 2);
    assert_non_null(v);
    assert_int_equal(v->state, NODE_STORE_KEY_VERSION_PENDING);
    assert_null(node_store_keyinfo_find(&got, 3));
    assert_null(node_store_keyinfo_find(NULL, 1));
    assert_string_equal(node_store_key_type_name(NODE_STORE_KEY_ED25519), "ed25519");
    assert_null(node_store_key_type_name(0));
}

static void
test_keyinfo_decode_rejects_truncation_and_trailing(void **state)
{
    (void)state;
    struct node_store_keyinfo ki, got;
    two_versions(&ki);
    uint8_t enc[NODE_STORE_KEYINFO_ENCODED_MAX + 1];
    size_t len = 0;
    assert_int_equal(node_store_keyinfo_encode(enc, sizeof(enc), &len, &ki), MPC_OK);
    for (size_t cut = 0; cut < len; cut++) {
        assert_int_equal(node_store_keyinfo_decode(&got, enc, cut), MPC_ERR_CORRUPT);
        assert_int_equal(got.n_versions, 0); /* cleared on failure */
    }
    enc[len] = 0;
    assert_int_equal(node_store_keyinfo_decode(&got, enc, len + 1), MPC_ERR_CORRUPT);
    enc[0] = 2; /* unknown format */
    assert_int_equal(node_store_keyinfo_decode(&got, enc, len), MPC_ERR_CORRUPT);
    assert_int_equal(node_store_keyinfo_decode(NULL, enc, len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyinfo_decode(&got, NULL, len), MPC_ERR_INVALID_ARG);
    uint8_t small[8];
    assert_int_equal(node_store_keyinfo_encode(small, sizeof(small), &len, &ki),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
}

/* Found by fuzz_keyinfo: an id with a NUL inside ("n2\0x") decoded as the shorter "n2". */
static void
test_keyinfo_decode_rejects_nul_inside_id(void **state)
{
    (void)state;
    struct node_store_keyinfo ki, out;
    uint8_t enc[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    two_versions(&ki);
    strcpy(ki.versions[1].participants[2], "n4_x"); /* 4 bytes, last id of the encoding */
    assert_int_equal(node_store_keyinfo_encode(enc, sizeof(enc), &len, &ki), MPC_OK);
    assert_int_equal(node_store_keyinfo_decode(&out, enc, len), MPC_OK);
    assert_memory_equal(enc + len - 4, "n4_x", 4);
    enc[len - 2] = '\0'; /* "n4\0x": still a distinct, valid-looking "n4" after the cut */
    assert_int_equal(node_store_keyinfo_decode(&out, enc, len), MPC_ERR_CORRUPT);
    assert_int_equal(out.n_versions, 0);
}

static void
test_keyinfo_validate_rejects_each_invariant(void **state)
{
    (void)state;
    struct node_store_keyinfo ki;
    uint8_t enc[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
#define EXPECT_INVALID(mutation)                                                                   \
    do {                                                                                           \
        two_versions(&ki);                                                                         \
        mutation;                                                                                  \
        assert_int_equal(node_store_keyinfo_validate(&ki), MPC_ERR_INVALID_ARG);                   \
        assert_int_equal(node_store_keyinfo_encode(enc, sizeof(enc), &len, &ki),                   \
                         MPC_ERR_INVALID_ARG);                                                     \
    } while (0)
    EXPECT_INVALID(ki.key_type = 4);        /* 1..3: ed25519, secp256k1, secp256k1-tr */
    EXPECT_INVALID(ki.public_key_len = 32); /* secp256k1 needs 33 */
    EXPECT_INVALID(ki.n_versions = 0);
    EXPECT_INVALID(ki.n_versions = NODE_STORE_KEYINFO_MAX_VERSIONS + 1);
    EXPECT_INVALID(ki.active_version = 2); /* active state is version 1 */
    EXPECT_INVALID(ki.versions[1].state = NODE_STORE_KEY_VERSION_ACTIVE);  /* two actives */
    EXPECT_INVALID(ki.versions[0].state = NODE_STORE_KEY_VERSION_RETIRED); /* no active */
    EXPECT_INVALID(ki.versions[1].state = 9);
    EXPECT_INVALID(ki.versions[1].version = 1); /* duplicate version */
    EXPECT_INVALID(ki.versions[0].version = 0);
    EXPECT_INVALID(ki.versions[0].threshold = 1); /* k >= 2 */
    EXPECT_INVALID(ki.versions[0].threshold = 4); /* k <= n */
    EXPECT_INVALID(ki.versions[0].n_participants = 1);
    EXPECT_INVALID(strcpy(ki.versions[0].participants[1], "n1")); /* duplicate id */
    EXPECT_INVALID(strcpy(ki.versions[0].participants[1], "bad id"));
    EXPECT_INVALID(strcpy(ki.versions[0].participants[1], ""));
    EXPECT_INVALID(memset(ki.versions[0].participants[1], 'a', NODE_ID_MAX + 1)); /* no NUL */
    /* a new key waiting for confirmations: its only version PENDING, active 0 */
    EXPECT_INVALID((ki.versions[0] = ki.versions[1], ki.n_versions = 1)); /* active_version 1 */
    EXPECT_INVALID((ki.versions[0].state = NODE_STORE_KEY_VERSION_PENDING,
                    ki.active_version = 0)); /* a second version beside it */
    EXPECT_INVALID((ki.versions[0].state = NODE_STORE_KEY_VERSION_RETIRED, ki.active_version = 0));
#undef EXPECT_INVALID
    two_versions(&ki);
    ki.versions[0] = ki.versions[1];
    ki.n_versions = 1;
    ki.active_version = 0;
    assert_int_equal(node_store_keyinfo_validate(&ki), MPC_OK);
    struct node_store_keyinfo back;
    assert_int_equal(node_store_keyinfo_encode(enc, sizeof(enc), &len, &ki), MPC_OK);
    assert_int_equal(node_store_keyinfo_decode(&back, enc, len), MPC_OK);
    assert_int_equal(back.active_version, 0);
    assert_int_equal(back.versions[0].state, NODE_STORE_KEY_VERSION_PENDING);
    assert_int_equal(node_store_keyinfo_validate(NULL), MPC_ERR_INVALID_ARG);
    two_versions(&ki);
    ki.versions[1].state = NODE_STORE_KEY_VERSION_RETIRED;
    assert_int_equal(node_store_keyinfo_validate(&ki), MPC_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyinfo_encoding_matches_spec),
        cmocka_unit_test(test_keyinfo_round_trip_two_versions),
        cmocka_unit_test(test_keyinfo_decode_rejects_truncation_and_trailing),
        cmocka_unit_test(test_keyinfo_decode_rejects_nul_inside_id),
        cmocka_unit_test(test_keyinfo_validate_rejects_each_invariant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

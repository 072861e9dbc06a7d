/*
 * test_proto.c — shared protocol plumbing: parameter validation, message
 * acceptance rules, the echo check and its blame rule, and the wire reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tss/proto.h"

static const uint8_t sid[TSS_SID_LEN] = {7};

static void
test_proto_base_init_validates(void **state)
{
    (void)state;
    tss_base b;
    const char *ids[3] = {"a", "b", "c"};
    const char *dup[3] = {"a", "b", "b"};
    tss_params p = {.sid = sid, .self = 2, .n_parties = 3, .party_ids = ids};
    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_OK);
    assert_int_equal(b.culprit, TSS_NO_CULPRIT);
    tss_base_free(&b);
    p.party_ids = dup;
    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_ERR_BAD_IDENTIFIER);
    p.party_ids = ids;
    p.self = 3;
    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_ERR_INVALID_ARG);
    p.self = 0;
    p.n_parties = 1;
    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_base_init(&b, NULL, NULL), MPC_ERR_INVALID_ARG);
}

static void
test_proto_accept_rules(void **state)
{
    (void)state;
    tss_base b;
    tss_rd r;
    const char *ids[3] = {"a", "b", "c"};
    tss_params p = {.sid = sid, .self = 0, .n_parties = 3, .party_ids = ids};
    uint8_t msg[4] = {TSS_MSG_VERSION, 0x11, 0xaa, 0xbb};
    uint8_t senders[3] = {1, 1, 0};
    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_OK);
    tss_base_expect(&b, 1, senders);
    assert_int_equal(b.missing, 1); /* self never expected */
    /* party 2 is not expected this round */
    assert_int_equal(tss_base_accept(&b, 2, 1, 1, 1, 0x11, msg, 4, &r), MPC_ERR_MSG_KIND);
    assert_int_equal(b.culprit, 2);
    assert_int_equal(b.round, 0);
    tss_base_free(&b);

    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_OK);
    tss_base_expect(&b, 1, NULL);
    assert_int_equal(b.missing, 2);
    assert_int_equal(tss_base_accept(&b, 1, 2, 1, 1, 0x11, msg, 4, &r), MPC_ERR_SESSION_STATE);
    assert_int_equal(b.failed, MPC_OK); /* misrouting is not the sender's fault */
    assert_int_equal(tss_base_accept(&b, 1, 1, 1, 1, 0x11, msg, 4, &r), MPC_OK);
    assert_int_equal(tss_rd_u16(&r), 0xaabb);
    assert_true(tss_rd_done(&r));
    assert_int_equal(b.missing, 1);
    /* a second message from the same sender in the same round */
    assert_int_equal(tss_base_accept(&b, 1, 1, 1, 1, 0x11, msg, 4, &r), MPC_ERR_MSG_KIND);
    assert_int_equal(b.culprit, 1);
    tss_base_free(&b);

    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_OK);
    tss_base_expect(&b, 1, NULL);
    msg[1] = 0x12;
    assert_int_equal(tss_base_accept(&b, 2, 1, 1, 1, 0x11, msg, 4, &r), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(b.culprit, 2);
    tss_base_free(&b);
    assert_int_equal(tss_base_init(&b, NULL, &p), MPC_OK);
    tss_base_expect(&b, 1, NULL);
    assert_int_equal(tss_base_accept(&b, 2, 1, 1, 1, 0x11, msg, 1, &r), MPC_ERR_MSG_MALFORMED);
    tss_base_free(&b);
}

static void
test_proto_echo_blame(void **state)
{
    (void)state;
    uint8_t mine[4 * TSS_DIGEST_BYTES], theirs[4 * TSS_DIGEST_BYTES];
    uint32_t slot = 0, d[2];
    for (uint32_t k = 0; k < 4; k++) {
        tss_msg_digest(mine + k * TSS_DIGEST_BYTES, k, (const uint8_t *)"m", 1);
    }
    memcpy(theirs, mine, sizeof mine);
    assert_int_equal(tss_echo_check(mine, theirs, 4, &slot), MPC_OK);
    assert_int_equal(slot, TSS_NO_CULPRIT);
    theirs[3 * TSS_DIGEST_BYTES] ^= 1; /* third party 3: the liar may be 1 or 3 */
    assert_int_equal(tss_echo_check(mine, theirs, 4, &slot), MPC_ERR_EQUIVOCATION);
    assert_int_equal(slot, 3);
    tss_base b;
    tss_base_open(&b, NULL, 0, 4);
    b.round = 2;
    assert_int_equal(tss_echo_fail(&b, 1, slot), MPC_ERR_EQUIVOCATION);
    assert_int_equal(tss_proto_culprit(&b), TSS_NO_CULPRIT); /* dealer 3 is not framed */
    assert_int_equal(tss_proto_dispute(&b, d), 1);
    assert_int_equal(d[0], 1);
    assert_int_equal(d[1], 3);
    memcpy(theirs, mine, sizeof mine);
    theirs[1 * TSS_DIGEST_BYTES] ^= 1; /* sender's own slot: it contradicts itself */
    assert_int_equal(tss_echo_check(mine, theirs, 4, &slot), MPC_ERR_EQUIVOCATION);
    tss_base_open(&b, NULL, 0, 4);
    assert_int_equal(tss_echo_fail(&b, 1, slot), MPC_ERR_EQUIVOCATION);
    assert_int_equal(tss_proto_culprit(&b), 1);
    assert_int_equal(tss_proto_dispute(&b, d), 0);
    memcpy(theirs, mine, sizeof mine);
    theirs[0] ^= 1; /* receiver's slot: its word against ours */
    assert_int_equal(tss_echo_check(mine, theirs, 4, &slot), MPC_ERR_EQUIVOCATION);
    tss_base_open(&b, NULL, 0, 4);
    assert_int_equal(tss_echo_fail(&b, 1, slot), MPC_ERR_EQUIVOCATION);
    assert_int_equal(tss_proto_culprit(&b), TSS_NO_CULPRIT);
    assert_int_equal(tss_proto_dispute(&b, d), 1);
    assert_int_equal(d[0], 1);
    assert_int_equal(d[1], 0);
    /* digests depend on the sender index and the bytes */
    uint8_t d1[32], d2[32];
    tss_msg_digest(d1, 0, (const uint8_t *)"m", 1);
    tss_msg_digest(d2, 0, (const uint8_t *)"n", 1);
    assert_memory_not_equal(d1, d2, 32);
    assert_memory_not_equal(d1, mine + TSS_DIGEST_BYTES, 32);
}

static void
test_proto_wire_reader_writer(void **state)
{
    (void)state;
    uint8_t buf[8];
    tss_wr w;
    tss_rd r;
    tss_wr_init(&w, buf, sizeof buf);
    tss_wr_u8(&w, 1);
    tss_wr_u16(&w, 0x0203);
    tss_wr_u32(&w, 0x04050607);
    assert_true(w.ok);
    assert_int_equal(w.len, 7);
    tss_wr_u16(&w, 1); /* does not fit */
    assert_false(w.ok);
    tss_wr_init(&w, NULL, 0); /* measuring */
    tss_wr_u32(&w, 1);
    assert_int_equal(w.len, 4);
    tss_rd_init(&r, buf, 7);
    assert_int_equal(tss_rd_u8(&r), 1);
    assert_int_equal(tss_rd_u16(&r), 0x0203);
    assert_false(tss_rd_done(&r));
    assert_int_equal(tss_rd_u32(&r), 0x04050607);
    assert_true(tss_rd_done(&r));
    assert_int_equal(tss_rd_u8(&r), 0); /* underflow */
    assert_false(r.ok);
    assert_null(tss_rd_bytes(&r, 0));
    tss_rd_init(&r, NULL, 3);
    assert_false(r.ok);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proto_base_init_validates),
        cmocka_unit_test(test_proto_accept_rules),
        cmocka_unit_test(test_proto_echo_blame),
        cmocka_unit_test(test_proto_wire_reader_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

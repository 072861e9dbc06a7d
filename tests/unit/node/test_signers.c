/*
 * test_signers.c — node/signers.h: the live signer choice. Every node with
 * the same view chooses the same set (whatever order it lists the holders
 * in), the set has exactly `threshold` members, prefers live holders in the
 * per-request order, fills with non-live ones only when too few are live,
 * spreads over holders across requests, and refuses bad arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "node/signers.h"

static const char *const H3[3] = {"node-1", "node-2", "node-3"};

static size_t
count(const int *c, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += c[i] != 0;
    }
    return k;
}

/* The holder of rank position pos (0 = first) for request rid among H3. */
static size_t
nth_ranked(const char *rid, size_t pos)
{
    uint64_t r[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(node_signers_rank(rid, H3[i], &r[i]), MPC_OK);
    }
    size_t idx[3] = {0, 1, 2};
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = i + 1; j < 3; j++) {
            if (r[idx[j]] < r[idx[i]]) {
                size_t t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
    }
    return idx[pos];
}

static void
test_signers_all_live_takes_first_t_in_request_order(void **state)
{
    (void)state;
    int live[3] = {1, 1, 1}, c[3];
    assert_int_equal(node_signers_choose("req-1", H3, live, 3, 2, c), MPC_OK);
    assert_int_equal(count(c, 3), 2);
    assert_true(c[nth_ranked("req-1", 0)]);
    assert_true(c[nth_ranked("req-1", 1)]);
    assert_false(c[nth_ranked("req-1", 2)]);
    /* t = n: everyone. */
    assert_int_equal(node_signers_choose("req-1", H3, live, 3, 3, c), MPC_OK);
    assert_int_equal(count(c, 3), 3);
}

static void
test_signers_same_choice_whatever_the_listing_order(void **state)
{
    (void)state;
    const char *const rev[3] = {"node-3", "node-2", "node-1"};
    int live[3] = {1, 1, 1}, live_rev[3] = {1, 1, 1}, a[3], b[3];
    for (int k = 0; k < 50; k++) {
        char rid[32];
        snprintf(rid, sizeof rid, "r-%d", k);
        live[1] = live_rev[1] = k % 3 != 0; /* node-2 down in a third of them */
        assert_int_equal(node_signers_choose(rid, H3, live, 3, 2, a), MPC_OK);
        assert_int_equal(node_signers_choose(rid, rev, live_rev, 3, 2, b), MPC_OK);
        for (size_t i = 0; i < 3; i++) {
            assert_int_equal(a[i], b[2 - i]);
        }
    }
}

static void
test_signers_skips_down_holders(void **state)
{
    (void)state;
    int c[3];
    for (int k = 0; k < 60; k++) {
        char rid[32];
        snprintf(rid, sizeof rid, "storm-%d", k);
        for (size_t down = 0; down < 3; down++) {
            int live[3] = {1, 1, 1};
            live[down] = 0;
            assert_int_equal(node_signers_choose(rid, H3, live, 3, 2, c), MPC_OK);
            assert_int_equal(count(c, 3), 2);
            assert_false(c[down]); /* never a down holder while two are up */
        }
    }
}

static void
test_signers_fills_with_down_holders_when_too_few_live(void **state)
{
    (void)state;
    int live[3] = {0, 1, 0}, c[3];
    assert_int_equal(node_signers_choose("req-9", H3, live, 3, 2, c), MPC_OK);
    assert_int_equal(count(c, 3), 2);
    assert_true(c[1]); /* the live one is always in */
    size_t other = c[0] ? 0 : 2;
    /* the filler is the first non-live holder in the request order */
    size_t first_down =
        nth_ranked("req-9", 0) != 1 ? nth_ranked("req-9", 0) : nth_ranked("req-9", 1);
    assert_int_equal(other, first_down);
    int none[3] = {0, 0, 0};
    assert_int_equal(node_signers_choose("req-9", H3, none, 3, 2, c), MPC_OK);
    assert_int_equal(count(c, 3), 2);
}

static void
test_signers_never_chooses_an_excluded_holder(void **state)
{
    (void)state;
    int c[3];
    for (int k = 0; k < 30; k++) {
        char rid[32];
        snprintf(rid, sizeof rid, "gone-%d", k);
        /* node-3 left the request, node-2 is down: node-2 fills, never node-3 */
        int live[3] = {1, 0, -1};
        assert_int_equal(node_signers_choose(rid, H3, live, 3, 2, c), MPC_OK);
        assert_true(c[0] && c[1] && !c[2]);
    }
    /* too few holders left: refused, nothing chosen */
    int gone[3] = {1, -1, -1};
    assert_int_equal(node_signers_choose("gone", H3, gone, 3, 2, c), MPC_ERR_BAD_THRESHOLD);
    assert_int_equal(count(c, 3), 0);
}

static void
test_signers_spread_over_requests(void **state)
{
    (void)state;
    int live[3] = {1, 1, 1}, c[3];
    size_t left_out[3] = {0, 0, 0};
    for (int k = 0; k < 300; k++) {
        char rid[32];
        snprintf(rid, sizeof rid, "spread-%d", k);
        assert_int_equal(node_signers_choose(rid, H3, live, 3, 2, c), MPC_OK);
        for (size_t i = 0; i < 3; i++) {
            left_out[i] += !c[i];
        }
    }
    for (size_t i = 0; i < 3; i++) {
        assert_true(left_out[i] > 50); /* about 100 each; a fixed choice would give 0/0/300 */
    }
}

static void
test_signers_rank_matches_blake2b(void **state)
{
    (void)state;
    static const char tag[] = "mpc-node/signers/v1";
    uint8_t buf[64], out[8];
    size_t off = 0;
    memcpy(buf, tag, sizeof tag - 1);
    off += sizeof tag - 1;
    const uint8_t l1[4] = {0, 0, 0, 5};
    memcpy(buf + off, l1, 4);
    off += 4;
    memcpy(buf + off, "req-1", 5);
    off += 5;
    const uint8_t l2[4] = {0, 0, 0, 6};
    memcpy(buf + off, l2, 4);
    off += 4;
    memcpy(buf + off, "node-2", 6);
    off += 6;
    crypto_generichash(out, sizeof out, buf, off, NULL, 0);
    uint64_t want = 0, got = 0;
    for (size_t i = 0; i < 8; i++) {
        want = want << 8 | out[i];
    }
    assert_int_equal(node_signers_rank("req-1", "node-2", &got), MPC_OK);
    assert_true(got == want);
}

static void
test_signers_bad_args(void **state)
{
    (void)state;
    int live[3] = {1, 1, 1}, c[3];
    uint64_t r = 1;
    assert_int_equal(node_signers_choose("r", H3, live, 3, 0, c), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_choose("r", H3, live, 3, 4, c), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_choose("r", H3, live, 0, 1, c), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_choose("r", NULL, live, 3, 2, c), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_choose("r", H3, NULL, 3, 2, c), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_choose("r", H3, live, 3, 2, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_choose("", H3, live, 3, 2, c), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_choose(NULL, H3, live, 3, 2, c), MPC_ERR_INVALID_ARG);
    const char *const empty[2] = {"node-1", ""};
    assert_int_equal(node_signers_choose("r", empty, live, 2, 2, c), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_rank("r", "node-1", NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_signers_rank(NULL, "node-1", &r), MPC_ERR_INVALID_ARG);
    assert_true(r == 0); /* cleared on failure */
    assert_int_equal(node_signers_rank("r", "", &r), MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signers_all_live_takes_first_t_in_request_order),
        cmocka_unit_test(test_signers_same_choice_whatever_the_listing_order),
        cmocka_unit_test(test_signers_skips_down_holders),
        cmocka_unit_test(test_signers_fills_with_down_holders_when_too_few_live),
        cmocka_unit_test(test_signers_never_chooses_an_excluded_holder),
        cmocka_unit_test(test_signers_spread_over_requests),
        cmocka_unit_test(test_signers_rank_matches_blake2b),
        cmocka_unit_test(test_signers_bad_args),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

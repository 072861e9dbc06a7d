/*
 * test_blame.c — blame that cannot be framed, end to end through the session
 * manager with the real FROST DKG (tss/dkg.c) on three in-memory nodes.
 * n0 is the liar M: it runs the honest protocol but corrupts, in its
 * round-2 message to n1 (A), the echo digest of n2's (B's) broadcast, and
 * signs that message itself (the session seals what the protocol emitted).
 *   - A must not name the honest dealer B: it fails with MPC_ERR_DISPUTED
 *     between M and B, with the signed envelopes behind it;
 *   - B, which never saw a bad message, names nobody when A's ABORT
 *     reaches it (before: GONE naming A);
 *   - no honest node names an honest node.
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
#include "session/manager.h"
#include "tests/support/session_testkit.h"
#include "tests/support/test_util.h"
#include "tss/dkg.h"
#include "tss/proto.h"

/* DKG round 2 (t = 3): version, type, share[32], then n echo digests. */
#define R2_ECHO 34

static tss_protocol cheat_proto; /* frost-dkg with M's lie (filled in main) */

/* 4 under tsan or valgrind (threads serialised), else 1. */
static uint64_t
slow(void)
{
    return getenv("MPC_TSAN") != NULL || getenv("MPC_VALGRIND") != NULL ? 4 : 1;
}

/* Corrupts the echo slot of party 2 in round-2 messages to party 1. */
static void
cheat_tamper(mpc_outbox *out)
{
    for (size_t i = 0; i < out->n; i++) {
        mpc_out_msg *m = &out->msgs[i];
        if (m->round == 2 && m->to == 1 && m->len >= R2_ECHO + 3 * TSS_DIGEST_BYTES) {
            m->data[R2_ECHO + 2 * TSS_DIGEST_BYTES] ^= 0x01;
        }
    }
}

static mpc_status
cheat_create(tss_base **out, const tss_params *p)
{
    mpc_status st = tss_proto_frost_dkg.create(out, p);
    if (st == MPC_OK) {
        (*out)->proto = &cheat_proto; /* dispatch through the wrapper from now on */
    }
    return st;
}

static mpc_status
cheat_start(tss_base *s, mpc_outbox *out)
{
    mpc_status st = tss_proto_frost_dkg.start(s, out);
    cheat_tamper(out);
    return st;
}

static mpc_status
cheat_handle(tss_base *s, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
             size_t len, mpc_outbox *out)
{
    mpc_status st = tss_proto_frost_dkg.handle(s, from, round, is_broadcast, data, len, out);
    cheat_tamper(out);
    return st;
}

static void
test_blame_false_echo_never_frames_dealer(void **state)
{
    (void)state;
    stk_options opt;
    stk_options_default(&opt, 3);
    uint64_t rng = mpc_test_seed("blame") | 1;
    opt.seed = rng;
    stk_cluster *c = NULL;
    assert_int_equal(stk_cluster_create(&c, &opt), MPC_OK);
    stk_tracker tr;
    stk_tracker_init(&tr);
    stk_session s;
    stk_session_init(&s, 3, &rng, &tr);
    assert_int_equal(stk_start_party(c, &s, 0, &cheat_proto, SESSION_OP_KEYGEN, 0), MPC_OK);
    for (uint32_t p = 1; p < 3; p++) {
        assert_int_equal(stk_start_party(c, &s, p, &tss_proto_frost_dkg, SESSION_OP_KEYGEN, 0),
                         MPC_OK);
    }
    assert_true(stk_tracker_wait(&tr, 3, 60000 * slow()));
    stk_outcome a = stk_outcome_get(&tr, &s, 1);
    stk_outcome b = stk_outcome_get(&tr, &s, 2);
    print_message("# A: %s culprit %d disputed %s/%s evidence %zu\n", mpc_status_name(a.status),
                  (int)a.culprit, a.disputed[0], a.disputed[1], a.n_evidence);
    print_message("# B: %s culprit %d\n", mpc_status_name(b.status), (int)b.culprit);
    /* Before: A failed with MPC_ERR_EQUIVOCATION naming B (index 2). */
    assert_int_equal(a.status, MPC_ERR_DISPUTED);
    assert_int_equal(a.culprit, SESSION_NO_CULPRIT);
    assert_string_equal(a.disputed[0], "n0");
    assert_string_equal(a.disputed[1], "n2");
    assert_true(a.n_evidence >= 2); /* M's signed echo and B's signed broadcast */
    assert_int_not_equal(b.status, MPC_OK);
    assert_true(b.culprit == SESSION_NO_CULPRIT || b.culprit == 0); /* never A */
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    cheat_proto = tss_proto_frost_dkg;
    cheat_proto.name = "frost-dkg-cheat";
    cheat_proto.create = cheat_create;
    cheat_proto.start = cheat_start;
    cheat_proto.handle = cheat_handle;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blame_false_echo_never_frames_dealer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

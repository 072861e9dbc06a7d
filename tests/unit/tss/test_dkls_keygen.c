/*
 * test_dkls_keygen.c — DKLs23 keygen (tss/dkls_keygen) and signing sessions
 * (tss/dkls_signing) end to end through the simulator with real base-OT
 * setups: every 2 <= t <= n <= 4 with every signer subset of size t and one
 * larger subset, each signature checked independently with libsecp256k1
 * (already low-S, verify, recovery of Y, compact form). Negative keygen
 * cases of spec §8/§9.6, each failing with the culprit named: bad PoK, wrong
 * commitment length, inconsistent share, equivocating broadcast, bad base-OT
 * point, OT transcript mismatch, confirmation mismatch, duplicate node ids,
 * bad thresholds and malformed input. Under valgrind (MPC_VALGRIND) 2-of-2
 * and 2-of-3 for the subsets, and 2 parties for the negative cases that need
 * no third.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/test_util.h"
#include "tss/dkls_keygen.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_signing.h"
#include "tss/group.h"

static uint64_t seed;

static void
sign_and_verify(const dkls_fx_key *key, const uint32_t *signers, uint32_t n)
{
    uint8_t msg[32], out[130];
    tss_sim_result res;
    randombytes_buf(msg, sizeof msg);
    mpc_status st = dkls_fx_sign(key, signers, n, msg, seed + n, NULL, NULL, &res, out);
    tss_sim_result_free(&res);
    assert_int_equal(st, MPC_OK);
    assert_true(dkls_fx_verify(out, msg, key->y));
}

/* Keygen for every 2 <= t <= n <= 4; signing by every t-subset and one larger one. */
static void
test_dkls_keygen_sign_all_subsets(void **state)
{
    (void)state;
    /* Under valgrind 2-of-2 and 2-of-3: each kind of run (t == n; t < n with
     * every t-subset and a larger one) once. */
    int vg = mpc_test_under_valgrind();
    for (uint32_t n = 2; n <= (vg ? 3u : 4u); n++) {
        for (uint32_t t = 2; t <= (vg && n > 2 ? 2u : n); t++) {
            uint32_t nodes[4] = {0, 1, 2, 3};
            dkls_fx_key key;
            tss_sim_result res;
            mpc_status st = dkls_fx_keygen(&key, nodes, n, t, seed + 10 * n + t, NULL, NULL, &res);
            tss_sim_result_free(&res);
            assert_int_equal(st, MPC_OK);
            unsigned larger = 0;
            for (uint32_t mask = 0; mask < (1u << n); mask++) {
                uint32_t s[4], k = 0;
                for (uint32_t i = 0; i < n; i++) {
                    if (mask & (1u << i)) {
                        s[k++] = i;
                    }
                }
                if (k == t || (k == t + 1 && !larger)) {
                    larger += k == t + 1;
                    sign_and_verify(&key, s, k);
                }
            }
            /* t == n has no larger subset; t < n signed one (t + 1 parties). */
            assert_int_equal(larger, t < n ? 1u : 0u);
            dkls_fx_key_free(&key);
        }
    }
}

/* The record has the key version, every peer active, and setups for each ordered pair. */
static void
test_dkls_keygen_record_contents(void **state)
{
    (void)state;
    uint32_t nodes[3] = {4, 7, 9};
    dkls_fx_key key;
    tss_sim_result res;
    assert_int_equal(dkls_fx_keygen(&key, nodes, 3, 2, seed, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    tss_dkls_keyrec *r[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tss_dkls_keyrec_decode(&r[i], key.rec[nodes[i]], key.len[nodes[i]]),
                         MPC_OK);
        assert_int_equal(r[i]->key_version, 1);
        assert_int_equal(r[i]->n_peers, 2);
        assert_int_equal(r[i]->wallet_len, 8);
        assert_memory_equal(r[i]->wallet_id, "wallet-1", 8);
        for (uint32_t k = 0; k < 2; k++) {
            assert_int_equal(r[i]->peers[k].status, TSS_DKLS_PEER_ACTIVE);
        }
    }
    /* i's outgoing setup to j is j's incoming one: same id and transcript; Alice's
       keys are Bob's keys selected by Δ. */
    for (uint32_t i = 0; i < 3; i++) {
        for (uint32_t j = 0; j < 3; j++) {
            if (i == j) {
                continue;
            }
            const struct tss_dkls_peer_rec *a = tss_dkls_keyrec_peer(r[i], j);
            const struct tss_dkls_peer_rec *b = tss_dkls_keyrec_peer(r[j], i);
            assert_non_null(a);
            assert_non_null(b);
            assert_memory_equal(a->pair.setup_id_out, b->pair.setup_id_in, 32);
            assert_memory_equal(a->pair.tr_out, b->pair.tr_in, 32);
            for (int m = 0; m < 128; m++) {
                int bit = (a->pair.alice.delta[m >> 3] >> (m & 7)) & 1;
                const uint8_t *want = bit ? b->pair.bob.keys1[m] : b->pair.bob.keys0[m];
                assert_memory_equal(a->pair.alice.keys[m], want, 32);
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        tss_dkls_keyrec_destroy(r[i]);
    }
    dkls_fx_key_free(&key);
}

/* ------------------------------------------------------------- negatives */

enum kg_cheat {
    KG_BAD_POK,      /* flip mu of party 1's round-1 broadcast */
    KG_LONG_COMMIT,  /* party 1 announces t + 1 commitments */
    KG_BAD_SHARE,    /* party 1's share to party 0 is off by one bit */
    KG_EQUIVOCATE,   /* party 1 sends party 0 a different C_{1,1} */
    KG_BAD_OT_POINT, /* party 1's base-OT message to party 0 has S with prefix 04 */
    KG_BAD_OT_TR,    /* party 1's OT confirmation entry for party 0 is wrong */
    KG_BAD_CONFIRM,  /* party 1's conf hash is wrong */
};

struct kg_tamper {
    enum kg_cheat cheat; /* what to do */
    uint32_t t;          /* threshold */
    int hits;            /* copies changed */
};

static int
kg_tamper_fn(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **data,
             size_t *len)
{
    struct kg_tamper *k = user;
    uint8_t *d = *data;
    if (from != 1) {
        return 0;
    }
    size_t mu_off = 2 + 2 + (size_t)k->t * 33 + 33;
    switch (k->cheat) {
    case KG_BAD_POK:
        if (round == 1 && bc) {
            d[mu_off + 31] ^= 1;
            k->hits++;
        }
        break;
    case KG_LONG_COMMIT:
        if (round == 1 && bc) {
            d[3] = (uint8_t)(k->t + 1);
            k->hits++;
        }
        break;
    case KG_BAD_SHARE:
        if (round == 2 && to == 0) {
            d[2 + 31] ^= 1;
            k->hits++;
        }
        break;
    case KG_EQUIVOCATE:
        if (round == 1 && bc && to == 0) {
            /* C_{1,1} := C_{1,0}: a valid point, not covered by the PoK. */
            memcpy(d + 4 + 33, d + 4, 33);
            k->hits++;
        }
        break;
    case KG_BAD_OT_POINT:
        if (round == 1 && !bc && to == 0) {
            d[2] = 0x04;
            k->hits++;
        }
        break;
    case KG_BAD_OT_TR:
    case KG_BAD_CONFIRM:
        if (round == 3 && to == 0) {
            /* conf = ver type chain[32] hash[32]; list entry 0 of party 1 names party 0
             * (id 1): its tr(1->0) at 66 + 32. */
            d[k->cheat == KG_BAD_CONFIRM ? 34 : 66 + 32] ^= 0x80;
            k->hits++;
        }
        break;
    }
    (void)len;
    return 0;
}

static void
expect_keygen_failure(enum kg_cheat cheat, mpc_status want)
{
    uint32_t nodes[3] = {0, 1, 2};
    struct kg_tamper k = {.cheat = cheat, .t = 2};
    dkls_fx_key key;
    tss_sim_result res;
    /* Under valgrind 2 parties, the cheater (1) and its victim (0), where
     * that suffices: an equivocation needs a third party to compare with. */
    uint32_t n = mpc_test_under_valgrind() && cheat != KG_EQUIVOCATE ? 2 : 3;
    mpc_status st = dkls_fx_keygen(&key, nodes, n, 2, seed, kg_tamper_fn, &k, &res);
    assert_int_not_equal(st, MPC_OK);
    assert_true(k.hits > 0);
    if (cheat == KG_EQUIVOCATE) {
        /* Echo mismatches name party 1 only where its own signed words disagree. */
        assert_true(tss_fx_never_framed(&res, want, 1));
    } else {
        assert_true(tss_fx_failed_with(&res, want, 1));
    }
    /* A party that saw the failure never activates (no key reported). */
    for (uint32_t i = 0; i < res.n; i++) {
        if (res.parties[i].status != MPC_OK) {
            assert_false(res.parties[i].done);
            assert_null(res.parties[i].result);
        }
    }
    tss_sim_result_free(&res);
    dkls_fx_key_free(&key);
}

static void
test_dkls_keygen_bad_pok_names_dealer(void **state)
{
    (void)state;
    expect_keygen_failure(KG_BAD_POK, MPC_ERR_BAD_PROOF);
}

static void
test_dkls_keygen_wrong_commitment_length_names_dealer(void **state)
{
    (void)state;
    expect_keygen_failure(KG_LONG_COMMIT, MPC_ERR_BAD_COMMITMENT);
}

static void
test_dkls_keygen_inconsistent_share_names_dealer(void **state)
{
    (void)state;
    expect_keygen_failure(KG_BAD_SHARE, MPC_ERR_BAD_SHARE);
}

static void
test_dkls_keygen_equivocation_never_frames_honest(void **state)
{
    (void)state;
    expect_keygen_failure(KG_EQUIVOCATE, MPC_ERR_EQUIVOCATION);
}

static void
test_dkls_keygen_bad_base_ot_point_names_sender(void **state)
{
    (void)state;
    expect_keygen_failure(KG_BAD_OT_POINT, MPC_ERR_BAD_POINT);
}

static void
test_dkls_keygen_ot_transcript_mismatch_names_sender(void **state)
{
    (void)state;
    expect_keygen_failure(KG_BAD_OT_TR, MPC_ERR_TRANSCRIPT);
}

static void
test_dkls_keygen_confirmation_mismatch_names_sender(void **state)
{
    (void)state;
    expect_keygen_failure(KG_BAD_CONFIRM, MPC_ERR_TRANSCRIPT);
}

static void
test_dkls_keygen_bad_arguments(void **state)
{
    (void)state;
    static const uint8_t sid[16] = {1};
    const char *dup[3] = {"a", "b", "a"};
    const char *ok[3] = {"a", "b", "c"};
    uint8_t *in = NULL;
    size_t in_len = 0;
    tss_base *s = NULL;
    assert_int_equal(tss_dkls_keygen_input_encode(&in, &in_len, (const uint8_t *)"w", 1), MPC_OK);
    tss_params p = {.sid = sid,
                    .self = 0,
                    .n_parties = 3,
                    .party_ids = dup,
                    .threshold = 2,
                    .input = in,
                    .input_len = in_len};
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_ERR_BAD_IDENTIFIER);
    assert_null(s);
    p.party_ids = ok;
    p.threshold = 1;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_ERR_BAD_THRESHOLD);
    p.threshold = 4;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_ERR_BAD_THRESHOLD);
    p.threshold = 2;
    p.input_len = in_len - 1;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    p.input_len = in_len;
    p.self = 3;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_ERR_INVALID_ARG);
    p.self = 0;
    assert_int_equal(tss_proto_dkls_keygen.create(NULL, &p), MPC_ERR_INVALID_ARG);
    free(in);
    assert_int_equal(tss_dkls_keygen_input_encode(&in, &in_len, NULL, 1), MPC_ERR_INVALID_ARG);
    assert_null(in);
    /* A good state rejects a message for another round and reports no result yet. */
    uint8_t *in2 = NULL;
    assert_int_equal(tss_dkls_keygen_input_encode(&in2, &in_len, (const uint8_t *)"w", 1), MPC_OK);
    p.input = in2;
    assert_int_equal(tss_proto_dkls_keygen.create(&s, &p), MPC_OK);
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    assert_int_equal(tss_proto_start(s, &ob), MPC_OK);
    assert_int_equal(ob.n, 3); /* one broadcast, two base-OT messages */
    uint8_t junk[4] = {1, 0x11, 0, 0};
    assert_int_equal(tss_proto_handle(s, 1, 2, 1, junk, 4, &ob), MPC_ERR_SESSION_STATE);
    uint8_t *res = NULL;
    size_t rl = 0;
    assert_int_equal(tss_proto_result(s, &res, &rl), MPC_ERR_SESSION_STATE);
    assert_int_equal(tss_proto_handle(s, 1, 1, 0, junk, 4, &ob), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_proto_culprit(s), 1);
    assert_int_equal(tss_proto_current_round(s), 0);
    mpc_outbox_clear(&ob);
    tss_proto_destroy(s);
    tss_proto_destroy(NULL);
    free(in2);
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_dkls_keygen");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkls_keygen_sign_all_subsets),
        cmocka_unit_test(test_dkls_keygen_record_contents),
        cmocka_unit_test(test_dkls_keygen_bad_pok_names_dealer),
        cmocka_unit_test(test_dkls_keygen_wrong_commitment_length_names_dealer),
        cmocka_unit_test(test_dkls_keygen_inconsistent_share_names_dealer),
        cmocka_unit_test(test_dkls_keygen_equivocation_never_frames_honest),
        cmocka_unit_test(test_dkls_keygen_bad_base_ot_point_names_sender),
        cmocka_unit_test(test_dkls_keygen_ot_transcript_mismatch_names_sender),
        cmocka_unit_test(test_dkls_keygen_confirmation_mismatch_names_sender),
        cmocka_unit_test(test_dkls_keygen_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

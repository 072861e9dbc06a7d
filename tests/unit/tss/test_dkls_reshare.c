/*
 * test_dkls_reshare.c — DKLs23 reshare (tss/dkls_reshare) through the
 * simulator: the chain 2-of-3 -> 3-of-5 -> 2-of-2 -> 3-of-4 (overlapping and
 * disjoint committees) keeps Y, signs correctly after every step (checked with
 * libsecp256k1), gives fresh setups (new setup ids) for every pair, leaves no
 * setups for removed pairs, and clears quarantine flags; negative cases
 * (D_{i,0} != λ_i X_i, wrong commitment length, share, OT transcript) name
 * the culprit. One keygen serves the suite (group_setup; each case changes a
 * copy). Under valgrind (MPC_VALGRIND) the chain's committees and the
 * negative cases' reshares are smaller, with the same kinds of step and the
 * same checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/test_util.h"
#include "tss/dkls_keyrec.h"
#include "tss/group.h"

static uint64_t seed;

static void
sign_ok(const dkls_fx_key *key, const uint32_t *signers, uint32_t n)
{
    uint8_t msg[32], out[130];
    tss_sim_result res;
    randombytes_buf(msg, sizeof msg);
    mpc_status st = dkls_fx_sign(key, signers, n, msg, seed, NULL, NULL, &res, out);
    tss_sim_result_free(&res);
    assert_int_equal(st, MPC_OK);
    assert_true(dkls_fx_verify(out, msg, key->y));
}

/* Checks the records of key: holders are exactly nodes[0..n), version, peers, fresh ids. */
static void
check_records(const dkls_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t version,
              const dkls_fx_key *prev)
{
    for (uint32_t k = 0; k < TSS_FX_MAX_NODES; k++) {
        int member = 0;
        for (uint32_t i = 0; i < n; i++) {
            member |= nodes[i] == k;
        }
        if (!member) {
            assert_null(key->rec[k]); /* no share and no setups outside the committee */
            continue;
        }
        tss_dkls_keyrec *r = NULL;
        assert_int_equal(tss_dkls_keyrec_decode(&r, key->rec[k], key->len[k]), MPC_OK);
        assert_int_equal(r->key_version, version);
        assert_int_equal(r->ks->n, n);
        assert_int_equal(r->n_peers, n - 1);   /* setups only with current members */
        assert_int_equal(r->ks->has_chain, 1); /* the keygen's chain code, kept by reshares */
        for (uint32_t j = 0; prev != NULL && j < TSS_FX_MAX_NODES; j++) {
            tss_dkls_keyrec *o = NULL;
            if (prev->rec[j] != NULL) {
                assert_int_equal(tss_dkls_keyrec_decode(&o, prev->rec[j], prev->len[j]), MPC_OK);
                assert_memory_equal(o->ks->chain, r->ks->chain, TSS_KEYSHARE_CHAIN_BYTES);
                tss_dkls_keyrec_destroy(o);
            }
        }
        for (uint32_t p = 0; p < r->n_peers; p++) {
            const char *peer = r->ks->members[r->peers[p].member].node_id;
            int in_committee = 0;
            for (uint32_t i = 0; i < n; i++) {
                in_committee |= strcmp(peer, tss_fx_node(nodes[i])) == 0;
            }
            assert_true(in_committee);
            assert_int_equal(r->peers[p].status, TSS_DKLS_PEER_ACTIVE);
        }
        if (prev != NULL && prev->rec[k] != NULL) {
            tss_dkls_keyrec *o = NULL;
            assert_int_equal(tss_dkls_keyrec_decode(&o, prev->rec[k], prev->len[k]), MPC_OK);
            assert_memory_not_equal(o->ctx, r->ctx, 32);
            for (uint32_t a = 0; a < o->n_peers; a++) {
                for (uint32_t b = 0; b < r->n_peers; b++) {
                    assert_memory_not_equal(o->peers[a].pair.setup_id_out,
                                            r->peers[b].pair.setup_id_out, 32);
                    assert_memory_not_equal(o->peers[a].pair.alice.delta,
                                            r->peers[b].pair.alice.delta, 16);
                }
            }
            tss_dkls_keyrec_destroy(o);
        }
        tss_dkls_keyrec_destroy(r);
    }
}

/* One reshare of the chain: quorum -> committee with threshold t, then signing by each list. */
struct rs_step {
    uint32_t q[5], nq;       /* old parties taking part */
    uint32_t c[5], nc, t;    /* the new committee and threshold */
    uint32_t s[2][5], ns[2]; /* signer lists after the step (ns = 0: none) */
};

/* Native: 2-of-3 -> 3-of-5 (overlapping) -> 2-of-2 (disjoint) -> 3-of-4 (both
 * old members stay). Under valgrind the same kinds of step with smaller
 * committees: -> 3-of-3 (overlapping, threshold up) -> 2-of-2 (disjoint) ->
 * 2-of-3 (both old members stay). */
static const struct rs_step chain_native[3] = {
    {{1, 2}, 2, {1, 2, 3, 4, 5}, 5, 3, {{2, 3, 5}, {1, 3, 4, 5}}, {3, 4}},
    {{3, 4, 5}, 3, {6, 7}, 2, 2, {{6, 7}}, {2, 0}},
    {{6, 7}, 2, {6, 7, 8, 9}, 4, 3, {{7, 8, 9}}, {3, 0}},
};
static const struct rs_step chain_valgrind[3] = {
    {{1, 2}, 2, {1, 2, 3}, 3, 3, {{1, 2, 3}}, {3, 0}},
    {{1, 2, 3}, 3, {6, 7}, 2, 2, {{6, 7}}, {2, 0}},
    {{6, 7}, 2, {6, 7, 8}, 3, 2, {{7, 8}}, {2, 0}},
};

static dkls_fx_key base_key; /* 2-of-3 among nodes 0, 1, 2: one keygen per suite */

static void
test_dkls_reshare_chain_keeps_key(void **state)
{
    (void)state;
    const struct rs_step *chain = mpc_test_under_valgrind() ? chain_valgrind : chain_native;
    dkls_fx_key k[4];
    tss_sim_result res;
    assert_int_equal(dkls_fx_key_copy(&k[0], &base_key), MPC_OK);
    uint32_t s1[2] = {0, 2};
    sign_ok(&k[0], s1, 2);
    for (int i = 0; i < 3; i++) {
        const struct rs_step *st = &chain[i];
        assert_int_equal(dkls_fx_reshare(&k[i], st->q, st->nq, st->c, st->nc, st->t,
                                         seed + 1 + (uint64_t)i, NULL, NULL, &res, &k[i + 1]),
                         MPC_OK);
        tss_sim_result_free(&res);
        assert_memory_equal(k[i + 1].y, k[0].y, 33);
        check_records(&k[i + 1], st->c, st->nc, (uint32_t)i + 2, &k[i]);
        for (int j = 0; j < 2 && st->ns[j] > 0; j++) {
            sign_ok(&k[i + 1], st->s[j], st->ns[j]);
        }
    }

    /* Old and new shares do not combine: an old record (the first member's,
     * from before the last step) cannot sign with new ones. */
    const struct rs_step *last = &chain[2];
    uint8_t msg[32] = {1}, out[130];
    dkls_fx_key mix;
    memset(&mix, 0, sizeof mix);
    for (uint32_t i = 0; i < last->t; i++) {
        const dkls_fx_key *from = i == 0 ? &k[2] : &k[3];
        mix.rec[last->c[i]] = from->rec[last->c[i]];
        mix.len[last->c[i]] = from->len[last->c[i]];
    }
    assert_non_null(mix.rec[last->c[0]]);
    assert_int_not_equal(dkls_fx_sign(&mix, last->c, last->t, msg, seed, NULL, NULL, &res, out),
                         MPC_OK);
    tss_sim_result_free(&res);

    for (int i = 0; i < 4; i++) {
        dkls_fx_key_free(&k[i]);
    }
}

/* Parties of the single reshares below: 3 (2-of-3 -> 2-of-3); under valgrind 2
 * (nodes 0 and 1 -> 2-of-2), the same code with one pair's base OTs instead of three. */
static uint32_t
reshare_parties(void)
{
    return mpc_test_under_valgrind() ? 2 : 3;
}

/* Quarantine flags are not carried over: the reshare is the remedy (spec §7). */
static void
test_dkls_reshare_clears_quarantine(void **state)
{
    (void)state;
    dkls_fx_key k1, k2;
    tss_sim_result res;
    uint32_t c[3] = {0, 1, 2};
    assert_int_equal(dkls_fx_key_copy(&k1, &base_key), MPC_OK);
    uint8_t *q = NULL;
    size_t ql = 0;
    assert_int_equal(tss_dkls_keyrec_quarantine(k1.rec[0], k1.len[0], "node-1", &q, &ql), MPC_OK);
    mpc_secure_free(k1.rec[0]);
    k1.rec[0] = q;
    k1.len[0] = ql;
    uint32_t s01[2] = {0, 1};
    uint8_t msg[32] = {7}, out[130];
    assert_int_equal(dkls_fx_sign(&k1, s01, 2, msg, seed, NULL, NULL, &res, out),
                     MPC_ERR_QUARANTINED);
    tss_sim_result_free(&res);
    uint32_t n = reshare_parties();
    assert_int_equal(dkls_fx_reshare(&k1, c, n, c, n, 2, seed, NULL, NULL, &res, &k2), MPC_OK);
    tss_sim_result_free(&res);
    check_records(&k2, c, n, 2, &k1);
    sign_ok(&k2, s01, 2);
    dkls_fx_key_free(&k1);
    dkls_fx_key_free(&k2);
}

/* Rewrites every record of k in the legacy format 1 (no zero-sharing seeds). */
static void
to_format_v1(dkls_fx_key *k, const uint32_t *nodes, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = nodes[i];
        tss_dkls_keyrec *r = NULL;
        uint8_t *enc = NULL;
        size_t len = 0;
        assert_int_equal(tss_dkls_keyrec_decode(&r, k->rec[x], k->len[x]), MPC_OK);
        r->format = TSS_DKLS_KEYREC_FORMAT_V1;
        assert_int_equal(tss_dkls_keyrec_encode(r, &enc, &len), MPC_OK);
        tss_dkls_keyrec_destroy(r);
        assert_int_equal(enc[0], TSS_DKLS_KEYREC_FORMAT_V1);
        mpc_secure_free(k->rec[x]);
        k->rec[x] = enc;
        k->len[x] = len;
    }
}

/* A legacy record (format 1, written before zero-sharing) still loads but refuses
 * to sign with MPC_ERR_RESHARE_REQUIRED; a reshare from it writes format 2 with
 * fresh seeds for the new committee, which signs (spec §2.1, App. C.4). */
static void
test_dkls_reshare_upgrades_legacy_record(void **state)
{
    (void)state;
    dkls_fx_key k1, k2;
    tss_sim_result res;
    uint32_t c[3] = {0, 1, 2}, s01[2] = {0, 1};
    uint8_t msg[32] = {9}, out[130];
    assert_int_equal(dkls_fx_key_copy(&k1, &base_key), MPC_OK);
    to_format_v1(&k1, c, 3);
    assert_int_equal(dkls_fx_sign(&k1, s01, 2, msg, seed, NULL, NULL, &res, out),
                     MPC_ERR_RESHARE_REQUIRED);
    tss_sim_result_free(&res);
    uint32_t n = reshare_parties();
    assert_int_equal(dkls_fx_reshare(&k1, c, n, c, n, 2, seed, NULL, NULL, &res, &k2), MPC_OK);
    tss_sim_result_free(&res);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(k2.rec[i][0], TSS_DKLS_KEYREC_FORMAT);
    }
    check_records(&k2, c, n, 2, &k1);
    sign_ok(&k2, s01, 2);
    dkls_fx_key_free(&k1);
    dkls_fx_key_free(&k2);
}

enum rs_cheat {
    RS_BAD_CONSTANT, /* dealer 1's D_{1,0} replaced by another valid point */
    RS_LONG_COMMIT,  /* dealer 1 announces t' + 1 commitments */
    RS_BAD_SHARE,    /* dealer 1's share to party 0 is off */
    RS_BAD_OT_TR,    /* party 1's OT confirmation entry for party 0 is wrong */
};

struct rs_tamper {
    enum rs_cheat cheat; /* what to do */
    int hits;            /* copies changed */
};

static int
rs_tamper_fn(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **data,
             size_t *len)
{
    struct rs_tamper *k = user;
    uint8_t *d = *data;
    (void)len;
    if (from != 1) {
        return 0;
    }
    if (k->cheat == RS_BAD_CONSTANT && round == 1 && bc) {
        memcpy(d + 4, d + 4 + 33, 33); /* D_{1,0} := D_{1,1} */
        k->hits++;
    } else if (k->cheat == RS_LONG_COMMIT && round == 1 && bc) {
        d[3]++;
        k->hits++;
    } else if (k->cheat == RS_BAD_SHARE && round == 2 && to == 0) {
        d[2 + 31] ^= 1;
        k->hits++;
    } else if (k->cheat == RS_BAD_OT_TR && round == 3 && to == 0) {
        d[34 + 32] ^= 0x80;
        k->hits++;
    }
    return 0;
}

static void
expect_reshare_failure(enum rs_cheat cheat, mpc_status want)
{
    dkls_fx_key k1, k2;
    tss_sim_result res;
    uint32_t c[3] = {0, 1, 2};
    assert_int_equal(dkls_fx_key_copy(&k1, &base_key), MPC_OK);
    struct rs_tamper t = {.cheat = cheat};
    /* Under valgrind the reshare runs among nodes 0 and 1 only (2-of-2): the
     * cheater (1) and its victim (0) are all the case needs. */
    uint32_t n = reshare_parties();
    assert_int_not_equal(dkls_fx_reshare(&k1, c, n, c, n, 2, seed, rs_tamper_fn, &t, &res, &k2),
                         MPC_OK);
    assert_true(t.hits > 0);
    assert_true(tss_fx_failed_with(&res, want, 1));
    tss_sim_result_free(&res);
    dkls_fx_key_free(&k1);
    dkls_fx_key_free(&k2);
}

static void
test_dkls_reshare_wrong_constant_names_dealer(void **state)
{
    (void)state;
    expect_reshare_failure(RS_BAD_CONSTANT, MPC_ERR_BAD_COMMITMENT);
}

static void
test_dkls_reshare_wrong_commitment_length_names_dealer(void **state)
{
    (void)state;
    expect_reshare_failure(RS_LONG_COMMIT, MPC_ERR_BAD_COMMITMENT);
}

static void
test_dkls_reshare_bad_share_names_dealer(void **state)
{
    (void)state;
    expect_reshare_failure(RS_BAD_SHARE, MPC_ERR_BAD_SHARE);
}

static void
test_dkls_reshare_ot_transcript_mismatch_names_sender(void **state)
{
    (void)state;
    expect_reshare_failure(RS_BAD_OT_TR, MPC_ERR_TRANSCRIPT);
}

/* One keygen for the suite: every case starts from a copy of it (cases change
 * records: quarantine, legacy format). */
static int
group_setup(void **state)
{
    (void)state;
    uint32_t c[3] = {0, 1, 2};
    tss_sim_result res;
    mpc_status st = dkls_fx_keygen(&base_key, c, 3, 2, seed, NULL, NULL, &res);
    tss_sim_result_free(&res);
    return st == MPC_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    dkls_fx_key_free(&base_key);
    return 0;
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_dkls_reshare");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkls_reshare_chain_keeps_key),
        cmocka_unit_test(test_dkls_reshare_clears_quarantine),
        cmocka_unit_test(test_dkls_reshare_upgrades_legacy_record),
        cmocka_unit_test(test_dkls_reshare_wrong_constant_names_dealer),
        cmocka_unit_test(test_dkls_reshare_wrong_commitment_length_names_dealer),
        cmocka_unit_test(test_dkls_reshare_bad_share_names_dealer),
        cmocka_unit_test(test_dkls_reshare_ot_transcript_mismatch_names_sender),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

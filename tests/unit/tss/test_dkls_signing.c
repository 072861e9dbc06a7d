/*
 * test_dkls_signing.c — the DKLs23 signing session (tss/dkls_signing) over
 * keys from a real keygen: KOS check failure names the peer, the quarantine
 * recorded with tss_dkls_keyrec_quarantine makes the next signing with that
 * peer fail before round 1 (and only with that peer); a round-1 message
 * replayed from an earlier signature meets fresh pads and fails the session
 * naming the replayer; a second round-1 direct message from the same peer is
 * refused; input and framing errors. Signing under child keys
 * (docs/specs/hd-derivation.md §5): depth 1, 2 and 5, with the designated
 * (lowest-id) signer being the local party or a peer, verified with
 * libsecp256k1 under the child key and not under the parent or a sibling;
 * signers that disagree on the tweak fail; a non-canonical tweak is refused.
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
#include "tss/dkls_keygen.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_signing.h"
#include "tss/group.h"
#include "tss/hd.h"

static uint64_t seed;
static dkls_fx_key key; /* 2-of-3 among node-0..node-2 */

static int
setup_key(void **state)
{
    (void)state;
    uint32_t c[3] = {0, 1, 2};
    tss_sim_result res;
    mpc_status st = dkls_fx_keygen(&key, c, 3, 2, seed, NULL, NULL, &res);
    tss_sim_result_free(&res);
    return st == MPC_OK ? 0 : -1;
}

static int
teardown_key(void **state)
{
    (void)state;
    dkls_fx_key_free(&key);
    return 0;
}

/* Flips one byte of U in party 1's round-1 direct message to party 0. */
static int
flip_u(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **data, size_t *len)
{
    int *hits = user;
    (void)len;
    if (from == 1 && to == 0 && round == 1 && !bc) {
        (*data)[2 + 1000] ^= 0x01;
        (*hits)++;
    }
    return 0;
}

static void
test_dkls_signing_kos_failure_quarantine_refuses_peer(void **state)
{
    (void)state;
    uint32_t s01[2] = {0, 1}, s02[2] = {0, 2};
    uint8_t msg[32], out[130];
    tss_sim_result res;
    int hits = 0;
    randombytes_buf(msg, sizeof msg);
    assert_int_not_equal(dkls_fx_sign(&key, s01, 2, msg, seed, flip_u, &hits, &res, out), MPC_OK);
    assert_true(hits > 0);
    assert_int_equal(res.parties[0].status, MPC_ERR_OT_CHECK);
    assert_int_equal(res.parties[0].culprit, 1);
    tss_sim_result_free(&res);

    /* The node records the quarantine of node-1 in node-0's record. */
    dkls_fx_key q = key;
    uint8_t *rec = NULL;
    size_t len = 0;
    assert_int_equal(tss_dkls_keyrec_quarantine(key.rec[0], key.len[0], "node-1", &rec, &len),
                     MPC_OK);
    tss_dkls_keyrec *r = NULL;
    assert_int_equal(tss_dkls_keyrec_decode(&r, rec, len), MPC_OK);
    assert_int_equal(tss_dkls_keyrec_peer(r, 1)->status, TSS_DKLS_PEER_QUARANTINED);
    assert_int_equal(tss_dkls_keyrec_peer(r, 2)->status, TSS_DKLS_PEER_ACTIVE);
    tss_dkls_keyrec_destroy(r);
    q.rec[0] = rec;
    q.len[0] = len;

    /* Signing with node-1 is refused before round 1, naming it; with node-2 it works. */
    assert_int_equal(dkls_fx_sign(&q, s01, 2, msg, seed, NULL, NULL, &res, out),
                     MPC_ERR_QUARANTINED);
    assert_int_equal(res.parties[0].status, MPC_ERR_QUARANTINED);
    assert_int_equal(res.parties[0].culprit, 1);
    tss_sim_result_free(&res);
    /* Before round 1: start() emits nothing. */
    {
        static const uint8_t sid[16] = {4};
        const char *ids[2] = {"node-0", "node-1"};
        uint8_t *in = NULL;
        size_t in_len = 0;
        tss_base *sg = NULL;
        mpc_outbox ob;
        mpc_outbox_init(&ob);
        assert_int_equal(tss_dkls_sign_input_encode(&in, &in_len, rec, len, msg, ids, 2), MPC_OK);
        tss_params p = {.sid = sid,
                        .self = 0,
                        .n_parties = 2,
                        .party_ids = ids,
                        .input = in,
                        .input_len = in_len};
        assert_int_equal(tss_dkls_signing_create(&sg, &p), MPC_OK);
        assert_int_equal(tss_proto_start(sg, &ob), MPC_ERR_QUARANTINED);
        assert_int_equal(ob.n, 0);
        assert_int_equal(tss_proto_culprit(sg), 1);
        tss_proto_destroy(sg);
        mpc_secure_free(in);
    }
    assert_int_equal(dkls_fx_sign(&q, s02, 2, msg, seed, NULL, NULL, &res, out), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(dkls_fx_verify(out, msg, key.y));
    /* Unknown node, self and garbage. */
    uint8_t *o2 = NULL;
    size_t l2 = 0;
    assert_int_equal(tss_dkls_keyrec_quarantine(rec, len, "node-9", &o2, &l2),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    assert_int_equal(tss_dkls_keyrec_quarantine(rec, len, "node-0", &o2, &l2),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    assert_int_equal(tss_dkls_keyrec_quarantine(rec, len - 1, "node-1", &o2, &l2),
                     MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_dkls_keyrec_quarantine(NULL, len, "node-1", &o2, &l2),
                     MPC_ERR_INVALID_ARG);
    assert_null(o2);
    mpc_secure_free(rec);
}

/* Captures or replaces party 1's round-1 messages to party 0; captures 0's answer to 1. */
struct replay {
    int replace;          /* 0: capture session 1; 1: replay into session 2 */
    uint8_t *r1[2];       /* party 1's round-1 broadcast [0] and direct [1] to party 0 */
    size_t r1_len[2];     /* their lengths */
    uint8_t *answer[2];   /* party 0's round-2 direct to party 1 in sessions 1 and 2 */
    size_t answer_len[2]; /* their lengths */
};

static int
replay_fn(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **data,
          size_t *len)
{
    struct replay *rp = user;
    if (from == 1 && to == 0 && round == 1) {
        int k = bc ? 0 : 1;
        if (!rp->replace) {
            rp->r1[k] = malloc(*len);
            memcpy(rp->r1[k], *data, *len);
            rp->r1_len[k] = *len;
        } else {
            free(*data);
            *data = malloc(rp->r1_len[k]);
            memcpy(*data, rp->r1[k], rp->r1_len[k]);
            *len = rp->r1_len[k];
        }
    }
    if (from == 0 && to == 1 && round == 2) {
        rp->answer[rp->replace] = malloc(*len);
        memcpy(rp->answer[rp->replace], *data, *len);
        rp->answer_len[rp->replace] = *len;
    }
    return 0;
}

static void
test_dkls_signing_replayed_round1_meets_fresh_pads(void **state)
{
    (void)state;
    uint32_t s01[2] = {0, 1};
    uint8_t msg[32] = {0x42}, out[130];
    tss_sim_result res;
    struct replay rp;
    memset(&rp, 0, sizeof rp);
    assert_int_equal(dkls_fx_sign(&key, s01, 2, msg, seed, replay_fn, &rp, &res, out), MPC_OK);
    tss_sim_result_free(&res);
    assert_true(dkls_fx_verify(out, msg, key.y));
    rp.replace = 1;
    /* Same session id, same message: only the parties' fresh randomness differs. */
    assert_int_not_equal(dkls_fx_sign(&key, s01, 2, msg, seed, replay_fn, &rp, &res, out), MPC_OK);
    /* Party 0 answered the replayed OT message (the KOS check passes: same ote_sid)... */
    assert_non_null(rp.answer[1]);
    assert_int_equal(rp.answer_len[0], rp.answer_len[1]);
    /* ...but with fresh pads: its RVOLE answer (after the 195-byte header part) is new. */
    size_t off = 2 + 195;
    assert_memory_not_equal(rp.answer[0] + off, rp.answer[1] + off, rp.answer_len[0] - off);
    /* The replayer is named (stale commitment) or, for an echo mismatch, in
     * dispute with us (an echo hash cannot tell who lied). */
    if (res.parties[0].status == MPC_ERR_EQUIVOCATION) {
        assert_int_equal(res.parties[0].culprit, TSS_NO_CULPRIT);
        assert_int_equal(res.parties[0].dispute[0], 1);
        assert_int_equal(res.parties[0].dispute[1], 0);
    } else {
        assert_int_equal(res.parties[0].status, MPC_ERR_BAD_COMMITMENT);
        assert_int_equal(res.parties[0].culprit, 1);
    }
    tss_sim_result_free(&res);
    for (int k = 0; k < 2; k++) {
        free(rp.r1[k]);
        free(rp.answer[k]);
    }
}

/* Creates the signing states of node-0 and node-1 for msg. */
static void
make_pair(tss_base **s, const char **ids, uint8_t **in, const uint8_t msg[32])
{
    static const uint8_t sid[16] = {9};
    for (uint32_t i = 0; i < 2; i++) {
        size_t len = 0;
        assert_int_equal(
            tss_dkls_sign_input_encode(&in[i], &len, key.rec[i], key.len[i], msg, ids, 2), MPC_OK);
        tss_params p = {.sid = sid,
                        .self = i,
                        .n_parties = 2,
                        .party_ids = ids,
                        .input = in[i],
                        .input_len = len};
        assert_int_equal(tss_dkls_signing_create(&s[i], &p), MPC_OK);
    }
}

static void
test_dkls_signing_second_round1_message_refused(void **state)
{
    (void)state;
    const char *ids[2] = {"node-0", "node-1"};
    uint8_t msg[32] = {1}, *in[2];
    tss_base *s[2];
    mpc_outbox ob[2];
    make_pair(s, ids, in, msg);
    for (int i = 0; i < 2; i++) {
        mpc_outbox_init(&ob[i]);
        assert_int_equal(tss_proto_start(s[i], &ob[i]), MPC_OK);
        assert_int_equal(tss_proto_current_round(s[i]), 1);
    }
    assert_int_equal(ob[1].n, 2);
    const mpc_out_msg *direct = ob[1].msgs[0].to == 0 ? &ob[1].msgs[0] : &ob[1].msgs[1];
    mpc_outbox tmp;
    mpc_outbox_init(&tmp);
    assert_int_equal(tss_proto_handle(s[0], 1, 1, 0, direct->data, direct->len, &tmp), MPC_OK);
    assert_int_equal(tss_proto_handle(s[0], 1, 1, 0, direct->data, direct->len, &tmp),
                     MPC_ERR_MSG_KIND);
    assert_int_equal(tss_proto_culprit(s[0]), 1);
    assert_int_equal(tss_proto_current_round(s[0]), 0);
    assert_int_equal(tmp.n, 0); /* no answer was produced */
    /* Sticky. */
    assert_int_equal(tss_proto_handle(s[0], 1, 1, 1, direct->data, direct->len, &tmp),
                     MPC_ERR_MSG_KIND);
    /* Party 1: wrong kind, wrong length, wrong round, result before done. */
    const mpc_out_msg *bc = ob[0].msgs[0].to == MPC_OUTBOX_ALL ? &ob[0].msgs[0] : &ob[0].msgs[1];
    assert_int_equal(tss_proto_handle(s[1], 0, 2, 1, bc->data, bc->len, &tmp),
                     MPC_ERR_SESSION_STATE);
    uint8_t *r = NULL;
    size_t rl = 0;
    assert_int_equal(tss_proto_result(s[1], &r, &rl), MPC_ERR_SESSION_STATE);
    assert_int_equal(tss_proto_handle(s[1], 0, 1, 1, bc->data, bc->len - 1, &tmp),
                     MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_proto_culprit(s[1]), 0);
    for (int i = 0; i < 2; i++) {
        mpc_outbox_clear(&ob[i]);
        tss_proto_destroy(s[i]);
        mpc_secure_free(in[i]);
    }
    mpc_outbox_clear(&tmp);
    tss_proto_destroy(NULL);
}

static mpc_status
create_with(const char *const *list, uint32_t n_list, const char **parties, uint32_t n,
            const uint8_t *rec, size_t rec_len)
{
    static const uint8_t sid[16] = {3};
    uint8_t msg[32] = {5}, *in = NULL;
    size_t len = 0;
    mpc_status st = tss_dkls_sign_input_encode(&in, &len, rec, rec_len, msg, list, n_list);
    if (st != MPC_OK) {
        return st;
    }
    tss_base *s = NULL;
    tss_params p = {
        .sid = sid, .self = 0, .n_parties = n, .party_ids = parties, .input = in, .input_len = len};
    st = tss_proto_dkls_sign.create(&s, &p);
    if (st == MPC_OK) {
        tss_proto_destroy(s);
    } else {
        assert_null(s);
    }
    mpc_secure_free(in);
    return st;
}

/* Party 2 shows party 1 a different round-1 broadcast than party 0 sees. */
static int
equivocate_r1(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **data,
              size_t *len)
{
    int *hits = user;
    if (from == 2 && to == 1 && round == 1 && bc && *len > 8) {
        (*data)[7] ^= 0x10;
        (*hits)++;
    }
    return 0;
}

static void
test_dkls_signing_echo_never_frames_messenger(void **state)
{
    (void)state;
    uint32_t s012[3] = {0, 1, 2};
    uint8_t msg[32] = {0x17}, out[130];
    tss_sim_result res;
    int hits = 0;
    assert_int_not_equal(dkls_fx_sign(&key, s012, 3, msg, seed, equivocate_r1, &hits, &res, out),
                         MPC_OK);
    assert_true(hits > 0);
    int echo_seen = 0;
    for (uint32_t i = 0; i < 2; i++) { /* the honest parties */
        const tss_sim_party *p = &res.parties[i];
        assert_int_not_equal(p->status, MPC_OK);
        /* Before: party 0 named party 1, whose echo1 merely carried 2's lie. */
        assert_true(p->culprit == TSS_NO_CULPRIT || p->culprit == 2);
        if (p->status == MPC_ERR_EQUIVOCATION) {
            echo_seen = 1;
            assert_int_equal(p->culprit, TSS_NO_CULPRIT);
            assert_int_not_equal(p->dispute[0], TSS_NO_CULPRIT);
        }
    }
    assert_true(echo_seen);
    assert_int_equal(res.parties[0].status, MPC_ERR_EQUIVOCATION);
    assert_int_equal(res.parties[0].dispute[0], 1);
    tss_sim_result_free(&res);
}

static void
test_dkls_signing_bad_inputs(void **state)
{
    (void)state;
    const char *ok[2] = {"node-0", "node-1"};
    const char *dup[2] = {"node-0", "node-0"};
    const char *stranger[2] = {"node-0", "node-7"};
    const char *three[3] = {"node-0", "node-1", "node-2"};
    assert_int_equal(create_with(ok, 2, ok, 2, key.rec[0], key.len[0]), MPC_OK);
    /* signer listed twice */
    assert_int_equal(create_with(dup, 2, ok, 2, key.rec[0], key.len[0]),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* list and parties differ */
    assert_int_equal(create_with(ok, 2, three, 3, key.rec[0], key.len[0]),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* a party outside the committee */
    assert_int_equal(create_with(stranger, 2, stranger, 2, key.rec[0], key.len[0]),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* someone else's record */
    assert_int_equal(create_with(ok, 2, ok, 2, key.rec[1], key.len[1]),
                     MPC_ERR_UNKNOWN_PARTICIPANT);
    /* corrupted record */
    uint8_t *bad = malloc(key.len[0]);
    memcpy(bad, key.rec[0], key.len[0]);
    bad[0] = 9;
    assert_int_equal(create_with(ok, 2, ok, 2, bad, key.len[0]), MPC_ERR_MSG_MALFORMED);
    free(bad);
    /* |S| < t with a 3-of-3 key is refused */
    dkls_fx_key k3;
    uint32_t c[3] = {0, 1, 2};
    tss_sim_result res;
    assert_int_equal(dkls_fx_keygen(&k3, c, 3, 3, seed, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    assert_int_equal(create_with(ok, 2, ok, 2, k3.rec[0], k3.len[0]), MPC_ERR_BAD_THRESHOLD);
    dkls_fx_key_free(&k3);
    /* encoder misuse */
    uint8_t msg[32] = {0}, *in = NULL;
    size_t len = 0;
    assert_int_equal(tss_dkls_sign_input_encode(&in, &len, NULL, 3, msg, ok, 2),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_sign_input_encode(&in, &len, key.rec[0], key.len[0], msg, ok, 0),
                     MPC_ERR_INVALID_ARG);
    assert_null(in);
    tss_base *s = NULL;
    assert_int_equal(tss_proto_dkls_sign.create(&s, NULL), MPC_ERR_INVALID_ARG);
}

/* Root of the fixture key with a fixed chain code; child at path. */
static void
child_of(const char *path, tss_hd_xkey *child, uint8_t tweak[32])
{
    uint8_t chain[TSS_HD_CHAIN_BYTES];
    tss_hd_xkey root;
    tss_hd_path p;
    memset(chain, 0x5c, sizeof(chain));
    assert_int_equal(tss_hd_root(&root, TSS_CURVE_SECP256K1, key.y, 33, chain), MPC_OK);
    assert_int_equal(tss_hd_path_parse(&p, path), MPC_OK);
    assert_int_equal(tss_hd_derive(child, tweak, &root, &p), MPC_OK);
}

static void
test_dkls_signing_child_keys_verify(void **state)
{
    (void)state;
    static const char *const paths[3] = {"m/0", "m/0/5", "m/1/2/3/4/5"};
    static const char *const siblings[3] = {"m/1", "m/0/4", "m/1/2/3/4/6"};
    static const uint32_t sets[3][3] = {{0, 1}, {1, 2}, {2, 0, 1}};
    static const uint32_t set_n[3] = {2, 2, 3};
    for (int k = 0; k < 3; k++) {
        tss_hd_xkey child, sib;
        uint8_t tweak[32], sib_tweak[32], msg[32], out[130];
        child_of(paths[k], &child, tweak);
        child_of(siblings[k], &sib, sib_tweak);
        memset(msg, 0x30 + k, sizeof(msg));
        const uint8_t *tw[3] = {tweak, tweak, tweak};
        tss_sim_result res;
        mpc_status st = dkls_fx_sign_hd(&key, sets[k], set_n[k], msg, tw, seed + (uint64_t)k, NULL,
                                        NULL, &res, out);
        tss_sim_result_free(&res);
        assert_int_equal(st, MPC_OK);
        assert_true(dkls_fx_verify(out, msg, child.key));
        assert_false(dkls_fx_verify(out, msg, key.y));
        assert_false(dkls_fx_verify(out, msg, sib.key));
    }
}

static void
test_dkls_signing_child_tweak_disagreement_fails(void **state)
{
    (void)state;
    tss_hd_xkey a, b;
    uint8_t ta[32], tb[32], msg[32] = {7}, out[130];
    child_of("m/0/5", &a, ta);
    child_of("m/0/6", &b, tb);
    uint32_t set[2] = {0, 1};
    const uint8_t *other_path[2] = {ta, tb};
    const uint8_t *one_untweaked[2] = {NULL, ta};
    tss_sim_result res;
    assert_int_not_equal(
        dkls_fx_sign_hd(&key, set, 2, msg, other_path, seed, NULL, NULL, &res, out), MPC_OK);
    tss_sim_result_free(&res);
    assert_int_not_equal(
        dkls_fx_sign_hd(&key, set, 2, msg, one_untweaked, seed, NULL, NULL, &res, out), MPC_OK);
    tss_sim_result_free(&res);
    /* A tweak that is not a canonical scalar is refused at create. */
    static const uint8_t sid[16] = {3};
    const char *ids[2] = {"node-0", "node-1"};
    uint8_t bad[32], *in = NULL;
    size_t len = 0;
    memset(bad, 0xff, sizeof(bad));
    assert_int_equal(
        tss_dkls_sign_input_encode_hd(&in, &len, key.rec[0], key.len[0], msg, ids, 2, bad), MPC_OK);
    tss_base *sm = NULL;
    tss_params p = {
        .sid = sid, .self = 0, .n_parties = 2, .party_ids = ids, .input = in, .input_len = len};
    assert_int_equal(tss_proto_dkls_sign.create(&sm, &p), MPC_ERR_BAD_SCALAR);
    assert_null(sm);
    /* A version-2 input cut before its tweak is malformed. */
    p.input_len = len - 1;
    assert_int_equal(tss_proto_dkls_sign.create(&sm, &p), MPC_ERR_MSG_MALFORMED);
    mpc_secure_free(in);
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_dkls_signing");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkls_signing_kos_failure_quarantine_refuses_peer),
        cmocka_unit_test(test_dkls_signing_replayed_round1_meets_fresh_pads),
        cmocka_unit_test(test_dkls_signing_second_round1_message_refused),
        cmocka_unit_test(test_dkls_signing_echo_never_frames_messenger),
        cmocka_unit_test(test_dkls_signing_bad_inputs),
        cmocka_unit_test(test_dkls_signing_child_keys_verify),
        cmocka_unit_test(test_dkls_signing_child_tweak_disagreement_fails),
    };
    return cmocka_run_group_tests(tests, setup_key, teardown_key);
}

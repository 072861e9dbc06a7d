/*
 * test_dkls_online.c — the presignature session protocols (spec
 * docs/specs/dkls23-ecdsa.md §6.7) through the key-type table over a key from
 * a real keygen: "dkls-presign" (rounds 1-2 of signing, records as results,
 * nothing sent in round 3) and "dkls-online" (one broadcast round):
 * signatures verify with libsecp256k1 under Y and under Y + t·G; a replayed
 * or second online broadcast never makes a second signature; a broadcast of
 * another message fails naming its sender; records of another key version or
 * holder are refused; inputs of the wrong version are refused. Both run
 * through the session manager (in-memory transport) like every protocol.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <secp256k1.h>
#include <sodium.h>

#include "common/secmem.h"
#include "session/manager.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/session_testkit.h"
#include "tss/dkls_online.h"
#include "tss/dkls_presig.h"
#include "tss/dkls_signing.h"
#include "tss/group.h"
#include "tss/keytype.h"

static uint64_t seed;
static dkls_fx_key key; /* 2-of-3 among node-0..node-2 */
static const uint8_t sid[16] = {0x50, 0x53};
static const tss_keytype *kt = &tss_keytype_secp256k1;

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

/* Presign among nodes[0..n): rec[i] = node i's record (malloc'd copy). */
static mpc_status
presign(const uint32_t *nodes, uint32_t n, uint8_t **rec, size_t *len)
{
    tss_sim_result res;
    mpc_status st = dkls_fx_presign(&key, nodes, n, seed, NULL, NULL, &res);
    for (uint32_t i = 0; i < n; i++) {
        rec[i] = NULL;
        if (st == MPC_OK) {
            len[i] = res.parties[i].result_len;
            rec[i] = malloc(len[i]);
            memcpy(rec[i], res.parties[i].result, len[i]);
        }
    }
    tss_sim_result_free(&res);
    return st;
}

/* Online params of node nodes[i] (msg, tweak) with its record; input freed by the caller. */
static mpc_status
online_params(tss_params *p, const char **ids, const uint32_t *nodes, uint32_t n, uint32_t i,
              const uint8_t *rec, size_t len, const uint8_t msg[32], const uint8_t *tweak,
              uint8_t **in)
{
    for (uint32_t k = 0; k < n; k++) {
        ids[k] = tss_fx_node(nodes[k]);
    }
    *p = (tss_params){.sid = sid, .self = i, .n_parties = n, .party_ids = ids};
    mpc_status st = kt->online_input(in, &p->input_len, key.rec[nodes[i]], key.len[nodes[i]], rec,
                                     len, msg, ids, n, tweak);
    p->input = *in;
    return st;
}

/* Online among nodes with per-node messages; Out: res. */
static mpc_status
online(const uint32_t *nodes, uint32_t n, uint8_t **rec, size_t *len, const uint8_t (*msg)[32],
       const uint8_t *tweak, tss_sim_result *res)
{
    const uint8_t *recs[4], *msgs[4];
    for (uint32_t i = 0; i < n; i++) {
        recs[i] = rec[i];
        msgs[i] = msg[i];
    }
    return dkls_fx_online(&key, nodes, n, recs, len, msgs, tweak, seed, NULL, NULL, res);
}

static void
free_recs(uint8_t **rec, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        free(rec[i]);
        rec[i] = NULL;
    }
}

static void
test_dkls_online_presign_then_online_verifies(void **state)
{
    (void)state;
    uint32_t set[2] = {2, 0}; /* any party order */
    uint8_t *rec[2];
    size_t len[2];
    assert_int_equal(presign(set, 2, rec, len), MPC_OK);
    /* Both records name the same presignature and R, each its own holder. */
    struct tss_dkls_presig a, b;
    assert_int_equal(tss_dkls_presig_decode(&a, rec[0], len[0]), MPC_OK);
    assert_int_equal(tss_dkls_presig_decode(&b, rec[1], len[1]), MPC_OK);
    assert_memory_equal(a.presig_id, b.presig_id, 32);
    assert_memory_equal(a.big_r, b.big_r, 33);
    assert_int_equal(a.self_id, 3);
    assert_int_equal(b.self_id, 1);
    tss_dkls_presig_wipe(&a);
    tss_dkls_presig_wipe(&b);
    uint8_t msg[2][32];
    randombytes_buf(msg[0], 32);
    memcpy(msg[1], msg[0], 32);
    tss_sim_result res;
    assert_int_equal(online(set, 2, rec, len, (const uint8_t(*)[32])msg, NULL, &res), MPC_OK);
    assert_int_equal(res.parties[0].result_len, TSS_DKLS_SIGN_RESULT_BYTES);
    assert_memory_equal(res.parties[0].result, res.parties[1].result, TSS_DKLS_SIGN_RESULT_BYTES);
    assert_true(dkls_fx_verify(res.parties[0].result, msg[0], key.y));
    uint8_t sig[64], recid = 9;
    assert_int_equal(kt->sign_result(res.parties[0].result, res.parties[0].result_len, sig, &recid),
                     MPC_OK);
    assert_true(recid <= 3);
    /* One broadcast round of 98 bytes. */
    assert_int_equal(res.delivered, 2);
    tss_sim_result_free(&res);
    free_recs(rec, 2);
}

static void
test_dkls_online_tweak_verifies_under_child(void **state)
{
    (void)state;
    uint32_t set[3] = {0, 1, 2};
    uint8_t *rec[3];
    size_t len[3];
    assert_int_equal(presign(set, 3, rec, len), MPC_OK);
    uint8_t msg[3][32], tweak[32];
    randombytes_buf(msg[0], 32);
    memcpy(msg[1], msg[0], 32);
    memcpy(msg[2], msg[0], 32);
    memset(tweak, 0, 32);
    randombytes_buf(tweak + 1, 31);
    tss_sim_result res;
    assert_int_equal(online(set, 3, rec, len, (const uint8_t(*)[32])msg, tweak, &res), MPC_OK);
    /* Y' = Y + t·G, computed by libsecp256k1 itself. */
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_pubkey y;
    uint8_t child[33];
    size_t clen = 33;
    assert_true(secp256k1_ec_pubkey_parse(ctx, &y, key.y, 33));
    assert_true(secp256k1_ec_pubkey_tweak_add(ctx, &y, tweak));
    assert_true(secp256k1_ec_pubkey_serialize(ctx, child, &clen, &y, SECP256K1_EC_COMPRESSED));
    secp256k1_context_destroy(ctx);
    assert_true(dkls_fx_verify(res.parties[2].result, msg[0], child));
    assert_false(dkls_fx_verify(res.parties[2].result, msg[0], key.y));
    tss_sim_result_free(&res);
    free_recs(rec, 3);
}

static void
test_dkls_online_other_message_fails_naming_sender(void **state)
{
    (void)state;
    uint32_t set[2] = {0, 1};
    uint8_t *rec[2];
    size_t len[2];
    assert_int_equal(presign(set, 2, rec, len), MPC_OK);
    uint8_t msg[2][32];
    randombytes_buf(msg[0], 32);
    memcpy(msg[1], msg[0], 32);
    msg[1][0] ^= 1;
    tss_sim_result res;
    assert_int_equal(online(set, 2, rec, len, (const uint8_t(*)[32])msg, NULL, &res),
                     MPC_ERR_PRESIG_BINDING);
    assert_int_equal(res.parties[0].status, MPC_ERR_PRESIG_BINDING);
    assert_int_equal(res.parties[0].culprit, 1);
    assert_null(res.parties[0].result);
    tss_sim_result_free(&res);
    free_recs(rec, 2);
}

/* Starts node i's online state; out: its broadcast. */
static tss_base *
start_one(const uint32_t *set, uint32_t n, uint32_t i, uint8_t *rec, size_t len,
          const uint8_t msg[32], const char **ids, mpc_outbox *ob)
{
    tss_params p;
    uint8_t *in = NULL;
    tss_base *s = NULL;
    assert_int_equal(online_params(&p, ids, set, n, i, rec, len, msg, NULL, &in), MPC_OK);
    assert_int_equal(tss_proto_dkls_online.create(&s, &p), MPC_OK);
    mpc_secure_free(in);
    mpc_outbox_init(ob);
    assert_int_equal(tss_proto_start(s, ob), MPC_OK);
    assert_int_equal(ob->n, 1);
    assert_int_equal(tss_proto_current_round(s), 1);
    return s;
}

static void
test_dkls_online_replayed_broadcast_never_signs_twice(void **state)
{
    (void)state;
    uint32_t set[3] = {0, 1, 2};
    uint8_t *rec[3];
    size_t len[3];
    assert_int_equal(presign(set, 3, rec, len), MPC_OK);
    uint8_t msg[32];
    randombytes_buf(msg, 32);
    const char *ids[3][3];
    mpc_outbox ob[3];
    tss_base *s[3];
    for (uint32_t i = 0; i < 3; i++) {
        s[i] = start_one(set, 3, i, rec[i], len[i], msg, ids[i], &ob[i]);
    }
    mpc_outbox tmp;
    mpc_outbox_init(&tmp);
    const mpc_out_msg *m1 = &ob[1].msgs[0], *m2 = &ob[2].msgs[0];
    /* Party 0 gets 1's broadcast twice before 2's: the second is refused, naming 1. */
    assert_int_equal(tss_proto_handle(s[0], 1, 1, 1, m1->data, m1->len, &tmp), MPC_OK);
    assert_int_equal(tss_proto_handle(s[0], 1, 1, 1, m1->data, m1->len, &tmp), MPC_ERR_MSG_KIND);
    assert_int_equal(tss_proto_culprit(s[0]), 1);
    assert_int_not_equal(tss_proto_handle(s[0], 2, 1, 1, m2->data, m2->len, &tmp), MPC_OK);
    assert_false(tss_proto_is_done(s[0]));
    /* Party 1 signs once; a replay afterwards is refused without a second result. */
    const mpc_out_msg *m0 = &ob[0].msgs[0];
    assert_int_equal(tss_proto_handle(s[1], 0, 1, 1, m0->data, m0->len, &tmp), MPC_OK);
    assert_int_equal(tss_proto_handle(s[1], 2, 1, 1, m2->data, m2->len, &tmp), MPC_OK);
    assert_true(tss_proto_is_done(s[1]));
    assert_int_equal(tss_proto_handle(s[1], 2, 1, 1, m2->data, m2->len, &tmp),
                     MPC_ERR_SESSION_STATE);
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(tss_proto_result(s[1], &out, &out_len), MPC_OK);
    assert_true(dkls_fx_verify(out, msg, key.y));
    mpc_secure_free(out);
    /* A second start of a consumed state is refused. */
    assert_int_equal(tss_proto_start(s[2], &tmp), MPC_ERR_INVALID_ARG);
    assert_int_equal(tmp.n, 0);
    for (uint32_t i = 0; i < 3; i++) {
        tss_proto_destroy(s[i]);
        mpc_outbox_clear(&ob[i]);
    }
    mpc_outbox_clear(&tmp);
    free_recs(rec, 3);
}

static void
test_dkls_online_record_binding_refused(void **state)
{
    (void)state;
    uint32_t set[2] = {0, 1};
    uint8_t *rec[2];
    size_t len[2];
    assert_int_equal(presign(set, 2, rec, len), MPC_OK);
    uint8_t msg[32] = {7};
    const char *ids[2];
    tss_params p;
    uint8_t *in = NULL;
    tss_base *s = NULL;
    /* Node 1's record in node 0's seat: not its holder. */
    assert_int_equal(online_params(&p, ids, set, 2, 0, rec[1], len[1], msg, NULL, &in), MPC_OK);
    assert_int_equal(tss_proto_dkls_online.create(&s, &p), MPC_ERR_PRESIG_MISMATCH);
    assert_null(s);
    mpc_secure_free(in);
    /* Another key version: refused at start, nothing sent, the record consumed. */
    uint8_t *in2 = NULL;
    size_t in2_len = 0;
    uint32_t cids[2] = {1, 2};
    struct tss_dkls_online_input oi = {.key_version = 99,
                                       .y_pub = key.y,
                                       .msg32 = msg,
                                       .signers = ids,
                                       .committee_ids = cids,
                                       .n = 2,
                                       .rec = rec[0],
                                       .rec_len = len[0]};
    assert_int_equal(tss_dkls_online_input_encode(&in2, &in2_len, &oi), MPC_OK);
    p.input = in2;
    p.input_len = in2_len;
    assert_int_equal(tss_proto_dkls_online.create(&s, &p), MPC_OK);
    mpc_outbox ob;
    mpc_outbox_init(&ob);
    assert_int_equal(tss_proto_start(s, &ob), MPC_ERR_PRESIG_MISMATCH);
    assert_int_equal(ob.n, 0);
    tss_proto_destroy(s);
    /* Malformed record, trailing byte, bad version. */
    size_t rec_off = in2_len - len[0];
    in2[rec_off] ^= 0x7f;
    assert_int_equal(tss_proto_dkls_online.create(&s, &p), MPC_ERR_PRESIG_MALFORMED);
    in2[rec_off] ^= 0x7f;
    p.input_len = in2_len - 1;
    assert_int_equal(tss_proto_dkls_online.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    p.input_len = in2_len;
    in2[0] = 2;
    assert_int_equal(tss_proto_dkls_online.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    mpc_secure_free(in2);
    /* Encoder arguments. */
    oi.n = 1;
    assert_int_equal(tss_dkls_online_input_encode(&in2, &in2_len, &oi), MPC_ERR_INVALID_ARG);
    assert_null(in2);
    free_recs(rec, 2);
}

static void
test_dkls_online_input_versions_and_sizes(void **state)
{
    (void)state;
    const char *ids[2] = {tss_fx_node(0), tss_fx_node(1)};
    uint8_t msg[32] = {1};
    uint8_t *in = NULL;
    size_t in_len = 0;
    tss_base *s = NULL;
    tss_params p = {.sid = sid, .self = 0, .n_parties = 2, .party_ids = ids};
    /* A sign input is refused by dkls-presign, a presign input by dkls-sign. */
    assert_int_equal(tss_dkls_sign_input_encode(&in, &in_len, key.rec[0], key.len[0], msg, ids, 2),
                     MPC_OK);
    p.input = in;
    p.input_len = in_len;
    assert_int_equal(tss_proto_dkls_presign.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    mpc_secure_free(in);
    assert_int_equal(kt->presign_input(&in, &in_len, key.rec[0], key.len[0], ids, 2), MPC_OK);
    p.input = in;
    p.input_len = in_len;
    assert_int_equal(tss_proto_dkls_sign.create(&s, &p), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(tss_proto_dkls_presign.create(&s, &p), MPC_OK);
    tss_proto_destroy(s);
    mpc_secure_free(in);
    /* Round 3 of a presign carries nothing; the online round one 98-byte broadcast. */
    assert_int_equal(tss_proto_max_msg_len(kt->presign, 2, 1, 1),
                     tss_proto_max_msg_len(kt->sign, 2, 1, 1));
    assert_int_equal(tss_proto_max_msg_len(kt->presign, 2, 2, 0),
                     tss_proto_max_msg_len(kt->sign, 2, 2, 0));
    assert_int_equal(tss_proto_max_msg_len(kt->presign, 2, 3, 1), 0);
    assert_int_equal(tss_proto_max_msg_len(kt->sign_online, 2, 1, 1), 98);
    assert_int_equal(tss_proto_max_msg_len(kt->sign_online, 2, 1, 0), 0);
    assert_int_equal(tss_proto_max_msg_len(kt->sign_online, 2, 2, 1), 0);
    /* Only the ECDSA row has presignatures. */
    assert_null(tss_keytype_ed25519.presign);
    assert_null(tss_keytype_secp256k1_tr.sign_online);
    assert_string_equal(kt->presign->name, "dkls-presign");
    assert_string_equal(kt->sign_online->name, "dkls-online");
}

/* Result of one party of a session run through the managers. */
struct sess_out {
    pthread_mutex_t mu; /* guards the rest */
    pthread_cond_t cv;  /* an outcome arrived */
    int done;           /* outcomes received */
    mpc_status st[2];   /* per party */
    uint8_t *res[2];    /* result copies (secure memory) */
    size_t len[2];      /* their lengths */
};

struct sess_slot {
    struct sess_out *o; /* shared */
    int p;              /* party */
};

static void
sess_done(void *arg, const session_outcome *oc)
{
    struct sess_slot *sl = arg;
    struct sess_out *o = sl->o;
    pthread_mutex_lock(&o->mu);
    o->st[sl->p] = oc->status;
    if (oc->result != NULL) {
        o->res[sl->p] = mpc_secure_alloc(oc->result_len);
        memcpy(o->res[sl->p], oc->result, oc->result_len);
        o->len[sl->p] = oc->result_len;
    }
    o->done++;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

/* Runs proto on both nodes of c with inputs in[p]; waits (bounded) for both outcomes. */
static void
sess_run(stk_cluster *c, const char *const *names, const tss_protocol *proto, uint8_t sid_tag,
         uint8_t *const *in, const size_t *in_len, struct sess_out *o)
{
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    uint8_t sid2[16] = {0x77, sid_tag};
    struct sess_slot sl[2] = {{o, 0}, {o, 1}};
    for (int p = 0; p < 2; p++) {
        session_spec sp = {.sid = sid2,
                           .op = SESSION_OP_SIGN,
                           .key_type = "secp256k1",
                           .wallet = "w1",
                           .proto = proto,
                           .self = (uint32_t)p,
                           .n_parties = 2,
                           .party_ids = names,
                           .threshold = 2,
                           .input = in[p],
                           .input_len = in_len[p],
                           .deadline_ms = 60000 * mpc_test_slow(),
                           .admit_timeout_ms = 60000,
                           .done = sess_done,
                           .done_arg = &sl[p]};
        assert_int_equal(session_manager_start(stk_manager(c, (uint32_t)p), &sp), MPC_OK);
    }
    pthread_mutex_lock(&o->mu);
    for (int tries = 0; o->done < 2 && tries < 240; tries++) { /* bounded: 240 x 1 s */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&o->cv, &o->mu, &ts);
    }
    pthread_mutex_unlock(&o->mu);
    assert_int_equal(o->done, 2);
}

static void
sess_free(struct sess_out *o)
{
    for (int p = 0; p < 2; p++) {
        mpc_secure_free(o->res[p]);
    }
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
}

static void
test_dkls_online_through_session_manager(void **state)
{
    (void)state;
    /* A 2-of-2 key among the testkit's nodes n0, n1 (tss_sim keygen under those ids). */
    const char *names[2] = {"n0", "n1"};
    tss_params kp[2];
    uint8_t *kin[2] = {0};
    for (uint32_t i = 0; i < 2; i++) {
        kp[i] =
            (tss_params){.sid = sid, .self = i, .n_parties = 2, .party_ids = names, .threshold = 2};
        assert_int_equal(kt->keygen_input(&kin[i], &kp[i].input_len, "w1"), MPC_OK);
        kp[i].input = kin[i];
    }
    tss_sim_result kres;
    assert_int_equal(tss_sim_run(kt->keygen, kp, 2, seed, NULL, NULL, &kres), MPC_OK);
    mpc_secure_free(kin[0]);
    mpc_secure_free(kin[1]);
    tss_keyshare *ks = NULL;
    uint8_t y[33];
    assert_int_equal(kt->record_keyshare(kres.parties[0].result, kres.parties[0].result_len, &ks),
                     MPC_OK);
    ks->g->point_encode(y, &ks->group_key);
    tss_keyshare_destroy(ks);

    stk_options o;
    stk_options_default(&o, 2);
    stk_cluster *c = NULL;
    assert_int_equal(stk_cluster_create(&c, &o), MPC_OK);
    uint8_t *in[2];
    size_t in_len[2];
    for (int p = 0; p < 2; p++) {
        assert_int_equal(kt->presign_input(&in[p], &in_len[p], kres.parties[p].result,
                                           kres.parties[p].result_len, names, 2),
                         MPC_OK);
    }
    struct sess_out pre;
    sess_run(c, names, kt->presign, 1, in, in_len, &pre);
    assert_int_equal(pre.st[0], MPC_OK);
    assert_int_equal(pre.st[1], MPC_OK);
    mpc_secure_free(in[0]);
    mpc_secure_free(in[1]);
    uint8_t msg[32];
    randombytes_buf(msg, sizeof msg);
    for (int p = 0; p < 2; p++) {
        assert_int_equal(kt->online_input(&in[p], &in_len[p], kres.parties[p].result,
                                          kres.parties[p].result_len, pre.res[p], pre.len[p], msg,
                                          names, 2, NULL),
                         MPC_OK);
    }
    struct sess_out on;
    sess_run(c, names, kt->sign_online, 2, in, in_len, &on);
    assert_int_equal(on.st[0], MPC_OK);
    assert_int_equal(on.st[1], MPC_OK);
    assert_int_equal(on.len[0], TSS_DKLS_SIGN_RESULT_BYTES);
    assert_memory_equal(on.res[0], on.res[1], TSS_DKLS_SIGN_RESULT_BYTES);
    assert_true(dkls_fx_verify(on.res[0], msg, y));
    mpc_secure_free(in[0]);
    mpc_secure_free(in[1]);
    sess_free(&pre);
    sess_free(&on);
    stk_cluster_destroy(c);
    tss_sim_result_free(&kres);
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_dkls_online");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkls_online_presign_then_online_verifies),
        cmocka_unit_test(test_dkls_online_tweak_verifies_under_child),
        cmocka_unit_test(test_dkls_online_other_message_fails_naming_sender),
        cmocka_unit_test(test_dkls_online_replayed_broadcast_never_signs_twice),
        cmocka_unit_test(test_dkls_online_record_binding_refused),
        cmocka_unit_test(test_dkls_online_input_versions_and_sizes),
        cmocka_unit_test(test_dkls_online_through_session_manager),
    };
    return cmocka_run_group_tests(tests, setup_key, teardown_key);
}

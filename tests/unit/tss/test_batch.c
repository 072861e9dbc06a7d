/*
 * test_batch.c — batch signing (tss/batch): N instances of frost-sign and
 * dkls-sign in one run, every signature verified independently (libsodium,
 * libsecp256k1); the input and result codecs; the packed-message checks
 * (count, lengths, framing: MPC_ERR_BATCH_MALFORMED naming the sender, before
 * any instance sees it); a cheating party in one instance named, with that
 * instance's index; instance session ids that keep a message of one instance
 * out of another; the size bound per key type.
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
#include "tests/support/tss_fixture.h"
#include "tss/batch.h"
#include "tss/dkls_sign.h"
#include "tss/dkls_signing.h"
#include "tss/frost_sign.h"
#include "tss/group.h"
#include "tss/keytype.h"

static uint64_t seed;
static tss_fx_key ekey;  /* Ed25519 2-of-3 among node-0..node-2 */
static dkls_fx_key dkey; /* secp256k1 2-of-3 among node-0..node-2 */
static const uint8_t sid[TSS_SID_LEN] = {'b', 'a', 't', 'c', 'h', '-', 's', 'i', 'd'};

/* What the recording tables saw: each party's failed instance at destroy. */
static uint32_t seen_instance[TSS_FX_MAX_NODES];
static tss_protocol rec_frost, rec_dkls;
static int cheat_party = -1, cheat_instance = -1, cheat_kind;

static void
rec_destroy(tss_base *s)
{
    seen_instance[s->self] = tss_batch_failed_instance(s);
    s->proto == &rec_frost ? tss_proto_frost_sign_batch.destroy(s)
                           : tss_proto_dkls_sign_batch.destroy(s);
}

static mpc_status
rec_frost_create(tss_base **out, const tss_params *p)
{
    return tss_batch_create(out, p, &rec_frost, &tss_proto_frost_sign);
}

/* dkls-sign batches where party cheat_party cheats in instance cheat_instance. */
static mpc_status
rec_dkls_create(tss_base **out, const tss_params *p)
{
    mpc_status st = tss_batch_create(out, p, &rec_dkls, &tss_proto_dkls_sign);
    if (st == MPC_OK && (int)p->self == cheat_party) {
        tss_base *inst = tss_batch_instance(*out, (uint32_t)cheat_instance);
        assert_non_null(inst);
        tss_dkls_signing_set_cheat(inst, cheat_kind);
    }
    return st;
}

static int
setup_keys(void **state)
{
    (void)state;
    uint32_t c[3] = {0, 1, 2};
    tss_sim_result res;
    mpc_status st = tss_fx_dkg(&ekey, c, 3, 2, seed, NULL, NULL, &res);
    tss_sim_result_free(&res);
    if (st == MPC_OK) {
        st = dkls_fx_keygen(&dkey, c, 3, 2, seed, NULL, NULL, &res);
        tss_sim_result_free(&res);
    }
    rec_frost = tss_proto_frost_sign_batch;
    rec_frost.create = rec_frost_create;
    rec_frost.destroy = rec_destroy;
    rec_dkls = tss_proto_dkls_sign_batch;
    rec_dkls.create = rec_dkls_create;
    rec_dkls.destroy = rec_destroy;
    return st == MPC_OK ? 0 : -1;
}

static int
teardown_keys(void **state)
{
    (void)state;
    tss_fx_key_free(&ekey);
    dkls_fx_key_free(&dkey);
    return 0;
}

/* Message i of a test batch: "batch message <i>" (Ed25519) or its SHA-256 (ECDSA). */
static size_t
test_msg(uint8_t *out, uint32_t i, int digest)
{
    char m[48];
    int len = snprintf(m, sizeof m, "batch message %u", i);
    if (digest) {
        crypto_hash_sha256(out, (const uint8_t *)m, (size_t)len);
        return 32;
    }
    memcpy(out, m, (size_t)len);
    return (size_t)len;
}

/* Runs a batch of count messages among signers[0..n). ecdsa selects the key type. */
static mpc_status
run_batch(const tss_protocol *proto, int ecdsa, const uint32_t *signers, uint32_t n, uint32_t count,
          tss_sim_tamper_fn tamper, void *user, tss_sim_result *res)
{
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    mpc_status st = MPC_OK;
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = tss_fx_node(signers[i]);
    }
    for (uint32_t k = 0; k < n && st == MPC_OK; k++) {
        uint8_t *inner[TSS_BATCH_MAX] = {0};
        size_t lens[TSS_BATCH_MAX] = {0};
        for (uint32_t i = 0; i < count && st == MPC_OK; i++) {
            uint8_t m[48];
            size_t ml = test_msg(m, i, ecdsa);
            st = ecdsa ? tss_dkls_sign_input_encode(&inner[i], &lens[i], dkey.rec[signers[k]],
                                                    dkey.len[signers[k]], m, ids, n)
                       : tss_sign_input_encode(&inner[i], &lens[i], ekey.rec[signers[k]],
                                               ekey.len[signers[k]], m, ml);
        }
        size_t in_len = 0;
        if (st == MPC_OK) {
            st =
                tss_batch_input_encode(&in[k], &in_len, (const uint8_t *const *)inner, lens, count);
        }
        for (uint32_t i = 0; i < count; i++) {
            mpc_secure_free(inner[i]);
        }
        p[k] = (tss_params){.sid = sid,
                            .self = k,
                            .n_parties = n,
                            .party_ids = ids,
                            .input = in[k],
                            .input_len = in_len};
    }
    if (st == MPC_OK) {
        for (uint32_t k = 0; k < n; k++) {
            seen_instance[k] = 12345;
        }
        st = tss_sim_run(proto, p, n, seed, tamper, user, res);
    }
    for (uint32_t k = 0; k < n; k++) {
        mpc_secure_free(in[k]);
    }
    return st;
}

/* Checks every party's result: count entries, equal across parties, each verified. */
static void
check_results(const tss_sim_result *res, uint32_t n, uint32_t count, int ecdsa)
{
    for (uint32_t k = 0; k < n; k++) {
        const tss_sim_party *pk = &res->parties[k];
        assert_int_equal(pk->status, MPC_OK);
        assert_int_equal(tss_batch_result_count(pk->result, pk->result_len), count);
        assert_int_equal(pk->result_len, res->parties[0].result_len);
        assert_memory_equal(pk->result, res->parties[0].result, pk->result_len);
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = NULL;
        size_t len = 0;
        uint8_t m[48];
        size_t ml = test_msg(m, i, ecdsa);
        assert_int_equal(
            tss_batch_result_entry(res->parties[0].result, res->parties[0].result_len, i, &e, &len),
            MPC_OK);
        if (ecdsa) {
            assert_int_equal(len, TSS_DKLS_SIGN_RESULT_BYTES);
            assert_true(dkls_fx_verify(e, m, dkey.y));
        } else {
            assert_int_equal(len, 64);
            assert_true(tss_fx_verify(e, m, ml, ekey.group_key));
            uint8_t other[48];
            size_t ol = test_msg(other, (i + 1) % count, 0);
            assert_false(count > 1 && tss_fx_verify(e, other, ol, ekey.group_key));
        }
    }
}

/* Every packed message fits its declaration; with 64 instances it meets it exactly. */
struct sizes {
    const tss_protocol *proto; /* the batch table */
    uint32_t n;                /* parties */
    int over;                  /* a message exceeded its declaration */
    int exact[4][2];           /* [round][bc]: a message met its declaration */
};

static int
record_size(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **data,
            size_t *len)
{
    struct sizes *z = user;
    (void)from;
    (void)to;
    (void)data;
    size_t decl = tss_proto_max_msg_len(z->proto, z->n, round, bc);
    z->over |= *len > decl;
    if (round < 4) {
        z->exact[round][bc != 0] |= *len == decl;
    }
    return 0;
}

static void
test_batch_frost_64_messages_all_verify(void **state)
{
    (void)state;
    uint32_t s[3] = {2, 0, 1};
    struct sizes z = {.proto = &tss_proto_frost_sign_batch, .n = 3};
    tss_sim_result res;
    assert_int_equal(
        run_batch(&tss_proto_frost_sign_batch, 0, s, 3, TSS_BATCH_MAX, record_size, &z, &res),
        MPC_OK);
    check_results(&res, 3, TSS_BATCH_MAX, 0);
    assert_false(z.over);
    assert_true(z.exact[1][1] && z.exact[2][1]); /* both broadcast rounds, t == n */
    tss_sim_result_free(&res);
    /* the key-type rows name the batch tables */
    assert_ptr_equal(tss_keytype_ed25519.sign_batch, &tss_proto_frost_sign_batch);
    assert_ptr_equal(tss_keytype_secp256k1.sign_batch, &tss_proto_dkls_sign_batch);
    assert_string_equal(tss_proto_frost_sign_batch.name, "frost-sign-batch");
    assert_string_equal(tss_proto_dkls_sign_batch.name, "dkls-sign-batch");
}

static void
test_batch_dkls_messages_all_verify(void **state)
{
    (void)state;
    uint32_t s[2] = {1, 2};
    tss_sim_result res;
    struct sizes z = {.proto = &tss_proto_dkls_sign_batch, .n = 2};
    assert_int_equal(run_batch(&tss_proto_dkls_sign_batch, 1, s, 2, 8, record_size, &z, &res),
                     MPC_OK);
    check_results(&res, 2, 8, 1);
    assert_false(z.over);
    tss_sim_result_free(&res);
}

static void
test_batch_single_instance(void **state)
{
    (void)state;
    uint32_t s[2] = {0, 1};
    tss_sim_result res;
    assert_int_equal(run_batch(&tss_proto_frost_sign_batch, 0, s, 2, 1, NULL, NULL, &res), MPC_OK);
    check_results(&res, 2, 1, 0);
    tss_sim_result_free(&res);
}

/* Tamper rules on party 1's packed messages (round, kind) to party 0. */
enum tamper_op { T_COUNT, T_LEN_LONG, T_TRAILING, T_TRUNCATE, T_TYPE, T_ENTRY_BIT, T_SWAP };
struct tamper {
    enum tamper_op op; /* what to do */
    uint32_t round;    /* round to change */
    int bc;            /* kind to change */
    uint32_t entry;    /* entry index (T_ENTRY_BIT, T_SWAP with entry + 1) */
    size_t off;        /* byte of the entry to flip (T_ENTRY_BIT) */
    int hits;          /* copies changed */
};

/* Offset and length of entry k of a packed message. Returns 0 if absent. */
static int
entry_at(const uint8_t *d, size_t len, uint32_t k, size_t *off, size_t *elen)
{
    size_t o = TSS_BATCH_MSG_HEAD;
    for (uint32_t i = 0; i <= k; i++) {
        if (o + 4 > len) {
            return 0;
        }
        uint32_t l =
            (uint32_t)d[o] << 24 | (uint32_t)d[o + 1] << 16 | (uint32_t)d[o + 2] << 8 | d[o + 3];
        if (i == k) {
            *off = o + 4;
            *elen = l;
            return o + 4 + l <= len;
        }
        o += 4 + l;
    }
    return 0;
}

static int
tamper_packed(void *user, uint32_t from, uint32_t to, uint32_t round, int bc, uint8_t **data,
              size_t *len)
{
    struct tamper *t = user;
    if (from != 1 || to != 0 || round != t->round || (bc != 0) != (t->bc != 0)) {
        return 0;
    }
    uint8_t *d = *data;
    size_t off = 0, elen = 0, off2 = 0, elen2 = 0;
    t->hits++;
    switch (t->op) {
    case T_COUNT:
        d[3] ^= 1; /* u16 count, low byte */
        break;
    case T_LEN_LONG:
        d[TSS_BATCH_MSG_HEAD + 1] ^= 0x10; /* entry 0's length: far beyond the message */
        break;
    case T_TRAILING: {
        uint8_t *b = realloc(d, *len + 1);
        assert_non_null(b);
        b[(*len)++] = 0;
        *data = b;
        break;
    }
    case T_TRUNCATE:
        (*len)--;
        break;
    case T_TYPE:
        d[1] ^= 0x01;
        break;
    case T_ENTRY_BIT:
        assert_true(entry_at(d, *len, t->entry, &off, &elen));
        d[off + t->off] ^= 0x01;
        break;
    case T_SWAP: /* entries of equal length: instance entry's and entry + 1's messages swap */
        assert_true(entry_at(d, *len, t->entry, &off, &elen));
        assert_true(entry_at(d, *len, t->entry + 1, &off2, &elen2));
        assert_int_equal(elen, elen2);
        for (size_t i = 0; i < elen; i++) {
            uint8_t x = d[off + i];
            d[off + i] = d[off2 + i];
            d[off2 + i] = x;
        }
        break;
    }
    return 0;
}

static void
test_batch_tampered_packed_message_refused(void **state)
{
    (void)state;
    const enum tamper_op ops[] = {T_COUNT, T_LEN_LONG, T_TRAILING, T_TRUNCATE, T_TYPE};
    uint32_t s[2] = {0, 1};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        struct tamper t = {.op = ops[k], .round = 1, .bc = 1};
        tss_sim_result res;
        mpc_status st = run_batch(&rec_frost, 0, s, 2, 4, tamper_packed, &t, &res);
        assert_int_not_equal(st, MPC_OK);
        assert_true(t.hits > 0);
        assert_int_equal(res.parties[0].status, MPC_ERR_BATCH_MALFORMED);
        assert_int_equal(res.parties[0].culprit, 1);
        /* refused whole, before any instance saw it */
        assert_int_equal(seen_instance[0], TSS_BATCH_NO_INSTANCE);
        tss_sim_result_free(&res);
    }
}

/* Party 1 sends a bad signature share in instance 5 only: named, with the instance. */
static void
test_batch_frost_cheating_instance_blamed(void **state)
{
    (void)state;
    uint32_t s[3] = {0, 1, 2};
    struct tamper t = {.op = T_ENTRY_BIT, .round = 2, .bc = 1, .entry = 5, .off = 2};
    tss_sim_result res;
    assert_int_not_equal(run_batch(&rec_frost, 0, s, 3, 8, tamper_packed, &t, &res), MPC_OK);
    assert_true(t.hits > 0);
    assert_int_equal(res.parties[0].status, MPC_ERR_BAD_SIG_SHARE);
    assert_int_equal(res.parties[0].culprit, 1);
    assert_int_equal(seen_instance[0], 5);
    tss_sim_result_free(&res);
}

/* Entries of instances 2 and 3 swapped: instance 2 meets another instance's commitment
 * (bound to its own message and session id) and fails; nothing is signed. */
static void
test_batch_swapped_entries_refused(void **state)
{
    (void)state;
    uint32_t s[2] = {0, 1};
    struct tamper t = {.op = T_SWAP, .round = 1, .bc = 1, .entry = 2};
    tss_sim_result res;
    assert_int_not_equal(run_batch(&rec_frost, 0, s, 2, 4, tamper_packed, &t, &res), MPC_OK);
    assert_true(t.hits > 0);
    assert_int_not_equal(res.parties[0].status, MPC_OK);
    assert_int_equal(seen_instance[0], 2);
    assert_null(res.parties[0].result);
    tss_sim_result_free(&res);
}

/* Party 0 cheats in the KOS extension of instance 3 only: its peer names it (OT check). */
static void
test_batch_dkls_cheating_instance_blamed(void **state)
{
    (void)state;
    uint32_t s[2] = {0, 2};
    cheat_party = 0;
    cheat_instance = 3;
    cheat_kind = TSS_DKLS_SIGN_CHEAT_KOS_TTILDE;
    tss_sim_result res;
    assert_int_not_equal(run_batch(&rec_dkls, 1, s, 2, 4, NULL, NULL, &res), MPC_OK);
    cheat_party = -1;
    assert_int_equal(res.parties[1].status, MPC_ERR_OT_CHECK);
    assert_int_equal(res.parties[1].culprit, 0);
    assert_int_equal(seen_instance[1], 3);
    tss_sim_result_free(&res);
}

static void
test_batch_codecs(void **state)
{
    (void)state;
    const uint8_t a[3] = {1, 2, 3}, b[1] = {9};
    const uint8_t *ins[2] = {a, b};
    size_t lens[2] = {3, 1};
    uint8_t *out = (uint8_t *)1;
    size_t len = 7;
    assert_int_equal(tss_batch_input_encode(&out, &len, ins, lens, 0), MPC_ERR_INVALID_ARG);
    assert_null(out);
    assert_int_equal(len, 0);
    assert_int_equal(tss_batch_input_encode(&out, &len, ins, lens, TSS_BATCH_MAX + 1),
                     MPC_ERR_INVALID_ARG);
    size_t zero[2] = {3, 0};
    assert_int_equal(tss_batch_input_encode(&out, &len, ins, zero, 2), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_batch_input_encode(&out, &len, ins, lens, 2), MPC_OK);
    const uint8_t want[] = {1, 0, 2, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 1, 9};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(out, want, sizeof want);
    /* a result has the same entries without the version byte */
    assert_int_equal(tss_batch_result_count(out + 1, len - 1), 2);
    const uint8_t *e = NULL;
    size_t el = 0;
    assert_int_equal(tss_batch_result_entry(out + 1, len - 1, 1, &e, &el), MPC_OK);
    assert_int_equal(el, 1);
    assert_int_equal(e[0], 9);
    assert_int_equal(tss_batch_result_entry(out + 1, len - 1, 2, &e, &el), MPC_ERR_BATCH_MALFORMED);
    assert_null(e);
    assert_int_equal(tss_batch_result_count(out + 1, len - 2), 0); /* truncated */
    assert_int_equal(tss_batch_result_entry(NULL, 0, 0, &e, &el), MPC_ERR_INVALID_ARG);
    mpc_secure_free(out);
    /* create: malformed inputs */
    const char *ids[2] = {"node-0", "node-1"};
    const uint8_t bad[][4] = {{2, 0, 1, 0}, {1, 0, 0, 0}, {1, 0, 65, 0}, {1, 0, 1, 0}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        tss_params p = {.sid = sid,
                        .self = 0,
                        .n_parties = 2,
                        .party_ids = ids,
                        .input = bad[k],
                        .input_len = 4};
        tss_base *s = (tss_base *)1;
        assert_int_equal(tss_proto_frost_sign_batch.create(&s, &p), MPC_ERR_MSG_MALFORMED);
        assert_null(s);
    }
    assert_int_equal(tss_batch_count(NULL), 0);
    /* another protocol's state is told apart by its table, never read past its base */
    tss_base other = {.proto = &tss_proto_frost_sign};
    assert_int_equal(tss_batch_count(&other), 0);
    assert_int_equal(tss_batch_failed_instance(&other), TSS_BATCH_NO_INSTANCE);
    assert_null(tss_batch_instance(&other, 0));
    assert_null(tss_batch_instance(NULL, 0));
    assert_int_equal(tss_batch_failed_instance(NULL), TSS_BATCH_NO_INSTANCE);
}

/* The session ceiling (1 MiB envelopes) bounds DKLs23 batches, not FROST ones. */
static void
test_batch_max_count(void **state)
{
    (void)state;
    size_t r2 = tss_proto_max_msg_len(&tss_proto_dkls_sign, 3, 2, 0);
    uint32_t k = tss_batch_max_count(&tss_proto_dkls_sign, 3, 1u << 20);
    assert_true(k >= 1 && k < TSS_BATCH_MAX);
    assert_true(TSS_BATCH_MSG_HEAD + k * (4 + r2) <= (1u << 20));
    assert_true(TSS_BATCH_MSG_HEAD + (k + 1) * (4 + r2) > (1u << 20));
    printf("dkls-sign batch: at most %u instances per 1 MiB message (round 2: %zu B each)\n", k,
           r2);
    assert_int_equal(tss_batch_max_count(&tss_proto_frost_sign, 64, 1u << 20), TSS_BATCH_MAX);
    assert_int_equal(tss_batch_max_count(&tss_proto_dkls_sign, 3, 100), 0);
    assert_int_equal(tss_proto_max_msg_len(&tss_proto_dkls_sign_batch, 3, 2, 1), 0);
    assert_int_equal(tss_proto_max_msg_len(&tss_proto_dkls_sign_batch, 3, 2, 0),
                     TSS_BATCH_MSG_HEAD + TSS_BATCH_MAX * (4 + r2));
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = mpc_test_seed("test_batch");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_frost_64_messages_all_verify),
        cmocka_unit_test(test_batch_dkls_messages_all_verify),
        cmocka_unit_test(test_batch_single_instance),
        cmocka_unit_test(test_batch_tampered_packed_message_refused),
        cmocka_unit_test(test_batch_frost_cheating_instance_blamed),
        cmocka_unit_test(test_batch_swapped_entries_refused),
        cmocka_unit_test(test_batch_dkls_cheating_instance_blamed),
        cmocka_unit_test(test_batch_codecs),
        cmocka_unit_test(test_batch_max_count),
    };
    return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}

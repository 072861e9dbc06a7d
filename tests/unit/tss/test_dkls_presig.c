/*
 * test_dkls_presig.c — DKLs23 presignatures (spec §6.7, §9.7) in the in-process
 * simulator: presign then online gives signatures libsecp256k1 verifies (with
 * and without an additive tweak), a record is single use, bound to key version,
 * signer set and group key, online messages are bound to their presignature,
 * message and tweak, tampering is refused with its status, and the record's
 * encoding refuses malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "common/secmem.h"
#include "tests/support/sim_dkls_sign.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_presig.h"

static tss_secp_ctx *ctx;         /* backend */
static secp256k1_context *refctx; /* independent libsecp256k1 context for checks */
static struct sim_key key3;       /* 2-of-3 */
static struct sim_key key5;       /* 3-of-5 */

static int
setup(void **state)
{
    (void)state;
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&ctx) != MPC_OK) {
        return -1;
    }
    refctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (sim_key_deal(&key3, ctx, 2, 3) != 0) {
        return -1;
    }
    return sim_key_deal(&key5, ctx, 3, 5);
}

static int
teardown(void **state)
{
    (void)state;
    sim_key_free(&key3);
    sim_key_free(&key5);
    tss_secp_ctx_destroy(ctx);
    secp256k1_context_destroy(refctx);
    return 0;
}

/* Presign among ids; every party succeeds and holds a tagged record. */
static void
presign_ok(const struct sim_key *k, const uint32_t *ids, size_t n, struct tss_dkls_presig *ps)
{
    struct sim_result r;
    memset(ps, 0, n * sizeof(*ps));
    assert_int_equal(sim_presign_run(k, ids, n, NULL, NULL, 0, 0, ps, &r), 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r.status[i], MPC_OK);
        assert_int_equal(ps[i].magic, TSS_DKLS_PRESIG_MAGIC);
        assert_int_equal(ps[i].self_id, ids[i]);
        assert_memory_equal(ps[i].presig_id, ps[0].presig_id, 32);
        assert_memory_equal(ps[i].big_r, ps[0].big_r, 33);
    }
}

/* Y + t·G by libsecp256k1 (t NULL: Y). */
static void
ref_key(const struct sim_key *k, const uint8_t *tweak, secp256k1_pubkey *y)
{
    assert_true(secp256k1_ec_pubkey_parse(refctx, y, k->y_pub, 33));
    if (tweak != NULL) {
        assert_true(secp256k1_ec_pubkey_tweak_add(refctx, y, tweak));
    }
}

/* All parties agree; the signature is low-S, verifies and recovers to y. */
static void
assert_good(const struct sim_result *r, const uint8_t msg[32], const secp256k1_pubkey *y)
{
    secp256k1_pubkey rec;
    secp256k1_ecdsa_signature sig, norm;
    secp256k1_ecdsa_recoverable_signature rsig;
    for (size_t i = 0; i < r->n_signers; i++) {
        assert_int_equal(r->status[i], MPC_OK);
        assert_memory_equal(r->sig[i], r->sig[0], 64);
        assert_int_equal(r->recid[i], r->recid[0]);
    }
    assert_true(secp256k1_ecdsa_signature_parse_compact(refctx, &sig, r->sig[0]));
    assert_int_equal(secp256k1_ecdsa_signature_normalize(refctx, &norm, &sig), 0);
    assert_true(secp256k1_ecdsa_verify(refctx, &sig, msg, y));
    assert_true(
        secp256k1_ecdsa_recoverable_signature_parse_compact(refctx, &rsig, r->sig[0], r->recid[0]));
    assert_true(secp256k1_ecdsa_recover(refctx, &rec, &rsig, msg));
    assert_int_equal(secp256k1_ec_pubkey_cmp(refctx, &rec, y), 0);
}

static void
test_presig_online_signature_verifies(void **state)
{
    (void)state;
    const uint32_t s3[] = {1, 3}, s3all[] = {1, 2, 3}, s5[] = {2, 4, 5};
    const struct {
        const struct sim_key *k;
        const uint32_t *ids;
        size_t n;
    } cases[] = {{&key3, s3, 2}, {&key3, s3all, 3}, {&key5, s5, 3}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct tss_dkls_presig ps[SIM_MAX_N];
        struct sim_result r;
        secp256k1_pubkey y;
        uint8_t msg[32];
        test_rng_bytes(msg, 32);
        presign_ok(cases[c].k, cases[c].ids, cases[c].n, ps);
        assert_int_equal(sim_online_run(cases[c].k, ps, cases[c].n, msg, NULL, NULL, NULL, &r), 0);
        ref_key(cases[c].k, NULL, &y);
        assert_good(&r, msg, &y);
    }
}

/* HD: the tweak applied online (t·φ_i at every signer) signs under Y + t·G, not Y. */
static void
test_presig_online_tweak_signs_under_derived_key(void **state)
{
    (void)state;
    const uint32_t ids[] = {2, 4, 5};
    struct tss_dkls_presig ps[SIM_MAX_N];
    struct sim_result r;
    secp256k1_pubkey y, yt;
    secp256k1_ecdsa_signature sig;
    uint8_t msg[32], t[32];
    test_rng_bytes(msg, 32);
    assert_int_equal(tss_secp_scalar_random(t, 1), MPC_OK);
    presign_ok(&key5, ids, 3, ps);
    assert_int_equal(sim_online_run(&key5, ps, 3, msg, t, NULL, NULL, &r), 0);
    ref_key(&key5, t, &yt);
    assert_good(&r, msg, &yt);
    ref_key(&key5, NULL, &y);
    assert_true(secp256k1_ecdsa_signature_parse_compact(refctx, &sig, r.sig[0]));
    assert_false(secp256k1_ecdsa_verify(refctx, &sig, msg, &y));
}

/* The nonce is re-randomised: r of the signature is not x(R) of the record (spec §6.7.3). */
static void
test_presig_online_rerandomises_nonce(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 2};
    struct tss_dkls_presig ps[SIM_MAX_N];
    struct sim_result r;
    uint8_t msg[32], rx[33];
    test_rng_bytes(msg, 32);
    presign_ok(&key3, ids, 2, ps);
    memcpy(rx, ps[0].big_r, 33);
    assert_int_equal(sim_online_run(&key3, ps, 2, msg, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status[0], MPC_OK);
    assert_memory_not_equal(r.sig[0], rx + 1, 32);
}

/* δ = H2S(presign/rerand, presig_id, msg32, SC(t)): the spec's vector (Appendix B, from the
 * reference model) and R' = R + δ·G is the nonce point of the signature. */
static void
test_presig_rerand_vector_and_nonce(void **state)
{
    (void)state;
    static const uint8_t want[32] = {0x12, 0x4d, 0x86, 0x45, 0xd6, 0x1d, 0xfe, 0x70,
                                     0x01, 0x41, 0xaf, 0x2b, 0x5a, 0x4b, 0x46, 0x7a,
                                     0x14, 0xaf, 0x1b, 0xed, 0xfd, 0x8d, 0xa4, 0xa3,
                                     0x66, 0x69, 0x5c, 0x01, 0x84, 0x54, 0x9e, 0x01};
    uint8_t id[32], msg[32], t[32] = {0}, db[32], rpt[33];
    struct tss_secp_num d;
    memset(id, 0x01, 32);
    memset(msg, 0x02, 32);
    struct tss_dkls_part parts[] = {{id, 32}, {msg, 32}, {t, 32}};
    tss_dkls_h2s(&d, "presign/rerand", parts, 3);
    tss_secp_scalar_encode(db, &d);
    assert_memory_equal(db, want, 32);
    /* the online step uses exactly this δ */
    const uint32_t ids[] = {2, 3};
    struct tss_dkls_presig ps[SIM_MAX_N];
    struct sim_result r;
    test_rng_bytes(msg, 32);
    presign_ok(&key3, ids, 2, ps);
    memcpy(id, ps[0].presig_id, 32);
    memcpy(rpt, ps[0].big_r, 33);
    assert_int_equal(sim_online_run(&key3, ps, 2, msg, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status[0], MPC_OK);
    tss_dkls_h2s(&d, "presign/rerand", parts, 3);
    tss_secp_scalar_encode(db, &d);
    secp256k1_pubkey rp;
    uint8_t out[33];
    size_t ol = 33;
    assert_true(secp256k1_ec_pubkey_parse(refctx, &rp, rpt, 33));
    assert_true(secp256k1_ec_pubkey_tweak_add(refctx, &rp, db));
    assert_true(secp256k1_ec_pubkey_serialize(refctx, out, &ol, &rp, SECP256K1_EC_COMPRESSED));
    assert_memory_equal(r.sig[0], out + 1, 32); /* x(R') < q here with overwhelming probability */
}

/* A record given to a second online run is refused; the first consumed and wiped it. */
static void
test_presig_record_single_use(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 3};
    struct tss_dkls_presig ps[SIM_MAX_N];
    struct sim_result r;
    uint8_t msg[32], buf[TSS_DKLS_PRESIG_MAX_BYTES];
    size_t len;
    test_rng_bytes(msg, 32);
    presign_ok(&key3, ids, 2, ps);
    assert_int_equal(sim_online_run(&key3, ps, 2, msg, NULL, NULL, NULL, &r), 0);
    assert_int_equal(r.status[0], MPC_OK);
    assert_int_equal(ps[0].magic, 0);
    assert_true(mpc_ct_is_zero(ps[0].phi, 32) && mpc_ct_is_zero(ps[0].v, 32));
    assert_int_equal(tss_dkls_presig_encode(buf, sizeof(buf), &len, &ps[0]), MPC_ERR_PRESIG_USED);
    /* the same records again (any message): refused before anything is made */
    struct tss_dkls_online_params p;
    memset(&p, 0, sizeof(p));
    p.ctx = ctx;
    p.key_version = 1;
    p.ids = ids;
    p.n_ids = 2;
    memcpy(p.y_pub, key3.y_pub, 33);
    tss_dkls_online *o = NULL;
    uint8_t bc[TSS_DKLS_ONLINE_BCAST_BYTES];
    assert_int_equal(tss_dkls_online_create(&p, &ps[0], &o, bc), MPC_ERR_PRESIG_USED);
    assert_null(o);
    assert_true(mpc_ct_is_zero(bc, sizeof(bc)));
}

/* Another key version, signer set or group key: refused, and the record is consumed. */
static void
test_presig_binding_refused(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 2, 3}, other[] = {1, 2};
    for (int c = 0; c < 3; c++) {
        struct tss_dkls_presig ps[SIM_MAX_N];
        presign_ok(&key3, ids, 3, ps);
        struct tss_dkls_online_params p;
        memset(&p, 0, sizeof(p));
        p.ctx = ctx;
        p.key_version = c == 0 ? 2 : 1;
        p.ids = c == 1 ? other : ids;
        p.n_ids = c == 1 ? 2 : 3;
        memcpy(p.y_pub, c == 2 ? key5.y_pub : key3.y_pub, 33);
        tss_dkls_online *o = NULL;
        uint8_t bc[TSS_DKLS_ONLINE_BCAST_BYTES];
        assert_int_equal(tss_dkls_online_create(&p, &ps[0], &o, bc), MPC_ERR_PRESIG_MISMATCH);
        assert_null(o);
        assert_int_equal(ps[0].magic, 0);
        p.key_version = 1;
        p.ids = ids;
        p.n_ids = 3;
        memcpy(p.y_pub, key3.y_pub, 33);
        assert_int_equal(tss_dkls_online_create(&p, &ps[0], &o, bc), MPC_ERR_PRESIG_USED);
        tss_dkls_presig_wipe(&ps[1]);
        tss_dkls_presig_wipe(&ps[2]);
    }
}

/* Online driver for two signers: party a signs ma, party b signs mb. */
struct duo {
    tss_dkls_online *o[2];                      /* online states */
    uint8_t bc[2][TSS_DKLS_ONLINE_BCAST_BYTES]; /* their broadcasts */
};

static void
duo_create(struct duo *d, struct tss_dkls_presig *ps, const uint32_t ids[2], const uint8_t *msgs[2],
           const uint8_t *tweaks[2])
{
    for (int i = 0; i < 2; i++) {
        struct tss_dkls_online_params p;
        memset(&p, 0, sizeof(p));
        p.ctx = ctx;
        p.key_version = 1;
        p.ids = ids;
        p.n_ids = 2;
        memcpy(p.y_pub, key3.y_pub, 33);
        memcpy(p.msg32, msgs[i], 32);
        p.tweak = tweaks[i];
        assert_int_equal(tss_dkls_online_create(&p, &ps[i], &d->o[i], d->bc[i]), MPC_OK);
    }
}

static mpc_status
duo_finish(struct duo *d, int i, const uint8_t *m, size_t len, uint32_t *who)
{
    struct tss_dkls_sign_msg in = {m, len};
    uint8_t sig[64];
    int recid;
    return tss_dkls_online_finish(d->o[i], &in, sig, &recid, who);
}

static void
duo_free(struct duo *d)
{
    tss_dkls_online_destroy(d->o[0]);
    tss_dkls_online_destroy(d->o[1]);
}

/* A peer's online message for another message, tweak or presignature: PRESIG_BINDING naming it. */
static void
test_presig_online_message_bound(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 2};
    uint8_t m1[32], m2[32], t[32];
    test_rng_bytes(m1, 32);
    test_rng_bytes(m2, 32);
    assert_int_equal(tss_secp_scalar_random(t, 1), MPC_OK);
    const uint8_t *same_t[2] = {NULL, NULL}, *diff_t[2] = {NULL, t};
    const uint8_t *same_m[2] = {m1, m1}, *diff_m[2] = {m1, m2};
    for (int c = 0; c < 3; c++) {
        struct tss_dkls_presig ps[SIM_MAX_N], other[SIM_MAX_N];
        struct duo d, e;
        uint32_t who = 0;
        presign_ok(&key3, ids, 2, ps);
        duo_create(&d, ps, ids, c == 0 ? diff_m : same_m, c == 1 ? diff_t : same_t);
        const uint8_t *peer_msg = d.bc[1];
        if (c == 2) { /* party 2's message of another presignature of the same set */
            presign_ok(&key3, ids, 2, other);
            duo_create(&e, other, ids, same_m, same_t);
            peer_msg = e.bc[1];
        }
        assert_int_equal(duo_finish(&d, 0, peer_msg, 96, &who), MPC_ERR_PRESIG_BINDING);
        assert_int_equal(who, 2);
        duo_free(&d);
        if (c == 2) {
            duo_free(&e);
        }
    }
}

/* Tampered u'_j or w_j: VERIFY_FAILED, no culprit; bad length MSG_MALFORMED; u_j >= q BAD_SCALAR.
 */
static void
test_presig_online_tampered(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 2};
    uint8_t m[32], x[96];
    test_rng_bytes(m, 32);
    const uint8_t *msgs[2] = {m, m}, *tw[2] = {NULL, NULL};
    const struct {
        size_t off;      /* byte flipped (or filled from off to off + 32 with 0xff) */
        int fill;        /* 1: fill the scalar with 0xff */
        size_t len;      /* delivered length */
        mpc_status want; /* status at party 1 */
        uint32_t who;    /* culprit */
    } cases[] = {
        {31, 0, 96, MPC_ERR_VERIFY_FAILED, 0}, {63, 0, 96, MPC_ERR_VERIFY_FAILED, 0},
        {0, 1, 96, MPC_ERR_BAD_SCALAR, 2},     {32, 1, 96, MPC_ERR_BAD_SCALAR, 2},
        {0, 0, 95, MPC_ERR_MSG_MALFORMED, 2},  {70, 0, 96, MPC_ERR_PRESIG_BINDING, 2},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct tss_dkls_presig ps[SIM_MAX_N];
        struct duo d;
        uint32_t who = 99;
        presign_ok(&key3, ids, 2, ps);
        duo_create(&d, ps, ids, msgs, tw);
        memcpy(x, d.bc[1], 96);
        if (cases[c].fill) {
            memset(x + cases[c].off, 0xff, 32);
        } else {
            x[cases[c].off] ^= 0x01;
        }
        assert_int_equal(duo_finish(&d, 0, x, cases[c].len, &who), cases[c].want);
        assert_int_equal(who, cases[c].who);
        /* the honest party still signs; a second finish (replay) is refused */
        assert_int_equal(duo_finish(&d, 1, d.bc[0], 96, &who), MPC_OK);
        assert_int_equal(duo_finish(&d, 1, d.bc[0], 96, &who), MPC_ERR_SESSION_STATE);
        assert_int_equal(duo_finish(&d, 0, d.bc[1], 96, &who), MPC_ERR_SESSION_STATE);
        duo_free(&d);
    }
}

/* Presign refuses tampering like signing: a changed salt fails the decommit, naming the sender. */
static uint32_t tamper_from; /* sender whose round-2 direct message is changed */

static void
salt_cb(void *arg, enum sim_msg_kind kind, uint32_t from, uint32_t to, uint8_t *buf, size_t *len)
{
    (void)arg;
    (void)to;
    (void)len;
    if (kind == SIM_R2_DIRECT && from == tamper_from) {
        buf[33] ^= 0x01; /* first byte of salt_j */
    }
}

static void
test_presign_refuses_tampering(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 2, 3};
    struct tss_dkls_presig ps[SIM_MAX_N];
    struct sim_result r;
    tamper_from = 2;
    assert_int_equal(sim_presign_run(&key3, ids, 3, salt_cb, NULL, 0, 0, ps, &r), 0);
    assert_int_equal(r.status[0], MPC_ERR_BAD_COMMITMENT);
    assert_int_equal(r.culprit[0], 2);
    assert_int_equal(ps[0].magic, 0); /* no record where the checks failed */
    assert_int_equal(r.status[2], MPC_ERR_BAD_COMMITMENT);
    assert_int_equal(r.status[1], MPC_OK); /* the sender itself saw nothing wrong */
    tss_dkls_presig_wipe(&ps[1]);
}

/* Encode/decode round trip signs; each malformed encoding refused. */
static void
test_presig_encoding(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 3};
    struct tss_dkls_presig ps[SIM_MAX_N], back[SIM_MAX_N];
    uint8_t enc[2][TSS_DKLS_PRESIG_MAX_BYTES], bad[TSS_DKLS_PRESIG_MAX_BYTES];
    size_t len[2];
    struct sim_result r;
    uint8_t msg[32];
    test_rng_bytes(msg, 32);
    presign_ok(&key3, ids, 2, ps);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(tss_dkls_presig_encode(enc[i], sizeof(enc[i]), &len[i], &ps[i]), MPC_OK);
        assert_int_equal(len[i], TSS_DKLS_PRESIG_BYTES(2));
        assert_int_equal(tss_dkls_presig_decode(&back[i], enc[i], len[i]), MPC_OK);
        assert_memory_equal(&back[i], &ps[i], sizeof(ps[i]));
    }
    size_t small_len = 99; /* not len[0]: the failed call clears its out_len */
    assert_int_equal(tss_dkls_presig_encode(bad, 10, &small_len, &ps[0]), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(small_len, 0);
    assert_int_equal(sim_online_run(&key3, back, 2, msg, NULL, NULL, NULL, &r), 0);
    secp256k1_pubkey y;
    ref_key(&key3, NULL, &y);
    assert_good(&r, msg, &y);
    /* malformed: length, format, count, non-canonical u, unsorted ids, self not in S */
    const size_t L = len[0];
    assert_int_equal(L, TSS_DKLS_PRESIG_BYTES(2)); /* each case below changes a valid record */
    const struct {
        size_t off;  /* byte changed (SIZE_MAX: length - 1) */
        uint8_t val; /* new value */
    } cases[] = {{SIZE_MAX, 0}, {0, 2}, {9, 1}, {10 + 8 + 66 + 32, 0xff}, {13, 4}, {1, 7}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        memcpy(bad, enc[0], L);
        size_t bl = L;
        if (cases[c].off == SIZE_MAX) {
            bl = L - 1;
        } else if (cases[c].off == 10 + 8 + 66 + 32) {
            memset(bad + cases[c].off, 0xff, 32); /* u = 2^256 - 1 >= q */
        } else {
            bad[cases[c].off] = cases[c].val;
        }
        assert_int_equal(tss_dkls_presig_decode(&back[0], bad, bl), MPC_ERR_PRESIG_MALFORMED);
        assert_int_equal(back[0].magic, 0);
    }
    mpc_wipe(enc, sizeof(enc));
}

int
main(void)
{
    test_rng_init("test_dkls_presig");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presig_online_signature_verifies),
        cmocka_unit_test(test_presig_online_tweak_signs_under_derived_key),
        cmocka_unit_test(test_presig_online_rerandomises_nonce),
        cmocka_unit_test(test_presig_rerand_vector_and_nonce),
        cmocka_unit_test(test_presig_record_single_use),
        cmocka_unit_test(test_presig_binding_refused),
        cmocka_unit_test(test_presig_online_message_bound),
        cmocka_unit_test(test_presig_online_tampered),
        cmocka_unit_test(test_presign_refuses_tampering),
        cmocka_unit_test(test_presig_encoding),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_dkls_sign.c — DKLs23 signing (spec §6, §9.5) in the in-process simulator:
 * every 2 <= t <= n <= 4 with every signer subset of size t and one larger set,
 * signatures checked independently with libsecp256k1 (verify, low-S, recover ==
 * Y); then the negative cases of spec §9.5, each with the culprit it must name.
 * Under valgrind (MPC_VALGRIND) the subsets stop at n = 3 (6 sessions instead
 * of 19: t == n, t < n with every t-subset and the full set; 3-of-5 below).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "common/secmem.h"
#include "tests/support/sim_dkls_sign.h"
#include "tests/support/test_rng.h"
#include "tests/support/test_util.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_ote.h"
#include "tss/dkls_rvole.h"

static tss_secp_ctx *ctx;         /* backend */
static secp256k1_context *refctx; /* independent libsecp256k1 context for checks */
static struct sim_key key3;       /* a 2-of-3 key used by the negative tests */

static int
setup(void **state)
{
    (void)state;
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&ctx) != MPC_OK) {
        return -1;
    }
    refctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return sim_key_deal(&key3, ctx, 2, 3);
}

static int
teardown(void **state)
{
    (void)state;
    sim_key_free(&key3);
    tss_secp_ctx_destroy(ctx);
    secp256k1_context_destroy(refctx);
    return 0;
}

/* All parties agree and the signature passes libsecp256k1 verify + recover. */
static void
assert_good_signature(const struct sim_key *k, const struct sim_result *r, const uint8_t msg[32])
{
    secp256k1_pubkey y, rec;
    secp256k1_ecdsa_signature sig, norm;
    secp256k1_ecdsa_recoverable_signature rsig;
    assert_true(secp256k1_ec_pubkey_parse(refctx, &y, k->y_pub, 33));
    for (size_t i = 0; i < r->n_signers; i++) {
        assert_int_equal(r->status[i], MPC_OK);
        assert_memory_equal(r->sig[i], r->sig[0], 64);
        assert_int_equal(r->recid[i], r->recid[0]);
    }
    assert_true(secp256k1_ecdsa_signature_parse_compact(refctx, &sig, r->sig[0]));
    assert_int_equal(secp256k1_ecdsa_signature_normalize(refctx, &norm, &sig), 0); /* low-S */
    assert_true(secp256k1_ecdsa_verify(refctx, &sig, msg, &y));
    assert_true(r->recid[0] >= 0 && r->recid[0] <= 3);
    assert_true(
        secp256k1_ecdsa_recoverable_signature_parse_compact(refctx, &rsig, r->sig[0], r->recid[0]));
    assert_true(secp256k1_ecdsa_recover(refctx, &rec, &rsig, msg));
    assert_int_equal(secp256k1_ec_pubkey_cmp(refctx, &rec, &y), 0);
}

static void
sign_and_check(const struct sim_key *k, const uint32_t *ids, size_t n_s)
{
    uint8_t msg[32];
    struct sim_result r;
    test_rng_bytes(msg, 32);
    assert_int_equal(sim_sign_run(k, ids, n_s, msg, NULL, NULL, 0, 0, &r), 0);
    assert_good_signature(k, &r, msg);
}

static void
test_sign_every_subset_up_to_4(void **state)
{
    (void)state;
    int sessions = 0;
    for (uint32_t n = 2; n <= (mpc_test_under_valgrind() ? 3u : 4u); n++) {
        for (uint32_t t = 2; t <= n; t++) {
            struct sim_key k;
            assert_int_equal(sim_key_deal(&k, ctx, t, n), 0);
            for (uint32_t mask = 1; mask < (1u << n); mask++) {
                uint32_t ids[SIM_MAX_N];
                size_t c = 0;
                for (uint32_t j = 1; j <= n; j++) {
                    if (mask & (1u << (j - 1))) {
                        ids[c++] = j;
                    }
                }
                /* every subset of size t, and the full set when it is larger */
                if (c == t || (c == n && n > t)) {
                    sign_and_check(&k, ids, c);
                    sessions++;
                }
            }
            sim_key_free(&k);
        }
    }
    printf("signing sessions verified: %d\n", sessions);
}

static void
test_sign_3_of_5_subset(void **state)
{
    (void)state;
    struct sim_key k;
    assert_int_equal(sim_key_deal(&k, ctx, 3, 5), 0);
    const uint32_t ids[] = {2, 4, 5};
    sign_and_check(&k, ids, 3);
    sim_key_free(&k);
}

/* ------------------------------------------------------------------ tampering */

struct tamper_spec {
    enum sim_msg_kind kind; /* which message */
    uint32_t from;          /* sender to tamper */
    uint32_t to;            /* receiver (0 = all) */
    size_t off;             /* byte offset */
    uint8_t xor_mask;       /* xor applied at off */
    size_t new_len;         /* nonzero: change the length */
};

static void
tamper_cb(void *arg, enum sim_msg_kind kind, uint32_t from, uint32_t to, uint8_t *buf, size_t *len)
{
    const struct tamper_spec *t = arg;
    if (kind != t->kind || from != t->from || (t->to != 0 && to != t->to)) {
        return;
    }
    if (t->new_len != 0) {
        *len = t->new_len;
        return;
    }
    buf[t->off] ^= t->xor_mask;
}

static struct sim_result
run_tampered(const struct tamper_spec *t, uint32_t cheat_id, int cheat)
{
    const uint32_t ids[] = {1, 2, 3};
    uint8_t msg[32];
    struct sim_result r;
    test_rng_bytes(msg, 32);
    assert_int_equal(
        sim_sign_run(&key3, ids, 3, msg, t ? tamper_cb : NULL, (void *)t, cheat_id, cheat, &r), 0);
    return r;
}

/* Party 'at' failed with st naming 'who'. */
static void
assert_failed(const struct sim_result *r, uint32_t at, mpc_status st, uint32_t who)
{
    int i = sim_index(r, at);
    assert_true(i >= 0);
    assert_int_equal(r->status[i], st);
    assert_int_equal(r->culprit[i], who);
}

static void
test_sign_decommit_failures_name_sender(void **state)
{
    (void)state;
    /* changed salt of party 2 toward party 1 */
    struct tamper_spec t = {SIM_R2_DIRECT, 2, 1, 40, 0x01, 0};
    struct sim_result r = run_tampered(&t, 0, 0);
    assert_failed(&r, 1, MPC_ERR_BAD_COMMITMENT, 2);
    /* changed R_2 (another valid x: flip the parity prefix 02 <-> 03) */
    struct tamper_spec t2 = {SIM_R2_DIRECT, 2, 3, 0, 0x01, 0};
    r = run_tampered(&t2, 0, 0);
    assert_failed(&r, 3, MPC_ERR_BAD_COMMITMENT, 2);
}

/* The fault-injection hook the node's quarantine test uses: a tampered t~
 * fails the KOS check at every Alice, naming the cheating Bob. */
static void
test_sign_cheat_kos_ttilde_caught(void **state)
{
    (void)state;
#ifdef MPC_FAULT_INJECTION
    struct sim_result r = run_tampered(NULL, 2, TSS_DKLS_SIGN_CHEAT_KOS_TTILDE);
    assert_failed(&r, 1, MPC_ERR_OT_CHECK, 2);
    assert_failed(&r, 3, MPC_ERR_OT_CHECK, 2);
#else
    skip();
#endif
}

static void
test_sign_cheating_rvole_inputs_caught(void **state)
{
    (void)state;
#ifdef MPC_FAULT_INJECTION
    struct sim_result r = run_tampered(NULL, 3, TSS_DKLS_SIGN_CHEAT_RVOLE_R_PLUS_1);
    assert_failed(&r, 1, MPC_ERR_BAD_SIG_SHARE, 3);
    assert_failed(&r, 2, MPC_ERR_BAD_SIG_SHARE, 3);
    /* sk_1 + 1 in the RVOLE but pk_1 honest: Γ^v against pk_1 fails */
    r = run_tampered(NULL, 1, TSS_DKLS_SIGN_CHEAT_RVOLE_SK_PLUS_1);
    assert_failed(&r, 2, MPC_ERR_BAD_PK_SHARE, 1);
    assert_failed(&r, 3, MPC_ERR_BAD_PK_SHARE, 1);
#else
    skip();
#endif
}

static void
test_sign_tampered_gamma_psi_u_w(void **state)
{
    (void)state;
    /* Γ^u (offset 65): flip the parity byte -> -Γ^u, still a valid point */
    struct tamper_spec t = {SIM_R2_DIRECT, 1, 2, 65, 0x01, 0};
    struct sim_result r = run_tampered(&t, 0, 0);
    assert_failed(&r, 2, MPC_ERR_BAD_SIG_SHARE, 1);
    /* Γ^v (offset 98): checked against pk_1 */
    t.off = 98;
    r = run_tampered(&t, 0, 0);
    assert_failed(&r, 2, MPC_ERR_BAD_PK_SHARE, 1);
    /* ψ (offset 131, low byte): only the final verification catches it */
    struct tamper_spec tp = {SIM_R2_DIRECT, 1, 2, 131 + 31, 0x01, 0};
    r = run_tampered(&tp, 0, 0);
    assert_failed(&r, 1, MPC_ERR_VERIFY_FAILED, 0);
    assert_failed(&r, 2, MPC_ERR_VERIFY_FAILED, 0);
    /* u_3 or w_3 in the round-3 broadcast */
    struct tamper_spec tu = {SIM_R3_BCAST, 3, 0, 31, 0x01, 0};
    r = run_tampered(&tu, 0, 0);
    assert_failed(&r, 1, MPC_ERR_VERIFY_FAILED, 0);
    tu.off = 63;
    r = run_tampered(&tu, 0, 0);
    assert_failed(&r, 2, MPC_ERR_VERIFY_FAILED, 0);
    /* non-canonical u */
    struct tamper_spec tn = {SIM_R3_BCAST, 3, 0, 0, 0xff, 0};
    r = run_tampered(&tn, 0, 0);
    if (r.status[0] != MPC_ERR_BAD_SCALAR) { /* top byte xor ff may stay < q */
        assert_int_equal(r.status[0], MPC_ERR_VERIFY_FAILED);
    } else {
        assert_int_equal(r.culprit[0], 3);
    }
}

static void
test_sign_equivocation_detected(void **state)
{
    (void)state;
    /* Party 2 gets a different com_3 than party 1 does. */
    struct tamper_spec t = {SIM_R1_BCAST, 3, 2, 5, 0x10, 0};
    struct sim_result r = run_tampered(&t, 0, 0);
    /* Echo checks name the sender of the mismatching echo (spec §2, §6.4): 2's view
       differs from everyone's, so 1 and 3 name 2, and 2 names the first peer it checks. */
    assert_failed(&r, 1, MPC_ERR_EQUIVOCATION, 2);
    assert_failed(&r, 3, MPC_ERR_EQUIVOCATION, 2);
    assert_failed(&r, 2, MPC_ERR_EQUIVOCATION, 1);
    /* A wrong echo2 in a round-3 broadcast. */
    struct tamper_spec t2 = {SIM_R3_BCAST, 2, 3, 70, 0x01, 0};
    r = run_tampered(&t2, 0, 0);
    assert_failed(&r, 3, MPC_ERR_EQUIVOCATION, 2);
    assert_int_equal(r.status[0], MPC_OK);
}

static void
test_sign_ot_and_mul_checks_name_peer(void **state)
{
    (void)state;
    /* A bit of U from Bob 2 toward Alice 1: KOS check fails at 1, naming 2 (quarantine). */
    struct tamper_spec t = {SIM_R1_DIRECT, 2, 1, 777, 0x04, 0};
    struct sim_result r = run_tampered(&t, 0, 0);
    assert_failed(&r, 1, MPC_ERR_OT_CHECK, 2);
    /* A bit of ã (still canonical) from Alice 3 toward Bob 1: μ check fails at 1. */
    struct tamper_spec t2 = {SIM_R2_DIRECT, 3, 1, TSS_DKLS_SIGN_R2_HEAD_BYTES + 32 * 100 + 31,
                             0x02,          0};
    r = run_tampered(&t2, 0, 0);
    assert_failed(&r, 1, MPC_ERR_MUL_CHECK, 3);
    /* Wrong lengths. */
    struct tamper_spec t3 = {SIM_R1_DIRECT, 3, 2, 0, 0, 100};
    r = run_tampered(&t3, 0, 0);
    assert_failed(&r, 2, MPC_ERR_MSG_MALFORMED, 3);
    struct tamper_spec t4 = {SIM_R2_DIRECT, 1, 3, 0, 0, TSS_DKLS_SIGN_R2_DIRECT_BYTES - 1};
    r = run_tampered(&t4, 0, 0);
    assert_failed(&r, 3, MPC_ERR_MSG_MALFORMED, 1);
    struct tamper_spec t5 = {SIM_R3_BCAST, 1, 2, 0, 0, 95};
    r = run_tampered(&t5, 0, 0);
    assert_failed(&r, 2, MPC_ERR_MSG_MALFORMED, 1);
}

/* ------------------------------------------------------------------ zero-sharing */

/* Records PT(pk_j) from every round-2 direct message (spec §6.3, offset 195). */
struct pk_capture {
    uint8_t pk[SIM_MAX_N + 1][33]; /* by sender id */
};

static void
pk_capture_cb(void *arg, enum sim_msg_kind kind, uint32_t from, uint32_t to, uint8_t *buf,
              size_t *len)
{
    struct pk_capture *c = arg;
    (void)to;
    if (kind == SIM_R2_DIRECT && *len == TSS_DKLS_SIGN_R2_DIRECT_BYTES) {
        memcpy(c->pk[from], buf + 195, 33);
    }
}

/* λ_j·X_j over the signer set ids: the long-term share term of signer j. */
static void
long_term_pk(const struct sim_key *k, const uint32_t *ids, size_t n, uint32_t j, uint8_t out[33])
{
    uint8_t idl[SIM_MAX_N][32], lam[32], me[32];
    secp256k1_pubkey xj, pk;
    for (size_t i = 0; i < n; i++) {
        tss_dkls_id_encode(idl[i], ids[i]);
    }
    tss_dkls_id_encode(me, j);
    assert_int_equal(tss_secp_lagrange(lam, (const uint8_t(*)[32])idl, n, me), MPC_OK);
    assert_int_equal(tss_secp_point_decode(ctx, &xj, k->x_pub[j], 33), MPC_OK);
    assert_int_equal(tss_secp_point_mul_pub(ctx, &pk, &xj, lam), MPC_OK);
    assert_int_equal(tss_secp_point_encode(ctx, out, &pk), MPC_OK);
}

/* DKLs23 Protocol 3.6 / F_Zero: two sessions over the same signer set use
 * different sk_i (pk_i = sk_i·G differs), neither equals λ_i·x_i (ζ_i ≠ 0), and
 * Σ pk_i = Y (Σ ζ_i = 0); both signatures verify. */
static void
test_sign_zero_share_rerandomises_sk(void **state)
{
    (void)state;
    const uint32_t ids[] = {1, 2, 3};
    static struct pk_capture c[2];
    secp256k1_pubkey y;
    assert_true(secp256k1_ec_pubkey_parse(refctx, &y, key3.y_pub, 33));
    for (int run = 0; run < 2; run++) {
        uint8_t msg[32];
        struct sim_result r;
        test_rng_bytes(msg, 32);
        memset(&c[run], 0, sizeof(c[run]));
        assert_int_equal(sim_sign_run(&key3, ids, 3, msg, pk_capture_cb, &c[run], 0, 0, &r), 0);
        assert_good_signature(&key3, &r, msg);
        secp256k1_pubkey pks[3], sum;
        const secp256k1_pubkey *ins[3] = {&pks[0], &pks[1], &pks[2]};
        for (size_t i = 0; i < 3; i++) {
            uint8_t lt[33];
            long_term_pk(&key3, ids, 3, ids[i], lt);
            assert_memory_not_equal(c[run].pk[ids[i]], lt, 33); /* ζ_i ≠ 0 */
            assert_true(secp256k1_ec_pubkey_parse(refctx, &pks[i], c[run].pk[ids[i]], 33));
        }
        assert_true(secp256k1_ec_pubkey_combine(refctx, &sum, ins, 3));
        assert_int_equal(secp256k1_ec_pubkey_cmp(refctx, &sum, &y), 0); /* Σ ζ_i = 0 */
    }
    for (size_t i = 0; i < 3; i++) {
        assert_memory_not_equal(c[0].pk[ids[i]], c[1].pk[ids[i]], 33); /* fresh per session */
    }
}

/* A tampered or invalid pk_j is refused naming its sender (spec §6.4). */
static void
test_sign_tampered_pk_refused(void **state)
{
    (void)state;
    /* -pk_2 toward 1 (parity flip: still a valid point): Γ^v fails at 1 */
    struct tamper_spec t = {SIM_R2_DIRECT, 2, 1, 195, 0x01, 0};
    struct sim_result r = run_tampered(&t, 0, 0);
    assert_failed(&r, 1, MPC_ERR_BAD_PK_SHARE, 2);
    assert_int_equal(r.status[2], MPC_OK); /* 3 got the honest pk_2 */
    /* prefix 04 (02 ^ 06 or 03 ^ 06 = 05): not a compressed point */
    struct tamper_spec t2 = {SIM_R2_DIRECT, 3, 2, 195, 0x06, 0};
    r = run_tampered(&t2, 0, 0);
    assert_failed(&r, 2, MPC_ERR_BAD_POINT, 3);
    /* x of pk_3 changed: off the curve or another point */
    struct tamper_spec t3 = {SIM_R2_DIRECT, 3, 1, 195 + 20, 0x80, 0};
    r = run_tampered(&t3, 0, 0);
    assert_true(r.status[0] == MPC_ERR_BAD_POINT || r.status[0] == MPC_ERR_BAD_PK_SHARE);
    assert_int_equal(r.culprit[0], 3);
}

static void
test_sign_cheating_pk_caught(void **state)
{
    (void)state;
#ifdef MPC_FAULT_INJECTION
    /* pk_2 + G with an honest RVOLE input: every peer's Γ^v check names 2 */
    struct sim_result r = run_tampered(NULL, 2, TSS_DKLS_SIGN_CHEAT_PK_PLUS_G);
    assert_failed(&r, 1, MPC_ERR_BAD_PK_SHARE, 2);
    assert_failed(&r, 3, MPC_ERR_BAD_PK_SHARE, 2);
    /* sk_2 + 1 in pk_2 and the RVOLE alike: Γ^v passes, Σ pk_j != Y; with three
       signers nobody can be named from the sum */
    r = run_tampered(NULL, 2, TSS_DKLS_SIGN_CHEAT_SK_SHIFT);
    assert_failed(&r, 1, MPC_ERR_BAD_PK_SHARE, 0);
    assert_failed(&r, 3, MPC_ERR_BAD_PK_SHARE, 0);
    /* a signer that skips ζ_i (consistent pk_i) breaks Σ pk_j == Y too */
    r = run_tampered(NULL, 3, TSS_DKLS_SIGN_CHEAT_NO_ZETA);
    assert_failed(&r, 1, MPC_ERR_BAD_PK_SHARE, 0);
    assert_failed(&r, 2, MPC_ERR_BAD_PK_SHARE, 0);
    /* with two signers the sum names the peer */
    const uint32_t two[] = {1, 3};
    uint8_t msg[32];
    test_rng_bytes(msg, 32);
    assert_int_equal(
        sim_sign_run(&key3, two, 2, msg, NULL, NULL, 3, TSS_DKLS_SIGN_CHEAT_SK_SHIFT, &r), 0);
    assert_failed(&r, 1, MPC_ERR_BAD_PK_SHARE, 3);
#else
    skip();
#endif
}

/* ------------------------------------------------------------------ extraction */

/* What the attacker (party 2, Bob toward Alice 1) sees in one session. */
struct extract_view {
    uint8_t b1[SIM_MAX_N + 1][TSS_DKLS_SIGN_R1_BCAST_BYTES]; /* round-1 broadcasts by sender */
    uint8_t u[TSS_DKLS_OTE_U_BYTES];                         /* 2's U toward 1 */
    uint8_t m2[TSS_DKLS_SIGN_R2_DIRECT_BYTES];               /* 1's round-2 message to 2 */
};

static void
extract_cb(void *arg, enum sim_msg_kind kind, uint32_t from, uint32_t to, uint8_t *buf, size_t *len)
{
    struct extract_view *v = arg;
    if (kind == SIM_R1_BCAST && *len == TSS_DKLS_SIGN_R1_BCAST_BYTES) {
        memcpy(v->b1[from], buf, *len);
    } else if (kind == SIM_R1_DIRECT && from == 2 && to == 1) {
        memcpy(v->u, buf, TSS_DKLS_OTE_U_BYTES);
    } else if (kind == SIM_R2_DIRECT && from == 1 && to == 2 &&
               *len == TSS_DKLS_SIGN_R2_DIRECT_BYTES) {
        memcpy(v->m2, buf, *len);
    }
}

/* sign_ctx and echo1 of a simulated session (spec §1.4), from public data. */
static void
extract_ctx(const uint32_t *ids, size_t n, const uint8_t msg[32], const struct extract_view *v,
            uint8_t sctx[32], uint8_t echo1[32])
{
    uint8_t sid[16], ver[4] = {0, 0, 0, 1}, idl[SIM_MAX_N][32], cat[SIM_MAX_N][96];
    memset(sid, 0x5a, sizeof(sid));
    for (size_t i = 0; i < n; i++) {
        tss_dkls_id_encode(idl[i], ids[i]);
        memcpy(cat[i], idl[i], 32);
        memcpy(cat[i] + 32, v->b1[ids[i]], 64); /* com_j || ν_j */
    }
    const struct tss_dkls_part cp[] = {{sid, 16}, {"secp256k1", 9}, {"wallet-1", 8},
                                       {ver, 4},  {key3.y_pub, 33}, {idl, n * 32},
                                       {msg, 32}};
    tss_dkls_h32(sctx, "sign/ctx", cp, 7);
    const struct tss_dkls_part ep[] = {{sctx, 32}, {cat, n * 96}};
    tss_dkls_h32(echo1, "sign/echo1", ep, 2);
}

/*
 * The extraction of spec §4.5 with Δ known (white box: as if learned by
 * probes): Bob 2 knows both base-OT keys of setup 1->2, so with Δ_1 it rebuilds
 * Alice 1's q rows, both random-OT pads and her RVOLE input
 * a_1 = ã_{0,1} − α⁰_{0,1} + α¹_{0,1} from her round-2 message. Returns a_1.
 */
static void
extract_sk(const uint32_t *ids, size_t n, const uint8_t msg[32], const struct extract_view *v,
           uint8_t out[32], uint8_t echo1[32])
{
    const struct tss_dkls_ot_alice_setup *al = key3.alice[1][2];
    const struct tss_dkls_ot_bob_setup *bo = key3.bob[1][2];
    uint8_t sctx[32], id1[32], id2[32], setup_id[32], ote_sid[32], mul_sid[32];
    uint8_t row[16] = {0}, row1[16], col[TSS_DKLS_OTE_COL_BYTES];
    extract_ctx(ids, n, msg, v, sctx, echo1);
    tss_dkls_id_encode(id1, 1);
    tss_dkls_id_encode(id2, 2);
    tss_dkls_setup_id(setup_id, key3.ctx_hash, id1, id2);
    tss_dkls_ote_sid(ote_sid, sctx, setup_id, id1, id2, v->b1[2] + 32);
    tss_dkls_mul_sid(mul_sid, ote_sid, v->b1[1] + 32);
    for (uint16_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        int d = (al->delta[i >> 3] >> (i & 7)) & 1;
        tss_dkls_ote_column(col, ote_sid, i, d ? bo->keys1[i] : bo->keys0[i]);
        int bit = (col[0] ^ (d ? v->u[i * TSS_DKLS_OTE_COL_BYTES] : 0)) & 1; /* q^i, row 0 */
        row[i >> 3] |= (uint8_t)(bit << (i & 7));
    }
    for (size_t b = 0; b < 16; b++) {
        row1[b] = row[b] ^ al->delta[b];
    }
    struct tss_secp_num a0, a1, at;
    tss_dkls_rvole_ot_out(&a0, mul_sid, 0, 1, row);
    tss_dkls_rvole_ot_out(&a1, mul_sid, 0, 1, row1);
    assert_int_equal(tss_secp_scalar_decode(&at, v->m2 + TSS_DKLS_SIGN_R2_HEAD_BYTES + 32, 32),
                     MPC_OK);
    tss_secp_scalar_sub(&at, &at, &a0);
    tss_secp_scalar_add(&at, &at, &a1);
    tss_secp_scalar_encode(out, &at);
}

/* λ_1·x_1 over ids, as a scalar. */
static void
long_term_sk1(const uint32_t *ids, size_t n, uint8_t out[32])
{
    uint8_t idl[SIM_MAX_N][32], lam[32], me[32];
    struct tss_secp_num l, x;
    for (size_t i = 0; i < n; i++) {
        tss_dkls_id_encode(idl[i], ids[i]);
    }
    tss_dkls_id_encode(me, 1);
    assert_int_equal(tss_secp_lagrange(lam, (const uint8_t(*)[32])idl, n, me), MPC_OK);
    tss_secp_num_from_bytes(&l, lam);
    tss_secp_num_from_bytes(&x, key3.x[1]);
    tss_secp_scalar_mul(&l, &l, &x);
    tss_secp_scalar_encode(out, &l);
}

/* Spec App. C.4: what the §4.5 extraction recovers after the zero-sharing. The
 * recovered RVOLE input is the attempt's sk_1 (its G-multiple is the pk_1 that
 * was sent), never λ_1·x_1, and differs per session; with three signers the
 * attacker cannot remove ζ_1 (it lacks seed_13). With two signers it can
 * (it holds seed_12): the per-pair gate, not ζ, stops that case. */
static void
test_sign_extraction_recovers_session_share(void **state)
{
    (void)state;
    static struct extract_view v;
    uint8_t msg[32], got[2][32], lt[32], echo1[32], pkb[33], enc[33];
    struct sim_result r;
    const uint32_t three[] = {1, 2, 3}, two[] = {1, 2};
    long_term_sk1(three, 3, lt);
    for (int run = 0; run < 2; run++) {
        test_rng_bytes(msg, 32);
        memset(&v, 0, sizeof(v));
        assert_int_equal(sim_sign_run(&key3, three, 3, msg, extract_cb, &v, 0, 0, &r), 0);
        assert_good_signature(&key3, &r, msg);
        extract_sk(three, 3, msg, &v, got[run], echo1);
        secp256k1_pubkey pk;
        assert_int_equal(tss_secp_point_base(ctx, &pk, NULL, got[run]), MPC_OK);
        assert_int_equal(tss_secp_point_encode(ctx, enc, &pk), MPC_OK);
        memcpy(pkb, v.m2 + 195, 33);
        assert_memory_equal(enc, pkb, 33);         /* the extraction works: a_1 = sk_1 */
        assert_memory_not_equal(got[run], lt, 32); /* ... and is not λ_1·x_1 */
        /* removing the one seed the attacker holds does not give λ_1·x_1 either */
        struct tss_secp_num a, z;
        memset(&z, 0, sizeof(z));
        tss_dkls_zero_add(&z, 1, 2, key3.zseed[1][2], echo1);
        tss_secp_num_from_bytes(&a, got[run]);
        tss_secp_scalar_sub(&a, &a, &z);
        tss_secp_scalar_encode(enc, &a);
        assert_memory_not_equal(enc, lt, 32);
    }
    assert_memory_not_equal(got[0], got[1], 32); /* fresh per session */
    /* two signers: a_1 − ζ_1 = λ_1·x_1 for the peer that knows seed_12 */
    long_term_sk1(two, 2, lt);
    test_rng_bytes(msg, 32);
    memset(&v, 0, sizeof(v));
    assert_int_equal(sim_sign_run(&key3, two, 2, msg, extract_cb, &v, 0, 0, &r), 0);
    assert_int_equal(r.status[0], MPC_OK);
    extract_sk(two, 2, msg, &v, got[0], echo1);
    assert_memory_not_equal(got[0], lt, 32);
    struct tss_secp_num a, z;
    memset(&z, 0, sizeof(z));
    tss_dkls_zero_add(&z, 1, 2, key3.zseed[1][2], echo1);
    tss_secp_num_from_bytes(&a, got[0]);
    tss_secp_scalar_sub(&a, &a, &z);
    tss_secp_scalar_encode(enc, &a);
    assert_memory_equal(enc, lt, 32);
}

/* ------------------------------------------------------------------ create checks */

struct one_party {
    struct tss_dkls_sign_peer peers[3]; /* peers of party 1 */
    struct tss_dkls_sign_params p;      /* its params */
};

static void
party1_params(struct one_party *o, const uint32_t *peer_ids, size_t np)
{
    memset(o, 0, sizeof(*o));
    uint8_t a[32], b[32];
    tss_dkls_id_encode(a, 1);
    for (size_t k = 0; k < np; k++) {
        uint32_t j = peer_ids[k];
        o->peers[k].id = j;
        memcpy(o->peers[k].x_pub, key3.x_pub[j <= 3 ? j : 2], 33);
        o->peers[k].alice = key3.alice[1][j <= 3 && j != 1 ? j : 2];
        o->peers[k].bob = key3.bob[j <= 3 && j != 1 ? j : 2][1];
        tss_dkls_id_encode(b, j);
        tss_dkls_setup_id(o->peers[k].setup_id_out, key3.ctx_hash, a, b);
        tss_dkls_setup_id(o->peers[k].setup_id_in, key3.ctx_hash, b, a);
        o->peers[k].zero_seed = key3.zseed[1][j <= 3 && j != 1 ? j : 2];
    }
    o->p.ctx = ctx;
    o->p.wallet_id = (const uint8_t *)"w";
    o->p.wallet_id_len = 1;
    o->p.key_version = 1;
    o->p.threshold = 2;
    memcpy(o->p.y_pub, key3.y_pub, 33);
    o->p.self_id = 1;
    o->p.x_share = key3.x[1];
    memcpy(o->p.x_pub_self, key3.x_pub[1], 33);
    o->p.peers = o->peers;
    o->p.n_peers = np;
}

static void
test_sign_create_rejects_bad_inputs(void **state)
{
    (void)state;
    struct one_party o;
    tss_dkls_sign *s = NULL;
    uint32_t who = 99;
    const uint32_t good[] = {2, 3};
    party1_params(&o, good, 2);
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_OK);
    assert_int_equal(who, 0);
    /* stage errors: round 2 before round 1 */
    uint8_t *d = calloc(2, TSS_DKLS_SIGN_R2_DIRECT_BYTES);
    struct tss_dkls_sign_msg m[2] = {{d, 64}, {d, 64}};
    uint8_t b3[96], sig[64];
    int recid;
    assert_int_equal(tss_dkls_sign_round2(s, m, m, d, &who), MPC_ERR_SESSION_STATE);
    assert_int_equal(tss_dkls_sign_round3(s, m, b3, &who), MPC_ERR_SESSION_STATE);
    assert_int_equal(tss_dkls_sign_finish(s, m, sig, &recid, &who), MPC_ERR_SESSION_STATE);
    tss_dkls_sign_destroy(s);
    free(d);
    s = NULL;

    const uint32_t dup[] = {2, 2}, unsorted[] = {3, 2}, self[] = {1, 2}, zero[] = {0, 2};
    party1_params(&o, dup, 2);
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_IDENTIFIER);
    party1_params(&o, unsorted, 2);
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_IDENTIFIER);
    party1_params(&o, self, 2);
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_IDENTIFIER);
    party1_params(&o, zero, 2);
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_IDENTIFIER);
    const uint32_t nonmember[] = {2, 7}; /* id 7 with member data: Σ λ X != Y */
    party1_params(&o, nonmember, 2);
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_GROUP_KEY);
    party1_params(&o, good, 2);
    o.p.threshold = 4; /* |S| = 3 < t */
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_THRESHOLD);
    o.p.threshold = 1;
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_THRESHOLD);
    party1_params(&o, good, 2);
    o.peers[1].quarantined = 1;
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_QUARANTINED);
    assert_int_equal(who, 3);
    party1_params(&o, good, 2);
    o.p.x_share = key3.x[2]; /* share does not match X_1 */
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_SHARE);
    party1_params(&o, good, 2);
    o.p.y_pub[5] ^= 1; /* wrong group key (may not even decode) */
    mpc_status st = tss_dkls_sign_create(&o.p, &s, &who);
    assert_true(st == MPC_ERR_BAD_GROUP_KEY || st == MPC_ERR_BAD_POINT);
    party1_params(&o, good, 2);
    o.peers[0].x_pub[0] = 0x04;
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_BAD_POINT);
    party1_params(&o, good, 2);
    o.peers[0].alice = NULL;
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_INVALID_ARG);
    party1_params(&o, good, 2);
    o.peers[1].zero_seed = NULL; /* no F_Zero seed for the pair */
    assert_int_equal(tss_dkls_sign_create(&o.p, &s, &who), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_sign_create(NULL, &s, &who), MPC_ERR_INVALID_ARG);
    assert_int_equal(tss_dkls_sign_create(&o.p, NULL, &who), MPC_ERR_INVALID_ARG);
    assert_null(s);
    tss_dkls_sign_destroy(NULL);
}

/* ------------------------------------------------------------------ replay */

struct replay {
    int mode;                                     /* 0 record, 1 replay */
    uint8_t b1[TSS_DKLS_SIGN_R1_BCAST_BYTES];     /* 2's round-1 broadcast seen by 1 */
    uint8_t d1[TSS_DKLS_SIGN_R1_DIRECT_BYTES];    /* 2's round-1 direct message to 1 */
    uint8_t d2[2][TSS_DKLS_SIGN_R2_DIRECT_BYTES]; /* 1's answer to 2 in each session */
};

static void
replay_cb(void *arg, enum sim_msg_kind kind, uint32_t from, uint32_t to, uint8_t *buf, size_t *len)
{
    struct replay *rp = arg;
    if (from == 2 && to == 1 && kind == SIM_R1_BCAST) {
        if (rp->mode == 0) {
            memcpy(rp->b1, buf, *len);
        } else {
            memcpy(buf, rp->b1, *len);
        }
    } else if (from == 2 && to == 1 && kind == SIM_R1_DIRECT) {
        if (rp->mode == 0) {
            memcpy(rp->d1, buf, *len);
        } else {
            memcpy(buf, rp->d1, *len);
        }
    } else if (from == 1 && to == 2 && kind == SIM_R2_DIRECT) {
        memcpy(rp->d2[rp->mode], buf, *len);
    }
}

/* Spec §4.1, §9.5: replaying an old round-1 message into a retry of the same request
   passes the KOS check but meets fresh pads (new ν_A): no old correlation is reused. */
static void
test_sign_replayed_round1_gets_fresh_pads(void **state)
{
    (void)state;
    static struct replay rp;
    const uint32_t ids[] = {1, 2};
    uint8_t msg[32];
    struct sim_result r;
    test_rng_bytes(msg, 32);
    rp.mode = 0;
    assert_int_equal(sim_sign_run(&key3, ids, 2, msg, replay_cb, &rp, 0, 0, &r), 0);
    assert_int_equal(r.status[0], MPC_OK);
    rp.mode = 1;
    assert_int_equal(sim_sign_run(&key3, ids, 2, msg, replay_cb, &rp, 0, 0, &r), 0);
    /* 1 accepted the replay in round 2 (same ote_sid) and answered with new pads */
    assert_true(r.stage[0] >= 3);
    assert_memory_not_equal(rp.d2[0] + TSS_DKLS_SIGN_R2_HEAD_BYTES,
                            rp.d2[1] + TSS_DKLS_SIGN_R2_HEAD_BYTES, 32 * 3);
    /* the session then fails: 2's fresh round-1 view differs from what 1 echoed */
    assert_int_equal(r.status[1], MPC_ERR_EQUIVOCATION);
    assert_int_equal(r.culprit[1], 1);
}

int
main(void)
{
    test_rng_init("test_dkls_sign");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_every_subset_up_to_4),
        cmocka_unit_test(test_sign_3_of_5_subset),
        cmocka_unit_test(test_sign_decommit_failures_name_sender),
        cmocka_unit_test(test_sign_cheating_rvole_inputs_caught),
        cmocka_unit_test(test_sign_cheat_kos_ttilde_caught),
        cmocka_unit_test(test_sign_tampered_gamma_psi_u_w),
        cmocka_unit_test(test_sign_equivocation_detected),
        cmocka_unit_test(test_sign_ot_and_mul_checks_name_peer),
        cmocka_unit_test(test_sign_zero_share_rerandomises_sk),
        cmocka_unit_test(test_sign_tampered_pk_refused),
        cmocka_unit_test(test_sign_cheating_pk_caught),
        cmocka_unit_test(test_sign_extraction_recovers_session_share),
        cmocka_unit_test(test_sign_create_rejects_bad_inputs),
        cmocka_unit_test(test_sign_replayed_round1_gets_fresh_pads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_pairgate.c — the per-pair gate of the DKLs23 KOS checks
 * (session/pairgate.c) and the Δ-extraction attack it stops (spec §4.3,
 * §8 item 10).
 *
 * The attack: a cheating OT-extension receiver (node-2) opens many signing
 * sessions with the victim (node-1) and holds its round-1 messages until all
 * of them are open; then, in session k, it sends a probe of Δ bit k (the
 * victim's check passes iff Δ_k == guess). Without the gate every check is
 * evaluated and the passing/failing verdicts spell Δ, after which one more
 * honestly answered session (created before the quarantine) would hand over
 * the victim's RVOLE inputs, i.e. λ_i·x_i. With the gate at most one check
 * fails, no session evaluates a check or releases a Δ-dependent message for
 * the pair afterwards (in flight or new), and Δ is not recovered.
 * The interleaving is driven deterministically on one thread (it is the
 * adversary's schedule, not a race we need luck to hit); a threaded test
 * checks that concurrent checks of one pair never overlap.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "session/pairgate.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/session_testkit.h"
#include "tests/support/test_util.h"
#include "tests/support/toy_protocol.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_rvole.h"
#include "tss/dkls_sign_int.h"
#include "tss/dkls_signing.h"
#include "tss/secp256k1.h"

#define SCOPE  "secp256k1/wallet-1/v1"
#define N_SESS 128

static dkls_fx_key key; /* 2-of-2 among node-0 (victim) and node-1 (cheater) */
static uint64_t seed = 7;

static int
setup_key(void **state)
{
    (void)state;
    const char *env = getenv("MPC_TEST_SEED");
    if (env != NULL) {
        seed = strtoull(env, NULL, 10);
    }
    print_message("seed %llu (MPC_TEST_SEED)\n", (unsigned long long)seed);
    uint32_t c[2] = {0, 1};
    tss_sim_result res;
    mpc_status st = dkls_fx_keygen(&key, c, 2, 2, seed, NULL, NULL, &res);
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

/* The driver's side of tss_pair_gate for one session: the pair with the cheater. */
struct gate_user {
    session_pairgate *g; /* the node's gate */
    session_pair *pair;  /* (SCOPE, node-1) */
};

static mpc_status
gu_enter(void *user, uint32_t peer)
{
    struct gate_user *u = user;
    assert_int_equal(peer, 1);
    return session_pair_lock(u->pair);
}

static void
gu_leave(void *user, uint32_t peer, int failed)
{
    struct gate_user *u = user;
    assert_int_equal(peer, 1);
    session_pair_unlock(u->g, u->pair, failed);
}

/* Victim's Δ toward the cheater (what the attacker wants). */
static void
victim_delta(uint8_t delta[16])
{
    tss_dkls_keyrec *rec = NULL;
    assert_int_equal(tss_dkls_keyrec_decode(&rec, key.rec[0], key.len[0]), MPC_OK);
    const struct tss_dkls_peer_rec *pr = tss_dkls_keyrec_peer(rec, 1);
    assert_non_null(pr);
    memcpy(delta, pr->pair.alice.delta, 16);
    tss_dkls_keyrec_destroy(rec);
}

/* One signing session, victim side (party 0) and cheater side (party 1). */
struct sess {
    tss_base *v;      /* victim state */
    tss_base *c;      /* cheater state */
    mpc_outbox held;  /* cheater's round-1 messages, held back */
    mpc_outbox v_out; /* victim's messages not yet released */
    mpc_status v_st;  /* victim's status after round 1 is fed */
    uint8_t v_nu[32]; /* victim's ν_i (its round-1 broadcast: public) */
};

static void
sess_open(struct sess *s, int k, const tss_pair_gate *gate, size_t col, int guess, int honest)
{
    const char *ids[2] = {tss_fx_node(0), tss_fx_node(1)};
    uint8_t sid[TSS_SID_LEN] = {0}, msg32[32] = {0};
    sid[0] = (uint8_t)k;
    sid[1] = (uint8_t)(k >> 8);
    sid[2] = 0xa5;
    msg32[0] = (uint8_t)k;
    for (uint32_t p = 0; p < 2; p++) {
        uint8_t *in = NULL;
        size_t in_len = 0;
        assert_int_equal(
            tss_dkls_sign_input_encode(&in, &in_len, key.rec[p], key.len[p], msg32, ids, 2),
            MPC_OK);
        tss_params prm = {.sid = sid,
                          .self = p,
                          .n_parties = 2,
                          .party_ids = ids,
                          .threshold = 2,
                          .input = in,
                          .input_len = in_len,
                          .gate = p == 0 ? gate : NULL};
        assert_int_equal(tss_proto_dkls_sign.create(p == 0 ? &s->v : &s->c, &prm), MPC_OK);
        mpc_secure_free(in);
    }
    if (!honest) {
        tss_dkls_signing_set_probe(s->c, col, guess);
    }
    mpc_outbox_init(&s->v_out);
    mpc_outbox_init(&s->held);
    assert_int_equal(tss_proto_start(s->v, &s->v_out), MPC_OK);
    assert_int_equal(tss_proto_start(s->c, &s->held), MPC_OK);
    int have_nu = 0;
    for (size_t i = 0; i < s->v_out.n; i++) {
        const mpc_out_msg *m = &s->v_out.msgs[i];
        assert_false(m->pair_bound);   /* round 1: the victim's Bob side */
        if (m->to == MPC_OUTBOX_ALL) { /* u8 version | u8 0x51 | com (32) | ν (32) */
            assert_int_equal(m->len, 2 + 64);
            memcpy(s->v_nu, m->data + 2 + 32, 32);
            have_nu = 1;
        }
    }
    assert_true(have_nu);
    mpc_outbox_clear(&s->v_out);
    s->v_st = MPC_OK;
}

/* Delivers the cheater's held round-1 messages; the victim's round 2 runs its KOS check. */
static void
sess_feed(struct sess *s)
{
    for (size_t i = 0; i < s->held.n && s->v_st == MPC_OK; i++) {
        const mpc_out_msg *m = &s->held.msgs[i];
        s->v_st = tss_proto_handle(s->v, 1, m->round, m->to == MPC_OUTBOX_ALL, m->data, m->len,
                                   &s->v_out);
    }
    mpc_outbox_clear(&s->held);
}

/*
 * What the attacker keeps of one released round-2 answer: enough to recover the
 * victim's RVOLE inputs once it knows Δ (spec §4.4, §5 step 2: ã_{j,k} =
 * α⁰_{j,k} − α¹_{j,k} + a'_k, and Bob holds t_j, x_j with q_j = t_j ⊕ x_j·Δ).
 * The test also notes the true values, to judge the attempt.
 */
#define ATK_ROW 1 /* row used (row 0 carries the probe's flip) */
struct capture {
    uint8_t mul_sid[32];    /* mul_sid(victim -> cheater): public inputs */
    uint8_t trow[16];       /* cheater's t_j (its own secret) */
    int x;                  /* cheater's choice bit x_j */
    uint8_t atilde[2][32];  /* ã_{j,0}, ã_{j,1} from the released message */
    uint8_t session_sk[32]; /* judge: the victim's RVOLE input a_1 of this session */
    uint8_t session_r[32];  /* judge: the victim's RVOLE input a_0 = r_i */
};

/* Records, for the attacker, a released round-2 message of session s. */
static void
capture_answer(struct capture *cap, struct sess *s, const mpc_out_msg *m)
{
    /* u8 version | u8 0x53 | PT(R), salt, Γ^u, Γ^v, ψ, echo1, PT(pk_i) (228) | ã (39 936) | η | μh
     */
    assert_int_equal(m->len, 2 + TSS_DKLS_SIGN_R2_DIRECT_BYTES);
    const uint8_t *at = m->data + 2 + TSS_DKLS_SIGN_R2_HEAD_BYTES;
    struct tss_dkls_sign *c = tss_dkls_signing_inner(s->c);
    struct tss_dkls_sign *v = tss_dkls_signing_inner(s->v);
    assert_non_null(c);
    assert_non_null(v);
    const struct sign_peer *pe = &c->peers[0]; /* the victim, seen by the cheater as Bob */
    tss_dkls_mul_sid(cap->mul_sid, pe->ote_sid_in, s->v_nu);
    tss_dkls_rvole_bob_row(pe->rvole, ATK_ROW, cap->trow);
    cap->x = tss_dkls_rvole_bob_beta(pe->rvole, ATK_ROW);
    for (int k = 0; k < 2; k++) {
        memcpy(cap->atilde[k], at + ((size_t)ATK_ROW * TSS_DKLS_RVOLE_WIDTH + (size_t)k) * 32, 32);
    }
    tss_secp_scalar_encode(cap->session_sk, &v->sk);
    tss_secp_scalar_encode(cap->session_r, &v->r);
}

/* The attack's last step: with a (possibly partly guessed) Δ, a'_k = ã_{j,k} − α⁰ + α¹. */
static void
attacker_recover(const struct capture *cap, const uint8_t delta[16], uint8_t out[2][32])
{
    uint8_t q0[16], q1[16];
    for (int i = 0; i < 16; i++) {
        q0[i] = (uint8_t)(cap->trow[i] ^ (cap->x ? delta[i] : 0)); /* q_j */
        q1[i] = (uint8_t)(q0[i] ^ delta[i]);                       /* q_j ⊕ Δ */
    }
    for (uint8_t k = 0; k < 2; k++) {
        struct tss_secp_num a0, a1, at;
        tss_dkls_rvole_ot_out(&a0, cap->mul_sid, ATK_ROW, k, q0);
        tss_dkls_rvole_ot_out(&a1, cap->mul_sid, ATK_ROW, k, q1);
        tss_secp_num_from_bytes(&at, cap->atilde[k]);
        tss_secp_scalar_sub(&at, &at, &a0);
        tss_secp_scalar_add(&at, &at, &a1);
        tss_secp_scalar_encode(out[k], &at);
    }
}

/* λ_0·x_0 of the victim over signers {0, 1}, from its key record (the long-term target). */
static void
victim_lambda_x(uint8_t out[32])
{
    tss_dkls_keyrec *rec = NULL;
    assert_int_equal(tss_dkls_keyrec_decode(&rec, key.rec[0], key.len[0]), MPC_OK);
    const tss_keyshare *ks = rec->ks;
    uint8_t ids[2][TSS_SECP_SCALAR_BYTES], lam[32], xb[32];
    for (uint32_t m = 0; m < 2; m++) {
        tss_dkls_id_encode(ids[m], ks->members[m].id);
    }
    assert_int_equal(
        tss_secp_lagrange(lam, (const uint8_t(*)[TSS_SECP_SCALAR_BYTES])ids, 2, ids[ks->self]),
        MPC_OK);
    ks->g->scalar_encode(xb, ks->secret);
    struct tss_secp_num l, x, r;
    tss_secp_num_from_bytes(&l, lam);
    tss_secp_num_from_bytes(&x, xb);
    tss_secp_scalar_mul(&r, &l, &x);
    tss_secp_scalar_encode(out, &r);
    mpc_wipe(xb, sizeof xb);
    tss_dkls_keyrec_destroy(rec);
}

/*
 * Releases the victim's pair-bound messages the way the session layer does,
 * handing every released one to the attacker (caps, may be NULL).
 * Returns: how many were released.
 */
static size_t
sess_release(struct sess *s, session_pair *pair, struct capture *caps, size_t *n_caps)
{
    size_t released = 0;
    for (size_t i = 0; i < s->v_out.n; i++) {
        if (!s->v_out.msgs[i].pair_bound) {
            continue;
        }
        int sent = 0;
        if (pair == NULL) {
            sent = 1; /* ungated (the old code): sent as soon as produced */
        } else if (session_pair_release_begin(pair) == MPC_OK) {
            sent = 1; /* the transport hand-off happens here, under the pair lock */
            session_pair_release_end(pair);
        }
        if (sent && caps != NULL) {
            capture_answer(&caps[(*n_caps)++], s, &s->v_out.msgs[i]);
        }
        released += (size_t)sent;
    }
    mpc_outbox_clear(&s->v_out);
    return released;
}

static void
sess_close(struct sess *s)
{
    mpc_outbox_clear(&s->v_out);
    mpc_outbox_clear(&s->held);
    tss_proto_destroy(s->v);
    tss_proto_destroy(s->c);
}

/* What the attacker got out of one run. */
struct attack {
    size_t evaluated;      /* checks the victim evaluated (verdict observable) */
    size_t failed;         /* checks that failed */
    size_t first_fail;     /* session index of the first failed check (N_SESS + 1: none) */
    size_t known_bits;     /* Δ bits the attacker learned */
    int delta_recovered;   /* all 128 bits learned and equal to Δ */
    size_t released;       /* Δ-dependent messages released */
    size_t released_after; /* of those, by sessions fed after the first failed check */
    size_t honest_rel;     /* by the honest session opened before the quarantine */
    size_t new_rel;        /* by a session opened after the quarantine */
    size_t recovered_sk;   /* captures whose recovered a_1 equals that session's sk input */
    size_t recovered_lx;   /* captures whose recovered a_1 equals λ_i·x_i */
    size_t recovered_r;    /* captures whose recovered a_0 equals that session's r_i */
    size_t captures;       /* answers the attacker holds */
};

/* The attacker's verdict bookkeeping for probe session k. */
static void
attack_note(struct attack *a, int k, mpc_status st, const uint8_t guess[16], uint8_t learned[16],
            uint8_t known[16])
{
    if (st == MPC_OK || st == MPC_ERR_OT_CHECK) {
        int bit = (guess[k / 8] >> (k % 8)) & 1; /* the verdict tells Δ_k */
        int d = st == MPC_OK ? bit : !bit;
        learned[k / 8] |= (uint8_t)(d << (k % 8));
        known[k / 8] |= (uint8_t)(1u << (k % 8));
        a->evaluated++;
        if (st == MPC_ERR_OT_CHECK && a->failed++ == 0) {
            a->first_fail = (size_t)k;
        }
    } else {
        assert_int_equal(st, MPC_ERR_QUARANTINED); /* refused before its check */
    }
}

/* The last step: recover from every answer held, with Δ = learned bits, guesses elsewhere. */
static void
attack_recover(struct attack *a, const struct capture *caps, size_t n, const uint8_t guess[16],
               const uint8_t learned[16], const uint8_t known[16])
{
    uint8_t dl[16], lx[32], rec[2][32];
    for (int i = 0; i < 16; i++) {
        dl[i] = (uint8_t)((learned[i] & known[i]) | (guess[i] & (uint8_t)~known[i]));
    }
    victim_lambda_x(lx);
    a->captures = n;
    for (size_t i = 0; i < n; i++) {
        attacker_recover(&caps[i], dl, rec);
        a->recovered_sk += memcmp(rec[1], caps[i].session_sk, 32) == 0;
        a->recovered_lx += memcmp(rec[1], lx, 32) == 0;
        a->recovered_r += memcmp(rec[0], caps[i].session_r, 32) == 0;
    }
    mpc_wipe(lx, sizeof lx);
    mpc_wipe(rec, sizeof rec);
}

/*
 * Opens N_SESS probing sessions plus one honest one, all before any check. Then,
 * in the adversary's order, feeds each and lets its answer go out at once (a
 * session whose check passed sends right away); the honest session last; then
 * one more session opened after all that. Finally the attacker, with the Δ bits
 * it learned (its own guesses for the rest), recovers from every answer it got.
 */
static void
run_attack(int gated, struct attack *a)
{
    /* A lucky attacker: its first LUCKY guesses are right (the judge sets them from Δ),
     * the next one wrong; the rest are its random guesses. */
    enum { LUCKY = 8 };
    static struct sess ss[N_SESS + 2];
    static struct capture caps[N_SESS + 2];
    size_t n_caps = 0;
    uint8_t delta[16], guess[16] = {0}, learned[16] = {0}, known[16] = {0};
    victim_delta(delta);
    assert_int_equal(mpc_random_bytes(guess, sizeof guess), MPC_OK);
    for (int k = 0; k <= LUCKY; k++) {
        uint8_t m = (uint8_t)(1u << (k % 8)), want = (uint8_t)(delta[k / 8] & m);
        guess[k / 8] = (uint8_t)((guess[k / 8] & ~m) | (k < LUCKY ? want : (want ^ m)));
    }
    session_pairgate *g = NULL;
    assert_int_equal(session_pairgate_create(&g, NULL, NULL), MPC_OK);
    struct gate_user gu = {.g = g};
    assert_int_equal(session_pairgate_acquire(g, SCOPE, tss_fx_node(1), &gu.pair), MPC_OK);
    tss_pair_gate gate = {.enter = gu_enter, .leave = gu_leave, .user = &gu};
    session_pair *rel = gated ? gu.pair : NULL;
    memset(a, 0, sizeof *a);
    a->first_fail = N_SESS + 1;
    for (int k = 0; k <= N_SESS; k++) { /* every session is open before any check */
        int bit = (guess[k / 8 % 16] >> (k % 8)) & 1;
        sess_open(&ss[k], k, gated ? &gate : NULL, (size_t)(k % 128), bit, k == N_SESS);
    }
    for (int k = 0; k <= N_SESS; k++) {
        sess_feed(&ss[k]);
        if (k < N_SESS) {
            attack_note(a, k, ss[k].v_st, guess, learned, known);
        }
        size_t r = sess_release(&ss[k], rel, caps, &n_caps);
        a->released += r;
        a->released_after += (size_t)k > a->first_fail ? r : 0;
        a->honest_rel += k == N_SESS ? r : 0;
    }
    /* A session opened after the quarantine (honest on both sides). */
    sess_open(&ss[N_SESS + 1], N_SESS + 1, gated ? &gate : NULL, 0, 0, 1);
    sess_feed(&ss[N_SESS + 1]);
    a->new_rel = sess_release(&ss[N_SESS + 1], rel, caps, &n_caps);
    a->released_after += a->new_rel;
    for (int i = 0; i < 16; i++) {
        for (int b = 0; b < 8; b++) {
            a->known_bits += (known[i] >> b) & 1;
        }
    }
    a->delta_recovered = a->known_bits == 128 && memcmp(learned, delta, 16) == 0;
    attack_recover(a, caps, n_caps, guess, learned, known);
    for (int k = 0; k <= N_SESS + 1; k++) {
        sess_close(&ss[k]);
    }
    mpc_wipe(caps, sizeof caps);
    session_pairgate_release(g, gu.pair);
    session_pairgate_destroy(g);
    print_message("%s: %zu checks evaluated, %zu failed (first at %zu), %zu Δ bits learned, "
                  "%zu answers held, a_1 recovered in %zu (= λ_i·x_i in %zu), r_i in %zu\n",
                  gated ? "gated" : "ungated", a->evaluated, a->failed, a->first_fail,
                  a->known_bits, a->captures, a->recovered_sk, a->recovered_lx, a->recovered_r);
}

/* Without the gate (the old code): every probe is evaluated, Δ falls out, and with
 * it every answer the victim sent gives away its RVOLE inputs: r_i and the session's
 * sk_i (today λ_i·x_i, the long-term share). */
static void
test_pairgate_ungated_attack_recovers_delta(void **state)
{
    (void)state;
    struct attack a;
    run_attack(0, &a);
    assert_int_equal(a.evaluated, N_SESS);
    assert_true(a.failed > 1);
    assert_int_equal(a.first_fail, 8);
    assert_true(a.delta_recovered);
    assert_int_equal(a.honest_rel, 1);
    assert_true(a.captures >= 1);
    assert_int_equal(a.recovered_sk, a.captures); /* every answer: the session's input */
    assert_int_equal(a.recovered_r, a.captures);
}

/* With the gate: one check fails; no check after it is evaluated, so the attacker
 * knows only the bits of the checks up to the failure (each passing probe was a
 * lucky guess that cost it a 1/2 chance of being caught); nothing Δ-dependent
 * leaves for that pair afterwards, from sessions in flight or new; and the
 * recovery from every answer it did get returns neither λ_i·x_i nor the session's
 * input. */
static void
test_pairgate_gated_attack_learns_nothing_more(void **state)
{
    (void)state;
    struct attack a;
    run_attack(1, &a);
    assert_int_equal(a.failed, 1);
    assert_int_equal(a.first_fail, 8);               /* the first wrong guess (LUCKY) */
    assert_int_equal(a.captures, 8);                 /* the lucky passes' answers */
    assert_int_equal(a.evaluated, a.first_fail + 1); /* nothing evaluated after the failure */
    assert_true(a.known_bits == a.evaluated && a.known_bits < 128);
    assert_false(a.delta_recovered);
    assert_int_equal(a.released_after, 0);
    assert_int_equal(a.honest_rel, 0);
    assert_int_equal(a.new_rel, 0);
    assert_int_equal(a.released, a.first_fail); /* only the passes before the failure */
    assert_int_equal(a.recovered_sk, 0);
    assert_int_equal(a.recovered_lx, 0);
    assert_int_equal(a.recovered_r, 0);
}

/* A new session after the quarantine is refused before its check. */
static void
test_pairgate_new_session_refused(void **state)
{
    (void)state;
    session_pairgate *g = NULL;
    assert_int_equal(session_pairgate_create(&g, NULL, NULL), MPC_OK);
    assert_int_equal(session_pairgate_mark(g, SCOPE, tss_fx_node(1)), MPC_OK);
    struct gate_user gu = {.g = g};
    assert_int_equal(session_pairgate_acquire(g, SCOPE, tss_fx_node(1), &gu.pair), MPC_OK);
    tss_pair_gate gate = {.enter = gu_enter, .leave = gu_leave, .user = &gu};
    struct sess s;
    sess_open(&s, 900, &gate, 0, 0, 1);
    sess_feed(&s);
    assert_int_equal(s.v_st, MPC_ERR_QUARANTINED);
    assert_int_equal(tss_proto_culprit(s.v), 1);
    assert_int_equal(sess_release(&s, gu.pair, NULL, NULL), 0);
    sess_close(&s);
    uint64_t checks, failed, q;
    session_pairgate_counts(g, &checks, &failed, &q);
    assert_int_equal(checks, 0);
    assert_int_equal(q, 1);
    session_pairgate_release(g, gu.pair);
    session_pairgate_destroy(g);
}

/* Quarantine callback: records what it was told. */
static int cb_calls;
static char cb_peer[64];
static void
on_q(void *arg, const char *scope, const char *peer)
{
    (void)arg;
    assert_string_equal(scope, SCOPE);
    cb_calls++;
    snprintf(cb_peer, sizeof cb_peer, "%s", peer);
}

/* Verdicts: a pass leaves the pair usable, a failure quarantines it once. */
static void
test_pairgate_verdicts(void **state)
{
    (void)state;
    session_pairgate *g = NULL;
    session_pair *p = NULL, *p2 = NULL;
    cb_calls = 0;
    assert_int_equal(session_pairgate_create(&g, on_q, NULL), MPC_OK);
    assert_int_equal(session_pairgate_acquire(g, SCOPE, "node-b", &p), MPC_OK);
    assert_int_equal(session_pairgate_acquire(g, SCOPE, "node-b", &p2), MPC_OK);
    assert_ptr_equal(p, p2);
    assert_int_equal(session_pair_lock(p), MPC_OK);
    session_pair_unlock(g, p, 0);
    assert_int_equal(session_pair_release_begin(p), MPC_OK);
    session_pair_release_end(p);
    assert_int_equal(session_pair_lock(p), MPC_OK);
    session_pair_unlock(g, p, 1);
    assert_int_equal(cb_calls, 1);
    assert_string_equal(cb_peer, "node-b");
    assert_int_equal(session_pair_lock(p), MPC_ERR_QUARANTINED);
    assert_int_equal(session_pair_release_begin(p), MPC_ERR_QUARANTINED);
    assert_true(session_pairgate_is_quarantined(g, SCOPE, "node-b"));
    assert_false(session_pairgate_is_quarantined(g, SCOPE, "node-c"));
    assert_false(session_pairgate_is_quarantined(g, "other/v2", "node-b"));
    session_pairgate_release(g, p);
    session_pairgate_release(g, p2);
    /* kept while quarantined, even with no session using it */
    assert_true(session_pairgate_is_quarantined(g, SCOPE, "node-b"));
    assert_int_equal(session_pair_lock(NULL), MPC_ERR_QUARANTINED); /* fail closed */
    session_pairgate_destroy(g);
}

static void
test_pairgate_bad_args(void **state)
{
    (void)state;
    session_pairgate *g = NULL;
    session_pair *p = NULL;
    char longs[SESSION_PAIRGATE_SCOPE_MAX + 2];
    memset(longs, 'a', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    assert_int_equal(session_pairgate_create(NULL, NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_pairgate_create(&g, NULL, NULL), MPC_OK);
    assert_int_equal(session_pairgate_acquire(NULL, SCOPE, "x", &p), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_pairgate_acquire(g, "", "x", &p), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_pairgate_acquire(g, SCOPE, longs, &p), MPC_ERR_INVALID_ARG);
    assert_int_equal(session_pairgate_acquire(g, SCOPE, NULL, &p), MPC_ERR_INVALID_ARG);
    assert_null(p);
    assert_int_equal(session_pairgate_mark(g, NULL, "x"), MPC_ERR_INVALID_ARG);
    session_pairgate_release(g, NULL);
    session_pairgate_destroy(g);
    session_pairgate_destroy(NULL);
}

/* Threads: checks of one pair never overlap. */
struct race {
    session_pairgate *g; /* gate */
    session_pair *p;     /* the pair */
    atomic_int inside;   /* threads inside a check */
    atomic_int overlap;  /* times two were inside */
};

static void *
race_thread(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 2000; i++) {
        if (session_pair_lock(r->p) != MPC_OK) {
            continue;
        }
        if (atomic_fetch_add(&r->inside, 1) != 0) {
            atomic_fetch_add(&r->overlap, 1);
        }
        atomic_fetch_sub(&r->inside, 1);
        session_pair_unlock(r->g, r->p, 0);
    }
    return NULL;
}

static void
test_pairgate_checks_serialised(void **state)
{
    (void)state;
    struct race r = {0};
    assert_int_equal(session_pairgate_create(&r.g, NULL, NULL), MPC_OK);
    assert_int_equal(session_pairgate_acquire(r.g, SCOPE, "node-b", &r.p), MPC_OK);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    assert_int_equal(atomic_load(&r.overlap), 0);
    uint64_t checks;
    session_pairgate_counts(r.g, &checks, NULL, NULL);
    assert_int_equal(checks, 8000);
    session_pairgate_release(r.g, r.p);
    session_pairgate_destroy(r.g);
}

/* ---- the release gate in the session layer (session/actor.c), with the toy protocol ---- */

static session_pairgate *rel_gate; /* the gate shared by the test cluster */
static atomic_int rel_quarantine;  /* 1: node 0 quarantines its pair before releasing */
static tss_protocol rel_proto;     /* toy protocol whose round-2 direct messages are pair-bound */

/* Marks the round-2 direct messages pair-bound; on node 0, optionally flags the
 * pair (as another session's failed check would) after they were computed. */
static mpc_status
rel_handle(tss_base *s, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
           size_t len, mpc_outbox *out)
{
    size_t before = out->n;
    mpc_status st = toy_protocol()->handle(s, from, round, is_broadcast, data, len, out);
    int bound = 0;
    for (size_t i = before; st == MPC_OK && i < out->n; i++) {
        if (out->msgs[i].round == 2 && out->msgs[i].to != MPC_OUTBOX_ALL) {
            out->msgs[i].pair_bound = 1;
            bound = 1;
        }
    }
    if (bound && s->self == 0 && atomic_load(&rel_quarantine)) {
        assert_int_equal(session_pairgate_mark(rel_gate, SCOPE, "n1"), MPC_OK);
    }
    return st;
}

/* The state's own table is what tss_proto_handle dispatches through. */
static mpc_status
rel_create(tss_base **out, const tss_params *p)
{
    mpc_status st = toy_protocol()->create(out, p);
    if (st == MPC_OK) {
        (*out)->proto = &rel_proto;
    }
    return st;
}

static void
rel_run(int quarantine, stk_outcome out[2])
{
    stk_options o;
    stk_options_default(&o, 2);
    assert_int_equal(session_pairgate_create(&rel_gate, NULL, NULL), MPC_OK);
    o.cfg.pairgate = rel_gate;
    rel_proto = *toy_protocol();
    rel_proto.create = rel_create;
    rel_proto.handle = rel_handle;
    atomic_store(&rel_quarantine, quarantine);
    stk_cluster *c = NULL;
    assert_int_equal(stk_cluster_create(&c, &o), MPC_OK);
    stk_tracker tr;
    stk_tracker_init(&tr);
    uint64_t rng = seed | 1;
    stk_session s;
    stk_session_init(&s, 2, &rng, &tr);
    s.gate_scope = SCOPE;
    for (uint32_t p = 0; p < 2; p++) {
        /* 3 s natively: under valgrind the two-party run took longer (DEADLINE). */
        assert_int_equal(
            stk_start_party(c, &s, p, &rel_proto, SESSION_OP_SIGN, 3000 * mpc_test_slow()), MPC_OK);
    }
    assert_true(stk_tracker_wait(&tr, 2, 20000 * mpc_test_slow()));
    out[0] = stk_outcome_get(&tr, &s, 0);
    out[1] = stk_outcome_get(&tr, &s, 1);
    stk_cluster_destroy(c);
    stk_tracker_fini(&tr);
    session_pairgate_destroy(rel_gate);
    rel_gate = NULL;
}

/* Gated release of pair-bound messages: sent while the pair is clear. */
static void
test_pairgate_session_release_clear(void **state)
{
    (void)state;
    stk_outcome out[2];
    rel_run(0, out);
    assert_int_equal(out[0].status, MPC_OK);
    assert_int_equal(out[1].status, MPC_OK);
}

/* A pair quarantined after the answer was computed but before it was sent:
 * the session layer must not send it (the session fails naming the peer). */
static void
test_pairgate_session_release_refused(void **state)
{
    (void)state;
    stk_outcome out[2];
    rel_run(1, out);
    print_message("node 0: %s culprit %u; node 1: %s\n", mpc_status_name(out[0].status),
                  out[0].culprit, mpc_status_name(out[1].status));
    assert_int_equal(out[0].status, MPC_ERR_QUARANTINED);
    assert_int_equal(out[0].culprit, 1);
    assert_int_not_equal(out[1].status, MPC_OK); /* never got x_0 */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairgate_ungated_attack_recovers_delta),
        cmocka_unit_test(test_pairgate_gated_attack_learns_nothing_more),
        cmocka_unit_test(test_pairgate_new_session_refused),
        cmocka_unit_test(test_pairgate_verdicts),
        cmocka_unit_test(test_pairgate_bad_args),
        cmocka_unit_test(test_pairgate_checks_serialised),
        cmocka_unit_test(test_pairgate_session_release_clear),
        cmocka_unit_test(test_pairgate_session_release_refused),
    };
    return cmocka_run_group_tests(tests, setup_key, teardown_key);
}

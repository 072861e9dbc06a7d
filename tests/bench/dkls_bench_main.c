/*
 * dkls_bench_main.c — dkls-bench: CPU cost of the DKLs23 primitives (not a test).
 *
 * Prints the mean CPU time per operation (CLOCK_PROCESS_CPUTIME_ID, one thread):
 * backend unit costs (BASE, MUL_CT, MUL_PUB, H2C, CT-add, inversion, scalar
 * multiply, H2S), one base-OT setup per side (128 OTs), one KOS extension per
 * side, one RVOLE multiplication per side, signing with dealt keys, and the
 * session protocols (session/proto_ecdsa.h) through the simulator: keygen CPU
 * per party at 3 parties (with real base-OT setups) and signing CPU and bytes
 * sent per signer at 2-of-3 and 3-of-5, and presignatures (presign rounds, then the
 * one-round online step) next to signing. Usage: dkls-bench [iterations]
 * (default 20 for the protocol steps). Run it from a release build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/secmem.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/sim_dkls_sign.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_baseot.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_ote.h"
#include "tss/dkls_presig.h"
#include "tss/dkls_rvole.h"
#include "tss/secp256k1.h"
#include "tss/secp_h2c.h"

static double
cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
report(const char *name, double secs, int n)
{
    printf("%-44s %10.2f us\n", name, secs / n * 1e6);
}

#define BENCH(name, n, body)                                                                       \
    do {                                                                                           \
        double t0_ = cpu_now();                                                                    \
        for (int it_ = 0; it_ < (n); it_++) {                                                      \
            body;                                                                                  \
        }                                                                                          \
        report(name, cpu_now() - t0_, (n));                                                        \
    } while (0)

static int failures; /* operations that returned an error */

static void
must(mpc_status st)
{
    if (st != MPC_OK) {
        failures++;
    }
}

static void
bench_units(const tss_secp_ctx *ctx)
{
    uint8_t k[32], pt[33];
    secp256k1_pubkey p, out;
    struct tss_secp_ge ge, ge2, r;
    struct tss_secp_num a, b;
    must(tss_secp_scalar_random(k, 1));
    must(tss_secp_point_base(ctx, &p, &ge, k));
    must(tss_secp_point_encode(ctx, pt, &p));
    must(tss_secp_scalar_random(k, 1));
    must(tss_secp_point_base(ctx, NULL, &ge2, k));
    tss_secp_num_from_bytes(&a, k);
    b = a;
    const int n = 2000;
    BENCH("BASE (pubkey_create)", n, must(tss_secp_point_base(ctx, &out, NULL, k)));
    BENCH("MUL_CT (ecdh, raw x||y)", n, must(tss_secp_point_mul_ct(ctx, &r, &p, k)));
    BENCH("MUL_PUB (tweak_mul)", n, must(tss_secp_point_mul_pub(ctx, &out, &p, k)));
    BENCH("CT-add (affine, mpn_sec)", n, must(tss_secp_ge_add_ct(&r, &ge, &ge2)));
    BENCH("field inversion (mpn_sec_powm)", n, tss_secp_mod_inv(&a, &a, &tss_secp_mod_p));
    BENCH("scalar multiply mod q (mpn_sec)", 100 * n, tss_secp_scalar_mul(&a, &a, &b));
    BENCH("H2C secp256k1 (CT)", n,
          must(tss_secp_h2c(&r, pt, sizeof(pt), (const uint8_t *)"bench", 5)));
    struct tss_dkls_part part = {pt, sizeof(pt)};
    BENCH("H2S (frame, SHA-512, reduce)", 100 * n, tss_dkls_h2s(&a, "ote/out", &part, 1));
    BENCH("point decode (33 bytes)", n, must(tss_secp_point_decode(ctx, &out, pt, 33)));
}

static void
bench_baseot(const tss_secp_ctx *ctx, int n, struct tss_dkls_ot_alice_setup *as,
             struct tss_dkls_ot_bob_setup *bs)
{
    static uint8_t pairs[TSS_DKLS_BASEOT_PAIRS_BYTES];
    uint8_t sid[32] = {1}, s_pt[33], tr[32];
    tss_dkls_baseot_sender *snd[64];
    tss_dkls_baseot_receiver *rcv[64];
    if (n > 64) {
        n = 64;
    }
    BENCH("base OT A: receiver_create (128 OTs)", n,
          must(tss_dkls_baseot_receiver_create(ctx, &rcv[it_], sid, pairs)));
    BENCH("base OT B: sender_create", n, must(tss_dkls_baseot_sender_create(ctx, &snd[it_], s_pt)));
    BENCH("base OT B: sender_finish (128 OTs)", n,
          must(tss_dkls_baseot_sender_finish(ctx, snd[it_], sid, pairs, sizeof(pairs), bs->keys0,
                                             bs->keys1, tr)));
    BENCH("base OT A: receiver_finish (128 OTs)", n,
          must(tss_dkls_baseot_receiver_finish(ctx, rcv[it_], sid, s_pt, 33, as->delta, as->keys,
                                               tr)));
    for (int i = 0; i < n; i++) {
        tss_dkls_baseot_sender_destroy(snd[i]);
        tss_dkls_baseot_receiver_destroy(rcv[i]);
    }
    /* The last pair of runs is not matched (different S); make the setups consistent. */
    for (size_t i = 0; i < TSS_DKLS_KAPPA; i++) {
        int d = (as->delta[i >> 3] >> (i & 7)) & 1;
        memcpy(as->keys[i], d ? bs->keys1[i] : bs->keys0[i], 32);
    }
}

static void
bench_ote_rvole(int n, const struct tss_dkls_ot_alice_setup *as,
                const struct tss_dkls_ot_bob_setup *bs)
{
    static uint8_t msg1[TSS_DKLS_OTE_MSG_BYTES], msg2[TSS_DKLS_RVOLE_MSG2_BYTES];
    static uint8_t rows[TSS_DKLS_XI][16];
    uint8_t sid[32] = {2}, mul_sid[32] = {3}, xb[80], a[2][32], b[32], c[2][32], d[2][32];
    must(mpc_random_bytes(xb, sizeof(xb)));
    BENCH("KOS Bob: receiver_round1 (640 rows)", n,
          (sid[0] = (uint8_t)it_,
           must(tss_dkls_ote_receiver_round1(bs, sid, xb, msg1, rows, TSS_DKLS_XI))));
    BENCH("KOS Alice: sender_round2 + check", n,
          must(tss_dkls_ote_sender_round2(as, sid, msg1, sizeof(msg1), rows, TSS_DKLS_XI)));
    must(tss_secp_scalar_random(a[0], 1));
    must(tss_secp_scalar_random(a[1], 1));
    tss_dkls_rvole_bob *bob[64];
    if (n > 64) {
        n = 64;
    }
    double t0 = cpu_now(), tb1 = 0, ta = 0, tb3 = 0;
    for (int i = 0; i < n; i++) {
        sid[1] = (uint8_t)i;
        double t = cpu_now();
        must(tss_dkls_rvole_bob_create(bs, sid, &bob[i], b, msg1));
        tb1 += cpu_now() - t;
        t = cpu_now();
        must(tss_dkls_rvole_alice_respond(as, sid, mul_sid, a, msg1, sizeof(msg1), c, msg2));
        ta += cpu_now() - t;
        t = cpu_now();
        must(tss_dkls_rvole_bob_finish(bob[i], mul_sid, msg2, sizeof(msg2), d));
        tb3 += cpu_now() - t;
        tss_dkls_rvole_bob_destroy(bob[i]);
    }
    (void)t0;
    report("RVOLE Bob round 1 (incl. KOS receiver)", tb1, n);
    report("RVOLE Alice round 2 (incl. KOS sender)", ta, n);
    report("RVOLE Bob round 3", tb3, n);
    report("RVOLE total, one multiplication (2 inputs)", tb1 + ta + tb3, n);
}

/* Whole signing sessions in the simulator: CPU per signer and bytes sent per signer. */
static void
bench_sign(const tss_secp_ctx *ctx, int n, uint32_t t, uint32_t committee, const uint32_t *ids,
           size_t n_s)
{
    struct sim_key k;
    struct sim_result r;
    uint8_t msg[32] = {7};
    if (sim_key_deal(&k, ctx, t, committee) != 0) {
        failures++;
        return;
    }
    double t0 = cpu_now();
    for (int i = 0; i < n; i++) {
        msg[1] = (uint8_t)i;
        if (sim_sign_run(&k, ids, n_s, msg, NULL, NULL, 0, 0, &r) != 0 || r.status[0] != MPC_OK) {
            failures++;
        }
    }
    double per_signer = (cpu_now() - t0) / n / (double)n_s;
    size_t bytes = TSS_DKLS_SIGN_R1_BCAST_BYTES + TSS_DKLS_SIGN_R3_BCAST_BYTES +
                   (n_s - 1) * (TSS_DKLS_SIGN_R1_DIRECT_BYTES + TSS_DKLS_SIGN_R2_DIRECT_BYTES);
    printf("sign %u-of-%u (|S| = %zu): CPU per signer %8.2f us, sent per signer %zu bytes\n", t,
           committee, n_s, per_signer * 1e6, bytes);
    sim_key_free(&k);
}

/*
 * Presignatures (spec §6.7) next to signing: CPU per signer of the presign
 * rounds and of the online step (create + finish, which verifies and recovers
 * with libsecp256k1), and the online bytes sent per signer.
 */
static void
bench_presign(const tss_secp_ctx *ctx, int n, uint32_t t, uint32_t committee, const uint32_t *ids,
              size_t n_s)
{
    struct sim_key k;
    struct sim_result r;
    struct tss_dkls_presig *ps = mpc_secure_alloc(SIM_MAX_N * sizeof(*ps));
    uint8_t msg[32] = {8};
    if (ps == NULL || sim_key_deal(&k, ctx, t, committee) != 0) {
        failures++;
        mpc_secure_free(ps);
        return;
    }
    double pre = 0, on = 0;
    for (int i = 0; i < n; i++) {
        msg[1] = (uint8_t)i;
        double t0 = cpu_now();
        if (sim_presign_run(&k, ids, n_s, NULL, NULL, 0, 0, ps, &r) != 0 || r.status[0] != MPC_OK) {
            failures++;
        }
        double t1 = cpu_now();
        if (sim_online_run(&k, ps, n_s, msg, NULL, NULL, NULL, &r) != 0) {
            failures++;
        }
        on += cpu_now() - t1;
        pre += t1 - t0;
        for (size_t j = 0; j < n_s; j++) {
            failures += r.status[j] != MPC_OK;
        }
    }
    printf("presign %u-of-%u (|S| = %zu): CPU per signer %8.2f us; online %8.2f us, "
           "sent per signer %d bytes\n",
           t, committee, n_s, pre / n / (double)n_s * 1e6, on / n / (double)n_s * 1e6,
           TSS_DKLS_ONLINE_BCAST_BYTES);
    sim_key_free(&k);
    mpc_secure_free(ps);
}

/* Mean over parties of the CPU time a session cost each party (create .. result). */
static double
sim_cpu_per_party(const tss_sim_result *res)
{
    double total = 0;
    for (uint32_t i = 0; i < res->n; i++) {
        for (int r = 0; r < TSS_SIM_ROUNDS; r++) {
            total += (double)res->parties[i].cpu_ns[r] * 1e-9;
        }
    }
    return total / res->n;
}

/* Session-level keygen (t-of-n) and signing through the simulator. */
static void
bench_sessions(int n)
{
    uint32_t nodes[5] = {0, 1, 2, 3, 4};
    dkls_fx_key k3, k5;
    tss_sim_result res;
    double cpu = 0;
    int kn = n < 10 ? n : 10;
    for (int i = 0; i < kn; i++) {
        if (dkls_fx_keygen(&k3, nodes, 3, 2, 100 + (uint64_t)i, NULL, NULL, &res) != MPC_OK) {
            failures++;
        }
        cpu += sim_cpu_per_party(&res);
        if (i == 0) {
            printf("keygen 2-of-3 session: delivered %llu bytes per party\n",
                   (unsigned long long)(res.bytes / 3));
        }
        tss_sim_result_free(&res);
        if (i + 1 < kn) {
            dkls_fx_key_free(&k3);
        }
    }
    printf("keygen 2-of-3 session: CPU per party %10.2f ms\n", cpu / kn * 1e3);
    if (dkls_fx_keygen(&k5, nodes, 5, 3, 200, NULL, NULL, &res) != MPC_OK) {
        failures++;
    }
    printf("keygen 3-of-5 session: CPU per party %10.2f ms\n", sim_cpu_per_party(&res) * 1e3);
    tss_sim_result_free(&res);
    const uint32_t s23[] = {0, 2}, s35[] = {1, 3, 4};
    const struct {
        dkls_fx_key *key;
        const uint32_t *s;
        uint32_t ns;
        const char *name;
    } cases[2] = {{&k3, s23, 2, "2-of-3"}, {&k5, s35, 3, "3-of-5"}};
    for (int c = 0; c < 2; c++) {
        uint8_t msg[32] = {9}, out[130];
        double sc = 0;
        unsigned long long bytes = 0;
        for (int i = 0; i < n; i++) {
            msg[1] = (uint8_t)i;
            if (dkls_fx_sign(cases[c].key, cases[c].s, cases[c].ns, msg, 300 + (uint64_t)i, NULL,
                             NULL, &res, out) != MPC_OK) {
                failures++;
            }
            sc += sim_cpu_per_party(&res);
            bytes = res.bytes;
            tss_sim_result_free(&res);
        }
        /* every message of a signing session is addressed to one peer or, as a
           broadcast, delivered to each peer: delivered bytes / |S| = sent per signer */
        printf("sign %s session: CPU per signer %8.2f us, sent per signer %llu bytes "
               "(incl. 2-byte headers)\n",
               cases[c].name, sc / n * 1e6, bytes / cases[c].ns);
    }
    dkls_fx_key_free(&k3);
    dkls_fx_key_free(&k5);
}

int
main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20;
    if (n <= 0) {
        n = 20;
    }
    tss_secp_ctx *ctx = NULL;
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&ctx) != MPC_OK) {
        fprintf(stderr, "dkls-bench: backend self-test failed\n");
        return 1;
    }
    struct tss_dkls_ot_alice_setup *as = mpc_secure_alloc(sizeof(*as));
    struct tss_dkls_ot_bob_setup *bs = mpc_secure_alloc(sizeof(*bs));
    if (as == NULL || bs == NULL) {
        return 1;
    }
    printf("dkls-bench: mean CPU time per operation, %d iterations per protocol step\n", n);
    bench_units(ctx);
    bench_baseot(ctx, n, as, bs);
    bench_ote_rvole(n, as, bs);
    (void)test_rng_init("dkls-bench");
    const uint32_t s23[] = {1, 3}, s35[] = {2, 4, 5};
    bench_sign(ctx, n, 2, 3, s23, 2);
    bench_sign(ctx, n, 3, 5, s35, 3);
    bench_presign(ctx, n, 2, 3, s23, 2);
    bench_presign(ctx, n, 3, 5, s35, 3);
    bench_sessions(n);
    mpc_secure_free(as);
    mpc_secure_free(bs);
    tss_secp_ctx_destroy(ctx);
    if (failures != 0) {
        fprintf(stderr, "dkls-bench: %d operations failed\n", failures);
        return 1;
    }
    return 0;
}

/*
 * tss_bench_main.c — tss-bench: CPU time per party per round of the EdDSA
 * protocols (DKG, FROST signing, reshare) at 2-of-3, 3-of-5 and 7-of-10.
 *
 *   tss-bench [ITERATIONS]     (default 20)
 *
 * Every protocol runs for real through the in-process simulator; only the
 * time spent inside create/start/handle of each party is counted (thread
 * CPU time), so message routing is excluded. Column r0 is create + start
 * (emitting round 1), column rK the handling of round-K messages (which
 * includes emitting round K+1). Figures are averages over parties and
 * iterations, in microseconds. Signing uses t signers; reshare keeps the
 * committee and threshold, with every member dealing. Use a release build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/tss_fixture.h"

/* CPU totals of one protocol at one size. */
typedef struct {
    double us[4];  /* per party per round, summed over iterations */
    double total;  /* per party, all rounds */
    unsigned runs; /* party-runs accumulated */
} bench_acc;

static void
bench_add(bench_acc *a, const tss_sim_result *res)
{
    for (uint32_t i = 0; i < res->n; i++) {
        for (int r = 0; r < 4; r++) {
            double us = (double)res->parties[i].cpu_ns[r] / 1000.0;
            a->us[r] += us;
            a->total += us;
        }
        a->runs++;
    }
}

static void
bench_print(const char *what, uint32_t t, uint32_t n, const bench_acc *a, int rounds)
{
    printf("%-8s %2u-of-%-2u", what, t, n);
    for (int r = 0; r < 4; r++) {
        if (r <= rounds) {
            printf(" %9.1f", a->us[r] / a->runs);
        } else {
            printf(" %9s", "-");
        }
    }
    printf(" %10.1f\n", a->total / a->runs);
}

static int
bench_size(uint32_t t, uint32_t n, unsigned iters, uint64_t *seed)
{
    uint32_t nodes[TSS_FX_MAX_NODES], signers[TSS_FX_MAX_NODES];
    bench_acc dkg = {0}, sign = {0}, rs = {0};
    const uint8_t msg[] = "benchmark message";
    for (uint32_t i = 0; i < n; i++) {
        nodes[i] = i;
        signers[i] = n - 1 - i;
    }
    for (unsigned it = 0; it < iters; it++) {
        tss_fx_key key, next;
        tss_sim_result res;
        uint8_t sig[64];
        if (tss_fx_dkg(&key, nodes, n, t, (*seed)++, NULL, NULL, &res) != MPC_OK) {
            return 0;
        }
        bench_add(&dkg, &res);
        tss_sim_result_free(&res);
        for (int k = 0; k < 4; k++) {
            if (tss_fx_sign(&key, signers, t, msg, sizeof msg, (*seed)++, NULL, NULL, &res, sig) !=
                    MPC_OK ||
                !tss_fx_verify(sig, msg, sizeof msg, key.group_key)) {
                return 0;
            }
            bench_add(&sign, &res);
            tss_sim_result_free(&res);
        }
        if (tss_fx_reshare(&key, nodes, n, nodes, n, t, (*seed)++, NULL, NULL, &res, &next) !=
            MPC_OK) {
            return 0;
        }
        bench_add(&rs, &res);
        tss_sim_result_free(&res);
        tss_fx_key_free(&key);
        tss_fx_key_free(&next);
    }
    bench_print("keygen", t, n, &dkg, 3);
    bench_print("sign", t, n, &sign, 2);
    bench_print("reshare", t, n, &rs, 3);
    return 1;
}

int
main(int argc, char **argv)
{
    unsigned iters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20;
    uint64_t seed = 12345;
    if (iters == 0) {
        iters = 1;
    }
    printf("CPU microseconds per party per round (avg of %u runs; sign: 4 per run)\n", iters);
    printf("%-8s %-8s %9s %9s %9s %9s %10s\n", "protocol", "size", "r0/start", "round1", "round2",
           "round3", "total");
    static const uint32_t sizes[3][2] = {{2, 3}, {3, 5}, {7, 10}};
    for (int i = 0; i < 3; i++) {
        if (!bench_size(sizes[i][0], sizes[i][1], iters, &seed)) {
            fprintf(stderr, "tss-bench: protocol run failed at %u-of-%u\n", sizes[i][0],
                    sizes[i][1]);
            return 1;
        }
    }
    return 0;
}

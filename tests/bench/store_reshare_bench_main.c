/*
 * store_reshare_bench_main.c — the key store's share of a keygen and a
 * reshare (issue 12): with R request-log entries already in the store,
 *   - keygen: node_store_keys_create (share + keyinfo, one durable txn),
 *   - reshare: node_store_keys_add_pending then node_store_keys_activate
 *     (the new version committed, then activated with the old one retired
 *     and its share erased), as a reshare's commit and resolve do.
 * Prints the p50 and p90 of each in microseconds. Only the store API that the
 * pre-record-key tree has too, so the same file builds against both trees.
 * Usage: store-reshare-bench [DIR] [R] [N]  (R entries default 20000, N ops default 50)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "node/store/keys.h"
#include "node/store/store.h"

#define PASS "bench passphrase"
#define ED   NODE_STORE_KEY_ED25519

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
report(const char *what, uint64_t *ns, int n)
{
    qsort(ns, (size_t)n, sizeof *ns, cmp_u64);
    printf("%s_p50_us %.0f %s_p90_us %.0f\n", what, (double)ns[n / 2] / 1e3, what,
           (double)ns[(n * 9) / 10] / 1e3);
}

/* R request-log entries of ~300 bytes, in groups of 500. */
static int
fill(node_store *s, int r)
{
    static uint8_t result[300];
    memset(result, 0x5a, sizeof result);
    struct node_store_req_entry e[500];
    char ids[500][40];
    mpc_status each[500];
    for (int done = 0; done < r;) {
        int k = r - done < 500 ? r - done : 500;
        for (int i = 0; i < k; i++) {
            snprintf(ids[i], sizeof ids[i], "fill-%08d", done + i);
            e[i] = (struct node_store_req_entry){ids[i], MPC_OK, result, sizeof result};
        }
        if (node_store_req_put_many(s, e, (size_t)k, each) != MPC_OK) {
            return 1;
        }
        done += k;
    }
    return 0;
}

static int
bench(node_store *s, int n)
{
    const char *abc[] = {"node-1", "node-2", "node-3"};
    const struct node_store_committee c = {.threshold = 2, .ids = abc, .n = 3};
    uint8_t pk[32], share[700];
    memset(pk, 0x42, sizeof pk);
    memset(share, 7, sizeof share);
    uint64_t *kg = calloc((size_t)n, sizeof *kg), *rs = calloc((size_t)n, sizeof *rs);
    int rc = kg == NULL || rs == NULL;
    for (int i = 0; i < n && rc == 0; i++) {
        char wallet[32];
        snprintf(wallet, sizeof wallet, "w%d", i);
        uint64_t t0 = mpc_clock_mono_ns();
        rc = node_store_keys_create(s, ED, wallet, pk, sizeof pk, 1, &c, share, sizeof share) !=
             MPC_OK;
        kg[i] = mpc_clock_mono_ns() - t0;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        char wallet[32];
        snprintf(wallet, sizeof wallet, "w%d", i);
        uint32_t v = 0;
        uint64_t t0 = mpc_clock_mono_ns();
        rc = node_store_keys_add_pending(s, ED, wallet, 1, &c, share, sizeof share, &v) != MPC_OK ||
             node_store_keys_activate(s, ED, wallet, v) != MPC_OK;
        rs[i] = mpc_clock_mono_ns() - t0;
    }
    if (rc == 0) {
        report("keygen", kg, n);
        report("reshare", rs, n);
    }
    free(kg);
    free(rs);
    return rc;
}

int
main(int argc, char **argv)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const char *dir = argc > 1 ? argv[1] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int r = argc > 2 ? atoi(argv[2]) : 20000, n = argc > 3 ? atoi(argv[3]) : 50;
    if (r < 0 || r > 10000000 || n <= 0 || n > 100000) {
        fprintf(stderr, "usage: store-reshare-bench [DIR] [R] [N]\n");
        return 2;
    }
    char path[512], aux[600];
    snprintf(path, sizeof path, "%s/store-reshare-bench-%d.mdb", dir, (int)getpid());
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 1ull << 30, .flags = NODE_STORE_CREATE};
    node_store *s = NULL;
    char err[256];
    if (node_store_open(path, PASS, strlen(PASS), &o, &s, err, sizeof err) != MPC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int rc = fill(s, r);
    if (rc == 0) {
        printf("request_log_entries %d ops %d\n", r, n);
        rc = bench(s, n);
    }
    node_store_close(s);
    const char *suffix[] = {"", "-lock", "-keyring"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(aux, sizeof aux, "%s%s", path, suffix[i]);
        (void)unlink(aux);
    }
    return rc;
}

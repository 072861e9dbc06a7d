/*
 * node_store_bench_main.c — figures for the node key store and its KDF:
 *   - Argon2id at NODE_STORE_KDF_MODERATE (the cost paid once at node start, for the
 *     identity and again for the store),
 *   - durable key creation (share + keyinfo, one synchronous LMDB txn),
 *   - request-log put, sealed get.
 * Usage: node-store-bench [DIR] [N]   (DIR default $TMPDIR or /tmp, N default 500)
 * Prints one line per figure; exits non-zero on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "node/store/keys.h"
#include "node/store/store.h"

#define PASS "bench passphrase"

static int
bench(const char *dir, int n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/node-store-bench-%d.mdb", dir, (int)getpid());
    uint8_t key[32], salt[16] = {1};
    uint64_t t0 = mpc_clock_mono_ns();
    if (node_store_kdf_derive(key, sizeof(key), PASS, strlen(PASS), salt,
                              &NODE_STORE_KDF_MODERATE) != MPC_OK) {
        return 1;
    }
    printf("argon2id_moderate_ms %.1f\n", (double)(mpc_clock_mono_ns() - t0) / 1e6);
    mpc_wipe(key, sizeof(key));

    struct node_store_options o = {.kdf = NODE_STORE_KDF_TEST_MIN, .flags = NODE_STORE_CREATE};
    node_store *s = NULL;
    char err[256];
    if (node_store_open(path, PASS, strlen(PASS), &o, &s, err, sizeof(err)) != MPC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const char *ids[] = {"node-1", "node-2", "node-3"};
    const struct node_store_committee c = {.threshold = 2, .ids = ids, .n = 3};
    uint8_t pk[32];
    memset(pk, 0x42, sizeof pk);
    uint8_t share[64] = {7};
    int rc = 0;
    t0 = mpc_clock_mono_ns();
    for (int i = 0; i < n && rc == 0; i++) {
        char wallet[32];
        snprintf(wallet, sizeof(wallet), "w%d", i);
        rc = node_store_keys_create(s, NODE_STORE_KEY_ED25519, wallet, pk, sizeof pk, 1, &c, share,
                                    sizeof(share)) != MPC_OK;
    }
    double commit_us = (double)(mpc_clock_mono_ns() - t0) / 1e3 / n;
    t0 = mpc_clock_mono_ns();
    for (int i = 0; i < n && rc == 0; i++) {
        char req[32];
        snprintf(req, sizeof(req), "r%d", i);
        rc = node_store_req_put(s, req, MPC_OK, share, sizeof(share)) != MPC_OK;
    }
    double req_us = (double)(mpc_clock_mono_ns() - t0) / 1e3 / n;
    t0 = mpc_clock_mono_ns();
    for (int i = 0; i < n && rc == 0; i++) {
        char name[64];
        snprintf(name, sizeof(name), "share/ed25519/w%d/v1", i);
        uint8_t *out = NULL;
        size_t len = 0;
        rc = node_store_get(s, name, &out, &len) != MPC_OK;
        mpc_secure_free(out);
    }
    double get_us = (double)(mpc_clock_mono_ns() - t0) / 1e3 / n;
    node_store_close(s);
    unlink(path);
    char lock[600];
    snprintf(lock, sizeof(lock), "%s-lock", path);
    unlink(lock);
    if (rc != 0) {
        return 1;
    }
    printf("commit_share_us %.1f\nreq_put_us %.1f\nsealed_get_us %.1f\nn %d dir %s\n", commit_us,
           req_us, get_us, n, dir);
    return 0;
}

int
main(int argc, char **argv)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const char *dir = argc > 1 ? argv[1] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int n = argc > 2 ? atoi(argv[2]) : 500;
    if (n <= 0 || n > 1000000) {
        fprintf(stderr, "usage: node-store-bench [DIR] [N]\n");
        return 2;
    }
    return bench(dir, n);
}

/*
 * dkls_sample_main.c — dkls-sample: produces one DKLs23 ECDSA signature on
 * secp256k1 with the real protocols (keygen with base-OT setups, optional
 * reshare, signing) run in-process through the simulator, for checking with
 * independent verifiers (tests/integration/test_openssl_ecdsa.sh uses openssl).
 *
 *   dkls-sample MSGFILE T N [NEW_T NEW_N]     (2 <= T <= N <= 8)
 *
 * The signed digest is SHA-256 of the file (what `openssl dgst -sha256` checks).
 * Prints "pk <hex>" (33-byte compressed Y), "digest <hex>", "r <hex>", "s <hex>"
 * (low-S), "recid <n>" and "sig65 <hex>" (r || s || v); exits 0 on success.
 * With a reshare, the T-of-N key signs first too: the same lines prefixed
 * "before-" (one keygen serves both checks: test_openssl_ecdsa.sh).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tests/support/dkls_fixture.h"
#include "tss/group.h"

static int
read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    *len = fread(buf, 1, cap, f);
    int ok = !ferror(f) && feof(f);
    fclose(f);
    return ok;
}

static int
parse_small(const char *s, uint32_t *v)
{
    char *end = NULL;
    unsigned long x = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || x < 2 || x > 8) {
        return 0;
    }
    *v = (uint32_t)x;
    return 1;
}

static void
print_hex(const char *prefix, const char *label, const uint8_t *b, size_t n)
{
    char hex[MPC_HEX_SIZE(65)];
    if (mpc_hex_encode(hex, sizeof hex, b, n) == MPC_OK) {
        printf("%s%s %s\n", prefix, label, hex);
    }
}

/* Signs digest with the t signers n-1, n-2, ... of key; prints the lines with prefix. */
static mpc_status
sign_print(const char *prefix, const dkls_fx_key *key, uint32_t t, uint32_t n,
           const uint8_t digest[32], uint64_t seed)
{
    uint32_t signers[TSS_FX_MAX_NODES];
    uint8_t out[130];
    tss_sim_result res;
    for (uint32_t i = 0; i < t; i++) {
        signers[i] = n - 1 - i;
    }
    mpc_status st = dkls_fx_sign(key, signers, t, digest, seed, NULL, NULL, &res, out);
    tss_sim_result_free(&res);
    if (st != MPC_OK) {
        return st;
    }
    print_hex(prefix, "pk", key->y, 33);
    print_hex(prefix, "digest", digest, 32);
    print_hex(prefix, "r", out, 32);
    print_hex(prefix, "s", out + 32, 32);
    printf("%srecid %u\n", prefix, out[64]);
    print_hex(prefix, "sig65", out + 65, 65);
    return MPC_OK;
}

int
main(int argc, char **argv)
{
    uint32_t t = 0, n = 0, nt = 0, nn = 0;
    static uint8_t msg[1 << 16];
    size_t msg_len = 0;
    if ((argc != 4 && argc != 6) || !parse_small(argv[2], &t) || !parse_small(argv[3], &n) ||
        t > n || !read_file(argv[1], msg, sizeof msg, &msg_len) ||
        (argc == 6 && (!parse_small(argv[4], &nt) || !parse_small(argv[5], &nn) || nt > nn ||
                       n - 1 + nn > TSS_FX_MAX_NODES))) {
        fprintf(stderr, "usage: dkls-sample MSGFILE T N [NEW_T NEW_N]  (2 <= T <= N <= 8)\n");
        return 2;
    }
    if (tss_group_selftest() != MPC_OK) {
        fprintf(stderr, "dkls-sample: self-test failed\n");
        return 1;
    }
    uint8_t digest[32];
    crypto_hash_sha256(digest, msg, msg_len);
    uint32_t nodes[TSS_FX_MAX_NODES];
    for (uint32_t i = 0; i < TSS_FX_MAX_NODES; i++) {
        nodes[i] = i;
    }
    dkls_fx_key key, next;
    tss_sim_result res;
    uint64_t seed = 0x5eed;
    mpc_status st = dkls_fx_keygen(&key, nodes, n, t, seed++, NULL, NULL, &res);
    tss_sim_result_free(&res);
    if (st == MPC_OK && argc == 6) {
        st = sign_print("before-", &key, t, n, digest, seed++);
    }
    if (st == MPC_OK && argc == 6) {
        /* the new committee is nodes n-1 .. n-1+nn-1 (one member overlaps) */
        st =
            dkls_fx_reshare(&key, nodes, t, nodes + n - 1, nn, nt, seed++, NULL, NULL, &res, &next);
        tss_sim_result_free(&res);
        dkls_fx_key_free(&key);
        key = next;
        t = nt;
        n = n - 1 + nn; /* signers: the last nt nodes of the new committee */
    }
    if (st == MPC_OK) {
        st = sign_print("", &key, t, n, digest, seed++);
    }
    if (st != MPC_OK) {
        fprintf(stderr, "dkls-sample: %s\n", mpc_status_name(st));
        dkls_fx_key_free(&key);
        return 1;
    }
    dkls_fx_key_free(&key);
    return 0;
}

/*
 * frost_sample_main.c — frost-sample: produces one FROST(Ed25519) signature
 * with the real protocols (DKG, optional reshare, signing) run in-process
 * through the simulator, for checking with independent verifiers
 * (tests/integration/test_openssl_eddsa.sh uses openssl).
 *
 *   frost-sample MSGFILE T N [NEW_T NEW_N]
 *
 * Prints "pk <hex>" and "sig <hex>" (64 bytes R || z); exits 0 on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tests/support/tss_fixture.h"

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
    if (*s == '\0' || *end != '\0' || x == 0 || x > 10) {
        return 0;
    }
    *v = (uint32_t)x;
    return 1;
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
        fprintf(stderr, "usage: frost-sample MSGFILE T N [NEW_T NEW_N]  (1 <= T <= N <= 10)\n");
        return 2;
    }
    uint32_t nodes[TSS_FX_MAX_NODES], signers[TSS_FX_MAX_NODES];
    for (uint32_t i = 0; i < TSS_FX_MAX_NODES; i++) {
        nodes[i] = i;
    }
    tss_fx_key key, next;
    tss_sim_result res;
    uint8_t sig[64];
    uint64_t seed = 0x5eed;
    mpc_status st = tss_fx_dkg(&key, nodes, n, t, seed++, NULL, NULL, &res);
    tss_sim_result_free(&res);
    if (st == MPC_OK && argc == 6) {
        /* the new committee is nodes n-1 .. n-1+nn-1 (one member overlaps) */
        st = tss_fx_reshare(&key, nodes, t, nodes + n - 1, nn, nt, seed++, NULL, NULL, &res, &next);
        tss_sim_result_free(&res);
        tss_fx_key_free(&key);
        key = next;
        for (uint32_t i = 0; i < nt; i++) {
            signers[i] = n - 1 + nn - 1 - i;
        }
        t = nt;
    } else {
        for (uint32_t i = 0; i < t; i++) {
            signers[i] = n - 1 - i;
        }
    }
    if (st == MPC_OK) {
        st = tss_fx_sign(&key, signers, t, msg, msg_len, seed++, NULL, NULL, &res, sig);
        tss_sim_result_free(&res);
    }
    if (st != MPC_OK) {
        fprintf(stderr, "frost-sample: %s\n", mpc_status_name(st));
        tss_fx_key_free(&key);
        return 1;
    }
    char hex[MPC_HEX_SIZE(64)];
    if (mpc_hex_encode(hex, sizeof hex, key.group_key, 32) == MPC_OK) {
        printf("pk %s\n", hex);
    }
    if (mpc_hex_encode(hex, sizeof hex, sig, 64) == MPC_OK) {
        printf("sig %s\n", hex);
    }
    tss_fx_key_free(&key);
    return 0;
}

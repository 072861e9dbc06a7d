/*
 * hd_vectors_main.c — hd-vectors: the C side of the comparison with the
 * independent Python reference (tests/vectors/hd_ref.py), same interface:
 *
 *   hd-vectors derive ed25519|secp256k1 PUBHEX CHAINHEX PATH
 *
 * Prints "KEYHEX CHAINHEX TWEAKHEX" (tss_hd_derive: child key, child chain
 * code, summed tweak) and exits 0, or prints "refused STATUS" and exits 3.
 */
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "tss/group.h"
#include "tss/hd.h"

static void
print_hex(const uint8_t *p, size_t n, const char *sep)
{
    for (size_t k = 0; k < n; k++) {
        printf("%02x", p[k]);
    }
    fputs(sep, stdout);
}

int
main(int argc, char **argv)
{
    if (argc != 6 || strcmp(argv[1], "derive") != 0) {
        fprintf(stderr, "usage: hd-vectors derive ed25519|secp256k1 PUBHEX CHAINHEX PATH\n");
        return 2;
    }
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    tss_curve_id curve = strcmp(argv[2], "ed25519") == 0 ? TSS_CURVE_ED25519 : TSS_CURVE_SECP256K1;
    const tss_group *g = tss_group_by_id((uint32_t)curve);
    uint8_t pub[TSS_POINT_MAX_BYTES], chain[TSS_HD_CHAIN_BYTES], tweak[TSS_SCALAR_BYTES];
    tss_hd_xkey root, child;
    tss_hd_path path;
    mpc_status st = mpc_hex_decode_exact(pub, g->point_len, argv[3]);
    if (st == MPC_OK) {
        st = mpc_hex_decode_exact(chain, sizeof(chain), argv[4]);
    }
    if (st == MPC_OK) {
        st = tss_hd_root(&root, curve, pub, g->point_len, chain);
    }
    if (st == MPC_OK) {
        st = tss_hd_path_parse(&path, argv[5]);
    }
    if (st == MPC_OK) {
        st = tss_hd_derive(&child, tweak, &root, &path);
    }
    if (st != MPC_OK) {
        printf("refused %s\n", mpc_status_name(st));
        return 3;
    }
    print_hex(child.key, g->point_len, " ");
    print_hex(child.chain, TSS_HD_CHAIN_BYTES, " ");
    print_hex(tweak, TSS_SCALAR_BYTES, "\n");
    return 0;
}

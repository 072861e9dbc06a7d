/*
 * fuzz_tss_keyshare.c — libFuzzer harness: key-share record decoding must
 * never crash or leak on any input, and whatever decodes re-encodes to the
 * same bytes (the encoding is canonical).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tests/fuzz/support/fuzz_support.h"
#include "tests/support/tss_fixture.h"
#include "tss/keyshare.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seeds (make fuzz-seeds): the records of a real 2-of-3 DKG and a public-only record. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const uint32_t nodes[3] = {0, 1, 2};
    (void)argc;
    (void)argv;
    fuzz_rng_install();
    const char *dir = fuzz_seed_dir();
    if (dir == NULL) {
        return 0;
    }
    tss_fx_key key;
    tss_sim_result res = {0};
    tss_keyshare *ks = NULL;
    uint8_t *pub = NULL;
    size_t pub_len = 0;
    if (tss_fx_dkg(&key, nodes, 3, 2, 1, NULL, NULL, &res) != MPC_OK ||
        tss_keyshare_decode(&ks, key.rec[0], key.len[0]) != MPC_OK ||
        tss_keyshare_encode(ks, 1, &pub, &pub_len) != MPC_OK) {
        abort();
    }
    for (uint32_t i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "party%u", i);
        fuzz_seed_write(dir, name, key.rec[i], key.len[i]);
    }
    fuzz_seed_write(dir, "public", pub, pub_len);
    exit(0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tss_keyshare *ks = NULL;
    if (tss_group_selftest() != MPC_OK) {
        abort();
    }
    if (tss_keyshare_decode(&ks, data, size) == MPC_OK) {
        uint8_t *out = NULL;
        size_t len = 0;
        if (tss_keyshare_encode(ks, 0, &out, &len) != MPC_OK || len != size ||
            memcmp(out, data, size) != 0) {
            abort();
        }
        mpc_secure_free(out);
    }
    tss_keyshare_destroy(ks);
    return 0;
}

/*
 * fuzz_dkls_keyrec.c — libFuzzer harness: tss_dkls_keyrec_decode, the DKLs23
 * key record (stored share; its public-only form also arrives from peers in
 * key claims and reshare inputs) and tss_dkls_keyrec_quarantine on it.
 *
 * Checks: whatever decodes re-encodes to the same bytes (full records) and
 * its public-only encoding decodes again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tests/fuzz/support/fuzz_support.h"
#include "tests/support/dkls_fixture.h"
#include "tss/dkls_keyrec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Seeds: the records of a real 2-of-3 keygen, and the public-only record. */
static void
write_seeds(const char *dir)
{
    static const uint32_t nodes[3] = {0, 1, 2};
    dkls_fx_key key;
    tss_sim_result res = {0};
    if (dkls_fx_keygen(&key, nodes, 3, 2, 1, NULL, NULL, &res) != MPC_OK) {
        abort();
    }
    tss_sim_result_free(&res);
    for (uint32_t i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "party%u", i);
        fuzz_seed_write(dir, name, key.rec[i], key.len[i]);
    }
    fuzz_seed_write(dir, "public", key.pub, key.pub_len);
    dkls_fx_key_free(&key);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_rng_install();
    fuzz_seeds_or_fuzz(write_seeds);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tss_dkls_keyrec *rec = NULL, *again = NULL;
    uint8_t *out = NULL;
    size_t len = 0;
    if (tss_dkls_keyrec_decode(&rec, data, size) != MPC_OK) {
        return 0;
    }
    if (rec->ks->secret != NULL) {
        if (tss_dkls_keyrec_encode(rec, &out, &len) != MPC_OK || len != size ||
            memcmp(out, data, size) != 0) {
            abort();
        }
        mpc_secure_free(out);
        out = NULL;
        if (tss_dkls_keyrec_quarantine(data, size, "node-1", &out, &len) == MPC_OK &&
            tss_dkls_keyrec_decode(&again, out, len) != MPC_OK) {
            abort();
        }
        tss_dkls_keyrec_destroy(again);
        again = NULL;
        mpc_secure_free(out);
        out = NULL;
    }
    if (tss_dkls_keyrec_encode_public(rec, &out, &len) != MPC_OK ||
        tss_dkls_keyrec_decode(&again, out, len) != MPC_OK) {
        abort();
    }
    tss_dkls_keyrec_destroy(again);
    mpc_secure_free(out);
    tss_dkls_keyrec_destroy(rec);
    return 0;
}

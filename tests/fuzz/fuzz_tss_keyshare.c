/*
 * fuzz_tss_keyshare.c — libFuzzer harness: key-share record decoding must
 * never crash or leak on any input, and whatever decodes re-encodes to the
 * same bytes (the encoding is canonical).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/keyshare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

/*
 * fuzz_dkls_keygen.c — libFuzzer harness: DKLs23 (secp256k1) keygen, every round (2-of-3).
 *
 * Every message the target party (party 0) receives in an honest run is a
 * fuzz position: the input's first byte picks which one is replaced by the
 * fuzz bytes (tests/fuzz/support/fuzz_proto.c), so each round is reached
 * from a valid state. Nothing a peer sends may crash, leak or trip UBSan;
 * a blamed party must be a party of the session.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/support/fuzz_fixture.h"
#include "tests/fuzz/support/fuzz_support.h"
#include "tss/dkls_keygen.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_signing.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static tss_params p[3];
    static const uint32_t nodes[3] = {0, 1, 2};
    uint8_t *in = NULL;
    size_t in_len = 0;
    (void)argc;
    (void)argv;
    fuzz_fx_begin();
    if (tss_dkls_keygen_input_encode(&in, &in_len, (const uint8_t *)"wallet-1", 8) != MPC_OK) {
        abort();
    }
    uint32_t n = fuzz_fx_params(p, nodes, 3, 2);
    for (uint32_t i = 0; i < n; i++) {
        p[i].input = in; /* kept for the process */
        p[i].input_len = in_len;
    }
    fuzz_proto_record(&tss_proto_dkls_keygen, p, n, 0);
    fuzz_fx_end();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_proto_one(data, size);
}

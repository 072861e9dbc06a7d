/*
 * fuzz_frost_sign.c — libFuzzer harness: FROST(Ed25519) signing, every round (3 signers of a 2-of-3
 * key).
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
#include "tests/support/tss_fixture.h"
#include "tss/dkg.h"
#include "tss/frost_sign.h"
#include "tss/reshare.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static tss_params p[3];
    static const uint32_t nodes[3] = {0, 1, 2};
    static const uint8_t msg[] = "fuzz frost sign";
    static tss_fx_key key; /* lives for the process (the inputs point into it) */
    tss_sim_result res = {0};
    (void)argc;
    (void)argv;
    fuzz_fx_begin();
    if (tss_fx_dkg(&key, nodes, 3, 2, 1, NULL, NULL, &res) != MPC_OK) {
        abort();
    }
    tss_sim_result_free(&res);
    uint32_t n = fuzz_fx_params(p, nodes, 3, 0);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *in = NULL;
        if (tss_sign_input_encode(&in, &p[i].input_len, key.rec[i], key.len[i], msg,
                                  sizeof msg - 1) != MPC_OK) {
            abort();
        }
        p[i].input = in; /* kept for the process */
    }
    fuzz_proto_record(&tss_proto_frost_sign, p, n, 0);
    fuzz_fx_end();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_proto_one(data, size);
}

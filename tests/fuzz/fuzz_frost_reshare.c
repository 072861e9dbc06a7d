/*
 * fuzz_frost_reshare.c — libFuzzer harness: FROST(Ed25519) reshare, every round (2-of-{0,1,2} to
 * 2-of-{0,1,3}; the target stays in the committee).
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
#include "tss/keyshare.h"
#include "tss/reshare.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The public-only record of key (what a joining member is given). */
static void
public_record(const tss_fx_key *key, uint8_t **pub, size_t *pub_len)
{
    tss_keyshare *ks = NULL;
    if (tss_keyshare_decode(&ks, key->rec[0], key->len[0]) != MPC_OK ||
        tss_keyshare_encode(ks, 1, pub, pub_len) != MPC_OK) {
        abort();
    }
    tss_keyshare_destroy(ks);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static tss_params p[4];
    static const uint32_t old_nodes[3] = {0, 1, 2}, parties[4] = {0, 1, 2, 3};
    static tss_fx_key key;
    const char *new_names[3] = {tss_fx_node(0), tss_fx_node(1), tss_fx_node(3)};
    tss_sim_result res = {0};
    uint8_t *pub = NULL;
    size_t pub_len = 0;
    (void)argc;
    (void)argv;
    fuzz_fx_begin();
    if (tss_fx_dkg(&key, old_nodes, 3, 2, 1, NULL, NULL, &res) != MPC_OK) {
        abort();
    }
    tss_sim_result_free(&res);
    public_record(&key, &pub, &pub_len);
    uint32_t n = fuzz_fx_params(p, parties, 4, 2);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *in = NULL;
        const uint8_t *rec = key.rec[i] != NULL ? key.rec[i] : pub;
        size_t len = key.rec[i] != NULL ? key.len[i] : pub_len;
        if (tss_reshare_input_encode(&in, &p[i].input_len, 2, new_names, 3, rec, len) != MPC_OK) {
            abort();
        }
        p[i].input = in; /* kept for the process */
    }
    fuzz_proto_record(&tss_proto_frost_reshare, p, n, 0);
    fuzz_fx_end();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_proto_one(data, size);
}

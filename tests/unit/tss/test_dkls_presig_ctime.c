/*
 * test_dkls_presig_ctime.c — valgrind constant-time test (see tss/ctime.h and
 * test_dkls_ctime.c) of presignatures (spec §6.7): a presign session and the
 * online step (with a tweak) with every freshly drawn scalar classified
 * secret, and the online step on a record whose u_i, v_i, φ_i are marked
 * secret. A branch or memory index that depends on them fails the run under
 * valgrind; outside valgrind the same code runs and is checked functionally.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "tests/support/sim_dkls_sign.h"
#include "tests/support/test_rng.h"
#include "tss/ctime.h"
#include "tss/dkls_presig.h"

#ifdef TSS_CTIME_VALGRIND
#define SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define SECRET(p, n) ((void)0)
#define PUBLIC(p, n) ((void)0)
#endif

static void
test_ctime_presign_and_online(void **state)
{
    (void)state;
    tss_secp_ctx *ctx = NULL;
    struct sim_key k;
    struct sim_result r;
    struct tss_dkls_presig ps[SIM_MAX_N];
    const uint32_t ids[] = {1, 3};
    uint8_t msg[32] = {0x5a}, t[32] = {0};
    t[31] = 7;
    assert_int_equal(tss_secp_ctx_create(&ctx), MPC_OK);
    assert_int_equal(sim_key_deal(&k, ctx, 2, 3), 0);
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = 1;
#endif
    assert_int_equal(sim_presign_run(&k, ids, 2, NULL, NULL, 0, 0, ps, &r), 0);
    for (int i = 0; i < 2; i++) {
        SECRET(ps[i].u, 32);
        SECRET(ps[i].v, 32);
        SECRET(ps[i].phi, 32);
    }
    assert_int_equal(sim_online_run(&k, ps, 2, msg, t, NULL, NULL, &r), 0);
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = 0;
#endif
    PUBLIC(&r, sizeof(r));
    assert_int_equal(r.status[0], MPC_OK);
    assert_int_equal(r.status[1], MPC_OK);
    assert_memory_equal(r.sig[0], r.sig[1], 64);
    sim_key_free(&k);
    tss_secp_ctx_destroy(ctx);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    test_rng_init("test_dkls_presig_ctime");
#ifdef TSS_CTIME_VALGRIND
    printf("ctime: running on valgrind: %s\n",
           RUNNING_ON_VALGRIND ? "yes" : "no (checks inactive)");
#else
    printf("ctime: built without valgrind hooks (checks inactive)\n");
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctime_presign_and_online),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

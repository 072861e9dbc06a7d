/*
 * test_cli_taproot.c — mpc-cli's check of a Taproot sign result
 * (node/cli/cli_taproot.c): a BIP340 signature made by libsecp256k1 under the
 * output key of each tweak mode is accepted; another output key, internal
 * key, tweak, message or signature is refused; the P2TR script is
 * OP_1 <output key>.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include "node/cli/cli_results.h"

enum { UNTWEAKED = 0, KEYPATH = 1, ROOT = 2 };

/* A Taproot success for mode, signed by libsecp256k1 with secret sk; fills the buffers. */
static void
make(Mpc__Result *r, int mode, const uint8_t sk[32], const uint8_t root[32], const uint8_t msg[32],
     uint8_t gk[33], uint8_t sig[64], uint8_t q[32], uint8_t p[32])
{
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_keypair kp;
    secp256k1_pubkey pk;
    secp256k1_xonly_pubkey xp, xq;
    uint8_t buf[64], t[32];
    size_t n = 33;
    assert_true(secp256k1_keypair_create(c, &kp, sk));
    assert_true(secp256k1_keypair_pub(c, &pk, &kp));
    assert_true(secp256k1_ec_pubkey_serialize(c, gk, &n, &pk, SECP256K1_EC_COMPRESSED));
    assert_true(secp256k1_keypair_xonly_pub(c, &xp, NULL, &kp));
    assert_true(secp256k1_xonly_pubkey_serialize(c, p, &xp));
    if (mode != UNTWEAKED) {
        memcpy(buf, p, 32);
        memcpy(buf + 32, root, 32);
        assert_true(secp256k1_tagged_sha256(c, t, (const uint8_t *)"TapTweak", 8, buf,
                                            mode == ROOT ? 64 : 32));
        assert_true(secp256k1_keypair_xonly_tweak_add(c, &kp, t));
    }
    assert_true(secp256k1_keypair_xonly_pub(c, &xq, NULL, &kp));
    assert_true(secp256k1_xonly_pubkey_serialize(c, q, &xq));
    assert_true(secp256k1_schnorrsig_sign32(c, sig, msg, &kp, NULL));
    secp256k1_context_destroy(c);
    mpc__result__init(r);
    r->key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR;
    r->public_key = (ProtobufCBinaryData){33, gk};
    r->schnorr_signature = (ProtobufCBinaryData){64, sig};
    r->taproot_output_key = (ProtobufCBinaryData){32, q};
    r->taproot_internal_key = (ProtobufCBinaryData){32, p};
}

static void
test_cli_taproot_each_mode_and_refusals(void **state)
{
    (void)state;
    uint8_t sk[32], root[32], msg[32], gk[33], sig[64], q[32], p[32];
    randombytes_buf(root, sizeof root);
    randombytes_buf(msg, sizeof msg);
    do {
        randombytes_buf(sk, sizeof sk);
    } while (!secp256k1_ec_seckey_verify(secp256k1_context_static, sk));
    for (int mode = UNTWEAKED; mode <= ROOT; mode++) {
        Mpc__Result r;
        make(&r, mode, sk, root, msg, gk, sig, q, p);
        struct cli_collect_params par = {.message = msg, .message_len = sizeof msg};
        par.tr_untweaked = mode == UNTWEAKED;
        par.tr_root = mode == ROOT ? root : NULL;
        assert_true(cli_taproot_result_verifies(&r, &par, gk));
        struct cli_collect_params other = par; /* the result answers another tweak */
        other.tr_untweaked = mode != UNTWEAKED;
        other.tr_root = NULL;
        assert_false(cli_taproot_result_verifies(&r, &other, gk));
        msg[0] ^= 1; /* another message */
        assert_false(cli_taproot_result_verifies(&r, &par, gk));
        msg[0] ^= 1;
        sig[40] ^= 1; /* a broken signature */
        assert_false(cli_taproot_result_verifies(&r, &par, gk));
        sig[40] ^= 1;
        p[3] ^= 1; /* an internal key that is not x(group key) */
        assert_false(cli_taproot_result_verifies(&r, &par, gk));
        p[3] ^= 1;
        r.taproot_output_key.len = 31;
        assert_false(cli_taproot_result_verifies(&r, &par, gk));
        r.taproot_output_key.len = 32;
        gk[5] ^= 1; /* another group key (or none): the reported keys are not its keys */
        assert_false(cli_taproot_result_verifies(&r, &par, gk));
        gk[5] ^= 1;
        assert_false(cli_taproot_result_verifies(&r, &par, NULL)); /* no key to check against */
        assert_true(cli_taproot_result_verifies(&r, &par, gk));
    }
}

static void
test_cli_taproot_script(void **state)
{
    (void)state;
    uint8_t q[32];
    char hex[2 * 34 + 1];
    memset(q, 0xab, sizeof q);
    cli_taproot_script(hex, q);
    assert_string_equal(hex,
                        "5120abababababababababababababababababababababababababababababababab");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_taproot_each_mode_and_refusals),
        cmocka_unit_test(test_cli_taproot_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_seal.c — Argon2id derivation and XChaCha20-Poly1305 sealing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "node/store/seal.h"

static const uint8_t salt16[NODE_STORE_KDF_SALT_BYTES] = "0123456789abcde";

static void
test_kdf_params_check_bounds(void **state)
{
    (void)state;
    assert_int_equal(node_store_kdf_params_check(&NODE_STORE_KDF_MODERATE), MPC_OK);
    assert_int_equal(node_store_kdf_params_check(&NODE_STORE_KDF_TEST_MIN), MPC_OK);
    assert_int_equal(node_store_kdf_params_check(NULL), MPC_ERR_INVALID_ARG);
    struct node_store_kdf_params p = {.opslimit = 0, .memlimit = 8192};
    assert_int_equal(node_store_kdf_params_check(&p), MPC_ERR_INVALID_ARG);
    p = (struct node_store_kdf_params){.opslimit = 1, .memlimit = 4096};
    assert_int_equal(node_store_kdf_params_check(&p), MPC_ERR_INVALID_ARG);
    p = (struct node_store_kdf_params){.opslimit = NODE_STORE_KDF_OPSLIMIT_CAP + 1,
                                       .memlimit = 8192};
    assert_int_equal(node_store_kdf_params_check(&p), MPC_ERR_INVALID_ARG);
    p = (struct node_store_kdf_params){.opslimit = NODE_STORE_KDF_OPSLIMIT_CAP,
                                       .memlimit = NODE_STORE_KDF_MEMLIMIT_CAP};
    assert_int_equal(node_store_kdf_params_check(&p), MPC_OK);
    p = (struct node_store_kdf_params){.opslimit = 1, .memlimit = NODE_STORE_KDF_MEMLIMIT_CAP + 1};
    assert_int_equal(node_store_kdf_params_check(&p), MPC_ERR_INVALID_ARG);
    /* The documented production default is libsodium's MODERATE. */
    assert_int_equal(NODE_STORE_KDF_MODERATE.opslimit, crypto_pwhash_OPSLIMIT_MODERATE);
    assert_int_equal(NODE_STORE_KDF_MODERATE.memlimit, crypto_pwhash_MEMLIMIT_MODERATE);
}

static void
test_kdf_derive_matches_libsodium_argon2id(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    assert_int_equal(node_store_kdf_derive(a, sizeof(a), "pw", 2, salt16, &NODE_STORE_KDF_TEST_MIN),
                     MPC_OK);
    /* Independent computation with the explicit Argon2id13 API. */
    assert_int_equal(crypto_pwhash_argon2id(b, sizeof(b), "pw", 2, salt16, 1, 8192,
                                            crypto_pwhash_argon2id_ALG_ARGON2ID13),
                     0);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(node_store_kdf_derive(b, sizeof(b), "px", 2, salt16, &NODE_STORE_KDF_TEST_MIN),
                     MPC_OK);
    assert_memory_not_equal(a, b, sizeof(a));
}

static void
test_kdf_derive_bad_args(void **state)
{
    (void)state;
    uint8_t a[32];
    memset(a, 0xaa, sizeof(a));
    assert_int_equal(node_store_kdf_derive(a, sizeof(a), "", 0, salt16, &NODE_STORE_KDF_TEST_MIN),
                     MPC_ERR_INVALID_ARG);
    assert_true(mpc_ct_is_zero(a, sizeof(a)));
    assert_int_equal(node_store_kdf_derive(a, sizeof(a), NULL, 3, salt16, &NODE_STORE_KDF_TEST_MIN),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kdf_derive(a, sizeof(a), "pw", 2, NULL, &NODE_STORE_KDF_TEST_MIN),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kdf_derive(a, sizeof(a), "pw", 2, salt16, NULL),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kdf_derive(NULL, 32, "pw", 2, salt16, &NODE_STORE_KDF_TEST_MIN),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_kdf_derive(a, 8, "pw", 2, salt16, &NODE_STORE_KDF_TEST_MIN),
                     MPC_ERR_INVALID_ARG);
}

static void
test_seal_round_trip_and_independent_open(void **state)
{
    (void)state;
    uint8_t key[32], blob[64 + NODE_STORE_SEAL_OVERHEAD], pt[64], out[64];
    randombytes_buf(key, sizeof(key));
    randombytes_buf(pt, sizeof(pt));
    size_t blob_len = 0, out_len = 0;
    assert_int_equal(node_store_seal(blob, sizeof(blob), &blob_len, key, (const uint8_t *)"ad", 2,
                                     pt, sizeof(pt)),
                     MPC_OK);
    assert_int_equal(blob_len, sizeof(pt) + NODE_STORE_SEAL_OVERHEAD);
    /* Open with libsodium directly: nonce || ciphertext||tag layout. */
    unsigned long long mlen = 0;
    assert_int_equal(
        crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, blob + 24, blob_len - 24,
                                                   (const uint8_t *)"ad", 2, blob, key),
        0);
    assert_memory_equal(out, pt, sizeof(pt));
    memset(out, 0, sizeof(out));
    assert_int_equal(node_store_unseal(out, sizeof(out), &out_len, key, (const uint8_t *)"ad", 2,
                                       blob, blob_len),
                     MPC_OK);
    assert_int_equal(out_len, sizeof(pt));
    assert_memory_equal(out, pt, sizeof(pt));
}

static void
test_unseal_rejects_wrong_ad_key_and_tamper(void **state)
{
    (void)state;
    uint8_t key[32], blob[16 + NODE_STORE_SEAL_OVERHEAD], pt[16], out[16];
    randombytes_buf(key, sizeof(key));
    memset(pt, 7, sizeof(pt));
    size_t blob_len = 0, out_len = 99;
    assert_int_equal(node_store_seal(blob, sizeof(blob), &blob_len, key, (const uint8_t *)"a", 1,
                                     pt, sizeof(pt)),
                     MPC_OK);
    assert_int_equal(
        node_store_unseal(out, sizeof(out), &out_len, key, (const uint8_t *)"b", 1, blob, blob_len),
        MPC_ERR_CORRUPT);
    assert_int_equal(out_len, 0);
    for (size_t i = 0; i < blob_len; i++) {
        blob[i] ^= 0x01;
        assert_int_equal(node_store_unseal(out, sizeof(out), &out_len, key, (const uint8_t *)"a", 1,
                                           blob, blob_len),
                         MPC_ERR_CORRUPT);
        blob[i] ^= 0x01;
    }
    key[0] ^= 1;
    assert_int_equal(
        node_store_unseal(out, sizeof(out), &out_len, key, (const uint8_t *)"a", 1, blob, blob_len),
        MPC_ERR_CORRUPT);
    assert_int_equal(node_store_unseal(out, sizeof(out), &out_len, key, NULL, 0, blob, 10),
                     MPC_ERR_CORRUPT);
}

static void
test_seal_bad_args(void **state)
{
    (void)state;
    uint8_t key[32] = {0}, blob[64], out[8];
    size_t n = 5;
    assert_int_equal(node_store_seal(blob, 10, &n, key, NULL, 0, key, 8), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 0);
    assert_int_equal(node_store_seal(blob, sizeof(blob), NULL, key, NULL, 0, key, 8),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_seal(blob, sizeof(blob), &n, NULL, NULL, 0, key, 8),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_seal(blob, sizeof(blob), &n, key, NULL, 3, key, 8),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_seal(blob, sizeof(blob), &n, key, NULL, 0, key, 16), MPC_OK);
    assert_int_equal(node_store_unseal(out, sizeof(out), &n, key, NULL, 0, blob, n),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(node_store_unseal(out, sizeof(out), &n, key, NULL, 0, NULL, 0),
                     MPC_ERR_INVALID_ARG);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kdf_params_check_bounds),
        cmocka_unit_test(test_kdf_derive_matches_libsodium_argon2id),
        cmocka_unit_test(test_kdf_derive_bad_args),
        cmocka_unit_test(test_seal_round_trip_and_independent_open),
        cmocka_unit_test(test_unseal_rejects_wrong_ad_key_and_tamper),
        cmocka_unit_test(test_seal_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

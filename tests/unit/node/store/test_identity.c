/*
 * test_identity.c — encrypted Ed25519 identity file: create, load, refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/store/identity.h"
#include "tests/support/node_fixture.h"

#define PASS "identity test passphrase"

static int
setup_dir(void **state)
{
    *state = node_fixture_tmpdir_create();
    return *state == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
    node_fixture_tmpdir_remove(*state);
    return 0;
}

/* Creates an identity file in dir; returns its path (caller frees). */
static char *
make_identity(const char *dir, const char *name, uint8_t *pk_out)
{
    char *p = node_fixture_path(dir, name);
    node_store_identity *id = NULL;
    char err[256];
    assert_int_equal(node_store_identity_create(p, PASS, strlen(PASS), &NODE_STORE_KDF_TEST_MIN,
                                                &id, err, sizeof(err)),
                     MPC_OK);
    if (pk_out != NULL) {
        memcpy(pk_out, node_store_identity_public_key(id), NODE_STORE_IDENTITY_PK_BYTES);
    }
    node_store_identity_destroy(id);
    return p;
}

static void
test_identity_round_trip_signs_verifiably(void **state)
{
    uint8_t pk[32];
    char *p = make_identity(*state, "id.key", pk);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, NODE_STORE_IDENTITY_FILE_BYTES);

    node_store_identity *id = NULL;
    char err[256];
    assert_int_equal(node_store_identity_load(p, PASS, strlen(PASS), &id, err, sizeof(err)),
                     MPC_OK);
    assert_string_equal(err, "");
    assert_memory_equal(node_store_identity_public_key(id), pk, 32);
    /* The secret key's embedded public key and a signature verify independently. */
    uint8_t pk2[32];
    assert_int_equal(crypto_sign_ed25519_sk_to_pk(pk2, node_store_identity_secret_key(id)), 0);
    assert_memory_equal(pk2, pk, 32);
    uint8_t sig[64];
    const uint8_t msg[] = "hello node";
    assert_int_equal(node_store_identity_sign(id, sig, msg, sizeof(msg)), MPC_OK);
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pk), 0);
    /* The seed does not appear in clear in the file. */
    size_t flen = 0;
    uint8_t *fbytes = node_fixture_read(p, &flen);
    assert_non_null(fbytes);
    assert_null(memmem(fbytes, flen, node_store_identity_secret_key(id), 32));
    free(fbytes);
    node_store_identity_destroy(id);

    uint8_t peek[32];
    assert_int_equal(node_store_identity_peek_public_key(p, peek), MPC_OK);
    assert_memory_equal(peek, pk, 32);
    free(p);
}

static void
test_identity_wrong_passphrase(void **state)
{
    char *p = make_identity(*state, "id.key", NULL);
    uint8_t h1[32], h2[32];
    assert_int_equal(node_fixture_file_hash(p, h1), 0);
    node_store_identity *id = NULL;
    char err[256];
    assert_int_equal(node_store_identity_load(p, "not it", 6, &id, err, sizeof(err)),
                     MPC_ERR_BAD_PASSPHRASE);
    assert_null(id);
    assert_non_null(strstr(err, "wrong passphrase"));
    assert_non_null(strstr(err, p));
    assert_null(strstr(err, "not it"));
    assert_int_equal(node_fixture_file_hash(p, h2), 0);
    assert_memory_equal(h1, h2, 32);
    free(p);
}

static void
test_identity_refuses_group_or_other_access(void **state)
{
    char *p = make_identity(*state, "id.key", NULL);
    node_store_identity *id = NULL;
    char err[256];
    const unsigned bad[] = {0644, 0640, 0604, 0620, 0602, 0610};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chmod(p, bad[i]), 0);
        assert_int_equal(node_store_identity_load(p, PASS, strlen(PASS), &id, err, sizeof(err)),
                         MPC_ERR_FILE_MODE);
        assert_null(id);
        assert_non_null(strstr(err, "group or others"));
        assert_non_null(strstr(err, "chmod 600"));
    }
    assert_int_equal(chmod(p, 0400), 0);
    assert_int_equal(node_store_identity_load(p, PASS, strlen(PASS), &id, err, sizeof(err)),
                     MPC_OK);
    node_store_identity_destroy(id);
    free(p);
}

static void
test_identity_tampered_file_rejected(void **state)
{
    uint8_t pk[32];
    char *p = make_identity(*state, "id.key", pk);
    size_t len = 0;
    uint8_t *orig = node_fixture_read(p, &len);
    assert_int_equal(len, NODE_STORE_IDENTITY_FILE_BYTES);
    char err[256];
    /* Every single-bit flip anywhere in the file is refused. */
    for (size_t i = 0; i < len; i++) {
        uint8_t buf[NODE_STORE_IDENTITY_FILE_BYTES];
        memcpy(buf, orig, len);
        buf[i] ^= 0x04;
        assert_int_equal(unlink(p), 0);
        FILE *f = fopen(p, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, len, f), len);
        fclose(f);
        assert_int_equal(chmod(p, 0600), 0);
        node_store_identity *id = NULL;
        mpc_status st = node_store_identity_load(p, PASS, strlen(PASS), &id, err, sizeof(err));
        assert_int_not_equal(st, MPC_OK);
        assert_null(id);
        if (i >= 64 && i < 96) {
            /* Public key in the header: passphrase right, authentication fails. */
            assert_int_equal(st, MPC_ERR_CORRUPT);
            assert_non_null(strstr(err, "tampered"));
        }
        if (i >= 96) {
            assert_int_equal(st, MPC_ERR_CORRUPT); /* nonce, ciphertext, tag */
        }
        if (i < 8) {
            assert_non_null(strstr(err, "bad magic"));
        }
    }
    /* Truncated and extended files. */
    FILE *f = fopen(p, "wb");
    assert_int_equal(fwrite(orig, 1, len - 1, f), len - 1);
    fclose(f);
    node_store_identity *id = NULL;
    assert_int_equal(node_store_identity_load(p, PASS, strlen(PASS), &id, err, sizeof(err)),
                     MPC_ERR_CORRUPT);
    assert_non_null(strstr(err, "size 167"));
    free(orig);
    free(p);
}

static void
test_identity_save_never_overwrites(void **state)
{
    char *p = make_identity(*state, "id.key", NULL);
    uint8_t h1[32], h2[32];
    assert_int_equal(node_fixture_file_hash(p, h1), 0);
    node_store_identity *id = NULL;
    char err[256];
    assert_int_equal(node_store_identity_create(p, PASS, strlen(PASS), &NODE_STORE_KDF_TEST_MIN,
                                                &id, err, sizeof(err)),
                     MPC_ERR_EXISTS);
    assert_null(id);
    assert_non_null(strstr(err, "cannot create"));
    assert_int_equal(node_fixture_file_hash(p, h2), 0);
    assert_memory_equal(h1, h2, 32);
    free(p);
}

/* A plain initiator seed gives the libsodium key pair of that seed, and signs with it. */
static void
test_identity_from_seed(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], sk[64], sig[64];
    for (int i = 0; i < 32; i++) {
        seed[i] = (uint8_t)(7 * i + 1);
    }
    crypto_sign_seed_keypair(pk, sk, seed);
    node_store_identity *id = NULL;
    assert_int_equal(node_store_identity_from_seed(seed, &id), MPC_OK);
    assert_memory_equal(node_store_identity_public_key(id), pk, 32);
    assert_int_equal(node_store_identity_sign(id, sig, (const uint8_t *)"m", 1), MPC_OK);
    assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)"m", 1, pk), 0);
    node_store_identity_destroy(id);
    id = (node_store_identity *)1;
    assert_int_equal(node_store_identity_from_seed(NULL, &id), MPC_ERR_INVALID_ARG);
    assert_null(id);
    assert_int_equal(node_store_identity_from_seed(seed, NULL), MPC_ERR_INVALID_ARG);
    sodium_memzero(sk, sizeof sk);
}

static void
test_identity_bad_args(void **state)
{
    char *p = node_fixture_path(*state, "x.key");
    node_store_identity *id = NULL, *gen = NULL;
    char err[256];
    struct node_store_kdf_params weak = {.opslimit = 0, .memlimit = 0};
    assert_int_equal(node_store_identity_generate(NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_identity_generate(&gen), MPC_OK);
    assert_int_equal(
        node_store_identity_save(gen, p, "", 0, &NODE_STORE_KDF_TEST_MIN, err, sizeof(err)),
        MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_identity_save(gen, p, PASS, strlen(PASS), &weak, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_identity_save(NULL, p, PASS, strlen(PASS), &NODE_STORE_KDF_TEST_MIN,
                                              err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(access(p, F_OK), -1); /* nothing written */
    assert_int_equal(node_store_identity_load(p, PASS, strlen(PASS), &id, err, sizeof(err)),
                     MPC_ERR_IO);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(node_store_identity_load(p, PASS, 0, &id, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_identity_load(NULL, PASS, 4, &id, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_identity_load(p, PASS, 4, NULL, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    uint8_t sig[64], pk[32];
    assert_int_equal(node_store_identity_sign(NULL, sig, sig, 1), MPC_ERR_INVALID_ARG);
    assert_true(mpc_ct_is_zero(sig, sizeof(sig)));
    assert_int_equal(node_store_identity_sign(gen, NULL, sig, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_identity_peek_public_key(p, pk), MPC_ERR_IO);
    assert_int_equal(node_store_identity_peek_public_key(NULL, pk), MPC_ERR_INVALID_ARG);
    assert_null(node_store_identity_public_key(NULL));
    assert_null(node_store_identity_secret_key(NULL));
    /* A non-identity file of the right size is refused by magic. */
    char junk[NODE_STORE_IDENTITY_FILE_BYTES + 1];
    memset(junk, 'j', NODE_STORE_IDENTITY_FILE_BYTES);
    junk[NODE_STORE_IDENTITY_FILE_BYTES] = '\0';
    assert_int_equal(node_fixture_write(p, junk, 0600), 0);
    assert_int_equal(node_store_identity_load(p, PASS, strlen(PASS), &id, err, sizeof(err)),
                     MPC_ERR_CORRUPT);
    assert_int_equal(node_store_identity_peek_public_key(p, pk), MPC_ERR_CORRUPT);
    node_store_identity_destroy(gen);
    node_store_identity_destroy(NULL);
    free(p);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identity_round_trip_signs_verifiably, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_identity_wrong_passphrase, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_identity_refuses_group_or_other_access, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_identity_tampered_file_rejected, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_identity_save_never_overwrites, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_identity_bad_args, setup_dir, teardown_dir),
        cmocka_unit_test(test_identity_from_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

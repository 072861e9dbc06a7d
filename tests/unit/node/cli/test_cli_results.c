/*
 * test_cli_results.c — mpc-cli result handling: one outcome per (node, key
 * type), duplicates, undecodable copies, local signature verification (the
 * signatures are made by libsodium and libsecp256k1, independent of the code
 * under test), the
 * end-of-wait rules and the exit codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "common/secmem.h"
#include "node/cli/cli_results.h"

/* A group key pair and a message signed with it (libsodium). */
struct fx {
    uint8_t pk[32];       /* "group" public key */
    uint8_t sk[64];       /* its secret key */
    uint8_t sig[64];      /* signature of msg */
    uint8_t msg[16];      /* message */
    struct cli_results r; /* under test */
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    crypto_sign_keypair(f->pk, f->sk);
    randombytes_buf(f->msg, sizeof(f->msg));
    crypto_sign_detached(f->sig, NULL, f->msg, sizeof(f->msg), f->sk);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    cli_results_clear(&f->r);
    free(f);
    return 0;
}

/* Encodes a sign Result from node with the given status and signature (or none). */
static uint8_t *
result_bytes(const char *node, uint32_t status, const uint8_t *pk, const uint8_t *sig,
             const char *const *parts, size_t n_parts, size_t *len)
{
    Mpc__Result res = MPC__RESULT__INIT;
    res.request_id = "r1";
    res.op = MPC__OP__OP_SIGN;
    res.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    res.wallet_id = "w";
    res.status_code = status;
    res.status_name = status == 0 ? "MPC_OK" : "MPC_ERR_BARRIER";
    res.node_id = (char *)node;
    if (pk != NULL) {
        res.public_key.data = (uint8_t *)pk;
        res.public_key.len = 32;
    }
    if (sig != NULL) {
        res.eddsa_signature.data = (uint8_t *)sig;
        res.eddsa_signature.len = 64;
    }
    res.participants = (char **)parts;
    res.n_participants = n_parts;
    res.threshold = 2;
    *len = mpc__result__get_packed_size(&res);
    uint8_t *out = malloc(*len + 1);
    mpc__result__pack(&res, out);
    return out;
}

static void
add(struct fx *f, const char *hdr, const char *node, uint32_t status, const uint8_t *sig,
    const struct cli_collect_params *p)
{
    static const char *const parts[] = {"node-1", "node-2", "node-3"};
    size_t len = 0;
    uint8_t *b = result_bytes(node, status, status == 0 ? f->pk : NULL, sig, parts, 3, &len);
    cli_results_add(&f->r, b, len, hdr, p, 1);
    free(b);
}

static void
params(struct cli_collect_params *p, const struct fx *f)
{
    memset(p, 0, sizeof(*p));
    p->n_key_types = 1;
    p->message = f->msg;
    p->message_len = sizeof(f->msg);
    p->timeout_ms = 1000;
}

static void
test_cli_results_three_verified_copies_ok(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    add(f, "node-1", "node-1", 0, f->sig, &p);
    assert_false(cli_results_done(&f->r, &p)); /* learned committee: 3 nodes */
    add(f, "node-2", "node-2", 0, f->sig, &p);
    add(f, NULL, "node-3", 0, f->sig, &p); /* no header: Result.node_id */
    assert_true(cli_results_done(&f->r, &p));
    assert_int_equal(f->r.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(f->r.v[i].verified, 1);
    }
    assert_string_equal(f->r.v[2].node, "node-3");
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_OK);
}

static void
test_cli_results_bad_signature_fails(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    uint8_t bad[64];
    memcpy(bad, f->sig, 64);
    bad[7] ^= 0x10;
    add(f, "node-1", "node-1", 0, f->sig, &p);
    add(f, "node-2", "node-2", 0, bad, &p);
    assert_int_equal(f->r.v[0].verified, 1);
    assert_int_equal(f->r.v[1].verified, -1);
    assert_true(f->r.verify_failed);
    assert_true(f->r.inconsistent); /* the copies disagree on the signature */
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_FAILED);
}

static void
test_cli_results_expected_key_overrides_reported(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    uint8_t other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    p.pk = other_pk; /* --public-key: the signature must verify under this one */
    add(f, "node-1", "node-1", 0, f->sig, &p);
    assert_int_equal(f->r.v[0].verified, -1);
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_FAILED);
}

static void
test_cli_results_duplicates_and_garbage(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    add(f, "node-1", "node-1", 0, f->sig, &p);
    add(f, "node-1", "node-1", 0, f->sig, &p);
    add(f, "node-1", "node-2", 0, f->sig, &p); /* header wins: node-1 again */
    assert_int_equal(f->r.n, 1);
    assert_int_equal(f->r.duplicates, 2);
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
    cli_results_add(&f->r, junk, sizeof(junk), "node-2", &p, 1);
    add(f, "bad.node", "node-2", 0, f->sig, &p);
    assert_int_equal(f->r.undecodable, 2);
    assert_int_equal(f->r.n, 1);
}

/* Results that name another request (the same id reused) are not this request's. */
static void
test_cli_results_foreign_request_ignored(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    uint8_t mine[32], theirs[32];
    memset(mine, 0x11, sizeof mine);
    memset(theirs, 0x22, sizeof theirs);
    p.request_digest = mine;
    Mpc__Result res = MPC__RESULT__INIT;
    res.request_id = "r1";
    res.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    res.status_code = MPC_ERR_REQ_ID_REUSED;
    res.status_name = "MPC_ERR_REQ_ID_REUSED";
    res.node_id = "node-1";
    res.request_sha256.data = theirs;
    res.request_sha256.len = 32;
    uint8_t b[256];
    size_t len = mpc__result__pack(&res, b);
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    assert_int_equal(f->r.n, 0);
    assert_int_equal(f->r.foreign, 1);
    res.request_sha256.data = mine; /* ours: taken */
    len = mpc__result__pack(&res, b);
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    assert_int_equal(f->r.n, 1);
    res.request_sha256.len = 0; /* no digest (an older node): taken, here a duplicate */
    len = mpc__result__pack(&res, b);
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    assert_int_equal(f->r.duplicates, 1);
    assert_int_equal(f->r.foreign, 1);
}

static void
test_cli_results_errors_and_rules(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    static const char *const peers[] = {"node-1", "node-2", "node-3"};
    static const char *const committee[] = {"node-1", "node-9"};
    p.expected = committee;
    p.n_expected = 2;
    add(f, "node-1", "node-1", 104, NULL, &p);
    assert_int_equal(f->r.n_errors, 1);
    assert_false(cli_results_done(&f->r, &p)); /* node-9 has not answered */
    p.peers = peers;
    p.n_peers = 3;
    add(f, "node-2", "node-2", 104, NULL, &p);
    assert_false(cli_results_done(&f->r, &p));
    add(f, "node-3", "node-3", 104, NULL, &p);
    assert_true(cli_results_done(&f->r, &p)); /* every known peer answered */
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_FAILED);
    p.expect = 4;
    assert_false(cli_results_done(&f->r, &p)); /* --expect wins */
}

static void
test_cli_results_timeout_exit(void **state)
{
    struct fx *f = *state;
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_TIMEOUT); /* nothing arrived */
    struct cli_collect_params p;
    params(&p, f);
    add(f, "node-1", "node-1", 0, f->sig, &p);
    f->r.timed_out = 1;
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_TIMEOUT);
}

/* An ECDSA sign Result over digest with r || s || recid (libsecp256k1 made it). */
static uint8_t *
ecdsa_result_bytes(const uint8_t pk33[33], const uint8_t rs[64], int recid, size_t *len)
{
    uint8_t compact[65];
    memcpy(compact, rs, 64);
    compact[64] = (uint8_t)recid;
    Mpc__Result res = MPC__RESULT__INIT;
    res.request_id = "r1";
    res.op = MPC__OP__OP_SIGN;
    res.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    res.wallet_id = "w";
    res.status_name = "MPC_OK";
    res.node_id = "node-1";
    res.public_key.data = (uint8_t *)pk33;
    res.public_key.len = 33;
    res.ecdsa_r.data = (uint8_t *)rs;
    res.ecdsa_r.len = 32;
    res.ecdsa_s.data = (uint8_t *)rs + 32;
    res.ecdsa_s.len = 32;
    res.recovery_id = (uint32_t)recid;
    res.ecdsa_compact.data = compact;
    res.ecdsa_compact.len = 65;
    *len = mpc__result__get_packed_size(&res);
    uint8_t *out = malloc(*len + 1);
    mpc__result__pack(&res, out);
    return out;
}

/* Adds one ECDSA copy to a fresh result set; returns its verified flag. */
static int
ecdsa_verified(const uint8_t pk33[33], const uint8_t rs[64], int recid, const uint8_t digest[32],
               const uint8_t *expected_pk33)
{
    struct cli_results *r = calloc(1, sizeof(*r));
    struct cli_collect_params p;
    memset(&p, 0, sizeof(p));
    p.n_key_types = 1;
    p.message = digest;
    p.message_len = 32;
    p.pk33 = expected_pk33;
    size_t len = 0;
    uint8_t *b = ecdsa_result_bytes(pk33, rs, recid, &len);
    cli_results_add(r, b, len, "node-1", &p, 1);
    free(b);
    assert_int_equal(r->n, 1);
    int v = r->v[0].verified;
    assert_int_equal(r->verify_failed, v < 0);
    cli_results_clear(r);
    free(r);
    return v;
}

static void
test_cli_results_ecdsa_verification(void **state)
{
    (void)state;
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t sk[32], digest[32], pk33[33], other33[33], rs[64], bad[64];
    size_t pk_len = 33;
    secp256k1_pubkey pk;
    secp256k1_ecdsa_recoverable_signature sig;
    int recid = 0;
    do {
        randombytes_buf(sk, sizeof(sk));
    } while (!secp256k1_ec_seckey_verify(ctx, sk));
    randombytes_buf(digest, sizeof(digest));
    assert_true(secp256k1_ec_pubkey_create(ctx, &pk, sk));
    assert_true(secp256k1_ec_pubkey_serialize(ctx, pk33, &pk_len, &pk, SECP256K1_EC_COMPRESSED));
    assert_true(secp256k1_ecdsa_sign_recoverable(ctx, &sig, digest, sk, NULL, NULL));
    assert_true(secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs, &recid, &sig));

    assert_int_equal(ecdsa_verified(pk33, rs, recid, digest, NULL), 1);
    assert_int_equal(ecdsa_verified(pk33, rs, recid, digest, pk33), 1);
    /* wrong recovery id: verifies, but recovers another key */
    assert_int_equal(ecdsa_verified(pk33, rs, recid ^ 1, digest, NULL), -1);
    /* high S (n - s): valid ECDSA, refused (low-S rule) */
    memcpy(bad, rs, 64);
    assert_true(secp256k1_ec_seckey_negate(ctx, bad + 32));
    assert_int_equal(ecdsa_verified(pk33, bad, recid ^ 1, digest, NULL), -1);
    /* changed r, other digest, other expected key */
    memcpy(bad, rs, 64);
    bad[5] ^= 0x01;
    assert_int_equal(ecdsa_verified(pk33, bad, recid, digest, NULL), -1);
    uint8_t d2[32];
    memcpy(d2, digest, 32);
    d2[0] ^= 0x80;
    assert_int_equal(ecdsa_verified(pk33, rs, recid, d2, NULL), -1);
    memcpy(other33, pk33, 33);
    other33[0] ^= 0x01; /* 02 <-> 03: the negated point */
    assert_int_equal(ecdsa_verified(pk33, rs, recid, digest, other33), -1);
    /* a digest that is not 32 bytes */
    struct cli_results *r = calloc(1, sizeof(*r));
    struct cli_collect_params p;
    memset(&p, 0, sizeof(p));
    p.n_key_types = 1;
    p.message = digest;
    p.message_len = 31;
    size_t len = 0;
    uint8_t *b = ecdsa_result_bytes(pk33, rs, recid, &len);
    cli_results_add(r, b, len, "node-1", &p, 1);
    free(b);
    assert_int_equal(r->v[0].verified, -1);
    assert_int_equal(cli_results_exit(r), CLI_EXIT_FAILED);
    cli_results_clear(r);
    free(r);
    secp256k1_context_destroy(ctx);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cli_results_three_verified_copies_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_bad_signature_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_expected_key_overrides_reported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_duplicates_and_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_foreign_request_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_errors_and_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_timeout_exit, setup, teardown),
        cmocka_unit_test(test_cli_results_ecdsa_verification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

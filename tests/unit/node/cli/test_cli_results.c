/*
 * test_cli_results.c — mpc-cli result handling: the trust rule (copies
 * signed by the peers' identity keys, forged ones rejected and named, the
 * quorum and agreement rules), one outcome per (node, key type), duplicates, undecodable copies,
 * local signature verification (the signatures are made by libsodium and libsecp256k1, independent
 * of the code under test), the end-of-wait rules and the exit codes.
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
#include "node/client/results.h"

/* Identity keys of node-1..3 (the peers file) and of an outsider (libsodium). */
static uint8_t node_pk[4][32], node_sk[4][64];
static const char *const node_names[4] = {"node-1", "node-2", "node-3", "node-x"};
static struct cli_peer_key peer_keys[3];

static void
keys_init(void)
{
    for (size_t i = 0; i < 4; i++) {
        crypto_sign_keypair(node_pk[i], node_sk[i]);
    }
    for (size_t i = 0; i < 3; i++) {
        peer_keys[i].id = node_names[i];
        peer_keys[i].pk = node_pk[i];
    }
}

/* node_client_result_sign_fn with a raw libsodium secret key as ctx. */
static mpc_status
sign_raw(void *ctx, uint8_t *sig, const uint8_t *msg, size_t len)
{
    return crypto_sign_detached(sig, NULL, msg, len, ctx) == 0 ? MPC_OK : MPC_ERR_CRYPTO;
}

/* Signs encoded Result b (freed) as signer with secret key sk; returns the signed bytes. */
static uint8_t *
sign_as(uint8_t *b, size_t *len, const char *signer, const uint8_t *sk)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(node_client_result_sign(b, *len, signer, sign_raw, (void *)sk, &out, &out_len),
                     MPC_OK);
    free(b);
    *len = out_len;
    return out;
}

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

/* Encodes a Result of op from node with the given status, key and signature (or none). */
static uint8_t *
result_bytes(int op, const char *node, uint32_t status, const uint8_t *pk, const uint8_t *sig,
             const char *const *parts, size_t n_parts, size_t *len)
{
    Mpc__Result res = MPC__RESULT__INIT;
    res.request_id = "r1";
    res.op = (Mpc__Op)op;
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
    res.key_version = 1;
    *len = mpc__result__get_packed_size(&res);
    uint8_t *out = malloc(*len + 1);
    mpc__result__pack(&res, out);
    return out;
}

/* Index of a node name in node_names (the signer's key). */
static size_t
node_index(const char *node)
{
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(node_names[i], node) == 0) {
            return i;
        }
    }
    return 3;
}

/* Adds node's sign copy, signed with its own key, arriving on subject_node's subject. */
static void
add(struct fx *f, const char *subject_node, const char *node, uint32_t status, const uint8_t *sig,
    const struct cli_collect_params *p)
{
    static const char *const parts[] = {"node-1", "node-2", "node-3"};
    size_t len = 0;
    uint8_t *b = result_bytes(MPC__OP__OP_SIGN, node, status, status == 0 ? f->pk : NULL, sig,
                              parts, 3, &len);
    b = sign_as(b, &len, node, node_sk[node_index(node)]);
    cli_results_add(&f->r, b, len, subject_node, p, 1);
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
    p->keys = peer_keys;
    p->n_keys = 3;
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
    add(f, NULL, "node-3", 0, f->sig, &p); /* subject unknown: the signature decides */
    assert_true(cli_results_done(&f->r, &p));
    assert_int_equal(f->r.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(f->r.v[i].verified, 1);
    }
    assert_string_equal(f->r.v[2].node, "node-3");
    cli_results_finish(&f->r, &p);
    assert_true(f->r.quorum);
    assert_int_equal(f->r.n_missing, 0);
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
    assert_string_equal(f->r.disagree_what, "signature");
    cli_results_finish(&f->r, &p);
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
    cli_results_finish(&f->r, &p);
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
    assert_int_equal(f->r.duplicates, 1);
    add(f, "node-1", "node-2", 0, f->sig, &p); /* node-2's copy on node-1's subject */
    assert_int_equal(f->r.n, 1);
    assert_int_equal(f->r.n_rejected, 1);
    assert_string_equal(f->r.rejected[0].node, "node-1");
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
    cli_results_add(&f->r, junk, sizeof(junk), "node-2", &p, 1);
    assert_int_equal(f->r.undecodable, 1);
    assert_int_equal(f->r.n_rejected, 2);
    assert_string_equal(f->r.rejected[1].node, "node-2");
    assert_int_equal(f->r.n, 1);
}

/* Results that name another request (the same id reused) are not this request's:
 * each copy is signed by node-1 (as the node signs every copy). */
static uint8_t *
digest_copy(const uint8_t *digest, size_t *len)
{
    Mpc__Result res = MPC__RESULT__INIT;
    res.request_id = "r1";
    res.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    res.status_code = MPC_ERR_REQ_ID_REUSED;
    res.status_name = "MPC_ERR_REQ_ID_REUSED";
    res.node_id = "node-1";
    res.request_digest.data = (uint8_t *)digest;
    res.request_digest.len = digest != NULL ? 32 : 0;
    *len = mpc__result__get_packed_size(&res);
    uint8_t *b = malloc(*len);
    assert_non_null(b);
    mpc__result__pack(&res, b);
    return sign_as(b, len, "node-1", node_sk[0]);
}

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
    size_t len = 0;
    uint8_t *b = digest_copy(theirs, &len);
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    free(b);
    assert_int_equal(f->r.n, 0);
    assert_int_equal(f->r.foreign, 1);
    b = digest_copy(mine, &len); /* ours: taken */
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    free(b);
    assert_int_equal(f->r.n, 1);
    b = digest_copy(NULL, &len); /* no digest (an older node): taken, here a duplicate */
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    free(b);
    assert_int_equal(f->r.duplicates, 1);
    assert_int_equal(f->r.foreign, 1);
}

/* A reader of one key type of a two-type keygen (mpc-cli xpub) is not done when every node has
 * answered with the other key type's copy: it used to stop there and find no copy of its own. */
static void
test_cli_results_key_type_filter(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    static const char *const peers[] = {"node-1", "node-2", "node-3"};
    p.peers = peers;
    p.n_peers = 3;
    p.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    add(f, "node-1", "node-1", 0, f->sig, &p);
    add(f, "node-2", "node-2", 0, f->sig, &p);
    add(f, "node-3", "node-3", 0, f->sig, &p);
    assert_int_equal(f->r.n, 3);
    assert_false(cli_results_done(&f->r, &p)); /* three ed25519 copies, no secp256k1 one */
    p.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    assert_true(cli_results_done(&f->r, &p));
    p.key_type = 0;
    assert_true(cli_results_done(&f->r, &p));
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
    cli_results_finish(&f->r, &p);
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
    cli_results_finish(&f->r, &p);
    assert_false(f->r.quorum); /* 1 of threshold 2 */
    assert_int_equal(f->r.n_missing, 2);
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_TIMEOUT);
}

/* A forger with node-1's NATS credentials but not its identity key. */
static void
test_cli_results_forged_copies_rejected(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    static const char *const parts[] = {"node-1", "node-2", "node-3"};
    uint8_t fake_pk[32], fake_sk[64], fake_sig[64];
    crypto_sign_keypair(fake_pk, fake_sk);
    crypto_sign_detached(fake_sig, NULL, f->msg, sizeof(f->msg), fake_sk);
    size_t len = 0;
    /* 1. claims node-1, signed with the outsider's key */
    uint8_t *b = result_bytes(MPC__OP__OP_SIGN, "node-1", 0, fake_pk, fake_sig, parts, 3, &len);
    b = sign_as(b, &len, "node-1", node_sk[3]);
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    free(b);
    /* 2. claims a signer outside the peers file */
    b = result_bytes(MPC__OP__OP_SIGN, "node-x", 0, fake_pk, fake_sig, parts, 3, &len);
    b = sign_as(b, &len, "node-x", node_sk[3]);
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    free(b);
    /* 3. unsigned */
    b = result_bytes(MPC__OP__OP_SIGN, "node-1", 0, fake_pk, fake_sig, parts, 3, &len);
    cli_results_add(&f->r, b, len, "node-1", &p, 1);
    free(b);
    /* 4. a genuine copy of node-2, altered after signing (another public key) */
    b = result_bytes(MPC__OP__OP_SIGN, "node-2", 0, f->pk, f->sig, parts, 3, &len);
    b = sign_as(b, &len, "node-2", node_sk[1]);
    Mpc__Result *res = mpc__result__unpack(NULL, len, b);
    memcpy(res->public_key.data, fake_pk, 32);
    free(b);
    len = mpc__result__get_packed_size(res);
    b = malloc(len);
    mpc__result__pack(res, b);
    mpc__result__free_unpacked(res, NULL);
    cli_results_add(&f->r, b, len, "node-2", &p, 1);
    free(b);
    assert_int_equal(f->r.n, 0); /* nothing accepted */
    assert_int_equal(f->r.n_rejected, 4);
    assert_string_equal(f->r.rejected[0].node, "node-1");
    assert_string_equal(f->r.rejected[3].node, "node-2");
    cli_results_finish(&f->r, &p);
    assert_false(f->r.quorum);
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_FAILED);
    /* the genuine copies still count */
    add(f, "node-2", "node-2", 0, f->sig, &p);
    add(f, "node-3", "node-3", 0, f->sig, &p);
    cli_results_finish(&f->r, &p);
    assert_true(f->r.quorum); /* 2 of threshold 2; node-1 named missing */
    assert_int_equal(f->r.n_missing, 1);
    assert_string_equal(f->r.missing[0], "node-1");
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_OK);
    assert_memory_equal(f->r.v[0].res->public_key.data, f->pk, 32);
}

/* A node that signs a false key with its own identity key: a disagreement, both named. */
static void
test_cli_results_keygen_disagreement_named(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    p.message = NULL;
    static const char *const parts[] = {"node-1", "node-2", "node-3"};
    uint8_t fake_pk[32], fake_sk[64];
    crypto_sign_keypair(fake_pk, fake_sk);
    for (size_t i = 0; i < 3; i++) {
        size_t len = 0;
        uint8_t *b = result_bytes(MPC__OP__OP_KEYGEN, node_names[i], 0, i == 0 ? fake_pk : f->pk,
                                  NULL, parts, 3, &len);
        b = sign_as(b, &len, node_names[i], node_sk[i]);
        cli_results_add(&f->r, b, len, node_names[i], &p, 1);
        free(b);
    }
    assert_int_equal(f->r.n, 3);
    assert_true(f->r.inconsistent);
    assert_string_equal(f->r.disagree_what, "public key");
    assert_string_equal(f->r.disagree[0], "node-1");
    assert_string_equal(f->r.disagree[1], "node-2");
    cli_results_finish(&f->r, &p);
    assert_int_equal(cli_results_exit(&f->r), CLI_EXIT_FAILED);
}

/* keygen needs every participant: two of three is not enough. */
static void
test_cli_results_keygen_needs_every_participant(void **state)
{
    struct fx *f = *state;
    struct cli_collect_params p;
    params(&p, f);
    p.message = NULL;
    static const char *const parts[] = {"node-1", "node-2", "node-3"};
    for (size_t i = 1; i < 3; i++) {
        size_t len = 0;
        uint8_t *b =
            result_bytes(MPC__OP__OP_KEYGEN, node_names[i], 0, f->pk, NULL, parts, 3, &len);
        b = sign_as(b, &len, node_names[i], node_sk[i]);
        cli_results_add(&f->r, b, len, node_names[i], &p, 1);
        free(b);
    }
    f->r.timed_out = 1;
    cli_results_finish(&f->r, &p);
    assert_false(f->r.quorum);
    assert_int_equal(f->r.n_missing, 1);
    assert_string_equal(f->r.missing[0], "node-1");
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
    res.threshold = 1;
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
    return sign_as(out, len, "node-1", node_sk[0]);
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
    p.keys = peer_keys;
    p.n_keys = 3;
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
    p.keys = peer_keys;
    p.n_keys = 3;
    size_t len = 0;
    uint8_t *b = ecdsa_result_bytes(pk33, rs, recid, &len);
    cli_results_add(r, b, len, "node-1", &p, 1);
    free(b);
    assert_int_equal(r->v[0].verified, -1);
    cli_results_finish(r, &p);
    assert_int_equal(cli_results_exit(r), CLI_EXIT_FAILED);
    cli_results_clear(r);
    free(r);
    secp256k1_context_destroy(ctx);
}

/* The fill every collecting command shares, and the sign checks by key length. */
static void
test_cli_collect_params_fill(void **state)
{
    (void)state;
    struct cli_peer_keys peers;
    memset(&peers, 0, sizeof peers);
    peers.ids[0] = "n1";
    peers.ids[1] = "n2";
    peers.n = 2;
    struct cli_collect_params p;
    memset(&p, 0xa5, sizeof p);
    cli_collect_params_init(&p, "cli", "req-1", &peers, 7, 3000);
    assert_string_equal(p.client_id, "cli");
    assert_string_equal(p.request_id, "req-1");
    assert_int_equal(p.n_key_types, 1);
    assert_ptr_equal(p.peers, peers.ids);
    assert_int_equal(p.n_peers, 2);
    assert_ptr_equal(p.keys, peers.keys);
    assert_int_equal(p.n_keys, 2);
    assert_int_equal(p.expect, 7);
    assert_int_equal(p.timeout_ms, 3000);
    assert_null(p.expected);
    assert_null(p.request_digest);
    assert_null(p.message);
    assert_int_equal(p.progress, 0);
    const uint8_t pk[33] = {2};
    const uint8_t msg[4] = {1, 2, 3, 4};
    cli_collect_params_sign(&p, msg, sizeof msg, pk, 32);
    assert_ptr_equal(p.message, msg);
    assert_int_equal(p.message_len, 4);
    assert_ptr_equal(p.pk, pk);
    assert_null(p.pk33);
    cli_collect_params_sign(&p, msg, sizeof msg, pk, 33);
    assert_null(p.pk);
    assert_ptr_equal(p.pk33, pk);
    cli_collect_params_sign(&p, NULL, 0, pk, 0);
    assert_null(p.pk);
    assert_null(p.pk33);
    assert_null(p.message);
    struct cli_results *r = cli_results_new();
    assert_non_null(r);
    assert_int_equal(r->n, 0);
    cli_results_free(r);
    cli_results_free(NULL);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    keys_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cli_results_three_verified_copies_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_bad_signature_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_expected_key_overrides_reported, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_duplicates_and_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_foreign_request_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_errors_and_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_key_type_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_timeout_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_forged_copies_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_keygen_disagreement_named, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli_results_keygen_needs_every_participant, setup,
                                        teardown),
        cmocka_unit_test(test_cli_results_ecdsa_verification),
        cmocka_unit_test(test_cli_collect_params_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

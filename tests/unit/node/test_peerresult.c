/*
 * test_peerresult.c — node/peerresult.h: a peer's logged sign result is
 * adopted only when it is signed by that peer, answers the same request
 * (id, digest), key type and version, is a success, and its signature
 * verifies under the group key over the request's message (Ed25519 and
 * ECDSA); each refusal has its own status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include "node/client/results.h"
#include "node/peerresult.h"

struct fx {
    uint8_t id_pk[32], id_sk[64];       /* the peer's identity key */
    uint8_t other_pk[32], other_sk[64]; /* another node's identity key */
    uint8_t ed_pk[32], ed_sk[64];       /* an Ed25519 group key */
    uint8_t ec_pk[33], ec_sk[32];       /* a secp256k1 group key */
    uint8_t digest[32];                 /* the request digest */
    uint8_t msg[32];                    /* the message (ECDSA digest) */
};

static struct fx F;

static mpc_status
sign_with(void *ctx, uint8_t *sig, const uint8_t *m, size_t len)
{
    return crypto_sign_detached(sig, NULL, m, len, ctx) == 0 ? MPC_OK : MPC_ERR_CRYPTO;
}

static int
setup(void **state)
{
    (void)state;
    crypto_sign_keypair(F.id_pk, F.id_sk);
    crypto_sign_keypair(F.other_pk, F.other_sk);
    crypto_sign_keypair(F.ed_pk, F.ed_sk);
    randombytes_buf(F.digest, sizeof F.digest);
    randombytes_buf(F.msg, sizeof F.msg);
    secp256k1_pubkey pk;
    size_t n = 33;
    do {
        randombytes_buf(F.ec_sk, sizeof F.ec_sk);
    } while (!secp256k1_ec_seckey_verify(secp256k1_context_static, F.ec_sk));
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    assert_true(secp256k1_ec_pubkey_create(c, &pk, F.ec_sk));
    assert_true(secp256k1_ec_pubkey_serialize(c, F.ec_pk, &n, &pk, SECP256K1_EC_COMPRESSED));
    secp256k1_context_destroy(c);
    return 0;
}

static const uint8_t *make_presig; /* Result.presig_used of the next make(), or NULL */

/* A signed sign Result by `signer` with identity key sk. */
static uint8_t *
make(int key_type, mpc_status st, uint32_t version, const uint8_t *digest, const char *signer,
     uint8_t *sk, int flip, size_t *len)
{
    uint8_t sig[64];
    if (key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519) {
        crypto_sign_detached(sig, NULL, F.msg, sizeof F.msg, F.ed_sk);
    } else {
        secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        secp256k1_ecdsa_signature s;
        assert_true(secp256k1_ecdsa_sign(c, &s, F.msg, F.ec_sk, NULL, NULL));
        assert_true(secp256k1_ecdsa_signature_serialize_compact(c, sig, &s));
        secp256k1_context_destroy(c);
    }
    sig[10] ^= (uint8_t)(flip > 0 ? flip : 0);
    const char *parts[2] = {"node-1", "node-3"};
    int ok = st == MPC_OK && flip >= 0; /* flip < 0: a success without its signature */
    struct node_client_result_info info = {
        .request_id = "req-7",
        .op = MPC__OP__OP_SIGN,
        .key_type = key_type,
        .wallet_id = "w",
        .status = st,
        .signature = ok && key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519 ? sig : NULL,
        .signature_len = ok && key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519 ? 64 : 0,
        .ecdsa_rs = ok && key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 ? sig : NULL,
        .recovery_id = 1,
        .key_version = version,
        .participants = parts,
        .n_participants = 2,
        .threshold = 2,
        .node_id = signer,
        .request_digest = digest,
        .presig_used = make_presig,
    };
    uint8_t *enc = NULL, *out = NULL;
    size_t el = 0;
    assert_int_equal(node_client_result_encode(&info, &enc, &el), MPC_OK);
    assert_int_equal(node_client_result_sign(enc, el, signer, sign_with, sk, &out, len), MPC_OK);
    free(enc);
    return out;
}

static struct node_peerresult_want
want(int key_type)
{
    int ed = key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519;
    struct node_peerresult_want w = {
        .peer = "node-3",
        .peer_pk = F.id_pk,
        .request_id = "req-7",
        .digest = F.digest,
        .key_type = key_type,
        .version = 2,
        .group_pk = ed ? F.ed_pk : F.ec_pk,
        .group_pk_len = ed ? 32 : 33,
        .msg = F.msg,
        .msg_len = sizeof F.msg,
    };
    return w;
}

static mpc_status
check(const uint8_t *b, size_t len, const struct node_peerresult_want *w, int keep_res)
{
    Mpc__Result *r = (Mpc__Result *)1;
    uint8_t sig[64], recid = 9;
    mpc_status st = node_peerresult_check(b, len, w, &r, sig, &recid);
    if (st == MPC_OK) {
        assert_non_null(r);
        assert_int_equal(r->n_participants, 2);
        if (w->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1) {
            assert_int_equal(recid, 1);
        }
        (void)keep_res;
        mpc__result__free_unpacked(r, NULL);
    } else {
        assert_null(r);
        assert_int_equal(recid, 0);
    }
    return st;
}

static void
adopts_valid(int kt)
{
    size_t len = 0;
    uint8_t *b = make(kt, MPC_OK, 2, F.digest, "node-3", F.id_sk, 0, &len);
    struct node_peerresult_want w = want(kt);
    assert_int_equal(check(b, len, &w, 1), MPC_OK);
    free(b);
}

static void
test_peerresult_adopts_a_valid_success(void **state)
{
    (void)state;
    adopts_valid(MPC__KEY_TYPE__KEY_TYPE_ED25519);
    adopts_valid(MPC__KEY_TYPE__KEY_TYPE_SECP256K1);
}

/* A copy served online names its presignature, and the adopter takes it over;
 * a presig_used on anything but an ECDSA sign is refused as malformed. */
static void
test_peerresult_presig_used(void **state)
{
    (void)state;
    uint8_t id[32], got[32];
    randombytes_buf(id, sizeof id);
    size_t len = 0;
    struct node_peerresult_want w = want(MPC__KEY_TYPE__KEY_TYPE_SECP256K1);
    make_presig = id;
    uint8_t *b =
        make(MPC__KEY_TYPE__KEY_TYPE_SECP256K1, MPC_OK, 2, F.digest, "node-3", F.id_sk, 0, &len);
    Mpc__Result *r = NULL;
    uint8_t sig[64], recid = 0;
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_OK);
    memset(got, 0, sizeof got);
    assert_int_equal(node_peerresult_presig(r, got), 1);
    assert_memory_equal(got, id, 32);
    mpc__result__free_unpacked(r, NULL);
    free(b);

    w = want(MPC__KEY_TYPE__KEY_TYPE_ED25519); /* an EdDSA sign has no presignature */
    b = make(MPC__KEY_TYPE__KEY_TYPE_ED25519, MPC_OK, 2, F.digest, "node-3", F.id_sk, 0, &len);
    assert_int_equal(check(b, len, &w, 0), MPC_ERR_MSG_MALFORMED);
    free(b);
    make_presig = NULL;

    w = want(MPC__KEY_TYPE__KEY_TYPE_SECP256K1); /* served by dkls-sign: nothing to take over */
    b = make(MPC__KEY_TYPE__KEY_TYPE_SECP256K1, MPC_OK, 2, F.digest, "node-3", F.id_sk, 0, &len);
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_OK);
    assert_int_equal(node_peerresult_presig(r, got), 0);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    assert_int_equal(node_peerresult_presig(NULL, got), 0);
}

static void
test_peerresult_refusals_each_with_its_code(void **state)
{
    (void)state;
    for (int kt = MPC__KEY_TYPE__KEY_TYPE_ED25519; kt <= MPC__KEY_TYPE__KEY_TYPE_SECP256K1; kt++) {
        struct node_peerresult_want w = want(kt);
        size_t len = 0;
        uint8_t other_digest[32];
        memcpy(other_digest, F.digest, 32);
        other_digest[0] ^= 1;
        /* nothing logged */
        assert_int_equal(check((const uint8_t *)"-", 1, &w, 0), MPC_ERR_NOT_FOUND);
        /* a logged failure: final, the peer joins no further attempt */
        uint8_t *b = make(kt, MPC_ERR_PEER_UNAVAILABLE, 2, F.digest, "node-3", F.id_sk, 0, &len);
        assert_int_equal(check(b, len, &w, 0), MPC_ERR_GONE);
        free(b);
        /* a success without a signature */
        b = make(kt, MPC_OK, 2, F.digest, "node-3", F.id_sk, -1, &len);
        assert_int_equal(check(b, len, &w, 0), MPC_ERR_MSG_MALFORMED);
        free(b);
        /* undecodable */
        assert_int_equal(check((const uint8_t *)"\xff\xff\xff", 3, &w, 0), MPC_ERR_MSG_MALFORMED);
        /* signed by another node's key, or naming another signer */
        b = make(kt, MPC_OK, 2, F.digest, "node-3", F.other_sk, 0, &len);
        assert_int_equal(check(b, len, &w, 0), MPC_ERR_MSG_BAD_SIGNATURE);
        free(b);
        b = make(kt, MPC_OK, 2, F.digest, "node-2", F.id_sk, 0, &len);
        assert_int_equal(check(b, len, &w, 0), MPC_ERR_MSG_BAD_SIGNATURE);
        free(b);
        /* another request's bytes, another version, another key type */
        b = make(kt, MPC_OK, 2, other_digest, "node-3", F.id_sk, 0, &len);
        assert_int_equal(check(b, len, &w, 0), MPC_ERR_MSG_WRONG_SESSION);
        free(b);
        b = make(kt, MPC_OK, 1, F.digest, "node-3", F.id_sk, 0, &len);
        assert_int_equal(check(b, len, &w, 0), MPC_ERR_MSG_WRONG_SESSION);
        free(b);
        struct node_peerresult_want w2 = want(kt);
        w2.request_id = "req-8";
        b = make(kt, MPC_OK, 2, F.digest, "node-3", F.id_sk, 0, &len);
        assert_int_equal(check(b, len, &w2, 0), MPC_ERR_MSG_WRONG_SESSION);
        w2 = want(kt == MPC__KEY_TYPE__KEY_TYPE_ED25519 ? MPC__KEY_TYPE__KEY_TYPE_SECP256K1
                                                        : MPC__KEY_TYPE__KEY_TYPE_ED25519);
        assert_int_equal(check(b, len, &w2, 0), MPC_ERR_MSG_WRONG_SESSION);
        free(b);
        /* a signature that does not verify (one bit flipped), or another message */
        b = make(kt, MPC_OK, 2, F.digest, "node-3", F.id_sk, 4, &len);
        assert_int_equal(check(b, len, &w, 0), MPC_ERR_VERIFY_FAILED);
        free(b);
        b = make(kt, MPC_OK, 2, F.digest, "node-3", F.id_sk, 0, &len);
        uint8_t msg2[32];
        memcpy(msg2, F.msg, 32);
        msg2[31] ^= 0x80;
        w2 = want(kt);
        w2.msg = msg2;
        assert_int_equal(check(b, len, &w2, 0), MPC_ERR_VERIFY_FAILED);
        free(b);
    }
}

/*
 * A Taproot success signed by libsecp256k1 under the BIP86 output key of the
 * group key. Out: q (the x-only output key). flip: xor into the signature;
 * q_flip: xor into the output key the Result reports.
 */
static uint8_t *
make_tr_under(const uint8_t sk[32], uint8_t q[32], int flip, int q_flip, size_t *len)
{
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_keypair kp;
    secp256k1_xonly_pubkey xp, xq;
    uint8_t px[32], t[32], sig[64], rq[32];
    assert_true(secp256k1_keypair_create(c, &kp, sk));
    assert_true(secp256k1_keypair_xonly_pub(c, &xp, NULL, &kp));
    assert_true(secp256k1_xonly_pubkey_serialize(c, px, &xp));
    assert_true(secp256k1_tagged_sha256(c, t, (const uint8_t *)"TapTweak", 8, px, 32));
    assert_true(secp256k1_keypair_xonly_tweak_add(c, &kp, t));
    assert_true(secp256k1_keypair_xonly_pub(c, &xq, NULL, &kp));
    assert_true(secp256k1_xonly_pubkey_serialize(c, q, &xq));
    assert_true(secp256k1_schnorrsig_sign32(c, sig, F.msg, &kp, NULL));
    secp256k1_context_destroy(c);
    sig[10] ^= (uint8_t)flip;
    memcpy(rq, q, 32);
    rq[0] ^= (uint8_t)q_flip;
    const char *parts[2] = {"node-1", "node-3"};
    struct node_client_result_info info = {
        .request_id = "req-7",
        .op = MPC__OP__OP_SIGN,
        .key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR,
        .wallet_id = "w",
        .status = MPC_OK,
        .public_key = F.ec_pk,
        .public_key_len = 33,
        .schnorr_signature = sig,
        .taproot_output_key = rq,
        .taproot_internal_key = px,
        .key_version = 2,
        .participants = parts,
        .n_participants = 2,
        .threshold = 2,
        .node_id = "node-3",
        .request_digest = F.digest,
    };
    uint8_t *enc = NULL, *out = NULL;
    size_t el = 0;
    assert_int_equal(node_client_result_encode(&info, &enc, &el), MPC_OK);
    assert_int_equal(node_client_result_sign(enc, el, "node-3", sign_with, F.id_sk, &out, len),
                     MPC_OK);
    free(enc);
    return out;
}

static uint8_t *
make_tr(uint8_t q[32], int flip, int q_flip, size_t *len)
{
    return make_tr_under(F.ec_sk, q, flip, q_flip, len);
}

/* A Taproot sign for a derivation path: the result is checked under the child's keys. */
static void
test_peerresult_taproot_child(void **state)
{
    (void)state;
    uint8_t child_sk[32], child[33], q[32], sig[64], recid = 9;
    size_t len = 0, n = 33, key_len = 0;
    const uint8_t *key = NULL;
    Mpc__Result *r = NULL;
    secp256k1_pubkey cp;
    memcpy(child_sk, F.ec_sk, 32);
    child_sk[31] ^= 0x5a; /* another key: a child Y + τ·G as far as the check can tell */
    assert_true(secp256k1_ec_seckey_verify(secp256k1_context_static, child_sk));
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    assert_true(secp256k1_ec_pubkey_create(c, &cp, child_sk));
    assert_true(secp256k1_ec_pubkey_serialize(c, child, &n, &cp, SECP256K1_EC_COMPRESSED));
    secp256k1_context_destroy(c);
    /* The key chosen: the group key without a path, the child once derived, none before. */
    assert_true(node_peerresult_sign_key(F.ec_pk, 33, NULL, 0, "", &key, &key_len));
    assert_ptr_equal(key, F.ec_pk);
    assert_true(node_peerresult_sign_key(F.ec_pk, 33, NULL, 0, NULL, &key, &key_len));
    assert_ptr_equal(key, F.ec_pk);
    assert_false(node_peerresult_sign_key(F.ec_pk, 33, NULL, 0, "m/0/5", &key, &key_len));
    assert_true(node_peerresult_sign_key(F.ec_pk, 33, child, 33, "m/0/5", &key, &key_len));
    assert_ptr_equal(key, child);
    assert_int_equal(key_len, 33);
    struct node_peerresult_want w = want(MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR);
    w.group_pk = key;
    w.group_pk_len = key_len;
    uint8_t *b = make_tr_under(child_sk, q, 0, 0, &len); /* signed under the child's output key */
    w.tr_output = q;
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_OK);
    mpc__result__free_unpacked(r, NULL);
    w.group_pk = F.ec_pk; /* the root's internal key is not the one reported */
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_ERR_MSG_MALFORMED);
    assert_null(r);
    free(b);
}

static void
test_peerresult_taproot(void **state)
{
    (void)state;
    uint8_t q[32], sig[64], recid = 9;
    size_t len = 0;
    Mpc__Result *r = NULL;
    struct node_peerresult_want w = want(MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR);
    w.group_pk = F.ec_pk;
    w.group_pk_len = 33;
    uint8_t *b = make_tr(q, 0, 0, &len);
    w.tr_output = q;
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_OK);
    assert_non_null(r);
    assert_memory_equal(sig, r->schnorr_signature.data, 64);
    assert_int_equal(recid, 0);
    mpc__result__free_unpacked(r, NULL);
    w.tr_output = NULL; /* the node could not derive the output key it expects */
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_ERR_MSG_MALFORMED);
    free(b);
    w.tr_output = q;
    b = make_tr(q, 1, 0, &len); /* a bad BIP340 signature */
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_ERR_VERIFY_FAILED);
    assert_null(r);
    free(b);
    b = make_tr(q, 0, 1, &len); /* another output key than the request's tweak gives */
    assert_int_equal(node_peerresult_check(b, len, &w, &r, sig, &recid), MPC_ERR_MSG_MALFORMED);
    free(b);
}

static void
test_peerresult_bad_args(void **state)
{
    (void)state;
    struct node_peerresult_want w = want(MPC__KEY_TYPE__KEY_TYPE_ED25519);
    Mpc__Result *r = NULL;
    uint8_t sig[64], recid;
    assert_int_equal(node_peerresult_check(NULL, 1, &w, &r, sig, &recid), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_peerresult_check((const uint8_t *)"-", 1, NULL, &r, sig, &recid),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_peerresult_check((const uint8_t *)"-", 1, &w, NULL, sig, &recid),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_peerresult_check((const uint8_t *)"-", 1, &w, &r, NULL, &recid),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_peerresult_check((const uint8_t *)"-", 1, &w, &r, sig, NULL),
                     MPC_ERR_INVALID_ARG);
    w.group_pk = NULL;
    assert_int_equal(node_peerresult_check((const uint8_t *)"-", 1, &w, &r, sig, &recid),
                     MPC_ERR_INVALID_ARG);
    assert_null(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peerresult_adopts_a_valid_success),
        cmocka_unit_test(test_peerresult_presig_used),
        cmocka_unit_test(test_peerresult_refusals_each_with_its_code),
        cmocka_unit_test(test_peerresult_bad_args),
        cmocka_unit_test(test_peerresult_taproot),
        cmocka_unit_test(test_peerresult_taproot_child),
    };
    if (sodium_init() < 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, NULL);
}

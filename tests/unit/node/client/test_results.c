/*
 * test_results.c — node/client/results.h: Result encoding (decoded back with the
 * generated protobuf-c code) and the request-log entry round trip and its
 * corruption checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "node/client/evidence.h"
#include "node/client/results.h"

static const char *const parts[] = {"node-1", "node-2", "node-3"};

static void
info_ok(struct node_client_result_info *in, const uint8_t *pk, const uint8_t *sig)
{
    memset(in, 0, sizeof *in);
    in->request_id = "r-1";
    in->op = MPC__OP__OP_SIGN;
    in->key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    in->wallet_id = "w";
    in->status = MPC_OK;
    in->public_key = pk;
    in->public_key_len = 32;
    in->signature = sig;
    in->signature_len = 64;
    in->key_version = 2;
    in->participants = parts;
    in->n_participants = 3;
    in->threshold = 2;
    in->node_id = "node-2";
    in->finished_at_ms = 1234;
    in->duration_ms = 56;
}

static void
test_result_encode_success(void **state)
{
    (void)state;
    uint8_t pk[32], sig[64], *b = NULL;
    size_t len = 0;
    struct node_client_result_info in;
    memset(pk, 7, sizeof pk);
    memset(sig, 9, sizeof sig);
    info_ok(&in, pk, sig);
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, len, b);
    assert_non_null(r);
    assert_string_equal(r->request_id, "r-1");
    assert_int_equal(r->op, MPC__OP__OP_SIGN);
    assert_int_equal(r->status_code, 0);
    assert_string_equal(r->status_name, "MPC_OK");
    assert_string_equal(r->error_text, "");
    assert_memory_equal(r->public_key.data, pk, 32);
    assert_memory_equal(r->eddsa_signature.data, sig, 64);
    assert_int_equal(r->key_version, 2);
    assert_int_equal(r->n_participants, 3);
    assert_string_equal(r->participants[2], "node-3");
    assert_int_equal(r->threshold, 2);
    assert_string_equal(r->node_id, "node-2");
    assert_int_equal(r->duration_ms, 56);
    mpc__result__free_unpacked(r, NULL);
    free(b);
}

static void
test_result_encode_error_text(void **state)
{
    (void)state;
    uint8_t *b = NULL;
    size_t len = 0;
    struct node_client_result_info in = {.request_id = "r",
                                         .node_id = "n",
                                         .status = MPC_ERR_PEER_UNAVAILABLE,
                                         .failed_round = 2,
                                         .failed_peer = "node-3"};
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, len, b);
    assert_non_null(r);
    assert_int_equal(r->status_code, 104);
    assert_string_equal(r->status_name, "MPC_ERR_PEER_UNAVAILABLE");
    assert_string_equal(r->error_text, mpc_status_str(MPC_ERR_PEER_UNAVAILABLE));
    assert_int_equal(r->failed_round, 2);
    assert_string_equal(r->failed_peer, "node-3");
    assert_int_equal(r->eddsa_signature.len, 0);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    in.error_text = "detail";
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_OK);
    r = mpc__result__unpack(NULL, len, b);
    assert_string_equal(r->error_text, "detail");
    mpc__result__free_unpacked(r, NULL);
    free(b);
}

static void
test_result_encode_ecdsa_fields(void **state)
{
    (void)state;
    uint8_t pk[33], rs[64], *b = NULL;
    size_t len = 0;
    struct node_client_result_info in;
    for (size_t i = 0; i < sizeof rs; i++) { /* distinct bytes: r and s cannot be swapped */
        rs[i] = (uint8_t)(i + 1);
    }
    memset(pk, 0x02, sizeof pk);
    info_ok(&in, pk, NULL);
    in.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    in.public_key_len = 33;
    in.signature_len = 0;
    in.ecdsa_rs = rs;
    in.recovery_id = 3;
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, len, b);
    assert_non_null(r);
    assert_int_equal(r->ecdsa_r.len, 32);
    assert_memory_equal(r->ecdsa_r.data, rs, 32);
    assert_int_equal(r->ecdsa_s.len, 32);
    assert_memory_equal(r->ecdsa_s.data, rs + 32, 32);
    assert_int_equal(r->recovery_id, 3);
    assert_int_equal(r->ecdsa_compact.len, 65);
    assert_memory_equal(r->ecdsa_compact.data, rs, 64);
    assert_int_equal(r->ecdsa_compact.data[64], 3);
    assert_int_equal(r->eddsa_signature.len, 0);
    assert_int_equal(r->public_key.len, 33);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    /* no ECDSA fields without ecdsa_rs; a recovery id above 3 is refused */
    in.ecdsa_rs = NULL;
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_OK);
    r = mpc__result__unpack(NULL, len, b);
    assert_non_null(r);
    assert_int_equal(r->ecdsa_compact.len, 0);
    assert_int_equal(r->ecdsa_r.len, 0);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    in.ecdsa_rs = rs;
    in.recovery_id = 4;
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_ERR_INVALID_ARG);
    assert_null(b);
}

static void
test_result_encode_bad_args(void **state)
{
    (void)state;
    uint8_t *b = (uint8_t *)1;
    size_t len = 1;
    struct node_client_result_info in = {.request_id = "r"}; /* no node id */
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_ERR_INVALID_ARG);
    assert_null(b);
    assert_int_equal(len, 0);
    in.node_id = "n";
    in.n_participants = 1; /* without the array */
    assert_int_equal(node_client_result_encode(&in, &b, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_result_encode(NULL, &b, &len), MPC_ERR_INVALID_ARG);
}

/* Two encoded results for the entry tests. */
static void
two_results(uint8_t **res, size_t *lens)
{
    uint8_t pk[32] = {1}, sig[64] = {2};
    struct node_client_result_info in;
    info_ok(&in, pk, sig);
    assert_int_equal(node_client_result_encode(&in, &res[0], &lens[0]), MPC_OK);
    in.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    in.status = MPC_ERR_UNSUPPORTED;
    assert_int_equal(node_client_result_encode(&in, &res[1], &lens[1]), MPC_OK);
}

/* The request digest travels with the entry (a reused id is told from a duplicate). */
static void
test_results_entry_digest(void **state)
{
    (void)state;
    uint8_t *res[2], *e = NULL, digest[32];
    size_t lens[2], elen = 0;
    struct node_client_results_entry out;
    for (int i = 0; i < 32; i++) {
        digest[i] = (uint8_t)(0xa0 + i);
    }
    /* a Result names the request it answers */
    uint8_t pk[32] = {1}, sig[64] = {2};
    struct node_client_result_info in;
    info_ok(&in, pk, sig);
    in.request_digest = digest;
    assert_int_equal(node_client_result_encode(&in, &res[0], &lens[0]), MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, lens[0], res[0]);
    assert_non_null(r);
    assert_int_equal(r->request_digest.len, 32);
    assert_memory_equal(r->request_digest.data, digest, 32);
    mpc__result__free_unpacked(r, NULL);
    free(res[0]);
    two_results(res, lens);
    assert_int_equal(node_client_results_entry_encode("cli-9", digest, (const uint8_t *const *)res,
                                                      lens, 2, &e, &elen),
                     MPC_OK);
    assert_int_equal(node_client_results_entry_decode(&out, e, elen), MPC_OK);
    assert_true(out.has_digest);
    assert_memory_equal(out.digest, digest, 32);
    assert_int_equal(out.count, 2);
    assert_memory_equal(out.results[1], res[1], lens[1]);
    node_client_results_entry_clear(&out);
    for (size_t cut = 0; cut < elen; cut++) {
        assert_int_equal(node_client_results_entry_decode(&out, e, cut), MPC_ERR_CORRUPT);
    }
    e[2] = 0x03; /* an unknown flag */
    assert_int_equal(node_client_results_entry_decode(&out, e, elen), MPC_ERR_CORRUPT);
    free(e);
    free(res[0]);
    free(res[1]);
}

static void
test_results_entry_round_trip(void **state)
{
    (void)state;
    uint8_t *res[2], *e = NULL;
    size_t lens[2], elen = 0;
    struct node_client_results_entry out;
    two_results(res, lens);
    assert_int_equal(node_client_results_entry_encode("cli-9", NULL, (const uint8_t *const *)res,
                                                      lens, 2, &e, &elen),
                     MPC_OK);
    assert_int_equal(node_client_results_entry_decode(&out, e, elen), MPC_OK);
    assert_string_equal(out.client_id, "cli-9");
    assert_int_equal(out.count, 2);
    assert_false(out.has_digest);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(out.lens[i], lens[i]);
        assert_memory_equal(out.results[i], res[i], lens[i]);
    }
    node_client_results_entry_clear(&out);
    /* corruption: every truncation, a trailing byte, the format, the count */
    for (size_t cut = 0; cut < elen; cut++) {
        assert_int_equal(node_client_results_entry_decode(&out, e, cut), MPC_ERR_CORRUPT);
        assert_int_equal(out.count, 0);
    }
    uint8_t *longer = malloc(elen + 1);
    memcpy(longer, e, elen);
    longer[elen] = 0;
    assert_int_equal(node_client_results_entry_decode(&out, longer, elen + 1), MPC_ERR_CORRUPT);
    memcpy(longer, e, elen);
    longer[0] = 2;
    assert_int_equal(node_client_results_entry_decode(&out, longer, elen), MPC_ERR_CORRUPT);
    memcpy(longer, e, elen);
    longer[1] = 0;
    assert_int_equal(node_client_results_entry_decode(&out, longer, elen), MPC_ERR_CORRUPT);
    memcpy(longer, e, elen);
    longer[5] = '.'; /* client id charset */
    assert_int_equal(node_client_results_entry_decode(&out, longer, elen), MPC_ERR_CORRUPT);
    memcpy(longer, e, elen);
    longer[5 + 4] = '\0'; /* "cli-\0": found by fuzz_results, decoded as "cli-" before */
    assert_int_equal(node_client_results_entry_decode(&out, longer, elen), MPC_ERR_CORRUPT);
    assert_int_equal(out.count, 0);
    free(longer);
    free(e);
    free(res[0]);
    free(res[1]);
}

static void
test_results_entry_bad_args(void **state)
{
    (void)state;
    uint8_t *res[2], *e = (uint8_t *)1;
    size_t lens[2], elen = 1;
    struct node_client_results_entry out;
    two_results(res, lens);
    const uint8_t *const *r = (const uint8_t *const *)res;
    assert_int_equal(node_client_results_entry_encode("a.b", NULL, r, lens, 2, &e, &elen),
                     MPC_ERR_INVALID_ARG);
    assert_null(e);
    assert_int_equal(elen, 0);
    assert_int_equal(node_client_results_entry_encode("c", NULL, r, lens, 0, &e, &elen),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_results_entry_encode("c", NULL, r, lens,
                                                      NODE_CLIENT_RESULTS_MAX + 1, &e, &elen),
                     MPC_ERR_INVALID_ARG);
    size_t huge[1] = {NODE_CLIENT_RESULTS_ENTRY_MAX};
    assert_int_equal(node_client_results_entry_encode("c", NULL, r, huge, 1, &e, &elen),
                     MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(node_client_results_entry_decode(NULL, res[0], lens[0]), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_results_entry_decode(&out, NULL, 3), MPC_ERR_INVALID_ARG);
    node_client_results_entry_clear(NULL);
    free(res[0]);
    free(res[1]);
}

/* node_client_result_sign_fn with a raw libsodium secret key as ctx. */
static mpc_status
sign_raw(void *ctx, uint8_t *sig, const uint8_t *msg, size_t len)
{
    return crypto_sign_detached(sig, NULL, msg, len, ctx) == 0 ? MPC_OK : MPC_ERR_CRYPTO;
}

static mpc_status
sign_fails(void *ctx, uint8_t *sig, const uint8_t *msg, size_t len)
{
    (void)ctx;
    (void)sig;
    (void)msg;
    (void)len;
    return MPC_ERR_CRYPTO;
}

/* Encodes the standard info with digest, signs it as node-2 with sk. */
static Mpc__Result *
signed_result(const uint8_t *sk, uint8_t **bytes, size_t *len)
{
    uint8_t pk[32], sig[64], digest[32], *b = NULL;
    size_t bl = 0;
    struct node_client_result_info in;
    memset(pk, 7, sizeof pk);
    memset(sig, 9, sizeof sig);
    info_ok(&in, pk, sig);
    crypto_hash_sha256(digest, (const uint8_t *)"req", 3); /* any 32 bytes stand for the digest */
    in.request_digest = digest;
    in.failed_peer = "node-3";
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, bytes, len),
                     MPC_OK);
    free(b);
    Mpc__Result *r = mpc__result__unpack(NULL, *len, *bytes);
    assert_non_null(r);
    assert_string_equal(r->signer_node_id, "node-2");
    assert_int_equal(r->node_signature.len, 64);
    assert_int_equal(r->request_digest.len, 32);
    return r;
}

static void
test_result_sign_verify(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], pk2[32], sk2[64], *b = NULL, *b2 = NULL;
    size_t len = 0, len2 = 0;
    crypto_sign_keypair(pk, sk);
    crypto_sign_keypair(pk2, sk2);
    Mpc__Result *r = signed_result(sk, &b, &len);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    assert_int_equal(node_client_result_verify(r, pk2), MPC_ERR_VERIFY_FAILED);
    /* deterministic: signing again gives the same bytes (republish is byte-identical) */
    Mpc__Result *r2 = signed_result(sk, &b2, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(b, b2, len);
    mpc__result__free_unpacked(r2, NULL);
    free(b2);
    /* every signed field is covered: change one at a time */
    r->key_version++;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->key_version--;
    r->public_key.data[0] ^= 1;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->public_key.data[0] ^= 1;
    r->request_digest.data[31] ^= 1;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->request_digest.data[31] ^= 1;
    r->threshold = 3;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->threshold = 2;
    r->status_code = 1;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->status_code = 0;
    r->failed_peer[0] = 'x'; /* the culprit */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->failed_peer[0] = 'n';
    r->participants[1][5] = '9';
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->participants[1][5] = '2';
    r->signer_node_id[5] = '1'; /* claim another signer */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->signer_node_id[5] = '2';
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK); /* all restored */
    r->node_signature.len = 63;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->node_signature.len = 64;
    assert_int_equal(node_client_result_verify(NULL, pk), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_result_verify(r, NULL), MPC_ERR_INVALID_ARG);
    mpc__result__free_unpacked(r, NULL);
    free(b);
}

/* Evidence beyond the 12 KiB a Result holds: the Result keeps what fits and
 * binds the whole by its digest and size, under the node signature. */
static void
test_result_whole_evidence_digest(void **state)
{
    (void)state;
    static uint8_t big[40000], small[9000];
    memset(big, 0xbb, sizeof big);
    memset(small, 0x55, sizeof small);
    const uint8_t *ev[2] = {small, big};
    size_t ev_len[2] = {sizeof small, sizeof big};
    uint8_t pk[32], sk[64], rpk[32], sig[64], *b = NULL, *sb = NULL, *packed = NULL;
    size_t bl = 0, sl = 0, plen = 0;
    crypto_sign_keypair(pk, sk);
    memset(rpk, 7, sizeof rpk);
    memset(sig, 9, sizeof sig);
    struct node_client_result_info in;
    info_ok(&in, rpk, sig);
    in.status = MPC_ERR_BAD_SIG_SHARE;
    in.failed_peer = "node-3";
    in.evidence = ev;
    in.evidence_lens = ev_len;
    in.n_evidence = 2;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, &sb, &sl),
                     MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, sl, sb);
    assert_non_null(r);
    assert_int_equal(r->n_evidence, 1); /* the 9 000 bytes fit, the 40 000 do not */
    assert_int_equal(r->evidence[0].len, sizeof small);
    assert_int_equal(node_client_evidence_pack(ev, ev_len, 2, &packed, &plen), MPC_OK);
    uint8_t want[NODE_CLIENT_EVIDENCE_DIGEST];
    node_client_evidence_digest(want, packed, plen);
    assert_int_equal(r->evidence_size, plen);
    assert_int_equal(r->evidence_digest.len, sizeof want);
    assert_memory_equal(r->evidence_digest.data, want, sizeof want);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    r->evidence_digest.data[0] ^= 1; /* the digest is signed */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->evidence_digest.data[0] ^= 1;
    r->evidence_size++; /* and so is the size */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    mpc__result__free_unpacked(r, NULL);
    free(packed);
    free(b);
    free(sb);
}

/* HD fields (29-31): carried, and each one under the node signature; stripping them all
 * (an older-looking result) breaks the signature too. */
static void
test_result_hd_fields_signed(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], rpk[32], sig[64], chain[32], child[32], *b = NULL, *sb = NULL;
    size_t bl = 0, sl = 0;
    crypto_sign_keypair(pk, sk);
    memset(rpk, 7, sizeof rpk);
    memset(sig, 9, sizeof sig);
    memset(chain, 0xcc, sizeof chain);
    memset(child, 0x3d, sizeof child);
    struct node_client_result_info in;
    info_ok(&in, rpk, sig);
    in.chain_code = chain;
    in.derivation_path = "m/0/5";
    in.child_public_key = child;
    in.child_public_key_len = sizeof child;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, &sb, &sl),
                     MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, sl, sb);
    assert_non_null(r);
    assert_int_equal(r->chain_code.len, 32);
    assert_memory_equal(r->chain_code.data, chain, 32);
    assert_string_equal(r->derivation_path, "m/0/5");
    assert_memory_equal(r->child_public_key.data, child, 32);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    r->chain_code.data[3] ^= 1;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->chain_code.data[3] ^= 1;
    r->derivation_path[4] = '6'; /* another sibling */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->derivation_path[4] = '5';
    r->child_public_key.data[0] ^= 1;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->child_public_key.data[0] ^= 1;
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    size_t cl = r->chain_code.len, kl = r->child_public_key.len;
    char *path = r->derivation_path;
    r->chain_code.len = 0;
    r->child_public_key.len = 0;
    r->derivation_path = (char *)"";
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->chain_code.len = cl;
    r->child_public_key.len = kl;
    r->derivation_path = path;
    mpc__result__free_unpacked(r, NULL);
    free(b);
    free(sb);
}

/* A batch result: signatures and recovery ids in order, every entry under the node signature,
 * and no entry can be dropped, reordered or changed. */
static void
test_result_batch_fields_signed(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], rpk[33], sigs[3][64], recids[3] = {1, 0, 3}, *b = NULL, *sb = NULL;
    size_t bl = 0, sl = 0;
    crypto_sign_keypair(pk, sk);
    memset(rpk, 2, sizeof rpk);
    for (int i = 0; i < 3; i++) {
        memset(sigs[i], 0x10 + i, 64);
    }
    struct node_client_result_info in;
    info_ok(&in, rpk, NULL);
    in.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    in.public_key_len = 33;
    in.signature_len = 0;
    in.batch_sigs = sigs[0];
    in.batch_recids = recids;
    in.n_batch = 3;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, &sb, &sl),
                     MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, sl, sb);
    assert_non_null(r);
    assert_int_equal(r->n_signatures, 3);
    assert_int_equal(r->n_recovery_ids, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(r->signatures[i].len, 64);
        assert_memory_equal(r->signatures[i].data, sigs[i], 64);
        assert_int_equal(r->recovery_ids[i], recids[i]);
    }
    assert_int_equal(r->eddsa_signature.len, 0);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    r->signatures[2].data[63] ^= 1; /* one entry changed */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->signatures[2].data[63] ^= 1;
    r->recovery_ids[1] = 2;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->recovery_ids[1] = 0;
    ProtobufCBinaryData t = r->signatures[0]; /* two entries swapped */
    r->signatures[0] = r->signatures[1];
    r->signatures[1] = t;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->signatures[1] = r->signatures[0];
    r->signatures[0] = t;
    r->n_signatures = 2; /* the last one dropped */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->n_signatures = 3;
    r->n_recovery_ids = 0; /* the recovery ids dropped */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->n_recovery_ids = 3;
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    free(sb);
    in.n_batch = NODE_CLIENT_RESULT_BATCH_MAX + 1;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_ERR_INVALID_ARG);
}

/* Taproot signs: fields 35..37 are encoded and covered by the node signature. */
static void
test_result_taproot_fields_signed(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], gk[33], sig[64], q[32], p[32], *b = NULL, *sb = NULL;
    size_t bl = 0, sl = 0;
    crypto_sign_keypair(pk, sk);
    memset(gk, 2, sizeof gk);
    memset(sig, 5, sizeof sig);
    memset(q, 6, sizeof q);
    memset(p, 8, sizeof p);
    struct node_client_result_info in;
    info_ok(&in, gk, NULL);
    in.public_key_len = 33;
    in.signature_len = 0;
    in.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR;
    in.schnorr_signature = sig;
    in.taproot_output_key = q;
    in.taproot_internal_key = p;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, &sb, &sl),
                     MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, sl, sb);
    assert_non_null(r);
    assert_int_equal(r->schnorr_signature.len, 64);
    assert_memory_equal(r->schnorr_signature.data, sig, 64);
    assert_memory_equal(r->taproot_output_key.data, q, 32);
    assert_memory_equal(r->taproot_internal_key.data, p, 32);
    assert_int_equal(r->eddsa_signature.len, 0);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    ProtobufCBinaryData *f[3] = {&r->schnorr_signature, &r->taproot_output_key,
                                 &r->taproot_internal_key};
    for (int i = 0; i < 3; i++) { /* each one is signed */
        f[i]->data[0] ^= 1;
        assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
        f[i]->data[0] ^= 1;
    }
    r->taproot_output_key.len = 0; /* and cannot be stripped */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    free(sb);
}

/* An ECDSA sign served with a presignature: field 38 (the presig_id) is
 * carried and covered by the node signature as the block tagged 38; it can
 * be neither changed nor stripped nor added. */
static void
test_result_presig_used_signed(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], gk[33], rs[64], pid[32], *b = NULL, *sb = NULL;
    size_t bl = 0, sl = 0;
    crypto_sign_keypair(pk, sk);
    memset(gk, 2, sizeof gk);
    memset(rs, 5, sizeof rs);
    memset(pid, 0x38, sizeof pid);
    struct node_client_result_info in;
    info_ok(&in, gk, NULL);
    in.public_key_len = 33;
    in.signature = NULL;
    in.signature_len = 0;
    in.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    in.ecdsa_rs = rs;
    in.presig_used = pid;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, &sb, &sl),
                     MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, sl, sb);
    assert_non_null(r);
    assert_int_equal(r->presig_used.len, 32);
    assert_memory_equal(r->presig_used.data, pid, 32);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    r->presig_used.data[31] ^= 1; /* changed */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->presig_used.data[31] ^= 1;
    /* The block: u32 38 || u32 32 || presig_id, after everything else (as transcript.ts). */
    uint8_t *t1 = NULL, *t0 = NULL;
    size_t t1_len = 0, t0_len = 0;
    assert_int_equal(node_client_result_transcript(r, &t1, &t1_len), MPC_OK);
    r->presig_used.len = 0;
    assert_int_equal(node_client_result_transcript(r, &t0, &t0_len), MPC_OK);
    uint8_t tail[8 + 32] = {0, 0, 0, 38, 0, 0, 0, 32};
    memcpy(tail + 8, pid, 32);
    assert_int_equal(t1_len, t0_len + sizeof tail);
    assert_memory_equal(t1, t0, t0_len);
    assert_memory_equal(t1 + t0_len, tail, sizeof tail);
    free(t1);
    free(t0);
    r->presig_used.len = 0; /* stripped */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    free(sb);
    /* Without a presignature the field is empty and adding one breaks the signature. */
    in.presig_used = NULL;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, &sb, &sl),
                     MPC_OK);
    r = mpc__result__unpack(NULL, sl, sb);
    assert_non_null(r);
    assert_int_equal(r->presig_used.len, 0);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    r->presig_used.data = pid;
    r->presig_used.len = 32;
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->presig_used.data = NULL;
    r->presig_used.len = 0;
    mpc__result__free_unpacked(r, NULL);
    free(b);
    free(sb);
}

/* A Taproot sign with a derivation path: both optional blocks (29..31 the child, 35..37 the
 * child's BIP340 keys) are carried and every field of both is under the node signature. */
static void
test_result_taproot_hd_fields_signed(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64], gk[33], sig[64], q[32], p[32], chain[32], child[33];
    uint8_t *b = NULL, *sb = NULL;
    size_t bl = 0, sl = 0;
    crypto_sign_keypair(pk, sk);
    memset(gk, 2, sizeof gk);
    memset(sig, 5, sizeof sig);
    memset(q, 6, sizeof q);
    memset(child, 3, sizeof child);
    memcpy(p, child + 1, sizeof p); /* x(child) */
    memset(chain, 0xcc, sizeof chain);
    struct node_client_result_info in;
    info_ok(&in, gk, NULL);
    in.public_key_len = 33;
    in.signature_len = 0;
    in.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR;
    in.schnorr_signature = sig;
    in.taproot_output_key = q;
    in.taproot_internal_key = p;
    in.chain_code = chain;
    in.derivation_path = "m/0/5";
    in.child_public_key = child;
    in.child_public_key_len = sizeof child;
    assert_int_equal(node_client_result_encode(&in, &b, &bl), MPC_OK);
    assert_int_equal(node_client_result_sign(b, bl, "node-2", sign_raw, (void *)sk, &sb, &sl),
                     MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, sl, sb);
    assert_non_null(r);
    assert_int_equal(r->child_public_key.len, 33);
    assert_memory_equal(r->child_public_key.data, child, 33);
    assert_string_equal(r->derivation_path, "m/0/5");
    assert_memory_equal(r->taproot_internal_key.data, p, 32);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    ProtobufCBinaryData *f[5] = {&r->chain_code, &r->child_public_key, &r->schnorr_signature,
                                 &r->taproot_output_key, &r->taproot_internal_key};
    for (int i = 0; i < 5; i++) { /* each one is signed */
        f[i]->data[1] ^= 1;
        assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
        f[i]->data[1] ^= 1;
    }
    r->derivation_path[4] = '6';
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->derivation_path[4] = '5';
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    mpc__result__free_unpacked(r, NULL);
    free(b);
    free(sb);
}

static void
test_result_sign_bad_args(void **state)
{
    (void)state;
    uint8_t sk[64], pk[32], *out = (uint8_t *)1;
    size_t len = 9;
    crypto_sign_keypair(pk, sk);
    static const uint8_t junk[] = {0xff, 0xff, 0xff};
    assert_int_equal(node_client_result_sign(junk, sizeof junk, "node-1", sign_raw, sk, &out, &len),
                     MPC_ERR_PARSE);
    assert_null(out);
    assert_int_equal(len, 0);
    Mpc__Result empty = MPC__RESULT__INIT;
    uint8_t buf[8];
    size_t bl = mpc__result__pack(&empty, buf);
    assert_int_equal(node_client_result_sign(buf, bl, "bad.id", sign_raw, sk, &out, &len),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_result_sign(buf, bl, "node-1", NULL, sk, &out, &len),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_client_result_sign(buf, bl, "node-1", sign_fails, sk, &out, &len),
                     MPC_ERR_CRYPTO);
    assert_null(out);
    assert_int_equal(node_client_result_sign(buf, bl, "node-1", sign_raw, sk, &out, &len), MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, len, out);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    mpc__result__free_unpacked(r, NULL);
    free(out);
    uint8_t *t = NULL;
    size_t tl = 0;
    assert_int_equal(node_client_result_transcript(NULL, &t, &tl), MPC_ERR_INVALID_ARG);
}

/* The transcript starts with the domain separator, length-prefixed (proto/result.proto). */
static void
test_result_transcript_layout(void **state)
{
    (void)state;
    Mpc__Result r = MPC__RESULT__INIT;
    r.request_id = "ab";
    uint8_t *t = NULL;
    size_t tl = 0;
    assert_int_equal(node_client_result_transcript(&r, &t, &tl), MPC_OK);
    size_t dl = strlen(NODE_CLIENT_RESULT_DOMAIN);
    assert_true(tl > 4 + dl + 6);
    assert_int_equal(t[3], dl);
    assert_memory_equal(t + 4, NODE_CLIENT_RESULT_DOMAIN, dl);
    const uint8_t rid[] = {0, 0, 0, 2, 'a', 'b', 0, 0, 0, 0}; /* field 1, then op = 0 */
    assert_memory_equal(t + 4 + dl, rid, sizeof rid);
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_encode_success),
        cmocka_unit_test(test_result_sign_verify),
        cmocka_unit_test(test_result_whole_evidence_digest),
        cmocka_unit_test(test_result_hd_fields_signed),
        cmocka_unit_test(test_result_sign_bad_args),
        cmocka_unit_test(test_result_batch_fields_signed),
        cmocka_unit_test(test_result_transcript_layout),
        cmocka_unit_test(test_result_taproot_fields_signed),
        cmocka_unit_test(test_result_presig_used_signed),
        cmocka_unit_test(test_result_taproot_hd_fields_signed),
        cmocka_unit_test(test_result_encode_error_text),
        cmocka_unit_test(test_result_encode_ecdsa_fields),
        cmocka_unit_test(test_result_encode_bad_args),
        cmocka_unit_test(test_results_entry_round_trip),
        cmocka_unit_test(test_results_entry_digest),
        cmocka_unit_test(test_results_entry_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_sign_variants_ctime.c — valgrind constant-time test (libsecp256k1
 * style, see tss/ctime.h and test_dkls_ctime.c) of the signing variants added
 * beside the plain protocols: HD child keys (a public tweak τ shifts each
 * loaded share, docs/specs/hd-derivation.md §5), batches (tss/batch: every
 * instance draws its own nonces and OT rows) and Taproot keys (frost-tr-dkg,
 * -sign with a BIP341 tweak, -reshare: shares and nonces negated by the
 * public parities of Y and R, docs/specs/frost-taproot.md).
 *
 * Every freshly drawn scalar, nonce seed, OT secret and loaded share is
 * classified secret (tss_ctime_classify_secrets) for the whole of each run,
 * keygen included; under valgrind (tests/ctime/test_ctime_valgrind.sh, -O2
 * ctime build) a branch or memory index that depends on one fails the run.
 * Public by design, so left defined: the tweak τ and the chain code it is
 * derived from (hd-derivation.md: derivation is public only; the chain code
 * is in every result), and the chain-code contributions of a keygen (only
 * committed in round 1 so that nobody can bias the sum; revealed in round 3).
 * Outside valgrind the same code runs and every signature is verified:
 * FROST/Ed25519 with libsodium, ECDSA and BIP340 with libsecp256k1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "common/secmem.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/tss_fixture.h"
#include "tss/batch.h"
#include "tss/ctime.h"
#include "tss/dkls_signing.h"
#include "tss/frost.h"
#include "tss/frost_sign.h"
#include "tss/group.h"
#include "tss/hd.h"

#ifdef TSS_CTIME_VALGRIND
#define PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define PUBLIC(p, n) ((void)0)
#endif

#define N_BATCH 2 /* instances per batch: enough to run two side by side */

static const uint8_t sid[TSS_SID_LEN] = {'c', 't', 'i', 'm', 'e', '-', 'v', 'a', 'r'};
static const uint8_t chain[TSS_HD_CHAIN_BYTES] = {0xc7, 0x01, 0x02, 0x03};

static void
classify(int on)
{
#ifdef TSS_CTIME_VALGRIND
    tss_ctime_classify_secrets = on;
#else
    (void)on;
#endif
}

/* The child of (pub, chain) at "m/7/1": its key into child, its tweak τ into tweak. */
static void
child_of(tss_curve_id curve, const uint8_t *pub, size_t pub_len, tss_hd_xkey *child,
         uint8_t tweak[32])
{
    tss_hd_xkey root;
    tss_hd_path p;
    assert_int_equal(tss_hd_root(&root, curve, pub, pub_len, chain), MPC_OK);
    assert_int_equal(tss_hd_path_parse(&p, "m/7/1"), MPC_OK);
    assert_int_equal(tss_hd_derive(child, tweak, &root, &p), MPC_OK);
}

/* Message i of a batch (32 bytes: also an ECDSA digest). */
static void
batch_msg(uint8_t m[32], uint32_t i)
{
    memset(m, 0x40 + (int)i, 32);
}

/*
 * Runs a batch of N_BATCH messages by nodes 0 and 1, every instance under the
 * tweak, with secrets classified. rec/len: the two parties' key records.
 * Out: *res. Returns the sim status.
 */
static mpc_status
run_hd_batch(const tss_protocol *proto, int ecdsa, uint8_t *const *rec, const size_t *len,
             const uint8_t tweak[32], tss_sim_result *res)
{
    const char *ids[2] = {tss_fx_node(0), tss_fx_node(1)};
    tss_params p[2];
    uint8_t *in[2] = {NULL, NULL};
    size_t in_len[2] = {0, 0};
    mpc_status st = MPC_OK;
    for (uint32_t k = 0; k < 2 && st == MPC_OK; k++) {
        uint8_t *inner[N_BATCH] = {0};
        size_t lens[N_BATCH] = {0};
        for (uint32_t i = 0; i < N_BATCH && st == MPC_OK; i++) {
            uint8_t m[32];
            batch_msg(m, i);
            st = ecdsa ? tss_dkls_sign_input_encode_hd(&inner[i], &lens[i], rec[k], len[k], m, ids,
                                                       2, tweak)
                       : tss_sign_input_encode_hd(&inner[i], &lens[i], rec[k], len[k], m, sizeof m,
                                                  tweak);
        }
        if (st == MPC_OK) {
            st = tss_batch_input_encode(&in[k], &in_len[k], (const uint8_t *const *)inner, lens,
                                        N_BATCH);
        }
        for (uint32_t i = 0; i < N_BATCH; i++) {
            mpc_secure_free(inner[i]);
        }
        p[k] = (tss_params){.sid = sid,
                            .self = k,
                            .n_parties = 2,
                            .party_ids = ids,
                            .input = in[k],
                            .input_len = in_len[k]};
    }
    memset(res, 0, sizeof *res);
    if (st == MPC_OK) {
        classify(1);
        st = tss_sim_run(proto, p, 2, 29, NULL, NULL, res);
        classify(0);
    }
    mpc_secure_free(in[0]);
    mpc_secure_free(in[1]);
    return st;
}

/* Entry i of party 0's batch result (both parties must agree), made public. */
static const uint8_t *
batch_entry(const tss_sim_result *res, uint32_t i, size_t want_len)
{
    const tss_sim_party *p0 = &res->parties[0], *p1 = &res->parties[1];
    const uint8_t *e = NULL;
    size_t len = 0;
    PUBLIC(p0->result, p0->result_len);
    PUBLIC(p1->result, p1->result_len);
    assert_int_equal(p0->result_len, p1->result_len);
    assert_memory_equal(p0->result, p1->result, p0->result_len);
    assert_int_equal(tss_batch_result_entry(p0->result, p0->result_len, i, &e, &len), MPC_OK);
    assert_int_equal(len, want_len);
    return e;
}

/* FROST keygen, then a batch of HD signatures (every instance tweaked). */
static void
test_ctime_frost_hd_batch(void **state)
{
    (void)state;
    tss_fx_key key;
    tss_sim_result res;
    uint32_t nodes[2] = {0, 1};
    memset(&key, 0, sizeof key);
    classify(1);
    mpc_status st = tss_fx_dkg(&key, nodes, 2, 2, 23, NULL, NULL, &res);
    classify(0);
    tss_sim_result_free(&res);
    assert_int_equal(st, MPC_OK);
    PUBLIC(key.group_key, sizeof key.group_key);
    tss_hd_xkey child;
    uint8_t tweak[32];
    child_of(TSS_CURVE_ED25519, key.group_key, 32, &child, tweak);
    st = run_hd_batch(&tss_proto_frost_sign_batch, 0, key.rec, key.len, tweak, &res);
    assert_int_equal(st, MPC_OK);
    for (uint32_t i = 0; i < N_BATCH; i++) {
        uint8_t m[32];
        batch_msg(m, i);
        const uint8_t *sig = batch_entry(&res, i, 64);
        assert_true(tss_fx_verify(sig, m, sizeof m, child.key));
        assert_false(tss_fx_verify(sig, m, sizeof m, key.group_key));
    }
    tss_sim_result_free(&res);
    tss_fx_key_free(&key);
}

/* DKLs23 keygen, then a batch of HD signatures (every instance tweaked). */
static void
test_ctime_dkls_hd_batch(void **state)
{
    (void)state;
    dkls_fx_key key;
    tss_sim_result res;
    uint32_t nodes[2] = {0, 1};
    classify(1);
    mpc_status st = dkls_fx_keygen(&key, nodes, 2, 2, 31, NULL, NULL, &res);
    classify(0);
    tss_sim_result_free(&res);
    assert_int_equal(st, MPC_OK);
    PUBLIC(key.y, sizeof key.y);
    tss_hd_xkey child;
    uint8_t tweak[32];
    child_of(TSS_CURVE_SECP256K1, key.y, 33, &child, tweak);
    st = run_hd_batch(&tss_proto_dkls_sign_batch, 1, key.rec, key.len, tweak, &res);
    assert_int_equal(st, MPC_OK);
    for (uint32_t i = 0; i < N_BATCH; i++) {
        uint8_t m[32];
        batch_msg(m, i);
        const uint8_t *out = batch_entry(&res, i, TSS_DKLS_SIGN_RESULT_BYTES);
        assert_true(dkls_fx_verify(out, m, child.key));
        assert_false(dkls_fx_verify(out, m, key.y));
    }
    tss_sim_result_free(&res);
    dkls_fx_key_free(&key);
}

/* Returns 1 if the frost-tr-sign result out verifies on m under its output key (libsecp256k1). */
static int
tr_verify(const uint8_t out[TSS_TR_SIGN_RESULT_BYTES], const uint8_t m[32])
{
    secp256k1_context *lib = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_xonly_pubkey q;
    int ok = lib != NULL && secp256k1_xonly_pubkey_parse(lib, &q, out + 64) &&
             secp256k1_schnorrsig_verify(lib, out, m, 32, &q);
    secp256k1_context_destroy(lib);
    return ok;
}

/* Taproot: keygen, a script-path sign, a reshare and a key-path sign by the new committee. */
static void
test_ctime_frost_tr_runs(void **state)
{
    (void)state;
    tss_fx_key key, next;
    tss_sim_result res;
    uint32_t nodes[3] = {0, 1, 2}, signers[2] = {2, 0}, new_nodes[3] = {0, 1, 3};
    uint32_t signers2[2] = {3, 1};
    uint8_t m[32] = {0x7a}, root[32] = {0x3c}, out[TSS_TR_SIGN_RESULT_BYTES];
    uint8_t out2[TSS_TR_SIGN_RESULT_BYTES];
    memset(&key, 0, sizeof key);
    memset(&next, 0, sizeof next);
    classify(1);
    mpc_status st = tss_fx_tr_dkg(&key, nodes, 3, 2, 37, NULL, NULL, &res);
    tss_sim_result_free(&res);
    if (st == MPC_OK) {
        st = tss_fx_tr_sign(&key, signers, 2, m, sizeof m, TSS_FROST_TWEAK_ROOT, root, 37, NULL,
                            NULL, &res, out);
        tss_sim_result_free(&res);
    }
    if (st == MPC_OK) {
        st = tss_fx_reshare(&key, nodes, 3, new_nodes, 3, 2, 37, NULL, NULL, &res, &next);
        tss_sim_result_free(&res);
    }
    if (st == MPC_OK) {
        st = tss_fx_tr_sign(&next, signers2, 2, m, sizeof m, TSS_FROST_TWEAK_KEYPATH, root, 37,
                            NULL, NULL, &res, out2);
        tss_sim_result_free(&res);
    }
    classify(0);
    assert_int_equal(st, MPC_OK);
    PUBLIC(out, sizeof out);
    PUBLIC(out2, sizeof out2);
    PUBLIC(key.group_key, sizeof key.group_key);
    assert_true(tr_verify(out, m));
    assert_true(tr_verify(out2, m));
    assert_memory_equal(out + 96, key.group_key + 1, 32); /* internal key: x(Y) */
    assert_memory_equal(out2 + 96, key.group_key + 1, 32);
    tss_fx_key_free(&key);
    tss_fx_key_free(&next);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK || tss_group_selftest() != MPC_OK) {
        return 1;
    }
#ifdef TSS_CTIME_VALGRIND
    printf("ctime: running on valgrind: %s\n",
           RUNNING_ON_VALGRIND ? "yes" : "no (checks inactive)");
#else
    printf("ctime: built without valgrind hooks (checks inactive)\n");
#endif
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctime_frost_hd_batch),
        cmocka_unit_test(test_ctime_dkls_hd_batch),
        cmocka_unit_test(test_ctime_frost_tr_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_cli_evidence.c — the offline evidence check of `mpc-cli evidence`
 * (node/cli/cli_evidence.c) over envelopes sealed by transport/envelope.c:
 * a broadcast equivocation and a restart are proven by the culprit's own
 * signatures; a verdict that names a node the evidence does not implicate,
 * a tampered envelope or one signed by a stranger fails; a dispute names no
 * culprit and holds when its envelopes are genuine; the result's node
 * signature covers the disputed parties and the evidence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/secmem.h"
#include "node/cli/cli_evidence.h"
#include "node/client/results.h"
#include "tests/support/session_testkit.h"
#include "transport/envelope.h"

static const char *const ids[3] = {"n0", "n1", "n2"};
static const uint8_t sid[16] = {7, 7, 7};

struct fx {
    transport_identity *id[3];   /* n0..n2 */
    transport_peer_table *pt[3]; /* their tables */
    uint8_t pk[3][32];           /* their keys */
    struct cli_peer_key keys[3]; /* the peers file */
    uint8_t *env[4];             /* sealed envelopes */
    size_t len[4];               /* their lengths */
    ProtobufCBinaryData ev[4];   /* Result.evidence */
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    for (uint32_t i = 0; f != NULL && i < 3; i++) {
        if (stk_peers_create(ids, 3, i, &f->id[i], &f->pt[i]) != MPC_OK) {
            return -1;
        }
        transport_identity_public_key(f->id[i], f->pk[i]);
        f->keys[i].id = ids[i];
        f->keys[i].pk = f->pk[i];
    }
    *state = f;
    return f != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 4; i++) {
        free(f->env[i]);
    }
    for (int i = 0; i < 3; i++) {
        transport_peer_table_destroy(f->pt[i]);
        transport_identity_destroy(f->id[i]);
    }
    free(f);
    return 0;
}

/* Seals envelope k from party `from` and puts it in the evidence list. */
static void
put(struct fx *f, int k, uint32_t from, transport_envelope_kind kind, const char *payload,
    uint64_t inc)
{
    transport_envelope_in in = {.sid = sid,
                                .to = kind == TRANSPORT_ENVELOPE_DIRECT ? "n0" : NULL,
                                .round = 1,
                                .seq = (uint64_t)k + 1,
                                .incarnation = inc,
                                .kind = kind,
                                .payload = (const uint8_t *)payload,
                                .payload_len = payload != NULL ? strlen(payload) : 0};
    static const uint8_t box[TRANSPORT_BOX_KEY] = {
        7}; /* a direct payload is sealed to a session key */
    in.box_key = kind == TRANSPORT_ENVELOPE_DIRECT ? box : NULL;
    free(f->env[k]);
    assert_int_equal(transport_envelope_seal(f->pt[from], &in, &f->env[k], &f->len[k]), MPC_OK);
    f->ev[k].data = f->env[k];
    f->ev[k].len = f->len[k];
}

static Mpc__Result
result(struct fx *f, size_t n_ev, const char *culprit, uint32_t status)
{
    Mpc__Result r = MPC__RESULT__INIT;
    r.status_code = status;
    r.failed_peer = (char *)culprit;
    r.n_evidence = n_ev;
    r.evidence = f->ev;
    return r;
}

static void
test_evidence_equivocation_proven(void **state)
{
    struct fx *f = *state;
    put(f, 0, 1, TRANSPORT_ENVELOPE_BROADCAST, "commit-a", 5);
    put(f, 1, 1, TRANSPORT_ENVELOPE_BROADCAST, "commit-b", 5);
    Mpc__Result r = result(f, 2, "n1", MPC_ERR_EQUIVOCATION);
    struct cli_evidence_report rep;
    assert_int_equal(cli_evidence_check(&r, f->keys, 3, &rep), 0);
    assert_int_equal(rep.n_valid, 2);
    assert_string_equal(rep.conflict, "equivocation");
    assert_string_equal(rep.proven, "n1");
    /* The same evidence cannot be turned against the honest n2. */
    r.failed_peer = "n2";
    assert_int_equal(cli_evidence_check(&r, f->keys, 3, &rep), 1);
    assert_non_null(rep.why);
    /* Same payload twice (a redelivery) proves nothing. */
    put(f, 1, 1, TRANSPORT_ENVELOPE_BROADCAST, "commit-a", 5);
    r.failed_peer = "";
    assert_int_equal(cli_evidence_check(&r, f->keys, 3, &rep), 0);
    assert_null(rep.conflict);
}

static void
test_evidence_restart_proven(void **state)
{
    struct fx *f = *state;
    put(f, 0, 2, TRANSPORT_ENVELOPE_READY, NULL, 5);
    put(f, 1, 2, TRANSPORT_ENVELOPE_READY, NULL, 6);
    Mpc__Result r = result(f, 2, "n2", MPC_ERR_PEER_RESTARTED);
    struct cli_evidence_report rep;
    assert_int_equal(cli_evidence_check(&r, f->keys, 3, &rep), 0);
    assert_string_equal(rep.conflict, "restart");
    assert_string_equal(rep.proven, "n2");
}

static void
test_evidence_tampered_or_foreign_fails(void **state)
{
    struct fx *f = *state;
    put(f, 0, 1, TRANSPORT_ENVELOPE_BROADCAST, "commit-a", 5);
    put(f, 1, 1, TRANSPORT_ENVELOPE_BROADCAST, "commit-b", 5);
    f->env[1][f->len[1] - 70] ^= 1; /* inside the signed part */
    Mpc__Result r = result(f, 2, "n1", MPC_ERR_EQUIVOCATION);
    struct cli_evidence_report rep;
    assert_int_equal(cli_evidence_check(&r, f->keys, 3, &rep), 1);
    assert_int_equal(rep.n_valid, 1);
    assert_null(rep.conflict);
    /* n1 unknown to the verifier's peers file */
    put(f, 1, 1, TRANSPORT_ENVELOPE_BROADCAST, "commit-b", 5);
    assert_int_equal(cli_evidence_check(&r, f->keys, 1, &rep), 1);
    assert_int_equal(rep.n_valid, 0);
}

static void
test_evidence_dispute_and_unbacked_culprit(void **state)
{
    struct fx *f = *state;
    put(f, 0, 1, TRANSPORT_ENVELOPE_DIRECT, "echo", 5);
    put(f, 1, 2, TRANSPORT_ENVELOPE_BROADCAST, "commit", 5);
    Mpc__Result r = result(f, 2, "", MPC_ERR_DISPUTED);
    char *disputed[2] = {"n1", "n2"};
    r.n_disputed = 2;
    r.disputed = disputed;
    struct cli_evidence_report rep;
    assert_int_equal(cli_evidence_check(&r, f->keys, 3, &rep), 0);
    assert_null(rep.conflict);
    /* A culprit that signed none of the evidence is not backed. */
    r.failed_peer = "n0";
    assert_int_equal(cli_evidence_check(&r, f->keys, 3, &rep), 1);
}

static mpc_status
sign_with(void *ctx, uint8_t *sig, const uint8_t *msg, size_t len)
{
    return crypto_sign_detached(sig, NULL, msg, len, ctx) == 0 ? MPC_OK : MPC_ERR_CRYPTO;
}

static void
test_evidence_covered_by_node_signature(void **state)
{
    struct fx *f = *state;
    put(f, 0, 1, TRANSPORT_ENVELOPE_BROADCAST, "commit-a", 5);
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    const char *disputed[2] = {"n1", "n2"};
    const uint8_t *ev[1] = {f->env[0]};
    struct node_client_result_info info = {.request_id = "req-1",
                                           .op = 1,
                                           .status = MPC_ERR_DISPUTED,
                                           .node_id = "n0",
                                           .disputed = disputed,
                                           .n_disputed = 2,
                                           .evidence = ev,
                                           .evidence_lens = &f->len[0],
                                           .n_evidence = 1};
    uint8_t *enc = NULL, *signed_res = NULL;
    size_t enc_len = 0, signed_len = 0;
    assert_int_equal(node_client_result_encode(&info, &enc, &enc_len), MPC_OK);
    assert_int_equal(
        node_client_result_sign(enc, enc_len, "n0", sign_with, sk, &signed_res, &signed_len),
        MPC_OK);
    Mpc__Result *r = mpc__result__unpack(NULL, signed_len, signed_res);
    assert_non_null(r);
    assert_int_equal(r->n_evidence, 1);
    assert_int_equal(r->n_disputed, 2);
    assert_int_equal(node_client_result_verify(r, pk), MPC_OK);
    r->evidence[0].data[3] ^= 1; /* evidence swapped after signing */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    r->evidence[0].data[3] ^= 1;
    r->disputed[1][1] = '0'; /* "n0" instead of "n2" */
    assert_int_equal(node_client_result_verify(r, pk), MPC_ERR_VERIFY_FAILED);
    mpc__result__free_unpacked(r, NULL);
    free(enc);
    free(signed_res);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_evidence_equivocation_proven, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_restart_proven, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_tampered_or_foreign_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_dispute_and_unbacked_culprit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_evidence_covered_by_node_signature, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_request.c — libFuzzer harness: node_client_request_open (size,
 * decoding, initiator signature, m-of-k approvals) and
 * node_client_request_validate, i.e. every byte a client can publish on
 * mpc.req.>.
 *
 * Input byte 0 picks the mode:
 *   even: the rest is a SignedRequest as received;
 *   odd:  the rest is the Request bytes; the harness signs them with the
 *         configured initiator and one authorizer, so validation sees
 *         arbitrary fields of a properly signed and approved request
 *         (a compromised client key).
 * Checks: an opened request validates again; a rejection returns no request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "node/client/request.h"
#include "tests/fuzz/support/fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static node_store_identity *fz_init, *fz_auth[2]; /* initiator, authorizers */
static uint8_t fz_init_pk[1][32], fz_auth_pk[2][32];
static struct node_client_request_policy fz_pol;

/* Writes a peers file node-1..node-3 and loads it (the file is removed again). */
static node_config_peers *
load_peers(void)
{
    char path[] = "/tmp/fuzz-peers-XXXXXX", err[256];
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    node_config_peers *peers = NULL;
    if (f == NULL) {
        abort();
    }
    for (int i = 1; i <= 3; i++) {
        node_store_identity *id = NULL;
        char hex[65];
        if (node_store_identity_generate(&id) != MPC_OK ||
            mpc_hex_encode(hex, sizeof hex, node_store_identity_public_key(id), 32) != MPC_OK) {
            abort();
        }
        fprintf(f, "node-%d %s\n", i, hex);
        node_store_identity_destroy(id);
    }
    if (fclose(f) != 0 || node_config_peers_load(path, &peers, err, sizeof err) != MPC_OK) {
        fprintf(stderr, "fuzz_request: peers: %s\n", err);
        abort();
    }
    unlink(path);
    return peers;
}

/* SignedRequest around req_bytes, signed by the initiator and approved by authorizer 0. */
static uint8_t *
sign_request(const uint8_t *req_bytes, size_t req_len, size_t *out_len)
{
    uint8_t sig[64], asig[64];
    if (node_client_request_sign(fz_init, sig, req_bytes, req_len) != MPC_OK ||
        node_client_request_approve(fz_auth[0], asig, req_bytes, req_len) != MPC_OK) {
        return NULL;
    }
    Mpc__Approval ap = MPC__APPROVAL__INIT, *aps[1] = {&ap};
    ap.public_key = (ProtobufCBinaryData){32, fz_auth_pk[0]};
    ap.signature = (ProtobufCBinaryData){64, asig};
    Mpc__SignedRequest sr = MPC__SIGNED_REQUEST__INIT;
    sr.request = (ProtobufCBinaryData){req_len, (uint8_t *)req_bytes};
    sr.initiator_public_key = (ProtobufCBinaryData){32, fz_init_pk[0]};
    sr.signature = (ProtobufCBinaryData){64, sig};
    sr.approvals = aps;
    sr.n_approvals = 1;
    *out_len = mpc__signed_request__get_packed_size(&sr);
    uint8_t *out = malloc(*out_len > 0 ? *out_len : 1);
    if (out != NULL) {
        mpc__signed_request__pack(&sr, out);
    }
    return out;
}

static void
write_request_seeds(const char *dir, const char *name, const Mpc__Request *r)
{
    const node_store_identity *approvers[1] = {fz_auth[0]};
    uint8_t *signed_req = NULL, *raw = NULL;
    size_t len = 0, raw_len = mpc__request__get_packed_size(r);
    uint8_t mode0 = 0, mode1 = 1;
    char n[64];
    if (node_client_request_build(r, fz_init, approvers, 1, &signed_req, &len) != MPC_OK ||
        (raw = malloc(raw_len + 1)) == NULL) {
        abort();
    }
    mpc__request__pack(r, raw);
    snprintf(n, sizeof n, "%s-signed", name);
    fuzz_seed_write2(dir, n, &mode0, 1, signed_req, len);
    snprintf(n, sizeof n, "%s-request", name);
    fuzz_seed_write2(dir, n, &mode1, 1, raw, raw_len);
    free(signed_req);
    free(raw);
}

static void
write_seeds(const char *dir)
{
    static char *parts[] = {"node-1", "node-2", "node-3"};
    Mpc__KeyType kts[2] = {MPC__KEY_TYPE__KEY_TYPE_ED25519, MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    Mpc__Request r = MPC__REQUEST__INIT;
    Mpc__KeygenRequest k = MPC__KEYGEN_REQUEST__INIT;
    Mpc__SignRequest s = MPC__SIGN_REQUEST__INIT;
    Mpc__ReshareRequest rs = MPC__RESHARE_REQUEST__INIT;
    r.request_id = "req-1";
    r.client_id = "cli_1";
    r.created_at_ms = 1700000000000ull;
    r.body_case = MPC__REQUEST__BODY_KEYGEN;
    r.keygen = &k;
    k.wallet_id = "wallet-1";
    k.key_types = kts;
    k.n_key_types = 2;
    k.participants = parts;
    k.n_participants = 3;
    k.threshold = 2;
    write_request_seeds(dir, "keygen", &r);
    r.body_case = MPC__REQUEST__BODY_SIGN;
    r.sign = &s;
    s.wallet_id = "wallet-1";
    s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    s.message = (ProtobufCBinaryData){32, (uint8_t *)"0123456789abcdef0123456789abcdef"};
    s.signers = parts;
    s.n_signers = 2;
    write_request_seeds(dir, "sign", &r);
    r.body_case = MPC__REQUEST__BODY_RESHARE;
    r.reshare = &rs;
    rs.wallet_id = "wallet-1";
    rs.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    rs.new_participants = parts;
    rs.n_new_participants = 3;
    rs.new_threshold = 3;
    r.expires_at_ms = 1800000000000ull;
    write_request_seeds(dir, "reshare", &r);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_rng_install();
    fz_pol.peers = load_peers();
    if (node_store_identity_generate(&fz_init) != MPC_OK ||
        node_store_identity_generate(&fz_auth[0]) != MPC_OK ||
        node_store_identity_generate(&fz_auth[1]) != MPC_OK) {
        abort();
    }
    memcpy(fz_init_pk[0], node_store_identity_public_key(fz_init), 32);
    for (int i = 0; i < 2; i++) {
        memcpy(fz_auth_pk[i], node_store_identity_public_key(fz_auth[i]), 32);
    }
    fz_pol.initiators = (const uint8_t(*)[32])fz_init_pk;
    fz_pol.n_initiators = 1;
    fz_pol.authorizers = (const uint8_t(*)[32])fz_auth_pk;
    fz_pol.n_authorizers = 2;
    fz_pol.approvals_required = 1;
    fz_pol.now_ms = 1750000000000ull;
    fuzz_seeds_or_fuzz(write_seeds);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Mpc__Request *req = NULL;
    struct node_client_request_ids ids;
    char err[256];
    uint8_t *signed_req = NULL;
    size_t len = 0;
    if (size < 1) {
        return 0;
    }
    const uint8_t *in = data + 1;
    len = size - 1;
    if (data[0] & 1) {
        signed_req = sign_request(data + 1, size - 1, &len);
        if (signed_req == NULL) {
            return 0;
        }
        in = signed_req;
    }
    mpc_status st = node_client_request_open(&fz_pol, in, len, &req, &ids, err, sizeof err);
    if (st == MPC_OK) {
        if (req == NULL || !ids.authenticated ||
            node_client_request_validate(&fz_pol, req, err, sizeof err) != MPC_OK) {
            abort();
        }
        (void)node_client_request_lists_node(req, fz_pol.peers, "node-1");
        (void)node_client_request_op_name((int)req->body_case);
        mpc__request__free_unpacked(req, NULL);
    } else if (req != NULL || strlen(err) >= sizeof err) {
        abort();
    }
    free(signed_req);
    return 0;
}

/*
 * dkls_fixture.c — DKLs23 keygen / sign / reshare runs over tss_sim.
 */
#include "tests/support/dkls_fixture.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/dkls_keygen.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_signing.h"
#include "tss/keytype.h"

static const uint8_t fx_sid[TSS_SID_LEN] = {'d', 'k', 'l', 's', '-', 's', 'i', 'd'};

void
dkls_fx_key_free(dkls_fx_key *key)
{
    for (uint32_t k = 0; k < TSS_FX_MAX_NODES; k++) {
        mpc_secure_free(key->rec[k]);
    }
    mpc_secure_free(key->pub);
    memset(key, 0, sizeof *key);
}

mpc_status
dkls_fx_key_copy(dkls_fx_key *dst, const dkls_fx_key *src)
{
    memset(dst, 0, sizeof *dst);
    memcpy(dst->y, src->y, sizeof dst->y);
    for (uint32_t k = 0; k <= TSS_FX_MAX_NODES; k++) {
        const uint8_t *from = k < TSS_FX_MAX_NODES ? src->rec[k] : src->pub;
        size_t len = k < TSS_FX_MAX_NODES ? src->len[k] : src->pub_len;
        if (from == NULL) {
            continue;
        }
        uint8_t *c = mpc_secure_alloc(len);
        if (c == NULL) {
            dkls_fx_key_free(dst);
            return MPC_ERR_NOMEM;
        }
        memcpy(c, from, len);
        if (k < TSS_FX_MAX_NODES) {
            dst->rec[k] = c;
            dst->len[k] = len;
        } else {
            dst->pub = c;
            dst->pub_len = len;
        }
    }
    return MPC_OK;
}

static void
fx_params(tss_params *p, const char **ids, const uint32_t *nodes, uint32_t n, uint32_t t)
{
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = tss_fx_node(nodes[i]);
    }
    for (uint32_t i = 0; i < n; i++) {
        p[i] = (tss_params){
            .sid = fx_sid, .self = i, .n_parties = n, .party_ids = ids, .threshold = t};
    }
}

/* Moves the records of a finished keygen/reshare into key (by node number). */
static mpc_status
fx_take(dkls_fx_key *key, const uint32_t *nodes, uint32_t n, tss_sim_result *res)
{
    memset(key, 0, sizeof *key);
    for (uint32_t i = 0; i < n; i++) {
        tss_dkls_keyrec *rec = NULL;
        mpc_status st =
            tss_dkls_keyrec_decode(&rec, res->parties[i].result, res->parties[i].result_len);
        if (st != MPC_OK) {
            return st;
        }
        rec->ks->g->point_encode(key->y, &rec->ks->group_key);
        if (key->pub == NULL) {
            st = tss_dkls_keyrec_encode_public(rec, &key->pub, &key->pub_len);
        }
        int has = rec->ks->secret != NULL;
        tss_dkls_keyrec_destroy(rec);
        if (st != MPC_OK) {
            return st;
        }
        if (has) {
            key->rec[nodes[i]] = res->parties[i].result;
            key->len[nodes[i]] = res->parties[i].result_len;
            res->parties[i].result = NULL;
        }
    }
    return MPC_OK;
}

mpc_status
dkls_fx_keygen(dkls_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t t, uint64_t seed,
               tss_sim_tamper_fn tamper, void *user, tss_sim_result *res)
{
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in = NULL;
    size_t in_len = 0;
    memset(key, 0, sizeof *key);
    mpc_status st = tss_dkls_keygen_input_encode(&in, &in_len, (const uint8_t *)"wallet-1", 8);
    if (st != MPC_OK) {
        return st;
    }
    fx_params(p, ids, nodes, n, t);
    for (uint32_t i = 0; i < n; i++) {
        p[i].input = in;
        p[i].input_len = in_len;
    }
    st = tss_sim_run(&tss_proto_dkls_keygen, p, n, seed, tamper, user, res);
    free(in);
    return st == MPC_OK ? fx_take(key, nodes, n, res) : st;
}

mpc_status
dkls_fx_sign(const dkls_fx_key *key, const uint32_t *signers, uint32_t n, const uint8_t msg32[32],
             uint64_t seed, tss_sim_tamper_fn tamper, void *user, tss_sim_result *res,
             uint8_t out130[130])
{
    return dkls_fx_sign_hd(key, signers, n, msg32, NULL, seed, tamper, user, res, out130);
}

mpc_status
dkls_fx_sign_hd(const dkls_fx_key *key, const uint32_t *signers, uint32_t n,
                const uint8_t msg32[32], const uint8_t *const *tweaks, uint64_t seed,
                tss_sim_tamper_fn tamper, void *user, tss_sim_result *res, uint8_t out130[130])
{
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    mpc_status st = MPC_OK;
    memset(out130, 0, 130);
    fx_params(p, ids, signers, n, 0);
    for (uint32_t i = 0; i < n && st == MPC_OK; i++) {
        st = tss_dkls_sign_input_encode_hd(&in[i], &p[i].input_len, key->rec[signers[i]],
                                           key->len[signers[i]], msg32, ids, n,
                                           tweaks != NULL ? tweaks[i] : NULL);
        p[i].input = in[i];
    }
    if (st == MPC_OK) {
        st = tss_sim_run(&tss_proto_dkls_sign, p, n, seed, tamper, user, res);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_secure_free(in[i]);
    }
    if (st != MPC_OK) {
        return st;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (res->parties[i].result_len != 130 ||
            memcmp(res->parties[i].result, res->parties[0].result, 130) != 0) {
            return MPC_ERR_VERIFY_FAILED;
        }
    }
    memcpy(out130, res->parties[0].result, 130);
    return MPC_OK;
}

mpc_status
dkls_fx_presign(const dkls_fx_key *key, const uint32_t *signers, uint32_t n, uint64_t seed,
                tss_sim_tamper_fn tamper, void *user, tss_sim_result *res)
{
    const tss_keytype *kt = &tss_keytype_secp256k1;
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    mpc_status st = MPC_OK;
    memset(res, 0, sizeof *res);
    fx_params(p, ids, signers, n, 0);
    for (uint32_t i = 0; i < n && st == MPC_OK; i++) {
        st = kt->presign_input(&in[i], &p[i].input_len, key->rec[signers[i]], key->len[signers[i]],
                               ids, n);
        p[i].input = in[i];
    }
    if (st == MPC_OK) {
        st = tss_sim_run(kt->presign, p, n, seed, tamper, user, res);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_secure_free(in[i]);
    }
    return st;
}

mpc_status
dkls_fx_online(const dkls_fx_key *key, const uint32_t *signers, uint32_t n,
               const uint8_t *const *recs, const size_t *lens, const uint8_t *const *msgs,
               const uint8_t *tweak, uint64_t seed, tss_sim_tamper_fn tamper, void *user,
               tss_sim_result *res)
{
    const tss_keytype *kt = &tss_keytype_secp256k1;
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    mpc_status st = MPC_OK;
    memset(res, 0, sizeof *res);
    fx_params(p, ids, signers, n, 0);
    for (uint32_t i = 0; i < n && st == MPC_OK; i++) {
        st = kt->online_input(&in[i], &p[i].input_len, key->rec[signers[i]], key->len[signers[i]],
                              recs[i], lens[i], msgs[i], ids, n, tweak);
        p[i].input = in[i];
    }
    if (st == MPC_OK) {
        st = tss_sim_run(kt->sign_online, p, n, seed, tamper, user, res);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_secure_free(in[i]);
    }
    return st;
}

mpc_status
dkls_fx_reshare(const dkls_fx_key *old, const uint32_t *old_parties, uint32_t n_old,
                const uint32_t *new_nodes, uint32_t n_new, uint32_t new_t, uint64_t seed,
                tss_sim_tamper_fn tamper, void *user, tss_sim_result *res, dkls_fx_key *next)
{
    uint32_t parties[TSS_FX_MAX_NODES];
    uint32_t n = 0;
    for (uint32_t i = 0; i < n_old; i++) {
        parties[n++] = old_parties[i];
    }
    for (uint32_t j = 0; j < n_new; j++) {
        uint32_t i = 0;
        while (i < n_old && old_parties[i] != new_nodes[j]) {
            i++;
        }
        if (i == n_old) {
            parties[n++] = new_nodes[j];
        }
    }
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES], *names[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    for (uint32_t j = 0; j < n_new; j++) {
        names[j] = tss_fx_node(new_nodes[j]);
    }
    fx_params(p, ids, parties, n, 0);
    mpc_status st = MPC_OK;
    for (uint32_t i = 0; i < n && st == MPC_OK; i++) {
        const uint8_t *rec = old->rec[parties[i]] != NULL ? old->rec[parties[i]] : old->pub;
        size_t len = old->rec[parties[i]] != NULL ? old->len[parties[i]] : old->pub_len;
        st = tss_dkls_reshare_input_encode(&in[i], &p[i].input_len, new_t, names, n_new, rec, len);
        p[i].input = in[i];
    }
    memset(next, 0, sizeof *next);
    if (st == MPC_OK) {
        st = tss_sim_run(&tss_proto_dkls_reshare, p, n, seed, tamper, user, res);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_secure_free(in[i]);
    }
    return st == MPC_OK ? fx_take(next, parties, n, res) : st;
}

int
dkls_fx_verify(const uint8_t out130[130], const uint8_t msg32[32], const uint8_t y[33])
{
    secp256k1_context *c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_ecdsa_signature sig, norm;
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey pk, rec;
    uint8_t a[33], b[33];
    size_t la = 33, lb = 33;
    int recid = out130[64];
    int ok = c != NULL && secp256k1_ec_pubkey_parse(c, &pk, y, 33) &&
             secp256k1_ecdsa_signature_parse_compact(c, &sig, out130) &&
             !secp256k1_ecdsa_signature_normalize(c, &norm, &sig) &&
             secp256k1_ecdsa_verify(c, &sig, msg32, &pk) && recid >= 0 && recid <= 3 &&
             secp256k1_ecdsa_recoverable_signature_parse_compact(c, &rsig, out130, recid) &&
             secp256k1_ecdsa_recover(c, &rec, &rsig, msg32) &&
             secp256k1_ec_pubkey_serialize(c, a, &la, &rec, SECP256K1_EC_COMPRESSED) &&
             secp256k1_ec_pubkey_serialize(c, b, &lb, &pk, SECP256K1_EC_COMPRESSED) &&
             memcmp(a, b, 33) == 0 && memcmp(out130 + 65, out130, 64) == 0 &&
             out130[129] == out130[64];
    if (c != NULL) {
        secp256k1_context_destroy(c);
    }
    return ok;
}

/*
 * keytype.c — the per-key-type table (keytype.h): the protocols of each key
 * type and the encoders/decoders that sit between a stored record and them.
 */
#include "tss/keytype.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/batch.h"
#include "tss/dkg.h"
#include "tss/dkls_keygen.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_online.h"
#include "tss/dkls_reshare.h"
#include "tss/dkls_sign.h"
#include "tss/dkls_signing.h"
#include "tss/frost.h"
#include "tss/frost_sign.h"
#include "tss/reshare.h"

/* ---------------------------------------------------------------- ed25519 */

static mpc_status
eddsa_sign_input(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len, const uint8_t *msg,
                 size_t msg_len, const char *const *signers, uint32_t n, const uint8_t *tweak)
{
    (void)signers; /* frost-sign maps the session parties by node id */
    (void)n;
    return tss_sign_input_encode_hd(out, out_len, rec, len, msg, msg_len, tweak);
}

static mpc_status
eddsa_sign_result(const uint8_t *res, size_t len, uint8_t sig[TSS_KEYTYPE_SIG_BYTES],
                  uint8_t *recid)
{
    *recid = 0;
    if (res == NULL || len != TSS_FROST_SIG_BYTES) {
        return MPC_ERR_INTERNAL;
    }
    memcpy(sig, res, TSS_KEYTYPE_SIG_BYTES);
    return MPC_OK;
}

static mpc_status
eddsa_record_keyshare(const uint8_t *rec, size_t len, tss_keyshare **ks)
{
    return tss_keyshare_decode(ks, rec, len);
}

static mpc_status
eddsa_record_public(const uint8_t *rec, size_t len, uint8_t **out, size_t *out_len)
{
    tss_keyshare *ks = NULL;
    mpc_status st = tss_keyshare_decode(&ks, rec, len);
    if (st == MPC_OK) {
        st = tss_keyshare_encode(ks, 1, out, out_len);
    }
    tss_keyshare_destroy(ks);
    return st;
}

const tss_keytype tss_keytype_ed25519 = {
    .name = "ed25519",
    .keygen = &tss_proto_frost_dkg,
    .sign = &tss_proto_frost_sign,
    .sign_batch = &tss_proto_frost_sign_batch,
    .reshare = &tss_proto_frost_reshare,
    .keygen_input = NULL,
    .sign_input = eddsa_sign_input,
    .reshare_input = tss_reshare_input_encode,
    .sign_result = eddsa_sign_result,
    .record_keyshare = eddsa_record_keyshare,
    .record_public = eddsa_record_public,
    .record_quarantine = NULL,
};

/* ---------------------------------------------------------------- secp256k1 */

static mpc_status
ecdsa_sign_input(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len, const uint8_t *msg,
                 size_t msg_len, const char *const *signers, uint32_t n, const uint8_t *tweak)
{
    if (msg_len != 32) { /* the node's intake validates this; keep the encoder total */
        return MPC_ERR_REQ_INVALID;
    }
    return tss_dkls_sign_input_encode_hd(out, out_len, rec, len, msg, signers, n, tweak);
}

static mpc_status
ecdsa_keygen_input(uint8_t **out, size_t *out_len, const char *wallet)
{
    uint8_t *in = NULL;
    size_t len = 0;
    *out = NULL;
    *out_len = 0;
    mpc_status st =
        tss_dkls_keygen_input_encode(&in, &len, (const uint8_t *)wallet, strlen(wallet));
    if (st == MPC_OK) {
        *out = mpc_secure_alloc(len);
        st = *out != NULL ? MPC_OK : MPC_ERR_NOMEM;
    }
    if (st == MPC_OK) {
        memcpy(*out, in, len);
        *out_len = len;
    }
    free(in);
    return st;
}

/* Result: r (32) | s (32, low-S) | recid (1) | compact r || s || v (65). */
static mpc_status
ecdsa_sign_result(const uint8_t *res, size_t len, uint8_t sig[TSS_KEYTYPE_SIG_BYTES],
                  uint8_t *recid)
{
    *recid = 0;
    if (res == NULL || len != TSS_DKLS_SIGN_RESULT_BYTES || res[64] > 3 ||
        memcmp(res, res + 65, 64) != 0 || res[129] != res[64]) {
        return MPC_ERR_INTERNAL;
    }
    memcpy(sig, res, TSS_KEYTYPE_SIG_BYTES);
    *recid = res[64];
    return MPC_OK;
}

static mpc_status
ecdsa_record_keyshare(const uint8_t *rec, size_t len, tss_keyshare **ks)
{
    tss_dkls_keyrec *r = NULL;
    *ks = NULL;
    mpc_status st = tss_dkls_keyrec_decode(&r, rec, len);
    if (st == MPC_OK) {
        *ks = r->ks; /* taken over: the record is destroyed without it */
        r->ks = NULL;
    }
    tss_dkls_keyrec_destroy(r);
    return st;
}

static mpc_status
ecdsa_record_public(const uint8_t *rec, size_t len, uint8_t **out, size_t *out_len)
{
    tss_dkls_keyrec *r = NULL;
    mpc_status st = tss_dkls_keyrec_decode(&r, rec, len);
    if (st == MPC_OK) {
        st = tss_dkls_keyrec_encode_public(r, out, out_len);
    }
    tss_dkls_keyrec_destroy(r);
    return st;
}

static mpc_status
ecdsa_presign_input(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len,
                    const char *const *signers, uint32_t n)
{
    return tss_dkls_presign_input_encode(out, out_len, rec, len, signers, n);
}

/* The online input: key version, Y and the signers' committee ids from the key record. */
static mpc_status
ecdsa_online_input(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len,
                   const uint8_t *presig, size_t presig_len, const uint8_t msg32[32],
                   const char *const *signers, uint32_t n, const uint8_t *tweak)
{
    *out = NULL;
    *out_len = 0;
    if (signers == NULL || n < 2 || n > TSS_DKLS_SIGN_MAX_PEERS + 1 || msg32 == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_keyrec *r = NULL;
    mpc_status st = tss_dkls_keyrec_decode(&r, rec, len);
    uint32_t ids[TSS_DKLS_SIGN_MAX_PEERS + 1];
    uint8_t y[33];
    for (uint32_t i = 0; st == MPC_OK && i < n; i++) {
        uint32_t m = tss_keyshare_find_node(r->ks, signers[i]);
        if (m >= r->ks->n) {
            st = MPC_ERR_UNKNOWN_PARTICIPANT;
        } else {
            ids[i] = r->ks->members[m].id;
        }
    }
    if (st == MPC_OK) {
        r->ks->g->point_encode(y, &r->ks->group_key);
        const struct tss_dkls_online_input in = {.key_version = r->key_version,
                                                 .y_pub = y,
                                                 .msg32 = msg32,
                                                 .tweak = tweak,
                                                 .signers = signers,
                                                 .committee_ids = ids,
                                                 .n = n,
                                                 .rec = presig,
                                                 .rec_len = presig_len};
        st = tss_dkls_online_input_encode(out, out_len, &in);
    }
    tss_dkls_keyrec_destroy(r);
    return st;
}

const tss_keytype tss_keytype_secp256k1 = {
    .name = "secp256k1",
    .keygen = &tss_proto_dkls_keygen,
    .sign = &tss_proto_dkls_sign,
    .sign_batch = &tss_proto_dkls_sign_batch,
    .reshare = &tss_proto_dkls_reshare,
    .keygen_input = ecdsa_keygen_input,
    .sign_input = ecdsa_sign_input,
    .reshare_input = tss_dkls_reshare_input_encode,
    .sign_result = ecdsa_sign_result,
    .record_keyshare = ecdsa_record_keyshare,
    .record_public = ecdsa_record_public,
    .record_quarantine = tss_dkls_keyrec_quarantine,
    .presign = &tss_proto_dkls_presign,
    .sign_online = &tss_proto_dkls_online,
    .presign_input = ecdsa_presign_input,
    .online_input = ecdsa_online_input,
};

/* ---------------------------------------------------------------- secp256k1-tr */

static mpc_status
tr_sign_input_tweak(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len,
                    const uint8_t *msg, size_t msg_len, const tss_frost_tweak *tweak,
                    const uint8_t *hd_tweak)
{
    return tss_tr_sign_input_encode_hd(out, out_len, rec, len, msg, msg_len, tweak, hd_tweak);
}

/* Without a request's choice: the key-path-only output key (BIP86) of the key or its child. */
static mpc_status
tr_sign_input(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t len, const uint8_t *msg,
              size_t msg_len, const char *const *signers, uint32_t n, const uint8_t *hd_tweak)
{
    (void)signers; /* frost-tr-sign maps the session parties by node id */
    (void)n;
    const tss_frost_tweak keypath = {.mode = TSS_FROST_TWEAK_KEYPATH};
    return tss_tr_sign_input_encode_hd(out, out_len, rec, len, msg, msg_len, &keypath, hd_tweak);
}

/* Result: sig (64) | x-only output key (32) | x-only internal key (32). */
static mpc_status
tr_sign_result(const uint8_t *res, size_t len, uint8_t sig[TSS_KEYTYPE_SIG_BYTES], uint8_t *recid)
{
    *recid = 0;
    if (res == NULL || len != TSS_TR_SIGN_RESULT_BYTES) {
        return MPC_ERR_INTERNAL;
    }
    memcpy(sig, res, TSS_KEYTYPE_SIG_BYTES);
    return MPC_OK;
}

static mpc_status
tr_sign_result_xonly(const uint8_t *res, size_t len, uint8_t output_x[TSS_FROST_XONLY_BYTES],
                     uint8_t internal_x[TSS_FROST_XONLY_BYTES])
{
    if (res == NULL || len != TSS_TR_SIGN_RESULT_BYTES) {
        return MPC_ERR_INTERNAL;
    }
    memcpy(output_x, res + 64, TSS_FROST_XONLY_BYTES);
    memcpy(internal_x, res + 96, TSS_FROST_XONLY_BYTES);
    return MPC_OK;
}

const tss_keytype tss_keytype_secp256k1_tr = {
    .name = "secp256k1-tr",
    .keygen = &tss_proto_frost_tr_dkg,
    .sign = &tss_proto_frost_tr_sign,
    .reshare = &tss_proto_frost_tr_reshare,
    .keygen_input = NULL,
    .sign_input = tr_sign_input,
    .reshare_input = tss_reshare_input_encode,
    .sign_result = tr_sign_result,
    .record_keyshare = eddsa_record_keyshare, /* the same keyshare.h record, on secp256k1 */
    .record_public = eddsa_record_public,
    .record_quarantine = NULL,
    .sign_input_tweak = tr_sign_input_tweak,
    .sign_result_xonly = tr_sign_result_xonly,
};

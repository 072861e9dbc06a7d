/*
 * peerresult.c — the checks before adopting a peer's sign result
 * (node/peerresult.h).
 */
#include "node/peerresult.h"

#include <string.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sodium.h>

#include "node/client/results.h"

/* Returns: 1 if sig64 is a valid signature of w->msg under w->group_pk. */
static int
signature_verifies(const struct node_peerresult_want *w, const uint8_t sig64[64])
{
    if (w->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519) {
        return w->group_pk_len == 32 &&
               crypto_sign_verify_detached(sig64, w->msg, w->msg_len, w->group_pk) == 0;
    }
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature s;
    const secp256k1_context *ctx = secp256k1_context_static; /* verification needs no tables */
    if (w->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR) {
        secp256k1_xonly_pubkey xk;
        return w->tr_output != NULL && secp256k1_xonly_pubkey_parse(ctx, &xk, w->tr_output) &&
               secp256k1_schnorrsig_verify(ctx, sig64, w->msg, w->msg_len, &xk);
    }
    return w->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 && w->msg_len == 32 &&
           w->group_pk_len == 33 && secp256k1_ec_pubkey_parse(ctx, &pk, w->group_pk, 33) &&
           secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig64) &&
           secp256k1_ecdsa_verify(ctx, &s, w->msg, &pk);
}

/* Extracts the signature of a success of w->key_type. Returns 0 if absent. */
static int
result_signature(const Mpc__Result *r, const struct node_peerresult_want *w, uint8_t sig[64],
                 uint8_t *recid)
{
    if (w->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519) {
        if (r->eddsa_signature.len != 64) {
            return 0;
        }
        memcpy(sig, r->eddsa_signature.data, 64);
        *recid = 0;
        return 1;
    }
    if (w->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR) { /* under the expected output key */
        if (r->schnorr_signature.len != 64 || r->taproot_output_key.len != 32 ||
            r->taproot_internal_key.len != 32 || w->tr_output == NULL ||
            memcmp(r->taproot_output_key.data, w->tr_output, 32) != 0 || w->group_pk_len != 33 ||
            memcmp(r->taproot_internal_key.data, w->group_pk + 1, 32) != 0) {
            return 0;
        }
        memcpy(sig, r->schnorr_signature.data, 64);
        *recid = 0;
        return 1;
    }
    if (r->ecdsa_r.len != 32 || r->ecdsa_s.len != 32 || r->recovery_id > 3) {
        return 0;
    }
    memcpy(sig, r->ecdsa_r.data, 32);
    memcpy(sig + 32, r->ecdsa_s.data, 32);
    *recid = (uint8_t)r->recovery_id;
    return 1;
}

mpc_status
node_peerresult_check(const uint8_t *data, size_t len, const struct node_peerresult_want *w,
                      Mpc__Result **res, uint8_t sig[64], uint8_t *recid)
{
    if (res != NULL) {
        *res = NULL;
    }
    if (data == NULL || w == NULL || res == NULL || sig == NULL || recid == NULL ||
        w->peer == NULL || w->peer_pk == NULL || w->request_id == NULL || w->digest == NULL ||
        w->group_pk == NULL || w->msg == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(sig, 0, 64);
    *recid = 0;
    if (len == strlen(NODE_PEERRESULT_NONE) && memcmp(data, NODE_PEERRESULT_NONE, len) == 0) {
        return MPC_ERR_NOT_FOUND;
    }
    Mpc__Result *r = mpc__result__unpack(NULL, len, data);
    if (r == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    mpc_status st = MPC_OK;
    if (r->signer_node_id == NULL || strcmp(r->signer_node_id, w->peer) != 0 ||
        node_client_result_verify(r, w->peer_pk) != MPC_OK) {
        st = MPC_ERR_MSG_BAD_SIGNATURE;
    } else if (r->request_id == NULL || strcmp(r->request_id, w->request_id) != 0 ||
               r->request_digest.len != 32 ||
               sodium_memcmp(r->request_digest.data, w->digest, 32) != 0 ||
               r->op != MPC__OP__OP_SIGN || (int)r->key_type != w->key_type ||
               r->key_version != w->version) {
        st = MPC_ERR_MSG_WRONG_SESSION;
    } else if (r->status_code != 0) {
        st = MPC_ERR_GONE;
    } else if (!result_signature(r, w, sig, recid) ||
               (r->presig_used.len != 0 &&
                (r->presig_used.len != 32 || w->key_type != MPC__KEY_TYPE__KEY_TYPE_SECP256K1))) {
        st = MPC_ERR_MSG_MALFORMED; /* a success without its signature, or a bad presig_id */
    } else if (!signature_verifies(w, sig)) {
        st = MPC_ERR_VERIFY_FAILED;
    }
    if (st != MPC_OK) {
        memset(sig, 0, 64);
        *recid = 0;
        mpc__result__free_unpacked(r, NULL);
        return st;
    }
    *res = r;
    return MPC_OK;
}

int
node_peerresult_presig(const Mpc__Result *r, uint8_t id[32])
{
    if (r == NULL || r->presig_used.len != 32) {
        return 0;
    }
    memcpy(id, r->presig_used.data, 32);
    return 1;
}

int
node_peerresult_sign_key(const uint8_t *pk, size_t pk_len, const uint8_t *child, size_t child_len,
                         const char *path, const uint8_t **key, size_t *key_len)
{
    int has_child = child != NULL && child_len > 0;
    *key = has_child ? child : pk;
    *key_len = has_child ? child_len : pk_len;
    return has_child || path == NULL || path[0] == '\0';
}

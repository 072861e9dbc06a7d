/*
 * seal.c — Argon2id key derivation and XChaCha20-Poly1305 sealing (libsodium).
 */
#include "node/store/seal.h"

#include <sodium.h>

#include "common/secmem.h"

const struct node_store_kdf_params NODE_STORE_KDF_MODERATE = {
    .opslimit = 3,                    /* crypto_pwhash_OPSLIMIT_MODERATE */
    .memlimit = 256ull * 1024 * 1024, /* crypto_pwhash_MEMLIMIT_MODERATE */
};

const struct node_store_kdf_params NODE_STORE_KDF_TEST_MIN = {
    .opslimit = 1,    /* crypto_pwhash_argon2id_OPSLIMIT_MIN */
    .memlimit = 8192, /* crypto_pwhash_argon2id_MEMLIMIT_MIN */
};

mpc_status
node_store_kdf_params_check(const struct node_store_kdf_params *p)
{
    if (p == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (p->opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
        p->opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
        p->opslimit > NODE_STORE_KDF_OPSLIMIT_CAP) {
        return MPC_ERR_INVALID_ARG;
    }
    if (p->memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
        p->memlimit > NODE_STORE_KDF_MEMLIMIT_CAP ||
        p->memlimit > (uint64_t)crypto_pwhash_argon2id_MEMLIMIT_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    return MPC_OK;
}

mpc_status
node_store_kdf_derive(uint8_t *out, size_t out_len, const char *pass, size_t pass_len,
                      const uint8_t *salt, const struct node_store_kdf_params *p)
{
    if (out == NULL || out_len < crypto_pwhash_argon2id_BYTES_MIN) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_wipe(out, out_len);
    if (pass == NULL || pass_len == 0 || pass_len > crypto_pwhash_argon2id_PASSWD_MAX ||
        salt == NULL || node_store_kdf_params_check(p) != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_CRYPTO;
    }
    if (crypto_pwhash(out, out_len, pass, pass_len, salt, p->opslimit, (size_t)p->memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        mpc_wipe(out, out_len);
        return MPC_ERR_NOMEM; /* libsodium fails here only when it cannot allocate */
    }
    return MPC_OK;
}

mpc_status
node_store_seal(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *key,
                const uint8_t *ad, size_t ad_len, const uint8_t *pt, size_t pt_len)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || key == NULL || (ad == NULL && ad_len > 0) ||
        (pt == NULL && pt_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (pt_len > SIZE_MAX - NODE_STORE_SEAL_OVERHEAD ||
        out_cap < pt_len + NODE_STORE_SEAL_OVERHEAD) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    mpc_status st = mpc_random_bytes(out, NODE_STORE_SEAL_NONCE_BYTES);
    if (st != MPC_OK) {
        return st;
    }
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + NODE_STORE_SEAL_NONCE_BYTES, &clen, pt, pt_len,
                                               ad, ad_len, NULL, out, key);
    *out_len = (size_t)clen + NODE_STORE_SEAL_NONCE_BYTES;
    return MPC_OK;
}

mpc_status
node_store_unseal(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *key,
                  const uint8_t *ad, size_t ad_len, const uint8_t *blob, size_t blob_len)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out_len == NULL || key == NULL || (ad == NULL && ad_len > 0) || blob == NULL ||
        (out == NULL && out_cap > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (blob_len < NODE_STORE_SEAL_OVERHEAD) {
        return MPC_ERR_CORRUPT;
    }
    size_t pt_len = blob_len - NODE_STORE_SEAL_OVERHEAD;
    if (out_cap < pt_len) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, &mlen, NULL, blob + NODE_STORE_SEAL_NONCE_BYTES,
            blob_len - NODE_STORE_SEAL_NONCE_BYTES, ad, ad_len, blob, key) != 0) {
        mpc_wipe(out, out_cap < pt_len ? out_cap : pt_len);
        return MPC_ERR_CORRUPT;
    }
    *out_len = (size_t)mlen;
    return MPC_OK;
}

/*
 * cli_taproot.c — mpc-cli: the local check of a Taproot (secp256k1-tr) sign
 * result with libsecp256k1 alone, and its P2TR output script (cli_results.h).
 *
 * The output key is recomputed here from the internal key (the group key, or
 * the child of the request's path this client derived itself) and the tweak the
 * request asked for (BIP341 taproot_tweak_pubkey with secp256k1_tagged_sha256
 * and secp256k1_xonly_pubkey_tweak_add_check), so a node cannot substitute
 * a key of its own; then secp256k1_schnorrsig_verify checks the signature.
 */
#include "node/cli/cli_results.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <stdio.h>
#include <string.h>

#include "node/cli/cli.h"

/* Out: x-only output key (and its parity) of internal key p under the tweak of p_params. */
static int
tr_expected_output(const secp256k1_context *ctx, const secp256k1_xonly_pubkey *p,
                   const uint8_t px[32], const struct cli_collect_params *par, uint8_t qx[32])
{
    uint8_t buf[64], t[32];
    secp256k1_pubkey q;
    secp256k1_xonly_pubkey xq;
    int parity = 0;
    if (par->tr_untweaked) {
        memcpy(qx, px, 32);
        return 1;
    }
    memcpy(buf, px, 32);
    size_t n = 32;
    if (par->tr_root != NULL) {
        memcpy(buf + 32, par->tr_root, 32);
        n = 64;
    }
    return secp256k1_tagged_sha256(ctx, t, (const uint8_t *)"TapTweak", 8, buf, n) &&
           secp256k1_xonly_pubkey_tweak_add(ctx, &q, p, t) &&
           secp256k1_xonly_pubkey_from_pubkey(ctx, &xq, &parity, &q) &&
           secp256k1_xonly_pubkey_serialize(ctx, qx, &xq) &&
           secp256k1_xonly_pubkey_tweak_add_check(ctx, qx, parity, p, t);
}

int
cli_taproot_result_verifies(const Mpc__Result *res, const struct cli_collect_params *p,
                            const uint8_t pk[33])
{
    const secp256k1_context *ctx = secp256k1_context_static; /* verification only */
    secp256k1_pubkey gk;
    secp256k1_xonly_pubkey xp, xq;
    uint8_t px[32], qx[32];
    int parity = 0;
    if (pk == NULL || res->schnorr_signature.len != 64 || res->taproot_output_key.len != 32 ||
        res->taproot_internal_key.len != 32 || !secp256k1_ec_pubkey_parse(ctx, &gk, pk, 33) ||
        !secp256k1_xonly_pubkey_from_pubkey(ctx, &xp, &parity, &gk) ||
        !secp256k1_xonly_pubkey_serialize(ctx, px, &xp) ||
        !tr_expected_output(ctx, &xp, px, p, qx) ||
        memcmp(px, res->taproot_internal_key.data, 32) != 0 ||
        memcmp(qx, res->taproot_output_key.data, 32) != 0 ||
        !secp256k1_xonly_pubkey_parse(ctx, &xq, qx)) {
        return 0;
    }
    return secp256k1_schnorrsig_verify(ctx, res->schnorr_signature.data, p->message, p->message_len,
                                       &xq);
}

void
cli_taproot_script(char out[2 * 34 + 1], const uint8_t output_key[32])
{
    uint8_t spk[34] = {0x51, 0x20}; /* OP_1 OP_PUSHBYTES_32 */
    memcpy(spk + 2, output_key, 32);
    cli_hex(out, spk, sizeof spk);
}

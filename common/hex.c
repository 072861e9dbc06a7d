/*
 * hex.c — strict hex over libsodium.
 */
#include "common/hex.h"

#include <sodium.h>
#include <string.h>

mpc_status
mpc_hex_encode(char *out, size_t out_cap, const uint8_t *in, size_t in_len)
{
    if (out == NULL || (in == NULL && in_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (in_len > (SIZE_MAX - 1) / 2 || out_cap < MPC_HEX_SIZE(in_len)) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    sodium_bin2hex(out, out_cap, in, in_len);
    return MPC_OK;
}

mpc_status
mpc_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *hex)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || hex == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t hlen = strlen(hex);
    if (hlen % 2 != 0) {
        return MPC_ERR_PARSE;
    }
    if (hlen / 2 > out_cap) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    const char *end = NULL;
    size_t n = 0;
    if (sodium_hex2bin(out, out_cap, hex, hlen, NULL, &n, &end) != 0 || end != hex + hlen) {
        sodium_memzero(out, out_cap);
        return MPC_ERR_PARSE;
    }
    *out_len = n;
    return MPC_OK;
}

mpc_status
mpc_hex_decode_exact(uint8_t *out, size_t want, const char *hex)
{
    if (out == NULL || hex == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (strlen(hex) != want * 2) {
        return MPC_ERR_PARSE;
    }
    size_t n = 0;
    mpc_status st = mpc_hex_decode(out, want, &n, hex);
    if (st != MPC_OK) {
        return st == MPC_ERR_BUFFER_TOO_SMALL ? MPC_ERR_PARSE : st;
    }
    return n == want ? MPC_OK : MPC_ERR_PARSE;
}

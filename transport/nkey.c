/*
 * nkey.c — NATS nkey user seeds (format in nkey.h).
 */
#include "transport/nkey.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/secmem.h"

#define NKEY_PREFIX_SEED 144u /* 18 << 3 */
#define NKEY_PREFIX_USER 160u /* 20 << 3 */
#define NKEY_SEED_RAW    36u  /* 2 prefix + 32 seed + 2 crc */
#define NKEY_PUB_RAW     35u  /* 1 prefix + 32 key + 2 crc */
#define NKEY_FILE_MAX    8192u

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static uint16_t
nkey_crc16(const uint8_t *p, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)p[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

/* Base32 without padding; out_cap must hold ceil(len*8/5) + 1. */
static void
b32_encode(char *out, const uint8_t *in, size_t len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32_alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) {
        out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
    }
    out[o] = '\0';
}

/* Strict base32 decode of exactly want bytes; trailing bits must be zero. */
static mpc_status
b32_decode(uint8_t *out, size_t want, const char *in, size_t in_len)
{
    if (in_len != (want * 8 + 4) / 5) {
        return MPC_ERR_PARSE;
    }
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < in_len; i++) {
        const char *p = memchr(b32_alphabet, in[i], 32);
        if (in[i] == '\0' || p == NULL) {
            return MPC_ERR_PARSE;
        }
        acc = (acc << 5) | (uint32_t)(p - b32_alphabet);
        bits += 5;
        if (bits >= 8) {
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    acc &= (1u << bits) - 1u;
    return (o == want && acc == 0) ? MPC_OK : MPC_ERR_PARSE;
}

mpc_status
transport_nkey_seed_decode(uint8_t seed[TRANSPORT_NKEY_SEED_LEN], const char *text, size_t text_len)
{
    uint8_t raw[NKEY_SEED_RAW];
    mpc_status st = MPC_ERR_PARSE;
    if (seed != NULL) {
        mpc_wipe(seed, TRANSPORT_NKEY_SEED_LEN);
    }
    if (seed == NULL || text == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (b32_decode(raw, sizeof raw, text, text_len) != MPC_OK) {
        goto wipe_raw;
    }
    uint16_t crc = (uint16_t)(raw[34] | (raw[35] << 8));
    if ((raw[0] & 0xf8u) != NKEY_PREFIX_SEED || nkey_crc16(raw, 34) != crc) {
        goto wipe_raw;
    }
    uint8_t kind = (uint8_t)(((raw[0] & 7u) << 5) | ((raw[1] & 0xf8u) >> 3));
    if (kind != NKEY_PREFIX_USER) {
        goto wipe_raw;
    }
    memcpy(seed, raw + 2, TRANSPORT_NKEY_SEED_LEN);
    st = MPC_OK;
wipe_raw:
    mpc_wipe(raw, sizeof raw);
    return st;
}

mpc_status
transport_nkey_seed_encode(char *out, size_t out_cap, const uint8_t seed[TRANSPORT_NKEY_SEED_LEN])
{
    if (out == NULL || seed == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (out_cap < TRANSPORT_NKEY_SEED_STR_LEN + 1) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t raw[NKEY_SEED_RAW];
    raw[0] = (uint8_t)(NKEY_PREFIX_SEED | (NKEY_PREFIX_USER >> 5));
    raw[1] = (uint8_t)((NKEY_PREFIX_USER & 31u) << 3);
    memcpy(raw + 2, seed, TRANSPORT_NKEY_SEED_LEN);
    uint16_t crc = nkey_crc16(raw, 34);
    raw[34] = (uint8_t)(crc & 0xff);
    raw[35] = (uint8_t)(crc >> 8);
    b32_encode(out, raw, sizeof raw);
    mpc_wipe(raw, sizeof raw);
    return MPC_OK;
}

mpc_status
transport_nkey_public_from_seed(char *out, size_t out_cap,
                                const uint8_t seed[TRANSPORT_NKEY_SEED_LEN])
{
    if (out == NULL || seed == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (out_cap < TRANSPORT_NKEY_PUBLIC_STR_LEN + 1) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    if (mpc_crypto_init() != MPC_OK || crypto_sign_seed_keypair(pk, sk, seed) != 0) {
        mpc_wipe(sk, sizeof sk);
        return MPC_ERR_CRYPTO;
    }
    mpc_wipe(sk, sizeof sk);
    uint8_t raw[NKEY_PUB_RAW];
    raw[0] = NKEY_PREFIX_USER;
    memcpy(raw + 1, pk, sizeof pk);
    uint16_t crc = nkey_crc16(raw, 33);
    raw[33] = (uint8_t)(crc & 0xff);
    raw[34] = (uint8_t)(crc >> 8);
    b32_encode(out, raw, sizeof raw);
    return MPC_OK;
}

mpc_status
transport_nkey_public_from_seed_file(char *out, size_t out_cap, const char *path)
{
    if (out == NULL || path == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    char buf[NKEY_FILE_MAX + 1];
    uint8_t seed[TRANSPORT_NKEY_SEED_LEN];
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return MPC_ERR_IO;
    }
    size_t n = fread(buf, 1, NKEY_FILE_MAX, f);
    int err = ferror(f);
    fclose(f);
    buf[n] = '\0';
    mpc_status st = err ? MPC_ERR_IO : MPC_ERR_PARSE;
    for (char *p = buf; !err && *p != '\0';) {
        size_t skip = strspn(p, " \t\r\n");
        p += skip;
        size_t tok = strcspn(p, " \t\r\n");
        if (tok >= 2 && p[0] == 'S' && p[1] == 'U' &&
            transport_nkey_seed_decode(seed, p, tok) == MPC_OK) {
            st = transport_nkey_public_from_seed(out, out_cap, seed);
            break;
        }
        p += tok;
    }
    mpc_wipe(seed, sizeof seed);
    mpc_wipe(buf, sizeof buf);
    return st;
}

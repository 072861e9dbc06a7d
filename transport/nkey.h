/*
 * nkey.h — NATS nkey user seeds: decode a seed, derive its public key.
 *
 * nats.c's natsOptions_SetNKeyFromSeed() wants the user's public nkey next to
 * the seed file, but the public key is a function of the seed. So an operator
 * only configures the seed file and the node derives the rest.
 *
 * Format (facts of the nkeys encoding): standard base32 (RFC 4648 alphabet,
 * no padding) of  prefix || payload || crc16, where crc16 is CRC-16/XMODEM
 * (polynomial 0x1021, initial value 0) over prefix || payload, stored
 * little-endian.
 *   - a seed has a two-byte prefix: (18<<3) | (kind>>5), (kind & 31) << 3,
 *     with kind = 20<<3 for a user ("SU..."); its payload is the 32-byte
 *     Ed25519 seed;
 *   - a user public key has the one-byte prefix 20<<3 ("U...") and the 32-byte
 *     Ed25519 public key as payload (56 characters in all).
 *
 * THREAD SAFETY: all functions are thread-safe. Seeds are wiped from every
 * buffer this module fills.
 */
#ifndef MPC_TRANSPORT_NKEY_H
#define MPC_TRANSPORT_NKEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define TRANSPORT_NKEY_SEED_LEN       32 /* raw Ed25519 seed */
#define TRANSPORT_NKEY_PUBLIC_STR_LEN 56 /* "U" + 55 base32 characters */
#define TRANSPORT_NKEY_SEED_STR_LEN   58 /* "SU" + 56 base32 characters */

/*
 * Decodes a user seed ("SU...").
 * Out: seed[32] — cleared on entry and on failure.
 * Returns: MPC_OK, MPC_ERR_PARSE (length, alphabet, prefix is not a user seed,
 *          CRC mismatch), MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_nkey_seed_decode(uint8_t seed[TRANSPORT_NKEY_SEED_LEN],
                                                     const char *text, size_t text_len);

/*
 * Encodes a 32-byte seed as a user seed string (for tools and tests).
 * Out: out — NUL-terminated, TRANSPORT_NKEY_SEED_STR_LEN characters.
 * Returns: MPC_OK, MPC_ERR_BUFFER_TOO_SMALL, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_nkey_seed_encode(char *out, size_t out_cap,
                                                     const uint8_t seed[TRANSPORT_NKEY_SEED_LEN]);

/*
 * Derives the public user nkey ("U...") of a seed.
 * Out: out — NUL-terminated, TRANSPORT_NKEY_PUBLIC_STR_LEN characters.
 * Returns: MPC_OK, MPC_ERR_BUFFER_TOO_SMALL, MPC_ERR_INVALID_ARG, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status transport_nkey_public_from_seed(
    char *out, size_t out_cap, const uint8_t seed[TRANSPORT_NKEY_SEED_LEN]);

/*
 * Reads a seed file (the first whitespace-separated token that starts with
 * "SU"; other lines such as comments are ignored) and derives its public key.
 * Out: out as for transport_nkey_public_from_seed.
 * Returns: MPC_OK, MPC_ERR_IO (unreadable), MPC_ERR_PARSE (no valid user seed),
 *          MPC_ERR_BUFFER_TOO_SMALL, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_nkey_public_from_seed_file(char *out, size_t out_cap,
                                                               const char *path);

#endif /* MPC_TRANSPORT_NKEY_H */

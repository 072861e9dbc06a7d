/*
 * hex.h — strict hex encoding (libsodium underneath).
 *
 * Decoders are strict: the whole input must be consumed, with no separators or
 * whitespace, and the decoded length must fit the output exactly as stated.
 *
 * THREAD SAFETY: all functions are thread-safe.
 */
#ifndef MPC_COMMON_HEX_H
#define MPC_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

/* Returns: the buffer size (including the NUL) that hex-encoding len bytes needs. */
#define MPC_HEX_SIZE(len) ((len)*2 + 1)

/*
 * Lower-case hex encoding of in[0..in_len) into out, NUL-terminated.
 * Returns: MPC_OK; MPC_ERR_BUFFER_TOO_SMALL if out_cap < MPC_HEX_SIZE(in_len)
 *          (out is then set to "" when out_cap > 0); MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status mpc_hex_encode(char *out, size_t out_cap, const uint8_t *in,
                                         size_t in_len);

/*
 * Decodes the NUL-terminated hex string hex into out.
 * Out: out[0..*out_len) — cleared on entry; *out_len is 0 on failure.
 * Returns: MPC_OK; MPC_ERR_PARSE for odd length or a non-hex character;
 *          MPC_ERR_BUFFER_TOO_SMALL if the decoded bytes exceed out_cap;
 *          MPC_ERR_INVALID_ARG on NULL.
 */
MPC_MUST_CHECK mpc_status mpc_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len,
                                         const char *hex);

/*
 * Decodes hex that must be exactly want bytes long (e.g. a 32-byte scalar).
 * Returns: MPC_OK, or MPC_ERR_PARSE (including a length other than want).
 */
MPC_MUST_CHECK mpc_status mpc_hex_decode_exact(uint8_t *out, size_t want, const char *hex);

#endif /* MPC_COMMON_HEX_H */

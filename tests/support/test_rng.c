/*
 * test_rng.c — seeded ChaCha20 stream for reproducible tests (see header).
 */
#include "tests/support/test_rng.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint8_t rng_key[crypto_stream_chacha20_ietf_KEYBYTES]; /* derived from the seed */
static uint32_t rng_block;                                    /* next ChaCha20 block counter */

uint64_t
test_rng_init(const char *name)
{
    uint64_t seed = mpc_test_seed(name);
    if (sodium_init() < 0) {
        abort();
    }
    memset(rng_key, 0, sizeof(rng_key));
    memcpy(rng_key, &seed, sizeof(seed));
    rng_block = 0;
    return seed;
}

void
test_rng_bytes(void *buf, size_t len)
{
    static const uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {0};
    size_t blocks = (len + 63) / 64;
    memset(buf, 0, len);
    crypto_stream_chacha20_ietf_xor_ic(buf, buf, len, nonce, rng_block, rng_key);
    rng_block += (uint32_t)blocks;
}

uint32_t
test_rng_below(uint32_t n)
{
    uint64_t v;
    test_rng_bytes(&v, sizeof(v));
    return (uint32_t)(v % n);
}

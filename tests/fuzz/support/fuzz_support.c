/*
 * fuzz_support.c — deterministic randombytes and seed-corpus output for the
 * harnesses (see fuzz_support.h).
 */
#include "tests/fuzz/support/fuzz_support.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/store/identity.h"

static uint64_t rng_state[FUZZ_RNG_STREAMS]; /* splitmix64 state per stream */
static uint32_t rng_cur = FUZZ_RNG_FIXTURE;  /* stream randombytes draws from */

static uint64_t
rng_next(void)
{
    uint64_t z = (rng_state[rng_cur] += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static const char *
rng_name(void)
{
    return "fuzz-splitmix64";
}

static uint32_t
rng_random(void)
{
    return (uint32_t)rng_next();
}

static void
rng_stir(void)
{
}

static void
rng_buf(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t v = rng_next();
        size_t k = len < sizeof v ? len : sizeof v;
        memcpy(p, &v, k);
        p += k;
        len -= k;
    }
}

static int
rng_close(void)
{
    return 0;
}

static struct randombytes_implementation rng_impl = {
    .implementation_name = rng_name,
    .random = rng_random,
    .stir = rng_stir,
    .uniform = NULL, /* libsodium's generic rejection sampling over random() */
    .buf = rng_buf,
    .close = rng_close,
};

void
fuzz_rng_reset(uint32_t k)
{
    if (k < FUZZ_RNG_STREAMS) {
        rng_state[k] = 0x6d70632d66757a7aull ^ ((uint64_t)(k + 1) << 40);
    }
}

uint64_t
fuzz_rng_get(uint32_t k)
{
    return k < FUZZ_RNG_STREAMS ? rng_state[k] : 0;
}

void
fuzz_rng_set(uint32_t k, uint64_t state)
{
    if (k < FUZZ_RNG_STREAMS) {
        rng_state[k] = state;
    }
}

void
fuzz_rng_select(uint32_t k)
{
    if (k >= FUZZ_RNG_STREAMS) {
        abort();
    }
    rng_cur = k;
}

void
fuzz_rng_install(void)
{
    for (uint32_t k = 0; k < FUZZ_RNG_STREAMS; k++) {
        fuzz_rng_reset(k);
    }
    rng_cur = FUZZ_RNG_FIXTURE;
    /* Must precede sodium_init (mpc_crypto_init); harmless to repeat. */
    if (randombytes_set_implementation(&rng_impl) != 0 || sodium_init() < 0) {
        abort();
    }
}

const char *
fuzz_seed_dir(void)
{
    const char *d = getenv("FUZZ_GEN_SEEDS");
    return d != NULL && d[0] != '\0' ? d : NULL;
}

void
fuzz_seed_write2(const char *dir, const char *name, const uint8_t *a, size_t a_len,
                 const uint8_t *b, size_t b_len)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/seed-%s", dir, name) >= (int)sizeof path) {
        abort();
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL || (a_len > 0 && fwrite(a, 1, a_len, f) != a_len) ||
        (b_len > 0 && fwrite(b, 1, b_len, f) != b_len)) {
        fprintf(stderr, "fuzz: cannot write %s\n", path);
        abort();
    }
    if (fclose(f) != 0) {
        abort();
    }
}

void
fuzz_seed_write(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    fuzz_seed_write2(dir, name, data, len, NULL, 0);
}

void
fuzz_seeds_or_fuzz(void (*write_seeds)(const char *dir))
{
    const char *dir = fuzz_seed_dir();
    if (dir != NULL) {
        write_seeds(dir);
        exit(0);
    }
}

void
fuzz_init_with_identity(struct node_store_identity **id)
{
    fuzz_rng_install();
    if (node_store_identity_generate(id) != MPC_OK) {
        abort();
    }
}

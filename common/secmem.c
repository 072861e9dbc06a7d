/*
 * secmem.c — secret memory helpers over libsodium.
 */
#include "common/secmem.h"

#include <pthread.h>
#include <sodium.h>

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static int crypto_init_result = -1; /* sodium_init() result, written once */

static void
crypto_init_once(void)
{
    crypto_init_result = sodium_init();
}

mpc_status
mpc_crypto_init(void)
{
    if (pthread_once(&crypto_once, crypto_init_once) != 0) {
        return MPC_ERR_CRYPTO;
    }
    /* sodium_init: 0 = initialised now, 1 = already initialised, -1 = failure. */
    return crypto_init_result < 0 ? MPC_ERR_CRYPTO : MPC_OK;
}

void *
mpc_secure_alloc(size_t len)
{
    if (len == 0 || mpc_crypto_init() != MPC_OK) {
        return NULL;
    }
    void *p = sodium_malloc(len);
    if (p != NULL) {
        sodium_memzero(p, len);
    }
    return p;
}

void
mpc_secure_free(void *p)
{
    if (p != NULL) {
        sodium_free(p);
    }
}

void
mpc_wipe(void *p, size_t len)
{
    if (p != NULL && len > 0) {
        sodium_memzero(p, len);
    }
}

int
mpc_ct_equal(const void *a, const void *b, size_t len)
{
    if (len == 0) {
        return 1;
    }
    return sodium_memcmp(a, b, len) == 0;
}

int
mpc_ct_is_zero(const void *p, size_t len)
{
    return sodium_is_zero((const unsigned char *)p, len);
}

mpc_status
mpc_random_bytes(void *buf, size_t len)
{
    if (buf == NULL && len > 0) {
        return MPC_ERR_INVALID_ARG;
    }
    if (mpc_crypto_init() != MPC_OK) {
        return MPC_ERR_RANDOM;
    }
    if (len > 0) {
        randombytes_buf(buf, len);
    }
    return MPC_OK;
}

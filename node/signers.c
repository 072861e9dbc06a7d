/*
 * signers.c — the deterministic choice of live signers (node/signers.h).
 */
#include "node/signers.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define NODE_SIGNERS_MAX 255u /* most holders of one key version */

static int
hash_field(crypto_generichash_state *h, const char *s)
{
    size_t n = strlen(s);
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    return crypto_generichash_update(h, len, sizeof len) == 0 &&
           crypto_generichash_update(h, (const uint8_t *)s, n) == 0;
}

mpc_status
node_signers_rank(const char *request_id, const char *id, uint64_t *rank)
{
    static const char tag[] = "mpc-node/signers/v1";
    crypto_generichash_state h;
    uint8_t out[8];
    if (rank == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *rank = 0;
    if (request_id == NULL || id == NULL || request_id[0] == '\0' || id[0] == '\0') {
        return MPC_ERR_INVALID_ARG;
    }
    if (crypto_generichash_init(&h, NULL, 0, sizeof out) != 0 ||
        crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1) != 0 ||
        !hash_field(&h, request_id) || !hash_field(&h, id) ||
        crypto_generichash_final(&h, out, sizeof out) != 0) {
        return MPC_ERR_CRYPTO;
    }
    for (size_t i = 0; i < sizeof out; i++) {
        *rank = *rank << 8 | out[i];
    }
    return MPC_OK;
}

/* One holder in the per-request order. */
struct ranked {
    uint64_t rank;  /* node_signers_rank */
    const char *id; /* holder id (tie break) */
    size_t index;   /* position in the holders list */
};

static int
cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->rank != y->rank) {
        return x->rank < y->rank ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

mpc_status
node_signers_choose(const char *request_id, const char *const *holders, const int *live, size_t n,
                    uint32_t t, int *chosen)
{
    struct ranked r[NODE_SIGNERS_MAX];
    if (chosen == NULL || holders == NULL || live == NULL || n == 0 || n > NODE_SIGNERS_MAX ||
        t == 0 || t > n) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(chosen, 0, n * sizeof *chosen);
    for (size_t i = 0; i < n; i++) {
        mpc_status st = node_signers_rank(request_id, holders[i], &r[i].rank);
        if (st != MPC_OK) {
            return st;
        }
        r[i].id = holders[i];
        r[i].index = i;
    }
    qsort(r, n, sizeof r[0], cmp_ranked);
    uint32_t k = 0;
    for (int pass = 0; pass < 2 && k < t; pass++) { /* live ones first, then fill */
        for (size_t i = 0; i < n && k < t; i++) {
            size_t j = r[i].index;
            if (!chosen[j] && live[j] >= 0 && (pass == 1 || live[j] > 0)) {
                chosen[j] = 1;
                k++;
            }
        }
    }
    if (k < t) { /* too many holders gone from this request */
        memset(chosen, 0, n * sizeof *chosen);
        return MPC_ERR_BAD_THRESHOLD;
    }
    return MPC_OK;
}

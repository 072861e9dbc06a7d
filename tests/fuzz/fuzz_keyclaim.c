/*
 * fuzz_keyclaim.c — libFuzzer harness: the key-claim exchange of
 * node/keyclaim.c — a query as received by the node that answers it, and a
 * claim as received by the joining node that asked.
 *
 * Input byte 0 picks the mode:
 *   0: query bytes (node_keyclaim_query_decode; whatever decodes must
 *      re-encode to the same bytes);
 *   1: claim bytes as received (node_keyclaim_open against a fixed query,
 *      sender "node-2" and its real key);
 *   2: claim body re-signed with the sender's real key before opening, so
 *      the layout checks behind the signature see arbitrary bytes of a
 *      correctly signed claim (a malicious peer).
 * An opened claim must answer the query, name the sender and, if found,
 * point its record inside the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/keyclaim.h"
#include "tests/fuzz/support/fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_DOMAIN "mpc-node/keyclaim/v1" /* signed with its NUL (node/keyclaim.c) */

static node_store_identity *fz_id;      /* node-2's identity */
static struct node_keyclaim_query fz_q; /* the joining node's query */

static void
write_seeds(const char *dir)
{
    static const uint8_t record[] = "public record bytes";
    uint8_t q[NODE_KEYCLAIM_QUERY_MAX + 1];
    size_t qlen = 0;
    if (node_keyclaim_query_encode(&fz_q, q + 1, sizeof q - 1, &qlen) != MPC_OK) {
        abort();
    }
    q[0] = 0;
    fuzz_seed_write(dir, "query", q, qlen + 1);
    const struct node_keyclaim claims[] = {
        {.q = fz_q,
         .node_id = "node-2",
         .found = 1,
         .active_version = 3,
         .record = record,
         .record_len = sizeof record},
        {.q = fz_q, .node_id = "node-2", .found = 0},
    };
    for (size_t i = 0; i < 2; i++) {
        uint8_t *c = NULL;
        size_t len = 0;
        if (node_keyclaim_encode(&claims[i], fz_id, &c, &len) != MPC_OK) {
            abort();
        }
        for (uint8_t mode = 1; mode <= 2; mode++) {
            char name[32];
            snprintf(name, sizeof name, "claim-%s-mode%u", i == 0 ? "found" : "absent", mode);
            fuzz_seed_write2(dir, name, &mode, 1, c, len);
        }
        free(c);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init_with_identity(&fz_id);
    fz_q.key_type = 2;
    snprintf(fz_q.wallet, sizeof fz_q.wallet, "wallet-1");
    memset(fz_q.nonce, 0x3c, sizeof fz_q.nonce);
    fuzz_seeds_or_fuzz(write_seeds);
    return 0;
}

static void
query_one(const uint8_t *in, size_t len)
{
    struct node_keyclaim_query q;
    uint8_t out[NODE_KEYCLAIM_QUERY_MAX];
    size_t out_len = 0;
    if (node_keyclaim_query_decode(&q, in, len) != MPC_OK) {
        return;
    }
    if (node_keyclaim_query_encode(&q, out, sizeof out, &out_len) != MPC_OK || out_len != len ||
        memcmp(out, in, len) != 0) {
        abort();
    }
}

/* Returns malloc'd body || signature(domain || body) with node-2's key (the input is the
 * body plus a 64-byte signature slot that is overwritten). */
static uint8_t *
resign(const uint8_t *in, size_t len)
{
    if (len < 64) {
        return NULL;
    }
    size_t body = len - 64;
    uint8_t *msg = malloc(sizeof FZ_DOMAIN + body), *out = malloc(len);
    if (msg == NULL || out == NULL) {
        abort();
    }
    memcpy(msg, FZ_DOMAIN, sizeof FZ_DOMAIN);
    memcpy(msg + sizeof FZ_DOMAIN, in, body);
    memcpy(out, in, body);
    if (node_store_identity_sign(fz_id, out + body, msg, sizeof FZ_DOMAIN + body) != MPC_OK) {
        abort();
    }
    free(msg);
    return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    if (data[0] % 3 == 0) {
        query_one(data + 1, size - 1);
        return 0;
    }
    size_t len = size - 1;
    uint8_t *in = data[0] % 3 == 2 ? resign(data + 1, len) : malloc(len > 0 ? len : 1);
    if (in == NULL) {
        return 0;
    }
    if (data[0] % 3 == 1) {
        memcpy(in, data + 1, len);
    }
    struct node_keyclaim c;
    if (node_keyclaim_open(&c, in, len, &fz_q, "node-2", node_store_identity_public_key(fz_id)) ==
        MPC_OK) {
        if (strcmp(c.node_id, "node-2") != 0 || memcmp(&c.q, &fz_q, sizeof fz_q) != 0 ||
            (c.found && (c.record < in || c.record_len == 0 || c.record_len > len ||
                         c.record + c.record_len > in + len || c.active_version == 0))) {
            abort();
        }
    }
    free(in);
    return 0;
}

/*
 * fuzz_evidence.c — libFuzzer harness: what the node and mpc-cli parse around
 * the whole evidence of a failed session and the KOS quarantine notices:
 *   - the evidence query a client sends on a node's status subject
 *     (node_client_evidence_query_decode),
 *   - the packed evidence mpc-cli receives from a node
 *     (node_client_evidence_unpack),
 *   - a KOS quarantine notice a peer publishes (node_kos_notice_decode and
 *     node_kos_notice_verify).
 * data[0] picks the parser; data[1..) is its input.
 * Checks: a decoded query re-encodes to the same bytes; unpacked items lie
 * inside the input, in order, and re-pack to the same bytes; a notice that
 * decodes re-encodes to the same body (the signature is not ours: only the
 * fields are compared) and never verifies under a key that did not sign it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/client/evidence.h"
#include "node/kos.h"
#include "node/store/identity.h"
#include "tests/fuzz/support/fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static node_store_identity *fz_id; /* the accuser's identity (notice seeds) */
static uint8_t fz_other[32];       /* a key that signed nothing */

static void
seed_with(const char *dir, const char *name, uint8_t which, const uint8_t *b, size_t len)
{
    fuzz_seed_write2(dir, name, &which, 1, b, len);
}

static void
write_seeds(const char *dir)
{
    uint8_t buf[NODE_KOS_NOTICE_MAX];
    size_t len = 0;
    struct node_client_evidence_query q = {.key_type = 2, .offset = 10000};
    snprintf(q.request_id, sizeof q.request_id, "req-1");
    if (node_client_evidence_query_encode(&q, buf, sizeof buf, &len) != MPC_OK) {
        abort();
    }
    seed_with(dir, "query", 0, buf, len);
    const uint8_t a[5] = {1, 2, 3, 4, 5}, b[2] = {9, 9};
    const uint8_t *items[2] = {a, b};
    size_t lens[2] = {sizeof a, sizeof b};
    uint8_t *packed = NULL;
    if (node_client_evidence_pack(items, lens, 2, &packed, &len) != MPC_OK) {
        abort();
    }
    seed_with(dir, "packed", 1, packed, len);
    free(packed);
    struct node_kos_notice n = {.key_type = 2, .version = 3};
    snprintf(n.wallet, sizeof n.wallet, "wallet-1");
    snprintf(n.accuser, sizeof n.accuser, "node-1");
    snprintf(n.accused, sizeof n.accused, "node-3");
    if (node_kos_notice_encode(fz_id, &n, buf, sizeof buf, &len) != MPC_OK) {
        abort();
    }
    seed_with(dir, "notice", 2, buf, len);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init_with_identity(&fz_id);
    memset(fz_other, 0x42, sizeof fz_other);
    fuzz_seeds_or_fuzz(write_seeds);
    return 0;
}

static void
one_query(const uint8_t *d, size_t n)
{
    struct node_client_evidence_query q;
    uint8_t buf[NODE_CLIENT_EVIDENCE_QUERY_MAX];
    size_t len = 0;
    if (node_client_evidence_query_decode(&q, d, n) != MPC_OK) {
        return;
    }
    if (node_client_evidence_query_encode(&q, buf, sizeof buf, &len) != MPC_OK || len != n ||
        memcmp(buf, d, n) != 0) {
        fprintf(stderr, "evidence query: not canonical\n");
        abort();
    }
}

static void
one_packed(const uint8_t *d, size_t n)
{
    const uint8_t *items[NODE_CLIENT_EVIDENCE_ITEMS];
    size_t lens[NODE_CLIENT_EVIDENCE_ITEMS], count = 0;
    if (node_client_evidence_unpack(d, n, items, lens, &count) != MPC_OK) {
        return;
    }
    const uint8_t *prev = d;
    for (size_t i = 0; i < count; i++) {
        if (items[i] < prev || items[i] + lens[i] > d + n || lens[i] == 0) {
            fprintf(stderr, "packed evidence: item %zu outside the input\n", i);
            abort();
        }
        prev = items[i] + lens[i];
    }
    uint8_t *again = NULL;
    size_t al = 0;
    if (node_client_evidence_pack(items, lens, count, &again, &al) != MPC_OK || al != n ||
        memcmp(again, d, n) != 0) {
        fprintf(stderr, "packed evidence: not canonical\n");
        abort();
    }
    free(again);
}

static void
one_notice(const uint8_t *d, size_t n)
{
    struct node_kos_notice k;
    if (node_kos_notice_decode(&k, d, n) != MPC_OK) {
        return;
    }
    if (node_kos_notice_verify(d, n, fz_other) == MPC_OK) {
        fprintf(stderr, "kos notice: verifies under a key that signed nothing\n");
        abort();
    }
    uint8_t buf[NODE_KOS_NOTICE_MAX];
    size_t len = 0;
    if (node_kos_notice_encode(fz_id, &k, buf, sizeof buf, &len) != MPC_OK || len != n ||
        memcmp(buf, d, n - 64) != 0) {
        fprintf(stderr, "kos notice: fields do not re-encode to the same body\n");
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0:
        one_query(data + 1, size - 1);
        break;
    case 1:
        one_packed(data + 1, size - 1);
        break;
    default:
        one_notice(data + 1, size - 1);
        break;
    }
    return 0;
}

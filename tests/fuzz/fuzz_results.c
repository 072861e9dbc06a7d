/*
 * fuzz_results.c — libFuzzer harness: node_client_results_entry_decode, the
 * request-log entry (record req/<request_id>) holding the Results a node
 * republishes for a duplicate request; every Result inside is decoded too.
 *
 * Checks: whatever decodes re-encodes to the same bytes, and each Result it
 * holds unpacks as an mpc.Result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/client/results.h"
#include "tests/fuzz/support/fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
write_seeds(const char *dir)
{
    static const char *const parts[] = {"node-1", "node-2", "node-3"};
    uint8_t pk[33], sig[64], rs[64];
    memset(pk, 0x02, sizeof pk);
    memset(sig, 0x11, sizeof sig);
    memset(rs, 0x22, sizeof rs);
    const struct node_client_result_info infos[] = {
        {.request_id = "req-1",
         .op = 1,
         .key_type = 1,
         .wallet_id = "wallet-1",
         .status = MPC_OK,
         .public_key = pk,
         .public_key_len = 32,
         .key_version = 1,
         .participants = parts,
         .n_participants = 3,
         .threshold = 2,
         .node_id = "node-1",
         .finished_at_ms = 1700000000000ull,
         .duration_ms = 120},
        {.request_id = "req-2",
         .op = 2,
         .key_type = 2,
         .wallet_id = "wallet-1",
         .status = MPC_OK,
         .ecdsa_rs = rs,
         .recovery_id = 1,
         .key_version = 1,
         .node_id = "node-2",
         .finished_at_ms = 1700000000001ull,
         .duration_ms = 80},
        {.request_id = "req-3",
         .op = 2,
         .key_type = 1,
         .wallet_id = "wallet-1",
         .status = MPC_ERR_PROTOCOL,
         .failed_round = 2,
         .failed_peer = "node-3",
         .node_id = "node-1",
         .signature = sig,
         .signature_len = 0},
    };
    uint8_t digest[32];
    memset(digest, 0x5a, sizeof digest); /* an entry with a request digest, too */
    uint8_t *res[3] = {0};
    size_t lens[3] = {0};
    for (size_t i = 0; i < 3; i++) {
        if (node_client_result_encode(&infos[i], &res[i], &lens[i]) != MPC_OK) {
            abort();
        }
    }
    for (size_t count = 1; count <= 3; count++) {
        uint8_t *e = NULL;
        size_t len = 0;
        char name[16];
        if (node_client_results_entry_encode("cli_1", count == 2 ? digest : NULL,
                                             (const uint8_t *const *)res, lens, count, &e,
                                             &len) != MPC_OK) {
            abort();
        }
        snprintf(name, sizeof name, "entry%zu", count);
        fuzz_seed_write(dir, name, e, len);
        free(e);
    }
    for (size_t i = 0; i < 3; i++) {
        free(res[i]);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_seeds_or_fuzz(write_seeds);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct node_client_results_entry e;
    uint8_t *out = NULL;
    size_t len = 0;
    if (node_client_results_entry_decode(&e, data, size) != MPC_OK) {
        return 0;
    }
    for (size_t i = 0; i < e.count; i++) {
        Mpc__Result *r = mpc__result__unpack(NULL, e.lens[i], e.results[i]);
        if (r == NULL) {
            abort();
        }
        mpc__result__free_unpacked(r, NULL);
    }
    if (node_client_results_entry_encode(e.client_id, e.has_digest ? e.digest : NULL,
                                         (const uint8_t *const *)e.results, e.lens, e.count, &out,
                                         &len) != MPC_OK ||
        len != size || memcmp(out, data, size) != 0) {
        abort();
    }
    free(out);
    node_client_results_entry_clear(&e);
    return 0;
}

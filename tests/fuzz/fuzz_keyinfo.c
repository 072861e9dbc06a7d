/*
 * fuzz_keyinfo.c — libFuzzer harness: node_store_keyinfo_decode (the key
 * record keyinfo/<type>/<wallet>; also carried to peers inside reshare
 * preparation, so treated as untrusted).
 *
 * Checks: whatever decodes validates and re-encodes to the same bytes (the
 * encoding is canonical: no two byte strings mean the same keyinfo).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/store/keyinfo.h"
#include "tests/fuzz/support/fuzz_support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
add_version(struct node_store_keyinfo *ki, uint32_t v, uint8_t state, uint16_t t,
            const char *const *ids, uint16_t n)
{
    struct node_store_keyinfo_version *kv = &ki->versions[ki->n_versions++];
    kv->version = v;
    kv->state = state;
    kv->threshold = t;
    kv->n_participants = n;
    for (uint16_t i = 0; i < n; i++) {
        snprintf(kv->participants[i], sizeof kv->participants[i], "%s", ids[i]);
    }
}

static void
write_seed(const char *dir, const char *name, const struct node_store_keyinfo *ki)
{
    static uint8_t buf[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    if (node_store_keyinfo_encode(buf, sizeof buf, &len, ki) != MPC_OK) {
        abort();
    }
    fuzz_seed_write(dir, name, buf, len);
}

static void
write_seeds(const char *dir)
{
    static struct node_store_keyinfo a, b;
    const char *ids3[] = {"node-1", "node-2", "node-3"};
    const char *ids4[] = {"node-1", "node-2", "node-4", "node-5"};
    a.key_type = NODE_STORE_KEY_ED25519;
    a.public_key_len = 32;
    memset(a.public_key, 0x42, 32);
    a.active_version = 1;
    add_version(&a, 1, NODE_STORE_KEY_VERSION_ACTIVE, 2, ids3, 3);
    write_seed(dir, "ed25519-one-version", &a);
    b.key_type = NODE_STORE_KEY_SECP256K1;
    b.public_key_len = 33;
    b.public_key[0] = 0x02;
    memset(b.public_key + 1, 0x17, 32);
    b.active_version = 2;
    add_version(&b, 1, NODE_STORE_KEY_VERSION_RETIRED, 2, ids3, 3);
    add_version(&b, 2, NODE_STORE_KEY_VERSION_ACTIVE, 3, ids4, 4);
    add_version(&b, 3, NODE_STORE_KEY_VERSION_PENDING, 2, ids3, 3);
    write_seed(dir, "secp256k1-three-versions", &b);
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
    static struct node_store_keyinfo ki;
    static uint8_t out[NODE_STORE_KEYINFO_ENCODED_MAX];
    size_t len = 0;
    if (node_store_keyinfo_decode(&ki, data, size) != MPC_OK) {
        return 0;
    }
    if (node_store_keyinfo_validate(&ki) != MPC_OK ||
        node_store_keyinfo_find(&ki, ki.active_version) == NULL ||
        node_store_keyinfo_encode(out, sizeof out, &len, &ki) != MPC_OK || len != size ||
        memcmp(out, data, size) != 0) {
        abort();
    }
    return 0;
}

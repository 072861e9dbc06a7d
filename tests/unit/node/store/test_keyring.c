/*
 * test_keyring.c — the store's record-key file (node/store/keyring.h): add,
 * get, erase in place, the refusals with their own status, the sweep of
 * keys no record names, and a file that is not whole slots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "node/store/keyring.h"
#include "tests/support/node_fixture.h"

#define ID  NODE_STORE_KEYRING_ID_BYTES
#define KEY NODE_STORE_KEYRING_KEY_BYTES

struct fx {
    char *dir;  /* temp dir */
    char *path; /* keyring file */
    node_store_keyring *kr;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = node_fixture_tmpdir_create();
    f->path = node_fixture_path(f->dir, "store.mdb-keyring");
    assert_int_equal(node_store_keyring_open(f->path, &f->kr), MPC_OK);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_store_keyring_close(f->kr);
    free(f->path);
    node_fixture_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static void
test_keyring_add_get_erase(void **state)
{
    struct fx *f = *state;
    uint8_t id[ID], key[KEY], got[KEY], id2[ID], key2[KEY];
    uint32_t slot = 99, slot2 = 99;
    assert_int_equal(node_fixture_file_contains(f->path, (const uint8_t *)"x", 1), -1); /* lazy */
    assert_int_equal(node_store_keyring_add(f->kr, &slot, id, key), MPC_OK);
    assert_int_equal(slot, 0);
    assert_int_equal(node_store_keyring_add(f->kr, &slot2, id2, key2), MPC_OK);
    assert_int_equal(slot2, 1);
    assert_int_equal(node_store_keyring_used(f->kr), 2);
    assert_int_equal(node_store_keyring_get(f->kr, slot, id, got), MPC_OK);
    assert_memory_equal(got, key, KEY);
    assert_int_equal(node_fixture_file_contains(f->path, key, KEY), 1);
    /* another record's id never opens (nor erases) the slot */
    assert_int_equal(node_store_keyring_get(f->kr, slot, id2, got), MPC_ERR_KEYRING_CORRUPT);
    assert_int_equal(node_store_keyring_erase(f->kr, slot, id2), MPC_ERR_KEYRING_CORRUPT);
    assert_int_equal(node_store_keyring_erase(f->kr, slot, id), MPC_OK);
    assert_int_equal(node_store_keyring_sync(f->kr), MPC_OK);
    assert_int_equal(node_fixture_file_contains(f->path, key, KEY), 0);
    assert_int_equal(node_fixture_file_contains(f->path, id, ID), 0);
    assert_int_equal(node_store_keyring_get(f->kr, slot, id, got), MPC_ERR_RECORD_KEY_ERASED);
    assert_int_equal(node_store_keyring_get(f->kr, 1000, id, got), MPC_ERR_RECORD_KEY_ERASED);
    assert_int_equal(node_store_keyring_erase(f->kr, slot, id), MPC_OK); /* already free */
    /* the freed slot is reused; the other key stays */
    assert_int_equal(node_store_keyring_add(f->kr, &slot, id, key), MPC_OK);
    assert_int_equal(slot, 0);
    assert_int_equal(node_store_keyring_get(f->kr, slot2, id2, got), MPC_OK);
    assert_memory_equal(got, key2, KEY);
    /* reopened: the same keys */
    node_store_keyring_close(f->kr);
    assert_int_equal(node_store_keyring_open(f->path, &f->kr), MPC_OK);
    assert_int_equal(node_store_keyring_used(f->kr), 2);
    assert_int_equal(node_store_keyring_get(f->kr, slot, id, got), MPC_OK);
    assert_memory_equal(got, key, KEY);
}

static void
test_keyring_bad_arguments(void **state)
{
    struct fx *f = *state;
    uint8_t id[ID] = {0}, key[KEY];
    uint32_t slot = 0;
    node_store_keyring *kr = NULL;
    assert_int_equal(node_store_keyring_open(NULL, &kr), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_open(f->path, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_add(NULL, &slot, id, key), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_add(f->kr, NULL, id, key), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_get(f->kr, 0, NULL, key), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_erase(NULL, 0, id), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_sync(NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_sweep(f->kr, NULL, NULL, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_keyring_used(NULL), 0);
    node_store_keyring_close(NULL);
}

/* A torn slot (bad checksum) is refused as corrupt; a file that is not whole
 * slots does not open. */
static void
test_keyring_corrupt_slot_and_file(void **state)
{
    struct fx *f = *state;
    uint8_t id[ID], key[KEY], got[KEY];
    uint32_t slot = 0;
    assert_int_equal(node_store_keyring_add(f->kr, &slot, id, key), MPC_OK);
    node_store_keyring_close(f->kr);
    f->kr = NULL;
    size_t len = 0;
    uint8_t *b = node_fixture_read(f->path, &len);
    assert_non_null(b);
    b[4 + ID] ^= 1; /* a key byte */
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, len, fp), len);
    fclose(fp);
    assert_int_equal(node_store_keyring_open(f->path, &f->kr), MPC_OK);
    assert_int_equal(node_store_keyring_get(f->kr, slot, id, got), MPC_ERR_KEYRING_CORRUPT);
    node_store_keyring_close(f->kr);
    f->kr = NULL;
    fp = fopen(f->path, "ab");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, 7, fp), 7);
    fclose(fp);
    free(b);
    assert_int_equal(node_store_keyring_open(f->path, &f->kr), MPC_ERR_KEYRING_CORRUPT);
    assert_null(f->kr);
}

struct claim {
    uint32_t slot; /* the one slot claimed */
    uint8_t id[ID];
};

static int
claim_one(void *ctx, uint32_t slot, const uint8_t *id)
{
    const struct claim *c = ctx;
    return slot == c->slot && memcmp(id, c->id, ID) == 0;
}

/* The sweep zeroes every key no record claims, and only those. */
static void
test_keyring_sweep_erases_unclaimed(void **state)
{
    struct fx *f = *state;
    uint8_t id[3][ID], key[3][KEY], got[KEY];
    uint32_t slot[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(node_store_keyring_add(f->kr, &slot[i], id[i], key[i]), MPC_OK);
    }
    struct claim c = {.slot = slot[1]};
    memcpy(c.id, id[1], ID);
    size_t erased = 0;
    assert_int_equal(node_store_keyring_sweep(f->kr, claim_one, &c, &erased), MPC_OK);
    assert_int_equal(erased, 2);
    assert_int_equal(node_store_keyring_used(f->kr), 1);
    assert_int_equal(node_fixture_file_contains(f->path, key[0], KEY), 0);
    assert_int_equal(node_fixture_file_contains(f->path, key[2], KEY), 0);
    assert_int_equal(node_store_keyring_get(f->kr, slot[1], id[1], got), MPC_OK);
    assert_memory_equal(got, key[1], KEY);
    assert_int_equal(node_store_keyring_sweep(f->kr, claim_one, &c, &erased), MPC_OK);
    assert_int_equal(erased, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keyring_add_get_erase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_corrupt_slot_and_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyring_sweep_erases_unclaimed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

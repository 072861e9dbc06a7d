/*
 * node_fixture.h — helpers for the node/ unit tests: temporary directories,
 * small files, file checksums and a seeded test PRNG.
 *
 * THREAD SAFETY: not thread-safe; for single-threaded test setup.
 */
#ifndef MPC_TESTS_SUPPORT_NODE_FIXTURE_H
#define MPC_TESTS_SUPPORT_NODE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "tests/support/test_util.h" /* mpc_test_seed() */

/*
 * Creates a fresh directory under $TMPDIR (or /tmp).
 * Returns: its path (caller frees with node_fixture_tmpdir_remove), or NULL.
 */
char *node_fixture_tmpdir_create(void);

/* Removes dir and everything under it, then frees the string. Accepts NULL. */
void node_fixture_tmpdir_remove(char *dir);

/*
 * Returns: a malloc'ed "dir/name" (caller frees), or NULL.
 */
char *node_fixture_path(const char *dir, const char *name);

/*
 * Writes text to path with the given mode (created or truncated).
 * Returns: 0 on success, -1 on failure.
 */
int node_fixture_write(const char *path, const char *text, unsigned mode);

/*
 * Reads a whole file.
 * Returns: malloc'ed bytes (NUL-terminated, *len excludes it), or NULL.
 */
uint8_t *node_fixture_read(const char *path, size_t *len);

/*
 * BLAKE2b-256 of a whole file into out[32].
 * Returns: 0 on success, -1 if the file cannot be read.
 */
int node_fixture_file_hash(const char *path, uint8_t *out);

/* Returns: the next value of a splitmix64 generator with state *s. */
uint64_t node_fixture_rand(uint64_t *s);

/*
 * Reads the raw (sealed) value of record name straight from the LMDB file of
 * a key store (node/store/store.h), bypassing the store. The store must not
 * be open in this process (LMDB allows one environment per file and process).
 * Returns: a malloc'ed copy (caller frees) and *len, or NULL if absent.
 */
uint8_t *node_fixture_store_raw_get(const char *path, const char *name, size_t *len);

/*
 * Writes the raw value val[0..len) of record name straight into the LMDB file
 * of a key store (as raw_get: the store must not be open in this process):
 * an attacker who put back bytes found in the file's free pages.
 * Returns: 0 on success, -1 on failure.
 */
int node_fixture_store_raw_put(const char *path, const char *name, const uint8_t *val, size_t len);

/*
 * Returns: 1 if the bytes needle[0..n) occur anywhere in the file at path,
 *          0 if not, -1 if the file cannot be read or n is 0.
 */
int node_fixture_file_contains(const char *path, const uint8_t *needle, size_t n);

/* A temporary directory with a store file path and, once opened, the store:
 * the common set-up of the node/store suites (cmocka state). */
typedef struct {
    char *dir;            /* temp dir (node_fixture_tmpdir_create) */
    char *path;           /* "dir/store.mdb" (nothing there until opened) */
    struct node_store *s; /* the open store, or NULL; closed by the teardown */
} node_fixture_store;

/* cmocka setup: *state = a node_fixture_store with dir and path, no store.
 * Returns: 0, or -1 on failure. */
int node_fixture_store_setup(void **state);

/* The same, then opens the store at path with passphrase pass (test KDF,
 * created, map_size as node_fixture_store_open). Returns: 0, or -1 on failure. */
int node_fixture_store_setup_open(void **state, const char *pass, uint64_t map_size);

/* cmocka teardown of either: closes the store, removes dir, frees *state. */
int node_fixture_store_teardown(void **state);

/*
 * Opens (creating) the store at path with passphrase pass, the test KDF and
 * map_size (0: the store's default). Prints the store's message on failure.
 * Returns: the open store (caller closes), or NULL.
 */
struct node_store *node_fixture_store_open(const char *path, const char *pass, uint64_t map_size);

#endif /* MPC_TESTS_SUPPORT_NODE_FIXTURE_H */

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

#endif /* MPC_TESTS_SUPPORT_NODE_FIXTURE_H */

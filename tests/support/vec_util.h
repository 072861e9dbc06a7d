/*
 * vec_util.h — shared helpers of the vector checkers behind mpc-vectors:
 * a pass/fail report printed one line per check, and strict JSON accessors.
 *
 * Every check prints "ok   <what>" or "FAIL <what>"; the program ends with
 * "N passed, M failed". Checkers for other protocols add their own
 * vec_<name>.c next to vec_frost.c and a subcommand in mpc_vectors_main.c.
 *
 * THREAD SAFETY: none (test program helpers).
 */
#ifndef MPC_TESTS_VEC_UTIL_H
#define MPC_TESTS_VEC_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Running tally of one vector run. */
typedef struct {
    unsigned passed; /* checks that held */
    unsigned failed; /* checks that did not */
} vec_report;

/* Records one check (ok != 0 means it held) and prints its line. */
void vec_check(vec_report *r, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Decodes the hex string at obj[key] into exactly len bytes.
 * Returns: 1 on success; 0 if missing, not a string, bad hex or wrong length.
 */
int vec_json_hex(const json_t *obj, const char *key, uint8_t *out, size_t len);

/*
 * Decodes the hex string at obj[key] of any length into a malloc'd buffer.
 * Out: *out (caller frees), *len. Returns: 1 on success, 0 otherwise.
 */
int vec_json_hex_alloc(const json_t *obj, const char *key, uint8_t **out, size_t *len);

/*
 * Reads a positive integer given as a JSON integer or a decimal string.
 * Returns: 1 on success (value in *v), 0 otherwise.
 */
int vec_json_uint(const json_t *v, uint64_t *out);

/* Same as vec_json_uint for obj[key]. */
int vec_json_uint_at(const json_t *obj, const char *key, uint64_t *out);

#endif /* MPC_TESTS_VEC_UTIL_H */

/*
 * vec_util.c — report and JSON helpers of the vector checkers.
 */
#include "tests/support/vec_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"

void
vec_check(vec_report *r, int ok, const char *fmt, ...)
{
    va_list ap;
    printf("%s ", ok ? "ok  " : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (ok) {
        r->passed++;
    } else {
        r->failed++;
    }
}

int
vec_json_hex(const json_t *obj, const char *key, uint8_t *out, size_t len)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) {
        return 0;
    }
    return mpc_hex_decode_exact(out, len, json_string_value(v)) == MPC_OK;
}

int
vec_json_hex_alloc(const json_t *obj, const char *key, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) {
        return 0;
    }
    size_t cap = strlen(json_string_value(v)) / 2 + 1;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        return 0;
    }
    if (mpc_hex_decode(buf, cap, len, json_string_value(v)) != MPC_OK) {
        free(buf);
        return 0;
    }
    *out = buf;
    return 1;
}

int
vec_json_uint(const json_t *v, uint64_t *out)
{
    *out = 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) <= 0) {
            return 0;
        }
        *out = (uint64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        if (*s < '0' || *s > '9') {
            return 0;
        }
        errno = 0;
        unsigned long long x = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0' || x == 0) {
            return 0;
        }
        *out = x;
        return 1;
    }
    return 0;
}

int
vec_json_uint_at(const json_t *obj, const char *key, uint64_t *out)
{
    return vec_json_uint(json_object_get(obj, key), out);
}

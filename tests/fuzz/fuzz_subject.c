/*
 * fuzz_subject.c — libFuzzer harness: the NATS subject parsers of
 * transport/subject.c (subjects of inbound messages and of configured
 * prefixes).
 *
 * The input is split at its first NUL into a pattern and a subject (each
 * NUL-terminated copy). Checks, besides no crash/UB: a valid literal subject
 * is also a valid pattern, it matches itself, and it matches "<first>.>"
 * when it has two tokens or more.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/support/fuzz_support.h"
#include "transport/subject.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const seeds[][2] = {
        {"mpc.s.*.b", "mpc.s.0123456789abcdef0123456789abcdef.b"},
        {"mpc.n.node-1.>", "mpc.n.node-1.keyclaim"},
        {"_INBOX.abc.>", "_INBOX.abc.d.17.2"},
        {"mpc.req.>", "mpc.req.client_1"},
        {"a.*.c", "a.b.c"},
    };
    (void)argc;
    (void)argv;
    const char *dir = fuzz_seed_dir();
    if (dir == NULL) {
        return 0;
    }
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "%02zu", i);
        fuzz_seed_write2(dir, name, (const uint8_t *)seeds[i][0], strlen(seeds[i][0]) + 1,
                         (const uint8_t *)seeds[i][1], strlen(seeds[i][1]));
    }
    exit(0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul != NULL ? (size_t)(nul - data) : size;
    size_t slen = nul != NULL ? size - plen - 1 : 0;
    char *pat = malloc(plen + 1), *sub = malloc(slen + 1), *pre = malloc(slen + 3);
    if (pat == NULL || sub == NULL || pre == NULL) {
        abort();
    }
    memcpy(pat, data, plen);
    pat[plen] = '\0';
    memcpy(sub, nul != NULL ? nul + 1 : data, slen);
    sub[slen] = '\0';
    int pat_ok = transport_subject_valid(pat, 1);
    int sub_ok = transport_subject_valid(sub, 0);
    if (pat_ok && sub_ok) {
        (void)transport_subject_match(pat, sub);
    }
    if (sub_ok) {
        if (!transport_subject_valid(sub, 1) || !transport_subject_match(sub, sub)) {
            abort();
        }
        const char *dot = strchr(sub, '.');
        if (dot != NULL) {
            memcpy(pre, sub, (size_t)(dot - sub));
            memcpy(pre + (dot - sub), ".>", 3);
            if (!transport_subject_match(pre, sub)) {
                abort();
            }
        }
    }
    free(pat);
    free(sub);
    free(pre);
    return 0;
}

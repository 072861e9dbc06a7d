/*
 * fuzz_direct_reply.c — libFuzzer harness: the reply to a direct send
 * (transport/direct_sender.c): what arrives on this node's inbox wildcard,
 * i.e. a reply subject "<prefix>.d.<job>.<attempt>" chosen by whoever
 * answers and reply bytes ("ACK", "BUSY", "GONE" or anything else).
 *
 * Input: byte 0 bit 0 = no-responders status; then the subject up to the
 * first NUL; the rest is the reply body. Checks: reply parsing maps exactly
 * the three wire strings and nothing else; routing claims only subjects
 * under the sender's prefix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/support/fuzz_support.h"
#include "transport/direct_sender.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_PREFIX "_INBOX.fz"

static transport_direct_sender *fz_ds; /* idle sender (no job is ever submitted) */

static mpc_status
no_publish(void *impl, const char *subject, const char *reply, const uint8_t *data, size_t len)
{
    (void)impl;
    (void)subject;
    (void)reply;
    (void)data;
    (void)len;
    return MPC_ERR_CLOSED;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const seeds[][2] = {
        {FZ_PREFIX ".d.1.1", "ACK"},  {FZ_PREFIX ".d.42.3", "BUSY"},
        {FZ_PREFIX ".d.7.2", "GONE"}, {FZ_PREFIX ".d.18446744073709551615.4294967295", "ACK"},
        {FZ_PREFIX ".x.1.1", "NOPE"},
    };
    (void)argc;
    (void)argv;
    fuzz_rng_install();
    const char *dir = fuzz_seed_dir();
    if (dir != NULL) {
        for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
            uint8_t head[1] = {0};
            char name[16];
            size_t sl = strlen(seeds[i][0]) + 1, rl = strlen(seeds[i][1]);
            uint8_t buf[128];
            memcpy(buf, head, 1);
            memcpy(buf + 1, seeds[i][0], sl);
            memcpy(buf + 1 + sl, seeds[i][1], rl);
            snprintf(name, sizeof name, "%02zu", i);
            fuzz_seed_write(dir, name, buf, 1 + sl + rl);
        }
        exit(0);
    }
    transport_direct_sender_config cfg = {.threads = 1, .seed = 1};
    if (transport_direct_sender_create(&cfg, no_publish, NULL, FZ_PREFIX, &fz_ds) != MPC_OK) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const uint8_t *rest = data + 1;
    size_t rest_len = size - 1;
    const uint8_t *nul = memchr(rest, 0, rest_len);
    size_t sl = nul != NULL ? (size_t)(nul - rest) : rest_len;
    const uint8_t *body = nul != NULL ? nul + 1 : rest + rest_len;
    size_t bl = nul != NULL ? rest_len - sl - 1 : 0;
    char *subject = malloc(sl + 1);
    uint8_t *copy = malloc(bl + 1); /* exact-size copy so ASan sees any over-read */
    if (subject == NULL || copy == NULL) {
        abort();
    }
    memcpy(subject, rest, sl);
    subject[sl] = '\0';
    memcpy(copy, body, bl);
    mpc_status r = transport_reply_parse(copy, bl);
    int want_ok = bl == 3 && memcmp(copy, "ACK", 3) == 0;
    if ((r == MPC_OK) != want_ok ||
        (r != MPC_OK && r != MPC_ERR_BUSY && r != MPC_ERR_GONE && r != MPC_ERR_MSG_MALFORMED)) {
        abort();
    }
    int routed = transport_direct_sender_route(fz_ds, subject, copy, bl, data[0] & 1);
    if (routed && strncmp(subject, FZ_PREFIX ".d.", strlen(FZ_PREFIX ".d.")) != 0) {
        abort();
    }
    free(subject);
    free(copy);
    return 0;
}

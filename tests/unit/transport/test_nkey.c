/*
 * test_nkey.c — nkey user seeds: encoding, strict decoding, public key
 * derivation (checked against libsodium and against a real nats-server that
 * authenticates the derived user).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/nats_server.h"
#include "tests/support/transport_testkit.h"
#include "transport/nats_transport.h"
#include "transport/nkey.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Independent base32 decode (no padding) for checking the public key bytes. */
static size_t
test_b32_decode(uint8_t *out, const char *in)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (; *in; in++) {
        acc = (acc << 5) | (uint32_t)(strchr(b32, *in) - b32);
        bits += 5;
        if (bits >= 8) {
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    return o;
}

static void
test_nkey_seed_round_trip(void **state)
{
    (void)state;
    uint8_t seed[32], back[32];
    char text[TRANSPORT_NKEY_SEED_STR_LEN + 1];
    randombytes_buf(seed, sizeof seed);
    assert_int_equal(transport_nkey_seed_encode(text, sizeof text, seed), MPC_OK);
    assert_int_equal(strlen(text), TRANSPORT_NKEY_SEED_STR_LEN);
    assert_memory_equal(text, "SU", 2);
    assert_int_equal(transport_nkey_seed_decode(back, text, strlen(text)), MPC_OK);
    assert_memory_equal(back, seed, sizeof seed);
}

static void
test_nkey_every_single_character_change_rejected(void **state)
{
    (void)state;
    uint8_t seed[32], back[32];
    char text[TRANSPORT_NKEY_SEED_STR_LEN + 1];
    randombytes_buf(seed, sizeof seed);
    assert_int_equal(transport_nkey_seed_encode(text, sizeof text, seed), MPC_OK);
    for (size_t i = 0; i < TRANSPORT_NKEY_SEED_STR_LEN; i++) {
        char orig = text[i];
        for (int k = 0; k < 32; k++) {
            if (b32[k] == orig) {
                continue;
            }
            text[i] = b32[k];
            if (transport_nkey_seed_decode(back, text, strlen(text)) != MPC_ERR_PARSE) {
                fail_msg("change at %zu to %c accepted", i, b32[k]);
            }
            assert_true(sodium_is_zero(back, sizeof back));
        }
        text[i] = orig;
    }
    text[5] = 'a'; /* lower case is not in the alphabet */
    assert_int_equal(transport_nkey_seed_decode(back, text, strlen(text)), MPC_ERR_PARSE);
}

static void
test_nkey_rejects_wrong_kind_and_length(void **state)
{
    (void)state;
    uint8_t seed[32] = {1};
    char text[TRANSPORT_NKEY_SEED_STR_LEN + 1];
    char pub[TRANSPORT_NKEY_PUBLIC_STR_LEN + 1];
    assert_int_equal(transport_nkey_seed_encode(text, sizeof text, seed), MPC_OK);
    assert_int_equal(transport_nkey_seed_decode(seed, text, strlen(text) - 1), MPC_ERR_PARSE);
    assert_int_equal(transport_nkey_seed_decode(seed, "", 0), MPC_ERR_PARSE);
    /* A public key is not a seed. */
    assert_int_equal(transport_nkey_public_from_seed(pub, sizeof pub, seed), MPC_OK);
    assert_int_equal(transport_nkey_seed_decode(seed, pub, strlen(pub)), MPC_ERR_PARSE);
    assert_int_equal(transport_nkey_seed_decode(NULL, text, 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_nkey_seed_encode(text, 10, seed), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(transport_nkey_public_from_seed(pub, 10, seed), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(transport_nkey_public_from_seed_file(pub, sizeof pub, "/nonexistent/seed"),
                     MPC_ERR_IO);
}

static void
test_nkey_public_key_is_the_ed25519_key(void **state)
{
    (void)state;
    uint8_t seed[32], pk[32], sk[64], raw[40];
    char pub[TRANSPORT_NKEY_PUBLIC_STR_LEN + 1];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    assert_int_equal(transport_nkey_public_from_seed(pub, sizeof pub, seed), MPC_OK);
    assert_int_equal(strlen(pub), TRANSPORT_NKEY_PUBLIC_STR_LEN);
    assert_int_equal(pub[0], 'U');
    assert_int_equal(test_b32_decode(raw, pub), 35);
    assert_int_equal(raw[0], 20 << 3);
    assert_memory_equal(raw + 1, pk, 32);
}

/* Writes text to a fresh 0600 temp file. Out: path (caller unlinks). */
static void
write_temp(char *path, const char *text)
{
    strcpy(path, "/tmp/mpc-nkey-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void
test_nkey_seed_file_with_comments(void **state)
{
    (void)state;
    uint8_t seed[32];
    char text[TRANSPORT_NKEY_SEED_STR_LEN + 1], file[256], path[64];
    char a[TRANSPORT_NKEY_PUBLIC_STR_LEN + 1], b[TRANSPORT_NKEY_PUBLIC_STR_LEN + 1];
    randombytes_buf(seed, sizeof seed);
    assert_int_equal(transport_nkey_seed_encode(text, sizeof text, seed), MPC_OK);
    snprintf(file, sizeof file, "# user seed\n\n  %s  \n", text);
    write_temp(path, file);
    assert_int_equal(transport_nkey_public_from_seed_file(a, sizeof a, path), MPC_OK);
    assert_int_equal(transport_nkey_public_from_seed(b, sizeof b, seed), MPC_OK);
    assert_string_equal(a, b);
    unlink(path);
    write_temp(path, "# nothing here\nSUNOTASEED\n");
    assert_int_equal(transport_nkey_public_from_seed_file(a, sizeof a, path), MPC_ERR_PARSE);
    unlink(path);
}

/* A real nats-server that knows only the derived public key admits the seed holder. */
static void
test_nkey_authenticates_against_nats_server(void **state)
{
    (void)state;
    uint8_t seed[32], other[32];
    char text[TRANSPORT_NKEY_SEED_STR_LEN + 1], pub[TRANSPORT_NKEY_PUBLIC_STR_LEN + 1];
    char conf[256], conf_path[64], seed_path[64], other_path[64];
    randombytes_buf(seed, sizeof seed);
    randombytes_buf(other, sizeof other);
    assert_int_equal(transport_nkey_seed_encode(text, sizeof text, seed), MPC_OK);
    write_temp(seed_path, text);
    assert_int_equal(transport_nkey_public_from_seed(pub, sizeof pub, seed), MPC_OK);
    /* timeout: the server waits 10 s (not 2) for a client's CONNECT; a client
     * under valgrind on a loaded machine was refused for being late instead. */
    snprintf(conf, sizeof conf, "authorization { timeout: 10, users = [ { nkey: %s } ] }\n", pub);
    write_temp(conf_path, conf);
    assert_int_equal(transport_nkey_seed_encode(text, sizeof text, other), MPC_OK);
    write_temp(other_path, text);

    const char *const extra[] = {"-c", conf_path, NULL};
    test_nats_server_opts o = {.jetstream = 0, .extra = extra};
    test_nats_server *srv = NULL;
    assert_int_equal(test_nats_server_start(&o, &srv), MPC_OK);
    transport_nats_config c;
    transport_nats_config_default(&c);
    c.servers = test_nats_server_url(srv);
    c.name = "nkey";
    transport *t = NULL;

    c.nkey_seed_file = other_path; /* a seed the server does not know */
    mpc_status st = transport_nats_create(&c, &t);
    printf("# unknown nkey: %s\n", mpc_status_name(st));
    assert_true(st == MPC_ERR_PERMISSION || st == MPC_ERR_NOT_CONNECTED);
    assert_null(t);

    c.nkey_seed_file = seed_path; /* nkey_public left NULL: derived */
    assert_int_equal(transport_nats_create(&c, &t), MPC_OK);
    tk_collector col;
    tk_collector_init(&col, TRANSPORT_REPLY_ACK, 0);
    transport_sub *sub = NULL;
    assert_int_equal(transport_subscribe_confirmed(t, "nkey.x", tk_collector_fn, &col, &sub),
                     MPC_OK);
    assert_int_equal(transport_publish(t, "nkey.x", (const uint8_t *)"hi", 2), MPC_OK);
    assert_true(tk_collector_wait(&col, 1, 5000));
    transport_unsubscribe(t, sub);
    transport_destroy(t);
    tk_collector_fini(&col);
    test_nats_server_destroy(srv);
    unlink(seed_path);
    unlink(other_path);
    unlink(conf_path);
}

static int
teardown_all(void **state)
{
    (void)state;
    transport_nats_global_shutdown(5000);
    return 0;
}

int
main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nkey_seed_round_trip),
        cmocka_unit_test(test_nkey_every_single_character_change_rejected),
        cmocka_unit_test(test_nkey_rejects_wrong_kind_and_length),
        cmocka_unit_test(test_nkey_public_key_is_the_ed25519_key),
        cmocka_unit_test(test_nkey_seed_file_with_comments),
        cmocka_unit_test(test_nkey_authenticates_against_nats_server),
    };
    return cmocka_run_group_tests_name("transport/nkey", tests, NULL, teardown_all);
}

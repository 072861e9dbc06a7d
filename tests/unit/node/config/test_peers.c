/*
 * test_peers.c — peers file: text and YAML forms, validation, lookups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/config/peers.h"
#include "tests/support/node_fixture.h"

#define NKEYS 4

struct fx {
    char *dir;             /* temp dir */
    char *path;            /* dir/peers */
    uint8_t pk[NKEYS][32]; /* fresh Ed25519 public keys */
    char hex[NKEYS][65];   /* their hex */
    char err[512];         /* last message */
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->path = node_fixture_path(f->dir, "peers");
    for (int i = 0; i < NKEYS; i++) {
        uint8_t sk[64];
        crypto_sign_keypair(f->pk[i], sk);
        sodium_memzero(sk, sizeof(sk));
        sodium_bin2hex(f->hex[i], sizeof(f->hex[i]), f->pk[i], 32);
    }
    *state = f;
    return f->dir == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_fixture_tmpdir_remove(f->dir);
    free(f->path);
    free(f);
    return 0;
}

static mpc_status
load(struct fx *f, const char *text, node_config_peers **p)
{
    assert_int_equal(node_fixture_write(f->path, text, 0644), 0);
    return node_config_peers_load(f->path, p, f->err, sizeof(f->err));
}

static void
expect_error(struct fx *f, const char *text, mpc_status want, const char *needle)
{
    node_config_peers *p = (node_config_peers *)f;
    mpc_status st = load(f, text, &p);
    if (st != want || strstr(f->err, needle) == NULL) {
        fprintf(stderr, "got %s: %s\nwant %s: %s\n", mpc_status_name(st), f->err,
                mpc_status_name(want), needle);
    }
    assert_int_equal(st, want);
    assert_null(p);
    assert_non_null(strstr(f->err, needle));
}

static void
test_peers_text_form(void **state)
{
    struct fx *f = *state;
    char text[1024];
    snprintf(text, sizeof(text),
             "# cluster peers\n\nnode-1 %s\n  node-2\t%s  \r\n# trailing comment\nnode_3 %s",
             f->hex[0], f->hex[1], f->hex[2]);
    node_config_peers *p = NULL;
    assert_int_equal(load(f, text, &p), MPC_OK);
    assert_string_equal(f->err, "");
    assert_int_equal(node_config_peers_count(p), 3);
    assert_string_equal(node_config_peers_at(p, 0)->id, "node-1");
    assert_string_equal(node_config_peers_at(p, 2)->id, "node_3");
    assert_null(node_config_peers_at(p, 3));
    const struct node_config_peer *e = node_config_peers_find(p, "node-2");
    assert_non_null(e);
    assert_memory_equal(e->public_key, f->pk[1], 32);
    assert_ptr_equal(node_config_peers_find_key(p, f->pk[2]), node_config_peers_at(p, 2));
    assert_null(node_config_peers_find(p, "node-9"));
    assert_null(node_config_peers_find_key(p, f->pk[3]));
    assert_int_equal(node_config_peers_check_self(p, "node-2", f->pk[1], f->err, sizeof(f->err)),
                     MPC_OK);
    assert_int_equal(node_config_peers_check_self(p, "node-9", f->pk[1], f->err, sizeof(f->err)),
                     MPC_ERR_CONFIG);
    assert_non_null(strstr(f->err, "node-9) is not listed"));
    assert_int_equal(node_config_peers_check_self(p, "node-2", f->pk[0], f->err, sizeof(f->err)),
                     MPC_ERR_CONFIG);
    assert_non_null(strstr(f->err, "another public key for node-2"));
    assert_int_equal(node_config_peers_check_self(NULL, "node-2", f->pk[0], NULL, 0),
                     MPC_ERR_INVALID_ARG);
    node_config_peers_destroy(p);
}

static void
test_peers_yaml_form(void **state)
{
    struct fx *f = *state;
    char text[1024];
    snprintf(text, sizeof(text),
             "# comment first\npeers:\n  - id: node-1\n    public_key: %s\n"
             "  - {id: node-2, public_key: %s}\n",
             f->hex[0], f->hex[1]);
    node_config_peers *p = NULL;
    assert_int_equal(load(f, text, &p), MPC_OK);
    assert_int_equal(node_config_peers_count(p), 2);
    assert_memory_equal(node_config_peers_find(p, "node-2")->public_key, f->pk[1], 32);
    node_config_peers_destroy(p);
}

static void
test_peers_text_errors_name_line(void **state)
{
    struct fx *f = *state;
    char text[1024];
    snprintf(text, sizeof(text), "node-1 %s\n\nnode-2\n", f->hex[0]);
    expect_error(f, text, MPC_ERR_PARSE, "peers:3: expected \"<node_id> <public key hex>\"");
    snprintf(text, sizeof(text), "node-1 %s extra\n", f->hex[0]);
    expect_error(f, text, MPC_ERR_PARSE, "peers:1: expected");
    snprintf(text, sizeof(text), "node-1 %s\nnode.2 %s\n", f->hex[0], f->hex[1]);
    expect_error(f, text, MPC_ERR_CONFIG, "peers:2: id: node id must match");
    snprintf(text, sizeof(text), "node-1 %.62s\n", f->hex[0]);
    expect_error(f, text, MPC_ERR_CONFIG, "peers:1: public_key: expected 64 hex characters");
    snprintf(text, sizeof(text), "node-1 %s\nnode-1 %s\n", f->hex[0], f->hex[1]);
    expect_error(f, text, MPC_ERR_CONFIG, "peers:2: id: duplicate node id 'node-1'");
    snprintf(text, sizeof(text), "node-1 %s\nnode-2 %s\n", f->hex[0], f->hex[0]);
    expect_error(f, text, MPC_ERR_CONFIG, "peers:2: public_key: same public key as peer 'node-1'");
    expect_error(f, "# nothing\n\n", MPC_ERR_CONFIG, "no peers listed");
}

static void
test_peers_invalid_points_rejected(void **state)
{
    struct fx *f = *state;
    /* Identity (small order), a point of order 8, a non-canonical y (>= p). */
    const char *bad[] = {
        "0100000000000000000000000000000000000000000000000000000000000000",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "node-1 %s\n", bad[i]);
        expect_error(f, text, MPC_ERR_CONFIG,
                     "peers:1: public_key: not a valid Ed25519 public key");
    }
}

static void
test_peers_yaml_errors_name_line_and_key(void **state)
{
    struct fx *f = *state;
    char text[1024];
    snprintf(text, sizeof(text), "peers:\n  - id: node-1\n    public_key: %s\n    pubkey: x\n",
             f->hex[0]);
    expect_error(f, text, MPC_ERR_CONFIG, "peers:4:5: peers[0].pubkey: unknown key");
    snprintf(text, sizeof(text),
             "peers:\n  - id: node-1\n    public_key: %s\n  - id: node-1\n"
             "    public_key: %s\n",
             f->hex[0], f->hex[1]);
    expect_error(f, text, MPC_ERR_CONFIG, "peers:4:5: peers[1].id: duplicate node id 'node-1'");
    snprintf(text, sizeof(text), "peers:\n  - id: node-1\n    public_key: zz\n");
    expect_error(f, text, MPC_ERR_CONFIG, "peers:3:5: peers[0].public_key: expected 64 hex");
    expect_error(f, "peers:\n  - id: node-1\n", MPC_ERR_CONFIG,
                 "peers:2:5: peers[0].public_key: missing required key");
    snprintf(text, sizeof(text), "peers:\n  - id: node-1\n    public_key: %s\n  - public_key: %s\n",
             f->hex[0], f->hex[1]);
    expect_error(f, text, MPC_ERR_CONFIG, "peers:4:5: peers[1].id: missing required key");
    expect_error(f, "peers:\n  - {}\n", MPC_ERR_CONFIG, "missing required key");
    expect_error(f, "peers:\n  - id: [node-1]\n", MPC_ERR_CONFIG,
                 "peers:2:5: peers[0].id: expected a string, got a sequence");
    expect_error(f, "peers: [\n", MPC_ERR_PARSE, "YAML syntax error");
}

static void
test_peers_example_file_parses(void **state)
{
    (void)state;
    static const char *const candidates[] = {"configs/peers.example.yaml",
                                             "../../../../configs/peers.example.yaml"};
    const char *path = access(candidates[0], R_OK) == 0 ? candidates[0] : candidates[1];
    node_config_peers *p = NULL;
    char err[512];
    mpc_status st = node_config_peers_load(path, &p, err, sizeof(err));
    if (st != MPC_OK) {
        fprintf(stderr, "%s\n", err);
    }
    assert_int_equal(st, MPC_OK);
    assert_int_equal(node_config_peers_count(p), 3);
    assert_string_equal(node_config_peers_at(p, 2)->id, "node-3");
    node_config_peers_destroy(p);
}

static void
test_peers_bad_args(void **state)
{
    struct fx *f = *state;
    node_config_peers *p = NULL;
    assert_int_equal(node_config_peers_load(NULL, &p, f->err, sizeof(f->err)), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_config_peers_load(f->path, NULL, f->err, sizeof(f->err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_config_peers_load(f->path, &p, f->err, sizeof(f->err)), MPC_ERR_IO);
    assert_non_null(strstr(f->err, "cannot open"));
    assert_int_equal(node_config_peers_count(NULL), 0);
    assert_null(node_config_peers_at(NULL, 0));
    assert_null(node_config_peers_find(NULL, "a"));
    assert_null(node_config_peers_find_key(NULL, f->pk[0]));
    node_config_peers_destroy(NULL);
    /* Too many peers. */
    size_t cap = (NODE_CONFIG_PEERS_MAX + 1) * 100;
    char *text = malloc(cap);
    size_t off = 0;
    for (unsigned i = 0; i <= NODE_CONFIG_PEERS_MAX; i++) {
        uint8_t pk[32], sk[64];
        char hex[65];
        crypto_sign_keypair(pk, sk);
        sodium_bin2hex(hex, sizeof(hex), pk, 32);
        off += (size_t)snprintf(text + off, cap - off, "n%u %s\n", i, hex);
    }
    expect_error(f, text, MPC_ERR_CONFIG, "too many peers");
    free(text);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peers_text_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peers_yaml_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peers_text_errors_name_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peers_invalid_points_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peers_yaml_errors_name_line_and_key, setup, teardown),
        cmocka_unit_test(test_peers_example_file_parses),
        cmocka_unit_test_setup_teardown(test_peers_bad_args, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

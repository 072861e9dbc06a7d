/*
 * test_cli_request.c — mpc-cli request building: option parsing, key files,
 * and the signed bytes, checked by the node's own request opener
 * (node/client/request.c, written independently) and libsodium: a request mpc-cli
 * builds must open on a node, and each hidden bad-request variant must be
 * rejected with its own status.
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
#include <sys/stat.h>

#include "common/hex.h"
#include "common/secmem.h"
#include "node/cli/cli.h"
#include "node/cli/cli_request.h"
#include "node/client/request.h"
#include "node/config/peers.h"
#include "node/store/identity.h"
#include "tests/support/node_fixture.h"

#define PASS "cli test passphrase"

/* Per-test fixture: a temp dir with a plain and an encrypted initiator key and a peers file. */
struct fx {
    char *dir;                /* temp dir */
    char *plain;              /* plain initiator key file */
    char *enc;                /* encrypted initiator key file */
    char *other;              /* a second plain key, not configured */
    char *peers_path;         /* peers file node-1..node-3 */
    uint8_t pk[32];           /* public key of plain */
    uint8_t enc_pk[32];       /* public key of enc */
    node_config_peers *peers; /* loaded peers */
};

static int
run_cmd(int (*fn)(int, char **), int argc, const char **argv)
{
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w");
    int rc = fn(argc, (char **)argv);
    fclose(stdout);
    stdout = saved;
    return rc;
}

static void
make_plain(const char *path, uint8_t *pk)
{
    const char *argv[] = {"initiator", "new", "--out", path, "--plain"};
    assert_int_equal(run_cmd(cli_cmd_initiator, 5, argv), CLI_EXIT_OK);
    if (pk != NULL) {
        assert_int_equal(cli_key_file_public(path, pk), MPC_OK);
    }
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->plain = node_fixture_path(f->dir, "init.key");
    f->enc = node_fixture_path(f->dir, "init-enc.key");
    f->other = node_fixture_path(f->dir, "other.key");
    f->peers_path = node_fixture_path(f->dir, "peers.txt");
    make_plain(f->plain, f->pk);
    make_plain(f->other, NULL);
    node_store_identity *id = NULL;
    char err[256];
    assert_int_equal(node_store_identity_create(f->enc, PASS, strlen(PASS),
                                                &NODE_STORE_KDF_TEST_MIN, &id, err, sizeof(err)),
                     MPC_OK);
    memcpy(f->enc_pk, node_store_identity_public_key(id), 32);
    node_store_identity_destroy(id);
    char text[512] = "";
    for (int i = 1; i <= 3; i++) {
        uint8_t pk[32], sk[64];
        char hex[65];
        crypto_sign_keypair(pk, sk);
        cli_hex(hex, pk, 32);
        size_t len = strlen(text);
        snprintf(text + len, sizeof(text) - len, "node-%d %s\n", i, hex);
    }
    assert_int_equal(node_fixture_write(f->peers_path, text, 0644), 0);
    assert_int_equal(node_config_peers_load(f->peers_path, &f->peers, err, sizeof(err)), MPC_OK);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_config_peers_destroy(f->peers);
    free(f->plain);
    free(f->enc);
    free(f->other);
    free(f->peers_path);
    node_fixture_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* Parses argv for op and builds the bytes; asserts both succeed. */
static uint8_t *
build(int op, int argc, const char **argv, size_t *len, struct cli_req_opts *o)
{
    assert_int_equal(cli_req_parse(op, argc, (char **)argv, o), CLI_EXIT_OK);
    uint8_t *data = NULL;
    assert_int_equal(cli_req_build(o, &data, len), MPC_OK);
    assert_non_null(data);
    return data;
}

/* Opens data with the node's opener, initiators = {pk}. */
static mpc_status
node_open(const struct fx *f, const uint8_t *pk, const uint8_t *data, size_t len,
          Mpc__Request **req)
{
    uint8_t inits[1][32];
    memcpy(inits[0], pk, 32);
    struct node_client_request_policy pol;
    memset(&pol, 0, sizeof(pol));
    pol.initiators = (const uint8_t(*)[32])inits;
    pol.n_initiators = 1;
    pol.peers = f->peers;
    char err[256];
    struct node_client_request_ids ids;
    return node_client_request_open(&pol, data, len, req, &ids, err, sizeof(err));
}

static void
test_cli_sign_request_opens_on_node(void **state)
{
    struct fx *f = *state;
    const char *argv[] = {"sign",      "--key",       f->plain,    "--wallet",      "w-1",
                          "--message", "hello",       "--signers", "node-1,node-3", "--request-id",
                          "req-1",     "--client-id", "cli-a"};
    struct cli_req_opts o;
    size_t len = 0;
    uint8_t *data = build(MPC__OP__OP_SIGN, 13, argv, &len, &o);
    Mpc__Request *req = NULL;
    assert_int_equal(node_open(f, f->pk, data, len, &req), MPC_OK);
    assert_string_equal(req->request_id, "req-1");
    assert_string_equal(req->client_id, "cli-a");
    assert_int_equal(req->body_case, MPC__REQUEST__BODY_SIGN);
    assert_string_equal(req->sign->wallet_id, "w-1");
    assert_int_equal(req->sign->key_type, MPC__KEY_TYPE__KEY_TYPE_ED25519);
    assert_int_equal(req->sign->message.len, 5);
    assert_memory_equal(req->sign->message.data, "hello", 5);
    assert_int_equal(req->sign->n_signers, 2);
    assert_string_equal(req->sign->signers[1], "node-3");
    mpc__request__free_unpacked(req, NULL);
    free(data);
    cli_req_opts_clear(&o);
}

static void
test_cli_keygen_encrypted_key_opens_on_node(void **state)
{
    struct fx *f = *state;
    setenv("MPC_TEST_CLI_PASS", PASS, 1);
    const char *argv[] = {
        "keygen",   "--key",       f->enc, "--passphrase-env", "MPC_TEST_CLI_PASS", "--wallet",
        "w2",       "--threshold", "2",    "--key-type",       "ed25519",           "--key-type",
        "secp256k1"};
    struct cli_req_opts o;
    size_t len = 0;
    uint8_t *data = build(MPC__OP__OP_KEYGEN, 13, argv, &len, &o);
    Mpc__Request *req = NULL;
    assert_int_equal(node_open(f, f->enc_pk, data, len, &req), MPC_OK);
    assert_int_equal(req->body_case, MPC__REQUEST__BODY_KEYGEN);
    assert_int_equal(req->keygen->threshold, 2);
    assert_int_equal(req->keygen->n_key_types, 2);
    assert_int_equal(req->keygen->n_participants, 0);
    assert_true(node_client_request_id_is_valid(req->request_id)); /* random default */
    mpc__request__free_unpacked(req, NULL);
    free(data);
    cli_req_opts_clear(&o);
}

static void
test_cli_reshare_request_opens_on_node(void **state)
{
    struct fx *f = *state;
    const char *argv[] = {"reshare",
                          "--key",
                          f->plain,
                          "--wallet",
                          "w3",
                          "--new-participants",
                          "node-1,node-2,node-3",
                          "--new-threshold",
                          "3"};
    struct cli_req_opts o;
    size_t len = 0;
    uint8_t *data = build(MPC__OP__OP_RESHARE, 9, argv, &len, &o);
    Mpc__Request *req = NULL;
    assert_int_equal(node_open(f, f->pk, data, len, &req), MPC_OK);
    assert_int_equal(req->reshare->new_threshold, 3);
    assert_int_equal(req->reshare->n_new_participants, 3);
    mpc__request__free_unpacked(req, NULL);
    free(data);
    cli_req_opts_clear(&o);
}

/* Builds a sign request with one extra hidden option and opens it on the node. */
static mpc_status
open_variant(const struct fx *f, const char *key, const char *x_opt, const char *x_val)
{
    const char *argv[] = {"sign", "--key", key, "--wallet", "w", "--message", "m", x_opt, x_val};
    int argc = x_opt == NULL ? 7 : x_val == NULL ? 8 : 9;
    struct cli_req_opts o;
    size_t len = 0;
    uint8_t *data = build(MPC__OP__OP_SIGN, argc, argv, &len, &o);
    Mpc__Request *req = NULL;
    mpc_status st = node_open(f, f->pk, data, len, &req);
    if (req != NULL) {
        mpc__request__free_unpacked(req, NULL);
    }
    free(data);
    cli_req_opts_clear(&o);
    return st;
}

static void
test_cli_bad_request_variants_rejected_distinctly(void **state)
{
    struct fx *f = *state;
    assert_int_equal(open_variant(f, f->plain, NULL, NULL), MPC_OK);
    assert_int_equal(open_variant(f, f->plain, "--x-unsigned", NULL), MPC_ERR_REQ_UNSIGNED);
    assert_int_equal(open_variant(f, f->plain, "--x-bad-signature", NULL),
                     MPC_ERR_REQ_BAD_SIGNATURE);
    assert_int_equal(open_variant(f, f->other, NULL, NULL), MPC_ERR_REQ_UNKNOWN_INITIATOR);
    assert_int_equal(open_variant(f, f->plain, "--x-garbage", "100"), MPC_ERR_REQ_MALFORMED);
    assert_int_equal(open_variant(f, f->plain, "--x-garbage", "70000"), MPC_ERR_REQ_TOO_LARGE);
}

static void
test_cli_parse_usage_errors(void **state)
{
    struct fx *f = *state;
    struct cli_req_opts o;
    const char *no_wallet[] = {"sign", "--key", f->plain, "--message", "m"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_SIGN, 5, (char **)no_wallet, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    const char *no_msg[] = {"sign", "--key", f->plain, "--wallet", "w"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_SIGN, 5, (char **)no_msg, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    const char *thr_on_sign[] = {"sign",      "--key", f->plain,      "--wallet", "w",
                                 "--message", "m",     "--threshold", "2"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_SIGN, 9, (char **)thr_on_sign, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    const char *bad_kt[] = {"keygen", "--key", f->plain, "--wallet", "w", "--key-type", "rsa"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_KEYGEN, 7, (char **)bad_kt, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    const char *bad_rid[] = {"keygen", "--key", f->plain, "--wallet", "w", "--request-id", "a/b"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_KEYGEN, 7, (char **)bad_rid, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    const char *reshare_no_thr[] = {
        "reshare", "--key", f->plain, "--wallet", "w", "--new-participants", "a,b"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_RESHARE, 7, (char **)reshare_no_thr, &o),
                     CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    /* a '.' in a request id would split its result subject: refused before sending */
    const char *dotted[] = {"keygen", "--key", f->plain, "--wallet", "w", "--request-id", "a.b"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_KEYGEN, 7, (char **)dotted, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    const char *stray[] = {"keygen", "--key", f->plain, "--wallet", "w", "extra"};
    assert_int_equal(cli_req_parse(MPC__OP__OP_KEYGEN, 6, (char **)stray, &o), CLI_EXIT_USAGE);
    cli_req_opts_clear(&o);
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w");
    const char *help[] = {"keygen", "--help"};
    int rc = cli_req_parse(MPC__OP__OP_KEYGEN, 2, (char **)help, &o);
    fclose(stdout);
    stdout = saved;
    assert_int_equal(rc, -1);
    cli_req_opts_clear(&o);
}

static void
test_cli_key_load_checks(void **state)
{
    struct fx *f = *state;
    node_store_identity *id = NULL;
    struct cli_pass_opts pass = {NULL, "MPC_TEST_CLI_PASS"};
    setenv("MPC_TEST_CLI_PASS", "wrong passphrase", 1);
    assert_int_equal(cli_key_load(f->enc, &pass, &id), MPC_ERR_BAD_PASSPHRASE);
    assert_null(id);
    setenv("MPC_TEST_CLI_PASS", PASS, 1);
    assert_int_equal(cli_key_load(f->enc, &pass, &id), MPC_OK);
    assert_memory_equal(node_store_identity_public_key(id), f->enc_pk, 32);
    uint8_t sig[64];
    assert_int_equal(node_store_identity_sign(id, sig, (const uint8_t *)"pm", 2), MPC_OK);
    assert_int_equal(crypto_sign_verify_detached(sig, (const uint8_t *)"pm", 2, f->enc_pk), 0);
    node_store_identity_destroy(id);
    assert_int_equal(cli_key_load(f->plain, NULL, &id), MPC_OK);
    assert_memory_equal(node_store_identity_public_key(id), f->pk, 32);
    node_store_identity_destroy(id);
    assert_int_equal(chmod(f->plain, 0640), 0);
    assert_int_equal(cli_key_load(f->plain, NULL, &id), MPC_ERR_FILE_MODE);
    assert_null(id);
    char *missing = node_fixture_path(f->dir, "missing.key");
    assert_int_equal(cli_key_load(missing, NULL, &id), MPC_ERR_IO);
    free(missing);
}

static void
test_cli_plain_key_never_overwritten(void **state)
{
    struct fx *f = *state;
    uint8_t before[32], after[32];
    assert_int_equal(cli_key_file_public(f->plain, before), MPC_OK);
    const char *argv[] = {"initiator", "new", "--out", f->plain, "--plain"};
    assert_int_equal(run_cmd(cli_cmd_initiator, 5, argv), CLI_EXIT_FAILED);
    assert_int_equal(cli_key_file_public(f->plain, after), MPC_OK);
    assert_memory_equal(before, after, 32);
    struct stat sb;
    assert_int_equal(stat(f->plain, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

/* The option parsers shared by send, results and evidence: ranges and malformed values. */
static void
test_cli_option_parsers(void **state)
{
    (void)state;
    uint32_t n = 9;
    uint64_t ms = 9;
    assert_int_equal(cli_parse_expect("3", &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(cli_parse_expect("100000", &n), 0);
    assert_int_equal(cli_parse_expect("0", &n), -1);
    assert_int_equal(cli_parse_expect("100001", &n), -1);
    assert_int_equal(cli_parse_expect("3x", &n), -1);
    assert_int_equal(cli_parse_seconds("2", &ms), 0);
    assert_int_equal(ms, 2000);
    assert_int_equal(cli_parse_seconds("86401", &ms), -1);
    assert_int_equal(ms, 0);
    assert_int_equal(cli_parse_seconds("-1", &ms), -1);
    uint8_t *buf = NULL;
    size_t len = 9;
    assert_int_equal(cli_parse_hex_alloc("00ff10", &buf, &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(buf, "\x00\xff\x10", 3);
    assert_int_equal(cli_parse_hex_alloc("abcd", &buf, &len), 0); /* replaces (and frees) */
    assert_int_equal(len, 2);
    assert_int_equal(cli_parse_hex_alloc("zz", &buf, &len), -1);
    assert_null(buf);
    assert_int_equal(len, 0);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    unsetenv("MPC_PASSPHRASE");
    unsetenv("MPC_INITIATOR_KEY");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cli_sign_request_opens_on_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_keygen_encrypted_key_opens_on_node, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli_reshare_request_opens_on_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_bad_request_variants_rejected_distinctly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cli_parse_usage_errors, setup, teardown),
        cmocka_unit_test(test_cli_option_parsers),
        cmocka_unit_test_setup_teardown(test_cli_key_load_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_plain_key_never_overwritten, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

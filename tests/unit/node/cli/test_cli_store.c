/*
 * test_cli_store.c — the judge of the crash tests, given bad stores: each
 * inconsistency mpc-cli store-check must name (node/cli/cli_store.h) is
 * built with the node/store API (or, for a corrupt record, by flipping a
 * byte in the LMDB file), and a consistent store shows none. The key shares
 * are real FROST(Ed25519) shares from a simulated DKG.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lmdb.h>

#include "node/cli/cli_store.h"
#include "node/client/results.h"
#include "node/store/keys.h"
#include "node/store/store.h"
#include "proto/request.pb-c.h"
#include "tests/support/dkls_fixture.h"
#include "tests/support/node_fixture.h"
#include "tests/support/tss_fixture.h"

#define PASS "check passphrase"
#define ED   NODE_STORE_KEY_ED25519
#define EC   NODE_STORE_KEY_SECP256K1

static const char *const NODES[] = {"node-0", "node-1", "node-2"};
static const struct node_store_committee C3 = {.threshold = 2, .ids = NODES, .n = 3};

struct fx {
    char *dir;                 /* temp dir */
    char *path[2];             /* store files of node-0, node-1 */
    node_store *s[2];          /* open stores */
    tss_fx_key key;            /* a 2-of-3 key of node-0..node-2 */
    struct cli_store_report r; /* last report */
};

static node_store *
store_open(const char *path, unsigned flags)
{
    node_store *s = NULL;
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20, .flags = flags};
    return node_store_open(path, PASS, strlen(PASS), &o, &s, NULL, 0) == MPC_OK ? s : NULL;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    uint32_t nodes[3] = {0, 1, 2};
    tss_sim_result res;
    *state = f;
    f->dir = node_fixture_tmpdir_create();
    if (f->dir == NULL ||
        tss_fx_dkg(&f->key, nodes, 3, 2, mpc_test_seed("cli_store"), NULL, NULL, &res) != MPC_OK) {
        return -1;
    }
    tss_sim_result_free(&res);
    for (int i = 0; i < 2; i++) {
        f->path[i] = node_fixture_path(f->dir, i == 0 ? "n0.mdb" : "n1.mdb");
        f->s[i] = store_open(f->path[i], NODE_STORE_CREATE);
        if (f->s[i] == NULL) {
            return -1;
        }
    }
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    cli_store_report_clear(&f->r);
    for (int i = 0; i < 2; i++) {
        node_store_close(f->s[i]);
        free(f->path[i]);
    }
    tss_fx_key_free(&f->key);
    node_fixture_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* The request-log entry of a successful keygen/reshare of wallet at version. */
static mpc_status
entry_for(int op, int kt, const char *rid, const char *wallet, uint32_t version, const uint8_t *pk,
          mpc_status *outcome, uint8_t **entry, size_t *len)
{
    struct node_client_result_info info = {.request_id = rid,
                                           .op = op,
                                           .key_type = kt,
                                           .wallet_id = wallet,
                                           .status = MPC_OK,
                                           .public_key = pk,
                                           .public_key_len = kt == ED ? 32 : 33,
                                           .key_version = version,
                                           .participants = NODES,
                                           .n_participants = 3,
                                           .threshold = 2,
                                           .node_id = "node-0"};
    uint8_t *res = NULL;
    size_t rlen = 0;
    mpc_status st = node_client_result_encode(&info, &res, &rlen);
    if (st == MPC_OK) {
        st = node_client_results_entry_encode("cli", NULL, (const uint8_t *const *)&res, &rlen, 1,
                                              entry, len);
    }
    free(res);
    *outcome = MPC_OK;
    return st;
}

/* commit_entry context: which request and key it reports. */
struct entry_ctx {
    const char *rid;   /* request id */
    const uint8_t *pk; /* group key */
    int op;            /* Mpc__Op */
};

static mpc_status
commit_entry(void *ctx, const struct node_store_key_write *w, size_t n, mpc_status *outcome,
             uint8_t **entry, size_t *len)
{
    const struct entry_ctx *e = ctx;
    assert_int_equal(n, 1);
    return entry_for(e->op, w[0].key_type, e->rid, w[0].wallet, w[0].version, e->pk, outcome, entry,
                     len);
}

/* Keygen of wallet on node i's store (share of node i): share, keyinfo, log. */
static void
keygen(struct fx *f, int i, const char *wallet, const char *rid, uint32_t version)
{
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = wallet,
                                     .pk = f->key.group_key,
                                     .pk_len = 32,
                                     .c = &C3,
                                     .share = f->key.rec[i],
                                     .share_len = f->key.len[i],
                                     .version = version};
    struct entry_ctx e = {rid, f->key.group_key, MPC__OP__OP_KEYGEN};
    assert_int_equal(node_store_keys_commit(f->s[i], &w, 1, rid, commit_entry, &e), MPC_OK);
}

/* Runs the check on node i's store; returns the problem count. */
static size_t
check(struct fx *f, int i)
{
    cli_store_report_clear(&f->r);
    return cli_store_check(f->s[i], NODES[i], 0, &f->r);
}

/* Asserts that one of the problems in list contains what. */
static void
assert_named(json_t *list, const char *what)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        if (strstr(json_string_value(p), what) != NULL) {
            return;
        }
    }
    char *all = json_dumps(list, 0);
    print_error("no problem names \"%s\": %s\n", what, all);
    free(all);
    fail();
}

static mpc_status
commit_entry_pending(void *ctx, const struct node_store_key_write *w, size_t n, mpc_status *outcome,
                     uint8_t **entry, size_t *len)
{
    mpc_status st = commit_entry(ctx, w, n, outcome, entry, len);
    *outcome = MPC_ERR_KEY_PENDING;
    return st;
}

/* A keygen committed PENDING (waiting for the committee's confirmations) is
 * not a problem; a PENDING version without its pending request, a marker the
 * log contradicts and a corrupt marker are. */
static void
test_store_check_pending_version_only_with_its_pending_request(void **state)
{
    struct fx *f = *state;
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = "w-p",
                                     .pk = f->key.group_key,
                                     .pk_len = 32,
                                     .c = &C3,
                                     .share = f->key.rec[0],
                                     .share_len = f->key.len[0],
                                     .version = 1};
    struct entry_ctx e = {"rq-p", f->key.group_key, MPC__OP__OP_KEYGEN};
    assert_int_equal(
        node_store_keys_commit_pending(f->s[0], &w, 1, "rq-p", 1000, commit_entry_pending, &e),
        MPC_OK);
    assert_int_equal(check(f, 0), 0);
    assert_int_equal(f->r.pending, 1);
    /* the marker gone: the PENDING version has no request resolving it */
    assert_int_equal(node_store_delete(f->s[0], NODE_STORE_PENDING_PREFIX "rq-p"), MPC_OK);
    assert_int_equal(check(f, 0), 1);
    assert_named(f->r.list, "still PENDING without a pending request");
    /* a marker resolving a request whose log entry is final */
    keygen(f, 0, "w-q", "rq-q", 1);
    uint8_t m[9] = {NODE_STORE_PENDING_RESOLVING};
    assert_int_equal(node_store_put(f->s[0], NODE_STORE_PENDING_PREFIX "rq-q", m, sizeof m),
                     MPC_OK);
    assert_true(check(f, 0) >= 2);
    assert_named(f->r.list, "marker (resolving) disagrees with the request log (final)");
    /* a marker that does not decode */
    assert_int_equal(node_store_put(f->s[0], NODE_STORE_PENDING_PREFIX "rq-q", m, 3), MPC_OK);
    check(f, 0);
    assert_named(f->r.list, "corrupt marker");
}

static void
test_store_check_consistent_store_has_no_problem(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    assert_int_equal(check(f, 0), 0);
    assert_int_equal(f->r.keyinfos, 1);
    assert_int_equal(f->r.shares, 1);
    assert_int_equal(f->r.reqs, 1);
    assert_int_equal(json_array_size(f->r.keys), 1);
}

static void
test_store_check_names_share_without_keyinfo(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    assert_int_equal(node_store_delete(f->s[0], "keyinfo/ed25519/w1"), MPC_OK);
    assert_true(check(f, 0) > 0);
    assert_named(f->r.list, "share/ed25519/w1/v1: share without keyinfo");
}

static void
test_store_check_names_keyinfo_without_share(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    assert_int_equal(node_store_delete(f->s[0], "share/ed25519/w1/v1"), MPC_OK);
    assert_int_equal(check(f, 0), 1);
    assert_named(f->r.list, "share/ed25519/w1/v1: keyinfo without share");
}

/* A share a restore lost (lost marker of node/store/catchup.h) is reported as
 * lost, not as an inconsistency; without the marker it is one. */
static void
test_store_check_lost_share_is_known_not_a_problem(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    assert_int_equal(node_store_delete(f->s[0], "share/ed25519/w1/v1"), MPC_OK);
    assert_int_equal(node_store_put(f->s[0], "lost/ed25519/w1/v1", (const uint8_t *)"t", 1),
                     MPC_OK);
    assert_int_equal(check(f, 0), 0);
    assert_int_equal(f->r.lost, 1);
    assert_int_equal(node_store_delete(f->s[0], "lost/ed25519/w1/v1"), MPC_OK);
    assert_int_equal(check(f, 0), 1);
    assert_int_equal(f->r.lost, 0);
}

static void
test_store_check_names_share_without_request_log(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    assert_int_equal(node_store_delete(f->s[0], "req/r1"), MPC_OK);
    assert_int_equal(check(f, 0), 1);
    assert_named(f->r.list, "share/ed25519/w1/v1: share without request-log entry");
    /* a failed result for the same request does not count as reporting the key */
    assert_int_equal(node_store_req_put(f->s[0], "r1", MPC_ERR_TIMEOUT, NULL, 0), MPC_OK);
    assert_int_equal(check(f, 0), 1);
    assert_named(f->r.list, "share without request-log entry");
}

/* Flips the last byte of record name's sealed value in the LMDB file. */
static void
tamper_record(struct fx *f, int i, const char *name)
{
    node_store_close(f->s[i]);
    f->s[i] = NULL;
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    MDB_val k = {strlen(name), (void *)name}, v;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
    assert_int_equal(mdb_env_set_mapsize(env, 16u << 20), 0);
    assert_int_equal(mdb_env_open(env, f->path[i], MDB_NOSUBDIR, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "records", 0, &dbi), 0);
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    uint8_t *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[v.mv_size - 1] ^= 0x01;
    MDB_val nv = {v.mv_size, copy};
    assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    free(copy);
    f->s[i] = store_open(f->path[i], 0);
    assert_non_null(f->s[i]);
}

static void
test_store_check_names_corrupt_record(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    tamper_record(f, 0, "share/ed25519/w1/v1");
    assert_true(check(f, 0) > 0);
    assert_named(f->r.list, "share/ed25519/w1/v1: corrupt record");
    /* a keyinfo that opens but does not decode */
    static const uint8_t junk[] = {9, 9, 9};
    assert_int_equal(node_store_put(f->s[0], "keyinfo/ed25519/w1", junk, sizeof junk), MPC_OK);
    assert_true(check(f, 0) > 0);
    assert_named(f->r.list, "keyinfo/ed25519/w1: corrupt record");
}

/* Logs a successful reshare rid of wallet to version v on node i. */
static void
log_reshare(struct fx *f, int i, int kt, const char *rid, const char *wallet, uint32_t v,
            const uint8_t *pk)
{
    mpc_status outcome = MPC_OK;
    uint8_t *entry = NULL;
    size_t len = 0;
    assert_int_equal(entry_for(MPC__OP__OP_RESHARE, kt, rid, wallet, v, pk, &outcome, &entry, &len),
                     MPC_OK);
    assert_int_equal(node_store_req_put(f->s[i], rid, MPC_OK, entry, len), MPC_OK);
    free(entry);
}

/* secp256k1 drops retired shares (tss/keytype.h): one left behind is named. */
static void
test_store_check_names_retired_version_still_present(void **state)
{
    struct fx *f = *state;
    uint32_t nodes[3] = {0, 1, 2};
    dkls_fx_key k1, k2;
    tss_sim_result res;
    uint64_t seed = mpc_test_seed("cli_store_dkls");
    assert_int_equal(dkls_fx_keygen(&k1, nodes, 3, 2, seed, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    assert_int_equal(dkls_fx_reshare(&k1, nodes, 3, nodes, 3, 2, seed + 1, NULL, NULL, &res, &k2),
                     MPC_OK);
    tss_sim_result_free(&res);
    struct node_store_key_write w = {.key_type = EC,
                                     .wallet = "e1",
                                     .pk = k1.y,
                                     .pk_len = 33,
                                     .c = &C3,
                                     .share = k1.rec[0],
                                     .share_len = k1.len[0],
                                     .version = 1};
    struct entry_ctx e = {"r1", k1.y, MPC__OP__OP_KEYGEN};
    assert_int_equal(node_store_keys_commit(f->s[0], &w, 1, "r1", commit_entry, &e), MPC_OK);
    assert_int_equal(check(f, 0), 0);
    uint32_t v = 0;
    assert_int_equal(
        node_store_keys_add_pending(f->s[0], EC, "e1", 1, &C3, k2.rec[0], k2.len[0], &v), MPC_OK);
    assert_int_equal(v, 2);
    log_reshare(f, 0, EC, "r2", "e1", 2, k1.y);
    /* v2 still PENDING: named */
    assert_int_equal(check(f, 0), 1);
    assert_named(f->r.list, "keyinfo/secp256k1/e1: v2 still PENDING");
    /* activated: v1's share wiped, consistent */
    assert_int_equal(node_store_keys_activate(f->s[0], EC, "e1", 2), MPC_OK);
    assert_int_equal(check(f, 0), 0);
    /* v1's share put back (a store written by an older node): named */
    char name[NODE_STORE_NAME_MAX + 1];
    assert_int_equal(node_store_name_share(name, sizeof name, EC, "e1", 1), MPC_OK);
    assert_int_equal(node_store_put(f->s[0], name, k1.rec[0], k1.len[0]), MPC_OK);
    assert_int_equal(check(f, 0), 1);
    assert_named(f->r.list, "share/secp256k1/e1/v1: retired version v1 still present");
    /* wiped: consistent again */
    assert_int_equal(node_store_delete(f->s[0], name), MPC_OK);
    assert_int_equal(check(f, 0), 0);
    dkls_fx_key_free(&k1);
    dkls_fx_key_free(&k2);
}

/* No key type keeps retired shares: a retired ed25519 share put back is named. */
static void
test_store_check_names_kept_retired_ed25519_share(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    uint32_t v = 0;
    assert_int_equal(
        node_store_keys_add_pending(f->s[0], ED, "w1", 1, &C3, f->key.rec[0], f->key.len[0], &v),
        MPC_OK);
    log_reshare(f, 0, ED, "r2", "w1", 2, f->key.group_key);
    assert_int_equal(node_store_keys_activate(f->s[0], ED, "w1", 2), MPC_OK);
    assert_int_equal(check(f, 0), 0); /* v1's share went with the activation */
    char name[NODE_STORE_NAME_MAX + 1];
    assert_int_equal(node_store_name_share(name, sizeof name, ED, "w1", 1), MPC_OK);
    assert_int_equal(node_store_put(f->s[0], name, f->key.rec[0], f->key.len[0]), MPC_OK);
    assert_int_equal(check(f, 0), 1);
    assert_named(f->r.list, "retired version v1 still present");
}

static void
test_store_check_names_version_mismatch_across_nodes(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    keygen(f, 1, "w1", "r1", 2); /* node-1 believes the key is at v2 */
    struct cli_store_report r1;
    assert_int_equal(check(f, 0), 0);
    assert_int_equal(cli_store_check(f->s[1], "node-1", 0, &r1), 0); /* each alone is fine */
    const char *nodes[] = {"node-0", "node-1"};
    json_t *keys[] = {f->r.keys, r1.keys};
    json_t *problems = json_array();
    assert_int_equal(cli_store_compare(nodes, keys, 2, problems), 1);
    assert_named(problems, "key ed25519/w1: active_version mismatch across nodes");
    json_decref(problems);
    cli_store_report_clear(&r1);
}

static void
test_store_check_names_committee_member_without_key(void **state)
{
    struct fx *f = *state;
    keygen(f, 0, "w1", "r1", 1);
    keygen(f, 1, "w1", "r1", 1);
    keygen(f, 0, "w2", "r2", 1); /* node-1 never stored w2 */
    struct cli_store_report r1;
    assert_int_equal(check(f, 0), 0);
    assert_int_equal(cli_store_check(f->s[1], "node-1", 0, &r1), 0);
    const char *nodes[] = {"node-0", "node-1"};
    json_t *keys[] = {f->r.keys, r1.keys};
    json_t *problems = json_array();
    assert_int_equal(cli_store_compare(nodes, keys, 2, problems), 1);
    assert_named(problems, "key ed25519/w2: node-1 is in its committee but holds no key");
    json_decref(problems);
    cli_store_report_clear(&r1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_check_consistent_store_has_no_problem, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_store_check_pending_version_only_with_its_pending_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_share_without_keyinfo, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_keyinfo_without_share, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_check_lost_share_is_known_not_a_problem, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_share_without_request_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_corrupt_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_retired_version_still_present, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_kept_retired_ed25519_share, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_version_mismatch_across_nodes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_check_names_committee_member_without_key, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_store.c — LMDB key store: sealed records, passphrase check, atomic
 * key creation, request log, listing, persistence, tamper detection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/store/keys.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS "store passphrase"

static uint64_t g_seed; /* test PRNG seed (printed, MPC_TEST_SEED overrides) */

struct fx {
    char *dir;  /* temp dir */
    char *path; /* store file */
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->path = node_fixture_path(f->dir, "store.mdb");
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

static struct node_store_options
opts(unsigned flags)
{
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20, .flags = flags};
    return o;
}

static node_store *
open_ok(const char *path, unsigned flags)
{
    node_store *s = NULL;
    char err[256];
    struct node_store_options o = opts(flags);
    mpc_status st = node_store_open(path, PASS, strlen(PASS), &o, &s, err, sizeof(err));
    if (st != MPC_OK) {
        fprintf(stderr, "open: %s\n", err);
    }
    assert_int_equal(st, MPC_OK);
    return s;
}

static void
fill_random(uint8_t *buf, size_t len, uint64_t *rng)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)node_fixture_rand(rng);
    }
}

static void
make_keyinfo(struct node_store_keyinfo *ki, uint32_t version)
{
    memset(ki, 0, sizeof(*ki));
    ki->key_type = NODE_STORE_KEY_ED25519;
    ki->public_key_len = 32;
    memset(ki->public_key, 0x42, 32);
    ki->active_version = version;
    ki->n_versions = 1;
    ki->versions[0].version = version;
    ki->versions[0].state = NODE_STORE_KEY_VERSION_ACTIVE;
    ki->versions[0].threshold = 2;
    ki->versions[0].n_participants = 3;
    strcpy(ki->versions[0].participants[0], "node-1");
    strcpy(ki->versions[0].participants[1], "node-2");
    strcpy(ki->versions[0].participants[2], "node-3");
}

/* Stores a 2-of-3 ed25519 key of the given version (node/store/keys.h), as make_keyinfo. */
static mpc_status
create_key(node_store *s, const char *wallet, uint32_t version, const uint8_t *share, size_t len)
{
    static const char *const ids[] = {"node-1", "node-2", "node-3"};
    const struct node_store_committee c = {.threshold = 2, .ids = ids, .n = 3};
    uint8_t pk[32];
    memset(pk, 0x42, sizeof pk);
    return node_store_keys_create(s, NODE_STORE_KEY_ED25519, wallet, pk, sizeof pk, version, &c,
                                  share, len);
}

/* Raw LMDB access to the records table, bypassing the store (to tamper). */
struct raw {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
};

static void
raw_open(struct raw *r, const char *path)
{
    assert_int_equal(mdb_env_create(&r->env), 0);
    assert_int_equal(mdb_env_set_maxdbs(r->env, 2), 0);
    assert_int_equal(mdb_env_open(r->env, path, MDB_NOSUBDIR, 0600), 0);
    assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
    assert_int_equal(mdb_dbi_open(r->txn, "records", 0, &r->dbi), 0);
}

static void
raw_close(struct raw *r)
{
    assert_int_equal(mdb_txn_commit(r->txn), 0);
    mdb_env_close(r->env);
}

/* Returns a malloc'ed copy of the raw value of name. */
static uint8_t *
raw_get(struct raw *r, const char *name, size_t *len)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    assert_int_equal(mdb_get(r->txn, r->dbi, &k, &v), 0);
    uint8_t *c = malloc(v.mv_size);
    memcpy(c, v.mv_data, v.mv_size);
    *len = v.mv_size;
    return c;
}

static void
raw_put(struct raw *r, const char *name, const uint8_t *val, size_t len)
{
    MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)val};
    assert_int_equal(mdb_put(r->txn, r->dbi, &k, &v, 0), 0);
}

static void
test_store_round_trip_sealed_on_disk(void **state)
{
    struct fx *f = *state;
    uint64_t rng = g_seed;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0077, 0); /* store file not accessible by others */
    uint8_t secret[200];
    fill_random(secret, sizeof(secret), &rng);
    assert_int_equal(node_store_put(s, "share/ed25519/w1/v1", secret, sizeof(secret)), MPC_OK);
    assert_int_equal(node_store_put(s, "empty", NULL, 0), MPC_OK);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_get(s, "share/ed25519/w1/v1", &out, &len), MPC_OK);
    assert_int_equal(len, sizeof(secret));
    assert_memory_equal(out, secret, len);
    mpc_secure_free(out);
    assert_int_equal(node_store_get(s, "empty", &out, &len), MPC_OK);
    assert_non_null(out);
    assert_int_equal(len, 0);
    mpc_secure_free(out);
    /* Overwrite replaces. */
    secret[0] ^= 0xff;
    assert_int_equal(node_store_put(s, "share/ed25519/w1/v1", secret, sizeof(secret)), MPC_OK);
    assert_int_equal(node_store_get(s, "share/ed25519/w1/v1", &out, &len), MPC_OK);
    assert_memory_equal(out, secret, len);
    mpc_secure_free(out);
    assert_int_equal(node_store_delete(s, "empty"), MPC_OK);
    assert_int_equal(node_store_get(s, "empty", &out, &len), MPC_ERR_NOT_FOUND);
    assert_null(out);
    assert_int_equal(node_store_delete(s, "empty"), MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_sync(s), MPC_OK);
    node_store_close(s);
    /* The plaintext does not appear in the file; the record name does (keys are not secret). */
    size_t flen = 0;
    uint8_t *file = node_fixture_read(f->path, &flen);
    assert_non_null(file);
    assert_null(memmem(file, flen, secret, 16));
    assert_non_null(memmem(file, flen, "share/ed25519/w1/v1", 19));
    free(file);
}

static void
test_store_wrong_passphrase_leaves_file_identical(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    assert_int_equal(node_store_put(s, "req/r1", (const uint8_t *)"x", 1), MPC_OK);
    node_store_close(s);
    uint8_t h1[32], h2[32];
    assert_int_equal(node_fixture_file_hash(f->path, h1), 0);
    char err[256];
    struct node_store_options o = opts(NODE_STORE_CREATE);
    assert_int_equal(node_store_open(f->path, "wrong", 5, &o, &s, err, sizeof(err)),
                     MPC_ERR_BAD_PASSPHRASE);
    assert_null(s);
    assert_non_null(strstr(err, "wrong passphrase"));
    assert_non_null(strstr(err, f->path));
    assert_null(strstr(err, "wrong\"")); /* the passphrase itself is not echoed */
    assert_int_equal(node_fixture_file_hash(f->path, h2), 0);
    assert_memory_equal(h1, h2, sizeof(h1));
    /* The right passphrase still opens it and the record is intact. */
    s = open_ok(f->path, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_get(s, "req/r1", &out, &len), MPC_OK);
    mpc_secure_free(out);
    node_store_close(s);
}

static void
test_store_tampered_value_rejected(void **state)
{
    struct fx *f = *state;
    uint64_t rng = g_seed ^ 1;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    uint8_t share[64];
    fill_random(share, sizeof(share), &rng);
    assert_int_equal(node_store_put(s, "share/ed25519/w1/v1", share, sizeof(share)), MPC_OK);
    node_store_close(s);
    struct raw r;
    raw_open(&r, f->path);
    size_t len = 0;
    uint8_t *val = raw_get(&r, "share/ed25519/w1/v1", &len);
    size_t pos = 1 + (size_t)(node_fixture_rand(&rng) % (len - 1)); /* any byte after format */
    val[pos] ^= 0x20;
    raw_put(&r, "share/ed25519/w1/v1", val, len);
    val[pos] ^= 0x20;
    raw_put(&r, "share/ed25519/w1/v2", val, len - 1); /* truncated */
    val[0] = 9;
    raw_put(&r, "share/ed25519/w1/v3", val, len); /* unknown format byte */
    raw_close(&r);
    free(val);
    s = open_ok(f->path, 0);
    uint8_t *out = NULL;
    size_t olen = 0;
    assert_int_equal(node_store_get(s, "share/ed25519/w1/v1", &out, &olen), MPC_ERR_CORRUPT);
    assert_null(out);
    assert_int_equal(node_store_get(s, "share/ed25519/w1/v2", &out, &olen), MPC_ERR_CORRUPT);
    assert_int_equal(node_store_get(s, "share/ed25519/w1/v3", &out, &olen), MPC_ERR_CORRUPT);
    node_store_close(s);
}

static void
test_store_swapped_record_names_rejected(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    assert_int_equal(node_store_put(s, "share/ed25519/alice/v1", (const uint8_t *)"AAAA", 4),
                     MPC_OK);
    assert_int_equal(node_store_put(s, "share/ed25519/bob/v1", (const uint8_t *)"BBBB", 4), MPC_OK);
    node_store_close(s);
    struct raw r;
    raw_open(&r, f->path);
    size_t la = 0, lb = 0;
    uint8_t *va = raw_get(&r, "share/ed25519/alice/v1", &la);
    uint8_t *vb = raw_get(&r, "share/ed25519/bob/v1", &lb);
    raw_put(&r, "share/ed25519/alice/v1", vb, lb);
    raw_put(&r, "share/ed25519/bob/v1", va, la);
    raw_put(&r, "share/ed25519/carol/v1", va, la); /* copied under a new name */
    raw_close(&r);
    free(va);
    free(vb);
    s = open_ok(f->path, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_get(s, "share/ed25519/alice/v1", &out, &len), MPC_ERR_CORRUPT);
    assert_int_equal(node_store_get(s, "share/ed25519/bob/v1", &out, &len), MPC_ERR_CORRUPT);
    assert_int_equal(node_store_get(s, "share/ed25519/carol/v1", &out, &len), MPC_ERR_CORRUPT);
    node_store_close(s);
}

static void
test_store_txn_abort_and_commit(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    node_store_txn *t = NULL;
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_txn_begin(s, &t), MPC_OK);
    assert_int_equal(node_store_txn_put(t, "share/ed25519/w/v1", (const uint8_t *)"s", 1), MPC_OK);
    /* The txn sees its own write. */
    assert_int_equal(node_store_txn_get(t, "share/ed25519/w/v1", &out, &len), MPC_OK);
    assert_int_equal(len, 1);
    mpc_secure_free(out);
    /* Simulated failure between the two puts: abort. */
    node_store_txn_abort(&t);
    assert_null(t);
    assert_int_equal(node_store_get(s, "share/ed25519/w/v1", &out, &len), MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_txn_begin(s, &t), MPC_OK);
    assert_int_equal(node_store_txn_put(t, "share/ed25519/w/v1", (const uint8_t *)"s", 1), MPC_OK);
    assert_int_equal(node_store_txn_put(t, "keyinfo/ed25519/w", (const uint8_t *)"k", 1), MPC_OK);
    assert_int_equal(node_store_txn_delete(t, "keyinfo/ed25519/w"), MPC_OK);
    assert_int_equal(node_store_txn_delete(t, "nothing"), MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_txn_put(t, "bad name", (const uint8_t *)"k", 1),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_txn_commit(&t), MPC_OK);
    assert_null(t);
    assert_int_equal(node_store_get(s, "share/ed25519/w/v1", &out, &len), MPC_OK);
    mpc_secure_free(out);
    assert_int_equal(node_store_get(s, "keyinfo/ed25519/w", &out, &len), MPC_ERR_NOT_FOUND);
    assert_int_equal(node_store_txn_commit(&t), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_txn_commit(NULL), MPC_ERR_INVALID_ARG);
    node_store_txn_abort(NULL);
    node_store_txn_abort(&t);
    assert_int_equal(node_store_txn_begin(NULL, &t), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_txn_put(NULL, "a", NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_txn_get(NULL, "a", &out, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_txn_delete(NULL, "a"), MPC_ERR_INVALID_ARG);
    node_store_close(s);
}

static void
test_store_request_log(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    mpc_status outcome = MPC_ERR_INTERNAL;
    uint8_t *res = NULL;
    size_t len = 9;
    assert_int_equal(node_store_req_get(s, "r-1", &outcome, &res, &len), MPC_ERR_NOT_FOUND);
    assert_int_equal(outcome, MPC_OK);
    assert_int_equal(len, 0);
    const uint8_t result[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
    assert_int_equal(node_store_req_put(s, "r-1", MPC_OK, result, sizeof(result)), MPC_OK);
    assert_int_equal(node_store_req_put(s, "r.2", MPC_ERR_UNKNOWN_WALLET, NULL, 0), MPC_OK);
    assert_int_equal(node_store_req_get(s, "r-1", &outcome, &res, &len), MPC_OK);
    assert_int_equal(outcome, MPC_OK);
    assert_int_equal(len, sizeof(result));
    assert_memory_equal(res, result, len);
    free(res);
    assert_int_equal(node_store_req_get(s, "r.2", &outcome, &res, &len), MPC_OK);
    assert_int_equal(outcome, MPC_ERR_UNKNOWN_WALLET);
    assert_null(res);
    assert_int_equal(len, 0);
    /* Ids outside the charset are refused, so they cannot escape the req/ prefix. */
    assert_int_equal(node_store_req_put(s, "../x", MPC_OK, NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_put(s, "a/b", MPC_OK, NULL, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_get(s, "", &outcome, &res, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_req_get(s, "r-1", NULL, &res, &len), MPC_ERR_INVALID_ARG);
    /* A record that is not a request-log value is reported corrupt. */
    assert_int_equal(node_store_put(s, "req/r-3", (const uint8_t *)"xx", 2), MPC_OK);
    assert_int_equal(node_store_req_get(s, "r-3", &outcome, &res, &len), MPC_ERR_CORRUPT);
    node_store_close(s);
}

static void
test_store_list_by_prefix(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    const char *names[] = {"share/ed25519/w2/v1",
                           "share/ed25519/w1/v1",
                           "share/ed25519/w1/v2",
                           "share/secp256k1/w1/v1",
                           "keyinfo/ed25519/w1",
                           "req/a",
                           "identity"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(node_store_put(s, names[i], (const uint8_t *)"v", 1), MPC_OK);
    }
    char **list = NULL;
    size_t n = 0;
    assert_int_equal(node_store_list(s, "share/ed25519/", &list, &n), MPC_OK);
    assert_int_equal(n, 3);
    assert_string_equal(list[0], "share/ed25519/w1/v1");
    assert_string_equal(list[1], "share/ed25519/w1/v2");
    assert_string_equal(list[2], "share/ed25519/w2/v1");
    node_store_names_free(list, n);
    assert_int_equal(node_store_list(s, "share/ed25519/w1/", &list, &n), MPC_OK);
    assert_int_equal(n, 2);
    node_store_names_free(list, n);
    assert_int_equal(node_store_list(s, "", &list, &n), MPC_OK);
    assert_int_equal(n, 7);
    assert_string_equal(list[0], "identity");
    node_store_names_free(list, n);
    assert_int_equal(node_store_list(s, "zzz", &list, &n), MPC_OK);
    assert_int_equal(n, 0);
    assert_null(list);
    assert_int_equal(node_store_list(s, NULL, &list, &n), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_list(NULL, "", &list, &n), MPC_ERR_INVALID_ARG);
    node_store_close(s);
}

static void
test_store_reopen_persists(void **state)
{
    struct fx *f = *state;
    uint64_t rng = g_seed ^ 2;
    uint8_t share[48];
    fill_random(share, sizeof(share), &rng);
    struct node_store_keyinfo ki, got;
    make_keyinfo(&ki, 3);
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    assert_int_equal(create_key(s, "wallet.A", 3, share, sizeof(share)), MPC_OK);
    assert_int_equal(node_store_req_put(s, "req-9", MPC_ERR_TIMEOUT, share, 4), MPC_OK);
    node_store_close(s);
    s = open_ok(f->path, 0);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_get(s, "share/ed25519/wallet.A/v3", &out, &len), MPC_OK);
    assert_int_equal(len, sizeof(share));
    assert_memory_equal(out, share, len);
    mpc_secure_free(out);
    assert_int_equal(node_store_keyinfo_get(s, NODE_STORE_KEY_ED25519, "wallet.A", &got), MPC_OK);
    assert_int_equal(got.active_version, 3);
    assert_memory_equal(got.public_key, ki.public_key, 32);
    /* keyinfo read under the other key type is absent. */
    assert_int_equal(node_store_keyinfo_get(s, NODE_STORE_KEY_SECP256K1, "wallet.A", &got),
                     MPC_ERR_NOT_FOUND);
    mpc_status outcome;
    assert_int_equal(node_store_req_get(s, "req-9", &outcome, &out, &len), MPC_OK);
    assert_int_equal(outcome, MPC_ERR_TIMEOUT);
    free(out);
    node_store_close(s);
}

static void
test_store_identity_bind(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    uint8_t pk[32], other[32];
    memset(pk, 1, sizeof(pk));
    memset(other, 2, sizeof(other));
    assert_int_equal(node_store_identity_bind(s, pk), MPC_OK);
    assert_int_equal(node_store_identity_bind(s, pk), MPC_OK);
    assert_int_equal(node_store_identity_bind(s, other), MPC_ERR_CONFIG);
    assert_int_equal(node_store_identity_bind(s, NULL), MPC_ERR_INVALID_ARG);
    node_store_close(s);
}

static void
test_store_open_errors(void **state)
{
    struct fx *f = *state;
    node_store *s = NULL;
    char err[256];
    struct node_store_options o = opts(0);
    /* Absent store without CREATE: not found and nothing created. */
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &s, err, sizeof(err)),
                     MPC_ERR_NOT_FOUND);
    assert_null(s);
    assert_int_equal(access(f->path, F_OK), -1);
    assert_int_equal(node_store_open(NULL, PASS, 4, &o, &s, err, sizeof(err)), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_open(f->path, PASS, 0, &o, &s, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_open(f->path, PASS, 4, NULL, &s, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_open(f->path, PASS, 4, &o, NULL, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    struct node_store_options weak = opts(NODE_STORE_CREATE);
    weak.kdf.opslimit = 0;
    assert_int_equal(node_store_open(f->path, PASS, 4, &weak, &s, err, sizeof(err)),
                     MPC_ERR_INVALID_ARG);
    /* A file that is not a store. */
    assert_int_equal(node_fixture_write(f->path, "", 0600), 0);
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &s, err, sizeof(err)),
                     MPC_ERR_CORRUPT);
    assert_non_null(strstr(err, "not an initialised key store"));
    char *junk = node_fixture_path(f->dir, "junk.mdb");
    assert_int_equal(node_fixture_write(junk, "this is not an lmdb file at all, just text\n", 0600),
                     0);
    assert_int_not_equal(node_store_open(junk, PASS, strlen(PASS), &o, &s, err, sizeof(err)),
                         MPC_OK);
    assert_null(s);
    assert_non_null(strstr(err, junk));
    free(junk);
    assert_int_equal(node_store_sync(NULL), MPC_ERR_INVALID_ARG);
    node_store_close(NULL);
}

static void
test_store_record_bad_args(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(node_store_put(s, "", (const uint8_t *)"x", 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_put(s, "has space", (const uint8_t *)"x", 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_put(s, NULL, (const uint8_t *)"x", 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_put(NULL, "a", (const uint8_t *)"x", 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_put(s, "a", NULL, 1), MPC_ERR_INVALID_ARG);
    char longname[NODE_STORE_NAME_MAX + 2];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(node_store_put(s, longname, (const uint8_t *)"x", 1), MPC_ERR_INVALID_ARG);
    longname[NODE_STORE_NAME_MAX] = '\0';
    assert_int_equal(node_store_put(s, longname, (const uint8_t *)"x", 1), MPC_OK);
    uint8_t *big = calloc(1, NODE_STORE_VALUE_MAX + 1);
    assert_int_equal(node_store_put(s, "big", big, NODE_STORE_VALUE_MAX + 1), MPC_ERR_INVALID_ARG);
    free(big);
    assert_int_equal(node_store_get(s, "a", NULL, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_get(s, "a b", &out, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_get(NULL, "a", &out, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_delete(s, "a b"), MPC_ERR_INVALID_ARG);
    char name[64];
    assert_int_equal(node_store_name_share(name, sizeof(name), NODE_STORE_KEY_SECP256K1, "w-1", 12),
                     MPC_OK);
    assert_string_equal(name, "share/secp256k1/w-1/v12");
    assert_int_equal(node_store_name_share(name, sizeof(name), 7, "w", 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_name_share(name, sizeof(name), 1, "w/x", 1), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_name_share(name, sizeof(name), 1, "w", 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_name_share(name, 10, 1, "w", 1), MPC_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(name, "");
    assert_int_equal(node_store_name_keyinfo(name, sizeof(name), NODE_STORE_KEY_ED25519, "w"),
                     MPC_OK);
    assert_string_equal(name, "keyinfo/ed25519/w");
    assert_int_equal(node_store_name_req(name, sizeof(name), "r"), MPC_OK);
    assert_string_equal(name, "req/r");
    node_store_close(s);
}

/* Concurrent writers and readers on one store: every record lands intact. */
struct worker {
    node_store *s; /* shared store */
    int id;        /* worker index */
    int failures;  /* failed operations */
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 40; i++) {
        char name[64];
        snprintf(name, sizeof(name), "req/t%d-%d", w->id, i);
        uint8_t val[8] = {(uint8_t)w->id, (uint8_t)i};
        if (node_store_put(w->s, name, val, sizeof(val)) != MPC_OK) {
            w->failures++;
        }
        uint8_t *out = NULL;
        size_t len = 0;
        if (node_store_get(w->s, name, &out, &len) != MPC_OK || len != 8 ||
            memcmp(out, val, 8) != 0) {
            w->failures++;
        }
        mpc_secure_free(out);
    }
    return NULL;
}

static void
test_store_concurrent_threads(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    struct worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.s = s, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    char **list = NULL;
    size_t n = 0;
    assert_int_equal(node_store_list(s, "req/t", &list, &n), MPC_OK);
    assert_int_equal(n, 160);
    node_store_names_free(list, n);
    node_store_close(s);
}

/* Child: commits shares + keyinfo for wallets w0, w1, ... reporting each commit on fd. */
static void
kill_child_main(const char *path, int fd)
{
    node_store *s = NULL;
    struct node_store_options o = opts(0);
    if (node_store_open(path, PASS, strlen(PASS), &o, &s, NULL, 0) != MPC_OK) {
        _exit(3);
    }
    for (int i = 0; i < 5000; i++) {
        char wallet[32];
        uint8_t share[32];
        snprintf(wallet, sizeof(wallet), "w%d", i);
        memset(share, i & 0xff, sizeof(share));
        if (create_key(s, wallet, 1, share, sizeof(share)) != MPC_OK || write(fd, "c", 1) != 1) {
            _exit(4);
        }
    }
    _exit(0);
}

static void
test_store_kill9_during_commits_leaves_consistent_store(void **state)
{
    struct fx *f = *state;
    node_store *s = open_ok(f->path, NODE_STORE_CREATE);
    node_store_close(s);
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        kill_child_main(f->path, pfd[1]);
    }
    close(pfd[1]);
    /* Wait for 40 acknowledged commits, then kill -9 in the middle of the next ones. */
    int acked = 0;
    char c;
    while (acked < 40 && read(pfd[0], &c, 1) == 1) {
        acked++;
    }
    assert_int_equal(acked, 40);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int wst = 0;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    while (read(pfd[0], &c, 1) == 1) {
        acked++; /* commits acknowledged before the kill landed */
    }
    close(pfd[0]);
    s = open_ok(f->path, 0);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(node_store_list(s, "share/ed25519/", &names, &n), MPC_OK);
    assert_true(n >= (size_t)acked); /* every acknowledged commit survived */
    for (size_t i = 0; i < n; i++) {
        uint8_t *out = NULL;
        size_t len = 0;
        assert_int_equal(node_store_get(s, names[i], &out, &len), MPC_OK);
        assert_int_equal(len, 32);
        mpc_secure_free(out);
        char wallet[32];
        assert_int_equal(sscanf(names[i], "share/ed25519/%31[^/]/v1", wallet), 1);
        struct node_store_keyinfo ki;
        assert_int_equal(node_store_keyinfo_get(s, NODE_STORE_KEY_ED25519, wallet, &ki), MPC_OK);
        assert_non_null(node_store_keyinfo_find(&ki, 1));
    }
    node_store_names_free(names, n);
    /* And no keyinfo without its share. */
    assert_int_equal(node_store_list(s, "keyinfo/ed25519/", &names, &n), MPC_OK);
    for (size_t i = 0; i < n; i++) {
        char share[NODE_STORE_NAME_MAX + 1];
        assert_int_equal(node_store_name_share(share, sizeof(share), NODE_STORE_KEY_ED25519,
                                               names[i] + strlen("keyinfo/ed25519/"), 1),
                         MPC_OK);
        uint8_t *out = NULL;
        size_t len = 0;
        assert_int_equal(node_store_get(s, share, &out, &len), MPC_OK);
        mpc_secure_free(out);
    }
    printf("kill -9 after %d acknowledged commits; %zu wallets on disk\n", acked, n);
    node_store_names_free(names, n);
    node_store_close(s);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    g_seed = mpc_test_seed("test_store");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_round_trip_sealed_on_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_wrong_passphrase_leaves_file_identical, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_tampered_value_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_swapped_record_names_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_txn_abort_and_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_request_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_list_by_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_reopen_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_identity_bind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_record_bad_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_concurrent_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_kill9_during_commits_leaves_consistent_store,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

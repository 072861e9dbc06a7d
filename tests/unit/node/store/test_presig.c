/*
 * test_presig.c — node/store/presig.c: presignature records are kept per key
 * version and exact signer set, taken at most once (durably deleted before
 * take returns, also across a kill -9 right after it), discarded per key, and
 * bad arguments are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/store/keys.h"
#include "node/store/presig.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"

#define PASS "presig test passphrase"

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

static node_store *
open_store(const char *path)
{
    node_store *s = NULL;
    char err[256];
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 0, .flags = NODE_STORE_CREATE};
    assert_int_equal(node_store_open(path, PASS, strlen(PASS), &o, &s, err, sizeof(err)), MPC_OK);
    return s;
}

static const uint32_t set12[] = {1, 2}, set13[] = {1, 3};

static struct node_store_presig_pool
pool_of(const char *wallet, uint32_t version, const uint32_t *ids)
{
    struct node_store_presig_pool p = {NODE_STORE_KEY_SECP256K1, wallet, version, ids, 2};
    return p;
}

/* A record whose bytes and id are derived from tag. */
static void
put_rec(node_store *s, const struct node_store_presig_pool *p, uint8_t tag)
{
    uint8_t id[32], rec[64];
    memset(id, tag, sizeof(id));
    memset(rec, tag ^ 0x5a, sizeof(rec));
    assert_int_equal(node_store_presig_put(s, p, id, rec, sizeof(rec)), MPC_OK);
}

static size_t
count(node_store *s, const struct node_store_presig_pool *p)
{
    size_t n = 99;
    assert_int_equal(node_store_presig_count(s, p, &n), MPC_OK);
    return n;
}

static void
test_presig_take_once(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    struct node_store_presig_pool p = pool_of("w1", 1, set12);
    put_rec(s, &p, 1);
    put_rec(s, &p, 2);
    put_rec(s, &p, 3);
    assert_int_equal(count(s, &p), 3);
    uint8_t id[32], got_id[32], want[64], *out = NULL;
    size_t len = 0;
    memset(id, 2, 32);
    memset(want, 2 ^ 0x5a, 64);
    assert_int_equal(node_store_presig_take(s, &p, id, &out, &len, got_id), MPC_OK);
    assert_int_equal(len, 64);
    assert_memory_equal(out, want, 64);
    assert_memory_equal(got_id, id, 32);
    mpc_secure_free(out);
    assert_int_equal(count(s, &p), 2);
    /* the same record again: gone */
    assert_int_equal(node_store_presig_take(s, &p, id, &out, &len, got_id), MPC_ERR_PRESIG_GONE);
    assert_null(out);
    /* any record: the two others, then the pool is empty */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(node_store_presig_take(s, &p, NULL, &out, &len, got_id), MPC_OK);
        assert_true(got_id[0] == 1 || got_id[0] == 3);
        assert_int_equal(out[0], got_id[0] ^ 0x5a);
        mpc_secure_free(out);
    }
    assert_int_equal(node_store_presig_take(s, &p, NULL, &out, &len, NULL), MPC_ERR_PRESIG_GONE);
    node_store_close(s);
}

/* The inventory of a pool: its presig_ids, bounded by cap. */
static void
test_presig_list_inventory(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    struct node_store_presig_pool p = pool_of("w1", 1, set12), q = pool_of("w1", 1, set13);
    uint8_t ids[4][32];
    size_t n = 99;
    assert_int_equal(node_store_presig_list(s, &p, ids, 4, &n), MPC_OK);
    assert_int_equal(n, 0);
    put_rec(s, &p, 7);
    put_rec(s, &p, 3);
    put_rec(s, &q, 9); /* another pool */
    assert_int_equal(node_store_presig_list(s, &p, ids, 4, &n), MPC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0][0], 3); /* name order */
    assert_int_equal(ids[1][0], 7);
    assert_int_equal(ids[1][31], 7);
    assert_int_equal(node_store_presig_list(s, &p, ids, 1, &n), MPC_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 1);
    assert_int_equal(node_store_presig_list(NULL, &p, ids, 4, &n), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_presig_list(s, &p, NULL, 4, &n), MPC_ERR_INVALID_ARG);
    node_store_close(s);
}

/* Pools are per key version and exact signer set. */
static void
test_presig_pools_separate(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    struct node_store_presig_pool a = pool_of("w1", 1, set12), b = pool_of("w1", 1, set13),
                                  c = pool_of("w1", 2, set12), d = pool_of("w2", 1, set12);
    put_rec(s, &a, 7);
    uint8_t id[32], *out = NULL;
    size_t len;
    memset(id, 7, 32);
    assert_int_equal(count(s, &b), 0);
    assert_int_equal(count(s, &c), 0);
    assert_int_equal(count(s, &d), 0);
    assert_int_equal(node_store_presig_take(s, &b, id, &out, &len, NULL), MPC_ERR_PRESIG_GONE);
    assert_int_equal(node_store_presig_take(s, &c, NULL, &out, &len, NULL), MPC_ERR_PRESIG_GONE);
    assert_int_equal(node_store_presig_take(s, &d, id, &out, &len, NULL), MPC_ERR_PRESIG_GONE);
    assert_int_equal(count(s, &a), 1);
    node_store_close(s);
}

/* A take is durable before it returns: a kill -9 right after it never resurrects the record. */
static void
test_presig_take_survives_kill(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    struct node_store_presig_pool p = pool_of("w1", 1, set12);
    put_rec(s, &p, 4);
    put_rec(s, &p, 5);
    node_store_close(s);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        node_store *cs = open_store(f->path);
        uint8_t id[32], *out = NULL;
        size_t len;
        memset(id, 4, 32);
        if (node_store_presig_take(cs, &p, id, &out, &len, NULL) == MPC_OK) {
            raise(SIGKILL); /* the online message would leave now: die instead */
        }
        _exit(3);
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
    s = open_store(f->path);
    uint8_t id[32], *out = NULL;
    size_t len;
    memset(id, 4, 32);
    assert_int_equal(node_store_presig_take(s, &p, id, &out, &len, NULL), MPC_ERR_PRESIG_GONE);
    assert_int_equal(count(s, &p), 1);
    node_store_close(s);
}

/* Discard drops every version and signer set of one key, and nothing of another key. */
static void
test_presig_discard_key(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    struct node_store_presig_pool a = pool_of("w1", 1, set12), b = pool_of("w1", 1, set13),
                                  c = pool_of("w1", 2, set12), d = pool_of("w2", 1, set12);
    put_rec(s, &a, 1);
    put_rec(s, &a, 2);
    put_rec(s, &b, 3);
    put_rec(s, &c, 4);
    put_rec(s, &d, 5);
    size_t n = 0;
    assert_int_equal(node_store_presig_discard(s, NODE_STORE_KEY_SECP256K1, "w1", &n), MPC_OK);
    assert_int_equal(n, 4);
    assert_int_equal(count(s, &a) + count(s, &b) + count(s, &c), 0);
    assert_int_equal(count(s, &d), 1);
    assert_int_equal(node_store_presig_discard(s, NODE_STORE_KEY_SECP256K1, "w1", &n), MPC_OK);
    assert_int_equal(n, 0);
    node_store_close(s);
}

/* Stale records (key unknown, version not active) go; the active version's stay. */
static void
test_presig_discard_stale_after_reshare(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    static const char *const abc[] = {"node-a", "node-b", "node-c"};
    const struct node_store_committee c = {.threshold = 2, .ids = abc, .n = 3};
    uint8_t pk[33] = {0x02, 7}, share[64] = {1};
    assert_int_equal(
        node_store_keys_create(s, NODE_STORE_KEY_SECP256K1, "w1", pk, 33, 1, &c, share, 64),
        MPC_OK);
    struct node_store_presig_pool v1 = pool_of("w1", 1, set12), v1b = pool_of("w1", 1, set13),
                                  v2 = pool_of("w1", 2, set12), other = pool_of("w2", 1, set12);
    put_rec(s, &v1, 1);
    put_rec(s, &v1b, 2);
    put_rec(s, &v2, 3);    /* a version that is not active (never made) */
    put_rec(s, &other, 4); /* a key this store does not hold */
    size_t n = 0;
    assert_int_equal(node_store_presig_discard_stale(s, &n), MPC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(count(s, &v1), 1);
    assert_int_equal(count(s, &v1b), 1);
    assert_int_equal(count(s, &v2) + count(s, &other), 0);
    /* A reshare activates v2: every record of v1 is stale now. */
    uint32_t v = 0;
    assert_int_equal(
        node_store_keys_add_pending(s, NODE_STORE_KEY_SECP256K1, "w1", 1, &c, share, 64, &v),
        MPC_OK);
    assert_int_equal(v, 2);
    put_rec(s, &v2, 5);
    assert_int_equal(node_store_presig_discard_stale(s, &n), MPC_OK);
    assert_int_equal(n, 1); /* v2 still PENDING: not active, so not usable */
    assert_int_equal(count(s, &v1) + count(s, &v1b), 2);
    assert_int_equal(node_store_keys_activate(s, NODE_STORE_KEY_SECP256K1, "w1", 2), MPC_OK);
    put_rec(s, &v2, 6);
    assert_int_equal(node_store_presig_discard_stale(s, &n), MPC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(count(s, &v1) + count(s, &v1b), 0);
    assert_int_equal(count(s, &v2), 1);
    assert_int_equal(node_store_presig_discard_stale(s, &n), MPC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(node_store_presig_discard_stale(NULL, &n), MPC_ERR_INVALID_ARG);
    node_store_close(s);
}

static void
test_presig_bad_args(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path);
    const uint32_t unsorted[] = {3, 1}, zero[] = {0, 1};
    uint8_t id[32] = {1}, rec[8] = {2}, *out = (uint8_t *)1;
    size_t len = 9, n = 9;
    struct node_store_presig_pool ok = pool_of("w1", 1, set12);
    struct node_store_presig_pool bad[] = {
        pool_of("w1", 0, set12),         pool_of("w1", 1, unsorted), pool_of("w1", 1, zero),
        pool_of("bad wallet", 1, set12), pool_of("w1", 1, NULL),
    };
    struct node_store_presig_pool one = ok, type = ok;
    one.n_ids = 1;
    type.key_type = 99;
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]) + 2; k++) {
        const struct node_store_presig_pool *p =
            k < sizeof(bad) / sizeof(bad[0]) ? &bad[k]
                                             : (k == sizeof(bad) / sizeof(bad[0]) ? &one : &type);
        assert_int_equal(node_store_presig_put(s, p, id, rec, sizeof(rec)), MPC_ERR_INVALID_ARG);
        assert_int_equal(node_store_presig_take(s, p, NULL, &out, &len, NULL), MPC_ERR_INVALID_ARG);
        assert_null(out);
        assert_int_equal(len, 0);
        assert_int_equal(node_store_presig_count(s, p, &n), MPC_ERR_INVALID_ARG);
    }
    assert_int_equal(node_store_presig_put(s, &ok, id, rec, 0), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_presig_put(s, &ok, NULL, rec, 8), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_presig_take(NULL, &ok, id, &out, &len, NULL), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_presig_discard(s, 99, "w1", &n), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_store_presig_discard(s, NODE_STORE_KEY_SECP256K1, "a b", &n),
                     MPC_ERR_INVALID_ARG);
    node_store_close(s);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_presig_take_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_pools_separate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_list_inventory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_take_survives_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_discard_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_discard_stale_after_reshare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_bad_args, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_presig.c — node/presig.c: online signing with a pooled presignature.
 * Two nodes' stores hold the records of one presign session; both take
 * theirs and the signature verifies with libsecp256k1; a replayed request
 * finds the record gone. kill -9 at each kill point of online signing
 * (presig_before_take, presig_after_take, presig_after_online): afterwards
 * the store holds the record only if the kill came before the take, and it
 * can never be used twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/secmem.h"
#include "node/presig.h"
#include "node/store/presig.h"
#include "node/store/store.h"
#include "tests/support/node_fixture.h"
#include "tests/support/sim_dkls_sign.h"
#include "tests/support/test_rng.h"

#define PASS "presig node test passphrase"

static tss_secp_ctx *ctx;   /* backend */
static struct sim_key key3; /* 2-of-3 */
static const uint32_t ids[] = {1, 3};

struct fx {
    char *dir;             /* temp dir */
    char *path[2];         /* stores of node 1 and node 3 */
    uint8_t presig_id[32]; /* the presignature of both */
};

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

static struct node_store_presig_pool
pool(void)
{
    struct node_store_presig_pool p = {NODE_STORE_KEY_SECP256K1, "w1", 1, ids, 2};
    return p;
}

static struct tss_dkls_online_params
params(const uint8_t msg[32])
{
    struct tss_dkls_online_params p;
    memset(&p, 0, sizeof(p));
    p.ctx = ctx;
    p.key_version = 1;
    p.ids = ids;
    p.n_ids = 2;
    memcpy(p.y_pub, key3.y_pub, 33);
    memcpy(p.msg32, msg, 32);
    return p;
}

/* One presign session; each signer's record goes into its own store. */
static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->path[0] = node_fixture_path(f->dir, "n1.mdb");
    f->path[1] = node_fixture_path(f->dir, "n3.mdb");
    *state = f;
    struct tss_dkls_presig ps[SIM_MAX_N];
    struct sim_result r;
    if (f->dir == NULL || sim_presign_run(&key3, ids, 2, NULL, NULL, 0, 0, ps, &r) != 0 ||
        r.status[0] != MPC_OK || r.status[1] != MPC_OK) {
        return -1;
    }
    memcpy(f->presig_id, ps[0].presig_id, 32);
    struct node_store_presig_pool p = pool();
    for (int i = 0; i < 2; i++) {
        uint8_t enc[TSS_DKLS_PRESIG_MAX_BYTES];
        size_t len;
        node_store *s = open_store(f->path[i]);
        assert_int_equal(tss_dkls_presig_encode(enc, sizeof(enc), &len, &ps[i]), MPC_OK);
        assert_int_equal(node_store_presig_put(s, &p, ps[i].presig_id, enc, len), MPC_OK);
        mpc_wipe(enc, sizeof(enc));
        tss_dkls_presig_wipe(&ps[i]);
        node_store_close(s);
    }
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_fixture_tmpdir_remove(f->dir);
    free(f->path[0]);
    free(f->path[1]);
    free(f);
    return 0;
}

static size_t
stored(const char *path)
{
    node_store *s = open_store(path);
    struct node_store_presig_pool p = pool();
    size_t n = 99;
    assert_int_equal(node_store_presig_count(s, &p, &n), MPC_OK);
    node_store_close(s);
    return n;
}

/* Begins online signing at node i; returns its status (object and message in *o, bc). */
static mpc_status
begin(const struct fx *f, int i, const uint8_t *id, const uint8_t msg[32], tss_dkls_online **o,
      uint8_t bc[96])
{
    node_store *s = open_store(f->path[i]);
    struct node_store_presig_pool p = pool();
    struct tss_dkls_online_params op = params(msg);
    mpc_status st = node_presig_online_begin(s, &p, id, &op, "req-1", o, bc);
    node_store_close(s);
    return st;
}

static void
test_presig_online_signs_once(void **state)
{
    struct fx *f = *state;
    uint8_t msg[32], bc[2][96], sig[2][64];
    int recid[2];
    tss_dkls_online *o[2];
    test_rng_bytes(msg, 32);
    assert_int_equal(begin(f, 0, f->presig_id, msg, &o[0], bc[0]), MPC_OK);
    assert_int_equal(begin(f, 1, NULL, msg, &o[1], bc[1]), MPC_OK); /* any: the only one */
    for (int i = 0; i < 2; i++) {
        struct tss_dkls_sign_msg in = {bc[1 - i], 96};
        assert_int_equal(tss_dkls_online_finish(o[i], &in, sig[i], &recid[i], NULL), MPC_OK);
        tss_dkls_online_destroy(o[i]);
    }
    assert_memory_equal(sig[0], sig[1], 64);
    secp256k1_context *ref = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    secp256k1_pubkey y;
    secp256k1_ecdsa_signature es;
    assert_true(secp256k1_ec_pubkey_parse(ref, &y, key3.y_pub, 33));
    assert_true(secp256k1_ecdsa_signature_parse_compact(ref, &es, sig[0]));
    assert_true(secp256k1_ecdsa_verify(ref, &es, msg, &y));
    secp256k1_context_destroy(ref);
    /* the replayed request: the record is gone, no message is made */
    tss_dkls_online *again = NULL;
    uint8_t bc2[96];
    assert_int_equal(begin(f, 0, f->presig_id, msg, &again, bc2), MPC_ERR_PRESIG_GONE);
    assert_null(again);
    assert_true(mpc_ct_is_zero(bc2, sizeof(bc2)));
    assert_int_equal(stored(f->path[0]) + stored(f->path[1]), 0);
}

/* kill -9 at each kill point of online signing, then the store is checked. */
static void
test_presig_kill_at_each_point(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *point; /* MPC_NODE_TEST_KILL_AT */
        size_t left;       /* records of node 1 after the kill */
    } cases[] = {{"presig_before_take", 1}, {"presig_after_take", 0}, {"presig_after_online", 0}};
    uint8_t msg[32];
    test_rng_bytes(msg, 32);
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        if (c > 0) { /* a fresh presignature for the next kill */
            teardown(state);
            assert_int_equal(setup(state), 0);
            f = *state;
        }
        /* a fresh process (exec), so the kill point setting is read anew */
        char hex[65], yhex[67];
        for (int b = 0; b < 32; b++) {
            snprintf(hex + 2 * b, 3, "%02x", f->presig_id[b]);
        }
        for (int b = 0; b < 33; b++) {
            snprintf(yhex + 2 * b, 3, "%02x", key3.y_pub[b]);
        }
        /* this program by its path: under valgrind /proc/self/exe is valgrind's own tool,
         * which refuses to be run directly, while readlink names the program it runs */
        char self[4096];
        ssize_t self_len = readlink("/proc/self/exe", self, sizeof(self) - 1);
        assert_true(self_len > 0 && (size_t)self_len < sizeof(self) - 1);
        self[self_len] = '\0';
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            setenv("MPC_NODE_TEST_KILL_AT", cases[c].point, 1);
            execl(self, "test_presig", "--child", f->path[0], hex, yhex, (char *)NULL);
            _exit(5);
        }
        int ws = 0;
        assert_int_equal(waitpid(pid, &ws, 0), pid);
        assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
        assert_int_equal(stored(f->path[0]), cases[c].left);
        /* after the restart: usable at most once, and only if it was never taken */
        tss_dkls_online *o = NULL;
        uint8_t bc[96];
        mpc_status want = cases[c].left == 1 ? MPC_OK : MPC_ERR_PRESIG_GONE;
        assert_int_equal(begin(f, 0, f->presig_id, msg, &o, bc), want);
        tss_dkls_online_destroy(o);
        o = NULL;
        assert_int_equal(begin(f, 0, f->presig_id, msg, &o, bc), MPC_ERR_PRESIG_GONE);
        assert_int_equal(stored(f->path[0]), 0);
    }
}

static void
test_presig_online_bad_args(void **state)
{
    struct fx *f = *state;
    node_store *s = open_store(f->path[0]);
    struct node_store_presig_pool p = pool();
    uint8_t msg[32] = {1}, bc[96];
    struct tss_dkls_online_params op = params(msg);
    tss_dkls_online *o = (tss_dkls_online *)1;
    assert_int_equal(node_presig_online_begin(NULL, &p, NULL, &op, NULL, &o, bc),
                     MPC_ERR_INVALID_ARG);
    assert_null(o);
    assert_int_equal(node_presig_online_begin(s, NULL, NULL, &op, NULL, &o, bc),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_presig_online_begin(s, &p, NULL, NULL, NULL, &o, bc),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_presig_online_begin(s, &p, NULL, &op, NULL, NULL, bc),
                     MPC_ERR_INVALID_ARG);
    /* a request for another key version: taken (so never reusable), then refused */
    op.key_version = 2;
    assert_int_equal(node_presig_online_begin(s, &p, NULL, &op, NULL, &o, bc),
                     MPC_ERR_PRESIG_MISMATCH);
    assert_null(o);
    size_t n = 9;
    assert_int_equal(node_store_presig_count(s, &p, &n), MPC_OK);
    assert_int_equal(n, 0);
    node_store_close(s);
}

/*
 * The child of test_presig_kill_at_each_point: begins online signing at the
 * store path with the named presignature (its params do not matter: the kill
 * points come before or right after the take). Exits 3/4 if not killed.
 */
static int
child_main(const char *path, const char *hex, const char *yhex)
{
    struct fx f;
    memset(&f, 0, sizeof(f));
    f.path[0] = (char *)path;
    for (int b = 0; b < 32; b++) {
        unsigned v;
        if (sscanf(hex + 2 * b, "%2x", &v) != 1) {
            return 6;
        }
        f.presig_id[b] = (uint8_t)v;
    }
    for (int b = 0; b < 33; b++) { /* the parent's group key (this process dealt another) */
        unsigned v;
        if (sscanf(yhex + 2 * b, "%2x", &v) != 1) {
            return 6;
        }
        key3.y_pub[b] = (uint8_t)v;
    }
    uint8_t msg[32] = {3}, bc[96];
    tss_dkls_online *o = NULL;
    mpc_status st = begin(&f, 0, f.presig_id, msg, &o, bc);
    return st == MPC_OK ? 3 : 4;
}

int
main(int argc, char **argv)
{
    test_rng_init("test_presig");
    if (mpc_crypto_init() != MPC_OK || tss_secp_ctx_create(&ctx) != MPC_OK ||
        sim_key_deal(&key3, ctx, 2, 3) != 0) {
        return 1;
    }
    if (argc == 5 && strcmp(argv[1], "--child") == 0) {
        return child_main(argv[2], argv[3], argv[4]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_presig_online_signs_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_kill_at_each_point, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_online_bad_args, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sim_key_free(&key3);
    tss_secp_ctx_destroy(ctx);
    return rc;
}

/*
 * test_presig.c — node/presig.c: online signing with a pooled presignature.
 * Two nodes' stores hold the records of one presign session; both take
 * theirs and the signature verifies with libsecp256k1; a replayed request
 * finds the record gone. kill -9 at each kill point of online signing
 * (presig_before_take, presig_after_take, presig_after_online): afterwards
 * the store holds the record only if the kill came before the take, and it
 * can never be used twice. The session path: presign results stored in the
 * pool they name; two signers choose the same record for a request whatever
 * order their pools were filled in, take it, and their dkls-online inputs
 * make a signature that verifies; the record is gone afterwards.
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
#include "tests/support/dkls_fixture.h"
#include "tests/support/node_fixture.h"
#include "tests/support/sim_dkls_sign.h"
#include "tests/support/test_rng.h"
#include "tss/dkls_online.h"
#include "tss/keytype.h"

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

/* Quarantine/retirement discard the key's pool; the stale sweep drops records of no key. */
static void
test_presig_pool_discard(void **state)
{
    struct fx *f = *state;
    assert_int_equal(stored(f->path[0]), 1);
    node_store *s = open_store(f->path[0]);
    /* No keyinfo for w1 in this store: its record cannot sign, the sweep drops it. */
    assert_int_equal(node_presig_discard_stale(s, "test"), MPC_OK);
    node_store_close(s);
    assert_int_equal(stored(f->path[0]), 0);
    s = open_store(f->path[1]);
    assert_int_equal(node_presig_pool_discard(s, NODE_STORE_KEY_SECP256K1, "w2", "test"), MPC_OK);
    node_store_close(s);
    assert_int_equal(stored(f->path[1]), 1); /* another key's pool: untouched */
    s = open_store(f->path[1]);
    assert_int_equal(node_presig_pool_discard(s, NODE_STORE_KEY_SECP256K1, "w1", "quarantine"),
                     MPC_OK);
    assert_int_equal(node_presig_pool_discard(s, 99, "w1", "test"), MPC_ERR_INVALID_ARG);
    assert_int_equal(node_presig_discard_stale(NULL, "test"), MPC_ERR_INVALID_ARG);
    node_store_close(s);
    assert_int_equal(stored(f->path[1]), 0);
}

/* Online input of node k (0 or 1) of key for request rid; returns its status. */
static mpc_status
session_input(node_store *s, const dkls_fx_key *key, uint32_t k, const char *rid,
              const uint8_t msg[32], uint8_t id[32], uint8_t **in, size_t *in_len)
{
    const char *signers[2] = {tss_fx_node(1), tss_fx_node(0)}; /* any party order */
    struct node_presig_online_req r = {.h = &tss_keytype_secp256k1,
                                       .key_type = NODE_STORE_KEY_SECP256K1,
                                       .wallet = "w1",
                                       .version = 1,
                                       .share = key->rec[k],
                                       .share_len = key->len[k],
                                       .signers = signers,
                                       .n = 2,
                                       .request_id = rid,
                                       .msg32 = msg};
    struct node_presig_claim claim;
    mpc_status st = node_presig_online_input(s, &r, id, in, in_len, &claim);
    return st == MPC_OK ? node_presig_claim_take(s, &claim) : st;
}

static void
test_presig_session_path(void **state)
{
    struct fx *f = *state;
    dkls_fx_key key;
    tss_sim_result res;
    uint32_t c[3] = {0, 1, 2}, set[2] = {0, 1};
    assert_int_equal(dkls_fx_keygen(&key, c, 3, 2, 7, NULL, NULL, &res), MPC_OK);
    tss_sim_result_free(&res);
    node_store *s[2] = {open_store(f->path[0]), open_store(f->path[1])};
    /* Three presign sessions; node 1 stores them in reverse order. */
    tss_sim_result pre[3];
    for (int j = 0; j < 3; j++) {
        assert_int_equal(dkls_fx_presign(&key, set, 2, 100 + (uint64_t)j, NULL, NULL, &pre[j]),
                         MPC_OK);
    }
    for (int j = 0; j < 3; j++) {
        for (int k = 0; k < 2; k++) {
            const tss_sim_party *p = &pre[k == 0 ? j : 2 - j].parties[k];
            assert_int_equal(node_presig_store_result(s[k], NODE_STORE_KEY_SECP256K1, "w1",
                                                      p->result, p->result_len),
                             MPC_OK);
        }
    }
    for (int j = 0; j < 3; j++) {
        tss_sim_result_free(&pre[j]);
    }
    uint8_t msg[32] = {0x5a}, id[2][32], *in[2];
    size_t in_len[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(
            session_input(s[k], &key, (uint32_t)k, "req-a", msg, id[k], &in[k], &in_len[k]),
            MPC_OK);
    }
    assert_memory_equal(id[0], id[1], 32); /* the same record, chosen without a message */
    /* The online session over those inputs signs; parties as session_input named them. */
    const char *names[2] = {tss_fx_node(1), tss_fx_node(0)};
    static const uint8_t sid[16] = {9};
    tss_params p[2] = {
        {.sid = sid,
         .self = 0,
         .n_parties = 2,
         .party_ids = names,
         .input = in[1],
         .input_len = in_len[1]},
        {.sid = sid,
         .self = 1,
         .n_parties = 2,
         .party_ids = names,
         .input = in[0],
         .input_len = in_len[0]},
    };
    assert_int_equal(tss_sim_run(&tss_proto_dkls_online, p, 2, 11, NULL, NULL, &res), MPC_OK);
    assert_true(dkls_fx_verify(res.parties[0].result, msg, key.y));
    tss_sim_result_free(&res);
    mpc_secure_free(in[0]);
    mpc_secure_free(in[1]);
    /* Taken: two records left at each node; the same id never again. */
    const uint32_t pool_ids[2] = {1, 2};
    struct node_store_presig_pool pool = {NODE_STORE_KEY_SECP256K1, "w1", 1, pool_ids, 2};
    for (int k = 0; k < 2; k++) {
        size_t n = 0;
        assert_int_equal(node_store_presig_count(s[k], &pool, &n), MPC_OK);
        assert_int_equal(n, 2);
        uint8_t *rec = NULL;
        size_t len = 0;
        assert_int_equal(node_store_presig_take(s[k], &pool, id[0], &rec, &len, NULL),
                         MPC_ERR_PRESIG_GONE);
    }
    /* Another request may choose another record; both nodes still agree. */
    uint8_t id2[2][32];
    assert_int_equal(node_store_presig_choose(s[0], &pool, "req-b", id2[0]), MPC_OK);
    assert_int_equal(node_store_presig_choose(s[1], &pool, "req-b", id2[1]), MPC_OK);
    assert_memory_equal(id2[0], id2[1], 32);
    /* Concurrent requests spread over the pool (rendezvous ranks, not "the lowest id"). */
    int differ = 0;
    for (int j = 0; j < 12; j++) {
        char rid[16];
        snprintf(rid, sizeof rid, "req-%d", j);
        uint8_t x[32];
        assert_int_equal(node_store_presig_choose(s[0], &pool, rid, x), MPC_OK);
        differ |= memcmp(x, id2[0], 32) != 0;
    }
    assert_true(differ);
    /* A signer set without a pool, and a key type without presignatures. */
    const uint32_t other_ids[2] = {2, 3};
    struct node_store_presig_pool other = pool;
    other.ids = other_ids;
    assert_int_equal(node_store_presig_choose(s[0], &other, "req-b", id2[0]), MPC_ERR_PRESIG_GONE);
    assert_int_equal(node_store_presig_choose(s[0], &pool, "", id2[0]), MPC_ERR_INVALID_ARG);
    struct node_presig_online_req bad = {.h = &tss_keytype_ed25519,
                                         .key_type = NODE_STORE_KEY_SECP256K1,
                                         .wallet = "w1",
                                         .version = 1,
                                         .share = key.rec[0],
                                         .share_len = key.len[0],
                                         .signers = names,
                                         .n = 2,
                                         .request_id = "req-c",
                                         .msg32 = msg};
    uint8_t *bin = (uint8_t *)1;
    size_t blen = 1;
    struct node_presig_claim cl;
    assert_int_equal(node_presig_online_input(s[0], &bad, id2[0], &bin, &blen, &cl),
                     MPC_ERR_UNSUPPORTED);
    assert_null(bin);
    bad.n = 1;
    assert_int_equal(node_presig_online_input(s[0], &bad, id2[0], &bin, &blen, &cl),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_presig_store_result(s[0], NODE_STORE_KEY_SECP256K1, "w1", msg, 32),
                     MPC_ERR_PRESIG_MALFORMED);
    node_store_close(s[0]);
    node_store_close(s[1]);
    dkls_fx_key_free(&key);
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
        cmocka_unit_test_setup_teardown(test_presig_pool_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presig_session_path, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sim_key_free(&key3);
    tss_secp_ctx_destroy(ctx);
    return rc;
}

/*
 * test_keyconfirm_serve.c — a member's answer to a key confirmation query
 * (node_keyconfirm_answer, node/keyconfirm_serve.c) at the moments of a
 * keygen's second attempt (issue 15, docs/DESIGN.md §4.4 and §8.1):
 *  - the race of the kg-before_commit split: the request log still says
 *    MPC_ERR_KEY_ATTEMPT_DISCARDED (attempt 0 was redone) when the query
 *    comes, and the finisher commits attempt 1's key PENDING and takes the
 *    job off its lists while the answer is made (the test hook runs exactly
 *    there): the answer is that key (PENDING), never RETRY;
 *  - the store holds the version asked about: never RETRY, even with a log
 *    entry that says the attempt was discarded;
 *  - after a REDO, with no job of the request here: RETRY (the others
 *    discard their key of that attempt too); with the next attempt's job in
 *    flight: UNKNOWN;
 *  - nothing logged: UNKNOWN; a final failure logged: FAILED.
 * The store holds real Ed25519 key shares (a FROST DKG of three nodes run
 * by the simulator), so a PENDING answer carries the key the member stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/secmem.h"
#include "node/client/results.h"
#include "node/daemon_internal.h"
#include "node/keyconfirm.h"
#include "node/store/keys.h"
#include "proto/result.pb-c.h"
#include "tests/support/node_fixture.h"
#include "tests/support/tss_fixture.h"

#define PASS   "keyconfirm serve passphrase"
#define RID    "kg-before_commit"
#define WALLET "kg-before_commit"
#define ED     NODE_STORE_KEY_ED25519

static const char *const IDS[] = {"node-1", "node-2", "node-3"};
static const struct node_store_committee C3 = {.threshold = 2, .ids = IDS, .n = 3};

struct fx {
    char *dir;            /* temp dir */
    char *path;           /* store file */
    struct node_daemon d; /* store, mu and the job lists only */
    struct node_job job;  /* the request's job (in d.jobs when a test puts it there) */
};

static tss_fx_key g_key; /* a 2-of-3 Ed25519 key; this node's share is rec[1] */

static int
group_setup(void **state)
{
    (void)state;
    const uint32_t nodes[] = {0, 1, 2};
    tss_sim_result res;
    if (mpc_crypto_init() != MPC_OK ||
        tss_fx_dkg(&g_key, nodes, 3, 2, mpc_test_seed("keyconfirm_serve"), NULL, NULL, &res) !=
            MPC_OK) {
        return -1;
    }
    tss_sim_result_free(&res);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    tss_fx_key_free(&g_key);
    return 0;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = node_fixture_tmpdir_create();
    f->path = node_fixture_path(f->dir, "store.mdb");
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20, .flags = NODE_STORE_CREATE};
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &f->d.store, NULL, 0),
                     MPC_OK);
    assert_int_equal(pthread_mutex_init(&f->d.mu, NULL), 0);
    snprintf(f->job.request_id, sizeof f->job.request_id, "%s", RID);
    f->job.op = MPC__OP__OP_KEYGEN;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
#ifdef MPC_FAULT_INJECTION
    node_keyconfirm_test_between(NULL, NULL);
#endif
    pthread_mutex_destroy(&f->d.mu);
    node_store_close(f->d.store);
    node_fixture_tmpdir_remove(f->dir);
    free(f->path);
    free(f);
    return 0;
}

/* A request-log entry of one ed25519 Result with status st (version 1 if OK). */
static void
entry_of(mpc_status st, uint8_t **entry, size_t *len)
{
    Mpc__Result r = MPC__RESULT__INIT;
    r.request_id = (char *)RID;
    r.op = MPC__OP__OP_KEYGEN;
    r.key_type = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    r.wallet_id = (char *)WALLET;
    r.status_code = (uint32_t)st;
    r.key_version = st == MPC_OK ? 1u : 0u;
    size_t rl = mpc__result__get_packed_size(&r);
    uint8_t *rb = malloc(rl);
    assert_non_null(rb);
    mpc__result__pack(&r, rb);
    const uint8_t *res[1] = {rb};
    assert_int_equal(node_client_results_entry_encode("client-1", NULL, res, &rl, 1, entry, len),
                     MPC_OK);
    free(rb);
}

/* Writes req/RID with outcome st (its Result says st too). */
static void
log_put(struct fx *f, mpc_status st)
{
    uint8_t *e = NULL;
    size_t len = 0;
    entry_of(st, &e, &len);
    assert_int_equal(node_store_req_put(f->d.store, RID, st, e, len), MPC_OK);
    free(e);
}

/* The entry builder of the PENDING commit (as node/outcome.c's commit_entry). */
static mpc_status
entry_pending(void *ctx, const struct node_store_key_write *w, size_t n, mpc_status *outcome,
              uint8_t **entry, size_t *len)
{
    (void)ctx;
    (void)w;
    (void)n;
    entry_of(MPC_OK, entry, len);
    *outcome = MPC_ERR_KEY_PENDING;
    return MPC_OK;
}

/* Commits this node's share of the key PENDING with its "pending" log entry
 * and marker, in one transaction (what the finisher's job_commit does). */
static void
commit_pending(struct fx *f)
{
    struct node_store_key_write w = {.key_type = ED,
                                     .wallet = WALLET,
                                     .pk = g_key.group_key,
                                     .pk_len = 32,
                                     .c = &C3,
                                     .share = g_key.rec[1],
                                     .share_len = g_key.len[1],
                                     .version = 1};
    assert_int_equal(node_store_keys_commit_pending(f->d.store, &w, 1, RID, 4102444800000ull,
                                                    entry_pending, NULL),
                     MPC_OK);
}

static void
job_in_flight(struct fx *f)
{
    pthread_mutex_lock(&f->d.mu);
    f->job.next = f->d.jobs;
    f->d.jobs = &f->job;
    pthread_mutex_unlock(&f->d.mu);
}

/* The finisher of attempt 1: commit PENDING, then the job leaves the lists. */
static void
finisher_commits(void *arg)
{
    struct fx *f = arg;
    commit_pending(f);
    pthread_mutex_lock(&f->d.mu);
    f->d.jobs = NULL;
    pthread_mutex_unlock(&f->d.mu);
}

static struct node_keyconfirm
answer(struct fx *f)
{
    struct node_keyconfirm c;
    memset(&c, 0, sizeof c);
    c.q.key_type = ED;
    c.q.version = 1;
    snprintf(c.q.request_id, sizeof c.q.request_id, "%s", RID);
    snprintf(c.q.wallet, sizeof c.q.wallet, "%s", WALLET);
    snprintf(c.node_id, sizeof c.node_id, "node-2");
    node_keyconfirm_answer(&f->d, &c);
    return c;
}

static void
assert_pending_key(const struct node_keyconfirm *c)
{
    assert_int_equal(c->kind, NODE_KEYCONFIRM_PENDING);
    assert_int_equal(c->key.pk_len, 32);
    assert_memory_equal(c->key.pk, g_key.group_key, 32);
    assert_int_equal(c->key.threshold, 2);
    assert_int_equal(c->key.n, 3);
    assert_string_equal(c->key.committee[1], "node-2");
}

/* The kg-before_commit split: attempt 0 redone here (log DISCARDED), attempt
 * 1's job finishing; the query comes, and attempt 1's commit and the job's
 * leaving the lists land between the answer's two looks at the node. */
static void
test_keyconfirm_answer_commit_between_looks(void **state)
{
#ifdef MPC_FAULT_INJECTION
    struct fx *f = *state;
    log_put(f, MPC_ERR_KEY_ATTEMPT_DISCARDED);
    job_in_flight(f);
    node_keyconfirm_test_between(finisher_commits, f);
    struct node_keyconfirm c = answer(f);
    node_keyconfirm_test_between(NULL, NULL);
    assert_int_not_equal(c.kind, NODE_KEYCONFIRM_RETRY);
    assert_pending_key(&c); /* the store, read after the look at the jobs, holds it */
    c = answer(f);
    assert_pending_key(&c);
#else
    (void)state;
    skip();
#endif
}

/* A node never says RETRY while it holds the version asked about. */
static void
test_keyconfirm_answer_never_retry_while_holding(void **state)
{
    struct fx *f = *state;
    commit_pending(f);
    log_put(f, MPC_ERR_KEY_ATTEMPT_DISCARDED); /* a log entry behind the key (by hand) */
    struct node_keyconfirm c = answer(f);
    assert_pending_key(&c);
}

/* REDO rule 4 (§4.4): discarded here and not yet run again -> RETRY;
 * the next attempt in flight -> UNKNOWN. */
static void
test_keyconfirm_answer_after_redo(void **state)
{
    struct fx *f = *state;
    log_put(f, MPC_ERR_KEY_ATTEMPT_DISCARDED);
    struct node_keyconfirm c = answer(f);
    assert_int_equal(c.kind, NODE_KEYCONFIRM_RETRY);
    job_in_flight(f);
    c = answer(f);
    assert_int_equal(c.kind, NODE_KEYCONFIRM_UNKNOWN);
}

static void
test_keyconfirm_answer_unknown_and_failed(void **state)
{
    struct fx *f = *state;
    struct node_keyconfirm c = answer(f);
    assert_int_equal(c.kind, NODE_KEYCONFIRM_UNKNOWN); /* nothing logged */
    log_put(f, MPC_ERR_PEER_UNAVAILABLE);
    c = answer(f);
    assert_int_equal(c.kind, NODE_KEYCONFIRM_FAILED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keyconfirm_answer_commit_between_looks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keyconfirm_answer_never_retry_while_holding, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_keyconfirm_answer_after_redo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyconfirm_answer_unknown_and_failed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

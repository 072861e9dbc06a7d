/*
 * test_daemon_evidence.c — the whole evidence of a DKLs23 blame, larger than a
 * Result holds (DESIGN §7, §10 item 4), through real mpc-node processes on a
 * private nats-server (127.0.0.1):
 *   - keygen 2-of-3 secp256k1; node-3 restarted with MPC_NODE_TEST_CHEAT_KOS=2
 *     feeds sk + 1 to its RVOLE as Alice; node-1 and node-2 fail the sign
 *     naming node-3, their evidence holds node-3's 40 KB round-2 message;
 *   - the signed Result holds at most 12 KiB of envelopes but carries the
 *     digest and size of the whole; node-1 kept it (mpc_evidence_stored_total);
 *   - mpc-cli's fetch gets it from node-1 (restarted: the store kept it) in
 *     10 000-byte chunks (a test setting of the node), it matches the digest, and
 *     every envelope in it is signed by its sender (node-3's included);
 *     a Result whose digest was altered makes the fetch fail; `mpc-cli
 *     evidence REQUEST` fetches and checks the whole evidence and exits 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node/cli/cli.h"
#include "node/cli/cli_evidence.h"
#include "node/client/evidence.h"
#include "node/client/results.h"
#include "node/daemon.h"
#include "tests/support/daemon_cluster.h"
#include "tests/support/nats_server.h"
#include "tests/support/node_fixture.h"
#include "transport/envelope.h"
#include "transport/nats_transport.h"

#define WAIT_MS 60000u

static dc_cluster g_c;
static const char *g_argv0;
static char *g_123[] = {"node-1", "node-2", "node-3"};

static const Mpc__Result *
from_node(const dc_results *res, const char *id)
{
    for (size_t i = 0; i < res->count; i++) {
        if (strcmp(res->node[i], id) == 0) {
            return res->r[i];
        }
    }
    return NULL;
}

static void
keygen(const char *rid, const char *wallet)
{
    Mpc__Request r;
    Mpc__KeygenRequest k;
    Mpc__KeyType kt[1] = {MPC__KEY_TYPE__KEY_TYPE_SECP256K1};
    dc_results res;
    mpc__request__init(&r);
    mpc__keygen_request__init(&k);
    r.request_id = (char *)rid;
    r.body_case = MPC__REQUEST__BODY_KEYGEN;
    r.keygen = &k;
    k.wallet_id = (char *)wallet;
    k.threshold = 2;
    k.key_types = kt;
    k.n_key_types = 1;
    k.participants = g_123;
    k.n_participants = 3;
    assert_int_equal(dc_request(&g_c, &r, NULL, 3, WAIT_MS, &res, NULL), MPC_OK);
    for (size_t i = 0; i < res.count; i++) {
        assert_int_equal(res.r[i]->status_code, MPC_OK);
    }
    dc_results_clear(&res);
}

/* Restarts node i with the test variable env=val (env NULL: none). */
static void
restart_node(size_t i, const char *env, const char *val)
{
    assert_int_equal(dc_node_restart_env(&g_c, i, env, val, WAIT_MS), 0);
}

/* The CLI's connection options as the cluster's client user. */
static void
cli_opts(struct cli_nats_opts *o)
{
    transport_nats_config nc;
    dc_client_nats_config(&g_c, &nc);
    memset(o, 0, sizeof *o);
    o->url = nc.servers;
    o->user = nc.user;
    o->connect_ms = 5000;
    setenv("MPC_NATS_PASSWORD", nc.password, 1);
}

/* Every packed envelope verifies under its sender's key; returns how many node-3 signed. */
static size_t
check_envelopes(const uint8_t *packed, size_t len, size_t *n_items, size_t *largest)
{
    const uint8_t *items[NODE_CLIENT_EVIDENCE_ITEMS];
    size_t lens[NODE_CLIENT_EVIDENCE_ITEMS], n = 0, by3 = 0;
    struct cli_peer_keys *peers = calloc(1, sizeof *peers);
    char *path = node_fixture_path(g_c.dir, "peers.txt");
    assert_int_equal(cli_peer_keys_load(path, peers), 0);
    free(path);
    assert_int_equal(node_client_evidence_unpack(packed, len, items, lens, &n), MPC_OK);
    *largest = 0;
    for (size_t i = 0; i < n; i++) {
        transport_envelope_header h;
        assert_int_equal(transport_envelope_peek(items[i], lens[i], &h), MPC_OK);
        const uint8_t *pk = NULL;
        for (size_t k = 0; k < peers->n; k++) {
            pk = strcmp(peers->keys[k].id, h.from) == 0 ? peers->keys[k].pk : pk;
        }
        assert_non_null(pk);
        assert_int_equal(transport_envelope_attest(items[i], lens[i], pk, &h), MPC_OK);
        by3 += strcmp(h.from, "node-3") == 0;
        *largest = lens[i] > *largest ? lens[i] : *largest;
    }
    cli_peer_keys_clear(peers);
    free(peers);
    *n_items = n;
    return by3;
}

static void
test_dkls_blame_whole_evidence(void **state)
{
    (void)state;
#ifndef MPC_FAULT_INJECTION
    skip();
#else
    keygen("ev-kg", "ev");
    restart_node(2, "MPC_NODE_TEST_CHEAT_KOS", "2"); /* node-3: sk + 1 into its RVOLE */
    Mpc__Request r;
    Mpc__SignRequest s;
    dc_results res;
    uint8_t digest[32];
    randombytes_buf(digest, sizeof digest);
    mpc__request__init(&r);
    mpc__sign_request__init(&s);
    r.request_id = "ev-sg";
    r.body_case = MPC__REQUEST__BODY_SIGN;
    r.sign = &s;
    s.wallet_id = "ev";
    s.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    s.message.data = digest;
    s.message.len = 32;
    s.signers = g_123;
    s.n_signers = 3;
    assert_int_equal(dc_request(&g_c, &r, NULL, 3, WAIT_MS, &res, NULL), MPC_OK);
    const Mpc__Result *x = from_node(&res, "node-1");
    assert_non_null(x);
    fprintf(stderr, "node-1: %s culprit %s, %zu envelopes in the Result, whole %llu bytes\n",
            x->status_name, x->failed_peer, x->n_evidence, (unsigned long long)x->evidence_size);
    assert_int_not_equal(x->status_code, MPC_OK);
    assert_string_equal(x->failed_peer, "node-3");
    assert_int_equal(x->evidence_digest.len, NODE_CLIENT_EVIDENCE_DIGEST);
    size_t in_result = 0;
    for (size_t i = 0; i < x->n_evidence; i++) {
        in_result += x->evidence[i].len;
    }
    assert_true(in_result <= NODE_CLIENT_EVIDENCE_MAX);
    assert_true(x->evidence_size > NODE_CLIENT_EVIDENCE_MAX); /* more than a Result holds */
    assert_true(dc_metric_until(g_c.http_port[0], "mpc_evidence_stored_total ", 1, WAIT_MS) >= 1);

    /* node-1 restarted serving 10 000-byte chunks: the fetch takes six round trips;
     * what it kept survived the restart */
    restart_node(0, "MPC_NODE_TEST_EVIDENCE_CHUNK", "10000");
    struct cli_nats_opts o;
    cli_opts(&o);
    uint8_t *packed = NULL;
    size_t len = 0, n = 0, largest = 0;
    const char *why = NULL;
    assert_int_equal(cli_evidence_fetch_whole(&o, x, &packed, &len, &why), 0);
    assert_int_equal(len, x->evidence_size);
    assert_true(check_envelopes(packed, len, &n, &largest) >= 2);
    fprintf(stderr, "fetched %zu bytes, %zu envelopes, largest %zu\n", len, n, largest);
    assert_true(largest > 40000); /* node-3's round-2 RVOLE message */
    assert_true(dc_metric(g_c.http_port[0], "mpc_evidence_chunks_served_total ") >=
                (long long)(len + 9999) / 10000); /* it came in chunks */
    free(packed);

    /* a Result whose digest is not that of the node's copy: refused */
    Mpc__Result bad = *x;
    uint8_t d[NODE_CLIENT_EVIDENCE_DIGEST];
    memcpy(d, x->evidence_digest.data, sizeof d);
    d[0] ^= 1;
    bad.evidence_digest.data = d;
    assert_int_equal(cli_evidence_fetch_whole(&o, &bad, &packed, &len, &why), -1);
    assert_null(packed);
    fprintf(stderr, "altered digest: %s\n", why);

    /* the command itself (a child process: it ends nats.c's globals as it exits) */
    char *peers = node_fixture_path(g_c.dir, "peers.txt");
    char *out = node_fixture_path(g_c.dir, "evidence.txt");
    char cli[600], cmd[2048];
    snprintf(cli, sizeof cli, "%s", g_c.bin);
    char *slash = strrchr(cli, '/');
    assert_non_null(slash);
    snprintf(slash + 1, sizeof cli - (size_t)(slash + 1 - cli), "mpc-cli");
    snprintf(cmd, sizeof cmd,
             "'%s' evidence --peers '%s' --nats '%s' --user client --client-id itest --timeout 10 "
             "ev-sg > '%s' 2>&1",
             cli, peers, o.url, out);
    int rc = system(cmd);
    snprintf(cmd, sizeof cmd, "cat '%s' >&2", out);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(rc, 0);
    snprintf(cmd, sizeof cmd, "grep -q 'whole evidence: %llu bytes from node node-1' '%s'",
             (unsigned long long)x->evidence_size, out);
    assert_int_equal(system(cmd), 0);
    free(peers);
    free(out);
    dc_results_clear(&res);
    restart_node(2, NULL, NULL);
#endif
}

static int
group_setup(void **state)
{
    (void)state;
    return dc_start_ready(&g_c, 3, g_argv0, 60000) != MPC_OK ? -1 : 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    dc_destroy(&g_c);
    return 0;
}

int
main(int argc, char **argv)
{
    (void)argc;
    g_argv0 = argv[0];
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkls_blame_whole_evidence),
    };
    int failed = cmocka_run_group_tests(tests, group_setup, group_teardown);
    (void)transport_nats_global_shutdown(5000);
    return failed;
}

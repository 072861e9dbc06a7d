/*
 * test_keystate_node.c — the gate and the findings table of the key-state
 * exchange (node/keystate_node.c): a DIVERGED key is refused
 * (MPC_ERR_KEY_DIVERGED), a key whose peers state a newer version is refused
 * (MPC_ERR_KEY_ROLLED_BACK), a version marked lost is refused
 * (MPC_ERR_KEY_SHARE_LOST); findings that only show (peer older, peer
 * missing) refuse nothing; a round without findings clears them; the status
 * snapshot and the counters show them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "node/daemon_internal.h"
#include "node/keystate.h"
#include "node/store/catchup.h"
#include "tests/support/node_fixture.h"

#define PASS "keystate passphrase"

struct fx {
    char *dir;            /* temp dir */
    char *path;           /* store file */
    struct node_daemon d; /* only store and keystate are set */
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = node_fixture_tmpdir_create();
    f->path = node_fixture_path(f->dir, "store.mdb");
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 16u << 20, .flags = NODE_STORE_CREATE};
    assert_int_equal(node_store_open(f->path, PASS, strlen(PASS), &o, &f->d.store, NULL, 0),
                     MPC_OK);
    assert_int_equal(node_keystate_create(&f->d), MPC_OK);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_keystate_stop(&f->d);
    assert_null(f->d.keystate);
    node_store_close(f->d.store);
    node_fixture_tmpdir_remove(f->dir);
    free(f->path);
    free(f);
    return 0;
}

static struct node_keystate_finding
finding(int kind, const char *wallet)
{
    struct node_keystate_finding x;
    memset(&x, 0, sizeof x);
    x.kind = (uint8_t)kind;
    x.key_type = NODE_STORE_KEY_ED25519;
    snprintf(x.wallet, sizeof x.wallet, "%s", wallet);
    x.my_version = 1;
    x.peer_version = kind == NODE_KEYSTATE_PEER_NEWER ? 2 : 1;
    x.field = kind == NODE_KEYSTATE_DIVERGED ? "threshold" : NULL;
    return x;
}

static mpc_status
gate(struct fx *f, const char *wallet)
{
    return node_keystate_gate(&f->d, NODE_STORE_KEY_ED25519, wallet, 1);
}

static void
test_keystate_gate_refuses_diverged_and_rolled_back_keys(void **state)
{
    struct fx *f = *state;
    struct node_keystate_finding x[4] = {finding(NODE_KEYSTATE_DIVERGED, "w-div"),
                                         finding(NODE_KEYSTATE_PEER_NEWER, "w-old"),
                                         finding(NODE_KEYSTATE_PEER_OLDER, "w-ahead"),
                                         finding(NODE_KEYSTATE_PEER_MISSING, "w-miss")};
    assert_int_equal(gate(f, "w-div"), MPC_OK);
    node_keystate_note(&f->d, "node-2", x, 4);
    assert_int_equal(gate(f, "w-div"), MPC_ERR_KEY_DIVERGED);
    assert_int_equal(gate(f, "w-old"), MPC_ERR_KEY_ROLLED_BACK);
    /* once this node is at the peer's version the finding is stale: no refusal */
    assert_int_equal(node_keystate_gate(&f->d, NODE_STORE_KEY_ED25519, "w-old", 2), MPC_OK);
    assert_int_equal(gate(f, "w-ahead"), MPC_OK);
    assert_int_equal(gate(f, "w-miss"), MPC_OK);
    assert_int_equal(node_keystate_gate(&f->d, NODE_STORE_KEY_SECP256K1, "w-div", 1), MPC_OK);
    /* another peer's round does not clear node-2's findings */
    node_keystate_note(&f->d, "node-3", NULL, 0);
    assert_int_equal(gate(f, "w-div"), MPC_ERR_KEY_DIVERGED);
    struct node_keystate_stats st;
    node_keystate_stats(&f->d, &st);
    assert_int_equal(st.findings, 4);
    assert_int_equal(st.diverged, 1);
    assert_int_equal(st.rolled_back, 1);
    assert_int_equal(st.findings_total, 4);
    /* the same findings again are not new */
    node_keystate_note(&f->d, "node-2", x, 4);
    node_keystate_stats(&f->d, &st);
    assert_int_equal(st.findings_total, 4);
    /* node-2 agrees again: resolved */
    node_keystate_note(&f->d, "node-2", NULL, 0);
    assert_int_equal(gate(f, "w-div"), MPC_OK);
    assert_int_equal(gate(f, "w-old"), MPC_OK);
    node_keystate_stats(&f->d, &st);
    assert_int_equal(st.findings, 0);
}

static void
test_keystate_gate_refuses_a_lost_share(void **state)
{
    struct fx *f = *state;
    char name[NODE_STORE_NAME_MAX + 1];
    assert_int_equal(node_store_name_lost(name, sizeof name, NODE_STORE_KEY_ED25519, "w-l", 1),
                     MPC_OK);
    assert_string_equal(name, "lost/ed25519/w-l/v1");
    assert_int_equal(gate(f, "w-l"), MPC_OK);
    assert_int_equal(node_store_put(f->d.store, name, (const uint8_t *)"t", 1), MPC_OK);
    assert_int_equal(gate(f, "w-l"), MPC_ERR_KEY_SHARE_LOST);
    assert_int_equal(node_keystate_gate(&f->d, NODE_STORE_KEY_ED25519, "w-l", 2), MPC_OK);
}

static void
test_keystate_snapshot_lists_findings(void **state)
{
    struct fx *f = *state;
    struct node_keystate_finding x = finding(NODE_KEYSTATE_DIVERGED, "w-div");
    node_keystate_note(&f->d, "node-2", &x, 1);
    char *json = strdup("{\"node\":{}}");
    node_keystate_snapshot_add(&f->d, &json);
    json_t *doc = json_loads(json, 0, NULL);
    json_t *ks = json_object_get(doc, "keystate");
    assert_non_null(ks);
    json_t *list = json_object_get(ks, "findings");
    assert_int_equal(json_array_size(list), 1);
    json_t *e = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(e, "kind")), "diverged");
    assert_string_equal(json_string_value(json_object_get(e, "peer")), "node-2");
    assert_string_equal(json_string_value(json_object_get(e, "field")), "threshold");
    assert_string_equal(json_string_value(json_object_get(e, "wallet")), "w-div");
    json_decref(doc);
    free(json);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keystate_gate_refuses_diverged_and_rolled_back_keys,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystate_gate_refuses_a_lost_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystate_snapshot_lists_findings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

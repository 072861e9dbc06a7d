/*
 * test_presign_order.c — node/presign_order.c: the signed presign order.
 * An order made by the coordinator of a configured set opens at a member;
 * each refusal has its own status: malformed, forged or unsigned, expired,
 * from a node that does not coordinate the set (or a set not configured),
 * for a retired version, for a set that does not fit the key, replayed.
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

#include "common/secmem.h"
#include "node/presign_order.h"
#include "node/store/keys.h"
#include "tests/support/node_fixture.h"

#define PASS "presign order test passphrase"
#define NOW  1700000000000ull

struct fx {
    char *dir;                         /* temp dir */
    node_store *store;                 /* member node-2's store */
    node_store_identity *id[3];        /* node-1, node-2, node-3 */
    node_config_peers *peers;          /* all three */
    struct node_config_presign cfg;    /* sets: {node-1,node-2}, {node-2,node-3} */
    struct node_presign_replay replay; /* node-2's */
    uint32_t threshold;                /* out of open */
    struct node_presign_view view;     /* node-2's view */
};

static void
set_cfg(struct node_config_presign *c)
{
    memset(c, 0, sizeof *c);
    c->pool_size = 4;
    c->max_per_second = 4;
    c->n_sets = 2;
    c->set_len[0] = c->set_len[1] = 2;
    strcpy(c->ids[0][0], "node-1");
    strcpy(c->ids[0][1], "node-2");
    strcpy(c->ids[1][0], "node-2");
    strcpy(c->ids[1][1], "node-3");
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->dir = node_fixture_tmpdir_create();
    char *sp = node_fixture_path(f->dir, "s.mdb");
    char err[256];
    struct node_store_options o = {
        .kdf = NODE_STORE_KDF_TEST_MIN, .map_size = 0, .flags = NODE_STORE_CREATE};
    assert_int_equal(node_store_open(sp, PASS, strlen(PASS), &o, &f->store, err, sizeof err),
                     MPC_OK);
    free(sp);
    char text[1024] = "peers:\n";
    for (int i = 0; i < 3; i++) {
        uint8_t seed[32];
        memset(seed, 0x40 + i, sizeof seed);
        assert_int_equal(node_store_identity_from_seed(seed, &f->id[i]), MPC_OK);
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, node_store_identity_public_key(f->id[i]), 32);
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "  - {id: node-%d, public_key: %s}\n", i + 1, hex);
    }
    char *pp = node_fixture_path(f->dir, "peers.yaml");
    assert_int_equal(node_fixture_write(pp, text, 0600), 0);
    assert_int_equal(node_config_peers_load(pp, &f->peers, err, sizeof err), MPC_OK);
    free(pp);
    /* The key: 2-of-3, version 1 active (a share's bytes are never read here). */
    const char *committee[] = {"node-1", "node-2", "node-3"};
    struct node_store_committee c = {2, committee, 3};
    uint8_t pk[33] = {0x02, 1}, share[8] = {1};
    assert_int_equal(node_store_keys_create(f->store, NODE_STORE_KEY_SECP256K1, "w1", pk, 33, 1, &c,
                                            share, sizeof share),
                     MPC_OK);
    set_cfg(&f->cfg);
    node_presign_replay_init(&f->replay);
    f->view = (struct node_presign_view){f->peers, &f->cfg,    "node-2",     NOW,
                                         f->store, &f->replay, &f->threshold};
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    node_presign_replay_fini(&f->replay);
    node_store_close(f->store);
    for (int i = 0; i < 3; i++) {
        node_store_identity_destroy(f->id[i]);
    }
    node_config_peers_destroy(f->peers);
    node_fixture_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

/* The order node-1 sends for set {node-1, node-2}, version 1. */
static struct node_presign_order
order(uint8_t nonce_byte)
{
    struct node_presign_order o;
    memset(&o, 0, sizeof o);
    o.format = NODE_PRESIGN_ORDER_FORMAT;
    o.key_type = NODE_STORE_KEY_SECP256K1;
    strcpy(o.wallet, "w1");
    o.version = 1;
    o.n = 2;
    strcpy(o.ids[0], "node-1");
    strcpy(o.ids[1], "node-2");
    strcpy(o.from, "node-1");
    memset(o.nonce, nonce_byte, sizeof o.nonce);
    o.expiry_ms = NOW + NODE_PRESIGN_ORDER_TTL_MS;
    return o;
}

static size_t
encode(const node_store_identity *id, const struct node_presign_order *o, uint8_t *buf)
{
    size_t len = 0;
    assert_int_equal(node_presign_order_encode(id, o, buf, NODE_PRESIGN_ORDER_MAX, &len), MPC_OK);
    return len;
}

static mpc_status
open_bytes(struct fx *f, const uint8_t *buf, size_t len)
{
    struct node_presign_order got;
    return node_presign_order_open(&got, buf, len, &f->view);
}

static void
test_presign_order_roundtrip_and_sid(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX], sid[16], sid2[16];
    struct node_presign_order o = order(1), got;
    size_t len = encode(f->id[0], &o, buf);
    assert_int_equal(node_presign_order_open(&got, buf, len, &f->view), MPC_OK);
    assert_string_equal(got.wallet, "w1");
    assert_int_equal(got.version, 1);
    assert_int_equal(got.n, 2);
    assert_string_equal(got.ids[1], "node-2");
    assert_int_equal(got.expiry_ms, o.expiry_ms);
    assert_memory_equal(got.nonce, o.nonce, sizeof o.nonce);
    assert_int_equal(f->threshold, 2);
    assert_int_equal(got.format, NODE_PRESIGN_ORDER_FORMAT);
    assert_int_equal(got.n_inv, 0);
    /* The coordinator's inventory travels with the order, under its signature. */
    o = order(3);
    o.n_inv = NODE_PRESIGN_INV_MAX;
    for (uint32_t i = 0; i < o.n_inv; i++) {
        memset(o.inv[i], (int)(i & 0xff), 32);
        o.inv[i][0] = (uint8_t)(i >> 8);
    }
    len = encode(f->id[0], &o, buf);
    assert_int_equal(node_presign_order_open(&got, buf, len, &f->view), MPC_OK);
    assert_int_equal(got.n_inv, NODE_PRESIGN_INV_MAX);
    assert_memory_equal(got.inv, o.inv, sizeof o.inv);
    buf[len - 64 - 24 - 32] ^= 1; /* a bit of the last inventory id */
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SIGNATURE);
    o = order(1);
    len = encode(f->id[0], &o, buf);
    /* Same order, same sid; another nonce, another sid. */
    assert_int_equal(node_presign_order_sid(buf, len, sid), MPC_OK);
    assert_int_equal(node_presign_order_sid(buf, len, sid2), MPC_OK);
    assert_memory_equal(sid, sid2, 16);
    o = order(2);
    len = encode(f->id[0], &o, buf);
    assert_int_equal(node_presign_order_sid(buf, len, sid2), MPC_OK);
    assert_memory_not_equal(sid, sid2, 16);
    assert_int_equal(node_presign_order_sid(NULL, len, sid2), MPC_ERR_INVALID_ARG);
}

static void
test_presign_order_malformed(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX];
    struct node_presign_order o = order(1);
    size_t len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, 10), MPC_ERR_PRESIG_ORDER_MALFORMED);
    assert_int_equal(open_bytes(f, buf, len - 1), MPC_ERR_PRESIG_ORDER_MALFORMED);
    buf[0] = 9; /* format */
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_MALFORMED);
    /* Ids out of order are refused at encode and at decode. */
    o = order(1);
    strcpy(o.ids[0], "node-2");
    strcpy(o.ids[1], "node-1");
    size_t l2 = 0;
    assert_int_equal(node_presign_order_encode(f->id[0], &o, buf, sizeof buf, &l2),
                     MPC_ERR_INVALID_ARG);
    assert_int_equal(node_presign_order_open(NULL, buf, len, &f->view), MPC_ERR_INVALID_ARG);
}

static void
test_presign_order_forged_or_unsigned(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX];
    struct node_presign_order o = order(1);
    size_t len = encode(f->id[2], &o, buf); /* node-3 signs an order "from node-1" */
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SIGNATURE);
    len = encode(f->id[0], &o, buf);
    memset(buf + len - 64, 0, 64); /* no signature */
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SIGNATURE);
    len = encode(f->id[0], &o, buf);
    buf[len - 70] ^= 1; /* an expiry bit after signing */
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SIGNATURE);
    strcpy(o.from, "node-9"); /* not a peer */
    len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SIGNATURE);
}

static void
test_presign_order_expired(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX];
    struct node_presign_order o = order(1);
    o.expiry_ms = NOW - 1;
    size_t len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_EXPIRED);
    o.expiry_ms = NOW + 3ull * NODE_PRESIGN_ORDER_TTL_MS;
    len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_EXPIRED);
}

static void
test_presign_order_not_coordinator(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX];
    /* node-3 orders set {node-2, node-3}: configured, but node-2 coordinates it. */
    struct node_presign_order o = order(1);
    strcpy(o.ids[0], "node-2");
    strcpy(o.ids[1], "node-3");
    strcpy(o.from, "node-3");
    size_t len = encode(f->id[2], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SENDER);
    /* node-1 orders {node-1, node-3}: not configured here (and node-2 not in it). */
    o = order(1);
    strcpy(o.ids[1], "node-3");
    len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SENDER);
    /* With no set configured every order is refused. */
    f->cfg.n_sets = 0;
    o = order(1);
    len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SENDER);
}

static void
test_presign_order_retired_version_and_set(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX];
    struct node_presign_order o = order(1);
    o.version = 2; /* not the active version here */
    size_t len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_VERSION);
    o = order(1);
    strcpy(o.wallet, "w-unknown");
    len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_VERSION);
    /* A configured set of three for a 2-of-3 key does not fit it. */
    f->cfg.set_len[0] = 3;
    strcpy(f->cfg.ids[0][2], "node-3");
    o = order(1);
    o.n = 3;
    strcpy(o.ids[2], "node-3");
    len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_SET_COMMITTEE);
}

static void
test_presign_order_replayed(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX];
    struct node_presign_order o = order(7);
    size_t len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_OK);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_REPLAY);
    /* Another nonce is accepted; an expired entry's slot is reused. */
    o = order(8);
    len = encode(f->id[0], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_OK);
    /* A cache full of live orders fails closed. */
    struct node_presign_replay *r = &f->replay;
    for (uint32_t i = 0; i < NODE_PRESIGN_REPLAY_SLOTS - 2; i++) {
        struct node_presign_order x = order(0);
        memcpy(x.nonce, &i, sizeof i);
        x.nonce[15] = 0xee;
        assert_int_equal(node_presign_replay_add(r, &x, NOW), MPC_OK);
    }
    o = order(9);
    assert_int_equal(node_presign_replay_add(r, &o, NOW), MPC_ERR_PRESIG_ORDER_REPLAY);
    assert_int_equal(node_presign_replay_add(r, &o, o.expiry_ms + 1), MPC_OK); /* all expired */
    assert_int_equal(node_presign_replay_add(NULL, &o, NOW), MPC_ERR_INVALID_ARG);
}

/* A member's missing report opens only at the coordinator of its set. */
static void
test_presign_missing_report(void **state)
{
    struct fx *f = *state;
    uint8_t buf[NODE_PRESIGN_ORDER_MAX];
    struct node_presign_order o = order(4), got;
    o.format = NODE_PRESIGN_MISSING_FORMAT;
    strcpy(o.from, "node-2");
    o.n_inv = 1;
    memset(o.inv[0], 0xab, 32);
    size_t len = encode(f->id[1], &o, buf);
    /* node-2 (this view) is not the coordinator of {node-1, node-2}. */
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SENDER);
    f->view.self = "node-1";
    assert_int_equal(node_presign_order_open(&got, buf, len, &f->view), MPC_OK);
    assert_int_equal(got.format, NODE_PRESIGN_MISSING_FORMAT);
    assert_int_equal(got.n_inv, 1);
    assert_int_equal(got.inv[0][31], 0xab);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_REPLAY);
    /* From node-3, not in the set: refused (signed by node-3 itself). */
    o = order(5);
    o.format = NODE_PRESIGN_MISSING_FORMAT;
    strcpy(o.from, "node-3");
    len = encode(f->id[2], &o, buf);
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_SENDER);
    /* An unknown format is malformed. */
    o = order(6);
    len = encode(f->id[0], &o, buf);
    buf[0] = 3;
    assert_int_equal(open_bytes(f, buf, len), MPC_ERR_PRESIG_ORDER_MALFORMED);
}

static void
test_presign_set_fits(void **state)
{
    (void)state;
    struct node_store_keyinfo_version v;
    memset(&v, 0, sizeof v);
    v.version = 1;
    v.threshold = 2;
    v.n_participants = 2;
    strcpy(v.participants[0], "a");
    strcpy(v.participants[1], "b");
    char ids[2][NODE_ID_MAX + 1] = {"a", "b"};
    assert_int_equal(node_presign_set_fits(&v, (const char(*)[NODE_ID_MAX + 1]) ids, 2), MPC_OK);
    assert_int_equal(node_presign_set_fits(&v, (const char(*)[NODE_ID_MAX + 1]) ids, 1),
                     MPC_ERR_PRESIG_SET_COMMITTEE);
    strcpy(ids[1], "c");
    assert_int_equal(node_presign_set_fits(&v, (const char(*)[NODE_ID_MAX + 1]) ids, 2),
                     MPC_ERR_PRESIG_SET_COMMITTEE);
    assert_int_equal(node_presign_set_fits(NULL, (const char(*)[NODE_ID_MAX + 1]) ids, 2),
                     MPC_ERR_PRESIG_SET_COMMITTEE);
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_presign_order_roundtrip_and_sid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presign_order_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presign_order_forged_or_unsigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presign_order_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presign_order_not_coordinator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presign_order_retired_version_and_set, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_presign_order_replayed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_presign_missing_report, setup, teardown),
        cmocka_unit_test(test_presign_set_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

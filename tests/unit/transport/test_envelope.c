/*
 * test_envelope.c — envelope seal/open (issue 3 item 6).
 *
 * Independent checks use libsodium directly (crypto_sign_verify_detached,
 * crypto_box_open_easy with keys converted here) and protobuf-c directly, so
 * a broken seal cannot be confirmed by the same code's open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/secmem.h"
#include "proto/envelope.pb-c.h"
#include "tests/support/transport_testkit.h"
#include "transport/envelope.h"

typedef struct {
    uint8_t seed[3][32];             /* A, B, C seeds */
    transport_identity *id[3];       /* A, B, C */
    transport_peer_table *pt[3];     /* each knows the other two */
    uint8_t sid[TRANSPORT_SID_LEN];  /* session id */
    uint8_t sid2[TRANSPORT_SID_LEN]; /* another session */
} fx;

static const char *names[3] = {"A", "B", "C"};
static uint64_t g_seed;

static int
setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return -1;
    }
    uint8_t pk[3][32];
    uint8_t s32[randombytes_SEEDBYTES] = {0};
    memcpy(s32, &g_seed, sizeof g_seed); /* keys follow the printed seed */
    randombytes_buf_deterministic(f->seed, sizeof f->seed, s32);
    for (int i = 0; i < 3; i++) {
        if (transport_identity_create(names[i], f->seed[i], &f->id[i]) != MPC_OK ||
            transport_peer_table_create(f->id[i], &f->pt[i]) != MPC_OK) {
            return -1;
        }
        transport_identity_public_key(f->id[i], pk[i]);
    }
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            if (i != j && transport_peer_table_add(f->pt[i], names[j], pk[j]) != MPC_OK) {
                return -1;
            }
        }
    }
    memset(f->sid, 0x5a, sizeof f->sid);
    memset(f->sid2, 0x5b, sizeof f->sid2);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 3; i++) {
        transport_peer_table_destroy(f->pt[i]);
        transport_identity_destroy(f->id[i]);
    }
    sodium_memzero(f, sizeof *f);
    free(f);
    return 0;
}

static const uint8_t plain[] = "the quick brown fox jumps over the lazy dog, round two share";

/* Seals from node `from` (index) with kind; to = index or -1. */
static void
seal(fx *f, int from, int to, transport_envelope_kind kind, uint8_t **out, size_t *len)
{
    transport_envelope_in in = {.sid = f->sid,
                                .to = to >= 0 ? names[to] : NULL,
                                .round = 2,
                                .seq = 7,
                                .kind = kind,
                                .payload = plain,
                                .payload_len = sizeof plain};
    assert_int_equal(transport_envelope_seal(f->pt[from], &in, out, len), MPC_OK);
}

static mpc_status
open_at(fx *f, int at, const uint8_t *data, size_t len, transport_envelope_counters *c,
        transport_envelope_opened *o)
{
    transport_envelope_open_opts opts = {.expected_sid = f->sid, .counters = c};
    return transport_envelope_open(f->pt[at], &opts, data, len, o);
}

/* The incarnation travels signed: opened as sealed, and changing it breaks the signature. */
static void
test_envelope_incarnation_signed(void **state)
{
    fx *f = *state;
    transport_envelope_in in = {.sid = f->sid,
                                .round = 0,
                                .seq = 0,
                                .incarnation = 0x0123456789abcdefULL,
                                .kind = TRANSPORT_ENVELOPE_READY};
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(transport_envelope_seal(f->pt[0], &in, &buf, &len), MPC_OK);
    transport_envelope_opened o;
    assert_int_equal(open_at(f, 1, buf, len, NULL, &o), MPC_OK);
    assert_true(o.incarnation == 0x0123456789abcdefULL);
    assert_int_equal(o.kind, TRANSPORT_ENVELOPE_READY);
    transport_envelope_opened_clear(&o);
    /* Independent decode: field 11 carries it; re-encode with another value. */
    Mpc__Envelope *e = mpc__envelope__unpack(NULL, len, buf);
    assert_non_null(e);
    assert_true(e->incarnation == 0x0123456789abcdefULL);
    e->incarnation = 0x0123456789abcdeeULL;
    size_t n = mpc__envelope__get_packed_size(e);
    uint8_t *forged = malloc(n);
    assert_non_null(forged);
    mpc__envelope__pack(e, forged);
    assert_int_equal(open_at(f, 1, forged, n, NULL, &o), MPC_ERR_MSG_BAD_SIGNATURE);
    free(forged);
    mpc__envelope__free_unpacked(e, NULL);
    free(buf);
}

static void
test_envelope_broadcast_roundtrip(void **state)
{
    fx *f = *state;
    uint8_t *buf = NULL;
    size_t len = 0;
    transport_envelope_opened o;
    transport_envelope_counters c = {0};
    seal(f, 0, -1, TRANSPORT_ENVELOPE_BROADCAST, &buf, &len);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_OK);
    assert_string_equal(o.from, "A");
    assert_int_equal(o.round, 2);
    assert_int_equal(o.seq, 7);
    assert_int_equal(o.kind, TRANSPORT_ENVELOPE_BROADCAST);
    assert_int_equal(o.payload_len, sizeof plain);
    assert_memory_equal(o.payload, plain, sizeof plain);
    assert_memory_equal(o.sid, f->sid, TRANSPORT_SID_LEN);
    assert_true(o.sent_at_ms > 0);
    assert_int_equal(c.opened, 1);
    transport_envelope_opened_clear(&o);
    assert_null(o.payload);
    /* Independent verification: protobuf-c decode + libsodium over domain || unsigned encoding. */
    Mpc__Envelope *e = mpc__envelope__unpack(NULL, len, buf);
    assert_non_null(e);
    assert_int_equal(e->version, 1);
    assert_int_equal(e->signature.len, 64);
    uint8_t sig[64];
    memcpy(sig, e->signature.data, 64);
    e->signature.len = 0;
    size_t n = mpc__envelope__get_packed_size(e);
    uint8_t *tbs = malloc(21 + n);
    assert_non_null(tbs);
    memcpy(tbs, "mpc-node/envelope/v1", 21); /* with its NUL */
    mpc__envelope__pack(e, tbs + 21);
    uint8_t pk[32];
    transport_identity_public_key(f->id[0], pk);
    assert_int_equal(crypto_sign_verify_detached(sig, tbs, 21 + n, pk), 0);
    uint8_t pk2[32], sk2[64];
    crypto_sign_seed_keypair(pk2, sk2, f->seed[0]);
    assert_memory_equal(pk, pk2, 32);
    sodium_memzero(sk2, sizeof sk2);
    free(tbs);
    mpc__envelope__free_unpacked(e, NULL);
    free(buf);
}

static void
test_envelope_direct_roundtrip_and_secrecy(void **state)
{
    fx *f = *state;
    uint8_t *buf = NULL;
    size_t len = 0;
    transport_envelope_opened o;
    seal(f, 0, 1, TRANSPORT_ENVELOPE_DIRECT, &buf, &len);
    /* The ciphertext does not contain the plaintext, nor any 8-byte piece of it. */
    for (size_t i = 0; i + 8 <= sizeof plain; i++) {
        assert_null(memmem(buf, len, plain + i, 8));
    }
    assert_int_equal(open_at(f, 1, buf, len, NULL, &o), MPC_OK);
    assert_int_equal(o.kind, TRANSPORT_ENVELOPE_DIRECT);
    assert_memory_equal(o.payload, plain, sizeof plain);
    transport_envelope_opened_clear(&o);
    /* Independent decryption with libsodium: B's X25519 secret, A's X25519 public key. */
    Mpc__Envelope *e = mpc__envelope__unpack(NULL, len, buf);
    assert_non_null(e);
    assert_string_equal(e->to, "B");
    assert_int_equal(e->payload.len, 24 + 16 + sizeof plain);
    uint8_t a_pk[32], a_xpk[32], b_pk[32], b_sk[64], b_xsk[32], out[sizeof plain];
    transport_identity_public_key(f->id[0], a_pk);
    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(a_xpk, a_pk), 0);
    crypto_sign_seed_keypair(b_pk, b_sk, f->seed[1]);
    assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(b_xsk, b_sk), 0);
    assert_int_equal(crypto_box_open_easy(out, e->payload.data + 24, e->payload.len - 24,
                                          e->payload.data, a_xpk, b_xsk),
                     0);
    assert_memory_equal(out, plain, sizeof plain);
    sodium_memzero(b_sk, sizeof b_sk);
    sodium_memzero(b_xsk, sizeof b_xsk);
    mpc__envelope__free_unpacked(e, NULL);
    /* Two seals of the same payload use different nonces. */
    uint8_t *buf2 = NULL;
    size_t len2 = 0;
    seal(f, 0, 1, TRANSPORT_ENVELOPE_DIRECT, &buf2, &len2);
    assert_true(len2 != len || memcmp(buf, buf2, len) != 0);
    free(buf2);
    free(buf);
}

/* Every single-byte modification (three masks per position) is rejected. */
static void
tamper_all(fx *f, int to, transport_envelope_kind kind)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    seal(f, 0, to, kind, &buf, &len);
    transport_envelope_counters c = {0};
    size_t tried = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            transport_envelope_opened o;
            buf[i] ^= masks[m];
            mpc_status st = open_at(f, 1, buf, len, &c, &o);
            buf[i] ^= masks[m];
            if (st == MPC_OK) {
                fail_msg("modification at byte %zu mask 0x%02x accepted", i, masks[m]);
            }
            assert_null(o.payload);
            tried++;
        }
    }
    assert_int_equal(c.opened, 0);
    uint64_t total = c.malformed + c.version + c.unknown_sender + c.bad_signature + c.kind +
                     c.wrong_recipient + c.wrong_session + c.decrypt + c.too_large;
    assert_int_equal(total, tried);
    assert_true(c.bad_signature > 0);
    transport_envelope_opened o;
    assert_int_equal(open_at(f, 1, buf, len, NULL, &o), MPC_OK); /* the original still opens */
    transport_envelope_opened_clear(&o);
    free(buf);
}

static void
test_envelope_every_byte_modification_rejected(void **state)
{
    tamper_all(*state, 1, TRANSPORT_ENVELOPE_DIRECT);
    tamper_all(*state, -1, TRANSPORT_ENVELOPE_BROADCAST);
}

static void
test_envelope_truncated_rejected(void **state)
{
    fx *f = *state;
    uint8_t *buf = NULL;
    size_t len = 0;
    transport_envelope_opened o;
    seal(f, 0, 1, TRANSPORT_ENVELOPE_DIRECT, &buf, &len);
    for (size_t n = 0; n < len; n++) {
        assert_int_not_equal(open_at(f, 1, buf, n, NULL, &o), MPC_OK);
    }
    assert_int_equal(open_at(f, 1, buf, len - 1, NULL, &o), MPC_ERR_MSG_MALFORMED);
    assert_int_equal(open_at(f, 1, buf, 0, NULL, &o), MPC_ERR_MSG_MALFORMED);
    free(buf);
}

static void
test_envelope_oversized_rejected(void **state)
{
    fx *f = *state;
    uint8_t *buf = NULL;
    size_t len = 0;
    transport_envelope_opened o;
    transport_envelope_counters c = {0};
    seal(f, 0, -1, TRANSPORT_ENVELOPE_BROADCAST, &buf, &len);
    transport_envelope_open_opts opts = {
        .expected_sid = f->sid, .max_size = len - 1, .counters = &c};
    assert_int_equal(transport_envelope_open(f->pt[1], &opts, buf, len, &o), MPC_ERR_MSG_TOO_LARGE);
    opts.max_size = len;
    assert_int_equal(transport_envelope_open(f->pt[1], &opts, buf, len, &o), MPC_OK);
    transport_envelope_opened_clear(&o);
    size_t big_len = TRANSPORT_ENVELOPE_MAX_SIZE + 1;
    uint8_t *big = calloc(1, big_len);
    assert_non_null(big);
    assert_int_equal(open_at(f, 1, big, big_len, &c, &o), MPC_ERR_MSG_TOO_LARGE);
    assert_int_equal(c.too_large, 2);
    free(big);
    free(buf);
}

static void
test_envelope_wrong_signer_rejected(void **state)
{
    fx *f = *state;
    /* C's key claiming to be A. */
    transport_identity *fake = NULL;
    transport_peer_table *fpt = NULL;
    uint8_t b_pk[32], *buf = NULL;
    size_t len = 0;
    transport_envelope_counters c = {0};
    transport_envelope_opened o;
    assert_int_equal(transport_identity_create("A", f->seed[2], &fake), MPC_OK);
    assert_int_equal(transport_peer_table_create(fake, &fpt), MPC_OK);
    transport_identity_public_key(f->id[1], b_pk);
    assert_int_equal(transport_peer_table_add(fpt, "B", b_pk), MPC_OK);
    transport_envelope_in in = {.sid = f->sid,
                                .kind = TRANSPORT_ENVELOPE_BROADCAST,
                                .payload = plain,
                                .payload_len = sizeof plain,
                                .round = 1};
    assert_int_equal(transport_envelope_seal(fpt, &in, &buf, &len), MPC_OK);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_BAD_SIGNATURE);
    assert_int_equal(c.bad_signature, 1);
    free(buf);
    transport_peer_table_destroy(fpt);
    transport_identity_destroy(fake);
}

static void
test_envelope_unknown_peer_rejected(void **state)
{
    fx *f = *state;
    transport_identity *d = NULL;
    transport_peer_table *dpt = NULL;
    uint8_t seed[32], b_pk[32], *buf = NULL;
    size_t len = 0;
    transport_envelope_counters c = {0};
    transport_envelope_opened o;
    memset(seed, 0xd0, sizeof seed);
    assert_int_equal(transport_identity_create("D", seed, &d), MPC_OK);
    assert_int_equal(transport_peer_table_create(d, &dpt), MPC_OK);
    transport_identity_public_key(f->id[1], b_pk);
    assert_int_equal(transport_peer_table_add(dpt, "B", b_pk), MPC_OK);
    transport_envelope_in in = {.sid = f->sid,
                                .to = "B",
                                .kind = TRANSPORT_ENVELOPE_DIRECT,
                                .payload = plain,
                                .payload_len = sizeof plain};
    assert_int_equal(transport_envelope_seal(dpt, &in, &buf, &len), MPC_OK);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_UNKNOWN_SENDER);
    assert_int_equal(c.unknown_sender, 1);
    free(buf);
    transport_peer_table_destroy(dpt);
    transport_identity_destroy(d);
}

static void
test_envelope_wrong_recipient_and_session(void **state)
{
    fx *f = *state;
    uint8_t *buf = NULL;
    size_t len = 0;
    transport_envelope_counters c = {0};
    transport_envelope_opened o;
    seal(f, 0, 2, TRANSPORT_ENVELOPE_DIRECT, &buf, &len); /* A -> C, opened by B */
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_WRONG_RECIPIENT);
    assert_int_equal(open_at(f, 2, buf, len, &c, &o), MPC_OK); /* C can */
    transport_envelope_opened_clear(&o);
    transport_envelope_open_opts opts = {.expected_sid = f->sid2, .counters = &c};
    assert_int_equal(transport_envelope_open(f->pt[2], &opts, buf, len, &o),
                     MPC_ERR_MSG_WRONG_SESSION);
    assert_int_equal(c.wrong_recipient, 1);
    assert_int_equal(c.wrong_session, 1);
    assert_int_equal(c.opened, 1);
    free(buf);
}

/* Signs a hand-built envelope with A's seed (libsodium directly). */
static void
forge(fx *f, Mpc__Envelope *e, uint8_t **out, size_t *len)
{
    uint8_t pk[32], sk[64], sig[64];
    crypto_sign_seed_keypair(pk, sk, f->seed[0]);
    e->signature.len = 0;
    size_t n = mpc__envelope__get_packed_size(e);
    uint8_t *tbs = malloc(21 + n);
    assert_non_null(tbs);
    memcpy(tbs, "mpc-node/envelope/v1", 21);
    mpc__envelope__pack(e, tbs + 21);
    crypto_sign_detached(sig, NULL, tbs, 21 + n, sk);
    sodium_memzero(sk, sizeof sk);
    free(tbs);
    e->signature.data = sig;
    e->signature.len = 64;
    *len = mpc__envelope__get_packed_size(e);
    *out = malloc(*len);
    assert_non_null(*out);
    mpc__envelope__pack(e, *out);
    e->signature.data = NULL;
    e->signature.len = 0;
}

static void
test_envelope_signed_but_invalid_fields(void **state)
{
    fx *f = *state;
    uint8_t *buf = NULL, junk[24 + 16 + 8];
    size_t len = 0;
    transport_envelope_counters c = {0};
    transport_envelope_opened o;
    Mpc__Envelope e = MPC__ENVELOPE__INIT;
    e.version = 2;
    e.sid.data = f->sid;
    e.sid.len = TRANSPORT_SID_LEN;
    e.from = "A";
    e.to = "";
    e.kind = MPC__ENVELOPE_KIND__ENVELOPE_KIND_BROADCAST;
    forge(f, &e, &buf, &len);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_VERSION);
    free(buf);
    e.version = 1;
    e.kind = (Mpc__EnvelopeKind)9;
    forge(f, &e, &buf, &len);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_KIND);
    free(buf);
    e.kind = MPC__ENVELOPE_KIND__ENVELOPE_KIND_BROADCAST;
    e.to = "B"; /* a broadcast must not name a recipient */
    forge(f, &e, &buf, &len);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_WRONG_RECIPIENT);
    free(buf);
    e.kind = MPC__ENVELOPE_KIND__ENVELOPE_KIND_DIRECT; /* validly signed garbage ciphertext */
    memset(junk, 0x33, sizeof junk);
    e.payload.data = junk;
    e.payload.len = sizeof junk;
    forge(f, &e, &buf, &len);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_DECRYPT);
    free(buf);
    e.payload.len = 10; /* shorter than nonce + MAC */
    forge(f, &e, &buf, &len);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_DECRYPT);
    free(buf);
    e.sid.len = 15;
    forge(f, &e, &buf, &len);
    assert_int_equal(open_at(f, 1, buf, len, &c, &o), MPC_ERR_MSG_MALFORMED);
    free(buf);
    assert_int_equal(c.version, 1);
    assert_int_equal(c.kind, 1);
    assert_int_equal(c.wrong_recipient, 1);
    assert_int_equal(c.decrypt, 2);
    assert_int_equal(c.malformed, 1);
    assert_int_equal(c.opened, 0);
}

static void
test_envelope_bad_args(void **state)
{
    fx *f = *state;
    uint8_t *buf = (uint8_t *)&buf;
    size_t len = 9;
    transport_envelope_opened o;
    transport_envelope_in in = {.sid = f->sid,
                                .kind = TRANSPORT_ENVELOPE_DIRECT,
                                .to = NULL,
                                .payload = plain,
                                .payload_len = sizeof plain};
    assert_int_equal(transport_envelope_seal(f->pt[0], &in, &buf, &len), MPC_ERR_INVALID_ARG);
    assert_null(buf);
    assert_int_equal(len, 0);
    in.to = "Z"; /* unknown peer */
    assert_int_equal(transport_envelope_seal(f->pt[0], &in, &buf, &len), MPC_ERR_NOT_FOUND);
    in.to = "bad id";
    assert_int_equal(transport_envelope_seal(f->pt[0], &in, &buf, &len), MPC_ERR_INVALID_ARG);
    in.kind = TRANSPORT_ENVELOPE_BROADCAST;
    in.to = "B"; /* broadcast with a recipient */
    assert_int_equal(transport_envelope_seal(f->pt[0], &in, &buf, &len), MPC_ERR_INVALID_ARG);
    in.to = NULL;
    in.kind = (transport_envelope_kind)0;
    assert_int_equal(transport_envelope_seal(f->pt[0], &in, &buf, &len), MPC_ERR_INVALID_ARG);
    in.kind = TRANSPORT_ENVELOPE_READY;
    in.sid = NULL;
    assert_int_equal(transport_envelope_seal(f->pt[0], &in, &buf, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_envelope_seal(NULL, &in, &buf, &len), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_envelope_seal(f->pt[0], NULL, &buf, &len), MPC_ERR_INVALID_ARG);
    transport_envelope_open_opts opts = {.expected_sid = NULL};
    assert_int_equal(transport_envelope_open(f->pt[1], &opts, plain, 3, &o), MPC_ERR_INVALID_ARG);
    opts.expected_sid = f->sid;
    assert_int_equal(transport_envelope_open(f->pt[1], &opts, NULL, 3, &o), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_envelope_open(f->pt[1], NULL, plain, 3, &o), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_envelope_open(NULL, &opts, plain, 3, &o), MPC_ERR_INVALID_ARG);
    assert_int_equal(transport_envelope_open(f->pt[1], &opts, plain, 3, NULL), MPC_ERR_INVALID_ARG);
    transport_envelope_opened_clear(NULL);
}

/* Ready/abort kinds travel in clear and open like broadcasts. */
static void
test_envelope_ready_and_abort_kinds(void **state)
{
    fx *f = *state;
    transport_envelope_kind kinds[2] = {TRANSPORT_ENVELOPE_READY, TRANSPORT_ENVELOPE_ABORT};
    for (int i = 0; i < 2; i++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        transport_envelope_opened o;
        seal(f, 2, -1, kinds[i], &buf, &len);
        assert_int_equal(open_at(f, 0, buf, len, NULL, &o), MPC_OK);
        assert_int_equal(o.kind, kinds[i]);
        assert_string_equal(o.from, "C");
        transport_envelope_opened_clear(&o);
        free(buf);
    }
}

int
main(void)
{
    if (mpc_crypto_init() != MPC_OK) {
        return 1;
    }
    g_seed = mpc_test_seed("test_envelope");
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_envelope_incarnation_signed),
        T(test_envelope_broadcast_roundtrip),
        T(test_envelope_direct_roundtrip_and_secrecy),
        T(test_envelope_every_byte_modification_rejected),
        T(test_envelope_truncated_rejected),
        T(test_envelope_oversized_rejected),
        T(test_envelope_wrong_signer_rejected),
        T(test_envelope_unknown_peer_rejected),
        T(test_envelope_wrong_recipient_and_session),
        T(test_envelope_signed_but_invalid_fields),
        T(test_envelope_bad_args),
        T(test_envelope_ready_and_abort_kinds),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fuzz_envelope.c — libFuzzer harness: transport_envelope_open (every
 * envelope a peer or anyone on the bus can publish to this node).
 *
 * Input byte 0 picks the mode:
 *   even: the remaining bytes are opened as received from the bus;
 *   odd:  they are decoded as an Envelope and re-signed with the peer's real
 *         identity key before opening, so the checks behind the signature
 *         (kind, recipient, session, decryption, payload) see arbitrary
 *         fields of a correctly signed envelope: a malicious peer.
 * Whatever opens must name the peer as sender and carry a bounded payload.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/envelope.pb-c.h"
#include "tests/fuzz/support/fuzz_support.h"
#include "transport/envelope.h"
#include "transport/peer_table.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fz_sid[TRANSPORT_SID_LEN] = {'f', 'u', 'z', 'z', '-', 'e', 'n', 'v'};
static transport_identity *fz_self_id, *fz_peer_id; /* n0 (receiver) and n1 (sender) */
static transport_peer_table *fz_self_pt, *fz_peer_pt;

/* Identity `name` from a fixed seed, and its peer table listing `other`. */
static void
make_node(const char *name, uint8_t seed_byte, transport_identity **id)
{
    uint8_t seed[TRANSPORT_ED25519_SEED];
    memset(seed, seed_byte, sizeof seed);
    if (transport_identity_create(name, seed, id) != MPC_OK) {
        abort();
    }
}

static void
make_table(transport_identity *self, transport_identity *other, transport_peer_table **pt)
{
    uint8_t pk[TRANSPORT_ED25519_PK];
    transport_identity_public_key(other, pk);
    if (transport_peer_table_create(self, pt) != MPC_OK ||
        transport_peer_table_add(*pt, transport_identity_node_id(other), pk) != MPC_OK) {
        abort();
    }
}

/* Seeds: real envelopes of every kind from n1 to n0, raw and for re-signing. */
static void
write_seeds(const char *dir)
{
    static const uint8_t payload[] = "fuzz payload";
    static const uint8_t abort_payload[] = {0x05, 0, 0, 0, 'n', '1'};
    const transport_envelope_in ins[] = {
        {.sid = fz_sid,
         .round = 1,
         .seq = 1,
         .incarnation = 7,
         .kind = TRANSPORT_ENVELOPE_BROADCAST,
         .payload = payload,
         .payload_len = sizeof payload},
        {.sid = fz_sid,
         .to = "n0",
         .round = 2,
         .seq = 3,
         .incarnation = 7,
         .kind = TRANSPORT_ENVELOPE_DIRECT,
         .payload = payload,
         .payload_len = sizeof payload},
        {.sid = fz_sid, .round = 0, .seq = 0, .kind = TRANSPORT_ENVELOPE_READY},
        {.sid = fz_sid,
         .round = 2,
         .seq = 9,
         .incarnation = 7,
         .kind = TRANSPORT_ENVELOPE_ABORT,
         .payload = abort_payload,
         .payload_len = sizeof abort_payload},
    };
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
        uint8_t *env = NULL;
        size_t len = 0;
        mpc_status st = transport_envelope_seal(fz_peer_pt, &ins[i], &env, &len);
        if (st != MPC_OK) {
            fprintf(stderr, "fuzz_envelope: seal kind %d: %s\n", (int)ins[i].kind,
                    mpc_status_str(st));
            abort();
        }
        for (uint8_t mode = 0; mode < 2; mode++) {
            char name[32];
            snprintf(name, sizeof name, "%s-kind%d", mode ? "resigned" : "raw", (int)ins[i].kind);
            fuzz_seed_write2(dir, name, &mode, 1, env, len);
        }
        free(env);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_rng_install();
    make_node("n0", 0x10, &fz_self_id);
    make_node("n1", 0x11, &fz_peer_id);
    make_table(fz_self_id, fz_peer_id, &fz_self_pt);
    make_table(fz_peer_id, fz_self_id, &fz_peer_pt);
    fuzz_seeds_or_fuzz(write_seeds);
    return 0;
}

/* Re-signs an Envelope decoded from in[0..len) as n1. Out: malloc'd bytes, or NULL. */
static uint8_t *
resign(const uint8_t *in, size_t len, size_t *out_len)
{
    static const uint8_t domain[] = TRANSPORT_ENVELOPE_DOMAIN;
    Mpc__Envelope *e = mpc__envelope__unpack(NULL, len, in);
    uint8_t *buf = NULL, *out = NULL;
    uint8_t sig[64];
    if (e == NULL) {
        return NULL;
    }
    ProtobufCBinaryData orig = e->signature; /* the unpacker's to free */
    e->signature.data = NULL;
    e->signature.len = 0;
    size_t body = mpc__envelope__get_packed_size(e);
    buf = malloc(sizeof domain + body);
    if (buf != NULL) {
        memcpy(buf, domain, sizeof domain);
        mpc__envelope__pack(e, buf + sizeof domain);
        if (transport_identity_sign(fz_peer_id, sig, buf, sizeof domain + body) == MPC_OK) {
            e->signature.data = sig;
            e->signature.len = sizeof sig;
            *out_len = mpc__envelope__get_packed_size(e);
            out = malloc(*out_len);
            if (out != NULL) {
                mpc__envelope__pack(e, out);
            }
        }
    }
    e->signature = orig; /* sig is on the stack */
    free(buf);
    mpc__envelope__free_unpacked(e, NULL);
    return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    transport_envelope_counters counters = {0};
    transport_envelope_open_opts opts = {.expected_sid = fz_sid, .counters = &counters};
    transport_envelope_opened o;
    uint8_t *signed_env = NULL;
    size_t len = 0;
    if (size < 1) {
        return 0;
    }
    const uint8_t *env = data + 1;
    len = size - 1;
    if (data[0] & 1) {
        signed_env = resign(data + 1, size - 1, &len);
        if (signed_env == NULL) {
            return 0;
        }
        env = signed_env;
    }
    mpc_status st = transport_envelope_open(fz_self_pt, &opts, env, len, &o);
    if (st == MPC_OK) {
        if (strcmp(o.from, "n1") != 0 || o.payload_len > len ||
            (o.payload_len > 0 && o.payload == NULL) || counters.opened != 1) {
            abort();
        }
        transport_envelope_opened_clear(&o);
    } else if (o.payload != NULL || counters.opened != 0) {
        abort(); /* a rejection leaves nothing behind */
    }
    free(signed_env);
    return 0;
}

/*
 * envelope.c — seal and open peer envelopes (protobuf-c + libsodium).
 *
 * DESIGN: protobuf-c and libsodium return codes are translated here. The
 * payload plaintext of a direct message and the precomputed box key are
 * secrets: stack copies are wiped on every path.
 */
#include "transport/envelope.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "proto/envelope.pb-c.h"

#define ENV_SIG_LEN   crypto_sign_BYTES
#define ENV_NONCE_LEN crypto_box_NONCEBYTES
#define ENV_MAC_LEN   crypto_box_MACBYTES

static const uint8_t env_domain[] = TRANSPORT_ENVELOPE_DOMAIN; /* includes the NUL */
static uint64_t env_decodes; /* full decodes (test hook), atomic */

/* Envelope field numbers (proto/envelope.proto). */
enum {
    ENV_F_VERSION = 1,
    ENV_F_SID = 2,
    ENV_F_FROM = 3,
    ENV_F_TO = 4,
    ENV_F_PAYLOAD = 8,
    ENV_F_SIGNATURE = 10,
    ENV_F_LAST = 11,
};

/* What the outer frame scan finds: pointers into the received bytes. */
typedef struct {
    uint64_t version;    /* field 1 (0 if absent) */
    const uint8_t *from; /* field 3 */
    size_t from_len;     /* its length (<= TRANSPORT_NODE_ID_MAX) */
    const uint8_t *sig;  /* field 10, ENV_SIG_LEN bytes */
    size_t sig_off;      /* offset of the signature field's tag */
    size_t sig_end;      /* offset just past the signature field */
} env_frame;

/* Reads a base-128 varint of at most 10 bytes at *pos. Returns 0 on short/overlong input. */
static int
env_varint(const uint8_t *d, size_t len, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < 10 && *pos < len; i++) {
        uint8_t b = d[(*pos)++];
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

/* Returns 1 if field number f is length-delimited (bytes, string), 0 if a varint. */
static int
env_field_is_bytes(uint64_t f)
{
    return f == ENV_F_SID || f == ENV_F_FROM || f == ENV_F_TO || f == ENV_F_PAYLOAD ||
           f == ENV_F_SIGNATURE;
}

/*
 * The bounded outer parse that runs before any signature check or decode: at
 * most ENV_F_LAST fields, known numbers only, strictly ascending (the order
 * protobuf-c encodes them in), wire types as declared, lengths within the
 * buffer. Allocates nothing; O(number of fields).
 * Returns: MPC_OK (f filled: from and a 64-byte signature present) or
 *          MPC_ERR_MSG_MALFORMED.
 */
static mpc_status
env_frame_scan(const uint8_t *d, size_t len, env_frame *f)
{
    memset(f, 0, sizeof *f);
    size_t pos = 0;
    uint64_t last = 0;
    while (pos < len) {
        size_t start = pos;
        uint64_t tag = 0, v = 0;
        if (!env_varint(d, len, &pos, &tag)) {
            return MPC_ERR_MSG_MALFORMED;
        }
        uint64_t num = tag >> 3;
        int bytes = env_field_is_bytes(num);
        if (num <= last || num > ENV_F_LAST || (tag & 7) != (bytes ? 2u : 0u) ||
            !env_varint(d, len, &pos, &v)) {
            return MPC_ERR_MSG_MALFORMED;
        }
        last = num;
        if (!bytes) {
            if (num == ENV_F_VERSION) {
                f->version = v;
            }
            continue;
        }
        if (v > len - pos) {
            return MPC_ERR_MSG_MALFORMED;
        }
        if (num == ENV_F_FROM) {
            f->from = d + pos;
            f->from_len = (size_t)v;
        } else if (num == ENV_F_SIGNATURE) {
            f->sig = d + pos;
            f->sig_off = start;
            f->sig_end = pos + (size_t)v;
            if (v != ENV_SIG_LEN) {
                return MPC_ERR_MSG_MALFORMED;
            }
        }
        pos += (size_t)v;
    }
    if (f->from == NULL || f->from_len == 0 || f->from_len > TRANSPORT_NODE_ID_MAX ||
        memchr(f->from, 0, f->from_len) != NULL || f->sig == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    return MPC_OK;
}

/* Encodes e into a malloc'd buffer. */
static mpc_status
env_pack(const Mpc__Envelope *e, uint8_t **out, size_t *out_len)
{
    size_t n = mpc__envelope__get_packed_size(e);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (mpc__envelope__pack(e, buf) != n) {
        free(buf);
        return MPC_ERR_INTERNAL;
    }
    *out = buf;
    *out_len = n;
    return MPC_OK;
}

/* Builds domain || encoding(e with empty signature). */
static mpc_status
env_signed_bytes(const Mpc__Envelope *e, uint8_t **out, size_t *out_len)
{
    Mpc__Envelope copy = *e;
    copy.signature.data = NULL;
    copy.signature.len = 0;
    size_t n = mpc__envelope__get_packed_size(&copy);
    uint8_t *buf = malloc(sizeof env_domain + n);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(buf, env_domain, sizeof env_domain);
    if (mpc__envelope__pack(&copy, buf + sizeof env_domain) != n) {
        free(buf);
        return MPC_ERR_INTERNAL;
    }
    *out = buf;
    *out_len = sizeof env_domain + n;
    return MPC_OK;
}

/* nonce || crypto_box_easy_afternm(payload) under key. */
static mpc_status
env_encrypt(const uint8_t *key, const uint8_t *pt, size_t pt_len, uint8_t **out, size_t *out_len)
{
    uint8_t *buf = malloc(ENV_NONCE_LEN + ENV_MAC_LEN + pt_len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = mpc_random_bytes(buf, ENV_NONCE_LEN);
    if (st != MPC_OK) {
        free(buf);
        return st;
    }
    if (crypto_box_easy_afternm(buf + ENV_NONCE_LEN, pt, pt_len, buf, key) != 0) {
        free(buf);
        return MPC_ERR_CRYPTO;
    }
    *out = buf;
    *out_len = ENV_NONCE_LEN + ENV_MAC_LEN + pt_len;
    return MPC_OK;
}

static int
env_kind_valid(int kind)
{
    return kind >= TRANSPORT_ENVELOPE_BROADCAST && kind <= TRANSPORT_ENVELOPE_ABORT;
}

mpc_status
transport_envelope_seal(transport_peer_table *peers, const transport_envelope_in *in, uint8_t **out,
                        size_t *out_len)
{
    uint8_t sig[ENV_SIG_LEN];
    uint8_t *ct = NULL, *tbs = NULL;
    size_t ct_len = 0, tbs_len = 0;
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (peers == NULL || in == NULL || out == NULL || out_len == NULL || in->sid == NULL ||
        (in->payload == NULL && in->payload_len > 0) || !env_kind_valid((int)in->kind)) {
        return MPC_ERR_INVALID_ARG;
    }
    int direct = in->kind == TRANSPORT_ENVELOPE_DIRECT;
    if (direct != (in->to != NULL) ||
        (direct && (!transport_node_id_valid(in->to) || in->box_key == NULL))) {
        return MPC_ERR_INVALID_ARG;
    }
    const transport_identity *self = transport_peer_table_self(peers);
    Mpc__Envelope e = MPC__ENVELOPE__INIT;
    e.version = TRANSPORT_ENVELOPE_VERSION;
    e.sid.data = (uint8_t *)in->sid;
    e.sid.len = TRANSPORT_SID_LEN;
    e.from = (char *)transport_identity_node_id(self);
    e.to = direct ? (char *)in->to : (char *)"";
    e.round = in->round;
    e.seq = in->seq;
    e.incarnation = in->incarnation;
    e.kind = (Mpc__EnvelopeKind)in->kind;
    e.sent_at_ms = mpc_clock_wall_ms();
    e.payload.data = (uint8_t *)in->payload;
    e.payload.len = in->payload_len;
    mpc_status st = MPC_OK;
    if (direct) {
        st = env_encrypt(in->box_key, in->payload, in->payload_len, &ct, &ct_len);
        if (st != MPC_OK) {
            return st;
        }
        e.payload.data = ct;
        e.payload.len = ct_len;
    }
    st = env_signed_bytes(&e, &tbs, &tbs_len);
    if (st != MPC_OK) {
        goto free_ct;
    }
    st = transport_identity_sign(self, sig, tbs, tbs_len);
    if (st != MPC_OK) {
        goto free_tbs;
    }
    e.signature.data = sig;
    e.signature.len = sizeof sig;
    st = env_pack(&e, out, out_len);
free_tbs:
    free(tbs);
free_ct:
    free(ct);
    return st;
}

static void
env_count(transport_envelope_counters *c, mpc_status st)
{
    if (c == NULL) {
        return;
    }
    uint64_t *f = NULL;
    switch (st) {
    case MPC_OK:
        f = &c->opened;
        break;
    case MPC_ERR_MSG_TOO_LARGE:
        f = &c->too_large;
        break;
    case MPC_ERR_MSG_MALFORMED:
        f = &c->malformed;
        break;
    case MPC_ERR_MSG_VERSION:
        f = &c->version;
        break;
    case MPC_ERR_MSG_UNKNOWN_SENDER:
        f = &c->unknown_sender;
        break;
    case MPC_ERR_MSG_BAD_SIGNATURE:
        f = &c->bad_signature;
        break;
    case MPC_ERR_MSG_KIND:
        f = &c->kind;
        break;
    case MPC_ERR_MSG_WRONG_RECIPIENT:
        f = &c->wrong_recipient;
        break;
    case MPC_ERR_MSG_WRONG_SESSION:
        f = &c->wrong_session;
        break;
    case MPC_ERR_MSG_DECRYPT:
        f = &c->decrypt;
        break;
    default:
        return;
    }
    __atomic_fetch_add(f, 1, __ATOMIC_RELAXED);
}

/* Decoding checks: canonical re-encoding and field shapes. */
static mpc_status
env_check_shape(const Mpc__Envelope *e, const uint8_t *data, size_t len)
{
    if (e->sid.len != TRANSPORT_SID_LEN || e->signature.len != ENV_SIG_LEN || e->from == NULL ||
        e->to == NULL || strlen(e->from) > TRANSPORT_NODE_ID_MAX || e->base.n_unknown_fields != 0) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (mpc__envelope__get_packed_size(e) != len) {
        return MPC_ERR_MSG_MALFORMED;
    }
    uint8_t *re = NULL;
    size_t re_len = 0;
    mpc_status st = env_pack(e, &re, &re_len);
    if (st != MPC_OK) {
        return st;
    }
    int same = re_len == len && memcmp(re, data, len) == 0;
    free(re);
    return same ? MPC_OK : MPC_ERR_MSG_MALFORMED;
}

/* Verifies the frame's signature over domain || the received bytes without the signature field. */
static mpc_status
env_check_signature(transport_peer_table *peers, const env_frame *f, const uint8_t *data,
                    size_t len)
{
    uint8_t pk[TRANSPORT_ED25519_PK];
    char from[TRANSPORT_NODE_ID_MAX + 1];
    memcpy(from, f->from, f->from_len);
    from[f->from_len] = '\0';
    if (!transport_node_id_valid(from) ||
        transport_peer_table_get(peers, from, pk, NULL) != MPC_OK) {
        return MPC_ERR_MSG_UNKNOWN_SENDER;
    }
    size_t tail = len - f->sig_end;
    size_t tbs_len = sizeof env_domain + f->sig_off + tail;
    uint8_t *tbs = malloc(tbs_len);
    if (tbs == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(tbs, env_domain, sizeof env_domain);
    memcpy(tbs + sizeof env_domain, data, f->sig_off);
    if (tail > 0) {
        memcpy(tbs + sizeof env_domain + f->sig_off, data + f->sig_end, tail);
    }
    int ok = crypto_sign_verify_detached(f->sig, tbs, tbs_len, pk) == 0;
    free(tbs);
    return ok ? MPC_OK : MPC_ERR_MSG_BAD_SIGNATURE;
}

mpc_status
transport_envelope_unbox(const uint8_t key[TRANSPORT_BOX_KEY], const uint8_t *sealed, size_t len,
                         uint8_t **pt, size_t *pt_len)
{
    if (pt != NULL) {
        *pt = NULL;
    }
    if (pt_len != NULL) {
        *pt_len = 0;
    }
    if (key == NULL || pt == NULL || pt_len == NULL || (sealed == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len < ENV_NONCE_LEN + ENV_MAC_LEN) {
        return MPC_ERR_MSG_DECRYPT;
    }
    size_t n = len - ENV_NONCE_LEN - ENV_MAC_LEN;
    uint8_t *buf = mpc_secure_alloc(n > 0 ? n : 1); /* plaintext: secret memory */
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (crypto_box_open_easy_afternm(buf, sealed + ENV_NONCE_LEN, len - ENV_NONCE_LEN, sealed,
                                     key) != 0) {
        mpc_secure_free(buf); /* wipes */
        return MPC_ERR_MSG_DECRYPT;
    }
    *pt = buf;
    *pt_len = n;
    return MPC_OK;
}

mpc_status
transport_envelope_box_key(uint8_t key[TRANSPORT_BOX_KEY], const uint8_t peer_pk[TRANSPORT_EPH_PK],
                           const uint8_t my_sk[TRANSPORT_EPH_SK])
{
    if (key == NULL || peer_pk == NULL || my_sk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (crypto_box_beforenm(key, peer_pk, my_sk) != 0) {
        mpc_wipe(key, TRANSPORT_BOX_KEY);
        return MPC_ERR_CRYPTO;
    }
    return MPC_OK;
}

static mpc_status
env_copy_clear_payload(const Mpc__Envelope *e, transport_envelope_opened *out)
{
    out->payload = mpc_secure_alloc(e->payload.len > 0 ? e->payload.len : 1); /* one rule */
    if (out->payload == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (e->payload.len > 0) {
        memcpy(out->payload, e->payload.data, e->payload.len);
    }
    out->payload_len = e->payload.len;
    return MPC_OK;
}

/* Every check after decoding; fills out on success. */
static mpc_status
env_verify(transport_peer_table *peers, const transport_envelope_open_opts *opts,
           const Mpc__Envelope *e, transport_envelope_opened *out)
{
    mpc_status st;
    if (!env_kind_valid((int)e->kind)) {
        return MPC_ERR_MSG_KIND;
    }
    const char *self = transport_identity_node_id(transport_peer_table_self(peers));
    int direct = e->kind == MPC__ENVELOPE_KIND__ENVELOPE_KIND_DIRECT;
    if (direct ? strcmp(e->to, self) != 0 : e->to[0] != '\0') {
        return MPC_ERR_MSG_WRONG_RECIPIENT;
    }
    if (memcmp(e->sid.data, opts->expected_sid, TRANSPORT_SID_LEN) != 0) {
        return MPC_ERR_MSG_WRONG_SESSION;
    }
    if (direct && opts->box_key != NULL) {
        st = transport_envelope_unbox(opts->box_key, e->payload.data, e->payload.len, &out->payload,
                                      &out->payload_len);
    } else {
        st = env_copy_clear_payload(e, out);
        out->sealed = direct;
    }
    if (st != MPC_OK) {
        return st;
    }
    memcpy(out->sid, e->sid.data, TRANSPORT_SID_LEN);
    strcpy(out->from, e->from);
    out->round = e->round;
    out->seq = e->seq;
    out->incarnation = e->incarnation;
    out->kind = (transport_envelope_kind)e->kind;
    out->sent_at_ms = e->sent_at_ms;
    return MPC_OK;
}

mpc_status
transport_envelope_open(transport_peer_table *peers, const transport_envelope_open_opts *opts,
                        const uint8_t *data, size_t len, transport_envelope_opened *out)
{
    if (out != NULL) {
        memset(out, 0, sizeof *out);
    }
    if (peers == NULL || opts == NULL || opts->expected_sid == NULL || out == NULL ||
        (data == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t max = opts->max_size != 0 ? opts->max_size : TRANSPORT_ENVELOPE_MAX_SIZE;
    mpc_status st = MPC_ERR_MSG_TOO_LARGE;
    Mpc__Envelope *e = NULL;
    if (len > max) {
        goto count;
    }
    env_frame f;
    st = env_frame_scan(data, len, &f);
    if (st == MPC_OK && f.version != TRANSPORT_ENVELOPE_VERSION) {
        st = MPC_ERR_MSG_VERSION;
    }
    if (st == MPC_OK) {
        st = env_check_signature(peers, &f, data, len);
    }
    if (st == MPC_OK) { /* authenticated: now the full decode */
        __atomic_fetch_add(&env_decodes, 1, __ATOMIC_RELAXED);
        e = mpc__envelope__unpack(NULL, len, data);
        st = e == NULL ? MPC_ERR_MSG_MALFORMED : env_check_shape(e, data, len);
    }
    if (st == MPC_OK) {
        st = env_verify(peers, opts, e, out);
    }
    if (st != MPC_OK) {
        transport_envelope_opened_clear(out);
    }
    if (e != NULL) {
        mpc__envelope__free_unpacked(e, NULL);
    }
count:
    env_count(opts->counters, st);
    return st;
}

void
transport_envelope_opened_clear(transport_envelope_opened *o)
{
    if (o == NULL) {
        return;
    }
    mpc_secure_free(o->payload); /* wipes */
    memset(o, 0, sizeof *o);
}

uint64_t
transport_envelope_decodes(void)
{
    return __atomic_load_n(&env_decodes, __ATOMIC_RELAXED);
}

mpc_status
transport_envelope_peek_from(const uint8_t *data, size_t len, char out[TRANSPORT_NODE_ID_MAX + 1])
{
    env_frame f;
    if (data == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = env_frame_scan(data, len, &f);
    if (st == MPC_OK) {
        memcpy(out, f.from, f.from_len);
        out[f.from_len] = '\0';
    }
    return st;
}

/* Decodes and shape-checks data; *out is the unpacked envelope (caller frees). */
static mpc_status
env_peek(const uint8_t *data, size_t len, transport_envelope_header *h, Mpc__Envelope **out)
{
    memset(h, 0, sizeof *h);
    *out = NULL;
    if (data == NULL || len == 0 || len > TRANSPORT_ENVELOPE_MAX_SIZE) {
        return data == NULL ? MPC_ERR_INVALID_ARG : MPC_ERR_MSG_MALFORMED;
    }
    Mpc__Envelope *e = mpc__envelope__unpack(NULL, len, data);
    mpc_status st = e == NULL ? MPC_ERR_MSG_MALFORMED : env_check_shape(e, data, len);
    if (st == MPC_OK && e->version != TRANSPORT_ENVELOPE_VERSION) {
        st = MPC_ERR_MSG_VERSION;
    }
    if (st == MPC_OK && (!env_kind_valid((int)e->kind) || strlen(e->to) > TRANSPORT_NODE_ID_MAX)) {
        st = MPC_ERR_MSG_KIND;
    }
    if (st != MPC_OK) {
        if (e != NULL) {
            mpc__envelope__free_unpacked(e, NULL);
        }
        return st;
    }
    memcpy(h->sid, e->sid.data, TRANSPORT_SID_LEN);
    strcpy(h->from, e->from);
    strcpy(h->to, e->to);
    h->round = e->round;
    h->seq = e->seq;
    h->incarnation = e->incarnation;
    h->kind = (transport_envelope_kind)e->kind;
    crypto_generichash(h->payload_digest, sizeof h->payload_digest, e->payload.data, e->payload.len,
                       NULL, 0);
    *out = e;
    return MPC_OK;
}

mpc_status
transport_envelope_peek(const uint8_t *data, size_t len, transport_envelope_header *h)
{
    if (h == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__Envelope *e = NULL;
    mpc_status st = env_peek(data, len, h, &e);
    if (e != NULL) {
        mpc__envelope__free_unpacked(e, NULL);
    }
    return st;
}

mpc_status
transport_envelope_attest(const uint8_t *data, size_t len, const uint8_t pk[32],
                          transport_envelope_header *h)
{
    if (h == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__Envelope *e = NULL;
    mpc_status st = env_peek(data, len, h, &e);
    uint8_t *tbs = NULL;
    size_t tbs_len = 0;
    if (st == MPC_OK) {
        st = env_signed_bytes(e, &tbs, &tbs_len);
    }
    if (st == MPC_OK && crypto_sign_verify_detached(e->signature.data, tbs, tbs_len, pk) != 0) {
        st = MPC_ERR_MSG_BAD_SIGNATURE;
    }
    free(tbs);
    if (e != NULL) {
        mpc__envelope__free_unpacked(e, NULL);
    }
    return st;
}

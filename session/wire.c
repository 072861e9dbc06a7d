/*
 * wire.c — envelopes of the session manager: transport/envelope.h does the
 * signing, verification and direct-payload encryption; this file adds what
 * only a session can check (sender is a party of this session, kind matches
 * the subject it arrived on) and maps node ids to party indexes.
 */
#include "session/wire.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "transport/envelope.h"

#include <sodium.h>

/* A session's ephemeral keys: one secure-memory block (worker only). */
struct session_eph {
    uint8_t sk[TRANSPORT_EPH_SK];         /* own secret key */
    uint8_t pk[TRANSPORT_EPH_PK];         /* own public key (READY payload) */
    uint32_t n;                           /* parties */
    uint8_t *known;                       /* n flags: peer key received */
    uint8_t (*peer_pk)[TRANSPORT_EPH_PK]; /* n announced public keys */
    uint8_t (*box)[TRANSPORT_BOX_KEY];    /* n shared keys */
};

mpc_status
session_wire_eph_create(session *s)
{
    size_t size =
        sizeof(struct session_eph) + (size_t)s->n * (1 + TRANSPORT_EPH_PK + TRANSPORT_BOX_KEY);
    size = (size + 15) & ~(size_t)15; /* sodium_malloc ends the block on a page: keep it aligned */
    struct session_eph *e = mpc_secure_alloc(size);
    if (e == NULL) {
        return MPC_ERR_NOMEM;
    }
    memset(e, 0, size);
    e->n = s->n;
    e->peer_pk = (uint8_t(*)[TRANSPORT_EPH_PK])(e + 1);
    e->box = (uint8_t(*)[TRANSPORT_BOX_KEY])((uint8_t *)(e + 1) + (size_t)s->n * TRANSPORT_EPH_PK);
    e->known = (uint8_t *)(e + 1) + (size_t)s->n * (TRANSPORT_EPH_PK + TRANSPORT_BOX_KEY);
    crypto_box_keypair(e->pk, e->sk);
    session_wire_eph_destroy(s);
    s->eph = e;
    return MPC_OK;
}

void
session_wire_eph_destroy(session *s)
{
    if (s->eph != NULL) {
        mpc_secure_free(s->eph); /* wipes the whole block */
        s->eph = NULL;
    }
}

mpc_status
session_wire_eph_learn(session *s, uint32_t from, const uint8_t *pk, size_t len)
{
    struct session_eph *e = s->eph;
    if (e == NULL || from >= e->n) {
        return MPC_ERR_SESSION_STATE;
    }
    if (len != TRANSPORT_EPH_PK || pk == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (e->known[from]) {
        return sodium_memcmp(e->peer_pk[from], pk, TRANSPORT_EPH_PK) == 0 ? MPC_OK
                                                                          : MPC_ERR_MSG_REPLAY;
    }
    mpc_status st = transport_envelope_box_key(e->box[from], pk, e->sk);
    if (st != MPC_OK) {
        return st;
    }
    memcpy(e->peer_pk[from], pk, TRANSPORT_EPH_PK);
    e->known[from] = 1;
    return MPC_OK;
}

int
session_wire_eph_known(const session *s, uint32_t p)
{
    return s->eph != NULL && p < s->eph->n && s->eph->known[p];
}

mpc_status
session_wire_unbox(const session *s, uint32_t from, const uint8_t *sealed, size_t len, uint8_t **pt,
                   size_t *pt_len)
{
    if (!session_wire_eph_known(s, from)) {
        *pt = NULL;
        *pt_len = 0;
        return MPC_ERR_MSG_DECRYPT;
    }
    return transport_envelope_unbox(s->eph->box[from], sealed, len, pt, pt_len);
}

mpc_status
session_wire_seal(const session *s, session_wire_kind kind, uint32_t to, uint32_t round,
                  uint64_t seq, const uint8_t *payload, size_t len, uint8_t **out, size_t *out_len)
{
    if (out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    *out_len = 0;
    int direct = kind == SESSION_WIRE_DIRECT;
    if (s == NULL || (payload == NULL && len != 0) || kind < SESSION_WIRE_BROADCAST ||
        kind > SESSION_WIRE_ABORT || (direct && (to >= s->n || to == s->self))) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len > SESSION_WIRE_MAX) {
        return MPC_ERR_MSG_TOO_LARGE;
    }
    if (kind == SESSION_WIRE_READY || direct) {
        if (s->eph == NULL || (direct && !s->eph->known[to])) {
            return MPC_ERR_SESSION_STATE;
        }
    }
    if (kind == SESSION_WIRE_READY) {
        payload = s->eph->pk;
        len = TRANSPORT_EPH_PK;
    }
    transport_envelope_in in = {
        .sid = s->sid,
        .to = direct ? s->party_ids[to] : NULL,
        .round = round,
        .seq = seq,
        .incarnation = s->mgr->cfg.incarnation,
        .kind = (transport_envelope_kind)kind,
        .payload = payload,
        .payload_len = len,
        .box_key = direct ? s->eph->box[to] : NULL,
    };
    return transport_envelope_seal(s->mgr->cfg.peers, &in, out, out_len);
}

size_t
session_wire_payload_max(const session *s, uint32_t round, int is_broadcast)
{
    return tss_proto_max_msg_len(s->proto, s->n, round, is_broadcast);
}

size_t
session_payload_max(size_t transport_max)
{
    size_t env =
        transport_max != 0 && transport_max < SESSION_WIRE_MAX ? transport_max : SESSION_WIRE_MAX;
    return env > SESSION_WIRE_OVERHEAD ? env - SESSION_WIRE_OVERHEAD : 0;
}

size_t
session_wire_max(const session *s)
{
    size_t payload = SESSION_WIRE_ABORT_MAX; /* ABORT, with a restart proof */
    for (uint32_t r = 1; r <= SESSION_WIRE_ROUNDS; r++) {
        for (int b = 0; b < 2; b++) {
            size_t m = session_wire_payload_max(s, r, b);
            payload = m > payload ? m : payload;
        }
    }
    if (payload > SESSION_WIRE_MAX - SESSION_WIRE_OVERHEAD) {
        return SESSION_WIRE_MAX;
    }
    return payload + SESSION_WIRE_OVERHEAD;
}

static int
wire_party_index(const session *s, const char *id, uint32_t *idx)
{
    for (uint32_t i = 0; i < s->n; i++) {
        if (strcmp(s->party_ids[i], id) == 0) {
            *idx = i;
            return 1;
        }
    }
    return 0;
}

/* Returns 1 if kind may arrive on ch: broadcast and abort on .b, direct on .d, ready on .r. */
static int
wire_kind_fits(transport_envelope_kind kind, session_chan ch)
{
    switch (ch) {
    case SESSION_CHAN_BROADCAST:
        return kind == TRANSPORT_ENVELOPE_BROADCAST || kind == TRANSPORT_ENVELOPE_ABORT;
    case SESSION_CHAN_DIRECT:
        return kind == TRANSPORT_ENVELOPE_DIRECT;
    case SESSION_CHAN_READY:
        return kind == TRANSPORT_ENVELOPE_READY;
    }
    return 0;
}

/* Returns 1 if data claims to come from us (our broadcast echoed by the server). */
static int
wire_is_echo(const session *s, const uint8_t *data, size_t len)
{
    char from[TRANSPORT_NODE_ID_MAX + 1];
    return transport_envelope_peek_from(data, len, from) == MPC_OK &&
           strcmp(from, s->party_ids[s->self]) == 0;
}

mpc_status
session_wire_open(const session *s, session_chan ch, const uint8_t *data, size_t len,
                  session_wire_msg *msg)
{
    if (msg == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(msg, 0, sizeof *msg);
    if (s == NULL || (data == NULL && len != 0) || ch < SESSION_CHAN_DIRECT ||
        ch > SESSION_CHAN_READY) {
        return MPC_ERR_INVALID_ARG;
    }
    int is_broadcast = ch == SESSION_CHAN_BROADCAST;
    transport_envelope_open_opts opts = {.max_size = session_wire_max(s), .expected_sid = s->sid};
    transport_envelope_opened o;
    mpc_status st = transport_envelope_open(s->mgr->cfg.peers, &opts, data, len, &o);
    if (st == MPC_ERR_MSG_UNKNOWN_SENDER && is_broadcast && wire_is_echo(s, data, len)) {
        return MPC_ERR_EXISTS; /* not in our own peer table: it is us */
    }
    if (st != MPC_OK) {
        return st;
    }
    uint32_t from = 0;
    if (!wire_party_index(s, o.from, &from)) {
        st = MPC_ERR_MSG_UNKNOWN_SENDER; /* a peer of the node, not of this session */
    } else if (from == s->self) {
        st = is_broadcast ? MPC_ERR_EXISTS : MPC_ERR_MSG_UNKNOWN_SENDER;
    } else if (!wire_kind_fits(o.kind, ch)) {
        st = MPC_ERR_MSG_KIND;
    }
    if (st != MPC_OK) {
        transport_envelope_opened_clear(&o);
        return st;
    }
    msg->kind = (session_wire_kind)o.kind;
    msg->from = from;
    msg->round = o.round;
    msg->seq = o.seq;
    msg->incarnation = o.incarnation;
    msg->payload = o.payload;
    msg->len = o.payload_len;
    msg->sealed = o.sealed;
    o.payload = NULL;
    o.payload_len = 0;
    transport_envelope_opened_clear(&o);
    return MPC_OK;
}

void
session_wire_msg_clear(session_wire_msg *msg)
{
    if (msg == NULL) {
        return;
    }
    mpc_secure_free(msg->payload); /* from transport_envelope_open: secret memory, wiped */
    memset(msg, 0, sizeof *msg);
}

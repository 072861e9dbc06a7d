/*
 * blame.c — verdicts of failed sessions and the restart proof of an ABORT
 * (see blame.h).
 */
#include "session/blame.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "session/evidence.h"
#include "session/wire.h"
#include "transport/envelope.h"

mpc_status
session_blame_step(session *s, const session_step *c, mpc_status st, uint32_t *culprit)
{
    *culprit = c->culprit;
    if (c->culprit == SESSION_NO_CULPRIT && c->disputed) {
        s->verdict_dispute[0] = c->dispute[0];
        s->verdict_dispute[1] = c->dispute[1];
        session_evid_choose(s, NULL, 0, c->dispute[0], c->dispute[1]);
        mpc_log(MPC_LOG_WARN, "session", "blame_disputed", "sid=%s check=%s a=%s b=%s", s->sid_hex,
                mpc_status_name(st), s->party_ids[c->dispute[0]],
                c->dispute[1] < s->n ? s->party_ids[c->dispute[1]] : "-");
        return MPC_ERR_DISPUTED;
    }
    if (c->culprit < s->n) {
        session_evid_choose(s, NULL, 0, c->culprit, SESSION_NO_CULPRIT);
    }
    return st;
}

static uint32_t
blame_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Checks one envelope of the restart proof: signed by party i, for this session. */
static int
blame_attest(session *s, uint32_t i, const uint8_t *env, size_t len, transport_envelope_header *h)
{
    uint8_t pk[32];
    if (i == s->self) {
        /* A proof that we restarted: envelopes of an earlier process of ours. */
        transport_identity_public_key(transport_peer_table_self(s->mgr->cfg.peers), pk);
    } else if (transport_peer_table_get(s->mgr->cfg.peers, s->party_ids[i], pk, NULL) != MPC_OK) {
        return 0;
    }
    return transport_envelope_attest(env, len, pk, h) == MPC_OK &&
           strcmp(h->from, s->party_ids[i]) == 0 && memcmp(h->sid, s->sid, SESSION_SID_LEN) == 0 &&
           h->incarnation != 0;
}

/* Keeps a proof envelope as evidence (forced: it may repeat a kept key). */
static struct session_evid *
blame_keep(session *s, uint32_t i, const transport_envelope_header *h, const uint8_t *env,
           size_t len)
{
    session_wire_msg w = {.kind = (session_wire_kind)h->kind,
                          .from = i,
                          .round = h->round,
                          .seq = h->seq,
                          .incarnation = h->incarnation};
    return session_evid_keep(s, &w, env, len, 1);
}

/* The proof part of a restart ABORT: two envelopes of party i, two incarnations. */
static int
blame_restart_proven(session *s, uint32_t i, const uint8_t *p, size_t len)
{
    const uint8_t *env[2];
    size_t elen[2];
    for (int k = 0; k < 2; k++) {
        if (len < 4 || blame_u32be(p) > len - 4) {
            return 0;
        }
        elen[k] = blame_u32be(p);
        env[k] = p + 4;
        p += 4 + elen[k];
        len -= 4 + elen[k];
    }
    transport_envelope_header h[2];
    if (len != 0 || !blame_attest(s, i, env[0], elen[0], &h[0]) ||
        !blame_attest(s, i, env[1], elen[1], &h[1]) || h[0].incarnation == h[1].incarnation) {
        return 0;
    }
    struct session_evid *e[2] = {blame_keep(s, i, &h[0], env[0], elen[0]),
                                 blame_keep(s, i, &h[1], env[1], elen[1])};
    session_evid_choose(s, e, 2, SESSION_NO_CULPRIT, SESSION_NO_CULPRIT);
    return 1;
}

int
session_blame_abort(session *s, uint32_t from, const uint8_t *p, size_t len, mpc_status *st,
                    uint32_t *culprit)
{
    uint32_t code = len >= 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                   (uint32_t)p[3] << 24
                             : 0;
    if (code != (uint32_t)MPC_ERR_PEER_RESTARTED || len < 5 || (size_t)p[4] > len - 5) {
        return 0;
    }
    size_t id_len = p[4];
    uint32_t named = SESSION_NO_CULPRIT;
    for (uint32_t i = 0; i < s->n; i++) {
        if (strlen(s->party_ids[i]) == id_len && memcmp(s->party_ids[i], p + 5, id_len) == 0) {
            named = i;
        }
    }
    if (named == SESSION_NO_CULPRIT) {
        return 0; /* not a party of ours: an ordinary ABORT */
    }
    *st = MPC_ERR_PEER_RESTARTED;
    if (blame_restart_proven(s, named, p + 5 + id_len, len - 5 - id_len)) {
        *culprit = named;
        return 1;
    }
    /* from's word only: end at once (the run cannot finish), name nobody. */
    *culprit = SESSION_NO_CULPRIT;
    s->verdict_dispute[0] = from;
    s->verdict_dispute[1] = named;
    session_evid_choose(s, NULL, 0, from, SESSION_NO_CULPRIT);
    return 1;
}

static void
blame_put_u32be(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

mpc_status
session_blame_abort_payload(const session *s, mpc_status st, uint32_t culprit, uint8_t **out,
                            size_t *out_len)
{
    size_t id_len = 0, len = 4;
    int restart = st == MPC_ERR_PEER_RESTARTED && culprit < s->n;
    int proof = restart && s->verdict_n == 2;
    if (restart) {
        id_len = strlen(s->party_ids[culprit]);
        len += 1 + id_len;
    }
    if (proof) {
        len += 8 + s->verdict_evid[0]->len + s->verdict_evid[1]->len;
        proof = len <= SESSION_WIRE_MAX;
        len = proof ? len : 5 + id_len;
    }
    uint8_t *b = malloc(len);
    if (b == NULL) {
        return MPC_ERR_NOMEM;
    }
    b[0] = (uint8_t)st;
    b[1] = (uint8_t)((unsigned)st >> 8);
    b[2] = b[3] = 0;
    if (restart) {
        b[4] = (uint8_t)id_len;
        memcpy(b + 5, s->party_ids[culprit], id_len);
    }
    size_t off = 5 + id_len;
    for (size_t k = 0; proof && k < 2; k++) {
        blame_put_u32be(b + off, s->verdict_evid[k]->len);
        memcpy(b + off + 4, s->verdict_evid[k]->data, s->verdict_evid[k]->len);
        off += 4 + s->verdict_evid[k]->len;
    }
    *out = b;
    *out_len = len;
    return MPC_OK;
}

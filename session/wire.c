/*
 * wire.c — envelope encoding and checks for the session manager.
 */
#include "session/wire.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "proto/envelope.pb-c.h"

mpc_status
session_wire_seal(const session *s, session_wire_kind kind, uint32_t to, uint32_t round,
                  uint64_t seq, const uint8_t *payload, size_t len, uint8_t **out, size_t *out_len)
{
    if (out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    *out_len = 0;
    int addressed = kind == SESSION_WIRE_DIRECT || kind == SESSION_WIRE_READY;
    if (s == NULL || (payload == NULL && len != 0) || kind < SESSION_WIRE_BROADCAST ||
        kind > SESSION_WIRE_ABORT || (addressed && (to >= s->n || to == s->self))) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__Envelope env = MPC__ENVELOPE__INIT;
    env.version = SESSION_WIRE_VERSION;
    env.sid.data = (uint8_t *)s->sid;
    env.sid.len = SESSION_SID_LEN;
    env.from = s->party_ids[s->self];
    env.to = addressed ? s->party_ids[to] : (char *)"";
    env.round = round;
    env.seq = seq;
    env.kind = (Mpc__EnvelopeKind)kind;
    env.payload.data = (uint8_t *)payload;
    env.payload.len = len;
    env.sent_at_ms = mpc_clock_wall_ms();
    size_t need = mpc__envelope__get_packed_size(&env);
    if (need > SESSION_WIRE_MAX) {
        return MPC_ERR_MSG_TOO_LARGE;
    }
    uint8_t *buf = malloc(need ? need : 1);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    *out_len = mpc__envelope__pack(&env, buf);
    *out = buf;
    return MPC_OK;
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

/* Checks the decoded fields against the session and the arrival subject. */
static mpc_status
wire_check(const session *s, int is_broadcast, const Mpc__Envelope *env, uint32_t *from)
{
    if (env->version != SESSION_WIRE_VERSION) {
        return MPC_ERR_MSG_VERSION;
    }
    if (env->sid.len != SESSION_SID_LEN || memcmp(env->sid.data, s->sid, SESSION_SID_LEN) != 0) {
        return MPC_ERR_MSG_WRONG_SESSION;
    }
    if (env->from == NULL || !wire_party_index(s, env->from, from)) {
        return MPC_ERR_MSG_UNKNOWN_SENDER;
    }
    if (*from == s->self) {
        /* Our own broadcast, echoed back by the server (NATS echoes by default). */
        return is_broadcast ? MPC_ERR_EXISTS : MPC_ERR_MSG_UNKNOWN_SENDER;
    }
    switch ((int)env->kind) {
    case SESSION_WIRE_BROADCAST:
    case SESSION_WIRE_ABORT:
        return is_broadcast ? MPC_OK : MPC_ERR_MSG_KIND;
    case SESSION_WIRE_DIRECT:
        if (is_broadcast) {
            return MPC_ERR_MSG_KIND;
        }
        if (env->to == NULL || strcmp(env->to, s->party_ids[s->self]) != 0) {
            return MPC_ERR_MSG_WRONG_RECIPIENT;
        }
        return MPC_OK;
    default:
        return MPC_ERR_MSG_KIND;
    }
}

mpc_status
session_wire_open(const session *s, int is_broadcast, const uint8_t *data, size_t len,
                  session_wire_msg *msg)
{
    if (msg == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(msg, 0, sizeof *msg);
    if (s == NULL || (data == NULL && len != 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len > SESSION_WIRE_MAX) {
        return MPC_ERR_MSG_TOO_LARGE;
    }
    Mpc__Envelope *env = mpc__envelope__unpack(NULL, len, data);
    if (env == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    uint32_t from = 0;
    mpc_status st = wire_check(s, is_broadcast, env, &from);
    if (st != MPC_OK) {
        goto out_free_env;
    }
    msg->payload = malloc(env->payload.len ? env->payload.len : 1);
    if (msg->payload == NULL) {
        st = MPC_ERR_NOMEM;
        goto out_free_env;
    }
    if (env->payload.len != 0) {
        memcpy(msg->payload, env->payload.data, env->payload.len);
    }
    msg->len = env->payload.len;
    msg->kind = (session_wire_kind)env->kind;
    msg->from = from;
    msg->round = env->round;
    msg->seq = env->seq;
out_free_env:
    if (env->payload.len != 0) {
        mpc_wipe(env->payload.data, env->payload.len);
    }
    mpc__envelope__free_unpacked(env, NULL);
    return st;
}

void
session_wire_msg_clear(session_wire_msg *msg)
{
    if (msg == NULL) {
        return;
    }
    if (msg->payload != NULL) {
        mpc_wipe(msg->payload, msg->len);
        free(msg->payload);
    }
    memset(msg, 0, sizeof *msg);
}

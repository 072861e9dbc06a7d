/*
 * wire.h — the one place where the session manager turns protocol messages
 * into envelopes and back (internal).
 *
 * Signing, verification, recipient and sid checks and the encryption of
 * direct payloads are transport/envelope.h's (DESIGN §5), with the node's
 * peer table from the manager's configuration; on top of that a session
 * checks that the sender is one of its parties and that the kind matches the
 * subject the envelope arrived on.
 *
 * THREAD SAFETY: pure functions over immutable session fields.
 */
#ifndef MPC_SESSION_WIRE_H
#define MPC_SESSION_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "session/internal.h"
#include "transport/peer_table.h"

#define SESSION_WIRE_VERSION 1
#define SESSION_WIRE_MAX     (1u << 20) /* ceiling of any envelope, whatever the protocol */
#define SESSION_WIRE_ROUNDS  32         /* rounds scanned for a protocol's declared sizes */
/* Envelope bytes around a payload: every field at its longest (two node ids,
 * sid, varints, signature) plus the nonce and MAC of a direct payload. */
#define SESSION_WIRE_OVERHEAD (2u * (TRANSPORT_NODE_ID_MAX + 3u) + 200u)

/* Envelope kinds (values of mpc.EnvelopeKind). */
typedef enum {
    SESSION_WIRE_BROADCAST = 1, /* protocol broadcast */
    SESSION_WIRE_DIRECT = 2,    /* protocol direct message */
    SESSION_WIRE_READY = 3,     /* barrier probe */
    SESSION_WIRE_ABORT = 4,     /* sender failed the session; payload = 4-byte status */
} session_wire_kind;

/* A decoded, checked envelope. */
typedef struct {
    session_wire_kind kind; /* kind */
    uint32_t from;          /* sender party index (never self) */
    uint32_t round;         /* protocol round */
    uint64_t seq;           /* sender's sequence number */
    uint64_t incarnation;   /* sender's process incarnation (0 = unknown) */
    uint8_t *payload;       /* malloc'd payload (caller frees with session_wire_msg_clear) */
    size_t len;             /* payload length */
} session_wire_msg;

/*
 * Encodes an envelope from s->self to party `to` (ignored unless kind is
 * DIRECT or READY).
 * Out: *out, *out_len — malloc'd bytes; caller frees with free(). NULL on error.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_MSG_TOO_LARGE.
 */
MPC_MUST_CHECK mpc_status session_wire_seal(const session *s, session_wire_kind kind, uint32_t to,
                                            uint32_t round, uint64_t seq, const uint8_t *payload,
                                            size_t len, uint8_t **out, size_t *out_len);

/*
 * Decodes and checks bytes that arrived on channel ch of session s: on .b
 * BROADCAST and ABORT are accepted, on .d.<self> DIRECT, on .r.<self> READY.
 * Out: *msg — filled on MPC_OK (zeroed otherwise).
 * Returns: MPC_OK; MPC_ERR_EXISTS for our own broadcast echoed back by the
 *          server (not an error: drop it silently); otherwise the
 *          MPC_ERR_MSG_* code of the first failed check.
 */
MPC_MUST_CHECK mpc_status session_wire_open(const session *s, session_chan ch, const uint8_t *data,
                                            size_t len, session_wire_msg *msg);

/*
 * Returns: the largest envelope session s may legitimately receive: the
 * envelope overhead plus the largest payload of any kind — the protocol's
 * largest declared message (tss_proto_max_msg_len over every round and kind),
 * a READY or an ABORT — capped at SESSION_WIRE_MAX. Anything longer is
 * dropped before it is decoded or queued (DESIGN §5).
 */
size_t session_wire_max(const session *s);

/*
 * Returns: the largest payload s's protocol declares for (round, kind of msg);
 * 0 if that round and kind carry no message.
 */
size_t session_wire_payload_max(const session *s, uint32_t round, int is_broadcast);

/* Wipes and frees msg's payload; msg becomes empty. Accepts NULL. */
void session_wire_msg_clear(session_wire_msg *msg);

#endif /* MPC_SESSION_WIRE_H */

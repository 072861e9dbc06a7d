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
 * Ephemeral keys (forward secrecy, DESIGN §5): each session draws an X25519
 * key pair at setup (session_wire_eph_create) and announces its public key
 * as the payload of its READY probes, signed by the identity key and bound
 * to the sid by the envelope. A peer's announcement, once verified, gives the
 * key shared with that peer (crypto_box_beforenm); direct payloads are
 * sealed and opened only under those keys. The secret and shared keys live
 * in secure memory and are wiped when the session's protocol side ends
 * (session_wire_eph_destroy, on every exit path).
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
#define SESSION_WIRE_MAX                                                                           \
    (4u << 20)                 /* ceiling of any envelope, whatever the protocol (a                \
                                  DKLs23 batch of 64: 2.6 MB, DESIGN §7.1); the                   \
                                  server's max_payload bounds it further */
#define SESSION_WIRE_ROUNDS 32 /* rounds scanned for a protocol's declared sizes */
/* Envelope bytes around a payload: every field at its longest (two node ids,
 * sid, varints, signature) plus the nonce and MAC of a direct payload. */
#define SESSION_WIRE_OVERHEAD (2u * (TRANSPORT_NODE_ID_MAX + 3u) + 200u)
/* Largest ABORT payload: status (4) | id length (1) | id | two restart-proof
 * READY envelopes, each u32 length | envelope (its payload: a 32-byte
 * ephemeral key), session/blame.h. */
#define SESSION_WIRE_ABORT_MAX                                                                     \
    (4u + 1u + TRANSPORT_NODE_ID_MAX + 2u * (4u + SESSION_WIRE_OVERHEAD + 32u))

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
    uint8_t *payload; /* payload in secret memory (caller frees with session_wire_msg_clear) */
    size_t len;       /* payload length */
    int sealed;       /* DIRECT: payload still nonce || ciphertext (session_wire_unbox) */
} session_wire_msg;

/*
 * Draws s's ephemeral X25519 key pair (secure memory, worker only).
 * Returns: MPC_OK, MPC_ERR_NOMEM, MPC_ERR_RANDOM.
 */
MPC_MUST_CHECK mpc_status session_wire_eph_create(session *s);

/* Wipes and frees s's ephemeral keys (secret, shared). Idempotent. */
void session_wire_eph_destroy(session *s);

/*
 * Records party `from`'s ephemeral public key (a verified READY payload of
 * TRANSPORT_EPH_PK bytes) and derives the key shared with it. A repeat of
 * the same key is accepted; a different one is not.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (length); MPC_ERR_MSG_REPLAY (a
 *          different key announced before); MPC_ERR_CRYPTO (small-order
 *          key); MPC_ERR_SESSION_STATE (no own keys).
 */
MPC_MUST_CHECK mpc_status session_wire_eph_learn(session *s, uint32_t from, const uint8_t *pk,
                                                 size_t len);

/* Returns: 1 if party p's ephemeral key is known. */
int session_wire_eph_known(const session *s, uint32_t p);

/*
 * Opens a sealed direct payload from party `from` under the key shared with it.
 * Out: *pt, *pt_len (malloc'd; wipe and free). Returns: MPC_OK,
 *      MPC_ERR_MSG_DECRYPT (no key yet or bad ciphertext), MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status session_wire_unbox(const session *s, uint32_t from, const uint8_t *sealed,
                                             size_t len, uint8_t **pt, size_t *pt_len);

/*
 * Encodes an envelope from s->self to party `to` (ignored unless kind is
 * DIRECT or READY). A READY carries s's ephemeral public key (payload
 * ignored); a DIRECT is sealed under the key shared with `to`, which must be
 * known.
 * Out: *out, *out_len — malloc'd bytes; caller frees with free(). NULL on error.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_MSG_TOO_LARGE,
 *          MPC_ERR_SESSION_STATE (no ephemeral key for `to`).
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

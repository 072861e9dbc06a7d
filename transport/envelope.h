/*
 * envelope.h — the signed (and, for direct messages, encrypted) peer envelope
 * of proto/envelope.proto (DESIGN §5).
 *
 * Seal: direct payloads become nonce(24, random) || crypto_box_easy_afternm
 * under the caller's key for the recipient — in sessions the key shared by
 * the two parties' per-session ephemeral X25519 keys
 * (transport_envelope_box_key), never one derived from the long-term
 * identities, so a stolen identity key opens no recorded traffic; the envelope is encoded with
 * an empty signature, "mpc-node/envelope/v1\0" || encoding is signed with the
 * node's Ed25519 identity, and the envelope is encoded again with the
 * signature.
 *
 * Open checks, in this order, each with its own status and counter; nothing
 * is fully decoded before the signature verified (DESIGN §5):
 *   size <= max_size              MPC_ERR_MSG_TOO_LARGE
 *   outer frame: a bounded scan of the protobuf fields (known numbers in
 *   ascending order, declared wire types, lengths inside the buffer, a
 *   non-empty from, a 64-byte signature); no allocation
 *                                 MPC_ERR_MSG_MALFORMED
 *   version == 1                  MPC_ERR_MSG_VERSION
 *   sender in the peer table      MPC_ERR_MSG_UNKNOWN_SENDER
 *   signature over domain || the received bytes with the signature field
 *   cut out (exactly what the sender signed)
 *                                 MPC_ERR_MSG_BAD_SIGNATURE
 *   full decode, canonical encoding, 16-byte sid
 *                                 MPC_ERR_MSG_MALFORMED
 *   kind known                    MPC_ERR_MSG_KIND
 *   DIRECT: to == self; others: to empty
 *                                 MPC_ERR_MSG_WRONG_RECIPIENT
 *   sid == expected sid           MPC_ERR_MSG_WRONG_SESSION
 *   DIRECT with opts->box_key: decrypts
 *                                 MPC_ERR_MSG_DECRYPT
 * A DIRECT opened without a key comes back verified but still sealed
 * (out->sealed = 1): the caller opens it with transport_envelope_unbox once
 * it knows the sender's ephemeral key.
 * The canonical-encoding check (re-encoding gives the received bytes) means
 * that no byte can change without changing what was signed.
 *
 * Replay of (from, round, seq) is the session's to check: the session actor
 * keeps a bounded replay set per session (session/actor.c).
 *
 * THREAD SAFETY: seal/open are thread-safe (the peer table takes a read
 * lock); counters are updated atomically.
 */
#ifndef MPC_TRANSPORT_ENVELOPE_H
#define MPC_TRANSPORT_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "transport/peer_table.h"

#define TRANSPORT_ENVELOPE_VERSION  1
#define TRANSPORT_ENVELOPE_MAX_SIZE (1u << 20) /* default open size limit, 1 MiB */
#define TRANSPORT_SID_LEN           16
#define TRANSPORT_ENVELOPE_DOMAIN   "mpc-node/envelope/v1" /* signed with its NUL */
#define TRANSPORT_EPH_PK            32                     /* X25519 ephemeral public key */
#define TRANSPORT_EPH_SK            32                     /* X25519 ephemeral secret key */
#define TRANSPORT_BOX_OVERHEAD      40 /* nonce (24) and MAC (16) of a direct payload */

/* Values of proto EnvelopeKind. */
typedef enum {
    TRANSPORT_ENVELOPE_BROADCAST = 1, /* payload in clear, to empty */
    TRANSPORT_ENVELOPE_DIRECT = 2,    /* payload encrypted to `to` */
    TRANSPORT_ENVELOPE_READY = 3,     /* readiness barrier, payload in clear */
    TRANSPORT_ENVELOPE_ABORT = 4,     /* sender failed the session, payload in clear */
} transport_envelope_kind;

/* What a sender puts in an envelope. All pointers borrowed. */
typedef struct {
    const uint8_t *sid;           /* TRANSPORT_SID_LEN bytes */
    const char *to;               /* recipient node id for DIRECT, NULL otherwise */
    uint32_t round;               /* protocol round (1-based) */
    uint64_t seq;                 /* per (sid, from, round) sequence number */
    uint64_t incarnation;         /* sender process incarnation (0 = unknown) */
    transport_envelope_kind kind; /* kind */
    const uint8_t *payload;       /* plaintext payload */
    size_t payload_len;           /* its length */
    const uint8_t *box_key;       /* DIRECT: TRANSPORT_BOX_KEY bytes shared with `to`, required */
} transport_envelope_in;

/* An opened envelope. Clear with transport_envelope_opened_clear(). */
typedef struct {
    uint8_t sid[TRANSPORT_SID_LEN];       /* session id */
    char from[TRANSPORT_NODE_ID_MAX + 1]; /* verified sender */
    uint32_t round;                       /* round */
    uint64_t seq;                         /* sequence number */
    uint64_t incarnation;                 /* sender process incarnation (0 = unknown) */
    transport_envelope_kind kind;         /* kind */
    uint64_t sent_at_ms;                  /* sender wall clock (informational) */
    uint8_t *payload;                     /* plaintext, owned (mpc_secure_alloc), wiped on clear */
    size_t payload_len;                   /* its length */
    int sealed; /* 1: DIRECT opened without a key, payload = nonce || ciphertext */
} transport_envelope_opened;

/* Rejection counters (one per status) and accepted count; updated atomically. */
typedef struct {
    uint64_t opened;          /* accepted */
    uint64_t too_large;       /* MPC_ERR_MSG_TOO_LARGE */
    uint64_t malformed;       /* MPC_ERR_MSG_MALFORMED */
    uint64_t version;         /* MPC_ERR_MSG_VERSION */
    uint64_t unknown_sender;  /* MPC_ERR_MSG_UNKNOWN_SENDER */
    uint64_t bad_signature;   /* MPC_ERR_MSG_BAD_SIGNATURE */
    uint64_t kind;            /* MPC_ERR_MSG_KIND */
    uint64_t wrong_recipient; /* MPC_ERR_MSG_WRONG_RECIPIENT */
    uint64_t wrong_session;   /* MPC_ERR_MSG_WRONG_SESSION */
    uint64_t decrypt;         /* MPC_ERR_MSG_DECRYPT */
} transport_envelope_counters;

/* Options of open. */
typedef struct {
    size_t max_size;                       /* 0 = TRANSPORT_ENVELOPE_MAX_SIZE */
    const uint8_t *expected_sid;           /* TRANSPORT_SID_LEN bytes, required */
    transport_envelope_counters *counters; /* optional */
    const uint8_t *box_key; /* DIRECT: key shared with the sender; NULL = leave it sealed */
} transport_envelope_open_opts;

/*
 * Builds a signed envelope from self (the peer table's identity) to in->to.
 * Out: *out / *out_len — malloc'd encoding; caller frees with free(). Cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (DIRECT without box_key included),
 *          MPC_ERR_NOMEM, MPC_ERR_RANDOM, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status transport_envelope_seal(transport_peer_table *peers,
                                                  const transport_envelope_in *in, uint8_t **out,
                                                  size_t *out_len);

/*
 * Verifies and opens data[0..len).
 * Out: *out — cleared on entry; on MPC_OK the caller owns it and calls
 *      transport_envelope_opened_clear().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, or one of the
 *          rejection codes listed at the top of this header.
 */
MPC_MUST_CHECK mpc_status transport_envelope_open(transport_peer_table *peers,
                                                  const transport_envelope_open_opts *opts,
                                                  const uint8_t *data, size_t len,
                                                  transport_envelope_opened *out);

/*
 * The direct-payload key of two parties: crypto_box_beforenm(peer_pk, my_sk)
 * over their ephemeral X25519 keys.
 * Out: key (wiped on error).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CRYPTO (peer_pk of small order).
 */
MPC_MUST_CHECK mpc_status transport_envelope_box_key(uint8_t key[TRANSPORT_BOX_KEY],
                                                     const uint8_t peer_pk[TRANSPORT_EPH_PK],
                                                     const uint8_t my_sk[TRANSPORT_EPH_SK]);

/*
 * Opens a sealed direct payload (nonce || ciphertext) under key.
 * Out: *pt, *pt_len — plaintext in secret memory (free with mpc_secure_free); NULL on error.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_MSG_DECRYPT.
 */
MPC_MUST_CHECK mpc_status transport_envelope_unbox(const uint8_t key[TRANSPORT_BOX_KEY],
                                                   const uint8_t *sealed, size_t len, uint8_t **pt,
                                                   size_t *pt_len);

/*
 * Reads the sender id from the outer frame of data[0..len) (no signature
 * check, no decode): for recognising one's own echoed broadcast only.
 * Out: out — NUL-terminated on MPC_OK.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_MSG_MALFORMED.
 */
MPC_MUST_CHECK mpc_status transport_envelope_peek_from(const uint8_t *data, size_t len,
                                                       char out[TRANSPORT_NODE_ID_MAX + 1]);

/* Returns: how many envelopes open has fully decoded so far (test hook). */
uint64_t transport_envelope_decodes(void);

/* Wipes and frees the payload and zeroes *o. Accepts NULL. */
void transport_envelope_opened_clear(transport_envelope_opened *o);

/*
 * What anyone holding the sender's public key can check of an envelope
 * (evidence, DESIGN §7): its header and the digest of its payload as signed
 * (DIRECT: of the ciphertext). No secret is needed.
 */
typedef struct {
    uint8_t sid[TRANSPORT_SID_LEN];       /* session id */
    char from[TRANSPORT_NODE_ID_MAX + 1]; /* claimed sender */
    char to[TRANSPORT_NODE_ID_MAX + 1];   /* recipient (DIRECT), else empty */
    uint32_t round;                       /* round */
    uint64_t seq;                         /* sequence number */
    uint64_t incarnation;                 /* sender incarnation */
    transport_envelope_kind kind;         /* kind */
    uint8_t payload_digest[32];           /* BLAKE2b-256 of the payload field */
} transport_envelope_header;

/*
 * Decodes data[0..len) (canonical encoding, field shapes, version) into *h,
 * without checking the signature.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_MSG_MALFORMED,
 *          MPC_ERR_MSG_VERSION, MPC_ERR_MSG_KIND.
 */
MPC_MUST_CHECK mpc_status transport_envelope_peek(const uint8_t *data, size_t len,
                                                  transport_envelope_header *h);

/*
 * transport_envelope_peek, then checks the signature under pk (the Ed25519
 * key of h->from, looked up by the caller).
 * Returns: as transport_envelope_peek; MPC_ERR_MSG_BAD_SIGNATURE.
 */
MPC_MUST_CHECK mpc_status transport_envelope_attest(const uint8_t *data, size_t len,
                                                    const uint8_t pk[32],
                                                    transport_envelope_header *h);

#endif /* MPC_TRANSPORT_ENVELOPE_H */

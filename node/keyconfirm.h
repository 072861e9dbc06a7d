/*
 * keyconfirm.h — signed key confirmations: how the nodes of a keygen or
 * reshare agree that every committee member stored the new key version
 * before any of them activates it (docs/DESIGN.md §8.1 "Key activation").
 *
 * WHY: the commit of a finished keygen/reshare is local. A node that dies
 * after its last protocol message but before its commit leaves the others
 * holding a key it never stored (a split). So the commit writes the version
 * PENDING; a resolver (node/resolver.c) asks every committee member on
 * mpc.n.<member>.keyconfirm and activates only once every member said, in a
 * signed answer, that it stored the same key.
 *
 * An answer is one of
 *   PENDING / ACTIVE  the member holds the version (in that state), with the
 *                     key it stored: public key, committee, threshold and the
 *                     transcript hash (SHA-256 over the public outputs: group
 *                     key and every member's verifying share, in committee
 *                     order; node_keyconfirm_transcript);
 *   FAILED            its request log holds a final failure for this key: it
 *                     never stored it (or discarded it) and never will;
 *   UNKNOWN           neither (not finished yet, or never got the request);
 *   RETRY             it did not store this key and the attempt that made it is
 *                     over here: its own attempt failed for a transient cause and
 *                     the request waits here for its next attempt (retry queue), or
 *                     it discarded its key of that attempt for a RETRY answer
 *                     (request log: MPC_ERR_KEY_ATTEMPT_DISCARDED) — docs/DESIGN.md
 *                     §4.4 "Keygens and reshares". Never answered while an attempt
 *                     of the request is running here (it may store that key), nor
 *                     while the member's store holds the version asked about; the
 *                     member looks at its jobs before its store (a job leaves its
 *                     lists only after its commit), so a RETRY stays true.
 * Every answer is signed by the member's identity key over a domain tag, the
 * query (with the asker's fresh nonce: an answer to an older query is
 * refused) and the member's node id.
 *
 * Decision (node_keyconfirm_decide) over the answers of every member:
 *   a FAILED or a mismatching confirmation -> DISCARD (a member holds no such
 *     key, or another one: the committee can never all confirm it);
 *   else a RETRY -> REDO (the same reason; the request is run again, so the
 *     key is discarded and the request-log entry says so, not a final
 *     failure); DISCARD once the deadline passed;
 *   an ACTIVE confirmation that matches -> ACTIVATE (that member verified
 *     every member's confirmation before activating);
 *   every member confirmed (PENDING or ACTIVE) and matches -> ACTIVATE;
 *   otherwise WAIT, and EXPIRED (discard, logged as a possible split) once the
 *     resolution deadline passed.
 * A member reaches FAILED only without having stored, or from PENDING after a
 * DISCARD, so by induction no node collected every confirmation of a key
 * another node discarded for a FAILED answer: only the EXPIRED path can split
 * (a partition hiding one member from one node only until the deadline).
 *
 * Encodings (integers big-endian):
 *   query:  u8 format = 1 | u8 key_type | u8 rid_len | request id |
 *           u8 wallet_len | wallet | u32 version | nonce (16)
 *   answer: query bytes | u8 node_len | node id | u8 kind |
 *           [PENDING/ACTIVE: u8 pk_len | pk | u16 threshold | u8 n |
 *            n x (u8 id_len | id) | transcript hash (32)] |
 *           signature (64) over "mpc-node/keyconfirm/v1\0" || everything before it
 *
 * THREAD SAFETY: pure functions over caller-owned data; thread-safe.
 */
#ifndef MPC_NODE_KEYCONFIRM_H
#define MPC_NODE_KEYCONFIRM_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"
#include "node/client/request.h"
#include "node/store/identity.h"
#include "node/store/keyinfo.h"

#define NODE_KEYCONFIRM_FORMAT 1u
#define NODE_KEYCONFIRM_NONCE  16u /* query nonce bytes */
#define NODE_KEYCONFIRM_HASH   32u /* transcript hash bytes */
#define NODE_KEYCONFIRM_QUERY_MAX                                                                  \
    (8u + NODE_CLIENT_REQUEST_ID_MAX + NODE_CLIENT_WALLET_ID_MAX + NODE_KEYCONFIRM_NONCE)
#define NODE_KEYCONFIRM_MAX                                                                        \
    (NODE_KEYCONFIRM_QUERY_MAX + 6u + NODE_ID_MAX + NODE_STORE_KEYINFO_PK_MAX +                    \
     NODE_STORE_KEYINFO_MAX_PARTIES * (1u + NODE_ID_MAX) + NODE_KEYCONFIRM_HASH + 64u)

/* Which key version is asked about, and a fresh nonce. */
struct node_keyconfirm_query {
    int key_type;                                    /* Mpc__KeyType (1 or 2) */
    char request_id[NODE_CLIENT_REQUEST_ID_MAX + 1]; /* the keygen/reshare request */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1];      /* valid wallet id */
    uint32_t version;                                /* the version it created (>= 1) */
    uint8_t nonce[NODE_KEYCONFIRM_NONCE];            /* fresh random bytes of the asker */
};

/* Answer kinds. */
enum node_keyconfirm_kind {
    NODE_KEYCONFIRM_PENDING = 1, /* stored, not yet active */
    NODE_KEYCONFIRM_ACTIVE = 2,  /* stored and activated */
    NODE_KEYCONFIRM_FAILED = 3,  /* not stored (or discarded), never will be */
    NODE_KEYCONFIRM_UNKNOWN = 4, /* no final word yet */
    NODE_KEYCONFIRM_RETRY = 5,   /* not stored; that attempt is over here and the member runs
                                    (or will run) another attempt of the request */
};

/* What a member stored: the fields a confirmation binds. */
struct node_keyconfirm_key {
    uint8_t pk[NODE_STORE_KEYINFO_PK_MAX]; /* group public key */
    size_t pk_len;                         /* 1..NODE_STORE_KEYINFO_PK_MAX */
    uint32_t threshold;                    /* k */
    char committee[NODE_STORE_KEYINFO_MAX_PARTIES][NODE_ID_MAX + 1]; /* members, in order */
    size_t n;                                 /* 1..NODE_STORE_KEYINFO_MAX_PARTIES */
    uint8_t transcript[NODE_KEYCONFIRM_HASH]; /* node_keyconfirm_transcript */
};

/* One member's signed answer. */
struct node_keyconfirm {
    struct node_keyconfirm_query q; /* the query answered */
    char node_id[NODE_ID_MAX + 1];  /* the answering member */
    int kind;                       /* enum node_keyconfirm_kind */
    struct node_keyconfirm_key key; /* PENDING / ACTIVE only */
};

/*
 * Encodes a query. Out: out[0..*len), *len 0 on failure.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, bad key type, ids or version 0);
 *          MPC_ERR_BUFFER_TOO_SMALL (NODE_KEYCONFIRM_QUERY_MAX always suffices).
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_query_encode(const struct node_keyconfirm_query *q,
                                                       uint8_t *out, size_t cap, size_t *len);

/*
 * Decodes and validates a query. Out: *q — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_CONFIRM_MALFORMED; MPC_ERR_INVALID_ARG (NULL).
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_query_decode(struct node_keyconfirm_query *q,
                                                       const uint8_t *in, size_t len);

/*
 * Encodes an answer and signs it with id.
 * Out: out[0..*len) (NODE_KEYCONFIRM_MAX always suffices), *len 0 on failure.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, bad kind, ids or key fields);
 *          MPC_ERR_BUFFER_TOO_SMALL; the identity's signing error.
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_encode(const struct node_keyconfirm *c,
                                                 const node_store_identity *id, uint8_t *out,
                                                 size_t cap, size_t *len);

/*
 * Decodes an answer and checks that it answers query q, comes from node_id and
 * is signed by pk (that node's identity key from the peers file).
 * Out: *c — cleared on entry (and on failure).
 * Returns: MPC_OK; MPC_ERR_CONFIRM_MALFORMED (layout, sizes, kind);
 *          MPC_ERR_CONFIRM_FORGED (signature); MPC_ERR_CONFIRM_REPLAYED
 *          (answers another query, e.g. an older nonce, or comes from another
 *          node); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_open(struct node_keyconfirm *c, const uint8_t *in,
                                               size_t len, const struct node_keyconfirm_query *q,
                                               const char *node_id, const uint8_t pk[32]);

/*
 * Checks that a confirmation (PENDING/ACTIVE) states the key this node stored.
 * Returns: MPC_OK; MPC_ERR_CONFIRM_MISMATCH (any field differs);
 *          MPC_ERR_INVALID_ARG (NULL, or c is not a confirmation).
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_match(const struct node_keyconfirm *c,
                                                const struct node_keyconfirm_key *own);

/*
 * The transcript hash of a key: SHA-256("mpc-node/keyconfirm/transcript/v1\0" ||
 * u8 pk_len || group key || u32 n || n x (u8 len || vshare)), verifying shares
 * in committee order.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, lengths out of bounds).
 */
MPC_MUST_CHECK mpc_status node_keyconfirm_transcript(uint8_t out[NODE_KEYCONFIRM_HASH],
                                                     const uint8_t *pk, size_t pk_len,
                                                     const uint8_t *const *vshares,
                                                     const size_t *vshare_lens, size_t n);

/* What each member's latest answer said (node_keyconfirm_decide's input). */
enum node_keyconfirm_seen {
    NODE_KEYCONFIRM_SEEN_NONE = 0, /* no valid answer yet, or UNKNOWN */
    NODE_KEYCONFIRM_SEEN_PENDING,  /* a matching PENDING confirmation */
    NODE_KEYCONFIRM_SEEN_ACTIVE,   /* a matching ACTIVE confirmation */
    NODE_KEYCONFIRM_SEEN_FAILED,   /* a FAILED answer */
    NODE_KEYCONFIRM_SEEN_MISMATCH, /* a confirmation of another key */
    NODE_KEYCONFIRM_SEEN_RETRY,    /* a RETRY answer */
};

/* The resolver's verdict on one pending key version. */
enum node_keyconfirm_decision {
    NODE_KEYCONFIRM_WAIT = 0,     /* ask again later */
    NODE_KEYCONFIRM_ACTIVATE = 1, /* every member confirmed (or one activated) */
    NODE_KEYCONFIRM_DISCARD = 2,  /* a member failed or stored another key */
    NODE_KEYCONFIRM_EXPIRED = 3,  /* deadline passed without a verdict: discard, possible split */
    NODE_KEYCONFIRM_REDO = 4,     /* a member runs another attempt: discard this one's key and
                                     join the next attempt (node_store_keys_retract) */
};

/*
 * The decision rule above over seen[0..n) (one entry per committee member,
 * this node's own entry included); expired: the deadline has passed.
 * Returns: the decision; NODE_KEYCONFIRM_WAIT for NULL or n == 0.
 */
enum node_keyconfirm_decision node_keyconfirm_decide(const uint8_t *seen, size_t n, int expired);

#endif /* MPC_NODE_KEYCONFIRM_H */

/*
 * keyclaim.h — how a node that joins a key's committee by reshare learns the
 * key's public data (group key, old committee and threshold, old verifying
 * shares, for ECDSA the key context) without trusting any single node.
 *
 * WHY: a reshare request names only the wallet, key type and the new
 * committee; a brand-new member holds no record of the key, yet it must
 * (a) build the same session party list as everyone else (old committee
 * then new committee, in keyinfo order) and (b) give the reshare protocol a
 * public-only record of the old version: the protocol pins every dealer's
 * D_{i,0} to λ_i·X_i^old and Σ D_{i,0} to Y (spec §7, tss/reshare.h), so
 * these must be the real values.
 *
 * DESIGN (echo over signed claims): before the session, the joining node
 * sends a query (key type, wallet, fresh 16-byte nonce) to every peer of the
 * peers file on mpc.n.<peer>.keyclaim. Each node answers with a claim signed
 * by its Ed25519 identity key over a domain tag, the query (with the nonce:
 * no replay of an older claim) and its own node id: "found" with its active
 * version number and the public-only record of that version, or "not found".
 * The joining node accepts the public data only if
 *   1. every claim verifies under the sender's key from the peers file and
 *      answers this very query (node_keyclaim_open);
 *   2. every "found" claim is byte-identical (version and record) — any
 *      disagreement is refused as MPC_ERR_EQUIVOCATION (node_keyclaim_agree);
 *   3. every member of the old committee named by that record sent it
 *      (node_keyclaim_vouched): all old dealers agree.
 * Soundness: an honest old member signs only its own stored view, so a
 * forged committee or key needs every member of the forged committee to
 * sign it and no honest holder of the key to answer — with honest holders
 * up (which the reshare needs anyway: the session waits for every old
 * member) a forgery shows up as a disagreement. What is accepted is then
 * checked again by the protocol: dealers' commitments against X^old and Y,
 * and the confirmation round, which binds Y and the new verifying shares
 * across every new member (an overlapping honest member holding the real
 * record would fail the session). The result reports the group key, which
 * the client compares with the key it knows.
 * Transport: core NATS request/reply; the claim is authenticated by its
 * signature, not by the transport. Public data only: nothing secret is
 * served (the record is re-encoded public-only by the key type's handler).
 *
 * Encodings (integers big-endian):
 *   query:  u8 format = 1 | u8 key_type | u8 wallet_len | wallet | nonce (16)
 *   claim:  query bytes | u8 node_len | node id | u8 found |
 *           [found: u32 active_version | u32 rec_len | public record] |
 *           signature (64) over "mpc-node/keyclaim/v1\0" || everything before it
 *
 * THREAD SAFETY: pure functions over caller-owned data; thread-safe.
 */
#ifndef MPC_NODE_KEYCLAIM_H
#define MPC_NODE_KEYCLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"
#include "node/store/identity.h"

#define NODE_KEYCLAIM_FORMAT    1u
#define NODE_KEYCLAIM_NONCE     16u /* query nonce bytes */
#define NODE_KEYCLAIM_QUERY_MAX (3u + NODE_CLIENT_WALLET_ID_MAX + NODE_KEYCLAIM_NONCE)
#define NODE_KEYCLAIM_REC_MAX   (32u << 10) /* public record bound */
#define NODE_KEYCLAIM_MAX                                                                          \
    (NODE_KEYCLAIM_QUERY_MAX + 2u + NODE_ID_MAX + 8u + NODE_KEYCLAIM_REC_MAX + 64u)

/* A query: which key, and a fresh nonce. */
struct node_keyclaim_query {
    int key_type;                               /* Mpc__KeyType (1 or 2) */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1]; /* valid wallet id */
    uint8_t nonce[NODE_KEYCLAIM_NONCE];         /* fresh random bytes of the asker */
};

/* One node's statement about the key. */
struct node_keyclaim {
    struct node_keyclaim_query q;  /* the query answered */
    char node_id[NODE_ID_MAX + 1]; /* the claiming node */
    int found;                     /* 1: holds the key; 0: does not */
    uint32_t active_version;       /* found: its active version (>= 1) */
    const uint8_t *record;         /* found: public-only record (borrowed) */
    size_t record_len;             /* its length (1..NODE_KEYCLAIM_REC_MAX) */
};

/*
 * Encodes a query.
 * Out: out[0..*len), *len 0 on failure.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, bad key type or wallet);
 *          MPC_ERR_BUFFER_TOO_SMALL (NODE_KEYCLAIM_QUERY_MAX always suffices).
 */
MPC_MUST_CHECK mpc_status node_keyclaim_query_encode(const struct node_keyclaim_query *q,
                                                     uint8_t *out, size_t cap, size_t *len);

/*
 * Decodes and validates a query.
 * Out: *q — cleared on entry.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_INVALID_ARG (NULL).
 */
MPC_MUST_CHECK mpc_status node_keyclaim_query_decode(struct node_keyclaim_query *q,
                                                     const uint8_t *in, size_t len);

/*
 * Encodes a claim and signs it with id.
 * Out: *out — malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, bad ids, found without a record
 *          or version, record too long); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_keyclaim_encode(const struct node_keyclaim *c,
                                               const node_store_identity *id, uint8_t **out,
                                               size_t *out_len);

/*
 * Decodes a claim, checks that it answers query q, comes from node_id and is
 * signed by pk (the node's identity key from the peers file).
 * Out: *c — cleared on entry; c->record points into in (valid while in is).
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (layout); MPC_ERR_MSG_BAD_SIGNATURE;
 *          MPC_ERR_TRANSCRIPT (answers another query or comes from another
 *          node); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_keyclaim_open(struct node_keyclaim *c, const uint8_t *in, size_t len,
                                             const struct node_keyclaim_query *q,
                                             const char *node_id, const uint8_t pk[32]);

/*
 * Rule 2: every found claim of claims[0..n) states the same version and record.
 * Out: *chosen — index of the first found claim (n if none).
 *      disagreeing — on MPC_ERR_EQUIVOCATION the node id of the first claim
 *      that differs from the first found one (may be NULL).
 * Returns: MPC_OK; MPC_ERR_UNKNOWN_WALLET (no claim found the key);
 *          MPC_ERR_EQUIVOCATION; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_keyclaim_agree(const struct node_keyclaim *claims, size_t n,
                                              size_t *chosen, const char **disagreeing);

/*
 * Rule 3: every node of committee[0..m) sent a found claim in claims[0..n)
 * (call after node_keyclaim_agree, so found claims are identical).
 * Out: missing — on failure the first committee member without one (may be NULL).
 * Returns: MPC_OK; MPC_ERR_PEER_UNAVAILABLE; MPC_ERR_INVALID_ARG (NULL, m == 0).
 */
MPC_MUST_CHECK mpc_status node_keyclaim_vouched(const struct node_keyclaim *claims, size_t n,
                                                const char *const *committee, size_t m,
                                                const char **missing);

#endif /* MPC_NODE_KEYCLAIM_H */

/*
 * keystate.h — the key-state digest exchange between nodes (docs/DESIGN.md
 * §8.2): messages, the per-key entries they carry, and their comparison.
 * The daemon side (serving, periodic rounds, the gate, catch-up) is
 * node/keystate_node.c.
 *
 * What a node states about a key it shares with a peer (the peer is in the
 * key's active committee as this node sees it): key type, wallet, active
 * version, group public key, threshold and committee of that version.
 *
 * A round, node P asking node A on mpc.n.<A>.keystate (core request/reply):
 *   1. ROOT query -> A's root: BLAKE2b-256 over A's entries for the keys it
 *      shares with P, sorted by (key type, wallet), and their count. Equal
 *      to P's own root over the keys it shares with A: every shared key
 *      agrees, done.
 *   2. otherwise DETAIL queries, page by page (a reply holds at most
 *      NODE_KEYSTATE_MSG_MAX bytes; a cursor names the last key seen), and a
 *      per-key comparison (node_keystate_compare).
 * Every query and reply is signed with the sender's identity key over a
 * domain tag and every field; a reply names both nodes and echoes the
 * query's random nonce, and both carry a wall-clock time that must be within
 * NODE_KEYSTATE_SKEW_MS of the receiver's: a reply cannot be replayed into
 * another round, a query not into another time.
 *
 * Encoding (integers big-endian; strings as u8 length || bytes):
 *   entry = u8 key_type | wallet | u32 version | u8 pk_len | pk |
 *           u16 threshold | u8 n | n x id
 *   query = "MKSQ" | u8 mode | from | to | nonce(16) | u64 time_ms |
 *           u8 cursor_key_type | cursor_wallet | sig(64)
 *   reply = "MKSR" | u8 mode | from | to | nonce(16) | u64 time_ms |
 *           root(32) | u32 count | u8 more | u16 n | n x entry | sig(64)
 *   sig   = Ed25519("mpc-node/keystate/v1\0" || everything before sig)
 *
 * THREAD SAFETY: pure functions on caller-owned data.
 */
#ifndef MPC_NODE_KEYSTATE_H
#define MPC_NODE_KEYSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"
#include "node/store/identity.h"
#include "node/store/keyinfo.h"

#define NODE_KEYSTATE_MSG_MAX 65536u  /* largest query or reply */
#define NODE_KEYSTATE_SKEW_MS 120000u /* accepted clock difference */
#define NODE_KEYSTATE_NONCE   16u     /* query nonce bytes */
#define NODE_KEYSTATE_ENTRY_MAX                                                                    \
    (1u + 1u + NODE_CLIENT_WALLET_ID_MAX + 4u + 1u + NODE_STORE_KEYINFO_PK_MAX + 2u + 1u +         \
     NODE_STORE_KEYINFO_MAX_PARTIES * (1u + NODE_ID_MAX))

/* Query modes. */
enum node_keystate_mode {
    NODE_KEYSTATE_ROOT = 1,   /* root and count only */
    NODE_KEYSTATE_DETAIL = 2, /* entries after the cursor */
};

/* One key as a node states it. */
struct node_keystate_entry {
    uint8_t key_type;                                                /* enum node_store_key_type */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1];                      /* wallet id */
    uint32_t version;                                                /* active version */
    uint8_t pk_len;                                                  /* group public key length */
    uint8_t pk[NODE_STORE_KEYINFO_PK_MAX];                           /* group public key */
    uint16_t threshold;                                              /* of the active version */
    uint16_t n;                                                      /* committee size */
    char committee[NODE_STORE_KEYINFO_MAX_PARTIES][NODE_ID_MAX + 1]; /* in keyinfo order */
};

/* A query (before signing / after opening). */
struct node_keystate_query {
    uint8_t mode;                       /* enum node_keystate_mode */
    char from[NODE_ID_MAX + 1];         /* asking node */
    char to[NODE_ID_MAX + 1];           /* asked node */
    uint8_t nonce[NODE_KEYSTATE_NONCE]; /* random, echoed by the reply */
    uint64_t time_ms;                   /* sender's wall clock */
    uint8_t cursor_key_type;            /* DETAIL: entries after this key; 0 = start */
    char cursor_wallet[NODE_CLIENT_WALLET_ID_MAX + 1]; /* its wallet, "" with key type 0 */
};

/* A reply. entries is borrowed when encoding, malloc'ed when opened. */
struct node_keystate_reply {
    uint8_t mode;                        /* the query's mode */
    char from[NODE_ID_MAX + 1];          /* answering node */
    char to[NODE_ID_MAX + 1];            /* asking node */
    uint8_t nonce[NODE_KEYSTATE_NONCE];  /* the query's nonce */
    uint64_t time_ms;                    /* sender's wall clock */
    uint8_t root[32];                    /* over every shared key */
    uint32_t count;                      /* shared keys */
    uint8_t more;                        /* DETAIL: entries follow the last one */
    uint16_t n;                          /* entries in this page */
    struct node_keystate_entry *entries; /* [0..n) */
};

/* What a per-key comparison found. */
enum node_keystate_kind {
    NODE_KEYSTATE_DIVERGED = 1,   /* same version, different key, threshold or committee */
    NODE_KEYSTATE_PEER_NEWER = 2, /* the peer's active version is newer (this store rolled back) */
    NODE_KEYSTATE_PEER_OLDER = 3, /* the peer's active version is older (the peer rolled back) */
    NODE_KEYSTATE_PEER_MISSING =
        4, /* this node lists the peer in the committee; the peer has no such key */
    NODE_KEYSTATE_SELF_MISSING = 5, /* the peer lists this node; this node has no such key */
};

/* One finding of node_keystate_compare. */
struct node_keystate_finding {
    uint8_t kind;                               /* enum node_keystate_kind */
    uint8_t key_type;                           /* the key */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1]; /* its wallet */
    uint32_t my_version;                        /* 0 if missing here */
    uint32_t peer_version;                      /* 0 if missing at the peer */
    const char *field;                      /* DIVERGED: "public_key", "threshold", "committee" */
    const struct node_keystate_entry *peer; /* the peer's entry (borrowed) or NULL */
};

/* Returns: a short name of kind ("diverged", "peer_newer", ...). */
const char *node_keystate_kind_name(int kind);

/*
 * Fills e from the active version of ki (wallet borrowed).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (no active version, bad wallet).
 */
MPC_MUST_CHECK mpc_status node_keystate_entry_from_keyinfo(struct node_keystate_entry *e,
                                                           const char *wallet,
                                                           const struct node_store_keyinfo *ki);

/* Returns: 1 if id is in e's committee, else 0. */
int node_keystate_entry_has(const struct node_keystate_entry *e, const char *id);

/* Sorts entries by (key type, wallet). */
void node_keystate_sort(struct node_keystate_entry *e, size_t n);

/* Returns: <0, 0, >0 ordering a against the key (key_type, wallet). */
int node_keystate_key_cmp(const struct node_keystate_entry *a, uint8_t key_type,
                          const char *wallet);

/* Out: root[32] over the sorted entries e[0..n). */
void node_keystate_root(const struct node_keystate_entry *e, size_t n, uint8_t *root);

/*
 * Encodes and signs q with id.
 * Out: out[0..*len). Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status node_keystate_query_encode(const struct node_keystate_query *q,
                                                     const node_store_identity *id, uint8_t *out,
                                                     size_t cap, size_t *len);

/*
 * Decodes in[0..len) into q without checking the signature: the caller
 * looks up q->from's key, then calls node_keystate_query_verify.
 * Returns: MPC_OK; MPC_ERR_REQ_MALFORMED.
 */
MPC_MUST_CHECK mpc_status node_keystate_query_decode(struct node_keystate_query *q,
                                                     const uint8_t *in, size_t len);

/*
 * Checks the signature of in[0..len) (a decoded query q) with pk, that q is
 * addressed to self, and its time is within NODE_KEYSTATE_SKEW_MS of now_ms.
 * Returns: MPC_OK; MPC_ERR_MSG_BAD_SIGNATURE; MPC_ERR_UNKNOWN_PARTICIPANT (to
 *          another node); MPC_ERR_REQ_STALE (time).
 */
MPC_MUST_CHECK mpc_status node_keystate_query_verify(const struct node_keystate_query *q,
                                                     const uint8_t *in, size_t len,
                                                     const uint8_t *pk, const char *self,
                                                     uint64_t now_ms);

/*
 * Encodes and signs r (r->entries[0..r->n)).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BUFFER_TOO_SMALL.
 */
MPC_MUST_CHECK mpc_status node_keystate_reply_encode(const struct node_keystate_reply *r,
                                                     const node_store_identity *id, uint8_t *out,
                                                     size_t cap, size_t *len);

/* Returns: the encoded size of e. */
size_t node_keystate_entry_size(const struct node_keystate_entry *e);

/*
 * Opens a reply to query q from node q->to whose identity key is pk: the
 * signature, both node ids, the nonce, the mode, the time and every entry.
 * Out: *r — cleared on entry; r->entries malloc'ed (free with
 *      node_keystate_reply_clear), also on failure cleared.
 * Returns: MPC_OK; MPC_ERR_REQ_MALFORMED; MPC_ERR_MSG_BAD_SIGNATURE;
 *          MPC_ERR_MSG_REPLAY (another query's nonce, nodes or mode);
 *          MPC_ERR_REQ_STALE; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_keystate_reply_open(struct node_keystate_reply *r, const uint8_t *in,
                                                   size_t len, const struct node_keystate_query *q,
                                                   const uint8_t *pk, uint64_t now_ms);

/* Frees r->entries and zeroes r. Accepts NULL. */
void node_keystate_reply_clear(struct node_keystate_reply *r);

/*
 * Compares this node's entries mine[0..n_mine) (the keys it shares with the
 * peer) with the peer's theirs[0..n_theirs) (those it shares with this
 * node), both sorted.
 * Out: out[0..*n_out) findings (at most cap; further ones are counted in
 *      *n_out but not written).
 */
void node_keystate_compare(const struct node_keystate_entry *mine, size_t n_mine,
                           const struct node_keystate_entry *theirs, size_t n_theirs,
                           struct node_keystate_finding *out, size_t cap, size_t *n_out);

#endif /* MPC_NODE_KEYSTATE_H */

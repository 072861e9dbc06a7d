/*
 * keyquery.h — the key-info query (proto/keyinfo.proto, subject
 * mpc.n.<node>.keyinfo): a client asks a node for the public facts of one of
 * its keys (group key, chain code, active version, threshold, committee);
 * `mpc-cli xpub --wallet W` asks every node and prints the extended public key
 * only when enough signed answers agree (docs/DESIGN.md §3, §7.2).
 *
 * Flow: client node_client_keyquery_create (signs with its initiator key) ->
 * node node_client_keyquery_open (checks against its initiators and the
 * clock) -> node node_client_keyquery_reply (signed by its identity key; a
 * refusal is a signed reply carrying the status) -> client
 * node_client_keyquery_verify (against the node's key in the peers file).
 *
 * Signatures: Ed25519 over a domain tag with its NUL byte || the carried bytes:
 *   query: "mpc-node/keyinfo-query/v1\0" || KeyInfoSignedQuery.query
 *   reply: "mpc-node/keyinfo-reply/v1\0" || KeyInfoSignedReply.reply
 * A reply names its node, echoes the query nonce and carries SHA-256 of the
 * query bytes: it answers that query of that node only.
 *
 * THREAD SAFETY: pure functions over caller-owned data; thread-safe.
 */
#ifndef MPC_NODE_CLIENT_KEYQUERY_H
#define MPC_NODE_CLIENT_KEYQUERY_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"
#include "node/store/identity.h"
#include "node/store/keyinfo.h"

#define NODE_CLIENT_KEYQUERY_FORMAT        1u
#define NODE_CLIENT_KEYQUERY_QUERY_DOMAIN  "mpc-node/keyinfo-query/v1" /* + its NUL byte */
#define NODE_CLIENT_KEYQUERY_REPLY_DOMAIN  "mpc-node/keyinfo-reply/v1" /* + its NUL byte */
#define NODE_CLIENT_KEYQUERY_NONCE_MIN     16u                         /* nonce bytes, at least */
#define NODE_CLIENT_KEYQUERY_NONCE_MAX     32u                         /* nonce bytes, at most */
#define NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS (60u * 1000u) /* expires_at - created_at at most */
#define NODE_CLIENT_KEYQUERY_SKEW_MS       (60u * 1000u) /* created_at at most this far ahead */
#define NODE_CLIENT_KEYQUERY_MAX           1024u         /* largest signed query accepted */
#define NODE_CLIENT_KEYQUERY_REPLY_MAX     (8u * 1024u)  /* largest signed reply accepted */

/* A query as sent (client) or as opened (node). */
struct node_client_keyquery {
    int key_type;                                  /* Mpc__KeyType */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1];    /* wallet id */
    uint8_t nonce[NODE_CLIENT_KEYQUERY_NONCE_MAX]; /* fresh random bytes */
    size_t nonce_len;                              /* NONCE_MIN..NONCE_MAX */
    uint64_t created_at_ms;                        /* client clock */
    uint64_t expires_at_ms;                        /* refused after this */
    uint8_t client_pk[32];                         /* the signer (an initiator key) */
    uint8_t sha256[32];                            /* SHA-256 of the KeyInfoQuery bytes */
    int decoded;                                   /* 1 once nonce and sha256 are set */
};

/* The public facts of one key, as a node states them. */
struct node_client_keyquery_facts {
    int key_type;                                  /* Mpc__KeyType */
    char wallet[NODE_CLIENT_WALLET_ID_MAX + 1];    /* wallet id */
    uint8_t public_key[NODE_STORE_KEYINFO_PK_MAX]; /* group key */
    size_t public_key_len;                         /* 32 (ed25519) or 33 (secp256k1) */
    uint8_t chain[32];                             /* chain code (valid when has_chain) */
    int has_chain;                                 /* 1 if the key has a chain code */
    uint32_t active_version;                       /* >= 1 */
    uint32_t threshold;                            /* k, 2 <= k <= n */
    size_t n_committee;                            /* n <= NODE_STORE_KEYINFO_MAX_PARTIES */
    char committee[NODE_STORE_KEYINFO_MAX_PARTIES][NODE_ID_MAX + 1]; /* holders, in order */
};

/* A verified reply. */
struct node_client_keyquery_answer {
    char node_id[NODE_ID_MAX + 1];           /* the node that signed it */
    mpc_status status;                       /* MPC_OK: facts hold; else the node's refusal */
    struct node_client_keyquery_facts facts; /* zero unless status is MPC_OK */
};

/*
 * Client side: a signed query for (key_type, wallet) valid ttl_ms from now_ms.
 * Out: *q — what was sent (the reply check needs it); *out — malloc'ed
 *      KeyInfoSignedQuery bytes (free()), *out_len; both cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, bad wallet or key type, nonce length,
 *          ttl 0 or over NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_keyquery_create(const node_store_identity *client,
                                                      int key_type, const char *wallet,
                                                      const uint8_t *nonce, size_t nonce_len,
                                                      uint64_t now_ms, uint64_t ttl_ms,
                                                      struct node_client_keyquery *q, uint8_t **out,
                                                      size_t *out_len);

/*
 * Node side: opens a signed query. clients[0..n_clients) are the accepted
 * client keys (the node's initiators); borrowed.
 * Out: *q — cleared on entry; q->decoded is 1 (nonce, sha256 set) as soon as
 *      the query decoded, so a refusal can still answer it.
 * Returns: MPC_OK; MPC_ERR_KEYINFO_MALFORMED (too large, undecodable, bad
 *          format, key type, wallet or nonce); MPC_ERR_KEYINFO_UNKNOWN_CLIENT
 *          (the key is not in clients); MPC_ERR_KEYINFO_BAD_SIGNATURE;
 *          MPC_ERR_KEYINFO_EXPIRED (expires_at <= now, created_at more than
 *          NODE_CLIENT_KEYQUERY_SKEW_MS ahead, or a validity over
 *          NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_keyquery_open(struct node_client_keyquery *q,
                                                    const uint8_t *in, size_t len,
                                                    const uint8_t (*clients)[32], size_t n_clients,
                                                    uint64_t now_ms);

/*
 * Node side: the signed reply of node_id to q (q->decoded must be 1):
 * status MPC_OK with facts f, or a refusal status (f ignored).
 * Out: *out — malloc'ed KeyInfoSignedReply bytes (free()), *out_len; cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, undecoded q, invalid facts); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_keyquery_reply(
    const node_store_identity *node, const char *node_id, const struct node_client_keyquery *q,
    mpc_status status, const struct node_client_keyquery_facts *f, uint8_t **out, size_t *out_len);

/*
 * Client side: checks the reply in[0..len) of node_id (identity key node_pk,
 * from the peers file) to query q.
 * Out: *a — cleared on entry; set on MPC_OK (a->status: the node's answer).
 * Returns: MPC_OK (a signed answer: facts, or a refusal in a->status);
 *          MPC_ERR_KEYINFO_MALFORMED (undecodable, or facts that do not hold:
 *          key lengths, threshold, committee without the node);
 *          MPC_ERR_KEYINFO_REPLY_FORGED (the signature does not verify under node_pk);
 *          MPC_ERR_KEYINFO_REPLY_MISMATCH (another node, query, nonce, key type
 *          or wallet); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_keyquery_verify(struct node_client_keyquery_answer *a,
                                                      const uint8_t *in, size_t len,
                                                      const char *node_id,
                                                      const uint8_t node_pk[32],
                                                      const struct node_client_keyquery *q);

/*
 * Returns: 1 if a and b state the same key (type, wallet, group key, chain
 * code, active version, threshold and committee in order), else 0.
 */
int node_client_keyquery_facts_equal(const struct node_client_keyquery_facts *a,
                                     const struct node_client_keyquery_facts *b);

#endif /* MPC_NODE_CLIENT_KEYQUERY_H */

/*
 * peerresult.h — adopting a peer's logged sign result (docs/DESIGN.md §4.4).
 *
 * Why: the signers of one sign session do not always end alike. A signer
 * killed after it sent its last message, or one whose last message was lost,
 * fails (or, restarted, runs the request again) while its peer finished and
 * answered. Retrying cannot help it (the peer's session is over), and a
 * different final outcome on the two nodes would make the client count a
 * failure for a request that was signed. So before each new attempt a node
 * asks the signers of its last attempt (mpc.n.<peer>.outcome, core
 * request/reply) for their logged result of the request, and adopts it when:
 * the copy is signed by that peer's identity key (peers file), answers the
 * same request bytes (request digest), is a success of this key type and key
 * version, and its signature verifies under the group key this node holds
 * over the message of the request. The adopted signature is then this node's
 * answer too (one final outcome, the same as its peer's). A peer that
 * logged a failure (checked the same way, MPC_ERR_NOT_SELECTED included)
 * will join no further attempt, so the asker chooses it no more.
 *
 * THREAD SAFETY: node_peerresult_check is a pure function.
 */
#ifndef MPC_NODE_PEERRESULT_H
#define MPC_NODE_PEERRESULT_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "proto/result.pb-c.h"

#define NODE_PEERRESULT_MAX  16384u /* largest answer read (a signed sign Result is ~1 KiB) */
#define NODE_PEERRESULT_NONE "-"    /* the answer when nothing is logged */

/* What asking the co-signers gave (node_peerresult_adopt, daemon_internal.h). */
#define NODE_PEERRESULT_NOTHING 0 /* nothing logged yet, or no usable answer */
#define NODE_PEERRESULT_ADOPTED 1 /* a co-signer's success was taken over */
#define NODE_PEERRESULT_PEER_FAILED                                                                \
    2 /* a co-signer answered the request with a failure:                                          \
         it takes part in no further attempt */

/* What a node expects of a peer's result. All borrowed. */
struct node_peerresult_want {
    const char *peer;         /* the peer asked (the copy must be signed by it) */
    const uint8_t *peer_pk;   /* its 32-byte Ed25519 identity key */
    const char *request_id;   /* the request */
    const uint8_t *digest;    /* 32-byte SHA-256 of the request bytes */
    int key_type;             /* Mpc__KeyType */
    uint32_t version;         /* key version signed with */
    const uint8_t *group_pk;  /* key signed under (group key or the child of the request path):
                                 32 bytes (Ed25519) or 33 (compressed secp256k1) */
    size_t group_pk_len;      /* its length */
    const uint8_t *msg;       /* the signed message (ECDSA: the 32-byte digest) */
    size_t msg_len;           /* its length */
    const uint8_t *tr_output; /* Taproot: the 32-byte x-only output key the request's tweak
                                 gives (the signature must verify under it); NULL otherwise */
};

/*
 * Checks a peer's answer.
 * In: data[0..len) the answer; w what it must match.
 * Out: *res — the decoded Result on MPC_OK (caller frees with
 *      mpc__result__free_unpacked), NULL otherwise; sig (64 bytes) and *recid.
 * Returns: MPC_OK (adopt it); MPC_ERR_NOT_FOUND (nothing logged);
 *          MPC_ERR_GONE (the peer logged a failure of the request: a final
 *          answer, it joins no further attempt); MPC_ERR_MSG_MALFORMED (undecodable,
 *          a success without its signature, or a presig_used that is not a
 *          32-byte id of an ECDSA sign);
 * MPC_ERR_MSG_BAD_SIGNATURE (not signed by w->peer); MPC_ERR_MSG_WRONG_SESSION (another request,
 *          key type or version); MPC_ERR_VERIFY_FAILED (the signature does not
 *          verify); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_peerresult_check(const uint8_t *data, size_t len,
                                                const struct node_peerresult_want *w,
                                                Mpc__Result **res, uint8_t sig[64], uint8_t *recid);

/*
 * The presignature a checked result r says its signature was made with
 * (Result.presig_used: an ECDSA sign served online, DESIGN §7), so that the
 * adopting node's own result says the same.
 * Out: id (32 bytes) when present. Returns: 1 if present, 0 if not.
 */
int node_peerresult_presig(const Mpc__Result *r, uint8_t id[32]);

/*
 * The key a peer's sign result must verify under (node_peerresult_want.group_pk):
 * the child key of the request's derivation path once this node derived it
 * (child_len > 0), else the group key pk. All borrowed.
 * Out: *key, *key_len. Returns: 1; 0 if path names a child (not "" or NULL)
 * but none was derived yet (nothing to check a result against).
 */
int node_peerresult_sign_key(const uint8_t *pk, size_t pk_len, const uint8_t *child,
                             size_t child_len, const char *path, const uint8_t **key,
                             size_t *key_len);

#endif /* MPC_NODE_PEERRESULT_H */

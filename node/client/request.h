/*
 * request.h — client requests (proto/request.proto): signing on the client
 * side (mpc-cli) and, on the node, opening a SignedRequest: size check,
 * decoding, initiator signature, authorizer approvals (m-of-k) and the
 * validation of every field that does not need the key store (DESIGN §4).
 *
 * This is the one request codec: mpc-cli (every command and bench), the node
 * and the tests encode, seal, approve and open requests only through it.
 * Client flow: node_client_request_encode -> node_client_request_seal (the
 * initiator signs) -> node_client_approval_create by each authorizer, on the
 * sealed bytes -> node_client_request_attach -> publish.
 *
 * Signatures are Ed25519 over a domain prefix followed by the encoded Request
 * bytes exactly as carried in SignedRequest.request (never a re-encoding):
 *   initiator:  "mpc-node/request/v1\0"  || request bytes
 *   authorizer: "mpc-node/approval/v1\0" || request bytes
 *
 * Every rejection has its own status code, so a client can tell them apart
 * from the error result:
 *   MPC_ERR_REQ_TOO_LARGE          more than max_bytes
 *   MPC_ERR_REQ_MALFORMED          SignedRequest or Request does not decode
 *   MPC_ERR_REQ_UNSIGNED           no initiator key or no signature
 *   MPC_ERR_REQ_UNKNOWN_INITIATOR  the initiator key is not configured
 *   MPC_ERR_REQ_BAD_SIGNATURE      the initiator signature does not verify
 *   MPC_ERR_REQ_NO_APPROVALS       approvals are required and none is carried
 *   MPC_ERR_REQ_APPROVAL_MISMATCH  an approval by a configured authorizer names
 *                                  other Request bytes (Approval.request_sha256)
 *   MPC_ERR_REQ_APPROVAL_FORGED    an approval by a configured authorizer does
 *                                  not verify
 *   MPC_ERR_REQ_UNAUTHORIZED       fewer than m valid approvals of distinct
 *                                  configured authorizers (approvals by other
 *                                  keys do not count)
 *   MPC_ERR_REQ_INVALID            a field is out of range or badly formed
 *                                  (ids, charsets, sizes, op, key type,
 *                                  duplicate participants, empty message)
 *   MPC_ERR_BAD_THRESHOLD          threshold outside 2 <= k <= n
 *   MPC_ERR_UNKNOWN_PARTICIPANT    a participant/signer is not in the peers file
 *   MPC_ERR_EXPIRED                expires_at_ms is in the past
 *   MPC_ERR_REQ_STALE              created_at_ms outside now +/- max_age_ms (a
 *                                  replayed old request, or a far-off clock)
 *   MPC_ERR_REQ_EXPIRY_TOO_LONG    expires_at_ms - created_at_ms > max_expiry_ms
 *   MPC_ERR_REQ_ZERO_DIGEST        a secp256k1 sign of the all-zero digest (any
 *                                  entry of a batch)
 *   MPC_ERR_BATCH_MIXED            a sign carrying both `message` and `messages`
 *   MPC_ERR_BATCH_TOO_MANY         more `messages` than the policy's max_batch
 *   MPC_ERR_BATCH_DIGEST_LEN       a secp256k1 batch entry that is not 32 bytes
 *   MPC_ERR_BATCH_ENTRY_INVALID    an empty or too long batch entry
 * A batch is refused whole: one bad entry and nothing is signed.
 * The time checks run when the policy sets now_ms (the node always does).
 * Checks that need the key store (unknown wallet, signers not holding the
 * key, key version) are made by the handlers.
 *
 * THREAD SAFETY: pure functions over caller-owned data; thread-safe.
 */
#ifndef MPC_NODE_CLIENT_REQUEST_H
#define MPC_NODE_CLIENT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"
#include "node/config/peers.h"
#include "node/store/identity.h"
#include "proto/request.pb-c.h"

#define NODE_CLIENT_REQUEST_DOMAIN        "mpc-node/request/v1"  /* + its NUL byte */
#define NODE_CLIENT_APPROVAL_DOMAIN       "mpc-node/approval/v1" /* + its NUL byte */
#define NODE_CLIENT_REQUEST_MAX_BYTES     (64u * 1024u)      /* default max encoded SignedRequest */
#define NODE_CLIENT_REQUEST_MSG_MAX       (16u * 1024u)      /* largest message to sign */
#define NODE_CLIENT_REQUEST_CLIENT_MAX    NODE_CLIENT_ID_MAX /* client id (node/client/ids.h) */
#define NODE_CLIENT_REQUEST_PARTIES_MAX   64u /* participants / signers per request */
#define NODE_CLIENT_REQUEST_APPROVALS_MAX 32u /* approvals carried */
#define NODE_CLIENT_REQUEST_MAX_AGE_MS    (5u * 60u * 1000u)  /* default freshness window */
#define NODE_CLIENT_REQUEST_MAX_EXPIRY_MS (60u * 60u * 1000u) /* default longest expiry */
#define NODE_CLIENT_REQUEST_MSG_ID_LEN    64u /* hex SHA-256: the Nats-Msg-Id of a request */
#define NODE_CLIENT_REQUEST_BATCH_MAX     64u /* messages per batch sign (== TSS_BATCH_MAX) */

/* What a node accepts. Arrays borrowed for the duration of the call. */
struct node_client_request_policy {
    const uint8_t (*initiators)[32];  /* accepted initiator public keys */
    size_t n_initiators;              /* >= 1 */
    const uint8_t (*authorizers)[32]; /* authorizer public keys, or NULL */
    size_t n_authorizers;             /* 0 = no approvals required */
    uint32_t approvals_required;      /* m (<= n_authorizers) */
    const node_config_peers *peers;   /* known nodes (participants must be listed) */
    size_t max_bytes;                 /* size bound of the SignedRequest, 0 = default */
    uint64_t now_ms;                  /* wall clock for the time checks, 0 = skip them */
    uint64_t max_age_ms;    /* created_at within now +/- this, 0 = default (replay window) */
    uint64_t max_expiry_ms; /* expires_at - created_at at most this, 0 = default */
    uint32_t max_batch; /* messages per batch sign, 0 = default (NODE_CLIENT_REQUEST_BATCH_MAX) */
};

/* Identification of a request, as far as it could be decoded (for error results). */
struct node_client_request_ids {
    char request_id[NODE_CLIENT_REQUEST_ID_MAX + 1];    /* "" if unknown or invalid */
    char client_id[NODE_CLIENT_REQUEST_CLIENT_MAX + 1]; /* "" if unknown or invalid */
    int op;                                             /* Mpc__Op, 0 if unknown */
    int key_type; /* Mpc__KeyType of sign/reshare, first of keygen */
    char wallet_id[NODE_CLIENT_WALLET_ID_MAX + 1]; /* "" if unknown or invalid */
    int authenticated;                             /* 1 once the initiator signature verified */
    int initiator;      /* index of the initiator key in the policy once authenticated, else -1 */
    uint8_t digest[32]; /* SHA-256 of the Request bytes (its content), once decoded */
};

/*
 * Signs encoded Request bytes as initiator (client side).
 * Out: sig (64 bytes), zeroed on failure.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_request_sign(const node_store_identity *initiator,
                                                   uint8_t sig[64], const uint8_t *req,
                                                   size_t req_len);

/* As node_client_request_sign with the approval domain (an authorizer's approval). */
MPC_MUST_CHECK mpc_status node_client_request_approve(const node_store_identity *authorizer,
                                                      uint8_t sig[64], const uint8_t *req,
                                                      size_t req_len);

/*
 * Encodes a Request (protobuf).
 * Out: *out — malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_request_encode(const Mpc__Request *req, uint8_t **out,
                                                     size_t *out_len);

/*
 * Client side: signs the encoded Request bytes req[0..req_len) as initiator
 * and encodes the SignedRequest (without approvals). initiator NULL makes an
 * unsigned SignedRequest (only to test the node's refusal).
 * Out: *out — malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_request_seal(const node_store_identity *initiator,
                                                   const uint8_t *req, size_t req_len,
                                                   uint8_t **out, size_t *out_len);

/*
 * Authorizer side: approves the Request carried by the SignedRequest bytes
 * signed_req (as written by `mpc-cli <op> --out-request`): signature over
 * NODE_CLIENT_APPROVAL_DOMAIN || Request bytes, plus the label
 * request_sha256 = SHA-256(Request bytes).
 * Out: *out — the encoded Mpc__Approval, malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_REQ_MALFORMED (signed_req does not decode),
 *          MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_approval_create(const node_store_identity *authorizer,
                                                      const uint8_t *signed_req, size_t len,
                                                      uint8_t **out, size_t *out_len);

/*
 * Client side: appends encoded approvals[i][0..lens[i]) to the SignedRequest
 * signed_req; the Request bytes and the initiator signature stay as they are.
 * Nothing is verified here (the node is the judge).
 * Out: *out — malloc'ed (free()), *out_len; cleared on entry.
 * Returns: MPC_OK; MPC_ERR_REQ_MALFORMED (a SignedRequest or Approval does not
 *          decode or has wrong sizes); MPC_ERR_REQ_INVALID (more than
 *          NODE_CLIENT_REQUEST_APPROVALS_MAX in all); MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_request_attach(const uint8_t *signed_req, size_t len,
                                                     const uint8_t *const *approvals,
                                                     const size_t *lens, size_t n, uint8_t **out,
                                                     size_t *out_len);

/*
 * Client side: decodes the Request inside a SignedRequest without checking
 * anything (to show or re-send a saved request).
 * Out: *req — cleared on entry; caller frees with mpc__request__free_unpacked(req, NULL).
 * Returns: MPC_OK, MPC_ERR_REQ_MALFORMED, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_request_peek(const uint8_t *signed_req, size_t len,
                                                   Mpc__Request **req);

/*
 * The Nats-Msg-Id under which a SignedRequest is published: hex SHA-256 of
 * its bytes. JetStream dedup then keys on what was signed, so nobody who
 * cannot produce the bytes can make a request vanish as a "duplicate"; the
 * node does not read the header.
 * Out: out (NODE_CLIENT_REQUEST_MSG_ID_LEN + 1 bytes, NUL-terminated).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_request_msg_id(char *out, size_t cap,
                                                     const uint8_t *signed_req, size_t len);

/*
 * The digest of the Request inside a SignedRequest: SHA-256 of its Request
 * bytes, as the node reports it in Result.request_sha256.
 * Out: digest (32 bytes), zeroed on failure.
 * Returns: MPC_OK, MPC_ERR_REQ_MALFORMED, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_request_digest(uint8_t digest[32], const uint8_t *signed_req,
                                                     size_t len);

/*
 * Client side in one call (tests): encodes req, signs it with initiator, attaches the given
 * approvals (signatures over the same bytes, from node_client_request_approve on
 * node_client_request_encode's output), and encodes the SignedRequest.
 * In: approvers[0..n) identities that approve (may be 0).
 * Out: *out — malloc'ed SignedRequest bytes (caller frees with free()),
 *      *out_len; cleared on entry.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_request_build(const Mpc__Request *req,
                                                    const node_store_identity *initiator,
                                                    const node_store_identity *const *approvers,
                                                    size_t n, uint8_t **out, size_t *out_len);

/*
 * Node side: checks and decodes a SignedRequest (see the header comment for
 * the order of the checks and the status of each rejection).
 * Out: *req — cleared on entry; on MPC_OK the decoded Request, caller frees
 *      with mpc__request__free_unpacked(req, NULL).
 *      ids — cleared on entry; filled as far as the bytes could be decoded,
 *      also on failure (for the error result). May be NULL.
 *      err — readable reason ("" on success); may be NULL.
 * Returns: MPC_OK or a rejection status above; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_request_open(const struct node_client_request_policy *pol,
                                                   const uint8_t *data, size_t len,
                                                   Mpc__Request **req,
                                                   struct node_client_request_ids *ids, char *err,
                                                   size_t err_cap);

/*
 * Validates the fields of a decoded Request (called by node_client_request_open;
 * exposed for tests and the CLI's own pre-checks).
 * Returns: MPC_OK, MPC_ERR_REQ_INVALID, MPC_ERR_BAD_THRESHOLD,
 *          MPC_ERR_UNKNOWN_PARTICIPANT, MPC_ERR_EXPIRED, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_request_validate(const struct node_client_request_policy *pol,
                                                       const Mpc__Request *req, char *err,
                                                       size_t err_cap);

/* Returns: "keygen" / "sign" / "reshare" for an Mpc__Op, "unknown" otherwise. */
const char *node_client_request_op_name(int op);

/*
 * Returns: 1 if node_id is a participant of req: for keygen the listed
 * participants (all peers if empty), for sign the listed signers (1 if empty:
 * the holders are only known to the store), for reshare the new participants
 * (old holders are found in the store by the handler). 0 otherwise.
 */
int node_client_request_lists_node(const Mpc__Request *req, const node_config_peers *peers,
                                   const char *node_id);

#endif /* MPC_NODE_CLIENT_REQUEST_H */

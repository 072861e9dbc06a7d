/*
 * evidence.h — the packed form of a failed session's evidence (the signed
 * envelopes behind its verdict, DESIGN §7), shared by the node (which stores
 * it, node/store/evid.h, and serves it) and mpc-cli (which fetches it in
 * chunks and checks it against the digest in the signed Result).
 *
 * Packed form (integers big-endian):
 *   u8 format = 1 | u32 n (1..NODE_CLIENT_EVIDENCE_ITEMS) | n x (u32 len (>= 1) | envelope)
 * Digest: BLAKE2b-256 over "mpc-node/evidence/v1\0" || packed form.
 *
 * Query (to mpc.n.<node>.status; the node tells it from a status request by
 * its magic):
 *   "EVQ1" | u8 key_type | u8 id_len | request_id | u32 offset
 * Reply: u8 code (0 found, 1 not found, 2 bad query) | u32 total | chunk
 *   (at most NODE_CLIENT_EVIDENCE_CHUNK bytes of the packed form from offset).
 *
 * THREAD SAFETY: pure functions on caller-owned buffers.
 */
#ifndef MPC_NODE_CLIENT_EVIDENCE_H
#define MPC_NODE_CLIENT_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define NODE_CLIENT_EVIDENCE_FORMAT 1u
#define NODE_CLIENT_EVIDENCE_ITEMS  8u /* envelopes, at most */
#define NODE_CLIENT_EVIDENCE_PACKED_MAX                                                            \
    ((1u << 20) + 64u) /* bytes of a packed form: the                                              \
                          session's 1 MiB and the framing */
#define NODE_CLIENT_EVIDENCE_DIGEST     32u
#define NODE_CLIENT_EVIDENCE_CHUNK      (256u << 10) /* reply chunk (a NATS message holds it) */
#define NODE_CLIENT_EVIDENCE_MAGIC      "EVQ1"
#define NODE_CLIENT_EVIDENCE_QUERY_MAX  (4 + 1 + 1 + 255 + 4)
#define NODE_CLIENT_EVIDENCE_REPLY_HEAD 5u /* code | total */

/* Reply codes. */
enum node_client_evidence_code {
    NODE_CLIENT_EVIDENCE_FOUND = 0,
    NODE_CLIENT_EVIDENCE_NOT_FOUND = 1,
    NODE_CLIENT_EVIDENCE_BAD_QUERY = 2,
};

/* A query. */
struct node_client_evidence_query {
    int key_type;         /* Mpc__KeyType */
    char request_id[256]; /* request id */
    uint32_t offset;      /* first byte wanted */
};

/*
 * Packs items[0..n) (each 1..NODE_CLIENT_EVIDENCE_PACKED_MAX bytes).
 * Out: *out (malloc; caller frees), *out_len; cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (n 0 or too many, an empty item, total too
 *          large); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_client_evidence_pack(const uint8_t *const *items, const size_t *lens,
                                                    size_t n, uint8_t **out, size_t *out_len);

/*
 * Splits a packed form into items (pointers into in; borrowed while in lives).
 * Out: items, lens (NODE_CLIENT_EVIDENCE_ITEMS entries each), *n.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_client_evidence_unpack(const uint8_t *in, size_t len,
                                                      const uint8_t **items, size_t *lens,
                                                      size_t *n);

/* digest = BLAKE2b-256("mpc-node/evidence/v1\0" || in). */
void node_client_evidence_digest(uint8_t digest[NODE_CLIENT_EVIDENCE_DIGEST], const uint8_t *in,
                                 size_t len);

/* Encodes q into out (cap >= NODE_CLIENT_EVIDENCE_QUERY_MAX). Returns MPC_OK or INVALID_ARG. */
MPC_MUST_CHECK mpc_status node_client_evidence_query_encode(
    const struct node_client_evidence_query *q, uint8_t *out, size_t cap, size_t *out_len);

/* Returns: 1 if in starts with the query magic (a query, not a status request). */
int node_client_evidence_is_query(const uint8_t *in, size_t len);

/* Decodes a query (request id checked for syntax). Returns MPC_OK or MPC_ERR_MSG_MALFORMED. */
MPC_MUST_CHECK mpc_status node_client_evidence_query_decode(struct node_client_evidence_query *q,
                                                            const uint8_t *in, size_t len);

#endif /* MPC_NODE_CLIENT_EVIDENCE_H */

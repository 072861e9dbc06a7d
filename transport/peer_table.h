/*
 * peer_table.h — node identities for envelopes: this node's Ed25519 signing
 * key and the table of peers (node id -> Ed25519 public key, plus the
 * crypto_box key precomputed from the X25519 keys converted from both
 * identities).
 *
 * Secrets (the signing key, the X25519 secret, every precomputed box key)
 * live in mpc_secure_alloc memory and are wiped on destroy.
 *
 * THREAD SAFETY: an identity is immutable after creation. A peer table may be
 * read (lookups from envelope seal/open) concurrently from any thread; adds
 * take a write lock.
 */
#ifndef MPC_TRANSPORT_PEER_TABLE_H
#define MPC_TRANSPORT_PEER_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define TRANSPORT_NODE_ID_MAX  64 /* node id length limit, excluding the NUL */
#define TRANSPORT_ED25519_PK   32 /* public key bytes */
#define TRANSPORT_ED25519_SEED 32 /* secret seed bytes */
#define TRANSPORT_BOX_KEY      32 /* crypto_box_beforenm key bytes */

typedef struct transport_identity transport_identity;
typedef struct transport_peer_table transport_peer_table;

/*
 * Returns: 1 if id is a valid node id: 1..TRANSPORT_NODE_ID_MAX characters of
 *          [A-Za-z0-9_-] (it appears as a subject token), else 0.
 */
int transport_node_id_valid(const char *id);

/*
 * Creates this node's identity from a 32-byte Ed25519 seed.
 * Args: node_id (copied); seed (read, not kept: the caller wipes its copy).
 * Out: *out — caller owns it; free with transport_identity_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status transport_identity_create(const char *node_id,
                                                    const uint8_t seed[TRANSPORT_ED25519_SEED],
                                                    transport_identity **out);

/* Wipes and frees. Accepts NULL. */
void transport_identity_destroy(transport_identity *id);

/* Returns: the node id (borrowed, lives as long as id). */
const char *transport_identity_node_id(const transport_identity *id);

/* Out: pk — the Ed25519 public key. */
void transport_identity_public_key(const transport_identity *id, uint8_t pk[TRANSPORT_ED25519_PK]);

/*
 * Signs msg (detached Ed25519).
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status transport_identity_sign(const transport_identity *id, uint8_t sig[64],
                                                  const uint8_t *msg, size_t len);

/*
 * Creates an empty peer table for self (borrowed: must outlive the table).
 * Out: *out — caller owns it; free with transport_peer_table_destroy().
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM, MPC_ERR_INTERNAL.
 */
MPC_MUST_CHECK mpc_status transport_peer_table_create(const transport_identity *self,
                                                      transport_peer_table **out);

/* Wipes and frees. Accepts NULL. */
void transport_peer_table_destroy(transport_peer_table *pt);

/*
 * Adds peer node_id with Ed25519 public key pk and precomputes its box key.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG (bad id), MPC_ERR_EXISTS,
 *          MPC_ERR_BAD_POINT (pk is not a valid, non-small-order Ed25519 key),
 *          MPC_ERR_NOMEM, MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status transport_peer_table_add(transport_peer_table *pt, const char *node_id,
                                                   const uint8_t pk[TRANSPORT_ED25519_PK]);

/* Returns: the number of peers. */
size_t transport_peer_table_count(transport_peer_table *pt);

/* Returns: the identity the table was made for (borrowed). */
const transport_identity *transport_peer_table_self(const transport_peer_table *pt);

/*
 * Looks a peer up and copies what the caller needs. Either output may be NULL.
 * Out: pk — its Ed25519 key; box_key — the precomputed crypto_box key (a
 *      secret: the caller wipes it after use).
 * Returns: MPC_OK, MPC_ERR_NOT_FOUND, MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status transport_peer_table_get(transport_peer_table *pt, const char *node_id,
                                                   uint8_t pk[TRANSPORT_ED25519_PK],
                                                   uint8_t box_key[TRANSPORT_BOX_KEY]);

#endif /* MPC_TRANSPORT_PEER_TABLE_H */

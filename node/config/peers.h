/*
 * peers.h — the peers file: node id -> Ed25519 public key of every cluster
 * member (this node included).
 *
 * Two formats, told apart by the first meaningful line:
 *   YAML:  peers:
 *            - id: node-1
 *              public_key: <64 hex>
 *   text:  one "<node_id> <64 hex>" per line; blank lines and lines starting
 *          with '#' are ignored.
 * Validation: ids match [A-Za-z0-9_-]{1,32} and are unique; keys are valid
 * Ed25519 points (crypto_core_ed25519_is_valid_point: canonical, on the
 * curve, not of small order) and unique; at least one and at most
 * NODE_CONFIG_PEERS_MAX peers. Errors name the file and line.
 *
 * THREAD SAFETY: a loaded node_config_peers is immutable; read it from any thread.
 */
#ifndef MPC_NODE_CONFIG_PEERS_H
#define MPC_NODE_CONFIG_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/client/ids.h"

#define NODE_CONFIG_PEERS_MAX 256u /* peers per file */

/* One cluster member. */
struct node_config_peer {
    char id[NODE_ID_MAX + 1]; /* node id */
    uint8_t public_key[32];   /* Ed25519 identity public key */
};

/* The validated peer table. Opaque. */
typedef struct node_config_peers node_config_peers;

/*
 * Loads and validates a peers file.
 * Out: *out — cleared on entry; caller owns it, free with node_config_peers_destroy.
 *      err — on failure "FILE:LINE[:COL]: problem"; "" on success; may be NULL.
 * Returns: MPC_OK; MPC_ERR_IO; MPC_ERR_PARSE (malformed line / YAML syntax);
 *          MPC_ERR_CONFIG (invalid id or key, duplicate, empty, too many);
 *          MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status node_config_peers_load(const char *path, node_config_peers **out,
                                                 char *err, size_t err_cap);

/* Returns: the number of peers (0 for NULL). */
size_t node_config_peers_count(const node_config_peers *p);

/* Returns: the i-th peer in file order (borrowed), or NULL if out of range. */
const struct node_config_peer *node_config_peers_at(const node_config_peers *p, size_t i);

/* Returns: the peer with node id id (borrowed), or NULL. */
const struct node_config_peer *node_config_peers_find(const node_config_peers *p, const char *id);

/* Returns: the peer with this 32-byte public key (borrowed), or NULL. */
const struct node_config_peer *node_config_peers_find_key(const node_config_peers *p,
                                                          const uint8_t *pk);

/*
 * Checks that node_id is listed with public key pk (the loaded identity).
 * Out: err as in node_config_peers_load.
 * Returns: MPC_OK; MPC_ERR_CONFIG (absent, or listed with another key);
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status node_config_peers_check_self(const node_config_peers *p,
                                                       const char *node_id, const uint8_t *pk,
                                                       char *err, size_t err_cap);

/* Frees p. Accepts NULL. */
void node_config_peers_destroy(node_config_peers *p);

#endif /* MPC_NODE_CONFIG_PEERS_H */

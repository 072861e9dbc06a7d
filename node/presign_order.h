/*
 * presign_order.h — the signed order that starts a presign session on every
 * member of a signer set without a client request (DESIGN §7 "Presignatures").
 *
 * The lowest id of a configured set (presign.signers, sorted) coordinates:
 * when its pool of (key, active version, set) is below presign.pool_size it
 * signs an order with its identity key and sends it to each member on
 * mpc.n.<member>.presign; every member that accepts it and the coordinator
 * start dkls-presign with sid = node_presign_order_sid(order), and each
 * stores its own record.
 *
 * Pools agree (reconciliation): an order carries the coordinator's inventory
 * of that pool (its presig_ids). A member drops its own records missing
 * from it, and reports the inventory ids it lacks back to the coordinator
 * in a message of the same form (format 2, signed by the member, sent on
 * mpc.n.<coordinator>.presign), which drops them. Without this, a record one
 * side lacks (a presign session cut by a crash ends DONE on one side only)
 * makes signers choose differently, and every such sign leaves a new
 * one-sided record: the pools would never agree again. A record is dropped
 * only when seen one-sided again at least 10 s after the first time
 * (node/presign_node.c): a sign takes its record at each signer when that
 * signer's intake reaches the request, so a record is one-sided for a moment
 * in normal operation. Dropping a record is always safe (a presignature is
 * wasted, never used twice).
 *
 * Encoding (integers big-endian):
 *   u8 format (1 order, 2 missing report) | u8 key_type | u8 wallet_len |
 *   wallet | u32 version | u8 n | n x (u8 len | id), ascending |
 *   u8 from_len | from | u16 n_inv | n_inv x presig_id (32) |
 *   nonce (16) | u64 expiry_ms (wall clock) |
 *   signature (64) over "mpc-node/presign-order/v1\0" || everything before it
 *
 * A member accepts an order only after, in this order (each refusal with its
 * own status): it decodes (MPC_ERR_PRESIG_ORDER_MALFORMED); it is signed by
 * `from` as named in the peers file (MPC_ERR_PRESIG_ORDER_SIGNATURE); it has
 * not expired and is not dated more than NODE_PRESIGN_ORDER_TTL_MS ahead
 * (MPC_ERR_PRESIG_ORDER_EXPIRED); its set is one of this node's configured
 * sets, this node is in it and `from` is its lowest id (a missing report:
 * this node is its lowest id and `from` another member)
 * (MPC_ERR_PRESIG_ORDER_SENDER); its version is the key's active one here
 * (MPC_ERR_PRESIG_ORDER_VERSION); the set fits that version (size =
 * threshold, every member a holder: MPC_ERR_PRESIG_SET_COMMITTEE); its nonce
 * was not seen (MPC_ERR_PRESIG_ORDER_REPLAY: a bounded cache holds every
 * accepted nonce until its order expires; when full of live entries it
 * refuses, failing closed).
 *
 * THREAD SAFETY: the codec and checks are pure; a replay cache has its own lock.
 */
#ifndef MPC_NODE_PRESIGN_ORDER_H
#define MPC_NODE_PRESIGN_ORDER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/config/config.h"
#include "node/config/peers.h"
#include "node/store/identity.h"
#include "node/store/keyinfo.h"
#include "node/store/store.h"

#define NODE_PRESIGN_ORDER_FORMAT   1u /* an order */
#define NODE_PRESIGN_MISSING_FORMAT 2u /* a member's report of the ids it lacks */
#define NODE_PRESIGN_NONCE_BYTES    16u
#define NODE_PRESIGN_WALLET_MAX     255u
#define NODE_PRESIGN_INV_MAX        NODE_CONFIG_PRESIGN_POOL /* ids in one message */
#define NODE_PRESIGN_ORDER_MAX                                                                     \
    (2 + 1 + NODE_PRESIGN_WALLET_MAX + 4 + 1 +                                                     \
     (NODE_CONFIG_PRESIGN_SET_MAX + 1) * (1 + NODE_ID_MAX) + 2 + NODE_PRESIGN_INV_MAX * 32 +       \
     NODE_PRESIGN_NONCE_BYTES + 8 + 64)
#define NODE_PRESIGN_ORDER_TTL_MS 15000u /* an order is valid this long after it is made */
#define NODE_PRESIGN_REPLAY_SLOTS 1024u  /* nonces remembered (live orders at once) */

/* One presign order (or missing report). About 33 KB: allocate it. */
struct node_presign_order {
    int format;                               /* NODE_PRESIGN_ORDER_FORMAT or _MISSING_ */
    int key_type;                             /* NODE_STORE key type (secp256k1) */
    char wallet[NODE_PRESIGN_WALLET_MAX + 1]; /* wallet id */
    uint32_t version;                         /* key version the presignatures are for */
    uint32_t n;                               /* signers, 2..NODE_CONFIG_PRESIGN_SET_MAX */
    char ids[NODE_CONFIG_PRESIGN_SET_MAX][NODE_ID_MAX + 1]; /* the set, ascending (strcmp) */
    char from[NODE_ID_MAX + 1];                             /* signer of the order */
    uint32_t n_inv;                                         /* ids in inv */
    uint8_t inv[NODE_PRESIGN_INV_MAX][32];   /* order: the coordinator's inventory of the pool;
                                                report: the inventory ids the member lacks */
    uint8_t nonce[NODE_PRESIGN_NONCE_BYTES]; /* fresh random */
    uint64_t expiry_ms;                      /* wall clock, ms */
};

/* Accepted nonces until their orders expire. Zero it, then node_presign_replay_init. */
struct node_presign_replay {
    pthread_mutex_t mu;                                                 /* guards the slots */
    uint8_t nonce[NODE_PRESIGN_REPLAY_SLOTS][NODE_PRESIGN_NONCE_BYTES]; /* remembered nonces */
    uint64_t expiry_ms[NODE_PRESIGN_REPLAY_SLOTS]; /* their orders' expiry, 0 = free slot */
};

void node_presign_replay_init(struct node_presign_replay *r);
void node_presign_replay_fini(struct node_presign_replay *r);

/*
 * Remembers o's nonce until o expires.
 * Returns: MPC_OK; MPC_ERR_PRESIG_ORDER_REPLAY (seen, or no free slot).
 */
MPC_MUST_CHECK mpc_status node_presign_replay_add(struct node_presign_replay *r,
                                                  const struct node_presign_order *o,
                                                  uint64_t now_ms);

/*
 * Encodes and signs o with id (o->from must be id's node).
 * Out: out[0..*out_len) (cap >= NODE_PRESIGN_ORDER_MAX).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; identity errors.
 */
MPC_MUST_CHECK mpc_status node_presign_order_encode(const node_store_identity *id,
                                                    const struct node_presign_order *o,
                                                    uint8_t *out, size_t cap, size_t *out_len);

/* Decodes without checking the signature. Out: *o (cleared on entry).
 * Returns: MPC_OK; MPC_ERR_PRESIG_ORDER_MALFORMED; MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status node_presign_order_decode(struct node_presign_order *o, const uint8_t *in,
                                                    size_t len);

/* The session id of an order: BLAKE2b-128("mpc-node/presign/sid/v1" || in).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_CRYPTO. */
MPC_MUST_CHECK mpc_status node_presign_order_sid(const uint8_t *in, size_t len, uint8_t sid[16]);

/*
 * The set fits key version v: |ids| = v->threshold and every id holds a
 * share of v. Returns: MPC_OK; MPC_ERR_PRESIG_SET_COMMITTEE.
 */
MPC_MUST_CHECK mpc_status node_presign_set_fits(const struct node_store_keyinfo_version *v,
                                                const char (*ids)[NODE_ID_MAX + 1], uint32_t n);

/* What a member checks an order against; borrowed for the call. */
struct node_presign_view {
    const node_config_peers *peers;        /* public keys of the signers */
    const struct node_config_presign *cfg; /* configured sets */
    const char *self;                      /* this node's id */
    uint64_t now_ms;                       /* wall clock */
    node_store *store;                     /* the key (version, committee) */
    struct node_presign_replay *replay;    /* nonces seen */
    uint32_t *threshold;                   /* out: the version's threshold, or NULL */
};

/*
 * Decodes and checks an order received by a member (see the list above).
 * Out: *o (cleared on entry). Returns: MPC_OK or the refusal's status
 * (MPC_ERR_STORE when the key cannot be read).
 */
MPC_MUST_CHECK mpc_status node_presign_order_open(struct node_presign_order *o, const uint8_t *in,
                                                  size_t len, const struct node_presign_view *v);

#endif /* MPC_NODE_PRESIGN_ORDER_H */

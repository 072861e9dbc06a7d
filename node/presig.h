/*
 * presig.h — the node's order for online ECDSA signing with a pooled
 * presignature (spec docs/specs/dkls23-ecdsa.md §6.7.4): take the record out
 * of the store (durably deleted), then consume it in memory and make the
 * online message. Nothing derived from the record exists before the delete
 * has committed, so a crash at any point wastes the presignature and never
 * lets it sign twice; a replayed request finds it gone.
 *
 * Kill points (node/killpoint.h, test builds): presig_before_take,
 * presig_after_take, presig_after_online (the caller sends the message after
 * node_presig_online_begin returned).
 *
 * THREAD SAFETY: as node/store/presig.h; the online object belongs to the caller.
 */
#ifndef MPC_NODE_PRESIG_H
#define MPC_NODE_PRESIG_H

#include <stdint.h>

#include "common/status.h"
#include "node/store/presig.h"
#include "tss/dkls_presig.h"

/*
 * Takes the named record of pool (presig_id; NULL: any record of the pool),
 * decodes it and runs tss_dkls_online_create with p (p->key_version, ids and
 * y_pub must match the pool and the record). request_id only labels the
 * kill points (may be NULL).
 * Out: *out — caller owns it (tss_dkls_online_destroy); bcast — the online
 *      message to send. Both cleared on entry.
 * Returns: MPC_OK; MPC_ERR_PRESIG_GONE; as node_store_presig_take;
 *          MPC_ERR_PRESIG_MALFORMED; as tss_dkls_online_create.
 */
MPC_MUST_CHECK mpc_status node_presig_online_begin(node_store *s,
                                                   const struct node_store_presig_pool *pool,
                                                   const uint8_t *presig_id,
                                                   const struct tss_dkls_online_params *p,
                                                   const char *request_id, tss_dkls_online **out,
                                                   uint8_t bcast[TSS_DKLS_ONLINE_BCAST_BYTES]);

#endif /* MPC_NODE_PRESIG_H */

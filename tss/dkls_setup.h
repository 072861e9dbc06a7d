/*
 * dkls_setup.h — the two directional OT setups of one pair of parties, as run
 * in keygen round 1/2 and reshare (DKLs23 spec §2, §3, §7).
 *
 * For local party i and peer j there are two setups: i->j (i is Alice: base-OT
 * receiver, will hold Δ) and j->i (i is Bob: base-OT sender, will hold both
 * keys). Both base-OT messages and i's zero-sharing contribution go to j in
 * one direct message (encrypted and signed by the transport):
 *   PT(S) for setup j->i || the 128 pairs for setup i->j || c_ij (32)   (8 513 bytes)
 * Finishing on j's message yields i's halves of both setups, both transcript
 * hashes, which the keygen confirmation round compares (spec §2 Activation),
 * and the pair's zero-sharing seed seed_ij = H32(zero/seed, ctx, ID(lo),
 * ID(hi), c_lo, c_hi) (spec §2.1; DKLs23 F_Zero, used by signing §6.3).
 *
 * DESIGN: the object owns the two base-OT states (secure memory), is single use
 * and is wiped by destroy. Setup ids: setup_id(A->B) = H32(ot/setup-id, ctx, ID(A), ID(B))
 * with ctx = keygen_ctx or reshare_ctx. Outputs go to caller buffers that the
 * caller keeps in secure memory and stores sealed in the key record.
 *
 * THREAD SAFETY: an object belongs to one caller; the context is shared read-only.
 */
#ifndef MPC_TSS_DKLS_SETUP_H
#define MPC_TSS_DKLS_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/dkls_ote.h"

/* Bytes of one zero-sharing seed contribution and of the seed (spec §2.1). */
#define TSS_DKLS_ZERO_SEED_BYTES 32
/* Bytes of the direct message to the peer: PT(S) || 128 pairs || c_ij. */
#define TSS_DKLS_SETUP_MSG_BYTES                                                                   \
    (TSS_DKLS_BASEOT_S_BYTES + TSS_DKLS_BASEOT_PAIRS_BYTES + TSS_DKLS_ZERO_SEED_BYTES)

/* Opaque pair-setup state. */
typedef struct tss_dkls_pair_setup tss_dkls_pair_setup;

/* What one party keeps of the two setups with one peer (spec §2; keep sealed). */
struct tss_dkls_pair_result {
    uint8_t setup_id_out[TSS_DKLS_HASH_BYTES];   /* setup_id(self->peer) */
    uint8_t setup_id_in[TSS_DKLS_HASH_BYTES];    /* setup_id(peer->self) */
    struct tss_dkls_ot_alice_setup alice;        /* self->peer, self is Alice (secret) */
    struct tss_dkls_ot_bob_setup bob;            /* peer->self, self is Bob (secret) */
    uint8_t tr_out[TSS_DKLS_HASH_BYTES];         /* tr(self->peer) */
    uint8_t tr_in[TSS_DKLS_HASH_BYTES];          /* tr(peer->self) */
    uint8_t zero_seed[TSS_DKLS_ZERO_SEED_BYTES]; /* seed_ij of F_Zero (secret) */
};

/*
 * Starts both setups with peer_id. ctx_hash is keygen_ctx or reshare_ctx.
 * Out: *out — caller owns it (tss_dkls_pair_setup_destroy); msg — the 8 513-byte
 *      direct message for the peer. Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_BAD_IDENTIFIER (zero or equal ids); MPC_ERR_NOMEM;
 *          MPC_ERR_RANDOM; MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_pair_setup_create(const tss_secp_ctx *ctx,
                                                     const uint8_t ctx_hash[TSS_DKLS_HASH_BYTES],
                                                     uint32_t self_id, uint32_t peer_id,
                                                     tss_dkls_pair_setup **out,
                                                     uint8_t msg[TSS_DKLS_SETUP_MSG_BYTES]);

/*
 * Finishes both setups on the peer's message. Single use.
 * Out: res — cleared on entry, zeroed on failure (res should be in secure memory).
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (length); MPC_ERR_BAD_POINT or
 *          MPC_ERR_IDENTITY_POINT (the peer is the culprit); MPC_ERR_SESSION_STATE;
 *          MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_dkls_pair_setup_finish(const tss_secp_ctx *ctx,
                                                     tss_dkls_pair_setup *st, const uint8_t *msg,
                                                     size_t msg_len,
                                                     struct tss_dkls_pair_result *res);

/* Wipes and frees. Accepts NULL. */
void tss_dkls_pair_setup_destroy(tss_dkls_pair_setup *st);

#endif /* MPC_TSS_DKLS_SETUP_H */

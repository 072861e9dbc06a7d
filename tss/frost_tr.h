/*
 * frost_tr.h — the BIP340/BIP341 steps of FROST(secp256k1, SHA-256) for
 * Taproot keys (docs/specs/frost-taproot.md): the verification key derived
 * from the group key (even Y, optional TapTweak), the even-Y group
 * commitment, and the output key a record signs under.
 *
 * THREAD SAFETY: pure functions over caller-owned data.
 */
#ifndef MPC_TSS_FROST_TR_H
#define MPC_TSS_FROST_TR_H

#include <stdint.h>

#include "common/status.h"
#include "tss/frost.h"

/*
 * Sets ctx->group_key (on entry: the group key Y) to the even-Y output key:
 * P = Y or -Y (even Y), Q = P + t*G with t = hash_TapTweak(x(P) [|| root])
 * (none: Q = P), then -Q if Q has odd Y; sets ctx->internal_x = x(P),
 * ctx->key_neg (the shares' sign) and ctx->tweak (the signed tweak).
 * Returns: MPC_OK; MPC_ERR_TR_TWEAK (t >= q, t = 0 or Q = O);
 *          MPC_ERR_TR_INPUT (unknown tweak mode); MPC_ERR_INVALID_ARG.
 */
MPC_MUST_CHECK mpc_status tss_frost_tr_key(tss_frost_ctx *ctx, const tss_frost_tweak *tweak);

/* Negates ctx->R if its Y is odd and records it in ctx->r_neg. Returns: MPC_OK or an error. */
MPC_MUST_CHECK mpc_status tss_frost_tr_even_r(tss_frost_ctx *ctx);

/*
 * The x-only output key a secp256k1 group key Y signs under with tweak
 * (NULL = none) and the x-only internal key x(P).
 * Out: output_x, internal_x (either may be NULL). Returns: as tss_frost_tr_key.
 */
MPC_MUST_CHECK mpc_status tss_frost_tr_output_key(const tss_point *group_key,
                                                  const tss_frost_tweak *tweak,
                                                  uint8_t output_x[TSS_FROST_XONLY_BYTES],
                                                  uint8_t internal_x[TSS_FROST_XONLY_BYTES]);

/*
 * DKG proof-of-knowledge challenge of Taproot keys (proto.h tss_suite hook):
 * H(ctx || "dkg", id || C0 || R) with the BIP340 suite's hash_to_field.
 */
mpc_status tss_frost_tr_pok_challenge(const void *user, tss_scalar *c, uint64_t id,
                                      const tss_point *C0, const tss_point *R);

#endif /* MPC_TSS_FROST_TR_H */

/*
 * dkls_suite.h — the DKLs23 ciphersuite of the shared DKG and reshare
 * (proto.h tss_suite on secp256k1): the context hashes keygen_ctx and
 * reshare_ctx, the PoK challenge dkg/pok and the confirmation hash
 * dkg/confirm over the dkg/echo digest (spec §1.4, §2, §7).
 *
 * DESIGN: a tss_dkls_suite_user is the hooks' user data; the protocol state
 * that owns it keeps it alive as long as the DKG/reshare state borrowing it.
 * Dealers are named by their committee id: in keygen party k is id k + 1;
 * in reshare dealer_id[k] is the old committee id of party k (0 = no dealer).
 *
 * THREAD SAFETY: pure functions over caller-owned data.
 */
#ifndef MPC_TSS_DKLS_SUITE_H
#define MPC_TSS_DKLS_SUITE_H

#include <stddef.h>
#include <stdint.h>

#include "tss/dkls_hash.h"
#include "tss/proto.h"

/* User data of the DKLs23 hooks. */
struct tss_dkls_suite_user {
    uint8_t ctx[TSS_DKLS_HASH_BYTES]; /* keygen_ctx or reshare_ctx */
    uint32_t n;                       /* session parties */
    uint32_t t;                       /* commitments per dealer */
    const uint32_t *dealer_id; /* reshare: party -> old id (0 = not a dealer); keygen: NULL */
};

/*
 * keygen_ctx = H32(keygen/ctx, sid16, "secp256k1", wallet_id, u32(1), u16(t),
 * IDLIST(1..n)). Out: out.
 */
void tss_dkls_keygen_ctx(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t sid[TSS_SID_LEN],
                         const uint8_t *wallet, size_t wallet_len, uint32_t t, uint32_t n);

/*
 * reshare_ctx = H32(reshare/ctx, sid16, "secp256k1", wallet_id, u32(v), u32(v + 1),
 * PT(Y), IDLIST(Q), IDLIST(N), u16(t')). In: q_ids[0..n_q), new_ids[0..n_new) ascending.
 */
void tss_dkls_reshare_ctx(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t sid[TSS_SID_LEN],
                          const uint8_t *wallet, size_t wallet_len, uint32_t old_version,
                          const uint8_t y_pub[33], const uint32_t *q_ids, uint32_t n_q,
                          const uint32_t *new_ids, uint32_t n_new, uint32_t new_t);

/* The suite for the hooks below with user data u (borrowed). */
tss_suite tss_dkls_suite(const struct tss_dkls_suite_user *u);

#endif /* MPC_TSS_DKLS_SUITE_H */

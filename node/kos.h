/*
 * kos.h — the node's side of DKLs23 "abort for good" (spec
 * docs/specs/dkls23-ecdsa.md §4.3, §8 item 10): the per-pair gate of the
 * OT-extension checks (session/pairgate.h) for this node's keys, the
 * persistence of a quarantine with fail-closed signing, and the cluster-wide
 * list of quarantined pairs learnt from signed notices.
 *
 * Rules:
 *   - every DKLs23 sign session runs under the gate with scope
 *     "<key type>/<wallet>/v<version>" (node_kos_scope);
 *   - a failed check quarantines (self, peer) in memory at once (the gate),
 *     then the finisher stores it in the key record; if that store fails the
 *     key refuses every sign (MPC_ERR_QUARANTINE_UNSTORED) until a retry at
 *     the next sign succeeds;
 *   - the victim publishes a notice signed with its identity key
 *     (node_kos_notice_encode); every node verifies it against the peers
 *     file and records (key, version, accuser, accused); a sign whose signer
 *     set holds both is refused with MPC_ERR_PAIR_QUARANTINED, and a sign
 *     without named signers leaves one of the two out when it can. Only
 *     that pair is affected (the accusation rests on the accuser's secret Δ
 *     and cannot be checked by a third party). A reshare (new version) lifts it.
 *
 * Notice encoding (integers big-endian), subject mpc.n.<accuser>.kosq:
 *   u8 format = 1 | u8 key_type | u8 wallet_len | wallet | u32 version |
 *   u8 accuser_len | accuser | u8 accused_len | accused |
 *   signature (64) over "mpc-node/kos-quarantine/v1\0" || everything before it
 *
 * THREAD SAFETY: every function may be called from any thread.
 */
#ifndef MPC_NODE_KOS_H
#define MPC_NODE_KOS_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "node/store/identity.h"

#define NODE_KOS_NOTICE_FORMAT 1u
#define NODE_KOS_NOTICE_MAX    (4 + 255 + 4 + 2 * 256 + 64)
#define NODE_KOS_ID_MAX        64 /* node id bytes (== NODE_ID_MAX) */
#define NODE_KOS_WALLET_MAX    255

/* One quarantined pair of one key version. */
struct node_kos_notice {
    int key_type;                         /* Mpc__KeyType */
    char wallet[NODE_KOS_WALLET_MAX + 1]; /* wallet id */
    uint32_t version;                     /* key version */
    char accuser[NODE_KOS_ID_MAX + 1];    /* node whose check failed (holder of Δ) */
    char accused[NODE_KOS_ID_MAX + 1];    /* OT-extension receiver it blames */
};

/* Writes "<kt_name>/<wallet>/v<version>" into out. Returns MPC_OK or MPC_ERR_INVALID_ARG. */
MPC_MUST_CHECK mpc_status node_kos_scope(char *out, size_t cap, const char *kt_name,
                                         const char *wallet, uint32_t version);

/*
 * Encodes and signs a notice with the accuser's identity.
 * Out: out[0..*out_len). Returns: MPC_OK; MPC_ERR_INVALID_ARG; identity errors.
 */
MPC_MUST_CHECK mpc_status node_kos_notice_encode(const node_store_identity *id,
                                                 const struct node_kos_notice *n, uint8_t *out,
                                                 size_t cap, size_t *out_len);

/*
 * Decodes a notice and verifies its signature under pk (the accuser's key from
 * the peers file, looked up by the caller from the decoded accuser).
 * Out: *n. Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_MSG_BAD_SIGNATURE.
 */
MPC_MUST_CHECK mpc_status node_kos_notice_decode(struct node_kos_notice *n, const uint8_t *in,
                                                 size_t len);
MPC_MUST_CHECK mpc_status node_kos_notice_verify(const uint8_t *in, size_t len,
                                                 const uint8_t pk[32]);

#endif /* MPC_NODE_KOS_H */

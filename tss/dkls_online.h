/*
 * dkls_online.h — the online step of DKLs23 signing with a presignature
 * (spec docs/specs/dkls23-ecdsa.md §6.7.3) as a session protocol
 * ("dkls-online", proto.h interface): one broadcast round, then the output.
 *
 * Parties are the signers of the presignature, in any order; each is mapped
 * to its committee id by the input. Input (params.input), version 1:
 *   u8 version = 1 | u32 key_version | PT(Y) (33, untweaked) | msg32 (32) |
 *   u8 has_tweak (0/1) | SC(t) (32; zeros when has_tweak = 0) |
 *   u16 n | n x (u16 len | node id | u32 committee id) |
 *   u32 rec_len | presignature record (tss_dkls_presig_encode; SECRET)
 * The node list must name exactly the session parties (each once); the set
 * of committee ids, the key version and Y must be the record's, and self's
 * id the record's holder (MPC_ERR_PRESIG_MISMATCH at start otherwise).
 * The caller has taken the record out of its store durably before it builds
 * this input (spec §6.7.4); the state consumes it (wiped, tag cleared) in
 * start(), whatever happens, and wipes it on destroy if start never ran.
 * Message (u8 version = 1 | u8 type | payload):
 *   round 1: broadcast 0x55 (96 B: SC(u'_i) || SC(w_i) || echo_on)
 * Result (130 bytes, as dkls-sign): r | s (low-S) | recid | r || s || v,
 * verified and recovered with libsecp256k1 before it is returned.
 *
 * Replay: one broadcast per peer; a second one (a replay included) fails the
 * session with MPC_ERR_MSG_KIND naming the sender, and the state accepts one
 * finish only, so a replayed online message never makes a second signature.
 * A broadcast of another presignature, message or tweak fails with
 * MPC_ERR_PRESIG_BINDING naming the sender.
 *
 * THREAD SAFETY: a state is used by one thread at a time.
 */
#ifndef MPC_TSS_DKLS_ONLINE_H
#define MPC_TSS_DKLS_ONLINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "tss/proto.h"

#define TSS_DKLS_ONLINE_INPUT_VERSION 1
#define TSS_DKLS_ONLINE_MSG_TYPE      0x55

/* The inputs of one online signer; borrowed for the encode call. */
struct tss_dkls_online_input {
    uint32_t key_version;          /* the key's active version */
    const uint8_t *y_pub;          /* PT(Y), 33 bytes, untweaked */
    const uint8_t *msg32;          /* digest to sign */
    const uint8_t *tweak;          /* SC(t) (32), or NULL: sign under Y */
    const char *const *signers;    /* node ids of the signers */
    const uint32_t *committee_ids; /* their committee ids, same order */
    uint32_t n;                    /* |S| */
    const uint8_t *rec;            /* presignature record (secret) */
    size_t rec_len;                /* its length */
};

/*
 * Encodes the online input.
 * Out: *out (mpc_secure_alloc: it holds the record; free with mpc_secure_free),
 *      *out_len. Cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_online_input_encode(uint8_t **out, size_t *out_len,
                                                       const struct tss_dkls_online_input *in);

/* The protocol "dkls-online"; result: TSS_DKLS_SIGN_RESULT_BYTES as dkls-sign. */
extern const tss_protocol tss_proto_dkls_online;

#endif /* MPC_TSS_DKLS_ONLINE_H */

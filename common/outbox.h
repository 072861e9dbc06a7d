/*
 * outbox.h — the list of outgoing protocol messages a protocol step produces.
 *
 * Shared by the pure protocols in tss/ and the session manager in session/,
 * so a tss state machine plugs into a session without any conversion. Parties
 * are addressed by their index in the session's party list (0..n-1);
 * MPC_OUTBOX_ALL addresses a broadcast to every other party.
 *
 * Ownership: the outbox owns every message's bytes, which live in locked
 * secret memory (mpc_secure_alloc: direct payloads carry secret shares).
 * mpc_outbox_clear() wipes and frees them.
 *
 * THREAD SAFETY: none; an outbox belongs to one step of one session.
 */
#ifndef MPC_COMMON_OUTBOX_H
#define MPC_COMMON_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

#define MPC_OUTBOX_ALL UINT32_MAX

typedef struct {
    uint32_t round; /* protocol round this message belongs to (1-based) */
    uint32_t to;    /* recipient party index, or MPC_OUTBOX_ALL for broadcast */
    uint8_t *data;  /* payload, owned by the outbox (mpc_secure_alloc memory) */
    size_t len;     /* payload length */
    int pair_bound; /* 1: derived from the pair's OT-extension secret (DKLs23 Δ); the driver
                       releases it only through its per-pair gate (tss/proto.h tss_pair_gate) */
} mpc_out_msg;

typedef struct {
    mpc_out_msg *msgs; /* messages in the order they were added */
    size_t n;          /* number of messages */
    size_t cap;        /* allocated entries */
} mpc_outbox;

/* Initialises an empty outbox (no allocation). */
void mpc_outbox_init(mpc_outbox *ob);

/*
 * Appends a copy of data[0..len) (len may be 0) in secret memory.
 * Returns: MPC_OK, MPC_ERR_INVALID_ARG, MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status mpc_outbox_add(mpc_outbox *ob, uint32_t round, uint32_t to,
                                         const uint8_t *data, size_t len);

/*
 * Appends *data (from mpc_secure_alloc, len bytes) taking ownership on MPC_OK
 * and setting *data to NULL; on failure the caller still owns it.
 */
MPC_MUST_CHECK mpc_status mpc_outbox_add_owned(mpc_outbox *ob, uint32_t round, uint32_t to,
                                               uint8_t **data, size_t len);

/*
 * Marks the last message added as pair-bound (see mpc_out_msg.pair_bound).
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL or empty outbox).
 */
MPC_MUST_CHECK mpc_status mpc_outbox_mark_pair_bound(mpc_outbox *ob);

/* Wipes and frees every message; the outbox is empty and reusable. */
void mpc_outbox_clear(mpc_outbox *ob);

#endif /* MPC_COMMON_OUTBOX_H */

/*
 * batch.h — batch signing: one session runs N instances of a key type's
 * signing protocol in lock-step and signs N messages (DESIGN §7.1).
 *
 * The wrapper is a protocol of its own (proto.h interface) around an inner
 * signing protocol (frost-sign or dkls-sign), unchanged: instance i is
 * created with the session's parties and gate, its own input (whatever the
 * key type's sign_input made of message i: the wrapper never reads it) and
 * its own session id
 *     sid_i = BLAKE2b-128("mpc-node/batch/v1" NUL || sid || u32 i),
 * so every transcript, OT-extension id and nonce binding of an instance
 * differs from every other instance's and from a single sign's (a message of
 * instance i is useless in instance j). Each instance draws its own nonces
 * (FROST d, e; DKLs23 ν, r_i, φ_i and fresh OT-extension rows) inside the
 * inner protocol: nothing secret is shared between instances.
 *
 * Input (params.input), version 1:
 *   u8 version = 1 | u16 count (1..TSS_BATCH_MAX) | count x (u32 len | inner input)
 * Message (every round and kind the inner protocol uses):
 *   u8 version = 1 | u8 type = 0x61 | u16 count | count x (u32 len | inner message)
 * count must equal the number of instances and each length be at most the
 * inner protocol's declared maximum for (round, kind); the whole message is
 * checked before any instance sees a byte of it (MPC_ERR_BATCH_MALFORMED
 * naming the sender). Entry i is handed to instance i; the messages the
 * instances emit for one (round, recipient) are packed the same way (pair
 * bound if any of them is). Instances that stop emitting alike fail the
 * session with MPC_ERR_BATCH_DIVERGED (an internal fault: no blame).
 * Result: u16 count | count x (u32 len | inner result), in input order.
 *
 * Blame: the first instance that fails fails the session with its status,
 * culprit and dispute (tss_base_fail_inner); its index is kept
 * (tss_batch_failed_instance).
 *
 * THREAD SAFETY: a state is used by one thread at a time; the tables are
 * immutable.
 */
#ifndef MPC_TSS_BATCH_H
#define MPC_TSS_BATCH_H

#include "tss/proto.h"

#define TSS_BATCH_MAX           64   /* instances per batch (node config sign.max_batch <= this) */
#define TSS_BATCH_INPUT_VERSION 1    /* input encoding */
#define TSS_BATCH_MSG_TYPE      0x61 /* packed message type */
#define TSS_BATCH_NO_INSTANCE   UINT32_MAX
#define TSS_BATCH_MSG_HEAD      (TSS_MSG_HEADER_BYTES + 2u) /* header | u16 count */

/* frost-sign in batches ("frost-sign-batch"); result: count x 64-byte signature. */
extern const tss_protocol tss_proto_frost_sign_batch;
/* dkls-sign in batches ("dkls-sign-batch"); result: count x TSS_DKLS_SIGN_RESULT_BYTES. */
extern const tss_protocol tss_proto_dkls_sign_batch;

/*
 * Encodes the input of a batch from the inner inputs (one per message).
 * In: inputs[0..count), lens[0..count) (each non-empty), 1 <= count <= TSS_BATCH_MAX.
 * Out: *out (mpc_secure_alloc: inner inputs hold key records; mpc_secure_free), *out_len.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_batch_input_encode(uint8_t **out, size_t *out_len,
                                                 const uint8_t *const *inputs, const size_t *lens,
                                                 uint32_t count);

/*
 * Reads entry i of a batch result.
 * Out: *p (borrowed from res), *len; cleared on entry.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BATCH_MALFORMED (bad encoding or i >= count).
 */
MPC_MUST_CHECK mpc_status tss_batch_result_entry(const uint8_t *res, size_t res_len, uint32_t i,
                                                 const uint8_t **p, size_t *len);

/* Returns: the number of entries of a well-formed batch result, else 0. */
uint32_t tss_batch_result_count(const uint8_t *res, size_t res_len);

/*
 * The largest count whose packed messages, for n parties, stay within
 * `ceiling` bytes in every round and kind of inner (at most TSS_BATCH_MAX).
 * Returns: that count (0 if not even one fits).
 */
uint32_t tss_batch_max_count(const tss_protocol *inner, uint32_t n, size_t ceiling);

/*
 * Creates a batch state around `inner` (create of both tables; also for a
 * test's own inner table). outer is the table stored in the state.
 * Out: *out (caller owns; tss_proto_destroy). Returns MPC_OK or an error
 * (input: MPC_ERR_MSG_MALFORMED; an instance's create error).
 */
MPC_MUST_CHECK mpc_status tss_batch_create(tss_base **out, const tss_params *p,
                                           const tss_protocol *outer, const tss_protocol *inner);

/* Returns: the instance whose failure failed s, or TSS_BATCH_NO_INSTANCE. */
uint32_t tss_batch_failed_instance(const tss_base *s);

/* Returns: the number of instances of a batch state (0 if s is not one). */
uint32_t tss_batch_count(const tss_base *s);

/* Returns: instance i of a batch state (borrowed), or NULL. For tests and fault drivers. */
tss_base *tss_batch_instance(tss_base *s, uint32_t i);

#endif /* MPC_TSS_BATCH_H */

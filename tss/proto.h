/*
 * proto.h — what the tss/ protocol state machines share: their parameters
 * (a mirror of session_protocol_params, since tss/ never includes session/),
 * round bookkeeping, the message header, and the echo check.
 *
 * Message encoding (all protocols, version 1): u8 version | u8 type | body.
 * Types: 0x11..0x13 DKG rounds 1..3, 0x21..0x22 FROST signing rounds 1..2,
 * 0x31..0x33 reshare rounds 1..3. Each body has a fixed layout documented
 * in the protocol's header; decoders demand the exact length.
 *
 * Echo check (DESIGN §7): a round that follows a broadcast round carries,
 * for every party k, the 32-byte digest BLAKE2b-256(k || message of k) of
 * the broadcast it received from k (zeros for parties that sent none). A
 * receiver compares it slot by slot with its own view; a mismatch is
 * MPC_ERR_EQUIVOCATION. Blame: a mismatch in the slot of a third party k
 * names k (it sent different bytes to different parties); a mismatch in the
 * sender's own slot or in the receiver's slot names the sender.
 *
 * THREAD SAFETY: a tss_base belongs to one protocol state (one thread at a time).
 */
#ifndef MPC_TSS_PROTO_H
#define MPC_TSS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/outbox.h"
#include "common/status.h"
#include "tss/group.h"
#include "tss/keyshare.h"
#include "tss/wire.h"

#define TSS_SID_LEN      16         /* session id length (== SESSION_SID_LEN) */
#define TSS_NO_CULPRIT   UINT32_MAX /* == SESSION_NO_CULPRIT */
#define TSS_MSG_VERSION  1          /* message encoding version */
#define TSS_DIGEST_BYTES 32         /* echo digests and transcript hashes */

/* Parameters of one protocol instance; borrowed during create() only. */
typedef struct {
    const uint8_t *sid;           /* TSS_SID_LEN bytes */
    uint32_t self;                /* own party index */
    uint32_t n_parties;           /* number of parties */
    const char *const *party_ids; /* node ids, index = party index */
    uint32_t threshold;           /* minimum signers (DKG: new key; others: ignored) */
    const uint8_t *input;         /* protocol-specific input */
    size_t input_len;             /* input length */
} tss_params;

/*
 * Ciphersuite of the shared DKG and reshare: the curve plus the hooks where a
 * protocol family binds its own hashes (DKLs23 spec §2 binds keygen_ctx into
 * the proof of knowledge and confirms with dkg/confirm). NULL hooks keep the
 * FROST(Ed25519) behaviour (pok.h challenge, tss_transcript_hash).
 * Borrowed by the protocol state for its whole life.
 */
typedef struct {
    const tss_group *g; /* curve */
    /* PoK challenge (DKG only); see pok.h tss_pok_challenge_fn. */
    mpc_status (*pok_challenge)(const void *user, tss_scalar *c, uint64_t id, const tss_point *C0,
                                const tss_point *R);
    /*
     * Confirmation hash of a finished run. In: commits (n_commits, party-major,
     * zeroed slots for parties that dealt nothing), proofs (DKG: n proofs of
     * point_len + 32 bytes; reshare: NULL), ks (the new record). Out: out.
     * Returns: MPC_OK or MPC_ERR_CRYPTO.
     */
    mpc_status (*confirm)(const void *user, uint8_t out[TSS_DIGEST_BYTES], const tss_point *commits,
                          size_t n_commits, const uint8_t *proofs, const tss_keyshare *ks);
    const void *user; /* passed to the hooks */
} tss_suite;

/* Round bookkeeping embedded in every protocol state. */
typedef struct {
    uint8_t sid[TSS_SID_LEN]; /* session id (bound into transcripts) */
    uint32_t self;            /* own party index */
    uint32_t n;               /* number of parties */
    char **node_ids;          /* copies of the party ids (owned) */
    uint32_t round;           /* round accepted now (1-based); 0 when done or failed */
    int done;                 /* 1 once finished successfully */
    mpc_status failed;        /* sticky error (MPC_OK while running) */
    uint32_t culprit;         /* party blamed for failed, or TSS_NO_CULPRIT */
    uint8_t *pending;         /* n flags: 1 = message still expected this round */
    uint32_t missing;         /* number of set flags */
} tss_base;

/*
 * Copies the common parameters and validates them: n >= 2, self < n, sid and
 * node ids present, node ids non-empty and distinct.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BAD_IDENTIFIER (duplicate or
 *          empty node id); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_base_init(tss_base *b, const tss_params *p);

/* Frees what tss_base_init allocated. */
void tss_base_free(tss_base *b);

/* Enters round r expecting one message from each party with senders[k] set (not self). */
void tss_base_expect(tss_base *b, uint32_t r, const uint8_t *senders);

/*
 * Records a failure (first one wins) and returns st.
 */
mpc_status tss_base_fail(tss_base *b, mpc_status st, uint32_t culprit);

/*
 * Common preamble of every state machine's result(): clears *out and
 * *out_len, then checks the arguments and that the protocol finished.
 * b may be NULL (a NULL state).
 * Returns: MPC_OK (the caller encodes its result), MPC_ERR_INVALID_ARG,
 *          MPC_ERR_SESSION_STATE (not done).
 */
MPC_MUST_CHECK mpc_status tss_base_result_check(const tss_base *b, uint8_t **out, size_t *out_len);

/*
 * Common checks of an inbound message: not failed, round current, sender
 * expected and not yet heard, delivery kind (broadcast or direct) as the
 * round wants, header version and type. Marks the sender heard and opens a
 * reader on the body.
 * Returns: MPC_OK or the (recorded) failure.
 */
MPC_MUST_CHECK mpc_status tss_base_accept(tss_base *b, uint32_t from, uint32_t round,
                                          int is_broadcast, int want_broadcast, uint8_t type,
                                          const uint8_t *data, size_t len, tss_rd *body);

/* Writes the message header. */
void tss_msg_header(tss_wr *w, uint8_t type);

/* out = BLAKE2b-256(u32 from || msg). */
void tss_msg_digest(uint8_t out[TSS_DIGEST_BYTES], uint32_t from, const uint8_t *msg, size_t len);

/*
 * Compares an echo vector (n digests) received from `from` with ours.
 * Out: *culprit per the blame rule above.
 * Returns: MPC_OK or MPC_ERR_EQUIVOCATION.
 */
MPC_MUST_CHECK mpc_status tss_echo_check(const uint8_t *mine, const uint8_t *theirs, uint32_t n,
                                         uint32_t from, uint32_t self, uint32_t *culprit);

/*
 * Appends a copy of w's buffer to out as a message of round r to `to`.
 * Returns: MPC_OK, MPC_ERR_NOMEM, MPC_ERR_INTERNAL (writer overflow).
 */
MPC_MUST_CHECK mpc_status tss_msg_send(mpc_outbox *out, uint32_t r, uint32_t to, const tss_wr *w);

/*
 * Reads a commitment vector: u16 count, then count points; count must be t.
 * Out: out[0..t). Returns: MPC_OK; MPC_ERR_BAD_COMMITMENT (count != t);
 *          MPC_ERR_BAD_POINT; MPC_ERR_MSG_MALFORMED (short input).
 */
MPC_MUST_CHECK mpc_status tss_commitments_read(const tss_group *g, tss_rd *r, tss_point *out,
                                               uint32_t t);

/* Writes a commitment vector (u16 t, then t points). */
void tss_commitments_write(const tss_group *g, tss_wr *w, const tss_point *c, uint32_t t);

/*
 * Transcript hash confirmed by every party at the end of DKG and reshare:
 * BLAKE2b-256(label NUL || sid || u32 t || u32 n || u32 n_commits || commits
 * || group key || per member: u32 id, node id NUL, verifying share).
 * Returns: MPC_OK or MPC_ERR_CRYPTO.
 */
MPC_MUST_CHECK mpc_status tss_transcript_hash(uint8_t out[TSS_DIGEST_BYTES], const char *label,
                                              const uint8_t *sid, const tss_point *commits,
                                              size_t n_commits, const tss_keyshare *ks);

#endif /* MPC_TSS_PROTO_H */

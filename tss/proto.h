/*
 * proto.h — what the tss/ protocol state machines share: their parameters
 * (filled by the session manager; tss/ never includes session/),
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
 * MPC_ERR_EQUIVOCATION. Blame (DESIGN §7, "blame that cannot be framed"): a
 * mismatch in the sender's own slot names the sender (its broadcast and its
 * echo, both signed by it, contradict each other); a mismatch in the slot of
 * any other party k (a third party or the receiver) names nobody: either k
 * sent different bytes to different parties or the sender lies about what it
 * got, and only signed evidence can tell. The state records the dispute
 * (tss_proto_dispute: the sender and k) for the session layer, which holds
 * the signed envelopes and decides between a proven culprit and
 * MPC_ERR_DISPUTED.
 *
 * The protocol interface (DESIGN §7): every state machine of tss/ embeds a
 * tss_base as its first member and fills one tss_protocol table; a caller
 * (the session manager, the tests) drives any of them through that table
 * and the tss_proto_* functions below, which read the round bookkeeping
 * (current round, done, culprit) from the base itself. The caller's side of
 * the contract:
 *   - one call at a time per state, never concurrently;
 *   - handle() only sees messages whose round == tss_proto_current_round();
 *     messages for later rounds are parked and replayed when the protocol
 *     reaches that round; earlier rounds are dropped as late;
 *   - every message was authenticated and comes from party index `from`
 *     (never self), exactly once per (from, round).
 * A protocol advances to round k+1 only when every input of round k is
 * present and verified, and fails (never crashes) on any malformed input.
 *
 * THREAD SAFETY: a tss_base belongs to one protocol state (one thread at a
 * time); the tss_protocol tables are immutable.
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

#define TSS_SID_LEN          16         /* session id length (== SESSION_SID_LEN) */
#define TSS_NO_CULPRIT       UINT32_MAX /* == SESSION_NO_CULPRIT */
#define TSS_MSG_VERSION      1          /* message encoding version */
#define TSS_DIGEST_BYTES     32         /* echo digests and transcript hashes */
#define TSS_MSG_HEADER_BYTES 2          /* u8 version | u8 type */

/*
 * Per-pair gate of the OT-extension consistency checks (DKLs23 spec §4.3,
 * §8 item 10), supplied by the driver (tss/ itself takes no lock). A pair is
 * (self as OT-extension sender, peer as receiver) for one key version. A
 * protocol that evaluates a check for a pair calls enter() first and leave()
 * with the verdict after, with nothing Δ-dependent released in between: at
 * most one check per pair is evaluated at a time and each verdict is recorded
 * before the next one. Every outgoing message derived from the pair's Δ is
 * marked pair_bound in the outbox (common/outbox.h); the driver releases it
 * only if the pair is not quarantined, under the same per-pair lock.
 * A protocol holding several pairs enters them in the order of its peers'
 * committee ids (one global order per key version: no deadlock).
 */
typedef struct {
    /*
     * Locks the pair with party `peer`. Returns: MPC_OK (locked; leave() must
     * follow) or MPC_ERR_QUARANTINED (not locked: the pair must not be used).
     */
    mpc_status (*enter)(void *user, uint32_t peer);
    /* Records the verdict (failed = 1: the check failed, quarantine the pair) and unlocks. */
    void (*leave)(void *user, uint32_t peer, int failed);
    void *user; /* passed to both */
} tss_pair_gate;

/* Parameters of one protocol instance; borrowed during create() only. */
typedef struct {
    const uint8_t *sid;           /* TSS_SID_LEN bytes */
    uint32_t self;                /* own party index */
    uint32_t n_parties;           /* number of parties */
    const char *const *party_ids; /* node ids, index = party index */
    uint32_t threshold;           /* minimum signers (DKG: new key; others: ignored) */
    const uint8_t *input;         /* protocol-specific input */
    size_t input_len;             /* input length */
    const tss_pair_gate *gate;    /* per-pair gate (DKLs signing), or NULL (ungated: tests
                                     of the bare protocol); borrowed for the state's life */
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

typedef struct tss_base tss_base;

/*
 * One protocol: its name and its entry points (static lifetime). Every
 * function takes the state's embedded base; use them through the
 * tss_proto_* wrappers, which check the arguments common to all.
 */
typedef struct tss_protocol {
    const char *name; /* "frost-dkg", "dkls-sign", ... */
    /*
     * Out: *out (caller owns; tss_proto_destroy). Returns MPC_OK or an error
     * (nothing allocated on error).
     */
    mpc_status (*create)(tss_base **out, const tss_params *p);
    /* Emits the first round's messages into out (state and out non-NULL, not started). */
    mpc_status (*start)(tss_base *s, mpc_outbox *out);
    /* Handles one inbound message of the current round (s and out non-NULL). */
    mpc_status (*handle)(tss_base *s, uint32_t from, uint32_t round, int is_broadcast,
                         const uint8_t *data, size_t len, mpc_outbox *out);
    /* Hands over the result once done (see tss_proto_result). */
    mpc_status (*result)(tss_base *s, uint8_t **out, size_t *out_len);
    /* Wipes and frees the whole state (s non-NULL). */
    void (*destroy)(tss_base *s);
    /*
     * Largest message this protocol may send in `round` as a broadcast
     * (is_broadcast 1) or a direct message (0) in a session of n parties;
     * 0 if that (round, kind) carries no message. Computed from the group
     * sizes and n (a threshold t <= n is bounded by n). The session manager
     * drops anything larger before it decodes or parks it (DESIGN §5).
     */
    size_t (*max_msg_len)(uint32_t n, uint32_t round, int is_broadcast);
} tss_protocol;

/* Round bookkeeping embedded (first member) in every protocol state. */
struct tss_base {
    const tss_protocol *proto; /* the protocol this state runs */
    uint8_t sid[TSS_SID_LEN];  /* session id (bound into transcripts) */
    uint32_t self;             /* own party index */
    uint32_t n;                /* number of parties */
    char **node_ids;           /* copies of the party ids (owned) */
    uint32_t round;            /* round accepted now (1-based); 0 when done or failed */
    int done;                  /* 1 once finished successfully */
    mpc_status failed;         /* sticky error (MPC_OK while running) */
    uint32_t culprit;          /* party blamed for failed, or TSS_NO_CULPRIT */
    uint32_t dispute[2];       /* unproven: the parties a failed check points at
                                  (TSS_NO_CULPRIT = none / an unidentified party) */
    uint8_t *pending;          /* n flags: 1 = message still expected this round */
    uint32_t missing;          /* number of set flags */
};

/*
 * Starts a state: emits round 1 into out.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL, already started, finished or
 *          failed); or the protocol's (recorded) failure.
 */
MPC_MUST_CHECK mpc_status tss_proto_start(tss_base *s, mpc_outbox *out);

/*
 * Handles one inbound message of the current round. is_broadcast tells
 * whether it arrived as a broadcast (1) or as a direct, encrypted message
 * (0); a protocol rejects the wrong kind.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG (NULL); MPC_ERR_SESSION_STATE (wrong
 *          round: no blame); or the sticky failure (culprit in tss_proto_culprit).
 */
MPC_MUST_CHECK mpc_status tss_proto_handle(tss_base *s, uint32_t from, uint32_t round,
                                           int is_broadcast, const uint8_t *data, size_t len,
                                           mpc_outbox *out);

/*
 * Hands over the result (protocol-specific encoding, see each protocol's
 * header) once done.
 * Out: *out, *out_len (cleared on entry) — allocated with mpc_secure_alloc
 *      (it may hold a share); the caller frees it with mpc_secure_free.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_SESSION_STATE (not done);
 *          MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_proto_result(tss_base *s, uint8_t **out, size_t *out_len);

/*
 * Returns: proto's declared maximum for (n, round, kind) (see
 * tss_protocol.max_msg_len); 0 for a NULL proto or table entry, round 0 or
 * a (round, kind) without messages.
 */
size_t tss_proto_max_msg_len(const tss_protocol *proto, uint32_t n, uint32_t round,
                             int is_broadcast);

/* Returns: the round accepted now (1-based), 0 once done or failed (or s NULL). */
uint32_t tss_proto_current_round(const tss_base *s);

/* Returns: 1 once the protocol has finished successfully. */
int tss_proto_is_done(const tss_base *s);

/* Returns: the party index blamed for the failure, or TSS_NO_CULPRIT. */
uint32_t tss_proto_culprit(const tss_base *s);

/*
 * The dispute of a failure that names no culprit: the two parties the failed
 * check points at (dispute[1] may be TSS_NO_CULPRIT: "some other party").
 * Out: out[0], out[1] (TSS_NO_CULPRIT if none).
 * Returns: 1 if the failure is a dispute, else 0.
 */
int tss_proto_dispute(const tss_base *s, uint32_t out[2]);

/* Wipes and frees a state of any protocol. Accepts NULL. */
void tss_proto_destroy(tss_base *s);

/*
 * For create(): a zeroed state of `size` bytes (plain heap) whose first
 * member is a tss_base opened for proto with p's self and n (tss_base_open).
 * Returns: the state, or NULL (out of memory).
 */
void *tss_base_alloc(size_t size, const tss_protocol *proto, const tss_params *p);

/*
 * Ends a create(): on MPC_OK hands b to *out, otherwise destroys it through
 * its table.
 * Returns: st.
 */
mpc_status tss_base_created(tss_base *b, mpc_status st, tss_base **out);

/*
 * Opens the bookkeeping of a state of `proto` with self and n only (no party
 * ids, nothing allocated): for protocols that validate their parties
 * themselves.
 */
void tss_base_open(tss_base *b, const tss_protocol *proto, uint32_t self, uint32_t n);

/*
 * tss_base_open, then copies the common parameters and validates them:
 * n >= 2, self < n, sid and node ids present, node ids non-empty and distinct.
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BAD_IDENTIFIER (duplicate or
 *          empty node id); MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_base_init(tss_base *b, const tss_protocol *proto,
                                        const tss_params *p);

/* Frees what tss_base_init allocated. */
void tss_base_free(tss_base *b);

/* Enters round r expecting one message from each party with senders[k] set (not self). */
void tss_base_expect(tss_base *b, uint32_t r, const uint8_t *senders);

/*
 * Records a failure (first one wins) and returns st.
 */
mpc_status tss_base_fail(tss_base *b, mpc_status st, uint32_t culprit);

/*
 * Records a failure that names no culprit but points at parties a and c
 * (first failure wins) and returns st.
 */
mpc_status tss_base_dispute(tss_base *b, mpc_status st, uint32_t a, uint32_t c);

/*
 * Records the failure of an inner state (wrapped protocols): its status,
 * culprit and dispute. Returns st.
 */
mpc_status tss_base_fail_inner(tss_base *b, mpc_status st, const tss_base *inner);

/*
 * Common preamble of every state machine's result(): clears *out and
 * *out_len, then checks the arguments and that the protocol finished.
 * b may be NULL (a NULL state).
 * Returns: MPC_OK (the caller encodes its result), MPC_ERR_INVALID_ARG,
 *          MPC_ERR_SESSION_STATE (not done).
 */
MPC_MUST_CHECK mpc_status tss_base_result_check(const tss_base *b, uint8_t **out, size_t *out_len);

/*
 * The whole result() of a protocol whose result is a byte string it keeps:
 * tss_base_result_check, then a mpc_secure_alloc copy of src[0..len).
 * Returns: as tss_base_result_check; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_base_result_copy(const tss_base *b, const uint8_t *src, size_t len,
                                               uint8_t **out, size_t *out_len);

/*
 * Entry checks of a handle() that does its own decoding: not failed, round
 * current, from a peer (not self, in range), data present.
 * Returns: MPC_OK; the sticky failure; MPC_ERR_SESSION_STATE (wrong round,
 *          no blame); MPC_ERR_MSG_MALFORMED (recorded, blaming from if in range).
 */
MPC_MUST_CHECK mpc_status tss_base_check_msg(tss_base *b, uint32_t from, uint32_t round,
                                             const uint8_t *data);

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

/*
 * tss_base_accept for the three-round shape of the shared DKG and reshare:
 * rounds 1 and 3 broadcast, round 2 direct; types[r] is round r's message
 * type (types[0] unused).
 * Returns: as tss_base_accept.
 */
MPC_MUST_CHECK mpc_status tss_base_accept3(tss_base *b, const uint8_t types[4], uint32_t from,
                                           uint32_t round, int is_broadcast, const uint8_t *data,
                                           size_t len, tss_rd *body);

/*
 * Round 2 of the shared DKG and reshare, from dealer `from`: reads
 * SC(f) | n echo digests, checks the echo against r1_digest, decodes f,
 * verifies it against the dealer's t commitments at identifier id, and adds
 * it into *sum. f is wiped.
 * Returns: MPC_OK or the recorded failure (culprit per the echo rule, else from).
 */
MPC_MUST_CHECK mpc_status tss_share_receive(tss_base *b, const tss_group *g, tss_rd *r,
                                            uint32_t from, const uint8_t *r1_digest, uint64_t id,
                                            const tss_point *commits, uint32_t t, tss_scalar *sum);

/*
 * Round 3 of the shared DKG and reshare: reads the 32-byte transcript hash
 * of `from` and compares it with ours; the run is done once none is missing.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED or MPC_ERR_TRANSCRIPT (recorded, blaming from).
 */
MPC_MUST_CHECK mpc_status tss_base_confirm(tss_base *b, uint32_t from, tss_rd *r,
                                           const uint8_t transcript[TSS_DIGEST_BYTES]);

/* Writes the message header. */
void tss_msg_header(tss_wr *w, uint8_t type);

/* out = BLAKE2b-256(u32 from || msg). */
void tss_msg_digest(uint8_t out[TSS_DIGEST_BYTES], uint32_t from, const uint8_t *msg, size_t len);

/*
 * Compares an echo vector (n digests) received from `from` with ours.
 * Out: *slot = the first party whose digests differ (TSS_NO_CULPRIT if none).
 * Returns: MPC_OK or MPC_ERR_EQUIVOCATION.
 */
MPC_MUST_CHECK mpc_status tss_echo_check(const uint8_t *mine, const uint8_t *theirs, uint32_t n,
                                         uint32_t *slot);

/*
 * Records an echo mismatch of `from` in `slot` per the blame rule above:
 * slot == from names from; any other slot is a dispute between from and slot.
 * Returns: MPC_ERR_EQUIVOCATION (or an earlier sticky failure).
 */
mpc_status tss_echo_fail(tss_base *b, uint32_t from, uint32_t slot);

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

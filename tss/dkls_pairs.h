/*
 * dkls_pairs.h — the pairwise OT setups of a whole committee, as run inside
 * DKLs23 keygen (spec §2) and reshare (spec §7): one tss_dkls_pair_setup per
 * other committee member, the transcript-pair confirmation list, and the
 * hand-over of the results into a key record.
 *
 * Messages (session parties are addressed by index; only parties with a
 * nonzero committee id take part):
 *   setup (direct, round chosen by the caller): u8 version = 1 | u8 type = 0x41 |
 *          PT(S) for setup j->i || 128 pairs for setup i->j || c_ij (2 + 8 513 bytes)
 *   confirmation list (appended by the caller to its confirmation broadcast):
 *          for every other committee member j, ascending id: ID(j) || tr(i->j) || tr(j->i)
 *          (96 bytes each; spec §2 round 3)
 * A receiver checks that the list of sender j names exactly the other members
 * of the committee (ascending) and that its entry for the receiver equals
 * (tr(j->i), tr(i->j)) as the receiver computed them; a mismatch is
 * MPC_ERR_TRANSCRIPT naming j.
 *
 * DESIGN: owns the pair-setup states (secure memory) and the results (secure
 * memory, wiped on destroy). A second setup message from the same party is
 * refused (MPC_ERR_MSG_KIND naming it): each setup is finished exactly once.
 *
 * THREAD SAFETY: an object belongs to one protocol state (one thread at a time).
 */
#ifndef MPC_TSS_DKLS_PAIRS_H
#define MPC_TSS_DKLS_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "common/outbox.h"
#include "common/status.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_setup.h"
#include "tss/proto.h"
#include "tss/wire.h"

#define TSS_DKLS_PAIRS_MSG         0x41 /* message type of a setup message */
#define TSS_DKLS_PAIRS_MSG_BYTES   (2 + TSS_DKLS_SETUP_MSG_BYTES)
#define TSS_DKLS_PAIRS_ENTRY       96 /* bytes of one confirmation-list entry */
#define TSS_DKLS_PAIRS_MAX_PARTIES 32 /* most session parties (as signing: 32 signers) */

/* Opaque committee setup state. */
typedef struct tss_dkls_pairs tss_dkls_pairs;

/*
 * Prepares the setups of party self with every other party k that has
 * committee id ot_id[k] != 0 (ids distinct; ot_id[self] != 0).
 * In: ot_id[0..n) borrowed for the call.
 * Out: *out — caller owns it; free with tss_dkls_pairs_destroy().
 * Returns: MPC_OK; MPC_ERR_INVALID_ARG; MPC_ERR_BAD_IDENTIFIER; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_pairs_create(tss_dkls_pairs **out, const tss_secp_ctx *ctx,
                                                const uint8_t ctx_hash[TSS_DKLS_HASH_BYTES],
                                                uint32_t n, uint32_t self, const uint32_t *ot_id);

/* Wipes and frees. Accepts NULL. */
void tss_dkls_pairs_destroy(tss_dkls_pairs *p);

/*
 * Starts every setup and appends one direct message per peer as round `round`.
 * Returns: MPC_OK; MPC_ERR_RANDOM; MPC_ERR_NOMEM; MPC_ERR_SESSION_STATE (twice).
 */
MPC_MUST_CHECK mpc_status tss_dkls_pairs_start(tss_dkls_pairs *p, mpc_outbox *out, uint32_t round);

/* Returns: 1 if a setup message from party `from` is still expected. */
int tss_dkls_pairs_expects(const tss_dkls_pairs *p, uint32_t from);

/*
 * Finishes the two setups with party `from` on its message (header included).
 * Out: *culprit — `from` on failure, else unchanged.
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED; MPC_ERR_MSG_KIND (unexpected or
 *          repeated); MPC_ERR_BAD_POINT / MPC_ERR_IDENTITY_POINT; MPC_ERR_NOMEM.
 */
MPC_MUST_CHECK mpc_status tss_dkls_pairs_handle(tss_dkls_pairs *p, uint32_t from,
                                                const uint8_t *data, size_t len, uint32_t *culprit);

/* Returns: 1 once every expected setup message was handled. */
int tss_dkls_pairs_complete(const tss_dkls_pairs *p);

/* Returns: bytes of the confirmation list party k sends (0 if k is not a member). */
size_t tss_dkls_pairs_list_len(const tss_dkls_pairs *p, uint32_t k);

/* Appends the local confirmation list (after completion). */
void tss_dkls_pairs_list_write(const tss_dkls_pairs *p, tss_wr *w);

/*
 * Checks the confirmation list of party `from` (exactly list_len(from) bytes).
 * Returns: MPC_OK; MPC_ERR_MSG_MALFORMED (length or member list);
 *          MPC_ERR_TRANSCRIPT (entry for self differs).
 */
MPC_MUST_CHECK mpc_status tss_dkls_pairs_list_check(const tss_dkls_pairs *p, uint32_t from,
                                                    const uint8_t *list, size_t len);

/*
 * Copies the setup results into rec->peers: the entry with member m gets the
 * setups of the party whose committee id is m + 1 (status active).
 * Returns: MPC_OK; MPC_ERR_INTERNAL if a peer of rec has no finished setup.
 */
MPC_MUST_CHECK mpc_status tss_dkls_pairs_export(const tss_dkls_pairs *p, tss_dkls_keyrec *rec);

/*
 * Builds and encodes the key record of a finished keygen/reshare: decodes the
 * shared protocol's key-share record ks_enc, adds version, wallet id, ctx and
 * (when the record has a secret) the setups of p (p may be NULL for a
 * public-only record).
 * Out: *out (mpc_secure_alloc; caller frees with mpc_secure_free), *out_len.
 * Returns: MPC_OK or the decode/create/export error.
 */
MPC_MUST_CHECK mpc_status tss_dkls_pairs_build_record(const tss_dkls_pairs *p,
                                                      const uint8_t *ks_enc, size_t ks_len,
                                                      uint32_t version, const uint8_t *wallet,
                                                      size_t wallet_len,
                                                      const uint8_t ctx[TSS_DKLS_HASH_BYTES],
                                                      uint8_t **out, size_t *out_len);

/*
 * Moves every message of src to the end of dst (src ends empty).
 * Returns: MPC_OK or MPC_ERR_NOMEM (src keeps what was not moved).
 */
MPC_MUST_CHECK mpc_status tss_dkls_outbox_move(mpc_outbox *dst, mpc_outbox *src);

/* What DKLs keygen and reshare keep around their inner protocol (the shared
 * DKG or reshare of tss/dkg.h, tss/reshare.h). Owned by the embedding state. */
struct tss_dkls_wrap {
    tss_base *inner;       /* the shared DKG or reshare */
    tss_dkls_pairs *pairs; /* pairwise OT setups (NULL where this party makes none) */
    mpc_outbox stash;      /* inner output held until the round completes */
    uint8_t *rec;          /* encoded key record once done (secure) */
    size_t rec_len;        /* its length */
};

/* Empties w (nothing allocated). */
void tss_dkls_wrap_init(struct tss_dkls_wrap *w);

/* Frees and wipes what w holds; w is empty afterwards. */
void tss_dkls_wrap_clear(struct tss_dkls_wrap *w);

/*
 * Round 3 of DKLs keygen and reshare, from `from`: data = conf (conf_len
 * bytes) || OT confirmation list (list_len bytes). Checks the list against
 * own setups (when this party has any and the list is not empty), then hands
 * conf to the inner protocol (its output goes to w->stash).
 * Returns: MPC_OK (tss_proto_is_done(w->inner) tells whether all confirmed)
 *          or the failure, recorded in b (culprit from, or the inner's).
 */
MPC_MUST_CHECK mpc_status tss_dkls_wrap_confirm(struct tss_dkls_wrap *w, tss_base *b, uint32_t from,
                                                const uint8_t *data, size_t len, size_t conf_len,
                                                size_t list_len);

#endif /* MPC_TSS_DKLS_PAIRS_H */

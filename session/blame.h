/*
 * blame.h — who a failed session names, and on what evidence (DESIGN §7,
 * "blame that cannot be framed"; internal, worker only).
 *
 * The rule: a party is named (outcome culprit) only when the session holds
 * signed evidence that it misbehaved —
 *   - two envelopes it signed for the same (sid, round, kind) that carry
 *     different payloads (a broadcast equivocation), or that carry two
 *     incarnations (it restarted during the session);
 *   - a message it signed that fails a check by itself (tss/ names the
 *     sender of a message that is invalid on its own, e.g. a share that
 *     fails its dealer's commitments, or an echo that contradicts its own
 *     broadcast).
 * When a check only shows that two parties disagree (an echo slot of a third
 * party, the DKLs echo hashes), the session fails with MPC_ERR_DISPUTED and
 * names both parties in outcome.disputed, culprit none. A peer's ABORT never
 * names anyone on the sender's word: ABORT(PEER_RESTARTED, X) names X only
 * when it carries X's two signed envelopes with different incarnations.
 *
 * ABORT payload: u32 status (little-endian); for MPC_ERR_PEER_RESTARTED
 * followed by u8 id_len | id of the restarted party | then, when the sender
 * holds them, u32 len1 (big-endian) | envelope 1 | u32 len2 | envelope 2.
 */
#ifndef MPC_SESSION_BLAME_H
#define MPC_SESSION_BLAME_H

#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "session/internal.h"
#include "session/step.h"

/*
 * The verdict of a failed step: a dispute becomes MPC_ERR_DISPUTED with
 * s->verdict_dispute set; evidence is chosen either way.
 * Out: *culprit. Returns: the status to finish with.
 */
mpc_status session_blame_step(session *s, const session_step *c, mpc_status st, uint32_t *culprit);

/*
 * An ABORT from `from`. Returns 1 if the session ends now, with *st and
 * *culprit (verdict fields set): a restart claim ends it at once, naming the
 * restarted party only with its two signed envelopes in the payload. Returns
 * 0 for any other ABORT (the caller's grace period applies).
 */
int session_blame_abort(session *s, uint32_t from, const uint8_t *p, size_t len, mpc_status *st,
                        uint32_t *culprit);

/*
 * The payload of our own ABORT for a failure st naming culprit.
 * Out: *out (malloc'd, caller frees), *out_len. Returns: MPC_OK or MPC_ERR_NOMEM.
 */
mpc_status session_blame_abort_payload(const session *s, mpc_status st, uint32_t culprit,
                                       uint8_t **out, size_t *out_len);

#endif /* MPC_SESSION_BLAME_H */

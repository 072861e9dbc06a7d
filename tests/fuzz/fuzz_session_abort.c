/*
 * fuzz_session_abort.c — libFuzzer harness: the ABORT payload a peer
 * broadcasts when it gives up on a session, as the session judges it
 * (session/blame.c session_blame_abort):
 *   u32 status (little-endian) [| u8 id_len | node id of the restarted party
 *   [| u32be len | envelope | u32be len | envelope]]   (the restart proof)
 *
 * Fast: the fixture (two parties n0 = self and n1, their identities and peer
 * tables, one session object) is built once per process; each input is
 * judged by the function under test alone (no threads, no transport).
 * Oracle, checked independently of the judge:
 *   - the session ends at once (returns 1) exactly when the payload is
 *     MPC_ERR_PEER_RESTARTED followed by a party's id, and then with that status;
 *   - a party is named only on a proof: two envelopes of that party for this
 *     session, both verifying under its key from the peers table, with two
 *     different non-zero incarnations (re-checked here with
 *     transport_envelope_attest); otherwise nobody is named;
 *   - every kept envelope is freed (the session's evidence list).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/blame.h"
#include "session/evidence.h"
#include "session/internal.h"
#include "tests/fuzz/support/fuzz_support.h"
#include "tests/support/session_testkit.h"
#include "transport/envelope.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fz_ids[2] = {"n0", "n1"};
static char *fz_party_ids[2] = {"n0", "n1"};
static transport_identity *fz_id0, *fz_id1;
static transport_peer_table *fz_pt0, *fz_pt1;
static struct session_manager *fz_mgr; /* only cfg.peers is read */
static const uint8_t fz_sid[SESSION_SID_LEN] = {'a', 'b', 'o', 'r', 't'};

static void
put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* An envelope of party `who` for the session with incarnation inc (malloc). */
static uint8_t *
seal(uint32_t who, uint64_t inc, size_t *len)
{
    uint8_t *buf = NULL;
    transport_envelope_in env = {.sid = fz_sid,
                                 .round = 1,
                                 .seq = 1,
                                 .incarnation = inc,
                                 .kind = TRANSPORT_ENVELOPE_BROADCAST,
                                 .payload = (const uint8_t *)"x",
                                 .payload_len = 1};
    if (transport_envelope_seal(who == 0 ? fz_pt0 : fz_pt1, &env, &buf, len) != MPC_OK) {
        abort();
    }
    return buf;
}

static void
write_seeds(const char *dir)
{
    uint8_t p[4096];
    mpc_status codes[3] = {MPC_ERR_PEER_RESTARTED, MPC_ERR_PROTOCOL, MPC_ERR_TIMEOUT};
    for (int i = 0; i < 3; i++) {
        put_le32(p, (uint32_t)codes[i]);
        p[4] = 2;
        memcpy(p + 5, "n1", 2);
        char name[16];
        snprintf(name, sizeof name, "code%d", i);
        fuzz_seed_write(dir, name, p, i == 0 ? 7 : 4);
    }
    for (uint32_t who = 0; who < 2; who++) { /* a restart claim with its proof */
        size_t l0 = 0, l1 = 0;
        uint8_t *e0 = seal(who, 7, &l0), *e1 = seal(who, 8, &l1);
        size_t at = 5;
        put_le32(p, (uint32_t)MPC_ERR_PEER_RESTARTED);
        p[4] = 2;
        memcpy(p + at, fz_ids[who], 2);
        at += 2;
        const uint8_t *e[2] = {e0, e1};
        size_t l[2] = {l0, l1};
        for (int k = 0; k < 2; k++) {
            if (at + 4 + l[k] > sizeof p) {
                abort();
            }
            p[at] = (uint8_t)(l[k] >> 24);
            p[at + 1] = (uint8_t)(l[k] >> 16);
            p[at + 2] = (uint8_t)(l[k] >> 8);
            p[at + 3] = (uint8_t)l[k];
            memcpy(p + at + 4, e[k], l[k]);
            at += 4 + l[k];
        }
        fuzz_seed_write(dir, who == 0 ? "proof-self" : "proof-n1", p, at);
        free(e0);
        free(e1);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_rng_install();
    fz_mgr = calloc(1, sizeof *fz_mgr);
    if (fz_mgr == NULL || stk_peers_create(fz_ids, 2, 0, &fz_id0, &fz_pt0) != MPC_OK ||
        stk_peers_create(fz_ids, 2, 1, &fz_id1, &fz_pt1) != MPC_OK) {
        abort();
    }
    fz_mgr->cfg.peers = fz_pt0;
    fuzz_seeds_or_fuzz(write_seeds);
    return 0;
}

/* The party the payload names as restarted, or UINT32_MAX; *proof_at: where the proof starts. */
static uint32_t
named_party(const uint8_t *p, size_t len, size_t *proof_at)
{
    uint32_t code = len >= 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                   (uint32_t)p[3] << 24
                             : 0;
    if (code != (uint32_t)MPC_ERR_PEER_RESTARTED || len < 5 || (size_t)p[4] > len - 5) {
        return UINT32_MAX;
    }
    for (uint32_t i = 0; i < 2; i++) {
        if (p[4] == strlen(fz_ids[i]) && memcmp(p + 5, fz_ids[i], p[4]) == 0) {
            *proof_at = 5 + (size_t)p[4];
            return i;
        }
    }
    return UINT32_MAX;
}

/* Re-checks a proof naming `who` as the oracle sees it. Returns 1 if it holds. */
static int
proof_holds(uint32_t who, const struct session *s)
{
    uint8_t pk[32];
    if (s->verdict_n != 2 ||
        (who == 0 ? (transport_identity_public_key(fz_id0, pk), MPC_OK)
                  : transport_peer_table_get(fz_pt0, fz_ids[who], pk, NULL)) != MPC_OK) {
        return 0;
    }
    transport_envelope_header h[2];
    for (int k = 0; k < 2; k++) {
        const struct session_evid *e = s->verdict_evid[k];
        if (transport_envelope_attest(e->data, e->len, pk, &h[k]) != MPC_OK ||
            strcmp(h[k].from, fz_ids[who]) != 0 || memcmp(h[k].sid, fz_sid, SESSION_SID_LEN) != 0 ||
            h[k].incarnation == 0) {
            return 0;
        }
    }
    return h[0].incarnation != h[1].incarnation;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct session s;
    memset(&s, 0, sizeof s);
    s.mgr = fz_mgr;
    memcpy(s.sid, fz_sid, SESSION_SID_LEN);
    s.self = 0;
    s.n = 2;
    s.party_ids = fz_party_ids;
    s.verdict_dispute[0] = s.verdict_dispute[1] = SESSION_NO_CULPRIT;
    mpc_status st = MPC_OK;
    uint32_t culprit = 12345;
    size_t proof_at = 0;
    uint32_t named = named_party(data, size, &proof_at);
    int ends = session_blame_abort(&s, 1, data, size, &st, &culprit);
    const char *bad = NULL;
    if (ends != (named != UINT32_MAX)) {
        bad = "ends iff a restart claim names a party";
    } else if (ends && st != MPC_ERR_PEER_RESTARTED) {
        bad = "a restart claim ends with PEER_RESTARTED";
    } else if (ends && culprit != SESSION_NO_CULPRIT && culprit != named) {
        bad = "names another party than the claim";
    } else if (ends && culprit == named && !proof_holds(named, &s)) {
        bad = "names a party without a valid proof";
    } else if (ends && culprit == SESSION_NO_CULPRIT && s.verdict_n == 2 &&
               proof_holds(named, &s)) {
        bad = "a valid proof names nobody";
    }
    if (bad != NULL) {
        fprintf(stderr, "abort payload: %s (ends %d, named %u, culprit %u)\n", bad, ends, named,
                culprit);
        abort();
    }
    session_evid_free(&s);
    if (s.evid != NULL || s.evid_bytes != 0) {
        fprintf(stderr, "abort payload: kept evidence not freed\n");
        abort();
    }
    return 0;
}

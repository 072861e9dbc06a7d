/*
 * dkls_signing.c — DKLs23 signing session (see dkls_signing.h).
 *
 * DESIGN: the state owns a decoded copy of the key record (secure memory)
 * whose OT setups the inner tss_dkls_sign borrows, and one slot per peer and
 * message kind for the received bytes (a slot is filled once: that is the
 * "answer once per peer" rule). A round of the inner machine runs only when
 * every slot of the previous round is filled. Messages are copied into
 * heap buffers that are wiped on free (round-2 payloads carry RVOLE data).
 */
#include "tss/dkls_signing.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_presig.h"
#include "tss/dkls_sign.h"

#define SG_NONE UINT32_MAX

enum sg_slot { SG_R1B = 0, SG_R1D, SG_R2D, SG_R3B, SG_SLOTS };

static const uint8_t sg_type[SG_SLOTS] = {0x51, 0x52, 0x53, 0x54};
static const size_t sg_len[SG_SLOTS] = {TSS_DKLS_SIGN_R1_BCAST_BYTES, TSS_DKLS_SIGN_R1_DIRECT_BYTES,
                                        TSS_DKLS_SIGN_R2_DIRECT_BYTES,
                                        TSS_DKLS_SIGN_R3_BCAST_BYTES};

typedef struct tss_dkls_signing tss_dkls_signing;

struct tss_dkls_signing {
    tss_base b;                /* first member (the table casts): rounds, parties, failure */
    mpc_status deferred;       /* failure found at create, reported by start */
    uint32_t deferred_culprit; /* its culprit party */
    tss_dkls_keyrec *rec;      /* own copy of the key record (secure) */
    tss_dkls_sign *sm;         /* inner state machine */
    const tss_pair_gate *gate; /* per-pair gate of the KOS checks (borrowed), or NULL */
    uint32_t peer_party[TSS_DKLS_SIGN_MAX_PEERS]; /* peer index (ascending id) -> party */
    uint32_t *party_peer;                         /* party -> peer index, SG_NONE for self */
    uint32_t *party_id;                           /* party -> committee id */
    size_t n_peers;                               /* n - 1 */
    struct tss_dkls_sign_msg msg[SG_SLOTS][TSS_DKLS_SIGN_MAX_PEERS]; /* received payloads */
    uint32_t missing;  /* slots still empty in the current round */
    int presign;       /* 1: dkls-presign (round 3 leaves a record, no broadcast) */
    size_t result_len; /* bytes of result: the signature, or the encoded record */
    uint8_t result[TSS_DKLS_PRESIG_MAX_BYTES]; /* r | s | recid | r || s || v, or the record
                                                  (secret; the state is secure memory) */
    int has_tweak;                             /* 1: sign under Y + τ·G (input version 2) */
    uint8_t tweak[32];                         /* SC(τ) (public) */
};

mpc_status
tss_dkls_sign_input_encode(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t rec_len,
                           const uint8_t msg32[32], const char *const *signers, uint32_t n)
{
    return tss_dkls_sign_input_encode_hd(out, out_len, rec, rec_len, msg32, signers, n, NULL);
}

mpc_status
tss_dkls_sign_input_encode_hd(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t rec_len,
                              const uint8_t msg32[32], const char *const *signers, uint32_t n,
                              const uint8_t tweak[32])
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || rec == NULL || rec_len == 0 || rec_len > UINT32_MAX ||
        msg32 == NULL || signers == NULL || n == 0 || n > TSS_DKLS_SIGN_MAX_PEERS + 1) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t len = 1 + 4 + rec_len + 32 + 2 + (tweak != NULL ? 32 : 0);
    for (uint32_t i = 0; i < n; i++) {
        if (signers[i] == NULL || signers[i][0] == '\0' || strlen(signers[i]) > TSS_NODE_ID_MAX) {
            return MPC_ERR_INVALID_ARG;
        }
        len += 2 + strlen(signers[i]);
    }
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_wr_u8(&w, tweak != NULL ? TSS_DKLS_SIGN_INPUT_VERSION_HD : TSS_DKLS_SIGN_INPUT_VERSION);
    tss_wr_u32(&w, (uint32_t)rec_len);
    tss_wr_bytes(&w, rec, rec_len);
    tss_wr_bytes(&w, msg32, 32);
    tss_wr_u16(&w, (uint16_t)n);
    for (uint32_t i = 0; i < n; i++) {
        tss_wr_u16(&w, (uint16_t)strlen(signers[i]));
        tss_wr_bytes(&w, (const uint8_t *)signers[i], strlen(signers[i]));
    }
    if (tweak != NULL) {
        tss_wr_bytes(&w, tweak, 32);
    }
    *out = buf;
    *out_len = len;
    return MPC_OK;
}

mpc_status
tss_dkls_presign_input_encode(uint8_t **out, size_t *out_len, const uint8_t *rec, size_t rec_len,
                              const char *const *signers, uint32_t n)
{
    static const uint8_t zero[32];
    mpc_status st = tss_dkls_sign_input_encode(out, out_len, rec, rec_len, zero, signers, n);
    if (st == MPC_OK) {
        (*out)[0] = TSS_DKLS_PRESIGN_INPUT_VERSION; /* the digest field is ignored */
    }
    return st;
}

/* Parses the input: record, digest, and a signer list equal to the party set. */
static mpc_status
sg_parse_input(tss_dkls_signing *s, const tss_params *p, uint8_t msg32[32])
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    uint8_t ver = tss_rd_u8(&r);
    uint32_t rec_len = tss_rd_u32(&r);
    const uint8_t *rec = tss_rd_bytes(&r, rec_len);
    const uint8_t *m = tss_rd_bytes(&r, 32);
    uint16_t n_signers = tss_rd_u16(&r);
    /* A presign input is version 3 only (no tweak: it is applied online), a sign input 1 or 2. */
    int ver_ok =
        s->presign ? ver == TSS_DKLS_PRESIGN_INPUT_VERSION
                   : (ver == TSS_DKLS_SIGN_INPUT_VERSION || ver == TSS_DKLS_SIGN_INPUT_VERSION_HD);
    if (!r.ok || !ver_ok) {
        return MPC_ERR_MSG_MALFORMED;
    }
    memcpy(msg32, m, 32);
    uint8_t seen[TSS_DKLS_SIGN_MAX_PEERS + 1] = {0};
    for (uint32_t i = 0; i < n_signers; i++) {
        uint16_t len = tss_rd_u16(&r);
        const uint8_t *name = tss_rd_bytes(&r, len);
        if (name == NULL) {
            return MPC_ERR_MSG_MALFORMED;
        }
        uint32_t k = 0;
        while (k < p->n_parties &&
               (strlen(p->party_ids[k]) != len || memcmp(p->party_ids[k], name, len) != 0)) {
            k++;
        }
        if (k == p->n_parties || seen[k]) {
            return MPC_ERR_UNKNOWN_PARTICIPANT; /* not a party, or listed twice */
        }
        seen[k] = 1;
    }
    if (ver == TSS_DKLS_SIGN_INPUT_VERSION_HD) {
        const uint8_t *tw = tss_rd_bytes(&r, 32);
        if (tw == NULL) {
            return MPC_ERR_MSG_MALFORMED;
        }
        memcpy(s->tweak, tw, 32);
        s->has_tweak = 1;
    }
    if (!tss_rd_done(&r) || n_signers != p->n_parties) {
        return n_signers != p->n_parties ? MPC_ERR_UNKNOWN_PARTICIPANT : MPC_ERR_MSG_MALFORMED;
    }
    return tss_dkls_keyrec_decode(&s->rec, rec, rec_len);
}

/* Maps parties to committee members and sorts the peers by id. */
static mpc_status
sg_map_parties(tss_dkls_signing *s, const tss_params *p)
{
    const tss_keyshare *ks = s->rec->ks;
    if (ks->secret == NULL) {
        return MPC_ERR_NOT_PARTICIPANT;
    }
    for (uint32_t k = 0; k < s->b.n; k++) {
        uint32_t m = tss_keyshare_find_node(ks, p->party_ids[k]);
        if (m >= ks->n) {
            return MPC_ERR_UNKNOWN_PARTICIPANT;
        }
        s->party_id[k] = ks->members[m].id;
        if (k == s->b.self && m != ks->self) {
            return MPC_ERR_UNKNOWN_PARTICIPANT; /* the record is another member's */
        }
    }
    if (s->b.n < ks->threshold) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    size_t np = 0;
    for (uint32_t k = 0; k < s->b.n; k++) {
        if (k == s->b.self) {
            s->party_peer[k] = SG_NONE;
            continue;
        }
        size_t pos = np++;
        while (pos > 0 && s->party_id[s->peer_party[pos - 1]] > s->party_id[k]) {
            s->peer_party[pos] = s->peer_party[pos - 1];
            pos--;
        }
        s->peer_party[pos] = k;
    }
    s->n_peers = np;
    for (size_t i = 0; i < np; i++) {
        s->party_peer[s->peer_party[i]] = (uint32_t)i;
    }
    return MPC_OK;
}

/* Fills the inner parameters from the record and creates the inner machine. */
static mpc_status
sg_make_inner(tss_dkls_signing *s, const tss_params *p, const uint8_t msg32[32])
{
    const tss_keyshare *ks = s->rec->ks;
    const tss_group *g = ks->g;
    struct tss_dkls_sign_peer peers[TSS_DKLS_SIGN_MAX_PEERS];
    if (s->rec->format != TSS_DKLS_KEYREC_FORMAT) {
        return MPC_ERR_RESHARE_REQUIRED; /* no zero-sharing seeds (spec §2.1, App. C.4) */
    }
    struct tss_dkls_sign_params sp;
    memset(&sp, 0, sizeof sp);
    memset(peers, 0, sizeof peers);
    sp.ctx = tss_group_secp256k1_ctx();
    memcpy(sp.sid, p->sid, TSS_SID_LEN);
    sp.wallet_id = s->rec->wallet_id;
    sp.wallet_id_len = s->rec->wallet_len;
    sp.key_version = s->rec->key_version;
    sp.threshold = ks->threshold;
    g->point_encode(sp.y_pub, &ks->group_key);
    sp.self_id = ks->members[ks->self].id;
    sp.x_share = ks->secret->v; /* SC(x_i) on secp256k1 */
    g->point_encode(sp.x_pub_self, &ks->members[ks->self].vshare);
    for (size_t i = 0; i < s->n_peers; i++) {
        uint32_t m = s->party_id[s->peer_party[i]] - 1;
        const struct tss_dkls_peer_rec *pr = tss_dkls_keyrec_peer(s->rec, m);
        if (pr == NULL || ks->members[m].id != m + 1) {
            return MPC_ERR_INTERNAL;
        }
        peers[i].id = ks->members[m].id;
        g->point_encode(peers[i].x_pub, &ks->members[m].vshare);
        peers[i].alice = &pr->pair.alice;
        peers[i].bob = &pr->pair.bob;
        memcpy(peers[i].setup_id_out, pr->pair.setup_id_out, TSS_DKLS_HASH_BYTES);
        memcpy(peers[i].setup_id_in, pr->pair.setup_id_in, TSS_DKLS_HASH_BYTES);
        peers[i].zero_seed = pr->pair.zero_seed;
        peers[i].quarantined = pr->status == TSS_DKLS_PEER_QUARANTINED;
    }
    sp.peers = peers;
    sp.n_peers = s->n_peers;
    memcpy(sp.msg32, msg32, 32);
    sp.tweak = s->has_tweak ? s->tweak : NULL;
    uint32_t culprit_id = 0;
    mpc_status st = s->presign ? tss_dkls_presign_create(&sp, &s->sm, &culprit_id)
                               : tss_dkls_sign_create(&sp, &s->sm, &culprit_id);
    if (st == MPC_ERR_QUARANTINED) {
        /* Reported by start(), with the culprit named (spec §9.3: before round 1). */
        s->deferred = st;
        s->deferred_culprit = TSS_NO_CULPRIT;
        for (uint32_t k = 0; k < s->b.n; k++) {
            if (s->party_id[k] == culprit_id) {
                s->deferred_culprit = k;
            }
        }
        st = MPC_OK;
    }
    return st;
}

/* Both rows: dkls-sign (presign 0) and dkls-presign (presign 1). */
static mpc_status
sg_create(tss_base **out, const tss_params *p, int presign)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || p == NULL || p->sid == NULL || p->party_ids == NULL ||
        (p->input == NULL && p->input_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (p->n_parties < 2 || p->n_parties > TSS_DKLS_SIGN_MAX_PEERS + 1 || p->self >= p->n_parties) {
        return MPC_ERR_INVALID_ARG;
    }
    if (tss_group_selftest() != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    tss_dkls_signing *s = mpc_secure_alloc(sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    memset(s, 0, sizeof *s);
    s->presign = presign;
    tss_base_open(&s->b, presign ? &tss_proto_dkls_presign : &tss_proto_dkls_sign, p->self,
                  p->n_parties);
    s->party_peer = calloc(s->b.n, sizeof *s->party_peer);
    s->party_id = calloc(s->b.n, sizeof *s->party_id);
    uint8_t msg32[32];
    mpc_status st = (s->party_peer && s->party_id) ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        st = sg_parse_input(s, p, msg32);
    }
    if (st == MPC_OK) {
        st = sg_map_parties(s, p);
    }
    if (st == MPC_OK) {
        st = sg_make_inner(s, p, msg32);
    }
    s->gate = p->gate;
    return tss_base_created(&s->b, st, out);
}

mpc_status
tss_dkls_signing_create(tss_base **out, const tss_params *p)
{
    return sg_create(out, p, 0);
}

mpc_status
tss_dkls_presigning_create(tss_base **out, const tss_params *p)
{
    return sg_create(out, p, 1);
}

static void
sg_destroy(tss_base *base)
{
    tss_dkls_signing *s = (tss_dkls_signing *)base;
    for (int k = 0; k < SG_SLOTS; k++) {
        for (size_t i = 0; i < TSS_DKLS_SIGN_MAX_PEERS; i++) {
            if (s->msg[k][i].p != NULL) {
                mpc_wipe((void *)s->msg[k][i].p, s->msg[k][i].len);
                free((void *)s->msg[k][i].p);
            }
        }
    }
    tss_dkls_sign_destroy(s->sm);
    tss_dkls_keyrec_destroy(s->rec);
    free(s->party_peer);
    free(s->party_id);
    mpc_wipe(s, sizeof *s);
    mpc_secure_free(s);
}

/* Maps the inner culprit (a committee id, 0 = none) to a party index. */
static uint32_t
sg_party_of(const tss_dkls_signing *s, uint32_t id)
{
    for (uint32_t k = 0; id != 0 && k < s->b.n; k++) {
        if (s->party_id[k] == id) {
            return k;
        }
    }
    return TSS_NO_CULPRIT;
}

/* Sends n_peers framed messages of one slot kind from payloads[0..) (peer order). */
static mpc_status
sg_send(tss_dkls_signing *s, mpc_outbox *out, uint32_t round, enum sg_slot kind,
        const uint8_t *payload, int per_peer)
{
    size_t len = 2 + sg_len[kind];
    uint8_t *buf = malloc(len);
    mpc_status st = buf != NULL ? MPC_OK : MPC_ERR_NOMEM;
    size_t count = per_peer ? s->n_peers : 1;
    for (size_t i = 0; st == MPC_OK && i < count; i++) {
        buf[0] = TSS_MSG_VERSION;
        buf[1] = sg_type[kind];
        memcpy(buf + 2, payload + i * sg_len[kind], sg_len[kind]);
        TSS_DECLASSIFY(buf, len); /* sent: known to its recipient (ctime test) */
        st = mpc_outbox_add(out, round, per_peer ? s->peer_party[i] : MPC_OUTBOX_ALL, buf, len);
        if (st == MPC_OK && kind == SG_R2D) {
            st = mpc_outbox_mark_pair_bound(out); /* RVOLE answer: masked with Δ-derived pads */
        }
    }
    if (buf != NULL) {
        mpc_wipe(buf, len);
        free(buf);
    }
    return st;
}

static mpc_status
sg_start(tss_base *base, mpc_outbox *out)
{
    tss_dkls_signing *s = (tss_dkls_signing *)base;
    if (s->deferred != MPC_OK) {
        return tss_base_fail(&s->b, s->deferred, s->deferred_culprit);
    }
    uint8_t bcast[TSS_DKLS_SIGN_R1_BCAST_BYTES];
    size_t dlen = s->n_peers * TSS_DKLS_SIGN_R1_DIRECT_BYTES;
    uint8_t *direct = malloc(dlen);
    mpc_status st = direct != NULL ? MPC_OK : MPC_ERR_NOMEM;
    if (st == MPC_OK) {
        st = tss_dkls_sign_round1(s->sm, bcast, direct);
    }
    if (st == MPC_OK) {
        st = sg_send(s, out, 1, SG_R1B, bcast, 0);
    }
    if (st == MPC_OK) {
        st = sg_send(s, out, 1, SG_R1D, direct, 1);
    }
    if (direct != NULL) {
        mpc_wipe(direct, dlen);
        free(direct);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.round = 1;
    s->missing = 2 * (uint32_t)s->n_peers;
    return MPC_OK;
}

/*
 * Round 2 (the KOS checks, spec §4.3) under the per-pair gate: every pair is
 * entered in ascending committee-id order, the checks run, and each verdict
 * is recorded (a failure quarantines exactly the culprit's pair) before any
 * pair is left. A pair found quarantined on entry ends the attempt before
 * any check is evaluated.
 */
static mpc_status
sg_round2_gated(tss_dkls_signing *s, uint8_t *direct, uint32_t *culprit_id)
{
    size_t entered = 0;
    mpc_status st = MPC_OK;
    while (s->gate != NULL && entered < s->n_peers) {
        if (s->gate->enter(s->gate->user, s->peer_party[entered]) != MPC_OK) {
            st = MPC_ERR_QUARANTINED;
            *culprit_id = s->party_id[s->peer_party[entered]];
            break;
        }
        entered++;
    }
    if (st == MPC_OK) {
        st = tss_dkls_sign_round2(s->sm, s->msg[SG_R1B], s->msg[SG_R1D], direct, culprit_id);
    }
    for (size_t i = 0; i < entered; i++) {
        uint32_t party = s->peer_party[i];
        int failed = st == MPC_ERR_OT_CHECK && s->party_id[party] == *culprit_id;
        s->gate->leave(s->gate->user, party, failed);
    }
    return st;
}

/*
 * Presign round 3 (spec §6.7.1): every check of signing round 3, then the
 * record (encoded into the state's secure memory) is the result; nothing is
 * sent. The in-memory record is wiped here; the encoded copy on destroy.
 */
static mpc_status
sg_presign_done(tss_dkls_signing *s)
{
    uint32_t culprit_id = 0;
    struct tss_dkls_presig *ps = mpc_secure_alloc(sizeof *ps);
    if (ps == NULL) {
        return tss_base_fail(&s->b, MPC_ERR_NOMEM, TSS_NO_CULPRIT);
    }
    mpc_status st = tss_dkls_presign_round3(s->sm, s->msg[SG_R2D], ps, &culprit_id);
    if (st == MPC_OK) {
        st = tss_dkls_presig_encode(s->result, sizeof s->result, &s->result_len, ps);
        culprit_id = 0;
    }
    tss_dkls_presig_wipe(ps);
    mpc_secure_free(ps);
    if (st == MPC_ERR_EQUIVOCATION) {
        return tss_base_dispute(&s->b, st, sg_party_of(s, culprit_id),
                                s->b.n == 2 ? s->b.self : TSS_NO_CULPRIT);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, sg_party_of(s, culprit_id));
    }
    s->b.done = 1;
    s->b.round = 0;
    return MPC_OK;
}

/* Runs the inner round that the completed round r feeds; emits round r + 1. */
static mpc_status
sg_advance(tss_dkls_signing *s, mpc_outbox *out)
{
    uint32_t culprit_id = 0;
    mpc_status st;
    if (s->b.round == 1) {
        size_t len = s->n_peers * TSS_DKLS_SIGN_R2_DIRECT_BYTES;
        uint8_t *direct = malloc(len);
        st = direct != NULL ? MPC_OK : MPC_ERR_NOMEM;
        if (st == MPC_OK) {
            st = sg_round2_gated(s, direct, &culprit_id);
        }
        if (st == MPC_OK) {
            st = sg_send(s, out, 2, SG_R2D, direct, 1);
        }
        if (direct != NULL) {
            mpc_wipe(direct, len);
            free(direct);
        }
        s->missing = (uint32_t)s->n_peers;
    } else if (s->b.round == 2 && s->presign) {
        return sg_presign_done(s);
    } else if (s->b.round == 2) {
        uint8_t bcast[TSS_DKLS_SIGN_R3_BCAST_BYTES];
        st = tss_dkls_sign_round3(s->sm, s->msg[SG_R2D], bcast, &culprit_id);
        if (st == MPC_OK) {
            st = sg_send(s, out, 3, SG_R3B, bcast, 0);
        }
        mpc_wipe(bcast, sizeof bcast);
        s->missing = (uint32_t)s->n_peers;
    } else {
        uint8_t sig[64];
        int recid = 0;
        st = tss_dkls_sign_finish(s->sm, s->msg[SG_R3B], sig, &recid, &culprit_id);
        if (st == MPC_OK) {
            memcpy(s->result, sig, 64);
            s->result_len = TSS_DKLS_SIGN_RESULT_BYTES;
            s->result[64] = (uint8_t)recid;
            memcpy(s->result + 65, sig, 64);
            s->result[65 + 64] = (uint8_t)recid; /* compact r || s || v with v = recid */
            s->b.done = 1;
            s->b.round = 0;
            return MPC_OK;
        }
    }
    if (st == MPC_ERR_EQUIVOCATION) {
        /* echo1 / echo2 hash every broadcast of the round: a mismatch shows the
         * messenger's view differs from ours, not who lied (DESIGN §7). */
        return tss_base_dispute(&s->b, st, sg_party_of(s, culprit_id),
                                s->b.n == 2 ? s->b.self : TSS_NO_CULPRIT);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, sg_party_of(s, culprit_id));
    }
    s->b.round++;
    return MPC_OK;
}

static mpc_status
sg_handle(tss_base *base, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
          size_t len, mpc_outbox *out)
{
    tss_dkls_signing *s = (tss_dkls_signing *)base;
    mpc_status chk = tss_base_check_msg(&s->b, from, round, data);
    if (chk != MPC_OK) {
        return chk;
    }
    enum sg_slot kind;
    if (round == 1) {
        kind = is_broadcast ? SG_R1B : SG_R1D;
    } else if (round == 2) {
        kind = SG_R2D;
    } else {
        kind = SG_R3B;
    }
    int want_bcast = kind == SG_R1B || kind == SG_R3B;
    uint32_t i = s->party_peer[from];
    /* One message per peer and kind: a second one (replay included) is refused. */
    if ((is_broadcast != 0) != want_bcast || s->msg[kind][i].p != NULL) {
        return tss_base_fail(&s->b, MPC_ERR_MSG_KIND, from);
    }
    if (len != 2 + sg_len[kind] || data[0] != TSS_MSG_VERSION || data[1] != sg_type[kind]) {
        return tss_base_fail(&s->b, MPC_ERR_MSG_MALFORMED, from);
    }
    uint8_t *copy = malloc(sg_len[kind]);
    if (copy == NULL) {
        return tss_base_fail(&s->b, MPC_ERR_NOMEM, TSS_NO_CULPRIT);
    }
    memcpy(copy, data + 2, sg_len[kind]);
    s->msg[kind][i].p = copy;
    s->msg[kind][i].len = sg_len[kind];
    s->missing--;
    return s->missing == 0 ? sg_advance(s, out) : MPC_OK;
}

static mpc_status
sg_result(tss_base *base, uint8_t **out, size_t *out_len)
{
    const tss_dkls_signing *s = (const tss_dkls_signing *)base;
    return tss_base_result_copy(&s->b, s->result, s->result_len, out, out_len);
}

#ifdef MPC_FAULT_INJECTION
void
tss_dkls_signing_set_cheat(tss_base *base, int cheat)
{
    tss_dkls_signing *s = (tss_dkls_signing *)base;
    if (s != NULL &&
        (s->b.proto == &tss_proto_dkls_sign || s->b.proto == &tss_proto_dkls_presign) &&
        s->sm != NULL) {
        tss_dkls_sign_set_cheat(s->sm, (enum tss_dkls_sign_cheat)cheat);
    }
}

void
tss_dkls_signing_set_probe(tss_base *base, size_t col, int guess)
{
    tss_dkls_signing *s = (tss_dkls_signing *)base;
    if (s != NULL && s->b.proto == &tss_proto_dkls_sign && s->sm != NULL) {
        tss_dkls_sign_set_probe(s->sm, col, guess);
    }
}

struct tss_dkls_sign *
tss_dkls_signing_inner(tss_base *base)
{
    tss_dkls_signing *s = (tss_dkls_signing *)base;
    return s != NULL &&
                   (s->b.proto == &tss_proto_dkls_sign || s->b.proto == &tss_proto_dkls_presign)
               ? s->sm
               : NULL;
}
#endif

/* Fixed sizes (tss/dkls_sign.h), whatever the number of signers. */
static size_t
dkls_sign_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    (void)n;
    switch (round) {
    case 1:
        return TSS_MSG_HEADER_BYTES +
               (is_broadcast ? TSS_DKLS_SIGN_R1_BCAST_BYTES : TSS_DKLS_SIGN_R1_DIRECT_BYTES);
    case 2:
        return is_broadcast ? 0 : TSS_MSG_HEADER_BYTES + TSS_DKLS_SIGN_R2_DIRECT_BYTES;
    case 3:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + TSS_DKLS_SIGN_R3_BCAST_BYTES : 0;
    }
    return 0;
}

const tss_protocol tss_proto_dkls_sign = {.name = "dkls-sign",
                                          .create = tss_dkls_signing_create,
                                          .start = sg_start,
                                          .handle = sg_handle,
                                          .result = sg_result,
                                          .destroy = sg_destroy,
                                          .max_msg_len = dkls_sign_max_msg_len};

/* Rounds 1-2 of signing; round 3 sends nothing. */
static size_t
dkls_presign_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return round <= 2 ? dkls_sign_max_msg_len(n, round, is_broadcast) : 0;
}

const tss_protocol tss_proto_dkls_presign = {.name = "dkls-presign",
                                             .create = tss_dkls_presigning_create,
                                             .start = sg_start,
                                             .handle = sg_handle,
                                             .result = sg_result,
                                             .destroy = sg_destroy,
                                             .max_msg_len = dkls_presign_max_msg_len};

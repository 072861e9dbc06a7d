/*
 * dkls_online.c — the online step with a presignature as a session protocol
 * (see dkls_online.h).
 *
 * DESIGN: the state holds the decoded record (secure memory) from create to
 * start; start consumes it (tss_dkls_online_create wipes it and clears its
 * tag on every path once the tag was valid) and keeps only the online object,
 * which holds no secret. One slot per peer for the received broadcast: a
 * second message from a peer fails the session.
 */
#include "tss/dkls_online.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/dkls_presig.h"
#include "tss/dkls_signing.h"
#include "tss/group.h"

#define OL_MAX (TSS_DKLS_PRESIG_MAX_SIGNERS)

typedef struct {
    tss_base b;                  /* first member (the table casts) */
    struct tss_dkls_presig *ps;  /* the record until start consumes it (secure memory) */
    tss_dkls_online *online;     /* online object after start */
    uint32_t key_version;        /* active key version (input) */
    uint8_t y_pub[33];           /* PT(Y) (input) */
    uint8_t msg32[32];           /* digest (input) */
    int has_tweak;               /* 1: tweak present */
    uint8_t tweak[32];           /* SC(t) (public) */
    uint32_t party_id[OL_MAX];   /* party -> committee id */
    uint32_t ids[OL_MAX];        /* committee ids ascending */
    uint32_t peer_party[OL_MAX]; /* peer index (ascending id, self skipped) -> party */
    uint32_t party_peer[OL_MAX]; /* party -> peer index (UINT32_MAX for self) */
    uint8_t got[OL_MAX][TSS_DKLS_ONLINE_BCAST_BYTES]; /* received broadcasts, by peer */
    uint8_t have[OL_MAX];                             /* 1 once a peer's broadcast arrived */
    uint32_t missing;                                 /* broadcasts still expected */
    uint8_t result[TSS_DKLS_SIGN_RESULT_BYTES];       /* r | s | recid | r || s || v */
} tss_dkls_online_state;

mpc_status
tss_dkls_online_input_encode(uint8_t **out, size_t *out_len, const struct tss_dkls_online_input *in)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || in == NULL || in->y_pub == NULL || in->msg32 == NULL ||
        in->signers == NULL || in->committee_ids == NULL || in->n < 2 || in->n > OL_MAX ||
        in->rec == NULL || in->rec_len == 0 || in->rec_len > TSS_DKLS_PRESIG_MAX_BYTES) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t len = 1 + 4 + 33 + 32 + 1 + 32 + 2 + 4 + in->rec_len;
    for (uint32_t i = 0; i < in->n; i++) {
        if (in->signers[i] == NULL || in->signers[i][0] == '\0' ||
            strlen(in->signers[i]) > TSS_NODE_ID_MAX) {
            return MPC_ERR_INVALID_ARG;
        }
        len += 2 + strlen(in->signers[i]) + 4;
    }
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    static const uint8_t zero[32];
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_wr_u8(&w, TSS_DKLS_ONLINE_INPUT_VERSION);
    tss_wr_u32(&w, in->key_version);
    tss_wr_bytes(&w, in->y_pub, 33);
    tss_wr_bytes(&w, in->msg32, 32);
    tss_wr_u8(&w, in->tweak != NULL);
    tss_wr_bytes(&w, in->tweak != NULL ? in->tweak : zero, 32);
    tss_wr_u16(&w, (uint16_t)in->n);
    for (uint32_t i = 0; i < in->n; i++) {
        tss_wr_u16(&w, (uint16_t)strlen(in->signers[i]));
        tss_wr_bytes(&w, (const uint8_t *)in->signers[i], strlen(in->signers[i]));
        tss_wr_u32(&w, in->committee_ids[i]);
    }
    tss_wr_u32(&w, (uint32_t)in->rec_len);
    tss_wr_bytes(&w, in->rec, in->rec_len);
    *out = buf;
    *out_len = len;
    return MPC_OK;
}

/* Reads the signer list: every party exactly once, with its committee id. */
static mpc_status
ol_parse_signers(tss_dkls_online_state *s, const tss_params *p, tss_rd *r)
{
    uint16_t n = tss_rd_u16(r);
    if (!r->ok) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (n != p->n_parties) {
        return MPC_ERR_UNKNOWN_PARTICIPANT;
    }
    uint8_t seen[OL_MAX] = {0};
    for (uint32_t i = 0; i < n; i++) {
        uint16_t len = tss_rd_u16(r);
        const uint8_t *name = tss_rd_bytes(r, len);
        uint32_t id = tss_rd_u32(r);
        if (!r->ok || id == 0) {
            return MPC_ERR_MSG_MALFORMED;
        }
        uint32_t k = 0;
        while (k < p->n_parties &&
               (strlen(p->party_ids[k]) != len || memcmp(p->party_ids[k], name, len) != 0)) {
            k++;
        }
        if (k == p->n_parties || seen[k]) {
            return MPC_ERR_UNKNOWN_PARTICIPANT;
        }
        seen[k] = 1;
        s->party_id[k] = id;
    }
    return MPC_OK;
}

/* Parses the input and decodes the record into s->ps. */
static mpc_status
ol_parse(tss_dkls_online_state *s, const tss_params *p)
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    uint8_t ver = tss_rd_u8(&r);
    s->key_version = tss_rd_u32(&r);
    const uint8_t *y = tss_rd_bytes(&r, 33);
    const uint8_t *m = tss_rd_bytes(&r, 32);
    uint8_t has_tweak = tss_rd_u8(&r);
    const uint8_t *tw = tss_rd_bytes(&r, 32);
    if (!r.ok || ver != TSS_DKLS_ONLINE_INPUT_VERSION || has_tweak > 1) {
        return MPC_ERR_MSG_MALFORMED;
    }
    memcpy(s->y_pub, y, 33);
    memcpy(s->msg32, m, 32);
    memcpy(s->tweak, tw, 32);
    s->has_tweak = has_tweak;
    mpc_status st = ol_parse_signers(s, p, &r);
    if (st != MPC_OK) {
        return st;
    }
    uint32_t rec_len = tss_rd_u32(&r);
    const uint8_t *rec = tss_rd_bytes(&r, rec_len);
    if (rec == NULL || !tss_rd_done(&r)) {
        return MPC_ERR_MSG_MALFORMED;
    }
    s->ps = mpc_secure_alloc(sizeof *s->ps);
    if (s->ps == NULL) {
        return MPC_ERR_NOMEM;
    }
    return tss_dkls_presig_decode(s->ps, rec, rec_len);
}

/* Sorts the committee ids, maps peers, checks self is the record's holder. */
static mpc_status
ol_map(tss_dkls_online_state *s)
{
    uint32_t n = s->b.n;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t pos = k;
        while (pos > 0 && s->ids[pos - 1] > s->party_id[k]) {
            s->ids[pos] = s->ids[pos - 1];
            pos--;
        }
        s->ids[pos] = s->party_id[k];
    }
    for (uint32_t k = 1; k < n; k++) {
        if (s->ids[k] == s->ids[k - 1]) {
            return MPC_ERR_UNKNOWN_PARTICIPANT;
        }
    }
    if (s->party_id[s->b.self] != s->ps->self_id) {
        return MPC_ERR_PRESIG_MISMATCH;
    }
    uint32_t np = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < n; k++) {
            if (s->party_id[k] == s->ids[i] && k != s->b.self) {
                s->party_peer[k] = np;
                s->peer_party[np++] = k;
            }
        }
    }
    s->party_peer[s->b.self] = UINT32_MAX;
    return MPC_OK;
}

static mpc_status
ol_create(tss_base **out, const tss_params *p)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || p == NULL || p->sid == NULL || p->party_ids == NULL || p->input == NULL ||
        p->n_parties < 2 || p->n_parties > OL_MAX || p->self >= p->n_parties) {
        return MPC_ERR_INVALID_ARG;
    }
    for (uint32_t k = 0; k < p->n_parties; k++) {
        if (p->party_ids[k] == NULL) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    tss_dkls_online_state *s = mpc_secure_alloc(sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    memset(s, 0, sizeof *s);
    tss_base_open(&s->b, &tss_proto_dkls_online, p->self, p->n_parties);
    mpc_status st = ol_parse(s, p);
    if (st == MPC_OK) {
        st = ol_map(s);
    }
    return tss_base_created(&s->b, st, out);
}

static void
ol_destroy(tss_base *base)
{
    tss_dkls_online_state *s = (tss_dkls_online_state *)base;
    if (s->ps != NULL) {
        tss_dkls_presig_wipe(s->ps);
        mpc_secure_free(s->ps);
    }
    tss_dkls_online_destroy(s->online);
    mpc_wipe(s, sizeof *s);
    mpc_secure_free(s);
}

static mpc_status
ol_start(tss_base *base, mpc_outbox *out)
{
    tss_dkls_online_state *s = (tss_dkls_online_state *)base;
    struct tss_dkls_online_params op;
    memset(&op, 0, sizeof op);
    op.ctx = tss_group_secp256k1_ctx();
    op.key_version = s->key_version;
    op.ids = s->ids;
    op.n_ids = s->b.n;
    memcpy(op.y_pub, s->y_pub, 33);
    memcpy(op.msg32, s->msg32, 32);
    op.tweak = s->has_tweak ? s->tweak : NULL;
    uint8_t msg[2 + TSS_DKLS_ONLINE_BCAST_BYTES];
    mpc_status st = tss_dkls_online_create(&op, s->ps, &s->online, msg + 2);
    tss_dkls_presig_wipe(s->ps); /* consumed (or unusable) either way */
    mpc_secure_free(s->ps);
    s->ps = NULL;
    if (st == MPC_OK) {
        msg[0] = TSS_MSG_VERSION;
        msg[1] = TSS_DKLS_ONLINE_MSG_TYPE;
        st = mpc_outbox_add(out, 1, MPC_OUTBOX_ALL, msg, sizeof msg);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.round = 1;
    s->missing = s->b.n - 1;
    return MPC_OK;
}

/* Every broadcast is in: the output (spec §6.5 with R', r', Y'). */
static mpc_status
ol_finish(tss_dkls_online_state *s)
{
    struct tss_dkls_sign_msg in[OL_MAX];
    for (uint32_t i = 0; i + 1 < s->b.n; i++) {
        in[i].p = s->got[i];
        in[i].len = TSS_DKLS_ONLINE_BCAST_BYTES;
    }
    uint8_t sig[64];
    int recid = 0;
    uint32_t culprit_id = 0;
    mpc_status st = tss_dkls_online_finish(s->online, in, sig, &recid, &culprit_id);
    if (st != MPC_OK) {
        uint32_t party = TSS_NO_CULPRIT;
        for (uint32_t k = 0; culprit_id != 0 && k < s->b.n; k++) {
            if (s->party_id[k] == culprit_id) {
                party = k;
            }
        }
        return tss_base_fail(&s->b, st, party);
    }
    memcpy(s->result, sig, 64);
    s->result[64] = (uint8_t)recid;
    memcpy(s->result + 65, sig, 64);
    s->result[129] = (uint8_t)recid;
    s->b.done = 1;
    s->b.round = 0;
    return MPC_OK;
}

static mpc_status
ol_handle(tss_base *base, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
          size_t len, mpc_outbox *out)
{
    (void)out;
    tss_dkls_online_state *s = (tss_dkls_online_state *)base;
    mpc_status chk = tss_base_check_msg(&s->b, from, round, data);
    if (chk != MPC_OK) {
        return chk;
    }
    uint32_t i = s->party_peer[from];
    /* One broadcast per peer: a second one (a replay included) is refused. */
    if (!is_broadcast || s->have[i]) {
        return tss_base_fail(&s->b, MPC_ERR_MSG_KIND, from);
    }
    if (len != 2 + TSS_DKLS_ONLINE_BCAST_BYTES || data[0] != TSS_MSG_VERSION ||
        data[1] != TSS_DKLS_ONLINE_MSG_TYPE) {
        return tss_base_fail(&s->b, MPC_ERR_MSG_MALFORMED, from);
    }
    memcpy(s->got[i], data + 2, TSS_DKLS_ONLINE_BCAST_BYTES);
    s->have[i] = 1;
    s->missing--;
    return s->missing == 0 ? ol_finish(s) : MPC_OK;
}

static mpc_status
ol_result(tss_base *base, uint8_t **out, size_t *out_len)
{
    const tss_dkls_online_state *s = (const tss_dkls_online_state *)base;
    return tss_base_result_copy(&s->b, s->result, sizeof s->result, out, out_len);
}

static size_t
ol_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    (void)n;
    return round == 1 && is_broadcast ? TSS_MSG_HEADER_BYTES + TSS_DKLS_ONLINE_BCAST_BYTES : 0;
}

const tss_protocol tss_proto_dkls_online = {.name = "dkls-online",
                                            .create = ol_create,
                                            .start = ol_start,
                                            .handle = ol_handle,
                                            .result = ol_result,
                                            .destroy = ol_destroy,
                                            .max_msg_len = ol_max_msg_len};

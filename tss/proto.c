/*
 * proto.c — the protocol interface (dispatch through each state's table),
 * shared round bookkeeping, message header and echo check.
 */
#include "tss/proto.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/vss.h"

mpc_status
tss_proto_start(tss_base *s, mpc_outbox *out)
{
    if (s == NULL || out == NULL || s->round != 0 || s->done || s->failed != MPC_OK) {
        return MPC_ERR_INVALID_ARG;
    }
    return s->proto->start(s, out);
}

mpc_status
tss_proto_handle(tss_base *s, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
                 size_t len, mpc_outbox *out)
{
    if (s == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    return s->proto->handle(s, from, round, is_broadcast, data, len, out);
}

mpc_status
tss_proto_result(tss_base *s, uint8_t **out, size_t *out_len)
{
    mpc_status st = tss_base_result_check(s, out, out_len);
    if (st != MPC_OK) {
        return st;
    }
    return s->proto->result(s, out, out_len);
}

size_t
tss_proto_max_msg_len(const tss_protocol *proto, uint32_t n, uint32_t round, int is_broadcast)
{
    if (proto == NULL || proto->max_msg_len == NULL || round == 0 || n < 2) {
        return 0;
    }
    return proto->max_msg_len(n, round, is_broadcast != 0);
}

uint32_t
tss_proto_current_round(const tss_base *s)
{
    return s != NULL ? s->round : 0;
}

int
tss_proto_is_done(const tss_base *s)
{
    return s != NULL && s->done;
}

uint32_t
tss_proto_culprit(const tss_base *s)
{
    return s != NULL ? s->culprit : TSS_NO_CULPRIT;
}

int
tss_proto_dispute(const tss_base *s, uint32_t out[2])
{
    out[0] = out[1] = TSS_NO_CULPRIT;
    if (s == NULL || s->failed == MPC_OK || s->culprit != TSS_NO_CULPRIT ||
        s->dispute[0] == TSS_NO_CULPRIT) {
        return 0;
    }
    out[0] = s->dispute[0];
    out[1] = s->dispute[1];
    return 1;
}

void
tss_proto_destroy(tss_base *s)
{
    if (s != NULL) {
        s->proto->destroy(s);
    }
}

void *
tss_base_alloc(size_t size, const tss_protocol *proto, const tss_params *p)
{
    tss_base *b = calloc(1, size);
    if (b != NULL) {
        tss_base_open(b, proto, p->self, p->n_parties);
    }
    return b;
}

mpc_status
tss_base_created(tss_base *b, mpc_status st, tss_base **out)
{
    if (st != MPC_OK) {
        b->proto->destroy(b);
        return st;
    }
    *out = b;
    return MPC_OK;
}

void
tss_base_open(tss_base *b, const tss_protocol *proto, uint32_t self, uint32_t n)
{
    memset(b, 0, sizeof *b);
    b->proto = proto;
    b->self = self;
    b->n = n;
    b->culprit = TSS_NO_CULPRIT;
    b->dispute[0] = b->dispute[1] = TSS_NO_CULPRIT;
}

mpc_status
tss_base_init(tss_base *b, const tss_protocol *proto, const tss_params *p)
{
    tss_base_open(b, proto, 0, 0);
    if (p == NULL || p->sid == NULL || p->party_ids == NULL || p->n_parties < 2 ||
        p->n_parties > TSS_MAX_THRESHOLD || p->self >= p->n_parties) {
        return MPC_ERR_INVALID_ARG;
    }
    for (uint32_t i = 0; i < p->n_parties; i++) {
        if (p->party_ids[i] == NULL || p->party_ids[i][0] == '\0') {
            return MPC_ERR_BAD_IDENTIFIER;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(p->party_ids[i], p->party_ids[j]) == 0) {
                return MPC_ERR_BAD_IDENTIFIER;
            }
        }
    }
    memcpy(b->sid, p->sid, TSS_SID_LEN);
    b->self = p->self;
    b->n = p->n_parties;
    b->node_ids = calloc(b->n, sizeof *b->node_ids);
    b->pending = calloc(b->n, 1);
    if (b->node_ids == NULL || b->pending == NULL) {
        tss_base_free(b);
        return MPC_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        if ((b->node_ids[i] = strdup(p->party_ids[i])) == NULL) {
            tss_base_free(b);
            return MPC_ERR_NOMEM;
        }
    }
    return MPC_OK;
}

void
tss_base_free(tss_base *b)
{
    for (uint32_t i = 0; b->node_ids != NULL && i < b->n; i++) {
        free(b->node_ids[i]);
    }
    free(b->node_ids);
    free(b->pending);
    b->node_ids = NULL;
    b->pending = NULL;
}

void
tss_base_expect(tss_base *b, uint32_t r, const uint8_t *senders)
{
    b->round = r;
    b->missing = 0;
    for (uint32_t k = 0; k < b->n; k++) {
        b->pending[k] = (k != b->self && (senders == NULL || senders[k])) ? 1 : 0;
        b->missing += b->pending[k];
    }
}

mpc_status
tss_base_result_check(const tss_base *b, uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (b == NULL || out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    return b->done ? MPC_OK : MPC_ERR_SESSION_STATE;
}

mpc_status
tss_base_result_copy(const tss_base *b, const uint8_t *src, size_t len, uint8_t **out,
                     size_t *out_len)
{
    mpc_status st = tss_base_result_check(b, out, out_len);
    if (st != MPC_OK) {
        return st;
    }
    uint8_t *copy = mpc_secure_alloc(len);
    if (copy == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(copy, src, len);
    *out = copy;
    *out_len = len;
    return MPC_OK;
}

mpc_status
tss_base_check_msg(tss_base *b, uint32_t from, uint32_t round, const uint8_t *data)
{
    if (b->failed != MPC_OK) {
        return b->failed;
    }
    if (b->done || round != b->round) {
        return MPC_ERR_SESSION_STATE; /* the caller routed it wrongly: no blame */
    }
    if (from >= b->n || from == b->self || data == NULL) {
        return tss_base_fail(b, MPC_ERR_MSG_MALFORMED, from < b->n ? from : TSS_NO_CULPRIT);
    }
    return MPC_OK;
}

mpc_status
tss_base_fail(tss_base *b, mpc_status st, uint32_t culprit)
{
    if (b->failed == MPC_OK) {
        b->failed = st;
        b->culprit = culprit;
        b->round = 0;
    }
    return b->failed;
}

mpc_status
tss_base_dispute(tss_base *b, mpc_status st, uint32_t a, uint32_t c)
{
    if (b->failed == MPC_OK) {
        b->dispute[0] = a < b->n ? a : TSS_NO_CULPRIT;
        b->dispute[1] = c < b->n && c != a ? c : TSS_NO_CULPRIT;
    }
    return tss_base_fail(b, st, TSS_NO_CULPRIT);
}

mpc_status
tss_base_fail_inner(tss_base *b, mpc_status st, const tss_base *inner)
{
    uint32_t d[2];
    if (tss_proto_dispute(inner, d)) {
        return tss_base_dispute(b, st, d[0], d[1]);
    }
    return tss_base_fail(b, st, tss_proto_culprit(inner));
}

mpc_status
tss_base_accept(tss_base *b, uint32_t from, uint32_t round, int is_broadcast, int want_broadcast,
                uint8_t type, const uint8_t *data, size_t len, tss_rd *body)
{
    if (b->failed != MPC_OK) {
        return b->failed;
    }
    if (b->done || round != b->round) {
        return MPC_ERR_SESSION_STATE; /* the caller routed it wrongly: no blame */
    }
    if (from >= b->n || data == NULL || len < 2) {
        return tss_base_fail(b, MPC_ERR_MSG_MALFORMED, from < b->n ? from : TSS_NO_CULPRIT);
    }
    if (!b->pending[from] || (is_broadcast != 0) != (want_broadcast != 0)) {
        return tss_base_fail(b, MPC_ERR_MSG_KIND, from);
    }
    if (data[0] != TSS_MSG_VERSION || data[1] != type) {
        return tss_base_fail(b, MPC_ERR_MSG_MALFORMED, from);
    }
    b->pending[from] = 0;
    b->missing--;
    tss_rd_init(body, data + 2, len - 2);
    return MPC_OK;
}

mpc_status
tss_base_accept3(tss_base *b, const uint8_t types[4], uint32_t from, uint32_t round,
                 int is_broadcast, const uint8_t *data, size_t len, tss_rd *body)
{
    uint32_t cur = b->round;
    return tss_base_accept(b, from, round, is_broadcast, cur != 2, cur <= 3 ? types[cur] : 0, data,
                           len, body);
}

mpc_status
tss_share_receive(tss_base *b, const tss_group *g, tss_rd *r, uint32_t from,
                  const uint8_t *r1_digest, uint64_t id, const tss_point *commits, uint32_t t,
                  tss_scalar *sum)
{
    const uint8_t *enc = tss_rd_bytes(r, TSS_SCALAR_BYTES);
    const uint8_t *echo = tss_rd_bytes(r, (size_t)b->n * TSS_DIGEST_BYTES);
    uint32_t slot = TSS_NO_CULPRIT;
    tss_scalar f;
    mpc_status st = (enc && echo && tss_rd_done(r)) ? MPC_OK : MPC_ERR_MSG_MALFORMED;
    if (st == MPC_OK && tss_echo_check(r1_digest, echo, b->n, &slot) != MPC_OK) {
        return tss_echo_fail(b, from, slot);
    }
    if (st == MPC_OK) {
        st = g->scalar_decode(&f, enc);
    }
    if (st == MPC_OK) {
        st = tss_vss_verify_share(g, &f, id, commits, t);
    }
    if (st == MPC_OK) {
        g->scalar_add(sum, sum, &f);
    }
    mpc_wipe(&f, sizeof f);
    return st == MPC_OK ? MPC_OK : tss_base_fail(b, st, from);
}

mpc_status
tss_base_confirm(tss_base *b, uint32_t from, tss_rd *r, const uint8_t transcript[TSS_DIGEST_BYTES])
{
    const uint8_t *h = tss_rd_bytes(r, TSS_DIGEST_BYTES);
    if (h == NULL || !tss_rd_done(r)) {
        return tss_base_fail(b, MPC_ERR_MSG_MALFORMED, from);
    }
    if (memcmp(h, transcript, TSS_DIGEST_BYTES) != 0) {
        return tss_base_fail(b, MPC_ERR_TRANSCRIPT, from);
    }
    if (b->missing == 0) {
        b->done = 1;
        b->round = 0;
    }
    return MPC_OK;
}

void
tss_msg_header(tss_wr *w, uint8_t type)
{
    tss_wr_u8(w, TSS_MSG_VERSION);
    tss_wr_u8(w, type);
}

void
tss_msg_digest(uint8_t out[TSS_DIGEST_BYTES], uint32_t from, const uint8_t *msg, size_t len)
{
    crypto_generichash_state st;
    uint8_t f[4] = {(uint8_t)(from >> 24), (uint8_t)(from >> 16), (uint8_t)(from >> 8),
                    (uint8_t)from};
    crypto_generichash_init(&st, NULL, 0, TSS_DIGEST_BYTES);
    crypto_generichash_update(&st, f, sizeof f);
    crypto_generichash_update(&st, msg, len);
    crypto_generichash_final(&st, out, TSS_DIGEST_BYTES);
}

mpc_status
tss_echo_check(const uint8_t *mine, const uint8_t *theirs, uint32_t n, uint32_t *slot)
{
    *slot = TSS_NO_CULPRIT;
    for (uint32_t k = 0; k < n; k++) {
        if (memcmp(mine + (size_t)k * TSS_DIGEST_BYTES, theirs + (size_t)k * TSS_DIGEST_BYTES,
                   TSS_DIGEST_BYTES) != 0) {
            *slot = k;
            return MPC_ERR_EQUIVOCATION;
        }
    }
    return MPC_OK;
}

mpc_status
tss_echo_fail(tss_base *b, uint32_t from, uint32_t slot)
{
    if (slot == from) {
        /* Its broadcast and its echo of it, both signed by from, disagree. */
        return tss_base_fail(b, MPC_ERR_EQUIVOCATION, from);
    }
    /* from's word against slot's: not a proof against either. */
    return tss_base_dispute(b, MPC_ERR_EQUIVOCATION, from, slot);
}

mpc_status
tss_msg_send(mpc_outbox *out, uint32_t r, uint32_t to, const tss_wr *w)
{
    if (!w->ok) {
        return MPC_ERR_INTERNAL;
    }
    /* What leaves the party is known to its recipient (ctime test: public from here). */
    TSS_DECLASSIFY(w->buf, w->len);
    return mpc_outbox_add(out, r, to, w->buf, w->len);
}

/* Decodes a commitment vector: u16 count (must be t) then t points. */
mpc_status
tss_commitments_read(const tss_group *g, tss_rd *r, tss_point *out, uint32_t t)
{
    uint16_t count = tss_rd_u16(r);
    if (!r->ok) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (count != t) {
        return MPC_ERR_BAD_COMMITMENT;
    }
    for (uint32_t k = 0; k < t; k++) {
        const uint8_t *p = tss_rd_bytes(r, g->point_len);
        if (p == NULL) {
            return MPC_ERR_MSG_MALFORMED;
        }
        mpc_status st = g->point_decode(&out[k], p);
        if (st != MPC_OK) {
            return st;
        }
    }
    return MPC_OK;
}

void
tss_commitments_write(const tss_group *g, tss_wr *w, const tss_point *c, uint32_t t)
{
    uint8_t e[TSS_POINT_MAX_BYTES];
    tss_wr_u16(w, (uint16_t)t);
    for (uint32_t k = 0; k < t; k++) {
        g->point_encode(e, &c[k]);
        tss_wr_bytes(w, e, g->point_len);
    }
}

static void
transcript_u32(crypto_generichash_state *st, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    crypto_generichash_update(st, b, sizeof b);
}

mpc_status
tss_transcript_hash(uint8_t out[TSS_DIGEST_BYTES], const char *label, const uint8_t *sid,
                    const tss_point *commits, size_t n_commits, const tss_keyshare *ks)
{
    const tss_group *g = ks->g;
    uint8_t e[TSS_POINT_MAX_BYTES];
    crypto_generichash_state st;
    if (crypto_generichash_init(&st, NULL, 0, TSS_DIGEST_BYTES) != 0) {
        return MPC_ERR_CRYPTO;
    }
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label) + 1);
    crypto_generichash_update(&st, sid, TSS_SID_LEN);
    transcript_u32(&st, ks->threshold);
    transcript_u32(&st, ks->n);
    transcript_u32(&st, (uint32_t)n_commits);
    for (size_t i = 0; i < n_commits; i++) {
        g->point_encode(e, &commits[i]);
        crypto_generichash_update(&st, e, g->point_len);
    }
    g->point_encode(e, &ks->group_key);
    crypto_generichash_update(&st, e, g->point_len);
    for (uint32_t j = 0; j < ks->n; j++) {
        transcript_u32(&st, ks->members[j].id);
        crypto_generichash_update(&st, (const uint8_t *)ks->members[j].node_id,
                                  strlen(ks->members[j].node_id) + 1);
        g->point_encode(e, &ks->members[j].vshare);
        crypto_generichash_update(&st, e, g->point_len);
    }
    crypto_generichash_final(&st, out, TSS_DIGEST_BYTES);
    return MPC_OK;
}

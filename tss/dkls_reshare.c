/*
 * dkls_reshare.c — DKLs23 reshare: the shared Feldman reshare on secp256k1
 * composed with fresh OT setups among the new committee (see dkls_reshare.h).
 *
 * DESIGN: as dkls_keygen.c, the inner reshare writes into a stash that is
 * released when the wrapper's round completes (shares leave only after every
 * round-1 message passed; the round-3 confirmation carries the OT list). A
 * party outside the new committee runs no OT setups and skips round 2 (the
 * inner reshare goes straight to round 3 for it).
 */
#include "tss/dkls_reshare.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_pairs.h"
#include "tss/dkls_suite.h"
#include "tss/reshare.h"
#include "tss/secp256k1.h"

#define RS_CONF_BYTES (2 + TSS_DIGEST_BYTES) /* inner round-3 message */

typedef struct tss_dkls_reshare tss_dkls_reshare;

struct tss_dkls_reshare {
    tss_base b;           /* first member (the table casts): rounds, parties, failure */
    tss_dkls_keyrec *old; /* old key record (secure) */
    uint32_t new_t;       /* new threshold */
    uint32_t n_new;       /* new committee size */
    uint32_t dealer_id[TSS_DKLS_PAIRS_MAX_PARTIES]; /* party -> old id (0 = not a dealer) */
    uint32_t new_id[TSS_DKLS_PAIRS_MAX_PARTIES];    /* party -> new id (0 = not receiving) */
    struct tss_dkls_suite_user su;                  /* hook data (ctx = reshare_ctx) */
    tss_suite suite;                                /* DKLs23 suite over su */
    struct tss_dkls_wrap w;                         /* inner protocol, OT setups, stash, record */
};

mpc_status
tss_dkls_reshare_input_encode(uint8_t **out, size_t *out_len, uint32_t new_threshold,
                              const char *const *new_nodes, uint32_t n_new, const uint8_t *rec,
                              size_t rec_len)
{
    /* Same layout as the shared reshare input, carrying a DKLs record. */
    return tss_reshare_input_encode(out, out_len, new_threshold, new_nodes, n_new, rec, rec_len);
}

/*
 * Parses the input; builds the inner input (same layout with the old
 * key-share record in place of the DKLs record) into *inner_in.
 */
static mpc_status
rs_parse_input(tss_dkls_reshare *s, const tss_params *p, uint8_t **inner_in, size_t *inner_len,
               char (*names)[TSS_NODE_ID_MAX + 1], const char **new_nodes)
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    uint8_t ver = tss_rd_u8(&r);
    s->new_t = tss_rd_u32(&r);
    s->n_new = tss_rd_u32(&r);
    if (!r.ok || ver != TSS_DKLS_RESHARE_INPUT_VERSION || s->n_new < 2 ||
        s->n_new > TSS_DKLS_PAIRS_MAX_PARTIES) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (s->new_t < 2 || s->new_t > s->n_new) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    for (uint32_t j = 0; j < s->n_new; j++) {
        uint16_t len = tss_rd_u16(&r);
        const uint8_t *name = tss_rd_bytes(&r, len);
        if (name == NULL || len == 0 || len > TSS_NODE_ID_MAX || memchr(name, 0, len) != NULL) {
            return MPC_ERR_MSG_MALFORMED;
        }
        memcpy(names[j], name, len);
        names[j][len] = '\0';
        new_nodes[j] = names[j];
    }
    uint32_t rec_len = tss_rd_u32(&r);
    const uint8_t *rec = tss_rd_bytes(&r, rec_len);
    if (rec == NULL || !tss_rd_done(&r)) {
        return MPC_ERR_MSG_MALFORMED;
    }
    mpc_status st = tss_dkls_keyrec_decode(&s->old, rec, rec_len);
    uint8_t *ks = NULL;
    size_t ks_len = 0;
    if (st == MPC_OK) {
        st = tss_keyshare_encode(s->old->ks, 0, &ks, &ks_len);
    }
    if (st == MPC_OK) {
        st = tss_reshare_input_encode(inner_in, inner_len, s->new_t, new_nodes, s->n_new, ks,
                                      ks_len);
    }
    mpc_secure_free(ks);
    return st;
}

/* Roles of every party and reshare_ctx (spec §1.4). */
static mpc_status
rs_roles(tss_dkls_reshare *s, const tss_params *p, const char *const *new_nodes)
{
    const tss_keyshare *ks = s->old->ks;
    uint32_t q_ids[TSS_DKLS_PAIRS_MAX_PARTIES], n_q = 0;
    uint32_t new_ids[TSS_DKLS_PAIRS_MAX_PARTIES];
    for (uint32_t k = 0; k < s->b.n; k++) {
        uint32_t m = tss_keyshare_find_node(ks, p->party_ids[k]);
        s->dealer_id[k] = m < ks->n ? ks->members[m].id : 0;
        s->new_id[k] = 0;
        for (uint32_t j = 0; j < s->n_new; j++) {
            if (strcmp(new_nodes[j], p->party_ids[k]) == 0) {
                s->new_id[k] = j + 1;
            }
        }
        if (s->dealer_id[k] != 0) { /* Q ascending by old id */
            uint32_t pos = n_q++;
            while (pos > 0 && q_ids[pos - 1] > s->dealer_id[k]) {
                q_ids[pos] = q_ids[pos - 1];
                pos--;
            }
            q_ids[pos] = s->dealer_id[k];
        }
    }
    for (uint32_t j = 0; j < s->n_new; j++) {
        new_ids[j] = j + 1;
    }
    uint8_t y[33];
    ks->g->point_encode(y, &ks->group_key);
    tss_dkls_reshare_ctx(s->su.ctx, p->sid, s->old->wallet_id, s->old->wallet_len,
                         s->old->key_version, y, q_ids, n_q, new_ids, s->n_new, s->new_t);
    s->su.n = s->b.n;
    s->su.t = s->new_t;
    s->su.dealer_id = s->dealer_id;
    s->suite = tss_dkls_suite(&s->su);
    return MPC_OK;
}

static mpc_status
rs_init(tss_dkls_reshare *s, const tss_params *p)
{
    const char *new_nodes[TSS_DKLS_PAIRS_MAX_PARTIES];
    char names[TSS_DKLS_PAIRS_MAX_PARTIES][TSS_NODE_ID_MAX + 1];
    uint8_t *inner_in = NULL;
    size_t inner_len = 0;
    mpc_status st = rs_parse_input(s, p, &inner_in, &inner_len, names, new_nodes);
    if (st == MPC_OK) {
        st = rs_roles(s, p, new_nodes);
    }
    if (st == MPC_OK) {
        tss_params ip = *p;
        ip.input = inner_in;
        ip.input_len = inner_len;
        st = tss_reshare_create_suite(&s->w.inner, &ip, &s->suite);
    }
    mpc_secure_free(inner_in);
    if (st == MPC_OK && s->new_id[s->b.self] != 0) {
        st = tss_dkls_pairs_create(&s->w.pairs, tss_group_secp256k1_ctx(), s->su.ctx, s->b.n,
                                   s->b.self, s->new_id);
    }
    return st;
}

mpc_status
tss_dkls_reshare_create(tss_base **out, const tss_params *p)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || p == NULL || p->sid == NULL || p->party_ids == NULL ||
        (p->input == NULL && p->input_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (p->n_parties < 2 || p->n_parties > TSS_DKLS_PAIRS_MAX_PARTIES || p->self >= p->n_parties) {
        return MPC_ERR_INVALID_ARG;
    }
    if (tss_group_selftest() != MPC_OK || tss_group_secp256k1_ctx() == NULL) {
        return MPC_ERR_SELFTEST;
    }
    tss_dkls_reshare *s = tss_base_alloc(sizeof *s, &tss_proto_dkls_reshare, p);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_dkls_wrap_init(&s->w);
    return tss_base_created(&s->b, rs_init(s, p), out);
}

static void
rsx_destroy(tss_base *base)
{
    tss_dkls_reshare *s = (tss_dkls_reshare *)base;
    tss_dkls_wrap_clear(&s->w);
    tss_dkls_keyrec_destroy(s->old);
    mpc_wipe(s, sizeof *s);
    free(s);
}

/* Bytes of the OT confirmation list party k appends to its round-3 message. */
static size_t
rs_list_len(const tss_dkls_reshare *s, uint32_t k)
{
    return s->new_id[k] != 0 ? (size_t)(s->n_new - 1) * TSS_DKLS_PAIRS_ENTRY : 0;
}

/* Releases the stash; a round-3 message gets the OT confirmation list appended. */
static mpc_status
rs_release(tss_dkls_reshare *s, mpc_outbox *out)
{
    mpc_status st = MPC_OK;
    for (size_t i = 0; st == MPC_OK && i < s->w.stash.n; i++) {
        const mpc_out_msg *m = &s->w.stash.msgs[i];
        if (m->round != 3) {
            st = mpc_outbox_add(out, m->round, m->to, m->data, m->len);
            continue;
        }
        size_t len = m->len + rs_list_len(s, s->b.self);
        uint8_t *buf = malloc(len);
        if (buf == NULL || m->len != RS_CONF_BYTES) {
            free(buf);
            st = buf == NULL ? MPC_ERR_NOMEM : MPC_ERR_INTERNAL;
            break;
        }
        tss_wr w;
        tss_wr_init(&w, buf, len);
        tss_wr_bytes(&w, m->data, m->len);
        if (s->w.pairs != NULL) {
            tss_dkls_pairs_list_write(s->w.pairs, &w);
        }
        st = tss_msg_send(out, 3, MPC_OUTBOX_ALL, &w);
        free(buf);
    }
    mpc_outbox_clear(&s->w.stash);
    return st;
}

/* Moves the wrapper forward when the inner machine and the setups allow. */
static mpc_status
rs_advance(tss_dkls_reshare *s, mpc_outbox *out)
{
    uint32_t inner = tss_proto_current_round(s->w.inner);
    if (s->b.round == 1 &&
        (inner < 2 || (s->w.pairs != NULL && !tss_dkls_pairs_complete(s->w.pairs)))) {
        return MPC_OK;
    }
    if (s->b.round == 2 && inner < 3) {
        return MPC_OK;
    }
    mpc_status st = rs_release(s, out);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.round = inner;
    return MPC_OK;
}

static mpc_status
rsx_start(tss_base *base, mpc_outbox *out)
{
    tss_dkls_reshare *s = (tss_dkls_reshare *)base;
    mpc_status st = tss_proto_start(s->w.inner, &s->w.stash);
    if (st == MPC_OK && s->w.pairs != NULL) {
        st = tss_dkls_pairs_start(s->w.pairs, out, 1);
    }
    if (st != MPC_OK) {
        return tss_base_fail_inner(&s->b, st, s->w.inner);
    }
    /* Round-1 commitments leave at once; later rounds wait for the wrapper. */
    for (size_t i = 0; i < s->w.stash.n; i++) {
        if (s->w.stash.msgs[i].round != 1) {
            return tss_base_fail(&s->b, MPC_ERR_INTERNAL, TSS_NO_CULPRIT);
        }
    }
    st = tss_dkls_outbox_move(out, &s->w.stash);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.round = 1;
    return rs_advance(s, out);
}

/* Every confirmation matched: build the new record (activation). */
static mpc_status
rs_finish(tss_dkls_reshare *s)
{
    uint8_t *ks = NULL;
    size_t ks_len = 0;
    mpc_status st = tss_proto_result(s->w.inner, &ks, &ks_len);
    if (st == MPC_OK) {
        st = tss_dkls_pairs_build_record(s->w.pairs, ks, ks_len, s->old->key_version + 1,
                                         s->old->wallet_id, s->old->wallet_len, s->su.ctx,
                                         &s->w.rec, &s->w.rec_len);
    }
    mpc_secure_free(ks);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.done = 1;
    s->b.round = 0;
    return MPC_OK;
}

static mpc_status
rs_handle_r3(tss_dkls_reshare *s, uint32_t from, const uint8_t *data, size_t len)
{
    mpc_status st =
        tss_dkls_wrap_confirm(&s->w, &s->b, from, data, len, RS_CONF_BYTES, rs_list_len(s, from));
    if (st != MPC_OK) {
        return st;
    }
    return tss_proto_is_done(s->w.inner) ? rs_finish(s) : MPC_OK;
}

static mpc_status
rsx_handle(tss_base *base, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
           size_t len, mpc_outbox *out)
{
    tss_dkls_reshare *s = (tss_dkls_reshare *)base;
    mpc_status chk = tss_base_check_msg(&s->b, from, round, data);
    if (chk != MPC_OK) {
        return chk;
    }
    mpc_status st;
    if (round == 1 && !is_broadcast) {
        uint32_t culprit = from;
        st = s->w.pairs != NULL ? tss_dkls_pairs_handle(s->w.pairs, from, data, len, &culprit)
                                : MPC_ERR_MSG_KIND;
        if (st != MPC_OK) {
            return tss_base_fail(&s->b, st, culprit);
        }
        return rs_advance(s, out);
    }
    if (round == 3) {
        if (!is_broadcast) {
            return tss_base_fail(&s->b, MPC_ERR_MSG_KIND, from);
        }
        return rs_handle_r3(s, from, data, len);
    }
    st = tss_proto_handle(s->w.inner, from, round, is_broadcast, data, len, &s->w.stash);
    if (st != MPC_OK) {
        return tss_base_fail_inner(&s->b, st, s->w.inner);
    }
    return rs_advance(s, out);
}

static mpc_status
rsx_result(tss_base *base, uint8_t **out, size_t *out_len)
{
    const tss_dkls_reshare *s = (const tss_dkls_reshare *)base;
    return tss_base_result_copy(&s->b, s->w.rec, s->w.rec_len, out, out_len);
}

/*
 * Round 1: broadcast u16 t' | t' points (t' <= n), direct base-OT setup;
 * round 2: direct share | n digests; round 3: conf | one entry per peer.
 */
static size_t
dkls_reshare_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    switch (round) {
    case 1:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + 2 + (size_t)n * TSS_SECP_POINT_BYTES + 1 +
                                  TSS_KEYSHARE_CHAIN_BYTES
                            : TSS_DKLS_PAIRS_MSG_BYTES;
    case 2:
        return is_broadcast
                   ? 0
                   : TSS_MSG_HEADER_BYTES + TSS_SECP_SCALAR_BYTES + (size_t)n * TSS_DIGEST_BYTES;
    case 3:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + TSS_DIGEST_BYTES +
                                  (size_t)(n - 1) * TSS_DKLS_PAIRS_ENTRY
                            : 0;
    }
    return 0;
}

const tss_protocol tss_proto_dkls_reshare = {.name = "dkls-reshare",
                                             .create = tss_dkls_reshare_create,
                                             .start = rsx_start,
                                             .handle = rsx_handle,
                                             .result = rsx_result,
                                             .destroy = rsx_destroy,
                                             .max_msg_len = dkls_reshare_max_msg_len};

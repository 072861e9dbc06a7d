/*
 * dkls_pairs.c — pairwise OT setups of a committee (see dkls_pairs.h).
 */
#include "tss/dkls_pairs.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/proto.h"

struct tss_dkls_pairs {
    const tss_secp_ctx *ctx;               /* backend (borrowed) */
    uint8_t ctx_hash[TSS_DKLS_HASH_BYTES]; /* keygen_ctx or reshare_ctx */
    uint32_t n;                            /* session parties */
    uint32_t self;                         /* own party index */
    uint32_t *ot_id;                       /* party -> committee id (0 = not a member) */
    uint32_t members;                      /* parties with a nonzero id */
    int started;                           /* 1 after start */
    uint8_t *pending;                      /* party -> 1 while its setup message is expected */
    uint32_t missing;                      /* set flags in pending */
    tss_dkls_pair_setup **st;              /* party -> running setup (NULL once finished) */
    struct tss_dkls_pair_result *res;      /* party -> finished setups (secure memory) */
};

mpc_status
tss_dkls_pairs_create(tss_dkls_pairs **out, const tss_secp_ctx *ctx,
                      const uint8_t ctx_hash[TSS_DKLS_HASH_BYTES], uint32_t n, uint32_t self,
                      const uint32_t *ot_id)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || ctx == NULL || ctx_hash == NULL || ot_id == NULL || self >= n ||
        n > TSS_DKLS_PAIRS_MAX_PARTIES) {
        return MPC_ERR_INVALID_ARG;
    }
    if (ot_id[self] == 0) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = i + 1; j < n; j++) {
            if (ot_id[i] != 0 && ot_id[i] == ot_id[j]) {
                return MPC_ERR_BAD_IDENTIFIER;
            }
        }
    }
    tss_dkls_pairs *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return MPC_ERR_NOMEM;
    }
    p->ctx = ctx;
    memcpy(p->ctx_hash, ctx_hash, TSS_DKLS_HASH_BYTES);
    p->n = n;
    p->self = self;
    p->ot_id = calloc(n, sizeof *p->ot_id);
    p->pending = calloc(n, 1);
    p->st = calloc(n, sizeof *p->st);
    p->res = mpc_secure_alloc((size_t)n * sizeof *p->res);
    if (p->ot_id == NULL || p->pending == NULL || p->st == NULL || p->res == NULL) {
        tss_dkls_pairs_destroy(p);
        return MPC_ERR_NOMEM;
    }
    memset(p->res, 0, (size_t)n * sizeof *p->res);
    memcpy(p->ot_id, ot_id, n * sizeof *ot_id);
    for (uint32_t k = 0; k < n; k++) {
        p->members += ot_id[k] != 0;
    }
    *out = p;
    return MPC_OK;
}

void
tss_dkls_pairs_destroy(tss_dkls_pairs *p)
{
    if (p == NULL) {
        return;
    }
    for (uint32_t k = 0; p->st != NULL && k < p->n; k++) {
        tss_dkls_pair_setup_destroy(p->st[k]);
    }
    if (p->res != NULL) {
        mpc_wipe(p->res, (size_t)p->n * sizeof *p->res);
        mpc_secure_free(p->res);
    }
    free(p->st);
    free(p->pending);
    free(p->ot_id);
    free(p);
}

mpc_status
tss_dkls_pairs_start(tss_dkls_pairs *p, mpc_outbox *out, uint32_t round)
{
    if (p == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (p->started) {
        return MPC_ERR_SESSION_STATE;
    }
    p->started = 1;
    uint8_t *msg = malloc(TSS_DKLS_PAIRS_MSG_BYTES);
    mpc_status st = msg != NULL ? MPC_OK : MPC_ERR_NOMEM;
    for (uint32_t k = 0; st == MPC_OK && k < p->n; k++) {
        if (k == p->self || p->ot_id[k] == 0) {
            continue;
        }
        msg[0] = TSS_MSG_VERSION;
        msg[1] = TSS_DKLS_PAIRS_MSG;
        st = tss_dkls_pair_setup_create(p->ctx, p->ctx_hash, p->ot_id[p->self], p->ot_id[k],
                                        &p->st[k], msg + 2);
        if (st == MPC_OK) {
            TSS_DECLASSIFY(msg, TSS_DKLS_PAIRS_MSG_BYTES); /* sent: public (ctime test) */
            st = mpc_outbox_add(out, round, k, msg, TSS_DKLS_PAIRS_MSG_BYTES);
        }
        if (st == MPC_OK) {
            p->pending[k] = 1;
            p->missing++;
        }
    }
    free(msg);
    return st;
}

int
tss_dkls_pairs_expects(const tss_dkls_pairs *p, uint32_t from)
{
    return p != NULL && from < p->n && p->pending[from];
}

mpc_status
tss_dkls_pairs_handle(tss_dkls_pairs *p, uint32_t from, const uint8_t *data, size_t len,
                      uint32_t *culprit)
{
    if (p == NULL || culprit == NULL || from >= p->n || (data == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    *culprit = from;
    if (!p->pending[from]) {
        return MPC_ERR_MSG_KIND;
    }
    if (len != TSS_DKLS_PAIRS_MSG_BYTES || data[0] != TSS_MSG_VERSION ||
        data[1] != TSS_DKLS_PAIRS_MSG) {
        return MPC_ERR_MSG_MALFORMED;
    }
    p->pending[from] = 0;
    p->missing--;
    mpc_status st =
        tss_dkls_pair_setup_finish(p->ctx, p->st[from], data + 2, len - 2, &p->res[from]);
    tss_dkls_pair_setup_destroy(p->st[from]);
    p->st[from] = NULL;
    if (st == MPC_OK) {
        *culprit = TSS_NO_CULPRIT;
        /* The transcript hashes are broadcast in the confirmation round: public. */
        TSS_DECLASSIFY(p->res[from].tr_out, TSS_DKLS_HASH_BYTES);
        TSS_DECLASSIFY(p->res[from].tr_in, TSS_DKLS_HASH_BYTES);
        TSS_DECLASSIFY(p->res[from].setup_id_out, TSS_DKLS_HASH_BYTES);
        TSS_DECLASSIFY(p->res[from].setup_id_in, TSS_DKLS_HASH_BYTES);
    }
    return st;
}

int
tss_dkls_pairs_complete(const tss_dkls_pairs *p)
{
    return p != NULL && p->started && p->missing == 0;
}

size_t
tss_dkls_pairs_list_len(const tss_dkls_pairs *p, uint32_t k)
{
    if (p == NULL || k >= p->n || p->ot_id[k] == 0) {
        return 0;
    }
    return (size_t)(p->members - 1) * TSS_DKLS_PAIRS_ENTRY;
}

/* Party indices of the members other than `skip`, ascending by committee id. */
static uint32_t
pairs_order(const tss_dkls_pairs *p, uint32_t skip, uint32_t *order)
{
    uint32_t m = 0;
    for (uint32_t k = 0; k < p->n; k++) {
        if (k != skip && p->ot_id[k] != 0) {
            uint32_t pos = m++;
            while (pos > 0 && p->ot_id[order[pos - 1]] > p->ot_id[k]) {
                order[pos] = order[pos - 1];
                pos--;
            }
            order[pos] = k;
        }
    }
    return m;
}

void
tss_dkls_pairs_list_write(const tss_dkls_pairs *p, tss_wr *w)
{
    uint32_t order[TSS_DKLS_PAIRS_MAX_PARTIES];
    uint32_t m = pairs_order(p, p->self, order);
    for (uint32_t i = 0; i < m; i++) {
        uint8_t id[TSS_SECP_SCALAR_BYTES];
        tss_dkls_id_encode(id, p->ot_id[order[i]]);
        tss_wr_bytes(w, id, sizeof id);
        tss_wr_bytes(w, p->res[order[i]].tr_out, TSS_DKLS_HASH_BYTES);
        tss_wr_bytes(w, p->res[order[i]].tr_in, TSS_DKLS_HASH_BYTES);
    }
}

mpc_status
tss_dkls_pairs_list_check(const tss_dkls_pairs *p, uint32_t from, const uint8_t *list, size_t len)
{
    if (p == NULL || from >= p->n || from == p->self || (list == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t want = tss_dkls_pairs_list_len(p, from);
    if (len != want) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (want == 0 || p->ot_id[p->self] == 0) {
        return MPC_OK;
    }
    uint32_t order[TSS_DKLS_PAIRS_MAX_PARTIES];
    uint32_t m = pairs_order(p, from, order);
    mpc_status st = MPC_OK;
    for (uint32_t i = 0; i < m; i++) {
        const uint8_t *e = list + (size_t)i * TSS_DKLS_PAIRS_ENTRY;
        uint8_t id[TSS_SECP_SCALAR_BYTES];
        tss_dkls_id_encode(id, p->ot_id[order[i]]);
        if (memcmp(e, id, sizeof id) != 0) {
            return MPC_ERR_MSG_MALFORMED;
        }
        if (order[i] == p->self) {
            /* from lists its own outgoing setup first: (tr(from->self), tr(self->from)). */
            const struct tss_dkls_pair_result *r = &p->res[from];
            if (memcmp(e + 32, r->tr_in, 32) != 0 || memcmp(e + 64, r->tr_out, 32) != 0) {
                st = MPC_ERR_TRANSCRIPT;
            }
        }
    }
    return st;
}

mpc_status
tss_dkls_pairs_export(const tss_dkls_pairs *p, tss_dkls_keyrec *rec)
{
    if (p == NULL || rec == NULL || !tss_dkls_pairs_complete(p)) {
        return MPC_ERR_INVALID_ARG;
    }
    for (uint32_t e = 0; e < rec->n_peers; e++) {
        struct tss_dkls_peer_rec *peer = &rec->peers[e];
        uint32_t k = 0;
        while (k < p->n && (k == p->self || p->ot_id[k] != peer->member + 1)) {
            k++;
        }
        if (k == p->n) {
            return MPC_ERR_INTERNAL;
        }
        peer->status = TSS_DKLS_PEER_ACTIVE;
        peer->pair = p->res[k];
    }
    return MPC_OK;
}

mpc_status
tss_dkls_pairs_build_record(const tss_dkls_pairs *p, const uint8_t *ks_enc, size_t ks_len,
                            uint32_t version, const uint8_t *wallet, size_t wallet_len,
                            const uint8_t ctx[TSS_DKLS_HASH_BYTES], uint8_t **out, size_t *out_len)
{
    tss_keyshare *ks = NULL;
    tss_dkls_keyrec *rec = NULL;
    mpc_status st = tss_keyshare_decode(&ks, ks_enc, ks_len);
    if (st == MPC_OK) {
        uint32_t n_peers = ks->secret != NULL ? ks->n - 1 : 0;
        st = tss_dkls_keyrec_create(&rec, &ks, version, wallet, wallet_len, ctx, n_peers);
    }
    if (st == MPC_OK && rec->n_peers > 0) {
        st = p != NULL ? tss_dkls_pairs_export(p, rec) : MPC_ERR_INTERNAL;
    }
    if (st == MPC_OK) {
        st = tss_dkls_keyrec_encode(rec, out, out_len);
    }
    tss_keyshare_destroy(ks);
    tss_dkls_keyrec_destroy(rec);
    return st;
}

mpc_status
tss_dkls_outbox_move(mpc_outbox *dst, mpc_outbox *src)
{
    size_t i = 0;
    mpc_status st = MPC_OK;
    for (; i < src->n && st == MPC_OK; i++) {
        mpc_out_msg *m = &src->msgs[i];
        st = mpc_outbox_add(dst, m->round, m->to, m->data, m->len);
    }
    if (st == MPC_OK) {
        mpc_outbox_clear(src);
    }
    return st;
}

void
tss_dkls_wrap_init(struct tss_dkls_wrap *w)
{
    memset(w, 0, sizeof *w);
    mpc_outbox_init(&w->stash);
}

void
tss_dkls_wrap_clear(struct tss_dkls_wrap *w)
{
    tss_proto_destroy(w->inner);
    tss_dkls_pairs_destroy(w->pairs);
    mpc_outbox_clear(&w->stash);
    mpc_secure_free(w->rec);
    tss_dkls_wrap_init(w);
}

mpc_status
tss_dkls_wrap_confirm(struct tss_dkls_wrap *w, tss_base *b, uint32_t from, const uint8_t *data,
                      size_t len, size_t conf_len, size_t list_len)
{
    if (len != conf_len + list_len) {
        return tss_base_fail(b, MPC_ERR_MSG_MALFORMED, from);
    }
    mpc_status st = MPC_OK;
    if (w->pairs != NULL && list_len > 0) {
        st = tss_dkls_pairs_list_check(w->pairs, from, data + conf_len, list_len);
    }
    if (st != MPC_OK) {
        return tss_base_fail(b, st, from);
    }
    st = tss_proto_handle(w->inner, from, 3, 1, data, conf_len, &w->stash);
    if (st != MPC_OK) {
        return tss_base_fail_inner(b, st, w->inner);
    }
    return MPC_OK;
}

/*
 * dkls_keygen.c — DKLs23 keygen: the shared DKG on secp256k1 composed with
 * the pairwise OT setups (see dkls_keygen.h).
 *
 * DESIGN: the inner DKG writes into a private stash outbox; the wrapper
 * releases the stash only when its own round is complete, so round 2 (the
 * secret shares) leaves only after every round-1 message of both kinds has
 * been verified, and round 3 goes out with the OT confirmation list appended.
 * The OT setups and the DKG state own their secrets (secure memory) and are
 * wiped by destroy; the encoded record is secure memory too.
 */
#include "tss/dkls_keygen.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/dkg.h"
#include "tss/dkls_keyrec.h"
#include "tss/dkls_pairs.h"
#include "tss/dkls_suite.h"
#include "tss/secp256k1.h"

/* inner round-3 message: header | chain-code contribution | transcript hash */
#define KG_CONF_BYTES (2 + TSS_KEYSHARE_CHAIN_BYTES + TSS_DIGEST_BYTES)

typedef struct tss_dkls_keygen tss_dkls_keygen;

struct tss_dkls_keygen {
    tss_base b; /* first member (the table casts): rounds, parties, failure */
    uint8_t wallet[TSS_DKLS_WALLET_MAX]; /* wallet id */
    size_t wallet_len;                   /* its length */
    struct tss_dkls_suite_user su;       /* hook data (ctx = keygen_ctx) */
    tss_suite suite;                     /* DKLs23 suite over su */
    struct tss_dkls_wrap w;              /* inner protocol, OT setups, stash, record */
};

mpc_status
tss_dkls_keygen_input_encode(uint8_t **out, size_t *out_len, const uint8_t *wallet_id,
                             size_t wallet_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || wallet_id == NULL || wallet_len == 0 ||
        wallet_len > TSS_DKLS_WALLET_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *buf = malloc(3 + wallet_len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    buf[0] = TSS_DKLS_KEYGEN_INPUT_VERSION;
    buf[1] = (uint8_t)(wallet_len >> 8);
    buf[2] = (uint8_t)wallet_len;
    memcpy(buf + 3, wallet_id, wallet_len);
    *out = buf;
    *out_len = 3 + wallet_len;
    return MPC_OK;
}

static mpc_status
kg_parse_input(tss_dkls_keygen *s, const tss_params *p)
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    uint8_t ver = tss_rd_u8(&r);
    uint16_t wlen = tss_rd_u16(&r);
    const uint8_t *w = tss_rd_bytes(&r, wlen);
    if (w == NULL || !tss_rd_done(&r) || ver != TSS_DKLS_KEYGEN_INPUT_VERSION || wlen == 0 ||
        wlen > TSS_DKLS_WALLET_MAX) {
        return MPC_ERR_MSG_MALFORMED;
    }
    memcpy(s->wallet, w, wlen);
    s->wallet_len = wlen;
    return MPC_OK;
}

static mpc_status
kg_init(tss_dkls_keygen *s, const tss_params *p)
{
    mpc_status st = kg_parse_input(s, p);
    if (st != MPC_OK) {
        return st;
    }
    const tss_secp_ctx *ctx = tss_group_secp256k1_ctx();
    if (ctx == NULL) {
        return MPC_ERR_SELFTEST;
    }
    tss_dkls_keygen_ctx(s->su.ctx, p->sid, s->wallet, s->wallet_len, p->threshold, p->n_parties);
    s->su.n = p->n_parties;
    s->su.t = p->threshold;
    s->su.dealer_id = NULL;
    s->suite = tss_dkls_suite(&s->su);
    st = tss_dkg_create_suite(&s->w.inner, p, &s->suite);
    if (st != MPC_OK) {
        return st;
    }
    uint32_t ids[TSS_DKLS_PAIRS_MAX_PARTIES];
    for (uint32_t k = 0; k < p->n_parties; k++) {
        ids[k] = k + 1;
    }
    return tss_dkls_pairs_create(&s->w.pairs, ctx, s->su.ctx, p->n_parties, p->self, ids);
}

mpc_status
tss_dkls_keygen_create(tss_base **out, const tss_params *p)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || p == NULL || p->sid == NULL || (p->input == NULL && p->input_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (tss_group_selftest() != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    if (p->n_parties < 2 || p->n_parties > TSS_DKLS_PAIRS_MAX_PARTIES || p->self >= p->n_parties) {
        return MPC_ERR_INVALID_ARG;
    }
    if (p->threshold < 2 || p->threshold > p->n_parties) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    tss_dkls_keygen *s = tss_base_alloc(sizeof *s, &tss_proto_dkls_keygen, p);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_dkls_wrap_init(&s->w);
    return tss_base_created(&s->b, kg_init(s, p), out);
}

static void
kg_destroy(tss_base *base)
{
    tss_dkls_keygen *s = (tss_dkls_keygen *)base;
    tss_dkls_wrap_clear(&s->w);
    mpc_wipe(s, sizeof *s);
    free(s);
}

static mpc_status
kg_start(tss_base *base, mpc_outbox *out)
{
    tss_dkls_keygen *s = (tss_dkls_keygen *)base;
    mpc_status st = tss_proto_start(s->w.inner, out);
    if (st == MPC_OK) {
        st = tss_dkls_pairs_start(s->w.pairs, out, 1);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.round = 1;
    return MPC_OK;
}

/* Round 1 complete (DKG in round 2, every setup finished): release the shares. */
static mpc_status
kg_after_r1(tss_dkls_keygen *s, mpc_outbox *out)
{
    if (tss_proto_current_round(s->w.inner) != 2 || !tss_dkls_pairs_complete(s->w.pairs)) {
        return MPC_OK;
    }
    mpc_status st = tss_dkls_outbox_move(out, &s->w.stash);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.round = 2;
    return MPC_OK;
}

/* Round 2 complete (DKG emitted conf_i): broadcast conf_i || OT list. */
static mpc_status
kg_after_r2(tss_dkls_keygen *s, mpc_outbox *out)
{
    if (tss_proto_current_round(s->w.inner) != 3) {
        return MPC_OK;
    }
    if (s->w.stash.n != 1 || s->w.stash.msgs[0].len != KG_CONF_BYTES) {
        return tss_base_fail(&s->b, MPC_ERR_INTERNAL, TSS_NO_CULPRIT);
    }
    size_t len = KG_CONF_BYTES + tss_dkls_pairs_list_len(s->w.pairs, s->b.self);
    uint8_t *buf = malloc(len);
    if (buf == NULL) {
        return tss_base_fail(&s->b, MPC_ERR_NOMEM, TSS_NO_CULPRIT);
    }
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_wr_bytes(&w, s->w.stash.msgs[0].data, KG_CONF_BYTES);
    tss_dkls_pairs_list_write(s->w.pairs, &w);
    mpc_outbox_clear(&s->w.stash);
    mpc_status st = tss_msg_send(out, 3, MPC_OUTBOX_ALL, &w);
    free(buf);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->b.round = 3;
    return MPC_OK;
}

/* Every confirmation matched: build the key record (activation). */
static mpc_status
kg_finish(tss_dkls_keygen *s)
{
    uint8_t *ks = NULL;
    size_t ks_len = 0;
    mpc_status st = tss_proto_result(s->w.inner, &ks, &ks_len);
    if (st == MPC_OK) {
        st = tss_dkls_pairs_build_record(s->w.pairs, ks, ks_len, 1, s->wallet, s->wallet_len,
                                         s->su.ctx, &s->w.rec, &s->w.rec_len);
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
kg_handle_r3(tss_dkls_keygen *s, uint32_t from, const uint8_t *data, size_t len)
{
    mpc_status st = tss_dkls_wrap_confirm(&s->w, &s->b, from, data, len, KG_CONF_BYTES,
                                          tss_dkls_pairs_list_len(s->w.pairs, from));
    if (st != MPC_OK) {
        return st;
    }
    return tss_proto_is_done(s->w.inner) ? kg_finish(s) : MPC_OK;
}

static mpc_status
kg_handle(tss_base *base, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
          size_t len, mpc_outbox *out)
{
    tss_dkls_keygen *s = (tss_dkls_keygen *)base;
    mpc_status chk = tss_base_check_msg(&s->b, from, round, data);
    if (chk != MPC_OK) {
        return chk;
    }
    mpc_status st;
    uint32_t culprit = from;
    if (round == 1 && !is_broadcast) {
        st = tss_dkls_pairs_handle(s->w.pairs, from, data, len, &culprit);
        if (st != MPC_OK) {
            return tss_base_fail(&s->b, st, culprit);
        }
        return kg_after_r1(s, out);
    }
    if (round == 3) {
        if (!is_broadcast) {
            return tss_base_fail(&s->b, MPC_ERR_MSG_KIND, from);
        }
        return kg_handle_r3(s, from, data, len);
    }
    st = tss_proto_handle(s->w.inner, from, round, is_broadcast, data, len, &s->w.stash);
    if (st != MPC_OK) {
        return tss_base_fail_inner(&s->b, st, s->w.inner);
    }
    return round == 1 ? kg_after_r1(s, out) : kg_after_r2(s, out);
}

static mpc_status
kg_result(tss_base *base, uint8_t **out, size_t *out_len)
{
    const tss_dkls_keygen *s = (const tss_dkls_keygen *)base;
    return tss_base_result_copy(&s->b, s->w.rec, s->w.rec_len, out, out_len);
}

/*
 * Round 1: broadcast u16 t | t points | R | mu (t <= n), direct base-OT setup;
 * round 2: direct share | n digests; round 3: conf | one entry per peer.
 */
static size_t
dkls_keygen_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    const size_t pt = TSS_SECP_POINT_BYTES, sc = TSS_SECP_SCALAR_BYTES;
    switch (round) {
    case 1:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + 2 + (size_t)n * pt + pt + sc + TSS_DIGEST_BYTES
                            : TSS_DKLS_PAIRS_MSG_BYTES;
    case 2:
        return is_broadcast ? 0 : TSS_MSG_HEADER_BYTES + sc + (size_t)n * TSS_DIGEST_BYTES;
    case 3:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + TSS_KEYSHARE_CHAIN_BYTES + TSS_DIGEST_BYTES +
                                  (size_t)(n - 1) * TSS_DKLS_PAIRS_ENTRY
                            : 0;
    }
    return 0;
}

const tss_protocol tss_proto_dkls_keygen = {.name = "dkls-keygen",
                                            .create = tss_dkls_keygen_create,
                                            .start = kg_start,
                                            .handle = kg_handle,
                                            .result = kg_result,
                                            .destroy = kg_destroy,
                                            .max_msg_len = dkls_keygen_max_msg_len};

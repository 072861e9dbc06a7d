/*
 * dkls_setup.c — both directional base-OT setups of one pair (DKLs23 spec §2, §3).
 */
#include "tss/dkls_setup.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"

struct tss_dkls_pair_setup {
    uint8_t setup_id_out[TSS_DKLS_HASH_BYTES]; /* self->peer: self is base-OT receiver */
    uint8_t setup_id_in[TSS_DKLS_HASH_BYTES];  /* peer->self: self is base-OT sender */
    tss_dkls_baseot_receiver *rcv;             /* state for self->peer */
    tss_dkls_baseot_sender *snd;               /* state for peer->self */
    uint8_t ctx_hash[TSS_DKLS_HASH_BYTES];     /* keygen_ctx or reshare_ctx */
    uint32_t self_id;                          /* own committee id */
    uint32_t peer_id;                          /* the peer's committee id */
    uint8_t zc[TSS_DKLS_ZERO_SEED_BYTES];      /* own zero-seed contribution c_ij (secret) */
    int finished;                              /* 1 once finish ran */
};

void
tss_dkls_pair_setup_destroy(tss_dkls_pair_setup *st)
{
    if (st == NULL) {
        return;
    }
    tss_dkls_baseot_receiver_destroy(st->rcv);
    tss_dkls_baseot_sender_destroy(st->snd);
    mpc_secure_free(st);
}

mpc_status
tss_dkls_pair_setup_create(const tss_secp_ctx *ctx, const uint8_t ctx_hash[TSS_DKLS_HASH_BYTES],
                           uint32_t self_id, uint32_t peer_id, tss_dkls_pair_setup **out,
                           uint8_t msg[TSS_DKLS_SETUP_MSG_BYTES])
{
    if (out == NULL || msg == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    memset(msg, 0, TSS_DKLS_SETUP_MSG_BYTES);
    if (ctx == NULL || ctx_hash == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (self_id == 0 || peer_id == 0 || self_id == peer_id) {
        return MPC_ERR_BAD_IDENTIFIER;
    }
    tss_dkls_pair_setup *st = mpc_secure_alloc(sizeof(*st));
    if (st == NULL) {
        return MPC_ERR_NOMEM;
    }
    uint8_t me[TSS_SECP_SCALAR_BYTES], peer[TSS_SECP_SCALAR_BYTES];
    tss_dkls_id_encode(me, self_id);
    tss_dkls_id_encode(peer, peer_id);
    tss_dkls_setup_id(st->setup_id_out, ctx_hash, me, peer);
    tss_dkls_setup_id(st->setup_id_in, ctx_hash, peer, me);
    memcpy(st->ctx_hash, ctx_hash, TSS_DKLS_HASH_BYTES);
    st->self_id = self_id;
    st->peer_id = peer_id;
    mpc_status s = mpc_random_bytes(st->zc, sizeof st->zc);
    if (s == MPC_OK) {
        s = tss_dkls_baseot_sender_create(ctx, &st->snd, msg);
    }
    if (s == MPC_OK) {
        s = tss_dkls_baseot_receiver_create(ctx, &st->rcv, st->setup_id_out,
                                            msg + TSS_DKLS_BASEOT_S_BYTES);
    }
    if (s == MPC_OK) {
        memcpy(msg + TSS_DKLS_BASEOT_S_BYTES + TSS_DKLS_BASEOT_PAIRS_BYTES, st->zc, sizeof st->zc);
    }
    if (s != MPC_OK) {
        memset(msg, 0, TSS_DKLS_SETUP_MSG_BYTES);
        tss_dkls_pair_setup_destroy(st);
        return s;
    }
    *out = st;
    return MPC_OK;
}

mpc_status
tss_dkls_pair_setup_finish(const tss_secp_ctx *ctx, tss_dkls_pair_setup *st, const uint8_t *msg,
                           size_t msg_len, struct tss_dkls_pair_result *res)
{
    if (res == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(res, 0, sizeof(*res));
    if (ctx == NULL || st == NULL || (msg == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (st->finished) {
        return MPC_ERR_SESSION_STATE;
    }
    if (msg_len != TSS_DKLS_SETUP_MSG_BYTES) {
        return MPC_ERR_MSG_MALFORMED;
    }
    st->finished = 1;
    /* The peer's S is for our outgoing setup (we receive), its pairs for the incoming one. */
    mpc_status s = tss_dkls_baseot_receiver_finish(ctx, st->rcv, st->setup_id_out, msg,
                                                   TSS_DKLS_BASEOT_S_BYTES, res->alice.delta,
                                                   res->alice.keys, res->tr_out);
    if (s == MPC_OK) {
        s = tss_dkls_baseot_sender_finish(
            ctx, st->snd, st->setup_id_in, msg + TSS_DKLS_BASEOT_S_BYTES,
            TSS_DKLS_BASEOT_PAIRS_BYTES, res->bob.keys0, res->bob.keys1, res->tr_in);
    }
    if (s != MPC_OK) {
        mpc_wipe(res, sizeof(*res));
        return s;
    }
    memcpy(res->setup_id_out, st->setup_id_out, TSS_DKLS_HASH_BYTES);
    memcpy(res->setup_id_in, st->setup_id_in, TSS_DKLS_HASH_BYTES);
    tss_dkls_zero_seed(res->zero_seed, st->ctx_hash, st->self_id, st->zc, st->peer_id,
                       msg + TSS_DKLS_BASEOT_S_BYTES + TSS_DKLS_BASEOT_PAIRS_BYTES);
    mpc_wipe(st->zc, sizeof st->zc);
    TSS_CLASSIFY(res->zero_seed, sizeof res->zero_seed); /* F_Zero seed: secret */
    return MPC_OK;
}

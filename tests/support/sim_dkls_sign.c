/*
 * sim_dkls_sign.c — dealer and message router for DKLs23 signing tests.
 */
#include "tests/support/sim_dkls_sign.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tests/support/test_rng.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_presig.h"

int
sim_key_deal(struct sim_key *k, const tss_secp_ctx *ctx, uint32_t t, uint32_t n)
{
    memset(k, 0, sizeof(*k));
    if (n > SIM_MAX_N || t < 1 || t > n) {
        return -1;
    }
    k->ctx = ctx;
    k->n = n;
    k->t = t;
    uint8_t coef[SIM_MAX_N][32];
    for (uint32_t c = 0; c < t; c++) {
        if (tss_secp_scalar_random(coef[c], 1) != MPC_OK) {
            return -1;
        }
    }
    secp256k1_pubkey pk;
    if (tss_secp_point_base(ctx, &pk, NULL, coef[0]) != MPC_OK ||
        tss_secp_point_encode(ctx, k->y_pub, &pk) != MPC_OK) {
        return -1;
    }
    for (uint32_t j = 1; j <= n; j++) {
        struct tss_secp_num acc = {{0}}, xj, c;
        tss_secp_num_set_u64(&xj, j);
        for (int d = (int)t - 1; d >= 0; d--) { /* Horner */
            tss_secp_scalar_mul(&acc, &acc, &xj);
            tss_secp_num_from_bytes(&c, coef[d]);
            tss_secp_scalar_add(&acc, &acc, &c);
        }
        tss_secp_scalar_encode(k->x[j], &acc);
        if (tss_secp_point_base(ctx, &pk, NULL, k->x[j]) != MPC_OK ||
            tss_secp_point_encode(ctx, k->x_pub[j], &pk) != MPC_OK) {
            return -1;
        }
    }
    test_rng_bytes(k->ctx_hash, 32);
    for (uint32_t a = 1; a <= n; a++) {
        for (uint32_t b = 1; b <= n; b++) {
            if (a == b) {
                continue;
            }
            k->alice[a][b] = mpc_secure_alloc(sizeof(*k->alice[a][b]));
            k->bob[a][b] = mpc_secure_alloc(sizeof(*k->bob[a][b]));
            if (k->alice[a][b] == NULL || k->bob[a][b] == NULL) {
                return -1;
            }
            test_rng_bytes(k->bob[a][b], sizeof(*k->bob[a][b]));
            if (a < b) {
                test_rng_bytes(k->zseed[a][b], 32);
                memcpy(k->zseed[b][a], k->zseed[a][b], 32);
            }
            test_rng_bytes(k->alice[a][b]->delta, 16);
            for (size_t i = 0; i < TSS_DKLS_KAPPA; i++) {
                int d = (k->alice[a][b]->delta[i >> 3] >> (i & 7)) & 1;
                memcpy(k->alice[a][b]->keys[i], d ? k->bob[a][b]->keys1[i] : k->bob[a][b]->keys0[i],
                       32);
            }
        }
    }
    return 0;
}

void
sim_key_free(struct sim_key *k)
{
    for (uint32_t a = 0; a <= SIM_MAX_N; a++) {
        for (uint32_t b = 0; b <= SIM_MAX_N; b++) {
            mpc_secure_free(k->alice[a][b]);
            mpc_secure_free(k->bob[a][b]);
            k->alice[a][b] = NULL;
            k->bob[a][b] = NULL;
        }
    }
    mpc_wipe(k->zseed, sizeof(k->zseed));
}

int
sim_index(const struct sim_result *r, uint32_t id)
{
    for (size_t i = 0; i < r->n_signers; i++) {
        if (r->ids[i] == id) {
            return (int)i;
        }
    }
    return -1;
}

/* Per-run buffers. */
struct sim_bufs {
    tss_dkls_sign *st[SIM_MAX_N];           /* party states */
    uint8_t b1[SIM_MAX_N][64];              /* round-1 broadcasts */
    uint8_t *d1[SIM_MAX_N];                 /* round-1 direct messages, per peer */
    uint8_t *d2[SIM_MAX_N];                 /* round-2 direct messages, per peer */
    uint8_t b3[SIM_MAX_N][96];              /* round-3 broadcasts */
    uint8_t *in_b[SIM_MAX_N];               /* delivered broadcast copies */
    uint8_t *in_d[SIM_MAX_N];               /* delivered direct copies */
    struct tss_dkls_sign_msg mb[SIM_MAX_N]; /* broadcast views */
    struct tss_dkls_sign_msg md[SIM_MAX_N]; /* direct views */
};

static int
sim_create(const struct sim_key *k, const uint32_t *ids, size_t n_s, const uint8_t msg32[32],
           int presign, struct sim_bufs *b, struct sim_result *r)
{
    for (size_t i = 0; i < n_s; i++) {
        struct tss_dkls_sign_peer peers[SIM_MAX_N];
        size_t np = 0;
        uint32_t me = ids[i];
        for (size_t j = 0; j < n_s; j++) {
            uint32_t o = ids[j];
            if (o == me) {
                continue;
            }
            struct tss_dkls_sign_peer *pe = &peers[np++];
            memset(pe, 0, sizeof(*pe));
            pe->id = o;
            memcpy(pe->x_pub, k->x_pub[o], 33);
            pe->alice = k->alice[me][o];
            pe->bob = k->bob[o][me];
            pe->zero_seed = k->zseed[me][o];
            uint8_t a[32], bb[32];
            tss_dkls_id_encode(a, me);
            tss_dkls_id_encode(bb, o);
            tss_dkls_setup_id(pe->setup_id_out, k->ctx_hash, a, bb);
            tss_dkls_setup_id(pe->setup_id_in, k->ctx_hash, bb, a);
        }
        struct tss_dkls_sign_params p;
        memset(&p, 0, sizeof(p));
        p.ctx = k->ctx;
        memset(p.sid, 0x5a, 16);
        p.wallet_id = (const uint8_t *)"wallet-1";
        p.wallet_id_len = 8;
        p.key_version = 1;
        p.threshold = k->t;
        memcpy(p.y_pub, k->y_pub, 33);
        p.self_id = me;
        p.x_share = k->x[me];
        memcpy(p.x_pub_self, k->x_pub[me], 33);
        p.peers = peers;
        p.n_peers = np;
        memcpy(p.msg32, msg32, 32);
        r->status[i] = presign ? tss_dkls_presign_create(&p, &b->st[i], &r->culprit[i])
                               : tss_dkls_sign_create(&p, &b->st[i], &r->culprit[i]);
        if (r->status[i] != MPC_OK) {
            return 1;
        }
    }
    return 0;
}

/* Position of 'to' among the peers of 'from' (peers = S without from, ascending). */
static size_t
peer_pos(const uint32_t *ids, size_t n_s, uint32_t from, uint32_t to)
{
    size_t pos = 0;
    for (size_t j = 0; j < n_s && ids[j] != to; j++) {
        pos += ids[j] != from;
    }
    return pos;
}

/* Builds the views of what party i receives: broadcasts bsrc (blen) and directs dsrc (dlen). */
static void
sim_deliver(const uint32_t *ids, size_t n_s, size_t i, struct sim_bufs *b, uint8_t (*bsrc)[96],
            size_t blen, uint8_t **dsrc, size_t dlen, enum sim_msg_kind bk, enum sim_msg_kind dk,
            sim_tamper_fn tamper, void *arg)
{
    size_t k = 0;
    for (size_t j = 0; j < n_s; j++) {
        if (j == i) {
            continue;
        }
        struct tss_dkls_sign_msg *mb = &b->mb[k], *md = &b->md[k];
        mb->p = NULL;
        md->p = NULL;
        if (bsrc != NULL) {
            memcpy(b->in_b[i] + k * 96, bsrc[j], blen);
            TSS_DECLASSIFY(b->in_b[i] + k * 96, blen); /* on the wire: public (ctime tests) */
            mb->p = b->in_b[i] + k * 96;
            mb->len = blen;
            if (tamper) {
                tamper(arg, bk, ids[j], ids[i], b->in_b[i] + k * 96, &mb->len);
            }
        }
        if (dsrc != NULL) {
            size_t pos = peer_pos(ids, n_s, ids[j], ids[i]);
            memcpy(b->in_d[i] + k * dlen, dsrc[j] + pos * dlen, dlen);
            TSS_DECLASSIFY(b->in_d[i] + k * dlen, dlen);
            md->p = b->in_d[i] + k * dlen;
            md->len = dlen;
            if (tamper) {
                tamper(arg, dk, ids[j], ids[i], b->in_d[i] + k * dlen, &md->len);
            }
        }
        k++;
    }
}

/* Signing (presigs == NULL) or presigning (record of party i into presigs[i]). */
static int
sim_run_mode(const struct sim_key *k, const uint32_t *ids, size_t n_s, const uint8_t msg32[32],
             sim_tamper_fn tamper, void *arg, uint32_t cheat_id, int cheat,
             struct tss_dkls_presig *presigs, struct sim_result *r)
{
    struct sim_bufs *b = calloc(1, sizeof(*b));
    if (b == NULL || n_s > SIM_MAX_N || n_s < 2) {
        free(b);
        return -1;
    }
    memset(r, 0, sizeof(*r));
    r->n_signers = n_s;
    memcpy(r->ids, ids, n_s * sizeof(ids[0]));
    size_t np = n_s - 1;
    int rc = 0;
    for (size_t i = 0; i < n_s; i++) {
        r->recid[i] = -1;
        b->d1[i] = calloc(np, TSS_DKLS_SIGN_R1_DIRECT_BYTES);
        b->d2[i] = calloc(np, TSS_DKLS_SIGN_R2_DIRECT_BYTES);
        b->in_b[i] = calloc(np, 96);
        b->in_d[i] = calloc(np, TSS_DKLS_SIGN_R2_DIRECT_BYTES);
        if (!b->d1[i] || !b->d2[i] || !b->in_b[i] || !b->in_d[i]) {
            rc = -1;
            goto free_bufs;
        }
    }
    if (sim_create(k, ids, n_s, msg32, presigs != NULL, b, r) != 0) {
        goto free_bufs;
    }
#ifdef MPC_FAULT_INJECTION
    for (size_t i = 0; i < n_s; i++) {
        if (ids[i] == cheat_id) {
            tss_dkls_sign_set_cheat(b->st[i], (enum tss_dkls_sign_cheat)cheat);
        }
    }
#else
    (void)cheat_id;
    (void)cheat;
#endif
    int failed = 0;
    for (size_t i = 0; i < n_s; i++) {
        r->stage[i] = 1;
        r->status[i] = tss_dkls_sign_round1(b->st[i], b->b1[i], b->d1[i]);
        failed |= r->status[i] != MPC_OK;
    }
    static uint8_t b1wide[SIM_MAX_N][96];
    for (size_t i = 0; i < n_s; i++) {
        memcpy(b1wide[i], b->b1[i], 64);
    }
    for (size_t i = 0; i < n_s && !failed; i++) {
        sim_deliver(ids, n_s, i, b, b1wide, 64, b->d1, TSS_DKLS_SIGN_R1_DIRECT_BYTES, SIM_R1_BCAST,
                    SIM_R1_DIRECT, tamper, arg);
        r->stage[i] = 2;
        r->status[i] = tss_dkls_sign_round2(b->st[i], b->mb, b->md, b->d2[i], &r->culprit[i]);
    }
    for (size_t i = 0; i < n_s; i++) {
        failed |= r->status[i] != MPC_OK;
    }
    for (size_t i = 0; i < n_s && !failed; i++) {
        sim_deliver(ids, n_s, i, b, NULL, 0, b->d2, TSS_DKLS_SIGN_R2_DIRECT_BYTES, 0, SIM_R2_DIRECT,
                    tamper, arg);
        r->stage[i] = 3;
        r->status[i] = presigs != NULL
                           ? tss_dkls_presign_round3(b->st[i], b->md, &presigs[i], &r->culprit[i])
                           : tss_dkls_sign_round3(b->st[i], b->md, b->b3[i], &r->culprit[i]);
    }
    failed |= presigs != NULL; /* a presign session ends after round 3 */
    for (size_t i = 0; i < n_s; i++) {
        failed |= r->status[i] != MPC_OK;
    }
    for (size_t i = 0; i < n_s && !failed; i++) {
        sim_deliver(ids, n_s, i, b, b->b3, 96, NULL, 0, SIM_R3_BCAST, 0, tamper, arg);
        r->stage[i] = 4;
        r->status[i] =
            tss_dkls_sign_finish(b->st[i], b->mb, r->sig[i], &r->recid[i], &r->culprit[i]);
    }

free_bufs:
    for (size_t i = 0; i < n_s; i++) {
        tss_dkls_sign_destroy(b->st[i]);
        free(b->d1[i]);
        free(b->d2[i]);
        free(b->in_b[i]);
        free(b->in_d[i]);
    }
    free(b);
    return rc;
}

int
sim_sign_run(const struct sim_key *k, const uint32_t *ids, size_t n_s, const uint8_t msg32[32],
             sim_tamper_fn tamper, void *arg, uint32_t cheat_id, int cheat, struct sim_result *r)
{
    return sim_run_mode(k, ids, n_s, msg32, tamper, arg, cheat_id, cheat, NULL, r);
}

int
sim_presign_run(const struct sim_key *k, const uint32_t *ids, size_t n_s, sim_tamper_fn tamper,
                void *arg, uint32_t cheat_id, int cheat, struct tss_dkls_presig *presigs,
                struct sim_result *r)
{
    static const uint8_t no_msg[32];
    return sim_run_mode(k, ids, n_s, no_msg, tamper, arg, cheat_id, cheat, presigs, r);
}

int
sim_online_run(const struct sim_key *k, struct tss_dkls_presig *presigs, size_t n_s,
               const uint8_t msg32[32], const uint8_t *tweak, sim_tamper_fn tamper, void *arg,
               struct sim_result *r)
{
    uint8_t bc[SIM_MAX_N][96];
    struct tss_dkls_sign_msg mb[SIM_MAX_N][SIM_MAX_N];
    static uint8_t in[SIM_MAX_N][SIM_MAX_N][96];
    tss_dkls_online *on[SIM_MAX_N] = {0};
    if (n_s < 2 || n_s > SIM_MAX_N) {
        return -1;
    }
    memset(r, 0, sizeof(*r));
    r->n_signers = n_s;
    for (size_t i = 0; i < n_s; i++) {
        r->ids[i] = presigs[i].self_id;
        r->recid[i] = -1;
    }
    int failed = 0;
    for (size_t i = 0; i < n_s; i++) {
        struct tss_dkls_online_params p;
        memset(&p, 0, sizeof(p));
        p.ctx = k->ctx;
        p.key_version = 1;
        p.ids = r->ids;
        p.n_ids = n_s;
        memcpy(p.y_pub, k->y_pub, 33);
        memcpy(p.msg32, msg32, 32);
        p.tweak = tweak;
        r->stage[i] = 3;
        r->status[i] = tss_dkls_online_create(&p, &presigs[i], &on[i], bc[i]);
        failed |= r->status[i] != MPC_OK;
    }
    for (size_t i = 0; i < n_s && !failed; i++) {
        size_t q = 0;
        for (size_t j = 0; j < n_s; j++) {
            if (j == i) {
                continue;
            }
            memcpy(in[i][q], bc[j], 96);
            TSS_DECLASSIFY(in[i][q], 96);
            mb[i][q].p = in[i][q];
            mb[i][q].len = 96;
            if (tamper) {
                tamper(arg, SIM_R3_BCAST, r->ids[j], r->ids[i], in[i][q], &mb[i][q].len);
            }
            q++;
        }
        r->stage[i] = 4;
        r->status[i] =
            tss_dkls_online_finish(on[i], mb[i], r->sig[i], &r->recid[i], &r->culprit[i]);
    }
    for (size_t i = 0; i < n_s; i++) {
        tss_dkls_online_destroy(on[i]);
    }
    return 0;
}

/*
 * dkls_presig.c — DKLs23 presignatures (spec §6.7): presign entry point, the
 * record's encoding, and the online step (one broadcast round, optional
 * additive tweak, re-randomised nonce R' = R + δ·G).
 *
 * DESIGN: see tss/dkls_presig.h. The online object holds no secret after
 * create: φ_i, u_i, v_i are consumed there and only u'_i, w_i (broadcast, so
 * public) are kept for the output.
 */
#include "tss/dkls_presig.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/dkls_sign_int.h"

#define SCB TSS_SECP_SCALAR_BYTES
#define PTB TSS_SECP_POINT_BYTES

/* Format byte of an encoded record. */
#define PRESIG_FORMAT 1

/* Where the online step is. */
enum online_stage {
    ONLINE_SENT = 0, /* broadcast made, finish next */
    ONLINE_DONE,     /* signature output */
    ONLINE_DEAD,     /* failed: never resumed */
};

struct tss_dkls_online {
    const tss_secp_ctx *ctx;                    /* backend (borrowed) */
    enum online_stage stage;                    /* progress */
    size_t n_peers;                             /* |S| - 1 */
    uint32_t peer_ids[TSS_DKLS_SIGN_MAX_PEERS]; /* other signers, ascending */
    uint8_t msg32[32];                          /* digest */
    secp256k1_pubkey y;                         /* Y' = Y + t·G */
    uint8_t big_r[PTB];                         /* PT(R'), R' = R + δ·G */
    struct tss_secp_num rx;                     /* r' = x(R') mod q */
    struct tss_secp_num u;                      /* own u'_i (broadcast) */
    struct tss_secp_num w;                      /* own w_i (broadcast) */
    uint8_t echo[32];                           /* echo_on */
};

mpc_status
tss_dkls_presign_create(const struct tss_dkls_sign_params *p, tss_dkls_sign **out,
                        uint32_t *culprit)
{
    return tss_dkls_sign_create_mode(p, 1, out, culprit);
}

void
tss_dkls_presig_wipe(struct tss_dkls_presig *ps)
{
    if (ps != NULL) {
        mpc_wipe(ps, sizeof(*ps));
    }
}

static void
put_u32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 24);
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *i)
{
    return ((uint32_t)i[0] << 24) | ((uint32_t)i[1] << 16) | ((uint32_t)i[2] << 8) | i[3];
}

mpc_status
tss_dkls_presig_encode(uint8_t *out, size_t cap, size_t *out_len, const struct tss_dkls_presig *ps)
{
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || ps == NULL ||
        ps->n_signers > TSS_DKLS_PRESIG_MAX_SIGNERS) {
        return MPC_ERR_INVALID_ARG;
    }
    if (ps->magic != TSS_DKLS_PRESIG_MAGIC) {
        return MPC_ERR_PRESIG_USED;
    }
    size_t need = TSS_DKLS_PRESIG_BYTES(ps->n_signers);
    if (cap < need) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t *o = out;
    *o++ = PRESIG_FORMAT;
    put_u32(o, ps->self_id);
    put_u32(o + 4, ps->key_version);
    o[8] = (uint8_t)ps->n_signers;
    o += 9;
    for (uint32_t k = 0; k < ps->n_signers; k++, o += 4) {
        put_u32(o, ps->ids[k]);
    }
    memcpy(o, ps->y_pub, PTB);
    memcpy(o + PTB, ps->big_r, PTB);
    memcpy(o + 2 * PTB, ps->presig_id, 32);
    memcpy(o + 2 * PTB + 32, ps->u, SCB);
    memcpy(o + 2 * PTB + 32 + SCB, ps->v, SCB);
    memcpy(o + 2 * PTB + 32 + 2 * SCB, ps->phi, SCB);
    *out_len = need;
    return MPC_OK;
}

/* Signer ids: nonzero, strictly ascending, self among them. */
static int
presig_ids_ok(const struct tss_dkls_presig *ps)
{
    int self_in = 0;
    for (uint32_t k = 0; k < ps->n_signers; k++) {
        if (ps->ids[k] == 0 || (k > 0 && ps->ids[k] <= ps->ids[k - 1])) {
            return 0;
        }
        self_in |= ps->ids[k] == ps->self_id;
    }
    return self_in;
}

mpc_status
tss_dkls_presig_decode(struct tss_dkls_presig *ps, const uint8_t *in, size_t len)
{
    if (ps == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_presig_wipe(ps);
    if (in == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len < 10 || in[0] != PRESIG_FORMAT || in[9] < 2 || in[9] > TSS_DKLS_PRESIG_MAX_SIGNERS ||
        len != TSS_DKLS_PRESIG_BYTES(in[9])) {
        return MPC_ERR_PRESIG_MALFORMED;
    }
    ps->self_id = get_u32(in + 1);
    ps->key_version = get_u32(in + 5);
    ps->n_signers = in[9];
    const uint8_t *i = in + 10;
    for (uint32_t k = 0; k < ps->n_signers; k++, i += 4) {
        ps->ids[k] = get_u32(i);
    }
    memcpy(ps->y_pub, i, PTB);
    memcpy(ps->big_r, i + PTB, PTB);
    memcpy(ps->presig_id, i + 2 * PTB, 32);
    memcpy(ps->u, i + 2 * PTB + 32, SCB);
    memcpy(ps->v, i + 2 * PTB + 32 + SCB, SCB);
    memcpy(ps->phi, i + 2 * PTB + 32 + 2 * SCB, SCB);
    int canon = tss_secp_scalar_is_canonical(ps->u) & tss_secp_scalar_is_canonical(ps->v) &
                tss_secp_scalar_is_canonical(ps->phi);
    TSS_DECLASSIFY(&canon, sizeof(canon)); /* a bad record is refused: public */
    if (!canon || !presig_ids_ok(ps)) {
        tss_dkls_presig_wipe(ps);
        return MPC_ERR_PRESIG_MALFORMED;
    }
    ps->magic = TSS_DKLS_PRESIG_MAGIC;
    return MPC_OK;
}

/* The record was made for this key version, exact signer set and group key. */
static int
presig_matches(const struct tss_dkls_online_params *p, const struct tss_dkls_presig *ps)
{
    if (ps->key_version != p->key_version || ps->n_signers != p->n_ids ||
        memcmp(ps->y_pub, p->y_pub, PTB) != 0) {
        return 0;
    }
    for (size_t k = 0; k < p->n_ids; k++) {
        if (ps->ids[k] != p->ids[k]) {
            return 0;
        }
    }
    return 1;
}

/* P + k·G for public k (P unchanged if k = 0). MPC_ERR_IDENTITY_POINT if the sum is O. */
static mpc_status
online_add_base(const tss_secp_ctx *ctx, secp256k1_pubkey *out, const secp256k1_pubkey *p,
                const struct tss_secp_num *k)
{
    uint8_t kb[SCB];
    secp256k1_pubkey kg;
    *out = *p;
    if (tss_secp_num_is_zero(k)) {
        return MPC_OK;
    }
    tss_secp_scalar_encode(kb, k);
    mpc_status st = tss_secp_point_base(ctx, &kg, NULL, kb);
    const secp256k1_pubkey *ins[2] = {p, &kg};
    if (st == MPC_OK) {
        st = tss_secp_point_sum(ctx, out, ins, 2);
    }
    return st;
}

/*
 * Public part of the online step: Y' = Y + t·G, δ, R' = R + δ·G, r', echo_on
 * (spec §6.7.3). Out: o->y, o->big_r, o->rx, o->echo, *delta.
 */
static mpc_status
online_public(tss_dkls_online *o, const struct tss_dkls_presig *ps, const uint8_t tb[SCB],
              const struct tss_secp_num *t, struct tss_secp_num *delta)
{
    secp256k1_pubkey y, r, r2;
    mpc_status st = tss_secp_point_decode(o->ctx, &y, ps->y_pub, PTB);
    if (st == MPC_OK) {
        st = tss_secp_point_decode(o->ctx, &r, ps->big_r, PTB);
    }
    if (st != MPC_OK) {
        return MPC_ERR_PRESIG_MALFORMED;
    }
    st = online_add_base(o->ctx, &o->y, &y, t);
    if (st != MPC_OK) {
        return st == MPC_ERR_IDENTITY_POINT ? st : MPC_ERR_INTERNAL;
    }
    const struct tss_dkls_part dp[] = {{ps->presig_id, 32}, {o->msg32, 32}, {tb, SCB}};
    tss_dkls_h2s(delta, "presign/rerand", dp, 3);
    st = online_add_base(o->ctx, &r2, &r, delta);
    if (st == MPC_OK) {
        st = tss_secp_point_encode(o->ctx, o->big_r, &r2);
    }
    if (st != MPC_OK) {
        return MPC_ERR_IDENTITY_POINT;
    }
    if (tss_secp_mod_reduce_bytes(&o->rx, o->big_r + 1, 32, &tss_secp_mod_q) != MPC_OK ||
        tss_secp_num_is_zero(&o->rx)) {
        return MPC_ERR_IDENTITY_POINT;
    }
    const struct tss_dkls_part ep[] = {
        {ps->presig_id, 32}, {o->msg32, 32}, {tb, SCB}, {o->big_r, PTB}};
    tss_dkls_h32(o->echo, "presign/online", ep, 4);
    return MPC_OK;
}

/* u'_i = u_i + δ·φ_i, v'_i = v_i + t·φ_i, w_i = m·φ_i + r'·v'_i (spec §6.7.3). */
static void
online_shares(tss_dkls_online *o, const struct tss_dkls_presig *ps, const struct tss_secp_num *t,
              const struct tss_secp_num *delta)
{
    struct tss_secp_num phi, v, x, m;
    tss_secp_num_from_bytes(&phi, ps->phi);
    tss_secp_num_from_bytes(&o->u, ps->u);
    tss_secp_num_from_bytes(&v, ps->v);
    tss_secp_scalar_mul(&x, delta, &phi);
    tss_secp_scalar_add(&o->u, &o->u, &x);
    tss_secp_scalar_mul(&x, t, &phi);
    tss_secp_scalar_add(&v, &v, &x);
    if (tss_secp_mod_reduce_bytes(&m, o->msg32, 32, &tss_secp_mod_q) != MPC_OK) {
        memset(&m, 0, sizeof(m)); /* cannot happen: 32 bytes is a valid length */
    }
    tss_secp_scalar_mul(&o->w, &m, &phi);
    tss_secp_scalar_mul(&x, &o->rx, &v);
    tss_secp_scalar_add(&o->w, &o->w, &x);
    mpc_wipe(&phi, sizeof(phi));
    mpc_wipe(&v, sizeof(v));
    mpc_wipe(&x, sizeof(x));
}

/* Argument and binding checks of online create; consumes ps once its tag was valid. */
static mpc_status
online_check(const struct tss_dkls_online_params *p, struct tss_dkls_presig *ps, uint8_t tb[SCB],
             struct tss_secp_num *t)
{
    if (p->ctx == NULL || p->ids == NULL || p->n_ids < 2 ||
        p->n_ids > TSS_DKLS_PRESIG_MAX_SIGNERS) {
        return MPC_ERR_INVALID_ARG;
    }
    if (ps->magic != TSS_DKLS_PRESIG_MAGIC) {
        return MPC_ERR_PRESIG_USED;
    }
    if (!presig_matches(p, ps)) {
        return MPC_ERR_PRESIG_MISMATCH;
    }
    memset(tb, 0, SCB);
    if (p->tweak != NULL) {
        memcpy(tb, p->tweak, SCB);
    }
    return tss_secp_scalar_decode(t, tb, SCB) == MPC_OK ? MPC_OK : MPC_ERR_BAD_SCALAR;
}

mpc_status
tss_dkls_online_create(const struct tss_dkls_online_params *p, struct tss_dkls_presig *ps,
                       tss_dkls_online **out, uint8_t bcast[TSS_DKLS_ONLINE_BCAST_BYTES])
{
    if (out != NULL) {
        *out = NULL;
    }
    if (bcast != NULL) {
        memset(bcast, 0, TSS_DKLS_ONLINE_BCAST_BYTES);
    }
    if (p == NULL || ps == NULL || out == NULL || bcast == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t tb[SCB];
    struct tss_secp_num t, delta;
    mpc_status st = online_check(p, ps, tb, &t);
    if (st == MPC_ERR_INVALID_ARG || st == MPC_ERR_PRESIG_USED) {
        return st; /* nothing consumed: the record was not (or no longer) usable */
    }
    tss_dkls_online *o = NULL;
    if (st == MPC_OK) {
        o = mpc_secure_alloc(sizeof(*o));
        st = o == NULL ? MPC_ERR_NOMEM : MPC_OK;
    }
    if (st == MPC_OK) {
        o->ctx = p->ctx;
        memcpy(o->msg32, p->msg32, 32);
        for (uint32_t k = 0; k < ps->n_signers; k++) {
            if (ps->ids[k] != ps->self_id) {
                o->peer_ids[o->n_peers++] = ps->ids[k];
            }
        }
        st = online_public(o, ps, tb, &t, &delta);
    }
    if (st == MPC_OK) {
        online_shares(o, ps, &t, &delta);
        tss_secp_scalar_encode(bcast, &o->u);
        tss_secp_scalar_encode(bcast + 32, &o->w);
        memcpy(bcast + 64, o->echo, 32);
        TSS_DECLASSIFY(bcast, TSS_DKLS_ONLINE_BCAST_BYTES); /* sent: public */
        TSS_DECLASSIFY(&o->u, sizeof(o->u));                /* = the broadcast u'_i */
        TSS_DECLASSIFY(&o->w, sizeof(o->w));                /* = the broadcast w_i */
        o->stage = ONLINE_SENT;
    }
    tss_dkls_presig_wipe(ps); /* single use: consumed whatever happened (spec §6.7.3) */
    if (st != MPC_OK) {
        tss_dkls_online_destroy(o);
        memset(bcast, 0, TSS_DKLS_ONLINE_BCAST_BYTES);
        return st;
    }
    *out = o;
    return MPC_OK;
}

mpc_status
tss_dkls_online_finish(tss_dkls_online *o, const struct tss_dkls_sign_msg *bcast, uint8_t sig64[64],
                       int *recid, uint32_t *culprit)
{
    if (culprit != NULL) {
        *culprit = 0;
    }
    if (sig64 != NULL) {
        memset(sig64, 0, 64);
    }
    if (recid != NULL) {
        *recid = -1;
    }
    if (o == NULL || bcast == NULL || sig64 == NULL || recid == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (o->stage != ONLINE_SENT) {
        return MPC_ERR_SESSION_STATE;
    }
    o->stage = ONLINE_DEAD; /* one finish per object, whatever its outcome */
    struct tss_secp_num uu = o->u, ww = o->w, t;
    uint32_t who = 0;
    mpc_status st = MPC_OK;
    for (size_t k = 0; k < o->n_peers && st == MPC_OK; k++) {
        const uint8_t *m = bcast[k].p;
        who = o->peer_ids[k];
        if (m == NULL || bcast[k].len != TSS_DKLS_ONLINE_BCAST_BYTES) {
            st = MPC_ERR_MSG_MALFORMED;
        } else if (memcmp(m + 64, o->echo, 32) != 0) {
            st = MPC_ERR_PRESIG_BINDING;
        } else if (tss_secp_scalar_decode(&t, m, SCB) != MPC_OK) {
            st = MPC_ERR_BAD_SCALAR;
        } else {
            tss_secp_scalar_add(&uu, &uu, &t);
            if (tss_secp_scalar_decode(&t, m + 32, SCB) != MPC_OK) {
                st = MPC_ERR_BAD_SCALAR;
            } else {
                tss_secp_scalar_add(&ww, &ww, &t);
            }
        }
    }
    if (st == MPC_OK) {
        who = 0;
        st = tss_dkls_sign_assemble(o->ctx, o->big_r, &o->rx, o->msg32, &o->y, &uu, &ww, sig64,
                                    recid);
    }
    if (st != MPC_OK) {
        if (culprit != NULL) {
            *culprit = who;
        }
        return st;
    }
    o->stage = ONLINE_DONE;
    return MPC_OK;
}

void
tss_dkls_online_destroy(tss_dkls_online *o)
{
    if (o != NULL) {
        mpc_wipe(o, sizeof(*o));
        mpc_secure_free(o);
    }
}

/*
 * frost_sign.c — coordinator-less FROST(Ed25519, SHA-512) signing state machine.
 */
#include "tss/frost_sign.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/frost.h"
#include "tss/keyshare.h"

#define SIGN_NONCE_MAGIC 0x4e4f4e43u /* "NONC": nonces present and unused */

/* Single-use nonce pair in secure memory. */
typedef struct {
    uint32_t magic;          /* SIGN_NONCE_MAGIC until used */
    tss_frost_nonces nonces; /* d, e */
} sign_nonces;

typedef struct tss_frost_sign tss_frost_sign;

struct tss_frost_sign {
    tss_base b;                  /* first member (the table casts): rounds, parties, failure */
    const tss_group *g;          /* ed25519 */
    tss_keyshare *ks;            /* own key share */
    uint8_t *msg;                /* message to sign */
    size_t msg_len;              /* its length */
    uint32_t *member;            /* party index -> key member index */
    sign_nonces *nonces;         /* own nonces (secure), NULL once used */
    tss_frost_commitment *comms; /* commitment of each party */
    uint8_t *r1_digest;          /* n echo digests of round 1 */
    uint8_t context[TSS_DIGEST_BYTES]; /* digest of (group key, message) every signer must share */
    tss_frost_ctx ctx;                 /* binding factors, R, c */
    tss_scalar *z;                     /* signature share of each party */
    uint8_t sig[TSS_FROST_SIG_BYTES];  /* result */
};

mpc_status
tss_sign_input_encode(uint8_t **out, size_t *out_len, const uint8_t *keyshare, size_t keyshare_len,
                      const uint8_t *msg, size_t msg_len)
{
    return tss_sign_input_encode_hd(out, out_len, keyshare, keyshare_len, msg, msg_len, NULL);
}

mpc_status
tss_sign_input_encode_hd(uint8_t **out, size_t *out_len, const uint8_t *keyshare,
                         size_t keyshare_len, const uint8_t *msg, size_t msg_len,
                         const uint8_t tweak[TSS_SCALAR_BYTES])
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || keyshare == NULL || keyshare_len > UINT32_MAX ||
        msg_len > UINT32_MAX || (msg == NULL && msg_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t len = 1 + 4 + keyshare_len + 4 + msg_len + (tweak != NULL ? TSS_SCALAR_BYTES : 0);
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_wr_u8(&w, tweak != NULL ? TSS_SIGN_INPUT_VERSION_HD : TSS_SIGN_INPUT_VERSION);
    tss_wr_u32(&w, (uint32_t)keyshare_len);
    tss_wr_bytes(&w, keyshare, keyshare_len);
    tss_wr_u32(&w, (uint32_t)msg_len);
    tss_wr_bytes(&w, msg, msg_len);
    if (tweak != NULL) {
        tss_wr_bytes(&w, tweak, TSS_SCALAR_BYTES);
    }
    *out = buf;
    *out_len = len;
    return MPC_OK;
}

/* Decodes the input and maps parties to key members. */
static mpc_status
sign_load_input(tss_frost_sign *s, const tss_params *p)
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    uint8_t ver = tss_rd_u8(&r);
    uint32_t ks_len = tss_rd_u32(&r);
    const uint8_t *ks = tss_rd_bytes(&r, ks_len);
    uint32_t msg_len = tss_rd_u32(&r);
    const uint8_t *msg = tss_rd_bytes(&r, msg_len);
    const uint8_t *tweak =
        ver == TSS_SIGN_INPUT_VERSION_HD ? tss_rd_bytes(&r, TSS_SCALAR_BYTES) : NULL;
    if (!tss_rd_done(&r) || (ver != TSS_SIGN_INPUT_VERSION && tweak == NULL)) {
        return MPC_ERR_MSG_MALFORMED;
    }
    mpc_status st = tss_keyshare_decode(&s->ks, ks, ks_len);
    if (st == MPC_OK && tweak != NULL) {
        /* Every signer shifts its share: a sharing of y + τ (hd-derivation.md §5). */
        st = tss_keyshare_tweak(s->ks, tweak);
    }
    if (st != MPC_OK) {
        return st;
    }
    if (s->ks->secret == NULL || s->ks->g != s->g) {
        return MPC_ERR_INVALID_ARG;
    }
    if (s->b.n < s->ks->threshold) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    s->msg = malloc(msg_len ? msg_len : 1);
    s->member = calloc(s->b.n, sizeof *s->member);
    if (s->msg == NULL || s->member == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(s->msg, msg, msg_len);
    s->msg_len = msg_len;
    for (uint32_t k = 0; k < s->b.n; k++) {
        s->member[k] = tss_keyshare_find_node(s->ks, s->b.node_ids[k]);
        if (s->member[k] == s->ks->n) {
            return MPC_ERR_UNKNOWN_PARTICIPANT;
        }
    }
    if (s->member[s->b.self] != s->ks->self) {
        return MPC_ERR_INVALID_ARG;
    }
    /* What is being signed, under which key: compared in round 1 before any nonce is used. */
    uint8_t pk[TSS_POINT_MAX_BYTES];
    crypto_generichash_state h;
    s->g->point_encode(pk, &s->ks->group_key);
    crypto_generichash_init(&h, NULL, 0, TSS_DIGEST_BYTES);
    crypto_generichash_update(&h, (const uint8_t *)"mpc-frost-sign-v1", 18);
    crypto_generichash_update(&h, pk, s->g->point_len);
    crypto_generichash_update(&h, s->msg, s->msg_len);
    crypto_generichash_final(&h, s->context, TSS_DIGEST_BYTES);
    return MPC_OK;
}

mpc_status
tss_frost_sign_create(tss_base **out, const tss_params *p)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || p == NULL || (p->input == NULL && p->input_len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    if (tss_group_selftest() != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    tss_frost_sign *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    s->g = tss_group_ed25519();
    mpc_status st = tss_base_init(&s->b, &tss_proto_frost_sign, p);
    if (st == MPC_OK) {
        st = sign_load_input(s, p);
    }
    if (st == MPC_OK) {
        s->comms = calloc(s->b.n, sizeof *s->comms);
        s->r1_digest = calloc(s->b.n, TSS_DIGEST_BYTES);
        s->z = calloc(s->b.n, sizeof *s->z);
        s->nonces = mpc_secure_alloc(sizeof *s->nonces);
        if (s->comms == NULL || s->r1_digest == NULL || s->z == NULL || s->nonces == NULL) {
            st = MPC_ERR_NOMEM;
        }
    }
    return tss_base_created(&s->b, st, out);
}

static void
fsign_destroy(tss_base *base)
{
    tss_frost_sign *s = (tss_frost_sign *)base;
    mpc_secure_free(s->nonces);
    tss_keyshare_destroy(s->ks);
    free(s->msg);
    free(s->member);
    free(s->comms);
    free(s->r1_digest);
    free(s->z);
    tss_frost_ctx_clear(&s->ctx);
    tss_base_free(&s->b);
    free(s);
}

/* Round 1: fresh nonces and their commitments. */
static mpc_status
fsign_start(tss_base *base, mpc_outbox *out)
{
    tss_frost_sign *s = (tss_frost_sign *)base;
    if (s == NULL || out == NULL || s->b.round != 0 || s->b.done || s->nonces == NULL ||
        s->nonces->magic != 0) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = s->g;
    uint32_t self = s->b.self;
    tss_frost_commitment *c = &s->comms[self];
    mpc_status st = tss_frost_commit(g, &s->nonces->nonces, c, s->ks->members[s->ks->self].id,
                                     s->ks->secret, NULL, NULL);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    s->nonces->magic = SIGN_NONCE_MAGIC;
    uint8_t buf[2 + 2 * TSS_POINT_MAX_BYTES + TSS_DIGEST_BYTES], e[TSS_POINT_MAX_BYTES];
    tss_wr w;
    tss_wr_init(&w, buf, sizeof buf);
    tss_msg_header(&w, TSS_SIGN_R1);
    g->point_encode(e, &c->hiding);
    tss_wr_bytes(&w, e, g->point_len);
    g->point_encode(e, &c->binding);
    tss_wr_bytes(&w, e, g->point_len);
    tss_wr_bytes(&w, s->context, sizeof s->context);
    tss_msg_digest(&s->r1_digest[(size_t)self * TSS_DIGEST_BYTES], self, w.buf, w.len);
    st = tss_msg_send(out, 1, MPC_OUTBOX_ALL, &w);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    tss_base_expect(&s->b, 1, NULL);
    return MPC_OK;
}

/* Computes the own share with the single-use nonces, then wipes and frees them. */
static mpc_status
sign_own_share(tss_frost_sign *s)
{
    if (s->nonces == NULL || s->nonces->magic != SIGN_NONCE_MAGIC) {
        return MPC_ERR_NONCE_REUSE;
    }
    mpc_status st = tss_frost_sign_share(&s->ctx, &s->z[s->b.self], s->comms[s->b.self].id,
                                         &s->nonces->nonces, s->ks->secret);
    s->nonces->magic = 0;
    mpc_secure_free(s->nonces); /* wipes */
    s->nonces = NULL;
    return st;
}

/* All commitments in: build the context, sign, send round 2. */
static mpc_status
sign_send_share(tss_frost_sign *s, mpc_outbox *out)
{
    const tss_group *g = s->g;
    mpc_status st =
        tss_frost_ctx_init(&s->ctx, g, &s->ks->group_key, s->comms, s->b.n, s->msg, s->msg_len);
    if (st == MPC_ERR_IDENTITY_POINT) {
        st = MPC_ERR_BAD_COMMITMENT; /* the commitments cancel out: no single culprit */
    }
    if (st == MPC_OK) {
        st = sign_own_share(s);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    size_t cap = 2 + TSS_SCALAR_BYTES + (size_t)s->b.n * TSS_DIGEST_BYTES;
    uint8_t *buf = malloc(cap), z[TSS_SCALAR_BYTES];
    if (buf == NULL) {
        return tss_base_fail(&s->b, MPC_ERR_NOMEM, TSS_NO_CULPRIT);
    }
    tss_wr w;
    tss_wr_init(&w, buf, cap);
    tss_msg_header(&w, TSS_SIGN_R2);
    g->scalar_encode(z, &s->z[s->b.self]);
    TSS_DECLASSIFY(&s->z[s->b.self], sizeof s->z[s->b.self]); /* broadcast below: public */
    tss_wr_bytes(&w, z, sizeof z);
    tss_wr_bytes(&w, s->r1_digest, (size_t)s->b.n * TSS_DIGEST_BYTES);
    st = tss_msg_send(out, 2, MPC_OUTBOX_ALL, &w);
    free(buf);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    tss_base_expect(&s->b, 2, NULL);
    return MPC_OK;
}

static mpc_status
sign_handle_r1(tss_frost_sign *s, uint32_t from, tss_rd *r, const uint8_t *data, size_t len,
               mpc_outbox *out)
{
    const tss_group *g = s->g;
    const uint8_t *d = tss_rd_bytes(r, g->point_len), *e = tss_rd_bytes(r, g->point_len);
    const uint8_t *ctx = tss_rd_bytes(r, TSS_DIGEST_BYTES);
    tss_frost_commitment *c = &s->comms[from];
    mpc_status st = (d && e && ctx && tss_rd_done(r)) ? MPC_OK : MPC_ERR_MSG_MALFORMED;
    if (st == MPC_OK && memcmp(ctx, s->context, TSS_DIGEST_BYTES) != 0) {
        /* Another message or key: either side may be the odd one out. */
        return tss_base_fail(&s->b, MPC_ERR_TRANSCRIPT, TSS_NO_CULPRIT);
    }
    if (st == MPC_OK) {
        st = g->point_decode(&c->hiding, d);
    }
    if (st == MPC_OK) {
        st = g->point_decode(&c->binding, e);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, from);
    }
    c->id = s->ks->members[s->member[from]].id;
    tss_msg_digest(&s->r1_digest[(size_t)from * TSS_DIGEST_BYTES], from, data, len);
    return s->b.missing == 0 ? sign_send_share(s, out) : MPC_OK;
}

/* Every share in: aggregate, verify, and blame a bad share if it fails. */
static mpc_status
sign_finish(tss_frost_sign *s)
{
    const tss_group *g = s->g;
    tss_scalar *sorted = calloc(s->b.n, sizeof *sorted);
    uint8_t pk[TSS_POINT_MAX_BYTES];
    if (sorted == NULL) {
        return tss_base_fail(&s->b, MPC_ERR_NOMEM, TSS_NO_CULPRIT);
    }
    for (uint32_t k = 0; k < s->b.n; k++) {
        sorted[tss_frost_ctx_find(&s->ctx, s->comms[k].id)] = s->z[k];
    }
    mpc_status st = tss_frost_aggregate(&s->ctx, s->sig, sorted);
    free(sorted);
    g->point_encode(pk, &s->ks->group_key);
    if (st == MPC_OK && crypto_sign_verify_detached(s->sig, s->msg, s->msg_len, pk) == 0) {
        s->b.done = 1;
        s->b.round = 0;
        return MPC_OK;
    }
    for (uint32_t k = 0; st == MPC_OK && k < s->b.n; k++) {
        const tss_member *m = &s->ks->members[s->member[k]];
        if (k != s->b.self &&
            tss_frost_verify_share(&s->ctx, m->id, &m->vshare, &s->z[k]) != MPC_OK) {
            return tss_base_fail(&s->b, MPC_ERR_BAD_SIG_SHARE, k);
        }
    }
    return tss_base_fail(&s->b, st != MPC_OK ? st : MPC_ERR_VERIFY_FAILED, TSS_NO_CULPRIT);
}

static mpc_status
sign_handle_r2(tss_frost_sign *s, uint32_t from, tss_rd *r)
{
    const uint8_t *z = tss_rd_bytes(r, TSS_SCALAR_BYTES);
    const uint8_t *echo = tss_rd_bytes(r, (size_t)s->b.n * TSS_DIGEST_BYTES);
    uint32_t slot = TSS_NO_CULPRIT;
    mpc_status st = (z && echo && tss_rd_done(r)) ? MPC_OK : MPC_ERR_MSG_MALFORMED;
    if (st == MPC_OK && tss_echo_check(s->r1_digest, echo, s->b.n, &slot) != MPC_OK) {
        return tss_echo_fail(&s->b, from, slot);
    }
    if (st == MPC_OK) {
        st = s->g->scalar_decode(&s->z[from], z);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, from);
    }
    return s->b.missing == 0 ? sign_finish(s) : MPC_OK;
}

static mpc_status
fsign_handle(tss_base *base, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
             size_t len, mpc_outbox *out)
{
    tss_frost_sign *s = (tss_frost_sign *)base;
    if (s == NULL || out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint32_t cur = s->b.round;
    tss_rd r;
    mpc_status st = tss_base_accept(&s->b, from, round, is_broadcast, 1,
                                    cur == 1 ? TSS_SIGN_R1 : TSS_SIGN_R2, data, len, &r);
    if (st != MPC_OK) {
        return st;
    }
    return cur == 1 ? sign_handle_r1(s, from, &r, data, len, out) : sign_handle_r2(s, from, &r);
}

static mpc_status
fsign_result(tss_base *base, uint8_t **out, size_t *out_len)
{
    tss_frost_sign *s = (tss_frost_sign *)base;
    /* tss_proto_result checked the arguments and that the run is done */
    if ((*out = mpc_secure_alloc(TSS_FROST_SIG_BYTES)) == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(*out, s->sig, TSS_FROST_SIG_BYTES);
    *out_len = TSS_FROST_SIG_BYTES;
    return MPC_OK;
}

/* Round 1: D | E | digest; round 2: z | n digests (both broadcast). */
static size_t
frost_sign_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    const size_t pt = 32;
    if (!is_broadcast) {
        return 0;
    }
    switch (round) {
    case 1:
        return TSS_MSG_HEADER_BYTES + 2 * pt + TSS_DIGEST_BYTES;
    case 2:
        return TSS_MSG_HEADER_BYTES + TSS_SCALAR_BYTES + (size_t)n * TSS_DIGEST_BYTES;
    }
    return 0;
}

const tss_protocol tss_proto_frost_sign = {.name = "frost-sign",
                                           .create = tss_frost_sign_create,
                                           .start = fsign_start,
                                           .handle = fsign_handle,
                                           .result = fsign_result,
                                           .destroy = fsign_destroy,
                                           .max_msg_len = frost_sign_max_msg_len};

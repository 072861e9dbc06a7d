/*
 * frost_sign.c — coordinator-less FROST signing state machine, one code path
 * for the ciphersuites of frost.h: "frost-sign" (FROST(Ed25519, SHA-512)) and
 * "frost-tr-sign" (FROST(secp256k1, SHA-256) with BIP340, a Taproot tweak).
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
    tss_base b;                /* first member (the table casts): rounds, parties, failure */
    const tss_frost_suite *cs; /* ciphersuite */
    const tss_group *g;        /* its group */
    tss_frost_tweak tweak;     /* BIP341 tweak (frost-tr-sign) */
    int has_hd;                /* an HD tweak shifted the shares (input version 2 / tr 3) */
    uint8_t hd_tweak[TSS_SCALAR_BYTES]; /* that tweak τ (public: derived from the xpub) */
    tss_keyshare *ks;                   /* own key share */
    uint8_t *msg;                       /* message to sign */
    size_t msg_len;                     /* its length */
    uint32_t *member;                   /* party index -> key member index */
    sign_nonces *nonces;                /* own nonces (secure), NULL once used */
    tss_frost_commitment *comms;        /* commitment of each party */
    uint8_t *r1_digest;                 /* n echo digests of round 1 */
    uint8_t context[TSS_DIGEST_BYTES];  /* digest of (group key, message) every signer must share */
    tss_frost_ctx ctx;                  /* binding factors, R, c */
    tss_scalar *z;                      /* signature share of each party */
    uint8_t sig[TSS_FROST_SIG_MAX_BYTES]; /* result: cs->sig_len bytes */
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

mpc_status
tss_tr_sign_input_encode(uint8_t **out, size_t *out_len, const uint8_t *keyshare,
                         size_t keyshare_len, const uint8_t *msg, size_t msg_len,
                         const tss_frost_tweak *tweak)
{
    return tss_tr_sign_input_encode_hd(out, out_len, keyshare, keyshare_len, msg, msg_len, tweak,
                                       NULL);
}

mpc_status
tss_tr_sign_input_encode_hd(uint8_t **out, size_t *out_len, const uint8_t *keyshare,
                            size_t keyshare_len, const uint8_t *msg, size_t msg_len,
                            const tss_frost_tweak *tweak, const uint8_t hd_tweak[TSS_SCALAR_BYTES])
{
    uint8_t *in = NULL;
    size_t in_len = 0;
    if (tweak == NULL ||
        (tweak->mode != TSS_FROST_TWEAK_NONE && tweak->mode != TSS_FROST_TWEAK_KEYPATH &&
         tweak->mode != TSS_FROST_TWEAK_ROOT)) {
        if (out != NULL) {
            *out = NULL;
        }
        if (out_len != NULL) {
            *out_len = 0;
        }
        return tweak == NULL ? MPC_ERR_INVALID_ARG : MPC_ERR_TR_INPUT;
    }
    mpc_status st =
        tss_sign_input_encode_hd(&in, &in_len, keyshare, keyshare_len, msg, msg_len, hd_tweak);
    if (st != MPC_OK) {
        *out = NULL;
        *out_len = 0;
        return st;
    }
    /* The same layout with u8 mode | 32-byte root after the version (2, or 3 with τ at the end). */
    size_t len = in_len + 1 + sizeof tweak->root;
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf != NULL) {
        buf[0] = hd_tweak != NULL ? TSS_TR_SIGN_INPUT_VERSION_HD : TSS_TR_SIGN_INPUT_VERSION;
        buf[1] = (uint8_t)tweak->mode;
        memcpy(buf + 2, tweak->root, sizeof tweak->root);
        memcpy(buf + 2 + sizeof tweak->root, in + 1, in_len - 1);
    }
    mpc_secure_free(in);
    *out = buf;
    *out_len = buf != NULL ? len : 0;
    return buf != NULL ? MPC_OK : MPC_ERR_NOMEM;
}

/*
 * Reads the version and, for frost-tr-sign, the BIP341 tweak.
 * Out: *has_hd — an HD tweak follows the message (frost-sign version 2, frost-tr-sign 3).
 */
static mpc_status
sign_load_header(tss_frost_sign *s, tss_rd *r, int *has_hd)
{
    uint8_t ver = tss_rd_u8(r);
    if (!s->cs->bip340) {
        *has_hd = ver == TSS_SIGN_INPUT_VERSION_HD;
        return ver == TSS_SIGN_INPUT_VERSION || ver == TSS_SIGN_INPUT_VERSION_HD
                   ? MPC_OK
                   : MPC_ERR_MSG_MALFORMED;
    }
    *has_hd = ver == TSS_TR_SIGN_INPUT_VERSION_HD;
    uint8_t mode = tss_rd_u8(r);
    const uint8_t *root = tss_rd_bytes(r, sizeof s->tweak.root);
    if ((ver != TSS_TR_SIGN_INPUT_VERSION && ver != TSS_TR_SIGN_INPUT_VERSION_HD) || root == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (mode != TSS_FROST_TWEAK_NONE && mode != TSS_FROST_TWEAK_KEYPATH &&
        mode != TSS_FROST_TWEAK_ROOT) {
        return MPC_ERR_TR_INPUT;
    }
    s->tweak.mode = (tss_frost_tweak_mode)mode;
    memcpy(s->tweak.root, root, sizeof s->tweak.root);
    return MPC_OK;
}

/*
 * Digest of what is signed, under which key and tweaks: compared in round 1.
 * frost-tr-sign: label | mode | root | [0x01 | τ] | key | message, the HD tweak
 * τ marked by a byte no encoded key starts with (the key is the child's too).
 */
static void
sign_context_digest(tss_frost_sign *s)
{
    uint8_t pk[TSS_POINT_MAX_BYTES], mode = (uint8_t)s->tweak.mode, hd_mark = 0x01;
    crypto_generichash_state h;
    s->g->point_encode(pk, &s->ks->group_key);
    crypto_generichash_init(&h, NULL, 0, TSS_DIGEST_BYTES);
    if (s->cs->bip340) {
        crypto_generichash_update(&h, (const uint8_t *)"mpc-frost-tr-sign-v1", 21);
        crypto_generichash_update(&h, &mode, 1);
        crypto_generichash_update(&h, s->tweak.root, sizeof s->tweak.root);
        if (s->has_hd) {
            crypto_generichash_update(&h, &hd_mark, 1);
            crypto_generichash_update(&h, s->hd_tweak, sizeof s->hd_tweak);
        }
    } else {
        crypto_generichash_update(&h, (const uint8_t *)"mpc-frost-sign-v1", 18);
    }
    crypto_generichash_update(&h, pk, s->g->point_len);
    crypto_generichash_update(&h, s->msg, s->msg_len);
    crypto_generichash_final(&h, s->context, TSS_DIGEST_BYTES);
}

/* Decodes the input and maps parties to key members. */
static mpc_status
sign_load_input(tss_frost_sign *s, const tss_params *p)
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    int has_hd = 0;
    mpc_status st = sign_load_header(s, &r, &has_hd);
    uint32_t ks_len = tss_rd_u32(&r);
    const uint8_t *ks = tss_rd_bytes(&r, ks_len);
    uint32_t msg_len = tss_rd_u32(&r);
    const uint8_t *msg = tss_rd_bytes(&r, msg_len);
    const uint8_t *tweak = has_hd ? tss_rd_bytes(&r, TSS_SCALAR_BYTES) : NULL;
    if (st != MPC_OK) {
        return st;
    }
    if (!tss_rd_done(&r) || (has_hd && tweak == NULL)) {
        return MPC_ERR_MSG_MALFORMED;
    }
    st = tss_keyshare_decode(&s->ks, ks, ks_len);
    if (st == MPC_OK && tweak != NULL) {
        /* Every signer shifts its share: a sharing of y + τ (hd-derivation.md §5); for
         * Taproot before the even-Y and BIP341 steps (frost-taproot.md §5). */
        st = tss_keyshare_tweak(s->ks, tweak);
        s->has_hd = 1;
        memcpy(s->hd_tweak, tweak, sizeof s->hd_tweak);
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
    sign_context_digest(s); /* compared in round 1 before any nonce is used */
    return MPC_OK;
}

/* Creates a signing state of protocol proto over ciphersuite cs. */
static mpc_status
sign_create(tss_base **out, const tss_params *p, const tss_protocol *proto,
            const tss_frost_suite *cs)
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
    s->cs = cs;
    s->g = cs->group();
    mpc_status st = tss_base_init(&s->b, proto, p);
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

mpc_status
tss_frost_sign_create(tss_base **out, const tss_params *p)
{
    return sign_create(out, p, &tss_proto_frost_sign, &tss_frost_ed25519);
}

mpc_status
tss_frost_tr_sign_create(tss_base **out, const tss_params *p)
{
    return sign_create(out, p, &tss_proto_frost_tr_sign, &tss_frost_secp256k1_tr);
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
    mpc_status st = tss_frost_commit(s->cs, &s->nonces->nonces, c, s->ks->members[s->ks->self].id,
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
    mpc_status st = tss_frost_ctx_init(&s->ctx, s->cs, &s->ks->group_key, s->comms, s->b.n, s->msg,
                                       s->msg_len, &s->tweak);
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
    tss_scalar *sorted = calloc(s->b.n, sizeof *sorted);
    if (sorted == NULL) {
        return tss_base_fail(&s->b, MPC_ERR_NOMEM, TSS_NO_CULPRIT);
    }
    for (uint32_t k = 0; k < s->b.n; k++) {
        sorted[tss_frost_ctx_find(&s->ctx, s->comms[k].id)] = s->z[k];
    }
    mpc_status st = tss_frost_aggregate(&s->ctx, s->sig, sorted);
    free(sorted);
    /* An independent verifier: libsodium (Ed25519), libsecp256k1 schnorrsig (BIP340). */
    if (st == MPC_OK && s->cs->verify(s->sig, &s->ctx.group_key, s->msg, s->msg_len) == MPC_OK) {
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
    size_t len = s->cs->bip340 ? TSS_TR_SIGN_RESULT_BYTES : s->cs->sig_len;
    if ((*out = mpc_secure_alloc(len)) == NULL) {
        return MPC_ERR_NOMEM;
    }
    memcpy(*out, s->sig, s->cs->sig_len);
    if (s->cs->bip340) { /* sig | x-only output key | x-only internal key */
        int odd = 0;
        mpc_status st = tss_frost_xonly(s->g, *out + 64, &odd, &s->ctx.group_key);
        memcpy(*out + 96, s->ctx.internal_x, TSS_FROST_XONLY_BYTES);
        if (st != MPC_OK) {
            mpc_secure_free(*out);
            *out = NULL;
            return st;
        }
    }
    *out_len = len;
    return MPC_OK;
}

/* Round 1: D | E | digest; round 2: z | n digests (both broadcast). */
static size_t
sign_max_msg_len(size_t pt, uint32_t n, uint32_t round, int is_broadcast)
{
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

static size_t
frost_sign_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return sign_max_msg_len(32, n, round, is_broadcast);
}

static size_t
frost_tr_sign_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return sign_max_msg_len(33, n, round, is_broadcast);
}

const tss_protocol tss_proto_frost_sign = {.name = "frost-sign",
                                           .create = tss_frost_sign_create,
                                           .start = fsign_start,
                                           .handle = fsign_handle,
                                           .result = fsign_result,
                                           .destroy = fsign_destroy,
                                           .max_msg_len = frost_sign_max_msg_len};

const tss_protocol tss_proto_frost_tr_sign = {.name = "frost-tr-sign",
                                              .create = tss_frost_tr_sign_create,
                                              .start = fsign_start,
                                              .handle = fsign_handle,
                                              .result = fsign_result,
                                              .destroy = fsign_destroy,
                                              .max_msg_len = frost_tr_sign_max_msg_len};

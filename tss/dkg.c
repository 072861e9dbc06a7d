/*
 * dkg.c — Pedersen/Feldman DKG with proofs of knowledge and transcript
 * confirmation (see dkg.h for rounds and encodings).
 *
 * DESIGN: the secret polynomial and the running share sum live in secure
 * memory and are wiped on destroy; the polynomial is destroyed as soon as
 * round 2 is sent. A round is entered only when every message of the
 * previous one is present and verified.
 */
#include "tss/dkg.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/frost_tr.h"
#include "tss/keyshare.h"
#include "tss/pok.h"
#include "tss/vss.h"

typedef struct tss_dkg tss_dkg;

struct tss_dkg {
    tss_base b;         /* first member (the table casts): rounds, parties, failure */
    const tss_group *g; /* curve (suite.g) */
    tss_suite suite;    /* curve and hash hooks */
    size_t proof_len;   /* point_len + 32 */
    uint8_t *proofs;    /* n proofs of round 1 (for suite.confirm) */
    uint32_t t;         /* threshold (commitments per party) */
    tss_poly *poly;     /* own secret polynomial (until round 2 is sent) */
    tss_point *commits; /* n * t commitments, party-major */
    uint8_t *r1_digest; /* n echo digests of round 1 */
    tss_scalar *share;  /* running sum of received shares (secure) */
    tss_keyshare *ks;   /* result under construction */
    uint8_t transcript[TSS_DIGEST_BYTES]; /* own transcript hash */
    uint8_t *chain_com;                   /* n chain-code commitments of round 1 */
    uint8_t *chain_rev;                   /* n revealed contributions (own: from start) */
};

/* Commitment to a chain-code contribution: BLAKE2b-256(tag, sid, u32 party, c_i). */
static void
dkg_chain_commit(const tss_dkg *s, uint32_t party, const uint8_t c[TSS_KEYSHARE_CHAIN_BYTES],
                 uint8_t out[TSS_DIGEST_BYTES])
{
    static const char tag[] = "mpc-hd-chain-commit-v1";
    uint8_t pb[4] = {(uint8_t)(party >> 24), (uint8_t)(party >> 16), (uint8_t)(party >> 8),
                     (uint8_t)party};
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, TSS_DIGEST_BYTES);
    crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag);
    crypto_generichash_update(&h, s->b.sid, TSS_SID_LEN);
    crypto_generichash_update(&h, pb, sizeof pb);
    crypto_generichash_update(&h, c, TSS_KEYSHARE_CHAIN_BYTES);
    crypto_generichash_final(&h, out, TSS_DIGEST_BYTES);
}

/* Every contribution in: chain code = BLAKE2b-256(tag, sid, c_0 .. c_{n-1}) into the record. */
static void
dkg_chain_finish(tss_dkg *s)
{
    static const char tag[] = "mpc-hd-chain-v1";
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, TSS_DIGEST_BYTES);
    crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag);
    crypto_generichash_update(&h, s->b.sid, TSS_SID_LEN);
    crypto_generichash_update(&h, s->chain_rev, (size_t)s->b.n * TSS_KEYSHARE_CHAIN_BYTES);
    crypto_generichash_final(&h, s->ks->chain, TSS_KEYSHARE_CHAIN_BYTES);
    s->ks->has_chain = 1;
}

mpc_status
tss_dkg_create(tss_base **out, const tss_params *p)
{
    return tss_dkg_create_suite(out, p, NULL);
}

mpc_status
tss_dkg_create_suite(tss_base **out, const tss_params *p, const tss_suite *suite)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || p == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (tss_group_selftest() != MPC_OK) {
        return MPC_ERR_SELFTEST;
    }
    if (p->threshold == 0 || p->threshold > p->n_parties) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    tss_dkg *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    mpc_status st = tss_base_init(&s->b, &tss_proto_frost_dkg, p);
    if (st != MPC_OK) {
        free(s);
        return st;
    }
    if (suite != NULL && suite->g != NULL) {
        s->suite = *suite;
    } else {
        s->suite = (tss_suite){.g = tss_group_ed25519()};
    }
    s->g = s->suite.g;
    s->proof_len = s->g->point_len + TSS_SCALAR_BYTES;
    s->t = p->threshold;
    s->commits = calloc((size_t)s->b.n * s->t, sizeof *s->commits);
    s->r1_digest = calloc(s->b.n, TSS_DIGEST_BYTES);
    s->proofs = calloc(s->b.n, s->proof_len);
    s->share = mpc_secure_alloc(sizeof *s->share);
    s->chain_com = calloc(s->b.n, TSS_DIGEST_BYTES);
    s->chain_rev = calloc(s->b.n, TSS_KEYSHARE_CHAIN_BYTES);
    if (s->commits == NULL || s->r1_digest == NULL || s->share == NULL || s->proofs == NULL ||
        s->chain_com == NULL || s->chain_rev == NULL) {
        tss_proto_destroy(&s->b);
        return MPC_ERR_NOMEM;
    }
    *out = &s->b;
    return MPC_OK;
}

static void
dkg_destroy(tss_base *base)
{
    tss_dkg *s = (tss_dkg *)base;
    tss_poly_destroy(s->poly);
    free(s->commits);
    free(s->r1_digest);
    free(s->proofs);
    free(s->chain_com);
    free(s->chain_rev);
    mpc_secure_free(s->share);
    tss_keyshare_destroy(s->ks);
    tss_base_free(&s->b);
    free(s);
}

/* Round 1: commitments and proof of knowledge of the constant term. */
static mpc_status
dkg_start(tss_base *base, mpc_outbox *out)
{
    tss_dkg *s = (tss_dkg *)base;
    if (s == NULL || out == NULL || s->b.round != 0 || s->poly != NULL || s->b.done) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = s->g;
    uint32_t self = s->b.self;
    tss_point *mine = &s->commits[(size_t)self * s->t];
    uint8_t
        buf[2 + 2 + TSS_MAX_THRESHOLD * TSS_POINT_MAX_BYTES + TSS_POK_MAX_BYTES + TSS_DIGEST_BYTES];
    uint8_t *proof = &s->proofs[(size_t)self * s->proof_len];
    tss_scalar a0;
    tss_wr w;
    mpc_status st = tss_poly_create(&s->poly, g, s->t, NULL, NULL);
    if (st == MPC_OK) {
        st = tss_poly_commit(s->poly, mine);
    }
    if (st == MPC_OK) {
        st = tss_poly_constant(s->poly, &a0);
    }
    if (st == MPC_OK) {
        st = tss_pok_prove_with(g, s->suite.pok_challenge, s->suite.user, proof, (uint64_t)self + 1,
                                &a0, &mine[0]);
    }
    mpc_wipe(&a0, sizeof a0);
    uint8_t *own_c = &s->chain_rev[(size_t)self * TSS_KEYSHARE_CHAIN_BYTES];
    if (st == MPC_OK && mpc_random_bytes(own_c, TSS_KEYSHARE_CHAIN_BYTES) != MPC_OK) {
        st = MPC_ERR_RANDOM;
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    TSS_DECLASSIFY(own_c, TSS_KEYSHARE_CHAIN_BYTES); /* public once revealed in round 3 */
    dkg_chain_commit(s, self, own_c, &s->chain_com[(size_t)self * TSS_DIGEST_BYTES]);
    TSS_DECLASSIFY(proof, s->proof_len); /* broadcast: public (ctime test) */
    tss_wr_init(&w, buf, sizeof buf);
    tss_msg_header(&w, TSS_DKG_R1);
    tss_commitments_write(g, &w, mine, s->t);
    tss_wr_bytes(&w, proof, s->proof_len);
    tss_wr_bytes(&w, &s->chain_com[(size_t)self * TSS_DIGEST_BYTES], TSS_DIGEST_BYTES);
    st = tss_msg_send(out, 1, MPC_OUTBOX_ALL, &w);
    tss_msg_digest(&s->r1_digest[(size_t)self * TSS_DIGEST_BYTES], self, w.buf, w.len);
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    tss_base_expect(&s->b, 1, NULL);
    return MPC_OK;
}

/* Round 2: one share per other party, with the echo of round 1. */
static mpc_status
dkg_send_shares(tss_dkg *s, mpc_outbox *out)
{
    const tss_group *g = s->g;
    size_t cap = 2 + TSS_SCALAR_BYTES + (size_t)s->b.n * TSS_DIGEST_BYTES;
    uint8_t *buf = mpc_secure_alloc(cap);
    tss_scalar f;
    mpc_status st = buf != NULL ? MPC_OK : MPC_ERR_NOMEM;
    for (uint32_t j = 0; st == MPC_OK && j < s->b.n; j++) {
        st = tss_poly_eval(s->poly, &f, (uint64_t)j + 1);
        if (st != MPC_OK) {
            break;
        }
        if (j == s->b.self) {
            *s->share = f;
            continue;
        }
        uint8_t enc[TSS_SCALAR_BYTES];
        tss_wr w;
        tss_wr_init(&w, buf, cap);
        tss_msg_header(&w, TSS_DKG_R2);
        g->scalar_encode(enc, &f);
        tss_wr_bytes(&w, enc, sizeof enc);
        tss_wr_bytes(&w, s->r1_digest, (size_t)s->b.n * TSS_DIGEST_BYTES);
        mpc_wipe(enc, sizeof enc);
        st = tss_msg_send(out, 2, j, &w);
    }
    mpc_wipe(&f, sizeof f);
    mpc_secure_free(buf);
    tss_poly_destroy(s->poly);
    s->poly = NULL;
    if (st == MPC_OK) {
        tss_base_expect(&s->b, 2, NULL);
    }
    return st;
}

static mpc_status
dkg_handle_r1(tss_dkg *s, uint32_t from, tss_rd *r, const uint8_t *data, size_t len,
              mpc_outbox *out)
{
    const tss_group *g = s->g;
    tss_point *c = &s->commits[(size_t)from * s->t];
    mpc_status st = tss_commitments_read(g, r, c, s->t);
    const uint8_t *proof = tss_rd_bytes(r, s->proof_len);
    const uint8_t *com = tss_rd_bytes(r, TSS_DIGEST_BYTES);
    if (st == MPC_OK && (proof == NULL || com == NULL || !tss_rd_done(r))) {
        st = MPC_ERR_MSG_MALFORMED;
    }
    if (st == MPC_OK) {
        st = tss_pok_verify_with(g, s->suite.pok_challenge, s->suite.user, proof,
                                 (uint64_t)from + 1, &c[0]);
    }
    if (st == MPC_OK) {
        memcpy(&s->proofs[(size_t)from * s->proof_len], proof, s->proof_len);
        memcpy(&s->chain_com[(size_t)from * TSS_DIGEST_BYTES], com, TSS_DIGEST_BYTES);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, from);
    }
    tss_msg_digest(&s->r1_digest[(size_t)from * TSS_DIGEST_BYTES], from, data, len);
    if (s->b.missing == 0) {
        st = dkg_send_shares(s, out);
        if (st != MPC_OK) {
            return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
        }
    }
    return MPC_OK;
}

/* Builds the result and the transcript once every share is in. */
static mpc_status
dkg_finish_shares(tss_dkg *s, mpc_outbox *out)
{
    const tss_group *g = s->g;
    uint32_t n = s->b.n;
    tss_point *sum = calloc(s->t, sizeof *sum);
    const tss_point **vecs = calloc(n, sizeof *vecs);
    mpc_status st = (sum && vecs) ? tss_keyshare_create(&s->ks, g, s->t, n, 1) : MPC_ERR_NOMEM;
    for (uint32_t i = 0; st == MPC_OK && i < n; i++) {
        vecs[i] = &s->commits[(size_t)i * s->t];
    }
    if (st == MPC_OK) {
        st = tss_vss_commit_sum(g, sum, vecs, n, s->t);
    }
    if (st == MPC_OK) {
        s->ks->group_key = sum[0];
        s->ks->self = s->b.self;
        *s->ks->secret = *s->share;
    }
    for (uint32_t j = 0; st == MPC_OK && j < n; j++) {
        s->ks->members[j].id = j + 1;
        st = tss_keyshare_set_node(s->ks, j, s->b.node_ids[j]);
        if (st == MPC_OK) {
            st = tss_vss_commit_eval(g, &s->ks->members[j].vshare, sum, s->t, (uint64_t)j + 1);
        }
    }
    free(sum);
    free(vecs);
    if (st == MPC_OK) {
        /* x_i * G == X_i (spec §2 round 3): the summed share matches its verifying share. */
        tss_point y;
        if (g->point_mul_base(&y, s->ks->secret) != MPC_OK ||
            !g->point_eq(&y, &s->ks->members[s->b.self].vshare)) {
            st = MPC_ERR_BAD_SHARE;
        }
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st == MPC_ERR_IDENTITY_POINT ? MPC_ERR_BAD_GROUP_KEY : st,
                             TSS_NO_CULPRIT);
    }
    if (s->suite.confirm != NULL) {
        st = s->suite.confirm(s->suite.user, s->transcript, s->commits, (size_t)n * s->t, s->proofs,
                              s->ks);
    } else {
        st = tss_transcript_hash(s->transcript, "mpc-frost-dkg-v1", s->b.sid, s->commits,
                                 (size_t)n * s->t, s->ks);
    }
    uint8_t buf[2 + TSS_KEYSHARE_CHAIN_BYTES + TSS_DIGEST_BYTES];
    tss_wr w;
    tss_wr_init(&w, buf, sizeof buf);
    tss_msg_header(&w, TSS_DKG_R3);
    tss_wr_bytes(&w, &s->chain_rev[(size_t)s->b.self * TSS_KEYSHARE_CHAIN_BYTES],
                 TSS_KEYSHARE_CHAIN_BYTES);
    tss_wr_bytes(&w, s->transcript, sizeof s->transcript);
    if (st == MPC_OK) {
        st = tss_msg_send(out, 3, MPC_OUTBOX_ALL, &w);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    tss_base_expect(&s->b, 3, NULL);
    return MPC_OK;
}

static mpc_status
dkg_handle_r2(tss_dkg *s, uint32_t from, tss_rd *r, mpc_outbox *out)
{
    mpc_status st = tss_share_receive(&s->b, s->g, r, from, s->r1_digest, (uint64_t)s->b.self + 1,
                                      &s->commits[(size_t)from * s->t], s->t, s->share);
    if (st != MPC_OK) {
        return st;
    }
    return s->b.missing == 0 ? dkg_finish_shares(s, out) : MPC_OK;
}

/* Round 3: the chain-code contribution (checked against its round-1 commitment), then the
 * transcript hash. */
static mpc_status
dkg_handle_r3(tss_dkg *s, uint32_t from, tss_rd *r)
{
    const uint8_t *c = tss_rd_bytes(r, TSS_KEYSHARE_CHAIN_BYTES);
    uint8_t com[TSS_DIGEST_BYTES];
    if (c == NULL) {
        return tss_base_fail(&s->b, MPC_ERR_MSG_MALFORMED, from);
    }
    dkg_chain_commit(s, from, c, com);
    if (memcmp(com, &s->chain_com[(size_t)from * TSS_DIGEST_BYTES], TSS_DIGEST_BYTES) != 0) {
        return tss_base_fail(&s->b, MPC_ERR_BAD_COMMITMENT, from);
    }
    memcpy(&s->chain_rev[(size_t)from * TSS_KEYSHARE_CHAIN_BYTES], c, TSS_KEYSHARE_CHAIN_BYTES);
    mpc_status st = tss_base_confirm(&s->b, from, r, s->transcript);
    if (st == MPC_OK && s->b.done) {
        dkg_chain_finish(s);
    }
    return st;
}

static mpc_status
dkg_handle(tss_base *base, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
           size_t len, mpc_outbox *out)
{
    tss_dkg *s = (tss_dkg *)base;
    static const uint8_t types[4] = {0, TSS_DKG_R1, TSS_DKG_R2, TSS_DKG_R3};
    uint32_t cur = s->b.round;
    tss_rd r;
    mpc_status st = tss_base_accept3(&s->b, types, from, round, is_broadcast, data, len, &r);
    if (st != MPC_OK) {
        return st;
    }
    switch (cur) {
    case 1:
        return dkg_handle_r1(s, from, &r, data, len, out);
    case 2:
        return dkg_handle_r2(s, from, &r, out);
    default:
        return dkg_handle_r3(s, from, &r);
    }
}

static mpc_status
dkg_result(tss_base *base, uint8_t **out, size_t *out_len)
{
    tss_dkg *s = (tss_dkg *)base;
    /* tss_proto_result checked the arguments and that the run is done */
    return tss_keyshare_encode(s->ks, 0, out, out_len);
}

/* Round 1: u16 t | t points | R | mu; round 2: share | n digests; round 3: hash (t <= n). */
static size_t
dkg_msg_len(size_t pt, uint32_t n, uint32_t round, int is_broadcast)
{
    const size_t sc = TSS_SCALAR_BYTES;
    switch (round) {
    case 1:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + 2 + (size_t)n * pt + pt + sc + TSS_DIGEST_BYTES
                            : 0;
    case 2:
        return is_broadcast ? 0 : TSS_MSG_HEADER_BYTES + sc + (size_t)n * TSS_DIGEST_BYTES;
    case 3:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + TSS_KEYSHARE_CHAIN_BYTES + TSS_DIGEST_BYTES
                            : 0;
    }
    return 0;
}

static size_t
dkg_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return dkg_msg_len(32, n, round, is_broadcast);
}

static size_t
dkg_tr_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return dkg_msg_len(33, n, round, is_broadcast);
}

mpc_status
tss_dkg_tr_create(tss_base **out, const tss_params *p)
{
    const tss_suite suite = {.g = tss_group_secp256k1(),
                             .pok_challenge = tss_frost_tr_pok_challenge}; /* copied */
    return tss_dkg_create_suite(out, p, &suite);
}

const tss_protocol tss_proto_frost_dkg = {.name = "frost-dkg",
                                          .create = tss_dkg_create,
                                          .start = dkg_start,
                                          .handle = dkg_handle,
                                          .result = dkg_result,
                                          .destroy = dkg_destroy,
                                          .max_msg_len = dkg_max_msg_len};

/* The same rounds on secp256k1 (Taproot keys): 33-byte points, the BIP340 suite's PoK hash. */
const tss_protocol tss_proto_frost_tr_dkg = {.name = "frost-tr-dkg",
                                             .create = tss_dkg_tr_create,
                                             .start = dkg_start,
                                             .handle = dkg_handle,
                                             .result = dkg_result,
                                             .destroy = dkg_destroy,
                                             .max_msg_len = dkg_tr_max_msg_len};

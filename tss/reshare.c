/*
 * reshare.c — committee/threshold change keeping the group key (see reshare.h).
 *
 * DESIGN: the dealer's polynomial (constant term lambda_i * s_i) and the
 * running sum of received shares live in secure memory; the polynomial is
 * destroyed once round 2 is sent. Every party computes the new verifying
 * shares from the round-1 commitments alone, so parties leaving the
 * committee still confirm the same transcript.
 */
#include "tss/reshare.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/keyshare.h"
#include "tss/vss.h"

#define RS_NONE UINT32_MAX

typedef struct tss_reshare tss_reshare;

struct tss_reshare {
    tss_base b;           /* first member (the table casts): rounds, parties, failure */
    const tss_group *g;   /* curve (suite.g) */
    tss_suite suite;      /* curve and hash hooks */
    tss_keyshare *old;    /* old key (secret only if self is a dealer) */
    uint32_t new_t;       /* new threshold */
    uint32_t n_new;       /* new committee size */
    char **new_nodes;     /* new committee node ids (owned) */
    uint32_t *old_member; /* party -> old member index, RS_NONE if not a dealer */
    uint32_t *new_member; /* party -> new member index, RS_NONE if not receiving */
    uint32_t *new_party;  /* new member index -> party index */
    uint8_t *is_dealer;   /* party -> 1 if dealer */
    uint64_t *dealer_ids; /* old identifiers of the dealers, in party order */
    uint32_t n_dealers;   /* number of dealers */
    tss_poly *poly;       /* own dealing polynomial (dealers, until round 2 is sent) */
    tss_point *commits;   /* n * new_t commitments, party-major (dealers only) */
    uint8_t *r1_digest;   /* n echo digests of round 1 (zeros for non-dealers) */
    tss_scalar *share;    /* running sum of received shares (secure, receivers) */
    tss_keyshare *ks;     /* new record under construction */
    uint8_t transcript[TSS_DIGEST_BYTES]; /* own transcript hash */
};

mpc_status
tss_reshare_input_encode(uint8_t **out, size_t *out_len, uint32_t new_threshold,
                         const char *const *new_nodes, uint32_t n_new, const uint8_t *keyshare,
                         size_t keyshare_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || new_nodes == NULL || keyshare == NULL ||
        keyshare_len > UINT32_MAX || n_new == 0 || n_new > TSS_MAX_THRESHOLD) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t len = 1 + 4 + 4 + 4 + keyshare_len;
    for (uint32_t j = 0; j < n_new; j++) {
        if (new_nodes[j] == NULL || strlen(new_nodes[j]) > TSS_NODE_ID_MAX) {
            return MPC_ERR_INVALID_ARG;
        }
        len += 2 + strlen(new_nodes[j]);
    }
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_wr_u8(&w, TSS_RESHARE_INPUT_VERSION);
    tss_wr_u32(&w, new_threshold);
    tss_wr_u32(&w, n_new);
    for (uint32_t j = 0; j < n_new; j++) {
        tss_wr_u16(&w, (uint16_t)strlen(new_nodes[j]));
        tss_wr_bytes(&w, (const uint8_t *)new_nodes[j], strlen(new_nodes[j]));
    }
    tss_wr_u32(&w, (uint32_t)keyshare_len);
    tss_wr_bytes(&w, keyshare, keyshare_len);
    *out = buf;
    *out_len = len;
    return MPC_OK;
}

/* Parses the new committee and the old key record. */
static mpc_status
rs_parse_input(tss_reshare *s, const tss_params *p)
{
    tss_rd r;
    tss_rd_init(&r, p->input, p->input_len);
    uint8_t ver = tss_rd_u8(&r);
    s->new_t = tss_rd_u32(&r);
    s->n_new = tss_rd_u32(&r);
    if (!r.ok || ver != TSS_RESHARE_INPUT_VERSION || s->n_new == 0 ||
        s->n_new > TSS_MAX_THRESHOLD) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if (s->new_t == 0 || s->new_t > s->n_new) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    if ((s->new_nodes = calloc(s->n_new, sizeof *s->new_nodes)) == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (uint32_t j = 0; j < s->n_new; j++) {
        uint16_t len = tss_rd_u16(&r);
        const uint8_t *name = tss_rd_bytes(&r, len);
        if (name == NULL) {
            return MPC_ERR_MSG_MALFORMED;
        }
        if (len == 0 || memchr(name, 0, len) != NULL) {
            return MPC_ERR_BAD_IDENTIFIER;
        }
        if ((s->new_nodes[j] = strndup((const char *)name, len)) == NULL) {
            return MPC_ERR_NOMEM;
        }
        for (uint32_t k = 0; k < j; k++) {
            if (strcmp(s->new_nodes[k], s->new_nodes[j]) == 0) {
                return MPC_ERR_BAD_IDENTIFIER;
            }
        }
    }
    uint32_t ks_len = tss_rd_u32(&r);
    const uint8_t *ks = tss_rd_bytes(&r, ks_len);
    if (ks == NULL || !tss_rd_done(&r)) {
        return MPC_ERR_MSG_MALFORMED;
    }
    mpc_status st = tss_keyshare_decode(&s->old, ks, ks_len);
    if (st == MPC_OK && s->old->g != s->g) {
        st = MPC_ERR_UNSUPPORTED;
    }
    return st;
}

/* Maps parties to old/new roles and checks the role rules. */
static mpc_status
rs_assign_roles(tss_reshare *s)
{
    uint32_t n = s->b.n;
    s->old_member = malloc(n * sizeof *s->old_member);
    s->new_member = malloc(n * sizeof *s->new_member);
    s->is_dealer = calloc(n, 1);
    s->dealer_ids = calloc(n, sizeof *s->dealer_ids);
    s->new_party = malloc(s->n_new * sizeof *s->new_party);
    if (!s->old_member || !s->new_member || !s->is_dealer || !s->dealer_ids || !s->new_party) {
        return MPC_ERR_NOMEM;
    }
    for (uint32_t j = 0; j < s->n_new; j++) {
        s->new_party[j] = RS_NONE;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t om = tss_keyshare_find_node(s->old, s->b.node_ids[k]);
        s->old_member[k] = om < s->old->n ? om : RS_NONE;
        s->new_member[k] = RS_NONE;
        for (uint32_t j = 0; j < s->n_new; j++) {
            if (strcmp(s->new_nodes[j], s->b.node_ids[k]) == 0) {
                s->new_member[k] = j;
                s->new_party[j] = k;
            }
        }
        if (s->old_member[k] == RS_NONE && s->new_member[k] == RS_NONE) {
            return MPC_ERR_UNKNOWN_PARTICIPANT;
        }
        if (s->old_member[k] != RS_NONE) {
            s->is_dealer[k] = 1;
            s->dealer_ids[s->n_dealers++] = s->old->members[om].id;
        }
    }
    for (uint32_t j = 0; j < s->n_new; j++) {
        if (s->new_party[j] == RS_NONE) {
            return MPC_ERR_UNKNOWN_PARTICIPANT;
        }
    }
    if (s->n_dealers < s->old->threshold) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    uint32_t self = s->b.self;
    if (s->is_dealer[self] && (s->old->secret == NULL || s->old->self != s->old_member[self])) {
        return MPC_ERR_INVALID_ARG; /* a dealer needs its own old share */
    }
    return MPC_OK;
}

mpc_status
tss_reshare_create(tss_base **out, const tss_params *p)
{
    return tss_reshare_create_suite(out, p, NULL);
}

mpc_status
tss_reshare_create_suite(tss_base **out, const tss_params *p, const tss_suite *suite)
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
    tss_reshare *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (suite != NULL && suite->g != NULL) {
        s->suite = *suite;
    } else {
        s->suite = (tss_suite){.g = tss_group_ed25519()};
    }
    s->g = s->suite.g;
    mpc_status st = tss_base_init(&s->b, &tss_proto_frost_reshare, p);
    if (st == MPC_OK) {
        st = rs_parse_input(s, p);
    }
    if (st == MPC_OK) {
        st = rs_assign_roles(s);
    }
    if (st == MPC_OK) {
        s->commits = calloc((size_t)s->b.n * s->new_t, sizeof *s->commits);
        s->r1_digest = calloc(s->b.n, TSS_DIGEST_BYTES);
        s->share = mpc_secure_alloc(sizeof *s->share);
        if (s->commits == NULL || s->r1_digest == NULL || s->share == NULL) {
            st = MPC_ERR_NOMEM;
        }
    }
    return tss_base_created(&s->b, st, out);
}

static void
rsh_destroy(tss_base *base)
{
    tss_reshare *s = (tss_reshare *)base;
    for (uint32_t j = 0; s->new_nodes != NULL && j < s->n_new; j++) {
        free(s->new_nodes[j]);
    }
    free(s->new_nodes);
    tss_keyshare_destroy(s->old);
    free(s->old_member);
    free(s->new_member);
    free(s->new_party);
    free(s->is_dealer);
    free(s->dealer_ids);
    tss_poly_destroy(s->poly);
    free(s->commits);
    free(s->r1_digest);
    mpc_secure_free(s->share);
    tss_keyshare_destroy(s->ks);
    tss_base_free(&s->b);
    free(s);
}

/* Lagrange coefficient of the dealer at party index k over the dealer set. */
static mpc_status
rs_lambda(const tss_reshare *s, uint32_t k, tss_scalar *out)
{
    size_t pos = 0;
    for (uint32_t i = 0; i < k; i++) {
        pos += s->is_dealer[i];
    }
    return tss_lagrange_at_zero(s->g, out, s->dealer_ids, s->n_dealers, pos);
}

/* Builds the new record and sends the transcript (round 3). */
static mpc_status
rs_after_r2(tss_reshare *s, mpc_outbox *out)
{
    const tss_group *g = s->g;
    uint32_t self = s->b.self, t = s->new_t;
    int receiver = s->new_member[self] != RS_NONE;
    tss_point *sum = calloc(t, sizeof *sum);
    const tss_point **vecs = calloc(s->n_dealers, sizeof *vecs);
    mpc_status st =
        (sum && vecs) ? tss_keyshare_create(&s->ks, g, t, s->n_new, receiver) : MPC_ERR_NOMEM;
    for (uint32_t k = 0, d = 0; st == MPC_OK && k < s->b.n; k++) {
        if (s->is_dealer[k]) {
            vecs[d++] = &s->commits[(size_t)k * t];
        }
    }
    if (st == MPC_OK) {
        st = tss_vss_commit_sum(g, sum, vecs, s->n_dealers, t);
    }
    for (uint32_t j = 0; st == MPC_OK && j < s->n_new; j++) {
        s->ks->members[j].id = j + 1;
        st = tss_keyshare_set_node(s->ks, j, s->new_nodes[j]);
        if (st == MPC_OK) {
            st = tss_vss_commit_eval(g, &s->ks->members[j].vshare, sum, t, (uint64_t)j + 1);
        }
    }
    free(sum);
    free(vecs);
    if (st == MPC_OK) {
        s->ks->group_key = s->old->group_key;
        s->ks->has_chain = s->old->has_chain;
        memcpy(s->ks->chain, s->old->chain, TSS_KEYSHARE_CHAIN_BYTES);
        if (receiver) {
            tss_point y;
            s->ks->self = s->new_member[self];
            *s->ks->secret = *s->share;
            if (g->point_mul_base(&y, s->ks->secret) != MPC_OK ||
                !g->point_eq(&y, &s->ks->members[s->ks->self].vshare)) {
                st = MPC_ERR_BAD_SHARE;
            }
        }
    }
    if (st == MPC_OK && s->suite.confirm != NULL) {
        st = s->suite.confirm(s->suite.user, s->transcript, s->commits, (size_t)s->b.n * t, NULL,
                              s->ks);
    } else if (st == MPC_OK) {
        st = tss_transcript_hash(s->transcript, "mpc-frost-reshare-v1", s->b.sid, s->commits,
                                 (size_t)s->b.n * t, s->ks);
    }
    uint8_t buf[2 + TSS_DIGEST_BYTES];
    tss_wr w;
    tss_wr_init(&w, buf, sizeof buf);
    tss_msg_header(&w, TSS_RESHARE_R3);
    tss_wr_bytes(&w, s->transcript, sizeof s->transcript);
    if (st == MPC_OK) {
        st = tss_msg_send(out, 3, MPC_OUTBOX_ALL, &w);
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st == MPC_ERR_IDENTITY_POINT ? MPC_ERR_BAD_COMMITMENT : st,
                             TSS_NO_CULPRIT);
    }
    tss_base_expect(&s->b, 3, NULL);
    return MPC_OK;
}

/* Dealer: one share per new member (own share kept), with the echo of round 1. */
static mpc_status
rs_send_shares(tss_reshare *s, mpc_outbox *out)
{
    const tss_group *g = s->g;
    size_t cap = 2 + TSS_SCALAR_BYTES + (size_t)s->b.n * TSS_DIGEST_BYTES;
    uint8_t *buf = mpc_secure_alloc(cap), enc[TSS_SCALAR_BYTES];
    tss_scalar f;
    mpc_status st = buf != NULL ? MPC_OK : MPC_ERR_NOMEM;
    for (uint32_t j = 0; st == MPC_OK && j < s->n_new; j++) {
        uint32_t to = s->new_party[j];
        st = tss_poly_eval(s->poly, &f, (uint64_t)j + 1);
        if (st != MPC_OK) {
            break;
        }
        if (to == s->b.self) {
            g->scalar_add(s->share, s->share, &f);
            continue;
        }
        tss_wr w;
        tss_wr_init(&w, buf, cap);
        tss_msg_header(&w, TSS_RESHARE_R2);
        g->scalar_encode(enc, &f);
        tss_wr_bytes(&w, enc, sizeof enc);
        tss_wr_bytes(&w, s->r1_digest, (size_t)s->b.n * TSS_DIGEST_BYTES);
        st = tss_msg_send(out, 2, to, &w);
    }
    mpc_wipe(enc, sizeof enc);
    mpc_wipe(&f, sizeof f);
    mpc_secure_free(buf);
    tss_poly_destroy(s->poly);
    s->poly = NULL;
    return st;
}

/* Every commitment in: group key check, round 2. */
static mpc_status
rs_after_r1(tss_reshare *s, mpc_outbox *out)
{
    const tss_group *g = s->g;
    tss_point acc;
    int first = 1;
    mpc_status st = MPC_OK;
    for (uint32_t k = 0; st == MPC_OK && k < s->b.n; k++) {
        if (!s->is_dealer[k]) {
            continue;
        }
        const tss_point *c0 = &s->commits[(size_t)k * s->new_t];
        st = first ? (acc = *c0, MPC_OK) : g->point_add(&acc, &acc, c0);
        first = 0;
    }
    if (st != MPC_OK || !g->point_eq(&acc, &s->old->group_key)) {
        return tss_base_fail(&s->b, MPC_ERR_BAD_GROUP_KEY, TSS_NO_CULPRIT);
    }
    if (s->is_dealer[s->b.self] && (st = rs_send_shares(s, out)) != MPC_OK) {
        return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
    }
    /* Only new members receive round-2 shares, from every other dealer. */
    tss_base_expect(&s->b, 2, s->is_dealer);
    if (s->new_member[s->b.self] == RS_NONE) {
        memset(s->b.pending, 0, s->b.n);
        s->b.missing = 0;
    }
    return s->b.missing == 0 ? rs_after_r2(s, out) : MPC_OK;
}

/* Round 1 (dealers): fresh polynomial with constant term lambda_i * s_i. */
static mpc_status
rsh_start(tss_base *base, mpc_outbox *out)
{
    tss_reshare *s = (tss_reshare *)base;
    if (s == NULL || out == NULL || s->b.round != 0 || s->b.done || s->poly != NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = s->g;
    uint32_t self = s->b.self;
    if (s->is_dealer[self]) {
        tss_scalar lambda, w;
        tss_point *mine = &s->commits[(size_t)self * s->new_t];
        mpc_status st = rs_lambda(s, self, &lambda);
        if (st == MPC_OK) {
            g->scalar_mul(&w, &lambda, s->old->secret);
            st = tss_poly_create(&s->poly, g, s->new_t, NULL, &w);
        }
        mpc_wipe(&w, sizeof w);
        if (st == MPC_OK) {
            st = tss_poly_commit(s->poly, mine);
        }
        size_t cap = 2 + 2 + (size_t)s->new_t * TSS_POINT_MAX_BYTES + 1 + TSS_KEYSHARE_CHAIN_BYTES;
        uint8_t *buf = malloc(cap);
        tss_wr w1;
        tss_wr_init(&w1, buf, cap);
        tss_msg_header(&w1, TSS_RESHARE_R1);
        tss_commitments_write(g, &w1, mine, s->new_t);
        tss_wr_u8(&w1, s->old->has_chain ? 1 : 0); /* the chain code, kept by the reshare */
        tss_wr_bytes(&w1, s->old->chain, TSS_KEYSHARE_CHAIN_BYTES);
        if (st == MPC_OK && buf == NULL) {
            st = MPC_ERR_NOMEM;
        }
        if (st == MPC_OK) {
            st = tss_msg_send(out, 1, MPC_OUTBOX_ALL, &w1);
            tss_msg_digest(&s->r1_digest[(size_t)self * TSS_DIGEST_BYTES], self, buf, w1.len);
        }
        free(buf);
        if (st != MPC_OK) {
            return tss_base_fail(&s->b, st, TSS_NO_CULPRIT);
        }
    }
    tss_base_expect(&s->b, 1, s->is_dealer);
    return s->b.missing == 0 ? rs_after_r1(s, out) : MPC_OK;
}

static mpc_status
rs_handle_r1(tss_reshare *s, uint32_t from, tss_rd *r, const uint8_t *data, size_t len,
             mpc_outbox *out)
{
    const tss_group *g = s->g;
    tss_point *c = &s->commits[(size_t)from * s->new_t], want;
    tss_scalar lambda;
    mpc_status st = tss_commitments_read(g, r, c, s->new_t);
    const uint8_t *cc = tss_rd_bytes(r, 1 + TSS_KEYSHARE_CHAIN_BYTES);
    if (st == MPC_OK && (cc == NULL || !tss_rd_done(r) || cc[0] > 1)) {
        st = MPC_ERR_MSG_MALFORMED;
    }
    if (st == MPC_OK && (cc[0] != (s->old->has_chain ? 1 : 0) ||
                         memcmp(cc + 1, s->old->chain, TSS_KEYSHARE_CHAIN_BYTES) != 0)) {
        st = MPC_ERR_HD_CHAIN_MISMATCH; /* this dealer's copy differs from ours */
    }
    if (st == MPC_OK) {
        /* The dealt secret must be lambda_i * s_i: check it against Y_i. */
        st = rs_lambda(s, from, &lambda);
        if (st == MPC_OK &&
            (g->point_mul(&want, &lambda, &s->old->members[s->old_member[from]].vshare) != MPC_OK ||
             !g->point_eq(&want, &c[0]))) {
            st = MPC_ERR_BAD_COMMITMENT;
        }
    }
    if (st != MPC_OK) {
        return tss_base_fail(&s->b, st, from);
    }
    tss_msg_digest(&s->r1_digest[(size_t)from * TSS_DIGEST_BYTES], from, data, len);
    return s->b.missing == 0 ? rs_after_r1(s, out) : MPC_OK;
}

static mpc_status
rs_handle_r2(tss_reshare *s, uint32_t from, tss_rd *r, mpc_outbox *out)
{
    mpc_status st = tss_share_receive(&s->b, s->g, r, from, s->r1_digest,
                                      (uint64_t)s->new_member[s->b.self] + 1,
                                      &s->commits[(size_t)from * s->new_t], s->new_t, s->share);
    if (st != MPC_OK) {
        return st;
    }
    return s->b.missing == 0 ? rs_after_r2(s, out) : MPC_OK;
}

static mpc_status
rsh_handle(tss_base *base, uint32_t from, uint32_t round, int is_broadcast, const uint8_t *data,
           size_t len, mpc_outbox *out)
{
    tss_reshare *s = (tss_reshare *)base;
    static const uint8_t types[4] = {0, TSS_RESHARE_R1, TSS_RESHARE_R2, TSS_RESHARE_R3};
    uint32_t cur = s->b.round;
    tss_rd r;
    mpc_status st = tss_base_accept3(&s->b, types, from, round, is_broadcast, data, len, &r);
    if (st != MPC_OK) {
        return st;
    }
    switch (cur) {
    case 1:
        return rs_handle_r1(s, from, &r, data, len, out);
    case 2:
        return rs_handle_r2(s, from, &r, out);
    default:
        return tss_base_confirm(&s->b, from, &r, s->transcript);
    }
}

static mpc_status
rsh_result(tss_base *base, uint8_t **out, size_t *out_len)
{
    tss_reshare *s = (tss_reshare *)base;
    /* tss_proto_result checked the arguments and that the run is done */
    return tss_keyshare_encode(s->ks, 0, out, out_len);
}

/* Round 1: u16 t' | t' points (t' <= n); round 2: share | n digests; round 3: hash. */
static size_t
reshare_msg_len(size_t pt, uint32_t n, uint32_t round, int is_broadcast)
{
    switch (round) {
    case 1:
        return is_broadcast
                   ? TSS_MSG_HEADER_BYTES + 2 + (size_t)n * pt + 1 + TSS_KEYSHARE_CHAIN_BYTES
                   : 0;
    case 2:
        return is_broadcast
                   ? 0
                   : TSS_MSG_HEADER_BYTES + TSS_SCALAR_BYTES + (size_t)n * TSS_DIGEST_BYTES;
    case 3:
        return is_broadcast ? TSS_MSG_HEADER_BYTES + TSS_DIGEST_BYTES : 0;
    }
    return 0;
}

static size_t
reshare_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return reshare_msg_len(32, n, round, is_broadcast);
}

static size_t
reshare_tr_max_msg_len(uint32_t n, uint32_t round, int is_broadcast)
{
    return reshare_msg_len(33, n, round, is_broadcast);
}

mpc_status
tss_reshare_tr_create(tss_base **out, const tss_params *p)
{
    const tss_suite suite = {.g = tss_group_secp256k1()}; /* copied by the state */
    return tss_reshare_create_suite(out, p, &suite);
}

const tss_protocol tss_proto_frost_reshare = {.name = "frost-reshare",
                                              .create = tss_reshare_create,
                                              .start = rsh_start,
                                              .handle = rsh_handle,
                                              .result = rsh_result,
                                              .destroy = rsh_destroy,
                                              .max_msg_len = reshare_max_msg_len};

/* The same rounds on secp256k1 records (Taproot keys): 33-byte points. */
const tss_protocol tss_proto_frost_tr_reshare = {.name = "frost-tr-reshare",
                                                 .create = tss_reshare_tr_create,
                                                 .start = rsh_start,
                                                 .handle = rsh_handle,
                                                 .result = rsh_result,
                                                 .destroy = rsh_destroy,
                                                 .max_msg_len = reshare_tr_max_msg_len};

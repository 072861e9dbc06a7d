/*
 * tss_fixture.c — DKG / sign / reshare runs over tss_sim for tests and benches.
 */
#include "tests/support/tss_fixture.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/dkg.h"
#include "tss/frost_sign.h"
#include "tss/keyshare.h"
#include "tss/proto.h"
#include "tss/reshare.h"

static const char *const fx_names[TSS_FX_MAX_NODES] = {
    "node-0", "node-1", "node-2",  "node-3",  "node-4",  "node-5",  "node-6",  "node-7",
    "node-8", "node-9", "node-10", "node-11", "node-12", "node-13", "node-14", "node-15"};

static const uint8_t fx_sid[TSS_SID_LEN] = {'t', 'e', 's', 't', '-', 's', 'i', 'd'};

const char *
tss_fx_node(uint32_t k)
{
    return k < TSS_FX_MAX_NODES ? fx_names[k] : "node-?";
}

void
tss_fx_key_free(tss_fx_key *key)
{
    for (uint32_t k = 0; k < TSS_FX_MAX_NODES; k++) {
        mpc_secure_free(key->rec[k]);
    }
    memset(key, 0, sizeof *key);
}

/* Fills params for parties nodes[0..n) (ids array must outlive the run). */
static void
fx_params(tss_params *p, const char **ids, const uint32_t *nodes, uint32_t n, uint32_t t)
{
    for (uint32_t i = 0; i < n; i++) {
        ids[i] = tss_fx_node(nodes[i]);
    }
    for (uint32_t i = 0; i < n; i++) {
        p[i] = (tss_params){
            .sid = fx_sid, .self = i, .n_parties = n, .party_ids = ids, .threshold = t};
    }
}

/* Moves the results of a finished keygen/reshare into key (indexed by node). */
static mpc_status
fx_take_records(tss_fx_key *key, const uint32_t *nodes, uint32_t n, tss_sim_result *res)
{
    memset(key, 0, sizeof *key);
    for (uint32_t i = 0; i < n; i++) {
        tss_keyshare *ks = NULL;
        mpc_status st =
            tss_keyshare_decode(&ks, res->parties[i].result, res->parties[i].result_len);
        if (st != MPC_OK) {
            return st;
        }
        ks->g->point_encode(key->group_key, &ks->group_key);
        int has = ks->secret != NULL;
        tss_keyshare_destroy(ks);
        if (has) {
            key->rec[nodes[i]] = res->parties[i].result;
            key->len[nodes[i]] = res->parties[i].result_len;
            res->parties[i].result = NULL;
        }
    }
    return MPC_OK;
}

mpc_status
tss_fx_dkg(tss_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t t, uint64_t seed,
           tss_sim_tamper_fn tamper, void *user, tss_sim_result *res)
{
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    memset(key, 0, sizeof *key);
    fx_params(p, ids, nodes, n, t);
    mpc_status st = tss_sim_run(&tss_proto_frost_dkg, p, n, seed, tamper, user, res);
    return st == MPC_OK ? fx_take_records(key, nodes, n, res) : st;
}

mpc_status
tss_fx_tr_dkg(tss_fx_key *key, const uint32_t *nodes, uint32_t n, uint32_t t, uint64_t seed,
              tss_sim_tamper_fn tamper, void *user, tss_sim_result *res)
{
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    memset(key, 0, sizeof *key);
    fx_params(p, ids, nodes, n, t);
    mpc_status st = tss_sim_run(&tss_proto_frost_tr_dkg, p, n, seed, tamper, user, res);
    st = st == MPC_OK ? fx_take_records(key, nodes, n, res) : st;
    key->tr = 1;
    return st;
}

mpc_status
tss_fx_tr_sign(const tss_fx_key *key, const uint32_t *signers, uint32_t n, const uint8_t *msg,
               size_t msg_len, int tweak_mode, const uint8_t root[32], uint64_t seed,
               tss_sim_tamper_fn tamper, void *user, tss_sim_result *res, uint8_t out[128])
{
    return tss_fx_tr_sign_hd(key, signers, n, msg, msg_len, tweak_mode, root, NULL, seed, tamper,
                             user, res, out);
}

mpc_status
tss_fx_tr_sign_hd(const tss_fx_key *key, const uint32_t *signers, uint32_t n, const uint8_t *msg,
                  size_t msg_len, int tweak_mode, const uint8_t root[32], const uint8_t *hd_tweak,
                  uint64_t seed, tss_sim_tamper_fn tamper, void *user, tss_sim_result *res,
                  uint8_t out[128])
{
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    tss_frost_tweak tw = {.mode = (tss_frost_tweak_mode)tweak_mode};
    mpc_status st = MPC_OK;
    memset(out, 0, TSS_TR_SIGN_RESULT_BYTES);
    if (root != NULL) {
        memcpy(tw.root, root, sizeof tw.root);
    }
    fx_params(p, ids, signers, n, 0);
    for (uint32_t i = 0; i < n && st == MPC_OK; i++) {
        st = tss_tr_sign_input_encode_hd(&in[i], &p[i].input_len, key->rec[signers[i]],
                                         key->len[signers[i]], msg, msg_len, &tw, hd_tweak);
        p[i].input = in[i];
    }
    if (st == MPC_OK) {
        st = tss_sim_run(&tss_proto_frost_tr_sign, p, n, seed, tamper, user, res);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_secure_free(in[i]);
    }
    if (st != MPC_OK) {
        return st;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (res->parties[i].result_len != TSS_TR_SIGN_RESULT_BYTES ||
            memcmp(res->parties[i].result, res->parties[0].result, TSS_TR_SIGN_RESULT_BYTES) != 0) {
            return MPC_ERR_VERIFY_FAILED;
        }
    }
    memcpy(out, res->parties[0].result, TSS_TR_SIGN_RESULT_BYTES);
    return MPC_OK;
}

mpc_status
tss_fx_sign(const tss_fx_key *key, const uint32_t *signers, uint32_t n, const uint8_t *msg,
            size_t msg_len, uint64_t seed, tss_sim_tamper_fn tamper, void *user,
            tss_sim_result *res, uint8_t sig[64])
{
    return tss_fx_sign_hd(key, signers, n, msg, msg_len, NULL, seed, tamper, user, res, sig);
}

mpc_status
tss_fx_sign_hd(const tss_fx_key *key, const uint32_t *signers, uint32_t n, const uint8_t *msg,
               size_t msg_len, const uint8_t *const *tweaks, uint64_t seed,
               tss_sim_tamper_fn tamper, void *user, tss_sim_result *res, uint8_t sig[64])
{
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    mpc_status st = MPC_OK;
    memset(sig, 0, 64);
    fx_params(p, ids, signers, n, 0);
    for (uint32_t i = 0; i < n && st == MPC_OK; i++) {
        st = tss_sign_input_encode_hd(&in[i], &p[i].input_len, key->rec[signers[i]],
                                      key->len[signers[i]], msg, msg_len,
                                      tweaks != NULL ? tweaks[i] : NULL);
        p[i].input = in[i];
    }
    if (st == MPC_OK) {
        st = tss_sim_run(&tss_proto_frost_sign, p, n, seed, tamper, user, res);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_secure_free(in[i]);
    }
    if (st != MPC_OK) {
        return st;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (res->parties[i].result_len != 64 ||
            memcmp(res->parties[i].result, res->parties[0].result, 64) != 0) {
            return MPC_ERR_VERIFY_FAILED;
        }
    }
    memcpy(sig, res->parties[0].result, 64);
    return MPC_OK;
}

/* Builds the reshare input of one party: its old record, or public info from any record. */
static mpc_status
fx_reshare_input(const tss_fx_key *old, uint32_t node, const uint32_t *new_nodes, uint32_t n_new,
                 uint32_t new_t, uint8_t **in, size_t *in_len)
{
    const char *names[TSS_FX_MAX_NODES];
    for (uint32_t j = 0; j < n_new; j++) {
        names[j] = tss_fx_node(new_nodes[j]);
    }
    if (old->rec[node] != NULL) {
        return tss_reshare_input_encode(in, in_len, new_t, names, n_new, old->rec[node],
                                        old->len[node]);
    }
    uint32_t any = 0;
    while (any < TSS_FX_MAX_NODES && old->rec[any] == NULL) {
        any++;
    }
    tss_keyshare *ks = NULL;
    uint8_t *pub = NULL;
    size_t pub_len = 0;
    mpc_status st = any < TSS_FX_MAX_NODES ? tss_keyshare_decode(&ks, old->rec[any], old->len[any])
                                           : MPC_ERR_INVALID_ARG;
    if (st == MPC_OK) {
        st = tss_keyshare_encode(ks, 1, &pub, &pub_len);
    }
    if (st == MPC_OK) {
        st = tss_reshare_input_encode(in, in_len, new_t, names, n_new, pub, pub_len);
    }
    mpc_secure_free(pub);
    tss_keyshare_destroy(ks);
    return st;
}

mpc_status
tss_fx_reshare(const tss_fx_key *old, const uint32_t *old_parties, uint32_t n_old,
               const uint32_t *new_nodes, uint32_t n_new, uint32_t new_t, uint64_t seed,
               tss_sim_tamper_fn tamper, void *user, tss_sim_result *res, tss_fx_key *next)
{
    uint32_t nodes[TSS_FX_MAX_NODES] = {0}, n = 0;
    tss_params p[TSS_FX_MAX_NODES];
    const char *ids[TSS_FX_MAX_NODES];
    uint8_t *in[TSS_FX_MAX_NODES] = {0};
    mpc_status st = MPC_OK;
    memset(next, 0, sizeof *next);
    for (uint32_t i = 0; i < n_old; i++) {
        nodes[n++] = old_parties[i];
    }
    for (uint32_t j = 0; j < n_new; j++) {
        int seen = 0;
        for (uint32_t i = 0; i < n_old; i++) {
            seen |= old_parties[i] == new_nodes[j];
        }
        if (!seen) {
            nodes[n++] = new_nodes[j];
        }
    }
    fx_params(p, ids, nodes, n, new_t);
    for (uint32_t i = 0; i < n && st == MPC_OK; i++) {
        st = fx_reshare_input(old, nodes[i], new_nodes, n_new, new_t, &in[i], &p[i].input_len);
        p[i].input = in[i];
    }
    if (st == MPC_OK) {
        st = tss_sim_run(old->tr ? &tss_proto_frost_tr_reshare : &tss_proto_frost_reshare, p, n,
                         seed, tamper, user, res);
    }
    for (uint32_t i = 0; i < n; i++) {
        mpc_secure_free(in[i]);
    }
    st = st == MPC_OK ? fx_take_records(next, nodes, n, res) : st;
    next->tr = old->tr;
    return st;
}

int
tss_fx_verify(const uint8_t sig[64], const uint8_t *msg, size_t msg_len, const uint8_t pk[32])
{
    return crypto_sign_verify_detached(sig, msg, msg_len, pk) == 0;
}

/* Encoding of the Ed25519 base point (a valid prime-order point) and of the order L. */
static const uint8_t fx_base_point[32] = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
static const uint8_t fx_order[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
static const uint8_t fx_order8[32] = {
    0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
    0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};

static int
fx_resize(uint8_t **data, size_t *len, size_t new_len)
{
    uint8_t *p = realloc(*data, new_len ? new_len : 1);
    if (p == NULL) {
        return 0;
    }
    *data = p;
    *len = new_len;
    return 1;
}

int
tss_fx_tamper_apply(void *user, uint32_t from, uint32_t to, uint32_t round, int is_broadcast,
                    uint8_t **data, size_t *len)
{
    tss_fx_tamper *t = user;
    (void)is_broadcast;
    if (t != NULL && t->echo_off != 0 && t->hits > 0 && from == t->from && round == t->round + 1 &&
        t->echo_off + 32 * ((size_t)from + 1) <= *len) {
        memcpy(*data + t->echo_off + 32 * (size_t)from, t->digest, 32);
        return 0;
    }
    if (t == NULL || from != t->from || round != t->round || (t->to != UINT32_MAX && to != t->to)) {
        return 0;
    }
    uint8_t *d = *data;
    size_t need = (t->kind == TSS_FX_BUMP || t->kind == TSS_FX_FLIP) ? 1 : 32;
    if (t->kind <= TSS_FX_SMALL_ORDER || t->kind == TSS_FX_FLIP) {
        if (t->off + need > *len) {
            return 0;
        }
    }
    uint16_t count = *len >= 4 ? (uint16_t)((d[2] << 8) | d[3]) : 0;
    switch (t->kind) {
    case TSS_FX_POINT:
        memcpy(d + t->off, fx_base_point, 32);
        break;
    case TSS_FX_BUMP:
        d[t->off] ^= 1;
        break;
    case TSS_FX_NONCANON:
        memcpy(d + t->off, fx_order, 32);
        break;
    case TSS_FX_SMALL_ORDER:
        memcpy(d + t->off, fx_order8, 32);
        break;
    case TSS_FX_EXTEND:
        if (!fx_resize(data, len, *len + 32)) {
            return 0;
        }
        d = *data;
        memmove(d + 4 + 32 * (size_t)(count + 1), d + 4 + 32 * (size_t)count,
                *len - 32 - 4 - 32 * (size_t)count);
        memcpy(d + 4 + 32 * (size_t)count, fx_base_point, 32);
        count++;
        d[2] = (uint8_t)(count >> 8);
        d[3] = (uint8_t)count;
        break;
    case TSS_FX_SHRINK:
        memmove(d + 4 + 32 * (size_t)(count - 1), d + 4 + 32 * (size_t)count,
                *len - 4 - 32 * (size_t)count);
        count--;
        d[2] = (uint8_t)(count >> 8);
        d[3] = (uint8_t)count;
        *len -= 32;
        break;
    case TSS_FX_TRUNCATE:
        *len -= 1;
        break;
    case TSS_FX_FLIP:
        d[t->off] ^= 0x80;
        break;
    }
    t->hits++;
    tss_msg_digest(t->digest, from, *data, *len);
    return 0;
}

int
tss_fx_failed_with(const tss_sim_result *res, mpc_status want, uint32_t culprit)
{
    int seen = 0, ok = 1;
    for (uint32_t i = 0; i < res->n; i++) {
        const tss_sim_party *p = &res->parties[i];
        if (p->status == MPC_OK || i == culprit) {
            continue;
        }
        seen = 1;
        if (p->status != want || p->culprit != culprit) {
            ok = 0;
        }
    }
    if (!seen || !ok) {
        for (uint32_t i = 0; i < res->n; i++) {
            printf("  party %u: %s culprit %d done %d (want %s culprit %d)\n", i,
                   mpc_status_name(res->parties[i].status), (int)res->parties[i].culprit,
                   res->parties[i].done, mpc_status_name(want), (int)culprit);
        }
    }
    return seen && ok;
}

int
tss_fx_never_framed(const tss_sim_result *res, mpc_status want, uint32_t liar)
{
    int seen = 0, ok = 1;
    for (uint32_t i = 0; i < res->n; i++) {
        const tss_sim_party *p = &res->parties[i];
        if (p->status == MPC_OK || i == liar) {
            continue;
        }
        seen |= p->status == want;
        int disputed =
            p->culprit == TSS_NO_CULPRIT && (p->dispute[0] == liar || p->dispute[1] == liar);
        if (p->culprit != liar && !disputed) {
            ok = 0;
        }
    }
    if (!seen || !ok) {
        for (uint32_t i = 0; i < res->n; i++) {
            const tss_sim_party *p = &res->parties[i];
            printf("  party %u: %s culprit %d dispute %d/%d (liar %u)\n", i,
                   mpc_status_name(p->status), (int)p->culprit, (int)p->dispute[0],
                   (int)p->dispute[1], liar);
        }
    }
    return seen && ok;
}

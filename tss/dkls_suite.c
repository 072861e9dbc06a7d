/*
 * dkls_suite.c — DKLs23 context hashes, PoK challenge and confirmation hash
 * for the shared DKG and reshare (see dkls_suite.h; spec §1.4 table).
 */
#include "tss/dkls_suite.h"

#include <string.h>

#include "common/secmem.h"
#include "tss/keyshare.h"
#include "tss/vss.h"

static void
put_u16(uint8_t b[2], uint32_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void
put_u32(uint8_t b[4], uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* Adds IDLIST(ids) as one part. */
static void
part_idlist(struct tss_dkls_hasher *h, const uint32_t *ids, uint32_t n)
{
    uint8_t id[TSS_SECP_SCALAR_BYTES];
    tss_dkls_hasher_part_begin(h, (size_t)n * sizeof id);
    for (uint32_t i = 0; i < n; i++) {
        tss_dkls_id_encode(id, ids != NULL ? ids[i] : i + 1);
        tss_dkls_hasher_update(h, id, sizeof id);
    }
}

void
tss_dkls_keygen_ctx(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t sid[TSS_SID_LEN],
                    const uint8_t *wallet, size_t wallet_len, uint32_t t, uint32_t n)
{
    struct tss_dkls_hasher h;
    uint8_t v[4], tb[2];
    put_u32(v, 1);
    put_u16(tb, t);
    tss_dkls_hasher_init(&h, TSS_DKLS_H32, "keygen/ctx", 6);
    tss_dkls_hasher_part(&h, sid, TSS_SID_LEN);
    tss_dkls_hasher_part(&h, "secp256k1", 9);
    tss_dkls_hasher_part(&h, wallet, wallet_len);
    tss_dkls_hasher_part(&h, v, sizeof v);
    tss_dkls_hasher_part(&h, tb, sizeof tb);
    part_idlist(&h, NULL, n);
    tss_dkls_hasher_final32(&h, out);
}

void
tss_dkls_reshare_ctx(uint8_t out[TSS_DKLS_HASH_BYTES], const uint8_t sid[TSS_SID_LEN],
                     const uint8_t *wallet, size_t wallet_len, uint32_t old_version,
                     const uint8_t y_pub[33], const uint32_t *q_ids, uint32_t n_q,
                     const uint32_t *new_ids, uint32_t n_new, uint32_t new_t)
{
    struct tss_dkls_hasher h;
    uint8_t v0[4], v1[4], tb[2];
    put_u32(v0, old_version);
    put_u32(v1, old_version + 1);
    put_u16(tb, new_t);
    tss_dkls_hasher_init(&h, TSS_DKLS_H32, "reshare/ctx", 9);
    tss_dkls_hasher_part(&h, sid, TSS_SID_LEN);
    tss_dkls_hasher_part(&h, "secp256k1", 9);
    tss_dkls_hasher_part(&h, wallet, wallet_len);
    tss_dkls_hasher_part(&h, v0, sizeof v0);
    tss_dkls_hasher_part(&h, v1, sizeof v1);
    tss_dkls_hasher_part(&h, y_pub, 33);
    part_idlist(&h, q_ids, n_q);
    part_idlist(&h, new_ids, n_new);
    tss_dkls_hasher_part(&h, tb, sizeof tb);
    tss_dkls_hasher_final32(&h, out);
}

/* c = H2S(dkg/pok, ctx, ID(i), PT(C0), PT(R)). */
static mpc_status
suite_pok_challenge(const void *user, tss_scalar *c, uint64_t id, const tss_point *C0,
                    const tss_point *R)
{
    const struct tss_dkls_suite_user *u = user;
    const tss_group *g = tss_group_secp256k1();
    uint8_t idb[TSS_SECP_SCALAR_BYTES], c0[33], r[33];
    struct tss_dkls_hasher h;
    struct tss_secp_num v;
    if (u == NULL || id == 0 || id > UINT32_MAX) {
        return MPC_ERR_CRYPTO;
    }
    tss_dkls_id_encode(idb, (uint32_t)id);
    g->point_encode(c0, C0);
    g->point_encode(r, R);
    tss_dkls_hasher_init(&h, TSS_DKLS_H2S, "dkg/pok", 4);
    tss_dkls_hasher_part(&h, u->ctx, sizeof u->ctx);
    tss_dkls_hasher_part(&h, idb, sizeof idb);
    tss_dkls_hasher_part(&h, c0, sizeof c0);
    tss_dkls_hasher_part(&h, r, sizeof r);
    tss_dkls_hasher_final_scalar(&h, &v);
    tss_secp_scalar_encode(c->v, &v);
    return MPC_OK;
}

/* Returns the dealer id of party k (0 if k dealt nothing). */
static uint32_t
suite_dealer(const struct tss_dkls_suite_user *u, uint32_t k)
{
    return u->dealer_id != NULL ? u->dealer_id[k] : k + 1;
}

/*
 * echo = H32(dkg/echo, ctx, one part: per dealer ascending ID(j) || u16(t) ||
 * PT(C_j0..C_j,t-1) [|| PT(R_j) || SC(mu_j) when proofs]).
 */
static void
suite_echo(const struct tss_dkls_suite_user *u, uint8_t out[TSS_DKLS_HASH_BYTES],
           const tss_point *commits, const uint8_t *proofs)
{
    const tss_group *g = tss_group_secp256k1();
    uint32_t order[TSS_MAX_THRESHOLD];
    uint32_t m = 0;
    for (uint32_t k = 0; k < u->n; k++) { /* dealers by ascending id */
        uint32_t id = suite_dealer(u, k);
        if (id == 0) {
            continue;
        }
        uint32_t pos = m++;
        while (pos > 0 && suite_dealer(u, order[pos - 1]) > id) {
            order[pos] = order[pos - 1];
            pos--;
        }
        order[pos] = k;
    }
    size_t per = 32 + 2 + (size_t)u->t * 33 + (proofs != NULL ? 65 : 0);
    struct tss_dkls_hasher h;
    tss_dkls_hasher_init(&h, TSS_DKLS_H32, "dkg/echo", 2);
    tss_dkls_hasher_part(&h, u->ctx, sizeof u->ctx);
    tss_dkls_hasher_part_begin(&h, per * m);
    for (uint32_t i = 0; i < m; i++) {
        uint32_t k = order[i];
        uint8_t idb[TSS_SECP_SCALAR_BYTES], tb[2], pt[33];
        tss_dkls_id_encode(idb, suite_dealer(u, k));
        put_u16(tb, u->t);
        tss_dkls_hasher_update(&h, idb, sizeof idb);
        tss_dkls_hasher_update(&h, tb, sizeof tb);
        for (uint32_t c = 0; c < u->t; c++) {
            g->point_encode(pt, &commits[(size_t)k * u->t + c]);
            tss_dkls_hasher_update(&h, pt, sizeof pt);
        }
        if (proofs != NULL) {
            tss_dkls_hasher_update(&h, proofs + (size_t)k * 65, 65);
        }
    }
    tss_dkls_hasher_final32(&h, out);
}

/* conf = H32(dkg/confirm, ctx, echo, PT(Y), one part: per member ID(l) || PT(X_l)). */
static mpc_status
suite_confirm(const void *user, uint8_t out[TSS_DIGEST_BYTES], const tss_point *commits,
              size_t n_commits, const uint8_t *proofs, const tss_keyshare *ks)
{
    const struct tss_dkls_suite_user *u = user;
    const tss_group *g = tss_group_secp256k1();
    if (u == NULL || ks == NULL || ks->g != g || n_commits != (size_t)u->n * u->t) {
        return MPC_ERR_CRYPTO;
    }
    uint8_t echo[TSS_DKLS_HASH_BYTES], y[33], idb[TSS_SECP_SCALAR_BYTES], pt[33];
    suite_echo(u, echo, commits, proofs);
    g->point_encode(y, &ks->group_key);
    struct tss_dkls_hasher h;
    tss_dkls_hasher_init(&h, TSS_DKLS_H32, "dkg/confirm", 4);
    tss_dkls_hasher_part(&h, u->ctx, sizeof u->ctx);
    tss_dkls_hasher_part(&h, echo, sizeof echo);
    tss_dkls_hasher_part(&h, y, sizeof y);
    tss_dkls_hasher_part_begin(&h, (size_t)ks->n * (sizeof idb + sizeof pt));
    for (uint32_t l = 0; l < ks->n; l++) { /* members are stored in ascending id order */
        tss_dkls_id_encode(idb, ks->members[l].id);
        g->point_encode(pt, &ks->members[l].vshare);
        tss_dkls_hasher_update(&h, idb, sizeof idb);
        tss_dkls_hasher_update(&h, pt, sizeof pt);
    }
    tss_dkls_hasher_final32(&h, out);
    return MPC_OK;
}

tss_suite
tss_dkls_suite(const struct tss_dkls_suite_user *u)
{
    return (tss_suite){.g = tss_group_secp256k1(),
                       .pok_challenge = suite_pok_challenge,
                       .confirm = suite_confirm,
                       .user = u};
}

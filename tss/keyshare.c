/*
 * keyshare.c — key-share record: allocation, encoding, validating decoding.
 */
#include "tss/keyshare.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/vss.h"
#include "tss/wire.h"

mpc_status
tss_keyshare_create(tss_keyshare **out, const tss_group *g, uint32_t threshold, uint32_t n,
                    int with_secret)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || g == NULL || n == 0 || n > TSS_MAX_THRESHOLD) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_keyshare *ks = calloc(1, sizeof *ks);
    if (ks == NULL) {
        return MPC_ERR_NOMEM;
    }
    ks->g = g;
    ks->threshold = threshold;
    ks->n = n;
    ks->self = TSS_NO_SELF;
    ks->members = calloc(n, sizeof *ks->members);
    if (ks->members == NULL ||
        (with_secret && (ks->secret = mpc_secure_alloc(sizeof *ks->secret)) == NULL)) {
        tss_keyshare_destroy(ks);
        return MPC_ERR_NOMEM;
    }
    *out = ks;
    return MPC_OK;
}

void
tss_keyshare_destroy(tss_keyshare *ks)
{
    if (ks == NULL) {
        return;
    }
    for (uint32_t i = 0; ks->members != NULL && i < ks->n; i++) {
        free(ks->members[i].node_id);
    }
    free(ks->members);
    mpc_secure_free(ks->secret);
    free(ks);
}

mpc_status
tss_keyshare_set_node(tss_keyshare *ks, uint32_t i, const char *node_id)
{
    if (ks == NULL || i >= ks->n || node_id == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t len = strlen(node_id);
    if (len == 0 || len > TSS_NODE_ID_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    char *copy = strdup(node_id);
    if (copy == NULL) {
        return MPC_ERR_NOMEM;
    }
    free(ks->members[i].node_id);
    ks->members[i].node_id = copy;
    return MPC_OK;
}

uint32_t
tss_keyshare_find_node(const tss_keyshare *ks, const char *node_id)
{
    for (uint32_t i = 0; i < ks->n; i++) {
        if (ks->members[i].node_id != NULL && strcmp(ks->members[i].node_id, node_id) == 0) {
            return i;
        }
    }
    return ks->n;
}

static void
keyshare_write(const tss_keyshare *ks, int with_secret, tss_wr *w)
{
    const tss_group *g = ks->g;
    uint8_t b[TSS_POINT_MAX_BYTES];
    tss_wr_u8(w, ks->has_chain ? TSS_KEYSHARE_VERSION_CHAIN : TSS_KEYSHARE_VERSION);
    tss_wr_u8(w, (uint8_t)g->id);
    tss_wr_u32(w, ks->threshold);
    tss_wr_u32(w, ks->n);
    tss_wr_u8(w, with_secret ? 1 : 0);
    tss_wr_u32(w, with_secret ? ks->self : TSS_NO_SELF);
    g->point_encode(b, &ks->group_key);
    tss_wr_bytes(w, b, g->point_len);
    for (uint32_t i = 0; i < ks->n; i++) {
        size_t len = strlen(ks->members[i].node_id);
        tss_wr_u32(w, ks->members[i].id);
        tss_wr_u16(w, (uint16_t)len);
        tss_wr_bytes(w, (const uint8_t *)ks->members[i].node_id, len);
        g->point_encode(b, &ks->members[i].vshare);
        tss_wr_bytes(w, b, g->point_len);
    }
    if (with_secret) {
        uint8_t s[TSS_SCALAR_BYTES];
        g->scalar_encode(s, ks->secret);
        tss_wr_bytes(w, s, sizeof s);
        mpc_wipe(s, sizeof s);
    }
    if (ks->has_chain) {
        tss_wr_bytes(w, ks->chain, TSS_KEYSHARE_CHAIN_BYTES);
    }
}

mpc_status
tss_keyshare_encode(const tss_keyshare *ks, int public_only, uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (ks == NULL || out == NULL || out_len == NULL || ks->members == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    for (uint32_t i = 0; i < ks->n; i++) {
        if (ks->members[i].node_id == NULL) {
            return MPC_ERR_INVALID_ARG;
        }
    }
    int with_secret = !public_only && ks->secret != NULL && ks->self < ks->n;
    tss_wr w;
    tss_wr_init(&w, NULL, 0);
    keyshare_write(ks, with_secret, &w);
    uint8_t *buf = mpc_secure_alloc(w.len);
    if (buf == NULL) {
        return MPC_ERR_NOMEM;
    }
    tss_wr_init(&w, buf, w.len);
    keyshare_write(ks, with_secret, &w);
    if (!w.ok) {
        mpc_secure_free(buf);
        return MPC_ERR_INTERNAL;
    }
    *out = buf;
    *out_len = w.len;
    return MPC_OK;
}

/* Members: identifiers, node ids, verifying shares. */
static mpc_status
keyshare_read_members(tss_keyshare *ks, tss_rd *r)
{
    const tss_group *g = ks->g;
    for (uint32_t i = 0; i < ks->n; i++) {
        tss_member *m = &ks->members[i];
        m->id = tss_rd_u32(r);
        uint16_t len = tss_rd_u16(r);
        const uint8_t *name = tss_rd_bytes(r, len);
        const uint8_t *pt = tss_rd_bytes(r, g->point_len);
        if (!r->ok) {
            return MPC_ERR_MSG_MALFORMED;
        }
        if (len == 0 || len > TSS_NODE_ID_MAX || memchr(name, 0, len) != NULL || m->id == 0) {
            return MPC_ERR_BAD_IDENTIFIER;
        }
        if ((m->node_id = strndup((const char *)name, len)) == NULL) {
            return MPC_ERR_NOMEM;
        }
        mpc_status st = g->point_decode(&m->vshare, pt);
        if (st != MPC_OK) {
            return st;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (ks->members[j].id == m->id || strcmp(ks->members[j].node_id, m->node_id) == 0) {
                return MPC_ERR_BAD_IDENTIFIER;
            }
        }
    }
    return MPC_OK;
}

static mpc_status
keyshare_read(tss_keyshare **out, tss_rd *r)
{
    uint8_t version = tss_rd_u8(r), curve = tss_rd_u8(r);
    uint32_t t = tss_rd_u32(r), n = tss_rd_u32(r);
    uint8_t has_secret = tss_rd_u8(r);
    uint32_t self = tss_rd_u32(r);
    if (!r->ok || (version != TSS_KEYSHARE_VERSION && version != TSS_KEYSHARE_VERSION_CHAIN) ||
        has_secret > 1) {
        return MPC_ERR_MSG_MALFORMED;
    }
    const tss_group *g = tss_group_by_id(curve);
    if (g == NULL) {
        return MPC_ERR_UNSUPPORTED;
    }
    if (n == 0 || n > TSS_MAX_THRESHOLD || t == 0 || t > n) {
        return MPC_ERR_BAD_THRESHOLD;
    }
    if (has_secret ? self >= n : self != TSS_NO_SELF) {
        return MPC_ERR_MSG_MALFORMED;
    }
    mpc_status st = tss_keyshare_create(out, g, t, n, has_secret);
    if (st != MPC_OK) {
        return st;
    }
    tss_keyshare *ks = *out;
    ks->self = self;
    const uint8_t *gk = tss_rd_bytes(r, g->point_len);
    if (gk == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    if ((st = g->point_decode(&ks->group_key, gk)) != MPC_OK ||
        (st = keyshare_read_members(ks, r)) != MPC_OK) {
        return st;
    }
    if (has_secret) {
        const uint8_t *s = tss_rd_bytes(r, TSS_SCALAR_BYTES);
        tss_point y;
        if (s == NULL) {
            return MPC_ERR_MSG_MALFORMED;
        }
        if ((st = g->scalar_decode(ks->secret, s)) != MPC_OK) {
            return st;
        }
        TSS_CLASSIFY(ks->secret, sizeof *ks->secret); /* the loaded share */
        if (g->point_mul_base(&y, ks->secret) != MPC_OK ||
            !g->point_eq(&y, &ks->members[self].vshare)) {
            return MPC_ERR_BAD_SHARE;
        }
    }
    if (version == TSS_KEYSHARE_VERSION_CHAIN) {
        const uint8_t *c = tss_rd_bytes(r, TSS_KEYSHARE_CHAIN_BYTES);
        if (c == NULL) {
            return MPC_ERR_MSG_MALFORMED;
        }
        memcpy(ks->chain, c, TSS_KEYSHARE_CHAIN_BYTES);
        ks->has_chain = 1;
    }
    return tss_rd_done(r) ? MPC_OK : MPC_ERR_MSG_MALFORMED;
}

mpc_status
tss_keyshare_decode(tss_keyshare **out, const uint8_t *in, size_t len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || (in == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_rd r;
    tss_keyshare *ks = NULL;
    tss_rd_init(&r, in, len);
    mpc_status st = keyshare_read(&ks, &r);
    if (st != MPC_OK) {
        tss_keyshare_destroy(ks);
        return st;
    }
    *out = ks;
    return MPC_OK;
}

mpc_status
tss_keyshare_tweak(tss_keyshare *ks, const uint8_t tweak[TSS_SCALAR_BYTES])
{
    if (ks == NULL || ks->g == NULL || tweak == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    const tss_group *g = ks->g;
    tss_scalar t;
    tss_point tg;
    if (g->scalar_decode(&t, tweak) != MPC_OK) {
        return MPC_ERR_BAD_SCALAR;
    }
    if (g->scalar_is_zero(&t)) {
        return MPC_OK;
    }
    if (g->point_mul_base(&tg, &t) != MPC_OK) {
        return MPC_ERR_BAD_SCALAR;
    }
    mpc_status st = MPC_OK;
    for (uint32_t j = 0; j < ks->n && st == MPC_OK; j++) {
        if (g->point_add(&ks->members[j].vshare, &ks->members[j].vshare, &tg) != MPC_OK) {
            st = MPC_ERR_HD_INVALID_CHILD;
        }
    }
    if (st == MPC_OK && g->point_add(&ks->group_key, &ks->group_key, &tg) != MPC_OK) {
        st = MPC_ERR_HD_INVALID_CHILD;
    }
    if (st == MPC_OK && ks->secret != NULL) {
        g->scalar_add(ks->secret, ks->secret, &t);
    }
    return st;
}

/*
 * dkls_keyrec.c — DKLs23 key record: create, strict encode/decode, quarantine
 * (see dkls_keyrec.h for the format).
 */
#include "tss/dkls_keyrec.h"

#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "tss/ctime.h"
#include "tss/dkls_hash.h"
#include "tss/vss.h"
#include "tss/wire.h"

mpc_status
tss_dkls_keyrec_create(tss_dkls_keyrec **out, tss_keyshare **ks, uint32_t key_version,
                       const uint8_t *wallet_id, size_t wallet_len,
                       const uint8_t ctx[TSS_DKLS_HASH_BYTES], uint32_t n_peers)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || ks == NULL || *ks == NULL || wallet_id == NULL || wallet_len == 0 ||
        wallet_len > TSS_DKLS_WALLET_MAX || ctx == NULL || key_version == 0 ||
        (*ks)->g->id != TSS_CURVE_SECP256K1 ||
        (n_peers != 0 && ((*ks)->secret == NULL || n_peers != (*ks)->n - 1))) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_keyrec *rec = mpc_secure_alloc(sizeof *rec);
    if (rec == NULL) {
        return MPC_ERR_NOMEM;
    }
    memset(rec, 0, sizeof *rec);
    if (n_peers > 0) {
        rec->peers = mpc_secure_alloc(n_peers * sizeof *rec->peers);
        if (rec->peers == NULL) {
            mpc_secure_free(rec);
            return MPC_ERR_NOMEM;
        }
        memset(rec->peers, 0, n_peers * sizeof *rec->peers);
    }
    rec->n_peers = n_peers;
    for (uint32_t k = 0; k < n_peers; k++) {
        uint32_t self = (*ks)->self;
        rec->peers[k].member = k < self ? k : k + 1; /* every member but self, ascending */
    }
    rec->format = TSS_DKLS_KEYREC_FORMAT;
    rec->key_version = key_version;
    memcpy(rec->wallet_id, wallet_id, wallet_len);
    rec->wallet_len = wallet_len;
    memcpy(rec->ctx, ctx, TSS_DKLS_HASH_BYTES);
    rec->ks = *ks;
    *ks = NULL;
    *out = rec;
    return MPC_OK;
}

void
tss_dkls_keyrec_destroy(tss_dkls_keyrec *rec)
{
    if (rec == NULL) {
        return;
    }
    tss_keyshare_destroy(rec->ks);
    if (rec->peers != NULL) {
        mpc_wipe(rec->peers, rec->n_peers * sizeof *rec->peers);
        mpc_secure_free(rec->peers);
    }
    mpc_wipe(rec, sizeof *rec);
    mpc_secure_free(rec);
}

struct tss_dkls_peer_rec *
tss_dkls_keyrec_peer(const tss_dkls_keyrec *rec, uint32_t member)
{
    for (uint32_t k = 0; rec != NULL && k < rec->n_peers; k++) {
        if (rec->peers[k].member == member) {
            return &rec->peers[k];
        }
    }
    return NULL;
}

static void
keyrec_write_peer(tss_wr *w, const struct tss_dkls_peer_rec *p, uint8_t format)
{
    const struct tss_dkls_pair_result *r = &p->pair;
    tss_wr_u32(w, p->member);
    tss_wr_u8(w, p->status);
    tss_wr_bytes(w, r->setup_id_out, sizeof r->setup_id_out);
    tss_wr_bytes(w, r->setup_id_in, sizeof r->setup_id_in);
    tss_wr_bytes(w, r->alice.delta, sizeof r->alice.delta);
    tss_wr_bytes(w, &r->alice.keys[0][0], sizeof r->alice.keys);
    tss_wr_bytes(w, &r->bob.keys0[0][0], sizeof r->bob.keys0);
    tss_wr_bytes(w, &r->bob.keys1[0][0], sizeof r->bob.keys1);
    tss_wr_bytes(w, r->tr_out, sizeof r->tr_out);
    tss_wr_bytes(w, r->tr_in, sizeof r->tr_in);
    if (format != TSS_DKLS_KEYREC_FORMAT_V1) {
        tss_wr_bytes(w, r->zero_seed, sizeof r->zero_seed);
    }
}

/* Bytes of one peer entry in the given format. */
static size_t
keyrec_peer_bytes(uint8_t format)
{
    return format == TSS_DKLS_KEYREC_FORMAT_V1 ? TSS_DKLS_KEYREC_PEER_BYTES_V1
                                               : TSS_DKLS_KEYREC_PEER_BYTES;
}

static mpc_status
keyrec_encode(const tss_dkls_keyrec *rec, int public_only, uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (rec == NULL || out == NULL || out_len == NULL || rec->ks == NULL ||
        (rec->format != TSS_DKLS_KEYREC_FORMAT && rec->format != TSS_DKLS_KEYREC_FORMAT_V1)) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t *ks_enc = NULL;
    size_t ks_len = 0;
    mpc_status st = tss_keyshare_encode(rec->ks, public_only, &ks_enc, &ks_len);
    if (st != MPC_OK) {
        return st;
    }
    uint32_t n_peers = public_only ? 0 : rec->n_peers;
    size_t len = 1 + 4 + 2 + rec->wallet_len + TSS_DKLS_HASH_BYTES + 4 + ks_len + 4 +
                 (size_t)n_peers * keyrec_peer_bytes(rec->format);
    uint8_t *buf = mpc_secure_alloc(len);
    if (buf == NULL) {
        mpc_secure_free(ks_enc);
        return MPC_ERR_NOMEM;
    }
    tss_wr w;
    tss_wr_init(&w, buf, len);
    tss_wr_u8(&w, rec->format);
    tss_wr_u32(&w, rec->key_version);
    tss_wr_u16(&w, (uint16_t)rec->wallet_len);
    tss_wr_bytes(&w, rec->wallet_id, rec->wallet_len);
    tss_wr_bytes(&w, rec->ctx, TSS_DKLS_HASH_BYTES);
    tss_wr_u32(&w, (uint32_t)ks_len);
    tss_wr_bytes(&w, ks_enc, ks_len);
    tss_wr_u32(&w, n_peers);
    for (uint32_t k = 0; k < n_peers; k++) {
        keyrec_write_peer(&w, &rec->peers[k], rec->format);
    }
    mpc_secure_free(ks_enc);
    if (!w.ok || w.len != len) {
        mpc_secure_free(buf);
        return MPC_ERR_INTERNAL;
    }
    *out = buf;
    *out_len = len;
    return MPC_OK;
}

mpc_status
tss_dkls_keyrec_encode(const tss_dkls_keyrec *rec, uint8_t **out, size_t *out_len)
{
    return keyrec_encode(rec, 0, out, out_len);
}

mpc_status
tss_dkls_keyrec_encode_public(const tss_dkls_keyrec *rec, uint8_t **out, size_t *out_len)
{
    return keyrec_encode(rec, 1, out, out_len);
}

/* Reads one peer entry and checks its place in the list and its setup ids. */
static mpc_status
keyrec_read_peer(tss_dkls_keyrec *rec, tss_rd *r, uint32_t k)
{
    struct tss_dkls_peer_rec *p = &rec->peers[k];
    struct tss_dkls_pair_result *res = &p->pair;
    const tss_keyshare *ks = rec->ks;
    p->member = tss_rd_u32(r);
    p->status = tss_rd_u8(r);
    const uint8_t *b = tss_rd_bytes(r, keyrec_peer_bytes(rec->format) - 5);
    if (b == NULL) {
        return MPC_ERR_MSG_MALFORMED;
    }
    /* Peers: every member but self, ascending. */
    uint32_t want = k < ks->self ? k : k + 1;
    if (p->member != want || p->status > TSS_DKLS_PEER_QUARANTINED) {
        return MPC_ERR_MSG_MALFORMED;
    }
    memcpy(res->setup_id_out, b, 32);
    memcpy(res->setup_id_in, b + 32, 32);
    b += 64;
    memcpy(res->alice.delta, b, sizeof res->alice.delta);
    b += sizeof res->alice.delta;
    memcpy(res->alice.keys, b, sizeof res->alice.keys);
    b += sizeof res->alice.keys;
    memcpy(res->bob.keys0, b, sizeof res->bob.keys0);
    b += sizeof res->bob.keys0;
    memcpy(res->bob.keys1, b, sizeof res->bob.keys1);
    b += sizeof res->bob.keys1;
    TSS_CLASSIFY(res->alice.delta, sizeof res->alice.delta); /* loaded OT secrets */
    TSS_CLASSIFY(res->alice.keys, sizeof res->alice.keys);
    TSS_CLASSIFY(res->bob.keys0, sizeof res->bob.keys0);
    TSS_CLASSIFY(res->bob.keys1, sizeof res->bob.keys1);
    memcpy(res->tr_out, b, 32);
    memcpy(res->tr_in, b + 32, 32);
    if (rec->format != TSS_DKLS_KEYREC_FORMAT_V1) {
        memcpy(res->zero_seed, b + 64, sizeof res->zero_seed);
        TSS_CLASSIFY(res->zero_seed, sizeof res->zero_seed); /* loaded F_Zero seed */
    }
    uint8_t id_self[32], id_peer[32], sid[32];
    tss_dkls_id_encode(id_self, ks->members[ks->self].id);
    tss_dkls_id_encode(id_peer, ks->members[p->member].id);
    tss_dkls_setup_id(sid, rec->ctx, id_self, id_peer);
    if (memcmp(sid, res->setup_id_out, 32) != 0) {
        return MPC_ERR_TRANSCRIPT;
    }
    tss_dkls_setup_id(sid, rec->ctx, id_peer, id_self);
    return memcmp(sid, res->setup_id_in, 32) == 0 ? MPC_OK : MPC_ERR_TRANSCRIPT;
}

static mpc_status
keyrec_read(tss_dkls_keyrec **out, tss_rd *r)
{
    uint8_t format = tss_rd_u8(r);
    uint32_t version = tss_rd_u32(r);
    uint16_t wlen = tss_rd_u16(r);
    const uint8_t *wallet = tss_rd_bytes(r, wlen);
    const uint8_t *ctx = tss_rd_bytes(r, TSS_DKLS_HASH_BYTES);
    uint32_t ks_len = tss_rd_u32(r);
    const uint8_t *ks_enc = tss_rd_bytes(r, ks_len);
    uint32_t n_peers = tss_rd_u32(r);
    if (!r->ok || (format != TSS_DKLS_KEYREC_FORMAT && format != TSS_DKLS_KEYREC_FORMAT_V1) ||
        version == 0 || wlen == 0 || wlen > TSS_DKLS_WALLET_MAX) {
        return MPC_ERR_MSG_MALFORMED;
    }
    tss_keyshare *ks = NULL;
    mpc_status st = tss_keyshare_decode(&ks, ks_enc, ks_len);
    if (st != MPC_OK) {
        return st;
    }
    if (ks->g->id != TSS_CURVE_SECP256K1) {
        st = MPC_ERR_UNSUPPORTED;
    } else if (ks->threshold < 2) {
        st = MPC_ERR_BAD_THRESHOLD;
    } else if (n_peers != (ks->secret != NULL ? ks->n - 1 : 0)) {
        st = MPC_ERR_MSG_MALFORMED;
    }
    if (st == MPC_OK) {
        st = tss_dkls_keyrec_create(out, &ks, version, wallet, wlen, ctx, n_peers);
    }
    if (st == MPC_OK) {
        (*out)->format = format; /* a legacy record stays legacy when re-encoded */
    }
    tss_keyshare_destroy(ks);
    for (uint32_t k = 0; st == MPC_OK && k < n_peers; k++) {
        st = keyrec_read_peer(*out, r, k);
    }
    if (st == MPC_OK && !tss_rd_done(r)) {
        st = MPC_ERR_MSG_MALFORMED;
    }
    return st;
}

mpc_status
tss_dkls_keyrec_decode(tss_dkls_keyrec **out, const uint8_t *in, size_t len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || (in == NULL && len > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_keyrec *rec = NULL;
    tss_rd r;
    tss_rd_init(&r, in, len);
    mpc_status st = keyrec_read(&rec, &r);
    if (st != MPC_OK) {
        tss_dkls_keyrec_destroy(rec);
        return st;
    }
    *out = rec;
    return MPC_OK;
}

mpc_status
tss_dkls_keyrec_quarantine(const uint8_t *in, size_t len, const char *node_id, uint8_t **out,
                           size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (in == NULL || node_id == NULL || out == NULL || out_len == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    tss_dkls_keyrec *rec = NULL;
    mpc_status st = tss_dkls_keyrec_decode(&rec, in, len);
    if (st != MPC_OK) {
        return st;
    }
    struct tss_dkls_peer_rec *p =
        tss_dkls_keyrec_peer(rec, tss_keyshare_find_node(rec->ks, node_id));
    if (p == NULL) {
        st = MPC_ERR_UNKNOWN_PARTICIPANT;
    } else {
        p->status = TSS_DKLS_PEER_QUARANTINED;
        st = tss_dkls_keyrec_encode(rec, out, out_len);
    }
    tss_dkls_keyrec_destroy(rec);
    return st;
}

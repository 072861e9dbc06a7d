/*
 * results.c — Result encoding and the request-log entry (node/client/results.h).
 */
#include "node/client/results.h"

#include "node/client/evidence.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/bytes.h"

#define ENTRY_HEADER      4u    /* format, count, flags, reserved */
#define ENTRY_FLAG_DIGEST 0x01u /* flags: the request digest follows the client id */
#define ENTRY_DIGEST      32u   /* its size */

/* ECDSA fields: r, s, recovery id and the 65-byte compact form (in compact, the caller's). */
static void
result_put_ecdsa(Mpc__Result *r, const struct node_client_result_info *in, uint8_t compact[65])
{
    memcpy(compact, in->ecdsa_rs, 64);
    compact[64] = (uint8_t)in->recovery_id;
    r->ecdsa_r.data = compact;
    r->ecdsa_r.len = 32;
    r->ecdsa_s.data = compact + 32;
    r->ecdsa_s.len = 32;
    r->recovery_id = in->recovery_id;
    r->ecdsa_compact.data = compact;
    r->ecdsa_compact.len = 65;
}

/* The optional Taproot (35-37) and HD (29-31) fields, set only when given. */
static void
result_put_taproot_hd(Mpc__Result *r, const struct node_client_result_info *in)
{
    if (in->schnorr_signature != NULL && in->taproot_output_key != NULL &&
        in->taproot_internal_key != NULL) {
        r->schnorr_signature.data = (uint8_t *)in->schnorr_signature;
        r->schnorr_signature.len = 64;
        r->taproot_output_key.data = (uint8_t *)in->taproot_output_key;
        r->taproot_output_key.len = 32;
        r->taproot_internal_key.data = (uint8_t *)in->taproot_internal_key;
        r->taproot_internal_key.len = 32;
    }
    if (in->presig_used != NULL) {
        r->presig_used.data = (uint8_t *)in->presig_used;
        r->presig_used.len = 32;
    }
    if (in->chain_code != NULL) {
        r->chain_code.data = (uint8_t *)in->chain_code;
        r->chain_code.len = 32;
    }
    if (in->derivation_path != NULL && in->derivation_path[0] != '\0') {
        r->derivation_path = (char *)in->derivation_path;
    }
    if (in->child_public_key != NULL && in->child_public_key_len > 0) {
        r->child_public_key.data = (uint8_t *)in->child_public_key;
        r->child_public_key.len = in->child_public_key_len;
    }
}

/*
 * Evidence: the first envelopes that fit NODE_CLIENT_EVIDENCE_MAX (at most 8,
 * into ev), and the whole evidence, kept by the node, bound by its digest
 * (into ev_digest).
 */
static void
result_put_evidence(Mpc__Result *r, const struct node_client_result_info *in,
                    ProtobufCBinaryData ev[8], uint8_t ev_digest[NODE_CLIENT_EVIDENCE_DIGEST])
{
    size_t ev_bytes = 0;
    for (size_t i = 0; in->evidence != NULL && i < in->n_evidence && r->n_evidence < 8; i++) {
        if (ev_bytes + in->evidence_lens[i] <= NODE_CLIENT_EVIDENCE_MAX) {
            ev[r->n_evidence].data = (uint8_t *)in->evidence[i];
            ev[r->n_evidence++].len = in->evidence_lens[i];
            ev_bytes += in->evidence_lens[i];
        }
    }
    r->evidence = r->n_evidence > 0 ? ev : NULL;
    uint8_t *packed = NULL;
    size_t packed_len = 0, n_all = in->n_evidence < 8 ? in->n_evidence : 8;
    if (in->evidence != NULL && n_all > 0 &&
        node_client_evidence_pack(in->evidence, in->evidence_lens, n_all, &packed, &packed_len) ==
            MPC_OK) {
        node_client_evidence_digest(ev_digest, packed, packed_len);
        r->evidence_digest.data = ev_digest;
        r->evidence_digest.len = NODE_CLIENT_EVIDENCE_DIGEST;
        r->evidence_size = packed_len;
    }
    free(packed);
}

/* A batch's signatures and recovery ids (32-33), in bsig and brec (the caller's). */
static void
result_put_batch(Mpc__Result *r, const struct node_client_result_info *in,
                 ProtobufCBinaryData bsig[NODE_CLIENT_RESULT_BATCH_MAX],
                 uint32_t brec[NODE_CLIENT_RESULT_BATCH_MAX])
{
    for (size_t i = 0; in->batch_sigs != NULL && i < in->n_batch; i++) {
        bsig[i].data = (uint8_t *)in->batch_sigs + 64 * i;
        bsig[i].len = 64;
        brec[i] = in->batch_recids != NULL ? in->batch_recids[i] : 0;
    }
    r->n_signatures = in->batch_sigs != NULL ? in->n_batch : 0;
    r->signatures = r->n_signatures > 0 ? bsig : NULL;
    r->n_recovery_ids = in->batch_recids != NULL ? r->n_signatures : 0;
    r->recovery_ids = r->n_recovery_ids > 0 ? brec : NULL;
}

mpc_status
node_client_result_encode(const struct node_client_result_info *in, uint8_t **out, size_t *out_len)
{
    Mpc__Result r = MPC__RESULT__INIT;
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (in == NULL || out == NULL || out_len == NULL || in->request_id == NULL ||
        in->node_id == NULL || (in->n_participants > 0 && in->participants == NULL) ||
        (in->public_key == NULL && in->public_key_len > 0) ||
        (in->signature == NULL && in->signature_len > 0) ||
        (in->ecdsa_rs != NULL && in->recovery_id > 3) ||
        in->n_batch > NODE_CLIENT_RESULT_BATCH_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t compact[65];
    if (in->ecdsa_rs != NULL) {
        result_put_ecdsa(&r, in, compact);
    }
    r.request_id = (char *)in->request_id;
    r.op = (Mpc__Op)in->op;
    r.key_type = (Mpc__KeyType)in->key_type;
    r.wallet_id = (char *)(in->wallet_id != NULL ? in->wallet_id : "");
    r.status_code = (uint32_t)in->status;
    r.status_name = (char *)mpc_status_name(in->status);
    r.error_text = (char *)(in->status == MPC_OK ? ""
                            : in->error_text != NULL && in->error_text[0] != '\0'
                                ? in->error_text
                                : mpc_status_str(in->status));
    r.failed_round = in->failed_round;
    r.failed_peer = (char *)(in->failed_peer != NULL ? in->failed_peer : "");
    r.public_key.data = (uint8_t *)in->public_key;
    r.public_key.len = in->public_key_len;
    r.eddsa_signature.data = (uint8_t *)in->signature;
    r.eddsa_signature.len = in->signature_len;
    result_put_taproot_hd(&r, in);
    r.key_version = in->key_version;
    r.n_participants = in->n_participants;
    r.participants = (char **)in->participants;
    r.threshold = in->threshold;
    r.node_id = (char *)in->node_id;
    r.finished_at_ms = in->finished_at_ms;
    r.duration_ms = in->duration_ms;
    if (in->request_digest != NULL) {
        r.request_digest.data = (uint8_t *)in->request_digest;
        r.request_digest.len = NODE_CLIENT_REQUEST_DIGEST_LEN;
    }
    ProtobufCBinaryData ev[8];
    uint8_t ev_digest[NODE_CLIENT_EVIDENCE_DIGEST];
    result_put_evidence(&r, in, ev, ev_digest);
    r.n_disputed = in->disputed != NULL && in->n_disputed <= 2 ? in->n_disputed : 0;
    r.disputed = r.n_disputed > 0 ? (char **)in->disputed : NULL;
    ProtobufCBinaryData bsig[NODE_CLIENT_RESULT_BATCH_MAX];
    uint32_t brec[NODE_CLIENT_RESULT_BATCH_MAX];
    result_put_batch(&r, in, bsig, brec);
    size_t len = mpc__result__get_packed_size(&r);
    *out = malloc(len + 1);
    if (*out == NULL) {
        return MPC_ERR_NOMEM;
    }
    *out_len = mpc__result__pack(&r, *out);
    return MPC_OK;
}

mpc_status
node_client_results_entry_encode(const char *client_id, const uint8_t *digest,
                                 const uint8_t *const *results, const size_t *lens, size_t count,
                                 uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (out == NULL || out_len == NULL || !node_client_id_is_valid(client_id) || count == 0 ||
        count > NODE_CLIENT_RESULTS_MAX || results == NULL || lens == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    size_t clen = strlen(client_id);
    size_t dlen = digest != NULL ? ENTRY_DIGEST : 0;
    size_t total = ENTRY_HEADER + 1 + clen + dlen;
    for (size_t i = 0; i < count; i++) {
        if (results[i] == NULL && lens[i] > 0) {
            return MPC_ERR_INVALID_ARG;
        }
        if (lens[i] > NODE_CLIENT_RESULTS_ENTRY_MAX) {
            return MPC_ERR_BUFFER_TOO_SMALL;
        }
        total += 4 + lens[i];
    }
    if (total > NODE_CLIENT_RESULTS_ENTRY_MAX) {
        return MPC_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t *b = malloc(total);
    if (b == NULL) {
        return MPC_ERR_NOMEM;
    }
    b[0] = NODE_CLIENT_RESULTS_FORMAT;
    b[1] = (uint8_t)count;
    b[2] = digest != NULL ? ENTRY_FLAG_DIGEST : 0;
    b[3] = 0;
    b[4] = (uint8_t)clen;
    memcpy(b + 5, client_id, clen);
    size_t off = 5 + clen;
    if (digest != NULL) {
        memcpy(b + off, digest, ENTRY_DIGEST);
        off += ENTRY_DIGEST;
    }
    for (size_t i = 0; i < count; i++) {
        mpc_put_u32be(b + off, (uint32_t)lens[i]);
        if (lens[i] > 0) {
            memcpy(b + off + 4, results[i], lens[i]);
        }
        off += 4 + lens[i];
    }
    *out = b;
    *out_len = total;
    return MPC_OK;
}

void
node_client_results_entry_clear(struct node_client_results_entry *e)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < NODE_CLIENT_RESULTS_MAX; i++) {
        free(e->results[i]);
    }
    memset(e, 0, sizeof *e);
}

/* Decodes the results part; Returns MPC_OK or MPC_ERR_CORRUPT / MPC_ERR_NOMEM. */
static mpc_status
entry_decode_results(struct node_client_results_entry *e, const uint8_t *in, size_t len, size_t off,
                     size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (len - off < 4) {
            return MPC_ERR_CORRUPT;
        }
        size_t rl = mpc_get_u32be(in + off);
        off += 4;
        if (rl > len - off) {
            return MPC_ERR_CORRUPT;
        }
        Mpc__Result *r = mpc__result__unpack(NULL, rl, in + off);
        if (r == NULL) {
            return MPC_ERR_CORRUPT;
        }
        mpc__result__free_unpacked(r, NULL);
        e->results[i] = malloc(rl + 1);
        if (e->results[i] == NULL) {
            return MPC_ERR_NOMEM;
        }
        if (rl > 0) {
            memcpy(e->results[i], in + off, rl);
        }
        e->lens[i] = rl;
        e->count = i + 1;
        off += rl;
    }
    return off == len ? MPC_OK : MPC_ERR_CORRUPT;
}

mpc_status
node_client_results_entry_decode(struct node_client_results_entry *e, const uint8_t *in, size_t len)
{
    if (e == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(e, 0, sizeof *e);
    if (in == NULL && len > 0) {
        return MPC_ERR_INVALID_ARG;
    }
    if (len < ENTRY_HEADER + 1 || in[0] != NODE_CLIENT_RESULTS_FORMAT || in[1] == 0 ||
        in[1] > NODE_CLIENT_RESULTS_MAX || (in[2] & ~ENTRY_FLAG_DIGEST) != 0 || in[3] != 0) {
        return MPC_ERR_CORRUPT;
    }
    size_t clen = in[4];
    size_t dlen = (in[2] & ENTRY_FLAG_DIGEST) != 0 ? ENTRY_DIGEST : 0;
    if (clen == 0 || clen > NODE_CLIENT_REQUEST_CLIENT_MAX || len - 5 < clen + dlen ||
        memchr(in + 5, 0, clen) != NULL) { /* a NUL would cut the id short: not canonical */
        return MPC_ERR_CORRUPT;
    }
    memcpy(e->client_id, in + 5, clen);
    e->client_id[clen] = '\0';
    if (!node_client_id_is_valid(e->client_id)) {
        memset(e, 0, sizeof *e);
        return MPC_ERR_CORRUPT;
    }
    if (dlen > 0) {
        memcpy(e->digest, in + 5 + clen, ENTRY_DIGEST);
        e->has_digest = 1;
    }
    mpc_status st = entry_decode_results(e, in, len, 5 + clen + dlen, in[1]);
    if (st != MPC_OK) {
        node_client_results_entry_clear(e);
    }
    return st;
}

/* ---------------------------------------------------------------- signatures */

/* A growing transcript buffer. */
struct tr_buf {
    uint8_t *p; /* bytes (malloc'ed) */
    size_t len; /* used */
    size_t cap; /* allocated */
    int failed; /* 1 = out of memory */
};

static void
tr_put(struct tr_buf *b, const void *data, size_t n)
{
    if (b->failed) {
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 64;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->p + b->len, data, n);
    }
    b->len += n;
}

static void
tr_u32(struct tr_buf *b, uint32_t v)
{
    uint8_t x[4];
    mpc_put_u32be(x, v);
    tr_put(b, x, 4);
}

static void
tr_u64(struct tr_buf *b, uint64_t v)
{
    tr_u32(b, (uint32_t)(v >> 32));
    tr_u32(b, (uint32_t)v);
}

static void
tr_bytes(struct tr_buf *b, const void *data, size_t n)
{
    if (n > UINT32_MAX) {
        b->failed = 1;
        return;
    }
    tr_u32(b, (uint32_t)n);
    tr_put(b, data, n);
}

static void
tr_str(struct tr_buf *b, const char *s)
{
    tr_bytes(b, s, s != NULL ? strlen(s) : 0);
}

static void
tr_bin(struct tr_buf *b, const ProtobufCBinaryData *d)
{
    tr_bytes(b, d->data, d->len);
}

/*
 * The optional blocks of the transcript (after field 26), each present only
 * when one of its fields is: 27-28 (evidence digest), then blocks tagged by
 * their first field number: 29-31 (HD), 32-33 (batch), 35-37 (Taproot),
 * 38 (presignature).
 */
static void
tr_optional_blocks(struct tr_buf *b, const Mpc__Result *r)
{
    if (r->evidence_digest.len > 0 || r->evidence_size > 0) { /* absent in older results */
        tr_bin(b, &r->evidence_digest);                       /* 27 */
        tr_u64(b, r->evidence_size);                          /* 28 */
    }
    if (r->chain_code.len > 0 || (r->derivation_path != NULL && r->derivation_path[0] != '\0') ||
        r->child_public_key.len > 0) {   /* absent in results without HD fields */
        tr_u32(b, 29);                   /* tagged by number, like 32 */
        tr_bin(b, &r->chain_code);       /* 29 */
        tr_str(b, r->derivation_path);   /* 30 */
        tr_bin(b, &r->child_public_key); /* 31 */
    }
    if (r->n_signatures > 0 || r->n_recovery_ids > 0) { /* batch only: tagged by number */
        tr_u32(b, 32);
        tr_u32(b, (uint32_t)r->n_signatures); /* 32 */
        for (size_t i = 0; i < r->n_signatures; i++) {
            tr_bin(b, &r->signatures[i]);
        }
        tr_u32(b, 33);
        tr_u32(b, (uint32_t)r->n_recovery_ids); /* 33 */
        for (size_t i = 0; i < r->n_recovery_ids; i++) {
            tr_u32(b, r->recovery_ids[i]);
        }
    }
    if (r->schnorr_signature.len > 0 || r->taproot_output_key.len > 0 ||
        r->taproot_internal_key.len > 0) {   /* Taproot signs only */
        tr_u32(b, 35);                       /* tagged by number */
        tr_bin(b, &r->schnorr_signature);    /* 35 */
        tr_bin(b, &r->taproot_output_key);   /* 36 */
        tr_bin(b, &r->taproot_internal_key); /* 37 */
    }
    if (r->presig_used.len > 0) { /* signs served with a presignature only */
        tr_u32(b, 38);            /* tagged by number */
        tr_bin(b, &r->presig_used);
    }
}

mpc_status
node_client_result_transcript(const Mpc__Result *r, uint8_t **out, size_t *out_len)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (r == NULL || out == NULL || out_len == NULL ||
        (r->n_participants > 0 && r->participants == NULL) ||
        (r->n_disputed > 0 && r->disputed == NULL) || (r->n_evidence > 0 && r->evidence == NULL) ||
        (r->n_signatures > 0 && r->signatures == NULL) ||
        (r->n_recovery_ids > 0 && r->recovery_ids == NULL)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct tr_buf b = {0};
    tr_str(&b, NODE_CLIENT_RESULT_DOMAIN);
    tr_str(&b, r->request_id);               /* 1 */
    tr_u32(&b, (uint32_t)r->op);             /* 2 */
    tr_u32(&b, (uint32_t)r->key_type);       /* 3 */
    tr_str(&b, r->wallet_id);                /* 4 */
    tr_u32(&b, r->status_code);              /* 5 */
    tr_str(&b, r->status_name);              /* 6 */
    tr_str(&b, r->error_text);               /* 7 */
    tr_u32(&b, r->failed_round);             /* 8 */
    tr_str(&b, r->failed_peer);              /* 9: the culprit */
    tr_bin(&b, &r->public_key);              /* 10 */
    tr_bin(&b, &r->eddsa_signature);         /* 11 */
    tr_bin(&b, &r->ecdsa_r);                 /* 12 */
    tr_bin(&b, &r->ecdsa_s);                 /* 13 */
    tr_u32(&b, r->recovery_id);              /* 14 */
    tr_bin(&b, &r->ecdsa_compact);           /* 15 */
    tr_u32(&b, r->key_version);              /* 16 */
    tr_u32(&b, (uint32_t)r->n_participants); /* 17 */
    for (size_t i = 0; i < r->n_participants; i++) {
        tr_str(&b, r->participants[i]);
    }
    tr_u32(&b, r->threshold);            /* 18 */
    tr_str(&b, r->node_id);              /* 19 */
    tr_u64(&b, r->finished_at_ms);       /* 20 */
    tr_u64(&b, r->duration_ms);          /* 21 */
    tr_bin(&b, &r->request_digest);      /* 22 */
    tr_str(&b, r->signer_node_id);       /* 24 */
    tr_u32(&b, (uint32_t)r->n_disputed); /* 25 */
    for (size_t i = 0; i < r->n_disputed; i++) {
        tr_str(&b, r->disputed[i]);
    }
    tr_u32(&b, (uint32_t)r->n_evidence); /* 26 */
    for (size_t i = 0; i < r->n_evidence; i++) {
        tr_bin(&b, &r->evidence[i]);
    }
    tr_optional_blocks(&b, r);
    if (b.failed) {
        free(b.p);
        return MPC_ERR_NOMEM;
    }
    *out = b.p;
    *out_len = b.len;
    return MPC_OK;
}

mpc_status
node_client_result_sign(const uint8_t *in, size_t len, const char *signer_id,
                        node_client_result_sign_fn sign, void *ctx, uint8_t **out, size_t *out_len)
{
    uint8_t sig[NODE_CLIENT_RESULT_SIG_LEN];
    uint8_t *t = NULL;
    size_t tl = 0;
    if (out != NULL) {
        *out = NULL;
    }
    if (out_len != NULL) {
        *out_len = 0;
    }
    if (in == NULL || sign == NULL || out == NULL || out_len == NULL ||
        !node_client_node_id_is_valid(signer_id)) {
        return MPC_ERR_INVALID_ARG;
    }
    Mpc__Result *r = mpc__result__unpack(NULL, len, in);
    if (r == NULL) {
        return MPC_ERR_PARSE;
    }
    char *old_signer = r->signer_node_id;
    ProtobufCBinaryData old_sig = r->node_signature;
    r->signer_node_id = (char *)signer_id;
    r->node_signature.data = NULL;
    r->node_signature.len = 0;
    mpc_status st = node_client_result_transcript(r, &t, &tl);
    if (st == MPC_OK) {
        st = sign(ctx, sig, t, tl);
    }
    if (st == MPC_OK) {
        r->node_signature.data = sig;
        r->node_signature.len = sizeof sig;
        size_t n = mpc__result__get_packed_size(r);
        *out = malloc(n + 1);
        st = *out == NULL ? MPC_ERR_NOMEM : MPC_OK;
        if (st == MPC_OK) {
            *out_len = mpc__result__pack(r, *out);
        }
    }
    r->signer_node_id = old_signer; /* give the unpacked message its own fields back to free */
    r->node_signature = old_sig;
    mpc__result__free_unpacked(r, NULL);
    free(t);
    return st;
}

mpc_status
node_client_result_verify(const Mpc__Result *r, const uint8_t pk[32])
{
    uint8_t *t = NULL;
    size_t tl = 0;
    if (r == NULL || pk == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    if (r->node_signature.len != NODE_CLIENT_RESULT_SIG_LEN) {
        return MPC_ERR_VERIFY_FAILED;
    }
    mpc_status st = node_client_result_transcript(r, &t, &tl);
    if (st == MPC_OK && crypto_sign_verify_detached(r->node_signature.data, t, tl, pk) != 0) {
        st = MPC_ERR_VERIFY_FAILED;
    }
    free(t);
    return st;
}

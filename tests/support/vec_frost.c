/*
 * vec_frost.c — RFC 9591 vector checker for FROST(Ed25519, SHA-512) and
 * FROST(secp256k1, SHA-256) (the ciphersuite named by the file's config).
 *
 * Everything is recomputed from the inputs (group secret, polynomial
 * coefficients, message, nonce randomness) with tss/frost.h and compared to
 * the file; the final signature is also verified with the suite's verifier
 * (libsodium's crypto_sign_verify_detached for Ed25519; the group equation
 * z*G == R + c*PK for secp256k1).
 */
#include "tests/support/vec_frost.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tss/frost.h"
#include "tss/vss.h"

/* Per-signer values recomputed from the inputs. */
typedef struct {
    uint64_t id;               /* identifier */
    const json_t *r1;          /* round one output object */
    tss_scalar sk;             /* recomputed participant share f(id) */
    tss_frost_nonces nonces;   /* recomputed nonces */
    tss_frost_commitment comm; /* recomputed commitment */
} vec_signer;

/* State of one file check. */
typedef struct {
    const tss_frost_suite *cs; /* ciphersuite named by the file */
    const tss_group *g;        /* its group */
    vec_report *r;             /* report */
    json_t *root;              /* parsed file */
    tss_poly *poly;            /* f with f(0) = group secret */
    tss_point pk;              /* recomputed group key */
    uint8_t *msg;              /* message */
    size_t msg_len;            /* message length */
    vec_signer *s;             /* signers in participant_list order */
    size_t ns;                 /* number of signers */
} vec_sign;

static int
vec_scalar_eq(const json_t *obj, const char *key, const tss_scalar *want)
{
    uint8_t b[32], w[32];
    if (!vec_json_hex(obj, key, b, 32)) {
        return 0;
    }
    memcpy(w, want->v, 32);
    return memcmp(b, w, 32) == 0;
}

static int
vec_point_eq(const tss_group *g, const json_t *obj, const char *key, const tss_point *want)
{
    uint8_t b[TSS_POINT_MAX_BYTES], w[TSS_POINT_MAX_BYTES];
    if (!vec_json_hex(obj, key, b, g->point_len)) {
        return 0;
    }
    g->point_encode(w, want);
    return memcmp(b, w, g->point_len) == 0;
}

/* config, group key, polynomial and participant shares. */
static int
vec_sign_inputs(vec_sign *v)
{
    const tss_group *g = v->g;
    json_t *cfg = json_object_get(v->root, "config");
    json_t *in = json_object_get(v->root, "inputs");
    const char *grp = json_string_value(json_object_get(cfg, "group"));
    const char *hash = json_string_value(json_object_get(cfg, "hash"));
    uint64_t t = 0;
    int ed = grp && hash && !strcmp(grp, "ed25519") && !strcmp(hash, "SHA-512");
    int secp = grp && hash && !strcmp(grp, "secp256k1") && !strcmp(hash, "SHA-256");
    vec_check(v->r, ed || secp,
              "config: ciphersuite FROST(Ed25519, SHA-512) or (secp256k1, SHA-256)");
    v->cs = secp ? &tss_frost_secp256k1 : &tss_frost_ed25519;
    v->g = g = v->cs->group();
    if (!vec_json_uint_at(cfg, "MIN_PARTICIPANTS", &t) || t > TSS_MAX_THRESHOLD) {
        vec_check(v->r, 0, "config: MIN_PARTICIPANTS");
        return 0;
    }
    uint8_t b[32];
    tss_scalar sk;
    json_t *coefs = json_object_get(in, "share_polynomial_coefficients");
    if (!vec_json_hex(in, "group_secret_key", b, 32) || g->scalar_decode(&sk, b) != MPC_OK ||
        !json_is_array(coefs) || json_array_size(coefs) + 1 != t ||
        !vec_json_hex_alloc(in, "message", &v->msg, &v->msg_len)) {
        vec_check(v->r, 0, "inputs: group secret, %u coefficients, message", (unsigned)t - 1);
        return 0;
    }
    tss_scalar *c = calloc(t, sizeof *c);
    int ok = c != NULL;
    if (ok) {
        c[0] = sk;
    }
    for (size_t k = 1; ok && k < t; k++) {
        const char *h = json_string_value(json_array_get(coefs, k - 1));
        ok = h && mpc_hex_decode_exact(b, 32, h) == MPC_OK && g->scalar_decode(&c[k], b) == MPC_OK;
    }
    ok = ok && tss_poly_create(&v->poly, g, (uint32_t)t, c, NULL) == MPC_OK;
    free(c);
    vec_check(v->r, ok, "inputs: polynomial of degree %u", (unsigned)t - 1);
    if (!ok || g->point_mul_base(&v->pk, &sk) != MPC_OK) {
        return 0;
    }
    vec_check(v->r, vec_point_eq(g, in, "group_public_key", &v->pk),
              "inputs: group_public_key == group_secret_key * G");
    json_t *shares = json_object_get(in, "participant_shares"), *it;
    size_t i;
    json_array_foreach(shares, i, it)
    {
        uint64_t id = 0;
        tss_scalar want;
        ok = vec_json_uint_at(it, "identifier", &id) && tss_poly_eval(v->poly, &want, id) == MPC_OK;
        vec_check(v->r, ok && vec_scalar_eq(it, "participant_share", &want),
                  "inputs: participant_share of %llu == f(%llu)", (unsigned long long)id,
                  (unsigned long long)id);
    }
    return 1;
}

/* Finds the object with "identifier" == id in array arr. */
static const json_t *
vec_find_id(const json_t *arr, uint64_t id)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        uint64_t x = 0;
        if (vec_json_uint_at(it, "identifier", &x) && x == id) {
            return it;
        }
    }
    return NULL;
}

/* Round one: nonces from randomness and commitments. */
static int
vec_sign_round_one(vec_sign *v)
{
    const tss_group *g = v->g;
    json_t *plist = json_object_get(json_object_get(v->root, "inputs"), "participant_list");
    json_t *outs = json_object_get(json_object_get(v->root, "round_one_outputs"), "outputs");
    uint64_t num = 0;
    v->ns = json_array_size(plist);
    if (!vec_json_uint_at(json_object_get(v->root, "config"), "NUM_PARTICIPANTS", &num) ||
        num != v->ns || v->ns == 0 || json_array_size(outs) != v->ns) {
        vec_check(v->r, 0, "round one: %zu signers, one output each", v->ns);
        return 0;
    }
    v->s = calloc(v->ns, sizeof *v->s);
    if (v->s == NULL) {
        return 0;
    }
    for (size_t i = 0; i < v->ns; i++) {
        vec_signer *s = &v->s[i];
        uint8_t hr[32], br[32];
        unsigned long long idl;
        if (!vec_json_uint(json_array_get(plist, i), &s->id) ||
            (s->r1 = vec_find_id(outs, s->id)) == NULL ||
            tss_poly_eval(v->poly, &s->sk, s->id) != MPC_OK ||
            !vec_json_hex(s->r1, "hiding_nonce_randomness", hr, 32) ||
            !vec_json_hex(s->r1, "binding_nonce_randomness", br, 32) ||
            tss_frost_commit(v->cs, &s->nonces, &s->comm, s->id, &s->sk, hr, br) != MPC_OK) {
            vec_check(v->r, 0, "round one: signer %zu inputs", i);
            return 0;
        }
        idl = (unsigned long long)s->id;
        vec_check(v->r, vec_scalar_eq(s->r1, "hiding_nonce", &s->nonces.hiding),
                  "round one %llu: hiding_nonce", idl);
        vec_check(v->r, vec_scalar_eq(s->r1, "binding_nonce", &s->nonces.binding),
                  "round one %llu: binding_nonce", idl);
        vec_check(v->r, vec_point_eq(g, s->r1, "hiding_nonce_commitment", &s->comm.hiding),
                  "round one %llu: hiding_nonce_commitment", idl);
        vec_check(v->r, vec_point_eq(g, s->r1, "binding_nonce_commitment", &s->comm.binding),
                  "round one %llu: binding_nonce_commitment", idl);
    }
    return 1;
}

/* Binding factors, signature shares and the final signature. */
static void
vec_sign_rounds(vec_sign *v, tss_frost_ctx *ctx)
{
    const tss_group *g = v->g;
    json_t *outs2 = json_object_get(json_object_get(v->root, "round_two_outputs"), "outputs");
    tss_scalar *z = calloc(v->ns, sizeof *z);
    uint8_t buf[256], given[TSS_FROST_SIG_MAX_BYTES], sig[TSS_FROST_SIG_MAX_BYTES];
    size_t sig_len = v->cs->sig_len;
    vec_check(v->r, json_array_size(outs2) == v->ns && z != NULL,
              "round two: one output per signer");
    for (size_t i = 0; z != NULL && i < v->ns; i++) {
        vec_signer *s = &v->s[i];
        unsigned long long idl = (unsigned long long)s->id;
        size_t pos = tss_frost_ctx_find(ctx, s->id), len = 0;
        uint8_t *bfi = NULL;
        size_t bfi_len = 0;
        int ok = tss_frost_binding_input(v->cs, buf, sizeof buf, &len, &v->pk, ctx->list, ctx->n,
                                         v->msg, v->msg_len, s->id) == MPC_OK &&
                 vec_json_hex_alloc(s->r1, "binding_factor_input", &bfi, &bfi_len) &&
                 bfi_len == len && memcmp(bfi, buf, len) == 0;
        free(bfi);
        vec_check(v->r, ok, "round one %llu: binding_factor_input", idl);
        vec_check(v->r, vec_scalar_eq(s->r1, "binding_factor", &ctx->rho[pos]),
                  "round one %llu: binding_factor", idl);
        const json_t *o = vec_find_id(outs2, s->id);
        tss_scalar zg;
        ok = tss_frost_sign_share(ctx, &z[pos], s->id, &s->nonces, &s->sk) == MPC_OK;
        vec_check(v->r, ok && o && vec_scalar_eq(o, "sig_share", &z[pos]),
                  "round two %llu: sig_share", idl);
        tss_point y;
        ok = o && vec_json_hex(o, "sig_share", buf, 32) && g->scalar_decode(&zg, buf) == MPC_OK &&
             g->point_mul_base(&y, &s->sk) == MPC_OK &&
             tss_frost_verify_share(ctx, s->id, &y, &zg) == MPC_OK;
        vec_check(v->r, ok, "round two %llu: given sig_share passes verify_signature_share", idl);
    }
    if (z == NULL) {
        return;
    }
    json_t *fin = json_object_get(v->root, "final_output");
    int ok = tss_frost_aggregate(ctx, sig, z) == MPC_OK && vec_json_hex(fin, "sig", given, sig_len);
    vec_check(v->r, ok && memcmp(sig, given, sig_len) == 0, "final: sig == aggregate of shares");
    uint8_t pk[TSS_POINT_MAX_BYTES];
    tss_point pkp;
    ok = ok &&
         vec_json_hex(json_object_get(v->root, "inputs"), "group_public_key", pk, g->point_len) &&
         g->point_decode(&pkp, pk) == MPC_OK &&
         v->cs->verify(given, &pkp, v->msg, v->msg_len) == MPC_OK;
    vec_check(v->r, ok, "final: sig verifies with the %s verifier", v->cs->name);
    free(z);
}

void
vec_frost_sign_file(const char *path, vec_report *r)
{
    json_error_t jerr;
    vec_sign v = {.cs = &tss_frost_ed25519, .g = tss_group_ed25519(), .r = r};
    tss_frost_ctx ctx = {0};
    vec_check(r, tss_group_selftest() == MPC_OK, "group self-test");
    v.root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (v.root == NULL) {
        vec_check(r, 0, "parse %s: line %d: %s", path, jerr.line, jerr.text);
        return;
    }
    if (vec_sign_inputs(&v) && vec_sign_round_one(&v)) {
        tss_frost_commitment *list = calloc(v.ns, sizeof *list);
        for (size_t i = 0; list != NULL && i < v.ns; i++) {
            list[i] = v.s[i].comm;
        }
        int ok = list != NULL && tss_frost_ctx_init(&ctx, v.cs, &v.pk, list, v.ns, v.msg, v.msg_len,
                                                    NULL) == MPC_OK;
        vec_check(r, ok, "signing context (distinct identifiers, group commitment)");
        if (ok) {
            vec_sign_rounds(&v, &ctx);
        }
        free(list);
    }
    tss_frost_ctx_clear(&ctx);
    if (v.s != NULL) {
        sodium_memzero(v.s, v.ns * sizeof *v.s);
    }
    free(v.s);
    free(v.msg);
    tss_poly_destroy(v.poly);
    json_decref(v.root);
}

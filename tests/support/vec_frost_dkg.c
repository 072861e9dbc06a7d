/*
 * vec_frost_dkg.c — ZcashFoundation frost DKG vector checker (Ed25519).
 *
 * For each participant i the file gives its polynomial (signing_key = a_i0,
 * then coefficient(s)), its VSS commitments, its proof of knowledge, the
 * shares it received (signing_shares[j] = f_j(i)), its final signing share
 * and verifying share; plus the group verifying key. All are recomputed and
 * cross-checked (Feldman equations, PoK, sums, interpolation). The
 * per-participant and top-level "secret" fields have no relation stated in
 * the format and are not checked.
 */
#include "tests/support/vec_frost.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tss/pok.h"
#include "tss/vss.h"

/* One DKG participant of the file. */
typedef struct {
    uint64_t id;        /* identifier */
    const json_t *obj;  /* its JSON object */
    tss_poly *poly;     /* f_i from signing_key and coefficient(s) */
    tss_point *commits; /* given VSS commitments (decoded), t entries */
    int commits_ok;     /* 1 if the given commitments decoded */
    tss_scalar share;   /* given signing_share (decoded) */
    int share_ok;       /* 1 if it decoded */
} vec_dkg_party;

/* State of one file check. */
typedef struct {
    const tss_group *g; /* ed25519 */
    vec_report *r;      /* report */
    json_t *root;       /* parsed file */
    uint32_t t;         /* MIN_PARTICIPANTS */
    vec_dkg_party *p;   /* participants */
    size_t n;           /* number of participants */
} vec_dkg;

static int
vec_scalar_at(const tss_group *g, const json_t *v, tss_scalar *out)
{
    uint8_t b[32];
    return json_is_string(v) && mpc_hex_decode_exact(b, 32, json_string_value(v)) == MPC_OK &&
           g->scalar_decode(out, b) == MPC_OK;
}

static int
vec_point_at(const tss_group *g, const json_t *v, tss_point *out)
{
    uint8_t b[TSS_POINT_MAX_BYTES];
    return json_is_string(v) &&
           mpc_hex_decode_exact(b, g->point_len, json_string_value(v)) == MPC_OK &&
           g->point_decode(out, b) == MPC_OK;
}

/* Polynomial, commitments and proof of participant p. */
static void
vec_dkg_party_load(vec_dkg *v, vec_dkg_party *p)
{
    const tss_group *g = v->g;
    unsigned long long idl = (unsigned long long)p->id;
    tss_scalar *c = calloc(v->t, sizeof *c);
    const json_t *one = json_object_get(p->obj, "coefficient");
    const json_t *many = json_object_get(p->obj, "coefficients");
    int ok = c != NULL && vec_scalar_at(g, json_object_get(p->obj, "signing_key"), &c[0]);
    if (ok && v->t == 2 && one != NULL) {
        ok = vec_scalar_at(g, one, &c[1]);
    } else if (ok) {
        ok = json_array_size(many) + 1 == v->t;
        for (size_t k = 1; ok && k < v->t; k++) {
            ok = vec_scalar_at(g, json_array_get(many, k - 1), &c[k]);
        }
    }
    ok = ok && tss_poly_create(&p->poly, g, v->t, c, NULL) == MPC_OK;
    if (c != NULL) {
        sodium_memzero(c, v->t * sizeof *c);
    }
    free(c);
    vec_check(v->r, ok, "participant %llu: polynomial of %u coefficients", idl, v->t);

    const json_t *arr = json_object_get(p->obj, "vss_commitments");
    p->commits = calloc(v->t, sizeof *p->commits);
    p->commits_ok = p->commits != NULL && json_array_size(arr) == v->t;
    for (size_t k = 0; p->commits_ok && k < v->t; k++) {
        p->commits_ok = vec_point_at(g, json_array_get(arr, k), &p->commits[k]);
    }
    vec_check(v->r, p->commits_ok, "participant %llu: %u valid vss_commitments", idl, v->t);
    tss_point *mine = calloc(v->t, sizeof *mine);
    ok = ok && p->commits_ok && mine != NULL && tss_poly_commit(p->poly, mine) == MPC_OK;
    for (size_t k = 0; ok && k < v->t; k++) {
        ok = g->point_eq(&mine[k], &p->commits[k]);
    }
    free(mine);
    vec_check(v->r, ok, "participant %llu: vss_commitments == coefficients * G", idl);

    uint8_t proof[TSS_POK_BYTES];
    ok = p->commits_ok && vec_json_hex(p->obj, "proof_of_knowledge", proof, sizeof proof) &&
         tss_pok_verify(g, proof, p->id, &p->commits[0]) == MPC_OK;
    vec_check(v->r, ok, "participant %llu: proof_of_knowledge verifies", idl);
}

/* Received shares, final share, verifying share of participant p. */
static void
vec_dkg_party_shares(vec_dkg *v, vec_dkg_party *p)
{
    const tss_group *g = v->g;
    unsigned long long idl = (unsigned long long)p->id;
    const json_t *recv = json_object_get(p->obj, "signing_shares");
    tss_scalar sum, f;
    int sum_ok = tss_poly_eval(p->poly, &sum, p->id) == MPC_OK;
    vec_check(v->r, json_object_size(recv) == v->n - 1, "participant %llu: %zu signing_shares", idl,
              v->n - 1);
    for (size_t j = 0; j < v->n; j++) {
        vec_dkg_party *q = &v->p[j];
        if (q == p) {
            continue;
        }
        char key[24];
        snprintf(key, sizeof key, "%llu", (unsigned long long)q->id);
        tss_scalar given;
        int ok = vec_scalar_at(g, json_object_get(recv, key), &given);
        int eq = ok && tss_poly_eval(q->poly, &f, p->id) == MPC_OK &&
                 sodium_memcmp(f.v, given.v, 32) == 0;
        vec_check(v->r, eq, "participant %llu: signing_shares[%s] == f_%s(%llu)", idl, key, key,
                  idl);
        vec_check(v->r,
                  ok && q->commits_ok &&
                      tss_vss_verify_share(g, &given, p->id, q->commits, v->t) == MPC_OK,
                  "participant %llu: signing_shares[%s] matches commitments of %s", idl, key, key);
        sum_ok = sum_ok && eq;
        if (eq) {
            g->scalar_add(&sum, &sum, &f);
        }
    }
    p->share_ok = vec_scalar_at(g, json_object_get(p->obj, "signing_share"), &p->share);
    vec_check(v->r, sum_ok && p->share_ok && sodium_memcmp(sum.v, p->share.v, 32) == 0,
              "participant %llu: signing_share == sum of f_j(%llu)", idl, idl);
    tss_point y, want, acc;
    int ok = vec_point_at(g, json_object_get(p->obj, "verifying_share"), &y);
    vec_check(v->r,
              ok && sum_ok && g->point_mul_base(&want, &sum) == MPC_OK && g->point_eq(&y, &want),
              "participant %llu: verifying_share == signing_share * G", idl);
    for (size_t j = 0; ok && j < v->n; j++) {
        tss_point e;
        ok = v->p[j].commits_ok &&
             tss_vss_commit_eval(g, &e, v->p[j].commits, v->t, p->id) == MPC_OK &&
             (j == 0 ? (acc = e, 1) : g->point_add(&acc, &acc, &e) == MPC_OK);
    }
    vec_check(v->r, ok && g->point_eq(&acc, &y),
              "participant %llu: verifying_share == sum of commitments at %llu", idl, idl);
}

/* Group key: sum of constant terms, and interpolation of the first t shares. */
static void
vec_dkg_group(vec_dkg *v, const json_t *in)
{
    const tss_group *g = v->g;
    tss_point vk, acc, y;
    int ok = vec_point_at(g, json_object_get(in, "verifying_key"), &vk);
    for (size_t j = 0; ok && j < v->n; j++) {
        ok = v->p[j].commits_ok &&
             (j == 0 ? (acc = v->p[0].commits[0], 1)
                     : g->point_add(&acc, &acc, &v->p[j].commits[0]) == MPC_OK);
    }
    vec_check(v->r, ok && g->point_eq(&acc, &vk), "verifying_key == sum of constant commitments");
    uint64_t ids[TSS_MAX_THRESHOLD];
    tss_scalar s, lam, t;
    int iok = v->n >= v->t;
    for (size_t j = 0; iok && j < v->t; j++) {
        ids[j] = v->p[j].id;
        iok = v->p[j].share_ok;
    }
    g->scalar_from_u64(&s, 0);
    for (size_t j = 0; iok && j < v->t; j++) {
        iok = tss_lagrange_at_zero(g, &lam, ids, v->t, j) == MPC_OK;
        g->scalar_mul(&t, &lam, &v->p[j].share);
        g->scalar_add(&s, &s, &t);
    }
    iok = iok && ok && g->point_mul_base(&y, &s) == MPC_OK && g->point_eq(&y, &vk);
    vec_check(v->r, iok, "%u signing_shares interpolate to the verifying_key secret", v->t);
    sodium_memzero(&s, sizeof s);
    sodium_memzero(&t, sizeof t);
}

static int
vec_dkg_collect(vec_dkg *v, const json_t *in)
{
    const char *key;
    json_t *val;
    size_t cap = json_object_size(in);
    v->p = calloc(cap ? cap : 1, sizeof *v->p);
    if (v->p == NULL) {
        return 0;
    }
    json_object_foreach((json_t *)in, key, val)
    {
        uint64_t id = 0;
        char want[24] = "";
        if (!json_is_object(val)) {
            continue;
        }
        if (vec_json_uint_at(val, "identifier", &id)) {
            snprintf(want, sizeof want, "%llu", (unsigned long long)id);
        }
        if (id == 0 || strcmp(want, key) != 0) {
            vec_check(v->r, 0, "participant %s: identifier", key);
            return 0;
        }
        v->p[v->n].id = id;
        v->p[v->n].obj = val;
        v->n++;
    }
    uint64_t ids[TSS_MAX_THRESHOLD + 1];
    int ok = v->n >= 2 && v->n <= TSS_MAX_THRESHOLD;
    for (size_t i = 0; ok && i < v->n; i++) {
        ids[i] = v->p[i].id;
    }
    vec_check(v->r, ok && tss_ids_check(ids, v->n) == MPC_OK,
              "%zu participants with distinct non-zero identifiers", v->n);
    return ok;
}

void
vec_frost_dkg_file(const char *path, vec_report *r)
{
    json_error_t jerr;
    vec_dkg v = {.g = tss_group_ed25519(), .r = r};
    vec_check(r, tss_group_selftest() == MPC_OK, "group self-test");
    v.root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (v.root == NULL) {
        vec_check(r, 0, "parse %s: line %d: %s", path, jerr.line, jerr.text);
        return;
    }
    json_t *cfg = json_object_get(v.root, "config"), *in = json_object_get(v.root, "inputs");
    const char *grp = json_string_value(json_object_get(cfg, "group"));
    const char *hash = json_string_value(json_object_get(cfg, "hash"));
    uint64_t t = 0, n = 0;
    vec_check(r, grp && hash && !strcmp(grp, "ed25519") && !strcmp(hash, "SHA-512"),
              "config: ciphersuite FROST(Ed25519, SHA-512)");
    int ok = vec_json_uint_at(cfg, "MIN_PARTICIPANTS", &t) &&
             vec_json_uint_at(cfg, "MAX_PARTICIPANTS", &n) && t >= 1 && t <= n &&
             n <= TSS_MAX_THRESHOLD && vec_dkg_collect(&v, in) && v.n == n;
    vec_check(r, ok, "config: MIN_PARTICIPANTS <= MAX_PARTICIPANTS == participants in file");
    if (ok) {
        v.t = (uint32_t)t;
        for (size_t i = 0; i < v.n; i++) {
            vec_dkg_party_load(&v, &v.p[i]);
        }
        for (size_t i = 0; i < v.n; i++) {
            vec_dkg_party_shares(&v, &v.p[i]);
        }
        vec_dkg_group(&v, in);
    }
    for (size_t i = 0; v.p != NULL && i < v.n; i++) {
        tss_poly_destroy(v.p[i].poly);
        free(v.p[i].commits);
        sodium_memzero(&v.p[i].share, sizeof v.p[i].share);
    }
    free(v.p);
    json_decref(v.root);
}

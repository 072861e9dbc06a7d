/*
 * cli_store_check.c — the consistency checks of one key store and the
 * cross-node comparison (node/cli/cli_store.h).
 *
 * DESIGN: two passes over the record names. The first reads every req/
 * entry and remembers which (key type, wallet, version) a successful keygen
 * or reshare reported; the second checks keyinfos and shares against each
 * other and against that set.
 */
#include "node/cli/cli_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "node/cli/cli.h"
#include "node/client/results.h"
#include "node/store/catchup.h"
#include "node/store/keyinfo.h"
#include "node/store/keys.h"
#include "proto/result.pb-c.h"
#include "tss/dkls_keyrec.h"
#include "tss/keyshare.h"
#include "tss/keytype.h"

/* State of one check. */
struct check {
    const char *self;           /* this node's id */
    node_store *store;          /* open store */
    int print;                  /* print problems as found */
    json_t *reported;           /* "<type>/<wallet>/v<N>" -> request id, from req/ */
    json_t *pending;            /* request ids whose req/ entry is "pending" (set) */
    struct cli_store_report *r; /* output */
};

static void problem(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
problem(struct check *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    c->r->problems++;
    json_array_append_new(c->r->list, json_string(buf));
    if (c->print) {
        printf("  PROBLEM %s\n", buf);
    }
}

/* Returns: 1 if id is in the version's committee. */
static int
version_lists(const struct node_store_keyinfo_version *v, const char *id)
{
    for (uint16_t i = 0; i < v->n_participants; i++) {
        if (strcmp(v->participants[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Checks one decoded share against its keyinfo version. */
static void
share_match(struct check *c, const char *name, const tss_keyshare *ks,
            const struct node_store_keyinfo *ki, const struct node_store_keyinfo_version *v)
{
    uint8_t gk[TSS_POINT_MAX_BYTES];
    ks->g->point_encode(gk, &ks->group_key);
    if (ks->g->point_len != ki->public_key_len || memcmp(gk, ki->public_key, ki->public_key_len)) {
        problem(c, "%s: group key differs from its keyinfo", name);
    }
    if (ks->threshold != v->threshold || ks->n != v->n_participants) {
        problem(c, "%s: %u-of-%u but keyinfo v%u says %u-of-%u", name, ks->threshold, ks->n,
                v->version, v->threshold, v->n_participants);
    }
    for (uint32_t i = 0; i < ks->n; i++) {
        if (!version_lists(v, ks->members[i].node_id)) {
            problem(c, "%s: member %s is not in keyinfo v%u", name, ks->members[i].node_id,
                    v->version);
        }
    }
    if (ks->secret == NULL || ks->self >= ks->n ||
        strcmp(ks->members[ks->self].node_id, c->self) != 0) {
        problem(c, "%s: not a secret share of this node (%s)", name, c->self);
    }
}

/* Decodes a share record (secp256k1: inside its DKLs23 key record). */
static mpc_status
share_decode(struct check *c, const char *name, int key_type, uint32_t version, const uint8_t *data,
             size_t len, tss_keyshare **ks)
{
    if (key_type != NODE_STORE_KEY_SECP256K1) {
        return tss_keyshare_decode(ks, data, len);
    }
    tss_dkls_keyrec *rec = NULL;
    mpc_status st = tss_dkls_keyrec_decode(&rec, data, len);
    if (st == MPC_OK && rec->key_version != version) {
        problem(c, "%s: key record says version %u", name, rec->key_version);
    }
    if (st == MPC_OK) {
        *ks = rec->ks; /* taken from the record */
        rec->ks = NULL;
    }
    tss_dkls_keyrec_destroy(rec);
    return st;
}

/* Reads, decodes and matches share/<type>/<wallet>/v<N> of a non-retired version. */
static void
check_share(struct check *c, const char *wallet, const struct node_store_keyinfo *ki,
            const struct node_store_keyinfo_version *v)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (node_store_name_share(name, sizeof(name), ki->key_type, wallet, v->version) != MPC_OK) {
        problem(c, "keyinfo %s: cannot name share v%u", wallet, v->version);
        return;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    mpc_status st = node_store_get(c->store, name, &data, &len);
    if (st == MPC_ERR_NOT_FOUND &&
        node_store_keys_share_lost(c->store, ki->key_type, wallet, v->version)) {
        c->r->lost++; /* known: a restore lost it (node/store/catchup.h); not an inconsistency */
        if (c->print) {
            printf("  LOST %s: share lost by a restore from an older backup (rejoin by reshare)\n",
                   name);
        }
        return;
    }
    if (st == MPC_ERR_NOT_FOUND) {
        problem(c, "%s: keyinfo without share (keyinfo lists this node in v%u)", name, v->version);
        return;
    }
    if (st != MPC_OK) {
        problem(c, "%s: %s", name, mpc_status_str(st));
        return;
    }
    tss_keyshare *ks = NULL;
    st = share_decode(c, name, ki->key_type, v->version, data, len, &ks);
    mpc_secure_free(data);
    if (st != MPC_OK) {
        problem(c, "%s: share does not decode: %s", name, mpc_status_str(st));
        return;
    }
    share_match(c, name, ks, ki, v);
    tss_keyshare_destroy(ks);
}

/* A RETIRED version must have no share left: only the ACTIVE version signs,
 * so every retired share is wiped when its successor is committed. */
static void
check_retired(struct check *c, const char *wallet, const struct node_store_keyinfo *ki,
              const struct node_store_keyinfo_version *v)
{
    char name[NODE_STORE_NAME_MAX + 1];
    uint8_t *data = NULL;
    size_t len = 0;
    if (node_store_name_share(name, sizeof(name), ki->key_type, wallet, v->version) == MPC_OK &&
        node_store_get(c->store, name, &data, &len) == MPC_OK) {
        problem(c, "%s: retired version v%u still present (its share was not wiped)", name,
                v->version);
    }
    mpc_secure_free(data);
}

/* Adds {key_type, wallet, public_key, active_version, threshold, participants} to keys. */
static void
key_json(struct check *c, const char *wallet, const struct node_store_keyinfo *ki)
{
    char pk[2 * NODE_STORE_KEYINFO_PK_MAX + 1];
    const struct node_store_keyinfo_version *v = node_store_keyinfo_find(ki, ki->active_version);
    if (ki->public_key_len > NODE_STORE_KEYINFO_PK_MAX) {
        return;
    }
    json_t *parts = json_array();
    for (uint16_t i = 0; v != NULL && i < v->n_participants; i++) {
        json_array_append_new(parts, json_string(v->participants[i]));
    }
    cli_hex(pk, ki->public_key, ki->public_key_len);
    const char *kt = node_store_key_type_name(ki->key_type);
    json_array_append_new(
        c->r->keys,
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}", "key_type", kt != NULL ? kt : "?", "wallet",
                  wallet, "public_key", pk, "active_version", (json_int_t)ki->active_version,
                  "threshold", (json_int_t)(v != NULL ? v->threshold : 0), "participants", parts));
}

/* Returns: the key type a "<prefix><type>/" record name names, 0 if none. */
static int
name_key_type(const char *name, const char *prefix)
{
    size_t p = strlen(prefix);
    if (strncmp(name, prefix, p) != 0) {
        return 0;
    }
    return strncmp(name + p, "ed25519/", 8) == 0         ? NODE_STORE_KEY_ED25519
           : strncmp(name + p, "secp256k1/", 10) == 0    ? NODE_STORE_KEY_SECP256K1
           : strncmp(name + p, "secp256k1-tr/", 13) == 0 ? NODE_STORE_KEY_SECP256K1_TR
                                                         : 0;
}

/* A PENDING version is legitimate only while its request waits for the
 * committee's confirmations: a "pending" request-log entry reporting it and a
 * pend/ marker in state RESOLVING (docs/DESIGN.md §8.1). */
static void
check_pending(struct check *c, const char *name, const struct node_store_keyinfo *ki,
              const struct node_store_keyinfo_version *v)
{
    char key[NODE_STORE_NAME_MAX + 1];
    uint8_t state = 0;
    uint64_t deadline = 0;
    const char *kt = node_store_key_type_name(ki->key_type);
    snprintf(key, sizeof key, "%s/%s/v%u", kt != NULL ? kt : "?", strrchr(name, '/') + 1,
             v->version);
    json_t *rid = json_object_get(c->reported, key);
    const char *r = rid != NULL ? json_string_value(rid) : NULL;
    if (r == NULL || json_object_get(c->pending, r) == NULL ||
        node_store_keys_pending_get(c->store, r, &state, &deadline) != MPC_OK ||
        state != NODE_STORE_PENDING_RESOLVING) {
        problem(c, "%s: v%u still PENDING without a pending request (request log and pend/ marker)",
                name, v->version);
        return;
    }
    c->r->pending++;
}

/* A pend/ marker: RESOLVING needs a "pending" request-log entry; PUBLISH a final one. */
static void
check_marker(struct check *c, const char *name)
{
    const char *rid = name + strlen(NODE_STORE_PENDING_PREFIX);
    uint8_t state = 0;
    uint64_t deadline = 0;
    mpc_status st = node_store_keys_pending_get(c->store, rid, &state, &deadline);
    if (st != MPC_OK) {
        problem(c, "%s: corrupt marker: %s", name, mpc_status_str(st));
        return;
    }
    int pending = json_object_get(c->pending, rid) != NULL;
    mpc_status outcome = MPC_OK;
    uint8_t *res = NULL;
    size_t len = 0;
    int logged = node_store_req_get(c->store, rid, &outcome, &res, &len) == MPC_OK;
    free(res);
    if (!logged || (state == NODE_STORE_PENDING_RESOLVING) != pending) {
        problem(c, "%s: marker (%s) disagrees with the request log (%s)", name,
                state == NODE_STORE_PENDING_RESOLVING ? "resolving" : "to publish",
                !logged   ? "no entry"
                : pending ? "pending"
                          : "final");
    }
}

/* Checks keyinfo/<type>/<wallet> and the shares it implies. */
static void
check_keyinfo(struct check *c, const char *name)
{
    c->r->keyinfos++;
    const char *wallet = strrchr(name, '/') + 1;
    int kt = name_key_type(name, "keyinfo/");
    struct node_store_keyinfo ki;
    mpc_status st = kt == 0 ? MPC_ERR_CORRUPT : node_store_keyinfo_get(c->store, kt, wallet, &ki);
    if (st != MPC_OK) {
        problem(c, "%s: corrupt record: %s", name, mpc_status_str(st));
        return;
    }
    key_json(c, wallet, &ki);
    for (uint8_t i = 0; i < ki.n_versions; i++) {
        const struct node_store_keyinfo_version *v = &ki.versions[i];
        if (v->state == NODE_STORE_KEY_VERSION_PENDING) {
            check_pending(c, name, &ki, v);
        }
        if (v->state == NODE_STORE_KEY_VERSION_RETIRED) {
            {
                check_retired(c, wallet, &ki, v);
            }
        } else if (version_lists(v, c->self)) {
            check_share(c, wallet, &ki, v);
        }
    }
}

/* A share must belong to a keyinfo version listing this node, and to a
 * successful keygen/reshare in the request log. */
static void
check_share_owner(struct check *c, const char *name)
{
    c->r->shares++;
    char type[16], wallet[NODE_CLIENT_WALLET_ID_MAX + 1];
    unsigned version = 0;
    char tail;
    if (sscanf(name, "share/%15[^/]/%64[^/]/v%u%c", type, wallet, &version, &tail) != 3) {
        problem(c, "%s: malformed share name", name);
        return;
    }
    int kt = name_key_type(name, "share/");
    struct node_store_keyinfo ki;
    const struct node_store_keyinfo_version *v = NULL;
    if (kt != 0 && node_store_keyinfo_get(c->store, kt, wallet, &ki) == MPC_OK) {
        v = node_store_keyinfo_find(&ki, version);
    }
    if (v == NULL || !version_lists(v, c->self)) {
        problem(c, "%s: share without keyinfo (no keyinfo version lists this node)", name);
    }
    if (json_object_get(c->reported, name + 6) == NULL) {
        problem(c,
                "%s: share without request-log entry (no successful keygen/reshare reports "
                "it)",
                name);
    }
}

/* Remembers the keys the successful results of one req/ entry report. */
static void
reported_add(struct check *c, const struct node_client_results_entry *e, const char *rid)
{
    for (size_t i = 0; i < e->count; i++) {
        Mpc__Result *res = mpc__result__unpack(NULL, e->lens[i], e->results[i]);
        const char *kt = res != NULL ? node_store_key_type_name((int)res->key_type) : NULL;
        if (kt != NULL && res->status_code == 0 && res->key_version != 0 &&
            (res->op == MPC__OP__OP_KEYGEN || res->op == MPC__OP__OP_RESHARE)) {
            char key[NODE_STORE_NAME_MAX + 1];
            snprintf(key, sizeof key, "%s/%s/v%u", kt, res->wallet_id, res->key_version);
            json_object_set_new(c->reported, key, json_string(rid));
        }
        if (res != NULL) {
            mpc__result__free_unpacked(res, NULL);
        }
    }
}

/* First pass: every req/ entry decodes; collects what they report. */
static void
check_req(struct check *c, const char *name)
{
    c->r->reqs++;
    struct node_client_results_entry e;
    memset(&e, 0, sizeof(e));
    mpc_status outcome = MPC_OK;
    uint8_t *res = NULL;
    size_t res_len = 0;
    mpc_status st = node_store_req_get(c->store, name + 4, &outcome, &res, &res_len);
    if (st == MPC_OK && res_len > 0) {
        st = node_client_results_entry_decode(&e, res, res_len);
        if (st == MPC_OK) {
            reported_add(c, &e, name + 4);
        }
        if (st == MPC_OK && outcome == MPC_ERR_KEY_PENDING) {
            json_object_set_new(c->pending, name + 4, json_true());
        }
        node_client_results_entry_clear(&e);
    }
    free(res);
    if (st != MPC_OK) {
        problem(c, "%s: request-log entry does not decode: %s", name, mpc_status_str(st));
    }
}

/* Second pass over one record. */
static void
check_record(struct check *c, const char *name)
{
    uint8_t *data = NULL;
    size_t len = 0;
    mpc_status st = node_store_get(c->store, name, &data, &len);
    mpc_secure_free(data);
    if (st != MPC_OK) {
        problem(c, "%s: corrupt record (does not open: %s)", name, mpc_status_str(st));
        return;
    }
    if (strncmp(name, "keyinfo/", 8) == 0) {
        check_keyinfo(c, name);
    } else if (strncmp(name, "share/", 6) == 0) {
        check_share_owner(c, name);
    } else if (strncmp(name, NODE_STORE_PENDING_PREFIX, strlen(NODE_STORE_PENDING_PREFIX)) == 0) {
        check_marker(c, name);
    }
}

size_t
cli_store_check(node_store *s, const char *self, int print, struct cli_store_report *r)
{
    memset(r, 0, sizeof(*r));
    r->list = json_array();
    r->keys = json_array();
    struct check c = {.self = self,
                      .store = s,
                      .print = print,
                      .reported = json_object(),
                      .pending = json_object(),
                      .r = r};
    char **names = NULL;
    size_t n = 0;
    if (node_store_list(s, "", &names, &n) != MPC_OK) {
        problem(&c, "cannot list the records");
    }
    for (size_t i = 0; i < n; i++) {
        r->records++;
        if (strncmp(names[i], "req/", 4) == 0) {
            check_req(&c, names[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        check_record(&c, names[i]);
    }
    node_store_names_free(names, n);
    json_decref(c.reported);
    json_decref(c.pending);
    return r->problems;
}

void
cli_store_report_clear(struct cli_store_report *r)
{
    if (r == NULL) {
        return;
    }
    json_decref(r->list);
    json_decref(r->keys);
    memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------------- across nodes */

static void cmp_problem(json_t *problems, size_t *count, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cmp_problem(json_t *problems, size_t *count, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    (*count)++;
    json_array_append_new(problems, json_string(buf));
}

/* Returns: the key of keys (a view) named id ("<type>/<wallet>"), or NULL. */
static json_t *
view_find(json_t *keys, const char *id)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k)
    {
        char kid[NODE_STORE_NAME_MAX + 1];
        snprintf(kid, sizeof kid, "%s/%s", json_string_value(json_object_get(k, "key_type")),
                 json_string_value(json_object_get(k, "wallet")));
        if (strcmp(kid, id) == 0) {
            return k;
        }
    }
    return NULL;
}

/* Compares node b's view of key id with node a's. */
static void
cmp_key(const char *id, const char *na, json_t *a, const char *nb, json_t *b, json_t *problems,
        size_t *count)
{
    static const char *const fields[] = {"public_key", "active_version", "threshold",
                                         "participants"};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        json_t *va = json_object_get(a, fields[f]), *vb = json_object_get(b, fields[f]);
        if (!json_equal(va, vb)) {
            char *sa = json_dumps(va, JSON_ENCODE_ANY | JSON_COMPACT);
            char *sb = json_dumps(vb, JSON_ENCODE_ANY | JSON_COMPACT);
            cmp_problem(problems, count, "key %s: %s mismatch across nodes: %s says %s, %s says %s",
                        id, fields[f], na, sa != NULL ? sa : "?", nb, sb != NULL ? sb : "?");
            free(sa);
            free(sb);
        }
    }
}

/* Every member of a's active committee among the nodes must hold key id. */
static void
cmp_members(const char *const *nodes, json_t *const *keys, size_t n, const char *id, json_t *a,
            json_t *problems, size_t *count)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(a, "participants"), i, p)
    {
        for (size_t j = 0; j < n; j++) {
            if (strcmp(nodes[j], json_string_value(p)) == 0 && view_find(keys[j], id) == NULL) {
                cmp_problem(problems, count, "key %s: %s is in its committee but holds no key", id,
                            nodes[j]);
            }
        }
    }
}

size_t
cli_store_compare(const char *const *nodes, json_t *const *keys, size_t n, json_t *problems)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t x;
        json_t *k;
        json_array_foreach(keys[i], x, k)
        {
            char id[NODE_STORE_NAME_MAX + 1];
            snprintf(id, sizeof id, "%s/%s", json_string_value(json_object_get(k, "key_type")),
                     json_string_value(json_object_get(k, "wallet")));
            size_t first = 0;
            while (first < i && view_find(keys[first], id) == NULL) {
                first++;
            }
            if (first < i) {
                cmp_key(id, nodes[first], view_find(keys[first], id), nodes[i], k, problems,
                        &count);
            } else {
                cmp_members(nodes, keys, n, id, k, problems, &count);
            }
        }
    }
    return count;
}

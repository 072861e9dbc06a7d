/*
 * cli_store.c — `mpc-cli store-check -c NODE_CONFIG`: opens a node's key
 * store with the node's passphrase (from the config's source) and checks
 * that every record decrypts and that shares and keyinfos agree:
 *   - every record opens (authenticated decryption under its own name);
 *   - every keyinfo decodes and validates (node/store/keyinfo.h);
 *   - for every version of a keyinfo that lists this node and is not
 *     retired, share/<type>/<wallet>/v<N> exists;
 *   - every share decodes as a key share (tss/keyshare.h; secp256k1 shares
 *     inside their DKLs23 key record, tss/dkls_keyrec.h: points, scalar,
 *     secret * G == own verifying share) and matches its keyinfo: group
 *     key, threshold, committee (node ids), and its own member is this node;
 *   - no share without a keyinfo version; every req/ entry decodes
 *     (node/client/results.h); the identity record matches the identity key file.
 * Run it on a stopped node (or a copy): LMDB allows a concurrent reader, but
 * a running node may be between the two writes of a reshare activation.
 */
#include "node/cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "node/client/results.h"
#include "node/config/config.h"
#include "node/store/identity.h"
#include "node/store/keyinfo.h"
#include "node/store/store.h"
#include "tss/dkls_keyrec.h"
#include "tss/keyshare.h"

#define ERR_CAP 1024u /* diagnostic buffer */

static const char store_usage[] =
    "usage: mpc-cli store-check -c NODE_CONFIG [--json]\n"
    "\n"
    "Opens the node's key store (passphrase from the config's source) and checks\n"
    "that every record decrypts, every keyinfo validates, every share decodes and\n"
    "matches its keyinfo (group key, threshold, committee, own identity), no share\n"
    "is orphaned and every request-log entry decodes. Prints the problems found;\n"
    "--json also lists every key (type, wallet, public key, active version,\n"
    "threshold, participants) so that the nodes' views can be compared.\n"
    "Exit 0 when consistent, 1 otherwise. Run it while the node is stopped.\n";

/* Tallies of the check. */
struct check {
    const char *self;  /* this node's id */
    node_store *store; /* open store */
    size_t records;    /* records listed */
    size_t keyinfos;   /* keyinfo records */
    size_t shares;     /* share records */
    size_t reqs;       /* request-log records */
    size_t problems;   /* inconsistencies */
    json_t *list;      /* problem strings */
    json_t *keys;      /* --json: every keyinfo's active version (key agreement checks) */
    int json;          /* --json */
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
    c->problems++;
    json_array_append_new(c->list, json_string(buf));
    if (!c->json) {
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

/* Reads, decodes and matches share/<type>/<wallet>/v<N>. */
static void
check_share(struct check *c, const char *wallet, const struct node_store_keyinfo *ki,
            const struct node_store_keyinfo_version *v, int required)
{
    char name[NODE_STORE_NAME_MAX + 1];
    if (node_store_name_share(name, sizeof(name), ki->key_type, wallet, v->version) != MPC_OK) {
        problem(c, "keyinfo %s: cannot name share v%u", wallet, v->version);
        return;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    mpc_status st = node_store_get(c->store, name, &data, &len);
    if (st == MPC_ERR_NOT_FOUND) {
        if (required) {
            problem(c, "%s: missing (keyinfo lists this node in v%u)", name, v->version);
        }
        return;
    }
    if (st != MPC_OK) {
        problem(c, "%s: %s", name, mpc_status_str(st));
        return;
    }
    tss_keyshare *ks = NULL;
    if (ki->key_type == NODE_STORE_KEY_SECP256K1) { /* a DKLs23 key record around the share */
        tss_dkls_keyrec *rec = NULL;
        st = tss_dkls_keyrec_decode(&rec, data, len);
        if (st == MPC_OK && rec->key_version != v->version) {
            problem(c, "%s: key record says version %u", name, rec->key_version);
        }
        if (st == MPC_OK) {
            ks = rec->ks; /* taken from the record */
            rec->ks = NULL;
        }
        tss_dkls_keyrec_destroy(rec);
    } else {
        st = tss_keyshare_decode(&ks, data, len);
    }
    mpc_secure_free(data);
    if (st != MPC_OK) {
        problem(c, "%s: share does not decode: %s", name, mpc_status_str(st));
        return;
    }
    share_match(c, name, ks, ki, v);
    tss_keyshare_destroy(ks);
}

/* Adds {key_type, wallet, public_key, active_version, threshold, participants} to c->keys. */
static void
key_json(struct check *c, const char *wallet, const struct node_store_keyinfo *ki)
{
    char pk[2 * NODE_STORE_KEYINFO_PK_MAX + 1];
    const struct node_store_keyinfo_version *v = node_store_keyinfo_find(ki, ki->active_version);
    if (c->keys == NULL || ki->public_key_len > NODE_STORE_KEYINFO_PK_MAX) {
        return;
    }
    json_t *parts = json_array();
    for (uint16_t i = 0; v != NULL && i < v->n_participants; i++) {
        json_array_append_new(parts, json_string(v->participants[i]));
    }
    cli_hex(pk, ki->public_key, ki->public_key_len);
    const char *kt = node_store_key_type_name(ki->key_type);
    json_array_append_new(
        c->keys,
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}", "key_type", kt != NULL ? kt : "?", "wallet",
                  wallet, "public_key", pk, "active_version", (json_int_t)ki->active_version,
                  "threshold", (json_int_t)(v != NULL ? v->threshold : 0), "participants", parts));
}

/* Checks keyinfo/<type>/<wallet> and the shares it implies. */
static void
check_keyinfo(struct check *c, const char *name)
{
    c->keyinfos++;
    const char *wallet = strrchr(name, '/') + 1;
    int kt = strncmp(name, "keyinfo/ed25519/", 16) == 0     ? NODE_STORE_KEY_ED25519
             : strncmp(name, "keyinfo/secp256k1/", 18) == 0 ? NODE_STORE_KEY_SECP256K1
                                                            : 0;
    struct node_store_keyinfo ki;
    mpc_status st = kt == 0 ? MPC_ERR_CORRUPT : node_store_keyinfo_get(c->store, kt, wallet, &ki);
    if (st != MPC_OK) {
        problem(c, "%s: %s", name, mpc_status_str(st));
        return;
    }
    if ((int)ki.key_type != kt) {
        problem(c, "%s: key type %u inside", name, ki.key_type);
    }
    key_json(c, wallet, &ki);
    for (uint8_t i = 0; i < ki.n_versions; i++) {
        const struct node_store_keyinfo_version *v = &ki.versions[i];
        if (version_lists(v, c->self)) {
            check_share(c, wallet, &ki, v, v->state != NODE_STORE_KEY_VERSION_RETIRED);
        }
    }
}

/* A share name must belong to a keyinfo version listing this node. */
static void
check_share_owner(struct check *c, const char *name)
{
    c->shares++;
    char type[16], wallet[NODE_CLIENT_WALLET_ID_MAX + 1];
    unsigned version = 0;
    char tail;
    if (sscanf(name, "share/%15[^/]/%64[^/]/v%u%c", type, wallet, &version, &tail) != 3) {
        problem(c, "%s: malformed share name", name);
        return;
    }
    int kt = strcmp(type, "ed25519") == 0     ? NODE_STORE_KEY_ED25519
             : strcmp(type, "secp256k1") == 0 ? NODE_STORE_KEY_SECP256K1
                                              : 0;
    struct node_store_keyinfo ki;
    const struct node_store_keyinfo_version *v = NULL;
    if (kt != 0 && node_store_keyinfo_get(c->store, kt, wallet, &ki) == MPC_OK) {
        v = node_store_keyinfo_find(&ki, version);
    }
    if (v == NULL || !version_lists(v, c->self)) {
        problem(c, "%s: orphan share (no keyinfo version lists this node)", name);
    }
}

static void
check_record(struct check *c, const char *name)
{
    uint8_t *data = NULL;
    size_t len = 0;
    mpc_status st = node_store_get(c->store, name, &data, &len);
    if (st != MPC_OK) {
        problem(c, "%s: does not open: %s", name, mpc_status_str(st));
        return;
    }
    if (strncmp(name, "keyinfo/", 8) == 0) {
        check_keyinfo(c, name);
    } else if (strncmp(name, "share/", 6) == 0) {
        check_share_owner(c, name);
    } else if (strncmp(name, "req/", 4) == 0) {
        c->reqs++;
        struct node_client_results_entry e;
        memset(&e, 0, sizeof(e));
        /* The request log holds (outcome, result bytes): use the store's reader. */
        mpc_status outcome = MPC_OK;
        uint8_t *res = NULL;
        size_t res_len = 0;
        st = node_store_req_get(c->store, name + 4, &outcome, &res, &res_len);
        if (st == MPC_OK && res_len > 0) {
            st = node_client_results_entry_decode(&e, res, res_len);
            node_client_results_entry_clear(&e);
        }
        free(res);
        if (st != MPC_OK) {
            problem(c, "%s: request-log entry does not decode: %s", name, mpc_status_str(st));
        }
    }
    mpc_secure_free(data);
}

/* Opens the store of cfg with its configured passphrase source. */
static int
open_store(const struct node_config *cfg, node_store **out)
{
    char err[ERR_CAP];
    const char *arg = node_config_passphrase_arg(&cfg->identity);
    node_store_passphrase *pass = NULL;
    if (node_store_passphrase_load(cfg->identity.passphrase_source, arg, &pass, err, sizeof(err)) !=
        MPC_OK) {
        cli_errf("%s", err);
        return -1;
    }
    struct node_store_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.map_size = cfg->store_map_size;
    mpc_status st = node_store_open(cfg->store_path, node_store_passphrase_data(pass),
                                    node_store_passphrase_len(pass), &opt, out, err, sizeof(err));
    node_store_passphrase_destroy(pass);
    if (st != MPC_OK) {
        cli_errf("%s: %s", cfg->store_path, err[0] != '\0' ? err : mpc_status_str(st));
        return -1;
    }
    return 0;
}

/* The "identity" record (if any) must hold the identity file's public key. Read-only. */
static void
check_identity(struct check *c, const struct node_config *cfg)
{
    uint8_t pk[32];
    uint8_t *rec = NULL;
    size_t len = 0;
    if (node_store_identity_peek_public_key(cfg->identity.key_file, pk) != MPC_OK) {
        problem(c, "identity key file unreadable");
        return;
    }
    mpc_status st = node_store_get(c->store, "identity", &rec, &len);
    if (st == MPC_OK && (len != sizeof(pk) || memcmp(rec, pk, sizeof(pk)) != 0)) {
        problem(c, "the store belongs to another identity");
    } else if (st != MPC_OK && st != MPC_ERR_NOT_FOUND) {
        problem(c, "identity record: %s", mpc_status_str(st));
    }
    mpc_secure_free(rec);
}

static int
store_check_run(const struct node_config *cfg, int json)
{
    struct check c;
    memset(&c, 0, sizeof(c));
    c.self = cfg->node_id;
    c.json = json;
    if (open_store(cfg, &c.store) != 0) {
        return CLI_EXIT_FAILED;
    }
    c.list = json_array();
    c.keys = json ? json_array() : NULL;
    if (!json) {
        printf("store %s (node %s)\n", cfg->store_path, cfg->node_id);
    }
    char **names = NULL;
    size_t n = 0;
    if (node_store_list(c.store, "", &names, &n) != MPC_OK) {
        problem(&c, "cannot list the records");
    }
    for (size_t i = 0; i < n; i++) {
        c.records++;
        check_record(&c, names[i]);
    }
    node_store_names_free(names, n);
    check_identity(&c, cfg);
    node_store_close(c.store);
    if (json) {
        json_t *doc =
            json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "store", cfg->store_path, "node",
                      cfg->node_id, "ok", c.problems == 0, "records", (json_int_t)c.records,
                      "keyinfos", (json_int_t)c.keyinfos, "shares", (json_int_t)c.shares,
                      "requests", (json_int_t)c.reqs, "problems", c.list);
        json_object_set_new(doc, "keys", c.keys);
        cli_json_print(doc);
        json_decref(doc);
    } else {
        printf("%zu records: %zu keyinfo, %zu shares, %zu request-log entries: %s\n", c.records,
               c.keyinfos, c.shares, c.reqs,
               c.problems == 0 ? "every record decrypts, shares match their keyinfo"
                               : "INCONSISTENT");
        json_decref(c.list);
    }
    return c.problems == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

int
cli_cmd_store_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int json = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            fputs(store_usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(store_usage, NULL);
        }
    }
    if (path == NULL || optind != argc) {
        return cli_usage_error(store_usage, "-c NODE_CONFIG is required");
    }
    char err[ERR_CAP];
    struct node_config *cfg = NULL;
    if (node_config_load(path, NODE_CONFIG_CHECK_FILES, &cfg, err, sizeof(err)) != MPC_OK) {
        cli_errf("%s", err);
        return CLI_EXIT_FAILED;
    }
    int rc = store_check_run(cfg, json);
    node_config_free(cfg);
    return rc;
}

/*
 * cli_hd.c — hierarchical derivation in mpc-cli (docs/specs/hd-derivation.md):
 * `mpc-cli derive` (offline: children of an xpub, or of an Ed25519 key and
 * chain code), `mpc-cli xpub` (the extended public key of a wallet, taken
 * from the signed results of one of its requests, or asked of the nodes:
 * cli_xpub.c), and the HD lines of printed results.
 */
#include "node/cli/cli_hd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "node/cli/cli_results.h"
#include "node/client/ids.h"
#include "tss/hd.h"

static const char derive_usage[] =
    "usage: mpc-cli derive --xpub XPUB --path m/i/j...\n"
    "       mpc-cli derive --key-type ed25519 --public-key HEX --chain-code HEX --path P\n"
    "\n"
    "Derives a child public key offline (non-hardened indices only). secp256k1: BIP32\n"
    "public derivation from an xpub; prints the child xpub and its compressed key.\n"
    "ed25519: the additive scheme of docs/specs/hd-derivation.md; prints the child\n"
    "key and chain code.\n";

static const char xpub_usage[] =
    "usage: mpc-cli xpub --wallet W [--key-type T] [--path P] [--nodes A,B,...]\n"
    "                    [--key FILE] [--peers FILE] [--timeout S] [options]\n"
    "       mpc-cli xpub --wallet W --request-id R [--key-type T] [--path P]\n"
    "                    [--client-id ID] [--peers FILE] [--timeout S] [options]\n"
    "\n"
    "Prints the extended public key of wallet W (at path P, default m).\n"
    "Without --request-id every node of the peers file (or --nodes) is asked for the\n"
    "key (mpc.n.<node>.keyinfo), the query signed with the initiator key (--key,\n"
    "default $MPC_INITIATOR_KEY); each reply must be signed by its node's key in the\n"
    "peers file; the key is printed only if at least its threshold of replies (and\n"
    "2) agree and no reply states another key (MPC_ERR_KEYINFO_DISAGREE,\n"
    "MPC_ERR_KEYINFO_TOO_FEW otherwise). With --request-id the group key and chain\n"
    "code come from the signed results of R (a keygen, reshare or sign request of\n"
    "W), every copy required to agree. secp256k1: a BIP32 xpub a watch-only wallet\n"
    "imports; secp256k1-tr: the BIP32 xpub of the internal key (a child's Taproot\n"
    "output key is the BIP341 tweak of its x-only key); ed25519: key and chain code\n"
    "in hex.\n" CLI_NATS_HELP;

/* Prints an extended key: xpub (secp256k1) or key and chain code (ed25519). */
static int
print_xkey(const tss_hd_xkey *k, const char *path)
{
    char hex[2 * TSS_POINT_MAX_BYTES + 1], buf[TSS_HD_XPUB_CHARS];
    size_t len = k->curve == TSS_CURVE_SECP256K1 ? 33 : 32;
    cli_hex(hex, k->key, len);
    printf("path:        %s\n", path);
    printf("public key:  %s\n", hex);
    if (k->curve == TSS_CURVE_SECP256K1) {
        if (tss_hd_xpub_encode(buf, sizeof buf, k) != MPC_OK) {
            return CLI_EXIT_FAILED;
        }
        printf("xpub:        %s\n", buf);
    } else {
        cli_hex(hex, k->chain, TSS_HD_CHAIN_BYTES);
        printf("chain code:  %s\n", hex);
    }
    return CLI_EXIT_OK;
}

/* Derives root along path_text and prints the child. */
int
cli_hd_derive_print(const tss_hd_xkey *root, const char *path_text)
{
    tss_hd_path path;
    tss_hd_xkey child;
    char canon[TSS_HD_PATH_CHARS];
    mpc_status st = tss_hd_path_parse(&path, path_text != NULL ? path_text : "m");
    if (st == MPC_OK) {
        st = tss_hd_derive(&child, NULL, root, &path);
    }
    if (st == MPC_OK) {
        st = tss_hd_path_format(canon, sizeof canon, &path);
    }
    if (st != MPC_OK) {
        cli_errf("derivation refused: %s (%s)", mpc_status_str(st), mpc_status_name(st));
        return CLI_EXIT_FAILED;
    }
    return print_xkey(&child, canon);
}

enum { OPT_XPUB = 4001, OPT_KT, OPT_PK, OPT_CHAIN, OPT_PATH, OPT_HELP };

int
cli_cmd_derive(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"xpub", required_argument, NULL, OPT_XPUB},
        {"key-type", required_argument, NULL, OPT_KT},
        {"public-key", required_argument, NULL, OPT_PK},
        {"chain-code", required_argument, NULL, OPT_CHAIN},
        {"path", required_argument, NULL, OPT_PATH},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *xpub = NULL, *kt = "ed25519", *pk_hex = NULL, *chain_hex = NULL, *path = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_XPUB:
            xpub = optarg;
            break;
        case OPT_KT:
            kt = optarg;
            break;
        case OPT_PK:
            pk_hex = optarg;
            break;
        case OPT_CHAIN:
            chain_hex = optarg;
            break;
        case OPT_PATH:
            path = optarg;
            break;
        case OPT_HELP:
            fputs(derive_usage, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error(derive_usage, NULL);
        }
    }
    if (path == NULL || optind != argc) {
        return cli_usage_error(derive_usage, "--path is required");
    }
    tss_hd_xkey root;
    if (xpub != NULL) {
        if (tss_hd_xpub_decode(&root, xpub) != MPC_OK) {
            cli_errf("--xpub: not a valid BIP32 xpub (%s)", mpc_status_name(MPC_ERR_HD_XPUB));
            return CLI_EXIT_FAILED;
        }
        return cli_hd_derive_print(&root, path);
    }
    uint8_t pk[32], chain[TSS_HD_CHAIN_BYTES];
    size_t n = 0;
    if (strcmp(kt, "ed25519") != 0 || pk_hex == NULL || chain_hex == NULL ||
        mpc_hex_decode(pk, sizeof pk, &n, pk_hex) != MPC_OK || n != 32 ||
        mpc_hex_decode_exact(chain, sizeof chain, chain_hex) != MPC_OK) {
        return cli_usage_error(derive_usage, "give --xpub, or ed25519 --public-key (32 bytes) and "
                                             "--chain-code (32 bytes)");
    }
    if (tss_hd_root(&root, TSS_CURVE_ED25519, pk, 32, chain) != MPC_OK) {
        cli_errf("--public-key: not a valid Ed25519 point");
        return CLI_EXIT_FAILED;
    }
    return cli_hd_derive_print(&root, path);
}

/* The first accepted successful copy of the wallet's key type, if every copy agrees. */
static const Mpc__Result *
xpub_result(const struct cli_results *r, const struct cli_xpub_opts *o)
{
    if (r->inconsistent || r->verify_failed || r->n_rejected > 0) {
        cli_errf("the results disagree or were refused: no key printed");
        return NULL;
    }
    for (size_t i = 0; i < r->n; i++) {
        const Mpc__Result *res = r->v[i].res;
        if (res->status_code == 0 && (int)res->key_type == o->key_type &&
            strcmp(res->wallet_id, o->wallet) == 0) {
            return res;
        }
    }
    cli_errf("no successful result of wallet %s with that key type", o->wallet);
    return NULL;
}

static int
xpub_run(const struct cli_xpub_opts *o)
{
    struct transport_js *js = NULL;
    struct transport_js_results *w = NULL;
    struct cli_peer_keys *peers = calloc(1, sizeof(*peers));
    if (peers == NULL || cli_peer_keys_load(o->peers_file, peers) != 0) {
        free(peers);
        return CLI_EXIT_FAILED;
    }
    mpc_status st =
        cli_results_watch_open(&o->nats, "mpc-cli", o->client_id, o->request_id, &js, &w);
    int rc = cli_exit_for_nats(st);
    struct cli_results *r = st == MPC_OK ? cli_results_new() : NULL;
    if (r != NULL) {
        struct cli_collect_params p;
        cli_collect_params_init(&p, o->client_id, o->request_id, peers, 0, o->timeout_ms);
        p.key_type = o->key_type; /* a keygen of two key types: wait for this one's copies */
        st = cli_results_collect(w, &p, r);
        rc = cli_exit_for_nats(st);
        const Mpc__Result *res = st == MPC_OK ? xpub_result(r, o) : NULL;
        tss_hd_xkey root;
        if (res != NULL && res->chain_code.len != TSS_HD_CHAIN_BYTES) {
            cli_errf("key of wallet %s has no chain code (%s)", o->wallet,
                     mpc_status_name(MPC_ERR_HD_NO_CHAIN_CODE));
            res = NULL;
        }
        if (res != NULL &&
            tss_hd_root(&root,
                        o->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519 ? TSS_CURVE_ED25519
                                                                       : TSS_CURVE_SECP256K1,
                        res->public_key.data, res->public_key.len,
                        res->chain_code.data) == MPC_OK) {
            rc = cli_hd_derive_print(&root, o->path);
        } else if (rc == CLI_EXIT_OK) {
            rc = CLI_EXIT_FAILED;
        }
    }
    cli_results_free(r);
    cli_results_watch_close(js, w);
    cli_peer_keys_clear(peers);
    free(peers);
    return rc;
}

enum {
    OPT_WALLET = 4101,
    OPT_REQID,
    OPT_CLIENT,
    OPT_PEERS,
    OPT_TIMEOUT,
    OPT_XKT,
    OPT_XPATH,
    OPT_NODES
};

/* The wallet form: the nodes' signed key facts, then the derivation. */
static int
xpub_wallet_run(const struct cli_xpub_opts *o)
{
    tss_hd_xkey root;
    int rc = cli_xpub_wallet(o, &root);
    return rc == CLI_EXIT_OK ? cli_hd_derive_print(&root, o->path) : rc;
}

int
cli_cmd_xpub(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"wallet", required_argument, NULL, OPT_WALLET},
        {"request-id", required_argument, NULL, OPT_REQID},
        {"client-id", required_argument, NULL, OPT_CLIENT},
        {"peers", required_argument, NULL, OPT_PEERS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"key-type", required_argument, NULL, OPT_XKT},
        {"path", required_argument, NULL, OPT_XPATH},
        {"nodes", required_argument, NULL, OPT_NODES},
        {"help", no_argument, NULL, OPT_HELP},
        CLI_KEY_LONGOPTS,
        {"nats", required_argument, NULL, CLI_OPT_NATS},
        {"user", required_argument, NULL, CLI_OPT_USER},
        {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
        {NULL, 0, NULL, 0},
    };
    struct cli_xpub_opts o;
    memset(&o, 0, sizeof(o));
    o.client_id = "mpc-cli";
    o.timeout_ms = 5000;
    o.key_type = MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    int c, bad = 0;
    optind = 0;
    while (!bad && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (cli_nats_opt(&o.nats, c, optarg) || cli_key_opt(&o.key_file, &o.pass, c, optarg)) {
            continue;
        }
        switch (c) {
        case OPT_NODES:
            o.nodes = optarg;
            break;
        case OPT_WALLET:
            o.wallet = optarg;
            break;
        case OPT_REQID:
            o.request_id = optarg;
            break;
        case OPT_CLIENT:
            o.client_id = optarg;
            break;
        case OPT_PEERS:
            o.peers_file = optarg;
            break;
        case OPT_XPATH:
            o.path = optarg;
            break;
        case OPT_TIMEOUT:
            bad = cli_parse_seconds(optarg, &o.timeout_ms) != 0;
            break;
        case OPT_XKT:
            o.key_type = cli_parse_key_type(optarg);
            bad = o.key_type == 0;
            break;
        case OPT_HELP:
            fputs(xpub_usage, stdout);
            return CLI_EXIT_OK;
        default:
            bad = 1;
            break;
        }
    }
    if (bad || o.wallet == NULL || optind != argc ||
        (o.request_id != NULL && !node_client_request_id_is_valid(o.request_id))) {
        return cli_usage_error(xpub_usage, bad ? NULL : "--wallet is required");
    }
    return o.request_id != NULL ? xpub_run(&o) : xpub_wallet_run(&o);
}

void
cli_hd_print_result(const Mpc__Result *res)
{
    char hex[2 * 64 + 1], buf[TSS_HD_XPUB_CHARS];
    tss_hd_xkey root;
    if (res->chain_code.len != TSS_HD_CHAIN_BYTES) {
        return;
    }
    cli_hex(hex, res->chain_code.data, TSS_HD_CHAIN_BYTES);
    printf("chain code: %s\n", hex);
    if ((res->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 ||
         res->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR) && /* Taproot: the internal key */
        tss_hd_root(&root, TSS_CURVE_SECP256K1, res->public_key.data, res->public_key.len,
                    res->chain_code.data) == MPC_OK &&
        tss_hd_xpub_encode(buf, sizeof buf, &root) == MPC_OK) {
        printf("xpub:       %s\n", buf);
    }
    if (res->derivation_path != NULL && res->derivation_path[0] != '\0' &&
        res->child_public_key.len > 0 && res->child_public_key.len <= 64) {
        cli_hex(hex, res->child_public_key.data, res->child_public_key.len);
        printf("path:       %s  child key %s\n", res->derivation_path, hex);
    }
}

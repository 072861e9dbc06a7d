/*
 * cli_request.c — mpc-cli keygen / sign / reshare: options and the signed
 * request bytes (see node/cli/cli_request.h).
 */
#include "node/cli/cli_request.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/secmem.h"
#include "node/cli/cli_resubmit.h"
#include "node/store/keyinfo.h"

#define MESSAGE_FILE_MAX   (1u << 20) /* --message-file bound */
#define DEFAULT_TIMEOUT_MS 60000u     /* --timeout default */
#define DEFAULT_CLIENT_ID  "mpc-cli"  /* --client-id default */

#define COMMON_HELP                                                                                \
    "  --key FILE              initiator key that signs the request (default\n"                    \
    "                          $MPC_INITIATOR_KEY); encrypted files need a passphrase:\n"          \
    "  --passphrase-file F, --passphrase-env VAR   (default $MPC_PASSPHRASE, else prompt)\n"       \
    "  --client-id ID          results go to mpc.res.<ID>.<request id> (default mpc-cli)\n"        \
    "  --request-id ID         [A-Za-z0-9_-]{1,64}, default random; the same saved request\n"      \
    "                          sent again gets the original result, another request\n"             \
    "                          with a used id is refused (MPC_ERR_REQ_ID_REUSED)\n"                \
    "  --timeout S             wait at most S seconds for the results (default 60); the\n"         \
    "                          publish is repeated within it while no stream leader answers\n"     \
    "  --resubmit-ms MS        no result for MS ms: publish the same request again under a\n"      \
    "                          new Nats-Msg-Id (default 10000; 0 = never); the nodes run\n"        \
    "                          it once and answer every copy from their request log;\n"            \
    "                          each copy is a line on stderr (with --json: counted in\n"           \
    "                          \"resubmissions\" instead, stderr only for a failed copy)\n"        \
    "  --resubmit-max N        at most N resubmissions (default 5)\n"                              \
    "  --expires-in S          nodes refuse the request after S seconds (at most the\n"            \
    "                          nodes' requests.max_expiry_ms; requests are also refused\n"         \
    "                          once older than requests.max_age_ms, default 5 min)\n"              \
    "  --expect N              wait for N results (default: one per committee member)\n"           \
    "  --peers FILE            the peers file, to know the committee when it is implicit\n"        \
    "  --json                  print one JSON document\n"                                          \
    "  --out-request F         write the signed request to F and send nothing (to\n"               \
    "                          collect approvals: see `mpc-cli approve --help`)\n"                 \
    "  --request F             send the signed request saved in F instead of building\n"           \
    "                          one (its op must be this command's; the request\n"                  \
    "                          options above are then taken from F)\n"                             \
    "  --approval A            with --request: attach the approval file A (repeat,\n"              \
    "                          one per authorizer, when the nodes set "                            \
    "`authorizers:`)\n" CLI_NATS_HELP                                                              \
    "Exit: 0 every result ok (and signatures verified), 1 an error result or a bad\n"              \
    "signature, 2 usage, 3 timeout, 4 NATS unavailable.\n"

static const char keygen_usage[] =
    "usage: mpc-cli keygen --wallet W [--key-type T]... [--participants A,B,C]\n"
    "                      [--threshold K] [options]\n"
    "\n"
    "Asks the cluster for a new threshold key: every participant runs the DKG and\n"
    "publishes its result (the group public key). Prints one line per node.\n"
    "\n"
    "  --wallet W              wallet id [A-Za-z0-9._-]{1,64}\n"
    "  --key-type T            ed25519 (default), secp256k1 or secp256k1-tr;\n"
    "                          repeat for two\n"
    "  --participants LIST     comma-separated node ids (default: all peers)\n"
    "  --threshold K           signers needed, 2 <= K <= n (default: n)\n" COMMON_HELP;

static const char sign_usage[] =
    "usage: mpc-cli sign --wallet W (--message TEXT | --message-hex HEX | --message-file F...\n"
    "                    | --digests-file F)\n"
    "                    [--key-type T] [--signers A,B] [--key-version N] [--public-key HEX]\n"
    "                    [--path m/i/j...]\n"
    "                    [--taproot-merkle-root HEX | --taproot-untweaked] [options]\n"
    "\n"
    "Asks the cluster to sign a message with a wallet's key. Every signature in the\n"
    "results is verified here with libsodium (Ed25519) or libsecp256k1 (secp256k1:\n"
    "verify, low S, recovery of the group key) before it is reported. For secp256k1\n"
    "the message is the 32-byte digest to sign (e.g. --message-hex of a SHA-256);\n"
    "for secp256k1-tr (Taproot, BIP340) the 32-byte BIP341 sighash, signed under the\n"
    "output key, which mpc-cli recomputes and prints with its P2TR script.\n"
    "\n"
    "  --wallet W              wallet id\n"
    "  --message TEXT          the message (bytes of TEXT)\n"
    "  --message-hex HEX       the message in hex\n"
    "  --message-file F        the message is the content of F; repeat for a batch: one\n"
    "                          session signs every file, one signature each, in order\n"
    "  --digests-file F        a batch: one hex message (secp256k1: 32-byte digest) per\n"
    "                          line, at most the nodes' sign.max_batch (default 64)\n"
    "  --key-type T            ed25519 (default), secp256k1 or secp256k1-tr\n"
    "  --taproot-merkle-root HEX  secp256k1-tr: tweak with this 32-byte script tree\n"
    "                          root (default: key-path-only output, BIP86)\n"
    "  --taproot-untweaked     secp256k1-tr: sign under the internal key itself\n"
    "  --signers LIST          comma-separated node ids (default: the cluster chooses\n"
    "                          threshold live holders; the others answer NOT_SELECTED)\n"
    "  --key-version N         sign with this key version (default: the active one)\n"
    "  --path m/0/5            sign with the child key at this non-hardened derivation\n"
    "                          path (docs/specs/hd-derivation.md); the signature is\n"
    "                          verified under the child key derived here from the\n"
    "                          group key and the chain code in the signed results\n"
    "  --public-key HEX        verify against this group key instead of the reported\n"
    "                          one (32 bytes ed25519, 33 bytes compressed secp256k1)\n" COMMON_HELP;

static const char reshare_usage[] =
    "usage: mpc-cli reshare --wallet W --new-participants A,B,C --new-threshold K\n"
    "                       [--key-type T] [options]\n"
    "\n"
    "Moves a wallet's key to a new committee and threshold; the group public key\n"
    "does not change.\n"
    "\n"
    "  --wallet W              wallet id\n"
    "  --new-participants LIST comma-separated node ids of the new committee\n"
    "  --new-threshold K       new threshold, 2 <= K <= n\n"
    "  --key-type T            ed25519 (default), secp256k1 or secp256k1-tr\n" COMMON_HELP;

/* Option values of getopt_long (NATS options use CLI_OPT_*). */
enum {
    OPT_CLIENT = 2001,
    OPT_REQID,
    OPT_WALLET,
    OPT_KEYTYPE,
    OPT_PARTIES,
    OPT_THRESHOLD,
    OPT_MSG,
    OPT_MSGHEX,
    OPT_MSGFILE,
    OPT_DIGESTS,
    OPT_KEYVER,
    OPT_TIMEOUT,
    OPT_EXPIRES,
    OPT_EXPECT,
    OPT_PEERS,
    OPT_PK,
    OPT_PATH,
    OPT_JSON,
    OPT_HELP,
    OPT_OUTREQ,
    OPT_REQFILE,
    OPT_APPROVAL,
    OPT_X_UNSIGNED,
    OPT_X_BADSIG,
    OPT_X_GARBAGE,
    OPT_X_NOWAIT,
    OPT_X_MSGID,
    OPT_TR_ROOT,
    OPT_TR_UNTWEAKED,
    OPT_RESUBMIT_MS,
    OPT_RESUBMIT_MAX,
};

const char *
cli_req_usage(int op)
{
    return op == MPC__OP__OP_KEYGEN ? keygen_usage
           : op == MPC__OP__OP_SIGN ? sign_usage
                                    : reshare_usage;
}

/* Splits a comma-separated list of node ids into o->parties. */
static int
parse_parties(struct cli_req_opts *o, const char *arg)
{
    free(o->parties_arg);
    o->parties_arg = strdup(arg);
    o->n_parties = 0;
    if (o->parties_arg == NULL) {
        return -1;
    }
    char *save = NULL;
    for (char *tok = strtok_r(o->parties_arg, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (o->n_parties == CLI_PARTIES_MAX) {
            cli_errf("more than %u node ids", CLI_PARTIES_MAX);
            return -1;
        }
        o->parties[o->n_parties++] = tok;
    }
    return o->n_parties > 0 ? 0 : -1;
}

static int
parse_key_type(struct cli_req_opts *o, const char *arg)
{
    int kt = cli_parse_key_type(arg);
    size_t cap = o->op == MPC__OP__OP_KEYGEN ? 2 : 1;
    if (kt == 0 || o->n_key_types == cap) {
        return -1;
    }
    o->key_types[o->n_key_types++] = kt;
    return 0;
}

/* Appends one batch entry (takes ownership of *p on success). Returns 0 or -1. */
static int
batch_push(struct cli_req_opts *o, uint8_t **p, size_t len)
{
    if (o->n_batch >= CLI_BATCH_MAX) {
        cli_errf("at most %u batch entries", CLI_BATCH_MAX);
        return -1;
    }
    if (o->batch == NULL) {
        o->batch = calloc(CLI_BATCH_MAX, sizeof *o->batch);
        o->batch_lens = calloc(CLI_BATCH_MAX, sizeof *o->batch_lens);
        if (o->batch == NULL || o->batch_lens == NULL) {
            return -1;
        }
    }
    o->batch[o->n_batch] = *p;
    o->batch_lens[o->n_batch++] = len;
    *p = NULL;
    return 0;
}

/* --digests-file F: one hex entry per line (blank lines skipped), each a batch entry. */
static int
parse_digests_file(struct cli_req_opts *o, const char *path)
{
    uint8_t *text = NULL;
    size_t len = 0;
    if (cli_file_read(path, MESSAGE_FILE_MAX, &text, &len) != MPC_OK) {
        return -1;
    }
    text[len] = '\0'; /* cli_file_read leaves room for it */
    int rc = 0;
    char *save = NULL;
    for (char *line = strtok_r((char *)text, "\r\n", &save); rc == 0 && line != NULL;
         line = strtok_r(NULL, "\r\n", &save)) {
        uint8_t *e = NULL;
        size_t el = 0;
        if (line[strspn(line, " \t")] == '\0') {
            continue;
        }
        if (cli_parse_hex_alloc(line, &e, &el) != 0) {
            cli_errf("--digests-file: not hex: %.40s", line);
            rc = -1;
        } else if (batch_push(o, &e, el) != 0) {
            rc = -1;
        }
        free(e);
    }
    free(text);
    o->batch_file = 1;
    return rc;
}

static int
parse_message(struct cli_req_opts *o, int c, const char *arg)
{
    if (c == OPT_MSGFILE) { /* repeatable: every file is a batch entry (one: a single sign) */
        uint8_t *m = NULL;
        size_t ml = 0;
        if (cli_file_read(arg, MESSAGE_FILE_MAX, &m, &ml) != MPC_OK || batch_push(o, &m, ml) != 0) {
            free(m);
            return -1;
        }
        return 0;
    }
    if (c == OPT_DIGESTS) {
        return parse_digests_file(o, arg);
    }
    if (o->message != NULL) {
        cli_errf("give one of --message, --message-hex, --message-file");
        return -1;
    }
    if (c == OPT_MSG) {
        size_t len = strlen(arg);
        o->message = malloc(len + 1);
        if (o->message == NULL) {
            return -1;
        }
        memcpy(o->message, arg, len);
        o->message_len = len;
        return 0;
    }
    if (cli_parse_hex_alloc(arg, &o->message, &o->message_len) != 0) {
        cli_errf("--message-hex: not hex");
        return -1;
    }
    return 0;
}

/* Handles one numeric option; returns 0, or -1 for a malformed value. */
static int
apply_num_opt(struct cli_req_opts *o, int c, const char *arg)
{
    uint64_t v = 0;
    switch (c) {
    case OPT_THRESHOLD:
    case OPT_KEYVER:
        if (cli_parse_u64(arg, 0, UINT32_MAX, &v) != 0) {
            return -1;
        }
        *(c == OPT_THRESHOLD ? &o->threshold : &o->key_version) = (uint32_t)v;
        return 0;
    case OPT_EXPECT:
        return cli_parse_expect(arg, &o->expect);
    case OPT_TIMEOUT:
    case OPT_EXPIRES:
        return cli_parse_seconds(arg, c == OPT_TIMEOUT ? &o->timeout_ms : &o->expires_in_ms);
    case OPT_RESUBMIT_MS:
        return cli_resubmit_parse_ms(arg, &o->resubmit_ms);
    case OPT_RESUBMIT_MAX:
        return cli_resubmit_parse_max(arg, &o->resubmit_max);
    case OPT_X_GARBAGE:
        if (cli_parse_u64(arg, 1, 8u << 20, &v) != 0) {
            return -1;
        }
        o->x_garbage = (size_t)v;
        return 0;
    default:
        return -1;
    }
}

/* Handles one parsed option; returns 0, or -1 for a usage error (reported). */
static int
apply_opt(struct cli_req_opts *o, int c, const char *arg)
{
    if (cli_nats_opt(&o->nats, c, arg) || cli_key_opt(&o->key_file, &o->pass, c, arg)) {
        return 0;
    }
    switch (c) {
    case OPT_CLIENT:
        o->client_id = arg;
        return 0;
    case OPT_WALLET:
        o->wallet = arg;
        return 0;
    case OPT_PEERS:
        o->peers_file = arg;
        return 0;
    case OPT_JSON:
        o->json = 1;
        return 0;
    case OPT_OUTREQ:
        o->out_request = arg;
        return 0;
    case OPT_REQFILE:
        o->request_file = arg;
        return 0;
    case OPT_APPROVAL:
        if (o->n_approvals == NODE_CLIENT_REQUEST_APPROVALS_MAX) {
            cli_errf("more than %u approvals", NODE_CLIENT_REQUEST_APPROVALS_MAX);
            return -1;
        }
        o->approval_files[o->n_approvals++] = arg;
        return 0;
    case OPT_X_UNSIGNED:
    case OPT_X_BADSIG:
    case OPT_X_NOWAIT:
        *(c == OPT_X_UNSIGNED ? &o->x_unsigned
          : c == OPT_X_BADSIG ? &o->x_bad_sig
                              : &o->x_no_wait) = 1;
        return 0;
    case OPT_X_MSGID:
        o->x_msg_id = arg;
        return node_client_request_id_is_valid(arg) ? 0 : -1;
    case OPT_REQID:
        if (!node_client_request_id_is_valid(arg)) {
            cli_errf("--request-id: expected [A-Za-z0-9_-]{1,64}");
            return -1;
        }
        snprintf(o->request_id, sizeof(o->request_id), "%s", arg);
        return 0;
    case OPT_KEYTYPE:
        return parse_key_type(o, arg);
    case OPT_PARTIES:
        return parse_parties(o, arg);
    case OPT_MSG:
    case OPT_MSGHEX:
    case OPT_MSGFILE:
    case OPT_DIGESTS:
        return parse_message(o, c, arg);
    case OPT_PK:
        return cli_parse_public_key(arg, o->pk, &o->has_pk);
    case OPT_PATH: /* checked by the nodes (a hardened index is their refusal to show) */
        o->hd_path = arg;
        return 0;
    case OPT_TR_ROOT:
        o->has_tr_root = 1;
        return mpc_hex_decode_exact(o->tr_root, sizeof o->tr_root, arg) == MPC_OK ? 0 : -1;
    case OPT_TR_UNTWEAKED:
        o->tr_untweaked = 1;
        return 0;
    default:
        return apply_num_opt(o, c, arg);
    }
}

/* Checks what each op requires once every option is parsed. */
static const char *
check_required(const struct cli_req_opts *o)
{
    if (o->wallet == NULL) {
        return "--wallet is required";
    }
    if (o->message != NULL && o->n_batch > 0) {
        return "sign: --message/--message-hex exclude --message-file/--digests-file";
    }
    if (o->op == MPC__OP__OP_SIGN && o->message == NULL && o->n_batch == 0 && o->x_garbage == 0) {
        return "sign: give --message, --message-hex or --message-file";
    }
    if (o->op == MPC__OP__OP_RESHARE && (o->n_parties == 0 || o->threshold == 0)) {
        return "reshare: --new-participants and --new-threshold are required";
    }
    if (o->key_file == NULL && !o->x_unsigned && o->x_garbage == 0) {
        return "--key FILE (or $MPC_INITIATOR_KEY) is required to sign the request";
    }
    if (o->client_id == NULL || !node_client_id_is_valid(o->client_id)) {
        return "--client-id: expected [A-Za-z0-9_-]{1,64}";
    }
    return NULL;
}

/* Fills in defaults: key type, request id, key file, timeout. */
static int
apply_defaults(struct cli_req_opts *o)
{
    if (o->n_key_types == 0) {
        o->key_types[o->n_key_types++] = MPC__KEY_TYPE__KEY_TYPE_ED25519;
    }
    if (o->key_file == NULL) {
        o->key_file = getenv("MPC_INITIATOR_KEY");
    }
    if (o->client_id == NULL) {
        o->client_id = DEFAULT_CLIENT_ID;
    }
    if (o->timeout_ms == 0) {
        o->timeout_ms = DEFAULT_TIMEOUT_MS;
    }
    if (o->request_id[0] == '\0') {
        uint8_t rnd[12];
        if (mpc_random_bytes(rnd, sizeof(rnd)) != MPC_OK) {
            return -1;
        }
        cli_hex(o->request_id, rnd, sizeof(rnd));
    }
    return 0;
}

static int req_parse_finish(struct cli_req_opts *o, const char *usage);

int
cli_req_parse(int op, int argc, char **argv, struct cli_req_opts *o)
{
    const struct option longopts[] = {
        CLI_KEY_LONGOPTS,
        {"client-id", required_argument, NULL, OPT_CLIENT},
        {"request-id", required_argument, NULL, OPT_REQID},
        {"wallet", required_argument, NULL, OPT_WALLET},
        {"key-type", required_argument, NULL, OPT_KEYTYPE},
        {op == MPC__OP__OP_KEYGEN ? "participants"
         : op == MPC__OP__OP_SIGN ? "signers"
                                  : "new-participants",
         required_argument, NULL, OPT_PARTIES},
        {op == MPC__OP__OP_RESHARE ? "new-threshold" : "threshold", required_argument, NULL,
         op == MPC__OP__OP_SIGN ? 0 : OPT_THRESHOLD},
        {"message", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_MSG : 0},
        {"message-hex", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_MSGHEX : 0},
        {"message-file", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_MSGFILE : 0},
        {"digests-file", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_DIGESTS : 0},
        {"key-version", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_KEYVER : 0},
        {"public-key", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_PK : 0},
        {"path", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_PATH : 0},
        {"taproot-merkle-root", required_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_TR_ROOT : 0},
        {"taproot-untweaked", no_argument, NULL, op == MPC__OP__OP_SIGN ? OPT_TR_UNTWEAKED : 0},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"expires-in", required_argument, NULL, OPT_EXPIRES},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"resubmit-ms", required_argument, NULL, OPT_RESUBMIT_MS},
        {"resubmit-max", required_argument, NULL, OPT_RESUBMIT_MAX},
        {"peers", required_argument, NULL, OPT_PEERS},
        {"json", no_argument, NULL, OPT_JSON},
        {"out-request", required_argument, NULL, OPT_OUTREQ},
        {"request", required_argument, NULL, OPT_REQFILE},
        {"approval", required_argument, NULL, OPT_APPROVAL},
        {"help", no_argument, NULL, OPT_HELP},
        {"nats", required_argument, NULL, CLI_OPT_NATS},
        {"user", required_argument, NULL, CLI_OPT_USER},
        {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
        {"x-unsigned", no_argument, NULL, OPT_X_UNSIGNED},
        {"x-bad-signature", no_argument, NULL, OPT_X_BADSIG},
        {"x-garbage", required_argument, NULL, OPT_X_GARBAGE},
        {"x-no-wait", no_argument, NULL, OPT_X_NOWAIT},
        {"x-msg-id", required_argument, NULL, OPT_X_MSGID},
        {NULL, 0, NULL, 0},
    };
    const char *usage = cli_req_usage(op);
    memset(o, 0, sizeof(*o));
    o->op = op;
    o->resubmit_ms = CLI_RESUBMIT_DEF_MS;
    o->resubmit_max = CLI_RESUBMIT_DEF_MAX;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(usage, stdout);
            return -1;
        }
        if (c == '?' || c == 0) {
            return cli_usage_error(usage, c == 0 ? "option not valid for this command" : NULL);
        }
        if (apply_opt(o, c, optarg) != 0) {
            char msg[160];
            snprintf(msg, sizeof(msg), "invalid option value '%.100s'",
                     optarg != NULL ? optarg : "");
            return cli_usage_error(usage, msg);
        }
    }
    if (optind != argc) {
        return cli_usage_error(usage, "unexpected argument");
    }
    return req_parse_finish(o, usage);
}

/* After the options: a saved request (--request, --approval) is loaded; otherwise the
 * defaults are applied and the required options checked. Returns: as cli_req_parse. */
static int
req_parse_finish(struct cli_req_opts *o, const char *usage)
{
    if (o->request_file != NULL || o->n_approvals > 0) {
        if (o->request_file == NULL) {
            return cli_usage_error(usage, "--approval needs --request (an approval signs the "
                                          "saved request's bytes)");
        }
        if (o->out_request != NULL || o->x_garbage != 0) {
            return cli_usage_error(usage, "--request excludes --out-request");
        }
        if (o->timeout_ms == 0) {
            o->timeout_ms = DEFAULT_TIMEOUT_MS;
        }
        return cli_req_load(o);
    }
    if (apply_defaults(o) != 0) {
        return CLI_EXIT_FAILED;
    }
    if (o->n_batch == 1 && !o->batch_file && o->message == NULL) { /* one file: a single sign */
        o->message = o->batch[0];
        o->message_len = o->batch_lens[0];
        o->batch[0] = NULL;
        o->n_batch = 0;
    }
    const char *missing = check_required(o);
    return missing != NULL ? cli_usage_error(usage, missing) : CLI_EXIT_OK;
}

void
cli_req_opts_clear(struct cli_req_opts *o)
{
    for (size_t i = 0; i < o->n_batch; i++) {
        free(o->batch[i]);
    }
    free(o->batch);
    free(o->batch_lens);
    o->batch = NULL;
    o->batch_lens = NULL;
    o->n_batch = 0;
    free(o->parties_arg);
    free(o->message);
    free(o->loaded_bytes);
    if (o->loaded != NULL) {
        mpc__request__free_unpacked(o->loaded, NULL);
    }
    o->parties_arg = NULL;
    o->message = NULL;
    o->loaded_bytes = NULL;
    o->loaded = NULL;
}

/* Encodes the Request of o with the shared codec. Out: *out (malloc'ed), *out_len. */
static mpc_status
encode_request(const struct cli_req_opts *o, uint8_t **out, size_t *out_len)
{
    Mpc__Request req = MPC__REQUEST__INIT;
    Mpc__KeygenRequest kg = MPC__KEYGEN_REQUEST__INIT;
    Mpc__SignRequest sg = MPC__SIGN_REQUEST__INIT;
    Mpc__ReshareRequest rs = MPC__RESHARE_REQUEST__INIT;
    ProtobufCBinaryData *msgs = NULL;
    Mpc__KeyType kts[2] = {(Mpc__KeyType)o->key_types[0], (Mpc__KeyType)o->key_types[1]};
    req.request_id = (char *)o->request_id;
    req.client_id = (char *)o->client_id;
    req.created_at_ms = mpc_clock_wall_ms();
    req.expires_at_ms = o->expires_in_ms != 0 ? req.created_at_ms + o->expires_in_ms : 0;
    if (o->op == MPC__OP__OP_KEYGEN) {
        kg.wallet_id = (char *)o->wallet;
        kg.n_key_types = o->n_key_types;
        kg.key_types = kts;
        kg.n_participants = o->n_parties;
        kg.participants = (char **)o->parties;
        kg.threshold = o->threshold;
        req.body_case = MPC__REQUEST__BODY_KEYGEN;
        req.keygen = &kg;
    } else if (o->op == MPC__OP__OP_SIGN) {
        sg.wallet_id = (char *)o->wallet;
        sg.key_type = kts[0];
        sg.message.data = o->message;
        sg.message.len = o->message_len;
        if (o->n_batch > 0) {
            msgs = calloc(o->n_batch, sizeof *msgs);
            if (msgs == NULL) {
                return MPC_ERR_NOMEM;
            }
            for (size_t i = 0; i < o->n_batch; i++) {
                msgs[i].data = o->batch[i];
                msgs[i].len = o->batch_lens[i];
            }
            sg.n_messages = o->n_batch;
            sg.messages = msgs;
        }
        sg.n_signers = o->n_parties;
        sg.signers = (char **)o->parties;
        sg.key_version = o->key_version;
        if (o->hd_path != NULL) {
            sg.derivation_path = (char *)o->hd_path;
        }
        sg.taproot_merkle_root.data = o->has_tr_root ? (uint8_t *)o->tr_root : NULL;
        sg.taproot_merkle_root.len = o->has_tr_root ? sizeof o->tr_root : 0;
        sg.taproot_untweaked = o->tr_untweaked != 0;
        req.body_case = MPC__REQUEST__BODY_SIGN;
        req.sign = &sg;
    } else {
        rs.wallet_id = (char *)o->wallet;
        rs.key_type = kts[0];
        rs.n_new_participants = o->n_parties;
        rs.new_participants = (char **)o->parties;
        rs.new_threshold = o->threshold;
        req.body_case = MPC__REQUEST__BODY_RESHARE;
        req.reshare = &rs;
    }
    mpc_status st = node_client_request_encode(&req, out, out_len);
    free(msgs);
    return st;
}

/* Seals req bytes with the initiator key (or, for the hidden options, unsigned / corrupted). */
static mpc_status
seal_request(const struct cli_req_opts *o, const uint8_t *req, size_t req_len, uint8_t **out,
             size_t *out_len)
{
    node_store_identity *initiator = NULL;
    if (!o->x_unsigned) {
        mpc_status st = cli_key_load(o->key_file, &o->pass, &initiator);
        if (st != MPC_OK) {
            return st;
        }
    }
    mpc_status st = node_client_request_seal(initiator, req, req_len, out, out_len);
    node_store_identity_destroy(initiator);
    if (st == MPC_OK && o->x_bad_sig && *out_len > 0) {
        (*out)[*out_len - 1] ^=
            0x01; /* the signature is the last field when there are no approvals */
    }
    return st;
}

/* Attaches the --approval files to the loaded request. */
static mpc_status
attach_approvals(const struct cli_req_opts *o, uint8_t **out, size_t *out_len)
{
    uint8_t *ap[NODE_CLIENT_REQUEST_APPROVALS_MAX] = {0};
    size_t lens[NODE_CLIENT_REQUEST_APPROVALS_MAX] = {0};
    mpc_status st = MPC_OK;
    for (size_t i = 0; i < o->n_approvals && st == MPC_OK; i++) {
        st = cli_file_read(o->approval_files[i], CLI_APPROVAL_FILE_MAX, &ap[i], &lens[i]);
    }
    if (st == MPC_OK) {
        st = node_client_request_attach(o->loaded_bytes, o->loaded_len, (const uint8_t *const *)ap,
                                        lens, o->n_approvals, out, out_len);
        if (st != MPC_OK) {
            cli_errf("attaching approvals: %s", mpc_status_str(st));
        }
    }
    for (size_t i = 0; i < o->n_approvals; i++) {
        free(ap[i]);
    }
    return st;
}

mpc_status
cli_req_build(const struct cli_req_opts *o, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (o->x_garbage > 0) {
        *out = malloc(o->x_garbage);
        if (*out == NULL) {
            return MPC_ERR_NOMEM;
        }
        memset(*out, 0xff, o->x_garbage);
        *out_len = o->x_garbage;
        return MPC_OK;
    }
    if (o->loaded_bytes != NULL) {
        return attach_approvals(o, out, out_len);
    }
    uint8_t *req = NULL;
    size_t req_len = 0;
    mpc_status st = encode_request(o, &req, &req_len);
    if (st == MPC_OK) {
        st = seal_request(o, req, req_len, out, out_len);
    }
    free(req);
    return st;
}

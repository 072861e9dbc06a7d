/*
 * cli_approve.c — saved requests and authorizer approvals: `mpc-cli approve`,
 * and the --request / --out-request halves of keygen / sign / reshare
 * (node/cli/cli_request.h). The bytes are made by node/client/request.h; this
 * file only moves them between files and the options.
 */
#include "node/cli/cli_request.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"

#define APPROVE_MSG_SHOWN 64u /* message bytes shown (hex) before approving */

static const char approve_usage[] =
    "usage: mpc-cli approve --key AUTHORIZER_KEY --out APPROVAL_FILE REQUEST_FILE\n"
    "\n"
    "Approves a saved request as one authorizer of the nodes' m-of-k policy\n"
    "(node config `authorizers:`). REQUEST_FILE is written by\n"
    "`mpc-cli keygen|sign|reshare ... --out-request REQUEST_FILE`; the approval\n"
    "is an Ed25519 signature by AUTHORIZER_KEY over the exact request bytes\n"
    "(\"mpc-node/approval/v1\\0\" || Request), so it is valid for that request\n"
    "only. The request is printed on stderr first: review it. Send the request\n"
    "with its approvals by\n"
    "  mpc-cli <op> --request REQUEST_FILE --approval A1 --approval A2 ...\n"
    "Collect every approval first: a request the nodes refuse (too few or bad\n"
    "approvals) stays refused under its id; save a new one to try again.\n"
    "\n"
    "  --key FILE              the authorizer's key (an `initiator new` key file)\n"
    "  --passphrase-file F, --passphrase-env VAR   for an encrypted key file\n"
    "  --out FILE              where the approval is written\n"
    "Exit: 0 approval written, 1 unreadable request or key, 2 usage.\n";

/* Prints what is being approved (stderr). */
static void
approve_show(const Mpc__Request *r)
{
    const char *wallet = r->body_case == MPC__REQUEST__BODY_KEYGEN    ? r->keygen->wallet_id
                         : r->body_case == MPC__REQUEST__BODY_SIGN    ? r->sign->wallet_id
                         : r->body_case == MPC__REQUEST__BODY_RESHARE ? r->reshare->wallet_id
                                                                      : "?";
    int op = r->body_case == MPC__REQUEST__BODY_KEYGEN ? MPC__OP__OP_KEYGEN
             : r->body_case == MPC__REQUEST__BODY_SIGN ? MPC__OP__OP_SIGN
                                                       : MPC__OP__OP_RESHARE;
    fprintf(stderr, "approving %s request %.64s of client %.64s, wallet %.64s\n",
            node_client_request_op_name(op), r->request_id, r->client_id, wallet);
    if (r->body_case == MPC__REQUEST__BODY_SIGN) {
        char hex[2 * APPROVE_MSG_SHOWN + 1];
        size_t n =
            r->sign->message.len < APPROVE_MSG_SHOWN ? r->sign->message.len : APPROVE_MSG_SHOWN;
        cli_hex(hex, r->sign->message.data, n);
        fprintf(stderr, "  message (%zu bytes): %s%s\n", r->sign->message.len, hex,
                n < r->sign->message.len ? "..." : "");
        for (size_t i = 0; i < r->sign->n_messages; i++) { /* a batch: every entry */
            const ProtobufCBinaryData *m = &r->sign->messages[i];
            n = m->len < APPROVE_MSG_SHOWN ? m->len : APPROVE_MSG_SHOWN;
            cli_hex(hex, m->data, n);
            fprintf(stderr, "  batch entry %zu (%zu bytes): %s%s\n", i, m->len, hex,
                    n < m->len ? "..." : "");
        }
    }
}

/* Makes the approval of the request in `in` with the key of o. Returns the exit code. */
static int
approve_file(const char *in, const char *key, const struct cli_pass_opts *pass, const char *out)
{
    uint8_t *req = NULL, *ap = NULL;
    size_t len = 0, ap_len = 0;
    Mpc__Request *r = NULL;
    node_store_identity *id = NULL;
    mpc_status st = cli_file_read(in, NODE_CLIENT_REQUEST_MAX_BYTES, &req, &len);
    if (st == MPC_OK) {
        st = node_client_request_peek(req, len, &r);
        if (st != MPC_OK) {
            cli_errf("%s: not a saved request (%s)", in, mpc_status_str(st));
        }
    }
    if (st == MPC_OK) {
        approve_show(r);
        st = cli_key_load(key, pass, &id);
    }
    if (st == MPC_OK) {
        st = node_client_approval_create(id, req, len, &ap, &ap_len);
    }
    if (st == MPC_OK) {
        st = cli_file_write(out, ap, ap_len);
    }
    if (st == MPC_OK) {
        fprintf(stderr, "approval written to %s\n", out);
    }
    node_store_identity_destroy(id);
    if (r != NULL) {
        mpc__request__free_unpacked(r, NULL);
    }
    free(ap);
    free(req);
    return st == MPC_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

int
cli_cmd_approve(int argc, char **argv)
{
    enum { OPT_OUT = 3001, OPT_HELP };
    static const struct option longopts[] = {
        CLI_KEY_LONGOPTS,
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct cli_pass_opts pass = {NULL, NULL};
    const char *key = NULL, *out = NULL;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(approve_usage, stdout);
            return CLI_EXIT_OK;
        }
        if (c == OPT_OUT) {
            out = optarg;
        } else if (!cli_key_opt(&key, &pass, c, optarg)) {
            return cli_usage_error(approve_usage, NULL);
        }
    }
    if (key == NULL || out == NULL || optind + 1 != argc) {
        return cli_usage_error(approve_usage, "give --key, --out and one REQUEST_FILE");
    }
    return approve_file(argv[optind], key, &pass, out);
}

/* ---------------------------------------------------------------- saved requests */

/* Points the committee of o at the loaded request's list. */
static void
load_parties(struct cli_req_opts *o, char **ids, size_t n)
{
    o->n_parties = n < CLI_PARTIES_MAX ? n : CLI_PARTIES_MAX;
    for (size_t i = 0; i < o->n_parties; i++) {
        o->parties[i] = ids[i];
    }
}

/* Fills the op-specific fields of o from the loaded request. Returns 0, or -1 (reported). */
/* Copies a loaded batch's entries into o (the results are verified against them). */
static int
load_batch(struct cli_req_opts *o, const Mpc__SignRequest *sg)
{
    if (sg->n_messages == 0) {
        return 0;
    }
    if (sg->n_messages > CLI_BATCH_MAX) {
        return -1;
    }
    o->batch = calloc(CLI_BATCH_MAX, sizeof *o->batch);
    o->batch_lens = calloc(CLI_BATCH_MAX, sizeof *o->batch_lens);
    if (o->batch == NULL || o->batch_lens == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sg->n_messages; i++) {
        o->batch[i] = malloc(sg->messages[i].len + 1);
        if (o->batch[i] == NULL) {
            return -1;
        }
        memcpy(o->batch[i], sg->messages[i].data, sg->messages[i].len);
        o->batch_lens[i] = sg->messages[i].len;
        o->n_batch = i + 1;
    }
    return 0;
}

static int
load_body(struct cli_req_opts *o, const Mpc__Request *r)
{
    if (r->body_case == MPC__REQUEST__BODY_KEYGEN) {
        o->wallet = r->keygen->wallet_id;
        for (size_t i = 0; i < r->keygen->n_key_types && i < 2; i++) {
            o->key_types[o->n_key_types++] = (int)r->keygen->key_types[i];
        }
        load_parties(o, r->keygen->participants, r->keygen->n_participants);
        return 0;
    }
    if (r->body_case == MPC__REQUEST__BODY_RESHARE) {
        o->wallet = r->reshare->wallet_id;
        o->key_types[o->n_key_types++] = (int)r->reshare->key_type;
        load_parties(o, r->reshare->new_participants, r->reshare->n_new_participants);
        return 0;
    }
    o->wallet = r->sign->wallet_id;
    o->key_types[o->n_key_types++] = (int)r->sign->key_type;
    load_parties(o, r->sign->signers, r->sign->n_signers);
    o->message = malloc(r->sign->message.len + 1);
    if (o->message == NULL) {
        return -1;
    }
    memcpy(o->message, r->sign->message.data, r->sign->message.len);
    o->message_len = r->sign->message.len;
    o->hd_path = r->sign->derivation_path; /* borrowed from the loaded request, like wallet */
    if (r->sign->taproot_merkle_root.len == sizeof o->tr_root) { /* what results are checked by */
        memcpy(o->tr_root, r->sign->taproot_merkle_root.data, sizeof o->tr_root);
        o->has_tr_root = 1;
    }
    o->tr_untweaked = r->sign->taproot_untweaked;
    return load_batch(o, r->sign);
}

int
cli_req_load(struct cli_req_opts *o)
{
    static const int body_of_op[] = {0, MPC__REQUEST__BODY_KEYGEN, MPC__REQUEST__BODY_SIGN,
                                     MPC__REQUEST__BODY_RESHARE};
    mpc_status st = cli_file_read(o->request_file, NODE_CLIENT_REQUEST_MAX_BYTES, &o->loaded_bytes,
                                  &o->loaded_len);
    if (st == MPC_OK) {
        st = node_client_request_peek(o->loaded_bytes, o->loaded_len, &o->loaded);
    }
    const Mpc__Request *r = o->loaded;
    if (st != MPC_OK || !node_client_request_id_is_valid(r->request_id) ||
        !node_client_id_is_valid(r->client_id)) {
        cli_errf("%s: not a saved request, or its ids are malformed", o->request_file);
        return CLI_EXIT_FAILED;
    }
    if (o->op < 1 || o->op > 3 || (int)r->body_case != body_of_op[o->op]) {
        cli_errf("%s: not a %s request", o->request_file, node_client_request_op_name(o->op));
        return CLI_EXIT_USAGE;
    }
    snprintf(o->request_id, sizeof o->request_id, "%s", r->request_id);
    o->client_id = r->client_id;
    o->n_key_types = 0;
    return load_body(o, r) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

int
cli_req_save(const struct cli_req_opts *o, const uint8_t *data, size_t len)
{
    if (cli_file_write(o->out_request, data, len) != MPC_OK) {
        return CLI_EXIT_FAILED;
    }
    if (o->json) {
        printf("{\"request_id\": \"%s\", \"saved\": \"%s\"}\n", o->request_id, o->out_request);
    } else {
        printf("request %s written to %s (send it with --request)\n", o->request_id,
               o->out_request);
    }
    return CLI_EXIT_OK;
}

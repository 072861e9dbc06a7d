/*
 * cli_results.c — collecting, verifying and printing the Result copies of a
 * request (rules in node/cli/cli_results.h), and `mpc-cli results`.
 */
#include "node/cli/cli_results.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "common/clock.h"
#include "common/hex.h"
#include "node/cli/cli_hd.h"
#include "node/client/request.h"
#include "node/config/peers.h"
#include "node/store/keyinfo.h"
#include "transport/jetstream.h"
#include "transport/subject.h"
#include "tss/hd.h"

#define ERR_CAP 512u /* diagnostic buffer */

/* Returns: 1 if r already holds an outcome for (node, key_type). */
static int
results_has(const struct cli_results *r, const char *node, int key_type)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->v[i].node, node) == 0 && (int)r->v[i].res->key_type == key_type) {
            return 1;
        }
    }
    return 0;
}

/* Returns: the number of outcomes of node (of key type kt only, if kt > 0). */
static size_t
results_count_node(const struct cli_results *r, const char *node, int kt)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        n += strcmp(r->v[i].node, node) == 0 && (kt <= 0 || (int)r->v[i].res->key_type == kt);
    }
    return n;
}

/* Returns: the first successful outcome, or NULL. */
static const struct cli_outcome *
results_first_ok(const struct cli_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].res->status_code == 0) {
            return &r->v[i];
        }
    }
    return NULL;
}

/* Returns: 1 when every node of ids[0..n) has n_kt outcomes (of key type kt, if kt > 0). */
static int
set_complete(const struct cli_results *r, const char *const *ids, size_t n, size_t n_kt, int kt)
{
    for (size_t i = 0; i < n; i++) {
        if (results_count_node(r, ids[i], kt) < n_kt) {
            return 0;
        }
    }
    return n > 0;
}

int
cli_results_done(const struct cli_results *r, const struct cli_collect_params *p)
{
    if (p->expect > 0) {
        return r->n >= p->expect;
    }
    if (set_complete(r, p->peers, p->n_peers, p->n_key_types, p->key_type)) {
        return 1; /* every known node answered: nobody else can */
    }
    if (p->n_expected > 0) {
        return set_complete(r, p->expected, p->n_expected, p->n_key_types, p->key_type);
    }
    const struct cli_outcome *ok = results_first_ok(r);
    if (ok != NULL && ok->res->n_participants > 0) {
        return set_complete(r, (const char *const *)ok->res->participants, ok->res->n_participants,
                            p->n_key_types, p->key_type);
    }
    return set_complete(r, p->peers, p->n_peers, p->n_key_types, p->key_type);
}

/*
 * Returns: 1 if the ECDSA result res verifies with libsecp256k1 over the
 * 32-byte digest msg under the 33-byte compressed key pk: r || s verify
 * (libsecp256k1 rejects a high S, so this also checks low-S), the compact
 * form is r || s || recovery id, and recovery gives back pk.
 */
static int
ecdsa_rs_verifies(const uint8_t rs[64], uint32_t recid, const uint8_t *msg, size_t msg_len,
                  const uint8_t *pk33)
{
    static secp256k1_context *ctx;
    secp256k1_pubkey pk, rec;
    secp256k1_ecdsa_signature sig;
    secp256k1_ecdsa_recoverable_signature rsig;
    uint8_t out[33];
    size_t out_len = sizeof(out);
    if (ctx == NULL) {
        ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE); /* kept for the process */
    }
    if (ctx == NULL || msg_len != 32 || recid > 3 ||
        !secp256k1_ec_pubkey_parse(ctx, &pk, pk33, 33) ||
        !secp256k1_ecdsa_signature_parse_compact(ctx, &sig, rs) ||
        !secp256k1_ecdsa_verify(ctx, &sig, msg, &pk) ||
        !secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, rs, (int)recid) ||
        !secp256k1_ecdsa_recover(ctx, &rec, &rsig, msg) ||
        !secp256k1_ec_pubkey_serialize(ctx, out, &out_len, &rec, SECP256K1_EC_COMPRESSED)) {
        return 0;
    }
    return memcmp(out, pk33, 33) == 0;
}

/* As ecdsa_rs_verifies on the fields of a single-sign result, which must agree. */
static int
ecdsa_result_verifies(const Mpc__Result *res, const uint8_t *msg, size_t msg_len,
                      const uint8_t *pk33)
{
    uint8_t rs[64];
    if (res->ecdsa_r.len != 32 || res->ecdsa_s.len != 32 || res->ecdsa_compact.len != 65 ||
        res->recovery_id > 3) {
        return 0;
    }
    memcpy(rs, res->ecdsa_r.data, 32);
    memcpy(rs + 32, res->ecdsa_s.data, 32);
    if (memcmp(rs, res->ecdsa_compact.data, 64) != 0 ||
        res->ecdsa_compact.data[64] != res->recovery_id) {
        return 0;
    }
    return ecdsa_rs_verifies(rs, res->recovery_id, msg, msg_len, pk33);
}

/*
 * Returns: 1 if a batch result carries exactly one signature per message of p
 * (and, for ECDSA, one recovery id each) and every one verifies over its
 * message, in request order, under pk (the group key, or the child key of the request's path).
 */
static int
batch_result_verifies(const Mpc__Result *res, const struct cli_collect_params *p, const uint8_t *pk)
{
    int ecdsa = res->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1;
    if (res->n_signatures != p->n_batch || (ecdsa && res->n_recovery_ids != p->n_batch) ||
        res->eddsa_signature.len != 0 || res->ecdsa_compact.len != 0) {
        return 0;
    }
    for (size_t i = 0; i < p->n_batch; i++) {
        const ProtobufCBinaryData *sig = &res->signatures[i];
        if (sig->len != 64 || (ecdsa ? !ecdsa_rs_verifies(sig->data, res->recovery_ids[i],
                                                          p->batch[i], p->batch_lens[i], pk)
                                     : crypto_sign_verify_detached(sig->data, p->batch[i],
                                                                   p->batch_lens[i], pk) != 0)) {
            return 0;
        }
    }
    return 1;
}

/*
 * The key a sign result must verify under: the group key (p's, else the
 * result's) for no path; else the child this client derives itself from it,
 * the result's chain code and the path it asked for (docs/specs/hd-derivation.md)
 * — and the result must name that same path and child key.
 * Out: out[len]. Returns: 1 if the key is known and the result agrees.
 */
static int
sign_verify_key(const Mpc__Result *res, const struct cli_collect_params *p, size_t len,
                uint8_t *out)
{
    const uint8_t *root = len == 33 ? p->pk33 : p->pk;
    if (root == NULL) {
        if (res->public_key.len != len) {
            return 0;
        }
        root = res->public_key.data;
    }
    int no_path = p->hd_path == NULL || p->hd_path[0] == '\0';
    const char *got = res->derivation_path != NULL ? res->derivation_path : "";
    tss_hd_path path;
    tss_hd_xkey rk, ck;
    char canon[TSS_HD_PATH_CHARS];
    if (no_path) {
        memcpy(out, root, len);
        return got[0] == '\0';
    }
    if (tss_hd_path_parse(&path, p->hd_path) != MPC_OK ||
        tss_hd_path_format(canon, sizeof canon, &path) != MPC_OK || strcmp(canon, got) != 0 ||
        res->chain_code.len != TSS_HD_CHAIN_BYTES ||
        tss_hd_root(&rk, len == 33 ? TSS_CURVE_SECP256K1 : TSS_CURVE_ED25519, root, len,
                    res->chain_code.data) != MPC_OK ||
        tss_hd_derive(&ck, NULL, &rk, &path) != MPC_OK || res->child_public_key.len != len ||
        memcmp(res->child_public_key.data, ck.key, len) != 0) {
        return 0;
    }
    memcpy(out, ck.key, len);
    return 1;
}

/* Returns: 1 if the sign result res verifies over p's message (EdDSA, ECDSA or BIP340). */
static int
sign_result_verifies(const Mpc__Result *res, const struct cli_collect_params *p)
{
    uint8_t pk[33];
    if (res->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR) { /* BIP32 on the internal key */
        return sign_verify_key(res, p, 33, pk) && cli_taproot_result_verifies(res, p, pk);
    }
    if (p->n_batch > 0) {
        size_t len = res->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1 ? 33 : 32;
        return sign_verify_key(res, p, len, pk) && batch_result_verifies(res, p, pk);
    }
    if (res->key_type == MPC__KEY_TYPE__KEY_TYPE_SECP256K1) {
        return sign_verify_key(res, p, 33, pk) &&
               ecdsa_result_verifies(res, p->message, p->message_len, pk);
    }
    return res->eddsa_signature.len == crypto_sign_BYTES && sign_verify_key(res, p, 32, pk) &&
           crypto_sign_verify_detached(res->eddsa_signature.data, p->message, p->message_len, pk) ==
               0;
}

/* Checks a successful outcome locally (signature, agreement with the first). */
static void
outcome_verify(struct cli_results *r, struct cli_outcome *o, const struct cli_collect_params *p)
{
    const Mpc__Result *res = o->res;
    cli_results_agree(r, o, p);
    if (res->op != MPC__OP__OP_SIGN || (p->message == NULL && p->n_batch == 0) ||
        (res->key_type != MPC__KEY_TYPE__KEY_TYPE_ED25519 &&
         res->key_type != MPC__KEY_TYPE__KEY_TYPE_SECP256K1 &&
         res->key_type != MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR)) {
        return;
    }
    int ok = sign_result_verifies(res, p);
    o->verified = ok ? 1 : -1;
    if (!ok) {
        r->verify_failed = 1;
    }
}

/* Remembers a copy refused by the trust rule, under the node it claims. */
static void
results_reject(struct cli_results *r, const char *subject_node, const Mpc__Result *res,
               const char *why)
{
    const char *claim =
        subject_node != NULL && node_client_node_id_is_valid(subject_node) ? subject_node
        : res != NULL && node_client_node_id_is_valid(res->signer_node_id) ? res->signer_node_id
        : res != NULL && node_client_node_id_is_valid(res->node_id)        ? res->node_id
                                                                           : "?";
    if (r->n_rejected < CLI_REJECTED_MAX) {
        snprintf(r->rejected[r->n_rejected].node, sizeof r->rejected[0].node, "%s", claim);
        r->rejected[r->n_rejected].why = why;
    }
    r->n_rejected++;
}

void
cli_results_add(struct cli_results *r, const uint8_t *data, size_t len, const char *subject_node,
                const struct cli_collect_params *p, uint64_t arrived_ms)
{
    Mpc__Result *res = mpc__result__unpack(NULL, len, data);
    if (res == NULL) {
        r->undecodable++;
        results_reject(r, subject_node, NULL, "copy does not decode");
        return;
    }
    const char *why = cli_results_accept(res, subject_node, p);
    if (why != NULL) {
        results_reject(r, subject_node, res, why);
        mpc__result__free_unpacked(res, NULL);
        return;
    }
    if (p != NULL && p->request_digest != NULL && res->request_digest.len == 32 &&
        memcmp(res->request_digest.data, p->request_digest, 32) != 0) {
        r->foreign++; /* answers another request that used the same id */
        mpc__result__free_unpacked(res, NULL);
        return;
    }
    const char *node = res->signer_node_id; /* verified */
    if (results_has(r, node, (int)res->key_type) || r->n == CLI_RESULTS_MAX) {
        r->duplicates++;
        mpc__result__free_unpacked(res, NULL);
        return;
    }
    struct cli_outcome *o = &r->v[r->n++];
    memcpy(o->node, node, strlen(node) + 1); /* valid id: at most NODE_ID_MAX bytes */
    o->res = res;
    o->arrived_ms = arrived_ms;
    /* a holder not chosen as a signer answers, but it is not a failure */
    r->n_errors += res->status_code != 0 && res->status_code != MPC_ERR_NOT_SELECTED;
    if (res->status_code == 0) {
        outcome_verify(r, o, p);
    }
}

/* Adds one received copy (see cli_results_add). */
static void
collect_add(struct cli_results *r, transport_js_msg *m, const struct cli_collect_params *p,
            uint64_t t0)
{
    size_t len = 0;
    const uint8_t *data = transport_js_msg_data(m, &len);
    char node[TRANSPORT_SUBJECT_TOKEN_MAX + 1];
    /* The subject's node token: the server lets only that node publish there. */
    if (!transport_subject_parse_kind(transport_js_msg_subject(m), TRANSPORT_SUBJ_RESULT, NULL,
                                      NULL, node)) {
        snprintf(node, sizeof node, "?");
    }
    cli_results_add(r, data, len, node, p, mpc_clock_mono_ms() - t0);
}

static void
progress_show(const struct cli_results *r, uint64_t elapsed_ms)
{
    fprintf(stderr, "\rwaiting for results: %zu received, %zu error(s), %.1f s ", r->n, r->n_errors,
            (double)elapsed_ms / 1000.0);
    fflush(stderr);
}

mpc_status
cli_results_collect(struct transport_js_results *w, const struct cli_collect_params *p,
                    struct cli_results *r)
{
    memset(r, 0, sizeof(*r));
    uint64_t t0 = mpc_clock_mono_ms();
    uint64_t last = t0;
    int quiet_end = 0;
    int progress = p->progress && isatty(STDERR_FILENO);
    mpc_status st = MPC_OK;
    while (!cli_results_done(r, p)) {
        uint64_t now = mpc_clock_mono_ms();
        int errors_only = r->n > 0 && r->n_errors == r->n && p->expect == 0;
        if (errors_only && now - last >= CLI_QUIET_MS) {
            quiet_end = 1;
            break;
        }
        if (now - t0 >= p->timeout_ms) {
            r->timed_out = 1;
            break;
        }
        if (p->resubmit != NULL && cli_resubmit_due(p->resubmit, now)) {
            if (p->resubmit_fn(p->resubmit_ctx, p->resubmit->count + 1) == MPC_ERR_EXPIRED) {
                p->resubmit->max = p->resubmit->count; /* expired: no more copies */
            } else { /* a failed publish counts too: the next one comes an interval later */
                cli_resubmit_sent(p->resubmit, mpc_clock_mono_ms());
                r->resubmissions = p->resubmit->count;
            }
        }
        uint64_t wait = p->timeout_ms - (now - t0);
        wait = wait > 250 ? 250 : wait;
        transport_js_msg *m = NULL;
        st = transport_js_results_next(w, &m, wait);
        if (st == MPC_OK) {
            collect_add(r, m, p, t0);
            transport_js_msg_destroy(m);
            last = mpc_clock_mono_ms();
            if (p->resubmit != NULL) {
                cli_resubmit_heard(p->resubmit, last);
            }
        } else if (st != MPC_ERR_TIMEOUT && st != MPC_ERR_NOT_CONNECTED) {
            break;
        }
        st = MPC_OK;
        if (progress) {
            progress_show(r, mpc_clock_mono_ms() - t0);
        }
    }
    if (progress) {
        fputs("\r\033[K", stderr);
    }
    /* Ended by the quiet period: the answer was complete at the last arrival. */
    r->elapsed_ms = (quiet_end ? last : mpc_clock_mono_ms()) - t0;
    cli_results_finish(r, p);
    return st;
}

void
cli_results_clear(struct cli_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        mpc__result__free_unpacked(r->v[i].res, NULL);
        r->v[i].res = NULL;
    }
    r->n = 0;
}

void
cli_collect_params_init(struct cli_collect_params *p, const char *client_id, const char *request_id,
                        const struct cli_peer_keys *peers, uint32_t expect, uint64_t timeout_ms)
{
    memset(p, 0, sizeof(*p));
    p->client_id = client_id;
    p->request_id = request_id;
    p->n_key_types = 1;
    p->peers = peers->ids;
    p->n_peers = peers->n;
    p->keys = peers->keys;
    p->n_keys = peers->n;
    p->expect = expect;
    p->timeout_ms = timeout_ms;
}

void
cli_collect_params_sign(struct cli_collect_params *p, const uint8_t *message, size_t message_len,
                        const uint8_t *pk, int pk_len)
{
    p->message = message;
    p->message_len = message_len;
    p->pk = pk_len == 32 ? pk : NULL;
    p->pk33 = pk_len == 33 ? pk : NULL;
}

struct cli_results *
cli_results_new(void)
{
    return calloc(1, sizeof(struct cli_results));
}

void
cli_results_free(struct cli_results *r)
{
    if (r != NULL) {
        cli_results_clear(r);
        free(r);
    }
}

mpc_status
cli_results_watch_open(const struct cli_nats_opts *o, const char *name, const char *client_id,
                       const char *request_id, struct transport_js **js,
                       struct transport_js_results **w)
{
    *js = NULL;
    *w = NULL;
    mpc_status st = cli_nats_connect(o, name, js);
    if (st == MPC_OK) {
        st = transport_js_results_watch(*js, client_id, request_id, w);
        if (st != MPC_OK) {
            cli_errf("cannot watch results (stream MPC_RES): %s", mpc_status_str(st));
        }
    }
    return st;
}

void
cli_results_watch_close(struct transport_js *js, struct transport_js_results *w)
{
    transport_js_results_destroy(w);
    cli_nats_close(js);
}

int
cli_results_exit(const struct cli_results *r)
{
    if (r->n_errors > 0 || r->verify_failed || r->inconsistent) {
        return CLI_EXIT_FAILED;
    }
    if (r->quorum) {
        return CLI_EXIT_OK; /* enough agreeing signed copies, whatever else arrived */
    }
    if (r->n_rejected > 0) {
        return CLI_EXIT_FAILED;
    }
    if (r->timed_out || r->n == 0) {
        return CLI_EXIT_TIMEOUT;
    }
    return CLI_EXIT_FAILED;
}

/* Hex of a binary field into a fresh JSON string (or JSON null when empty). */
static json_t *
json_hex(const ProtobufCBinaryData *b)
{
    if (b->len == 0 || b->len > 128) {
        return json_null();
    }
    char hex[2 * 128 + 1];
    cli_hex(hex, b->data, b->len);
    return json_string(hex);
}

/* Adds r, s, recovery id and the compact form of an ECDSA result to j. */
/* Batch: "signatures" (hex, request order) and, for ECDSA, "recovery_ids". */
static void
json_batch_fields(json_t *j, const Mpc__Result *res)
{
    if (res->n_signatures == 0) {
        return;
    }
    json_t *sigs = json_array(), *ids = json_array();
    for (size_t i = 0; i < res->n_signatures; i++) {
        json_array_append_new(sigs, json_hex(&res->signatures[i]));
    }
    for (size_t i = 0; i < res->n_recovery_ids; i++) {
        json_array_append_new(ids, json_integer(res->recovery_ids[i]));
    }
    json_object_set_new(j, "signatures", sigs);
    if (res->n_recovery_ids > 0) {
        json_object_set_new(j, "recovery_ids", ids);
    } else {
        json_decref(ids);
    }
}

static void
json_ecdsa_fields(json_t *j, const Mpc__Result *res)
{
    if (res->ecdsa_compact.len == 0) {
        return;
    }
    json_object_set_new(j, "ecdsa_r", json_hex(&res->ecdsa_r));
    json_object_set_new(j, "ecdsa_s", json_hex(&res->ecdsa_s));
    json_object_set_new(j, "recovery_id", json_integer(res->recovery_id));
    json_object_set_new(j, "ecdsa_compact", json_hex(&res->ecdsa_compact));
}

/* Adds the BIP340 signature, the output and internal keys and the P2TR script to j. */
static void
json_taproot_fields(json_t *j, const Mpc__Result *res)
{
    char spk[2 * 34 + 1];
    if (res->schnorr_signature.len != 64 || res->taproot_output_key.len != 32) {
        return;
    }
    cli_taproot_script(spk, res->taproot_output_key.data);
    json_object_set_new(j, "signature", json_hex(&res->schnorr_signature));
    json_object_set_new(j, "taproot_output_key", json_hex(&res->taproot_output_key));
    json_object_set_new(j, "taproot_internal_key", json_hex(&res->taproot_internal_key));
    json_object_set_new(j, "p2tr_script_pubkey", json_string(spk));
}

/* The trust findings: rejected copies, missing participants, disagreement. */
static void
json_trust_fields(json_t *doc, const struct cli_results *r)
{
    json_t *rej = json_array(), *miss = json_array();
    for (size_t i = 0; i < r->n_rejected && i < CLI_REJECTED_MAX; i++) {
        json_array_append_new(rej, json_pack("{s:s, s:s}", "node", r->rejected[i].node, "reason",
                                             r->rejected[i].why));
    }
    for (size_t i = 0; i < r->n_missing; i++) {
        json_array_append_new(miss, json_string(r->missing[i]));
    }
    json_object_set_new(doc, "rejected", rej);
    json_object_set_new(doc, "rejected_count", json_integer((json_int_t)r->n_rejected));
    json_object_set_new(doc, "missing", miss);
    json_object_set_new(doc, "quorum", json_boolean(r->quorum));
    json_object_set_new(doc, "disagreement",
                        r->inconsistent && r->disagree_what != NULL
                            ? json_pack("{s:s, s:[s, s]}", "on", r->disagree_what, "nodes",
                                        r->disagree[0], r->disagree[1])
                            : json_null());
    if (r->other_request) {
        json_object_set_new(doc, "answers_earlier_request", json_true());
    }
}

/* Prints the trust findings as text. */
static void
print_trust(const struct cli_results *r)
{
    for (size_t i = 0; i < r->n_rejected && i < CLI_REJECTED_MAX; i++) {
        printf("  %-12s REJECTED bad copy: %s\n", r->rejected[i].node, r->rejected[i].why);
    }
    if (r->n_rejected > CLI_REJECTED_MAX) {
        printf("  (%zu more rejected copies)\n", r->n_rejected - CLI_REJECTED_MAX);
    }
    for (size_t i = 0; i < r->n_missing; i++) {
        printf("  %-12s MISSING  no valid signed successful copy\n", r->missing[i]);
    }
    if (r->inconsistent && r->disagree_what != NULL) {
        printf("DISAGREEMENT: %s and %s report a different %s; no result is trusted\n",
               r->disagree[0], r->disagree[1], r->disagree_what);
    }
    if (r->other_request) {
        printf("note: the nodes answered an earlier request with this request id\n");
    }
}

static json_t *
outcome_json(const struct cli_outcome *o, int trusted)
{
    const Mpc__Result *res = o->res;
    json_t *parts = json_array();
    for (size_t i = 0; i < res->n_participants; i++) {
        json_array_append_new(parts, json_string(res->participants[i]));
    }
    const char *kt = node_store_key_type_name((int)res->key_type);
    json_t *j = json_pack(
        "{s:s, s:b, s:i, s:s, s:s, s:s?, s:o, s:o, s:i, s:i, s:o, s:I, s:I}", "node", o->node, "ok",
        res->status_code == 0, "status_code", (int)res->status_code, "status_name",
        res->status_name, "error_text", res->error_text, "key_type", kt, "public_key",
        json_hex(&res->public_key), "signature", json_hex(&res->eddsa_signature), "key_version",
        (int)res->key_version, "threshold", (int)res->threshold, "participants", parts,
        "duration_ms", (json_int_t)res->duration_ms, "arrived_ms", (json_int_t)o->arrived_ms);
    if (res->presig_used.len > 0) { /* served online with this presignature */
        json_object_set_new(j, "presig_used", json_hex(&res->presig_used));
    }
    if (res->failed_round != 0 || res->failed_peer[0] != '\0') {
        json_object_set_new(j, "failed_round", json_integer(res->failed_round));
        json_object_set_new(j, "failed_peer", json_string(res->failed_peer));
    }
    if (o->verified != 0) {
        json_object_set_new(j, "verified", json_boolean(o->verified > 0));
    }
    if (trusted) {
        json_ecdsa_fields(j, res);
        json_taproot_fields(j, res);
    } else { /* never show key material the success rule did not back */
        json_object_set_new(j, "public_key", json_null());
        json_object_set_new(j, "signature", json_null());
    }
    return j;
}

static void
print_json(const struct cli_results *r, const char *op_name, const char *request_id,
           const char *wallet, uint64_t pub_ms)
{
    json_t *arr = json_array();
    int code = cli_results_exit(r);
    for (size_t i = 0; i < r->n; i++) {
        json_array_append_new(arr, outcome_json(&r->v[i], code == CLI_EXIT_OK));
    }
    json_t *doc =
        json_pack("{s:s, s:s, s:s?, s:b, s:s, s:I, s:I, s:i, s:i, s:b, s:b, s:o}", "op", op_name,
                  "request_id", request_id, "wallet", wallet, "ok", code == 0, "outcome",
                  code == 0   ? "ok"
                  : code == 3 ? "timeout"
                              : "error",
                  "elapsed_ms", (json_int_t)r->elapsed_ms, "publish_ms", (json_int_t)pub_ms,
                  "errors", (int)r->n_errors, "duplicates", (int)r->duplicates, "consistent",
                  !r->inconsistent, "verified", !r->verify_failed, "results", arr);
    json_trust_fields(doc, r);
    json_object_set_new(doc, "resubmissions", json_integer(r->resubmissions));
    const struct cli_outcome *ok = code == CLI_EXIT_OK ? results_first_ok(r) : NULL;
    if (ok != NULL) {
        json_object_set_new(doc, "public_key", json_hex(&ok->res->public_key));
        json_object_set_new(doc, "key_version", json_integer(ok->res->key_version));
        if (ok->res->eddsa_signature.len > 0) {
            json_object_set_new(doc, "signature", json_hex(&ok->res->eddsa_signature));
        }
        json_ecdsa_fields(doc, ok->res);
        json_object_set_new(doc, "chain_code", json_hex(&ok->res->chain_code));
        if (ok->res->derivation_path != NULL && ok->res->derivation_path[0] != '\0') {
            json_object_set_new(doc, "derivation_path", json_string(ok->res->derivation_path));
            json_object_set_new(doc, "child_public_key", json_hex(&ok->res->child_public_key));
        }
        json_batch_fields(doc, ok->res);
        json_taproot_fields(doc, ok->res);
    }
    cli_json_print(doc);
    json_decref(doc);
}

static void
print_outcome(const struct cli_outcome *o)
{
    const Mpc__Result *res = o->res;
    const char *kt = node_store_key_type_name((int)res->key_type);
    if (res->status_code != 0) {
        printf("  %-12s error  %s (%u): %s", o->node, res->status_name, res->status_code,
               res->error_text[0] != '\0' ? res->error_text
                                          : mpc_status_str((mpc_status)res->status_code));
        if (res->failed_round != 0 || res->failed_peer[0] != '\0') {
            printf(" [round %u, peer %s]", res->failed_round,
                   res->failed_peer[0] != '\0' ? res->failed_peer : "?");
        }
        printf("  (%" PRIu64 " ms)\n", o->arrived_ms);
        return;
    }
    printf("  %-12s ok     %s v%u %u-of-%zu%s  node %" PRIu64 " ms, here %" PRIu64 " ms\n", o->node,
           kt != NULL ? kt : "?", res->key_version, res->threshold, res->n_participants,
           o->verified > 0   ? "  signature verified"
           : o->verified < 0 ? "  SIGNATURE INVALID"
                             : "",
           res->duration_ms, o->arrived_ms);
}

void
cli_results_print(const struct cli_results *r, const char *op_name, const char *request_id,
                  const char *wallet, int json, uint64_t pub_ms)
{
    if (json) {
        print_json(r, op_name, request_id, wallet, pub_ms);
        return;
    }
    int code = cli_results_exit(r);
    if (wallet == NULL && r->n > 0 && r->v[0].res->wallet_id[0] != '\0') {
        wallet = r->v[0].res->wallet_id;
    }
    printf("%s %s  wallet %s: %s, %zu result(s) in %" PRIu64 " ms\n", op_name, request_id,
           wallet != NULL ? wallet : "?",
           code == 0   ? "ok"
           : code == 3 ? "TIMEOUT"
                       : "FAILED",
           r->n, r->elapsed_ms);
    for (size_t i = 0; i < r->n; i++) {
        print_outcome(&r->v[i]);
    }
    print_trust(r);
    const struct cli_outcome *ok = code == CLI_EXIT_OK ? results_first_ok(r) : NULL;
    char hex[2 * 128 + 1];
    if (ok != NULL && ok->res->public_key.len > 0 && ok->res->public_key.len <= 128) {
        cli_hex(hex, ok->res->public_key.data, ok->res->public_key.len);
        printf("public key: %s\n", hex);
    }
    if (ok != NULL && ok->res->eddsa_signature.len == 64) {
        cli_hex(hex, ok->res->eddsa_signature.data, 64);
        printf("signature:  %s\n", hex);
    }
    if (ok != NULL && ok->res->ecdsa_compact.len == 65) {
        cli_hex(hex, ok->res->ecdsa_compact.data, 65);
        printf("signature:  %s (r || s || recovery id)\n", hex);
    }
    if (ok != NULL) {
        cli_hd_print_result(ok->res);
    }
    for (size_t i = 0; ok != NULL && i < ok->res->n_signatures; i++) {
        const ProtobufCBinaryData *sg = &ok->res->signatures[i];
        cli_hex(hex, sg->data, sg->len <= 64 ? sg->len : 64);
        if (i < ok->res->n_recovery_ids) {
            printf("signature[%zu]: %s %u (r || s, recovery id)\n", i, hex,
                   ok->res->recovery_ids[i]);
        } else {
            printf("signature[%zu]: %s\n", i, hex);
        }
    }
    if (ok != NULL && ok->res->schnorr_signature.len == 64 &&
        ok->res->taproot_output_key.len == 32) {
        cli_hex(hex, ok->res->schnorr_signature.data, 64);
        printf("signature:  %s (BIP340)\n", hex);
        cli_hex(hex, ok->res->taproot_output_key.data, 32);
        printf("output key: %s (x-only, taproot)\n", hex);
        cli_taproot_script(hex, ok->res->taproot_output_key.data);
        printf("P2TR script: %s (OP_1 <output key>)\n", hex);
    }
    if (r->timed_out) {
        printf("timed out waiting for the remaining results\n");
    }
    if (r->duplicates > 0) {
        printf("(%zu duplicate copies ignored)\n", r->duplicates);
    }
    if (r->foreign > 0) {
        printf("(%zu results of another request with this id ignored)\n", r->foreign);
    }
}

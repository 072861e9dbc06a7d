/*
 * cli_results_trust.c — mpc-cli's trust rule for result copies
 * (proto/result.proto "CLIENT RULE", node/cli/cli_results.h): which copies
 * are accepted (node signature under the peers file), whether the accepted
 * ones agree, and whether enough of them arrived for success.
 */
#include "node/cli/cli_results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "node/client/results.h"

int
cli_peer_keys_load(const char *path, struct cli_peer_keys *out)
{
    char err[512];
    memset(out, 0, sizeof(*out));
    if (path == NULL) {
        path = getenv("MPC_PEERS");
    }
    if (path == NULL || path[0] == '\0') {
        cli_errf("the peers file is needed to check the nodes' signatures on results "
                 "(--peers FILE or MPC_PEERS)");
        return -1;
    }
    if (node_config_peers_load(path, &out->peers, err, sizeof(err)) != MPC_OK) {
        cli_errf("%s", err);
        return -1;
    }
    for (size_t i = 0; i < node_config_peers_count(out->peers); i++) {
        const struct node_config_peer *p = node_config_peers_at(out->peers, i);
        out->ids[out->n] = p->id;
        out->keys[out->n].id = p->id;
        out->keys[out->n].pk = p->public_key;
        out->n++;
    }
    return 0;
}

void
cli_peer_keys_clear(struct cli_peer_keys *k)
{
    node_config_peers_destroy(k->peers);
    memset(k, 0, sizeof(*k));
}

static const uint8_t *
peer_key(const struct cli_collect_params *p, const char *id)
{
    for (size_t i = 0; p->keys != NULL && i < p->n_keys; i++) {
        if (strcmp(p->keys[i].id, id) == 0) {
            return p->keys[i].pk;
        }
    }
    return NULL;
}

const char *
cli_results_accept(const Mpc__Result *res, const char *subject_node,
                   const struct cli_collect_params *p)
{
    const char *signer = res->signer_node_id;
    if (res->node_signature.len == 0 || !node_client_node_id_is_valid(signer)) {
        return "unsigned copy";
    }
    if (subject_node != NULL && subject_node[0] != '\0' && strcmp(subject_node, signer) != 0) {
        return "signer is not the node of the subject it was published on";
    }
    if (res->node_id[0] != '\0' && strcmp(res->node_id, signer) != 0) {
        return "signer is not the node named in the result";
    }
    const uint8_t *pk = peer_key(p, signer);
    if (pk == NULL) {
        return "signer is not in the peers file";
    }
    if (node_client_result_verify(res, pk) != MPC_OK) {
        return "node signature does not verify under the node's identity key";
    }
    return NULL;
}

static int
bin_eq(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int
parts_eq(const Mpc__Result *a, const Mpc__Result *b)
{
    if (a->n_participants != b->n_participants || a->threshold != b->threshold) {
        return 0;
    }
    for (size_t i = 0; i < a->n_participants; i++) {
        if (strcmp(a->participants[i], b->participants[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Returns: 1 if a and b carry the same batch signatures and recovery ids, entry by entry. */
static int
batch_eq(const Mpc__Result *a, const Mpc__Result *b)
{
    if (a->n_signatures != b->n_signatures || a->n_recovery_ids != b->n_recovery_ids) {
        return 0;
    }
    for (size_t i = 0; i < a->n_signatures; i++) {
        if (!bin_eq(&a->signatures[i], &b->signatures[i])) {
            return 0;
        }
    }
    for (size_t i = 0; i < a->n_recovery_ids; i++) {
        if (a->recovery_ids[i] != b->recovery_ids[i]) {
            return 0;
        }
    }
    return 1;
}

/* Returns: what a and b (successful copies of one key type) disagree on, or NULL. */
static const char *
disagreement(const Mpc__Result *a, const Mpc__Result *b)
{
    if (!bin_eq(&a->public_key, &b->public_key)) {
        return "public key";
    }
    if (a->key_version != b->key_version) {
        return "key version";
    }
    if (!bin_eq(&a->chain_code, &b->chain_code)) {
        return "chain code";
    }
    if (strcmp(a->derivation_path != NULL ? a->derivation_path : "",
               b->derivation_path != NULL ? b->derivation_path : "") != 0 ||
        !bin_eq(&a->child_public_key, &b->child_public_key)) {
        return "derivation path or child key";
    }
    if (a->op != b->op || !bin_eq(&a->request_digest, &b->request_digest)) {
        return "request";
    }
    if (a->op == MPC__OP__OP_SIGN && (!bin_eq(&a->eddsa_signature, &b->eddsa_signature) ||
                                      !bin_eq(&a->ecdsa_compact, &b->ecdsa_compact) ||
                                      !bin_eq(&a->schnorr_signature, &b->schnorr_signature) ||
                                      !bin_eq(&a->taproot_output_key, &b->taproot_output_key))) {
        return "signature";
    }
    if (a->op == MPC__OP__OP_SIGN && !batch_eq(a, b)) {
        return "batch signatures"; /* the agreement rule, entry by entry */
    }
    if (a->op != MPC__OP__OP_SIGN && !parts_eq(a, b)) {
        return "participants or threshold";
    }
    return NULL;
}

void
cli_results_agree(struct cli_results *r, const struct cli_outcome *o,
                  const struct cli_collect_params *p)
{
    const Mpc__Result *res = o->res;
    if (p->request_digest != NULL && res->request_digest.len == NODE_CLIENT_REQUEST_DIGEST_LEN &&
        sodium_memcmp(p->request_digest, res->request_digest.data,
                      NODE_CLIENT_REQUEST_DIGEST_LEN) != 0) {
        r->other_request = 1; /* a duplicate id: the nodes answer the request they ran */
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct cli_outcome *f = &r->v[i];
        if (f == o || f->res->status_code != 0 || f->res->key_type != res->key_type) {
            continue;
        }
        const char *what = disagreement(f->res, res);
        if (what != NULL && !r->inconsistent) {
            r->inconsistent = 1;
            r->disagree_what = what;
            memcpy(r->disagree[0], f->node, sizeof r->disagree[0]);
            memcpy(r->disagree[1], o->node, sizeof r->disagree[1]);
        }
        return; /* compared with the first of its key type */
    }
}

/* Returns: the number of accepted successful outcomes of node. */
static size_t
ok_count(const struct cli_results *r, const char *node)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        n += r->v[i].res->status_code == 0 && strcmp(r->v[i].node, node) == 0;
    }
    return n;
}

void
cli_results_finish(struct cli_results *r, const struct cli_collect_params *p)
{
    const struct cli_outcome *first = NULL;
    r->quorum = 0;
    r->n_missing = 0;
    for (size_t i = 0; i < r->n && first == NULL; i++) {
        first = r->v[i].res->status_code == 0 ? &r->v[i] : NULL;
    }
    if (first == NULL) {
        return;
    }
    const Mpc__Result *fr = first->res;
    const char *const *set =
        p->n_expected > 0 ? p->expected : (const char *const *)fr->participants;
    size_t n_set = p->n_expected > 0 ? p->n_expected : fr->n_participants;
    size_t per_node = fr->op == MPC__OP__OP_KEYGEN && p->n_key_types > 0 ? p->n_key_types : 1;
    size_t complete = 0;
    for (size_t i = 0; i < n_set; i++) {
        if (ok_count(r, set[i]) >= per_node) {
            complete++;
        } else if (r->n_missing < CLI_MISSING_MAX) {
            snprintf(r->missing[r->n_missing++], sizeof r->missing[0], "%s", set[i]);
        }
    }
    if (fr->op == MPC__OP__OP_SIGN) {
        r->quorum = fr->threshold > 0 && complete >= fr->threshold;
    } else {
        r->quorum = n_set > 0 && complete == n_set;
    }
}

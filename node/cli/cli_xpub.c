/*
 * cli_xpub.c — `mpc-cli xpub --wallet W` without a request id
 * (node/cli/cli_hd.h): the key's public facts asked of the nodes
 * themselves on mpc.n.<node>.keyinfo (node/client/keyquery.h).
 *
 * Trust rule (one node may be fully compromised and must never change what
 * is printed): a reply counts only if it verifies under its node's identity
 * key from the peers file and answers this query (nonce, query hash, node,
 * wallet, key type). The key is printed only if at least max(threshold, 2)
 * verified replies state it identically (group key, chain code, version,
 * threshold, committee) and no verified reply states anything else: a lying
 * node either disagrees (MPC_ERR_KEYINFO_DISAGREE, naming it) or, alone, is
 * too few (MPC_ERR_KEYINFO_TOO_FEW). Refusals (pending key, unknown client,
 * ...) and unverified replies are reported and not counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "node/cli/cli_hd.h"
#include "node/cli/cli_results.h"
#include "node/client/keyquery.h"
#include "transport/subject.h"
#include "transport/transport.h"

#define XQ_NONCE_BYTES 16u /* query nonce */

/* What the nodes said. */
struct xq_state {
    struct node_client_keyquery q;                                 /* the query sent */
    struct node_client_keyquery_answer ans[NODE_CONFIG_PEERS_MAX]; /* verified answers */
    size_t n_ans;                                                  /* their number */
    const char *nodes[NODE_CONFIG_PEERS_MAX];                      /* nodes asked */
    const uint8_t *keys[NODE_CONFIG_PEERS_MAX];                    /* their identity keys */
    size_t n_nodes;                                                /* their number */
};

/* The nodes to ask: --nodes (each must be in the peers file) or every peer. Returns 0 or -1. */
static int
xq_nodes(struct xq_state *s, const struct cli_peer_keys *peers, const char *list)
{
    if (list == NULL) {
        for (size_t i = 0; i < peers->n; i++) {
            s->nodes[i] = peers->keys[i].id;
            s->keys[i] = peers->keys[i].pk;
        }
        s->n_nodes = peers->n;
        return 0;
    }
    char buf[NODE_CONFIG_PEERS_MAX * (NODE_ID_MAX + 1) + 1];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < peers->n && strcmp(peers->keys[i].id, t) != 0) {
            i++;
        }
        if (i == peers->n || s->n_nodes == NODE_CONFIG_PEERS_MAX) {
            cli_errf("--nodes: %s is not in the peers file", t);
            return -1;
        }
        s->nodes[s->n_nodes] = peers->keys[i].id;
        s->keys[s->n_nodes++] = peers->keys[i].pk;
    }
    return s->n_nodes > 0 ? 0 : -1;
}

/* Asks node i; keeps a verified answer. */
static void
xq_ask(struct xq_state *s, transport *t, size_t i, const uint8_t *query, size_t qlen,
       uint64_t timeout_ms, uint8_t *buf)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    size_t rl = 0;
    mpc_status st =
        transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_KEYINFO, s->nodes[i], NULL, NULL);
    if (st == MPC_OK) {
        st = transport_request(t, subj, query, qlen, timeout_ms, buf,
                               NODE_CLIENT_KEYQUERY_REPLY_MAX, &rl);
    }
    if (st != MPC_OK) {
        cli_errf("%s: no answer (%s)", s->nodes[i], mpc_status_name(st));
        return;
    }
    struct node_client_keyquery_answer *a = &s->ans[s->n_ans];
    st = node_client_keyquery_verify(a, buf, rl, s->nodes[i], s->keys[i], &s->q);
    if (st != MPC_OK) {
        cli_errf("%s: reply not accepted (%s): ignored", s->nodes[i], mpc_status_name(st));
        return;
    }
    if (a->status != MPC_OK) {
        cli_errf("%s: refused: %s (%s)", s->nodes[i], mpc_status_str(a->status),
                 mpc_status_name(a->status));
        return;
    }
    s->n_ans++;
}

/* The agreement rule over the verified answers. Out: *best. Returns MPC_OK or why not. */
static mpc_status
xq_decide(const struct xq_state *s, size_t *best)
{
    size_t best_n = 0;
    for (size_t i = 0; i < s->n_ans; i++) { /* the largest group stating one key */
        size_t n = 0;
        for (size_t j = 0; j < s->n_ans; j++) {
            n += node_client_keyquery_facts_equal(&s->ans[i].facts, &s->ans[j].facts);
        }
        if (n > best_n) {
            best_n = n;
            *best = i;
        }
    }
    if (best_n < s->n_ans) {
        for (size_t j = 0; j < s->n_ans; j++) {
            if (!node_client_keyquery_facts_equal(&s->ans[*best].facts, &s->ans[j].facts)) {
                cli_errf("%s states another key than %s", s->ans[j].node_id, s->ans[*best].node_id);
            }
        }
        return MPC_ERR_KEYINFO_DISAGREE;
    }
    uint32_t quorum =
        best_n > 0 && s->ans[*best].facts.threshold > 2 ? s->ans[*best].facts.threshold : 2u;
    if (best_n < quorum) {
        cli_errf("%zu verified replies, %u needed", best_n, quorum);
        return MPC_ERR_KEYINFO_TOO_FEW;
    }
    return MPC_OK;
}

/* Signs the query, asks every node. Returns MPC_OK or a setup error (reported). */
static mpc_status
xq_collect(struct xq_state *s, const struct cli_xpub_opts *o)
{
    node_store_identity *client = NULL;
    const char *key_file = o->key_file != NULL ? o->key_file : getenv("MPC_INITIATOR_KEY");
    uint8_t nonce[XQ_NONCE_BYTES], *query = NULL, *buf = NULL;
    size_t qlen = 0;
    transport *t = NULL;
    if (key_file == NULL) {
        cli_errf("--key FILE (or $MPC_INITIATOR_KEY) is required to sign the query");
        return MPC_ERR_INVALID_ARG;
    }
    mpc_status st = cli_key_load(key_file, &o->pass, &client);
    if (st == MPC_OK) {
        st = mpc_random_bytes(nonce, sizeof nonce);
    }
    uint64_t ttl = o->timeout_ms * s->n_nodes + 1000u;
    ttl = ttl < NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS ? ttl : NODE_CLIENT_KEYQUERY_MAX_EXPIRY_MS;
    if (st == MPC_OK) {
        st = node_client_keyquery_create(client, o->key_type, o->wallet, nonce, sizeof nonce,
                                         mpc_clock_wall_ms(), ttl, &s->q, &query, &qlen);
    }
    node_store_identity_destroy(client);
    buf = st == MPC_OK ? malloc(NODE_CLIENT_KEYQUERY_REPLY_MAX) : NULL;
    st = st == MPC_OK && buf == NULL ? MPC_ERR_NOMEM : st;
    if (st == MPC_OK) {
        st = cli_nats_transport_open(&o->nats, "mpc-cli", &t);
    }
    for (size_t i = 0; st == MPC_OK && i < s->n_nodes; i++) {
        xq_ask(s, t, i, query, qlen, o->timeout_ms, buf);
    }
    transport_destroy(t);
    free(buf);
    free(query);
    return st;
}

int
cli_xpub_wallet(const struct cli_xpub_opts *o, tss_hd_xkey *root)
{
    struct cli_peer_keys *peers = calloc(1, sizeof(*peers));
    struct xq_state *s = calloc(1, sizeof(*s));
    size_t best = 0;
    int rc = CLI_EXIT_FAILED;
    if (peers == NULL || s == NULL || cli_peer_keys_load(o->peers_file, peers) != 0) {
        free(peers);
        free(s);
        return CLI_EXIT_FAILED;
    }
    if (xq_nodes(s, peers, o->nodes) != 0) {
        rc = CLI_EXIT_USAGE;
    } else {
        mpc_status st = xq_collect(s, o);
        rc = st == MPC_OK ? CLI_EXIT_OK : cli_exit_for_nats(st);
        st = st == MPC_OK ? xq_decide(s, &best) : st;
        const struct node_client_keyquery_facts *f = st == MPC_OK ? &s->ans[best].facts : NULL;
        if (f != NULL && !f->has_chain) {
            st = MPC_ERR_HD_NO_CHAIN_CODE;
        }
        if (f != NULL && st == MPC_OK &&
            tss_hd_root(root,
                        f->key_type == MPC__KEY_TYPE__KEY_TYPE_ED25519 ? TSS_CURVE_ED25519
                                                                       : TSS_CURVE_SECP256K1,
                        f->public_key, f->public_key_len, f->chain) != MPC_OK) {
            st = MPC_ERR_HD_XPUB;
        }
        if (st != MPC_OK) {
            cli_errf("no key printed for wallet %s: %s (%s)", o->wallet, mpc_status_str(st),
                     mpc_status_name(st));
            rc = rc == CLI_EXIT_OK ? CLI_EXIT_FAILED : rc;
        } else {
            printf("confirmed:   %zu of %zu nodes (threshold %u, version %u)\n", s->n_ans,
                   s->n_nodes, f->threshold, f->active_version);
        }
    }
    cli_peer_keys_clear(peers);
    free(peers);
    free(s);
    return rc;
}

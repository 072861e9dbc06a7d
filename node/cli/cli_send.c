/*
 * cli_send.c — mpc-cli keygen / sign / reshare (publish the signed request
 * and wait for the results) and `mpc-cli results` (read the stored results
 * of an earlier request).
 */
#include "node/cli/cli_request.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "node/cli/cli_resubmit.h"
#include "node/cli/cli_results.h"
#include "node/client/results.h"
#include "node/config/peers.h"
#include "transport/jetstream.h"
#include "transport/subject.h"

#define ERR_CAP          512u  /* diagnostic buffer */
#define PUBLISH_TIMEOUT  5000u /* publish-ack wait, ms */
#define RESULTS_DEF_WAIT 5000u /* `results` default wait, ms */
#define RESUBMIT_EXPIRY_MARGIN_MS                                                                  \
    500u /* no resubmission this close to the request's expiry: the copy would arrive expired */

/*
 * How long a publish is repeated while no stream leader answers (a JetStream
 * election after a nats-server was lost or cut off): the request's own bound,
 * its --timeout, or its --expires-in if sooner (the nodes refuse it after
 * that anyway). The results are then awaited for what is left of --timeout.
 */
static uint64_t
publish_budget_ms(const struct cli_req_opts *o)
{
    uint64_t b = o->timeout_ms;
    if (o->expires_in_ms != 0 && o->expires_in_ms < b) {
        b = o->expires_in_ms;
    }
    return b;
}

/* Builds the request subject mpc.req.<op> into subject (TRANSPORT_SUBJECT_MAX). */
static mpc_status
request_subject(char *subject, const struct cli_req_opts *o)
{
    return transport_subject_build(subject, TRANSPORT_SUBJECT_MAX, TRANSPORT_SUBJ_REQUEST,
                                   node_client_request_op_name(o->op), NULL, NULL);
}

/* Publishes data to mpc.req.<op> with Nats-Msg-Id msg_id and Mpc-Client, repeated while no
 * stream leader answers within budget_ms. Out: *ack. */
static mpc_status
publish_as(transport_js *js, const struct cli_req_opts *o, const uint8_t *data, size_t len,
           const char *msg_id, uint64_t budget_ms, transport_js_pub_ack *ack)
{
    char subject[TRANSPORT_SUBJECT_MAX];
    transport_js_header hdr = {TRANSPORT_JS_HDR_CLIENT, o->client_id};
    mpc_status st = request_subject(subject, o);
    if (st == MPC_OK) {
        st = transport_js_publish_retry(js, subject, data, len, msg_id, &hdr, 1, PUBLISH_TIMEOUT,
                                        budget_ms, ack);
    }
    if (st == MPC_ERR_NO_RESPONDERS) {
        cli_errf("publish to %s: no stream (start the nodes first: they create MPC_REQ)", subject);
    } else if (st != MPC_OK) {
        cli_errf("publish to %s: %s", subject, mpc_status_str(st));
    }
    return st;
}

/* What a resubmission publishes (cli_collect_params.resubmit_fn). All borrowed. */
struct resubmit_ctx {
    transport_js *js;             /* connection */
    const struct cli_req_opts *o; /* the request's options */
    const uint8_t *data;          /* the signed request bytes, the same as the first publish */
    size_t len;                   /* their length */
    const char *msg_id;           /* the first publish's Nats-Msg-Id */
    uint64_t expires_at_ms;       /* the request's expiry (wall clock), 0 = none */
};

/* Publishes resubmission n: the same bytes under Nats-Msg-Id "<msg id>.r<n>". */
static mpc_status
resubmit_publish(void *arg, uint32_t n)
{
    const struct resubmit_ctx *c = arg;
    char id[TRANSPORT_JS_MSG_ID_MAX + 1];
    transport_js_pub_ack ack;
    if (c->expires_at_ms != 0 &&
        mpc_clock_wall_ms() + RESUBMIT_EXPIRY_MARGIN_MS >= c->expires_at_ms) {
        fprintf(stderr,
                "mpc-cli: no result for request %s; not resubmitted: it expires (the nodes would "
                "refuse a copy)\n",
                c->o->request_id);
        return MPC_ERR_EXPIRED;
    }
    mpc_status st = cli_resubmit_msg_id(id, sizeof id, c->msg_id, n);
    if (st == MPC_OK) {
        st = publish_as(c->js, c->o, c->data, c->len, id, PUBLISH_TIMEOUT, &ack);
    }
    if (!c->o->json || st != MPC_OK) { /* --json: counted in "resubmissions" instead */
        fprintf(stderr,
                "mpc-cli: no result for request %s within %llu ms: resubmitted (%u of at most "
                "%u) as Nats-Msg-Id %s: %s\n",
                c->o->request_id, (unsigned long long)c->o->resubmit_ms, (unsigned)n,
                (unsigned)c->o->resubmit_max, id, mpc_status_name(st));
    }
    return st;
}

/* Publishes the request the first time (Nats-Msg-Id: the hash of the bytes, or --x-msg-id). */
static mpc_status
publish_request(transport_js *js, const struct cli_req_opts *o, const uint8_t *data, size_t len,
                const char *msg_id)
{
    transport_js_pub_ack ack;
    mpc_status st = publish_as(js, o, data, len, msg_id, publish_budget_ms(o), &ack);
    if (st == MPC_OK && ack.duplicate && !o->json) {
        fprintf(stderr,
                "mpc-cli: note: request %s was already published (the same bytes); the "
                "nodes answer with the original result\n",
                o->request_id);
    }
    return st;
}

/* Collects and prints; returns the exit code. */
static int
collect_and_print(transport_js_results *w, const struct cli_req_opts *o, uint64_t pub_ms,
                  const struct cli_peer_keys *peers, const uint8_t *digest,
                  struct resubmit_ctx *rc_ctx)
{
    struct cli_collect_params p;
    struct cli_resubmit rs;
    /* --timeout bounds publish and wait together (at least 1 s is left for the results) */
    uint64_t wait_ms = o->timeout_ms > pub_ms + 1000u ? o->timeout_ms - pub_ms : 1000u;
    cli_collect_params_init(&p, o->client_id, o->request_id, peers, o->expect, wait_ms);
    cli_collect_params_sign(&p, o->message, o->message_len, o->pk, o->has_pk);
    p.hd_path = o->hd_path;
    p.batch = (const uint8_t *const *)o->batch;
    p.batch_lens = o->batch_lens;
    p.n_batch = o->n_batch;
    p.tr_root = o->has_tr_root ? o->tr_root : NULL;
    p.tr_untweaked = o->tr_untweaked;
    p.expected = o->n_parties > 0 ? o->parties : NULL;
    p.n_expected = o->n_parties;
    if (o->op == MPC__OP__OP_KEYGEN && o->n_parties == 0) {
        p.expected = peers->ids;
        p.n_expected = peers->n;
    }
    p.request_digest = digest;
    p.n_key_types = o->op == MPC__OP__OP_KEYGEN ? o->n_key_types : 1;
    p.progress = !o->json;
    cli_resubmit_init(&rs, o->resubmit_ms, o->resubmit_max, mpc_clock_mono_ms());
    p.resubmit = &rs;
    p.resubmit_fn = resubmit_publish;
    p.resubmit_ctx = rc_ctx;
    struct cli_results *r = cli_results_new();
    if (r == NULL) {
        return CLI_EXIT_FAILED;
    }
    mpc_status st = cli_results_collect(w, &p, r);
    int rc;
    if (st != MPC_OK) {
        cli_errf("reading results: %s", mpc_status_str(st));
        rc = cli_exit_for_nats(st);
    } else {
        cli_results_print(r, node_client_request_op_name(o->op), o->request_id, o->wallet, o->json,
                          pub_ms);
        rc = cli_results_exit(r);
    }
    cli_results_free(r);
    return rc;
}

int
cli_req_send(const struct cli_req_opts *o, const uint8_t *data, size_t len)
{
    struct cli_peer_keys *peers = calloc(1, sizeof(*peers));
    uint8_t digest[NODE_CLIENT_REQUEST_DIGEST_LEN];
    if (peers == NULL || (!o->x_no_wait && cli_peer_keys_load(o->peers_file, peers) != 0)) {
        free(peers);
        return CLI_EXIT_FAILED;
    }
    /* Test builds may send bytes that are no request (--x-garbage): no digest, take every copy. */
    int have_digest = node_client_request_digest(digest, data, len) == MPC_OK;
    transport_js *js = NULL;
    transport_js_results *w = NULL;
    mpc_status st = o->x_no_wait ? cli_nats_connect(&o->nats, "mpc-cli", &js)
                                 : cli_results_watch_open(&o->nats, "mpc-cli", o->client_id,
                                                          o->request_id, &js, &w);
    int rc = cli_exit_for_nats(st);
    char msg_id[NODE_CLIENT_REQUEST_MSG_ID_LEN + 1];
    if (st == MPC_OK) {
        st = node_client_request_msg_id(msg_id, sizeof msg_id, data, len);
    }
    struct resubmit_ctx rctx = {js, o, data, len, o->x_msg_id != NULL ? o->x_msg_id : msg_id, 0};
    if (o->loaded != NULL) { /* a saved request: its own expiry */
        rctx.expires_at_ms = o->loaded->expires_at_ms;
    } else if (o->expires_in_ms != 0) { /* built just now: created at most a moment ago */
        rctx.expires_at_ms = mpc_clock_wall_ms() + o->expires_in_ms;
    }
    if (st == MPC_OK) {
        uint64_t t0 = mpc_clock_mono_ms();
        st = publish_request(js, o, data, len, rctx.msg_id);
        uint64_t pub_ms = mpc_clock_mono_ms() - t0;
        rc = cli_exit_for_nats(st);
        if (st == MPC_OK && o->x_no_wait) {
            printf(o->json ? "{\"request_id\": \"%s\", \"published\": true}\n"
                           : "published request %s\n",
                   o->request_id);
        } else if (st == MPC_OK) {
            rc = collect_and_print(w, o, pub_ms, peers, have_digest ? digest : NULL, &rctx);
        }
    }
    cli_results_watch_close(js, w);
    cli_peer_keys_clear(peers);
    free(peers);
    return rc;
}

/* Shared body of keygen / sign / reshare. */
static int
request_command(int op, int argc, char **argv)
{
    struct cli_req_opts *o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return CLI_EXIT_FAILED;
    }
    int rc = cli_req_parse(op, argc, argv, o);
    if (rc == CLI_EXIT_OK) {
        uint8_t *data = NULL;
        size_t len = 0;
        rc = cli_req_build(o, &data, &len) != MPC_OK ? CLI_EXIT_FAILED
             : o->out_request != NULL                ? cli_req_save(o, data, len)
                                                     : cli_req_send(o, data, len);
        free(data);
    } else if (rc < 0) {
        rc = CLI_EXIT_OK; /* --help */
    }
    cli_req_opts_clear(o);
    free(o);
    return rc;
}

int
cli_cmd_keygen(int argc, char **argv)
{
    return request_command(MPC__OP__OP_KEYGEN, argc, argv);
}

int
cli_cmd_sign(int argc, char **argv)
{
    return request_command(MPC__OP__OP_SIGN, argc, argv);
}

int
cli_cmd_reshare(int argc, char **argv)
{
    return request_command(MPC__OP__OP_RESHARE, argc, argv);
}

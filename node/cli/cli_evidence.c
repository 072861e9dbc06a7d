/*
 * cli_evidence.c — `mpc-cli evidence` and the offline evidence check (see
 * cli_evidence.h).
 */
#include "node/cli/cli_evidence.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/client/evidence.h"
#include "node/client/request.h"
#include "node/client/results.h"
#include "transport/envelope.h"
#include "transport/jetstream.h"

#define EVID_MAX_ITEMS 8u
#define EVID_FILE_MAX  (256u << 10)

static const uint8_t *
evid_key(const struct cli_peer_key *keys, size_t n, const char *id)
{
    for (size_t i = 0; keys != NULL && i < n; i++) {
        if (strcmp(keys[i].id, id) == 0) {
            return keys[i].pk;
        }
    }
    return NULL;
}

/* Returns "equivocation", "restart" or NULL for two envelopes of one signer. */
static const char *
evid_conflict(const transport_envelope_header *a, const transport_envelope_header *b)
{
    if (strcmp(a->from, b->from) != 0 || memcmp(a->sid, b->sid, sizeof a->sid) != 0) {
        return NULL;
    }
    if (a->incarnation != 0 && b->incarnation != 0 && a->incarnation != b->incarnation) {
        return "restart";
    }
    if (a->round == b->round && a->kind == b->kind && strcmp(a->to, b->to) == 0 &&
        a->kind != TRANSPORT_ENVELOPE_DIRECT && a->incarnation == b->incarnation &&
        memcmp(a->payload_digest, b->payload_digest, sizeof a->payload_digest) != 0) {
        return "equivocation"; /* DIRECT ciphertexts differ by their nonces: not compared */
    }
    return NULL;
}

int
cli_evidence_check(const Mpc__Result *r, const struct cli_peer_key *keys, size_t n_keys,
                   struct cli_evidence_report *rep)
{
    transport_envelope_header h[EVID_MAX_ITEMS];
    int ok[EVID_MAX_ITEMS];
    memset(rep, 0, sizeof *rep);
    rep->n = r->n_evidence;
    if (r->n_evidence > EVID_MAX_ITEMS) {
        rep->why = "too many evidence envelopes";
        return 1;
    }
    for (size_t i = 0; i < r->n_evidence; i++) {
        const ProtobufCBinaryData *e = &r->evidence[i];
        const uint8_t *pk = NULL;
        ok[i] = transport_envelope_peek(e->data, e->len, &h[i]) == MPC_OK &&
                (pk = evid_key(keys, n_keys, h[i].from)) != NULL &&
                transport_envelope_attest(e->data, e->len, pk, &h[i]) == MPC_OK;
        rep->n_valid += (size_t)ok[i];
        if (!ok[i] && rep->why == NULL) {
            rep->why = "an evidence envelope is not validly signed by a node of the peers file";
        }
    }
    for (size_t i = 0; i < r->n_evidence; i++) {
        for (size_t j = i + 1; ok[i] && j < r->n_evidence; j++) {
            const char *c = ok[j] ? evid_conflict(&h[i], &h[j]) : NULL;
            if (c != NULL && rep->conflict == NULL) {
                rep->conflict = c;
                snprintf(rep->proven, sizeof rep->proven, "%s", h[i].from);
            }
        }
    }
    const char *culprit = r->failed_peer != NULL ? r->failed_peer : "";
    for (size_t i = 0; culprit[0] != '\0' && i < r->n_evidence; i++) {
        rep->culprit_backed |= ok[i] && strcmp(h[i].from, culprit) == 0;
    }
    if (rep->why == NULL && rep->conflict != NULL && strcmp(rep->proven, culprit) != 0) {
        rep->why = "the conflict proves another node than the one named";
    }
    if (rep->why == NULL && culprit[0] != '\0' && r->status_code != 0 && !rep->culprit_backed) {
        rep->why = "the named culprit signed none of the evidence";
    }
    return rep->why == NULL ? 0 : 1;
}

/* Prints one result's verdict and its check; returns the check's code. With nats,
 * the whole evidence is fetched from the node and checked instead of the Result's. */
static int
evid_print(const Mpc__Result *r, const struct cli_peer_keys *peers,
           const struct cli_nats_opts *nats)
{
    struct cli_evidence_report rep;
    Mpc__Result whole = *r;
    ProtobufCBinaryData items[EVID_MAX_ITEMS];
    const uint8_t *ip[EVID_MAX_ITEMS];
    size_t il[EVID_MAX_ITEMS], n = 0;
    uint8_t *packed = NULL;
    size_t plen = 0;
    const char *why = NULL;
    int fetched = 0;
    if (nats != NULL && r->evidence_digest.len > 0) {
        if (cli_evidence_fetch_whole(nats, r, &packed, &plen, &why) == 0 &&
            node_client_evidence_unpack(packed, plen, ip, il, &n) == MPC_OK) {
            for (size_t i = 0; i < n; i++) {
                items[i].data = (uint8_t *)ip[i];
                items[i].len = il[i];
            }
            whole.evidence = items;
            whole.n_evidence = n;
            fetched = 1;
        } else if (why == NULL) {
            why = "the fetched evidence is malformed";
        }
    }
    int rc = cli_evidence_check(&whole, peers->keys, peers->n, &rep);
    printf("node %s: %s", r->node_id, r->status_name);
    if (r->failed_peer[0] != '\0') {
        printf(", culprit %s", r->failed_peer);
    }
    for (size_t i = 0; i < r->n_disputed; i++) {
        printf("%s%s", i == 0 ? ", disputed between " : " and ", r->disputed[i]);
    }
    if (r->n_disputed == 1) {
        printf(" and another party");
    }
    printf("\n  evidence: %zu envelope(s), %zu validly signed", rep.n, rep.n_valid);
    if (rep.conflict != NULL) {
        printf("; %s by %s proven by its own signatures", rep.conflict, rep.proven);
    }
    if (fetched) {
        printf("\n  whole evidence: %zu bytes from node %s, matches the signed digest", plen,
               r->node_id);
    } else if (why != NULL) {
        printf("\n  whole evidence (%llu bytes): not checked: %s",
               (unsigned long long)r->evidence_size, why);
        rc = 1;
        rep.why = rep.why != NULL ? rep.why : why;
    }
    printf("\n  check: %s\n", rc == 0 ? "holds" : rep.why);
    free(packed);
    return rc;
}

/* --verify FILE: a signed Result as saved by `mpc-cli evidence --out`. */
static int
evid_verify_file(const char *path, const struct cli_peer_keys *peers)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cli_errf("cannot open %s", path);
        return CLI_EXIT_FAILED;
    }
    uint8_t *buf = malloc(EVID_FILE_MAX);
    size_t len = buf != NULL ? fread(buf, 1, EVID_FILE_MAX, f) : 0;
    int too_big = buf != NULL && len == EVID_FILE_MAX && fgetc(f) != EOF;
    fclose(f);
    Mpc__Result *r = buf != NULL && !too_big ? mpc__result__unpack(NULL, len, buf) : NULL;
    free(buf);
    if (r == NULL) {
        cli_errf("%s is not a result (proto/result.proto, at most 256 KiB)", path);
        return CLI_EXIT_FAILED;
    }
    int rc = CLI_EXIT_FAILED;
    const uint8_t *pk = evid_key(peers->keys, peers->n, r->signer_node_id);
    if (pk == NULL || node_client_result_verify(r, pk) != MPC_OK) {
        cli_errf("the result is not signed by a node of the peers file");
    } else {
        rc = evid_print(r, peers, NULL) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    mpc__result__free_unpacked(r, NULL);
    return rc;
}

/* Writes r (a signed copy) to path. */
static int
evid_save(const Mpc__Result *r, const char *path)
{
    size_t len = mpc__result__get_packed_size(r);
    uint8_t *buf = malloc(len + 1);
    FILE *f = buf != NULL ? fopen(path, "wb") : NULL;
    int ok = f != NULL && fwrite(buf, 1, mpc__result__pack(r, buf), f) == len;
    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    free(buf);
    if (!ok) {
        cli_errf("cannot write %s", path);
    }
    return ok ? 0 : -1;
}

static const char evidence_usage[] =
    "usage: mpc-cli evidence --peers FILE [--client-id ID] [--timeout S] [--out FILE] REQUEST_ID\n"
    "       mpc-cli evidence --peers FILE --verify FILE\n"
    "\n"
    "Prints who each node blamed for a failed request and the signed envelopes\n"
    "behind it (DESIGN §7), re-checking every signature and any conflict\n"
    "against the peers file. --out saves the first failed copy that carries\n"
    "evidence (a signed result); anyone holding the peers file can re-check it\n"
    "with --verify. Exit 0 when every check holds.\n"
    "\n"
    "  --peers FILE       the peers file (default $MPC_PEERS)\n"
    "  --client-id ID     the client id the request was sent with (default mpc-cli)\n"
    "  --timeout S        how long to collect the results (default 5)\n" CLI_NATS_HELP;

struct evid_opts {
    struct cli_nats_opts nats; /* connection */
    const char *client_id;     /* --client-id */
    uint64_t timeout_ms;       /* --timeout */
    const char *out;           /* --out */
    const char *verify;        /* --verify */
    const char *peers_file;    /* --peers */
};

enum { OPT_E_CLIENT = 3101, OPT_E_TIMEOUT, OPT_E_OUT, OPT_E_VERIFY, OPT_E_PEERS, OPT_E_HELP };

static int
evid_apply(struct evid_opts *o, int c, const char *arg)
{
    if (cli_nats_opt(&o->nats, c, arg)) {
        return 0;
    }
    switch (c) {
    case OPT_E_CLIENT:
        o->client_id = arg;
        return node_client_id_is_valid(arg) ? 0 : -1;
    case OPT_E_TIMEOUT:
        return cli_parse_seconds(arg, &o->timeout_ms);
    case OPT_E_OUT:
        o->out = arg;
        return 0;
    case OPT_E_VERIFY:
        o->verify = arg;
        return 0;
    case OPT_E_PEERS:
        o->peers_file = arg;
        return 0;
    default:
        return -1;
    }
}

/* Prints the failed copies of r; saves the first with evidence to out. */
static int
evid_report(const struct cli_results *r, const struct cli_peer_keys *peers, const char *out,
            const struct cli_nats_opts *nats)
{
    int rc = CLI_EXIT_OK, saved = 0, failed = 0;
    for (size_t i = 0; i < r->n; i++) {
        const Mpc__Result *res = r->v[i].res;
        if (res == NULL || res->status_code == 0) {
            continue;
        }
        failed = 1;
        if (evid_print(res, peers, nats) != 0) {
            rc = CLI_EXIT_FAILED;
        }
        if (out != NULL && !saved && res->n_evidence > 0) {
            saved = 1;
            rc = evid_save(res, out) == 0 ? rc : CLI_EXIT_FAILED;
        }
    }
    if (!failed) {
        printf("no failed result: nothing to show\n");
    }
    if (out != NULL && !saved) {
        cli_errf("no failed result carries evidence: %s not written", out);
        rc = CLI_EXIT_FAILED;
    }
    return rc;
}

static int
evid_fetch(const struct evid_opts *o, const struct cli_peer_keys *peers, const char *request_id)
{
    transport_js *js = NULL;
    transport_js_results *w = NULL;
    mpc_status st = cli_results_watch_open(&o->nats, "mpc-cli", o->client_id, request_id, &js, &w);
    int rc = cli_exit_for_nats(st);
    if (st == MPC_OK) {
        struct cli_collect_params p;
        cli_collect_params_init(&p, o->client_id, request_id, peers, 0, o->timeout_ms);
        struct cli_results *r = cli_results_new();
        st = r == NULL ? MPC_ERR_NOMEM : cli_results_collect(w, &p, r);
        rc = st == MPC_OK ? evid_report(r, peers, o->out, &o->nats) : cli_exit_for_nats(st);
        cli_results_free(r);
    }
    cli_results_watch_close(js, w);
    return rc;
}

int
cli_cmd_evidence(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"client-id", required_argument, NULL, OPT_E_CLIENT},
        {"timeout", required_argument, NULL, OPT_E_TIMEOUT},
        {"out", required_argument, NULL, OPT_E_OUT},
        {"verify", required_argument, NULL, OPT_E_VERIFY},
        {"peers", required_argument, NULL, OPT_E_PEERS},
        {"help", no_argument, NULL, OPT_E_HELP},
        {"nats", required_argument, NULL, CLI_OPT_NATS},
        {"user", required_argument, NULL, CLI_OPT_USER},
        {"password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE},
        {NULL, 0, NULL, 0},
    };
    struct evid_opts o;
    memset(&o, 0, sizeof(o));
    o.client_id = "mpc-cli";
    o.timeout_ms = 5000;
    int rc = CLI_EXIT_OK, c;
    optind = 0;
    while (rc == CLI_EXIT_OK && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == OPT_E_HELP) {
            fputs(evidence_usage, stdout);
            return CLI_EXIT_OK;
        }
        if (c == '?' || evid_apply(&o, c, optarg) != 0) {
            rc = cli_usage_error(evidence_usage, c == '?' ? NULL : "invalid option value");
        }
    }
    int n_args = argc - optind;
    if (rc == CLI_EXIT_OK &&
        (o.verify != NULL ? n_args != 0 || o.out != NULL
                          : n_args != 1 || !node_client_request_id_is_valid(argv[optind]))) {
        rc = cli_usage_error(evidence_usage, "either --verify FILE or one valid REQUEST_ID");
    }
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    struct cli_peer_keys *peers = calloc(1, sizeof(*peers));
    if (peers == NULL || cli_peer_keys_load(o.peers_file, peers) != 0) {
        free(peers);
        return CLI_EXIT_FAILED;
    }
    rc = o.verify != NULL ? evid_verify_file(o.verify, peers) : evid_fetch(&o, peers, argv[optind]);
    cli_peer_keys_clear(peers);
    free(peers);
    return rc;
}

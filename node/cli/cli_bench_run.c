/*
 * cli_bench_run.c — the request engine of `mpc-cli bench` (see
 * node/cli/cli_bench.h): up to C slots, each holding one request in flight;
 * results arrive on one watcher and are routed to their slot by the request
 * id in the subject; a slot whose end-of-wait rule holds (or whose request
 * timed out) is recorded and reused for the next request.
 *
 * DESIGN: single-threaded; slots and their cli_results are owned by the run.
 */
#include "node/cli/cli_bench.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/secmem.h"
#include "node/cli/cli_results.h"
#include "transport/jetstream.h"
#include "transport/subject.h"

#define PUBLISH_TIMEOUT_MS 5000u /* publish-ack wait */
#define PUBLISH_STEP_MS    1000u /* a publish retried in steps of this: a stop ends it */
#define POLL_MS            20u   /* longest wait for a result before housekeeping */
#define RSS_SAMPLE_MS      200u  /* RSS sampling period */
#define PROGRESS_MS        200u  /* progress bar refresh */

/* Set by SIGTERM/SIGINT once cli_bench_catch_stop ran; read by run_loop. */
static volatile sig_atomic_t g_stop;

static void
on_stop(int sig)
{
    (void)sig;
    g_stop = 1;
}

void
cli_bench_catch_stop(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
}

/* One request in flight. */
struct slot {
    int active;                        /* 1 while a request is in flight */
    uint32_t index;                    /* request number in the phase */
    struct cli_req_opts req;           /* the request (copy of the template) */
    char wallet[CLI_BENCH_WALLET_MAX]; /* its wallet */
    uint8_t msg[32];                   /* sign: message (ed25519) or digest (secp256k1) */
    uint8_t bmsg[NODE_CLIENT_REQUEST_BATCH_MAX][32]; /* --batch: the messages */
    uint8_t *bptr[NODE_CLIENT_REQUEST_BATCH_MAX];    /* pointers to them */
    size_t blen[NODE_CLIENT_REQUEST_BATCH_MAX];      /* their lengths (32) */
    struct cli_collect_params p;                     /* its end-of-wait rule */
    struct cli_results *r;                           /* collected outcomes (owned) */
    uint64_t t0_us;                                  /* start */
    uint64_t last_ms;                                /* last arrival (errors-only quiet rule) */
    uint8_t *data;                                   /* the signed request bytes (owned) */
    size_t len;                                      /* their length */
    char msg_id[NODE_CLIENT_REQUEST_MSG_ID_LEN + 1]; /* its first Nats-Msg-Id */
    struct cli_resubmit rs;                          /* its resubmission schedule */
    uint64_t first_seq;                              /* MPC_REQ sequence of its first publish */
};

/* State of one run. */
struct run {
    struct transport_js *js;          /* connection */
    struct transport_js_results *w;   /* results of this client */
    const struct cli_bench_opts *o;   /* options */
    const struct cli_bench_phase *ph; /* phase */
    struct cli_bench_stats *st;       /* output */
    struct cli_req_opts tmpl;         /* request template */
    struct slot *slots;               /* ph->conc slots (owned) */
    uint32_t started;                 /* requests started */
    uint64_t t_start_us;              /* first start */
    uint64_t next_rss_ms;             /* next RSS sample */
    uint64_t next_progress_ms;        /* next progress refresh */
};

static uint64_t
now_us(void)
{
    return mpc_clock_mono_ns() / 1000u;
}

void
cli_bench_wallet_of(const struct cli_bench_opts *o, int op, uint32_t i, char *buf)
{
    if (o->wallet != NULL) {
        snprintf(buf, CLI_BENCH_WALLET_MAX, "%s", o->wallet);
    } else if (op == MPC__OP__OP_KEYGEN && o->wallets == 0) {
        snprintf(buf, CLI_BENCH_WALLET_MAX, "%s-%u", o->wallet_prefix, i);
    } else {
        snprintf(buf, CLI_BENCH_WALLET_MAX, "%s-%u", o->wallet_prefix,
                 o->wallets > 0 ? i % o->wallets : 0);
    }
}

/* Builds the request template of the run. */
static void
template_init(struct run *rn)
{
    const struct cli_bench_opts *o = rn->o;
    struct cli_req_opts *t = &rn->tmpl;
    memset(t, 0, sizeof(*t));
    t->op = rn->ph->op;
    t->nats = o->nats;
    t->key_file = o->key_file;
    t->pass = o->pass;
    t->client_id = o->client_id;
    t->key_types[0] = o->key_type;
    t->n_key_types = 1;
    t->threshold = rn->ph->op == MPC__OP__OP_SIGN ? 0 : o->threshold;
    t->timeout_ms = o->timeout_ms;
    t->peers_file = o->peers_file;
}

/* Sets the committee of slot s's request (explicit list, rotation, or default). */
static void
slot_parties(struct run *rn, struct slot *s, const char *const *list, size_t n_list)
{
    const struct cli_bench_opts *o = rn->o;
    struct cli_req_opts *q = &s->req;
    q->n_parties = 0;
    if (rn->ph->op == MPC__OP__OP_SIGN && o->rotate > 0) {
        for (size_t j = 0; j < o->rotate && j < o->n_ids; j++) {
            q->parties[q->n_parties++] = o->ids[(s->index + j) % o->n_ids];
        }
    } else if (n_list > 0) {
        for (size_t j = 0; j < n_list; j++) {
            q->parties[q->n_parties++] = list[j];
        }
    } else if (rn->ph->op == MPC__OP__OP_RESHARE) { /* default new committee: every peer */
        for (size_t j = 0; j < o->n_ids; j++) {
            q->parties[q->n_parties++] = o->ids[j];
        }
    }
}

/* Fills the end-of-wait rule of slot s (as `mpc-cli <op>` does). */
static void
slot_params(struct run *rn, struct slot *s)
{
    const struct cli_bench_opts *o = rn->o;
    struct cli_collect_params *p = &s->p;
    memset(p, 0, sizeof(*p));
    p->client_id = o->client_id;
    p->request_id = s->req.request_id;
    p->expected = s->req.n_parties > 0 ? s->req.parties : NULL;
    p->n_expected = s->req.n_parties;
    if (rn->ph->op == MPC__OP__OP_KEYGEN && s->req.n_parties == 0) {
        p->expected = o->ids;
        p->n_expected = o->n_ids;
    }
    p->peers = o->ids;
    p->n_peers = o->n_ids;
    p->keys = o->keys;
    p->n_keys = o->keys != NULL ? o->n_ids : 0;
    p->n_key_types = 1;
    p->timeout_ms = o->timeout_ms;
    if (rn->ph->op == MPC__OP__OP_SIGN && s->req.n_batch > 0) {
        p->batch = (const uint8_t *const *)s->bptr;
        p->batch_lens = s->blen;
        p->n_batch = s->req.n_batch;
    } else if (rn->ph->op == MPC__OP__OP_SIGN) {
        p->message = s->msg;
        p->message_len = sizeof(s->msg);
    }
}

/* Returns: 1 if another reshare of wallet is in flight (reshares of one key are exclusive). */
static int
wallet_busy(const struct run *rn, const char *wallet)
{
    for (uint32_t k = 0; k < rn->ph->conc; k++) {
        if (rn->slots[k].active && strcmp(rn->slots[k].wallet, wallet) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Records slot s as finished with outcome name (latency from s->t0_us). */
static void
slot_record(struct run *rn, struct slot *s, const char *name)
{
    struct cli_bench_stats *st = rn->st;
    struct cli_bench_rec *rec = &st->recs[st->n++];
    const struct cli_results *r = s->r;
    memset(rec, 0, sizeof(*rec));
    snprintf(rec->request_id, sizeof(rec->request_id), "%s", s->req.request_id);
    snprintf(rec->wallet, sizeof(rec->wallet), "%s", s->wallet);
    snprintf(rec->outcome, sizeof(rec->outcome), "%s", name);
    rec->latency_us = now_us() - s->t0_us;
    rec->results = (uint32_t)r->n;
    rec->errors = (uint32_t)r->n_errors;
    rec->duplicates = (uint32_t)r->duplicates;
    rec->resubmissions = s->rs.count;
    rec->first_seq = s->first_seq;
    st->resubmissions += s->rs.count;
    st->resubmitted += s->rs.count > 0;
    rec->verified = rn->ph->op != MPC__OP__OP_SIGN ? 0 : r->verify_failed ? -1 : 1;
    if (strcmp(name, "ok") == 0) {
        st->ok++;
    } else {
        cli_bench_count_error(st, name);
    }
    st->wall_us = now_us() - rn->t_start_us;
    cli_results_clear(s->r);
    free(s->data);
    s->data = NULL;
    s->active = 0;
}

/* Records a finished slot, naming its outcome from its results. */
static void
slot_finish(struct run *rn, struct slot *s)
{
    cli_results_finish(s->r, &s->p);
    const struct cli_results *r = s->r;
    const char *name = "ok";
    for (size_t i = 0; i < r->n && r->n_errors > 0; i++) {
        if (r->v[i].res->status_code != 0 && r->v[i].res->status_code != MPC_ERR_NOT_SELECTED) {
            name = r->v[i].res->status_name[0] != '\0' ? r->v[i].res->status_name : "ERROR";
            break;
        }
    }
    if (r->n_errors == 0) {
        name = r->verify_failed                     ? "SIGNATURE_INVALID"
               : r->inconsistent                    ? "RESULTS_DISAGREE"
               : cli_results_exit(r) == CLI_EXIT_OK ? "ok"
               : r->n_rejected > 0                  ? "RESULT_REJECTED"
               : r->timed_out                       ? "TIMEOUT"
                                                    : "NO_QUORUM";
    }
    slot_record(rn, s, name);
}

/*
 * transport_js_publish_retry within the request's --timeout from t0_ms, in
 * steps of PUBLISH_STEP_MS so that a stop (g_stop) ends it within one step
 * and one publish-ack wait. Returns: the last attempt's status, or
 * MPC_ERR_CANCELLED when stopped before the publish was acknowledged.
 */
static mpc_status
publish_until(struct run *rn, const char *subject, const uint8_t *data, size_t len,
              const char *msg_id, const transport_js_header *hdr, uint64_t t0_ms,
              transport_js_pub_ack *ack)
{
    uint64_t end = t0_ms + rn->o->timeout_ms;
    for (;;) {
        uint64_t now = mpc_clock_mono_ms();
        uint64_t step = end > now ? end - now : 0;
        mpc_status st = transport_js_publish_retry(
            rn->js, subject, data, len, msg_id, hdr, 1, PUBLISH_TIMEOUT_MS,
            step < PUBLISH_STEP_MS ? step : PUBLISH_STEP_MS, ack);
        int again =
            st == MPC_ERR_NO_RESPONDERS || st == MPC_ERR_TIMEOUT || st == MPC_ERR_NOT_CONNECTED;
        if (st != MPC_OK && g_stop) {
            return MPC_ERR_CANCELLED;
        }
        if (!again || mpc_clock_mono_ms() >= end) {
            return st;
        }
    }
}

/* Starts request rn->started in slot s. Returns: MPC_OK or a publish failure. */
static mpc_status
slot_start(struct run *rn, struct slot *s, const char *const *list, size_t n_list)
{
    uint8_t rnd[12];
    s->index = rn->started;
    s->req = rn->tmpl;
    cli_bench_wallet_of(rn->o, rn->ph->op, s->index, s->wallet);
    s->req.wallet = s->wallet;
    if (mpc_random_bytes(rnd, sizeof(rnd)) != MPC_OK ||
        mpc_random_bytes(s->msg, sizeof(s->msg)) != MPC_OK) {
        return MPC_ERR_CRYPTO;
    }
    cli_hex(s->req.request_id, rnd, sizeof(rnd));
    if (rn->ph->op == MPC__OP__OP_SIGN && rn->o->batch > 0) { /* a batch of random digests */
        for (uint32_t i = 0; i < rn->o->batch; i++) {
            if (mpc_random_bytes(s->bmsg[i], 32) != MPC_OK) {
                return MPC_ERR_CRYPTO;
            }
            s->bptr[i] = s->bmsg[i];
            s->blen[i] = 32;
        }
        s->req.batch = s->bptr;
        s->req.batch_lens = s->blen;
        s->req.n_batch = rn->o->batch;
    } else if (rn->ph->op == MPC__OP__OP_SIGN) {
        s->req.message = s->msg;
        s->req.message_len = sizeof(s->msg);
    }
    slot_parties(rn, s, list, n_list);
    slot_params(rn, s);
    cli_results_clear(s->r);
    memset(s->r, 0, sizeof(*s->r));
    s->t0_us = now_us();
    s->last_ms = mpc_clock_mono_ms();
    s->active = 1;
    rn->started++;
    cli_resubmit_init(&s->rs, rn->o->resubmit_ms, rn->o->resubmit_max, s->last_ms);
    mpc_status st = cli_req_build(&s->req, &s->data, &s->len);
    if (st == MPC_OK) {
        char subject[TRANSPORT_SUBJECT_MAX];
        transport_js_header hdr = {TRANSPORT_JS_HDR_CLIENT, rn->o->client_id};
        st = transport_subject_build(subject, sizeof subject, TRANSPORT_SUBJ_REQUEST,
                                     node_client_request_op_name(rn->ph->op), NULL, NULL);
        if (st == MPC_OK) {
            st = node_client_request_msg_id(s->msg_id, sizeof s->msg_id, s->data, s->len);
        }
        if (st == MPC_OK) {
            /* repeated while no stream leader answers, within the request's --timeout (its
             * slot times out from t0 on: the publish counts in its latency) */
            transport_js_pub_ack ack = {0, 0};
            st = publish_until(rn, subject, s->data, s->len, s->msg_id, &hdr, s->last_ms, &ack);
            s->first_seq = st == MPC_OK ? ack.seq : 0;
            cli_resubmit_heard(&s->rs, mpc_clock_mono_ms()); /* the quiet time starts now */
        }
    }
    if (st == MPC_ERR_CANCELLED) {
        slot_record(rn, s, "CANCELLED"); /* stopped while its publish was retried */
        return MPC_OK;
    }
    if (st != MPC_OK) {
        char name[CLI_BENCH_ERR_NAME];
        snprintf(name, sizeof(name), "publish:%s", mpc_status_name(st));
        slot_record(rn, s, name);
    }
    return st;
}

/* Routes one result copy to its slot; finishes the slot when its rule holds. */
static void
route(struct run *rn, transport_js_msg *m)
{
    char rid[TRANSPORT_SUBJECT_TOKEN_MAX + 1], node[TRANSPORT_SUBJECT_TOKEN_MAX + 1];
    if (!transport_subject_parse_kind(transport_js_msg_subject(m), TRANSPORT_SUBJ_RESULT, NULL, rid,
                                      node)) {
        return;
    }
    for (uint32_t k = 0; k < rn->ph->conc; k++) {
        struct slot *s = &rn->slots[k];
        if (!s->active || strcmp(s->req.request_id, rid) != 0) {
            continue;
        }
        size_t len = 0;
        const uint8_t *data = transport_js_msg_data(m, &len);
        uint64_t now = mpc_clock_mono_ms();
        cli_results_add(s->r, data, len, node, &s->p, (now_us() - s->t0_us) / 1000u);
        s->last_ms = now;
        cli_resubmit_heard(&s->rs, now);
        if (cli_results_done(s->r, &s->p)) {
            slot_finish(rn, s);
        }
        return;
    }
    /* A copy of a finished request (a node outside the waited-for set): ignored. */
}

/*
 * Publishes slot s's request again (node/cli/cli_resubmit.h): the same bytes
 * under Nats-Msg-Id "<msg id>.r<n>", one publish-ack wait at most (no retry:
 * the next resubmission comes an interval later). Logged on stderr.
 */
static void
slot_resubmit(struct run *rn, struct slot *s)
{
    char subject[TRANSPORT_SUBJECT_MAX];
    char id[TRANSPORT_JS_MSG_ID_MAX + 1];
    transport_js_header hdr = {TRANSPORT_JS_HDR_CLIENT, rn->o->client_id};
    uint32_t n = s->rs.count + 1;
    mpc_status st = transport_subject_build(subject, sizeof subject, TRANSPORT_SUBJ_REQUEST,
                                            node_client_request_op_name(rn->ph->op), NULL, NULL);
    if (st == MPC_OK) {
        st = cli_resubmit_msg_id(id, sizeof id, s->msg_id, n);
    }
    transport_js_pub_ack ack = {0, 0};
    if (st == MPC_OK) {
        st = transport_js_publish(rn->js, subject, s->data, s->len, id, &hdr, 1, PUBLISH_TIMEOUT_MS,
                                  &ack);
    }
    cli_resubmit_sent(&s->rs, mpc_clock_mono_ms());
    fprintf(stderr,
            "%smpc-cli bench: no result for request %s within %llu ms: resubmitted (%u of "
            "at most %u): %s, stream seq %llu (first %llu)\n",
            rn->ph->progress ? "\r\033[K" : "", s->req.request_id,
            (unsigned long long)rn->o->resubmit_ms, (unsigned)n, (unsigned)rn->o->resubmit_max,
            mpc_status_name(st), (unsigned long long)ack.seq, (unsigned long long)s->first_seq);
}

/* Ends slots past their deadline or past the errors-only quiet period; resubmits the ones
 * nothing was heard of for an interval. */
static void
sweep(struct run *rn)
{
    uint64_t now = mpc_clock_mono_ms();
    uint64_t now_u = now_us();
    for (uint32_t k = 0; k < rn->ph->conc; k++) {
        struct slot *s = &rn->slots[k];
        if (!s->active) {
            continue;
        }
        const struct cli_results *r = s->r;
        if (r->n > 0 && r->n_errors == r->n && now - s->last_ms >= CLI_QUIET_MS) {
            slot_finish(rn, s);
        } else if (now_u - s->t0_us >= rn->o->timeout_ms * 1000u) {
            s->r->timed_out = 1;
            slot_finish(rn, s);
        } else if (s->data != NULL && cli_resubmit_due(&s->rs, now)) {
            slot_resubmit(rn, s);
        }
    }
}

/* Samples the RSS of the watched nodes and refreshes the progress bar. */
static void
periodic(struct run *rn)
{
    uint64_t now = mpc_clock_mono_ms();
    if (now >= rn->next_rss_ms) {
        rn->next_rss_ms = now + RSS_SAMPLE_MS;
        for (size_t i = 0; i < rn->st->n_nodes; i++) {
            struct cli_bench_node *nd = &rn->st->nodes[i];
            uint64_t kb = 0;
            if (nd->pid > 0 && cli_bench_proc_kb(nd->pid, "VmRSS:", &kb) == 0 &&
                kb > nd->rss_max_kb) {
                nd->rss_max_kb = kb;
            }
        }
    }
    if (rn->ph->progress && now >= rn->next_progress_ms) {
        rn->next_progress_ms = now + PROGRESS_MS;
        const struct cli_bench_stats *st = rn->st;
        uint32_t done = (uint32_t)st->n, width = 30;
        uint32_t fill = rn->ph->count ? done * width / rn->ph->count : width;
        char bar[32];
        memset(bar, '#', fill);
        memset(bar + fill, '.', width - fill);
        bar[width] = '\0';
        double secs = (double)(now_us() - rn->t_start_us) / 1e6;
        fprintf(stderr, "\r%s [%s] %u/%u  %.1f/s  errors %zu ", rn->ph->label, bar, done,
                rn->ph->count, secs > 0 ? (double)done / secs : 0.0, st->n - st->ok);
        fflush(stderr);
    }
}

/* Starts requests while a slot is free. Returns: MPC_OK or a publish failure. */
static mpc_status
fill_slots(struct run *rn, const char *const *list, size_t n_list)
{
    for (uint32_t k = 0; k < rn->ph->conc && rn->started < rn->ph->count && !g_stop; k++) {
        struct slot *s = &rn->slots[k];
        if (s->active) {
            continue;
        }
        if (rn->ph->op == MPC__OP__OP_RESHARE) {
            char next[CLI_BENCH_WALLET_MAX];
            cli_bench_wallet_of(rn->o, rn->ph->op, rn->started, next);
            if (wallet_busy(rn, next)) {
                return MPC_OK; /* wait until that wallet's reshare ends */
            }
        }
        mpc_status st = slot_start(rn, s, list, n_list);
        if (st != MPC_OK && st != MPC_ERR_TIMEOUT) {
            return st;
        }
    }
    return MPC_OK;
}

/* Splits the committee list of the options (NULL: none) into list. */
static size_t
split_parties(const char *arg, char *buf, size_t cap, const char **list)
{
    size_t n = 0;
    char *save = NULL;
    if (arg == NULL) {
        return 0;
    }
    snprintf(buf, cap, "%s", arg);
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL && n < CLI_PARTIES_MAX;
         tok = strtok_r(NULL, ",", &save)) {
        list[n++] = tok;
    }
    return n;
}

/* The loop: fill, read, sweep until every request of the phase is recorded. */
static mpc_status
run_loop(struct run *rn)
{
    char buf[1024];
    const char *list[CLI_PARTIES_MAX];
    size_t n_list = split_parties(rn->o->parties, buf, sizeof(buf), list);
    mpc_status st = MPC_OK;
    rn->t_start_us = now_us();
    while (rn->st->n < rn->ph->count) {
        if (g_stop) { /* stopped by a signal: what is in flight ends as CANCELLED */
            for (uint32_t k = 0; k < rn->ph->conc; k++) {
                if (rn->slots[k].active) {
                    slot_record(rn, &rn->slots[k], "CANCELLED");
                }
            }
            return MPC_ERR_CANCELLED;
        }
        st = fill_slots(rn, list, n_list);
        if (st != MPC_OK) {
            cli_errf("bench: publishing a request failed: %s", mpc_status_name(st));
            break;
        }
        transport_js_msg *m = NULL;
        st = transport_js_results_next(rn->w, &m, POLL_MS);
        if (st == MPC_OK) {
            route(rn, m);
            transport_js_msg_destroy(m);
        } else if (st != MPC_ERR_TIMEOUT && st != MPC_ERR_NOT_CONNECTED) {
            cli_errf("bench: the results watcher failed: %s", mpc_status_name(st));
            break;
        }
        st = MPC_OK;
        sweep(rn);
        periodic(rn);
    }
    return st;
}

mpc_status
cli_bench_run(struct transport_js *js, struct transport_js_results *w,
              const struct cli_bench_opts *o, const struct cli_bench_phase *ph,
              struct cli_bench_stats *st)
{
    struct run rn;
    memset(&rn, 0, sizeof(rn));
    rn.js = js;
    rn.w = w;
    rn.o = o;
    rn.ph = ph;
    rn.st = st;
    template_init(&rn);
    rn.slots = calloc(ph->conc, sizeof(*rn.slots));
    mpc_status status = rn.slots != NULL ? MPC_OK : MPC_ERR_NOMEM;
    for (uint32_t k = 0; k < ph->conc && status == MPC_OK; k++) {
        rn.slots[k].r = calloc(1, sizeof(*rn.slots[k].r));
        status = rn.slots[k].r != NULL ? MPC_OK : MPC_ERR_NOMEM;
    }
    if (status == MPC_OK) {
        status = run_loop(&rn);
    }
    if (ph->progress) {
        fputs("\r\033[K", stderr);
    }
    for (uint32_t k = 0; rn.slots != NULL && k < ph->conc; k++) {
        free(rn.slots[k].data);
        if (rn.slots[k].r != NULL) {
            cli_results_clear(rn.slots[k].r);
            free(rn.slots[k].r);
        }
    }
    free(rn.slots);
    if (status == MPC_ERR_CANCELLED) {
        cli_errf("bench interrupted by a signal: %zu of %u requests ended (%zu ok), the ones in "
                 "flight recorded as CANCELLED, the rest not started",
                 st->n, ph->count, st->ok);
    } else if (status != MPC_OK) {
        cli_errf("bench stopped: %s", mpc_status_str(status));
    }
    return status;
}

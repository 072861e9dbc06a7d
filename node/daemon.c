/*
 * daemon.c — startup, run, shutdown and the program entry of mpc-node
 * (node/daemon.h).
 *
 * DESIGN: node_daemon_create runs the startup steps in order and stops at the
 * first failure with an exit code and a message naming the cause; the
 * passphrase is wiped as soon as the identity and the store are open.
 * Shutdown (DESIGN §6): the intake loop stops fetching, the session manager
 * drains (sessions past the drain deadline fail with MPC_ERR_SHUTDOWN), the
 * finisher Naks those requests with a delay and completes the others, then
 * HTTP, NATS handlers, the manager, JetStream, the transport and the store
 * close in reverse order of creation. Signals only set d->stop (SIGTERM,
 * SIGINT) or d->reload (SIGHUP: the intake thread re-reads the config).
 */
#include "node/daemon.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/daemon_internal.h"
#include "node/keyquery.h"
#include "node/presig.h"
#include "node/process.h"
#include "node/republish.h"
#include "node/store/rekey.h"
#include "transport/fault_transport.h"
#include "transport/nats_transport.h"
#include "transport/nkey.h"
#include "tss/group.h"

#define NODE_FINISH_WAIT_MS 15000u /* after the drain: results of failed sessions */

static mpc_status
fail(int *exit_code, int code, char *err, size_t cap, mpc_status st, const char *what,
     const char *detail)
{
    *exit_code = code;
    if (err != NULL && cap > 0) {
        snprintf(err, cap, "%s: %s%s%s", what, mpc_status_str(st), detail && detail[0] ? ": " : "",
                 detail ? detail : "");
    }
    return st;
}

static int
secret_exit(mpc_status st)
{
    return st == MPC_ERR_BAD_PASSPHRASE || st == MPC_ERR_FILE_MODE || st == MPC_ERR_CORRUPT
               ? NODE_EXIT_SECRET
               : NODE_EXIT_CONFIG;
}

/* Steps 2-3: passphrase, identity, peers, store. */
static mpc_status
open_secrets(struct node_daemon *d, const struct node_daemon_options *opt, int *ec, char *err,
             size_t cap)
{
    char msg[512] = "";
    node_store_passphrase *own = NULL;
    const node_store_passphrase *pass = opt->pass;
    const struct node_config_identity *ic = &d->cfg->identity;
    mpc_status st = MPC_OK;
    if (pass == NULL) {
        st = node_store_passphrase_load(ic->passphrase_source, node_config_passphrase_arg(ic), &own,
                                        msg, sizeof msg);
        if (ic->passphrase_source == NODE_STORE_PASSPHRASE_ENV) {
            /* read once: it must not stay in /proc/<pid>/environ */
            node_store_passphrase_env_scrub(ic->passphrase_env);
        }
        if (st != MPC_OK) {
            return fail(ec, secret_exit(st), err, cap, st, "passphrase", msg);
        }
        pass = own;
    }
    st = node_store_identity_load(ic->key_file, node_store_passphrase_data(pass),
                                  node_store_passphrase_len(pass), &d->id, msg, sizeof msg);
    if (st == MPC_ERR_BAD_PASSPHRASE &&
        node_store_rekey_recover(ic->key_file, d->cfg->store_path, node_store_passphrase_data(pass),
                                 node_store_passphrase_len(pass),
                                 d->cfg->store_map_size) == MPC_OK) { /* node/store/rekey.h */
        st = node_store_identity_load(ic->key_file, node_store_passphrase_data(pass),
                                      node_store_passphrase_len(pass), &d->id, msg, sizeof msg);
    }
    if (st != MPC_OK) {
        node_store_passphrase_destroy(own);
        return fail(ec, secret_exit(st), err, cap, st, "identity", msg);
    }
    st = node_config_peers_load(d->cfg->peers_file, &d->peers, msg, sizeof msg);
    if (st == MPC_OK) {
        st = node_config_peers_check_self(d->peers, d->cfg->node_id,
                                          node_store_identity_public_key(d->id), msg, sizeof msg);
    }
    if (st == MPC_OK) {
        st = node_config_presign_peers(d->cfg, d->peers, msg, sizeof msg);
    }
    if (st != MPC_OK) {
        node_store_passphrase_destroy(own);
        return fail(ec, NODE_EXIT_CONFIG, err, cap, st, "peers", msg);
    }
    struct node_store_options so = {.kdf = NODE_STORE_KDF_MODERATE,
                                    .map_size = d->cfg->store_map_size,
                                    .flags = NODE_STORE_CREATE};
#ifdef MPC_FAULT_INJECTION
    if (getenv("MPC_NODE_TEST_WEAK_KDF") != NULL) { /* test builds only: fast store creation */
        so.kdf = NODE_STORE_KDF_TEST_MIN;
    }
#endif
    st = node_store_open(d->cfg->store_path, node_store_passphrase_data(pass),
                         node_store_passphrase_len(pass), &so, &d->store, msg, sizeof msg);
    node_store_passphrase_destroy(own);
    if (st != MPC_OK) {
        return fail(ec, st == MPC_ERR_BAD_PASSPHRASE ? NODE_EXIT_SECRET : NODE_EXIT_STORE, err, cap,
                    st, "key store", msg);
    }
    st = node_store_identity_bind(d->store, node_store_identity_public_key(d->id));
    if (st != MPC_OK) {
        return fail(ec, NODE_EXIT_CONFIG, err, cap, st, "key store",
                    "the store belongs to another node identity");
    }
    node_store_rekey_cleanup(ic->key_file); /* a rekey that died before its commit */
    /* Startup is a quiescent point: retired shares an older store kept go,
     * and free pages still holding deleted shares are wiped (keys.h). */
    st = node_store_keys_purge_retired(d->store);
    if (st != MPC_OK) {
        return fail(ec, NODE_EXIT_STORE, err, cap, st, "key store",
                    "cannot delete retired shares or compact the store");
    }
    /* Presignatures of versions a reshare or catch-up retired while the node
     * was down between the activation and its discard (node/presig.h). */
    if (node_presig_discard_stale(d->store, "startup") != MPC_OK) {
        node_metrics_add(&d->m.store_failures);
    }
    return MPC_OK;
}

/* Envelope identity and peer table from the node identity and the peers file. */
static mpc_status
make_peer_table(struct node_daemon *d)
{
    uint8_t seed[TRANSPORT_ED25519_SEED];
    memcpy(seed, node_store_identity_secret_key(d->id),
           sizeof seed); /* libsodium sk = seed || pk */
    mpc_status st = transport_identity_create(d->cfg->node_id, seed, &d->tid);
    mpc_wipe(seed, sizeof seed);
    if (st == MPC_OK) {
        st = transport_peer_table_create(d->tid, &d->ptable);
    }
    for (size_t i = 0; st == MPC_OK && i < node_config_peers_count(d->peers); i++) {
        const struct node_config_peer *p = node_config_peers_at(d->peers, i);
        if (strcmp(p->id, d->cfg->node_id) != 0) {
            st = transport_peer_table_add(d->ptable, p->id, p->public_key);
        }
    }
    return st;
}

/* Fills a NATS config from the node config; *servers is malloc'ed (caller frees). */
static mpc_status
nats_config(const struct node_daemon *d, transport_nats_config *c, char **servers)
{
    const struct node_config_nats *n = &d->cfg->nats;
    size_t total = 1;
    for (size_t i = 0; i < n->n_urls; i++) {
        total += strlen(n->urls[i]) + 1;
    }
    *servers = calloc(1, total);
    if (*servers == NULL) {
        return MPC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n->n_urls; i++) {
        strcat(*servers, i > 0 ? "," : "");
        strcat(*servers, n->urls[i]);
    }
    transport_nats_config_default(c);
    c->servers = *servers;
    c->name = d->cfg->node_id;
    c->user = n->user;
    c->password = n->password;
    c->creds_file = n->creds_file;
    c->tls_ca_file = n->tls_ca_file;
    c->tls_cert_file = n->tls_cert_file;
    c->tls_key_file = n->tls_key_file;
    c->delivery_pool_size = n->delivery_pool_size;
    c->sender.policy.max_attempts = d->cfg->retry.max_attempts;
    c->sender.policy.base_ms = d->cfg->retry.base_ms;
    c->sender.policy.cap_ms = d->cfg->retry.cap_ms;
    c->sender.policy.jitter_pct = d->cfg->retry.jitter_pct;
    c->sender.policy.per_try_timeout_ms = d->cfg->retry.per_try_timeout_ms;
    if (n->nkey_seed_file != NULL) {
        /* Derive the public nkey here so a bad seed file gets its own message. */
        char pub[TRANSPORT_NKEY_PUBLIC_STR_LEN + 1];
        mpc_status st = transport_nkey_public_from_seed_file(pub, sizeof pub, n->nkey_seed_file);
        if (st != MPC_OK) {
            return MPC_ERR_UNSUPPORTED;
        }
        c->nkey_seed_file = n->nkey_seed_file;
    }
    return MPC_OK;
}

/*
 * Test builds: MPC_TEST_FAULTS="subject=...,delay_ms=...,jitter_ms=...,drop=...,seed=..."
 * wraps the session transport in the fault layer (transport/fault_transport.h).
 * Release builds ignore the variable.
 */
static mpc_status
wrap_test_faults(struct node_daemon *d)
{
    d->t_nats = d->t;
#ifdef MPC_FAULT_INJECTION
    const char *spec = getenv("MPC_TEST_FAULTS");
    transport_fault_config fc;
    if (spec == NULL || spec[0] == '\0') {
        return MPC_OK;
    }
    if (transport_fault_config_parse(spec, &fc) != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "node", "bad_test_faults", "value=%s", spec);
        return MPC_ERR_CONFIG;
    }
    transport *inner = d->t;
    mpc_status st = transport_fault_wrap(&inner, &fc, &d->t);
    if (st != MPC_OK) {
        d->t = inner; /* still owned by the daemon */
    }
    return st;
#else
    return MPC_OK;
#endif
}

/* Streams, then this node's durable: one attempt. */
static mpc_status
js_setup_once(struct node_daemon *d, const transport_js_streams_config *jsc)
{
    mpc_status st = transport_js_ensure_streams(d->js, jsc);
    if (st == MPC_OK) {
        /* A request holds its message unacked while its sessions run: with more
         * permits than the default 1000 unacked messages the server would stop
         * delivering before the permits run out (issue 12: 10 000 live sessions).
         * Applies when the durable is created; an existing one keeps its own. */
        uint32_t ms = d->cfg->limits.max_sessions;
        transport_js_consumer_config cc = {.node_id = d->cfg->node_id,
                                           .ack_wait_ms = d->cfg->timeouts.ack_wait_ms,
                                           .max_ack_pending =
                                               ms > 1000u - 64u ? (int64_t)ms + 64 : 0};
        st = transport_js_consumer_bind(d->js, &cc, &d->cons);
    }
    return st;
}

/* A JetStream API failure that a loaded server or an election explains. */
static int
js_setup_transient(mpc_status st)
{
    return st == MPC_ERR_TIMEOUT || st == MPC_ERR_NOT_CONNECTED || st == MPC_ERR_NO_RESPONDERS ||
           st == MPC_ERR_NATS;
}

/*
 * Stream and consumer setup, retried while it fails for a transient cause,
 * with backoff (NODE_JS_SETUP_MIN_MS doubling to NODE_JS_SETUP_MAX_MS), for
 * at most jetstream.setup_timeout_ms in all. Returns: MPC_OK; a permanent
 * failure as is (configuration, replicas, permission); MPC_ERR_JS_SETUP when
 * the bound passed (or a stop was asked) with the last failure transient.
 */
#define NODE_JS_SETUP_MIN_MS 250u
#define NODE_JS_SETUP_MAX_MS 5000u
static mpc_status
js_setup(struct node_daemon *d, const transport_js_streams_config *jsc)
{
    uint64_t t0 = mpc_clock_mono_ms();
    uint64_t bound = d->cfg->jetstream.setup_timeout_ms;
    uint64_t wait = NODE_JS_SETUP_MIN_MS;
    for (unsigned attempt = 1;; attempt++) {
        mpc_status st = js_setup_once(d, jsc);
        uint64_t spent = mpc_clock_mono_ms() - t0;
        if (st == MPC_OK || !js_setup_transient(st)) {
            if (st == MPC_OK && attempt > 1) {
                mpc_log(MPC_LOG_INFO, "node", "js_setup_done", "attempts=%u ms=%llu", attempt,
                        (unsigned long long)spent);
            }
            return st;
        }
        if (spent + wait > bound || __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
            mpc_log(MPC_LOG_ERROR, "node", "js_setup_gave_up",
                    "attempts=%u ms=%llu last=%s status=%s", attempt, (unsigned long long)spent,
                    mpc_status_name(st), mpc_status_name(MPC_ERR_JS_SETUP));
            return MPC_ERR_JS_SETUP;
        }
        mpc_log(MPC_LOG_WARN, "node", "js_setup_retry", "attempt=%u status=%s in_ms=%llu", attempt,
                mpc_status_name(st), (unsigned long long)wait);
        usleep((useconds_t)(wait * 1000u));
        wait = wait * 2 < NODE_JS_SETUP_MAX_MS ? wait * 2 : NODE_JS_SETUP_MAX_MS;
    }
}

/* Step 4: transport, JetStream, session manager. */
static mpc_status
open_messaging(struct node_daemon *d, int *ec, char *err, size_t cap)
{
    transport_nats_config nc;
    char *servers = NULL;
    mpc_status st = nats_config(d, &nc, &servers);
    if (st == MPC_OK) {
        st = transport_nats_create(&nc, &d->t);
    }
    if (st == MPC_OK) {
        st = wrap_test_faults(d);
    }
    if (st == MPC_OK) {
        st = transport_js_connect(&nc, &d->js);
    }
    free(servers);
    if (st != MPC_OK) {
        return fail(ec, NODE_EXIT_NATS, err, cap, st, "NATS connection",
                    st == MPC_ERR_UNSUPPORTED
                        ? "nats.nkey_seed_file holds no valid user seed (SU...)"
                        : "");
    }
    transport_js_streams_config jsc;
    transport_js_streams_config_default(&jsc);
    jsc.req_max_msgs = d->cfg->requests.stream_max_msgs;
    jsc.req_max_bytes = (int64_t)d->cfg->requests.stream_max_mb << 20;
    jsc.req_max_msg_size = (int32_t)NODE_CLIENT_REQUEST_MAX_BYTES + 4096; /* + headers */
    jsc.replicas = d->cfg->jetstream.replicas;
    st = js_setup(d, &jsc);
    if (st != MPC_OK) {
        return fail(ec, NODE_EXIT_NATS, err, cap, st, "JetStream setup",
                    st == MPC_ERR_JS_REPLICAS
                        ? "jetstream.replicas differs from the streams' replicas, or the "
                          "servers cannot place that many copies (see the node log)"
                    : st == MPC_ERR_JS_SETUP
                        ? "still timing out after jetstream.setup_timeout_ms (see the node log)"
                        : "");
    }
    d->ack_wait_ms = transport_js_consumer_ack_wait_ms(d->cons);
    session_config sc;
    session_config_default(&sc);
    sc.self_id = d->cfg->node_id;
    sc.peers = d->ptable;
    sc.workers = d->cfg->limits.workers;
    sc.max_sessions = d->cfg->limits.max_sessions;
    sc.mailbox_cap = d->cfg->limits.mailbox_capacity;
    sc.barrier_timeout_ms = d->cfg->timeouts.barrier_ms;
    sc.keygen_deadline_ms = d->cfg->timeouts.keygen_ms;
    sc.sign_deadline_ms = d->cfg->timeouts.sign_ms;
    sc.reshare_deadline_ms = d->cfg->timeouts.reshare_ms;
    sc.idle_timeout_ms = d->cfg->timeouts.idle_ms;
    st = node_kos_create(d);
    if (st != MPC_OK) {
        return fail(ec, NODE_EXIT_NATS, err, cap, st, "KOS gate", "");
    }
    node_kos_load(d);
    sc.pairgate = node_kos_gate(d);
    st = session_manager_create(&d->mgr, &sc, d->t);
    if (st != MPC_OK) {
        return fail(ec, NODE_EXIT_NATS, err, cap, st, "session manager", "");
    }
    return MPC_OK;
}

/* Sets the request policy from c (d->cfg, or a reloaded config that owns the key
 * arrays) and the request-log retention the ticker applies. */
static void
set_policy(struct node_daemon *d, const struct node_config *c)
{
    __atomic_store_n(&d->reqlog_age_ms, (uint64_t)c->req_log_max_age_h * 3600u * 1000u,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&d->reqlog_max, (uint64_t)c->req_log_max_entries, __ATOMIC_RELAXED);
    d->policy.initiators = (const uint8_t(*)[32])c->initiators;
    d->policy.n_initiators = c->n_initiators;
    d->policy.authorizers =
        c->authorizers.n_keys > 0 ? (const uint8_t(*)[32])c->authorizers.keys : NULL;
    d->policy.n_authorizers = c->authorizers.n_keys;
    d->policy.approvals_required = c->authorizers.required;
    d->policy.peers = d->peers;
    d->policy.max_age_ms = c->requests.max_age_ms;
    d->policy.max_expiry_ms = c->requests.max_expiry_ms;
    d->policy.max_batch = c->sign.max_batch;
    node_ratelimit_init(&d->limit, c->requests.rate_per_s, c->requests.burst);
    node_keyquery_set_clients(d->keyquery, (const uint8_t(*)[32])c->initiators, c->n_initiators);
}

static mpc_status
daemon_alloc(struct node_daemon **out)
{
    struct node_daemon *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (mpc_clock_sync_init(&d->mu, &d->cv) != MPC_OK) {
        free(d);
        return MPC_ERR_INTERNAL;
    }
    d->started_ms = mpc_clock_mono_ms();
    if (node_keyquery_create(&d->keyquery) != MPC_OK) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        free(d);
        return MPC_ERR_NOMEM;
    }
    *out = d;
    return MPC_OK;
}

mpc_status
node_daemon_create(const struct node_daemon_options *opt, node_daemon **out, int *exit_code,
                   char *err, size_t cap)
{
    char msg[512] = "";
    int ec_local = 0;
    int *ec = exit_code != NULL ? exit_code : &ec_local;
    struct node_daemon *d = NULL;
    if (out != NULL) {
        *out = NULL;
    }
    *ec = NODE_EXIT_OK;
    if (opt == NULL || opt->config_path == NULL || out == NULL) {
        return fail(ec, NODE_EXIT_USAGE, err, cap, MPC_ERR_INVALID_ARG, "usage", "");
    }
    mpc_status st = daemon_alloc(&d);
    if (st != MPC_OK) {
        return fail(ec, NODE_EXIT_CONFIG, err, cap, st, "startup", "");
    }
    st = node_config_load(opt->config_path, NODE_CONFIG_CHECK_FILES, &d->cfg, msg, sizeof msg);
    if (st != MPC_OK) {
        node_daemon_destroy(d);
        return fail(ec, NODE_EXIT_CONFIG, err, cap, st, "config", msg);
    }
    mpc_log_set_level(d->cfg->log_level);
    mpc_log_set_format(d->cfg->log_format);
    node_config_log(d->cfg);
    st = open_secrets(d, opt, ec, err, cap);
    if (st == MPC_OK && (st = tss_group_selftest()) != MPC_OK) {
        st = fail(ec, NODE_EXIT_SELFTEST, err, cap, st, "self-test", "");
    }
    if (st == MPC_OK && (st = make_peer_table(d)) != MPC_OK) {
        st = fail(ec, NODE_EXIT_CONFIG, err, cap, st, "peer table", "");
    }
    if (st == MPC_OK) {
        d->peer_seen_ms = calloc(node_config_peers_count(d->peers) + 1, sizeof *d->peer_seen_ms);
        d->peer_inc = calloc(node_config_peers_count(d->peers) + 1, sizeof *d->peer_inc);
        st = d->peer_seen_ms != NULL && d->peer_inc != NULL ? open_messaging(d, ec, err, cap)
                                                            : MPC_ERR_NOMEM;
    }
    if (st == MPC_OK) {
        set_policy(d, d->cfg);
        st = node_republish_start(d); /* before the finisher and intake, which queue into it */
    }
    if (st == MPC_OK) {
        st = node_finisher_start(d);
    }
    if (st == MPC_OK) {
        st = node_retry_start(d); /* sign retries (node/retry.h) */
    }
    if (st == MPC_OK && (st = node_housekeeping_start(d)) != MPC_OK) {
        st = fail(ec, NODE_EXIT_NATS, err, cap, st, "heartbeat/status subscriptions", "");
    }
    if (st == MPC_OK && ((st = node_keyconfirm_serve_start(d)) != MPC_OK ||
                         (st = node_resolver_start(d)) != MPC_OK)) {
        st = fail(ec, NODE_EXIT_NATS, err, cap, st, "key confirmations", "");
    }
    if (st == MPC_OK && (st = node_keyquery_serve_start(d)) != MPC_OK) {
        st = fail(ec, NODE_EXIT_NATS, err, cap, st, "key-info queries", "");
    }
    if (st == MPC_OK && (st = node_presign_start(d)) != MPC_OK) {
        st = fail(ec, NODE_EXIT_NATS, err, cap, st, "presign orders", "");
    }
    if (st == MPC_OK && (st = node_http_start(d, &d->http)) != MPC_OK) {
        st = fail(ec, NODE_EXIT_NATS, err, cap, st, "HTTP listen", d->cfg->http_host);
    }
    if (st != MPC_OK) {
        if (*ec == NODE_EXIT_OK) {
            *ec = NODE_EXIT_CONFIG;
        }
        node_daemon_destroy(d);
        return st;
    }
    mpc_log(MPC_LOG_INFO, "node", "started", "node=%s version=%s peers=%zu ack_wait_ms=%llu",
            d->cfg->node_id, NODE_DAEMON_VERSION, node_config_peers_count(d->peers),
            (unsigned long long)d->ack_wait_ms);
    *out = d;
    return MPC_OK;
}

/* Returns: 1 if peers a and b list the same ids with the same keys, in the same order. */
static int
peers_same(const node_config_peers *a, const node_config_peers *b)
{
    size_t n = node_config_peers_count(a);
    if (n != node_config_peers_count(b)) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const struct node_config_peer *x = node_config_peers_at(a, i);
        const struct node_config_peer *y = node_config_peers_at(b, i);
        if (strcmp(x->id, y->id) != 0 || memcmp(x->public_key, y->public_key, 32) != 0) {
            return 0;
        }
    }
    return 1;
}

/*
 * SIGHUP: re-reads the config file. Applied: log.level, initiators,
 * authorizers and the request-log retention. Everything else (node id, NATS, store, limits,
 * timeouts, the peers file's keys, which the session transport holds) needs a restart: a change
 * there is logged and ignored. A config that no longer loads changes nothing. Runs on the intake
 * thread, the only reader of d->policy, so the swap needs no lock.
 */
static void
reload_config(struct node_daemon *d)
{
    char msg[512] = "";
    struct node_config *c = NULL;
    node_config_peers *np = NULL;
    mpc_status st = node_config_load(d->cfg->source, NODE_CONFIG_CHECK_FILES, &c, msg, sizeof msg);
    if (st == MPC_OK && strcmp(c->node_id, d->cfg->node_id) != 0) {
        st = MPC_ERR_CONFIG;
        snprintf(msg, sizeof msg, "node_id changed (%s): restart to apply", c->node_id);
    }
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "config_reload_failed", "status=%s reason=\"%s\"",
                mpc_status_name(st), msg);
        node_config_free(c);
        return;
    }
    if (node_config_peers_load(c->peers_file, &np, msg, sizeof msg) != MPC_OK ||
        !peers_same(np, d->peers)) {
        mpc_log(MPC_LOG_WARN, "node", "config_reload_peers_ignored",
                "reason=\"peers file changed or unreadable: restart to apply\"");
    }
    node_config_peers_destroy(np);
    mpc_log_set_level(c->log_level);
    set_policy(d, c);
    node_config_free(d->policy_cfg);
    d->policy_cfg = c;
    mpc_log(MPC_LOG_INFO, "node", "config_reloaded",
            "initiators=%zu authorizers=%zu required=%u request_log_max_age_h=%u "
            "request_log_max_entries=%u",
            c->n_initiators, c->authorizers.n_keys, c->authorizers.required, c->req_log_max_age_h,
            c->req_log_max_entries);
}

void
node_daemon_reload_if_asked(struct node_daemon *d)
{
    if (__atomic_exchange_n(&d->reload, 0, __ATOMIC_ACQ_REL) != 0) {
        reload_config(d);
    }
}

void
node_daemon_request_reload(node_daemon *d)
{
    if (d != NULL) {
        __atomic_store_n(&d->reload, 1, __ATOMIC_RELEASE);
    }
}

void
node_daemon_request_stop(node_daemon *d)
{
    if (d != NULL) {
        __atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
    }
}

/* Waits until every job was finalized by the finisher, bounded. */
static void
wait_jobs_finished(struct node_daemon *d, uint64_t ms)
{
    struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(ms));
    pthread_mutex_lock(&d->mu);
    while (d->n_jobs > 0) {
        if (pthread_cond_timedwait(&d->cv, &d->mu, &until) != 0) {
            break;
        }
    }
    size_t left = d->n_jobs;
    pthread_mutex_unlock(&d->mu);
    if (left > 0) {
        mpc_log(MPC_LOG_WARN, "node", "jobs_unfinished", "count=%zu", left);
    }
}

mpc_status
node_daemon_run(node_daemon *d)
{
    if (d == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    mpc_log(MPC_LOG_INFO, "node", "intake_started", "consumer=node_%s", d->cfg->node_id);
    node_notify_start(d);
    node_intake_run(d);
    node_notify_stopping(d);
    mpc_log(MPC_LOG_INFO, "node", "draining", "drain_ms=%u", d->cfg->timeouts.drain_ms);
    node_presign_stop(d); /* no new presign sessions */
    mpc_status st = session_manager_shutdown(d->mgr, d->cfg->timeouts.drain_ms);
    node_retry_stop(d); /* queued retries end as MPC_ERR_SHUTDOWN (Nak'ed) */
    wait_jobs_finished(d, NODE_FINISH_WAIT_MS);
    node_finisher_stop(d);
    node_notify_stop(d);
    mpc_log(st == MPC_OK ? MPC_LOG_INFO : MPC_LOG_WARN, "node", "drained", "status=%s",
            mpc_status_name(st));
    return st == MPC_OK ? MPC_OK : MPC_ERR_TIMEOUT;
}

void
node_daemon_destroy(node_daemon *d)
{
    if (d == NULL) {
        return;
    }
    node_notify_stop(d);
    node_http_stop(d->http);
    if (d->t != NULL) {
        node_keyquery_serve_stop(d); /* before the key-state exchange its gate reads */
        node_housekeeping_stop(d);
        node_presign_stop(d);
    }
    if (d->mgr != NULL && session_manager_shutdown(d->mgr, 0) != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "sessions_failed_at_exit", "node=%s", d->cfg->node_id);
    }
    node_retry_stop(d);
    node_finisher_stop(d);  /* finalizes jobs the shutdown failed */
    node_resolver_stop(d);  /* after the finisher, which queues into it */
    node_republish_stop(d); /* after the finisher and intake, which queue into it */
    if (d->t != NULL) {
        node_keyconfirm_serve_stop(d);
    }
    session_manager_destroy(d->mgr);
    node_presign_destroy(d); /* after the sessions whose completion uses it */
    node_kos_destroy(d);     /* the gate outlives every session */
    transport_js_consumer_destroy(d->cons);
    transport_js_destroy(d->js);
    transport_destroy(d->t);
    transport_peer_table_destroy(d->ptable);
    transport_identity_destroy(d->tid);
    if (d->store != NULL && node_store_sync(d->store) != MPC_OK) {
        mpc_log(MPC_LOG_WARN, "node", "store_sync_failed", "path=%s", d->cfg->store_path);
    }
    node_store_close(d->store);
    node_config_peers_destroy(d->peers);
    node_store_identity_destroy(d->id);
    node_config_free(d->policy_cfg);
    node_config_free(d->cfg);
    node_keyquery_destroy(d->keyquery);
    free(d->peer_seen_ms);
    free(d->peer_inc);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

/* ---------------------------------------------------------------- program */

/*
 * Signals arrive on the signal thread of node/process.c (never
 * asynchronously). A stop asked before the daemon exists is kept in
 * g_stop_early and applied once it does; a SIGHUP then is ignored (the
 * config is being read anyway).
 */
static node_daemon *g_daemon; /* for the signal thread (atomic) */
static int g_stop_early;      /* SIGTERM/SIGINT before g_daemon was set (atomic) */

static void
on_signal(int sig)
{
    node_daemon *d = __atomic_load_n(&g_daemon, __ATOMIC_ACQUIRE);
    if (sig == SIGHUP) {
        node_daemon_request_reload(d); /* NULL during start-up: ignored */
    } else if (d != NULL) {
        node_daemon_request_stop(d);
    } else {
        __atomic_store_n(&g_stop_early, 1, __ATOMIC_RELEASE);
    }
}

static void
usage(FILE *f)
{
    fputs("usage: mpc-node -c CONFIG.yaml\n"
          "       mpc-node --version\n"
          "Runs an MPC signer node (see configs/node.example.yaml).\n",
          f);
}

int
node_daemon_main(int argc, char **argv)
{
    const char *config = NULL;
    char err[1024] = "";
    int ec = NODE_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            config = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return NODE_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("mpc-node %s\n", NODE_DAEMON_VERSION);
            return NODE_EXIT_OK;
        } else {
            usage(stderr);
            return NODE_EXIT_USAGE;
        }
    }
    if (config == NULL) {
        usage(stderr);
        return NODE_EXIT_USAGE;
    }
    if (node_process_signals_start(on_signal) != MPC_OK) {
        fprintf(stderr, "mpc-node: cannot set up signal handling\n");
        return NODE_EXIT_CONFIG;
    }
    /* Before any secret is loaded: a core dump would hold shares in the clear. */
    if (node_process_harden() != MPC_OK) {
        fprintf(stderr, "mpc-node: cannot disable core dumps\n");
        node_process_signals_stop();
        return NODE_EXIT_CONFIG;
    }
    struct node_daemon_options opt = {.config_path = config};
    node_daemon *d = NULL;
    if (node_daemon_create(&opt, &d, &ec, err, sizeof err) != MPC_OK) {
        fprintf(stderr, "mpc-node: %s\n", err);
        (void)transport_nats_global_shutdown(5000);
        node_process_signals_stop();
        return ec != NODE_EXIT_OK ? ec : NODE_EXIT_CONFIG;
    }
    __atomic_store_n(&g_daemon, d, __ATOMIC_RELEASE);
    if (__atomic_load_n(&g_stop_early, __ATOMIC_ACQUIRE)) {
        mpc_log(MPC_LOG_INFO, "node", "stop_during_startup", "node=%s", d->cfg->node_id);
        node_daemon_request_stop(d);
    }
    mpc_status st = node_daemon_run(d);
    node_process_signals_stop(); /* before d goes: the signal thread may hold it */
    __atomic_store_n(&g_daemon, NULL, __ATOMIC_RELEASE);
    node_daemon_destroy(d);
    (void)transport_nats_global_shutdown(5000);
    mpc_log(MPC_LOG_INFO, "node", "exit", "clean=%d", st == MPC_OK);
    return st == MPC_OK ? NODE_EXIT_OK : NODE_EXIT_DRAIN_TIMEOUT;
}

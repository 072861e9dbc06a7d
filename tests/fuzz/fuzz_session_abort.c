/*
 * fuzz_session_abort.c — libFuzzer harness: the ABORT payload a peer
 * broadcasts when it gives up on a session (parsed by the session actor,
 * session/actor.c: 4-byte little-endian status, then for
 * MPC_ERR_PEER_RESTARTED the node id of the party that restarted).
 *
 * Each input runs one real session on a session manager (node n0, in-memory
 * transport, toy protocol, abort_grace_ms = 0): once n0's barrier probe
 * shows its subscriptions are up, the fake peer n1 broadcasts a correctly
 * signed ABORT whose payload is the fuzz input. Oracle: the session ends at
 * once, with MPC_ERR_PEER_RESTARTED naming the party exactly when the payload
 * is that status followed by a party's id, and with MPC_ERR_GONE naming n1
 * otherwise.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "session/manager.h"
#include "tests/fuzz/support/fuzz_support.h"
#include "tests/support/session_testkit.h"
#include "tests/support/toy_protocol.h"
#include "transport/envelope.h"
#include "transport/mem_transport.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WAIT_MS 30000 /* generous bound on a loaded machine; a hang is a finding */

static const char *const fz_ids[2] = {"n0", "n1"};
static transport_mem_net *fz_net;
static transport *fz_t0, *fz_t1;
static transport_identity *fz_id0, *fz_id1;
static transport_peer_table *fz_pt0, *fz_pt1;
static session_manager *fz_m0;
static transport_sub *fz_probe_sub;

static pthread_mutex_t fz_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fz_cv = PTHREAD_COND_INITIALIZER;
static char fz_probed[SESSION_SID_HEX_LEN + 1]; /* sid (hex) of the last probe n1 got */
static int fz_done;                             /* outcome of the current session arrived */
static mpc_status fz_status;                    /* its status */
static uint32_t fz_culprit;                     /* its culprit */

/* n0's barrier probe reached n1: n0's .b subscription is confirmed. */
static transport_reply
on_probe(void *arg, const transport_msg *m)
{
    (void)arg;
    const char *p = m->subject + strlen("mpc.s.");
    pthread_mutex_lock(&fz_mu);
    if (strlen(p) > SESSION_SID_HEX_LEN) {
        memcpy(fz_probed, p, SESSION_SID_HEX_LEN);
        fz_probed[SESSION_SID_HEX_LEN] = '\0';
    }
    pthread_cond_broadcast(&fz_cv);
    pthread_mutex_unlock(&fz_mu);
    return TRANSPORT_REPLY_ACK;
}

static void
on_done(void *arg, const session_outcome *o)
{
    (void)arg;
    pthread_mutex_lock(&fz_mu);
    fz_done = 1;
    fz_status = o->status;
    fz_culprit = o->culprit;
    pthread_cond_broadcast(&fz_cv);
    pthread_mutex_unlock(&fz_mu);
}

/* Waits (bounded) until *flag_fn holds. Returns 1, or 0 on timeout. */
static int
wait_for(int (*cond)(const char *), const char *hex)
{
    uint64_t deadline = mpc_clock_deadline_ns(WAIT_MS);
    int ok;
    pthread_mutex_lock(&fz_mu);
    while (!(ok = cond(hex)) && mpc_clock_mono_ns() < deadline) {
        struct timespec ts = mpc_clock_ns_to_timespec(deadline);
        pthread_cond_timedwait(&fz_cv, &fz_mu, &ts);
    }
    pthread_mutex_unlock(&fz_mu);
    return ok;
}

static int
probed(const char *hex)
{
    return strcmp(fz_probed, hex) == 0 || fz_done;
}

static int
done(const char *hex)
{
    (void)hex;
    return fz_done;
}

static void
write_seeds(const char *dir)
{
    uint8_t p[4 + 2];
    mpc_status codes[3] = {MPC_ERR_PEER_RESTARTED, MPC_ERR_PROTOCOL, MPC_ERR_TIMEOUT};
    for (int i = 0; i < 3; i++) {
        uint32_t c = (uint32_t)codes[i];
        p[0] = (uint8_t)c;
        p[1] = (uint8_t)(c >> 8);
        p[2] = (uint8_t)(c >> 16);
        p[3] = (uint8_t)(c >> 24);
        memcpy(p + 4, i == 0 ? "n1" : "n0", 2);
        char name[16];
        snprintf(name, sizeof name, "code%d", i);
        fuzz_seed_write(dir, name, p, i == 0 ? 6 : 4);
        if (i == 0) {
            fuzz_seed_write(dir, "restart-self",
                            (const uint8_t[]){p[0], p[1], p[2], p[3], 'n', '0'}, 6);
        }
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_rng_install();
    const char *dir = fuzz_seed_dir();
    if (dir != NULL) {
        write_seeds(dir);
        exit(0);
    }
    mpc_log_set_level(MPC_LOG_OFF); /* one session per input: its log lines are noise */
    transport_mem_net_config nc = {.seed = 1, .delivery_threads = 1};
    session_config cfg;
    session_config_default(&cfg);
    cfg.self_id = "n0";
    cfg.workers = 1;
    cfg.janitor_tick_ms = 20;
    cfg.abort_grace_ms = 0;
    if (transport_mem_net_create(&nc, &fz_net) != MPC_OK ||
        transport_mem_create(fz_net, "n0", &fz_t0) != MPC_OK ||
        transport_mem_create(fz_net, "n1", &fz_t1) != MPC_OK ||
        stk_peers_create(fz_ids, 2, 0, &fz_id0, &fz_pt0) != MPC_OK ||
        stk_peers_create(fz_ids, 2, 1, &fz_id1, &fz_pt1) != MPC_OK) {
        abort();
    }
    cfg.peers = fz_pt0;
    if (session_manager_create(&fz_m0, &cfg, fz_t0) != MPC_OK ||
        transport_subscribe_confirmed(fz_t1, "mpc.s.*.r.n1", on_probe, NULL, &fz_probe_sub) !=
            MPC_OK) {
        abort();
    }
    return 0;
}

/* The verdict the payload must produce: status and culprit. */
static void
expected(const uint8_t *p, size_t len, mpc_status *st, uint32_t *culprit)
{
    uint32_t code = len >= 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                   (uint32_t)p[3] << 24
                             : 0;
    *st = MPC_ERR_GONE;
    *culprit = 1;
    for (uint32_t i = 0; i < 2 && code == (uint32_t)MPC_ERR_PEER_RESTARTED; i++) {
        if (len == 4 + strlen(fz_ids[i]) && memcmp(p + 4, fz_ids[i], len - 4) == 0) {
            *st = MPC_ERR_PEER_RESTARTED;
            *culprit = i;
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint64_t counter;
    uint8_t sid[SESSION_SID_LEN] = {'a', 'b', 'o', 'r', 't'};
    char hex[SESSION_SID_HEX_LEN + 1], subj[128];
    uint8_t in0[TOY_PROTOCOL_INPUT_LEN];
    counter++;
    memcpy(sid + 8, &counter, sizeof counter);
    session_sid_hex(sid, hex);
    toy_protocol_encode_input(1, in0);
    pthread_mutex_lock(&fz_mu);
    fz_done = 0;
    pthread_mutex_unlock(&fz_mu);
    session_spec sp = {.sid = sid,
                       .op = SESSION_OP_SIGN,
                       .key_type = "ed25519",
                       .wallet = "w",
                       .proto = toy_protocol(),
                       .self = 0,
                       .n_parties = 2,
                       .party_ids = fz_ids,
                       .threshold = 2,
                       .input = in0,
                       .input_len = sizeof in0,
                       .deadline_ms = WAIT_MS,
                       .done = on_done};
    if (session_manager_start(fz_m0, &sp) != MPC_OK || !wait_for(probed, hex)) {
        abort();
    }
    transport_envelope_in env = {.sid = sid,
                                 .round = 1,
                                 .seq = 1,
                                 .kind = TRANSPORT_ENVELOPE_ABORT,
                                 .payload = data,
                                 .payload_len = size};
    uint8_t *buf = NULL;
    size_t len = 0;
    snprintf(subj, sizeof subj, "mpc.s.%s.b", hex);
    if (transport_envelope_seal(fz_pt1, &env, &buf, &len) != MPC_OK ||
        transport_publish(fz_t1, subj, buf, len) != MPC_OK || !wait_for(done, hex)) {
        abort();
    }
    free(buf);
    mpc_status want;
    uint32_t culprit;
    expected(data, size, &want, &culprit);
    if (fz_status != want || fz_culprit != culprit) {
        fprintf(stderr, "abort payload: got %s/%u, want %s/%u\n", mpc_status_str(fz_status),
                fz_culprit, mpc_status_str(want), culprit);
        abort();
    }
    return 0;
}

/*
 * housekeeping.c — heartbeats (mpc.n.<id>.hb), the NATS status responder
 * (mpc.n.<id>.status), InProgress on running requests, JetStream
 * reachability, and the /readyz checks.
 *
 * DESIGN: one ticker thread wakes every NODE_TICK_MS (or on d->cv). It
 * publishes the heartbeat every NODE_DAEMON_HB_MS, pings JetStream every
 * second (result in d->js_ok, read by /readyz), prunes the request log and
 * checks the store's free space every second (store_maintain: the store's
 * full state pauses the intake and fails /readyz), and sends InProgress for every
 * job in d->jobs whose last one is older than AckWait/3, holding d->mu so a
 * job cannot be acked and freed meanwhile (see daemon_internal.h). NATS
 * handlers only store a timestamp (heartbeats) or publish a snapshot
 * (status); they never block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/clock.h"
#include "common/log.h"
#include "node/daemon_internal.h"
#include "transport/nats_transport.h"
#include "transport/subject.h"

#define NODE_TICK_MS      250u
#define NODE_JS_PING_MS   1000u
#define NODE_JS_PING_WAIT 1000u
#define NODE_PRUNE_MS     1000u /* request-log pruning and store space check period */
#define NODE_PRUNE_BATCH  64u   /* deletions per write transaction */
#define NODE_PRUNE_ROUNDS 16u   /* transactions per period (bounded work per tick) */

/* Returns: the "inc" field of a heartbeat body (a decimal integer), 0 if absent
 * or malformed. Bounded: reads at most len bytes. */
static uint64_t
heartbeat_incarnation(const uint8_t *data, size_t len)
{
    static const char key[] = "\"inc\":";
    const size_t kl = sizeof key - 1;
    for (size_t i = 0; data != NULL && i + kl < len; i++) {
        if (memcmp(data + i, key, kl) != 0) {
            continue;
        }
        uint64_t v = 0;
        size_t j = i + kl, digits = 0;
        for (; j < len && data[j] >= '0' && data[j] <= '9' && digits < 20; j++, digits++) {
            uint64_t next = v * 10 + (uint64_t)(data[j] - '0');
            if (next < v) {
                return 0; /* overflow */
            }
            v = next;
        }
        return digits > 0 ? v : 0;
    }
    return 0;
}

static transport_reply
on_heartbeat(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    char id[TRANSPORT_SUBJECT_TOKEN_MAX + 1];
    if (!transport_subject_parse_kind(msg->subject, TRANSPORT_SUBJ_HEARTBEAT, id, NULL, NULL)) {
        return TRANSPORT_REPLY_NONE;
    }
    uint64_t inc = heartbeat_incarnation(msg->data, msg->len);
    for (size_t i = 0; i < node_config_peers_count(d->peers); i++) {
        if (strcmp(node_config_peers_at(d->peers, i)->id, id) == 0) {
            if (inc != 0) { /* the live signer choice binds it (node/signers.h) */
                __atomic_store_n(&d->peer_inc[i], inc, __ATOMIC_RELAXED);
            }
            __atomic_store_n(&d->peer_seen_ms[i], mpc_clock_mono_ms(), __ATOMIC_RELAXED);
        }
    }
    return TRANSPORT_REPLY_NONE;
}

/*
 * Adds the process id to the snapshot root (mpc-cli bench reads the node's
 * CPU time and memory from /proc/<pid> on the same machine). On any failure
 * the snapshot is left as it was.
 */
static void
status_add_pid(char **json)
{
    json_t *root = json_loads(*json, 0, NULL);
    char *out = NULL;
    if (root != NULL && json_is_object(root) &&
        json_object_set_new(root, "pid", json_integer((json_int_t)getpid())) == 0) {
        out = json_dumps(root, JSON_COMPACT);
    }
    json_decref(root);
    if (out != NULL) {
        free(*json);
        *json = out;
    }
}

static transport_reply
on_status(void *arg, const transport_msg *msg)
{
    struct node_daemon *d = arg;
    char *json = NULL;
    if (node_evidence_serve(d, msg)) {
        return TRANSPORT_REPLY_NONE; /* an evidence query (node/evidence.c) */
    }
    /* only ever answer on a reply inbox: never publish on a subject a requester names */
    if (!transport_subject_is_inbox(msg->reply) ||
        session_manager_snapshot(d->mgr, &json) != MPC_OK) {
        return TRANSPORT_REPLY_NONE;
    }
    status_add_pid(&json);
    node_kos_snapshot_add(d, &json);
    node_keystate_snapshot_add(d, &json);
    node_presign_snapshot_add(d, &json);
    if (transport_publish(d->t, msg->reply, (const uint8_t *)json, strlen(json)) != MPC_OK) {
        mpc_log(MPC_LOG_DEBUG, "node", "status_reply_failed", "reply=%s", msg->reply);
    }
    free(json);
    return TRANSPORT_REPLY_NONE;
}

static void
publish_heartbeat(struct node_daemon *d)
{
    char subj[TRANSPORT_SUBJECT_MAX], body[256];
    session_manager_stats ms;
    session_manager_get_stats(d->mgr, &ms);
    if (transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_HEARTBEAT, d->cfg->node_id, NULL,
                                NULL) != MPC_OK) {
        return;
    }
    int n = snprintf(body, sizeof body,
                     "{\"node\":\"%s\",\"version\":\"%s\",\"uptime_ms\":%llu,\"live\":%llu,"
                     "\"permits_free\":%u,\"inc\":%llu}",
                     d->cfg->node_id, NODE_DAEMON_VERSION,
                     (unsigned long long)(mpc_clock_mono_ms() - d->started_ms),
                     (unsigned long long)ms.live, session_manager_permits_free(d->mgr),
                     (unsigned long long)session_manager_incarnation(d->mgr));
    if (n > 0 && (size_t)n < sizeof body) {
        if (transport_publish(d->t, subj, (const uint8_t *)body, (size_t)n) != MPC_OK) {
            mpc_log(MPC_LOG_DEBUG, "node", "heartbeat_failed", "subject=%s", subj);
        }
    }
}

static void
send_in_progress(struct node_daemon *d, uint64_t now)
{
    uint64_t every = d->ack_wait_ms / 3 > 0 ? d->ack_wait_ms / 3 : 1;
    pthread_mutex_lock(&d->mu);
    for (struct node_job *j = d->jobs; j != NULL; j = j->next) {
        if (now - j->last_progress_ms >= every) {
            j->last_progress_ms = now;
            if (transport_js_msg_in_progress(j->msg) != MPC_OK) {
                mpc_log(MPC_LOG_DEBUG, "node", "in_progress_failed", "request=%s", j->request_id);
            }
        }
    }
    pthread_mutex_unlock(&d->mu);
}

/*
 * Request-log retention, then the space check that sets or clears the store's
 * full state (the intake and /readyz read it). Bounded: at most
 * NODE_PRUNE_ROUNDS short write transactions per call.
 */
static void
store_maintain(struct node_daemon *d)
{
    uint64_t age = __atomic_load_n(&d->reqlog_age_ms, __ATOMIC_RELAXED);
    uint64_t max = __atomic_load_n(&d->reqlog_max, __ATOMIC_RELAXED);
    uint64_t now = mpc_clock_wall_ms();
    uint64_t cut = now > age ? now - age : 0;
    size_t total = 0, removed = 0, batch = NODE_PRUNE_BATCH;
    for (unsigned r = 0; r < NODE_PRUNE_ROUNDS; r++) {
        mpc_status st = node_store_req_prune(d->store, cut, max, batch, &removed);
        if (st == MPC_ERR_STORE_FULL && batch > 1) {
            batch /= 8; /* a smaller deletion needs fewer fresh pages */
            continue;
        }
        if (st != MPC_OK) {
            mpc_log(MPC_LOG_WARN, "node", "request_log_prune_failed", "status=%s batch=%zu",
                    mpc_status_name(st), batch);
            break;
        }
        total += removed;
        if (removed < batch) {
            break;
        }
    }
    if (total > 0) {
        __atomic_add_fetch(&d->m.reqlog_pruned, total, __ATOMIC_RELAXED);
        mpc_log(MPC_LOG_DEBUG, "node", "request_log_pruned", "entries=%zu", total);
    }
    mpc_status st = node_store_space_check(d->store);
    if (st != MPC_OK && st != MPC_ERR_STORE_FULL) {
        mpc_log(MPC_LOG_WARN, "node", "store_space_check_failed", "status=%s", mpc_status_name(st));
    }
    int full = node_store_is_full(d->store); /* may have been set by a write since the last tick */
    if (full != d->store_full_logged) {
        d->store_full_logged = full;
        mpc_log(full ? MPC_LOG_ERROR : MPC_LOG_INFO, "node",
                full ? "intake_paused" : "intake_resumed", "reason=store_full");
    }
}

int
node_daemon_store_full(const struct node_daemon *d)
{
    return node_store_is_full(d->store);
}

static void *
ticker_main(void *arg)
{
    struct node_daemon *d = arg;
    uint64_t next_hb = 0, next_ping = 0, next_prune = 0;
    for (;;) {
        uint64_t now = mpc_clock_mono_ms();
        if (now >= next_hb) {
            publish_heartbeat(d);
            node_kos_republish(d);
            next_hb = now + NODE_DAEMON_HB_MS;
        }
        if (now >= next_ping) {
            int ok = transport_js_ping(d->js, NODE_JS_PING_WAIT) == MPC_OK;
            if (ok != __atomic_load_n(&d->js_ok, __ATOMIC_RELAXED)) {
                mpc_log(ok ? MPC_LOG_INFO : MPC_LOG_WARN, "node", "jetstream_reachable", "ok=%d",
                        ok);
            }
            __atomic_store_n(&d->js_ok, ok, __ATOMIC_RELAXED);
            next_ping = mpc_clock_mono_ms() + NODE_JS_PING_MS;
        }
        if (mpc_clock_mono_ms() >= next_prune) {
            store_maintain(d);
            next_prune = mpc_clock_mono_ms() + NODE_PRUNE_MS;
        }
        send_in_progress(d, mpc_clock_mono_ms());
        struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(NODE_TICK_MS));
        pthread_mutex_lock(&d->mu);
        if (!d->ticker_stop) {
            (void)pthread_cond_timedwait(&d->cv, &d->mu, &until);
        }
        int stop = d->ticker_stop;
        pthread_mutex_unlock(&d->mu);
        if (stop) {
            return NULL;
        }
    }
}

mpc_status
node_housekeeping_start(struct node_daemon *d)
{
    char subj[TRANSPORT_SUBJECT_MAX];
    mpc_status st = transport_subject_pattern(subj, sizeof subj, TRANSPORT_SUBJ_HEARTBEAT,
                                              TRANSPORT_SUBJECT_ANY, NULL, NULL);
    if (st == MPC_OK) {
        st = transport_subscribe_confirmed(d->t, subj, on_heartbeat, d, &d->hb_sub);
    }
    if (st == MPC_OK) {
        st = transport_subject_build(subj, sizeof subj, TRANSPORT_SUBJ_STATUS, d->cfg->node_id,
                                     NULL, NULL);
    }
    if (st == MPC_OK) {
        st = transport_subscribe_confirmed(d->t, subj, on_status, d, &d->status_sub);
    }
    if (st == MPC_OK) {
        st = node_keyclaim_serve_start(d);
    }
    if (st == MPC_OK) {
        st = node_kos_listen(d);
    }
    if (st == MPC_OK) {
        st = node_keystate_start(d);
    }
    if (st != MPC_OK) {
        return st;
    }
    if (pthread_create(&d->ticker, NULL, ticker_main, d) != 0) {
        return MPC_ERR_INTERNAL;
    }
    d->threads_started |= 2;
    return MPC_OK;
}

void
node_housekeeping_stop(struct node_daemon *d)
{
    if (d->threads_started & 2) {
        pthread_mutex_lock(&d->mu);
        d->ticker_stop = 1;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->ticker, NULL);
        d->threads_started &= ~2;
    }
    node_keyclaim_serve_stop(d);
    node_keystate_stop(d);
    node_kos_unlisten(d);
    transport_unsubscribe(d->t, d->status_sub);
    transport_unsubscribe(d->t, d->hb_sub);
    d->status_sub = NULL;
    d->hb_sub = NULL;
}

/* Appends a failing check to why. */
static void
why_add(char *why, size_t cap, const char *s)
{
    size_t n = strlen(why);
    if (n < cap) {
        snprintf(why + n, cap - n, "%s%s", n > 0 ? " " : "", s);
    }
}

int
node_daemon_ready(struct node_daemon *d, char *why, size_t cap)
{
    int ok = 1;
    why[0] = '\0';
    if (transport_nats_wait_connected(d->t_nats, 0) != MPC_OK) {
        ok = 0;
        why_add(why, cap, "nats_disconnected");
    }
    if (!transport_js_is_connected(d->js) || !__atomic_load_n(&d->js_ok, __ATOMIC_RELAXED)) {
        ok = 0;
        why_add(why, cap, "jetstream_unreachable");
    }
    if (d->store == NULL) {
        ok = 0;
        why_add(why, cap, "store_closed");
    } else if (node_store_is_full(d->store)) {
        ok = 0;
        why_add(why, cap, "store_full");
    }
    /* Every peer heard at least once since start (a heartbeat shows its session
     * subscriptions work); a peer that died later does not make this node unready. */
    for (size_t i = 0; i < node_config_peers_count(d->peers); i++) {
        const char *id = node_config_peers_at(d->peers, i)->id;
        if (strcmp(id, d->cfg->node_id) != 0 &&
            __atomic_load_n(&d->peer_seen_ms[i], __ATOMIC_RELAXED) == 0) {
            char s[NODE_ID_MAX + 16];
            snprintf(s, sizeof s, "peer_unseen:%s", id);
            ok = 0;
            why_add(why, cap, s);
        }
    }
    return ok;
}

/*
 * metrics.c — the daemon's counters and their Prometheus text rendering
 * (/metrics). Counters are plain uint64_t updated with relaxed atomics from
 * any thread; rendering reads them the same way, plus the session manager,
 * transport and JetStream counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "node/daemon_internal.h"
#include "transport/nats_transport.h"

/* Upper bounds (ms) of the duration histogram; the last bucket is +Inf. */
static const uint64_t bucket_ms[NODE_METRIC_BUCKETS - 1] = {10,   25,   50,   100,   250,  500,
                                                            1000, 2500, 5000, 10000, 30000};
static const char *const op_names[3] = {"keygen", "sign", "reshare"};

static size_t
status_slot(mpc_status st)
{
    size_t n = mpc_status_count();
    for (size_t i = 0; i < n && i < NODE_METRIC_SLOTS - 1; i++) {
        if (mpc_status_at(i) == st) {
            return i;
        }
    }
    return NODE_METRIC_SLOTS - 1; /* unknown */
}

void
node_metrics_add(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void
node_metrics_add_n(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void
node_metrics_outcome(struct node_metrics *m, int op, mpc_status st, uint64_t ms)
{
    if (op < 1 || op > 3) {
        return;
    }
    size_t o = (size_t)op - 1, b = 0;
    while (b < NODE_METRIC_BUCKETS - 1 && ms > bucket_ms[b]) {
        b++;
    }
    node_metrics_add(&m->outcomes[o][status_slot(st)]);
    node_metrics_add(&m->dur_bucket[o][b]);
    node_metrics_add(&m->dur_count[o]);
    __atomic_fetch_add(&m->dur_sum_ms[o], ms, __ATOMIC_RELAXED);
}

void
node_metrics_rejected(struct node_metrics *m, mpc_status st)
{
    node_metrics_add(&m->rejected[status_slot(st)]);
}

void
node_metrics_keyinfo(struct node_metrics *m, mpc_status st)
{
    node_metrics_add(&m->keyinfo[status_slot(st)]);
}

static const char *
slot_name(size_t slot)
{
    return slot < mpc_status_count() && slot < NODE_METRIC_SLOTS - 1
               ? mpc_status_name(mpc_status_at(slot))
               : "unknown";
}

static void
render_sessions(FILE *f, const struct node_metrics *m)
{
    fputs("# HELP mpc_sessions_total Sessions ended, by operation and outcome.\n"
          "# TYPE mpc_sessions_total counter\n",
          f);
    for (size_t o = 0; o < 3; o++) {
        for (size_t s = 0; s < NODE_METRIC_SLOTS; s++) {
            uint64_t v = get(&m->outcomes[o][s]);
            if (v != 0 || s == 0) {
                fprintf(f, "mpc_sessions_total{op=\"%s\",outcome=\"%s\"} %llu\n", op_names[o],
                        slot_name(s), (unsigned long long)v);
            }
        }
    }
    fputs("# HELP mpc_session_duration_seconds Session duration, by operation.\n"
          "# TYPE mpc_session_duration_seconds histogram\n",
          f);
    for (size_t o = 0; o < 3; o++) {
        uint64_t cum = 0;
        for (size_t b = 0; b < NODE_METRIC_BUCKETS; b++) {
            cum += get(&m->dur_bucket[o][b]);
            if (b < NODE_METRIC_BUCKETS - 1) {
                fprintf(f, "mpc_session_duration_seconds_bucket{op=\"%s\",le=\"%g\"} %llu\n",
                        op_names[o], (double)bucket_ms[b] / 1000.0, (unsigned long long)cum);
            } else {
                fprintf(f, "mpc_session_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"} %llu\n",
                        op_names[o], (unsigned long long)cum);
            }
        }
        fprintf(f, "mpc_session_duration_seconds_sum{op=\"%s\"} %.3f\n", op_names[o],
                (double)get(&m->dur_sum_ms[o]) / 1000.0);
        fprintf(f, "mpc_session_duration_seconds_count{op=\"%s\"} %llu\n", op_names[o],
                (unsigned long long)get(&m->dur_count[o]));
    }
}

static void
counter(FILE *f, const char *name, const char *help, const char *labels, uint64_t v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s%s %llu\n", name, help, name, name,
            labels != NULL ? labels : "", (unsigned long long)v);
}

static void
gauge(FILE *f, const char *name, const char *help, uint64_t v)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name,
            (unsigned long long)v);
}

static void
render_requests(FILE *f, const struct node_metrics *m)
{
    fputs("# HELP mpc_requests_rejected_total Requests rejected at intake, by reason.\n"
          "# TYPE mpc_requests_rejected_total counter\n",
          f);
    for (size_t s = 0; s < NODE_METRIC_SLOTS; s++) {
        uint64_t v = get(&m->rejected[s]);
        if (v != 0) {
            fprintf(f, "mpc_requests_rejected_total{reason=\"%s\"} %llu\n", slot_name(s),
                    (unsigned long long)v);
        }
    }
    fputs("# HELP mpc_keyinfo_queries_total Key-info queries answered, by status.\n"
          "# TYPE mpc_keyinfo_queries_total counter\n",
          f);
    for (size_t s = 0; s < NODE_METRIC_SLOTS; s++) {
        uint64_t v = get(&m->keyinfo[s]);
        if (v != 0) {
            fprintf(f, "mpc_keyinfo_queries_total{status=\"%s\"} %llu\n", slot_name(s),
                    (unsigned long long)v);
        }
    }
    counter(f, "mpc_keyinfo_dropped_total", "Key-info queries dropped unanswered (undecodable).",
            NULL, get(&m->keyinfo_dropped));
    counter(f, "mpc_requests_republished_total", "Results republished from the request log.", NULL,
            get(&m->republished));
    counter(f, "mpc_result_republish_retries_total",
            "Republishes of a logged result that JetStream did not acknowledge (node/republish.h).",
            NULL, get(&m->republish_retries));
    counter(f, "mpc_result_republished_total",
            "Logged results acknowledged by JetStream after a failed publish or a restart.", NULL,
            get(&m->republish_ok));
    counter(
        f, "mpc_result_republish_gave_up_total",
        "Logged results given up unacknowledged after their max age (MPC_ERR_RESULT_UNPUBLISHED).",
        NULL, get(&m->republish_gave_up));
    counter(f, "mpc_requests_not_participant_total", "Requests acked as not involving this node.",
            NULL, get(&m->not_participant));
    counter(f, "mpc_sign_retries_total",
            "Sign attempts scheduled after a transient failure (node/retry.h).", NULL,
            get(&m->retries));
    counter(f, "mpc_key_retries_total",
            "Keygen/reshare attempts scheduled after a transient failure (node/retry.h).", NULL,
            get(&m->key_retries));
    counter(f, "mpc_key_attempts_discarded_total",
            "Pending keys of a failed keygen/reshare attempt discarded for another attempt.", NULL,
            get(&m->key_attempts_discarded));
    counter(f, "mpc_sign_not_selected_total",
            "Signs naming no signers for which this holder was not chosen.", NULL,
            get(&m->not_selected));
    counter(f, "mpc_requests_unauthenticated_total",
            "Requests dropped without a result: no valid initiator signature.", NULL,
            get(&m->unauthenticated));
    counter(f, "mpc_requests_nak_total", "Requests handed back for redelivery.", NULL,
            get(&m->naks));
    counter(f, "mpc_result_publish_failures_total", "Result publishes that failed.", NULL,
            get(&m->publish_failures));
    counter(f, "mpc_store_failures_total", "Key store writes that failed.", NULL,
            get(&m->store_failures));
    counter(f, "mpc_request_log_pruned_total", "Request-log entries removed by retention.", NULL,
            get(&m->reqlog_pruned));
    counter(f, "mpc_request_log_group_commits_total",
            "Request-log transactions of completed signs (group commit).", NULL,
            get(&m->reqlog_commits));
    counter(f, "mpc_request_log_grouped_total",
            "Sign request-log entries written by those transactions.", NULL,
            get(&m->reqlog_grouped));
    counter(f, "mpc_request_log_group_fallbacks_total",
            "Sign groups written entry by entry after the group transaction failed.", NULL,
            get(&m->store_batch_fallbacks));
    counter(f, "mpc_intake_paused_seconds_total", "Time the intake waited on a full key store.",
            NULL, get(&m->intake_paused_ms) / 1000);
}

static void
render_store(FILE *f, struct node_daemon *d)
{
    uint64_t entries = 0, map = 0;
    uint64_t used = node_store_used_bytes(d->store, &map);
    if (node_store_req_count(d->store, &entries) != MPC_OK) {
        entries = 0;
    }
    gauge(f, "mpc_store_full", "1 while the key store is full (intake paused, not ready).",
          (uint64_t)node_store_is_full(d->store));
    counter(f, "mpc_store_full_events_total", "Times the key store became full.", NULL,
            node_store_full_events(d->store));
    gauge(f, "mpc_store_used_bytes", "Key store bytes in use (last space check).", used);
    gauge(f, "mpc_store_map_bytes", "Key store LMDB map size.", map);
    gauge(f, "mpc_request_log_entries", "Request-log entries kept.", entries);
}

/* The OT-extension pair gate's counters (node/kos_node.c). */
static void
render_kos(FILE *f, const struct node_kos_stats *ks)
{
    counter(f, "mpc_kos_checks_total", "DKLs23 OT-extension checks evaluated under the pair gate.",
            NULL, ks->checks);
    counter(f, "mpc_kos_check_failures_total", "OT-extension checks that failed (quarantines).",
            NULL, ks->check_failures);
    gauge(f, "mpc_kos_quarantined_pairs", "Quarantined (accuser, accused) pairs known.",
          ks->known_pairs);
    gauge(f, "mpc_kos_unstored", "Quarantines not yet stored; their keys refuse signing.",
          ks->unstored);
    counter(f, "mpc_kos_notices_rejected_total", "Quarantine notices rejected (bad signature).",
            NULL, ks->notices_rejected);
}

/* Presignature pools (node/presign_node.c). */
static void
render_presign(FILE *f, struct node_daemon *d)
{
    struct node_presign_stats s;
    node_presign_stats(d, &s);
    gauge(f, "mpc_presig_records", "ECDSA presignature records this node holds.", s.records);
    counter(f, "mpc_presig_orders_sent_total", "Presign orders this node coordinated.", NULL,
            s.orders_sent);
    counter(f, "mpc_presig_orders_refused_total", "Peers' presign orders refused.", NULL,
            s.orders_refused);
    fputs("# HELP mpc_presig_order_refusals_total Peers' presign orders refused, by status.\n"
          "# TYPE mpc_presig_order_refusals_total counter\n",
          f);
    for (int k = 0; k < NODE_PRESIGN_REFUSAL_KINDS; k++) { /* [0] 449, [k] 670 + k */
        if (s.refused_by[k] != 0) {
            mpc_status st = k == 0 ? MPC_ERR_PRESIG_SET_COMMITTEE : (mpc_status)(670 + k);
            fprintf(f, "mpc_presig_order_refusals_total{status=\"%s\"} %llu\n", mpc_status_name(st),
                    (unsigned long long)s.refused_by[k]);
        }
    }
    counter(f, "mpc_presig_sessions_done_total", "Presign sessions ended DONE.", NULL,
            s.sessions_done);
    counter(f, "mpc_presig_sessions_failed_total", "Presign sessions that failed.", NULL,
            s.sessions_failed);
    counter(f, "mpc_presig_records_dropped_total",
            "Presignature records dropped by reconciliation (one signer lacked them).", NULL,
            s.records_dropped);
    counter(f, "mpc_presig_sets_skipped_total",
            "Refill turns skipped: the signer set does not fit the key.", NULL, s.sets_skipped);
    counter(f, "mpc_presig_refills_deferred_total",
            "Refills of a pool at least half full put off while requests ran.", NULL,
            s.refills_deferred);
    counter(f, "mpc_presig_online_signs_total", "Signs served online with a presignature.", NULL,
            s.online_used);
    counter(f, "mpc_presig_online_without_total",
            "First sign attempts that found no usable presignature.", NULL, s.online_without);
}

/* The key-state exchange's counters (node/keystate_node.c). */
static void
render_keystate(FILE *f, struct node_daemon *d)
{
    struct node_keystate_stats kst;
    node_keystate_stats(d, &kst);
    counter(f, "mpc_keystate_exchanges_total", "Key-state digests compared with a peer.", NULL,
            kst.exchanges);
    counter(f, "mpc_keystate_failures_total", "Key-state exchanges with no usable answer.", NULL,
            kst.failures);
    counter(f, "mpc_keystate_rejected_total", "Key-state queries or replies refused.", NULL,
            kst.rejected);
    counter(f, "mpc_keystate_findings_total", "New key-state findings (divergence, rollback, ...).",
            NULL, kst.findings_total);
    counter(f, "mpc_keystate_catch_ups_total", "Keys caught up after a store rollback.", NULL,
            kst.catch_ups);
    gauge(f, "mpc_keystate_divergent_keys", "Key findings that refuse the key (DIVERGED).",
          kst.diverged);
    gauge(f, "mpc_keystate_rolled_back_keys", "Keys whose peers state a newer version.",
          kst.rolled_back);
}

/* The evidence store's counters (node/evidence.c). */
static void
render_evidence(FILE *f)
{
    struct node_evidence_stats es;
    node_evidence_stats(&es);
    counter(f, "mpc_evidence_stored_total", "Failed sessions' evidence kept in the store.", NULL,
            es.stored);
    counter(f, "mpc_evidence_evicted_total",
            "Evidence entries evicted (oldest first) to stay within the budget.", NULL, es.evicted);
    counter(f, "mpc_evidence_refused_total",
            "Evidence not kept (over the per-request cap, or a store error).", NULL, es.refused);
    gauge(f, "mpc_evidence_bytes", "Evidence bytes kept in the store.", es.bytes);
    counter(f, "mpc_evidence_chunks_served_total", "Evidence chunks served to mpc-cli.", NULL,
            es.served);
}

static void
render_runtime(FILE *f, struct node_daemon *d)
{
    session_manager_stats ms;
    transport_stats ts;
    transport_js_stats js;
    session_manager_get_stats(d->mgr, &ms);
    transport_get_stats(d->t, &ts);
    transport_js_get_stats(d->js, &js);
    counter(f, "mpc_direct_send_retries_total", "Direct-send tries after the first.", NULL,
            ts.retries);
    counter(f, "mpc_direct_send_failures_total", "Direct sends that exhausted their retries.", NULL,
            ts.sends_failed);
    fprintf(f,
            "# HELP mpc_messages_dropped_total Peer messages dropped, by reason.\n"
            "# TYPE mpc_messages_dropped_total counter\n"
            "mpc_messages_dropped_total{reason=\"replay\"} %llu\n"
            "mpc_messages_dropped_total{reason=\"late\"} %llu\n"
            "mpc_messages_dropped_total{reason=\"bad_envelope\"} %llu\n"
            "mpc_messages_dropped_total{reason=\"mailbox_full\"} %llu\n"
            "mpc_messages_dropped_total{reason=\"session_gone\"} %llu\n",
            (unsigned long long)ms.replays_dropped, (unsigned long long)ms.late_dropped,
            (unsigned long long)ms.bad_dropped, (unsigned long long)ms.busy_replies,
            (unsigned long long)ms.gone_replies);
    counter(f, "mpc_faults_trapped_total", "Hardware faults trapped inside sessions.", NULL,
            ms.faults);
    counter(f, "mpc_intake_empty_pulls_total",
            "Request-stream pulls that expired without a message (idle waits).", NULL,
            js.empty_pulls);
    struct node_kos_stats ks;
    node_kos_stats(d, &ks);
    render_kos(f, &ks);
    render_keystate(f, d);
    render_presign(f, d);
    render_evidence(f);
    counter(f, "mpc_kos_notices_loaded_total",
            "Peers' quarantine notices reloaded from the store at start.", NULL, ks.notices_loaded);
    counter(f, "mpc_kos_notices_unsaved_total",
            "Peers' quarantine notices the store refused (held in memory only).", NULL,
            ks.notices_unsaved);
    fprintf(f,
            "# HELP mpc_nats_reconnects_total NATS reconnections, by connection.\n"
            "# TYPE mpc_nats_reconnects_total counter\n"
            "mpc_nats_reconnects_total{conn=\"session\"} %llu\n"
            "mpc_nats_reconnects_total{conn=\"jetstream\"} %llu\n",
            (unsigned long long)ts.reconnects, (unsigned long long)js.reconnects);
    fprintf(f,
            "# HELP mpc_nats_disconnects_total NATS disconnections, by connection.\n"
            "# TYPE mpc_nats_disconnects_total counter\n"
            "mpc_nats_disconnects_total{conn=\"session\"} %llu\n"
            "mpc_nats_disconnects_total{conn=\"jetstream\"} %llu\n",
            (unsigned long long)ts.disconnects, (unsigned long long)js.disconnects);
    gauge(f, "mpc_permits_in_use", "Admission permits held by live sessions.", ms.permits_in_use);
    gauge(f, "mpc_permits_total", "Admission permits configured.", d->cfg->limits.max_sessions);
    gauge(f, "mpc_sessions_live", "Sessions in the registry.", ms.live);
    gauge(f, "mpc_uptime_seconds", "Seconds since the daemon started.",
          (mpc_clock_mono_ms() - d->started_ms) / 1000);
}

mpc_status
node_metrics_render(struct node_daemon *d, char **text, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    *text = NULL;
    *len = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL) {
        return MPC_ERR_NOMEM;
    }
    render_sessions(f, &d->m);
    render_requests(f, &d->m);
    render_runtime(f, d);
    render_store(f, d);
    if (fclose(f) != 0) {
        free(buf);
        return MPC_ERR_NOMEM;
    }
    *text = buf;
    *len = n;
    return MPC_OK;
}

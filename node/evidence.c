/*
 * evidence.c — the node keeps the whole evidence of its failed sessions and
 * serves it to mpc-cli (DESIGN §7; packed form and query in
 * node/client/evidence.h, records in node/store/evid.h).
 *
 * DESIGN: node_evidence_keep runs on the finisher thread, before the results
 * are logged and published (the Result carries the digest of what is kept);
 * a failure to keep it is logged and counted, never fails the request.
 * node_evidence_serve runs on the NATS delivery thread of the status
 * subscription: a short read transaction per chunk; it answers only on a
 * reply inbox. Counters are atomics (read by /metrics).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/secmem.h"
#include "node/client/evidence.h"
#include "node/daemon_internal.h"
#include "node/store/evid.h"
#include "transport/subject.h"

static _Atomic uint64_t ev_stored;  /* evidence entries stored */
static _Atomic uint64_t ev_evicted; /* entries evicted for the budget */
static _Atomic uint64_t ev_refused; /* entries over the per-request cap, or not stored */
static _Atomic uint64_t ev_bytes;   /* bytes kept after the last put */
static _Atomic uint64_t ev_served;  /* chunks served */

void
node_evidence_keep(struct node_daemon *d, const struct node_job *job)
{
    for (size_t i = 0; d->store != NULL && i < job->n_sub; i++) {
        const struct node_subjob *sj = &job->sub[i];
        if (sj->status == MPC_OK || sj->n_evid == 0) {
            continue;
        }
        uint8_t *packed = NULL;
        size_t len = 0;
        struct node_store_evid_put_info info;
        mpc_status st = node_client_evidence_pack((const uint8_t *const *)sj->evid, sj->evid_len,
                                                  sj->n_evid, &packed, &len);
        if (st == MPC_OK) {
            st = node_store_evid_put(d->store, sj->key_type, job->request_id, mpc_clock_wall_ms(),
                                     packed, len, NODE_STORE_EVID_BUDGET_DEFAULT, &info);
        }
        free(packed);
        if (st == MPC_OK) {
            atomic_fetch_add(&ev_stored, 1);
            atomic_fetch_add(&ev_evicted, info.evicted);
            atomic_store(&ev_bytes, info.total_bytes);
        } else {
            atomic_fetch_add(&ev_refused, 1);
            mpc_log(MPC_LOG_ERROR, "node", "evidence_not_kept", "request=%s bytes=%zu status=%s",
                    job->request_id, len, mpc_status_name(st));
        }
    }
}

/* Answers one query on msg->reply. */
static void
evidence_answer(struct node_daemon *d, const transport_msg *msg)
{
    struct node_client_evidence_query q;
    uint8_t *packed = NULL, *reply = NULL;
    size_t len = 0;
    uint8_t code = NODE_CLIENT_EVIDENCE_BAD_QUERY;
    if (node_client_evidence_query_decode(&q, msg->data, msg->len) == MPC_OK) {
        mpc_status st = node_store_evid_get(d->store, q.key_type, q.request_id, &packed, &len);
        code = st == MPC_OK && q.offset <= len ? NODE_CLIENT_EVIDENCE_FOUND
                                               : NODE_CLIENT_EVIDENCE_NOT_FOUND;
    }
    size_t chunk = 0, cap = NODE_CLIENT_EVIDENCE_CHUNK;
#ifdef MPC_FAULT_INJECTION
    const char *v = getenv("MPC_NODE_TEST_EVIDENCE_CHUNK"); /* TEST ONLY: many small chunks */
    if (v != NULL && atoi(v) > 0 && (size_t)atoi(v) < cap) {
        cap = (size_t)atoi(v);
    }
#endif
    if (code == NODE_CLIENT_EVIDENCE_FOUND) {
        chunk = len - q.offset < cap ? len - q.offset : cap;
    }
    reply = malloc(NODE_CLIENT_EVIDENCE_REPLY_HEAD + chunk);
    if (reply != NULL) {
        uint32_t total = code == NODE_CLIENT_EVIDENCE_FOUND ? (uint32_t)len : 0;
        reply[0] = code;
        reply[1] = (uint8_t)(total >> 24);
        reply[2] = (uint8_t)(total >> 16);
        reply[3] = (uint8_t)(total >> 8);
        reply[4] = (uint8_t)total;
        if (chunk > 0) {
            memcpy(reply + NODE_CLIENT_EVIDENCE_REPLY_HEAD, packed + q.offset, chunk);
        }
        if (transport_publish(d->t, msg->reply, reply, NODE_CLIENT_EVIDENCE_REPLY_HEAD + chunk) ==
            MPC_OK) {
            atomic_fetch_add(&ev_served, 1);
        }
    }
    free(reply);
    mpc_secure_free(packed);
}

int
node_evidence_serve(struct node_daemon *d, const transport_msg *msg)
{
    if (!node_client_evidence_is_query(msg->data, msg->len)) {
        return 0;
    }
    if (transport_subject_is_inbox(msg->reply) && d->store != NULL) {
        evidence_answer(d, msg);
    }
    return 1;
}

void
node_evidence_stats(struct node_evidence_stats *out)
{
    out->stored = atomic_load(&ev_stored);
    out->evicted = atomic_load(&ev_evicted);
    out->refused = atomic_load(&ev_refused);
    out->bytes = atomic_load(&ev_bytes);
    out->served = atomic_load(&ev_served);
}

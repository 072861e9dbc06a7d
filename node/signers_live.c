/*
 * signers_live.c — the daemon's side of the live signer choice and of the
 * attempt binding (node/signers.h, node/retry.h, docs/DESIGN.md §4.4): what
 * this node knows of its peers (heartbeat time and incarnation), and the sid
 * of one attempt.
 *
 * DESIGN: peer_seen_ms and peer_inc are written by the heartbeat handler
 * (housekeeping.c) and read here with atomic loads; no lock is held. Called
 * on the intake thread (first attempt) or the retry thread (later ones).
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "node/daemon_internal.h"
#include "node/signers.h"

#define NODE_SIGNERS_WAIT_STEP_MS 100u
#define NODE_RETRY_WINDOW_SIGNS   3u /* a sign retries for this many sign deadlines at most */

/* Returns: the peer index of id, or SIZE_MAX. */
static size_t
peer_index(struct node_daemon *d, const char *id)
{
    for (size_t i = 0; i < node_config_peers_count(d->peers); i++) {
        if (strcmp(node_config_peers_at(d->peers, i)->id, id) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* Returns: 1 if some holder other than this node was never heard from. */
static int
someone_unheard(struct node_daemon *d, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t p = peer_index(d, ids[i]);
        if (strcmp(ids[i], d->cfg->node_id) != 0 && p != SIZE_MAX &&
            __atomic_load_n(&d->peer_seen_ms[p], __ATOMIC_RELAXED) == 0) {
            return 1;
        }
    }
    return 0;
}

void
node_signers_view(struct node_daemon *d, const char *const *ids, size_t n, int *live, uint64_t *inc)
{
    /* Right after a start nothing was heard yet: wait (bounded) for one
     * heartbeat of every holder, so the first choices match the peers'. */
    for (unsigned k = 0; k < NODE_SIGNERS_WARMUP_MS / NODE_SIGNERS_WAIT_STEP_MS &&
                         mpc_clock_mono_ms() - d->started_ms < NODE_SIGNERS_WARMUP_MS &&
                         someone_unheard(d, ids, n) && !__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE);
         k++) {
        struct timespec until =
            mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(NODE_SIGNERS_WAIT_STEP_MS));
        pthread_mutex_lock(&d->mu);
        (void)pthread_cond_timedwait(&d->cv, &d->mu, &until);
        pthread_mutex_unlock(&d->mu);
    }
    uint64_t now = mpc_clock_mono_ms();
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ids[i], d->cfg->node_id) == 0) {
            live[i] = 1;
            inc[i] = session_manager_incarnation(d->mgr);
            continue;
        }
        size_t p = peer_index(d, ids[i]);
        uint64_t seen = p == SIZE_MAX ? 0 : __atomic_load_n(&d->peer_seen_ms[p], __ATOMIC_RELAXED);
        live[i] = seen != 0 && now - seen <= NODE_SIGNERS_LIVE_MS;
        inc[i] = p == SIZE_MAX ? 0 : __atomic_load_n(&d->peer_inc[p], __ATOMIC_RELAXED);
    }
}

/* Sets the retry deadline of a sign's first attempt: NODE_RETRY_WINDOW_SIGNS
 * sign deadlines from the job's start, and never past the request's expiry. */
static void
set_retry_deadline(struct node_daemon *d, const struct node_job *job, struct node_subjob *sj)
{
    uint64_t end = job->started_ms + (uint64_t)NODE_RETRY_WINDOW_SIGNS * d->cfg->timeouts.sign_ms;
    uint64_t expires = job->req->expires_at_ms;
    if (expires != 0) {
        uint64_t wall = mpc_clock_wall_ms();
        uint64_t left = expires > wall ? expires - wall : 0;
        uint64_t now = mpc_clock_mono_ms();
        end = now + left < end ? now + left : end;
    }
    sj->retry_deadline_ms = end;
}

mpc_status
node_sign_bind_attempt(struct node_daemon *d, const struct node_job *job, struct node_subjob *sj)
{
    int live[NODE_STORE_KEYINFO_MAX_PARTIES];
    uint64_t inc[NODE_STORE_KEYINFO_MAX_PARTIES];
    if (sj->attempts == 0 && sj->retry_deadline_ms == 0) {
        set_retry_deadline(d, job, sj);
    }
    node_signers_view(d, sj->party_ptrs, sj->n_parties, live, inc);
    return node_client_sid_bind_attempt(sj->sid, sj->party_ptrs, inc, sj->n_parties,
                                        sj->attempts == 0 ? 0 : sj->retry_slot);
}

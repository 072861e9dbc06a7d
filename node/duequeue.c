/*
 * duequeue.c — the due-time queue of request ids of the resolver and the
 * republisher (node/duequeue.h).
 */
#include "node/duequeue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

mpc_status
node_duequeue_init(struct node_duequeue *q, size_t max,
                   void (*scan)(struct node_duequeue *q, void *arg), void *scan_arg)
{
    memset(q, 0, sizeof *q);
    q->max = max;
    q->scan = scan;
    q->scan_arg = scan_arg;
    return mpc_clock_sync_init(&q->mu, &q->cv) == MPC_OK ? MPC_OK : MPC_ERR_INTERNAL;
}

void
node_duequeue_destroy(struct node_duequeue *q)
{
    while (q->items != NULL) {
        struct node_duequeue_item *it = q->items;
        q->items = it->next;
        free(it);
    }
    q->n_items = 0;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
}

void
node_duequeue_add_locked(struct node_duequeue *q, const char *rid, uint64_t due_ms, uint32_t tries)
{
    for (struct node_duequeue_item *it = q->items; it != NULL; it = it->next) {
        if (strcmp(it->rid, rid) == 0) {
            return;
        }
    }
    struct node_duequeue_item *it = q->n_items < q->max ? calloc(1, sizeof *it) : NULL;
    if (it == NULL) {
        q->rescan = 1; /* its marker stays in the store */
        return;
    }
    snprintf(it->rid, sizeof it->rid, "%s", rid);
    it->due_ms = due_ms;
    it->tries = tries;
    it->next = q->items;
    q->items = it;
    q->n_items++;
    pthread_cond_broadcast(&q->cv);
}

void
node_duequeue_add(struct node_duequeue *q, const char *rid, uint64_t due_ms, uint32_t tries)
{
    pthread_mutex_lock(&q->mu);
    node_duequeue_add_locked(q, rid, due_ms, tries);
    pthread_mutex_unlock(&q->mu);
}

void
node_duequeue_kick(struct node_duequeue *q, const char *rid)
{
    pthread_mutex_lock(&q->mu);
    uint64_t now = mpc_clock_mono_ms();
    for (struct node_duequeue_item *it = q->items; it != NULL; it = it->next) {
        if (strcmp(it->rid, rid) == 0 && it->due_ms > now) {
            it->due_ms = now;
            pthread_cond_broadcast(&q->cv);
            break;
        }
    }
    pthread_mutex_unlock(&q->mu);
}

size_t
node_duequeue_count(struct node_duequeue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->n_items;
    pthread_mutex_unlock(&q->mu);
    return n;
}

struct node_duequeue_item *
node_duequeue_take(struct node_duequeue *q)
{
    pthread_mutex_lock(&q->mu);
    for (;;) {
        if (q->stop) {
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        struct node_duequeue_item **best = NULL;
        for (struct node_duequeue_item **pp = &q->items; *pp != NULL; pp = &(*pp)->next) {
            best = best == NULL || (*pp)->due_ms < (*best)->due_ms ? pp : best;
        }
        uint64_t now = mpc_clock_mono_ms();
        if (best != NULL && (*best)->due_ms <= now) {
            struct node_duequeue_item *it = *best;
            *best = it->next;
            it->next = NULL;
            q->n_items--;
            pthread_mutex_unlock(&q->mu);
            return it;
        }
        if (best == NULL && q->rescan && q->scan != NULL) {
            pthread_mutex_unlock(&q->mu);
            q->scan(q, q->scan_arg);
            pthread_mutex_lock(&q->mu);
            continue;
        }
        uint64_t wait = best != NULL ? (*best)->due_ms - now : 1000u;
        struct timespec until = mpc_clock_ns_to_timespec(mpc_clock_deadline_ns(wait));
        (void)pthread_cond_timedwait(&q->cv, &q->mu, &until);
    }
}

void
node_duequeue_again(struct node_duequeue *q, struct node_duequeue_item *it, uint64_t delay_ms)
{
    pthread_mutex_lock(&q->mu);
    it->tries++;
    it->due_ms = mpc_clock_mono_ms() + delay_ms;
    it->next = q->items;
    q->items = it;
    q->n_items++;
    pthread_mutex_unlock(&q->mu);
}

void
node_duequeue_stop(struct node_duequeue *q)
{
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static void *
duequeue_main(void *arg)
{
    struct node_duequeue *q = arg;
    struct node_duequeue_item *it;
    while ((it = node_duequeue_take(q)) != NULL) {
        uint64_t delay_ms = q->work(q->scan_arg, it);
        if (delay_ms == 0) {
            free(it);
        } else {
            node_duequeue_again(q, it, delay_ms);
        }
    }
    return NULL;
}

mpc_status
node_duequeue_start(struct node_duequeue *q, size_t max,
                    void (*scan)(struct node_duequeue *q, void *arg), node_duequeue_work_fn work,
                    void *arg)
{
    if (node_duequeue_init(q, max, scan, arg) != MPC_OK) {
        return MPC_ERR_INTERNAL;
    }
    q->work = work;
    scan(q, arg);
    if (pthread_create(&q->thread, NULL, duequeue_main, q) != 0) {
        node_duequeue_destroy(q);
        return MPC_ERR_INTERNAL;
    }
    return MPC_OK;
}

void
node_duequeue_join(struct node_duequeue *q)
{
    node_duequeue_stop(q);
    pthread_join(q->thread, NULL);
}

void
node_duequeue_end(struct node_duequeue *q)
{
    node_duequeue_join(q);
    node_duequeue_destroy(q);
}

uint64_t
node_duequeue_backoff_ms(uint32_t tries, uint64_t min_ms, uint64_t max_ms)
{
    uint64_t ms = min_ms << (tries < 8 ? tries : 8);
    return ms < max_ms ? ms : max_ms;
}

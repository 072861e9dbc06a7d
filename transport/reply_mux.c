/*
 * reply_mux.c — inbox prefix, synchronous request waiters, routing.
 *
 * DESIGN: see the header. Waiters are stack objects linked into m->waiters;
 * a waiter is unlinked by its own request call before it returns, always
 * under m->mu, so deliver never touches a dead waiter.
 */
#include "transport/reply_mux.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/secmem.h"
#include "transport/subject.h"

struct mux_waiter {
    uint64_t id;             /* request id, in the reply subject */
    uint8_t *buf;            /* caller's reply buffer */
    size_t cap;              /* its capacity */
    size_t len;              /* reply length once done */
    mpc_status st;           /* outcome once done */
    int done;                /* 1 once a reply arrived */
    struct mux_waiter *next; /* list link */
};

struct transport_reply_mux {
    pthread_mutex_t mu;                 /* guards waiters, next_id, ds */
    pthread_cond_t cv;                  /* a waiter was completed */
    char prefix[TRANSPORT_SUBJECT_MAX]; /* "_INBOX.<user>.<32 hex>" */
    struct mux_waiter *waiters;         /* pending synchronous requests */
    uint64_t next_id;                   /* next request id */
    transport_direct_sender *ds;        /* receives ".d." replies; may be NULL */
};

mpc_status
transport_reply_mux_create(const char *user, transport_reply_mux **out)
{
    uint8_t rnd[16];
    char hex[33];
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    transport_reply_mux *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return MPC_ERR_NOMEM;
    }
    if (mpc_random_bytes(rnd, sizeof rnd) != MPC_OK) {
        free(m);
        return MPC_ERR_RANDOM;
    }
    if (mpc_hex_encode(hex, sizeof hex, rnd, sizeof rnd) != MPC_OK) {
        free(m);
        return MPC_ERR_INTERNAL;
    }
    if (transport_subject_inbox_prefix(m->prefix, sizeof m->prefix, user, hex) != MPC_OK) {
        free(m);
        return MPC_ERR_INVALID_ARG;
    }
    m->next_id = 1;
    if (mpc_clock_sync_init(&m->mu, &m->cv) != MPC_OK) {
        free(m);
        return MPC_ERR_INTERNAL;
    }
    *out = m;
    return MPC_OK;
}

void
transport_reply_mux_destroy(transport_reply_mux *m)
{
    if (m == NULL) {
        return;
    }
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}

const char *
transport_reply_mux_prefix(const transport_reply_mux *m)
{
    return m->prefix;
}

void
transport_reply_mux_set_sender(transport_reply_mux *m, transport_direct_sender *ds)
{
    pthread_mutex_lock(&m->mu);
    m->ds = ds;
    pthread_mutex_unlock(&m->mu);
}

static void
mux_unlink(transport_reply_mux *m, struct mux_waiter *w)
{
    for (struct mux_waiter **pp = &m->waiters; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            return;
        }
    }
}

mpc_status
transport_reply_mux_request(transport_reply_mux *m, transport_publish_request_fn pub, void *impl,
                            const char *subject, const uint8_t *data, size_t len,
                            uint64_t timeout_ms, uint8_t *reply, size_t reply_cap,
                            size_t *reply_len)
{
    char rsub[TRANSPORT_SUBJECT_MAX];
    if (reply_len != NULL) {
        *reply_len = 0;
    }
    if (m == NULL || pub == NULL || subject == NULL || (data == NULL && len > 0) ||
        reply_len == NULL || (reply == NULL && reply_cap > 0)) {
        return MPC_ERR_INVALID_ARG;
    }
    struct mux_waiter w = {.buf = reply, .cap = reply_cap, .st = MPC_ERR_TIMEOUT};
    pthread_mutex_lock(&m->mu);
    w.id = m->next_id++;
    w.next = m->waiters;
    /* on this stack frame until mux_unlink below, under the same lock */
    // cppcheck-suppress autoVariables
    m->waiters = &w;
    pthread_mutex_unlock(&m->mu);
    mpc_status st = transport_subject_inbox_reply(rsub, sizeof rsub, m->prefix, 'r', &w.id, 1);
    if (st == MPC_OK) {
        st = pub(impl, subject, rsub, data, len);
    }
    uint64_t deadline = mpc_clock_deadline_ns(timeout_ms);
    pthread_mutex_lock(&m->mu);
    if (st == MPC_OK) {
        struct timespec ts = mpc_clock_ns_to_timespec(deadline);
        while (!w.done && mpc_clock_mono_ns() < deadline) {
            pthread_cond_timedwait(&m->cv, &m->mu, &ts);
        }
        st = w.st;
        *reply_len = w.done && st == MPC_OK ? w.len : 0;
    }
    mux_unlink(m, &w);
    pthread_mutex_unlock(&m->mu);
    return st;
}

void
transport_reply_mux_deliver(transport_reply_mux *m, const char *subject, const uint8_t *data,
                            size_t len, int no_responders)
{
    uint64_t id = 0;
    if (m == NULL || subject == NULL) {
        return;
    }
    pthread_mutex_lock(&m->mu);
    transport_direct_sender *ds = m->ds;
    if (transport_subject_inbox_parse(subject, m->prefix, 'r', &id, 1)) {
        for (struct mux_waiter *w = m->waiters; w != NULL; w = w->next) {
            if (w->id != id || w->done) {
                continue;
            }
            w->done = 1;
            if (no_responders) {
                w->st = MPC_ERR_NO_RESPONDERS;
            } else if (len > w->cap) {
                w->st = MPC_ERR_BUFFER_TOO_SMALL;
            } else {
                if (len > 0) {
                    memcpy(w->buf, data, len);
                }
                w->len = len;
                w->st = MPC_OK;
            }
            pthread_cond_broadcast(&m->cv);
            break;
        }
        ds = NULL;
    }
    pthread_mutex_unlock(&m->mu);
    if (ds != NULL) {
        (void)transport_direct_sender_route(ds, subject, data, len, no_responders);
    }
}

/*
 * nats_graves.h — internal to the NATS transport and the JetStream client:
 * unsubscribed natsSubscriptions that may not be destroyed yet.
 *
 * nats.c 3.4.1's reader thread looks a subscription up and then uses it
 * without holding a reference (natsConn_processMsg). Destroying a
 * subscription right after unsubscribing it can therefore free it under the
 * reader (a use-after-free seen under valgrind). A subscription is parked
 * here instead, and destroyed only once the reader is provably past it: a
 * round trip to the server that began after the unsubscribe completed, or
 * natsConnection_Close (which joins the reader thread).
 *
 * THREAD SAFETY: every function on one transport_graves may be called from
 * any thread (an internal mutex guards the list); transport_graves_bury and
 * transport_graves_fini only when the caller knows the reader is past the
 * buried subscriptions.
 */
#ifndef MPC_TRANSPORT_NATS_GRAVES_H
#define MPC_TRANSPORT_NATS_GRAVES_H

#include <pthread.h>
#include <stddef.h>

#include <nats/nats.h>

#include "common/status.h"

/* One parked subscription. Allocated up front, so parking cannot fail. */
typedef struct transport_grave {
    natsSubscription *ns;         /* owned; NULL if there is nothing to destroy */
    struct transport_grave *next; /* list link */
} transport_grave;

/* The parked subscriptions of one connection. */
typedef struct {
    pthread_mutex_t mu;    /* guards list and count */
    transport_grave *list; /* parked, newest first */
    size_t count;          /* entries on list */
} transport_graves;

/* Returns: MPC_OK, or MPC_ERR_NOMEM if the mutex cannot be created. */
mpc_status transport_graves_init(transport_graves *g);

/*
 * Destroys every parked subscription and the mutex. Call after
 * natsConnection_Close returned (the reader thread is joined).
 */
void transport_graves_fini(transport_graves *g);

/* Returns: a new empty grave (caller owns it; give it to park or free()), NULL on NOMEM. */
transport_grave *transport_grave_new(void);

/*
 * Parks ns. Takes ownership of grave (from transport_grave_new) and of ns;
 * ns must already be unsubscribed (or closed by the library). ns may be NULL.
 */
void transport_graves_park(transport_graves *g, transport_grave *grave, natsSubscription *ns);

/*
 * Unsubscribes ns and parks it (transport_graves_park). The durable or
 * ephemeral JetStream consumer behind ns is handled by nats.c as for
 * natsSubscription_Unsubscribe.
 */
void transport_graves_unsubscribe(transport_graves *g, transport_grave *grave,
                                  natsSubscription *ns);

/* Returns: every parked subscription (caller owns the list); g is left empty. */
transport_grave *transport_graves_take(transport_graves *g);

/* Puts list (from transport_graves_take) back on g; takes ownership. list may be NULL. */
void transport_graves_return(transport_graves *g, transport_grave *list);

/* Destroys the subscriptions of list (the reader is past them) and frees it. */
void transport_graves_bury(transport_grave *list);

/* Returns: the number of parked subscriptions (for tests and stats). */
size_t transport_graves_count(transport_graves *g);

#endif /* MPC_TRANSPORT_NATS_GRAVES_H */

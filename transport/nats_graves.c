/*
 * nats_graves.c — parked natsSubscriptions (transport/nats_graves.h).
 *
 * DESIGN: the list is guarded by its own mutex, which is never held while
 * calling into nats.c, so any caller lock may be held around park/take/
 * return (nats_transport.c parks from its on-complete callback under its
 * own mutex).
 */
#include "transport/nats_graves.h"

#include <stdlib.h>

mpc_status
transport_graves_init(transport_graves *g)
{
    g->list = NULL;
    g->count = 0;
    return pthread_mutex_init(&g->mu, NULL) == 0 ? MPC_OK : MPC_ERR_NOMEM;
}

void
transport_graves_fini(transport_graves *g)
{
    transport_graves_bury(transport_graves_take(g));
    pthread_mutex_destroy(&g->mu);
}

transport_grave *
transport_grave_new(void)
{
    return calloc(1, sizeof(transport_grave));
}

void
transport_graves_park(transport_graves *g, transport_grave *grave, natsSubscription *ns)
{
    grave->ns = ns;
    pthread_mutex_lock(&g->mu);
    grave->next = g->list;
    g->list = grave;
    g->count++;
    pthread_mutex_unlock(&g->mu);
}

void
transport_graves_unsubscribe(transport_graves *g, transport_grave *grave, natsSubscription *ns)
{
    if (ns != NULL) {
        /* Out of the connection's table when this returns; the reader may still hold it. */
        (void)natsSubscription_Unsubscribe(ns);
    }
    transport_graves_park(g, grave, ns);
}

transport_grave *
transport_graves_take(transport_graves *g)
{
    pthread_mutex_lock(&g->mu);
    transport_grave *list = g->list;
    g->list = NULL;
    g->count = 0;
    pthread_mutex_unlock(&g->mu);
    return list;
}

void
transport_graves_return(transport_graves *g, transport_grave *list)
{
    if (list == NULL) {
        return;
    }
    size_t n = 1;
    transport_grave *tail = list;
    for (; tail->next != NULL; tail = tail->next) {
        n++;
    }
    pthread_mutex_lock(&g->mu);
    tail->next = g->list;
    g->list = list;
    g->count += n;
    pthread_mutex_unlock(&g->mu);
}

void
transport_graves_bury(transport_grave *list)
{
    while (list != NULL) {
        transport_grave *next = list->next;
        natsSubscription_Destroy(list->ns); /* accepts NULL */
        free(list);
        list = next;
    }
}

size_t
transport_graves_count(transport_graves *g)
{
    pthread_mutex_lock(&g->mu);
    size_t n = g->count;
    pthread_mutex_unlock(&g->mu);
    return n;
}

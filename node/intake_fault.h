/*
 * intake_fault.h — test builds only (MPC_FAULT_INJECTION): the intake
 * "loses" the first copy of chosen requests, as JetStream once did across a
 * nats-server partition (a request PubAck'ed to the client, then never
 * delivered to any node's consumer; docs/DESIGN.md §4, "Client
 * resubmission").
 *
 *   MPC_NODE_TEST_LOSE_FIRST=<request id>[,<request id>...]   (at most 32)
 *
 * The first authenticated message carrying each named request id is acked
 * and dropped unread (log `fault_request_lost`); later messages carrying it
 * (a client's resubmission, a redelivery) are handled as usual. Set on every
 * node, the request is gone for the whole cluster: only the client publishing
 * it again gets it run. In release builds node_intake_fault_lose_first is an
 * inline function returning 0.
 *
 * THREAD SAFETY: the intake thread only (the setting is read once).
 */
#ifndef MPC_NODE_INTAKE_FAULT_H
#define MPC_NODE_INTAKE_FAULT_H

#ifdef MPC_FAULT_INJECTION
/* Returns: 1 if this message of request_id is to be lost (the first one of a named id), else 0. */
int node_intake_fault_lose_first(const char *request_id);
#else
static inline int
node_intake_fault_lose_first(const char *request_id)
{
    (void)request_id;
    return 0;
}
#endif

#endif /* MPC_NODE_INTAKE_FAULT_H */

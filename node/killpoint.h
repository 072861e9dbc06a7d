/*
 * killpoint.h — test builds only (MPC_FAULT_INJECTION): the node kills
 * itself with SIGKILL at a chosen commit point of a keygen or reshare, so
 * that crash tests land their kill exactly before or after a durable write.
 *
 *   MPC_NODE_TEST_KILL_AT=<point>[@<request id>]
 *
 * kills the process the first time <point> is reached (for that request
 * only, when one is named). Points, in the order a finished keygen/reshare
 * passes them (node/outcome.c):
 *   before_commit   the session succeeded, nothing is stored yet;
 *   after_share     share + keyinfo + request-log entry committed (one
 *                   transaction, node_store_keys_commit);
 *   after_activate  the new version is ACTIVE: the same commit (activation is
 *                   part of that transaction), kept as its own name;
 *   before_publish  stored, no result published yet;
 *   after_publish   every result published, the request not yet acked.
 * In release builds node_killpoint is an empty inline function.
 *
 * THREAD SAFETY: any thread; the setting is read once (pthread_once).
 */
#ifndef MPC_NODE_KILLPOINT_H
#define MPC_NODE_KILLPOINT_H

enum node_killpoint {
    NODE_KILL_BEFORE_COMMIT = 1, /* session done, nothing stored */
    NODE_KILL_AFTER_SHARE,       /* share, keyinfo and request log committed */
    NODE_KILL_AFTER_ACTIVATE,    /* the new version is ACTIVE (same commit) */
    NODE_KILL_BEFORE_PUBLISH,    /* committed, nothing published */
    NODE_KILL_AFTER_PUBLISH,     /* published, not acked */
};

#ifdef MPC_FAULT_INJECTION
/*
 * Returns: the point named by name ("after_share", ...), 0 if unknown.
 */
int node_killpoint_parse(const char *name);

/* Raises SIGKILL on the process when MPC_NODE_TEST_KILL_AT names point (and
 * request_id, if it names one). Returns otherwise. */
void node_killpoint(enum node_killpoint point, const char *request_id);
#else
static inline void
node_killpoint(enum node_killpoint point, const char *request_id)
{
    (void)point;
    (void)request_id;
}
#endif

#endif /* MPC_NODE_KILLPOINT_H */

/*
 * killpoint.h — test builds only (MPC_FAULT_INJECTION): the node kills
 * itself with SIGKILL at a chosen commit point of a keygen or reshare, so
 * that crash tests land their kill exactly before or after a durable write.
 *
 *   MPC_NODE_TEST_KILL_AT=<point>[@<request id>][,<point>[@<request id>]...]
 *
 * kills the process the first time one of the named points is reached (for
 * that request only, when one is named); at most 32 entries. Points, in the
 * order a finished keygen/reshare passes them (node/outcome.c,
 * node/keyconfirm_serve.c, node/resolver.c):
 *   before_commit   the session succeeded, nothing is stored yet;
 *   after_share     share + keyinfo (version PENDING) + request-log entry
 *                   "pending" committed (one transaction,
 *                   node_store_keys_commit_pending);
 *   after_confirm   this node sent a peer its signed confirmation (PENDING,
 *                   or ACTIVE if it resolved first);
 *   after_activate  the resolver activated the version and logged the final
 *                   results (one transaction, node_store_keys_resolve);
 *   before_publish  final results stored, none published yet (a sign: the
 *                   request log written);
 *   after_publish   every result published (a sign: not yet acked).
 *   group_partial   a group commit of two or more signs' request-log
 *                   entries committed (node/outcome.c finish_batch), the
 *                   first sign's results published, the others' not (the
 *                   request id named is the group's first).
 * Online signing with a pooled presignature (node/presig.c, spec §6.7.4):
 *   presig_after_read    the record is read and the online input made from it,
 *                        still in the store, no session yet;
 *   presig_before_take   the record is still in the store (the node's sign
 *                        path: its session is started, held at the barrier);
 *   presig_after_take    the record is durably deleted and held in memory;
 *   presig_after_online  the online message is made, nothing has left the node
 *                        (the node's sign path: the session was just released
 *                        and may be sending it).
 * In release builds node_killpoint is an empty inline function.
 *
 * THREAD SAFETY: any thread; the setting is read once (pthread_once).
 */
#ifndef MPC_NODE_KILLPOINT_H
#define MPC_NODE_KILLPOINT_H

enum node_killpoint {
    NODE_KILL_BEFORE_COMMIT = 1,   /* session done, nothing stored */
    NODE_KILL_AFTER_SHARE,         /* share, keyinfo and request log committed (PENDING) */
    NODE_KILL_AFTER_CONFIRM,       /* own confirmation sent to a peer */
    NODE_KILL_AFTER_ACTIVATE,      /* the new version is ACTIVE, final results logged */
    NODE_KILL_BEFORE_PUBLISH,      /* committed, nothing published */
    NODE_KILL_AFTER_PUBLISH,       /* published, not acked */
    NODE_KILL_GROUP_PARTIAL,       /* a sign group committed, only its first job published */
    NODE_KILL_PRESIG_BEFORE_TAKE,  /* online signing: the presignature still in the store */
    NODE_KILL_PRESIG_AFTER_TAKE,   /* online signing: presignature durably deleted, in memory */
    NODE_KILL_PRESIG_AFTER_ONLINE, /* online signing: online message made, not sent */
    NODE_KILL_PRESIG_AFTER_READ,   /* online signing: record read, still in the store */
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

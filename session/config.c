/*
 * config.c — the session manager's configuration: its defaults and the check
 * that session_manager_create makes before it allocates anything, and the
 * rule for a node id (one NATS subject token).
 */
#include <string.h>

#include "session/internal.h"
#include "transport/peer_table.h"

void
session_config_default(session_config *c)
{
    if (c == NULL) {
        return;
    }
    memset(c, 0, sizeof *c);
    c->workers = 4;
    c->max_sessions = 64;
    c->mailbox_cap = 256;
    c->park_max = 1024;
    c->barrier_timeout_ms = 10000;
    c->keygen_deadline_ms = 120000;
    c->sign_deadline_ms = 30000;
    c->reshare_deadline_ms = 120000;
    c->idle_timeout_ms = 30000;
    c->janitor_tick_ms = 50;
    c->tombstone_max = 4096;
    c->tombstone_ttl_ms = 120000;
    c->gone_grace_ms = 1000;
    c->abort_grace_ms = 200;
    c->gone_responder = 1;
}

/* A node id must be one subject token: 1..64 of [A-Za-z0-9_-]. */
int
session_valid_id(const char *id)
{
    size_t n = id == NULL ? 0 : strlen(id);
    if (n == 0 || n > SESSION_NODE_ID_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

mpc_status
session_config_check(const session_config *c)
{
    if (!session_valid_id(c->self_id) || c->peers == NULL ||
        strcmp(transport_identity_node_id(transport_peer_table_self(c->peers)), c->self_id) != 0 ||
        c->workers == 0 || c->workers > 256 || c->max_sessions == 0 || c->mailbox_cap == 0 ||
        c->park_max == 0 || c->barrier_timeout_ms == 0 || c->keygen_deadline_ms == 0 ||
        c->sign_deadline_ms == 0 || c->reshare_deadline_ms == 0 || c->janitor_tick_ms == 0) {
        return MPC_ERR_CONFIG;
    }
    return MPC_OK;
}

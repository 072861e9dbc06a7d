/*
 * nats_options.c — nats.c status translation, configuration defaults and
 * auth/TLS options of the NATS transport.
 */
#include "transport/nats_options.h"

#include "transport/nkey.h"
#include "transport/subject.h"

#include <stdlib.h>
#include <string.h>

mpc_status
transport_nats_status(natsStatus s)
{
    switch (s) {
    case NATS_OK:
        return MPC_OK;
    case NATS_TIMEOUT:
        return MPC_ERR_TIMEOUT;
    case NATS_NO_RESPONDERS:
        return MPC_ERR_NO_RESPONDERS;
    case NATS_CONNECTION_CLOSED:
        return MPC_ERR_CLOSED;
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_INSUFFICIENT_BUFFER:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_NOT_YET_CONNECTED:
    case NATS_IO_ERROR:
        return MPC_ERR_NOT_CONNECTED;
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
        return MPC_ERR_PERMISSION;
    case NATS_NO_MEMORY:
        return MPC_ERR_NOMEM;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_MAX_PAYLOAD:
        return MPC_ERR_INVALID_ARG;
    default:
        return MPC_ERR_NATS;
    }
}

void
transport_nats_config_default(transport_nats_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->delivery_pool_size = 2;
    cfg->ping_interval_ms = 2000;
    cfg->max_pings_out = 3;
    cfg->reconnect_wait_ms = 250;
    cfg->reconnect_jitter_ms = 100;
    cfg->reconnect_buf_bytes = 8u << 20;
    cfg->connect_timeout_ms = 2000;
    cfg->flush_timeout_ms = 2000;
}

int
transport_nats_config_check(const transport_nats_config *cfg)
{
    return cfg != NULL && cfg->servers != NULL && cfg->servers[0] != '\0' &&
           (cfg->user == NULL || cfg->password != NULL);
}

natsStatus
transport_nats_options_auth(natsOptions *o, const transport_nats_config *cfg)
{
    natsStatus s = NATS_OK;
    if (cfg->user != NULL) {
        s = natsOptions_SetUserInfo(o, cfg->user, cfg->password);
    }
    if (s == NATS_OK && cfg->nkey_seed_file != NULL) {
        /* The public nkey is a function of the seed: derive it unless given. */
        char derived[TRANSPORT_NKEY_PUBLIC_STR_LEN + 1];
        const char *pub = cfg->nkey_public;
        if (pub == NULL) {
            if (transport_nkey_public_from_seed_file(derived, sizeof derived,
                                                     cfg->nkey_seed_file) != MPC_OK) {
                return NATS_INVALID_ARG;
            }
            pub = derived;
        }
        s = natsOptions_SetNKeyFromSeed(o, pub, cfg->nkey_seed_file);
    }
    if (s == NATS_OK && cfg->creds_file != NULL) {
        s = natsOptions_SetUserCredentialsFromFiles(o, cfg->creds_file, NULL);
    }
    int tls = cfg->tls || cfg->tls_ca_file || cfg->tls_cert_file || cfg->tls_key_file;
    if (s == NATS_OK && tls) {
        s = natsOptions_SetSecure(o, true);
    }
    if (s == NATS_OK && cfg->tls_ca_file != NULL) {
        s = natsOptions_LoadCATrustedCertificates(o, cfg->tls_ca_file);
    }
    if (s == NATS_OK && (cfg->tls_cert_file != NULL || cfg->tls_key_file != NULL)) {
        s = natsOptions_LoadCertificatesChain(o, cfg->tls_cert_file, cfg->tls_key_file);
    }
    return s;
}

/* Up to this many servers in one comma-separated list (node configs allow 16). */
#define NT_MAX_SERVERS 16

/*
 * Gives every URL of a comma-separated list to the options. natsOptions_SetURL
 * takes one URL only (a list there is parsed as one broken URL and the connect
 * fails without trying any server), so the list is split here and handed to
 * natsOptions_SetServers. Blanks around entries are ignored; empty entries are
 * refused.
 */
static natsStatus
nt_set_servers(natsOptions *o, const char *list)
{
    char *copy = strdup(list);
    if (copy == NULL) {
        return NATS_NO_MEMORY;
    }
    const char *urls[NT_MAX_SERVERS];
    int n = 0;
    natsStatus s = NATS_OK;
    char *rest = copy;
    for (char *tok = strsep(&rest, ","); tok != NULL; tok = strsep(&rest, ",")) {
        while (*tok == ' ') {
            tok++;
        }
        size_t len = strlen(tok);
        while (len > 0 && tok[len - 1] == ' ') {
            tok[--len] = '\0';
        }
        if (len == 0 || n == NT_MAX_SERVERS) {
            s = NATS_INVALID_ARG;
            break;
        }
        urls[n++] = tok;
    }
    if (s == NATS_OK && n == 0) {
        s = NATS_INVALID_ARG;
    }
    if (s == NATS_OK) {
        s = natsOptions_SetServers(o, urls, n); /* copies the strings */
    }
    free(copy);
    return s;
}

natsStatus
transport_nats_options_create(const transport_nats_config *c, const transport_nats_handlers *h,
                              natsOptions **out)
{
    natsOptions *o = NULL;
    *out = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = nt_set_servers(o, c->servers);
    if (s == NATS_OK && c->name != NULL)
        s = natsOptions_SetName(o, c->name);
    if (s == NATS_OK)
        s = natsOptions_SetSendAsap(o, true);
    if (s == NATS_OK && h->global_delivery)
        s = natsOptions_UseGlobalMessageDelivery(o, true);
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(o, true);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1); /* infinite */
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, c->reconnect_wait_ms);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectJitter(o, c->reconnect_jitter_ms, c->reconnect_jitter_ms);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectBufSize(o, (int)c->reconnect_buf_bytes);
    if (s == NATS_OK)
        s = natsOptions_SetPingInterval(o, c->ping_interval_ms);
    if (s == NATS_OK)
        s = natsOptions_SetMaxPingsOut(o, (int)c->max_pings_out);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, c->connect_timeout_ms);
    if (s == NATS_OK)
        s = natsOptions_SetErrorHandler(o, h->on_error, h->closure);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(o, h->on_disconnected, h->closure);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(o, h->on_reconnected, h->closure);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(o, h->on_closed, h->closure);
    if (s == NATS_OK && c->retry_on_failed_connect)
        s = natsOptions_SetRetryOnFailedConnect(o, true, h->on_connected, h->closure);
    if (s == NATS_OK)
        s = transport_nats_options_auth(o, c);
    if (s == NATS_OK && c->user != NULL) {
        /* each user's replies arrive below its own inbox, the only one it may read */
        char prefix[TRANSPORT_SUBJECT_MAX];
        s = transport_subject_inbox_prefix(prefix, sizeof prefix, c->user, NULL) == MPC_OK
                ? natsOptions_SetCustomInboxPrefix(o, prefix)
                : NATS_INVALID_ARG;
    }
    if (s != NATS_OK) {
        natsOptions_Destroy(o);
        return s;
    }
    *out = o;
    return NATS_OK;
}

static uint32_t
nt_or(uint32_t v, uint32_t def)
{
    return v != 0 ? v : def;
}

void
transport_nats_config_fill(transport_nats_config *c, const transport_nats_config *user)
{
    transport_nats_config d;
    transport_nats_config_default(&d);
    *c = *user;
    c->delivery_pool_size = nt_or(c->delivery_pool_size, d.delivery_pool_size);
    c->ping_interval_ms = nt_or(c->ping_interval_ms, d.ping_interval_ms);
    c->max_pings_out = nt_or(c->max_pings_out, d.max_pings_out);
    c->reconnect_wait_ms = nt_or(c->reconnect_wait_ms, d.reconnect_wait_ms);
    c->reconnect_jitter_ms = nt_or(c->reconnect_jitter_ms, d.reconnect_jitter_ms);
    c->reconnect_buf_bytes = nt_or(c->reconnect_buf_bytes, d.reconnect_buf_bytes);
    c->connect_timeout_ms = nt_or(c->connect_timeout_ms, d.connect_timeout_ms);
    c->flush_timeout_ms = nt_or(c->flush_timeout_ms, d.flush_timeout_ms);
}

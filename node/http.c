/*
 * http.c — /healthz, /readyz, /metrics and /sessions over libmicrohttpd.
 *
 * DESIGN: one internal polling thread owned by libmicrohttpd (GET only).
 * Handlers read the daemon's counters, flags and the session snapshot; they
 * never block on the network. The listen address comes from config
 * http.listen (numeric IPv4/IPv6 or a host name resolved once at start).
 * Probes must stay reachable when clients misbehave: http.max_connections
 * (default well above a burst of half-open connections) and an idle timeout
 * of http.connection_timeout_s seconds bound what a peer that connects and
 * sends nothing can hold. /healthz and /readyz are open; with http.token_file
 * /metrics and /sessions need "Authorization: Bearer <token>", compared in
 * constant time (BLAKE2b of both sides, then sodium_memcmp: neither the
 * content nor the length of the token leaks through timing).
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <sodium.h>

#include "common/log.h"
#include "node/daemon_internal.h"
#include "node/store/passphrase.h"

#define NODE_HTTP_TOKEN_HASH 32u /* BLAKE2b output compared for the bearer token */

/* The HTTP server. */
struct node_http {
    struct MHD_Daemon *mhd;                   /* libmicrohttpd daemon */
    struct node_daemon *d;                    /* borrowed */
    int has_token;                            /* /metrics and /sessions need the token */
    uint8_t token_hash[NODE_HTTP_TOKEN_HASH]; /* BLAKE2b of the token (not the token itself) */
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned code, const char *type, char *body, size_t len, int owned)
{
    struct MHD_Response *r =
        owned ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
              : MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        if (owned) {
            free(body);
        }
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, "Content-Type", type);
    (void)MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* Returns: 1 if the request may read /metrics and /sessions. */
static int
authorized(const struct node_http *h, struct MHD_Connection *c)
{
    static const char prefix[] = "Bearer ";
    if (!h->has_token) {
        return 1;
    }
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (v == NULL || strncmp(v, prefix, sizeof prefix - 1) != 0) {
        return 0;
    }
    v += sizeof prefix - 1;
    uint8_t got[NODE_HTTP_TOKEN_HASH];
    crypto_generichash(got, sizeof got, (const uint8_t *)v, strlen(v), NULL, 0);
    return sodium_memcmp(got, h->token_hash, sizeof got) == 0;
}

static enum MHD_Result
unauthorized(struct MHD_Connection *c)
{
    static const char text[] = "unauthorized\n";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof text - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, "Content-Type", "text/plain");
    (void)MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
serve(const struct node_http *h, struct MHD_Connection *c, const char *url)
{
    struct node_daemon *d = h->d;
    char *body = NULL;
    size_t len = 0;
    if ((strcmp(url, "/metrics") == 0 || strcmp(url, "/sessions") == 0) && !authorized(h, c)) {
        return unauthorized(c);
    }
    if (strcmp(url, "/healthz") == 0) {
        return reply(c, MHD_HTTP_OK, "text/plain", (char *)"ok\n", 3, 0);
    }
    if (strcmp(url, "/readyz") == 0) {
        char why[1024], text[1100];
        int ok = node_daemon_ready(d, why, sizeof why);
        int n = snprintf(text, sizeof text, ok ? "ready\n" : "not ready: %s\n", why);
        return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", text,
                     (size_t)n < sizeof text ? (size_t)n : sizeof text - 1, 0);
    }
    if (strcmp(url, "/metrics") == 0) {
        if (node_metrics_render(d, &body, &len) != MPC_OK) {
            return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", (char *)"error\n", 6, 0);
        }
        return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", body, len, 1);
    }
    if (strcmp(url, "/sessions") == 0) {
        if (session_manager_snapshot(d->mgr, &body) != MPC_OK) {
            return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", (char *)"error\n", 6, 0);
        }
        node_kos_snapshot_add(d, &body);
        node_keystate_snapshot_add(d, &body);
        node_presign_snapshot_add(d, &body);
        return reply(c, MHD_HTTP_OK, "application/json", body, strlen(body), 1);
    }
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", (char *)"not found\n", 10, 0);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct node_http *h = cls;
    (void)version;
    (void)upload;
    if (*con_cls == NULL) { /* first call: headers only */
        *con_cls = h;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0; /* ignore bodies */
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", (char *)"GET only\n", 9, 0);
    }
    return serve(h, c, url);
}

/* Resolves host (brackets allowed for IPv6) and port into *ai (freeaddrinfo). */
static mpc_status
resolve(const char *host, uint16_t port, struct addrinfo **ai)
{
    char h[256], p[8];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        snprintf(h, sizeof h, "%.*s", (int)(n - 2), host + 1);
    } else {
        snprintf(h, sizeof h, "%s", host);
    }
    snprintf(p, sizeof p, "%u", (unsigned)port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    return getaddrinfo(h, p, &hints, ai) == 0 ? MPC_OK : MPC_ERR_CONFIG;
}

/* Reads http.token_file (first line, owner-only like a passphrase file) into h->token_hash. */
static mpc_status
load_token(struct node_http *h, const char *path)
{
    char err[512] = "";
    node_store_passphrase *tok = NULL;
    mpc_status st = node_store_passphrase_from_file(path, &tok, err, sizeof err);
    if (st != MPC_OK) {
        mpc_log(MPC_LOG_ERROR, "node", "http_token_unreadable", "status=%s reason=\"%s\"",
                mpc_status_name(st), err);
        return st;
    }
    crypto_generichash(h->token_hash, sizeof h->token_hash,
                       (const uint8_t *)node_store_passphrase_data(tok),
                       node_store_passphrase_len(tok), NULL, 0);
    node_store_passphrase_destroy(tok);
    h->has_token = 1;
    return MPC_OK;
}

mpc_status
node_http_start(struct node_daemon *d, struct node_http **out)
{
    struct addrinfo *ai = NULL;
    *out = NULL;
    struct node_http *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return MPC_ERR_NOMEM;
    }
    h->d = d;
    mpc_status st =
        d->cfg->http_token_file != NULL ? load_token(h, d->cfg->http_token_file) : MPC_OK;
    if (st == MPC_OK) {
        st = resolve(d->cfg->http_host, d->cfg->http_port, &ai);
    }
    if (st == MPC_OK) {
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
        if (ai->ai_family == AF_INET6) {
            flags |= MHD_USE_IPv6;
        }
        h->mhd = MHD_start_daemon(flags, d->cfg->http_port, NULL, NULL, on_request, h,
                                  MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT,
                                  (unsigned)d->cfg->http_max_conn, MHD_OPTION_CONNECTION_TIMEOUT,
                                  (unsigned)d->cfg->http_timeout_s, MHD_OPTION_END);
        freeaddrinfo(ai);
        st = h->mhd != NULL ? MPC_OK : MPC_ERR_IO;
    }
    if (st != MPC_OK) {
        sodium_memzero(h->token_hash, sizeof h->token_hash);
        mpc_log(MPC_LOG_ERROR, "node", "http_start_failed", "listen=%s:%u status=%s",
                d->cfg->http_host, (unsigned)d->cfg->http_port, mpc_status_name(st));
        free(h);
        return st;
    }
    mpc_log(MPC_LOG_INFO, "node", "http_listening",
            "listen=%s:%u max_connections=%u timeout_s=%u token=%s", d->cfg->http_host,
            (unsigned)d->cfg->http_port, d->cfg->http_max_conn, d->cfg->http_timeout_s,
            h->has_token ? "required" : "none");
    *out = h;
    return MPC_OK;
}

void
node_http_stop(struct node_http *h)
{
    if (h == NULL) {
        return;
    }
    MHD_stop_daemon(h->mhd);
    sodium_memzero(h->token_hash, sizeof h->token_hash);
    free(h);
}

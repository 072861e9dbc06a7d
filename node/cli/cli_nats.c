/*
 * cli_nats.c — mpc-cli's NATS connection: options (--nats, --user,
 * --password-file and their environment defaults), a JetStream client
 * connection (transport/jetstream.h) and a one-shot core request (status).
 * mpc-cli never links nats.c directly: everything goes through transport/.
 */
#include "node/cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/secmem.h"
#include "node/store/passphrase.h"
#include "transport/jetstream.h"
#include "transport/nats_transport.h"

#define DEFAULT_URL "nats://127.0.0.1:4222" /* when neither --nats nor $MPC_NATS_URL */
#define ERR_CAP     512u                    /* diagnostic buffer */

int
cli_nats_opt(struct cli_nats_opts *o, int c, const char *arg)
{
    switch (c) {
    case CLI_OPT_NATS:
        o->url = arg;
        return 1;
    case CLI_OPT_USER:
        o->user = arg;
        return 1;
    case CLI_OPT_PASSWORD_FILE:
        o->password_file = arg;
        return 1;
    default:
        return 0;
    }
}

int
cli_exit_for_nats(mpc_status st)
{
    switch (st) {
    case MPC_OK:
        return CLI_EXIT_OK;
    case MPC_ERR_TIMEOUT:
        return CLI_EXIT_TIMEOUT;
    case MPC_ERR_NOT_CONNECTED:
    case MPC_ERR_PERMISSION:
    case MPC_ERR_NO_RESPONDERS:
    case MPC_ERR_CONFIG:
        return CLI_EXIT_UNAVAILABLE;
    default:
        return CLI_EXIT_FAILED;
    }
}

/* Resolves options and environment into cfg; *pass receives the password (or NULL). */
static mpc_status
nats_config(const struct cli_nats_opts *o, const char *name, transport_nats_config *cfg,
            node_store_passphrase **pass)
{
    char err[ERR_CAP];
    *pass = NULL;
    transport_nats_config_default(cfg);
    cfg->servers = o->url != NULL ? o->url : getenv("MPC_NATS_URL");
    if (cfg->servers == NULL || cfg->servers[0] == '\0') {
        cfg->servers = DEFAULT_URL;
    }
    cfg->name = name;
    cfg->user = o->user != NULL ? o->user : getenv("MPC_NATS_USER");
    /* TLS: a CA bundle to verify the servers (configs/cluster-ha); tls:// URLs need it. */
    cfg->tls_ca_file = getenv("MPC_NATS_CA");
    if (cfg->tls_ca_file != NULL && cfg->tls_ca_file[0] == '\0') {
        cfg->tls_ca_file = NULL;
    }
    cfg->connect_timeout_ms = o->connect_ms != 0 ? (uint32_t)o->connect_ms : 2000;
    cfg->delivery_pool_size = 1;
    mpc_status st = MPC_OK;
    if (o->password_file != NULL) {
        st = node_store_passphrase_from_file(o->password_file, pass, err, sizeof(err));
    } else if (getenv("MPC_NATS_PASSWORD") != NULL) {
        st = node_store_passphrase_from_env("MPC_NATS_PASSWORD", pass, err, sizeof(err));
    }
    if (st != MPC_OK) {
        cli_errf("NATS password: %s", err);
        return st;
    }
    if (*pass != NULL && cfg->user == NULL) {
        cli_errf("a NATS password needs a user (--user or MPC_NATS_USER)");
        node_store_passphrase_destroy(*pass);
        *pass = NULL;
        return MPC_ERR_INVALID_ARG;
    }
    cfg->password = *pass != NULL ? node_store_passphrase_data(*pass) : NULL;
    return MPC_OK;
}

static void
report_connect(const transport_nats_config *cfg, mpc_status st)
{
    if (st == MPC_ERR_PERMISSION) {
        cli_errf("NATS %s refused the connection (user %s): check --user/--password-file",
                 cfg->servers, cfg->user != NULL ? cfg->user : "(none)");
    } else {
        cli_errf("cannot connect to NATS %s: %s", cfg->servers, mpc_status_str(st));
    }
}

mpc_status
cli_nats_connect(const struct cli_nats_opts *o, const char *name, struct transport_js **out)
{
    *out = NULL;
    transport_nats_config cfg;
    node_store_passphrase *pass = NULL;
    mpc_status st = nats_config(o, name, &cfg, &pass);
    if (st != MPC_OK) {
        return st;
    }
    st = transport_js_connect(&cfg, out);
    if (st != MPC_OK) {
        report_connect(&cfg, st);
    }
    node_store_passphrase_destroy(pass);
    return st;
}

mpc_status
cli_nats_request(const struct cli_nats_opts *o, const char *subject, const uint8_t *data,
                 size_t len, uint64_t timeout_ms, uint8_t *reply, size_t reply_cap,
                 size_t *reply_len)
{
    *reply_len = 0;
    transport_nats_config cfg;
    node_store_passphrase *pass = NULL;
    mpc_status st = nats_config(o, "mpc-cli", &cfg, &pass);
    if (st != MPC_OK) {
        return st;
    }
    cfg.sender.threads = 1;
    transport *t = NULL;
    st = transport_nats_create(&cfg, &t);
    node_store_passphrase_destroy(pass);
    if (st != MPC_OK) {
        report_connect(&cfg, st);
        transport_nats_global_shutdown(2000);
        return st;
    }
    st = transport_request(t, subject, data, len, timeout_ms, reply, reply_cap, reply_len);
    transport_destroy(t);
    transport_nats_global_shutdown(2000);
    return st;
}

mpc_status
cli_nats_transport_open(const struct cli_nats_opts *o, const char *name, transport **out)
{
    *out = NULL;
    transport_nats_config cfg;
    node_store_passphrase *pass = NULL;
    mpc_status st = nats_config(o, name, &cfg, &pass);
    if (st != MPC_OK) {
        return st;
    }
    cfg.sender.threads = 1;
    st = transport_nats_create(&cfg, out);
    node_store_passphrase_destroy(pass);
    if (st != MPC_OK) {
        report_connect(&cfg, st);
    }
    return st;
}

void
cli_nats_close(struct transport_js *js)
{
    transport_js_destroy(js);
    (void)transport_nats_global_shutdown(2000);
}

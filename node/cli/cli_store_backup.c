/*
 * cli_store_backup.c — `mpc-cli store backup|restore|rekey` (node/store/
 * backup.h, node/store/rekey.h; procedure in docs/OPERATIONS.md §6).
 *
 *   store backup  -c NODE_CONFIG --out FILE   encrypted snapshot; the node may run
 *   store restore -c NODE_CONFIG --in FILE    checks, then installs; node stopped
 *   store rekey   -c NODE_CONFIG --new-passphrase-file F   node stopped
 *
 * The passphrase comes from the config's source (as the node reads it).
 * Every outcome line names the status (mpc_status_name), so scripts and
 * operators can tell a wrong passphrase from a damaged backup.
 */
#include "node/cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/config/config.h"
#include "node/store/backup.h"
#include "node/store/identity.h"
#include "node/store/passphrase.h"
#include "node/store/rekey.h"

#define ERR_CAP 1024u

static const char store_usage[] =
    "usage: mpc-cli store backup  -c NODE_CONFIG --out FILE [--kdf moderate|min]\n"
    "       mpc-cli store restore -c NODE_CONFIG --in FILE [--backup-passphrase-file F]\n"
    "       mpc-cli store rekey   -c NODE_CONFIG --new-passphrase-file F [--kdf moderate|min]\n"
    "\n"
    "backup   writes an encrypted, integrity-protected, compacted snapshot of the\n"
    "         node's key store (safe while the node runs); key from the store\n"
    "         passphrase (the config's passphrase source) and a fresh salt.\n"
    "restore  checks a backup (format, passphrase, every chunk, the snapshot opens\n"
    "         as this node's store and every record decrypts) and only then installs\n"
    "         it; the replaced store is kept as <store>.before-restore. The node must\n"
    "         be stopped. At its next start it learns the current key versions from\n"
    "         its peers and retires the versions they replaced (rollback protection).\n"
    "rekey    changes the passphrase of the store and the identity file (node\n"
    "         stopped); a crash leaves either the old or the new passphrase working.\n"
    "         Afterwards point the config's passphrase source at the new passphrase.\n"
    "--kdf    Argon2id cost (default moderate; min is for tests only).\n"
    "Exit 0 on success, 1 on failure (the line names the status).\n";

/* Options of the three subcommands. */
struct store_opts {
    const char *config;               /* -c */
    const char *file;                 /* --out / --in */
    const char *new_pass;             /* --new-passphrase-file */
    const char *backup_pass;          /* --backup-passphrase-file */
    struct node_store_kdf_params kdf; /* --kdf */
};

static int
parse(int argc, char **argv, struct store_opts *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"out", required_argument, NULL, 'o'},
        {"in", required_argument, NULL, 'i'},
        {"new-passphrase-file", required_argument, NULL, 'n'},
        {"backup-passphrase-file", required_argument, NULL, 'b'},
        {"kdf", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->kdf = NODE_STORE_KDF_MODERATE;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->config = optarg;
            break;
        case 'o':
        case 'i':
            o->file = optarg;
            break;
        case 'n':
            o->new_pass = optarg;
            break;
        case 'b':
            o->backup_pass = optarg;
            break;
        case 'k':
            if (cli_parse_kdf(optarg, &o->kdf) != 0) {
                return cli_usage_error(store_usage, "unknown --kdf");
            }
            break;
        case 'h':
            fputs(store_usage, stdout);
            return CLI_EXIT_OK + 100;
        default:
            return cli_usage_error(store_usage, NULL);
        }
    }
    if (o->config == NULL) {
        return cli_usage_error(store_usage, "-c NODE_CONFIG is required");
    }
    return -1;
}

/* Loads the passphrase: from file if given (read as every --passphrase-file
 * of mpc-cli is, cli_passphrase_get), else the config's source. */
static int
load_pass(const struct node_config *cfg, const char *file, node_store_passphrase **out)
{
    if (file != NULL) {
        struct cli_pass_opts src = {.file = file};
        return cli_passphrase_get(&src, 0, out) == MPC_OK ? 0 : -1;
    }
    char err[ERR_CAP];
    mpc_status st = node_store_passphrase_load(cfg->identity.passphrase_source,
                                               node_config_passphrase_arg(&cfg->identity), out, err,
                                               sizeof err);
    if (st != MPC_OK) {
        cli_errf("%s", err);
        return -1;
    }
    return 0;
}

static int
report(const char *what, mpc_status st, const char *err)
{
    if (st == MPC_OK) {
        return CLI_EXIT_OK;
    }
    cli_errf("store %s failed: %s (%s, %d)", what, err[0] != '\0' ? err : mpc_status_str(st),
             mpc_status_name(st), (int)st);
    return CLI_EXIT_FAILED;
}

static int
do_backup(const struct node_config *cfg, const struct store_opts *o)
{
    node_store_passphrase *pass = NULL;
    char err[ERR_CAP] = "";
    struct node_store_backup_info bi;
    if (o->file == NULL) {
        return cli_usage_error(store_usage, "--out FILE is required");
    }
    if (load_pass(cfg, NULL, &pass) != 0) {
        return CLI_EXIT_FAILED;
    }
    mpc_status st = node_store_backup_write(cfg->store_path, node_store_passphrase_data(pass),
                                            node_store_passphrase_len(pass), &o->kdf,
                                            cfg->store_map_size, o->file, &bi, err, sizeof err);
    node_store_passphrase_destroy(pass);
    if (st == MPC_OK) {
        printf("backup of %s (node %s) written to %s: snapshot %llu bytes, status=MPC_OK\n",
               cfg->store_path, cfg->node_id, o->file, (unsigned long long)bi.size);
    }
    return report("backup", st, err);
}

static int
do_restore(const struct node_config *cfg, const struct store_opts *o)
{
    node_store_passphrase *pass = NULL;
    char err[ERR_CAP] = "";
    uint8_t pk[32];
    if (o->file == NULL) {
        return cli_usage_error(store_usage, "--in FILE is required");
    }
    if (node_store_identity_peek_public_key(cfg->identity.key_file, pk) != MPC_OK) {
        cli_errf("%s: identity key file unreadable", cfg->identity.key_file);
        return CLI_EXIT_FAILED;
    }
    if (load_pass(cfg, o->backup_pass, &pass) != 0) {
        return CLI_EXIT_FAILED;
    }
    struct node_store_backup_info bi;
    mpc_status st = node_store_backup_restore(o->file, node_store_passphrase_data(pass),
                                              node_store_passphrase_len(pass), cfg->store_path, pk,
                                              cfg->store_map_size, &bi, err, sizeof err);
    node_store_passphrase_destroy(pass);
    if (st == MPC_OK) {
        printf("restored %s from %s (taken at %llu ms, %llu bytes); previous store kept as "
               "%s.before-restore, status=MPC_OK\n",
               cfg->store_path, o->file, (unsigned long long)bi.created_ms,
               (unsigned long long)bi.size, cfg->store_path);
    }
    return report("restore", st, err);
}

static int
do_rekey(const struct node_config *cfg, const struct store_opts *o)
{
    node_store_passphrase *old = NULL, *neu = NULL;
    char err[ERR_CAP] = "";
    size_t n = 0;
    if (o->new_pass == NULL) {
        return cli_usage_error(store_usage, "--new-passphrase-file F is required");
    }
    if (load_pass(cfg, NULL, &old) != 0 || load_pass(cfg, o->new_pass, &neu) != 0) {
        node_store_passphrase_destroy(old);
        return CLI_EXIT_FAILED;
    }
    mpc_status st = node_store_rekey(
        cfg->store_path, cfg->identity.key_file, node_store_passphrase_data(old),
        node_store_passphrase_len(old), node_store_passphrase_data(neu),
        node_store_passphrase_len(neu), &o->kdf, cfg->store_map_size, &n, err, sizeof err);
    node_store_passphrase_destroy(old);
    node_store_passphrase_destroy(neu);
    if (st == MPC_OK) {
        printf("rekeyed %s and %s: %zu records re-sealed, status=MPC_OK\n", cfg->store_path,
               cfg->identity.key_file, n);
    }
    return report("rekey", st, err);
}

int
cli_cmd_store(int argc, char **argv)
{
    if (argc < 2) {
        return cli_usage_error(store_usage, "store backup|restore|rekey");
    }
    const char *sub = argv[1];
    struct store_opts o;
    int rc = parse(argc - 1, argv + 1, &o);
    if (rc >= 0) {
        return rc >= 100 ? CLI_EXIT_OK : rc;
    }
    char err[ERR_CAP];
    struct node_config *cfg = NULL;
    if (node_config_load(o.config, NODE_CONFIG_CHECK_FILES, &cfg, err, sizeof err) != MPC_OK) {
        cli_errf("%s", err);
        return CLI_EXIT_FAILED;
    }
    if (strcmp(sub, "backup") == 0) {
        rc = do_backup(cfg, &o);
    } else if (strcmp(sub, "restore") == 0) {
        rc = do_restore(cfg, &o);
    } else if (strcmp(sub, "rekey") == 0) {
        rc = do_rekey(cfg, &o);
    } else {
        rc = cli_usage_error(store_usage, "unknown store subcommand");
    }
    node_config_free(cfg);
    return rc;
}

/*
 * cli_identity.c — `mpc-cli identity {new,show}` (the node's encrypted Ed25519
 * identity, node/store/identity.h) and `mpc-cli initiator {new,show}` (the client
 * key that signs requests: encrypted like an identity, or with --plain a
 * 0600 text file holding the seed, for automation that keeps it elsewhere).
 */
#include "node/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/secmem.h"
#include "node/store/identity.h"

#define ERR_CAP 512u /* diagnostic buffer */

static const char identity_usage[] =
    "usage: mpc-cli identity new --out FILE [--kdf moderate|interactive|min]\n"
    "                            [--passphrase-file F | --passphrase-env VAR] [--json]\n"
    "       mpc-cli identity show FILE [--json]\n"
    "       mpc-cli identity passwd FILE (--new-passphrase-file F | --new-passphrase-env VAR)\n"
    "                            [--passphrase-file F | --passphrase-env VAR] [--kdf COST]\n"
    "\n"
    "new   creates a node identity: a fresh Ed25519 key, encrypted with a key derived\n"
    "      by Argon2id from the passphrase (XChaCha20-Poly1305), written to FILE with\n"
    "      mode 0600. Never overwrites. Prints the public key for the peers file.\n"
    "show  prints the public key of an identity or initiator file (no passphrase).\n"
    "passwd re-encrypts FILE under a new passphrase (same key; written to a temp\n"
    "      file, then renamed over FILE). The node's key store keeps its own\n"
    "      passphrase: a node whose identity and store passphrases differ will not\n"
    "      start (this is how the wrong-store-passphrase check is exercised).\n"
    "\n"
    "  --out FILE              the file to create (its directory must exist)\n"
    "  --kdf COST              Argon2id cost: moderate (default, 256 MiB, ~0.5 s),\n"
    "                          interactive (64 MiB), min (tests only: weak)\n"
    "  --passphrase-file F     first line of F (mode 0600) is the passphrase\n"
    "  --passphrase-env VAR    the passphrase is in environment variable VAR\n"
    "                          (default: MPC_PASSPHRASE if set, else prompt twice)\n"
    "  --json                  print {\"file\": ..., \"public_key\": ...}\n";

static const char initiator_usage[] =
    "usage: mpc-cli initiator new --out FILE [--plain] [--kdf COST]\n"
    "                             [--passphrase-file F | --passphrase-env VAR] [--json]\n"
    "       mpc-cli initiator show FILE [--json]\n"
    "\n"
    "new   creates an initiator key: the Ed25519 key a client signs its requests\n"
    "      with. Its public key goes into every node config (initiators:). Stored\n"
    "      encrypted like a node identity, or with --plain as a mode-0600 text file\n"
    "      \"mpc-initiator-seed <hex>\" (no passphrase; protect it by other means).\n"
    "show  prints the public key of the file.\n"
    "\n"
    "  --out FILE, --kdf, --passphrase-file, --passphrase-env, --json: as for identity new\n";

/* Options of new / show / passwd. */
struct new_opts {
    const char *out;                  /* --out */
    struct node_store_kdf_params kdf; /* --kdf */
    struct cli_pass_opts pass;        /* passphrase source */
    struct cli_pass_opts newpass;     /* passwd: the new passphrase source */
    int plain;                        /* --plain (initiator only) */
    int json;                         /* --json */
};

/* Prints the outcome of new/show. */
static void
print_key(const char *what, const char *file, const uint8_t *pk, int json)
{
    char hex[2 * CLI_KEY_BYTES + 1];
    cli_hex(hex, pk, CLI_KEY_BYTES);
    if (json) {
        json_t *j = json_pack("{s:s, s:s}", "file", file, "public_key", hex);
        cli_json_print(j);
        json_decref(j);
    } else {
        if (what != NULL) {
            printf("%s: %s\n", what, file);
        }
        printf("public key: %s\n", hex);
    }
}

/* Parses the options of `new` / `show`; returns -1 (usage printed) or the optind. */
static int
parse_opts(int argc, char **argv, const char *usage, int allow_plain, struct new_opts *o)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"kdf", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'f'},
        {"passphrase-env", required_argument, NULL, 'e'},
        {"plain", no_argument, NULL, 'p'},
        {"new-passphrase-file", required_argument, NULL, 'F'},
        {"new-passphrase-env", required_argument, NULL, 'E'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->kdf = NODE_STORE_KDF_MODERATE;
    optind = 0; /* glibc: full re-initialisation, permuting options and operands */
    opterr = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 'f':
            o->pass.file = optarg;
            break;
        case 'e':
            o->pass.env = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'F':
            o->newpass.file = optarg;
            break;
        case 'E':
            o->newpass.env = optarg;
            break;
        case 'p':
            if (!allow_plain) {
                cli_usage_error(usage, "--plain is only for initiator keys");
                return -1;
            }
            o->plain = 1;
            break;
        case 'k':
            if (cli_parse_kdf(optarg, &o->kdf) != 0) {
                cli_usage_error(usage, "--kdf: expected moderate, interactive or min");
                return -1;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            return -2;
        default:
            cli_usage_error(usage, NULL);
            return -1;
        }
    }
    return optind;
}

/* Writes a new plain initiator file (O_EXCL, 0600, fsync). */
static mpc_status
plain_write(const char *path, const uint8_t *seed)
{
    static const char tag[] = "mpc-initiator-seed ";
    char line[sizeof(tag) + 2 * 32 + 1];
    memcpy(line, tag, sizeof(tag) - 1);
    cli_hex(line + sizeof(tag) - 1, seed, 32);
    size_t len = strlen(line);
    line[len++] = '\n';
    mpc_status st = MPC_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        cli_errf("%s: %s", path, strerror(errno));
        st = errno == EEXIST ? MPC_ERR_EXISTS : MPC_ERR_IO;
    } else {
        if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
            cli_errf("%s: write failed: %s", path, strerror(errno));
            st = MPC_ERR_IO;
        }
        close(fd);
        if (st != MPC_OK) {
            unlink(path);
        }
    }
    mpc_wipe(line, sizeof(line));
    return st;
}

/* Creates a plain initiator file; Out: pk. */
static mpc_status
plain_create(const char *path, uint8_t *pk)
{
    uint8_t *seed = mpc_secure_alloc(32);
    uint8_t *sk = mpc_secure_alloc(64);
    mpc_status st = (seed == NULL || sk == NULL) ? MPC_ERR_NOMEM : mpc_random_bytes(seed, 32);
    if (st == MPC_OK) {
        crypto_sign_seed_keypair(pk, sk, seed);
        st = plain_write(path, seed);
    }
    mpc_secure_free(seed);
    mpc_secure_free(sk);
    return st;
}

/* Creates an encrypted identity-format key file; Out: pk. */
static mpc_status
encrypted_create(const struct new_opts *o, uint8_t *pk)
{
    char err[ERR_CAP];
    if (access(o->out, F_OK) == 0) {
        cli_errf("%s: already exists (never overwritten)", o->out);
        return MPC_ERR_EXISTS;
    }
    node_store_passphrase *pass = NULL;
    mpc_status st = cli_passphrase_get(&o->pass, 1, &pass);
    if (st != MPC_OK) {
        return st;
    }
    node_store_identity *id = NULL;
    st =
        node_store_identity_create(o->out, node_store_passphrase_data(pass),
                                   node_store_passphrase_len(pass), &o->kdf, &id, err, sizeof(err));
    node_store_passphrase_destroy(pass);
    if (st != MPC_OK) {
        cli_errf("%s", err);
        return st;
    }
    memcpy(pk, node_store_identity_public_key(id), CLI_KEY_BYTES);
    node_store_identity_destroy(id);
    return MPC_OK;
}

/* Re-encrypts path under the new passphrase (temp file + rename). */
static mpc_status
identity_passwd(const char *path, const struct new_opts *o)
{
    char err[ERR_CAP];
    char tmp[4096];
    if (o->newpass.file == NULL && o->newpass.env == NULL) {
        cli_errf("passwd: give --new-passphrase-file or --new-passphrase-env");
        return MPC_ERR_INVALID_ARG;
    }
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_passphrase *cur = NULL;
    node_store_passphrase *next = NULL;
    node_store_identity *id = NULL;
    mpc_status st = cli_passphrase_get(&o->pass, 0, &cur);
    if (st == MPC_OK) {
        st = cli_passphrase_get(&o->newpass, 0, &next);
    }
    if (st == MPC_OK) {
        st = node_store_identity_load(path, node_store_passphrase_data(cur),
                                      node_store_passphrase_len(cur), &id, err, sizeof(err));
        if (st != MPC_OK) {
            cli_errf("%s", err);
        }
    }
    if (st == MPC_OK) {
        st = node_store_identity_save(id, tmp, node_store_passphrase_data(next),
                                      node_store_passphrase_len(next), &o->kdf, err, sizeof(err));
        if (st != MPC_OK) {
            cli_errf("%s", err);
        } else if (rename(tmp, path) != 0) {
            cli_errf("rename %s: %s", tmp, strerror(errno));
            unlink(tmp);
            st = MPC_ERR_IO;
        }
    }
    node_store_identity_destroy(id);
    node_store_passphrase_destroy(cur);
    node_store_passphrase_destroy(next);
    return st;
}

/* identity/initiator dispatcher: kind is "identity" or "initiator". */
static int
key_command(int argc, char **argv, const char *usage, int is_initiator)
{
    if (argc < 2) {
        return cli_usage_error(usage, "missing subcommand (new or show)");
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(usage, stdout);
        return CLI_EXIT_OK;
    }
    struct new_opts o;
    int first = parse_opts(argc - 1, argv + 1, usage, is_initiator, &o);
    if (first < 0) {
        return first == -2 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    int rest = argc - 1 - first;
    char **args = argv + 1 + first;
    uint8_t pk[CLI_KEY_BYTES];
    if (strcmp(sub, "new") == 0) {
        if (o.out == NULL || rest != 0) {
            return cli_usage_error(usage, "new: --out FILE is required (and nothing else)");
        }
        mpc_status st = o.plain ? plain_create(o.out, pk) : encrypted_create(&o, pk);
        if (st != MPC_OK) {
            return CLI_EXIT_FAILED;
        }
        print_key(is_initiator ? "initiator key created" : "identity created", o.out, pk, o.json);
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "passwd") == 0 && !is_initiator) {
        if (rest != 1 || o.out != NULL || cli_key_file_public(args[0], pk) != MPC_OK) {
            return rest != 1 ? cli_usage_error(usage, "passwd: exactly one FILE expected")
                             : CLI_EXIT_FAILED;
        }
        if (identity_passwd(args[0], &o) != MPC_OK) {
            return CLI_EXIT_FAILED;
        }
        print_key("passphrase changed", args[0], pk, o.json);
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "show") == 0) {
        if (rest != 1 || o.out != NULL || o.plain) {
            return cli_usage_error(usage, "show: exactly one FILE expected");
        }
        if (cli_key_file_public(args[0], pk) != MPC_OK) {
            return CLI_EXIT_FAILED;
        }
        print_key(NULL, args[0], pk, o.json);
        return CLI_EXIT_OK;
    }
    cli_errf("unknown subcommand '%s'", sub);
    return cli_usage_error(usage, NULL);
}

int
cli_cmd_identity(int argc, char **argv)
{
    return key_command(argc, argv, identity_usage, 0);
}

int
cli_cmd_initiator(int argc, char **argv)
{
    return key_command(argc, argv, initiator_usage, 1);
}

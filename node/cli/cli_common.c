/*
 * cli_common.c — mpc-cli helpers shared by the subcommands: diagnostics,
 * number and cost parsing, passphrases, signing key files, hex and JSON output.
 */
#include "node/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/hex.h"
#include "common/secmem.h"
#include "node/store/identity.h"
#include "proto/request.pb-c.h"

#define PLAIN_TAG      "mpc-initiator-seed "        /* first token of a plain key file */
#define PLAIN_LINE_MAX (sizeof(PLAIN_TAG) + 64 + 4) /* tag + hex seed + newline slack */
#define ERR_CAP        512u                         /* diagnostic buffer */

void
cli_errf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mpc-cli: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int
cli_usage_error(const char *usage, const char *msg)
{
    if (msg != NULL) {
        cli_errf("%s", msg);
    }
    fputs(usage, stderr);
    return CLI_EXIT_USAGE;
}

int
cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    *out = 0;
    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

int
cli_parse_expect(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    int rc = cli_parse_u64(s, 1, 100000, &v);
    *out = (uint32_t)v;
    return rc;
}

int
cli_parse_seconds(const char *s, uint64_t *out_ms)
{
    uint64_t v = 0;
    int rc = cli_parse_u64(s, 1, 86400, &v);
    *out_ms = v * 1000;
    return rc;
}

int
cli_parse_hex_alloc(const char *s, uint8_t **out, size_t *len)
{
    free(*out);
    *len = 0;
    size_t cap = strlen(s) / 2 + 1;
    *out = malloc(cap);
    if (*out == NULL || mpc_hex_decode(*out, cap, len, s) != MPC_OK) {
        free(*out);
        *out = NULL;
        *len = 0;
        return -1;
    }
    return 0;
}

int
cli_parse_kdf(const char *s, struct node_store_kdf_params *out)
{
    if (s == NULL) {
        return -1;
    }
    if (strcmp(s, "moderate") == 0) {
        *out = NODE_STORE_KDF_MODERATE;
    } else if (strcmp(s, "interactive") == 0) {
        out->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        out->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    } else if (strcmp(s, "min") == 0) {
        *out = NODE_STORE_KDF_TEST_MIN;
    } else {
        return -1;
    }
    return 0;
}

/* Prompts on /dev/tty (twice with confirm) and returns the passphrase. */
static mpc_status
passphrase_prompt(int confirm, node_store_passphrase **out)
{
    char err[ERR_CAP];
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        cli_errf("no passphrase: give --passphrase-file, --passphrase-env or set MPC_PASSPHRASE "
                 "(no terminal to prompt on)");
        return MPC_ERR_IO;
    }
    node_store_passphrase *first = NULL;
    node_store_passphrase *again = NULL;
    mpc_status st =
        node_store_passphrase_prompt_fd(fd, fd, "passphrase: ", &first, err, sizeof(err));
    if (st == MPC_OK && confirm) {
        st = node_store_passphrase_prompt_fd(fd, fd, "passphrase (again): ", &again, err,
                                             sizeof(err));
        if (st == MPC_OK &&
            (node_store_passphrase_len(first) != node_store_passphrase_len(again) ||
             !mpc_ct_equal(node_store_passphrase_data(first), node_store_passphrase_data(again),
                           node_store_passphrase_len(first)))) {
            snprintf(err, sizeof(err), "the two passphrases differ");
            st = MPC_ERR_INVALID_ARG;
        }
    }
    close(fd);
    node_store_passphrase_destroy(again);
    if (st != MPC_OK) {
        cli_errf("%s", err);
        node_store_passphrase_destroy(first);
        return st;
    }
    *out = first;
    return MPC_OK;
}

mpc_status
cli_passphrase_get(const struct cli_pass_opts *o, int confirm, node_store_passphrase **out)
{
    char err[ERR_CAP];
    mpc_status st;
    *out = NULL;
    if (o != NULL && o->file != NULL) {
        st = node_store_passphrase_from_file(o->file, out, err, sizeof(err));
    } else if (o != NULL && o->env != NULL) {
        st = node_store_passphrase_from_env(o->env, out, err, sizeof(err));
    } else if (getenv(NODE_STORE_PASSPHRASE_ENV_VAR) != NULL) {
        st = node_store_passphrase_from_env(NULL, out, err, sizeof(err));
    } else {
        return passphrase_prompt(confirm, out);
    }
    if (st != MPC_OK) {
        cli_errf("%s", err);
    }
    return st;
}

/*
 * Reads a plain key file: mode 0600 or stricter, one line "mpc-initiator-seed HEX".
 * Out: seed (32 bytes). Returns MPC_ERR_NOT_FOUND if the file is not in this format.
 */
static mpc_status
plain_read_seed(const char *path, uint8_t *seed)
{
    char line[PLAIN_LINE_MAX + 1];
    mpc_status st = MPC_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_errf("%s: %s", path, strerror(errno));
        return MPC_ERR_IO;
    }
    struct stat sb;
    ssize_t n = -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        cli_errf("%s: not a regular file", path);
        st = MPC_ERR_IO;
    } else if ((n = read(fd, line, PLAIN_LINE_MAX)) < 0) {
        cli_errf("%s: %s", path, strerror(errno));
        st = MPC_ERR_IO;
    }
    close(fd);
    if (st != MPC_OK) {
        return st;
    }
    line[n] = '\0';
    if (strncmp(line, PLAIN_TAG, strlen(PLAIN_TAG)) != 0) {
        mpc_wipe(line, sizeof(line));
        return MPC_ERR_NOT_FOUND;
    }
    if ((sb.st_mode & 077) != 0) {
        mpc_wipe(line, sizeof(line));
        cli_errf("%s: key file readable by group or others (chmod 600)", path);
        return MPC_ERR_FILE_MODE;
    }
    char *hex = line + strlen(PLAIN_TAG);
    hex[strcspn(hex, "\r\n")] = '\0';
    if (mpc_hex_decode_exact(seed, 32, hex) != MPC_OK) {
        cli_errf("%s: malformed plain key file", path);
        st = MPC_ERR_CORRUPT;
    }
    mpc_wipe(line, sizeof(line));
    return st;
}

mpc_status
cli_key_file_public(const char *path, uint8_t *pk)
{
    memset(pk, 0, CLI_KEY_BYTES);
    uint8_t *seed = mpc_secure_alloc(32);
    uint8_t *sk = mpc_secure_alloc(64);
    mpc_status st = (seed == NULL || sk == NULL) ? MPC_ERR_NOMEM : plain_read_seed(path, seed);
    if (st == MPC_OK) {
        crypto_sign_seed_keypair(pk, sk, seed);
    } else if (st == MPC_ERR_NOT_FOUND) {
        st = node_store_identity_peek_public_key(path, pk);
        if (st != MPC_OK) {
            cli_errf("%s: not a key file (%s)", path, mpc_status_str(st));
        }
    }
    mpc_secure_free(seed);
    mpc_secure_free(sk);
    return st;
}

mpc_status
cli_key_load(const char *path, const struct cli_pass_opts *o, node_store_identity **out)
{
    char err[ERR_CAP];
    *out = NULL;
    uint8_t *seed = mpc_secure_alloc(32);
    mpc_status st = seed == NULL ? MPC_ERR_NOMEM : plain_read_seed(path, seed);
    if (st == MPC_OK) {
        st = node_store_identity_from_seed(seed, out);
    } else if (st == MPC_ERR_NOT_FOUND) {
        node_store_passphrase *pass = NULL;
        st = cli_passphrase_get(o, 0, &pass);
        if (st == MPC_OK) {
            st = node_store_identity_load(path, node_store_passphrase_data(pass),
                                          node_store_passphrase_len(pass), out, err, sizeof(err));
            node_store_passphrase_destroy(pass);
            if (st != MPC_OK) {
                cli_errf("%s", err);
            }
        }
    }
    mpc_secure_free(seed);
    return st;
}

int
cli_parse_public_key(const char *hex, uint8_t *pk, int *len)
{
    size_t n = 0;
    *len = 0;
    if (mpc_hex_decode(pk, 33, &n, hex) != MPC_OK || (n != 32 && n != 33)) {
        return -1;
    }
    *len = (int)n;
    return 0;
}

int
cli_key_opt(const char **file, struct cli_pass_opts *pass, int c, const char *arg)
{
    switch (c) {
    case CLI_OPT_KEY:
        *file = arg;
        return 1;
    case CLI_OPT_PASSPHRASE_FILE:
        pass->file = arg;
        return 1;
    case CLI_OPT_PASSPHRASE_ENV:
        pass->env = arg;
        return 1;
    default:
        return 0;
    }
}

int
cli_parse_key_type(const char *s)
{
    return strcmp(s, "ed25519") == 0        ? MPC__KEY_TYPE__KEY_TYPE_ED25519
           : strcmp(s, "secp256k1") == 0    ? MPC__KEY_TYPE__KEY_TYPE_SECP256K1
           : strcmp(s, "secp256k1-tr") == 0 ? MPC__KEY_TYPE__KEY_TYPE_SECP256K1_TR
                                            : 0;
}

mpc_status
cli_file_read(const char *path, size_t max, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cli_errf("%s: %s", path, strerror(errno));
        return MPC_ERR_IO;
    }
    uint8_t *buf = malloc(max + 1);
    size_t n = buf == NULL ? 0 : fread(buf, 1, max + 1, f);
    int bad = buf == NULL || ferror(f) || n > max;
    fclose(f);
    if (bad) {
        free(buf);
        cli_errf("%s: unreadable or larger than %zu bytes", path, max);
        return buf == NULL ? MPC_ERR_NOMEM : MPC_ERR_IO;
    }
    *out = buf;
    *len = n;
    return MPC_OK;
}

mpc_status
cli_file_write(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        cli_errf("%s: %s", path, strerror(errno));
        return MPC_ERR_IO;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w <= 0) {
            break;
        }
        done += (size_t)w;
    }
    int ok = done == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        cli_errf("%s: write failed", path);
        return MPC_ERR_IO;
    }
    return MPC_OK;
}

void
cli_hex(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * len] = '\0';
}

void
cli_json_print(const json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s != NULL) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}

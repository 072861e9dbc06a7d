/*
 * passphrase.c — node passphrase from file, environment or terminal prompt.
 *
 * DESIGN: the bytes are read straight into a secure buffer (never a stdio
 * buffer), one byte at a time, so no copy of the passphrase is left in
 * ordinary memory.
 */
#include "node/store/passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/secmem.h"

struct node_store_passphrase {
    char *buf;  /* secure memory, NODE_STORE_PASSPHRASE_MAX + 2 bytes, NUL-terminated */
    size_t len; /* bytes before the NUL */
};

static mpc_status
passphrase_alloc(node_store_passphrase **out)
{
    node_store_passphrase *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return MPC_ERR_NOMEM;
    }
    p->buf = mpc_secure_alloc(NODE_STORE_PASSPHRASE_MAX + 2);
    if (p->buf == NULL) {
        free(p);
        return MPC_ERR_NOMEM;
    }
    *out = p;
    return MPC_OK;
}

/* Reads one line from fd into p (without the line end). eof_ok: end of input ends the line. */
static mpc_status
read_line(int fd, node_store_passphrase *p, int eof_ok)
{
    size_t n = 0;
    for (;;) {
        char c = 0;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return MPC_ERR_IO;
        }
        if (r == 0) {
            if (!eof_ok && n == 0) {
                return MPC_ERR_IO;
            }
            break;
        }
        if (c == '\n') {
            break;
        }
        if (n == NODE_STORE_PASSPHRASE_MAX + 1) { /* room for one '\r' before the '\n' */
            mpc_wipe(&c, sizeof(c));
            return MPC_ERR_INVALID_ARG;
        }
        p->buf[n++] = c;
        mpc_wipe(&c, sizeof(c));
    }
    if (n > 0 && p->buf[n - 1] == '\r') {
        n--;
    }
    if (n > NODE_STORE_PASSPHRASE_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    p->buf[n] = '\0';
    p->len = n;
    return n == 0 ? MPC_ERR_INVALID_ARG : MPC_OK;
}

/* Reads the first line of path; refused if its mode grants any of the bits in `denied`. */
static mpc_status
from_path(const char *path, mode_t denied, node_store_passphrase **out, char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (path == NULL) {
        mpc_errbuf_set(err, err_cap, "passphrase file: no path given");
        return MPC_ERR_INVALID_ARG;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        mpc_errbuf_set(err, err_cap, "passphrase file %s: cannot open: %s", path, strerror(errno));
        return MPC_ERR_IO;
    }
    node_store_passphrase *p = NULL;
    mpc_status st;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        mpc_errbuf_set(err, err_cap, "passphrase file %s: not a regular file", path);
        st = MPC_ERR_IO;
        goto close_fd;
    }
    if ((sb.st_mode & denied) != 0) {
        mpc_errbuf_set(err, err_cap,
                       "passphrase file %s: mode %04o gives access to group or others; "
                       "run chmod 600 on it",
                       path, (unsigned)(sb.st_mode & 07777));
        st = MPC_ERR_FILE_MODE;
        goto close_fd;
    }
    st = passphrase_alloc(&p);
    if (st != MPC_OK) {
        goto close_fd;
    }
    st = read_line(fd, p, 1);
    if (st == MPC_ERR_INVALID_ARG) {
        mpc_errbuf_set(err, err_cap,
                       "passphrase file %s: passphrase is empty or longer than %u bytes", path,
                       NODE_STORE_PASSPHRASE_MAX);
    } else if (st != MPC_OK) {
        mpc_errbuf_set(err, err_cap, "passphrase file %s: read error", path);
    }
    if (st != MPC_OK) {
        node_store_passphrase_destroy(p);
        p = NULL;
    }
close_fd:
    close(fd);
    *out = p;
    return st;
}

mpc_status
node_store_passphrase_from_file(const char *path, node_store_passphrase **out, char *err,
                                size_t err_cap)
{
    return from_path(path, S_IRWXG | S_IRWXO, out, err, err_cap);
}

/*
 * Removes variable name (whose value is v[0..len)) from the process: the bytes are overwritten in
 * place first, because /proc/<pid>/environ shows the memory the process started with, which
 * unsetenv alone only unlinks from environ and leaves readable.
 */
static void
scrub_env(const char *name, const char *v, size_t len)
{
    /* getenv's result points into environ's own storage: writable, never freed by us. */
    mpc_wipe((char *)(uintptr_t)v, len);
    (void)unsetenv(name);
}

mpc_status
node_store_passphrase_from_env(const char *name, node_store_passphrase **out, char *err,
                               size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (name == NULL) {
        name = NODE_STORE_PASSPHRASE_ENV_VAR;
    }
    const char *v = getenv(name);
    if (v == NULL) {
        mpc_errbuf_set(err, err_cap, "passphrase: environment variable %s is not set", name);
        return MPC_ERR_NOT_FOUND;
    }
    size_t len = strlen(v);
    if (len == 0 || len > NODE_STORE_PASSPHRASE_MAX) {
        mpc_errbuf_set(err, err_cap,
                       "passphrase: environment variable %s is empty or longer than %u bytes", name,
                       NODE_STORE_PASSPHRASE_MAX);
        return MPC_ERR_INVALID_ARG;
    }
    return node_store_passphrase_from_bytes(v, len, out);
}

void
node_store_passphrase_env_scrub(const char *name)
{
    if (name == NULL) {
        name = NODE_STORE_PASSPHRASE_ENV_VAR;
    }
    char *v = getenv(name);
    if (v != NULL) {
        scrub_env(name, v, strlen(v));
    }
}

mpc_status
node_store_passphrase_from_credential(const char *name, node_store_passphrase **out, char *err,
                                      size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (name == NULL) {
        name = NODE_STORE_PASSPHRASE_CRED_NAME;
    }
    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        mpc_errbuf_set(err, err_cap, "passphrase: bad credential name '%s'", name);
        return MPC_ERR_INVALID_ARG;
    }
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    if (dir == NULL || dir[0] != '/') {
        mpc_errbuf_set(err, err_cap,
                       "passphrase: CREDENTIALS_DIRECTORY is not set (run under systemd with "
                       "LoadCredential=%s:PATH)",
                       name);
        return MPC_ERR_NOT_FOUND;
    }
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        mpc_errbuf_set(err, err_cap, "passphrase: credential path too long");
        return MPC_ERR_INVALID_ARG;
    }
    /* systemd may grant the service user access by an ACL, whose mask shows in
     * the group bits; the directory is the service's own. Others: never. */
    return from_path(path, S_IRWXO, out, err, err_cap);
}

mpc_status
node_store_passphrase_prompt_fd(int in_fd, int out_fd, const char *prompt,
                                node_store_passphrase **out, char *err, size_t err_cap)
{
    mpc_errbuf_set(err, err_cap, "%s", "");
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    struct termios saved, quiet;
    if (tcgetattr(in_fd, &saved) != 0) {
        mpc_errbuf_set(err, err_cap, "passphrase prompt: input is not a terminal");
        return MPC_ERR_IO;
    }
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    if (tcsetattr(in_fd, TCSAFLUSH, &quiet) != 0) {
        mpc_errbuf_set(err, err_cap, "passphrase prompt: cannot disable echo");
        return MPC_ERR_IO;
    }
    const char *msg = prompt != NULL ? prompt : "Passphrase: ";
    if (write(out_fd, msg, strlen(msg)) < 0) {
        /* The prompt text is a courtesy; reading still works without it. */
    }
    node_store_passphrase *p = NULL;
    mpc_status st = passphrase_alloc(&p);
    if (st == MPC_OK) {
        st = read_line(in_fd, p, 0);
    }
    (void)tcsetattr(in_fd, TCSAFLUSH, &saved);
    if (write(out_fd, "\n", 1) < 0) {
        /* as above */
    }
    if (st == MPC_ERR_INVALID_ARG) {
        mpc_errbuf_set(err, err_cap,
                       "passphrase prompt: passphrase is empty or longer than %u bytes",
                       NODE_STORE_PASSPHRASE_MAX);
    } else if (st == MPC_ERR_IO) {
        mpc_errbuf_set(err, err_cap, "passphrase prompt: no input");
    }
    if (st != MPC_OK) {
        node_store_passphrase_destroy(p);
        return st;
    }
    *out = p;
    return MPC_OK;
}

mpc_status
node_store_passphrase_load(enum node_store_passphrase_source source, const char *arg,
                           node_store_passphrase **out, char *err, size_t err_cap)
{
    switch (source) {
    case NODE_STORE_PASSPHRASE_FILE:
        return node_store_passphrase_from_file(arg, out, err, err_cap);
    case NODE_STORE_PASSPHRASE_ENV:
        return node_store_passphrase_from_env(arg, out, err, err_cap);
    case NODE_STORE_PASSPHRASE_CREDENTIAL:
        return node_store_passphrase_from_credential(arg, out, err, err_cap);
    case NODE_STORE_PASSPHRASE_PROMPT: {
        if (out != NULL) {
            *out = NULL;
        }
        int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            mpc_errbuf_set(err, err_cap,
                           "passphrase prompt: no terminal (/dev/tty: %s); use passphrase_source "
                           "file or env",
                           strerror(errno));
            return MPC_ERR_IO;
        }
        mpc_status st =
            node_store_passphrase_prompt_fd(fd, fd, "mpc-node passphrase: ", out, err, err_cap);
        close(fd);
        return st;
    }
    }
    mpc_errbuf_set(err, err_cap, "passphrase: unknown source %d", (int)source);
    if (out != NULL) {
        *out = NULL;
    }
    return MPC_ERR_INVALID_ARG;
}

mpc_status
node_store_passphrase_from_bytes(const char *pass, size_t len, node_store_passphrase **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (pass == NULL || len == 0 || len > NODE_STORE_PASSPHRASE_MAX) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_passphrase *p = NULL;
    mpc_status st = passphrase_alloc(&p);
    if (st != MPC_OK) {
        return st;
    }
    memcpy(p->buf, pass, len);
    p->buf[len] = '\0';
    p->len = len;
    *out = p;
    return MPC_OK;
}

const char *
node_store_passphrase_data(const node_store_passphrase *p)
{
    return p != NULL ? p->buf : NULL;
}

size_t
node_store_passphrase_len(const node_store_passphrase *p)
{
    return p != NULL ? p->len : 0;
}

void
node_store_passphrase_destroy(node_store_passphrase *p)
{
    if (p == NULL) {
        return;
    }
    mpc_secure_free(p->buf);
    free(p);
}

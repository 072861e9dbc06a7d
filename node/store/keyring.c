/*
 * keyring.c — the store's record-key file (node/store/keyring.h).
 *
 * DESIGN: the file descriptor and the slot map (one byte per slot: 1 if the
 * slot is not all zeros) are guarded by `mu`; slot contents are read and
 * written with pread/pwrite outside the lock (a slot is owned by one record
 * at a time, and add marks it used before writing it). Key bytes pass only
 * through the caller's secure memory and a stack buffer wiped on every path.
 */
#include "node/store/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/secmem.h"

#define KR_MAGIC     "MKR1"
#define KR_MAGIC_LEN 4u
#define KR_ID_OFF    KR_MAGIC_LEN
#define KR_KEY_OFF   (KR_ID_OFF + NODE_STORE_KEYRING_ID_BYTES)
#define KR_SUM_OFF   (KR_KEY_OFF + NODE_STORE_KEYRING_KEY_BYTES)
#define KR_SUM_BYTES 16u
#define KR_SLOT      NODE_STORE_KEYRING_SLOT_BYTES
#define KR_GROW      64u /* slots the file grows by (32 KiB) */

struct node_store_keyring {
    pthread_mutex_t mu; /* guards fd (its creation), used, cap, nslots */
    char *path;         /* the keyring file (malloc'ed) */
    int fd;             /* O_RDWR descriptor, -1 until the file exists */
    uint8_t *used;      /* used[i] = 1 if slot i is not free */
    size_t cap;         /* entries allocated in used */
    size_t nslots;      /* slots the file holds (its size / KR_SLOT, a multiple of KR_GROW
                           unless written otherwise) */
    size_t n_used;      /* slots with used[i] = 1 */
};

static int
slot_is_zero(const uint8_t *b)
{
    return sodium_is_zero(b, KR_SLOT);
}

/* 1 if b is a well-formed slot (magic and checksum). */
static int
slot_is_valid(const uint8_t *b)
{
    uint8_t sum[KR_SUM_BYTES];
    if (memcmp(b, KR_MAGIC, KR_MAGIC_LEN) != 0) {
        return 0;
    }
    crypto_generichash(sum, sizeof sum, b, KR_SUM_OFF, NULL, 0);
    return sodium_memcmp(sum, b + KR_SUM_OFF, KR_SUM_BYTES) == 0;
}

/* Grows the slot map to hold at least n slots. Under mu. */
static mpc_status
map_reserve(node_store_keyring *kr, size_t n)
{
    if (n <= kr->cap) {
        return MPC_OK;
    }
    size_t cap = kr->cap ? kr->cap : 64;
    while (cap < n) {
        cap *= 2;
    }
    uint8_t *u = realloc(kr->used, cap);
    if (u == NULL) {
        return MPC_ERR_NOMEM;
    }
    memset(u + kr->cap, 0, cap - kr->cap);
    kr->used = u;
    kr->cap = cap;
    return MPC_OK;
}

static mpc_status
slot_read(int fd, uint32_t slot, uint8_t *b)
{
    ssize_t r = pread(fd, b, KR_SLOT, (off_t)slot * KR_SLOT);
    if (r == (ssize_t)KR_SLOT) {
        return MPC_OK;
    }
    if (r >= 0) {
        memset(b, 0, KR_SLOT); /* past the end: a free slot */
        return MPC_OK;
    }
    return MPC_ERR_IO;
}

static mpc_status
slot_write(int fd, uint32_t slot, const uint8_t *b)
{
    ssize_t w = pwrite(fd, b, KR_SLOT, (off_t)slot * KR_SLOT);
    return w == (ssize_t)KR_SLOT ? MPC_OK : MPC_ERR_IO;
}

/* Reads the file's slots into the map. Under mu (or before kr is shared). */
static mpc_status
map_load(node_store_keyring *kr)
{
    struct stat sb;
    if (fstat(kr->fd, &sb) != 0) {
        return MPC_ERR_IO;
    }
    if (sb.st_size % KR_SLOT != 0 ||
        (uint64_t)sb.st_size / KR_SLOT > NODE_STORE_KEYRING_MAX_SLOTS) {
        return MPC_ERR_KEYRING_CORRUPT;
    }
    kr->nslots = (size_t)sb.st_size / KR_SLOT;
    mpc_status st = map_reserve(kr, kr->nslots);
    uint8_t b[KR_SLOT];
    for (size_t i = 0; st == MPC_OK && i < kr->nslots; i++) {
        st = slot_read(kr->fd, (uint32_t)i, b);
        kr->used[i] = st == MPC_OK && !slot_is_zero(b);
        kr->n_used += kr->used[i];
    }
    sodium_memzero(b, sizeof b);
    return st;
}

mpc_status
node_store_keyring_open(const char *path, node_store_keyring **out)
{
    if (out == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (path == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    node_store_keyring *kr = calloc(1, sizeof *kr);
    if (kr == NULL || (kr->path = strdup(path)) == NULL) {
        free(kr);
        return MPC_ERR_NOMEM;
    }
    kr->fd = open(path, O_RDWR | O_CLOEXEC);
    mpc_status st = MPC_OK;
    if (kr->fd >= 0) {
        st = map_load(kr);
    } else if (errno != ENOENT) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK && pthread_mutex_init(&kr->mu, NULL) != 0) {
        st = MPC_ERR_NOMEM;
    }
    if (st != MPC_OK) {
        if (kr->fd >= 0) {
            close(kr->fd);
        }
        free(kr->used);
        free(kr->path);
        free(kr);
        mpc_log(MPC_LOG_ERROR, "store", "keyring_open_failed", "status=%s", mpc_status_name(st));
        return st;
    }
    *out = kr;
    return MPC_OK;
}

void
node_store_keyring_close(node_store_keyring *kr)
{
    if (kr == NULL) {
        return;
    }
    if (kr->fd >= 0) {
        close(kr->fd);
    }
    pthread_mutex_destroy(&kr->mu);
    free(kr->used);
    free(kr->path);
    free(kr);
}

/* Creates the file (and syncs its directory) if it does not exist yet. Under mu. */
static mpc_status
file_ensure(node_store_keyring *kr)
{
    if (kr->fd >= 0) {
        return MPC_OK;
    }
    kr->fd = open(kr->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (kr->fd < 0) {
        return MPC_ERR_IO;
    }
    char *copy = strdup(kr->path);
    int dfd = copy != NULL ? open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(copy);
    int rc = dfd >= 0 ? fsync(dfd) : -1;
    if (dfd >= 0) {
        close(dfd);
    }
    return rc == 0 ? MPC_OK : MPC_ERR_IO;
}

/* Appends KR_GROW zero slots to the file and syncs them (size included), so
 * that a later add overwrites initialised blocks in place: its fdatasync then
 * has no metadata to write (an append would commit the file system's journal
 * on every key). Under mu. */
static mpc_status
file_grow(node_store_keyring *kr)
{
    static const uint8_t zeros[KR_SLOT];
    size_t n = kr->nslots + KR_GROW;
    if (n > NODE_STORE_KEYRING_MAX_SLOTS) {
        return MPC_ERR_STORE_FULL;
    }
    mpc_status st = map_reserve(kr, n);
    for (size_t i = kr->nslots; st == MPC_OK && i < n; i++) {
        st = slot_write(kr->fd, (uint32_t)i, zeros);
    }
    if (st == MPC_OK && fsync(kr->fd) != 0) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        kr->nslots = n;
    }
    return st;
}

/* Picks a free slot and marks it used. Out: *slot, *fd. Under the lock inside. */
static mpc_status
slot_claim(node_store_keyring *kr, uint32_t *slot, int *fd)
{
    (void)pthread_mutex_lock(&kr->mu);
    mpc_status st = file_ensure(kr);
    size_t i = 0;
    while (st == MPC_OK && i < kr->nslots && kr->used[i]) {
        i++;
    }
    if (st == MPC_OK && i >= kr->nslots) {
        st = file_grow(kr);
    }
    if (st == MPC_OK) {
        kr->used[i] = 1;
        kr->n_used++;
        *slot = (uint32_t)i;
        *fd = kr->fd;
    }
    (void)pthread_mutex_unlock(&kr->mu);
    return st;
}

static void
slot_release(node_store_keyring *kr, uint32_t slot)
{
    (void)pthread_mutex_lock(&kr->mu);
    if (slot < kr->nslots && kr->used[slot]) {
        kr->used[slot] = 0;
        kr->n_used--;
    }
    (void)pthread_mutex_unlock(&kr->mu);
}

mpc_status
node_store_keyring_add(node_store_keyring *kr, uint32_t *slot, uint8_t *id, uint8_t *key)
{
    if (kr == NULL || slot == NULL || id == NULL || key == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    uint8_t b[KR_SLOT];
    memset(b, 0, sizeof b);
    int fd = -1;
    mpc_status st = slot_claim(kr, slot, &fd);
    if (st != MPC_OK) {
        return st;
    }
    memcpy(b, KR_MAGIC, KR_MAGIC_LEN);
    st =
        mpc_random_bytes(b + KR_ID_OFF, NODE_STORE_KEYRING_ID_BYTES + NODE_STORE_KEYRING_KEY_BYTES);
    if (st == MPC_OK) {
        crypto_generichash(b + KR_SUM_OFF, KR_SUM_BYTES, b, KR_SUM_OFF, NULL, 0);
        st = slot_write(fd, *slot, b);
    }
    if (st == MPC_OK && fdatasync(fd) != 0) {
        st = MPC_ERR_IO;
    }
    if (st == MPC_OK) {
        memcpy(id, b + KR_ID_OFF, NODE_STORE_KEYRING_ID_BYTES);
        memcpy(key, b + KR_KEY_OFF, NODE_STORE_KEYRING_KEY_BYTES);
    } else {
        /* the slot may hold a partial write: zero it so the map stays true */
        memset(b, 0, sizeof b);
        (void)slot_write(fd, *slot, b);
        slot_release(kr, *slot);
        sodium_memzero(key, NODE_STORE_KEYRING_KEY_BYTES);
        mpc_log(MPC_LOG_ERROR, "store", "keyring_add_failed", "status=%s", mpc_status_name(st));
    }
    sodium_memzero(b, sizeof b);
    return st;
}

/* The descriptor, or -1 if the file does not exist yet. */
static int
kr_fd(node_store_keyring *kr)
{
    (void)pthread_mutex_lock(&kr->mu);
    int fd = kr->fd;
    (void)pthread_mutex_unlock(&kr->mu);
    return fd;
}

mpc_status
node_store_keyring_get(node_store_keyring *kr, uint32_t slot, const uint8_t *id, uint8_t *key)
{
    if (kr == NULL || id == NULL || key == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    memset(key, 0, NODE_STORE_KEYRING_KEY_BYTES);
    int fd = kr_fd(kr);
    if (fd < 0 || slot >= NODE_STORE_KEYRING_MAX_SLOTS) {
        return MPC_ERR_RECORD_KEY_ERASED;
    }
    uint8_t b[KR_SLOT];
    mpc_status st = slot_read(fd, slot, b);
    if (st == MPC_OK && slot_is_zero(b)) {
        st = MPC_ERR_RECORD_KEY_ERASED;
    } else if (st == MPC_OK &&
               (!slot_is_valid(b) ||
                sodium_memcmp(b + KR_ID_OFF, id, NODE_STORE_KEYRING_ID_BYTES) != 0)) {
        st = MPC_ERR_KEYRING_CORRUPT;
    }
    if (st == MPC_OK) {
        memcpy(key, b + KR_KEY_OFF, NODE_STORE_KEYRING_KEY_BYTES);
    }
    sodium_memzero(b, sizeof b);
    return st;
}

mpc_status
node_store_keyring_erase(node_store_keyring *kr, uint32_t slot, const uint8_t *id)
{
    if (kr == NULL || id == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    int fd = kr_fd(kr);
    if (fd < 0 || slot >= NODE_STORE_KEYRING_MAX_SLOTS) {
        return MPC_OK; /* nothing was ever written there */
    }
    uint8_t b[KR_SLOT];
    mpc_status st = slot_read(fd, slot, b);
    if (st == MPC_OK && !slot_is_zero(b)) {
        if (slot_is_valid(b) &&
            sodium_memcmp(b + KR_ID_OFF, id, NODE_STORE_KEYRING_ID_BYTES) != 0) {
            st = MPC_ERR_KEYRING_CORRUPT; /* another record's key: never touch it */
        } else {
            memset(b, 0, sizeof b);
            st = slot_write(fd, slot, b);
        }
    }
    if (st == MPC_OK) {
        slot_release(kr, slot);
    }
    sodium_memzero(b, sizeof b);
    return st;
}

mpc_status
node_store_keyring_sync(node_store_keyring *kr)
{
    if (kr == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    int fd = kr_fd(kr);
    return fd < 0 || fdatasync(fd) == 0 ? MPC_OK : MPC_ERR_IO;
}

mpc_status
node_store_keyring_sweep(node_store_keyring *kr, node_store_keyring_in_use_fn in_use, void *ctx,
                         size_t *erased)
{
    if (erased != NULL) {
        *erased = 0;
    }
    if (kr == NULL || in_use == NULL) {
        return MPC_ERR_INVALID_ARG;
    }
    (void)pthread_mutex_lock(&kr->mu);
    size_t n = kr->nslots;
    int fd = kr->fd;
    (void)pthread_mutex_unlock(&kr->mu);
    uint8_t b[KR_SLOT];
    size_t count = 0;
    mpc_status st = MPC_OK;
    for (size_t i = 0; fd >= 0 && st == MPC_OK && i < n; i++) {
        st = slot_read(fd, (uint32_t)i, b);
        if (st != MPC_OK || slot_is_zero(b) ||
            (slot_is_valid(b) && in_use(ctx, (uint32_t)i, b + KR_ID_OFF))) {
            continue;
        }
        memset(b, 0, sizeof b);
        st = slot_write(fd, (uint32_t)i, b);
        if (st == MPC_OK) {
            slot_release(kr, (uint32_t)i);
            count++;
        }
    }
    sodium_memzero(b, sizeof b);
    if (st == MPC_OK && count > 0 && fdatasync(fd) != 0) {
        st = MPC_ERR_IO;
    }
    if (erased != NULL) {
        *erased = count;
    }
    return st;
}

size_t
node_store_keyring_used(node_store_keyring *kr)
{
    if (kr == NULL) {
        return 0;
    }
    (void)pthread_mutex_lock(&kr->mu);
    size_t n = kr->n_used;
    (void)pthread_mutex_unlock(&kr->mu);
    return n;
}
